#!/bin/sh
# bench/train.sh — winnow train against PyTorch (Debian python3-torch) on the same model and
# batch: 4 layers x 4 heads x 256 dims, seq 256, vocab 8192, batch 8, fp32, 2 threads.
# Prints per setting (OPENBLAS_CORETYPE=Haswell and unset): winnow's and PyTorch's tokens/s
# (medians of REPS runs, each the median of the timed steps after 2 untimed ones), the ratio,
# winnow's achieved GFLOP/s and OpenBLAS sgemm's GFLOP/s on the model's largest matmul shape
# (2 threads, the same run). Runs alternate winnow / PyTorch so both see the same machine;
# on a shared machine also read the median of the per-run ratios.
# Env: WINNOW (binary), REPS (3), STEPS (8), THREADS (2).
set -u
cd "$(dirname "$0")/.." || exit 1
W=${WINNOW:-./winnow}
REPS=${REPS:-3}; STEPS=${STEPS:-8}; TH=${THREADS:-2}
PY=/usr/bin/python3
# Both use OpenMP; on a shared machine spinning threads cost either of them up to 3x, so both
# get passive waiting (PyTorch measured 397 tokens/s spinning, 1305 passive, same minute).
export OMP_WAIT_POLICY=passive
D=bench/data/train; mkdir -p "$D/rand"
L=4 H=4 C=256 T=256 V=8192 B=8
$PY -c 'import torch' 2>/dev/null || { echo "SKIP: PyTorch missing (apt-get install python3-torch)"; exit 0; }

# random tokens: speed does not depend on the text
if [ ! -f "$D/rand/manifest.json" ]; then
  $PY - "$D/rand" <<'PY'
import struct, random, sys
r = random.Random(1); n = 400000
t = [r.randrange(8192) for _ in range(n)]
open(sys.argv[1] + "/rand_train_000000.bin", "wb").write(struct.pack("<256i", 20240520, 1, n, *([0] * 253)) + struct.pack(f"<{n}H", *t))
PY
  x=$(xxhsum -H3 "$D/rand/rand_train_000000.bin" | sed 's/.*= //')
  cat >"$D/rand/manifest.json" <<JSON
{"format": "winnow-shards", "format_version": 1, "name": "rand",
 "tokenizer": {"file": "none", "sha256": "0", "vocab_size": 8192, "eot_id": 0}, "token_bytes": 2,
 "shards": [{"file": "rand_train_000000.bin", "split": "train", "documents": 1, "tokens": 400000, "source_bytes": 1600000, "xxh3": "$x"}]}
JSON
fi
cc -O2 -o "$D/sgemm_peak" bench/sgemm_peak.c $(pkg-config --cflags --libs openblas) || exit 1

# model FLOPs per token: 6 * (matmul params) + attention (computed full, 12 L T C)
FPT=$(awk -v L=$L -v C=$C -v V=$V -v T=$T 'BEGIN { printf "%.0f", 6 * (12 * L * C * C + C * V) + 12 * L * T * C }')
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

winnow_run() {
  OMP_NUM_THREADS=$TH "$W" train --data "$D/rand" --n-layer $L --n-head $H --n-embd $C \
    --seq-len $T --batch-size $B --steps $((STEPS + 2)) --eval-every 0 --threads $TH --log "$D/w.jsonl" 2>/dev/null || return 1
  sed -n '3,$p' "$D/w.jsonl" | sed 's/.*"tokens_per_s": \([0-9.e+]*\).*/\1/' | median
}
torch_run() {
  $PY bench/train_torch.py --threads $TH --steps $STEPS --n-layer $L --n-head $H --n-embd $C --seq-len $T \
    --vocab $V --batch-size $B | sed 's/.*"tokens_per_s": \([0-9.e+]*\).*/\1/'
}

for ct in Haswell unset; do
  if [ $ct = unset ]; then unset OPENBLAS_CORETYPE; else export OPENBLAS_CORETYPE=$ct; fi
  : >"$D/w.txt"; : >"$D/t.txt"; : >"$D/g.txt"; : >"$D/r.txt"
  i=0
  while [ $i -lt "$REPS" ]; do
    wr=$(winnow_run) || { echo "winnow train failed"; exit 1; }
    tr=$(torch_run) || { echo "torch failed"; exit 1; }
    echo "$wr" >>"$D/w.txt"; echo "$tr" >>"$D/t.txt"
    awk -v w="$wr" -v t="$tr" 'BEGIN { print w / t }' >>"$D/r.txt"
    OPENBLAS_NUM_THREADS=$TH "$D/sgemm_peak" $TH $((B * T)) $((4 * C)) $C >>"$D/g.txt"
    i=$((i + 1))
  done
  w=$(median <"$D/w.txt"); t=$(median <"$D/t.txt"); g=$(median <"$D/g.txt"); pr=$(median <"$D/r.txt")
  awk -v ct=$ct -v w=$w -v t=$t -v g=$g -v f=$FPT -v th=$TH -v r=$REPS -v pr=$pr 'BEGIN {
    printf "OPENBLAS_CORETYPE=%s, %d threads, median of %d runs:\n", ct, th, r
    printf "  winnow train  %8.0f tokens/s  (%.1f GFLOP/s achieved)\n", w, w * f / 1e9
    printf "  PyTorch       %8.0f tokens/s\n", t
    printf "  ratio         %8.2fx  (median of the per-run ratios: %.2fx)\n", w / t, pr
    printf "  OpenBLAS sgemm %.1f GFLOP/s (%d threads, %dx%dx%d)\n", g, th, 2048, 1024, 256 }'
  echo "  runs: winnow $(tr '\n' ' ' <"$D/w.txt")| torch $(tr '\n' ' ' <"$D/t.txt")"
done
