/* tests/src/test_profile.c -- source profiles: loading, binding, applying. */
#include <string.h>

#include "src/alloc.h"
#include "src/profile.h"
#include "src/timefmt.h"
#include "tests/test.h"

static tk_profile *load(const char *json, tk_error *err)
{
    tk_profile *p = NULL;
    if (tk_profile_parse(&p, json, strlen(json), "test.json", err) != TK_OK)
        return NULL;
    return p;
}

static tk_view V(const char *s)
{
    return (tk_view){s, strlen(s)};
}

static const char juki[] =
    "{\"profile\":\"juki-a\",\"version\":3,\"encoding\":\"auto\","
    "\"match\":{\"filename\":\"juki_*.csv\",\"header\":[\"操作日時\",\"職員番号\"]},"
    "\"system\":{\"value\":\"住民基本台帳\"},"
    "\"fields\":{"
    "\"time\":{\"column\":\"操作日時\",\"format\":\"YYYY/MM/DD hh:mm:ss\"},"
    "\"user\":{\"column\":\"職員番号\",\"transform\":[{\"trim\":true},{\"strip_domain\":true},"
    "{\"strip_prefix\":\"c\"}],\"resolve\":\"staff\"},"
    "\"terminal\":{\"column\":\"端末\",\"resolve\":\"terminal\"},"
    "\"operation\":{\"column\":\"操作区分\",\"map\":{\"照会\":\"lookup\",\"更新\":\"update\","
    "\"印刷\":\"print\"}},"
    "\"subject\":{\"column\":\"宛名番号\",\"optional\":true},"
    "\"result\":{\"column\":\"結果\",\"map\":{\"NG\":\"failure\"},\"unmapped\":\"success\"},"
    "\"count\":{\"column\":\"件数\",\"default\":\"1\"},"
    "\"detail\":{\"column\":\"備考\"}}}";

static const char *resolver(void *ctx, int what, const char *p, size_t len, size_t *outlen)
{
    (void)ctx;
    if (what == TK_RESOLVE_STAFF && len == 6 && memcmp(p, "679661", 6) == 0) {
        *outlen = 6;
        return "679661";
    }
    if (what == TK_RESOLVE_TERMINAL && len == 11 && memcmp(p, "192.168.1.5", 11) == 0) {
        *outlen = 8;
        return "SHIMIN01";
    }
    return NULL;
}

static void loads_and_matches(void)
{
    tk_error err = {0, ""};
    tk_profile *p = load(juki, &err);
    TK_REQUIRE(p != NULL);
    TK_CHECK_STR(tk_profile_name(p), "juki-a");
    TK_CHECK_INT(tk_profile_version(p), 3);
    TK_CHECK_INT(tk_profile_encoding(p), TK_ENC_AUTO);
    TK_CHECK_INT(strlen(tk_profile_digest(p)), 64);
    TK_CHECK(tk_profile_match_filename(p, "/up/juki_2024-10.csv"));
    TK_CHECK(!tk_profile_match_filename(p, "/up/koseki_2024-10.csv"));
    const tk_view h[] = {V("職員番号"), V(" 操作日時 "), V("x")};
    TK_CHECK(tk_profile_match_header(p, h, 3));
    TK_CHECK(!tk_profile_match_header(p, h + 1, 2));
    TK_CHECK_INT(tk_profile_resolves(p, TK_RESOLVE_STAFF), 1);
    TK_CHECK_INT(tk_profile_resolves(p, TK_RESOLVE_TERMINAL), 1);
    TK_CHECK_INT(tk_profile_resolves(p, TK_RESOLVE_NONE), 0);
    tk_profile_destroy(p);
    static const char plain[] =
        "{\"profile\":\"p\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
        "\"format\":\"iso8601\"},\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"}}}";
    p = load(plain, &err);
    TK_REQUIRE(p != NULL);
    TK_CHECK_INT(tk_profile_resolves(p, TK_RESOLVE_STAFF), 0);
    TK_CHECK_INT(tk_profile_resolves(p, TK_RESOLVE_TERMINAL), 0);
    tk_profile_destroy(p);
}

static void applies_a_row(void)
{
    tk_error err = {0, ""};
    tk_profile *p = load(juki, &err);
    TK_REQUIRE(p != NULL);
    const tk_view header[] = {V("操作日時"), V("職員番号"), V("端末"), V("操作区分"),
                              V("宛名番号"), V("結果"),     V("件数"), V("備考")};
    tk_profile_row *b = NULL;
    TK_REQUIRE(tk_profile_bind(&b, p, header, 8, TK_ENC_UTF8, resolver, NULL, &err) == TK_OK);
    const tk_view row[] = {V("2024/10/01 09:15:02"),
                           V(" CITYHALL\\c679661 "),
                           V("192.168.1.5"),
                           V("照会"),
                           V("1234567890"),
                           V(""),
                           V(""),
                           V("窓口, 交付")};
    tk_event ev;
    size_t bad = 99;
    TK_REQUIRE(tk_profile_row_apply(b, row, 8, &ev, &bad, &err) == TK_OK);
    TK_CHECK_INT(ev.t, 1727741702000LL);
    TK_CHECK(ev.user.len == 6 && memcmp(ev.user.p, "679661", 6) == 0);
    TK_CHECK_INT(ev.user_resolved, 1);
    TK_CHECK(ev.terminal.len == 8 && memcmp(ev.terminal.p, "SHIMIN01", 8) == 0);
    TK_CHECK_INT(ev.terminal_resolved, 1);
    TK_CHECK_INT(ev.op, TK_OP_LOOKUP);
    TK_CHECK_INT(ev.result, TK_RESULT_SUCCESS);
    TK_CHECK(ev.has_count && ev.count == 1);
    TK_CHECK(ev.subject.len == 10);
    TK_CHECK(ev.system.len == strlen("住民基本台帳"));
    TK_CHECK(ev.detail.len == strlen("窓口, 交付"));

    /* An unknown user is kept as written (after transforms) and not resolved. */
    const tk_view row2[] = {
        V("2024/10/01 09:15:03"), V("c999"), V("PC-X"), V("印刷"), V(""), V("NG"), V("250"), V("")};
    TK_REQUIRE(tk_profile_row_apply(b, row2, 8, &ev, &bad, &err) == TK_OK);
    TK_CHECK(ev.user.len == 3 && memcmp(ev.user.p, "999", 3) == 0);
    TK_CHECK_INT(ev.user_resolved, 0);
    TK_CHECK_INT(ev.terminal_resolved, 0);
    TK_CHECK_INT(ev.op, TK_OP_PRINT);
    TK_CHECK_INT(ev.result, TK_RESULT_FAILURE);
    TK_CHECK_INT(ev.count, 250);
    TK_CHECK(ev.subject.p == NULL);
    tk_profile_row_destroy(b);
    tk_profile_destroy(p);
}

static void row_errors_name_column_and_value(void)
{
    tk_error err = {0, ""};
    tk_profile *p = load(juki, &err);
    TK_REQUIRE(p != NULL);
    const tk_view header[] = {V("操作日時"), V("職員番号"), V("端末"), V("操作区分"),
                              V("宛名番号"), V("結果"),     V("件数"), V("備考")};
    tk_profile_row *b = NULL;
    TK_REQUIRE(tk_profile_bind(&b, p, header, 8, TK_ENC_UTF8, NULL, NULL, &err) == TK_OK);
    tk_event ev;
    size_t bad = 0;
    const tk_view r1[] = {
        V("2024/13/01 09:15:02"), V("1"), V("t"), V("照会"), V(""), V(""), V(""), V("")};
    TK_CHECK_INT(tk_profile_row_apply(b, r1, 8, &ev, &bad, &err), TK_EPARSE);
    TK_CHECK_INT(bad, 0);
    TK_CHECK(strstr(err.msg, "column 操作日時 (time)") != NULL);
    TK_CHECK(strstr(err.msg, "month") != NULL);

    const tk_view r2[] = {
        V("2024/10/01 09:15:02"), V("1"), V("t"), V("削除"), V(""), V(""), V(""), V("")};
    TK_CHECK_INT(tk_profile_row_apply(b, r2, 8, &ev, &bad, &err), TK_EPARSE);
    TK_CHECK_INT(bad, 3);
    TK_CHECK_STR(err.msg, "column 操作区分 (operation): \"削除\": not in the profile's map "
                          "(known: 照会, 更新, 印刷)");

    const tk_view r3[] = {
        V("2024/10/01 09:15:02"), V(""), V("t"), V("照会"), V(""), V(""), V(""), V("")};
    TK_CHECK_INT(tk_profile_row_apply(b, r3, 8, &ev, &bad, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "column 職員番号 (user): is empty");

    const tk_view r4[] = {
        V("2024/10/01 09:15:02"), V("1"), V("t"), V("照会"), V(""), V(""), V("-3"), V("")};
    TK_CHECK_INT(tk_profile_row_apply(b, r4, 8, &ev, &bad, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "column 件数 (count): \"-3\": expected a whole number of 0 or more");

    /* A record shorter than the header cannot supply a bound column. */
    TK_CHECK(tk_profile_row_apply(b, r4, 3, &ev, &bad, &err) != TK_OK);
    tk_profile_row_destroy(b);
    tk_profile_destroy(p);
}

static void missing_column_lists_header(void)
{
    tk_error err = {0, ""};
    tk_profile *p = load(juki, &err);
    TK_REQUIRE(p != NULL);
    const tk_view header[] = {V("日時"),     V("職員番号"), V("端末"), V("操作区分"),
                              V("宛名番号"), V("結果"),     V("件数"), V("備考")};
    tk_profile_row *b = NULL;
    TK_CHECK_INT(tk_profile_bind(&b, p, header, 8, TK_ENC_UTF8, NULL, NULL, &err), TK_EPROFILE);
    TK_CHECK(b == NULL);
    TK_CHECK_STR(err.msg, "profile juki-a: column \"操作日時\" (time) is not in the header; the "
                          "header has: 日時, 職員番号, 端末, 操作区分, 宛名番号, 結果, 件数, 備考");
    tk_profile_destroy(p);
}

/* A vendor's export of 40 Japanese columns: the message lists every one,
 * whole, and never ends in half a character; a header too long for a
 * message ends with how many names are left. */
static void missing_column_lists_a_wide_header(void)
{
    static const char *const names[20] = {
        "操作日時",       "職員番号", "職員氏名",   "所属名称",     "端末名称",
        "端末IPアドレス", "業務名称", "機能名称",   "操作区分",     "処理結果",
        "宛名番号",       "世帯番号", "対象者氏名", "対象者住所",   "出力件数",
        "出力先",         "備考欄",   "ログ種別",   "セッションID", "サーバ名"};
    static char cells[120][48];
    tk_view header[120];
    for (size_t i = 0; i < 120; i++) {
        snprintf(cells[i], sizeof cells[i], "%s%s",
                 i < 20   ? ""
                 : i < 40 ? "前回"
                          : "予備",
                 names[i % 20]);
        header[i] = V(cells[i]);
    }
    /* The profile wants 日時, which the header does not have. */
    static const char json[] =
        "{\"profile\":\"wide\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":"
        "\"日時\",\"format\":\"iso8601\"},\"user\":{\"column\":\"職員番号\"},"
        "\"operation\":{\"value\":\"lookup\"}}}";
    tk_error err = {0, ""};
    tk_profile *p = load(json, &err);
    TK_REQUIRE(p != NULL);
    tk_profile_row *b = NULL;
    TK_CHECK_INT(tk_profile_bind(&b, p, header, 40, TK_ENC_UTF8, NULL, NULL, &err), TK_EPROFILE);
    char want[2048];
    size_t n = (size_t)snprintf(want, sizeof want,
                                "profile wide: column \"日時\" (time) is not in the header; the "
                                "header has: ");
    for (size_t i = 0; i < 40; i++)
        n += (size_t)snprintf(want + n, sizeof want - n, "%s%s", i ? ", " : "", cells[i]);
    TK_CHECK_STR(err.msg, want);
    TK_CHECK(strstr(err.msg, "前回サーバ名") != NULL);

    TK_CHECK_INT(tk_profile_bind(&b, p, header, 120, TK_ENC_UTF8, NULL, NULL, &err), TK_EPROFILE);
    const char *more = strstr(err.msg, " more)");
    TK_CHECK(more != NULL && more[6] == '\0');
    TK_CHECK(strstr(err.msg, ", 予備操作日時, ") != NULL);
    TK_CHECK(strlen(err.msg) < 1200);
    tk_profile_destroy(p);
}

/* Without a map an operation column must hold canonical names; the row
 * error lists them. */
static void row_error_lists_the_operations(void)
{
    static const char json[] =
        "{\"profile\":\"ops\",\"header\":false,\"system\":{\"value\":\"s\"},\"fields\":{"
        "\"time\":{\"column\":1,\"format\":\"iso8601\"},\"user\":{\"column\":2},"
        "\"operation\":{\"column\":3}}}";
    tk_error err = {0, ""};
    tk_profile *p = load(json, &err);
    TK_REQUIRE(p != NULL);
    tk_profile_row *b = NULL;
    TK_REQUIRE(tk_profile_bind(&b, p, NULL, 3, TK_ENC_UTF8, NULL, NULL, &err) == TK_OK);
    const tk_view r[] = {V("2024-10-01T09:00:00"), V("u"), V("照会")};
    tk_event ev;
    size_t bad = 0;
    TK_CHECK_INT(tk_profile_row_apply(b, r, 3, &ev, &bad, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "column 3 (operation): \"照会\": not a canonical operation (one of: "
                          "lookup, search, add, update, delete, print, export, extract, issue, "
                          "logon, logoff, logon_failure, media_copy, media_move, device_connect, "
                          "device_disconnect, other); give the profile a map");
    tk_profile_row_destroy(b);
    tk_profile_destroy(p);
}

static void split_wareki_and_cp932(void)
{
    static const char json[] =
        "{\"profile\":\"koseki\",\"encoding\":\"cp932\",\"header\":false,"
        "\"system\":{\"column\":1},"
        "\"fields\":{\"time\":{\"date\":{\"column\":2,\"format\":\"Gee.MM.DD\"},"
        "\"time\":{\"column\":3,\"format\":\"hh:mm:ss\"}},"
        "\"user\":{\"column\":4,\"transform\":[{\"zenkaku_digits\":true}]},"
        "\"operation\":{\"column\":5,\"map\":{\"4624\":\"logon\"},\"unmapped\":\"other\"},"
        "\"function\":{\"column\":6,\"transform\":[{\"regex\":\"^([A-Z]+)-\"},{\"lower\":true}]}}}";
    tk_error err = {0, ""};
    tk_profile *p = load(json, &err);
    TK_REQUIRE(p != NULL);
    TK_CHECK_INT(tk_profile_encoding(p), TK_ENC_CP932);
    tk_profile_row *b = NULL;
    TK_REQUIRE(tk_profile_bind(&b, p, NULL, 6, TK_ENC_CP932, NULL, NULL, &err) == TK_OK);
    /* 戸籍 in CP932 is 0x8C 0xCB 0x90 0xD0; full-width ６７ is 0x82 0x55 0x82 0x56. */
    const tk_view row[] = {V("\x8C\xCB\x90\xD0"), V("H31.04.30"), V("23:59:59"),
                           V("\x82\x55\x82\x56"), V("4634"),      V("ABC-01")};
    tk_event ev;
    size_t bad = 0;
    TK_REQUIRE(tk_profile_row_apply(b, row, 6, &ev, &bad, &err) == TK_OK);
    TK_CHECK(ev.system.len == strlen("戸籍") && memcmp(ev.system.p, "戸籍", ev.system.len) == 0);
    TK_CHECK_INT(ev.t, 1556636399000LL); /* 2019-04-30 23:59:59 JST */
    TK_CHECK(ev.user.len == 2 && memcmp(ev.user.p, "67", 2) == 0);
    TK_CHECK_INT(ev.op, TK_OP_OTHER);
    TK_CHECK(ev.function.len == 3 && memcmp(ev.function.p, "abc", 3) == 0);

    const tk_view row2[] = {V("\x8C\xCB\x90\xD0"), V("R01.05.01"), V("00:00:00"), V("1"), V("4624"),
                            V("nomatch")};
    TK_CHECK_INT(tk_profile_row_apply(b, row2, 6, &ev, &bad, &err), TK_EPARSE);
    TK_CHECK(strstr(err.msg, "does not match the regular expression") != NULL);

    /* An undecodable byte is an encoding error on its column. */
    const tk_view row3[] = {V("\x8C\xCB\x90\xD0"), V("R01.05.01"), V("00:00:00"),
                            V("\x85\x20"),         V("4624"),      V("ABC-1")};
    TK_CHECK_INT(tk_profile_row_apply(b, row3, 6, &ev, &bad, &err), TK_EENCODING);
    TK_CHECK_INT(bad, 3);
    TK_CHECK_INT(ev.t, 1556636400000LL); /* 2019-05-01 00:00:00 JST was parsed first */
    tk_profile_row_destroy(b);
    tk_profile_destroy(p);
}

static void undecided_encoding_decides_on_first_high_byte(void)
{
    static const char json[] = "{\"profile\":\"x\",\"header\":false,\"system\":{\"value\":\"s\"},"
                               "\"fields\":{\"time\":{\"column\":1,\"format\":\"iso8601\"},"
                               "\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"}}}";
    tk_error err = {0, ""};
    tk_profile *p = load(json, &err);
    TK_REQUIRE(p != NULL);
    tk_profile_row *b = NULL;
    TK_REQUIRE(tk_profile_bind(&b, p, NULL, 2, TK_ENC_ASCII, NULL, NULL, &err) == TK_OK);
    tk_event ev;
    size_t bad;
    const tk_view r1[] = {V("2024-10-01T09:15:02+09:00"), V("abc")};
    TK_REQUIRE(tk_profile_row_apply(b, r1, 2, &ev, &bad, &err) == TK_OK);
    TK_CHECK_INT(tk_profile_row_encoding(b), TK_ENC_ASCII);
    const tk_view r2[] = {V("2024-10-01T09:15:02Z"), V("\x8E\x52\x93\x63")}; /* 山田 */
    TK_REQUIRE(tk_profile_row_apply(b, r2, 2, &ev, &bad, &err) == TK_OK);
    TK_CHECK_INT(tk_profile_row_encoding(b), TK_ENC_CP932);
    TK_CHECK(ev.user.len == strlen("山田") && memcmp(ev.user.p, "山田", ev.user.len) == 0);
    TK_CHECK_INT(ev.t, 1727774102000LL);
    tk_profile_row_destroy(b);
    tk_profile_destroy(p);
}

static void default_is_final_value(void)
{
    static const char json[] =
        "{\"profile\":\"d\",\"header\":false,\"system\":{\"value\":\"s\"},"
        "\"fields\":{\"time\":{\"column\":1,\"format\":\"iso8601\"},"
        "\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"},"
        "\"result\":{\"column\":3,\"map\":{\"正常\":\"success\",\"エラー\":\"failure\"},"
        "\"default\":\"success\"},"
        "\"mynumber\":{\"column\":4,\"map\":{\"有\":\"1\",\"無\":\"0\"},\"default\":\"0\"}}}";
    tk_error err = {0, ""};
    tk_profile *p = load(json, &err);
    TK_REQUIRE(p != NULL);
    tk_profile_row *b = NULL;
    TK_REQUIRE(tk_profile_bind(&b, p, NULL, 4, TK_ENC_UTF8, NULL, NULL, &err) == TK_OK);
    tk_event ev;
    size_t bad;
    const tk_view r1[] = {V("2024-10-01T09:00:00"), V("u"), V(""), V("")};
    TK_REQUIRE(tk_profile_row_apply(b, r1, 4, &ev, &bad, &err) == TK_OK);
    TK_CHECK_INT(ev.result, TK_RESULT_SUCCESS);
    TK_CHECK_INT(ev.mynumber, 0);
    const tk_view r2[] = {V("2024-10-01T09:00:00"), V("u"), V("エラー"), V("有")};
    TK_REQUIRE(tk_profile_row_apply(b, r2, 4, &ev, &bad, &err) == TK_OK);
    TK_CHECK_INT(ev.result, TK_RESULT_FAILURE);
    TK_CHECK_INT(ev.mynumber, 1);
    tk_profile_row_destroy(b);
    tk_profile_destroy(p);
    /* A default must already be a canonical value. */
    static const char bad_default[] =
        "{\"profile\":\"d\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
        "\"format\":\"iso8601\"},\"user\":{\"column\":2},\"operation\":{\"column\":3,"
        "\"map\":{\"照会\":\"lookup\"},\"default\":\"照会\"}}}";
    TK_CHECK(load(bad_default, &err) == NULL);
    TK_CHECK_STR(err.msg,
                 "profile test.json: fields.operation.default: \"照会\" is not a canonical "
                 "operation (one of: lookup, search, add, update, delete, print, export, extract, "
                 "issue, logon, logoff, logon_failure, media_copy, media_move, device_connect, "
                 "device_disconnect, other)");
}

static void terminal_address_field(void)
{
    static const char json[] =
        "{\"profile\":\"logon\",\"system\":{\"value\":\"端末\"},"
        "\"fields\":{\"time\":{\"column\":\"日時\",\"format\":\"iso8601\"},"
        "\"user\":{\"column\":\"ユーザー\"},"
        "\"terminal\":{\"column\":\"コンピュータ名\",\"resolve\":\"terminal\"},"
        "\"terminal_address\":{\"column\":\"IPアドレス\",\"transform\":[{\"trim\":true}],"
        "\"optional\":true},"
        "\"operation\":{\"value\":\"logon\"}}}";
    tk_error err = {0, ""};
    tk_profile *p = load(json, &err);
    TK_REQUIRE(p != NULL);
    const tk_view header[] = {V("日時"), V("ユーザー"), V("コンピュータ名"), V("IPアドレス")};
    tk_profile_row *b = NULL;
    TK_REQUIRE(tk_profile_bind(&b, p, header, 4, TK_ENC_UTF8, resolver, NULL, &err) == TK_OK);
    tk_event ev;
    size_t bad = 0;
    /* An unregistered host: kept as written, with its address. */
    const tk_view r1[] = {V("2024-10-22T08:30:12+09:00"), V("c443720"), V("DESKTOP-YDNX3JR"),
                          V(" 10.10.250.10 ")};
    TK_REQUIRE(tk_profile_row_apply(b, r1, 4, &ev, &bad, &err) == TK_OK);
    TK_CHECK(ev.terminal.len == 15 && memcmp(ev.terminal.p, "DESKTOP-YDNX3JR", 15) == 0);
    TK_CHECK_INT(ev.terminal_resolved, 0);
    TK_CHECK(ev.terminal_address.len == 12 &&
             memcmp(ev.terminal_address.p, "10.10.250.10", 12) == 0);
    /* The address is not resolved: the master turns the terminal column's
     * IP into a name, never the address column's. */
    const tk_view r2[] = {V("2024-10-22T08:31:00+09:00"), V("c443720"), V("192.168.1.5"),
                          V("192.168.1.5")};
    TK_REQUIRE(tk_profile_row_apply(b, r2, 4, &ev, &bad, &err) == TK_OK);
    TK_CHECK(ev.terminal.len == 8 && memcmp(ev.terminal.p, "SHIMIN01", 8) == 0);
    TK_CHECK(ev.terminal_address.len == 11 &&
             memcmp(ev.terminal_address.p, "192.168.1.5", 11) == 0);
    /* An empty cell: absent. */
    const tk_view r3[] = {V("2024-10-22T08:32:00+09:00"), V("c443720"), V("PC9"), V("")};
    TK_REQUIRE(tk_profile_row_apply(b, r3, 4, &ev, &bad, &err) == TK_OK);
    TK_CHECK(ev.terminal_address.p == NULL);
    tk_profile_row_destroy(b);
    tk_profile_destroy(p);

    /* A missing column is named; resolve is not for addresses. */
    p = load(json, &err);
    TK_REQUIRE(p != NULL);
    TK_CHECK_INT(tk_profile_bind(&b, p, header, 3, TK_ENC_UTF8, NULL, NULL, &err), TK_EPROFILE);
    TK_CHECK(strstr(err.msg, "IPアドレス") != NULL);
    tk_profile_destroy(p);
    static const char bad_json[] =
        "{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
        "\"format\":\"iso8601\"},\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"},"
        "\"terminal_address\":{\"column\":3,\"resolve\":\"terminal\"}}}";
    p = load(bad_json, &err);
    TK_CHECK(p == NULL);
    TK_CHECK_STR(err.msg, "profile test.json: fields.terminal_address: resolve must be \"staff\" "
                          "(on user) or \"terminal\" (on terminal)");
}

/* Numbers as exports write them, a count cut out of a remark by a regex
 * that may not match, and a result given by an unmapped rule alone. */
static void numbers_and_unmapped_only(void)
{
    static const char json[] =
        "{\"profile\":\"n\",\"header\":false,\"system\":{\"value\":\"s\"},"
        "\"fields\":{\"time\":{\"column\":1,\"format\":\"iso8601\"},"
        "\"user\":{\"column\":2},\"operation\":{\"value\":\"extract\"},"
        "\"result\":{\"column\":3,\"unmapped\":\"failure\",\"default\":\"success\"},"
        "\"count\":{\"column\":4,\"transform\":[{\"regex\":\"抽出件数=([^ ]+)\","
        "\"on_no_match\":\"empty\"}]},"
        "\"bytes\":{\"column\":5,\"optional\":true}}}";
    tk_error err = {0, ""};
    tk_profile *p = load(json, &err);
    TK_REQUIRE(p != NULL);
    tk_profile_row *b = NULL;
    TK_REQUIRE(tk_profile_bind(&b, p, NULL, 5, TK_ENC_UTF8, NULL, NULL, &err) == TK_OK);
    tk_event ev;
    size_t bad = 0;
    static const struct {
        const char *result, *remark, *bytes;
        int result_want;
        int64_t count; /* -1: absent */
        int64_t nbytes;
    } ok[] = {
        {"", "抽出件数=26,382", "", TK_RESULT_SUCCESS, 26382, -1},
        {"E0123", "窓口対応", "1,048,576", TK_RESULT_FAILURE, -1, 1048576},
        {"", "抽出件数=1,024件 (住基)", "2048 B", TK_RESULT_SUCCESS, 1024, 2048},
        {"", "抽出件数=７", "１，０２４バイト", TK_RESULT_SUCCESS, 7, 1024},
        {"", "抽出件数=１２，３４５", " 999 ", TK_RESULT_SUCCESS, 12345, 999},
        {"", "抽出件数=0", "0", TK_RESULT_SUCCESS, 0, 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const tk_view r[] = {V("2024-10-01T09:00:00"), V("u"), V(ok[i].result), V(ok[i].remark),
                             V(ok[i].bytes)};
        TK_REQUIRE(tk_profile_row_apply(b, r, 5, &ev, &bad, &err) == TK_OK);
        TK_CHECK_INT(ev.result, ok[i].result_want);
        TK_CHECK_INT(ev.has_count, ok[i].count >= 0);
        if (ok[i].count >= 0)
            TK_CHECK_INT(ev.count, ok[i].count);
        TK_CHECK_INT(ev.has_bytes, ok[i].nbytes >= 0);
        if (ok[i].nbytes >= 0)
            TK_CHECK_INT(ev.bytes, ok[i].nbytes);
    }
    static const struct {
        const char *remark, *bytes, *msg;
    } refused[] = {
        {"抽出件数=1,02", "",
         "column 4 (count): \"1,02\": thousands separators must be "
         "followed by groups of three digits (26,382 or 1,024,000)"},
        {"抽出件数=12,3456", "",
         "column 4 (count): \"12,3456\": thousands separators "
         "must be followed by groups of three digits (26,382 or 1,024,000)"},
        {"抽出件数=1234,567", "",
         "column 4 (count): \"1234,567\": thousands separators "
         "must be followed by groups of three digits (26,382 or 1,024,000)"},
        {"抽出件数=1.5", "",
         "column 4 (count): \"1.5\": expected a whole number of 0 or "
         "more"},
        {"抽出件数=,123", "",
         "column 4 (count): \",123\": expected a whole number of 0 "
         "or more"},
        {"抽出件数=10KB", "",
         "column 4 (count): \"10KB\": expected a whole number of 0 or "
         "more; the unit \"KB\" is not understood (count takes 件, 行, 人, 名, "
         "枚, 通, 部, 冊, 回, 個, 頁)"},
        {"", "3件",
         "column 5 (bytes): \"3件\": expected a whole number of 0 or more; the unit "
         "\"件\" is not understood (bytes takes B, byte, bytes, バイト)"},
        {"", "99999999999999999999",
         "column 5 (bytes): \"99999999999999999999\": expected a whole "
         "number of 0 or more"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const tk_view r[] = {V("2024-10-01T09:00:00"), V("u"), V(""), V(refused[i].remark),
                             V(refused[i].bytes)};
        TK_CHECK_INT(tk_profile_row_apply(b, r, 5, &ev, &bad, &err), TK_EPARSE);
        TK_CHECK_STR(err.msg, refused[i].msg);
    }
    tk_profile_row_destroy(b);
    tk_profile_destroy(p);

    /* An empty map with an unmapped rule is the same rule. */
    static const char empty_map[] =
        "{\"profile\":\"n\",\"header\":false,\"system\":{\"value\":\"s\"},"
        "\"fields\":{\"time\":{\"column\":1,\"format\":\"iso8601\"},"
        "\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"},"
        "\"result\":{\"column\":3,\"map\":{},\"unmapped\":\"failure\",\"default\":\"success\"}}}";
    p = load(empty_map, &err);
    TK_REQUIRE(p != NULL);
    TK_REQUIRE(tk_profile_bind(&b, p, NULL, 3, TK_ENC_UTF8, NULL, NULL, &err) == TK_OK);
    const tk_view r1[] = {V("2024-10-01T09:00:00"), V("u"), V("9")};
    TK_REQUIRE(tk_profile_row_apply(b, r1, 3, &ev, &bad, &err) == TK_OK);
    TK_CHECK_INT(ev.result, TK_RESULT_FAILURE);
    const tk_view r2[] = {V("2024-10-01T09:00:00"), V("u"), V("")};
    TK_REQUIRE(tk_profile_row_apply(b, r2, 3, &ev, &bad, &err) == TK_OK);
    TK_CHECK_INT(ev.result, TK_RESULT_SUCCESS);
    tk_profile_row_destroy(b);
    tk_profile_destroy(p);
}

static void rejects_bad_profiles(void)
{
    static const struct {
        const char *json;
        const char *msg;
    } cases[] = {
        {"[1]", "profile test.json: (top level): must be a JSON object"},
        {"{\"profile\":\"a\",\"sytem\":{}}",
         "profile test.json: (top level).sytem: unknown key (see docs/profiles.md)"},
        {"{\"profile\":\"A b\"}", "profile test.json: profile: name \"A b\" must be 1-64 of "
                                  "[a-z0-9_-]"},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"user\":{\"column\":1},"
         "\"operation\":{\"value\":\"lookup\"}}}",
         "profile test.json: fields.time: is required"},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1},"
         "\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"}}}",
         "profile test.json: fields.time: time needs a format (docs/time-formats.md)"},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
         "\"format\":\"iso8601\"},\"user\":{\"column\":2},\"operation\":{\"column\":3,"
         "\"map\":{\"照会\":\"read\"}}}}",
         "profile test.json: fields.operation.map.照会: \"read\" is not a canonical operation "
         "(one of: lookup, search, add, update, delete, print, export, extract, issue, logon, "
         "logoff, logon_failure, media_copy, media_move, device_connect, device_disconnect, "
         "other)"},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
         "\"format\":\"iso8601\"},\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"},"
         "\"result\":{\"column\":3,\"map\":{\"正常\":\"ok\"}}}}",
         "profile test.json: fields.result.map.正常: \"ok\" is not a canonical result (success or "
         "failure)"},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
         "\"format\":\"iso8601\"},\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"},"
         "\"result\":{\"value\":\"成功\"}}}",
         "profile test.json: fields.result: \"成功\" is not a canonical result (success or "
         "failure)"},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
         "\"format\":\"iso8601\"},\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"},"
         "\"mynumber\":{\"column\":3,\"map\":{\"有\":\"yes\"}}}}",
         "profile test.json: fields.mynumber.map.有: \"yes\" is not a canonical mynumber value (1 "
         "or 0)"},
        {"{\"profile\":\"a\",\n  \"system\": {\"value\":\"s\"}\n  \"fields\": {}\n}",
         "profile test.json: not valid JSON at line 3, column 10: '}' expected near '\"fields\"'"},
        {"{\"profile\":\"a\",\n", "profile test.json: not valid JSON at line 2, column 1: string "
                                  "or '}' expected near end of file"},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
         "\"format\":\"iso8601\"},\"user\":{\"column\":2,\"optional\":true},"
         "\"operation\":{\"value\":\"lookup\"}}}",
         "profile test.json: fields.user: this field is required and cannot be optional"},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
         "\"format\":\"iso8601\"},\"user\":{\"column\":2,\"transform\":[{\"regex\":\"(\"}]},"
         "\"operation\":{\"value\":\"lookup\"}}}",
         NULL},
        {"{\"profile\":\"a\",\"encoding\":\"latin1\"}",
         "profile test.json: encoding: must be auto, utf-8, utf-8-bom or cp932 (shift_jis)"},
        {"{\"profile\":\"a\",\"header\":false,\"system\":{\"value\":\"s\"},\"fields\":{\"time\":"
         "{\"column\":\"日時\",\"format\":\"iso8601\"},\"user\":{\"column\":2},"
         "\"operation\":{\"value\":\"lookup\"}}}",
         "profile test.json: time: refers to a column by name but the profile has header: false"},
        {"{\"profile\":\"a\",", NULL},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
         "\"format\":\"iso8601\"},\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"},"
         "\"result\":{\"column\":3,\"map\":{}}}}",
         "profile test.json: fields.result: an empty map needs an unmapped rule (e.g. "
         "\"unmapped\": \"failure\" with \"default\": \"success\": empty means success, any other "
         "value failure)"},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
         "\"format\":\"iso8601\"},\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"},"
         "\"result\":{\"column\":3,\"unmapped\":\"error\"}}}",
         "profile test.json: fields.result.unmapped: \"error\" with no map entries would refuse "
         "every value; give map entries, \"keep\" or a replacement value"},
        {"{\"profile\":\"a\",\"system\":{\"value\":\"s\"},\"fields\":{\"time\":{\"column\":1,"
         "\"format\":\"iso8601\"},\"user\":{\"column\":2},\"operation\":{\"value\":\"lookup\"},"
         "\"count\":{\"column\":3,\"transform\":[{\"regex\":\"=([0-9]+)\",\"on_no_match\":"
         "\"zero\"}]}}}",
         "profile test.json: fields.count.transform[0].on_no_match must be \"error\" (the row is "
         "bad) or \"empty\" (the value becomes empty)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tk_error err = {0, ""};
        tk_profile *p = load(cases[i].json, &err);
        TK_CHECK(p == NULL);
        TK_CHECK(err.code == TK_EPROFILE || err.code == TK_EPARSE);
        if (cases[i].msg)
            TK_CHECK_STR(err.msg, cases[i].msg);
        else
            TK_CHECK(err.msg[0] != '\0');
        tk_profile_destroy(p);
    }
}

static void allocation_failures(void)
{
#ifdef TK_TESTING
    for (unsigned long n = 1;; n++) {
        tk_error err = {0, ""};
        tk_alloc_fail_at(n);
        tk_profile *p = NULL;
        const int rc = tk_profile_parse(&p, juki, strlen(juki), "t", &err);
        tk_alloc_fail_at(0);
        if (rc == TK_OK) {
            tk_profile_destroy(p);
            break;
        }
        TK_CHECK(p == NULL);
        TK_REQUIRE(n < 10000);
    }
#endif
}

int main(void)
{
    TK_RUN(loads_and_matches);
    TK_RUN(applies_a_row);
    TK_RUN(row_errors_name_column_and_value);
    TK_RUN(missing_column_lists_header);
    TK_RUN(missing_column_lists_a_wide_header);
    TK_RUN(row_error_lists_the_operations);
    TK_RUN(split_wareki_and_cp932);
    TK_RUN(undecided_encoding_decides_on_first_high_byte);
    TK_RUN(default_is_final_value);
    TK_RUN(terminal_address_field);
    TK_RUN(numbers_and_unmapped_only);
    TK_RUN(rejects_bad_profiles);
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
