/* slurm — see slurm.h. */
#include "slurm.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void slurm_shell_quote(const char *s, buf *out) {
    buf_addc(out, '\'');
    for (; *s; s++) {
        if (*s == '\'') buf_adds(out, "'\\''");
        else buf_addc(out, *s);
    }
    buf_addc(out, '\'');
}

void slurm_array_spec(const int *idx, size_t n, buf *out) {
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && idx[j + 1] == idx[j] + 1) j++;
        if (i) buf_addc(out, ',');
        if (j == i) buf_printf(out, "%d", idx[i]);
        else buf_printf(out, "%d-%d", idx[i], idx[j]);
        i = j + 1;
    }
}

static void sbatch_resources(const slurm_job_spec *s, buf *out) {
    const slurm_resources *r = &s->res;
    if (r->partition && *r->partition) buf_printf(out, "#SBATCH --partition=%s\n", r->partition);
    if (r->account && *r->account) buf_printf(out, "#SBATCH --account=%s\n", r->account);
    if (r->cpus_per_task > 0) buf_printf(out, "#SBATCH --cpus-per-task=%d\n", r->cpus_per_task);
    if (r->mem && *r->mem) buf_printf(out, "#SBATCH --mem=%s\n", r->mem);
    if (r->time && *r->time) buf_printf(out, "#SBATCH --time=%s\n", r->time);
}

static void script_run_line(const slurm_job_spec *s, buf *out) {
    buf_adds(out, "exec ");
    slurm_shell_quote(s->winnow, out);
    buf_adds(out, " run ");
    slurm_shell_quote(s->pipeline, out);
}

/* A phase's units, for the script's header comment. */
static const char *phase_units(const char *phase) {
    static const char *const what[][2] = {
        { "files", "per-file units (the steps before the first whole-corpus step)" },
        { "buckets", "hash ranges (near-dedup candidate pairs from every file's keys)" },
        { "gather", "per-file units that collect what the clusters job needs of the documents" },
        { "apply", "per-file units (the near-dedup decision, then the steps after it)" },
    };
    for (size_t i = 0; i < sizeof what / sizeof *what; i++)
        if (!strcmp(phase, what[i][0])) return what[i][1];
    return "units";
}

void slurm_phase_script(const slurm_job_spec *s, const char *phase, const char *array, buf *out) {
    buf_adds(out, "#!/bin/bash\n");
    if (array) {
        buf_printf(out, "# Written by `winnow slurm submit` for %s, phase %s: task I of %d runs the\n"
                        "# %s whose index %% %d == I.\n"
                        "# Each finished unit leaves its completion marker under OUT/.winnow/done, so a rerun\n"
                        "# skips what is complete.\n",
                   s->pipeline, phase ? phase : "files", s->tasks, phase_units(phase ? phase : "files"), s->tasks);
        buf_printf(out, "#SBATCH --job-name=%s%s%s\n", s->job_name, phase ? "-" : "", phase ? phase : "");
        buf_printf(out, "#SBATCH --array=%s", array);
        if (s->res.max_parallel > 0) buf_printf(out, "%%%d", s->res.max_parallel);
        buf_addc(out, '\n');
        buf_printf(out, "#SBATCH --output=%s/%%x-%%A_%%a.out\n", s->log_dir);
    } else {
        buf_printf(out, "# Written by `winnow slurm submit` for %s, phase %s: its single unit\n"
                        "# (near-dedup: the corpus-wide decision over every candidate pair), after every job of\n"
                        "# the phases before it succeeded.\n",
                   s->pipeline, phase);
        buf_printf(out, "#SBATCH --job-name=%s-%s\n", s->job_name, phase);
        buf_printf(out, "#SBATCH --output=%s/%%x-%%j.out\n", s->log_dir);
    }
    sbatch_resources(s, out);
    buf_adds(out, "set -eu\n");
    script_run_line(s, out);
    if (array) buf_printf(out, " --task \"$SLURM_ARRAY_TASK_ID\" --tasks %d", s->tasks);
    if (phase) buf_printf(out, " --phase %s", phase);
    buf_adds(out, " --workers \"${SLURM_CPUS_PER_TASK:-0}\"\n");
}

void slurm_finish_script(const slurm_job_spec *s, buf *out) {
    buf_adds(out, "#!/bin/bash\n");
    buf_adds(out, "# Written by `winnow slurm submit`: runs after every job of the phases before it succeeded.\n"
                  "# `winnow run` skips every unit that has its completion marker, then runs what is left\n"
                  "# (whole-corpus steps that do not split, the tokenize: section) and writes\n"
                  "# OUT/stats.json merged from every unit's marker.\n");
    buf_printf(out, "#SBATCH --job-name=%s-finish\n", s->job_name);
    buf_printf(out, "#SBATCH --output=%s/%%x-%%j.out\n", s->log_dir);
    sbatch_resources(s, out);
    buf_adds(out, "set -eu\n");
    script_run_line(s, out);
    buf_adds(out, " --workers \"${SLURM_CPUS_PER_TASK:-0}\"\n");
}

int slurm_parse_jobid(const char *text, char *id, size_t idn, char *err) {
    /* --parsable prints "JOBID[;CLUSTER]"; accept "Submitted batch job N" too */
    const char *p = text;
    const char *sub = strstr(text, "Submitted batch job ");
    if (sub) p = sub + 20;
    while (*p && isspace((unsigned char)*p)) p++;
    size_t n = 0;
    while (isdigit((unsigned char)p[n])) n++;
    if (!n || n >= idn || (p[n] && p[n] != ';' && !isspace((unsigned char)p[n])))
        return err_set(err, "no job id in sbatch's output '%.80s'", text);
    memcpy(id, p, n);
    id[n] = 0;
    return 0;
}

static const char *const pending_words[] = { "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", NULL };
static const char *const running_words[] = { "RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING", "RESIZING", "SUSPENDED", "STOPPED", NULL };
static const char *const failed_words[] = { "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL",
                                            "DEADLINE", "PREEMPTED", "SPECIAL_EXIT", "REVOKED", NULL };

static int word_in(const char *w, size_t n, const char *const *list) {
    for (; *list; list++)
        if (strlen(*list) == n && !strncmp(*list, w, n)) return 1;
    return 0;
}

slurm_state slurm_state_class(const char *raw) {
    size_t n = 0;
    while (raw[n] && (isupper((unsigned char)raw[n]) || raw[n] == '_')) n++;
    if (word_in(raw, n, pending_words)) return SLURM_PENDING;
    if (word_in(raw, n, running_words)) return SLURM_RUNNING;
    if (n == 9 && !strncmp(raw, "COMPLETED", 9)) return SLURM_COMPLETED;
    if (word_in(raw, n, failed_words)) return SLURM_FAILED;
    return SLURM_UNKNOWN;
}

const char *slurm_state_name(slurm_state s) {
    static const char *const names[] = { "unknown", "pending", "running", "completed", "failed" };
    return names[s];
}

static void states_put(slurm_states *s, const char *job, size_t jn, int task, const char *raw, size_t rn) {
    slurm_job_state *e = NULL;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].task == task && strlen(s->v[i].job) == jn && !strncmp(s->v[i].job, job, jn)) e = &s->v[i];
    if (!e) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 16;
            s->v = xrealloc(s->v, s->cap * sizeof *s->v);
        }
        e = &s->v[s->n++];
    }
    memset(e, 0, sizeof *e);
    snprintf(e->job, sizeof e->job, "%.*s", (int)jn, job);
    e->task = task;
    snprintf(e->raw, sizeof e->raw, "%.*s", (int)rn, raw);
    e->state = slurm_state_class(e->raw);
}

void slurm_states_parse(slurm_states *s, const char *text) {
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *bar = memchr(p, '|', len);
        if (bar) {
            const char *raw = bar + 1;
            while (raw < p + len && *raw == ' ') raw++;
            size_t rn = 0;
            while (raw + rn < p + len && (isupper((unsigned char)raw[rn]) || raw[rn] == '_')) rn++;
            const char *id = p;
            while (id < bar && *id == ' ') id++;
            size_t jn = 0;
            while (id + jn < bar && isdigit((unsigned char)id[jn])) jn++;
            const char *rest = id + jn;
            if (jn && rn && jn < 32) {
                if (rest == bar || *rest == ' ') states_put(s, id, jn, -1, raw, rn);
                else if (*rest == '_' && isdigit((unsigned char)rest[1])) {
                    char *end;
                    long t = strtol(rest + 1, &end, 10);
                    if (end == bar || *end == ' ') states_put(s, id, jn, (int)t, raw, rn);
                } else if (*rest == '_' && rest[1] == '[') {
                    const char *close = memchr(rest, ']', (size_t)(bar - rest));
                    if (close) {
                        char spec[256];
                        snprintf(spec, sizeof spec, "%.*s", (int)(close - rest - 2), rest + 2);
                        int *idx = NULL;
                        size_t n = 0;
                        if (!slurm_parse_array(spec, &idx, &n, NULL))
                            for (size_t i = 0; i < n; i++) states_put(s, id, jn, idx[i], raw, rn);
                        free(idx);
                    }
                }
            }
        }
        p += len;
        if (*p) p++;
    }
}

const slurm_job_state *slurm_states_find(const slurm_states *s, const char *job, int task) {
    const slurm_job_state *whole = NULL;
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->v[i].job, job)) continue;
        if (s->v[i].task == task) return &s->v[i];
        if (s->v[i].task == -1) whole = &s->v[i];
    }
    return whole;   /* a task of an array known only as a whole (sacct without -r on old versions) */
}

void slurm_states_free(slurm_states *s) {
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int slurm_parse_array(const char *spec, int **idx, size_t *n, char *err) {
    *idx = NULL;
    *n = 0;
    size_t cap = 0;
    const char *p = spec;
    while (*p && *p != '%') {
        char *end;
        long a = strtol(p, &end, 10), b;
        if (end == p || a < 0) { free(*idx); *idx = NULL; *n = 0; return err_set(err, "bad array spec '%s'", spec); }
        b = a;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1 || b < a || b - a > 10000000) { free(*idx); *idx = NULL; *n = 0; return err_set(err, "bad array spec '%s'", spec); }
            p = end;
        }
        if (*p == ':') { free(*idx); *idx = NULL; *n = 0; return err_set(err, "array steps are not supported: '%s'", spec); }
        for (long v = a; v <= b; v++) {
            if (*n == cap) { cap = cap ? 2 * cap : 16; *idx = xrealloc(*idx, cap * sizeof **idx); }
            (*idx)[(*n)++] = (int)v;
        }
        if (*p == ',') p++;
        else if (*p && *p != '%') { free(*idx); *idx = NULL; *n = 0; return err_set(err, "bad array spec '%s'", spec); }
    }
    if (!*n) return err_set(err, "empty array spec '%s'", spec);
    qsort(*idx, *n, sizeof **idx, cmp_int);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (!k || (*idx)[k - 1] != (*idx)[i]) (*idx)[k++] = (*idx)[i];
    *n = k;
    return 0;
}

/* ---------- the submission record ---------- */

static void kv_line(buf *out, const char *k, const char *v) {
    if (v && *v) buf_printf(out, "%s %s\n", k, v);
}

void slurm_record_text(const slurm_record *r, buf *out) {
    buf_adds(out, "winnow-slurm 1\n");
    kv_line(out, "pipeline", r->pipeline);
    kv_line(out, "winnow", r->winnow);
    kv_line(out, "plan", r->plan_hash);
    kv_line(out, "name", r->job_name);
    buf_printf(out, "tasks %d\n", r->tasks);
    kv_line(out, "partition", r->partition);
    kv_line(out, "account", r->account);
    kv_line(out, "mem", r->mem);
    kv_line(out, "time", r->time);
    if (r->cpus_per_task) buf_printf(out, "cpus_per_task %d\n", r->cpus_per_task);
    if (r->max_parallel) buf_printf(out, "max_parallel %d\n", r->max_parallel);
}

void slurm_record_job_line(const char *phase, const char *job, const int *idx, size_t n, buf *out) {
    buf_printf(out, "job %s %s ", phase, job);
    if (n) slurm_array_spec(idx, n, out);
    else buf_addc(out, '-');
    buf_addc(out, '\n');
}

static int record_add_job(slurm_record *r, const char *phase, const char *job, const char *spec) {
    slurm_sub s = {0};
    if (strlen(phase) >= sizeof s.phase || strlen(job) >= sizeof s.job) return -1;
    for (const char *q = job; *q; q++)
        if (!isdigit((unsigned char)*q)) return -1;
    if (spec && strcmp(spec, "-") && slurm_parse_array(spec, &s.idx, &s.n, NULL)) return -1;
    snprintf(s.phase, sizeof s.phase, "%s", phase);
    snprintf(s.job, sizeof s.job, "%s", job);
    r->jobs = xrealloc(r->jobs, (r->njobs + 1) * sizeof *r->jobs);
    r->jobs[r->njobs++] = s;
    return 0;
}

int slurm_record_parse(slurm_record *r, const char *text, char *err) {
    memset(r, 0, sizeof *r);
    const char *p = text;
    int line = 0, magic = 0;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        line++;
        char *l = xstrndup(p, len);
        char *sp = strchr(l, ' ');
        const char *v = sp ? sp + 1 : "";
        if (sp) *sp = 0;
        char **sv = NULL;
        int *iv = NULL, bad = 0;
        char a[32], b[32], c[4096];
        if (!strcmp(l, "winnow-slurm")) magic = 1;
        else if (!strcmp(l, "pipeline")) sv = &r->pipeline;
        else if (!strcmp(l, "winnow")) sv = &r->winnow;
        else if (!strcmp(l, "plan")) sv = &r->plan_hash;
        else if (!strcmp(l, "name")) sv = &r->job_name;
        else if (!strcmp(l, "partition")) sv = &r->partition;
        else if (!strcmp(l, "account")) sv = &r->account;
        else if (!strcmp(l, "mem")) sv = &r->mem;
        else if (!strcmp(l, "time")) sv = &r->time;
        else if (!strcmp(l, "tasks")) iv = &r->tasks;
        else if (!strcmp(l, "cpus_per_task")) iv = &r->cpus_per_task;
        else if (!strcmp(l, "max_parallel")) iv = &r->max_parallel;
        else if (!strcmp(l, "job"))
            bad = sscanf(v, "%31s %31s %4095s", a, b, c) != 3 || record_add_job(r, a, b, c);
        else if (!strcmp(l, "array"))   /* records made before phases: the per-file array */
            bad = sscanf(v, "%31s %4095s", b, c) != 2 || record_add_job(r, "files", b, c);
        else if (!strcmp(l, "finish"))
            bad = sscanf(v, "%31s", b) != 1 || record_add_job(r, "finish", b, NULL);
        if (bad) {
            err_set(err, "line %d: bad %s line", line, l);
            free(l);
            slurm_record_free(r);
            return -1;
        }
        if (sv) { free(*sv); *sv = xstrdup(v); }
        if (iv) *iv = atoi(v);
        free(l);
        p += len;
        if (*p) p++;
    }
    if (!magic || !r->pipeline || !r->winnow || r->tasks < 1) {
        slurm_record_free(r);
        return err_set(err, "not a winnow slurm record");
    }
    return 0;
}

void slurm_record_free(slurm_record *r) {
    free(r->pipeline); free(r->winnow); free(r->plan_hash); free(r->job_name);
    free(r->partition); free(r->mem); free(r->time); free(r->account);
    for (size_t i = 0; i < r->njobs; i++) free(r->jobs[i].idx);
    free(r->jobs);
    memset(r, 0, sizeof *r);
}

const slurm_sub *slurm_record_find(const slurm_record *r, const char *phase, int task) {
    for (size_t i = r->njobs; i-- > 0;) {
        const slurm_sub *s = &r->jobs[i];
        if (strcmp(s->phase, phase)) continue;
        if (!s->n) return s;
        for (size_t k = 0; k < s->n; k++)
            if (s->idx[k] == task) return s;
    }
    return NULL;
}

size_t slurm_record_count(const slurm_record *r, const char *phase) {
    size_t n = 0;
    for (size_t i = 0; i < r->njobs; i++) n += !strcmp(r->jobs[i].phase, phase);
    return n;
}

/* ---------- task state ---------- */

const char *slurm_task_state_name(slurm_task_state t) {
    static const char *const names[] = { "done", "pending", "running", "failed", "missing" };
    return names[t];
}

slurm_task_state slurm_task_state_of(size_t units, size_t done, const slurm_job_state *js) {
    if (done == units) return SLURM_TASK_DONE;
    if (!js) return SLURM_TASK_MISSING;
    switch (js->state) {
    case SLURM_PENDING: return SLURM_TASK_PENDING;
    case SLURM_RUNNING: return SLURM_TASK_RUNNING;
    case SLURM_COMPLETED: case SLURM_FAILED: return SLURM_TASK_FAILED;
    default: return SLURM_TASK_MISSING;
    }
}

/* ---------- where a resubmission starts ---------- */

static int rows_have(const slurm_chain_phase *ph, slurm_task_state a, slurm_task_state b) {
    for (size_t k = 0; k < ph->n; k++)
        if (ph->rows[k] == a || ph->rows[k] == b) return 1;
    return 0;
}

slurm_resubmit_kind slurm_resubmit_from(const slurm_chain_phase *chain, size_t n, size_t *first) {
    size_t i = 0;
    while (i < n && !rows_have(&chain[i], SLURM_TASK_PENDING, SLURM_TASK_RUNNING) &&
           !rows_have(&chain[i], SLURM_TASK_FAILED, SLURM_TASK_MISSING))
        i++;
    *first = i;
    if (i == n) return SLURM_RESUBMIT_NOTHING_DONE;
    int bad = rows_have(&chain[i], SLURM_TASK_FAILED, SLURM_TASK_MISSING);
    int queued = rows_have(&chain[i], SLURM_TASK_PENDING, SLURM_TASK_RUNNING);
    int later_bad = 0, later_running = 0;
    for (size_t j = i + 1; j < n; j++) {
        later_bad |= rows_have(&chain[j], SLURM_TASK_FAILED, SLURM_TASK_MISSING);
        later_running |= rows_have(&chain[j], SLURM_TASK_RUNNING, SLURM_TASK_RUNNING);
    }
    if (!bad) return later_bad ? SLURM_RESUBMIT_BUSY : SLURM_RESUBMIT_NOTHING_QUEUED;
    if (queued || later_running) return SLURM_RESUBMIT_BUSY;
    return SLURM_RESUBMIT_FROM;
}
