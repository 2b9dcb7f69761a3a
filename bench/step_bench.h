// What the training-step benchmarks (train_step: this library; blas_reference: hand-written CBLAS) share, so their
// figures are comparable by construction: the configurations, the FLOP count, the timing and the output row.
#pragma once
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace bench {

struct Config {
  std::string name;
  std::vector<std::size_t> widths;  // input, hidden..., output
  std::size_t batch;
};

// The benchmark configurations (bench/RESULTS.md): ReLU MLPs, softmax cross-entropy (e: one logit, BCE with logits).
inline const std::vector<Config>& configs() {
  static const std::vector<Config> all = {{"a", {784, 128, 10}, 64},
                                          {"b", {784, 256, 256, 10}, 128},
                                          {"c", {784, 1024, 1024, 10}, 256},
                                          {"d", {64, 50, 10}, 32},
                                          {"e", {30, 16, 1}, 32}};
  return all;
}

// The scaling grid: 784-256-256-10 at batch 32 ... 1024 ("B32" ...), and 784-W-W-10 at batch 128 for
// W = 64 ... 2048 ("W64" ...).
inline const std::vector<Config>& scaling_configs() {
  static const std::vector<Config> all = [] {
    std::vector<Config> v;
    for (std::size_t b = 32; b <= 1024; b *= 2) v.push_back({"B" + std::to_string(b), {784, 256, 256, 10}, b});
    for (std::size_t w = 64; w <= 2048; w *= 2) v.push_back({"W" + std::to_string(w), {784, w, w, 10}, 128});
    return v;
  }();
  return all;
}

// Configs named on the command line (all when none is named).
inline bool selected(const std::vector<std::string>& want, const Config& c) {
  return want.empty() || std::find(want.begin(), want.end(), c.name) != want.end();
}

// FLOPs of the GEMMs of one step: forward x W (2 b n m), backward dW = x^T g and dx = g W^T (no dx for layer 1).
inline double gemm_flops(const Config& c) {
  double flops = 0;
  for (std::size_t i = 0; i + 1 < c.widths.size(); ++i) {
    const double f = 2.0 * c.batch * c.widths[i] * c.widths[i + 1];
    flops += i == 0 ? 2 * f : 3 * f;
  }
  return flops;
}

inline void print_header() {
  std::printf("%-6s %-22s %6s %10s %12s %9s %10s\n", "config", "widths", "batch", "ms/step", "samples/s", "GFLOP/s",
              "RSS MiB");
}

// Warms up, then times `step` in 5 trials of ~0.1-1 s and prints the row: median ms/step, samples/s, GFLOP/s, peak RSS.
template <class Step>
void time_and_report(const Config& c, Step step) {
  using Clock = std::chrono::steady_clock;
  const double flops = gemm_flops(c);
  const int inner = std::max(1, static_cast<int>(2e8 / flops));
  for (int i = 0; i < std::min(inner, 20); ++i) step();  // warm-up (pools, caches, BLAS threads)
  std::vector<double> trials;
  for (int t = 0; t < 5; ++t) {
    const auto s = Clock::now();
    for (int i = 0; i < inner; ++i) step();
    trials.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count() / inner);
  }
  std::sort(trials.begin(), trials.end());
  const double ms = trials[trials.size() / 2];
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  std::string w;
  for (std::size_t v : c.widths) w += (w.empty() ? "" : "-") + std::to_string(v);
  std::printf("%-6s %-22s %6zu %10.4f %12.0f %9.1f %10.1f\n", c.name.c_str(), w.c_str(), c.batch, ms,
              c.batch / ms * 1e3, flops / ms / 1e6, u.ru_maxrss / 1024.0);
}

// Peak resident set size of this process in MiB (VmHWM), and a reset of that peak to the current RSS (Linux >= 4.0),
// so that configurations measured one after another in one process each get their own peak.
inline double peak_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string key;
  double kib = 0;
  while (in >> key) {
    if (key == "VmHWM:") {
      in >> kib;
      break;
    }
    std::getline(in, key);
  }
  return kib / 1024.0;
}
inline void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

inline std::string widths_str(const Config& c) {
  std::string w;
  for (std::size_t v : c.widths) w += (w.empty() ? "" : "-") + std::to_string(v);
  return w;
}

struct PairTiming {
  double ms_a, ms_b, ratio;  // median ms/step of each, median over trials of the per-trial ratio a / b
};

// Times two implementations of the same step interleaved: each trial runs `inner` steps of a and of b back to back
// (alternating which goes first), so that both see the same machine state; this VM's speed drifts by up to 1.5x
// within minutes, which separate runs would turn into a false ratio. Trials last ~50 ms per side.
template <class StepA, class StepB>
PairTiming time_pair(StepA step_a, StepB step_b, int trials = 11) {
  using Clock = std::chrono::steady_clock;
  auto run = [](auto& step, int n) {
    const auto s = Clock::now();
    for (int i = 0; i < n; ++i) step();
    return std::chrono::duration<double, std::milli>(Clock::now() - s).count() / n;
  };
  // Warm-up (pools, caches, BLAS threads) and calibration of the trial length.
  run(step_a, 3);
  run(step_b, 3);
  const double est = std::max(run(step_a, 5), 1e-4);
  const int inner = std::max(1, static_cast<int>(50.0 / est));
  std::vector<double> a, b, r;
  for (int t = 0; t < trials; ++t) {
    double ta, tb;
    if (t % 2 == 0) {
      ta = run(step_a, inner);
      tb = run(step_b, inner);
    } else {
      tb = run(step_b, inner);
      ta = run(step_a, inner);
    }
    a.push_back(ta);
    b.push_back(tb);
    r.push_back(ta / tb);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  return {median(a), median(b), median(r)};
}

}  // namespace bench
