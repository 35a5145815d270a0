# Command-line tests of `winnow slurm` (issue 11) against a fake Slurm: sbatch, squeue, sacct
# and scancel are small scripts on PATH that keep job states in $T/fake and run each job at
# once (array tasks in order), so the whole flow runs without a cluster. A job whose afterok
# dependency failed is cancelled (--kill-on-invalid-dep=yes), one whose dependency is pending
# stays pending. The real-Slurm test is tests/slurm/run.sh (make test-slurm).
. "$TOP/tests/cli/lib.sh"

fake_slurm() {
  mkdir -p bin fake
  cat >bin/sbatch <<'EOF'
#!/bin/sh
# fake sbatch --parsable [--dependency=afterok:A:B_3 --kill-on-invalid-dep=yes] SCRIPT
# FAKE_NORUN=1: every job stays pending. FAKE_FAIL=PHASE:I: task I of the first job of PHASE
# fails (once).
F=$FAKE; n=$(cat $F/next 2>/dev/null || echo 100); echo $((n + 1)) >$F/next
echo "$*" >>$F/sbatch.log
dep=""; for a in "$@"; do script=$a; case $a in --dependency=afterok:*) dep=${a#--dependency=afterok:} ;; esac; done
ok=1   # 1: dependencies completed, 0: one failed, 2: one still pending
for d in $(echo "$dep" | tr ':' ' '); do
  if grep -q "^$d|" $F/states; then s=$(grep "^$d|" $F/states | tail -1)
  else s=$(grep "^${d}_" $F/states | grep -v '|COMPLETED' | head -1); [ -n "$s" ] || s="$d|COMPLETED"; fi
  case $s in *'|COMPLETED') ;; *'|PENDING'|*'|RUNNING') [ $ok = 1 ] && ok=2 ;; *) ok=0 ;; esac
done
[ -n "${FAKE_NORUN:-}" ] && ok=2
phase=$(sed -n 's/.* --phase \([a-z]*\).*/\1/p' "$script"); [ -n "$phase" ] || phase=files
grep -q '^exec .* run [^-]* --workers' "$script" && phase=finish
spec=$(sed -n 's/^#SBATCH --array=\([0-9,-]*\).*/\1/p' "$script")
state() { # $1: job id as squeue prints it, $2: how to run it
  case $ok in 0) echo "$1|CANCELLED" >>$F/states; return ;; 2) echo "$1|PENDING" >>$F/states; return ;; esac
  if [ "${FAKE_FAIL:-x}" = "$phase:${SLURM_ARRAY_TASK_ID:-}" ] && [ ! -e $F/failed_once ]; then
    touch $F/failed_once; echo "$1|FAILED" >>$F/states
  elif sh "$script" >$F/log.$1 2>&1; then echo "$1|COMPLETED" >>$F/states
  else echo "$1|FAILED" >>$F/states; fi
}
if [ -z "$spec" ]; then state "$n"
else
  for r in $(echo "$spec" | tr ',' ' '); do
    for i in $(seq ${r%-*} ${r#*-}); do SLURM_ARRAY_TASK_ID=$i state "${n}_$i"; done
  done
fi
echo "$n"
EOF
  cat >bin/squeue <<'EOF'
#!/bin/sh
cat $FAKE/states 2>/dev/null; exit 0
EOF
  cat >bin/sacct <<'EOF'
#!/bin/sh
echo "sacct: error: Slurm accounting storage is disabled" >&2; exit 1
EOF
  cat >bin/scancel <<'EOF'
#!/bin/sh
echo "$*" >>$FAKE/scancel.log
sed -i -E "s/^$1(_[0-9]+)?\|(PENDING|RUNNING)/$1\1|CANCELLED/" $FAKE/states
EOF
  chmod +x bin/*
  export PATH="$T/bin:$PATH" FAKE="$T/fake"
}

# 4 input files of 30 documents of random words; every 3rd document of a file comes again,
# one word changed, in the next file (near-duplicates across files, so the dedup phases
# have pairs to find across tasks)
mkdata() {
  mkdir -p data
  awk 'BEGIN { srand(11); for (w = 0; w < 300; w++) word[w] = sprintf("w%c%c%d", 97 + w % 26, 97 + int(w / 26) % 26, w)
    for (f = 0; f < 4; f++) for (i = 0; i < 30; i++) {
      t = ""; for (k = 0; k < 40; k++) t = t (k ? " " : "") word[int(rand() * 300)]
      printf "{\"id\":\"f%d-%d\",\"text\":\"%s\"}\n", f, i, t >("data/in" f ".jsonl")
      if (i % 3 == 0) { sub(/ [^ ]* /, " CHANGED ", t); printf "{\"id\":\"f%d-%d-dup\",\"text\":\"%s\"}\n", f, i, t >("data/in" (f + 1) % 4 ".jsonl") }
    } }'
  for f in data/*.jsonl; do zstd -q --rm "$f"; done
  cat >p.yaml <<EOF
input: [data/*.jsonl.zst]
workers: 1
seed: 3
steps:
  - sample: {fraction: 0.9}
  - dedup: {mode: near}
output: {dir: clean, compress: zstd}
tokenize: {tokenizer: $FIX/tokenize/tiny-tokenizer.json, dir: shards, val_fraction: 0.1, shard_tokens: 300000, memory: 2M, threads: 1}
EOF
}
# the local run of the same pipeline (same path: the manifest records it), kept in ref.*
local_ref() { $W run -q "$T/p.yaml" && mv clean ref.clean && mv shards ref.shards; }
# every part-* file, the shards and the manifest are those of the local run
same_as_local() {
  [ "$(cd ref.clean && ls part-*)" = "$(cd clean && ls part-*)" ] || { fail "parts: $(ls clean)"; return 1; }
  for f in ref.clean/part-*; do expect_same "$f" "clean/${f#ref.clean/}" || return 1; done
  diff -r ref.shards shards >/dev/null || { fail "shards differ: $(diff -rq ref.shards shards | head -3)"; return 1; }
  [ "$($W cat clean/part-*.jsonl.zst | wc -l)" -gt 50 ] || fail "too few documents kept"
}
jobs_submitted() { wc -l <fake/sbatch.log | tr -d ' '; }

submit_writes_a_script_per_phase() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  expect_status 0 $W slurm submit p.yaml --tasks 4 -p long --cpus-per-task 2 --mem 4G --time 1:00:00 --max-parallel 2 || return 1
  d=clean/.winnow/slurm
  for ph in files buckets gather apply; do
    grep -q '^#SBATCH --array=0-3%2$' $d/$ph-1.sbatch && grep -q '^#SBATCH --partition=long$' $d/$ph-1.sbatch &&
      grep -q '^#SBATCH --cpus-per-task=2$' $d/$ph-1.sbatch && grep -q '^#SBATCH --mem=4G$' $d/$ph-1.sbatch &&
      grep -q '^#SBATCH --time=1:00:00$' $d/$ph-1.sbatch &&
      grep -qF "run '$T/p.yaml' --task \"\$SLURM_ARRAY_TASK_ID\" --tasks 4 --phase $ph --workers" $d/$ph-1.sbatch || fail "$ph script: $(cat $d/$ph-1.sbatch)" || return 1
  done
  grep -qF "run '$T/p.yaml' --phase clusters --workers" $d/clusters-1.sbatch && ! grep -q -- '--array' $d/clusters-1.sbatch ||
    fail "clusters script: $(cat $d/clusters-1.sbatch)" || return 1
  grep -qF "run '$T/p.yaml' --workers" $d/finish-1.sbatch || fail "finish script: $(cat $d/finish-1.sbatch)"
}
t submit_writes_a_script_per_phase submit_writes_a_script_per_phase

submit_chains_phases_afterok_and_finish_last() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  expect_status 0 $W slurm submit p.yaml --tasks 4 && expect_out '^submitted files job 100 \(tasks 0-3 of 4\)' &&
    expect_out '^submitted buckets job 101 \(tasks 0-3 of 4, afterok:100\)' && expect_out '^submitted gather job 102 \(tasks 0-3 of 4, afterok:101\)' &&
    expect_out '^submitted clusters job 103 \(afterok:102\)' && expect_out '^submitted apply job 104 \(tasks 0-3 of 4, afterok:103\)' &&
    expect_out '^submitted finish job 105 \(afterok:104\)' || return 1
  [ "$(jobs_submitted)" = 6 ] && grep -q -- '^--parsable --dependency=afterok:104 --kill-on-invalid-dep=yes .*/finish-1.sbatch$' fake/sbatch.log &&
    grep -q -- '^--parsable --dependency=afterok:102 --kill-on-invalid-dep=yes .*/clusters-1.sbatch$' fake/sbatch.log || fail "$(cat fake/sbatch.log)" || return 1
  grep -qx 'job buckets 101 0-3' clean/.winnow/slurm/jobs && grep -qx 'job clusters 103 -' clean/.winnow/slurm/jobs || fail "$(cat clean/.winnow/slurm/jobs)"
}
t submit_chains_phases_afterok_and_finish_last submit_chains_phases_afterok_and_finish_last

output_equals_local_run() {
  fake_slurm; mkdata; local_ref
  expect_status 0 $W slurm submit p.yaml --tasks 4 || return 1
  same_as_local
}
t output_equals_local_run output_equals_local_run

stats_merged_from_all_tasks() {
  fake_slurm; mkdata; local_ref
  expect_status 0 $W slurm submit p.yaml --tasks 4 || return 1
  # 160 documents in over the 4 files of 4 tasks, all counted in one stats.json, as locally
  grep -q '"step":"sample","stats":{"docs_in":160,' clean/stats.json || fail "$(cat clean/stats.json)" || return 1
  c() { sed 's/"seconds":[0-9.e-]*//g; s/"peak_rss_kb":[0-9]*//g; s/"units_run":[0-9]*,"units_skipped":[0-9]*//' "$1"; }
  [ "$(c clean/stats.json)" = "$(c ref.clean/stats.json)" ] || fail "$(c clean/stats.json) / $(c ref.clean/stats.json)"
}
t stats_merged_from_all_tasks stats_merged_from_all_tasks

status_all_done() {
  fake_slurm; mkdata
  $W slurm submit p.yaml --tasks 4 >/dev/null || return 1
  expect_status 0 $W slurm status clean --wait --interval 1 && expect_out '^17 done, 0 pending, 0 running, 0 failed, 0 missing; finish done$' &&
    expect_out '^buckets +3 +done +4/4 +101_3$' && expect_out '^clusters +- +done +1/1 +103$' && expect_out '^finish +- +done +- +105$'
}
t status_all_done status_all_done

status_shows_pending() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  $W slurm submit p.yaml --tasks 2 >/dev/null || return 1
  expect_status 0 $W slurm status clean && expect_out '^files +1 +pending +0/2 +100_1 \(PENDING\)' &&
    expect_out '^clusters +- +pending +0/1 +103 \(PENDING\)' && expect_out '^finish +- +pending' &&
    expect_out '^0 done, 9 pending, 0 running, 0 failed, 0 missing; finish pending$'
}
t status_shows_pending status_shows_pending

status_failed_apply_task() {
  fake_slurm; mkdata; export FAKE_FAIL=apply:1
  $W slurm submit p.yaml --tasks 4 >/dev/null
  expect_status 1 $W slurm status clean --wait --interval 1 && expect_out '^apply +1 +failed +0/1 +104_1 \(FAILED\)' &&
    expect_out '^apply +2 +done +1/1' && expect_out '^finish +- +failed +- +105 \(CANCELLED\)' &&
    expect_out '^16 done, 0 pending, 0 running, 1 failed, 0 missing; finish failed$'
}
t status_failed_apply_task status_failed_apply_task

resubmit_failed_apply_task_only() {
  fake_slurm; mkdata; local_ref; export FAKE_FAIL=apply:1
  $W slurm submit p.yaml --tasks 4 >/dev/null
  expect_status 0 $W slurm resubmit clean && expect_out '^submitted apply job 106 \(tasks 1 of 4\)' &&
    expect_out '^submitted finish job 107 \(afterok:106\)' && [ "$(jobs_submitted)" = 8 ] || return 1
  expect_status 0 $W slurm status clean --wait --interval 1 || return 1
  same_as_local
}
t resubmit_failed_apply_task_only resubmit_failed_apply_task_only

resubmit_failed_bucket_task_then_later_phases() {
  fake_slurm; mkdata; local_ref; export FAKE_FAIL=buckets:2
  $W slurm submit p.yaml --tasks 4 >/dev/null
  expect_status 0 $W slurm status clean && expect_out '^buckets +2 +failed +0/4 +101_2 \(FAILED\)' &&
    expect_out '^gather +0 +failed +0/1 +102_0 \(CANCELLED\)' || return 1
  expect_status 0 $W slurm resubmit clean && expect_out '^submitted buckets job 106 \(tasks 2 of 4\)' &&
    expect_out '^submitted gather job 107 \(tasks 0-3 of 4, afterok:106\)' && expect_out '^submitted clusters job 108 \(afterok:107\)' &&
    expect_out '^submitted apply job 109 \(tasks 0-3 of 4, afterok:108\)' && expect_out '^submitted finish job 110 \(afterok:109\)' || return 1
  [ -s clean/.winnow/slurm/buckets-2.sbatch ] && grep -q '^#SBATCH --array=2$' clean/.winnow/slurm/buckets-2.sbatch || fail "$(ls clean/.winnow/slurm)" || return 1
  expect_status 0 $W slurm status clean --wait --interval 1 || return 1
  same_as_local
}
t resubmit_failed_bucket_task_then_later_phases resubmit_failed_bucket_task_then_later_phases

resubmit_failed_clusters_job_as_plain_job() {
  fake_slurm; mkdata; local_ref; export FAKE_FAIL=clusters:
  $W slurm submit p.yaml --tasks 4 >/dev/null
  expect_status 0 $W slurm resubmit clean && expect_out '^submitted clusters job 106: ' &&
    expect_out '^submitted apply job 107 \(tasks 0-3 of 4, afterok:106\)' && expect_out '^submitted finish job 108 \(afterok:107\)' || return 1
  ! grep -q -- '--array' clean/.winnow/slurm/clusters-2.sbatch || fail "$(cat clean/.winnow/slurm/clusters-2.sbatch)" || return 1
  expect_status 0 $W slurm status clean --wait --interval 1 || return 1
  same_as_local
}
t resubmit_failed_clusters_job_as_plain_job resubmit_failed_clusters_job_as_plain_job

one_task_runs_each_phase_as_one_job() {
  fake_slurm; mkdata; local_ref
  expect_status 0 $W slurm submit p.yaml --tasks 1 && expect_out '^submitted buckets job 101 \(tasks 0 of 1, afterok:100\)' &&
    expect_out '^submitted finish job 105 \(afterok:104\)' || return 1
  expect_status 0 $W slurm status clean && expect_out '^buckets +0 +done +16/16 ' && expect_out '^5 done, .*; finish done$' || return 1
  same_as_local
}
t one_task_runs_each_phase_as_one_job one_task_runs_each_phase_as_one_job

resubmit_cancels_stale_pending_jobs() {
  fake_slurm; mkdata; local_ref; export FAKE_FAIL=gather:0
  $W slurm submit p.yaml --tasks 4 >/dev/null
  # Slurm has not yet cancelled the jobs after the failed one: they still wait
  sed -i -E 's/^(10[345](_[0-9])?)\|CANCELLED/\1|PENDING/' fake/states
  expect_status 0 $W slurm resubmit clean && expect_out '^cancelled clusters job 103' && expect_out '^cancelled finish job 105' &&
    expect_out '^submitted gather job 106 \(tasks 0 of 4\)' || return 1
  [ "$(tr '\n' ' ' <fake/scancel.log)" = "103 104 105 " ] || fail "scancel: $(cat fake/scancel.log)" || return 1
  expect_status 0 $W slurm status clean --wait --interval 1 || return 1
  same_as_local
}
t resubmit_cancels_stale_pending_jobs resubmit_cancels_stale_pending_jobs

status_missing_when_slurm_forgot() {
  fake_slurm; mkdata
  $W slurm submit p.yaml --tasks 4 >/dev/null || return 1
  rm -f fake/states clean/.winnow/done/apply-000003.json clean/stats.json
  expect_status 0 $W slurm status clean && expect_out '^apply +3 +missing +0/1 +104_3$' && expect_out '^finish +- +missing'
}
t status_missing_when_slurm_forgot status_missing_when_slurm_forgot

resubmit_refuses_while_failed_phase_still_runs() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  $W slurm submit p.yaml --tasks 4 >/dev/null || return 1
  sed -i 's/^100_0|PENDING/100_0|FAILED/; s/^100_1|PENDING/100_1|RUNNING/' fake/states
  expect_status 1 $W slurm resubmit clean && expect_err 'phase files is not done and jobs are still queued or running \(100_1, 100_2, 100_3' &&
    [ "$(jobs_submitted)" = 6 ] && [ ! -e fake/scancel.log ]
}
t resubmit_refuses_while_failed_phase_still_runs resubmit_refuses_while_failed_phase_still_runs

resubmit_nothing_while_chain_queued() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  $W slurm submit p.yaml --tasks 4 >/dev/null || return 1
  expect_status 0 $W slurm resubmit clean && expect_out '^nothing to resubmit: phase files is queued' && [ "$(jobs_submitted)" = 6 ]
}
t resubmit_nothing_while_chain_queued resubmit_nothing_while_chain_queued

resubmit_nothing_when_complete() {
  fake_slurm; mkdata
  $W slurm submit p.yaml --tasks 2 >/dev/null || return 1
  expect_status 0 $W slurm resubmit clean && expect_out '^nothing to resubmit: every task' && [ "$(jobs_submitted)" = 6 ]
}
t resubmit_nothing_when_complete resubmit_nothing_when_complete

resubmit_finish_job_alone() {
  fake_slurm; mkdata
  $W slurm submit p.yaml --tasks 2 >/dev/null || return 1
  rm clean/stats.json && sed -i 's/^105|COMPLETED/105|FAILED/' fake/states
  expect_status 0 $W slurm resubmit clean && expect_out '^submitted finish job 106: ' && [ "$(jobs_submitted)" = 7 ] && [ -s clean/stats.json ]
}
t resubmit_finish_job_alone resubmit_finish_job_alone

submit_refuses_while_jobs_queued() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  $W slurm submit p.yaml --tasks 2 >/dev/null || return 1
  expect_status 1 $W slurm submit p.yaml --tasks 2 && expect_err 'still queued or running'
}
t submit_refuses_while_jobs_queued submit_refuses_while_jobs_queued

tasks_capped_at_input_files() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  expect_status 0 $W slurm submit p.yaml --tasks 9 && expect_err 'note: 4 tasks' && expect_out 'files job 100 \(tasks 0-3 of 4\)' &&
    expect_out 'buckets job 101 \(tasks 0-3 of 4'
}
t tasks_capped_at_input_files tasks_capped_at_input_files

dry_run_submits_nothing() {
  fake_slurm; mkdata
  expect_status 0 $W slurm submit p.yaml --tasks 2 --dry-run && expect_out 'would submit .*/files-1.sbatch \(tasks 0-1 of 2\)$' &&
    expect_out 'would submit .*/clusters-1.sbatch after the job before$' &&
    [ ! -e fake/sbatch.log ] && [ -s clean/.winnow/slurm/finish-1.sbatch ] && [ ! -e clean/.winnow/slurm/jobs ]
}
t dry_run_submits_nothing dry_run_submits_nothing

plan_without_whole_corpus_step_is_one_array_and_finish() {
  fake_slurm; mkdata
  sed -i '/dedup:/d' p.yaml; local_ref
  expect_status 0 $W slurm submit p.yaml --tasks 4 && expect_out '^submitted files job 100 \(tasks 0-3 of 4\)' &&
    expect_out '^submitted finish job 101 \(afterok:100\)' && [ "$(jobs_submitted)" = 2 ] || return 1
  grep -qF -- "--tasks 4 --workers" clean/.winnow/slurm/files-1.sbatch && ! grep -q -- '--phase' clean/.winnow/slurm/files-1.sbatch ||
    fail "$(cat clean/.winnow/slurm/files-1.sbatch)" || return 1
  same_as_local
}
t plan_without_whole_corpus_step_is_one_array_and_finish plan_without_whole_corpus_step_is_one_array_and_finish

whole_corpus_step_that_does_not_split_runs_in_finish_job() {
  fake_slurm; mkdata
  sed -i 's/- dedup: {mode: near}/- head: {count: 80}/' p.yaml; local_ref
  expect_status 0 $W slurm submit p.yaml --tasks 4 && expect_out '^submitted files job 100 \(tasks 0-3 of 4\)' &&
    expect_out '^submitted finish job 101 \(afterok:100\)' && [ "$(jobs_submitted)" = 2 ] || return 1
  grep -qF -- "--tasks 4 --phase files --workers" clean/.winnow/slurm/files-1.sbatch || fail "$(cat clean/.winnow/slurm/files-1.sbatch)" || return 1
  expect_status 0 $W slurm status clean && expect_out '^4 done, .*; finish done$' || return 1
  same_as_local
}
t whole_corpus_step_that_does_not_split_runs_in_finish_job whole_corpus_step_that_does_not_split_runs_in_finish_job

split_dedup_then_head_runs_global_in_finish_job() {
  fake_slurm; mkdata
  sed -i 's/- dedup: {mode: near}/- dedup: {mode: near}\n  - head: {count: 60}/' p.yaml; local_ref
  expect_status 0 $W slurm submit p.yaml --tasks 4 && expect_out '^submitted apply job 104 \(tasks 0-3 of 4, afterok:103\)' &&
    expect_out '^submitted finish job 105 \(afterok:104\)' && [ "$(jobs_submitted)" = 6 ] || return 1
  expect_status 0 $W slurm status clean && expect_out '^17 done, .*; finish done$' && expect_out 'phases files, buckets, gather, clusters, apply, finish \(with the whole-corpus steps\)' || return 1
  same_as_local
}
t split_dedup_then_head_runs_global_in_finish_job split_dedup_then_head_runs_global_in_finish_job

first_step_whole_corpus_is_finish_job_alone() {
  fake_slurm; mkdata
  sed -i '/sample:/d; s/- dedup: {mode: near}/- head: {count: 50}/' p.yaml
  expect_status 0 $W slurm submit p.yaml --tasks 4 && expect_err 'note: 1 task \(the first step needs the whole corpus' &&
    expect_out '^submitted finish job 100: ' && [ "$(jobs_submitted)" = 1 ] || return 1
  expect_status 0 $W slurm status clean && expect_out '^0 done, .*; finish done$'
}
t first_step_whole_corpus_is_finish_job_alone first_step_whole_corpus_is_finish_job_alone

status_reads_record_of_old_submission() {
  fake_slurm; mkdata
  sed -i '/dedup:/d' p.yaml
  $W slurm submit p.yaml --tasks 4 >/dev/null || return 1
  sed -i 's/^job files \([0-9]*\) /array \1 /; s/^job finish \([0-9]*\) -$/finish \1/' clean/.winnow/slurm/jobs
  grep -q '^array 100 0-3$' clean/.winnow/slurm/jobs || fail "$(cat clean/.winnow/slurm/jobs)" || return 1
  expect_status 0 $W slurm status clean && expect_out '^files +2 +done +1/1 +100_2$' && expect_out '^finish +- +done +- +101$'
}
t status_reads_record_of_old_submission status_reads_record_of_old_submission

no_sbatch_is_an_error() {
  mkdata
  expect_status 1 env PATH=/nonexistent $W slurm submit p.yaml --tasks 2 && expect_err 'cannot run sbatch'
}
t no_sbatch_is_an_error no_sbatch_is_an_error

usage_errors() {
  expect_status 2 $W slurm && expect_err 'needs submit, status or resubmit' &&
    expect_status 2 $W slurm frobnicate && expect_err "unknown subcommand 'frobnicate'" &&
    expect_status 1 $W slurm status nowhere && expect_err 'nowhere: no Slurm submission here'
}
t usage_errors usage_errors

resubmit_refuses_when_squeue_fails() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  $W slurm submit p.yaml --tasks 2 >/dev/null || return 1
  printf '#!/bin/sh\necho "squeue: error: Unable to contact slurm controller" >&2; exit 1\n' >bin/squeue
  expect_status 1 $W slurm resubmit clean && expect_err 'squeue failed: not resubmitting' && [ "$(jobs_submitted)" = 6 ]
}
t resubmit_refuses_when_squeue_fails resubmit_refuses_when_squeue_fails
