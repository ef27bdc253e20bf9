#!/usr/bin/env bash
# Recording throughput: the in-process emulator at 3072 channels x 30 kHz (raw, 184 MB/s;
# source=replay so the emulator's own cost stays small) recorded in the Open Ephys layout for
# S seconds; prints what was written, the losses, and the peak memory of the process.
# usage: bench/record.sh [--seconds S] [--channels N]   (the recording goes to a temporary folder, then is removed)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=30 channels=3072
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --channels) channels="$2"; shift 2 ;;
    *) echo "usage: bench/record.sh [--seconds S] [--channels N]" >&2; exit 2 ;;
  esac
done
dotnet build -c Release src/Neurolink.Cli -v quiet -nologo >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, disk $(df -h "$out" | tail -1 | awk '{print $1}')"
/usr/bin/time -f "peak memory: %M KiB" dotnet src/Neurolink.Cli/bin/Release/net10.0/neurolink.dll record \
  "emu://?channels=$channels&source=replay" --out "$out/rec" --seconds "$seconds" 2>&1 | grep -v '^neurolink: recording'
du -sh "$out/rec" | awk '{print "on disk: " $1}'
