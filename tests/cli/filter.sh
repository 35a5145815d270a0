# `winnow filter` (issue 6): rule sets, explainable rejects, --annotate, c4 edits, --config,
# --lang, --script, per-rule stats, and drop rates on the shared corpora.
. "$TOP/tests/cli/lib.sh"

GOOD='The committee met on Tuesday to discuss the budget for the coming year. Members agreed that the library and the museum should receive more money, and that the roads would have to wait.\nAfter a long debate, the chairman said that the final vote will be held next week, with the results published in the local paper.\nMost residents seem to support the plan, although some worry about taxes.\nThe mayor thanked everyone for coming and closed the meeting at nine.\nNobody expected the session to run so late, but the questions kept coming.'

mkdocs() {
  printf '{"id":"good","text":"%s"}\n' "$GOOD" >in.jsonl
  printf '{"id":"short","text":"Buy now."}\n' >>in.jsonl
}

t_keeps_good_drops_short() {
  mkdocs
  expect_status 0 $W filter --no-progress in.jsonl -o out.jsonl --rejects rej.jsonl || return 1
  expect_lines out.jsonl 1 && grep -q '"id":"good"' out.jsonl || fail "good doc not kept"
  grep -q '"id":"short"' rej.jsonl || fail "short doc not in rejects"
  grep -q '"reason":"gopher: words 2 < 50"' rej.jsonl || fail "reason: $(cat rej.jsonl)"
}
t filter_keeps_prose_and_rejects_short_with_reason t_keeps_good_drops_short

t_mean_word_length_reason() {
  printf '{"id":"x","text":"%s"}\n' "$(for i in $(seq 60); do printf 'extraordinarily '; done)" >in.jsonl
  expect_status 0 $W filter --no-progress --rules gopher --min-stop-words 0 in.jsonl --rejects rej.jsonl || return 1
  grep -q '"reason":"gopher: mean_word_length 15 > 10"' rej.jsonl || fail "reason: $(head -c 300 rej.jsonl)"
}
t filter_reason_names_signal_value_and_threshold t_mean_word_length_reason

t_annotate() {
  mkdocs
  expect_status 0 $W filter --no-progress --annotate in.jsonl -o out.jsonl || return 1
  expect_lines out.jsonl 2 || return 1
  grep '"id":"short"' out.jsonl | grep -q '"drop":\["gopher","gopher-rep","c4","fineweb"\]' || fail "drop list: $(grep short out.jsonl)"
  grep '"id":"good"' out.jsonl | grep -q '"drop":\[\]' || fail "good doc flagged: $(grep good out.jsonl)"
  grep -q '"mean_word_length":' out.jsonl && grep -q '"dup_10gram_frac":' out.jsonl && grep -q '"c4_sentences":' out.jsonl \
    && grep -q '"new_line_ratio":' out.jsonl || fail "signals missing"
  grep '"id":"short"' out.jsonl | grep -q '"why":\["gopher: words 2 < 50"' || fail "why: $(grep short out.jsonl)"
}
t filter_annotate_keeps_all_and_writes_signals t_annotate

t_c4_edits() {
  printf '{"id":"c","text":"Menu Home About\\nThis first sentence is fine.\\nPlease enable JavaScript now.\\nThe second sentence is fine.\\nThe third sentence is fine.\\nThe fourth sentence is fine.\\nThe fifth sentence is fine [1].\\nShare"}\n' >in.jsonl
  expect_status 0 $W filter --no-progress --rules c4 in.jsonl -o out.jsonl || return 1
  grep -q '"text":"This first sentence is fine.\\nThe second sentence is fine.\\nThe third sentence is fine.\\nThe fourth sentence is fine."' out.jsonl \
    || fail "edited: $(cat out.jsonl)"
  expect_status 0 $W filter --no-progress --rules c4 --c4-no-edit in.jsonl -o out2.jsonl --rejects rej.jsonl || return 1
  [ -s out2.jsonl ] || fail "c4-no-edit dropped the doc: $(cat rej.jsonl)"
  grep -q 'Menu Home About' out2.jsonl || fail "--c4-no-edit changed the text"
}
t filter_c4_removes_lines_and_c4_no_edit_keeps_them t_c4_edits

t_config() {
  mkdocs
  cat >rules.yaml <<'Y'
rules: [gopher]
gopher:
  min_words: 1
  min_stop_words: 0
  min_avg_word_length: 2
  min_alpha_words_ratio: 0
Y
  expect_status 0 $W filter --no-progress --config rules.yaml in.jsonl -o out.jsonl || return 1
  expect_lines out.jsonl 2 || return 1
  # the command line wins over the file
  expect_status 0 $W filter --no-progress --config rules.yaml --min-words 10 in.jsonl -o out.jsonl || return 1
  expect_lines out.jsonl 1
}
t filter_config_yaml_sets_options_per_rule t_config

t_config_bad_key() {
  mkdocs
  printf 'c4:\n  min_word: 2\n' >bad.yaml
  expect_status 2 $W filter --no-progress --config bad.yaml in.jsonl || return 1
  expect_err "bad.yaml:2: unknown c4 option 'min_word'"
}
t filter_config_unknown_key_is_a_usage_error t_config_bad_key

t_bad_rules() {
  mkdocs
  expect_status 2 $W filter --rules gopherr in.jsonl || return 1
  expect_err "gopherr"
}
t filter_unknown_rule_set_is_a_usage_error t_bad_rules

KO='오늘은 날씨가 맑고 따뜻해서 공원에 산책하러 갔습니다. 사람들이 많이 나와 있었습니다. 아이들은 놀이터에서 뛰어놀고 어른들은 벤치에 앉아 이야기를 나누었습니다.'
ZH='今天天气很好，我们去公园散步。公园里有很多人，孩子们在草地上玩，老人们坐在长椅上聊天。我们走了一个小时，然后去附近的饭馆吃午饭。'

t_script() {
  printf '{"id":"ko","text":"%s"}\n{"id":"en","text":"%s"}\n' "$KO" "$GOOD" >in.jsonl
  expect_status 0 $W filter --no-progress --rules gopher --script Latin in.jsonl -o out.jsonl --rejects rej.jsonl || return 1
  grep -q '"id":"en"' out.jsonl || fail "English doc dropped"
  grep -q '"reason":"script: script_fraction 0 < 0.65"' rej.jsonl || fail "reason: $(cat rej.jsonl)"
  expect_status 0 $W filter --no-progress --rules gopher --min-words 10 --min-stop-words 0 --script Hangul in.jsonl -o out.jsonl || return 1
  grep -q '"id":"ko"' out.jsonl || fail "Korean doc dropped under --script Hangul"
  expect_status 2 $W filter --script Klingonish in.jsonl || return 1
}
t filter_script_keeps_the_named_script t_script

t_lang() {
  printf '{"id":"zh","text":"%s"}\n' "$ZH" >in.jsonl
  # English defaults: Chinese words are 1-2 characters, under the mean length of 3
  expect_status 0 $W filter --no-progress --rules gopher --min-words 10 in.jsonl -o out.jsonl --rejects rej.jsonl || return 1
  grep -q 'mean_word_length' rej.jsonl || fail "expected a mean_word_length reject: $(cat rej.jsonl)"
  expect_status 0 $W filter --no-progress --rules gopher --min-words 10 --lang zh in.jsonl -o out.jsonl || return 1
  expect_lines out.jsonl 1 || return 1
  # c4 with --lang zh: 。 ends a sentence and lines have words without spaces
  expect_status 0 $W filter --no-progress --rules c4 --c4-min-sentences 2 --lang zh in.jsonl -o out.jsonl || return 1
  expect_lines out.jsonl 1
}
t filter_lang_adapts_rules_to_chinese t_lang

t_korean() {
  printf '{"id":"ko","text":"%s"}\n' "$KO" >in.jsonl
  expect_status 0 $W filter --no-progress --rules gopher --min-words 15 --lang ko --annotate in.jsonl -o out.jsonl || return 1
  grep -q '"words":19,' out.jsonl || fail "Korean word count: $(cat out.jsonl)"
  grep -q '"drop":\[\]' out.jsonl || fail "Korean doc flagged: $(cat out.jsonl)"
}
t filter_counts_korean_words t_korean

t_stats() {
  mkdocs
  expect_status 0 $W filter --no-progress --rules gopher,c4 --stats-json st.json in.jsonl -o out.jsonl || return 1
  grep -q '"rule gopher dropped":1' st.json && grep -q '"rule gopher alone":0' st.json \
    && grep -q '"rule c4 dropped":1' st.json && grep -q '"check gopher: words":1' st.json || fail "stats: $(cat st.json)"
}
t filter_stats_count_per_rule_and_alone t_stats

# drop rate per source and rule set, from one --annotate run over a corpus
rates() {
  $W filter --no-progress --annotate "$@" | awk '
    { src = ""; if (match($0, /"source": ?"[^"]*"/)) { src = substr($0, RSTART, RLENGTH); sub(/.*"source": ?"/, "", src); sub(/"$/, "", src) }
      if (src ~ /^brown/) src = "brown"
      n[src]++
      d = ""; if (match($0, /"drop":\[[^]]*\]/)) d = substr($0, RSTART, RLENGTH)
      if (d != "\"drop\":[]") all[src]++
      split("gopher gopher-rep c4 fineweb", rs, " ")
      for (i in rs) if (index(d, "\"" rs[i] "\"")) dr[src, rs[i]]++ }
    END { for (s in n) { printf "%s all %.3f", s, all[s] / n[s]
            for (i = 1; i <= 4; i++) { split("gopher gopher-rep c4 fineweb", rs, " "); printf " %s %.3f", rs[i], dr[s, rs[i]] / n[s] }
            printf "\n" } }'
}

t_spam() {
  [ -f "$SHARED/corpora/spam.jsonl.zst" ] || { skip "no $SHARED/corpora/spam.jsonl.zst"; return 0; }
  rates "$SHARED/corpora/spam.jsonl.zst" >rates.txt || return 1
  cat rates.txt >&2
  ham=$(grep '^spamassassin/ham ' rates.txt); spam=$(grep '^spamassassin/spam ' rates.txt)
  [ -n "$ham" ] && [ -n "$spam" ] || { fail "no rates: $(cat rates.txt)"; return 1; }
  # With faithful definitions, gopher-rep and fineweb drop more spam than ham; gopher and c4
  # judge web prose and drop the (short, quoted, signed) ham mails at least as often.
  for r in gopher-rep fineweb; do
    h=$(echo "$ham" | awk -v r=$r '{for(i=1;i<NF;i++) if ($i==r) print $(i+1)}')
    s=$(echo "$spam" | awk -v r=$r '{for(i=1;i<NF;i++) if ($i==r) print $(i+1)}')
    awk -v s="$s" -v h="$h" 'BEGIN{exit !(s > h)}' || fail "$r: spam $s not above ham $h"
  done
}
t filter_drops_more_spam_than_ham_with_repetition_and_fineweb_rules t_spam

t_brown() {
  [ -f "$SHARED/corpora/brown.jsonl.zst" ] || { skip "no $SHARED/corpora/brown.jsonl.zst"; return 0; }
  rates "$SHARED/corpora/brown.jsonl.zst" >rates.txt || return 1
  cat rates.txt >&2
  all=$(awk '/^brown /{print $3}' rates.txt)
  awk -v a="$all" 'BEGIN{exit !(a < 0.05)}' || fail "brown drop rate $all, expected < 0.05"
}
t filter_drops_little_of_brown t_brown

t_script_boundary() {
  # 13 Latin and 7 Cyrillic letters: 0.65 passes, 12 and 8 (0.6) does not
  printf '{"id":"a","text":"abcdefghijklm дефгжзи"}\n{"id":"b","text":"abcdefghijkl дефгжзий"}\n' >in.jsonl
  expect_status 0 $W filter --no-progress --rules '' --script Latin in.jsonl -o out.jsonl --rejects rej.jsonl || return 1
  grep -q '"id":"a"' out.jsonl || fail "0.65 was dropped"
  grep -q '"reason":"script: script_fraction 0.6 < 0.65"' rej.jsonl || fail "reject: $(cat rej.jsonl)"
}
t filter_min_script_fraction_0_65_boundary t_script_boundary
