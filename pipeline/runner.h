/*
 * runner — executes a plan (plan.h): steps fused in-process as a chain, input files spread
 * over worker threads, resumable through completion markers.
 *
 * Units of work:
 *  - Steps before the first whole-corpus step (STAGE_GLOBAL, e.g. dedup) run per input file:
 *    one unit per file, any number in parallel. If no step is global, each unit writes
 *    OUT/part-NNNNNN.jsonl.<ext> (NNNNNN = the input's index), so the concatenation of the
 *    parts in name order is exactly what the shell pipeline over the same files prints.
 *  - From the first global step on, one unit reads every part of the first phase (or the
 *    inputs) in input order and writes OUT/part-000000.jsonl.<ext>.
 * Each finished unit leaves OUT/.winnow/done/<unit>.json (its stats) after its output was
 * renamed into place; a rerun skips units with a marker, so an interrupted run completes to
 * exactly what an uninterrupted run makes. OUT/.winnow/plan records the plan's hash: a changed
 * pipeline refuses to mix outputs unless forced. Stale temporary files are removed at start of
 * a run without --tasks (array tasks share the directory: one must not remove another's).
 * Output is byte-identical at any worker count: units are independent and named by input.
 *
 * Tasks (--task I --tasks N): task I runs the per-file units whose index % N == I; the global
 * part runs in its own phase (RUNNER_PHASE_GLOBAL) after all tasks finished.
 */
#ifndef WN_RUNNER_H
#define WN_RUNNER_H
#include "plan.h"

enum { RUNNER_PHASE_ALL = 0, RUNNER_PHASE_FILES, RUNNER_PHASE_GLOBAL };

typedef struct runner_opts {
    int workers;            /* 0: the plan's */
    int task, tasks;        /* tasks 0 or 1: everything */
    int phase;
    int force;              /* redo everything, even with markers or another plan's output */
    void (*progress)(void *ctx, size_t units_done, size_t units_total, uint64_t docs, uint64_t bytes);
    void *ctx;
} runner_opts;

typedef struct runner_result {
    stats *steps;           /* per step, merged over units in unit order */
    size_t nsteps;
    size_t units_total, units_run, units_skipped;
    strlist outputs;        /* final output files, in order */
    double seconds;
} runner_result;

int runner_run(const plan *p, const runner_opts *o, runner_result *res, char *err);
void runner_result_free(runner_result *r);
/* The plan as text: units, their inputs and outputs, what is already done (--dry-run). */
void runner_describe(const plan *p, const runner_opts *o, buf *out);
/* stats.json of a result: {"pipeline": path, "steps": [{"step": name, ...stats}], ...}. */
void runner_stats_json(const plan *p, const runner_result *r, buf *out);

#endif
