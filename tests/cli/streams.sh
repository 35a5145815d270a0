# Command-line tests of input/output streams (pipeline/stream.c through `winnow cat`):
# compression by magic, broken streams, odd files, closed pipes, huge lines, atomic output.
. "$TOP/tests/cli/lib.sh"

docs() { printf '%s\n' '{"id":"a","text":"alpha"}' '{"id":"b","text":"beta"}' '{"id":"c","text":"gamma"}' >in.jsonl; }
# many documents (about 6 MB), more than a pipe and the output buffer hold
many() { awk 'BEGIN { for (i = 0; i < 60000; i++) printf "{\"id\":\"d%d\",\"text\":\"%s\"}\n", i, "some words to fill a line of text up to about one hundred bytes in all" }' >many.jsonl; }

gzip_input_read_by_magic() { docs; gzip -c in.jsonl >in.bin && expect_status 0 $W cat in.bin && expect_same "$T/out" in.jsonl; }
t gzip_input_read_by_magic gzip_input_read_by_magic
concatenated_gzip_members_read_through() { docs; gzip -c in.jsonl >x.gz && gzip -c in.jsonl >>x.gz && cat in.jsonl in.jsonl >want && expect_status 0 $W cat x.gz && expect_same "$T/out" want; }
t concatenated_gzip_members_read_through concatenated_gzip_members_read_through
multi_frame_zstd_read_through() { docs; zstd -q -c in.jsonl >x.zst && zstd -q -c in.jsonl >>x.zst && cat in.jsonl in.jsonl >want && expect_status 0 $W cat x.zst && expect_same "$T/out" want; }
t multi_frame_zstd_read_through multi_frame_zstd_read_through
zstd_on_stdin_read_by_magic() { docs; zstd -q -c in.jsonl | $W cat >o.jsonl && expect_same o.jsonl in.jsonl; }
t zstd_on_stdin_read_by_magic zstd_on_stdin_read_by_magic
truncated_zstd_is_an_error() { many; zstd -q -c many.jsonl >m.jsonl.zst && head -c 20000 m.jsonl.zst >t.jsonl.zst && expect_status 1 $W cat t.jsonl.zst && expect_err '^winnow cat: t.jsonl.zst: truncated zstd stream$'; }
t truncated_zstd_is_an_error truncated_zstd_is_an_error
truncated_gzip_is_an_error() { many; gzip -c many.jsonl | head -c 20000 >t.jsonl.gz && expect_status 1 $W cat t.jsonl.gz && expect_err '^winnow cat: t.jsonl.gz: truncated gzip stream$'; }
t truncated_gzip_is_an_error truncated_gzip_is_an_error
corrupt_gzip_is_an_error() { docs; gzip -c in.jsonl >x.gz && printf 'garbage' >>x.gz && expect_status 1 $W cat x.gz && expect_err '^winnow cat: x.gz: corrupt gzip stream: '; }
t corrupt_gzip_is_an_error corrupt_gzip_is_an_error
missing_file_is_named() { expect_status 1 $W cat missing.jsonl.zst && expect_err '^winnow cat: missing.jsonl.zst: No such file or directory$'; }
t missing_file_is_named missing_file_is_named
empty_file_gives_nothing() { : >e.jsonl; expect_status 0 $W cat e.jsonl && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]; }
t empty_file_gives_nothing empty_file_gives_nothing
empty_zstd_file_gives_nothing() { : | zstd -q -c >e.zst && expect_status 0 $W cat e.zst && [ ! -s "$T/out" ]; }
t empty_zstd_file_gives_nothing empty_zstd_file_gives_nothing
crlf_lines_are_documents() { printf '{"id":"a","text":"x"}\r\n{"id":"b","text":"y"}\r\n' >in.jsonl && expect_status 0 $W cat in.jsonl && expect_lines "$T/out" 2; }
t crlf_lines_are_documents crlf_lines_are_documents

closed_pipe_ends_quietly() {
  many
  { $W cat many.jsonl 2>err; echo $? >st; } | head -1 >first
  [ "$(cat st)" = 0 ] || fail "exit $(cat st), expected 0"
  [ ! -s err ] || fail "stderr: $(cat err)"
  grep -q '"id":"d0"' first || fail "first line: $(cat first)"
}
t closed_pipe_ends_quietly closed_pipe_ends_quietly
closed_pipe_ends_quietly_with_zstd_input() {
  many; zstd -q many.jsonl
  { $W cat many.jsonl.zst 2>err; echo $? >st; } | head -c 10 >/dev/null
  [ "$(cat st)" = 0 ] && [ ! -s err ] || fail "exit $(cat st): $(cat err)"
}
t closed_pipe_ends_quietly_with_zstd_input closed_pipe_ends_quietly_with_zstd_input

line_of_100mb_works() {
  { printf '{"id":"big","text":"'; head -c 100000000 /dev/zero | tr '\0' 'a'; printf '"}\n{"id":"next","text":"b"}\n'; } >big.jsonl
  zstd -q -1 big.jsonl
  $W cat big.jsonl.zst -o o.jsonl || fail "exit $?"
  cmp -s o.jsonl big.jsonl || fail "output differs"
}
t line_of_100mb_works line_of_100mb_works

zst_output_round_trips() { many; expect_status 0 $W cat many.jsonl -o x.jsonl.zst && zstd -q -t x.jsonl.zst && $W cat x.jsonl.zst >back && expect_same back many.jsonl; }
t zst_output_round_trips zst_output_round_trips
gz_output_round_trips() { many; expect_status 0 $W cat many.jsonl -o x.jsonl.gz && gzip -t x.jsonl.gz && gzip -dc x.jsonl.gz >back && expect_same back many.jsonl; }
t gz_output_round_trips gz_output_round_trips
compress_gzip_forced_over_name() { docs; expect_status 0 $W cat in.jsonl --compress gzip -o o.jsonl && gzip -dc <o.jsonl >back && expect_same back in.jsonl; }
t compress_gzip_forced_over_name compress_gzip_forced_over_name
compress_none_forced_over_name() { docs; expect_status 0 $W cat in.jsonl --compress none -o o.jsonl.zst && expect_same o.jsonl.zst in.jsonl; }
t compress_none_forced_over_name compress_none_forced_over_name
compress_zstd_to_stdout() { docs; $W cat in.jsonl --compress zstd | zstd -dc >back && expect_same back in.jsonl; }
t compress_zstd_to_stdout compress_zstd_to_stdout
level_changes_zstd_output() { many; $W cat many.jsonl --level 1 -o a.zst && $W cat many.jsonl --level 19 -o b.zst && ! cmp -s a.zst b.zst && zstd -dc b.zst | cmp -s - many.jsonl || fail "levels"; }
t level_changes_zstd_output level_changes_zstd_output
zstd_output_is_deterministic() { many; $W cat many.jsonl -o a.zst && $W cat many.jsonl -o b.zst && expect_same a.zst b.zst; }
t zstd_output_is_deterministic zstd_output_is_deterministic
output_leaves_no_temporary_file() { docs; $W cat in.jsonl -o o.jsonl.zst && [ -z "$(ls -A | grep '\.tmp\.')" ] || fail "left: $(ls -A)"; }
t output_leaves_no_temporary_file output_leaves_no_temporary_file
failed_run_keeps_the_old_output() { docs; echo old >o.jsonl; cp in.jsonl bad.jsonl; echo '{bad' >>bad.jsonl; $W cat bad.jsonl -o o.jsonl 2>/dev/null; [ "$(cat o.jsonl)" = old ] && [ -z "$(ls -A | grep '\.tmp\.')" ] || fail "o.jsonl: $(head -c 100 o.jsonl); $(ls -A)"; }
t failed_run_keeps_the_old_output failed_run_keeps_the_old_output
output_to_missing_directory_is_named() { docs; expect_status 1 $W cat in.jsonl -o nodir/o.jsonl && expect_err 'nodir/o.jsonl: No such file or directory'; }
t output_to_missing_directory_is_named output_to_missing_directory_is_named
write_error_is_named() { [ -w /dev/full ] || { skip "no /dev/full"; return 0; }; docs; expect_status 1 $W cat in.jsonl -o /dev/full && expect_err '/dev/full: No space left on device'; }
t write_error_is_named write_error_is_named
output_to_dev_null_is_not_replaced() { docs; expect_status 0 $W cat in.jsonl -o /dev/null && [ -c /dev/null ]; }
t output_to_dev_null_is_not_replaced output_to_dev_null_is_not_replaced
