/*
 * wordnet — see wordnet.h. One open-addressing hash table maps every lemma and every
 * exception form to an entry holding, per part of speech, the first synset's offset, the
 * sense-tagged count, the base form of an irregular inflection and an "has irregular forms"
 * bit. Strings live in one arena; data files are mmap'd and parsed lazily per lookup.
 */
#include "wordnet.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

enum { NPOS = 4 };
static const char *const pos_name[NPOS] = { "noun", "verb", "adj", "adv" };

enum { INFL_NONE = 0, INFL_S, INFL_ED, INFL_ING, INFL_CMP, INFL_IRREG };

typedef struct wn_entry {
    uint32_t key;                /* arena offset of the lemma/form */
    uint32_t off[NPOS];          /* first synset offset, 0 if not a lemma of that pos */
    uint32_t tagcnt[NPOS];
    uint32_t exc[NPOS];          /* arena offset + 1 of the base form if irregular, else 0 */
    uint8_t irregular;           /* bit per pos: this lemma has irregular inflections */
} wn_entry;

struct wordnet {
    buf arena;
    wn_entry *tab; size_t cap, n;
    const char *data[NPOS]; size_t data_len[NPOS];
};

static uint64_t hash_str(const char *s, size_t n) { return XXH3_64bits(s, n); }

static wn_entry *lookup(const wordnet *wn, const char *s, size_t n) {
    size_t i = hash_str(s, n) & (wn->cap - 1);
    for (;;) {
        wn_entry *e = &wn->tab[i];
        if (!e->key) return NULL;
        const char *k = wn->arena.p + e->key;
        if (!strncmp(k, s, n) && !k[n]) return e;
        i = (i + 1) & (wn->cap - 1);
    }
}

static void grow(wordnet *wn) {
    size_t nc = wn->cap ? wn->cap * 2 : 1 << 18;
    wn_entry *nt = xcalloc(nc, sizeof *nt);
    for (size_t i = 0; i < wn->cap; i++) {
        wn_entry *e = &wn->tab[i];
        if (!e->key) continue;
        const char *k = wn->arena.p + e->key;
        size_t j = hash_str(k, strlen(k)) & (nc - 1);
        while (nt[j].key) j = (j + 1) & (nc - 1);
        nt[j] = *e;
    }
    free(wn->tab);
    wn->tab = nt; wn->cap = nc;
}

static wn_entry *intern(wordnet *wn, const char *s, size_t n) {
    wn_entry *e = wn->cap ? lookup(wn, s, n) : NULL;
    if (e) return e;
    if (2 * (wn->n + 1) > wn->cap) grow(wn);
    size_t i = hash_str(s, n) & (wn->cap - 1);
    while (wn->tab[i].key) i = (i + 1) & (wn->cap - 1);
    e = &wn->tab[i];
    memset(e, 0, sizeof *e);
    e->key = (uint32_t)wn->arena.len;
    buf_add(&wn->arena, s, n);
    buf_addc(&wn->arena, 0);
    wn->n++;
    return e;
}

static int read_file(const char *path, buf *out, char *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, "%s: cannot open (WordNet data: install wordnet-base or give --wordnet-dir): %s", path, strerror(errno));
    char tmp[65536]; size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0) buf_add(out, tmp, r);
    fclose(f);
    return 0;
}

static int load_index(wordnet *wn, const char *dir, int pos, char *err) {
    buf path = {0}, b = {0};
    buf_printf(&path, "%s/index.%s", dir, pos_name[pos]);
    if (read_file(path.p, &b, err)) { buf_free(&path); return -1; }
    size_t lines = 0;
    for (char *p = b.p, *end = b.p + b.len; p && p < end; ) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        *nl = 0;
        if (*p != ' ' && *p) {
            /* lemma pos synset_cnt p_cnt [ptr...] sense_cnt tagsense_cnt offset... */
            char *f[8]; int nf = 0;
            char *save = NULL, *tok = strtok_r(p, " ", &save);
            char *lemma = tok;
            char *toks[512]; int nt = 0;
            while (tok && nt < 512) { toks[nt++] = tok; tok = strtok_r(NULL, " ", &save); }
            (void)f; (void)nf;
            if (nt >= 6) {
                int pcnt = atoi(toks[3]);
                int at = 4 + pcnt;                     /* sense_cnt */
                if (at + 2 < nt) {
                    wn_entry *e = intern(wn, lemma, strlen(lemma));
                    e->tagcnt[pos] = (uint32_t)atoi(toks[at + 1]);
                    e->off[pos] = (uint32_t)strtoul(toks[at + 2], NULL, 10);
                    lines++;
                }
            }
        }
        p = nl + 1;
    }
    buf_free(&b);
    if (!lines) { err_set(err, "%s: no WordNet index entries", path.p); buf_free(&path); return -1; }
    buf_free(&path);
    return 0;
}

static int load_exc(wordnet *wn, const char *dir, int pos, char *err) {
    buf path = {0}, b = {0};
    buf_printf(&path, "%s/%s.exc", dir, pos_name[pos]);
    FILE *f = fopen(path.p, "rb");
    if (!f) { buf_free(&path); return 0; }           /* optional */
    fclose(f);
    if (read_file(path.p, &b, err)) { buf_free(&path); return -1; }
    for (char *p = b.p, *end = b.p + b.len; p && p < end; ) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        *nl = 0;
        char *sp = strchr(p, ' ');
        if (sp) {
            *sp = 0;
            char *base = sp + 1, *e2 = strchr(base, ' ');
            if (e2) *e2 = 0;
            if (*base && strcmp(p, base)) {
                wn_entry *be = intern(wn, base, strlen(base));
                be->irregular |= (uint8_t)(1u << pos);
                uint32_t boff = be->key;
                wn_entry *fe = intern(wn, p, strlen(p));
                if (!fe->exc[pos]) fe->exc[pos] = boff + 1;
            }
        }
        p = nl + 1;
    }
    buf_free(&b);
    buf_free(&path);
    return 0;
}

void wordnet_close(wordnet *wn) {
    if (!wn) return;
    for (int i = 0; i < NPOS; i++) if (wn->data[i]) munmap((void *)wn->data[i], wn->data_len[i]);
    free(wn->tab);
    buf_free(&wn->arena);
    free(wn);
}

int wordnet_open(wordnet **out, const char *dir, char *err) {
    *out = NULL;
    if (!dir || !*dir) dir = "/usr/share/wordnet";
    wordnet *wn = xcalloc(1, sizeof *wn);
    buf_addc(&wn->arena, 0);                  /* offset 0 means "empty slot" */
    for (int pos = 0; pos < NPOS; pos++) {
        if (load_index(wn, dir, pos, err) || load_exc(wn, dir, pos, err)) { wordnet_close(wn); return -1; }
        buf path = {0};
        buf_printf(&path, "%s/data.%s", dir, pos_name[pos]);
        int fd = open(path.p, O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) || st.st_size == 0) {
            err_set(err, "%s: cannot open (WordNet data: install wordnet-base or give --wordnet-dir): %s", path.p, strerror(errno));
            if (fd >= 0) close(fd);
            buf_free(&path); wordnet_close(wn); return -1;
        }
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        close(fd);
        if (m == MAP_FAILED) { err_set(err, "%s: mmap: %s", path.p, strerror(errno)); buf_free(&path); wordnet_close(wn); return -1; }
        wn->data[pos] = m; wn->data_len[pos] = (size_t)st.st_size;
        buf_free(&path);
    }
    *out = wn;
    return 0;
}

/* ---------- morphology ---------- */

typedef struct rule { const char *suf, *rep; int infl; } rule;
static const rule noun_rules[] = { {"ses","s",INFL_S}, {"xes","x",INFL_S}, {"zes","z",INFL_S}, {"ches","ch",INFL_S},
    {"shes","sh",INFL_S}, {"men","man",INFL_S}, {"ies","y",INFL_S}, {"s","",INFL_S}, {0,0,0} };
static const rule verb_rules[] = { {"ies","y",INFL_S}, {"es","e",INFL_S}, {"es","",INFL_S}, {"s","",INFL_S},
    {"ed","e",INFL_ED}, {"ed","",INFL_ED}, {"ing","e",INFL_ING}, {"ing","",INFL_ING}, {0,0,0} };
static const rule adj_rules[] = { {"er","",INFL_CMP}, {"est","",INFL_CMP}, {"er","e",INFL_CMP}, {"est","e",INFL_CMP}, {0,0,0} };
static const rule *const pos_rules[NPOS] = { noun_rules, verb_rules, adj_rules, NULL };

typedef struct lemma { int pos, infl; const wn_entry *e; } lemma;

enum { M_NOUN = 1, M_VERB = 2, M_ADJ = 4, M_ADV = 8, M_ALL = 15 };

/* The best (pos, lemma, inflection) of a lowercase word among the parts of speech in mask;
 * 0 if WordNet does not know it. */
static int morphy(const wordnet *wn, const char *w, size_t n, int mask, lemma *best) {
    char tmp[64];
    int found = 0;
    if (n + 4 >= sizeof tmp) return 0;
    const wn_entry *self = lookup(wn, w, n);
    for (int pos = 0; pos < NPOS; pos++) {
        if (!(mask & (1 << pos))) continue;
        lemma c = { pos, INFL_NONE, NULL };
        if (self && self->exc[pos]) {
            c.e = lookup(wn, wn->arena.p + self->exc[pos] - 1, strlen(wn->arena.p + self->exc[pos] - 1));
            c.infl = INFL_IRREG;
            if (c.e && !c.e->off[pos]) c.e = NULL;
        }
        if (!c.e && self && self->off[pos]) { c.e = self; c.infl = INFL_NONE; }
        /* a detached base with more tagged uses beats the word itself ("years" -> "year") */
        for (const rule *r = pos_rules[pos]; c.infl != INFL_IRREG && r && r->suf; r++) {
            size_t sl = strlen(r->suf), rl = strlen(r->rep);
            if (n <= sl + 1 || memcmp(w + n - sl, r->suf, sl)) continue;
            memcpy(tmp, w, n - sl);
            memcpy(tmp + n - sl, r->rep, rl);
            const wn_entry *e = lookup(wn, tmp, n - sl + rl);
            if (e && e->off[pos] && (!c.e || e->tagcnt[pos] > c.e->tagcnt[pos])) { c.e = e; c.infl = r->infl; break; }
        }
        if (!c.e) continue;
        if (!found || c.e->tagcnt[pos] > best->e->tagcnt[best->pos]) { *best = c; found = 1; }
    }
    return found;
}

static int is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }
static int ends_cvc(const char *w, size_t n) {
    if (n < 3) return 0;
    char a = w[n - 3], b = w[n - 2], c = w[n - 1];
    return !is_vowel(a) && is_vowel(b) && !is_vowel(c) && c != 'w' && c != 'x' && c != 'y';
}

/* Inflect a lemma (underscores for spaces) like the original; 0 if unsure. */
static int inflect(const wordnet *wn, const char *s, int pos, int infl, buf *out) {
    size_t n = strlen(s);
    if (infl == INFL_NONE) {
        for (size_t i = 0; i < n; i++) buf_addc(out, s[i] == '_' ? ' ' : s[i]);
        return 1;
    }
    if (infl == INFL_IRREG || infl == INFL_CMP) return 0;
    /* the head: first word of a verb phrase, last word of a noun compound */
    size_t hs = 0, he = n;
    if (pos == 1) { const char *u = strchr(s, '_'); if (u) he = (size_t)(u - s); }
    else { const char *u = strrchr(s, '_'); if (u) hs = (size_t)(u - s) + 1; }
    const char *h = s + hs; size_t hn = he - hs;
    const wn_entry *e = lookup(wn, h, hn);
    if ((e && (e->irregular & (1u << pos))) || hn < 2) return 0;
    char wbuf[160];
    if (hn + 8 > sizeof wbuf) return 0;
    buf w = { wbuf, 0, sizeof wbuf };                 /* fixed buffer: never grows past cap */
    memcpy(wbuf, h, hn); w.len = hn; wbuf[hn] = 0;
    int ok = 1;
    char last = h[hn - 1], prev = h[hn - 2];
    if (infl == INFL_S) {
        if (pos == 0 && hn >= 3 && !memcmp(h + hn - 3, "man", 3)) { w.len -= 2; w.p[w.len] = 0; buf_adds(&w, "en"); }
        else if (last == 's' || last == 'x' || last == 'z' || (last == 'h' && (prev == 'c' || prev == 's'))) buf_adds(&w, "es");
        else if (last == 'y' && !is_vowel(prev)) { w.p[--w.len] = 0; buf_adds(&w, "ies"); }
        else buf_addc(&w, 's');
    } else if (infl == INFL_ED) {
        if (last == 'e') buf_addc(&w, 'd');
        else if (last == 'y' && !is_vowel(prev)) { w.p[--w.len] = 0; buf_adds(&w, "ied"); }
        else if (ends_cvc(h, hn)) ok = 0;
        else buf_adds(&w, "ed");
    } else if (infl == INFL_ING) {
        if (hn >= 2 && prev == 'i' && last == 'e') { w.len -= 2; w.p[w.len] = 0; buf_adds(&w, "ying"); }
        else if (last == 'e' && prev != 'e' && prev != 'y' && prev != 'o') { w.p[--w.len] = 0; buf_adds(&w, "ing"); }
        else if (ends_cvc(h, hn)) ok = 0;
        else buf_adds(&w, "ing");
    }
    if (ok) {
        for (size_t i = 0; i < hs; i++) buf_addc(out, s[i] == '_' ? ' ' : s[i]);
        buf_add(out, w.p, w.len);
        for (size_t i = he; i < n; i++) buf_addc(out, s[i] == '_' ? ' ' : s[i]);
    }
    return ok;
}

/* Lemmas of the synset at offset in pos's data file, NUL-separated into out; count. */
static size_t synset_words(const wordnet *wn, int pos, uint32_t off, buf *out) {
    buf_reset(out);
    if (off >= wn->data_len[pos]) return 0;
    const char *p = wn->data[pos] + off, *end = wn->data[pos] + wn->data_len[pos];
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) nl = end;
    /* offset lex_filenum ss_type w_cnt(hex) word lex_id ... */
    char line[4096];
    size_t ln = (size_t)(nl - p) < sizeof line - 1 ? (size_t)(nl - p) : sizeof line - 1;
    memcpy(line, p, ln); line[ln] = 0;
    char *save = NULL;
    char *t0 = strtok_r(line, " ", &save);
    if (!t0 || strtoul(t0, NULL, 10) != off) return 0;
    strtok_r(NULL, " ", &save); strtok_r(NULL, " ", &save);
    char *wc = strtok_r(NULL, " ", &save);
    if (!wc) return 0;
    size_t cnt = strtoul(wc, NULL, 16), got = 0;
    for (size_t i = 0; i < cnt; i++) {
        char *w = strtok_r(NULL, " ", &save);
        if (!w || !strtok_r(NULL, " ", &save)) break;
        char *paren = strchr(w, '(');               /* adjective markers: big(a) */
        if (paren) *paren = 0;
        buf_adds(out, w);
        buf_addc(out, 0);
        got++;
    }
    return got;
}

static int usable(const char *s, const char *base) {
    if (!strcasecmp(s, base)) return 0;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || *c == '_' || *c == '-')) return 0;   /* no names, digits */
    return 1;
}

/* Candidates for a lowercase word into out, NUL-separated, already inflected; count. */
static size_t candidates(const wordnet *wn, const char *w, size_t n, int mask, buf *out, buf *tmp) {
    lemma L = { 0, 0, NULL };
    buf_reset(out);
    if (!morphy(wn, w, n, mask, &L) || L.infl == INFL_IRREG || L.infl == INFL_CMP) return 0;
    size_t cnt = synset_words(wn, L.pos, L.e->off[L.pos], tmp), got = 0;
    const char *base = wn->arena.p + L.e->key;
    for (const char *s = tmp->p; cnt--; s += strlen(s) + 1) {
        if (!usable(s, base)) continue;
        size_t at = out->len;
        if (inflect(wn, s, L.pos, L.infl, out)) { buf_addc(out, 0); got++; }
        else { out->len = at; if (out->p) out->p[at] = 0; }
    }
    return got;
}

size_t wordnet_synonyms(const wordnet *wn, const char *word, size_t n, buf *out) {
    buf lw = {0}, c = {0}, tmp = {0};
    for (size_t i = 0; i < n; i++) buf_addc(&lw, (word[i] >= 'A' && word[i] <= 'Z') ? word[i] + 32 : word[i]);
    size_t k = candidates(wn, lw.p ? lw.p : "", lw.len, M_ALL, &c, &tmp);
    buf_reset(out);
    const char *s = c.p;
    for (size_t i = 0; i < k; i++, s += strlen(s) + 1) { buf_adds(out, s); buf_addc(out, '\n'); }
    buf_free(&lw); buf_free(&c); buf_free(&tmp);
    return k;
}

static const char *const stopwords[] = {
    "about","above","after","again","against","all","also","and","any","are","because","been","before",
    "being","below","between","both","but","can","could","did","does","doing","down","during","each",
    "few","for","from","further","had","has","have","having","her","here","hers","herself","him",
    "himself","his","how","into","its","itself","just","more","most","much","must","not","now","off",
    "once","only","other","our","ours","out","over","own","same","shall","she","should","some","such",
    "than","that","the","their","theirs","them","then","there","these","they","this","those","through",
    "too","under","until","very","was","were","what","when","where","which","while","who","whom",
    "why","will","with","would","you","your","yours","yet","one","two","three","may","might","get",
    "got","let","like","well","even","still","upon","per","via","also","ever","never","always",
    NULL };

static int is_stop(const char *w, size_t n) {
    for (const char *const *s = stopwords; *s; s++) if (strlen(*s) == n && !memcmp(*s, w, n)) return 1;
    return 0;
}

static int alpha(unsigned char c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }

static int sentence_start(const char *p, size_t i) {
    while (i > 0 && (p[i - 1] == ' ' || p[i - 1] == '\t' || p[i - 1] == '"' || p[i - 1] == '(' || p[i - 1] == '\'')) i--;
    if (i == 0) return 1;
    char c = p[i - 1];
    return c == '.' || c == '!' || c == '?' || c == '\n' || c == ':';
}

static const char *const determiners[] = { "a", "an", "the", "this", "that", "these", "those", "his", "her",
    "its", "their", "my", "our", "your", "some", "any", "every", "each", "no", "many", "several", NULL };
static const char *const auxiliaries[] = { "do", "does", "did", "will", "would", "can", "could", "shall",
    "should", "may", "might", "must", NULL };

static int in_list(const char *const *l, const char *w, size_t n) {
    for (; *l; l++) if (strlen(*l) == n && !strncasecmp(*l, w, n)) return 1;
    return 0;
}

/* The word just before p[i] / just after p[e], across spaces only (not punctuation). */
static size_t word_before(const char *p, size_t i, const char **w) {
    size_t e = i;
    while (e > 0 && p[e - 1] == ' ') e--;
    if (e == i) return 0;
    size_t b = e;
    while (b > 0 && alpha((unsigned char)p[b - 1])) b--;
    *w = p + b;
    return e - b;
}
static size_t word_after(const char *p, size_t n, size_t e, const char **w) {
    size_t b = e;
    while (b < n && p[b] == ' ') b++;
    if (b == e) return 0;
    size_t k = b;
    while (k < n && alpha((unsigned char)p[k])) k++;
    *w = p + b;
    return k - b;
}

/* A rough part-of-speech restriction from the neighbours (there is no tagger): after a
 * determiner a noun or adjective; after an auxiliary a verb (or adverb); an adjective reading
 * is preferred before a noun ("a relative handful"). */
static int context_mask(const wordnet *wn, const char *p, size_t n, size_t i, size_t e, const char *lw) {
    const char *w; size_t wl;
    int mask = M_ALL;
    if ((wl = word_before(p, i, &w))) {
        if (in_list(determiners, w, wl)) mask = M_NOUN | M_ADJ;
        else if (in_list(auxiliaries, w, wl)) mask = M_VERB | M_ADV;
    }
    lemma L;
    if ((mask & M_ADJ) && morphy(wn, lw, e - i, M_ADJ, &L) && (wl = word_after(p, n, e, &w)) >= 3 && wl < 60) {
        char nx[64];
        for (size_t k = 0; k < wl; k++) nx[k] = (char)(w[k] | 32);
        if (!is_stop(nx, wl) && morphy(wn, nx, wl, M_NOUN, &L)) mask = M_ADJ;
    }
    return mask;
}

size_t wordnet_replace(const wordnet *wn, const char *p, size_t n, double rate, uint64_t h,
                       buf *out, buf scratch[3]) {
    size_t i = 0, copied = 0, replaced = 0, widx = 0;
    buf *cand = &scratch[0], *lwp = &scratch[1], *tmpp = &scratch[2];
#define lw (*lwp)
#define tmp (*tmpp)
    while (i < n) {
        unsigned char c = (unsigned char)p[i];
        if (!alpha(c)) { i++; continue; }
        size_t e = i;
        while (e < n && alpha((unsigned char)p[e])) e++;
        size_t wl = e - i;
        int boundary = (i == 0 || !(((unsigned char)p[i - 1] >= 0x80) || p[i - 1] == '\'' || p[i - 1] == '-' || (p[i - 1] >= '0' && p[i - 1] <= '9')))
                    && (e == n || !(((unsigned char)p[e] >= 0x80) || p[e] == '\'' || p[e] == '-' || (p[e] >= '0' && p[e] <= '9')));
        int upper = p[i] >= 'A' && p[i] <= 'Z', rest_lower = 1;
        for (size_t k = i + 1; k < e; k++) if (p[k] >= 'A' && p[k] <= 'Z') rest_lower = 0;
        if (boundary && wl >= 3 && wl < 40 && rest_lower && (!upper || sentence_start(p, i))) {
            buf_reset(&lw);
            for (size_t k = i; k < e; k++) buf_addc(&lw, (p[k] >= 'A' && p[k] <= 'Z') ? p[k] + 32 : p[k]);
            uint64_t z = h ^ (0x9E3779B97F4A7C15ULL * (++widx));
            z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ULL; z ^= z >> 29;
            double u = (double)(z >> 11) * (1.0 / 9007199254740992.0);
            if (u < rate && !is_stop(lw.p, wl)) {
                size_t k = candidates(wn, lw.p, wl, context_mask(wn, p, n, i, e, lw.p), cand, &tmp);
                if (k) {
                    size_t pick = (size_t)((z * 0x2545F4914F6CDD1DULL) >> 33) % k;
                    const char *s = cand->p;
                    while (pick--) s += strlen(s) + 1;
                    buf_add(out, p + copied, i - copied);
                    size_t at = out->len;
                    buf_adds(out, s);
                    if (upper && out->p[at] >= 'a' && out->p[at] <= 'z') out->p[at] -= 32;
                    copied = e;
                    replaced++;
                }
            }
        }
        i = e;
    }
    buf_add(out, p + copied, n - copied);
    return replaced;
#undef lw
#undef tmp
}
