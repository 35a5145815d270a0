/* ablate_report — see ablate_report.h. */
#include "ablate_report.h"
#include "../pipeline/jsonl.h"
#include "../pipeline/stream.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double num_or_nan(const char *v, size_t n) {
    double d;
    return json_number_decode(v, n, &d) ? NAN : d;
}

int ablate_read_log(abl_run *r, const char *log, char *err) {
    buf b = {0};
    if (stream_read_file(log, &b, err)) return -1;
    r->val_loss = r->val_bpb = NAN;
    buf key = {0}, key2 = {0};
    size_t cap = 0;
    char *p = b.p, *end = b.p + b.len;
    while (p && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        json_obj_iter it;
        const char *v;
        size_t vn;
        double tokens = NAN, vb = NAN, vl = NAN, first_eval = NAN;
        int has_eval = 0;
        if (len && !json_obj_iter_init(&it, p, len)) {
            while (json_obj_iter_next(&it, &key, &v, &vn) == 1) {
                if (!strcmp(key.p, "tokens")) tokens = num_or_nan(v, vn);
                else if (!strcmp(key.p, "val_bpb")) vb = num_or_nan(v, vn);
                else if (!strcmp(key.p, "val_loss")) vl = num_or_nan(v, vn);
                else if (!strcmp(key.p, "eval")) {
                    json_obj_iter e;
                    const char *ev;
                    size_t evn;
                    if (json_obj_iter_init(&e, v, vn)) continue;
                    size_t k = 0;
                    while (json_obj_iter_next(&e, &key2, &ev, &evn) == 1) {
                        json_obj_iter m;
                        const char *mv;
                        size_t mvn;
                        double bpb = NAN;
                        buf mk = {0};
                        if (!json_obj_iter_init(&m, ev, evn))
                            while (json_obj_iter_next(&m, &mk, &mv, &mvn) == 1)
                                if (!strcmp(mk.p, "bpb")) bpb = num_or_nan(mv, mvn);
                        buf_free(&mk);
                        if (!strlist_has(&r->eval_names, key2.p)) {
                            strlist_push(&r->eval_names, key2.p);
                            r->eval_bpb = xrealloc(r->eval_bpb, r->eval_names.n * sizeof *r->eval_bpb);
                        }
                        for (size_t j = 0; j < r->eval_names.n; j++)
                            if (!strcmp(r->eval_names.v[j], key2.p)) r->eval_bpb[j] = bpb;
                        if (k++ == 0) first_eval = bpb;
                        has_eval = 1;
                    }
                }
            }
        }
        if (!isnan(vb)) { r->val_bpb = vb; r->val_loss = vl; }
        double y = has_eval ? first_eval : vb;
        if (!isnan(y) && !isnan(tokens)) {
            if (r->ncurve == cap) {
                cap = cap ? cap * 2 : 32;
                r->curve_x = xrealloc(r->curve_x, cap * sizeof *r->curve_x);
                r->curve_y = xrealloc(r->curve_y, cap * sizeof *r->curve_y);
            }
            r->curve_x[r->ncurve] = tokens;
            r->curve_y[r->ncurve++] = y;
        }
        p = nl ? nl + 1 : end;
    }
    buf_free(&key);
    buf_free(&key2);
    buf_free(&b);
    return 0;
}

void ablate_run_free(abl_run *r) {
    free(r->variant);
    strlist_free(&r->eval_names);
    free(r->eval_bpb);
    free(r->curve_x);
    free(r->curve_y);
    memset(r, 0, sizeof *r);
}

static void jnum(buf *b, double v) { if (isnan(v)) buf_adds(b, "null"); else json_write_double(b, v); }

void ablate_results_jsonl(const abl_run *r, size_t n, buf *out) {
    for (size_t i = 0; i < n; i++) {
        buf_adds(out, "{\"variant\":");
        json_write_string(out, r[i].variant, strlen(r[i].variant));
        buf_printf(out, ",\"seed\":%lld,\"documents\":%llu,\"tokens\":%llu,\"val_loss\":", r[i].seed,
                   (unsigned long long)r[i].docs, (unsigned long long)r[i].tokens);
        jnum(out, r[i].val_loss);
        buf_adds(out, ",\"val_bpb\":");
        jnum(out, r[i].val_bpb);
        buf_adds(out, ",\"eval_bpb\":{");
        for (size_t j = 0; j < r[i].eval_names.n; j++) {
            if (j) buf_addc(out, ',');
            json_write_string(out, r[i].eval_names.v[j], strlen(r[i].eval_names.v[j]));
            buf_addc(out, ':');
            jnum(out, r[i].eval_bpb[j]);
        }
        buf_adds(out, "}}\n");
    }
}

/* Mean and sample standard deviation over the seeds of one variant of a metric. */
typedef double (*metric_fn)(const abl_run *r, size_t j);
static double m_val(const abl_run *r, size_t j) { return r->val_bpb; }
static double m_eval(const abl_run *r, size_t j) { return j < r->eval_names.n ? r->eval_bpb[j] : NAN; }

static void mean_sd(const abl_run *r, size_t n, const char *variant, metric_fn f, size_t j, double *mean, double *sd, int *k) {
    double s = 0, s2 = 0;
    *k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(r[i].variant, variant)) continue;
        double v = f(&r[i], j);
        if (isnan(v)) continue;
        s += v;
        s2 += v * v;
        (*k)++;
    }
    *mean = *k ? s / *k : NAN;
    *sd = *k > 1 ? sqrt(fmax(0, (s2 - s * s / *k) / (*k - 1))) : NAN;
}

static void cell(buf *b, double mean, double sd, int k) {
    if (isnan(mean)) { buf_adds(b, " – |"); return; }
    if (k > 1) buf_printf(b, " %.4f ± %.4f |", mean, sd);
    else buf_printf(b, " %.4f |", mean);
}
static void delta(buf *b, double v, double base) {
    if (isnan(v) || isnan(base)) buf_adds(b, " – |");
    else buf_printf(b, " %+.4f |", v - base);
}

void ablate_report_md(const abl_run *r, size_t n, const char *base, const char *title, buf *out) {
    strlist variants = {0}, evals = {0};
    for (size_t i = 0; i < n; i++) {
        if (!strlist_has(&variants, r[i].variant)) strlist_push(&variants, r[i].variant);
        for (size_t j = 0; j < r[i].eval_names.n; j++)
            if (!strlist_has(&evals, r[i].eval_names.v[j])) strlist_push(&evals, r[i].eval_names.v[j]);
    }
    buf_printf(out, "# Ablation: %s\n\nBits per byte on held-out text (lower is better); Δ is the difference from `%s`. "
                    "`val` is each variant's own validation split (it changes with the data); the named eval sets are "
                    "the same text for every variant.\n\n", title, base);
    buf_adds(out, "| variant | documents | tokens | val bpb | Δ val |");
    for (size_t j = 0; j < evals.n; j++) buf_printf(out, " %s bpb | Δ %s |", evals.v[j], evals.v[j]);
    buf_adds(out, "\n|---|---:|---:|---:|---:|");
    for (size_t j = 0; j < evals.n; j++) buf_adds(out, "---:|---:|");
    buf_addc(out, '\n');
    for (size_t v = 0; v < variants.n; v++) {
        const abl_run *first = NULL;
        for (size_t i = 0; i < n && !first; i++) if (!strcmp(r[i].variant, variants.v[v])) first = &r[i];
        double m, sd, bm, bsd;
        int k, bk;
        buf_printf(out, "| %s | %llu | %llu |", variants.v[v], (unsigned long long)first->docs, (unsigned long long)first->tokens);
        mean_sd(r, n, variants.v[v], m_val, 0, &m, &sd, &k);
        mean_sd(r, n, base, m_val, 0, &bm, &bsd, &bk);
        cell(out, m, sd, k);
        delta(out, m, bm);
        for (size_t j = 0; j < evals.n; j++) {
            /* eval sets are indexed by name: find j in each run */
            double s = 0, s2 = 0, bs = 0;
            int c = 0, bc = 0;
            for (size_t i = 0; i < n; i++)
                for (size_t e = 0; e < r[i].eval_names.n; e++) {
                    if (strcmp(r[i].eval_names.v[e], evals.v[j]) || isnan(r[i].eval_bpb[e])) continue;
                    if (!strcmp(r[i].variant, variants.v[v])) { s += r[i].eval_bpb[e]; s2 += r[i].eval_bpb[e] * r[i].eval_bpb[e]; c++; }
                    if (!strcmp(r[i].variant, base)) { bs += r[i].eval_bpb[e]; bc++; }
                }
            double mean = c ? s / c : NAN, sdv = c > 1 ? sqrt(fmax(0, (s2 - s * s / c) / (c - 1))) : NAN;
            cell(out, mean, sdv, c);
            delta(out, mean, bc ? bs / bc : NAN);
        }
        buf_addc(out, '\n');
    }
    (void)m_eval;
    strlist_free(&variants);
    strlist_free(&evals);
}

static void xml_text(buf *b, const char *s) {
    for (; *s; s++) {
        if (*s == '<') buf_adds(b, "&lt;");
        else if (*s == '>') buf_adds(b, "&gt;");
        else if (*s == '&') buf_adds(b, "&amp;");
        else if (*s == '"') buf_adds(b, "&quot;");
        else buf_addc(b, *s);
    }
}

void ablate_curves_svg(const abl_run *r, size_t n, const char *title, buf *out) {
    static const char *colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf" };
    const double W = 720, H = 440, L = 70, R = 170, T = 40, B = 50;
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < r[i].ncurve; k++) {
            x0 = fmin(x0, r[i].curve_x[k]); x1 = fmax(x1, r[i].curve_x[k]);
            y0 = fmin(y0, r[i].curve_y[k]); y1 = fmax(y1, r[i].curve_y[k]);
        }
    if (!isfinite(x0)) { x0 = 0; x1 = 1; y0 = 0; y1 = 1; }
    if (x1 <= x0) x1 = x0 + 1;
    if (y1 <= y0) y1 = y0 + 1;
    double pad = (y1 - y0) * 0.05;
    y0 -= pad; y1 += pad;
    buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H, W, H);
    buf_printf(out, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"white\"/>\n<text x=\"%.0f\" y=\"24\" font-size=\"15\">", W, H, L);
    xml_text(out, title);
    buf_adds(out, ": held-out bits per byte</text>\n");
    buf_printf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n", L, H - B, W - R, H - B);
    buf_printf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n", L, T, L, H - B);
    for (int k = 0; k <= 4; k++) {
        double yv = y0 + (y1 - y0) * k / 4, py = H - B - (H - T - B) * k / 4;
        double xv = x0 + (x1 - x0) * k / 4, px = L + (W - L - R) * k / 4;
        buf_printf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.3f</text>\n", L - 6, py + 4, yv);
        buf_printf(out, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, py, W - R, py);
        buf_printf(out, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.3g</text>\n", px, H - B + 18, xv);
    }
    buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">training tokens</text>\n", (L + W - R) / 2, H - 12);
    strlist seen = {0};
    for (size_t i = 0; i < n; i++) {
        if (!r[i].ncurve) continue;
        size_t vi = 0;
        while (vi < seen.n && strcmp(seen.v[vi], r[i].variant)) vi++;
        int first = vi == seen.n;
        if (first) strlist_push(&seen, r[i].variant);
        const char *c = colors[vi % 8];
        buf_printf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", c, first ? "" : " stroke-dasharray=\"4 3\"");
        for (size_t k = 0; k < r[i].ncurve; k++) {
            double px = L + (W - L - R) * (r[i].curve_x[k] - x0) / (x1 - x0);
            double py = H - B - (H - T - B) * (r[i].curve_y[k] - y0) / (y1 - y0);
            buf_printf(out, "%s%.1f,%.1f", k ? " " : "", px, py);
        }
        buf_adds(out, "\"/>\n");
        if (first) {
            double ly = T + 18 * vi;
            buf_printf(out, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"2\"/>\n", W - R + 12, ly, W - R + 32, ly, c);
            buf_printf(out, "<text x=\"%.0f\" y=\"%.0f\">", W - R + 38, ly + 4);
            xml_text(out, r[i].variant);
            buf_adds(out, "</text>\n");
        }
    }
    strlist_free(&seen);
    buf_adds(out, "</svg>\n");
}
