#!/usr/bin/env bash
# Benchmark: zabitan-sender against the official zabbix_sender 6.0.14, side by side.
# Not a timed test: it prints wall time, CPU time and peak RSS of both and their ratios; the
# targets (README "Benchmarks") are read off the output.
#
# Usage: sender_bench.sh ZABBIX_SENDER ZABITAN_SENDER TRAPPER_SINK WORKDIR [--short]
#   full:    1M values to a sink that answers at once, 200k values to a sink that waits 5 ms
#            per reply, and zabitan-sender's peak RSS at 1M and 10M values (flat = constant memory)
#   --short: 100k and 20k values (CI)
set -euo pipefail
ref=$1 ours=$2 sink=$3 work=$4 mode=${5:-full}
run_measured=${RUN_MEASURED:-$(dirname "$ours")/../tests/bench/run_measured}
mkdir -p "$work"
sink_pid=
trap '[[ -n $sink_pid ]] && kill "$sink_pid" 2>/dev/null; wait 2>/dev/null || true' EXIT

if [[ $mode == --short ]]; then fast_n=100000 slow_n=20000 big_n=0
else fast_n=1000000 slow_n=200000 big_n=10000000; fi

gen() {  # N values: 50 hosts x 200 keys, as zabbix_sender research measured
  local f=$work/in.$1.txt
  [[ -s $f ]] || awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "host%d key.%d %d\n", i % 50, i % 200, i }' >"$f"
  echo "$f"
}

start_sink() {  # DELAY_MS
  local ready=$work/ready
  rm -f "$ready"
  "$sink" --port 0 --ready-file "$ready" --delay-ms "$1" >/dev/null 2>"$work/sink.err" &
  sink_pid=$!
  for _ in $(seq 1 500); do [[ -s $ready ]] && { sink_port=$(<"$ready"); return; }; sleep 0.01; done
  echo "bench: sink did not start" >&2; exit 1
}
stop_sink() { kill "$sink_pid"; wait "$sink_pid" 2>/dev/null || true; sink_pid=; }

# measure BIN FILE PORT -> "wall_s cpu_s peak_rss_kb exit" of the fastest of 3 runs (this is a
# shared 2-core machine: the minimum is the least disturbed run). run_measured is built with the
# tests and counts forked children too.
measure() {
  local best="" run
  for _ in 1 2 3; do
    run=$("$run_measured" "$1" -z 127.0.0.1 -p "$3" -i "$2")
    if [[ -z $best ]] || awk -v a="${run%% *}" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then best=$run; fi
  done
  echo "$best"
}

row() {  # LABEL N DELAY_MS
  local label=$1 n=$2 delay=$3 file r o
  file=$(gen "$n")
  start_sink "$delay"; r=($(measure "$ref" "$file" "$sink_port")); stop_sink
  start_sink "$delay"; o=($(measure "$ours" "$file" "$sink_port")); stop_sink
  [[ ${r[3]} == 0 && ${o[3]} == 0 ]] || { echo "bench: a sender failed (exit ${r[3]} / ${o[3]})" >&2; exit 1; }
  python3 - "$label" "${r[@]}" "${o[@]}" <<'PY'
import sys
label = sys.argv[1]
rw, rc, rr = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
ow, oc, orr = float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
print(f"{label:<28} {rw:7.3f} {rc:7.3f} {rr/1024:7.1f}   {ow:7.3f} {oc:7.3f} {orr/1024:7.1f}   "
      f"{rw/max(ow,1e-3):6.1f}x {rc/max(oc,1e-3):6.1f}x")
PY
}

echo "                             zabbix_sender 6.0.14       zabitan-sender             zabitan is"
echo "case                         wall s   cpu s  rss MB   wall s   cpu s  rss MB   faster  less cpu"
row "$fast_n values, instant sink" "$fast_n" 0
row "$slow_n values, 5 ms sink" "$slow_n" 5

# Compression: what it saves on the wire and costs in CPU, and so below which link speed it pays.
file=$(gen "$fast_n")
start_sink 0; plain=($("$run_measured" "$ours" -z 127.0.0.1 -p "$sink_port" -i "$file")); stop_sink
plain_bytes=$(sed -E 's/.* ([0-9]+) bytes$/\1/' "$work/sink.err")
start_sink 0; zipped=($("$run_measured" "$ours" -z 127.0.0.1 -p "$sink_port" -i "$file" --compress)); stop_sink
zipped_bytes=$(sed -E 's/.* ([0-9]+) bytes$/\1/' "$work/sink.err")
python3 - "$fast_n" "$plain_bytes" "$zipped_bytes" "${plain[1]}" "${zipped[1]}" <<'PY'
import sys
n, pb, zb, pc, zc = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
extra = max(zc - pc, 1e-3)
saved_mb = (pb - zb) / 1e6
print("--compress, %d values: %.1f MB -> %.1f MB on the wire (%.1fx less), %.3f s more CPU: "
      "pays on links slower than about %.0f MB/s" % (n, pb / 1e6, zb / 1e6, pb / max(zb, 1), extra, saved_mb / extra))
PY

if ((big_n)); then
  file=$(gen "$big_n")
  start_sink 0; o=($(measure "$ours" "$file" "$sink_port")); stop_sink
  file1=$(gen "$fast_n")
  start_sink 0; s=($(measure "$ours" "$file1" "$sink_port")); stop_sink
  echo "zabitan-sender peak RSS: $((s[2] / 1024)) MB at $fast_n values, $((o[2] / 1024)) MB at $big_n values (${o[0]} s)"
fi
