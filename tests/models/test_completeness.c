/* tests/models/test_completeness.c -- the completeness grid's one scan
 * serves a caller too: tk_completeness_compute_visit() hands over each
 * event of the period, every system, and none of the weeks before it,
 * and computes the same grid as tk_completeness_compute(). The events
 * are ingested from a real CSV file into a real tenant. */
#include "models/completeness.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/analysis.h"
#include "src/ingest.h"
#include "src/profile.h"
#include "src/timefmt.h"
#include "tests/test.h"

/* A tax system's export: ISO times, English column names. */
static const char tax[] = "{\"profile\":\"tax\",\"system\":{\"value\":\"税務\"},\"fields\":{"
                          "\"time\":{\"column\":\"at\",\"format\":\"YYYY-MM-DD hh:mm:ss\"},"
                          "\"user\":{\"column\":\"staff\"},\"terminal\":{\"column\":\"pc\"},"
                          "\"operation\":{\"column\":\"op\",\"map\":{\"view\":\"lookup\"}},"
                          "\"subject\":{\"column\":\"taxpayer\"}}}";

static char dir[600];
static tk_tenant *tenant;
static tk_period period; /* 2024-10-01..2024-10-31 */

/* Rows per day of the file: September 3 a day (the weeks before the
 * period), October 5 + day % 4 a day on days 1..28 (so 29..31 are
 * missing), 11 on 2024-11-01 (after the period). */
static int ingest(void)
{
    char path[700];
    snprintf(path, sizeof path, "%s/tax.csv", dir);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return TK_EIO;
    fputs("at,staff,pc,op,taxpayer\n", f);
    for (int d = 1; d <= 30; d++)
        for (int i = 0; i < 3; i++)
            fprintf(f, "2024-09-%02d 10:%02d:00,t%d,TX1,view,%08d\n", d, i, i, 20241 + i);
    for (int d = 1; d <= 28; d++)
        for (int i = 0; i < 5 + d % 4; i++)
            fprintf(f, "2024-10-%02d %02d:%02d:00,t%d,TX2,view,%08d\n", d, 8 + i, i, i % 3,
                    30241 + i);
    for (int i = 0; i < 11; i++)
        fprintf(f, "2024-11-01 09:%02d:00,t1,TX1,view,%08d\n", i, 40241 + i);
    fclose(f);
    tk_profile *p = NULL;
    tk_error err;
    tk_ingest_result res;
    tk_ingest_options o = TK_INGEST_OPTIONS_INIT;
    int rc = tk_profile_parse(&p, tax, strlen(tax), "test", &err);
    if (rc == TK_OK)
        rc = tk_tenant_lock_writer(tenant, "test", TK_TENANT_NOWAIT, NULL, NULL, &err);
    if (rc == TK_OK) {
        rc = tk_ingest_file(tenant, p, path, &o, &res, &err);
        tk_tenant_unlock_writer(tenant);
    }
    if (rc != TK_OK)
        fprintf(stderr, "ingest: %s\n", err.msg);
    tk_profile_destroy(p);
    return rc;
}

typedef struct seen {
    size_t events;
    int64_t first, last; /* JST days */
    size_t per_day[31];  /* October */
} seen;

static void visit(void *ctx, const tk_stored_event *ev)
{
    seen *s = ctx;
    const int64_t day = tk_jst_day(ev->row.t);
    if (s->events == 0 || day < s->first)
        s->first = day;
    if (s->events == 0 || day > s->last)
        s->last = day;
    if (day >= period.first_day && day <= period.last_day)
        s->per_day[day - period.first_day]++;
    s->events++;
}

static void test_visit(void)
{
    tk_completeness plain, seen_grid;
    tk_error err = {0, ""};
    seen s;
    memset(&s, 0, sizeof s);
    const int64_t today = period.last_day + 10;
    TK_REQUIRE(tk_completeness_compute(tenant, &period, today, &plain, &err) == TK_OK);
    TK_REQUIRE(tk_completeness_compute_visit(tenant, &period, today, visit, &s, &seen_grid, &err) ==
               TK_OK);
    /* October 1..28: 5 + d % 4 rows each = 28 * 5 + 7 * (0+1+2+3) = 182. */
    TK_CHECK_INT(s.events, 182);
    TK_CHECK_INT(s.first, period.first_day);
    TK_CHECK_INT(s.last, period.first_day + 27);
    TK_CHECK_INT(s.per_day[0], 6);
    TK_CHECK_INT(s.per_day[2], 8);
    TK_CHECK_INT(s.per_day[3], 5);
    TK_CHECK_INT(s.per_day[28], 0);
    /* The grid is the same either way, and agrees with what was seen. */
    TK_CHECK_INT(seen_grid.total, 182);
    TK_CHECK_INT(plain.total, seen_grid.total);
    TK_CHECK_INT(plain.nsystems, 1);
    TK_REQUIRE(seen_grid.nsystems == plain.nsystems && seen_grid.ndays == plain.ndays);
    TK_CHECK(memcmp(plain.rows, seen_grid.rows, plain.ndays * sizeof *plain.rows) == 0);
    TK_CHECK(memcmp(plain.flags, seen_grid.flags, plain.ndays) == 0);
    TK_CHECK_INT(seen_grid.missing, plain.missing);
    TK_CHECK(seen_grid.missing >= 1); /* 2024-10-29..31 were open days without rows */
    for (size_t d = 0; d < seen_grid.ndays; d++)
        TK_CHECK_INT(seen_grid.rows[d], s.per_day[d]);
    tk_completeness_dispose(&plain);
    tk_completeness_dispose(&seen_grid);
    /* No visitor: as tk_completeness_compute(). */
    TK_REQUIRE(tk_completeness_compute_visit(tenant, &period, today, NULL, NULL, &plain, &err) ==
               TK_OK);
    TK_CHECK_INT(plain.total, 182);
    tk_completeness_dispose(&plain);
}

int main(void)
{
    char data[700];
    tk_error err;
    if (tk_test_mkdtemp(dir, sizeof dir, "completeness") == NULL)
        return 2;
    snprintf(data, sizeof data, "%s/data", dir);
    if (tk_analysis_create_tenant(&tenant, data, "kita", &err) != TK_OK ||
        tk_period_parse("2024-10-01..2024-10-31", 22, &period, &err) != TK_OK) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 2;
    }
    if (ingest() != TK_OK)
        return 2;
    TK_RUN(test_visit);
    tk_tenant_close(tenant);
    TK_TEST_END();
}
