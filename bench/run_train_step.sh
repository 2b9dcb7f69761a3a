#!/usr/bin/env bash
# Runs the training-step benchmark for this library (train_step), the hand-written raw-BLAS loop (blas_reference)
# and PyTorch (torch_train_step.py) in one go, then prints per configuration the ms/step of each and the ratios
# PyTorch / ours (targets: >= 1.3x for a b c, >= 5x for d e) and ours / BLAS reference (target <= 1.25x).
# Usage: bench/run_train_step.sh [build_dir=build] [config...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
shift || true
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load:$(uptime | sed 's/.*load average://')"
ours=$("$build/bench/train_step" "$@")
echo "## this library (train_step)"
echo "$ours"
ref=$("$build/bench/blas_reference" "$@")
echo "## raw BLAS reference (blas_reference)"
echo "$ref"
theirs=""
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  theirs=$(/usr/bin/python3 "$here/torch_train_step.py" "$@")
  echo "## PyTorch (torch_train_step.py)"
  echo "$theirs"
else
  echo "(PyTorch not importable: apt-get install python3-torch for the PyTorch column)"
fi
# Table rows are "config widths batch ms/step ...": keep config and ms/step.
rows() { awk '$1 ~ /^[a-e]$/ { print $1, $4 }'; }
echo
awk -v with_torch="$([ -n "$theirs" ] && echo 1 || echo 0)" '
  FNR == 1 { file++ }
  file == 1 { ours[$1] = $2; order[++n] = $1 }
  file == 2 { ref[$1] = $2 }
  file == 3 { pt[$1] = $2 }
  END {
    printf "| config | ours ms | BLAS ref ms | PyTorch ms | PyTorch/ours (target) | ours/BLAS ref (target <= 1.25x) |\n"
    printf "|---|---|---|---|---|---|\n"
    for (i = 1; i <= n; i++) {
      c = order[i]; o = ours[c]; r = ref[c]
      tgt = (c == "d" || c == "e") ? 5 : 1.3
      if (with_torch && (c in pt)) {
        t = sprintf("%.4f", pt[c]); q = pt[c] / o
        tr = sprintf("%.2fx (>= %gx: %s)", q, tgt, q >= tgt ? "met" : "missed")
      } else { t = "-"; tr = "-" }
      rr = o / r
      printf "| %s | %.4f | %.4f | %s | %s | %.2fx (%s) |\n", c, o, r, t, tr, rr, rr <= 1.25 ? "met" : "missed"
    }
  }' <(echo "$ours" | rows) <(echo "$ref" | rows) <(echo "$theirs" | rows)
