/*
 * Trainer behaviour: the optimizer against hand-computed AdamW steps, the schedule, the
 * checkpoint round trip, the data loader's epochs, and training runs on small synthetic
 * shards (loss falls, exact resume, thread-count independence, bad inputs).
 */
#include "test.h"
#include "../../trainer/model.h"
#include "../../trainer/optim.h"
#include "../../trainer/ckpt.h"
#include "../../trainer/data.h"
#include "../../trainer/train.h"
#include "../../pipeline/manifest.h"
#include "../../pipeline/shard.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <omp.h>

static const gpt_config tiny = { .vocab_size = 13, .seq_len = 8, .n_layer = 2, .n_head = 2, .n_embd = 8 };

TEST(trainer_lr_warms_up_linearly_then_decays_by_cosine_to_min) {
    adamw_cfg c = { .lr = 1e-3, .min_lr = 1e-4, .warmup_steps = 10, .total_steps = 110 };
    CHECK_NEAR(optim_lr(&c, 0), 1e-4, 1e-12);
    CHECK_NEAR(optim_lr(&c, 9), 1e-3, 1e-12);
    CHECK_NEAR(optim_lr(&c, 10), 1e-3, 1e-12);
    CHECK_NEAR(optim_lr(&c, 60), 0.00055, 1e-12);      /* halfway: (lr + min_lr) / 2 */
    CHECK_NEAR(optim_lr(&c, 110), 1e-4, 1e-12);
    CHECK_NEAR(optim_lr(&c, 500), 1e-4, 1e-12);
}

TEST(trainer_grad_norm_and_clip_scale) {
    float g[3] = { 3, 0, 4 };
    CHECK_NEAR(optim_norm(g, 3), 5, 1e-12);
    adamw_cfg c = { .grad_clip = 1 };
    CHECK_NEAR(optim_clip_scale(&c, 5), 1 / (5 + 1e-6), 1e-12);
    CHECK_NEAR(optim_clip_scale(&c, 0.5), 1, 0);
    c.grad_clip = 0;
    CHECK_NEAR(optim_clip_scale(&c, 50), 1, 0);
}

/* Values from the AdamW formulas worked out by hand (lr 0.1, wd 0.1, betas 0.9/0.95):
 * step 1 p = 0.5 * (1 - 0.01) - 0.1 * 0.2 / (0.2 + 1e-8) = 0.395000005, and so on. */
TEST(trainer_adamw_matches_hand_computed_steps) {
    char err[ERR_MAX];
    gpt *m = gpt_new(&tiny, 1, err);
    CHECK(m);
    gpt_params p = gpt_tensors(m);
    size_t sizes[GPT_NTENSORS];
    gpt_param_sizes(&tiny, sizes);
    float *g = gpt_grad_data(m);
    size_t ln1b_off = (size_t)(p.ln1b - gpt_param_data(m));
    adamw_cfg c = { .lr = 0.1, .beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 0.1 };
    p.wte[0] = 0.5f; p.ln1b[0] = 0.5f;
    float gs[2] = { 0.2f, -0.1f };
    for (int t = 1; t <= 2; t++) {
        gpt_zero_grad(m);
        g[0] = gs[t - 1];              /* wte[0]: decayed */
        g[ln1b_off] = gs[t - 1];       /* ln1b[0]: not decayed */
        optim_adamw_step(m, &c, t, 0.1, 1);
    }
    CHECK_NEAR(p.wte[0], 0.36421306185214286, 1e-6);
    CHECK_NEAR(p.ln1b[0], 0.3731630619021429, 1e-6);
    gpt_free(m);
}

TEST(trainer_init_is_gpt2_style_and_seeded) {
    char err[ERR_MAX];
    gpt_config c = { .vocab_size = 512, .seq_len = 64, .n_layer = 8, .n_head = 4, .n_embd = 64 };
    gpt *a = gpt_new(&c, 5, err), *b = gpt_new(&c, 5, err);
    CHECK(a && b);
    CHECK(!memcmp(gpt_param_data(a), gpt_param_data(b), gpt_num_params(a) * sizeof(float)));
    gpt_params p = gpt_tensors(a);
    size_t sizes[GPT_NTENSORS];
    gpt_param_sizes(&c, sizes);
    double s = 0, s2 = 0;
    for (size_t i = 0; i < sizes[0]; i++) s2 += (double)p.wte[i] * p.wte[i];
    CHECK_NEAR(sqrt(s2 / sizes[0]), 0.02, 0.001);
    s2 = 0;
    for (size_t i = 0; i < sizes[12]; i++) s2 += (double)p.fcprojw[i] * p.fcprojw[i];
    CHECK_NEAR(sqrt(s2 / sizes[12]), 0.02 / 4, 0.0005);        /* 1/sqrt(2 * 8 layers) */
    for (size_t i = 0; i < sizes[3]; i++) s += fabsf(p.ln1b[i]);
    CHECK(s == 0 && p.ln1w[0] == 1 && p.lnfw[0] == 1);
    gpt_free(a);
    gpt_free(b);
}

TEST(trainer_memory_check_refuses_before_allocating) {
    char err[ERR_MAX];
    gpt_config c = { .vocab_size = 50257, .seq_len = 2048, .n_layer = 48, .n_head = 25, .n_embd = 1600 };
    CHECK(gpt_memory_check(&c, 64, (size_t)1 << 30, err) == -1);
    CHECK(strstr(err, "GiB") && strstr(err, "more than the memory limit"));
    CHECK(gpt_memory_check(&tiny, 2, (size_t)1 << 30, err) == 0);
}

TEST(trainer_checkpoint_round_trip) {
    char err[ERR_MAX], dir[] = "/tmp/wn_ckpt_XXXXXX";
    CHECK(mkdtemp(dir));
    gpt *m = gpt_new(&tiny, 3, err);
    CHECK(m);
    size_t np = gpt_num_params(m);
    for (size_t i = 0; i < np; i++) { gpt_adam_m(m)[i] = (float)i; gpt_adam_v(m)[i] = (float)(2 * i); }
    ckpt_meta meta = { .step = 17, .tokens = 1234, .epoch = 2, .pos = 5, .data_tokens = 999, .eot_id = 12,
                       .has_optim = 1, .tokenizer_file = "tok.json", .options = "lr: 0.001\n" };
    strcpy(meta.tokenizer_sha256, "ab12");
    CHECK(ckpt_save(dir, m, &meta, err) == 0);
    ckpt_meta back;
    gpt *m2 = ckpt_load(dir, &back, 1, err);
    CHECK(m2);
    CHECK(!memcmp(gpt_cfg(m2), &tiny, sizeof tiny));
    CHECK(!memcmp(gpt_param_data(m), gpt_param_data(m2), 3 * np * sizeof(float) + np * sizeof(float)));
    CHECK(back.step == 17 && back.tokens == 1234 && back.epoch == 2 && back.pos == 5 && back.eot_id == 12);
    CHECK_EQ_STR(back.tokenizer_sha256, "ab12");
    CHECK_EQ_STR(back.tokenizer_file, "tok.json");
    CHECK_EQ_STR(back.options, "lr: 0.001\n");
    ckpt_meta_free(&back);
    gpt_free(m);
    gpt_free(m2);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

TEST(trainer_checkpoint_truncated_is_an_error) {
    char err[ERR_MAX], dir[] = "/tmp/wn_ckpt_XXXXXX", path[64];
    CHECK(mkdtemp(dir));
    gpt *m = gpt_new(&tiny, 3, err);
    ckpt_meta meta = { .has_optim = 1, .options = "" };
    CHECK(ckpt_save(dir, m, &meta, err) == 0);
    snprintf(path, sizeof path, "%s/" CKPT_FILE, dir);
    CHECK(truncate(path, 2000) == 0);
    ckpt_meta back;
    CHECK(ckpt_load(dir, &back, 1, err) == NULL);
    CHECK(strstr(err, "truncated"));
    gpt_free(m);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
}

/* ---- synthetic shards: documents that count up by a per-document stride ---- */

static uint64_t rng = 12345;
static uint32_t rnd_u(uint32_t n) { rng = rng * 6364136223846793005ULL + 1442695040888963407ULL; return (uint32_t)(rng >> 33) % n; }

static int make_shards(const char *dir, uint32_t V, const char *sha, uint64_t ntrain, uint64_t nval, char *err) {
    manifest m;
    manifest_init(&m);
    m.name = xstrdup("synth");
    m.tokenizer_file = xstrdup("synth.json");
    snprintf(m.tokenizer_sha256, sizeof m.tokenizer_sha256, "%s", sha);
    m.vocab_size = V;
    m.eot_id = V - 1;
    m.token_bytes = 2;
    const char *splits[2] = { "train", "val" };
    uint64_t want[2] = { ntrain, nval };
    for (int s = 0; s < 2; s++) {
        char path[512], file[64];
        snprintf(file, sizeof file, "synth_%s_000000.bin", splits[s]);
        snprintf(path, sizeof path, "%s/%s", dir, file);
        shard_writer *w = shard_writer_open(path, 2, err);
        if (!w) return -1;
        uint64_t docs = 0;
        while (shard_writer_tokens(w) < want[s]) {
            uint32_t doc[64], n = 10 + rnd_u(40), cur = rnd_u(V - 1), k = 1 + rnd_u(3);
            doc[0] = V - 1;
            for (uint32_t i = 1; i < n; i++) { doc[i] = cur; cur = (cur + k) % (V - 1); }
            if (shard_writer_tokens(w) + n > want[s]) n = (uint32_t)(want[s] - shard_writer_tokens(w));
            if (shard_writer_write(w, doc, n, err)) return -1;
            docs++;
        }
        uint64_t xxh;
        if (shard_writer_close(w, &xxh, err)) return -1;
        manifest_add_shard(&m, file, NULL, splits[s], docs, want[s], 3 * want[s], xxh);
    }
    int rc = manifest_write(dir, &m, err);
    manifest_free(&m);
    return rc;
}

static char *tmpdir_new(void) {
    char *d = xstrdup("/tmp/wn_train_XXXXXX");
    return mkdtemp(d) ? d : NULL;
}
static void rm_rf(char *d) {
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", d);
    if (system(cmd)) {}
    free(d);
}

TEST(trainer_loader_epoch_visits_every_window_once) {
    char err[ERR_MAX], *dir = tmpdir_new();
    CHECK(make_shards(dir, 32, "aa", 1000, 100, err) == 0);
    data_set d;
    CHECK(data_open(&d, dir, "train", 0, err) == 0);
    CHECK_EQ_INT(d.n, 1000);
    CHECK_EQ_INT(d.source_bytes, 3000);
    data_loader l;
    CHECK(loader_init(&l, &d, 10, 7, 1, err) == 0);
    uint64_t nwin = l.nwin, offset = l.offset;
    CHECK(nwin >= 98 && nwin <= 99);
    int ids[10], tg[10];
    char *seen = calloc(nwin, 1);
    for (uint64_t i = 0; i < nwin; i++) {
        loader_next(&l, ids, tg, 1);
        uint64_t w = l.perm[l.pos - 1];
        CHECK(!seen[w]);
        seen[w] = 1;
        CHECK(ids[0] == (int)d.tokens[offset + w * 10] && tg[9] == (int)d.tokens[offset + w * 10 + 10]);
    }
    CHECK_EQ_INT(l.epoch, 0);
    loader_next(&l, ids, tg, 1);
    CHECK_EQ_INT(l.epoch, 1);
    /* a loader moved to (epoch, pos) draws what the original draws next */
    data_loader l2;
    CHECK(loader_init(&l2, &d, 10, 7, 1, err) == 0);
    loader_seek(&l2, l.epoch, l.pos);
    int ids2[10], tg2[10];
    loader_next(&l, ids, tg, 1);
    loader_next(&l2, ids2, tg2, 1);
    CHECK(!memcmp(ids, ids2, sizeof ids));
    free(seen);
    loader_free(&l);
    loader_free(&l2);
    data_close(&d);
    rm_rf(dir);
}

TEST(trainer_corrupt_shard_is_an_error_naming_it) {
    char err[ERR_MAX], *dir = tmpdir_new(), path[512];
    CHECK(make_shards(dir, 32, "aa", 1000, 100, err) == 0);
    snprintf(path, sizeof path, "%s/synth_train_000000.bin", dir);
    FILE *f = fopen(path, "r+b");
    CHECK(f);
    fseek(f, 1500, SEEK_SET);
    fputc(0x7f, f);
    fclose(f);
    data_set d;
    CHECK(data_open(&d, dir, "train", 0, err) == -1);
    CHECK(strstr(err, "synth_train_000000.bin") && strstr(err, "corrupt"));
    rm_rf(dir);
}

static void train_defaults(train_cfg *c, const char *data) {
    opt_defaults(train_opts, c);
    c->data = xstrdup(data);
    c->n_layer = 2; c->n_head = 2; c->n_embd = 16; c->seq_len = 16;
    c->batch_size = 4; c->steps = 30; c->lr = 3e-3; c->min_lr = 3e-4; c->warmup_steps = 5;
    c->eval_every = 10;
}

/* train_loss of each line of a log, in a string, for comparison */
static char *losses_of(const char *log) {
    FILE *f = fopen(log, "r");
    if (!f) return xstrdup("");
    buf b = { 0 };
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *p = strstr(line, "\"train_loss\": "), *q = strstr(line, "\"val_loss\": ");
        if (p) { buf_add(&b, p + 14, strcspn(p + 14, ",}")); buf_addc(&b, ' '); }
        if (q) { buf_add(&b, q, strcspn(q, ",}")); buf_addc(&b, ' '); }
    }
    fclose(f);
    buf_addc(&b, 0);
    return b.p;
}

TEST(trainer_training_lowers_the_loss) {
    char err[ERR_MAX], *dir = tmpdir_new(), log[512];
    CHECK(make_shards(dir, 32, "aa", 4000, 800, err) == 0);
    train_cfg c;
    train_defaults(&c, dir);
    snprintf(log, sizeof log, "%s/log.jsonl", dir);
    c.log = xstrdup(log);
    c.steps = 60;
    c.lr = 1e-2;
    CHECK(train_run(&c, NULL, NULL, err) == 0);
    char *l = losses_of(log);
    double first = atof(l), last_val = 0;
    char *q = strrchr(l, ':');
    CHECK(q);
    last_val = atof(q + 1);
    CHECK(first > 3.0);                 /* about ln(32) */
    CHECK(last_val < 2.5);              /* uniform is ln 31 = 3.43; the strides are learnable */
    free(l);
    opt_free(train_opts, &c);
    rm_rf(dir);
}

TEST(trainer_resume_gives_the_same_losses) {
    char err[ERR_MAX], *dir = tmpdir_new(), log1[512], log2[512], ck[512];
    CHECK(make_shards(dir, 32, "aa", 3000, 500, err) == 0);
    snprintf(log1, sizeof log1, "%s/full.jsonl", dir);
    snprintf(log2, sizeof log2, "%s/parts.jsonl", dir);
    snprintf(ck, sizeof ck, "%s/ck", dir);
    train_cfg c, a, b;
    train_defaults(&c, dir);
    c.grad_accum = 2;
    c.log = xstrdup(log1);
    CHECK(train_run(&c, NULL, NULL, err) == 0);
    train_defaults(&a, dir);                   /* the same run, stopped after step 12 */
    a.grad_accum = 2;
    a.log = xstrdup(log2);
    a.save = xstrdup(ck);
    a.stop_at = 12;
    CHECK(train_run(&a, NULL, NULL, err) == 0);
    train_defaults(&b, dir);                   /* and resumed */
    b.grad_accum = 2;
    b.log = xstrdup(log2);
    b.resume = xstrdup(ck);
    CHECK(train_run(&b, NULL, NULL, err) == 0);
    char *full = losses_of(log1), *parts = losses_of(log2);
    CHECK(strlen(full) > 100);
    CHECK_EQ_STR(parts, full);
    free(full); free(parts);
    opt_free(train_opts, &a); opt_free(train_opts, &b); opt_free(train_opts, &c);
    rm_rf(dir);
}

TEST(trainer_losses_do_not_depend_on_thread_count) {
    char err[ERR_MAX], *dir = tmpdir_new(), log1[512], log2[512];
    CHECK(make_shards(dir, 32, "aa", 3000, 500, err) == 0);
    snprintf(log1, sizeof log1, "%s/t1.jsonl", dir);
    snprintf(log2, sizeof log2, "%s/t2.jsonl", dir);
    int keep = omp_get_max_threads();
    train_cfg a, b;
    train_defaults(&a, dir);
    a.steps = 8; a.threads = 1; a.log = xstrdup(log1); a.n_embd = 32; a.eval_every = 4;
    CHECK(train_run(&a, NULL, NULL, err) == 0);
    train_defaults(&b, dir);
    b.steps = 8; b.threads = 3; b.log = xstrdup(log2); b.n_embd = 32; b.eval_every = 4;
    CHECK(train_run(&b, NULL, NULL, err) == 0);
    train_set_threads(keep);
    char *l1 = losses_of(log1), *l2 = losses_of(log2);
    CHECK_EQ_STR(l2, l1);
    free(l1); free(l2);
    opt_free(train_opts, &a); opt_free(train_opts, &b);
    rm_rf(dir);
}

TEST(trainer_resume_on_shards_of_another_tokenizer_is_an_error) {
    char err[ERR_MAX], *dir = tmpdir_new(), *other = tmpdir_new(), ck[512];
    CHECK(make_shards(dir, 32, "aa", 2000, 300, err) == 0);
    CHECK(make_shards(other, 32, "bb", 2000, 300, err) == 0);
    snprintf(ck, sizeof ck, "%s/ck", dir);
    train_cfg a, b;
    train_defaults(&a, dir);
    a.steps = 2; a.save = xstrdup(ck);
    CHECK(train_run(&a, NULL, NULL, err) == 0);
    train_defaults(&b, other);
    b.steps = 4; b.resume = xstrdup(ck);
    CHECK(train_run(&b, NULL, NULL, err) == -1);
    CHECK(strstr(err, "different tokenizer"));
    opt_free(train_opts, &b);
    train_defaults(&b, dir);                   /* and as --eval-data */
    b.steps = 1;
    strlist_push(&b.eval_data, other);
    CHECK(train_run(&b, NULL, NULL, err) == -1);
    CHECK(strstr(err, "different tokenizer"));
    opt_free(train_opts, &a); opt_free(train_opts, &b);
    rm_rf(dir);
    rm_rf(other);
}

TEST(trainer_config_yaml_sets_options_and_rejects_typos) {
    char err[ERR_MAX];
    train_cfg c;
    opt_defaults(train_opts, &c);
    CHECK(train_cfg_load_yaml(&c, "t.yaml", "n_layer: 3\nlr: 0.01\neval_data: [a, b]\nrope: true\n", err) == 0);
    CHECK(c.n_layer == 3 && c.lr == 0.01 && c.rope == 1 && c.eval_data.n == 2);
    CHECK_EQ_STR(c.eval_data.v[1], "b");
    buf y = { 0 };
    train_cfg_to_yaml(&c, &y);
    train_cfg d;
    opt_defaults(train_opts, &d);
    CHECK(train_cfg_load_yaml(&d, "again", y.p, err) == 0);
    CHECK(d.n_layer == 3 && d.lr == 0.01 && d.eval_data.n == 2);
    CHECK(train_cfg_load_yaml(&d, "t.yaml", "n_layers: 3\n", err) == -1);
    CHECK(strstr(err, "t.yaml:1") && strstr(err, "n-layer"));
    buf_free(&y);
    opt_free(train_opts, &c);
    opt_free(train_opts, &d);
}

/* ---- generation metrics ---- */
#include "../../trainer/generate.h"

TEST(trainer_ttr_counts_types_in_the_last_window) {
    uint32_t ids[6] = { 1, 2, 3, 3, 3, 4 };
    CHECK_NEAR(gen_ttr_last(ids, 6, 96), 4.0 / 6, 1e-12);
    CHECK_NEAR(gen_ttr_last(ids, 6, 3), 2.0 / 3, 1e-12);     /* 3 3 4 */
}

TEST(trainer_repeated_4grams_fraction) {
    uint32_t ids[8] = { 1, 2, 3, 4, 1, 2, 3, 4 };            /* 5 4-grams, 1 2 3 4 twice */
    CHECK_NEAR(gen_repeated_ngrams(ids, 8, 4), 1.0 / 5, 1e-12);
    uint32_t all_same[6] = { 7, 7, 7, 7, 7, 7 };             /* 3 4-grams, 2 repeats */
    CHECK_NEAR(gen_repeated_ngrams(all_same, 6, 4), 2.0 / 3, 1e-12);
}

TEST(trainer_distinct_n_pools_samples) {
    gen_stats s = { 0 };
    uint32_t a[3] = { 1, 2, 3 }, b[3] = { 1, 2, 4 };
    gen_stats_add(&s, a, 3);
    gen_stats_add(&s, b, 3);
    CHECK_EQ_INT(s.total[0], 6); CHECK_EQ_INT(s.uniq[0], 4);  /* 1 2 3 4 */
    CHECK_EQ_INT(s.total[1], 4); CHECK_EQ_INT(s.uniq[1], 3);  /* 12 23 24 */
    CHECK_EQ_INT(s.total[2], 2); CHECK_EQ_INT(s.uniq[2], 2);
    gen_stats_free(&s);
}

TEST(trainer_seeded_sampling_is_deterministic) {
    char err[ERR_MAX];
    gpt *m = gpt_new(&tiny, 9, err);
    CHECK(m);
    uint32_t prompt[2] = { 3, 4 }, *o1 = NULL, *o2 = NULL;
    size_t n1, n2;
    uint64_t r1 = 1, r2 = 1;
    gen_opts go = { .tokens = 12, .temperature = 1, .top_k = 3, .stop_id = -1 };
    gen_sample(m, prompt, 2, &go, &r1, &o1, &n1);
    gen_sample(m, prompt, 2, &go, &r2, &o2, &n2);
    CHECK(n1 == 12 && n2 == 12 && !memcmp(o1, o2, 12 * sizeof(uint32_t)));
    for (size_t i = 0; i < n1; i++) CHECK(o1[i] < 13);
    free(o1); free(o2);
    gpt_free(m);
}
