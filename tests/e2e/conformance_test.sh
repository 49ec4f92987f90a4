#!/usr/bin/env bash
# Conformance: zabitan-sender against the official zabbix_sender, 6.0.14 or 7.0.22 (its -V
# decides; zabitan-sender then runs with --compat 6.0, or with its default, 7.0), on the same
# inputs and the same local recording trapper. For every case both must produce the same recorded values
# (host, key, value, clock, ns; each item's values in the same order), the same closing line
# ("sent: …" or "Sending failed. …"), the same exit code, and the number of values the case
# says zabbix_sender records (so a case where both record nothing passes only when that is the
# expected outcome). Each case is a check of tests/lib/check.sh. Where zabitan-sender differs
# from 7.0.22 on purpose, a `differs` case proves both sides of the difference (README, "Which
# zabbix_sender").
# Usage: conformance_test.sh ZABBIX_SENDER ZABITAN_SENDER TRAPPER_SINK WORKDIR
set -euo pipefail
ref=$1 ours=$2 sink=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/conformance
refver=$("$ref" -V | head -n 1 | grep -oE '[0-9]+\.[0-9]+' | head -n 1)
case $refver in
  6.0) ours_opts="--compat 6.0" ;;
  7.0) ours_opts="" ;;  # the default
  *) echo "FAIL reference $ref: version '$refver', expected 6.0 or 7.0" >&2; exit 1 ;;
esac
echo "reference: $("$ref" -V | head -n 1); zabitan-sender${ours_opts:+ $ours_opts}"
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=../lib/check.sh
. "$here/../lib/check.sh"
check_init "$work"
sink_pids=()  # the sinks a case started: they end with it
cleanup() { for p in "${sink_pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
# shellcheck disable=SC2034  # read by check (tests/lib/check.sh)
CHECK_CLEANUP=cleanup

# Starts a sink in MODE recording values to FILE (X.jsonl) and the hosts of each request to
# X.requests; sets sink_port once it listens.
start_sink() {
  local mode=$1 record=$2 ready
  ready=$(mktemp -u "$work/ready.XXXXXX")
  "$sink" --port 0 --ready-file "$ready" --record "$record" --record-requests "${record%.jsonl}.requests" \
    --mode "$mode" >/dev/null 2>>"$work/sink.log" &
  sink_pids+=($!)
  wait_for -p "$!" "[[ -s $ready ]]"
  sink_port=$(<"$ready")
}
stop_sink() { kill "${sink_pids[-1]}"; wait "${sink_pids[-1]}" 2>/dev/null || true; }

# A closed port: bind, learn the number, close.
closed_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Sorts records stably by item, so both senders' files compare equal when every item got the
# same values in the same order (values of different items may interleave differently).
by_item() { python3 -c '
import json,sys
rows=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows.sort(key=lambda r:(r["host"],r["key"]))
for r in rows: print(json.dumps(r,sort_keys=True,ensure_ascii=False))' "$1"; }

# run_pair NAME MODE ARGS [STDIN]: zabbix_sender, then zabitan-sender, each against a sink of its
# own in MODE, with ARGS (@PORT@, @DOWN@ and @CORPUS@ replaced); sets code[ref] and code[ours]
# (an associative array of the caller's) and leaves NAME.{ref,ours}.{jsonl,out,err} in WORKDIR.
run_pair() {
  local name=$1 mode=$2 args=$3 stdin=${4:-/dev/null} who bin rec a
  for who in ref ours; do
    bin=$ref
    if [[ $who == ours ]]; then bin=$ours; fi
    rec=$work/$name.$who.jsonl
    : >"$rec"
    start_sink "$mode" "$rec"
    a=${args//@PORT@/$sink_port}
    a=${a//@DOWN@/$(closed_port)}
    a=${a//@CORPUS@/$corpus}
    if [[ $who == ours ]]; then a="$ours_opts $a"; fi
    code[$who]=0
    # shellcheck disable=SC2086  # ARGS is a word list on purpose
    eval "\"$bin\" $a" <"$stdin" >"$work/$name.$who.out" 2>"$work/$name.$who.err" || code[$who]=$?
    stop_sink
  done
}

# conform [--usage] NAME MODE VALUES "ARGS with @PORT@, @DOWN@ and @CORPUS@" [stdin file]
# Both senders against a sink in MODE: same exit code, same closing line, same values, and
# zabbix_sender recorded VALUES of them. --usage: an option error; the closing line is not
# compared, since zabitan-sender prints a one-line reason where zabbix_sender prints its usage.
conform() {
  local usage=0
  if [[ $1 == --usage ]]; then usage=1; shift; fi
  local name=$1 mode=$2 values=$3 args=$4 stdin=${5:-/dev/null}
  local -A code last
  run_pair "$name" "$mode" "$args" "$stdin"
  last[ref]=$(tail -n 1 "$work/$name.ref.out")
  last[ours]=$(tail -n 1 "$work/$name.ours.out")
  by_item "$work/$name.ref.jsonl" >"$work/$name.ref.sorted"
  by_item "$work/$name.ours.jsonl" >"$work/$name.ours.sorted"
  echo "exit codes: zabbix_sender ${code[ref]}, zabitan-sender ${code[ours]}"
  echo "closing lines: zabbix_sender '${last[ref]}', zabitan-sender '${last[ours]}'"
  echo "values: zabbix_sender $(wc -l <"$work/$name.ref.jsonl"), zabitan-sender $(wc -l <"$work/$name.ours.jsonl"), expected $values"
  [[ ${code[ref]} == "${code[ours]}" ]]
  if ((!usage)); then [[ ${last[ref]} == "${last[ours]}" ]]; fi
  [[ $(wc -l <"$work/$name.ref.jsonl") == "$values" ]]
  diff "$work/$name.ref.sorted" "$work/$name.ours.sorted" >"$work/$name.diff"
  echo "info: exit ${code[ref]}, '${last[ref]}', $values values"
}
run_case() {
  if [[ $1 == --usage ]]; then check "$2" conform "$@"; else check "$1" conform "$@"; fi
}

# grouped NAME VALUES "ARGS": -g (zabbix_sender 7.0's "send to each host in a separate batch"):
# conform, and every request either sender made holds the values of one host.
grouped() {
  local name=$1 values=$2 args=$3 stdin=${4:-/dev/null} who
  conform "$name" success "$values" "$args" "$stdin"
  for who in ref ours; do
    python3 -c '
import json,sys
reqs=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("%s: %d requests, hosts per request: %s" % (sys.argv[2], len(reqs), sorted({len(r) for r in reqs})))
sys.exit(0 if reqs and all(len(r) == 1 for r in reqs) else 1)' "$work/$name.$who.requests" "$who"
  done
}

# differs NAME MODE REF_VALUES OUR_VALUES: a known, deliberate difference from zabbix_sender 7.0
# on a 1234-value input against a sink in MODE: it records REF_VALUES, says "sent: 1234" and
# exits 0; zabitan-sender records OUR_VALUES, says "Sending failed" and exits 1.
differs() {
  local name=$1 mode=$2 ref_values=$3 our_values=$4
  local -A code
  run_pair "$name" "$mode" "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
  echo "zabbix_sender: exit ${code[ref]}, '$(tail -n 1 "$work/$name.ref.out")', $(wc -l <"$work/$name.ref.jsonl") values"
  echo "zabitan-sender: exit ${code[ours]}, '$(tail -n 1 "$work/$name.ours.out")', $(wc -l <"$work/$name.ours.jsonl") values"
  [[ ${code[ref]} == 0 && $(tail -n 1 "$work/$name.ref.out") == "sent: 1234; skipped: 0; total: 1234" ]]
  [[ $(wc -l <"$work/$name.ref.jsonl") == "$ref_values" ]]
  [[ ${code[ours]} == 1 && $(tail -n 1 "$work/$name.ours.out") == "Sending failed. Use option -vv for more detailed output." ]]
  [[ $(wc -l <"$work/$name.ours.jsonl") == "$our_values" ]]
  echo "info: differs on purpose: zabbix_sender 7.0 exit 0 'sent: 1234' after '$mode'; zabitan-sender exit 1"
}

seq 1 1234 | awk '{printf "host%d key.%d %d\n", $1 % 5, $1 % 17, $1}' >"$work/1234.txt"

run_case tricky           success 19   "-z 127.0.0.1 -p @PORT@ -s dash-host -i @CORPUS@/tricky.txt"
run_case many             success 1234 "-z 127.0.0.1 -p @PORT@ -i $work/1234.txt"
run_case timestamps       success 4    "-z 127.0.0.1:@PORT@ -T -i @CORPUS@/timestamps.txt"
run_case ns               success 3    "-z 127.0.0.1:@PORT@ -T -N -i @CORPUS@/ns.txt"
run_case stdin            success 1234 "-z 127.0.0.1:@PORT@ -i -" "$work/1234.txt"
run_case single           success 1    "-z 127.0.0.1 -p @PORT@ -s 'web 01' -k 'key[\"a b\"]' -o ' spaced  value '"
run_case long-options     success 1    "--zabbix-server 127.0.0.1 --port @PORT@ --host h --key k --value v"
run_case failed-values    fail1   1234 "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
run_case no-info          noinfo  1234 "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
if [[ $refver == 6.0 ]]; then
  run_case response-failed  failed  250  "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
  run_case closed-early     close   250  "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
else
  # zabbix_sender 7.0.22 takes a "failed" reply, or a connection closed without one, as sent: it
  # goes on with the next batches and ends "sent: 1234", exit 0, though nothing was stored.
  # zabitan-sender keeps 6.0's rule: it stops at the first failed exchange, "Sending failed",
  # exit 1 (with --spool the values wait there), so a script never takes a loss for a success.
  check response-failed differs response-failed failed 1234 250
  check closed-early differs closed-early close 1234 250
fi
run_case garbage-reply    garbage 250  "-z 127.0.0.1:@PORT@ -i $work/1234.txt"
run_case nothing-listens  success 0    "-z 127.0.0.1:@DOWN@ -i $work/1234.txt"
run_case one-of-two-down  success 1234 "-z '127.0.0.1:@DOWN@,127.0.0.1:@PORT@' -i $work/1234.txt"
run_case ha-failover      success 1234 "-z '127.0.0.1:@DOWN@;127.0.0.1:@PORT@' -i $work/1234.txt"
run_case duplicate-addr   success 0    "-z '127.0.0.1:@PORT@,127.0.0.1:@PORT@' -i $work/1234.txt"
run_case --usage missing-value success 0 "-z 127.0.0.1:@PORT@ -s h -k k"
run_case --usage unknown-option success 0 "-z 127.0.0.1:@PORT@ -s h -k k -o v --bogus"
run_case --usage repeated-option success 0 "-z 127.0.0.1:@PORT@ -s h -k k -o v -k k2"
run_case --usage ns-without-t success 0 "-z 127.0.0.1:@PORT@ -N -i @CORPUS@/ns.txt"
# Nothing read: a bad first line (6.0.14: "Sending failed. …", exit 1; 7.0.22: "sent: 0;
# skipped: 1; total: 1", exit 0), a file that cannot be opened (both: "Sending failed. …",
# exit 1), and an empty input ("sent: 0; …", exit 0).
run_case bad-line-only    success 0    "-z 127.0.0.1:@PORT@ -i @CORPUS@/bad-line-only.txt"
run_case bad-line-only-vv success 0    "-z 127.0.0.1:@PORT@ -vv -i @CORPUS@/bad-line-only.txt"
run_case no-input-file    success 0    "-z 127.0.0.1:@PORT@ -i @CORPUS@/no-such-file.txt"
run_case empty-input      success 0    "-z 127.0.0.1:@PORT@ -i -"

{ head -n 260 "$work/1234.txt"; echo; tail -n 40 "$work/1234.txt"; } >"$work/bad260.txt"
if [[ $refver == 7.0 ]]; then
  # A bad line: zabbix_sender 7.0.22 sends every value before it, stops reading there and ends
  # "sent: N; skipped: 1; total: N+1", exit 0; so does zabitan-sender (--compat 7.0).
  run_case bad-line-260      success 260 "-z 127.0.0.1:@PORT@ -i $work/bad260.txt"
  run_case dash-without-host success 15  "-z 127.0.0.1:@PORT@ -i @CORPUS@/tricky.txt"
  # -g, new in 7.0: one host per request (1234: five hosts of about 247 values; a host of more
  # than one request: 700 values of two hosts and one of a third).
  seq 1 700 | awk '{printf "%s key.%d %d\n", ($1 % 2 ? "zeta" : "alpha"), $1 % 4, $1}' >"$work/700.txt"
  echo "mid k 1" >>"$work/700.txt"
  check group grouped group 1234 "-z 127.0.0.1:@PORT@ -g -i $work/1234.txt"
  check group-long grouped group-long 701 "-z 127.0.0.1:@PORT@ --group -i $work/700.txt"
  check group-stdin-realtime grouped group-stdin-realtime 1234 "-z 127.0.0.1:@PORT@ -g -r -i -" "$work/1234.txt"
  run_case --usage group-without-input success 0 "-z 127.0.0.1:@PORT@ -g -s h -k k -o v"
  run_case --usage group-twice success 0 "-z 127.0.0.1:@PORT@ -g -g -i $work/1234.txt"
  check_summary
  exit
fi

# A bad line, --compat 6.0: zabbix_sender 6.0.14 drops up to 249 values it had accepted before
# it and prints "Sending failed. …"; zabitan-sender delivers every one of them and says so
# ("sent: N; …").
# Both exit 1. Expected: what zabbix_sender records for the lines before the bad one alone.
bad_line() {
  local name=$1 file=$2 bad=$3 rec=$work/$1.expected.jsonl ours_rec=$work/$1.ours.jsonl
  head -n $((bad - 1)) "$file" >"$work/$name.prefix"
  : >"$rec"
  : >"$ours_rec"
  start_sink success "$rec"
  "$ref" -z 127.0.0.1 -p "$sink_port" -i "$work/$name.prefix" >/dev/null
  stop_sink
  [[ $(wc -l <"$rec") == $((bad - 1)) ]]  # every line before the bad one is a value
  start_sink success "$ours_rec"
  # shellcheck disable=SC2086  # the options are words
  expect_exit 1 "$ours" $ours_opts -z 127.0.0.1 -p "$sink_port" -i "$file" >"$work/$name.ours.out" \
    2>"$work/$name.ours.err"
  stop_sink
  by_item "$rec" >"$work/$name.expected.sorted"
  by_item "$ours_rec" >"$work/$name.ours.sorted"
  diff "$work/$name.expected.sorted" "$work/$name.ours.sorted" >"$work/$name.diff"
  grep -q ":$bad: " "$work/$name.ours.err"
  [[ $(tail -n 1 "$work/$name.ours.out") == "sent: $((bad - 1)); skipped: 0; total: $((bad - 1))" ]]
  echo "info: exit 1, $(wc -l <"$ours_rec") values before line $bad delivered: $(cat "$work/$name.ours.err")"
}
check bad-line-260 bad_line bad-line-260 "$work/bad260.txt" 261
check dash-without-host bad_line dash-without-host "$corpus/tricky.txt" 16

# -g is 7.0's: zabbix_sender 6.0.14 refuses it (its usage, exit 1, nothing sent); zabitan-sender
# takes it whatever --compat says (one host per request), since refusing an option only costs
# the user the values.
group_on_6() {
  local -A code
  run_pair group-6.0 success "-z 127.0.0.1:@PORT@ -g -i $work/1234.txt"
  echo "zabbix_sender: exit ${code[ref]}, $(wc -l <"$work/group-6.0.ref.jsonl") values; zabitan-sender: exit ${code[ours]}, $(wc -l <"$work/group-6.0.ours.jsonl") values"
  [[ ${code[ref]} == 1 && ! -s $work/group-6.0.ref.jsonl ]]
  [[ ${code[ours]} == 0 && $(wc -l <"$work/group-6.0.ours.jsonl") == 1234 ]]
  echo "info: differs on purpose: zabbix_sender 6.0 has no -g; zabitan-sender --compat 6.0 takes it"
}
check group-6.0 group_on_6

check_summary
