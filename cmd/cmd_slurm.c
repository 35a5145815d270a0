/*
 * cmd_slurm — `winnow slurm submit|status|resubmit`: a pipeline as Slurm jobs (docs/slurm.md).
 *
 *   submit PIPELINE.yaml --tasks N   one job per phase of the plan (runner_phases, runner.h):
 *                                    an array of N tasks for a per-task phase, a plain job for
 *                                    a single-unit one, each afterok on the one before, then the
 *                                    finish job (`winnow run PIPELINE`); scripts kept as
 *                                    OUT/.winnow/slurm/PHASE-SEQ.sbatch, jobs recorded in
 *                                    OUT/.winnow/slurm/jobs.
 *   status OUTDIR [--wait]           per phase and task: done (all its completion markers),
 *                                    pending, running, failed or missing (Slurm's word for the
 *                                    rest); then the finish job.
 *   resubmit OUTDIR                  from the first phase not done: its failed and missing tasks
 *                                    only, then every later phase in full and a new finish job
 *                                    (the stale jobs of those, still pending, are cancelled).
 * The scripts, sbatch/squeue/sacct parsing, the record and where a resubmission starts live in
 * pipeline/slurm.c; this file reads the plan's phases and markers, runs the Slurm commands
 * (from PATH) and prints.
 */
#include "cmds.h"
#include "../pipeline/plan.h"
#include "../pipeline/runner.h"
#include "../pipeline/slurm.h"
#include "../pipeline/stream.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct slurm_cfg {
    long long tasks, cpus_per_task, max_parallel, interval;
    char *partition, *mem, *time, *account, *winnow;
    int dry_run, wait;
} slurm_cfg;

#define S(f) offsetof(slurm_cfg, f)
static const opt_def submit_opts[] = {
    { "tasks", 0, OPT_INT, S(tasks), "1", "tasks of each array job; unit k (input file, hash range) goes to task k % N (at most one task per input file)", 1, 1e6, NULL, "N" },
    { "partition", 'p', OPT_STRING, S(partition), NULL, "Slurm partition (sbatch --partition)", 0, 0, NULL, "P" },
    { "account", 'A', OPT_STRING, S(account), NULL, "Slurm account (sbatch --account)", 0, 0, NULL, "A" },
    { "cpus-per-task", 'c', OPT_INT, S(cpus_per_task), "0", "CPUs per task, also winnow's worker threads (0: Slurm's default, the pipeline's workers)", 0, 4096, NULL, "C" },
    { "mem", 0, OPT_STRING, S(mem), NULL, "memory per task (sbatch --mem, e.g. 4G)", 0, 0, NULL, "M" },
    { "time", 't', OPT_STRING, S(time), NULL, "time limit per task (sbatch --time, e.g. 2:00:00)", 0, 0, NULL, "T" },
    { "max-parallel", 0, OPT_INT, S(max_parallel), "0", "at most K array tasks at once (--array=...%K; 0: no limit)", 0, 1e6, NULL, "K" },
    { "winnow", 0, OPT_STRING, S(winnow), NULL, "the winnow binary the jobs run (default: this one)", 0, 0, NULL, "PATH" },
    { "dry-run", 'n', OPT_BOOL, S(dry_run), NULL, "write the scripts and say what would be submitted; submit nothing", 0, 0, NULL, NULL },
    OPT_DEF_END,
};
static const opt_def status_opts[] = {
    { "wait", 0, OPT_BOOL, S(wait), NULL, "poll until nothing is pending or running; exit 0 if everything is done, else 1", 0, 0, NULL, NULL },
    { "interval", 0, OPT_INT, S(interval), "10", "seconds between polls with --wait", 1, 3600, NULL, "S" },
    OPT_DEF_END,
};
static const opt_def resubmit_opts[] = {
    { "dry-run", 'n', OPT_BOOL, S(dry_run), NULL, "say what would be resubmitted; submit nothing", 0, 0, NULL, NULL },
    OPT_DEF_END,
};

/* ---------- running Slurm's commands ---------- */

/* Run argv (from PATH) with stdout captured into out; stderr passes through. Exit status, or
 * -1 when it could not run (127: not found). */
static int run_capture(char *const *argv, buf *out) {
    int fd[2];
    if (pipe(fd)) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) { close(fd[0]); close(fd[1]); return -1; }
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        close(fd[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    char b[4096];
    ssize_t n;
    while ((n = read(fd[0], b, sizeof b)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) buf_add(out, b, (size_t)n);
    close(fd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int sbatch(const char *script, const char *dependency, char *job, size_t jn) {
    char dep[4200];
    char *argv[6];
    int a = 0;
    argv[a++] = "sbatch";
    argv[a++] = "--parsable";
    if (dependency) {
        snprintf(dep, sizeof dep, "--dependency=afterok:%s", dependency);
        argv[a++] = dep;
        argv[a++] = "--kill-on-invalid-dep=yes";
    }
    argv[a++] = (char *)script;
    argv[a] = NULL;
    buf out = {0};
    int st = run_capture(argv, &out);
    char err[ERR_MAX];
    int r = 0;
    if (st == 127 || st < 0) { cmd_error("slurm", "cannot run sbatch (is Slurm installed and on PATH?)"); r = -1; }
    else if (st) { cmd_error("slurm", "sbatch %s failed (exit %d)", script, st); r = -1; }
    else if (slurm_parse_jobid(out.p ? out.p : "", job, jn, err)) { cmd_error("slurm", "%s", err); r = -1; }
    buf_free(&out);
    return r;
}

/* Slurm's view of our jobs: sacct (finished ones, when accounting is on), then squeue.
 * -1 when squeue failed (Slurm unreachable: unfinished tasks' states are unknown). */
static int query_states(const slurm_record *r, slurm_states *st) {
    buf ids = {0};
    for (size_t i = 0; i < r->njobs; i++) buf_printf(&ids, "%s%s", ids.len ? "," : "", r->jobs[i].job);
    if (!ids.len) return 0;
    buf out = {0};
    char *sacct[] = { "sacct", "-n", "-X", "-P", "-o", "JobID,State", "-j", ids.p, NULL };
    int fd = dup(2), nul = open("/dev/null", O_WRONLY);   /* sacct complains when accounting is off */
    if (nul >= 0) dup2(nul, 2);
    if (run_capture(sacct, &out) == 0) slurm_states_parse(st, out.p ? out.p : "");
    if (fd >= 0) { dup2(fd, 2); close(fd); }
    if (nul >= 0) close(nul);
    buf_reset(&out);
    struct passwd *pw = getpwuid(getuid());
    char *squeue[] = { "squeue", "-h", "-r", "-t", "all", "-o", "%i|%T", "-u", pw ? pw->pw_name : "root", NULL };
    int ok = run_capture(squeue, &out) == 0;
    if (ok) slurm_states_parse(st, out.p ? out.p : "");
    buf_free(&out);
    buf_free(&ids);
    return ok ? 0 : -1;
}

/* ---------- the plan and the record ---------- */

static const char *tokenize_dir(const plan *p) {
    for (size_t i = 0; i < p->ntokenize; i++)
        if ((!strcmp(p->tokenize[i].key, "dir") || !strcmp(p->tokenize[i].key, "output") || !strcmp(p->tokenize[i].key, "o")) && p->tokenize[i].values.n)
            return p->tokenize[i].values.v[0];
    return NULL;
}

/* Load the plan and fill in the output folder as `winnow run` does. */
static int load_plan(plan *p, const char *path) {
    char err[ERR_MAX];
    if (plan_load(p, path, winnow_stages, err)) { cmd_error("slurm", "%s", err); plan_free(p); return -1; }
    if (!p->out_dir) {
        buf d = {0};
        char *td = plan_path(p, tokenize_dir(p) ? tokenize_dir(p) : "out");
        buf_printf(&d, "%s.docs", td);
        free(td);
        p->out_dir = d.p;
    }
    return 0;
}

/* The phases that get jobs of their own, in running order: all but GLOBAL, which the finish
 * job runs. *global: the plan has GLOBAL; *bare: it has no whole-corpus step at all (its
 * tasks run without --phase). */
static size_t job_phases(const plan *p, runner_phase_info *out, int *global, int *bare) {
    runner_phase_info all[RUNNER_NPHASES];
    size_t n = runner_phases(p, all), k = 0;
    *global = 0;
    for (size_t i = 0; i < n; i++) {
        if (all[i].phase == RUNNER_PHASE_GLOBAL) *global = 1;
        else out[k++] = all[i];
    }
    *bare = n == 1 && all[0].phase == RUNNER_PHASE_FILES;
    return k;
}

static char *record_path(const char *out_dir) {
    buf b = {0};
    buf_printf(&b, "%s/.winnow/slurm/jobs", out_dir);
    return b.p;
}

static int record_append(const char *out_dir, const char *line) {
    char *f = record_path(out_dir);
    buf b = {0};
    char err[ERR_MAX];
    int r = stream_read_file(f, &b, err) ? -1 : 0;
    if (!r) {
        buf_adds(&b, line);
        r = stream_write_file(f, b.p, b.len, err);
    }
    if (r) cmd_error("slurm", "%s", err);
    buf_free(&b);
    free(f);
    return r;
}

static int record_load(const char *out_dir, slurm_record *r) {
    char *f = record_path(out_dir);
    buf b = {0};
    char err[ERR_MAX];
    int st = 0;
    if (stream_read_file(f, &b, err)) {
        cmd_error("slurm", "%s: no Slurm submission here (%s)", out_dir, err);
        st = -1;
    } else if (slurm_record_parse(r, b.p ? b.p : "", err)) {
        cmd_error("slurm", "%s: %s", f, err);
        st = -1;
    }
    buf_free(&b);
    free(f);
    return st;
}

/* ---------- the state of a submission ---------- */

typedef struct task_row {
    int task;                   /* -1: a single-unit phase, the finish job */
    size_t units, done;
    slurm_task_state state;
    const slurm_sub *sub;       /* the job that last ran it, or NULL */
    const slurm_job_state *js;  /* what Slurm says of it, or NULL */
} task_row;
typedef struct phase_view {
    runner_phase_info info;
    const char *name;           /* runner_phase_name, or "finish" */
    task_row *rows;
    slurm_task_state *states;   /* rows' states, for slurm_resubmit_from */
    size_t n;
} phase_view;
typedef struct view {
    slurm_record rec;
    plan p;
    slurm_states st;
    phase_view ph[RUNNER_NPHASES + 1];   /* the phases with jobs, then the finish job */
    size_t nph;                          /* including the finish job */
    int global, bare;
    size_t counts[5];                    /* rows of the phases (not the finish job) per state */
    int slurm_ok;                        /* squeue answered */
} view;

static int file_exists(const char *dir, const char *name) {
    buf b = {0};
    buf_printf(&b, "%s/%s", dir, name);
    struct stat sb;
    int r = !stat(b.p, &sb);
    buf_free(&b);
    return r;
}

/* The finish job's work is done when every unit of every phase (GLOBAL included) has its
 * marker, and stats.json and the token manifest (as the plan has one) exist. */
static int finish_done(const plan *p) {
    if (!file_exists(p->out_dir, "stats.json")) return 0;
    runner_phase_info all[RUNNER_NPHASES];
    size_t n = runner_phases(p, all);
    for (size_t i = 0; i < n; i++) {
        size_t units, done;
        runner_task_units(p, all[i].phase, 0, 1, &units, &done);
        if (done < units) return 0;
    }
    if (p->has_tokenize && tokenize_dir(p)) {
        char *td = plan_path(p, tokenize_dir(p));
        int ok = file_exists(td, "manifest.json");
        free(td);
        if (!ok) return 0;
    }
    return 1;
}

static void row_fill(view *v, task_row *r, const char *phase, int task) {
    r->task = task;
    r->sub = slurm_record_find(&v->rec, phase, task);
    r->js = r->sub ? slurm_states_find(&v->st, r->sub->job, r->sub->n ? task : -1) : NULL;
}

static int view_load(view *v, const char *out_dir) {
    memset(v, 0, sizeof *v);
    if (record_load(out_dir, &v->rec)) return -1;
    if (load_plan(&v->p, v->rec.pipeline)) { slurm_record_free(&v->rec); return -1; }
    char hex[17];
    plan_hash(&v->p, hex);
    if (v->rec.plan_hash && strcmp(hex, v->rec.plan_hash))
        fprintf(stderr, "winnow slurm: warning: %s or its inputs changed since it was submitted\n", v->rec.pipeline);
    v->slurm_ok = !query_states(&v->rec, &v->st);
    if (!v->slurm_ok) fprintf(stderr, "winnow slurm: warning: squeue failed: the state of unfinished tasks is unknown\n");
    runner_phase_info info[RUNNER_NPHASES];
    size_t n = job_phases(&v->p, info, &v->global, &v->bare);
    int tasks = v->rec.tasks;
    for (size_t i = 0; i < n; i++) {
        phase_view *ph = &v->ph[i];
        ph->info = info[i];
        ph->name = runner_phase_name(info[i].phase);
        ph->n = info[i].per_task ? (size_t)tasks : 1;
        ph->rows = xcalloc(ph->n, sizeof *ph->rows);
        ph->states = xcalloc(ph->n, sizeof *ph->states);
        for (size_t t = 0; t < ph->n; t++) {
            task_row *r = &ph->rows[t];
            row_fill(v, r, ph->name, info[i].per_task ? (int)t : -1);
            runner_task_units(&v->p, info[i].phase, info[i].per_task ? (int)t : 0, tasks, &r->units, &r->done);
            r->state = ph->states[t] = slurm_task_state_of(r->units, r->done, r->js);
            v->counts[r->state]++;
        }
    }
    phase_view *f = &v->ph[n];
    f->name = "finish";
    f->n = 1;
    f->rows = xcalloc(1, sizeof *f->rows);
    f->states = xcalloc(1, sizeof *f->states);
    row_fill(v, f->rows, "finish", -1);
    f->rows->state = f->states[0] = finish_done(&v->p) ? SLURM_TASK_DONE : slurm_task_state_of(1, 0, f->rows->js);
    v->nph = n + 1;
    return 0;
}

static void view_free(view *v) {
    for (size_t i = 0; i < v->nph; i++) { free(v->ph[i].rows); free(v->ph[i].states); }
    slurm_states_free(&v->st);
    plan_free(&v->p);
    slurm_record_free(&v->rec);
}

static const task_row *view_finish(const view *v) { return v->ph[v->nph - 1].rows; }

/* "123_4" or "123" */
static void row_job(const task_row *r, buf *out) {
    if (!r->sub) buf_addc(out, '-');
    else if (r->sub->n) buf_printf(out, "%s_%d", r->sub->job, r->task);
    else buf_adds(out, r->sub->job);
}

static void view_print(const view *v) {
    printf("pipeline %s -> %s: %d task%s, phases", v->rec.pipeline, v->p.out_dir, v->rec.tasks, v->rec.tasks == 1 ? "" : "s");
    for (size_t i = 0; i < v->nph; i++) printf("%s %s", i ? "," : "", v->ph[i].name);
    printf("%s\n", v->global ? " (with the whole-corpus steps)" : "");
    printf("%-9s %-5s %-8s %-9s %s\n", "phase", "task", "state", "units", "job");
    buf b = {0};
    for (size_t i = 0; i < v->nph; i++) {
        const phase_view *ph = &v->ph[i];
        for (size_t t = 0; t < ph->n; t++) {
            const task_row *r = &ph->rows[t];
            char task[16], units[48];
            if (r->task >= 0) snprintf(task, sizeof task, "%d", r->task);
            else snprintf(task, sizeof task, "-");
            if (i + 1 < v->nph) snprintf(units, sizeof units, "%zu/%zu", r->done, r->units);
            else snprintf(units, sizeof units, "-");
            buf_reset(&b);
            row_job(r, &b);
            printf("%-9s %-5s %-8s %-9s %s", ph->name, task, slurm_task_state_name(r->state), units, b.p);
            if (r->js && r->state != SLURM_TASK_DONE) printf(" (%s)", r->js->raw);
            printf("\n");
        }
    }
    buf_free(&b);
    printf("%zu done, %zu pending, %zu running, %zu failed, %zu missing; finish %s\n", v->counts[SLURM_TASK_DONE],
           v->counts[SLURM_TASK_PENDING], v->counts[SLURM_TASK_RUNNING], v->counts[SLURM_TASK_FAILED],
           v->counts[SLURM_TASK_MISSING], slurm_task_state_name(view_finish(v)->state));
}

static int view_active(const view *v) {
    slurm_task_state f = view_finish(v)->state;
    return v->counts[SLURM_TASK_PENDING] || v->counts[SLURM_TASK_RUNNING] || f == SLURM_TASK_PENDING || f == SLURM_TASK_RUNNING;
}

static int view_complete(const view *v) {
    size_t rows = 0;
    for (size_t i = 0; i + 1 < v->nph; i++) rows += v->ph[i].n;
    return view_finish(v)->state == SLURM_TASK_DONE && v->counts[SLURM_TASK_DONE] == rows;
}

/* ---------- submitting ---------- */

static void spec_of(const slurm_record *r, slurm_job_spec *s, const char *log_dir) {
    memset(s, 0, sizeof *s);
    s->winnow = r->winnow;
    s->pipeline = r->pipeline;
    s->log_dir = log_dir;
    s->job_name = r->job_name;
    s->tasks = r->tasks;
    s->res = (slurm_resources){ r->partition, r->mem, r->time, r->account, r->cpus_per_task, r->max_parallel };
}

/* Write OUT/.winnow/slurm/KIND-SEQ.sbatch; its path in *path (caller frees). */
static int write_script(const char *out_dir, const char *kind, size_t seq, const buf *text, char **path) {
    buf f = {0};
    buf_printf(&f, "%s/.winnow/slurm/%s-%zu.sbatch", out_dir, kind, seq);
    char err[ERR_MAX];
    if (stream_write_file(f.p, text->p, text->len, err)) { cmd_error("slurm", "%s", err); buf_free(&f); return -1; }
    chmod(f.p, 0755);
    *path = f.p;
    return 0;
}

/* Write one job's script, submit it afterok on dep (may be empty), record and print it; its
 * id replaces dep. phase: a runner phase name or "finish"; idx/n: the array's tasks (n == 0:
 * a plain job); bare: no --phase in the tasks' command line. */
static int submit_one(const slurm_record *r, const slurm_job_spec *s, const char *out_dir, size_t seq, const char *phase,
                      const int *idx, size_t n, int bare, buf *dep, int dry) {
    buf text = {0}, spec = {0}, line = {0};
    char *script = NULL;
    char job[32];
    int st = 0;
    if (n) slurm_array_spec(idx, n, &spec);
    if (!strcmp(phase, "finish")) slurm_finish_script(s, &text);
    else slurm_phase_script(s, bare ? NULL : phase, n ? spec.p : NULL, &text);
    if (write_script(out_dir, phase, seq, &text, &script)) st = 1;
    else if (dry) {
        printf("would submit %s", script);
        if (n) printf(" (tasks %s of %d)", spec.p, r->tasks);
        printf("%s\n", dep->len ? " after the job before" : "");
        buf_reset(dep);
        buf_adds(dep, "DRY");
    } else if (sbatch(script, dep->len ? dep->p : NULL, job, sizeof job)) st = 1;
    else {
        slurm_record_job_line(phase, job, idx, n, &line);
        if (record_append(out_dir, line.p)) st = 1;
        printf("submitted %s job %s", phase, job);
        if (n || dep->len) {
            printf(" (");
            if (n) printf("tasks %s of %d%s", spec.p, r->tasks, dep->len ? ", " : "");
            if (dep->len) printf("afterok:%s", dep->p);
            printf(")");
        }
        printf(": %s\n", script);
        buf_reset(dep);
        buf_adds(dep, job);
    }
    free(script);
    buf_free(&text);
    buf_free(&spec);
    buf_free(&line);
    return st;
}

/* Submit the chain from ph[from]: the tasks idx[0..n) of it (all its tasks when idx is NULL;
 * n is ignored for a single-unit phase), every later phase in full, then the finish job, each
 * afterok on the one before. from == nph: the finish job alone. */
static int submit_chain(const slurm_record *r, const char *out_dir, const runner_phase_info *ph, size_t nph, int bare,
                        size_t from, const int *idx, size_t n, int dry) {
    buf logd = {0};
    buf_printf(&logd, "%s/.winnow/slurm/logs", out_dir);
    char err[ERR_MAX];
    if (stream_mkdirs(logd.p, err)) { cmd_error("slurm", "%s", err); buf_free(&logd); return 1; }
    slurm_job_spec s;
    spec_of(r, &s, logd.p);
    size_t seq = slurm_record_count(r, "finish") + 1;
    int *all = xcalloc((size_t)r->tasks + 1, sizeof *all);
    for (int t = 0; t < r->tasks; t++) all[t] = t;
    buf dep = {0};
    int st = 0;
    for (size_t i = from; i < nph && !st; i++) {
        const int *ti = all;
        size_t tn = (size_t)r->tasks;
        if (i == from && idx) { ti = idx; tn = n; }
        if (!ph[i].per_task) tn = 0;
        st = submit_one(r, &s, out_dir, seq, runner_phase_name(ph[i].phase), ti, tn, bare, &dep, dry);
    }
    if (!st) st = submit_one(r, &s, out_dir, seq, "finish", NULL, 0, bare, &dep, dry);
    free(all);
    buf_free(&dep);
    buf_free(&logd);
    return st;
}

static int cmd_submit(int argc, char **argv) {
    slurm_cfg c;
    opt_defaults(submit_opts, &c);
    const opt_def *tables[1] = { submit_opts };
    void *cfgs[1] = { &c };
    char err[ERR_MAX];
    int npos = opt_parse_argv(tables, cfgs, 1, argc, argv, err), st = 0;
    if (npos == -2) {
        buf b = {0};
        buf_adds(&b, "usage: winnow slurm submit PIPELINE.yaml --tasks N [OPTIONS]\n\n"
                     "Run a pipeline as Slurm jobs, one per phase, each after the one before: an array job for a\n"
                     "phase split over tasks (task I of N: `winnow run PIPELINE --task I --tasks N --phase NAME`),\n"
                     "a plain job for a single-unit phase, then a finish job (`winnow run PIPELINE`: whole-corpus\n"
                     "steps that do not split, tokenize:, merged stats.json).\n"
                     "Needs a filesystem shared by the submit host and the nodes. See docs/slurm.md.\n\noptions:\n");
        opt_help(submit_opts, &b);
        fputs(b.p, stdout);
        buf_free(&b);
        opt_free(submit_opts, &c);
        return 0;
    }
    if (npos != 1) {
        cmd_error("slurm", "%s", npos < 0 ? err : "submit needs exactly one PIPELINE.yaml");
        opt_free(submit_opts, &c);
        return 2;
    }
    char pipeline[PATH_MAX], self[PATH_MAX];
    if (!realpath(argv[0], pipeline)) {
        cmd_error("slurm", "%s: %s", argv[0], strerror(errno));
        opt_free(submit_opts, &c);
        return 2;
    }
    if (c.winnow) {
        if (!realpath(c.winnow, self)) { cmd_error("slurm", "%s: %s", c.winnow, strerror(errno)); opt_free(submit_opts, &c); return 2; }
    } else {
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0) { cmd_error("slurm", "cannot find this binary's path: give --winnow PATH"); opt_free(submit_opts, &c); return 2; }
        self[n] = 0;
    }
    plan p;
    if (load_plan(&p, pipeline)) { opt_free(submit_opts, &c); return 2; }
    runner_phase_info ph[RUNNER_NPHASES];
    int global, bare;
    size_t nph = job_phases(&p, ph, &global, &bare);
    int per_task = 0;
    for (size_t i = 0; i < nph; i++) per_task |= ph[i].per_task;
    int tasks = (int)c.tasks;
    if (!per_task) tasks = 1;   /* no per-file step: everything is the finish job's */
    if ((size_t)tasks > p.inputs.n) tasks = p.inputs.n ? (int)p.inputs.n : 1;
    if (tasks < (int)c.tasks)
        fprintf(stderr, "winnow slurm: note: %d task%s (%s)\n", tasks, tasks == 1 ? "" : "s",
                !per_task ? "the first step needs the whole corpus: one finish job does everything" : "one per input file at most");
    char hex[17];
    plan_hash(&p, hex);
    /* refuse an output folder made by another pipeline, and one with jobs still queued */
    buf old = {0};
    buf hf = {0};
    buf_printf(&hf, "%s/.winnow/plan", p.out_dir);
    if (!stream_read_file(hf.p, &old, err) && (old.len < 16 || memcmp(old.p, hex, 16))) {
        cmd_error("slurm", "%s was made by a different pipeline or input (remove it, or run `winnow run --force` once)", p.out_dir);
        st = 1;
    }
    buf_free(&old);
    buf_free(&hf);
    char *rf = record_path(p.out_dir);
    struct stat sb;
    if (!st && !stat(rf, &sb)) {
        view v;
        if (!view_load(&v, p.out_dir)) {
            if (view_active(&v)) {
                cmd_error("slurm", "%s: jobs of an earlier submission are still queued or running (see `winnow slurm status %s`)", p.out_dir, p.out_dir);
                st = 1;
            }
            view_free(&v);
        }
    }
    buf sd = {0};
    buf_printf(&sd, "%s/.winnow/slurm", p.out_dir);
    if (!st && stream_mkdirs(sd.p, err)) { cmd_error("slurm", "%s", err); st = 1; }
    if (!st) {
        const char *base = strrchr(pipeline, '/') ? strrchr(pipeline, '/') + 1 : pipeline;
        buf name = {0};
        buf_adds(&name, "winnow-");
        for (const char *q = base; *q && strcmp(q, ".yaml") && strcmp(q, ".yml"); q++)
            buf_addc(&name, (*q == ' ' || *q == '/') ? '_' : *q);
        slurm_record r = { .pipeline = pipeline, .winnow = self, .plan_hash = hex, .job_name = name.p,
                           .partition = c.partition, .mem = c.mem, .time = c.time, .account = c.account,
                           .tasks = tasks, .cpus_per_task = (int)c.cpus_per_task, .max_parallel = (int)c.max_parallel };
        buf rec = {0};
        slurm_record_text(&r, &rec);
        if (!c.dry_run && stream_write_file(rf, rec.p, rec.len, err)) { cmd_error("slurm", "%s", err); st = 1; }
        buf_free(&rec);
        if (!st) st = submit_chain(&r, p.out_dir, ph, nph, bare, 0, NULL, 0, c.dry_run);
        buf_free(&name);
    }
    buf_free(&sd);
    free(rf);
    plan_free(&p);
    opt_free(submit_opts, &c);
    return st;
}

static int parse_outdir(const opt_def *opts, slurm_cfg *c, int argc, char **argv, const char *what, const char *usage) {
    const opt_def *tables[1] = { opts };
    void *cfgs[1] = { c };
    char err[ERR_MAX];
    int npos = opt_parse_argv(tables, cfgs, 1, argc, argv, err);
    if (npos == -2) {
        buf b = {0};
        buf_printf(&b, "usage: winnow slurm %s OUTDIR [OPTIONS]\n\n%s\n\noptions:\n", what, usage);
        opt_help(opts, &b);
        fputs(b.p, stdout);
        buf_free(&b);
        return -2;
    }
    if (npos != 1) {
        cmd_error("slurm", "%s", npos < 0 ? err : "needs exactly one OUTDIR (the pipeline's output dir)");
        return -1;
    }
    return 0;
}

static int cmd_status(int argc, char **argv) {
    slurm_cfg c;
    opt_defaults(status_opts, &c);
    int r = parse_outdir(status_opts, &c, argc, argv, "status",
                         "Per phase, which tasks of a submission are done (all their completion markers), pending,\n"
                         "running, failed or missing, from the markers and Slurm's state (squeue, and sacct when\n"
                         "accounting is on); then the finish job.");
    if (r) { opt_free(status_opts, &c); return r == -2 ? 0 : 2; }
    int st = 0;
    for (;;) {
        view v;
        if (view_load(&v, argv[0])) { st = 1; break; }
        int active = view_active(&v);
        if (!c.wait || !active) {
            view_print(&v);
            if (c.wait) st = view_complete(&v) ? 0 : 1;
            view_free(&v);
            break;
        }
        view_free(&v);
        sleep((unsigned)c.interval);
    }
    opt_free(status_opts, &c);
    return st;
}

/* The rows of ph[from..] in one of the states a, b, as "JOB_T, JOB" (at most 6). */
static void rows_listed(const view *v, size_t from, slurm_task_state a, slurm_task_state b, buf *out) {
    size_t k = 0;
    for (size_t i = from; i < v->nph; i++)
        for (size_t t = 0; t < v->ph[i].n; t++) {
            const task_row *r = &v->ph[i].rows[t];
            if (r->state != a && r->state != b) continue;
            if (k++ == 6) { buf_adds(out, ", ..."); return; }
            if (k > 1) buf_adds(out, ", ");
            row_job(r, out);
        }
}

/* Cancel the jobs of ph[from..] that still have a pending row (they wait on the failed phase,
 * whose afterok can no longer be satisfied). */
static void cancel_stale(const view *v, size_t from, int dry) {
    strlist done = {0};
    for (size_t i = from; i < v->nph; i++)
        for (size_t t = 0; t < v->ph[i].n; t++) {
            const task_row *r = &v->ph[i].rows[t];
            if (r->state != SLURM_TASK_PENDING || !r->sub) continue;
            int seen = 0;
            for (size_t k = 0; k < done.n; k++) seen |= !strcmp(done.v[k], r->sub->job);
            if (seen) continue;
            strlist_push(&done, r->sub->job);
            if (dry) { printf("would cancel %s job %s (pending on the failed phase)\n", v->ph[i].name, r->sub->job); continue; }
            char *sc[] = { "scancel", (char *)r->sub->job, NULL };
            buf o = {0};
            if (run_capture(sc, &o)) fprintf(stderr, "winnow slurm: warning: scancel %s failed\n", r->sub->job);
            else printf("cancelled %s job %s (pending on the failed phase)\n", v->ph[i].name, r->sub->job);
            buf_free(&o);
        }
    strlist_free(&done);
}

static int cmd_resubmit(int argc, char **argv) {
    slurm_cfg c;
    opt_defaults(resubmit_opts, &c);
    int r = parse_outdir(resubmit_opts, &c, argc, argv, "resubmit",
                         "From the first phase that is not done: submit again only its tasks that failed or are\n"
                         "missing, then every later phase in full and a new finish job, each after the one before.\n"
                         "Jobs of those later phases still pending on the failed one are cancelled first.");
    if (r) { opt_free(resubmit_opts, &c); return r == -2 ? 0 : 2; }
    view v;
    if (view_load(&v, argv[0])) { opt_free(resubmit_opts, &c); return 1; }
    if (!v.slurm_ok) {
        cmd_error("slurm", "squeue failed: not resubmitting tasks that may still be queued or running");
        view_free(&v);
        opt_free(resubmit_opts, &c);
        return 1;
    }
    slurm_chain_phase chain[RUNNER_NPHASES + 1];
    for (size_t i = 0; i < v.nph; i++) chain[i] = (slurm_chain_phase){ v.ph[i].states, v.ph[i].n };
    size_t from;
    slurm_resubmit_kind kind = slurm_resubmit_from(chain, v.nph, &from);
    int st = 0, last = from + 1 == v.nph;
    buf b = {0};
    if (kind == SLURM_RESUBMIT_NOTHING_DONE) {
        printf("nothing to resubmit: every task and the finish job are done\n");
    } else if (kind == SLURM_RESUBMIT_NOTHING_QUEUED) {
        if (last) printf("nothing to resubmit: the finish job is queued or running\n");
        else printf("nothing to resubmit: phase %s is queued or running, and the jobs after it are queued\n", v.ph[from].name);
    } else if (kind == SLURM_RESUBMIT_BUSY) {
        rows_listed(&v, from, SLURM_TASK_PENDING, SLURM_TASK_RUNNING, &b);
        cmd_error("slurm", "%s%s is not done and jobs are still queued or running (%s): wait for them to end (or scancel them), then resubmit",
                  last ? "the finish job" : "phase ", last ? "" : v.ph[from].name, b.p ? b.p : "");
        st = 1;
    } else {
        const phase_view *ph = &v.ph[from];
        int *idx = xcalloc(ph->n + 1, sizeof *idx);
        size_t n = 0;
        for (size_t t = 0; t < ph->n; t++)
            if (ph->rows[t].state == SLURM_TASK_FAILED || ph->rows[t].state == SLURM_TASK_MISSING) idx[n++] = (int)t;
        cancel_stale(&v, from + 1, c.dry_run);
        runner_phase_info info[RUNNER_NPHASES];
        for (size_t i = 0; i + 1 < v.nph; i++) info[i] = v.ph[i].info;
        st = submit_chain(&v.rec, v.p.out_dir, info, v.nph - 1, v.bare, from, idx, n, c.dry_run);
        free(idx);
    }
    buf_free(&b);
    view_free(&v);
    opt_free(resubmit_opts, &c);
    return st;
}

int cmd_slurm(int argc, char **argv) {
    const char *usage = "usage: winnow slurm submit PIPELINE.yaml --tasks N [--partition P --cpus-per-task C --mem M --time T --max-parallel K]\n"
                        "       winnow slurm status OUTDIR [--wait]\n"
                        "       winnow slurm resubmit OUTDIR\n";
    if (argc < 2) { cmd_error("slurm", "needs submit, status or resubmit"); fputs(usage, stderr); return 2; }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        printf("%s\nRun a pipeline on Slurm: a job per phase (an array of `winnow run --task I --tasks N --phase NAME`\n"
               "for a phase split over tasks), each after the one before, then one finish job.\n"
               "Each subcommand takes -h. See docs/slurm.md.\n", usage);
        return 0;
    }
    if (!strcmp(sub, "submit")) return cmd_submit(argc - 1, argv + 1);
    if (!strcmp(sub, "status")) return cmd_status(argc - 1, argv + 1);
    if (!strcmp(sub, "resubmit")) return cmd_resubmit(argc - 1, argv + 1);
    cmd_error("slurm", "unknown subcommand '%s' (submit, status or resubmit)", sub);
    return 2;
}
