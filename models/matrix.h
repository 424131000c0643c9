/* models/matrix.h -- a dense matrix of doubles and a numeric CSV table reader.
 *
 * A tk_matrix owns rows x cols doubles stored row-major (the value of row i,
 * column j is data[i * cols + j]) and, when it was read from a table, the
 * names of its columns. The models take plain row-major arrays, so a matrix
 * is only a convenient owner of one: tk_matrix_data() is what they are
 * given.
 *
 * tk_matrix_read_csv() reads a table whose first record is a header of
 * column names and whose other records are numbers, streaming it through
 * src/csv.h. Every value is parsed with tk_parse_f64 (decimal, finite, no
 * surrounding spaces). Named columns can be left out (a label column, an
 * identifier). Blank lines are not rows and are skipped. A cell that is not
 * a number is an error naming the record, the line, the column and the
 * value; the caller adds the file name (tk_matrix_load_csv() does).
 *
 * Not thread-safe while being filled; a matrix nobody writes to any more
 * can be read by any number of threads. */
#ifndef TK_MATRIX_H
#define TK_MATRIX_H

#include <stddef.h>

#include "src/csv.h"
#include "src/error.h"

typedef struct tk_matrix tk_matrix;

/* Creates a rows x cols matrix of zeros without column names. rows may be
 * 0; cols may not. On success *out is an owned result: tk_matrix_destroy();
 * on failure *out is NULL. Returns TK_OK, TK_EINVAL (cols == 0), TK_ERANGE
 * (rows * cols * sizeof(double) overflows) or TK_ENOMEM. */
TK_MUST_CHECK int tk_matrix_create(tk_matrix **out, size_t rows, size_t cols, tk_error *err);

/* Frees m. Accepts NULL. */
void tk_matrix_destroy(tk_matrix *m);

size_t tk_matrix_rows(const tk_matrix *m);
size_t tk_matrix_cols(const tk_matrix *m);

/* The rows * cols values, row-major; borrowed from m. NULL when rows is 0. */
const double *tk_matrix_data(const tk_matrix *m);
double *tk_matrix_data_mut(tk_matrix *m);

/* The NUL-terminated name of column j (j < cols) as read from the header,
 * borrowed from m; NULL for a matrix made by tk_matrix_create(). */
const char *tk_matrix_colname(const tk_matrix *m, size_t j);

typedef struct tk_matrix_csv_options {
    const char *const *exclude; /* names of columns to leave out (borrowed), or NULL */
    size_t nexclude;            /* entries in exclude */
    size_t max_rows;            /* most data rows accepted (>= 1) */
} tk_matrix_csv_options;

/* Nothing excluded, at most 2^32 - 1 rows. */
// clang-format off
#define TK_MATRIX_CSV_OPTIONS_INIT {NULL, 0, (size_t)0xFFFFFFFFu}
// clang-format on

/* Reads a numeric table through read(ctx, ...) (see tk_csv_read_fn; both
 * borrowed). opt is borrowed for the call; NULL means
 * TK_MATRIX_CSV_OPTIONS_INIT. Every name in opt->exclude must be a column of
 * the header, and every column of that name is left out. The result has one
 * row per data record, in input order, and the remaining columns in header
 * order with their names. On success *out is an owned result; on failure
 * *out is NULL. Returns
 *   TK_OK;
 *   TK_EPARSE    bad CSV, a record wider or narrower than the header, no
 *                header, no data row, or a cell that is not a finite
 *                decimal number; the message reads like
 *                `record 7 (line 8), column 3 "bytes": not a number: "12kB"`;
 *   TK_ENOTFOUND a column to exclude is not in the header, or no column is
 *                left once the excluded ones are gone;
 *   TK_ERANGE, TK_EIO, TK_ENOMEM as reported by src/csv.h or for more than
 *                opt->max_rows rows. */
TK_MUST_CHECK int tk_matrix_read_csv(tk_matrix **out, tk_csv_read_fn read, void *ctx,
                                     const tk_matrix_csv_options *opt, tk_error *err);

/* tk_matrix_read_csv() on the file at path (borrowed); "-" reads standard
 * input. Messages start with the path ("data.csv: record 7 ..."). Returns
 * what tk_matrix_read_csv() returns, or TK_EIO when the file cannot be
 * opened or read. */
TK_MUST_CHECK int tk_matrix_load_csv(tk_matrix **out, const char *path,
                                     const tk_matrix_csv_options *opt, tk_error *err);

#endif
