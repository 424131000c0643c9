/* api/xlsx.h -- the 要確認事項 workbook: written for the city, read back
 * when the city returns it filled in.
 *
 * tk_xlsx_write() writes the requests of a period (models/answers) as an
 * Excel workbook (libxlsxwriter): a sheet 要確認事項 with one row per
 * case, whose answer columns (判定, 業務上の理由, 確認者, 確認日) are the
 * only cells the city can edit, and a hidden sheet 情報 naming the
 * tenant, the period, the run and a checksum of the case ids, so that a
 * workbook of another tenant or period is recognised.
 *
 * tk_xlsx_read() reads any workbook's first columns: the archive with
 * minizip from memory, its XML with expat, streaming, with caps on the
 * archive, on every entry and on what is kept (docs/confirmations.md,
 * "Limits"). tk_xlsx_import() validates a filled workbook row by row and
 * records its answers in one transaction, or nothing.
 *
 * Thread-safe: no shared state; a book is used by one thread at a time. */
#ifndef TK_XLSX_H
#define TK_XLSX_H

#include <stddef.h>
#include <stdint.h>

#include "models/answers.h"
#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"

/* The sheets. */
#define TK_XLSX_SHEET_REQUESTS "要確認事項"
#define TK_XLSX_SHEET_INFO     "情報"

/* The layout tag the 情報 sheet carries. */
#define TK_XLSX_FORMAT "tenken-confirmations/1"

/* Limits of a workbook read back: the archive, one entry uncompressed,
 * all entries read, the rows kept of a sheet, the bytes of one cell. */
#define TK_XLSX_ARCHIVE_MAX (20u * 1024 * 1024)
#define TK_XLSX_ENTRY_MAX   (64u * 1024 * 1024)
#define TK_XLSX_TOTAL_MAX   (160u * 1024 * 1024)
#define TK_XLSX_ROWS_MAX    20000u
#define TK_XLSX_CELL_MAX    16384u

/* Columns kept of each sheet: A..P. */
#define TK_XLSX_COLS 16u

/* The columns of sheet 要確認事項, 0 = A. */
enum {
    TK_XLSX_COL_CASE = 0, /* 照会番号 */
    TK_XLSX_COL_NO,       /* No */
    TK_XLSX_COL_DAY,      /* 日付 */
    TK_XLSX_COL_ENTITY,   /* 職員ID・端末 */
    TK_XLSX_COL_DEPT,     /* 所属 */
    TK_XLSX_COL_SYSTEM,   /* システム */
    TK_XLSX_COL_RULE,     /* 点検項目 */
    TK_XLSX_COL_SUBJECT,  /* 対象者（仮名） */
    TK_XLSX_COL_WHY,      /* 内容 */
    TK_XLSX_COL_SEVERITY, /* 重要度 */
    TK_XLSX_COL_VERDICT,  /* 判定 */
    TK_XLSX_COL_REASON,   /* 業務上の理由 */
    TK_XLSX_COL_BY,       /* 確認者 */
    TK_XLSX_COL_DATE,     /* 確認日 */
    TK_XLSX_NCOLS
};

/* Writes the requests s of tenant (borrowed) to a new workbook at path
 * (borrowed; replaced if it exists), reading the masked subject of each
 * case through db (borrowed; NULL: none shown). Returns TK_OK, TK_EIO
 * (the file cannot be written: the message names it) or TK_ENOMEM. */
TK_MUST_CHECK int tk_xlsx_write(const char *path, tk_db *db, const char *tenant,
                                const tk_answers_set *s, tk_error *err);

/* The checksum the 情報 sheet carries: the hex SHA-256 of the case ids of
 * s in order, each followed by a newline, into buf (at least 65 bytes).
 * Returns TK_OK or TK_ECRYPTO. */
TK_MUST_CHECK int tk_xlsx_checksum(const char *const *ids, size_t n, char *buf, size_t cap,
                                   tk_error *err);

/* ---- reading ------------------------------------------------------------------- */

typedef struct tk_xlsx_book tk_xlsx_book;

/* Reads the workbook p[0..len) (untrusted, borrowed for the call) into
 * *out (owned: tk_xlsx_book_destroy()): every sheet's cells in columns A
 * to P, as text (shared and inline strings, numbers as written). Returns
 * TK_OK, TK_EPARSE (not a zip archive, a damaged or encrypted entry, XML
 * that is not well-formed or has a DOCTYPE, no workbook part: the message
 * says which), TK_ERANGE (a cap of above exceeded: the message names it)
 * or TK_ENOMEM. */
TK_MUST_CHECK int tk_xlsx_read(const void *p, size_t len, tk_xlsx_book **out, tk_error *err);

/* Frees b. Accepts NULL. */
void tk_xlsx_book_destroy(tk_xlsx_book *b);

/* 1 when b has a sheet named name, else 0. */
int tk_xlsx_has_sheet(const tk_xlsx_book *b, const char *name);

/* The last row (1-based) holding a cell of sheet name; 0 when none. */
size_t tk_xlsx_last_row(const tk_xlsx_book *b, const char *name);

/* The text of cell (row 1-based, col 0-based) of sheet name, borrowed
 * from b, or NULL when empty or absent; *numeric (may be NULL) is 1 for a
 * number cell. */
const char *tk_xlsx_cell(const tk_xlsx_book *b, const char *name, size_t row, size_t col,
                         int *numeric);

/* 1 when b counts dates from 1904 (a Mac workbook), else 0. */
int tk_xlsx_date1904(const tk_xlsx_book *b);

/* Parses a date cell: a serial number (numeric; date1904 as the book
 * says) or text "YYYY-MM-DD", "YYYY/M/D" or "YYYY年M月D日", into a JST
 * day number. Returns TK_OK or TK_EINVAL. */
TK_MUST_CHECK int tk_xlsx_parse_date(const char *s, int numeric, int date1904, int64_t *day,
                                     tk_error *err);

/* ---- importing ----------------------------------------------------------------- */

/* One problem of a workbook: where and what. */
typedef struct tk_xlsx_issue {
    char sheet[32];
    size_t row;     /* 1-based; 0 for the sheet as a whole */
    char column[4]; /* "A".."P"; "" for the row as a whole */
    char msg[256];
} tk_xlsx_issue;

/* Most issues listed; more are counted in tk_xlsx_result.more. */
#define TK_XLSX_ISSUES_MAX 500

/* What an import found and did. */
typedef struct tk_xlsx_result {
    tk_period period; /* the workbook's */
    int64_t run;
    size_t rows;           /* case rows read */
    size_t recorded;       /* answers recorded (or, on a dry run, that would be) */
    size_t unchanged;      /* rows that repeat the current answer */
    size_t blank;          /* rows with no answer */
    tk_xlsx_issue *issues; /* owned */
    size_t nissues;
    size_t more; /* issues beyond TK_XLSX_ISSUES_MAX */
} tk_xlsx_result;

/* Frees what r owns. Accepts NULL and a zeroed value. */
void tk_xlsx_result_dispose(tk_xlsx_result *r);

/* Validates the workbook p[0..len) (untrusted, borrowed) against the
 * requests of tenant's (borrowed) period it names, as selected with o
 * (NULL: defaults), and unless dry_run records its answers as actor, all
 * in one transaction, into *out (owned: tk_xlsx_result_dispose()).
 * Returns TK_OK; TK_EREJECTED (out->issues says which rows and columns
 * are wrong and why; nothing stored); TK_EPARSE or TK_ERANGE (as
 * tk_xlsx_read(), or not a confirmations workbook of tenken); TK_EFROZEN
 * (the period was delivered); TK_ENOTFOUND (no run of the period);
 * TK_EDB or TK_ENOMEM. */
TK_MUST_CHECK int tk_xlsx_import(tk_db *db, const char *tenant, const void *p, size_t len,
                                 const tk_answers_options *o, int dry_run, const tk_actor *actor,
                                 tk_xlsx_result *out, tk_error *err);

#endif
