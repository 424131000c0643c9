/* api/main.c -- the tenken command-line entry point.
 *
 * Dispatches argv[1] to a subcommand implemented in api/cli_*.c. Library
 * set-up happens here, before anything else and before any thread starts:
 * GSL's aborting error handler is turned off, BLAS is told to use one
 * thread (models/blas.h says why), and SIGXFSZ is ignored: under a file
 * size limit (`ulimit -f`) a write past it then fails with EFBIG, which
 * ingestion reports (a row-level error report not written) and SQLite
 * turns into an error, instead of the signal killing the process midway. */
#include <gsl/gsl_errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "api/cli.h"
#include "models/blas.h"

/* fontconfig, which the PDF renderer loads, keeps a few hundred bytes of its
 * parsed configuration until the process ends. A build with the leak checker
 * is told so, and still reports every other leak; other builds never call
 * this. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    signal(SIGXFSZ, SIG_IGN);
    tk_blas_set_threads(TK_BLAS_THREADS);
    return tk_cli_main(argc, argv);
}
