#!/usr/bin/env bash
# The emulator benchmark of issue 3, one thread, virtual clock, 1024 channels, 10 000 neurons:
#   raw:    RAW_SAMPLES at 30 kHz with the tissue model and on-chip detection (target >= 3x real time)
#   spikes: SPIKE_EVENTS + SPIKE_COUNTS in 1 ms bins, no samples             (target >= 20x real time)
# usage: bench/emulator.sh [--seconds S] [--channels N]    (JSON lines; also in bench/results/)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
dotnet build -c Release emulator/Neurolink.Emulator.Cli -v quiet -nologo >/dev/null
emu=emulator/Neurolink.Emulator.Cli/bin/Release/net10.0/neurolink-emulator
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--channels 1024 --seconds 10)
for mode in raw spikes; do
  "$emu" bench --mode "$mode" "${args[@]}" --json "bench/results/emulator-$mode.json"
done
