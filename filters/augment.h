/*
 * augment — paraphrase augmentation (Physics of Language Models 3.1): for each document emit
 * the original (unless --no-original) and --copies M variants "<id>#aug<k>", each made by
 * applying the --method list in order. Methods:
 *   permute   shuffle sentence order (ICU sentences), optionally keeping the first
 *   fullname  replace subject pronouns with meta.name
 *   template  render meta.facts through a template set (bioS multiM + permute + fullname)
 *   synonym   replace content words with WordNet synonyms (wordnet.h)
 *   llm       rephrase through an OpenAI-compatible endpoint (llm.h)
 * Every random choice is a function of (seed, id, k): output is deterministic and order-free.
 *
 * This header also exposes the pure text methods so tests can call them on strings.
 * Costs: permute O(n) plus ICU sentence breaking; fullname O(n * pronouns); template
 * O(facts * template length); none allocates per document once buffers have grown.
 */
#ifndef WN_AUGMENT_H
#define WN_AUGMENT_H
#include "../pipeline/stage.h"
#include "text.h"

/* A splitmix64 stream: the deterministic source every method draws from. */
typedef struct augment_rng { uint64_t s; } augment_rng;
uint64_t augment_rng_next(augment_rng *r);
size_t augment_rng_below(augment_rng *r, size_t n);          /* uniform in [0, n) */

/* Shuffle the sentences of p[0..n): sentence bodies move, the whitespace between them stays
 * in place. Appends to out. Returns the number of sentences, -1 with err on ICU failure. */
int augment_permute(text_ctx *tc, const char *p, size_t n, uint64_t h, int keep_first,
                    text_spans *scratch, buf *out, char *err);

/* Replace whole-word occurrences of each pronoun (and its capitalised form) with name.
 * pronouns: NULL-terminated list; NULL means he, she, they. A pronoun followed by an
 * apostrophe (he's, they're) is left alone. Appends to out; returns the count replaced. */
size_t augment_fullname(const char *p, size_t n, const char *name, size_t name_len,
                        const char *const *pronouns, buf *out);

/* Template sets: YAML mapping attribute -> list of sentence templates with {name},
 * {value}, {pronoun}/{Pronoun} (subject) and {possessive}/{Possessive} (his/her/their). */
typedef struct augment_templates augment_templates;
int augment_templates_load(augment_templates **out, const char *path, char *err);
int augment_templates_parse(augment_templates **out, const char *yaml, size_t n, const char *name, char *err);
void augment_templates_free(augment_templates *t);
size_t augment_templates_count(const augment_templates *t, const char *attr);

typedef struct augment_fact { const char *attr, *value; } augment_fact;
/* Render one text stating every fact: a template chosen per attribute and a sentence order,
 * both from h. With fullname, or in the first sentence, pronouns become the name. Attributes
 * without templates get "The <attr> of <name> is <value>." Appends to out. */
void augment_template_render(const augment_templates *t, const char *name, const char *pronoun,
                             const augment_fact *facts, size_t n, uint64_t h, int fullname, buf *out);

extern const stage_class augment_stage;

#endif
