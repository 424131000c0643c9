/* models/meeting.h -- the record of a fiscal year's review meeting (報告会).
 *
 * Once a year the contractor presents the annual review to the city. The
 * minutes (議事録) and the 業務完了報告書 name the meeting's date, place and
 * attendees; this module keeps them, one record per fiscal year of a
 * tenant, so that those documents print what was recorded instead of a
 * blank. The attendees are staff names (not residents' data), kept as
 * free text lines in the tenant's own store.
 *
 * This module owns the table meetings: one row per fiscal year, replaced
 * whole by each tk_meeting_set(), with who set it and when. Not
 * thread-safe per connection; distinct connections are independent. */
#ifndef TK_MEETING_H
#define TK_MEETING_H

#include <stddef.h>
#include <stdint.h>

#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"

/* Longest place and attendee line in bytes of UTF-8, and most lines. */
#define TK_MEETING_PLACE_MAX     200
#define TK_MEETING_ATTENDEE_MAX  200
#define TK_MEETING_ATTENDEES_MAX 50

/* What a caller records. Pointers are borrowed. */
typedef struct tk_meeting_input {
    int64_t held_on;              /* JST day number of the meeting */
    const char *place;            /* one line, required */
    const char *const *attendees; /* nattendees lines, each required */
    size_t nattendees;            /* 1..TK_MEETING_ATTENDEES_MAX */
} tk_meeting_input;

/* A stored record: an owned value (tk_meeting_dispose()). */
typedef struct tk_meeting {
    int fiscal_year;
    int64_t held_on;   /* JST day number */
    char *place;       /* owned */
    char **attendees;  /* owned: nattendees owned strings */
    size_t nattendees; /* at least 1 */
    int64_t set_at;    /* Unix ms */
    char set_by[128];  /* the account that set it, cut at 127 bytes */
} tk_meeting;

/* Frees what m owns and zeroes it. Accepts NULL and a zeroed record. */
void tk_meeting_dispose(tk_meeting *m);

/* The field a refused input is wrong in. */
typedef enum tk_meeting_field {
    TK_MEETING_FIELD_HELD_ON = 0,
    TK_MEETING_FIELD_PLACE,
    TK_MEETING_FIELD_ATTENDEES
} tk_meeting_field;

/* "held_on", "place", "attendees": the JSON member of a field. */
const char *tk_meeting_field_name(tk_meeting_field f);

/* Creates the table this module owns. Idempotent. Returns TK_OK or TK_EDB. */
TK_MUST_CHECK int tk_meeting_migrate(tk_db *db, tk_error *err);

/* Checks in (borrowed) as the meeting of fiscal year fy (April fy to March
 * fy + 1, TK_PERIOD_FY_MIN..MAX): held from the year's first day to one
 * year after its last (the meeting follows the year it reviews); a place
 * and every attendee line non-blank, well-formed UTF-8 without control
 * characters, within the lengths above. Returns TK_OK or TK_EINVAL with
 * *field (may be NULL) naming the field at fault and the message saying
 * what is accepted. */
TK_MUST_CHECK int tk_meeting_check(int fy, const tk_meeting_input *in, tk_meeting_field *field,
                                   tk_error *err);

/* Records in (checked as tk_meeting_check()) as the meeting of fiscal year
 * fy, replacing an earlier record of that year, set by actor (borrowed;
 * its name and clock). Returns TK_OK, TK_EINVAL (as tk_meeting_check()) or
 * TK_EDB. */
TK_MUST_CHECK int tk_meeting_set(tk_db *db, int fy, const tk_meeting_input *in,
                                 const tk_actor *actor, tk_error *err);

/* The record of fiscal year fy into *out (an owned value: dispose it;
 * zeroed on failure). Returns TK_OK, TK_ENOTFOUND (none recorded: the
 * message names the year), TK_ENOMEM or TK_EDB (also for a stored record
 * that is damaged). */
TK_MUST_CHECK int tk_meeting_get(tk_db *db, int fy, tk_meeting *out, tk_error *err);

#endif
