/* src/profstore.c -- a tenant's stored source profiles.
 *
 * One table, append-only but for the deletion marks:
 *
 *   profiles(name, version, json, digest, systems, created_at, created_by,
 *            deleted_at, deleted_by)   primary key (name, version)
 *
 * A profile is live when its newest version is not marked deleted; that
 * version is in force. Deleting marks every unmarked version, so a
 * profile stored again after a deletion starts a new live run whose
 * older versions still show when and by whom they were deleted. The
 * systems a version maps to are kept beside its text (newline-separated)
 * so that a listing needs no parse of every profile.
 *
 * Selection reads the file's header record once per profile that has a
 * match.header, since profiles differ in encoding and skip_rows; the
 * sample is the first bytes of an upload, so a record cut by its end only
 * fails to match. */
#include "src/profstore.h"

#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "src/alloc.h"
#include "src/crypto.h"
#include "src/csv.h"
#include "src/encoding.h"
#include "src/master.h"

/* Most systems kept for one version. */
#define MAX_SYSTEMS 64

int tk_profstore_migrate(tk_db *db, tk_error *err)
{
    int has = 0;
    int rc = tk_db_exec(db,
                        "CREATE TABLE IF NOT EXISTS profiles("
                        " name TEXT NOT NULL,"
                        " version INTEGER NOT NULL,"
                        " json TEXT NOT NULL,"
                        " digest TEXT NOT NULL,"
                        " systems TEXT NOT NULL,"
                        " created_at INTEGER NOT NULL,"
                        " created_by TEXT NOT NULL,"
                        " deleted_at INTEGER,"
                        " deleted_by TEXT,"
                        " kind TEXT NOT NULL DEFAULT 'source',"
                        " master_kind TEXT,"
                        " PRIMARY KEY (name, version))",
                        err);
    if (rc == TK_OK)
        rc = tk_db_has_column(db, "profiles", "kind", &has, err);
    /* Stores made before mapping profiles were stored hold source
     * profiles only. */
    if (rc == TK_OK && !has)
        rc = tk_db_exec(db,
                        "ALTER TABLE profiles ADD COLUMN kind TEXT NOT NULL DEFAULT 'source';"
                        "ALTER TABLE profiles ADD COLUMN master_kind TEXT",
                        err);
    return rc;
}

/* 1 if the tenant's database has the table: a tenant of an older schema
 * opened read-only has none (and so no profiles); 0; or an error. */
static int has_table(tk_db *db, tk_error *err)
{
    int64_t n = 0;
    const int rc = tk_db_query_i64(
        db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'profiles'", &n,
        err);
    return rc == TK_OK ? n > 0 : rc;
}

/* ---- entries ------------------------------------------------------------- */

void tk_profstore_entry_dispose(tk_profstore_entry *e)
{
    if (e == NULL)
        return;
    tk_free(e->name);
    tk_free(e->created_by);
    tk_free(e->digest);
    for (size_t i = 0; i < e->nsystems; i++)
        tk_free(e->systems[i]);
    tk_free(e->systems);
    tk_free(e->deleted_by);
    tk_free(e->master_kind);
    memset(e, 0, sizeof *e);
}

void tk_profstore_entries_dispose(tk_profstore_entries *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++)
        tk_profstore_entry_dispose(&l->v[i]);
    tk_free(l->v);
    l->v = NULL;
    l->n = 0;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    if (s == NULL)
        return NULL;
    return tk_strndup((const char *)s, (size_t)sqlite3_column_bytes(st, i));
}

/* The columns every entry query selects, in this order. */
#define ENTRY_COLUMNS                                                                              \
    "name, version, created_at, created_by, digest, systems, deleted_at, deleted_by, kind,"        \
    " master_kind"

/* Fills e from the ENTRY_COLUMNS of st's current row. */
static int read_entry(sqlite3_stmt *st, tk_profstore_entry *e, tk_error *err)
{
    memset(e, 0, sizeof *e);
    e->name = col_dup(st, 0);
    e->version = sqlite3_column_int64(st, 1);
    e->created_at = sqlite3_column_int64(st, 2);
    e->created_by = col_dup(st, 3);
    e->digest = col_dup(st, 4);
    e->deleted_at = sqlite3_column_int64(st, 6);
    if (sqlite3_column_type(st, 7) != SQLITE_NULL)
        e->deleted_by = col_dup(st, 7);
    const char *kind = (const char *)sqlite3_column_text(st, 8);
    e->mapping = kind != NULL && strcmp(kind, "mapping") == 0;
    if (e->mapping && sqlite3_column_type(st, 9) != SQLITE_NULL &&
        (e->master_kind = col_dup(st, 9)) == NULL)
        goto nomem;
    const char *sys = (const char *)sqlite3_column_text(st, 5);
    if (e->name == NULL || e->created_by == NULL || e->digest == NULL || sys == NULL)
        goto nomem;
    if (*sys) {
        size_t n = 1;
        for (const char *c = sys; *c; c++)
            n += *c == '\n';
        e->systems = tk_calloc(n, sizeof *e->systems);
        if (e->systems == NULL)
            goto nomem;
        while (e->nsystems < n) {
            const char *end = strchr(sys, '\n');
            const size_t l = end ? (size_t)(end - sys) : strlen(sys);
            e->systems[e->nsystems] = tk_strndup(sys, l);
            if (e->systems[e->nsystems] == NULL)
                goto nomem;
            e->nsystems++;
            sys += l + (end != NULL);
        }
    }
    return TK_OK;
nomem:
    tk_profstore_entry_dispose(e);
    return tk_error_set(err, TK_ENOMEM, "out of memory reading stored profiles");
}

/* Appends every row of st to out; the first row of a live profile's
 * newest version is marked in force when mark_first is set. */
static int read_entries(tk_db *db, sqlite3_stmt *st, tk_profstore_entries *out, int mark_first,
                        tk_error *err)
{
    int rc;
    while ((rc = tk_db_step(db, st, err)) == 1) {
        tk_profstore_entry *v = tk_realloc(out->v, (out->n + 1) * sizeof *v);
        if (v == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory reading stored profiles");
        out->v = v;
        rc = read_entry(st, &out->v[out->n], err);
        if (rc != TK_OK)
            return rc;
        tk_profstore_entry *e = &out->v[out->n++];
        e->in_force = (!mark_first || out->n == 1) && e->deleted_at == 0;
    }
    return rc;
}

/* The live profiles of one kind ("source", "mapping"), by name. */
static int list_of(tk_tenant *t, const char *kind, tk_profstore_entries *out, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    int rc = has_table(db, err);
    if (rc <= 0)
        return rc;
    rc = tk_db_prepare(db, &st,
                       "SELECT " ENTRY_COLUMNS " FROM profiles p"
                       " WHERE version = (SELECT MAX(version) FROM profiles q"
                       "                  WHERE q.name = p.name)"
                       " AND deleted_at IS NULL AND kind = ?1 ORDER BY name",
                       err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 1, kind, strlen(kind), err);
    if (rc == TK_OK)
        rc = read_entries(db, st, out, 0, err);
    sqlite3_finalize(st);
    if (rc != TK_OK)
        tk_profstore_entries_dispose(out);
    return rc;
}

int tk_profstore_list(tk_tenant *t, tk_profstore_entries *out, tk_error *err)
{
    return list_of(t, "source", out, err);
}

int tk_profstore_list_mappings(tk_tenant *t, tk_profstore_entries *out, tk_error *err)
{
    return list_of(t, "mapping", out, err);
}

int tk_profstore_versions(tk_tenant *t, const char *name, tk_profstore_entries *out, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    sqlite3_stmt *st = NULL;
    memset(out, 0, sizeof *out);
    int rc = has_table(db, err);
    if (rc == 0)
        return tk_error_set(err, TK_ENOTFOUND, "no profile \"%s\" is stored", name);
    if (rc < 0)
        return rc;
    rc = tk_db_prepare(
        db, &st, "SELECT " ENTRY_COLUMNS " FROM profiles WHERE name = ?1 ORDER BY version DESC",
        err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 1, name, strlen(name), err);
    if (rc == TK_OK)
        rc = read_entries(db, st, out, 1, err);
    sqlite3_finalize(st);
    if (rc == TK_OK && out->n == 0)
        rc = tk_error_set(err, TK_ENOTFOUND, "no profile \"%s\" is stored", name);
    if (rc != TK_OK)
        tk_profstore_entries_dispose(out);
    return rc;
}

/* ---- text ---------------------------------------------------------------- */

int tk_profstore_text(tk_tenant *t, const char *name, int64_t version, char **json, size_t *len,
                      tk_profstore_entry *info, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    sqlite3_stmt *st = NULL;
    *json = NULL;
    *len = 0;
    if (info)
        memset(info, 0, sizeof *info);
    int rc = has_table(db, err);
    if (rc == 0)
        return tk_error_set(err, TK_ENOTFOUND, "no profile \"%s\" is stored", name);
    if (rc < 0)
        return rc;
    rc = tk_db_prepare(db, &st,
                       "SELECT " ENTRY_COLUMNS ", json,"
                       " version = (SELECT MAX(version) FROM profiles WHERE name = ?1)"
                       " FROM profiles WHERE name = ?1 AND (?2 = 0 OR version = ?2)"
                       " ORDER BY version DESC LIMIT 1",
                       err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 1, name, strlen(name), err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(st, 2, version);
        rc = tk_db_step(db, st, err);
    }
    if (rc == 0) {
        rc = version ? tk_error_set(err, TK_ENOTFOUND, "profile \"%s\" has no version %lld", name,
                                    (long long)version)
                     : tk_error_set(err, TK_ENOTFOUND, "no profile \"%s\" is stored", name);
    } else if (rc == 1) {
        *json = col_dup(st, 10);
        *len = (size_t)sqlite3_column_bytes(st, 10);
        rc = *json ? TK_OK : tk_error_set(err, TK_ENOMEM, "out of memory reading a profile");
        if (rc == TK_OK && info) {
            rc = read_entry(st, info, err);
            info->in_force = sqlite3_column_int(st, 11) && info->deleted_at == 0;
        }
        if (rc != TK_OK) {
            tk_free(*json);
            *json = NULL;
            *len = 0;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- put, get, delete ---------------------------------------------------- */

/* The newest version of name: 1 and its version, digest (into dig, 65
 * bytes), whether it is deleted and its kind (into kind, 16 bytes); 0
 * when never stored; or an error. */
static int newest(tk_db *db, const char *name, int64_t *version, char *dig, int *deleted,
                  char *kind, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "SELECT version, digest, deleted_at IS NOT NULL, kind FROM profiles"
                           " WHERE name = ?1 ORDER BY version DESC LIMIT 1",
                           err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 1, name, strlen(name), err);
    if (rc == TK_OK)
        rc = tk_db_step(db, st, err);
    if (rc == 1) {
        *version = sqlite3_column_int64(st, 0);
        const char *d = (const char *)sqlite3_column_text(st, 1);
        snprintf(dig, 65, "%s", d ? d : "");
        *deleted = sqlite3_column_int(st, 2);
        const char *k = (const char *)sqlite3_column_text(st, 3);
        snprintf(kind, 16, "%s", k ? k : "source");
    }
    sqlite3_finalize(st);
    return rc;
}

/* What is stored of a validated text: its name, digest and what it maps
 * to (systems for a source profile, the master kind for a mapping). */
struct checked {
    tk_profile *p; /* a source profile, or NULL */
    json_t *doc;   /* a mapping's JSON, or NULL */
    const char *name;
    char digest[65];
    char systems[4096];
    char master_kind[TK_MASTER_KIND_SIZE];
};

/* Validates the text as a mapping profile when it has a top-level "kind"
 * key (a source profile has none), else as a source profile. */
static int check_text(struct checked *c, const char *json, size_t len, const char *origin,
                      char *key, size_t key_cap, tk_error *err)
{
    json_t *doc = json_loadb(json, len, 0, NULL);
    const int mapping = json_is_object(doc) && json_object_get(doc, "kind") != NULL;
    memset(c, 0, sizeof *c);
    if (!mapping) {
        json_decref(doc);
        int rc = tk_profile_parse(&c->p, json, len, origin, err);
        if (rc != TK_OK)
            return rc;
        const char *sys[MAX_SYSTEMS];
        size_t ns = tk_profile_systems(c->p, sys, MAX_SYSTEMS);
        ns = ns < MAX_SYSTEMS ? ns : MAX_SYSTEMS;
        for (size_t i = 0; i < ns; i++) {
            const size_t at = strlen(c->systems);
            snprintf(c->systems + at, sizeof c->systems - at, "%s%s", i ? "\n" : "", sys[i]);
        }
        c->name = tk_profile_name(c->p);
        snprintf(c->digest, sizeof c->digest, "%s", tk_profile_digest(c->p));
        return TK_OK;
    }
    c->doc = doc;
    int rc = tk_master_mapping_check(json, len, origin, c->master_kind, key, key_cap, err);
    if (rc == TK_EINVAL) {
        char msg[TK_ERROR_MSG_SIZE];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        rc = tk_error_set(err, TK_EPROFILE, "%s", msg);
    }
    if (rc != TK_OK)
        return rc;
    c->name = json_string_value(json_object_get(doc, "profile"));
    uint8_t d[TK_CRYPTO_SHA256_SIZE];
    rc = tk_crypto_sha256_once(json, len, d, err);
    if (rc == TK_OK)
        tk_crypto_hex(d, sizeof d, c->digest);
    return rc;
}

int tk_profstore_store(tk_tenant *t, const char *json, size_t len, const char *origin,
                       const tk_actor *who, int64_t *version, int *created, char *key,
                       size_t key_cap, tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    struct checked c;
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    int rc;

    if (version)
        *version = 0;
    if (created)
        *created = 0;
    if (key_cap > 0)
        key[0] = '\0';
    memset(&c, 0, sizeof c);
    if (len > TK_PROFSTORE_MAX_BYTES)
        return tk_error_set(err, TK_ERANGE, "profile %s: larger than 1 MiB", origin);
    rc = check_text(&c, json, len, origin, key, key_cap, err);
    if (rc != TK_OK)
        goto validated;
    const char *kind = c.p ? "source" : "mapping";
    rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        goto done;
    char dig[65], was[16];
    int deleted = 0;
    rc = newest(db, c.name, &v, dig, &deleted, was, err);
    if (rc < 0)
        goto done;
    if (rc == 1 && strcmp(was, kind) != 0) {
        /* One name, one kind: a source profile's versions never become a
         * mapping's, so that history and selection stay what they were. */
        rc = tk_error_set(err, TK_EEXISTS,
                          "profile \"%s\" is a %s profile; a %s profile needs a name of its own",
                          c.name, was, kind);
        goto done;
    }
    if (rc == 1 && !deleted && strcmp(dig, c.digest) == 0) {
        /* The same text again: the version in force stays. */
        rc = tk_db_commit(db, err);
        goto done;
    }
    v = rc == 1 ? v + 1 : 1;
    rc = tk_db_prepare(db, &st,
                       "INSERT INTO profiles(name, version, json, digest, systems, created_at,"
                       " created_by, kind, master_kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                       " nullif(?9, ''))",
                       err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 1, c.name, strlen(c.name), err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(st, 2, v);
        rc = tk_db_bind_text(db, st, 3, json, len, err);
    }
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 4, c.digest, strlen(c.digest), err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 5, c.systems, strlen(c.systems), err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(st, 6, tk_actor_now(who));
        rc = tk_db_bind_text(db, st, 7, who->name, strlen(who->name), err);
    }
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 8, kind, strlen(kind), err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 9, c.master_kind, strlen(c.master_kind), err);
    if (rc == TK_OK)
        rc = tk_db_step(db, st, err);
    if (rc >= 0)
        rc = tk_db_commit(db, err);
    if (rc == TK_OK && created)
        *created = 1;
done:
    sqlite3_finalize(st);
    if (rc != TK_OK)
        tk_db_rollback(db);
validated:
    if (rc != TK_OK)
        v = 0;
    if (version)
        *version = v;
    tk_profile_destroy(c.p);
    json_decref(c.doc);
    return rc;
}

int tk_profstore_put_from(tk_tenant *t, const char *json, size_t len, const char *origin,
                          const tk_actor *who, int64_t *version, int *created, tk_error *err)
{
    return tk_profstore_store(t, json, len, origin, who, version, created, NULL, 0, err);
}

int tk_profstore_put(tk_tenant *t, const char *json, size_t len, const tk_actor *who,
                     int64_t *version, tk_error *err)
{
    return tk_profstore_put_from(t, json, len, "text", who, version, NULL, err);
}

int tk_profstore_get(tk_tenant *t, const char *name, tk_profile **out, tk_error *err)
{
    char *json = NULL;
    size_t len = 0;
    tk_profstore_entry e;
    *out = NULL;
    int rc = tk_profstore_text(t, name, 0, &json, &len, &e, err);
    if (rc != TK_OK)
        return rc;
    if (e.deleted_at != 0) {
        rc = tk_error_set(err, TK_ENOTFOUND,
                          "profile \"%s\" was deleted (its versions stay in its history)", name);
    } else if (e.mapping) {
        rc = tk_error_set(err, TK_ENOTFOUND,
                          "profile \"%s\" is a mapping profile for %s master data, not a source "
                          "profile",
                          name, e.master_kind ? e.master_kind : "?");
    } else {
        char origin[128];
        snprintf(origin, sizeof origin, "%s (version %lld)", name, (long long)e.version);
        rc = tk_profile_parse(out, json, len, origin, err);
    }
    tk_profstore_entry_dispose(&e);
    tk_free(json);
    return rc;
}

int tk_profstore_mapping(tk_tenant *t, const char *name, char **json, size_t *len,
                         tk_profstore_entry *info, tk_error *err)
{
    tk_profstore_entry e;
    if (info != NULL)
        memset(info, 0, sizeof *info);
    int rc = tk_profstore_text(t, name, 0, json, len, &e, err);
    if (rc != TK_OK)
        return rc;
    if (e.deleted_at != 0)
        rc = tk_error_set(err, TK_ENOTFOUND,
                          "mapping profile \"%s\" was deleted (its versions stay in its history)",
                          name);
    else if (!e.mapping)
        rc = tk_error_set(err, TK_ENOTFOUND,
                          "profile \"%s\" is a source profile for logs, not a mapping profile",
                          name);
    if (rc == TK_OK && info != NULL) {
        *info = e;
        return TK_OK;
    }
    tk_profstore_entry_dispose(&e);
    if (rc != TK_OK) {
        tk_free(*json);
        *json = NULL;
        *len = 0;
    }
    return rc;
}

int tk_profstore_delete(tk_tenant *t, const char *name, const tk_actor *who, int64_t *version,
                        tk_error *err)
{
    tk_db *db = tk_tenant_db(t);
    sqlite3_stmt *st = NULL;
    char dig[65], kind[16];
    int deleted = 0;
    int64_t v = 0;
    if (version)
        *version = 0;
    int rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        return rc;
    rc = newest(db, name, &v, dig, &deleted, kind, err);
    if (rc == 0 || (rc == 1 && deleted)) {
        rc = rc == 0 ? tk_error_set(err, TK_ENOTFOUND, "no profile \"%s\" is stored", name)
                     : tk_error_set(err, TK_ENOTFOUND, "profile \"%s\" is already deleted", name);
        goto done;
    }
    if (rc < 0)
        goto done;
    rc = tk_db_prepare(db, &st,
                       "UPDATE profiles SET deleted_at = ?2, deleted_by = ?3"
                       " WHERE name = ?1 AND deleted_at IS NULL",
                       err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 1, name, strlen(name), err);
    if (rc == TK_OK) {
        sqlite3_bind_int64(st, 2, tk_actor_now(who));
        rc = tk_db_bind_text(db, st, 3, who->name, strlen(who->name), err);
    }
    if (rc == TK_OK)
        rc = tk_db_step(db, st, err);
    if (rc >= 0)
        rc = tk_db_commit(db, err);
done:
    sqlite3_finalize(st);
    if (rc != TK_OK)
        tk_db_rollback(db);
    else if (version)
        *version = v;
    return rc;
}

/* ---- selection ----------------------------------------------------------- */

struct membuf {
    const char *p;
    size_t len, at;
};

static long mem_read(void *ctx, char *buf, size_t cap)
{
    struct membuf *m = ctx;
    size_t n = m->len - m->at;
    n = n < cap ? n : cap;
    memcpy(buf, m->p + m->at, n);
    m->at += n;
    return (long)n;
}

/* 1 if the header record of the sample, read as p declares it, holds
 * every name of p's match.header; 0 otherwise (or when it cannot be
 * read); TK_ENOMEM. */
static int header_matches(const tk_profile *p, const char *bytes, size_t len)
{
    struct membuf m = {bytes, len, 0};
    tk_csv_options co = TK_CSV_OPTIONS_INIT;
    co.buffer_size = (size_t)64 << 10;
    co.max_record_bytes = co.buffer_size - 2;
    co.strict_field_count = 0;
    tk_csv *csv = NULL;
    tk_enc_buf scratch;
    char *text = NULL;
    size_t *off = NULL;
    tk_view *cells = NULL;
    const tk_csv_field *f = NULL;
    size_t n = 0;
    int match = 0;

    tk_enc_buf_init(&scratch);
    tk_enc enc = tk_profile_encoding(p);
    if (enc == TK_ENC_AUTO)
        enc = tk_enc_detect(bytes, len, 0);
    if (enc == TK_ENC_ASCII)
        enc = TK_ENC_UTF8;
    if (enc == TK_ENC_UNKNOWN)
        return 0;
    if (tk_csv_create(&csv, mem_read, &m, &co, NULL) != TK_OK)
        return TK_ENOMEM;
    int rc = 1;
    for (size_t i = 0; rc == 1 && i <= tk_profile_skip_rows(p); i++)
        rc = tk_csv_next(csv, &f, &n, NULL);
    if (rc != 1 || n == 0)
        goto done;
    /* Decoded cells are packed into text, since scratch holds one value. */
    size_t used = 0, cap = 0;
    off = tk_calloc(n + 1, sizeof *off);
    cells = tk_calloc(n, sizeof *cells);
    if (off == NULL || cells == NULL) {
        match = TK_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const char *u;
        size_t ul;
        if (tk_enc_to_utf8(enc, f[i].p, f[i].len, &scratch, &u, &ul, NULL, NULL) != TK_OK)
            goto done;
        if (used + ul > cap) {
            cap = (used + ul) * 2 + 64;
            char *nt = tk_realloc(text, cap);
            if (nt == NULL) {
                match = TK_ENOMEM;
                goto done;
            }
            text = nt;
        }
        if (ul)
            memcpy(text + used, u, ul);
        off[i] = used;
        used += ul;
    }
    off[n] = used;
    for (size_t i = 0; i < n; i++) {
        cells[i].p = text ? text + off[i] : "";
        cells[i].len = off[i + 1] - off[i];
    }
    match = tk_profile_match_header(p, cells, n);
done:
    tk_csv_destroy(csv);
    tk_enc_buf_dispose(&scratch);
    tk_free(text);
    tk_free(off);
    tk_free(cells);
    return match;
}

/* Writes the names of the profiles flagged in hit (all when hit is NULL)
 * into buf as "a, b, c". */
static void names(const tk_profile *const *ps, size_t n, const int *hit, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (hit && !hit[i])
            continue;
        const size_t at = strlen(buf);
        snprintf(buf + at, cap - at, "%s%s", at ? ", " : "", tk_profile_name(ps[i]));
    }
}

int tk_profstore_pick(const tk_profile *const *ps, size_t n, const char *file_name,
                      const char *first_bytes, size_t len, size_t *index, tk_error *err)
{
    char list[192];
    int *hit = tk_calloc(n ? n : 1, sizeof *hit);
    size_t nhit = 0;
    int rc = TK_OK;
    const char *by = "file name";

    if (hit == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory selecting a profile");
    for (size_t i = 0; i < n; i++) {
        hit[i] = tk_profile_match_filename(ps[i], file_name);
        nhit += (size_t)hit[i];
    }
    if (nhit == 0 && first_bytes != NULL) {
        by = "header";
        for (size_t i = 0; i < n && rc == TK_OK; i++) {
            const int m = header_matches(ps[i], first_bytes, len);
            if (m < 0)
                rc = tk_error_set(err, TK_ENOMEM, "out of memory selecting a profile");
            hit[i] = m == 1;
            nhit += (size_t)hit[i];
        }
    }
    if (rc != TK_OK) {
        /* set above */
    } else if (nhit == 1) {
        size_t i = 0;
        while (!hit[i])
            i++;
        *index = i;
    } else if (nhit > 1) {
        names(ps, n, hit, list, sizeof list);
        rc = tk_error_set(err, TK_EPROFILE,
                          "%s: profiles %s all match the file's %s; name the profile to use",
                          file_name, list, by);
    } else if (n == 0) {
        rc =
            tk_error_set(err, TK_EPROFILE, "%s: no profile is stored to read this file", file_name);
    } else {
        names(ps, n, NULL, list, sizeof list);
        rc = tk_error_set(err, TK_EPROFILE,
                          "%s: no profile's match.filename%s matches this file (profiles: %s)",
                          file_name, first_bytes ? " or match.header" : "", list);
    }
    tk_free(hit);
    return rc;
}

int tk_profstore_select(tk_tenant *t, const char *file_name, const char *first_bytes, size_t len,
                        tk_profile **out, tk_error *err)
{
    tk_profstore_entries l;
    tk_profile **ps = NULL;
    size_t np = 0, idx = 0;
    *out = NULL;
    int rc = tk_profstore_list(t, &l, err);
    if (rc != TK_OK)
        return rc;
    ps = tk_calloc(l.n ? l.n : 1, sizeof *ps);
    if (ps == NULL)
        rc = tk_error_set(err, TK_ENOMEM, "out of memory selecting a profile");
    for (size_t i = 0; rc == TK_OK && i < l.n; i++) {
        rc = tk_profstore_get(t, l.v[i].name, &ps[i], err);
        np += rc == TK_OK;
    }
    if (rc == TK_OK)
        rc = tk_profstore_pick((const tk_profile *const *)ps, np, file_name, first_bytes, len, &idx,
                               err);
    if (rc == TK_OK) {
        *out = ps[idx];
        ps[idx] = NULL;
    }
    for (size_t i = 0; i < np; i++)
        tk_profile_destroy(ps[i]);
    tk_free(ps);
    tk_profstore_entries_dispose(&l);
    return rc;
}
