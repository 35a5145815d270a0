/*
 * filter_words — what the rule sets share: the per-document word analysis (ICU words with
 * their hash, length in code points, letter and symbol flags), Python's notions of whitespace,
 * strip() and splitlines(), terminal punctuation, the language-resolved settings, a hash table,
 * and the text of a failing check.
 *
 * Words: text_words' segments (TEXT_WORDS_ALL), except that adjacent punctuation-only segments
 * merge into one symbol word, and ASCII punctuation glued between ASCII alphanumerics joins
 * its neighbours into one word (push_word: closer to NLTK's tokens). A pure-ASCII text skips
 * text_words: the same segmentation is done with SSE2 or AVX-512 bitmasks (or a scalar loop without
 * SSE2) fused with the analysis; tests check all three paths agree.
 * Invariants: filter_words caches its result for the (pointer, length) it was last called
 * with (until filter_begin), so gopher, gopher-rep and fineweb share one word pass. The hash
 * table is cleared by memset to the size in use; buffers only grow.
 * Costs: O(bytes) for the word pass plus O(1) per word (hash, merge); the table is sized to
 * twice the keys, so inserts are O(1) expected.
 */
#include "filter.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__AVX512BW__)
#include <immintrin.h>
#endif
#define XXH_INLINE_ALL
#include <xxhash.h>

filter_state *filter_state_new(void) {
    filter_state *st = xcalloc(1, sizeof *st);
    st->tc = text_ctx_new();
    return st;
}

void filter_state_free(filter_state *st) {
    if (!st) return;
    text_ctx_free(st->tc);
    text_spans_free(&st->spans);
    text_spans_free(&st->lines);
    text_spans_free(&st->sents);
    free(st->w);
    free(st->tab);
    free(st->prefix);
    free(st->rep);
    free(st->pos);
    free(st->nl);
    free(st->cand);
    free(st->bucket);
    free(st->lv);
    free(st->masks);
    buf_free(&st->scratch);
    buf_free(&st->edited);
    buf_free(&st->lower);
    for (size_t i = 0; i < st->nstop; i++) free(st->stop_words[i]);
    free(st);
}

uint64_t filter_hash_bytes(const void *p, size_t n) { return XXH3_64bits(p, n); }

/* wyhash's mix: one 64x64->128 multiply, folded. */
static inline uint64_t mum(uint64_t a, uint64_t b) {
    __uint128_t r = (__uint128_t)(a ^ 0xA0761D6478BD642Full) * (b ^ 0xE7037ED1A0B428DBull);
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Words are short: up to 8 bytes are read as one little-endian integer (zero-extended),
 * 9..16 as two overlapping ones, and mixed with the length by one multiply; XXH3 beyond.
 * `room` is how many bytes may be read from p (at least n): with 8, the first case is a
 * single load and a mask, without a branch on the length. */
static inline uint64_t word_hash_room(const unsigned char *p, size_t n, size_t room) {
    uint64_t a, b;
    if (n <= 8) {
        if (room >= 8) {
            memcpy(&a, p, 8);
            a &= n ? ~0ull >> (64 - 8 * n) : 0;
        } else {
            a = 0;
            for (size_t i = 0; i < n; i++) a |= (uint64_t)p[i] << (8 * i);
        }
        return mum(a, (uint64_t)n);
    }
    if (n <= 16) {
        memcpy(&a, p, 8);
        memcpy(&b, p + n - 8, 8);
        return mum(a ^ (uint64_t)n, b);
    }
    return XXH3_64bits(p, n);
}
static inline uint64_t word_hash(const unsigned char *p, size_t n) { return word_hash_room(p, n, n); }

uint64_t filter_utf8_chars(const char *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    uint64_t cont = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (!(w & 0x8080808080808080ull)) continue;
        /* continuation bytes are 10xxxxxx: bit 7 set and bit 6 clear */
        uint64_t c = w & ~(w << 1) & 0x8080808080808080ull;
        cont += (uint64_t)__builtin_popcountll(c);
    }
    for (; i < n; i++) cont += (s[i] & 0xC0) == 0x80;
    return n - cont;
}

int filter_py_isspace(uint32_t cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

static unsigned char py_ws[128];
__attribute__((constructor)) static void py_ws_init(void) {
    for (int c = 0; c < 128; c++) py_ws[c] = (unsigned char)filter_py_isspace((uint32_t)c);
}

/* Start of the code point that ends at byte e (exclusive). */
static size_t cp_start_before(const unsigned char *p, size_t e) {
    size_t i = e - 1;
    while (i > 0 && (p[i] & 0xC0) == 0x80) i--;
    return i;
}

void filter_py_strip(const char *text, size_t n, size_t *start, size_t *end) {
    const unsigned char *p = (const unsigned char *)text;
    size_t s = 0, e = n;
    /* ASCII edges: a table test per byte */
    while (s < e && p[s] < 0x80 && py_ws[p[s]]) s++;
    while (e > s && p[e - 1] < 0x80 && py_ws[p[e - 1]]) e--;
    if ((s == e || (p[s] < 0x80 && p[e - 1] < 0x80))) { *start = s; *end = e; return; }
    while (s < e) {
        uint32_t cp;
        int l = text_utf8_next(p + s, &cp);
        if (!filter_py_isspace(cp)) break;
        s += (size_t)l;
    }
    while (e > s) {
        size_t b = cp_start_before(p, e);
        uint32_t cp;
        text_utf8_next(p + b, &cp);
        if (!filter_py_isspace(cp)) break;
        e = b;
    }
    *start = s;
    *end = e;
}

int filter_ends_terminal(const filter_state *st, const char *text, size_t n) {
    if (!n) return 0;
    const unsigned char *p = (const unsigned char *)text;
    uint32_t cp;
    if (p[n - 1] < 0x80) cp = p[n - 1];
    else text_utf8_next(p + cp_start_before(p, n), &cp);
    for (size_t i = 0; i < st->nterm; i++)
        if (st->term[i] == cp) return 1;
    return 0;
}

/* Python's str.splitlines() separators: \n \r \r\n \v \f \x1c \x1d \x1e U+0085 U+2028 U+2029.
 * Most texts only have '\n': checked once with memchr, then lines come from memchr alone. */
void filter_lines_init(filter_lines *it, const char *text, size_t n) {
    it->p = text; it->n = n; it->pos = 0; it->simple = 1;
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
#if defined(__SSE2__)
    /* one pass, 16 bytes at a time: \r \v \f \x1c-\x1e anywhere, or at a 0xC2 / 0xE2 lead byte
     * the sequence of U+0085 / U+2028 / U+2029 */
    const __m128i c0a = _mm_set1_epi8(0x0A), c0e = _mm_set1_epi8(0x0E), c1b = _mm_set1_epi8(0x1B),
                  c1f = _mm_set1_epi8(0x1F), cc2 = _mm_set1_epi8((char)0xC2), ce2 = _mm_set1_epi8((char)0xE2);
    for (; i + 16 <= n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + i));
        __m128i ctl = _mm_or_si128(_mm_and_si128(_mm_cmpgt_epi8(x, c0a), _mm_cmplt_epi8(x, c0e)),
                                   _mm_and_si128(_mm_cmpgt_epi8(x, c1b), _mm_cmplt_epi8(x, c1f)));
        if (_mm_movemask_epi8(ctl)) { it->simple = 0; return; }
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, cc2), _mm_cmpeq_epi8(x, ce2)));
        while (m) {
            size_t k = i + (size_t)__builtin_ctz(m);
            m &= m - 1;
            if (p[k] == 0xC2 ? k + 1 < n && p[k + 1] == 0x85
                             : k + 2 < n && p[k + 1] == 0x80 && (p[k + 2] == 0xA8 || p[k + 2] == 0xA9)) {
                it->simple = 0;
                return;
            }
        }
    }
#endif
    for (; i < n; i++) {
        unsigned char c = p[i];
        if (c == '\r' || c == '\v' || c == '\f' || c == 0x1C || c == 0x1D || c == 0x1E ||
            (c == 0xC2 && i + 1 < n && p[i + 1] == 0x85) ||
            (c == 0xE2 && i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9))) {
            it->simple = 0;
            return;
        }
    }
}

int filter_lines_next(filter_lines *it, size_t *s, size_t *e) {
    const unsigned char *p = (const unsigned char *)it->p;
    size_t i = it->pos, n = it->n;
    if (i >= n) return 0;
    *s = i;
    if (it->simple) {
        const unsigned char *nl = memchr(p + i, '\n', n - i);
        *e = nl ? (size_t)(nl - p) : n;
        it->pos = nl ? *e + 1 : n;
        return 1;
    }
    for (; i < n; i++) {
        unsigned char c = p[i];
        if (c > 0x1E && c != 0xC2 && c != 0xE2) continue;
        if (c == '\n' || c == '\v' || c == '\f' || c == 0x1C || c == 0x1D || c == 0x1E) {
            *e = i; it->pos = i + 1; return 1;
        }
        if (c == '\r') {
            *e = i; it->pos = (i + 1 < n && p[i + 1] == '\n') ? i + 2 : i + 1; return 1;
        }
        if (c == 0xC2 && i + 1 < n && p[i + 1] == 0x85) { *e = i; it->pos = i + 2; return 1; }
        if (c == 0xE2 && i + 2 < n && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
            *e = i; it->pos = i + 3; return 1;
        }
    }
    *e = n;
    it->pos = n;
    return 1;
}

void filter_newlines(filter_state *st, const char *t, size_t n) {
    if (st->nl_of == t && st->nl_of_len == n && st->nl) return;
    const unsigned char *p = (const unsigned char *)t;
    size_t k = 0;
#if defined(__AVX512BW__)
    const __m512i lf = _mm512_set1_epi8('\n');
    for (size_t off = 0; off < n; off += 64) {
        if (st->capnl < k + 64) {
            st->capnl = 2 * st->capnl + 256;
            st->nl = xrealloc(st->nl, st->capnl * sizeof *st->nl);
        }
        __m512i x = off + 64 <= n ? _mm512_loadu_si512((const void *)(p + off))
                                  : _mm512_maskz_loadu_epi8((__mmask64)(~0ull >> (64 - (n - off))), p + off);
        uint64_t m = _mm512_cmpeq_epi8_mask(x, lf);
        while (m) {
            st->nl[k++] = (uint32_t)(off + (size_t)__builtin_ctzll(m));
            m &= m - 1;
        }
    }
#else
    for (const unsigned char *q = p; (q = memchr(q, '\n', n - (size_t)(q - p))); q++) {
        if (st->capnl == k) {
            st->capnl = 2 * st->capnl + 256;
            st->nl = xrealloc(st->nl, st->capnl * sizeof *st->nl);
        }
        st->nl[k++] = (uint32_t)(q - p);
    }
#endif
    if (!st->nl) st->nl = xmalloc(sizeof *st->nl);
    st->nnl = k;
    st->nl_of = t;
    st->nl_of_len = n;
}

void filter_stripped_lines(filter_state *st, const char *t, size_t n) {
    if (st->lines_of == t && st->lines_of_len == n) return;
    filter_lines it;
    filter_lines_init(&it, t, n);
    size_t s, e, k = 0, li = 0;
    if (it.simple) filter_newlines(st, t, n);
    for (;;) {
        if (it.simple) {   /* the lines between the '\n's (none after a final '\n') */
            if (it.pos >= n) break;
            s = it.pos;
            e = li < st->nnl ? st->nl[li++] : n;
            it.pos = e < n ? e + 1 : n;
        } else if (!filter_lines_next(&it, &s, &e)) break;
        if (k == st->caplv) {
            st->caplv = st->caplv ? 2 * st->caplv : 256;
            st->lv = xrealloc(st->lv, st->caplv * sizeof *st->lv);
        }
        size_t a, b;
        filter_py_strip(t + s, e - s, &a, &b);
        st->lv[k].a = (uint32_t)(s + a);
        st->lv[k].b = (uint32_t)(s + b);
        k++;
    }
    st->nlv = k;
    st->lines_simple = it.simple;
    st->lines_of = t;
    st->lines_of_len = n;
}

/* ---- words ---- */

static unsigned char ascii_alpha[128], ascii_sym[128], ascii_alnum[256];
static unsigned char wcls[256];   /* bit 0 letter, bit 1 not a symbol, bit 2 non-ASCII byte */
static int ascii_run(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] >= 0x80) return 0;
    return 1;
}
/* fused ASCII segmentation classes (see text.c's words_ascii) */
enum { F_RUN = 1, F_SPACE = 2, F_ONE = 3 };
static unsigned char fcls[256];    /* run: letters digits _ @; space: whitespace; one: a mark */
static unsigned char fmid[256];    /* bit 0: MidLetter/MidNumLet ('.' '\''), bit 1: MidNum/MidNumLet ('.' '\'' ',' ';') */
static unsigned char fkind[256];   /* 1 letter-like (letters, '@'), 2 digit */
static unsigned char ftab[256];    /* wcls bits | 8 for F_RUN */
__attribute__((constructor)) static void tables_init(void) {
    for (int c = 128; c < 256; c++) wcls[c] = 4;
    for (int c = 0; c < 128; c++) {
        int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'), digit = c >= '0' && c <= '9';
        fcls[c] = (letter || digit || c == '_' || c == '@') ? F_RUN
                : (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f') ? F_SPACE : F_ONE;
        fmid[c] = (c == '.' || c == '\'') ? 3 : (c == ',' || c == ';') ? 2 : 0;
        fkind[c] = (letter || c == '@') ? 1 : digit ? 2 : 0;
    }
    for (int c = 0; c < 128; c++) {
        ascii_alnum[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        ascii_alpha[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        /* datatrove's PUNCTUATION_SET: every ASCII punctuation character and the controls */
        ascii_sym[c] = (c < 32 && c != '\t' && c != '\n' && c != '\r') || c == 127 ||
                       (c > 32 && c < 127 && !ascii_alpha[c] && !(c >= '0' && c <= '9'));
        wcls[c] = (unsigned char)(ascii_alpha[c] | (!ascii_sym[c]) << 1);
    }
    for (int c = 0; c < 256; c++) ftab[c] = (unsigned char)(wcls[c] | (fcls[c] == F_RUN ? 8 : 0));
}

/* Beyond ASCII, "symbol" generalises datatrove's list (which names some CJK and typographic
 * marks) to every punctuation, symbol and control character (general categories P*, S*, Cc).
 * datatrove's list also contains U+FF11 (fullwidth digit one); that oddity is not copied. */
static int cp_symbolic(uint32_t cp) {
    return (U_GET_GC_MASK((UChar32)cp) & (U_GC_P_MASK | U_GC_S_MASK | U_GC_CC_MASK)) != 0;
}

void filter_begin(filter_state *st) { st->words_of = NULL; st->tok_text = NULL; st->lines_of = NULL; st->nl_of = NULL; }

/* Append the segment [off, off+len) of p as a word, merging it with the words before it:
 * Closer to NLTK's tokens than raw ICU segments (ICU makes a segment of every mark):
 * (a) a run of punctuation with nothing between its marks ("...", "---", ").") is one symbol
 *     word, as NLTK keeps "..." and "--" whole; counting each dash of a "------" rule would
 *     swamp the word-based ratios;
 * (b) ASCII punctuation glued between ASCII letters/digits joins them into one word
 *     ("e-mail", "10:54:46", "http://a.b/c", "s&p"), as NLTK only peels punctuation off the
 *     edges of whitespace-separated tokens. Limited to ASCII so CJK text (no spaces, its own
 *     marks) keeps ICU's words. */
static inline __attribute__((always_inline)) size_t push_word(filter_state *st, const unsigned char *p, size_t n, uint32_t off,
                               uint32_t len, unsigned alpha, unsigned nonsym, unsigned chars, size_t nw) {
    text_span *v = st->spans.v;
    filter_word *w = st->w;
    int adjacent = nw && v[nw - 1].off + v[nw - 1].len == off;
    if (adjacent && !nonsym && w[nw - 1].symbol) {
        v[nw - 1].len += len;
        w[nw - 1].chars += chars;
        w[nw - 1].hash = word_hash_room(p + v[nw - 1].off, v[nw - 1].len, n - v[nw - 1].off);
        return nw;
    }
    if (adjacent && nonsym && nw >= 2 && ascii_alnum[p[off]] && w[nw - 1].symbol && !w[nw - 2].symbol &&
        v[nw - 2].off + v[nw - 2].len == v[nw - 1].off && ascii_alnum[p[v[nw - 1].off - 1]] &&
        ascii_run(p + v[nw - 1].off, v[nw - 1].len)) {
        v[nw - 2].len = off + len - v[nw - 2].off;
        w[nw - 2].chars += w[nw - 1].chars + chars;
        w[nw - 2].alpha |= (uint8_t)alpha;
        w[nw - 2].hash = word_hash_room(p + v[nw - 2].off, v[nw - 2].len, n - v[nw - 2].off);
        return nw - 1;
    }
    v[nw].off = off;
    v[nw].len = len;
    w[nw].hash = word_hash_room(p + off, len, n - off);
    w[nw].chars = chars;
    w[nw].alpha = (uint8_t)alpha;
    w[nw].symbol = (uint8_t)!nonsym;
    return nw + 1;
}

static void words_grow(filter_state *st, size_t need) {
    if (st->capw < need) {
        st->capw = need + need / 2 + 16;
        st->w = xrealloc(st->w, st->capw * sizeof *st->w);   /* keeps the words so far */
    }
    if (st->spans.cap < need) {
        st->spans.cap = need + need / 2 + 16;
        st->spans.v = xrealloc(st->spans.v, st->spans.cap * sizeof *st->spans.v);
    }
}

/* Pure-ASCII text: text_words' ASCII segmentation (text.c: the same rules, tested to agree
 * with ICU) fused with the word analysis, one pass over the bytes. */
static size_t words_ascii_fused(filter_state *st, const unsigned char *text, size_t tn, size_t s0,
                                size_t e0, size_t nw) {
    const unsigned char *p = text + s0;
    size_t n = e0 - s0, i = 0;
    while (i < n) {
        unsigned k = fcls[p[i]];
        if (k == F_RUN) {
            size_t j = i + 1;
            unsigned acc = ftab[p[i]];
            for (;;) {
                for (; j < n; j++) {
                    unsigned v = ftab[p[j]];
                    if (!(v & 8)) break;
                    acc |= v;
                }
                if (j + 1 < n && (fmid[p[j]] & 3)) {
                    unsigned m = fmid[p[j]], pv = fkind[p[j - 1]], nx = fkind[p[j + 1]];
                    if ((m & 1) && pv == 1 && nx == 1) { acc |= wcls[p[j + 1]]; j += 2; continue; }
                    if ((m & 2) && pv == 2 && nx == 2) { acc |= wcls[p[j + 1]]; j += 2; continue; }
                }
                break;
            }
            if (nw + 2 > st->capw || nw + 2 > st->spans.cap) words_grow(st, 2 * nw + 64);
            nw = push_word(st, text, tn, (uint32_t)(s0 + i), (uint32_t)(j - i), acc & 1, (acc >> 1) & 1,
                           (unsigned)(j - i), nw);
            i = j;
        } else if (k == F_SPACE) {
            i++;
        } else {
            if (nw + 2 > st->capw || nw + 2 > st->spans.cap) words_grow(st, 2 * nw + 64);
            nw = push_word(st, text, tn, (uint32_t)(s0 + i), 1, 0, 0, 1, nw);
            i++;
        }
    }
    return nw;
}

#if defined(__SSE2__)
#include <emmintrin.h>
#if defined(__AVX512BW__)
#include <immintrin.h>
#endif
/* The same segmentation with bitmasks (one bit per byte, SSE2 compares): a word is a maximal
 * run of W = run characters | mid marks with qualifying neighbours on both sides (WB6/7,
 * WB11/12 only look at the two neighbours); every other non-space byte is a segment of its
 * own. No branch per byte: the loops go per segment. */
enum { MK_L, MK_D, MK_R, MK_ML, MK_MN, MK_SP, MK_A, MK_AN, MK_N };

static inline int any_bits(const uint64_t *m, size_t s, size_t e) {   /* any bit in [s, e) */
    while (s < e) {
        size_t k = s >> 6, b = s & 63, take = 64 - b < e - s ? 64 - b : e - s;
        uint64_t v = m[k * MK_N] >> b;
        if (take < 64) v &= (1ull << take) - 1;
        if (v) return 1;
        s += take;
    }
    return 0;
}

static size_t words_ascii_simd(filter_state *st, const unsigned char *text, size_t tn, size_t s0,
                               size_t e0, size_t nw) {
    const unsigned char *p = text + s0;   /* the piece [s0, e0) of the text */
    size_t n = e0 - s0;
    size_t nk = (n + 63) / 64;
    if (st->capmasks < nk * MK_N) {
        st->capmasks = nk * MK_N + nk * MK_N / 2;
        free(st->masks);
        st->masks = xmalloc(st->capmasks * sizeof *st->masks);
    }
    uint64_t *M = st->masks;
    const __m128i c20 = _mm_set1_epi8(0x20), c60 = _mm_set1_epi8(0x60), c7b = _mm_set1_epi8(0x7b),
                  c2f = _mm_set1_epi8(0x2f), c3a = _mm_set1_epi8(0x3a), c08 = _mm_set1_epi8(8),
                  c0e = _mm_set1_epi8(14), under = _mm_set1_epi8('_'), at = _mm_set1_epi8('@'),
                  dot = _mm_set1_epi8('.'), apos = _mm_set1_epi8('\''), comma = _mm_set1_epi8(','),
                  semi = _mm_set1_epi8(';'), space = _mm_set1_epi8(' ');
#if defined(__AVX512BW__)
    /* the same classes, 64 bytes per compare, the masks straight from the compares; bytes
     * past n read as spaces */
    const __m512i z20 = _mm512_set1_epi8(0x20), z60 = _mm512_set1_epi8(0x60), z7b = _mm512_set1_epi8(0x7b),
                  z2f = _mm512_set1_epi8(0x2f), z3a = _mm512_set1_epi8(0x3a), z08 = _mm512_set1_epi8(8),
                  z0e = _mm512_set1_epi8(14);
    for (size_t k = 0; k < nk; k++) {
        size_t off = k * 64;
        __m512i x = off + 64 <= n ? _mm512_loadu_si512((const void *)(p + off))
                                  : _mm512_mask_loadu_epi8(z20, (__mmask64)(~0ull >> (64 - (n - off))), p + off);
        __m512i lo = _mm512_or_si512(x, z20);
        uint64_t letter = _mm512_cmpgt_epi8_mask(lo, z60) & _mm512_cmplt_epi8_mask(lo, z7b);
        uint64_t digit = _mm512_cmpgt_epi8_mask(x, z2f) & _mm512_cmplt_epi8_mask(x, z3a);
        uint64_t isat = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('@'));
        uint64_t ml = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('.')) | _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\''));
        uint64_t mn = ml | _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(',')) | _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(';'));
        uint64_t sp = _mm512_cmpeq_epi8_mask(x, z20) | (_mm512_cmpgt_epi8_mask(x, z08) & _mm512_cmplt_epi8_mask(x, z0e));
        uint64_t *m = M + k * MK_N;
        m[MK_L] = letter | isat;
        m[MK_D] = digit;
        m[MK_R] = letter | digit | isat | _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('_'));
        m[MK_ML] = ml;
        m[MK_MN] = mn;
        m[MK_SP] = sp;
        m[MK_A] = letter;
        m[MK_AN] = letter | digit;
    }
    (void)c20; (void)c60; (void)c7b; (void)c2f; (void)c3a; (void)c08; (void)c0e; (void)under; (void)at;
    (void)dot; (void)apos; (void)comma; (void)semi; (void)space;
#else
    for (size_t k = 0; k < nk; k++) {
        uint64_t m[MK_N] = { 0 };
        for (int q = 0; q < 4; q++) {
            size_t off = k * 64 + (size_t)q * 16;
            if (off >= n) { m[MK_SP] |= 0xFFFFull << (q * 16); continue; }
            __m128i x;
            unsigned char tmp[16];
            if (off + 16 <= n) x = _mm_loadu_si128((const __m128i *)(p + off));
            else {   /* tail: pad with spaces */
                memset(tmp, ' ', 16);
                memcpy(tmp, p + off, n - off);
                x = _mm_loadu_si128((const __m128i *)tmp);
            }
            __m128i lo = _mm_or_si128(x, c20);
            __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lo, c60), _mm_cmplt_epi8(lo, c7b));
            __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, c2f), _mm_cmplt_epi8(x, c3a));
            __m128i isat = _mm_cmpeq_epi8(x, at);
            __m128i ml = _mm_or_si128(_mm_cmpeq_epi8(x, dot), _mm_cmpeq_epi8(x, apos));
            __m128i mn = _mm_or_si128(ml, _mm_or_si128(_mm_cmpeq_epi8(x, comma), _mm_cmpeq_epi8(x, semi)));
            __m128i sp = _mm_or_si128(_mm_cmpeq_epi8(x, space),
                                      _mm_and_si128(_mm_cmpgt_epi8(x, c08), _mm_cmplt_epi8(x, c0e)));
            int sh = q * 16;
            m[MK_L] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(letter, isat)) << sh;
            m[MK_D] |= (uint64_t)(unsigned)_mm_movemask_epi8(digit) << sh;
            m[MK_R] |= (uint64_t)(unsigned)_mm_movemask_epi8(
                _mm_or_si128(_mm_or_si128(letter, digit), _mm_or_si128(isat, _mm_cmpeq_epi8(x, under)))) << sh;
            m[MK_ML] |= (uint64_t)(unsigned)_mm_movemask_epi8(ml) << sh;
            m[MK_MN] |= (uint64_t)(unsigned)_mm_movemask_epi8(mn) << sh;
            m[MK_SP] |= (uint64_t)(unsigned)_mm_movemask_epi8(sp) << sh;
            m[MK_A] |= (uint64_t)(unsigned)_mm_movemask_epi8(letter) << sh;
            m[MK_AN] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(letter, digit)) << sh;
        }
        memcpy(M + k * MK_N, m, sizeof m);
    }
#endif
    /* W into the MK_R slot: runs plus joining marks */
    for (size_t k = 0; k < nk; k++) {
        uint64_t *m = M + k * MK_N;
        uint64_t pl = m[MK_L] << 1, pd = m[MK_D] << 1, nl = m[MK_L] >> 1, nd = m[MK_D] >> 1;
        if (k) { pl |= M[(k - 1) * MK_N + MK_L] >> 63; pd |= M[(k - 1) * MK_N + MK_D] >> 63; }
        if (k + 1 < nk) { nl |= M[(k + 1) * MK_N + MK_L] << 63; nd |= M[(k + 1) * MK_N + MK_D] << 63; }
        m[MK_ML] = (m[MK_ML] & pl & nl) | (m[MK_MN] & pd & nd);   /* joined marks */
    }
    for (size_t k = 0; k < nk; k++) M[k * MK_N + MK_R] |= M[k * MK_N + MK_ML];
    uint64_t carry = 0;
    for (size_t k = 0; k < nk; k++) {
        const uint64_t *m = M + k * MK_N;
        uint64_t w = m[MK_R];
        uint64_t starts = (w & ~((w << 1) | carry)) | (~w & ~m[MK_SP]);
        carry = w >> 63;
        while (starts) {
            int b = __builtin_ctzll(starts);
            starts &= starts - 1;
            size_t at0 = k * 64 + (size_t)b;
            if (nw + 2 > st->capw || nw + 2 > st->spans.cap) words_grow(st, 2 * nw + 64);
            if (!(w >> b & 1)) { nw = push_word(st, text, tn, (uint32_t)(s0 + at0), 1, 0, 0, 1, nw); continue; }
            /* end of the run: the first 0 of W at or after at0 */
            size_t end, kk = k;
            uint64_t rest = ~w & (~0ull << b);   /* bit b itself is in W */
            if (rest) {
                /* the common case: the run ends in this chunk (the padding past n is space,
                 * so end <= n). No start lies inside a run, so starts needs no update. */
                uint64_t in = (rest & (0 - rest)) - (1ull << b);   /* bits [b, end) */
                end = k * 64 + (size_t)__builtin_ctzll(rest);
                unsigned alpha = (m[MK_A] & in) != 0, nonsym = (m[MK_AN] & in) != 0;
                nw = push_word(st, text, tn, (uint32_t)(s0 + at0), (uint32_t)(end - at0), alpha, nonsym,
                               (unsigned)(end - at0), nw);
                continue;
            }
            while (!rest && ++kk < nk) rest = ~M[kk * MK_N + MK_R];
            end = kk < nk ? kk * 64 + (size_t)__builtin_ctzll(rest) : n;
            if (end > n) end = n;
            const uint64_t *base = M;
            unsigned alpha = (unsigned)any_bits(base + MK_A, at0, end);
            unsigned nonsym = alpha || any_bits(base + MK_AN, at0, end);
            nw = push_word(st, text, tn, (uint32_t)(s0 + at0), (uint32_t)(end - at0), alpha, nonsym,
                           (unsigned)(end - at0), nw);
            if (kk > k) break;   /* the run left this chunk: its other starts come after it */
            starts &= end - k * 64 >= 64 ? 0 : ~0ull << (end - k * 64);
        }
    }
    return nw;
}
#endif

/* ASCII piece [s, e): the vector path (or the scalar one without SSE2 / when tests ask). */
static size_t words_ascii_piece(filter_state *st, const unsigned char *p, size_t n, size_t s, size_t e, size_t nw) {
#if defined(__SSE2__)
    if (st->no_fused == 0) return words_ascii_simd(st, p, n, s, e, nw);
#endif
    return words_ascii_fused(st, p, n, s, e, nw);
}

/* Non-ASCII piece [s, e): text_words (ICU), then the analysis by code point. */
static int words_icu_piece(filter_state *st, const unsigned char *p, size_t n, size_t s, size_t e,
                           size_t *nwp, char *err) {
    text_spans *sp = &st->sents;   /* scratch */
    if (text_words(st->tc, (const char *)p + s, e - s, TEXT_WORDS_ALL, sp, err)) return -1;
    size_t nw = *nwp;
    words_grow(st, nw + sp->n + 2);
    for (size_t i = 0; i < sp->n; i++) {
        uint32_t off = (uint32_t)s + sp->v[i].off, len = sp->v[i].len;
        const unsigned char *q = p + off;
        unsigned acc = 0, alpha, nonsym, chars = len;
        for (size_t k = 0; k < len; k++) acc |= wcls[q[k]];
        alpha = acc & 1;
        nonsym = (acc >> 1) & 1;
        if (acc & 4) {   /* non-ASCII: by code point */
            alpha = nonsym = chars = 0;
            for (size_t k = 0; k < len;) {
                if (q[k] < 0x80) {
                    alpha |= ascii_alpha[q[k]];
                    nonsym |= !ascii_sym[q[k]];
                    k++;
                } else {
                    uint32_t cp;
                    k += (size_t)text_utf8_next(q + k, &cp);
                    alpha |= u_isalpha((UChar32)cp) != 0;
                    nonsym |= !cp_symbolic(cp);
                }
                chars++;
            }
        }
        nw = push_word(st, p, n, off, len, alpha, nonsym, chars, nw);
    }
    *nwp = nw;
    return 0;
}

/* A cut at i where no segment or merge crosses: after '\n', or after ' ' before an ASCII
 * non-space (text.c cuts its pieces the same way; push_word never merges across whitespace). */
static inline int safe_cut(const unsigned char *p, size_t i) {
    unsigned char a = p[i - 1], b = p[i];
    return a == '\n' || (a == ' ' && b < 0x80 && b != ' ');
}

int filter_words(filter_state *st, const char *t, size_t n, char *err) {
    if (st->words_of == t && st->words_of_len == n && st->w) return 0;
    const unsigned char *p = (const unsigned char *)t;
    size_t nw = 0;
    if (st->no_fused == 1) {
        if (words_icu_piece(st, p, n, 0, n, &nw, err)) return -1;
    } else {
        /* ASCII stretches take the ASCII path; the rest, from the safe cut before a non-ASCII
         * byte to the first safe cut followed by 32 ASCII bytes, goes through ICU (shorter ASCII gaps
         * are not worth a separate ASCII piece and a new ICU call). */
        size_t pos = 0;
        while (pos < n) {
            size_t m = pos;
            while (m + 8 <= n) {
                uint64_t w8;
                memcpy(&w8, p + m, 8);
                if (w8 & 0x8080808080808080ull) break;
                m += 8;
            }
            while (m < n && p[m] < 0x80) m++;
            if (m == n) { nw = words_ascii_piece(st, p, n, pos, n, nw); break; }
            size_t a = m;
            while (a > pos && !safe_cut(p, a)) a--;
            if (a > pos) nw = words_ascii_piece(st, p, n, pos, a, nw);
            size_t b = m + 1;
            for (;;) {
                while (b < n && !safe_cut(p, b)) b++;
                if (b >= n) { b = n; break; }
                size_t q = b, lim = b + 32 < n ? b + 32 : n;
                while (q < lim && p[q] < 0x80) q++;
                if (q == lim) break;
                b = q + 1;
            }
            if (words_icu_piece(st, p, n, a, b, &nw, err)) return -1;
            pos = b;
        }
    }
    st->spans.n = nw;
    st->nw = nw;
    st->words_of = t;
    st->words_of_len = n;
    st->text_chars = filter_utf8_chars(t, n);
    return 0;
}

/* ---- hash table ---- */

void filter_tab_reset(filter_state *st, size_t n) {
    size_t want = 64;
    while (want < 2 * n + 2) want <<= 1;
    if (want > st->tabcap) {
        free(st->tab);
        st->tab = xmalloc(want * sizeof *st->tab);
        st->tabcap = want;
    }
    st->tabmask = want - 1;
    memset(st->tab, 0, want * sizeof *st->tab);
}

/* ---- language ---- */

static const char *const stop_lists[][2] = {
    /* en is datatrove's STOP_WORDS; the others are the most frequent function words of each
     * language, chosen the same way (short, topic-free). */
    { "en", "the,be,to,of,and,that,have,with" },
    { "de", "der,die,und,in,den,von,zu,das,mit,sich" },
    { "fr", "de,la,le,et,les,des,en,un,du,une" },
    { "es", "de,la,que,el,en,y,a,los,se,del" },
    { "it", "di,e,il,la,che,in,a,per,un,del" },
    { "pt", "de,a,o,que,e,do,da,em,um,para" },
    { "nl", "de,en,van,het,een,in,is,dat,op,te" },
};

static int lang_is(const char *lang, const char *code) {
    size_t n = strlen(code);
    return lang && !strncmp(lang, code, n) && (lang[n] == 0 || lang[n] == '-' || lang[n] == '_');
}

int filter_prepare(filter_state *st, const filter_cfg *cfg, char *err) {
    for (size_t i = 0; i < st->nstop; i++) free(st->stop_words[i]);
    st->nstop = 0;
    memset(st->stop_tab, 0, sizeof st->stop_tab);
    const char *lang = cfg->lang && *cfg->lang ? cfg->lang : "en";
    const char *list = cfg->stop_words;
    if (!list)
        for (size_t i = 0; i < sizeof stop_lists / sizeof *stop_lists; i++)
            if (lang_is(lang, stop_lists[i][0])) list = stop_lists[i][1];
    if (list) {
        const char *s = list;
        while (*s) {
            const char *e = strchr(s, ',');
            size_t len = e ? (size_t)(e - s) : strlen(s);
            while (len && *s == ' ') { s++; len--; }
            while (len && s[len - 1] == ' ') len--;
            if (len) {
                if (st->nstop == 64) return err_set(err, "--stop-words: at most 64 words");
                st->stop_words[st->nstop] = xstrndup(s, len);
                uint64_t h = word_hash((const unsigned char *)s, len);
                h |= !h;
                st->stop_hash[st->nstop++] = h;
                size_t k = (size_t)(h >> 56);
                while (st->stop_tab[k] && st->stop_tab[k] != h) k = (k + 1) & 255;
                st->stop_tab[k] = h;
            }
            if (!e) break;
            s = e + 1;
        }
    }
    st->nterm = 0;
    const char *term = cfg->terminal_punct;
    /* datatrove's END_PUNCTUATION / stop_chars, for English; other languages add the
     * sentence terminals and closing quotes of other scripts. */
    if (!term) term = lang_is(lang, "en") ? ".?!\"'"
        : ".?!\"'\xe3\x80\x82\xef\xbc\x81\xef\xbc\x9f\xef\xbc\x8e\xef\xbd\xa1\xe0\xa5\xa4\xe0\xa5\xa5"
          "\xd8\x9f\xdb\x94\xcd\xbe\xe2\x80\x9d\xe2\x80\x99\xe3\x80\x8d\xe3\x80\x8f\xc2\xbb";
    const unsigned char *q = (const unsigned char *)term;
    size_t tl = strlen(term);
    for (size_t i = 0; i < tl;) {
        uint32_t cp;
        i += (size_t)text_utf8_next(q + i, &cp);
        if (st->nterm == 64) return err_set(err, "--terminal-punct: at most 64 characters");
        st->term[st->nterm++] = cp;
    }
    st->spaceless = lang_is(lang, "zh") || lang_is(lang, "ja") || lang_is(lang, "th") ||
                    lang_is(lang, "lo") || lang_is(lang, "km") || lang_is(lang, "my");
    return 0;
}

/* ---- messages ---- */

void filter_fail_format(const filter_fail *f, buf *out) {
    char v[64], t[64];
    if (!f->op) { buf_adds(out, f->check); return; }
    if (f->is_int) {
        snprintf(v, sizeof v, "%.0f", f->value);
        snprintf(t, sizeof t, "%.0f", f->threshold);
    } else {
        snprintf(t, sizeof t, "%.15g", f->threshold);
        /* shortest value text that still shows it is past the threshold */
        for (int prec = 3; prec <= 17; prec++) {
            snprintf(v, sizeof v, "%.*g", prec, f->value);
            double back = strtod(v, NULL);
            int ok = (!strcmp(f->op, ">") && back > f->threshold) || (!strcmp(f->op, "<") && back < f->threshold) ||
                     (!strcmp(f->op, ">=") && back >= f->threshold) || (!strcmp(f->op, "<=") && back <= f->threshold);
            if (ok || !isfinite(f->value)) break;
        }
    }
    buf_printf(out, "%s %s %s %s", f->check, v, f->op, t);
}
