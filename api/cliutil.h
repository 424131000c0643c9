/* api/cliutil.h -- the scaffolding every command-line command shares.
 *
 * Most subcommands (api/cli_*.c) read the same options the same way:
 * --tenant T, --period FROM..TO, --data DIR, --no-wait and -h/--help,
 * each with the same message when it is wrong. This module reads them
 * once: a command names the ones it takes (TK_CLIUTIL_TENANT | ...),
 * lists only its own in its getopt_long table and loops over
 * tk_cliutil_getopt(), which answers the shared options itself and hands
 * the command only its own.
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

/* The shared options a command takes, or-ed into the takes of
 * TK_CLIUTIL_ARGS_INIT; -h and --help are always taken. */
enum {
    TK_CLIUTIL_TENANT = 1 << 0, /* --tenant T */
    TK_CLIUTIL_PERIOD = 1 << 1, /* --period FROM..TO */
    TK_CLIUTIL_DATA = 1 << 2,   /* --data DIR */
    TK_CLIUTIL_NOWAIT = 1 << 3, /* --no-wait */
};

/* The most long options a command may have, its own and the shared. */
#define TK_CLIUTIL_MAX_OPTS 48

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
    int takes;          /* TK_CLIUTIL_TENANT | ...: the shared options taken */
    int started;        /* opts is built and getopt_long restarted */
    struct option opts[TK_CLIUTIL_MAX_OPTS + 1]; /* the command's and the shared */
} tk_cliutil_args;

/* The value of a command's tk_cliutil_args before its first option. */
#define TK_CLIUTIL_ARGS_INIT(cmd, help, takes)                                                     \
    {                                                                                              \
        (cmd), (help), NULL, NULL, NULL, 0, 0, (takes), 0,                                         \
        {                                                                                          \
            {                                                                                      \
                NULL, 0, NULL, 0                                                                   \
            }                                                                                      \
        }                                                                                          \
    }

/* What tk_cliutil_getopt() returns besides a command's own option. */
enum { TK_CLIUTIL_END = -1, TK_CLIUTIL_STOP = -2 };

/* Reads argv with getopt_long over the command's own options longopts
 * (borrowed, ended by an all-zero entry; NULL: none; values other than
 * 'h', '?' and ':') and the shared options a takes, with -h the only
 * short option; the first call for a restarts getopt_long. Stores the
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
