/* api/cli_score.c -- `tenken score-table`: score every row of a numeric CSV.
 *
 * The command is a thin front for the models: it reads the table with
 * tk_matrix_load_csv() (streaming RFC 4180 parser, every cell through
 * tk_parse_f64, named columns left out), fits the chosen model on all rows
 * and scores the same rows with it, the unsupervised protocol of the
 * isolation-forest papers. The output is a one-column CSV, header `score`,
 * one line per input row in input order, higher meaning more anomalous. It
 * is written to a temporary file next to --out and renamed into place, so
 * a failed run never leaves a partial score file behind. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "models/iforest.h"
#include "models/mahalanobis.h"
#include "models/matrix.h"
#include "src/alloc.h"
#include "src/checked.h"

static const char score_help[] =
    "usage: tenken score-table --method iforest|mahalanobis --input FILE.csv\n"
    "                          --out SCORES.csv [--exclude-column NAME]...\n"
    "                          [--trees N] [--psi N] [--seed N] [--threads N]\n"
    "                          [--classical] [--verbose]\n"
    "\n"
    "Fits an anomaly model on every row of a numeric CSV table (first line: column\n"
    "names) and writes one score per row, in input order, to SCORES.csv under the\n"
    "header 'score'. Higher scores are more anomalous. Blank lines are skipped.\n"
    "See docs/models.md for what the parameters do.\n"
    "\n"
    "options:\n"
    "  --method iforest|mahalanobis\n"
    "                        the model (required): an isolation forest, score in\n"
    "                        (0, 1], about 0.5 or less for ordinary rows, towards 1\n"
    "                        for anomalies; or the squared Mahalanobis distance\n"
    "                        from a robust centre and covariance, about the number\n"
    "                        of columns for ordinary rows\n"
    "  --input FILE.csv      the table (required); '-' reads standard input\n"
    "  --out SCORES.csv      the scores (required); '-' writes standard output\n"
    "  --exclude-column NAME leave column NAME out (a label, an id); repeatable\n"
    "                        (default: every column is used)\n"
    "  --trees N             iforest: number of trees (default: 100)\n"
    "  --psi N               iforest: rows sampled per tree (default: 256; all rows\n"
    "                        if fewer)\n"
    "  --seed N              iforest: random seed (default: 1); the same seed gives\n"
    "                        the same scores\n"
    "  --threads N           iforest: worker threads, 1 .. 64 (default: one per\n"
    "                        CPU); the scores do not depend on it\n"
    "  --classical           mahalanobis: the mean and covariance of all rows\n"
    "                        (default: the robust estimate)\n"
    "  --verbose             print the table size and the time of each phase on\n"
    "                        stderr\n" TK_CLI_HELP_HELP "\n"
    "exit status: 0 scores written, 1 the table or the model failed (message on\n"
    "stderr), 2 usage error\n";

enum { OPT_TREES = 1000, OPT_PSI, OPT_SEED, OPT_THREADS, OPT_CLASSICAL, OPT_VERBOSE };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Parses a whole-string integer in [lo, hi] into *out; 0 if it is not. */
static int parse_count(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t v;
    if (!tk_parse_i64(s, strlen(s), &v) || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

static int write_scores(const char *path, const double *s, size_t n, tk_error *err)
{
    const int to_stdout = strcmp(path, "-") == 0;
    char tmp[4096];
    FILE *f = stdout;
    if (!to_stdout) {
        if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid()) >= (int)sizeof tmp)
            return tk_error_set(err, TK_EINVAL, "output path too long: %s", path);
        f = fopen(tmp, "w");
        if (f == NULL)
            return tk_error_set(err, TK_EIO, "cannot write %s: %s", tmp, strerror(errno));
    }
    fputs("score\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.10g\n", s[i]);
    int failed = ferror(f) || fflush(f) != 0;
    if (to_stdout)
        return failed ? tk_error_set(err, TK_EIO, "cannot write standard output") : TK_OK;
    failed |= fclose(f) != 0;
    if (!failed && rename(tmp, path) != 0)
        failed = 1;
    if (failed) {
        const int e = errno;
        remove(tmp);
        return tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return TK_OK;
}

int tk_cli_score_table(int argc, char **argv)
{
    static const struct option longopts[] = {{"method", required_argument, NULL, 'm'},
                                             {"input", required_argument, NULL, 'i'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"exclude-column", required_argument, NULL, 'x'},
                                             {"trees", required_argument, NULL, OPT_TREES},
                                             {"psi", required_argument, NULL, OPT_PSI},
                                             {"seed", required_argument, NULL, OPT_SEED},
                                             {"threads", required_argument, NULL, OPT_THREADS},
                                             {"classical", no_argument, NULL, OPT_CLASSICAL},
                                             {"verbose", no_argument, NULL, OPT_VERBOSE},
                                             {NULL, 0, NULL, 0}};
    static const char cmd[] = "score-table";
    const char *method = NULL, *input = NULL, *outp = NULL;
    tk_iforest_options fo = TK_IFOREST_OPTIONS_INIT;
    tk_mahalanobis_options mo = TK_MAHALANOBIS_OPTIONS_INIT;
    int forest_opts = 0, verbose = 0, c;
    int64_t v;

    /* At most argc / 2 exclusions; the array is freed on every return. */
    const char **exclude = tk_calloc((size_t)argc + 1, sizeof *exclude);
    size_t nexclude = 0;
    if (exclude == NULL) {
        fprintf(stderr, "tenken %s: out of memory\n", cmd);
        return TK_EXIT_FAIL;
    }
    int status = TK_EXIT_USAGE;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT(cmd, score_help, 0);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'm':
            method = optarg;
            break;
        case 'i':
            input = optarg;
            break;
        case 'o':
            outp = optarg;
            break;
        case 'x':
            exclude[nexclude++] = optarg;
            break;
        case OPT_TREES:
            if (!parse_count(optarg, 1, 100000, &v)) {
                tk_cli_usage_error(cmd, "--trees needs a number from 1 to 100000, not '%s'",
                                   optarg);
                goto done;
            }
            fo.trees = (size_t)v;
            forest_opts = 1;
            break;
        case OPT_PSI:
            if (!parse_count(optarg, 2, UINT32_MAX, &v)) {
                tk_cli_usage_error(cmd, "--psi needs a number from 2 to 4294967295, not '%s'",
                                   optarg);
                goto done;
            }
            fo.sample_size = (size_t)v;
            forest_opts = 1;
            break;
        case OPT_SEED:
            if (!parse_count(optarg, 0, INT64_MAX, &v)) {
                tk_cli_usage_error(cmd, "--seed needs a non-negative integer, not '%s'", optarg);
                goto done;
            }
            fo.seed = (unsigned long)v;
            forest_opts = 1;
            break;
        case OPT_THREADS:
            if (!parse_count(optarg, 1, 64, &v)) {
                tk_cli_usage_error(cmd, "--threads needs a number from 1 to 64, not '%s'", optarg);
                goto done;
            }
            fo.threads = (size_t)v;
            forest_opts = 1;
            break;
        case OPT_CLASSICAL:
            mo.robust = 0;
            break;
        case OPT_VERBOSE:
            verbose = 1;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP) {
        status = a.status;
        goto done;
    }
    if (optind < argc) {
        tk_cliutil_unexpected(&a, argv);
        goto done;
    }
    if (method == NULL || input == NULL || outp == NULL) {
        tk_cli_usage_error(cmd, "--method, --input and --out are required");
        goto done;
    }
    const int forest = strcmp(method, "iforest") == 0;
    if (!forest && strcmp(method, "mahalanobis") != 0) {
        tk_cli_usage_error(cmd, "--method is iforest or mahalanobis, not '%s'", method);
        goto done;
    }
    if (!forest && forest_opts) {
        tk_cli_usage_error(cmd, "--trees, --psi, --seed and --threads apply to --method iforest");
        goto done;
    }
    if (forest && !mo.robust) {
        tk_cli_usage_error(cmd, "--classical applies to --method mahalanobis");
        goto done;
    }

    tk_error err = {0, ""};
    tk_matrix *m = NULL;
    tk_iforest *f = NULL;
    tk_mahalanobis *mh = NULL;
    double *scores = NULL;
    tk_matrix_csv_options co = TK_MATRIX_CSV_OPTIONS_INIT;
    co.exclude = exclude;
    co.nexclude = nexclude;
    status = TK_EXIT_FAIL;
    double t0 = now();
    int rc = tk_matrix_load_csv(&m, input, &co, &err);
    if (rc != TK_OK)
        goto fail;
    const size_t n = tk_matrix_rows(m), d = tk_matrix_cols(m);
    double t1 = now();
    if (verbose)
        fprintf(stderr, "read %zu rows x %zu columns in %.3f s\n", n, d, t1 - t0);
    scores = tk_calloc(n, sizeof *scores);
    if (scores == NULL) {
        rc = tk_error_set(&err, TK_ENOMEM, "out of memory for %zu scores", n);
        goto fail;
    }
    t0 = now();
    if (forest)
        rc = tk_iforest_create(&f, tk_matrix_data(m), n, d, &fo, &err);
    else
        rc = tk_mahalanobis_create(&mh, tk_matrix_data(m), n, d, &mo, &err);
    if (rc != TK_OK)
        goto fail;
    t1 = now();
    if (verbose)
        fprintf(stderr, "fit %s in %.3f s\n", method, t1 - t0);
    t0 = t1;
    if (forest)
        rc = tk_iforest_score(f, tk_matrix_data(m), n, scores, &err);
    else
        rc = tk_mahalanobis_score(mh, tk_matrix_data(m), n, scores, NULL, &err);
    if (rc != TK_OK)
        goto fail;
    t1 = now();
    if (verbose)
        fprintf(stderr, "scored %zu rows in %.3f s\n", n, t1 - t0);
    t0 = t1;
    rc = write_scores(outp, scores, n, &err);
    if (rc != TK_OK)
        goto fail;
    if (verbose)
        fprintf(stderr, "wrote %s in %.3f s\n", outp, now() - t0);
    status = TK_EXIT_OK;
fail:
    if (status != TK_EXIT_OK)
        tk_cli_report(cmd, &err);
    tk_free(scores);
    tk_iforest_destroy(f);
    tk_mahalanobis_destroy(mh);
    tk_matrix_destroy(m);
done:
    tk_free(exclude);
    return status;
}
