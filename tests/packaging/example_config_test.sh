#!/usr/bin/env bash
# The example config the package installs as /etc/zabitan/zabitan.toml (packaging/zabitan.toml):
# it documents every key each tool knows (read from the tools' CheckKnownKeys lists in the
# source) and no other; each tool loads it as shipped, and again with every key uncommented,
# and then fails only where nothing listens (127.0.0.1:1) or a file named in an example value is
# absent on this machine — never on the config. A config error always names the file
# ("FILE:LINE: section.key: reason"), so no output may mention it; a typo planted in each
# section shows that such an error would be seen.
# Usage: example_config_test.sh CONFIG SOURCE_DIR ZABITAN_SENDER ZABITAN_VMWARE ZABITAN_SSTP WORKDIR
set -euo pipefail
config=$1 src=$2 sender=$3 vmware=$4 sstp=$5 work=$6
# zabitan-prom beside zabitan-vmware in the build tree (its [prom] section is checked when built).
prom=$(dirname "$vmware")/../prom-bridge/zabitan-prom
# A tree that builds the unit tests only (build-asan/) has no programs: skipped (ctest code 77),
# but never in CI (CI=true), where a skip would hide the test.
for program in "$sender" "$vmware" "$sstp"; do
  if [[ ! -x $program ]]; then
    if [[ ${CI:-} == true ]]; then echo "FAIL $program is not built (CI: no skip)"; exit 1; fi
    echo "skipped: $program is not built"
    exit 77
  fi
done
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=../lib/check.sh
. "$(dirname "$0")/../lib/check.sh"
check_init "$work"
all=$work/all.toml                      # every "#key = value" line uncommented
sed -E 's/^#([a-z_0-9]+ = )/\1/' "$config" >"$all"

# "section.key" for every key line of a config, commented or not.
config_keys() {
  awk '/^#?\[[a-z_.]+\]/ { s = $0; gsub(/[#\[\]]/, "", s) }
       match($0, /^#?[a-z_0-9]+ = /) { k = substr($0, 1, RLENGTH - 3); sub(/^#/, "", k); print s "." k }' "$1" | sort -u
}
# The quoted words between the first line matching START and the next line matching END.
quoted_between() {
  awk -v start="$2" -v end="$3" '$0 ~ start { on = 1 } on { print } on && $0 ~ end { exit }' "$1" |
    grep -o '"[a-z_0-9]*"' | tr -d '"'
}
# What the code accepts, section.key: the quoted words of the `known = {...}` or
# `CheckKnownKeys({...})` list (the brace may open the next line) in the source file that reads [SECTION] (found wherever it is
# now), plus the keys built from tables (the sender's TLS names, the sstp severities).
# [remote_cmd] (with its group tables) and [provision] are not compared here: their keys come
# from lists this scrape does not read.
section_file() {
  grep -rlF --include='*.cpp' "Section(\"$1\"" "$src"/sender "$src"/vmware-collector "$src"/sstp-notify "$src"/common \
    "$src"/prom-bridge |
    sed -n 1p
}
code_keys() {
  local section f
  for section in sender vmware sstp prom; do
    f=$(section_file "$section")
    [[ -n $f ]] || continue
    { quoted_between "$f" '(known = |CheckKnownKeys[(])([{]|$)' '[}]'
      case $section in
        sender) grep -E '^ *[{]kTls[A-Za-z0-9]+, "' "$f" | awk -F'"' '{ print $4 }' ;;
        sstp) quoted_between "$(grep -rlE --include='*.h' 'by_severity = [{]' "$src"/sstp-notify)" \
                'by_severity = [{]' '[}];' | sed 's/^/surface_/' ;;
      esac; } | sed "s/^/$section./"
  done
}

every_key_documented() {
  code_keys | sort -u >"$work/code.keys"
  config_keys "$config" | grep -E '^(sender|vmware|sstp|prom)\.' >"$work/example.keys"
  for section in sender:10 vmware:10 sstp:10 prom:5; do
    local n; n=$(grep -c "^${section%%:*}\." "$work/code.keys" || true)
    ((n >= ${section#*:})) || { echo "only $n ${section%%:*} keys found in the source: has the code moved?"; return 1; }
  done
  echo "keys the code knows that the example lacks:"; comm -23 "$work/code.keys" "$work/example.keys"
  echo "keys of the example the code does not know:"; comm -13 "$work/code.keys" "$work/example.keys"
  cmp -s "$work/code.keys" "$work/example.keys"
}
shipped_file_sets_nothing() {
  # As shipped, no key is set: installing the package changes no tool's behaviour.
  expect_exit 1 grep -En '^[a-z_0-9]+ *=' "$config"
}
no_config_error() {  # FILE LOG
  if grep -F "$(basename "$1")" "$2"; then echo "^ a config error"; return 1; fi
}

# Each tool with CONFIG, up to the point where it needs a peer; output in $work/run-*.
run_tools() {  # CONFIG TAG
  local c=$1 t=$2 rc
  rc=0; "$sender" -c "$c" -z 127.0.0.1:1 -s h -k k -o 1 --spool "$work/$t-sender-spool" \
    >"$work/run-$t-sender" 2>&1 || rc=$?; echo "rc=$rc" >>"$work/run-$t-sender"
  rc=0; "$vmware" --config "$c" --url https://127.0.0.1:1/sdk --user u --state-dir "$work/$t-state" --check \
    >"$work/run-$t-vmware" 2>&1 || rc=$?; echo "rc=$rc" >>"$work/run-$t-vmware"
  if [[ -x $prom ]]; then  # a scrape of a socket that does not exist: past the config, exit 1
    rc=0; "$prom" --config "$c" --zabbix-host h --dry-run --target "unix:$work/none.sock" \
      >"$work/run-$t-prom" 2>&1 || rc=$?; echo "rc=$rc" >>"$work/run-$t-prom"
  fi
  rc=0; "$sstp" --config "$c" --spool "$work/$t-sstp-spool" --flush \
    >"$work/run-$t-sstp-flush" 2>&1 || rc=$?; echo "rc=$rc" >>"$work/run-$t-sstp-flush"
  # Not with every key set: its ssh example would look the desktop's name up (DNS).
  [[ $t == all ]] && return 0
  rc=0; "$sstp" --config "$c" --to 127.0.0.1:1 --spool "$work/$t-sstp-spool" --expire 60 hello \
    >"$work/run-$t-sstp-say" 2>&1 || rc=$?; echo "rc=$rc" >>"$work/run-$t-sstp-say"
}
shipped_sender() {
  cat "$work/run-shipped-sender"; no_config_error "$config" "$work/run-shipped-sender"
  # Nothing listens: the value waits in the spool (exit 3).
  grep -q 'waiting: 1' "$work/run-shipped-sender"
  grep -q '^rc=3$' "$work/run-shipped-sender"
}
shipped_prom() {
  [[ -x $prom ]] || { echo "zabitan-prom is not built: [prom] checked in the source only"; return 0; }
  cat "$work/run-shipped-prom"; no_config_error "$config" "$work/run-shipped-prom"
  grep -q 'none.sock' "$work/run-shipped-prom"
  grep -q '^rc=1$' "$work/run-shipped-prom"
}
shipped_vmware() {
  cat "$work/run-shipped-vmware"; no_config_error "$config" "$work/run-shipped-vmware"
  grep -q "Couldn't connect to server" "$work/run-shipped-vmware"
  grep -q '^rc=1$' "$work/run-shipped-vmware"
}
shipped_sstp() {
  cat "$work/run-shipped-sstp-flush" "$work/run-shipped-sstp-say"
  no_config_error "$config" "$work/run-shipped-sstp-flush"
  no_config_error "$config" "$work/run-shipped-sstp-say"
  grep -q '0 left' "$work/run-shipped-sstp-flush"
  grep -q '^rc=0$' "$work/run-shipped-sstp-flush"
  grep -q 'spooled for later' "$work/run-shipped-sstp-say"
  grep -q '^rc=3$' "$work/run-shipped-sstp-say"
}
uncommented_loads() {
  # Every key set to its example value: each tool gets past its config (a missing agent config,
  # key or CA file on this machine is fine; sstp reads all of [sstp] before --flush, which
  # connects to nothing when the spool is empty).
  local tool ok=0
  for tool in sender vmware sstp-flush prom; do
    [[ $tool == prom && ! -x $prom ]] && continue
    echo "--- $tool"; cat "$work/run-all-$tool"
    no_config_error "$all" "$work/run-all-$tool" || ok=1
  done
  return $ok
}
typo_is_seen() {
  # The same runs, each with an unknown key in its section, must name file, line and key.
  local section tool ok=0
  for section in sender vmware sstp prom; do
    awk -v s="[$section]" '{ print } $0 == s { print "typo_key = 1" }' "$config" >"$work/typo-$section.toml"
  done
  run_tools "$work/typo-sender.toml" typo-sender
  run_tools "$work/typo-vmware.toml" typo-vmware
  run_tools "$work/typo-sstp.toml" typo-sstp
  run_tools "$work/typo-prom.toml" typo-prom
  for tool in sender:sender vmware:vmware sstp:sstp-flush sstp:sstp-say prom:prom; do
    section=${tool%%:*}
    [[ $section == prom && ! -x $prom ]] && continue
    grep -E "typo-$section\.toml:[0-9]+: $section\.typo_key: unknown key" "$work/run-typo-$section-${tool#*:}" || {
      echo "no config error from ${tool#*:}:"; cat "$work/run-typo-$section-${tool#*:}"; ok=1; }
  done
  return $ok
}

run_tools "$config" shipped
run_tools "$all" all
check every_key_documented every_key_documented
check shipped_file_sets_nothing shipped_file_sets_nothing
check shipped_sender shipped_sender
check shipped_vmware shipped_vmware
check shipped_sstp shipped_sstp
check shipped_prom shipped_prom
check uncommented_loads uncommented_loads
check typo_is_seen typo_is_seen
check_summary
