/* tests/src/test_transform.c -- value transforms shared by profiles and
 * master-data mappings. */
#include <string.h>

#include "src/alloc.h"
#include "src/transform.h"
#include "tests/test.h"

static tk_transforms *parse(const char *json, tk_error *err)
{
    json_error_t je;
    json_t *arr = json_loads(json, 0, &je);
    tk_transforms *t = NULL;
    if (arr == NULL)
        return NULL;
    if (tk_transforms_parse(&t, arr, "fields.user.transform", err) != TK_OK)
        t = NULL;
    json_decref(arr);
    return t;
}

/* Applies json's steps to in and compares the result with want (NULL:
 * expect TK_EPARSE). */
static int run(const char *json, const char *in, const char *want)
{
    tk_error err = {0, ""};
    tk_transforms *t = parse(json, &err);
    if (t == NULL)
        return 0;
    tk_transform_scratch s;
    tk_transform_scratch_init(&s);
    tk_view v = {in, strlen(in)};
    const int rc = tk_transforms_apply(t, &v, &s, &err);
    int ok;
    if (want == NULL)
        ok = rc == TK_EPARSE;
    else
        ok = rc == TK_OK && v.len == strlen(want) && memcmp(v.p, want, v.len) == 0;
    tk_transform_scratch_dispose(&s);
    tk_transforms_destroy(t);
    return ok;
}

static void steps(void)
{
    TK_CHECK(run("[{\"trim\":true}]",
                 " \t\xE3\x80\x80"
                 "679661\xE3\x80\x80 ",
                 "679661"));
    TK_CHECK(run("[{\"strip_domain\":true}]", "CITYHALL\\c679661", "c679661"));
    TK_CHECK(run("[{\"strip_domain\":true}]", "c679661", "c679661"));
    TK_CHECK(run("[{\"strip_prefix\":\"c\"}]", "c679661", "679661"));
    TK_CHECK(run("[{\"strip_prefix\":\"c\"}]", "679661", "679661"));
    TK_CHECK(run("[{\"strip_suffix\":\"@city.local\"}]", "c1@city.local", "c1"));
    TK_CHECK(run("[{\"regex\":\"^([0-9]+)_\"}]", "679661_山田", "679661"));
    TK_CHECK(run("[{\"regex\":\"[0-9]+\"}]", "ID=42;", "42"));
    TK_CHECK(run("[{\"regex\":\"^([0-9]+)_\"}]", "山田", NULL));
    /* Without a group the whole (leftmost-longest) match is the value. */
    TK_CHECK(run("[{\"regex\":\"a|ab\"}]", "xabc", "ab"));
    /* Classes and . take whole UTF-8 characters. */
    TK_CHECK(run("[{\"regex\":\"[ぁ-ん]+\"}]", "山田たろう様", "たろう"));
    TK_CHECK(run("[{\"regex\":\"^.(.)\"}]", "山田太郎", "田"));
    /* A group that took no part gives the whole match. */
    TK_CHECK(run("[{\"regex\":\"(x)|[0-9]+\"}]", "id 42", "42"));
    /* The catastrophic pattern on a long value: linear, matched. */
    TK_CHECK(run("[{\"regex\":\"^(a+)+$\"}]", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    TK_CHECK(
        run("[{\"regex\":\"^(a+)+$\"}]", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", NULL));
    TK_CHECK(run("[{\"upper\":true}]", "pc-01a", "PC-01A"));
    TK_CHECK(run("[{\"lower\":true}]", "PC-01A", "pc-01a"));
    TK_CHECK(run("[{\"zenkaku_digits\":true}]", "\xEF\xBC\x96\xEF\xBC\x97\xEF\xBC\xA1\xEF\xBD\x82",
                 "67Ab"));
    /* Chains whose input lives in the scratch buffer the previous step wrote. */
    TK_CHECK(run("[{\"strip_domain\":true},{\"upper\":true},{\"regex\":\"^C([0-9]+)$\"},"
                 "{\"zenkaku_digits\":true},{\"lower\":true},{\"trim\":true}]",
                 "CITY\\c679661", "679661"));
    TK_CHECK(run("[]", "x", "x"));
}

/* A regex with "on_no_match": "empty" turns a value it does not match
 * into an empty one (the field's default or absence then applies) instead
 * of a row error; later steps see the empty value. */
static void regex_no_match(void)
{
    static const char *const count = "[{\"regex\":\"抽出件数=([0-9,]+)\","
                                     "\"on_no_match\":\"empty\"}]";
    TK_CHECK(run(count, "窓口 抽出件数=26,382 件", "26,382"));
    TK_CHECK(run(count, "窓口対応", ""));
    TK_CHECK(run(count, "", ""));
    TK_CHECK(
        run("[{\"on_no_match\":\"empty\",\"regex\":\"^x([0-9]+)\"},{\"upper\":true}]", "y12", ""));
    /* "error" is the default, spelt out. */
    TK_CHECK(run("[{\"regex\":\"^x\",\"on_no_match\":\"error\"}]", "y", NULL));
    TK_CHECK(run("[{\"regex\":\"^x\"}]", "y", NULL));
    /* The step budget still makes a row error. */
    tk_error err = {0, ""};
    tk_transforms *t = parse("[{\"regex\":\"^((a*){200})$\",\"on_no_match\":\"empty\"}]", &err);
    TK_REQUIRE(t != NULL);
    static char v[200000];
    memset(v, 'a', sizeof v);
    tk_transform_scratch s;
    tk_transform_scratch_init(&s);
    tk_view view = {v, sizeof v};
    TK_CHECK_INT(tk_transforms_apply(t, &view, &s, &err), TK_EPARSE);
    tk_transform_scratch_dispose(&s);
    tk_transforms_destroy(t);
}

static void parse_errors(void)
{
    static const struct {
        const char *json;
        const char *msg;
    } cases[] = {
        {"{}", "fields.user.transform must be a list of steps"},
        {"[1]", "fields.user.transform[0] must be an object with one step (and, for regex, "
                "on_no_match)"},
        {"[{\"trim\":true,\"upper\":true}]",
         "fields.user.transform[0] must be an object with one step (and, for regex, "
         "on_no_match)"},
        {"[{\"on_no_match\":\"empty\"}]",
         "fields.user.transform[0].on_no_match is only for a regex step"},
        {"[{\"trim\":true,\"on_no_match\":\"empty\"}]",
         "fields.user.transform[0].on_no_match is only for a regex step"},
        {"[{\"regex\":\"x\",\"on_no_match\":\"skip\"}]",
         "fields.user.transform[0].on_no_match must be \"error\" (the row is bad) or \"empty\" "
         "(the value becomes empty)"},
        {"[{\"regex\":\"x\",\"on_no_match\":true}]",
         "fields.user.transform[0].on_no_match must be \"error\" (the row is bad) or \"empty\" "
         "(the value becomes empty)"},
        {"[{\"trim\":true},{\"rot13\":true}]",
         "fields.user.transform[1]: unknown step \"rot13\" (steps: trim, strip_domain, "
         "strip_prefix, strip_suffix, regex, upper, lower, zenkaku_digits)"},
        {"[{\"strip_prefix\":\"\"}]", "fields.user.transform[0].strip_prefix must be a non-empty "
                                      "string"},
        {"[{\"trim\":1}]", "fields.user.transform[0].trim must be true"},
        {"[{\"regex\":\"(\"}]", "fields.user.transform[0].regex: unmatched ( at character 1"},
        {"[{\"trim\":true},{\"regex\":\"(a)\\\\1\"}]",
         "fields.user.transform[1].regex: \\1 at character 4: backreferences are not supported "
         "(profiles use POSIX extended regexes without back-references)"},
        {"[{\"regex\":\"a{1000}{1000}{1000}\"}]",
         "fields.user.transform[0].regex: repetition count 1000 at character 2 is more than 255"},
        {"[{\"regex\":\"a{255}{255}\"}]", "fields.user.transform[0].regex: regex too large after "
                                          "expanding repetitions (65026 > 10000 instructions)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tk_error err = {0, ""};
        TK_CHECK(parse(cases[i].json, &err) == NULL);
        TK_CHECK_INT(err.code, TK_EINVAL);
        TK_CHECK_STR(err.msg, cases[i].msg);
    }
}

/* A match that needs more than TK_RE_MAX_STEPS steps is a row error that
 * says so, not minutes of work. */
static void step_budget(void)
{
    tk_error err = {0, ""};
    tk_transforms *t = parse("[{\"regex\":\"^((a*){200})$\"}]", &err);
    TK_REQUIRE(t != NULL);
    const size_t len = 200000;
    char *v = tk_alloc(len);
    TK_REQUIRE(v != NULL);
    memset(v, 'a', len);
    tk_transform_scratch s;
    tk_transform_scratch_init(&s);
    tk_view view = {v, len};
    TK_CHECK_INT(tk_transforms_apply(t, &view, &s, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "the regular expression ^((a*){200})$ takes more than 10000000 steps on "
                          "this value of 200000 bytes");
    view.p = v;
    view.len = 300;
    TK_CHECK_INT(tk_transforms_apply(t, &view, &s, &err), TK_OK);
    TK_CHECK(view.p == v && view.len == 300);
    tk_transform_scratch_dispose(&s);
    tk_transforms_destroy(t);
    tk_free(v);
}

static void allocation_failures(void)
{
#ifdef TK_TESTING
    for (unsigned long n = 1;; n++) {
        tk_error err = {0, ""};
        tk_alloc_fail_at(n);
        tk_transforms *t =
            parse("[{\"trim\":true},{\"regex\":\"^(a)\"},{\"strip_prefix\":\"x\"}]", &err);
        tk_alloc_fail_at(0);
        if (t != NULL) {
            tk_transforms_destroy(t);
            break;
        }
        TK_CHECK_INT(err.code, TK_ENOMEM);
        TK_REQUIRE(n < 100);
    }
#endif
}

int main(void)
{
    TK_RUN(steps);
    TK_RUN(regex_no_match);
    TK_RUN(parse_errors);
    TK_RUN(step_budget);
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
