#!/bin/sh
# Rebuilds examples/data/ (the demo's bundled sample corpus) from ../shared/corpora with winnow
# itself; deterministic (hash-based sampling), so the committed files can be checked.
#   sample.jsonl.zst        90% of Brown + ~2,100 SpamAssassin mails (ham and spam)
#   heldout/brown.jsonl.zst 10% of Brown, never in the sample
#   heldout/mail.jsonl.zst  ~300 mails, never in the sample
set -e
cd "$(dirname "$0")/.."
W=${WINNOW:-./winnow}
S=${SHARED:-../shared}/corpora
D=examples/data
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
$W sample -f 0.1 --seed 11 "$S/brown.jsonl.zst" -o $D/heldout/brown.jsonl.zst --level 19
$W sample -f 0.1 --seed 11 --invert "$S/brown.jsonl.zst" -o "$t/brown.jsonl"
$W sample -f 0.4 --seed 12 "$S/spam.jsonl.zst" -o "$t/mail.jsonl"
$W sample -f 0.125 --seed 13 "$t/mail.jsonl" -o $D/heldout/mail.jsonl.zst --level 19
$W sample -f 0.125 --seed 13 --invert "$t/mail.jsonl" -o "$t/mail_train.jsonl"
$W cat "$t/brown.jsonl" "$t/mail_train.jsonl" -o $D/sample.jsonl.zst --level 19
$W stats $D/sample.jsonl.zst $D/heldout/*.zst
