#!/usr/bin/env bash
# Downloads the four MNIST files (IDX format, gzip-compressed) and checks them against their published MD5 sums.
#
#   scripts/download-mnist.sh [--data-dir DIR] [--split all|train|t10k] [--verify-only]
#
#   --data-dir DIR   where the files go (default: data/mnist in this source tree, where ad::data::mnist_dir()
#                    looks unless AD_MNIST_DIR says otherwise)
#   --split S        only the training files (train), only the test files (t10k), or both (all, the default)
#   --verify-only    download nothing: report each file as ok, missing or damaged
#
# Mirrors are tried in order until one serves a file with the right MD5. MNIST_MIRROR (one base URL, or several
# separated by spaces) replaces the default list. A file already present with the right MD5 is not downloaded
# again; a download goes to a temporary name and is moved into place only once verified, so an interrupted or
# corrupted download never leaves a damaged file under the final name.
#
# Exit status: 0 when every requested file is present and verified, 1 otherwise, 2 on a usage error.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
data_dir="$root/data/mnist"
split=all
verify_only=0

usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --data-dir) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; data_dir="$2"; shift 2 ;;
    --data-dir=*) data_dir="${1#*=}"; shift ;;
    --split) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; split="$2"; shift 2 ;;
    --split=*) split="${1#*=}"; shift ;;
    --verify-only) verify_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "download-mnist.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

# The published MD5 sums of the official files.
declare -A md5=(
  [train-images-idx3-ubyte.gz]=f68b3c2dcbeaaa9fbdd348bbdeb94873
  [train-labels-idx1-ubyte.gz]=d53e105ee54ea40749a09fcbcd1e9432
  [t10k-images-idx3-ubyte.gz]=9fb629c4189551a2d022fa330f9573f3
  [t10k-labels-idx1-ubyte.gz]=ec29112dd5afa0611ce80d1b7f02629c
)
case "$split" in
  all) files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz) ;;
  train) files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz) ;;
  t10k|test) files=(t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz) ;;
  *) echo "download-mnist.sh: --split must be all, train or t10k, not '$split'" >&2; exit 2 ;;
esac

default_mirrors="https://ossci-datasets.s3.amazonaws.com/mnist https://storage.googleapis.com/cvdf-datasets/mnist http://yann.lecun.com/exdb/mnist"
read -r -a mirrors <<< "${MNIST_MIRROR:-$default_mirrors}"

md5_of() {
  if command -v md5sum > /dev/null; then md5sum "$1" | cut -d' ' -f1
  elif command -v md5 > /dev/null; then md5 -q "$1"  # macOS
  else echo "download-mnist.sh: neither md5sum nor md5 is available" >&2; exit 1
  fi
}

fetch() {  # fetch URL OUTPUT
  if command -v curl > /dev/null; then curl -fsSL --retry 2 --connect-timeout 20 -o "$2" "$1"
  elif command -v wget > /dev/null; then wget -q --tries=3 --timeout=20 -O "$2" "$1"
  else echo "download-mnist.sh: neither curl nor wget is available" >&2; return 1
  fi
}

[[ $verify_only -eq 1 ]] || mkdir -p "$data_dir"
status=0
for f in "${files[@]}"; do
  path="$data_dir/$f"
  want="${md5[$f]}"
  if [[ -f "$path" ]]; then
    got="$(md5_of "$path")"
    if [[ "$got" == "$want" ]]; then
      echo "ok       $path"
      continue
    fi
    echo "damaged  $path (MD5 $got, expected $want)"
  else
    echo "missing  $path"
  fi
  if [[ $verify_only -eq 1 ]]; then
    status=1
    continue
  fi

  tmp="$path.part.$$"
  trap 'rm -f "$tmp"' EXIT
  done_one=0
  for mirror in "${mirrors[@]}"; do
    url="${mirror%/}/$f"
    echo "fetch    $url"
    if ! fetch "$url" "$tmp"; then
      echo "  failed to download from this mirror" >&2
      continue
    fi
    got="$(md5_of "$tmp")"
    if [[ "$got" != "$want" ]]; then
      echo "  MD5 $got does not match $want; trying the next mirror" >&2
      continue
    fi
    mv -f "$tmp" "$path"
    echo "ok       $path"
    done_one=1
    break
  done
  rm -f "$tmp"
  if [[ $done_one -eq 0 ]]; then
    echo "download-mnist.sh: could not get a verified copy of $f from any mirror" >&2
    status=1
  fi
done
exit $status
