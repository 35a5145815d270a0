#!/bin/sh
# bench augment: `winnow tag` and `winnow augment` (permute, synonym, template) on the Brown
# corpus repeated to ~24 MB, beside a peer doing the same job where one exists:
#   tag      vs jq (one rule: source brown/* -> "<brown.edu>\n" prefix and meta.tag)
#   permute  vs /usr/bin/python3 (json + regex sentence split + seeded shuffle; no ICU)
# Medians of 3 runs, page cache warm, one core. MB are input bytes.
cd "$(dirname "$0")/.." || exit 1
SHARED="${SHARED:-$(pwd)/../shared}"
W="${WINNOW:-$(pwd)/winnow}"
D=bench/data/augment; mkdir -p "$D"
if [ ! -s "$D/in.jsonl" ]; then
  if [ -f "$SHARED/corpora/brown.jsonl.zst" ]; then zstd -q -dc "$SHARED/corpora/brown.jsonl.zst" >"$D/one.jsonl"
  else awk 'BEGIN { for (i = 0; i < 5000; i++) printf "{\"id\":\"g%d\",\"text\":\"One sentence here. Another one follows. A third ends it.\",\"source\":\"brown/x\"}\n", i }' >"$D/one.jsonl"; fi
  for r in 1 2 3 4; do sed "s/\"id\": *\"/\"id\":\"r$r-/" "$D/one.jsonl"; done >"$D/in.jsonl"
fi
MB=$(awk -v b="$(wc -c <"$D/in.jsonl")" 'BEGIN { printf "%.1f", b / 1e6 }')
printf 'rules:\n  - match: {source: "brown/*"}\n    tag: "<brown.edu>"\ndefault: none\n' >"$D/rules.yaml"
cat >"$D/permute.py" <<'PY'
import json, random, re, sys
for line in sys.stdin:
    d = json.loads(line)
    print(line, end="")
    s = re.split(r"(?<=[.!?])\s+", d["text"])
    random.Random(d["id"]).shuffle(s)
    v = dict(d, id=d["id"] + "#aug1", text=" ".join(s))
    v.setdefault("meta", {})["augment"] = {"of": d["id"], "methods": ["permute"]}
    print(json.dumps(v, ensure_ascii=False))
PY
JQ='if ((.source // "") | startswith("brown/")) then .text = "<brown.edu>\n" + .text | .meta.tag = "<brown.edu>" else . end'

secs() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
median3() { printf '%s\n' "$1" "$2" "$3" | sort -g | sed -n 2p; }
m() { a=$(secs "$@"); b=$(secs "$@"); c=$(secs "$@"); median3 "$a" "$b" "$c"; }
row() { awk -v n="$1" -v mb="$2" -v w="$3" -v p="$4" -v ps="$5" 'BEGIN {
    if (ps == "") printf "%-26s winnow %7.1f MB/s   (no peer)\n", n, mb / w;
    else printf "%-26s winnow %7.1f MB/s   %-16s %7.1f MB/s   ratio %.1f\n", n, mb / w, p, mb / ps, ps / w }'; }
cat "$D/in.jsonl" >/dev/null
JQS=; command -v jq >/dev/null && JQS=$(m sh -c "jq -c '$JQ' '$D/in.jsonl' >/dev/null")
row "tag ($MB MB)" "$MB" "$(m "$W" tag --rules "$D/rules.yaml" "$D/in.jsonl")" "jq" "$JQS"
PYS=; [ -x /usr/bin/python3 ] && PYS=$(m sh -c "/usr/bin/python3 '$D/permute.py' <'$D/in.jsonl' >/dev/null")
row "augment permute, M=1" "$MB" "$(m "$W" augment -m permute "$D/in.jsonl")" "python3" "$PYS"
row "augment synonym R=0.15" "$MB" "$(m "$W" augment -m synonym "$D/in.jsonl")" "" ""
