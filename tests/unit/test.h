/*
 * test — a tiny unit-test harness. TEST(name) { ... } registers a test (constructor
 * attribute); CHECK(cond) / CHECK_EQ_INT / CHECK_EQ_STR / CHECK_EQ_MEM fail the test with the
 * file and line and return from it. The runner (tests/unit/main.c) prints one line per test:
 * "PASS name" or "FAIL name: file:line: what". One behaviour per test, named for it.
 */
#ifndef WN_TEST_H
#define WN_TEST_H
#include <stdio.h>
#include <string.h>
#include <stdint.h>

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
void test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int test_failed(void);

#define TEST(name) \
    static void test_##name(void); \
    __attribute__((constructor)) static void test_reg_##name(void) { test_register(#name, test_##name); } \
    static void test_##name(void)

#define CHECK(c) do { if (!(c)) { test_fail(__FILE__, __LINE__, "%s", #c); return; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { test_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, a_, b_); return; } } while (0)
#define CHECK_EQ_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
    if (!a_ || !b_ || strcmp(a_, b_)) { test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); return; } } while (0)
#define CHECK_EQ_MEM(a, an, b, bn) do { size_t an_ = (an), bn_ = (bn); \
    if (an_ != bn_ || memcmp((a), (b), an_)) { test_fail(__FILE__, __LINE__, "%s: got \"%.*s\", expected \"%.*s\"", #a, (int)(an_ > 200 ? 200 : an_), (const char *)(a), (int)(bn_ > 200 ? 200 : bn_), (const char *)(b)); return; } } while (0)
#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); \
    if (!(a_ - b_ <= (tol) && b_ - a_ <= (tol))) { test_fail(__FILE__, __LINE__, "%s == %.9g, expected %.9g", #a, a_, b_); return; } } while (0)

#endif
