// What train::fit needs from a data-parallel run, so that fit stays free of any transport: the rank and the number
// of ranks, gradients averaged across ranks after backward, numbers summed across ranks, a seed agreed on.
// ad::dist::DistributedDataParallel (dist/ddp.h, MPI) implements it; pass it as FitOptions().data_parallel(&ddp).
//
// With a DataParallel, fit (fit.h) on every rank:
//   - trains on this rank's shard of each epoch's shuffled order (data/distributed_sampler.h: disjoint shards of
//     one permutation, the same on every rank; PyTorch's DistributedSampler padding, or drop_last), batch_size
//     examples per rank per step (the global batch is batch_size * world_size, as with PyTorch's DDP);
//   - calls before_forward() before each forward (buffers such as BatchNorm's running statistics from rank 0) and
//     finish_gradients() between backward and the optimizer step;
//   - reports training and validation metrics summed over all ranks (validation: each rank evaluates every
//     world_size-th example), so that every rank records the same history and callbacks such as EarlyStopping
//     take the same decisions on every rank;
//   - does not catch Ctrl-C (mpirun ends the ranks; a RunCheckpoint from the last epoch end resumes the run).
// Callbacks that write files should be given to rank 0 only.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ad::train {

class DataParallel {
 public:
  virtual ~DataParallel() = default;
  virtual std::size_t rank() const = 0;
  virtual std::size_t world_size() const = 0;
  // Before each training forward pass.
  virtual void before_forward() {}
  // After backward, before the optimizer step: every parameter's gradient is the mean over the ranks.
  virtual void finish_gradients() = 0;
  // Elementwise sum over the ranks, in place; every rank ends with the same values.
  virtual void sum(std::vector<double>& values) = 0;
  // Every rank ends with rank 0's words.
  virtual void broadcast(std::vector<std::uint64_t>& words) = 0;
};

}  // namespace ad::train
