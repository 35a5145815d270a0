/*
 * stats — counters of one stage: documents in/out, dropped by reason, bytes, time, and any
 * named counter a stage adds (per rule, per tag). Counters keep insertion order so reports
 * are stable. Merging (parallel workers, Slurm tasks) adds counters by name.
 *
 * Costs: a counter lookup is a linear scan over a handful of names; stages that count per
 * document cache the index from stats_counter().
 */
#ifndef WN_STATS_H
#define WN_STATS_H
#include "buf.h"

typedef struct stats_counter_s { char *name; uint64_t n; } stats_counter_t;

typedef struct stats {
    uint64_t docs_in, docs_out, docs_dropped, bytes_in, bytes_out, errors_skipped;
    double seconds;
    stats_counter_t *dropped;  size_t ndropped;   /* by reason */
    stats_counter_t *counters; size_t ncounters;  /* free-form, e.g. "tag <Wikipedia.org>" */
    uint64_t peak_rss_kb;      /* set by whoever measures it */
} stats;

void stats_init(stats *s);
void stats_free(stats *s);
void stats_drop(stats *s, const char *reason);                 /* docs_dropped++ and reason++ */
size_t stats_counter(stats *s, const char *name);              /* index, created at 0 */
void stats_add(stats *s, const char *name, uint64_t n);
void stats_merge(stats *dst, const stats *src);
/* {"docs_in":..,"docs_out":..,"dropped":{"reason":n},"counters":{..},"seconds":..} */
void stats_json(const stats *s, buf *out);
/* Human table lines "  dropped  gopher: mean_word_length   123" for --stats. */
void stats_text(const stats *s, const char *stage_name, buf *out);
uint64_t stats_peak_rss_kb(void);
/* Monotonic clock in seconds (for the seconds counters and rates). */
double stats_clock(void);                             /* from getrusage */
/* Add the counters of a stats_json() text into s (markers of finished units). 0 / -1. */
int stats_parse_json(stats *s, const char *json, size_t n);

#endif
