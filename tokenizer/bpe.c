/*
 * bpe — the tokenizer table, encode and decode (see bpe.h, bpe_impl.h for the layout).
 *
 * Encoding a text: split at special tokens when allowed, pre-tokenize each segment
 * (pretok.c), and turn each piece into ids:
 *   1 byte -> its byte id;  cached piece (per-ctx direct-mapped cache of pieces up to
 *   CACHE_KEY bytes) -> cached ids;  whole_lookup and the piece is a token -> that id;
 *   else merge: start from the byte ids and repeatedly merge the adjacent pair of lowest
 *   priority, leftmost first (tiktoken's and HF's rule). Pieces under HEAP_MIN bytes use a
 *   linear scan over an array of pair priorities (O(n^2), fast when short); longer ones a
 *   binary heap over a linked list with lazy invalidation (O(n log n)), so a 5,000-character
 *   word costs milliseconds, not seconds.
 * Decoding concatenates the byte strings of the ids; bpe_decode(bpe_encode(x)) == x for all
 * byte strings because pieces cover the input and every byte has an id.
 *
 * Costs: no allocation per piece or per document once a ctx's scratch has grown; a ctx holds
 * ~1.3 MiB of cache (16,384 entries of 80 bytes).
 */
#include "bpe_impl.h"
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#define CACHE_BITS 14
#define CACHE_KEY 23
#define CACHE_IDS 11
#define HEAP_MIN 96

typedef struct cache_ent {
    uint64_t h;
    uint8_t klen, nids;
    char key[CACHE_KEY];
    uint32_t ids[CACHE_IDS];
} cache_ent;

typedef struct heap_ent { uint32_t rank, pos; } heap_ent;

struct bpe_ctx {
    const bpe *t;
    cache_ent *cache;
    uint32_t *sym, *rk, *nx, *pv;
    heap_ent *heap;
    size_t cap;
};

/* ---------- building ---------- */

bpe *bpe_new(uint32_t ntok) {
    bpe *t = xcalloc(1, sizeof *t);
    t->ntok = ntok;
    t->tcap = ntok ? ntok : 1;
    t->off = xcalloc(ntok ? ntok : 1, sizeof *t->off);
    t->len = xmalloc((ntok ? ntok : 1) * sizeof *t->len);
    for (uint32_t i = 0; i < ntok; i++) t->len[i] = BPE_NONE;
    t->special = xcalloc(ntok ? ntok : 1, 1);
    t->pmask = 1023;
    t->ps = xmalloc((t->pmask + 1) * sizeof *t->ps);
    memset(t->ps, 0xFF, (t->pmask + 1) * sizeof *t->ps);
    t->pat = PRETOK_GPT2;
    (void)bpe_byte_to_cp(0);     /* build the table before any thread needs it */
    return t;
}

void bpe_set_token(bpe *t, uint32_t id, const void *p, size_t n, int special) {
    if (id >= t->ntok) {
        uint32_t nn = id + 1;
        if (nn > t->tcap) {
            uint32_t cap = t->tcap * 2 > nn ? t->tcap * 2 : nn;
            t->off = xrealloc(t->off, cap * sizeof *t->off);
            t->len = xrealloc(t->len, cap * sizeof *t->len);
            t->special = xrealloc(t->special, cap);
            t->tcap = cap;
        }
        for (uint32_t i = t->ntok; i < nn; i++) { t->off[i] = 0; t->len[i] = BPE_NONE; t->special[i] = 0; }
        t->ntok = nn;
    }
    t->off[id] = (uint32_t)t->pool.len;
    t->len[id] = (uint32_t)n;
    buf_add(&t->pool, p, n);
    if (special && !t->special[id]) {
        t->special[id] = 1;
        t->spec = xrealloc(t->spec, (t->nspec + 1) * sizeof *t->spec);
        t->spec[t->nspec++] = id;
    }
}

static inline uint64_t pair_hash(uint64_t k) {
    k ^= k >> 33; k *= 0xff51afd7ed558ccdULL; k ^= k >> 33;
    return k;
}

static void pair_grow(bpe *t) {
    size_t ocap = t->pmask + 1, ncap = ocap * 2;
    struct bpe_pslot *o = t->ps;
    t->ps = xmalloc(ncap * sizeof *t->ps);
    memset(t->ps, 0xFF, ncap * sizeof *t->ps);
    t->pmask = ncap - 1;
    for (size_t i = 0; i < ocap; i++) {
        if (o[i].key == ~0ULL) continue;
        size_t h = pair_hash(o[i].key) & t->pmask;
        while (t->ps[h].key != ~0ULL) h = (h + 1) & t->pmask;
        t->ps[h] = o[i];
    }
    free(o);
}

void bpe_pair_put(bpe *t, uint32_t a, uint32_t b, uint32_t rank, uint32_t id) {
    uint64_t k = ((uint64_t)a << 32) | b;
    size_t h = pair_hash(k) & t->pmask;
    while (t->ps[h].key != ~0ULL) {
        if (t->ps[h].key == k) {           /* keep the lowest priority (first merge wins) */
            if (rank < t->ps[h].rank) { t->ps[h].rank = rank; t->ps[h].id = id; }
            return;
        }
        h = (h + 1) & t->pmask;
    }
    t->ps[h].key = k; t->ps[h].rank = rank; t->ps[h].id = id;
    if (++t->pcount * 2 > t->pmask) pair_grow(t);
}

static inline int pair_get(const bpe *t, uint32_t a, uint32_t b, uint32_t *rank, uint32_t *id) {
    uint64_t k = ((uint64_t)a << 32) | b;
    size_t h = pair_hash(k) & t->pmask;
    for (;;) {
        const struct bpe_pslot *s = &t->ps[h];
        if (s->key == k) { *rank = s->rank; *id = s->id; return 1; }
        if (s->key == ~0ULL) return 0;
        h = (h + 1) & t->pmask;
    }
}

int bpe_pair_get(const bpe *t, uint32_t a, uint32_t b, uint32_t *rank, uint32_t *id) {
    return pair_get(t, a, b, rank, id);
}

static inline uint64_t bytes_hash(const void *p, size_t n) { return XXH3_64bits(p, n); }

static inline int64_t bytes_id(const bpe *t, const void *p, size_t n, uint64_t hv) {
    size_t h = hv & t->bmask;
    uint32_t tag = (uint32_t)(hv >> 32);
    for (;;) {
        struct bpe_bslot s = t->bs[h];
        if (!s.id1) return -1;
        if (s.tag == tag) {
            uint32_t id = s.id1 - 1;
            if (t->len[id] == n && !memcmp(t->pool.p + t->off[id], p, n)) return id;
        }
        h = (h + 1) & t->bmask;
    }
}

int64_t bpe_bytes_id(const bpe *t, const void *p, size_t n) {
    if (!t->bs) return -1;
    return bytes_id(t, p, n, bytes_hash(p, n));
}

int bpe_index(bpe *t, char *err) {
    size_t cap = 1024;
    while (cap < (size_t)t->ntok * 2 + 2) cap *= 2;
    free(t->bs);
    t->bs = xcalloc(cap, sizeof *t->bs);
    t->bmask = cap - 1;
    for (uint32_t id = 0; id < t->ntok; id++) {
        if (t->len[id] == BPE_NONE || t->special[id]) continue;
        const char *p = t->pool.p + t->off[id];
        uint64_t hv = bytes_hash(p, t->len[id]);
        if (bytes_id(t, p, t->len[id], hv) >= 0) continue;    /* duplicate bytes: first id wins */
        size_t h = hv & t->bmask;
        while (t->bs[h].id1) h = (h + 1) & t->bmask;
        t->bs[h].id1 = id + 1;
        t->bs[h].tag = (uint32_t)(hv >> 32);
    }
    for (int b = 0; b < 256; b++) {
        unsigned char c = (unsigned char)b;
        int64_t id = bpe_bytes_id(t, &c, 1);
        if (id < 0) return err_set(err, "no token for byte 0x%02X: not a byte-level vocabulary", b);
        t->byte_id[b] = (uint32_t)id;
    }
    return 0;
}

void bpe_pairs_from_ranks(bpe *t) {
    for (uint32_t id = 0; id < t->ntok; id++) {
        uint32_t n = t->len[id];
        if (n == BPE_NONE || n < 2 || t->special[id]) continue;
        const char *p = t->pool.p + t->off[id];
        for (uint32_t k = 1; k < n; k++) {
            int64_t a = bpe_bytes_id(t, p, k), b;
            if (a < 0) continue;
            b = bpe_bytes_id(t, p + k, n - k);
            if (b < 0) continue;
            bpe_pair_put(t, (uint32_t)a, (uint32_t)b, id, id);
        }
    }
    t->whole_lookup = 1;
}

void bpe_set_merges(bpe *t, uint32_t (*m)[2], size_t n) {
    free(t->merges);
    t->merges = m;
    t->nmerges = n;
    buf tmp = {0};
    for (size_t i = 0; i < n; i++) {
        buf_reset(&tmp);
        buf_add(&tmp, t->pool.p + t->off[m[i][0]], t->len[m[i][0]]);
        buf_add(&tmp, t->pool.p + t->off[m[i][1]], t->len[m[i][1]]);
        int64_t id = bpe_bytes_id(t, tmp.p, tmp.len);
        if (id >= 0) bpe_pair_put(t, m[i][0], m[i][1], (uint32_t)i, (uint32_t)id);
    }
    buf_free(&tmp);
}

void bpe_derive_merges(bpe *t) {
    if (t->merges) return;
    bpe_ctx *c = bpe_ctx_new(t);
    uint32_t (*m)[2] = xmalloc(((size_t)t->ntok + 1) * sizeof *m);
    size_t nm = 0;
    uint32_t *out = NULL; size_t outcap = 0;
    /* rank order = id order for rank files */
    for (uint32_t id = 0; id < t->ntok; id++) {
        uint32_t n = t->len[id];
        if (n == BPE_NONE || n < 2 || t->special[id]) continue;
        if (outcap < n) { outcap = n; out = xrealloc(out, outcap * sizeof *out); }
        size_t k = bpe_merge_piece(c, (const uint8_t *)t->pool.p + t->off[id], n, id, out);
        if (k == 2) { m[nm][0] = out[0]; m[nm][1] = out[1]; nm++; }
    }
    free(out);
    bpe_ctx_free(c);
    t->merges = m;
    t->nmerges = nm;
}

void bpe_free(bpe *t) {
    if (!t) return;
    free(t->off); free(t->len); buf_free(&t->pool); free(t->special);
    free(t->ps); free(t->bs); free(t->spec); free(t->merges);
    free(t);
}

/* ---------- queries ---------- */

uint32_t bpe_vocab_size(const bpe *t) { return t->ntok; }

int64_t bpe_token_id(const bpe *t, const char *token, size_t n) {
    for (size_t i = 0; i < t->nspec; i++) {
        uint32_t id = t->spec[i];
        if (t->len[id] == n && !memcmp(t->pool.p + t->off[id], token, n)) return id;
    }
    return bpe_bytes_id(t, token, n);
}

int64_t bpe_eot_id(const bpe *t) {
    for (size_t i = 0; i < t->nspec; i++) {
        uint32_t id = t->spec[i];
        if (t->len[id] == 13 && !memcmp(t->pool.p + t->off[id], "<|endoftext|>", 13)) return id;
    }
    return -1;
}

void bpe_hash(const bpe *t, char hex[65]) { memcpy(hex, t->hash, 65); }

/* ---------- encoding ---------- */

bpe_ctx *bpe_ctx_new(const bpe *t) {
    bpe_ctx *c = xcalloc(1, sizeof *c);
    c->t = t;
    c->cache = xcalloc((size_t)1 << CACHE_BITS, sizeof *c->cache);
    return c;
}

void bpe_ctx_free(bpe_ctx *c) {
    if (!c) return;
    free(c->cache); free(c->sym); free(c->rk); free(c->nx); free(c->pv); free(c->heap);
    free(c);
}

static void ctx_reserve(bpe_ctx *c, size_t n) {
    if (n <= c->cap) return;
    size_t cap = c->cap ? c->cap : 256;
    while (cap < n) cap *= 2;
    c->sym = xrealloc(c->sym, cap * sizeof *c->sym);
    c->rk = xrealloc(c->rk, cap * sizeof *c->rk);
    c->nx = xrealloc(c->nx, cap * sizeof *c->nx);
    c->pv = xrealloc(c->pv, cap * sizeof *c->pv);
    c->heap = xrealloc(c->heap, 2 * cap * sizeof *c->heap);
    c->cap = cap;
}

static inline uint32_t prio(const bpe *t, uint32_t a, uint32_t b, uint32_t max_rank, uint32_t *id) {
    uint32_t r;
    if (pair_get(t, a, b, &r, id) && r < max_rank) return r;
    return BPE_NONE;
}

static size_t merge_linear(bpe_ctx *c, size_t n, uint32_t max_rank) {
    const bpe *t = c->t;
    uint32_t *s = c->sym, *r = c->rk, *m = c->nx;    /* m[i]: id the pair (i, i+1) merges into */
    for (size_t i = 0; i + 1 < n; i++) r[i] = prio(t, s[i], s[i + 1], max_rank, &m[i]);
    while (n > 1) {
        uint32_t best = BPE_NONE; size_t bi = 0;
        for (size_t i = 0; i + 1 < n; i++) if (r[i] < best) { best = r[i]; bi = i; }
        if (best == BPE_NONE) break;
        s[bi] = m[bi];
        memmove(s + bi + 1, s + bi + 2, (n - bi - 2) * sizeof *s);
        if (bi + 2 < n) {
            memmove(r + bi + 1, r + bi + 2, (n - bi - 3) * sizeof *r);
            memmove(m + bi + 1, m + bi + 2, (n - bi - 3) * sizeof *m);
        }
        n--;
        if (bi > 0) r[bi - 1] = prio(t, s[bi - 1], s[bi], max_rank, &m[bi - 1]);
        if (bi + 1 < n) r[bi] = prio(t, s[bi], s[bi + 1], max_rank, &m[bi]);
    }
    return n;
}

static inline int heap_less(heap_ent a, heap_ent b) {
    return a.rank < b.rank || (a.rank == b.rank && a.pos < b.pos);
}
static inline void heap_push(heap_ent *h, size_t *hn, heap_ent e) {
    size_t i = (*hn)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!heap_less(e, h[p])) break;
        h[i] = h[p]; i = p;
    }
    h[i] = e;
}
static inline heap_ent heap_pop(heap_ent *h, size_t *hn) {
    heap_ent top = h[0], e = h[--(*hn)];
    size_t i = 0, n = *hn;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l >= n) break;
        m = l;
        if (l + 1 < n && heap_less(h[l + 1], h[l])) m = l + 1;
        if (!heap_less(h[m], e)) break;
        h[i] = h[m]; i = m;
    }
    if (n) h[i] = e;
    return top;
}

/* Heap merge over a linked list; rk[i] = priority of the pair (i, next(i)) at push time. */
static size_t merge_heap(bpe_ctx *c, size_t n, uint32_t max_rank) {
    const bpe *t = c->t;
    uint32_t *s = c->sym, *nx = c->nx, *pv = c->pv, id;
    heap_ent *h = c->heap;
    size_t hn = 0;
    const uint32_t END = BPE_NONE;
    for (size_t i = 0; i < n; i++) { nx[i] = i + 1 < n ? (uint32_t)(i + 1) : END; pv[i] = i ? (uint32_t)(i - 1) : END; }
    for (size_t i = 0; i + 1 < n; i++) {
        uint32_t r = prio(t, s[i], s[i + 1], max_rank, &id);
        if (r != BPE_NONE) heap_push(h, &hn, (heap_ent){r, (uint32_t)i});
    }
    /* dead nodes have s = END */
    while (hn) {
        heap_ent e = heap_pop(h, &hn);
        uint32_t i = e.pos;
        if (s[i] == END || nx[i] == END) continue;
        uint32_t j = nx[i];
        uint32_t r = prio(t, s[i], s[j], max_rank, &id);
        if (r != e.rank) continue;
        s[i] = id; s[j] = END;
        nx[i] = nx[j];
        if (nx[j] != END) pv[nx[j]] = i;
        if (pv[i] != END) {
            uint32_t rr = prio(t, s[pv[i]], s[i], max_rank, &id);
            if (rr != BPE_NONE) heap_push(h, &hn, (heap_ent){rr, pv[i]});
        }
        if (nx[i] != END) {
            uint32_t rr = prio(t, s[i], s[nx[i]], max_rank, &id);
            if (rr != BPE_NONE) heap_push(h, &hn, (heap_ent){rr, i});
        }
    }
    size_t k = 0;
    for (uint32_t i = 0; i != END; i = nx[i]) s[k++] = s[i];
    return k;
}

size_t bpe_merge_piece(bpe_ctx *c, const uint8_t *p, size_t n, uint32_t max_rank, uint32_t *out) {
    ctx_reserve(c, n + 1);
    for (size_t i = 0; i < n; i++) c->sym[i] = c->t->byte_id[p[i]];
    size_t k = n < HEAP_MIN ? merge_linear(c, n, max_rank) : merge_heap(c, n, max_rank);
    memcpy(out, c->sym, k * sizeof *out);
    return k;
}

static inline void ids_reserve(uint32_t **ids, size_t *len, size_t *cap, size_t extra) {
    if (*len + extra <= *cap) return;
    size_t nc = *cap ? *cap : 1024;
    while (nc < *len + extra) nc *= 2;
    *ids = xrealloc(*ids, nc * sizeof **ids);
    *cap = nc;
}

static void encode_piece(bpe_ctx *c, const uint8_t *p, size_t n, uint32_t **ids, size_t *len, size_t *cap) {
    const bpe *t = c->t;
    if (n == 1) {
        ids_reserve(ids, len, cap, 1);
        (*ids)[(*len)++] = t->byte_id[p[0]];
        return;
    }
    cache_ent *ce = NULL;
    uint64_t h = 0;
    if (n <= CACHE_KEY) {
        h = bytes_hash(p, n);
        ce = &c->cache[h & (((size_t)1 << CACHE_BITS) - 1)];
        if (ce->h == h && ce->klen == n && !memcmp(ce->key, p, n)) {
            ids_reserve(ids, len, cap, ce->nids);
            memcpy(*ids + *len, ce->ids, ce->nids * sizeof(uint32_t));
            *len += ce->nids;
            return;
        }
    }
    ids_reserve(ids, len, cap, n);
    uint32_t *out = *ids + *len;
    size_t k;
    int64_t w;
    if (t->whole_lookup && (w = bytes_id(t, p, n, ce ? h : bytes_hash(p, n))) >= 0) { out[0] = (uint32_t)w; k = 1; }
    else k = bpe_merge_piece(c, p, n, BPE_NONE, out);
    *len += k;
    if (ce && k <= CACHE_IDS) {
        ce->h = h; ce->klen = (uint8_t)n; ce->nids = (uint8_t)k;
        memcpy(ce->key, p, n);
        memcpy(ce->ids, out, k * sizeof *out);
    }
}

static void encode_segment(bpe_ctx *c, const uint8_t *p, size_t n, uint32_t **ids, size_t *len, size_t *cap) {
    pretok_kind k = c->t->pat;
    size_t i = 0;
    while (i < n) {
        size_t j = pretok_next(k, p, n, i);
        encode_piece(c, p + i, j - i, ids, len, cap);
        i = j;
    }
}

size_t bpe_encode(bpe_ctx *c, const char *p, size_t n, int allow_special,
                  uint32_t **ids, size_t *len, size_t *cap) {
    const bpe *t = c->t;
    size_t start = *len;
    const uint8_t *u = (const uint8_t *)p;
    if (!allow_special || !t->nspec) {
        encode_segment(c, u, n, ids, len, cap);
        return *len - start;
    }
    size_t i = 0;
    while (i < n) {
        /* earliest special occurrence at or after i; longest on ties */
        size_t best = n, blen = 0; uint32_t bid = 0;
        for (size_t s = 0; s < t->nspec; s++) {
            uint32_t id = t->spec[s], sl = t->len[id];
            if (!sl) continue;
            const char *q = memmem(p + i, n - i, t->pool.p + t->off[id], sl);
            if (!q) continue;
            size_t at = (size_t)(q - p);
            if (at < best || (at == best && sl > blen)) { best = at; blen = sl; bid = id; }
        }
        encode_segment(c, u + i, best - i, ids, len, cap);
        if (best == n) break;
        ids_reserve(ids, len, cap, 1);
        (*ids)[(*len)++] = bid;
        i = best + blen;
    }
    return *len - start;
}

int bpe_decode(const bpe *t, const uint32_t *ids, size_t n, buf *out, char *err) {
    for (size_t i = 0; i < n; i++) {
        uint32_t id = ids[i];
        if (id >= t->ntok || t->len[id] == BPE_NONE) return err_set(err, "unknown token id %u", id);
        buf_add(out, t->pool.p + t->off[id], t->len[id]);
    }
    return 0;
}

/* ---------- GPT-2 byte <-> unicode ---------- */

static uint32_t b2u[256];
static int16_t u2b[512];
static int b2u_ready;

static void b2u_build(void) {
    int n = 0;
    for (int b = 0; b < 512; b++) u2b[b] = -1;
    for (int b = 0; b < 256; b++) {
        int keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        b2u[b] = keep ? (uint32_t)b : (uint32_t)(256 + n++);
        u2b[b2u[b]] = (int16_t)b;
    }
    __atomic_store_n(&b2u_ready, 1, __ATOMIC_RELEASE);
}

uint32_t bpe_byte_to_cp(uint8_t b) {
    if (!__atomic_load_n(&b2u_ready, __ATOMIC_ACQUIRE)) b2u_build();
    return b2u[b];
}

int bpe_cp_to_byte(uint32_t cp) {
    if (!__atomic_load_n(&b2u_ready, __ATOMIC_ACQUIRE)) b2u_build();
    return cp < 512 ? u2b[cp] : -1;
}
