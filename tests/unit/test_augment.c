/* Unit tests of filters/augment's text methods (permute, fullname, template) and of the stage
 * driven directly (ids, meta.augment, determinism, distinct variants). */
#include "test.h"
#include "../../filters/augment.h"
#include "../../pipeline/jsonl.h"
#include <stdlib.h>
#include <unistd.h>

/* Sentence bodies of s, sorted, joined by '|' (the multiset of sentences). */
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static void sentence_multiset(text_ctx *tc, const char *s, buf *out) {
    text_spans sp = {0}; char err[ERR_MAX];
    text_sentences(tc, s, strlen(s), &sp, err);
    char **v = calloc(sp.n + 1, sizeof *v); size_t n = 0;
    for (size_t i = 0; i < sp.n; i++) {
        size_t len = sp.v[i].len;
        while (len && (s[sp.v[i].off + len - 1] == ' ' || s[sp.v[i].off + len - 1] == '\n')) len--;
        if (len) v[n++] = strndup(s + sp.v[i].off, len);
    }
    qsort(v, n, sizeof *v, cmp_str);
    buf_reset(out);
    for (size_t i = 0; i < n; i++) { buf_adds(out, v[i]); buf_addc(out, '|'); free(v[i]); }
    free(v); text_spans_free(&sp);
}

static const char *SIX = "Anna was born in Oslo. She studied physics at MIT. She works at CERN. "
                         "Her brother is a chef. They met in 2001. The end came quickly.";

TEST(augment_permute_keeps_the_multiset_of_sentences) {
    text_ctx *tc = text_ctx_new(); text_spans sp = {0}; buf out = {0}, a = {0}, b = {0}; char err[ERR_MAX];
    for (uint64_t h = 1; h < 20; h++) {
        buf_reset(&out);
        CHECK_EQ_INT(augment_permute(tc, SIX, strlen(SIX), h, 0, &sp, &out, err), 6);
        CHECK_EQ_INT(out.len, strlen(SIX));
        sentence_multiset(tc, SIX, &a);
        sentence_multiset(tc, out.p, &b);
        CHECK_EQ_STR(b.p, a.p);
    }
    buf_free(&out); buf_free(&a); buf_free(&b); text_spans_free(&sp); text_ctx_free(tc);
}

TEST(augment_permute_variants_differ_and_seeds_reproduce) {
    text_ctx *tc = text_ctx_new(); text_spans sp = {0}; buf o1 = {0}, o2 = {0}, o3 = {0}; char err[ERR_MAX];
    augment_permute(tc, SIX, strlen(SIX), 11, 0, &sp, &o1, err);
    augment_permute(tc, SIX, strlen(SIX), 12, 0, &sp, &o2, err);
    augment_permute(tc, SIX, strlen(SIX), 11, 0, &sp, &o3, err);
    CHECK(strcmp(o1.p, o2.p) != 0);
    CHECK_EQ_STR(o1.p, o3.p);
    buf_free(&o1); buf_free(&o2); buf_free(&o3); text_spans_free(&sp); text_ctx_free(tc);
}

TEST(augment_permute_keep_first_and_trailing_whitespace) {
    text_ctx *tc = text_ctx_new(); text_spans sp = {0}; buf o = {0}; char err[ERR_MAX];
    const char *t = "First one. Second one. Third one.\n";
    for (uint64_t h = 0; h < 10; h++) {
        buf_reset(&o);
        augment_permute(tc, t, strlen(t), h, 1, &sp, &o, err);
        CHECK(!strncmp(o.p, "First one. ", 11));
        CHECK(o.p[o.len - 1] == '\n' && o.len == strlen(t));
    }
    buf_free(&o); text_spans_free(&sp); text_ctx_free(tc);
}

TEST(augment_permute_korean_sentences) {
    text_ctx *tc = text_ctx_new(); text_spans sp = {0}; buf o = {0}, a = {0}, b = {0}; char err[ERR_MAX];
    const char *t = "김민수는 서울에서 태어났다. 그는 물리학을 공부했다. 그는 부산에서 일한다.";
    CHECK_EQ_INT(augment_permute(tc, t, strlen(t), 3, 0, &sp, &o, err), 3);
    sentence_multiset(tc, t, &a); sentence_multiset(tc, o.p, &b);
    CHECK_EQ_STR(b.p, a.p);
    buf_free(&o); buf_free(&a); buf_free(&b); text_spans_free(&sp); text_ctx_free(tc);
}

TEST(augment_permute_single_sentence_is_unchanged) {
    text_ctx *tc = text_ctx_new(); text_spans sp = {0}; buf o = {0}; char err[ERR_MAX];
    CHECK_EQ_INT(augment_permute(tc, "Only one sentence here", 22, 5, 0, &sp, &o, err), 1);
    CHECK_EQ_STR(o.p, "Only one sentence here");
    buf_free(&o); text_spans_free(&sp); text_ctx_free(tc);
}

static const char *fullname(const char *text, const char *const *pr, buf *o) {
    buf_reset(o);
    augment_fullname(text, strlen(text), "Anya Briar Forger", 17, pr, o);
    return o->p;
}

TEST(augment_fullname_replaces_subject_pronouns) {
    buf o = {0};
    CHECK_EQ_STR(fullname("She was born in Oslo. Later she moved; they say he knew.", NULL, &o),
                 "Anya Briar Forger was born in Oslo. Later Anya Briar Forger moved; Anya Briar Forger say Anya Briar Forger knew.");
    buf_free(&o);
}

TEST(augment_fullname_leaves_other_words_and_contractions) {
    buf o = {0};
    CHECK_EQ_STR(fullname("The shelf, theyre, she's, hers, HE, them.", NULL, &o), "The shelf, theyre, she's, hers, HE, them.");
    buf_free(&o);
}

TEST(augment_fullname_document_without_pronouns_is_unchanged) {
    buf o = {0};
    CHECK_EQ_STR(fullname("Oslo is a city in Norway.", NULL, &o), "Oslo is a city in Norway.");
    buf_free(&o);
}

TEST(augment_fullname_custom_pronoun_list) {
    buf o = {0};
    const char *const ko[] = { "그는", "그녀는", NULL };
    buf_reset(&o);
    augment_fullname("그는 서울에서 태어났다.", strlen("그는 서울에서 태어났다."), "김민수는", strlen("김민수는"), ko, &o);
    CHECK_EQ_STR(o.p, "김민수는 서울에서 태어났다.");
    buf_free(&o);
}

static const char *TEMPLATES =
    "birth_city:\n  - \"{name} was born in {value}.\"\n  - \"{Pronoun} came into the world in {value}.\"\n"
    "  - \"{value} is where {name} was born.\"\n"
    "major:\n  - \"{name} studied {value}.\"\n  - \"{Pronoun} majored in {value}.\"\n  - \"{Possessive} major was {value}.\"\n"
    "employer:\n  - \"{name} worked for {value}.\"\n  - \"{Pronoun} was employed by {value}.\"\n";

TEST(augment_template_render_states_every_fact_with_the_name) {
    augment_templates *t; char err[ERR_MAX];
    CHECK(!augment_templates_parse(&t, TEMPLATES, strlen(TEMPLATES), "t.yaml", err));
    CHECK_EQ_INT(augment_templates_count(t, "major"), 3);
    augment_fact f[] = { {"birth_city", "Princeton, NJ"}, {"major", "Communications"}, {"employer", "Meta Platforms"}, {"hobby", "chess"} };
    buf o = {0};
    for (uint64_t h = 0; h < 30; h++) {
        buf_reset(&o);
        augment_template_render(t, "Anya Briar Forger", "she", f, 4, h, 1, &o);
        for (int i = 0; i < 4; i++) CHECK(strstr(o.p, f[i].value));
        CHECK(strstr(o.p, "Anya Briar Forger"));
        CHECK(!strstr(o.p, "She ") && !strstr(o.p, "Her "));   /* fullname: no pronouns */
        CHECK(strstr(o.p, "The hobby of Anya Briar Forger is chess."));
    }
    buf_free(&o); augment_templates_free(t);
}

TEST(augment_template_first_sentence_names_the_person) {
    augment_templates *t; char err[ERR_MAX];
    const char *y = "a:\n  - \"{Pronoun} likes {value}.\"\n";
    CHECK(!augment_templates_parse(&t, y, strlen(y), "t.yaml", err));
    augment_fact f[] = { {"a", "tea"}, {"a", "jazz"} };
    buf o = {0};
    augment_template_render(t, "Ann Lee", "she", f, 2, 1, 0, &o);
    CHECK(!strcmp(o.p, "Ann Lee likes tea. She likes jazz.") || !strcmp(o.p, "Ann Lee likes jazz. She likes tea."));
    buf_free(&o); augment_templates_free(t);
}

TEST(augment_templates_reject_a_template_without_value) {
    augment_templates *t; char err[ERR_MAX];
    const char *y = "major:\n  - \"{name} studied.\"\n";
    CHECK(augment_templates_parse(&t, y, strlen(y), "t.yaml", err) == -1);
    CHECK(strstr(err, "t.yaml:2") && strstr(err, "{value}"));
}

/* ---- the stage, driven directly ---- */

typedef struct cap { stage_io io; buf out; size_t n; } cap;
static int cap_emit(stage_io *io, doc *d) { cap *c = io->ctx; jsonl_write(d, &c->out); c->n++; return 0; }
static int cap_reject(stage_io *io, doc *d, const char *r, const char *det) { return 1; }

static char *write_tmp(const char *text) {
    char *p = strdup("/tmp/wn_aug_XXXXXX");
    int fd = mkstemp(p);
    if (write(fd, text, strlen(text)) < 0) {}
    close(fd);
    return p;
}

/* Run one JSON line through augment with options kv; output lines into out; count. */
static size_t run_aug(const char *const *kv, const char *line, buf *out, char *err) {
    stage *s = stage_new(&augment_stage);
    for (; kv[0]; kv += 2) if (stage_set(s, kv[0], kv[1], err)) { stage_free(s); return 0; }
    if (stage_init(s, err)) { stage_free(s); return 0; }
    cap c = { { cap_emit, cap_reject, NULL }, {0}, 0 };
    c.io.ctx = &c;
    doc d; jsonl_error e;
    doc_init(&d);
    jsonl_parse(&d, line, strlen(line), "t", 1, &e);
    s->cls->process(s, &d, &c.io, err);
    if (s->cls->finish) s->cls->finish(s, &c.io, err);
    doc_free(&d);
    stage_free(s);
    *out = c.out;
    return c.n;
}

static const char *BIO = "{\"id\":\"p1\",\"text\":\"x\",\"meta\":{\"name\":\"Anya Briar Forger\",\"pronoun\":\"she\","
    "\"facts\":{\"birth_city\":\"Princeton, NJ\",\"major\":\"Communications\",\"employer\":\"Meta Platforms\"}}}";

TEST(augment_template_stage_makes_m_distinct_variants_stating_every_fact) {
    char err[ERR_MAX] = "";
    char *tp = write_tmp(TEMPLATES);
    const char *kv[] = { "method", "template,fullname", "copies", "5", "templates", tp, "original", "false", NULL };
    buf out;
    CHECK_EQ_INT(run_aug(kv, BIO, &out, err), 5);
    const char *lines[5]; size_t n = 0;
    for (char *p = out.p; p && *p && n < 5; ) { lines[n++] = p; p = strchr(p, '\n'); *p++ = 0; }
    CHECK_EQ_INT(n, 5);
    for (size_t i = 0; i < n; i++) {
        char id[32]; snprintf(id, sizeof id, "\"id\":\"p1#aug%zu\"", i + 1);
        CHECK(strstr(lines[i], id));
        CHECK(strstr(lines[i], "Princeton, NJ") && strstr(lines[i], "Communications") && strstr(lines[i], "Meta Platforms"));
        CHECK(strstr(lines[i], "\"augment\":{\"of\":\"p1\",\"methods\":[\"template\",\"fullname\"]"));
        const char *text = strstr(lines[i], "\"text\":\"");
        CHECK(text && strstr(text, "Anya Briar Forger"));
        for (size_t j = 0; j < i; j++) {
            const char *tj = strstr(lines[j], "\"text\":\""), *ti = text;
            CHECK(strncmp(ti, tj, (size_t)(strchr(ti + 8, '"') - ti)) != 0);
        }
    }
    buf_free(&out);
    unlink(tp); free(tp);
}

TEST(augment_stage_is_deterministic_and_keeps_the_original_first) {
    char err[ERR_MAX] = "";
    const char *kv[] = { "method", "permute", "copies", "3", "seed", "42", NULL };
    char line[512];
    snprintf(line, sizeof line, "{\"id\":\"d\",\"text\":\"%s\"}", SIX);
    buf a, b;
    CHECK_EQ_INT(run_aug(kv, line, &a, err), 4);
    CHECK_EQ_INT(run_aug(kv, line, &b, err), 4);
    CHECK(a.len == b.len && !memcmp(a.p, b.p, a.len));
    CHECK(!strncmp(a.p, line, strlen(line)));
    CHECK(strstr(a.p, "\"id\":\"d#aug3\""));
    buf_free(&a); buf_free(&b);
}

TEST(augment_stage_skips_variants_equal_to_the_original) {
    char err[ERR_MAX] = "";
    const char *kv[] = { "method", "fullname", "copies", "3", NULL };
    buf out;
    /* no pronouns: every variant would equal the original */
    CHECK_EQ_INT(run_aug(kv, "{\"id\":\"d\",\"text\":\"Oslo is cold.\",\"meta\":{\"name\":\"Ann\"}}", &out, err), 1);
    buf_free(&out);
    /* pronouns: one distinct variant (fullname is deterministic) */
    CHECK_EQ_INT(run_aug(kv, "{\"id\":\"d\",\"text\":\"She is cold.\",\"meta\":{\"name\":\"Ann\"}}", &out, err), 2);
    CHECK(strstr(out.p, "\"text\":\"Ann is cold.\""));
    buf_free(&out);
}

TEST(augment_stage_rejects_unknown_method_and_missing_templates) {
    char err[ERR_MAX] = "";
    buf out = {0};
    const char *kv[] = { "method", "template", NULL };
    CHECK_EQ_INT(run_aug(kv, BIO, &out, err), 0);
    CHECK(strstr(err, "--templates"));
    const char *kv2[] = { "method", "shuffle", NULL };
    err[0] = 0;
    CHECK_EQ_INT(run_aug(kv2, BIO, &out, err), 0);
    CHECK(strstr(err, "shuffle"));
}

TEST(augment_permute_keeps_leading_whitespace_and_cjk_gaps) {
    text_ctx *tc = text_ctx_new(); text_spans sp = {0}; buf o = {0}; char err[ERR_MAX];
    const char *t = "  Lead one. Second one.";
    for (uint64_t h = 0; h < 8; h++) {
        buf_reset(&o);
        augment_permute(tc, t, strlen(t), h, 0, &sp, &o, err);
        CHECK(!strcmp(o.p, t) || !strcmp(o.p, "  Second one. Lead one."));
    }
    const char *z = "第一句。第二句。第三句。";
    for (uint64_t h = 0; h < 8; h++) {
        buf_reset(&o);
        CHECK_EQ_INT(augment_permute(tc, z, strlen(z), h, 0, &sp, &o, err), 3);
        CHECK_EQ_INT(o.len, strlen(z));           /* no spaces invented between CJK sentences */
        CHECK(strstr(o.p, "第一句。") && strstr(o.p, "第二句。") && strstr(o.p, "第三句。"));
    }
    buf_free(&o); text_spans_free(&sp); text_ctx_free(tc);
}

TEST(augment_template_korean_templates_render_and_permute) {
    augment_templates *t; char err[ERR_MAX];
    const char *y = "birth_city:\n  - \"{name}은 {value}에서 태어났다.\"\n  - \"{name}의 고향은 {value}이다.\"\n"
                    "employer:\n  - \"{name}은 {value}에서 일한다.\"\n";
    CHECK(!augment_templates_parse(&t, y, strlen(y), "ko.yaml", err));
    augment_fact f[] = { {"birth_city", "서울"}, {"employer", "삼성전자"} };
    text_ctx *tc = text_ctx_new(); text_spans sp = {0};
    buf o = {0}, p = {0};
    augment_template_render(t, "김민수", NULL, f, 2, 9, 1, &o);
    CHECK(strstr(o.p, "서울") && strstr(o.p, "삼성전자") && strstr(o.p, "김민수"));
    CHECK_EQ_INT(augment_permute(tc, o.p, o.len, 1, 0, &sp, &p, err), 2);
    buf_free(&o); buf_free(&p); text_spans_free(&sp); text_ctx_free(tc); augment_templates_free(t);
}
