/*
 * text — shared text helpers over UTF-8: words (ICU UBRK_WORD with an ASCII fast path),
 * sentences (ICU UBRK_SENTENCE), lines, paragraphs and scripts. See text.h for the contract.
 *
 * Words. The text is cut into pieces at boundaries that are boundaries for every input: after
 * each '\n' (UAX #29 WB3a: always break after a newline) and after a ' ' that is followed by an
 * ASCII byte other than ' ' (no rule joins a space to a following ASCII non-space, and no
 * rule looks across a space). A piece that is pure ASCII is segmented by a small state machine
 * that implements the UAX #29 rules that can fire on ASCII (WB3 CR×LF, WB3a/b newlines,
 * WB3d space runs, WB5-WB13b letters/digits/'_' with MidLetter '.' '\'' and MidNum ',' ';' '.'
 * '\''; ICU 72's root rules add '@' to ALetter (e-mail addresses stay whole) and drop ':' from
 * MidLetter); tests check it against ICU on random ASCII and on the shared corpora. A piece with
 * non-ASCII bytes (merged with near neighbours so Korean or Chinese text is one ICU call, not
 * one per word) is converted to UTF-16 into the context's buffer and handed to ICU; ICU's
 * UTF-16 boundaries are mapped back to byte offsets by walking both strings in step (the
 * boundaries come in increasing order, so the walk is linear and needs no offset table).
 *
 * Costs: ASCII: one pass, a table lookup per byte. Non-ASCII: a UTF-8 -> UTF-16 conversion
 * and ICU's iterator (dictionary-based for CJK and Thai). A text_ctx grows its UTF-16 buffer
 * to the largest piece seen; no allocation per document after that (spans arrays grow
 * likewise).
 */
#include "text.h"
#include <stdlib.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>

struct text_ctx {
    UBreakIterator *word, *sent;
    UChar *u16; size_t u16cap;
};

text_ctx *text_ctx_new(void) {
    text_ctx *c = xcalloc(1, sizeof *c);
    return c;
}

void text_ctx_free(text_ctx *c) {
    if (!c) return;
    if (c->word) ubrk_close(c->word);
    if (c->sent) ubrk_close(c->sent);
    free(c->u16);
    free(c);
}

void text_spans_free(text_spans *s) { free(s->v); s->v = NULL; s->n = s->cap = 0; }

static inline void spans_push(text_spans *s, size_t off, size_t len) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n].off = (uint32_t)off;
    s->v[s->n].len = (uint32_t)len;
    s->n++;
}

/* ---- ASCII classes for the fast path ---- */
enum { C_OTHER = 0, C_L, C_N, C_EX, C_MNL, C_ML, C_MN, C_SP, C_WS, C_CR, C_PUNCT, C_AT };
/* C_WS: newline-ish and tab (whitespace segments, never words); C_PUNCT: a one-char segment
 * made only of punctuation/symbols/controls (datatrove's PUNCTUATION_SET covers all ASCII
 * punctuation and the C0 controls); C_OTHER does not occur in ASCII. */
static unsigned char ascii_cls[128];
static unsigned char ascii_sym[128];   /* 1: punctuation, symbol or control (not whitespace) */
static unsigned char ascii_run[256];   /* letters, digits, '_', '@': always join each other */

__attribute__((constructor)) static void ascii_cls_init(void) {
    for (int c = 0; c < 128; c++) {
        unsigned char k = C_PUNCT;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) k = C_L;
        else if (c >= '0' && c <= '9') k = C_N;
        else if (c == '_') k = C_EX;
        else if (c == '@') k = C_AT;                   /* ICU 72 (CLDR 42) makes '@' ALetter */
        else if (c == '.' || c == '\'') k = C_MNL;     /* MidNumLet, Single_Quote */
        else if (c == ',' || c == ';') k = C_MN;       /* MidNum */
        else if (c == ' ') k = C_SP;                   /* WSegSpace */
        else if (c == '\r') k = C_CR;
        else if (c == '\n' || c == '\t' || c == '\v' || c == '\f') k = C_WS;
        /* ':' is MidLetter in UAX #29 but ICU's root rules remove it; it stays C_PUNCT. */
        ascii_cls[c] = k;
        ascii_sym[c] = (k == C_PUNCT || k == C_MNL || k == C_MN || k == C_EX || k == C_AT);
        ascii_run[c] = (k == C_L || k == C_N || k == C_EX || k == C_AT);
    }
}

/* Segments of an ASCII piece [s, e) of p: words appended to out (whitespace skipped).
 * Letters, digits, '_' and '@' always join (WB5, WB8-WB10, WB13a/b); a MidLetter/MidNum mark
 * joins when the characters on both sides qualify (WB6/7, WB11/12). */
static void words_ascii(const unsigned char *p, size_t s, size_t e, int flags, text_spans *out) {
    size_t i = s;
    while (i < e) {
        unsigned k = ascii_cls[p[i]];
        if (ascii_run[p[i]]) {
            size_t j = i + 1;
            for (;;) {
                while (j < e && ascii_run[p[j]]) j++;
                if (j + 1 < e) {
                    unsigned d = ascii_cls[p[j]];
                    if (d == C_MNL || d == C_ML || d == C_MN) {
                        unsigned pv = ascii_cls[p[j - 1]], nx = ascii_cls[p[j + 1]];
                        if (pv == C_AT) pv = C_L;
                        if (nx == C_AT) nx = C_L;
                        if (d != C_MN && pv == C_L && nx == C_L) { j += 2; continue; }
                        if (d != C_ML && pv == C_N && nx == C_N) { j += 2; continue; }
                    }
                }
                break;
            }
            int keep = 1;
            if (flags & TEXT_WORDS_NO_PUNCT) {   /* "__" or "@.@" is a symbol word */
                keep = 0;
                for (size_t q = i; q < j && !keep; q++) keep = ascii_cls[p[q]] == C_L || ascii_cls[p[q]] == C_N;
            }
            if (keep) spans_push(out, i, j - i);
            i = j;
        } else if (k == C_SP) {
            i++;
            while (i < e && p[i] == ' ') i++;
        } else if (k == C_WS) {
            i++;
        } else if (k == C_CR) {
            i += (i + 1 < e && p[i + 1] == '\n') ? 2 : 1;
        } else {
            if (!(flags & TEXT_WORDS_NO_PUNCT)) spans_push(out, i, 1);
            i++;
        }
    }
}

/* UTF-8 [p, p+n) -> c->u16 (n UTF-16 units at most). Returns the UTF-16 length. */
static int32_t to_u16(text_ctx *c, const unsigned char *p, size_t n) {
    if (c->u16cap < n + 1) {
        c->u16cap = n + 1 > 2 * c->u16cap ? n + 1 : 2 * c->u16cap;
        c->u16 = xrealloc(c->u16, c->u16cap * sizeof(UChar));
    }
    UChar *u = c->u16;
    size_t i = 0;
    int32_t k = 0;
    while (i < n) {
        if (p[i] < 0x80) { u[k++] = p[i++]; continue; }
        uint32_t cp;
        i += text_utf8_next(p + i, &cp);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            u[k++] = (UChar)(0xD800 + (cp >> 10));
            u[k++] = (UChar)(0xDC00 + (cp & 0x3FF));
        } else u[k++] = (UChar)cp;
    }
    return k;
}

/* Number of UTF-16 units the UTF-8 lead byte b starts. */
static inline int u16_units(unsigned char b) { return b >= 0xF0 ? 2 : 1; }
static inline int u8_len(unsigned char b) { return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4; }

/* Letters/digits or anything that is not whitespace, punctuation, symbol or control. */
static int cp_is_symbolic(uint32_t cp) {
    int8_t t = u_charType((UChar32)cp);
    switch (t) {
    case U_DASH_PUNCTUATION: case U_START_PUNCTUATION: case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION: case U_OTHER_PUNCTUATION: case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION: case U_MATH_SYMBOL: case U_CURRENCY_SYMBOL:
    case U_MODIFIER_SYMBOL: case U_OTHER_SYMBOL: case U_CONTROL_CHAR:
        return 1;
    default:
        return 0;
    }
}

/* Classify a segment [q, q+len): 0 whitespace only, 1 punctuation/symbols (and whitespace)
 * only, 2 a word with some other character. */
static int seg_kind(const unsigned char *q, size_t len) {
    int kind = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += text_utf8_next(q + i, &cp);
        if (u_isUWhiteSpace((UChar32)cp)) continue;
        if (cp < 0x80 ? ascii_sym[cp] : cp_is_symbolic(cp)) { kind = 1; continue; }
        return 2;
    }
    return kind;
}

static UBreakIterator *ensure_iter(UBreakIterator **it, UBreakIteratorType t, char *err) {
    if (*it) return *it;
    UErrorCode st = U_ZERO_ERROR;
    *it = ubrk_open(t, "", NULL, 0, &st);
    if (U_FAILURE(st)) { *it = NULL; err_set(err, "ICU break iterator: %s", u_errorName(st)); }
    return *it;
}

/* ICU segmentation of [s, e) of p, appending boundaries' segments as spans. keep(q,len) decides
 * which segments go out (mode: 0 words all, 1 words no punct, 2 every segment). */
static int icu_segments(text_ctx *c, UBreakIterator *it, const unsigned char *p, size_t s, size_t e,
                        int mode, text_spans *out, char *err) {
    int32_t n16 = to_u16(c, p + s, e - s);
    UErrorCode st = U_ZERO_ERROR;
    ubrk_setText(it, c->u16, n16, &st);
    if (U_FAILURE(st)) return err_set(err, "ICU setText: %s", u_errorName(st));
    int32_t prev16 = ubrk_first(it);
    size_t pos8 = s;     /* byte offset matching prev16 */
    for (int32_t b = ubrk_next(it); b != UBRK_DONE; b = ubrk_next(it)) {
        size_t start8 = pos8;
        int32_t k = prev16;
        while (k < b) { k += u16_units(p[pos8]); pos8 += u8_len(p[pos8]); }
        prev16 = b;
        size_t len = pos8 - start8;
        if (mode == 2) { spans_push(out, start8, len); continue; }
        int kind = seg_kind(p + start8, len);
        if (kind == 2 || (kind == 1 && mode == 0)) spans_push(out, start8, len);
    }
    return 0;
}

/* A piece boundary at i (0 < i < n): p[i-1] is '\n', or p[i-1] is ' ' and p[i] is ASCII but
 * not ' '. */
static inline int safe_cut(const unsigned char *p, size_t i) {
    unsigned char a = p[i - 1], b = p[i];
    return a == '\n' || (a == ' ' && b < 0x80 && b != ' ');
}

int text_words(text_ctx *c, const char *text, size_t n, int flags, text_spans *out, char *err) {
    const unsigned char *p = (const unsigned char *)text;
    out->n = 0;
    size_t pos = 0;
    while (pos < n) {
        /* next non-ASCII byte */
        size_t m = pos;
        while (m + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + m, 8);
            if (w & 0x8080808080808080ull) break;
            m += 8;
        }
        while (m < n && p[m] < 0x80) m++;
        if (m == n) { words_ascii(p, pos, n, flags, out); break; }
        /* ICU region [a, b): from the last safe cut at or before m to the first safe cut
         * after it that is followed by at least 256 ASCII bytes (or the end). */
        size_t a = m;
        while (a > pos && !safe_cut(p, a)) a--;
        if (a > pos) words_ascii(p, pos, a, flags, out);
        size_t b = m + 1;
        for (;;) {
            while (b < n && !(b > a && p[b - 1] < 0x80 && safe_cut(p, b))) b++;
            if (b >= n) { b = n; break; }
            size_t q = b, lim = b + 256 < n ? b + 256 : n;
            while (q < lim && p[q] < 0x80) q++;
            if (q == lim) break;
            b = q + 1;   /* another non-ASCII byte soon: extend the region past it */
        }
        if (!ensure_iter(&c->word, UBRK_WORD, err)) return -1;
        if (icu_segments(c, c->word, p, a, b, (flags & TEXT_WORDS_NO_PUNCT) ? 1 : 0, out, err)) return -1;
        pos = b;
    }
    return 0;
}

int text_words_icu(text_ctx *c, const char *text, size_t n, int flags, text_spans *out, char *err) {
    out->n = 0;
    if (n == 0) return 0;
    if (!ensure_iter(&c->word, UBRK_WORD, err)) return -1;
    return icu_segments(c, c->word, (const unsigned char *)text, 0, n,
                        (flags & TEXT_WORDS_NO_PUNCT) ? 1 : 0, out, err);
}

int text_sentences(text_ctx *c, const char *text, size_t n, text_spans *out, char *err) {
    out->n = 0;
    if (n == 0) return 0;
    if (!ensure_iter(&c->sent, UBRK_SENTENCE, err)) return -1;
    return icu_segments(c, c->sent, (const unsigned char *)text, 0, n, 2, out, err);
}

void text_lines(const char *p, size_t n, text_spans *out) {
    out->n = 0;
    size_t s = 0;
    for (;;) {
        const char *nl = n > s ? memchr(p + s, '\n', n - s) : NULL;
        if (!nl) { spans_push(out, s, n - s); return; }
        size_t e = (size_t)(nl - p);
        spans_push(out, s, e - s);
        s = e + 1;
    }
}

void text_paragraphs(const char *p, size_t n, text_spans *out) {
    out->n = 0;
    size_t s = 0, i = 0;
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl) break;
        size_t e = (size_t)(nl - p), j = e;
        while (j < n && p[j] == '\n') j++;
        if (j - e >= 2) { spans_push(out, s, e - s); s = j; }
        i = j;
    }
    spans_push(out, s, n - s);
}

/* ---- scripts ---- */

static int is_letter(uint32_t cp) {
    if (cp < 0x80) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
    return u_isalpha((UChar32)cp);
}

double text_script_fraction(const char *text, size_t n, const char *script) {
    int32_t want = u_getPropertyValueEnum(UCHAR_SCRIPT, script);
    if (want == UCHAR_INVALID_CODE) return -1;
    const unsigned char *p = (const unsigned char *)text;
    size_t letters = 0, hits = 0, i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            if (is_letter(p[i])) { letters++; hits += want == USCRIPT_LATIN; }
            i++;
            continue;
        }
        uint32_t cp;
        i += text_utf8_next(p + i, &cp);
        if (!is_letter(cp)) continue;
        letters++;
        UErrorCode st = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript((UChar32)cp, &st);
        /* Han letters in Japanese text are script Hani: a "Japanese" check should name the
         * script it wants (Hira, Kana or Hani); no merging is done here. */
        if (U_SUCCESS(st) && sc == want) hits++;
    }
    return letters ? (double)hits / (double)letters : 0.0;
}

const char *text_main_script(const char *text, size_t n) {
    uint32_t counts[USCRIPT_CODE_LIMIT];
    memset(counts, 0, sizeof counts);
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) { if (is_letter(p[i])) counts[USCRIPT_LATIN]++; i++; continue; }
        uint32_t cp;
        i += text_utf8_next(p + i, &cp);
        if (!is_letter(cp)) continue;
        UErrorCode st = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript((UChar32)cp, &st);
        if (U_SUCCESS(st) && sc >= 0 && sc < USCRIPT_CODE_LIMIT) counts[sc]++;
    }
    int best = -1;
    for (int s = 0; s < USCRIPT_CODE_LIMIT; s++)
        if (counts[s] && (best < 0 || counts[s] > counts[best])) best = s;
    /* no letters: "Zyyy" (Common) */
    return uscript_getShortName(best < 0 ? USCRIPT_COMMON : (UScriptCode)best);
}
