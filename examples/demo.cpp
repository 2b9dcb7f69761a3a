// A first look at the library: build an expression, differentiate it, check the gradient against finite
// differences, and fit a small model with plain gradient descent. Runs in well under a second.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "autodiff/autodiff.h"

using namespace ad;

int main() {
  manual_seed(0);

  // 1. Any C++ expression on tensors is recorded; backward() fills .grad() of the leaves.
  Tensor x = Tensor::randn({3, 4}, /*requires_grad=*/true);
  Tensor w = Tensor::randn({4, 2}, true);
  Tensor y = (relu(matmul(x, w) + 1.0f) * x.sum()).pow(2).mean();
  y.backward();
  std::cout << "y        = " << y << "\n";
  std::cout << "dy/dw    = " << w.grad() << "\n\n";

  // 2. Check a gradient: f(x) = sqrt(x^2 + exp(x^2)), f'(x) = x (1 + exp(x^2)) / f(x).
  TensorD xs = TensorD::from({-1.5, -0.3, 0.0, 0.7, 2.0}, true);
  auto f = [](const std::vector<TensorD>& v) { return sqrt(v[0] * v[0] + exp(v[0] * v[0])); };
  GradcheckResult r = gradcheck<double>(f, {xs});
  std::cout << r.report << "\n";
  f({xs}).sum().backward();
  for (std::size_t i = 0; i < xs.numel(); ++i) {
    const double v = xs.data()[i], fv = std::sqrt(v * v + std::exp(v * v));
    std::printf("  x = %5.2f   backward %.12f   analytic %.12f\n", v, xs.grad().data()[i],
                v * (1 + std::exp(v * v)) / fv);
  }

  // 3. Fit y = 3 x0 - 2 x1 + 0.5 with gradient descent on the mean squared error.
  Tensor X = Tensor::randn({256, 2});
  Tensor target = matmul(X, Tensor::from({3.0f, -2.0f}, Shape{2, 1})) + 0.5f;
  Tensor W = Tensor::zeros({2, 1}, true), b = Tensor::zeros({1}, true);
  for (int step = 0; step <= 200; ++step) {
    Tensor loss = (matmul(X, W) + b - target).pow(2).mean();
    W.zero_grad();
    b.zero_grad();
    loss.backward();
    {
      NoGradGuard no_grad;  // the update itself is not part of the model
      for (Tensor* p : {&W, &b}) {
        float* d = p->mutable_data();
        const float* g = p->grad().data();
        for (std::size_t i = 0; i < p->numel(); ++i) d[i] -= 0.1f * g[i];  // p <- p - lr dL/dp
      }
    }
    if (step % 50 == 0) std::printf("\nstep %3d  loss %.6f", step, loss.item());
  }
  std::printf("\nlearned W = [%.4f, %.4f], b = %.4f (true: 3, -2, 0.5)\n", W.data()[0], W.data()[1], b.data()[0]);
  return r.ok ? 0 : 1;
}
