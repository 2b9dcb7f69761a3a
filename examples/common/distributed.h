// --distributed: the examples' data-parallel mode over MPI (dist/), for `mpirun -np N build/examples/mnist
// --distributed ...`. Every rank loads the data and builds the model; DistributedDataParallel starts them from rank
// 0's weights and averages the gradients; each rank trains on its shard, --batch-size examples per step (the
// global batch is N times that). Only rank 0 prints, and writes the metrics, checkpoints, run files and pictures.
#pragma once
#include <exception>
#include <memory>
#include <string>

#include "examples/common/args.h"
#include "examples/common/setup.h"
#include "nn/module.h"
#include "train/data_parallel.h"

namespace examples {

// Registers --distributed (options.distributed).
void add_distributed_option(ArgParser& args, TrainOptions& options);

// With options.distributed: starts MPI (std::runtime_error when the examples were built without MPI), caps
// options.threads at the cores per rank on this machine (so that ranks sharing a machine do not oversubscribe
// it), and silences std::cout on every rank but 0. MPI ends when the program exits.
void start_distributed(TrainOptions& options);

// True on rank 0 and in a run that is not distributed: the process that prints and writes files.
bool is_main_process();

// The data-parallel wrapper of `model` when distributed (nullptr otherwise): a collective, on every rank.
std::unique_ptr<ad::train::DataParallel> make_data_parallel(ad::nn::Module<float>& model);

// An example's last words on an error: "<program>: <what>" on stderr, and in a distributed run the end of every
// rank (the others would otherwise wait for this one forever). Returns the exit status, 1.
int fail(const std::string& program, const std::exception& e);

}  // namespace examples
