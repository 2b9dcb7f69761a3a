// A data-parallel training run in which rank 1 fails in epoch 2 (tests/dist/failure.sh): `throw` (an exception,
// caught in main and turned into dist::abort, as the examples do), `uncaught` (an exception nobody catches:
// dist::Session's terminate handler), `kill` (SIGKILL, a crash) or `exit` (exit(3) without MPI_Finalize). The
// other ranks are waiting in the gradient allreduce of their next step; the run must end within seconds.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

#include "autodiff/random.h"
#include "data/dataset.h"
#include "dist/comm.h"
#include "dist/ddp.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/sgd.h"
#include "train/fit.h"

using namespace ad;

namespace {

// Fails on rank 1 at the start of epoch 2, in the way `mode` says.
class FailOnRankOne : public train::Callback {
 public:
  explicit FailOnRankOne(std::string mode) : mode_(std::move(mode)) {}
  void on_epoch_begin(train::FitState& st) override {
    if (dist::rank() != 1 || st.epoch != 2) return;
    if (mode_ == "kill") std::raise(SIGKILL);
    if (mode_ == "exit") std::exit(3);
    throw std::runtime_error("a failure on purpose in epoch 2");
  }

 private:
  std::string mode_;
};

void train_until_failure(const std::string& mode) {
  manual_seed(1);
  data::Dataset d;
  d.X = Tensor::randn({64, 4});
  d.y = Tensor::randn({64, 1});
  auto model = nn::Sequential(nn::Linear(4, 8), nn::Tanh(), nn::Linear(8, 1));
  dist::DistributedDataParallel<float> ddp(model);
  optim::SGD opt(model.parameters(), optim::SGDOptions(0.01));
  train::fit(model, train::regression(), opt, d,
             train::FitOptions().epochs(1000).batch_size(8).data_parallel(&ddp).callbacks(
                 {std::make_shared<FailOnRankOne>(mode)}));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "throw" && mode != "uncaught" && mode != "kill" && mode != "exit") {
    std::cerr << "usage: failure_probe throw|uncaught|kill|exit\n";
    return 2;
  }
  dist::Session mpi(&argc, &argv);
  if (mode == "uncaught") {
    train_until_failure(mode);  // the exception leaves main: std::terminate, whose handler aborts the run
    return 0;
  }
  try {
    train_until_failure(mode);
  } catch (const std::exception& e) {
    dist::abort(e.what());
  }
  return 0;
}
