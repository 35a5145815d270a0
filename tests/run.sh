#!/bin/sh
# Runs the unit tests ($UNIT) and every command-line test script (tests/cli/*.sh) against
# $WINNOW. Each test prints one line: "PASS name", "FAIL name: why" or "SKIP name: why".
# Ends with "N passed, N failed, N skipped"; exit 1 on any failure.
cd "$(dirname "$0")/.." || exit 1
export WINNOW UNIT
export TOP="$(pwd)"
export SHARED="${SHARED:-$TOP/../shared}"
log=$(mktemp); trap 'rm -f "$log"' EXIT
"$UNIT" >>"$log" 2>&1 || echo "FAIL unit-binary: exited $?" >>"$log"
for t in tests/cli/*.sh; do
  [ "$t" = tests/cli/lib.sh ] && continue
  [ -n "$ONLY" ] && case "$t" in *"$ONLY"*) ;; *) continue ;; esac
  sh "$t" >>"$log" 2>&1 || echo "FAIL $t: script exited $?" >>"$log"
done
grep -E '^(FAIL|SKIP)' "$log"
[ -n "$VERBOSE" ] && cat "$log"
p=$(grep -c '^PASS' "$log"); f=$(grep -c '^FAIL' "$log"); s=$(grep -c '^SKIP' "$log")
echo "$p passed, $f failed, $s skipped"
[ "$f" = 0 ]
