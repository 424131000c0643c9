/* src/event.h -- tenken's canonical event, the unit every log row becomes.
 *
 * A value type: text members are views (pointer and length, UTF-8, not
 * NUL-terminated) into buffers owned by whoever filled the event (the
 * profile that applied a row); they stay valid until that owner fills the
 * next event. A view with p == NULL is absent. Thread-safe (no state). */
#ifndef TK_EVENT_H
#define TK_EVENT_H

#include <stddef.h>
#include <stdint.h>

typedef struct tk_view {
    const char *p; /* NULL = absent */
    size_t len;
} tk_view;

/* Canonical operations. The numeric values are stored in the database:
 * append new ones, never renumber. */
typedef enum tk_op {
    TK_OP_LOOKUP = 0,
    TK_OP_SEARCH = 1,
    TK_OP_ADD = 2,
    TK_OP_UPDATE = 3,
    TK_OP_DELETE = 4,
    TK_OP_PRINT = 5,
    TK_OP_EXPORT = 6,
    TK_OP_EXTRACT = 7,
    TK_OP_ISSUE = 8,
    TK_OP_LOGON = 9,
    TK_OP_LOGOFF = 10,
    TK_OP_LOGON_FAILURE = 11,
    TK_OP_MEDIA_COPY = 12,
    TK_OP_MEDIA_MOVE = 13,
    TK_OP_DEVICE_CONNECT = 14,
    TK_OP_DEVICE_DISCONNECT = 15,
    TK_OP_OTHER = 16,
    TK_OP_COUNT_ = 17
} tk_op;

enum { TK_RESULT_SUCCESS = 0, TK_RESULT_FAILURE = 1 };

typedef struct tk_event {
    int64_t t;      /* Unix milliseconds */
    tk_view system; /* required */
    tk_view user;   /* required: 職員ID when resolved, else the value as written */
    tk_view terminal;
    tk_view terminal_address; /* the terminal's network address as the log writes it */
    tk_view function;
    tk_view subject; /* raw resident id; pseudonymised by the store, never stored */
    tk_view file;
    tk_view device;
    tk_view serial;
    tk_view detail;
    int op;     /* tk_op */
    int result; /* TK_RESULT_* */
    int has_count;
    int64_t count;
    int mynumber; /* -1 absent, 0 or 1 */
    int has_bytes;
    int64_t bytes;
    int user_resolved;     /* 1 when user was found in the staff (or training) master */
    int terminal_resolved; /* 1 when terminal was found in the terminal master */
    int64_t record;        /* 1-based record of the source file (header included), 0 unknown */
} tk_event;

/* The canonical name of op ("lookup"), or NULL if op is out of range. */
const char *tk_op_name(int op);

/* The Japanese label of op ("照会"), as reports and the UI print it, or
 * NULL if op is out of range. */
const char *tk_op_label_ja(int op);

/* Parses a canonical operation name of len bytes; returns the tk_op or -1. */
int tk_op_parse(const char *p, size_t len);

#endif
