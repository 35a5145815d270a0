/*
 * cmd_run — `winnow run pipeline.yaml`: load and validate the plan (pipeline/plan.h), run
 * it (pipeline/runner.h), write OUT/stats.json and print the per-step table, then run the
 * pipeline's `tokenize:` section over the outputs with the same code as `winnow tokenize`.
 */
#include "cmds.h"
#include "../pipeline/jsonl.h"
#include "../pipeline/plan.h"
#include "../pipeline/runner.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct run_cfg {
    long long workers, task, tasks;
    char *phase;
    int force, dry_run, progress, quiet;
} run_cfg;

#define R(f) offsetof(run_cfg, f)
static const opt_def run_opts[] = {
    { "workers", 'j', OPT_INT, R(workers), "0", "worker threads (0: the pipeline's `workers`, default the number of cores)", 0, 1024, NULL, "N" },
    { "task", 0, OPT_INT, R(task), "0", "run only this task's share of the input files (index % tasks == task)", 0, 1e9, NULL, "I" },
    { "tasks", 0, OPT_INT, R(tasks), "1", "number of tasks the input is split into (for Slurm arrays and other schedulers)", 1, 1e9, NULL, "N" },
    { "phase", 0, OPT_ENUM, R(phase), "all", "run one phase (for schedulers; --dry-run lists a pipeline's phases): files = per-file steps; buckets, gather, clusters, apply = a split dedup; global = the whole-corpus unit. A plain run runs every phase, then writes stats.json and runs tokenize:", 0, 0, "all|files|buckets|gather|clusters|apply|global", NULL },
    { "force", 0, OPT_BOOL, R(force), NULL, "redo every unit, even those with completion markers or made by another pipeline", 0, 0, NULL, NULL },
    { "dry-run", 'n', OPT_BOOL, R(dry_run), NULL, "print the plan (units, inputs, outputs, what is done) and stop", 0, 0, NULL, NULL },
    { "progress", 0, OPT_BOOL, R(progress), "true", "progress line on stderr when it is a terminal", 0, 0, NULL, NULL },
    { "quiet", 'q', OPT_BOOL, R(quiet), NULL, "no table at the end", 0, 0, NULL, NULL },
    OPT_DEF_END,
};

static void progress(void *ctx, size_t done, size_t total, uint64_t docs, uint64_t bytes) {
    fprintf(stderr, "\rwinnow run: %zu/%zu units, %llu docs, %.1f MB   ", done, total, (unsigned long long)docs, bytes / 1e6);
    if (done == total) fputc('\n', stderr);
}

static void print_table(const plan *p, const runner_result *r) {
    fprintf(stderr, "%-10s %10s %10s %10s %10s %8s\n", "step", "docs in", "docs out", "dropped", "MB in", "seconds");
    for (size_t k = 0; k < r->nsteps; k++) {
        const stats *s = &r->steps[k];
        fprintf(stderr, "%-10s %10llu %10llu %10llu %10.1f %8.2f\n", p->steps[k].cls->name, (unsigned long long)s->docs_in,
                (unsigned long long)s->docs_out, (unsigned long long)s->docs_dropped, s->bytes_in / 1e6, s->seconds);
        for (size_t j = 0; j < s->ndropped; j++)
            fprintf(stderr, "    dropped %-40s %10llu\n", s->dropped[j].name, (unsigned long long)s->dropped[j].n);
    }
    fprintf(stderr, "%zu units (%zu run, %zu already done) in %.1f s\n", r->units_total, r->units_run, r->units_skipped, r->seconds);
}

static int is_path_key(const char *k) {
    return !strcmp(k, "tokenizer") || !strcmp(k, "dir") || !strcmp(k, "output") || !strcmp(k, "o") ||
           !strcmp(k, "tmp_dir") || !strcmp(k, "tmp-dir");
}

static const char *tokenize_dir(const plan *p) {
    for (size_t i = 0; i < p->ntokenize; i++)
        if ((!strcmp(p->tokenize[i].key, "dir") || !strcmp(p->tokenize[i].key, "output") || !strcmp(p->tokenize[i].key, "o")) && p->tokenize[i].values.n)
            return p->tokenize[i].values.v[0];
    return NULL;
}

/* The tokenize: section, run as `winnow tokenize --KEY VALUE ... OUTPUTS` in-process. */
static int run_tokenize(const plan *p, const runner_result *r, int ran_units) {
    const char *td = tokenize_dir(p);
    if (!td) { cmd_error("run", "%s: the tokenize section needs 'dir'", p->path); return 2; }
    char *tdir = plan_path(p, td);
    buf mf = {0};
    buf_printf(&mf, "%s/manifest.json", tdir);
    struct stat sb;
    int have = !stat(mf.p, &sb);
    buf_free(&mf);
    if (have && !ran_units) { free(tdir); return 0; }   /* complete and nothing upstream changed */
    strlist args = {0};
    strlist_push(&args, "tokenize");
    for (size_t i = 0; i < p->ntokenize; i++) {
        const plan_kv *kv = &p->tokenize[i];
        buf flag = {0};
        buf_printf(&flag, "--%s", !strcmp(kv->key, "dir") ? "output" : kv->key);   /* dir: is -o DIR */
        for (char *c = flag.p + 2; *c; c++) if (*c == '_') *c = '-';
        if (kv->is_list) {
            buf j = {0};
            for (size_t v = 0; v < kv->values.n; v++) { if (v) buf_addc(&j, ','); buf_adds(&j, kv->values.v[v]); }
            strlist_push(&args, flag.p);
            strlist_push(&args, j.p ? j.p : "");
            buf_free(&j);
        } else {
            for (size_t v = 0; v < kv->values.n; v++) {
                char *val = is_path_key(kv->key) ? plan_path(p, kv->values.v[v]) : xstrdup(kv->values.v[v]);
                strlist_push(&args, flag.p);
                strlist_push(&args, val);
                free(val);
            }
        }
        buf_free(&flag);
    }
    /* provenance: the pipeline that made the documents, recorded in the manifest */
    buf prov = {0};
    buf_printf(&prov, "winnow run %s\n", p->path);
    buf_add(&prov, p->text.p ? p->text.p : "", p->text.len);
    strlist_push(&args, "--provenance");
    strlist_push(&args, prov.p);
    buf_free(&prov);
    for (size_t i = 0; i < r->outputs.n; i++) strlist_push(&args, r->outputs.v[i]);
    char **argv = xcalloc(args.n + 1, sizeof *argv);
    for (size_t i = 0; i < args.n; i++) argv[i] = args.v[i];
    int st = cmd_tokenize((int)args.n, argv);
    free(argv);
    strlist_free(&args);
    free(tdir);
    return st;
}

int cmd_run(int argc, char **argv) {
    run_cfg c;
    opt_defaults(run_opts, &c);
    const opt_def *tables[1] = { run_opts };
    void *cfgs[1] = { &c };
    char err[ERR_MAX];
    int npos = opt_parse_argv(tables, cfgs, 1, argc, argv, err), status = 0;
    if (npos == -2) {
        cmd_usage(stdout, "usage: winnow run [OPTIONS] PIPELINE.yaml\n\nRun a YAML pipeline: steps fused in one process, input files spread over workers,\n"
                     "resumable (finished units are skipped on a rerun). See README 'Pipelines'.\n", run_opts);
        opt_free(run_opts, &c);
        return 0;
    }
    if (npos < 0 || npos != 1) {
        cmd_error("run", "%s", npos < 0 ? err : "needs exactly one PIPELINE.yaml");
        opt_free(run_opts, &c);
        return 2;
    }
    plan p;
    if (plan_load(&p, argv[0], winnow_stages, err)) {
        cmd_error("run", "%s", err);
        plan_free(&p);
        opt_free(run_opts, &c);
        return 2;
    }
    if (!p.out_dir) {
        /* only a tokenize section: the cleaned documents go beside the shards */
        buf d = {0};
        char *td = plan_path(&p, tokenize_dir(&p) ? tokenize_dir(&p) : "out");
        buf_printf(&d, "%s.docs", td);
        free(td);
        p.out_dir = d.p;
    }
    runner_opts ro = { .workers = (int)c.workers, .task = (int)c.task, .tasks = (int)c.tasks, .force = c.force,
                       .phase = runner_phase_parse(c.phase) };
    if (c.progress && isatty(2)) { ro.progress = progress; ro.ctx = NULL; }
    if (c.dry_run) {
        buf b = {0};
        runner_describe(&p, &ro, &b);
        fputs(b.p, stdout);
        buf_free(&b);
        plan_free(&p);
        opt_free(run_opts, &c);
        return 0;
    }
    runner_result res;
    if (runner_run(&p, &ro, &res, err)) {
        cmd_error("run", "%s", err);
        status = 1;
    } else {
        buf js = {0};
        runner_stats_json(&p, &res, &js);
        buf sf = {0};
        if (c.tasks > 1) buf_printf(&sf, "%s/.winnow/stats.task-%lld.%s.json", p.out_dir, c.task, c.phase);
        else if (ro.phase != RUNNER_PHASE_ALL) buf_printf(&sf, "%s/.winnow/stats.%s.json", p.out_dir, c.phase);
        else buf_printf(&sf, "%s/stats.json", p.out_dir);
        if (stream_write_file(sf.p, js.p, js.len, err)) { cmd_error("run", "%s", err); status = 1; }
        buf_free(&sf);
        buf_free(&js);
        if (!c.quiet) print_table(&p, &res);
        if (!status && p.has_tokenize && ro.phase == RUNNER_PHASE_ALL && c.tasks <= 1)
            status = run_tokenize(&p, &res, (int)res.units_run || c.force);
    }
    runner_result_free(&res);
    plan_free(&p);
    opt_free(run_opts, &c);
    return status;
}
