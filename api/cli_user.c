/* api/cli_user.c -- `tenken user`, `tenken token` and `tenken audit`.
 *
 * Front ends over src/account and src/audit for the administrator at the
 * server's console: accounts, API tokens and the audit log of the data
 * directory's service database. The CLI acts as tk_actor_local() (an
 * admin of the whole data directory), so everything it does is audited
 * under "cli:<login>".
 *
 * Passwords never come from the command line, where other users see them
 * (ps) and shells keep them (history): they are read from standard input
 * (--password-stdin, one line) or asked for twice on the terminal with
 * echo off. Every buffer that held one is wiped before it is freed. A
 * token's secret is printed once on stdout, alone on its line, so that a
 * script can capture it; what it is and the warning go to stderr. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "models/analysis.h"
#include "src/account.h"
#include "src/alloc.h"
#include "src/audit.h"
#include "src/crypto.h"
#include "src/timefmt.h"

/* ---- shared --------------------------------------------------------------- */

static int fail(const char *cmd, const tk_error *err)
{
    tk_cli_report(cmd, err);
    return TK_EXIT_FAIL;
}

/* "2024-10-01 09:15:02" (JST) of ms into out (20 bytes); "-" for 0. */
static void when(int64_t ms, char out[20])
{
    char iso[TK_TIME_ISO_SIZE];
    if (ms == 0 || tk_time_format_iso(ms, iso, sizeof iso) == 0) {
        snprintf(out, 20, "-");
        return;
    }
    snprintf(out, 20, "%.10s %.8s", iso, iso + 11);
}

static json_t *time_json(int64_t ms)
{
    char iso[TK_TIME_ISO_SIZE];
    if (ms == 0 || tk_time_format_iso(ms, iso, sizeof iso) == 0)
        return json_null();
    return json_string(iso);
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* A password given on the command line is refused before anything else,
 * with a message that does not repeat it. getopt_long would otherwise
 * take "--password" as an abbreviation of --password-stdin. */
static int password_on_command_line(const char *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--pass", 6) == 0 && strcmp(argv[i], "--password-stdin") != 0)
            return tk_cli_usage_error(cmd, "a password is never taken on the command line (other "
                                           "users see it in ps, shells keep it): use "
                                           "--password-stdin or answer the prompt");
    return 0;
}

/* Reads one line from f into *out (a malloc'd string without its line
 * end; the caller wipes and frees it). Returns 0 or -1 at end of input. */
static int read_line(FILE *f, char **out, size_t *len)
{
    char *line = NULL;
    size_t cap = 0;
    const ssize_t n = getline(&line, &cap, f);
    if (n < 0) {
        free(line);
        return -1;
    }
    size_t k = (size_t)n;
    while (k > 0 && (line[k - 1] == '\n' || line[k - 1] == '\r'))
        line[--k] = '\0';
    *out = line;
    *len = k;
    return 0;
}

static void drop_secret(char *p, size_t len)
{
    if (p == NULL)
        return;
    tk_crypto_wipe(p, len);
    free(p);
}

/* Asks for a line on the terminal with echo off. */
static int prompt(const char *what, char **out, size_t *len)
{
    struct termios old, quiet;
    fprintf(stderr, "%s", what);
    fflush(stderr);
    const int have = tcgetattr(STDIN_FILENO, &old) == 0;
    if (have) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    const int rc = read_line(stdin, out, len);
    if (have)
        (void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fprintf(stderr, "\n");
    return rc;
}

/* The new password of name: one line of stdin, or asked twice on the
 * terminal. Returns an exit status; on success *p (wipe and free it). */
static int get_password(const char *cmd, const char *name, int from_stdin, char **p, size_t *len)
{
    *p = NULL;
    if (from_stdin) {
        if (read_line(stdin, p, len) != 0 || *len == 0) {
            drop_secret(*p, *len);
            *p = NULL;
            fprintf(stderr,
                    "tenken %s: no password on standard input (--password-stdin reads "
                    "one line)\n",
                    cmd);
            return TK_EXIT_FAIL;
        }
        return TK_EXIT_OK;
    }
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr,
                "tenken %s: standard input is not a terminal to ask for the password: give it "
                "on standard input with --password-stdin\n",
                cmd);
        return TK_EXIT_FAIL;
    }
    char ask[160], *again = NULL;
    size_t again_len = 0;
    snprintf(ask, sizeof ask, "new password for %s: ", name);
    if (prompt(ask, p, len) != 0 || prompt("the same password again: ", &again, &again_len) != 0) {
        drop_secret(*p, *len);
        *p = NULL;
        fprintf(stderr, "tenken %s: no password given\n", cmd);
        return TK_EXIT_FAIL;
    }
    const int same = *len == again_len && tk_crypto_equal(*p, again, *len);
    drop_secret(again, again_len);
    if (!same) {
        drop_secret(*p, *len);
        *p = NULL;
        fprintf(stderr, "tenken %s: the two passwords differ; nothing changed\n", cmd);
        return TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}

/* ---- tenken user ---------------------------------------------------------- */

static const char user_help[] =
    "usage: tenken user add NAME --role ROLE [--tenant T] [--password-stdin] [--data DIR]\n"
    "       tenken user passwd NAME [--password-stdin] [--data DIR]\n"
    "       tenken user disable NAME [--data DIR]\n"
    "       tenken user enable NAME [--data DIR]\n"
    "       tenken user list [--format table|json] [--data DIR]\n"
    "\n"
    "Manages the accounts of the service (tenken serve) in the data directory's\n"
    "service.db. Passwords are stored only as Argon2id hashes and are never taken\n"
    "on the command line. Every action is recorded in the audit log (tenken\n"
    "audit). See docs/accounts.md.\n"
    "\n"
    "actions:\n"
    "  add      add an account\n"
    "  passwd   set an account's password (its sessions end)\n"
    "  disable  stop an account from logging in (its sessions end, its tokens\n"
    "           are refused)\n"
    "  enable   let a disabled or locked-out account log in again\n"
    "  list     the accounts\n"
    "\n"
    "Run 'tenken user ACTION --help' (or 'tenken help user ACTION') for an\n"
    "action's options.\n" TK_CLI_HELP_EXIT;

static const char user_add_help[] =
    "usage: tenken user add NAME --role ROLE [--tenant T] [--password-stdin] [--data DIR]\n"
    "\n"
    "Adds account NAME (1-64 of [a-z0-9._-]) and sets its password: with\n"
    "--password-stdin the first line of standard input, otherwise asked twice on\n"
    "the terminal. A password has at least 12 characters and is not the account\n"
    "name.\n"
    "\n"
    "options:\n"
    "  --role ROLE           uploader, analyst, reporter or admin (required)\n"
    "  --tenant T            the tenant the account belongs to (required except for\n"
    "                        an admin, which without it is global: every tenant)\n"
    "  --password-stdin      read the password from standard input (default: ask on\n"
    "                        the terminal)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static const char user_passwd_help[] =
    "usage: tenken user passwd NAME [--password-stdin] [--data DIR]\n"
    "\n"
    "Sets the password of account NAME, ends its sessions and clears a lockout.\n"
    "\n"
    "options:\n"
    "  --password-stdin      read the password from standard input (default: ask on\n"
    "                        the terminal)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static const char user_disable_help[] =
    "usage: tenken user disable NAME [--data DIR]\n"
    "\n"
    "Disables account NAME: it can no longer log in, its sessions end and its API\n"
    "tokens are refused until it is enabled again.\n"
    "\n"
    "options:\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static const char user_enable_help[] =
    "usage: tenken user enable NAME [--data DIR]\n"
    "\n"
    "Enables account NAME again, and clears a lockout after failed logins.\n"
    "\n"
    "options:\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static const char user_list_help[] =
    "usage: tenken user list [--format table|json] [--data DIR]\n"
    "\n"
    "Lists the accounts by name: role, tenant (\"-\" for a global admin), state\n"
    "(active, disabled, or locked until a time after failed logins), when and by\n"
    "whom each was made.\n"
    "\n"
    "options:\n"
    "  --format table|json   the output (default: table)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

static void print_accounts(const tk_account_info *v, size_t n, const char *fmt)
{
    if (strcmp(fmt, "json") == 0) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *o = json_object();
            json_object_set_new(o, "name", json_string(v[i].name));
            json_object_set_new(o, "role", json_string(v[i].role));
            json_object_set_new(o, "tenant", str_or_null(v[i].tenant));
            json_object_set_new(o, "disabled", json_boolean(v[i].disabled));
            json_object_set_new(o, "failed_logins", json_integer(v[i].failures));
            json_object_set_new(o, "locked_until", time_json(v[i].locked_until_ms));
            json_object_set_new(o, "created", time_json(v[i].created_ms));
            json_object_set_new(o, "updated", time_json(v[i].updated_ms));
            json_object_set_new(o, "created_by", json_string(v[i].created_by));
            json_array_append_new(a, o);
        }
        tk_cli_print_json(a, TK_CLI_JSON);
        return;
    }
    printf("%-20s %-9s %-16s %-24s %-19s %s\n", "name", "role", "tenant", "state", "created",
           "created by");
    for (size_t i = 0; i < n; i++) {
        char state[40], created[20];
        if (v[i].disabled) {
            snprintf(state, sizeof state, "disabled");
        } else if (v[i].locked_until_ms) {
            char t[20];
            when(v[i].locked_until_ms, t);
            snprintf(state, sizeof state, "locked until %s", t + 11);
        } else {
            snprintf(state, sizeof state, "active");
        }
        when(v[i].created_ms, created);
        printf("%-20s %-9s %-16s %-24s %-19s %s\n", v[i].name, v[i].role,
               v[i].tenant[0] ? v[i].tenant : "-", state, created, v[i].created_by);
    }
}

int tk_cli_user(int argc, char **argv)
{
    static const struct option longopts[] = {{"role", required_argument, NULL, 'r'},
                                             {"password-stdin", no_argument, NULL, 'p'},
                                             {"format", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    static const char *const actions[] = {"add", "passwd", "disable", "enable", "list"};
    static const char *const helps[] = {user_add_help, user_passwd_help, user_disable_help,
                                        user_enable_help, user_list_help};
    const char *role = NULL, *format = NULL;
    int from_stdin = 0, c;
    size_t act = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(user_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? TK_EXIT_USAGE : TK_EXIT_OK;
    }
    while (act < 5 && strcmp(argv[1], actions[act]) != 0)
        act++;
    if (act == 5)
        return tk_cli_usage_error("user",
                                  "unknown action '%s' (add, passwd, disable, enable or "
                                  "list)",
                                  argv[1]);
    const char *action = actions[act];
    argc--;
    argv++;
    if (password_on_command_line("user", argc, argv))
        return TK_EXIT_USAGE;
    tk_cliutil_args a =
        TK_CLIUTIL_ARGS_INIT("user", helps[act], TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'r':
            role = optarg;
            break;
        case 'p':
            from_stdin = 1;
            break;
        case 'f':
            if (strcmp(optarg, "table") != 0 && strcmp(optarg, "json") != 0)
                return tk_cli_usage_error("user", "--format is table or json, not '%s'", optarg);
            format = optarg;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    const int add = act == 0, passwd = act == 1, list = act == 4;
    if ((role || a.tenant) && !add)
        return tk_cli_usage_error("user", "--role and --tenant belong to user add, not user %s",
                                  action);
    if (from_stdin && !add && !passwd)
        return tk_cli_usage_error("user", "--password-stdin belongs to user add and user passwd");
    if (format && !list)
        return tk_cli_usage_error("user", "--format belongs to user list");
    if (list && optind != argc)
        return tk_cli_usage_error("user", "user list takes no NAME (got '%s')", argv[optind]);
    if (!list && argc - optind != 1)
        return tk_cli_usage_error("user", "user %s takes exactly one NAME%s", action,
                                  argc - optind > 1 ? " (a password is never an argument)" : "");
    if (add && role == NULL)
        return tk_cli_usage_error("user", "--role is required (uploader, analyst, reporter or "
                                          "admin)");
    const char *name = list ? NULL : argv[optind];

    tk_error err = {0, ""};
    char abuf[TK_ACTOR_NAME_SIZE];
    tk_actor me;
    tk_actor_local(&me, abuf, sizeof abuf);
    const char *dir = tk_cli_data_dir(a.data);
    /* Everything that can be checked is checked before a password is asked
     * for: a typo should not cost typing the password twice. */
    if (add) {
        if (tk_account_check_name(name, &err) != TK_OK)
            return fail("user", &err);
        if (!tk_account_role_valid(role))
            return tk_cli_usage_error("user",
                                      "unknown role '%s' (uploader, analyst, reporter or "
                                      "admin)",
                                      role);
        if (a.tenant == NULL && strcmp(role, "admin") != 0)
            return tk_cli_usage_error("user",
                                      "an %s account needs --tenant: only an admin may "
                                      "be global",
                                      role);
        if (a.tenant != NULL) {
            tk_tenant *t = NULL;
            const int rc = tk_analysis_open_tenant(&t, dir, a.tenant, TK_TENANT_READONLY, &err);
            tk_tenant_close(t);
            if (rc != TK_OK)
                return fail("user", &err);
        }
    }
    tk_account_store *s = NULL;
    if (tk_account_store_open(&s, dir, NULL, &err) != TK_OK)
        return fail("user", &err);
    int rc = TK_OK;
    char *pw = NULL;
    size_t pwlen = 0;
    if (passwd) {
        tk_account_info info;
        rc = tk_account_get(s, &me, name, &info, &err);
    }
    if (rc == TK_OK && (add || passwd)) {
        const int st = get_password("user", name, from_stdin, &pw, &pwlen);
        if (st != TK_EXIT_OK) {
            tk_account_store_close(s);
            return st;
        }
    }
    if (rc == TK_OK && add) {
        rc = tk_account_add(s, &me, name, role, a.tenant, pw, pwlen, &err);
        if (rc == TK_OK)
            printf("added account %s (%s, %s%s)\n", name, role, a.tenant ? "tenant " : "global",
                   a.tenant ? a.tenant : "");
    } else if (rc == TK_OK && passwd) {
        rc = tk_account_passwd(s, &me, name, pw, pwlen, &err);
        if (rc == TK_OK)
            printf("set the password of %s; its sessions ended\n", name);
    } else if (rc == TK_OK && act == 2) {
        rc = tk_account_disable(s, &me, name, &err);
        if (rc == TK_OK)
            printf("disabled account %s; its sessions ended and its tokens are refused\n", name);
    } else if (rc == TK_OK && act == 3) {
        rc = tk_account_enable(s, &me, name, &err);
        if (rc == TK_OK)
            printf("enabled account %s\n", name);
    } else if (rc == TK_OK) {
        tk_account_info *v = NULL;
        size_t n = 0;
        rc = tk_account_list(s, &me, &v, &n, &err);
        if (rc == TK_OK && n == 0 && !(format && strcmp(format, "json") == 0))
            printf("no accounts in %s\n", dir);
        else if (rc == TK_OK)
            print_accounts(v, n, format ? format : "table");
        tk_free(v);
    }
    drop_secret(pw, pwlen);
    tk_account_store_close(s);
    return rc == TK_OK ? TK_EXIT_OK : fail("user", &err);
}

/* ---- tenken token --------------------------------------------------------- */

static const char token_help[] =
    "usage: tenken token create --user NAME [--tenant T] [--role ROLE] [--days N]\n"
    "                           [--data DIR]\n"
    "       tenken token revoke ID [--data DIR]\n"
    "       tenken token list [--data DIR]\n"
    "\n"
    "Manages API tokens, with which a client such as the report builder calls the\n"
    "JSON API of tenken serve. A token acts for its account, limited to a tenant\n"
    "and a role, until it expires or is revoked. Only its SHA-256 is stored: the\n"
    "secret is shown once, when it is created. See docs/accounts.md.\n"
    "\n"
    "actions:\n"
    "  create   create a token and print its secret once\n"
    "  revoke   revoke a token at once\n"
    "  list     the tokens (never their secrets)\n"
    "\n"
    "Run 'tenken token ACTION --help' (or 'tenken help token ACTION') for an\n"
    "action's options.\n" TK_CLI_HELP_EXIT;

static const char token_create_help[] =
    "usage: tenken token create --user NAME [--tenant T] [--role ROLE] [--days N]\n"
    "                           [--data DIR]\n"
    "\n"
    "Creates an API token for account NAME and prints its secret\n"
    "(tkn_<id>_<secret>) alone on standard output. The secret cannot be shown\n"
    "again: store it where the client reads it.\n"
    "\n"
    "options:\n"
    "  --user NAME           the account the token acts for (required)\n"
    "  --tenant T            the tenant it may reach (default: the account's; a\n"
    "                        global admin's token without it reaches every tenant)\n"
    "  --role ROLE           its role, one the account's role covers (default: the\n"
    "                        account's)\n"
    "  --days N              its lifetime in days, 1-365 (default: 90)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static const char token_revoke_help[] =
    "usage: tenken token revoke ID [--data DIR]\n"
    "\n"
    "Revokes the API token ID (the 16 hex digits after tkn_, as token list shows\n"
    "them): it is refused from now on.\n"
    "\n"
    "options:\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static const char token_list_help[] =
    "usage: tenken token list [--data DIR]\n"
    "\n"
    "Lists the API tokens, newest first: id, account, role, tenant (\"-\": every\n"
    "tenant), state (active, expired or revoked), when created, until when valid,\n"
    "and when last used. Never their secrets, which are not stored.\n"
    "\n"
    "options:\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

int tk_cli_token(int argc, char **argv)
{
    static const struct option longopts[] = {{"user", required_argument, NULL, 'u'},
                                             {"role", required_argument, NULL, 'r'},
                                             {"days", required_argument, NULL, 'n'},
                                             {NULL, 0, NULL, 0}};
    const char *user = NULL, *role = NULL;
    long days = TK_ACCOUNT_TOKEN_DAYS_DEFAULT;
    int have_days = 0, c;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(token_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? TK_EXIT_USAGE : TK_EXIT_OK;
    }
    const char *action = argv[1];
    const int create = strcmp(action, "create") == 0, revoke = strcmp(action, "revoke") == 0;
    if (!create && !revoke && strcmp(action, "list") != 0)
        return tk_cli_usage_error("token", "unknown action '%s' (create, revoke or list)", action);
    argc--;
    argv++;
    tk_cliutil_args a = TK_CLIUTIL_ARGS_INIT("token",
                                             create   ? token_create_help
                                             : revoke ? token_revoke_help
                                                      : token_list_help,
                                             TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        char *end = NULL;
        switch (c) {
        case 'u':
            user = optarg;
            break;
        case 'r':
            role = optarg;
            break;
        case 'n':
            days = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || days < 1 || days > TK_ACCOUNT_TOKEN_DAYS_MAX)
                return tk_cli_usage_error("token",
                                          "--days is a number of days from 1 to %d, not "
                                          "'%s'",
                                          TK_ACCOUNT_TOKEN_DAYS_MAX, optarg);
            have_days = 1;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (!create && (user || a.tenant || role || have_days))
        return tk_cli_usage_error("token", "--user, --tenant, --role and --days belong to token "
                                           "create");
    if (create && user == NULL)
        return tk_cli_usage_error("token", "--user is required");
    if (create && role != NULL && !tk_account_role_valid(role))
        return tk_cli_usage_error("token",
                                  "unknown role '%s' (uploader, analyst, reporter or "
                                  "admin)",
                                  role);
    if (revoke && argc - optind != 1)
        return tk_cli_usage_error("token", "token revoke takes exactly one ID");
    if (!revoke && optind != argc)
        return tk_cli_usage_error("token", "unexpected argument '%s'", argv[optind]);

    tk_error err = {0, ""};
    char abuf[TK_ACTOR_NAME_SIZE];
    tk_actor me;
    tk_actor_local(&me, abuf, sizeof abuf);
    const char *dir = tk_cli_data_dir(a.data);
    tk_account_store *s = NULL;
    if (tk_account_store_open(&s, dir, NULL, &err) != TK_OK)
        return fail("token", &err);
    int rc;
    if (create) {
        char secret[TK_ACCOUNT_SECRET_SIZE], until[20];
        tk_account_token_info t;
        rc = tk_account_token_create(s, &me, user, a.tenant, role, (int)days, secret, &t, &err);
        if (rc == TK_OK) {
            when(t.expires_ms, until);
            fprintf(stderr, "created api token %s for %s (role %s, %s%s), valid until %s JST\n",
                    t.id, t.account, t.role, t.tenant[0] ? "tenant " : "every tenant", t.tenant,
                    until);
            printf("%s\n", secret);
            fflush(stdout);
            fprintf(stderr, "warning: this is the only time the secret is shown; it cannot be "
                            "shown again (only its hash is stored): store it now\n");
            tk_crypto_wipe(secret, sizeof secret);
        }
    } else if (revoke) {
        rc = tk_account_token_revoke(s, &me, argv[optind], &err);
        if (rc == TK_OK)
            printf("revoked api token %s\n", argv[optind]);
    } else {
        tk_account_token_info *v = NULL;
        size_t n = 0;
        rc = tk_account_token_list(s, &me, &v, &n, &err);
        if (rc == TK_OK && n == 0)
            printf("no api tokens in %s\n", dir);
        else if (rc == TK_OK)
            printf("%-16s  %-20s %-9s %-16s %-8s %-19s  %-19s  %s\n", "id", "account", "role",
                   "tenant", "state", "created", "valid until", "last used");
        const int64_t now = tk_actor_now(&me);
        for (size_t i = 0; rc == TK_OK && i < n; i++) {
            char created[20], until[20], used[20];
            when(v[i].created_ms, created);
            when(v[i].expires_ms, until);
            when(v[i].last_used_ms, used);
            const char *state = v[i].revoked_ms          ? "revoked"
                                : now >= v[i].expires_ms ? "expired"
                                                         : "active";
            printf("%-16s  %-20s %-9s %-16s %-8s %-19s  %-19s  %s\n", v[i].id, v[i].account,
                   v[i].role, v[i].tenant[0] ? v[i].tenant : "-", state, created, until, used);
        }
        tk_free(v);
    }
    tk_account_store_close(s);
    return rc == TK_OK ? TK_EXIT_OK : fail("token", &err);
}

/* ---- tenken audit --------------------------------------------------------- */

static const char audit_help[] =
    "usage: tenken audit [--since TIME] [--until TIME] [--tenant T] [--actor NAME]\n"
    "                    [--action A] [--limit N] [--format table|json] [--data DIR]\n"
    "\n"
    "Prints the newest records of the audit log, oldest first: time (JST),\n"
    "tenant (\"-\": none), actor, role, address, action, target, outcome (ok,\n"
    "refused, error) and detail. The log is append-only: tenken never changes or\n"
    "deletes a record. Reading it is itself recorded (action audit.list).\n"
    "\n"
    "options:\n"
    "  --since TIME          records at or after TIME: YYYY-MM-DD or\n"
    "                        YYYY-MM-DDTHH:MM:SS, JST (default: the beginning)\n"
    "  --until TIME          records before TIME, as --since (default: now)\n"
    "  --tenant T            records of tenant T only\n"
    "  --actor NAME          records of actor NAME only (an account, or cli:LOGIN)\n"
    "  --action A            records of action A only (login, account.add, ...)\n"
    "  --limit N             at most the newest N records, 1-10000 (default: 50)\n"
    "  --format table|json   the output (default: table)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

/* Parses YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (JST) into Unix ms. */
static int parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    const size_t len = strlen(s);
    if (len == 10) {
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
            return -1;
    } else if (len == 19 && (s[10] == 'T' || s[10] == ' ')) {
        if (sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3 ||
            sscanf(s + 11, "%2d:%2d:%2d%n", &h, &mi, &se, &n) != 3 || n != 8)
            return -1;
    } else {
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
            return -1;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > tk_days_in_month(y, mo) || h > 23 ||
        mi > 59 || se > 59)
        return -1;
    *out = (tk_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - 9 * 3600) * 1000;
    return 0;
}

int tk_cli_audit(int argc, char **argv)
{
    static const struct option longopts[] = {{"since", required_argument, NULL, 's'},
                                             {"until", required_argument, NULL, 'u'},
                                             {"actor", required_argument, NULL, 'a'},
                                             {"action", required_argument, NULL, 'A'},
                                             {"limit", required_argument, NULL, 'l'},
                                             {"format", required_argument, NULL, 'f'},
                                             {NULL, 0, NULL, 0}};
    tk_audit_filter f = TK_AUDIT_FILTER_INIT;
    const char *format = "table";
    int c;
    f.limit = 50;
    f.newest_first = 1;
    tk_cliutil_args ca =
        TK_CLIUTIL_ARGS_INIT("audit", audit_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&ca, argc, argv, longopts)) > 0) {
        char *end = NULL;
        long long v;
        switch (c) {
        case 's':
        case 'u':
            if (parse_time(optarg, c == 's' ? &f.since_ms : &f.until_ms) != 0)
                return tk_cli_usage_error("audit",
                                          "--%s is YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (JST), not "
                                          "'%s'",
                                          c == 's' ? "since" : "until", optarg);
            break;
        case 'a':
            f.actor = optarg;
            break;
        case 'A':
            f.action = optarg;
            break;
        case 'l':
            v = strtoll(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 1 || v > TK_AUDIT_LIMIT_MAX)
                return tk_cli_usage_error("audit", "--limit is a number from 1 to %d, not '%s'",
                                          TK_AUDIT_LIMIT_MAX, optarg);
            f.limit = (size_t)v;
            break;
        case 'f':
            if (strcmp(optarg, "table") != 0 && strcmp(optarg, "json") != 0)
                return tk_cli_usage_error("audit", "--format is table or json, not '%s'", optarg);
            format = optarg;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return ca.status;
    f.tenant = ca.tenant;
    if (optind != argc)
        return tk_cliutil_unexpected(&ca, argv);
    if (f.since_ms && f.until_ms && f.until_ms <= f.since_ms)
        return tk_cli_usage_error("audit", "--until must be later than --since");

    tk_error err = {0, ""};
    char abuf[TK_ACTOR_NAME_SIZE], detail[160];
    tk_actor me;
    tk_actor_local(&me, abuf, sizeof abuf);
    const char *dir = tk_cli_data_dir(ca.data);
    tk_account_store *s = NULL;
    if (tk_account_store_open(&s, dir, NULL, &err) != TK_OK)
        return fail("audit", &err);
    tk_db *db = tk_account_store_db(s);
    tk_audit_entry *e = NULL;
    size_t n = 0;
    int rc = tk_audit_list(db, &f, &e, &n, &err);
    if (rc == TK_OK) {
        /* the filter goes into the detail, not the tenant column: a
         * tenant named in a filter need not exist */
        snprintf(detail, sizeof detail, "%zu record%s%s%.64s", n, n == 1 ? "" : "s",
                 f.tenant ? " of tenant " : "", f.tenant ? f.tenant : "");
        rc = tk_audit_record(db, &me, NULL, "audit.list", NULL, TK_AUDIT_OK, detail, &err);
    }
    if (rc == TK_OK && strcmp(format, "json") == 0) {
        json_t *a = json_array();
        for (size_t i = n; i-- > 0;) {
            json_t *o = json_object();
            json_object_set_new(o, "id", json_integer(e[i].id));
            json_object_set_new(o, "time", time_json(e[i].time_ms));
            json_object_set_new(o, "tenant", str_or_null(e[i].tenant));
            json_object_set_new(o, "actor", json_string(e[i].actor));
            json_object_set_new(o, "role", json_string(e[i].role));
            json_object_set_new(o, "address", json_string(e[i].address));
            json_object_set_new(o, "action", json_string(e[i].action));
            json_object_set_new(o, "target", str_or_null(e[i].target));
            json_object_set_new(o, "outcome", json_string(e[i].outcome));
            json_object_set_new(o, "detail", str_or_null(e[i].detail));
            json_array_append_new(a, o);
        }
        tk_cli_print_json(a, TK_CLI_JSON);
    } else if (rc == TK_OK && n == 0) {
        printf("no audit records%s in %s\n",
               f.tenant || f.actor || f.action || f.since_ms || f.until_ms ? " match" : "", dir);
    } else if (rc == TK_OK) {
        printf("%-19s  %-12s %-16s %-8s %-12s %-16s %-20s %-7s %s\n", "time", "tenant", "actor",
               "role", "address", "action", "target", "outcome", "detail");
        for (size_t i = n; i-- > 0;) {
            char t[20];
            when(e[i].time_ms, t);
            printf("%-19s  %-12s %-16s %-8s %-12s %-16s %-20s %-7s %s\n", t,
                   e[i].tenant ? e[i].tenant : "-", e[i].actor, e[i].role, e[i].address,
                   e[i].action, e[i].target ? e[i].target : "-", e[i].outcome,
                   e[i].detail ? e[i].detail : "");
        }
    }
    tk_audit_entries_free(e, n);
    tk_account_store_close(s);
    return rc == TK_OK ? TK_EXIT_OK : fail("audit", &err);
}
