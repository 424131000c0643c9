/* api/cli_answers.c -- `tenken confirmations export|import|list|answer`.
 *
 * A thin front end over models/answers and api/xlsx: the 要確認事項 of a
 * period written as a workbook for the city, the filled workbook read
 * back (all rows or none), the requests listed with their answers, and
 * one answer recorded from the command line. docs/confirmations.md
 * describes the loop. Exit statuses as in api/cli.h. */
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "api/jsonout.h"
#include "api/xlsx.h"
#include "models/analysis.h"
#include "models/answers.h"
#include "models/suppress.h"
#include "src/alloc.h"
#include "src/period.h"
#include "src/tenant.h"

static const char confirmations_help[] =
    "usage: tenken confirmations export --tenant T --period FROM..TO --out FILE.xlsx [--data DIR]\n"
    "       tenken confirmations import --tenant T FILE.xlsx [--dry-run] [--format text|json]\n"
    "                                   [--no-wait] [--data DIR]\n"
    "       tenken confirmations list --tenant T --period FROM..TO [--format text|json]\n"
    "                                 [--data DIR]\n"
    "       tenken confirmations answer --tenant T CASE_ID --verdict V --by NAME\n"
    "                                   --date YYYY-MM-DD [--reason TEXT] [--suppress]\n"
    "                                   [--suppress-until YYYY-MM-DD] [--no-wait] [--data DIR]\n"
    "\n"
    "The city's confirmations of a period's 要確認事項: the cases the 所属長\n"
    "answer with a verdict (正当 justified, 不適切 inappropriate, 調査中\n"
    "investigating), the business reason, who confirmed it and when. See\n"
    "docs/confirmations.md.\n"
    "\n"
    "actions:\n"
    "  export   the requests of a period as an Excel workbook to fill in\n"
    "  import   a filled workbook: every row checked, all answers stored or none\n"
    "  list     the requests of a period with their current answers\n"
    "  answer   record one answer\n"
    "\n"
    "Run 'tenken confirmations ACTION --help' (or 'tenken help confirmations ACTION')\n"
    "for an action's options.\n" TK_CLI_HELP_EXIT;

#define HELP_TENANT "  --tenant T            the tenant (required)\n"
#define HELP_PERIOD "  --period FROM..TO     the period, YYYY-MM-DD..YYYY-MM-DD (required)\n"

enum { A_EXPORT, A_IMPORT, A_LIST, A_ANSWER };

struct action {
    const char *name;
    int write;
    const char *help;
};

static const struct action actions[] = {
    {"export", 0,
     "usage: tenken confirmations export --tenant T --period FROM..TO --out FILE.xlsx\n"
     "                                   [--data DIR]\n"
     "\n"
     "Writes the 要確認事項 of the period (from its newest analysis) as an Excel\n"
     "workbook: one row per case, the answer columns 判定, 業務上の理由, 確認者 and\n"
     "確認日 open for the city, every other cell locked. Answers already recorded\n"
     "are filled in.\n"
     "\n"
     "options:\n" HELP_TENANT HELP_PERIOD
     "  --out FILE.xlsx       the workbook to write (required; replaced if it "
     "exists)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
    {"import", 1,
     "usage: tenken confirmations import --tenant T FILE.xlsx [--dry-run]\n"
     "                                   [--format text|json] [--no-wait] [--data DIR]\n"
     "\n"
     "Reads a workbook written by export and filled in by the city, checks every\n"
     "row (case id, verdict, reason, confirmer, date) and records the answers in\n"
     "one transaction. Any problem is printed with its sheet, row and column, and\n"
     "then nothing is stored (exit 1). Rows that repeat the current answer and\n"
     "rows left blank are skipped.\n"
     "\n"
     "options:\n" HELP_TENANT "  --dry-run             check only; store nothing\n"
     "  --format text|json    a text report, or one JSON document (default: "
     "text)\n" TK_CLI_HELP_NO_WAIT TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
    {"list", 0,
     "usage: tenken confirmations list --tenant T --period FROM..TO [--format text|json]\n"
     "                                 [--data DIR]\n"
     "\n"
     "Lists the 要確認事項 of the period with their current answers.\n"
     "\n"
     "options:\n" HELP_TENANT HELP_PERIOD
     "  --format text|json    a text listing, or one JSON document (default: "
     "text)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
    {"answer", 1,
     "usage: tenken confirmations answer --tenant T CASE_ID --verdict V --by NAME\n"
     "                                   --date YYYY-MM-DD [--reason TEXT] [--suppress]\n"
     "                                   [--suppress-until YYYY-MM-DD] [--no-wait]\n"
     "                                   [--data DIR]\n"
     "\n"
     "Records an answer to case CASE_ID (C-YYYY-MM-xxxxxxxx). The verdict sets the\n"
     "case's triage: justified → false_positive (the reason as comment),\n"
     "inappropriate → confirmed, investigating → investigating. A justified\n"
     "answer with --suppress also suppresses the case's rule for its user or\n"
     "terminal in later analyses.\n"
     "\n"
     "options:\n" HELP_TENANT
     "  --verdict V           justified, inappropriate or investigating (or 正当,\n"
     "                        不適切, 調査中) (required)\n"
     "  --reason TEXT         the business reason (required for justified; at most\n"
     "                        2000 bytes)\n"
     "  --by NAME             who confirmed it, the 所属長 (required)\n"
     "  --date YYYY-MM-DD     when it was confirmed (required)\n"
     "  --suppress            a justified answer also creates a suppression\n"
     "  --suppress-until YYYY-MM-DD\n"
     "                        the suppression's last day (default: a year after the\n"
     "                        period)\n" TK_CLI_HELP_NO_WAIT TK_CLI_HELP_DATA TK_CLI_HELP_HELP
         TK_CLI_HELP_EXIT},
};
#define NACTIONS (sizeof actions / sizeof actions[0])

struct args {
    const char *tenant, *data, *period, *out, *verdict, *reason, *by, *date, *until;
    int json, dry, suppress, nowait;
};

/* Reads the whole file path (at most TK_XLSX_ARCHIVE_MAX bytes) into an
 * owned buffer. */
static int slurp(const char *path, char **out, size_t *len, tk_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tk_error_set(err, TK_EIO, "cannot open %s", path);
    struct stat sb;
    int rc = TK_OK;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode))
        rc = tk_error_set(err, TK_EIO, "%s is not a regular file", path);
    else if ((uint64_t)sb.st_size > TK_XLSX_ARCHIVE_MAX)
        rc = tk_error_set(err, TK_ERANGE, "%s holds %lld bytes, more than a workbook may (%u)",
                          path, (long long)sb.st_size, TK_XLSX_ARCHIVE_MAX);
    char *p = NULL;
    if (rc == TK_OK) {
        p = tk_alloc((size_t)sb.st_size + 1);
        if (p == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory reading %s", path);
    }
    if (rc == TK_OK && fread(p, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
        rc = tk_error_set(err, TK_EIO, "cannot read %s", path);
    fclose(f);
    if (rc != TK_OK) {
        tk_free(p);
        return rc;
    }
    *out = p;
    *len = (size_t)sb.st_size;
    return TK_OK;
}

static int do_export(tk_tenant *t, const tk_period *pr, const char *out, tk_error *err)
{
    tk_answers_set s;
    int rc = tk_answers_requests(tk_tenant_db(t), pr, NULL, &s, err);
    if (rc != TK_OK)
        return rc;
    rc = tk_xlsx_write(out, tk_tenant_db(t), tk_tenant_name(t), &s, err);
    if (rc == TK_OK)
        printf("wrote %s: %zu case%s to confirm (%zu answered) of %s, run #%lld\n", out, s.n,
               s.n == 1 ? "" : "s", s.answered, tk_tenant_name(t), (long long)s.run);
    tk_answers_set_dispose(&s);
    return rc;
}

static void print_result_text(const tk_xlsx_result *r, int dry, int rc)
{
    for (size_t i = 0; i < r->nissues; i++) {
        const tk_xlsx_issue *x = &r->issues[i];
        if (x->row == 0)
            fprintf(stderr, "%s: %s\n", x->sheet, x->msg);
        else
            fprintf(stderr, "%s!%s%zu: %s\n", x->sheet, x->column, x->row, x->msg);
    }
    if (r->more)
        fprintf(stderr, "... and %zu more problems\n", r->more);
    if (rc == TK_OK)
        printf("%s %zu answer%s; %zu unchanged, %zu without an answer, of %zu rows\n",
               dry ? "would record" : "recorded", r->recorded, r->recorded == 1 ? "" : "s",
               r->unchanged, r->blank, r->rows);
}

static int do_import(tk_tenant *t, const char *file, const struct args *a, const tk_actor *actor,
                     tk_error *err)
{
    char *p = NULL;
    size_t len = 0;
    tk_xlsx_result r;
    memset(&r, 0, sizeof r);
    int rc = slurp(file, &p, &len, err);
    if (rc != TK_OK)
        return rc;
    rc = tk_xlsx_import(tk_tenant_db(t), tk_tenant_name(t), p, len, NULL, a->dry, actor, &r, err);
    tk_free(p);
    if (a->json && (rc == TK_OK || rc == TK_EREJECTED)) {
        json_t *o = tk_jsonout_xlsx_result(&r);
        json_object_set_new(o, "dry_run", json_boolean(a->dry));
        json_object_set_new(o, "stored", json_boolean(rc == TK_OK && !a->dry));
        tk_cli_print_json(o, TK_CLI_JSON);
    } else {
        print_result_text(&r, a->dry, rc);
    }
    tk_xlsx_result_dispose(&r);
    return rc;
}

static int do_list(tk_tenant *t, const tk_period *pr, int json, tk_error *err)
{
    tk_answers_set s;
    int rc = tk_answers_requests(tk_tenant_db(t), pr, NULL, &s, err);
    if (rc != TK_OK)
        return rc;
    if (json) {
        tk_cli_print_json(tk_jsonout_confirmations(tk_tenant_name(t), &s), TK_CLI_JSON);
    } else {
        char buf[32];
        tk_period_format(pr, buf, sizeof buf);
        printf("%s %s: %zu case%s to confirm, %zu answered (run #%lld)\n", tk_tenant_name(t), buf,
               s.n, s.n == 1 ? "" : "s", s.answered, (long long)s.run);
        for (size_t i = 0; i < s.n; i++) {
            const tk_answers_request *r = &s.v[i];
            char day[16];
            tk_period_format_day(r->item.first_day, day, sizeof day);
            printf("%3zu  %s  %s  %-8s %-12s %-5s %-8s ", r->no, r->case_id, day,
                   r->item.entity_type, r->item.entity, r->item.model ? "model" : r->item.rule_id,
                   r->item.severity[0] ? r->item.severity : "-");
            if (r->answered) {
                tk_period_format_day(r->answer.confirmed_on, day, sizeof day);
                printf("%s (%s, %s)%s%s\n", tk_answers_verdict_label(r->answer.verdict),
                       r->answer.confirmed_by, day, r->answer.reason[0] ? ": " : "",
                       r->answer.reason);
            } else {
                printf("未回答\n");
            }
        }
    }
    tk_answers_set_dispose(&s);
    return TK_OK;
}

static int do_answer(tk_tenant *t, const char *case_id, const struct args *a, const tk_actor *actor,
                     tk_error *err)
{
    tk_answers_input in = {TK_ANSWERS_JUSTIFIED, a->reason, a->by, 0, "cli", a->suppress, 0};
    int rc = tk_answers_verdict_parse(a->verdict, strlen(a->verdict), &in.verdict, err);
    if (rc == TK_OK)
        rc = tk_suppress_parse_day(a->date, &in.confirmed_on, err);
    if (rc == TK_OK && a->until)
        rc = tk_suppress_parse_day(a->until, &in.suppress_until, err);
    if (rc != TK_OK)
        return rc;
    tk_answers_set s;
    const tk_answers_request *r = NULL;
    rc = tk_answers_locate(tk_tenant_db(t), case_id, NULL, &s, &r, err);
    if (rc != TK_OK)
        return rc;
    int64_t id = 0;
    rc = tk_answers_record(tk_tenant_db(t), &s, r, &in, actor, &id, err);
    if (rc == TK_OK) {
        char buf[32];
        tk_period_format(&s.period, buf, sizeof buf);
        printf("answer #%lld to %s (%s %s %s, %s): %s; triage %s\n", (long long)id, case_id,
               r->item.entity_type, r->item.entity, r->item.model ? "model" : r->item.rule_id, buf,
               tk_answers_verdict_label(in.verdict),
               in.verdict == TK_ANSWERS_JUSTIFIED       ? "false_positive"
               : in.verdict == TK_ANSWERS_INAPPROPRIATE ? "confirmed"
                                                        : "investigating");
    }
    tk_answers_set_dispose(&s);
    return rc;
}

int tk_cli_confirmations(int argc, char **argv)
{
    static const struct option longopts[] = {{"tenant", required_argument, NULL, 't'},
                                             {"period", required_argument, NULL, 'p'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"dry-run", no_argument, NULL, 'n'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"verdict", required_argument, NULL, 'v'},
                                             {"reason", required_argument, NULL, 'r'},
                                             {"by", required_argument, NULL, 'b'},
                                             {"date", required_argument, NULL, 'D'},
                                             {"suppress", no_argument, NULL, 's'},
                                             {"suppress-until", required_argument, NULL, 'u'},
                                             {"no-wait", no_argument, NULL, 'W'},
                                             {"data", required_argument, NULL, 'd'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    /* Which options each action takes, by short name. */
    static const char *const takes[] = {"tpod", "tnfWd", "tpfd", "tvrbDsuWd"};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(confirmations_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? TK_EXIT_USAGE : TK_EXIT_OK;
    }
    size_t ai = NACTIONS;
    for (size_t i = 0; i < NACTIONS; i++)
        if (strcmp(argv[1], actions[i].name) == 0)
            ai = i;
    if (ai == NACTIONS)
        return tk_cli_usage_error("confirmations",
                                  "unknown action '%s' (export, import, list or answer)", argv[1]);
    const struct action *act = &actions[ai];
    char cmd[40];
    snprintf(cmd, sizeof cmd, "confirmations %s", act->name);
    argc--;
    argv++;

    struct args a;
    memset(&a, 0, sizeof a);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'h') {
            fputs(act->help, stdout);
            return TK_EXIT_OK;
        }
        if (c == '?' || c == ':' || strchr(takes[ai], c) == NULL)
            return tk_cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        switch (c) {
        case 't':
            a.tenant = optarg;
            break;
        case 'p':
            a.period = optarg;
            break;
        case 'o':
            a.out = optarg;
            break;
        case 'n':
            a.dry = 1;
            break;
        case 'f':
            if ((a.json = tk_cliutil_choice(cmd, "--format", optarg, "text|json")) < 0)
                return TK_EXIT_USAGE;
            break;
        case 'v':
            a.verdict = optarg;
            break;
        case 'r':
            a.reason = optarg;
            break;
        case 'b':
            a.by = optarg;
            break;
        case 'D':
            a.date = optarg;
            break;
        case 's':
            a.suppress = 1;
            break;
        case 'u':
            a.until = optarg;
            break;
        case 'W':
            a.nowait = 1;
            break;
        case 'd':
            a.data = optarg;
            break;
        default:
            break;
        }
    }
    if (a.tenant == NULL)
        return tk_cli_usage_error(cmd, "--tenant is required");
    const int wants_arg = ai == A_IMPORT || ai == A_ANSWER;
    if (wants_arg && argc - optind != 1)
        return tk_cli_usage_error(cmd, "expected exactly one %s",
                                  ai == A_IMPORT ? "FILE.xlsx" : "CASE_ID");
    if (!wants_arg && optind != argc)
        return tk_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    tk_period pr = {0, 0};
    tk_error err = {0, ""};
    if (ai == A_EXPORT || ai == A_LIST) {
        if (a.period == NULL)
            return tk_cli_usage_error(cmd, "--period is required");
        if (tk_period_parse(a.period, strlen(a.period), &pr, &err) != TK_OK)
            return tk_cli_usage_error(cmd, "--period: %s", err.msg);
    }
    if (ai == A_EXPORT && a.out == NULL)
        return tk_cli_usage_error(cmd, "--out is required");
    if (ai == A_ANSWER && (a.verdict == NULL || a.by == NULL || a.date == NULL))
        return tk_cli_usage_error(cmd, "--verdict, --by and --date are required");
    if (ai == A_ANSWER && a.until != NULL && !a.suppress)
        return tk_cli_usage_error(cmd, "--suppress-until goes with --suppress");

    tk_tenant *t = NULL;
    char who[TK_ACTOR_NAME_SIZE * 3];
    tk_actor actor;
    tk_actor_local(&actor, who, sizeof who);
    const int write = act->write && !(ai == A_IMPORT && a.dry);
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant,
                                     write ? 0 : TK_TENANT_READONLY, &err);
    if (rc == TK_OK && write) {
        const int ls = tk_cli_lock_writer(cmd, t, cmd, a.nowait);
        if (ls != TK_EXIT_OK) {
            tk_tenant_close(t);
            return ls;
        }
    }
    if (rc == TK_OK) {
        switch (ai) {
        case A_EXPORT:
            rc = do_export(t, &pr, a.out, &err);
            break;
        case A_IMPORT:
            rc = do_import(t, argv[optind], &a, &actor, &err);
            break;
        case A_LIST:
            rc = do_list(t, &pr, a.json, &err);
            break;
        default:
            rc = do_answer(t, argv[optind], &a, &actor, &err);
            break;
        }
    }
    tk_tenant_close(t);
    return tk_cliutil_status(cmd, rc, &err);
}
