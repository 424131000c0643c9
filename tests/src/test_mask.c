/* tests/src/test_mask.c -- masking of values that may identify a resident:
 * by characters, never cutting a UTF-8 sequence, full-width digits counted
 * as digits, and the cells of a header line that may be a data row. */
#include "src/mask.h"

#include <string.h>

#include "tests/test.h"

static const char *mask(const char *s)
{
    static char out[TK_MASK_SIZE];
    tk_mask_value(s, strlen(s), out);
    return out;
}

/* 1 if s is well-formed UTF-8. */
static int valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC2 ? 2 : 0;
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

/* Long identifiers keep 2 characters at each end, ASCII or full-width. */
static void identifiers_keep_two_at_each_end(void)
{
    TK_CHECK_STR(mask("0000412383"), "00******83");
    TK_CHECK_STR(mask("００００４１２３８４"), "００******８４");
    TK_CHECK_STR(mask("00412383"), "00****83");
    TK_CHECK_STR(mask("AB-1234567"), "AB******67");
    TK_CHECK_STR(mask("ＡＢ１２３４５６"), "ＡＢ****５６");
    /* Mixed widths are one identifier too. */
    TK_CHECK_STR(mask("12３４56７８90"), "12******90");
}

/* Shorter identifiers, names, addresses and dates are masked whole, one
 * '*' per character. */
static void other_values_are_masked_whole(void)
{
    TK_CHECK_STR(mask("412383X"), "*******");
    TK_CHECK_STR(mask("８８３９２１Ｋ"), "*******");
    TK_CHECK_STR(mask("1234"), "****");
    TK_CHECK_STR(mask("ヤマダ タロウ"), "*******");
    TK_CHECK_STR(mask("梅田一丁目"), "*****");
    TK_CHECK_STR(mask("2024/10/01"), "**********");
    TK_CHECK_STR(mask("0000 412383"), "***********");
    TK_CHECK_STR(mask(""), "");
}

/* At most 16 '*': a long value shows neither its middle nor its length. */
static void long_values_are_capped(void)
{
    TK_CHECK_STR(mask("12345678901234567890123456789012"), "12****************12");
    TK_CHECK_STR(mask("大阪府大阪市北区梅田一丁目二番三号グランドビル"), "****************");
    char big[601];
    for (size_t i = 0; i < 200; i++)
        memcpy(big + 3 * i, "９", 3);
    big[600] = '\0';
    TK_CHECK_STR(mask(big), "９９****************９９");
}

/* Bytes that are not UTF-8 count as characters of their own and never come
 * out: the result is valid UTF-8 whatever the input. */
static void invalid_bytes_never_come_out(void)
{
    TK_CHECK_STR(mask("00\xff\xfe"
                      "123456"),
                 "**********");
    TK_CHECK_STR(mask("\xef\xbc"), "**");
    /* The first byte of a full-width digit cut off at the end. */
    TK_CHECK_STR(mask("0000412383\xef\xbc"), "************");
    const char *cuts[] = {"０００４１２３８４", "ヤマダ", "0000412383"};
    for (size_t c = 0; c < 3; c++) {
        for (size_t n = 0; n <= strlen(cuts[c]); n++) {
            char out[TK_MASK_SIZE];
            tk_mask_value(cuts[c], n, out);
            TK_CHECK(valid_utf8(out));
        }
    }
}

static void digits_and_identifiers(void)
{
    TK_CHECK_INT(tk_mask_has_digit("備考1", strlen("備考1")), 1);
    TK_CHECK_INT(tk_mask_has_digit("備考１", strlen("備考１")), 1);
    TK_CHECK_INT(tk_mask_has_digit("一丁目", strlen("一丁目")), 0);
    TK_CHECK_INT(tk_mask_is_identifier("A123456", 7), 1);
    TK_CHECK_INT(tk_mask_is_identifier("８８３９２１Ｋ", strlen("８８３９２１Ｋ")), 1);
    TK_CHECK_INT(tk_mask_is_identifier("備考1", strlen("備考1")), 0);
    TK_CHECK_INT(tk_mask_is_identifier("USER", 4), 0);
    TK_CHECK_INT(tk_mask_is_identifier("", 0), 0);
}

static int known(const void *ctx, const char *cell)
{
    for (const char *const *n = ctx; *n != NULL; n++) {
        if (strcmp(*n, cell) == 0)
            return 1;
    }
    return 0;
}

static const char *const names[] = {"宛名番号", "職員ID", NULL};

/* A line with a known name is a header: its names are listed, identifier-
 * like cells masked. */
static void a_header_with_a_typo_keeps_its_names(void)
{
    const char *cells[] = {"日時", "職員ID", "備考1", "A1234567", "0000412383"};
    char out[256];
    int rec = -1;
    TK_CHECK_INT(tk_mask_header_join(out, sizeof out, cells, 5, known, names, &rec, NULL), TK_OK);
    TK_CHECK_INT(rec, 1);
    TK_CHECK_STR(out, "日時, 職員ID, 備考1, A1****67, 00******83");
    /* No digit anywhere: a header of another system. */
    const char *other[] = {"time", "user", "op"};
    TK_CHECK_INT(tk_mask_header_join(out, sizeof out, other, 3, known, names, &rec, NULL), TK_OK);
    TK_CHECK_INT(rec, 1);
    TK_CHECK_STR(out, "time, user, op");
}

/* The first row of a residents master without a header: every cell
 * masked, the kana name and the address included. */
static void a_data_row_is_masked_whole(void)
{
    const char *cells[] = {"0000412383", "００００９０００１７", "梅田一丁目", "ヤマダ タロウ"};
    char out[256];
    int rec = -1;
    TK_CHECK_INT(tk_mask_header_join(out, sizeof out, cells, 4, known, names, &rec, NULL), TK_OK);
    TK_CHECK_INT(rec, 0);
    TK_CHECK_STR(out, "00******83, ００******１７, *****, *******");
    TK_CHECK_INT(tk_mask_header_clear("宛名番号", 0, known, names), 1);
    TK_CHECK_INT(tk_mask_header_clear("ヤマダ タロウ", 0, known, names), 0);
}

/* Many columns: whole items, then "(and N more)", as tk_error_join(). */
static void a_long_line_ends_with_a_count(void)
{
    const char *cells[300];
    for (size_t i = 0; i < 300; i++)
        cells[i] = "0000412383";
    char out[256];
    TK_CHECK_INT(tk_mask_header_join(out, sizeof out, cells, 300, known, names, NULL, NULL), TK_OK);
    TK_CHECK(strncmp(out, "00******83, 00******83, ", 24) == 0);
    TK_CHECK(strstr(out, " more)") != NULL);
    TK_CHECK(strstr(out, "0000412383") == NULL);
}

int main(void)
{
    TK_RUN(identifiers_keep_two_at_each_end);
    TK_RUN(other_values_are_masked_whole);
    TK_RUN(long_values_are_capped);
    TK_RUN(invalid_bytes_never_come_out);
    TK_RUN(digits_and_identifiers);
    TK_RUN(a_header_with_a_typo_keeps_its_names);
    TK_RUN(a_data_row_is_masked_whole);
    TK_RUN(a_long_line_ends_with_a_count);
    TK_TEST_END();
}
