// fit, evaluate, predict: the training loop as a library call, as Keras's model.fit and PyTorch Lightning's
// Trainer, so that user code shows only the model, the objective and the data.
//
//   auto model = nn::Sequential(nn::Linear(64, 50), nn::ReLU(), nn::Linear(50, 10));
//   optim::Adam opt(model.parameters(), optim::AdamOptions(1e-3));
//   auto options = train::FitOptions().epochs(100).batch_size(32).validation(&val)    // val: a data::Dataset
//                      .callbacks({std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions().patience(10)),
//                                  std::make_shared<train::ProgressBar>()});
//   train::FitResult r = train::fit(model, train::classification(), opt, train_set, options);
//   train::Metrics test = train::evaluate(model, train::classification(), test_set);   // {"loss", "acc"}
//   Tensor logits = train::predict(model, test_set);
//
// One epoch: the loader's batches in a new random order, for each: zero_grad, forward, the objective's loss,
// backward, optimizer step; then the validation metrics (evaluate on options.validation), the learning-rate
// schedule's step, and the callbacks. Each epoch's metrics go into the returned History: the training loss and
// metrics ("loss", "acc"; means over the epoch's batches weighted by batch size, as Keras reports them), the
// validation ones ("val_loss", "val_acc"), the learning rate the epoch used ("lr") and its duration ("time", s).
//
// Ctrl-C (SIGINT) during fit, when options.catch_interrupt is set: the current batch is finished, the callbacks'
// on_interrupt runs (a RunCheckpoint writes the run so far), and fit returns with `interrupted` set; the caller
// decides what to do (the examples write their pictures and exit with status 130). A second Ctrl-C exits at once.
// Resuming from a RunCheckpoint file (options.resume_from) continues the exact trajectory, mid-epoch included:
// model, optimizer, schedule, data order, random generators, history and callback state are restored, so the
// resumed run ends bit-identical to an uninterrupted one.
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "autodiff/arg.h"
#include "autodiff/state_dict.h"
#include "autodiff/tensor.h"
#include "data/dataset.h"
#include "data/loader.h"
#include "nn/module.h"
#include "optim/lr_scheduler.h"
#include "optim/optimizer.h"
#include "train/data_parallel.h"
#include "train/history.h"

namespace ad::train {

// What a model is trained to minimise and judged by (Keras's compile(loss, metrics)). The loss of a batch is a scalar
// tensor computed from the model's outputs for the batch; a metric is a number from the same.
struct Objective {
  using LossFn = std::function<Tensor(const Tensor& outputs, const data::Batch& batch)>;
  using MetricFn = std::function<double(const Tensor& outputs, const data::Batch& batch)>;
  LossFn loss;
  std::vector<std::pair<std::string, MetricFn>> metrics;  // logged as name and "val_" + name
};

// Softmax cross-entropy of logits (one per class) against class labels; metric "acc" (the argmax's accuracy).
Objective classification();
// Binary cross-entropy of one logit per example against 0/1 labels; metric "acc" (threshold: logit 0).
Objective binary_classification();
// Mean squared error against the targets y; metric "mae" (mean absolute error).
Objective regression();

struct FitState;

// Hooks into fit, as Keras's callbacks. Callbacks run in the order given, after fit's own work at each point.
class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(FitState&) {}
  virtual void on_epoch_begin(FitState&) {}
  // After the optimizer step; `batch` holds the batch's loss and metrics.
  virtual void on_batch_end(FitState&, const Metrics& batch) { (void)batch; }
  // After validation and the schedule's step; `logs` is what the History records for the epoch.
  virtual void on_epoch_end(FitState&, const Metrics& logs) { (void)logs; }
  // Ctrl-C was pressed: the batch is finished, fit is about to return with `interrupted` set.
  virtual void on_interrupt(FitState&) {}
  virtual void on_train_end(FitState&) {}
  // What a RunCheckpoint must store so that a resumed run continues exactly (best score so far, patience counter,
  // ...), and its restoration; entries are named by the callback, fit adds a prefix.
  virtual void save_state(StateDict&) const {}
  virtual void load_state(const StateDict&) {}
  // The name its state is saved under in a run checkpoint ("EarlyStopping"), numbered among callbacks of the same
  // name: a resumed run matches saved state to callbacks by it, so that adding or removing another callback on
  // resume does not hand one callback's state to another. A callback whose name has no saved state starts fresh.
  virtual std::string name() const { return "Callback"; }
};

// Options of fit, set fluently: FitOptions().epochs(50).batch_size(64).validation(&val).
class FitOptions {
  AD_ARG(std::size_t, epochs) = 10;  // the last epoch to run (also when resumed)
  AD_ARG(std::size_t, batch_size) = 32;
  AD_ARG(data::LoaderOptions, loader);                        // shuffle (default), drop_last, seed of the order
  AD_ARG(const data::Dataset*, validation) = nullptr;         // evaluated after every epoch when set
  AD_ARG(std::size_t, eval_batch_size) = 1024;                // batch size of that evaluation
  AD_ARG(optim::LRScheduler<float>*, scheduler) = nullptr;    // step() once per epoch, after validation
  AD_ARG(std::vector<std::shared_ptr<Callback>>, callbacks);  // run in this order
  AD_ARG(bool, catch_interrupt) = true;                       // Ctrl-C finishes the batch and returns
  AD_ARG(std::string, resume_from);                           // a RunCheckpoint file: continue that run exactly
  // Data-parallel training (train/data_parallel.h, dist/ddp.h): this rank's shard, gradients averaged across ranks,
  // metrics summed over ranks; batch_size is per rank. A run saved at an epoch end resumes on any number of ranks.
  AD_ARG(DataParallel*, data_parallel) = nullptr;
};

// The state of a fit, seen and changed by callbacks.
struct FitState {
  FitState(nn::Module<float>& m, optim::Optimizer<float>& o, const FitOptions& opts)
      : model(m), optimizer(o), options(opts) {}
  nn::Module<float>& model;
  optim::Optimizer<float>& optimizer;
  const FitOptions& options;
  History history;
  std::size_t epoch = 0;            // the current epoch, 1-based (0 before the first)
  std::size_t batch = 0;            // batches done in the current epoch
  bool epoch_done = false;          // the current epoch's metrics are recorded (a checkpoint resumes after it)
  std::size_t last_batch_size = 0;  // examples in the batch just done
  std::size_t batches_per_epoch = 0;
  std::size_t samples_per_epoch = 0;
  bool stop = false;         // set by a callback: no further epoch starts
  bool interrupted = false;  // Ctrl-C
  // The epoch's running sums (loss and metrics, each weighted by batch size) and the samples they cover: the
  // training metrics of the epoch are sum / samples.
  Metrics running_sums;
  std::size_t samples = 0;
  double lr_of_epoch = 0;  // the learning rate this epoch trains with
  data::DataLoader* loader = nullptr;

  // Everything a resumed run needs: model, optimizer, schedule, position, data order, random generators, history
  // and the callbacks' states. Used by RunCheckpoint.
  StateDict save_run() const;
};

struct FitResult {
  History history;
  bool interrupted = false;  // stopped by Ctrl-C
  std::size_t epochs = 0;    // epochs completed
};

// Trains `model` on `train` (see the top of this file). ValueError for an empty objective or data set, a batch size
// of 0; IOError for an unreadable resume file, ValueError/ShapeError when it belongs to another model or run.
FitResult fit(nn::Module<float>& model, const Objective& objective, optim::Optimizer<float>& optimizer,
              const data::Dataset& train, const FitOptions& options = {});

// The objective's loss and metrics on a whole data set: the model in evaluation mode (Dropout off, BatchNorm on its
// running statistics), nothing recorded, `batch_size` rows at a time; the model's mode is restored afterwards.
// Returns {"loss", <metrics>}: means over the examples (each batch weighted by its size).
Metrics evaluate(nn::Module<float>& model, const Objective& objective, const data::Dataset& data,
                 std::size_t batch_size = 1024);

// The model's outputs for every row, in evaluation mode and without recording, `batch_size` rows at a time.
Tensor predict(nn::Module<float>& model, const data::Dataset& data, std::size_t batch_size = 1024);
Tensor predict(nn::Module<float>& model, const Tensor& X, std::size_t batch_size = 1024);

}  // namespace ad::train
