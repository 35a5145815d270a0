# Memory bounds (issue 10): `winnow dedup --memory M` on a corpus ten times M keeps its peak
# RSS near M (measured with /usr/bin/time). Scaled down to stay fast: M = 8 MiB on ~85 MB
# (exact, lines), 4 MiB on ~40 MB (near); bench/reliability.sh runs 64M on 640 MB. The
# bound allows for the fixed cost of the process (binary, libraries, 1 MiB stream buffers,
# zstd contexts: ~20 MB): RSS <= M + 40 MiB. Also: the same output as an unbounded run.
. "$TOP/tests/cli/lib.sh"

corpus() { # corpus NDOCS: unique documents of ~440 bytes, every 4th an exact duplicate
  awk -v n="$1" 'BEGIN{ s="the quick brown fox jumps over the lazy dog while the five boxing wizards jump quickly and a wizard quickly jinxes the gnomes before they vaporize; pack my box with five dozen liquor jugs"
    for(i=0;i<n;i++){ k=(i%4==3)?i-1:i; printf "{\"id\":\"d%d\",\"text\":\"%s number %d %s %d\"}\n", i, s, k*7919, s, k }}' >c.jsonl
}

peak_under() { # peak_under MIB CMD...: run CMD (stdout to out.jsonl); fail if peak RSS > MIB
  lim=$1; shift
  [ -x /usr/bin/time ] || { skip "/usr/bin/time not installed (apt-get install time)"; return 0; }
  /usr/bin/time -f '%M' -o rss.txt "$@" >out.jsonl 2>err.txt || { fail "$* failed: $(head -c 300 err.txt)"; return 1; }
  kb=$(tail -1 rss.txt)
  echo "  $*: peak RSS $kb KiB (bound $lim MiB)"
  [ "$kb" -le $((lim * 1024)) ] || { fail "$*: peak RSS $kb KiB over $lim MiB"; return 1; }
}

dedup_bounded() { # MODE MEM_MIB NDOCS
  $W dedup -h >/dev/null 2>&1 || { skip "winnow dedup is not built"; return 0; }
  [ -n "${WINNOW_ASAN:-}" ] && { skip "RSS is not the program's under ASan"; return 0; }
  corpus "$3"
  size=$(wc -c <c.jsonl)
  [ "$size" -ge $(($2 * 1048576 * 10)) ] || { fail "corpus of $size bytes is not ten times ${2} MiB"; return 1; }
  peak_under $(($2 + 40)) $W dedup --mode "$1" --memory "$2M" --tmp . c.jsonl || return 1
  mv out.jsonl bounded.jsonl
  $W dedup --mode "$1" c.jsonl >unbounded.jsonl 2>/dev/null && expect_same bounded.jsonl unbounded.jsonl
}
dedup_exact_bounded() { dedup_bounded exact 8 200000; }
t dedup_exact_bounded dedup_exact_bounded
dedup_lines_bounded() { dedup_bounded lines 8 200000; }
t dedup_lines_bounded dedup_lines_bounded
dedup_near_bounded() { dedup_bounded near 4 100000; }
t dedup_near_bounded dedup_near_bounded

tokenize_bounded() {
  [ -n "${WINNOW_ASAN:-}" ] && { skip "RSS is not the program's under ASan"; return 0; }
  corpus 100000
  peak_under 60 $W tokenize -t "$FIX/tokenize/tiny-tokenizer.json" -o shards --memory 4M -j 1 c.jsonl
}
t tokenize_bounded tokenize_bounded
