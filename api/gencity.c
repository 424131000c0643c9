/* api/gencity.c -- placeholder until the synthetic-city generator lands. */
#include "api/cli.h"

int tk_cli_gencity(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "tenken %s: not available in this build\n", argv[0]);
    return TK_EXIT_FAIL;
}
