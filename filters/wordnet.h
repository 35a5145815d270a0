/*
 * wordnet — WordNet 3.0 synonyms for augment's `synonym` method, read at run time from the
 * data files of Debian's wordnet-base (index.{noun,verb,adj,adv}, data.*, *.exc) in a
 * configurable directory (default /usr/share/wordnet).
 *
 * A word is lemmatised with WordNet's morphy (exception lists, then detachment rules); its
 * part of speech is the one whose lemma has most sense-tagged uses among those its neighbours
 * allow (no tagger: after a determiner noun/adjective, after an auxiliary verb/adverb, an
 * adjective reading before a noun); synonyms are
 * the other lemmas of that lemma's first (most frequent) sense. The replacement is
 * re-inflected with regular English rules (plural/3rd person -s, -ed, -ing); when the
 * replacement is irregular in WordNet's exception lists or the rule is uncertain (consonant
 * doubling, comparatives), the word is left alone rather than mis-inflected.
 *
 * Costs: opening reads the index and exception files (~6 MB, ~0.2 s, ~20 MB of memory) and
 * maps the data files; a lookup is a hash probe plus a parse of one synset line. The lexicon
 * is read-only after open and can be shared by threads.
 */
#ifndef WN_WORDNET_H
#define WN_WORDNET_H
#include "../pipeline/buf.h"

typedef struct wordnet wordnet;

int wordnet_open(wordnet **out, const char *dir, char *err);
void wordnet_close(wordnet *wn);

/* Synonyms of an English word (any inflection), one per line into out (replacing it),
 * already inflected like the word. Returns how many. */
size_t wordnet_synonyms(const wordnet *wn, const char *word, size_t n, buf *out);

/* Replace content words of p[0..n) with synonyms: each candidate word (alphabetic ASCII, not
 * a stopword, not a capitalised word inside a sentence, which is likely a name) is replaced
 * with probability rate, the synonym chosen from hash h. Case is kept (lower, Capitalised,
 * UPPER words are left alone). Appends to out; returns the number of words replaced.
 * scratch: three caller-owned buffers, reused (no allocation once grown). */
size_t wordnet_replace(const wordnet *wn, const char *p, size_t n, double rate, uint64_t h,
                       buf *out, buf scratch[3]);

#endif
