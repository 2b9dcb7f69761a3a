// The bad-input table, split by area over tests/test_bad_input_*.cpp: one test case per row, each
// checking that bad input throws exactly the documented class of ad::Error (autodiff/error.h) and that the message
// names the problem: both shapes of a mismatch, the index and the bound, the file and the offset, line or entry.
//
//   bad_input::expect<ShapeError>([&] { return a + b; }, {"add", "[2, 3]", "[4]"});
#pragma once
#include <cxxabi.h>
#include <doctest/doctest.h>

#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>
#include <vector>

#include "autodiff/error.h"

namespace bad_input {

inline std::string demangle(const char* name) {
  int status = 0;
  char* s = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && s ? s : name;
  std::free(s);
  return out;
}

struct Caught {
  const std::type_info* type = nullptr;
  std::string message;
};

// Calls f, recording what it throws, and rethrows it unchanged for CHECK_THROWS_AS.
template <class F>
void run(F& f, Caught& caught) {
  try {
    (void)f();
  } catch (const std::exception& e) {
    caught.type = &typeid(e);
    caught.message = e.what();
    throw;
  }
}

// f must throw E itself (CHECK_THROWS_AS also accepts a subclass; the typeid check does not), with a message that
// contains every one of `parts`.
template <class E, class F>
void expect(F f, const std::vector<std::string>& parts) {
  Caught caught;
  CHECK_THROWS_AS(run(f, caught), E);
  if (!caught.type) return;
  INFO("message: " << caught.message);
  CHECK_MESSAGE(*caught.type == typeid(E),
                "threw " << demangle(caught.type->name()) << ", expected " << demangle(typeid(E).name()));
  for (const std::string& part : parts) {
    const bool mentioned = caught.message.find(part) != std::string::npos;
    CHECK_MESSAGE(mentioned, "the message does not mention '" << part << "'");
  }
}

}  // namespace bad_input
