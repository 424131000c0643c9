/* api/cli_analyze.c -- `tenken analyze`, `tenken anomalies`, `tenken explain`.
 *
 * analyze runs models/analysis on a period and stores the ranked list;
 * anomalies prints that list (CSV with the contract's columns, or JSON);
 * explain prints one item's explanation as JSON. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "api/jsonout.h"
#include "models/analysis.h"
#include "models/periods.h"
#include "models/anomalies.h"
#include "models/rulecat.h"
#include "src/actor.h"
#include "src/period.h"
#include "src/store.h"
#include "src/tenant.h"
#include "src/timefmt.h"

static const char analyze_help[] =
    "usage: tenken analyze --tenant T --period FROM..TO [--baseline FROM..TO]\n"
    "                      [--rules CONFIG.json] [--seed N] [--threads N] [--quiet]\n"
    "                      [--no-wait] [--data DIR]\n"
    "\n"
    "Analyses an inspection period of tenant T: computes the features of the\n"
    "period and of its baseline window, fits per-user baselines, scores every\n"
    "user-day, terminal-day and period, runs the rule catalogue, and stores one\n"
    "ranked list of findings and anomalies (see 'tenken anomalies'). Prints the\n"
    "run's notes in full (gaps in a system's log, rules not evaluated, a baseline\n"
    "without events) and warns when the period has no events, saying where the\n"
    "stored events lie. A period whose report has been delivered is frozen and is\n"
    "refused. One command writes to a tenant at a time: while another one does,\n"
    "analyze waits for it before it starts, saying so on stderr.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the inspection period, YYYY-MM-DD..YYYY-MM-DD\n"
    "                        (required)\n"
    "  --baseline FROM..TO   the baseline window, ending before the period\n"
    "                        (default: the 183 days before the period)\n"
    "  --rules CONFIG.json   the rule configuration for this run only (default: the\n"
    "                        tenant's configuration in force, see 'tenken rules\n"
    "                        list'; the catalogue's defaults until one is set)\n"
    "  --seed N              the isolation forest's random seed (default: 20241001)\n"
    "  --threads N           feature workers; 0 = one per CPU this process may use\n"
    "                        (default: 0); the result does not depend on it\n"
    "  --quiet               no progress line (default: a progress line on stderr\n"
    "                        when it is a terminal)\n" TK_CLI_HELP_NO_WAIT TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP "\n"
    "exit status: 0 success, 1 failure (message on stderr), 75 another command is\n"
    "writing to the tenant (--no-wait), 2 usage error\n";

struct bar {
    int active;
};

static void draw(void *ctx, const char *name, double done)
{
    struct bar *b = ctx;
    fprintf(stderr, "\r\033[Kanalysing: %-32s %3.0f%%", name, done * 100);
    fflush(stderr);
    b->active = 1;
}

/* Warns (stderr) that the analysed period has no events and says where
 * the tenant's events lie: days and months (runs of months as FROM..TO). */
static void warn_empty(tk_db *db, const char *period)
{
    tk_store_span sp;
    tk_error err = {0, ""};
    if (tk_store_event_span(db, &sp, &err) != TK_OK) {
        fprintf(stderr, "tenken analyze: warning: no events in %s\n", period);
        return;
    }
    if (sp.nmonths == 0) {
        fprintf(stderr,
                "tenken analyze: warning: no events in %s: the tenant has no events yet "
                "(tenken ingest stores them)\n",
                period);
        return;
    }
    char from[16], to[16], months[256] = "";
    size_t used = 0;
    tk_period_format_day(sp.first_day, from, sizeof from);
    tk_period_format_day(sp.last_day, to, sizeof to);
    for (size_t i = 0; i < sp.nmonths && used + 40 < sizeof months;) {
        size_t j = i;
        while (j + 1 < sp.nmonths && sp.months[j + 1] == sp.months[j] + 1)
            j++;
        const int64_t a = sp.months[i], b = sp.months[j];
        int w;
        if (a == b)
            w = snprintf(months + used, sizeof months - used, "%s%04d-%02d", i ? ", " : "",
                         (int)(a / 12), (int)(a % 12 + 1));
        else
            w = snprintf(months + used, sizeof months - used, "%s%04d-%02d..%04d-%02d",
                         i ? ", " : "", (int)(a / 12), (int)(a % 12 + 1), (int)(b / 12),
                         (int)(b % 12 + 1));
        used += w > 0 ? (size_t)w : 0;
        i = j + 1;
        if (i < sp.nmonths && used + 40 >= sizeof months)
            snprintf(months + used, sizeof months - used, ", ...");
    }
    fprintf(stderr,
            "tenken analyze: warning: no events in %s: the tenant's events lie in %s..%s "
            "(months %s)\n",
            period, from, to, months);
    tk_store_span_dispose(&sp);
}

int tk_cli_analyze(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"baseline", required_argument, NULL, 'b'}, {"rules", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},     {"threads", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},          {NULL, 0, NULL, 0}};
    const char *baseline = NULL, *rules = NULL;
    tk_analysis_options opt = TK_ANALYSIS_OPTIONS_INIT;
    int quiet = 0, c;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT("analyze", analyze_help,
                                             TK_CLIUTIL_TENANT | TK_CLIUTIL_PERIOD |
                                                 TK_CLIUTIL_DATA | TK_CLIUTIL_NOWAIT);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'b':
            baseline = optarg;
            break;
        case 'r':
            rules = optarg;
            break;
        case 's': {
            char *end = NULL;
            opt.seed = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || optarg[0] == '-')
                return tk_cli_usage_error("analyze", "--seed needs a number, not '%s'", optarg);
            break;
        }
        case 'j': {
            char *end = NULL;
            const long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 0 || n > 1024)
                return tk_cli_usage_error("analyze",
                                          "--threads needs a number from 0 to 1024, "
                                          "not '%s'",
                                          optarg);
            opt.threads = (int)n;
            break;
        }
        case 'q':
            quiet = 1;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL || a.period == NULL)
        return tk_cli_usage_error("analyze", "--tenant and --period are required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    tk_period pr;
    int st = tk_cliutil_period("analyze", a.period, &pr);
    if (st == TK_EXIT_OK && baseline)
        st = tk_cliutil_period("analyze", baseline, &opt.baseline);
    if (st != TK_EXIT_OK)
        return st;
    if (baseline && opt.baseline.last_day >= pr.first_day)
        return tk_cli_usage_error("analyze", "the baseline must end before the period starts");

    tk_error err = {0, ""};
    tk_rulecat_config *cfg = NULL;
    tk_tenant *t = NULL;
    int rc = TK_OK;
    if (rules)
        rc = tk_rulecat_config_load(&cfg, rules, &err);
    if (rc == TK_OK)
        rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant, 0, &err);
    if (rc == TK_OK) {
        /* The writer lock before anything is computed: a second writer
         * waits here (or is refused), never after the analysis. */
        char what[64], pb[32];
        tk_period_format(&pr, pb, sizeof pb);
        snprintf(what, sizeof what, "analyze of %s", pb);
        st = tk_cli_lock_writer("analyze", t, what, a.nowait);
        if (st != TK_EXIT_OK) {
            tk_tenant_close(t);
            tk_rulecat_config_destroy(cfg);
            return st;
        }
    }
    if (rc == TK_OK && rules == NULL) /* the tenant's configuration in force */
        rc = tk_rulecat_in_force(tk_tenant_db(t), &cfg, NULL, &err);
    struct bar bar = {0};
    if (!quiet && isatty(STDERR_FILENO)) {
        opt.progress = draw;
        opt.progress_ctx = &bar;
    }
    opt.rules = cfg;
    tk_actor actor;
    char aname[TK_ACTOR_NAME_SIZE];
    tk_actor_local(&actor, aname, sizeof aname);
    opt.actor = &actor;
    tk_analysis_summary sum;
    if (rc == TK_OK)
        rc = tk_analysis_run(t, &pr, &opt, &sum, &err);
    if (bar.active)
        fprintf(stderr, "\r\033[K");
    char pbuf[32];
    tk_period_format(&pr, pbuf, sizeof pbuf);
    if (rc == TK_OK && sum.period_events == 0)
        warn_empty(tk_tenant_db(t), pbuf);
    tk_tenant_close(t);
    tk_rulecat_config_destroy(cfg);
    if (rc != TK_OK) {
        tk_cli_report("analyze", &err);
        return TK_EXIT_FAIL;
    }
    printf("analysed %s: %lld events read, %zu user-days scored; %zu rule findings, %zu user-day, "
           "%zu terminal-day and %zu period model anomalies, in %zu cases, listed as run #%lld "
           "in %.1f s\n",
           pbuf, (long long)sum.events, sum.user_days, sum.findings, sum.model_items,
           sum.terminal_items, sum.period_items, sum.cases, (long long)sum.run_id, sum.seconds);
    tk_cli_print_notes(sum.notes, "", NULL);
    tk_analysis_summary_dispose(&sum);
    printf("stages: master data %.1f s, features %.1f s, models %.1f s, rules %.1f s (alongside "
           "features and models; %.1f s waited), ranking %.1f s\n",
           sum.t_master, sum.t_features, sum.t_models, sum.t_rules, sum.t_wait, sum.t_ranking);
    printf("next: tenken anomalies%s%s --tenant %s --period %s --limit 20\n",
           a.data ? " --data " : "", a.data ? a.data : "", a.tenant, pbuf);
    return TK_EXIT_OK;
}

/* ---- tenken deliver --------------------------------------------------------- */

static const char deliver_help[] =
    "usage: tenken deliver --tenant T --period FROM..TO [--by NAME] [--force]\n"
    "                      [--no-wait] [--data DIR]\n"
    "\n"
    "Records that the report of the period was delivered to the city. The period\n"
    "(and every period overlapping it) is frozen from then on: it is not analysed\n"
    "again. This cannot be undone. A period already delivered, or overlapping a\n"
    "delivered one, is refused, and so is a period no analysis run has analysed\n"
    "unless --force is given. While another command writes to the tenant, deliver\n"
    "waits for it.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the delivered period, YYYY-MM-DD..YYYY-MM-DD (required)\n"
    "  --by NAME             who delivered it (default: the local user, cli:LOGIN)\n"
    "  --force               deliver even though no run analysed exactly this "
    "period\n" TK_CLI_HELP_NO_WAIT TK_CLI_HELP_DATA TK_CLI_HELP_HELP "\n"
    "exit status: 0 success, 1 failure (message on stderr), 75 another command is\n"
    "writing to the tenant (--no-wait), 2 usage error\n";

int tk_cli_deliver(int argc, char **argv)
{
    static const struct option longopts[] = {{"by", required_argument, NULL, 'b'},
                                             {"force", no_argument, NULL, 'F'},
                                             {NULL, 0, NULL, 0}};
    const char *by = NULL;
    int force = 0, c;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT("deliver", deliver_help,
                                             TK_CLIUTIL_TENANT | TK_CLIUTIL_PERIOD |
                                                 TK_CLIUTIL_DATA | TK_CLIUTIL_NOWAIT);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'b':
            by = optarg;
            break;
        case 'F':
            force = 1;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL || a.period == NULL)
        return tk_cli_usage_error("deliver", "--tenant and --period are required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    tk_period pr;
    const int st = tk_cliutil_period("deliver", a.period, &pr);
    if (st != TK_EXIT_OK)
        return st;
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant, 0, &err);
    if (rc == TK_OK) {
        char what[64], pb[32];
        tk_period_format(&pr, pb, sizeof pb);
        snprintf(what, sizeof what, "deliver of %s", pb);
        const int ls = tk_cli_lock_writer("deliver", t, what, a.nowait);
        if (ls != TK_EXIT_OK) {
            tk_tenant_close(t);
            return ls;
        }
        tk_actor actor;
        char who[TK_ACTOR_NAME_SIZE];
        tk_actor_local(&actor, who, sizeof who);
        if (by != NULL)
            actor.name = by;
        rc = tk_periods_deliver(tk_tenant_db(t), &pr, force, &actor, &err);
    }
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("deliver", &err);
        return TK_EXIT_FAIL;
    }
    char buf[32];
    tk_period_format(&pr, buf, sizeof buf);
    printf("period %s delivered; it is frozen from now on\n", buf);
    return TK_EXIT_OK;
}

/* ---- tenken anomalies ----------------------------------------------------- */

static const char anomalies_help[] =
    "usage: tenken anomalies --tenant T --period FROM..TO [--limit N]\n"
    "                        [--format csv|json] [--sort rank|day|entity]\n"
    "                        [--after CURSOR] [--entity user|terminal]\n"
    "                        [--entity-id ID] [--system NAME] [--dept NAME]\n"
    "                        [--rule ID] [--source rule|model] [--status S]\n"
    "                        [--min-score S] [--data DIR]\n"
    "\n"
    "Prints the ranked list of the newest analysis of the period. Each item is a\n"
    "case: one user or terminal and one pattern over a run of days, with every\n"
    "finding it is made of (findings of one rule at most 7 days apart, findings of\n"
    "other rules sharing a day, model anomalies of those days). CSV columns:\n"
    "rank,entity_type,entity_id,day,from,to,days,score,source,rule_id,summary\n"
    "(entity_type user or terminal; day the case's worst day, empty for a period\n"
    "case; from and to its first and last day; days the days its findings cover;\n"
    "score 0-100; source rule|model; rule_id the leading rule, empty for a models\n"
    "case; summary one line in Japanese, saying the days and rules when several).\n"
    "JSON adds each case's rules, its number of findings, its 所属 (dept), the\n"
    "systems of its evidence and its triage status. A finding about a resident\n"
    "(R06) is listed for each member of staff it names; gaps in a system's log\n"
    "(R29) are the run's notes, printed by tenken analyze and given in full by\n"
    "--format json.\n"
    "With --limit, JSON gives next_cursor when more items match: pass it to\n"
    "--after (with the same --sort) for the next page.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the analysed period, YYYY-MM-DD..YYYY-MM-DD (required)\n"
    "  --limit N             at most N items (default: every item)\n"
    "  --format csv|json     CSV as above, or one JSON document (default: csv)\n"
    "  --sort rank|day|entity\n"
    "                        by rank (the score, default), by day (period items\n"
    "                        last) or by entity; ties by rank\n"
    "  --after CURSOR        continue after the page that gave this next_cursor\n"
    "  (the filters below must all hold)\n"
    "  --entity user|terminal\n"
    "                        only the items about users, or about terminals\n"
    "  --entity-id ID        only the items about this user or terminal\n"
    "  --system NAME         only the items whose evidence touches this system\n"
    "  --dept NAME           only the items whose entity belongs to this 所属\n"
    "  --rule ID             only the cases with a finding of this rule (R01 .. R32)\n"
    "  --source rule|model   only rule findings, or only model anomalies\n"
    "  --status S            only items whose triage status is S: new,\n"
    "                        investigating, confirmed or false_positive\n"
    "  --min-score S         only items scoring at least S, 0 to 100 (default: "
    "0)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static int open_run(const char *cmd, const char *data, const char *tenant, const char *period,
                    int write, tk_tenant **t, int64_t *run, tk_error *err)
{
    tk_period pr;
    int rc = TK_OK;
    if (period) {
        rc = tk_period_parse(period, strlen(period), &pr, err);
        if (rc != TK_OK)
            return tk_cli_usage_error(cmd, "%s", err->msg);
    }
    rc = tk_analysis_open_tenant(t, tk_cli_data_dir(data), tenant, write ? 0 : TK_TENANT_READONLY,
                                 err);
    tk_anomalies_run r;
    memset(&r, 0, sizeof r);
    if (rc == TK_OK)
        rc = tk_anomalies_find_run(tk_tenant_db(*t), period ? &pr : NULL, &r, err);
    *run = r.id;
    tk_anomalies_run_dispose(&r);
    if (rc != TK_OK) {
        tk_cli_report(cmd, err);
        return TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}

static void print_csv_item(const tk_anomalies_item *it)
{
    char day[16] = "", from[16], to[16];
    if (it->day != TK_ANOMALIES_PERIOD_ITEM)
        tk_period_format_day(it->day, day, sizeof day);
    tk_period_format_day(it->first_day, from, sizeof from);
    tk_period_format_day(it->last_day, to, sizeof to);
    printf("%lld,", (long long)it->rank);
    tk_cli_csv_field(it->entity_type);
    putchar(',');
    tk_cli_csv_field(it->entity);
    printf(",%s,%s,%s,%zu,%.1f,%s,", day, from, to, it->days, tk_jsonout_score(it->score),
           it->model ? "model" : "rule");
    tk_cli_csv_field(it->rule_id);
    putchar(',');
    tk_cli_csv_field(it->summary);
    putchar('\n');
}

int tk_cli_anomalies(int argc, char **argv)
{
    static const struct option longopts[] = {{"limit", required_argument, NULL, 'l'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"entity", required_argument, NULL, 'e'},
                                             {"entity-id", required_argument, NULL, 'i'},
                                             {"system", required_argument, NULL, 'y'},
                                             {"dept", required_argument, NULL, 'D'},
                                             {"rule", required_argument, NULL, 'r'},
                                             {"source", required_argument, NULL, 's'},
                                             {"status", required_argument, NULL, 'S'},
                                             {"sort", required_argument, NULL, 'o'},
                                             {"after", required_argument, NULL, 'a'},
                                             {"min-score", required_argument, NULL, 'm'},
                                             {NULL, 0, NULL, 0}};
    long long limit = -1;
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    tk_error err = {0, ""};
    int json = 0, c;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(
        "anomalies", anomalies_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_PERIOD | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        char *end = NULL;
        switch (c) {
        case 'l':
            limit = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || limit < 0)
                return tk_cli_usage_error("anomalies", "--limit needs a number, not '%s'", optarg);
            break;
        case 'f':
            if ((json = tk_cliutil_choice("anomalies", "--format", optarg, "csv|json")) < 0)
                return TK_EXIT_USAGE;
            break;
        case 'e':
            if (strcmp(optarg, "user") && strcmp(optarg, "terminal"))
                return tk_cli_usage_error("anomalies", "--entity is user or terminal");
            q.entity_type = optarg;
            break;
        case 'i':
            q.entity = optarg;
            break;
        case 'y':
            q.system = optarg;
            break;
        case 'D':
            q.dept = optarg;
            break;
        case 'r':
            q.rule = optarg;
            break;
        case 's':
            if (strcmp(optarg, "rule") && strcmp(optarg, "model"))
                return tk_cli_usage_error("anomalies", "--source is rule or model");
            q.source = optarg;
            break;
        case 'S': {
            tk_anomalies_status s;
            if (tk_anomalies_status_parse(optarg, &s, &err) != TK_OK)
                return tk_cli_usage_error("anomalies", "--status: %s", err.msg);
            q.status = (int)s;
            break;
        }
        case 'o':
            if (tk_anomalies_order_parse(optarg, &q.order, &err) != TK_OK)
                return tk_cli_usage_error("anomalies", "--sort: %s", err.msg);
            break;
        case 'a':
            q.cursor = optarg;
            break;
        case 'm':
            q.min_score = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || !(q.min_score >= 0 && q.min_score <= 100))
                return tk_cli_usage_error("anomalies", "--min-score is a number from 0 to 100");
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL || a.period == NULL)
        return tk_cli_usage_error("anomalies", "--tenant and --period are required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    tk_tenant *t = NULL;
    int64_t run = 0;
    int st = open_run("anomalies", a.data, a.tenant, a.period, 0, &t, &run, &err);
    if (st != TK_EXIT_OK) {
        tk_tenant_close(t);
        return st;
    }
    tk_anomalies_run info;
    int rc = tk_anomalies_run_get(tk_tenant_db(t), run, &info, &err);
    /* Pages of the service's largest size until --limit or the end. */
    json_t *doc = NULL, *items = NULL;
    size_t printed = 0, total = 0;
    char next[TK_ANOMALIES_CURSOR_SIZE] = "";
    const char *const cursor0 = q.cursor; /* the header goes before the first page */
    while (rc == TK_OK) {
        tk_anomalies_page page;
        const size_t want = limit >= 0 ? (size_t)limit - printed : TK_ANOMALIES_PAGE_MAX;
        if (limit >= 0 && want == 0)
            break;
        q.limit = want < TK_ANOMALIES_PAGE_MAX ? want : TK_ANOMALIES_PAGE_MAX;
        rc = tk_anomalies_list(tk_tenant_db(t), run, &q, &page, &err);
        if (rc != TK_OK)
            break;
        if (!json && q.cursor == cursor0)
            printf("rank,entity_type,entity_id,day,from,to,days,score,source,rule_id,summary\n");
        total = page.total;
        if (json && doc == NULL) {
            doc = tk_jsonout_page(&info, &page);
            items = json_object_get(doc, "items");
        } else if (json) {
            for (size_t i = 0; i < page.n; i++)
                json_array_append_new(items, tk_jsonout_item(&page.items[i]));
        }
        for (size_t i = 0; !json && i < page.n; i++)
            print_csv_item(&page.items[i]);
        printed += page.n;
        snprintf(next, sizeof next, "%s", page.next_cursor);
        tk_anomalies_page_dispose(&page);
        if (next[0] == '\0')
            break;
        q.cursor = next;
    }
    if (rc == TK_OK && json) {
        json_object_set_new(doc, "next_cursor", next[0] ? json_string(next) : json_null());
        json_object_set_new(doc, "total", json_integer((json_int_t)total));
        tk_cli_print_json(doc, TK_CLI_JSON);
    } else {
        json_decref(doc);
    }
    tk_anomalies_run_dispose(&info);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("anomalies", &err);
        return rc == TK_EINVAL ? TK_EXIT_USAGE : TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}

/* ---- tenken explain --------------------------------------------------------- */

static const char explain_help[] =
    "usage: tenken explain --tenant T [--period FROM..TO] [--format json|text]\n"
    "                      [--data DIR] ITEM\n"
    "\n"
    "Explains one item (a case) of the ranked list: why it is listed and what is\n"
    "behind it. ITEM is the item's rank (1, 2, ...) in the newest analysis of the\n"
    "period. JSON gives the item as tenken anomalies lists it, its findings (rule\n"
    "or model, days, severity, score, summary, evidence ids), its triage history\n"
    "and its explanation: the rule or the features behind its leading finding,\n"
    "the values against\n"
    "the user's baseline and the 所属, the probabilities, the ids of the evidence\n"
    "events (evidence_shown of evidence_total) and the scores with one decimal.\n"
    "Text says the same for people, with the first evidence rows; 'tenken events'\n"
    "lists them all.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the analysed period, YYYY-MM-DD..YYYY-MM-DD (default:\n"
    "                        the newest analysis of any period)\n"
    "  --format json|text    the output (default: json)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

/* Parses ITEM, a rank. */
static int parse_rank(const char *cmd, const char *arg, long long *rank)
{
    char *end = NULL;
    *rank = strtoll(arg, &end, 10);
    if (*arg == '\0' || *end != '\0' || *rank < 1)
        return tk_cli_usage_error(cmd, "ITEM is a rank (1, 2, ...), not '%s'", arg);
    return TK_EXIT_OK;
}

int tk_cli_explain(int argc, char **argv)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    int text = 0, c;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(
        "explain", explain_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_PERIOD | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'f':
            if ((text = tk_cliutil_choice("explain", "--format", optarg, "json|text")) < 0)
                return TK_EXIT_USAGE;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error("explain", "--tenant is required");
    if (argc - optind != 1)
        return tk_cli_usage_error("explain", "expected one ITEM (a rank)");
    long long rank = 0;
    int st = parse_rank("explain", argv[optind], &rank);
    if (st != TK_EXIT_OK)
        return st;
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    int64_t run = 0;
    st = open_run("explain", a.data, a.tenant, a.period, 0, &t, &run, &err);
    if (st != TK_EXIT_OK) {
        tk_tenant_close(t);
        return st;
    }
    tk_anomalies_run info;
    tk_anomalies_item it;
    tk_anomalies_decision *hist = NULL;
    size_t nhist = 0;
    memset(&it, 0, sizeof it);
    int rc = tk_anomalies_run_get(tk_tenant_db(t), run, &info, &err);
    if (rc == TK_OK)
        rc = tk_anomalies_get(tk_tenant_db(t), run, rank, &it, &err);
    if (rc == TK_OK)
        rc = tk_anomalies_history(tk_tenant_db(t), run, rank, &hist, &nhist, &err);
    char pbuf[32];
    tk_period_format(&info.period, pbuf, sizeof pbuf);
    if (rc == TK_OK && text) {
        rc = tk_cli_show_item(stdout, tk_tenant_db(t), &it, pbuf, 10, &err);
        for (size_t i = 0; rc == TK_OK && i < nhist; i++) {
            char when[TK_TIME_ISO_SIZE] = "";
            tk_time_format_iso(hist[i].at, when, sizeof when);
            printf("%s%s by %s (%s) at %.19s%s%s\n",
                   i ? "          " : "  triage: ", tk_anomalies_status_name(hist[i].status),
                   hist[i].decided_by, hist[i].role, when, hist[i].comment ? ": " : "",
                   hist[i].comment ? hist[i].comment : "");
        }
        if (rc == TK_OK)
            printf("\nevery evidence row: tenken events%s%s --tenant %s --period %s --item %lld\n",
                   a.data ? " --data " : "", a.data ? a.data : "", a.tenant, pbuf, rank);
    } else if (rc == TK_OK) {
        json_t *o = json_object();
        json_object_set_new(o, "run", json_integer(run));
        json_object_set_new(o, "period", json_string(pbuf));
        json_object_update_new(o, tk_jsonout_item(&it));
        json_t *h = json_array();
        for (size_t i = 0; i < nhist; i++)
            json_array_append_new(h, tk_jsonout_decision(&hist[i]));
        json_object_set_new(o, "history", h);
        tk_cli_print_json(o, TK_CLI_JSON);
    }
    tk_anomalies_decisions_free(hist, nhist);
    tk_anomalies_item_dispose(&it);
    tk_anomalies_run_dispose(&info);
    tk_tenant_close(t);
    return tk_cliutil_status("explain", rc, &err);
}

/* ---- tenken triage ---------------------------------------------------------- */

static const char triage_help[] =
    "usage: tenken triage --tenant T [--period FROM..TO] [--comment TEXT]\n"
    "                     [--data DIR] ITEM STATUS\n"
    "\n"
    "Records an inspector's decision on one item (a case) of the ranked list. ITEM\n"
    "is the item's rank in the newest analysis of the period; STATUS is\n"
    "investigating, confirmed, false_positive, or new (to reopen an item). The\n"
    "decision is kept with who made it and when, and holds for the same case\n"
    "(entity, leading rule or model, first day) in every later analysis of the\n"
    "period, whatever its rank there; a case that has grown since (it ends on a\n"
    "later day) is new again. Decisions are never overwritten: tenken explain\n"
    "shows the history.\n"
    "A delivered period takes no more decisions.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the analysed period, YYYY-MM-DD..YYYY-MM-DD (default:\n"
    "                        the newest analysis of any period)\n"
    "  --comment TEXT        why (at most 2000 bytes)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

int tk_cli_triage(int argc, char **argv)
{
    static const struct option longopts[] = {{"comment", required_argument, NULL, 'c'},
                                             {NULL, 0, NULL, 0}};
    const char *comment = NULL;
    int c;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(
        "triage", triage_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_PERIOD | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'c':
            comment = optarg;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error("triage", "--tenant is required");
    if (argc - optind != 2)
        return tk_cli_usage_error("triage", "expected ITEM (a rank) and STATUS");
    long long rank = 0;
    int st = parse_rank("triage", argv[optind], &rank);
    if (st != TK_EXIT_OK)
        return st;
    tk_error err = {0, ""};
    tk_anomalies_status status;
    if (tk_anomalies_status_parse(argv[optind + 1], &status, &err) != TK_OK)
        return tk_cli_usage_error("triage", "%s", err.msg);
    tk_tenant *t = NULL;
    int64_t run = 0;
    st = open_run("triage", a.data, a.tenant, a.period, 1, &t, &run, &err);
    if (st != TK_EXIT_OK) {
        tk_tenant_close(t);
        return st;
    }
    char what[64];
    snprintf(what, sizeof what, "triage of item %lld", rank);
    st = tk_cli_lock_writer("triage", t, what, 0);
    if (st != TK_EXIT_OK) {
        tk_tenant_close(t);
        return st;
    }
    char name[TK_ACTOR_NAME_SIZE];
    tk_actor actor;
    tk_actor_local(&actor, name, sizeof name);
    tk_anomalies_item it;
    memset(&it, 0, sizeof it);
    int rc = tk_anomalies_triage(tk_tenant_db(t), run, rank, status, comment, &actor, &err);
    if (rc == TK_OK)
        rc = tk_anomalies_get(tk_tenant_db(t), run, rank, &it, &err);
    if (rc == TK_OK)
        printf("item %lld (%s %s, %s): %s, by %s\n", rank, it.entity_type, it.entity,
               it.model ? "model" : it.rule_id, tk_anomalies_status_name(it.status), it.decided_by);
    tk_anomalies_item_dispose(&it);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("triage", &err);
        return rc == TK_EINVAL ? TK_EXIT_USAGE : TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}

int tk_cli_open_run(const char *cmd, const char *data, const char *tenant, const char *period,
                    tk_tenant **t, int64_t *run, tk_error *err)
{
    return open_run(cmd, data, tenant, period, 0, t, run, err);
}
