// DistributedDataParallel: data-parallel training of one model over the ranks of an MPI run, as PyTorch's
// torch.nn.parallel.DistributedDataParallel.
//
//   ad::dist::Session mpi(&argc, &argv);                  // mpirun -np N ./train
//   auto model = make_model();                           // the same architecture on every rank
//   ad::dist::DistributedDataParallel<float> ddp(model);  // rank 0's parameters and buffers on every rank
//   optim::Adam opt(model.parameters());
//   for (each step, on this rank's shard of the batch) {  // data::DistributedSampler
//     opt.zero_grad();
//     ddp(x_shard) ... .backward();                      // gradients averaged across ranks during backward
//     ddp.finish_gradients();                            // waits for the last bucket; checks every parameter
//     opt.step();                                        // every rank takes the same step
//   }
// train::fit does all of this with FitOptions().data_parallel(&ddp).
//
// Construction (a collective): every rank's model must have the same parameters and buffers, names and shapes, in
// the same order; otherwise every rank throws a DistError naming the first one that differs and the ranks
// concerned. Then rank 0's parameters and buffers are broadcast, so every rank starts from the same model.
//
// During backward: the parameters are grouped, in reverse registration order (roughly the order in which backward
// finishes their gradients), into buckets of at most options.bucket_bytes (4 MiB by default; a larger parameter
// gets a bucket of its own). A post-accumulate-grad hook (autodiff/hooks.h) on each parameter copies its gradient
// into its bucket's buffer; once a bucket is full, a non-blocking MPI_Iallreduce (sum) of the whole bucket starts
// while backward goes on with the layers below, and later hooks call MPI_Test to move the transfers on (OpenMPI
// has no progress thread). Buckets are started in bucket order on every rank, as MPI requires of collectives. The
// last bucket, with nothing of backward left to overlap, is reduced with a blocking MPI_Allreduce (OpenMPI's tuned
// algorithms: on config b's single bucket, 0.30 against 0.43-0.62 ms of waiting per step, bench/ddp_step); then
// the hook waits for the other buckets and writes sum / world_size back into each .grad. So after backward every rank holds the mean gradient over the ranks, bit-identical on every
// rank, and the optimizer steps keep the ranks' parameters bit-identical.
//
// The mean over ranks equals the gradient of one process on the union of the ranks' batches when the loss is a
// mean over the batch and every rank has the same batch size (DistributedSampler's equal shards ensure it).
//
// Every parameter that requires grad must receive a gradient in every backward pass (PyTorch's default,
// find_unused_parameters=False): finish_gradients() throws a GraphError naming the first that did not. Gradient
// accumulation over several backward passes before a step (PyTorch's no_sync) is not supported: each pass
// averages and overwrites .grad with the mean of the ranks' accumulated gradients.
//
// Buffers (BatchNorm's running statistics): by default broadcast from rank 0 before each training forward through
// operator() or before_forward() (PyTorch's broadcast_buffers=True). BatchNorm's batch statistics stay per rank,
// computed on the rank's own part of the batch (PyTorch's default; SyncBatchNorm is not implemented): with
// BatchNorm, N ranks on B / N examples each are not the same as one process on B.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autodiff/arg.h"
#include "autodiff/hooks.h"
#include "autodiff/tensor.h"
#include "nn/module.h"
#include "train/data_parallel.h"

namespace ad::dist {

class DistributedDataParallelOptions {
  AD_ARG(std::size_t, bucket_bytes) = std::size_t(4) << 20;  // 4 MiB; 0: one bucket per parameter
  AD_ARG(bool, broadcast_buffers) = true;                    // rank 0's buffers before each training forward
  // Non-blocking allreduces overlapping backward (true), or each bucket reduced with a blocking MPI_Allreduce as
  // soon as it is full (false).
  AD_ARG(bool, overlap) = true;
};

// What the communication cost, for benchmarks (bench/ddp_step.cpp) and the curious.
struct CommStats {
  std::size_t steps = 0;       // backward passes whose gradients were averaged
  std::size_t allreduces = 0;  // bucket allreduces started
  double wait_seconds = 0;     // time spent blocked at the end of backward waiting for the buckets
  double copy_seconds = 0;     // copying gradients into and out of the buckets
};

template <class T>
class DistributedDataParallel : public train::DataParallel {
 public:
  // A collective: see the top of this file. Requires dist::init(). The module must outlive this object.
  explicit DistributedDataParallel(nn::Module<T>& module, DistributedDataParallelOptions options = {});
  ~DistributedDataParallel() override;
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  // before_forward(), then the module's forward.
  TensorT<T> operator()(const TensorT<T>& x);
  nn::Module<T>& module() { return module_; }

  // train::DataParallel
  std::size_t rank() const override { return rank_; }
  std::size_t world_size() const override { return world_; }
  void before_forward() override;    // broadcast_buffers: rank 0's buffers, in training mode
  void finish_gradients() override;  // waits for outstanding buckets; GraphError for a parameter with no gradient
  void sum(std::vector<double>& values) override;
  void broadcast(std::vector<std::uint64_t>& words) override;

  // The buckets, each a list of parameter names in the order they are packed (for tests and benchmarks).
  std::vector<std::vector<std::string>> bucket_names() const;
  const CommStats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }

 private:
  struct Bucket;
  struct Param {
    std::string name;
    TensorT<T> tensor;
    std::size_t bucket = 0, offset = 0;  // where its gradient goes
  };
  void check_same_models() const;
  void on_grad_ready(std::size_t param);
  void launch_ready_buckets();
  void wait_and_write_back();

  nn::Module<T>& module_;
  DistributedDataParallelOptions options_;
  std::size_t rank_ = 0, world_ = 1;
  std::vector<Param> params_;
  std::vector<TensorT<T>> buffers_;  // the module's buffers (BatchNorm's running statistics), for broadcast_buffers
  std::vector<std::unique_ptr<Bucket>> buckets_;
  std::vector<RemovableHandle> hooks_;
  std::size_t next_launch_ = 0;   // buckets start in this order on every rank
  std::size_t ready_params_ = 0;  // gradients received in the current pass
  std::vector<bool> param_ready_;
  CommStats stats_;
};

extern template class DistributedDataParallel<float>;
extern template class DistributedDataParallel<double>;

}  // namespace ad::dist
