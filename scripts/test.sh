#!/usr/bin/env bash
# One command: install what is missing, build everything (library, tests, examples, benchmarks) and run the
# whole test suite with ctest. Used by CI (.ci/run). AD_TEST_LONG=1 also runs the long tests.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
built=$(date +%s)
ctest --test-dir build --output-on-failure -j"$(nproc)"
end=$(date +%s)
echo "build $((built - start)) s, tests $((end - built)) s"
