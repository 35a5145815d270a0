/*
 * cmd_ablate — `winnow ablate ablation.yaml`: data-quality ablations end to end.
 *
 *   output: out/demo
 *   base: {input: [...], workers: 2, seed: 1, steps: [...]}     # a pipeline without output
 *   variants:                          # each overrides the base
 *     raw:    {steps: []}              # replace the steps
 *     clean:  {}                       # the base as it is
 *     tagged: {add: [{tag: {rules: tags.yaml}}]}     # append steps
 *     loose:  {remove: [filter]}       # drop steps by name
 *     strict: {set: {filter.min_words: 100}}         # change one option of a step
 *     other:  {input: [...]}           # another input
 *   tokenizer: {file: tok.json}        # or {train: {vocab_size: 4096, ...}, on: VARIANT}
 *   train: {n_layer: 2, ..., max_tokens: 2000000, seeds: [1, 2]}  # winnow train options
 *   eval: {brown: heldout/brown.jsonl}  # held-out sets every variant is measured on
 *
 * Each variant becomes OUT/<variant>/pipeline.yaml (a plain `winnow run` pipeline, kept for
 * inspection), then documents (OUT/<variant>/docs), shards (OUT/<variant>/shards) and one
 * training run per seed (OUT/<variant>/seed-<S>/metrics.jsonl). The commands are the same code
 * as `winnow run`, `winnow bpe train`, `winnow tokenize` and `winnow train`, called in-process.
 * Resumable: each finished part leaves a stamp holding the hash of everything it depends on;
 * a rerun skips what is current and redoes only what changed (a changed variant alone).
 * Results: OUT/results.jsonl, OUT/report.md (table with differences from the base and ± over
 * seeds), OUT/curves.svg (held-out bits per byte against training tokens, one line a variant).
 */
#include "cmds.h"
#include "../pipeline/jsonl.h"
#include "../pipeline/yaml_tree.h"
#include "../pipeline/stream.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>
#include "ablate_report.h"
#include "../pipeline/manifest.h"
#include <glob.h>
#include <unistd.h>

typedef struct abl_cfg { int force; long long workers; } abl_cfg;
static const opt_def abl_opts[] = {
    { "force", 0, OPT_BOOL, offsetof(abl_cfg, force), NULL, "redo every part even when its stamp is current", 0, 0, NULL, NULL },
    { "workers", 'j', OPT_INT, offsetof(abl_cfg, workers), "0", "pipeline workers (0: the base's)", 0, 1024, NULL, "N" },
    OPT_DEF_END,
};

/* A step: name and its options as (key, values, is_list). */
typedef struct astep { char *name; strlist keys; strlist vals; int *is_list; } astep;
typedef struct asteps { astep *v; size_t n; } asteps;

static void steps_free(asteps *s) {
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].name);
        strlist_free(&s->v[i].keys);
        strlist_free(&s->v[i].vals);
        free(s->v[i].is_list);
    }
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static int yerr(const yaml_tree *t, int node, char *err, const char *msg) {
    return err_set(err, "%s:%d:%d: %s", yaml_tree_name(t), yaml_tree_line(t, node), yaml_tree_col(t, node), msg);
}

static char *abs_path(const char *dir, const char *p) {
    buf b = {0};
    if (p[0] == '/') buf_adds(&b, p);
    else buf_printf(&b, "%s/%s", dir, p);
    char *r = realpath(b.p, NULL);
    if (r) { buf_free(&b); return r; }
    return b.p;
}

static const stage_class *find_stage(const char *name) {
    for (size_t i = 0; winnow_stages[i]; i++)
        if (winnow_stages[i]->name && !strcmp(winnow_stages[i]->name, name)) return winnow_stages[i];
    return NULL;
}

/* Read a step list node; option values that are paths are made absolute (relative to dir). */
static int read_steps(const yaml_tree *t, int node, const char *dir, asteps *out, char *err) {
    if (yaml_tree_kind(t, node) != YAML_TREE_SEQ) return yerr(t, node, err, "steps must be a list");
    for (size_t i = 0; i < yaml_tree_len(t, node); i++) {
        int it = yaml_tree_item(t, node, i), k = it, v = 0;
        const char *name = yaml_tree_scalar(t, it);
        if (!name) {
            if (yaml_tree_kind(t, it) != YAML_TREE_MAP || yaml_tree_len(t, it) != 1) return yerr(t, it, err, "a step is '- NAME: {options}'");
            v = yaml_tree_pair(t, it, 0, &k);
            name = yaml_tree_scalar(t, k);
        }
        const stage_class *cls = name ? find_stage(name) : NULL;
        if (!cls) return yerr(t, k, err, "unknown step");
        out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
        astep *s = &out->v[out->n++];
        memset(s, 0, sizeof *s);
        s->name = xstrdup(name);
        size_t np = yaml_tree_kind(t, v) == YAML_TREE_MAP ? yaml_tree_len(t, v) : 0;
        s->is_list = xcalloc(np + 1, sizeof *s->is_list);
        for (size_t j = 0; j < np; j++) {
            int kk, vv = yaml_tree_pair(t, v, j, &kk);
            const char *key = yaml_tree_scalar(t, kk);
            if (!key) return yerr(t, kk, err, "option names are plain scalars");
            const opt_def *d = opt_find(cls->opts, key);
            int is_path = d && d->metavar && (strstr(d->metavar, "FILE") || strstr(d->metavar, "DIR") || strstr(d->metavar, "PATH"));
            buf val = {0};
            if (yaml_tree_kind(t, vv) == YAML_TREE_SEQ) {
                s->is_list[s->keys.n] = 1;
                for (size_t m = 0; m < yaml_tree_len(t, vv); m++) {
                    const char *x = yaml_tree_scalar(t, yaml_tree_item(t, vv, m));
                    if (!x) return yerr(t, vv, err, "list items must be plain values");
                    if (m) buf_addc(&val, ',');
                    buf_adds(&val, x);
                }
            } else {
                const char *x = yaml_tree_scalar(t, vv);
                if (!x) return yerr(t, vv, err, "option values are scalars or lists");
                if (is_path) { char *a = abs_path(dir, x); buf_adds(&val, a); free(a); }
                else buf_adds(&val, x);
            }
            strlist_push(&s->keys, key);
            strlist_push(&s->vals, val.p ? val.p : "");
            buf_free(&val);
        }
    }
    return 0;
}

static void steps_copy(asteps *dst, const asteps *src) {
    memset(dst, 0, sizeof *dst);
    for (size_t i = 0; i < src->n; i++) {
        dst->v = xrealloc(dst->v, (dst->n + 1) * sizeof *dst->v);
        astep *d = &dst->v[dst->n++];
        const astep *s = &src->v[i];
        memset(d, 0, sizeof *d);
        d->name = xstrdup(s->name);
        d->is_list = xcalloc(s->keys.n + 1, sizeof *d->is_list);
        for (size_t k = 0; k < s->keys.n; k++) {
            strlist_push(&d->keys, s->keys.v[k]);
            strlist_push(&d->vals, s->vals.v[k]);
            d->is_list[k] = s->is_list[k];
        }
    }
}

typedef struct variant {
    char *name;
    strlist inputs;
    asteps steps;
    char *pipeline_text;
    char hash[17];
} variant;

static void emit_str(buf *b, const char *s) { json_write_string(b, s, strlen(s)); }

/* The variant as a `winnow run` pipeline (flow style, every scalar quoted). */
static void variant_yaml(const variant *v, long long workers, long long seed, const char *out_dir, buf *b) {
    buf_adds(b, "# made by winnow ablate for variant ");
    buf_adds(b, v->name);
    buf_adds(b, "\ninput: [");
    for (size_t i = 0; i < v->inputs.n; i++) { if (i) buf_adds(b, ", "); emit_str(b, v->inputs.v[i]); }
    buf_printf(b, "]\nworkers: %lld\nseed: %lld\nsteps:\n", workers, seed);
    if (!v->steps.n) buf_adds(b, "  - cat:\n");
    for (size_t i = 0; i < v->steps.n; i++) {
        const astep *s = &v->steps.v[i];
        buf_printf(b, "  - %s: {", s->name);
        for (size_t k = 0; k < s->keys.n; k++) {
            if (k) buf_adds(b, ", ");
            buf_printf(b, "%s: ", s->keys.v[k]);
            if (s->is_list[k]) {
                buf_addc(b, '[');
                strlist parts = {0};
                strlist_split(&parts, s->vals.v[k]);
                for (size_t m = 0; m < parts.n; m++) { if (m) buf_adds(b, ", "); emit_str(b, parts.v[m]); }
                strlist_free(&parts);
                buf_addc(b, ']');
            } else emit_str(b, s->vals.v[k]);
        }
        buf_adds(b, "}\n");
    }
    buf_adds(b, "output: {dir: ");
    emit_str(b, out_dir);
    buf_adds(b, ", compress: zstd}\n");
}

static void hex64(uint64_t h, char out[17]) { snprintf(out, 17, "%016llx", (unsigned long long)h); }

static int stamp_ok(const char *path, const char *hash) {
    buf b = {0};
    char err[ERR_MAX];
    int ok = !stream_read_file(path, &b, err) && b.len >= 16 && !memcmp(b.p, hash, 16);
    buf_free(&b);
    return ok;
}
static int stamp_write(const char *path, const char *hash, char *err) {
    char line[20];
    snprintf(line, sizeof line, "%s\n", hash);
    return stream_write_file(path, line, strlen(line), err);
}

/* Call another command in-process with a NULL-free argument list. */
static int call(int (*fn)(int, char **), strlist *args) {
    char **argv = xcalloc(args->n + 1, sizeof *argv);
    for (size_t i = 0; i < args->n; i++) argv[i] = args->v[i];
    int r = fn((int)args->n, argv);
    free(argv);
    strlist_free(args);
    return r;
}

static void add_kv_args(strlist *a, const yaml_tree *t, int map, const char *skip1, const char *skip2) {
    for (size_t i = 0; i < yaml_tree_len(t, map); i++) {
        int k, v = yaml_tree_pair(t, map, i, &k);
        const char *key = yaml_tree_scalar(t, k);
        if (!key || (skip1 && !strcmp(key, skip1)) || (skip2 && !strcmp(key, skip2))) continue;
        buf f = {0};
        buf_printf(&f, "--%s", key);
        for (char *c = f.p + 2; *c; c++) if (*c == '_') *c = '-';
        if (yaml_tree_kind(t, v) == YAML_TREE_SEQ) {
            for (size_t m = 0; m < yaml_tree_len(t, v); m++) {
                const char *x = yaml_tree_scalar(t, yaml_tree_item(t, v, m));
                if (x) { strlist_push(a, f.p); strlist_push(a, x); }
            }
        } else if (yaml_tree_scalar(t, v)) {
            const char *x = yaml_tree_scalar(t, v);
            if (!strcmp(x, "true")) strlist_push(a, f.p);
            else if (!strcmp(x, "false")) { buf g = {0}; buf_printf(&g, "--no-%s", f.p + 2); strlist_push(a, g.p); buf_free(&g); }
            else { strlist_push(a, f.p); strlist_push(a, x); }
        }
        buf_free(&f);
    }
}


static uint64_t file_hash(const char *path) {
    buf b = {0};
    char err[ERR_MAX];
    uint64_t h = 0;
    if (!stream_read_file(path, &b, err)) h = XXH3_64bits(b.p ? b.p : "", b.len);
    buf_free(&b);
    return h;
}

/* The documents a variant's pipeline wrote (part files in name order). */
static void docs_files(const char *docs_dir, strlist *out) {
    buf pat = {0};
    buf_printf(&pat, "%s/part-*.jsonl*", docs_dir);
    glob_t g;
    if (!glob(pat.p, 0, NULL, &g))
        for (size_t i = 0; i < g.gl_pathc; i++) strlist_push(out, g.gl_pathv[i]);
    globfree(&g);
    buf_free(&pat);
}

static char *pathf(const char *fmt, const char *a, const char *b) {
    buf x = {0};
    buf_printf(&x, fmt, a, b ? b : "");
    return x.p;
}

typedef struct ablation {
    yaml_tree *t;
    char *dir, *out, *title;
    long long workers, seed;
    strlist base_inputs;
    asteps base_steps;
    variant *v; size_t nv;
    int train_node, tok_node, eval_node, tokz_node;
    strlist seeds;
} ablation;

static int read_inputs(const yaml_tree *t, int node, const char *dir, strlist *out, char *err) {
    if (yaml_tree_kind(t, node) == YAML_TREE_SCALAR) { char *a = abs_path(dir, yaml_tree_scalar(t, node)); strlist_push(out, a); free(a); return 0; }
    if (yaml_tree_kind(t, node) != YAML_TREE_SEQ) return yerr(t, node, err, "input is a path, a glob or a list of them");
    for (size_t i = 0; i < yaml_tree_len(t, node); i++) {
        const char *x = yaml_tree_scalar(t, yaml_tree_item(t, node, i));
        if (!x) return yerr(t, yaml_tree_item(t, node, i), err, "input entries are paths");
        char *a = abs_path(dir, x);
        strlist_push(out, a);
        free(a);
    }
    return 0;
}

static int load_variant(ablation *A, variant *v, int spec, char *err) {
    const yaml_tree *t = A->t;
    for (size_t i = 0; i < A->base_inputs.n; i++) strlist_push(&v->inputs, A->base_inputs.v[i]);
    steps_copy(&v->steps, &A->base_steps);
    if (!spec || yaml_tree_kind(t, spec) == YAML_TREE_SCALAR) return 0;     /* {} or empty: the base */
    if (yaml_tree_kind(t, spec) != YAML_TREE_MAP) return yerr(t, spec, err, "a variant is a mapping (steps, add, remove, set, input)");
    for (size_t i = 0; i < yaml_tree_len(t, spec); i++) {
        int k, val = yaml_tree_pair(t, spec, i, &k);
        const char *key = yaml_tree_scalar(t, k);
        if (!key) return yerr(t, k, err, "bad key");
        if (!strcmp(key, "steps")) { steps_free(&v->steps); if (read_steps(t, val, A->dir, &v->steps, err)) return -1; }
        else if (!strcmp(key, "add")) { if (read_steps(t, val, A->dir, &v->steps, err)) return -1; }
        else if (!strcmp(key, "input")) { strlist_free(&v->inputs); if (read_inputs(t, val, A->dir, &v->inputs, err)) return -1; }
        else if (!strcmp(key, "remove")) {
            strlist names = {0};
            if (yaml_tree_kind(t, val) == YAML_TREE_SCALAR) strlist_push(&names, yaml_tree_scalar(t, val));
            else for (size_t j = 0; j < yaml_tree_len(t, val); j++) if (yaml_tree_scalar(t, yaml_tree_item(t, val, j))) strlist_push(&names, yaml_tree_scalar(t, yaml_tree_item(t, val, j)));
            size_t w = 0;
            for (size_t j = 0; j < v->steps.n; j++) {
                if (strlist_has(&names, v->steps.v[j].name)) {
                    astep *s = &v->steps.v[j];
                    free(s->name); strlist_free(&s->keys); strlist_free(&s->vals); free(s->is_list);
                } else v->steps.v[w++] = v->steps.v[j];
            }
            if (w == v->steps.n) { strlist_free(&names); return yerr(t, val, err, "remove: no such step in the base"); }
            v->steps.n = w;
            strlist_free(&names);
        } else if (!strcmp(key, "set")) {
            if (yaml_tree_kind(t, val) != YAML_TREE_MAP) return yerr(t, val, err, "set is a mapping {step.option: value}");
            for (size_t j = 0; j < yaml_tree_len(t, val); j++) {
                int kk, vv = yaml_tree_pair(t, val, j, &kk);
                const char *sk = yaml_tree_scalar(t, kk), *sv = yaml_tree_scalar(t, vv);
                const char *dot = sk ? strchr(sk, '.') : NULL;
                if (!dot || !sv) return yerr(t, kk, err, "set keys are STEP.OPTION with a plain value");
                astep *s = NULL;
                for (size_t m = 0; m < v->steps.n && !s; m++)
                    if (strlen(v->steps.v[m].name) == (size_t)(dot - sk) && !strncmp(v->steps.v[m].name, sk, (size_t)(dot - sk))) s = &v->steps.v[m];
                if (!s) return yerr(t, kk, err, "set: no such step in this variant");
                size_t m = 0;
                while (m < s->keys.n && strcmp(s->keys.v[m], dot + 1)) m++;
                if (m < s->keys.n) { free(s->vals.v[m]); s->vals.v[m] = xstrdup(sv); s->is_list[m] = 0; }
                else {
                    strlist_push(&s->keys, dot + 1);
                    strlist_push(&s->vals, sv);
                    s->is_list = xrealloc(s->is_list, (s->keys.n + 1) * sizeof *s->is_list);
                    s->is_list[m] = 0;
                }
            }
        } else return yerr(t, k, err, "unknown variant key (known: steps, add, remove, set, input)");
    }
    return 0;
}

static int load_ablation(ablation *A, const char *path, char *err) {
    memset(A, 0, sizeof *A);
    if (yaml_tree_load_file(&A->t, path, err)) return -1;
    char *full = realpath(path, NULL);
    char *slash = full ? strrchr(full, '/') : NULL;
    A->dir = full && slash ? xstrndup(full, (size_t)(slash - full)) : xstrdup(".");
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    A->title = xstrndup(b, strcspn(b, "."));
    free(full);
    const yaml_tree *t = A->t;
    int root = yaml_tree_root(t);
    if (yaml_tree_kind(t, root) != YAML_TREE_MAP) return yerr(t, root, err, "an ablation is a mapping (base, variants, tokenizer, train, eval)");
    static const char *const keys[] = { "name", "output", "base", "variants", "tokenizer", "tokenize", "train", "eval", NULL };
    for (size_t i = 0; i < yaml_tree_len(t, root); i++) {
        int k;
        yaml_tree_pair(t, root, i, &k);
        const char *key = yaml_tree_scalar(t, k);
        int ok = 0;
        for (size_t j = 0; keys[j] && key; j++) ok |= !strcmp(keys[j], key);
        if (!ok) return yerr(t, k, err, "unknown key (known: name, output, base, variants, tokenizer, tokenize, train, eval)");
    }
    const char *name = yaml_tree_scalar(t, yaml_tree_get(t, root, "name"));
    if (name) { free(A->title); A->title = xstrdup(name); }
    const char *out = yaml_tree_scalar(t, yaml_tree_get(t, root, "output"));
    A->out = out ? abs_path(A->dir, out) : pathf("%s/out/%s", A->dir, A->title);
    int base = yaml_tree_get(t, root, "base");
    if (yaml_tree_kind(t, base) != YAML_TREE_MAP) return err_set(err, "%s: needs 'base:' (input, steps)", path);
    int in = yaml_tree_get(t, base, "input");
    if (!in) return yerr(t, base, err, "base needs 'input'");
    if (read_inputs(t, in, A->dir, &A->base_inputs, err)) return -1;
    int st = yaml_tree_get(t, base, "steps");
    if (st && read_steps(t, st, A->dir, &A->base_steps, err)) return -1;
    const char *w = yaml_tree_scalar(t, yaml_tree_get(t, base, "workers"));
    const char *sd = yaml_tree_scalar(t, yaml_tree_get(t, base, "seed"));
    A->workers = w ? atoll(w) : 2;
    A->seed = sd ? atoll(sd) : 1;
    int vars = yaml_tree_get(t, root, "variants");
    if (yaml_tree_kind(t, vars) != YAML_TREE_MAP || !yaml_tree_len(t, vars)) return err_set(err, "%s: needs 'variants:' (a mapping name: overrides)", path);
    A->nv = yaml_tree_len(t, vars);
    A->v = xcalloc(A->nv, sizeof *A->v);
    for (size_t i = 0; i < A->nv; i++) {
        int k, spec = yaml_tree_pair(t, vars, i, &k);
        A->v[i].name = xstrdup(yaml_tree_scalar(t, k) ? yaml_tree_scalar(t, k) : "?");
        if (load_variant(A, &A->v[i], spec, err)) return -1;
    }
    A->tok_node = yaml_tree_get(t, root, "tokenizer");
    A->tokz_node = yaml_tree_get(t, root, "tokenize");
    A->train_node = yaml_tree_get(t, root, "train");
    A->eval_node = yaml_tree_get(t, root, "eval");
    if (yaml_tree_kind(t, A->tok_node) != YAML_TREE_MAP) return err_set(err, "%s: needs 'tokenizer:' ({file: F} or {train: {...}})", path);
    if (yaml_tree_kind(t, A->train_node) != YAML_TREE_MAP) return err_set(err, "%s: needs 'train:' (winnow train options)", path);
    int seeds = yaml_tree_get(t, A->train_node, "seeds");
    if (yaml_tree_kind(t, seeds) == YAML_TREE_SEQ)
        for (size_t i = 0; i < yaml_tree_len(t, seeds); i++) { const char *x = yaml_tree_scalar(t, yaml_tree_item(t, seeds, i)); if (x) strlist_push(&A->seeds, x); }
    else if (yaml_tree_scalar(t, seeds)) strlist_push(&A->seeds, yaml_tree_scalar(t, seeds));
    if (!A->seeds.n) strlist_push(&A->seeds, "1");
    return 0;
}

static void ablation_free(ablation *A) {
    for (size_t i = 0; i < A->nv; i++) { free(A->v[i].name); strlist_free(&A->v[i].inputs); steps_free(&A->v[i].steps); free(A->v[i].pipeline_text); }
    free(A->v);
    steps_free(&A->base_steps);
    strlist_free(&A->base_inputs);
    strlist_free(&A->seeds);
    free(A->dir); free(A->out); free(A->title);
    yaml_tree_free(A->t);
}

/* Text of a YAML mapping node's pairs, for hashing what a stage depends on. */
static void node_text(const yaml_tree *t, int node, buf *b) {
    if (yaml_tree_scalar(t, node)) { buf_adds(b, yaml_tree_scalar(t, node)); buf_addc(b, ';'); return; }
    for (size_t i = 0; i < yaml_tree_len(t, node); i++) {
        int k = 0, v = yaml_tree_kind(t, node) == YAML_TREE_MAP ? yaml_tree_pair(t, node, i, &k) : yaml_tree_item(t, node, i);
        if (k) node_text(t, k, b);
        node_text(t, v, b);
    }
    buf_addc(b, '|');
}

static int run_ablation(ablation *A, int force, char *err) {
    const yaml_tree *t = A->t;
    if (stream_mkdirs(A->out, err)) return -1;
    char *real = realpath(A->out, NULL);
    if (real) { free(A->out); A->out = real; }
    /* 1. pipelines */
    for (size_t i = 0; i < A->nv; i++) {
        variant *v = &A->v[i];
        char *vdir = pathf("%s/%s", A->out, v->name), *docs = pathf("%s/%s/docs", A->out, v->name);
        char *py = pathf("%s/%s/pipeline.yaml", A->out, v->name), *stamp = pathf("%s/%s/.done-docs", A->out, v->name);
        buf y = {0};
        variant_yaml(v, A->workers, A->seed, docs, &y);
        v->pipeline_text = xstrdup(y.p);
        hex64(XXH3_64bits(y.p, y.len), v->hash);
        int r = 0;
        if (force || !stamp_ok(stamp, v->hash)) {
            buf old = {0};
            char e2[ERR_MAX];
            int same = !stream_read_file(py, &old, e2) && old.len == y.len && !memcmp(old.p, y.p, y.len);
            buf_free(&old);
            fprintf(stderr, "winnow ablate: variant %s: pipeline\n", v->name);
            if (stream_mkdirs(vdir, err) || stream_write_file(py, y.p, y.len, err)) r = -1;
            strlist a = {0};
            strlist_push(&a, "run"); strlist_push(&a, "-q");
            if (!same || force) strlist_push(&a, "--force");
            strlist_push(&a, py);
            if (!r && call(cmd_run, &a)) r = err_set(err, "variant %s: the pipeline failed", v->name);
            else if (!r) r = stamp_write(stamp, v->hash, err);
            if (r) strlist_free(&a);
        }
        buf_free(&y);
        free(vdir); free(docs); free(py); free(stamp);
        if (r) return -1;
    }
    /* 2. the tokenizer: a file, or trained once on one variant's output */
    char *tok = NULL;
    const char *tokfile = yaml_tree_scalar(t, yaml_tree_get(t, A->tok_node, "file"));
    int train = yaml_tree_get(t, A->tok_node, "train");
    if (tokfile) tok = abs_path(A->dir, tokfile);
    else if (yaml_tree_kind(t, train) == YAML_TREE_MAP) {
        const char *on = yaml_tree_scalar(t, yaml_tree_get(t, A->tok_node, "on"));
        variant *src = &A->v[0];
        for (size_t i = 0; on && i < A->nv; i++) if (!strcmp(A->v[i].name, on)) src = &A->v[i];
        tok = pathf("%s/tokenizer.json", A->out, NULL);
        buf h = {0};
        buf_adds(&h, src->hash);
        node_text(t, train, &h);
        char hash[17], *stamp = pathf("%s/.done-tokenizer", A->out, NULL);
        hex64(XXH3_64bits(h.p, h.len), hash);
        buf_free(&h);
        if (force || !stamp_ok(stamp, hash)) {
            fprintf(stderr, "winnow ablate: training the tokenizer on variant %s\n", src->name);
            strlist a = {0};
            strlist_push(&a, "bpe"); strlist_push(&a, "train");
            add_kv_args(&a, t, train, NULL, NULL);
            strlist_push(&a, "-o"); strlist_push(&a, tok);
            char *docs = pathf("%s/%s/docs", A->out, src->name);
            docs_files(docs, &a);
            free(docs);
            if (call(cmd_bpe, &a) || stamp_write(stamp, hash, err)) { free(stamp); free(tok); return err_set(err, "training the tokenizer failed"); }
        }
        free(stamp);
    } else { return err_set(err, "tokenizer: needs 'file: F' or 'train: {vocab_size: N, ...}'"); }
    char tokhash[17];
    hex64(file_hash(tok), tokhash);
    /* 3. eval sets, tokenized once */
    strlist evaldirs = {0};
    int r = 0;
    for (size_t i = 0; i < yaml_tree_len(t, A->eval_node) && !r; i++) {
        int k, v = yaml_tree_pair(t, A->eval_node, i, &k);
        const char *name = yaml_tree_scalar(t, k), *p = yaml_tree_scalar(t, v);
        if (!name || !p) { r = yerr(t, k, err, "eval entries are NAME: FILE.jsonl"); break; }
        char *src = abs_path(A->dir, p), *dir = pathf("%s/eval/%s", A->out, name), *stamp = pathf("%s/eval/.done-%s", A->out, name);
        char hash[17];
        buf h = {0};
        buf_printf(&h, "%s|%s|%016llx", tokhash, src, (unsigned long long)file_hash(src));
        hex64(XXH3_64bits(h.p, h.len), hash);
        buf_free(&h);
        if (force || !stamp_ok(stamp, hash)) {
            strlist a = {0};
            strlist_push(&a, "tokenize"); strlist_push(&a, "--tokenizer"); strlist_push(&a, tok);
            strlist_push(&a, "-o"); strlist_push(&a, dir); strlist_push(&a, "--name"); strlist_push(&a, name);
            strlist_push(&a, "--no-shuffle"); strlist_push(&a, src);
            if (call(cmd_tokenize, &a) || stamp_write(stamp, hash, err)) r = err_set(err, "tokenizing eval set %s failed", name);
        }
        strlist_push(&evaldirs, dir);
        free(src); free(dir); free(stamp);
    }
    /* 4. per variant: shards, then one training run per seed */
    for (size_t i = 0; i < A->nv && !r; i++) {
        variant *v = &A->v[i];
        char *docs = pathf("%s/%s/docs", A->out, v->name), *shards = pathf("%s/%s/shards", A->out, v->name);
        char *stamp = pathf("%s/%s/.done-shards", A->out, v->name);
        buf h = {0};
        buf_printf(&h, "%s|%s|", v->hash, tokhash);
        if (A->tokz_node) node_text(t, A->tokz_node, &h);
        char shash[17];
        hex64(XXH3_64bits(h.p, h.len), shash);
        buf_free(&h);
        if (force || !stamp_ok(stamp, shash)) {
            fprintf(stderr, "winnow ablate: variant %s: tokenize\n", v->name);
            strlist a = {0};
            strlist_push(&a, "tokenize"); strlist_push(&a, "--tokenizer"); strlist_push(&a, tok);
            strlist_push(&a, "-o"); strlist_push(&a, shards); strlist_push(&a, "--name"); strlist_push(&a, v->name);
            if (A->tokz_node) add_kv_args(&a, t, A->tokz_node, NULL, NULL);
            else { strlist_push(&a, "--val-fraction"); strlist_push(&a, "0.02"); }
            docs_files(docs, &a);
            if (call(cmd_tokenize, &a) || stamp_write(stamp, shash, err)) r = err_set(err, "variant %s: tokenize failed", v->name);
        }
        for (size_t s = 0; s < A->seeds.n && !r; s++) {
            char *rdir = pathf("%s/%s/seed-", A->out, v->name);
            buf rd = {0};
            buf_printf(&rd, "%s%s", rdir, A->seeds.v[s]);
            free(rdir);
            char *log = pathf("%s/%s", rd.p, "metrics.jsonl"), *tstamp = pathf("%s/%s", rd.p, ".done-train");
            buf th = {0};
            buf_printf(&th, "%s|%s|", shash, A->seeds.v[s]);
            node_text(t, A->train_node, &th);
            for (size_t e = 0; e < evaldirs.n; e++) { buf_adds(&th, evaldirs.v[e]); buf_addc(&th, '|'); }
            char thash[17];
            hex64(XXH3_64bits(th.p, th.len), thash);
            buf_free(&th);
            if (force || !stamp_ok(tstamp, thash)) {
                fprintf(stderr, "winnow ablate: variant %s: train (seed %s)\n", v->name, A->seeds.v[s]);
                if (stream_mkdirs(rd.p, err)) r = -1;
                unlink(log);
                strlist a = {0};
                strlist_push(&a, "train"); strlist_push(&a, "--data"); strlist_push(&a, shards);
                for (size_t e = 0; e < evaldirs.n; e++) { strlist_push(&a, "--eval-data"); strlist_push(&a, evaldirs.v[e]); }
                if (!yaml_tree_get(t, A->train_node, "log_every") && !yaml_tree_get(t, A->train_node, "log-every")) {
                    strlist_push(&a, "--log-every"); strlist_push(&a, "1000000000");   /* the log file has every step */
                }
                add_kv_args(&a, t, A->train_node, "seeds", "seed");
                strlist_push(&a, "--seed"); strlist_push(&a, A->seeds.v[s]);
                strlist_push(&a, "--log"); strlist_push(&a, log);
                if (!r && (call(cmd_train, &a) || stamp_write(tstamp, thash, err))) r = err_set(err, "variant %s: training (seed %s) failed", v->name, A->seeds.v[s]);
                else if (r) strlist_free(&a);
            }
            free(log); free(tstamp); buf_free(&rd);
        }
        free(docs); free(shards); free(stamp);
    }
    strlist_free(&evaldirs);
    free(tok);
    return r;
}

static int collect(ablation *A, char *err) {
    abl_run *runs = xcalloc(A->nv * A->seeds.n, sizeof *runs);
    size_t n = 0;
    int r = 0;
    for (size_t i = 0; i < A->nv && !r; i++) {
        char *shards = pathf("%s/%s/shards", A->out, A->v[i].name);
        manifest m;
        manifest_init(&m);
        uint64_t docs = 0, tokens = 0;
        if (!manifest_read(shards, &m, err)) { docs = m.documents; tokens = m.train.tokens; }
        manifest_free(&m);
        free(shards);
        for (size_t s = 0; s < A->seeds.n; s++) {
            abl_run *x = &runs[n++];
            x->variant = xstrdup(A->v[i].name);
            x->seed = atoll(A->seeds.v[s]);
            x->docs = docs;
            x->tokens = tokens;
            buf log = {0};
            buf_printf(&log, "%s/%s/seed-%s/metrics.jsonl", A->out, A->v[i].name, A->seeds.v[s]);
            if (ablate_read_log(x, log.p, err)) r = -1;
            buf_free(&log);
        }
    }
    if (!r) {
        buf res = {0}, md = {0}, svg = {0};
        ablate_results_jsonl(runs, n, &res);
        const char *base = A->v[0].name;
        for (size_t i = 0; i < A->nv; i++) if (!strcmp(A->v[i].name, "base")) base = "base";
        ablate_report_md(runs, n, base, A->title, &md);
        ablate_curves_svg(runs, n, A->title, &svg);
        char *f1 = pathf("%s/results.jsonl", A->out, NULL), *f2 = pathf("%s/report.md", A->out, NULL), *f3 = pathf("%s/curves.svg", A->out, NULL);
        if (stream_write_file(f1, res.p, res.len, err) || stream_write_file(f2, md.p, md.len, err) || stream_write_file(f3, svg.p, svg.len, err)) r = -1;
        else { fputs(md.p, stdout); printf("\n(%s, %s, %s)\n", f1, f2, f3); }
        free(f1); free(f2); free(f3);
        buf_free(&res); buf_free(&md); buf_free(&svg);
    }
    for (size_t i = 0; i < n; i++) ablate_run_free(&runs[i]);
    free(runs);
    return r;
}

int cmd_ablate(int argc, char **argv) {
    abl_cfg c;
    opt_defaults(abl_opts, &c);
    const opt_def *tables[1] = { abl_opts };
    void *cfgs[1] = { &c };
    char err[ERR_MAX];
    int npos = opt_parse_argv(tables, cfgs, 1, argc, argv, err);
    if (npos == -2) {
        cmd_usage(stdout, "usage: winnow ablate [OPTIONS] ABLATION.yaml\n\nRun every variant of a pipeline, tokenize with one shared tokenizer, train the same\n"
                     "model on each, measure held-out bits per byte; write results.jsonl, report.md, curves.svg.\n", abl_opts);
        return 0;
    }
    if (npos != 1) { cmd_error("ablate", "%s", npos < 0 ? err : "needs exactly one ABLATION.yaml"); return 2; }
    ablation A;
    if (load_ablation(&A, argv[0], err)) { cmd_error("ablate", "%s", err); ablation_free(&A); return 2; }
    if (c.workers > 0) A.workers = c.workers;
    int st = 0;
    if (run_ablation(&A, c.force, err) || collect(&A, err)) { cmd_error("ablate", "%s", err); st = 1; }
    ablation_free(&A);
    return st;
}
