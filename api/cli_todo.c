/* api/cli_todo.c -- commands under construction (removed as each lands). */
#include "api/cli.h"

static int pending(const char *name)
{
    fprintf(stderr, "tenken %s: not available in this build\n", name);
    return TK_EXIT_FAIL;
}

int tk_cli_demo(int argc, char **argv)
{
    (void)argc;
    return pending(argv[0]);
}
