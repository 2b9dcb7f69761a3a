#include "dist/comm.h"

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>

namespace ad::dist {
namespace {

bool g_we_initialised = false;
MPI_Comm g_local = MPI_COMM_NULL;  // the ranks sharing this machine

bool mpi_running() {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
}

void require_running(const char* who) {
  if (!mpi_running())
    throw DistError(std::string(who) + ": MPI is not initialised (call ad::dist::init first, and run under mpirun)");
}

using detail::check_mpi;
const auto check = check_mpi;

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() {
  return MPI_FLOAT;
}
template <>
MPI_Datatype mpi_type<double>() {
  return MPI_DOUBLE;
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::Min: return MPI_MIN;
    case ReduceOp::Max: return MPI_MAX;
    default: return MPI_SUM;
  }
}

// The ranks must pass buffers of one size to a collective; a mismatch would make MPI read past the smaller one.
// Every rank learns the smallest and largest size and all throw the same error.
void check_same_count(std::size_t n, const std::string& what) {
  long long mine[2] = {static_cast<long long>(n), -static_cast<long long>(n)}, all[2];
  check(MPI_Allreduce(mine, all, 2, MPI_LONG_LONG, MPI_MIN, MPI_COMM_WORLD), "MPI_Allreduce");
  if (all[0] != -all[1])
    throw ShapeError(where() + ": " + what + ": the ranks pass different sizes (from " + std::to_string(all[0]) +
                     " to " + std::to_string(-all[1]) + " elements; this rank " + std::to_string(n) + ")");
}

[[noreturn]] void terminate_handler() {
  std::string why = "terminate called";
  if (auto e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      why = std::string("uncaught exception: ") + x.what();
    } catch (...) {
      why = "uncaught exception of an unknown type";
    }
  }
  abort(why, 1);
}

}  // namespace

// MPI calls return their error codes (MPI_ERRORS_RETURN on the world communicator); this turns one into a DistError.
void detail::check_mpi(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  throw DistError(where() + ": " + call + " failed: " + std::string(text, static_cast<std::size_t>(len)));
}

void init(int* argc, char*** argv) {
  if (mpi_running()) return;
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw DistError("ad::dist::init: MPI_Init_thread failed");
  g_we_initialised = true;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &g_local), "MPI_Comm_split_type");
}

void finalize() {
  if (!mpi_running()) return;
  if (g_local != MPI_COMM_NULL) MPI_Comm_free(&g_local);
  if (g_we_initialised) MPI_Finalize();
}

bool is_initialized() { return mpi_running(); }

namespace {
// MPI_Comm_rank or MPI_Comm_size of a communicator, once MPI runs.
int query(int (*fn)(MPI_Comm, int*), MPI_Comm comm, const char* who) {
  require_running(who);
  int v = 0;
  fn(comm, &v);
  return v;
}
}  // namespace

int rank() { return query(MPI_Comm_rank, MPI_COMM_WORLD, "ad::dist::rank"); }
int world_size() { return query(MPI_Comm_size, MPI_COMM_WORLD, "ad::dist::world_size"); }
int local_rank() { return query(MPI_Comm_rank, g_local, "ad::dist::local_rank"); }
int local_size() { return query(MPI_Comm_size, g_local, "ad::dist::local_size"); }

std::string where() {
  if (!mpi_running()) return "rank ? (MPI not running)";
  return "rank " + std::to_string(rank()) + " of " + std::to_string(world_size());
}

void barrier() {
  require_running("ad::dist::barrier");
  check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

template <class T>
void allreduce(TensorT<T>& t, ReduceOp op) {
  require_running("ad::dist::allreduce");
  check_same_count(t.numel(), "allreduce of a tensor of shape " + t.shape().str());
  if (t.numel() == 0) return;
  T* p = t.mutable_data();
  check(MPI_Allreduce(MPI_IN_PLACE, p, static_cast<int>(t.numel()), mpi_type<T>(), mpi_op(op), MPI_COMM_WORLD),
        "MPI_Allreduce");
  if (op == ReduceOp::Average) {
    const T n = static_cast<T>(world_size());
    for (std::size_t i = 0; i < t.numel(); ++i) p[i] /= n;
  }
}

void allreduce(std::vector<double>& values, ReduceOp op) {
  require_running("ad::dist::allreduce");
  check_same_count(values.size(), "allreduce of " + std::to_string(values.size()) + " numbers");
  if (values.empty()) return;
  check(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, mpi_op(op),
                      MPI_COMM_WORLD),
        "MPI_Allreduce");
  if (op == ReduceOp::Average)
    for (double& v : values) v /= world_size();
}

double allreduce(double value, ReduceOp op) {
  std::vector<double> v{value};
  allreduce(v, op);
  return v[0];
}

template <class T>
void broadcast(TensorT<T>& t, int root) {
  require_running("ad::dist::broadcast");
  check_same_count(t.numel(), "broadcast of a tensor of shape " + t.shape().str());
  if (t.numel() == 0) return;
  check(MPI_Bcast(t.mutable_data(), static_cast<int>(t.numel()), mpi_type<T>(), root, MPI_COMM_WORLD), "MPI_Bcast");
}

void broadcast(std::vector<std::uint64_t>& words, int root) {
  require_running("ad::dist::broadcast");
  unsigned long long n = words.size();
  check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD), "MPI_Bcast");
  words.resize(static_cast<std::size_t>(n));
  if (n) check(MPI_Bcast(words.data(), static_cast<int>(n), MPI_UINT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
}

void broadcast(std::string& s, int root) {
  require_running("ad::dist::broadcast");
  unsigned long long n = s.size();
  check(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD), "MPI_Bcast");
  s.resize(static_cast<std::size_t>(n));
  if (n) check(MPI_Bcast(s.data(), static_cast<int>(n), MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
}

void abort(const std::string& why, int code) {
  std::cout.flush();
  std::cerr << where() << ": " << why << "; ending every rank of the run" << std::endl;
  if (mpi_running()) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

Session::Session(int* argc, char*** argv) {
  init(argc, argv);
  std::set_terminate(terminate_handler);
}

Session::~Session() {
  if (std::uncaught_exceptions() > 0) abort("an exception left the distributed session", 1);
  finalize();
}

template void allreduce(TensorT<float>&, ReduceOp);
template void allreduce(TensorT<double>&, ReduceOp);
template void broadcast(TensorT<float>&, int);
template void broadcast(TensorT<double>&, int);

}  // namespace ad::dist
