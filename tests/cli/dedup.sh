# Command-line tests of `winnow dedup` (issue 5): modes, rejects, spill, stats, errors.
. "$TOP/tests/cli/lib.sh"

if ! "$W" dedup -h >/dev/null 2>&1; then
  echo "SKIP dedup_cli: 'winnow dedup' is not linked into $W (dedup_stage is a weak symbol in cmd/winnow.c)"
  exit 0
fi

docs5() { printf '%s\n' '{"id":"a","text":"Hello world"}' '{"id":"b","text":"hello   world"}' \
  '{"id":"c","text":"Hello world","source":"x"}' '{"id":"d","text":""}' '{"id":"e","text":""}' >in.jsonl; }
brown() { zstd -dc "$SHARED/corpora/brown.jsonl.zst" >brown.jsonl 2>/dev/null || { skip "no $SHARED/corpora/brown.jsonl.zst"; return 1; }; }
spam2k() { zstd -dc "$SHARED/corpora/spam.jsonl.zst" 2>/dev/null | head -n 2000 >spam.jsonl; [ -s spam.jsonl ] || { skip "no spam corpus"; return 1; }; }

help_states_implied_threshold() { expect_status 0 $W dedup -h && expect_out '\(1/b\)\^\(1/r\)' && expect_out '0\.72'; }
t dedup_help_states_implied_threshold help_states_implied_threshold

exact_keeps_first_occurrences() {
  docs5; expect_status 0 $W dedup in.jsonl --rejects rej.jsonl || return 1
  [ "$(grep -o '"id":"[a-z]"' "$T/out" | tr -d '\n')" = '"id":"a""id":"b""id":"d"' ] || fail "kept: $(cat "$T/out")"
  grep -q '"id":"c".*"reason":"exact-duplicate of a"' rej.jsonl || fail "rejects: $(cat rej.jsonl)"
  grep -q '"id":"e".*"reason":"exact-duplicate of d"' rej.jsonl || fail "rejects: $(cat rej.jsonl)"
}
t dedup_exact_keeps_first_occurrences exact_keeps_first_occurrences

exact_normalize_space() { docs5; expect_status 0 $W dedup --normalize space in.jsonl && expect_lines "$T/out" 3; }
t dedup_exact_normalize_space exact_normalize_space
exact_normalize_nfkc() { docs5; expect_status 0 $W dedup --normalize nfkc-casefold in.jsonl && expect_lines "$T/out" 3; }
t dedup_exact_normalize_nfkc exact_normalize_nfkc
exact_normalize_simplify() { docs5; expect_status 0 $W dedup --normalize simplify in.jsonl && expect_lines "$T/out" 2; }
t dedup_exact_normalize_simplify exact_normalize_simplify

annotate_keeps_everything() {
  docs5; expect_status 0 $W dedup --annotate in.jsonl && expect_lines "$T/out" 5 &&
  expect_out '"id":"c".*"meta":\{"dedup":\{"cluster":"a","dup_of":"a"\}\}'
}
t dedup_annotate_keeps_everything annotate_keeps_everything

near_finds_edited_copies() {
  brown || return 0
  # three copies with one word changed each, appended after the corpus
  head -n 3 brown.jsonl | sed -e 's/"id": "\([^"]*\)"/"id": "\1-copy"/' -e 's/ the / a /' >copies.jsonl
  cat brown.jsonl copies.jsonl >in.jsonl
  expect_status 0 $W dedup --mode near --verify in.jsonl -o out.jsonl --rejects rej.jsonl --stats || return 1
  expect_lines rej.jsonl 3 && expect_lines out.jsonl "$(wc -l <brown.jsonl)" &&
  grep -q '"id": *"brown-ca01-copy".*near-duplicate of brown-ca01 (jaccard 0\.9' rej.jsonl || fail "$(cut -c1-60 rej.jsonl; grep -o '"reason[^}]*' rej.jsonl)"
}
t dedup_near_finds_edited_copies near_finds_edited_copies

stats_report_peak_rss() { docs5; expect_status 0 $W dedup --stats in.jsonl && expect_err 'peak RSS'; }
t dedup_stats_report_peak_rss stats_report_peak_rss

spill_same_output() {
  spam2k || return 0
  for m in exact near lines paragraphs; do
    $W dedup --mode $m spam.jsonl -o big.jsonl --rejects bigr.jsonl || return 1
    $W dedup --mode $m spam.jsonl --memory 64K --tmp . -o small.jsonl --rejects smallr.jsonl --stats 2>st.txt || return 1
    grep -q 'spilled' st.txt || fail "$m did not spill: $(cat st.txt)" || return 1
    expect_same big.jsonl small.jsonl && expect_same bigr.jsonl smallr.jsonl || return 1
  done
  [ -z "$(ls -A | grep winnow-dedup)" ] || fail "spill files left behind"
}
t dedup_tiny_memory_spills_with_the_same_output spill_same_output

runs_are_deterministic() {
  spam2k || return 0
  $W dedup --mode near spam.jsonl -o a.jsonl && $W dedup --mode near spam.jsonl -o b.jsonl && expect_same a.jsonl b.jsonl
}
t dedup_near_is_deterministic runs_are_deterministic

lines_remove_boilerplate() {
  i=0; while [ $i -lt 100 ]; do
    printf '{"id":"d%d","text":"Story %d is unique.\\nAccept cookies to continue browsing.\\nBye %d."}\n' $i $i $i; i=$((i+1)); done >in.jsonl
  expect_status 0 $W dedup --mode lines in.jsonl && expect_lines "$T/out" 100 &&
  ! grep -q cookies "$T/out" && expect_out '"text":"Story 5 is unique.\\nBye 5."'
}
t dedup_lines_remove_boilerplate lines_remove_boilerplate

near_rejects_other_normalisation() { docs5; expect_status 2 $W dedup --mode near --normalize none in.jsonl && expect_err 'simplif'; }
t dedup_near_rejects_other_normalisation near_rejects_other_normalisation

bad_tmp_dir_is_an_error() {
  brown || return 0
  expect_status 1 $W dedup --memory 1K --tmp ./missing/dir brown.jsonl && expect_err 'winnow dedup: .*temp file'
}
t dedup_bad_tmp_dir_is_an_error bad_tmp_dir_is_an_error
