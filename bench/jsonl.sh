#!/bin/sh
# bench/jsonl.sh — JSONL round trip: `winnow cat` (plain -> plain, zstd -> zstd) beside `cat`,
# the codec alone (bench/jsonl_bench.c) and a jansson round trip (bench/jansson_roundtrip.c),
# on the same input in one run. Median of RUNS (3) runs each; MB/s of uncompressed input.
#   sh bench/jsonl.sh            (make bench BENCH=jsonl; WINNOW=path/to/winnow)
# Input: ../shared/corpora/*.jsonl.zst decompressed and concatenated until it is >= 40 MB
# (generated text documents when ../shared is absent), in bench/data/ (gitignored).
# One core: every program here is single-threaded; PIN=1 pins them to CPU 0 with taskset (on a
# busy shared machine that core may be the busiest, so it is off by default).
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
SHARED=${SHARED:-$TOP/../shared}
WINNOW=${WINNOW:-$TOP/winnow}
RUNS=${RUNS:-3}
D=bench/data
mkdir -p $D
IN=$D/jsonl_in.jsonl
CC=${CC:-cc}
CFLAGS="-std=c11 -D_GNU_SOURCE -O2 $(${CC} -march=native -E -x c /dev/null >/dev/null 2>&1 && echo -march=native)"
P=""; [ "${PIN:-0}" = 1 ] && command -v taskset >/dev/null 2>&1 && P="taskset -c 0"

# ---- input ----
if [ ! -s $IN ]; then
    set -- "$SHARED"/corpora/*.jsonl.zst
    if [ -f "$1" ]; then
        : > $IN.tmp
        while [ "$(wc -c < $IN.tmp)" -lt 40000000 ]; do zstd -q -dc "$@" >> $IN.tmp || exit 1; done
    else
        /usr/bin/python3 - > $IN.tmp <<'EOF' || exit 1
import json, random
random.seed(1)
words = "the of and to in a is that for it as was with be by on not he this are or his from at which".split()
for i in range(60000):
    text = "\n\n".join(" ".join(random.choice(words) for _ in range(random.randint(20, 120))) + "." for _ in range(5))
    print(json.dumps({"id": "gen-%d" % i, "text": text, "source": "generated", "meta": {"n": i}}, ensure_ascii=False))
EOF
    fi
    mv $IN.tmp $IN
fi
[ -s $IN.zst ] || zstd -q -3 -f $IN -o $IN.zst || exit 1
BYTES=$(wc -c < $IN)
DOCS=$(wc -l < $IN)

# ---- programs ----
$CC $CFLAGS -o $D/jsonl_bench bench/jsonl_bench.c pipeline/buf.c pipeline/doc.c pipeline/jsonl.c -lm || exit 1
HAVE_JANSSON=0
if pkg-config --exists jansson 2>/dev/null; then
    $CC -O2 -o $D/jansson_roundtrip bench/jansson_roundtrip.c $(pkg-config --cflags --libs jansson) && HAVE_JANSSON=1
fi

# median wall seconds of RUNS runs of "$@" (stdout to /dev/null unless redirected inside)
median() {
    i=0; : > $D/times
    while [ $i -lt $RUNS ]; do
        t0=$(date +%s.%N)
        $P "$@" > /dev/null 2>>$D/bench.err || { echo "bench: failed: $*" >&2; tail -3 $D/bench.err >&2; echo 0; return; }
        t1=$(date +%s.%N)
        echo "$t1 - $t0" | bc -l >> $D/times
        i=$((i + 1))
    done
    sort -n $D/times | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
mbs() { echo "$BYTES / $1 / 1000000" | bc -l | awk '{printf "%.0f", $1}'; }
ratio() { echo "$1 / $2" | bc -l | awk '{printf "%.1f", $1}'; }

: > $D/bench.err
echo "input: $IN, $(echo "$BYTES / 1000000" | bc -l | awk '{printf "%.1f", $1}') MB, $DOCS documents; median of $RUNS runs; one core"
t_cat=$(median cat $IN)
t_codec=$(median $D/jsonl_bench $IN)
t_jans=0; [ $HAVE_JANSSON = 1 ] && t_jans=$(median $D/jansson_roundtrip $IN)
t_win=0; t_winz=0; t_zz=0
if [ -x "$WINNOW" ]; then
    t_win=$(median "$WINNOW" cat $IN)
    t_winz=$(median "$WINNOW" cat $IN.zst -o $D/jsonl_out.jsonl.zst)
    t_zz=$(median sh -c "zstd -q -dc $IN.zst | zstd -q -3 -c > $D/jsonl_out_peer.zst")
    rm -f $D/jsonl_out.jsonl.zst $D/jsonl_out_peer.zst
fi

printf '%-40s %8s\n' "program" "MB/s"
printf '%-40s %8s\n' "cat FILE > /dev/null" "$(mbs $t_cat)"
printf '%-40s %8s\n' "jsonl codec parse+write (jsonl_bench)" "$(mbs $t_codec)"
[ "$t_win" != 0 ] && printf '%-40s %8s\n' "winnow cat (plain -> plain)" "$(mbs $t_win)"
[ "$t_winz" != 0 ] && printf '%-40s %8s\n' "winnow cat (zstd -> zstd -3)" "$(mbs $t_winz)"
[ "$t_zz" != 0 ] && printf '%-40s %8s\n' "zstd -dc | zstd -3 (no parsing)" "$(mbs $t_zz)"
[ "$t_jans" != 0 ] && printf '%-40s %8s\n' "jansson round trip" "$(mbs $t_jans)"
if [ "$t_jans" != 0 ]; then
    echo "codec vs jansson: $(ratio $t_jans $t_codec)x"
    [ "$t_win" != 0 ] && echo "winnow cat vs jansson: $(ratio $t_jans $t_win)x (target >= 13x, >= 800 MB/s)"
fi
[ "$t_win" != 0 ] && echo "winnow cat runs at $(ratio $t_cat $t_win)x the speed of cat"
[ "$t_winz" != 0 ] && echo "winnow cat zstd vs zstd|zstd: $(ratio $t_zz $t_winz)x"
exit 0
