/* Unit tests of pipeline/slurm.c: array specs, sbatch/squeue/sacct parsing, the record. */
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

TEST(slurm_record_round_trip_with_resubmissions) {
    slurm_record r = { .pipeline = "/d/p q.yaml", .winnow = "/bin/winnow", .plan_hash = "0123456789abcdef", .job_name = "winnow-p",
                       .partition = "long", .tasks = 4, .phase_files = 1, .cpus_per_task = 2 };
    buf b = {0};
    slurm_record_text(&r, &b);
    buf_adds(&b, "array 10 0-3\nfinish 11\narray 20 2\nfinish 21\n");
    slurm_record q;
    char err[ERR_MAX];
    CHECK_EQ_INT(slurm_record_parse(&q, b.p, err), 0);
    CHECK_EQ_STR(q.pipeline, "/d/p q.yaml");
    CHECK_EQ_STR(q.partition, "long");
    CHECK_EQ_INT(q.tasks, 4);
    CHECK_EQ_INT(q.cpus_per_task, 2);
    CHECK_EQ_STR(slurm_record_task_job(&q, 2), "20");
    CHECK_EQ_STR(slurm_record_task_job(&q, 3), "10");
    CHECK_EQ_STR(slurm_record_finish_job(&q), "21");
    slurm_record_free(&q);
    buf_free(&b);
}

TEST(slurm_array_script_runs_task_share) {
    slurm_job_spec s = { .winnow = "/opt/winnow", .pipeline = "/d/it's.yaml", .log_dir = "/o/logs", .job_name = "winnow-x",
                         .tasks = 8, .phase_files = 1, .res = { .time = "2:00:00", .max_parallel = 3 } };
    buf b = {0};
    slurm_array_script(&s, "0-7", &b);
    CHECK(strstr(b.p, "#SBATCH --array=0-7%3\n"));
    CHECK(strstr(b.p, "#SBATCH --time=2:00:00\n"));
    CHECK(!strstr(b.p, "--partition"));
    CHECK(strstr(b.p, "exec '/opt/winnow' run '/d/it'\\''s.yaml' --task \"$SLURM_ARRAY_TASK_ID\" --tasks 8 --phase files"));
    buf_free(&b);
}
