#!/usr/bin/env bash
# Prints the CPU this benchmark runs on: its model name and, for AMD, the microarchitecture its family and model
# numbers denote, since this project's VMs report only "AMD EPYC" and the Zen generations differ in speed.
# Example: "AMD EPYC, family 26 model 2 (Zen 5), 2 CPUs".
set -euo pipefail
name=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
family=$(grep -m1 'cpu family' /proc/cpuinfo | awk '{print $NF}')
model=$(grep -m1 '^model[[:space:]]' /proc/cpuinfo | awk '{print $NF}')
arch=""
if grep -q -m1 AuthenticAMD /proc/cpuinfo; then
  case "$family" in
    23) arch="Zen, Zen+ or Zen 2" ;;
    25) if (( (model >= 0x10 && model <= 0x1f) || (model >= 0x60 && model <= 0x7f) || (model >= 0xa0 && model <= 0xaf) )); then
          arch="Zen 4"
        else
          arch="Zen 3"
        fi ;;
    26) arch="Zen 5" ;;
  esac
fi
echo "$name, family $family model $model${arch:+ ($arch)}, $(nproc) CPUs"
