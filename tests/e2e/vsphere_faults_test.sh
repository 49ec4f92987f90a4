#!/usr/bin/env bash
# zabitan-vmware when its disk or its caller turns against it (issue #17, items 1-3), against
# the govmomi simulator, a recording trapper and a real full disk (a tmpfs, tests/peers/full-disk):
#   - the state folder full: the run says the watermarks were not saved, naming the file, and
#     exits 1 (before: exit 0, nothing said, and every later run sent its whole window again);
#   - a new session that cannot be saved is logged out: three runs on a full disk leave no
#     session of theirs in the simulator (before: three logins, no logout, each a leak);
#   - a daemon whose state cannot be written goes on from its watermarks in memory: no sample
#     reaches the trapper twice;
#   - SIGTERM during a one-shot run: the cycle in progress finishes, everything collected is
#     delivered, exit 0 (before: killed, exit 143, the values read so far gone);
#   - a vSphere endpoint that never answers is given up after --timeout (before: a fixed 60 s).
# Usage: vsphere_faults_test.sh ZABITAN_VMWARE TRAPPER_SINK VCSIM_ENV FULL_DISK WORKDIR
set -euo pipefail
vmware=$1 sink=$2 env_file=$3 full_disk=$4 work=$5
"$full_disk" umount "$work/disk" 2>/dev/null || true
# shellcheck source=../lib/vcsim.sh
. "$(dirname "$0")/../lib/vcsim.sh" "$work" "$env_file"  # check.sh, $VCSIM_*, $work/pw, start_sink
trap 'vcsim_cleanup; "$full_disk" umount "$work/disk"' EXIT
CHECK_CLEANUP=vcsim_cleanup
vm_exec() { exec "$vmware" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" \
                 --ca-file "$VCSIM_CERT" --state-dir "$state" --zabbix-host vc-faults "$@"; }
vm() { "$vmware" --url "$VCSIM_URL" --user "$VCSIM_USER" --password-file "$work/pw" --ca-file "$VCSIM_CERT" \
                 --state-dir "$state" --zabbix-host vc-faults "$@"; }
# Fills the disk the state folder is on (a tmpfs of its own), keeping what is there.
fill_disk() { dd if=/dev/zero of="$work/disk/filler" bs=4k 2>/dev/null || true; }
no_sample_twice() {
  python3 - "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
perf = [(r["host"], r["key"], r["clock"]) for r in rows if ".perf[" in r["key"]]
assert perf, "no samples"
assert len(perf) == len(set(perf)), "a sample was sent twice"
PY
}
our_sessions() { "$sessions" "$env_file" list | grep -c " $VCSIM_USER\$" || true; }

full_disk_state() {
  "$full_disk" mount "$work/disk" 2m
  state=$work/disk/state
  start_sink full
  vm --zabbix-server "127.0.0.1:$port" >"$work/first.out" 2>"$work/first.err"  # state written
  fill_disk
  local rc=0
  vm --zabbix-server "127.0.0.1:$port" >"$work/full.out" 2>"$work/full.err" || rc=$?
  [[ $rc == 1 ]]
  grep -q "perf-.*\.json: .*the watermarks were not saved" "$work/full.err"
  # The session: gone from disk and the disk full, each run must log its new session out.
  rm -f "$state"/session-*
  rm -f "$work/disk/filler"
  fill_disk  # again: the freed room of the session file taken too
  local before after
  before=$(our_sessions)
  for _ in 1 2 3; do
    expect_exit 1 vm --zabbix-server "127.0.0.1:$port" >>"$work/leak.out" 2>>"$work/leak.err"
  done
  grep -q "cannot keep the session (logged out)" "$work/leak.err"
  after=$(our_sessions)
  echo "info: sessions of $VCSIM_USER before $before, after three runs $after"
  ((after <= before))
  rm -f "$work/disk/filler"
  "$full_disk" umount "$work/disk"
}

daemon_goes_on_from_memory() {
  "$full_disk" mount "$work/disk" 2m
  state=$work/disk/state
  start_sink daemon
  vm --zabbix-server "127.0.0.1:$port" --once >"$work/d0.out" 2>"$work/d0.err"  # session + caches
  fill_disk
  local n
  vm_exec --zabbix-server "127.0.0.1:$port" --daemon --interval 1 >"$work/d.out" 2>"$work/d.err" &
  local pid=$!
  pids+=("$pid")
  wait_for -p "$pid" "(( \$(grep -c 'watermarks were not saved' '$work/d.err') >= 3 ))"
  kill -TERM "$pid"
  wait "$pid" || true
  no_sample_twice "$work/daemon.jsonl"
  n=$(grep -c '\.perf\[' "$work/daemon.jsonl")
  echo "info: $n samples over 3+ cycles, none twice"
  rm -f "$work/disk/filler"
  "$full_disk" umount "$work/disk"
}

sigterm_once_delivers() {
  state=$work/state-term
  start_sink slow --delay-ms 1500  # every reply 1.5 s late: the run is mid-sending for a while
  vm_exec --zabbix-server "127.0.0.1:$port" >"$work/t.out" 2>"$work/t.err" &
  local pid=$! rc=0
  wait_for -p "$pid" "[[ -s $work/slow.jsonl ]]"  # the trapper has the first request
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  echo "info: exit $rc after SIGTERM mid-run"
  [[ $rc == 0 ]]
  grep -q 'values sent' "$work/t.out"
  # Everything collected is delivered: a second run finds nothing of this window left to send.
  local before after
  before=$(grep -c '\.perf\[' "$work/slow.jsonl")
  vm --zabbix-server "127.0.0.1:$port" >"$work/t2.out" 2>"$work/t2.err"
  no_sample_twice "$work/slow.jsonl"
  after=$(grep -c '\.perf\[' "$work/slow.jsonl")
  echo "info: $before samples delivered by the stopped run, $((after - before)) new ones by the next"
}

stalled_endpoint_cut_at_timeout() {
  # An endpoint that accepts and never answers: --timeout 2 gives up, one line (before: a fixed
  # 60 s, past this check's 30 s wait).
  python3 - "$work/stall.port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + ".tmp", "w").write(f"{s.getsockname()[1]}\n")
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept(); held.append(c)
PY
  pids+=($!)
  wait_for -p "$!" "[[ -s $work/stall.port ]]"
  state=$work/state-stall
  "$vmware" --url "http://127.0.0.1:$(<"$work/stall.port")/sdk" --user u --password-file "$work/pw" \
    --state-dir "$state" --timeout 2 --check >"$work/stall.out" 2>"$work/stall.err" &
  local pid=$! rc=0
  wait_for -t 30 "! kill -0 $pid 2>/dev/null"
  wait "$pid" || rc=$?
  [[ $rc == 1 ]]
  grep -qi 'timed out\|timeout' "$work/stall.err"
  echo "info: $(tail -n 1 "$work/stall.err")"
}

check full-disk-state full_disk_state
check stalled-endpoint-cut-at-timeout stalled_endpoint_cut_at_timeout
check daemon-goes-on-from-memory daemon_goes_on_from_memory
check sigterm-once-delivers sigterm_once_delivers
check_summary
