#!/usr/bin/env bash
# The simulated mass against its peer, Brian2 (C++ standalone, on one OpenMP thread and on two), side by side on
# this machine: the CUBA network of Brian2's examples/CUBA.py at 4000 and 40 000 neurons
# (connection probability 80/N), rates, CV of ISIs and real-time factor (wall / simulated,
# build and compilation excluded on both sides), each side on one thread and on two, interleaved,
# then the real-time capacity of the CPU backend.
# usage: bench/mass.sh [--seconds S] [--seeds "1 2 3"]   (JSON lines; also in bench/results/mass.json)
# needs: python3-brian (sudo apt-get install -y python3-brian) and g++ for the peer
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 seeds="1 2 3"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    *) echo "usage: bench/mass.sh [--seconds S] [--seeds \"1 2 3\"]" >&2; exit 2 ;;
  esac
done
peer=../shared/peers/brian2_cuba.py
[ -f "$peer" ] || peer=/work/shared/peers/brian2_cuba.py
if ! /usr/bin/python3 -c "import brian2" 2>/dev/null; then
  echo "installing the peer: apt-get install -y python3-brian" >&2
  ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )} apt-get install -y python3-brian >/dev/null
fi
. bench/lib.sh
out=bench/results/mass.json
: > "$out"
build_cli
echo "# $(machine), brian2 $(/usr/bin/python3 -c 'import brian2; print(brian2.__version__)' 2>/dev/null)"
# Each line gets stolen_ms: CPU time the hypervisor gave to other guests during that run.
stamped() { local s0 line; s0=$(steal); line=$("$@"); echo "${line%\}}, \"stolen_ms\": $(stolen_ms_since "$s0")}" | tee -a "$out"; }
for n in 4000 40000; do
  for seed in $seeds; do
    for threads in 1 2; do
      stamped "${neurolink[@]}" bench mass --model cuba --neurons "$n" --seconds "$seconds" --seed "$seed" --threads "$threads"
      stamped bash -c "/usr/bin/python3 $peer --neurons $n --seconds $seconds --seed $seed --mode cpp --threads $threads 2>/dev/null | tail -1 | sed 's/^{/{\"threads\": $threads, /'"
    done
  done
done
# Real-time capacity: every 1 ms of biology within 1 ms of wall time at the 99.9th percentile.
for n in 25000 50000 70000 100000; do
  for threads in 1 2; do
    stamped "${neurolink[@]}" bench mass --model cuba --neurons "$n" --seconds "$seconds" --seed 1 --threads "$threads"
  done
done
