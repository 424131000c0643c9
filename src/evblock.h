/* src/evblock.h -- the columnar block format events are stored in.
 *
 * Events are not stored one SQLite row each: a row costs a B-tree insert
 * and a record of its own, which makes SQLite's per-row overhead the whole
 * cost of ingestion. Instead up to TK_EVBLOCK_MAX events are packed into one
 * block (one BLOB row), column by column, with variable-length integers and
 * delta-coded times, so that a block is small and decoding it is a tight
 * loop. A row here holds dictionary ids, never text, except the optional
 * detail.
 *
 * The encoder (tk_evblock_writer) and decoder (tk_evblock_reader) are pure
 * memory transformations; src/store.c puts blocks into SQLite. Decoding
 * validates everything, so a damaged block is an error, never a crash.
 * Neither object is thread-safe; distinct objects are independent. */
#ifndef TK_EVBLOCK_H
#define TK_EVBLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "src/error.h"

/* Most events in one block; event ids are block_id * TK_EVBLOCK_MAX + index. */
#define TK_EVBLOCK_MAX 4096

/* One event as stored. Dictionary ids are >= 1; 0 means absent. */
typedef struct tk_evrow {
    int64_t t; /* Unix ms */
    uint32_t system, user, terminal, function, subject, device, file;
    int op;             /* tk_op */
    int result;         /* TK_RESULT_* */
    int mynumber;       /* -1 absent, 0 or 1 */
    int64_t count;      /* -1 absent, else >= 0 */
    int64_t bytes;      /* -1 absent, else >= 0 */
    const char *detail; /* NULL = absent; borrowed (writer) or into the block (reader) */
    size_t detail_len;
    int64_t record; /* 1-based record of the source file it came from; 0 unknown (>= 0) */
} tk_evrow;

typedef struct tk_evblock_writer tk_evblock_writer;

/* Creates an empty block writer. *out is owned: tk_evblock_writer_destroy().
 * Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_evblock_writer_create(tk_evblock_writer **out, tk_error *err);

/* Frees w. Accepts NULL. */
void tk_evblock_writer_destroy(tk_evblock_writer *w);

/* Appends one event (copied). The caller flushes when tk_evblock_writer_full()
 * says so. Returns TK_OK, TK_EINVAL (a value outside its range, or the
 * block already full) or TK_ENOMEM. */
TK_MUST_CHECK int tk_evblock_writer_add(tk_evblock_writer *w, const tk_evrow *row, tk_error *err);

/* Number of events in the block, and whether it should be flushed now
 * (TK_EVBLOCK_MAX events, or about 1 MiB of detail text). */
size_t tk_evblock_writer_count(const tk_evblock_writer *w);
int tk_evblock_writer_full(const tk_evblock_writer *w);

/* Earliest and latest time in the block (meaningful when count > 0). */
int64_t tk_evblock_writer_t_min(const tk_evblock_writer *w);
int64_t tk_evblock_writer_t_max(const tk_evblock_writer *w);

/* Serialises the block. *data is borrowed from w and valid until the next
 * add or reset. Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_evblock_writer_finish(tk_evblock_writer *w, const uint8_t **data, size_t *len,
                                           tk_error *err);

/* Empties w for the next block. */
void tk_evblock_writer_reset(tk_evblock_writer *w);

/* Decoder over one serialised block (borrowed; must outlive the reader). */
typedef struct tk_evblock_reader {
    const uint8_t *col[10]; /* cursors, one per column */
    const uint8_t *end[10];
    size_t n;       /* events in the block */
    size_t i;       /* events read so far */
    int64_t t;      /* previous time (delta base) */
    int64_t record; /* previous record number (delta base) */
    int has_record; /* 0: a version 1 block, written without record numbers */
} tk_evblock_reader;

/* Opens data[0..len). Returns TK_OK or TK_EPARSE (not a block, or a column
 * overruns the data). */
TK_MUST_CHECK int tk_evblock_reader_init(tk_evblock_reader *r, const uint8_t *data, size_t len,
                                         tk_error *err);

/* Reads the next event into row. Returns 1 for an event, 0 at the end, or
 * TK_EPARSE when the block is damaged. row->detail points into the block;
 * row->record is 0 for every event of a version 1 block. */
TK_MUST_CHECK int tk_evblock_reader_next(tk_evblock_reader *r, tk_evrow *row, tk_error *err);

#endif
