/* api/cli_rules.c -- `tenken rules list|show|set|reset|history`.
 *
 * A thin front end over the per-tenant rule configuration of
 * models/tuning (models/rulecat underneath): the configuration in force (the newest stored version,
 * or the catalogue's defaults), its JSON document, storing a new one from a
 * file, a reset to the defaults, and the list of versions. Reading actions
 * open the tenant read-only and read inside one read transaction, so the
 * version named in a header is the one whose values are printed; set and
 * reset append a version inside one write transaction. A refused file is
 * reported with the loader's own message (file, JSON path, what is
 * allowed), exactly as `tenken analyze --rules` reports it. Exit statuses
 * as in api/cli.h. */
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "api/jsonout.h"
#include "models/analysis.h"
#include "models/rulecat.h"
#include "models/tuning.h"
#include "src/tenant.h"
#include "src/timefmt.h"

static const char rules_help[] =
    "usage: tenken rules list --tenant T [--format text|json] [--data DIR]\n"
    "       tenken rules show --tenant T [--data DIR]\n"
    "       tenken rules set --tenant T FILE [--by NAME] [--data DIR]\n"
    "       tenken rules reset --tenant T [--by NAME] [--data DIR]\n"
    "       tenken rules history --tenant T [--format text|json] [--data DIR]\n"
    "\n"
    "The rule catalogue (点検項目) as configured for a tenant. Every 'tenken analyze'\n"
    "of the tenant uses the configuration in force; 'tenken analyze --rules FILE'\n"
    "overrides it for one run. Each set or reset is stored as a new version and\n"
    "earlier versions are kept. See docs/rules.md.\n"
    "\n"
    "actions:\n"
    "  list     the catalogue in force: rules, severities, parameters (* marks what\n"
    "           differs from the default)\n"
    "  show     the configuration in force as JSON, in the format 'set' and\n"
    "           'analyze --rules' accept\n"
    "  set      validate FILE and store it as the configuration in force\n"
    "  reset    put the catalogue's defaults back in force\n"
    "  history  the stored versions, newest (in force) first\n"
    "\n"
    "Run 'tenken rules ACTION --help' (or 'tenken help rules ACTION') for an\n"
    "action's options.\n" TK_CLI_HELP_EXIT;

/* Options an action accepts besides --tenant, --data and --help. */
enum { OPT_FORMAT = 1, OPT_BY = 2 };

/* The option lines of the actions' help texts. */
#define HELP_TENANT "  --tenant T            the tenant (required)\n"
#define HELP_FORMAT "  --format text|json    a text listing, or one JSON document (default: text)\n"

struct action {
    const char *name;
    int opts;  /* OPT_* */
    int file;  /* takes one FILE */
    int write; /* opens the tenant read-write */
    const char *help;
};

static const struct action actions[] = {
    {"list", OPT_FORMAT, 0, 0,
     "usage: tenken rules list --tenant T [--format text|json] [--data DIR]\n"
     "\n"
     "Prints the rule catalogue as configured for tenant T: each rule's id, Japanese\n"
     "and English name, whether it is enabled, its severity and its parameters with\n"
     "their values. '*' marks what differs from the catalogue's default (the default\n"
     "is shown next to a changed value). As JSON it is the catalogue of\n"
     "docs/rules.md with the tenant's values and a \"changed\" flag per rule and\n"
     "parameter.\n"
     "\n"
     "options:\n" HELP_TENANT HELP_FORMAT TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
    {"show", 0, 0, 0,
     "usage: tenken rules show --tenant T [--data DIR]\n"
     "\n"
     "Prints the configuration in force for tenant T as a JSON document with every\n"
     "rule and parameter written out: the format 'tenken rules set' and\n"
     "'tenken analyze --rules' accept, so it can be edited and set again.\n"
     "\n"
     "options:\n" HELP_TENANT TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
    {"set", OPT_BY, 1, 1,
     "usage: tenken rules set --tenant T FILE [--by NAME] [--data DIR]\n"
     "\n"
     "Validates the JSON document FILE (docs/rules.md, \"Configuration\") and stores it\n"
     "as a new version of tenant T's configuration, in force from the next analysis.\n"
     "Rules and parameters FILE does not name keep the catalogue's defaults. A file\n"
     "that is refused (not JSON, an unknown rule or parameter, a wrong type, a value\n"
     "out of range) is reported with the JSON path and what is allowed, and nothing\n"
     "is stored.\n"
     "\n"
     "options:\n" HELP_TENANT
     "  --by NAME             who set it, kept in the history (default: not\n"
     "                        recorded)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
    {"reset", OPT_BY, 0, 1,
     "usage: tenken rules reset --tenant T [--by NAME] [--data DIR]\n"
     "\n"
     "Puts the catalogue's defaults back in force for tenant T, stored as a new\n"
     "version (earlier versions stay in the history).\n"
     "\n"
     "options:\n" HELP_TENANT
     "  --by NAME             who reset it, kept in the history (default: not\n"
     "                        recorded)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
    {"history", OPT_FORMAT, 0, 0,
     "usage: tenken rules history --tenant T [--format text|json] [--data DIR]\n"
     "\n"
     "Lists the stored versions of tenant T's configuration, newest (the one in force,\n"
     "marked '*') first: id, when (JST), how many rules it disables and how many it\n"
     "changes otherwise (severity, parameters), what it was (a file set, or a reset)\n"
     "and by whom.\n"
     "\n"
     "options:\n" HELP_TENANT HELP_FORMAT TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
};
#define NACTIONS (sizeof actions / sizeof actions[0])

/* "2024-12-05 10:30:12" (JST) into buf (at least 20 bytes). */
static void format_when(int64_t ms, char *buf, size_t cap)
{
    char iso[TK_TIME_ISO_SIZE];
    if (tk_time_format_iso(ms, iso, sizeof iso) == 0)
        snprintf(buf, cap, "?");
    else
        snprintf(buf, cap, "%.10s %.8s", iso, iso + 11);
}

/* A parameter's value with its unit: "15 分", "99.5 %", "true". */
static void format_value(const tk_rulecat_param *p, double v, char *buf, size_t cap)
{
    if (p->type == TK_RULECAT_BOOL)
        snprintf(buf, cap, "%s", v != 0 ? "true" : "false");
    else
        snprintf(buf, cap, "%.12g%s%s", v, *p->unit ? " " : "", p->unit);
}

/* ---- reading ----------------------------------------------------------------- */

/* One line saying where the configuration in force comes from. */
static void describe_head(const tk_tuning_rules *s, char *buf, size_t cap)
{
    char when[32];
    if (s->head.version == 0) {
        snprintf(buf, cap, "the catalogue's defaults (no configuration stored)");
        return;
    }
    format_when(s->head.at, when, sizeof when);
    snprintf(buf, cap, "version #%lld, %s%s on %s (JST)%s%s", (long long)s->head.version,
             s->reset ? "reset to the defaults" : "set from ",
             s->reset ? "" : (s->source ? s->source : "a document"), when, s->head.by ? " by " : "",
             s->head.by ? s->head.by : "");
}

/* Whether parameter k of rule i differs from its default. */
static int param_changed(const tk_rulecat_config *c, size_t i, size_t k)
{
    return tk_rulecat_config_param(c, i, k) != tk_rulecat_rule_at(i)->params[k].def;
}

static void list_text(const char *tenant, const tk_tuning_rules *s)
{
    const tk_rulecat_config *c = s->config;
    char line[512];
    describe_head(s, line, sizeof line);
    printf("rule configuration of %s: %s\n", tenant, line);
    printf("%zu rule%s disabled, %zu changed; * marks what differs from the default\n\n",
           s->disabled, s->disabled == 1 ? "" : "s", s->changed);
    printf("%-4s %-4s %-10s %s\n", "id", "on", "severity", "name");
    for (size_t i = 0; i < tk_rulecat_count(); i++) {
        const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
        const int on = tk_rulecat_config_enabled(c, i);
        const int sev = tk_rulecat_config_severity(c, i);
        char onbuf[8], sevbuf[16];
        snprintf(onbuf, sizeof onbuf, "%s%s", on ? "yes" : "no", on != r->enabled ? "*" : "");
        snprintf(sevbuf, sizeof sevbuf, "%s%s", tk_rulecat_severity_name(sev),
                 sev != r->severity ? "*" : "");
        printf("%-4s %-4s %-10s %s (%s)\n", r->id, onbuf, sevbuf, r->name_ja, r->name_en);
        if (sev != r->severity)
            printf("     %-24s %s\n", "(default severity)", tk_rulecat_severity_name(r->severity));
        for (size_t k = 0; k < r->nparams; k++) {
            const tk_rulecat_param *p = &r->params[k];
            char val[64], def[64];
            format_value(p, tk_rulecat_config_param(c, i, k), val, sizeof val);
            if (param_changed(c, i, k)) {
                format_value(p, p->def, def, sizeof def);
                printf("     %-24s %s *  (default %s)\n", p->name, val, def);
            } else {
                printf("     %-24s %s\n", p->name, val);
            }
        }
    }
}

static int do_list(tk_tenant *t, int json, tk_error *err)
{
    tk_tuning_rules s;
    int rc = tk_tuning_rules_read(tk_tenant_db(t), &s, err);
    if (rc == TK_OK && json) {
        json_t *o = tk_jsonout_rules(tk_tenant_name(t), &s);
        if (o == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory writing the rule catalogue as JSON");
        else
            tk_cli_print_json(o, JSON_INDENT(2));
    } else if (rc == TK_OK) {
        list_text(tk_tenant_name(t), &s);
    }
    tk_tuning_rules_dispose(&s);
    return rc;
}

static int do_show(tk_tenant *t, tk_error *err)
{
    tk_tuning_rules s;
    char *js = NULL;
    int rc = tk_tuning_rules_read(tk_tenant_db(t), &s, err);
    if (rc == TK_OK)
        rc = tk_rulecat_config_json(s.config, &js, err);
    if (rc == TK_OK)
        printf("%s\n", js);
    free(js);
    tk_tuning_rules_dispose(&s);
    return rc;
}

static void print_version(const tk_tuning_version *v, size_t n)
{
    char what[320];
    if (v->reset)
        snprintf(what, sizeof what, "reset to the defaults");
    else
        snprintf(what, sizeof what, "set from %s", v->source ? v->source : "a document");
    if (n == 0)
        printf("  %4s  %-19s  %8s  %7s  %-32s %s\n", "id", "set at (JST)", "disabled", "changed",
               "what", "by");
    char when[32];
    format_when(v->created_at, when, sizeof when);
    if (v->problem)
        printf("%s %4lld  %-19s  %8s  %7s  %-32s %s\n    no longer valid: %s\n",
               v->in_force ? "*" : " ", (long long)v->id, when, "-", "-", what,
               v->created_by ? v->created_by : "-", v->problem);
    else
        printf("%s %4lld  %-19s  %8zu  %7zu  %-32s %s\n", v->in_force ? "*" : " ", (long long)v->id,
               when, v->disabled, v->changed, what, v->created_by ? v->created_by : "-");
}

static int do_history(tk_tenant *t, int json, tk_error *err)
{
    tk_tuning_version *v = NULL;
    size_t n = 0;
    int rc = tk_tuning_history(tk_tenant_db(t), NULL, &v, &n, err);
    if (rc == TK_OK && json) {
        json_t *arr = json_array();
        for (size_t i = 0; arr != NULL && i < n; i++)
            json_array_append_new(arr, tk_jsonout_rule_version(&v[i]));
        json_t *o = json_pack("{s:s,s:o}", "tenant", tk_tenant_name(t), "versions", arr);
        if (o == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory listing the rule configurations");
        else
            tk_cli_print_json(o, JSON_INDENT(2));
    } else if (rc == TK_OK && n == 0) {
        printf("no rule configuration stored for %s: the catalogue's defaults are in force\n",
               tk_tenant_name(t));
    } else if (rc == TK_OK) {
        for (size_t i = 0; i < n; i++)
            print_version(&v[i], i);
        printf("* in force; 'tenken rules show' prints it\n");
    }
    tk_tuning_versions_free(v, n);
    return rc;
}

/* ---- writing ----------------------------------------------------------------- */

/* Runs set (file != NULL) or reset and reads back the summary of what is
 * now in force. by NULL: who is not recorded. */
static int do_store(tk_tenant *t, const char *file, const char *by, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    const tk_actor actor = {by ? by : "", "admin", "local", NULL};
    int64_t id = 0;
    tk_tuning_rules s;
    int rc = tk_tuning_rules_store(db, file, &actor, &id, err);
    if (rc == TK_OK)
        rc = tk_tuning_rules_read(db, &s, err);
    if (rc != TK_OK)
        return rc;
    if (file != NULL)
        printf("stored %s as version #%lld of the rule configuration of %s: %zu rule%s "
               "disabled, %zu changed; in force from the next analysis\n",
               file, (long long)id, tk_tenant_name(t), s.disabled, s.disabled == 1 ? "" : "s",
               s.changed);
    else
        printf("reset the rule configuration of %s to the catalogue's defaults (version #%lld); "
               "in force from the next analysis\n",
               tk_tenant_name(t), (long long)id);
    tk_tuning_rules_dispose(&s);
    return TK_OK;
}

/* ---- the command ------------------------------------------------------------- */

int tk_cli_rules(int argc, char **argv)
{
    static const struct option longopts[] = {{"format", required_argument, NULL, 'f'},
                                             {"by", required_argument, NULL, 'b'},
                                             {NULL, 0, NULL, 0}};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(rules_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? TK_EXIT_USAGE : TK_EXIT_OK;
    }
    const struct action *a = NULL;
    for (size_t i = 0; i < NACTIONS; i++)
        if (strcmp(argv[1], actions[i].name) == 0)
            a = &actions[i];
    if (a == NULL)
        return tk_cli_usage_error(
            "rules", "unknown action '%s' (list, show, set, reset or history)", argv[1]);
    char cmd[32];
    snprintf(cmd, sizeof cmd, "rules %s", a->name);
    argc--;
    argv++;

    const char *by = NULL;
    int json = 0, c;
    tk_cliutil_args ca = TK_CLIUTIL_ARGS_INIT(cmd, a->help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&ca, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'f':
            if (!(a->opts & OPT_FORMAT))
                return tk_cli_usage_error(cmd, "%s takes no --format", a->name);
            if ((json = tk_cliutil_choice(cmd, "--format", optarg, "text|json")) < 0)
                return TK_EXIT_USAGE;
            break;
        case 'b':
            if (!(a->opts & OPT_BY))
                return tk_cli_usage_error(cmd, "%s takes no --by", a->name);
            by = optarg;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return ca.status;
    if (ca.tenant == NULL)
        return tk_cli_usage_error(cmd, "--tenant is required");
    if (a->file && argc - optind != 1)
        return tk_cli_usage_error(cmd, "expected exactly one FILE");
    if (!a->file && optind != argc)
        return tk_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(ca.data), ca.tenant,
                                     a->write ? 0 : TK_TENANT_READONLY, &err);
    if (rc == TK_OK && a->write) {
        /* One writer at a time: wait for another command writing to the
         * tenant (src/tenant.h). */
        char what[64];
        snprintf(what, sizeof what, "rules %s", a->name);
        const int ls = tk_cli_lock_writer(cmd, t, what, 0);
        if (ls != TK_EXIT_OK) {
            tk_tenant_close(t);
            return ls;
        }
    }
    if (rc == TK_OK) {
        if (strcmp(a->name, "list") == 0)
            rc = do_list(t, json, &err);
        else if (strcmp(a->name, "show") == 0)
            rc = do_show(t, &err);
        else if (strcmp(a->name, "set") == 0)
            rc = do_store(t, argv[optind], by, &err);
        else if (strcmp(a->name, "reset") == 0)
            rc = do_store(t, NULL, by, &err);
        else
            rc = do_history(t, json, &err);
    }
    tk_tenant_close(t);
    return tk_cliutil_status(cmd, rc, &err);
}
