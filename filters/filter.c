/*
 * filter — the `filter` stage: quality rule sets gopher, gopher-rep, c4, fineweb (filter_*.c)
 * and a script filter, with every threshold an option, a YAML file of options (--config), a
 * language setting (--lang), explainable rejects and --annotate.
 *
 * Per document: each active rule set is evaluated (all of them, so the stats can say which
 * documents a rule set dropped alone), in the order script, gopher, gopher-rep, c4, fineweb;
 * gopher and gopher-rep see the input text, fineweb sees the text after c4's line edits when c4
 * keeps the page (datatrove's FineWeb order). The first failing rule set names the reject:
 * reason "gopher", detail "mean_word_length 11.3 > 10". With --annotate every document is kept
 * unchanged (no c4 edit) and meta.quality holds every signal, "drop" (the rule sets that would
 * drop it) and "why" (their details), so thresholds can be chosen afterwards.
 *
 * Options: defaults are datatrove's. A threshold of 0 turns its check off. --config FILE sets
 * options from YAML: top-level keys are option names (with '_' or '-'), and a mapping under a
 * rule-set name (gopher:, gopher_rep:, c4:, fineweb:, script:) holds that rule set's options,
 * with or without their prefix (c4: {filter_javascript: false}). A command-line value wins
 * over the file unless it equals the default (the option table cannot tell "not given" from
 * "given the default").
 *
 * Stats counters: "rule R dropped" and "rule R alone" per rule set, "check R: SIGNAL" for the
 * first failing check of each rule set that dropped a document.
 *
 * Costs: see filter.h; state is one filter_state per stage instance (per worker).
 */
#include "filter.h"
#include "../pipeline/jsonl.h"
#include "../pipeline/stage.h"
#include "../pipeline/yaml_tree.h"
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define O(f) offsetof(filter_cfg, f)
static const opt_def filter_opts[] = {
    { "rules", 'r', OPT_LIST, O(rules), "gopher,gopher-rep,c4,fineweb", "rule sets to apply", 0, 0, "gopher|gopher-rep|c4|fineweb", "LIST" },
    { "annotate", 0, OPT_BOOL, O(annotate), "false", "keep every document; write all signals and the rules that would drop it under meta.quality", 0, 0, NULL, NULL },
    { "config", 0, OPT_STRING, O(config), NULL, "YAML file of options (keys as below with '_', or grouped under gopher:/gopher_rep:/c4:/fineweb:)", 0, 0, NULL, "FILE" },
    { "lang", 0, OPT_STRING, O(lang), "en", "language of the text: picks stop words and terminal punctuation (en de fr es it pt nl have stop words; zh ja th count words without spaces)", 0, 0, NULL, "CODE" },
    { "stop-words", 0, OPT_STRING, O(stop_words), NULL, "gopher stop words, comma-separated (default: by --lang; en: the,be,to,of,and,that,have,with)", 0, 0, NULL, "LIST" },
    { "terminal-punct", 0, OPT_STRING, O(terminal_punct), NULL, "characters that end a sentence, for c4 and fineweb (default: by --lang; en: .?!\"')", 0, 0, NULL, "CHARS" },
    { "script", 0, OPT_STRING, O(script), NULL, "keep documents whose letters are mostly this ICU script (Latin, Cyrillic, Hangul, Han, ...)", 0, 0, NULL, "NAME" },
    { "min-script-fraction", 0, OPT_DOUBLE, O(min_script_fraction), "0.65", "with --script: minimum fraction of letters in that script", 0, 1, NULL, "F" },
    /* gopher */
    { "min-words", 0, OPT_INT, O(min_words), "50", "gopher: minimum non-symbol words", 0, 0, NULL, "N" },
    { "max-words", 0, OPT_INT, O(max_words), "100000", "gopher: maximum non-symbol words", 0, 0, NULL, "N" },
    { "min-avg-word-length", 0, OPT_DOUBLE, O(min_avg_word_length), "3", "gopher: minimum mean word length (code points; --lang zh/ja/th: 1)", 0, 0, NULL, "X" },
    { "max-avg-word-length", 0, OPT_DOUBLE, O(max_avg_word_length), "10", "gopher: maximum mean word length", 0, 0, NULL, "X" },
    { "max-hash-word-ratio", 0, OPT_DOUBLE, O(max_hash_word_ratio), "0.1", "gopher: maximum '#' per word", 0, 0, NULL, "R" },
    { "max-ellipsis-word-ratio", 0, OPT_DOUBLE, O(max_ellipsis_word_ratio), "0.1", "gopher: maximum ellipses ('...', U+2026) per word", 0, 0, NULL, "R" },
    { "max-bullet-lines-ratio", 0, OPT_DOUBLE, O(max_bullet_lines_ratio), "0.9", "gopher: maximum fraction of lines starting with a bullet (U+2022, '-')", 0, 0, NULL, "R" },
    { "max-ellipsis-lines-ratio", 0, OPT_DOUBLE, O(max_ellipsis_lines_ratio), "0.3", "gopher: maximum fraction of lines ending with an ellipsis", 0, 0, NULL, "R" },
    { "min-alpha-words-ratio", 0, OPT_DOUBLE, O(min_alpha_words_ratio), "0.8", "gopher: minimum fraction of words with a letter (datatrove: max_non_alpha_words_ratio)", 0, 0, NULL, "R" },
    { "min-stop-words", 0, OPT_INT, O(min_stop_words), "2", "gopher: minimum occurrences of stop words", 0, 0, NULL, "N" },
    /* gopher-rep */
    { "max-dup-para-frac", 0, OPT_DOUBLE, O(max_dup_para_frac), "0.3", "gopher-rep: maximum fraction of duplicate paragraphs", 0, 0, NULL, "R" },
    { "max-dup-para-char-frac", 0, OPT_DOUBLE, O(max_dup_para_char_frac), "0.2", "gopher-rep: maximum fraction of characters in duplicate paragraphs", 0, 0, NULL, "R" },
    { "max-dup-line-frac", 0, OPT_DOUBLE, O(max_dup_line_frac), "0.3", "gopher-rep: maximum fraction of duplicate lines", 0, 0, NULL, "R" },
    { "max-dup-line-char-frac", 0, OPT_DOUBLE, O(max_dup_line_char_frac), "0.2", "gopher-rep: maximum fraction of characters in duplicate lines", 0, 0, NULL, "R" },
    { "max-top-2gram-frac", 0, OPT_DOUBLE, O(max_top_ngram_frac[0]), "0.2", "gopher-rep: maximum character fraction of the most common 2-gram", 0, 0, NULL, "R" },
    { "max-top-3gram-frac", 0, OPT_DOUBLE, O(max_top_ngram_frac[1]), "0.18", "gopher-rep: same, 3-grams", 0, 0, NULL, "R" },
    { "max-top-4gram-frac", 0, OPT_DOUBLE, O(max_top_ngram_frac[2]), "0.16", "gopher-rep: same, 4-grams", 0, 0, NULL, "R" },
    { "max-dup-5gram-frac", 0, OPT_DOUBLE, O(max_dup_ngram_frac[0]), "0.15", "gopher-rep: maximum character fraction of duplicated 5-grams", 0, 0, NULL, "R" },
    { "max-dup-6gram-frac", 0, OPT_DOUBLE, O(max_dup_ngram_frac[1]), "0.14", "gopher-rep: same, 6-grams", 0, 0, NULL, "R" },
    { "max-dup-7gram-frac", 0, OPT_DOUBLE, O(max_dup_ngram_frac[2]), "0.13", "gopher-rep: same, 7-grams", 0, 0, NULL, "R" },
    { "max-dup-8gram-frac", 0, OPT_DOUBLE, O(max_dup_ngram_frac[3]), "0.12", "gopher-rep: same, 8-grams", 0, 0, NULL, "R" },
    { "max-dup-9gram-frac", 0, OPT_DOUBLE, O(max_dup_ngram_frac[4]), "0.11", "gopher-rep: same, 9-grams", 0, 0, NULL, "R" },
    { "max-dup-10gram-frac", 0, OPT_DOUBLE, O(max_dup_ngram_frac[5]), "0.1", "gopher-rep: same, 10-grams", 0, 0, NULL, "R" },
    /* c4 */
    { "c4-no-edit", 0, OPT_BOOL, O(c4_no_edit), "false", "c4: judge lines but leave the text unchanged", 0, 0, NULL, NULL },
    { "c4-remove-citations", 0, OPT_BOOL, O(c4_remove_citations), "true", "c4: remove [1], [edit], [citation needed]", 0, 0, NULL, NULL },
    { "c4-filter-no-terminal-punct", 0, OPT_BOOL, O(c4_filter_no_terminal_punct), "true", "c4: remove lines not ending in terminal punctuation (or ending in '...')", 0, 0, NULL, NULL },
    { "c4-min-words-per-line", 0, OPT_INT, O(c4_min_words_per_line), "3", "c4: remove lines with fewer words", 0, 0, NULL, "N" },
    { "c4-max-word-length", 0, OPT_INT, O(c4_max_word_length), "1000", "c4: remove lines with a longer word (-1: off)", 0, 0, NULL, "N" },
    { "c4-filter-lorem-ipsum", 0, OPT_BOOL, O(c4_filter_lorem_ipsum), "true", "c4: drop pages with 'lorem ipsum'", 0, 0, NULL, NULL },
    { "c4-filter-javascript", 0, OPT_BOOL, O(c4_filter_javascript), "true", "c4: remove lines with 'javascript'", 0, 0, NULL, NULL },
    { "c4-filter-curly-bracket", 0, OPT_BOOL, O(c4_filter_curly_bracket), "true", "c4: drop pages with '{'", 0, 0, NULL, NULL },
    { "c4-filter-policy", 0, OPT_BOOL, O(c4_filter_policy), "true", "c4: remove lines with cookie/privacy/terms-of-use phrases", 0, 0, NULL, NULL },
    { "c4-min-sentences", 0, OPT_INT, O(c4_min_sentences), "5", "c4: drop pages with fewer sentences left (-1: off)", 0, 0, NULL, "N" },
    /* fineweb */
    { "fineweb-line-punct-thr", 0, OPT_DOUBLE, O(fineweb_line_punct_thr), "0.12", "fineweb: drop if at most this fraction of lines end in terminal punctuation", 0, 0, NULL, "R" },
    { "fineweb-line-punct-exclude-zero", 0, OPT_BOOL, O(fineweb_line_punct_exclude_zero), "false", "fineweb: a page with no such line passes that check", 0, 0, NULL, NULL },
    { "fineweb-short-line-thr", 0, OPT_DOUBLE, O(fineweb_short_line_thr), "0.67", "fineweb: drop if at least this fraction of lines are short", 0, 0, NULL, "R" },
    { "fineweb-short-line-length", 0, OPT_INT, O(fineweb_short_line_length), "30", "fineweb: a short line has at most this many code points", 0, 0, NULL, "N" },
    { "fineweb-char-dup-ratio", 0, OPT_DOUBLE, O(fineweb_char_dup_ratio), "0.01", "fineweb: drop if at least this fraction of characters are in duplicate lines", 0, 0, NULL, "R" },
    { "fineweb-new-line-ratio", 0, OPT_DOUBLE, O(fineweb_new_line_ratio), "0.3", "fineweb: drop if newlines per word exceed this", 0, 0, NULL, "R" },
    OPT_DEF_END,
};

/* Rule sets in evaluation order. */
enum { R_SCRIPT, R_GOPHER, R_REP, R_C4, R_FINEWEB, R_N };
static const char *const rule_names[R_N] = { "script", "gopher", "gopher-rep", "c4", "fineweb" };
/* option-name prefixes owned by a rule set (for --config groups); gopher's are listed. */
static const char *const gopher_keys[] = { "min-words", "max-words", "min-avg-word-length", "max-avg-word-length",
    "max-hash-word-ratio", "max-ellipsis-word-ratio", "max-bullet-lines-ratio", "max-ellipsis-lines-ratio",
    "min-alpha-words-ratio", "min-stop-words", "stop-words", NULL };

typedef struct filter_stage_state {
    filter_state *st;
    unsigned mask;                      /* 1 << R_* */
    size_t c_drop[R_N], c_alone[R_N];   /* stats counter indices */
    /* "check R: SIGNAL" counter indices by the check's name pointer (the names are static
     * strings), so a dropped document costs no formatting or name lookup */
    struct { const char *check; size_t idx; } c_check[R_N][32];
    int nc_check[R_N];
    buf meta, detail;
} filter_stage_state;

/* ---- --config ---- */

static int same_as_default(const opt_def *d, const void *cfg, const void *def) {
    const char *a = (const char *)cfg + d->off, *b = (const char *)def + d->off;
    switch (d->type) {
    case OPT_BOOL: return *(const int *)a == *(const int *)b;
    case OPT_INT: case OPT_SIZE: return *(const long long *)a == *(const long long *)b;
    case OPT_DOUBLE: return *(const double *)a == *(const double *)b;
    case OPT_STRING: case OPT_ENUM: case OPT_LIST: {
        const char *x = *(char *const *)a, *y = *(char *const *)b;
        return x == y || (x && y && !strcmp(x, y));
    }
    default: return 1;
    }
}

/* Resolve a key of group `rule` (or of the top level, rule < 0) to an option. */
static const opt_def *config_key(int rule, const char *key) {
    char name[128];
    if (rule < 0) return opt_find(filter_opts, key);
    if (rule == R_GOPHER) {
        for (int i = 0; gopher_keys[i]; i++) {
            const opt_def *d = opt_find(filter_opts, key);
            if (d && !strcmp(d->name, gopher_keys[i])) return d;
        }
        return NULL;
    }
    if (rule == R_REP) {
        const opt_def *d = opt_find(filter_opts, key);
        return d && !strncmp(d->name, "max-dup-", 8) ? d : d && !strncmp(d->name, "max-top-", 8) ? d : NULL;
    }
    if (rule == R_SCRIPT) {
        const opt_def *d = opt_find(filter_opts, key);
        return d && (!strcmp(d->name, "script") || !strcmp(d->name, "min-script-fraction")) ? d : NULL;
    }
    const char *pre = rule == R_C4 ? "c4" : "fineweb";
    snprintf(name, sizeof name, "%s-%s", pre, key);
    const opt_def *d = opt_find(filter_opts, name);
    if (!d) {
        d = opt_find(filter_opts, key);
        if (d && strncmp(d->name, pre, strlen(pre))) d = NULL;
    }
    return d;
}

static void scalar_or_list(const yaml_tree *t, int node, buf *out) {
    buf_reset(out);
    if (yaml_tree_kind(t, node) == YAML_TREE_SEQ) {
        for (size_t i = 0; i < yaml_tree_len(t, node); i++) {
            const char *v = yaml_tree_scalar(t, yaml_tree_item(t, node, i));
            if (i) buf_addc(out, ',');
            buf_adds(out, v ? v : "");
        }
    } else {
        const char *v = yaml_tree_scalar(t, node);
        buf_adds(out, v ? v : "");
    }
}

static int config_apply(stage *s, const yaml_tree *t, int map, int rule, const void *defcfg, char *err) {
    buf v = {0};
    int rc = 0;
    for (size_t i = 0; i < yaml_tree_len(t, map) && !rc; i++) {
        int kn, vn = yaml_tree_pair(t, map, i, &kn);
        const char *key = yaml_tree_scalar(t, kn);
        if (!key) { rc = err_set(err, "%s:%d: keys must be scalars", yaml_tree_name(t), yaml_tree_line(t, kn)); break; }
        if (rule < 0 && yaml_tree_kind(t, vn) == YAML_TREE_MAP) {
            int r = -1;
            for (int k = 0; k < R_N; k++) {
                char alt[32];
                snprintf(alt, sizeof alt, "%s", rule_names[k]);
                for (char *q = alt; *q; q++) if (*q == '-') *q = '_';
                if (!strcmp(key, rule_names[k]) || !strcmp(key, alt)) r = k;
            }
            if (r < 0) { rc = err_set(err, "%s:%d: '%s' is not a rule set (gopher, gopher_rep, c4, fineweb, script)", yaml_tree_name(t), yaml_tree_line(t, kn), key); break; }
            rc = config_apply(s, t, vn, r, defcfg, err);
            continue;
        }
        const opt_def *d = config_key(rule, key);
        if (!d || !strcmp(d->name, "config")) {
            const char *sug = opt_suggest(filter_opts, key);
            rc = err_set(err, "%s:%d: unknown %s%s option '%s'%s%s%s", yaml_tree_name(t), yaml_tree_line(t, kn),
                         rule < 0 ? "" : rule_names[rule], rule < 0 ? "filter" : "", key,
                         sug ? " (did you mean '" : "", sug ? sug : "", sug ? "'?)" : "");
            break;
        }
        if (!same_as_default(d, s->cfg, defcfg)) continue;     /* the command line wins */
        scalar_or_list(t, vn, &v);
        char e2[ERR_MAX];
        if (opt_set(filter_opts, s->cfg, d->name, v.p ? v.p : "", e2) < 0)
            rc = err_set(err, "%s:%d: %s", yaml_tree_name(t), yaml_tree_line(t, vn), e2);
    }
    buf_free(&v);
    return rc;
}

static int config_load(stage *s, const char *path, char *err) {
    char full[4096];
    if (path[0] != '/' && s->base_dir) snprintf(full, sizeof full, "%s/%s", s->base_dir, path);
    else snprintf(full, sizeof full, "%s", path);
    yaml_tree *t;
    if (yaml_tree_load_file(&t, full, err)) return -1;
    int root = yaml_tree_root(t), rc = 0;
    if (root && yaml_tree_kind(t, root) != YAML_TREE_MAP)
        rc = err_set(err, "%s: expected a mapping of options", full);
    void *defcfg = xcalloc(1, sizeof(filter_cfg));
    opt_defaults(filter_opts, defcfg);
    if (!rc && root) rc = config_apply(s, t, root, -1, defcfg, err);
    opt_free(filter_opts, defcfg);
    free(defcfg);
    yaml_tree_free(t);
    return rc;
}

/* ---- stage ---- */

static int lang_spaceless(const char *l) {
    static const char *const codes[] = { "zh", "ja", "th", "lo", "km", "my", NULL };
    for (int i = 0; codes[i]; i++)
        if (l && !strncmp(l, codes[i], 2) && (l[2] == 0 || l[2] == '-' || l[2] == '_')) return 1;
    return 0;
}

static int filter_init(stage *s, char *err) {
    filter_cfg *c = s->cfg;
    if (c->config && *c->config && config_load(s, c->config, err)) return -1;
    filter_stage_state *fs = xcalloc(1, sizeof *fs);
    s->state = fs;
    fs->st = filter_state_new();
    const char *r = c->rules ? c->rules : "";
    while (*r) {
        const char *e = strchr(r, ',');
        size_t n = e ? (size_t)(e - r) : strlen(r);
        for (int k = R_GOPHER; k < R_N; k++)
            if (strlen(rule_names[k]) == n && !strncmp(r, rule_names[k], n)) fs->mask |= 1u << k;
        if (!e) break;
        r = e + 1;
    }
    if (c->script && *c->script) {
        if (text_script_fraction("", 0, c->script) < 0)
            return err_set(err, "--script: '%s' is not an ICU script name (Latin, Cyrillic, Hangul, Han, Arabic, ...)", c->script);
        fs->mask |= 1u << R_SCRIPT;
    }
    if (lang_spaceless(c->lang) && c->min_avg_word_length == 3) c->min_avg_word_length = 1;
    if (filter_prepare(fs->st, c, err)) return -1;
    for (int k = 0; k < R_N; k++) {
        if (!(fs->mask & (1u << k))) continue;
        char name[64];
        snprintf(name, sizeof name, "rule %s dropped", rule_names[k]);
        fs->c_drop[k] = stats_counter(&s->stats, name);
        snprintf(name, sizeof name, "rule %s alone", rule_names[k]);
        fs->c_alone[k] = stats_counter(&s->stats, name);
    }
    return 0;
}

static void jkey(buf *b, const char *k) {
    if (b->len > 1) buf_addc(b, ',');
    buf_addc(b, '"'); buf_adds(b, k); buf_adds(b, "\":");
}
static void jnum(buf *b, const char *k, double v) { jkey(b, k); json_write_double(b, v); }
static void jint(buf *b, const char *k, long long v) { jkey(b, k); buf_printf(b, "%lld", v); }

static void annotate(filter_stage_state *fs, const filter_signals *g, unsigned dropmask,
                     const filter_fail *fails, buf *b) {
    buf_reset(b);
    buf_addc(b, '{');
    if (fs->mask & (1u << R_SCRIPT)) jnum(b, "script_fraction", g->script_fraction);
    if (fs->mask & (1u << R_GOPHER)) {
        jint(b, "words", g->words); jint(b, "tokens", g->tokens);
        jnum(b, "mean_word_length", g->mean_word_length); jnum(b, "hash_word_ratio", g->hash_word_ratio);
        jnum(b, "ellipsis_word_ratio", g->ellipsis_word_ratio); jnum(b, "bullet_lines_ratio", g->bullet_lines_ratio);
        jnum(b, "ellipsis_lines_ratio", g->ellipsis_lines_ratio); jnum(b, "alpha_words_ratio", g->alpha_words_ratio);
        jint(b, "stop_words", g->stop_words);
    }
    if (fs->mask & (1u << R_REP)) {
        jnum(b, "dup_para_frac", g->dup_para_frac); jnum(b, "dup_para_char_frac", g->dup_para_char_frac);
        jnum(b, "dup_line_frac", g->dup_line_frac); jnum(b, "dup_line_char_frac", g->dup_line_char_frac);
        char k[32];
        for (int i = 0; i < 3; i++) { snprintf(k, sizeof k, "top_%dgram_frac", i + 2); jnum(b, k, g->top_ngram_frac[i]); }
        for (int i = 0; i < 6; i++) { snprintf(k, sizeof k, "dup_%dgram_frac", i + 5); jnum(b, k, g->dup_ngram_frac[i]); }
    }
    if (fs->mask & (1u << R_C4)) {
        jint(b, "c4_lines", g->c4_lines); jint(b, "c4_lines_kept", g->c4_lines_kept);
        jint(b, "c4_sentences", g->c4_sentences);
        jkey(b, "c4_lorem_ipsum"); buf_adds(b, g->c4_lorem_ipsum ? "true" : "false");
        jkey(b, "c4_curly_bracket"); buf_adds(b, g->c4_curly_bracket ? "true" : "false");
    }
    if (fs->mask & (1u << R_FINEWEB)) {
        jnum(b, "line_punct_ratio", g->line_punct_ratio); jnum(b, "short_line_ratio", g->short_line_ratio);
        jnum(b, "char_dup_ratio", g->char_dup_ratio); jnum(b, "new_line_ratio", g->new_line_ratio);
    }
    jkey(b, "drop");
    buf_addc(b, '[');
    int first = 1;
    for (int k = 0; k < R_N; k++)
        if (dropmask & (1u << k)) {
            if (!first) buf_addc(b, ',');
            first = 0;
            json_write_string(b, rule_names[k], strlen(rule_names[k]));
        }
    buf_adds(b, "],\"why\":[");
    first = 1;
    buf d = {0};
    for (int k = 0; k < R_N; k++)
        if (dropmask & (1u << k)) {
            if (!first) buf_addc(b, ',');
            first = 0;
            buf_reset(&d);
            buf_printf(&d, "%s: ", rule_names[k]);
            filter_fail_format(&fails[k], &d);
            json_write_string(b, d.p, d.len);
        }
    buf_free(&d);
    buf_adds(b, "]}");
}

static int filter_process(stage *s, doc *d, stage_io *io, char *err) {
    filter_cfg *c = s->cfg;
    filter_stage_state *fs = s->state;
    filter_state *st = fs->st;
    const char *t = d->text;
    size_t n = d->text_len;
    int full = c->annotate;
    filter_signals g;
    memset(&g, 0, sizeof g);
    filter_fail fails[R_N];
    memset(fails, 0, sizeof fails);
    unsigned dropmask = 0;
    const char *edited = t;
    size_t edited_len = n;
    int changed = 0, r;
    filter_begin(st);

    if (fs->mask & (1u << R_SCRIPT)) {
        g.script_fraction = text_script_fraction(t, n, c->script);
        if (c->min_script_fraction && g.script_fraction < c->min_script_fraction) {
            fails[R_SCRIPT] = (filter_fail){ "script_fraction", g.script_fraction, c->min_script_fraction, "<", 0 };
            dropmask |= 1u << R_SCRIPT;
        }
    }
    if ((fs->mask & (1u << R_GOPHER)) && (r = filter_gopher(st, c, t, n, full, &g, &fails[R_GOPHER], err))) {
        if (r < 0) return -1;
        dropmask |= 1u << R_GOPHER;
    }
    if ((fs->mask & (1u << R_REP)) && (r = filter_gopher_rep(st, c, t, n, full, &g, &fails[R_REP], err))) {
        if (r < 0) return -1;
        dropmask |= 1u << R_REP;
    }
    if (fs->mask & (1u << R_C4)) {
        /* with fineweb after it, c4 counts the words of its output from the input's */
        if ((fs->mask & (1u << R_FINEWEB)) && !c->c4_no_edit && filter_words(st, t, n, err)) return -1;
        r = filter_c4(st, c, t, n, full, &g, &fails[R_C4], &edited, &edited_len, &changed, err);
        if (r < 0) return -1;
        if (r) { dropmask |= 1u << R_C4; edited = t; edited_len = n; changed = 0; }
        else if (c->c4_no_edit) { edited = t; edited_len = n; changed = 0; }
    }
    if ((fs->mask & (1u << R_FINEWEB)) &&
        (r = filter_fineweb(st, c, edited, edited_len, full, &g, &fails[R_FINEWEB], err))) {
        if (r < 0) return -1;
        dropmask |= 1u << R_FINEWEB;
    }

    int firstk = -1;
    for (int k = 0; k < R_N; k++) {
        if (!(dropmask & (1u << k))) continue;
        if (firstk < 0) firstk = k;
        s->stats.counters[fs->c_drop[k]].n++;
        if (dropmask == (1u << k)) s->stats.counters[fs->c_alone[k]].n++;
        int ci = 0;
        while (ci < fs->nc_check[k] && fs->c_check[k][ci].check != fails[k].check) ci++;
        if (ci == fs->nc_check[k]) {
            char name[96];
            snprintf(name, sizeof name, "check %s: %s", rule_names[k], fails[k].check);
            size_t idx = stats_counter(&s->stats, name);
            if (ci < 32) { fs->c_check[k][ci].check = fails[k].check; fs->c_check[k][ci].idx = idx; fs->nc_check[k]++; }
            s->stats.counters[idx].n++;
        } else
            s->stats.counters[fs->c_check[k][ci].idx].n++;
    }
    if (c->annotate) {
        annotate(fs, &g, dropmask, fails, &fs->meta);
        doc_meta_set(d, "quality", fs->meta.p, fs->meta.len);
        return io->emit(io, d);
    }
    if (firstk >= 0) {
        buf_reset(&fs->detail);
        filter_fail_format(&fails[firstk], &fs->detail);
        return io->reject(io, d, rule_names[firstk], fs->detail.p);
    }
    if (changed) doc_set_text(d, edited, edited_len);
    return io->emit(io, d);
}

static void filter_free(stage *s) {
    filter_stage_state *fs = s->state;
    if (!fs) return;
    filter_state_free(fs->st);
    buf_free(&fs->meta);
    buf_free(&fs->detail);
    free(fs);
    s->state = NULL;
}

const stage_class filter_stage = {
    .name = "filter",
    .summary = "quality rules: Gopher, Gopher repetition, C4, FineWeb (datatrove's definitions)",
    .opts = filter_opts, .cfg_size = sizeof(filter_cfg),
    .init = filter_init, .process = filter_process, .free = filter_free,
};
