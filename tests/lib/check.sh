# shellcheck shell=bash
# Shell checks that can fail: sourced by every shell test (tests/README.md, "Shell checks").
#
#   . "$(dirname "$0")/../lib/check.sh"
#   check_init WORKDIR              # each check's output goes to WORKDIR/NAME.log
#   my_check() { step1; step2; expect_exit 1 "$bin" --bad; grep -q x "$out"; }
#   check my-check my_check         # ok / FAIL with the step that failed
#   check_summary                   # "N passed, M failed"; non-zero if any failed or none ran
#   CHECK_CLEANUP=cleanup           # optional: run when each check ends (stop what it started)
#
# Why: bash ignores `set -e` in a function called from `if`, `!`, `&&` or `||` (then only the
# last command of a check counted), and never stops at a failing `! cmd` or at a failing `a` in
# `a && b`. So check:
#  - runs the check in a subshell with `set -Eeuo pipefail` and an ERR trap that names the step
#    that failed; the subshell is a background job that is waited for, never a condition;
#  - fails the check when errexit is off anyway (check itself called from `if`, `||`, `!`);
#  - fails the check when its function contains a step errexit cannot see: a `! cmd`, a
#    non-final `a && b` (other than `cond && break|continue|return`), `local x=$(cmd)`.
# Write `expect_exit CODE cmd...` for a command that must fail, `wait_for` to wait for a state
# (no bare sleep), and `if`/`||` explicitly where a failure is expected and handled.
# A check's stdin is /dev/null (a background job's). Its last "info: TEXT" line, if any, is shown
# on its ok line.

CHECK_PASSED=0
CHECK_FAILED=0
CHECK_DIR=

# check_init WORKDIR: where the checks' logs go (it must exist).
check_init() {
  CHECK_DIR=$1
  [[ -d $CHECK_DIR ]] || { echo "check_init: no folder $CHECK_DIR" >&2; return 1; }
}

# The steps of FUNCTION's body that errexit would not stop at, one per line.
check_lint() {
  local body line clean i n lines
  body=$(declare -f "$1") || return 0  # not a function: a plain command, nothing to read
  mapfile -t lines <<<"$body"
  n=${#lines[@]}
  local heredoc=
  for ((i = 0; i < n; i++)); do
    line=${lines[i]}
    # A here-document's text is data (Python, a config), not steps.
    if [[ -n $heredoc ]]; then [[ $line == "$heredoc" ]] && heredoc=; continue; fi
    if [[ $line =~ \<\<-?[[:space:]]*[\'\"]?([A-Za-z_]+) ]]; then heredoc=${BASH_REMATCH[1]}; fi
    # Quoted text and [[ ]] expressions are not lists; conditions of if/while/until are fine.
    clean=$(sed -E "s/'[^']*'//g; s/\"([^\"\\\\]|\\\\.)*\"//g; s/\[\[([^]]|\][^]])*\]\]/[[]]/g" <<<"$line")
    [[ $clean =~ ^[[:space:]]*(if|elif|while|until)[[:space:]] ]] && continue
    if [[ $clean =~ ^[[:space:]]*![[:space:]] ]]; then
      echo "negated step (errexit ignores it; write expect_exit CODE cmd): ${line#"${line%%[![:space:]]*}"}"
    elif [[ $clean == *'&&'* && ! $clean =~ \&\&[[:space:]]*(break|continue|return)([[:space:]]|\;|$) ]] &&
         ((i < n - 2)); then  # the last body line is followed by "}" only: its status counts
      echo "non-final a && b (a failing a is ignored; write two steps or an if): ${line#"${line%%[![:space:]]*}"}"
    elif [[ $line =~ ^[[:space:]]*(local|declare|export|readonly)[[:space:]]+[A-Za-z_][A-Za-z_0-9]*=.*\$\( ]]; then
      echo "status of \$(…) hidden by ${BASH_REMATCH[1]} (declare first, assign apart): ${line#"${line%%[![:space:]]*}"}"
    fi
  done
}

# The ERR trap of a check: "FILE:LINE: STEP (exit N)" for the step of the check's own function
# that failed (a step that calls a helper is named, not the helper's inner command), once.
check_failed_at() {  # STATUS LINENO COMMAND CHECK_FUNCTION
  local rc=$1 line=$2 cmd=$3 fn=$4 file=${BASH_SOURCE[1]} i
  [[ -s $where ]] && return 0
  for ((i = 1; i < ${#FUNCNAME[@]}; i++)); do
    [[ ${FUNCNAME[i]} == "$fn" ]] || continue
    ((i == 1)) || line=${BASH_LINENO[i - 1]} file=${BASH_SOURCE[i]} cmd=${FUNCNAME[i - 1]}
    if [[ -r $file ]]; then cmd=$(sed -n "${line}{s/^[[:space:]]*//;p}" "$file"); fi
    break
  done
  echo "${file##*/}:$line: $cmd (exit $rc)"
}

# check NAME COMMAND...: runs COMMAND (usually a function) where every failing step fails it.
check() {
  local name=$1; shift
  local log=$CHECK_DIR/$name.log where=$CHECK_DIR/$name.failed-at rc=0 probe=0 bad
  [[ -n $CHECK_DIR ]] || { echo "check: call check_init WORKDIR first" >&2; exit 2; }
  rm -f "$where"
  # errexit is off in this whole call when check runs under if/||/!: then nothing below stops.
  (set -e; false; exit 0) &
  wait $! || probe=$?
  bad=$(check_lint "$1")
  if ((probe == 0)); then
    echo "check $name was called where bash ignores set -e (under if, !, && or ||): call it alone" >"$log"
    rc=1
  elif [[ -n $bad ]]; then
    printf 'steps that cannot fail the check:\n%s\n' "$bad" >"$log"
    rc=1
  else
    (
      set -Eeuo pipefail
      check_fn=$1
      # Processes a check started end with it, also when it fails (their pids are the
      # subshell's: the caller never sees them).
      if [[ -n ${CHECK_CLEANUP:-} ]]; then trap '$CHECK_CLEANUP' EXIT; fi
      trap 'check_failed_at $? $LINENO "$BASH_COMMAND" "$check_fn" >>"$where"' ERR
      "$@"
    ) >"$log" 2>&1 &
    wait $! || rc=$?
  fi
  if ((rc == 0)); then
    local info
    info=$(sed -n 's/^info: //p' "$log" | tail -n 1)
    echo "ok   $name${info:+ ($info)}"
    CHECK_PASSED=$((CHECK_PASSED + 1))
  else
    if [[ -s $where ]]; then echo "FAIL $name: $(<"$where")"; else echo "FAIL $name (exit $rc)"; fi
    sed 's/^/    /' "$log" | tail -n 15
    CHECK_FAILED=$((CHECK_FAILED + 1))
  fi
  return 0
}

# check_summary: the totals; fails when a check failed or when none ran (a test that checks
# nothing must not pass).
check_summary() {
  echo "$CHECK_PASSED passed, $CHECK_FAILED failed"
  ((CHECK_FAILED == 0 && CHECK_PASSED > 0))
}

# expect_exit CODE COMMAND...: COMMAND must exit with CODE (not merely fail: a crash or a usage
# error is not the refusal being tested).
expect_exit() {
  local want=$1 rc=0; shift
  "$@" || rc=$?
  ((rc == want)) && return 0
  echo "expected exit $want, got $rc: $*" >&2
  return 1
}

# wait_for [-t SECONDS] [-p PID] COMMAND...: polls COMMAND (one argument: evaluated as shell
# text) until it succeeds; fails after SECONDS (default $CHECK_WAIT_TIMEOUT or 30), or at once
# when PID has ended. Readiness, not a guess of how long something takes.
wait_for() {
  local timeout=${CHECK_WAIT_TIMEOUT:-30} pid=
  while [[ ${1:-} == -[tp] ]]; do
    case $1 in -t) timeout=$2 ;; -p) pid=$2 ;; esac
    shift 2
  done
  local deadline=$((SECONDS + timeout))
  while :; do
    if (($# == 1)); then eval "$1" && return 0; else "$@" && return 0; fi
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      echo "process $pid ended while waiting for: $*" >&2
      return 1
    fi
    ((SECONDS < deadline)) || { echo "timed out after ${timeout}s waiting for: $*" >&2; return 1; }
    sleep 0.05
  done
}

# count_lines FILE PATTERN: how many lines of FILE match PATTERN (0 when none or no file).
count_lines() { grep -c -- "$2" "$1" 2>/dev/null || true; }
