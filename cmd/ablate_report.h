/*
 * ablate_report — the results of an ablation: read each training run's metrics log, and write
 * results.jsonl, report.md (a table with differences from the base and ± over seeds) and
 * curves.svg (held-out bits per byte against training tokens, one line per variant).
 * Costs: linear in the size of the logs.
 */
#ifndef WN_ABLATE_REPORT_H
#define WN_ABLATE_REPORT_H
#include "../pipeline/buf.h"
#include "../pipeline/opt.h"

typedef struct abl_run {
    char *variant;
    long long seed;
    uint64_t docs, tokens;          /* documents kept and tokens, from the shard manifest */
    double val_loss, val_bpb;       /* final, NAN if absent */
    strlist eval_names;
    double *eval_bpb;               /* per eval set, final */
    double *curve_x, *curve_y;      /* tokens, bpb of the curve metric (first eval set, else val) */
    size_t ncurve;
} abl_run;

/* Fill r (variant, seed, docs, tokens set by the caller) from a metrics log. */
int ablate_read_log(abl_run *r, const char *log, char *err);
void ablate_run_free(abl_run *r);
void ablate_results_jsonl(const abl_run *r, size_t n, buf *out);
/* base: the variant the differences are taken from. */
void ablate_report_md(const abl_run *r, size_t n, const char *base, const char *title, buf *out);
void ablate_curves_svg(const abl_run *r, size_t n, const char *title, buf *out);

#endif
