#!/usr/bin/env python3
"""bench/parity.py — winnow's trainer and PyTorch agree: the same initial weights (exported
from a winnow checkpoint) and the same batches give the same loss at step 0 and after 10
AdamW steps (relative difference <= 1e-4), with warmup + cosine, weight decay and clipping.

usage: WINNOW=./winnow /usr/bin/python3 bench/parity.py   (needs python3-torch, numpy)
Writes its data under bench/data/parity/. Exit 0 when every step agrees.
"""
import json, os, struct, subprocess, sys
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_torch import GPT, lr_at

W = os.environ.get("WINNOW", "./winnow")
D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "parity")
os.makedirs(D, exist_ok=True)
V, T, L, H, C, B, STEPS = 512, 64, 2, 4, 64, 4, 11
LR, MIN_LR, WARM, WD, CLIP = 1e-2, 1e-3, 3, 0.1, 1.0

# data: documents that count up by a stride (learnable, so the loss moves), one train shard
# read in order (--no-shuffle)
rng = np.random.default_rng(3)
n = (STEPS * B + 2) * T + 1
seq = []
while len(seq) < n:
    k, cur = int(rng.integers(1, 4)), int(rng.integers(0, V - 1))
    seq.append(V - 1)
    for _ in range(int(rng.integers(20, 80))):
        seq.append(cur); cur = (cur + k) % (V - 1)
toks = np.array(seq[:n], dtype=np.uint16)
shard = os.path.join(D, "par_train_000000.bin")
with open(shard, "wb") as f:
    f.write(struct.pack("<256i", 20240520, 1, n, *([0] * 253)))
    f.write(toks.tobytes())
xxh = subprocess.run(["xxhsum", "-H3", shard], capture_output=True, text=True, check=True).stdout.split("= ")[-1].strip()
json.dump({"format": "winnow-shards", "format_version": 1, "name": "par",
           "tokenizer": {"file": "none", "sha256": "0", "vocab_size": V, "eot_id": 0}, "token_bytes": 2,
           "shards": [{"file": "par_train_000000.bin", "split": "train", "documents": 1, "tokens": n,
                       "source_bytes": 4 * n, "xxh3": xxh}]}, open(os.path.join(D, "manifest.json"), "w"))

common = [W, "train", "--data", D, "--n-layer", str(L), "--n-head", str(H), "--n-embd", str(C), "--seq-len", str(T),
          "--batch-size", str(B), "--no-shuffle", "--lr", str(LR), "--min-lr", str(MIN_LR), "--warmup-steps", str(WARM),
          "--weight-decay", str(WD), "--grad-clip", str(CLIP), "--beta1", "0.9", "--beta2", "0.95", "--eps", "1e-8",
          "--eval-every", "0", "--seed", "7", "--threads", "2"]
ck = os.path.join(D, "init")
subprocess.run(common + ["--steps", "0", "--save", ck], check=True, stderr=subprocess.DEVNULL)
log = os.path.join(D, "winnow.jsonl")
subprocess.run(common + ["--steps", str(STEPS), "--log", log], check=True, stderr=subprocess.DEVNULL)
wl = [json.loads(l)["train_loss"] for l in open(log)]

# the checkpoint: magic, 32 int64, 64-byte sha, two length-prefixed strings, then float32 params
raw = open(os.path.join(ck, "checkpoint.bin"), "rb").read()
off = 8 + 32 * 8 + 64
for _ in range(2):
    (ln,) = struct.unpack_from("<Q", raw, off)
    off += 8 + ln
shapes = [("wte", (V, C)), ("wpe", (T, C)), ("ln1w", (L, C)), ("ln1b", (L, C)), ("qkvw", (L, 3 * C, C)),
          ("qkvb", (L, 3 * C)), ("attprojw", (L, C, C)), ("attprojb", (L, C)), ("ln2w", (L, C)), ("ln2b", (L, C)),
          ("fcw", (L, 4 * C, C)), ("fcb", (L, 4 * C)), ("fcprojw", (L, C, 4 * C)), ("fcprojb", (L, C)),
          ("lnfw", (C,)), ("lnfb", (C,))]
P = {}
for name, shp in shapes:
    cnt = int(np.prod(shp))
    P[name] = torch.from_numpy(np.frombuffer(raw, dtype="<f4", count=cnt, offset=off).reshape(shp).copy())
    off += 4 * cnt

torch.set_num_threads(2)
m = GPT(V, T, L, H, C)
with torch.no_grad():
    m.wte.weight.copy_(P["wte"]); m.wpe.weight.copy_(P["wpe"])
    m.lnf.weight.copy_(P["lnfw"]); m.lnf.bias.copy_(P["lnfb"])
    for l, b in enumerate(m.blocks):
        for mod, w, bias in ((b.ln1, "ln1w", "ln1b"), (b.qkv, "qkvw", "qkvb"), (b.attproj, "attprojw", "attprojb"),
                             (b.ln2, "ln2w", "ln2b"), (b.fc, "fcw", "fcb"), (b.fcproj, "fcprojw", "fcprojb")):
            mod.weight.copy_(P[w][l]); mod.bias.copy_(P[bias][l])
opt = m.optimizer(LR, WD, (0.9, 0.95), 1e-8)
data = torch.from_numpy(toks.astype(np.int64))
tl = []
for step in range(STEPS):
    x = torch.stack([data[(step * B + i) * T:(step * B + i) * T + T + 1] for i in range(B)])
    for g in opt.param_groups:
        g["lr"] = lr_at(step, LR, MIN_LR, WARM, STEPS)
    opt.zero_grad()
    loss = m(x[:, :-1], x[:, 1:])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), CLIP)
    opt.step()
    tl.append(loss.item())

worst = 0.0
print("step  winnow        pytorch       rel.diff")
for s, (a, b) in enumerate(zip(wl, tl)):
    r = abs(a - b) / abs(b)
    worst = max(worst, r)
    print(f"{s:4d}  {a:.8f}  {b:.8f}  {r:.2e}")
ok = len(wl) == STEPS and worst <= 1e-4
print(f"step 0: {abs(wl[0]-tl[0])/tl[0]:.2e}, after 10 steps: {abs(wl[10]-tl[10])/tl[10]:.2e}, worst {worst:.2e}:",
      "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
