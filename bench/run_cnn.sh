#!/usr/bin/env bash
# The convolutional network of examples/cnn against PyTorch 1.13 on this machine, side by side:
#  1. one training step of PyTorch's MNIST-example network (forward, cross-entropy, backward, Adam) at batch 64 on
#     28x28 images, float32: bench/cnn_step (ours) and bench/torch_cnn.py, each with 1 and 2 threads, alternating in
#     every round; the table gives medians over rounds of each round's median, and the median of the per-round
#     ratios PyTorch's better setting / our better setting;
#  2. the convolution kernels alone (ours, --layers): GFLOP/s of conv forward and backward as a share of this
#     machine's sgemm peak at the same thread count;
#  3. peak RSS and time of one epoch of training on Fashion-MNIST: examples/cnn against bench/torch_mnist.py --net cnn
#     (same network, optimizer, batch size, all 60,000 images, no validation part).
# Usage: bench/run_cnn.sh [build_dir=build] [rounds=5]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
median=$(cat "$here/median.awk")  # the awk function median(a, n)
build=${1:-$here/../build}
rounds=${2:-5}
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "PyTorch is needed: apt-get install python3-torch" >&2; exit 2; }
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $("$here/cpu_model.sh"), load:$(uptime | sed 's/.*load average://')"
echo "# PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), oneDNN (mkldnn) $(/usr/bin/python3 -c 'import torch; print(torch.backends.mkldnn.is_available())')"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# Rows: round implementation threads median_ms min_ms
for r in $(seq "$rounds"); do
  for th in 1 2; do
    "$build/bench/cnn_step" mnist --threads $th --reps 30 | awk -v r="$r" '$1 == "mnist" { print r, "ours", $5, $3, $4 }' >>"$tmp"
    /usr/bin/python3 "$here/torch_cnn.py" --threads $th --reps 30 | awk -v r="$r" '{ print r, "torch", $5, $3, $4 }' >>"$tmp"
  done
done
echo
echo "| one training step, batch 64 | ours 1 thread ms | ours 2 threads ms | PyTorch 1 thread ms | PyTorch 2 threads ms | PyTorch best / ours best |"
echo "|---|---|---|---|---|---|"
awk "$median"'
  { ms[$1, $2, $3] = $4; rounds[$1] = 1 }
  END {
    n = 0
    for (r in rounds) {
      n++; o1[n] = ms[r, "ours", 1]; o2[n] = ms[r, "ours", 2]; t1[n] = ms[r, "torch", 1]; t2[n] = ms[r, "torch", 2]
      ob = o1[n] < o2[n] ? o1[n] : o2[n]; tb = t1[n] < t2[n] ? t1[n] : t2[n]; q[n] = tb / ob
    }
    printf "| MNIST-example network | %.1f | %.1f | %.1f | %.1f | %.2fx |\n", median(o1, n), median(o2, n), median(t1, n),
           median(t2, n), median(q, n)
  }' "$tmp"
echo
echo "## Convolution kernels alone (ours): layer direction ms GFLOP/s share-of-sgemm-peak"
for th in 1 2; do "$build/bench/cnn_step" --layers --threads $th --reps 20 | grep -v '^mnist'; done
echo
echo "## Kernel choice (forward, 1 thread): im2col + GEMM against a direct loop nest"
"$build/bench/conv_kernels"
data=/usr/share/datasets/fashion-mnist
if [[ -s $data/t10k-images-idx3-ubyte.gz ]]; then
  peak() {  # runs "$@", prints its RESULT line and its peak RSS in MiB
    /usr/bin/python3 - "$@" <<'PY'
import resource, subprocess, sys
out = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=True).stdout
result = [l for l in out.splitlines() if l.startswith("RESULT")]
print(result[-1] if result else "RESULT (none)")
print("peak_rss_mib %.1f" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0))
PY
  }
  echo
  echo "## One epoch on Fashion-MNIST (60,000 images, batch 64, 2 threads): peak RSS and time"
  ours=$(peak "$build/examples/cnn" --epochs 1 --val-fraction 0 --threads 2 --out /tmp/ad_cnn_rss --progress lines)
  echo "ours (examples/cnn): $ours" | tr '\n' ' '; echo
  theirs=$(peak /usr/bin/python3 "$here/torch_mnist.py" --net cnn --epochs 1 --batch-size 64 --threads 2 --data-dir "$data")
  echo "PyTorch (bench/torch_mnist.py --net cnn): $theirs" | tr '\n' ' '; echo
fi
