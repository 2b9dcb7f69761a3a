// AD_ARG: a named option with a fluent setter and a getter, as LibTorch's TORCH_ARG, so that options read
//
//   train::FitOptions().epochs(100).batch_size(32)      // set, each returning the options
//   options.epochs()                                    // get
//
// Write AD_ARG(type, name) = default; inside a class: it declares the private member name_ with that default.
// (The type is named through an alias so that a pointer type such as `const Dataset*` gets a `const Dataset* const&`
// getter rather than a duplicate const.)
#pragma once
#include <utility>

#define AD_ARG(T, name)                               \
 public:                                              \
  using name##_type = T;                              \
  auto& name(name##_type value) {                     \
    this->name##_ = std::move(value);                 \
    return *this;                                     \
  }                                                   \
  const name##_type& name() const { return name##_; } \
                                                      \
 private:                                             \
  name##_type name##_
