# Command-line tests of winnow train / eval / generate.
. "$TOP/tests/cli/lib.sh"

# mkshards DIR SHA [TRAIN_TOKENS] [VAL_TOKENS]: synthetic llm.c shards (vocab 32, documents
# that count up by a stride) and a manifest.json as winnow tokenize writes it.
mkshards() {
  mkdir -p "$1"
  python3 - "$1" "${3:-3000}" "${4:-600}" <<'PY' || return 1
import struct, sys, random
d, ntr, nva = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(5)
for split, n in (("train", ntr), ("val", nva)):
    toks, docs = [], 0
    while len(toks) < n:
        k, cur, m = r.randint(1, 3), r.randint(0, 30), r.randint(10, 50)
        toks.append(31); docs += 1
        for _ in range(m - 1): toks.append(cur); cur = (cur + k) % 31
    toks = toks[:n]
    hdr = [20240520, 1, n] + [0] * 253
    with open(f"{d}/synth_{split}_000000.bin", "wb") as f:
        f.write(struct.pack("<256i", *hdr)); f.write(struct.pack(f"<{n}H", *toks))
    open(f"{d}/.{split}.docs", "w").write(str(docs))
PY
  tr=$(xxhsum -H3 "$1/synth_train_000000.bin" | sed 's/.*= //'); va=$(xxhsum -H3 "$1/synth_val_000000.bin" | sed 's/.*= //')
  cat >"$1/manifest.json" <<JSON
{"format": "winnow-shards", "format_version": 1, "name": "synth",
 "tokenizer": {"file": "synth.json", "sha256": "$2", "vocab_size": 32, "eot_id": 31},
 "token_bytes": 2, "seed": 0,
 "shards": [
  {"file": "synth_train_000000.bin", "split": "train", "documents": $(cat "$1/.train.docs"), "tokens": ${3:-3000}, "source_bytes": $((3 * ${3:-3000})), "xxh3": "$tr"},
  {"file": "synth_val_000000.bin", "split": "val", "documents": $(cat "$1/.val.docs"), "tokens": ${4:-600}, "source_bytes": $((3 * ${4:-600})), "xxh3": "$va"}]}
JSON
}

SMALL="--n-layer 2 --n-head 2 --n-embd 16 --seq-len 16 --batch-size 4 --lr 1e-2 --warmup-steps 2"

train_writes_metrics_lines() {
  mkshards d aaaa || return 1
  expect_status 0 $W train --data d $SMALL --steps 6 --eval-every 3 --log m.jsonl || return 1
  expect_lines m.jsonl 6 || return 1
  head -1 m.jsonl | grep -q '"step": 1, "tokens": 64, "train_loss": [0-9.]*, "lr": [0-9.e-]*, "grad_norm": [0-9.e-]*, "tokens_per_s": ' || { fail "first line: $(head -1 m.jsonl)"; return 1; }
  sed -n 3p m.jsonl | grep -q '"val_loss": [0-9.]*, "val_bpb": [0-9.]*' || { fail "no val at step 3: $(sed -n 3p m.jsonl)"; return 1; }
  tail -1 m.jsonl | grep -q '"step": 6,.*"val_bpb"' || fail "no val at the end"
}

train_eval_data_is_reported_by_name() {
  mkshards d aaaa || return 1
  mkshards e aaaa 500 300 || return 1
  expect_status 0 $W train --data d $SMALL --steps 2 --eval-data e --eval-data e --log m.jsonl || return 1
  tail -1 m.jsonl | grep -q '"eval": {"synth": {"loss": [0-9.]*, "bpb": [0-9.]*}, "e": {"loss": ' || fail "$(tail -1 m.jsonl)"
}

train_config_yaml_gives_the_same_run_as_flags() {
  mkshards d aaaa || return 1
  printf 'n_layer: 2\nn_head: 2\nn_embd: 16\nseq_len: 16\nbatch_size: 4\nlr: 0.01\nwarmup_steps: 2\nsteps: 4\n' >t.yaml
  expect_status 0 $W train --data d --config t.yaml --log a.jsonl || return 1
  expect_status 0 $W train --data d $SMALL --steps 4 --log b.jsonl || return 1
  sed 's/"tokens_per_s": [^,}]*//' a.jsonl >a2; sed 's/"tokens_per_s": [^,}]*//' b.jsonl >b2
  expect_same a2 b2
}

train_resume_continues_with_identical_losses() {
  mkshards d aaaa || return 1
  expect_status 0 $W train --data d $SMALL --steps 10 --eval-every 5 --log full.jsonl || return 1
  expect_status 0 $W train --data d $SMALL --steps 10 --eval-every 5 --log part.jsonl --save ck --stop-at 4 || return 1
  [ -f ck/checkpoint.bin ] && [ -f ck/config.yaml ] || { fail "no checkpoint"; return 1; }
  # the checkpoint carries the options: no flags needed to resume
  expect_status 0 $W train --resume ck --log part.jsonl || return 1
  sed 's/"tokens_per_s": [^,}]*//' full.jsonl >a; sed 's/"tokens_per_s": [^,}]*//' part.jsonl >b
  expect_same a b
}

train_batch_tokens_sets_gradient_accumulation() {
  mkshards d aaaa || return 1
  expect_status 0 $W train --data d $SMALL --steps 2 --batch-tokens 192 --log a.jsonl || return 1
  expect_status 0 $W train --data d $SMALL --steps 2 --grad-accum 3 --log b.jsonl || return 1
  grep -q '"step": 1, "tokens": 192,' a.jsonl || { fail "$(head -1 a.jsonl)"; return 1; }
  sed 's/"tokens_per_s": [^,}]*//' a.jsonl >a2; sed 's/"tokens_per_s": [^,}]*//' b.jsonl >b2
  expect_same a2 b2 || return 1
  expect_status 1 $W train --data d $SMALL --steps 2 --batch-tokens 100 || return 1
  expect_err 'not a multiple of batch-size x seq-len = 64'
}

train_epochs_sets_the_number_of_steps() {
  mkshards d aaaa 1000 200 || return 1
  # 1000 tokens / 16 = 62 windows; 2 epochs at 4 windows per step = 31 steps
  expect_status 0 $W train --data d $SMALL --epochs 2 --eval-every 0 --log m.jsonl || return 1
  expect_lines m.jsonl 31
}

eval_reports_loss_and_bits_per_byte() {
  mkshards d aaaa || return 1
  expect_status 0 $W train --data d $SMALL --steps 3 --save ck || return 1
  expect_status 0 $W eval --checkpoint ck --data d || return 1
  expect_out '"name": "synth", "split": "val", "tokens": 592, "loss": [0-9.]+, "bpb": [0-9.]+'
}

eval_on_shards_of_another_tokenizer_fails_clearly() {
  mkshards d aaaa || return 1
  mkshards other bbbb || return 1
  expect_status 0 $W train --data d $SMALL --steps 2 --save ck || return 1
  expect_status 1 $W eval --checkpoint ck --data other || return 1
  expect_err 'winnow eval: other: tokenized with a different tokenizer' || return 1
  expect_status 1 $W train --data other --resume ck --steps 4 || return 1
  expect_err 'different tokenizer'
}

train_corrupt_shard_fails_naming_it() {
  mkshards d aaaa || return 1
  printf 'XX' | dd of=d/synth_train_000000.bin bs=1 seek=2000 conv=notrunc 2>/dev/null
  expect_status 1 $W train --data d $SMALL --steps 2 || return 1
  expect_err 'winnow train: .*synth_train_000000.bin: checksum .* corrupt'
}

train_too_big_for_memory_fails_before_allocating() {
  mkshards d aaaa || return 1
  expect_status 1 $W train --data d --n-layer 96 --n-embd 12288 --n-head 96 --seq-len 2048 --steps 1 || return 1
  expect_err 'winnow train: configuration needs [0-9.]+ GiB .* more than the memory available'
}

train_usage_errors_exit_2() {
  mkshards d aaaa || return 1
  expect_status 2 $W train --data d || return 1
  expect_err 'say how long to train' || return 1
  expect_status 2 $W train --data d --steps 1 --n-layers 3 || return 1
  expect_err "did you mean '--n-layer'"
}

generate_samples_text_and_diversity_metrics() {
  printf 'the cat sat on the mat. the dog sat on the log.\n' >a.txt
  for i in 1 2 3 4 5 6 7 8; do cat a.txt; done >b.txt
  i=0; : >docs.jsonl
  while [ $i -lt 40 ]; do printf '{"id": "d%d", "text": "the cat sat on the mat %d times. the dog sat on the log."}\n' $i $i >>docs.jsonl; i=$((i+1)); done
  $W bpe train --vocab-size 300 --special '<|endoftext|>' -o tok.json docs.jsonl >/dev/null 2>&1 \
    || { skip "winnow bpe train does not work in this build"; return 0; }
  expect_status 0 $W tokenize --tokenizer tok.json -o sh --val-fraction 0.2 docs.jsonl || return 1
  expect_status 0 $W train --data sh --n-layer 1 --n-head 2 --n-embd 16 --seq-len 16 --batch-size 2 --steps 3 --save ck || return 1
  expect_status 0 $W generate --checkpoint ck --tokenizer tok.json --prompt "the cat" --tokens 20 --samples 2 --jsonl --no-stop-eot || return 1
  expect_lines "$T/out" 2 || return 1
  # an untrained model writes any bytes; the JSON lines stay valid UTF-8 (U+FFFD)
  iconv -f UTF-8 -t UTF-8 "$T/out" >/dev/null 2>&1 || { fail "--jsonl output is not valid UTF-8"; return 1; }
  LC_ALL=C grep -aqE '"prompt": "the cat", "sample": 0, "text": ".*", "tokens": 20, "ttr96": ' "$T/out" || { fail "stdout: $(head -c 300 "$T/out")"; return 1; }
  expect_err '"samples": 2, "ttr96": [0-9.]+, "distinct_1": [0-9.]+, "distinct_2": [0-9.]+, "distinct_3": [0-9.]+, "rep4": ' || return 1
  expect_status 0 $W generate --checkpoint ck --tokenizer tok.json --prompt "the cat" --tokens 10 --greedy || return 1
  grep -aq '^the cat' "$T/out" || fail "greedy output does not start with the prompt"
}

t train_writes_metrics_lines train_writes_metrics_lines
t train_eval_data_is_reported_by_name train_eval_data_is_reported_by_name
t train_config_yaml_gives_the_same_run_as_flags train_config_yaml_gives_the_same_run_as_flags
t train_resume_continues_with_identical_losses train_resume_continues_with_identical_losses
t train_batch_tokens_sets_gradient_accumulation train_batch_tokens_sets_gradient_accumulation
t train_epochs_sets_the_number_of_steps train_epochs_sets_the_number_of_steps
t eval_reports_loss_and_bits_per_byte eval_reports_loss_and_bits_per_byte
t eval_on_shards_of_another_tokenizer_fails_clearly eval_on_shards_of_another_tokenizer_fails_clearly
t train_corrupt_shard_fails_naming_it train_corrupt_shard_fails_naming_it
t train_too_big_for_memory_fails_before_allocating train_too_big_for_memory_fails_before_allocating
t train_usage_errors_exit_2 train_usage_errors_exit_2
t generate_samples_text_and_diversity_metrics generate_samples_text_and_diversity_metrics
