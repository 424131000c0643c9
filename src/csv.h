/* src/csv.h -- streaming RFC 4180 CSV parser (the ingestion hot path).
 *
 * A pull parser over a read callback: tk_csv_next() returns one record at a
 * time as an array of fields that point into the parser's own buffer. It
 * works on bytes and never decodes: CP932 trail bytes are >= 0x40 and UTF-8
 * continuation bytes >= 0x80, so neither can be mistaken for a comma, quote,
 * CR or LF (decode fields with src/encoding.h afterwards). Memory is
 * constant: one buffer of max(buffer_size, max_record_bytes + 2) bytes and
 * one field array, allocated by tk_csv_create(); nothing per record.
 *
 * Accepted: records ended by CRLF or LF, or by the end of input; quoted
 * fields containing commas, doubled quotes, CR and LF; a leading UTF-8 byte
 * order mark (skipped, see tk_csv_had_bom()). A completely empty physical
 * line is a record of one empty field, as RFC 4180 reads it; it is exempt
 * from strict_field_count (it neither sets nor breaks the expected count)
 * so that callers can recognise and skip it (nfields == 1, len == 0).
 *
 * Rejected (TK_EPARSE): a quote inside an unquoted field, anything but a
 * comma or line end after a closing quote, a CR not followed by LF outside
 * quotes (except as the very last byte of input), a quoted field still open
 * at end of input, and with strict_field_count a record whose field count
 * differs from that of the first record (not counting empty lines and
 * records that failed) read. Rejected (TK_ERANGE): a
 * record of more than max_record_bytes bytes (without its line end) or more
 * than max_fields fields. Errors are reported deterministically, whatever
 * the read sizes: the earliest offending byte wins, and a record is known to
 * be too long once max_record_bytes + 2 of its bytes have been seen.
 *
 * Messages start with the record number, the physical line (1-based, lines
 * end at LF) and the 1-based byte column within that line of the offending
 * byte (on line 1 a byte order mark is not counted), then say what was
 * expected. Errors about a whole record (field count, length) give the
 * line where the record starts and no column:
 *   record 12 (line 14, column 7): stray quote in unquoted field 3
 *   record 5 (line 5): expected 9 fields, found 8
 *   record 7 (line 9): record longer than 1048576 bytes
 *
 * A tk_csv is used by one thread at a time; distinct parsers are
 * independent. */
#ifndef TK_CSV_H
#define TK_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "src/error.h"

typedef struct tk_csv tk_csv;

/* Reads up to cap bytes into buf. Returns the number of bytes read (at most
 * cap), 0 at end of input, or a negative value on an I/O error (the parser
 * then fails with TK_EIO). Short reads are fine; the parser asks again. */
typedef long (*tk_csv_read_fn)(void *ctx, char *buf, size_t cap);

/* One field: len bytes at p, undecoded, surrounding quotes removed and
 * doubled quotes unescaped. Not NUL-terminated. */
typedef struct tk_csv_field {
    const char *p;
    size_t len;
} tk_csv_field;

typedef struct tk_csv_options {
    size_t buffer_size;      /* buffer bytes (>= 1; at least max_record_bytes + 2 is used) */
    size_t max_record_bytes; /* longest record accepted, line end excluded (>= 1) */
    size_t max_fields;       /* most fields in a record (>= 1) */
    int strict_field_count;  /* nonzero: all non-empty records as wide as the first */
} tk_csv_options;

/* 1 MiB buffer and records, 1024 fields, strict field count. */
// clang-format off
#define TK_CSV_OPTIONS_INIT {(size_t)1 << 20, (size_t)1 << 20, 1024, 1}
// clang-format on

/* Creates a parser reading through read(ctx, ...). read and ctx are
 * borrowed: ctx must outlive the parser. opt is copied; NULL means
 * TK_CSV_OPTIONS_INIT. On success *out is an owned result:
 * tk_csv_destroy(); on failure *out is NULL. Reads nothing yet.
 * Returns TK_OK, TK_EINVAL (an option is 0 or too large) or TK_ENOMEM. */
TK_MUST_CHECK int tk_csv_create(tk_csv **out, tk_csv_read_fn read, void *ctx,
                                const tk_csv_options *opt, tk_error *err);

/* Frees c. Accepts NULL. */
void tk_csv_destroy(tk_csv *c);

/* Parses the next record. Returns 1 and sets *fields / *nfields (borrowed
 * from c, valid until the next tk_csv_next() or tk_csv_destroy()), 0 at end
 * of input, or a negative code:
 *   TK_EPARSE  syntax error or (strict_field_count) wrong field count;
 *   TK_ERANGE  record longer than max_record_bytes or wider than max_fields;
 *   TK_EIO     the read callback failed (sticky: every later call fails too).
 * After a wrong field count, *fields / *nfields still describe the record
 * (so a lenient caller can list it) and the next call continues with the
 * next record. After any other TK_EPARSE or TK_ERANGE the next call
 * continues at the first line start at or after the offending byte
 * (resynchronising inside a quoted field may give more errors), or with
 * the next record when the record was complete but too long; after an
 * unterminated quote the next call returns 0. The failed record counts in
 * tk_csv_record(). On other errors *fields is NULL and *nfields 0. */
TK_MUST_CHECK int tk_csv_next(tk_csv *c, const tk_csv_field **fields, size_t *nfields,
                              tk_error *err);

/* 1-based number of the record just returned or that just failed (0 before
 * the first). Every record counts, empty lines and failed ones included. */
uint64_t tk_csv_record(const tk_csv *c);

/* 1-based physical line on which the record just returned or failed starts
 * (0 before the first). */
uint64_t tk_csv_line(const tk_csv *c);

/* Bytes of input consumed so far, for progress reports: after a record,
 * the offset just past its line end (a byte order mark counts). */
uint64_t tk_csv_bytes(const tk_csv *c);

/* 1 if the input began with a UTF-8 byte order mark (which was skipped), 0
 * otherwise; meaningful once tk_csv_next() has been called. */
int tk_csv_had_bom(const tk_csv *c);

#endif
