/*
 * runner — executes a plan (plan.h): steps fused in-process as a chain, input files spread
 * over worker threads, resumable through completion markers.
 *
 * Units of work:
 *  - Steps before the first whole-corpus step (STAGE_GLOBAL, e.g. dedup) run per input file:
 *    one unit per file, any number in parallel. If no step is global, each unit writes
 *    OUT/part-NNNNNN.jsonl.<ext> (NNNNNN = the input's index), so the concatenation of the
 *    parts in name order is exactly what the shell pipeline over the same files prints.
 *  - A whole-corpus step that runs split (below) keeps per-file parts; from the first one
 *    that does not (head), one unit reads every part (or the inputs) in input order and
 *    writes OUT/part-000000.jsonl.<ext>.
 * Each finished unit leaves OUT/.winnow/done/<unit>.json (its stats) after its output was
 * renamed into place; a rerun skips units with a marker, so an interrupted run completes to
 * exactly what an uninterrupted run makes. OUT/.winnow/plan records the plan's hash: a changed
 * pipeline refuses to mix outputs unless forced. Stale temporary files are removed at start of
 * a run without --tasks (array tasks share the directory: one must not remove another's).
 * Output is byte-identical at any worker count: units are independent and named by input.
 *
 * Split whole-corpus steps: a step whose stage can run split (stage_split in stage.h: dedup,
 * every mode) is not one unit but five phases of units, so it scales over workers and tasks:
 *   FILES    per input file i: the steps before it -> stage part i, then the step's keys of
 *            part i (near: LSH band records) -> OUT/.winnow/split/keys-NNNNNN
 *   BUCKETS  per hash range r of RUNNER_RANGES(n): the keys of range r from every part ->
 *            groups (near: candidate pairs) -> split/pairs-RRRRRR
 *   GATHER   per input file: what the decision needs of part i's documents (near: ids, text
 *            hashes and shingle sets of the documents in some pair) -> split/gather-NNNNNN
 *   CLUSTERS one unit: the corpus-wide decision (near: union-find, --verify, Jaccard)
 *            -> split/decide-NNNNNN per part (dedup_split.c has each mode's files)
 *   APPLY    per input file: part i through the decision and the steps after it up to the
 *            next whole-corpus step -> OUT/part-NNNNNN.jsonl.<ext> (named by input, as without
 *            a whole-corpus step), or a stage part when a whole-corpus step follows
 *   GLOBAL   one unit: from the first whole-corpus step that is not split to the end
 *            -> OUT/part-000000.jsonl.<ext>
 * A plain run runs every phase in this order, each phase's units over the workers. The
 * concatenation of the outputs in name order is what the shell pipeline prints; it does not
 * depend on workers, tasks or how the phases were spread.
 *
 * Tasks (--task I --tasks N): in per-file and per-range phases, task I runs the units whose
 * index % N == I; CLUSTERS and GLOBAL are single units that task 0 runs (so one loop over
 * the phases, every task per phase, works for all of them). With N > 1 and a
 * whole-corpus step, --phase is required. Every phase needs all units of the phases before it
 * (a missing input file names the phase to run first). After all phases, a plain run finds
 * every unit done and writes OUT/stats.json (and runs the tokenize: section).
 */
#ifndef WN_RUNNER_H
#define WN_RUNNER_H
#include "plan.h"

enum { RUNNER_PHASE_ALL = 0, RUNNER_PHASE_FILES, RUNNER_PHASE_BUCKETS, RUNNER_PHASE_GATHER,
       RUNNER_PHASE_CLUSTERS, RUNNER_PHASE_APPLY, RUNNER_PHASE_GLOBAL, RUNNER_NPHASES };

/* Hash ranges of the BUCKETS phase for n input files: min(256, max(16, n)). */
#define RUNNER_RANGES(n) ((n) > 256 ? (size_t)256 : (n) < 16 ? (size_t)16 : (size_t)(n))

const char *runner_phase_name(int phase);   /* "all", "files", "buckets", ... "global" */
int runner_phase_parse(const char *name);   /* RUNNER_PHASE_*, or -1 */

typedef struct runner_phase_info {
    int phase;
    size_t units;           /* units of the phase in all */
    int per_task;           /* 1: units spread over tasks (unit k -> task k % N); 0: one unit */
} runner_phase_info;
/* The phases p has, in running order; returns their count (< RUNNER_NPHASES). A plan without
 * whole-corpus steps has FILES only; one whose first whole-corpus step is not split (head)
 * FILES (if a step precedes it) and GLOBAL; one whose first is split (dedup) FILES, BUCKETS,
 * GATHER, CLUSTERS, APPLY (and GLOBAL if a later whole-corpus step follows). */
size_t runner_phases(const plan *p, runner_phase_info *out);
/* Units of `phase` that task I of N runs (single-unit phases: the one unit, whatever I), and
 * how many of them have their completion marker. Reads only the markers; creates nothing. */
void runner_task_units(const plan *p, int phase, int task, int tasks, size_t *units, size_t *done);

typedef struct runner_opts {
    int workers;            /* 0: the plan's */
    int task, tasks;        /* tasks 0 or 1: everything */
    int phase;              /* RUNNER_PHASE_*: ALL runs every phase in order */
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
