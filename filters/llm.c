/*
 * llm — see llm.h. One curl easy handle per job in flight, driven by one multi handle; a job
 * moves pending -> (cache hit | in flight) -> done, or back to pending with a not-before time
 * after a retryable failure. Time comes from CLOCK_MONOTONIC.
 */
#include "llm.h"
#include "../pipeline/stats.h"
#include "../pipeline/jsonl.h"
#include "../pipeline/yaml_tree.h"
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

struct llm_client {
    llm_opts o;
    char *url;
    struct curl_slist *headers;
    CURLM *multi;
    llm_stats st;
};

static char *dupz(const char *s) { return s ? xstrdup(s) : NULL; }

int llm_client_new(llm_client **out, const llm_opts *o, char *err) {
    *out = NULL;
    if (!o->endpoint || !*o->endpoint) return err_set(err, "--endpoint URL is required for the llm method");
    static int inited;
    if (!inited) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT)) return err_set(err, "curl_global_init failed");
        inited = 1;
    }
    llm_client *c = xcalloc(1, sizeof *c);
    c->o = *o;
    c->o.model = dupz(o->model ? o->model : "default");
    c->o.cache_dir = dupz(o->cache_dir && *o->cache_dir ? o->cache_dir : NULL);
    c->o.api_key = NULL;
    if (c->o.concurrency < 1) c->o.concurrency = 1;
    if (c->o.timeout_s <= 0) c->o.timeout_s = 60;
    buf u = {0};
    size_t el = strlen(o->endpoint);
    while (el && o->endpoint[el - 1] == '/') el--;
    buf_add(&u, o->endpoint, el);
    if (!strstr(u.p, "/chat/completions")) {
        if (el >= 3 && !strcmp(u.p + u.len - 3, "/v1")) buf_adds(&u, "/chat/completions");
        else buf_adds(&u, "/v1/chat/completions");
    }
    c->url = u.p;
    c->headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (o->api_key && *o->api_key) {
        buf h = {0};
        buf_printf(&h, "Authorization: Bearer %s", o->api_key);
        c->headers = curl_slist_append(c->headers, h.p);
        buf_free(&h);
    }
    c->multi = curl_multi_init();
    if (!c->multi) { llm_client_free(c); return err_set(err, "curl_multi_init failed"); }
    if (c->o.cache_dir && mkdir(c->o.cache_dir, 0777) && errno != EEXIST) {
        err_set(err, "--cache %s: cannot create: %s", c->o.cache_dir, strerror(errno));
        llm_client_free(c);
        return -1;
    }
    *out = c;
    return 0;
}

void llm_client_free(llm_client *c) {
    if (!c) return;
    if (c->multi) curl_multi_cleanup(c->multi);
    curl_slist_free_all(c->headers);
    free(c->url);
    free((char *)c->o.model);
    free((char *)c->o.cache_dir);
    free(c);
}

const llm_stats *llm_client_stats(const llm_client *c) { return &c->st; }

void llm_job_free(llm_job *j) {
    buf_free(&j->out);
    buf_free(&j->body);
    buf_free(&j->resp);
}

/* ---------- request, reply, cache ---------- */

static void build_body(const llm_client *c, llm_job *j) {
    buf *b = &j->body;
    buf_reset(b);
    buf_adds(b, "{\"model\":");
    json_write_string(b, c->o.model, strlen(c->o.model));
    buf_adds(b, ",\"messages\":[");
    if (j->system && *j->system) {
        buf_adds(b, "{\"role\":\"system\",\"content\":");
        json_write_string(b, j->system, strlen(j->system));
        buf_adds(b, "},");
    }
    buf_adds(b, "{\"role\":\"user\",\"content\":");
    json_write_string(b, j->user, strlen(j->user));
    buf_adds(b, "}],\"temperature\":");
    json_write_double(b, c->o.temperature);
    if (c->o.max_tokens > 0) { buf_adds(b, ",\"max_tokens\":"); buf_add_u64(b, (uint64_t)c->o.max_tokens); }
    buf_adds(b, ",\"seed\":");
    buf_add_u64(b, j->seed & 0x7FFFFFFF);
    buf_adds(b, ",\"stream\":false}");
    XXH128_hash_t h = XXH3_128bits(b->p, b->len);
    snprintf(j->key, sizeof j->key, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

static int find_member(const char *obj, size_t n, const char *key, const char **v, size_t *vn, buf *kb) {
    json_obj_iter it;
    if (json_obj_iter_init(&it, obj, n)) return 0;
    while (json_obj_iter_next(&it, kb, v, vn) == 1)
        if (kb->p && !strcmp(kb->p, key)) return 1;
    return 0;
}

int llm_parse_reply(const char *json, size_t n, buf *out, char *err) {
    buf kb = {0};
    const char *v, *e; size_t vn, en;
    int rc = -1;
    jsonl_error je;
    if (json_validate(json, n, &je)) { err_set(err, "malformed response: %s", je.reason); goto done; }
    if (find_member(json, n, "error", &e, &en, &kb)) {
        const char *m; size_t mn;
        buf msg = {0};
        if (find_member(e, en, "message", &m, &mn, &kb) && !json_string_decode(m, mn, &msg))
            err_set(err, "server error: %.200s", msg.p ? msg.p : "");
        else err_set(err, "server error: %.200s", e);
        buf_free(&msg);
        goto done;
    }
    json_arr_iter ai;
    if (!find_member(json, n, "choices", &v, &vn, &kb) || json_arr_iter_init(&ai, v, vn) ||
        json_arr_iter_next(&ai, &v, &vn) != 1 || !find_member(v, vn, "message", &v, &vn, &kb) ||
        !find_member(v, vn, "content", &v, &vn, &kb) || vn == 0 || v[0] != '"' ||
        json_string_decode(v, vn, out)) {
        err_set(err, "malformed response: no choices[0].message.content string");
        goto done;
    }
    /* models often pad replies with blank lines: trim ASCII whitespace at both ends */
    size_t a = 0, b = out->len;
    while (a < b && (out->p[a] == ' ' || out->p[a] == '\n' || out->p[a] == '\r' || out->p[a] == '\t')) a++;
    while (b > a && (out->p[b - 1] == ' ' || out->p[b - 1] == '\n' || out->p[b - 1] == '\r' || out->p[b - 1] == '\t')) b--;
    if (a == b) { err_set(err, "empty reply"); goto done; }
    memmove(out->p, out->p + a, b - a);
    out->len = b - a;
    out->p[out->len] = 0;
    rc = 0;
done:
    buf_free(&kb);
    return rc;
}

static void cache_path(const llm_client *c, const llm_job *j, buf *p, int dir_only) {
    buf_reset(p);
    buf_printf(p, "%s/%.2s", c->o.cache_dir, j->key);
    if (!dir_only) buf_printf(p, "/%s.txt", j->key + 2);
}

static int cache_get(const llm_client *c, llm_job *j) {
    if (!c->o.cache_dir) return 0;
    buf p = {0};
    cache_path(c, j, &p, 0);
    FILE *f = fopen(p.p, "rb");
    buf_free(&p);
    if (!f) return 0;
    buf_reset(&j->out);
    char tmp[16384]; size_t r;
    while ((r = fread(tmp, 1, sizeof tmp, f)) > 0) buf_add(&j->out, tmp, r);
    fclose(f);
    if (!j->out.p) buf_adds(&j->out, "");
    return 1;
}

static void cache_put(const llm_client *c, const llm_job *j) {
    if (!c->o.cache_dir) return;
    buf p = {0}, t = {0};
    cache_path(c, j, &p, 1);
    mkdir(p.p, 0777);
    cache_path(c, j, &p, 0);
    buf_printf(&t, "%s.tmp.%ld", p.p, (long)getpid());
    FILE *f = fopen(t.p, "wb");
    if (f) {
        int bad = j->out.len && fwrite(j->out.p, 1, j->out.len, f) != j->out.len;
        bad |= fclose(f) != 0;
        if (bad || rename(t.p, p.p)) unlink(t.p);     /* a cache miss next time, nothing worse */
    }
    buf_free(&p); buf_free(&t);
}

/* ---------- transfer loop ---------- */

static size_t on_write(char *p, size_t sz, size_t n, void *ud) {
    buf_add((buf *)ud, p, sz * n);
    return sz * n;
}

static CURL *start(llm_client *c, llm_job *j) {
    CURL *h = curl_easy_init();
    if (!h) return NULL;
    buf_reset(&j->resp);
    curl_easy_setopt(h, CURLOPT_URL, c->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, j->body.p);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->body.len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &j->resp);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)(c->o.timeout_s * 1000));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(c->o.timeout_s < 10 ? c->o.timeout_s * 1000 : 10000));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PRIVATE, j);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "winnow-augment/1");
    j->attempts++;
    c->st.requests++;
    return h;
}

static double backoff(const llm_client *c, const llm_job *j) {
    double b = c->o.backoff_s;
    for (int i = 1; i < j->attempts && b < 60; i++) b *= 2;
    if (b > 60) b = 60;
    uint64_t z = XXH3_64bits_withSeed(j->key, 32, (uint64_t)j->attempts);
    return b * (0.75 + 0.5 * (double)(z >> 11) * (1.0 / 9007199254740992.0));
}

/* One finished transfer: 1 = done (ok or failed), 0 = retry later. */
static int finish(llm_client *c, llm_job *j, CURLcode rc) {
    long code = 0;
    char why[ERR_MAX];
    curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK && code == 200) {
        if (llm_parse_reply(j->resp.p ? j->resp.p : "", j->resp.len, &j->out, why)) {
            snprintf(j->err, sizeof j->err, "%s", why);
            return 1;
        }
        j->ok = 1;
        cache_put(c, j);
        return 1;
    }
    int retry;
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        snprintf(why, sizeof why, "timeout after %gs", c->o.timeout_s);
        retry = 1;
    } else if (rc != CURLE_OK) {
        snprintf(why, sizeof why, "%s", curl_easy_strerror(rc));
        retry = rc == CURLE_COULDNT_CONNECT || rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
                rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
    } else {
        snprintf(why, sizeof why, "HTTP %ld: %.120s", code, j->resp.p ? j->resp.p : "");
        for (char *q = why; *q; q++) if (*q == '\n' || *q == '\r') *q = ' ';
        retry = code == 429 || code >= 500;
    }
    if (retry && j->attempts <= c->o.retries) {
        c->st.retries++;
        double wait = backoff(c, j);
        curl_off_t ra = 0;                 /* a 429/503 may say how long to wait */
        if (curl_easy_getinfo(j->h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0 && (double)ra > wait)
            wait = ra > 300 ? 300 : (double)ra;
        j->not_before = stats_clock() + wait;
        return 0;
    }
    if (j->attempts > 1) snprintf(j->err, sizeof j->err, "%.400s (%d attempts)", why, j->attempts);
    else snprintf(j->err, sizeof j->err, "%s", why);
    return 1;
}

int llm_run(llm_client *c, llm_job *jobs, size_t n, char *err) {
    size_t *pending = xmalloc((n ? n : 1) * sizeof *pending), np = 0, active = 0, done = 0;
    for (size_t i = 0; i < n; i++) {
        llm_job *j = &jobs[i];
        j->ok = j->cached = j->attempts = 0;
        j->err[0] = 0;
        j->not_before = 0;
        j->h = NULL;
        buf_reset(&j->out);
        build_body(c, j);
        if (cache_get(c, j)) { j->ok = j->cached = 1; c->st.cache_hits++; done++; continue; }
        pending[np++] = i;
    }
    while (done < n) {
        double t = stats_clock(), wake = 0.1;
        /* start what may start, in order, up to the concurrency limit */
        for (size_t k = 0; k < np && active < (size_t)c->o.concurrency; ) {
            llm_job *j = &jobs[pending[k]];
            if (j->not_before > t) { if (j->not_before - t < wake) wake = j->not_before - t; k++; continue; }
            CURL *h = start(c, j);
            if (!h || curl_multi_add_handle(c->multi, h) != CURLM_OK) {
                if (h) curl_easy_cleanup(h);
                free(pending);
                return err_set(err, "curl: cannot start a request");
            }
            j->h = h;
            active++;
            memmove(pending + k, pending + k + 1, (np - k - 1) * sizeof *pending);
            np--;
        }
        int running = 0;
        curl_multi_perform(c->multi, &running);
        CURLMsg *m; int left;
        while ((m = curl_multi_info_read(c->multi, &left))) {
            if (m->msg != CURLMSG_DONE) continue;
            CURL *h = m->easy_handle;
            CURLcode rc = m->data.result;
            llm_job *j = NULL;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&j);
            int fin = finish(c, j, rc);
            curl_multi_remove_handle(c->multi, h);
            curl_easy_cleanup(h);
            j->h = NULL;
            active--;
            if (fin) { done++; if (!j->ok) c->st.failures++; }
            else pending[np++] = (size_t)(j - jobs);
        }
        if (done < n) {
            int ms = (int)(wake * 1000);
            if (ms < 1) ms = 1;
            if (active) curl_multi_poll(c->multi, NULL, 0, ms, NULL);
            else usleep((useconds_t)ms * 1000);
        }
    }
    free(pending);
    return 0;
}

/* ---------- prompt styles ---------- */

typedef struct llm_style { char *name, *system, *user; } llm_style;
struct llm_prompts { llm_style *v; size_t n; };

#define WRAP_SYSTEM "A chat between a curious user and an artificial intelligence assistant. " \
    "The assistant gives helpful, detailed, and polite answers to the questions."
static const char *const builtin[][3] = {
    { "wiki", WRAP_SYSTEM, "For the following paragraph give me a diverse paraphrase of the same in high quality "
      "English language as in sentences on Wikipedia. Reply with the paraphrase only.\n\n{text}" },
    { "qa", WRAP_SYSTEM, "Convert the following paragraph into a conversational format with multiple tags of "
      "\"Question:\" followed by \"Answer:\". Reply with the conversation only.\n\n{text}" },
    { "simple", WRAP_SYSTEM, "For the following paragraph give me a paraphrase of the same using a very small "
      "vocabulary and extremely simple sentences that a toddler will understand. Reply with the paraphrase only.\n\n{text}" },
    { "hard", WRAP_SYSTEM, "For the following paragraph give me a paraphrase of the same using very terse and "
      "abstruse language that only an erudite scholar will understand. Replace simple words and phrases with rare "
      "and complex ones. Reply with the paraphrase only.\n\n{text}" },
};

void llm_prompts_free(llm_prompts *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) { free(p->v[i].name); free(p->v[i].system); free(p->v[i].user); }
    free(p->v);
    free(p);
}

int llm_prompts_load(llm_prompts **out, const char *path, char *err) {
    llm_prompts *p = xcalloc(1, sizeof *p);
    *out = NULL;
    if (!path || !*path) {
        size_t n = sizeof builtin / sizeof builtin[0];
        p->v = xcalloc(n, sizeof *p->v);
        for (size_t i = 0; i < n; i++) {
            p->v[i].name = xstrdup(builtin[i][0]);
            p->v[i].system = xstrdup(builtin[i][1]);
            p->v[i].user = xstrdup(builtin[i][2]);
        }
        p->n = n;
        *out = p;
        return 0;
    }
    yaml_tree *y;
    if (yaml_tree_load_file(&y, path, err)) { free(p); return -1; }
    int styles = yaml_tree_get(y, yaml_tree_root(y), "styles");
    if (yaml_tree_kind(y, styles) != YAML_TREE_MAP || !yaml_tree_len(y, styles)) {
        err_set(err, "%s: expected styles: {NAME: {system: ..., user: ... {text} ...}}", path);
        yaml_tree_free(y); free(p);
        return -1;
    }
    size_t n = yaml_tree_len(y, styles);
    p->v = xcalloc(n, sizeof *p->v);
    for (size_t i = 0; i < n; i++) {
        int kn, vn = yaml_tree_pair(y, styles, i, &kn);
        const char *name = yaml_tree_scalar(y, kn);
        const char *sys = yaml_tree_scalar(y, yaml_tree_get(y, vn, "system"));
        const char *user = yaml_tree_scalar(y, yaml_tree_get(y, vn, "user"));
        if (!name || !user || !strstr(user, "{text}")) {
            err_set(err, "%s:%d: style %s: needs user: a template containing {text}", path, yaml_tree_line(y, kn), name ? name : "?");
            yaml_tree_free(y); llm_prompts_free(p);
            return -1;
        }
        p->v[p->n].name = xstrdup(name);
        p->v[p->n].system = sys ? xstrdup(sys) : NULL;
        p->v[p->n].user = xstrdup(user);
        p->n++;
    }
    yaml_tree_free(y);
    *out = p;
    return 0;
}

int llm_prompts_get(const llm_prompts *p, const char *style, const char **system, const char **user, char *err) {
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].name, style)) { *system = p->v[i].system; *user = p->v[i].user; return 0; }
    buf known = {0};
    for (size_t i = 0; i < p->n; i++) { if (i) buf_addc(&known, '|'); buf_adds(&known, p->v[i].name); }
    err_set(err, "--style: '%s' is not one of %s", style, known.p ? known.p : "");
    buf_free(&known);
    return -1;
}

void llm_prompt_render(const char *tmpl, const char *text, size_t n, buf *out) {
    const char *p = tmpl, *q;
    while ((q = strstr(p, "{text}"))) {
        buf_add(out, p, (size_t)(q - p));
        buf_add(out, text, n);
        p = q + 6;
    }
    buf_adds(out, p);
}
