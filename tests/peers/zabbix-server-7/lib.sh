# shellcheck shell=bash
# Shared by the scripts of tests/peers/zabbix-server-7: where the cached Debian 13 root lives,
# and how a host-side caller runs a program inside it.
#
# The root is built once per machine by ./install and never changed after (it is mounted read-only
# for every use), so any number of stacks, proxies and senders can share it at the same time.

# What goes into the root. Changing this list (or ZBX7_RECIPE) names a new cache folder, so
# an old root is never reused for a new recipe.
ZBX7_PACKAGES=(
  zabbix-server-pgsql zabbix-frontend-php zabbix-sender
  # Naming php8.4-cgi satisfies php8.4's "libapache2-mod-php8.4 | php8.4-fpm | php8.4-cgi"
  # without apache2.
  php8.4-cli php8.4-cgi php8.4-pgsql php8.4-gd php8.4-bcmath php8.4-mbstring php8.4-xml php8.4-ldap
  postgresql locales fonts-dejavu-core
  # What zabitan's own programs need when the 7.0 server runs them (e2e.chain_zabbix7: the
  # global script runs zabitan-remote-cmd and its acting module, the media type zabitan-sstp,
  # all built on Debian 12); libssh2, libssl and zlib come with the packages above.
  libtomlplusplus3t64 libpugixml1v5 libcurl4t64
)
# Conflicts with zabbix-server-pgsql: extracted (dpkg -x) into /opt/zabbix-proxy, its libraries installed.
ZBX7_PROXY_PACKAGE=zabbix-proxy-sqlite3
ZBX7_RECIPE=1   # bump when the build steps change in a way the package list does not show

zbx7_cache_base() { echo "${ZABITAN_CACHE:-/var/cache/zabitan}"; }
zbx7_hash() {
  printf '%s\n' trixie "$ZBX7_RECIPE" "$ZBX7_PROXY_PACKAGE" "${ZBX7_PACKAGES[@]}" | sha256sum | cut -c1-12
}
# The root's path (it exists only once ./install has completed it).
zbx7_root() { echo "$(zbx7_cache_base)/trixie-$(zbx7_hash)"; }

# zbx7_run BINDS CMD...: runs CMD inside the root, in a mount namespace of its own. BINDS is a
# ':'-separated list of host paths shown at the same path inside (host /tmp always is). The
# mounts (/proc, /sys, /dev, /tmp, BINDS) exist only in that namespace: they vanish with its last
# process, so no mount can outlive what was started, whatever happens to the caller. `unshare`
# without --fork and `chroot` both exec, so CMD keeps the PID the caller sees ($! stays valid).
zbx7_run() {
  local binds=$1
  shift
  unshare --mount --propagation private -- "$ZBX7_HERE/enter" "$ZBX7_ROOT" "$binds" "$@"
}

# ---- process helpers shared by stop and stop-proxy ---------------------------------------------
# alive PID: exists and is not a zombie (PID 1 here reaps slowly; kill -0 succeeds on zombies).
alive() {
  [[ -n "${1:-}" && -r /proc/$1/status ]] || return 1
  ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}
cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }
group_members() {
  local pid
  for pid in $(ps -e -o pid=,pgid= | awk -v g="$1" '$2 == g {print $1}'); do alive "$pid" && echo "$pid"; done
  return 0
}
wait_gone() {
  local limit=$1 p any
  shift
  local deadline=$((SECONDS + limit))
  while :; do
    any=0
    for p in "$@"; do alive "$p" && { any=1; break; }; done
    ((any)) || return 0
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
# stop_daemon NAME PIDFILE PATTERN SIGNAL: stops a forking Zabbix daemon (its PidFile PID is not
# the group leader, but its children share the group) or the postmaster, whose command line
# contains PATTERN (a PID may have been reused); waits 60 s, then SIGKILL. SIGNAL KILL: at once.
stop_daemon() {
  local name=$1 pid pgid p members
  pid=$(cat "$2" 2>/dev/null || true)
  if [[ -n "$pid" ]] && alive "$pid" && [[ $(cmdline "$pid") == *$3* ]]; then
    members=("$pid")
    pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
    if [[ -n "$pgid" && "$pgid" != "$(ps -o pgid= -p $$ | tr -d ' ')" ]]; then
      for p in $(group_members "$pgid"); do [[ $p != "$pid" && $(cmdline "$p") == *$3* ]] && members+=("$p"); done
    fi
    echo "stop: $name (pid $pid, ${#members[@]} processes)"
    if [[ $4 == KILL ]]; then kill -KILL "${members[@]}" 2>/dev/null || true; else kill "-$4" "$pid" 2>/dev/null || true; fi
    if ! wait_gone 60 "${members[@]}"; then
      echo "stop: $name did not exit in 60 s; SIGKILL" >&2
      kill -KILL "${members[@]}" 2>/dev/null || true
      wait_gone 10 "${members[@]}" || echo "stop: warning: $name processes remain" >&2
    fi
  fi
  rm -f "$2"
}

# free_port: a random port in 20000-32767 (below Linux's ephemeral range, so outgoing
# connections don't grab it in the meantime) that nothing listens on and we can bind.
free_port() {
  python3 - <<'PY'
import random, socket, sys
for _ in range(200):
    p = random.randint(20000, 32767)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    c = socket.socket(); c.settimeout(0.2)
    busy = c.connect_ex(("127.0.0.1", p)) == 0
    c.close()
    if not busy:
        print(p); sys.exit(0)
sys.exit("no free port found")
PY
}

# trapper_ready PORT: a Zabbix trapper (server or proxy) answers a real (empty) sender request.
trapper_ready() {
  python3 - "$1" <<'PY' >/dev/null 2>&1
import json, socket, struct, sys
body = json.dumps({"request": "sender data", "data": []}, separators=(",", ":")).encode()
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
    s.settimeout(5)
    s.sendall(b"ZBXD\x01" + struct.pack("<II", len(body), 0) + body)
    hdr = b""
    while len(hdr) < 13:
        chunk = s.recv(13 - len(hdr))
        if not chunk: sys.exit(1)
        hdr += chunk
    sys.exit(0 if hdr[:4] == b"ZBXD" else 1)
PY
}
ZBX7_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ZBX7_ROOT=$(zbx7_root)
