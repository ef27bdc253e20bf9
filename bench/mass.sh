#!/usr/bin/env bash
# The simulated mass against its peer, Brian2 (C++ standalone, on one OpenMP thread and on two), side by side on
# this machine: the CUBA network of Brian2's examples/CUBA.py at 4000 and 40 000 neurons
# (connection probability 80/N), rates, CV of ISIs and real-time factor (wall / simulated,
# build and compilation excluded on both sides), each side on one thread and on two, interleaved,
# then the real-time capacity of the CPU backend.
# Each configuration (side, threads) runs --repeats times (3 by default), interleaved with the other side's; the
# summary at the end compares the fastest run of each side (the machine's noise only ever slows a
# run down, so the fastest is the closest to what the code costs) and gives the slowest beside it.
# usage: bench/mass.sh [--seconds S] [--seeds "1 2 3"] [--repeats R] [--sizes "4000 40000"] [--max-neurons N]
#   (JSON lines; also in bench/results/mass.json). --sizes: the sizes compared with Brian2; --max-neurons 0
#   skips the capacity sweep, so "--sizes 4000 --max-neurons 0" reruns the 4000-neuron comparison alone.
# needs: python3-brian (sudo apt-get install -y python3-brian) and g++ for the peer
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 seeds="1 2 3" repeats=3 max_neurons=800000 sizes="4000 40000"
while [ $# -gt 0 ]; do
  case "$1" in
    --max-neurons) max_neurons="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --seeds) seeds="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    *) echo "usage: bench/mass.sh [--seconds S] [--seeds \"1 2 3\"] [--repeats R] [--sizes \"4000 40000\"] [--max-neurons N]" >&2; exit 2 ;;
  esac
done
peer=../shared/peers/brian2_cuba.py
[ -f "$peer" ] || peer=/work/shared/peers/brian2_cuba.py
if ! /usr/bin/python3 -c "import brian2" 2>/dev/null; then
  echo "installing the peer: apt-get update && apt-get install -y python3-brian" >&2
  sudo=${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo )}
  $sudo apt-get update -qq # a fresh machine has no package lists: without them the package is "not found"
  $sudo apt-get install -y -qq python3-brian >/dev/null
fi
. bench/lib.sh
out=bench/results/mass.json
: > "$out"
build_cli
echo "# $(machine), brian2 $(/usr/bin/python3 -c 'import brian2; print(brian2.__version__)' 2>/dev/null)"
# What a step split over two threads pays at least once: one core seeing another's write and answering.
if [ "$(nproc)" -ge 2 ] && gcc -O2 -pthread bench/core-handoff.c -o bench/results/core-handoff 2>/dev/null; then
  echo "# core to core: $(bench/results/core-handoff)"
fi
# Each line gets stolen_ms: CPU time the hypervisor gave to other guests during that run.
# stamped SEED COMMAND...: the command's JSON line with the seed and stolen_ms added.
stamped() { local seed=$1 s0 line; shift; s0=$(steal); line=$("$@"); echo "${line%\}}, \"seed\": $seed, \"stolen_ms\": $(stolen_ms_since "$s0")}" | tee -a "$out"; }
for n in $sizes; do
  for seed in $seeds; do
    for _ in $(seq "$repeats"); do
      for threads in 1 2; do
        stamped "$seed" "${neurolink[@]}" bench mass --model cuba --neurons "$n" --seconds "$seconds" --seed "$seed" --threads "$threads"
        stamped "$seed" bash -c "/usr/bin/python3 $peer --neurons $n --seconds $seconds --seed $seed --mode cpp --threads $threads 2>/dev/null | tail -1 | sed 's/^{/{\"threads\": $threads, /'"
      done
    done
  done
done
# Real-time capacity: every 1 ms of biology within 1 ms of wall time at the 99.9th percentile.
# The sizes grow by about 1.4 until neither thread count keeps within the budget (or --max-neurons),
# so the largest size that keeps within it is measured, not assumed: the capacity lies between it
# and the next size.
budget_us=1000
for n in 25000 50000 70000 100000 140000 200000 280000 400000 560000 800000; do
  [ "$n" -le "$max_neurons" ] || break
  within=0
  for threads in 1 2; do
    line=$(stamped 1 "${neurolink[@]}" bench mass --model cuba --neurons "$n" --seconds "$seconds" --seed 1 --threads "$threads")
    echo "$line"
    p999=$(echo "$line" | /usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["ms_wall_us"]["p999"])')
    /usr/bin/python3 -c "import sys; sys.exit(0 if $p999 <= $budget_us else 1)" && within=1
  done
  [ "$within" = 1 ] || break
done
/usr/bin/python3 - "$out" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
compared = {r["neurons"] for r in runs if "peer" in r}  # the sizes Brian2 ran
print("# speed: fastest run of each side (of its threads x repeats), the slowest in brackets; speed-up = Brian2 / Neurolink")
speed = {}
for r in runs:
    if "peer" in r or r["neurons"] in compared:
        side = "brian2" if "peer" in r else "neurolink"
        speed.setdefault((r["neurons"], r["seed"]), {}).setdefault(side, []).append((r["rtf"], r["threads"]))
for (n, seed), sides in sorted(speed.items()):
    if len(sides) < 2:
        continue
    ours, peer = min(sides["neurolink"]), min(sides["brian2"])
    print(f"cuba {n} seed {seed}: neurolink {ours[0]:.4f} ({ours[1]} thr) [{max(sides['neurolink'])[0]:.4f}], "
          f"brian2 {peer[0]:.4f} ({peer[1]} thr) [{max(sides['brian2'])[0]:.4f}], speed-up {peer[0] / ours[0]:.1f}x")
print("# real-time capacity: wall time per 1 ms of biology, p50 / p99 / p99.9 (us)")
capacity = [r for r in runs if "peer" not in r and r["neurons"] not in compared]
for r in capacity:
    w = r["ms_wall_us"]
    print(f"cuba {r['neurons']} {r['threads']} thr: {w['p50']} / {w['p99']} / {w['p999']}, stolen {r['stolen_ms']} ms")
for threads in sorted({r["threads"] for r in capacity}):
    sizes = sorted((r["neurons"], r["ms_wall_us"]["p999"]) for r in capacity if r["threads"] == threads)
    within = [n for n, p in sizes if p <= 1000]
    beyond = [n for n, p in sizes if p > 1000 and (not within or n > max(within))]
    if not within:
        print(f"capacity, {threads} thr: none of the sizes run keeps every ms within 1 ms at p99.9")
    elif beyond:
        print(f"capacity, {threads} thr: {max(within)} neurons in real time at p99.9, {min(beyond)} not")
    else:
        print(f"capacity, {threads} thr: {max(within)} neurons in real time at p99.9 (the largest size run)")
PY
