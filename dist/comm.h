// The process group of a data-parallel run: one process per rank, started by `mpirun -np N`, talking through MPI
// (OpenMPI from Debian). Collectives over tensors and numbers, as torch.distributed's:
//
//   ad::dist::init(&argc, &argv);                 // every rank, before anything else that communicates
//   ad::dist::broadcast(w, /*root=*/0);            // every rank now holds rank 0's values of w
//   ad::dist::allreduce(g, ad::dist::ReduceOp::Average);   // every rank holds the mean of the ranks' g
//   ad::dist::finalize();
//
// Every collective must be called by every rank, in the same order, with tensors of the same shape: that is MPI's
// rule, and a rank that skips one makes the others wait. Errors throw dist::DistError naming the rank ("rank 1 of
// 2: ..."); a rank that throws out of a distributed run should call dist::abort (the examples do, and
// dist::Session does for an exception leaving its scope), which ends every rank at once: MPI_Finalize on one rank
// while the others wait in a collective would hang the run. A rank that dies (a crash, SIGKILL) is noticed by
// mpirun, which then ends the others.
//
// Threads: MPI is initialised with MPI_THREAD_FUNNELED: only the thread that called init() communicates (the
// library's worker threads never do).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "autodiff/error.h"
#include "autodiff/tensor.h"

namespace ad::dist {

// A failed collective or a run whose ranks disagree. The message starts with "rank R of N: ".
struct DistError : Error {
  using Error::Error;
};

// Starts MPI (MPI_Init_thread); argc/argv may be null. Harmless when already initialised. DistError if MPI cannot
// start. A program run without mpirun is a world of one rank.
void init(int* argc = nullptr, char*** argv = nullptr);
// Ends MPI (MPI_Finalize, which every rank must reach); harmless when not initialised or already finalised.
void finalize();
bool is_initialized();  // init() was called and finalize() not yet

// This process's rank (0 .. world_size() - 1) and the number of ranks; DistError before init().
int rank();
int world_size();
// The ranks on this machine (OpenMPI's shared-memory domain) and this one's index among them: to share the cores.
int local_rank();
int local_size();
// "rank 1 of 2" (for messages).
std::string where();

// Waits until every rank has called it.
void barrier();

enum class ReduceOp { Sum, Average, Min, Max };

// In place over all ranks: every rank ends with the elementwise reduction. Average = Sum, then division by the
// number of ranks. ShapeError (on every rank) when the ranks' tensors differ in size.
template <class T>
void allreduce(TensorT<T>& t, ReduceOp op = ReduceOp::Sum);
void allreduce(std::vector<double>& values, ReduceOp op = ReduceOp::Sum);
double allreduce(double value, ReduceOp op = ReduceOp::Sum);

// Every rank ends with root's values (shapes must agree, checked).
template <class T>
void broadcast(TensorT<T>& t, int root = 0);
void broadcast(std::vector<std::uint64_t>& words, int root = 0);  // resized to root's length
void broadcast(std::string& s, int root = 0);                     // resized to root's length

// Prints "<where()>: <why>" to stderr and ends every rank of the run (MPI_Abort) with `code`. Without MPI
// initialised it exits this process.
[[noreturn]] void abort(const std::string& why, int code = 1);

// init() in the constructor, finalize() in the destructor; an exception leaving the Session's scope aborts every
// rank instead (see the top of this file). Also installs a terminate handler that aborts the run.
class Session {
 public:
  Session(int* argc = nullptr, char*** argv = nullptr);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
};

namespace detail {
// Throws DistError "<where()>: <call> failed: <MPI's message>" unless code is MPI_SUCCESS (0).
void check_mpi(int code, const char* call);
}  // namespace detail

extern template void allreduce(TensorT<float>&, ReduceOp);
extern template void allreduce(TensorT<double>&, ReduceOp);
extern template void broadcast(TensorT<float>&, int);
extern template void broadcast(TensorT<double>&, int);

}  // namespace ad::dist
