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
    char name[32];          /* "part-000003", "bucket-000007", "clusters", "apply-000003", "global" */
    int phase;              /* RUNNER_PHASE_* */
    size_t index;           /* input file (part) or key range */
    strlist inputs;
    char *output, *rejects, *marker;
    size_t first_step, nsteps;  /* the chain of steps it runs (nsteps 0: none) */
    int final_out;          /* output is a final OUT/part-* file */
    int done;               /* marker present at start */
    stats *st;              /* per step */
    int failed;
} unit;

/* Where the whole-corpus work starts and how it runs. */
typedef struct layout {
    size_t g;               /* first whole-corpus step (nsteps: none) */
    int split;              /* step g runs split (stage_split) */
    size_t h;               /* split: end of the steps the apply units run (next whole-corpus step) */
} layout;

typedef struct run {
    const plan *p;
    const runner_opts *o;
    layout L;
    size_t nranges;
    char *stage_dir, *split_dir;
    unit *units;
    size_t nunits;
    size_t hi, next, finished;       /* the phase being run: units[next..hi) still to take */
    int threads;                     /* split keys: signature threads per unit */
    uint64_t docs, bytes;
    pthread_mutex_t mu;
    int stop;
    char err[ERR_MAX];
    compress_kind ck;
} run;

static const char *const phase_names[] = { "all", "files", "buckets", "gather", "clusters", "apply", "global" };

const char *runner_phase_name(int phase) {
    return phase >= 0 && phase < RUNNER_NPHASES ? phase_names[phase] : "?";
}

int runner_phase_parse(const char *name) {
    for (int i = 0; i < RUNNER_NPHASES; i++)
        if (!strcmp(name, phase_names[i])) return i;
    return -1;
}

static const char *ext_of(compress_kind k) {
    return k == COMPRESS_ZSTD ? ".jsonl.zst" : k == COMPRESS_GZIP ? ".jsonl.gz" : ".jsonl";
}

static size_t first_global(const plan *p) {
    for (size_t i = 0; i < p->nsteps; i++)
        if (p->steps[i].cls->flags & STAGE_GLOBAL) return i;
    return p->nsteps;
}

static int plan_layout(const plan *p, layout *L, char *err) {
    L->g = first_global(p);
    L->split = 0;
    L->h = p->nsteps;
    if (L->g < p->nsteps && p->steps[L->g].cls->split) {
        stage *s = plan_step_stage(p, L->g, err);
        if (!s) return -1;
        L->split = s->cls->split->enabled(s);
        stage_free(s);
    }
    if (L->split)
        for (L->h = L->g + 1; L->h < p->nsteps && !(p->steps[L->h].cls->flags & STAGE_GLOBAL);) L->h++;
    return 0;
}

static char *path2(const char *a, const char *b) {
    buf x = {0};
    buf_printf(&x, "%s/%s", a, b);
    return x.p;
}

/* Does the invocation run phase ph, and unit index of it? (single-unit phases: task 0) */
static int wants(const runner_opts *o, int ph) { return o->phase == RUNNER_PHASE_ALL || o->phase == ph; }
static int mine(const runner_opts *o, size_t index) {
    return o->tasks <= 1 || (int)(index % (size_t)o->tasks) == o->task;
}

static unit *new_unit(run *R, int phase, size_t index, const char *fmt) {
    unit *u = &R->units[R->nunits++];
    memset(u, 0, sizeof *u);
    u->phase = phase;
    u->index = index;
    snprintf(u->name, sizeof u->name, fmt, index);
    return u;
}

static char *file3(const char *dir, const char *name, const char *ext) {
    buf f = {0};
    buf_printf(&f, "%s/%s%s", dir, name, ext);
    return f.p;
}

/* Build the unit list for this invocation, phase by phase in running order. */
static void plan_units(run *R) {
    const plan *p = R->p;
    const runner_opts *o = R->o;
    const layout *L = &R->L;
    size_t g = L->g, n = p->inputs.n, ns = p->nsteps;
    const char *ext = ext_of(R->ck);
    R->nranges = RUNNER_RANGES(n);
    R->units = xcalloc(3 * n + R->nranges + 2, sizeof *R->units);
    R->stage_dir = path2(p->out_dir, ".winnow/stage");
    R->split_dir = path2(p->out_dir, ".winnow/split");
    char *done_dir = path2(p->out_dir, ".winnow/done");
    char part[32];
    if ((g > 0 || L->split) && wants(o, RUNNER_PHASE_FILES)) {
        for (size_t i = 0; i < n; i++) {
            if (!mine(o, i)) continue;
            unit *u = new_unit(R, RUNNER_PHASE_FILES, i, "part-%06zu");
            strlist_push(&u->inputs, p->inputs.v[i]);
            u->nsteps = g;
            if (g > 0) {
                u->final_out = g == ns;
                u->output = file3(u->final_out ? p->out_dir : R->stage_dir, u->name, u->final_out ? ext : ".jsonl.zst");
            }
        }
    }
    if (L->split) {
        if (wants(o, RUNNER_PHASE_BUCKETS))
            for (size_t r = 0; r < R->nranges; r++)
                if (mine(o, r)) new_unit(R, RUNNER_PHASE_BUCKETS, r, "bucket-%06zu");
        if (wants(o, RUNNER_PHASE_GATHER))
            for (size_t i = 0; i < n; i++)
                if (mine(o, i)) new_unit(R, RUNNER_PHASE_GATHER, i, "gather-%06zu");
        if (wants(o, RUNNER_PHASE_CLUSTERS) && mine(o, 0)) new_unit(R, RUNNER_PHASE_CLUSTERS, 0, "clusters");
        if (wants(o, RUNNER_PHASE_APPLY))
            for (size_t i = 0; i < n; i++) {
                if (!mine(o, i)) continue;
                unit *u = new_unit(R, RUNNER_PHASE_APPLY, i, "apply-%06zu");
                u->first_step = g;
                u->nsteps = L->h - g;
                u->final_out = L->h == ns;
                snprintf(part, sizeof part, "part-%06zu", i);
                u->output = u->final_out ? file3(p->out_dir, part, ext) : file3(R->stage_dir, u->name, ".jsonl.zst");
            }
        /* gather and apply read the part: the files phase's output, or the input itself */
        for (size_t k = 0; k < R->nunits; k++) {
            unit *u = &R->units[k];
            if (u->phase != RUNNER_PHASE_GATHER && u->phase != RUNNER_PHASE_APPLY) continue;
            snprintf(part, sizeof part, "part-%06zu", u->index);
            if (g > 0) {
                char *f = file3(R->stage_dir, part, ".jsonl.zst");
                strlist_push(&u->inputs, f);
                free(f);
            } else strlist_push(&u->inputs, p->inputs.v[u->index]);
        }
    }
    size_t gs = L->split ? L->h : g;   /* the global unit's first step */
    if (gs < ns && wants(o, RUNNER_PHASE_GLOBAL) && mine(o, 0)) {
        unit *u = new_unit(R, RUNNER_PHASE_GLOBAL, 0, "global");
        for (size_t i = 0; i < n; i++) {
            if (gs == 0) { strlist_push(&u->inputs, p->inputs.v[i]); continue; }
            snprintf(part, sizeof part, "%s-%06zu", L->split ? "apply" : "part", i);
            char *f = file3(R->stage_dir, part, ".jsonl.zst");
            strlist_push(&u->inputs, f);
            free(f);
        }
        snprintf(part, sizeof part, "part-%06d", 0);
        u->output = file3(p->out_dir, part, ext);
        u->first_step = gs;
        u->nsteps = ns - gs;
        u->final_out = 1;
    }
    for (size_t i = 0; i < R->nunits; i++) {
        unit *u = &R->units[i];
        u->marker = file3(done_dir, u->name, ".json");
        if (p->keep_rejects && u->nsteps) {
            buf r = {0};
            buf_printf(&r, "%s/rejects/%s%s", p->out_dir, u->name, ext);
            u->rejects = r.p;
        }
        u->st = xcalloc(ns ? ns : 1, sizeof *u->st);
        for (size_t k = 0; k < ns; k++) stats_init(&u->st[k]);
        struct stat sb;
        u->done = !o->force && !stat(u->marker, &sb);
    }
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

typedef struct rsrc { reader *rd; } rsrc;
static int rsrc_next(void *ctx, doc *d, char *err) {
    int g = reader_next(((rsrc *)ctx)->rd, d, err);
    return g == READER_DOC ? 1 : g == READER_EOF ? 0 : -1;
}

/* An intermediate file that is not there: say which phase makes it. */
static void missing_phase(run *R, const char *path, char *err) {
    size_t n = strlen(R->stage_dir);
    struct stat sb;
    if (strncmp(path, R->stage_dir, n) || path[n] != '/' || !stat(path, &sb)) return;
    err_set(err, "%s is missing: run --phase %s for every task first", path, !strncmp(path + n + 1, "apply-", 6) ? "apply" : "files");
}

/* The unit's chain of steps: inputs in order -> output (and rejects). */
static int run_chain(run *R, unit *u, char *err) {
    const plan *p = R->p;
    stage **st = xcalloc(u->nsteps ? u->nsteps : 1, sizeof *st);
    int r = 0;
    for (size_t i = 0; i < u->nsteps && !r; i++)
        if (!(st[i] = plan_step_stage(p, u->first_step + i, err))) r = -1;
    /* the split step of an apply unit: this part's decisions, then per document */
    if (!r && u->phase == RUNNER_PHASE_APPLY && st[0]->cls->split->apply(st[0], R->split_dir, u->index, err)) r = -1;
    usink k = {0};
    if (!r && !(k.out = outstream_open(u->output, u->final_out ? R->ck : COMPRESS_ZSTD, u->final_out ? 0 : 1, err))) r = -1;
    if (!r && u->rejects && !(k.rej = outstream_open(u->rejects, R->ck, 0, err))) r = -1;
    chain *ch = r ? NULL : chain_new(st, u->nsteps, usink_out, k.rej ? usink_rej : NULL, &k);
    doc d;
    doc_init(&d);
    reader_opts ro = { 0 };
    for (size_t i = 0; i < u->inputs.n && !r; i++) {
        reader *rd = reader_open(u->inputs.v[i], &ro, err);
        if (!rd) { missing_phase(R, u->inputs.v[i], err); r = -1; break; }
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
    return r ? -1 : 0;
}

/* The split step's work of a files (keys), buckets, gather or clusters unit. */
static int run_split(run *R, unit *u, char *err) {
    const plan *p = R->p;
    stage *s = plan_step_stage(p, R->L.g, err);
    if (!s) return -1;
    const stage_split *sp = s->cls->split;
    size_t n = p->inputs.n;
    int r = 0;
    double t0 = stats_clock();   /* the step's seconds include its split phases */
    if (u->phase == RUNNER_PHASE_FILES || u->phase == RUNNER_PHASE_GATHER) {
        const char *in = u->phase == RUNNER_PHASE_GATHER ? u->inputs.v[0] : u->output ? u->output : u->inputs.v[0];
        reader_opts ro = { 0 };
        rsrc rs = { reader_open(in, &ro, err) };
        doc_source src = { rsrc_next, &rs };
        if (!rs.rd) { missing_phase(R, in, err); r = -1; }
        else if (u->phase == RUNNER_PHASE_FILES) r = sp->keys(s, &src, R->split_dir, u->index, R->nranges, R->threads, err);
        else r = sp->gather(s, &src, R->split_dir, u->index, R->nranges, R->threads, err);
        if (rs.rd) reader_close(rs.rd);
    } else if (u->phase == RUNNER_PHASE_BUCKETS) r = sp->buckets(s, R->split_dir, n, u->index, R->nranges, err);
    else if (u->phase == RUNNER_PHASE_CLUSTERS) r = sp->clusters(s, R->split_dir, n, R->nranges, err);
    s->stats.peak_rss_kb = stats_peak_rss_kb();
    s->stats.seconds += stats_clock() - t0;
    if (!r) stats_merge(&u->st[R->L.g], &s->stats);
    stage_free(s);
    return r ? -1 : 0;
}

static int run_unit(run *R, unit *u, char *err) {
    const plan *p = R->p;
    if (u->nsteps && run_chain(R, u, err)) return -1;
    if (R->L.split && u->phase != RUNNER_PHASE_APPLY && u->phase != RUNNER_PHASE_GLOBAL && run_split(R, u, err)) return -1;
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
    int r = stream_write_file(u->marker, m.p, m.len, err);
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

/* Workers take the current phase's units, units[lo..hi), in order. */
static void *worker(void *arg) {
    run *R = arg;
    char err[ERR_MAX];
    for (;;) {
        pthread_mutex_lock(&R->mu);
        size_t i = R->next;
        if (R->stop || i >= R->hi) { pthread_mutex_unlock(&R->mu); break; }
        R->next++;
        pthread_mutex_unlock(&R->mu);
        unit *u = &R->units[i];
        err[0] = 0;
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
            char *dd = path2(wdir, "done"), *sd = path2(wdir, "stage"), *xd = path2(wdir, "split");
            rm_rf(dd);
            rm_rf(sd);
            rm_rf(xd);
            free(dd);
            free(sd);
            free(xd);
        }
    }
    if (!r && (stream_mkdirs(p->out_dir, err) || stream_mkdirs(wdir, err))) r = -1;
    char *dd = path2(wdir, "done"), *sd = path2(wdir, "stage"), *rd = path2(p->out_dir, "rejects");
    if (!r && (stream_mkdirs(dd, err) || stream_mkdirs(sd, err) || (p->keep_rejects && stream_mkdirs(rd, err)) ||
               (R->L.split && stream_mkdirs(R->split_dir, err)))) r = -1;
    if (!r) {
        /* With --tasks, other tasks may be writing beside us right now (Slurm array tasks on
         * a shared filesystem): leave temporary files to the single run that ends the job. */
        if (R->o->tasks <= 1) {
            clean_tmp(p->out_dir);
            clean_tmp(sd);
            clean_tmp(dd);
            if (R->L.split) clean_tmp(R->split_dir);
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
    free(R->stage_dir);
    free(R->split_dir);
}

static int check_opts(const plan *p, const runner_opts *o, char *err) {
    if (o->tasks > 1 && (o->task < 0 || o->task >= o->tasks)) return err_set(err, "--task %d is not in 0..%d", o->task, o->tasks - 1);
    if (o->tasks > 1 && o->phase == RUNNER_PHASE_ALL && first_global(p) < p->nsteps)
        return err_set(err, "step '%s' needs the whole corpus: with --tasks, run each phase in turn ('winnow run --dry-run' lists them: "
                       "files, then buckets, gather, clusters, apply for a split dedup), every task per phase, then one plain run",
                       p->steps[first_global(p)].cls->name);
    return 0;
}

/* Set up R (layout, units) for p and o. */
static int run_init(run *R, const plan *p, const runner_opts *o, char *err) {
    memset(R, 0, sizeof *R);
    R->p = p;
    R->o = o;
    R->ck = p->out_compress;
    if (check_opts(p, o, err) || plan_layout(p, &R->L, err)) return -1;
    plan_units(R);
    return 0;
}

int runner_run(const plan *p, const runner_opts *o, runner_result *res, char *err) {
    memset(res, 0, sizeof *res);
    run R;
    if (run_init(&R, p, o, err)) return -1;
    pthread_mutex_init(&R.mu, NULL);
    double t0 = stats_clock();
    if (prepare_dir(&R, err)) { units_free(&R); pthread_mutex_destroy(&R.mu); return -1; }
    int nw0 = o->workers > 0 ? o->workers : (int)p->workers;
    if (nw0 < 1) nw0 = 1;
    /* phase by phase: each phase's units over the workers, then a barrier */
    for (size_t lo = 0; lo < R.nunits && !R.stop;) {
        size_t hi = lo;
        while (hi < R.nunits && R.units[hi].phase == R.units[lo].phase) hi++;
        R.next = lo;
        R.hi = hi;
        int nw = nw0 > (int)(hi - lo) ? (int)(hi - lo) : nw0;
        /* a phase with fewer units left than workers gives each unit the spare cores */
        size_t left = 0;
        for (size_t i = lo; i < hi; i++) left += !R.units[i].done;
        R.threads = nw0 / (int)(left == 0 ? 1 : left < (size_t)nw0 ? left : (size_t)nw0);
        if (nw <= 1) worker(&R);
        else {
            pthread_t *th = xcalloc((size_t)nw, sizeof *th);
            for (int i = 0; i < nw; i++) pthread_create(&th[i], NULL, worker, &R);
            for (int i = 0; i < nw; i++) pthread_join(th[i], NULL);
            free(th);
        }
        lo = hi;
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
        if (u->final_out) strlist_push(&res->outputs, u->output);
    }
    res->seconds = stats_clock() - t0;
    units_free(&R);
    pthread_mutex_destroy(&R.mu);
    return r;
}

size_t runner_phases(const plan *p, runner_phase_info *out) {
    runner_opts o = { 0 };
    run R;
    char err[ERR_MAX];
    if (run_init(&R, p, &o, err)) return 0;
    size_t n = 0;
    for (size_t i = 0; i < R.nunits; i++) {
        if (!n || out[n - 1].phase != R.units[i].phase) {
            int ph = R.units[i].phase;
            out[n].phase = ph;
            out[n].units = 0;
            out[n].per_task = ph != RUNNER_PHASE_CLUSTERS && ph != RUNNER_PHASE_GLOBAL;
            n++;
        }
        out[n - 1].units++;
    }
    units_free(&R);
    return n;
}

void runner_task_units(const plan *p, int phase, int task, int tasks, size_t *units, size_t *done) {
    int single = phase == RUNNER_PHASE_CLUSTERS || phase == RUNNER_PHASE_GLOBAL;
    runner_opts o = { .phase = phase, .task = single ? 0 : task, .tasks = tasks };
    run R;
    char err[ERR_MAX];
    *units = *done = 0;
    if (run_init(&R, p, &o, err)) return;
    for (size_t i = 0; i < R.nunits; i++) {
        (*units)++;
        *done += R.units[i].done;
    }
    units_free(&R);
}

void runner_result_free(runner_result *r) {
    for (size_t k = 0; k < r->nsteps; k++) stats_free(&r->steps[k]);
    free(r->steps);
    strlist_free(&r->outputs);
    memset(r, 0, sizeof *r);
}

void runner_describe(const plan *p, const runner_opts *o, buf *out) {
    run R;
    char err[ERR_MAX];
    if (run_init(&R, p, o, err)) { buf_printf(out, "error: %s\n", err); return; }
    buf_printf(out, "pipeline %s: %zu input files, %zu steps, output %s\n", p->path, p->inputs.n, p->nsteps, p->out_dir);
    for (size_t i = 0; i < p->nsteps; i++)
        buf_printf(out, "  step %zu: %s%s\n", i + 1, p->steps[i].cls->name,
                   !(p->steps[i].cls->flags & STAGE_GLOBAL) ? " (per file)" :
                   R.L.split && i == R.L.g ? " (whole corpus, split: files, buckets, gather, clusters, apply)" : " (whole corpus: one unit)");
    int ph = -1;
    for (size_t i = 0; i < R.nunits; i++) {
        unit *u = &R.units[i];
        if (u->phase != ph) {
            ph = u->phase;
            size_t n = 0;
            for (size_t k = i; k < R.nunits && R.units[k].phase == ph; k++) n++;
            buf_printf(out, "phase %s: %zu unit%s\n", runner_phase_name(ph), n, n == 1 ? "" : "s");
        }
        buf_printf(out, "  unit %s", u->name);
        if (u->nsteps) buf_printf(out, ": steps %zu..%zu", u->first_step + 1, u->first_step + u->nsteps);
        else if (u->phase == RUNNER_PHASE_FILES) buf_printf(out, ": keys of step %zu", R.L.g + 1);
        if (u->inputs.n) buf_printf(out, ", %zu input%s%s%s", u->inputs.n, u->inputs.n == 1 ? " " : "s", u->inputs.n == 1 ? u->inputs.v[0] : "", "");
        if (u->output) buf_printf(out, " -> %s", u->output);
        else if (R.L.split) buf_printf(out, " -> %s", R.split_dir);
        buf_printf(out, "%s\n", u->done ? " [done]" : "");
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
