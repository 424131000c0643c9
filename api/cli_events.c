/* api/cli_events.c -- `tenken events`: the log rows behind a ranked item.
 *
 * A front end over models/evidence: finds the run (tk_cli_open_run, as
 * anomalies and explain do), reads the item's evidence rows and prints
 * them as an aligned table, CSV or JSON. Residents appear as their
 * pseudonyms only; the store has nothing else. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "api/jsonout.h"
#include "models/anomalies.h"
#include "models/evidence.h"
#include "src/period.h"
#include "src/timefmt.h"

static const char events_help[] =
    "usage: tenken events --tenant T --item N [--period FROM..TO]\n"
    "                     [--format table|csv|json] [--limit N] [--data DIR]\n"
    "\n"
    "Lists the log rows behind one item of the ranked list.\n"
    "\n"
    "The rows are the events the item's explanation keeps (all of them, or for a\n"
    "large item the first ones: the output says how many there are in all), in\n"
    "time order: time (JST), system, user, terminal, operation, function, result,\n"
    "count, the resident as its pseudonym (never the identifier; the table shows\n"
    "its first 8 hex digits, as summaries do), detail, and the uploaded file and\n"
    "record (header included, as in ingestion's error reports) it came from.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --item N              the item's rank (required)\n"
    "  --period FROM..TO     the analysed period, YYYY-MM-DD..YYYY-MM-DD (default:\n"
    "                        the newest analysis, whatever its period)\n"
    "  --format table|csv|json\n"
    "                        the output (default: table)\n"
    "  --limit N             at most N rows (default: all the item keeps)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static void print_csv(const tk_evidence *e, size_t n)
{
    printf("id,time,system,user,terminal,operation,function,result,count,bytes,resident,"
           "device,serial,media_file,detail,upload_id,file,record\n");
    for (size_t i = 0; i < n; i++) {
        const tk_evidence_row *r = tk_evidence_row_at(e, i);
        char t[40];
        tk_time_format_iso(r->t, t, sizeof t);
        printf("%lld,%s,", (long long)r->id, t);
        const char *text[] = {r->system, r->user, r->terminal, r->operation, r->function};
        for (size_t k = 0; k < sizeof text / sizeof text[0]; k++) {
            tk_cli_csv_field(text[k]);
            putchar(',');
        }
        printf("%s,", r->failed ? "failure" : "success");
        if (r->count >= 0)
            printf("%lld", (long long)r->count);
        putchar(',');
        if (r->bytes >= 0)
            printf("%lld", (long long)r->bytes);
        printf(",%s,", r->resident);
        const char *more[] = {r->device, r->serial, r->media_file, r->detail};
        for (size_t k = 0; k < sizeof more / sizeof more[0]; k++) {
            tk_cli_csv_field(more[k]);
            putchar(',');
        }
        printf("%lld,", (long long)r->upload_id);
        tk_cli_csv_field(r->file_name);
        putchar(',');
        if (r->record > 0)
            printf("%lld", (long long)r->record);
        putchar('\n');
    }
}

int tk_cli_events(int argc, char **argv)
{
    static const struct option longopts[] = {{"item", required_argument, NULL, 'i'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"limit", required_argument, NULL, 'l'},
                                             {NULL, 0, NULL, 0}};
    const char *format = "table";
    long long item = 0, limit = -1;
    int c;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(
        "events", events_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_PERIOD | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        char *end = NULL;
        switch (c) {
        case 'i':
            item = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || item < 1)
                return tk_cli_usage_error("events", "--item is a rank (1, 2, ...), not '%s'",
                                          optarg);
            break;
        case 'f':
            if (tk_cliutil_choice("events", "--format", optarg, "table|csv|json") < 0)
                return TK_EXIT_USAGE;
            format = optarg;
            break;
        case 'l':
            limit = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || limit < 0)
                return tk_cli_usage_error("events", "--limit needs a number, not '%s'", optarg);
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL || item == 0)
        return tk_cli_usage_error("events", "--tenant and --item are required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    int64_t run = 0;
    const int st = tk_cli_open_run("events", a.data, a.tenant, a.period, &t, &run, &err);
    if (st != TK_EXIT_OK) {
        tk_tenant_close(t);
        return st;
    }
    tk_anomalies_run info;
    tk_evidence *e = NULL;
    int rc = tk_anomalies_run_get(tk_tenant_db(t), run, &info, &err);
    if (rc == TK_OK)
        rc = tk_anomalies_evidence(tk_tenant_db(t), run, item, &e, &err);
    if (rc == TK_OK) {
        char pbuf[32];
        tk_period_format(&info.period, pbuf, sizeof pbuf);
        const size_t have = tk_evidence_count(e);
        const size_t n = limit >= 0 && (unsigned long long)limit < have ? (size_t)limit : have;
        const size_t listed = tk_evidence_listed(e);
        const unsigned long long total = (unsigned long long)tk_evidence_total(e);
        if (strcmp(format, "json") == 0) {
            json_t *o = json_object(), *rows = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(rows, tk_jsonout_evidence_row(tk_evidence_row_at(e, i)));
            json_object_set_new(o, "run", json_integer(run));
            json_object_set_new(o, "period", json_string(pbuf));
            json_object_set_new(o, "item", json_integer(item));
            json_object_set_new(o, "evidence_total", json_integer((json_int_t)total));
            json_object_set_new(o, "evidence_kept", json_integer((json_int_t)listed));
            json_object_set_new(o, "evidence_missing", json_integer((json_int_t)(listed - have)));
            json_object_set_new(o, "events", rows);
            tk_cli_print_json(o, TK_CLI_JSON);
        } else if (strcmp(format, "csv") == 0) {
            print_csv(e, n);
        } else {
            printf("item %lld of run #%lld (%s): %llu event%s", item, (long long)run, pbuf, total,
                   total == 1 ? "" : "s");
            if (total > listed)
                printf(", of which the item keeps %zu", listed);
            if (have < listed)
                printf(", %zu no longer stored (their upload was deleted)", listed - have);
            if (n < have)
                printf("; the first %zu", n);
            printf("\n");
            if (n > 0)
                tk_cli_show_events(stdout, e, n, "");
        }
    }
    tk_evidence_destroy(e);
    tk_anomalies_run_dispose(&info);
    tk_tenant_close(t);
    return tk_cliutil_status("events", rc, &err);
}
