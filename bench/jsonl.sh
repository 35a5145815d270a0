#!/bin/sh
# bench/jsonl.sh — JSONL round trip: `winnow cat` (plain -> plain, zstd -> zstd) beside `cat`,
# the codec alone (bench/jsonl_bench.c) and a jansson round trip (bench/jansson_roundtrip.c),
# on the same input in one run. Median of RUNS (3) runs each; MB/s of uncompressed input.
#   sh bench/jsonl.sh            (make bench BENCH=jsonl; WINNOW=path/to/winnow)
# Input: ../shared/corpora/*.jsonl.zst decompressed and concatenated until it is >= 40 MB (MINBYTES)
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
        while [ "$(wc -c < $IN.tmp)" -lt ${MINBYTES:-40000000} ]; do zstd -q -dc "$@" >> $IN.tmp || exit 1; done
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

# median wall and CPU (user + sys of the children) seconds of RUNS runs of "$@", stdout to
# /dev/null. CPU time is the steadier figure on a shared, busy machine.
median() {
    /usr/bin/python3 - "$RUNS" "$@" <<'PY' 2>>$D/bench.err || { echo "bench: failed: $*" >&2; tail -3 $D/bench.err >&2; echo "0 0"; }
import os, resource, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
walls, cpus = [], []
for _ in range(runs):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN); t0 = time.monotonic()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    t1 = time.monotonic(); r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    walls.append(t1 - t0)
    cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
walls.sort(); cpus.sort()
print("%.6f %.6f" % (walls[len(walls) // 2], cpus[len(cpus) // 2]))
PY
}
mbs() { echo "$1" | awk -v b=$BYTES '{ if ($1 > 0) printf "%8.0f", b / $1 / 1e6; else printf "%8s", "-" }'; }
row() { printf '%-40s %s %s\n' "$1" "$(mbs "${2% *}")" "$(mbs "${2#* }")"; }
ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.1f", $1 / $2; else printf "-" }'; }

: > $D/bench.err
echo "input: $IN, $(echo "$BYTES" | awk '{printf "%.1f", $1 / 1e6}') MB, $DOCS documents; median of $RUNS runs; one core each"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) on $(nproc 2>/dev/null) cores"
t_cat=$(median $P cat $IN)
t_codec=$(median $P $D/jsonl_bench $IN)
t_jans="0 0"; [ $HAVE_JANSSON = 1 ] && t_jans=$(median $P $D/jansson_roundtrip $IN)
t_win="0 0"; t_winz="0 0"; t_zz="0 0"
if [ -x "$WINNOW" ]; then
    t_win=$(median $P "$WINNOW" cat $IN)
    t_winz=$(median $P "$WINNOW" cat $IN.zst -o $D/jsonl_out.jsonl.zst)
    t_zz=$(median $P sh -c "zstd -q -dc $IN.zst | zstd -q -3 -c > $D/jsonl_out_peer.zst")
    rm -f $D/jsonl_out.jsonl.zst $D/jsonl_out_peer.zst
fi

printf '%-40s %8s %8s\n' "program (MB/s of uncompressed input)" "wall" "CPU"
row "cat FILE > /dev/null" "$t_cat"
row "jsonl codec parse+write (jsonl_bench)" "$t_codec"
[ "$t_win" != "0 0" ] && row "winnow cat (plain -> plain)" "$t_win"
[ "$t_winz" != "0 0" ] && row "winnow cat (zstd -> zstd)" "$t_winz"
[ "$t_zz" != "0 0" ] && row "zstd -dc | zstd -3 (no parsing)" "$t_zz"
[ "$t_jans" != "0 0" ] && row "jansson round trip" "$t_jans"
if [ "$t_jans" != "0 0" ]; then
    echo "codec vs jansson: $(ratio "${t_jans% *}" "${t_codec% *}")x wall, $(ratio "${t_jans#* }" "${t_codec#* }")x CPU"
    [ "$t_win" != "0 0" ] && echo "winnow cat vs jansson: $(ratio "${t_jans% *}" "${t_win% *}")x wall, $(ratio "${t_jans#* }" "${t_win#* }")x CPU (target >= 13x, >= 800 MB/s)"
fi
[ "$t_win" != "0 0" ] && echo "winnow cat speed / cat speed: $(ratio "${t_cat% *}" "${t_win% *}") wall"
[ "$t_winz" != "0 0" ] && echo "winnow cat zstd / zstd|zstd: $(ratio "${t_zz% *}" "${t_winz% *}")x wall, $(ratio "${t_zz#* }" "${t_winz#* }")x CPU"
exit 0
