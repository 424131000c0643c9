/* api/cli_settings.c -- `tenken settings`: a tenant's settings, shown and set.
 *
 * A thin front end over the settings of src/tenant (the range of event
 * dates ingestion accepts) and src/calendar (business hours, the tenant
 * default and per 所属). Without an option it shows every setting with its
 * value and whether it is the default; with options it sets them first.
 * Every option is parsed and checked before anything is stored, and the
 * hours are read, changed and stored as one new version inside one write
 * transaction, so a refused value leaves nothing half set. --history lists
 * the stored versions of the hours. The baseline settings
 * (models/bsettings: --trees, --min-model-score, ...) are set together as
 * one new version, reset with --baseline-reset and listed with
 * --baseline-history. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "models/analysis.h"
#include "models/bsettings.h"
#include "src/actor.h"
#include "src/calendar.h"
#include "src/tenant.h"
#include "src/timefmt.h"

static const char settings_help[] =
    "usage: tenken settings --tenant T [--event-dates FROM..TO|default]\n"
    "                       [--hours HOURS|default] [--dept-hours 所属=HOURS|所属=default]...\n"
    "                       [--baseline-days N|default] [--trees N|default] [--sample N|default]\n"
    "                       [--min-model-score X|default] [--min-period-score X|default]\n"
    "                       [--shrink-days X] [--z-cap X] [--overdispersion X] [--lr-alpha X]\n"
    "                       [--prior-min-days X] [--prior-max-days X] [--prior-min-shape X]\n"
    "                       [--baseline-reset] [--baseline-history]\n"
    "                       [--by NAME] [--history] [--data DIR]\n"
    "\n"
    "Shows tenant T's settings, each with its value and whether it is the\n"
    "default; with an option, sets that setting first.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --event-dates FROM..TO\n"
    "                        the dates an event must fall in to be stored\n"
    "                        (YYYY-MM-DD..YYYY-MM-DD, JST, both included, from\n"
    "                        1900-01-01 on): a row dated outside is a row error\n"
    "                        of its file; 'default' restores the default,\n"
    "                        " TK_TENANT_EVENT_DATES_DEFAULT ". Applies to files ingested\n"
    "                        from then on\n"
    "  --hours HOURS         the tenant's business hours, START-END or\n"
    "                        START-END/LUNCHSTART-LUNCHEND (e.g.\n"
    "                        8:30-17:15/12:00-13:00; no lunch part: no lunch\n"
    "                        break); 'default' restores 8:30-17:15/12:00-13:00\n"
    "  --dept-hours 所属=HOURS\n"
    "                        one 所属's own hours (the name exactly as the staff\n"
    "                        master writes it); 所属=default removes them. May\n"
    "                        be repeated\n"
    "  --by NAME             who changed the hours or the baseline settings, kept in\n"
    "                        the history (default: cli:LOGIN for the baseline)\n"
    "  --history             list the stored versions of the hours, newest (in\n"
    "                        force) first\n"
    "baseline settings (each takes a value in its range or 'default'):\n"
    "  --baseline-days N     days of the baseline window before the period, 28..730\n"
    "                        (183); analyze --baseline still overrides it\n"
    "  --trees N             isolation forest trees, 10..1000 (100)\n"
    "  --sample N            isolation forest rows per tree, 16..4096 (256)\n"
    "  --min-model-score X   day model items below are not listed, 0..100 (50)\n"
    "  --min-period-score X  period model items below are not listed, 0..100 (35)\n"
    "  --shrink-days X       weight of the 所属 in a robust baseline, 0.5..365 (10)\n"
    "  --z-cap X             clamp of every z-like score, 3..40 (8)\n"
    "  --overdispersion X    variance above mean * (1 + X) tries a negative\n"
    "                        binomial, 0..10 (0.1)\n"
    "  --lr-alpha X          level of its likelihood-ratio test, 0.0001..0.5 (0.01)\n"
    "  --prior-min-days X    least weight of the 所属's prior, 1..365 days (5)\n"
    "  --prior-max-days X    most weight of the 所属's prior, 1..3650 days (30)\n"
    "  --prior-min-shape X   least shape of the 所属's prior, 0.01..100 (0.5)\n"
    "  --baseline-reset      put every baseline setting back to its default\n"
    "  --baseline-history    list the stored versions of the baseline settings,\n"
    "                        newest (in force) first\n"
    "Each change of the hours or of the baseline settings is stored as a new\n"
    "version and applies to analyses from then on; see docs/calendar.md and\n"
    "docs/baselines.md.\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

#define MAX_DEPT_OPTS 64

/* One --hours or --dept-hours, parsed. */
struct hours_opt {
    const char *dept; /* NULL: the tenant default */
    size_t dlen;
    int remove; /* 'default' */
    tk_calendar_hours h;
    const char *arg;
};

static int parse_hours_opt(const char *arg, int dept, struct hours_opt *o, tk_error *err)
{
    const char *v = arg;
    memset(o, 0, sizeof *o);
    o->arg = arg;
    if (dept) {
        const char *eq = strrchr(arg, '=');
        if (eq == NULL || eq == arg)
            return tk_error_set(err, TK_EINVAL, "\"%.80s\": expected 所属=HOURS or 所属=default",
                                arg);
        o->dept = arg;
        o->dlen = (size_t)(eq - arg);
        v = eq + 1;
    }
    if (strcmp(v, "default") == 0) {
        o->remove = 1;
        return TK_OK;
    }
    return tk_calendar_parse_hours(v, strlen(v), &o->h, err);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Applies the hours options to the version in force and stores the result
 * as a new version, in one transaction. */
static int set_hours(tk_tenant *t, const struct hours_opt *o, size_t n, const char *by,
                     tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    tk_calendar_settings *s = NULL;
    char change[1024];
    size_t used = 0;
    int rc = tk_db_begin(db, err);
    if (rc == TK_OK)
        rc = tk_calendar_settings_load(&s, t, err);
    change[0] = '\0';
    for (size_t i = 0; i < n && rc == TK_OK; i++) {
        rc = tk_calendar_settings_put(s, o[i].dept, o[i].dlen, o[i].remove ? NULL : &o[i].h, err);
        if (rc != TK_OK)
            break;
        char hb[48];
        if (o[i].remove)
            snprintf(hb, sizeof hb, "default");
        else
            tk_calendar_format_hours(&o[i].h, hb, sizeof hb);
        if (used < sizeof change) {
            const int w = o[i].dept
                              ? snprintf(change + used, sizeof change - used, "%shours %.*s %s",
                                         i ? "; " : "", (int)o[i].dlen, o[i].dept, hb)
                              : snprintf(change + used, sizeof change - used, "%shours %s",
                                         i ? "; " : "", hb);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    if (rc == TK_OK)
        rc = tk_calendar_settings_store(s, t, change, by, now_ms(), err);
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    tk_db_rollback(db);
    tk_calendar_settings_destroy(s);
    return rc;
}

static int print_hours(tk_tenant *t, tk_error *err)
{
    tk_calendar_settings *s = NULL;
    const int rc = tk_calendar_settings_load(&s, t, err);
    if (rc != TK_OK)
        return rc;
    const tk_calendar_options *o = tk_calendar_settings_options(s);
    char hb[48];
    tk_calendar_format_hours(&o->hours, hb, sizeof hb);
    printf("hours  %s%s\n", hb, tk_calendar_settings_default_set(s) ? "" : "  (default)");
    for (size_t i = 0; i < o->ndepts; i++) {
        tk_calendar_format_hours(&o->depts[i].hours, hb, sizeof hb);
        printf("hours %s  %s\n", o->depts[i].dept, hb);
    }
    if (tk_calendar_settings_version(s) > 0)
        printf("hours-version  #%lld\n", (long long)tk_calendar_settings_version(s));
    tk_calendar_settings_destroy(s);
    return TK_OK;
}

/* The baseline settings in force, one line each. */
static int print_baseline(tk_tenant *t, tk_error *err)
{
    tk_bsettings_version v;
    const int rc = tk_bsettings_read(tk_tenant_db(t), &v, err);
    if (rc != TK_OK)
        return rc;
    for (size_t i = 0; i < TK_BS_COUNT; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s", tk_bsettings_param_at(i)->name);
        for (char *p = name; *p; p++)
            *p = *p == '_' ? '-' : *p;
        printf("%s  %g%s\n", name, v.s.v[i], tk_bsettings_is_default(&v.s, i) ? "  (default)" : "");
    }
    if (v.id > 0)
        printf("baseline-version  #%lld\n", (long long)v.id);
    tk_bsettings_version_dispose(&v);
    return TK_OK;
}

/* "2026-12-06 12:34:56" (JST) of t. */
static void format_when(int64_t t, char *iso, size_t cap)
{
    if (tk_time_format_iso(t, iso, cap) == 0)
        snprintf(iso, cap, "?");
    else
        iso[19] = '\0'; /* to the second, JST */
    iso[10] = iso[10] == 'T' ? ' ' : iso[10];
}

static int print_baseline_history(tk_tenant *t, tk_error *err)
{
    tk_bsettings_version *v = NULL;
    size_t n = 0;
    const int rc = tk_bsettings_history(tk_tenant_db(t), &v, &n, err);
    for (size_t i = 0; rc == TK_OK && i < n; i++) {
        char iso[TK_TIME_ISO_SIZE], desc[600];
        format_when(v[i].created_at, iso, sizeof iso);
        tk_bsettings_describe(&v[i].s, desc, sizeof desc);
        printf("#%lld  %s JST  %s  %s  (%s)\n", (long long)v[i].id, iso,
               v[i].created_by ? v[i].created_by : "(not recorded)", v[i].change, desc);
    }
    if (rc == TK_OK && n == 0)
        printf("no stored baseline settings: the defaults are in force\n");
    tk_bsettings_versions_free(v, n);
    return rc;
}

static int print_version(void *ctx, const tk_calendar_settings_entry *e)
{
    (void)ctx;
    char iso[TK_TIME_ISO_SIZE];
    if (tk_time_format_iso(e->created_at, iso, sizeof iso) == 0)
        snprintf(iso, sizeof iso, "?");
    else
        iso[19] = '\0'; /* to the second, JST */
    iso[10] = iso[10] == 'T' ? ' ' : iso[10];
    printf("#%lld  %s JST  %s  %s\n", (long long)e->version, iso, e->by ? e->by : "(not recorded)",
           e->change ? e->change : "");
    return TK_OK;
}

int tk_cli_settings(int argc, char **argv)
{
    /* One option per baseline setting: its name with dashes, val BS_OPT +
     * its index (models/bsettings.h). */
    enum { BS_OPT = 1000 };
    static const struct option longopts[] = {
        {"event-dates", required_argument, NULL, 'e'},
        {"hours", required_argument, NULL, 'H'},
        {"dept-hours", required_argument, NULL, 'D'},
        {"by", required_argument, NULL, 'b'},
        {"history", no_argument, NULL, 'y'},
        {"baseline-days", required_argument, NULL, BS_OPT + TK_BS_BASELINE_DAYS},
        {"trees", required_argument, NULL, BS_OPT + TK_BS_TREES},
        {"sample", required_argument, NULL, BS_OPT + TK_BS_SAMPLE},
        {"min-model-score", required_argument, NULL, BS_OPT + TK_BS_MIN_MODEL_SCORE},
        {"min-period-score", required_argument, NULL, BS_OPT + TK_BS_MIN_PERIOD_SCORE},
        {"shrink-days", required_argument, NULL, BS_OPT + TK_BS_SHRINK_DAYS},
        {"z-cap", required_argument, NULL, BS_OPT + TK_BS_Z_CAP},
        {"overdispersion", required_argument, NULL, BS_OPT + TK_BS_OVERDISPERSION},
        {"lr-alpha", required_argument, NULL, BS_OPT + TK_BS_LR_ALPHA},
        {"prior-min-days", required_argument, NULL, BS_OPT + TK_BS_PRIOR_MIN_DAYS},
        {"prior-max-days", required_argument, NULL, BS_OPT + TK_BS_PRIOR_MAX_DAYS},
        {"prior-min-shape", required_argument, NULL, BS_OPT + TK_BS_PRIOR_MIN_SHAPE},
        {"baseline-reset", no_argument, NULL, 'R'},
        {"baseline-history", no_argument, NULL, 'Y'},
        {NULL, 0, NULL, 0}};
    /* The baseline change as JSON: {"trees":200,"z_cap":null}. */
    char change[1024] = "{";
    double bval[TK_BS_COUNT]; /* NAN: 'default' */
    int bset[TK_BS_COUNT] = {0};
    size_t nchange = 0;
    int breset = 0, bhistory = 0;
    const char *dates = NULL, *by = NULL;
    struct hours_opt hours[MAX_DEPT_OPTS + 1];
    size_t nhours = 0;
    int history = 0;
    tk_error err = {0, ""};
    int c;
    tk_cliutil_args a =
        TK_CLIUTIL_ARGS_INIT("settings", settings_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'e':
            dates = optarg;
            break;
        case 'H':
        case 'D':
            if (nhours == sizeof hours / sizeof hours[0])
                return tk_cli_usage_error("settings", "at most %d --hours and --dept-hours at once",
                                          MAX_DEPT_OPTS + 1);
            if (parse_hours_opt(optarg, c == 'D', &hours[nhours], &err) != TK_OK)
                return tk_cli_usage_error("settings", "%s: %s",
                                          c == 'D' ? "--dept-hours" : "--hours", err.msg);
            nhours++;
            break;
        case 'b':
            by = optarg;
            break;
        case 'y':
            history = 1;
            break;
        case 'R':
            breset = 1;
            break;
        case 'Y':
            bhistory = 1;
            break;
        default: { /* a baseline setting: BS_OPT + its index */
            const size_t i = (size_t)(c - BS_OPT);
            double v = 0;
            const int isdef = strcmp(optarg, "default") == 0;
            if (!isdef && tk_bsettings_parse_value(i, optarg, &v, &err) != TK_OK)
                return tk_cli_usage_error("settings", "--%s: %s", longopts[5 + i].name, err.msg);
            bval[i] = isdef ? NAN : v; /* the last of a repeated option wins */
            bset[i] = 1;
            break;
        }
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error("settings", "--tenant is required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    for (size_t i = 0; i < TK_BS_COUNT; i++) {
        if (!bset[i])
            continue;
        const size_t used = strlen(change);
        char val[40];
        snprintf(val, sizeof val, "%.17g", bval[i]);
        snprintf(change + used, sizeof change - used, "%s\"%s\":%s", nchange++ ? "," : "",
                 tk_bsettings_param_at(i)->name, isnan(bval[i]) ? "null" : val);
    }
    strcat(change, "}");
    if ((history || bhistory) && (dates != NULL || nhours > 0 || nchange > 0 || breset))
        return tk_cli_usage_error("settings", "%s only lists; set in a separate command",
                                  history ? "--history" : "--baseline-history");
    if (history && bhistory)
        return tk_cli_usage_error("settings", "give --history or --baseline-history, not both");
    if (breset && nchange > 0)
        return tk_cli_usage_error("settings", "--baseline-reset puts every baseline setting back "
                                              "to its default: give it without other baseline "
                                              "settings");
    if (by != NULL && nhours == 0 && nchange == 0 && !breset)
        return tk_cli_usage_error("settings", "--by names who changed the hours: give --hours or "
                                              "--dept-hours (or a baseline setting)");
    tk_period range;
    if (dates != NULL && tk_tenant_parse_event_dates(dates, strlen(dates), &range, &err) != TK_OK)
        return tk_cli_usage_error("settings", "--event-dates: %s", err.msg);
    tk_tenant *t = NULL;
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant, 0, &err);
    if (rc == TK_OK && history) {
        rc = tk_calendar_settings_history(t, print_version, NULL, &err);
        if (rc == TK_OK) {
            tk_tenant_close(t);
            return TK_EXIT_OK;
        }
    }
    if (rc == TK_OK && bhistory) {
        rc = print_baseline_history(t, &err);
        if (rc == TK_OK) {
            tk_tenant_close(t);
            return TK_EXIT_OK;
        }
    }
    if (rc == TK_OK && (nchange > 0 || breset)) {
        tk_actor actor;
        char abuf[TK_ACTOR_NAME_SIZE];
        tk_actor_local(&actor, abuf, sizeof abuf);
        if (by != NULL)
            actor.name = by;
        rc = breset
                 ? tk_bsettings_reset(tk_tenant_db(t), &actor, NULL, &err)
                 : tk_bsettings_change(tk_tenant_db(t), change, strlen(change), &actor, NULL, &err);
    }
    if (rc == TK_OK && nhours > 0)
        rc = set_hours(t, hours, nhours, by, &err);
    if (rc == TK_OK && dates != NULL)
        rc = tk_tenant_set_event_dates(t, strcmp(dates, "default") == 0 ? NULL : &range, &err);
    int is_default = 1;
    if (rc == TK_OK)
        rc = tk_tenant_event_dates(t, &range, &is_default, &err);
    if (rc == TK_OK) {
        char v[48];
        tk_period_format(&range, v, sizeof v);
        printf("event-dates  %s%s\n", v, is_default ? "  (default)" : "");
        rc = print_hours(t, &err);
    }
    if (rc == TK_OK)
        rc = print_baseline(t, &err);
    if (rc != TK_OK) {
        tk_cli_report("settings", &err);
        tk_tenant_close(t);
        return TK_EXIT_FAIL;
    }
    tk_tenant_close(t);
    return TK_EXIT_OK;
}
