// xtensor adaptors over tensor storage (no copy). Internal to the op translation units: xtensor headers are heavy
// to compile, so only the few TUs doing elementwise math include this.
#pragma once
#include <array>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xoperation.hpp>

#include "autodiff/shape.h"

namespace ad::xv {

// Flat 1-D view of n contiguous values: the fast (SIMD, linear) path when all operands have the same shape.
template <class P>
auto flat(P* p, std::size_t n) {
  return xt::adapt(p, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
}
// N-D view with the tensor's shape: used when operands broadcast.
template <class P>
auto nd(P* p, const Shape& s) {
  return xt::adapt(p, s.numel(), xt::no_ownership(), std::vector<std::size_t>(s.begin(), s.end()));
}

}  // namespace ad::xv
