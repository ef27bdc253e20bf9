#!/usr/bin/env bash
# The closed loop, measured: 1024 channels, 1 kHz SPIKE_COUNTS frames, a 10 000-neuron mass on
# the CPU backend, loop latency from the last byte of a frame received to its trigger handed
# to the transport. Three links to the emulator: in process, TCP (neurolink emulate --listen)
# and a pseudo-terminal (neurolink emulate --pty, as a serial device); then the mass at
# dt 0.1 ms (10 steps a frame) in process, and in process with the reader and loop threads not
# pinned to one CPU (--cpu off; by default they share the last CPU), and in process with the
# frames run on the loop's own thread (--loop-thread own: the reader hands each frame over and
# wakes it) instead of on the reader thread that received them. As root it also runs the
# reader and loop threads under SCHED_FIFO (--realtime 20), in process and over TCP.
# usage: bench/loop.sh [--seconds S]   (summaries in bench/results/loop-*.json)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    *) echo "usage: bench/loop.sh [--seconds S]" >&2; exit 2 ;;
  esac
done
. bench/lib.sh
build_cli
echo "# $(machine), ${seconds} s each"

run() { # name, then bench loop options
  local name="$1"; shift
  echo "== $name"
  local s0; s0=$(steal)
  "${neurolink[@]}" bench loop --channels 1024 --neurons 10000 --seconds "$seconds" --json "bench/results/loop-$name.json" "$@"
  echo "  CPU time stolen by the hypervisor during the run: $(stolen_ms_since "$s0") ms (both cores)"
}

run in-process
[ "$(id -u)" = 0 ] && run in-process-realtime --realtime 20
"${neurolink[@]}" emulate --listen tcp://127.0.0.1:7391 --channels 1024 >/dev/null 2>&1 &
emu=$!
trap 'kill $emu 2>/dev/null || true' EXIT
sleep 3
run tcp --device tcp://127.0.0.1:7391
[ "$(id -u)" = 0 ] && run tcp-realtime --device tcp://127.0.0.1:7391 --realtime 20
kill $emu; wait $emu 2>/dev/null || true
pty_out=$(mktemp)
"${neurolink[@]}" emulate --pty --channels 1024 >"$pty_out" 2>/dev/null &
emu=$!
for _ in $(seq 50); do grep -q serial "$pty_out" && break; sleep 0.1; done
run pty --device "$(grep -m1 serial "$pty_out")"
kill $emu; wait $emu 2>/dev/null || true
rm -f "$pty_out"
run in-process-dt0.1 --dt 0.1
run in-process-unpinned --cpu off
run in-process-own-thread --loop-thread own
