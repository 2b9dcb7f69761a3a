// A user's data-parallel program built against the installed package (tests/package/check.sh, when the package has
// ad::dist): run under `mpirun -np 2`, it trains a small regression model with DistributedDataParallel and checks
// that the ranks end with the same parameters and a lower loss.
#include <cstdio>
#include <cstring>

#include "autodiff/autodiff.h"
#include "dist/comm.h"
#include "dist/ddp.h"
#include "nn/nn.h"
#include "optim/optim.h"

int main(int argc, char** argv) {
  ad::dist::Session mpi(&argc, &argv);
  ad::manual_seed(1 + ad::dist::rank());  // different initial weights: DDP must give every rank rank 0's
  auto model = ad::nn::Sequential(ad::nn::Linear(2, 8), ad::nn::Tanh(), ad::nn::Linear(8, 1));
  ad::dist::DistributedDataParallel<float> ddp(model);
  ad::optim::Adam opt(model.parameters(), ad::optim::AdamOptions(0.05));
  const ad::Tensor x = ad::Tensor::randn({16, 2});  // each rank its own shard
  const ad::Tensor y = (x * 2.0f).sum(1, true);
  float first = 0, last = 0;
  for (int step = 0; step < 50; ++step) {
    opt.zero_grad();
    ad::Tensor loss = ad::nn::mse_loss(ddp(x), y);
    loss.backward();
    ddp.finish_gradients();
    opt.step();
    (step == 0 ? first : last) = loss.item();
  }
  int same = 1;
  for (const auto& p : model.parameters()) {
    ad::Tensor lo = p.detach().clone(), hi = p.detach().clone();
    ad::dist::allreduce(lo, ad::dist::ReduceOp::Min);
    ad::dist::allreduce(hi, ad::dist::ReduceOp::Max);
    same &= std::memcmp(lo.data(), hi.data(), p.numel() * sizeof(float)) == 0;
  }
  std::printf("%s: loss %.4f -> %.4f, parameters %s on every rank\n", ad::dist::where().c_str(), first, last,
              same ? "identical" : "DIFFERENT");
  return same && last < first ? 0 : 1;
}
