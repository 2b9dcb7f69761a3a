#!/usr/bin/env bash
# Training-step benchmark, all three implementations in one run: for each configuration, train_step (this library,
# timed interleaved with the hand-written raw-BLAS reference in one process) and then torch_train_step.py
# (PyTorch, same configuration, right after), so every ratio comes from adjacent measurements.
# Prints one markdown table: ms/step of each, ours/reference (median of the interleaved per-trial ratios; target
# <= 1.25), PyTorch/ours (targets >= 1.3 for a b c, >= 5 for d e), samples/s and GFLOP/s of ours, peak RSS of each.
# Usage: bench/run_train_step.sh [build_dir=build] [--scaling] [--csv FILE] [config...]
#   --scaling: the grid B32..B1024 (784-256-256-10, batch 32..1024) and W64..W2048 (784-W-W-10, batch 128)
#   --csv FILE: also write the rows as CSV (bench/scaling_plot draws them)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
shift || true
scaling="" csv=""
while [ $# -gt 0 ]; do
  case "$1" in
    --scaling) scaling=--scaling; shift ;;
    --csv) csv=$2; shift 2 ;;
    *) break ;;
  esac
done
if [ $# -gt 0 ]; then configs=("$@")
elif [ -n "$scaling" ]; then configs=(B32 B64 B128 B256 B512 B1024 W64 W128 W256 W512 W1024 W2048)
else configs=(a b c d e); fi
have_torch=0
/usr/bin/python3 -c "import torch" 2>/dev/null && have_torch=1

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load:$(uptime | sed 's/.*load average://')"
echo "# $("$build/bench/train_step" $scaling none | head -1 | sed 's/^# //')"
[ "$have_torch" = 1 ] && echo "# PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'), 1 torch thread" \
  || echo "# (PyTorch not importable: apt-get install python3-torch for the PyTorch columns)"
echo
echo "| config | widths | batch | ours ms | BLAS ref ms | ours/ref | PyTorch ms | PyTorch/ours | ours samples/s | ours GFLOP/s | ours RSS MiB | PyTorch RSS MiB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
[ -n "$csv" ] && echo "config,widths,batch,ours_ms,ref_ms,ours_over_ref,torch_ms,gflops_ours" > "$csv"
for c in "${configs[@]}"; do
  # train_step row: config widths batch ms/step ref_ms ours/ref samples/s GFLOP/s RSS
  o=$("$build/bench/train_step" $scaling "$c" | awk -v c="$c" '$1 == c')
  [ -n "$o" ] || { echo "unknown configuration $c" >&2; exit 2; }
  t="- - - - - - -"
  [ "$have_torch" = 1 ] && t=$(/usr/bin/python3 "$here/torch_train_step.py" $scaling "$c" | awk -v c="$c" '$1 == c')
  echo "$o $t" | awk -v csv="$csv" -v scaling="$scaling" '{
    # ours: $1 config $2 widths $3 batch $4 ms $5 ref $6 ratio $7 samples/s $8 GFLOP/s $9 RSS;
    # PyTorch: $10 config $11 widths $12 batch $13 ms $14 samples/s $15 GFLOP/s $16 RSS
    tgt = ($1 == "d" || $1 == "e") ? 5 : 1.3
    if ($13 == "-") { pt = "-"; q = "-" }
    else {
      pt = sprintf("%.4f", $13); r = $13 / $4
      q = scaling != "" ? sprintf("%.2fx", r) : sprintf("%.2fx (%s)", r, r >= tgt ? "met" : "MISSED")
    }
    rr = scaling != "" ? sprintf("%.2fx", $6) : sprintf("%.2fx (%s)", $6, $6 <= 1.25 ? "met" : "MISSED")
    printf "| %s | %s | %s | %.4f | %.4f | %s | %s | %s | %.0f | %.1f | %.1f | %s |\n", $1, $2, $3, $4, $5, rr, pt, q, $7, $8, $9, ($16 == "" ? "-" : $16)
    if (csv != "") printf "%s,%s,%s,%s,%s,%s,%s,%s\n", $1, $2, $3, $4, $5, $6, ($13 == "-" ? "" : $13), $8 >> csv
  }'
done
