/* api/cli_profile.c -- `tenken profile add|list|show|history|rm`: a
 * tenant's stored source profiles (src/profstore.h).
 *
 * Thin front ends: tk_cli_profile (api/cli_ingest.c, beside `profile
 * test`) parses the options every action shares and hands the store's
 * actions to tk_cli_profile_store. Writers (add, rm) take the tenant's
 * writer lock first, as every command that writes does. JSON output is
 * api/jsonout.h's, the shape the service answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/cli.h"
#include "api/cliutil.h"
#include "models/analysis.h"
#include "api/jsonout.h"
#include "src/alloc.h"
#include "src/profstore.h"
#include "src/timefmt.h"

static void fmt_when(int64_t ms, char *out, size_t cap)
{
    char iso[TK_TIME_ISO_SIZE];
    tk_time_format_iso(ms, iso, sizeof iso);
    snprintf(out, cap, "%.10s %.5s", iso, iso + 11);
}

/* Reads a whole file (at most the store's limit and a byte, so that the
 * store names the size) into *out (owned: tk_free()). */
static int read_file(const char *path, char **out, size_t *len, tk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tk_error_set(err, TK_EIO, "cannot read profile %s", path);
    const size_t cap = TK_PROFSTORE_MAX_BYTES + 1;
    char *buf = tk_alloc(cap);
    if (buf == NULL) {
        fclose(f);
        return tk_error_set(err, TK_ENOMEM, "out of memory reading %s", path);
    }
    *len = fread(buf, 1, cap, f);
    const int bad = ferror(f);
    fclose(f);
    if (bad) {
        tk_free(buf);
        return tk_error_set(err, TK_EIO, "cannot read profile %s", path);
    }
    *out = buf;
    return TK_OK;
}

static int add(tk_tenant *t, const char *path, tk_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int64_t v = 0;
    int created = 0;
    char me[TK_ACTOR_NAME_SIZE];
    tk_actor who;
    tk_actor_local(&who, me, sizeof me);
    int rc = read_file(path, &text, &len, err);
    if (rc == TK_OK)
        rc = tk_profstore_put_from(t, text, len, path, &who, &v, &created, err);
    if (rc == TK_OK) {
        /* Stored, so valid: a source profile, or a mapping (a "kind"). */
        json_t *doc = json_loadb(text, len, 0, NULL);
        const char *name = json_string_value(json_object_get(doc, "profile"));
        const char *kind = json_string_value(json_object_get(doc, "kind"));
        char what[96];
        if (kind != NULL)
            snprintf(what, sizeof what, "mapping profile %s (%s)", name ? name : "?", kind);
        else
            snprintf(what, sizeof what, "profile %s", name ? name : "?");
        if (created)
            printf("stored %s version %lld in tenant %s\n", what, (long long)v, tk_tenant_name(t));
        else
            printf("%s unchanged: identical to version %lld, in force\n", what, (long long)v);
        json_decref(doc);
    }
    tk_free(text);
    return rc;
}

static void print_systems(const tk_profstore_entry *e)
{
    if (e->nsystems == 0)
        printf("(from its column)");
    for (size_t i = 0; i < e->nsystems; i++)
        printf("%s%s", i ? ", " : "", e->systems[i]);
}

/* The mapping profiles, after the source profiles' table. */
static void list_mappings(const tk_profstore_entries *m)
{
    size_t w = strlen("mapping profile");
    for (size_t i = 0; i < m->n; i++)
        w = strlen(m->v[i].name) > w ? strlen(m->v[i].name) : w;
    printf("\n%-*s  version  stored (JST)      by            master data\n", (int)w,
           "mapping profile");
    for (size_t i = 0; i < m->n; i++) {
        char when[32];
        fmt_when(m->v[i].created_at, when, sizeof when);
        printf("%-*s  %7lld  %s  %-12s  %s\n", (int)w, m->v[i].name, (long long)m->v[i].version,
               when, m->v[i].created_by, m->v[i].master_kind ? m->v[i].master_kind : "?");
    }
}

static int list(tk_tenant *t, int json, tk_error *err)
{
    tk_profstore_entries l, m = {NULL, 0};
    int rc = tk_profstore_list(t, &l, err);
    if (rc != TK_OK)
        return rc;
    rc = tk_profstore_list_mappings(t, &m, err);
    if (rc != TK_OK) {
        tk_profstore_entries_dispose(&l);
        return rc;
    }
    if (json) {
        json_t *a = json_array(), *b = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(a, tk_jsonout_profile(&l.v[i]));
        for (size_t i = 0; i < m.n; i++)
            json_array_append_new(b, tk_jsonout_profile(&m.v[i]));
        tk_cli_print_json(json_pack("{s:o,s:o}", "profiles", a, "mappings", b), TK_CLI_JSON);
    } else if (l.n == 0) {
        printf("no profiles stored in tenant %s\n", tk_tenant_name(t));
    } else {
        size_t w = strlen("name");
        for (size_t i = 0; i < l.n; i++)
            w = strlen(l.v[i].name) > w ? strlen(l.v[i].name) : w;
        printf("%-*s  version  stored (JST)      by            systems\n", (int)w, "name");
        for (size_t i = 0; i < l.n; i++) {
            char when[32];
            fmt_when(l.v[i].created_at, when, sizeof when);
            printf("%-*s  %7lld  %s  %-12s  ", (int)w, l.v[i].name, (long long)l.v[i].version, when,
                   l.v[i].created_by);
            print_systems(&l.v[i]);
            printf("\n");
        }
    }
    if (!json && m.n > 0)
        list_mappings(&m);
    tk_profstore_entries_dispose(&l);
    tk_profstore_entries_dispose(&m);
    return TK_OK;
}

static int show(tk_tenant *t, const char *name, int64_t version, tk_error *err)
{
    char *json = NULL;
    size_t len = 0;
    const int rc = tk_profstore_text(t, name, version, &json, &len, NULL, err);
    if (rc != TK_OK)
        return rc;
    fwrite(json, 1, len, stdout);
    if (len == 0 || json[len - 1] != '\n')
        printf("\n");
    tk_free(json);
    return TK_OK;
}

static int history(tk_tenant *t, const char *name, int json, tk_error *err)
{
    tk_profstore_entries l;
    const int rc = tk_profstore_versions(t, name, &l, err);
    if (rc != TK_OK)
        return rc;
    if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(a, tk_jsonout_profile(&l.v[i]));
        tk_cli_print_json(json_pack("{s:s,s:o}", "name", name, "versions", a), TK_CLI_JSON);
    } else {
        printf("version  stored (JST)      by            state\n");
        for (size_t i = 0; i < l.n; i++) {
            const tk_profstore_entry *e = &l.v[i];
            char when[32], gone[32];
            fmt_when(e->created_at, when, sizeof when);
            printf("%7lld  %s  %-12s  ", (long long)e->version, when, e->created_by);
            if (e->deleted_at) {
                fmt_when(e->deleted_at, gone, sizeof gone);
                printf("deleted %s by %s", gone, e->deleted_by ? e->deleted_by : "?");
            } else {
                printf("%s", e->in_force ? "in force" : "replaced");
            }
            printf("\n");
        }
    }
    tk_profstore_entries_dispose(&l);
    return TK_OK;
}

static int rm(tk_tenant *t, const char *name, tk_error *err)
{
    char me[TK_ACTOR_NAME_SIZE];
    tk_actor who;
    tk_actor_local(&who, me, sizeof me);
    int64_t v = 0;
    const int rc = tk_profstore_delete(t, name, &who, &v, err);
    if (rc == TK_OK)
        printf("deleted profile %s (version %lld was in force); 'tenken profile history' still "
               "shows its versions\n",
               name, (long long)v);
    return rc;
}

int tk_cli_profile_store(const char *action, const char *tenant, const char *data, int json,
                         int64_t version, const char *arg)
{
    const int writes = strcmp(action, "add") == 0 || strcmp(action, "rm") == 0;
    tk_tenant *t = NULL;
    tk_error err = {0, ""};
    int rc = tk_analysis_open_tenant(&t, tk_cli_data_dir(data), tenant,
                                     writes ? 0 : TK_TENANT_READONLY, &err);
    if (rc != TK_OK) {
        tk_cli_report("profile", &err);
        return TK_EXIT_FAIL;
    }
    if (writes) {
        char what[300];
        snprintf(what, sizeof what, "profile %s %s", action, arg);
        const int st = tk_cli_lock_writer("profile", t, what, 0);
        if (st != TK_EXIT_OK) {
            tk_tenant_close(t);
            return st;
        }
    }
    if (strcmp(action, "add") == 0)
        rc = add(t, arg, &err);
    else if (strcmp(action, "list") == 0)
        rc = list(t, json, &err);
    else if (strcmp(action, "show") == 0)
        rc = show(t, arg, version, &err);
    else if (strcmp(action, "history") == 0)
        rc = history(t, arg, json, &err);
    else
        rc = rm(t, arg, &err);
    tk_tenant_close(t);
    return tk_cliutil_status("profile", rc, &err);
}
