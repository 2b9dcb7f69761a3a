#include "data/shuffle.h"

#include <numeric>
#include <utility>

namespace ad::data {

// Values below 2^64 mod n would be drawn once more often than the others by `r % n`; they are rejected.
// (2^64 - n) % n == 2^64 % n, computed without overflow in unsigned arithmetic.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t threshold = (0 - n) % n;
  while (true) {
    const std::uint64_t r = rng();
    if (r >= threshold) return r % n;
  }
}

void shuffle(std::vector<std::size_t>& v, std::mt19937_64& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[uniform_below(rng, i)]);
}

std::vector<std::size_t> permutation(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::size_t> v(n);
  std::iota(v.begin(), v.end(), std::size_t(0));
  shuffle(v, rng);
  return v;
}

}  // namespace ad::data
