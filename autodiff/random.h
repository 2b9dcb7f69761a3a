// The per-thread random generator behind randn/rand, initialisers, dropout and shuffling.
// manual_seed(s) makes everything that draws from it reproducible on this thread.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ad {

std::mt19937_64& generator();
// Seeds this thread's random generator (randn, rand, initialisers, dropout, shuffling).
void manual_seed(unsigned long long seed);

// The complete state of a generator as 64-bit words (the 312 words of its state and its position: the standard's
// textual form), and its restoration: for checkpoints from which a run continues exactly. set_rng_state throws
// ValueError (naming `who`) on words that are not such a state.
std::vector<std::uint64_t> rng_state(const std::mt19937_64& g);
void set_rng_state(std::mt19937_64& g, const std::vector<std::uint64_t>& words, const std::string& who);

}  // namespace ad
