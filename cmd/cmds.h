/*
 * cmds — the subcommands of winnow and the stage table. Each command lives in
 * cmd/cmd_<name>.c as `int cmd_<name>(int argc, char **argv)` (argv[0] is the command name)
 * and returns the exit status: 0 success, 1 bad data or I/O failure, 2 usage error.
 * Stage commands (dedup, filter, tag, augment, cat, head, sample) need no function: the
 * generic driver stage_cmd_main runs their stage_class.
 */
#ifndef WN_CMDS_H
#define WN_CMDS_H
#include "../pipeline/stage.h"
#include <stdio.h>

/* Generic driver for stage commands: options, inputs, outputs, rejects, stats (cmd_stage.c). */
int stage_cmd_main(const stage_class *cls, int argc, char **argv);

/* Print "winnow CMD: message" to stderr (the only message format of the tool). */
void cmd_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print a command's usage text followed by "options:" and its generated option help. */
void cmd_usage(FILE *f, const char *text, const opt_def *opts);

/* Stage classes (filters/, pipeline/). */
extern const stage_class cat_stage, head_stage, sample_stage;
extern const stage_class dedup_stage, filter_stage, tag_stage, augment_stage;

/* The stage table handed to the YAML runner: NULL-terminated. */
extern const stage_class *const winnow_stages[];

int cmd_stats(int argc, char **argv);
int cmd_bpe(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_shards(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_ablate(int argc, char **argv);
int cmd_slurm(int argc, char **argv);

#endif
