/*
 * tag — see tag.h. Rules are parsed once into plain arrays; per document the stage walks
 * them in order (first match wins), renders the tag into a reused buffer and rewrites text.
 *
 * Invariants: a tagged document gets meta.tag = the tag text; an untagged one is emitted
 * unchanged (no meta.tag). Whether a document is tagged under --probability depends only on
 * (seed, id). Counters: "tag <T>" per static tag, "tag from-host", "untagged",
 * "untagged (probability)".
 * Costs: O(rules) per document; field matches decode one meta value into a scratch buffer.
 */
#include "tag.h"
#include "../pipeline/yaml_tree.h"
#include "../pipeline/jsonl.h"
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum { COND_SOURCE = 1, COND_HOST, COND_FIELD_EQ, COND_FIELD_GLOB };
enum { DEF_NONE = 0, DEF_TAG, DEF_HOST };

typedef struct tag_cond {
    int kind;
    char **vals; size_t nvals;
    char *path;                 /* for field conditions: "meta.x.y", "source", ... */
} tag_cond;

typedef struct tag_rule {
    tag_cond *conds; size_t nconds;
    char *tag;
} tag_rule;

struct tag_rules {
    tag_rule *v; size_t n;
    int def_kind;
    char *def_tag;
    char *tmpl;
};

/* ---------- hosts and templates ---------- */

int tag_url_host(const char *url, size_t n, const char **host, size_t *hlen) {
    const char *p = url, *end = url + n;
    const char *s = memmem(url, n, "://", 3);
    if (s) p = s + 3;
    else if (n >= 2 && url[0] == '/' && url[1] == '/') p = url + 2;
    const char *h = p;
    while (p < end && *p != '/' && *p != '?' && *p != '#') p++;
    const char *at = NULL;                         /* userinfo ends at the last '@' */
    for (const char *q = h; q < p; q++) if (*q == '@') at = q;
    if (at) h = at + 1;
    const char *e = h;
    if (e < p && *e == '[') {                      /* [IPv6] */
        const char *c = memchr(e, ']', (size_t)(p - e));
        if (!c) return 0;
        *host = e + 1; *hlen = (size_t)(c - e - 1);
        return *hlen > 0;
    }
    while (e < p && *e != ':') e++;
    while (e > h && e[-1] == '.') e--;
    *host = h; *hlen = (size_t)(e - h);
    return *hlen > 0;
}

int tag_host_matches(const char *host, size_t hn, const char *suffix) {
    while (*suffix == '.') suffix++;
    size_t sn = strlen(suffix);
    while (sn && suffix[sn - 1] == '.') sn--;
    while (hn && host[hn - 1] == '.') hn--;
    if (!sn || sn > hn) return 0;
    if (strncasecmp(host + hn - sn, suffix, sn)) return 0;
    return hn == sn || host[hn - sn - 1] == '.';
}

void tag_render(const char *tmpl, const char *domain, size_t dn, buf *out) {
    const char *p = tmpl, *q;
    while ((q = strstr(p, "{domain}"))) {
        buf_add(out, p, (size_t)(q - p));
        buf_add(out, domain, dn);
        p = q + 8;
    }
    buf_adds(out, p);
}

/* ---------- rules file ---------- */

static void cond_free(tag_cond *c) {
    for (size_t i = 0; i < c->nvals; i++) free(c->vals[i]);
    free(c->vals);
    free(c->path);
}

void tag_rules_free(tag_rules *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        for (size_t j = 0; j < r->v[i].nconds; j++) cond_free(&r->v[i].conds[j]);
        free(r->v[i].conds);
        free(r->v[i].tag);
    }
    free(r->v);
    free(r->def_tag);
    free(r->tmpl);
    free(r);
}

/* A scalar or a list of scalars into c->vals. */
static int cond_vals(const yaml_tree *t, int node, tag_cond *c, const char *what, char *err) {
    if (yaml_tree_kind(t, node) == YAML_TREE_SCALAR) {
        c->vals = xmalloc(sizeof *c->vals);
        c->vals[c->nvals++] = xstrdup(yaml_tree_scalar(t, node));
        return 0;
    }
    if (yaml_tree_kind(t, node) == YAML_TREE_SEQ && yaml_tree_len(t, node)) {
        size_t n = yaml_tree_len(t, node);
        c->vals = xcalloc(n, sizeof *c->vals);
        for (size_t i = 0; i < n; i++) {
            const char *s = yaml_tree_scalar(t, yaml_tree_item(t, node, i));
            if (!s) return err_set(err, "%s:%d: %s: expected a string", yaml_tree_name(t), yaml_tree_line(t, node), what);
            c->vals[c->nvals++] = xstrdup(s);
        }
        return 0;
    }
    return err_set(err, "%s:%d: %s: expected a string or a list of strings", yaml_tree_name(t),
                   yaml_tree_line(t, node), what);
}

static int parse_rule(const yaml_tree *t, int rn, tag_rules *r, char *err) {
    const char *name = yaml_tree_name(t);
    int line = yaml_tree_line(t, rn);
    if (yaml_tree_kind(t, rn) != YAML_TREE_MAP) return err_set(err, "%s:%d: a rule must be a mapping with match and tag", name, line);
    /* the match keys sit under match:, or (short form) beside tag: in the rule itself */
    int m = yaml_tree_get(t, rn, "match"), flat = !m;
    if (flat) m = rn;
    if (yaml_tree_kind(t, m) != YAML_TREE_MAP || !yaml_tree_len(t, m))
        return err_set(err, "%s:%d: rule needs match: {source|url_host|field: ...}", name, line);
    tag_rule *ru = &r->v[r->n++];
    size_t nk = yaml_tree_len(t, m);
    ru->conds = xcalloc(nk, sizeof *ru->conds);
    const char *single_host = NULL;
    for (size_t i = 0; i < nk; i++) {
        int kn, vn = yaml_tree_pair(t, m, i, &kn);
        const char *k = yaml_tree_scalar(t, kn);
        if (flat && k && (!strcmp(k, "tag") || !strcmp(k, "domain"))) continue;
        tag_cond *c = &ru->conds[ru->nconds++];
        if (!k) return err_set(err, "%s:%d: match keys must be strings", name, line);
        if (!strcmp(k, "source")) {
            c->kind = COND_SOURCE;
            if (cond_vals(t, vn, c, "source", err)) return -1;
        } else if (!strcmp(k, "url_host") || !strcmp(k, "host")) {
            c->kind = COND_HOST;
            if (cond_vals(t, vn, c, k, err)) return -1;
            if (c->nvals == 1) single_host = c->vals[0];
        } else if (!strcmp(k, "field")) {
            const char *path = yaml_tree_scalar(t, yaml_tree_get(t, vn, "path"));
            int eq = yaml_tree_get(t, vn, "equals"), gl = yaml_tree_get(t, vn, "glob");
            if (!path || (!eq == !gl))
                return err_set(err, "%s:%d: field needs {path: meta.x, equals: V} or {path: ..., glob: P}", name, line);
            c->kind = eq ? COND_FIELD_EQ : COND_FIELD_GLOB;
            c->path = xstrdup(path);
            if (cond_vals(t, eq ? eq : gl, c, eq ? "equals" : "glob", err)) return -1;
        } else {
            return err_set(err, "%s:%d: unknown match key '%s' (expected source, url_host or field)", name, line, k);
        }
    }
    if (!ru->nconds) return err_set(err, "%s:%d: rule needs match: {source|url_host|field: ...}", name, line);
    if (!flat)
        for (size_t i = 0; i < yaml_tree_len(t, rn); i++) {
            int kn; yaml_tree_pair(t, rn, i, &kn);
            const char *k = yaml_tree_scalar(t, kn);
            if (k && strcmp(k, "match") && strcmp(k, "tag") && strcmp(k, "domain"))
                return err_set(err, "%s:%d: unknown rule key '%s' (expected match, tag, domain)", name, yaml_tree_line(t, kn), k);
        }
    const char *tag = yaml_tree_scalar(t, yaml_tree_get(t, rn, "tag"));
    const char *dom = yaml_tree_scalar(t, yaml_tree_get(t, rn, "domain"));
    if (tag && dom) return err_set(err, "%s:%d: give tag or domain, not both", name, line);
    if (!tag && !dom) dom = nk == 1 ? single_host : NULL;
    if (tag) ru->tag = xstrdup(tag);
    else if (dom) {
        buf b = {0};
        tag_render(r->tmpl, dom, strlen(dom), &b);
        ru->tag = b.p ? b.p : xstrdup("");
    } else return err_set(err, "%s:%d: rule needs tag: \"<...>\" or domain: NAME", name, line);
    if (!*ru->tag) return err_set(err, "%s:%d: empty tag", name, line);
    return 0;
}

static int rules_from_tree(tag_rules **out, const yaml_tree *t, const char *tmpl, char *err) {
    tag_rules *r = xcalloc(1, sizeof *r);
    const char *name = yaml_tree_name(t);
    int root = yaml_tree_root(t);
    r->tmpl = xstrdup(tmpl && *tmpl ? tmpl : "<{domain}>");
    if (yaml_tree_kind(t, root) != YAML_TREE_MAP) {
        tag_rules_free(r);
        return err_set(err, "%s:1: expected a mapping with rules: and default:", name);
    }
    for (size_t i = 0; i < yaml_tree_len(t, root); i++) {
        int kn; yaml_tree_pair(t, root, i, &kn);
        const char *k = yaml_tree_scalar(t, kn);
        if (!k || (strcmp(k, "rules") && strcmp(k, "default"))) {
            tag_rules_free(r);
            return err_set(err, "%s:%d: unknown key '%s' (expected rules, default)", name, yaml_tree_line(t, kn), k ? k : "?");
        }
    }
    int rules = yaml_tree_get(t, root, "rules");
    if (rules && yaml_tree_kind(t, rules) != YAML_TREE_SEQ) {
        tag_rules_free(r);
        return err_set(err, "%s:%d: rules: expected a list", name, yaml_tree_line(t, rules));
    }
    size_t n = yaml_tree_len(t, rules);
    r->v = xcalloc(n ? n : 1, sizeof *r->v);
    for (size_t i = 0; i < n; i++)
        if (parse_rule(t, yaml_tree_item(t, rules, i), r, err)) { tag_rules_free(r); return -1; }
    int dn = yaml_tree_get(t, root, "default");
    const char *def = yaml_tree_scalar(t, dn);
    if (dn && !def) { tag_rules_free(r); return err_set(err, "%s:%d: default: expected none, from-host or a tag", name, yaml_tree_line(t, dn)); }
    if (!def || !strcmp(def, "none") || !*def) r->def_kind = DEF_NONE;
    else if (!strcmp(def, "from-host")) r->def_kind = DEF_HOST;
    else { r->def_kind = DEF_TAG; r->def_tag = xstrdup(def); }
    *out = r;
    return 0;
}

int tag_rules_parse(tag_rules **out, const char *yaml, size_t n, const char *name, const char *tmpl, char *err) {
    yaml_tree *t;
    *out = NULL;
    if (yaml_tree_load_string(&t, yaml, n, name, err)) return -1;
    int rc = rules_from_tree(out, t, tmpl, err);
    yaml_tree_free(t);
    return rc;
}

int tag_rules_load(tag_rules **out, const char *path, const char *tmpl, char *err) {
    yaml_tree *t;
    *out = NULL;
    if (yaml_tree_load_file(&t, path, err)) return -1;
    int rc = rules_from_tree(out, t, tmpl, err);
    yaml_tree_free(t);
    return rc;
}

/* ---------- matching ---------- */

/* Value of a field path as text: strings decoded into sc[0], other JSON raw. 0 if absent. */
static int field_value(const doc *d, const char *path, buf *sc, const char **v, size_t *vn) {
    const char *dot = strchr(path, '.');
    const char *raw = NULL; size_t rn = 0;
    if (!strncmp(path, "meta.", 5)) {
        const char *k = path + 5, *e = strchr(k, '.');
        buf_reset(&sc[1]);
        buf_add(&sc[1], k, e ? (size_t)(e - k) : strlen(k));
        if (!doc_meta_get(d, sc[1].p, &raw, &rn)) return 0;
        dot = e;
    } else if (!dot && !strcmp(path, "source")) { if (!d->has_source) return 0; *v = d->source; *vn = d->source_len; return 1; }
    else if (!dot && !strcmp(path, "url")) { if (!d->has_url) return 0; *v = d->url; *vn = d->url_len; return 1; }
    else if (!dot && !strcmp(path, "id")) { *v = d->id; *vn = d->id_len; return 1; }
    else {
        buf_reset(&sc[1]);
        buf_add(&sc[1], path, dot ? (size_t)(dot - path) : strlen(path));
        if (!doc_field_get(d, sc[1].p, &raw, &rn)) return 0;
    }
    while (dot) {                                  /* descend into nested objects */
        const char *k = dot + 1, *e = strchr(k, '.');
        size_t kl = e ? (size_t)(e - k) : strlen(k);
        json_obj_iter it;
        const char *val; size_t vl; int found = 0, r;
        if (json_obj_iter_init(&it, raw, rn)) return 0;
        while ((r = json_obj_iter_next(&it, &sc[1], &val, &vl)) == 1)
            if (sc[1].len == kl && !memcmp(sc[1].p, k, kl)) { raw = val; rn = vl; found = 1; break; }
        if (!found) return 0;
        dot = e;
    }
    if (rn && raw[0] == '"') {
        if (json_string_decode(raw, rn, &sc[0])) return 0;
        *v = sc[0].p ? sc[0].p : ""; *vn = sc[0].len;
    } else {
        buf_reset(&sc[0]);
        buf_add(&sc[0], raw, rn);
        *v = sc[0].p; *vn = sc[0].len;
    }
    return 1;
}

static int cond_matches(const tag_cond *c, const doc *d, buf *sc) {
    const char *v = NULL, *host; size_t vn = 0, hn;
    switch (c->kind) {
    case COND_SOURCE:
        if (!d->has_source) return 0;
        for (size_t i = 0; i < c->nvals; i++) if (!fnmatch(c->vals[i], d->source, 0)) return 1;
        return 0;
    case COND_HOST:
        if (!d->has_url || !tag_url_host(d->url, d->url_len, &host, &hn)) return 0;
        for (size_t i = 0; i < c->nvals; i++) if (tag_host_matches(host, hn, c->vals[i])) return 1;
        return 0;
    default:
        if (!field_value(d, c->path, sc, &v, &vn)) return 0;
        for (size_t i = 0; i < c->nvals; i++) {
            if (c->kind == COND_FIELD_EQ ? (strlen(c->vals[i]) == vn && !memcmp(c->vals[i], v, vn))
                                         : (memchr(v, 0, vn) == NULL && !fnmatch(c->vals[i], v, 0)))
                return 1;
        }
        return 0;
    }
}

const char *tag_rules_match(const tag_rules *r, const doc *d, buf sc[2], int *rule) {
    for (size_t i = 0; i < r->n; i++) {
        const tag_rule *ru = &r->v[i];
        size_t j = 0;
        while (j < ru->nconds && cond_matches(&ru->conds[j], d, sc)) j++;
        if (j == ru->nconds) { *rule = (int)i; return ru->tag; }
    }
    *rule = -1;
    if (r->def_kind == DEF_TAG) return r->def_tag;
    if (r->def_kind == DEF_HOST) {
        const char *host; size_t hn;
        if (!d->has_url || !tag_url_host(d->url, d->url_len, &host, &hn)) return NULL;
        buf_reset(&sc[0]);
        tag_render(r->tmpl, host, hn, &sc[0]);
        for (size_t i = 0; i < sc[0].len; i++)          /* hosts are case-insensitive */
            if (sc[0].p[i] >= 'A' && sc[0].p[i] <= 'Z') sc[0].p[i] += 32;
        return sc[0].p;
    }
    return NULL;
}

static int line_in(const buf *out, const char *s) {
    size_t n = strlen(s);
    for (const char *p = out->p; p && p < out->p + out->len; ) {
        const char *e = memchr(p, '\n', (size_t)(out->p + out->len - p));
        if ((size_t)(e - p) == n && !memcmp(p, s, n)) return 1;
        p = e + 1;
    }
    return 0;
}

int tag_rules_static_tags(const tag_rules *r, buf *out) {
    for (size_t i = 0; i <= r->n; i++) {
        const char *t = i < r->n ? r->v[i].tag : r->def_tag;
        if (!t || line_in(out, t)) continue;
        buf_adds(out, t);
        buf_addc(out, '\n');
    }
    return r->def_kind == DEF_HOST;
}

/* ---------- the stage ---------- */

typedef struct tag_cfg {
    char *rules, *tmpl, *position, *separator, *special_tokens;
    double probability;
    long long seed;
} tag_cfg;

static const opt_def tag_opts[] = {
    { "rules", 0, OPT_STRING, offsetof(tag_cfg, rules), NULL, "YAML rules: ordered match -> tag, then default (required)", 0, 0, NULL, "FILE" },
    { "template", 0, OPT_STRING, offsetof(tag_cfg, tmpl), "<{domain}>", "tag text made from a domain", 0, 0, NULL, "TEXT" },
    { "position", 0, OPT_ENUM, offsetof(tag_cfg, position), "prefix", "where the tag goes", 0, 0, "prefix|suffix|both", NULL },
    { "separator", 0, OPT_STRING, offsetof(tag_cfg, separator), "\\n", "between tag and text (\\n \\t \\\\ understood)", 0, 0, NULL, "TEXT" },
    { "probability", 0, OPT_DOUBLE, offsetof(tag_cfg, probability), "1", "fraction of matching documents tagged (by hash of seed and id)", 0, 1, NULL, "P" },
    { "seed", 0, OPT_INT, offsetof(tag_cfg, seed), "0", "seed for --probability", 0, 0, NULL, "N" },
    { "special-tokens", 0, OPT_STRING, offsetof(tag_cfg, special_tokens), NULL, "write every tag that can be emitted to FILE, one per line", 0, 0, NULL, "FILE" },
    OPT_DEF_END
};

#define TAG_SALT 0x7461670000000001ULL

typedef struct tag_state {
    tag_rules *rules;
    buf sep, out, sc[2], tok;
    int pos_prefix, pos_suffix;
    size_t *rule_counter;   /* stats counter index per rule */
    size_t def_counter, host_counter, untagged, skipped;
    char *special_path;
    /* from-host tags seen, for --special-tokens (open addressing) */
    char **seen; size_t nseen, capseen;
} tag_state;

/* Paths arrive resolved: the YAML loader resolves FILE/DIR options against the YAML's
 * directory (plan.c), and on the command line they are relative to the working directory. */
static char *resolve(const stage *s, const char *path) { return path ? xstrdup(path) : NULL; }

static void unescape(const char *s, buf *out) {
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            buf_addc(out, *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' : *s);
        } else buf_addc(out, *s);
    }
}

static int write_file_atomic(const char *path, const buf *b, char *err) {
    buf tmp = {0};
    buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp.p, "wb");
    if (!f) { err_set(err, "%s: cannot write: %m", path); buf_free(&tmp); return -1; }
    int bad = b->len && fwrite(b->p, 1, b->len, f) != b->len;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp.p, path)) { err_set(err, "%s: write failed: %m", path); unlink(tmp.p); buf_free(&tmp); return -1; }
    buf_free(&tmp);
    return 0;
}

static int tag_init(stage *s, char *err) {
    tag_cfg *c = s->cfg;
    if (!c->rules || !*c->rules) return err_set(err, "--rules FILE is required");
    tag_state *st = xcalloc(1, sizeof *st);
    s->state = st;
    char *path = resolve(s, c->rules);
    int rc = tag_rules_load(&st->rules, path, c->tmpl, err);
    free(path);
    if (rc) return -1;
    if (!c->tmpl || !strstr(c->tmpl, "{domain}")) return err_set(err, "--template must contain {domain}");
    unescape(c->separator ? c->separator : "", &st->sep);
    st->pos_prefix = strcmp(c->position, "suffix") != 0;
    st->pos_suffix = strcmp(c->position, "prefix") != 0;
    st->rule_counter = xcalloc(st->rules->n + 1, sizeof *st->rule_counter);
    for (size_t i = 0; i < st->rules->n; i++) {
        buf_reset(&st->tok);
        buf_printf(&st->tok, "tag %s", st->rules->v[i].tag);
        st->rule_counter[i] = stats_counter(&s->stats, st->tok.p);
    }
    if (st->rules->def_tag) {
        buf_reset(&st->tok);
        buf_printf(&st->tok, "tag %s", st->rules->def_tag);
        st->def_counter = stats_counter(&s->stats, st->tok.p);
    }
    if (st->rules->def_kind == DEF_HOST) st->host_counter = stats_counter(&s->stats, "tag from-host");
    st->untagged = stats_counter(&s->stats, "untagged");
    if (c->probability < 1) st->skipped = stats_counter(&s->stats, "untagged (probability)");
    if (c->special_tokens && *c->special_tokens) {
        st->special_path = resolve(s, c->special_tokens);
        buf b = {0};
        tag_rules_static_tags(st->rules, &b);
        rc = write_file_atomic(st->special_path, &b, err);
        buf_free(&b);
        if (rc) return -1;
    }
    return 0;
}

static uint64_t str_hash(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void seen_add(tag_state *st, const char *t) {
    if (2 * (st->nseen + 1) > st->capseen) {
        size_t nc = st->capseen ? st->capseen * 2 : 64;
        char **nv = xcalloc(nc, sizeof *nv);
        for (size_t i = 0; i < st->capseen; i++) {
            if (!st->seen[i]) continue;
            size_t j = str_hash(st->seen[i]) & (nc - 1);
            while (nv[j]) j = (j + 1) & (nc - 1);
            nv[j] = st->seen[i];
        }
        free(st->seen);
        st->seen = nv; st->capseen = nc;
    }
    size_t j = str_hash(t) & (st->capseen - 1);
    while (st->seen[j]) { if (!strcmp(st->seen[j], t)) return; j = (j + 1) & (st->capseen - 1); }
    st->seen[j] = xstrdup(t);
    st->nseen++;
}

static int tag_process(stage *s, doc *d, stage_io *io, char *err) {
    tag_cfg *c = s->cfg;
    tag_state *st = s->state;
    int rule;
    const char *tag = tag_rules_match(st->rules, d, st->sc, &rule);
    if (!tag) { s->stats.counters[st->untagged].n++; return io->emit(io, d); }
    if (c->probability < 1 && stage_unit(stage_hash((uint64_t)c->seed, d->id, d->id_len, TAG_SALT)) >= c->probability) {
        s->stats.counters[st->skipped].n++;
        return io->emit(io, d);
    }
    size_t tn = strlen(tag);
    buf_reset(&st->out);
    if (st->pos_prefix) { buf_add(&st->out, tag, tn); buf_add(&st->out, st->sep.p, st->sep.len); }
    buf_add(&st->out, d->text, d->text_len);
    if (st->pos_suffix) { buf_add(&st->out, st->sep.p, st->sep.len); buf_add(&st->out, tag, tn); }
    buf_reset(&st->tok);
    json_write_string(&st->tok, tag, tn);
    if (rule >= 0) s->stats.counters[st->rule_counter[rule]].n++;
    else if (st->rules->def_kind == DEF_TAG) s->stats.counters[st->def_counter].n++;
    else {
        s->stats.counters[st->host_counter].n++;
        if (st->special_path) seen_add(st, tag);
    }
    doc_set_text(d, st->out.p, st->out.len);
    doc_meta_set(d, "tag", st->tok.p, st->tok.len);
    return io->emit(io, d);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int tag_finish(stage *s, stage_io *io, char *err) {
    tag_state *st = s->state;
    if (!st->special_path || st->rules->def_kind != DEF_HOST) return 0;
    /* from-host tags are open-ended: rewrite the file with the static tags plus, sorted,
     * every host tag this run emitted */
    buf b = {0};
    tag_rules_static_tags(st->rules, &b);
    char **v = xcalloc(st->nseen + 1, sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < st->capseen; i++) if (st->seen[i]) v[n++] = st->seen[i];
    qsort(v, n, sizeof *v, cmp_str);
    for (size_t i = 0; i < n; i++) if (!line_in(&b, v[i])) { buf_adds(&b, v[i]); buf_addc(&b, '\n'); }
    free(v);
    int rc = write_file_atomic(st->special_path, &b, err);
    buf_free(&b);
    return rc;
}

static void tag_free(stage *s) {
    tag_state *st = s->state;
    if (!st) return;
    tag_rules_free(st->rules);
    buf_free(&st->sep); buf_free(&st->out); buf_free(&st->sc[0]); buf_free(&st->sc[1]); buf_free(&st->tok);
    free(st->rule_counter);
    free(st->special_path);
    for (size_t i = 0; i < st->capseen; i++) free(st->seen[i]);
    free(st->seen);
    free(st);
    s->state = NULL;
}

const stage_class tag_stage = {
    .name = "tag",
    .summary = "inject domain tags such as <Wikipedia.org> by source or URL",
    .opts = tag_opts,
    .cfg_size = sizeof(tag_cfg),
    .init = tag_init,
    .process = tag_process,
    .finish = tag_finish,
    .free = tag_free,
};
