#!/usr/bin/env bash
# The scikit-learn comparison of bench/RESULTS.md (bench/sklearn_compare.py): installs Debian's python3-sklearn if
# it is missing, then trains both on the digits and breast-cancer splits of seeds 1-10 (about 3 minutes).
# Usage: bench/run_sklearn.sh [build_dir=build] [seeds=1-10]   (a Release build with benchmarks and examples)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! /usr/bin/python3 -c "import sklearn" 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-sklearn >/dev/null
fi
exec /usr/bin/python3 "$here/sklearn_compare.py" "${1:-$here/../build}" "${2:-1-10}"
