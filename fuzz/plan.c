/*
 * fuzz target: the YAML pipeline loader (pipeline/plan.c, yaml_tree.c, opt.c).
 * Input: the text of a pipeline YAML file, written to DIR/p.yaml beside two small input
 * files (in.jsonl, data/a.jsonl) so that seeds naming them validate. Properties: plan_load
 * never crashes; it fails with a reason that names the file, or yields a plan whose every
 * step builds a stage (the loader's "fully validated" invariant).
 * The stage table is this target's own (winnow_stages lives in cmd/winnow.c with main()):
 * the stages whose init is cheap and local.
 */
#include "fuzz_util.h"
#include "../pipeline/plan.h"
#include <sys/stat.h>

extern const stage_class cat_stage, head_stage, sample_stage, filter_stage, tag_stage, dedup_stage;
static const stage_class *const stages[] = {
    &cat_stage, &head_stage, &sample_stage, &filter_stage, &tag_stage, &dedup_stage, NULL,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int ready;
    static char path[4200];
    if (!ready) {
        static const char doc[] = "{\"id\":\"a\",\"text\":\"hello world\"}\n";
        fuzz_write("in.jsonl", doc, sizeof doc - 1);
        char d[4200];
        snprintf(d, sizeof d, "%s/data", fuzz_tmpdir());
        mkdir(d, 0700);
        fuzz_write("data/a.jsonl", doc, sizeof doc - 1);
        ready = 1;
    }
    snprintf(path, sizeof path, "%s", fuzz_write("p.yaml", data, size));
    plan p;
    memset(&p, 0, sizeof p);
    char err[ERR_MAX] = "";
    if (plan_load(&p, path, stages, err) == 0) {
        for (size_t i = 0; i < p.nsteps; i++) {
            char e2[ERR_MAX];
            stage *s = plan_step_stage(&p, i, e2);
            FUZZ_CHECK(s != NULL, "validated plan's step %zu does not build: %s", i, e2);
            stage_free(s);
        }
        char hex[17];
        plan_hash(&p, hex);
        FUZZ_CHECK(strlen(hex) == 16, "plan hash is not 16 hex digits");
    } else {
        FUZZ_CHECK(err[0] != 0, "plan_load failed without a reason");
        FUZZ_CHECK(strstr(err, "p.yaml") != NULL, "reason does not name the file: %s", err);
    }
    plan_free(&p);
    return 0;
}
