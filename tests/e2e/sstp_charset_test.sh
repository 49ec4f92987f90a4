#!/usr/bin/env bash
# Issue #15, item 1, against ninix-aya: "¥" passes escaping untouched (it is not a backslash in
# UTF-8) but is 0x5C, a backslash, in Shift_JIS and EUC-JP. Sent as "¥s[10]" it arrived as the
# tag \s[10] (a harmless stand-in for \![open,…] and \-): ninix switched surface and showed no
# text. Now it becomes 〓 before conversion and the balloon shows the words as written.
# Usage: sstp_charset_test.sh ZABITAN_SSTP SOURCE_DIR NINIX_DIR WORKDIR
set -euo pipefail
sstp=$1 src=$2 ninix_dir=$3 work=$4
rm -rf "$work" && mkdir -p "$work" && : >"$work/empty.toml"
# shellcheck disable=SC1091
source "$ninix_dir/env"
for charset in Shift_JIS EUC-JP; do
  token=yen$charset$$x$RANDOM
  rc=0; "$sstp" --config "$work/empty.toml" --to "127.0.0.1:$NINIX_PORT" --timeout 15 --charset "$charset" \
    "$token ¥s[10]¥_q ¥n" >/dev/null || rc=$?
  ((rc == 0)) || { echo "FAIL: $charset: exit $rc"; exit 1; }
  shown=$("$src/tests/peers/ninix/last-script" "$ninix_dir" --match "$token" --wait 20 --text) ||
    { echo "FAIL: $charset: nothing shown"; exit 1; }
  [[ $shown == "$token 〓s[10]〓_q 〓n" ]] || { echo "FAIL: $charset: ninix showed \"$shown\""; exit 1; }
  echo "ok   $charset: ¥ arrives as 〓, shown as text, no tag run"
done
