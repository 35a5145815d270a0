/*
 * filter — quality rules after datatrove's filters (src/datatrove/pipeline/filters/):
 * Gopher quality (gopher_quality_filter.py), Gopher repetition (gopher_repetition_filter.py),
 * C4 (c4_filters.py, C4QualityFilter) and FineWeb (fineweb_quality_filter.py), plus a cheap
 * script filter. The stage (`winnow filter`, filter.c) computes signals per rule set, decides,
 * and annotates/rejects/edits; the signal functions are here so unit tests can call them.
 *
 * Definitions follow datatrove (lengths are in code points, like Python's len on str); where
 * winnow differs (ICU words instead of NLTK's, hashes instead of strings) the comment at the
 * function says so. Every "filter_<rules>" function evaluates its checks in datatrove's order
 * and stops at the first failing one unless `full` is set (then every signal is computed, for
 * --annotate).
 *
 * Costs: one pass over the text per line notion, one word pass (text_words), then O(words)
 * hash-table work per n-gram size; tables and buffers live in filter_state and are reused
 * (no allocation per document once grown).
 */
#ifndef WN_FILTER_H
#define WN_FILTER_H
#include "../pipeline/buf.h"
#include "text.h"

enum { FILTER_GOPHER = 1, FILTER_GOPHER_REP = 2, FILTER_C4 = 4, FILTER_FINEWEB = 8, FILTER_SCRIPT = 16 };

typedef struct filter_cfg {
    char *rules;                 /* "gopher,gopher-rep,c4,fineweb" */
    int annotate;
    char *lang, *config, *stop_words, *terminal_punct, *script;
    double min_script_fraction;
    /* gopher */
    long long min_words, max_words;
    double min_avg_word_length, max_avg_word_length;
    double max_hash_word_ratio, max_ellipsis_word_ratio;
    double max_bullet_lines_ratio, max_ellipsis_lines_ratio, min_alpha_words_ratio;
    long long min_stop_words;
    /* gopher-rep */
    double max_dup_para_frac, max_dup_para_char_frac, max_dup_line_frac, max_dup_line_char_frac;
    double max_top_ngram_frac[3];       /* n = 2, 3, 4 */
    double max_dup_ngram_frac[6];       /* n = 5 .. 10 */
    /* c4 */
    int c4_no_edit, c4_remove_citations, c4_filter_no_terminal_punct, c4_filter_lorem_ipsum,
        c4_filter_javascript, c4_filter_curly_bracket, c4_filter_policy;
    long long c4_min_words_per_line, c4_max_word_length, c4_min_sentences;
    /* fineweb */
    double fineweb_line_punct_thr;
    int fineweb_line_punct_exclude_zero;
    double fineweb_short_line_thr;
    long long fineweb_short_line_length;
    double fineweb_char_dup_ratio, fineweb_new_line_ratio;
} filter_cfg;

/* Every signal, for decisions and for meta.quality. NaN-free: ratios over nothing are 0. */
typedef struct filter_signals {
    /* gopher */
    long long words, tokens, stop_words;
    double mean_word_length, hash_word_ratio, ellipsis_word_ratio, bullet_lines_ratio,
           ellipsis_lines_ratio, alpha_words_ratio;
    /* gopher-rep */
    double dup_para_frac, dup_para_char_frac, dup_line_frac, dup_line_char_frac;
    double top_ngram_frac[3], dup_ngram_frac[6];
    /* c4 */
    long long c4_lines, c4_lines_kept, c4_sentences;
    int c4_lorem_ipsum, c4_curly_bracket;
    /* fineweb */
    double line_punct_ratio, short_line_ratio, char_dup_ratio, new_line_ratio;
    /* script */
    double script_fraction;
} filter_signals;

/* The first failing check of a rule set: "mean_word_length 11.3 > 10". */
typedef struct filter_fail {
    const char *check;           /* signal name */
    double value, threshold;
    const char *op;              /* ">" "<" ">=" "<="; NULL: check is the whole text */
    int is_int;                  /* print value and threshold as integers */
} filter_fail;

typedef struct filter_state filter_state;

filter_state *filter_state_new(void);
void filter_state_free(filter_state *st);
/* Resolve language-dependent settings (stop words, terminal punctuation) of cfg into st.
 * -1 with err on a bad value. */
int filter_prepare(filter_state *st, const filter_cfg *cfg, char *err);

/* Call before evaluating a new text (forgets the cached word analysis, which is keyed by the
 * text's address and length: a reused buffer could otherwise look the same). */
void filter_begin(filter_state *st);

/* Rule sets: 1 = drop (f filled), 0 = keep, -1 = error (ICU). */
int filter_gopher(filter_state *st, const filter_cfg *c, const char *t, size_t n, int full,
                  filter_signals *sg, filter_fail *f, char *err);
int filter_gopher_rep(filter_state *st, const filter_cfg *c, const char *t, size_t n, int full,
                      filter_signals *sg, filter_fail *f, char *err);
/* C4 also computes the edited text (kept lines joined by '\n', stripped) into *edited
 * (pointing into st; valid until the next call); *changed says whether it differs from t. */
int filter_c4(filter_state *st, const filter_cfg *c, const char *t, size_t n, int full,
              filter_signals *sg, filter_fail *f, const char **edited, size_t *edited_len,
              int *changed, char *err);
int filter_fineweb(filter_state *st, const filter_cfg *c, const char *t, size_t n, int full,
                   filter_signals *sg, filter_fail *f, char *err);

/* "mean_word_length 11.3 > 10" (shortest value text that differs from the threshold's). */
void filter_fail_format(const filter_fail *f, buf *out);

/* ---- shared by the filter_*.c files (filter_words.c) ---- */

/* Per-document analysis of the words (ICU words, every non-whitespace segment): computed
 * once per text and shared by gopher, gopher-rep and fineweb. */
typedef struct filter_word {
    uint64_t hash;               /* of the word's bytes */
    uint32_t chars;              /* length in code points */
    uint8_t alpha, symbol;       /* has a letter; made only of punctuation/symbols */
} filter_word;

struct filter_state {
    text_ctx *tc;
    text_spans spans, lines, sents;
    filter_word *w; size_t nw, capw;
    const char *words_of; size_t words_of_len;   /* text the words were computed for */
    const char *tok_text; size_t tok_len; uint64_t tok_count;   /* word count of c4's output */
    struct filter_line { uint32_t a, b; } *lv; size_t nlv, caplv;  /* stripped splitlines() */
    const char *lines_of; size_t lines_of_len; int lines_simple;
    uint64_t text_chars;                        /* code points of that text */
    uint32_t *nl; size_t nnl, capnl;            /* offsets of '\n' in nl_of (filter_newlines) */
    const char *nl_of; size_t nl_of_len;
    /* open-addressing hash table, key 0 = empty, cleared (memset) to the size in use */
    struct filter_slot { uint64_t key; uint32_t count, first; } *tab;
    size_t tabcap, tabmask;
    /* per word position: prefix hashes and lengths, "n-gram repeats" bits */
    uint64_t *prefix;  size_t capprefix;
    uint8_t *rep; uint32_t *pos, *cand; size_t cappos;
    uint8_t *bucket; size_t capbucket;          /* n-gram prefilter: saturating counts by key bits */
    uint64_t *masks; size_t capmasks;           /* ASCII class bitmasks, 8 per 64 bytes */
    uint64_t stop_tab[256];                     /* stop-word hashes by their top byte (0: empty) */
    buf scratch, edited, lower;
    /* language-resolved settings */
    uint64_t stop_hash[64]; char *stop_words[64]; size_t nstop;
    uint32_t term[64]; size_t nterm;            /* terminal punctuation code points */
    int spaceless;                              /* zh/ja/th: c4 counts ICU words per line */
    int no_fused;                               /* tests: 1 always text_words, 2 scalar ASCII path */
};

int filter_words(filter_state *st, const char *t, size_t n, char *err);
/* The offsets of every '\n' of t into st->nl / st->nnl, computed once per text (until
 * filter_begin or another text): the line passes share one scan. */
void filter_newlines(filter_state *st, const char *t, size_t n);
uint64_t filter_hash_bytes(const void *p, size_t n);
uint64_t filter_utf8_chars(const char *p, size_t n);
/* Python's str.isspace for one code point; strip with it. */
int filter_py_isspace(uint32_t cp);
void filter_py_strip(const char *p, size_t n, size_t *start, size_t *end);
/* Does [p, n) end with one of st->term (its last code point)? */
int filter_ends_terminal(const filter_state *st, const char *p, size_t n);
/* Hash table: start a new set sized for n keys; get returns the key's slot (count 0 if new). */
void filter_tab_reset(filter_state *st, size_t n);
static inline struct filter_slot *filter_tab_get(filter_state *st, uint64_t key) {
    key |= !key;   /* 0 marks an empty slot */
    size_t i = (size_t)(key ^ (key >> 29)) & st->tabmask;
    while (st->tab[i].key != key && st->tab[i].key) i = (i + 1) & st->tabmask;
    st->tab[i].key = key;   /* no branch on "found or new": the store is harmless */
    return &st->tab[i];
}
/* Gopher repetition's n-gram statistics over st's words (filter_words first): for n = 2..4 the
 * most common n-gram's count x its " ".join length, for n = 5..10 find_all_duplicate's
 * characters. naive = 1: every n-gram through the table (the reference the fast path, which
 * only looks at positions whose shorter n-gram repeats, is tested against). */
void filter_rep_ngrams(filter_state *st, int naive, uint64_t top[3], uint64_t dup[6]);
/* datatrove's find_duplicates over the spans of t: how many elements equal an earlier one,
 * and their characters (code points). Uses st's table. */
void filter_find_duplicates(filter_state *st, const char *t, const text_spans *sp,
                            uint64_t *dups, uint64_t *dupchars);
/* Python splitlines() over a text: init, then next gives [*s, *e) until it returns 0. */
typedef struct filter_lines { const char *p; size_t n, pos; int simple; } filter_lines;
void filter_lines_init(filter_lines *it, const char *p, size_t n);
int filter_lines_next(filter_lines *it, size_t *s, size_t *e);
/* The splitlines() lines of t, each as its strip()ped [a, b) (byte offsets in t), into
 * st->lv / st->nlv; computed once per text (gopher and c4 share it). */
void filter_stripped_lines(filter_state *st, const char *t, size_t n);

#endif
