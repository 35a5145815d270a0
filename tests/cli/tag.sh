# Command-line tests of `winnow tag` (issue 7): host suffix matching, first-match order,
# --probability (fraction and reproducibility), --special-tokens, positions and errors.
. "$TOP/tests/cli/lib.sh"

rules() { cat >rules.yaml <<'Y'
rules:
  - match: {url_host: wikipedia.org}
    tag: "<Wikipedia.org>"
  - match: {source: "brown/*"}
    tag: "<brown.edu>"
  - match: {source: brown/news}
    tag: "<never>"
default: none
Y
}
docs() { printf '%s\n' \
  '{"id":"w","text":"Wiki.","url":"https://en.wikipedia.org/wiki/Oslo"}' \
  '{"id":"n","text":"Not wiki.","url":"https://notwikipedia.org/x"}' \
  '{"id":"b","text":"News.","source":"brown/news"}' \
  '{"id":"o","text":"Other.","source":"web"}' >in.jsonl; }
linked() { $W tag -h >/dev/null 2>&1 || fail "winnow has no tag command: the weak tag_stage reference in cmd/winnow.c is not pulled from libwinnow.a"; }

# the other tests skip when the command is missing; this one fails, once, and says why
have() { $W tag -h >/dev/null 2>&1 && return 0; skip "winnow has no tag command"; return 1; }
tag_command_is_linked() { linked; }
t tag_command_is_linked tag_command_is_linked

tag_host_suffix_is_label_aligned() {
  have || return 0; rules; docs
  expect_status 0 $W tag --rules rules.yaml in.jsonl || return
  grep '"id":"w"' "$T/out" | grep -q '"text":"<Wikipedia.org>\\nWiki."' || fail "en.wikipedia.org not tagged: $(cat "$T/out")" || return
  grep '"id":"n"' "$T/out" | grep -q '"text":"Not wiki."' || fail "notwikipedia.org was tagged" || return
  grep '"id":"n"' "$T/out" | grep -qv '"tag"' || fail "notwikipedia.org has meta.tag"
}
t tag_host_suffix_is_label_aligned tag_host_suffix_is_label_aligned

tag_first_match_wins() {
  have || return 0; rules; docs
  expect_status 0 $W tag --rules rules.yaml in.jsonl || return
  grep '"id":"b"' "$T/out" | grep -q '"meta":{"tag":"<brown.edu>"}' || fail "brown/news: $(grep '"id":"b"' "$T/out")"
}
t tag_first_match_wins tag_first_match_wins

tag_probability_fraction_and_reproducible() {
  have || return 0; rules
  awk 'BEGIN { for (i = 0; i < 10000; i++) printf "{\"id\":\"doc%d\",\"text\":\"t\",\"source\":\"brown/a\"}\n", i }' >many.jsonl
  $W tag --rules rules.yaml --probability 0.25 --seed 3 many.jsonl >a.jsonl || return
  $W tag --rules rules.yaml --probability 0.25 --seed 3 many.jsonl >b.jsonl || return
  $W tag --rules rules.yaml --probability 0.25 --seed 4 many.jsonl >c.jsonl || return
  n=$(grep -c '"tag":' a.jsonl)
  # 0.25 of 10,000: sigma ~ 43, so 2250..2750 is over 5 sigma
  [ "$n" -ge 2250 ] && [ "$n" -le 2750 ] || { fail "tagged $n of 10000, expected ~2500"; return; }
  expect_same a.jsonl b.jsonl || return
  cmp -s a.jsonl c.jsonl && fail "another seed tagged the same documents"
  return 0
}
t tag_probability_fraction_and_reproducible tag_probability_fraction_and_reproducible

tag_probability_is_order_free() {
  have || return 0; rules
  awk 'BEGIN { for (i = 0; i < 200; i++) printf "{\"id\":\"doc%d\",\"text\":\"t\",\"source\":\"brown/a\"}\n", i }' >f.jsonl
  sort -r f.jsonl >r.jsonl
  $W tag --rules rules.yaml --probability 0.5 f.jsonl | grep '"tag"' | sort >a
  $W tag --rules rules.yaml --probability 0.5 r.jsonl | grep '"tag"' | sort >b
  expect_same a b
}
t tag_probability_is_order_free tag_probability_is_order_free

tag_special_tokens_lists_every_tag() {
  have || return 0
  cat >r.yaml <<'Y'
rules:
  - match: {url_host: [wikipedia.org, wikibooks.org]}
    tag: "<Wikipedia.org>"
  - match: {source: "brown/*"}
    domain: brown.edu
  - match: {url_host: arxiv.org}
  - match: {field: {path: meta.lang, equals: ko}}
    tag: "<Wikipedia.org>"
default: "<web>"
Y
  docs
  expect_status 0 $W tag --rules r.yaml --special-tokens sp.txt in.jsonl || return
  printf '%s\n' '<Wikipedia.org>' '<brown.edu>' '<arxiv.org>' '<web>' >want.txt
  expect_same sp.txt want.txt || return
  # and every tag in the output is in the file
  grep -o '"tag":"[^"]*"' "$T/out" | sed 's/"tag":"//; s/"$//' | sort -u | while read -r tg; do
    grep -qxF "$tg" sp.txt || { fail "tag $tg missing from sp.txt"; return 1; }
  done
}
t tag_special_tokens_lists_every_tag tag_special_tokens_lists_every_tag

tag_from_host_special_tokens_has_seen_hosts() {
  have || return 0; docs
  printf 'rules: []\ndefault: from-host\n' >h.yaml
  expect_status 0 $W tag --rules h.yaml --special-tokens sp.txt in.jsonl || return
  printf '%s\n' '<en.wikipedia.org>' '<notwikipedia.org>' >want.txt
  expect_same sp.txt want.txt
}
t tag_from_host_special_tokens_has_seen_hosts tag_from_host_special_tokens_has_seen_hosts

tag_suffix_position_and_separator() {
  have || return 0; rules; docs
  expect_status 0 $W tag --rules rules.yaml --position suffix --separator ' ' in.jsonl || return
  expect_out '"text":"Wiki. <Wikipedia.org>"'
}
t tag_suffix_position_and_separator tag_suffix_position_and_separator

tag_template_renders_domains() {
  have || return 0; docs
  printf 'rules:\n  - match: {url_host: wikipedia.org}\n' >d.yaml
  expect_status 0 $W tag --rules d.yaml --template '[{domain}]' in.jsonl || return
  expect_out '"text":"\[wikipedia.org\]\\nWiki."'
}
t tag_template_renders_domains tag_template_renders_domains

tag_stats_count_per_tag() {
  have || return 0; rules; docs
  expect_status 0 $W tag --rules rules.yaml --stats in.jsonl || return
  expect_err 'tag <Wikipedia.org> +1' && expect_err 'tag <brown.edu> +1' && expect_err 'untagged +2'
}
t tag_stats_count_per_tag tag_stats_count_per_tag

tag_requires_rules() { have || return 0; docs; expect_status 2 $W tag in.jsonl && expect_err 'winnow tag: --rules FILE is required'; }
t tag_requires_rules tag_requires_rules

tag_bad_rules_name_file_and_line() {
  have || return 0; docs
  printf 'rules:\n  - match: {colour: red}\n    tag: x\n' >bad.yaml
  expect_status 2 $W tag --rules bad.yaml in.jsonl && expect_err "bad.yaml:2: unknown match key 'colour'"
}
t tag_bad_rules_name_file_and_line tag_bad_rules_name_file_and_line

tag_example_rules_load() { have || return 0; docs; expect_status 0 $W tag --rules "$TOP/examples/tags.yaml" in.jsonl && expect_out '<Wikipedia.org>'; }
t tag_example_rules_load tag_example_rules_load
