/* models/meeting.c -- the review meeting's record.
 *
 * One row per fiscal year; a new record replaces the old one (INSERT OR
 * REPLACE on the year), since the meeting is planned and then corrected,
 * and the audit log (src/audit) keeps who changed it. The attendees are
 * stored as one text of lines joined by '\n': a line may hold no control
 * character, so the join is unambiguous and a reader splits it back.
 *
 * The date window is the reviewed year's first day to one year after its
 * last: the meeting reviews a finished (or nearly finished) year, and is
 * held late at the latest in the next fiscal year. A day outside is taken
 * for a typo (a wrong year) rather than stored. */
#include "models/meeting.h"

#include <stdio.h>
#include <string.h>

#include "models/anomalies.h"
#include "src/alloc.h"
#include "src/checked.h"
#include "src/period.h"

static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS meetings("
                                 " fiscal_year INTEGER PRIMARY KEY,"
                                 " held_on INTEGER NOT NULL," /* JST day */
                                 " place TEXT NOT NULL,"
                                 " attendees TEXT NOT NULL," /* lines joined by '\n' */
                                 " set_at INTEGER NOT NULL," /* Unix ms */
                                 " set_by TEXT NOT NULL)";

int tk_meeting_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db, schema_sql, err);
}

void tk_meeting_dispose(tk_meeting *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; m->attendees != NULL && i < m->nattendees; i++)
        tk_free(m->attendees[i]);
    tk_free(m->attendees);
    tk_free(m->place);
    memset(m, 0, sizeof *m);
}

const char *tk_meeting_field_name(tk_meeting_field f)
{
    switch (f) {
    case TK_MEETING_FIELD_HELD_ON:
        return "held_on";
    case TK_MEETING_FIELD_PLACE:
        return "place";
    case TK_MEETING_FIELD_ATTENDEES:
        return "attendees";
    }
    return "?";
}

/* One line of text: not blank, at most max bytes, well-formed UTF-8
 * without any control character (no newline: lines are joined by it). */
static int line_ok(const char *s, size_t max)
{
    if (s == NULL || strlen(s) > max || !tk_anomalies_text_ok(s) || strpbrk(s, "\t\r\n\x7f"))
        return 0;
    /* Blank: spaces, ideographic spaces (U+3000) too, and nothing else. */
    const char *p = s;
    while (*p == ' ' || strncmp(p, "\xe3\x80\x80", 3) == 0)
        p += *p == ' ' ? 1 : 3;
    return *p != '\0';
}

int tk_meeting_check(int fy, const tk_meeting_input *in, tk_meeting_field *field, tk_error *err)
{
    tk_meeting_field dummy;
    if (field == NULL)
        field = &dummy;
    *field = TK_MEETING_FIELD_HELD_ON;
    if (fy < TK_PERIOD_FY_MIN || fy > TK_PERIOD_FY_MAX)
        return tk_error_set(err, TK_EINVAL, "the fiscal year is %d..%d, not %d", TK_PERIOD_FY_MIN,
                            TK_PERIOD_FY_MAX, fy);
    tk_period year[6], next[6];
    tk_period_fiscal_bimonths(fy, year);
    tk_period_fiscal_bimonths(fy + 1, next);
    if (in->held_on < year[0].first_day || in->held_on > next[5].last_day) {
        char a[16], b[16];
        tk_period_format_day(year[0].first_day, a, sizeof a);
        tk_period_format_day(next[5].last_day, b, sizeof b);
        return tk_error_set(err, TK_EINVAL,
                            "the meeting of fiscal year %d is held from %s to %s (開催日)", fy, a,
                            b);
    }
    *field = TK_MEETING_FIELD_PLACE;
    if (!line_ok(in->place, TK_MEETING_PLACE_MAX))
        return tk_error_set(err, TK_EINVAL,
                            "the place (場所) is required: one line of at most %d bytes of text",
                            TK_MEETING_PLACE_MAX);
    *field = TK_MEETING_FIELD_ATTENDEES;
    if (in->nattendees == 0 || in->nattendees > TK_MEETING_ATTENDEES_MAX)
        return tk_error_set(err, TK_EINVAL, "the attendees (出席者) are 1 to %d lines, not %zu",
                            TK_MEETING_ATTENDEES_MAX, in->nattendees);
    for (size_t i = 0; i < in->nattendees; i++)
        if (!line_ok(in->attendees[i], TK_MEETING_ATTENDEE_MAX))
            return tk_error_set(err, TK_EINVAL,
                                "attendee %zu (出席者) is not one line of at most %d bytes of text",
                                i + 1, TK_MEETING_ATTENDEE_MAX);
    return TK_OK;
}

int tk_meeting_set(tk_db *db, int fy, const tk_meeting_input *in, const tk_actor *actor,
                   tk_error *err)
{
    sqlite3_stmt *st = NULL;
    char *joined = NULL;
    size_t len = 0;
    int rc = tk_meeting_check(fy, in, NULL, err);
    if (rc != TK_OK)
        return rc;
    /* The lengths are bounded by the check: no overflow is possible. */
    for (size_t i = 0; i < in->nattendees; i++)
        len += strlen(in->attendees[i]) + 1;
    joined = tk_alloc(len);
    if (joined == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for the attendees");
    char *w = joined;
    for (size_t i = 0; i < in->nattendees; i++) {
        const size_t n = strlen(in->attendees[i]);
        memcpy(w, in->attendees[i], n);
        w += n;
        *w++ = i + 1 < in->nattendees ? '\n' : '\0';
    }
    rc = tk_db_prepare(db, &st,
                       "INSERT OR REPLACE INTO meetings(fiscal_year, held_on, place, attendees,"
                       " set_at, set_by) VALUES(?, ?, ?, ?, ?, ?)",
                       err);
    if (rc == TK_OK) {
        sqlite3_bind_int(st, 1, fy);
        sqlite3_bind_int64(st, 2, in->held_on);
        rc = tk_db_bind_text(db, st, 3, in->place, strlen(in->place), err);
    }
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 4, joined, len - 1, err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(st, 5, tk_actor_now(actor));
        rc = tk_db_bind_text(db, st, 6, actor->name, strlen(actor->name), err);
    }
    if (rc == TK_OK)
        rc = tk_db_step(db, st, err);
    sqlite3_finalize(st);
    tk_free(joined);
    return rc < 0 ? rc : TK_OK;
}

/* Splits text at '\n' into m's attendees. Returns TK_OK, TK_ENOMEM or
 * TK_EDB (an empty text: a damaged record). */
static int split_lines(tk_meeting *m, const char *text, tk_error *err)
{
    size_t n = 1;
    if (text[0] == '\0')
        return tk_error_set(err, TK_EDB, "the meeting of fiscal year %d has no attendees",
                            m->fiscal_year);
    for (const char *p = text; *p; p++)
        n += *p == '\n';
    m->attendees = tk_calloc(n, sizeof *m->attendees);
    if (m->attendees == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for the attendees");
    const char *p = text;
    for (size_t i = 0; i < n; i++) {
        const char *e = strchr(p, '\n');
        const size_t len = e ? (size_t)(e - p) : strlen(p);
        m->attendees[i] = tk_strndup(p, len);
        if (m->attendees[i] == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory for the attendees");
        m->nattendees = i + 1;
        p += len + (e != NULL);
    }
    return TK_OK;
}

int tk_meeting_get(tk_db *db, int fy, tk_meeting *out, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    int rc = tk_db_prepare(db, &st,
                           "SELECT held_on, place, attendees, set_at, set_by FROM meetings"
                           " WHERE fiscal_year = ?",
                           err);
    if (rc != TK_OK)
        return rc;
    sqlite3_bind_int(st, 1, fy);
    rc = tk_db_step(db, st, err);
    if (rc == TK_OK) {
        rc = tk_error_set(err, TK_ENOTFOUND, "no meeting is recorded for fiscal year %d", fy);
    } else if (rc > 0) {
        const char *place = (const char *)sqlite3_column_text(st, 1);
        const char *att = (const char *)sqlite3_column_text(st, 2);
        const char *by = (const char *)sqlite3_column_text(st, 4);
        out->fiscal_year = fy;
        out->held_on = sqlite3_column_int64(st, 0);
        out->set_at = sqlite3_column_int64(st, 3);
        snprintf(out->set_by, sizeof out->set_by, "%s", by ? by : "");
        out->place = tk_strndup(place ? place : "", place ? strlen(place) : 0);
        rc = out->place ? split_lines(out, att ? att : "", err)
                        : tk_error_set(err, TK_ENOMEM, "out of memory for the place");
    }
    sqlite3_finalize(st);
    if (rc != TK_OK)
        tk_meeting_dispose(out);
    return rc;
}
