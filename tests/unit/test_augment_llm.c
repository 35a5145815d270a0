/* Unit tests of filters/llm without a server: reply parsing, prompt styles and rendering,
 * and a refused connection reported per job (the HTTP behaviours are tested in
 * tests/cli/augment.sh against tests/llm_server.py). */
#include "test.h"
#include "../../filters/llm.h"

TEST(llm_parse_reply_takes_the_first_choice_content) {
    buf o = {0}; char err[ERR_MAX];
    const char *r = "{\"id\":\"x\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi \\\"there\\\"\\n\"}},"
                    "{\"message\":{\"content\":\"second\"}}]}";
    CHECK_EQ_INT(llm_parse_reply(r, strlen(r), &o, err), 0);
    CHECK_EQ_STR(o.p, "Hi \"there\"");          /* decoded, trailing newline trimmed */
    buf_free(&o);
}

TEST(llm_parse_reply_rejects_malformed_and_error_replies) {
    buf o = {0}; char err[ERR_MAX];
    const char *bad[] = { "{\"choices\": [", "{\"choices\":[]}", "{\"choices\":[{\"message\":{\"content\":null}}]}", "[1,2]", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(llm_parse_reply(bad[i], strlen(bad[i]), &o, err), -1);
        CHECK(strstr(err, "malformed response"));
    }
    const char *e = "{\"error\":{\"message\":\"model not found\",\"code\":404}}";
    CHECK_EQ_INT(llm_parse_reply(e, strlen(e), &o, err), -1);
    CHECK_EQ_STR(err, "server error: model not found");
    buf_free(&o);
}

TEST(llm_builtin_styles_and_unknown_style) {
    llm_prompts *p; const char *sys, *user; char err[ERR_MAX];
    CHECK_EQ_INT(llm_prompts_load(&p, NULL, err), 0);
    const char *styles[] = { "wiki", "qa", "simple", "hard" };
    for (int i = 0; i < 4; i++) {
        CHECK_EQ_INT(llm_prompts_get(p, styles[i], &sys, &user, err), 0);
        CHECK(sys && strstr(user, "{text}"));
    }
    CHECK_EQ_INT(llm_prompts_get(p, "poetic", &sys, &user, err), -1);
    CHECK_EQ_STR(err, "--style: 'poetic' is not one of wiki|qa|simple|hard");
    llm_prompts_free(p);
}

TEST(llm_prompt_render_replaces_text) {
    buf o = {0};
    llm_prompt_render("Rephrase:\n\n{text}\n({text})", "A b.", 4, &o);
    CHECK_EQ_STR(o.p, "Rephrase:\n\nA b.\n(A b.)");
    buf_free(&o);
}

TEST(llm_refused_connection_fails_the_job_not_the_run) {
    llm_client *c; char err[ERR_MAX];
    llm_opts o = { .endpoint = "http://127.0.0.1:9", .model = "m", .concurrency = 2, .retries = 1,
                   .timeout_s = 2, .backoff_s = 0.001, .temperature = 0 };
    CHECK_EQ_INT(llm_client_new(&c, &o, err), 0);
    llm_job j[2] = {{0}};
    j[0].user = "one"; j[1].user = "two";
    CHECK_EQ_INT(llm_run(c, j, 2, err), 0);
    CHECK(!j[0].ok && !j[1].ok);
    CHECK(strstr(j[0].err, "(2 attempts)"));
    CHECK_EQ_INT(llm_client_stats(c)->failures, 2);
    CHECK_EQ_INT(llm_client_stats(c)->retries, 2);
    llm_job_free(&j[0]); llm_job_free(&j[1]);
    llm_client_free(c);
}

TEST(llm_parse_reply_trims_and_rejects_empty_content) {
    buf o = {0}; char err[ERR_MAX];
    const char *r = "{\"choices\":[{\"message\":{\"content\":\"\\n\\n  Paraphrase.\\n\"}}]}";
    CHECK_EQ_INT(llm_parse_reply(r, strlen(r), &o, err), 0);
    CHECK_EQ_STR(o.p, "Paraphrase.");
    const char *e = "{\"choices\":[{\"message\":{\"content\":\" \\n\"}}]}";
    CHECK_EQ_INT(llm_parse_reply(e, strlen(e), &o, err), -1);
    CHECK_EQ_STR(err, "empty reply");
    buf_free(&o);
}
