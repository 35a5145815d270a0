/*
 * yaml_tree — see yaml_tree.h. A thin wrapper over libyaml's yaml_document_t: the loader
 * builds the node graph once; accessors only index into it.
 */
#include "yaml_tree.h"
#include "../pipeline/buf.h"
#include <yaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct yaml_tree {
    yaml_document_t doc;
    char *name;
};

static int load(yaml_tree **out, yaml_parser_t *p, const char *name, char *err) {
    yaml_tree *t = xcalloc(1, sizeof *t);
    *out = NULL;
    if (!yaml_parser_load(p, &t->doc)) {
        err_set(err, "%s:%zu:%zu: invalid YAML: %s", name, p->problem_mark.line + 1, p->problem_mark.column + 1,
                p->problem ? p->problem : "parse error");
        free(t);
        return -1;
    }
    t->name = xstrdup(name);
    if (!yaml_document_get_root_node(&t->doc)) {
        yaml_tree_free(t);
        return err_set(err, "%s: empty YAML document", name);
    }
    /* a second document would be silently ignored: refuse it */
    yaml_document_t next;
    if (!yaml_parser_load(p, &next)) {
        err_set(err, "%s:%zu:%zu: invalid YAML: %s", name, p->problem_mark.line + 1, p->problem_mark.column + 1,
                p->problem ? p->problem : "parse error");
        yaml_tree_free(t);
        return -1;
    }
    if (yaml_document_get_root_node(&next)) {
        size_t line = next.start_mark.line + 1;
        yaml_document_delete(&next);
        yaml_tree_free(t);
        return err_set(err, "%s:%zu: a second YAML document ('---'): only one is allowed", name, line);
    }
    yaml_document_delete(&next);
    *out = t;
    return 0;
}

int yaml_tree_load_file(yaml_tree **out, const char *path, char *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return err_set(err, "%s: cannot open: %m", path);
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int r = load(out, &p, path, err);
    yaml_parser_delete(&p);
    fclose(f);
    return r;
}

int yaml_tree_load_string(yaml_tree **out, const char *s, size_t n, const char *name, char *err) {
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)s, n);
    int r = load(out, &p, name, err);
    yaml_parser_delete(&p);
    return r;
}

void yaml_tree_free(yaml_tree *t) {
    if (!t) return;
    yaml_document_delete(&t->doc);
    free(t->name);
    free(t);
}

static yaml_node_t *node(const yaml_tree *t, int i) {
    return i > 0 ? yaml_document_get_node((yaml_document_t *)&t->doc, i) : NULL;
}

int yaml_tree_root(const yaml_tree *t) { return 1; }

int yaml_tree_kind(const yaml_tree *t, int i) {
    yaml_node_t *n = node(t, i);
    if (!n) return YAML_TREE_NONE;
    switch (n->type) {
    case YAML_SCALAR_NODE: return YAML_TREE_SCALAR;
    case YAML_SEQUENCE_NODE: return YAML_TREE_SEQ;
    case YAML_MAPPING_NODE: return YAML_TREE_MAP;
    default: return YAML_TREE_NONE;
    }
}

const char *yaml_tree_scalar(const yaml_tree *t, int i) {
    yaml_node_t *n = node(t, i);
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

size_t yaml_tree_len(const yaml_tree *t, int i) {
    yaml_node_t *n = node(t, i);
    if (!n) return 0;
    if (n->type == YAML_SEQUENCE_NODE) return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (n->type == YAML_MAPPING_NODE) return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    return 0;
}

int yaml_tree_item(const yaml_tree *t, int seq, size_t i) {
    yaml_node_t *n = node(t, seq);
    if (!n || n->type != YAML_SEQUENCE_NODE || i >= yaml_tree_len(t, seq)) return 0;
    return n->data.sequence.items.start[i];
}

int yaml_tree_pair(const yaml_tree *t, int map, size_t i, int *key) {
    yaml_node_t *n = node(t, map);
    if (!n || n->type != YAML_MAPPING_NODE || i >= yaml_tree_len(t, map)) { if (key) *key = 0; return 0; }
    if (key) *key = n->data.mapping.pairs.start[i].key;
    return n->data.mapping.pairs.start[i].value;
}

int yaml_tree_get(const yaml_tree *t, int map, const char *key) {
    size_t n = yaml_tree_len(t, map);
    if (yaml_tree_kind(t, map) != YAML_TREE_MAP) return 0;
    for (size_t i = 0; i < n; i++) {
        int k, v = yaml_tree_pair(t, map, i, &k);
        const char *ks = yaml_tree_scalar(t, k);
        if (ks && !strcmp(ks, key)) return v;
    }
    return 0;
}

int yaml_tree_line(const yaml_tree *t, int i) {
    yaml_node_t *n = node(t, i);
    return n ? (int)n->start_mark.line + 1 : 0;
}

const char *yaml_tree_name(const yaml_tree *t) { return t->name; }

int yaml_tree_col(const yaml_tree *t, int i) {
    yaml_node_t *n = node(t, i);
    return n ? (int)n->start_mark.column + 1 : 0;
}
