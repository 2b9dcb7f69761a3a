// Which convolution kernel: conv2d's im2col + GEMM (autodiff/ops_conv.cpp) against a direct loop nest, forward, on
// the convolution layers of the cnn example's networks at batch 64, one thread, float. The direct kernel is the
// textbook loop order that vectorises (for each image, output channel, input channel and kernel tap, a row of the
// output gets w times a shifted row of the input), with no copy of the input. Prints per layer:
//   layer ms_im2col_gemm ms_direct gflops_im2col_gemm gflops_direct
// Usage: conv_kernels [--reps N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "autodiff/blas.h"

using namespace ad;

namespace {

// y = conv(x, w), stride 1, no padding, no groups: the direct loop nest.
void direct_conv(const float* x, const float* w, float* y, std::size_t N, std::size_t C, std::size_t H, std::size_t W,
                 std::size_t O, std::size_t K) {
  const std::size_t OH = H - K + 1, OW = W - K + 1;
  std::fill(y, y + N * O * OH * OW, 0.0f);
  for (std::size_t n = 0; n < N; ++n)
    for (std::size_t o = 0; o < O; ++o) {
      float* yo = y + (n * O + o) * OH * OW;
      for (std::size_t c = 0; c < C; ++c) {
        const float* xc = x + (n * C + c) * H * W;
        const float* wk = w + (o * C + c) * K * K;
        for (std::size_t i = 0; i < OH; ++i)
          for (std::size_t p = 0; p < K; ++p)
            for (std::size_t q = 0; q < K; ++q) {
              const float wv = wk[p * K + q];
              const float* __restrict src = xc + (i + p) * W + q;
              float* __restrict dst = yo + i * OW;
              for (std::size_t j = 0; j < OW; ++j) dst[j] += wv * src[j];
            }
      }
    }
}

template <class F>
double median_ms(F f, int reps) {
  f();
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 15;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--reps" && i + 1 < argc) reps = std::stoi(argv[++i]);
  blas::set_num_threads(1);
  struct Layer {
    const char* name;
    std::size_t c, o, hw, k;
  };
  const std::size_t N = 64;
  std::printf("# conv_kernels: float, batch %zu, 1 thread, OpenBLAS core %s\n", N, blas::corename().c_str());
  std::printf("# layer ms_im2col_gemm ms_direct gflops_im2col_gemm gflops_direct\n");
  for (const Layer& l :
       {Layer{"mnist.conv1_1x28x28_32x3x3", 1, 32, 28, 3}, Layer{"mnist.conv2_32x26x26_64x3x3", 32, 64, 26, 3},
        Layer{"lenet5.conv1_1x32x32_6x5x5", 1, 6, 32, 5}, Layer{"lenet5.conv2_6x14x14_16x5x5", 6, 16, 14, 5}}) {
    const Tensor x = Tensor::uniform({N, l.c, l.hw, l.hw}, -1.0, 1.0);
    const Tensor w = Tensor::uniform({l.o, l.c, l.k, l.k}, -0.3, 0.3);
    const std::size_t out = l.hw - l.k + 1;
    std::vector<float> y(N * l.o * out * out);
    const double gemm = median_ms([&] { conv2d(x, w); }, reps);
    const double direct =
        median_ms([&] { direct_conv(x.data(), w.data(), y.data(), N, l.c, l.hw, l.hw, l.o, l.k); }, reps);
    // Same results (to float rounding).
    const Tensor ref = conv2d(x, w);
    float worst = 0;
    for (std::size_t i = 0; i < y.size(); ++i) worst = std::max(worst, std::abs(y[i] - ref.data()[i]));
    if (worst > 1e-3f) std::fprintf(stderr, "conv_kernels: %s: the kernels differ by %g\n", l.name, double(worst));
    const double gflop = 2.0 * N * l.o * out * out * l.c * l.k * l.k * 1e-9;
    std::printf("%s %.3f %.3f %.1f %.1f\n", l.name, gemm, direct, gflop / gemm * 1e3, gflop / direct * 1e3);
  }
  return 0;
}
