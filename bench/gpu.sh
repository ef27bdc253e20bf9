#!/usr/bin/env bash
# The GPU backend on a machine with an NVIDIA GPU: first its kernels against the CPU backend
# (the cross-backend tests, here on CUDA as well as on ILGPU's CPU accelerator), then the
# CUBA network at 4k, 40k, 400k and 4M neurons (80 inputs each) and the Potjans-Diesmann
# microcircuit (77 169 neurons, ~3e8 synapses), printing real-time factors (wall / simulated,
# build and kernel compilation excluded) and rates. The CPU backend runs CUBA 4k beside it.
# usage: bench/gpu.sh [--quick]     (JSON lines; also in bench/results/gpu.json)
# needs: the .NET SDK and an NVIDIA driver (ILGPU emits PTX itself: no CUDA toolkit needed)
# Target for the microcircuit: rtf below 0.27 (the best published GPU figure; see README).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[ "${1:-}" = "--quick" ] && quick=1
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L; then
  echo "bench/gpu.sh: no NVIDIA GPU here (nvidia-smi lists none); the GPU backend needs one" >&2
  exit 2
fi
mkdir -p bench/results
out=bench/results/gpu.json
: > "$out"
echo "# $(date -u +%FT%TZ) $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader), $(nproc) cores"
dotnet build -c Release Neurolink.sln -v quiet -nologo >/dev/null
timeout 300 dotnet test -c Release --no-build tests/Neurolink.Mass.Tests --filter "FullyQualifiedName~GpuBackendTests" \
  --logger "console;verbosity=normal" 2>&1 | grep -E "Passed|Failed|first difference|cuda|Total" || true
neurolink=(dotnet src/Neurolink.Cli/bin/Release/net10.0/neurolink.dll)
run() { timeout "${LIMIT:-240}" "${neurolink[@]}" bench mass "$@" | tee -a "$out" || echo "{\"failed\":\"bench mass $*\"}" | tee -a "$out"; }
if [ "$quick" = 1 ]; then
  run --model cuba --neurons 4000 --seconds 2 --backend cpu
  run --model cuba --neurons 4000 --seconds 2 --backend gpu
  run --model cuba --neurons 400000 --seconds 1 --backend gpu
  LIMIT=300 run --model pd14 --seconds 1 --backend gpu
  exit 0
fi
run --model cuba --neurons 4000 --seconds 10 --backend cpu
run --model cuba --neurons 4000 --seconds 10 --backend gpu
run --model cuba --neurons 40000 --seconds 10 --backend gpu
run --model cuba --neurons 400000 --seconds 5 --backend gpu
LIMIT=420 run --model cuba --neurons 4000000 --seconds 1 --backend gpu
LIMIT=420 run --model pd14 --seconds 5 --backend gpu
