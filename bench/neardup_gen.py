#!/usr/bin/python3
"""neardup_gen — a labelled near-duplicate benchmark from real documents, and its scorer.

  neardup_gen.py gen SHARED_DIR OUT_DIR [--seed N]
      Reads brown.jsonl.zst and spam.jsonl.zst from SHARED_DIR/corpora. Brown documents are cut
      into chunks of ~400 words (distinct texts). Half the chunks are "originals": each gets one
      copy made by one edit kind at one rate:
        subst / delete / insert   that fraction of words (1, 2, 5, 10, 15, 20, 30 %)
        reorder                   paragraphs (sentences groups) shuffled
        boilerplate               a block of web boilerplate appended
        case-space                random case flips and whitespace doubling on 30 % of words
      The other chunks and 1,500 mails are the unrelated documents (the mails bring their own
      natural near-duplicates). Writes OUT_DIR/neardup.jsonl (shuffled) and
      OUT_DIR/neardup.labels.jsonl: one line per (original, copy) with the edit, the rate and
      the true Jaccard of the word-5-gram sets (datatrove's simplify_text, words split on
      spaces: the same shingles as `winnow dedup --mode near` for this English text).

  neardup_gen.py score OUT_DIR ANNOTATED.jsonl [--threshold 0.8]
      ANNOTATED is the output of `winnow dedup --mode near --annotate`. A labelled pair is
      found when both documents end in the same cluster. Recall per edit kind/rate and per
      true-Jaccard band; precision over predicted pairs (each duplicate and the kept document
      of its cluster): a pair is right when both come from the same original, or when their
      true Jaccard is at least --threshold (natural duplicates among the mails).

Only the Python standard library; decompression through the zstd command.
"""
import json, random, re, subprocess, sys, unicodedata

PUNCT = "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»" + "".join(
    map(chr, (x for a, b in ((0, 9), (11, 13), (13, 32), (127, 160)) for x in range(a, b))))
PUNCT_TABLE = str.maketrans("", "", PUNCT)
BOILER = ("Subscribe to our newsletter for the latest news and offers. We use cookies to improve "
          "your experience; by continuing to browse you agree to our cookie policy. Share this "
          "article on Facebook, Twitter or by email. All rights reserved. Terms of use. Privacy.")
FILLER = ("the of and to a in that is was he for it with as his on be at by had are but from or "
          "have an they which one you were her all she there would their we him been has when who "
          "will more no if out so said what up its about into than them can only other new some "
          "time could these two may then do first any my now such like our over man me even most "
          "made after also did many before must through back years where much your way well down").split()


def simplify(text):
    text = text.lower()
    text = re.sub(r"\s+", " ", text.strip())
    text = text.translate(PUNCT_TABLE)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    text = re.sub(r"\d+", "0", text)
    return text.strip()


def shingles(text, n=5):
    w = simplify(text).split()
    if not w:
        return set()
    if len(w) < n:
        return {" ".join(w)}
    return {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}


def jaccard(a, b):
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)


def read_zst(path):
    out = subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    return [json.loads(l) for l in out.decode("utf-8").split("\n") if l.strip()]


def edit(rng, text, kind, rate):
    if kind in ("subst", "delete", "insert"):
        words = text.split(" ")
        k = max(1, round(rate * len(words)))
        idx = set(rng.sample(range(len(words)), min(k, len(words))))
        out = []
        for i, w in enumerate(words):
            if i not in idx:
                out.append(w)
            elif kind == "subst":
                out.append(rng.choice(FILLER))
            elif kind == "insert":
                out.extend([w, rng.choice(FILLER)])
        return " ".join(out)
    if kind == "reorder":
        paras = [p for p in text.split("\n\n") if p.strip()]
        if len(paras) < 2:   # no paragraphs: reorder sentences
            paras = re.split(r"(?<=[.!?]) ", text)
        rng.shuffle(paras)
        return "\n\n".join(paras)
    if kind == "boilerplate":
        return text + "\n\n" + BOILER
    if kind == "case-space":
        words = text.split(" ")
        for i in range(len(words)):
            if rng.random() < 0.3:
                words[i] = words[i].upper() if rng.random() < 0.5 else words[i] + " "
        return " ".join(words)
    raise ValueError(kind)


def gen(shared, outdir, seed=1):
    rng = random.Random(seed)
    brown = read_zst(shared + "/corpora/brown.jsonl.zst")
    spam = read_zst(shared + "/corpora/spam.jsonl.zst")
    chunks = []
    for d in brown:
        paras = d["text"].split("\n\n")
        cur, n, k = [], 0, 0
        for p in paras:
            cur.append(p)
            n += len(p.split())
            if n >= 400:
                chunks.append(("%s.%d" % (d["id"], k), "\n\n".join(cur)))
                cur, n, k = [], 0, k + 1
        if n >= 100:
            chunks.append(("%s.%d" % (d["id"], k), "\n\n".join(cur)))
    rng.shuffle(chunks)
    half = len(chunks) // 2
    kinds = [(k, r) for k in ("subst", "delete", "insert") for r in (0.01, 0.02, 0.05, 0.10, 0.15, 0.20, 0.30)]
    kinds += [("reorder", 0), ("boilerplate", 0), ("case-space", 0.3)]
    docs, labels = [], []
    for i, (cid, text) in enumerate(chunks):
        docs.append({"id": cid, "text": text, "source": "orig" if i < half else "unrelated"})
        if i >= half:
            continue
        kind, rate = kinds[i % len(kinds)]
        copy = edit(rng, text, kind, rate)
        docs.append({"id": cid + "~copy", "text": copy, "source": "copy"})
        labels.append({"a": cid, "b": cid + "~copy", "edit": kind, "rate": rate,
                       "jaccard": round(jaccard(shingles(text), shingles(copy)), 4)})
    for d in rng.sample(spam, 1500):
        docs.append({"id": d["id"], "text": d["text"], "source": "mail"})
    rng.shuffle(docs)
    with open(outdir + "/neardup.jsonl", "w") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    with open(outdir + "/neardup.labels.jsonl", "w") as f:
        for l in labels:
            f.write(json.dumps(l) + "\n")
    print("neardup_gen: %d documents, %d labelled pairs -> %s" % (len(docs), len(labels), outdir))


BANDS = [(0.0, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.85), (0.85, 0.9), (0.9, 0.95), (0.95, 1.01)]


def score(outdir, annotated, threshold):
    texts, cluster = {}, {}
    for line in open(outdir + "/neardup.jsonl", encoding="utf-8"):
        d = json.loads(line)
        texts[d["id"]] = d["text"]
    for line in open(annotated, encoding="utf-8"):
        d = json.loads(line)
        m = d.get("meta", {}).get("dedup")
        cluster[d["id"]] = m["cluster"] if m else d["id"]
    labels = [json.loads(l) for l in open(outdir + "/neardup.labels.jsonl")]
    family = {}
    for l in labels:
        family[l["a"]] = l["a"]
        family[l["b"]] = l["a"]
    found = lambda l: cluster.get(l["a"], l["a"]) == cluster.get(l["b"], l["b"])

    def line(name, ls):
        if ls:
            r = sum(found(l) for l in ls) / len(ls)
            print("  %-22s pairs %5d  recall %.3f" % (name, len(ls), r))
    print("recall by edit:")
    for key in sorted({(l["edit"], l["rate"]) for l in labels}):
        line("%s %g%%" % (key[0], key[1] * 100) if key[0] in ("subst", "delete", "insert") else key[0],
             [l for l in labels if (l["edit"], l["rate"]) == key])
    print("recall by true word-5-gram Jaccard:")
    for lo, hi in BANDS:
        line("J in [%.2f, %.2f)" % (lo, min(hi, 1.0)), [l for l in labels if lo <= l["jaccard"] < hi])
    hi_pairs = [l for l in labels if l["jaccard"] >= 0.85]
    rec85 = sum(found(l) for l in hi_pairs) / max(1, len(hi_pairs))
    # precision: every non-root document paired with its cluster root
    pred = [(i, c) for i, c in cluster.items() if c != i]
    good = 0
    for i, c in pred:
        if i in family and family.get(c) == family[i]:
            good += 1
        elif jaccard(shingles(texts[i]), shingles(texts[c])) >= threshold:
            good += 1
    prec = good / len(pred) if pred else 1.0
    print("recall at J >= 0.85: %.3f (%d pairs)   precision: %.4f (%d predicted pairs)" % (rec85, len(hi_pairs), prec, len(pred)))
    return rec85, prec


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "gen":
        gen(a[1], a[2], int(a[a.index("--seed") + 1]) if "--seed" in a else 1)
    elif len(a) >= 3 and a[0] == "score":
        score(a[1], a[2], float(a[a.index("--threshold") + 1]) if "--threshold" in a else 0.8)
    else:
        sys.exit(__doc__)
