#!/usr/bin/env bash
# Smoke test of the example programs (examples/): each one runs with few epochs and small data into a temporary
# directory and must exit 0, print a RESULT line, write metrics.csv with a training loss that is lower in the last
# epoch than in the first, and write its SVG pictures. Usage errors must exit 2 and --help 0. --save / --load
# reproduce a model's test accuracy exactly; Ctrl-C exits 130 and --resume ends where an uninterrupted run ends.
#
#   tests/smoke_examples.sh BIN_DIR           short run (~15 s), registered with ctest as examples_smoke
#   tests/smoke_examples.sh --long BIN_DIR    every example with its default settings, checking the quality targets
#                                             of docs/examples.md (means over seeds 1-10 for digits and
#                                             breast_cancer; about 2.5 minutes); ctest's examples_long runs it only
#                                             when AD_TEST_LONG=1 and reports it skipped otherwise (exit 77)
#
# BIN_DIR is the build directory holding the example binaries (build/examples).
set -uo pipefail

long=0
if [[ "${1:-}" == "--long" ]]; then
  long=1
  shift
fi
bin="${1:?usage: smoke_examples.sh [--long] BIN_DIR}"
if [[ $long == 1 && "${AD_TEST_LONG:-0}" != 1 ]]; then
  echo "examples_long: skipped (set AD_TEST_LONG=1 to run every example with its default settings)"
  exit 77
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run NAME ARGS...: runs bin/NAME with --out tmp/NAME and the arguments; output in tmp/NAME.log.
run() {
  local name="$1"
  shift
  local start=$SECONDS
  "$bin/${name%%:*}" --out "$tmp/$name" "$@" >"$tmp/$name.log" 2>&1
  local status=$?
  checks=$((checks + 1))
  if [[ $status -ne 0 ]]; then
    fail "$name exited with status $status; its output ends with:"
    tail -n 20 "$tmp/$name.log" | sed 's/^/    /'
    return 1
  fi
  grep -q '^RESULT ' "$tmp/$name.log" || fail "$name printed no RESULT line"
  echo "ok   $name ($((SECONDS - start)) s): $(grep '^RESULT ' "$tmp/$name.log" | tail -n 1)"
}

# check_svgs NAME FILE...: each file exists in NAME's output directory and is an SVG picture.
check_svgs() {
  local name="$1" f
  shift
  for f in "$@"; do
    checks=$((checks + 1))
    if [[ ! -s "$tmp/$name/$f" ]]; then
      fail "$name wrote no $f"
    elif ! grep -q '<svg' "$tmp/$name/$f"; then
      fail "$name: $f is not an SVG picture"
    fi
  done
}

# check_outputs NAME FILE...: metrics.csv with a decreasing "loss" column, and each SVG file.
check_outputs() {
  local name="$1"
  shift
  local csv="$tmp/$name/metrics.csv"
  checks=$((checks + 1))
  if [[ ! -s "$csv" ]]; then
    fail "$name wrote no $csv"
  else
    local verdict
    verdict=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "loss") col = i; next }
                       col && NR == 2 { first = $col }
                       col { last = $col; rows++ }
                       END { if (!col) print "no loss column";
                             else if (rows < 2) print "fewer than two epochs";
                             else if (!(last + 0 < first + 0)) print "loss did not decrease: " first " -> " last;
                             else print "ok" }' "$csv")
    [[ "$verdict" == ok ]] || fail "$name: $csv: $verdict"
  fi
  check_svgs "$name" "$@"
}

# result_of NAME KEY: the value of KEY in NAME's last RESULT line.
result_of() {
  grep '^RESULT ' "$tmp/$1.log" | tail -n 1 | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# same_result A B KEY: runs A and B printed the same value of KEY (a saved model reproduces its result exactly).
same_result() {
  local a b
  a=$(result_of "$1" "$3")
  b=$(result_of "$2" "$3")
  checks=$((checks + 1))
  if [[ -z "$a" || "$a" != "$b" ]]; then
    fail "$3 of $2 is '$b', not the '$a' of $1"
  else
    echo "     $2: $3 = $b, as $1"
  fi
}

# without_time CSV: the file without its "time" column (seconds) (the only one that differs between identical runs).
without_time() {
  awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "time") skip = i }
                    { out = ""; for (i = 1; i <= NF; i++) if (i != skip) out = out (out == "" ? "" : ",") $i; print out }' "$1"
}

# mean_at_least NAME KEY MIN: runs NAME with seeds 1-10 (two at a time) and checks the mean of KEY.
mean_at_least() {
  local name="$1" key="$2" min="$3" seed mean
  for seed in 1 2 3 4 5 6 7 8 9 10; do echo "$seed"; done |
    xargs -P 2 -I{} sh -c "'$bin/$name' --seed {} --out '$tmp/$name.seed{}' --progress lines >'$tmp/$name.seed{}.log' 2>&1"
  mean=$(cat "$tmp/$name".seed*.log | grep '^RESULT ' | tr ' ' '\n' |
         awk -F= -v k="$key" '$1 == k { s += $2; n++ } END { if (n == 10) printf "%.5f", s / n }')
  checks=$((checks + 1))
  if [[ -z "$mean" ]]; then
    fail "$name: not all ten seeds printed $key"
  elif ! awk -v v="$mean" -v m="$min" 'BEGIN { exit !(v + 0 >= m + 0) }'; then
    fail "$name: mean $key over seeds 1-10 = $mean, below the target $min"
  else
    echo "     $name: mean $key over seeds 1-10 = $mean >= $min"
  fi
}

# result_at_least NAME KEY MIN: the value of KEY in NAME's RESULT line is >= MIN.
result_at_least() {
  local value
  value=$(result_of "$1" "$2")
  checks=$((checks + 1))
  if [[ -z "$value" ]]; then
    fail "$1: no $2 in its RESULT line"
  elif ! awk -v v="$value" -v m="$3" 'BEGIN { exit !(v + 0 >= m + 0) }'; then
    fail "$1: $2 = $value, below the target $3"
  else
    echo "     $1: $2 = $value >= $3"
  fi
}

# result_at_most NAME KEY MAX: NAME's RESULT line has KEY <= MAX (an error, a time).
result_at_most() {
  local value
  value=$(result_of "$1" "$2")
  checks=$((checks + 1))
  if [[ -z "$value" ]]; then
    fail "$1: no $2 in its RESULT line"
  elif ! awk -v v="$value" -v m="$3" 'BEGIN { exit !(v + 0 <= m + 0) }'; then
    fail "$1: $2 = $value, above the target $3"
  else
    echo "     $1: $2 = $value <= $3"
  fi
}

# expect_status STATUS DESCRIPTION COMMAND...: the command exits with STATUS.
expect_status() {
  local want="$1" what="$2"
  shift 2
  "$@" >"$tmp/status.log" 2>&1
  local got=$?
  checks=$((checks + 1))
  if [[ $got -ne $want ]]; then
    fail "$what: exit status $got, expected $want"
    sed 's/^/    /' "$tmp/status.log" | head -n 5
  fi
}

# A tiny MNIST-like data set in IDX format (gzip-compressed, as distributed), so the mnist example can be tested
# without the real files: class k is a bright bar in rows 2k+3..2k+5 plus noise, and every 7th image has a random
# label (so some test images are misclassified, and misclassified.svg has something to show).
make_idx() {
  python3 - "$1" <<'EOF'
import gzip, random, struct, sys
out = sys.argv[1]
rng = random.Random(7)
for split, n in (("train", 600), ("t10k", 200)):
    bars = [i % 10 for i in range(n)]
    labels = [rng.randrange(10) if i % 7 == 0 else k for i, k in enumerate(bars)]
    pixels = bytearray()
    for k in bars:
        for r in range(28):
            for c in range(28):
                bar = 2 * k + 3 <= r <= 2 * k + 5 and 4 <= c < 24
                pixels.append(min(255, (200 if bar else 0) + rng.randrange(40)))
    with gzip.open(f"{out}/{split}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28) + bytes(pixels))
    with gzip.open(f"{out}/{split}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + bytes(labels))
EOF
}

start=$SECONDS
if [[ $long == 0 ]]; then
  # Command-line handling, on one example (all share the parser).
  expect_status 0 "gates --help" "$bin/gates" --help
  grep -q '^Usage: gates' "$tmp/status.log" || fail "gates --help printed no usage"
  expect_status 2 "an unknown option" "$bin/gates" --no-such-option
  expect_status 2 "a malformed number" "$bin/gates" --epochs 12x
  expect_status 2 "a missing value" "$bin/gates" --lr
  expect_status 2 "an unknown optimizer" "$bin/gates" --optimizer bogus
  expect_status 2 "a bad --hidden list" "$bin/mnist" --hidden 256,,128
  expect_status 2 "a non-positive learning rate" "$bin/digits" --lr 0
  expect_status 2 "a positional argument" "$bin/regression" extra
  grep -q "error: unexpected argument 'extra'" "$tmp/status.log" || fail "no clear error for a positional argument"

  run gates --epochs 300 --seed 3 && check_outputs gates loss.svg accuracy.svg boundary_xor.svg boundary_and.svg boundary_or.svg
  result_at_least gates xor_accuracy 1
  run regression --samples 400 --epochs 30 --hidden 32 && check_outputs regression loss.svg r2.svg fit.svg
  run digits --epochs 3 && check_outputs digits loss.svg accuracy.svg confusion.svg misclassified.svg
  run digits:minmax --epochs 3 --scaling minmax --optimizer nesterov --lr 0.05 --schedule step &&
    check_outputs digits:minmax loss.svg accuracy.svg confusion.svg
  run digits_grid --epochs 3 --hidden-grid 50:100,50 --lrs 0.1,1 --l2s 0.0001,0.01 &&
    check_outputs digits_grid loss.svg accuracy.svg train_accuracy.svg val_accuracy.svg
  [[ -s "$tmp/digits_grid/grid.csv" && $(wc -l <"$tmp/digits_grid/grid.csv") -eq 9 ]] ||
    fail "digits_grid: grid.csv does not have a header and 8 rows"
  # The chosen model, saved, reproduces its test accuracy exactly.
  run digits_grid:load --load "$tmp/digits_grid/best_model.npz" --epochs 0 &&
    same_result digits_grid digits_grid:load test_accuracy

  # Keep the work: --save, then --load --epochs 0 gives the same test accuracy, bit for bit.
  run digits:save --epochs 4 --save "$tmp/digits.npz" && run digits:load --load "$tmp/digits.npz" --epochs 0 &&
    same_result digits:save digits:load test_accuracy
  # Ctrl-C finishes the batch, writes the run checkpoint and the pictures, and exits with 130; --resume continues
  # to the end; the resumed run ends where an uninterrupted one does.
  "$bin/digits" --out "$tmp/digits:int" --epochs 100000 --patience 0 --progress lines >"$tmp/digits:int.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    [[ -s "$tmp/digits:int/metrics.csv" && $(wc -l <"$tmp/digits:int/metrics.csv") -ge 3 ]] && break
    sleep 0.1
  done
  kill -INT "$pid"
  wait "$pid"
  status=$?
  checks=$((checks + 1))
  if [[ $status -ne 130 ]]; then
    fail "digits after Ctrl-C: exit status $status, expected 130"
  elif [[ ! -s "$tmp/digits:int/run.npz" ]]; then
    fail "digits after Ctrl-C wrote no run.npz"
  else
    echo "ok   digits:int: Ctrl-C -> exit 130 and $(basename "$tmp/digits:int/run.npz")"
    check_svgs digits:int loss.svg accuracy.svg
    epochs=$(($(wc -l <"$tmp/digits:int/metrics.csv") + 1))
    run digits:int --epochs "$epochs" --patience 0 --resume &&
      run digits:whole --epochs "$epochs" --patience 0 && same_result digits:int digits:whole test_accuracy &&
      cmp -s <(without_time "$tmp/digits:int/metrics.csv") <(without_time "$tmp/digits:whole/metrics.csv") ||
      fail "digits: the resumed run's metrics.csv differs from an uninterrupted run's"
  fi
  mkdir -p "$tmp/idx" && make_idx "$tmp/idx"
  run mnist --dataset mnist --data-dir "$tmp/idx" --epochs 3 --hidden 32 --batch-size 32 &&
    check_outputs mnist loss.svg accuracy.svg confusion.svg misclassified.svg
  if [[ -s /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]]; then
    run mnist:fashion --dataset fashion --train-limit 3000 --test-limit 1000 --epochs 2 --optimizer adamw &&
      check_outputs mnist:fashion loss.svg accuracy.svg confusion.svg misclassified.svg
  else
    echo "skip mnist:fashion (no /usr/share/datasets/fashion-mnist; apt-get install dataset-fashion-mnist)"
  fi
  expect_status 1 "mnist without data files" "$bin/mnist" --dataset mnist --data-dir "$tmp/nowhere" --out "$tmp/x"
  grep -q "download-mnist.sh" "$tmp/status.log" || fail "mnist without data does not point to download-mnist.sh"
  # Data-parallel training: two ranks under mpirun train, and only rank 0 prints its RESULT and writes the files
  # (AD_SMOKE_MPI=1: the examples were built with MPI); without MPI, --distributed is a clear error.
  if [[ "${AD_SMOKE_MPI:-0}" == 1 ]]; then
    for program in mnist cnn; do
      name="$program:dist"
      OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 300 mpirun -np 2 --oversubscribe \
        "$bin/$program" --distributed --dataset mnist --data-dir "$tmp/idx" --train-limit 300 --test-limit 100 \
        --batch-size 32 --epochs 2 --out "$tmp/$name" >"$tmp/$name.log" 2>&1
      status=$?
      checks=$((checks + 1))
      if [[ $status -ne 0 ]]; then
        fail "mpirun -np 2 $program --distributed exited with status $status:"
        tail -n 20 "$tmp/$name.log" | sed 's/^/    /'
      elif [[ $(grep -c '^RESULT ' "$tmp/$name.log") -ne 1 ]]; then
        fail "mpirun -np 2 $program --distributed printed $(grep -c '^RESULT ' "$tmp/$name.log") RESULT lines (rank 0 only: 1)"
      else
        echo "ok   $name (mpirun -np 2): $(grep '^RESULT ' "$tmp/$name.log")"
        check_outputs "$name" loss.svg accuracy.svg confusion.svg
      fi
    done
  else
    expect_status 1 "mnist --distributed without MPI" "$bin/mnist" --distributed --dataset mnist --data-dir "$tmp/idx" \
      --epochs 1 --out "$tmp/x"
    grep -q "this build has no MPI" "$tmp/status.log" || fail "mnist --distributed without MPI does not say why"
  fi
  # The convolutional network on the tiny IDX set: both networks, every picture, and --save / --load exactly.
  # A few hundred images; under the sanitizers (AD_SMOKE_SANITIZED=1, set by the sanitizer builds' ctest) 96.
  cnn_limits=(--train-limit 300 --test-limit 100)
  [[ "${AD_SMOKE_SANITIZED:-0}" == 1 ]] && cnn_limits=(--train-limit 96 --test-limit 32 --batch-size 32)
  run cnn --dataset mnist --data-dir "$tmp/idx" "${cnn_limits[@]}" --epochs 2 --save "$tmp/cnn.npz" &&
    check_outputs cnn loss.svg accuracy.svg confusion.svg filters.svg feature_maps.svg &&
    run cnn:load --dataset mnist --data-dir "$tmp/idx" "${cnn_limits[@]}" --load "$tmp/cnn.npz" \
      --epochs 0 && same_result cnn cnn:load test_accuracy
  run cnn:lenet5 --net lenet5 --dataset mnist --data-dir "$tmp/idx" "${cnn_limits[@]}" --epochs 2 \
    --threads 1 &&
    check_outputs cnn:lenet5 loss.svg accuracy.svg confusion.svg filters.svg feature_maps.svg
  expect_status 2 "cnn with an unknown network" "$bin/cnn" --net vgg --out "$tmp/x"
  run breast_cancer --epochs 5 --optimizer rmsprop && check_outputs breast_cancer loss.svg accuracy.svg roc.svg confusion.svg
  run resnet2d --epochs 15 --samples 300 --dataset moons --optimizer adagrad --lr 0.05 &&
    check_outputs resnet2d loss.svg accuracy.svg decision_boundary.svg
  run resnet2d:sgd --epochs 5 --samples 200 --optimizer momentum --lr 0.05 &&
    check_outputs resnet2d:sgd loss.svg decision_boundary.svg
  run resnet2d:notebook --notebook --epochs 50 && check_outputs resnet2d:notebook loss.svg decision_boundary.svg
  run breast_cancer:cv --cv 3 --epochs 3
  run gates:linear --hidden none --epochs 200 && result_at_least gates:linear and_accuracy 1
  run optimizers --epochs 5 && check_svgs optimizers loss.svg accuracy.svg
  run activations && check_svgs activations relu.svg sigmoid.svg derivatives.svg
  # The Poisson PINN with its defaults takes a few seconds: its target is checked here too.
  # Under the sanitizers 200 Adam steps and 300 L-BFGS iterations (rel. error 6e-6 in Release, 10x less work: the
  # default run took 229 of the ASan smoke test's 332 s).
  poisson_args=()
  [[ "${AD_SMOKE_SANITIZED:-0}" == 1 ]] && poisson_args=(--adam-steps 200 --lbfgs-iterations 300)
  run pinn_poisson "${poisson_args[@]}" && check_svgs pinn_poisson solution.svg error.svg loss.svg &&
    result_at_most pinn_poisson rel_l2_error 1e-4
  run pinn_burgers --points 400 --adam-steps 30 --lbfgs-iterations 30 &&
    check_svgs pinn_burgers solution.svg error.svg snapshots.svg loss.svg
else
  run gates && check_outputs gates loss.svg accuracy.svg boundary_xor.svg boundary_and.svg boundary_or.svg
  for g in xor and or; do result_at_least gates ${g}_accuracy 1; done
  run regression && check_outputs regression loss.svg r2.svg fit.svg && result_at_least regression test_r2 0.99
  run digits && check_outputs digits loss.svg accuracy.svg confusion.svg misclassified.svg
  # The learning-quality targets are means over seeds 1-10 (docs/examples.md).
  mean_at_least digits test_accuracy 0.983
  run digits_grid && check_outputs digits_grid loss.svg accuracy.svg train_accuracy.svg val_accuracy.svg
  run breast_cancer && check_outputs breast_cancer loss.svg accuracy.svg roc.svg confusion.svg
  mean_at_least breast_cancer test_accuracy 0.978
  mean_at_least breast_cancer auc 0.996
  if [[ -s /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]]; then
    # Ten seeds of Fashion-MNIST take about 15 minutes: seed 1 only, against its own measured figure's floor.
    run mnist --dataset fashion && check_outputs mnist loss.svg accuracy.svg confusion.svg misclassified.svg &&
      result_at_least mnist test_accuracy 0.895
    # PyTorch's MNIST-example network on Fashion-MNIST, defaults (about 15 minutes on 2 cores; docs/examples.md).
    run cnn && check_outputs cnn loss.svg accuracy.svg confusion.svg filters.svg feature_maps.svg &&
      result_at_least cnn test_accuracy 0.925
  fi
  run resnet2d && check_outputs resnet2d loss.svg accuracy.svg decision_boundary.svg &&
    result_at_least resnet2d test_accuracy 0.97
  run resnet2d:notebook --notebook && check_outputs resnet2d:notebook loss.svg decision_boundary.svg &&
    result_at_least resnet2d:notebook test_accuracy 0.97
  run optimizers && check_svgs optimizers loss.svg accuracy.svg
  run activations && check_svgs activations derivatives.svg
  run pinn_poisson && result_at_most pinn_poisson rel_l2_error 1e-4
  # Raissi et al.'s Burgers setup, in under 10 minutes (docs/examples.md).
  run pinn_burgers && check_svgs pinn_burgers solution.svg error.svg snapshots.svg loss.svg &&
    result_at_most pinn_burgers rel_l2_error 1e-3 && result_at_most pinn_burgers seconds 600
fi

echo "examples took $((SECONDS - start)) s"
echo "examples: $((checks - failures)) passed, $failures failed"
[[ $failures -eq 0 ]]
