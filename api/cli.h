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

#include "models/anomalies.h"
#include "models/evidence.h"
#include "sim/gencity.h"
#include "src/error.h"
#include "src/tenant.h"

/* Entry point used by main(): dispatches argv[1]. */
int tk_cli_main(int argc, char **argv);

int tk_cli_init(int argc, char **argv);
int tk_cli_master(int argc, char **argv);
int tk_cli_profile(int argc, char **argv);
int tk_cli_ingest(int argc, char **argv);
int tk_cli_uploads(int argc, char **argv);
int tk_cli_settings(int argc, char **argv);
int tk_cli_gencity(int argc, char **argv);

/* gen-city's option parsing and summary, shared with `tenken demo`
 * (api/cli_gencity.c). tk_cli_gencity_option() applies the value val of
 * one of --seed, --staff, --residents, --volume to *o (val borrowed, kept
 * as a number) and returns -1, or prints a usage error for cmd and returns
 * its exit status. tk_cli_gencity_summary() prints what a run wrote. */
int tk_cli_gencity_option(const char *cmd, tk_gencity_options *o, const char *name,
                          const char *val);
void tk_cli_gencity_summary(const tk_gencity_options *o, const tk_gencity_result *r);
int tk_cli_demo(int argc, char **argv);
int tk_cli_score_table(int argc, char **argv);
int tk_cli_analyze(int argc, char **argv);
int tk_cli_anomalies(int argc, char **argv);
int tk_cli_explain(int argc, char **argv);
int tk_cli_triage(int argc, char **argv);
int tk_cli_entity(int argc, char **argv);
int tk_cli_trends(int argc, char **argv);
int tk_cli_deliver(int argc, char **argv);
int tk_cli_plan(int argc, char **argv);
int tk_cli_completeness(int argc, char **argv);
int tk_cli_periods(int argc, char **argv);
int tk_cli_report_cmd(int argc, char **argv);
int tk_cli_rules(int argc, char **argv);
int tk_cli_suppress(int argc, char **argv);
int tk_cli_events(int argc, char **argv);
int tk_cli_user(int argc, char **argv);
int tk_cli_token(int argc, char **argv);
int tk_cli_audit(int argc, char **argv);
int tk_cli_serve(int argc, char **argv);
int tk_cli_confirmations(int argc, char **argv);

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
enum { TK_EXIT_OK = 0, TK_EXIT_FAIL = 1, TK_EXIT_USAGE = 2, TK_EXIT_BUSY = 75 };

/* The option and the exit status of every command that writes to a
 * tenant (they take the tenant's writer lock, src/tenant.h). */
#define TK_CLI_HELP_NO_WAIT                                                                        \
    "  --no-wait             refuse at once (exit 75) when another command is\n"                   \
    "                        writing to the tenant (default: wait for it)\n"

/* Takes the writer lock of t (opened read-write) for command cmd, the
 * holder described as what (borrowed). Without nowait it waits as long as
 * another command writes, saying so on stderr: on a terminal one line
 * redrawn every second, else a line when the wait starts, when the holder
 * changes and every 10 s, and one when it ends. Returns TK_EXIT_OK,
 * TK_EXIT_BUSY (nowait and another writer: "tenken CMD: busy: ..." on
 * stderr) or TK_EXIT_FAIL (the lock file failed: the message on stderr). */
int tk_cli_lock_writer(const char *cmd, tk_tenant *t, const char *what, int nowait);

/* The data directory: the --data value if given (may be NULL), else
 * $TENKEN_DATA, else "./tenken-data". The result is borrowed (argv or
 * environment) or a static string. */
const char *tk_cli_data_dir(const char *opt);

/* json_dumps flags of the documents the CLI prints: indented, reals with 15
 * significant digits (a score rounded to one decimal prints as 99.9). */
#define TK_CLI_JSON (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

/* Finds the newest analysis run of period (a YYYY-MM-DD..YYYY-MM-DD
 * argument, or NULL for the newest of any period) of tenant in data (NULL:
 * the default), opening the tenant read-write into *t (close it whatever
 * the outcome). Reports errors itself, as command cmd; returns an exit
 * status. */
int tk_cli_open_run(const char *cmd, const char *data, const char *tenant, const char *period,
                    tk_tenant **t, int64_t *run, tk_error *err);

/* Prints o (taken: its reference is released) as one JSON document and a
 * newline on stdout; flags are json_dumps flags (JSON_COMPACT,
 * JSON_INDENT(2)). */
void tk_cli_print_json(json_t *o, size_t flags);

/* Prints an analysis run's notes (a JSON array of strings, or NULL) to
 * stdout after indent (borrowed), one "note: ..." line each. With where
 * non-NULL, notes of one rule about whole systems (R29, a gap in a
 * system's log), of which a run can have dozens, are summarised in one
 * line per rule ("note: 16 log gaps (R29) in 5 systems: ...") that ends
 * with "(every note: WHERE)"; other notes are printed whole. */
void tk_cli_print_notes(const char *notes, const char *indent, const char *where);

/* ---- text for people (api/cli_show.c) ---------------------------------- */

/* Display columns of UTF-8 text s on a terminal: East Asian wide and
 * fullwidth characters take two. */
size_t tk_cli_width(const char *s);

/* Prints s (may be NULL: nothing) on stdout as one CSV field, quoted per
 * RFC 4180 when it holds a comma, a quote or a line break. */
void tk_cli_csv_field(const char *s);

/* Prints items[0..n) as an aligned table (rank, score, entity, day, rule
 * or "model", summary), each line after indent. */
void tk_cli_show_items(FILE *out, const tk_anomalies_item *items, size_t n, const char *indent);

/* Prints the first limit rows of e as an aligned table (time, system,
 * user, terminal, operation, function, result, count, the resident's
 * pseudonym cut to 8 hex digits, file:record, detail), each line after
 * indent. */
void tk_cli_show_events(FILE *out, const tk_evidence *e, size_t limit, const char *indent);

/* Prints item it (of the run whose period reads `period`) as text: what
 * the finding is, its key numbers, and up to rows of its evidence rows,
 * read through db (borrowed). Returns TK_OK or an error of
 * tk_anomalies_evidence(). */
int tk_cli_show_item(FILE *out, tk_db *db, const tk_anomalies_item *it, const char *period,
                     size_t rows, tk_error *err);

/* `tenken profile ACTION` for the actions on a tenant's stored profiles
 * (api/cli_profile.c): action is add, list, show, history or rm; arg the
 * file (add) or the profile's name (show, history, rm); version 0 the
 * newest (show). Reports errors itself; returns an exit status. */
int tk_cli_profile_store(const char *action, const char *tenant, const char *data, int json,
                         int64_t version, const char *arg);

/* Prints "tenken CMD: message" for err on stderr. */
void tk_cli_report(const char *cmd, const tk_error *err);

/* Prints a usage error ("tenken CMD: msg" and "try 'tenken CMD --help'")
 * and returns TK_EXIT_USAGE. */
int tk_cli_usage_error(const char *cmd, const char *fmt, ...) TK_PRINTF(2, 3);

/* 1 if a --profile ARG names a profile stored in the tenant rather than
 * a file: it is a profile name ([a-z0-9_-], so no '/' and no ".json")
 * and no file of that name exists (docs/profiles.md, "Stored profiles");
 * else 0. arg is borrowed. */
int tk_cli_is_stored_name(const char *arg);

#endif
