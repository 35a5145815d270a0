#!/bin/sh
# bench bpe: winnow bpe vs its peers on the same input in one run (issue 3).
#  1. encode, GPT-2 vocabulary, shared corpora (brown + spam, 24 MB of text in 6,546 JSONL docs):
#     winnow bpe encode -j 1 and -j $J (--format u16 to /dev/null; JSON parsing included),
#     npm tiktoken (WASM, 1 thread) and npm tokenizers (HF native, encodeBatch, RAYON $J threads);
#     the peers are timed around their encode calls only. Target: winnow >= 50 MB/s at -j 2.
#  2. train on ~44 MB of text (the corpora's texts, one per line, twice; the last 5% of lines
#     held out): winnow at vocab 8192 and 30000 (-j $J), HF tokenizers' trainer (the npm binding
#     offers only its default BpeTrainer: vocab 30000, min_frequency 0; ByteLevel, RAYON $J),
#     sentencepiece spm_train --model_type bpe at 8192 if installed. Peak memory from
#     /usr/bin/time. Bytes/token of each on the held-out lines.
# Needs node + sh tools/fetch_ranks.sh for the peers (they are skipped otherwise).
# RUNS (default 3) runs for winnow and the encode peers; PEER_RUNS (default 1) for slow trainers.
set -u
W="${WINNOW:?}"
TOP="${TOP:-$(pwd)}"
SHARED="${SHARED:-$TOP/../shared}"
D="$TOP/bench/data"
RUNS="${RUNS:-3}"
PEER_RUNS="${PEER_RUNS:-1}"
J="${J:-2}"
NM="$TOP/tests/node_modules"
[ -d "$NM/tiktoken" ] || NM="$TOP/bench/node_modules"
[ -d "$NM/tiktoken" ] || { sh "$TOP/tools/fetch_ranks.sh" >/dev/null 2>&1 && NM="$TOP/tests/node_modules"; }
export BPE_NODE_MODULES="$NM"
mkdir -p "$D"
have_node=0; command -v node >/dev/null && [ -d "$NM/tiktoken" ] && have_node=1

now() { date +%s.%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

IN="$D/bpe_corpus.jsonl"
[ -s "$IN" ] || { zstd -dc "$SHARED/corpora/brown.jsonl.zst" "$SHARED/corpora/spam.jsonl.zst" >"$IN.tmp" && mv "$IN.tmp" "$IN"; } || exit 1
GPT2="$D/gpt2.tiktoken"
if [ ! -s "$GPT2" ]; then
  [ -f "$NM/tiktoken/encoders/gpt2.json" ] || { echo "bench bpe: no GPT-2 ranks (sh tools/fetch_ranks.sh)"; exit 1; }
  "$W" bpe convert "$NM/tiktoken/encoders/gpt2.json" -o "$GPT2" || exit 1
fi
[ -s "$D/gpt2-tokenizer.json" ] || "$W" bpe convert "$GPT2" -o "$D/gpt2-tokenizer.json" || exit 1

# text bytes of the documents (what every tool encodes)
if [ "$have_node" = 1 ]; then
  node -e 'const fs=require("fs");let b=0;for(const l of fs.readFileSync(process.argv[1],"utf8").split("\n"))if(l)b+=Buffer.byteLength(JSON.parse(l).text);console.log(b)' "$IN" >"$D/bpe_textbytes"
  TB=$(cat "$D/bpe_textbytes")
else
  TB=$(wc -c <"$IN" | tr -d ' ')
fi
echo "encode input: $IN ($TB text bytes), GPT-2 ranks, $RUNS runs (median)"

enc_run() {   # threads -> "wall cpu" seconds
  /usr/bin/time -f "%e %U %S" -o "$D/time_out" "$W" bpe encode -t "$GPT2" -j "$1" --format u16 "$IN" -o /dev/null || exit 1
  awk '{ print $1, $2 + $3 }' "$D/time_out"
}
mbs() { awk -v b="$TB" -v s="$1" 'BEGIN { printf "%.1f", b / s / 1e6 }'; }
for j in 1 "$J"; do
  : >"$D/t_enc_$j"; : >"$D/c_enc_$j"
  for r in $(seq "$RUNS"); do enc_run "$j" >"$D/l"; awk '{print $1}' "$D/l" >>"$D/t_enc_$j"; awk '{print $2}' "$D/l" >>"$D/c_enc_$j"; done
done
w1=$(mbs "$(median <"$D/t_enc_1")"); wj=$(mbs "$(median <"$D/t_enc_$J")")
c1=$(mbs "$(median <"$D/c_enc_1")"); cj=$(mbs "$(median <"$D/c_enc_$J")")
echo "load average now: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (wall figures shrink under load; per-CPU-second figures do not)"
echo "winnow bpe encode -j 1: ${w1} MB/s wall, ${c1} MB per CPU-second"
echo "winnow bpe encode -j $J: ${wj} MB/s wall, ${cj} MB per CPU-second (x $J = $(awk -v c="$cj" -v j="$J" 'BEGIN{printf "%.1f", c*j}') MB/s on $J idle cores; target >= 50 MB/s at -j 2)"

if [ "$have_node" = 1 ]; then
  : >"$D/t_tk"; : >"$D/t_hf"; : >"$D/c_tk"; : >"$D/c_hf"
  for r in $(seq "$RUNS"); do
    node "$TOP/bench/bpe_peers.js" tiktoken-encode "$IN" >"$D/l"; awk '{print $1}' "$D/l" >>"$D/t_tk"; awk '{print $4}' "$D/l" >>"$D/c_tk"
    RAYON_NUM_THREADS=$J node "$TOP/bench/bpe_peers.js" hf-encode "$IN" "$D/gpt2-tokenizer.json" >"$D/l"
    awk '{print $1}' "$D/l" >>"$D/t_hf"; awk '{print $4}' "$D/l" >>"$D/c_hf"
  done
  tk=$(mbs "$(median <"$D/t_tk")"); hf=$(mbs "$(median <"$D/t_hf")")
  ctk=$(mbs "$(median <"$D/c_tk")"); chf=$(mbs "$(median <"$D/c_hf")")
  echo "tiktoken (npm, WASM) 1 thread: ${tk} MB/s wall, ${ctk} MB per CPU-second; winnow -j 1 / tiktoken = $(ratio "$w1" "$tk")x wall, $(ratio "$c1" "$ctk")x CPU"
  echo "HF tokenizers (npm) $J threads: ${hf} MB/s wall, ${chf} MB per CPU-second; winnow -j $J / HF = $(ratio "$wj" "$hf")x wall, $(ratio "$cj" "$chf")x CPU"
else
  echo "encode peers skipped (no node or no tests/node_modules)"
fi

# ---- training ----
TXT="$D/bpe_train.txt"; HELD="$D/bpe_heldout.txt"
if [ ! -s "$TXT" ] || [ ! -s "$HELD" ]; then
  if [ "$have_node" = 1 ]; then
    node -e 'const fs=require("fs");const L=[];for(const l of fs.readFileSync(process.argv[1],"utf8").split("\n"))if(l)L.push(JSON.parse(l).text.replace(/[\r\n]+/g," "));
      const k=Math.floor(L.length*0.95);const tr=[];for(let i=0;i<L.length;i++)if(i%20!=19)tr.push(L[i]);const h=L.filter((_,i)=>i%20==19);
      fs.writeFileSync(process.argv[2],tr.join("\n")+"\n"+tr.join("\n")+"\n");fs.writeFileSync(process.argv[3],h.join("\n")+"\n");' "$IN" "$TXT" "$HELD"
  else
    echo "bench bpe: training bench needs node to extract texts"; exit 0
  fi
fi
TXB=$(wc -c <"$TXT" | tr -d ' ')
echo "train input: $TXT ($TXB bytes), held-out: $HELD ($(wc -c <"$HELD" | tr -d ' ') bytes)"

bpt_winnow() {  # tokenizer -> bytes/token on held-out
  "$W" bpe encode --raw -t "$1" --format u32 "$HELD" -o "$D/held.u32" || return 1
  awk -v b="$(wc -c <"$HELD")" -v t="$(wc -c <"$D/held.u32")" 'BEGIN{printf "%.3f", b/(t/4)}'
}

train_run() {  # vocab minfreq -> "wall maxrssKB cpu"
  /usr/bin/time -f "%e %M %U %S" -o "$D/time_out" "$W" bpe train --text "$TXT" --vocab-size "$1" --min-frequency "$2" \
     --special '<|endoftext|>' -j "$J" -o "$D/bpe_w$1.json" 2>/dev/null || exit 1
  awk '{ print $1, $2, $3 + $4 }' "$D/time_out"
}
for v in 8192 30000; do
  : >"$D/t_tr_$v"; : >"$D/m_tr_$v"; : >"$D/c_tr_$v"
  mf=2; [ "$v" = 30000 ] && mf=1
  for r in $(seq "$RUNS"); do
    train_run "$v" "$mf" >"$D/tr_line"
    awk '{print $1}' "$D/tr_line" >>"$D/t_tr_$v"; awk '{print $2}' "$D/tr_line" >>"$D/m_tr_$v"; awk '{print $3}' "$D/tr_line" >>"$D/c_tr_$v"
  done
  echo "winnow bpe train vocab $v -j $J: $(median <"$D/t_tr_$v") s wall, $(median <"$D/c_tr_$v") CPU-s, peak RSS $(sort -n "$D/m_tr_$v" | tail -1) KB, held-out $(bpt_winnow "$D/bpe_w$v.json") bytes/token"
done
wt8=$(median <"$D/t_tr_8192"); wt30=$(median <"$D/t_tr_30000")
wc8=$(median <"$D/c_tr_8192"); wc30=$(median <"$D/c_tr_30000")

if [ "$have_node" = 1 ] && [ -d "$NM/tokenizers" ]; then
  : >"$D/t_hftr"; : >"$D/c_hftr"
  for r in $(seq "$PEER_RUNS"); do
    RAYON_NUM_THREADS=$J /usr/bin/time -f "%e %M" -o "$D/time_out" node "$TOP/bench/bpe_peers.js" hf-train "$TXT" "$D/bpe_hf30k.json" 2>/dev/null |
      grep -E '^[0-9]' | tail -1 >"$D/hf_line" || break
    awk '{print $1}' "$D/hf_line" >>"$D/t_hftr"; awk '{print $4}' "$D/hf_line" >>"$D/c_hftr"
  done
  hft=$(median <"$D/t_hftr"); hfc=$(median <"$D/c_hftr")
  hfb=$(node "$TOP/bench/bpe_peers.js" hf-count "$D/bpe_hf30k.json" "$HELD" | grep -E '^[0-9]' | tail -1 | awk -v h="$(wc -c <"$HELD")" '{printf "%.3f", h/$3}')
  echo "HF tokenizers trainer vocab 30000 (default BpeTrainer) RAYON $J: $hft s wall, $hfc CPU-s (train call), peak RSS $(awk '{print $2}' "$D/time_out") KB, held-out $hfb bytes/token"
  echo "  train speed ratio at vocab 30000: HF / winnow = $(ratio "$hft" "$wt30")x wall, $(ratio "$hfc" "$wc30")x CPU   (target >= 3x)"
fi

if command -v spm_train >/dev/null; then
  : >"$D/t_spm"; : >"$D/c_spm"
  for r in $(seq "$PEER_RUNS"); do
    /usr/bin/time -f "%e %M %U %S" -o "$D/time_out" spm_train --input="$TXT" --model_prefix="$D/bpe_spm8k" --vocab_size=8192 \
      --model_type=bpe --num_threads="$J" --byte_fallback=true --character_coverage=1.0 \
      --input_sentence_size=100000000 --max_sentence_length=100000 >/dev/null 2>&1 || break
    awk '{print $1}' "$D/time_out" >>"$D/t_spm"; awk '{print $3 + $4}' "$D/time_out" >>"$D/c_spm"
  done
  spt=$(median <"$D/t_spm"); spc=$(median <"$D/c_spm")
  spb=$(spm_encode --model="$D/bpe_spm8k.model" --output_format=id <"$HELD" | wc -w | awk -v h="$(wc -c <"$HELD")" '{printf "%.3f", h/$1}')
  echo "sentencepiece spm_train bpe vocab 8192 ($J threads): $spt s wall, $spc CPU-s, peak RSS $(awk '{print $2}' "$D/time_out") KB, held-out $spb bytes/token"
  echo "  train speed ratio at vocab 8192: sentencepiece / winnow = $(ratio "$spt" "$wt8")x wall, $(ratio "$spc" "$wc8")x CPU"
else
  echo "sentencepiece skipped (apt-get install sentencepiece)"
fi
