#!/usr/bin/env bash
# Co-learning, measured. Decode: the mass learns to report the signal the emulated tissue
# encodes (60 s of calibration, 20 s held out), against the least-squares linear decoder fitted
# to the same spike counts: seeds 1-3 at 96 channels, the same with the hidden neurons' e-prop
# off (frozen random hidden weights), without hidden neurons, with the output neurons reading
# the hidden neurons only (the classic e-prop readout), the shuffled control, on a tissue with
# STDP of its own (stdp=1) and on one whose STDP runs 30 times as fast (stdp-rate=30), and one
# run in real time (paced emulator) at 1024 channels.
# usage: bench/learn.sh [--seeds "1 2 3"]   (JSON in bench/results/learn-*.json, pictures beside them)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="1 2 3"
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    *) echo "usage: bench/learn.sh [--seeds \"1 2 3\"]   (the driving task: bench/drive.sh)" >&2; exit 2 ;;
  esac
done
. bench/lib.sh
build_cli
echo "# $(machine)"

decode() { # name, seed, then learn decode options
  local name="$1" seed="$2"; shift 2
  printf '%-22s seed %s  ' "$name" "$seed"
  "${neurolink[@]}" learn decode --seed "$seed" --quiet --json "bench/results/learn-$name-$seed.json" --svg "bench/results/learn-$name-$seed.svg" "$@"
}
virtual="emu://?channels=96&clock=virtual"
for seed in $seeds; do decode decode "$seed" --device "$virtual"; done
for seed in $seeds; do decode frozen-hidden "$seed" --device "$virtual" --hidden-rate 0; done
for seed in $seeds; do decode no-hidden "$seed" --device "$virtual" --hidden 0; done
for seed in $seeds; do decode hidden-readout "$seed" --device "$virtual" --readout hidden; done
for seed in $seeds; do decode hidden-readout-frozen "$seed" --device "$virtual" --readout hidden --hidden-rate 0; done
for seed in $seeds; do decode shuffled "$seed" --device "$virtual" --shuffled; done
for seed in $seeds; do decode stdp-tissue "$seed" --device "$virtual&stdp=1"; done
for seed in $seeds; do decode stdp30-tissue "$seed" --device "$virtual&stdp-rate=30"; done
decode realtime-1024 1 --device "emu://?channels=1024"
