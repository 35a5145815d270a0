#!/bin/sh
# bench reliability (issue 10): peak RSS of `winnow dedup --memory 64M` on a corpus ten
# times that (~680 MB of unique-ish documents, every 4th an exact duplicate), for exact and
# near modes, against the same command without a bound (the "peer": what the bound saves).
# Medians of 3 runs for exact; 1 run for near (slow). Data in bench/data/reliability/.
set -u
W="${WINNOW:?}"
D="${TOP:-.}/bench/data/reliability"; mkdir -p "$D"
C="$D/c640.jsonl"
[ -x /usr/bin/time ] || { echo "reliability: /usr/bin/time missing (apt-get install time)"; exit 1; }
if [ ! -s "$C" ]; then
  awk -v n=1600000 'BEGIN{ s="the quick brown fox jumps over the lazy dog while the five boxing wizards jump quickly and a wizard quickly jinxes the gnomes before they vaporize; pack my box with five dozen liquor jugs"
    for(i=0;i<n;i++){ k=(i%4==3)?i-1:i; printf "{\"id\":\"d%d\",\"text\":\"%s number %d %s %d\"}\n", i, s, k*7919, s, k }}' >"$C"
fi
echo "corpus: $(($(wc -c <"$C") / 1048576)) MiB, $(wc -l <"$C") documents"
rss() { /usr/bin/time -f '%M %e' -o "$D/t" "$@" >/dev/null 2>&1 || echo "failed: $*" >&2; cat "$D/t" | tail -1; }
med() { sort -n | awk '{a[NR]=$0} END{print a[int((NR+1)/2)]}'; }
for mode in exact near; do
  runs=3; [ $mode = near ] && runs=1
  b=$(for i in $(seq $runs); do rss "$W" dedup --mode $mode --memory 64M --tmp "$D" "$C"; done | med)
  u=$(for i in $(seq $runs); do rss "$W" dedup --mode $mode "$C"; done | med)
  set -- $b; bk=$1; bs=$2; set -- $u; uk=$1; us=$2
  echo "dedup $mode --memory 64M: peak RSS $((bk / 1024)) MiB in ${bs} s; unbounded: $((uk / 1024)) MiB in ${us} s; ratio $(awk -v a=$bk -v b=$uk 'BEGIN{printf "%.2f", a/b}')"
done
