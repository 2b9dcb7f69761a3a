#!/usr/bin/env bash
# A rank that fails makes the whole run end, quickly and with a non-zero status, never a hang
# (tests/dist/failure_probe.cpp): for each way rank 1 can fail, mpirun -np 2 must return non-zero within 30 s
# (the guard `timeout 120` would report 124), and a thrown error must be printed with the rank that threw it.
#   failure.sh MPIEXEC PROBE
set -uo pipefail
mpiexec=$1 probe=$2
failures=0
for mode in throw uncaught kill exit; do
  start=$(date +%s.%N)
  timeout 120 "$mpiexec" -np 2 --oversubscribe "$probe" "$mode" >/tmp/ad_failure_$$.log 2>&1
  status=$?
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  verdict=ok
  if [[ $status -eq 0 ]]; then
    verdict="exited 0"
  elif [[ $status -eq 124 ]]; then
    verdict="hung (killed by the 120 s guard)"
  elif (($(echo "$seconds > 30" | bc))); then
    verdict="took ${seconds} s"
  elif [[ $mode == throw ]] && ! grep -q "rank 1 of 2: a failure on purpose in epoch 2; ending every rank" /tmp/ad_failure_$$.log; then
    verdict="no message naming rank 1 and the error"
  elif [[ $mode == uncaught ]] && ! grep -q "rank 1 of 2: uncaught exception: a failure on purpose" /tmp/ad_failure_$$.log; then
    verdict="no message naming rank 1 and the uncaught exception"
  fi
  if [[ $verdict == ok ]]; then
    printf 'ok   rank 1 %-8s -> the run ended with status %d in %.1f s\n' "$mode" "$status" "$seconds"
  else
    echo "FAIL rank 1 $mode: $verdict; output:"
    sed 's/^/    /' /tmp/ad_failure_$$.log | head -30
    failures=$((failures + 1))
  fi
done
rm -f /tmp/ad_failure_$$.log
exit $((failures > 0))
