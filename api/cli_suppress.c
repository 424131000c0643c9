/* api/cli_suppress.c -- `tenken suppress add|list|rm`.
 *
 * A thin front end over models/suppress: a suppression is created from an
 * item triaged false_positive (--item RUN-RANK) or directly (--rule,
 * --entity-type, --entity), listed, and deleted. The next `tenken
 * analyze` honours them (docs/rules.md, "Suppressions"). Exit statuses as
 * in api/cli.h. */
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "models/analysis.h"
#include "api/jsonout.h"
#include "api/server.h"
#include "models/suppress.h"
#include "src/period.h"
#include "src/tenant.h"
#include "src/timefmt.h"

static const char suppress_help[] =
    "usage: tenken suppress add --tenant T (--item RUN-RANK | --rule R --entity-type "
    "user|terminal\n"
    "                           --entity ID) --reason TEXT --expires YYYY-MM-DD [--data DIR]\n"
    "       tenken suppress list --tenant T [--format text|json] [--data DIR]\n"
    "       tenken suppress rm --tenant T ID [--data DIR]\n"
    "\n"
    "Suppressions of a tenant: a rule's findings about one user or terminal that\n"
    "the next analyses no longer list, up to an expiry day. See docs/rules.md.\n"
    "\n"
    "actions:\n"
    "  add      a suppression, from an item triaged false_positive or directly\n"
    "  list     the suppressions in force, newest first\n"
    "  rm       delete a suppression: the next analysis lists its findings again\n"
    "\n"
    "Run 'tenken suppress ACTION --help' (or 'tenken help suppress ACTION') for an\n"
    "action's options.\n" TK_CLI_HELP_EXIT;

#define HELP_TENANT "  --tenant T            the tenant (required)\n"

enum { OPT_ADD = 1, OPT_FORMAT = 2 };

struct action {
    const char *name;
    int opts;
    int id; /* takes one ID */
    int write;
    const char *help;
};

static const struct action actions[] = {
    {"add", OPT_ADD, 0, 1,
     "usage: tenken suppress add --tenant T --item RUN-RANK --reason TEXT --expires YYYY-MM-DD\n"
     "                           [--data DIR]\n"
     "       tenken suppress add --tenant T --rule R --entity-type user|terminal --entity ID\n"
     "                           --reason TEXT --expires YYYY-MM-DD [--data DIR]\n"
     "\n"
     "Stores a suppression: findings of rule R about the entity whose first day is\n"
     "on or before the expiry day are no longer listed by the next analyses; the\n"
     "run's notes say how many each suppression dropped. With --item, the rule and\n"
     "the entity are those of the ranked item RUN-RANK (the id of the API), which\n"
     "must be triaged false_positive.\n"
     "\n"
     "options:\n" HELP_TENANT
     "  --item RUN-RANK       the item it comes from (triaged false_positive)\n"
     "  --rule R              the rule (R01..R32), without --item\n"
     "  --entity-type TYPE    user or terminal, without --item\n"
     "  --entity ID           the user or terminal, without --item\n"
     "  --reason TEXT         why (required; at most 500 bytes)\n"
     "  --expires YYYY-MM-DD  the last day of findings it covers (required)\n" TK_CLI_HELP_DATA
         TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
    {"list", OPT_FORMAT, 0, 0,
     "usage: tenken suppress list --tenant T [--format text|json] [--data DIR]\n"
     "\n"
     "Lists the suppressions of tenant T, newest first: id, rule, entity, expiry,\n"
     "who created it and when, the item it came from and the reason.\n"
     "\n"
     "options:\n" HELP_TENANT
     "  --format text|json    a text listing, or one JSON document (default: "
     "text)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
    {"rm", 0, 1, 1,
     "usage: tenken suppress rm --tenant T ID [--data DIR]\n"
     "\n"
     "Deletes suppression ID: the next analysis lists its findings again. The row\n"
     "is kept with who deleted it and when.\n"
     "\n"
     "options:\n" HELP_TENANT TK_CLI_HELP_DATA TK_CLI_HELP_HELP TK_CLI_HELP_EXIT},
};
#define NACTIONS (sizeof actions / sizeof actions[0])

struct args {
    const char *tenant, *data, *item, *rule, *etype, *entity, *reason, *expires;
    int json;
};

static int do_add(tk_tenant *t, const struct args *a, const tk_actor *actor, tk_error *err)
{
    int64_t day = 0, id = 0;
    int rc = tk_suppress_parse_day(a->expires, &day, err);
    if (rc != TK_OK)
        return rc;
    if (a->item != NULL) {
        int64_t run, rank;
        rc = tk_server_parse_item_id(a->item, strlen(a->item), &run, &rank, err);
        if (rc == TK_OK)
            rc = tk_suppress_from_item(tk_tenant_db(t), run, rank, a->reason, day, actor, &id, err);
    } else {
        const tk_suppress_spec s = {a->rule, a->etype, a->entity, a->reason, day};
        rc = tk_suppress_add(tk_tenant_db(t), &s, actor, &id, err);
    }
    if (rc != TK_OK)
        return rc;
    tk_suppression s;
    rc = tk_suppress_get(tk_tenant_db(t), id, &s, err);
    if (rc == TK_OK)
        printf("suppression #%lld of %s: %s findings about %s %s up to %s are no longer listed "
               "from the next analysis\n",
               (long long)id, tk_tenant_name(t), s.rule_id, s.entity_type, s.entity, a->expires);
    tk_suppress_dispose(&s);
    return rc;
}

static int do_list(tk_tenant *t, int json, tk_error *err)
{
    tk_suppression *s = NULL;
    size_t n = 0;
    int rc = tk_suppress_list(tk_tenant_db(t), &s, &n, err);
    if (rc != TK_OK)
        return rc;
    if (json) {
        json_t *arr = json_array();
        for (size_t i = 0; arr != NULL && i < n; i++)
            json_array_append_new(arr, tk_jsonout_suppression(&s[i]));
        json_t *o = json_pack("{s:s,s:o}", "tenant", tk_tenant_name(t), "items", arr);
        if (o == NULL)
            rc = tk_error_set(err, TK_ENOMEM, "out of memory listing the suppressions");
        else
            tk_cli_print_json(o, JSON_INDENT(2));
    } else if (n == 0) {
        printf("no suppressions for %s\n", tk_tenant_name(t));
    } else {
        printf("%4s  %-4s  %-8s  %-16s  %-10s  %-19s  %-12s  %-10s %s\n", "id", "rule", "type",
               "entity", "expires", "created at (JST)", "by", "item", "reason");
        for (size_t i = 0; i < n; i++) {
            char day[16], iso[TK_TIME_ISO_SIZE], item[48] = "-";
            tk_period_format_day(s[i].expires_day, day, sizeof day);
            if (tk_time_format_iso(s[i].created_at, iso, sizeof iso) == 0)
                snprintf(iso, sizeof iso, "?");
            if (s[i].run_id > 0)
                snprintf(item, sizeof item, "%lld-%lld", (long long)s[i].run_id,
                         (long long)s[i].rank);
            printf("%4lld  %-4s  %-8s  %-16s  %-10s  %.10s %.8s  %-12s  %-10s %s\n",
                   (long long)s[i].id, s[i].rule_id, s[i].entity_type, s[i].entity, day, iso,
                   iso + 11, s[i].created_by, item, s[i].reason);
        }
    }
    tk_suppress_free(s, n);
    return rc;
}

int tk_cli_suppress(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"item", required_argument, NULL, 'i'},        {"rule", required_argument, NULL, 'r'},
        {"entity-type", required_argument, NULL, 'y'}, {"entity", required_argument, NULL, 'e'},
        {"reason", required_argument, NULL, 'm'},      {"expires", required_argument, NULL, 'x'},
        {"format", required_argument, NULL, 'f'},      {NULL, 0, NULL, 0}};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(suppress_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? TK_EXIT_USAGE : TK_EXIT_OK;
    }
    const struct action *act = NULL;
    for (size_t i = 0; i < NACTIONS; i++)
        if (strcmp(argv[1], actions[i].name) == 0)
            act = &actions[i];
    if (act == NULL)
        return tk_cli_usage_error("suppress", "unknown action '%s' (add, list or rm)", argv[1]);
    char cmd[32];
    snprintf(cmd, sizeof cmd, "suppress %s", act->name);
    argc--;
    argv++;

    struct args a;
    memset(&a, 0, sizeof a);
    int c;
    tk_cliutil_args ca = TK_CLIUTIL_ARGS_INIT(cmd, act->help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&ca, argc, argv, longopts)) > 0) {
        const char **slot = NULL;
        switch (c) {
        case 'i':
            slot = &a.item;
            break;
        case 'r':
            slot = &a.rule;
            break;
        case 'y':
            slot = &a.etype;
            break;
        case 'e':
            slot = &a.entity;
            break;
        case 'm':
            slot = &a.reason;
            break;
        case 'x':
            slot = &a.expires;
            break;
        case 'f':
            if (!(act->opts & OPT_FORMAT))
                return tk_cli_usage_error(cmd, "%s takes no --format", act->name);
            if ((a.json = tk_cliutil_choice(cmd, "--format", optarg, "text|json")) < 0)
                return TK_EXIT_USAGE;
            break;
        }
        if (slot != NULL) {
            if (!(act->opts & OPT_ADD))
                return tk_cli_usage_error(cmd, "%s takes no %s", act->name, argv[optind - 1]);
            *slot = optarg;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return ca.status;
    a.tenant = ca.tenant;
    a.data = ca.data;
    if (a.tenant == NULL)
        return tk_cli_usage_error(cmd, "--tenant is required");
    if (act->id && argc - optind != 1)
        return tk_cli_usage_error(cmd, "expected exactly one suppression ID");
    if (!act->id && optind != argc)
        return tk_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    int64_t id = 0;
    if (act->id) {
        uint64_t v = 0;
        tk_error e = {0, ""};
        if (tk_server_parse_count(argv[optind], strlen(argv[optind]), INT64_MAX, &v, &e) != TK_OK)
            return tk_cli_usage_error(cmd, "ID is a positive integer, not '%s'", argv[optind]);
        id = (int64_t)v;
    }
    if (act->opts & OPT_ADD) {
        if (a.reason == NULL || a.expires == NULL)
            return tk_cli_usage_error(cmd, "--reason and --expires are required");
        if (a.item != NULL && (a.rule || a.etype || a.entity))
            return tk_cli_usage_error(cmd, "--item names the rule and the entity: no --rule, "
                                           "--entity-type or --entity with it");
        if (a.item == NULL && !(a.rule && a.etype && a.entity))
            return tk_cli_usage_error(cmd, "give --item, or --rule, --entity-type and --entity");
    }

    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    char who[TK_ACTOR_NAME_SIZE * 3];
    tk_actor actor;
    tk_actor_local(&actor, who, sizeof who);
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant,
                                     act->write ? 0 : TK_TENANT_READONLY, &err);
    if (rc == TK_OK && act->write) {
        const int ls = tk_cli_lock_writer(cmd, t, cmd, 0);
        if (ls != TK_EXIT_OK) {
            tk_tenant_close(t);
            return ls;
        }
    }
    if (rc == TK_OK) {
        if (strcmp(act->name, "add") == 0) {
            rc = do_add(t, &a, &actor, &err);
        } else if (strcmp(act->name, "list") == 0) {
            rc = do_list(t, a.json, &err);
        } else {
            rc = tk_suppress_delete(tk_tenant_db(t), id, &actor, &err);
            if (rc == TK_OK)
                printf("deleted suppression #%lld of %s: the next analysis lists its findings "
                       "again\n",
                       (long long)id, tk_tenant_name(t));
        }
    }
    tk_tenant_close(t);
    return tk_cliutil_status(cmd, rc, &err);
}
