# Disk full (issue 10): commands writing to a 2 MiB tmpfs must fail with exit 1, name the file
# they could not write, and leave nothing partial (no file under a final name that is not
# complete, no temporary file). Needs root and permission to mount (else SKIP); the catalogue
# (tests/bad-inputs: output_disk_full) covers /dev/full everywhere.
. "$TOP/tests/cli/lib.sh"

# with_small CMD...: mount a 2 MiB tmpfs on ./small, run the test CMD, unmount whatever happens
with_small() {
  [ "$(id -u)" = 0 ] || { skip "not root: cannot mount a small tmpfs"; return 0; }
  mkdir small
  mount -t tmpfs -o size=2m tmpfs small 2>/dev/null || { skip "mount -t tmpfs not permitted here"; return 0; }
  "$@"; st=$?
  umount small || umount -l small
  return $st
}

bigdocs() { awk -v n="$1" 'BEGIN{srand(7); for(i=0;i<n;i++){ s=""; for(j=0;j<40;j++) s=s sprintf("w%x ", int(rand()*1e9)); printf "{\"id\":\"d%d\",\"text\":\"%s\"}\n", i, s }}' >in.jsonl; }
leftovers() { find small -type f | grep -e '\.tmp\.' -e '/\.' -e 'winnow-shuffle'; }

cat_plain_full() {
  bigdocs 20000
  expect_status 1 $W cat in.jsonl -o small/out.jsonl || return 1
  expect_err '^winnow cat: small/out\.jsonl: No space left on device$' || return 1
  [ -z "$(find small -type f)" ] || fail "left behind: $(find small -type f | tr '\n' ' ')"
}
t cat_plain_full with_small cat_plain_full

cat_zstd_full() {
  bigdocs 40000
  expect_status 1 $W cat in.jsonl -o small/out.jsonl.zst || return 1
  expect_err 'small/out\.jsonl\.zst: No space left on device' || return 1
  [ -z "$(find small -type f)" ] || fail "left behind: $(find small -type f | tr '\n' ' ')"
}
t cat_zstd_full with_small cat_zstd_full

run_full() {
  bigdocs 20000
  printf 'input: [in.jsonl]\nsteps: [cat]\noutput: {dir: small/clean, compress: none}\n' >p.yaml
  expect_status 1 $W run -q p.yaml || return 1
  expect_err 'small/clean/part-000000\.jsonl: No space left on device' || return 1
  [ ! -e small/clean/part-000000.jsonl ] || fail "a part file exists under its final name"
  [ -z "$(leftovers)" ] || fail "left behind: $(leftovers | tr '\n' ' ')"
  [ -z "$(ls small/clean/.winnow/done 2>/dev/null)" ] || fail "a completion marker was written for a failed unit"
}
t run_full with_small run_full

tokenize_full() {
  bigdocs 20000
  expect_status 1 $W tokenize -t "$FIX/tokenize/tiny-tokenizer.json" -o small/shards --shard-tokens 100000 in.jsonl || return 1
  expect_err 'small/shards/[^ ]*: No space left on device' || return 1
  [ ! -e small/shards/manifest.json ] || fail "manifest.json written after a failure"
  [ -z "$(leftovers)" ] || fail "left behind: $(leftovers | tr '\n' ' ')"
}
t tokenize_full with_small tokenize_full

train_checkpoint_full() {
  $W train -h >/dev/null 2>&1 || { skip "winnow train is not built"; return 0; }
  head -n 100 "$FIX/bpe/texts.jsonl" >docs.jsonl
  $W tokenize -t "$FIX/tokenize/tiny-tokenizer.json" -o shards docs.jsonl 2>/dev/null || { fail "tokenize failed"; return 1; }
  # ~ 4.5 MB of parameters and optimizer state: does not fit in 2 MiB
  expect_status 1 $W train --data shards --steps 2 --n-layer 2 --n-embd 96 --n-head 2 --seq-len 32 -b 2 -j 1 --save small/ck || return 1
  expect_err 'small/ck/checkpoint\.bin[^ ]*: .*No space left on device' || return 1
  [ ! -e small/ck/checkpoint.bin ] || fail "a partial checkpoint.bin exists under its final name"
  [ -z "$(leftovers)" ] || fail "left behind: $(leftovers | tr '\n' ' ')"
}
t train_checkpoint_full with_small train_checkpoint_full
