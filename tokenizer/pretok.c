/*
 * pretok — tiktoken's split patterns as hand-written scanners (see pretok.h).
 *
 * Each scanner tries the pattern's alternatives in order at position i, with the regex
 * engine's leftmost-first semantics worked out by hand:
 *  - `\s+(?!\S)`: the whitespace run [i,j); at end of text the whole run, else the run less
 *    its last character when that leaves something, else (one character) `\s+` takes it.
 *  - `\s*[\r\n]+`: ends just after the last \r or \n of the whitespace run starting at i.
 *  - `[^\r\n\p{L}\p{N}]?\p{L}+`: one prefix character that is not CR, LF, letter or digit
 *    (whitespace included) glued to the letters that follow it.
 *  - o200k's `P?[U]*[W]+C?` (U = Lu Lt Lm Lo M, W = Ll Lm Lo M): U* takes the longest run;
 *    if the next character is in W, W+ runs on; otherwise the engine backs off to the last
 *    character of the U run that is also in W (Lm Lo M) and ends right after it. If that
 *    fails with the optional prefix taken, it retries without it, then tries `P?[U]+[W]*C?`.
 *  - `(?i:'s|...)`: ASCII case folding plus U+017F (LATIN SMALL LETTER LONG S), which Rust's
 *    regex folds to 's'.
 * \s is Unicode White_Space, \p{L} and \p{N} are general categories, as in Rust's regex.
 */
#include "pretok.h"
#include <string.h>
#include <stdatomic.h>
#include <pthread.h>
#include <unicode/uchar.h>

#define BAD 0xFFFFFFFFu

static uint8_t bmp_tbl[65536];
static atomic_int tbl_ready;
static pthread_once_t tbl_once = PTHREAD_ONCE_INIT;

unsigned pretok_class(uint32_t cp) {
    if (cp == BAD || cp > 0x10FFFF) return 0;
    unsigned f = 0;
    switch (u_charType((UChar32)cp)) {
    case U_UPPERCASE_LETTER: case U_TITLECASE_LETTER: f = PT_L | PT_UP; break;
    case U_LOWERCASE_LETTER: f = PT_L | PT_LO; break;
    case U_MODIFIER_LETTER: case U_OTHER_LETTER: f = PT_L | PT_UP | PT_LO; break;
    case U_NON_SPACING_MARK: case U_ENCLOSING_MARK: case U_COMBINING_SPACING_MARK:
        f = PT_M | PT_UP | PT_LO; break;
    case U_DECIMAL_DIGIT_NUMBER: case U_LETTER_NUMBER: case U_OTHER_NUMBER: f = PT_N; break;
    default: break;
    }
    if (u_hasBinaryProperty((UChar32)cp, UCHAR_WHITE_SPACE)) f |= PT_WS;
    return f;
}

static void tbl_build(void) {
    for (uint32_t c = 0; c < 65536; c++)
        bmp_tbl[c] = (c >= 0xD800 && c <= 0xDFFF) ? 0 : (uint8_t)pretok_class(c);
    atomic_store_explicit(&tbl_ready, 1, memory_order_release);
}

static inline void tbl_init(void) {
    if (!atomic_load_explicit(&tbl_ready, memory_order_acquire)) pthread_once(&tbl_once, tbl_build);
}

size_t pretok_utf8(const uint8_t *p, size_t n, size_t i, uint32_t *cp) {
    uint8_t b = p[i];
    if (b < 0x80) { *cp = b; return 1; }
    size_t left = n - i;
    if (b >= 0xC2 && b <= 0xDF) {
        if (left >= 2 && (p[i + 1] & 0xC0) == 0x80) { *cp = ((uint32_t)(b & 0x1F) << 6) | (p[i + 1] & 0x3F); return 2; }
    } else if (b >= 0xE0 && b <= 0xEF) {
        if (left >= 3 && (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
            uint8_t b1 = p[i + 1];
            if (!(b == 0xE0 && b1 < 0xA0) && !(b == 0xED && b1 > 0x9F)) {
                *cp = ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(b1 & 0x3F) << 6) | (p[i + 2] & 0x3F);
                return 3;
            }
        }
    } else if (b >= 0xF0 && b <= 0xF4) {
        if (left >= 4 && (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80 && (p[i + 3] & 0xC0) == 0x80) {
            uint8_t b1 = p[i + 1];
            if (!(b == 0xF0 && b1 < 0x90) && !(b == 0xF4 && b1 > 0x8F)) {
                *cp = ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(b1 & 0x3F) << 12) |
                      ((uint32_t)(p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
                return 4;
            }
        }
    }
    *cp = BAD;
    return 1;
}

/* Class of the character at p[i] and its length. */
static inline unsigned cls(const uint8_t *p, size_t n, size_t i, size_t *len) {
    uint8_t b = p[i];
    if (b < 0x80) { *len = 1; return bmp_tbl[b]; }
    uint32_t cp;
    *len = pretok_utf8(p, n, i, &cp);
    if (cp == BAD) return 0;
    if (cp < 0x10000) return bmp_tbl[cp];
    return pretok_class(cp);
}

#define IS_OTHER(f) (!((f) & (PT_L | PT_N | PT_WS)))

static inline size_t run_letters(const uint8_t *p, size_t n, size_t i) {
    size_t l;
    while (i < n) {
        uint8_t b = p[i];
        if (b < 0x80) { if (!(bmp_tbl[b] & PT_L)) break; i++; continue; }
        if (!(cls(p, n, i, &l) & PT_L)) break;
        i += l;
    }
    return i;
}
static inline size_t run_digits(const uint8_t *p, size_t n, size_t i) {
    size_t l;
    while (i < n) {
        uint8_t b = p[i];
        if (b < 0x80) { if (!(bmp_tbl[b] & PT_N)) break; i++; continue; }
        if (!(cls(p, n, i, &l) & PT_N)) break;
        i += l;
    }
    return i;
}
static inline size_t run_other(const uint8_t *p, size_t n, size_t i) {
    size_t l;
    while (i < n) {
        uint8_t b = p[i];
        if (b < 0x80) { if (!IS_OTHER(bmp_tbl[b])) break; i++; continue; }
        unsigned f = cls(p, n, i, &l);
        if (!IS_OTHER(f)) break;
        i += l;
    }
    return i;
}
static inline size_t run_nonspace(const uint8_t *p, size_t n, size_t i) {
    size_t l;
    while (i < n) {
        if (cls(p, n, i, &l) & PT_WS) break;
        i += l;
    }
    return i;
}
/* Whitespace run from i: returns its end; *last = start of its last character; *nl = index
 * of its last \r or \n, or (size_t)-1. */
static inline size_t run_space(const uint8_t *p, size_t n, size_t i, size_t *last, size_t *nl) {
    size_t l;
    *last = i; *nl = (size_t)-1;
    while (i < n) {
        if (!(cls(p, n, i, &l) & PT_WS)) break;
        if (p[i] == '\r' || p[i] == '\n') *nl = i;
        *last = i;
        i += l;
    }
    return i;
}

/* `\s+(?!\S)|\s+` at i (p[i] is whitespace). */
static inline size_t space_tail(const uint8_t *p, size_t n, size_t i) {
    size_t last, nl;
    size_t j = run_space(p, n, i, &last, &nl);
    if (j == n) return n;
    return last > i ? last : j;
}

/* `\s*[\r\n]+|\s+(?!\S)|\s+` at i (p[i] is whitespace). */
static inline size_t space_nl_tail(const uint8_t *p, size_t n, size_t i) {
    size_t last, nl;
    size_t j = run_space(p, n, i, &last, &nl);
    if (nl != (size_t)-1) return nl + 1;
    if (j == n) return n;
    return last > i ? last : j;
}

/* Case-sensitive gpt2 contractions: 's 't 're 've 'm 'll 'd. p[i] == '\''. */
static inline size_t contraction_cs(const uint8_t *p, size_t n, size_t i) {
    if (i + 1 >= n) return 0;
    uint8_t c = p[i + 1];
    if (c == 's' || c == 't' || c == 'm' || c == 'd') return i + 2;
    if (i + 2 < n) {
        uint8_t d = p[i + 2];
        if ((c == 'r' && d == 'e') || (c == 'v' && d == 'e') || (c == 'l' && d == 'l')) return i + 3;
    }
    return 0;
}

/* Length of a case-insensitive letter at p[i] matching ASCII lower-case x, or 0. */
static inline size_t ci_letter(const uint8_t *p, size_t n, size_t i, uint8_t x) {
    if (i >= n) return 0;
    uint8_t c = p[i];
    if ((c | 0x20) == x && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return 1;
    if (x == 's' && c == 0xC5 && i + 1 < n && p[i + 1] == 0xBF) return 2;   /* U+017F */
    return 0;
}
/* `(?i:'s|'t|'re|'ve|'m|'ll|'d)` at i; returns end or 0. */
static inline size_t contraction_ci(const uint8_t *p, size_t n, size_t i) {
    if (i >= n || p[i] != '\'') return 0;
    size_t k = i + 1, l;
    if ((l = ci_letter(p, n, k, 's')) || (l = ci_letter(p, n, k, 't'))) return k + l;
    if ((l = ci_letter(p, n, k, 'r')) || (l = ci_letter(p, n, k, 'v'))) {
        size_t m = ci_letter(p, n, k + l, 'e');
        if (m) return k + l + m;
        l = 0;
    }
    if ((l = ci_letter(p, n, k, 'm'))) return k + l;
    if ((l = ci_letter(p, n, k, 'l'))) {
        size_t m = ci_letter(p, n, k + l, 'l');
        if (m) return k + l + m;
    }
    if ((l = ci_letter(p, n, k, 'd'))) return k + l;
    return 0;
}

static size_t next_gpt2(const uint8_t *p, size_t n, size_t i) {
    size_t l, e;
    if (p[i] == '\'' && (e = contraction_cs(p, n, i))) return e;
    unsigned f = cls(p, n, i, &l);
    size_t s = i;
    if (p[i] == ' ' && i + 1 < n) {
        size_t l2;
        unsigned f2 = cls(p, n, i + 1, &l2);
        if (!(f2 & PT_WS)) { s = i + 1; f = f2; }
    }
    if (f & PT_L) return run_letters(p, n, s);
    if (f & PT_N) return run_digits(p, n, s);
    if (!(f & PT_WS)) return run_other(p, n, s);
    return space_tail(p, n, i);
}

static size_t next_whitespace(const uint8_t *p, size_t n, size_t i) {
    size_t l;
    unsigned f = cls(p, n, i, &l);
    if (p[i] == ' ' && i + 1 < n) {
        size_t l2;
        if (!(cls(p, n, i + 1, &l2) & PT_WS)) return run_nonspace(p, n, i + 1);
    }
    if (!(f & PT_WS)) return run_nonspace(p, n, i);
    return space_tail(p, n, i);
}

static inline size_t digits3(const uint8_t *p, size_t n, size_t i) {
    size_t l;
    for (int k = 0; k < 3 && i < n; k++) {
        if (!(cls(p, n, i, &l) & PT_N)) break;
        i += l;
    }
    return i;
}

/* Alternatives shared by cl100k and o200k after the letter alternatives: digits, punctuation
 * with trailing newlines (and '/' for o200k), whitespace. */
static inline size_t tail_cl(const uint8_t *p, size_t n, size_t i, unsigned f, int slash) {
    if (f & PT_N) return digits3(p, n, i);
    size_t s = i;
    if (p[i] == ' ' && i + 1 < n) {
        size_t l2;
        unsigned f2 = cls(p, n, i + 1, &l2);
        if (IS_OTHER(f2)) { s = i + 1; f = f2; }
    }
    if (IS_OTHER(f)) {
        size_t j = run_other(p, n, s);
        while (j < n && (p[j] == '\r' || p[j] == '\n' || (slash && p[j] == '/'))) j++;
        return j;
    }
    return space_nl_tail(p, n, i);
}

static size_t next_cl100k(const uint8_t *p, size_t n, size_t i) {
    size_t l, e;
    if (p[i] == '\'' && (e = contraction_ci(p, n, i))) return e;
    unsigned f = cls(p, n, i, &l);
    if (f & PT_L) return run_letters(p, n, i);
    if (!(f & PT_N) && p[i] != '\r' && p[i] != '\n' && i + l < n) {
        size_t l2;
        if (cls(p, n, i + l, &l2) & PT_L) return run_letters(p, n, i + l);
    }
    return tail_cl(p, n, i, f, 0);
}

/* o200k `[U]*[W]+` from k: end, or 0 when it does not match. */
static size_t o200k_uw(const uint8_t *p, size_t n, size_t k) {
    size_t u = k, l, lastw = 0;
    int has_w = 0;
    unsigned f = 0;
    while (u < n) {
        f = cls(p, n, u, &l);
        if (!(f & PT_UP)) break;
        if (f & PT_LO) { lastw = u + l; has_w = 1; }
        u += l;
    }
    if (u < n && (f & PT_LO)) {
        while (u < n && (cls(p, n, u, &l) & PT_LO)) u += l;
        return u;
    }
    return has_w ? lastw : 0;
}
/* o200k `[U]+[W]*` from k: end, or 0. */
static size_t o200k_u(const uint8_t *p, size_t n, size_t k) {
    size_t u = k, l;
    while (u < n && (cls(p, n, u, &l) & PT_UP)) u += l;
    if (u == k) return 0;
    while (u < n && (cls(p, n, u, &l) & PT_LO)) u += l;
    return u;
}

static size_t next_o200k(const uint8_t *p, size_t n, size_t i) {
    size_t l, e;
    unsigned f = cls(p, n, i, &l);
    int pre = !(f & (PT_L | PT_N)) && p[i] != '\r' && p[i] != '\n';
    if ((pre && (e = o200k_uw(p, n, i + l))) || (e = o200k_uw(p, n, i)) ||
        (pre && (e = o200k_u(p, n, i + l))) || (e = o200k_u(p, n, i))) {
        size_t c = contraction_ci(p, n, e);
        return c ? c : e;
    }
    return tail_cl(p, n, i, f, 1);
}

size_t pretok_next(pretok_kind k, const uint8_t *p, size_t n, size_t i) {
    tbl_init();
    switch (k) {
    case PRETOK_GPT2: return next_gpt2(p, n, i);
    case PRETOK_CL100K: return next_cl100k(p, n, i);
    case PRETOK_O200K: return next_o200k(p, n, i);
    case PRETOK_WHITESPACE: return next_whitespace(p, n, i);
    default: return n;
    }
}

static const char *const RE_GPT2 =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
static const char *const RE_CL100K =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char *const RE_O200K =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+"
    "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char *const RE_WS = " ?\\S+|\\s+(?!\\S)|\\s+";

const char *pretok_regex(pretok_kind k) {
    switch (k) {
    case PRETOK_GPT2: return RE_GPT2;
    case PRETOK_CL100K: return RE_CL100K;
    case PRETOK_O200K: return RE_O200K;
    case PRETOK_WHITESPACE: return RE_WS;
    default: return NULL;
    }
}

int pretok_from_regex(const char *re, size_t n, pretok_kind *k) {
    for (int i = PRETOK_WHITESPACE; i <= PRETOK_O200K; i++) {
        const char *r = pretok_regex((pretok_kind)i);
        if (strlen(r) == n && !memcmp(r, re, n)) { *k = (pretok_kind)i; return 0; }
    }
    return -1;
}

int pretok_parse(const char *s, pretok_kind *k) {
    static const struct { const char *name; pretok_kind k; } names[] = {
        {"gpt2", PRETOK_GPT2}, {"r50k", PRETOK_GPT2}, {"r50k_base", PRETOK_GPT2},
        {"p50k_base", PRETOK_GPT2}, {"cl100k", PRETOK_CL100K}, {"cl100k_base", PRETOK_CL100K},
        {"o200k", PRETOK_O200K}, {"o200k_base", PRETOK_O200K}, {"none", PRETOK_NONE},
        {"whitespace", PRETOK_WHITESPACE},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcmp(s, names[i].name)) { *k = names[i].k; return 0; }
    return -1;
}

const char *pretok_name(pretok_kind k) {
    switch (k) {
    case PRETOK_GPT2: return "gpt2";
    case PRETOK_CL100K: return "cl100k";
    case PRETOK_O200K: return "o200k";
    case PRETOK_WHITESPACE: return "whitespace";
    default: return "none";
    }
}
