// Random permutations that are the same on every platform for a given seed.
//
// std::shuffle and std::uniform_int_distribution are implementation-defined (libstdc++ and libc++ give different
// orders from the same engine), so a seeded split or epoch order would change with the standard library. Here the
// Fisher-Yates shuffle draws its indices from std::mt19937_64 (whose output the standard fixes) by rejection
// sampling, which is also free of the modulo bias of `engine() % n`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace ad::data {

// A uniformly distributed integer in [0, n), n > 0.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n);

// Shuffles v in place: every permutation is equally likely.
void shuffle(std::vector<std::size_t>& v, std::mt19937_64& rng);

// 0, 1, ..., n-1 in random order.
std::vector<std::size_t> permutation(std::size_t n, std::mt19937_64& rng);

}  // namespace ad::data
