/*
 * normalize — text normalisers for dedup keys and shingles (see normalize.h).
 *
 *  norm_space          collapse runs of Unicode White_Space to one ' ', trim both ends.
 *  norm_nfkc_casefold  ICU NFKC_Casefold (unorm2_getNFKCCasefoldInstance).
 *  norm_simplify       datatrove's simplify_text (src/datatrove/utils/text.py), step by step:
 *                        1. lowercase (full Unicode mapping, root locale; ICU u_strToLower)
 *                        2. Python-\s whitespace -> ' '
 *                        3. delete datatrove's PUNCTUATION set (all 32 ASCII punctuation marks,
 *                           C0/C1 controls other than whitespace, and 34 listed non-ASCII marks:
 *                           dashes, curly quotes, CJK brackets, fullwidth forms ...)
 *                        4. NFD, then drop combining marks (General_Category Mn)
 *                        5. each run of decimal digits (Nd) -> "0"
 *                        6. trim; and (our one addition) collapse the whitespace runs that
 *                           step 3 leaves ("a - b" -> "a b" where datatrove gives "a  b").
 *                           Word shingles are the same either way.
 *                      The order matters and is kept: punctuation is removed before NFD, so a
 *                      character whose NFD is punctuation (U+037E -> ';') survives as in
 *                      datatrove; digits separated only by removed punctuation merge
 *                      ("1,000" -> "0").
 *
 * Invariants: output is valid UTF-8 when the input is. simplify runs ASCII stretches (cut at
 * ASCII whitespace) through a byte loop and the rest through ICU, with the same result as the
 * ICU path on the whole text; nfkc-casefold and space have pure-ASCII fast paths
 * (tests/unit/test_normalize.c and fuzz/dedup_normalize.c check both against ICU).
 * Costs (one core, 4 KB texts): simplify ~400 MB/s on ASCII (a class-table byte loop), ~330
 * MB/s on mail text with some non-ASCII; nfkc-casefold ~1.5 GB/s on ASCII; the ICU paths convert
 * to UTF-16 and back (a few passes). Scratch buffers live in the
 * norm_ctx and only grow: no allocation per document once warm.
 */
#include "normalize.h"
#include <stdlib.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/unorm2.h>
#include <unicode/uchar.h>

struct norm_ctx {
    const UNormalizer2 *nfkc_cf, *nfd;
    UChar *u[3];
    int32_t ucap[3];
};

norm_ctx *norm_ctx_new(void) {
    norm_ctx *c = xcalloc(1, sizeof *c);
    UErrorCode st = U_ZERO_ERROR;
    c->nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
    if (U_FAILURE(st)) c->nfkc_cf = NULL;
    st = U_ZERO_ERROR;
    c->nfd = unorm2_getNFDInstance(&st);
    if (U_FAILURE(st)) c->nfd = NULL;
    return c;
}

void norm_ctx_free(norm_ctx *c) {
    if (!c) return;
    for (int i = 0; i < 3; i++) free(c->u[i]);
    free(c);
}

static UChar *scratch(norm_ctx *c, int i, int32_t need) {
    if (need > c->ucap[i]) {
        int32_t cap = c->ucap[i] ? c->ucap[i] : 256;
        while (cap < need) cap *= 2;
        c->u[i] = xrealloc(c->u[i], (size_t)cap * sizeof(UChar));
        c->ucap[i] = cap;
    }
    return c->u[i];
}

int norm_is_ascii(const char *p, size_t n) {
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    uint64_t acc = 0;
    for (; i + 8 <= n; i += 8) { uint64_t w; memcpy(&w, s + i, 8); acc |= w; }
    for (; i < n; i++) acc |= s[i];
    return (acc & 0x8080808080808080ULL) == 0;
}

static void put_utf8(buf *out, uint32_t cp) {
    char b[4]; size_t k;
    if (cp < 0x80) { b[0] = (char)cp; k = 1; }
    else if (cp < 0x800) { b[0] = (char)(0xC0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3F)); k = 2; }
    else if (cp < 0x10000) { b[0] = (char)(0xE0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
                             b[2] = (char)(0x80 | (cp & 0x3F)); k = 3; }
    else { b[0] = (char)(0xF0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
           b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); k = 4; }
    buf_add(out, b, k);
}

/* UTF-8 -> UTF-16 into scratch slot i (ill-formed bytes become U+FFFD). Returns length or -1. */
static int32_t to_u16(norm_ctx *c, int i, const char *p, size_t n, char *err) {
    if (n > (size_t)INT32_MAX / 2) return err_set(err, "text too long for ICU (%zu bytes)", n);
    UErrorCode st = U_ZERO_ERROR;
    int32_t len = 0;
    UChar *u = scratch(c, i, (int32_t)n + 1);
    u_strFromUTF8WithSub(u, (int32_t)n + 1, &len, p, (int32_t)n, 0xFFFD, NULL, &st);
    if (U_FAILURE(st)) return err_set(err, "ICU UTF-8 conversion failed: %s", u_errorName(st));
    return len;
}

static int from_u16(const UChar *u, int32_t n, buf *out, char *err) {
    UErrorCode st = U_ZERO_ERROR;
    int32_t need = 0;
    buf_reset(out);
    buf_reserve(out, (size_t)n * 3 + 1);
    u_strToUTF8(out->p, (int32_t)(out->cap - 1), &need, u, n, &st);
    if (U_FAILURE(st)) return err_set(err, "ICU UTF-8 conversion failed: %s", u_errorName(st));
    out->len = (size_t)need;
    out->p[out->len] = 0;
    return 0;
}

/* Unicode White_Space (ICU's u_isUWhiteSpace set) */
static int is_uspace(uint32_t c) {
    return (c >= 9 && c <= 13) || c == 32 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Python's str.isspace (what re's \s matches): White_Space plus U+001C..U+001F */
static int is_pyspace(uint32_t c) { return is_uspace(c) || (c >= 0x1C && c <= 0x1F); }

static const uint16_t punct_nonascii[] = {
    0x00AB, 0x00B4, 0x00BB, 0x2013, 0x2014, 0x2019, 0x201C, 0x201D, 0x201E, 0x2026, 0x2236,
    0x2501, 0x25BA, 0x3001, 0x3002, 0x3008, 0x3009, 0x300A, 0x300B, 0x300C, 0x300D, 0x3010,
    0x3011, 0xFF01, 0xFF05, 0xFF08, 0xFF09, 0xFF0C, 0xFF0E, 0xFF11, 0xFF1A, 0xFF1B, 0xFF1F,
    0xFF5E,
};

/* datatrove's PUNCTUATION (checked after whitespace, so only non-space controls matter) */
static int is_dt_punct(uint32_t c) {
    if (c < 32 || (c >= 127 && c < 160)) return 1;
    if (c < 127) return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
                        (c >= 123 && c <= 126);
    size_t lo = 0, hi = sizeof punct_nonascii / sizeof punct_nonascii[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (punct_nonascii[mid] == c) return 1;
        if (punct_nonascii[mid] < c) lo = mid + 1; else hi = mid;
    }
    return 0;
}

/* ---- norm_space ---- */

int norm_space(const char *p, size_t n, buf *out) {
    const unsigned char *s = (const unsigned char *)p;
    buf_reset(out);
    buf_reserve(out, n);
    char *o = out->p;
    size_t k = 0, i = 0;
    int pend = 0;   /* a space is pending (only emitted before a non-space) */
    while (i < n) {
        unsigned char ch = s[i];
        uint32_t cp; int len;
        if (ch < 0x80) {   /* ASCII: no decoding */
            if ((ch >= 9 && ch <= 13) || ch == ' ') { pend = k > 0; i++; continue; }
            if (pend) { o[k++] = ' '; pend = 0; }
            o[k++] = (char)ch;
            i++;
            continue;
        }
        if (ch == 0xC2 || ch == 0xE1 || ch == 0xE2 || ch == 0xE3) {
            len = ch < 0xE0 ? 2 : 3;
            if (i + (size_t)len > n) { cp = 0xFFFD; len = 1; }
            else if (len == 2) cp = ((uint32_t)(ch & 0x1F) << 6) | (s[i + 1] & 0x3F);
            else cp = ((uint32_t)(ch & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        } else { cp = 0xFFFD; len = 1; }   /* other lead/continuation bytes: copied as is */
        if (is_uspace(cp)) { pend = k > 0; i += (size_t)len; continue; }
        if (pend) { o[k++] = ' '; pend = 0; }
        memcpy(o + k, s + i, (size_t)len);
        k += (size_t)len;
        i += (size_t)len;
    }
    out->len = k;
    o[k] = 0;
    return 0;
}

/* ---- norm_nfkc_casefold ---- */

int norm_nfkc_casefold(norm_ctx *c, const char *p, size_t n, buf *out, char *err) {
    if (norm_is_ascii(p, n)) {   /* NFKC_Casefold on ASCII is A-Z -> a-z (tested for all 128) */
        buf_reset(out);
        buf_reserve(out, n);
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)p[i];
            out->p[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
        }
        out->len = n;
        out->p[n] = 0;
        return 0;
    }
    return norm_nfkc_casefold_icu(c, p, n, out, err);
}

int norm_nfkc_casefold_icu(norm_ctx *c, const char *p, size_t n, buf *out, char *err) {
    if (!c->nfkc_cf) return err_set(err, "ICU NFKC_Casefold data not available");
    int32_t len = to_u16(c, 0, p, n, err);
    if (len < 0) return -1;
    UErrorCode st = U_ZERO_ERROR;
    int32_t cap = len * 3 + 16;
    UChar *dst = scratch(c, 1, cap);
    int32_t m = unorm2_normalize(c->nfkc_cf, c->u[0], len, dst, cap, &st);
    if (st == U_BUFFER_OVERFLOW_ERROR) {
        st = U_ZERO_ERROR;
        dst = scratch(c, 1, m + 1);
        m = unorm2_normalize(c->nfkc_cf, c->u[0], len, dst, m + 1, &st);
    }
    if (U_FAILURE(st)) return err_set(err, "ICU NFKC_Casefold failed: %s", u_errorName(st));
    return from_u16(dst, m, out, err);
}

/* ---- norm_simplify ---- */

enum { SC_KEEP = 0, SC_SPACE, SC_DROP, SC_DIGIT };
static unsigned char simp_class[128];
static char simp_lower[128];

static void simp_tables(void) {
    if (simp_lower['A']) return;   /* idempotent: racing threads write the same bytes */
    for (int ch = 0; ch < 128; ch++) {
        simp_class[ch] = is_pyspace((uint32_t)ch) ? SC_SPACE : is_dt_punct((uint32_t)ch) ? SC_DROP :
                         (ch >= '0' && ch <= '9') ? SC_DIGIT : SC_KEEP;
        simp_lower[ch] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
}

/* Steps 5-6 over one code point: shared by both paths so they cannot drift apart. */
typedef struct { char *o; size_t k; int pend; } simp_out;

static inline void simp_emit_space(simp_out *w) { w->pend = w->k > 0; }
static inline void simp_emit_digit(simp_out *w) {
    if (w->pend) { w->o[w->k++] = ' '; w->pend = 0; }
    else if (w->k && w->o[w->k - 1] == '0') return;   /* only digits produce '0' */
    w->o[w->k++] = '0';
}

/* Steps 1-6 for ASCII bytes, appended at out->len with the pending-space state *pend. */
static void simp_ascii(const char *p, size_t n, buf *out, int *pend_io) {
    buf_reserve(out, n);
    char *o = out->p;
    size_t k = out->len;
    int pend = *pend_io;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        unsigned cls = simp_class[ch];
        if (__builtin_expect(cls == SC_KEEP, 1)) {
            o[k] = ' ';          /* a pending space was paid for by input: room is reserved */
            k += (size_t)pend;
            pend = 0;
            o[k++] = simp_lower[ch];
        } else if (cls == SC_SPACE) {
            pend = k > 0;
        } else if (cls == SC_DIGIT) {
            simp_out w = { o, k, pend };
            simp_emit_digit(&w);
            k = w.k;
            pend = w.pend;
        }
    }
    out->len = k;
    o[k] = 0;
    *pend_io = pend;
}

static int simp_icu(norm_ctx *c, const char *p, size_t n, buf *out, int *pend, char *err);

static inline int simp_cut(unsigned char ch) { return ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r'; }

/* Hybrid: ASCII stretches take the byte loop, stretches with non-ASCII characters go through
 * ICU. Stretches are cut only at ASCII whitespace, which every step treats as a hard boundary
 * (digit runs, Final_Sigma context, canonical ordering do not cross it), so the result equals
 * the ICU path on the whole text (tested on random mixed text). */
int norm_simplify(norm_ctx *c, const char *p, size_t n, buf *out, char *err) {
    const unsigned char *s = (const unsigned char *)p;
    simp_tables();
    buf_reset(out);
    buf_reserve(out, n);
    int pend = 0;
    size_t pos = 0;
    while (pos < n) {
        size_t m = pos;
        while (m + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + m, 8);
            if (w & 0x8080808080808080ULL) break;
            m += 8;
        }
        while (m < n && s[m] < 0x80) m++;
        if (m == n) { simp_ascii(p + pos, n - pos, out, &pend); break; }
        size_t a = m;
        while (a > pos && !simp_cut(s[a - 1])) a--;
        if (a > pos) simp_ascii(p + pos, a - pos, out, &pend);
        size_t b = m + 1;
        for (;;) {   /* to the end of the token, then on while non-ASCII follows within 64 bytes */
            while (b < n && !simp_cut(s[b])) b++;
            if (b >= n) { b = n; break; }
            size_t q = b, lim = b + 64 < n ? b + 64 : n;
            while (q < lim && s[q] < 0x80) q++;
            if (q == lim) break;
            b = q + 1;
        }
        if (simp_icu(c, p + a, b - a, out, &pend, err)) return -1;
        pos = b;
    }
    return 0;
}

int norm_simplify_icu(norm_ctx *c, const char *p, size_t n, buf *out, char *err) {
    int pend = 0;
    buf_reset(out);
    buf_reserve(out, 0);
    return simp_icu(c, p, n, out, &pend, err);
}

static int simp_icu(norm_ctx *c, const char *p, size_t n, buf *out, int *pend, char *err) {
    if (!c->nfd) return err_set(err, "ICU NFD data not available");
    int32_t len = to_u16(c, 0, p, n, err);
    if (len < 0) return -1;
    /* 1. lowercase */
    UErrorCode st = U_ZERO_ERROR;
    int32_t cap = len + 16;
    UChar *low = scratch(c, 1, cap);
    int32_t m = u_strToLower(low, cap, c->u[0], len, "", &st);
    if (st == U_BUFFER_OVERFLOW_ERROR) {
        st = U_ZERO_ERROR;
        low = scratch(c, 1, m + 1);
        m = u_strToLower(low, m + 1, c->u[0], len, "", &st);
    }
    if (U_FAILURE(st)) return err_set(err, "ICU lowercase failed: %s", u_errorName(st));
    /* 2-3. whitespace -> ' ', punctuation deleted (in place: never grows) */
    int32_t k = 0;
    for (int32_t i = 0; i < m;) {
        UChar32 cp;
        int32_t s0 = i;
        U16_NEXT(low, i, m, cp);
        if (is_pyspace((uint32_t)cp)) { low[k++] = ' '; continue; }
        if (is_dt_punct((uint32_t)cp)) continue;
        while (s0 < i) low[k++] = low[s0++];
    }
    /* 4. NFD */
    cap = k * 3 + 16;
    UChar *dec = scratch(c, 2, cap);
    st = U_ZERO_ERROR;
    int32_t d = unorm2_normalize(c->nfd, low, k, dec, cap, &st);
    if (st == U_BUFFER_OVERFLOW_ERROR) {
        st = U_ZERO_ERROR;
        dec = scratch(c, 2, d + 1);
        d = unorm2_normalize(c->nfd, low, k, dec, d + 1, &st);
    }
    if (U_FAILURE(st)) return err_set(err, "ICU NFD failed: %s", u_errorName(st));
    /* 4-6. drop Mn, digit runs -> '0', collapse and trim spaces, encode UTF-8 */
    buf_reserve(out, (size_t)d * 3 + 2);   /* +1: a space pending from before this piece */
    simp_out w = { out->p, out->len, *pend };
    for (int32_t i = 0; i < d;) {
        UChar32 cp;
        U16_NEXT(dec, i, d, cp);
        if (cp == ' ') { simp_emit_space(&w); continue; }
        int8_t cat = u_charType(cp);
        if (cat == U_NON_SPACING_MARK) continue;
        if (cat == U_DECIMAL_DIGIT_NUMBER) { simp_emit_digit(&w); continue; }
        if (w.pend) { w.o[w.k++] = ' '; w.pend = 0; }
        if (cp < 0x80) w.o[w.k++] = (char)cp;
        else {
            out->len = w.k;
            put_utf8(out, (uint32_t)cp);
            w.o = out->p;
            w.k = out->len;
        }
    }
    out->len = w.k;
    out->p[w.k] = 0;
    *pend = w.pend;
    return 0;
}
