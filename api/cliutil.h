/* api/cliutil.h -- the scaffolding every command-line command shares.
 *
 * Most subcommands (api/cli_*.c) read the same options the same way:
 * --tenant T, --period FROM..TO, --data DIR, --no-wait and -h/--help,
 * each with the same message when it is wrong. This module reads them
 * once: a command lists them in its getopt_long table with the
 * TK_CLIUTIL_OPT_* entries and loops over tk_cliutil_getopt(), which
 * answers the shared options itself and hands the command only its own.
 * It also holds the checks and the closing step the commands repeat:
 * no stray operands, a period argument, a choice such as --format, and
 * the "tenken CMD: message" exit of a failed operation.
 *
 * Owns nothing: every string it keeps is borrowed from argv. Not
 * thread-safe (getopt_long's state is global), as a command's start is
 * not. */
#ifndef TK_CLIUTIL_H
#define TK_CLIUTIL_H

#include <getopt.h>

#include "src/error.h"
#include "src/period.h"

/* The getopt_long values of the shared long options: above any character,
 * so that a command's own letters never collide with them. */
enum {
    TK_CLIUTIL_TENANT = 0x100,
    TK_CLIUTIL_PERIOD,
    TK_CLIUTIL_DATA,
    TK_CLIUTIL_NOWAIT,
};

/* Entries of a command's struct option table for the shared options. */
#define TK_CLIUTIL_OPT_TENANT                                                                      \
    {                                                                                              \
        "tenant", required_argument, NULL, TK_CLIUTIL_TENANT                                       \
    }
#define TK_CLIUTIL_OPT_PERIOD                                                                      \
    {                                                                                              \
        "period", required_argument, NULL, TK_CLIUTIL_PERIOD                                       \
    }
#define TK_CLIUTIL_OPT_DATA                                                                        \
    {                                                                                              \
        "data", required_argument, NULL, TK_CLIUTIL_DATA                                           \
    }
#define TK_CLIUTIL_OPT_NOWAIT                                                                      \
    {                                                                                              \
        "no-wait", no_argument, NULL, TK_CLIUTIL_NOWAIT                                            \
    }
#define TK_CLIUTIL_OPT_HELP                                                                        \
    {                                                                                              \
        "help", no_argument, NULL, 'h'                                                             \
    }
#define TK_CLIUTIL_OPT_END                                                                         \
    {                                                                                              \
        NULL, 0, NULL, 0                                                                           \
    }

/* One command's reading of its arguments. cmd and help are borrowed
 * (static strings); the option values are borrowed from argv. */
typedef struct tk_cliutil_args {
    const char *cmd;    /* the command's name in messages ("analyze") */
    const char *help;   /* its --help text, printed as it is */
    const char *tenant; /* --tenant, or NULL */
    const char *period; /* --period, or NULL (checked by tk_cliutil_period) */
    const char *data;   /* --data, or NULL (see tk_cli_data_dir) */
    int nowait;         /* --no-wait was given */
    int status;         /* the exit status after TK_CLIUTIL_STOP */
    int started;        /* getopt_long's state has been reset */
} tk_cliutil_args;

#define TK_CLIUTIL_ARGS_INIT(cmd, help)                                                            \
    {                                                                                              \
        (cmd), (help), NULL, NULL, NULL, 0, 0, 0                                                   \
    }

/* What tk_cliutil_getopt() returns besides a command's own option. */
enum { TK_CLIUTIL_END = -1, TK_CLIUTIL_STOP = -2 };

/* Reads argv with getopt_long over longopts (borrowed; short options: -h
 * only), restarting getopt_long on the first call for a. Stores the
 * shared options in *a and goes on; returns the next option that is the
 * command's own (its value in optarg), TK_CLIUTIL_END when the options
 * are read (operands from optind), or TK_CLIUTIL_STOP when the command
 * must return a->status at once: TK_EXIT_OK after printing a->help on
 * stdout (-h, --help), TK_EXIT_USAGE after "unknown or incomplete option
 * 'ARG'" on stderr. */
int tk_cliutil_getopt(tk_cliutil_args *a, int argc, char **argv, const struct option *longopts);

/* For an operand the command does not take, argv[optind] (after the
 * options): prints "unexpected argument 'ARG'" as a usage error of a->cmd
 * and returns TK_EXIT_USAGE. */
int tk_cliutil_unexpected(const tk_cliutil_args *a, char **argv);

/* Parses arg (borrowed), a period YYYY-MM-DD..YYYY-MM-DD, into *out.
 * Returns TK_EXIT_OK, or prints the parser's message as a usage error of
 * cmd and returns TK_EXIT_USAGE. */
int tk_cliutil_period(const char *cmd, const char *arg, tk_period *out);

/* Matches arg (borrowed), the value of option opt ("--format"), against
 * choices, the allowed values joined by '|' ("table|json"). Returns the
 * index of the match (0 for the first), or prints "OPT is A or B" (or
 * "A, B or C") as a usage error of cmd and returns -1: the command then
 * exits with TK_EXIT_USAGE. */
int tk_cliutil_choice(const char *cmd, const char *opt, const char *arg, const char *choices);

/* The end of an operation that returned rc: TK_EXIT_OK if rc is TK_OK,
 * else prints "tenken CMD: message" for err (borrowed) on stderr and
 * returns TK_EXIT_FAIL. */
int tk_cliutil_status(const char *cmd, int rc, const tk_error *err);

#endif
