#!/bin/sh
# bench tokenize: `winnow tokenize` throughput over the shared corpora (brown + spam), and the
# cost of its sink (batching, shuffle, split, packing, .idx, checksums, manifest) over bare
# `winnow bpe encode --format u16` of the same input with the same tokenizer and threads.
# Target (issue 4): tokenize time <= 1.20 x bare encode. Medians of RUNS runs (default 3).
# Tokenizer: $BENCH_TOKENIZER, else a GPT-2 tokenizer that bench/bpe.sh left in bench/data,
# else one trained here with `winnow bpe train` on the input (cached in bench/data).
set -u
W="${WINNOW:?}"
TOP="${TOP:-$(pwd)}"
SHARED="${SHARED:-$TOP/../shared}"
D="$TOP/bench/data"
RUNS="${RUNS:-3}"
J="${J:-2}"
mkdir -p "$D"

IN="$D/tokenize_input.jsonl"
if [ ! -s "$IN" ]; then
  zstd -dc "$SHARED/corpora/brown.jsonl.zst" "$SHARED/corpora/spam.jsonl.zst" >"$IN.tmp" && mv "$IN.tmp" "$IN" || exit 1
fi

TOKF="${BENCH_TOKENIZER:-}"
if [ -z "$TOKF" ]; then
  for f in "$D"/gpt2-tokenizer.json "$D"/gpt2.tiktoken "$D"/tokenizer.json; do [ -s "$f" ] && { TOKF=$f; break; }; done
fi
if [ -z "$TOKF" ]; then
  TOKF="$D/tokenize_bench_tok.json"
  if [ ! -s "$TOKF" ]; then
    "$W" bpe train --vocab-size 8192 -o "$TOKF" "$IN" >/dev/null || { echo "bench tokenize: cannot train a tokenizer"; exit 1; }
  fi
fi

now() { date +%s.%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

bytes=$(wc -c <"$IN" | tr -d ' ')
echo "input: $IN ($bytes bytes JSONL), tokenizer: $TOKF, -j $J, $RUNS runs"

: >"$D/t_bare"; : >"$D/t_tok"
for r in $(seq "$RUNS"); do
  t0=$(now)
  "$W" bpe encode --tokenizer "$TOKF" -j "$J" --format u16 "$IN" >/dev/null || { echo "bench tokenize: bpe encode failed"; exit 1; }
  t1=$(now)
  rm -rf "$D/tokenize_out"
  "$W" tokenize --tokenizer "$TOKF" -j "$J" -o "$D/tokenize_out" --val-fraction 0.01 "$IN" || { echo "bench tokenize: tokenize failed"; exit 1; }
  t2=$(now)
  echo "$t1 - $t0" | bc -l >>"$D/t_bare"
  echo "$t2 - $t1" | bc -l >>"$D/t_tok"
done
bare=$(median <"$D/t_bare")
tok=$(median <"$D/t_tok")
"$W" shards verify "$D/tokenize_out" >/dev/null || { echo "bench tokenize: verify failed"; exit 1; }
toks=$(grep -o '"tokens": [0-9]*' "$D/tokenize_out/manifest.json" | head -1 | sed 's/.*: //')
awk -v b="$bytes" -v bare="$bare" -v tok="$tok" -v n="$toks" 'BEGIN {
  printf "winnow tokenize:      %.3f s  %.1f MB/s  %.2f M tokens/s (%d tokens)\n", tok, b / tok / 1e6, n / tok / 1e6, n;
  printf "winnow bpe encode:    %.3f s  %.1f MB/s (bare encoder, same input, same threads)\n", bare, b / bare / 1e6;
  printf "sink overhead:        %+.1f%%  (ratio %.3f; target <= +20%%)\n", (tok / bare - 1) * 100, tok / bare;
}'
