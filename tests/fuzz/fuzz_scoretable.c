/* tests/fuzz/fuzz_scoretable.c -- libFuzzer target for the score-table path.
 *
 * The first byte chooses the read size and whether a column named "label"
 * is excluded; the rest is the CSV text given to tk_matrix_read_csv(). A
 * failure must come with its code and a one-line message. A table that is
 * read must be rectangular with named columns and finite values; when it is
 * small it is then scored the way `tenken score-table` does with both
 * models: isolation-forest scores must lie in (0, 1] and Mahalanobis
 * distances must be >= 0 and never NaN (+inf is allowed for overflow), or
 * the model must fail with a message. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/iforest.h"
#include "models/mahalanobis.h"
#include "models/matrix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct src {
    const char *p;
    size_t len, off, chunk;
} src;

static long read_chunk(void *ctx, char *buf, size_t cap)
{
    src *const s = ctx;
    size_t n = s->len - s->off;
    n = n > s->chunk ? s->chunk : n;
    n = n > cap ? cap : n;
    memcpy(buf, s->p + s->off, n);
    s->off += n;
    return (long)n;
}

static void check_error(int rc, const tk_error *err)
{
    if (rc >= 0 || err->code != rc || err->msg[0] == '\0' || strchr(err->msg, '\n') != NULL)
        abort();
}

static void score(const tk_matrix *m)
{
    const size_t n = tk_matrix_rows(m), d = tk_matrix_cols(m);
    const double *const x = tk_matrix_data(m);
    double *const s = malloc(n * sizeof *s);
    if (s == NULL)
        abort();
    tk_error err = {0, ""};
    tk_iforest_options fo = TK_IFOREST_OPTIONS_INIT;
    fo.trees = 4;
    fo.sample_size = 16;
    fo.threads = 1;
    tk_iforest *f = NULL;
    int rc = tk_iforest_create(&f, x, n, d, &fo, &err);
    if (rc == TK_OK) {
        if (tk_iforest_score(f, x, n, s, &err) != TK_OK)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (!(s[i] > 0.0 && s[i] <= 1.0))
                abort();
        }
        tk_iforest_destroy(f);
    } else {
        check_error(rc, &err);
        if (n >= 2)
            abort(); /* finite values and two rows always fit */
    }
    tk_mahalanobis *mh = NULL;
    rc = tk_mahalanobis_create(&mh, x, n, d, NULL, &err);
    if (rc == TK_OK) {
        if (tk_mahalanobis_score(mh, x, n, s, NULL, &err) != TK_OK)
            abort();
        for (size_t i = 0; i < n; i++) {
            if (isnan(s[i]) || s[i] < 0.0)
                abort();
        }
        tk_mahalanobis_destroy(mh);
    } else {
        check_error(rc, &err);
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const label[] = {"label"};
    if (size < 1)
        return 0;
    src s = {(const char *)data + 1, size - 1, 0, 1 + (size_t)(data[0] & 0x3F)};
    tk_matrix_csv_options o = TK_MATRIX_CSV_OPTIONS_INIT;
    if (data[0] & 0x40) {
        o.exclude = label;
        o.nexclude = 1;
    }
    tk_matrix *m = NULL;
    tk_error err = {0, ""};
    const int rc = tk_matrix_read_csv(&m, read_chunk, &s, &o, &err);
    if (rc != TK_OK) {
        if (m != NULL)
            abort();
        check_error(rc, &err);
        return 0;
    }
    const size_t n = tk_matrix_rows(m), d = tk_matrix_cols(m);
    if (n == 0 || d == 0)
        abort();
    for (size_t j = 0; j < d; j++) {
        const char *const name = tk_matrix_colname(m, j);
        if (name == NULL || (o.nexclude == 1 && strcmp(name, "label") == 0))
            abort();
    }
    for (size_t i = 0; i < n * d; i++) {
        if (!isfinite(tk_matrix_data(m)[i]))
            abort();
    }
    if (n <= 300 && d <= 16)
        score(m);
    tk_matrix_destroy(m);
    return 0;
}
