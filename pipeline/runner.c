/* runner — see runner.h. */
#include "runner.h"
#include "stats.h"
#include "chain.h"
#include "jsonl.h"
#include "reader.h"
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct unit {
    char name[32];          /* "part-000003" */
    strlist inputs;
    char *output, *rejects, *marker;
    size_t first_step, nsteps;
    int done;               /* marker present at start */
    stats *st;              /* per step */
    int failed;
} unit;

typedef struct run {
    const plan *p;
    const runner_opts *o;
    unit *units;
    size_t nunits, nfile, next, finished;   /* units[0..nfile) are per-file */
    uint64_t docs, bytes;
    pthread_mutex_t mu;
    int stop;
    char err[ERR_MAX];
    compress_kind ck;
} run;

static const char *ext_of(compress_kind k) {
    return k == COMPRESS_ZSTD ? ".jsonl.zst" : k == COMPRESS_GZIP ? ".jsonl.gz" : ".jsonl";
}

static size_t first_global(const plan *p) {
    for (size_t i = 0; i < p->nsteps; i++)
        if (p->steps[i].cls->flags & STAGE_GLOBAL) return i;
    return p->nsteps;
}

static char *path2(const char *a, const char *b) {
    buf x = {0};
    buf_printf(&x, "%s/%s", a, b);
    return x.p;
}

/* Build the unit list for this invocation. */
static void plan_units(run *R) {
    const plan *p = R->p;
    const runner_opts *o = R->o;
    size_t g = first_global(p), n = p->inputs.n;
    int tasks = o->tasks > 1 ? o->tasks : 1;
    const char *ext = ext_of(R->ck);
    R->units = xcalloc(n + 1, sizeof *R->units);
    char *stage_dir = path2(p->out_dir, ".winnow/stage");
    char *done_dir = path2(p->out_dir, ".winnow/done");
    int files_phase = o->phase != RUNNER_PHASE_GLOBAL;
    int global_phase = g < p->nsteps && o->phase != RUNNER_PHASE_FILES;
    if (g > 0 && files_phase) {
        for (size_t i = 0; i < n; i++) {
            if ((int)(i % (size_t)tasks) != (tasks > 1 ? o->task : 0)) continue;
            unit *u = &R->units[R->nunits++];
            snprintf(u->name, sizeof u->name, "part-%06zu", i);
            strlist_push(&u->inputs, p->inputs.v[i]);
            buf f = {0};
            buf_printf(&f, "%s/%s%s", g == p->nsteps ? p->out_dir : stage_dir, u->name, g == p->nsteps ? ext : ".jsonl.zst");
            u->output = f.p;
            u->first_step = 0;
            u->nsteps = g;
        }
    }
    if (global_phase) {
        unit *u = &R->units[R->nunits++];
        snprintf(u->name, sizeof u->name, "global");
        for (size_t i = 0; i < n; i++) {
            if (g == 0) { strlist_push(&u->inputs, p->inputs.v[i]); continue; }
            buf f = {0};
            buf_printf(&f, "%s/part-%06zu.jsonl.zst", stage_dir, i);
            strlist_push(&u->inputs, f.p);
            buf_free(&f);
        }
        buf f = {0};
        buf_printf(&f, "%s/part-000000%s", p->out_dir, ext);
        u->output = f.p;
        u->first_step = g;
        u->nsteps = p->nsteps - g;
    }
    for (size_t i = 0; i < R->nunits; i++) {
        unit *u = &R->units[i];
        buf m = {0};
        buf_printf(&m, "%s/%s.json", done_dir, u->name);
        u->marker = m.p;
        if (p->keep_rejects) {
            buf r = {0};
            buf_printf(&r, "%s/rejects/%s%s", p->out_dir, u->name, ext);
            u->rejects = r.p;
        }
        u->st = xcalloc(p->nsteps ? p->nsteps : 1, sizeof *u->st);
        for (size_t k = 0; k < p->nsteps; k++) stats_init(&u->st[k]);
        struct stat sb;
        u->done = !o->force && !stat(u->marker, &sb);
    }
    free(stage_dir);
    free(done_dir);
}

typedef struct usink { outstream *out, *rej; buf line; char err[ERR_MAX]; int failed; } usink;
static int usink_write(usink *k, outstream *o, doc *d) {
    if (doc_write(o, d, &k->line)) {
        k->failed = 1;
        snprintf(k->err, ERR_MAX, "%s", outstream_error(o));
        return -1;
    }
    return 0;
}
static int usink_out(void *ctx, doc *d) { usink *k = ctx; return usink_write(k, k->out, d); }
static int usink_rej(void *ctx, doc *d) { usink *k = ctx; return usink_write(k, k->rej, d); }

static int run_unit(run *R, unit *u, char *err) {
    const plan *p = R->p;
    stage **st = xcalloc(u->nsteps ? u->nsteps : 1, sizeof *st);
    int r = 0;
    for (size_t i = 0; i < u->nsteps && !r; i++)
        if (!(st[i] = plan_step_stage(p, u->first_step + i, err))) r = -1;
    usink k = {0};
    int final_out = u->first_step + u->nsteps == p->nsteps;
    if (!r && !(k.out = outstream_open(u->output, final_out ? R->ck : COMPRESS_ZSTD, final_out ? 0 : 1, err))) r = -1;
    if (!r && u->rejects && !(k.rej = outstream_open(u->rejects, R->ck, 0, err))) r = -1;
    chain *ch = r ? NULL : chain_new(st, u->nsteps, usink_out, k.rej ? usink_rej : NULL, &k);
    doc d;
    doc_init(&d);
    reader_opts ro = { 0 };
    for (size_t i = 0; i < u->inputs.n && !r; i++) {
        reader *rd = reader_open(u->inputs.v[i], &ro, err);
        if (!rd) { r = -1; break; }
        int g;
        uint64_t n = 0, bytes = 0;
        while ((g = reader_next(rd, &d, err)) == READER_DOC) {
            n++;
            bytes += d.text_len;
            if ((r = chain_push(ch, &d, err))) break;
        }
        if (!r && g == READER_ERR) r = -1;
        reader_close(rd);
        pthread_mutex_lock(&R->mu);
        R->docs += n;
        R->bytes += bytes;
        pthread_mutex_unlock(&R->mu);
    }
    if (r == STAGE_DONE) r = 0;
    if (!r) r = chain_finish(ch, err);
    if (r == STAGE_DONE) r = 0;
    if (r && k.failed) snprintf(err, ERR_MAX, "%s", k.err);
    if (k.rej) {
        if (r) outstream_abort(k.rej);
        else if (outstream_close(k.rej)) { snprintf(err, ERR_MAX, "%s", outstream_error(k.rej)); outstream_abort(k.rej); r = -1; }
    }
    if (k.out) {
        if (r) outstream_abort(k.out);
        else if (outstream_close(k.out)) { snprintf(err, ERR_MAX, "%s", outstream_error(k.out)); outstream_abort(k.out); r = -1; }
    }
    for (size_t i = 0; i < u->nsteps; i++) {
        if (!st[i]) continue;
        st[i]->stats.peak_rss_kb = stats_peak_rss_kb();
        stats_merge(&u->st[u->first_step + i], &st[i]->stats);
        stage_free(st[i]);
    }
    free(st);
    chain_free(ch);
    doc_free(&d);
    buf_free(&k.line);
    if (r) return -1;
    /* marker: the unit's per-step stats */
    buf m = {0};
    buf_adds(&m, "{\"unit\":");
    json_write_string(&m, u->name, strlen(u->name));
    buf_adds(&m, ",\"steps\":[");
    for (size_t i = 0; i < p->nsteps; i++) {
        if (i) buf_addc(&m, ',');
        stats_json(&u->st[i], &m);
    }
    buf_adds(&m, "]}\n");
    r = stream_write_file(u->marker, m.p, m.len, err);
    buf_free(&m);
    return r;
}

static void load_marker(const plan *p, unit *u) {
    buf b = {0};
    char err[ERR_MAX];
    if (stream_read_file(u->marker, &b, err)) return;
    const char *v;
    size_t vn;
    json_obj_iter it;
    buf key = {0};
    if (json_obj_iter_init(&it, b.p, b.len) == 0) {
        while (json_obj_iter_next(&it, &key, &v, &vn) == 1) {
            if (strcmp(key.p, "steps")) continue;
            json_arr_iter ai;
            if (json_arr_iter_init(&ai, v, vn)) break;
            const char *e;
            size_t en, i = 0;
            while (json_arr_iter_next(&ai, &e, &en) == 1 && i < p->nsteps) stats_parse_json(&u->st[i++], e, en);
        }
    }
    buf_free(&key);
    buf_free(&b);
}

static void finish_unit(run *R, unit *u, int r, const char *err) {
    pthread_mutex_lock(&R->mu);
    if (r) {
        u->failed = 1;
        if (!R->stop) snprintf(R->err, ERR_MAX, "%s", err);
        R->stop = 1;
    }
    R->finished++;
    if (R->o->progress) R->o->progress(R->o->ctx, R->finished, R->nunits, R->docs, R->bytes);
    pthread_mutex_unlock(&R->mu);
}

/* Workers take per-file units in index order; the global unit (last) runs after them. */
static void *worker(void *arg) {
    run *R = arg;
    char err[ERR_MAX];
    for (;;) {
        pthread_mutex_lock(&R->mu);
        size_t i = R->next;
        if (R->stop || i >= R->nfile) { pthread_mutex_unlock(&R->mu); break; }
        R->next++;
        pthread_mutex_unlock(&R->mu);
        unit *u = &R->units[i];
        finish_unit(R, u, u->done ? 0 : run_unit(R, u, err), err);
    }
    return NULL;
}

/* Remove temporary files (".NAME.tmp.PID") an interrupted run left in dir. */
static void clean_tmp(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp.")) {
            char *f = path2(dir, e->d_name);
            unlink(f);
            free(f);
        }
    }
    if (d) closedir(d);
}

static int rm_rf(const char *path) {
    struct stat sb;
    if (lstat(path, &sb)) return 0;
    if (S_ISDIR(sb.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            char *f = path2(path, e->d_name);
            rm_rf(f);
            free(f);
        }
        if (d) closedir(d);
        return rmdir(path);
    }
    return unlink(path);
}

static int prepare_dir(run *R, char *err) {
    const plan *p = R->p;
    char *wdir = path2(p->out_dir, ".winnow");
    char *hashf = path2(wdir, "plan");
    char hex[17];
    plan_hash(p, hex);
    buf old = {0};
    char e2[ERR_MAX];
    int r = 0;
    if (!stream_read_file(hashf, &old, e2) && (old.len < 16 || memcmp(old.p, hex, 16))) {
        if (!R->o->force) r = err_set(err, "%s was made by a different pipeline or input (run with --force to redo it)", p->out_dir);
        else {
            /* forced: drop the old markers and intermediate files; outputs are overwritten */
            char *dd = path2(wdir, "done"), *sd = path2(wdir, "stage");
            rm_rf(dd);
            rm_rf(sd);
            free(dd);
            free(sd);
        }
    }
    if (!r && (stream_mkdirs(p->out_dir, err) || stream_mkdirs(wdir, err))) r = -1;
    char *dd = path2(wdir, "done"), *sd = path2(wdir, "stage"), *rd = path2(p->out_dir, "rejects");
    if (!r && (stream_mkdirs(dd, err) || stream_mkdirs(sd, err) || (p->keep_rejects && stream_mkdirs(rd, err)))) r = -1;
    if (!r) {
        /* With --tasks, other tasks may be writing beside us right now (Slurm array tasks on
         * a shared filesystem): leave temporary files to the single run that ends the job. */
        if (R->o->tasks <= 1) {
            clean_tmp(p->out_dir);
            clean_tmp(sd);
            clean_tmp(dd);
            if (p->keep_rejects) clean_tmp(rd);
        }
        buf h = {0};
        buf_printf(&h, "%s\n", hex);
        r = stream_write_file(hashf, h.p, h.len, err);
        buf_free(&h);
    }
    free(dd);
    free(sd);
    free(rd);
    buf_free(&old);
    free(wdir);
    free(hashf);
    return r;
}

static void units_free(run *R) {
    for (size_t i = 0; i < R->nunits; i++) {
        unit *u = &R->units[i];
        strlist_free(&u->inputs);
        free(u->output);
        free(u->rejects);
        free(u->marker);
        for (size_t k = 0; k < R->p->nsteps; k++) stats_free(&u->st[k]);
        free(u->st);
    }
    free(R->units);
}

static int check_opts(const plan *p, const runner_opts *o, char *err) {
    if (o->tasks > 1 && (o->task < 0 || o->task >= o->tasks)) return err_set(err, "--task %d is not in 0..%d", o->task, o->tasks - 1);
    if (o->tasks > 1 && o->phase == RUNNER_PHASE_ALL && first_global(p) < p->nsteps)
        return err_set(err, "step '%s' needs the whole corpus: with --tasks, run '--phase files' in every task, then one '--phase global'",
                       p->steps[first_global(p)].cls->name);
    return 0;
}

int runner_run(const plan *p, const runner_opts *o, runner_result *res, char *err) {
    memset(res, 0, sizeof *res);
    if (check_opts(p, o, err)) return -1;
    run R = { .p = p, .o = o, .ck = p->out_compress };
    pthread_mutex_init(&R.mu, NULL);
    double t0 = stats_clock();
    if (prepare_dir(&R, err)) { pthread_mutex_destroy(&R.mu); return -1; }
    plan_units(&R);
    R.nfile = R.nunits;
    if (R.nunits && !strcmp(R.units[R.nunits - 1].name, "global")) R.nfile--;
    int nw = o->workers > 0 ? o->workers : (int)p->workers;
    if (nw > (int)R.nfile) nw = R.nfile ? (int)R.nfile : 1;
    pthread_t *th = xcalloc((size_t)nw, sizeof *th);
    for (int i = 0; i < nw; i++) pthread_create(&th[i], NULL, worker, &R);
    for (int i = 0; i < nw; i++) pthread_join(th[i], NULL);
    free(th);
    if (!R.stop && R.nfile < R.nunits) {
        unit *u = &R.units[R.nfile];
        char e2[ERR_MAX];
        finish_unit(&R, u, u->done ? 0 : run_unit(&R, u, e2), e2);
    }
    int r = 0;
    if (R.stop) r = err_set(err, "%s", R.err);
    res->nsteps = p->nsteps;
    res->steps = xcalloc(p->nsteps ? p->nsteps : 1, sizeof *res->steps);
    for (size_t k = 0; k < p->nsteps; k++) stats_init(&res->steps[k]);
    res->units_total = R.nunits;
    for (size_t i = 0; i < R.nunits; i++) {
        unit *u = &R.units[i];
        if (u->done) { load_marker(p, u); res->units_skipped++; }
        else if (!u->failed) res->units_run++;
        for (size_t k = 0; k < p->nsteps; k++) stats_merge(&res->steps[k], &u->st[k]);
        if (u->first_step + u->nsteps == p->nsteps) strlist_push(&res->outputs, u->output);
    }
    res->seconds = stats_clock() - t0;
    units_free(&R);
    pthread_mutex_destroy(&R.mu);
    return r;
}

void runner_result_free(runner_result *r) {
    for (size_t k = 0; k < r->nsteps; k++) stats_free(&r->steps[k]);
    free(r->steps);
    strlist_free(&r->outputs);
    memset(r, 0, sizeof *r);
}

void runner_describe(const plan *p, const runner_opts *o, buf *out) {
    run R = { .p = p, .o = o, .ck = p->out_compress };
    char err[ERR_MAX];
    if (check_opts(p, o, err)) { buf_printf(out, "error: %s\n", err); return; }
    plan_units(&R);
    buf_printf(out, "pipeline %s: %zu input files, %zu steps, output %s\n", p->path, p->inputs.n, p->nsteps, p->out_dir);
    for (size_t i = 0; i < p->nsteps; i++)
        buf_printf(out, "  step %zu: %s%s\n", i + 1, p->steps[i].cls->name,
                   p->steps[i].cls->flags & STAGE_GLOBAL ? " (whole corpus: one unit)" : " (per file)");
    for (size_t i = 0; i < R.nunits; i++) {
        unit *u = &R.units[i];
        buf_printf(out, "  unit %s: steps %zu..%zu, %zu inputs%s%s -> %s%s\n", u->name, u->first_step + 1,
                   u->first_step + u->nsteps, u->inputs.n, u->inputs.n == 1 ? " " : "", u->inputs.n == 1 ? u->inputs.v[0] : "",
                   u->output, u->done ? " [done]" : "");
    }
    units_free(&R);
}

void runner_stats_json(const plan *p, const runner_result *r, buf *out) {
    buf_adds(out, "{\"pipeline\":");
    json_write_string(out, p->path, strlen(p->path));
    buf_printf(out, ",\"units\":%zu,\"units_run\":%zu,\"units_skipped\":%zu,\"seconds\":", r->units_total, r->units_run, r->units_skipped);
    json_write_double(out, r->seconds);
    buf_adds(out, ",\"steps\":[");
    for (size_t k = 0; k < r->nsteps; k++) {
        if (k) buf_addc(out, ',');
        buf_adds(out, "{\"step\":");
        json_write_string(out, p->steps[k].cls->name, strlen(p->steps[k].cls->name));
        buf_adds(out, ",\"stats\":");
        stats_json(&r->steps[k], out);
        buf_addc(out, '}');
    }
    buf_adds(out, "]}\n");
}
