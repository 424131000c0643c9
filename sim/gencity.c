/* sim/gencity.c -- a synthetic city for the demo, the tests and the benchmarks.
 *
 * Approach. The generator builds a small municipality in memory and then
 * writes it out, one module per concern: sim/city.c builds the city
 * (calendar, residents in households, corporations, departments with their
 * sections, staff with personal habits, terminals, approved media, the
 * special staff cases), sim/behaviour.c simulates every open day of every
 * staff member at work (sessions, tasks that follow a morning and an
 * afternoon peak, seasonal load, overtime rows that cover every minute
 * outside 8:30-17:15, so the baseline is clean by construction),
 * sim/incidents.c plants the incidents and hard negatives on top of the
 * baseline with their truth rows, and sim/writers.c renders everything:
 * the logs in seven vendor layouts and three encodings, the source
 * profiles made from the same layout tables, the master files, the
 * manifest, the truth file and a README. This file checks the options,
 * runs the phases in order and sums up what was written.
 *
 * Determinism: every random choice comes from sim/rng.h, seeded from the
 * seed with one stream per purpose (city, baseline, incidents, training;
 * --bulk-rows draws from the baseline stream), so adding an incident kind
 * does not shift the baseline. Only integer arithmetic is used for
 * randomness; no time(), no locale, no hash order, and no statement makes
 * two random draws among unsequenced operands (C leaves their order
 * unspecified, and gcc and clang do evaluate them differently). Events are
 * sorted with a total order before they are written. The same options
 * give byte-identical output everywhere.
 *
 * The run owns every allocation in one tk_city, freed on every path; no
 * state outlives the call. */
#include "sim/gencity.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/behaviour.h"
#include "sim/city.h"
#include "sim/incidents.h"
#include "sim/writers.h"
#include "src/alloc.h"
#include "src/timefmt.h"

int tk_gencity_check(const tk_gencity_options *o, tk_error *err)
{
    const int64_t first = tk_days_from_civil(TK_GENCITY_FIRST_YEAR, 1, 1);
    const int64_t last = tk_days_from_civil(TK_GENCITY_LAST_YEAR, 12, 31);
    if (o->out == NULL || o->out[0] == '\0')
        return tk_error_set(err, TK_EINVAL, "--out DIR is required");
    if (o->staff < TK_GENCITY_MIN_STAFF || o->staff > TK_GENCITY_MAX_STAFF)
        return tk_error_set(err, TK_EINVAL, "--staff: expected an integer from %d to %d, got %zu",
                            TK_GENCITY_MIN_STAFF, TK_GENCITY_MAX_STAFF, o->staff);
    if (o->residents < TK_GENCITY_MIN_RESIDENTS || o->residents > TK_GENCITY_MAX_RESIDENTS)
        return tk_error_set(err, TK_EINVAL,
                            "--residents: expected an integer from %d to %d, got %zu",
                            TK_GENCITY_MIN_RESIDENTS, TK_GENCITY_MAX_RESIDENTS, o->residents);
    if (o->volume < TK_GENCITY_MIN_VOLUME || o->volume > TK_GENCITY_MAX_VOLUME)
        return tk_error_set(
            err, TK_EINVAL, "--volume: expected a percentage from %d to %d, got %llu",
            TK_GENCITY_MIN_VOLUME, TK_GENCITY_MAX_VOLUME, (unsigned long long)o->volume);
    if (o->bulk_rows > TK_GENCITY_MAX_BULK_ROWS)
        return tk_error_set(err, TK_EINVAL,
                            "--bulk-rows: expected an integer from 1 to %llu, got %llu",
                            TK_GENCITY_MAX_BULK_ROWS, (unsigned long long)o->bulk_rows);
    if (o->variant != TK_GENCITY_VARIANT_A && o->variant != TK_GENCITY_VARIANT_B)
        return tk_error_set(err, TK_EINVAL, "--variant: expected A or B");
    if (o->variant == TK_GENCITY_VARIANT_B && o->bulk_rows)
        return tk_error_set(err, TK_EINVAL,
                            "--variant B writes a whole city; --bulk-rows takes variant A only");
    if (o->from < first || o->from > last || o->to < first || o->to > last)
        return tk_error_set(err, TK_EINVAL,
                            "%s: expected a date between %d-01-01 and %d-12-31, got %s",
                            o->from < first || o->from > last ? "--from" : "--to",
                            TK_GENCITY_FIRST_YEAR, TK_GENCITY_LAST_YEAR,
                            o->from < first || o->from > last ? tk_city_day_str((int32_t)o->from).s
                                                              : tk_city_day_str((int32_t)o->to).s);
    const int days = (int)(o->to - o->from + 1);
    if (o->from > o->to)
        return tk_error_set(err, TK_EINVAL, "--from %s is after --to %s",
                            tk_city_day_str((int32_t)o->from).s, tk_city_day_str((int32_t)o->to).s);
    if (days < TK_GENCITY_MIN_DAYS || days > TK_GENCITY_MAX_DAYS)
        return tk_error_set(err, TK_EINVAL, "the period must be %d to %d days long, got %d",
                            TK_GENCITY_MIN_DAYS, TK_GENCITY_MAX_DAYS, days);
    if (!o->bulk_rows &&
        (uint64_t)o->staff * (uint64_t)days * o->volume / 100 > TK_GENCITY_MAX_STAFF_DAYS)
        return tk_error_set(err, TK_EINVAL,
                            "--staff %zu over %d days at --volume %llu is too large (staff x "
                            "days x volume / 100 must stay below %d, about 100 million events)",
                            o->staff, days, (unsigned long long)o->volume,
                            TK_GENCITY_MAX_STAFF_DAYS);
    return TK_OK;
}

int tk_gencity_holds_city(const char *path)
{
    struct stat stbuf;
    char probe[4096];
    static const char *const ours[] = {"manifest.csv", "truth.csv", "logs",     "master",
                                       "profiles",     "bulk",      "README.md"};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
        snprintf(probe, sizeof probe, "%s/%s", path, ours[i]);
        if (stat(probe, &stbuf) == 0)
            return 1;
    }
    return 0;
}

/* The phases in order: build, directories, then either the bulk file or the simulation, the
 * incidents and every file of the city. */
static int run(tk_city *g, tk_error *err)
{
    specials sp;
    int rc = tk_city_build(g, &sp, err);
    if (rc == TK_OK)
        rc = tk_writers_mkdirs(g, err);
    if (rc != TK_OK)
        return rc;
    if (g->bulk)
        return tk_writers_bulk(g, err);
    const size_t n = g->nst * g->ndays;
    g->son = tk_calloc(n, sizeof *g->son);
    g->soff = tk_calloc(n, sizeof *g->soff);
    g->slog = tk_calloc(n, sizeof *g->slog);
    g->day_ev = tk_calloc(g->ndays + 1, sizeof *g->day_ev);
    g->day_tv = tk_calloc(g->ndays + 1, sizeof *g->day_tv);
    if (g->son == NULL || g->soff == NULL || g->slog == NULL || g->day_ev == NULL ||
        g->day_tv == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        g->son[i] = g->soff[i] = -1;
        g->slog[i] = -1;
    }
    if (tk_behaviour_simulate(g) != TK_OK)
        return tk_error_set(err, TK_ENOMEM, "out of memory");
    tk_incidents_inject(g, &sp);
    if (g->oom)
        return tk_error_set(err, TK_ENOMEM, "out of memory while simulating");
    return tk_writers_city(g, err);
}

static void summarise(const tk_city *g, tk_gencity_result *r)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < g->nmf; i++) {
        if (strncmp(g->mf[i].file, "logs/terminal_", 14) == 0)
            r->logon_rows += g->mf[i].rows;
        else if (strncmp(g->mf[i].file, "logs/media_", 11) == 0)
            r->media_rows += g->mf[i].rows;
        else
            r->business_rows += g->mf[i].rows;
    }
    r->staff = g->nst;
    r->residents = g->npeople;
    r->households = g->nhh;
    r->terminals = g->ntm;
    snprintf(r->from, sizeof r->from, "%s", tk_city_day_str(g->from).s);
    snprintf(r->to, sizeof r->to, "%s", tk_city_day_str(g->to).s);
    snprintf(r->inspection_from, sizeof r->inspection_from, "%s", tk_city_day_str(g->insp_from).s);
    r->files = g->files_total;
    r->log_files = g->nmf;
    r->rows = g->rows_total;
    r->incidents = tk_incidents_count(g, 0);
    r->incident_kinds = tk_incidents_count_kinds(g, 0);
    r->hard_negatives = tk_incidents_count(g, 1);
    r->hard_negative_kinds = tk_incidents_count_kinds(g, 1);
}

int tk_gencity_run(const tk_gencity_options *opts, tk_gencity_result *result, tk_error *err)
{
    int rc = tk_gencity_check(opts, err);
    if (rc != TK_OK)
        return rc;
    if (!opts->force && tk_gencity_holds_city(opts->out))
        return tk_error_set(err, TK_EEXISTS,
                            "%s already holds a generated city (use --force to overwrite)",
                            opts->out);
    tk_city g;
    memset(&g, 0, sizeof g);
    g.out = opts->out;
    g.seed = opts->seed;
    g.bulk = opts->bulk_rows;
    g.want_staff = opts->staff;
    g.want_res = opts->residents;
    g.volume = opts->volume;
    g.from = (int32_t)opts->from;
    g.to = (int32_t)opts->to;
    g.tty = opts->progress;
    g.variant = opts->variant;
    rc = run(&g, err);
    if (rc == TK_OK && result != NULL)
        summarise(&g, result);
    tk_city_dispose(&g);
    return rc;
}
