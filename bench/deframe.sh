#!/usr/bin/env bash
# The deframer benchmark of issue 2, C# and C side by side in one run:
# RAW_SAMPLES frames of 1024 channels x 32 samples (64 MiB), fed in 64 KiB reads, deframed and
# CRC-checked, against a plain memory copy of the same bytes measured in the same process.
# usage: bench/deframe.sh [--frames N] [--repeats R]      (prints JSON lines; writes bench/results/)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results

cmake -S firmware-protocol/c -B firmware-protocol/c/build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build firmware-protocol/c/build -j"$(nproc)" >/dev/null
dotnet build -c Release bench/Neurolink.Benchmarks -v quiet -nologo >/dev/null

echo "# $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), one thread each"
dotnet bench/Neurolink.Benchmarks/bin/Release/net10.0/Neurolink.Benchmarks.dll deframe "$@" --json bench/results/deframe-csharp.json
firmware-protocol/c/build/nl_bench "$@" | tee bench/results/deframe-c-table.json
if [ -x firmware-protocol/c/build/nl_bench_hw ]; then
  firmware-protocol/c/build/nl_bench_hw "$@" | tee bench/results/deframe-c-sse42.json
fi
