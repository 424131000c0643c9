/* api/cliutil.c -- the scaffolding every command-line command shares.
 *
 * The shared options live here so that their messages cannot drift apart
 * from one command to the next: an unknown option, a missing value, a
 * bad period or --format read the same in every command. */
#include "api/cliutil.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "api/cli.h"

/* The getopt_long values of the shared options: above any character and
 * below the values commands give their own long-only options (1000 up). */
enum { OPT_TENANT = 0x100, OPT_PERIOD, OPT_DATA, OPT_NOWAIT };

static const struct {
    int flag;
    struct option opt;
} shared[] = {
    {TK_CLIUTIL_TENANT, {"tenant", required_argument, NULL, OPT_TENANT}},
    {TK_CLIUTIL_PERIOD, {"period", required_argument, NULL, OPT_PERIOD}},
    {TK_CLIUTIL_DATA, {"data", required_argument, NULL, OPT_DATA}},
    {TK_CLIUTIL_NOWAIT, {"no-wait", no_argument, NULL, OPT_NOWAIT}},
};

/* a->opts: the command's own options, then the shared ones it takes, then
 * --help. */
static void build_opts(tk_cliutil_args *a, const struct option *own)
{
    size_t n = 0;
    for (; own != NULL && own[n].name != NULL; n++) {
        assert(n < TK_CLIUTIL_MAX_OPTS && own[n].val >= 0 && own[n].val != 'h');
        assert(own[n].val < OPT_TENANT || own[n].val > OPT_NOWAIT);
        a->opts[n] = own[n];
    }
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
        if (a->takes & shared[i].flag) {
            assert(n < TK_CLIUTIL_MAX_OPTS);
            a->opts[n++] = shared[i].opt;
        }
    assert(n < TK_CLIUTIL_MAX_OPTS);
    a->opts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    a->opts[n] = (struct option){NULL, 0, NULL, 0};
}

int tk_cliutil_getopt(tk_cliutil_args *a, int argc, char **argv, const struct option *longopts)
{
    if (!a->started) {
        build_opts(a, longopts);
        optind = 1;
        opterr = 0;
        a->started = 1;
    }
    for (;;) {
        const int c = getopt_long(argc, argv, "h", a->opts, NULL);
        switch (c) {
        case -1:
            return TK_CLIUTIL_END;
        case OPT_TENANT:
            a->tenant = optarg;
            break;
        case OPT_PERIOD:
            a->period = optarg;
            break;
        case OPT_DATA:
            a->data = optarg;
            break;
        case OPT_NOWAIT:
            a->nowait = 1;
            break;
        case 'h':
            fputs(a->help, stdout);
            a->status = TK_EXIT_OK;
            return TK_CLIUTIL_STOP;
        case '?':
        case ':':
            a->status =
                tk_cli_usage_error(a->cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
            return TK_CLIUTIL_STOP;
        default:
            return c;
        }
    }
}

int tk_cliutil_unexpected(const tk_cliutil_args *a, char **argv)
{
    return tk_cli_usage_error(a->cmd, "unexpected argument '%s'", argv[optind]);
}

int tk_cliutil_period(const char *cmd, const char *arg, tk_period *out)
{
    tk_error err = {0, ""};
    if (tk_period_parse(arg, strlen(arg), out, &err) != TK_OK)
        return tk_cli_usage_error(cmd, "%s", err.msg);
    return TK_EXIT_OK;
}

int tk_cliutil_choice(const char *cmd, const char *opt, const char *arg, const char *choices)
{
    const size_t alen = strlen(arg);
    size_t n = 0;
    for (const char *s = choices;; n++) {
        const char *bar = strchr(s, '|');
        const size_t len = bar ? (size_t)(bar - s) : strlen(s);
        if (len == alen && memcmp(s, arg, len) == 0)
            return (int)n;
        if (bar == NULL)
            break;
        s = bar + 1;
    }
    /* "A or B", "A, B or C": every bar but the last becomes ", ". */
    char list[128];
    size_t used = 0, k = 0;
    for (const char *s = choices; *s && used + 5 < sizeof list; s++) {
        if (*s != '|') {
            list[used++] = *s;
            continue;
        }
        const char *sep = ++k == n ? " or " : ", ";
        const size_t slen = strlen(sep);
        memcpy(list + used, sep, slen);
        used += slen;
    }
    list[used] = '\0';
    tk_cli_usage_error(cmd, "%s is %s", opt, list);
    return -1;
}

int tk_cliutil_status(const char *cmd, int rc, const tk_error *err)
{
    if (rc == TK_OK)
        return TK_EXIT_OK;
    tk_cli_report(cmd, err);
    return TK_EXIT_FAIL;
}
