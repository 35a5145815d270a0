# Command-line tests of `winnow augment` (issue 7): permute, fullname, template, synonym and
# llm (against tests/llm_server.py on localhost), ids, meta.augment, determinism and order.
. "$TOP/tests/cli/lib.sh"

PY=${LLM_TEST_PYTHON:-/usr/bin/python3}
linked() { $W augment -h >/dev/null 2>&1 || fail "winnow has no augment command: the weak augment_stage reference in cmd/winnow.c is not pulled from libwinnow.a"; }
six() { printf '%s\n' '{"id":"d1","text":"Alpha one. Bravo two. Charlie three. Delta four. Echo five. Foxtrot six."}' >in.jsonl; }
# sentences of the texts of a JSONL file, one per line, sorted
sentences() { sed 's/.*"text":"//; s/".*//' "$1" | sed 's/\. /.\n/g' | sort; }
bio() { printf '%s\n' '{"id":"bio1","text":"Anya Briar Forger was born on October 2, 1996. She works at Meta Platforms.","meta":{"name":"Anya Briar Forger","pronoun":"she","facts":{"birth_date":"October 2, 1996","birth_city":"Princeton, NJ","university":"Massachusetts Institute of Technology","major":"Communications","employer":"Meta Platforms","employer_city":"Menlo Park, CA"}}}' >bio.jsonl; }

# the other tests skip when the command is missing; this one fails, once, and says why
have() { $W augment -h >/dev/null 2>&1 && return 0; skip "winnow has no augment command"; return 1; }
augment_command_is_linked() { linked; }
t augment_command_is_linked augment_command_is_linked

augment_permute_keeps_sentences_and_variants_differ() {
  have || return 0; six
  expect_status 0 $W augment -m permute --copies 4 --no-original in.jsonl || return
  expect_lines "$T/out" 4 || return
  head -1 "$T/out" >v1; sentences v1 >s1; sentences in.jsonl >s0
  expect_same s0 s1 || return
  for i in 2 3 4; do sed -n "${i}p" "$T/out" >vi; sentences vi >si; expect_same s0 si || return; done
  n=$(sed 's/.*"text":"//; s/".*//' "$T/out" | sort -u | wc -l)
  [ "$n" = 4 ] || fail "only $n distinct variants of 4"
}
t augment_permute_keeps_sentences_and_variants_differ augment_permute_keeps_sentences_and_variants_differ

augment_seed_reproduces_and_changes() {
  have || return 0; six
  $W augment -m permute --copies 3 --seed 5 in.jsonl >a || return
  $W augment -m permute --copies 3 --seed 5 in.jsonl >b || return
  $W augment -m permute --copies 3 --seed 6 in.jsonl >c || return
  expect_same a b || return
  cmp -s a c && fail "seeds 5 and 6 gave the same variants"
  return 0
}
t augment_seed_reproduces_and_changes augment_seed_reproduces_and_changes

augment_ids_meta_and_original_first() {
  have || return 0; six
  expect_status 0 $W augment -m permute --copies 2 in.jsonl || return
  expect_lines "$T/out" 3 || return
  head -1 "$T/out" >o; expect_same o in.jsonl || return
  sed -n 2p "$T/out" | grep -q '"id":"d1#aug1".*"meta":{"augment":{"of":"d1","methods":\["permute"\],"k":1}}' || fail "variant 1: $(sed -n 2p "$T/out")" || return
  sed -n 3p "$T/out" | grep -q '"id":"d1#aug2"' || fail "variant 2 id"
}
t augment_ids_meta_and_original_first augment_ids_meta_and_original_first

augment_is_order_free() {
  have || return 0
  printf '%s\n' '{"id":"a","text":"One a. Two a. Three a."}' '{"id":"b","text":"One b. Two b. Three b."}' >f.jsonl
  sed -n '2p;1p' f.jsonl | sort -r >r.jsonl
  $W augment -m permute --copies 2 f.jsonl | sort >x
  $W augment -m permute --copies 2 r.jsonl | sort >y
  expect_same x y
}
t augment_is_order_free augment_is_order_free

augment_keeps_a_tag_in_place() {
  have || return 0
  printf 'rules:\n  - match: {source: "brown/*"}\n    tag: "<brown.edu>"\n' >r.yaml
  printf '%s\n' '{"id":"b","text":"One a. Two b. Three c. Four d.","source":"brown/x"}' >in.jsonl
  $W tag --rules r.yaml --position both in.jsonl >t.jsonl || return
  expect_status 0 $W augment -m permute --copies 3 --no-original t.jsonl || return
  expect_lines "$T/out" 3 || return
  n=$(grep -c '"text":"<brown.edu>\\n[A-Z][^"]*\\n<brown.edu>"' "$T/out")
  [ "$n" = 3 ] || fail "tag moved: $(cat "$T/out")"
}
t augment_keeps_a_tag_in_place augment_keeps_a_tag_in_place

augment_fullname_replaces_pronouns() {
  have || return 0
  printf '%s\n' '{"id":"p","text":"She was born in Oslo. Later she moved; he said they stayed.","meta":{"name":"Ann Lee"}}' \
    '{"id":"q","text":"Oslo is a city.","meta":{"name":"Ann Lee"}}' >in.jsonl
  expect_status 0 $W augment -m fullname --no-original --stats in.jsonl || return
  expect_lines "$T/out" 1 || return
  expect_out '"text":"Ann Lee was born in Oslo. Later Ann Lee moved; Ann Lee said Ann Lee stayed."' || return
  expect_err 'variants skipped \(duplicate\) +1'
}
t augment_fullname_replaces_pronouns augment_fullname_replaces_pronouns

augment_template_m_distinct_texts_state_every_fact() {
  have || return 0; bio
  expect_status 0 $W augment -m template,fullname --templates "$TOP/examples/templates/bios.yaml" --copies 6 --no-original bio.jsonl || return
  expect_lines "$T/out" 6 || return
  sed 's/.*"text":"//; s/","meta".*//' "$T/out" >texts
  [ "$(sort -u texts | wc -l)" = 6 ] || { fail "texts not distinct"; return; }
  for v in "October 2, 1996" "Princeton, NJ" "Massachusetts Institute of Technology" "Communications" "Meta Platforms" "Menlo Park, CA" "Anya Briar Forger"; do
    [ "$(grep -cF "$v" texts)" = 6 ] || { fail "'$v' missing from a variant"; return; }
  done
  # fullname: every sentence names the person (no sentence opens with a pronoun)
  grep -qE '(^|\. )(She|Her) ' texts && fail "a sentence opens with a pronoun: $(grep -E '(^|\. )(She|Her) ' texts | head -1)"
  return 0
}
t augment_template_m_distinct_texts_state_every_fact augment_template_m_distinct_texts_state_every_fact

augment_template_without_facts_emits_no_variant() {
  have || return 0; six
  expect_status 0 $W augment -m template --templates "$TOP/examples/templates/bios.yaml" --stats in.jsonl || return
  expect_lines "$T/out" 1 && expect_err 'no meta.facts +1'
}
t augment_template_without_facts_emits_no_variant augment_template_without_facts_emits_no_variant

augment_synonym_replaces_words() {
  have || return 0
  [ -r /usr/share/wordnet/index.noun ] || { skip "no WordNet data (apt-get install wordnet-base)"; return; }
  printf '%s\n' '{"id":"s","text":"Cars are expensive and people buy them quickly."}' '{"id":"z","text":"Zorblax and Quendrith."}' >in.jsonl
  expect_status 0 $W augment -m synonym --rate 1 --no-original in.jsonl || return
  expect_lines "$T/out" 1 || return
  expect_out '"id":"s#aug1"' && expect_out ' are ' || return
  grep -q '"text":"Cars are expensive and people buy them quickly."' "$T/out" && fail "nothing replaced"
  return 0
}
t augment_synonym_replaces_words augment_synonym_replaces_words

augment_synonym_missing_wordnet_is_clear_error() {
  have || return 0; six
  expect_status 2 $W augment -m synonym --wordnet-dir "$T/none" in.jsonl && expect_err "winnow augment: .*/none/index.noun: cannot open \(WordNet data: install wordnet-base or give --wordnet-dir\)"
}
t augment_synonym_missing_wordnet_is_clear_error augment_synonym_missing_wordnet_is_clear_error

augment_requires_method() { have || return 0; six; expect_status 2 $W augment in.jsonl && expect_err 'winnow augment: --method LIST is required'; }
t augment_requires_method augment_requires_method

# ---- llm, against the fake server ----
start_server() {
  [ -x "$PY" ] || { skip "no $PY for the fake LLM server"; return 2; }
  "$PY" "$TOP/tests/llm_server.py" port log & SRV=$!
  i=0; while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ -s port ] || { kill $SRV; fail "fake server did not start"; return 1; }
  URL="http://127.0.0.1:$(cat port)"; : >>log
}
stop_server() { kill $SRV 2>/dev/null; wait $SRV 2>/dev/null; return 0; }
twodocs() { printf '%s\n' '{"id":"a","text":"The cat sat."}' '{"id":"b","text":"Dogs bark."}' >in.jsonl; }

llm_success() {
  have || return 0; start_server || return $(( $? == 2 ? 0 : 1 )); twodocs
  expect_status 0 $W augment -m llm --endpoint "$URL" --model echo --copies 2 in.jsonl; rc=$?
  stop_server; [ $rc = 0 ] || return
  expect_lines "$T/out" 6 || return
  sed -n 2p "$T/out" | grep -q '"id":"a#aug1","text":"Rephrased \[seed [0-9]*\]: The cat sat.","meta":{"augment":{"of":"a","methods":\["llm"\],"k":1}}' || fail "$(sed -n 2p "$T/out")" || return
  sed -n 4p "$T/out" | grep -q '"id":"b","text":"Dogs bark."' || fail "order: $(cat "$T/out")" || return
  # the request carried the wiki prompt
  [ "$(wc -l <log)" = 4 ] || fail "$(wc -l <log) requests, expected 4"
}
t llm_success llm_success

llm_429_then_success() {
  have || return 0; start_server || return $(( $? == 2 ? 0 : 1 )); twodocs
  expect_status 0 $W augment -m llm --endpoint "$URL" --model flaky --backoff 0.01 --stats in.jsonl; rc=$?
  stop_server; [ $rc = 0 ] || return
  expect_lines "$T/out" 4 && expect_err 'llm retries +2' && expect_err 'llm failures +0' || return
  [ "$(wc -l <log)" = 4 ] || fail "$(wc -l <log) requests, expected 4"
}
t llm_429_then_success llm_429_then_success

llm_timeout_fails_the_run() {
  have || return 0; start_server || return $(( $? == 2 ? 0 : 1 )); twodocs
  expect_status 1 $W augment -m llm --endpoint "$URL" --model slow --timeout 0.3 --retries 0 in.jsonl; rc=$?
  stop_server; [ $rc = 0 ] || return
  expect_err 'winnow augment: in.jsonl:1: document a: llm: timeout after 0.3s'
}
t llm_timeout_fails_the_run llm_timeout_fails_the_run

llm_timeout_skip_keeps_originals() {
  have || return 0; start_server || return $(( $? == 2 ? 0 : 1 )); twodocs
  expect_status 0 $W augment -m llm --endpoint "$URL" --model slow --timeout 0.3 --retries 1 --backoff 0.01 --llm-on-error skip --stats in.jsonl; rc=$?
  stop_server; [ $rc = 0 ] || return
  expect_same "$T/out" in.jsonl && expect_err 'llm failures +2' && expect_err 'llm retries +2'
}
t llm_timeout_skip_keeps_originals llm_timeout_skip_keeps_originals

llm_malformed_reply_rejects_document() {
  have || return 0; start_server || return $(( $? == 2 ? 0 : 1 )); twodocs
  expect_status 0 $W augment -m llm --endpoint "$URL" --model malformed --llm-on-error reject --rejects rej.jsonl in.jsonl; rc=$?
  stop_server; [ $rc = 0 ] || return
  expect_lines "$T/out" 0 && expect_lines rej.jsonl 2 || return
  grep -q '"reject":{"stage":"augment","reason":"llm: malformed response' rej.jsonl || fail "$(cat rej.jsonl)"
}
t llm_malformed_reply_rejects_document llm_malformed_reply_rejects_document

llm_server_error_is_reported_with_status() {
  have || return 0; start_server || return $(( $? == 2 ? 0 : 1 )); twodocs
  expect_status 1 $W augment -m llm --endpoint "$URL" --model broken --retries 1 --backoff 0.01 in.jsonl; rc=$?
  stop_server; [ $rc = 0 ] || return
  expect_err 'llm: HTTP 500.*\(2 attempts\)'
}
t llm_server_error_is_reported_with_status llm_server_error_is_reported_with_status

llm_cache_prevents_second_request() {
  have || return 0; start_server || return $(( $? == 2 ? 0 : 1 )); twodocs
  $W augment -m llm --endpoint "$URL" --model echo --cache cache in.jsonl >a; r1=$?
  n1=$(wc -l <log)
  expect_status 0 $W augment -m llm --endpoint "$URL" --model echo --cache cache --stats in.jsonl; r2=$?
  n2=$(wc -l <log)
  stop_server; [ $r1 = 0 ] && [ $r2 = 0 ] || { fail "exit $r1 $r2"; return; }
  [ "$n1" = 2 ] && [ "$n2" = 2 ] || { fail "requests: $n1 then $n2 (expected 2 then 2)"; return; }
  expect_same a "$T/out" && expect_err 'llm cache hits +2'
}
t llm_cache_prevents_second_request llm_cache_prevents_second_request

llm_batches_keep_input_order() {
  have || return 0; start_server || return $(( $? == 2 ? 0 : 1 ))
  awk 'BEGIN { for (i = 0; i < 7; i++) printf "{\"id\":\"d%d\",\"text\":\"Text %d.\"}\n", i, i }' >in.jsonl
  expect_status 0 $W augment -m permute,llm --endpoint "$URL" --model echo --batch 3 --concurrency 4 in.jsonl; rc=$?
  stop_server; [ $rc = 0 ] || return
  grep -o '"id":"[^"]*"' "$T/out" | tr '\n' ' ' >ids
  printf '"id":"d0" "id":"d0#aug1" "id":"d1" "id":"d1#aug1" "id":"d2" "id":"d2#aug1" "id":"d3" "id":"d3#aug1" "id":"d4" "id":"d4#aug1" "id":"d5" "id":"d5#aug1" "id":"d6" "id":"d6#aug1" ' >want
  expect_same ids want
}
t llm_batches_keep_input_order llm_batches_keep_input_order

llm_style_from_prompts_file() {
  have || return 0; start_server || return $(( $? == 2 ? 0 : 1 )); twodocs
  expect_status 0 $W augment -m llm --endpoint "$URL/v1" --model echo --prompts "$TOP/examples/prompts/llm.yaml" --style qa in.jsonl; rc=$?
  expect_status 2 $W augment -m llm --endpoint "$URL" --style poetic in.jsonl; rc2=$?
  stop_server; [ $rc = 0 ] && [ $rc2 = 0 ] || return
  expect_err "--style: 'poetic' is not one of wiki\|qa\|simple\|hard"
}
t llm_style_from_prompts_file llm_style_from_prompts_file

augment_in_a_pipeline_is_thread_count_free() {
  have || return 0
  $W run -h >/dev/null 2>&1 || { skip "no winnow run"; return 0; }
  [ -r /usr/share/wordnet/index.noun ] || { skip "no WordNet data (apt-get install wordnet-base)"; return 0; }
  mkdir -p data
  for f in 1 2 3; do
    awk -v f=$f 'BEGIN { for (i = 0; i < 40; i++) printf "{\"id\":\"f%d-%d\",\"text\":\"She is %d. He was %d. They left at %d.\",\"source\":\"brown/x\",\"meta\":{\"name\":\"Ann Lee\"}}\n", f, i, i, f, i }' >data/$f.jsonl
  done
  printf 'rules:\n  - match: {source: "brown/*"}\n    tag: "<brown.edu>"\n' >tags.yaml
  for j in 1 2; do
    printf 'input: ["data/*.jsonl"]\nseed: 9\nsteps:\n  - tag: {rules: tags.yaml}\n  - augment: {method: [permute, fullname, synonym], copies: 2, rate: 0.5}\noutput: {dir: out%s}\n' $j >p$j.yaml
    $W run -q -j $j p$j.yaml || { fail "run -j $j failed"; return; }
    for f in out$j/*.jsonl*; do zstd -q -dcf "$f"; done >all$j.jsonl
  done
  expect_lines all1.jsonl 360 || return
  expect_same all1.jsonl all2.jsonl || return
  [ "$(grep -c '"text":"<brown.edu>\\n' all1.jsonl)" = 360 ] || fail "a variant lost its tag"
}
t augment_in_a_pipeline_is_thread_count_free augment_in_a_pipeline_is_thread_count_free
