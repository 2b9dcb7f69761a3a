#include "examples/common/distributed.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <thread>

#ifdef AD_HAVE_MPI
#include "dist/comm.h"
#include "dist/ddp.h"
#endif

namespace examples {
namespace {
bool g_distributed = false;
}

void add_distributed_option(ArgParser& args, TrainOptions& o) {
  args.add_flag("distributed", &o.distributed,
                "data-parallel training under mpirun (mpirun -np N ... --distributed): --batch-size per rank, "
                "--threads capped at the cores per rank; rank 0 prints and writes the files");
}

#ifdef AD_HAVE_MPI

void start_distributed(TrainOptions& o) {
  if (!o.distributed) return;
  ad::dist::init();
  std::atexit([] { ad::dist::finalize(); });
  g_distributed = true;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  o.threads = std::max(1, std::min(o.threads, cores / ad::dist::local_size()));
  if (ad::dist::rank() != 0) std::cout.setstate(std::ios::badbit);  // output of rank 0 only
  std::cout << "distributed: " << ad::dist::world_size() << " ranks (" << ad::dist::local_size()
            << " on this machine), " << o.threads << " thread(s) each, batch " << o.batch_size << " per rank ("
            << o.batch_size * static_cast<std::size_t>(ad::dist::world_size()) << " per step)\n";
}

bool is_main_process() { return !g_distributed || ad::dist::rank() == 0; }

std::unique_ptr<ad::train::DataParallel> make_data_parallel(ad::nn::Module<float>& model) {
  if (!g_distributed) return nullptr;
  return std::make_unique<ad::dist::DistributedDataParallel<float>>(model);
}

int fail(const std::string& program, const std::exception& e) {
  if (g_distributed) ad::dist::abort(program + ": " + e.what(), 1);
  std::cerr << program << ": " << e.what() << "\n";
  return 1;
}

#else

void start_distributed(TrainOptions& o) {
  if (o.distributed)
    throw std::runtime_error(
        "--distributed: this build has no MPI (install libopenmpi-dev and openmpi-bin, e.g. "
        "with scripts/install-deps.sh, and configure again)");
}

bool is_main_process() { return true; }

std::unique_ptr<ad::train::DataParallel> make_data_parallel(ad::nn::Module<float>&) { return nullptr; }

int fail(const std::string& program, const std::exception& e) {
  std::cerr << program << ": " << e.what() << "\n";
  return 1;
}

#endif

}  // namespace examples
