/*
 * stage — see stage.h: the generic half of every stage (config allocation from the option
 * table, reject marking, per-document deterministic hashing).
 */
#include "stage.h"
#include "jsonl.h"
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

stage *stage_new(const stage_class *cls) {
    stage *s = xcalloc(1, sizeof *s);
    s->cls = cls;
    s->cfg = xcalloc(1, cls->cfg_size ? cls->cfg_size : 1);
    opt_defaults(cls->opts, s->cfg);
    stats_init(&s->stats);
    return s;
}

int stage_set(stage *s, const char *name, const char *value, char *err) {
    return opt_set(s->cls->opts, s->cfg, name, value, err);
}

int stage_init(stage *s, char *err) {
    return s->cls->init ? s->cls->init(s, err) : 0;
}

void stage_free(stage *s) {
    if (!s) return;
    if (s->cls->free) s->cls->free(s);
    opt_free(s->cls->opts, s->cfg);
    free(s->cfg);
    stats_free(&s->stats);
    free(s);
}

void stage_mark_reject(doc *d, const char *stage_name, const char *reason, const char *detail) {
    buf v = {0}, r = {0};
    buf_adds(&r, reason);
    /* "exact-duplicate" + "of d7" reads as one phrase; other details follow a colon */
    if (detail && *detail) { buf_adds(&r, strncmp(detail, "of ", 3) ? ": " : " "); buf_adds(&r, detail); }
    buf_adds(&v, "{\"stage\":");
    json_write_string(&v, stage_name, strlen(stage_name));
    buf_adds(&v, ",\"reason\":");
    json_write_string(&v, r.p, r.len);
    buf_addc(&v, '}');
    doc_meta_set(d, "reject", v.p, v.len);
    buf_free(&v);
    buf_free(&r);
}

uint64_t stage_hash(uint64_t seed, const char *id, size_t id_len, uint64_t salt) {
    return XXH3_64bits_withSeed(id, id_len, seed * 0x9E3779B97F4A7C15ULL ^ (salt + 0x632BE59BD9B4E019ULL));
}

double stage_unit(uint64_t h) { return (double)(h >> 11) * (1.0 / 9007199254740992.0); }
