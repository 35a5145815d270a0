/*
 * filter_c4 — C4's line edits and page rules (Raffel et al. 2020), as datatrove's
 * C4QualityFilter (split_paragraph=True, its default) does them. For each line of
 * text.splitlines(), stripped:
 *   1. a word of line.split() longer than c4-max-word-length (1000) code points: line removed
 *   2. citations removed: \[\d*]|\[edit]|\[citation needed]   (the words of step 1 are kept)
 *   3. not ending in terminal punctuation (. ? ! " '), or ending in "...": line removed
 *   4. fewer than c4-min-words-per-line (3) words: line removed
 *   5. "lorem ipsum" (lowercased): the page is dropped
 *   6. "javascript": line removed
 *   7. '{': the page is dropped
 *   8. a policy phrase ("terms of use", "privacy policy", "cookie policy", "uses cookies",
 *      "use of cookies", "use cookies"): line removed
 *   9. otherwise kept; its sentences are counted
 * then fewer than c4-min-sentences (5) sentences: the page is dropped; else the text becomes
 * the kept lines joined by '\n', stripped. Note that 5 and 7 only see lines that survived
 * 1-4 (a '{' in a line without terminal punctuation does not drop the page): that is
 * datatrove's order, kept.
 *
 * Differences from datatrove, on purpose:
 *  - sentences are ICU sentences (UBRK_SENTENCE), not NLTK punkt. Every kept line has at
 *    least one sentence, so ICU runs only when fewer lines than the minimum were kept (or
 *    --annotate wants the exact count).
 *  - \d is ASCII digits (Python's re matches any Unicode decimal digit).
 *  - lowercasing is ASCII, plus U+212A KELVIN SIGN -> 'k' (the one non-ASCII character whose
 *    Python lower() can complete an ASCII phrase here).
 *  - with --lang zh/ja/th (no spaces between words) step 4 counts ICU words, since
 *    line.split() would see one word per line.
 * Costs: per line a strip, a word count that stops at the minimum, a look for long words at
 * every c4-max-word-length-th byte (only lines longer than that), one
 * scan of surviving lines for the phrases (16 positions at a time for a phrase's first two
 * bytes, then a compare), memchr for '{'; the kept text is built in
 * st->edited (no allocation once grown).
 */
#include "filter.h"
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define FAIL(name, val, op_, thr, isint) do { \
        if (!dropped) { f->check = (name); f->value = (val); f->op = (op_); f->threshold = (thr); \
                        f->is_int = (isint); dropped = 1; if (!full) return 1; } } while (0)

static unsigned char ascii_ws[128];
__attribute__((constructor)) static void c4_tables_init(void) {
    for (int c = 0; c < 128; c++) ascii_ws[c] = filter_py_isspace((uint32_t)c);
}

static inline int ws_at(const unsigned char *s, size_t i) {
    uint32_t cp;
    if (s[i] < 0x80) return ascii_ws[s[i]];
    text_utf8_next(s + i, &cp);
    return filter_py_isspace(cp);
}

/* Does line.split() have a word of more than maxlen code points? Such a word covers more than
 * maxlen bytes, so it covers a byte offset that is a multiple of maxlen: only the runs through
 * those offsets are measured. */
static int has_long_word(const char *p, size_t n, long long maxlen) {
    if (maxlen < 0 || (long long)n <= maxlen) return 0;
    const unsigned char *s = (const unsigned char *)p;
    size_t step = maxlen > 0 ? (size_t)maxlen : 1;
    for (size_t at = step - 1; at < n; at += step) {
        size_t a = at;
        while (a > 0 && (s[a] & 0xC0) == 0x80) a--;          /* start of the code point */
        if (ws_at(s, a)) continue;
        while (a > 0) {                                        /* back to the run's start */
            size_t b = a - 1;
            while (b > 0 && (s[b] & 0xC0) == 0x80) b--;
            if (ws_at(s, b)) break;
            a = b;
        }
        long long chars = 0;
        for (size_t i = a; i < n && !ws_at(s, i); ) {
            i += s[i] < 0x80 ? 1 : (size_t)text_utf8_next(s + i, &(uint32_t){0});
            if (++chars > maxlen) return 1;
        }
    }
    return 0;
}

/* Number of words of line.split(), counting no further than `enough`. */
static long long count_words(const char *p, size_t n, long long enough) {
    const unsigned char *s = (const unsigned char *)p;
    long long k = 0;
    int in = 0;
    for (size_t i = 0; i < n; ) {
        int ws = ws_at(s, i);
        if (!ws && !in && ++k >= enough) return k;
        in = !ws;
        i += s[i] < 0x80 ? 1 : (size_t)text_utf8_next(s + i, &(uint32_t){0});
    }
    return k;
}

/* Remove \[\d*]|\[edit]|\[citation needed] from [p, n) into out. Returns 1 if any. */
static int remove_citations(const char *p, size_t n, buf *out) {
    buf_reset(out);
    int any = 0;
    size_t i = 0, copied = 0;
    while (i < n) {
        const char *q = memchr(p + i, '[', n - i);
        if (!q) break;
        size_t j = (size_t)(q - p), k = j + 1;
        while (k < n && p[k] >= '0' && p[k] <= '9') k++;
        size_t end = 0;
        if (k < n && p[k] == ']') end = k + 1;
        else if (n - j >= 6 && !memcmp(p + j, "[edit]", 6)) end = j + 6;
        else if (n - j >= 17 && !memcmp(p + j, "[citation needed]", 17)) end = j + 17;
        if (end) {
            buf_add(out, p + copied, j - copied);
            copied = i = end;
            any = 1;
        } else i = j + 1;
    }
    if (any) buf_add(out, p + copied, n - copied);
    return any;
}

static inline int lc(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static int has_at(const char *p, size_t n, size_t i, const char *w) {
    size_t k = 0;
    for (; w[k]; k++)
        if (i + k >= n || lc((unsigned char)p[i + k]) != (unsigned char)w[k]) return 0;
    return 1;
}

enum { PH_LOREM = 1, PH_JS = 2, PH_POLICY = 4 };

/* The phrases are found by their first four bytes, lowercased by OR 0x20 (which leaves ' '
 * alone): a 4096-bit table of those prefixes' hashes screens every position with one load,
 * an OR, a multiply and a bit test; hits are then compared in full. */
static const char *const phrases[] = { "lorem ipsum", "javascript", "terms of use", "privacy policy",
                                       "cookie policy", "uses cookies", "use of cookies", "use cookies", NULL };
static const int phrase_bit[] = { PH_LOREM, PH_JS, PH_POLICY, PH_POLICY, PH_POLICY, PH_POLICY, PH_POLICY, PH_POLICY };
static uint64_t sig_bits[64];
static inline unsigned sig_of(uint32_t v) { return (uint32_t)((v | 0x20202020u) * 0x9E3779B1u) >> 20; }
__attribute__((constructor)) static void sig_init(void) {
    for (int i = 0; phrases[i]; i++) {
        uint32_t v;
        memcpy(&v, phrases[i], 4);
        unsigned h = sig_of(v);
        sig_bits[h >> 6] |= 1ull << (h & 63);
    }
}

/* Which of the lowercase phrases occur in the line. */
static int scan_phrases(const char *p, size_t n, buf *lower) {
    const char *k = n >= 3 ? memchr(p, 0xE2, n) : NULL;
    if (k && memmem(k, n - (size_t)(k - p), "\xe2\x84\xaa", 3)) {   /* Kelvin sign: lowercase copy, then scan it */
        buf_reset(lower);
        for (size_t i = 0; i < n; i++) {
            if (i + 3 <= n && !memcmp(p + i, "\xe2\x84\xaa", 3)) { buf_addc(lower, 'k'); i += 2; }
            else buf_addc(lower, (char)lc((unsigned char)p[i]));
        }
        p = lower->p;
        n = lower->len;
    }
    int r = 0;
    size_t i = 0;
#if defined(__SSE2__)
    /* 16 positions at a time: only where the first two bytes, OR 0x20, are a phrase's ("lo"
     * "ja" "te" "pr" "co" "us"; a full match implies it, as lc(c) == w[k] implies
     * c | 0x20 == w[k] for letters) is the position looked at further. */
    if (n >= 10) {
        const __m128i b20 = _mm_set1_epi8(0x20);
        static const char firsts[] = "ljtpcu", seconds[] = "oaeros";
        while (i + 17 <= n && i + 25 <= n) {   /* the loads, and every lane has i + 10 <= n */
            __m128i x = _mm_or_si128(_mm_loadu_si128((const __m128i *)(p + i)), b20);
            __m128i y = _mm_or_si128(_mm_loadu_si128((const __m128i *)(p + i + 1)), b20);
            __m128i any = _mm_setzero_si128();
            for (int f = 0; f < 6; f++)
                any = _mm_or_si128(any, _mm_and_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(firsts[f])),
                                                      _mm_cmpeq_epi8(y, _mm_set1_epi8(seconds[f]))));
            unsigned m = (unsigned)_mm_movemask_epi8(any);
            while (m) {
                size_t at = i + (size_t)__builtin_ctz(m);
                m &= m - 1;
                for (int k = 0; phrases[k]; k++)
                    if (has_at(p, n, at, phrases[k])) r |= phrase_bit[k];
            }
            i += 16;
        }
    }
#endif
    for (; i + 10 <= n; i++) {   /* the shortest phrase has 10 bytes */
        uint32_t v;
        memcpy(&v, p + i, 4);
        unsigned h = sig_of(v);
        if (!(sig_bits[h >> 6] >> (h & 63) & 1)) continue;
        for (int k = 0; phrases[k]; k++)
            if (has_at(p, n, i, phrases[k])) r |= phrase_bit[k];
    }
    return r;
}

int filter_c4(filter_state *st, const filter_cfg *c, const char *t, size_t n, int full,
              filter_signals *sg, filter_fail *f, const char **edited, size_t *edited_len,
              int *changed, char *err) {
    int dropped = 0;
    buf_reset(&st->edited);
    long long lines = 0, kept = 0;
    sg->c4_lorem_ipsum = sg->c4_curly_bracket = 0;
    *edited = t; *edited_len = n; *changed = 0;
    filter_stripped_lines(st, t, n);
    /* The words of the output (fineweb's denominator) are the input's words on kept lines,
     * when the input's words are at hand, lines end only in '\n' (no separator ICU could
     * glue into a symbol word) and no citation was cut out; else fineweb recounts. */
    int count_ok = st->words_of == t && st->words_of_len == n && st->lines_simple && !memchr(t, 0x1F, n);
    uint64_t out_words = 0;
    size_t wcur = 0;
    for (size_t li = 0; li < st->nlv; li++) {
        lines++;
        size_t la = st->lv[li].a, lb = st->lv[li].b;
        const char *l = t + la;
        size_t ll = lb - la;
        int cited = 0;
        if (c->c4_max_word_length != -1 && has_long_word(l, ll, c->c4_max_word_length)) continue;
        long long nwords = -1;   /* counted when needed */
        if (c->c4_remove_citations && memchr(l, '[', ll) && remove_citations(l, ll, &st->scratch)) {
            l = st->scratch.p;
            ll = st->scratch.len;
            cited = 1;
        }
        if (c->c4_filter_no_terminal_punct &&
            (!filter_ends_terminal(st, l, ll) || (ll >= 3 && !memcmp(l + ll - 3, "...", 3))))
            continue;
        if (c->c4_min_words_per_line > 0) {
            if (st->spaceless) {
                if (text_words(st->tc, l, ll, TEXT_WORDS_NO_PUNCT, &st->sents, err)) return -1;
                nwords = (long long)st->sents.n;
            } else {
                /* the words of the stripped line before citations were cut (datatrove) */
                nwords = count_words(t + la, lb - la, c->c4_min_words_per_line);
            }
            if (nwords < c->c4_min_words_per_line) continue;
        }
        int ph = (c->c4_filter_lorem_ipsum || c->c4_filter_javascript || c->c4_filter_policy)
                 ? scan_phrases(l, ll, &st->lower) : 0;
        if (c->c4_filter_lorem_ipsum && (ph & PH_LOREM)) {
            sg->c4_lorem_ipsum = 1;
            FAIL("contains \"lorem ipsum\"", 0, NULL, 0, 0);
            continue;
        }
        if (c->c4_filter_javascript && (ph & PH_JS)) continue;
        if (c->c4_filter_curly_bracket && memchr(l, '{', ll)) {
            sg->c4_curly_bracket = 1;
            FAIL("contains '{'", 0, NULL, 0, 0);
            continue;
        }
        if (c->c4_filter_policy && (ph & PH_POLICY)) continue;
        if (kept) buf_addc(&st->edited, '\n');
        buf_add(&st->edited, l, ll);
        kept++;
        if (cited) count_ok = 0;
        if (count_ok) {
            uint32_t lo = (uint32_t)la, hi = (uint32_t)lb;
            while (wcur < st->spans.n && st->spans.v[wcur].off < lo) wcur++;
            while (wcur < st->spans.n && st->spans.v[wcur].off < hi) { wcur++; out_words++; }
        }
    }
    sg->c4_lines = lines;
    sg->c4_lines_kept = kept;
    /* sentences: each kept line holds at least one, so count only when it can matter */
    long long sentences = kept;
    if (full || (c->c4_min_sentences > 0 && kept < c->c4_min_sentences)) {
        sentences = 0;
        const char *p = st->edited.p;
        size_t en = st->edited.len, i = 0;
        while (i < en) {
            const char *nl = memchr(p + i, '\n', en - i);
            size_t j = nl ? (size_t)(nl - p) : en;
            if (text_sentences(st->tc, p + i, j - i, &st->sents, err)) return -1;
            sentences += (long long)st->sents.n;
            i = j + 1;
        }
    }
    sg->c4_sentences = sentences;
    if (c->c4_min_sentences > 0 && sentences < c->c4_min_sentences)
        FAIL("sentences", sentences, "<", c->c4_min_sentences, 1);
    size_t a, b;
    filter_py_strip(st->edited.p ? st->edited.p : "", st->edited.len, &a, &b);
    *edited = st->edited.p ? st->edited.p + a : "";
    *edited_len = b - a;
    *changed = !(*edited_len == n && !memcmp(*edited, t, n));
    if (count_ok) { st->tok_text = *edited; st->tok_len = *edited_len; st->tok_count = out_words; }
    return dropped;
}
