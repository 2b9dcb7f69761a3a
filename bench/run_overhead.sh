#!/usr/bin/env bash
# Runs the tape-overhead benchmark for this library and for PyTorch in one go and prints the ratio.
# Usage: bench/run_overhead.sh [build_dir=build]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
ours=$("$build/bench/tape_overhead")
echo "$ours"
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  theirs=$(/usr/bin/python3 "$here/torch_overhead.py")
  echo "$theirs"
  o=$(echo "$ours" | sed -n 's/^RESULT fwd_bwd_ns_per_op=\([0-9.]*\).*/\1/p')
  t=$(echo "$theirs" | sed -n 's/^RESULT fwd_bwd_ns_per_op=\([0-9.]*\).*/\1/p')
  awk -v o="$o" -v t="$t" 'BEGIN { printf "ratio PyTorch / this library, forward + backward per op: %.1fx\n", t / o }'
else
  echo "(PyTorch not installed: apt-get install python3-torch for the side-by-side figure)"
fi
