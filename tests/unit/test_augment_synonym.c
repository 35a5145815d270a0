/* Unit tests of filters/wordnet (augment's synonym method) against Debian's wordnet-base
 * data in /usr/share/wordnet; when that data is absent the tests say so and pass. */
#include "test.h"
#include "../../filters/wordnet.h"
#include <stdlib.h>
#include <unistd.h>

static wordnet *WN;
static int wn_ready(void) {
    static int tried;
    char err[ERR_MAX];
    if (!tried) {
        tried = 1;
        if (access("/usr/share/wordnet/index.noun", R_OK)) { printf("  (no /usr/share/wordnet: synonym tests skipped)\n"); return 0; }
        if (wordnet_open(&WN, "/usr/share/wordnet", err)) { printf("  wordnet_open: %s\n", err); return 0; }
    }
    return WN != NULL;
}

static int has_line(const buf *b, const char *s) {
    size_t n = strlen(s);
    for (const char *p = b->p; p && *p; ) {
        const char *e = strchr(p, '\n');
        if ((size_t)(e - p) == n && !memcmp(p, s, n)) return 1;
        p = e + 1;
    }
    return 0;
}

TEST(synonym_lookup_uses_the_first_sense) {
    if (!wn_ready()) return;
    buf o = {0};
    CHECK(wordnet_synonyms(WN, "car", 3, &o) >= 3);
    CHECK(has_line(&o, "automobile") && has_line(&o, "auto"));
    CHECK(!has_line(&o, "car"));
    buf_free(&o);
}

TEST(synonym_keeps_plural_and_verb_inflection) {
    if (!wn_ready()) return;
    buf o = {0};
    CHECK(wordnet_synonyms(WN, "cars", 4, &o) >= 3);
    CHECK(has_line(&o, "automobiles"));
    CHECK(wordnet_synonyms(WN, "started", 7, &o) >= 1);
    CHECK(has_line(&o, "commenced"));
    CHECK(!has_line(&o, "began") && !has_line(&o, "begined"));   /* irregular: never guessed */
    CHECK(wordnet_synonyms(WN, "thinks", 6, &o) >= 1);
    CHECK(has_line(&o, "believes"));
    buf_free(&o);
}

TEST(synonym_replace_at_rate_one_changes_content_words_and_keeps_case) {
    if (!wn_ready()) return;
    buf o = {0}, sc[3] = {{0}, {0}, {0}};
    const char *t = "Cars are expensive. The automobile industry employs many people.";
    size_t n = wordnet_replace(WN, t, strlen(t), 1.0, 7, &o, sc);
    CHECK(n >= 2);
    CHECK(strcmp(o.p, t) != 0);
    CHECK(o.p[0] >= 'A' && o.p[0] <= 'Z');       /* sentence-initial capital kept */
    CHECK(strstr(o.p, " are "));                 /* stopwords untouched */
    buf o2 = {0};
    wordnet_replace(WN, t, strlen(t), 1.0, 7, &o2, sc);
    CHECK_EQ_STR(o2.p, o.p);                     /* same hash, same output */
    buf_free(&o); buf_free(&o2);
    for (int i = 0; i < 3; i++) buf_free(&sc[i]);
}

TEST(synonym_text_without_synonyms_is_unchanged) {
    if (!wn_ready()) return;
    buf o = {0}, sc[3] = {{0}, {0}, {0}};
    const char *t = "Zorblax and Quendrith were there, then they were gone.";
    CHECK_EQ_INT(wordnet_replace(WN, t, strlen(t), 1.0, 1, &o, sc), 0);
    CHECK_EQ_STR(o.p, t);
    buf_reset(&o);
    CHECK_EQ_INT(wordnet_replace(WN, "김민수는 서울에서 태어났다.", strlen("김민수는 서울에서 태어났다."), 1.0, 1, &o, sc), 0);
    buf_free(&o);
    for (int i = 0; i < 3; i++) buf_free(&sc[i]);
}

TEST(synonym_rate_zero_changes_nothing) {
    if (!wn_ready()) return;
    buf o = {0}, sc[3] = {{0}, {0}, {0}};
    const char *t = "Cars are expensive.";
    CHECK_EQ_INT(wordnet_replace(WN, t, strlen(t), 0.0, 1, &o, sc), 0);
    CHECK_EQ_STR(o.p, t);
    buf_free(&o);
    for (int i = 0; i < 3; i++) buf_free(&sc[i]);
}

TEST(synonym_missing_wordnet_data_is_a_clear_error) {
    wordnet *w; char err[ERR_MAX];
    CHECK_EQ_INT(wordnet_open(&w, "/nonexistent/wordnet", err), -1);
    CHECK(strstr(err, "/nonexistent/wordnet/index.noun") && strstr(err, "wordnet-base"));
}
