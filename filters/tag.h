/*
 * tag — domain-tag injection (Physics of Language Models 3.3): prefix (or suffix) each
 * document with a tag naming its source, e.g. "<Wikipedia.org>\n...".
 *
 * Rules come from YAML, tried in order, first match wins:
 *   rules:
 *     - match: {url_host: wikipedia.org}          # host suffix, label-aligned
 *       tag: "<Wikipedia.org>"                     # literal tag, or
 *     - match: {source: "brown-?"}          # exact, or an fnmatch glob
 *       domain: brown.edu                          # rendered through the template
 *     - match: {field: {path: meta.lang, equals: ko}}
 *       tag: "<ko>"
 *   default: none | from-host | "<literal>"
 * A match with several keys needs all of them; a key's value may be a list (any of them).
 * Short form: the match keys beside the tag, `- {source: "brown-?", tag: "<brown.edu>"}`.
 * A rule with neither tag nor domain but a single url_host uses that host as its domain.
 *
 * Costs: matching is linear in the number of rules; no allocation per document (from-host
 * renders into a caller-owned buffer).
 */
#ifndef WN_TAG_H
#define WN_TAG_H
#include "../pipeline/stage.h"

typedef struct tag_rules tag_rules;

/* Parse rules (YAML text or a file). tmpl renders domains ("<{domain}>"). 0 or -1 with err. */
int tag_rules_parse(tag_rules **out, const char *yaml, size_t n, const char *name,
                    const char *tmpl, char *err);
int tag_rules_load(tag_rules **out, const char *path, const char *tmpl, char *err);
void tag_rules_free(tag_rules *r);

/* The tag for d, or NULL for none. *rule is the matching rule's index, or -1 for the default.
 * scratch: two caller-owned buffers (reused, no allocation once grown); a from-host tag is
 * rendered into scratch[0] (valid until it changes). */
const char *tag_rules_match(const tag_rules *r, const doc *d, buf scratch[2], int *rule);
/* Every tag the rules can emit apart from from-host ones (one per line into out, each once,
 * in rule order); returns 1 if the default is from-host (open-ended), else 0. */
int tag_rules_static_tags(const tag_rules *r, buf *out);

/* The host of a URL ("https://user@En.Wikipedia.org:443/x" -> "En.Wikipedia.org"); 0 if none. */
int tag_url_host(const char *url, size_t n, const char **host, size_t *hlen);
/* 1 if host equals suffix or ends with "." suffix (ASCII case-insensitive, trailing dots
 * ignored): wikipedia.org matches en.wikipedia.org, not notwikipedia.org. */
int tag_host_matches(const char *host, size_t hn, const char *suffix);
/* Render tmpl with {domain} replaced by domain into out (appending). */
void tag_render(const char *tmpl, const char *domain, size_t dn, buf *out);

extern const stage_class tag_stage;

#endif
