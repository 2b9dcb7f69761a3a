#!/usr/bin/env bash
# Installs the Debian 12 packages this project builds with, if any is missing. Safe to run repeatedly.
#   xtensor + xsimd (values, elementwise math), xtensor-blas + OpenBLAS (matrix products), doctest (tests),
#   zlib (.npz checkpoints, gzip-compressed IDX files), numpy (to check that NumPy reads our checkpoints),
#   Fashion-MNIST (60,000 + 10,000 IDX images, for the mnist example and the reader tests on real files),
#   pkg-config (the package test builds a program with the installed .pc file), clang-format (the format check),
#   OpenMPI (libopenmpi-dev, openmpi-bin: data-parallel training, dist/, and its tests under mpirun; optional for
#   the build, which leaves ad::dist out without it).
# Set AD_SKIP_APT=1 to skip (e.g. when the packages come from elsewhere).
set -euo pipefail
packages=(build-essential cmake pkg-config clang-format xtensor-dev libxsimd-dev libxtensor-blas-dev libopenblas-dev
          doctest-dev zlib1g-dev python3-numpy dataset-fashion-mnist libopenmpi-dev openmpi-bin)
[ "${AD_SKIP_APT:-0}" = 1 ] && exit 0
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing missing packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
