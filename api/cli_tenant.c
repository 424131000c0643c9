/* api/cli_tenant.c -- `tenken init` and `tenken master import|list`.
 *
 * Thin front ends over src/tenant and src/master: option parsing, one line
 * of outcome per action, exit statuses as in api/cli.h. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "models/analysis.h"
#include "src/alloc.h"
#include "src/master.h"
#include "src/profstore.h"
#include "src/tenant.h"

static const char init_help[] =
    "usage: tenken init --tenant T [--data DIR]\n"
    "\n"
    "Creates tenant T in the data directory: its SQLite database (WAL) and its\n"
    "pseudonymisation key (32 random bytes, file mode 0600, kept outside the\n"
    "database). Prints the key's fingerprint (not the key).\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant's name (required): 1-63 of [a-z0-9_-],\n"
    "                        starting with a letter or digit\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

int tk_cli_init(int argc, char **argv)
{
    tk_cliutil_args a =
        TK_CLIUTIL_ARGS_INIT("init", init_help, TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    if (tk_cliutil_getopt(&a, argc, argv, NULL) == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error("init", "--tenant is required");
    if (optind != argc)
        return tk_cliutil_unexpected(&a, argv);
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    if (tk_analysis_create_tenant(&t, tk_cli_data_dir(a.data), a.tenant, &err) != TK_OK) {
        tk_cli_report("init", &err);
        return TK_EXIT_FAIL;
    }
    printf("created tenant %s in %s (key fingerprint %s)\n", tk_tenant_name(t), tk_tenant_dir(t),
           tk_tenant_key_fingerprint(t));
    tk_tenant_close(t);
    return TK_EXIT_OK;
}

static const char master_help[] =
    "usage: tenken master import --tenant T --kind KIND FILE [--profile MAP]\n"
    "                            [--effective DATE] [--data DIR]\n"
    "       tenken master list --tenant T [--kind KIND] [--data DIR]\n"
    "\n"
    "Imports and lists a tenant's master data (staff, terminals, authorisations,\n"
    "...). Each import is a new version of its kind, in force from its effective\n"
    "date; earlier versions are kept, so an analysis of a past period uses the\n"
    "master data valid then. See docs/master-data.md.\n"
    "\n"
    "actions:\n"
    "  import   validate FILE and store it as a new version of KIND\n"
    "  list     the imported versions\n"
    "\n"
    "Run 'tenken master ACTION --help' (or 'tenken help master ACTION') for an\n"
    "action's options.\n" TK_CLI_HELP_EXIT;

static const char master_import_help[] =
    "usage: tenken master import --tenant T --kind KIND FILE [--profile MAP]\n"
    "                            [--effective DATE] [--data DIR]\n"
    "\n"
    "Imports FILE as a new version of tenant T's master data of KIND, in force\n"
    "from its effective date; earlier versions are kept. FILE is validated whole\n"
    "before anything is stored. Its columns carry the canonical Japanese names of\n"
    "docs/master-data.md, or a mapping profile maps them.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --kind KIND           what FILE holds (required): staff, terminals,\n"
    "                        authorizations, assignments, overtime, media,\n"
    "                        watchlist, residents, training, calendar or holidays\n"
    "                        (the Cabinet Office's syukujitsu.csv, also accepted\n"
    "                        as calendar)\n"
    "  --profile MAP         a mapping profile from FILE's columns to the canonical\n"
    "                        ones: a file, or, when no file of that name exists,\n"
    "                        the name of a mapping profile stored in T ('tenken\n"
    "                        profile add') (default: FILE has the canonical columns)\n"
    "  --effective DATE      the day the version takes effect, YYYY-MM-DD\n"
    "                        (default: today, JST)\n" TK_CLI_HELP_DATA TK_CLI_HELP_HELP
        TK_CLI_HELP_EXIT;

static const char master_list_help[] =
    "usage: tenken master list --tenant T [--kind KIND] [--data DIR]\n"
    "\n"
    "Lists the imported versions of tenant T's master data in order of effective\n"
    "date: id, kind, effective date, when imported and by whom (an account of the\n"
    "service, or cli:USER for a local import), file, rows, encoding and mapping\n"
    "profile.\n"
    "\n"
    "options:\n"
    "  --tenant T            the tenant (required)\n"
    "  --kind KIND           only the versions of KIND (default: every kind)\n" TK_CLI_HELP_DATA
        TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

struct list_ctx {
    int n;
};

static int print_version(void *ctx, const tk_master_version *v)
{
    struct list_ctx *lc = ctx;
    if (lc->n++ == 0)
        printf("%4s  %-14s %-10s  %-29s %-16s %-28s %8s  %-9s %s\n", "id", "kind", "effective",
               "imported", "by", "file", "rows", "encoding", "mapping");
    printf("%4lld  %-14s %-10s  %-29s %-16s %-28.28s %8lld  %-9s %s\n", (long long)v->id, v->kind,
           v->effective_from, v->imported_at,
           v->imported_by && v->imported_by[0] ? v->imported_by : "-", v->file_name,
           (long long)v->rows, v->encoding ? v->encoding : "-", v->mapping ? v->mapping : "-");
    return 0;
}

int tk_cli_master(int argc, char **argv)
{
    static const struct option longopts[] = {{"kind", required_argument, NULL, 'k'},
                                             {"profile", required_argument, NULL, 'p'},
                                             {"effective", required_argument, NULL, 'e'},

                                             {NULL, 0, NULL, 0}};
    const char *kind = NULL, *profile = NULL, *effective = NULL;
    int c;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(master_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? TK_EXIT_USAGE : TK_EXIT_OK;
    }
    const char *action = argv[1];
    const int import = strcmp(action, "import") == 0;
    if (!import && strcmp(action, "list") != 0)
        return tk_cli_usage_error("master", "unknown action '%s' (import or list)", action);
    argc--;
    argv++;
    tk_cliutil_args a =
        TK_CLIUTIL_ARGS_INIT("master", import ? master_import_help : master_list_help,
                             TK_CLIUTIL_TENANT | TK_CLIUTIL_DATA);
    while ((c = tk_cliutil_getopt(&a, argc, argv, longopts)) > 0) {
        switch (c) {
        case 'k':
            kind = optarg;
            break;
        case 'p':
            profile = optarg;
            break;
        case 'e':
            effective = optarg;
            break;
        }
    }
    if (c == TK_CLIUTIL_STOP)
        return a.status;
    if (a.tenant == NULL)
        return tk_cli_usage_error("master", "--tenant is required");
    if (import && kind == NULL)
        return tk_cli_usage_error("master", "--kind is required");
    if (import && argc - optind != 1)
        return tk_cli_usage_error("master", "expected exactly one FILE");
    if (!import && (optind != argc || profile || effective))
        return tk_cli_usage_error("master", "list takes only --tenant and --kind");
    if (kind != NULL && !tk_master_kind_valid(kind)) {
        const char *const *kinds = tk_master_kinds();
        size_t n = 0;
        while (kinds[n] != NULL)
            n++;
        char list[256];
        tk_error_join(list, sizeof list, kinds, n);
        return tk_cli_usage_error("master", "unknown kind '%s' (kinds: %s)", kind, list);
    }

    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(a.data), a.tenant,
                                     import ? 0 : TK_TENANT_READONLY, &err);
    if (rc != TK_OK) {
        tk_cli_report("master", &err);
        return TK_EXIT_FAIL;
    }
    if (import) {
        /* One writer at a time: wait for another command writing to the
         * tenant before reading the file (src/tenant.h). */
        char what[300];
        const char *base = strrchr(argv[optind], '/');
        snprintf(what, sizeof what, "master import of %s", base ? base + 1 : argv[optind]);
        const int ls = tk_cli_lock_writer("master", t, what, 0);
        if (ls != TK_EXIT_OK) {
            tk_tenant_close(t);
            return ls;
        }
        tk_master_import_result res;
        char who[TK_ACTOR_NAME_SIZE];
        tk_actor me;
        tk_actor_local(&me, who, sizeof who);
        if (profile != NULL && tk_cli_is_stored_name(profile)) {
            /* A mapping profile stored in the tenant (tenken profile add). */
            char *json = NULL;
            size_t len = 0;
            rc = tk_profstore_mapping(t, profile, &json, &len, NULL, &err);
            if (rc == TK_ENOTFOUND) {
                char why[sizeof err.msg];
                snprintf(why, sizeof why, "%s", err.msg);
                rc = tk_error_set(&err, TK_ENOTFOUND,
                                  "%s: no such mapping file, and %s (see 'tenken profile list')",
                                  profile, why);
            }
            if (rc == TK_OK)
                rc = tk_master_import_file_mapped(t, &me, kind, argv[optind], profile, json, len,
                                                  effective, &res, &err);
            tk_free(json);
        } else {
            rc = tk_master_import_file(t, &me, kind, argv[optind], profile, effective, &res, &err);
        }
        if (rc == TK_OK) {
            printf("imported %s: %zu rows as %s version #%lld effective %s (%s)\n", argv[optind],
                   res.rows, res.kind, (long long)res.version_id, res.effective_from, res.encoding);
            if (res.warning[0] != '\0')
                fprintf(stderr, "tenken master: warning: %s: %s\n", argv[optind], res.warning);
        }
    } else {
        struct list_ctx lc = {0};
        rc = tk_master_list_versions(t, kind, print_version, &lc, &err);
        if (rc == TK_OK && lc.n == 0)
            printf("no master data imported%s%s\n", kind ? " of kind " : "", kind ? kind : "");
    }
    tk_tenant_close(t);
    return tk_cliutil_status("master", rc, &err);
}
