/*
 * plan — see plan.h. Loading walks the libyaml node tree (yaml_tree) once; aliases are nodes
 * shared by reference, and list values are read one level deep, so an alias bomb ("billion
 * laughs") costs no more than the text that defines it. The values read (list items, inputs)
 * are copied, so an alias of a long scalar repeated many times could still expand: their
 * total size is capped at PLAN_EXPAND_MAX (16x the YAML text + 1 MiB), an error past it.
 */
#include "plan.h"
#include "yaml_tree.h"
#include <ctype.h>
#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

static int node_err(const yaml_tree *t, int node, char *err, const char *fmt, const char *a, const char *b) {
    char msg[ERR_MAX];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    return err_set(err, "%s:%d:%d: %s", yaml_tree_name(t), yaml_tree_line(t, node), yaml_tree_col(t, node), msg);
}

char *plan_path(const plan *p, const char *path) {
    if (path[0] == '/' || !p->dir || !strcmp(p->dir, ".")) return xstrdup(path);
    buf b = {0};
    buf_printf(&b, "%s/%s", p->dir, path);
    return b.p;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

#define PLAN_EXPAND_MAX(textlen) ((size_t)(textlen) * 16 + ((size_t)1 << 20))

/* Count n bytes of values against the plan's budget (aliases can repeat a long scalar). */
static int spend(size_t *budget, size_t n, const yaml_tree *t, int node, char *err) {
    if (n <= *budget) { *budget -= n; return 0; }
    return node_err(t, node, err, "values expand to more than 16 times the file's size (YAML aliases repeated?)", NULL, NULL);
}

/* Expand one input entry: a glob, a file or a directory (all regular files in it, sorted). */
static int add_input(plan *p, const yaml_tree *t, int node, const char *pat, size_t *budget, char *err) {
    if (spend(budget, strlen(pat) + 1, t, node, err)) return -1;
    char *full = plan_path(p, pat);
    struct stat sb;
    size_t before = p->inputs.n;
    if (!stat(full, &sb) && S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(full);
        struct dirent *e;
        strlist names = {0};
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            buf f = {0};
            buf_printf(&f, "%s/%s", full, e->d_name);
            if (!stat(f.p, &sb) && S_ISREG(sb.st_mode)) strlist_push(&names, f.p);
            buf_free(&f);
        }
        if (d) closedir(d);
        if (names.n) qsort(names.v, names.n, sizeof *names.v, cmp_str);
        for (size_t i = 0; i < names.n; i++) strlist_push(&p->inputs, names.v[i]);
        strlist_free(&names);
    } else {
        glob_t g;
        int r = glob(full, 0, NULL, &g);   /* glob sorts its matches */
        if (r == 0)
            for (size_t i = 0; i < g.gl_pathc; i++)
                if (!stat(g.gl_pathv[i], &sb) && S_ISREG(sb.st_mode)) strlist_push(&p->inputs, g.gl_pathv[i]);
        globfree(&g);
    }
    free(full);
    if (p->inputs.n == before) return node_err(t, node, err, "input '%s' matches no file", pat, NULL);
    size_t bytes = 0;
    for (size_t i = before; i < p->inputs.n; i++) bytes += strlen(p->inputs.v[i]) + 1;
    return spend(budget, bytes, t, node, err);
}

static int read_kv(plan_kv *kv, const yaml_tree *t, int knode, int vnode, size_t *budget, char *err) {
    memset(kv, 0, sizeof *kv);
    kv->key = xstrdup(yaml_tree_scalar(t, knode) ? yaml_tree_scalar(t, knode) : "");
    kv->line = yaml_tree_line(t, knode);
    kv->col = yaml_tree_col(t, knode);
    int kind = yaml_tree_kind(t, vnode);
    if (kind == YAML_TREE_SCALAR) {
        if (spend(budget, strlen(yaml_tree_scalar(t, vnode)) + 1, t, vnode, err)) return -1;
        strlist_push(&kv->values, yaml_tree_scalar(t, vnode));
        return 0;
    }
    if (kind == YAML_TREE_SEQ) {
        kv->is_list = 1;
        for (size_t i = 0; i < yaml_tree_len(t, vnode); i++) {
            const char *s = yaml_tree_scalar(t, yaml_tree_item(t, vnode, i));
            if (!s) return node_err(t, yaml_tree_item(t, vnode, i), err, "'%s': list items must be plain values", kv->key, NULL);
            if (spend(budget, strlen(s) + 1, t, yaml_tree_item(t, vnode, i), err)) return -1;
            strlist_push(&kv->values, s);
        }
        return 0;
    }
    return node_err(t, vnode, err, "'%s' needs a value or a list of values", kv->key, NULL);
}

static void kv_free(plan_kv *kv, size_t n) {
    for (size_t i = 0; i < n; i++) { free(kv[i].key); strlist_free(&kv[i].values); }
    free(kv);
}

/* Apply a step's key/values to stage s; errors name the YAML position. */
static int apply_kv(const plan *p, stage *s, const plan_kv *kv, char *err) {
    const opt_def *d = opt_find(s->cls->opts, kv->key);
    if (!d) {
        const char *sug = opt_suggest(s->cls->opts, kv->key);
        buf yk = {0};
        if (sug) { buf_adds(&yk, sug); for (size_t i = 0; i < yk.len; i++) if (yk.p[i] == '-') yk.p[i] = '_'; }
        if (sug) err_set(err, "%s:%d:%d: unknown option '%s' for %s (did you mean '%s'?)", p->path, kv->line, kv->col, kv->key, s->cls->name, yk.p);
        else err_set(err, "%s:%d:%d: unknown option '%s' for %s", p->path, kv->line, kv->col, kv->key, s->cls->name);
        buf_free(&yk);
        return -1;
    }
    int is_path = d->metavar && (strstr(d->metavar, "FILE") || strstr(d->metavar, "DIR") || strstr(d->metavar, "PATH"));
    char e2[ERR_MAX];
    if (d->type == OPT_STRS || !kv->is_list) {
        for (size_t i = 0; i < kv->values.n; i++) {
            char *v = is_path ? plan_path(p, kv->values.v[i]) : xstrdup(kv->values.v[i]);
            int r = opt_set(s->cls->opts, s->cfg, kv->key, v, e2);
            free(v);
            if (r) return err_set(err, "%s:%d:%d: %s: %s", p->path, kv->line, kv->col, s->cls->name, e2);
        }
        return 0;
    }
    buf j = {0};
    for (size_t i = 0; i < kv->values.n; i++) { if (i) buf_addc(&j, ','); buf_adds(&j, kv->values.v[i]); }
    int r = opt_set(s->cls->opts, s->cfg, kv->key, j.p ? j.p : "", e2);
    buf_free(&j);
    if (r) return err_set(err, "%s:%d:%d: %s: %s", p->path, kv->line, kv->col, s->cls->name, e2);
    return 0;
}

stage *plan_step_stage(const plan *p, size_t i, char *err) {
    const plan_step *st = &p->steps[i];
    stage *s = stage_new(st->cls);
    s->base_dir = p->dir;
    char e2[ERR_MAX];
    if (p->has_seed && opt_find(st->cls->opts, "seed")) {
        char v[32];
        snprintf(v, sizeof v, "%lld", p->seed);
        opt_set(st->cls->opts, s->cfg, "seed", v, e2);
    }
    for (size_t k = 0; k < st->nkv; k++)
        if (apply_kv(p, s, &st->kv[k], err)) { stage_free(s); return NULL; }
    if (stage_init(s, e2)) {
        err_set(err, "%s:%d:%d: %s: %s", p->path, st->line, st->col, st->cls->name, e2);
        stage_free(s);
        return NULL;
    }
    return s;
}

static const char *const top_keys[] = { "input", "workers", "seed", "steps", "output", "tokenize", "name", NULL };

static const char *suggest_in(const char *const *names, const char *key) {
    opt_def defs[32];
    size_t n = 0;
    for (; names[n] && n < 31; n++) { memset(&defs[n], 0, sizeof defs[n]); defs[n].name = names[n]; defs[n].type = OPT_STRING; }
    memset(&defs[n], 0, sizeof defs[n]);
    return opt_suggest(defs, key);
}

static int parse_int(const yaml_tree *t, int node, const char *key, long long *v, char *err) {
    const char *s = yaml_tree_scalar(t, node);
    char *end;
    if (!s || !*s) return node_err(t, node, err, "'%s' needs a number", key, NULL);
    *v = strtoll(s, &end, 10);
    if (*end) return node_err(t, node, err, "'%s': '%s' is not an integer", key, s);
    return 0;
}

static int load_steps(plan *p, const yaml_tree *t, int seq, const stage_class *const *stages, size_t *budget, char *err) {
    if (yaml_tree_kind(t, seq) != YAML_TREE_SEQ) return node_err(t, seq, err, "'steps' must be a list", NULL, NULL);
    size_t n = yaml_tree_len(t, seq);
    p->steps = xcalloc(n ? n : 1, sizeof *p->steps);
    for (size_t i = 0; i < n; i++) {
        int item = yaml_tree_item(t, seq, i), knode = 0, vnode = 0;
        const char *name = yaml_tree_scalar(t, item);
        if (!name) {
            if (yaml_tree_kind(t, item) != YAML_TREE_MAP || yaml_tree_len(t, item) != 1)
                return node_err(t, item, err, "a step is '- NAME: {options}'", NULL, NULL);
            vnode = yaml_tree_pair(t, item, 0, &knode);
            name = yaml_tree_scalar(t, knode);
        } else knode = item;
        const stage_class *cls = NULL;
        const char *names[32];
        size_t nn = 0;
        for (size_t k = 0; stages[k]; k++) {
            if (!stages[k]->name) continue;
            if (nn < 31) names[nn++] = stages[k]->name;
            if (name && !strcmp(stages[k]->name, name)) cls = stages[k];
        }
        names[nn] = NULL;
        if (!cls) {
            const char *sug = name ? suggest_in(names, name) : NULL;
            if (sug) return node_err(t, knode, err, "unknown step '%s' (did you mean '%s'?)", name, sug);
            return node_err(t, knode, err, "unknown step '%s'", name ? name : "?", NULL);
        }
        plan_step *st = &p->steps[p->nsteps++];
        st->cls = cls;
        st->line = yaml_tree_line(t, knode);
        st->col = yaml_tree_col(t, knode);
        int vk = yaml_tree_kind(t, vnode);
        if (vnode && vk == YAML_TREE_SCALAR && !*yaml_tree_scalar(t, vnode)) vk = YAML_TREE_NONE;  /* "- cat:" */
        if (vnode && vk != YAML_TREE_NONE && vk != YAML_TREE_MAP)
            return node_err(t, vnode, err, "options of step '%s' must be a mapping {key: value}", name, NULL);
        size_t nkv = vk == YAML_TREE_MAP ? yaml_tree_len(t, vnode) : 0;
        st->kv = xcalloc(nkv ? nkv : 1, sizeof *st->kv);
        for (size_t k = 0; k < nkv; k++) {
            int kk, vv = yaml_tree_pair(t, vnode, k, &kk);
            if (read_kv(&st->kv[st->nkv], t, kk, vv, budget, err)) { st->nkv++; return -1; }
            st->nkv++;
        }
    }
    return 0;
}

int plan_load(plan *p, const char *path, const stage_class *const *stages, char *err) {
    memset(p, 0, sizeof *p);
    p->path = xstrdup(path);
    const char *slash = strrchr(path, '/');
    p->dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
    p->workers = sysconf(_SC_NPROCESSORS_ONLN);
    if (p->workers < 1) p->workers = 1;
    p->out_compress = COMPRESS_ZSTD;
    if (stream_read_file(path, &p->text, err)) return -1;
    yaml_tree *t;
    if (yaml_tree_load_string(&t, p->text.p ? p->text.p : "", p->text.len, path, err)) return -1;
    int root = yaml_tree_root(t), r = -1;
    size_t budget = PLAN_EXPAND_MAX(p->text.len);
    unsigned seen = 0;          /* top-level keys met: a second 'steps:' would overrun p->steps */
    if (yaml_tree_kind(t, root) != YAML_TREE_MAP) { node_err(t, root, err, "a pipeline is a mapping (input:, steps:, output:)", NULL, NULL); goto out; }
    for (size_t i = 0; i < yaml_tree_len(t, root); i++) {
        int k, v = yaml_tree_pair(t, root, i, &k);
        const char *key = yaml_tree_scalar(t, k);
        if (!key) { node_err(t, k, err, "keys must be plain names", NULL, NULL); goto out; }
        int known = 0;
        for (size_t j = 0; top_keys[j]; j++)
            if (!strcmp(top_keys[j], key)) {
                known = 1;
                if (seen & (1u << j)) { node_err(t, k, err, "duplicate key '%s'", key, NULL); goto out; }
                seen |= 1u << j;
            }
        if (!known) {
            const char *sug = suggest_in(top_keys, key);
            if (sug) node_err(t, k, err, "unknown key '%s' (did you mean '%s'?)", key, sug);
            else node_err(t, k, err, "unknown key '%s' (known: input, workers, seed, steps, output, tokenize)%s", key, NULL);
            goto out;
        }
        if (!strcmp(key, "input")) {
            if (yaml_tree_kind(t, v) == YAML_TREE_SCALAR) { if (add_input(p, t, v, yaml_tree_scalar(t, v), &budget, err)) goto out; }
            else if (yaml_tree_kind(t, v) == YAML_TREE_SEQ) {
                for (size_t j = 0; j < yaml_tree_len(t, v); j++) {
                    int it = yaml_tree_item(t, v, j);
                    if (!yaml_tree_scalar(t, it)) { node_err(t, it, err, "input entries are paths or globs", NULL, NULL); goto out; }
                    if (add_input(p, t, it, yaml_tree_scalar(t, it), &budget, err)) goto out;
                }
            } else { node_err(t, v, err, "'input' is a path, a glob or a list of them", NULL, NULL); goto out; }
        } else if (!strcmp(key, "workers")) {
            if (parse_int(t, v, key, &p->workers, err)) goto out;
            if (p->workers < 1 || p->workers > 1024) { node_err(t, v, err, "'workers' must be 1..1024", NULL, NULL); goto out; }
        } else if (!strcmp(key, "seed")) {
            if (parse_int(t, v, key, &p->seed, err)) goto out;
            p->has_seed = 1;
        } else if (!strcmp(key, "steps")) {
            if (load_steps(p, t, v, stages, &budget, err)) goto out;
        } else if (!strcmp(key, "output")) {
            if (yaml_tree_kind(t, v) != YAML_TREE_MAP) { node_err(t, v, err, "'output' is a mapping {dir: DIR, compress: zstd|gzip|none}", NULL, NULL); goto out; }
            static const char *const out_keys[] = { "dir", "compress", "rejects", NULL };
            for (size_t j = 0; j < yaml_tree_len(t, v); j++) {
                int kk, vv = yaml_tree_pair(t, v, j, &kk);
                const char *ok = yaml_tree_scalar(t, kk), *ov = yaml_tree_scalar(t, vv);
                if (!ok || !ov) { node_err(t, kk, err, "output keys take plain values", NULL, NULL); goto out; }
                if (!strcmp(ok, "dir")) { free(p->out_dir); p->out_dir = plan_path(p, ov); }
                else if (!strcmp(ok, "compress")) {
                    if (compress_parse(ov, &p->out_compress) || p->out_compress == COMPRESS_AUTO) { node_err(t, vv, err, "compress: '%s' is not one of zstd|gzip|none", ov, NULL); goto out; }
                } else if (!strcmp(ok, "rejects")) p->keep_rejects = !strcmp(ov, "true") || !strcmp(ov, "yes") || !strcmp(ov, "1");
                else {
                    const char *sug = suggest_in(out_keys, ok);
                    if (sug) node_err(t, kk, err, "unknown output option '%s' (did you mean '%s'?)", ok, sug);
                    else node_err(t, kk, err, "unknown output option '%s' (known: dir, compress, rejects)%s", ok, NULL);
                    goto out;
                }
            }
        } else if (!strcmp(key, "tokenize")) {
            if (yaml_tree_kind(t, v) != YAML_TREE_MAP) { node_err(t, v, err, "'tokenize' is a mapping of winnow tokenize options", NULL, NULL); goto out; }
            p->has_tokenize = 1;
            size_t n = yaml_tree_len(t, v);
            p->tokenize = xcalloc(n ? n : 1, sizeof *p->tokenize);
            for (size_t j = 0; j < n; j++) {
                int kk, vv = yaml_tree_pair(t, v, j, &kk);
                if (read_kv(&p->tokenize[p->ntokenize], t, kk, vv, &budget, err)) { p->ntokenize++; goto out; }
                p->ntokenize++;
            }
        }
    }
    if (!p->inputs.n) { err_set(err, "%s: no 'input' (a path, glob or list of them)", path); goto out; }
    if (!p->out_dir && !p->has_tokenize) { err_set(err, "%s: no 'output: {dir: ...}' and no 'tokenize:' section", path); goto out; }
    /* validate every step completely now */
    for (size_t i = 0; i < p->nsteps; i++) {
        stage *s = plan_step_stage(p, i, err);
        if (!s) goto out;
        stage_free(s);
    }
    r = 0;
out:
    yaml_tree_free(t);
    return r;
}

void plan_free(plan *p) {
    for (size_t i = 0; i < p->nsteps; i++) kv_free(p->steps[i].kv, p->steps[i].nkv);
    free(p->steps);
    kv_free(p->tokenize, p->ntokenize);
    strlist_free(&p->inputs);
    free(p->path);
    free(p->dir);
    free(p->out_dir);
    buf_free(&p->text);
    memset(p, 0, sizeof *p);
}

void plan_hash(const plan *p, char hex[17]) {
    XXH3_state_t *st = XXH3_createState();
    XXH3_64bits_reset(st);
    XXH3_64bits_update(st, p->text.p ? p->text.p : "", p->text.len);
    for (size_t i = 0; i < p->inputs.n; i++) XXH3_64bits_update(st, p->inputs.v[i], strlen(p->inputs.v[i]) + 1);
    snprintf(hex, 17, "%016llx", (unsigned long long)XXH3_64bits_digest(st));
    XXH3_freeState(st);
}
