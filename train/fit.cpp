#include "train/fit.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <map>
#include <sstream>

#include "autodiff/error.h"
#include "autodiff/random.h"
#include "io/state.h"
#include "nn/loss.h"
#include "train/accuracy.h"
#include "train/regression_metrics.h"

namespace ad::train {

// ---- Objectives ----------------------------------------------------------------------------------------------------

Objective classification() {
  Objective o;
  o.loss = [](const Tensor& out, const data::Batch& b) { return nn::cross_entropy(out, b.labels); };
  o.metrics = {{"acc", [](const Tensor& out, const data::Batch& b) { return accuracy(b.labels, out); }}};
  return o;
}

Objective binary_classification() {
  Objective o;
  o.loss = [](const Tensor& out, const data::Batch& b) {
    Tensor t = Tensor::empty(out.shape());
    if (t.numel() != b.labels.size())
      throw ShapeError("binary_classification: " + std::to_string(b.labels.size()) + " labels for outputs of shape " +
                       out.shape().str() + " (one logit per example expected)");
    float* p = t.mutable_data();
    for (std::size_t i = 0; i < b.labels.size(); ++i) p[i] = static_cast<float>(b.labels[i]);
    return nn::binary_cross_entropy_with_logits(out, t);
  };
  // A logit above 0 is a probability above 1/2.
  o.metrics = {{"acc", [](const Tensor& out, const data::Batch& b) { return accuracy(b.labels, out, 0.0f); }}};
  return o;
}

Objective regression() {
  Objective o;
  o.loss = [](const Tensor& out, const data::Batch& b) { return nn::mse_loss(out, b.y.reshape(out.shape())); };
  o.metrics = {{"mae", [](const Tensor& out, const data::Batch& b) {
                  return mean_absolute_error(b.y.reshape(out.shape()), out);
                }}};
  return o;
}

namespace {

// ---- Ctrl-C ------------------------------------------------------------------------------------------------------
// The handler only sets a flag (all a signal handler may safely do); the loop checks it after each batch. A second
// Ctrl-C restores the default action and re-raises: the process ends at once, as a user pressing it twice expects.
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_sigint(int) {
  if (g_interrupted) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
    return;
  }
  g_interrupted = 1;
}

class InterruptGuard {
 public:
  explicit InterruptGuard(bool on) : on_(on) {
    if (!on_) return;
    g_interrupted = 0;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = SA_RESTART;  // a write the signal interrupts is resumed, not failed (std::cout would go bad)
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &previous_);
  }
  ~InterruptGuard() {
    if (on_) sigaction(SIGINT, &previous_, nullptr);
  }
  bool fired() const { return on_ && g_interrupted != 0; }

 private:
  bool on_;
  struct sigaction previous_;
};

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Mode guard: evaluation mode and no recording, the previous mode restored however the scope ends.
class EvalScope {
 public:
  explicit EvalScope(nn::Module<float>& m) : m_(m), modes_(nn::training_modes(m)) { m_.eval(); }
  ~EvalScope() { nn::restore_training_modes(m_, modes_); }

 private:
  nn::Module<float>& m_;
  std::vector<bool> modes_;  // each submodule's, so that one the user froze in eval mode stays so
  NoGradGuard no_grad_;
};

void add_to(Metrics& sums, const std::string& name, double v) {
  for (auto& [n, s] : sums)
    if (n == name) {
      s += v;
      return;
    }
  sums.emplace_back(name, v);
}

// ---- Run state (for RunCheckpoint and resume_from) ----------------------------------------------------------------

StateDict metrics_state(const Metrics& m) {
  StateDict s;
  for (const auto& [name, v] : m) s.set(name, v);
  return s;
}
Metrics metrics_from(const StateDict& s, const std::string& who) {
  Metrics m;
  for (const auto& [name, v] : s.entries()) m.emplace_back(name, s.real(name, who));
  return m;
}

constexpr const char* kWho = "fit (resume)";

// The prefixes of the callbacks' saved states: "callback.<name>.<k>." for the k-th callback of that name.
std::vector<std::string> callback_keys(const std::vector<std::shared_ptr<Callback>>& callbacks) {
  std::vector<std::string> keys;
  std::map<std::string, int> seen;
  for (const auto& cb : callbacks) {
    const std::string n = cb->name();
    keys.push_back("callback." + n + "." + std::to_string(seen[n]++) + ".");
  }
  return keys;
}

void restore_run(FitState& st, const StateDict& s, optim::LRScheduler<float>* scheduler,
                 const std::vector<std::shared_ptr<Callback>>& callbacks) {
  // Model: every tensor of the state dict, shapes checked before anything is written.
  const StateDict model = s.with_prefix_removed("model.");
  const NamedTensors<float> mine = st.model.state_dict();
  for (const auto& [name, t] : mine) {
    const Tensor& saved = model.tensor<float>(name, kWho);
    if (saved.shape() != t.shape())
      throw ShapeError(std::string(kWho) + ": model entry '" + name + "' has shape " + saved.shape().str() +
                       " in the checkpoint and " + t.shape().str() + " in the model");
  }
  st.optimizer.load_state_dict(s.with_prefix_removed("optim."));
  if (scheduler) scheduler->load_state_dict(s.with_prefix_removed("sched."));
  {
    NoGradGuard g;
    for (const auto& [name, t] : mine) Tensor(t).copy_(model.tensor<float>(name, kWho));
  }
  st.epoch = static_cast<std::size_t>(s.integer("fit.epoch", kWho));
  st.batch = static_cast<std::size_t>(s.integer("fit.batch", kWho));
  st.samples = static_cast<std::size_t>(s.integer("fit.samples", kWho));
  // A run saved in the middle of an epoch continues that epoch's shards, which exist only for the same number of
  // ranks; at an epoch end any number of ranks can take over.
  const std::int64_t saved_world = s.contains("fit.world_size") ? s.integer("fit.world_size", kWho) : 1;
  const auto world =
      static_cast<std::int64_t>(st.options.data_parallel() ? st.options.data_parallel()->world_size() : 1);
  if (st.batch != 0 && saved_world != world)
    throw ValueError(std::string(kWho) + ": the run was saved in the middle of an epoch by " +
                     std::to_string(saved_world) + " rank(s) and is resumed by " + std::to_string(world) +
                     "; a different number of ranks can resume a run saved at an epoch end");
  // The batch of one step over all ranks must stay the same (64 per rank on 2 ranks = 32 on 4 = 128 on 1); then the
  // trajectory continues as it would have.
  const auto saved_batch = static_cast<std::size_t>(s.integer("fit.batch_size", kWho));
  const std::size_t batch = st.options.batch_size() * static_cast<std::size_t>(world);
  const auto per_rank = [](std::size_t global, std::int64_t ranks) {
    return ranks == 1 ? std::string()
                      : " (" + std::to_string(global / static_cast<std::size_t>(ranks)) + " on each of " +
                            std::to_string(ranks) + " ranks)";
  };
  if (saved_batch != batch)
    throw ValueError(std::string(kWho) + ": the run was saved with batch size " + std::to_string(saved_batch) +
                     per_rank(saved_batch, saved_world) + ", and is resumed with " + std::to_string(batch) +
                     per_rank(batch, world));
  st.lr_of_epoch = s.real("fit.lr_of_epoch", kWho);
  st.stop = s.integer("fit.stop", kWho) != 0;
  st.running_sums = metrics_from(s.with_prefix_removed("fit.sums."), kWho);
  st.loader->load_state(s.with_prefix_removed("loader."));
  set_rng_state(generator(), s.words("fit.generator", kWho), kWho);
  // History: its epochs, then each metric's values (NaN where an epoch lacks it).
  const std::vector<std::uint64_t>& epochs = s.words("history.epochs", kWho);
  const StateDict h = s.with_prefix_removed("history.metric.");
  History history;
  for (std::size_t i = 0; i < epochs.size(); ++i) {
    Metrics m;
    for (const auto& [name, v] : h.entries()) {
      const TensorD& col = h.tensor<double>(name, kWho);
      if (col.numel() != epochs.size())
        throw ValueError(std::string(kWho) + ": history entry '" + name + "' is malformed");
      m.emplace_back(name, col.data()[i]);
    }
    history.add(static_cast<std::size_t>(epochs[i]), m);
  }
  st.history = history;
  const std::vector<std::string> keys = callback_keys(callbacks);
  for (std::size_t i = 0; i < callbacks.size(); ++i) {
    const StateDict c = s.with_prefix_removed(keys[i]);
    if (!c.entries().empty()) callbacks[i]->load_state(c);  // none saved: a callback added on resume starts fresh
  }
}

// The objective's loss and metrics on rows first, first + step, ... of `data`, as sums weighted by batch size, and
// the number of rows: {"loss", <metrics>..., n}. evaluate() divides; fit's data-parallel validation sums over ranks.
std::vector<double> evaluation_sums(nn::Module<float>& model, const Objective& objective, const data::Dataset& data,
                                    std::size_t batch_size, std::size_t first, std::size_t step) {
  EvalScope scope(model);
  std::vector<double> sums(2 + objective.metrics.size(), 0.0);
  std::vector<std::size_t> rows;
  for (std::size_t i = first; i < data.size(); i += step) rows.push_back(i);
  for (std::size_t start = 0; start < rows.size(); start += batch_size) {
    const data::Batch b = data::batch_of(
        data, std::vector<std::size_t>(
                  rows.begin() + static_cast<std::ptrdiff_t>(start),
                  rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), start + batch_size))));
    const Tensor out = model(b.X);
    const double w = static_cast<double>(b.size());
    sums[0] += w * static_cast<double>(objective.loss(out, b).item());
    for (std::size_t m = 0; m < objective.metrics.size(); ++m) sums[1 + m] += w * objective.metrics[m].second(out, b);
    sums.back() += w;
  }
  return sums;
}

Metrics metrics_of_sums(const Objective& objective, const std::vector<double>& sums) {
  Metrics m{{"loss", sums[0] / sums.back()}};
  for (std::size_t i = 0; i < objective.metrics.size(); ++i)
    m.emplace_back(objective.metrics[i].first, sums[1 + i] / sums.back());
  return m;
}

}  // namespace

StateDict FitState::save_run() const {
  StateDict s;
  for (const auto& [name, t] : model.state_dict()) s.set("model." + name, t.detach().clone());
  s.merge(optimizer.state_dict(), "optim.");
  if (options.scheduler()) s.merge(options.scheduler()->state_dict(), "sched.");
  // The position to continue from: the next epoch after a completed one, else this epoch after `batch` batches.
  s.set("fit.epoch", static_cast<std::int64_t>(epoch_done ? epoch + 1 : std::max<std::size_t>(epoch, 1)));
  s.set("fit.batch", static_cast<std::int64_t>(epoch_done ? 0 : batch));
  s.set("fit.samples", static_cast<std::int64_t>(samples));
  // The batch size over all ranks (the per-rank batch_size times the ranks) and the number of ranks.
  const std::size_t world = options.data_parallel() ? options.data_parallel()->world_size() : 1;
  s.set("fit.batch_size", static_cast<std::int64_t>(options.batch_size() * world));
  s.set("fit.world_size", static_cast<std::int64_t>(world));
  s.set("fit.lr_of_epoch", lr_of_epoch);
  s.set("fit.stop", static_cast<std::int64_t>(stop));  // a run that early stopping ended stays ended when resumed
  s.merge(metrics_state(running_sums), "fit.sums.");
  s.merge(loader->state(), "loader.");
  s.set("fit.generator", rng_state(generator()));
  std::vector<std::uint64_t> epochs(history.epochs().begin(), history.epochs().end());
  s.set("history.epochs", epochs);
  for (const std::string& name : history.names()) {
    const std::vector<double>& v = history[name];
    s.set("history.metric." + name, TensorD::from(v, Shape{v.size()}));
  }
  const std::vector<std::string> keys = callback_keys(options.callbacks());
  for (std::size_t i = 0; i < options.callbacks().size(); ++i) {
    StateDict c;
    options.callbacks()[i]->save_state(c);
    s.merge(c, keys[i]);
  }
  return s;
}

// ---- fit ---------------------------------------------------------------------------------------------------------

FitResult fit(nn::Module<float>& model, const Objective& objective, optim::Optimizer<float>& optimizer,
              const data::Dataset& train, const FitOptions& options) {
  if (!objective.loss) throw ValueError("fit: the objective has no loss function");
  if (options.batch_size() == 0) throw ValueError("fit: batch_size must be at least 1");
  DataParallel* const dp = options.data_parallel();
  data::LoaderOptions loader_options = options.loader();
  if (dp) {
    // One order per epoch for all ranks: they must shuffle with the same seed, so rank 0's is used.
    std::vector<std::uint64_t> seed{loader_options.seed ? *loader_options.seed : generator()()};
    dp->broadcast(seed);
    loader_options.seed = seed[0];
    loader_options.shard = {dp->world_size(), dp->rank(), /*drop_last=*/false};
  }
  data::DataLoader loader(train, options.batch_size(), loader_options);
  FitState st(model, optimizer, options);
  st.loader = &loader;
  st.batches_per_epoch = loader.num_batches();
  if (st.batches_per_epoch == 0)
    throw ValueError("fit: no batch to train on: " + std::to_string(train.size()) + " examples, batch size " +
                     std::to_string(options.batch_size()) + (options.loader().drop_last ? " with drop_last" : ""));
  if (options.validation() && options.validation()->size() == 0)
    throw ValueError("fit: the validation data set is empty (pass none to train without validation)");
  st.samples_per_epoch = loader.num_samples();
  // The position to continue from: (epoch, batch) = the next batch to run. A fresh run starts at (1, 0).
  std::size_t epoch = 1;
  if (!options.resume_from().empty()) {
    // Errors name the file and what probably changed since the run was saved.
    const std::string& path = options.resume_from();
    const std::string hint =
        " (resuming '" + path + "': the model, optimizer, schedule, data or callbacks differ from the saved run's)";
    try {
      restore_run(st, io::load_state(path), options.scheduler(), options.callbacks());
    } catch (const ShapeError& e) {
      throw ShapeError(e.what() + hint);
    } catch (const ValueError& e) {
      throw ValueError(e.what() + hint);
    }
    epoch = st.epoch;
  }
  // Not under data parallelism: one rank stopping after its batch would leave the others waiting for it.
  InterruptGuard interrupt(options.catch_interrupt() && !dp);
  model.train();
  for (auto& cb : options.callbacks()) cb->on_train_begin(st);
  std::size_t completed = st.history.empty() ? 0 : st.history.epochs().back();
  for (; epoch <= options.epochs() && !st.stop; ++epoch) {
    st.epoch = epoch;
    st.epoch_done = false;
    const bool fresh = st.batch == 0;  // else resumed in the middle of this epoch, with its order and sums
    if (fresh) {
      loader.start_epoch();
      st.running_sums.clear();
      st.samples = 0;
      st.lr_of_epoch = optimizer.lr();
    }
    const double start = now();
    for (auto& cb : options.callbacks()) cb->on_epoch_begin(st);
    for (std::size_t b = st.batch; b < st.batches_per_epoch; ++b) {
      const data::Batch batch = loader.batch(b);
      if (dp) dp->before_forward();
      const Tensor out = model(batch.X);
      const Tensor loss = objective.loss(out, batch);
      optimizer.zero_grad();
      loss.backward();
      if (dp) dp->finish_gradients();
      optimizer.step();
      Metrics m{{"loss", static_cast<double>(loss.item())}};
      {
        NoGradGuard g;
        const Tensor values = out.detach();
        for (const auto& [name, fn] : objective.metrics) m.emplace_back(name, fn(values, batch));
      }
      for (const auto& [name, v] : m) add_to(st.running_sums, name, v * static_cast<double>(batch.size()));
      st.samples += batch.size();
      st.batch = b + 1;
      st.last_batch_size = batch.size();
      for (auto& cb : options.callbacks()) cb->on_batch_end(st, m);
      if (interrupt.fired()) {
        st.interrupted = true;
        break;
      }
    }
    if (st.interrupted) {
      for (auto& cb : options.callbacks()) cb->on_interrupt(st);
      break;
    }
    // Training metrics: the epoch's sums over all ranks, so that every rank records the same history.
    std::vector<double> sums;
    for (const auto& entry : st.running_sums) sums.push_back(entry.second);
    sums.push_back(static_cast<double>(st.samples));
    if (dp) dp->sum(sums);
    Metrics logs;
    for (std::size_t i = 0; i < st.running_sums.size(); ++i)
      logs.emplace_back(st.running_sums[i].first, sums[i] / sums.back());
    if (options.validation()) {
      // Each rank evaluates every world_size-th example; the sums over ranks cover the validation set once.
      std::vector<double> v = evaluation_sums(model, objective, *options.validation(), options.eval_batch_size(),
                                              dp ? dp->rank() : 0, dp ? dp->world_size() : 1);
      if (dp) dp->sum(v);
      for (const auto& [name, value] : metrics_of_sums(objective, v)) logs.emplace_back("val_" + name, value);
    }
    logs.emplace_back("lr", st.lr_of_epoch);
    logs.emplace_back("time", now() - start);
    st.history.add(epoch, logs);
    if (options.scheduler()) options.scheduler()->step();
    st.epoch_done = true;
    completed = epoch;
    for (auto& cb : options.callbacks()) cb->on_epoch_end(st, logs);
    st.batch = 0;
  }
  // Ctrl-C during the last epoch's validation or its callbacks: the run is complete, but the caller is told.
  if (!st.interrupted && interrupt.fired()) {
    st.interrupted = true;
    for (auto& cb : options.callbacks()) cb->on_interrupt(st);
  }
  for (auto& cb : options.callbacks()) cb->on_train_end(st);
  return {st.history, st.interrupted, completed};
}

// ---- evaluate, predict -------------------------------------------------------------------------------------------

Metrics evaluate(nn::Module<float>& model, const Objective& objective, const data::Dataset& data,
                 std::size_t batch_size) {
  if (!objective.loss) throw ValueError("evaluate: the objective has no loss function");
  if (batch_size == 0) throw ValueError("evaluate: batch_size must be at least 1");
  data.check();
  if (data.size() == 0) throw ValueError("evaluate: the data set is empty");
  return metrics_of_sums(objective, evaluation_sums(model, objective, data, batch_size, 0, 1));
}

Tensor predict(nn::Module<float>& model, const data::Dataset& data, std::size_t batch_size) {
  if (batch_size == 0) throw ValueError("predict: batch_size must be at least 1");
  EvalScope scope(model);
  std::vector<Tensor> parts;
  const std::size_t n = data.size();
  for (std::size_t start = 0; start < n; start += batch_size) {
    std::vector<std::size_t> idx;
    for (std::size_t i = start; i < std::min(n, start + batch_size); ++i) idx.push_back(i);
    parts.push_back(model(data.rows(idx)));
  }
  if (parts.empty()) throw ValueError("predict: the data set is empty");
  return parts.size() == 1 ? parts[0] : concat(parts, 0);
}

Tensor predict(nn::Module<float>& model, const Tensor& X, std::size_t batch_size) {
  data::Dataset d;
  d.X = X;
  return predict(model, d, batch_size);
}

}  // namespace ad::train
