/*
 * bpe_train — byte-level BPE training over the counts of unique pre-tokens.
 *
 * Phase 1 (counting, parallel): each text is pre-tokenized and every piece counted in a
 * per-thread open-addressing table keyed by its bytes (XXH3). At finish the thread tables are
 * summed into one and the unique words sorted by bytes, so nothing downstream depends on the
 * thread count or on the order texts arrived in.
 * Phase 2 (merging, one thread): words become arrays of symbol ids (byte b = id b); a pair
 * table keeps each adjacent pair's 64-bit count (sum of word counts) and the list of words it
 * occurs in. A max-heap of (count, pair) with lazy invalidation picks the next merge: an entry
 * whose count is stale is re-pushed with the current count. Merging rewrites only the words
 * that contain the pair and updates the neighbouring pairs' counts incrementally.
 *
 * Tie-break (deterministic, documented in docs/bpe.md): the highest count wins; among equal
 * counts the pair with the smaller (left id, right id) wins, ids being 0..255 for the bytes
 * and 256 + k for the k-th merge. New token = 256 + merge index; specials follow the merges.
 *
 * Memory: O(unique pre-tokens + their total length) — the corpus itself is never held.
 * Time: counting ~ pre-tokenizer speed; merging ~ O(total occurrences of merged pairs).
 */
#include "bpe_impl.h"
#include "../pipeline/sha256.h"
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <omp.h>

/* ---------- word count table ---------- */

typedef struct wc_ent { uint64_t h, count; uint32_t off, len; } wc_ent;
typedef struct wc_table { wc_ent *e; size_t mask, used; buf pool; } wc_table;

static void wc_init(wc_table *t) {
    memset(t, 0, sizeof *t);
    t->mask = 4095;
    t->e = xcalloc(t->mask + 1, sizeof *t->e);
}

static void wc_grow(wc_table *t) {
    size_t ncap = (t->mask + 1) * 2;
    wc_ent *ne = xcalloc(ncap, sizeof *ne);
    for (size_t i = 0; i <= t->mask; i++) {
        if (!t->e[i].count) continue;
        size_t h = t->e[i].h & (ncap - 1);
        while (ne[h].count) h = (h + 1) & (ncap - 1);
        ne[h] = t->e[i];
    }
    free(t->e);
    t->e = ne;
    t->mask = ncap - 1;
}

static void wc_add(wc_table *t, const void *p, size_t n, uint64_t h, uint64_t c) {
    size_t i = h & t->mask;
    for (;;) {
        wc_ent *e = &t->e[i];
        if (!e->count) break;
        if (e->h == h && e->len == n && !memcmp(t->pool.p + e->off, p, n)) { e->count += c; return; }
        i = (i + 1) & t->mask;
    }
    wc_ent *e = &t->e[i];
    e->h = h; e->count = c; e->off = (uint32_t)t->pool.len; e->len = (uint32_t)n;
    buf_add(&t->pool, p, n);
    if (++t->used * 2 > t->mask) wc_grow(t);
}

static void wc_free(wc_table *t) { free(t->e); buf_free(&t->pool); memset(t, 0, sizeof *t); }

struct bpe_trainer {
    bpe_train_opts o;
    pretok_kind pat;
    char **specials;
    wc_table *tabs;
    int nthreads;
    uint64_t nunique;       /* after finish */
};

bpe_trainer *bpe_trainer_new(const bpe_train_opts *o, char *err) {
    pretok_kind k = PRETOK_GPT2;
    if (o->pattern && pretok_parse(o->pattern, &k)) {
        err_set(err, "unknown pattern '%s' (gpt2|cl100k|o200k|none|whitespace)", o->pattern);
        return NULL;
    }
    if (o->vocab_size < 256 + o->nspecials) {
        err_set(err, "vocab size %u is below 256 + %zu specials", o->vocab_size, o->nspecials);
        return NULL;
    }
    bpe_trainer *tr = xcalloc(1, sizeof *tr);
    tr->o = *o;
    tr->pat = k;
    tr->nthreads = o->threads > 0 ? o->threads : 1;
    tr->tabs = xcalloc((size_t)tr->nthreads, sizeof *tr->tabs);
    for (int i = 0; i < tr->nthreads; i++) wc_init(&tr->tabs[i]);
    tr->specials = xcalloc(o->nspecials + 1, sizeof *tr->specials);
    for (size_t i = 0; i < o->nspecials; i++) tr->specials[i] = xstrdup(o->specials[i]);
    tr->o.specials = (const char *const *)tr->specials;
    return tr;
}

static void count_text(const bpe_trainer *tr, wc_table *t, const char *text, size_t n) {
    const uint8_t *p = (const uint8_t *)text;
    size_t i = 0;
    while (i < n) {
        size_t j = pretok_next(tr->pat, p, n, i);
        wc_add(t, p + i, j - i, XXH3_64bits(p + i, j - i), 1);
        i = j;
    }
}

void bpe_trainer_add(bpe_trainer *tr, const char *text, size_t n) { count_text(tr, &tr->tabs[0], text, n); }

void bpe_trainer_add_batch(bpe_trainer *tr, const char *const *texts, const size_t *lens, size_t n) {
    if (tr->nthreads == 1 || n < 2) {
        for (size_t i = 0; i < n; i++) count_text(tr, &tr->tabs[0], texts[i], lens[i]);
        return;
    }
    #pragma omp parallel num_threads(tr->nthreads)
    {
        wc_table *t = &tr->tabs[omp_get_thread_num()];
        #pragma omp for schedule(dynamic, 8)
        for (size_t i = 0; i < n; i++) count_text(tr, t, texts[i], lens[i]);
    }
}

uint64_t bpe_trainer_unique(const bpe_trainer *tr) {
    if (tr->nunique) return tr->nunique;
    uint64_t u = 0;
    for (int i = 0; i < tr->nthreads; i++) u += tr->tabs[i].used;   /* upper bound before finish */
    return u;
}

void bpe_trainer_free(bpe_trainer *tr) {
    if (!tr) return;
    for (int i = 0; i < tr->nthreads; i++) wc_free(&tr->tabs[i]);
    free(tr->tabs);
    for (size_t i = 0; i < tr->o.nspecials; i++) free(tr->specials[i]);
    free(tr->specials);
    free(tr);
}

/* ---------- merge phase ---------- */

typedef struct word { uint32_t off, len; uint64_t count; } word;
typedef struct wlist { uint32_t *w; uint32_t n, cap; } wlist;

typedef struct pairs {
    uint64_t *key; uint32_t *idx; size_t mask, used;   /* key -> index */
    int64_t *count; wlist *where; uint64_t *pkey; size_t n, cap;
} pairs;

static inline uint64_t mix(uint64_t k) { k ^= k >> 33; k *= 0xff51afd7ed558ccdULL; k ^= k >> 33; return k; }

static void pairs_grow(pairs *P) {
    size_t ncap = (P->mask + 1) * 2;
    uint64_t *nk = xmalloc(ncap * sizeof *nk);
    uint32_t *ni = xmalloc(ncap * sizeof *ni);
    memset(nk, 0xFF, ncap * sizeof *nk);
    for (size_t i = 0; i <= P->mask; i++) {
        if (P->key[i] == ~0ULL) continue;
        size_t h = mix(P->key[i]) & (ncap - 1);
        while (nk[h] != ~0ULL) h = (h + 1) & (ncap - 1);
        nk[h] = P->key[i]; ni[h] = P->idx[i];
    }
    free(P->key); free(P->idx);
    P->key = nk; P->idx = ni; P->mask = ncap - 1;
}

static uint32_t pair_index(pairs *P, uint64_t k) {
    size_t h = mix(k) & P->mask;
    while (P->key[h] != ~0ULL) {
        if (P->key[h] == k) return P->idx[h];
        h = (h + 1) & P->mask;
    }
    if (P->n == P->cap) {
        P->cap = P->cap ? P->cap * 2 : 65536;
        P->count = xrealloc(P->count, P->cap * sizeof *P->count);
        P->where = xrealloc(P->where, P->cap * sizeof *P->where);
        P->pkey = xrealloc(P->pkey, P->cap * sizeof *P->pkey);
    }
    uint32_t id = (uint32_t)P->n++;
    P->count[id] = 0;
    memset(&P->where[id], 0, sizeof P->where[id]);
    P->pkey[id] = k;
    P->key[h] = k; P->idx[h] = id;
    if (++P->used * 2 > P->mask) pairs_grow(P);
    return id;
}

static inline void where_add(wlist *l, uint32_t w) {
    if (l->n && l->w[l->n - 1] == w) return;
    if (l->n == l->cap) { l->cap = l->cap ? l->cap * 2 : 4; l->w = xrealloc(l->w, l->cap * sizeof *l->w); }
    l->w[l->n++] = w;
}

typedef struct hent { int64_t count; uint64_t key; } hent;
typedef struct heap { hent *e; size_t n, cap; } heap;

/* a before b: larger count, then smaller key */
static inline int hbefore(hent a, hent b) { return a.count > b.count || (a.count == b.count && a.key < b.key); }

static void hpush(heap *h, hent x) {
    if (h->n == h->cap) { h->cap = h->cap ? h->cap * 2 : 1024; h->e = xrealloc(h->e, h->cap * sizeof *h->e); }
    size_t i = h->n++;
    while (i) {
        size_t p = (i - 1) / 2;
        if (!hbefore(x, h->e[p])) break;
        h->e[i] = h->e[p]; i = p;
    }
    h->e[i] = x;
}

static hent hpop(heap *h) {
    hent top = h->e[0], x = h->e[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t l = 2 * i + 1, m;
        if (l >= n) break;
        m = (l + 1 < n && hbefore(h->e[l + 1], h->e[l])) ? l + 1 : l;
        if (!hbefore(h->e[m], x)) break;
        h->e[i] = h->e[m]; i = m;
    }
    if (n) h->e[i] = x;
    return top;
}

typedef struct wsort { const char *p; uint32_t len; uint64_t count; } wsort;
static int wsort_cmp(const void *a, const void *b) {
    const wsort *x = a, *y = b;
    uint32_t m = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, m);
    if (c) return c;
    return (x->len > y->len) - (x->len < y->len);
}

bpe *bpe_trainer_finish(bpe_trainer *tr, char *err) {
    /* sum thread tables into table 0 */
    wc_table *T = &tr->tabs[0];
    for (int k = 1; k < tr->nthreads; k++) {
        wc_table *s = &tr->tabs[k];
        for (size_t i = 0; i <= s->mask; i++)
            if (s->e[i].count) wc_add(T, s->pool.p + s->e[i].off, s->e[i].len, s->e[i].h, s->e[i].count);
        wc_free(s);
        wc_init(s);
    }
    size_t nw = T->used, k = 0;
    tr->nunique = nw;
    wsort *ws = xmalloc((nw + 1) * sizeof *ws);
    for (size_t i = 0; i <= T->mask; i++)
        if (T->e[i].count) ws[k++] = (wsort){T->pool.p + T->e[i].off, T->e[i].len, T->e[i].count};
    qsort(ws, nw, sizeof *ws, wsort_cmp);

    word *W = xmalloc((nw + 1) * sizeof *W);
    size_t total = 0;
    for (size_t i = 0; i < nw; i++) total += ws[i].len;
    uint32_t *sym = xmalloc((total + 1) * sizeof *sym);
    size_t pos = 0;
    for (size_t i = 0; i < nw; i++) {
        W[i].off = (uint32_t)pos; W[i].len = ws[i].len; W[i].count = ws[i].count;
        for (uint32_t j = 0; j < ws[i].len; j++) sym[pos++] = (uint8_t)ws[i].p[j];
    }
    free(ws);
    wc_free(T);
    wc_init(T);

    pairs P = {0};
    P.mask = 65535;
    P.key = xmalloc((P.mask + 1) * sizeof *P.key);
    P.idx = xmalloc((P.mask + 1) * sizeof *P.idx);
    memset(P.key, 0xFF, (P.mask + 1) * sizeof *P.key);
    for (size_t i = 0; i < nw; i++) {
        uint32_t *s = sym + W[i].off;
        for (uint32_t j = 0; j + 1 < W[i].len; j++) {
            uint32_t pi = pair_index(&P, (uint64_t)s[j] << 32 | s[j + 1]);
            P.count[pi] += (int64_t)W[i].count;
            where_add(&P.where[pi], (uint32_t)i);
        }
    }
    heap H = {0};
    for (size_t i = 0; i < P.n; i++) if (P.count[i] > 0) hpush(&H, (hent){P.count[i], P.pkey[i]});

    uint32_t nmerge_max = tr->o.vocab_size - 256 - (uint32_t)tr->o.nspecials;
    uint64_t minf = tr->o.min_frequency ? tr->o.min_frequency : 1;
    uint32_t (*merges)[2] = xmalloc(((size_t)nmerge_max + 1) * sizeof *merges);
    uint32_t *tok_off = xmalloc(((size_t)nmerge_max + 256) * sizeof *tok_off);
    uint32_t *tok_len = xmalloc(((size_t)nmerge_max + 256) * sizeof *tok_len);
    buf tp = {0};
    for (int b = 0; b < 256; b++) { tok_off[b] = (uint32_t)tp.len; tok_len[b] = 1; buf_addc(&tp, (char)b); }
    uint32_t *stamp = xcalloc(nw + 1, sizeof *stamp);
    uint32_t *touched = NULL; size_t ntouched = 0, captouched = 0;
    size_t nm = 0;

    while (nm < nmerge_max && H.n) {
        hent e = hpop(&H);
        uint32_t pi = pair_index(&P, e.key);
        if (P.count[pi] != e.count) {
            if (P.count[pi] > 0) hpush(&H, (hent){P.count[pi], e.key});
            continue;
        }
        if ((uint64_t)e.count < minf) break;
        uint32_t a = (uint32_t)(e.key >> 32), b = (uint32_t)e.key, z = 256 + (uint32_t)nm;
        merges[nm][0] = a; merges[nm][1] = b;
        tok_off[z] = (uint32_t)tp.len;
        tok_len[z] = tok_len[a] + tok_len[b];
        buf_reserve(&tp, tok_len[z]);
        buf_add(&tp, tp.p + tok_off[a], tok_len[a]);
        buf_add(&tp, tp.p + tok_off[b], tok_len[b]);
        nm++;
        ntouched = 0;
        wlist wl = P.where[pi];
        memset(&P.where[pi], 0, sizeof P.where[pi]);
        for (uint32_t wi = 0; wi < wl.n; wi++) {
            uint32_t w = wl.w[wi];
            if (stamp[w] == nm) continue;
            stamp[w] = (uint32_t)nm;
            uint32_t *s = sym + W[w].off, n = W[w].len;
            int64_t c = (int64_t)W[w].count;
            uint32_t i = 0, o = 0;
            /* in-place rewrite: s[0..o) is the output so far */
            while (i < n) {
                if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                    if (o > 0) {
                        uint32_t prev = s[o - 1];
                        uint64_t k1 = (uint64_t)prev << 32 | a, k2 = (uint64_t)prev << 32 | z;
                        if (k1 != e.key) P.count[pair_index(&P, k1)] -= c;
                        uint32_t q = pair_index(&P, k2);
                        P.count[q] += c;
                        where_add(&P.where[q], w);
                        if (ntouched == captouched) { captouched = captouched ? captouched * 2 : 256; touched = xrealloc(touched, captouched * sizeof *touched); }
                        touched[ntouched++] = q;
                    }
                    if (i + 2 < n) {
                        uint32_t next = s[i + 2];
                        uint64_t k1 = (uint64_t)b << 32 | next;
                        if (k1 != e.key) P.count[pair_index(&P, k1)] -= c;
                        /* (z,next) unless next starts another (a,b) that will merge: then the
                         * (prev=z, a) handling above corrects it on the next step */
                        uint32_t q = pair_index(&P, (uint64_t)z << 32 | next);
                        P.count[q] += c;
                        where_add(&P.where[q], w);
                        if (ntouched == captouched) { captouched = captouched ? captouched * 2 : 256; touched = xrealloc(touched, captouched * sizeof *touched); }
                        touched[ntouched++] = q;
                    }
                    s[o++] = z;
                    i += 2;
                } else {
                    s[o++] = s[i++];
                }
            }
            W[w].len = o;
        }
        free(wl.w);
        P.count[pi] = 0;
        for (size_t t = 0; t < ntouched; t++) {
            uint32_t q = touched[t];
            if (P.count[q] > 0) hpush(&H, (hent){P.count[q], P.pkey[q]});
        }
    }

    /* build the tokenizer */
    uint32_t ntok = 256 + (uint32_t)nm;
    bpe *t = bpe_new(ntok + (uint32_t)tr->o.nspecials);
    t->pat = tr->pat;
    for (uint32_t id = 0; id < ntok; id++) bpe_set_token(t, id, tp.p + tok_off[id], tok_len[id], 0);
    for (size_t i = 0; i < tr->o.nspecials; i++)
        bpe_set_token(t, ntok + (uint32_t)i, tr->specials[i], strlen(tr->specials[i]), 1);
    int r = bpe_index(t, err);
    if (!r) bpe_set_merges(t, merges, nm);
    else free(merges);

    free(touched); free(stamp); free(tok_off); free(tok_len); buf_free(&tp);
    free(H.e);
    for (size_t i = 0; i < P.n; i++) free(P.where[i].w);
    free(P.where); free(P.count); free(P.pkey); free(P.key); free(P.idx);
    free(sym); free(W);
    if (r) { bpe_free(t); return NULL; }
    buf js = {0};
    bpe_save_json(t, &js, err);
    sha256_hex(js.p, js.len, t->hash);
    buf_free(&js);
    return t;
}
