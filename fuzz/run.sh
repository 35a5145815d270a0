#!/bin/sh
# fuzz/run.sh — build the libFuzzer targets (fuzz/*.c) into fuzz/build/ and run each for
# $FUZZ_SECONDS seconds (default 60) with ASan + UBSan, one at a time.
#   sh fuzz/run.sh [TARGET...]          (make fuzz FUZZ_SECONDS=N runs every target)
#   FUZZ_BUILD_ONLY=1                   build, seed the corpora, do not run
#   FUZZ_JOBS=N                         compile jobs (default 2)
#   FUZZ_ARGS="..."                     extra libFuzzer flags (e.g. -max_len=65536)
# Seeds: tests/fixtures, ../shared/conformance, examples/ and a few generated files, copied
# into fuzz/corpus-<target>/ (gitignored; what the fuzzer finds accumulates there).
# Crashes are written to fuzz/build/crash-<target>-*; turn each into a regression test
# (tests/bad-inputs/ or tests/unit). Exit 1 when a target crashed.
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
SHARED="${SHARED:-$TOP/../shared}"
SECS="${FUZZ_SECONDS:-60}"
CC_F="${FUZZ_CC:-clang}"
B=fuzz/build
mkdir -p "$B/obj"
PKG_CFLAGS=$(pkg-config --cflags libzstd libxxhash yaml-0.1 zlib 2>/dev/null)
PKG_LIBS=$(pkg-config --libs libzstd libxxhash yaml-0.1 icu-uc icu-i18n zlib openblas libcurl 2>/dev/null)
CFL="-std=c11 -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -fopenmp -fsanitize=address,undefined -fno-sanitize-recover=undefined $PKG_CFLAGS"
command -v "$CC_F" >/dev/null || { echo "fuzz: $CC_F not found (apt-get install clang libclang-rt-14-dev)"; exit 1; }

# 1. the library (no trainer/: the targets need none of it), instrumented for coverage
objs=""
jobs=0
for src in pipeline/*.c tokenizer/*.c filters/*.c; do
  o="$B/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')"
  objs="$objs $o"
  dir=$(dirname "$src")
  if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ -n "$(find "$dir" pipeline -name '*.h' -newer "$o" 2>/dev/null | head -1)" ]; then
    $CC_F $CFL -fsanitize=fuzzer-no-link -c -o "$o" "$src" 2>"$o.log" || { echo "fuzz: $src does not compile:"; cat "$o.log"; rm -f "$o"; } &
    jobs=$((jobs + 1))
    [ "$jobs" -ge "${FUZZ_JOBS:-2}" ] && { wait; jobs=0; }
  fi
done
wait
have=""; for o in $objs; do [ -f "$o" ] && have="$have $o"; done
rm -f "$B/libwinnow-fuzz.a"; ar rcs "$B/libwinnow-fuzz.a" $have || exit 1

# 2. the targets
targets="${*:-$(for f in fuzz/*.c; do basename "$f" .c; done)}"
for t in $targets; do
  if [ ! -f "$B/$t" ] || [ "fuzz/$t.c" -nt "$B/$t" ] || [ "$B/libwinnow-fuzz.a" -nt "$B/$t" ]; then
    $CC_F $CFL -fsanitize=fuzzer -o "$B/$t" "fuzz/$t.c" "$B/libwinnow-fuzz.a" $PKG_LIBS -fopenmp -lm -lpthread || { echo "fuzz: target $t does not build"; exit 1; }
  fi
done

# 3. seed corpora (copied, never linked: the fuzzer writes into them)
W=""
for w in "${WINNOW:-}" "$TOP/winnow" "$TOP"/build/*/winnow; do [ -n "$w" ] && [ -x "$w" ] && { W=$w; break; }; done
seed() { # seed TARGET FILE... (files over 64 KiB are cut)
  d="fuzz/corpus-$1"; shift; mkdir -p "$d"
  for f in "$@"; do [ -f "$f" ] || continue
    n="$d/seed-$(echo "$f" | tr '/ ' '__' | tail -c 100)"; head -c 65536 "$f" >"$n"; done
}
G="$B/gen"; rm -rf "$G"; mkdir -p "$G"
# JSONL: fixture lines, JSONTestSuite values, documents with every field kind
i=0; for f in tests/fixtures/*/*.jsonl; do head -n 3 "$f" >"$G/lines$i.jsonl"; i=$((i+1)); done
printf '%s\n' '{"id":"a","text":"hi\\n\\u00e9\\ud83d\\ude00","source":null,"url":"http://x","meta":{"k":[1,2.5e3,{"z":null}],"s":"\\""},"extra":true}' \
  '{"text":"no id"}' '{"text":"dup","text":"x"}' '{"id":"x","text":"a\tb"} ' '[1,2]' '{"text":"\u00ff"}' >"$G/docs.jsonl"
seed jsonl "$G"/*.jsonl "$SHARED"/conformance/*/test_parsing/*.json "$SHARED"/conformance/test_parsing/*.json
# streams: plain, zstd, gzip, multi-frame, truncated
printf 'line one\nline two\r\nlast' >"$G/plain.txt"
if command -v zstd >/dev/null; then
  zstd -q -c "$G/plain.txt" >"$G/p.zst"; cat "$G/p.zst" "$G/p.zst" >"$G/multi.zst"; head -c 20 "$G/p.zst" >"$G/trunc.zst"
  head -c 3000 /dev/zero | zstd -q -19 -c >"$G/zeros.zst"
fi
if command -v gzip >/dev/null; then
  gzip -c "$G/plain.txt" >"$G/p.gz"; cat "$G/p.gz" "$G/p.gz" >"$G/multi.gz"; head -c 20 "$G/p.gz" >"$G/trunc.gz"
fi
seed stream "$G"/plain.txt "$G"/*.zst "$G"/*.gz "$G/docs.jsonl"
# YAML pipelines: examples, plus the loader's shapes
cat >"$G/p1.yaml" <<'Y'
input: [in.jsonl, "data/*.jsonl"]
workers: 2
seed: 7
steps:
  - sample: {fraction: 0.5}
  - head: {count: 3}
  - filter: {rules: [gopher, c4]}
  - dedup: {mode: exact}
output: {dir: out, compress: zstd, rejects: true}
tokenize: {tokenizer: tok.json, dir: shards, val_fraction: 0.01}
Y
cat >"$G/p2.yaml" <<'Y'
input: in.jsonl
steps: [cat, {head: {count: 1}}]
base: &b {fraction: 0.25}
output: {dir: "o"}
Y
seed plan "$G"/*.yaml examples/*.yaml examples/*/*.yaml
# tokenizer files: tokenizer.json fixture; tiktoken and vocab\0merges made by winnow if built
seed bpe_load tests/fixtures/tokenize/*.json
if [ -n "$W" ]; then
  "$W" bpe convert tests/fixtures/tokenize/tiny-tokenizer.json -o "$G/tiny.tiktoken" 2>/dev/null
  "$W" bpe convert tests/fixtures/tokenize/tiny-tokenizer.json -o "$G/vocab.json" --to vocab 2>/dev/null &&
    [ -f "$G/merges.txt" ] && { cat "$G/vocab.json"; printf '\0'; cat "$G/merges.txt"; } >"$G/vocab-merges.bin"
  seed bpe_load "$G"/tiny.tiktoken "$G"/vocab-merges.bin
fi
# shards and manifests
if command -v python3 >/dev/null; then
  python3 - "$G" <<'P'
import struct, sys
g = sys.argv[1]
for name, magic, ver, w, toks in (("s16.bin", 20240520, 1, 2, [1, 2, 65535]), ("s32.bin", 20240801, 7, 4, [70000, 0])):
    h = struct.pack("<256i", magic, ver, len(toks), *([0] * 253))
    open(f"{g}/{name}", "wb").write(h + b"".join(t.to_bytes(w, "little") for t in toks))
P
fi
cat >"$G/manifest.json" <<'M'
{"format": "winnow-shards", "format_version": 1, "name": "t",
 "tokenizer": {"file": "tok.json", "sha256": "0000000000000000000000000000000000000000000000000000000000000000", "vocab_size": 267, "eot_id": 266},
 "token_bytes": 2, "seed": 0, "val_fraction": 0.5, "shuffle": true, "shard_tokens": 100, "command": "winnow tokenize",
 "totals": {"documents": 2, "tokens": 10, "source_bytes": 8, "skipped_empty": 0},
 "splits": {"train": {"documents": 1, "tokens": 5, "source_bytes": 4, "shards": 1}, "val": {"documents": 1, "tokens": 5, "source_bytes": 4, "shards": 1}},
 "shards": [{"file": "t_train_000000.bin", "idx": "t_train_000000.idx", "split": "train", "documents": 1, "tokens": 5, "source_bytes": 4, "xxh3": "0123456789abcdef"},
            {"file": "t_val_000000.bin", "split": "val", "documents": 1, "tokens": 5, "source_bytes": 4, "xxh3": "0123456789abcdef"}]}
M
seed shard "$G"/*.bin "$G"/manifest.json
seed bpe_roundtrip "$G/plain.txt" "$G/docs.jsonl" tests/fixtures/bpe/texts.jsonl

[ -n "${FUZZ_BUILD_ONLY:-}" ] && { echo "fuzz: built $targets"; exit 0; }

# 4. run, one target at a time
status=0
for t in $targets; do
  dict=""
  case $t in jsonl|shard|bpe_load) dict="-dict=fuzz/json.dict" ;; plan) dict="-dict=fuzz/yaml.dict" ;; esac
  export FUZZ_TOKENIZER="$TOP/tests/fixtures/tokenize/tiny-tokenizer.json"
  mkdir -p "fuzz/corpus-$t"
  [ -z "$(ls "fuzz/corpus-$t")" ] && seed "$t" "$G/plain.txt" "$G/docs.jsonl" tests/fixtures/bpe/texts.jsonl   # targets added by others
  log="$B/$t.log"
  start=$(date +%s)
  tm=""; [ -x /usr/bin/time ] && tm="/usr/bin/time -f %U:%S -o $B/$t.cpu"
  ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  $tm "$B/$t" $dict -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=20 -max_len=${FUZZ_MAX_LEN:-4096} -print_final_stats=1 \
    -artifact_prefix="$B/crash-$t-" ${FUZZ_ARGS:-} "fuzz/corpus-$t" >"$log" 2>&1
  rc=$?
  end=$(date +%s)
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  cpu=$(tail -1 "$B/$t.cpu" 2>/dev/null | awk -F: '$1 ~ /^[0-9.]+$/ {printf "%.0f", $1 + $2}')
  echo "$(date -u +%FT%TZ) $t rc=$rc wall=$((end - start)) cpu=${cpu:-?} runs=${runs:-?} $cov" >>"$B/history.log"
  if [ "$rc" = 0 ]; then echo "fuzz $t: ok, $((end - start)) s wall, ${cpu:-?} s CPU, ${runs:-?} runs, $cov"
  else echo "fuzz $t: CRASH (exit $rc) after $((end - start)) s; see $log and $B/crash-$t-*"
    grep -E 'ERROR|SUMMARY|fuzz property|runtime error' "$log" | head -5; status=1; fi
done
exit $status
