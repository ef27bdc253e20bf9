#!/usr/bin/env bash
# Sustained ingest (issue 4): a paced emulator replaying pre-rendered RAW_SAMPLES at 30 kHz,
# the transport, the driver's reader thread, the acquisition ring and one consumer thread.
#   1. 6144 channels for 60 s, in process and over TCP loopback: losses by cause, CPU, allocations per frame
#   2. a sweep upwards (20 s each) to find the most channels held with zero loss, then that
#      channel count again for the full time
# The emulated device has a 64 MiB FIFO (170 ms at 6144 channels), as USB acquisition boards do.
# usage: bench/ingest.sh [--seconds S] [--sweep-seconds S] [--no-sweep]     (JSON lines; also in bench/results/ingest.json)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60 sweep_seconds=20 sweep=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --sweep-seconds) sweep_seconds="$2"; shift 2 ;;
    --no-sweep) sweep=0; shift ;;
    *) echo "usage: bench/ingest.sh [--seconds S] [--sweep-seconds S] [--no-sweep]" >&2; exit 2 ;;
  esac
done
mkdir -p bench/results
out=bench/results/ingest.json
: > "$out"
dotnet build -c Release bench/Neurolink.Benchmarks -v quiet -nologo >/dev/null
bench=(dotnet bench/Neurolink.Benchmarks/bin/Release/net10.0/Neurolink.Benchmarks.dll ingest --fifo-bytes 67108864)
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
for transport in inproc tcp; do
  "${bench[@]}" --channels 6144 --seconds "$seconds" --transport "$transport" --json "$out"
done
if [ "$sweep" = 1 ]; then
  for transport in inproc tcp; do
    best=6144
    for channels in 8192 12288 16384 20480 24576 32768; do
      line=$("${bench[@]}" --channels "$channels" --seconds "$sweep_seconds" --transport "$transport" --json "$out")
      echo "$line"
      case "$line" in *'"zero_loss":true'*) best=$channels ;; *) break ;; esac
    done
    [ "$best" = 6144 ] || "${bench[@]}" --channels "$best" --seconds "$seconds" --transport "$transport" --json "$out"
  done
fi
