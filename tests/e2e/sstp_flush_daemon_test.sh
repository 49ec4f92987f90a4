#!/usr/bin/env bash
# A message spooled while the desktop was away is spoken once it is back, with no new alert
# (issue #16): the packaged zabitan-sstp-flush.service, run as its ExecStart says, against
# ninix-aya. The desktop is a port forwarder to ninix that is started only after the message
# was spooled. The unit's --every 20 becomes --every 1 here, so the test waits seconds, not
# tens of them; everything else is the unit's command line (the config path swapped for ours).
# Usage: sstp_flush_daemon_test.sh ZABITAN_SSTP SOURCE_DIR NINIX_DIR WORKDIR
set -euo pipefail
sstp=$1 src=$2 ninix_dir=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && chmod 0700 "$work"
# shellcheck disable=SC1091
source "$ninix_dir/env"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.out "$work"/*.err; do [[ -s $f ]] && sed "s|^|    $(basename "$f"): |" "$f"; done; exit 1; }

unit=$src/packaging/systemd/zabitan-sstp-flush.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[[ $exec_start == "/usr/bin/zabitan-sstp --config /etc/zabitan/zabitan.toml --flush --every "* ]] ||
  fail "the unit's ExecStart is not what this test runs: $exec_start"
every=${exec_start##* }
((every >= 1 && every <= 30)) || fail "--every $every: a message would wait more than 30 s"
read -r -a daemon <<<"${exec_start% *} 1"
daemon[0]=$sstp
daemon[2]=$work/zabitan.toml

desktop_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
cat >"$work/zabitan.toml" <<TOML
[sstp]
to = "127.0.0.1:$desktop_port"
spool = "$work/spool"
timeout = 15
TOML
token=flushd$$x$RANDOM

# 1. The desktop is away: the alert is spooled (exit 3).
rc=0; "$sstp" --config "$work/zabitan.toml" "$token back again" >"$work/alert.out" 2>&1 || rc=$?
((rc == 3)) || fail "desktop away: exit $rc, not 3"

# 2. The daemon runs; the desktop is still away, so nothing is said.
"${daemon[@]}" >"$work/daemon.out" 2>"$work/daemon.err" &
daemon_pid=$!
pids+=("$daemon_pid")
if "$src/tests/peers/ninix/last-script" "$ninix_dir" --match "$token" --wait 2 --text >/dev/null; then
  fail "spoken while the desktop was away"
fi

# 3. The desktop comes back: spoken within a few rounds, no new alert sent.
"$src/tests/peers/tcp-forward/tcp-forward" "$desktop_port" "127.0.0.1:$NINIX_PORT" "$work/forward.ready" &
pids+=($!)
shown=$("$src/tests/peers/ninix/last-script" "$ninix_dir" --match "$token" --wait 30 --text) ||
  fail "not spoken within 30 s of the desktop coming back"
[[ $shown == "$token back again" ]] || fail "ninix showed \"$shown\""
echo "ok   spooled while away, spoken by the flush daemon once the desktop is back"

# 4. The spool's lock is free between rounds: an alert sent now is delivered at once.
rc=0; "$sstp" --config "$work/zabitan.toml" --timeout 15 "$token next" >"$work/next.out" 2>&1 || rc=$?
((rc == 0)) || fail "an alert beside the daemon: exit $rc, not 0"
echo "ok   alerts are not held up by the daemon"

# 5. SIGTERM ends it with exit 0, having said what it delivered.
kill -TERM "$daemon_pid"
rc=0; wait "$daemon_pid" || rc=$?
((rc == 0)) || fail "daemon: exit $rc after SIGTERM, not 0"
grep -q ': 1 delivered, 0 expired, 0 refused, 0 left' "$work/daemon.out" || fail "daemon: no delivery line"
echo "ok   SIGTERM ends the daemon (exit 0)"
