#include "dist/ddp.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>

#include "dist/comm.h"

namespace ad::dist {
namespace {

using detail::check_mpi;

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

template <class T>
MPI_Datatype mpi_type() {
  return sizeof(T) == sizeof(double) ? MPI_DOUBLE : MPI_FLOAT;
}

// "'fc.weight' of shape (784, 512)", one line per parameter and buffer, in registration order.
template <class T>
std::vector<std::string> describe_entries(const nn::Module<T>& m) {
  std::vector<std::string> d;
  for (const auto& [name, t] : m.named_parameters())
    d.push_back("parameter '" + name + "' of shape " + t.shape().str());
  for (const auto& [name, t] : m.named_buffers()) d.push_back("buffer '" + name + "' of shape " + t.shape().str());
  return d;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + '\n';
  return s;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> v;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == '\n') {
      v.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return v;
}

}  // namespace

template <class T>
struct DistributedDataParallel<T>::Bucket {
  std::vector<T> buffer;            // the gradients of its parameters, packed
  std::vector<std::size_t> params;  // indices into params_
  std::size_t pending = 0;          // gradients still to come in this pass
  MPI_Request request = MPI_REQUEST_NULL;
};

template <class T>
DistributedDataParallel<T>::DistributedDataParallel(nn::Module<T>& module, DistributedDataParallelOptions options)
    : module_(module), options_(options) {
  if (!is_initialized())
    throw DistError(
        "DistributedDataParallel: MPI is not initialised (call ad::dist::init first, and run under mpirun)");
  rank_ = static_cast<std::size_t>(dist::rank());
  world_ = static_cast<std::size_t>(dist::world_size());
  check_same_models();
  {
    // Every rank starts from rank 0's model.
    NoGradGuard g;
    for (auto& t : module_.parameters()) dist::broadcast(t, 0);
    for (const auto& [name, t] : module_.named_buffers()) buffers_.push_back(t);
    for (auto& b : buffers_) dist::broadcast(b, 0);
  }
  // Buckets in reverse registration order: backward finishes the last layers' gradients first.
  for (const auto& [name, t] : module_.named_parameters())
    if (t.requires_grad()) params_.push_back({name, t});
  std::reverse(params_.begin(), params_.end());
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const std::size_t b = params_[i].tensor.numel() * sizeof(T);
    if (buckets_.empty() || bytes + b > options_.bucket_bytes()) {
      buckets_.push_back(std::make_unique<Bucket>());
      bytes = 0;
    }
    Bucket& k = *buckets_.back();
    params_[i].bucket = buckets_.size() - 1;
    params_[i].offset = k.buffer.size();
    k.buffer.resize(k.buffer.size() + params_[i].tensor.numel());
    k.params.push_back(i);
    bytes += b;
  }
  for (auto& k : buckets_) k->pending = k->params.size();
  param_ready_.assign(params_.size(), false);
  for (std::size_t i = 0; i < params_.size(); ++i)
    hooks_.push_back(
        params_[i].tensor.register_post_accumulate_grad_hook([this, i](const TensorT<T>&) { on_grad_ready(i); }));
}

template <class T>
DistributedDataParallel<T>::~DistributedDataParallel() {
  for (auto& h : hooks_) h.remove();
  // Transfers still in flight (a backward that threw) must end before their buffers are freed.
  for (auto& k : buckets_)
    if (k->request != MPI_REQUEST_NULL) MPI_Wait(&k->request, MPI_STATUS_IGNORE);
}

template <class T>
void DistributedDataParallel<T>::check_same_models() const {
  // Rank 0's list against each rank's; every rank learns the first entry that differs anywhere and who differs,
  // and all throw the same error (a rank that threw alone would leave the others waiting in the broadcasts).
  const std::vector<std::string> mine = describe_entries(module_);
  std::string text = join(mine);
  dist::broadcast(text, 0);
  const std::vector<std::string> root = split_lines(text);
  const std::size_t n = std::max(mine.size(), root.size());
  std::size_t first = n;
  for (std::size_t i = 0; i < n; ++i)
    if (i >= mine.size() || i >= root.size() || mine[i] != root[i]) {
      first = i;
      break;
    }
  const double none = std::numeric_limits<double>::max();
  const double global_first = dist::allreduce(first < n ? static_cast<double>(first) : none, ReduceOp::Min);
  if (global_first == none) return;
  const auto k = static_cast<std::size_t>(global_first);
  const double who = dist::allreduce(first == k ? static_cast<double>(rank_) : none, ReduceOp::Min);
  const int other = static_cast<int>(who);
  std::string theirs = k < mine.size() ? mine[k] : "nothing (" + std::to_string(mine.size()) + " entries)";
  dist::broadcast(theirs, other);
  const std::string ours = k < root.size() ? root[k] : "nothing (" + std::to_string(root.size()) + " entries)";
  throw DistError(where() + ": DistributedDataParallel: the ranks' models differ: entry " + std::to_string(k) +
                  " (in registration order) is " + ours + " on rank 0 and " + theirs + " on rank " +
                  std::to_string(other));
}

template <class T>
TensorT<T> DistributedDataParallel<T>::operator()(const TensorT<T>& x) {
  before_forward();
  return module_(x);
}

template <class T>
void DistributedDataParallel<T>::before_forward() {
  if (!options_.broadcast_buffers() || world_ == 1 || !module_.is_training()) return;
  NoGradGuard g;
  for (auto& b : buffers_) dist::broadcast(b, 0);
}

template <class T>
void DistributedDataParallel<T>::on_grad_ready(std::size_t i) {
  if (param_ready_[i]) {
    // A second gradient before the first pass's were averaged: that pass left some parameter without one.
    std::string missing;
    for (std::size_t j = 0; j < params_.size(); ++j)
      if (!param_ready_[j]) {
        missing = params_[j].name;
        break;
      }
    throw GraphError(where() + ": DistributedDataParallel: parameter '" + params_[i].name +
                     "' received a gradient twice before the ranks' gradients were averaged: the previous backward "
                     "pass gave none to parameter '" +
                     missing + "' (every parameter that requires grad must take part in every backward pass)");
  }
  const double t0 = now();
  Param& p = params_[i];
  Bucket& k = *buckets_[p.bucket];
  std::memcpy(k.buffer.data() + p.offset, p.tensor.grad().data(), p.tensor.numel() * sizeof(T));
  stats_.copy_seconds += now() - t0;
  param_ready_[i] = true;
  ++ready_params_;
  --k.pending;
  launch_ready_buckets();
}

template <class T>
void DistributedDataParallel<T>::launch_ready_buckets() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_]->pending == 0) {
    Bucket& k = *buckets_[next_launch_];
    if (next_launch_ + 1 == buckets_.size() || !options_.overlap()) {
      // The last bucket: nothing of backward is left to overlap it with, so the blocking allreduce (OpenMPI's tuned
      // algorithms rather than libnbc's schedule).
      const double t0 = now();
      check_mpi(MPI_Allreduce(MPI_IN_PLACE, k.buffer.data(), static_cast<int>(k.buffer.size()), mpi_type<T>(), MPI_SUM,
                              MPI_COMM_WORLD),
                "MPI_Allreduce");
      stats_.wait_seconds += now() - t0;
    } else {
      check_mpi(MPI_Iallreduce(MPI_IN_PLACE, k.buffer.data(), static_cast<int>(k.buffer.size()), mpi_type<T>(), MPI_SUM,
                               MPI_COMM_WORLD, &k.request),
                "MPI_Iallreduce");
    }
    ++stats_.allreduces;
    ++next_launch_;
  }
  if (next_launch_ == buckets_.size()) {
    wait_and_write_back();
    return;
  }
  // Move the transfers in flight along (MPI progresses non-blocking collectives only inside MPI calls).
  for (std::size_t b = 0; b < next_launch_; ++b)
    if (buckets_[b]->request != MPI_REQUEST_NULL) {
      int done = 0;
      check_mpi(MPI_Test(&buckets_[b]->request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    }
}

template <class T>
void DistributedDataParallel<T>::wait_and_write_back() {
  const double t0 = now();
  for (auto& k : buckets_) check_mpi(MPI_Wait(&k->request, MPI_STATUS_IGNORE), "MPI_Wait");
  const double t1 = now();
  const T n = static_cast<T>(world_);
  for (Param& p : params_) {
    TensorT<T> grad = p.tensor.grad();
    if (!grad.defined()) continue;  // none in this pass (finish_gradients reports it)
    const T* src = buckets_[p.bucket]->buffer.data() + p.offset;
    T* g = grad.mutable_data();
    for (std::size_t j = 0; j < p.tensor.numel(); ++j) g[j] = src[j] / n;
  }
  stats_.wait_seconds += t1 - t0;
  stats_.copy_seconds += now() - t1;
  ++stats_.steps;
  for (auto& k : buckets_) k->pending = k->params.size();
  std::fill(param_ready_.begin(), param_ready_.end(), false);
  ready_params_ = 0;
  next_launch_ = 0;
}

template <class T>
void DistributedDataParallel<T>::finish_gradients() {
  if (ready_params_ == 0) return;  // averaged when the last bucket started (or no backward since the last step)
  // Some parameters got no gradient in this pass. Every rank ran the same graph, so all are here: complete the
  // transfers with zeros for them (the ranks stay in step and the pass ends as usual), then report the first.
  std::string missing;
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (!param_ready_[i]) {
      if (missing.empty()) missing = params_[i].name;
      Bucket& k = *buckets_[params_[i].bucket];
      std::fill_n(k.buffer.data() + params_[i].offset, params_[i].tensor.numel(), T(0));
      --k.pending;
    }
  launch_ready_buckets();  // every bucket is complete now: starts the rest, waits, writes back, resets
  throw GraphError(where() + ": DistributedDataParallel: parameter '" + missing +
                   "' received no gradient in this backward pass (every parameter that requires grad must take part "
                   "in every backward pass; freeze unused ones with requires_grad_(false) before wrapping the model)");
}

template <class T>
void DistributedDataParallel<T>::sum(std::vector<double>& values) {
  dist::allreduce(values, ReduceOp::Sum);
}

template <class T>
void DistributedDataParallel<T>::broadcast(std::vector<std::uint64_t>& words) {
  dist::broadcast(words, 0);
}

template <class T>
std::vector<std::vector<std::string>> DistributedDataParallel<T>::bucket_names() const {
  std::vector<std::vector<std::string>> names;
  for (const auto& k : buckets_) {
    names.emplace_back();
    for (std::size_t i : k->params) names.back().push_back(params_[i].name);
  }
  return names;
}

template class DistributedDataParallel<float>;
template class DistributedDataParallel<double>;

}  // namespace ad::dist
