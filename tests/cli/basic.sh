# Command-line tests of the foundation: the command table, cat, head, sample, stats, the
# common options and bad input (issue 2).
. "$TOP/tests/cli/lib.sh"

doc3() { printf '%s\n' '{"id":"a","text":"alpha one","source":"s1"}' '{"id":"b","text":"beta two","source":"s2","x":[1, 2]}' '{"id":"c","text":"gamma three","source":"s1"}' >in.jsonl; }

help_lists_commands() { expect_status 0 $W --help && expect_out '^  cat ' && expect_out '^  stats '; }
t help_lists_commands help_lists_commands
version_prints() { expect_status 0 $W --version && expect_out '^winnow [0-9]'; }
t version_prints version_prints
unknown_command_is_usage_error() { expect_status 2 $W frobnicate && expect_err "unknown command 'frobnicate'"; }
t unknown_command_is_usage_error unknown_command_is_usage_error
help_cmd_shows_options() { expect_status 0 $W help sample && expect_out -- '--fraction' && expect_out -- '--rejects'; }
t help_cmd_shows_options help_cmd_shows_options
dash_h_shows_options() { expect_status 0 $W head -h && expect_out -- '--count'; }
t dash_h_shows_options dash_h_shows_options
unknown_option_suggests() { expect_status 2 $W sample --fractoin 0.5 && expect_err "did you mean '--fraction'"; }
t unknown_option_suggests unknown_option_suggests
bad_option_value_is_usage_error() { expect_status 2 $W sample --fraction abc && expect_err "not a number"; }
t bad_option_value_is_usage_error bad_option_value_is_usage_error
out_of_range_value_is_usage_error() { expect_status 2 $W sample --fraction 1.5 && expect_err "out of range"; }
t out_of_range_value_is_usage_error out_of_range_value_is_usage_error

cat_round_trips_bytes() { doc3; expect_status 0 $W cat in.jsonl && expect_same "$T/out" in.jsonl; }
t cat_round_trips_bytes cat_round_trips_bytes
cat_reads_stdin() { doc3; $W cat <in.jsonl >o.jsonl && expect_same o.jsonl in.jsonl; }
t cat_reads_stdin cat_reads_stdin
cat_concatenates_files() { doc3; cp in.jsonl b.jsonl; $W cat in.jsonl b.jsonl >o.jsonl && expect_lines o.jsonl 6; }
t cat_concatenates_files cat_concatenates_files
cat_writes_zstd_by_name() { doc3; $W cat in.jsonl -o o.jsonl.zst && zstd -dc o.jsonl.zst >o.jsonl && expect_same o.jsonl in.jsonl; }
t cat_writes_zstd_by_name cat_writes_zstd_by_name
cat_reads_gzip_by_magic() { doc3; gzip -c in.jsonl >in.data && $W cat in.data >o.jsonl && expect_same o.jsonl in.jsonl; }
t cat_reads_gzip_by_magic cat_reads_gzip_by_magic
cat_compress_gzip_forced() { doc3; $W cat in.jsonl --compress gzip -o o.bin && gzip -dc o.bin >o.jsonl && expect_same o.jsonl in.jsonl; }
t cat_compress_gzip_forced cat_compress_gzip_forced
cat_from_text_one_doc_per_file() { printf 'hello\nworld\n' >a.txt; $W cat --from text --source notes a.txt >o.jsonl && expect_lines o.jsonl 1 && grep -q '"id":"a.txt"' o.jsonl && grep -q '"source":"notes"' o.jsonl && grep -q 'hello\\nworld' o.jsonl; }
t cat_from_text_one_doc_per_file cat_from_text_one_doc_per_file
cat_from_text_split_paragraphs() { printf 'one\ntwo\n\n\nthree\n  \nfour\n' >a.txt; $W cat --from text --split paragraphs a.txt >o.jsonl && expect_lines o.jsonl 3 && grep -q '"id":"a.txt#3","text":"four"' o.jsonl; }
t cat_from_text_split_paragraphs cat_from_text_split_paragraphs

malformed_line_names_file_and_line() { doc3; echo '{"id":"d","text":"x"' >>in.jsonl; expect_status 1 $W cat in.jsonl && expect_err '^winnow cat: in.jsonl:4:[0-9]+: invalid JSON'; }
t malformed_line_names_file_and_line malformed_line_names_file_and_line
malformed_line_keeps_earlier_output_on_stdout() { doc3; echo '{bad' >>in.jsonl; $W cat in.jsonl >o.jsonl 2>/dev/null; [ $? = 1 ] && expect_lines o.jsonl 3; }
t malformed_line_keeps_earlier_output_on_stdout malformed_line_keeps_earlier_output_on_stdout
malformed_line_leaves_no_output_file() { doc3; echo '{bad' >>in.jsonl; $W cat in.jsonl -o o.jsonl 2>/dev/null; [ $? = 1 ] && [ ! -e o.jsonl ] && [ -z "$(ls -A | grep tmp)" ]; }
t malformed_line_leaves_no_output_file malformed_line_leaves_no_output_file
on_error_skip_counts_and_keeps_rejects() { doc3; echo '{bad' >>in.jsonl; echo '{"id":"e","text":"last"}' >>in.jsonl; expect_status 0 $W cat --on-error skip --rejects rej.jsonl in.jsonl && expect_lines "$T/out" 4 && expect_err '1 bad lines skipped' && grep -q '"reject":{"stage":"read"' rej.jsonl && grep -q '"text":"{bad"' rej.jsonl; }
t on_error_skip_counts_and_keeps_rejects on_error_skip_counts_and_keeps_rejects
invalid_utf8_is_an_error() { printf '{"id":"a","text":"bad \377 byte"}\n' >in.jsonl; expect_status 1 $W cat in.jsonl && expect_err 'in.jsonl:1:[0-9]+: invalid UTF-8'; }
t invalid_utf8_is_an_error invalid_utf8_is_an_error
missing_text_is_an_error() { echo '{"id":"a"}' >in.jsonl; expect_status 1 $W cat in.jsonl && expect_err 'in.jsonl:1.*text'; }
t missing_text_is_an_error missing_text_is_an_error
missing_id_gets_file_and_line() { printf '{"text":"x"}\n{"text":"y"}\n' >in.jsonl; expect_status 0 $W cat in.jsonl && expect_out '"id":"in.jsonl:2"'; }
t missing_id_gets_file_and_line missing_id_gets_file_and_line
empty_file_gives_empty_output() { : >e.jsonl; expect_status 0 $W cat e.jsonl && [ ! -s "$T/out" ]; }
t empty_file_gives_empty_output empty_file_gives_empty_output
missing_file_names_it() { expect_status 1 $W cat nope.jsonl && expect_err 'nope.jsonl: No such file'; }
t missing_file_names_it missing_file_names_it
directory_as_file_names_it() { mkdir d; expect_status 1 $W cat d && expect_err 'd: (is a directory|Is a directory)'; }
t directory_as_file_names_it directory_as_file_names_it
truncated_zstd_names_file() { doc3; for i in 1 2 3 4 5 6 7 8; do cat in.jsonl; done | zstd -q -c >z.zst; head -c 40 z.zst >t.zst; expect_status 1 $W cat t.zst && expect_err 't.zst'; }
t truncated_zstd_names_file truncated_zstd_names_file
closed_pipe_ends_quietly() {
  awk 'BEGIN{for(i=0;i<200000;i++) printf "{\"id\":\"%d\",\"text\":\"some text to fill the pipe %d\"}\n", i, i}' >big.jsonl
  $W cat big.jsonl 2>err.txt | head -1 >one.jsonl
  st=$?; [ "$st" = 0 ] && expect_lines one.jsonl 1 && [ ! -s err.txt ] || fail "stderr: $(cat err.txt)"
}
t closed_pipe_ends_quietly closed_pipe_ends_quietly
hundred_mb_line_works() {
  awk 'BEGIN{printf "{\"id\":\"big\",\"text\":\""; s="abcdefghij"; for(i=0;i<10;i++) s=s s; for(i=0;i<102400;i++) printf "%s", s; print "\"}"}' >big.jsonl
  $W cat big.jsonl | cmp -s - big.jsonl || fail "100 MB line did not round-trip"
}
t hundred_mb_line_works hundred_mb_line_works

head_keeps_first_n() { doc3; expect_status 0 $W head -n 2 in.jsonl && expect_lines "$T/out" 2 && expect_out '"id":"b"'; }
t head_keeps_first_n head_keeps_first_n
head_stops_reading_early() { doc3; (cat in.jsonl; echo '{broken') >x.jsonl; expect_status 0 $W head -n 2 x.jsonl; }
t head_stops_reading_early head_stops_reading_early
sample_is_deterministic_and_order_free() {
  awk 'BEGIN{for(i=0;i<2000;i++) printf "{\"id\":\"d%d\",\"text\":\"t\"}\n", i}' >in.jsonl
  $W sample --fraction 0.3 --seed 7 in.jsonl | sort >a.txt
  tac in.jsonl | $W sample --fraction 0.3 --seed 7 | sort >b.txt
  expect_same a.txt b.txt && n=$(wc -l <a.txt) && [ "$n" -gt 500 ] && [ "$n" -lt 700 ] || fail "kept $n of 2000 at 0.3"
}
t sample_is_deterministic_and_order_free sample_is_deterministic_and_order_free
sample_seed_changes_choice() {
  awk 'BEGIN{for(i=0;i<500;i++) printf "{\"id\":\"d%d\",\"text\":\"t\"}\n", i}' >in.jsonl
  $W sample -f 0.5 --seed 1 in.jsonl >a; $W sample -f 0.5 --seed 2 in.jsonl >b; ! cmp -s a b
}
t sample_seed_changes_choice sample_seed_changes_choice
stats_flag_counts_drops() {
  awk 'BEGIN{for(i=0;i<100;i++) printf "{\"id\":\"d%d\",\"text\":\"t\"}\n", i}' >in.jsonl
  expect_status 0 $W sample -f 0.5 --stats in.jsonl && expect_err '^sample: 100 in' && expect_err 'dropped +not sampled'
}
t stats_flag_counts_drops stats_flag_counts_drops
stats_json_file_written() { doc3; $W head -n 1 --stats-json s.json in.jsonl >/dev/null && grep -q '"stage":"head"' s.json && grep -q '"docs_out":1' s.json; }
t stats_json_file_written stats_json_file_written
rejects_have_stage_and_reason() {
  awk 'BEGIN{for(i=0;i<50;i++) printf "{\"id\":\"d%d\",\"text\":\"t\"}\n", i}' >in.jsonl
  $W sample -f 0.5 --rejects r.jsonl in.jsonl >k.jsonl && [ $(( $(wc -l <r.jsonl) + $(wc -l <k.jsonl) )) = 50 ] && grep -q '"meta":{"reject":{"stage":"sample","reason":"not sampled"}}' r.jsonl
}
t rejects_have_stage_and_reason rejects_have_stage_and_reason

stats_command_counts() { doc3; expect_status 0 $W stats --json in.jsonl && expect_out '"documents":3' && expect_out '"s1":\{"documents":2'; }
t stats_command_counts stats_command_counts
stats_command_table() { doc3; expect_status 0 $W stats in.jsonl && expect_out '^documents +3' && expect_out 'p50'; }
t stats_command_table stats_command_table
sample_invert_is_the_complement() {
  awk 'BEGIN{for(i=0;i<300;i++) printf "{\"id\":\"d%d\",\"text\":\"t\"}\n", i}' >in.jsonl
  $W sample -f 0.3 --seed 4 in.jsonl >a; $W sample -f 0.3 --seed 4 --invert in.jsonl >b
  [ $(( $(wc -l <a) + $(wc -l <b) )) = 300 ] && [ -z "$(sort a b | uniq -d)" ]
}
t sample_invert_is_the_complement sample_invert_is_the_complement
