# Command-line tests of `winnow slurm` (issue 11) against a fake Slurm: sbatch, squeue, sacct
# and scancel are small scripts on PATH that keep job states in $T/fake and run each job at
# once (array tasks in order), so the whole flow runs without a cluster. The real-Slurm test
# is tests/slurm/run.sh (make test-slurm).
. "$TOP/tests/cli/lib.sh"

fake_slurm() {
  mkdir -p bin fake
  cat >bin/sbatch <<'EOF'
#!/bin/sh
# fake sbatch --parsable [--dependency=afterok:A:B_3 --kill-on-invalid-dep=yes] SCRIPT
F=$FAKE; n=$(cat $F/next 2>/dev/null || echo 100); echo $((n + 1)) >$F/next
echo "$*" >>$F/sbatch.log
dep=""; for a in "$@"; do script=$a; case $a in --dependency=afterok:*) dep=${a#--dependency=afterok:} ;; esac; done
ok=1
for d in $(echo "$dep" | tr ':' ' '); do
  case $d in *_*) grep -q "^$d|COMPLETED" $F/states || ok=0 ;;
             *) grep "^${d}_" $F/states | grep -qv '|COMPLETED' && ok=0; grep -q "^${d}_" $F/states || ok=0 ;; esac
done
spec=$(sed -n 's/^#SBATCH --array=\([0-9,-]*\).*/\1/p' "$script")
if [ -z "$spec" ]; then
  if [ -n "${FAKE_NORUN:-}" ]; then echo "$n|PENDING" >>$F/states
  elif [ $ok = 0 ]; then echo "$n|CANCELLED" >>$F/states
  elif sh "$script" >$F/log.$n 2>&1; then echo "$n|COMPLETED" >>$F/states; else echo "$n|FAILED" >>$F/states; fi
else
  for r in $(echo "$spec" | tr ',' ' '); do
    a=${r%-*}; b=${r#*-}
    for i in $(seq $a $b); do
      if [ -n "${FAKE_NORUN:-}" ]; then echo "${n}_$i|PENDING" >>$F/states
      elif [ "${FAKE_FAIL_TASK:-x}" = "$i" ] && [ ! -e $F/failed_once ]; then touch $F/failed_once; echo "${n}_$i|FAILED" >>$F/states
      elif SLURM_ARRAY_TASK_ID=$i sh "$script" >$F/log.${n}_$i 2>&1; then echo "${n}_$i|COMPLETED" >>$F/states
      else echo "${n}_$i|FAILED" >>$F/states; fi
    done
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
sed -i "s/^$1|PENDING/$1|CANCELLED/" $FAKE/states
EOF
  chmod +x bin/*
  export PATH="$T/bin:$PATH" FAKE="$T/fake"
}

mkdata() {
  mkdir -p data
  for f in 0 1 2 3 4; do
    awk -v f=$f 'BEGIN{for(i=0;i<40;i++) printf "{\"id\":\"f%d-%d\",\"text\":\"the quick brown fox number %d jumps over the lazy dog in file %d again and again today\"}\n", f, i, i % 25, f}' \
      | zstd -q -c >data/in$f.jsonl.zst
  done
  cat >p.yaml <<'EOF'
input: [data/*.jsonl.zst]
workers: 1
seed: 3
steps:
  - sample: {fraction: 0.8}
  - dedup: {mode: near}
output: {dir: clean, compress: zstd}
EOF
}
# the local run's documents, kept as ref.jsonl
local_ref() { $W run -q "$T/p.yaml" && $W cat clean/part-*.jsonl.zst >ref.jsonl && rm -rf clean; }

submit_writes_array_script() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  expect_status 0 $W slurm submit p.yaml --tasks 4 -p long --cpus-per-task 2 --mem 4G --time 1:00:00 --max-parallel 2 || return 1
  s=clean/.winnow/slurm/array-1.sbatch
  grep -q '^#SBATCH --array=0-3%2$' $s && grep -q '^#SBATCH --partition=long$' $s && grep -q '^#SBATCH --cpus-per-task=2$' $s &&
    grep -q '^#SBATCH --mem=4G$' $s && grep -q '^#SBATCH --time=1:00:00$' $s &&
    grep -qF "run '$T/p.yaml' --task \"\$SLURM_ARRAY_TASK_ID\" --tasks 4 --phase files" $s || fail "script: $(cat $s)"
}
t submit_writes_array_script submit_writes_array_script

submit_prints_ids_and_chains_finish_job() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  expect_status 0 $W slurm submit p.yaml --tasks 2 && expect_out '^submitted array job 100 \(tasks 0-1 of 2\)' &&
    expect_out '^submitted finish job 101 \(afterok:100\)' || return 1
  grep -q -- '--dependency=afterok:100 --kill-on-invalid-dep=yes .*finish-1.sbatch' fake/sbatch.log || fail "$(cat fake/sbatch.log)"
  grep -qF "run '$T/p.yaml' --workers" clean/.winnow/slurm/finish-1.sbatch || fail "finish script: $(cat clean/.winnow/slurm/finish-1.sbatch)"
}
t submit_prints_ids_and_chains_finish_job submit_prints_ids_and_chains_finish_job

output_equals_local_run() {
  fake_slurm; mkdata; local_ref
  expect_status 0 $W slurm submit p.yaml --tasks 3 || return 1
  $W cat clean/part-*.jsonl.zst >slurm.jsonl && expect_same ref.jsonl slurm.jsonl && [ -s ref.jsonl ]
}
t output_equals_local_run output_equals_local_run

stats_merged_from_all_tasks() {
  fake_slurm; mkdata
  expect_status 0 $W slurm submit p.yaml --tasks 3 || return 1
  # 200 documents in over the 5 files of 3 tasks, all counted in one stats.json
  grep -q '"step":"sample","stats":{"docs_in":200,' clean/stats.json || fail "$(cat clean/stats.json)"
}
t stats_merged_from_all_tasks stats_merged_from_all_tasks

status_all_done() {
  fake_slurm; mkdata
  $W slurm submit p.yaml --tasks 3 >/dev/null || return 1
  expect_status 0 $W slurm status clean --wait --interval 1 && expect_out '^3 done, 0 pending, 0 running, 0 failed, 0 missing; finish done$'
}
t status_all_done status_all_done

status_shows_pending() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  $W slurm submit p.yaml --tasks 2 >/dev/null || return 1
  expect_status 0 $W slurm status clean && expect_out '^1 +pending +0/2 +100_1 \(PENDING\)' && expect_out '^finish +pending'
}
t status_shows_pending status_shows_pending

status_failed_task_and_resubmit_runs_only_it() {
  fake_slurm; mkdata; local_ref; export FAKE_FAIL_TASK=1
  $W slurm submit p.yaml --tasks 3 >/dev/null
  expect_status 1 $W slurm status clean --wait --interval 1 && expect_out '^1 +failed +0/2 +100_1 \(FAILED\)' &&
    expect_out '^finish +failed' || return 1
  expect_status 0 $W slurm resubmit clean && expect_out '^submitted array job 102 \(tasks 1 of 3\)' || return 1
  expect_status 0 $W slurm status clean --wait --interval 1 || return 1
  $W cat clean/part-*.jsonl.zst >slurm.jsonl && expect_same ref.jsonl slurm.jsonl
}
t status_failed_task_and_resubmit_runs_only_it status_failed_task_and_resubmit_runs_only_it

status_missing_when_slurm_forgot() {
  fake_slurm; mkdata
  $W slurm submit p.yaml --tasks 3 >/dev/null || return 1
  rm -f fake/states clean/.winnow/done/part-000003.json clean/stats.json
  expect_status 0 $W slurm status clean && expect_out "^0 +missing +1/2" && expect_out "^finish +missing"
}
t status_missing_when_slurm_forgot status_missing_when_slurm_forgot

resubmit_cancels_stale_finish_job() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  $W slurm submit p.yaml --tasks 2 >/dev/null || return 1
  sed -i 's/^100_0|PENDING/100_0|FAILED/' fake/states
  expect_status 0 $W slurm resubmit clean || return 1
  grep -qx 101 fake/scancel.log && expect_out 'tasks 0 of 2' && expect_out 'afterok:102:100_1' || fail "$(cat $T/out; cat fake/scancel.log)"
}
t resubmit_cancels_stale_finish_job resubmit_cancels_stale_finish_job

resubmit_nothing_when_complete() {
  fake_slurm; mkdata
  $W slurm submit p.yaml --tasks 2 >/dev/null || return 1
  expect_status 0 $W slurm resubmit clean && expect_out '^nothing to resubmit' && [ "$(wc -l <fake/sbatch.log)" = 2 ]
}
t resubmit_nothing_when_complete resubmit_nothing_when_complete

submit_refuses_while_jobs_queued() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  $W slurm submit p.yaml --tasks 2 >/dev/null || return 1
  expect_status 1 $W slurm submit p.yaml --tasks 2 && expect_err 'still queued or running'
}
t submit_refuses_while_jobs_queued submit_refuses_while_jobs_queued

tasks_capped_at_input_files() {
  fake_slurm; mkdata; export FAKE_NORUN=1
  expect_status 0 $W slurm submit p.yaml --tasks 9 && expect_err 'note: 5 tasks' && expect_out 'tasks 0-4 of 5'
}
t tasks_capped_at_input_files tasks_capped_at_input_files

dry_run_submits_nothing() {
  fake_slurm; mkdata
  expect_status 0 $W slurm submit p.yaml --tasks 2 --dry-run && expect_out 'would submit .*array-1.sbatch \(tasks 0-1\)' &&
    [ ! -e fake/sbatch.log ] && [ -s clean/.winnow/slurm/finish-1.sbatch ]
}
t dry_run_submits_nothing dry_run_submits_nothing

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
  expect_status 1 $W slurm resubmit clean && expect_err 'squeue failed: not resubmitting' && [ "$(wc -l <fake/sbatch.log)" = 2 ]
}
t resubmit_refuses_when_squeue_fails resubmit_refuses_when_squeue_fails
