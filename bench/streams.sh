#!/bin/sh
# bench streams: pipeline/stream on its own (no JSON) beside the tool that does the same job:
# line reading (plain vs wc -l, zstd vs zstd -dc) and writing (zstd vs zstd -3 -T1, gzip vs
# gzip -6). Medians of 3 runs, page cache warm, one core. MB are uncompressed bytes.
cd "$(dirname "$0")/.." || exit 1
SHARED="${SHARED:-$(pwd)/../shared}"
D=bench/data/streams; mkdir -p "$D"
B="$D/stream_bench"
cc -O2 -std=c11 -D_GNU_SOURCE -o "$B" bench/stream_bench.c pipeline/stream.c pipeline/buf.c -lzstd -lz -lpthread || exit 1

if [ ! -s "$D/big.jsonl" ]; then
  if [ -f "$SHARED/corpora/brown.jsonl.zst" ]; then
    zstd -q -dc "$SHARED/corpora/brown.jsonl.zst" "$SHARED/corpora/spam.jsonl.zst" >"$D/one.jsonl"
  else
    awk 'BEGIN { for (i = 0; i < 20000; i++) printf "{\"id\":\"g%d\",\"text\":\"generated text number %d with some words in it to make a line\"}\n", i, i }' >"$D/one.jsonl"
  fi
  : >"$D/big.jsonl"
  while [ "$(wc -c <"$D/big.jsonl")" -lt 300000000 ]; do cat "$D/one.jsonl" >>"$D/big.jsonl"; done
  head -c 30000000 "$D/big.jsonl" | awk '{ print }' >"$D/small.jsonl"
  zstd -q -f -3 -T1 "$D/big.jsonl" -o "$D/big.jsonl.zst"
fi
MB=$(( $(wc -c <"$D/big.jsonl") / 1000000 ))
SMB=$(( $(wc -c <"$D/small.jsonl") / 1000000 ))

secs() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
median3() { printf '%s\n' "$1" "$2" "$3" | sort -g | sed -n 2p; }
m() { a=$(secs "$@"); b=$(secs "$@"); c=$(secs "$@"); median3 "$a" "$b" "$c"; }
row() { # name mb winnow_secs peer_name peer_secs
  awk -v n="$1" -v mb="$2" -v w="$3" -v p="$4" -v ps="$5" 'BEGIN {
    printf "%-28s winnow %7.0f MB/s   %-22s %7.0f MB/s   ratio %.2f\n", n, mb / w, p, mb / ps, ps / w }'
}
cat "$D/big.jsonl" >/dev/null; cat "$D/big.jsonl.zst" >/dev/null
row "lines, plain ($MB MB)" $MB "$(m "$B" lines "$D/big.jsonl")" "wc -l" "$(m wc -l "$D/big.jsonl")"
row "lines, zstd ($MB MB)" $MB "$(m "$B" lines "$D/big.jsonl.zst")" "zstd -dc >/dev/null" "$(m zstd -q -dc "$D/big.jsonl.zst")"
row "copy plain -> /dev/null" $MB "$(m "$B" copy "$D/big.jsonl" /dev/null)" "cat >/dev/null" "$(m cat "$D/big.jsonl")"
row "copy -> zstd -3 ($SMB MB)" $SMB "$(m "$B" copy "$D/small.jsonl" "$D/o.jsonl.zst")" "zstd -3 -T1" "$(m zstd -q -f -3 -T1 "$D/small.jsonl" -o "$D/p.zst")"
row "copy -> gzip -6 ($SMB MB)" $SMB "$(m "$B" copy "$D/small.jsonl" "$D/o.jsonl.gz")" "gzip -6" "$(m gzip -6 -k -f "$D/small.jsonl")"
rm -f "$D/o.jsonl.zst" "$D/o.jsonl.gz" "$D/p.zst" "$D/small.jsonl.gz"
