#!/usr/bin/env bash
# Peak RSS and time of the MNIST example (examples/mnist) against the same training in PyTorch (bench/torch_mnist.py):
# 784-256-128-10 ReLU MLP, Adam + cosine schedule, batch 128, on Fashion-MNIST (or --data-dir). Target: ours at
# most a third of PyTorch's peak RSS. Peak RSS is the child's ru_maxrss, read by a small Python wrapper.
# Usage: bench/run_mnist_rss.sh [build_dir=build] [epochs=2]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
epochs=${2:-2}
data=/usr/share/datasets/fashion-mnist
peak() {  # runs "$@", prints its RESULT line and its peak RSS in MiB
  /usr/bin/python3 - "$@" <<'PY'
import resource, subprocess, sys
out = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True).stdout
result = [l for l in out.splitlines() if l.startswith("RESULT")]
print(result[-1] if result else "RESULT (none)")
print("peak_rss_mib %.1f" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0))
PY
}
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), Fashion-MNIST from $data, $epochs epochs, batch 128"
# The example's defaults are a larger network with dropout, a validation part and a refit: here it is told to train
# exactly what the PyTorch script trains (all 60,000 images, 784-256-128-10, no dropout).
ours=$(peak "$build/examples/mnist" --dataset fashion --data-dir "$data" --epochs "$epochs" --out /tmp/ad_mnist_rss \
  --hidden 256,128 --dropout 0 --val-fraction 0 --progress lines)
echo "## this library (examples/mnist)"; echo "$ours"
theirs=$(peak /usr/bin/python3 "$here/torch_mnist.py" --epochs "$epochs" --data-dir "$data")
echo "## PyTorch (bench/torch_mnist.py)"; echo "$theirs"
o=$(echo "$ours" | awk '/^peak_rss_mib/ { print $2 }')
t=$(echo "$theirs" | awk '/^peak_rss_mib/ { print $2 }')
awk -v o="$o" -v t="$t" 'BEGIN { printf "peak RSS: ours %.1f MiB, PyTorch %.1f MiB, ours/PyTorch %.2f (target <= 0.33: %s)\n",
  o, t, o / t, (o / t <= 1 / 3) ? "met" : "missed" }'
