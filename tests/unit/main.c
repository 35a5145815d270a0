/* Runner for the unit tests registered with TEST(): runs all (or those whose name contains
 * argv[1]) and prints PASS/FAIL lines. Exit 1 if any failed. */
#include "test.h"
#include <stdarg.h>
#include <stdlib.h>

typedef struct { const char *name; test_fn fn; } test_entry;
static test_entry *tests; static size_t ntests, captests;
static int cur_failed;

void test_register(const char *name, test_fn fn) {
    if (ntests == captests) { captests = captests ? captests * 2 : 64; tests = realloc(tests, captests * sizeof *tests); }
    tests[ntests].name = name; tests[ntests].fn = fn; ntests++;
}
void test_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap; va_start(ap, fmt);
    printf("  %s:%d: ", file, line);
    vprintf(fmt, ap); printf("\n"); va_end(ap);
    cur_failed = 1;
}
int test_failed(void) { return cur_failed; }

static int cmp(const void *a, const void *b) { return strcmp(((const test_entry *)a)->name, ((const test_entry *)b)->name); }

int main(int argc, char **argv) {
    int nfail = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    qsort(tests, ntests, sizeof *tests, cmp);
    for (size_t i = 0; i < ntests; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1])) continue;
        cur_failed = 0;
        tests[i].fn();
        if (!cur_failed) printf("PASS %s\n", tests[i].name);
        else { nfail++; printf("FAIL %s\n", tests[i].name); }
    }
    return nfail ? 1 : 0;
}
