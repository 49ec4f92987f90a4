#!/usr/bin/env bash
# Conformance: zabitan-sender against the official zabbix_sender 6.0.14, on the same inputs and
# the same local recording trapper. For every case both must produce the same recorded values
# (host, key, value, clock, ns; each item's values in the same order), the same closing line
# ("sent: …" or "Sending failed. …") and the same exit code.
# Usage: conformance_test.sh ZABBIX_SENDER ZABITAN_SENDER TRAPPER_SINK WORKDIR
set -euo pipefail
ref=$1 ours=$2 sink=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/conformance
rm -rf "$work" && mkdir -p "$work"
sink_pids=()
cleanup() { for p in "${sink_pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# Starts a sink in MODE recording to FILE; sets sink_port once it listens.
start_sink() {
  local mode=$1 record=$2 ready
  ready=$(mktemp -u "$work/ready.XXXXXX")
  "$sink" --port 0 --ready-file "$ready" --record "$record" --mode "$mode" >/dev/null 2>>"$work/sink.log" &
  sink_pids+=($!)
  for _ in $(seq 1 500); do
    [[ -s $ready ]] && { sink_port=$(<"$ready"); return; }
    kill -0 "${sink_pids[-1]}" 2>/dev/null || break
    sleep 0.01
  done
  echo "conformance: trapper-sink did not start" >&2; exit 1
}

# A closed port: bind, learn the number, close.
closed_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Sorts records stably by item, so both senders' files compare equal when every item got the
# same values in the same order (values of different items may interleave differently).
by_item() { python3 -c '
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows.sort(key=lambda r:(r["host"],r["key"]))
for r in rows: print(json.dumps(r,sort_keys=True,ensure_ascii=False))' "$1"; }

failures=0 cases=0
# run_case [--usage] NAME MODE "ARGS with @PORT@ and @DOWN@"   [stdin file]
# --usage: an option error; only exit codes and (no) values are compared, since zabitan-sender
# prints a one-line reason where zabbix_sender prints its usage text.
run_case() {
  local usage=0
  [[ $1 == --usage ]] && { usage=1; shift; }
  local name=$1 mode=$2 args=$3 stdin=${4:-/dev/null}
  cases=$((cases + 1))
  local -A code last
  for who in ref ours; do
    local bin=$ref; [[ $who == ours ]] && bin=$ours
    local rec=$work/$name.$who.jsonl port down
    : >"$rec"
    start_sink "$mode" "$rec"; port=$sink_port
    down=$(closed_port)
    local a=${args//@PORT@/$port}; a=${a//@DOWN@/$down}; a=${a//@CORPUS@/$corpus}
    set +e
    # shellcheck disable=SC2086  # ARGS is a word list on purpose
    eval "\"$bin\" $a" <"$stdin" >"$work/$name.$who.out" 2>"$work/$name.$who.err"
    code[$who]=$?
    set -e
    last[$who]=$(tail -n 1 "$work/$name.$who.out")
    kill "${sink_pids[-1]}"; wait "${sink_pids[-1]}" 2>/dev/null || true
  done
  local ok=1
  [[ ${code[ref]} == "${code[ours]}" ]] || { echo "  exit codes differ: zabbix_sender ${code[ref]}, zabitan-sender ${code[ours]}"; ok=0; }
  ((usage)) || [[ ${last[ref]} == "${last[ours]}" ]] || { echo "  closing lines differ:"; echo "    zabbix_sender:  ${last[ref]}"; echo "    zabitan-sender: ${last[ours]}"; ok=0; }
  if ! diff <(by_item "$work/$name.ref.jsonl") <(by_item "$work/$name.ours.jsonl") >"$work/$name.diff"; then
    echo "  recorded values differ (see $work/$name.diff):"; head -n 6 "$work/$name.diff" | sed 's/^/    /'; ok=0
  fi
  if ((ok)); then
    echo "ok   $name (exit ${code[ref]}, '${last[ref]}', $(wc -l <"$work/$name.ref.jsonl") values)"
  else
    echo "FAIL $name"; failures=$((failures + 1))
  fi
}

seq 1 1234 | awk '{printf "host%d key.%d %d\n", $1 % 5, $1 % 17, $1}' >"$work/1234.txt"

run_case tricky          success "-z 127.0.0.1 -p @PORT@ -s dash-host -i @CORPUS@/tricky.txt"
run_case many            success "-z 127.0.0.1 -p @PORT@ -i $work/1234.txt"
run_case timestamps      success "-z 127.0.0.1:@PORT@ -T -i @CORPUS@/timestamps.txt"
run_case ns              success "-z 127.0.0.1:@PORT@ -T -N -i @CORPUS@/ns.txt"
run_case stdin           success "-z 127.0.0.1:@PORT@ -i -" "$work/1234.txt"
run_case single          success "-z 127.0.0.1 -p @PORT@ -s 'web 01' -k 'key[\"a b\"]' -o ' spaced  value '"
run_case long-options    success "--zabbix-server 127.0.0.1 --port @PORT@ --host h --key k --value v"
run_case failed-values   fail1   "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
run_case response-failed failed  "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
run_case no-info         noinfo  "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
run_case closed-early    close   "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
run_case garbage-reply   garbage "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
run_case nothing-listens success "-z 127.0.0.1:@DOWN@ -i $work/1234.txt"
run_case one-of-two-down success "-z '127.0.0.1:@DOWN@,127.0.0.1:@PORT@' -i $work/1234.txt"
run_case ha-failover     success "-z '127.0.0.1:@DOWN@;127.0.0.1:@PORT@' -i $work/1234.txt"
run_case duplicate-addr  success "-z '127.0.0.1:@PORT@,127.0.0.1:@PORT@' -i $work/1234.txt"
run_case --usage missing-value success "-z 127.0.0.1:@PORT@ -s h -k k"
run_case --usage unknown-option success "-z 127.0.0.1:@PORT@ -s h -k k -o v --bogus"
run_case --usage repeated-option success "-z 127.0.0.1:@PORT@ -s h -k k -o v -k k2"
run_case --usage ns-without-t success "-z 127.0.0.1:@PORT@ -N -i @CORPUS@/ns.txt"

# A bad line: zabbix_sender 6.0.14 drops up to 249 values it had accepted before it; zabitan-sender
# delivers every one of them. Both exit 1. Expected: what zabbix_sender records for the lines
# before the bad one alone.
bad_line_case() {
  local name=$1 file=$2 bad=$3
  cases=$((cases + 1))
  head -n $((bad - 1)) "$file" >"$work/$name.prefix"
  local rec=$work/$name.expected.jsonl ours_rec=$work/$name.ours.jsonl code
  : >"$rec"; : >"$ours_rec"
  start_sink success "$rec"
  "$ref" -z 127.0.0.1 -p "$sink_port" -i "$work/$name.prefix" >/dev/null
  kill "${sink_pids[-1]}"; wait "${sink_pids[-1]}" 2>/dev/null || true
  start_sink success "$ours_rec"
  set +e; "$ours" -z 127.0.0.1 -p "$sink_port" -i "$file" >"$work/$name.ours.out" 2>"$work/$name.ours.err"; code=$?; set -e
  kill "${sink_pids[-1]}"; wait "${sink_pids[-1]}" 2>/dev/null || true
  if [[ $code == 1 ]] && diff <(by_item "$rec") <(by_item "$ours_rec") >"$work/$name.diff" &&
     grep -q ":$bad: " "$work/$name.ours.err"; then
    echo "ok   $name (exit 1, $(wc -l <"$ours_rec") values before line $bad delivered: $(cat "$work/$name.ours.err"))"
  else
    echo "FAIL $name (exit $code)"; failures=$((failures + 1))
  fi
}
{ head -n 260 "$work/1234.txt"; echo; tail -n 40 "$work/1234.txt"; } >"$work/bad260.txt"
bad_line_case bad-line-260 "$work/bad260.txt" 261
bad_line_case dash-without-host "$corpus/tricky.txt" 16

echo "$((cases - failures)) passed, $failures failed"
((failures == 0))
