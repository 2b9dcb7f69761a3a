// Memory soak: trains an MNIST-sized MLP (784-256-128-10, ReLU, batch 64, Adam 1e-3) for many
// epochs and prints, after every epoch, the peak RSS (getrusage ru_maxrss), the current RSS (/proc/self/statm) and
// the number of live tape nodes (ad::live_nodes()). Each epoch trains on every batch, then evaluates the accuracy in
// no-grad mode, as a training run does.
//
// Exits with status 1 if, after the first epoch, the current or the peak RSS grows by more than --tolerance-kib
// (default 1024 KiB) over its value at the end of epoch 1, or if any tape node is alive at the end of an epoch.
// Why 1 MiB: after epoch 1 every buffer of a step comes from the tensor pool, so the RSS should not move at all; the
// tolerance only absorbs allocator noise (a few pages of malloc bookkeeping or stdio buffers). A leak of one
// 64 x 256 activation per step (64 KiB) would add 10 MiB per epoch on the 10,000-image set, and a leaked graph
// node shows in live_nodes() at once.
//
// Data: the MNIST test set (10,000 images, t10k) from --data-dir, else from the project's shared data directory,
// data/mnist or Fashion-MNIST (/usr/share/datasets/fashion-mnist); random images of the same shape when none is
// found. --split train uses the 60,000 training images instead.
//
// Usage: soak [--epochs N] [--limit N] [--data-dir DIR] [--split t10k|train] [--tolerance-kib K]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "data/data.h"
#include "io/file.h"
#include "nn/nn.h"
#include "optim/optim.h"

#ifndef AD_SHARED_DATA_DIR  // set by bench/CMakeLists.txt: the data directory shared by this project's machines
#define AD_SHARED_DATA_DIR "../shared/data"
#endif

using namespace ad;

namespace {

struct Memory {
  double peak_mib, current_mib;
};

Memory memory() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  long size = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  const double page_mib = static_cast<double>(::sysconf(_SC_PAGESIZE)) / 1048576.0;
  return {u.ru_maxrss / 1024.0, static_cast<double>(resident) * page_mib};
}

bool has_split(const std::string& dir, const std::string& split) {
  const std::string f = dir + "/" + split + "-images-idx3-ubyte";
  return io::file_exists(f) || io::file_exists(f + ".gz");
}

// Random 28 x 28 "images" whose label is decided by which quarter of the image is brightest: learnable, so the loss
// falls as with real data.
data::Dataset synthetic(std::size_t n) {
  data::Dataset d;
  d.X = Tensor::rand({n, 784});
  d.labels.resize(n);
  const float* x = d.X.data();
  for (std::size_t i = 0; i < n; ++i) {
    float best = -1.0f;
    for (std::size_t q = 0; q < 4; ++q) {
      float s = 0.0f;
      for (std::size_t j = q * 196; j < (q + 1) * 196; ++j) s += x[i * 784 + j];
      if (s > best) {
        best = s;
        d.labels[i] = q;
      }
    }
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 25;
  std::size_t limit = 0;
  std::string data_dir, split = "t10k";
  double tolerance_kib = 1024;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--epochs" && has_value) {
      epochs = std::atoi(argv[++i]);
    } else if (a == "--limit" && has_value) {
      limit = std::strtoul(argv[++i], nullptr, 10);
    } else if (a == "--data-dir" && has_value) {
      data_dir = argv[++i];
    } else if (a == "--split" && has_value) {
      split = argv[++i];
    } else if (a == "--tolerance-kib" && has_value) {
      tolerance_kib = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: soak [--epochs N] [--limit N] [--data-dir DIR] [--split t10k|train] [--tolerance-kib K]\n");
      return 2;
    }
  }
  if (epochs < 2) {
    std::fprintf(stderr, "soak: --epochs must be at least 2 (growth is measured after epoch 1)\n");
    return 2;
  }

  manual_seed(1);
  data::Dataset train;
  std::string source;
  if (data_dir.empty()) {
    const std::vector<std::string> candidates{AD_SHARED_DATA_DIR "/mnist", data::mnist_dir(),
                                              data::fashion_mnist_dir()};
    for (const std::string& dir : candidates)
      if (has_split(dir, split)) {
        data_dir = dir;
        break;
      }
  }
  if (!data_dir.empty()) {
    train = data::load_mnist(data_dir, split);
    source = data_dir + " (" + split + ")";
  } else {
    train = synthetic(split == "train" ? 60000 : 10000);
    source = "random images (no MNIST files found)";
  }
  if (limit > 0 && limit < train.size()) {
    std::vector<std::size_t> rows(limit);
    for (std::size_t i = 0; i < limit; ++i) rows[i] = i;
    train = train.subset(rows);
  }

  auto model = nn::Sequential(nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 128), nn::ReLU(), nn::Linear(128, 10));
  optim::Adam opt(model.parameters(), optim::AdamOptions(1e-3));
  data::DataLoader loader(train, 64, {true, false, 1});
  std::printf("soak: 784-256-128-10 MLP, batch 64, Adam 1e-3, %zu images from %s, %d epochs, tolerance %.0f KiB\n",
              train.size(), source.c_str(), epochs, tolerance_kib);
  std::printf("%5s %8s %8s %8s %14s %16s %10s\n", "epoch", "loss", "acc", "time_s", "peak_rss_mib", "current_rss_mib",
              "live_nodes");

  Memory first{};
  bool ok = true;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    model.train();
    for (const data::Batch& b : loader) {
      opt.zero_grad();
      Tensor loss = nn::cross_entropy(model(b.X), b.labels);
      loss.backward();
      opt.step();
      loss_sum += loss.item() * static_cast<double>(b.size());
    }
    std::size_t correct = 0;
    {
      NoGradGuard no_grad;
      model.eval();
      for (std::size_t begin = 0; begin < train.size(); begin += 1000) {
        const std::size_t end = std::min(begin + 1000, train.size());
        const Tensor logits = model(train.X.rows(begin, end));
        const float* p = logits.data();
        for (std::size_t i = 0; i < end - begin; ++i) {
          const float* row = p + i * 10;
          correct += static_cast<std::size_t>(std::max_element(row, row + 10) - row) == train.labels[begin + i];
        }
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const Memory m = memory();
    const std::size_t live = live_nodes();
    std::printf("%5d %8.4f %8.4f %8.2f %14.2f %16.2f %10zu\n", epoch, loss_sum / static_cast<double>(train.size()),
                static_cast<double>(correct) / static_cast<double>(train.size()), seconds, m.peak_mib, m.current_mib,
                live);
    std::fflush(stdout);

    if (live != 0) {
      std::printf("FAIL: %zu tape nodes alive at the end of epoch %d\n", live, epoch);
      ok = false;
    }
    if (epoch == 1) {
      first = m;
    } else {
      const double tol_mib = tolerance_kib / 1024.0;
      if (m.current_mib > first.current_mib + tol_mib || m.peak_mib > first.peak_mib + tol_mib) {
        std::printf("FAIL: RSS grew after epoch 1: current %.2f -> %.2f MiB, peak %.2f -> %.2f MiB\n",
                    first.current_mib, m.current_mib, first.peak_mib, m.peak_mib);
        ok = false;
      }
    }
  }
  const Memory last = memory();
  std::printf("RESULT %s: current RSS %+.2f MiB, peak RSS %+.2f MiB from epoch 1 to epoch %d\n", ok ? "ok" : "FAIL",
              last.current_mib - first.current_mib, last.peak_mib - first.peak_mib, epochs);
  return ok ? 0 : 1;
}
