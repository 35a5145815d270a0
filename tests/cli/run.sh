# Command-line tests of `winnow run` (issue 9): YAML validation messages, equivalence with
# the shell pipeline, worker-count determinism, resume after a kill, task split.
. "$TOP/tests/cli/lib.sh"

mkdata() {
  mkdir -p data
  for f in 0 1 2 3 4; do
    awk -v f=$f 'BEGIN{for(i=0;i<300;i++) printf "{\"id\":\"f%d-%d\",\"text\":\"document %d of file %d with some words\",\"source\":\"s%d\"}\n", f, i, i, f, i%3}' | zstd -q -c >data/in$f.jsonl.zst
  done
}
pipe() { # pipe STEPS_YAML [extra top-level yaml]
  { echo 'input: [data/*.jsonl.zst]'; echo 'seed: 3'; echo 'steps:'; printf '%s\n' "$1"; echo 'output: {dir: clean, compress: none}'; [ -n "${2:-}" ] && printf '%s\n' "$2"; } >p.yaml
}

unknown_step_suggests() { mkdata; pipe '  - sampel: {fraction: 0.5}'; expect_status 2 $W run p.yaml && expect_err "p.yaml:4:5: unknown step 'sampel' \(did you mean 'sample'\?\)"; }
t unknown_step_suggests unknown_step_suggests
unknown_key_suggests() { mkdata; pipe '  - sample: {fractoin: 0.5}'; expect_status 2 $W run p.yaml && expect_err "p.yaml:4:14: unknown option 'fractoin' for sample \(did you mean 'fraction'\?\)"; }
t unknown_key_suggests unknown_key_suggests
wrong_type_named() { mkdata; pipe '  - sample: {fraction: lots}'; expect_status 2 $W run p.yaml && expect_err "p.yaml:4:14: sample: .*'lots' is not a number"; }
t wrong_type_named wrong_type_named
out_of_range_named() { mkdata; pipe '  - sample: {fraction: 2}'; expect_status 2 $W run p.yaml && expect_err "p.yaml:4:14: .*out of range"; }
t out_of_range_named out_of_range_named
empty_glob_named() { pipe '  - cat:'; expect_status 2 $W run p.yaml && expect_err "p.yaml:1:9: input 'data/\*.jsonl.zst' matches no file"; }
t empty_glob_named empty_glob_named
missing_input_named() { mkdata; printf 'steps:\n  - cat:\noutput: {dir: out}\n' >p.yaml; expect_status 2 $W run p.yaml && expect_err "no 'input'"; }
t missing_input_named missing_input_named
unknown_top_key_suggests() { mkdata; pipe '  - cat:' 'ouput: {dir: x}'; expect_status 2 $W run p.yaml && expect_err "unknown key 'ouput' \(did you mean 'output'\?\)"; }
t unknown_top_key_suggests unknown_top_key_suggests
yaml_syntax_error_named() { mkdata; printf 'input: [data\nsteps: : :\n' >p.yaml; expect_status 2 $W run p.yaml && expect_err "p.yaml:[0-9]+:[0-9]+: invalid YAML"; }
t yaml_syntax_error_named yaml_syntax_error_named
alias_bomb_is_bounded() {
  mkdata
  { echo 'input: [data/*.jsonl.zst]'; echo 'a: &a ["x","x","x","x","x","x","x","x","x"]'
    p=a; for l in b c d e f g h i; do echo "$l: &$l [*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p,*$p]"; p=$l; done
    echo 'steps: [cat]'; echo 'output: {dir: out}'; } >p.yaml
  # bounded: 2 GB of address space is plenty (ASan reserves more, so no limit under it)
  ( [ -n "${WINNOW_ASAN:-}" ] || ulimit -v 2000000; $W run p.yaml ) >/dev/null 2>err.txt; st=$?
  [ "$st" = 2 ] && grep -q "unknown key 'a'" err.txt || fail "status $st: $(cat err.txt)"
}
t alias_bomb_is_bounded alias_bomb_is_bounded

same_as_shell_pipeline() {
  mkdata; pipe '  - sample: {fraction: 0.5}
  - cat:'
  $W run -q p.yaml && cat clean/part-*.jsonl >run.jsonl
  for f in data/*.jsonl.zst; do $W cat "$f"; done | $W sample --fraction 0.5 --seed 3 | $W cat >shell.jsonl
  expect_same run.jsonl shell.jsonl && [ -s run.jsonl ]
}
t same_as_shell_pipeline same_as_shell_pipeline
identical_at_any_worker_count() {
  mkdata; pipe '  - sample: {fraction: 0.7}'
  $W run -q -j 1 p.yaml && cat clean/part-* >a.jsonl && rm -rf clean
  $W run -q -j 3 p.yaml && cat clean/part-* >b.jsonl && expect_same a.jsonl b.jsonl
}
t identical_at_any_worker_count identical_at_any_worker_count
global_step_runs_once_over_corpus() {
  mkdata; pipe '  - sample: {fraction: 0.5}
  - head: {count: 7}'
  $W run -q p.yaml && [ "$(ls clean/part-* | wc -l)" = 1 ] && expect_lines clean/part-000000.jsonl 7
}
t global_step_runs_once_over_corpus global_step_runs_once_over_corpus
stats_json_per_step() { mkdata; pipe '  - sample: {fraction: 0.5}'; $W run -q p.yaml && grep -q '"step":"sample"' clean/stats.json && grep -q '"docs_in":1500' clean/stats.json; }
t stats_json_per_step stats_json_per_step
rerun_skips_finished_units() {
  mkdata; pipe '  - sample: {fraction: 0.5}'
  $W run -q p.yaml && $W run p.yaml 2>err.txt && grep -q '5 units (0 run, 5 already done)' err.txt && grep -q '"docs_in":1500' clean/stats.json
}
t rerun_skips_finished_units rerun_skips_finished_units
changed_pipeline_needs_force() {
  mkdata; pipe '  - sample: {fraction: 0.5}'; $W run -q p.yaml
  pipe '  - sample: {fraction: 0.4}'; expect_status 1 $W run p.yaml && expect_err 'different pipeline' && expect_status 0 $W run -q --force p.yaml
}
t changed_pipeline_needs_force changed_pipeline_needs_force
resume_after_kill_is_identical() {
  mkdata
  for f in 5 6 7 8 9 10 11; do awk -v f=$f 'BEGIN{for(i=0;i<20000;i++) printf "{\"id\":\"f%d-%d\",\"text\":\"document %d of file %d\"}\n", f, i, i, f}' | zstd -q -c >data/in$f.jsonl.zst; done
  pipe '  - sample: {fraction: 0.5}'
  $W run -q -j 2 p.yaml && cat clean/part-* >whole.jsonl && rm -rf clean
  $W run -q -j 1 p.yaml & pid=$!; sleep 0.3; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  $W run -q -j 2 p.yaml && cat clean/part-* >resumed.jsonl && expect_same whole.jsonl resumed.jsonl &&
  [ -z "$(find clean -name '.*.tmp.*')" ] || fail "temporary files left: $(find clean -name '.*.tmp.*')"
}
t resume_after_kill_is_identical resume_after_kill_is_identical
tasks_union_equals_single_run() {
  mkdata; pipe '  - sample: {fraction: 0.5}'
  $W run -q p.yaml && cat clean/part-* >single.jsonl && rm -rf clean
  for i in 0 1 2; do $W run -q --task $i --tasks 3 p.yaml || return 1; done
  cat clean/part-* >tasks.jsonl && expect_same single.jsonl tasks.jsonl
}
t tasks_union_equals_single_run tasks_union_equals_single_run
tasks_with_global_step_need_phases() {
  mkdata; pipe '  - sample: {fraction: 0.5}
  - head: {count: 7}'
  expect_status 1 $W run --task 0 --tasks 2 p.yaml && expect_err "needs the whole corpus" &&
  $W run -q --task 0 --tasks 2 --phase files p.yaml && $W run -q --task 1 --tasks 2 --phase files p.yaml &&
  $W run -q --tasks 2 --phase global p.yaml && expect_lines clean/part-000000.jsonl 7
}
t tasks_with_global_step_need_phases tasks_with_global_step_need_phases
dry_run_prints_plan() { mkdata; pipe '  - sample: {fraction: 0.5}'; expect_status 0 $W run --dry-run p.yaml && expect_out 'unit part-000004' && [ ! -d clean/.winnow/done ] || [ -z "$(ls clean/.winnow/done 2>/dev/null)" ]; }
t dry_run_prints_plan dry_run_prints_plan
real_stages_same_as_shell_pipeline() {
  mkdir -p data
  $W sample -f 0.5 --seed 1 "$TOP/examples/data/heldout/mail.jsonl.zst" -o data/a.jsonl.zst
  $W sample -f 0.5 --seed 1 --invert "$TOP/examples/data/heldout/mail.jsonl.zst" -o data/b.jsonl.zst
  $W cat "$TOP/examples/data/heldout/brown.jsonl.zst" -o data/c.jsonl.zst
  printf 'rules:\n  - match: {source: "brown/*"}\n    tag: "<brown.edu>"\ndefault: none\n' >tags.yaml
  pipe '  - filter: {rules: [gopher-rep, fineweb]}
  - tag: {rules: tags.yaml}
  - dedup: {mode: near}'
  $W run -q -j 2 p.yaml || return 1
  $W cat data/a.jsonl.zst data/b.jsonl.zst data/c.jsonl.zst | $W filter --rules gopher-rep,fineweb | $W tag --rules tags.yaml | $W dedup --mode near >shell.jsonl
  cat clean/part-* >run.jsonl && expect_same run.jsonl shell.jsonl && grep -q '<brown.edu>' shell.jsonl
}
t real_stages_same_as_shell_pipeline real_stages_same_as_shell_pipeline

# ---- dedup (every mode) split into phases (files, buckets, gather, clusters, apply) ----
# 4 files cut from the demo sample, which has near duplicates within and across files
mknear() {
  mkdir -p data
  $W cat "$TOP/examples/data/sample.jsonl.zst" >all.jsonl
  split -n l/4 -d all.jsonl data/in && for f in data/in0?; do mv "$f" "$f.jsonl"; done && rm all.jsonl
}
npipe() { # npipe DEDUP_OPTIONS [more steps]
  { echo 'input: [data/*.jsonl]'; echo 'steps:'; echo "  - dedup: {mode: near$1}"; [ -n "${2:-}" ] && printf '%s\n' "$2"
    echo 'output: {dir: clean, compress: none, rejects: true}'; } >p.yaml
}
split_near_dedup_same_as_shell() {
  mknear; npipe ''
  $W run -q p.yaml && cat clean/part-* >run.jsonl && [ "$(ls clean/part-* | wc -l)" = 4 ] &&
  $W dedup -m near data/*.jsonl >shell.jsonl && expect_same run.jsonl shell.jsonl && [ "$(wc -l <run.jsonl)" -lt 2611 ]
}
t split_near_dedup_same_as_shell split_near_dedup_same_as_shell
split_near_dedup_rejects_same_as_shell() {
  mknear; npipe ''
  $W run -q p.yaml && cat clean/rejects/* >run.jsonl && $W dedup -m near data/*.jsonl --rejects shell.jsonl >/dev/null &&
  expect_same run.jsonl shell.jsonl && grep -q '"reason":"near-duplicate of .* (jaccard 0\.[0-9][0-9])"' run.jsonl
}
t split_near_dedup_rejects_same_as_shell split_near_dedup_rejects_same_as_shell
split_near_dedup_counters_same_as_shell() {
  mknear; npipe ', verify: true'
  $W run -q p.yaml && $W dedup -m near --verify data/*.jsonl --stats-json st.json >/dev/null &&
  c1=$(grep -o '"counters":{[^}]*}' clean/stats.json) && c2=$(grep -o '"counters":{[^}]*}' st.json) &&
  [ "$c1" = "$c2" ] && echo "$c1" | grep -q 'pairs split by --verify' || fail "run: $c1 / shell: $c2"
}
t split_near_dedup_counters_same_as_shell split_near_dedup_counters_same_as_shell
split_near_dedup_verify_same_as_shell() {
  mknear; npipe ', verify: true, threshold: 0.9'
  $W run -q p.yaml && cat clean/part-* >run.jsonl && $W dedup -m near --verify --threshold 0.9 data/*.jsonl >shell.jsonl &&
  expect_same run.jsonl shell.jsonl
}
t split_near_dedup_verify_same_as_shell split_near_dedup_verify_same_as_shell
split_near_dedup_annotate_same_as_shell() {
  mknear; npipe ', annotate: true, bands: 20, rows: 5'
  $W run -q p.yaml && cat clean/part-* >run.jsonl && $W dedup -m near --annotate --bands 20 --rows 5 data/*.jsonl >shell.jsonl &&
  expect_same run.jsonl shell.jsonl && grep -q '"dup_of"' run.jsonl && expect_lines run.jsonl 2611
}
t split_near_dedup_annotate_same_as_shell split_near_dedup_annotate_same_as_shell
split_near_dedup_with_steps_around() {
  mknear
  printf 'rules:\n  - match: {source: "*"}\n    tag: "<x>"\ndefault: none\n' >tags.yaml
  { echo 'input: [data/*.jsonl]'; echo 'steps:'; echo '  - sample: {fraction: 0.9, seed: 2}'; echo '  - dedup: {mode: near}'
    echo '  - tag: {rules: tags.yaml}'; echo '  - head: {count: 2000}'; echo 'output: {dir: clean, compress: zstd}'; } >p.yaml
  $W run -q -j 3 p.yaml && [ "$(ls clean/part-* | wc -l)" = 1 ] && $W cat clean/part-000000.jsonl.zst >run.jsonl &&
  $W cat data/*.jsonl | $W sample -f 0.9 --seed 2 | $W dedup -m near | $W tag --rules tags.yaml | $W head -n 2000 >shell.jsonl &&
  expect_same run.jsonl shell.jsonl && grep -q '<x>' run.jsonl
}
t split_near_dedup_with_steps_around split_near_dedup_with_steps_around
split_near_dedup_identical_at_any_worker_count() {
  mknear; npipe ', verify: true'
  $W run -q -j 1 p.yaml && cat clean/part-* >a.jsonl && rm -rf clean &&
  $W run -q -j 4 p.yaml && cat clean/part-* >b.jsonl && expect_same a.jsonl b.jsonl
}
t split_near_dedup_identical_at_any_worker_count split_near_dedup_identical_at_any_worker_count
split_phases_over_tasks_equal_single_run() {
  mknear; npipe ', verify: true'
  $W run -q p.yaml && cat clean/part-* >single.jsonl && cp clean/stats.json single.stats && rm -rf clean
  for ph in files buckets gather clusters apply; do
    for i in 2 0 1; do $W run -q --phase $ph --task $i --tasks 3 p.yaml || return 1; done
  done
  $W run p.yaml 2>err.txt && cat clean/part-* >tasks.jsonl && expect_same single.jsonl tasks.jsonl &&
  grep -q '(0 run, 33 already done)' err.txt || fail "$(cat err.txt)"
  [ "$(grep -o '"counters":{[^}]*}' clean/stats.json)" = "$(grep -o '"counters":{[^}]*}' single.stats)" ] || fail "merged counters differ"
}
t split_phases_over_tasks_equal_single_run split_phases_over_tasks_equal_single_run
split_near_dedup_spilling_same_output() {
  mknear; npipe ', memory: 64K, verify: true'
  $W run -q p.yaml && cat clean/part-* >run.jsonl && $W dedup -m near --verify data/*.jsonl >shell.jsonl &&
  expect_same run.jsonl shell.jsonl && grep -q '"spilled sorted runs"' clean/stats.json
}
t split_near_dedup_spilling_same_output split_near_dedup_spilling_same_output
split_damaged_file_named() {
  mknear; npipe ''
  $W run -q p.yaml && truncate -s 100 clean/.winnow/split/keys-000002 && rm clean/.winnow/done/bucket-000003.json &&
  expect_status 1 $W run p.yaml && expect_err 'split/keys-000002: truncated or damaged \(run with --force'
}
t split_damaged_file_named split_damaged_file_named
split_exact_dedup_same_as_shell() {
  mknear; cat data/in00.jsonl >>data/in03.jsonl   # exact copies across files
  { echo 'input: [data/*.jsonl]'; echo 'steps:'; echo '  - dedup: {mode: exact, normalize: nfkc-casefold}'
    echo 'output: {dir: clean, compress: none, rejects: true}'; } >p.yaml
  $W run -q -j 3 p.yaml && cat clean/part-* >run.jsonl && cat clean/rejects/* >runrej.jsonl &&
  $W dedup -m exact --normalize nfkc-casefold data/*.jsonl --rejects shrej.jsonl >shell.jsonl &&
  expect_same run.jsonl shell.jsonl && expect_same runrej.jsonl shrej.jsonl && grep -q '"reason":"exact-duplicate of ' runrej.jsonl
}
t split_exact_dedup_same_as_shell split_exact_dedup_same_as_shell
split_exact_dedup_annotate_over_tasks() {
  mknear; cat data/in01.jsonl >>data/in02.jsonl
  { echo 'input: [data/*.jsonl]'; echo 'steps:'; echo '  - dedup: {mode: exact, annotate: true, memory: 1K}'
    echo 'output: {dir: clean, compress: none}'; } >p.yaml
  for ph in files buckets gather clusters apply; do
    for i in 0 1; do $W run -q --phase $ph --task $i --tasks 2 p.yaml || return 1; done
  done
  $W run -q p.yaml && cat clean/part-* >run.jsonl && $W dedup -m exact --annotate data/*.jsonl >shell.jsonl &&
  expect_same run.jsonl shell.jsonl && grep -q '"dup_of"' run.jsonl
}
t split_exact_dedup_annotate_over_tasks split_exact_dedup_annotate_over_tasks
split_lines_dedup_same_as_shell() {
  mknear
  { echo 'input: [data/*.jsonl]'; echo 'steps:'; echo '  - dedup: {mode: lines, max_repeats: 3}'
    echo 'output: {dir: clean, compress: none}'; } >p.yaml
  $W run -q -j 2 p.yaml && cat clean/part-* >run.jsonl && $W dedup -m lines --max-repeats 3 data/*.jsonl --stats-json st.json >shell.jsonl &&
  expect_same run.jsonl shell.jsonl && c1=$(grep -o '"counters":{[^}]*}' clean/stats.json) && c2=$(grep -o '"counters":{[^}]*}' st.json) &&
  [ "$c1" = "$c2" ] && echo "$c1" | grep -q '"lines removed":[1-9]' || fail "run: $c1 / shell: $c2"
}
t split_lines_dedup_same_as_shell split_lines_dedup_same_as_shell
split_paragraphs_dedup_over_tasks() {
  mknear
  { echo 'input: [data/*.jsonl]'; echo 'steps:'; echo '  - dedup: {mode: paragraphs, max_repeats: 2}'
    echo 'output: {dir: clean, compress: none, rejects: true}'; } >p.yaml
  for ph in files buckets gather clusters apply; do
    for i in 1 0; do $W run -q --phase $ph --task $i --tasks 2 p.yaml || return 1; done
  done
  $W run -q p.yaml && cat clean/part-* >run.jsonl && cat clean/rejects/* >runrej.jsonl &&
  $W dedup -m paragraphs --max-repeats 2 data/*.jsonl --rejects shrej.jsonl >shell.jsonl &&
  expect_same run.jsonl shell.jsonl && expect_same runrej.jsonl shrej.jsonl && [ -s runrej.jsonl ]
}
t split_paragraphs_dedup_over_tasks split_paragraphs_dedup_over_tasks
split_clusters_runs_in_task_zero_only() {
  mknear; npipe ''
  for ph in files buckets gather; do $W run -q --phase $ph p.yaml || return 1; done
  $W run -q --phase clusters --task 1 --tasks 2 p.yaml && [ ! -e clean/.winnow/split/decide-000000 ] &&
  $W run -q --phase clusters --task 0 --tasks 2 p.yaml && [ -e clean/.winnow/split/decide-000000 ] || fail "decide files: $(ls clean/.winnow/split)"
}
t split_clusters_runs_in_task_zero_only split_clusters_runs_in_task_zero_only
split_phase_before_its_input_names_it() {
  mknear; npipe ''
  $W run -q --phase files p.yaml && expect_status 1 $W run --phase gather p.yaml &&
  expect_err 'split/pairs-000000 is missing: run --phase buckets'
}
t split_phase_before_its_input_names_it split_phase_before_its_input_names_it
split_tasks_without_phase_refused() {
  mknear; npipe ''
  expect_status 1 $W run --task 0 --tasks 2 p.yaml && expect_err "needs the whole corpus.*each phase"
}
t split_tasks_without_phase_refused split_tasks_without_phase_refused
split_dry_run_lists_phases() {
  mknear; npipe ''
  expect_status 0 $W run --dry-run p.yaml && expect_out 'phase buckets: 16 units' && expect_out 'phase clusters: 1 unit' &&
  expect_out 'unit apply-000003' && [ ! -d clean ]
}
t split_dry_run_lists_phases split_dry_run_lists_phases
split_resume_after_kill_is_identical() {
  mknear
  for f in 4 5 6 7; do $W cat data/in0$((f - 4)).jsonl data/in0$((f - 4)).jsonl >data/in0$f.jsonl; done
  npipe ', verify: true'
  $W run -q -j 2 p.yaml && cat clean/part-* >whole.jsonl && rm -rf clean
  for delay in 0.2 0.5 0.8; do
    $W run -q -j 1 p.yaml & pid=$!; sleep $delay; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  done
  $W run -q -j 2 p.yaml && cat clean/part-* >resumed.jsonl && expect_same whole.jsonl resumed.jsonl &&
  [ -z "$(find clean -name '.*.tmp.*')" ] || fail "temporary files left: $(find clean -name '.*.tmp.*')"
}
t split_resume_after_kill_is_identical split_resume_after_kill_is_identical
