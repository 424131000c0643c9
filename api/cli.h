/* api/cli.h -- subcommands of the tenken binary.
 *
 * Each subcommand is `int tk_cli_<name>(int argc, char **argv)` where argv[0]
 * is the subcommand's name; it returns the process exit status (0 success,
 * 1 failure of the operation, 2 usage error). Every subcommand (and every
 * action of one) answers --help and -h with its help on stdout and exit 0;
 * the help has one shape everywhere: "usage: tenken CMD ..." naming every
 * option, a description, an "options:" section giving each option with its
 * default, and an "exit status:" line last. Shared helpers for option
 * handling live here too. */
#ifndef TK_CLI_H
#define TK_CLI_H

#include <jansson.h>
#include <stdio.h>

#include "src/error.h"

/* Entry point used by main(): dispatches argv[1]. */
int tk_cli_main(int argc, char **argv);

int tk_cli_init(int argc, char **argv);
int tk_cli_master(int argc, char **argv);
int tk_cli_profile(int argc, char **argv);
int tk_cli_ingest(int argc, char **argv);
int tk_cli_uploads(int argc, char **argv);
int tk_cli_gencity(int argc, char **argv);
int tk_cli_demo(int argc, char **argv);
int tk_cli_score_table(int argc, char **argv);
int tk_cli_analyze(int argc, char **argv);
int tk_cli_anomalies(int argc, char **argv);
int tk_cli_explain(int argc, char **argv);
int tk_cli_deliver(int argc, char **argv);
int tk_cli_rules(int argc, char **argv);

/* Lines every help text shares, joined to a command's own text by string
 * concatenation so that each help stays one readable block. An option's
 * description starts in column 25; a longer option name takes a line of
 * its own. */
#define TK_CLI_HELP_DATA                                                                           \
    "  --data DIR            the data directory (default: $TENKEN_DATA, else\n"                    \
    "                        ./tenken-data)\n"
#define TK_CLI_HELP_HELP "  -h, --help            this help\n"
#define TK_CLI_HELP_EXIT "\nexit status: 0 success, 1 failure (message on stderr), 2 usage error\n"

/* Exit statuses. */
enum { TK_EXIT_OK = 0, TK_EXIT_FAIL = 1, TK_EXIT_USAGE = 2 };

/* The data directory: the --data value if given (may be NULL), else
 * $TENKEN_DATA, else "./tenken-data". The result is borrowed (argv or
 * environment) or a static string. */
const char *tk_cli_data_dir(const char *opt);

/* Prints o (taken: its reference is released) as one JSON document and a
 * newline on stdout; flags are json_dumps flags (JSON_COMPACT,
 * JSON_INDENT(2)). */
void tk_cli_print_json(json_t *o, size_t flags);

/* Prints an analysis run's notes (a JSON array of strings, or NULL) to
 * stdout, one "note: ..." line each. */
void tk_cli_print_notes(const char *notes);

/* Prints "tenken CMD: message" for err on stderr. */
void tk_cli_report(const char *cmd, const tk_error *err);

/* Prints a usage error ("tenken CMD: msg" and "try 'tenken CMD --help'")
 * and returns TK_EXIT_USAGE. */
int tk_cli_usage_error(const char *cmd, const char *fmt, ...) TK_PRINTF(2, 3);

#endif
