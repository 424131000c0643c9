/* api/cli_report.c -- `tenken report`: the bimonthly report of a period as
 * a file.
 *
 * A thin client of api/report.h (the document tree) and of a format
 * writer. Formats are a table of name and writer, so that a format is one
 * line here when its writer lands. The file is written next to its
 * destination under a temporary name, flushed to disk and renamed, so a
 * reader never sees half a report and a failed run leaves the old file.
 *
 * `tenken report annual` and `tenken report minutes` are subcommand
 * words in front of their own options: the annual review of a fiscal
 * year and its minutes template (api/annual.h), written the same way. */
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
#include "api/pdf.h"
#include "api/xlsx.h"
#include "models/answers.h"
#include "api/rdoc.h"
#include "api/report.h"
#include "models/analysis.h"
#include "src/checked.h"

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

/* `tenken report annual` (minutes 0) and `tenken report minutes` (1);
 * argv[0] is the subcommand word. */
static int annual_cmd(int argc, char **argv, int minutes)
{
    static const struct option longopts[] = {
        {"tenant", required_argument, NULL, 't'}, {"fiscal-year", required_argument, NULL, 'y'},
        {"lang", required_argument, NULL, 'l'},   {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},    {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *cmd = minutes ? "report minutes" : "report annual";
    const char *tenant = NULL, *year = NULL, *out = NULL, *data = NULL, *format = "html";
    tk_annual_options ao = TK_ANNUAL_OPTIONS_INIT;
    tk_error err = {0, ""};
    int c;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
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
        case 'd':
            data = optarg;
            break;
        case 'h':
            fputs(minutes ? minutes_help : annual_help, stdout);
            return TK_EXIT_OK;
        default:
            return tk_cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (tenant == NULL)
        return tk_cli_usage_error(cmd, "--tenant is required");
    if (year == NULL)
        return tk_cli_usage_error(cmd, "--fiscal-year is required (e.g. 2024)");
    if (out == NULL)
        return tk_cli_usage_error(cmd, "--out is required");
    if (optind != argc)
        return tk_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    const int xlsx = strcmp(format, "xlsx") == 0;
    report_writer writer = strcmp(format, "html") == 0  ? tk_rdoc_write_html
                           : strcmp(format, "pdf") == 0 ? write_pdf
                                                        : NULL;
    if (writer == NULL && (!xlsx || minutes))
        return tk_cli_usage_error(cmd,
                                  minutes ? "--format is html or pdf, not '%s'"
                                          : "--format is html, pdf or xlsx, not '%s'",
                                  format);
    if (tk_annual_parse_year(year, strlen(year), &ao.fiscal_year, &err) != TK_OK)
        return tk_cli_usage_error(cmd, "--fiscal-year: %s", err.msg);

    tk_tenant *t = NULL;
    tk_rdoc *d = NULL;
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(data), tenant, TK_TENANT_READONLY, &err);
    if (rc == TK_OK)
        rc = minutes ? tk_annual_minutes(t, &ao, &d, &err) : tk_annual_review(t, &ao, &d, &err);
    if (rc == TK_OK)
        rc = xlsx ? write_annual_xlsx(d, out, &err) : write_atomic(out, writer, d, &err);
    tk_rdoc_destroy(d);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report(cmd, &err);
        return TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}

int tk_cli_report_cmd(int argc, char **argv)
{
    static const struct option longopts[] = {{"tenant", required_argument, NULL, 't'},
                                             {"period", required_argument, NULL, 'p'},
                                             {"run", required_argument, NULL, 'r'},
                                             {"lang", required_argument, NULL, 'l'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"max-cases", required_argument, NULL, 'm'},
                                             {"min-score", required_argument, NULL, 's'},
                                             {"data", required_argument, NULL, 'd'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *tenant = NULL, *period = NULL, *out = NULL, *data = NULL, *format = "html";
    tk_report_options ro = TK_REPORT_OPTIONS_INIT;
    int c;

    if (argc > 1 && strcmp(argv[1], "annual") == 0)
        return annual_cmd(argc - 1, argv + 1, 0);
    if (argc > 1 && strcmp(argv[1], "minutes") == 0)
        return annual_cmd(argc - 1, argv + 1, 1);
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        int64_t v;
        double x;
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'p':
            period = optarg;
            break;
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
        case 'd':
            data = optarg;
            break;
        case 'h':
            fputs(report_help, stdout);
            return TK_EXIT_OK;
        default:
            return tk_cli_usage_error("report", "unknown or incomplete option '%s'",
                                      argv[optind - 1]);
        }
    }
    if (tenant == NULL)
        return tk_cli_usage_error("report", "--tenant is required");
    if (period == NULL)
        return tk_cli_usage_error("report", "--period is required (YYYY-MM-DD..YYYY-MM-DD)");
    if (out == NULL)
        return tk_cli_usage_error("report", "--out is required");
    if (optind != argc)
        return tk_cli_usage_error("report", "unexpected argument '%s'", argv[optind]);
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
    int rc = tk_period_parse(period, strlen(period), &ro.period, &err);
    if (rc != TK_OK)
        return tk_cli_usage_error("report", "--period: %s", err.msg);
    rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(data), tenant, TK_TENANT_READONLY, &err);
    if (rc == TK_OK && writer == NULL)
        rc = write_xlsx(t, tenant, &ro, out, &err);
    else if (rc == TK_OK)
        rc = tk_report_period(t, &ro, &d, &err);
    if (rc == TK_OK && writer != NULL)
        rc = write_atomic(out, writer, d, &err);
    tk_rdoc_destroy(d);
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_cli_report("report", &err);
        return TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}
