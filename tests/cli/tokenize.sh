# Command-line tests: winnow tokenize and winnow shards (issue 4).
. "$(dirname "$0")/lib.sh"

TOK="$FIX/tokenize/tiny-tokenizer.json"     # byte-level BPE, 267 ids, <|endoftext|> = 266
NPY=/usr/bin/python3

# docs N FILE: N documents of varied length with ids d1..dN
docs() {
  awk -v n="$1" 'BEGIN {
    split("the then there in an on a re her inner answer sea tree", w, " ");
    for (i = 1; i <= n; i++) {
      s = ""; k = 3 + (i * 7) % 40;
      for (j = 0; j < k; j++) s = s (j ? " " : "") w[1 + (i * 31 + j * 17) % 13];
      printf "{\"id\":\"d%d\",\"text\":\"%s %d\\nline two\",\"source\":\"t\"}\n", i, s, i
    }
  }' >"$2"
}

u32le() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
fsize() { wc -c <"$1" | tr -d ' '; }
mfield() { grep -o "\"$2\": [0-9]*" "$1" | head -1 | sed 's/.*: //'; }

# the check llm.c's dataloader makes on every shard
llmc_check() {
  for f in "$@"; do
    magic=$(u32le "$f" 0); ver=$(u32le "$f" 4); n=$(u32le "$f" 8)
    case "$magic/$ver" in 20240520/1) w=2 ;; 20240801/7) w=4 ;; *) fail "$f: magic/version $magic/$ver"; return 1 ;; esac
    [ "$(fsize "$f")" = $((1024 + w * n)) ] || { fail "$f: size $(fsize "$f") != 1024 + $w * $n"; return 1; }
  done
}

test_writes_llmc_shards_and_manifest() {
  docs 200 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh in.jsonl || return 1
  [ -f sh/sh_train_000000.bin ] || { fail "no sh/sh_train_000000.bin: $(ls sh)"; return 1; }
  [ -f sh/sh_train_000000.idx ] && [ -f sh/manifest.json ] || { fail "missing idx or manifest: $(ls sh)"; return 1; }
  llmc_check sh/*.bin || return 1
  [ "$(mfield sh/manifest.json documents)" = 200 ] || fail "documents != 200" || return 1
  [ "$(mfield sh/manifest.json vocab_size)" = 267 ] || fail "vocab_size" || return 1
  [ "$(mfield sh/manifest.json eot_id)" = 266 ] || fail "eot_id" || return 1
  sha=$(sha256sum "$TOK" | cut -c1-64)
  grep -q "\"sha256\": \"$sha\"" sh/manifest.json || fail "tokenizer sha256 is not $sha" || return 1
  grep -q '"xxh3": "[0-9a-f]\{16\}"' sh/manifest.json || fail "no xxh3" || return 1
  # source bytes: the UTF-8 bytes of every text ("\n" in JSON is one byte)
  want=$(sed 's/.*"text":"\(.*\)","source".*/\1/; s/\\n/N/g' in.jsonl | tr -d '\n' | wc -c | tr -d ' ')
  [ "$(mfield sh/manifest.json source_bytes)" = "$want" ] || fail "source_bytes $(mfield sh/manifest.json source_bytes) != $want" || return 1
  ls -A sh | grep -q tmp && { fail "temporary files left: $(ls -A sh)"; return 1; }
  return 0
}

test_eot_precedes_every_document() {
  docs 50 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh in.jsonl || return 1
  expect_status 0 "$W" shards cat sh || return 1
  expect_lines "$T/out" 50 || return 1
  n=$(awk '$1 != 266' "$T/out" | wc -l | tr -d ' ')
  [ "$n" = 0 ] || fail "$n documents do not start with the end-of-text id"
}

test_numpy_memmap_equals_shards_cat() {
  [ -x "$NPY" ] && "$NPY" -c 'import numpy' 2>/dev/null || { skip "numpy not available for $NPY (apt-get install python3-numpy)"; return 0; }
  docs 300 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh --shard-tokens 3000 --val-fraction 0.2 in.jsonl || return 1
  for split in train val; do
    "$W" shards cat sh --split $split | tr ' ' '\n' >cat.txt || return 1
    "$NPY" - sh $split >np.txt <<'EOF' || { fail "numpy failed"; return 1; }
import sys, json, numpy as np
d, split = sys.argv[1], sys.argv[2]
m = json.load(open(d + "/manifest.json"))
for s in m["shards"]:
    if s["split"] != split: continue
    a = np.memmap(d + "/" + s["file"], dtype=np.uint16, offset=1024, mode="r")
    assert len(a) == s["tokens"], (len(a), s["tokens"])
    for x in a: print(int(x))
EOF
    [ -s np.txt ] || { fail "no $split tokens"; return 1; }
    expect_same np.txt cat.txt || return 1
  done
}

test_same_output_at_j1_and_j2() {
  docs 400 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o d -j1 --val-fraction 0.1 --shard-tokens 2000 in.jsonl || return 1
  mv d a
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o d -j 2 --val-fraction 0.1 --shard-tokens 2000 in.jsonl || return 1
  mv d b
  [ "$(ls a)" = "$(ls b)" ] || { fail "different files: $(ls a) / $(ls b)"; return 1; }
  for f in a/*; do expect_same "$f" "b/${f#a/}" || return 1; done
}

test_spilling_shuffle_gives_same_output() {
  docs 400 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o d in.jsonl || return 1
  mv d a
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o d --memory 8K --stats in.jsonl || return 1
  mv d b
  expect_err "[1-9][0-9]* spills" || return 1
  for f in a/*; do expect_same "$f" "b/${f#a/}" || return 1; done
  ls -A b | grep -q shuffle && { fail "spill files left"; return 1; }
  return 0
}

test_different_seed_different_order() {
  docs 200 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o a --name s --seed 1 in.jsonl || return 1
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o b --name s --seed 2 in.jsonl || return 1
  cmp -s a/s_train_000000.bin b/s_train_000000.bin && { fail "seeds 1 and 2 gave the same shard"; return 1; }
  "$W" shards cat a | sort >a.txt; "$W" shards cat b | sort >b.txt
  expect_same a.txt b.txt
}

test_no_shuffle_keeps_input_order() {
  docs 30 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh --no-shuffle in.jsonl || return 1
  expect_status 0 "$W" shards cat sh --decode || return 1
  grep -o '"id":"[^"]*"' "$T/out" >got.txt
  grep -o '"id":"[^"]*"' in.jsonl >want.txt
  expect_same got.txt want.txt
}

test_decode_gives_back_the_texts() {
  docs 100 in.jsonl
  printf '%s\n' '{"id":"u","text":"caf\u00e9 \u2603 \ud83d\ude00 <|endoftext|> tab\there"}' >>in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh in.jsonl || return 1
  expect_status 0 "$W" shards cat sh --decode || return 1
  "$W" cat in.jsonl | sed 's/.*"id":"\([^"]*\)","text":\("[^"]*"\).*/{"id":"\1","text":\2}/' | sort >want.txt
  sort "$T/out" >got.txt
  expect_same got.txt want.txt
}

test_val_split_by_hash_is_stable_when_corpus_grows() {
  docs 400 big.jsonl
  head -200 big.jsonl >small.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o a --val-fraction 0.25 small.jsonl || return 1
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o b --val-fraction 0.25 big.jsonl || return 1
  "$W" shards cat a --split val --decode | grep -o '"id":"[^"]*"' | sort >a.txt
  "$W" shards cat b --split val --decode | grep -o '"id":"[^"]*"' | sort >b.txt
  n=$(wc -l <a.txt); [ "$n" -gt 20 ] && [ "$n" -lt 80 ] || { fail "val has $n of 200 documents"; return 1; }
  missing=$(comm -23 a.txt b.txt | wc -l | tr -d ' ')
  [ "$missing" = 0 ] || fail "$missing val documents moved to train when the corpus grew"
}

test_shard_tokens_bounds_each_shard() {
  docs 300 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh --shard-tokens 1000 in.jsonl || return 1
  n=$(ls sh/*.bin | wc -l); [ "$n" -gt 3 ] || { fail "only $n shards"; return 1; }
  for f in sh/*.bin; do [ "$(u32le "$f" 8)" -le 1000 ] || { fail "$f has $(u32le "$f" 8) tokens"; return 1; }; done
  expect_status 0 "$W" shards verify sh
}

test_info_lists_shards_and_totals() {
  docs 100 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh --val-fraction 0.1 in.jsonl || return 1
  expect_status 0 "$W" shards info sh || return 1
  expect_out "sh_train_000000.bin +train +[0-9]+" && expect_out "sh_val_000000.bin" && expect_out "^total +all +100 "
}

test_verify_names_corrupt_shard() {
  docs 300 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh --shard-tokens 2000 in.jsonl || return 1
  expect_status 0 "$W" shards verify sh || return 1
  printf 'X' | dd of=sh/sh_train_000001.bin bs=1 seek=2000 conv=notrunc 2>/dev/null
  expect_status 1 "$W" shards verify sh || return 1
  expect_err "sh_train_000001.bin: checksum mismatch" || return 1
  head -c 1500 sh/sh_train_000002.bin >x && mv x sh/sh_train_000002.bin
  expect_status 1 "$W" shards verify sh || return 1
  expect_err "sh_train_000002.bin: size"
}

test_verify_checks_idx() {
  docs 50 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh in.jsonl || return 1
  sed -i '3d' sh/sh_train_000000.idx
  expect_status 1 "$W" shards verify sh || return 1
  expect_err "sh_train_000000.idx"
}

test_empty_texts_are_skipped_and_counted() {
  docs 20 in.jsonl
  printf '%s\n' '{"id":"e1","text":""}' '{"id":"e2","text":""}' >>in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh in.jsonl || return 1
  [ "$(mfield sh/manifest.json skipped_empty)" = 2 ] || fail "skipped_empty != 2" || return 1
  [ "$(mfield sh/manifest.json documents)" = 20 ] || fail "documents != 20"
}

test_all_empty_input_writes_empty_manifest() {
  printf '%s\n' '{"id":"e1","text":""}' >in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh in.jsonl || return 1
  [ "$(mfield sh/manifest.json documents)" = 0 ] || fail "documents != 0" || return 1
  expect_status 0 "$W" shards verify sh
}

test_unknown_tokenizer_file_fails() {
  docs 5 in.jsonl
  expect_status 1 "$W" tokenize --tokenizer nope.json -o sh in.jsonl || return 1
  expect_err "nope.json"
}

test_missing_tokenizer_option_is_usage_error() {
  expect_status 2 "$W" tokenize -o sh in.jsonl || return 1
  expect_err "tokenizer"
}

test_unwritable_dir_fails() {
  docs 5 in.jsonl
  echo x >afile
  expect_status 1 "$W" tokenize --tokenizer "$TOK" -o afile/sub in.jsonl || return 1
  expect_err "afile"
}

test_tokenizer_without_eot_fails_unless_eot_given() {
  docs 5 in.jsonl
  sed 's/<|endoftext|>/<|end|>/' "$TOK" >noeot.json
  expect_status 1 "$W" tokenize --tokenizer noeot.json -o sh in.jsonl || return 1
  expect_err "--eot" || return 1
  expect_status 0 "$W" tokenize --tokenizer noeot.json --eot '<|end|>' -o sh in.jsonl
}

test_bad_json_line_names_file_and_line() {
  docs 5 in.jsonl
  echo '{"id": "x", "text": "unterminated' >>in.jsonl
  expect_status 1 "$W" tokenize --tokenizer "$TOK" -o sh in.jsonl || return 1
  expect_err "in.jsonl:6" || return 1
  [ -f sh/manifest.json ] && { fail "manifest written after a failure"; return 1; }
  return 0
}

test_50mb_document() {
  docs 3 in.jsonl
  awk 'BEGIN { printf "{\"id\":\"big\",\"text\":\""; s = "the answer in the sea ";
       for (i = 0; i < 2400000; i++) printf "%s", s; printf "\"}\n" }' >>in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh --shard-tokens 1000000 in.jsonl || return 1
  expect_status 0 "$W" shards verify sh || return 1
  llmc_check sh/*.bin || return 1
  grep -q '"source_bytes": 52800' sh/manifest.json || [ "$(mfield sh/manifest.json source_bytes)" -gt 52800000 ] || fail "source bytes"
}

test_rerun_removes_stale_shards() {
  docs 300 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh --shard-tokens 1000 in.jsonl || return 1
  head -20 in.jsonl >small.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh small.jsonl || return 1
  [ "$(ls -A sh | wc -l | tr -d ' ')" = 3 ] || { fail "files: $(ls -A sh)"; return 1; }
  expect_status 0 "$W" shards verify sh
}

test_stdin_and_zstd_input() {
  docs 40 in.jsonl
  zstd -q in.jsonl -o in.jsonl.zst 2>/dev/null || { skip "no zstd tool"; return 0; }
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o a --name s in.jsonl.zst || return 1
  "$W" tokenize --tokenizer "$TOK" -o b --name s <in.jsonl || { fail "stdin run failed"; return 1; }
  expect_same a/s_train_000000.bin b/s_train_000000.bin
}

test_large_vocab_uses_uint32_tokens() {
  sed 's/"id": *266, *"content": *"<|endoftext|>"/"id":70000,"content":"<|endoftext|>"/; s/"id":266,"content":"<|endoftext|>"/"id":70000,"content":"<|endoftext|>"/' "$TOK" >big.json
  grep -q 70000 big.json || { fail "fixture edit failed"; return 1; }
  docs 10 in.jsonl
  "$W" tokenize --tokenizer big.json -o sh in.jsonl 2>err.txt || { skip "tokenizer with a gap in ids not loadable: $(cat err.txt)"; return 0; }
  [ "$(u32le sh/sh_train_000000.bin 0)" = 20240801 ] || { fail "magic $(u32le sh/sh_train_000000.bin 0)"; return 1; }
  llmc_check sh/*.bin || return 1
  expect_status 0 "$W" shards verify sh || return 1
  expect_status 0 "$W" shards cat sh || return 1
  [ "$(awk '{print $1}' "$T/out" | sort -u)" = 70000 ] || fail "eot not 70000"
}

test_verify_names_missing_shard() {
  docs 300 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh --shard-tokens 2000 in.jsonl || return 1
  rm sh/sh_train_000001.bin
  expect_status 1 "$W" shards verify sh || return 1
  expect_err "sh_train_000001.bin: No such file"
}

test_shards_usage_errors() {
  expect_status 2 "$W" shards || return 1
  expect_status 2 "$W" shards frob x || return 1
  expect_err "unknown subcommand" || return 1
  expect_status 1 "$W" shards info nodir || return 1
  expect_err "nodir/manifest.json" || return 1
  expect_status 0 "$W" shards -h || return 1
  expect_out "verify"
}

test_shards_accepts_manifest_path() {
  docs 20 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh in.jsonl || return 1
  expect_status 0 "$W" shards verify sh/manifest.json
}

test_no_idx_still_catted_by_eot() {
  docs 40 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh --no-idx --no-shuffle in.jsonl || return 1
  ls sh | grep -q idx && { fail "idx written with --no-idx"; return 1; }
  expect_status 0 "$W" shards verify sh || return 1
  expect_status 0 "$W" shards cat sh || return 1
  expect_lines "$T/out" 40
}

test_help_lists_options() {
  expect_status 0 "$W" tokenize -h || return 1
  expect_out "--shard-tokens" && expect_out "--val-fraction" && expect_out "--memory" && expect_out "--no-shuffle|--shuffle"
}

test_bpe_trained_tokenizer_roundtrips_brown() {
  [ -f "$SHARED/corpora/brown.jsonl.zst" ] || { skip "no $SHARED/corpora/brown.jsonl.zst"; return 0; }
  zstd -dc "$SHARED/corpora/brown.jsonl.zst" 2>/dev/null | head -40 >in.jsonl
  [ -s in.jsonl ] || { skip "no zstd tool"; return 0; }
  expect_status 0 "$W" bpe train in.jsonl --vocab-size 600 --special '<|endoftext|>' -o tok.json || return 1
  expect_status 0 "$W" tokenize --tokenizer tok.json -o sh --val-fraction 0.2 --shard-tokens 50000 -j 2 in.jsonl || return 1
  expect_status 0 "$W" shards verify sh || return 1
  llmc_check sh/*.bin || return 1
  expect_status 0 "$W" shards cat sh --decode || return 1
  sort "$T/out" >got.txt
  "$W" cat in.jsonl | sed 's/^{"id":\("[^"]*"\),"text":\("\([^"\\]\|\\.\)*"\).*/{"id":\1,"text":\2}/' | sort >want.txt
  expect_same got.txt want.txt
}

test_provenance_replaces_command() {
  docs 5 in.jsonl
  expect_status 0 "$W" tokenize --tokenizer "$TOK" -o sh --provenance 'run p.yaml "x"' in.jsonl || return 1
  grep -q '"command": "run p.yaml \\"x\\""' sh/manifest.json || fail "command: $(grep command sh/manifest.json)"
}

t tokenize_writes_llmc_shards_and_manifest test_writes_llmc_shards_and_manifest
t tokenize_eot_precedes_every_document test_eot_precedes_every_document
t tokenize_numpy_memmap_equals_shards_cat test_numpy_memmap_equals_shards_cat
t tokenize_same_output_at_j1_and_j2 test_same_output_at_j1_and_j2
t tokenize_spilling_shuffle_gives_same_output test_spilling_shuffle_gives_same_output
t tokenize_different_seed_different_order test_different_seed_different_order
t tokenize_no_shuffle_keeps_input_order test_no_shuffle_keeps_input_order
t tokenize_decode_gives_back_the_texts test_decode_gives_back_the_texts
t tokenize_val_split_stable_when_corpus_grows test_val_split_by_hash_is_stable_when_corpus_grows
t tokenize_shard_tokens_bounds_each_shard test_shard_tokens_bounds_each_shard
t shards_info_lists_shards_and_totals test_info_lists_shards_and_totals
t shards_verify_names_corrupt_shard test_verify_names_corrupt_shard
t shards_verify_checks_idx test_verify_checks_idx
t tokenize_empty_texts_skipped_and_counted test_empty_texts_are_skipped_and_counted
t tokenize_all_empty_input_writes_empty_manifest test_all_empty_input_writes_empty_manifest
t tokenize_unknown_tokenizer_file_fails test_unknown_tokenizer_file_fails
t tokenize_missing_tokenizer_is_usage_error test_missing_tokenizer_option_is_usage_error
t tokenize_unwritable_dir_fails test_unwritable_dir_fails
t tokenize_tokenizer_without_eot test_tokenizer_without_eot_fails_unless_eot_given
t tokenize_bad_json_line_names_file_and_line test_bad_json_line_names_file_and_line
t tokenize_50mb_document test_50mb_document
t tokenize_rerun_removes_stale_shards test_rerun_removes_stale_shards
t tokenize_stdin_and_zstd_input test_stdin_and_zstd_input
t tokenize_large_vocab_uses_uint32_tokens test_large_vocab_uses_uint32_tokens
t shards_verify_names_missing_shard test_verify_names_missing_shard
t shards_usage_errors test_shards_usage_errors
t shards_accepts_manifest_path test_shards_accepts_manifest_path
t tokenize_no_idx_still_catted_by_eot test_no_idx_still_catted_by_eot
t tokenize_help_lists_options test_help_lists_options
t tokenize_bpe_trained_tokenizer_roundtrips_brown test_bpe_trained_tokenizer_roundtrips_brown
t tokenize_provenance_replaces_command test_provenance_replaces_command
