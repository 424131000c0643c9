/* tests/src/test_tenant.c -- tenant layout, key file checks, pseudonyms and
 * allocation failures during creation. */
#include <dirent.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/alloc.h"
#include "src/crypto.h"
#include "src/db.h"
#include "src/store.h"
#include "src/tenant.h"
#include "tests/test.h"

static char data_dir[600];

/* A fresh, not yet existing data directory under the test tmp dir. */
static void new_data_dir(void)
{
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/tenant-XXXXXX", tk_test_tmpdir());
    mkdir(tk_test_tmpdir(), 0755);
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(data_dir, sizeof data_dir, "%s/data", tmpl);
}

static mode_t mode_of(const char *dir, const char *name)
{
    char p[1024];
    struct stat sb;
    snprintf(p, sizeof p, "%s%s%s", dir, name ? "/" : "", name ? name : "");
    if (stat(p, &sb) != 0)
        return (mode_t)-1;
    return sb.st_mode & 07777;
}

static size_t count_entries(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    }
    closedir(d);
    return n;
}

static int read_meta(tk_tenant *t, const char *key, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(tk_db_handle(tk_tenant_db(t)), "SELECT value FROM meta WHERE key = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
        found = 1;
    }
    sqlite3_finalize(st);
    return found;
}

static int count_address(void *ctx, const tk_store_address *a)
{
    (void)a;
    (*(int64_t *)ctx)++;
    return 0;
}

static void test_create_open(void)
{
    tk_tenant *t = NULL;
    tk_error err;
    char path[1024], buf[128];
    int64_t v = 0;

    new_data_dir();
    TK_REQUIRE(tk_tenant_create(&t, data_dir, "city-01", &err) == TK_OK);
    TK_CHECK_STR(tk_tenant_name(t), "city-01");
    snprintf(path, sizeof path, "%s/city-01", data_dir);
    TK_CHECK_STR(tk_tenant_dir(t), path);
    snprintf(path, sizeof path, "%s/city-01/reports", data_dir);
    TK_CHECK_STR(tk_tenant_reports_dir(t), path);
    TK_CHECK_INT(mode_of(data_dir, NULL), 0700);
    TK_CHECK_INT(mode_of(tk_tenant_dir(t), NULL), 0700);
    TK_CHECK_INT(mode_of(tk_tenant_dir(t), "reports"), 0700);
    TK_CHECK_INT(mode_of(tk_tenant_dir(t), "pseudonym.key"), 0600);
    snprintf(path, sizeof path, "%s/pseudonym.key", tk_tenant_dir(t));
    struct stat sb;
    TK_CHECK(stat(path, &sb) == 0 && sb.st_size == 32);
    /* Only the tenant: no temporary folder left behind. */
    TK_CHECK_INT(count_entries(data_dir), 1);

    /* Made by this layer alone: not stamped current (test_stamp). */
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), "PRAGMA user_version", &v, &err), TK_OK);
    TK_CHECK_INT(v, 1);
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t),
                                 "SELECT count(*) FROM sqlite_master WHERE name IN"
                                 " ('event_blocks', 'uploads', 'master_versions', 'master_staff',"
                                 " 'meta')",
                                 &v, &err),
                 TK_OK);
    TK_CHECK_INT(v, 5);
    TK_CHECK(read_meta(t, "name", buf, sizeof buf));
    TK_CHECK_STR(buf, "city-01");
    TK_CHECK(read_meta(t, "key_fingerprint", buf, sizeof buf));
    TK_CHECK_STR(buf, tk_tenant_key_fingerprint(t));
    TK_CHECK_INT(strlen(buf), 16);
    TK_CHECK(read_meta(t, "created_at", buf, sizeof buf));
    TK_CHECK(strlen(buf) == 29 && strstr(buf, "+09:00") != NULL);

    /* The fingerprint is SHA-256 of the key file's bytes. */
    uint8_t key[32], d[32];
    char hex[17];
    FILE *f = fopen(path, "rb");
    TK_REQUIRE(f != NULL);
    TK_CHECK_INT(fread(key, 1, sizeof key, f), 32);
    fclose(f);
    TK_CHECK_INT(tk_crypto_sha256_once(key, sizeof key, d, &err), TK_OK);
    TK_CHECK_STR(tk_crypto_hex(d, 8, hex), tk_tenant_key_fingerprint(t));

    char fp[17];
    snprintf(fp, sizeof fp, "%s", tk_tenant_key_fingerprint(t));
    tk_tenant_close(t);
    t = NULL;

    /* Reopen, read-write and read-only. */
    TK_REQUIRE(tk_tenant_open(&t, data_dir, "city-01", 0, &err) == TK_OK);
    TK_CHECK_STR(tk_tenant_key_fingerprint(t), fp);
    tk_tenant_close(t);
    t = NULL;
    TK_REQUIRE(tk_tenant_open(&t, data_dir, "city-01", TK_TENANT_READONLY, &err) == TK_OK);
    TK_CHECK(tk_db_exec(tk_tenant_db(t), "INSERT INTO meta VALUES('x', 'y')", &err) != TK_OK);
    tk_tenant_close(t);
    tk_tenant_close(NULL);

    /* A schema 3 store (before terminal_addresses): read-only it is read
     * as it is, with no addresses; read-write it is upgraded. */
    t = NULL;
    TK_REQUIRE(tk_tenant_open(&t, data_dir, "city-01", 0, &err) == TK_OK);
    TK_REQUIRE(tk_db_exec(tk_tenant_db(t), "DROP TABLE terminal_addresses; PRAGMA user_version=3",
                          &err) == TK_OK);
    tk_tenant_close(t);
    t = NULL;
    TK_REQUIRE(tk_tenant_open(&t, data_dir, "city-01", TK_TENANT_READONLY, &err) == TK_OK);
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), "PRAGMA user_version", &v, &err), TK_OK);
    TK_CHECK_INT(v, 3);
    v = 0;
    TK_CHECK_INT(tk_store_terminal_addresses(tk_tenant_db(t), 19997, count_address, &v, &err),
                 TK_OK);
    TK_CHECK_INT(v, 0);
    tk_tenant_close(t);
    t = NULL;
    TK_REQUIRE(tk_tenant_open(&t, data_dir, "city-01", 0, &err) == TK_OK);
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), "PRAGMA user_version", &v, &err), TK_OK);
    TK_CHECK_INT(v, 3); /* upgraded, but without the upper layers' tables */
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t),
                                 "SELECT count(*) FROM sqlite_master WHERE name ="
                                 " 'terminal_addresses'",
                                 &v, &err),
                 TK_OK);
    TK_CHECK_INT(v, 1);
    tk_tenant_close(t);

    /* Creation without a handle. */
    TK_CHECK_INT(tk_tenant_create(NULL, data_dir, "city-02", &err), TK_OK);
    TK_CHECK_INT(count_entries(data_dir), 2);
}

static void test_names(void)
{
    tk_error err;
    static const char *const bad[] = {"",    "A",    "Abc",  "-a",  "_a",    "a/b", "a.b", "..",
                                      "a b", "日本", "a\\b", "a:b", "CITY1", "a\n", "x-Y"};
    static const char *const good[] = {"a", "0", "city-01", "x_y", "a-", "99_bottles"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TK_CHECK_INT(tk_tenant_check_name(bad[i], &err), TK_EINVAL);
        TK_CHECK(strstr(err.msg, "invalid tenant name") != NULL);
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        TK_CHECK_INT(tk_tenant_check_name(good[i], &err), TK_OK);
    char n63[64], n64[65];
    memset(n63, 'a', 63);
    n63[63] = '\0';
    memset(n64, 'a', 64);
    n64[64] = '\0';
    TK_CHECK_INT(tk_tenant_check_name(n63, &err), TK_OK);
    TK_CHECK_INT(tk_tenant_check_name(n64, &err), TK_EINVAL);

    tk_tenant *t = (tk_tenant *)&err; /* must be reset to NULL */
    new_data_dir();
    TK_CHECK_INT(tk_tenant_create(&t, data_dir, "../evil", &err), TK_EINVAL);
    TK_CHECK(t == NULL);
    t = (tk_tenant *)&err;
    TK_CHECK_INT(tk_tenant_open(&t, data_dir, "Bad", 0, &err), TK_EINVAL);
    TK_CHECK(t == NULL);
}

static void test_duplicate_and_missing(void)
{
    tk_tenant *t = NULL;
    tk_error err;

    new_data_dir();
    TK_CHECK_INT(tk_tenant_open(&t, data_dir, "nowhere", 0, &err), TK_ENOTFOUND);
    TK_CHECK(strstr(err.msg, "run `tenken init --tenant nowhere` first") != NULL);
    TK_CHECK_INT(tk_tenant_create(NULL, data_dir, "dup", &err), TK_OK);
    TK_CHECK_INT(tk_tenant_create(&t, data_dir, "dup", &err), TK_EEXISTS);
    TK_CHECK(t == NULL);
    TK_CHECK(strstr(err.msg, "tenant dup already exists") != NULL);
    TK_CHECK_INT(tk_tenant_open(&t, data_dir, "other", 0, &err), TK_ENOTFOUND);
}

static void test_key_file_checks(void)
{
    tk_tenant *t = NULL;
    tk_error err;
    char path[1024];

    new_data_dir();
    TK_REQUIRE(tk_tenant_create(NULL, data_dir, "keys", &err) == TK_OK);
    snprintf(path, sizeof path, "%s/keys/pseudonym.key", data_dir);

    TK_REQUIRE(chmod(path, 0640) == 0);
    TK_CHECK_INT(tk_tenant_open(&t, data_dir, "keys", 0, &err), TK_EINVAL);
    TK_CHECK(t == NULL);
    TK_CHECK(strstr(err.msg, "chmod 600") != NULL);
    TK_CHECK(strstr(err.msg, "0640") != NULL);
    TK_REQUIRE(chmod(path, 0604) == 0);
    TK_CHECK_INT(tk_tenant_open(&t, data_dir, "keys", 0, &err), TK_EINVAL);
    TK_REQUIRE(chmod(path, 0400) == 0);
    TK_CHECK_INT(tk_tenant_open(&t, data_dir, "keys", 0, &err), TK_OK);
    tk_tenant_close(t);
    t = NULL;
    TK_REQUIRE(chmod(path, 0600) == 0);

    /* Wrong size. */
    FILE *f = fopen(path, "ab");
    TK_REQUIRE(f != NULL);
    fputc('x', f);
    fclose(f);
    TK_CHECK_INT(tk_tenant_open(&t, data_dir, "keys", 0, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "has 33 bytes, expected 32") != NULL);

    /* Missing key. */
    TK_REQUIRE(unlink(path) == 0);
    TK_CHECK_INT(tk_tenant_open(&t, data_dir, "keys", 0, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "no pseudonym key") != NULL);
    TK_CHECK(t == NULL);
}

static void ps(tk_tenant *t, const char *id, uint8_t out[32])
{
    tk_error err;
    if (tk_tenant_pseudonym(t, id, strlen(id), out, &err) != TK_OK) {
        fprintf(stderr, "pseudonym of \"%s\" failed: %s\n", id, err.msg);
        tk_test_failed_now = 1;
    }
}

static void test_pseudonyms(void)
{
    tk_tenant *a = NULL, *b = NULL;
    uint8_t p1[32], p2[32], p3[32], q[32], key[32];
    tk_error err;
    char path[1024];

    new_data_dir();
    TK_REQUIRE(tk_tenant_create(&a, data_dir, "a", &err) == TK_OK);
    TK_REQUIRE(tk_tenant_create(&b, data_dir, "b", &err) == TK_OK);

    ps(a, "0012345678", p1);
    ps(a, "0012345678", p2);
    TK_CHECK(memcmp(p1, p2, 32) == 0);
    /* Canonical form: trimmed (ASCII, tab, U+3000), full-width digits folded. */
    ps(a, " \t0012345678\xe3\x80\x80 ", p2);
    TK_CHECK(memcmp(p1, p2, 32) == 0);
    ps(a,
       "\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"
       "\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97\xef\xbc\x98",
       p2); /* ００１２３４５６７８ */
    TK_CHECK(memcmp(p1, p2, 32) == 0);
    ps(a,
       "\xe3\x80\x80\xef\xbc\x90"
       "012345678",
       p2); /* mixed widths */
    TK_CHECK(memcmp(p1, p2, 32) == 0);
    /* Leading zeros are kept; inner spaces are kept. */
    ps(a, "12345678", p3);
    TK_CHECK(memcmp(p1, p3, 32) != 0);
    ps(a, "00123 45678", p3);
    TK_CHECK(memcmp(p1, p3, 32) != 0);
    /* Another tenant's key gives another pseudonym. */
    ps(b, "0012345678", q);
    TK_CHECK(memcmp(p1, q, 32) != 0);
    /* It is HMAC-SHA-256 of the canonical bytes under the key file. */
    snprintf(path, sizeof path, "%s/pseudonym.key", tk_tenant_dir(a));
    FILE *f = fopen(path, "rb");
    TK_REQUIRE(f != NULL);
    TK_CHECK_INT(fread(key, 1, 32, f), 32);
    fclose(f);
    TK_CHECK_INT(tk_crypto_hmac_sha256_once(key, 32, "0012345678", 10, q, &err), TK_OK);
    TK_CHECK(memcmp(p1, q, 32) == 0);
    /* Long identifiers cross the internal chunk boundary. */
    char longid[700];
    memset(longid, '7', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    ps(a, longid, p2);
    TK_CHECK_INT(tk_crypto_hmac_sha256_once(key, 32, longid, strlen(longid), q, &err), TK_OK);
    TK_CHECK(memcmp(p2, q, 32) == 0);
    /* Empty after trimming. */
    TK_CHECK_INT(tk_tenant_pseudonym(a, " \xe3\x80\x80 ", 5, p2, &err), TK_EINVAL);
    TK_CHECK_INT(tk_tenant_pseudonym(a, "", 0, p2, &err), TK_EINVAL);
    /* The tenant still works after a failure, and after a reopen. */
    ps(a, "0012345678", p2);
    TK_CHECK(memcmp(p1, p2, 32) == 0);
    tk_tenant_close(a);
    a = NULL;
    TK_REQUIRE(tk_tenant_open(&a, data_dir, "a", TK_TENANT_READONLY, &err) == TK_OK);
    ps(a, "0012345678", p2);
    TK_CHECK(memcmp(p1, p2, 32) == 0);
    tk_tenant_close(a);
    tk_tenant_close(b);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Not a pass/fail check: the rate of the ingestion hot path, printed so
 * that a regression shows in the test log. */
static void test_pseudonym_throughput(void)
{
    tk_tenant *t = NULL;
    tk_error err;
    uint8_t out[32];
    char id[32];
    const long n = 300000;
    unsigned acc = 0;

    new_data_dir();
    TK_REQUIRE(tk_tenant_create(&t, data_dir, "bench", &err) == TK_OK);
    const double t0 = now_seconds();
    for (long i = 0; i < n; i++) {
        snprintf(id, sizeof id, " %012ld ", 100000000000L + i);
        if (tk_tenant_pseudonym(t, id, 14, out, &err) != TK_OK)
            break;
        acc ^= out[0];
    }
    const double dt = now_seconds() - t0;
    printf("tk_tenant_pseudonym of 12-digit ids: %.0f calls/s (x=%u)\n", (double)n / dt, acc);
    tk_tenant_close(t);
}

/* Counts the calls of the wait callback and gives up the wait by
 * releasing the holder's lock from inside it. */
struct wait_probe {
    tk_tenant *holder;
    int calls;
    tk_tenant_writer seen;
    double first_waited;
};

static void probe_wait(void *ctx, const tk_tenant_writer *w, double waited)
{
    struct wait_probe *p = ctx;
    if (p->calls++ == 0) {
        p->seen = *w;
        p->first_waited = waited;
    }
    if (p->calls == 3)
        tk_tenant_unlock_writer(p->holder);
}

static void test_writer_lock(void)
{
    tk_error err;
    tk_tenant *a = NULL, *b = NULL;
    char buf[512], lockpath[700];
    new_data_dir();
    TK_REQUIRE(tk_tenant_create(NULL, data_dir, "city", &err) == TK_OK);
    TK_REQUIRE(tk_tenant_open(&a, data_dir, "city", 0, &err) == TK_OK);
    TK_REQUIRE(tk_tenant_open(&b, data_dir, "city", 0, &err) == TK_OK);
    snprintf(lockpath, sizeof lockpath, "%s/city/write.lock", data_dir);

    /* Describing without the lock does nothing. */
    tk_tenant_writer_describe(a, 7, "ingest of x.csv");
    TK_CHECK(!tk_tenant_holds_writer(a));

    TK_REQUIRE(tk_tenant_lock_writer(a, "ingest of juki.csv", TK_TENANT_NOWAIT, NULL, NULL, &err) ==
               TK_OK);
    TK_CHECK(tk_tenant_holds_writer(a));
    TK_CHECK(mode_of(lockpath, NULL) == 0600);
    tk_tenant_writer_describe(a, 12, NULL);
    FILE *f = fopen(lockpath, "r");
    TK_REQUIRE(f != NULL);
    TK_REQUIRE(fgets(buf, sizeof buf, f) != NULL);
    fclose(f);
    char want[128];
    snprintf(want, sizeof want, "pid %ld started ", (long)getpid());
    TK_CHECK(strncmp(buf, want, strlen(want)) == 0);
    TK_CHECK(strstr(buf, " upload 12: ingest of juki.csv\n") != NULL);

    /* A second handle is refused at once, told who holds the lock. */
    TK_CHECK(tk_tenant_lock_writer(b, "analyze of 2024-10-01..2024-11-30", TK_TENANT_NOWAIT, NULL,
                                   NULL, &err) == TK_EBUSY);
    snprintf(want, sizeof want,
             "busy: upload #12 is being stored (ingest of juki.csv, pid %ld, started ",
             (long)getpid());
    TK_CHECK(strncmp(err.msg, want, strlen(want)) == 0);
    TK_CHECK(!tk_tenant_holds_writer(b));

    /* Without an upload the holder is named by what it does. */
    tk_tenant_writer_describe(a, 0, "analyze of 2024-10-01..2024-11-30");
    TK_CHECK(tk_tenant_lock_writer(b, "x", TK_TENANT_NOWAIT, NULL, NULL, &err) == TK_EBUSY);
    TK_CHECK(strstr(err.msg, "busy: tenant city is being written by analyze of "
                             "2024-10-01..2024-11-30 (pid ") == err.msg);

    /* Waiting: the callback sees the holder; once it is released the
     * waiter takes the lock. */
    tk_tenant_writer_describe(a, 3, "ingest of b.csv");
    struct wait_probe probe = {a, 0, {0, 0, 0, ""}, -1};
    TK_CHECK(tk_tenant_lock_writer(b, "rules set", TK_TENANT_WAIT, probe_wait, &probe, &err) ==
             TK_OK);
    TK_CHECK(probe.calls == 3);
    TK_CHECK(probe.first_waited == 0.0);
    TK_CHECK(probe.seen.pid == (long)getpid() && probe.seen.upload_id == 3);
    TK_CHECK_STR(probe.seen.what, "ingest of b.csv");
    tk_tenant_writer_format(&probe.seen, buf, sizeof buf);
    TK_CHECK(strncmp(buf, "upload #3 (ingest of b.csv, pid ", 32) == 0);
    TK_CHECK(tk_tenant_holds_writer(b) && !tk_tenant_holds_writer(a));

    /* Closing releases it, and clears the description. */
    tk_tenant_close(b);
    b = NULL;
    struct stat sb;
    TK_CHECK(stat(lockpath, &sb) == 0 && sb.st_size == 0);
    TK_CHECK(tk_tenant_lock_writer(a, "again", TK_TENANT_NOWAIT, NULL, NULL, &err) == TK_OK);
    const tk_tenant_writer unknown = {0, 0, 0, ""};
    tk_tenant_writer_format(&unknown, buf, sizeof buf);
    TK_CHECK_STR(buf, "another command");
    tk_tenant_close(a);
}

static void test_create_alloc_failures(void)
{
    tk_tenant *t = NULL;
    tk_error err;
    int rc = TK_ENOMEM;
    unsigned long n;

    new_data_dir();
    for (n = 1; rc != TK_OK && n < 1000; n++) {
        tk_alloc_fail_at(n);
        rc = tk_tenant_create(&t, data_dir, "oom", &err);
        tk_alloc_fail_at(0);
        if (rc != TK_OK) {
            TK_CHECK(t == NULL);
            TK_CHECK_INT(rc, TK_ENOMEM);
            /* Nothing left behind: neither the tenant nor a temporary folder. */
            TK_CHECK_INT(count_entries(data_dir), 0);
        }
    }
    TK_CHECK_INT(rc, TK_OK);
    TK_CHECK(n > 3);
    printf("tenant create succeeded at allocation %lu\n", n - 1);
    uint8_t p[32];
    ps(t, "1", p);
    tk_tenant_close(t);

    /* Same for open. */
    rc = TK_ENOMEM;
    for (n = 1; rc != TK_OK && n < 1000; n++) {
        tk_alloc_fail_at(n);
        rc = tk_tenant_open(&t, data_dir, "oom", 0, &err);
        tk_alloc_fail_at(0);
        if (rc != TK_OK)
            TK_CHECK(t == NULL);
    }
    TK_CHECK_INT(rc, TK_OK);
    tk_tenant_close(t);
}

/* An upper layer's migration, as models/ registers its own. */
static int upper_calls;
static int migrate_upper(tk_db *db, tk_error *err)
{
    upper_calls++;
    return tk_db_exec(db, "CREATE TABLE IF NOT EXISTS upper_t(x INTEGER)", err);
}

static int64_t has_table(tk_tenant *t, const char *name)
{
    char sql[160];
    int64_t n = -1;
    tk_error err;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_master WHERE name = '%s'", name);
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), sql, &n, &err), TK_OK);
    return n;
}

/* The upper layers' tables exist from the creation on, a read-only open
 * finds them, and an older store is upgraded with them even when opened
 * read-only, in the same transaction as this layer's tables. */
static void test_upper_migrations(void)
{
    static const tk_tenant_migrate_fn fns[] = {migrate_upper};
    const tk_tenant_migrations m = {fns, 1};
    tk_tenant *t = NULL;
    tk_error err;
    int64_t v = 0;
    new_data_dir();
    TK_REQUIRE(tk_tenant_create_ex(NULL, data_dir, "up", &m, &err) == TK_OK);
    TK_CHECK_INT(upper_calls, 1);
    TK_REQUIRE(tk_tenant_open_ex(&t, data_dir, "up", TK_TENANT_READONLY, &m, &err) == TK_OK);
    TK_CHECK_INT(has_table(t, "upper_t"), 1);
    TK_CHECK_INT(upper_calls, 1); /* current schema: nothing runs */
    tk_tenant_close(t);

    /* A store of the previous schema without the upper table. */
    TK_REQUIRE(tk_tenant_open(&t, data_dir, "up", 0, &err) == TK_OK);
    char sql[96];
    snprintf(sql, sizeof sql, "DROP TABLE upper_t; PRAGMA user_version=%d",
             TK_TENANT_SCHEMA_VERSION - 1);
    TK_REQUIRE(tk_db_exec(tk_tenant_db(t), sql, &err) == TK_OK);
    tk_tenant_close(t);
    /* Without migrations a read-only open reads it as it is. */
    TK_REQUIRE(tk_tenant_open(&t, data_dir, "up", TK_TENANT_READONLY, &err) == TK_OK);
    TK_CHECK_INT(has_table(t, "upper_t"), 0);
    tk_tenant_close(t);
    /* With them, a read-only open upgrades it and then reads it. */
    TK_REQUIRE(tk_tenant_open_ex(&t, data_dir, "up", TK_TENANT_READONLY, &m, &err) == TK_OK);
    TK_CHECK_INT(has_table(t, "upper_t"), 1);
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), "PRAGMA user_version", &v, &err), TK_OK);
    TK_CHECK_INT(v, TK_TENANT_SCHEMA_VERSION);
    TK_CHECK(tk_db_exec(tk_tenant_db(t), "INSERT INTO upper_t VALUES(1)", &err) != TK_OK);
    tk_tenant_close(t);
    TK_CHECK_INT(upper_calls, 2);
}

/* A writable open without the upper layers' migrations upgrades this
 * layer's tables but never stamps the store current: the next open with
 * them must still run them. Only a full migration set stamps. */
static void test_stamp(void)
{
    static const tk_tenant_migrate_fn fns[] = {migrate_upper};
    const tk_tenant_migrations m = {fns, 1};
    tk_tenant *t = NULL;
    tk_error err;
    int64_t v = 0;
    char sql[96];
    new_data_dir();
    upper_calls = 0;
    /* Created by this layer alone: below current, and so upgraded later. */
    TK_REQUIRE(tk_tenant_create(&t, data_dir, "st", &err) == TK_OK);
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), "PRAGMA user_version", &v, &err), TK_OK);
    TK_CHECK(v >= 1 && v < TK_TENANT_SCHEMA_VERSION);
    tk_tenant_close(t);
    TK_REQUIRE(tk_tenant_open_ex(&t, data_dir, "st", 0, &m, &err) == TK_OK);
    TK_CHECK_INT(upper_calls, 1);
    TK_CHECK_INT(has_table(t, "upper_t"), 1);
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), "PRAGMA user_version", &v, &err), TK_OK);
    TK_CHECK_INT(v, TK_TENANT_SCHEMA_VERSION);
    /* An older store opened writable from this layer alone. */
    snprintf(sql, sizeof sql, "DROP TABLE upper_t; PRAGMA user_version=%d",
             TK_TENANT_SCHEMA_VERSION - 1);
    TK_REQUIRE(tk_db_exec(tk_tenant_db(t), sql, &err) == TK_OK);
    tk_tenant_close(t);
    TK_REQUIRE(tk_tenant_open(&t, data_dir, "st", 0, &err) == TK_OK);
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), "PRAGMA user_version", &v, &err), TK_OK);
    TK_CHECK_INT(v, TK_TENANT_SCHEMA_VERSION - 1);
    tk_tenant_close(t);
    /* So the full open still finds it old and makes the upper table. */
    TK_REQUIRE(tk_tenant_open_ex(&t, data_dir, "st", 0, &m, &err) == TK_OK);
    TK_CHECK_INT(upper_calls, 2);
    TK_CHECK_INT(has_table(t, "upper_t"), 1);
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), "PRAGMA user_version", &v, &err), TK_OK);
    TK_CHECK_INT(v, TK_TENANT_SCHEMA_VERSION);
    tk_tenant_close(t);
}

/* A pool's handle: closing gives it back; it stays reusable while its
 * store is the file it opened, with nothing left open on it, and not once
 * the tenant is deleted and made anew. */
static tk_tenant *given_back;
static void back(void *ctx, tk_tenant *t)
{
    (*(int *)ctx)++;
    given_back = t;
}

static void test_lent_handles(void)
{
    tk_tenant *t = NULL, *ro = NULL;
    tk_error err;
    char cmd[1200];
    int backs = 0;

    new_data_dir();
    TK_REQUIRE(tk_tenant_create(&t, data_dir, "lend", &err) == TK_OK);
    tk_tenant_close(t);
    TK_REQUIRE(tk_tenant_open(&ro, data_dir, "lend", TK_TENANT_READONLY, &err) == TK_OK);
    TK_CHECK_INT(tk_tenant_reusable(ro), 1);
    tk_tenant_lend(ro, back, &backs);
    tk_tenant_close(ro);
    TK_CHECK_INT(backs, 1);
    TK_CHECK(given_back == ro);
    /* a statement left open: not reusable (it would read an old snapshot) */
    sqlite3_stmt *st = NULL;
    TK_REQUIRE(tk_db_prepare(tk_tenant_db(ro), &st, "SELECT 1", &err) == TK_OK);
    TK_CHECK_INT(tk_tenant_reusable(ro), 0);
    sqlite3_finalize(st);
    TK_CHECK_INT(tk_tenant_reusable(ro), 1);
    /* the tenant deleted and made anew under the same name */
    snprintf(cmd, sizeof cmd, "rm -rf '%s/lend'", data_dir);
    TK_REQUIRE(system(cmd) == 0);
    TK_CHECK_INT(tk_tenant_reusable(ro), 0);
    TK_REQUIRE(tk_tenant_create(&t, data_dir, "lend", &err) == TK_OK);
    tk_tenant_close(t);
    TK_CHECK_INT(tk_tenant_reusable(ro), 0);
    tk_tenant_free(ro); /* the pool's own close */
    TK_CHECK_INT(backs, 1);
    /* a writable handle is never reusable */
    TK_REQUIRE(tk_tenant_open(&t, data_dir, "lend", 0, &err) == TK_OK);
    TK_CHECK_INT(tk_tenant_reusable(t), 0);
    tk_tenant_close(t);
}

int main(void)
{
    TK_RUN(test_create_open);
    TK_RUN(test_names);
    TK_RUN(test_duplicate_and_missing);
    TK_RUN(test_key_file_checks);
    TK_RUN(test_pseudonyms);
    TK_RUN(test_pseudonym_throughput);
    TK_RUN(test_create_alloc_failures);
    TK_RUN(test_writer_lock);
    TK_RUN(test_upper_migrations);
    TK_RUN(test_stamp);
    TK_RUN(test_lent_handles);
    TK_TEST_END();
}
