/* tests/src/test_regex.c -- the bounded POSIX extended regex engine:
 * matches and their spans, captures, anchors, classes, counted
 * repetition, UTF-8, what is refused and the limits. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "src/alloc.h"
#include "src/regex.h"
#include "tests/test.h"

/* Matches pat against subj and writes the spans of the whole match and
 * groups 1 and 2 as "so-eo so-eo so-eo" ("-" for an unset group) into
 * out, or "nomatch", or "error: <message>". */
static const char *run(const char *pat, const char *subj)
{
    static char out[TK_ERROR_MSG_SIZE + 16];
    tk_error err = {0, ""};
    tk_re *re = NULL;
    if (tk_re_compile(&re, pat, strlen(pat), &err) != TK_OK) {
        snprintf(out, sizeof out, "error: %s", err.msg);
        return out;
    }
    tk_re_scratch s;
    tk_re_scratch_init(&s);
    tk_re_span m[3];
    const int rc = tk_re_exec(re, subj, strlen(subj), m, 3, 0, &s, &err);
    if (rc == TK_ENOTFOUND) {
        snprintf(out, sizeof out, "nomatch");
    } else if (rc != TK_OK) {
        snprintf(out, sizeof out, "exec error %d: %s", rc, err.msg);
    } else {
        size_t o = 0;
        for (size_t k = 0; k < 3; k++) {
            if (m[k].so == TK_RE_UNSET)
                o += (size_t)snprintf(out + o, sizeof out - o, "%s-", k ? " " : "");
            else
                o += (size_t)snprintf(out + o, sizeof out - o, "%s%zu-%zu", k ? " " : "", m[k].so,
                                      m[k].eo);
        }
    }
    tk_re_scratch_dispose(&s);
    tk_re_destroy(re);
    return out;
}

static const struct {
    const char *pat, *subj, *want;
} cases[] = {
    /* Literals, the leftmost match, and the profiles' own patterns. */
    {"abc", "xxabcabc", "2-5 - -"},
    {"abc", "ab", "nomatch"},
    {"[0-9]+", "ID=42;", "3-5 - -"},
    {"^([0-9]+)_", "679661_山田", "0-7 0-6 -"},
    {"^([0-9]+)_", "山田", "nomatch"},
    {"^0*([1-9][0-9]*)$", "00679661", "0-8 2-8 -"},
    {"^C([0-9]+)$", "C679661", "0-7 1-7 -"},
    {"", "abc", "0-0 - -"},
    /* Leftmost-longest for the whole match, as POSIX and glibc. */
    {"a|ab", "abc", "0-2 - -"},
    {"(a|ab)(c|bcd)(d*)", "abcd", "0-4 0-1 1-4"},
    {"x*", "aaxx", "0-0 - -"},
    {"(a*)(a*)", "aaa", "0-3 0-3 3-3"},
    /* Within the match, groups take the first-listed way (as glibc does
     * here too; POSIX would give group 1 0-2). */
    {"(a|ab)(bc|c)", "abc", "0-3 0-1 1-3"},
    /* A repeated group reports its last iteration; an empty operand of
     * * is still recorded. */
    {"(a|b)*c", "abac", "0-4 2-3 -"},
    {"(a*)*", "b", "0-0 0-0 -"},
    {"(a*)+", "b", "0-0 0-0 -"},
    {"(|a)+", "aa", "0-2 1-2 -"},
    {"x*(a+|b)+", "aab", "0-3 2-3 -"},
    {"(a)|b", "b", "0-1 - -"},
    {"(a){0}b", "ab", "1-2 - -"},
    /* Anchors hold only at the ends of the subject, wherever they are. */
    {"^a", "ba", "nomatch"},
    {"a$", "ab", "nomatch"},
    {"a$", "ba", "1-2 - -"},
    {"a^b", "ab", "nomatch"},
    {"(^a|b)c", "bc", "0-2 0-1 -"},
    {"^$", "", "0-0 - -"},
    {"$a", "a", "nomatch"},
    /* . and classes. */
    {"a.c", "a\nc", "0-3 - -"},
    {"[abc]+", "xcabz", "1-4 - -"},
    {"[^abc]+", "abxyc", "2-4 - -"},
    {"[a-c-]+", "x-b-d", "1-4 - -"},
    {"[]a]+", "x]a]", "1-4 - -"},
    {"[^]a]", "]ab", "2-3 - -"},
    {"[\\d]+", "a\\d1", "1-3 - -"},
    {"[[:digit:]]+", "ab123c", "2-5 - -"},
    {"[[:alpha:]_]+", "1ab_c2", "1-5 - -"},
    {"[[:space:]]", "a\tb", "1-2 - -"},
    {"[[:upper:][:digit:]]+", "abC1d", "2-4 - -"},
    {"[[:xdigit:]]+", "xfF9g", "1-4 - -"},
    {"[[:punct:]]", "ab@", "2-3 - -"},
    {"[[.-.]a]+", "x-a", "1-3 - -"},
    {"[[=a=]]", "ba", "1-2 - -"},
    {"[[]", "a[", "1-2 - -"},
    /* Escapes make specials literal. */
    {"a\\.b", "axb a.b", "4-7 - -"},
    {"\\(\\)\\*\\+\\?\\{\\}\\|\\^\\$\\[\\]\\\\", "()*+?{}|^$[]\\", "0-13 - -"},
    {"a)", "a)", "0-2 - -"},
    {"a}", "a}", "0-2 - -"},
    /* Counted repetition. */
    {"a{3}", "aaaa", "0-3 - -"},
    {"a{2,}", "aaaa", "0-4 - -"},
    {"a{2,3}", "aaaa", "0-3 - -"},
    {"a{,2}", "aaa", "0-2 - -"},
    {"a{0}", "a", "0-0 - -"},
    {"^a{2,3}$", "a", "nomatch"},
    {"^a{2,3}$", "aaaa", "nomatch"},
    {"(ab){2}", "ababab", "0-4 2-4 -"},
    {"a{2}{3}", "aaaaaaa", "0-6 - -"},
    {"a**", "aa", "0-2 - -"},
    {"a+?", "aa", "0-2 - -"},
    {"^[0-9]{3}-[0-9]{4}$", "123-4567", "0-8 - -"},
    /* UTF-8: one character per . and per class member. */
    {"^.$", "あ", "0-3 - -"},
    {"^(.)", "あい", "0-3 0-3 -"},
    {"[あい]+", "うあいう", "3-9 - -"},
    {"[ぁ-ん]+", "山田たろう", "6-15 - -"},
    {"[^ぁ-ん]+", "たろう様", "9-12 - -"},
    {"田(.+)$", "山田太郎", "3-12 6-12 -"},
    {"\\山", "山", "0-3 - -"},
    /* Bytes that are not UTF-8 are characters of their own. */
    {"^.b$",
     "\xff"
     "b",
     "0-2 - -"},
    {"^..$", "\xe3\x81", "0-2 - -"},
    {"\xe3", "a\xe3", "1-2 - -"},
    {"\xe3", "\xe3\x81\x82", "nomatch"},
    {"[^a]", "a\x80", "1-2 - -"},
};

static void matches(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = run(cases[i].pat, cases[i].subj);
        if (strcmp(got, cases[i].want) != 0) {
            fprintf(stderr, "pattern %s on %s: got %s, want %s\n", cases[i].pat, cases[i].subj, got,
                    cases[i].want);
            tk_test_failed_now = 1;
        }
    }
}

static void refusals(void)
{
    static const struct {
        const char *pat, *msg;
    } bad[] = {
        {"(a)\\1", "\\1 at character 4: backreferences are not supported (profiles use POSIX "
                   "extended regexes without back-references)"},
        {"山(田)\\9", "\\9 at character 5: backreferences are not supported (profiles use POSIX "
                      "extended regexes without back-references)"},
        {"\\d+", "unsupported escape \\d at character 1 (POSIX extended regexes have no letter "
                 "escapes: write a bracket expression such as [0-9], [[:space:]] or "
                 "[[:alnum:]_])"},
        {"a\\", "trailing backslash at character 2"},
        {"(ab", "unmatched ( at character 1"},
        {"a(b(c)", "unmatched ( at character 2"},
        {"[ab", "unterminated bracket expression [ at character 1 (expected ])"},
        {"[]", "unterminated bracket expression [ at character 1 (expected ])"},
        {"[[:alpha:]", "unterminated bracket expression [ at character 1 (expected ])"},
        {"[[:alpha]", "unterminated [: at character 2 (expected :])"},
        {"[[:word:]]",
         "unknown character class [:word:] at character 2 (classes: alnum, alpha, blank, cntrl, "
         "digit, graph, lower, print, punct, space, upper, xdigit)"},
        {"[[.ab.]]", "[.ab.] at character 2: only single characters are supported between [. and "
                     ".]"},
        {"あ[z-a]", "invalid range z-a at character 3 (its end comes before its start)"},
        {"[a-[:digit:]]", "a range at character 2 ends in a character class"},
        {"*a", "* at character 1 has nothing to repeat"},
        {"a|+b", "+ at character 3 has nothing to repeat"},
        {"(?:a)", "? at character 2 has nothing to repeat"},
        {"^*", "* at character 2 has nothing to repeat"},
        {"{1}a", "{ at character 1 has nothing to repeat"},
        {"a{", "invalid repetition at character 2 (expected {m}, {m,}, {m,n} or {,n} with counts "
               "up to 255)"},
        {"a{1", "invalid repetition at character 2 (expected {m}, {m,}, {m,n} or {,n} with "
                "counts up to 255)"},
        {"a{x}", "invalid repetition at character 2 (expected {m}, {m,}, {m,n} or {,n} with "
                 "counts up to 255)"},
        {"a{1,2,3}", "invalid repetition at character 2 (expected {m}, {m,}, {m,n} or {,n} with "
                     "counts up to 255)"},
        {"a{3,2}", "repetition {3,2} at character 2 has a minimum above its maximum"},
        {"a{256}", "repetition count 256 at character 2 is more than 255"},
        {"a{1,99999999999999999999}",
         "repetition count 99999999999999999999 at character 2 is more than 255"},
        {"a{1000}{1000}{1000}", "repetition count 1000 at character 2 is more than 255"},
        {"a{255}{255}", "regex too large after expanding repetitions (65026 > 10000 instructions)"},
        {"(a{255}){255}{255}{255}{255}{255}{255}{255}{255}",
         "regex too large after expanding repetitions (more than 10000 instructions)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tk_error err = {0, ""};
        tk_re *re = NULL;
        TK_CHECK_INT(tk_re_compile(&re, bad[i].pat, strlen(bad[i].pat), &err), TK_EINVAL);
        TK_CHECK(re == NULL);
        TK_CHECK_INT(err.code, TK_EINVAL);
        TK_CHECK_STR(err.msg, bad[i].msg);
    }
}

static void limits(void)
{
    tk_error err = {0, ""};
    tk_re *re = NULL;
    /* 10000 instructions exactly (9999 characters and MATCH) compile;
     * one more does not. */
    char pat[10002];
    memset(pat, 'a', sizeof pat);
    TK_REQUIRE(tk_re_compile(&re, pat, 9999, &err) == TK_OK);
    TK_CHECK_INT(tk_re_program_size(re), 10000);
    tk_re_destroy(re);
    re = NULL;
    TK_CHECK_INT(tk_re_compile(&re, pat, 10000, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg,
                 "regex too large after expanding repetitions (10001 > 10000 instructions)");
    /* a{2,3}: a a SPLIT a MATCH. */
    TK_REQUIRE(tk_re_compile(&re, "a{2,3}", 6, &err) == TK_OK);
    TK_CHECK_INT(tk_re_program_size(re), 5);
    TK_CHECK_INT(tk_re_groups(re), 0);
    tk_re_destroy(re);
    re = NULL;

    /* Nesting: 100 groups deep compile, 101 do not; neither does a long
     * run of stacked repetition operators. */
    char deep[256];
    size_t n = 0;
    for (int k = 0; k < 100; k++)
        deep[n++] = '(';
    deep[n++] = 'a';
    for (int k = 0; k < 100; k++)
        deep[n++] = ')';
    TK_REQUIRE(tk_re_compile(&re, deep, n, &err) == TK_OK);
    TK_CHECK_INT(tk_re_groups(re), 100);
    tk_re_destroy(re);
    re = NULL;
    n = 0;
    for (int k = 0; k < 101; k++)
        deep[n++] = '(';
    deep[n++] = 'a';
    for (int k = 0; k < 101; k++)
        deep[n++] = ')';
    TK_CHECK_INT(tk_re_compile(&re, deep, n, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "groups and repetitions nested more than 100 deep at character 101");
    memset(deep, '*', sizeof deep);
    deep[0] = 'a';
    TK_CHECK_INT(tk_re_compile(&re, deep, sizeof deep, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "groups and repetitions nested more than 100 deep at character 102");
}

/* The issue's patterns: the exponential backtracking case runs in linear
 * time, and a match whose threads cannot be kept few runs out of its step
 * budget instead of running for minutes. */
static void bounded_work(void)
{
    const size_t len = 500000;
    char *v = tk_alloc(len + 1);
    TK_REQUIRE(v != NULL);
    memset(v, 'a', len);
    v[len] = '!';
    tk_error err = {0, ""};
    tk_re *re = NULL;
    tk_re_scratch s;
    tk_re_span m[2];
    tk_re_scratch_init(&s);
    const clock_t t0 = clock();

    TK_REQUIRE(tk_re_compile(&re, "(a+)+$", 6, &err) == TK_OK);
    TK_CHECK_INT(tk_re_exec(re, v, len, m, 2, 0, &s, &err), TK_OK);
    TK_CHECK(m[0].so == 0 && m[0].eo == len && m[1].so == 0 && m[1].eo == len);
    TK_CHECK_INT(tk_re_exec(re, v, len + 1, m, 2, 0, &s, &err), TK_ENOTFOUND);
    tk_re_destroy(re);

    const char *many = "^(a*){200}$";
    TK_REQUIRE(tk_re_compile(&re, many, strlen(many), &err) == TK_OK);
    TK_CHECK_INT(tk_re_exec(re, v, 200, m, 2, 0, &s, &err), TK_OK);
    TK_CHECK_INT(tk_re_exec(re, v, len, m, 2, 0, &s, &err), TK_ERANGE);
    TK_CHECK_STR(err.msg, "matching took more than 10000000 steps");
    TK_CHECK_INT(tk_re_exec(re, v, 200, m, 2, 1000, &s, &err), TK_ERANGE);
    TK_CHECK_STR(err.msg, "matching took more than 1000 steps");
    tk_re_destroy(re);

    const double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (secs > 30)
        fprintf(stderr, "bounded work took %.1f s of CPU\n", secs);
    TK_CHECK(secs < 30);
    tk_re_scratch_dispose(&s);
    tk_free(v);
}

static void allocation_failures(void)
{
#ifdef TK_TESTING
    const char *pat = "^([[:digit:]]+|[a-cあ-ん]{2,5})(x|y)*$";
    for (unsigned long n = 1;; n++) {
        tk_error err = {0, ""};
        tk_re *re = NULL;
        tk_alloc_fail_at(n);
        const int rc = tk_re_compile(&re, pat, strlen(pat), &err);
        tk_alloc_fail_at(0);
        if (rc == TK_OK) {
            tk_re_scratch s;
            tk_re_scratch_init(&s);
            tk_re_span m[3];
            tk_alloc_fail_at(1);
            TK_CHECK_INT(tk_re_exec(re, "12xy", 4, m, 3, 0, &s, &err), TK_ENOMEM);
            tk_alloc_fail_at(0);
            TK_CHECK_STR(err.msg, "out of memory matching a regex");
            TK_CHECK_INT(tk_re_exec(re, "12xy", 4, m, 3, 0, &s, &err), TK_OK);
            TK_CHECK(m[1].so == 0 && m[1].eo == 2 && m[2].so == 3 && m[2].eo == 4);
            tk_re_scratch_dispose(&s);
            tk_re_destroy(re);
            break;
        }
        TK_CHECK_INT(rc, TK_ENOMEM);
        TK_CHECK(re == NULL);
        TK_REQUIRE(n < 100);
    }
#endif
}

int main(void)
{
    TK_RUN(matches);
    TK_RUN(refusals);
    TK_RUN(limits);
    TK_RUN(bounded_work);
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
