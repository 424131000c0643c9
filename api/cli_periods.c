/* api/cli_periods.c -- `tenken periods`: a tenant's periods and where each
 * stands.
 *
 * A thin client of models/periods (tk_periods_list), the function
 * GET /api/v1/periods answers from; --format json prints the same
 * document as the service (api/jsonout.h, tk_jsonout_period). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "api/jsonout.h"
#include "models/analysis.h"
#include "models/completeness.h"
#include "models/periods.h"
#include "src/period.h"
#include "src/timefmt.h"

static const char periods_help[] =
    "usage: tenken periods --tenant T [--format table|json] [--data DIR]\n"
    "\n"
    "Lists the periods tenant T knows from its analysis runs and its deliveries,\n"
    "oldest first: status (open, analysed, delivered), frozen (a delivered period\n"
    "overlaps it), the number of runs, the newest run (id, time, who started it),\n"
    "its cases in all and by triage status (new, investigating, confirmed, false\n"
    "positive), and when and by whom the report was delivered.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --format table|json   a table, or the JSON the service answers (default:\n"
    "                        table)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

/* "YYYY-MM-DD HH:MM" in JST, or "-" for 0. */
static void when(int64_t ms, char *buf, size_t cap)
{
    char iso[TK_TIME_ISO_SIZE];
    if (ms == 0 || tk_time_format_iso(ms, iso, sizeof iso) == 0) {
        snprintf(buf, cap, "-");
        return;
    }
    snprintf(buf, cap, "%.10s %.5s", iso, iso + 11);
}

static void print_row(const tk_periods_entry *e)
{
    char pb[32], run[24] = "-", at[32], dat[32], cases[64] = "-";
    tk_period_format(&e->period, pb, sizeof pb);
    when(e->latest_run_at, at, sizeof at);
    when(e->delivered_at, dat, sizeof dat);
    if (e->latest_run > 0) {
        snprintf(run, sizeof run, "%lld", (long long)e->latest_run);
        snprintf(cases, sizeof cases, "%zu (%zu/%zu/%zu/%zu)", e->cases, e->by_status[0],
                 e->by_status[1], e->by_status[2], e->by_status[3]);
    }
    printf("%-22s  %-9s  %-6s  %4zu  %6s  %-16s  %-16.16s  %-24s  %-16s  %-.16s\n", pb,
           tk_periods_status_name(e->status), e->frozen ? "yes" : "no", e->runs, run, at,
           e->latest_run_by ? e->latest_run_by : "-", cases, dat,
           e->delivered_by ? e->delivered_by : "-");
}

int tk_cli_periods(int argc, char **argv)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    int json = 0, c;
    tk_cliutil_args a =
        TK_CLIUTIL_ARGS_INIT("periods", periods_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'f':
            if ((json = tk_cliutil_choice("periods", "--format", optarg, "table|json")) < 0)
                return TK_EXIT_USAGE;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error("periods", "--tenant is required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    tk_periods_entry *v = NULL;
    size_t n = 0;
    int rc =
        tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant, TK_TENANT_READONLY, &err);
    if (rc == TK_OK)
        rc = tk_periods_list(tk_tenant_db(t), &v, &n, &err);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("periods", &err);
        return TK_EXIT_FAIL;
    }
    if (json) {
        json_t *items = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(items, tk_jsonout_period(&v[i]));
        tk_cli_print_json(json_pack("{s:o}", "items", items), TK_CLI_JSON);
    } else if (n == 0) {
        printf("no periods: tenant %s has no analysis run and no delivery\n", a.tenant);
    } else {
        printf("%-22s  %-9s  %-6s  %4s  %6s  %-16s  %-16s  %-24s  %-16s  %s\n", "period", "status",
               "frozen", "runs", "run", "run at", "run by", "cases (new/inv/conf/fp)",
               "delivered at", "delivered by");
        for (size_t i = 0; i < n; i++)
            print_row(&v[i]);
    }
    tk_periods_free(v, n);
    return TK_EXIT_OK;
}

/* ---- tenken plan ---------------------------------------------------------- */

static const char plan_help[] =
    "usage: tenken plan --tenant T --fiscal-year Y [--upload-days N] [--due-days N]\n"
    "       tenken plan --tenant T --period FROM..TO --upload-deadline DAY --due DAY\n"
    "       tenken plan --tenant T --remove FROM..TO\n"
    "       (each with [--by NAME] [--no-wait] [--data DIR])\n"
    "\n"
    "Sets the contract's schedule (業務処理計画書): the periods of the year, the day\n"
    "by which the city uploads each period's logs and the day its report is due.\n"
    "`tenken periods`, the completeness grid and the reports show them.\n"
    "\n"
    "With --fiscal-year Y it plans the six two-month periods of fiscal year Y\n"
    "(April Y to March Y+1): each upload deadline N days after the period's last\n"
    "day (default 10), each report due N days after it (default 30). With\n"
    "--period it plans one period with the given days. A plan replaces the plan of\n"
    "exactly the same days; one that overlaps another planned period, or a\n"
    "delivered one, is refused.\n"
    "\n"
    "options:\n"
    "  --tenant T              the tenant (required)\n"
    "  --fiscal-year Y         plan the six periods of fiscal year Y (2000-2100)\n"
    "  --upload-days N         with --fiscal-year: upload deadline N days after the\n"
    "                          period (1-60, default 10)\n"
    "  --due-days N            with --fiscal-year: report due N days after the period\n"
    "                          (1-120, default 30; not before the upload deadline)\n"
    "  --period FROM..TO       plan one period\n"
    "  --upload-deadline DAY   with --period: YYYY-MM-DD, after the period\n"
    "  --due DAY               with --period: YYYY-MM-DD, not before the deadline\n"
    "  --remove FROM..TO       remove the plan of that period\n"
    "  --by NAME               who set it (default: the local user, "
    "cli:LOGIN)\n" TK_CLI_HELP_NO_WAIT TK_CLI_HELP_DATA TK_CLI_HELP_HELP "\n"
    "exit status: 0 success, 1 failure (message on stderr), 75 another command is\n"
    "writing to the tenant (--no-wait), 2 usage error\n";

/* Parses a decimal in [lo, hi] into *out; 0 when it is not one. */
static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    const long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

int tk_cli_plan(int argc, char **argv)
{
    static const struct option longopts[] = {{"fiscal-year", required_argument, NULL, 'y'},
                                             {"upload-days", required_argument, NULL, 'u'},
                                             {"due-days", required_argument, NULL, 'D'},
                                             {"upload-deadline", required_argument, NULL, 'U'},
                                             {"due", required_argument, NULL, 'e'},
                                             {"remove", required_argument, NULL, 'r'},
                                             {"by", required_argument, NULL, 'b'},
                                             {NULL, 0, NULL, 0}};
    const char *deadline = NULL, *due = NULL;
    const char *remove = NULL, *by = NULL;
    long fy = 0, upload_days = 10, due_days = 30;
    int c;
    tk_cliutil_args ca = TK_CLIUTIL_ARGS_INIT("plan", plan_help,
                                              TK_CLIUTIL_TENANT | TK_CLIUTIL_PERIOD |
                                                  TK_CLIUTIL_NOWAIT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&ca, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'y':
            if (!parse_int(optarg, 2000, 2100, &fy))
                return tk_cli_usage_error("plan", "--fiscal-year is a year from 2000 to 2100");
            break;
        case 'u':
            if (!parse_int(optarg, 1, 60, &upload_days))
                return tk_cli_usage_error("plan", "--upload-days is a number of days from 1 to 60");
            break;
        case 'D':
            if (!parse_int(optarg, 1, 120, &due_days))
                return tk_cli_usage_error("plan", "--due-days is a number of days from 1 to 120");
            break;
        case 'U':
            deadline = optarg;
            break;
        case 'e':
            due = optarg;
            break;
        case 'r':
            remove = optarg;
            break;
        case 'b':
            by = optarg;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return ca.status;
    if (ca.tenant == NULL)
        return tk_cli_usage_error("plan", "--tenant is required");
    if (optind != argc)
        return tk_cliutil_unexpected(&ca, argv);
    if ((fy != 0) + (ca.period != NULL) + (remove != NULL) != 1)
        return tk_cli_usage_error("plan", "give one of --fiscal-year, --period or --remove");
    if (ca.period != NULL && (deadline == NULL || due == NULL))
        return tk_cli_usage_error("plan", "--period needs --upload-deadline and --due");
    if (ca.period == NULL && (deadline != NULL || due != NULL))
        return tk_cli_usage_error("plan", "--upload-deadline and --due go with --period");
    if (fy != 0 && due_days < upload_days)
        return tk_cli_usage_error("plan", "--due-days (%ld) is before --upload-days (%ld)",
                                  due_days, upload_days);

    tk_error err = {0, ""};
    tk_period prs[6];
    int64_t deadlines[6], dues[6];
    size_t n = 0;
    if (fy != 0) {
        tk_period_fiscal_bimonths((int)fy, prs);
        for (n = 0; n < 6; n++) {
            deadlines[n] = prs[n].last_day + upload_days;
            dues[n] = prs[n].last_day + due_days;
        }
    } else {
        const char *arg = ca.period ? ca.period : remove;
        if (tk_period_parse(arg, strlen(arg), &prs[0], &err) != TK_OK)
            return tk_cli_usage_error("plan", "%s", err.msg);
        if (ca.period != NULL &&
            (tk_period_parse_day(deadline, strlen(deadline), &deadlines[0], &err) != TK_OK ||
             tk_period_parse_day(due, strlen(due), &dues[0], &err) != TK_OK))
            return tk_cli_usage_error("plan", "%s", err.msg);
        n = 1;
    }

    tk_tenant *t = NULL;
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(ca.data), ca.tenant, 0, &err);
    if (rc != TK_OK) {
        tk_cli_report("plan", &err);
        return TK_EXIT_FAIL;
    }
    const int ls = tk_cli_lock_writer("plan", t, "plan", ca.nowait);
    if (ls != TK_EXIT_OK) {
        tk_tenant_close(t);
        return ls;
    }
    tk_actor actor;
    char who[TK_ACTOR_NAME_SIZE];
    tk_actor_local(&actor, who, sizeof who);
    if (by != NULL)
        actor.name = by;
    tk_db *db = tk_tenant_db(t);
    if (remove != NULL) {
        rc = tk_period_plan_remove(db, &prs[0], &err);
    } else {
        rc = tk_periods_plan(db, prs, deadlines, dues, n, &actor, &err);
    }
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("plan", &err);
        return TK_EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        char pb[32], a[16], b[16];
        tk_period_format(&prs[i], pb, sizeof pb);
        if (remove != NULL) {
            printf("period %s is no longer planned\n", pb);
            continue;
        }
        tk_period_format_day(deadlines[i], a, sizeof a);
        tk_period_format_day(dues[i], b, sizeof b);
        printf("planned %s: logs by %s, report due %s\n", pb, a, b);
    }
    return TK_EXIT_OK;
}

/* ---- tenken completeness -------------------------------------------------- */

static const char completeness_help[] =
    "usage: tenken completeness --tenant T --period FROM..TO [--format table|json]\n"
    "                           [--today DAY] [--data DIR]\n"
    "\n"
    "Shows whether a period's logs arrived: for every system with rows in the\n"
    "period or the 8 weeks before it, the rows stored per day, with\n"
    "  -  an open day without rows (missing)\n"
    "  !  an open day with under 30 % of the system's normal day (low)\n"
    "  .  a closed day (holiday, weekend, the city's closed days)\n"
    "and a system with rows before the period but none in it marked absent.\n"
    "The normal is the median of the system's open days with rows over the 8\n"
    "weeks before the period. Days after today are not judged. The period's\n"
    "upload deadline and report due day are shown when `tenken plan` set them.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the period (required)\n"
    "  --format table|json   a grid, or the JSON the service answers (default: table)\n"
    "  --today DAY           judge as on DAY (YYYY-MM-DD; default: today in JST)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP "\n"
    "exit status: 0 nothing missing, 3 days missing or low or a system absent,\n"
    "1 failure (message on stderr), 2 usage error\n";

/* Terminal columns of UTF-8 text s: 2 for East Asian wide characters
 * (U+1100 and above, but for the half-width forms U+FF61-U+FFDC), 1 for
 * the rest -- enough for system names. */
static size_t columns(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp = *p;
        size_t len = 1;
        if (cp >= 0xF0)
            cp = 0x10000, len = 4;
        else if (cp >= 0xE0 && p[1] && p[2])
            cp = ((cp & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu), len = 3;
        else if (cp >= 0xC0 && p[1])
            cp = 0x80, len = 2;
        w += cp >= 0x1100 && !(cp >= 0xFF61 && cp <= 0xFFDC) ? 2 : 1;
        while (len-- > 0 && *p)
            p++;
    }
    return w;
}

/* Prints s padded with spaces to w terminal columns. */
static void print_padded(const char *s, size_t w)
{
    size_t c = columns(s);
    fputs(s, stdout);
    while (c++ < w)
        putchar(' ');
}

/* Prints the grid: one line per system, one column per day. */
static void print_grid(const tk_completeness *c)
{
    char a[16], b[16];
    if (c->planned) {
        tk_period_format_day(c->upload_deadline, a, sizeof a);
        tk_period_format_day(c->delivery_due, b, sizeof b);
        printf("upload deadline %s, report due %s\n", a, b);
    }
    printf("%llu rows, %zu systems; %zu missing days, %zu low days, %zu absent systems\n",
           (unsigned long long)c->total, c->nsystems, c->missing, c->low, c->absent);
    if (c->nsystems == 0)
        return;
    size_t w = 6;
    for (size_t s = 0; s < c->nsystems; s++)
        w = columns(c->systems[s].name) > w ? columns(c->systems[s].name) : w;
    /* A header of day-of-month digits, tens above units. */
    for (int line = 0; line < 2; line++) {
        print_padded(line == 0 ? "" : "system", w + 2);
        for (size_t d = 0; d < c->ndays; d++) {
            int y, m, dd;
            tk_civil_from_days(c->period.first_day + (int64_t)d, &y, &m, &dd);
            putchar(line == 0 ? (dd >= 10 ? '0' + dd / 10 : ' ') : '0' + dd % 10);
        }
        printf(line == 0 ? "\n" : "  %10s  %8s\n", "rows", "normal");
    }
    for (size_t s = 0; s < c->nsystems; s++) {
        const tk_completeness_system *sy = &c->systems[s];
        print_padded(sy->name, w + 2);
        for (size_t d = 0; d < c->ndays; d++) {
            static const char marks[] = {'#', '.', '-', '!', ' '};
            const unsigned char f = c->flags[s * c->ndays + d];
            /* A closed day with rows reads as a day with rows. */
            putchar(f == TK_COMPLETENESS_CLOSED && c->rows[s * c->ndays + d] > 0 ? '+' : marks[f]);
        }
        printf("  %10llu  %8.0f%s\n", (unsigned long long)sy->rows, sy->normal,
               sy->absent ? "  absent" : "");
    }
    printf("# rows, + rows on a closed day, - missing, ! low, . closed, blank: after today\n");
}

int tk_cli_completeness(int argc, char **argv)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {"today", required_argument, NULL, 'T'},
                                             {NULL, 0, NULL, 0}};
    const char *today_arg = NULL;
    int json = 0, c;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(
        "completeness", completeness_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_PERIOD | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'f':
            if ((json = tk_cliutil_choice("completeness", "--format", optarg, "table|json")) < 0)
                return TK_EXIT_USAGE;
            break;
        case 'T':
            today_arg = optarg;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL || a.period == NULL)
        return tk_cli_usage_error("completeness", "--tenant and --period are required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    tk_error err = {0, ""};
    tk_period pr;
    const int st = tk_cliutil_period("completeness", a.period, &pr);
    if (st != TK_EXIT_OK)
        return st;
    int64_t today = tk_jst_day(tk_actor_now(NULL));
    if (today_arg != NULL && tk_period_parse_day(today_arg, strlen(today_arg), &today, &err))
        return tk_cli_usage_error("completeness", "--today: %s", err.msg);
    tk_tenant *t = NULL;
    tk_completeness g;
    memset(&g, 0, sizeof g);
    int rc =
        tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant, TK_TENANT_READONLY, &err);
    if (rc == TK_OK)
        rc = tk_completeness_compute(t, &pr, today, &g, &err);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("completeness", &err);
        return TK_EXIT_FAIL;
    }
    if (json)
        tk_cli_print_json(tk_jsonout_completeness(&g, today), TK_CLI_JSON);
    else
        print_grid(&g);
    const int gaps = g.missing + g.low + g.absent > 0;
    tk_completeness_dispose(&g);
    return gaps ? 3 : TK_EXIT_OK;
}
