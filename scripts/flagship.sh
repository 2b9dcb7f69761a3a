#!/usr/bin/env bash
# One command for a newcomer: install what is missing, build, and train the flagship example.
#   - MNIST (784-256-128-10 MLP) when the four MNIST files are in data/mnist (scripts/download-mnist.sh fetches them);
#   - otherwise the 8x8 digits, which ship with the project (data/sets/digits.csv.gz).
# Pictures and per-epoch metrics go to out/<example>/. Extra arguments are passed to the example (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
if [ -f data/mnist/train-images-idx3-ubyte.gz ] && [ -f data/mnist/train-labels-idx1-ubyte.gz ] &&
   [ -f data/mnist/t10k-images-idx3-ubyte.gz ] && [ -f data/mnist/t10k-labels-idx1-ubyte.gz ]; then
  example=mnist
  args=(--dataset mnist --data-dir data/mnist)
else
  example=digits
  args=()
fi
cmake --build build -j"$(nproc)" --target "$example"
./build/examples/"$example" "${args[@]}" "$@"
echo "pictures and metrics: out/$example/"
