# Sourced by the e2e shell tests that run zabitan-vmware against the simulator (tests/peers/
# vcsim): one set-up instead of a copy in each.
#   . tests/lib/vcsim.sh WORK ENV_FILE
# empties WORK, loads tests/lib/check.sh (check_init WORK), the simulator's env file
# (VCSIM_URL, VCSIM_USER, VCSIM_PASSWORD, VCSIM_CERT…) and writes the password to WORK/pw
# (0600), and sets $sessions (tests/peers/vcsim/sessions) and an empty $pids.
# start_sink NAME [trapper-sink flags]: a recording trapper (tests/peers/trapper-sink, the
# binary in $sink) writing WORK/NAME.jsonl; sets $port and $sink_pid and adds the pid to $pids.
# The caller stops $pids (e.g. `trap cleanup EXIT` with vcsim_cleanup).
work=$1
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=check.sh
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"
check_init "$work"
# shellcheck disable=SC2034  # used by the sourcing tests
sessions=$(dirname "${BASH_SOURCE[0]}")/../peers/vcsim/sessions
# shellcheck disable=SC1090
. "$2"
printf '%s\n' "$VCSIM_PASSWORD" >"$work/pw"
chmod 600 "$work/pw"
pids=()
vcsim_cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
start_sink() {
  local name=$1; shift
  rm -f "$work/$name.ready"
  "$sink" --ready-file "$work/$name.ready" --record "$work/$name.jsonl" "$@" >/dev/null 2>&1 &
  sink_pid=$!
  pids+=("$sink_pid")
  wait_for -p "$sink_pid" "[[ -s $work/$name.ready ]]"
  port=$(<"$work/$name.ready")
}
