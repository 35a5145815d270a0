/*
 * shuffle — a seeded shuffle of variable-size records in bounded memory: an external sort
 * by a 64-bit key the caller draws from a hash of seed and record id (stage_hash), ties
 * broken by insertion order. Records are held in memory up to a budget; past it, the held
 * run is sorted and spilled to an anonymous temporary file (unlinked at creation, so nothing
 * is left behind even on a crash), and the runs are merged at the end.
 *
 * Invariants: the output order depends only on the keys and the insertion order, never on
 * the memory budget, the number of spills or threads: a run with --memory 64K and one with
 * 8G give the same sequence.
 * Costs: O(n log n) comparisons; memory <= budget (plus 256 KiB read buffer per spilled run
 * and one record per run at merge time); spilled bytes are written once and read once.
 */
#ifndef WN_SHUFFLE_H
#define WN_SHUFFLE_H
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

typedef struct shuffle shuffle;

/* tmp_dir: where spill files go (NULL: $TMPDIR or /tmp). memory: the budget in bytes. */
shuffle *shuffle_new(size_t memory, const char *tmp_dir);
/* Add a record (copied). -1 with err if a spill fails (disk full, unwritable tmp_dir). */
int shuffle_add(shuffle *s, uint64_t key, const void *rec, size_t n, char *err);
/* After the last add: sort what is held and start the merge. */
int shuffle_finish(shuffle *s, char *err);
/* The next record in key order: 1 with *rec and *n (valid until the next call), 0 at the end,
 * -1 with err on a read error. */
int shuffle_next(shuffle *s, const void **rec, size_t *n, char *err);
uint64_t shuffle_records(const shuffle *s);
unsigned shuffle_spills(const shuffle *s);          /* runs written to disk */
void shuffle_free(shuffle *s);

#endif
