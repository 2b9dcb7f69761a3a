// What every example shares besides the training loop: the standard options (--seed, --epochs, --lr,
// --batch-size, --optimizer, --hidden, --out, ...), the optimizer they select, and the multi-layer perceptron most
// examples train.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autodiff/tensor.h"
#include "data/dataset.h"
#include "examples/common/args.h"
#include "nn/sequential.h"
#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"

namespace examples {

// The options of a training run. An example fills in its own defaults before calling add_training_options, so
// --help shows them.
struct TrainOptions {
  std::uint64_t seed = 1;
  int epochs = 10;
  double lr = 1e-3;
  std::size_t batch_size = 32;
  std::string optimizer = "adam";
  double momentum = 0.9;      // for sgd with momentum and nesterov
  double weight_decay = 0.0;  // L2 added to the gradient (decoupled for adamw)
  std::string schedule = "none";
  std::vector<std::size_t> hidden;
  std::string out;
  std::string progress = "auto";
  int threads = 1;                     // OpenBLAS threads: a second thread only pays off for large matrix products
  std::size_t patience = 20;           // early stopping on the validation loss (0: off)
  std::string monitor = "val_loss";    // what early stopping and --save's best epoch watch (e.g. "val_acc")
  std::size_t eval_batch_size = 1024;  // rows per forward pass when validating (memory: a CNN's maps are large)
  std::string save;                    // --save PATH: the model at the best validation epoch and at the end
  std::string load;                    // --load PATH: the model's weights before training
  bool resume = false;                 // --resume: continue the run saved in <out>/run.npz
  bool distributed = false;            // --distributed: data-parallel under mpirun (distributed.h)
};

// The optimizer names accepted by --optimizer.
const std::vector<std::string>& optimizer_names();

// Registers --seed, --epochs, --lr, --batch-size (unless full_batch), --optimizer, --momentum, --weight-decay,
// --schedule, --hidden (when with_hidden), --out, --progress, --threads, --patience (when with_validation), --save,
// --load and --resume.
void add_training_options(ArgParser& args, TrainOptions& options, bool with_hidden = true, bool full_batch = false,
                          bool with_validation = true);

// Call after parsing: seeds ad::generator() with options.seed and sets the number of BLAS threads.
void seed_and_threads(const TrainOptions& options);

// The optimizer selected by name over `params`, every one the library has:
//   sgd       plain (stochastic) gradient descent   momentum  SGD with classic (heavy-ball) momentum
//   nesterov  SGD with Nesterov momentum            convex    the course's momentum, (1 - eta) dW + eta grad, with
//                                                             eta = 1 - --momentum
//   adagrad, adagrad_momentum, rmsprop, adam, adamw   as in optim/
// weight_decay is the L2 coefficient of each rule (AdamW applies it to the weights directly). Plain full-batch
// gradient descent is sgd with --batch-size as large as the training set.
std::unique_ptr<ad::optim::Optimizer<float>> make_optimizer(const TrainOptions& options,
                                                            std::vector<ad::Tensor> params);

// The learning-rate schedule selected by --schedule, over `epochs` epochs: "none" (nullptr), "cosine"
// (cosine annealing to lr/100), "step" (StepLR dividing by 10 after each third of the run), "exp" (ExponentialLR
// reaching lr/100 at the end). Call step() once per epoch.
std::unique_ptr<ad::optim::LRScheduler<float>> make_scheduler(const std::string& schedule,
                                                              ad::optim::Optimizer<float>& optimizer, int epochs);

// Activations by name, for --activation.
const std::vector<std::string>& activation_names();
std::shared_ptr<ad::nn::Module<float>> make_activation(const std::string& name);

// in -> hidden[0] -> ... -> hidden[k-1] -> out, with the activation after every hidden layer and none after the
// output layer (losses take logits). init "kaiming" (He normal, for ReLU) or "xavier" (Glorot uniform, for tanh and
// sigmoid) replaces Linear's default initialisation of the hidden layers' weights; "default" keeps it.
// dropout > 0 adds a Dropout layer after each hidden activation.
ad::nn::Sequential<float> make_mlp(std::size_t in, const std::vector<std::size_t>& hidden, std::size_t out,
                                   const std::string& activation = "relu", const std::string& init = "default",
                                   double dropout = 0.0);

// The values of a tensor as doubles (for the metrics and plots that take std::vector<double>).
std::vector<double> to_doubles(const ad::Tensor& t);

// "784-256-128-10": the layer widths of an MLP, for reports.
std::string describe_widths(std::size_t in, const std::vector<std::size_t>& hidden, std::size_t out);

}  // namespace examples
