/* tests/test.h -- a minimal test harness for plain-C test programs.
 *
 * Each test program defines static test functions and lists them in main()
 * with TK_RUN(fn). A failed TK_CHECK prints file:line and the expression and
 * marks the current test failed; the program exits non-zero if any test
 * failed and prints "N passed, N failed" as its last line. */
#ifndef TK_TEST_H
#define TK_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int tk_test_failed_now;
static int tk_test_passed;
static int tk_test_failed;

#define TK_CHECK(expr)                                                                             \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr);               \
            tk_test_failed_now = 1;                                                                \
        }                                                                                          \
    } while (0)

/* Like TK_CHECK but stops the current test function. */
#define TK_REQUIRE(expr)                                                                           \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            fprintf(stderr, "%s:%d: requirement failed: %s\n", __FILE__, __LINE__, #expr);         \
            tk_test_failed_now = 1;                                                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define TK_CHECK_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *tk_a_ = (a), *tk_b_ = (b);                                                     \
        if (tk_a_ == NULL || tk_b_ == NULL || strcmp(tk_a_, tk_b_) != 0) {                         \
            fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__,                       \
                    tk_a_ ? tk_a_ : "(null)", tk_b_ ? tk_b_ : "(null)");                           \
            tk_test_failed_now = 1;                                                                \
        }                                                                                          \
    } while (0)

#define TK_CHECK_INT(a, b)                                                                         \
    do {                                                                                           \
        const long long tk_a_ = (long long)(a), tk_b_ = (long long)(b);                            \
        if (tk_a_ != tk_b_) {                                                                      \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, tk_a_,   \
                    tk_b_);                                                                        \
            tk_test_failed_now = 1;                                                                \
        }                                                                                          \
    } while (0)

#define TK_RUN(fn)                                                                                 \
    do {                                                                                           \
        tk_test_failed_now = 0;                                                                    \
        fn();                                                                                      \
        if (tk_test_failed_now) {                                                                  \
            fprintf(stderr, "FAIL %s\n", #fn);                                                     \
            tk_test_failed++;                                                                      \
        } else {                                                                                   \
            tk_test_passed++;                                                                      \
        }                                                                                          \
    } while (0)

#define TK_TEST_END()                                                                              \
    do {                                                                                           \
        printf("%d passed, %d failed\n", tk_test_passed, tk_test_failed);                          \
        return tk_test_failed ? 1 : 0;                                                             \
    } while (0)

/* Directory for scratch files: $TK_TEST_TMP (set by ctest) or /tmp. */
static inline const char *tk_test_tmpdir(void)
{
    const char *d = getenv("TK_TEST_TMP");
    return d && *d ? d : "/tmp";
}

/* Makes a fresh directory tk_test_tmpdir()/prefix-XXXXXX and writes its
 * path into buf (cap bytes). Returns buf, or NULL (after saying why on
 * stderr) when it cannot. */
static inline char *tk_test_mkdtemp(char *buf, size_t cap, const char *prefix)
{
    snprintf(buf, cap, "%s/%s-XXXXXX", tk_test_tmpdir(), prefix);
    mkdir(tk_test_tmpdir(), 0755);
    if (mkdtemp(buf) == NULL) {
        perror(buf);
        return NULL;
    }
    return buf;
}

/* Directory of data cases: $TK_TEST_DATA or tests/data relative to cwd. */
static inline const char *tk_test_datadir(void)
{
    const char *d = getenv("TK_TEST_DATA");
    return d && *d ? d : "tests/data";
}

#endif
