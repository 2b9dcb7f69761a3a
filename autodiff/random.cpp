#include "autodiff/random.h"

#include <sstream>

#include "autodiff/error.h"

namespace ad {

std::vector<std::uint64_t> rng_state(const std::mt19937_64& g) {
  std::ostringstream os;
  os << g;
  std::istringstream is(os.str());
  std::vector<std::uint64_t> words;
  for (std::uint64_t w; is >> w;) words.push_back(w);
  return words;
}

void set_rng_state(std::mt19937_64& g, const std::vector<std::uint64_t>& words, const std::string& who) {
  std::ostringstream os;
  for (std::size_t i = 0; i < words.size(); ++i) os << (i ? " " : "") << words[i];
  std::istringstream is(os.str());
  std::mt19937_64 restored;
  is >> restored;
  // The textual form is the state's n words and the position in them: anything else is not a state of this engine.
  if (is.fail() || words.size() != std::mt19937_64::state_size + 1)
    throw ValueError(who + ": the saved random generator state is malformed (" + std::to_string(words.size()) +
                     " words, expected " + std::to_string(std::mt19937_64::state_size + 1) + ")");
  g = restored;
}

}  // namespace ad
