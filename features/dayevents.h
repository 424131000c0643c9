/* features/dayevents.h -- the events of one JST day, in memory, sorted.
 *
 * The analysis works a day at a time: a day of a large city is a few
 * hundred thousand events, which fit in memory and can be sorted, while a
 * period of months does not need to. A tk_dayevents loads the events whose
 * time falls on one JST calendar day (00:00-24:00 +09:00) from the store,
 * sorts them by (user, time, the rest of the event: see
 * tk_dayevents_load), and keeps the buffer for the next day. Cross-day state (sessions across
 * midnight, 30-day windows) is the caller's. Not thread-safe; one object per thread. */
#ifndef TK_DAYEVENTS_H
#define TK_DAYEVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "src/db.h"
#include "src/error.h"
#include "src/evblock.h"

/* One event, compact. Ids are the store's dictionary ids (0 = absent). */
typedef struct tk_dayevent {
    int64_t id; /* the store's event id (evidence) */
    int64_t t;  /* Unix ms */
    uint32_t user, terminal, system, function, subject, device, file;
    int32_t minute; /* JST minute of the day, 0..1439 */
    uint8_t op;     /* tk_op */
    uint8_t result; /* TK_RESULT_* */
    int8_t mynumber;
    int64_t count; /* -1 absent */
    int64_t bytes; /* -1 absent */
} tk_dayevent;

typedef struct tk_dayevents tk_dayevents;

/* Creates a loader over db (borrowed; must outlive it). *out is owned:
 * tk_dayevents_destroy(). Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_dayevents_create(tk_dayevents **out, tk_db *db, tk_error *err);

/* Frees d. Accepts NULL. */
void tk_dayevents_destroy(tk_dayevents *d);

/* Loads JST day `day` (days since 1970-01-01, as tk_jst_day gives) and
 * sorts it by content, never by id or upload order: by user name (events
 * without a user first), time, then system, terminal, operation,
 * function, result, count, bytes, device and media file (names in byte
 * order, absent first), 個人番号 use, and for events that say all of that
 * alike, the place of their file among the uploads by (file name,
 * SHA-256) and their record in it. The same events give the same order
 * whatever order their files were uploaded in. The previous day's events
 * are dropped.
 *
 * Terminal addresses: an event whose terminal id is a network address
 * that, on that day, the store records as belonging to a terminal
 * (tk_store_terminal_addresses, from logs mapping terminal_address) gets
 * that terminal's id instead, so that one device is one terminal for every
 * pass. Only when the address belonged to exactly ONE terminal that day
 * (an address two terminals had, DHCP reuse, is left alone), the terminals
 * master does not list the address as a 端末名 or IP
 * (tk_master_terminal_listed: a registered terminal's IP is the master's to
 * resolve) and its dictionary row is not a master-resolved name. Events of
 * days without a record keep their terminal.
 * Returns TK_OK, TK_EDB, TK_EPARSE (a damaged block) or TK_ENOMEM. */
TK_MUST_CHECK int tk_dayevents_load(tk_dayevents *d, int64_t day, tk_error *err);

/* The loaded day's events (borrowed until the next load) and their count. */
const tk_dayevent *tk_dayevents_rows(const tk_dayevents *d);
size_t tk_dayevents_count(const tk_dayevents *d);
int64_t tk_dayevents_day(const tk_dayevents *d);

/* Unix ms of 00:00 JST on day. */
int64_t tk_dayevents_day_start(int64_t day);

#endif
