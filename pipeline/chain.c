/* chain — see chain.h. */
#include "chain.h"
#include "stats.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct link {
    stage_io io;            /* must be first: the io pointer is the link */
    struct chain *c;
    size_t i;
} link;

struct chain {
    stage *const *stages;
    size_t n;
    link *links;
    chain_sink_fn out, rejects;
    void *ctx;
    char *err;              /* the err buffer of the current push/finish */
};

static int run_stage(chain *c, size_t i, doc *d) {
    if (i == c->n) return c->out ? c->out(c->ctx, d) : 0;
    stage *s = c->stages[i];
    s->stats.docs_in++;
    s->stats.bytes_in += d->text_len;
    double t0 = stats_clock();
    int r = s->cls->process(s, d, &c->links[i].io, c->err);
    s->stats.seconds += stats_clock() - t0;    /* includes downstream time; corrected in link_emit */
    return r;
}

static int link_emit(stage_io *io, doc *d) {
    link *l = (link *)io;
    chain *c = l->c;
    stage *s = c->stages[l->i];
    s->stats.docs_out++;
    s->stats.bytes_out += d->text_len;
    double t0 = stats_clock();
    int r = run_stage(c, l->i + 1, d);
    s->stats.seconds -= stats_clock() - t0;    /* time spent downstream is not this stage's */
    return r;
}

static int link_reject(stage_io *io, doc *d, const char *reason, const char *detail) {
    link *l = (link *)io;
    chain *c = l->c;
    stage *s = c->stages[l->i];
    stats_drop(&s->stats, reason);
    if (!c->rejects) return 0;
    stage_mark_reject(d, s->cls->name, reason, detail);
    return c->rejects(c->ctx, d);
}

chain *chain_new(stage *const *stages, size_t n, chain_sink_fn out, chain_sink_fn rejects, void *ctx) {
    chain *c = xcalloc(1, sizeof *c);
    c->stages = stages;
    c->n = n;
    c->out = out;
    c->rejects = rejects;
    c->ctx = ctx;
    c->links = xcalloc(n ? n : 1, sizeof *c->links);
    for (size_t i = 0; i < n; i++) {
        c->links[i].io.emit = link_emit;
        c->links[i].io.reject = link_reject;
        c->links[i].io.ctx = ctx;
        c->links[i].c = c;
        c->links[i].i = i;
    }
    return c;
}

int chain_push(chain *c, doc *d, char *err) {
    c->err = err;
    return run_stage(c, 0, d);
}

int chain_finish(chain *c, char *err) {
    c->err = err;
    for (size_t i = 0; i < c->n; i++) {
        stage *s = c->stages[i];
        if (!s->cls->finish) continue;
        double t0 = stats_clock();
        int r = s->cls->finish(s, &c->links[i].io, err);
        s->stats.seconds += stats_clock() - t0;
        if (r) return r;
    }
    return 0;
}

void chain_free(chain *c) {
    if (!c) return;
    free(c->links);
    free(c);
}
