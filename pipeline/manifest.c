/*
 * manifest — read and write DIR/manifest.json (format in manifest.h).
 *
 * Writing: fields in a fixed order, one shard per line, so two manifests of the same run
 * compare byte for byte; written to a temporary name and renamed (atomic).
 * Reading: walks the object with the raw-JSON iterators of jsonl.h; integers are parsed from
 * their raw text (exact up to 2^64), unknown fields ignored, so a newer writer that only
 * adds fields stays readable.
 *
 * Costs: linear in the number of shards.
 */
#include "manifest.h"
#include "jsonl.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void manifest_init(manifest *m) {
    memset(m, 0, sizeof *m);
    m->format_version = MANIFEST_FORMAT_VERSION;
    m->eot_id = -1;
    m->token_bytes = 2;
}

void manifest_free(manifest *m) {
    for (size_t i = 0; i < m->nshards; i++) { free(m->shards[i].file); free(m->shards[i].idx); }
    free(m->shards);
    free(m->name); free(m->tokenizer_file); free(m->command);
    manifest_init(m);
}

static manifest_split *split_of(manifest *m, const char *split) {
    if (!strcmp(split, "train")) return &m->train;
    if (!strcmp(split, "val")) return &m->val;
    return NULL;
}

const manifest_split *manifest_split_totals(const manifest *m, const char *split) {
    return split_of((manifest *)m, split);
}

static manifest_shard *push_shard(manifest *m) {
    if (m->nshards == m->capshards) {
        m->capshards = m->capshards ? 2 * m->capshards : 16;
        m->shards = xrealloc(m->shards, m->capshards * sizeof *m->shards);
    }
    manifest_shard *s = &m->shards[m->nshards++];
    memset(s, 0, sizeof *s);
    return s;
}

void manifest_add_shard(manifest *m, const char *file, const char *idx, const char *split,
                        uint64_t documents, uint64_t tokens, uint64_t source_bytes, uint64_t xxh3) {
    manifest_shard *s = push_shard(m);
    s->file = xstrdup(file);
    s->idx = idx ? xstrdup(idx) : NULL;
    snprintf(s->split, sizeof s->split, "%s", split);
    s->documents = documents; s->tokens = tokens; s->source_bytes = source_bytes; s->xxh3 = xxh3;
    m->documents += documents; m->tokens += tokens; m->source_bytes += source_bytes;
    manifest_split *t = split_of(m, split);
    if (t) { t->documents += documents; t->tokens += tokens; t->source_bytes += source_bytes; t->shards++; }
}

static void put_str(buf *o, const char *s) { json_write_string(o, s ? s : "", s ? strlen(s) : 0); }

static void put_split(buf *o, const char *name, const manifest_split *s) {
    buf_printf(o, "\"%s\": {\"documents\": %llu, \"tokens\": %llu, \"source_bytes\": %llu, \"shards\": %llu}",
               name, (unsigned long long)s->documents, (unsigned long long)s->tokens,
               (unsigned long long)s->source_bytes, (unsigned long long)s->shards);
}

void manifest_format(const manifest *m, buf *o) {
    buf_printf(o, "{\n  \"format\": \"winnow-shards\",\n  \"format_version\": %d,\n  \"name\": ",
               m->format_version);
    put_str(o, m->name);
    buf_adds(o, ",\n  \"tokenizer\": {\"file\": ");
    put_str(o, m->tokenizer_file);
    buf_printf(o, ", \"sha256\": \"%s\", \"vocab_size\": %u, \"eot_id\": %lld},\n",
               m->tokenizer_sha256, m->vocab_size, (long long)m->eot_id);
    buf_printf(o, "  \"token_bytes\": %d,\n  \"seed\": %llu,\n  \"val_fraction\": ", m->token_bytes,
               (unsigned long long)m->seed);
    json_write_double(o, m->val_fraction);
    buf_printf(o, ",\n  \"shuffle\": %s,\n  \"shard_tokens\": %llu,\n  \"command\": ",
               m->shuffle ? "true" : "false", (unsigned long long)m->shard_tokens);
    put_str(o, m->command);
    buf_printf(o, ",\n  \"totals\": {\"documents\": %llu, \"tokens\": %llu, \"source_bytes\": %llu, "
               "\"skipped_empty\": %llu},\n  \"splits\": {",
               (unsigned long long)m->documents, (unsigned long long)m->tokens,
               (unsigned long long)m->source_bytes, (unsigned long long)m->skipped_empty);
    put_split(o, "train", &m->train);
    buf_adds(o, ", ");
    put_split(o, "val", &m->val);
    buf_adds(o, "},\n  \"shards\": [");
    for (size_t i = 0; i < m->nshards; i++) {
        const manifest_shard *s = &m->shards[i];
        buf_adds(o, i ? ",\n    {\"file\": " : "\n    {\"file\": ");
        put_str(o, s->file);
        if (s->idx) { buf_adds(o, ", \"idx\": "); put_str(o, s->idx); }
        buf_adds(o, ", \"split\": ");
        put_str(o, s->split);
        buf_printf(o, ", \"documents\": %llu, \"tokens\": %llu, \"source_bytes\": %llu, \"xxh3\": \"%016llx\"}",
                   (unsigned long long)s->documents, (unsigned long long)s->tokens,
                   (unsigned long long)s->source_bytes, (unsigned long long)s->xxh3);
    }
    buf_adds(o, m->nshards ? "\n  ]\n}\n" : "]\n}\n");
}

static int write_atomic(const char *path, const void *p, size_t n, char *err) {
    size_t k = strlen(path) + 32;
    char *tmp = xmalloc(k);
    snprintf(tmp, k, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int rc = 0;
    if (!f) rc = err_set(err, "%s: %s", tmp, strerror(errno));
    else {
        if (fwrite(p, 1, n, f) != n) rc = err_set(err, "%s: %s", tmp, strerror(errno));
        if (fclose(f) != 0 && rc == 0) rc = err_set(err, "%s: %s", tmp, strerror(errno));
        if (rc == 0 && rename(tmp, path) < 0) rc = err_set(err, "%s: %s", path, strerror(errno));
        if (rc < 0) unlink(tmp);
    }
    free(tmp);
    return rc;
}

int manifest_write(const char *dir, const manifest *m, char *err) {
    buf o = { 0 }, path = { 0 };
    manifest_format(m, &o);
    buf_printf(&path, "%s/%s", dir, MANIFEST_FILE);
    int rc = write_atomic(path.p, o.p, o.len, err);
    buf_free(&o); buf_free(&path);
    return rc;
}

/* ---- reading ---- */

typedef struct rd { const char *name; char *err; buf key, str; } rd;

static int get_u64(rd *r, const char *field, const char *v, size_t n, uint64_t *out) {
    char tmp[32];
    if (n == 0 || n >= sizeof tmp || v[0] < '0' || v[0] > '9')
        return err_set(r->err, "%s: \"%s\" is not a non-negative integer", r->name, field);
    memcpy(tmp, v, n); tmp[n] = 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(tmp, &end, 10);
    if (*end || errno) return err_set(r->err, "%s: \"%s\" is not a non-negative integer", r->name, field);
    *out = x;
    return 0;
}

static int get_i64(rd *r, const char *field, const char *v, size_t n, int64_t *out) {
    if (n && v[0] == '-') {
        uint64_t x;
        if (get_u64(r, field, v + 1, n - 1, &x) < 0) return -1;
        *out = -(int64_t)x;
        return 0;
    }
    uint64_t x;
    if (get_u64(r, field, v, n, &x) < 0) return -1;
    *out = (int64_t)x;
    return 0;
}

static int get_str(rd *r, const char *field, const char *v, size_t n, char **out) {
    if (!n || v[0] != '"' || json_string_decode(v, n, &r->str) < 0)
        return err_set(r->err, "%s: \"%s\" is not a string", r->name, field);
    free(*out);
    *out = xstrndup(r->str.p ? r->str.p : "", r->str.len);
    return 0;
}

static int get_hex(rd *r, const char *field, const char *v, size_t n, uint64_t *out) {
    char *s = NULL;
    if (get_str(r, field, v, n, &s) < 0) return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 16);
    int bad = !*s || *end || errno || strlen(s) > 16;
    free(s);
    if (bad) return err_set(r->err, "%s: \"%s\" is not a 64-bit hex checksum", r->name, field);
    *out = x;
    return 0;
}

#define KEY(r) ((r)->key.p ? (r)->key.p : "")
#define FIELD(k) (!strcmp(KEY(r), k))

static int read_tokenizer(rd *r, manifest *m, const char *v, size_t n) {
    json_obj_iter it;
    const char *val; size_t vl; int k;
    if (json_obj_iter_init(&it, v, n) < 0) return err_set(r->err, "%s: \"tokenizer\" is not an object", r->name);
    while ((k = json_obj_iter_next(&it, &r->key, &val, &vl)) > 0) {
        if (FIELD("file")) { if (get_str(r, "tokenizer.file", val, vl, &m->tokenizer_file) < 0) return -1; }
        else if (FIELD("sha256")) {
            char *s = NULL;
            if (get_str(r, "tokenizer.sha256", val, vl, &s) < 0) return -1;
            /* hex digits only (64 from winnow tokenize; empty when unknown): anything else is a
             * damaged manifest, and would be written back unescaped */
            size_t sl = strlen(s);
            if (sl > 64 || strspn(s, "0123456789abcdefABCDEF") != sl) {
                free(s);
                return err_set(r->err, "%s: \"tokenizer.sha256\" is not a hex digest", r->name);
            }
            snprintf(m->tokenizer_sha256, sizeof m->tokenizer_sha256, "%s", s);
            free(s);
        } else if (FIELD("vocab_size")) {
            uint64_t x;
            if (get_u64(r, "tokenizer.vocab_size", val, vl, &x) < 0) return -1;
            m->vocab_size = (uint32_t)x;
        } else if (FIELD("eot_id")) { if (get_i64(r, "tokenizer.eot_id", val, vl, &m->eot_id) < 0) return -1; }
    }
    return k < 0 ? err_set(r->err, "%s: malformed \"tokenizer\"", r->name) : 0;
}

static int read_counts(rd *r, const char *what, const char *v, size_t n, uint64_t *docs,
                       uint64_t *toks, uint64_t *bytes, uint64_t *extra, const char *extra_name) {
    json_obj_iter it;
    const char *val; size_t vl; int k;
    if (json_obj_iter_init(&it, v, n) < 0) return err_set(r->err, "%s: \"%s\" is not an object", r->name, what);
    while ((k = json_obj_iter_next(&it, &r->key, &val, &vl)) > 0) {
        uint64_t *dst = FIELD("documents") ? docs : FIELD("tokens") ? toks : FIELD("source_bytes") ? bytes
                      : extra_name && !strcmp(KEY(r), extra_name) ? extra : NULL;
        if (dst && get_u64(r, what, val, vl, dst) < 0) return -1;
    }
    return k < 0 ? err_set(r->err, "%s: malformed \"%s\"", r->name, what) : 0;
}

static int read_shard(rd *r, manifest *m, const char *v, size_t n) {
    json_obj_iter it;
    const char *val; size_t vl; int k;
    manifest_shard *s = push_shard(m);
    if (json_obj_iter_init(&it, v, n) < 0) return err_set(r->err, "%s: a shard entry is not an object", r->name);
    while ((k = json_obj_iter_next(&it, &r->key, &val, &vl)) > 0) {
        int rc = 0;
        if (FIELD("file")) rc = get_str(r, "shards[].file", val, vl, &s->file);
        else if (FIELD("idx")) rc = get_str(r, "shards[].idx", val, vl, &s->idx);
        else if (FIELD("split")) {
            char *t = NULL;
            rc = get_str(r, "shards[].split", val, vl, &t);
            if (rc == 0) snprintf(s->split, sizeof s->split, "%s", t);
            free(t);
        } else if (FIELD("documents")) rc = get_u64(r, "shards[].documents", val, vl, &s->documents);
        else if (FIELD("tokens")) rc = get_u64(r, "shards[].tokens", val, vl, &s->tokens);
        else if (FIELD("source_bytes")) rc = get_u64(r, "shards[].source_bytes", val, vl, &s->source_bytes);
        else if (FIELD("xxh3")) rc = get_hex(r, "shards[].xxh3", val, vl, &s->xxh3);
        if (rc < 0) return -1;
    }
    if (k < 0) return err_set(r->err, "%s: malformed shard entry", r->name);
    if (!s->file) return err_set(r->err, "%s: shard %zu has no \"file\"", r->name, m->nshards - 1);
    if (strchr(s->file, '/')) return err_set(r->err, "%s: shard file \"%s\" is not a base name", r->name, s->file);
    if (!s->split[0]) snprintf(s->split, sizeof s->split, "train");
    return 0;
}

int manifest_parse(const char *text, size_t n, const char *name, manifest *m, char *err) {
    manifest_init(m);
    rd r = { name, err, { 0 }, { 0 } };
    json_obj_iter it;
    const char *v; size_t vl; int k, rc = 0, have_tok = 0, have_shards = 0;
    while (n && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r' || text[n - 1] == '\t')) n--;
    while (n && (*text == ' ' || *text == '\n' || *text == '\r' || *text == '\t')) text++, n--;
    if (json_obj_iter_init(&it, text, n) < 0) { rc = err_set(err, "%s: not a JSON object", name); goto out; }
    while (rc == 0 && (k = json_obj_iter_next(&it, &r.key, &v, &vl)) > 0) {
        if (!strcmp(KEY(&r), "format_version")) {
            uint64_t x;
            rc = get_u64(&r, "format_version", v, vl, &x);
            if (rc == 0 && x > MANIFEST_FORMAT_VERSION)
                rc = err_set(err, "%s: format_version %llu is newer than this winnow (%d)", name,
                             (unsigned long long)x, MANIFEST_FORMAT_VERSION);
            m->format_version = (int)x;
        } else if (!strcmp(KEY(&r), "name")) rc = get_str(&r, "name", v, vl, &m->name);
        else if (!strcmp(KEY(&r), "tokenizer")) { rc = read_tokenizer(&r, m, v, vl); have_tok = 1; }
        else if (!strcmp(KEY(&r), "token_bytes")) {
            uint64_t x;
            rc = get_u64(&r, "token_bytes", v, vl, &x);
            if (rc == 0 && x != 2 && x != 4) rc = err_set(err, "%s: token_bytes must be 2 or 4", name);
            m->token_bytes = (int)x;
        } else if (!strcmp(KEY(&r), "seed")) rc = get_u64(&r, "seed", v, vl, &m->seed);
        else if (!strcmp(KEY(&r), "val_fraction")) {
            if (json_number_decode(v, vl, &m->val_fraction) < 0) rc = err_set(err, "%s: bad val_fraction", name);
        } else if (!strcmp(KEY(&r), "shuffle")) m->shuffle = vl == 4 && !memcmp(v, "true", 4);
        else if (!strcmp(KEY(&r), "shard_tokens")) rc = get_u64(&r, "shard_tokens", v, vl, &m->shard_tokens);
        else if (!strcmp(KEY(&r), "command")) rc = get_str(&r, "command", v, vl, &m->command);
        else if (!strcmp(KEY(&r), "totals"))
            rc = read_counts(&r, "totals", v, vl, &m->documents, &m->tokens, &m->source_bytes,
                             &m->skipped_empty, "skipped_empty");
        else if (!strcmp(KEY(&r), "shards")) {
            json_arr_iter ai;
            const char *e; size_t el; int ak;
            have_shards = 1;
            if (json_arr_iter_init(&ai, v, vl) < 0) { rc = err_set(err, "%s: \"shards\" is not an array", name); break; }
            while (rc == 0 && (ak = json_arr_iter_next(&ai, &e, &el)) > 0) rc = read_shard(&r, m, e, el);
            if (rc == 0 && ak < 0) rc = err_set(err, "%s: malformed \"shards\"", name);
        }
    }
    if (rc == 0 && k < 0) rc = err_set(err, "%s: malformed JSON", name);
    if (rc == 0 && !have_tok) rc = err_set(err, "%s: no \"tokenizer\"", name);
    if (rc == 0 && !have_shards) rc = err_set(err, "%s: no \"shards\"", name);
    if (rc == 0) {   /* split totals are derived, so they always agree with the shard list */
        memset(&m->train, 0, sizeof m->train);
        memset(&m->val, 0, sizeof m->val);
        for (size_t i = 0; i < m->nshards; i++) {
            manifest_split *t = split_of(m, m->shards[i].split);
            if (!t) continue;
            t->documents += m->shards[i].documents; t->tokens += m->shards[i].tokens;
            t->source_bytes += m->shards[i].source_bytes; t->shards++;
        }
    }
out:
    buf_free(&r.key); buf_free(&r.str);
    if (rc < 0) manifest_free(m);
    return rc;
}

int manifest_read(const char *dir_or_file, manifest *m, char *err) {
    buf path = { 0 }, text = { 0 };
    size_t n = strlen(dir_or_file);
    if (n > 5 && !strcmp(dir_or_file + n - 5, ".json")) buf_adds(&path, dir_or_file);
    else buf_printf(&path, "%s/%s", dir_or_file, MANIFEST_FILE);
    int rc = 0;
    FILE *f = fopen(path.p, "rb");
    if (!f) rc = err_set(err, "%s: %s", path.p, strerror(errno));
    else {
        char b[65536];
        size_t r;
        while ((r = fread(b, 1, sizeof b, f)) > 0) buf_add(&text, b, r);
        if (ferror(f)) rc = err_set(err, "%s: %s", path.p, strerror(errno));
        fclose(f);
    }
    if (rc == 0) rc = manifest_parse(text.p ? text.p : "", text.len, path.p, m, err);
    else manifest_init(m);
    buf_free(&path); buf_free(&text);
    return rc;
}

int manifest_shard_path(const char *dir, const manifest_shard *s, char *out, size_t n) {
    int k = snprintf(out, n, "%s/%s", dir, s->file);
    return k < 0 || (size_t)k >= n ? -1 : 0;
}
