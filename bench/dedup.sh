#!/bin/sh
# bench dedup (issue 5): throughput of `winnow dedup` exact and near on real text, beside
# xxhsum on the same bytes (the hashing ceiling), and the near-dup detector's precision and
# recall on the labelled benchmark from bench/neardup_gen.py.
#
# MB/s per core = input bytes / CPU seconds (user + sys) of the single-threaded process, which
# stays meaningful on a shared machine; wall-clock MB/s is printed beside it. Medians of 3 runs.
# datatrove's MinHash stage is not run here (no PyPI); its published figure is printed for
# reference: ~0.9 MB/s per task (datatrove issue #298: 4 TB in 71 min on 1,200 tasks).
set -u
: "${WINNOW:?}" "${TOP:?}"
SHARED="${SHARED:-$TOP/../shared}"
D="$TOP/bench/data"
mkdir -p "$D"
RUNS="${RUNS:-3}"
PY=/usr/bin/python3

big="$D/dedup_corpus.jsonl"
if [ ! -s "$big" ]; then
  # brown + spam twice (~48 MB): the second copy is all exact duplicates
  for i in 1 2; do zstd -dc "$SHARED/corpora/brown.jsonl.zst" "$SHARED/corpora/spam.jsonl.zst"; done >"$big" || exit 1
fi
bytes=$(wc -c <"$big")
mb=$(echo "$bytes" | awk '{printf "%.1f", $1 / 1e6}')

# median of RUNS runs of "CMD...": prints "<cpu seconds> <wall seconds>" (getrusage: microseconds)
measure() {
  "$PY" - "$RUNS" "$@" <<'PYEOF'
import os, resource, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
res = []
for _ in range(runs):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN); t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t1 = time.perf_counter(); r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode:
        sys.stderr.write(p.stderr.decode(errors="replace")); sys.exit(1)
    res.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime, t1 - t0))
res.sort()
print("%.6f %.6f" % res[len(res) // 2])
PYEOF
}
rate() { awk -v b="$bytes" -v s="$1" 'BEGIN { r = 0; if (s > 0) r = b / s / 1e6; printf "%.0f", r }'; }

echo "input: $big ($mb MB, $(wc -l <"$big") documents)"
set -- $(measure xxhsum -H2 "$big") || exit 1; xx_cpu=$1 xx_wall=$2
echo "xxhsum -H2 (XXH128, hashing ceiling): $(rate "$xx_cpu") MB/s per core (wall $(rate "$xx_wall") MB/s)"

set -- $(measure "$WINNOW" dedup --mode exact "$big" -o /dev/null) || exit 1; ex_cpu=$1 ex_wall=$2
ex=$(rate "$ex_cpu")
echo "winnow dedup --mode exact:  $ex MB/s per core (wall $(rate "$ex_wall") MB/s); target >= 500; $(awk -v a="$ex" -v b="$(rate "$xx_cpu")" 'BEGIN{printf "%.2f", a/b}')x xxhsum"

set -- $(measure "$WINNOW" dedup --mode near -j 1 "$big" -o /dev/null) || exit 1; ne_cpu=$1 ne_wall=$2
ne=$(rate "$ne_cpu")
echo "winnow dedup --mode near -j 1 (5-grams, 14x8 = 112 hashes): $ne MB/s per core (wall $(rate "$ne_wall") MB/s); target >= 50"
echo "datatrove MinHash (published, per task): 0.9 MB/s -> ratio $(awk -v a="$ne" 'BEGIN{printf "%.0f", a/0.9}')x"

set -- $(measure "$WINNOW" dedup --mode near -j 2 "$big" -o /dev/null) || exit 1
echo "winnow dedup --mode near -j 2: wall $(rate "$2") MB/s (CPU $(rate "$1") MB/s per core, OpenMP waits included)"

# the same near dedup split into phases by `winnow run` (docs/dedup.md), the corpus in 8 files
sp="$D/split"
if [ ! -s "$sp/p.yaml" ]; then
  mkdir -p "$sp/data" && split -n l/8 -d "$big" "$sp/data/in" && for f in "$sp"/data/in0?; do mv "$f" "$f.jsonl"; done
  printf 'input: [data/*.jsonl]\nsteps:\n  - dedup: {mode: near}\noutput: {dir: out, compress: none}\n' >"$sp/p.yaml"
fi
set -- $(measure "$WINNOW" run -q --force -j 1 "$sp/p.yaml") || exit 1; s1=$(rate "$1")
set -- $(measure "$WINNOW" run -q --force -j 2 "$sp/p.yaml") || exit 1
echo "winnow run, near dedup split in phases over 8 files: $s1 MB/s per core at -j 1 ($(awk -v a="$s1" -v b="$ne" 'BEGIN{printf "%.2f", a/b}')x the single process's CPU rate), wall $(rate "$2") MB/s at -j 2; split files $(du -sh "$sp/out/.winnow/split" | cut -f1)"

set -- $(measure "$WINNOW" dedup --mode lines "$big" -o /dev/null) || exit 1
echo "winnow dedup --mode lines: $(rate "$1") MB/s per core (wall $(rate "$2") MB/s)"

"$WINNOW" dedup --mode near "$big" -o /dev/null --memory 4M --tmp "$D" --stats 2>"$D/.stats" || exit 1
echo "near with --memory 4M: $(grep -E 'peak RSS' "$D/.stats" | sed 's/.*peak RSS/peak RSS/'), $(grep -E 'spilled sorted runs' "$D/.stats" | awk '{print $NF}') sorted runs spilled"

# quality
if [ -x "$PY" ]; then
  nd="$D/neardup"
  mkdir -p "$nd"
  [ -s "$nd/neardup.jsonl" ] || "$PY" "$TOP/bench/neardup_gen.py" gen "$SHARED" "$nd" || exit 1
  "$WINNOW" dedup --mode near --annotate "$nd/neardup.jsonl" -o "$nd/annotated.jsonl" || exit 1
  echo "== near-dup quality, --mode near (no --verify) =="
  "$PY" "$TOP/bench/neardup_gen.py" score "$nd" "$nd/annotated.jsonl"
  "$WINNOW" dedup --mode near --verify --annotate "$nd/neardup.jsonl" -o "$nd/annotated_v.jsonl" || exit 1
  echo "== near-dup quality, --mode near --verify --threshold 0.8 (targets: recall >= 0.95 at J >= 0.85, precision >= 0.99) =="
  "$PY" "$TOP/bench/neardup_gen.py" score "$nd" "$nd/annotated_v.jsonl"
else
  echo "SKIP quality: no /usr/bin/python3"
fi
