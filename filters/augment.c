/*
 * augment — the stage (see augment.h): option table, the per-variant method chain, variant
 * de-duplication and, when the chain contains `llm`, batching of documents so that requests
 * run concurrently while output keeps input order.
 *
 * Invariants:
 *  - Output order: for each input document in input order, the original (unless
 *    --no-original), then its variants k = 1..M in order. Variant ids are "<id>#aug<k>".
 *  - Variant k of a document depends only on (seed, id, k) and the document: never on other
 *    documents, order or batch boundaries.
 *  - A tag added by `winnow tag` (meta.tag, at the start or end of the text) stays in place:
 *    the methods (and the llm prompt) see only the text between.
 *  - A variant equal to the original or to an earlier variant is redrawn (up to 8 draws for
 *    chains with a random method), then skipped and counted ("variants skipped (duplicate)").
 * Costs: per variant, the cost of its methods; documents are held only while an llm batch
 *   (--batch) fills. No allocation per document once buffers have grown (llm batches aside).
 */
#include "augment.h"
#include "llm.h"
#include "wordnet.h"
#include "../pipeline/jsonl.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_PERMUTE, M_FULLNAME, M_TEMPLATE, M_SYNONYM, M_LLM, M_COUNT };
static const char *const method_names[M_COUNT] = { "permute", "fullname", "template", "synonym", "llm" };
enum { MAX_CHAIN = 16, MAX_DRAWS = 8 };

typedef struct augment_cfg {
    long long copies, seed, concurrency, retries, max_tokens, batch;
    int original, keep_first;
    char *method, *pronouns, *templates, *wordnet_dir, *endpoint, *model, *style, *prompts,
         *cache, *api_key_env, *llm_on_error;
    double rate, timeout, backoff, temperature;
} augment_cfg;

#define O(f) offsetof(augment_cfg, f)
static const opt_def augment_opts[] = {
    { "method", 'm', OPT_LIST, O(method), NULL, "methods applied in order to make each variant (required)", 0, 0, "permute|fullname|template|synonym|llm", "LIST" },
    { "copies", 'n', OPT_INT, O(copies), "1", "variants per document", 0, 1000, NULL, "M" },
    { "original", 0, OPT_BOOL, O(original), "true", "emit the original too (--no-original: variants only)", 0, 0, NULL, NULL },
    { "seed", 0, OPT_INT, O(seed), "0", "seed of every random choice (with id and k)", 0, 0, NULL, "N" },
    { "keep-first", 0, OPT_BOOL, O(keep_first), "false", "permute: keep the first sentence in place", 0, 0, NULL, NULL },
    { "pronouns", 0, OPT_STRING, O(pronouns), "he,she,they", "fullname: subject pronouns to replace (capitalised forms too)", 0, 0, NULL, "LIST" },
    { "templates", 0, OPT_STRING, O(templates), NULL, "template: YAML attribute -> sentence templates", 0, 0, NULL, "FILE" },
    { "rate", 0, OPT_DOUBLE, O(rate), "0.15", "synonym: fraction of content words replaced", 0, 1, NULL, "R" },
    { "wordnet-dir", 0, OPT_STRING, O(wordnet_dir), "/usr/share/wordnet", "synonym: WordNet dict directory (Debian wordnet-base)", 0, 0, NULL, "DIR" },
    { "endpoint", 0, OPT_STRING, O(endpoint), "http://127.0.0.1:8080/v1/chat/completions", "llm: OpenAI-compatible chat-completions URL", 0, 0, NULL, "URL" },
    { "model", 0, OPT_STRING, O(model), "default", "llm: model name sent to the endpoint", 0, 0, NULL, "NAME" },
    { "style", 0, OPT_STRING, O(style), "wiki", "llm: prompt style (wiki, qa, simple, hard, or one of --prompts)", 0, 0, NULL, "NAME" },
    { "prompts", 0, OPT_STRING, O(prompts), NULL, "llm: YAML prompt styles (default: built-in, as examples/prompts/llm.yaml)", 0, 0, NULL, "FILE" },
    { "concurrency", 0, OPT_INT, O(concurrency), "8", "llm: requests in flight", 1, 1024, NULL, "N" },
    { "batch", 0, OPT_INT, O(batch), "64", "llm: documents buffered per batch of requests", 1, 100000, NULL, "N" },
    { "timeout", 0, OPT_DOUBLE, O(timeout), "120", "llm: seconds per request", 0.001, 86400, NULL, "S" },
    { "retries", 0, OPT_INT, O(retries), "4", "llm: retries on 429, 5xx, timeouts and connection errors", 0, 100, NULL, "N" },
    { "backoff", 0, OPT_DOUBLE, O(backoff), "1", "llm: first retry delay in seconds (doubles each retry)", 0, 3600, NULL, "S" },
    { "temperature", 0, OPT_DOUBLE, O(temperature), "0.7", "llm: sampling temperature", 0, 10, NULL, "T" },
    { "max-tokens", 0, OPT_INT, O(max_tokens), "2048", "llm: max_tokens of each reply (0: server default)", 0, 0, NULL, "N" },
    { "cache", 0, OPT_STRING, O(cache), NULL, "llm: directory caching replies by request hash", 0, 0, NULL, "DIR" },
    { "api-key-env", 0, OPT_STRING, O(api_key_env), NULL, "llm: environment variable holding a bearer token", 0, 0, NULL, "NAME" },
    { "llm-on-error", 0, OPT_ENUM, O(llm_on_error), "fail", "llm: a failed request stops the run, rejects the document, or skips the variant", 0, 0, "fail|reject|skip", NULL },
    OPT_DEF_END
};
#undef O

typedef struct augment_state {
    int chain[MAX_CHAIN]; size_t nchain;
    int llm_at, random, fullname;
    char **pronouns;
    augment_templates *tmpl;
    wordnet *wn;
    llm_client *llm;
    llm_prompts *prompts;
    const char *sys, *user;
    text_ctx *tc;
    text_spans spans;
    buf a, b, meta, methods_json, sc[3], name, pronoun, fstore, seen, tag;
    size_t pre, suf;            /* bytes of a `winnow tag` prefix/suffix kept out of the methods */
    size_t *seen_off; size_t nseen, capseen;
    augment_fact *facts; size_t nfacts, capfacts;
    doc var;
    /* llm batching */
    doc *docs; size_t ndocs;
    buf *files;                 /* each held document's file name (d->file is not owned) */
    llm_job *jobs;
    llm_stats reported;
    size_t c_variants, c_dups, c_dropped, c_noname, c_nofacts;
} augment_state;

/* Paths arrive resolved: the YAML loader resolves FILE/DIR options against the YAML's
 * directory (plan.c), and on the command line they are relative to the working directory. */
static char *resolve(const stage *s, const char *path) { return path ? xstrdup(path) : NULL; }

static int augment_init(stage *s, char *err) {
    augment_cfg *c = s->cfg;
    augment_state *st = xcalloc(1, sizeof *st);
    s->state = st;
    st->llm_at = -1;
    strlist ms = {0};
    strlist_split(&ms, c->method ? c->method : "");
    if (!ms.n) { strlist_free(&ms); return err_set(err, "--method LIST is required (permute, fullname, template, synonym, llm)"); }
    if (ms.n > MAX_CHAIN) { strlist_free(&ms); return err_set(err, "--method: at most %d methods", MAX_CHAIN); }
    buf_addc(&st->methods_json, '[');
    for (size_t i = 0; i < ms.n; i++) {
        int m = 0;
        while (m < M_COUNT && strcmp(ms.v[i], method_names[m])) m++;
        if (m == M_COUNT) { err_set(err, "--method: '%s' is not one of permute|fullname|template|synonym|llm", ms.v[i]); strlist_free(&ms); return -1; }
        if (m == M_LLM) {
            if (st->llm_at >= 0) { strlist_free(&ms); return err_set(err, "--method: llm may appear once"); }
            st->llm_at = (int)i;
        }
        if (m == M_PERMUTE || m == M_TEMPLATE || m == M_SYNONYM) st->random = 1;
        if (m == M_FULLNAME) st->fullname = 1;
        st->chain[st->nchain++] = m;
        if (i) buf_addc(&st->methods_json, ',');
        json_write_string(&st->methods_json, method_names[m], strlen(method_names[m]));
    }
    buf_addc(&st->methods_json, ']');
    strlist_free(&ms);
    /* pronouns: NULL-terminated array */
    strlist pl = {0};
    strlist_split(&pl, c->pronouns ? c->pronouns : "");
    st->pronouns = xcalloc(pl.n + 1, sizeof *st->pronouns);
    for (size_t i = 0; i < pl.n; i++) st->pronouns[i] = xstrdup(pl.v[i]);
    strlist_free(&pl);
    st->tc = text_ctx_new();
    for (size_t i = 0; i < st->nchain; i++) {
        int m = st->chain[i];
        if (m == M_TEMPLATE && !st->tmpl) {
            if (!c->templates || !*c->templates) return err_set(err, "--method template needs --templates FILE.yaml");
            char *p = resolve(s, c->templates);
            int rc = augment_templates_load(&st->tmpl, p, err);
            free(p);
            if (rc) return -1;
        }
        if (m == M_SYNONYM && !st->wn) {
            char *p = resolve(s, c->wordnet_dir);
            int rc = wordnet_open(&st->wn, p, err);
            free(p);
            if (rc) return -1;
        }
        if (m == M_LLM) {
            char *pp = resolve(s, c->prompts), *cache = resolve(s, c->cache);
            int rc = llm_prompts_load(&st->prompts, pp, err);
            free(pp);
            if (!rc) rc = llm_prompts_get(st->prompts, c->style ? c->style : "wiki", &st->sys, &st->user, err);
            if (!rc) {
                llm_opts o = {
                    .endpoint = c->endpoint, .model = c->model, .cache_dir = cache,
                    .api_key = c->api_key_env && *c->api_key_env ? getenv(c->api_key_env) : NULL,
                    .concurrency = (long)c->concurrency, .retries = (long)c->retries,
                    .max_tokens = (long)c->max_tokens, .timeout_s = c->timeout,
                    .backoff_s = c->backoff, .temperature = c->temperature,
                };
                rc = llm_client_new(&st->llm, &o, err);
            }
            free(cache);
            if (rc) return -1;
            st->docs = xcalloc((size_t)c->batch, sizeof *st->docs);
            st->files = xcalloc((size_t)c->batch, sizeof *st->files);
            for (long long k = 0; k < c->batch; k++) doc_init(&st->docs[k]);
            st->jobs = xcalloc((size_t)(c->batch * (c->copies ? c->copies : 1)), sizeof *st->jobs);
        }
    }
    doc_init(&st->var);
    st->c_variants = stats_counter(&s->stats, "variants");
    st->c_dups = stats_counter(&s->stats, "variants skipped (duplicate)");
    if (!c->original) st->c_dropped = stats_counter(&s->stats, "originals not emitted (--no-original)");
    if (st->fullname || st->tmpl) st->c_noname = stats_counter(&s->stats, "no meta.name");
    if (st->tmpl) st->c_nofacts = stats_counter(&s->stats, "no meta.facts");
    if (st->llm) {
        stats_counter(&s->stats, "llm requests");
        stats_counter(&s->stats, "llm cache hits");
        stats_counter(&s->stats, "llm retries");
        stats_counter(&s->stats, "llm failures");
    }
    return 0;
}

/* ---------- per-document inputs: meta.name, meta.pronoun, meta.facts ---------- */

static int meta_string(const doc *d, const char *key, buf *out) {
    const char *v; size_t n;
    buf_reset(out);
    if (!doc_meta_get(d, key, &v, &n) || !n || v[0] != '"') return 0;
    return json_string_decode(v, n, out) == 0 && out->len > 0;
}

/* Facts as attr/value pairs; strings in fstore (offsets fixed up after it stops growing). */
static size_t load_facts(augment_state *st, const doc *d) {
    const char *v, *val; size_t n, vn;
    st->nfacts = 0;
    buf_reset(&st->fstore);
    if (!doc_meta_get(d, "facts", &v, &n)) return 0;
    json_obj_iter it;
    if (json_obj_iter_init(&it, v, n)) return 0;
    size_t offs[2 * 256], nf = 0;
    buf *key = &st->sc[0], *dec = &st->sc[1];
    while (nf < 256 && json_obj_iter_next(&it, key, &val, &vn) == 1) {
        offs[2 * nf] = st->fstore.len;
        buf_add(&st->fstore, key->p ? key->p : "", key->len);
        buf_addc(&st->fstore, 0);
        offs[2 * nf + 1] = st->fstore.len;
        if (vn && val[0] == '"' && !json_string_decode(val, vn, dec)) buf_add(&st->fstore, dec->p ? dec->p : "", dec->len);
        else buf_add(&st->fstore, val, vn);
        buf_addc(&st->fstore, 0);
        nf++;
    }
    if (st->capfacts < nf) { st->capfacts = nf; st->facts = xrealloc(st->facts, nf * sizeof *st->facts); }
    for (size_t i = 0; i < nf; i++) {
        st->facts[i].attr = st->fstore.p + offs[2 * i];
        st->facts[i].value = st->fstore.p + offs[2 * i + 1];
    }
    st->nfacts = nf;
    return nf;
}

static void find_tag(augment_state *st, const doc *d);

/* Read d's tag, name, pronoun and facts into st; count what is missing when `count`. */
static void prepare_doc(stage *s, const doc *d, int count) {
    augment_state *st = s->state;
    find_tag(st, d);
    if (st->fullname || st->tmpl) {
        if (!meta_string(d, "name", &st->name) && count) s->stats.counters[st->c_noname].n++;
        meta_string(d, "pronoun", &st->pronoun);
    }
    if (st->tmpl && !load_facts(st, d) && count) s->stats.counters[st->c_nofacts].n++;
}

/* A document tagged by `winnow tag` (meta.tag present and the text starting or ending with
 * it) keeps its tag where it is: the methods see the text between, and the tag with the
 * whitespace next to it is put back around every variant. */
static void find_tag(augment_state *st, const doc *d) {
    st->pre = st->suf = 0;
    if (!meta_string(d, "tag", &st->tag)) return;
    const char *t = d->text; size_t n = d->text_len, tl = st->tag.len;
    if (n >= tl && !memcmp(t, st->tag.p, tl)) {
        size_t k = tl;
        while (k < n && (t[k] == '\n' || t[k] == ' ' || t[k] == '\t' || t[k] == '\r')) k++;
        st->pre = k;
    }
    if (n - st->pre >= tl && !memcmp(t + n - tl, st->tag.p, tl)) {
        size_t k = n - tl;
        while (k > st->pre && (t[k - 1] == '\n' || t[k - 1] == ' ' || t[k - 1] == '\t' || t[k - 1] == '\r')) k--;
        st->suf = n - k;
    }
}

/* st->a = the part of d's text the methods work on */
static void load_body(augment_state *st, const doc *d) {
    buf_reset(&st->a);
    buf_add(&st->a, d->text + st->pre, d->text_len - st->pre - st->suf);
}

/* put d's tag prefix/suffix back around st->a */
static void wrap_body(augment_state *st, const doc *d) {
    if (!st->pre && !st->suf) return;
    buf_reset(&st->b);
    buf_add(&st->b, d->text, st->pre);
    buf_add(&st->b, st->a.p, st->a.len);
    buf_add(&st->b, d->text + d->text_len - st->suf, st->suf);
    buf t = st->a; st->a = st->b; st->b = t;
}

/* ---------- the chain ---------- */

static uint64_t mix(uint64_t h, uint64_t i) {
    augment_rng r = { h ^ (i * 0xD1B54A32D192ED03ULL) };
    return augment_rng_next(&r);
}

/* Apply chain[from, to) to text (in st->a), leaving the result in st->a. */
static int run_chain(stage *s, const doc *d, size_t from, size_t to, uint64_t h, char *err) {
    augment_cfg *c = s->cfg;
    augment_state *st = s->state;
    for (size_t i = from; i < to; i++) {
        uint64_t hm = mix(h, i + 1);
        buf_reset(&st->b);
        switch (st->chain[i]) {
        case M_PERMUTE:
            if (augment_permute(st->tc, st->a.p ? st->a.p : "", st->a.len, hm, c->keep_first, &st->spans, &st->b, err) < 0) return -1;
            break;
        case M_FULLNAME:
            if (!st->name.len) { buf_add(&st->b, st->a.p, st->a.len); break; }
            augment_fullname(st->a.p ? st->a.p : "", st->a.len, st->name.p, st->name.len, (const char *const *)st->pronouns, &st->b);
            break;
        case M_TEMPLATE:
            if (!st->name.len || !st->nfacts) { buf_add(&st->b, st->a.p, st->a.len); break; }
            augment_template_render(st->tmpl, st->name.p, st->pronoun.len ? st->pronoun.p : NULL,
                                    st->facts, st->nfacts, hm, st->fullname, &st->b);
            break;
        case M_SYNONYM:
            wordnet_replace(st->wn, st->a.p ? st->a.p : "", st->a.len, c->rate, hm, &st->b, st->sc);
            break;
        default:
            return err_set(err, "internal: llm inside run_chain");
        }
        buf t = st->a; st->a = st->b; st->b = t;
    }
    if (!st->a.p) buf_adds(&st->a, "");
    return 0;
}

static int seen_before(augment_state *st, const doc *d, const char *p, size_t n) {
    if (n == d->text_len && !memcmp(p, d->text, n)) return 1;
    for (size_t i = 0; i < st->nseen; i++) {
        size_t o = st->seen_off[i], e = i + 1 < st->nseen ? st->seen_off[i + 1] : st->seen.len;
        if (e - o == n && !memcmp(st->seen.p + o, p, n)) return 1;
    }
    return 0;
}

static void remember(augment_state *st, const char *p, size_t n) {
    if (st->nseen == st->capseen) {
        st->capseen = st->capseen ? 2 * st->capseen : 16;
        st->seen_off = xrealloc(st->seen_off, st->capseen * sizeof *st->seen_off);
    }
    st->seen_off[st->nseen++] = st->seen.len;
    buf_add(&st->seen, p, n);
}

static int emit_variant(stage *s, const doc *d, long long k, const char *text, size_t n, stage_io *io) {
    augment_state *st = s->state;
    doc_copy(&st->var, d);
    buf_reset(&st->meta);
    buf_add(&st->meta, d->id, d->id_len);
    buf_printf(&st->meta, "#aug%lld", k);
    doc_set_id(&st->var, st->meta.p, st->meta.len);
    doc_set_text(&st->var, text, n);
    buf_reset(&st->meta);
    buf_adds(&st->meta, "{\"of\":");
    json_write_string(&st->meta, d->id, d->id_len);
    buf_adds(&st->meta, ",\"methods\":");
    buf_add(&st->meta, st->methods_json.p, st->methods_json.len);
    buf_printf(&st->meta, ",\"k\":%lld}", k);
    doc_meta_set(&st->var, "augment", st->meta.p, st->meta.len);
    s->stats.counters[st->c_variants].n++;
    return io->emit(io, &st->var);
}

static int emit_original(stage *s, doc *d, stage_io *io) {
    augment_cfg *c = s->cfg;
    augment_state *st = s->state;
    if (c->original) return io->emit(io, d);
    s->stats.counters[st->c_dropped].n++;
    return 0;
}

/* A document whose chain has no llm: original, then every variant. */
static int augment_one(stage *s, doc *d, stage_io *io, char *err) {
    augment_cfg *c = s->cfg;
    augment_state *st = s->state;
    int rc = emit_original(s, d, io);
    if (rc) return rc;
    prepare_doc(s, d, 1);
    st->nseen = 0; buf_reset(&st->seen);
    int draws = st->random ? MAX_DRAWS : 1;
    for (long long k = 1; k <= c->copies; k++) {
        int ok = 0;
        for (int a = 0; a < draws && !ok; a++) {
            load_body(st, d);
            uint64_t h = stage_hash((uint64_t)c->seed, d->id, d->id_len, ((uint64_t)k << 8) | (uint64_t)a);
            if (run_chain(s, d, 0, st->nchain, h, err)) return -1;
            wrap_body(st, d);
            ok = !seen_before(st, d, st->a.p, st->a.len);
        }
        if (!ok) { s->stats.counters[st->c_dups].n++; continue; }
        remember(st, st->a.p, st->a.len);
        if ((rc = emit_variant(s, d, k, st->a.p, st->a.len, io))) return rc;
    }
    return 0;
}

/* ---------- llm batches ---------- */

static void report_llm(stage *s) {
    augment_state *st = s->state;
    const llm_stats *ls = llm_client_stats(st->llm);
    stats_add(&s->stats, "llm requests", ls->requests - st->reported.requests);
    stats_add(&s->stats, "llm cache hits", ls->cache_hits - st->reported.cache_hits);
    stats_add(&s->stats, "llm retries", ls->retries - st->reported.retries);
    stats_add(&s->stats, "llm failures", ls->failures - st->reported.failures);
    st->reported = *ls;
}

static int flush_batch(stage *s, stage_io *io, char *err) {
    augment_cfg *c = s->cfg;
    augment_state *st = s->state;
    size_t M = (size_t)c->copies, nj = st->ndocs * M;
    /* prompts: the chain before llm, with draw 0 (an llm reply is not redrawn) */
    for (size_t i = 0; i < st->ndocs; i++) {
        doc *d = &st->docs[i];
        prepare_doc(s, d, 1);
        for (size_t k = 1; k <= M; k++) {
            llm_job *j = &st->jobs[i * M + k - 1];
            uint64_t h = stage_hash((uint64_t)c->seed, d->id, d->id_len, (uint64_t)k << 8);
            load_body(st, d);
            if (run_chain(s, d, 0, (size_t)st->llm_at, h, err)) return -1;
            buf_reset(&j->resp);          /* the rendered prompt lives in resp until the run */
            llm_prompt_render(st->user, st->a.p, st->a.len, &j->resp);
            j->seed = h;
        }
    }
    /* move prompts into stable strings: resp is reused for replies */
    char **prompts = xcalloc(nj ? nj : 1, sizeof *prompts);
    for (size_t i = 0; i < nj; i++) {
        prompts[i] = st->jobs[i].resp.p ? xstrdup(st->jobs[i].resp.p) : xstrdup("");
        st->jobs[i].user = prompts[i];
        st->jobs[i].system = st->sys;
    }
    int rc = llm_run(st->llm, st->jobs, nj, err);
    for (size_t i = 0; i < nj; i++) { free(prompts[i]); st->jobs[i].user = NULL; }
    free(prompts);
    report_llm(s);
    if (rc) return -1;
    int fail = !strcmp(c->llm_on_error, "fail"), rej = !strcmp(c->llm_on_error, "reject");
    for (size_t i = 0; i < st->ndocs && !rc; i++) {
        doc *d = &st->docs[i];
        llm_job *js = &st->jobs[i * M];
        size_t bad = M;
        for (size_t k = 0; k < M; k++) if (!js[k].ok) { bad = k; break; }
        if (bad < M && fail) {
            if (st->files[i].len) err_set(err, "%s:%llu: document %s: llm: %s", st->files[i].p, (unsigned long long)d->line, d->id, js[bad].err);
            else err_set(err, "document %s: llm: %s", d->id, js[bad].err);
            return -1;
        }
        if (bad < M && rej) { rc = io->reject(io, d, "llm", js[bad].err); continue; }
        if ((rc = emit_original(s, d, io))) break;
        prepare_doc(s, d, 0);
        st->nseen = 0; buf_reset(&st->seen);
        for (size_t k = 1; k <= M && !rc; k++) {
            llm_job *j = &js[k - 1];
            if (!j->ok) { stats_add(&s->stats, "variants skipped (llm error)", 1); continue; }
            uint64_t h = stage_hash((uint64_t)c->seed, d->id, d->id_len, (uint64_t)k << 8);
            buf_reset(&st->a);
            buf_add(&st->a, j->out.p, j->out.len);
            if (run_chain(s, d, (size_t)st->llm_at + 1, st->nchain, h, err)) return -1;
            wrap_body(st, d);
            if (seen_before(st, d, st->a.p, st->a.len)) { s->stats.counters[st->c_dups].n++; continue; }
            remember(st, st->a.p, st->a.len);
            rc = emit_variant(s, d, (long long)k, st->a.p, st->a.len, io);
        }
    }
    st->ndocs = 0;
    return rc;
}

static int augment_process(stage *s, doc *d, stage_io *io, char *err) {
    augment_cfg *c = s->cfg;
    augment_state *st = s->state;
    if (st->llm_at < 0) return augment_one(s, d, io, err);
    buf_reset(&st->files[st->ndocs]);
    if (d->file) buf_adds(&st->files[st->ndocs], d->file);
    doc_copy(&st->docs[st->ndocs], d);
    st->docs[st->ndocs].file = st->files[st->ndocs].p;   /* owned here, valid while held */
    st->ndocs++;
    if (st->ndocs == (size_t)c->batch) return flush_batch(s, io, err);
    return 0;
}

static int augment_finish(stage *s, stage_io *io, char *err) {
    augment_state *st = s->state;
    if (st->llm_at >= 0 && st->ndocs) return flush_batch(s, io, err);
    return 0;
}

static void augment_free(stage *s) {
    augment_cfg *c = s->cfg;
    augment_state *st = s->state;
    if (!st) return;
    if (st->docs) { for (long long k = 0; k < c->batch; k++) { doc_free(&st->docs[k]); buf_free(&st->files[k]); } free(st->docs); free(st->files); }
    if (st->jobs) { for (long long k = 0; k < c->batch * (c->copies ? c->copies : 1); k++) llm_job_free(&st->jobs[k]); free(st->jobs); }
    llm_client_free(st->llm);
    llm_prompts_free(st->prompts);
    augment_templates_free(st->tmpl);
    wordnet_close(st->wn);
    if (st->tc) text_ctx_free(st->tc);
    text_spans_free(&st->spans);
    for (size_t i = 0; st->pronouns && st->pronouns[i]; i++) free(st->pronouns[i]);
    free(st->pronouns);
    buf *bs[] = { &st->a, &st->b, &st->meta, &st->methods_json, &st->sc[0], &st->sc[1], &st->sc[2],
                  &st->name, &st->pronoun, &st->fstore, &st->seen, &st->tag };
    for (size_t i = 0; i < sizeof bs / sizeof bs[0]; i++) buf_free(bs[i]);
    free(st->seen_off);
    free(st->facts);
    doc_free(&st->var);
    free(st);
    s->state = NULL;
}

const stage_class augment_stage = {
    .name = "augment",
    .summary = "paraphrase augmentation: permute, fullname, template, synonym, llm",
    .opts = augment_opts,
    .cfg_size = sizeof(augment_cfg),
    .init = augment_init,
    .process = augment_process,
    .finish = augment_finish,
    .free = augment_free,
};
