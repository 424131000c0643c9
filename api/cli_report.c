/* api/cli_report.c -- `tenken report`: the bimonthly report of a period as
 * a file.
 *
 * A thin client of api/report.h (the document tree) and of a format
 * writer. Formats are a table of name and writer, so that a format is one
 * line here when its writer lands. The file is written next to its
 * destination under a temporary name, flushed to disk and renamed, so a
 * reader never sees half a report and a failed run leaves the old file.
 *
 * `tenken report WORD` writes the contract's other documents; each word
 * is a line of report_words and a function of its own: `annual` and
 * `minutes`, the annual review of a fiscal year and its minutes template
 * (api/annual.h); `plan` and `completion` (api/contract.h); `meeting`, the
 * record of the year's review meeting that the minutes and the completion
 * report print (models/meeting.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/annual.h"
#include "api/cli.h"
#include "api/cliutil.h"
#include "api/contract.h"
#include "api/pdf.h"
#include "api/xlsx.h"
#include "models/answers.h"
#include "models/meeting.h"
#include "api/rdoc.h"
#include "api/report.h"
#include "models/analysis.h"
#include "src/account.h"
#include "src/alloc.h"
#include "src/checked.h"
#include "src/timefmt.h"

static const char report_help[] =
    "usage: tenken report --tenant T --period FROM..TO [--run ID] [--lang ja|en]\n"
    "                     [--format html|pdf] --out FILE [--max-cases N] [--min-score S]\n"
    "                     [--data DIR]\n"
    "       tenken report annual|minutes --help   (the annual review, its minutes)\n"
    "\n"
    "Writes the bimonthly report (分析点検結果レポート) of an analysed period:\n"
    "cover, summary, method, results per inspection item, the cases the heads\n"
    "of section are asked to confirm (要確認事項, with blank columns for their\n"
    "answers), trends, follow-up of the previous period, recommendations and\n"
    "an appendix on data quality. The file is written whole or not at all.\n"
    "The contract's yearly documents: tenken report plan|completion --help;\n"
    "the review meeting's record: tenken report meeting --help.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --period FROM..TO     the period, YYYY-MM-DD..YYYY-MM-DD (required)\n"
    "  --run ID              a run of that period (default: its newest run)\n"
    "  --lang ja|en          the report's language (default: ja)\n"
    "  --format html|pdf|xlsx  html: one self-contained, printable file (default);\n"
    "                        pdf: A4 with the Japanese fonts embedded; xlsx: the\n"
    "                        要確認事項 as a workbook for the 所属長's answers (as\n"
    "                        `tenken confirmations export`)\n"
    "  --out FILE            where to write the report (required)\n"
    "  --max-cases N         at most N cases to confirm, 1..1000 (default: 300)\n"
    "  --min-score S         cases to confirm: severity high or above, or a\n"
    "                        score of at least S, 0..100 (default: 80)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

/* A format: its name and its writer (NULL: not in this build yet). */
typedef int (*report_writer)(const tk_rdoc *d, FILE *out, tk_error *err);

static int pdf_sink(void *closure, const unsigned char *data, size_t len)
{
    return fwrite(data, 1, len, closure) == len ? 0 : -1;
}

static int write_pdf(const tk_rdoc *d, FILE *out, tk_error *err)
{
    const int rc = tk_pdf_write_to(d, pdf_sink, out, NULL, err);
    tk_pdf_release();
    return rc;
}

static const struct {
    const char *name;
    report_writer write;
} formats[] = {
    {"html", tk_rdoc_write_html},
    {"pdf", write_pdf},
    {"xlsx", NULL}, /* not a rendering of the document: write_xlsx() */
};

/* The 要確認事項 workbook of the period (api/xlsx.h) at path, written
 * beside it and renamed into place. Returns TK_OK or what the calls
 * return. */
static int write_xlsx(tk_tenant *t, const char *tenant, const tk_report_options *ro,
                      const char *path, tk_error *err)
{
    char tmp[4096];
    tk_answers_set set;
    tk_answers_options ao = TK_ANSWERS_OPTIONS_INIT;
    ao.min_score = ro->pick.min_score;
    ao.limit = ro->pick.max;
    memset(&set, 0, sizeof set);
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld.xlsx", path, (long)getpid()) >= (int)sizeof tmp)
        return tk_error_set(err, TK_EIO, "output path too long: %s", path);
    int rc = tk_answers_requests(tk_tenant_db(t), &ro->period, &ao, &set, err);
    if (rc == TK_OK)
        rc = tk_xlsx_write(tmp, tk_tenant_db(t), tenant, &set, err);
    if (rc == TK_OK && rename(tmp, path) != 0)
        rc = tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(errno));
    if (rc != TK_OK)
        remove(tmp);
    tk_answers_set_dispose(&set);
    return rc;
}

/* Writes d with writer w to path atomically. Returns TK_OK or TK_EIO
 * (the message names the file and the reason). */
static int write_atomic(const char *path, report_writer w, const tk_rdoc *d, tk_error *err)
{
    char tmp[4096];
    int rc;

    if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof tmp) {
        tk_error_set(err, TK_EIO, "output path too long: %s", path);
        return TK_EIO;
    }
    const int fd = mkstemp(tmp);
    if (fd < 0) {
        tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(errno));
        return TK_EIO;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        remove(tmp);
        return TK_EIO;
    }
    rc = w(d, f, err);
    if (rc == TK_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
        tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(errno));
        rc = TK_EIO;
    }
    if (fclose(f) != 0 && rc == TK_OK) {
        tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(errno));
        rc = TK_EIO;
    }
    /* mkstemp makes the file private; a report is as readable as any file
     * the user writes. */
    if (rc == TK_OK) {
        const mode_t um = umask(0);
        umask(um);
        (void)chmod(tmp, 0666 & ~um);
    }
    if (rc == TK_OK && rename(tmp, path) != 0) {
        tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(errno));
        rc = TK_EIO;
    }
    if (rc != TK_OK)
        remove(tmp);
    return rc;
}

static const char annual_help[] =
    "usage: tenken report annual --tenant T --fiscal-year Y [--lang ja|en]\n"
    "                            [--format html|pdf|xlsx] --out FILE [--data DIR]\n"
    "\n"
    "Writes the annual review (分析点検結果報告会資料) of fiscal year Y (April Y to\n"
    "March Y+1): the year in six periods, trends over the year per inspection\n"
    "item, system and section, recurring patterns, serious cases and the\n"
    "corrective actions answered, the outcome of the confirmations, the effect\n"
    "of improvements (first against second half, rule changes), the record of\n"
    "every analysis run and next year's plan. The file is written whole or not\n"
    "at all.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --fiscal-year Y       the fiscal year, e.g. 2024 (required)\n"
    "  --lang ja|en          the review's language (default: ja)\n"
    "  --format html|pdf|xlsx  html: one self-contained, printable file (default);\n"
    "                        pdf: A4 with the Japanese fonts embedded; xlsx: every\n"
    "                        table of the review as a sheet to sort and filter\n"
    "  --out FILE            where to write the review (required)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static const char minutes_help[] =
    "usage: tenken report minutes --tenant T --fiscal-year Y [--lang ja|en]\n"
    "                             [--format html|pdf] --out FILE [--data DIR]\n"
    "\n"
    "Writes the minutes template (議事録) of the annual review meeting of fiscal\n"
    "year Y: the meeting's date, place and attendees to fill in, the agenda\n"
    "taken from the review's chapters with one line of the year's figures per\n"
    "item and space for questions and decisions, and an empty table of the\n"
    "actions before the next meeting. The file is written whole or not at all.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --fiscal-year Y       the fiscal year, e.g. 2024 (required)\n"
    "  --lang ja|en          the language (default: ja)\n"
    "  --format html|pdf     html: one printable file to fill in (default); pdf: A4\n"
    "  --out FILE            where to write the minutes (required)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

/* Writes the workbook of the review d to path, beside it and renamed
 * into place. Returns TK_OK, TK_EIO or TK_ENOMEM. */
static int write_annual_xlsx(const tk_rdoc *d, const char *path, tk_error *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld.xlsx", path, (long)getpid()) >= (int)sizeof tmp)
        return tk_error_set(err, TK_EIO, "output path too long: %s", path);
    int rc = tk_annual_write_xlsx(d, tmp, err);
    if (rc == TK_OK && rename(tmp, path) != 0)
        rc = tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(errno));
    if (rc != TK_OK)
        remove(tmp);
    return rc;
}

/* The options of the yearly documents, annual_cmd() and contract_cmd()
 * (with the shared --tenant and --data). */
static const struct option yearly_opts[] = {{"fiscal-year", required_argument, NULL, 'y'},
                                            {"lang", required_argument, NULL, 'l'},
                                            {"format", required_argument, NULL, 'f'},
                                            {"out", required_argument, NULL, 'o'},
                                            {NULL, 0, NULL, 0}};

/* `tenken report annual` (minutes 0) and `tenken report minutes` (1);
 * argv[0] is the subcommand word. */
static int annual_cmd(int argc, char **argv, int minutes)
{
    const char *cmd = minutes ? "report minutes" : "report annual";
    const char *year = NULL, *out = NULL, *format = "html";
    tk_annual_options ao = TK_ANNUAL_OPTIONS_INIT;
    tk_error err = {0, ""};
    int c;

    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(cmd, minutes ? minutes_help : annual_help,
                                             TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, yearly_opts)) > 0) {
        switch (c) {
        case 'y':
            year = optarg;
            break;
        case 'l':
            if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0)
                return tk_cli_usage_error(cmd, "--lang is ja or en, not '%s'", optarg);
            ao.lang = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error(cmd, "--tenant is required");
    if (year == NULL)
        return tk_cli_usage_error(cmd, "--fiscal-year is required (e.g. 2024)");
    if (out == NULL)
        return tk_cli_usage_error(cmd, "--out is required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    const int xlsx = strcmp(format, "xlsx") == 0;
    report_writer writer = strcmp(format, "html") == 0  ? tk_rdoc_write_html
                           : strcmp(format, "pdf") == 0 ? write_pdf
                                                        : NULL;
    if (writer == NULL && (!xlsx || minutes))
        return tk_cli_usage_error(cmd,
                                  minutes ? "--format is html or pdf, not '%s'"
                                          : "--format is html, pdf or xlsx, not '%s'",
                                  format);
    if (tk_period_parse_fiscal_year(year, strlen(year), &ao.fiscal_year, &err) != TK_OK)
        return tk_cli_usage_error(cmd, "--fiscal-year: %s", err.msg);

    tk_tenant *t = NULL;
    tk_rdoc *d = NULL;
    int rc =
        tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant, TK_TENANT_READONLY, &err);
    if (rc == TK_OK)
        rc = minutes ? tk_annual_minutes(t, &ao, &d, &err) : tk_annual_review(t, &ao, &d, &err);
    if (rc == TK_OK)
        rc = xlsx ? write_annual_xlsx(d, out, &err) : write_atomic(out, writer, d, &err);
    tk_rdoc_destroy(d);
    tk_tenant_close(t);
    return tk_cliutil_status(cmd, rc, &err);
}

static int annual_review_cmd(int argc, char **argv)
{
    return annual_cmd(argc, argv, 0);
}

static int annual_minutes_cmd(int argc, char **argv)
{
    return annual_cmd(argc, argv, 1);
}

static int contract_cmd(int argc, char **argv);
static int meeting_cmd(int argc, char **argv);

/* The documents other than the bimonthly report: `tenken report WORD ...`. */
static const struct {
    const char *word;
    int (*run)(int argc, char **argv);
} report_words[] = {
    {"annual", annual_review_cmd}, {"minutes", annual_minutes_cmd}, {"plan", contract_cmd},
    {"completion", contract_cmd},  {"meeting", meeting_cmd},
};

int tk_cli_report_cmd(int argc, char **argv)
{
    for (size_t i = 0; argc > 1 && i < sizeof report_words / sizeof report_words[0]; i++)
        if (strcmp(argv[1], report_words[i].word) == 0)
            return report_words[i].run(argc - 1, argv + 1);
    static const struct option longopts[] = {{"run", required_argument, NULL, 'r'},
                                             {"lang", required_argument, NULL, 'l'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"max-cases", required_argument, NULL, 'm'},
                                             {"min-score", required_argument, NULL, 's'},
                                             {NULL, 0, NULL, 0}};
    const char *out = NULL, *format = "html";
    tk_report_options ro = TK_REPORT_OPTIONS_INIT;
    int c;

    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(
        "report", report_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_PERIOD | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        int64_t v;
        double x;
        switch (c) {
        case 'r':
            if (!tk_parse_i64(optarg, strlen(optarg), &v) || v < 1)
                return tk_cli_usage_error("report", "--run is a run id (1, 2, ...), not '%s'",
                                          optarg);
            ro.run = v;
            break;
        case 'l':
            if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0)
                return tk_cli_usage_error("report", "--lang is ja or en, not '%s'", optarg);
            ro.lang = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'm':
            if (!tk_parse_i64(optarg, strlen(optarg), &v) || v < 1 || v > TK_ANOMALIES_PAGE_MAX)
                return tk_cli_usage_error("report", "--max-cases is 1..%d, not '%s'",
                                          TK_ANOMALIES_PAGE_MAX, optarg);
            ro.pick.max = (size_t)v;
            break;
        case 's':
            if (!tk_parse_f64(optarg, strlen(optarg), &x) || x < 0 || x > 100)
                return tk_cli_usage_error("report", "--min-score is 0..100, not '%s'", optarg);
            ro.pick.min_score = x;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error("report", "--tenant is required");
    if (a.period == NULL)
        return tk_cli_usage_error("report", "--period is required (YYYY-MM-DD..YYYY-MM-DD)");
    if (out == NULL)
        return tk_cli_usage_error("report", "--out is required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    report_writer writer = NULL;
    size_t fi = 0;
    while (fi < sizeof formats / sizeof formats[0] && strcmp(formats[fi].name, format) != 0)
        fi++;
    if (fi == sizeof formats / sizeof formats[0])
        return tk_cli_usage_error("report", "--format is html, pdf or xlsx, not '%s'", format);
    writer = formats[fi].write;

    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    tk_rdoc *d = NULL;
    int rc = tk_period_parse(a.period, strlen(a.period), &ro.period, &err);
    if (rc != TK_OK)
        return tk_cli_usage_error("report", "--period: %s", err.msg);
    rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant, TK_TENANT_READONLY, &err);
    if (rc == TK_OK && writer == NULL)
        rc = write_xlsx(t, a.tenant, &ro, out, &err);
    else if (rc == TK_OK)
        rc = tk_report_period(t, &ro, &d, &err);
    if (rc == TK_OK && writer != NULL)
        rc = write_atomic(out, writer, d, &err);
    tk_rdoc_destroy(d);
    tk_tenant_close(t);
    return tk_cliutil_status("report", rc, &err);
}

/* ---- the contract's yearly documents (api/contract.h) ------------------------- */

static const char contract_help[] =
    "usage: tenken report plan --tenant T --fiscal-year Y --out FILE\n"
    "                          [--format html|pdf] [--lang ja|en] [--data DIR]\n"
    "       tenken report completion --tenant T --fiscal-year Y --out FILE\n"
    "                          [--format html|pdf] [--lang ja|en] [--data DIR]\n"
    "\n"
    "plan writes the 業務処理計画書 of fiscal year Y (April Y to March Y+1):\n"
    "overview, roles and the accounts that hold them, the systems in scope,\n"
    "the inspection items with their parameters, the schedule (tenken plan),\n"
    "data handling and the deliverables. completion writes the 業務完了報告書:\n"
    "per period the files received, rows stored and refused, the analysis\n"
    "runs, the report's delivery, the cases put to the heads of section and\n"
    "their answers; a period not delivered is marked 未完了 with what is\n"
    "missing. What tenken does not record is left blank to fill in. The file\n"
    "is written whole or not at all.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --fiscal-year Y       the fiscal year, e.g. 2024 (required)\n"
    "  --format html|pdf     html: one self-contained, printable file (default);\n"
    "                        pdf: A4 with the Japanese fonts embedded\n"
    "  --lang ja|en          the document's language (default: ja)\n"
    "  --out FILE            where to write it (required)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

/* The accounts of the data directory for the plan's chapter 2, read as
 * the local administrator. A data directory without a service database
 * has no account: nothing is created to find that out. */
static int contract_accounts(const char *dir, tk_account_info **v, size_t *n, tk_error *err)
{
    char path[4096], abuf[TK_ACTOR_NAME_SIZE];
    struct stat st;
    tk_account_store *s = NULL;
    tk_actor me;

    *v = NULL;
    *n = 0;
    if (snprintf(path, sizeof path, "%s/service.db", dir) >= (int)sizeof path)
        return tk_error_set(err, TK_EIO, "data directory path too long: %s", dir);
    if (stat(path, &st) != 0)
        return TK_OK;
    tk_actor_local(&me, abuf, sizeof abuf);
    int rc = tk_account_store_open(&s, dir, NULL, err);
    if (rc == TK_OK)
        rc = tk_account_list(s, &me, v, n, err);
    tk_account_store_close(s);
    return rc;
}

static int contract_cmd(int argc, char **argv)
{
    const int plan = strcmp(argv[0], "plan") == 0;
    const char *cmd = plan ? "report plan" : "report completion";
    const char *out = NULL, *format = "html";
    tk_contract_options co = TK_CONTRACT_OPTIONS_INIT;
    int c, have_fy = 0;

    tk_cliutil_args a =
        TK_CLIUTIL_ARGS_INIT(cmd, contract_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, yearly_opts)) > 0) {
        tk_error err = {0};
        switch (c) {
        case 'y':
            if (tk_period_parse_fiscal_year(optarg, strlen(optarg), &co.fiscal_year, &err) != TK_OK)
                return tk_cli_usage_error(cmd, "--fiscal-year: %s", err.msg);
            have_fy = 1;
            break;
        case 'l':
            if (strcmp(optarg, "ja") != 0 && strcmp(optarg, "en") != 0)
                return tk_cli_usage_error(cmd, "--lang is ja or en, not '%s'", optarg);
            co.lang = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error(cmd, "--tenant is required");
    if (!have_fy)
        return tk_cli_usage_error(cmd, "--fiscal-year is required (e.g. 2024)");
    if (out == NULL)
        return tk_cli_usage_error(cmd, "--out is required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    report_writer writer = NULL;
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].name, format) == 0)
            writer = formats[i].write;
    if (writer == NULL)
        return tk_cli_usage_error(cmd, "--format is html or pdf, not '%s'", format);

    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    tk_rdoc *d = NULL;
    tk_account_info *acc = NULL;
    size_t nacc = 0;
    const char *dir = tk_cli_data_dir(a.data);
    int rc = tk_analysis_open_tenant(&t, dir, a.tenant, TK_TENANT_READONLY, &err);
    if (rc == TK_OK && plan) {
        rc = contract_accounts(dir, &acc, &nacc, &err);
        co.accounts = acc;
        co.naccounts = nacc;
        co.accounts_known = 1;
    }
    if (rc == TK_OK)
        rc = plan ? tk_contract_plan(t, &co, &d, &err) : tk_contract_completion(t, &co, &d, &err);
    if (rc == TK_OK)
        rc = write_atomic(out, writer, d, &err);
    tk_rdoc_destroy(d);
    tk_free(acc);
    tk_tenant_close(t);
    return tk_cliutil_status(cmd, rc, &err);
}

/* ---- the review meeting's record (models/meeting.h) ----------------------------- */

static const char meeting_help[] =
    "usage: tenken report meeting --tenant T --fiscal-year Y --date D --place P\n"
    "                             --attendee A [--attendee A ...] [--data DIR] [--no-wait]\n"
    "       tenken report meeting --tenant T --fiscal-year Y --show [--data DIR]\n"
    "\n"
    "Records the review meeting (報告会) of fiscal year Y: the day it is held,\n"
    "the place and the attendees, one --attendee per person (city and\n"
    "contractor alike, e.g. \"市民課長 山田太郎\"). A new record replaces the\n"
    "year's earlier one. The minutes (tenken report minutes) and the\n"
    "業務完了報告書 (tenken report completion) print it instead of blanks.\n"
    "--show prints the year's record.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --fiscal-year Y       the fiscal year, 2024 or FY2024 (required)\n"
    "  --date D              the meeting's day, YYYY-MM-DD: from April Y to\n"
    "                        March Y+2\n"
    "  --place P             where it is held, one line (at most 200 bytes)\n"
    "  --attendee A          an attendee, one line (at most 200 bytes); 1 to 50\n"
    "  --show                print the record instead of setting it\n"
    "  --no-wait             fail at once (exit 75) when another command writes\n"
    "                        the tenant\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static void meeting_print(const tk_meeting *m)
{
    char held[16], at[TK_TIME_ISO_SIZE];
    tk_period_format_day(m->held_on, held, sizeof held);
    if (tk_time_format_iso(m->set_at, at, sizeof at) == 0)
        at[0] = '\0';
    printf("fiscal year  FY%d\ndate         %s\nplace        %s\n", m->fiscal_year, held, m->place);
    for (size_t i = 0; i < m->nattendees; i++)
        printf("%s %s\n", i == 0 ? "attendees   " : "            ", m->attendees[i]);
    printf("set          %s by %s\n", at, m->set_by);
}

static int meeting_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {{"fiscal-year", required_argument, NULL, 'y'},
                                             {"date", required_argument, NULL, 'D'},
                                             {"place", required_argument, NULL, 'p'},
                                             {"attendee", required_argument, NULL, 'a'},
                                             {"show", no_argument, NULL, 's'},
                                             {NULL, 0, NULL, 0}};
    const char *cmd = "report meeting";
    const char *date = NULL;
    const char *lines[TK_MEETING_ATTENDEES_MAX];
    tk_meeting_input in = {0, NULL, lines, 0};
    tk_error err = {0, ""};
    int c, fy = 0, show = 0;

    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(
        cmd, meeting_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA | TK_CLIUTIL_NOWAIT);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'y':
            if (tk_period_parse_fiscal_year(optarg, strlen(optarg), &fy, &err) != TK_OK)
                return tk_cli_usage_error(cmd, "--fiscal-year: %s", err.msg);
            break;
        case 'D':
            date = optarg;
            break;
        case 'p':
            in.place = optarg;
            break;
        case 'a':
            if (in.nattendees == TK_MEETING_ATTENDEES_MAX)
                return tk_cli_usage_error(cmd, "at most %d --attendee", TK_MEETING_ATTENDEES_MAX);
            lines[in.nattendees++] = optarg;
            break;
        case 's':
            show = 1;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error(cmd, "--tenant is required");
    if (fy == 0)
        return tk_cli_usage_error(cmd, "--fiscal-year is required (e.g. 2024)");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    if (show && (date || in.place || in.nattendees))
        return tk_cli_usage_error(cmd, "--show takes no --date, --place or --attendee");
    if (!show) {
        static const char *const opt[] = {"--date", "--place", "--attendee"};
        tk_meeting_field f;
        if (date == NULL || in.place == NULL || in.nattendees == 0)
            return tk_cli_usage_error(cmd, "--date, --place and --attendee are required");
        if (tk_period_parse_day(date, strlen(date), &in.held_on, &err) != TK_OK)
            return tk_cli_usage_error(cmd, "--date: %s", err.msg);
        if (tk_meeting_check(fy, &in, &f, &err) != TK_OK)
            return tk_cli_usage_error(cmd, "%s: %s", opt[f], err.msg);
    }

    tk_tenant *t = NULL;
    tk_meeting m;
    char who[TK_ACTOR_NAME_SIZE * 3];
    tk_actor actor;
    tk_actor_local(&actor, who, sizeof who);
    memset(&m, 0, sizeof m);
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant,
                                     show ? TK_TENANT_READONLY : 0, &err);
    if (rc == TK_OK && !show) {
        const int ls = tk_cli_lock_writer(cmd, t, cmd, a.nowait);
        if (ls != TK_EXIT_OK) {
            tk_tenant_close(t);
            return ls;
        }
        rc = tk_meeting_set(tk_tenant_db(t), fy, &in, &actor, &err);
    }
    if (rc == TK_OK)
        rc = tk_meeting_get(tk_tenant_db(t), fy, &m, &err);
    tk_tenant_close(t);
    if (rc == TK_OK)
        meeting_print(&m);
    tk_meeting_dispose(&m);
    return tk_cliutil_status(cmd, rc, &err);
}
