// The hand-written training step of the "practical limit": a ReLU MLP trained with forward + loss + backward + Adam
// written directly on raw CBLAS, every buffer allocated once. No autodiff and no xtensor (this header includes
// <cblas.h>, which cannot be combined with xtensor-blas headers). Used by blas_reference (standalone) and by
// train_step, which times it interleaved with the library so that both see the same machine state.
#pragma once
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace bench {

inline int ii(std::size_t v) { return static_cast<int>(v); }

// A ReLU MLP with its training state; all buffers are sized in the constructor and reused by every step.
class Mlp {
 public:
  Mlp(const std::vector<std::size_t>& widths, std::size_t batch, unsigned seed)
      : w_(widths), n_(batch), layers_(widths.size() - 1) {
    std::mt19937 gen(seed);
    act_.resize(layers_ + 1);
    grad_out_.resize(layers_);
    for (std::size_t l = 0; l < layers_; ++l) {
      const std::size_t in = w_[l], out = w_[l + 1];
      const float bound = 1.0f / std::sqrt(static_cast<float>(in));  // nn.Linear's default range
      std::uniform_real_distribution<float> u(-bound, bound);
      Param W, b;
      W.value.resize(in * out);
      b.value.resize(out);
      for (float& v : W.value) v = u(gen);
      for (float& v : b.value) v = u(gen);
      for (Param* p : {&W, &b}) {
        p->grad.assign(p->value.size(), 0.0f);
        p->m.assign(p->value.size(), 0.0f);
        p->v.assign(p->value.size(), 0.0f);
      }
      params_.push_back(std::move(W));
      params_.push_back(std::move(b));
      act_[l + 1].resize(n_ * out);
      grad_out_[l].resize(n_ * out);
    }
    act_[0].resize(n_ * w_[0]);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (float& v : act_[0]) v = nd(gen);
    labels_.resize(n_);
    for (std::size_t i = 0; i < n_; ++i) labels_[i] = i % w_.back();
    std::uniform_real_distribution<float> u01(0.0f, 1.0f);
    y01_.resize(n_);
    for (float& v : y01_) v = u01(gen);
  }

  float& weight(std::size_t layer, std::size_t i) { return params_[2 * layer].value[i]; }
  float& bias(std::size_t layer, std::size_t i) { return params_[2 * layer + 1].value[i]; }
  float weight_grad(std::size_t layer, std::size_t i) const { return params_[2 * layer].grad[i]; }
  float bias_grad(std::size_t layer, std::size_t i) const { return params_[2 * layer + 1].grad[i]; }
  std::size_t layers() const { return layers_; }

  // Forward pass; returns the mean loss and leaves d loss / d logits in grad_out_.back().
  double forward() {
    for (std::size_t l = 0; l < layers_; ++l) {
      const std::size_t in = w_[l], out = w_[l + 1];
      float* y = act_[l + 1].data();
      const float* b = params_[2 * l + 1].value.data();
      for (std::size_t i = 0; i < n_; ++i) std::copy(b, b + out, y + i * out);  // C pre-filled with the bias rows
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ii(n_), ii(out), ii(in), 1.0f, act_[l].data(), ii(in),
                  params_[2 * l].value.data(), ii(out), 1.0f, y, ii(out));
      if (l + 1 < layers_)
        for (std::size_t i = 0; i < n_ * out; ++i) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
    }
    const std::size_t k = w_.back();
    const float* z = act_.back().data();
    float* g = grad_out_.back().data();
    const float inv_n = 1.0f / static_cast<float>(n_);
    double loss = 0;
    if (k == 1) {  // sigmoid + BCE with logits: max(z,0) - z y + log(1 + exp(-|z|)); gradient (sigmoid(z) - y) / N
      for (std::size_t i = 0; i < n_; ++i) {
        const float zi = z[i], yi = y01_[i];
        loss += std::max(zi, 0.0f) - zi * yi + std::log1p(std::exp(-std::fabs(zi)));
        const float s = zi >= 0 ? 1.0f / (1.0f + std::exp(-zi)) : std::exp(zi) / (1.0f + std::exp(zi));
        g[i] = (s - yi) * inv_n;
      }
    } else {  // softmax cross-entropy fused with its gradient (p - onehot) / N
      for (std::size_t i = 0; i < n_; ++i) {
        const float* zr = z + i * k;
        float* gr = g + i * k;
        const float mx = *std::max_element(zr, zr + k);
        float sum = 0;
        for (std::size_t j = 0; j < k; ++j) {
          gr[j] = std::exp(zr[j] - mx);
          sum += gr[j];
        }
        loss += std::log(sum) + mx - zr[labels_[i]];
        const float scale = inv_n / sum;
        for (std::size_t j = 0; j < k; ++j) gr[j] *= scale;
        gr[labels_[i]] -= inv_n;
      }
    }
    return loss / static_cast<double>(n_);
  }

  // Backward pass from grad_out_.back(): dW = x^T G, db = column sums of G, dx = G W^T (not for the first layer),
  // masked by the ReLU of the layer below.
  void backward() {
    for (std::size_t l = layers_; l-- > 0;) {
      const std::size_t in = w_[l], out = w_[l + 1];
      const float* g = grad_out_[l].data();
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ii(in), ii(out), ii(n_), 1.0f, act_[l].data(), ii(in), g,
                  ii(out), 0.0f, params_[2 * l].grad.data(), ii(out));
      float* db = params_[2 * l + 1].grad.data();
      std::fill(db, db + out, 0.0f);
      for (std::size_t i = 0; i < n_; ++i)
        for (std::size_t j = 0; j < out; ++j) db[j] += g[i * out + j];
      if (l == 0) break;
      float* gx = grad_out_[l - 1].data();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ii(n_), ii(in), ii(out), 1.0f, g, ii(out),
                  params_[2 * l].value.data(), ii(out), 0.0f, gx, ii(in));
      const float* a = act_[l].data();  // post-ReLU output of layer l-1: > 0 exactly where the ReLU passed
      for (std::size_t i = 0; i < n_ * in; ++i) gx[i] = a[i] > 0.0f ? gx[i] : 0.0f;
    }
  }

  // Adam (bias-corrected, PyTorch's formula), one fused loop per parameter.
  void adam(float lr = 1e-3f, float b1 = 0.9f, float b2 = 0.999f, float eps = 1e-8f) {
    ++t_;
    const float bc1 = 1.0f - std::pow(b1, static_cast<float>(t_));
    const float sqrt_bc2 = std::sqrt(1.0f - std::pow(b2, static_cast<float>(t_)));
    const float step = lr / bc1;
    for (Param& p : params_) {
      float* x = p.value.data();
      const float* g = p.grad.data();
      float* m = p.m.data();
      float* v = p.v.data();
      const std::size_t n = p.value.size();
      for (std::size_t i = 0; i < n; ++i) {
        m[i] = b1 * m[i] + (1.0f - b1) * g[i];
        v[i] = b2 * v[i] + (1.0f - b2) * g[i] * g[i];
        x[i] -= step * m[i] / (std::sqrt(v[i]) / sqrt_bc2 + eps);
      }
    }
  }

  double step() {
    const double loss = forward();
    backward();
    adam();
    return loss;
  }

 private:
  struct Param {
    std::vector<float> value, grad, m, v;
  };
  std::vector<std::size_t> w_;
  std::size_t n_, layers_;
  std::vector<Param> params_;                 // W0, b0, W1, b1, ...
  std::vector<std::vector<float>> act_;       // act_[0] = input, act_[l+1] = output of layer l (post-ReLU if hidden)
  std::vector<std::vector<float>> grad_out_;  // d loss / d (pre-activation output of layer l)
  std::vector<std::size_t> labels_;
  std::vector<float> y01_;
  long t_ = 0;
};

// Central differences of the loss against every weight and bias of a tiny network; max |fd - analytic| over
// max |analytic| per parameter tensor. Float32 central differences with h = 1e-3 are only valid away from ReLU kinks:
// seed 1 has no hidden pre-activation within h of 0 for these two networks (seed 7 has one, error ~0.1 in one bias).
inline double gradcheck(const std::vector<std::size_t>& widths, std::size_t batch) {
  Mlp net(widths, batch, 1);
  net.forward();
  net.backward();
  const float h = 1e-3f;
  double worst = 0;
  for (std::size_t l = 0; l < net.layers(); ++l) {
    for (int bias = 0; bias < 2; ++bias) {
      const std::size_t n = bias ? widths[l + 1] : widths[l] * widths[l + 1];
      double diff = 0, scale = 1e-6;
      for (std::size_t i = 0; i < n; ++i) {
        float& p = bias ? net.bias(l, i) : net.weight(l, i);
        const float an = bias ? net.bias_grad(l, i) : net.weight_grad(l, i);
        const float saved = p;
        p = saved + h;
        const double up = net.forward();
        p = saved - h;
        const double down = net.forward();
        p = saved;
        const double fd = (up - down) / (2.0 * static_cast<double>(h));
        diff = std::max(diff, std::fabs(fd - an));
        scale = std::max(scale, static_cast<double>(std::fabs(an)));
      }
      worst = std::max(worst, diff / scale);
    }
  }
  return worst;
}

}  // namespace bench
