/* api/cli_rules.c -- `tenken rules list|show|set|reset|history`.
 *
 * A thin front end over the per-tenant rule configuration of
 * models/rulecat: the configuration in force (the newest stored version,
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
#include "models/analysis.h"
#include "models/rulecat.h"
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

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* The newest stored version, copied out of the listing callback. */
struct head {
    int have;
    int64_t id, at;
    int reset;
    char by[128], source[256];
};

static int take_head(void *ctx, const tk_rulecat_version *v)
{
    struct head *h = ctx;
    h->have = 1;
    h->id = v->id;
    h->at = v->created_at;
    h->reset = v->reset;
    snprintf(h->by, sizeof h->by, "%s", v->created_by ? v->created_by : "");
    snprintf(h->source, sizeof h->source, "%s", v->source ? v->source : "");
    return 1; /* the first is enough */
}

/* The configuration in force and the version it comes from, read in one
 * transaction. *cfg is an owned result. */
static int read_in_force(tk_db *db, tk_rulecat_config **cfg, struct head *h, tk_error *err)
{
    int64_t version = 0;
    memset(h, 0, sizeof *h);
    *cfg = NULL;
    int rc = tk_db_exec(db, "BEGIN", err);
    if (rc != TK_OK)
        return rc;
    rc = tk_rulecat_list_versions(db, take_head, h, err);
    if (rc > 0)
        rc = TK_OK;
    if (rc == TK_OK)
        rc = tk_rulecat_in_force(db, cfg, &version, err);
    tk_db_rollback(db);                  /* a read transaction: nothing to keep */
    if (rc == TK_OK && version != h->id) /* cannot happen inside the transaction */
        rc = tk_error_set(err, TK_EINTERNAL, "rule configuration changed while being read");
    if (rc != TK_OK) {
        tk_rulecat_config_destroy(*cfg);
        *cfg = NULL;
    }
    return rc;
}

/* One line saying where the configuration in force comes from. */
static void describe_head(const struct head *h, char *buf, size_t cap)
{
    char when[32];
    if (!h->have) {
        snprintf(buf, cap, "the catalogue's defaults (no configuration stored)");
        return;
    }
    format_when(h->at, when, sizeof when);
    snprintf(buf, cap, "version #%lld, %s%s on %s (JST)%s%s", (long long)h->id,
             h->reset ? "reset to the defaults" : "set from ",
             h->reset ? "" : (h->source[0] ? h->source : "a document"), when,
             h->by[0] ? " by " : "", h->by);
}

/* Whether parameter k of rule i differs from its default. */
static int param_changed(const tk_rulecat_config *c, size_t i, size_t k)
{
    return tk_rulecat_config_param(c, i, k) != tk_rulecat_rule_at(i)->params[k].def;
}

static int rule_changed(const tk_rulecat_config *c, size_t i)
{
    const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
    int diff = tk_rulecat_config_enabled(c, i) != r->enabled ||
               tk_rulecat_config_severity(c, i) != r->severity;
    for (size_t k = 0; !diff && k < r->nparams; k++)
        diff = param_changed(c, i, k);
    return diff;
}

static void list_text(const char *tenant, const tk_rulecat_config *c, const struct head *h)
{
    char line[512];
    size_t disabled, changed;
    describe_head(h, line, sizeof line);
    tk_rulecat_config_summary(c, &disabled, &changed);
    printf("rule configuration of %s: %s\n", tenant, line);
    printf("%zu rule%s disabled, %zu changed; * marks what differs from the default\n\n", disabled,
           disabled == 1 ? "" : "s", changed);
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

/* The catalogue of tk_rulecat_export_json() with the tenant, the version,
 * the summary, and per rule "default_enabled" and "changed" (per parameter
 * "changed") added. */
static int list_json(const char *tenant, const tk_rulecat_config *c, const struct head *h,
                     tk_error *err)
{
    char *js = NULL;
    int rc = tk_rulecat_export_json(c, &js, err);
    if (rc != TK_OK)
        return rc;
    json_error_t je;
    json_t *cat = json_loads(js, 0, &je);
    free(js);
    json_t *rs = json_object_get(cat, "rules");
    json_t *o = json_object();
    size_t disabled, changed;
    tk_rulecat_config_summary(c, &disabled, &changed);
    int ok = cat != NULL && json_is_array(rs) && o != NULL &&
             json_object_set_new(o, "tenant", json_string(tenant)) == 0 &&
             json_object_set_new(o, "version", h->have ? json_integer(h->id) : json_null()) == 0 &&
             json_object_set_new(o, "disabled", json_integer((json_int_t)disabled)) == 0 &&
             json_object_set_new(o, "changed", json_integer((json_int_t)changed)) == 0 &&
             json_object_set(o, "rules", rs) == 0;
    for (size_t i = 0; ok && i < json_array_size(rs); i++) {
        json_t *r = json_array_get(rs, i);
        json_t *ps = json_object_get(r, "params");
        ok = json_object_set_new(r, "changed", json_boolean(rule_changed(c, i))) == 0;
        for (size_t k = 0; ok && k < json_array_size(ps); k++)
            ok = json_object_set_new(json_array_get(ps, k), "changed",
                                     json_boolean(param_changed(c, i, k))) == 0;
        if (ok)
            ok = json_object_set_new(r, "default_enabled",
                                     json_boolean(tk_rulecat_rule_at(i)->enabled)) == 0;
    }
    json_decref(cat);
    if (!ok) {
        json_decref(o);
        return tk_error_set(err, TK_ENOMEM, "out of memory writing the rule catalogue as JSON");
    }
    tk_cli_print_json(o, JSON_INDENT(2));
    return TK_OK;
}

static int do_list(tk_tenant *t, int json, tk_error *err)
{
    tk_rulecat_config *c = NULL;
    struct head h;
    int rc = read_in_force(tk_tenant_db(t), &c, &h, err);
    if (rc == TK_OK) {
        if (json)
            rc = list_json(tk_tenant_name(t), c, &h, err);
        else
            list_text(tk_tenant_name(t), c, &h);
    }
    tk_rulecat_config_destroy(c);
    return rc;
}

static int do_show(tk_tenant *t, tk_error *err)
{
    tk_rulecat_config *c = NULL;
    struct head h;
    char *js = NULL;
    int rc = read_in_force(tk_tenant_db(t), &c, &h, err);
    if (rc == TK_OK)
        rc = tk_rulecat_config_json(c, &js, err);
    if (rc == TK_OK)
        printf("%s\n", js);
    free(js);
    tk_rulecat_config_destroy(c);
    return rc;
}

struct history_ctx {
    int json;
    size_t n;
    json_t *arr;
};

static int print_version(void *ctx, const tk_rulecat_version *v)
{
    struct history_ctx *hc = ctx;
    char what[320];
    if (v->reset)
        snprintf(what, sizeof what, "reset to the defaults");
    else
        snprintf(what, sizeof what, "set from %s", v->source ? v->source : "a document");
    if (hc->json) {
        char iso[TK_TIME_ISO_SIZE];
        if (tk_time_format_iso(v->created_at, iso, sizeof iso) == 0)
            iso[0] = '\0';
        json_t *o = json_object();
        if (o == NULL || json_array_append_new(hc->arr, o) != 0)
            return TK_ENOMEM;
        json_object_set_new(o, "id", json_integer(v->id));
        json_object_set_new(o, "created_at", json_string(iso));
        json_object_set_new(o, "created_by",
                            v->created_by ? json_string(v->created_by) : json_null());
        json_object_set_new(o, "kind", json_string(v->reset ? "reset" : "set"));
        json_object_set_new(o, "source", v->source ? json_string(v->source) : json_null());
        json_object_set_new(o, "in_force", json_boolean(v->in_force));
        json_object_set_new(o, "disabled", json_integer((json_int_t)v->disabled));
        json_object_set_new(o, "changed", json_integer((json_int_t)v->changed));
        json_object_set_new(o, "problem", v->problem ? json_string(v->problem) : json_null());
        hc->n++;
        return 0;
    }
    if (hc->n++ == 0)
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
    return 0;
}

static int do_history(tk_tenant *t, int json, tk_error *err)
{
    struct history_ctx hc = {json, 0, json ? json_array() : NULL};
    if (json && hc.arr == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory listing the rule configurations");
    int rc = tk_rulecat_list_versions(tk_tenant_db(t), print_version, &hc, err);
    if (rc == TK_ENOMEM && err != NULL && err->code != TK_ENOMEM)
        tk_error_set(err, TK_ENOMEM, "out of memory listing the rule configurations");
    if (rc == TK_OK && json) {
        json_t *o = json_object();
        json_object_set_new(o, "tenant", json_string(tk_tenant_name(t)));
        json_object_set(o, "versions", hc.arr);
        tk_cli_print_json(o, JSON_INDENT(2));
    } else if (rc == TK_OK && hc.n == 0) {
        printf("no rule configuration stored for %s: the catalogue's defaults are in force\n",
               tk_tenant_name(t));
    } else if (rc == TK_OK) {
        printf("* in force; 'tenken rules show' prints it\n");
    }
    json_decref(hc.arr);
    return rc;
}

/* ---- writing ----------------------------------------------------------------- */

/* Runs set (file != NULL) or reset in one write transaction and reads back
 * the summary of what is now in force. */
static int do_store(tk_tenant *t, const char *file, const char *by, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    tk_rulecat_config *c = NULL;
    int64_t id = 0, version = 0;
    size_t disabled = 0, changed = 0;
    int rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        return rc;
    if (file != NULL)
        rc = tk_rulecat_save_file(db, file, by, now_ms(), &id, err);
    else
        rc = tk_rulecat_reset(db, by, now_ms(), &id, err);
    if (rc == TK_OK)
        rc = tk_rulecat_in_force(db, &c, &version, err);
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    else
        tk_db_rollback(db);
    if (rc != TK_OK) {
        tk_rulecat_config_destroy(c);
        return rc;
    }
    tk_rulecat_config_summary(c, &disabled, &changed);
    tk_rulecat_config_destroy(c);
    if (file != NULL)
        printf("stored %s as version #%lld of the rule configuration of %s: %zu rule%s "
               "disabled, %zu changed; in force from the next analysis\n",
               file, (long long)id, tk_tenant_name(t), disabled, disabled == 1 ? "" : "s", changed);
    else
        printf("reset the rule configuration of %s to the catalogue's defaults (version #%lld); "
               "in force from the next analysis\n",
               tk_tenant_name(t), (long long)id);
    return TK_OK;
}

/* ---- the command ------------------------------------------------------------- */

int tk_cli_rules(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"tenant", required_argument, NULL, 't'}, {"format", required_argument, NULL, 'f'},
        {"by", required_argument, NULL, 'b'},     {"data", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
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

    const char *tenant = NULL, *by = NULL, *data = NULL;
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            tenant = optarg;
            break;
        case 'f':
            if (!(a->opts & OPT_FORMAT))
                return tk_cli_usage_error(cmd, "%s takes no --format", a->name);
            if (strcmp(optarg, "json") == 0)
                json = 1;
            else if (strcmp(optarg, "text") != 0)
                return tk_cli_usage_error(cmd, "--format is text or json");
            break;
        case 'b':
            if (!(a->opts & OPT_BY))
                return tk_cli_usage_error(cmd, "%s takes no --by", a->name);
            by = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'h':
            fputs(a->help, stdout);
            return TK_EXIT_OK;
        default:
            return tk_cli_usage_error(cmd, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (tenant == NULL)
        return tk_cli_usage_error(cmd, "--tenant is required");
    if (a->file && argc - optind != 1)
        return tk_cli_usage_error(cmd, "expected exactly one FILE");
    if (!a->file && optind != argc)
        return tk_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);

    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(data), tenant,
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
    if (rc != TK_OK) {
        tk_cli_report(cmd, &err);
        return TK_EXIT_FAIL;
    }
    return TK_EXIT_OK;
}
