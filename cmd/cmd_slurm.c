/*
 * cmd_slurm — `winnow slurm submit|status|resubmit`: a pipeline as Slurm jobs (docs/slurm.md).
 *
 *   submit PIPELINE.yaml --tasks N   writes OUT/.winnow/slurm/{array,finish}-1.sbatch, submits
 *                                    the array and the finish job (afterok on the array), and
 *                                    records both in OUT/.winnow/slurm/jobs.
 *   status OUTDIR [--wait]           per task: done (all its completion markers), pending,
 *                                    running, failed or missing (Slurm's word for the rest).
 *   resubmit OUTDIR                  a new array of the failed and missing tasks only, and a new
 *                                    finish job after it (the stale one is cancelled).
 * The scripts, sbatch/squeue/sacct parsing and the record live in pipeline/slurm.c; this file
 * runs the Slurm commands (from PATH) and prints.
 */
#include "cmds.h"
#include "../pipeline/plan.h"
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
    { "tasks", 0, OPT_INT, S(tasks), "1", "number of array tasks; input file i goes to task i % N (at most one task per input file)", 1, 1e6, NULL, "N" },
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
    for (size_t i = 0; i < r->narrays; i++) buf_printf(&ids, "%s%s", ids.len ? "," : "", r->arrays[i].job);
    for (size_t i = 0; i < r->finish.n; i++) buf_printf(&ids, "%s%s", ids.len ? "," : "", r->finish.v[i]);
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

static int has_global(const plan *p, size_t *first) {
    for (size_t i = 0; i < p->nsteps; i++)
        if (p->steps[i].cls->flags & STAGE_GLOBAL) { *first = i; return 1; }
    *first = p->nsteps;
    return 0;
}

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

typedef struct task_row { int task; size_t units, done; slurm_task_state state; const char *job; const slurm_job_state *js; } task_row;
typedef struct view {
    slurm_record rec;
    plan p;
    slurm_states st;
    task_row *rows;
    int ntasks;
    slurm_task_state finish;
    const slurm_job_state *finish_js;
    size_t counts[5];
    int slurm_ok;           /* squeue answered */
} view;

static int file_exists(const char *dir, const char *name) {
    buf b = {0};
    buf_printf(&b, "%s/%s", dir, name);
    struct stat sb;
    int r = !stat(b.p, &sb);
    buf_free(&b);
    return r;
}

/* The finish job's work is done when stats.json, the whole-corpus marker and the manifest
 * (as the plan has them) exist. */
static int finish_done(const plan *p) {
    size_t g;
    if (!file_exists(p->out_dir, "stats.json")) return 0;
    if (has_global(p, &g) && !file_exists(p->out_dir, ".winnow/done/global.json")) return 0;
    if (p->has_tokenize && tokenize_dir(p)) {
        char *td = plan_path(p, tokenize_dir(p));
        int ok = file_exists(td, "manifest.json");
        free(td);
        if (!ok) return 0;
    }
    return 1;
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
    size_t g;
    has_global(&v->p, &g);
    v->ntasks = g > 0 ? v->rec.tasks : 0;
    v->rows = xcalloc((size_t)v->ntasks + 1, sizeof *v->rows);
    for (int t = 0; t < v->ntasks; t++) {
        task_row *r = &v->rows[t];
        r->task = t;
        slurm_task_units(v->p.out_dir, v->p.inputs.n, t, v->rec.tasks, &r->units, &r->done);
        r->job = slurm_record_task_job(&v->rec, t);
        r->js = r->job ? slurm_states_find(&v->st, r->job, t) : NULL;
        r->state = slurm_task_state_of(r->units, r->done, r->js);
        v->counts[r->state]++;
    }
    const char *fj = slurm_record_finish_job(&v->rec);
    v->finish_js = fj ? slurm_states_find(&v->st, fj, -1) : NULL;
    v->finish = finish_done(&v->p) ? SLURM_TASK_DONE : slurm_task_state_of(1, 0, v->finish_js);
    return 0;
}

static void view_free(view *v) {
    free(v->rows);
    slurm_states_free(&v->st);
    plan_free(&v->p);
    slurm_record_free(&v->rec);
}

static void view_print(const view *v) {
    printf("pipeline %s -> %s: %d tasks\n", v->rec.pipeline, v->p.out_dir, v->ntasks);
    printf("%-8s %-8s %-9s %s\n", "task", "state", "units", "job");
    for (int t = 0; t < v->ntasks; t++) {
        const task_row *r = &v->rows[t];
        char units[48];
        snprintf(units, sizeof units, "%zu/%zu", r->done, r->units);
        printf("%-8d %-8s %-9s ", t, slurm_task_state_name(r->state), units);
        if (r->job) printf("%s_%d", r->job, t);
        else printf("-");
        if (r->js && r->state != SLURM_TASK_DONE) printf(" (%s)", r->js->raw);
        printf("\n");
    }
    const char *fj = slurm_record_finish_job(&v->rec);
    printf("%-8s %-8s %-9s %s", "finish", slurm_task_state_name(v->finish), "-", fj ? fj : "-");
    if (v->finish_js && v->finish != SLURM_TASK_DONE) printf(" (%s)", v->finish_js->raw);
    printf("\n%zu done, %zu pending, %zu running, %zu failed, %zu missing; finish %s\n", v->counts[SLURM_TASK_DONE],
           v->counts[SLURM_TASK_PENDING], v->counts[SLURM_TASK_RUNNING], v->counts[SLURM_TASK_FAILED],
           v->counts[SLURM_TASK_MISSING], slurm_task_state_name(v->finish));
}

static int view_active(const view *v) {
    return v->counts[SLURM_TASK_PENDING] || v->counts[SLURM_TASK_RUNNING] || v->finish == SLURM_TASK_PENDING ||
           v->finish == SLURM_TASK_RUNNING;
}

/* ---------- submitting ---------- */

static void spec_of(const slurm_record *r, slurm_job_spec *s, const char *log_dir) {
    memset(s, 0, sizeof *s);
    s->winnow = r->winnow;
    s->pipeline = r->pipeline;
    s->log_dir = log_dir;
    s->job_name = r->job_name;
    s->tasks = r->tasks;
    s->phase_files = r->phase_files;
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

/* Submit an array of the tasks idx[0..n) (n may be 0) and a finish job after it and after
 * the jobs in extra_dep ("A:B_3", may be empty). Records both. */
static int submit_jobs(const slurm_record *r, const char *out_dir, const int *idx, size_t n, const char *extra_dep, int dry) {
    buf logd = {0};
    buf_printf(&logd, "%s/.winnow/slurm/logs", out_dir);
    char err[ERR_MAX];
    if (stream_mkdirs(logd.p, err)) { cmd_error("slurm", "%s", err); buf_free(&logd); return 1; }
    slurm_job_spec s;
    spec_of(r, &s, logd.p);
    size_t seq = r->finish.n + 1;
    int st = 0;
    char *ascript = NULL, *fscript = NULL;
    char ajob[32] = "", fjob[32] = "";
    buf text = {0}, spec = {0}, dep = {0}, line = {0};
    if (n) {
        slurm_array_spec(idx, n, &spec);
        slurm_array_script(&s, spec.p, &text);
        if (write_script(out_dir, "array", seq, &text, &ascript)) st = 1;
    }
    buf_reset(&text);
    slurm_finish_script(&s, &text);
    if (!st && write_script(out_dir, "finish", seq, &text, &fscript)) st = 1;
    if (!st && dry) {
        if (ascript) printf("would submit %s (tasks %s)\n", ascript, spec.p);
        printf("would submit %s%s%s%s%s\n", fscript, n || (extra_dep && *extra_dep) ? " after " : "", n ? "the array" : "",
               n && extra_dep && *extra_dep ? " and " : "", extra_dep ? extra_dep : "");
    } else if (!st) {
        if (n) {
            if (sbatch(ascript, NULL, ajob, sizeof ajob)) st = 1;
            else {
                buf_printf(&line, "array %s %s\n", ajob, spec.p);
                if (record_append(out_dir, line.p)) st = 1;
                buf_adds(&dep, ajob);
            }
        }
        if (!st && extra_dep && *extra_dep) buf_printf(&dep, "%s%s", dep.len ? ":" : "", extra_dep);
        if (!st && sbatch(fscript, dep.len ? dep.p : NULL, fjob, sizeof fjob)) st = 1;
        if (!st) {
            buf_reset(&line);
            buf_printf(&line, "finish %s\n", fjob);
            if (record_append(out_dir, line.p)) st = 1;
        }
        if (!st) {
            if (n) printf("submitted array job %s (tasks %s of %d): %s\n", ajob, spec.p, r->tasks, ascript);
            if (dep.len) printf("submitted finish job %s (afterok:%s): %s\n", fjob, dep.p, fscript);
            else printf("submitted finish job %s: %s\n", fjob, fscript);
        }
    }
    free(ascript);
    free(fscript);
    buf_free(&text);
    buf_free(&spec);
    buf_free(&dep);
    buf_free(&line);
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
                     "Run a pipeline as a Slurm array job (task I of N: `winnow run PIPELINE --task I --tasks N`)\n"
                     "and a finish job after it (whole-corpus steps, tokenize:, merged stats.json).\n"
                     "Needs a filesystem shared by the submit host and the nodes. See README 'Running on a cluster'.\n\noptions:\n");
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
    size_t g;
    int global = has_global(&p, &g);
    int tasks = (int)c.tasks;
    if (g == 0) tasks = 1;   /* no per-file step: everything is the finish job's */
    if ((size_t)tasks > p.inputs.n) tasks = (int)p.inputs.n;
    if (tasks < (int)c.tasks)
        fprintf(stderr, "winnow slurm: note: %d task%s (%s)\n", tasks, tasks == 1 ? "" : "s",
                g == 0 ? "the first step needs the whole corpus: one finish job does everything" : "one per input file at most");
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
                           .tasks = tasks, .phase_files = global, .cpus_per_task = (int)c.cpus_per_task,
                           .max_parallel = (int)c.max_parallel };
        buf rec = {0};
        slurm_record_text(&r, &rec);
        if (!c.dry_run && stream_write_file(rf, rec.p, rec.len, err)) { cmd_error("slurm", "%s", err); st = 1; }
        buf_free(&rec);
        if (!st) {
            int *idx = xcalloc((size_t)tasks + 1, sizeof *idx);
            for (int t = 0; t < tasks; t++) idx[t] = t;
            st = submit_jobs(&r, p.out_dir, idx, g > 0 ? (size_t)tasks : 0, NULL, c.dry_run);
            free(idx);
        }
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
                         "Which tasks of a submission are done (all their completion markers), pending, running,\n"
                         "failed or missing, from the markers and Slurm's state (squeue, and sacct when accounting is on).");
    if (r) { opt_free(status_opts, &c); return r == -2 ? 0 : 2; }
    int st = 0;
    for (;;) {
        view v;
        if (view_load(&v, argv[0])) { st = 1; break; }
        int active = view_active(&v);
        if (!c.wait || !active) {
            view_print(&v);
            if (c.wait) st = v.finish == SLURM_TASK_DONE && v.counts[SLURM_TASK_DONE] == (size_t)v.ntasks ? 0 : 1;
            view_free(&v);
            break;
        }
        view_free(&v);
        sleep((unsigned)c.interval);
    }
    opt_free(status_opts, &c);
    return st;
}

static int cmd_resubmit(int argc, char **argv) {
    slurm_cfg c;
    opt_defaults(resubmit_opts, &c);
    int r = parse_outdir(resubmit_opts, &c, argc, argv, "resubmit",
                         "Submit again only the tasks that failed or are missing (not done, not queued), and a new\n"
                         "finish job after them; a finish job still waiting on the failed array is cancelled.");
    if (r) { opt_free(resubmit_opts, &c); return r == -2 ? 0 : 2; }
    view v;
    if (view_load(&v, argv[0])) { opt_free(resubmit_opts, &c); return 1; }
    if (!v.slurm_ok) {
        cmd_error("slurm", "squeue failed: not resubmitting tasks that may still be queued or running");
        view_free(&v);
        opt_free(resubmit_opts, &c);
        return 1;
    }
    int st = 0;
    int *idx = xcalloc((size_t)v.ntasks + 1, sizeof *idx);
    size_t n = 0;
    buf dep = {0};
    for (int t = 0; t < v.ntasks; t++) {
        const task_row *row = &v.rows[t];
        if (row->state == SLURM_TASK_FAILED || row->state == SLURM_TASK_MISSING) idx[n++] = t;
        else if (row->state == SLURM_TASK_PENDING || row->state == SLURM_TASK_RUNNING)
            buf_printf(&dep, "%s%s_%d", dep.len ? ":" : "", row->job, t);
    }
    if (!n && (v.finish == SLURM_TASK_DONE || v.finish == SLURM_TASK_PENDING || v.finish == SLURM_TASK_RUNNING)) {
        printf("nothing to resubmit: %s\n", v.finish == SLURM_TASK_DONE ? "every task and the finish job are done" : "the finish job is queued or running");
    } else if (n && v.finish == SLURM_TASK_RUNNING) {
        cmd_error("slurm", "the finish job is running while tasks are not done: wait for it, then resubmit");
        st = 1;
    } else {
        const char *fj = slurm_record_finish_job(&v.rec);
        if (fj && v.finish == SLURM_TASK_PENDING && !c.dry_run) {
            /* it waits on the failed array (afterok can no longer be satisfied) */
            char *sc[] = { "scancel", (char *)fj, NULL };
            buf o = {0};
            run_capture(sc, &o);
            buf_free(&o);
        }
        st = submit_jobs(&v.rec, v.p.out_dir, idx, n, dep.p, c.dry_run);
    }
    buf_free(&dep);
    free(idx);
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
        printf("%s\nRun a pipeline on Slurm: an array job of `winnow run --task I --tasks N`, then one finish job.\n"
               "Each subcommand takes -h. See README 'Running on a cluster'.\n", usage);
        return 0;
    }
    if (!strcmp(sub, "submit")) return cmd_submit(argc - 1, argv + 1);
    if (!strcmp(sub, "status")) return cmd_status(argc - 1, argv + 1);
    if (!strcmp(sub, "resubmit")) return cmd_resubmit(argc - 1, argv + 1);
    cmd_error("slurm", "unknown subcommand '%s' (submit, status or resubmit)", sub);
    return 2;
}
