/* The dedup stage end to end, without the command-line driver: documents are parsed from
 * inline JSONL, fed to process(), and what the stage emits or rejects is collected as
 * "id id id" and "id: reason: detail" lines. */
#include "test.h"
#include <stdlib.h>
#include "../../pipeline/stage.h"
#include "../../pipeline/jsonl.h"
#include "../../filters/dedup.h"

extern const stage_class dedup_stage;

typedef struct got { buf out, rej, text; stage_io io; } got;

static int got_emit(stage_io *io, doc *d) {
    got *g = io->ctx;
    if (g->out.len) buf_addc(&g->out, ' ');
    buf_add(&g->out, d->id, d->id_len);
    const char *m;
    size_t mn;
    if (doc_meta_get(d, "dedup", &m, &mn)) {   /* annotations, one per line */
        buf_add(&g->text, d->id, d->id_len);
        buf_adds(&g->text, " ");
        buf_add(&g->text, m, mn);
        buf_addc(&g->text, '\n');
    } else if (d->has_text) {
        buf_add(&g->text, d->text, d->text_len);
        buf_adds(&g->text, "|");
    }
    return 0;
}

static int got_reject(stage_io *io, doc *d, const char *reason, const char *detail) {
    got *g = io->ctx;
    buf_add(&g->rej, d->id, d->id_len);
    buf_printf(&g->rej, ": %s: %s\n", reason, detail ? detail : "");
    return 0;
}

/* opts: "name=value" strings, NULL-terminated; docs: JSONL lines. 0 on success. */
static int run(const char *const *opts, const char *const *lines, size_t nlines, got *g) {
    memset(g, 0, sizeof *g);
    g->io = (stage_io){ got_emit, got_reject, g };
    char err[ERR_MAX];
    stage *s = stage_new(&dedup_stage);
    for (; opts && *opts; opts++) {
        char name[64];
        const char *eq = strchr(*opts, '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - *opts), *opts);
        if (stage_set(s, name, eq + 1, err)) { fprintf(stderr, "%s\n", err); stage_free(s); return -1; }
    }
    if (stage_init(s, err)) { fprintf(stderr, "%s\n", err); stage_free(s); return -1; }
    doc d;
    doc_init(&d);
    int r = 0;
    for (size_t i = 0; i < nlines && !r; i++) {
        jsonl_error e;
        if (jsonl_parse(&d, lines[i], strlen(lines[i]), "t", i + 1, &e)) { fprintf(stderr, "%s\n", e.reason); r = -1; break; }
        r = s->cls->process(s, &d, &g->io, err);
    }
    if (!r) r = s->cls->finish(s, &g->io, err);
    if (r) fprintf(stderr, "%s\n", err);
    doc_free(&d);
    stage_free(s);
    if (!g->out.p) buf_adds(&g->out, "");
    if (!g->rej.p) buf_adds(&g->rej, "");
    if (!g->text.p) buf_adds(&g->text, "");
    return r;
}

static void got_free(got *g) { buf_free(&g->out); buf_free(&g->rej); buf_free(&g->text); }

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---------- exact ---------- */

TEST(exact_keeps_first_occurrence_in_input_order) {
    const char *docs[] = {
        "{\"id\":\"a\",\"text\":\"one\"}", "{\"id\":\"b\",\"text\":\"two\"}",
        "{\"id\":\"c\",\"text\":\"one\"}", "{\"id\":\"d\",\"text\":\"three\"}",
        "{\"id\":\"e\",\"text\":\"two\"}",
    };
    got g;
    CHECK_EQ_INT(run(NULL, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a b d");
    CHECK_EQ_STR(g.rej.p, "c: exact-duplicate: of a\ne: exact-duplicate: of b\n");
    got_free(&g);
}

TEST(exact_without_normalisation_compares_bytes) {
    const char *docs[] = { "{\"id\":\"a\",\"text\":\"Hello world\"}", "{\"id\":\"b\",\"text\":\"hello  world\"}" };
    got g;
    CHECK_EQ_INT(run(NULL, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a b");
    got_free(&g);
}

TEST(exact_normalize_space_ignores_whitespace_runs) {
    const char *opts[] = { "normalize=space", NULL };
    const char *docs[] = { "{\"id\":\"a\",\"text\":\"Hello world\"}", "{\"id\":\"b\",\"text\":\"  Hello \\n\\t world \"}",
                           "{\"id\":\"c\",\"text\":\"hello world\"}" };
    got g;
    CHECK_EQ_INT(run(opts, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a c");
    got_free(&g);
}

TEST(exact_identical_after_nfkc_casefold) {
    const char *opts[] = { "normalize=nfkc-casefold", NULL };
    /* fullwidth "ＨＥＬＬＯ", ligature "ﬁ", precomposed vs combining acute */
    const char *docs[] = { "{\"id\":\"a\",\"text\":\"hello fine caf\\u00e9\"}",
                           "{\"id\":\"b\",\"text\":\"\\uff28\\uff25\\uff2c\\uff2c\\uff2f \\ufb01ne CAFE\\u0301\"}" };
    got g;
    CHECK_EQ_INT(run(opts, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a");
    CHECK_EQ_STR(g.rej.p, "b: exact-duplicate: of a\n");
    got_free(&g);
}

TEST(exact_normalize_simplify_ignores_punctuation_digits_and_accents) {
    const char *opts[] = { "normalize=simplify", NULL };
    const char *docs[] = { "{\"id\":\"a\",\"text\":\"Caf\\u00e9 opens at 9:30!\"}",
                           "{\"id\":\"b\",\"text\":\"CAFE opens at 1030\"}" };
    got g;
    CHECK_EQ_INT(run(opts, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a");
    got_free(&g);
}

TEST(exact_empty_texts_are_duplicates_of_the_first_empty_text) {
    const char *docs[] = { "{\"id\":\"a\",\"text\":\"\"}", "{\"id\":\"b\",\"text\":\"x\"}", "{\"id\":\"c\",\"text\":\"\"}" };
    got g;
    CHECK_EQ_INT(run(NULL, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a b");
    CHECK_EQ_STR(g.rej.p, "c: exact-duplicate: of a\n");
    got_free(&g);
}

TEST(exact_annotate_keeps_duplicates_with_meta_dedup) {
    const char *opts[] = { "annotate=true", NULL };
    const char *docs[] = { "{\"id\":\"a\",\"text\":\"x\"}", "{\"id\":\"b\",\"text\":\"x\"}" };
    got g;
    CHECK_EQ_INT(run(opts, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a b");
    CHECK_EQ_STR(g.rej.p, "");
    CHECK(strstr(g.text.p, "b {\"cluster\":\"a\",\"dup_of\":\"a\"}\n") != NULL);
    got_free(&g);
}

TEST(exact_spill_gives_the_same_output) {
    enum { ND = 300 };
    const char *docs[ND];
    char store[ND][64];
    for (int i = 0; i < ND; i++) {
        snprintf(store[i], 64, "{\"id\":\"d%d\",\"text\":\"text %d\"}", i, (i * 7) % 50);
        docs[i] = store[i];
    }
    const char *big[] = { NULL }, *tiny[] = { "memory=1K", NULL };
    got a, b;
    CHECK_EQ_INT(run(big, docs, ND, &a), 0);
    CHECK_EQ_INT(run(tiny, docs, ND, &b), 0);
    CHECK_EQ_STR(a.out.p, b.out.p);
    CHECK_EQ_STR(a.rej.p, b.rej.p);
    CHECK(strstr(a.rej.p, "d50: exact-duplicate: of d0\n") != NULL);
    got_free(&a); got_free(&b);
}

/* ---------- near ---------- */

/* A pseudo-random text of n words drawn from a word list; word `swap` replaced by `with`.
 * sep: "" joins words without spaces (Chinese). */
static void gen_text(buf *b, const char *const *words, size_t nwords, int n, uint64_t seed,
                     const char *sep, int swap, const char *with) {
    uint64_t s = seed;
    for (int i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        if (i) buf_adds(b, sep);
        buf_adds(b, i == swap ? with : words[(s >> 33) % nwords]);
    }
}

static const char *const en_words[] = {
    "river", "stone", "market", "garden", "letter", "window", "silver", "morning", "engine", "forest",
    "harbor", "lantern", "meadow", "pencil", "thunder", "violin", "canyon", "ribbon", "saddle", "copper",
    "island", "marble", "orchard", "pepper", "quarry", "rocket", "tunnel", "valley", "wagon", "yellow",
};
static const char *const ko_words[] = {
    "한국어", "문서", "데이터", "학습", "모델", "언어", "처리", "연구", "결과", "분석",
    "시스템", "사용자", "정보", "방법", "문제", "기술", "개발", "과정", "사회", "경제",
    "문화", "역사", "교육", "정부", "시장", "기업", "환경", "건강", "미래", "세계",
};
static const char *const zh_words[] = {
    "我们", "今天", "数据", "模型", "语言", "处理", "研究", "结果", "分析", "系统",
    "用户", "信息", "方法", "问题", "技术", "开发", "过程", "社会", "经济", "文化",
    "历史", "教育", "政府", "市场", "企业", "环境", "健康", "未来", "世界", "学习",
};

static const char *const ja_words[] = {
    "東京", "大学", "研究", "結果", "データ", "学習", "言語", "モデル", "処理", "分析",
    "システム", "情報", "方法", "問題", "技術", "開発", "社会", "経済", "文化", "歴史",
    "教育", "政府", "市場", "企業", "環境", "健康", "未来", "世界", "日本", "新聞",
};

/* docs[i] = {"id": ids[i], "text": texts[i]} */
static void make_docs(buf *store, const char **docs, const char *const *ids, buf *texts, int n) {
    for (int i = 0; i < n; i++) {
        buf_reset(&store[i]);
        buf_adds(&store[i], "{\"id\":\"");
        buf_adds(&store[i], ids[i]);
        buf_adds(&store[i], "\",\"text\":");
        json_write_string(&store[i], texts[i].p, texts[i].len);
        buf_addc(&store[i], '}');
        docs[i] = store[i].p;
    }
}

static int near_pair(const char *const *words, size_t nw, const char *sep, const char *with,
                     const char *const *opts, got *g) {
    buf t[3] = {{0}}, st[3] = {{0}};
    gen_text(&t[0], words, nw, 120, 1, sep, -1, NULL);
    gen_text(&t[1], words, nw, 120, 1, sep, 60, with);   /* one word differs */
    gen_text(&t[2], words, nw, 120, 2, sep, -1, NULL);   /* unrelated */
    const char *ids[] = { "orig", "copy", "other" }, *docs[3];
    make_docs(st, docs, ids, t, 3);
    int r = run(opts, docs, 3, g);
    for (int i = 0; i < 3; i++) { buf_free(&t[i]); buf_free(&st[i]); }
    return r;
}

TEST(near_documents_differing_by_one_word_cluster) {
    const char *opts[] = { "mode=near", NULL };
    got g;
    CHECK_EQ_INT(near_pair(en_words, N(en_words), " ", "zebra", opts, &g), 0);
    CHECK_EQ_STR(g.out.p, "orig other");
    CHECK(!strncmp(g.rej.p, "copy: near-duplicate: of orig (jaccard 0.9", 40));
    got_free(&g);
}

TEST(near_unrelated_documents_do_not_cluster) {
    const char *opts[] = { "mode=near", NULL };
    const char *docs[] = {
        "{\"id\":\"a\",\"text\":\"The committee met on Tuesday to discuss the new budget for the city parks and the library.\"}",
        "{\"id\":\"b\",\"text\":\"A small boat drifted past the lighthouse while gulls circled above the grey winter sea.\"}",
        "{\"id\":\"c\",\"text\":\"The committee met on Tuesday to talk about a new plan for schools, roads and bridges.\"}",
    };
    got g;
    CHECK_EQ_INT(run(opts, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a b c");
    got_free(&g);
}

TEST(near_korean_pair_is_detected) {
    const char *opts[] = { "mode=near", NULL };
    got g;
    CHECK_EQ_INT(near_pair(ko_words, N(ko_words), " ", "바나나", opts, &g), 0);
    CHECK_EQ_STR(g.out.p, "orig other");
    CHECK(!strncmp(g.rej.p, "copy: near-duplicate: of orig", 29));
    got_free(&g);
}

TEST(near_chinese_pair_without_spaces_is_detected) {
    const char *opts[] = { "mode=near", NULL };
    got g;
    CHECK_EQ_INT(near_pair(zh_words, N(zh_words), "", "香蕉", opts, &g), 0);
    CHECK_EQ_STR(g.out.p, "orig other");
    CHECK(!strncmp(g.rej.p, "copy: near-duplicate: of orig", 29));
    got_free(&g);
}

TEST(near_japanese_pair_without_spaces_is_detected) {
    const char *opts[] = { "mode=near", NULL };
    got g;
    CHECK_EQ_INT(near_pair(ja_words, N(ja_words), "", "バナナ", opts, &g), 0);
    CHECK_EQ_STR(g.out.p, "orig other");
    CHECK(!strncmp(g.rej.p, "copy: near-duplicate: of orig", 29));
    got_free(&g);
}

TEST(near_chain_a_b_c_is_one_cluster_even_when_a_and_c_differ) {
    /* B = A with 3 words changed, C = B with 3 more: J(A,B) ~ J(B,C) ~ 0.86, J(A,C) ~ 0.73,
     * under --threshold 0.8, so A and C join only through B. */
    const char *opts[] = { "mode=near", "verify=true", "threshold=0.8", NULL };
    buf t[3] = {{0}}, st[3] = {{0}};
    const char *ids[] = { "A", "B", "C" }, *docs[3];
    gen_text(&t[0], en_words, N(en_words), 200, 9, " ", -1, NULL);
    for (int k = 1; k < 3; k++) {
        buf_reset(&t[k]);
        uint64_t s = 9;
        for (int i = 0; i < 200; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            if (i) buf_addc(&t[k], ' ');
            int changed = (i == 30 || i == 90 || i == 150) || (k == 2 && (i == 60 || i == 120 || i == 180));
            if (changed) buf_printf(&t[k], "new%c%c", 'a' + i % 26, 'a' + i / 26);
            else buf_adds(&t[k], en_words[(s >> 33) % N(en_words)]);
        }
    }
    make_docs(st, docs, ids, t, 3);
    got g;
    CHECK_EQ_INT(run(opts, docs, 3, &g), 0);
    CHECK_EQ_STR(g.out.p, "A");
    CHECK(strstr(g.rej.p, "B: near-duplicate: of A (jaccard 0.8") != NULL);
    CHECK(strstr(g.rej.p, "C: near-duplicate: of A (jaccard 0.7") != NULL);
    for (int i = 0; i < 3; i++) { buf_free(&t[i]); buf_free(&st[i]); }
    got_free(&g);
}

TEST(near_verify_splits_candidate_pairs_under_threshold) {
    /* 20 bands of 1 row: nearly every pair sharing a shingle is a candidate */
    const char *loose[] = { "mode=near", "bands=20", "rows=1", NULL };
    const char *verified[] = { "mode=near", "bands=20", "rows=1", "verify=true", "threshold=0.8", NULL };
    const char *docs[] = {
        "{\"id\":\"a\",\"text\":\"one two three four five six seven eight nine ten\"}",
        "{\"id\":\"b\",\"text\":\"one two three four five six seven eight other words\"}",
    };
    got g;
    CHECK_EQ_INT(run(loose, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a");
    got_free(&g);
    CHECK_EQ_INT(run(verified, docs, N(docs), &g), 0);   /* J = 4/8 */
    CHECK_EQ_STR(g.out.p, "a b");
    got_free(&g);
}

TEST(near_documents_without_words_are_kept) {
    const char *opts[] = { "mode=near", NULL };
    const char *docs[] = { "{\"id\":\"a\",\"text\":\"\"}", "{\"id\":\"b\",\"text\":\"...\"}", "{\"id\":\"c\",\"text\":\"\"}" };
    got g;
    CHECK_EQ_INT(run(opts, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a b c");
    got_free(&g);
}

TEST(near_annotate_marks_cluster_and_duplicate) {
    const char *opts[] = { "mode=near", "annotate=true", NULL };
    got g;
    CHECK_EQ_INT(near_pair(en_words, N(en_words), " ", "zebra", opts, &g), 0);
    CHECK_EQ_STR(g.out.p, "orig copy other");
    CHECK(strstr(g.text.p, "orig {\"cluster\":\"orig\"}\n") != NULL);
    CHECK(strstr(g.text.p, "copy {\"cluster\":\"orig\",\"dup_of\":\"orig\",\"jaccard\":0.9") != NULL);
    got_free(&g);
}

TEST(near_spill_gives_the_same_output) {
    enum { ND = 60 };
    buf t[ND] = {{0}}, st[ND] = {{0}};
    char idv[ND][16];
    const char *ids[ND], *docs[ND];
    for (int i = 0; i < ND; i++) {
        gen_text(&t[i], en_words, N(en_words), 80, (uint64_t)(i % 20) + 1, " ", i / 20 ? 10 + i : -1, "zebra");
        snprintf(idv[i], 16, "d%d", i);
        ids[i] = idv[i];
    }
    make_docs(st, docs, ids, t, ND);
    const char *big[] = { "mode=near", NULL }, *tiny[] = { "mode=near", "memory=2K", NULL };
    got a, b;
    CHECK_EQ_INT(run(big, docs, ND, &a), 0);
    CHECK_EQ_INT(run(tiny, docs, ND, &b), 0);
    CHECK_EQ_STR(a.out.p, b.out.p);
    CHECK_EQ_STR(a.rej.p, b.rej.p);
    CHECK(strstr(a.rej.p, "d20: near-duplicate: of d0") != NULL);
    for (int i = 0; i < ND; i++) { buf_free(&t[i]); buf_free(&st[i]); }
    got_free(&a); got_free(&b);
}

/* ---------- lines / paragraphs ---------- */

TEST(lines_boilerplate_line_in_100_documents_disappears) {
    enum { ND = 100 };
    buf st[ND] = {{0}};
    const char *docs[ND];
    for (int i = 0; i < ND; i++) {
        buf_printf(&st[i], "{\"id\":\"d%d\",\"text\":\"Unique story number %d about things.\\n"
                   "We use cookies to improve your experience.\\nThe end of story %d.\"}", i, i, i);
        docs[i] = st[i].p;
    }
    const char *opts[] = { "mode=lines", NULL };
    got g;
    CHECK_EQ_INT(run(opts, docs, ND, &g), 0);
    CHECK(strstr(g.text.p, "cookies") == NULL);
    CHECK(strstr(g.text.p, "Unique story number 7 about things.\nThe end of story 7.|") != NULL);
    CHECK_EQ_STR(g.rej.p, "");
    for (int i = 0; i < ND; i++) buf_free(&st[i]);
    got_free(&g);
}

TEST(lines_line_repeated_inside_one_document_stays) {
    const char *opts[] = { "mode=lines", "max-repeats=2", NULL };
    const char *docs[] = {
        "{\"id\":\"a\",\"text\":\"a chorus line that repeats\\na chorus line that repeats\\na chorus line that repeats\\nverse\"}",
        "{\"id\":\"b\",\"text\":\"something else entirely here\"}",
    };
    got g;
    CHECK_EQ_INT(run(opts, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a b");
    CHECK(strstr(g.text.p, "repeats\na chorus line that repeats\na chorus line that repeats\nverse|") != NULL);
    got_free(&g);
}

TEST(lines_document_left_empty_is_dropped) {
    const char *opts[] = { "mode=lines", "max-repeats=1", NULL };
    const char *docs[] = {
        "{\"id\":\"a\",\"text\":\"Subscribe to our newsletter today\\nreal content of a\"}",
        "{\"id\":\"b\",\"text\":\"Subscribe to our newsletter today\\n\"}",
    };
    got g;
    CHECK_EQ_INT(run(opts, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.out.p, "a");
    CHECK_EQ_STR(g.rej.p, "b: duplicate-lines: all 1 lines are repeated boilerplate\n");
    got_free(&g);
}

TEST(paragraphs_boilerplate_paragraph_is_removed) {
    const char *opts[] = { "mode=paragraphs", "max-repeats=1", NULL };
    const char *docs[] = {
        "{\"id\":\"a\",\"text\":\"First story text.\\n\\nShare this article with\\nyour friends on social media\"}",
        "{\"id\":\"b\",\"text\":\"Second story text.\\n\\nShare this article with\\nyour friends on social media\\n\\nMore.\"}",
    };
    got g;
    CHECK_EQ_INT(run(opts, docs, N(docs), &g), 0);
    CHECK_EQ_STR(g.text.p, "First story text.|Second story text.\n\nMore.|");
    got_free(&g);
}

TEST(lines_spill_gives_the_same_output) {
    enum { ND = 100 };
    buf st[ND] = {{0}};
    const char *docs[ND];
    for (int i = 0; i < ND; i++) {
        buf_printf(&st[i], "{\"id\":\"d%d\",\"text\":\"Story %d starts here and goes on.\\nFooter line number %d of the site\"}", i, i, i % 3);
        docs[i] = st[i].p;
    }
    const char *big[] = { "mode=lines", NULL }, *tiny[] = { "mode=lines", "memory=1K", NULL };
    got a, b;
    CHECK_EQ_INT(run(big, docs, ND, &a), 0);
    CHECK_EQ_INT(run(tiny, docs, ND, &b), 0);
    CHECK_EQ_STR(a.text.p, b.text.p);
    CHECK(strstr(a.text.p, "Footer") == NULL);
    for (int i = 0; i < ND; i++) buf_free(&st[i]);
    got_free(&a); got_free(&b);
}

TEST(near_output_is_the_same_for_any_thread_count) {
    enum { ND = 1200 };   /* more than one batch */
    buf *t = xcalloc(ND, sizeof *t), *st = xcalloc(ND, sizeof *st);
    char (*idv)[16] = xcalloc(ND, 16);
    const char **ids = xcalloc(ND, sizeof *ids), **docs = xcalloc(ND, sizeof *docs);
    for (int i = 0; i < ND; i++) {
        gen_text(&t[i], en_words, N(en_words), 60, (uint64_t)(i % 400) + 1, " ", i / 400 ? 5 + i % 50 : -1, "zebra");
        snprintf(idv[i], 16, "d%d", i);
        ids[i] = idv[i];
    }
    make_docs(st, docs, ids, t, ND);
    const char *one[] = { "mode=near", "threads=1", NULL }, *four[] = { "mode=near", "threads=4", NULL };
    got a, b;
    CHECK_EQ_INT(run(one, docs, ND, &a), 0);
    CHECK_EQ_INT(run(four, docs, ND, &b), 0);
    CHECK_EQ_STR(a.out.p, b.out.p);
    CHECK_EQ_STR(a.rej.p, b.rej.p);
    CHECK(strstr(a.rej.p, "d400: near-duplicate: of d0") != NULL);
    for (int i = 0; i < ND; i++) { buf_free(&t[i]); buf_free(&st[i]); }
    free(t); free(st); free(idv); free(ids); free(docs);
    got_free(&a); got_free(&b);
}
