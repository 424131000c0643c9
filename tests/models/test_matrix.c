/* tests/models/test_matrix.c -- matrix and numeric CSV table reader.
 *
 * Tables are given as strings through a read callback that hands out a few
 * bytes at a time, so records straddle reads. Checked: values and column
 * names in order with excluded columns left out, blank lines skipped, and
 * the exact message of each error (not a number, unknown column to
 * exclude, nothing left, ragged record, no data), with the file name added
 * by tk_matrix_load_csv(); and every allocation failure. */
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/matrix.h"
#include "src/alloc.h"
#include "tests/test.h"

typedef struct src {
    const char *p;
    size_t len, off;
} src;

static long read_some(void *ctx, char *buf, size_t cap)
{
    src *const s = ctx;
    size_t n = s->len - s->off;
    n = n > 5 ? 5 : n;
    n = n > cap ? cap : n;
    memcpy(buf, s->p + s->off, n);
    s->off += n;
    return (long)n;
}

static int read_table(tk_matrix **m, const char *text, const char *const *exclude, size_t nexclude,
                      tk_error *err)
{
    src s = {text, strlen(text), 0};
    tk_matrix_csv_options o = TK_MATRIX_CSV_OPTIONS_INIT;
    o.exclude = exclude;
    o.nexclude = nexclude;
    return tk_matrix_read_csv(m, read_some, &s, &o, err);
}

static void reads_values_and_names(void)
{
    static const char *const ex[] = {"label", "id"};
    tk_matrix *m = NULL;
    tk_error err = {0, ""};
    TK_REQUIRE(read_table(&m,
                          "id,bytes,label,\"dur,s\"\r\n"
                          "a,1.5,0,2\r\n"
                          "\r\n"
                          "b,-3e2,1,\"0.25\"\r\n"
                          "c,7,0,+4\r\n",
                          ex, 2, &err) == TK_OK);
    TK_CHECK_INT(tk_matrix_rows(m), 3);
    TK_CHECK_INT(tk_matrix_cols(m), 2);
    TK_CHECK_STR(tk_matrix_colname(m, 0), "bytes");
    TK_CHECK_STR(tk_matrix_colname(m, 1), "dur,s");
    TK_CHECK(tk_matrix_colname(m, 2) == NULL);
    const double want[6] = {1.5, 2, -300, 0.25, 7, 4};
    TK_CHECK(memcmp(tk_matrix_data(m), want, sizeof want) == 0);
    tk_matrix_destroy(m);
}

static void errors(void)
{
    tk_matrix *m = (tk_matrix *)1;
    tk_error err = {0, ""};
    TK_CHECK_INT(read_table(&m, "a,b\n1,2\n3,x7\n", NULL, 0, &err), TK_EPARSE);
    TK_CHECK(m == NULL);
    TK_CHECK_STR(err.msg, "record 3 (line 3), column 2 \"b\": not a number: \"x7\"");
    TK_CHECK_INT(read_table(&m, "a,b\n1,nan\n", NULL, 0, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "record 2 (line 2), column 2 \"b\": not a number: \"nan\"");
    TK_CHECK_INT(read_table(&m, "a,b\n1,\n", NULL, 0, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "record 2 (line 2), column 2 \"b\": not a number: \"\"");
    /* Control bytes are escaped and long values cut. */
    TK_CHECK_INT(read_table(&m, "a\n\"1\t2\"\n", NULL, 0, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "record 2 (line 2), column 1 \"a\": not a number: \"1\\x092\"");
    TK_CHECK_INT(
        read_table(&m, "a\nx123456789012345678901234567890123456789012345\n", NULL, 0, &err),
        TK_EPARSE);
    TK_CHECK(strstr(err.msg, "\"x123456789012345678901234567890123456789...\"") != NULL);

    static const char *const label[] = {"label"};
    TK_CHECK_INT(read_table(&m, "a,b\n1,2\n", label, 1, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "column \"label\" to exclude is not in the header");
    TK_CHECK_INT(read_table(&m, "label\n1\n", label, 1, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "no column is left once the excluded ones are gone");
    TK_CHECK_INT(read_table(&m, "a,b\n1,2\n3\n", NULL, 0, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "record 3 (line 3): expected 2 fields, found 1");
    TK_CHECK_INT(read_table(&m, "a,b\n", NULL, 0, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "no data rows after the header");
    TK_CHECK_INT(read_table(&m, "", NULL, 0, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "no header: the table is empty");
    TK_CHECK(m == NULL);
}

static void max_rows(void)
{
    tk_matrix *m = NULL;
    tk_error err = {0, ""};
    src s = {"a\n1\n2\n3\n", 8, 0};
    tk_matrix_csv_options o = TK_MATRIX_CSV_OPTIONS_INIT;
    o.max_rows = 2;
    TK_CHECK_INT(tk_matrix_read_csv(&m, read_some, &s, &o, &err), TK_ERANGE);
    TK_CHECK_STR(err.msg, "more than 2 data rows");
}

static void load_names_the_file(void)
{
    char path[4096];
    mkdir(tk_test_tmpdir(), 0755);
    snprintf(path, sizeof path, "%s/test_matrix-%ld.csv", tk_test_tmpdir(), (long)getpid());
    FILE *f = fopen(path, "w");
    TK_REQUIRE(f != NULL);
    fputs("x,y\n1,2\n3,4,5\n", f);
    fclose(f);
    tk_matrix *m = NULL;
    tk_error err = {0, ""};
    TK_CHECK_INT(tk_matrix_load_csv(&m, path, NULL, &err), TK_EPARSE);
    char want[4200];
    snprintf(want, sizeof want, "%s: record 3 (line 3): expected 2 fields, found 3", path);
    TK_CHECK_STR(err.msg, want);
    remove(path);
    TK_CHECK_INT(tk_matrix_load_csv(&m, path, NULL, &err), TK_EIO);
    TK_CHECK(strstr(err.msg, "cannot open") != NULL);
}

static void create_zeroed(void)
{
    tk_matrix *m = NULL;
    tk_error err;
    TK_REQUIRE(tk_matrix_create(&m, 3, 2, &err) == TK_OK);
    TK_CHECK_INT(tk_matrix_rows(m), 3);
    for (size_t i = 0; i < 6; i++)
        TK_CHECK(tk_matrix_data(m)[i] == 0.0);
    tk_matrix_data_mut(m)[5] = 2.385;
    TK_CHECK(tk_matrix_data(m)[5] == 2.385);
    tk_matrix_destroy(m);
    TK_CHECK_INT(tk_matrix_create(&m, 3, 0, &err), TK_EINVAL);
    TK_CHECK_INT(tk_matrix_create(&m, (size_t)-1 / 2, 3, &err), TK_ERANGE);
}

static void allocation_failures(void)
{
    static const char *const ex[] = {"label"};
    int rc = TK_ENOMEM;
    unsigned long at;
    for (at = 1; at < 200 && rc == TK_ENOMEM; at++) {
        tk_matrix *m = (tk_matrix *)1;
        tk_error err = {0, ""};
        tk_alloc_fail_at(at);
        rc = read_table(&m, "a,label,b\n1,0,2\n3,1,4\n5,0,6\n", ex, 1, &err);
        tk_alloc_fail_at(0);
        if (rc == TK_ENOMEM) {
            TK_CHECK(m == NULL);
        } else {
            TK_CHECK_INT(rc, TK_OK);
            TK_CHECK_INT(tk_matrix_rows(m), 3);
            tk_matrix_destroy(m);
        }
    }
    TK_CHECK(at > 5);
}

int main(void)
{
    TK_RUN(reads_values_and_names);
    TK_RUN(errors);
    TK_RUN(max_rows);
    TK_RUN(load_names_the_file);
    TK_RUN(create_zeroed);
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
