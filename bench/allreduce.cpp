// Allreduce latency and bandwidth of ad::dist::allreduce (MPI_Allreduce, sum of float32 tensors), the constants of
// the step-time model in docs/distributed.md. Run under mpirun: `mpirun -np 2 build/bench/allreduce`.
//
// For each message size, the median time of one allreduce over many repetitions (each started after a barrier, so
// that the ranks start together), the algorithm bandwidth (bytes / time) and the bus bandwidth
// 2 (N - 1) / N * bytes / time: what each rank sends and receives in a ring allreduce, comparable across N.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "dist/comm.h"

using namespace ad;

int main(int argc, char** argv) {
  dist::Session mpi(&argc, &argv);
  const int n = dist::world_size();
  if (dist::rank() == 0)
    std::printf("# %d ranks; float32 sum\n%12s %12s %14s %14s\n", n, "bytes", "median us", "algbw GB/s", "busbw GB/s");
  for (std::size_t bytes = 4; bytes <= (std::size_t(64) << 20); bytes *= 4) {
    Tensor t = Tensor::ones({bytes / 4});
    const int reps = bytes <= (1 << 16) ? 2000 : bytes <= (4 << 20) ? 100 : 15;
    std::vector<double> us;
    for (int i = 0; i < reps + 3; ++i) {
      dist::barrier();
      const auto t0 = std::chrono::steady_clock::now();
      dist::allreduce(t);
      const double s = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      if (i >= 3) us.push_back(s);
    }
    std::sort(us.begin(), us.end());
    double med = us[us.size() / 2];
    med = dist::allreduce(med, dist::ReduceOp::Max);
    if (dist::rank() == 0)
      std::printf("%12zu %12.2f %14.3f %14.3f\n", bytes, med, double(bytes) / med * 1e-3,
                  2.0 * (n - 1) / n * double(bytes) / med * 1e-3);
  }
  return 0;
}
