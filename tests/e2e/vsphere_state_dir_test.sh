#!/usr/bin/env bash
# Issue #16: a first run without the package's state folder works or says exactly what to do.
# No peer: the endpoint is unreachable on purpose, the folder is made (or refused) before that.
# Usage: vsphere_state_dir_test.sh ZABITAN_VMWARE WORKDIR
set -euo pipefail
vmware=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
run() { "$vmware" --url https://127.0.0.1:1/sdk --user u --zabbix-host x --dry-run "$@"; }

# Missing with missing parents under a writable folder: made, the folder itself 0700.
rc=0; run --state-dir "$work/a/b/vmware" 2>"$work/1.err" || rc=$?
[[ $rc == 1 ]] && grep -q 'unreachable' "$work/1.err" || { echo "FAIL made: exit $rc"; cat "$work/1.err"; exit 1; }
[[ $(stat -c %a "$work/a/b/vmware") == 700 && $(stat -c %a "$work/a/b") == 755 ]] || {
  echo "FAIL modes: $(stat -c '%a %n' "$work/a/b" "$work/a/b/vmware")"; exit 1; }
echo "ok   a missing state folder is made (0700, parents 0755)"

# A parent nobody may write: one line naming the option and the command that fixes it.
mkdir -m 0555 "$work/ro"
user=root
if [[ $(id -u) == 0 ]]; then user=nobody; chmod o+x "$work" "$(dirname "$work")"; fi
rc=0
if [[ $user == nobody ]]; then
  su nobody -s /bin/bash -c "$(printf '%q ' "$vmware") --url https://127.0.0.1:1/sdk --user u --zabbix-host x \
    --dry-run --state-dir $(printf '%q' "$work/ro/vmware")" 2>"$work/2.err" || rc=$?
else
  run --state-dir "$work/ro/vmware" 2>"$work/2.err" || rc=$?
fi
[[ $rc == 1 && $(wc -l <"$work/2.err") == 1 ]] || { echo "FAIL refused: exit $rc"; cat "$work/2.err"; exit 1; }
grep -q "state folder $work/ro/vmware: Permission denied: give --state-dir DIR .*install -d -m 0700 .* $work/ro/vmware\$" \
  "$work/2.err" || { echo "FAIL the line:"; cat "$work/2.err"; exit 1; }
echo "ok   an unwritable parent: one line naming --state-dir and the install -d that makes it"
