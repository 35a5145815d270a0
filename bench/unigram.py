#!/usr/bin/env python3
"""bench/unigram.py DIR — the baseline a trained model must beat: a unigram model of the train
split (add-one smoothing) scored on the val split, in nats per token and bits per byte
(the manifest's source bytes, as winnow train's val_bpb). Needs numpy."""
import json, math, os, sys
import numpy as np

d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
V = m["tokenizer"]["vocab_size"]

def load(split):
    toks, nbytes = [], 0
    for s in m["shards"]:
        if s.get("split", "train") != split:
            continue
        raw = np.fromfile(os.path.join(d, s["file"]), dtype=np.uint8)
        hdr = raw[:1024].view("<i4")
        toks.append(raw[1024:].view("<u2" if hdr[0] == 20240520 else "<u4").astype(np.int64))
        nbytes += s["source_bytes"]
    return np.concatenate(toks), nbytes

tr, _ = load("train")
va, vbytes = load("val")
p = (np.bincount(tr, minlength=V) + 1.0) / (len(tr) + V)
nats = float(-np.log(p[va]).mean())
print(json.dumps({"unigram_val_loss": round(nats, 4), "unigram_val_bpb": round(nats * len(va) / (math.log(2) * vbytes), 4),
                  "val_tokens": int(len(va)), "val_bytes": int(vbytes)}))
