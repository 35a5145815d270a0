# Generators and wrappers for the bad-input catalogue (cases.tsv), sourced by
# tests/cli/bad_inputs.sh in each case's fresh directory. Big inputs are made here at test
# time and never committed. $W is winnow, $FIX tests/fixtures, $BI this directory.

# docs N [FILE]: N small valid documents
docs() { awk -v n="$1" 'BEGIN{for(i=0;i<n;i++) printf "{\"id\":\"d%d\",\"text\":\"document number %d\"}\n", i, i}' >"${2:-in.jsonl}"; }

# line_mb N: big.jsonl = one document whose text is N MiB of letters, then a small one
line_mb() {
  { printf '{"id":"big","text":"'; head -c $(($1 * 1048576)) /dev/zero | tr '\0' 'a'; printf '"}\n{"id":"small","text":"b"}\n'; } >big.jsonl
}

# bomb MB: bomb.zst, MB MiB of small documents compressed to a few hundred KB
bomb() { yes '{"text":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}' | head -n $(($1 * 1048576 / 48)) | zstd -q -1 -c >bomb.zst; }

# shards DIR: a small shard directory made by winnow tokenize with the tiny tokenizer
shards() { head -n 40 "$FIX/bpe/texts.jsonl" >sdocs.jsonl && $W tokenize -t "$FIX/tokenize/tiny-tokenizer.json" -o "$1" --shard-tokens 2000 --val-fraction 0.2 sdocs.jsonl 2>/dev/null; }

# tokjson EDIT: tok.json = the tiny tokenizer with one Python edit applied to t (the JSON)
tokjson() { python3 -c "import json,sys; t=json.load(open(sys.argv[1])); $1; json.dump(t, open('tok.json','w'))" "$FIX/tokenize/tiny-tokenizer.json"; }

# rss_under MB CMD...: run CMD; its status, or 99 with a message when peak RSS went over MB
# MiB (not measured under ASan, whose shadow memory is not the program's).
rss_under() {
  lim=$1; shift
  if [ -n "${WINNOW_ASAN:-}" ] || [ ! -x /usr/bin/time ]; then "$@"; return; fi
  /usr/bin/time -f '%M' -o rss.txt "$@"; st=$?
  kb=$(tail -1 rss.txt)
  case $kb in *[!0-9]*|'') return $st ;; esac
  [ "$kb" -le $((lim * 1024)) ] || { echo "peak RSS $kb KiB over the bound of $lim MiB" >&2; return 99; }
  return $st
}

# vm_under MB CMD...: run CMD with its address space limited to MB MiB (under ASan, whose
# shadow memory needs terabytes of address space: allocations and RSS limited instead)
vm_under() {
  lim=$1; shift
  if [ -n "${WINNOW_ASAN:-}" ]; then
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:max_allocation_size_mb=$lim:hard_rss_limit_mb=$((lim * 2))" "$@"
  else ( ulimit -v $((lim * 1024)); "$@" ); fi
}

# piped CMD...: run CMD with stdout into a reader that exits after one byte; CMD's status
piped() { { "$@"; echo $? >pipe.st; } | head -c 1 >/dev/null; return "$(cat pipe.st)"; }
