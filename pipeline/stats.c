/*
 * stats — see stats.h. Counters are small arrays searched linearly; names are few (reasons,
 * rules, tags) so this is cheaper than a hash table and keeps insertion order for reports.
 */
#include "stats.h"
#include "jsonl.h"
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

void stats_init(stats *s) { memset(s, 0, sizeof *s); }

static void counters_free(stats_counter_t *c, size_t n) {
    for (size_t i = 0; i < n; i++) free(c[i].name);
    free(c);
}
void stats_free(stats *s) {
    counters_free(s->dropped, s->ndropped);
    counters_free(s->counters, s->ncounters);
    memset(s, 0, sizeof *s);
}

static size_t counter_find(stats_counter_t **v, size_t *n, const char *name) {
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i].name, name)) return i;
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n].name = xstrdup(name);
    (*v)[*n].n = 0;
    return (*n)++;
}

void stats_drop(stats *s, const char *reason) {
    s->docs_dropped++;
    size_t i = counter_find(&s->dropped, &s->ndropped, reason);   /* may realloc s->dropped */
    s->dropped[i].n++;
}
size_t stats_counter(stats *s, const char *name) { return counter_find(&s->counters, &s->ncounters, name); }
void stats_add(stats *s, const char *name, uint64_t n) {
    size_t i = stats_counter(s, name);
    s->counters[i].n += n;
}

void stats_merge(stats *dst, const stats *src) {
    dst->docs_in += src->docs_in;
    dst->docs_out += src->docs_out;
    dst->docs_dropped += src->docs_dropped;
    dst->bytes_in += src->bytes_in;
    dst->bytes_out += src->bytes_out;
    dst->errors_skipped += src->errors_skipped;
    dst->seconds += src->seconds;
    if (src->peak_rss_kb > dst->peak_rss_kb) dst->peak_rss_kb = src->peak_rss_kb;
    for (size_t i = 0; i < src->ndropped; i++) {
        size_t j = counter_find(&dst->dropped, &dst->ndropped, src->dropped[i].name);
        dst->dropped[j].n += src->dropped[i].n;
    }
    for (size_t i = 0; i < src->ncounters; i++) {
        size_t j = counter_find(&dst->counters, &dst->ncounters, src->counters[i].name);
        dst->counters[j].n += src->counters[i].n;
    }
}

static void json_counters(buf *out, const stats_counter_t *c, size_t n) {
    buf_addc(out, '{');
    for (size_t i = 0; i < n; i++) {
        if (i) buf_addc(out, ',');
        json_write_string(out, c[i].name, strlen(c[i].name));
        buf_addc(out, ':');
        buf_add_u64(out, c[i].n);
    }
    buf_addc(out, '}');
}

void stats_json(const stats *s, buf *out) {
    buf_adds(out, "{\"docs_in\":");      buf_add_u64(out, s->docs_in);
    buf_adds(out, ",\"docs_out\":");     buf_add_u64(out, s->docs_out);
    buf_adds(out, ",\"docs_dropped\":"); buf_add_u64(out, s->docs_dropped);
    buf_adds(out, ",\"bytes_in\":");     buf_add_u64(out, s->bytes_in);
    buf_adds(out, ",\"bytes_out\":");    buf_add_u64(out, s->bytes_out);
    buf_adds(out, ",\"errors_skipped\":"); buf_add_u64(out, s->errors_skipped);
    buf_adds(out, ",\"dropped\":");      json_counters(out, s->dropped, s->ndropped);
    buf_adds(out, ",\"counters\":");     json_counters(out, s->counters, s->ncounters);
    if (s->peak_rss_kb) { buf_adds(out, ",\"peak_rss_kb\":"); buf_add_u64(out, s->peak_rss_kb); }
    buf_adds(out, ",\"seconds\":");      json_write_double(out, s->seconds);
    buf_addc(out, '}');
}

void stats_text(const stats *s, const char *name, buf *out) {
    double mb = s->bytes_in / 1e6;
    buf_printf(out, "%s: %llu in, %llu out, %llu dropped", name, (unsigned long long)s->docs_in,
               (unsigned long long)s->docs_out, (unsigned long long)s->docs_dropped);
    if (s->errors_skipped) buf_printf(out, ", %llu bad lines skipped", (unsigned long long)s->errors_skipped);
    buf_printf(out, "; %.1f MB in %.2f s", mb, s->seconds);
    if (s->seconds > 0) buf_printf(out, " (%.1f MB/s)", mb / s->seconds);
    if (s->peak_rss_kb) buf_printf(out, "; peak RSS %.1f MB", s->peak_rss_kb / 1024.0);
    buf_addc(out, '\n');
    for (size_t i = 0; i < s->ndropped; i++)
        buf_printf(out, "  dropped  %-40s %10llu\n", s->dropped[i].name, (unsigned long long)s->dropped[i].n);
    for (size_t i = 0; i < s->ncounters; i++)
        buf_printf(out, "  %-49s %10llu\n", s->counters[i].name, (unsigned long long)s->counters[i].n);
}

uint64_t stats_peak_rss_kb(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru)) return 0;
    return (uint64_t)ru.ru_maxrss;
}

static int parse_counters(stats_counter_t **v, size_t *n, const char *json, size_t len) {
    json_obj_iter it;
    buf key = {0};
    const char *val;
    size_t vn;
    if (json_obj_iter_init(&it, json, len)) return -1;
    int r;
    while ((r = json_obj_iter_next(&it, &key, &val, &vn)) == 1) {
        double d;
        if (json_number_decode(val, vn, &d)) continue;
        size_t j = counter_find(v, n, key.p);
        (*v)[j].n += (uint64_t)d;
    }
    buf_free(&key);
    return r < 0 ? -1 : 0;
}

int stats_parse_json(stats *s, const char *json, size_t n) {
    json_obj_iter it;
    buf key = {0};
    const char *v;
    size_t vn;
    if (json_obj_iter_init(&it, json, n)) return -1;
    int r;
    while ((r = json_obj_iter_next(&it, &key, &v, &vn)) == 1) {
        double d = 0;
        const char *k = key.p;
        if (!strcmp(k, "dropped")) { parse_counters(&s->dropped, &s->ndropped, v, vn); continue; }
        if (!strcmp(k, "counters")) { parse_counters(&s->counters, &s->ncounters, v, vn); continue; }
        if (json_number_decode(v, vn, &d)) continue;
        if (!strcmp(k, "docs_in")) s->docs_in += (uint64_t)d;
        else if (!strcmp(k, "docs_out")) s->docs_out += (uint64_t)d;
        else if (!strcmp(k, "docs_dropped")) s->docs_dropped += (uint64_t)d;
        else if (!strcmp(k, "bytes_in")) s->bytes_in += (uint64_t)d;
        else if (!strcmp(k, "bytes_out")) s->bytes_out += (uint64_t)d;
        else if (!strcmp(k, "errors_skipped")) s->errors_skipped += (uint64_t)d;
        else if (!strcmp(k, "seconds")) s->seconds += d;
        else if (!strcmp(k, "peak_rss_kb") && (uint64_t)d > s->peak_rss_kb) s->peak_rss_kb = (uint64_t)d;
    }
    buf_free(&key);
    return r < 0 ? -1 : 0;
}

double stats_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
