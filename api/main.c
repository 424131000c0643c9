/* api/main.c -- the tenken command-line entry point.
 *
 * Dispatches argv[1] to a subcommand implemented in api/cli_*.c. Library
 * set-up happens here, before anything else and before any thread starts:
 * GSL's aborting error handler is turned off, and BLAS is told to use one
 * thread (models/blas.h says why). */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "api/cli.h"
#include "models/blas.h"

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    tk_blas_set_threads(TK_BLAS_THREADS);
    return tk_cli_main(argc, argv);
}
