#!/usr/bin/env bash
# Every benchmark of bench/RESULTS.md in one run: tape overhead per op, the training-step table (configs a-e:
# library, raw-BLAS reference and PyTorch), 1 vs 2 OpenBLAS threads, peak RSS of the MNIST example vs PyTorch, and
# the batch/width scaling grid with its SVG plots (bench/scaling_batch.svg, bench/scaling_width.svg).
# Takes ~10 minutes; run it on an otherwise idle machine (the load average is printed first).
# Usage: bench/run_all.sh [build_dir=build]   (a Release build with AD_BUILD_BENCH and AD_BUILD_EXAMPLES on)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
echo "# bench/run_all.sh, $(date -u "+%Y-%m-%d %H:%M UTC"), $("$here/cpu_model.sh"), load:$(uptime | sed "s/.*load average://")"
echo "# commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-unset}"
echo
echo "## 1. Tape overhead per op"
"$here/run_overhead.sh" "$build"
echo
echo "## 2. Training step, configs a-e"
"$here/run_train_step.sh" "$build"
echo
echo "## 3. OpenBLAS threads: the library's step with 1 and 2 threads, interleaved"
"$build/bench/train_step" --blas-threads
echo
echo "## 4. Peak RSS of the MNIST example vs PyTorch (2 epochs of Fashion-MNIST)"
"$here/run_mnist_rss.sh" "$build" 2
echo
echo "## 5. Scaling with batch size and width"
"$here/run_train_step.sh" "$build" --scaling --csv "$here/scaling.csv"
"$build/bench/scaling_plot" "$here/scaling.csv" "$here/scaling"
