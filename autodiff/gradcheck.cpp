#include "autodiff/gradcheck.h"

#include <cmath>
#include <iomanip>
#include <sstream>
#include <type_traits>

namespace ad {
namespace {

std::string unravel(std::size_t flat, const Shape& s) {
  std::vector<std::size_t> idx(s.rank());
  for (std::size_t d = s.rank(); d-- > 0;) {
    idx[d] = flat % s[d];
    flat /= s[d];
  }
  std::string r = "[";
  for (std::size_t d = 0; d < idx.size(); ++d) r += (d ? ", " : "") + std::to_string(idx[d]);
  return r + "]";
}

std::string short_number(double v) {
  std::ostringstream os;
  os << std::setprecision(2) << v;
  return os.str();
}

}  // namespace

template <class T>
GradcheckResult gradcheck(const std::function<TensorT<T>(const std::vector<TensorT<T>>&)>& f,
                          const std::vector<TensorT<T>>& inputs, const GradcheckOptions& opt) {
  GradcheckResult res;
  std::vector<std::size_t> diff;  // indices of inputs that require grad
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad()) diff.push_back(i);
  if (diff.empty()) throw ValueError("gradcheck: no input requires grad");

  // Analytic Jacobian, one row per output element: backward with a one-hot seed.
  TensorT<T> y = f(inputs);
  if (!y.requires_grad()) throw GraphError("gradcheck: the output does not depend on any input that requires grad");
  const std::size_t ny = y.numel();
  const Shape y_shape = y.shape();
  std::vector<std::vector<double>> J(ny);  // J[out][concatenated input elements]
  std::size_t total = 0;
  for (std::size_t i : diff) total += inputs[i].numel();
  for (std::size_t o = 0; o < ny; ++o) {
    for (std::size_t i : diff) const_cast<TensorT<T>&>(inputs[i]).zero_grad(true);
    TensorT<T> seed = TensorT<T>::zeros(y.shape());
    seed.mutable_data()[o] = T(1);
    y.backward(seed, /*retain_graph=*/true);
    J[o].reserve(total);
    for (std::size_t i : diff) {
      const TensorT<T> g = inputs[i].grad();
      for (std::size_t e = 0; e < inputs[i].numel(); ++e) J[o].push_back(g.defined() ? double(g.data()[e]) : 0.0);
    }
  }
  y = TensorT<T>();  // release the graph
  for (std::size_t i : diff) const_cast<TensorT<T>&>(inputs[i]).zero_grad(true);

  // Numeric Jacobian, one column per input element; compare as we go and keep the worst entry.
  NoGradGuard no_grad;
  double worst_ratio = -1;
  std::ostringstream worst;
  std::size_t col = 0;
  for (std::size_t i : diff) {
    T* x = inputs[i].impl().data;
    for (std::size_t e = 0; e < inputs[i].numel(); ++e, ++col) {
      const T v = x[e];
      x[e] = static_cast<T>(v + opt.eps);
      const std::vector<T> yp = f(inputs).to_vector();
      x[e] = static_cast<T>(v - opt.eps);
      const std::vector<T> ym = f(inputs).to_vector();
      x[e] = v;
      const double h = (double(static_cast<T>(v + opt.eps)) - double(static_cast<T>(v - opt.eps)));
      for (std::size_t o = 0; o < ny; ++o) {
        const double num = (double(yp[o]) - double(ym[o])) / h;
        const double ana = J[o][col];
        const double err = std::fabs(ana - num);
        const double tol = opt.atol + opt.rtol * std::fabs(num);
        ++res.checked;
        if (err > res.max_abs_error || std::isnan(err)) res.max_abs_error = err;
        const double ratio = std::isnan(err) ? 1e300 : err / tol;
        if (ratio > worst_ratio) {
          worst_ratio = ratio;
          worst.str("");
          worst << "input " << i << " (shape " << inputs[i].shape().str() << ") element "
                << unravel(e, inputs[i].shape()) << ", output element " << unravel(o, y_shape) << ": analytic " << ana
                << ", numeric " << num << ", |diff| " << err << " vs tolerance " << tol;
        }
        if (!(err <= tol)) res.ok = false;
      }
    }
  }
  res.report = (res.ok ? "gradcheck passed; worst entry: " : "gradcheck FAILED at ") + worst.str();
  if constexpr (std::is_same_v<T, float>) {
    res.warning =
        "gradcheck<float>: float is too coarse for finite differences (about 7 significant digits: the numeric "
        "derivative's rounding error is ~1e-7 / eps = " +
        short_number(1.2e-7 / opt.eps) +
        " here), so this result is unreliable either way; use double inputs (TensorD, gradcheck<double>)";
    res.report += "\nwarning: " + res.warning;
  }
  return res;
}

template <class T>
GradcheckResult gradgradcheck(const std::function<TensorT<T>(const std::vector<TensorT<T>>&)>& f,
                              const std::vector<TensorT<T>>& inputs, const GradcheckOptions& options,
                              const TensorT<T>& grad_outputs) {
  std::vector<std::size_t> diff;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad()) diff.push_back(i);
  if (diff.empty()) throw ValueError("gradgradcheck: no input requires grad");
  TensorT<T> v;
  if (grad_outputs.defined()) {
    v = grad_outputs.detach().clone();
  } else {
    const Shape y_shape = f(inputs).shape();
    v = TensorT<T>::randn(y_shape);
  }
  v.requires_grad_(true);
  const std::size_t n = inputs.size();
  // (inputs, v) -> the gradients of f's inputs for the output gradient v, as one vector; recorded (create_graph)
  // so that gradcheck's backward differentiates the first-order backward.
  auto first_order = [&](const std::vector<TensorT<T>>& args) {
    GradModeGuard grad_on(true);  // gradcheck evaluates without grad mode; the inner gradient needs its graph
    const std::vector<TensorT<T>> xs(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(n));
    const TensorT<T> y = f(xs);
    std::vector<TensorT<T>> wanted;
    for (std::size_t i : diff) wanted.push_back(xs[i]);
    std::vector<TensorT<T>> parts;
    if (y.requires_grad()) {
      const std::vector<TensorT<T>> g = grad<T>({y}, wanted, {args[n]}, GradOptions{{}, true, true});
      for (std::size_t j = 0; j < g.size(); ++j)
        parts.push_back(
            reshape(g[j].defined() ? g[j] : TensorT<T>::zeros(wanted[j].shape()), Shape{wanted[j].numel()}));
    } else {
      for (const TensorT<T>& w : wanted) parts.push_back(TensorT<T>::zeros(Shape{w.numel()}));
    }
    return concat(parts, 0);
  };
  std::vector<TensorT<T>> args(inputs);
  args.push_back(v);
  GradcheckResult r = gradcheck<T>(first_order, args, options);
  r.report = "gradgradcheck (gradcheck of the gradient; input " + std::to_string(n) + " is grad_outputs): " + r.report;
  return r;
}

template GradcheckResult gradcheck<float>(const std::function<TensorT<float>(const std::vector<TensorT<float>>&)>&,
                                          const std::vector<TensorT<float>>&, const GradcheckOptions&);
template GradcheckResult gradcheck<double>(const std::function<TensorT<double>(const std::vector<TensorT<double>>&)>&,
                                           const std::vector<TensorT<double>>&, const GradcheckOptions&);

}  // namespace ad

namespace ad {
template GradcheckResult gradgradcheck<float>(const std::function<TensorT<float>(const std::vector<TensorT<float>>&)>&,
                                              const std::vector<TensorT<float>>&, const GradcheckOptions&,
                                              const TensorT<float>&);
template GradcheckResult gradgradcheck<double>(
    const std::function<TensorT<double>(const std::vector<TensorT<double>>&)>&, const std::vector<TensorT<double>>&,
    const GradcheckOptions&, const TensorT<double>&);
}  // namespace ad
