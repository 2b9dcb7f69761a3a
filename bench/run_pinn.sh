#!/usr/bin/env bash
# PINN loss-and-gradient benchmark, this library and PyTorch side by side: one evaluation = forward, u_x and u_xx by
# double backward (create_graph), the loss, backward to the weights, in double precision. Rounds alternate
# bench/pinn_step (ours, 1 thread) and bench/torch_pinn.py (PyTorch, 1 and 2 threads) so that each ratio comes
# from adjacent measurements. The table gives the median over rounds of each round's median, the median of the
# per-round ratios against PyTorch's better setting, and the fastest single evaluation of each over all rounds
# (PyTorch's times vary widely on this VM: its allocator returns large blocks to the OS and faults them back in).
# Usage: bench/run_pinn.sh [build_dir=build] [rounds=5]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
median=$(cat "$here/median.awk")  # the awk function median(a, n)
build=${1:-$here/../build}
rounds=${2:-5}
/usr/bin/python3 -c "import torch" 2>/dev/null || { echo "PyTorch is needed: apt-get install python3-torch" >&2; exit 2; }
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $("$here/cpu_model.sh"), load:$(uptime | sed 's/.*load average://')"
echo "# PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)'); ours: $("$build/bench/pinn_step" --reps 1 poisson | head -1 | sed 's/^# //')"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# Rows: round implementation problem median_ms gflops min_ms
for r in $(seq "$rounds"); do
  for p in poisson burgers; do
    reps=$([ $p = poisson ] && echo 1000 || echo 15)
    "$build/bench/pinn_step" --reps "$reps" $p | awk -v r="$r" '$1 !~ /^#/ { print r, "ours", $1, $3, $6, $4 }' >>"$tmp"
    for th in 1 2; do
      /usr/bin/python3 "$here/torch_pinn.py" --reps "$reps" --threads $th $p |
        awk -v r="$r" -v th="$th" '{ print r, "torch" th, $1, $3, "-", $4 }' >>"$tmp"
    done
  done
done
echo
echo "| problem | ours ms | PyTorch 1 thread ms | PyTorch 2 threads ms | PyTorch best / ours | fastest evaluation: ours, PyTorch (ratio) | ours GEMM GFLOP/s |"
echo "|---|---|---|---|---|---|---|"
for p in poisson burgers; do
  awk -v p="$p" "$median"'
    $3 == p {
      ms[$1, $2] = $4; if ($2 == "ours") gf[$1] = $5; rounds[$1] = 1
      k = $2 == "ours" ? "ours" : "torch"
      if (!(k in fastest) || $6 < fastest[k]) fastest[k] = $6
    }
    END {
      n = 0
      for (r in rounds) { n++; o[n] = ms[r, "ours"]; t1[n] = ms[r, "torch1"]; t2[n] = ms[r, "torch2"]
                          best = t1[n] < t2[n] ? t1[n] : t2[n]; q[n] = best / o[n]; g[n] = gf[r] }
      printf "| %s | %.3f | %.3f | %.3f | %.2fx | %.3f, %.3f (%.2fx) | %.1f |\n", p, median(o, n), median(t1, n),
             median(t2, n), median(q, n), fastest["ours"], fastest["torch"], fastest["torch"] / fastest["ours"], median(g, n)
    }' "$tmp"
done
