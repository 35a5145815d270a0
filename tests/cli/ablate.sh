# `winnow ablate` end to end with a tiny model (issue 9): two variants, a trained tokenizer,
# one eval set; checks the report, results and that curves.svg is well-formed XML; a rerun
# reuses everything; a changed variant is redone alone.
. "$TOP/tests/cli/lib.sh"

have() { $W "$1" -h >/dev/null 2>&1; }
mk() {
  for c in bpe tokenize train dedup; do have $c || { skip "winnow $c is not built"; return 1; }; done
  mkdir -p data
  $W cat "$TOP/examples/data/heldout/brown.jsonl.zst" -o data/train.jsonl
  $W head -n 8 data/train.jsonl -o data/eval.jsonl
  cat >abl.yaml <<'Y'
name: tiny
output: out
base:
  input: [data/train.jsonl]
  workers: 1
  seed: 1
  steps:
    - dedup: {mode: exact}
variants:
  raw: {steps: []}
  half: {steps: [{sample: {fraction: 0.5}}]}
tokenizer:
  on: raw
  train: {vocab_size: 320, special: ["<|endoftext|>"]}
tokenize: {val_fraction: 0.1, seed: 1}
train: {n_layer: 1, n_head: 2, n_embd: 32, seq_len: 32, batch_size: 4, steps: 20, lr: 0.01, eval_every: 10, eval_tokens: 2048, seeds: [1]}
eval:
  held: data/eval.jsonl
Y
}

ablation_writes_report_results_and_svg() {
  mk || return 0
  $W ablate abl.yaml >report.txt 2>log.txt || { cat log.txt; return 1; }
  grep -q '^| raw |' report.txt && grep -q '^| half |' report.txt && grep -q 'held bpb' out/report.md &&
  [ "$(wc -l <out/results.jsonl)" = 2 ] && grep -q '"variant":"half"' out/results.jsonl &&
  /usr/bin/python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg"); assert len(r.findall("{http://www.w3.org/2000/svg}polyline"))==2' out/curves.svg
}
t ablation_writes_report_results_and_svg ablation_writes_report_results_and_svg

ablation_rerun_reuses_and_changed_variant_redone_alone() {
  mk || return 0
  $W ablate abl.yaml >/dev/null 2>&1 || return 1
  $W ablate abl.yaml >/dev/null 2>log2.txt || return 1
  ! grep -q 'train (seed' log2.txt || fail "rerun trained again: $(cat log2.txt)"
  sed -i 's/fraction: 0.5/fraction: 0.6/' abl.yaml
  $W ablate abl.yaml >/dev/null 2>log3.txt || return 1
  grep -q 'variant half: train' log3.txt && ! grep -q 'variant raw: train' log3.txt || fail "$(cat log3.txt)"
}
t ablation_rerun_reuses_and_changed_variant_redone_alone ablation_rerun_reuses_and_changed_variant_redone_alone

ablation_unknown_variant_key_named() {
  printf 'base: {input: [x.jsonl]}\nvariants:\n  a: {stpes: []}\ntokenizer: {file: t.json}\ntrain: {steps: 1}\n' >bad.yaml; : >x.jsonl
  expect_status 2 $W ablate bad.yaml && expect_err 'bad.yaml:3:7: unknown variant key'
}
t ablation_unknown_variant_key_named ablation_unknown_variant_key_named
