#!/bin/sh
# make bench [BENCH=name]: runs bench/<name>.sh (all of them when BENCH is empty). Each script
# measures winnow and its peer on the same input in one run and prints the ratio.
# Generated inputs go to bench/data/ (gitignored). Figures are medians of several runs.
cd "$(dirname "$0")/.." || exit 1
export TOP="$(pwd)" WINNOW="${WINNOW:-$(pwd)/winnow}"
export SHARED="${SHARED:-$TOP/../shared}"
mkdir -p bench/data
status=0
for b in ${1:-jsonl streams dedup filter tag augment bpe tokenize train}; do
  [ -f "bench/$b.sh" ] || { echo "bench: no bench/$b.sh"; continue; }
  echo "== bench $b =="
  sh "bench/$b.sh" || { echo "bench $b: failed"; status=1; }
done
exit $status
