/*
 * opt — option tables: one declaration per parameter drives the CLI flag (--min-words 50,
 * --min-words=50), the YAML key (min_words: 50), the -h text and validation (type, range,
 * choices). Names are declared with dashes; the YAML form replaces '-' by '_'; both forms are
 * accepted everywhere.
 *
 * Storage: each option writes into a config struct at `off`:
 *   OPT_BOOL   int          ("true/false/1/0/yes/no"; as a flag: --x sets 1, --no-x sets 0)
 *   OPT_INT    long long    (range [min,max] when min < max)
 *   OPT_DOUBLE double       (range likewise)
 *   OPT_SIZE   long long    bytes, with K/M/G/T suffixes (powers of 1024)
 *   OPT_STRING char*        (malloc'd; opt_free releases)
 *   OPT_ENUM   char*        one of `choices` ("a|b|c")
 *   OPT_LIST   char*        comma-separated list; each element one of `choices` if given
 *                           (YAML lists are joined with ',' before opt_set)
 *   OPT_STRS   strlist      repeatable (--special A --special B), YAML list or string
 * Invariant: after opt_defaults every option holds its default; opt_set validates before it
 * stores, so a config is never half-valid.
 */
#ifndef WN_OPT_H
#define WN_OPT_H
#include <stddef.h>
#include "buf.h"

typedef enum { OPT_END = 0, OPT_BOOL, OPT_INT, OPT_DOUBLE, OPT_SIZE, OPT_STRING, OPT_ENUM,
               OPT_LIST, OPT_STRS } opt_type;

typedef struct strlist { char **v; size_t n; } strlist;

typedef struct opt_def {
    const char *name;       /* "min-words" */
    char shortname;         /* 'n' or 0 */
    opt_type type;
    size_t off;             /* offsetof(cfg, field) */
    const char *def;        /* default as text, NULL = none (0 / NULL / empty) */
    const char *help;       /* one line */
    double min, max;        /* numeric range if min < max */
    const char *choices;    /* "a|b|c" for ENUM and LIST */
    const char *metavar;    /* "N", "FILE"...; NULL: derived from type */
} opt_def;

#define OPT_DEF_END { 0 }

void opt_defaults(const opt_def *defs, void *cfg);
void opt_free(const opt_def *defs, void *cfg);
const opt_def *opt_find(const opt_def *defs, const char *name);   /* either spelling */
/* Set by name (either spelling) from text. -1 with err ("--min-words: 'x' is not an integer",
 * "--rules: 'gopherr' is not one of gopher|gopher-rep|c4|fineweb"). */
int opt_set(const opt_def *defs, void *cfg, const char *name, const char *value, char *err);
/* Nearest declared name to an unknown one (edit distance <= 3), or NULL. */
const char *opt_suggest(const opt_def *defs, const char *name);

/* Parse argv against several tables in order (a stage's table, then the common table).
 * Options and positional arguments may be interleaved; "--" ends options. Positional
 * arguments are moved to the front of argv and their count returned; -1 with err on error
 * (unknown option: "unknown option '--min-word' (did you mean '--min-words'?)").
 * "-h"/"--help" returns -2. */
int opt_parse_argv(const opt_def *const *tables, void *const *cfgs, size_t ntables,
                   int argc, char **argv, char *err);

/* Append the help text of a table (aligned "  --name VALUE   help (default: x)"). */
void opt_help(const opt_def *defs, buf *out);

void strlist_push(strlist *l, const char *s);
void strlist_free(strlist *l);
/* Split "a,b,c" into l (appending); empty elements skipped. */
void strlist_split(strlist *l, const char *csv);
int strlist_has(const strlist *l, const char *s);

/* Parse helpers shared with YAML loading. */
int opt_parse_size(const char *s, long long *out);   /* "2G" -> 2147483648 */

#endif
