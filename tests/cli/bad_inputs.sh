# Runs the bad-input catalogue tests/bad-inputs/cases.tsv (issue 10): one PASS/FAIL/SKIP
# line per case, "bad-input:NAME". See the header of cases.tsv for the format.
. "$TOP/tests/cli/lib.sh"
BI="$TOP/tests/bad-inputs"
export BI FIX W

# built CMD: whether `winnow CMD` exists in this build (weak commands still landing do not)
built() { $W help "$1" >/dev/null 2>&1 || $W "$1" -h >/dev/null 2>&1; }

run_case() { # NAME COMMAND GENERATOR STATUS REGEX KNOWN
  name=$1 cmd=$2 gen=$3 want=$4 re=$5 known=$6
  word=$(printf '%s\n' "$cmd" | sed -n 's/.*\$W \([a-z][a-z0-9_-]*\).*/\1/p' | head -1)
  if [ -n "$word" ] && [ "$word" != frobnicate ] && ! built "$word"; then skip "winnow $word is not built yet"; return 0; fi
  for tool in zstd gzip python3 awk; do
    case "$gen $cmd" in *"$tool "*) command -v $tool >/dev/null || { skip "$tool not installed"; return 0; } ;; esac
  done
  . "$BI/gen.sh"
  if [ "$gen" != - ]; then eval "$gen" >gen.log 2>&1 || { fail "generator failed: $(tail -3 gen.log)"; return 1; }; fi
  ( eval "$cmd" ) >.case.out 2>.case.err; got=$?
  why=""
  [ "$got" = "$want" ] || why="exit $got, expected $want"
  if [ -z "$why" ] && [ "$re" != - ]; then
    if [ "$re" = '^$' ]; then [ -s .case.err ] && why="stderr not empty"
    else grep -qE -- "$re" .case.err || why="stderr lacks /$re/"; fi
  fi
  # a crash is never an expected outcome, whatever the status column says
  grep -qE 'AddressSanitizer|runtime error:|LeakSanitizer|out of memory' .case.err && why="${why:+$why; }sanitizer/OOM report"
  [ -z "$why" ] && return 0
  if [ -n "$known" ]; then skip "${known#known: } ($why)"; return 0; fi
  fail "$why; stderr: $(head -c 500 .case.err)"
}

tab=$(printf '\t')
while IFS="$tab" read -r name cmd gen want re known; do
  case $name in ''|'#'*) continue ;; esac
  t "bad-input:$name" run_case "$name" "$cmd" "$gen" "$want" "$re" "${known:-}" </dev/null
done <"$BI/cases.tsv"
