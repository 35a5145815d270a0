/*
 * cmd_dedup — `winnow dedup` is run by the generic stage driver (cmd_stage.c) from
 * dedup_stage (filters/dedup.c); nothing to parse here. This file only holds a strong
 * reference to dedup_stage: cmd/winnow.c declares the stage classes weak while they land, and
 * a linker does not pull an archive member (libwinnow.a's dedup.o) to satisfy a weak
 * reference, so without it `winnow dedup` would be "unknown command". Harmless once the weak
 * declaration goes.
 */
#include "cmds.h"

const stage_class *const cmd_dedup_stage_ref = &dedup_stage;
