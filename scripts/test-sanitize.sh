#!/usr/bin/env bash
# The test suite under sanitizers; CI (.ci/run) runs it after scripts/test.sh.
#   1. AddressSanitizer with LeakSanitizer + UndefinedBehaviorSanitizer, in build-asan/: the libraries, the examples
#      and every ctest test (each doctest case of ad_tests, the examples' smoke test, and whatever else is registered),
#      built without MPI: the data-parallel code (dist/) and its mpirun tests are in the Release build only.
#   2. ThreadSanitizer, in build-tsan/: the libraries and ad_thread_tests, the test files that start threads
#      (tests/test_threads.cpp, tests/test_tape.cpp), so the rest of the suite is not compiled a third time.
# Any report makes the test that produced it exit non-zero (ASan/LSan/TSan stop at the first report, UBSan too with
# -fno-sanitize-recover), so ctest fails and so does this script.
# Compiling is most of the cost (a sanitizer build compiles 3-5x slower than a plain one, and the two xtensor TUs of
# autodiff/ take minutes each), so: no benchmarks, line tables only (-g1, enough for the reports), and the ASan build
# at -O0, which measured half the compile time of -O1 (6.5 vs 13 CPU minutes) for ~45 s more test time on 2 cores.
# The TSan build compiles only a few files and runs longer tests, so it stays at -O1.
# AD_SANITIZE_ONLY=address or AD_SANITIZE_ONLY=thread runs one of the two.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs="$(nproc)"
only="${AD_SANITIZE_ONLY:-}"
configure() {  # configure BUILD_DIR SANITIZER FLAGS [CMAKE OPTIONS...]
  cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="$3" -DCMAKE_C_FLAGS_SANITIZE="$3" \
        -DAD_SANITIZE="$2" -DAD_BUILD_BENCH=OFF "${@:4}" >/dev/null
}
# No abort_on_error: a sanitizer that raises SIGABRT while holding its internal locks can deadlock in doctest's
# signal handler (seen with TSan and g++ 12); the default is to exit with a non-zero code, which is all CI needs.
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1

if [[ -z "$only" || "$only" == address ]]; then
  start=$(date +%s)
  # Without MPI (AD_WITH_MPI=OFF): this build also proves that the project builds and passes without it (and
  # MPI's own allocations would be reported as leaks).
  configure build-asan address "-O0 -g1" -DAD_BUILD_EXAMPLES=ON -DAD_WITH_MPI=OFF
  cmake --build build-asan -j"$jobs"
  built=$(date +%s)
  ctest --test-dir build-asan --output-on-failure -j"$jobs"
  end=$(date +%s)
  echo "ASan+UBSan: build $((built - start)) s, tests $((end - built)) s"
fi

if [[ -z "$only" || "$only" == thread ]]; then
  start=$(date +%s)
  configure build-tsan thread "-O1 -g1" -DAD_BUILD_EXAMPLES=OFF
  cmake --build build-tsan -j"$jobs" --target ad_thread_tests
  built=$(date +%s)
  ctest --test-dir build-tsan --output-on-failure -R '^thread_tests_tsan$'
  end=$(date +%s)
  echo "TSan: build $((built - start)) s, tests $((end - built)) s"
fi
