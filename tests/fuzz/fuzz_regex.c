/* tests/fuzz/fuzz_regex.c -- libFuzzer target for src/regex.
 *
 * The input is split at the first NUL byte: before it, the pattern; after
 * it, the subject (an input without NUL is a pattern matched against
 * itself). Nothing may crash or run long: a compile either succeeds with a
 * program within TK_RE_MAX_PROGRAM or fails with TK_EINVAL and a one-line,
 * valid UTF-8 message. A match must give spans inside the subject, groups
 * inside the whole match, and the same whole match whatever number of
 * groups is asked for.
 *
 * For patterns made only of a, b, c and . | * + ? ( ) [ ] - (no anchors:
 * glibc has known bugs with anchors inside repetitions) and subjects of
 * a, b and c, the whole match is compared with glibc's regexec, which is
 * leftmost-longest as POSIX requires: both must agree on whether and
 * where the pattern matches. */
#include "src/regex.h"

#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A smaller step budget than the default keeps each run short under the
 * sanitizers and reaches the budget's own path often. */
#define STEPS 200000

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

/* A strict UTF-8 check without control characters. */
static int clean_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char c = *p;
        size_t n;
        if (c < 0x20 || c == 0x7F)
            return 0;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 1;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3;
        else
            return 0;
        for (size_t k = 1; k <= n; k++)
            if (p[k] < 0x80 || p[k] > 0xBF)
                return 0;
        p += n + 1;
    }
    return 1;
}

static int only(const uint8_t *p, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == 0 || strchr(set, p[i]) == NULL)
            return 0;
    return 1;
}

/* Compares the whole match with glibc's for the small alphabet. */
static void compare_glibc(const tk_re *re, const char *pat, size_t plen, const char *subj,
                          size_t slen, tk_re_scratch *s)
{
    char p[64], v[64];
    if (plen >= sizeof p || slen >= sizeof v ||
        !only((const uint8_t *)pat, plen, "abc.|*+?()[]-") ||
        !only((const uint8_t *)subj, slen, "abc"))
        return;
    memcpy(p, pat, plen);
    p[plen] = '\0';
    memcpy(v, subj, slen);
    v[slen] = '\0';
    regex_t g;
    if (regcomp(&g, p, REG_EXTENDED) != 0)
        return;
    regmatch_t gm[1];
    const int grc = regexec(&g, v, 1, gm, 0);
    regfree(&g);
    tk_re_span m[1];
    const int rc = tk_re_exec(re, subj, slen, m, 1, 0, s, NULL);
    CHECK(rc == TK_OK || rc == TK_ENOTFOUND);
    CHECK((grc == 0) == (rc == TK_OK));
    if (rc == TK_OK)
        CHECK(m[0].so == (size_t)gm[0].rm_so && m[0].eo == (size_t)gm[0].rm_eo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    const char *pat = (const char *)data;
    const size_t plen = nul ? (size_t)(nul - data) : size;
    const char *subj = nul ? (const char *)nul + 1 : pat;
    const size_t slen = nul ? size - plen - 1 : size;

    tk_error err;
    tk_re *re = NULL;
    int rc = tk_re_compile(&re, pat, plen, &err);
    if (rc != TK_OK) {
        CHECK(re == NULL && (rc == TK_EINVAL || rc == TK_ENOMEM) && err.code == rc);
        CHECK(err.msg[0] != '\0' && clean_utf8(err.msg));
        return 0;
    }
    CHECK(tk_re_program_size(re) >= 1 && tk_re_program_size(re) <= TK_RE_MAX_PROGRAM);

    /* Copy the subject so ASan catches any read past its end. */
    char *copy = malloc(slen > 0 ? slen : 1);
    if (copy == NULL) {
        tk_re_destroy(re);
        return 0;
    }
    if (slen > 0)
        memcpy(copy, subj, slen);
    tk_re_scratch s;
    tk_re_scratch_init(&s);
    tk_re_span m[10], one[1];
    rc = tk_re_exec(re, copy, slen, m, 10, STEPS, &s, &err);
    CHECK(rc == TK_OK || rc == TK_ENOTFOUND || rc == TK_ERANGE || rc == TK_ENOMEM);
    CHECK(rc == TK_OK || (err.code == rc && clean_utf8(err.msg)));
    if (rc == TK_OK) {
        CHECK(m[0].so <= m[0].eo && m[0].eo <= slen);
        for (size_t k = 1; k < 10; k++) {
            if (m[k].so == TK_RE_UNSET) {
                CHECK(m[k].eo == TK_RE_UNSET);
                continue;
            }
            CHECK(k <= tk_re_groups(re));
            CHECK(m[0].so <= m[k].so && m[k].so <= m[k].eo && m[k].eo <= m[0].eo);
        }
    }
    if (rc == TK_OK || rc == TK_ENOTFOUND) {
        const int rc1 = tk_re_exec(re, copy, slen, one, 1, STEPS, &s, NULL);
        CHECK(rc1 == rc || rc1 == TK_ERANGE || rc1 == TK_ENOMEM);
        if (rc1 == TK_OK)
            CHECK(one[0].so == m[0].so && one[0].eo == m[0].eo);
        compare_glibc(re, pat, plen, copy, slen, &s);
    }
    tk_re_scratch_dispose(&s);
    free(copy);
    tk_re_destroy(re);
    return 0;
}
