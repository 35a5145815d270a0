/*
 * opt — see opt.h. Parsing is table-driven: one opt_def per option, found by either spelling
 * (dashes or underscores). Values are validated completely before they are stored.
 */
#include "opt.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD(cfg, d, T) ((T *)((char *)(cfg) + (d)->off))

void strlist_push(strlist *l, const char *s) {
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = xstrdup(s);
}
void strlist_free(strlist *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
void strlist_split(strlist *l, const char *csv) {
    const char *p = csv;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        while (n && isspace((unsigned char)*p)) { p++; n--; }
        size_t m = n;
        while (m && isspace((unsigned char)p[m - 1])) m--;
        if (m) {
            char *s = xstrndup(p, m);
            strlist_push(l, s);
            free(s);
        }
        p += n;
        if (*p == ',') p++;
    }
}
int strlist_has(const strlist *l, const char *s) {
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s)) return 1;
    return 0;
}

/* Compare names treating '-' and '_' as equal. */
static int name_eq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        char x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;
        if (x != y) return 0;
    }
    return *a == *b;
}

const opt_def *opt_find(const opt_def *defs, const char *name) {
    for (const opt_def *d = defs; d && d->name; d++)
        if (name_eq(d->name, name)) return d;
    return NULL;
}

static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            char x = a[i - 1] == '_' ? '-' : a[i - 1], y = b[j - 1] == '_' ? '-' : b[j - 1];
            size_t c = prev[j - 1] + (x != y);
            if (prev[j] + 1 < c) c = prev[j] + 1;
            if (cur[j - 1] + 1 < c) c = cur[j - 1] + 1;
            cur[j] = c;
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

const char *opt_suggest(const opt_def *defs, const char *name) {
    const char *best = NULL;
    size_t bestd = 4;
    for (const opt_def *d = defs; d && d->name; d++) {
        size_t e = edit_distance(name, d->name);
        if (e < bestd) { bestd = e; best = d->name; }
    }
    return best;
}

int opt_parse_size(const char *s, long long *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0) return -1;
    double mul = 1;
    switch (toupper((unsigned char)*end)) {
    case 0: break;
    case 'K': mul = 1024.0; end++; break;
    case 'M': mul = 1024.0 * 1024; end++; break;
    case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
    case 'T': mul = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: return -1;
    }
    if (toupper((unsigned char)*end) == 'B') end++;
    if (*end) return -1;
    *out = (long long)(v * mul);
    return 0;
}

static int in_choices(const char *choices, const char *v, size_t n) {
    const char *p = choices;
    while (*p) {
        const char *e = strchr(p, '|');
        size_t m = e ? (size_t)(e - p) : strlen(p);
        if (m == n && !memcmp(p, v, n)) return 1;
        p += m;
        if (*p == '|') p++;
    }
    return 0;
}

static int check_range(const opt_def *d, double v, const char *value, char *err) {
    if (d->min < d->max && (v < d->min || v > d->max))
        return err_set(err, "--%s: %s is out of range [%g, %g]", d->name, value, d->min, d->max);
    return 0;
}

static int set_value(const opt_def *d, void *cfg, const char *value, char *err) {
    char *end;
    switch (d->type) {
    case OPT_BOOL: {
        int v;
        if (!strcmp(value, "1") || !strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcasecmp(value, "on")) v = 1;
        else if (!strcmp(value, "0") || !strcasecmp(value, "false") || !strcasecmp(value, "no") || !strcasecmp(value, "off")) v = 0;
        else return err_set(err, "--%s: '%s' is not a boolean (true/false)", d->name, value);
        *FIELD(cfg, d, int) = v;
        return 0;
    }
    case OPT_INT: {
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (end == value || *end || errno) {
            /* allow 1e6-style and 100M-style integers for counts */
            long long sz;
            double dv = strtod(value, &end);
            if (end != value && !*end && dv == floor(dv) && fabs(dv) < 9e18) v = (long long)dv;
            else if (!opt_parse_size(value, &sz)) v = sz;
            else return err_set(err, "--%s: '%s' is not an integer", d->name, value);
        }
        if (check_range(d, (double)v, value, err)) return -1;
        *FIELD(cfg, d, long long) = v;
        return 0;
    }
    case OPT_DOUBLE: {
        errno = 0;
        double v = strtod(value, &end);
        if (end == value || *end || errno || isnan(v)) return err_set(err, "--%s: '%s' is not a number", d->name, value);
        if (check_range(d, v, value, err)) return -1;
        *FIELD(cfg, d, double) = v;
        return 0;
    }
    case OPT_SIZE: {
        long long v;
        if (opt_parse_size(value, &v)) return err_set(err, "--%s: '%s' is not a size (like 512M or 2G)", d->name, value);
        if (check_range(d, (double)v, value, err)) return -1;
        *FIELD(cfg, d, long long) = v;
        return 0;
    }
    case OPT_ENUM:
        if (d->choices && !in_choices(d->choices, value, strlen(value)))
            return err_set(err, "--%s: '%s' is not one of %s", d->name, value, d->choices);
        /* fall through */
    case OPT_STRING: {
        char **f = FIELD(cfg, d, char *);
        free(*f);
        *f = xstrdup(value);
        return 0;
    }
    case OPT_LIST: {
        if (d->choices) {
            const char *p = value;
            while (*p) {
                const char *e = strchr(p, ',');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                const char *q = p;
                size_t m = n;
                while (m && isspace((unsigned char)*q)) { q++; m--; }
                while (m && isspace((unsigned char)q[m - 1])) m--;
                if (m && !in_choices(d->choices, q, m))
                    return err_set(err, "--%s: '%.*s' is not one of %s", d->name, (int)m, q, d->choices);
                p += n;
                if (*p == ',') p++;
            }
        }
        char **f = FIELD(cfg, d, char *);
        free(*f);
        *f = xstrdup(value);
        return 0;
    }
    case OPT_STRS:
        strlist_push(FIELD(cfg, d, strlist), value);
        return 0;
    case OPT_END: break;
    }
    return err_set(err, "--%s: bad option type", d->name);
}

void opt_defaults(const opt_def *defs, void *cfg) {
    for (const opt_def *d = defs; d && d->name; d++) {
        switch (d->type) {
        case OPT_BOOL: *FIELD(cfg, d, int) = 0; break;
        case OPT_INT: case OPT_SIZE: *FIELD(cfg, d, long long) = 0; break;
        case OPT_DOUBLE: *FIELD(cfg, d, double) = 0; break;
        case OPT_STRING: case OPT_ENUM: case OPT_LIST: *FIELD(cfg, d, char *) = NULL; break;
        case OPT_STRS: FIELD(cfg, d, strlist)->v = NULL; FIELD(cfg, d, strlist)->n = 0; break;
        case OPT_END: break;
        }
        if (d->def) {
            char err[ERR_MAX];
            if (d->type == OPT_STRS) strlist_split(FIELD(cfg, d, strlist), d->def);
            else if (set_value(d, cfg, d->def, err)) abort();   /* a bad default is a bug */
        }
    }
}

void opt_free(const opt_def *defs, void *cfg) {
    for (const opt_def *d = defs; d && d->name; d++) {
        if (d->type == OPT_STRING || d->type == OPT_ENUM || d->type == OPT_LIST) {
            free(*FIELD(cfg, d, char *));
            *FIELD(cfg, d, char *) = NULL;
        } else if (d->type == OPT_STRS) strlist_free(FIELD(cfg, d, strlist));
    }
}

int opt_set(const opt_def *defs, void *cfg, const char *name, const char *value, char *err) {
    const opt_def *d = opt_find(defs, name);
    if (!d) {
        const char *s = opt_suggest(defs, name);
        if (s) return err_set(err, "unknown option '%s' (did you mean '%s'?)", name, s);
        return err_set(err, "unknown option '%s'", name);
    }
    return set_value(d, cfg, value, err);
}

static const opt_def *find_short(const opt_def *defs, char c) {
    for (const opt_def *d = defs; d && d->name; d++)
        if (d->shortname == c) return d;
    return NULL;
}

int opt_parse_argv(const opt_def *const *tables, void *const *cfgs, size_t ntables,
                   int argc, char **argv, char *err) {
    int npos = 0;
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || !a[1]) { argv[npos++] = a; continue; }
        if (!strcmp(a, "--")) { only_pos = 1; continue; }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return -2;
        const opt_def *d = NULL;
        void *cfg = NULL;
        const char *value = NULL;
        char namebuf[128];
        int negate = 0;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nl = eq ? (size_t)(eq - name) : strlen(name);
            if (nl >= sizeof namebuf) return err_set(err, "unknown option '%s'", a);
            memcpy(namebuf, name, nl);
            namebuf[nl] = 0;
            if (eq) value = eq + 1;
            for (size_t t = 0; t < ntables && !d; t++)
                if ((d = opt_find(tables[t], namebuf))) cfg = cfgs[t];
            if (!d && !strncmp(namebuf, "no-", 3)) {
                for (size_t t = 0; t < ntables && !d; t++)
                    if ((d = opt_find(tables[t], namebuf + 3)) && d->type == OPT_BOOL) { cfg = cfgs[t]; negate = 1; }
                    else d = NULL;
            }
            if (!d) {
                const char *best = NULL;
                for (size_t t = 0; t < ntables && !best; t++) best = opt_suggest(tables[t], namebuf);
                if (best) return err_set(err, "unknown option '--%s' (did you mean '--%s'?)", namebuf, best);
                return err_set(err, "unknown option '--%s'", namebuf);
            }
        } else {
            for (size_t t = 0; t < ntables && !d; t++)
                if ((d = find_short(tables[t], a[1]))) cfg = cfgs[t];
            if (!d) return err_set(err, "unknown option '-%c'", a[1]);
            if (a[2]) value = a + 2;
        }
        if (d->type == OPT_BOOL && !value) {
            *FIELD(cfg, d, int) = !negate;
            continue;
        }
        if (negate) return err_set(err, "--no-%s takes no value", d->name);
        if (!value) {
            if (i + 1 >= argc) return err_set(err, "--%s needs a value", d->name);
            value = argv[++i];
        }
        if (set_value(d, cfg, value, err)) return -1;
    }
    return npos;
}

static const char *metavar(const opt_def *d) {
    if (d->metavar) return d->metavar;
    switch (d->type) {
    case OPT_INT: return "N";
    case OPT_DOUBLE: return "X";
    case OPT_SIZE: return "SIZE";
    case OPT_ENUM: return d->choices;
    case OPT_LIST: return "LIST";
    case OPT_STRS: return "S";
    default: return "S";
    }
}

void opt_help(const opt_def *defs, buf *out) {
    for (const opt_def *d = defs; d && d->name; d++) {
        char left[160];
        if (d->type == OPT_BOOL)
            snprintf(left, sizeof left, "%s%c%s--%s", d->shortname ? "-" : "", d->shortname ? d->shortname : ' ',
                     d->shortname ? ", " : "  ", d->name);
        else
            snprintf(left, sizeof left, "%s%c%s--%s %s", d->shortname ? "-" : "", d->shortname ? d->shortname : ' ',
                     d->shortname ? ", " : "  ", d->name, metavar(d));
        buf_printf(out, "  %-34s %s", left + (d->shortname ? 0 : 1), d->help ? d->help : "");
        if (d->type == OPT_LIST && d->choices) buf_printf(out, " (of %s)", d->choices);
        if (d->type == OPT_STRS && (!d->help || !strstr(d->help, "repeatable"))) buf_adds(out, " (repeatable)");
        if (d->def && d->type != OPT_BOOL) buf_printf(out, " [default: %s]", d->def);
        else if (d->def && d->type == OPT_BOOL && !strcmp(d->def, "true")) buf_adds(out, " [default: on]");
        buf_addc(out, '\n');
    }
}
