/*
 * llm — a client for OpenAI-compatible chat-completions endpoints (llama.cpp's llama-server,
 * vLLM's OpenAI server, or any /v1/chat/completions), used by augment's `llm` method to
 * rephrase documents ("Rephrasing the Web", Maini et al. 2024).
 *
 * llm_run sends a batch of jobs with up to `concurrency` requests in flight (libcurl multi),
 * each with a timeout; 429, 5xx, timeouts and connection errors are retried with exponential
 * backoff (deterministic jitter; a Retry-After header, up to 300 s, is honoured); other 4xx,
 * malformed and empty replies fail at once. Replies are trimmed of surrounding whitespace and
 * cached on disk (DIR/xx/<xxh3-128 of the request body>.txt, written atomically) so a
 * rerun does not ask again. Failures are per job: the caller decides what a failure means.
 *
 * Prompt styles (wiki, qa, simple, hard, and any others) come from YAML:
 *   styles:
 *     wiki: {system: "...", user: "... {text}"}
 * with built-in defaults equal to examples/prompts/llm.yaml.
 *
 * Costs: one HTTP request per uncached job; the batch's bodies and responses are held in memory.
 */
#ifndef WN_LLM_H
#define WN_LLM_H
#include "../pipeline/buf.h"

typedef struct llm_opts {
    const char *endpoint;       /* full URL, or a base ("http://host:8080", ".../v1") */
    const char *model;
    const char *cache_dir;      /* NULL: no cache */
    const char *api_key;        /* NULL: no Authorization header */
    long concurrency, retries, max_tokens;
    double timeout_s, backoff_s, temperature;
} llm_opts;

typedef struct llm_job {
    const char *system, *user;  /* in: messages (system may be NULL) */
    uint64_t seed;              /* in: sent as "seed", part of the cache key */
    buf out;                    /* out: the reply's content */
    int ok, cached, attempts;   /* out */
    char err[ERR_MAX];          /* out: reason when !ok */
    /* private */
    buf body, resp;
    char key[33];
    double not_before;
    void *h;
} llm_job;

typedef struct llm_stats { unsigned long long requests, cache_hits, retries, failures; } llm_stats;

typedef struct llm_client llm_client;
int llm_client_new(llm_client **out, const llm_opts *o, char *err);
void llm_client_free(llm_client *c);
/* Run every job to success or failure (job->ok, job->err). -1 with err only if the client
 * itself cannot work (curl setup). */
int llm_run(llm_client *c, llm_job *jobs, size_t n, char *err);
const llm_stats *llm_client_stats(const llm_client *c);
void llm_job_free(llm_job *j);

/* Prompt styles. path NULL: built-in. */
typedef struct llm_prompts llm_prompts;
int llm_prompts_load(llm_prompts **out, const char *path, char *err);
void llm_prompts_free(llm_prompts *p);
/* 0 and the templates of style, or -1 with err listing the known styles. */
int llm_prompts_get(const llm_prompts *p, const char *style, const char **system, const char **user, char *err);
/* user template with {text} replaced (appending to out). */
void llm_prompt_render(const char *tmpl, const char *text, size_t n, buf *out);

/* choices[0].message.content of a chat-completions reply, trimmed; -1 with err (malformed,
 * {"error": ...}, or empty). */
int llm_parse_reply(const char *json, size_t n, buf *out, char *err);

#endif
