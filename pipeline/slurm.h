/*
 * slurm — the Slurm side of `winnow slurm` (issue 11), as pure functions: sbatch scripts,
 * array specs, parsing of sbatch/squeue/sacct output, the submission record kept in
 * OUT/.winnow/slurm/jobs, the per-task state that combines completion markers with what
 * Slurm says, and where a resubmission starts. Nothing here runs a process, reads a plan or
 * prints: cmd/cmd_slurm.c does that (it gets a plan's phases from runner_phases, runner.h).
 *
 * How a pipeline maps onto Slurm (docs/slurm.md): one job per phase of the plan, each
 * `--dependency=afterok` on the one before, then the finish job:
 *   per-task phase   (files, buckets, gather, apply) an array job: task I of N runs
 *                    `winnow run PIPELINE --task I --tasks N --phase NAME`, the phase's units
 *                    k with k % N == I, each leaving its completion marker.
 *   single-unit      (clusters) a plain job: `winnow run PIPELINE --phase NAME`.
 *   finish job       `winnow run PIPELINE`. Every unit of the phases before has its marker, so
 *                    it runs only what is left: the GLOBAL phase (whole-corpus steps that do
 *                    not split), the tokenize: section, and OUT/stats.json merged from every
 *                    unit's marker. Its output is the single-machine `winnow run` output.
 * A plan without whole-corpus steps has one array job (no --phase) and the finish job.
 * Invariant: the truth about a task is its markers; Slurm's state only says why a task
 * without all its markers is not done (pending, running, failed, or unknown = missing).
 * Costs: parsing is linear in the text; the record and states are small linear lists.
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
    const char *job_name;   /* phase jobs are named JOB_NAME-PHASE, the finish job JOB_NAME-finish */
    int tasks;              /* N */
    slurm_resources res;
} slurm_job_spec;

/* "0-3" for {0,1,2,3}, "1,3,5-7" otherwise; idx sorted ascending, n > 0. */
void slurm_array_spec(const int *idx, size_t n, buf *out);
/* The script of one phase's job. phase: the runner's phase name ("files", "buckets", ...), or
 * NULL for a plan without whole-corpus steps (its tasks run without --phase). array: the
 * --array spec (slurm_array_spec) of a per-task phase; NULL for a single-unit phase, which
 * is one plain job running `--phase NAME`. */
void slurm_phase_script(const slurm_job_spec *s, const char *phase, const char *array, buf *out);
/* The finish job's script (run with --dependency=afterok on the last phase's job). */
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
 * need only OUTDIR. Text, one "key value" per line: the header (slurm_record_text), then one
 * line per submitted job, appended as it is submitted, latest last:
 *   job PHASE JOBID SPEC    PHASE: a runner phase name or "finish"; SPEC: the --array spec
 *                           of an array job, "-" for a plain job
 * Records written before phases existed have "array JOBID SPEC" (read as phase files) and
 * "finish JOBID" lines; both are still read. */
typedef struct slurm_sub {
    char phase[16];
    char job[32];
    int *idx; size_t n;     /* the array's tasks; n == 0: a plain job (single-unit, finish) */
} slurm_sub;
typedef struct slurm_record {
    char *pipeline, *winnow, *plan_hash, *job_name;
    char *partition, *mem, *time, *account;
    int tasks, cpus_per_task, max_parallel;
    slurm_sub *jobs; size_t njobs;   /* in submission order */
} slurm_record;

void slurm_record_text(const slurm_record *r, buf *out);   /* the header lines only */
/* The line recording one submitted job; idx/n as in slurm_sub (n == 0: plain job). */
void slurm_record_job_line(const char *phase, const char *job, const int *idx, size_t n, buf *out);
int slurm_record_parse(slurm_record *r, const char *text, char *err);
void slurm_record_free(slurm_record *r);
/* Parse an array spec ("0-3,7") into sorted indexes; -1 with err. */
int slurm_parse_array(const char *spec, int **idx, size_t *n, char *err);
/* The latest job of phase that ran task (an array that includes it, or a plain job, which
 * stands for every task), or NULL. */
const slurm_sub *slurm_record_find(const slurm_record *r, const char *phase, int task);
/* How many jobs of phase were submitted ("finish": how many submissions). */
size_t slurm_record_count(const slurm_record *r, const char *phase);

/* Task state: markers first, then Slurm's word. */
typedef enum { SLURM_TASK_DONE, SLURM_TASK_PENDING, SLURM_TASK_RUNNING, SLURM_TASK_FAILED, SLURM_TASK_MISSING } slurm_task_state;
const char *slurm_task_state_name(slurm_task_state t);
/* Combine: all units done -> DONE; else by the Slurm state of the job (or task) that ran it:
 * pending/running as such, failed (or completed without markers) -> FAILED, unknown -> MISSING. */
slurm_task_state slurm_task_state_of(size_t units, size_t done, const slurm_job_state *js);

/* Where `resubmit` starts. rows[i][k]: the state of task k of the i-th job of the chain
 * (phases in running order, the finish job last; a single-unit phase has one row). */
typedef struct slurm_chain_phase { const slurm_task_state *rows; size_t n; } slurm_chain_phase;
typedef enum {
    SLURM_RESUBMIT_NOTHING_DONE,    /* every row is done */
    SLURM_RESUBMIT_NOTHING_QUEUED,  /* the first phase not done is queued or running, and every
                                       later row is done or queued: the chain will complete */
    SLURM_RESUBMIT_BUSY,            /* a row the resubmission would redo or cancel is running, or
                                       the first phase not done has rows queued beside failed
                                       ones, or a later row failed while it runs: wait */
    SLURM_RESUBMIT_FROM,            /* *first: the first phase not done; redo its failed and
                                       missing rows, then every later phase in full */
} slurm_resubmit_kind;
slurm_resubmit_kind slurm_resubmit_from(const slurm_chain_phase *chain, size_t n, size_t *first);

#endif
