// Exceptions thrown by the library. Every message names the operation and the offending values
// (both shapes on a mismatch, the index and the bound when out of range, the file and field for a bad file).
#pragma once
#include <stdexcept>
#include <string>

namespace ad {

// Base class: catch ad::Error to catch everything this library throws on bad input.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Shapes that do not fit the operation (broadcasting, matmul, reshape, concat, ...).
struct ShapeError : Error {
  using Error::Error;
};
// An index or axis outside its range.
struct IndexError : Error {
  using Error::Error;
};
// A value outside the domain of a parameter (negative learning rate, empty tensor where one is needed, ...).
struct ValueError : Error {
  using Error::Error;
};
// Misuse of the recorded graph (backward twice without retain_graph, backward of a non-scalar without a seed,
// a saved tensor modified in place before backward, ...).
struct GraphError : Error {
  using Error::Error;
};
// A NaN or Inf produced by an operation while anomaly detection is on; the message names the operation.
struct AnomalyError : Error {
  using Error::Error;
};
// A file that cannot be read or written, or whose contents are malformed; the message names the file.
struct IOError : Error {
  using Error::Error;
};

}  // namespace ad
