/* tests/src/test_event.c -- the operation vocabulary: every operation has
 * a canonical name that parses back to it and a Japanese label for the
 * reports and the UI; out-of-range values and unknown names are refused. */
#include <string.h>

#include "src/event.h"
#include "tests/test.h"

static void test_names_round_trip(void)
{
    for (int op = 0; op < TK_OP_COUNT_; op++) {
        const char *name = tk_op_name(op);
        TK_REQUIRE(name != NULL);
        TK_CHECK(tk_op_parse(name, strlen(name)) == op);
    }
    TK_CHECK(tk_op_name(-1) == NULL);
    TK_CHECK(tk_op_name(TK_OP_COUNT_) == NULL);
    TK_CHECK(tk_op_parse("照会", strlen("照会")) == -1);
    TK_CHECK(tk_op_parse("look", 4) == -1);
}

static void test_japanese_labels(void)
{
    for (int op = 0; op < TK_OP_COUNT_; op++) {
        const char *ja = tk_op_label_ja(op);
        TK_REQUIRE(ja != NULL);
        TK_CHECK(ja[0] != '\0');
        /* A label is Japanese, never the canonical English name. */
        TK_CHECK(strcmp(ja, tk_op_name(op)) != 0);
        for (int other = 0; other < op; other++)
            TK_CHECK(strcmp(ja, tk_op_label_ja(other)) != 0);
    }
    TK_CHECK_STR(tk_op_label_ja(TK_OP_LOOKUP), "照会");
    TK_CHECK_STR(tk_op_label_ja(TK_OP_MEDIA_COPY), "媒体へ複製");
    TK_CHECK(tk_op_label_ja(TK_OP_COUNT_) == NULL);
}

int main(void)
{
    TK_RUN(test_names_round_trip);
    TK_RUN(test_japanese_labels);
    TK_TEST_END();
}
