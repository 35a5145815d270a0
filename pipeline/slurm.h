/*
 * slurm — the Slurm side of `winnow slurm` (issue 11), as pure functions: sbatch scripts,
 * array specs, parsing of sbatch/squeue/sacct output, the submission record kept in
 * OUT/.winnow/slurm/jobs, and the per-task state that combines completion markers with what
 * Slurm says. Nothing here runs a process or prints: cmd/cmd_slurm.c does that.
 *
 * How a pipeline maps onto Slurm (docs/slurm.md):
 *   array job   task I of N runs `winnow run PIPELINE --task I --tasks N` (with `--phase
 *               files` when a step needs the whole corpus): the per-file units whose input
 *               index % N == I, each leaving OUT/.winnow/done/part-NNNNNN.json.
 *   finish job  afterok on the array: `winnow run PIPELINE` (one task). Every per-file unit
 *               has its marker, so it runs only what is left: the whole-corpus unit, the
 *               tokenize: section, and OUT/stats.json merged from every unit's marker. Its
 *               output is therefore the single-machine `winnow run` output, byte for byte.
 * Invariant: the truth about a task is its markers; Slurm's state only says why a task
 * without all its markers is not done (pending, running, failed, or unknown = missing).
 * Costs: one stat() per unit for the state; parsing is linear in the text.
 */
#ifndef WN_SLURM_H
#define WN_SLURM_H
#include "buf.h"
#include "opt.h"

typedef struct slurm_resources {
    const char *partition, *mem, *time, *account;   /* NULL or "": Slurm's default */
    int cpus_per_task;                              /* 0: Slurm's default */
    int max_parallel;                               /* 0: no limit (the %K of --array) */
} slurm_resources;

typedef struct slurm_job_spec {
    const char *winnow;     /* absolute path of the binary the jobs run */
    const char *pipeline;   /* absolute path of the YAML */
    const char *log_dir;    /* absolute; where Slurm writes the jobs' stdout/stderr */
    const char *job_name;
    int tasks;              /* N */
    int phase_files;        /* the plan has a whole-corpus step: tasks run --phase files */
    slurm_resources res;
} slurm_job_spec;

/* "0-3" for {0,1,2,3}, "1,3,5-7" otherwise; idx sorted ascending, n > 0. */
void slurm_array_spec(const int *idx, size_t n, buf *out);
/* The array job's script; array is the --array spec (slurm_array_spec). */
void slurm_array_script(const slurm_job_spec *s, const char *array, buf *out);
/* The finish job's script (run with --dependency=afterok on the array). */
void slurm_finish_script(const slurm_job_spec *s, buf *out);
/* Shell single-quoted form of s. */
void slurm_shell_quote(const char *s, buf *out);

/* Job id from `sbatch --parsable` ("123" or "123;cluster"); -1 with err if none. */
int slurm_parse_jobid(const char *text, char *id, size_t idn, char *err);

typedef enum { SLURM_UNKNOWN = 0, SLURM_PENDING, SLURM_RUNNING, SLURM_COMPLETED, SLURM_FAILED } slurm_state;
const char *slurm_state_name(slurm_state s);
/* PENDING, RUNNING, COMPLETED, FAILED, "CANCELLED by 0", TIMEOUT ... -> its class. */
slurm_state slurm_state_class(const char *raw);

typedef struct slurm_job_state {
    char job[32];           /* "123" */
    int task;               /* array index, -1 for a plain job */
    slurm_state state;
    char raw[32];           /* Slurm's word: "CANCELLED", "OUT_OF_MEMORY" ... */
} slurm_job_state;
typedef struct slurm_states { slurm_job_state *v; size_t n, cap; } slurm_states;

/* Add the lines "JOBID|STATE" of `squeue -h -r -o %i|%T` or `sacct -n -X -P -o JobID,State`
 * (JOBID: 123, 123_4, 123_[0-3,5%2]; ranges are expanded per task). Lines of other forms
 * (job steps "123.batch", blank lines) are skipped. Later lines override earlier ones. */
void slurm_states_parse(slurm_states *s, const char *text);
/* The entry for job (and task, -1 for none), or NULL. */
const slurm_job_state *slurm_states_find(const slurm_states *s, const char *job, int task);
void slurm_states_free(slurm_states *s);

/* The submission record, OUT/.winnow/slurm/jobs: what was submitted, so status and resubmit
 * need only OUTDIR. Text, one "key value" per line; "array JOB SPEC" and "finish JOB
 * [ARRAYJOB]" lines are appended by each (re)submission, latest last. */
typedef struct slurm_sub { char job[32]; int *idx; size_t n; } slurm_sub;
typedef struct slurm_record {
    char *pipeline, *winnow, *plan_hash, *job_name;
    char *partition, *mem, *time, *account;
    int tasks, phase_files, cpus_per_task, max_parallel;
    slurm_sub *arrays; size_t narrays;
    strlist finish;         /* finish job ids, in submission order */
} slurm_record;

void slurm_record_text(const slurm_record *r, buf *out);   /* the header lines only */
int slurm_record_parse(slurm_record *r, const char *text, char *err);
void slurm_record_free(slurm_record *r);
/* Parse an array spec ("0-3,7") into sorted indexes; -1 with err. */
int slurm_parse_array(const char *spec, int **idx, size_t *n, char *err);
/* The latest array job that includes task (the job id), or NULL. */
const char *slurm_record_task_job(const slurm_record *r, int task);
const char *slurm_record_finish_job(const slurm_record *r);

/* Task state: markers first, then Slurm's word. */
typedef enum { SLURM_TASK_DONE, SLURM_TASK_PENDING, SLURM_TASK_RUNNING, SLURM_TASK_FAILED, SLURM_TASK_MISSING } slurm_task_state;
const char *slurm_task_state_name(slurm_task_state t);
/* Units of task I of N over ninputs inputs (per-file units part-NNNNNN) and how many have a
 * marker under OUT/.winnow/done. */
void slurm_task_units(const char *out_dir, size_t ninputs, int task, int tasks, size_t *units, size_t *done);
/* Combine: all units done -> DONE; else by the Slurm state of the job (or task) that ran it:
 * pending/running as such, failed (or completed without markers) -> FAILED, unknown -> MISSING. */
slurm_task_state slurm_task_state_of(size_t units, size_t done, const slurm_job_state *js);

#endif
