#!/bin/sh
# bench filter (issue 6): throughput of `winnow filter` on the shared corpora (brown + spam,
# decompressed, ~24 MB), each rule set alone and all four together, single-threaded.
#
# MB/s per core = input bytes / CPU seconds (user + sys) of the process, which stays
# meaningful on a shared machine; wall-clock MB/s beside it. Medians of RUNS (3) runs.
# In the same run: `winnow cat` on the same file (read, parse, write: the floor every stage
# pays). The peer is not run here (NeMo Curator and datatrove need PyPI, unavailable): its
# published figure is printed for scale, NeMo Curator's heuristic filtering at about
# 1.35 MB/s per vCPU (the issue's figure).
set -u
: "${WINNOW:?}" "${TOP:?}"
SHARED="${SHARED:-$TOP/../shared}"
D="$TOP/bench/data"
mkdir -p "$D"
RUNS="${RUNS:-3}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

in="$D/filter_corpus.jsonl"
if [ ! -s "$in" ]; then
  zstd -dc "$SHARED/corpora/brown.jsonl.zst" "$SHARED/corpora/spam.jsonl.zst" >"$in" || exit 1
fi
bytes=$(wc -c <"$in")

# median of RUNS runs of "CMD...": prints "<cpu seconds> <wall seconds>"
measure() {
  "$PY" - "$RUNS" "$@" <<'PYEOF'
import resource, subprocess, sys, time
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

echo "input: $in ($(echo "$bytes" | awk '{printf "%.1f", $1 / 1e6}') MB, $(wc -l <"$in") documents), median of $RUNS runs"
set -- $(measure "$WINNOW" cat --no-progress "$in") || exit 1
echo "winnow cat (read+parse+write floor):   $(rate "$1") MB/s per core (wall $(rate "$2") MB/s)"
all=0
for r in gopher gopher-rep c4 fineweb gopher,gopher-rep,c4,fineweb; do
  set -- $(measure "$WINNOW" filter --no-progress --rules "$r" "$in") || exit 1
  printf 'winnow filter --rules %-29s %5s MB/s per core (wall %s MB/s)\n' "$r" "$(rate "$1")" "$(rate "$2")"
  all=$(rate "$1")
done
set -- $(measure "$WINNOW" filter --no-progress --annotate "$in") || exit 1
printf 'winnow filter --annotate (all four)           %5s MB/s per core (wall %s MB/s)\n' "$(rate "$1")" "$(rate "$2")"
echo "peer: NeMo Curator heuristic filters, published: 1.35 MB/s per vCPU (not run: no PyPI)"
echo "ratio (all four rule sets): $(awk -v a="$all" 'BEGIN { printf "%.0fx", a / 1.35 }') the peer's published figure; target >= 100 MB/s per core"
