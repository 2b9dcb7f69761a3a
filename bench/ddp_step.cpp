// Data-parallel training throughput (bench/run_ddp.sh, bench/RESULTS.md "Data-parallel training"): one training
// step (zero_grad, forward, loss, backward with the gradient allreduce, Adam) of MLP configs b and c and of the cnn
// example's network, on a global batch B split over the ranks (B / N per rank).
//
//   ddp_step [--threads T] [--steps S] [--blocking] [--bucket-mib M] [config...]   configs: b c cnn (default all)
//     --blocking: DistributedDataParallelOptions().overlap(false); --bucket-mib: bucket_bytes (default 4 MiB)
//   mpirun -np 2 ddp_step --threads 1 ...                   the same, data-parallel over 2 ranks
//
// Prints per configuration: ranks, threads per rank, global batch, the median step time (the slowest rank's),
// the global samples/s, and for N > 1:
//   compute ms  the same step on the same per-rank batch without DistributedDataParallel (no communication), timed
//               alternately with the data-parallel step on every rank at once, so that both see the same machine;
//   exposed ms  step - compute: what communication (and waiting for the slower rank) adds to a step;
//   alone ms    the step's bucket allreduces by themselves, blocking, one after another;
//   hidden      1 - exposed / alone (clamped to 0 .. 100%): the share of the communication overlapped with backward.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "autodiff/autodiff.h"
#include "autodiff/blas.h"
#include "dist/comm.h"
#include "dist/ddp.h"
#include "examples/convnet/nets.h"
#include "nn/nn.h"
#include "optim/adam.h"

using namespace ad;

namespace {

struct Config {
  std::string name, widths;
  std::size_t batch;  // global
};

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

nn::Sequential<float> make_model(const Config& c) {
  if (c.name == "cnn") return cnn::make_net<float>("mnist");
  const std::vector<std::size_t> w =
      c.name == "b" ? std::vector<std::size_t>{784, 256, 256, 10} : std::vector<std::size_t>{784, 1024, 1024, 10};
  nn::Sequential<float> m;
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    m.push_back(nn::Linear(w[i], w[i + 1]));
    if (i + 2 < w.size()) m.push_back(nn::ReLU());
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  dist::Session mpi(&argc, &argv);
  int threads = 1, steps = 0;
  bool blocking = false;
  std::size_t bucket_mib = 4;
  std::vector<std::string> want;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (a == "--blocking")
      blocking = true;
    else if (a == "--bucket-mib" && i + 1 < argc)
      bucket_mib = std::stoul(argv[++i]);
    else if (a == "--steps" && i + 1 < argc)
      steps = std::atoi(argv[++i]);
    else
      want.push_back(a);
  }
  blas::set_num_threads(threads);
  const std::size_t rank = static_cast<std::size_t>(dist::rank()), world = static_cast<std::size_t>(dist::world_size());
  const bool main_rank = rank == 0;
  if (main_rank)
    std::printf("%-6s %-17s %5s %7s %6s %9s %10s %10s %10s %9s %7s\n", "config", "model", "ranks", "threads", "batch",
                "step ms", "samples/s", "compute ms", "exposed ms", "alone ms", "hidden");
  const std::vector<Config> configs{
      {"b", "784-256-256-10", 128}, {"c", "784-1024-1024-10", 256}, {"cnn", "MNIST-example-CNN", 64}};
  for (const Config& c : configs) {
    if (!want.empty() && std::find(want.begin(), want.end(), c.name) == want.end()) continue;
    if (c.batch % world != 0) continue;
    const std::size_t local = c.batch / world;
    manual_seed(0);
    nn::Sequential<float> model = make_model(c);
    std::unique_ptr<dist::DistributedDataParallel<float>> ddp;
    if (world > 1)
      ddp = std::make_unique<dist::DistributedDataParallel<float>>(
          model, dist::DistributedDataParallelOptions().overlap(!blocking).bucket_bytes(bucket_mib << 20));
    manual_seed(0);
    nn::Sequential<float> plain = make_model(c);  // the same step without communication
    optim::Adam opt(model.parameters(), optim::AdamOptions(1e-3)),
        plain_opt(plain.parameters(), optim::AdamOptions(1e-3));
    manual_seed(1 + rank);
    const Tensor x = Tensor::uniform({local, 784}, 0.0, 1.0);
    std::vector<std::size_t> labels(local);
    for (std::size_t i = 0; i < local; ++i) labels[i] = (i * 7 + rank) % 10;
    auto step = [&] {
      opt.zero_grad();
      nn::cross_entropy(model(x), labels).backward();
      if (ddp) ddp->finish_gradients();
      opt.step();
    };
    auto plain_step = [&] {
      plain_opt.zero_grad();
      nn::cross_entropy(plain(x), labels).backward();
      plain_opt.step();
    };
    const int reps = steps > 0 ? steps : c.name == "b" ? 200 : c.name == "c" ? 40 : 20;
    for (int i = 0; i < 3; ++i) step(), plain_step();
    if (ddp) ddp->reset_stats();
    std::vector<double> ms, plain_ms;
    for (int i = 0; i < reps; ++i) {
      if (ddp) dist::barrier();
      double t0 = now();
      step();
      ms.push_back((now() - t0) * 1e3);
      if (!ddp) continue;
      dist::barrier();
      t0 = now();
      plain_step();
      plain_ms.push_back((now() - t0) * 1e3);
    }
    double step_ms = median(ms);
    if (!ddp) {
      if (main_rank)
        std::printf("%-6s %-17s %5zu %7d %6zu %9.3f %10.0f %10s %10s %9s %7s\n", c.name.c_str(), c.widths.c_str(),
                    world, threads, c.batch, step_ms, double(c.batch) / step_ms * 1e3, "-", "-", "-", "-");
      std::fflush(stdout);
      continue;
    }
    // The same bucket allreduces, blocking, one after another: the communication with nothing to hide behind.
    std::vector<Tensor> buckets;
    for (const auto& names : ddp->bucket_names()) {
      std::size_t n = 0;
      for (const auto& [name, p] : model.named_parameters())
        if (std::find(names.begin(), names.end(), name) != names.end()) n += p.numel();
      buckets.push_back(Tensor::zeros({n}));
    }
    std::vector<double> alone;
    for (int i = 0; i < std::max(reps, 20); ++i) {
      dist::barrier();
      const double t0 = now();
      for (Tensor& b : buckets) dist::allreduce(b);
      alone.push_back((now() - t0) * 1e3);
    }
    // The slowest rank sets the pace.
    step_ms = dist::allreduce(step_ms, dist::ReduceOp::Max);
    const double compute_ms = dist::allreduce(median(plain_ms), dist::ReduceOp::Max);
    const double alone_ms = dist::allreduce(median(alone), dist::ReduceOp::Max);
    const double exposed_ms = step_ms - compute_ms;
    if (main_rank)
      std::printf("%-6s %-17s %5zu %7d %6zu %9.3f %10.0f %10.3f %10.3f %9.3f %6.0f%%\n", c.name.c_str(),
                  c.widths.c_str(), world, threads, c.batch, step_ms, double(c.batch) / step_ms * 1e3, compute_ms,
                  exposed_ms, alone_ms, 100.0 * std::clamp(1.0 - exposed_ms / alone_ms, 0.0, 1.0));
    if (getenv("AD_DDP_STATS"))
      std::fprintf(stderr, "rank %zu %s: per step wait %.3f ms, copies %.3f ms, %zu buckets\n", rank, c.name.c_str(),
                   ddp->stats().wait_seconds * 1e3 / reps, ddp->stats().copy_seconds * 1e3 / reps, buckets.size());
    std::fflush(stdout);
  }
  return 0;
}
