// The per-thread random generator behind randn/rand, initialisers, dropout and shuffling.
// manual_seed(s) makes everything that draws from it reproducible on this thread.
#pragma once
#include <random>

namespace ad {

std::mt19937_64& generator();
// Seeds this thread's random generator (randn, rand, initialisers, dropout, shuffling).
void manual_seed(unsigned long long seed);

}  // namespace ad
