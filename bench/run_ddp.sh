#!/usr/bin/env bash
# Data-parallel training on this machine (bench/RESULTS.md "Data-parallel training", docs/distributed.md):
#  1. training-step throughput of MLP configs b, c and the cnn example's network at their global batch (128, 256,
#     64): one process with 1 thread, one process with 2 threads, and `mpirun -np 2` with 1 thread per rank (each
#     rank half the batch, gradients averaged by DistributedDataParallel), alternating in every round; medians over
#     rounds of each round's median step, and the data-parallel run's compute / exposed / alone / hidden columns
#     (bench/ddp_step.cpp says what they are);
#  2. allreduce latency and bandwidth over 2 ranks (bench/allreduce.cpp), the constants of the step-time model.
# Usage: bench/run_ddp.sh [build_dir=build] [rounds=5]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
median=$(cat "$here/median.awk")  # the awk function median(a, n)
build=${1:-$here/../build}
rounds=${2:-5}
[[ -x "$build/bench/ddp_step" ]] || { echo "$build/bench/ddp_step is missing: configure with MPI (scripts/install-deps.sh)" >&2; exit 2; }
mpirun=(mpirun)  # 2 ranks on 2 cores: no --oversubscribe (it makes idle ranks yield, doubling the latency)
[[ $(id -u) == 0 ]] && mpirun+=(--allow-run-as-root)
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $("$here/cpu_model.sh"), load:$(uptime | sed 's/.*load average://')"
echo "# $(mpirun --version | head -n 1)"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# Rows: round setting config step_ms compute_ms exposed_ms alone_ms
for r in $(seq "$rounds"); do
  "$build/bench/ddp_step" --threads 1 | awk -v r="$r" 'NR > 1 { print r, "p1t1", $1, $6, "-", "-", "-" }' >>"$tmp"
  "$build/bench/ddp_step" --threads 2 | awk -v r="$r" 'NR > 1 { print r, "p1t2", $1, $6, "-", "-", "-" }' >>"$tmp"
  "${mpirun[@]}" -np 2 "$build/bench/ddp_step" --threads 1 |
    awk -v r="$r" 'NR > 1 { print r, "p2t1", $1, $6, $8, $9, $10 }' >>"$tmp"
done
echo
echo "| config | global batch | 1 process, 1 thread: ms (samples/s) | 1 process, 2 threads | 2 ranks x 1 thread | 2 ranks / 1x1 | 2 ranks / 1x2 | 2 ranks: compute ms | exposed ms | allreduce alone ms | hidden |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
awk "$median"'
  { k = $2 SUBSEP $3; n[k]++; step[k, n[k]] = $4; if ($2 == "p2t1") { comp[$3, n[k]] = $5; expo[$3, n[k]] = $6; alone[$3, n[k]] = $7 } }
  END {
    split("b c cnn", configs, " "); batch["b"] = 128; batch["c"] = 256; batch["cnn"] = 64
    for (ci = 1; ci <= 3; ci++) {
      c = configs[ci]
      for (s = 1; s <= 3; s++) {
        set = s == 1 ? "p1t1" : s == 2 ? "p1t2" : "p2t1"; m = n[set, c]
        for (i = 1; i <= m; i++) a[i] = step[set SUBSEP c, i]
        med[set] = median(a, m)
      }
      m = n["p2t1", c]
      for (i = 1; i <= m; i++) a[i] = comp[c, i]; mc = median(a, m)
      for (i = 1; i <= m; i++) a[i] = expo[c, i]; me = median(a, m)
      for (i = 1; i <= m; i++) a[i] = alone[c, i]; ma = median(a, m)
      hidden = 1 - me / ma; if (hidden < 0) hidden = 0; if (hidden > 1) hidden = 1
      printf "| %s | %d | %.3f (%.0f) | %.3f (%.0f) | %.3f (%.0f) | %.2fx | %.2fx | %.3f | %.3f | %.3f | %.0f%% |\n", c, batch[c],
             med["p1t1"], batch[c] / med["p1t1"] * 1e3, med["p1t2"], batch[c] / med["p1t2"] * 1e3,
             med["p2t1"], batch[c] / med["p2t1"] * 1e3, med["p1t1"] / med["p2t1"], med["p1t2"] / med["p2t1"],
             mc, me, ma, 100 * hidden
    }
  }' "$tmp"
echo
echo "Allreduce over 2 ranks (float32 sum, median of many; busbw = 2 (N - 1) / N * bytes / time):"
"${mpirun[@]}" -np 2 "$build/bench/allreduce"
