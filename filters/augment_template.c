/*
 * augment_template — bioS-style rendering of structured facts (Physics of Language Models
 * 3.1): per variant, one template per attribute and one sentence order, both drawn from the
 * hash (seed, id, k), so M variants state the same facts in M shapes.
 *
 * File format (YAML): a mapping attribute -> list of templates, optionally under a top-level
 * `templates:` key. Placeholders: {name} {value} {pronoun} {Pronoun} {possessive} {Possessive}.
 * Under fullname (and in a text's first sentence) {pronoun} and a sentence-opening {Possessive}
 * become the name; a lower-case {possessive} follows a named subject and stays his/her/their.
 * Costs: loading is once per stage; rendering is linear in the output.
 */
#include "augment.h"
#include "../pipeline/yaml_tree.h"
#include <stdlib.h>
#include <string.h>

typedef struct tmpl_attr { char *attr; char **v; size_t n; } tmpl_attr;
struct augment_templates { tmpl_attr *a; size_t n; };

void augment_templates_free(augment_templates *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->a[i].n; j++) free(t->a[i].v[j]);
        free(t->a[i].v);
        free(t->a[i].attr);
    }
    free(t->a);
    free(t);
}

static int from_tree(augment_templates **out, const yaml_tree *y, char *err) {
    int root = yaml_tree_root(y);
    int inner = yaml_tree_get(y, root, "templates");
    if (inner) root = inner;
    if (yaml_tree_kind(y, root) != YAML_TREE_MAP)
        return err_set(err, "%s:%d: expected a mapping attribute -> list of templates", yaml_tree_name(y), yaml_tree_line(y, root));
    augment_templates *t = xcalloc(1, sizeof *t);
    size_t n = yaml_tree_len(y, root);
    t->a = xcalloc(n ? n : 1, sizeof *t->a);
    for (size_t i = 0; i < n; i++) {
        int kn, vn = yaml_tree_pair(y, root, i, &kn);
        const char *k = yaml_tree_scalar(y, kn);
        size_t m = yaml_tree_len(y, vn);
        if (!k || yaml_tree_kind(y, vn) != YAML_TREE_SEQ || !m) {
            augment_templates_free(t);
            return err_set(err, "%s:%d: %s: expected a non-empty list of templates", yaml_tree_name(y), yaml_tree_line(y, kn), k ? k : "?");
        }
        tmpl_attr *a = &t->a[t->n++];
        a->attr = xstrdup(k);
        a->v = xcalloc(m, sizeof *a->v);
        for (size_t j = 0; j < m; j++) {
            int it = yaml_tree_item(y, vn, j);
            const char *s = yaml_tree_scalar(y, it);
            if (!s || !strstr(s, "{value}")) {
                augment_templates_free(t);
                return err_set(err, "%s:%d: %s: each template must be a string containing {value}", yaml_tree_name(y), yaml_tree_line(y, it), k);
            }
            a->v[a->n++] = xstrdup(s);
        }
    }
    *out = t;
    return 0;
}

int augment_templates_parse(augment_templates **out, const char *s, size_t n, const char *name, char *err) {
    yaml_tree *y;
    *out = NULL;
    if (yaml_tree_load_string(&y, s, n, name, err)) return -1;
    int rc = from_tree(out, y, err);
    yaml_tree_free(y);
    return rc;
}

int augment_templates_load(augment_templates **out, const char *path, char *err) {
    yaml_tree *y;
    *out = NULL;
    if (yaml_tree_load_file(&y, path, err)) return -1;
    int rc = from_tree(out, y, err);
    yaml_tree_free(y);
    return rc;
}

static const tmpl_attr *find(const augment_templates *t, const char *attr) {
    for (size_t i = 0; t && i < t->n; i++) if (!strcmp(t->a[i].attr, attr)) return &t->a[i];
    return NULL;
}

size_t augment_templates_count(const augment_templates *t, const char *attr) {
    const tmpl_attr *a = find(t, attr);
    return a ? a->n : 0;
}

static const char *possessive_of(const char *pr) {
    if (!strcasecmp(pr, "he")) return "his";
    if (!strcasecmp(pr, "she")) return "her";
    if (!strcasecmp(pr, "they")) return "their";
    if (!strcasecmp(pr, "it")) return "its";
    return NULL;
}

static void add_cap(buf *out, const char *s, int cap) {
    size_t at = out->len;
    buf_adds(out, s);
    if (cap && out->len > at && out->p[at] >= 'a' && out->p[at] <= 'z') out->p[at] -= 32;
}

static void render_one(buf *out, const char *tp, const char *name, const char *pronoun,
                       const char *value, int use_name) {
    const char *p = tp;
    while (*p) {
        const char *b = strchr(p, '{');
        if (!b) { buf_adds(out, p); break; }
        buf_add(out, p, (size_t)(b - p));
        const char *e = strchr(b, '}');
        if (!e) { buf_adds(out, b); break; }
        size_t kl = (size_t)(e - b - 1);
        const char *k = b + 1;
        int cap = kl && k[0] >= 'A' && k[0] <= 'Z';
        #define KEY(s) (kl == sizeof(s) - 1 && !strncasecmp(k, s, kl))
        if (KEY("name")) buf_adds(out, name);
        else if (KEY("value")) buf_adds(out, value);
        else if (KEY("pronoun")) {
            if (use_name || !pronoun) buf_adds(out, name);
            else add_cap(out, pronoun, cap);
        } else if (KEY("possessive")) {
            /* {Possessive} opens a sentence: the name there under fullname; a lower-case
             * {possessive} follows a named subject, so it stays his/her/their */
            const char *ps = pronoun ? possessive_of(pronoun) : NULL;
            if ((use_name && cap) || !ps) { buf_adds(out, name); buf_adds(out, "'s"); }
            else add_cap(out, ps, cap);
        } else buf_add(out, b, kl + 2);
        #undef KEY
        p = e + 1;
    }
}

void augment_template_render(const augment_templates *t, const char *name, const char *pronoun,
                             const augment_fact *facts, size_t n, uint64_t h, int fullname, buf *out) {
    augment_rng r = { h };
    size_t order_stack[64], *order = n <= 64 ? order_stack : xmalloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++) order[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = augment_rng_below(&r, i);
        size_t x = order[i - 1]; order[i - 1] = order[j]; order[j] = x;
    }
    for (size_t i = 0; i < n; i++) {
        const augment_fact *f = &facts[order[i]];
        const tmpl_attr *a = find(t, f->attr);
        if (i) buf_addc(out, ' ');
        if (a) render_one(out, a->v[augment_rng_below(&r, a->n)], name, pronoun, f->value, fullname || i == 0);
        else {
            buf_adds(out, "The ");
            for (const char *c = f->attr; *c; c++) buf_addc(out, *c == '_' ? ' ' : *c);
            buf_printf(out, " of %s is %s.", name, f->value);
        }
    }
    if (order != order_stack) free(order);
}
