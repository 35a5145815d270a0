/*
 * dedup_exact — open-addressing table from a 128-bit text hash (XXH3-128 of the normalised
 * text) to the number of the first document that had it.
 *
 * Slots are 3 uint64s {lo, hi, seq}; an empty slot has lo == hi == 0 (a hash of (0, 0) is
 * stored as (1, 0): a 2^-128 event that would merge with (1, 0)). Linear probing from the low
 * bits of lo; the table doubles at load 1/2, so a lookup touches ~1.5 slots.
 * Memory: 48 bytes per distinct text at worst (24 per slot, half full).
 */
#include "dedup.h"
#include <stdlib.h>
#include <string.h>

void exact_init(exact_table *t) { memset(t, 0, sizeof *t); }
void exact_free(exact_table *t) { free(t->slots); memset(t, 0, sizeof *t); }

size_t exact_bytes(const exact_table *t) { return t->cap * 24; }
size_t exact_bytes_after_grow(const exact_table *t) {
    if ((t->n + 1) * 2 <= t->cap) return exact_bytes(t);
    return (t->cap ? t->cap * 2 : 1024) * 24;
}

static void fix(dedup_h128 *h) { if (!h->lo && !h->hi) h->lo = 1; }

static uint64_t *probe(const exact_table *t, dedup_h128 h) {
    size_t mask = t->cap - 1, i = (size_t)h.lo & mask;
    for (;;) {
        uint64_t *s = t->slots + i * 3;
        if ((s[0] == h.lo && s[1] == h.hi) || (!s[0] && !s[1])) return s;
        i = (i + 1) & mask;
    }
}

static void grow(exact_table *t) {
    size_t ncap = t->cap ? t->cap * 2 : 1024;
    exact_table nt = { xcalloc(ncap, 24), ncap, 0 };
    for (size_t i = 0; i < t->cap; i++) {
        uint64_t *s = t->slots + i * 3;
        if (!s[0] && !s[1]) continue;
        uint64_t *d = probe(&nt, (dedup_h128){ s[0], s[1] });
        memcpy(d, s, 24);
        nt.n++;
    }
    free(t->slots);
    *t = nt;
}

int exact_lookup(const exact_table *t, dedup_h128 h, uint64_t *first) {
    if (!t->cap) return 0;
    fix(&h);
    uint64_t *s = probe(t, h);
    if (!s[0] && !s[1]) return 0;
    *first = s[2];
    return 1;
}

int exact_insert(exact_table *t, dedup_h128 h, uint64_t seq, uint64_t *first) {
    fix(&h);
    if ((t->n + 1) * 2 > t->cap) grow(t);
    uint64_t *s = probe(t, h);
    if (s[0] || s[1]) { *first = s[2]; return 1; }
    s[0] = h.lo; s[1] = h.hi; s[2] = seq;
    t->n++;
    return 0;
}
