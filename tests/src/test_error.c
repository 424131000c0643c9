/* tests/src/test_error.c -- tk_error formatting: messages are never cut
 * inside a character, always valid UTF-8 on one line, and lists end with
 * "(and N more)" rather than half a name. */
#include "src/error.h"

#include <string.h>

#include "tests/test.h"

#define ELLIPSIS "\xE2\x80\xA6"

/* 1 if s is valid UTF-8 without control characters. */
static int clean_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20)
            return 0;
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t n = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC2 ? 2 : 0;
        if (n == 0 || *p > 0xF4)
            return 0;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
        }
        p += n;
    }
    return 1;
}

static int ends_with(const char *s, const char *tail)
{
    const size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

static void short_message_is_kept_whole(void)
{
    tk_error err;
    TK_CHECK_INT(tk_error_set(&err, TK_EPARSE, "column %s: \"%s\": %s", "操作日時", "2024/13/01",
                              "month 13 out of range"),
                 TK_EPARSE);
    TK_CHECK_INT(err.code, TK_EPARSE);
    TK_CHECK_STR(err.msg, "column 操作日時: \"2024/13/01\": month 13 out of range");
    TK_CHECK_INT(tk_error_set(NULL, TK_EIO, "x"), TK_EIO);
}

/* 700 three-byte characters (2,100 bytes) do not fit 2,048: the message
 * ends with whole characters and the ellipsis, at every alignment. */
static void long_japanese_message_ends_at_a_character(void)
{
    static char text[2200];
    for (size_t shift = 0; shift < 3; shift++) {
        size_t n = 0;
        for (size_t i = 0; i < shift; i++)
            text[n++] = 'a';
        for (size_t i = 0; i < 700; i++) {
            memcpy(text + n, "職", 3);
            n += 3;
        }
        text[n] = '\0';
        tk_error err;
        tk_error_set(&err, TK_EPROFILE, "%s", text);
        TK_CHECK(clean_utf8(err.msg));
        TK_CHECK(ends_with(err.msg, "職" ELLIPSIS));
        TK_CHECK(strlen(err.msg) < sizeof err.msg);
        TK_CHECK(strlen(err.msg) > sizeof err.msg - 8);
    }
}

/* A precision that cuts a character, a stray CP932 byte and a line end in
 * a quoted value never reach the reader as broken text. */
static void broken_bytes_and_line_ends_are_cleaned(void)
{
    tk_error err;
    tk_error_set(&err, TK_EINVAL, "unknown kind \"%.4s\"", "あい");
    TK_CHECK_STR(err.msg, "unknown kind \"あ?\"");
    tk_error_set(&err, TK_EPARSE, "value \"%s\"",
                 "\x82\xa0"
                 "複数行\r\nの備考");
    TK_CHECK_STR(err.msg, "value \"??複数行  の備考\"");
    TK_CHECK(clean_utf8(err.msg));
    /* Overlong, surrogate and out-of-range forms are not characters. */
    tk_error_set(&err, TK_EPARSE, "%s", "\xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80");
    TK_CHECK_STR(err.msg, "?? ??? ????");
}

static void prefix_keeps_the_prefix_and_cuts_the_rest(void)
{
    tk_error err;
    tk_error_set(&err, TK_EPROFILE, "column \"操作日時\" is not in the header");
    tk_error_prefix(&err, "%s", "logs/juki_2024-10.csv");
    TK_CHECK_STR(err.msg, "logs/juki_2024-10.csv: column \"操作日時\" is not in the header");
    TK_CHECK_INT(err.code, TK_EPROFILE);

    char text[1500];
    size_t n = 0;
    while (n + 3 < sizeof text) {
        memcpy(text + n, "端", 3);
        n += 3;
    }
    text[n] = '\0';
    tk_error_set(&err, TK_EPROFILE, "%s", text);
    tk_error_prefix(&err, "file %s", text);
    TK_CHECK(clean_utf8(err.msg));
    TK_CHECK(strncmp(err.msg, "file ", 5) == 0);
    TK_CHECK(strstr(err.msg, ": 端") != NULL);
    TK_CHECK(ends_with(err.msg, "端" ELLIPSIS));
    tk_error_prefix(NULL, "x");
}

static const char *const header40[40] = {
    "操作日時",        "職員番号",  "職員氏名",    "所属名称",      "端末名称",
    "端末IPアドレス",  "業務名称",  "機能名称",    "操作区分",      "処理結果",
    "宛名番号",        "世帯番号",  "対象者氏名",  "対象者住所",    "出力件数",
    "出力先",          "備考欄",    "ログ種別",    "セッションID",  "サーバ名",
    "操作日時2",       "職員番号2", "職員氏名2",   "所属名称2",     "端末名称2",
    "端末IPアドレス2", "業務名称2", "機能名称2",   "操作区分2",     "処理結果2",
    "宛名番号2",       "世帯番号2", "対象者氏名2", "対象者住所2",   "出力件数2",
    "出力先2",         "備考欄2",   "ログ種別2",   "セッションID2", "サーバ名2"};

/* A 40-column Japanese header is listed whole; a message built on it too. */
static void join_lists_a_forty_column_header(void)
{
    char list[1024];
    TK_CHECK_INT(tk_error_join(list, sizeof list, header40, 40), 40);
    TK_CHECK(strncmp(list, "操作日時, 職員番号, 職員氏名, 所属名称, ", 40) == 0);
    TK_CHECK(ends_with(list, ", ログ種別2, セッションID2, サーバ名2"));
    tk_error err;
    tk_error_set(
        &err, TK_EPROFILE,
        "logs/juki_2024-10.csv: profile juki: column \"日時\" (time) is not in the header; "
        "the header has: %s",
        list);
    TK_CHECK(ends_with(err.msg, "the header has: 操作日時, 職員番号, 職員氏名, 所属名称, 端末名称, "
                                "端末IPアドレス, 業務名称, 機能名称, 操作区分, 処理結果, 宛名番号, "
                                "世帯番号, 対象者氏名, 対象者住所, 出力件数, 出力先, 備考欄, "
                                "ログ種別, セッションID, サーバ名, 操作日時2, 職員番号2, "
                                "職員氏名2, 所属名称2, 端末名称2, 端末IPアドレス2, 業務名称2, "
                                "機能名称2, 操作区分2, 処理結果2, 宛名番号2, 世帯番号2, "
                                "対象者氏名2, 対象者住所2, 出力件数2, 出力先2, 備考欄2, "
                                "ログ種別2, セッションID2, サーバ名2"));
}

/* Too many names for the buffer: whole names, then how many are left. */
static void join_counts_what_does_not_fit(void)
{
    char list[200];
    const size_t k = tk_error_join(list, sizeof list, header40, 40);
    TK_CHECK(k > 5 && k < 40);
    char tail[40];
    snprintf(tail, sizeof tail, ", %s (and %zu more)", header40[k - 1], 40 - k);
    TK_CHECK(ends_with(list, tail));
    TK_CHECK(clean_utf8(list));
    TK_CHECK(strlen(list) < sizeof list);

    /* A first name longer than the buffer is cut at a character. */
    char big[300];
    size_t n = 0;
    while (n + 3 < sizeof big) {
        memcpy(big + n, "名", 3);
        n += 3;
    }
    big[n] = '\0';
    const char *const two[] = {big, "x"};
    char out[100];
    TK_CHECK_INT(tk_error_join(out, sizeof out, two, 2), 1);
    TK_CHECK(ends_with(out, "名" ELLIPSIS " (and 1 more)"));
    TK_CHECK(clean_utf8(out));

    const char *const none[] = {NULL};
    TK_CHECK_INT(tk_error_join(out, sizeof out, none, 0), 0);
    TK_CHECK_STR(out, "");
    TK_CHECK_INT(tk_error_join(out, sizeof out, none, 1), 1);
    TK_CHECK_STR(out, "");
}

int main(void)
{
    TK_RUN(short_message_is_kept_whole);
    TK_RUN(long_japanese_message_ends_at_a_character);
    TK_RUN(broken_bytes_and_line_ends_are_cleaned);
    TK_RUN(prefix_keeps_the_prefix_and_cuts_the_rest);
    TK_RUN(join_lists_a_forty_column_header);
    TK_RUN(join_counts_what_does_not_fit);
    TK_TEST_END();
}
