/* api/cli_entity.c -- `tenken entity` and `tenken trends`.
 *
 * Thin clients of models/entity and models/trends: parse the options,
 * open the tenant read-only (neither command writes), call the service
 * function and print its result as text, CSV or the API's JSON
 * (api/jsonout.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "api/jsonout.h"
#include "models/analysis.h"
#include "models/entity.h"
#include "models/trends.h"
#include "src/period.h"
#include "src/timefmt.h"

static const char entity_help[] =
    "usage: tenken entity --tenant T (--user NAME | --terminal NAME) --period FROM..TO\n"
    "                     [--format text|json] [--data DIR]\n"
    "\n"
    "Prints the profile of one user (職員ID) or terminal (端末名) for a period: per\n"
    "day its counts (events, look-ups, residents, after-hours events, systems; a\n"
    "terminal's events, business events, users, after-hours events, failed logons)\n"
    "against its own baseline band (10th to 90th percentile of its days with\n"
    "events in the baseline window) and against its peers (the others of its 所属\n"
    "with events that day), its time of day, the systems it used, its master data\n"
    "and the cases the analyses listed for it. The features are read as the\n"
    "analysis stored them, or computed when a day was never analysed.\n"
    "Text gives the day table of events (and look-ups for a user): value, the\n"
    "baseline band p10-p90 and the peers' median and band; '*' marks a value above\n"
    "both bands. JSON is the API's document (docs/entities.md).\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --user NAME           the user's 職員ID\n"
    "  --terminal NAME       the terminal's name (one of --user and --terminal)\n"
    "  --period FROM..TO     YYYY-MM-DD..YYYY-MM-DD, at most 366 days (required)\n"
    "  --format text|json    a readable table, or one JSON document (default: "
    "text)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static const char trends_help[] =
    "usage: tenken trends --tenant T --from DAY --to DAY --by KEY[,KEY]\n"
    "                     [--format csv|json] [--data DIR]\n"
    "\n"
    "Counts the cases of the stored analyses whose first day lies in the range,\n"
    "with the findings they are made of and their scores (mean, median, max),\n"
    "grouped by one or two keys: month, system, dept (所属), rule (the leading rule,\n"
    "'model' for a models-only case), severity, status (the triage outcome). Of\n"
    "each analysed period the newest run counts; where periods overlap a day\n"
    "belongs to the newest run covering it. A case with several systems counts in\n"
    "each system's group. CSV columns: the keys, then\n"
    "cases,findings,score_mean,score_median,score_max; JSON adds the runs read and\n"
    "the totals.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --from DAY            the first day, YYYY-MM-DD (required)\n"
    "  --to DAY              the last day, YYYY-MM-DD (required)\n"
    "  --by KEY[,KEY]        one or two of month, system, dept, rule, severity,\n"
    "                        status (required)\n"
    "  --format csv|json     CSV as above, or one JSON document (default: csv)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

/* ---- entity -------------------------------------------------------------------------------- */

static void print_band_cell(const tk_entity_band *b, char *buf, size_t cap)
{
    if (b->n == 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.1f-%.1f", b->p10, b->p90);
}

static void print_entity(const tk_entity *e)
{
    char pr[32], base[32], d[16];
    tk_period_format(&e->period, pr, sizeof pr);
    tk_period_format(&e->baseline, base, sizeof base);
    printf("%s %s  所属 %s  period %s\n", tk_entity_type_name(e->type), e->id,
           e->dept ? e->dept : "(unknown)", pr);
    printf("baseline %s (%zu days with events)  features %s  master %s\n", base,
           e->baseline_band[0].n, e->stored ? "stored" : "computed now",
           e->known ? "listed" : "not listed");
    const size_t nm = e->type == TK_ENTITY_USER ? 2 : 1;
    for (size_t m = 0; m < nm; m++) {
        const tk_entity_band *b = &e->baseline_band[m];
        printf("%s: baseline mean %.1f median %.1f band %.1f-%.1f\n", tk_entity_measure(e->type, m),
               b->mean, b->median, b->p10, b->p90);
    }
    printf("\n%-10s %-4s", "day", "");
    for (size_t m = 0; m < nm; m++)
        printf(" %10s %13s %13s", tk_entity_measure(e->type, m), "baseline", "peers");
    printf("\n");
    for (size_t i = 0; i < e->ndays; i++) {
        const tk_entity_day *x = &e->days[i];
        tk_period_format_day(x->day, d, sizeof d);
        printf("%-10s %-4s", d, x->closed ? "休" : "");
        for (size_t m = 0; m < nm; m++) {
            char bb[32], pb[32];
            print_band_cell(&e->baseline_band[m], bb, sizeof bb);
            print_band_cell(&x->peers[m], pb, sizeof pb);
            const int above = x->active && e->baseline_band[m].n > 0 && x->peers[m].n > 0 &&
                              x->value[m] > e->baseline_band[m].p90 &&
                              x->value[m] > x->peers[m].p90;
            char v[24];
            if (x->active)
                snprintf(v, sizeof v, "%.0f%s", x->value[m], above ? "*" : "");
            else
                snprintf(v, sizeof v, "-");
            printf(" %10s %13s %13s", v, bb, pb);
        }
        printf("\n");
    }
    printf("\nsystems:");
    for (size_t i = 0; i < e->nsystems; i++)
        printf("%s %s %lld", i ? "," : "", e->systems[i].name, (long long)e->systems[i].events);
    printf("%s\n", e->nsystems ? "" : " none");
    printf("cases: %zu\n", e->ncases);
    for (size_t i = 0; i < e->ncases; i++) {
        const tk_anomalies_item *it = &e->cases[i];
        tk_period_format_day(it->first_day, d, sizeof d);
        printf("  %lld-%lld  %5.1f  %s  %s  %s\n", (long long)it->run_id, (long long)it->rank,
               it->score, d, it->rule_id[0] ? it->rule_id : "model", it->summary);
    }
}

int tk_cli_entity(int argc, char **argv)
{
    static const struct option longopts[] = {{"user", required_argument, NULL, 'u'},
                                             {"terminal", required_argument, NULL, 'T'},
                                             {"format", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    const char *user = NULL, *term = NULL;
    int json = 0, c;
    tk_error err = {0, ""};
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(
        "entity", entity_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_PERIOD | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'u':
            user = optarg;
            break;
        case 'T':
            term = optarg;
            break;
        case 'f':
            if ((json = tk_cliutil_choice("entity", "--format", optarg, "text|json")) < 0)
                return TK_EXIT_USAGE;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    if (a.tenant == NULL || a.period == NULL)
        return tk_cli_usage_error("entity", "--tenant and --period are required");
    if ((user == NULL) == (term == NULL))
        return tk_cli_usage_error("entity", "give one of --user and --terminal");
    tk_period pr;
    if (tk_period_parse(a.period, strlen(a.period), &pr, &err) != TK_OK)
        return tk_cli_usage_error("entity", "--period: %s", err.msg);
    if (pr.last_day - pr.first_day >= TK_ENTITY_MAX_DAYS)
        return tk_cli_usage_error("entity", "--period covers at most %d days", TK_ENTITY_MAX_DAYS);
    tk_tenant *t = NULL;
    tk_entity e;
    int rc =
        tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant, TK_TENANT_READONLY, &err);
    if (rc == TK_OK)
        rc = tk_entity_profile(t, user ? TK_ENTITY_USER : TK_ENTITY_TERMINAL, user ? user : term,
                               &pr, &e, &err);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("entity", &err);
        return TK_EXIT_FAIL;
    }
    if (json)
        tk_cli_print_json(tk_jsonout_entity(&e), TK_CLI_JSON);
    else
        print_entity(&e);
    tk_entity_dispose(&e);
    return TK_EXIT_OK;
}

/* ---- trends -------------------------------------------------------------------------------- */

static int parse_day(const char *opt, const char *v, int64_t *day)
{
    tk_period p;
    char buf[64];
    const size_t len = strlen(v);
    if (len > 20 || (snprintf(buf, sizeof buf, "%s..%s", v, v),
                     tk_period_parse(buf, strlen(buf), &p, NULL) != TK_OK))
        return tk_cli_usage_error("trends", "%s needs a day YYYY-MM-DD, not '%.40s'", opt, v);
    *day = p.first_day;
    return TK_EXIT_OK;
}

int tk_cli_trends(int argc, char **argv)
{
    static const struct option longopts[] = {{"from", required_argument, NULL, 'F'},
                                             {"to", required_argument, NULL, 'T'},
                                             {"by", required_argument, NULL, 'b'},
                                             {"format", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    const char *from = NULL, *to = NULL, *by = NULL;
    int json = 0, c;
    tk_error err = {0, ""};
    tk_cliutil_args a =
        TK_CLIUTIL_ARGS_INIT("trends", trends_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'F':
            from = optarg;
            break;
        case 'T':
            to = optarg;
            break;
        case 'b':
            by = optarg;
            break;
        case 'f':
            if ((json = tk_cliutil_choice("trends", "--format", optarg, "csv|json")) < 0)
                return TK_EXIT_USAGE;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    if (a.tenant == NULL || from == NULL || to == NULL || by == NULL)
        return tk_cli_usage_error("trends", "--tenant, --from, --to and --by are required");
    tk_period range;
    tk_trends_key keys[TK_TRENDS_MAX_KEYS];
    size_t nkeys = 0;
    int st = parse_day("--from", from, &range.first_day);
    if (st == TK_EXIT_OK)
        st = parse_day("--to", to, &range.last_day);
    if (st != TK_EXIT_OK)
        return st;
    if (range.first_day > range.last_day)
        return tk_cli_usage_error("trends", "--to is before --from");
    if (tk_trends_keys_parse(by, strlen(by), keys, &nkeys, &err) != TK_OK)
        return tk_cli_usage_error("trends", "--by: %s", err.msg);
    tk_tenant *t = NULL;
    tk_trends tr;
    memset(&tr, 0, sizeof tr);
    int rc =
        tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant, TK_TENANT_READONLY, &err);
    if (rc == TK_OK)
        rc = tk_trends_compute(tk_tenant_db(t), &range, keys, nkeys, &tr, &err);
    tk_tenant_close(t);
    if (rc == TK_EDB && strstr(err.msg, "no such table") != NULL) {
        rc = TK_OK; /* never analysed: no runs, no cases */
        tr.range = range;
        tr.nkeys = nkeys;
        memcpy(tr.keys, keys, sizeof keys);
    }
    if (rc != TK_OK) {
        tk_cli_report("trends", &err);
        return TK_EXIT_FAIL;
    }
    if (json) {
        tk_cli_print_json(tk_jsonout_trends(&tr), TK_CLI_JSON);
    } else {
        for (size_t k = 0; k < nkeys; k++)
            printf("%s,", tk_trends_key_name(keys[k]));
        printf("cases,findings,score_mean,score_median,score_max\n");
        for (size_t i = 0; i < tr.ngroups; i++) {
            const tk_trends_group *g = &tr.groups[i];
            for (size_t k = 0; k < nkeys; k++) {
                tk_cli_csv_field(g->value[k]);
                putchar(',');
            }
            printf("%zu,%zu,%.1f,%.1f,%.1f\n", g->cases, g->findings,
                   tk_jsonout_score(g->score_mean), tk_jsonout_score(g->score_median),
                   tk_jsonout_score(g->score_max));
        }
    }
    tk_trends_dispose(&tr);
    return TK_EXIT_OK;
}
