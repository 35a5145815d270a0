# Helpers for command-line tests. Source it, then write one function per behaviour and call
#   t NAME FUNCTION        runs FUNCTION in a fresh temp dir ($T), prints PASS/FAIL NAME
# Inside a test: fail "why" (returns non-zero), and the expect_* helpers below.
# $WINNOW is the binary under test, $SHARED the shared/ folder, $TOP the repo root.
set -u
: "${WINNOW:?}" "${TOP:?}"
SHARED="${SHARED:-$TOP/../shared}"
FIX="$TOP/tests/fixtures"
W="$WINNOW"

fail() { echo "  $*" >&2; return 1; }
skip() { echo "SKIP $_t_name: $*"; _t_skipped=1; return 0; }

t() {
  _t_name=$1; shift
  [ -n "${ONLY_TEST:-}" ] && case "$_t_name" in *"$ONLY_TEST"*) ;; *) return 0 ;; esac
  T=$(mktemp -d "${TMPDIR:-/tmp}/wnt.XXXXXX")
  _t_skipped=0
  if ( cd "$T" && "$@" ) >"$T/.out" 2>&1; then
    if grep -q "^SKIP " "$T/.out"; then grep "^SKIP " "$T/.out" | head -1
    else echo "PASS $_t_name"; fi
  else
    echo "FAIL $_t_name"; sed 's/^/    /' "$T/.out" | grep -v '^    SKIP' | tail -15
  fi
  rm -rf "$T"
}

# expect_status N CMD...: run CMD, check exit status, keep stderr in $T/err, stdout in $T/out
expect_status() {
  want=$1; shift
  "$@" >"$T/out" 2>"$T/err"; got=$?
  [ "$got" = "$want" ] || { fail "exit $got, expected $want: $* ; stderr: $(head -c 600 "$T/err")"; return 1; }
}
# expect_err PATTERN: stderr of the last expect_status matches the grep -E pattern
expect_err() { grep -qE -- "$1" "$T/err" || { fail "stderr lacks /$1/: $(head -c 600 "$T/err")"; return 1; }; }
expect_out() { grep -qE -- "$1" "$T/out" || { fail "stdout lacks /$1/: $(head -c 600 "$T/out")"; return 1; }; }
expect_same() { cmp -s "$1" "$2" || { fail "$1 and $2 differ: $(cmp "$1" "$2" 2>&1 | head -1)"; return 1; }; }
expect_lines() { n=$(wc -l <"$1" | tr -d ' '); [ "$n" = "$2" ] || { fail "$1 has $n lines, expected $2"; return 1; }; }
