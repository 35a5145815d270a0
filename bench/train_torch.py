#!/usr/bin/env python3
"""The model of winnow's trainer (trainer/model.c) in PyTorch, for the speed benchmark
(bench/train.sh) and the parity check (bench/parity.py).

GPT-2 style: tied token embedding, learned positions, pre-LayerNorm blocks of causal
multi-head attention and a 4x GELU (tanh) MLP, final LayerNorm; init N(0, 0.02), residual
projections N(0, 0.02/sqrt(2 n_layer)); AdamW with weight decay on matrices only.

Usage as a benchmark:
  train_torch.py --threads 2 --steps 10 [--n-layer 4 --n-head 4 --n-embd 256 --seq-len 256
                 --vocab 8192 --batch-size 8]
prints one JSON line: {"tokens_per_s": median over the timed steps, ...}.
"""
import argparse, json, math, statistics, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.H = H
        self.ln1 = nn.LayerNorm(C)
        self.qkv = nn.Linear(C, 3 * C)
        self.attproj = nn.Linear(C, C)
        self.ln2 = nn.LayerNorm(C)
        self.fc = nn.Linear(C, 4 * C)
        self.fcproj = nn.Linear(4 * C, C)
        self.gelu = nn.GELU(approximate="tanh")

    def forward(self, x, mask):
        B, T, C = x.shape
        H, hs = self.H, C // self.H
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q = q.view(B, T, H, hs).transpose(1, 2)
        k = k.view(B, T, H, hs).transpose(1, 2)
        v = v.view(B, T, H, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
        att = att.masked_fill(mask[:T, :T] == 0, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.attproj(y)
        return x + self.fcproj(self.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self, V, T, L, H, C):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(T, C)
        self.blocks = nn.ModuleList(Block(C, H) for _ in range(L))
        self.lnf = nn.LayerNorm(C)
        self.register_buffer("mask", torch.tril(torch.ones(T, T)))
        for n, p in self.named_parameters():
            if n.endswith("proj.weight"):
                nn.init.normal_(p, 0, 0.02 / math.sqrt(2 * L))
            elif n.endswith("weight") and p.dim() == 2:
                nn.init.normal_(p, 0, 0.02)
            elif n.endswith("bias"):
                nn.init.zeros_(p)

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.blocks:
            x = b(x, self.mask)
        logits = self.lnf(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))

    def optimizer(self, lr, wd, betas, eps):
        decay = [p for n, p in self.named_parameters() if p.dim() == 2]
        rest = [p for n, p in self.named_parameters() if p.dim() < 2]
        return torch.optim.AdamW([{"params": decay, "weight_decay": wd},
                                  {"params": rest, "weight_decay": 0.0}],
                                 lr=lr, betas=betas, eps=eps)


def lr_at(step, lr, min_lr, warmup, total):
    """trainer/optim.c optim_lr"""
    if warmup > 0 and step < warmup:
        return lr * (step + 1) / warmup
    if step >= total:
        return min_lr
    r = (step - warmup) / (total - warmup)
    return min_lr + 0.5 * (1 + math.cos(math.pi * r)) * (lr - min_lr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup-steps-untimed", type=int, default=2)
    ap.add_argument("--n-layer", type=int, default=4)
    ap.add_argument("--n-head", type=int, default=4)
    ap.add_argument("--n-embd", type=int, default=256)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--vocab", type=int, default=8192)
    ap.add_argument("--batch-size", type=int, default=8)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    m = GPT(a.vocab, a.seq_len, a.n_layer, a.n_head, a.n_embd)
    opt = m.optimizer(6e-4, 0.1, (0.9, 0.95), 1e-8)
    g = torch.Generator().manual_seed(2)
    times, loss = [], None
    for step in range(a.warmup_steps_untimed + a.steps):
        x = torch.randint(0, a.vocab, (a.batch_size, a.seq_len + 1), generator=g)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = m(x[:, :-1], x[:, 1:])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
        opt.step()
        if step >= a.warmup_steps_untimed:
            times.append(time.perf_counter() - t0)
    tok = a.batch_size * a.seq_len
    print(json.dumps({"tokens_per_s": tok / statistics.median(times), "steps": len(times),
                      "loss": loss.item(), "torch": torch.__version__, "threads": a.threads}))


if __name__ == "__main__":
    main()
