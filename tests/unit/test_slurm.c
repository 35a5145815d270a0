/* Unit tests of pipeline/slurm.c: array specs, scripts, sbatch/squeue/sacct parsing, the record,
 * where a resubmission starts. */
#include "test.h"
#include "../../pipeline/slurm.h"
#include <stdlib.h>

TEST(slurm_array_spec_compresses_ranges) {
    int idx[] = { 0, 1, 2, 3, 5, 7, 8 };
    buf b = {0};
    slurm_array_spec(idx, 7, &b);
    CHECK_EQ_STR(b.p, "0-3,5,7-8");
    buf_free(&b);
}

TEST(slurm_parse_array_expands_and_strips_throttle) {
    int *idx;
    size_t n;
    CHECK_EQ_INT(slurm_parse_array("4,0-2%2", &idx, &n, NULL), 0);
    CHECK_EQ_INT(n, 4);
    CHECK(idx[0] == 0 && idx[1] == 1 && idx[2] == 2 && idx[3] == 4);
    free(idx);
    char err[ERR_MAX];
    CHECK_EQ_INT(slurm_parse_array("3-1", &idx, &n, err), -1);
}

TEST(slurm_parse_jobid_parsable_and_plain) {
    char id[32], err[ERR_MAX];
    CHECK_EQ_INT(slurm_parse_jobid("1234;cluster\n", id, sizeof id, err), 0);
    CHECK_EQ_STR(id, "1234");
    CHECK_EQ_INT(slurm_parse_jobid("Submitted batch job 77\n", id, sizeof id, err), 0);
    CHECK_EQ_STR(id, "77");
    CHECK_EQ_INT(slurm_parse_jobid("sbatch: error: invalid partition\n", id, sizeof id, err), -1);
}

TEST(slurm_states_parse_squeue_and_sacct_lines) {
    slurm_states s = {0};
    slurm_states_parse(&s, "12_[2-3%1]|PENDING\n12_0|RUNNING\n12_1|CANCELLED by 0\n13|PENDING\n12.batch|COMPLETED\n\n");
    CHECK_EQ_INT(s.n, 5);
    CHECK_EQ_INT(slurm_states_find(&s, "12", 3)->state, SLURM_PENDING);
    CHECK_EQ_INT(slurm_states_find(&s, "12", 0)->state, SLURM_RUNNING);
    CHECK_EQ_INT(slurm_states_find(&s, "12", 1)->state, SLURM_FAILED);
    CHECK_EQ_STR(slurm_states_find(&s, "12", 1)->raw, "CANCELLED");
    CHECK_EQ_INT(slurm_states_find(&s, "13", -1)->state, SLURM_PENDING);
    CHECK(slurm_states_find(&s, "14", -1) == NULL);
    slurm_states_free(&s);
}

TEST(slurm_states_later_line_overrides) {
    slurm_states s = {0};
    slurm_states_parse(&s, "5_0|FAILED\n");
    slurm_states_parse(&s, "5_0|RUNNING\n");
    CHECK_EQ_INT(s.n, 1);
    CHECK_EQ_INT(slurm_states_find(&s, "5", 0)->state, SLURM_RUNNING);
    slurm_states_free(&s);
}

TEST(slurm_state_classes) {
    CHECK_EQ_INT(slurm_state_class("TIMEOUT"), SLURM_FAILED);
    CHECK_EQ_INT(slurm_state_class("OUT_OF_MEMORY"), SLURM_FAILED);
    CHECK_EQ_INT(slurm_state_class("COMPLETING"), SLURM_RUNNING);
    CHECK_EQ_INT(slurm_state_class("REQUEUED"), SLURM_PENDING);
    CHECK_EQ_INT(slurm_state_class("COMPLETED"), SLURM_COMPLETED);
    CHECK_EQ_INT(slurm_state_class("WHATEVER"), SLURM_UNKNOWN);
}

TEST(slurm_task_state_markers_win_over_slurm) {
    slurm_job_state failed = { "9", 0, SLURM_FAILED, "FAILED" }, done = { "9", 0, SLURM_COMPLETED, "COMPLETED" };
    CHECK_EQ_INT(slurm_task_state_of(2, 2, &failed), SLURM_TASK_DONE);
    CHECK_EQ_INT(slurm_task_state_of(2, 1, &failed), SLURM_TASK_FAILED);
    CHECK_EQ_INT(slurm_task_state_of(2, 1, &done), SLURM_TASK_FAILED);   /* exited 0 without its markers */
    CHECK_EQ_INT(slurm_task_state_of(2, 0, NULL), SLURM_TASK_MISSING);
}

TEST(slurm_record_round_trip_with_phases_and_resubmissions) {
    slurm_record r = { .pipeline = "/d/p q.yaml", .winnow = "/bin/winnow", .plan_hash = "0123456789abcdef", .job_name = "winnow-p",
                       .partition = "long", .tasks = 4, .cpus_per_task = 2 };
    buf b = {0};
    slurm_record_text(&r, &b);
    int all[] = { 0, 1, 2, 3 }, two[] = { 2 };
    slurm_record_job_line("files", "10", all, 4, &b);
    slurm_record_job_line("buckets", "11", all, 4, &b);
    slurm_record_job_line("clusters", "12", NULL, 0, &b);
    slurm_record_job_line("finish", "13", NULL, 0, &b);
    slurm_record_job_line("buckets", "20", two, 1, &b);
    slurm_record_job_line("clusters", "21", NULL, 0, &b);
    slurm_record_job_line("finish", "22", NULL, 0, &b);
    CHECK(strstr(b.p, "\njob files 10 0-3\njob buckets 11 0-3\njob clusters 12 -\njob finish 13 -\njob buckets 20 2\n"));
    slurm_record q;
    char err[ERR_MAX];
    CHECK_EQ_INT(slurm_record_parse(&q, b.p, err), 0);
    CHECK_EQ_STR(q.pipeline, "/d/p q.yaml");
    CHECK_EQ_STR(q.partition, "long");
    CHECK_EQ_INT(q.tasks, 4);
    CHECK_EQ_INT(q.cpus_per_task, 2);
    CHECK_EQ_INT(q.njobs, 7);
    CHECK_EQ_STR(slurm_record_find(&q, "buckets", 2)->job, "20");
    CHECK_EQ_STR(slurm_record_find(&q, "buckets", 3)->job, "11");
    CHECK_EQ_STR(slurm_record_find(&q, "files", 2)->job, "10");
    CHECK_EQ_STR(slurm_record_find(&q, "clusters", -1)->job, "21");
    CHECK_EQ_INT(slurm_record_find(&q, "clusters", -1)->n, 0);
    CHECK_EQ_STR(slurm_record_find(&q, "finish", -1)->job, "22");
    CHECK(slurm_record_find(&q, "apply", 0) == NULL);
    CHECK_EQ_INT(slurm_record_count(&q, "finish"), 2);
    slurm_record_free(&q);
    buf_free(&b);
}

TEST(slurm_record_reads_array_and_finish_lines_of_old_records) {
    slurm_record q;
    char err[ERR_MAX];
    CHECK_EQ_INT(slurm_record_parse(&q, "winnow-slurm 1\npipeline /p.yaml\nwinnow /w\ntasks 4\nphase_files 1\n"
                                        "array 10 0-3\nfinish 11\narray 20 2\nfinish 21\n", err), 0);
    CHECK_EQ_STR(slurm_record_find(&q, "files", 2)->job, "20");
    CHECK_EQ_STR(slurm_record_find(&q, "files", 3)->job, "10");
    CHECK_EQ_STR(slurm_record_find(&q, "finish", -1)->job, "21");
    CHECK_EQ_INT(slurm_record_count(&q, "finish"), 2);
    slurm_record_free(&q);
}

TEST(slurm_record_rejects_bad_job_line) {
    slurm_record q;
    char err[ERR_MAX];
    CHECK_EQ_INT(slurm_record_parse(&q, "winnow-slurm 1\npipeline /p.yaml\nwinnow /w\ntasks 4\njob files x1 0-3\n", err), -1);
    CHECK(strstr(err, "line 5"));
    CHECK_EQ_INT(slurm_record_parse(&q, "winnow-slurm 1\npipeline /p.yaml\nwinnow /w\ntasks 4\njob files 10\n", err), -1);
}

static const slurm_job_spec spec8 = { .winnow = "/opt/winnow", .pipeline = "/d/it's.yaml", .log_dir = "/o/logs", .job_name = "winnow-x",
                                      .tasks = 8, .res = { .time = "2:00:00", .max_parallel = 3 } };

TEST(slurm_phase_script_array_runs_task_share_of_phase) {
    buf b = {0};
    slurm_phase_script(&spec8, "buckets", "0-7", &b);
    CHECK(strstr(b.p, "#SBATCH --job-name=winnow-x-buckets\n"));
    CHECK(strstr(b.p, "#SBATCH --array=0-7%3\n"));
    CHECK(strstr(b.p, "#SBATCH --output=/o/logs/%x-%A_%a.out\n"));
    CHECK(strstr(b.p, "#SBATCH --time=2:00:00\n"));
    CHECK(!strstr(b.p, "--partition"));
    CHECK(strstr(b.p, "\nexec '/opt/winnow' run '/d/it'\\''s.yaml' --task \"$SLURM_ARRAY_TASK_ID\" --tasks 8 --phase buckets "
                      "--workers \"${SLURM_CPUS_PER_TASK:-0}\"\n"));
    buf_free(&b);
}

TEST(slurm_phase_script_single_unit_is_plain_job) {
    buf b = {0};
    slurm_phase_script(&spec8, "clusters", NULL, &b);
    CHECK(strstr(b.p, "#SBATCH --job-name=winnow-x-clusters\n"));
    CHECK(!strstr(b.p, "--array"));
    CHECK(!strstr(b.p, "--task"));
    CHECK(strstr(b.p, "#SBATCH --output=/o/logs/%x-%j.out\n"));
    CHECK(strstr(b.p, "\nexec '/opt/winnow' run '/d/it'\\''s.yaml' --phase clusters --workers"));
    buf_free(&b);
}

TEST(slurm_phase_script_without_phase_for_plan_without_whole_corpus_step) {
    buf b = {0};
    slurm_phase_script(&spec8, NULL, "0-7", &b);
    CHECK(strstr(b.p, "#SBATCH --job-name=winnow-x\n"));
    CHECK(strstr(b.p, " --tasks 8 --workers"));
    CHECK(!strstr(b.p, "--phase"));
    buf_free(&b);
}

TEST(slurm_finish_script_runs_plain_winnow_run) {
    buf b = {0};
    slurm_finish_script(&spec8, &b);
    CHECK(strstr(b.p, "#SBATCH --job-name=winnow-x-finish\n"));
    CHECK(!strstr(b.p, "--array"));
    CHECK(strstr(b.p, "\nexec '/opt/winnow' run '/d/it'\\''s.yaml' --workers \"${SLURM_CPUS_PER_TASK:-0}\"\n"));
    buf_free(&b);
}

/* chain of files(3 tasks), clusters(1), apply(3 tasks), finish(1) */
#define D SLURM_TASK_DONE
#define P SLURM_TASK_PENDING
#define R SLURM_TASK_RUNNING
#define F SLURM_TASK_FAILED
#define M SLURM_TASK_MISSING
static slurm_resubmit_kind from4(slurm_task_state f0, slurm_task_state f1, slurm_task_state f2, slurm_task_state c,
                                 slurm_task_state a0, slurm_task_state a1, slurm_task_state a2, slurm_task_state fin, size_t *first) {
    slurm_task_state files[] = { f0, f1, f2 }, clusters[] = { c }, apply[] = { a0, a1, a2 }, finish[] = { fin };
    slurm_chain_phase chain[] = { { files, 3 }, { clusters, 1 }, { apply, 3 }, { finish, 1 } };
    return slurm_resubmit_from(chain, 4, first);
}

TEST(slurm_resubmit_from_first_phase_with_failed_task) {
    size_t first = 9;
    CHECK_EQ_INT(from4(D, D, D, D, D, F, D, P, &first), SLURM_RESUBMIT_FROM);
    CHECK_EQ_INT(first, 2);
    CHECK_EQ_INT(from4(D, M, D, F, F, F, F, F, &first), SLURM_RESUBMIT_FROM);
    CHECK_EQ_INT(first, 0);
    CHECK_EQ_INT(from4(D, D, D, D, D, D, D, F, &first), SLURM_RESUBMIT_FROM);
    CHECK_EQ_INT(first, 3);   /* the finish job alone */
}

TEST(slurm_resubmit_nothing_when_done_or_chain_queued) {
    size_t first;
    CHECK_EQ_INT(from4(D, D, D, D, D, D, D, D, &first), SLURM_RESUBMIT_NOTHING_DONE);
    CHECK_EQ_INT(from4(D, D, D, R, P, P, P, P, &first), SLURM_RESUBMIT_NOTHING_QUEUED);
    CHECK_EQ_INT(first, 1);
    CHECK_EQ_INT(from4(D, D, D, D, D, D, D, R, &first), SLURM_RESUBMIT_NOTHING_QUEUED);
}

TEST(slurm_resubmit_busy_while_phase_still_runs) {
    size_t first;
    CHECK_EQ_INT(from4(D, F, R, P, P, P, P, P, &first), SLURM_RESUBMIT_BUSY);   /* a task of the failed phase runs */
    CHECK_EQ_INT(from4(D, R, D, F, F, F, F, F, &first), SLURM_RESUBMIT_BUSY);   /* running, but what follows was cancelled */
    CHECK_EQ_INT(first, 0);
}
#undef D
#undef P
#undef R
#undef F
#undef M
