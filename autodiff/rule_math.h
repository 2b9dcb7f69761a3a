// The vocabulary of the elementwise derivative rules (the tables of ops_unary.cpp and ops_binary.cpp).
//
// Each rule is written once and evaluated on three kinds of values:
//   scalars              the per-element loops of the first-order backward;
//   xtensor expressions  the vectorised (xsimd) loops of the first-order backward;
//   tensors              backward_graph (backward(create_graph), ad::grad): the rule's ops record themselves, so
//                        the gradient it yields is differentiable again.
// Arithmetic, comparisons with scalars, where(mask, u, v), exp, log, ... exist for all three (std::, xt:: and
// ad:: functions, found by argument-dependent lookup). What is missing for one kind is here: the scalar forms of
// where / eq / power, and for tensors a where() on a scalar condition, power(x, p), and && on masks.
#pragma once
#include <cmath>

#include "autodiff/tensor.h"

namespace ad::rules {

template <class T>
T where(bool c, T u, T v) {
  return c ? u : v;
}
template <class T>
bool eq(T u, T v) {
  return u == v;
}
// x^p with a scalar exponent as PyTorch computes it: the exponents 0.5, -0.5, 2, 3, -1 and -2 by sqrt, 1/sqrt and
// products (which differ from std::pow at -inf and -0: sqrt(-inf) is NaN, pow(-inf, 0.5) is +inf), 0 and 1 exactly.
template <class T>
T power(T x, T p) {
  if (p == T(0)) return T(1);
  if (p == T(1)) return x;
  if (p == T(0.5)) return std::sqrt(x);
  if (p == T(-0.5)) return T(1) / std::sqrt(x);
  if (p == T(2)) return x * x;
  if (p == T(3)) return x * x * x;
  if (p == T(-1)) return T(1) / x;
  if (p == T(-2)) return T(1) / (x * x);
  return std::pow(x, p);
}

// Tensor forms. A scalar condition picks a whole operand (a constant of v's shape for the scalar u).
template <class T>
TensorT<T> where(bool c, T u, const TensorT<T>& v) {
  return c ? TensorT<T>::full(v.shape(), u) : v;
}
template <class T>
TensorT<T> where(bool c, const TensorT<T>& u, const TensorT<T>& v) {
  return c ? u : v;
}
// pow(x, p) is the op whose forward value is power(x, p): its gradient rule is the one above, recursively.
template <class T>
TensorT<T> power(const TensorT<T>& x, T p) {
  return ad::pow(x, p);
}
// Masks (0/1, no gradient): c && m, m && n.
template <class T>
TensorT<T> operator&&(bool c, const TensorT<T>& m) {
  return c ? m : TensorT<T>::zeros(m.shape());
}
template <class T>
TensorT<T> operator&&(const TensorT<T>& m, const TensorT<T>& n) {
  NoGradGuard constant;  // masks carry no gradient
  return m * n;
}

}  // namespace ad::rules
