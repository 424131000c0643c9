/* api/main.c -- the tenken command-line entry point.
 *
 * Dispatches argv[1] to a subcommand implemented in api/cli_*.c. Library
 * set-up (GSL's error handler off) happens here, before anything else. */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "api/cli.h"

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    return tk_cli_main(argc, argv);
}
