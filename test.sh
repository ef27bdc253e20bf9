#!/usr/bin/env bash
# Runs every test of Neurolink on a fresh machine: installs what is missing (cmake, gcc,
# libusb-1.0-0, python3-numpy, through apt-get), builds and runs the
# C reference codec's ctest suite, then every .NET test project. Prints one closing line:
#   tests: N passed, N failed
set -uo pipefail
cd "$(dirname "$0")"

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v cc >/dev/null || need+=(gcc)
# libusb comes from the OS; the USB tests load it for real.
ldconfig -p 2>/dev/null | grep -q 'libusb-1.0.so.0' || need+=(libusb-1.0-0)
# Recordings are read back with numpy, as users read them (Debian's python3-numpy).
/usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3-numpy)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is not installed: see https://learn.microsoft.com/dotnet/core/install/linux"; exit 1; }

passed=0
failed=0
status=0

echo "== C reference codec (firmware-protocol/c): cmake + ctest"
if cmake -S firmware-protocol/c -B firmware-protocol/c/build -DCMAKE_BUILD_TYPE=Release >/dev/null &&
   cmake --build firmware-protocol/c/build -j"$(nproc)" >/dev/null; then
  ctest_out=$(cd firmware-protocol/c/build && ctest --output-on-failure 2>&1)
  ctest_rc=$?
  echo "$ctest_out" | tail -n 4
  total=$(echo "$ctest_out" | sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' | tail -n1)
  bad=$(echo "$ctest_out" | sed -n 's/.*, \([0-9]*\) tests failed out of.*/\1/p' | tail -n1)
  passed=$((passed + ${total:-0} - ${bad:-0}))
  failed=$((failed + ${bad:-0}))
  [ $ctest_rc -eq 0 ] || status=1
else
  echo "the C codec did not build"
  failed=$((failed + 1))
  status=1
fi

# Release: the simulated-mass tests run long simulations (an hour of biology for the distal-reward test).
# One test project at a time (-m:1): the emulator-driven tests keep their timing without the GPU kernels (ILGPU's CPU accelerator) loading both cores.
echo "== .NET tests: dotnet test Neurolink.sln -c Release -m:1"
dotnet_out=$(dotnet test Neurolink.sln -c Release -m:1 -nologo 2>&1)
dotnet_rc=$?
echo "$dotnet_out" | grep -E "error|Failed |Passed!|Failed!" | head -n 40
# Each failed test's message and the top of its stack, so that a failure (in CI too) can be read.
echo "$dotnet_out" | grep -E -A8 "^ +Failed [A-Za-z]" | grep -v -- "^--$" | head -n 80
while read -r line; do
  f=$(echo "$line" | sed -n 's/.*Failed: *\([0-9]*\),.*/\1/p')
  p=$(echo "$line" | sed -n 's/.*Passed: *\([0-9]*\),.*/\1/p')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done < <(echo "$dotnet_out" | grep -E "^(Passed|Failed)! ")
if [ $dotnet_rc -ne 0 ]; then
  status=1
  echo "$dotnet_out" | grep -q -E "^(Passed|Failed)! " || { echo "$dotnet_out" | tail -n 30; failed=$((failed + 1)); }
fi

echo "tests: $passed passed, $failed failed"
exit $status
