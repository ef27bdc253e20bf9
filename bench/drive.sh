#!/usr/bin/env bash
# Learning to drive the tissue, measured: `neurolink learn drive` for 300 s of simulated time on
# emulated tissues 1-4 (64 channels), each with the default groups (raise program 2's channel 16,
# keep program 5's channel 40 silent) and with them swapped (raise 40, keep 16 silent), the task
# and its shuffled control (each reward given to an earlier pulse instead); then the task on a
# tissue that learns too (stdp=1), and the task and its control on one whose STDP runs 30 times
# as fast (stdp-rate=30); then one run in real time (the paced emulator, 300 s of wall
# time). The emulator runs in step with the loop (clock=lockstep): the frames, the loop and the
# stimulation are those of a real-time run, ten times faster here.
# The tissue's STDP makes the emulator about five times slower: two tissues by default.
# usage: bench/drive.sh [--seeds "1 2 3 4"] [--stdp-seeds "1 2"] [--fast-stdp-seeds "1 2"] [--seconds 300] [--no-realtime]
#        (JSON and SVG in bench/results/drive-*, a line per run, the tallies at the end)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="1 2 3 4" stdp_seeds="1 2" fast_seeds="1 2" seconds=300 realtime=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --stdp-seeds) stdp_seeds="$2"; shift 2 ;;
    --fast-stdp-seeds) fast_seeds="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --no-realtime) realtime=0; shift ;;
    *) echo "usage: bench/drive.sh [--seeds \"1 2 3 4\"] [--stdp-seeds \"1 2\"] [--fast-stdp-seeds \"1 2\"] [--seconds 300] [--no-realtime]" >&2; exit 2 ;;
  esac
done
. bench/lib.sh
build_cli
echo "# $(machine), ${seconds} s each"

declare -A reached runs
drive() { # kind, name, seed, then learn drive options
  local kind="$1" name="$2" seed="$3"; shift 3
  local line
  line=$("${neurolink[@]}" learn drive --seed "$seed" --seconds "$seconds" --quiet \
    --json "bench/results/drive-$name-$seed.json" --svg "bench/results/drive-$name-$seed.svg" "$@" | grep '^target')
  printf '%-16s tissue %s  %s\n' "$name" "$seed" "$line"
  runs[$kind]=$(( ${runs[$kind]:-0} + 1 ))
  if [[ "$line" == *"reached at"* ]]; then reached[$kind]=$(( ${reached[$kind]:-0} + 1 )); fi
}
lockstep="emu://?channels=64&clock=lockstep"
for seed in $seeds; do
  drive task task "$seed" --device "$lockstep"
  drive task task-swapped "$seed" --device "$lockstep" --raise 40 --silence 16
  drive control control "$seed" --device "$lockstep" --shuffled
  drive control control-swapped "$seed" --device "$lockstep" --shuffled --raise 40 --silence 16
done
for seed in $stdp_seeds; do drive stdp task-stdp "$seed" --device "$lockstep&stdp=1"; done
# A tissue whose STDP runs 30 times as fast (its weights move about 1 from their start in 300 s), and its control.
for seed in $fast_seeds; do
  drive fast task-stdp30 "$seed" --device "$lockstep&stdp-rate=30"
  drive fast-control control-stdp30 "$seed" --device "$lockstep&stdp-rate=30" --shuffled
done
if [ "$realtime" = 1 ]; then drive realtime task-realtime 1 --device "emu://?channels=64"; fi
for kind in task control stdp fast fast-control realtime; do
  if [ -n "${runs[$kind]:-}" ]; then echo "# $kind: target reached and held in ${reached[$kind]:-0} of ${runs[$kind]} runs"; fi
done
