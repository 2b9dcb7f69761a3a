// The doctest runner of the data-parallel tests, started by mpirun (tests/dist/CMakeLists.txt): every rank runs every
// test case, in the same order, since the cases call collectives. Rank 0 reports successes and failures, the other
// ranks only their failures; mpirun's exit status is non-zero when any rank failed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "dist/comm.h"

int main(int argc, char** argv) {
  ad::dist::Session mpi(&argc, &argv);
  doctest::Context context(argc, argv);
  if (ad::dist::rank() != 0) context.setOption("minimal", true);
  const int failed = context.run();
  return failed == 0 ? 0 : 1;
}
