/* models/matrix.c -- dense matrix and numeric CSV table reader.
 *
 * Approach. The reader pulls records from src/csv.h. The header fixes the
 * width (the parser's strict field count then rejects any other width) and
 * is turned into a keep-map: for each CSV field, the matrix column it goes
 * to, or NONE when the column is excluded. Values are appended to one
 * row-major array that doubles its capacity when full, so reading n rows
 * costs O(n) copies in total and one allocation every doubling; nothing is
 * allocated per row. Sizes derived from the input go through the checked
 * helpers of src/checked.h.
 *
 * Messages quote the offending cell and column name, which come from the
 * file: bytes below 0x20 and 0x7F are written as \xNN and long values are
 * cut, so a message stays one readable line whatever the file holds. */
#include "models/matrix.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"

#define NONE SIZE_MAX

struct tk_matrix {
    size_t rows, cols;
    size_t cap_rows; /* rows the data array has room for */
    double *data;
    char **names; /* cols names, or NULL */
};

int tk_matrix_create(tk_matrix **out, size_t rows, size_t cols, tk_error *err)
{
    size_t bytes;
    *out = NULL;
    if (cols == 0)
        return tk_error_set(err, TK_EINVAL, "a matrix needs at least one column");
    if (!tk_mul_size(rows, cols, &bytes) || !tk_mul_size(bytes, sizeof(double), &bytes))
        return tk_error_set(err, TK_ERANGE, "a %zu x %zu matrix is too large", rows, cols);
    tk_matrix *const m = tk_calloc(1, sizeof *m);
    if (m == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for a matrix");
    m->rows = rows;
    m->cols = cols;
    m->cap_rows = rows;
    if (rows > 0) {
        m->data = tk_calloc(rows * cols, sizeof(double));
        if (m->data == NULL) {
            tk_free(m);
            return tk_error_set(err, TK_ENOMEM, "out of memory for a %zu x %zu matrix", rows, cols);
        }
    }
    *out = m;
    return TK_OK;
}

void tk_matrix_destroy(tk_matrix *m)
{
    if (m == NULL)
        return;
    if (m->names != NULL) {
        for (size_t j = 0; j < m->cols; j++)
            tk_free(m->names[j]);
        tk_free(m->names);
    }
    tk_free(m->data);
    tk_free(m);
}

size_t tk_matrix_rows(const tk_matrix *m)
{
    return m->rows;
}

size_t tk_matrix_cols(const tk_matrix *m)
{
    return m->cols;
}

const double *tk_matrix_data(const tk_matrix *m)
{
    return m->data;
}

double *tk_matrix_data_mut(tk_matrix *m)
{
    return m->data;
}

const char *tk_matrix_colname(const tk_matrix *m, size_t j)
{
    return m->names != NULL && j < m->cols ? m->names[j] : NULL;
}

/* ---- reading a table --------------------------------------------------- */

/* Writes p[0..len) into out (cap >= 8) for a message: control bytes as
 * \xNN, at most about 40 input bytes, "..." when cut. Always terminated. */
static void quote_bytes(const char *p, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    const size_t limit = 40;
    size_t i = 0;
    for (; i < len && i < limit; i++) {
        const unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7F) {
            if (o + 5 >= cap)
                break;
            snprintf(out + o, cap - o, "\\x%02x", c);
            o += 4;
        } else {
            if (o + 2 >= cap)
                break;
            out[o++] = (char)c;
        }
    }
    if (i < len && o + 4 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* State of one read, freed by reader_dispose(). */
typedef struct reader {
    size_t nfields; /* fields per record, from the header */
    size_t *dest;   /* per field: matrix column or NONE */
    char **fnames;  /* per field: header name */
    tk_matrix *m;
} reader;

static void reader_dispose(reader *r)
{
    if (r->fnames != NULL) {
        for (size_t i = 0; i < r->nfields; i++)
            tk_free(r->fnames[i]);
        tk_free(r->fnames);
    }
    tk_free(r->dest);
    tk_matrix_destroy(r->m);
}

static int name_is(const char *name, const tk_csv_field *f)
{
    return strlen(name) == f->len && memcmp(name, f->p, f->len) == 0;
}

static int read_header(reader *r, const tk_csv_field *f, size_t n, const tk_matrix_csv_options *o,
                       tk_error *err)
{
    r->nfields = n;
    r->dest = tk_calloc(n, sizeof *r->dest);
    r->fnames = tk_calloc(n, sizeof *r->fnames);
    if (r->dest == NULL || r->fnames == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for a header of %zu columns", n);
    for (size_t i = 0; i < n; i++) {
        r->fnames[i] = tk_strndup(f[i].p, f[i].len);
        if (r->fnames[i] == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory for the header");
    }
    for (size_t k = 0; k < o->nexclude; k++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= name_is(o->exclude[k], &f[i]);
        if (!found) {
            char q[128];
            quote_bytes(o->exclude[k], strlen(o->exclude[k]), q, sizeof q);
            return tk_error_set(err, TK_ENOTFOUND, "column \"%s\" to exclude is not in the header",
                                q);
        }
    }
    size_t cols = 0;
    for (size_t i = 0; i < n; i++) {
        int excluded = 0;
        for (size_t k = 0; k < o->nexclude; k++)
            excluded |= name_is(o->exclude[k], &f[i]);
        r->dest[i] = excluded ? NONE : cols++;
    }
    if (cols == 0)
        return tk_error_set(err, TK_ENOTFOUND, "no column is left once the excluded ones are gone");
    int rc = tk_matrix_create(&r->m, 0, cols, err);
    if (rc != TK_OK)
        return rc;
    r->m->names = tk_calloc(cols, sizeof *r->m->names);
    if (r->m->names == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for column names");
    for (size_t i = 0; i < n; i++) {
        if (r->dest[i] == NONE)
            continue;
        r->m->names[r->dest[i]] = tk_strndup(f[i].p, f[i].len);
        if (r->m->names[r->dest[i]] == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory for column names");
    }
    return TK_OK;
}

/* Makes room for one more row. */
static int grow(tk_matrix *m, size_t max_rows, tk_error *err)
{
    if (m->rows < m->cap_rows)
        return TK_OK;
    if (m->rows >= max_rows)
        return tk_error_set(err, TK_ERANGE, "more than %zu data rows", max_rows);
    size_t cap = m->cap_rows < 64 ? 64 : m->cap_rows * 2, bytes;
    if (cap > max_rows)
        cap = max_rows;
    if (!tk_mul_size(cap, m->cols, &bytes) || !tk_mul_size(bytes, sizeof(double), &bytes))
        return tk_error_set(err, TK_ERANGE, "a table of %zu x %zu values is too large", cap,
                            m->cols);
    double *const d = tk_realloc(m->data, bytes);
    if (d == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for %zu rows of %zu values", cap,
                            m->cols);
    m->data = d;
    m->cap_rows = cap;
    return TK_OK;
}

static int read_row(reader *r, const tk_csv *csv, const tk_csv_field *f, size_t max_rows,
                    tk_error *err)
{
    tk_matrix *const m = r->m;
    const int rc = grow(m, max_rows, err);
    if (rc != TK_OK)
        return rc;
    double *const row = m->data + m->rows * m->cols;
    for (size_t i = 0; i < r->nfields; i++) {
        if (r->dest[i] == NONE)
            continue;
        if (!tk_parse_f64(f[i].p, f[i].len, &row[r->dest[i]])) {
            char name[128], value[192];
            quote_bytes(r->fnames[i], strlen(r->fnames[i]), name, sizeof name);
            quote_bytes(f[i].p, f[i].len, value, sizeof value);
            return tk_error_set(err, TK_EPARSE,
                                "record %llu (line %llu), column %zu \"%s\": not a number: \"%s\"",
                                (unsigned long long)tk_csv_record(csv),
                                (unsigned long long)tk_csv_line(csv), i + 1, name, value);
        }
    }
    m->rows++;
    return TK_OK;
}

int tk_matrix_read_csv(tk_matrix **out, tk_csv_read_fn read, void *ctx,
                       const tk_matrix_csv_options *opt, tk_error *err)
{
    static const tk_matrix_csv_options defaults = TK_MATRIX_CSV_OPTIONS_INIT;
    const tk_matrix_csv_options *const o = opt != NULL ? opt : &defaults;
    reader r = {0, NULL, NULL, NULL};
    tk_csv *csv = NULL;
    tk_csv_options co = TK_CSV_OPTIONS_INIT;
    co.max_fields = (size_t)1 << 16;
    int rc;

    *out = NULL;
    rc = tk_csv_create(&csv, read, ctx, &co, err);
    if (rc != TK_OK)
        goto done;
    const tk_csv_field *f;
    size_t n;
    while ((rc = tk_csv_next(csv, &f, &n, err)) == 1) {
        if (n == 1 && f[0].len == 0)
            continue; /* a blank line is not a row */
        rc =
            r.dest == NULL ? read_header(&r, f, n, o, err) : read_row(&r, csv, f, o->max_rows, err);
        if (rc != TK_OK)
            goto done;
    }
    if (rc < 0)
        goto done;
    if (r.m == NULL) {
        rc = tk_error_set(err, TK_EPARSE, "no header: the table is empty");
        goto done;
    }
    if (r.m->rows == 0) {
        rc = tk_error_set(err, TK_EPARSE, "no data rows after the header");
        goto done;
    }
    /* Give back the spare capacity of the last doubling. */
    double *const shrunk = tk_realloc(r.m->data, r.m->rows * r.m->cols * sizeof(double));
    if (shrunk != NULL) {
        r.m->data = shrunk;
        r.m->cap_rows = r.m->rows;
    }
    *out = r.m;
    r.m = NULL;
    rc = TK_OK;
done:
    tk_csv_destroy(csv);
    reader_dispose(&r);
    return rc;
}

static long file_read(void *ctx, char *buf, size_t cap)
{
    FILE *const f = ctx;
    const size_t n = fread(buf, 1, cap, f);
    return ferror(f) ? -1 : (long)n;
}

int tk_matrix_load_csv(tk_matrix **out, const char *path, const tk_matrix_csv_options *opt,
                       tk_error *err)
{
    const int is_stdin = strcmp(path, "-") == 0;
    *out = NULL;
    FILE *const f = is_stdin ? stdin : fopen(path, "rb");
    if (f == NULL)
        return tk_error_set(err, TK_EIO, "cannot open %s: %s", path, strerror(errno));
    const int rc = tk_matrix_read_csv(out, file_read, f, opt, err);
    if (rc != TK_OK)
        tk_error_prefix(err, "%s", is_stdin ? "standard input" : path);
    if (!is_stdin)
        fclose(f);
    return rc;
}
