/*
 * yaml_tree — a small read-only view of one YAML document (libyaml's document loader) for the
 * configuration files of tag and augment (rules, templates, prompts). Nodes are integers
 * (libyaml's 1-based node indices); 0 means "none", so lookups chain without checks:
 * yaml_tree_scalar(t, yaml_tree_get(t, root, "default")) is NULL when the key is absent.
 *
 * Costs: the whole document is held in memory; lookups are linear in the size of a mapping
 * (configuration files are small). Not for per-document use.
 */
#ifndef WN_YAML_TREE_H
#define WN_YAML_TREE_H
#include <stddef.h>

typedef struct yaml_tree yaml_tree;

enum { YAML_TREE_NONE = 0, YAML_TREE_SCALAR, YAML_TREE_SEQ, YAML_TREE_MAP };

/* Load a file / a string (name is used in messages). 0, or -1 with err "FILE:LINE: reason". */
int yaml_tree_load_file(yaml_tree **out, const char *path, char *err);
int yaml_tree_load_string(yaml_tree **out, const char *s, size_t n, const char *name, char *err);
void yaml_tree_free(yaml_tree *t);

int yaml_tree_root(const yaml_tree *t);
int yaml_tree_kind(const yaml_tree *t, int node);
const char *yaml_tree_scalar(const yaml_tree *t, int node);     /* NULL unless a scalar */
int yaml_tree_get(const yaml_tree *t, int map, const char *key); /* value node of key, or 0 */
size_t yaml_tree_len(const yaml_tree *t, int node);             /* items / pairs; 0 for others */
int yaml_tree_item(const yaml_tree *t, int seq, size_t i);
int yaml_tree_pair(const yaml_tree *t, int map, size_t i, int *key);   /* returns value node */
int yaml_tree_line(const yaml_tree *t, int node);               /* 1-based line, for messages */
int yaml_tree_col(const yaml_tree *t, int node);                /* 1-based column */
const char *yaml_tree_name(const yaml_tree *t);

#endif
