/* src/tenant.c -- tenant directories, the pseudonym key and the tenant handle.
 *
 * Creation is atomic at the directory level. Everything a tenant consists
 * of is built inside a fresh hidden folder DATA/.<name>.new-XXXXXX (made by
 * mkdtemp, so concurrent creations never share it), and the folder is
 * renamed to DATA/<name> only once the key is on disk, the database holds
 * its full schema and the connection is closed. A crash or an error before
 * the rename leaves at most a hidden folder that no reader ever opens (and
 * that the failing call removes); the real name either does not exist or is
 * complete. The database is closed before the rename because SQLite derives
 * the WAL and shared-memory file names from the path it was opened with.
 *
 * The key file gets the classic atomic-write sequence anyway (write a
 * temporary file with mode 0600, fsync it, rename it over the final name,
 * fsync the directory) so that the same helper is right for a later key
 * restore into a live tenant. The key never enters the database: a copy of
 * store.db (a backup, a file sent for support) then holds only pseudonyms
 * that cannot be linked back to residents without the separately kept key.
 *
 * On open the key file is checked through the descriptor that is then read
 * (fstat after open, O_NOFOLLOW), so a file swapped in between check and
 * read cannot slip through; it is opened without blocking, so a FIFO or a
 * device put in its place is refused instead of hanging the command. Group
 * or other permission bits are refused rather than silently fixed: a
 * readable key may already have been copied, which an administrator must
 * know about. The key's fingerprint (the first bytes of its SHA-256) is
 * written into the database at creation and compared on every open: with
 * another tenant's key copied in, every resident would silently get a
 * second pseudonym and the watch-list and resident rules would stop
 * matching, so a mismatch is refused.
 *
 * A creation killed before its rename leaves its hidden folder, with a key
 * in it, behind. The next creation in the same data directory removes such
 * folders once they are older than STALE_SECONDS (a creation in progress
 * takes a fraction of a second, so one of another process is never hit).
 *
 * Pseudonyms feed the identifier to HMAC-SHA-256 in its canonical form
 * (trimmed, full-width digits folded) without allocating: the canonical
 * bytes pass through a small stack buffer in chunks, which works because
 * folding only ever shortens the input. */
#include "src/tenant.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/master.h"
#include "src/period.h"
#include "src/profstore.h"
#include "src/store.h"
#include "src/timefmt.h"

#define KEY_FILE  "pseudonym.key"
#define LOCK_FILE "write.lock"

/* How often a waiting writer tries the lock again, in milliseconds. */
#define WAIT_STEP_MS 200

/* Age after which a creation's hidden folder is a crash's leftover. */
#define STALE_SECONDS 60
#define DB_FILE       "store.db"
#define REPORTS       "reports"
#define FP_BYTES      8
#define CHUNK_SIZE    128

struct tk_tenant {
    char *name;
    char *dir;
    char *reports;
    tk_db *db;
    tk_crypto_hmac *hmac;
    char fingerprint[2 * FP_BYTES + 1];
    int lock_fd; /* write.lock, when have_lock */
    int have_lock;
    tk_tenant_writer me; /* this handle as the holder */
    dev_t db_dev;        /* the store file opened */
    ino_t db_ino;
    int readonly;
    tk_tenant_back_fn back; /* lent by a pool: tk_tenant_close() gives it back */
    void *back_ctx;
};

static const char meta_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)";

/* Returns a new "a/b" (tk_free), or NULL when out of memory. */
static char *join(const char *a, const char *b)
{
    const size_t la = strlen(a), lb = strlen(b);
    size_t n;
    if (!tk_add_size(la, lb, &n) || !tk_add_size(n, 2, &n))
        return NULL;
    char *s = tk_alloc(n);
    if (s == NULL)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

static int io_error(tk_error *err, const char *what, const char *path)
{
    return tk_error_set(err, TK_EIO, "cannot %s %s: %s", what, path, strerror(errno));
}

static int oom(tk_error *err)
{
    return tk_error_set(err, TK_ENOMEM, "out of memory");
}

int tk_tenant_check_name(const char *name, tk_error *err)
{
    const size_t n = strlen(name);
    int ok = n >= 1 && n <= TK_TENANT_NAME_MAX;

    for (size_t i = 0; ok && i < n; i++) {
        const char c = name[i];
        const int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        ok = alnum || (i > 0 && (c == '_' || c == '-'));
    }
    if (!ok)
        return tk_error_set(err, TK_EINVAL,
                            "invalid tenant name \"%.80s\": use 1-63 lower-case letters, digits, "
                            "'_' or '-', starting with a letter or digit",
                            name);
    return TK_OK;
}

/* fsyncs a directory so that a rename or creation inside it is durable. */
static int sync_dir(const char *path, tk_error *err)
{
    const int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return io_error(err, "open directory", path);
    const int r = fsync(fd);
    close(fd);
    if (r != 0)
        return io_error(err, "sync directory", path);
    return TK_OK;
}

/* mkdir -p: missing parents get 0755 (they are not ours to restrict), the
 * data directory itself 0700. An existing directory is left as it is. */
static int make_data_dir(const char *path, tk_error *err)
{
    struct stat sb;
    char *p = NULL;
    int rc = TK_OK;

    if (stat(path, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return tk_error_set(err, TK_EIO, "data directory %s is not a directory", path);
        return TK_OK;
    }
    p = tk_strndup(path, strlen(path));
    if (p == NULL)
        return oom(err);
    for (char *s = p + 1; *s != '\0'; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = io_error(err, "create directory", p);
            goto done;
        }
        *s = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        rc = io_error(err, "create data directory", path);
done:
    tk_free(p);
    return rc;
}

/* Removes dir and everything below it. Used only on folders this module
 * just created, so it follows no symlinks and gives up silently. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        const struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *p = join(dir, e->d_name);
            if (p == NULL)
                continue;
            struct stat sb;
            if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
                remove_tree(p);
            else
                (void)unlink(p);
            tk_free(p);
        }
        closedir(d);
    }
    (void)rmdir(dir);
}

/* Removes the hidden folders DATA/.<name>.new-XXXXXX that a killed
 * creation left behind, once they are older than STALE_SECONDS. */
static void remove_stale_creations(const char *data_dir)
{
    DIR *d = opendir(data_dir);
    if (d == NULL)
        return;
    const time_t now = time(NULL);
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *mark = strstr(e->d_name, ".new-");
        if (e->d_name[0] != '.' || mark == NULL || mark == e->d_name || strlen(mark) != 11)
            continue;
        char *p = join(data_dir, e->d_name);
        struct stat sb;
        if (p != NULL && lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode) &&
            now - sb.st_mtime > STALE_SECONDS)
            remove_tree(p);
        tk_free(p);
    }
    closedir(d);
}

/* Writes the key to dir/pseudonym.key: temporary file (0600, exclusive),
 * write, fsync, rename, fsync dir. */
static int write_key_file(const char *dir, const uint8_t key[TK_CRYPTO_KEY_SIZE], tk_error *err)
{
    char *path = join(dir, KEY_FILE);
    char *tmp = join(dir, KEY_FILE ".tmp");
    int fd = -1;
    int rc = TK_OK;

    if (path == NULL || tmp == NULL) {
        rc = oom(err);
        goto done;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = io_error(err, "create key file", tmp);
        goto done;
    }
    /* The umask may have removed bits from 0600; the mode must be exact. */
    if (fchmod(fd, 0600) != 0) {
        rc = io_error(err, "set the mode of", tmp);
        goto done;
    }
    size_t off = 0;
    while (off < TK_CRYPTO_KEY_SIZE) {
        const ssize_t w = write(fd, key + off, TK_CRYPTO_KEY_SIZE - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = io_error(err, "write key file", tmp);
            goto done;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        rc = io_error(err, "sync key file", tmp);
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = io_error(err, "close key file", tmp);
        goto done;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = io_error(err, "rename key file to", path);
        goto done;
    }
    rc = sync_dir(dir, err);
done:
    if (fd >= 0)
        close(fd);
    if (rc != TK_OK && tmp != NULL)
        (void)unlink(tmp);
    tk_free(path);
    tk_free(tmp);
    return rc;
}

/* Reads and checks dir/pseudonym.key into key. */
static int read_key_file(const char *dir, const char *name, uint8_t key[TK_CRYPTO_KEY_SIZE],
                         tk_error *err)
{
    char *path = join(dir, KEY_FILE);
    struct stat sb;
    int fd = -1;
    int rc = TK_OK;

    if (path == NULL)
        return oom(err);
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            rc = tk_error_set(err, TK_EINVAL,
                              "tenant %s has no pseudonym key (%s is missing): restore the key "
                              "file from its backup",
                              name, path);
        else
            rc = io_error(err, "open key file", path);
        goto done;
    }
    if (fstat(fd, &sb) != 0) {
        rc = io_error(err, "inspect key file", path);
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = tk_error_set(err, TK_EINVAL,
                          "key file %s is not a regular file (a %s): restore the key file from "
                          "its backup",
                          path,
                          S_ISFIFO(sb.st_mode)   ? "named pipe"
                          : S_ISDIR(sb.st_mode)  ? "directory"
                          : S_ISCHR(sb.st_mode)  ? "character device"
                          : S_ISSOCK(sb.st_mode) ? "socket"
                                                 : "special file");
        goto done;
    }
    if ((sb.st_mode & 077) != 0) {
        rc = tk_error_set(err, TK_EINVAL,
                          "key file %s is accessible by group or others (mode %04o): run "
                          "`chmod 600 %s`",
                          path, (unsigned)(sb.st_mode & 07777), path);
        goto done;
    }
    if (sb.st_size != TK_CRYPTO_KEY_SIZE) {
        rc = tk_error_set(err, TK_EINVAL, "key file %s has %lld bytes, expected %d", path,
                          (long long)sb.st_size, TK_CRYPTO_KEY_SIZE);
        goto done;
    }
    size_t off = 0;
    while (off < TK_CRYPTO_KEY_SIZE) {
        const ssize_t r = read(fd, key + off, TK_CRYPTO_KEY_SIZE - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r < 0 ? io_error(err, "read key file", path)
                       : tk_error_set(err, TK_EINVAL, "key file %s is truncated", path);
            goto done;
        }
        off += (size_t)r;
    }
done:
    if (fd >= 0)
        close(fd);
    tk_free(path);
    return rc;
}

static int fingerprint(const uint8_t key[TK_CRYPTO_KEY_SIZE], char out[2 * FP_BYTES + 1],
                       tk_error *err)
{
    uint8_t d[TK_CRYPTO_SHA256_SIZE];
    const int rc = tk_crypto_sha256_once(key, TK_CRYPTO_KEY_SIZE, d, err);
    if (rc == TK_OK)
        tk_crypto_hex(d, FP_BYTES, out);
    return rc;
}

static int put_meta(tk_db *db, sqlite3_stmt *st, const char *key, const char *value, tk_error *err)
{
    int rc = tk_db_bind_text(db, st, 1, key, strlen(key), err);
    if (rc == TK_OK)
        rc = tk_db_bind_text(db, st, 2, value, strlen(value), err);
    if (rc == TK_OK)
        rc = tk_db_step(db, st, err);
    sqlite3_reset(st);
    return rc < 0 ? rc : TK_OK;
}

/* The version a store made by this layer alone is stamped with: any
 * version below TK_TENANT_SCHEMA_VERSION makes the next open with the
 * upper layers' migrations run them all (they are idempotent, and decide
 * by the tables they find, never by the number), and 0 would read as "not
 * a tenken store". */
#define CORE_ONLY_VERSION 1

/* Creates or upgrades every module's tables -- this layer's, then the
 * upper layers' of m (may be NULL) -- in the caller's transaction. The
 * version is stamped only when m is given: this layer cannot name the
 * upper layers' tables, so without their migrations a store is not
 * current, and stamping it would make the next full open skip them (a
 * store created so gets CORE_ONLY_VERSION; an older store keeps its
 * version). */
static int migrate_all(tk_db *db, const tk_tenant_migrations *m, int creating, tk_error *err)
{
    int rc = tk_store_migrate(db, err);
    if (rc == TK_OK)
        rc = tk_master_migrate(db, err);
    if (rc == TK_OK)
        rc = tk_period_migrate(db, err);
    if (rc == TK_OK)
        rc = tk_profstore_migrate(db, err);
    if (rc == TK_OK)
        rc = tk_db_exec(db, meta_sql, err);
    for (size_t i = 0; m != NULL && rc == TK_OK && i < m->n; i++)
        rc = m->fns[i](db, err);
    if (rc == TK_OK && m != NULL)
        rc = tk_db_set_user_version(db, TK_TENANT_SCHEMA_VERSION, err);
    else if (rc == TK_OK && creating)
        rc = tk_db_set_user_version(db, CORE_ONLY_VERSION, err);
    return rc;
}

/* The current time as ISO 8601 JST. */
static void now_iso(char out[TK_TIME_ISO_SIZE])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    const int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (tk_time_format_iso(ms, out, TK_TIME_ISO_SIZE) == 0)
        out[0] = '\0';
}

static int init_db(const char *dir, const char *name, const char *fp, const tk_tenant_migrations *m,
                   tk_error *err)
{
    char *path = join(dir, DB_FILE);
    tk_db *db = NULL;
    sqlite3_stmt *st = NULL;
    char created[TK_TIME_ISO_SIZE];
    char version[16];
    int rc;

    if (path == NULL)
        return oom(err);
    rc = tk_db_open(&db, path, TK_DB_CREATE, err);
    if (rc != TK_OK)
        goto done;
    rc = tk_db_begin(db, err);
    if (rc != TK_OK)
        goto done;
    rc = migrate_all(db, m, 1, err);
    if (rc != TK_OK)
        goto done;
    rc = tk_db_prepare(db, &st, "INSERT INTO meta(key, value) VALUES(?, ?)", err);
    if (rc != TK_OK)
        goto done;
    now_iso(created);
    snprintf(version, sizeof version, "%d",
             m != NULL ? TK_TENANT_SCHEMA_VERSION : CORE_ONLY_VERSION);
    rc = put_meta(db, st, "name", name, err);
    if (rc == TK_OK)
        rc = put_meta(db, st, "created_at", created, err);
    if (rc == TK_OK)
        rc = put_meta(db, st, "key_fingerprint", fp, err);
    if (rc == TK_OK)
        rc = put_meta(db, st, "schema_version", version, err);
    if (rc != TK_OK)
        goto done;
    rc = tk_db_commit(db, err);
done:
    sqlite3_finalize(st);
    tk_db_rollback(db);
    tk_db_close(db);
    tk_free(path);
    return rc;
}

int tk_tenant_create(tk_tenant **out, const char *data_dir, const char *name, tk_error *err)
{
    return tk_tenant_create_ex(out, data_dir, name, NULL, err);
}

int tk_tenant_create_ex(tk_tenant **out, const char *data_dir, const char *name,
                        const tk_tenant_migrations *m, tk_error *err)
{
    char *final = NULL, *tmp = NULL, *reports = NULL;
    uint8_t key[TK_CRYPTO_KEY_SIZE];
    char fp[2 * FP_BYTES + 1];
    struct stat sb;
    int made_tmp = 0;
    int rc;

    if (out != NULL)
        *out = NULL;
    rc = tk_tenant_check_name(name, err);
    if (rc != TK_OK)
        return rc;
    rc = make_data_dir(data_dir, err);
    if (rc != TK_OK)
        return rc;
    remove_stale_creations(data_dir);
    final = join(data_dir, name);
    if (final == NULL) {
        rc = oom(err);
        goto done;
    }
    if (lstat(final, &sb) == 0) {
        rc = tk_error_set(err, TK_EEXISTS, "tenant %s already exists in %s", name, data_dir);
        goto done;
    }
    if (errno != ENOENT) {
        rc = io_error(err, "inspect", final);
        goto done;
    }
    const size_t n = strlen(data_dir) + strlen(name) + sizeof "/..new-XXXXXX";
    tmp = tk_alloc(n);
    if (tmp == NULL) {
        rc = oom(err);
        goto done;
    }
    snprintf(tmp, n, "%s/.%s.new-XXXXXX", data_dir, name);
    if (mkdtemp(tmp) == NULL) {
        rc = io_error(err, "create a temporary folder in", data_dir);
        goto done;
    }
    made_tmp = 1;
    rc = tk_crypto_random_key(key, sizeof key, err);
    if (rc != TK_OK)
        goto done;
    rc = fingerprint(key, fp, err);
    if (rc != TK_OK)
        goto done;
    rc = write_key_file(tmp, key, err);
    if (rc != TK_OK)
        goto done;
    reports = join(tmp, REPORTS);
    if (reports == NULL) {
        rc = oom(err);
        goto done;
    }
    if (mkdir(reports, 0700) != 0) {
        rc = io_error(err, "create directory", reports);
        goto done;
    }
    rc = init_db(tmp, name, fp, m, err);
    if (rc != TK_OK)
        goto done;
    /* rename() would replace an empty directory created meanwhile; the
     * lstat above makes that a race between two administrators at most. */
    if (rename(tmp, final) != 0) {
        if (errno == EEXIST || errno == ENOTEMPTY)
            rc = tk_error_set(err, TK_EEXISTS, "tenant %s already exists in %s", name, data_dir);
        else
            rc = io_error(err, "rename the new tenant folder to", final);
        goto done;
    }
    made_tmp = 0;
    rc = sync_dir(data_dir, err);
    if (rc != TK_OK)
        goto done;
    if (out != NULL) {
        rc = tk_tenant_open_ex(out, data_dir, name, 0, m, err);
        /* The tenant was made a moment ago by this call: a failure to open
         * it undoes the creation so that the caller can simply retry. */
        if (rc != TK_OK)
            remove_tree(final);
    }
done:
    tk_crypto_wipe(key, sizeof key);
    if (made_tmp)
        remove_tree(tmp);
    tk_free(reports);
    tk_free(tmp);
    tk_free(final);
    return rc;
}

/* Compares the key's fingerprint with the one the database was made with. */
static int check_fingerprint(tk_tenant *t, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(t->db, &st, "SELECT value FROM meta WHERE key = 'key_fingerprint'", err);
    if (rc == TK_OK)
        rc = tk_db_step(t->db, st, err);
    if (rc == 1) {
        const char *const stored = (const char *)sqlite3_column_text(st, 0);
        rc = TK_OK;
        if (stored == NULL || strcmp(stored, t->fingerprint) != 0)
            rc = tk_error_set(err, TK_ECRYPTO,
                              "the pseudonym key of tenant %s does not belong to its database "
                              "(key %s, database %s): restore the tenant's own " KEY_FILE
                              " from its backup, as another key gives every resident a second "
                              "pseudonym",
                              t->name, t->fingerprint, stored ? stored : "none");
    } else if (rc == 0) {
        rc = tk_error_set(err, TK_EINVAL,
                          "tenant %s is damaged: its database records no key fingerprint", t->name);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Upgrades the store at path to this build's schema in one transaction,
 * through a connection of its own. */
static int upgrade(const char *path, const tk_tenant_migrations *m, tk_error *err)
{
    tk_db *db = NULL;
    int rc = tk_db_open(&db, path, 0, err);
    if (rc == TK_OK)
        rc = tk_db_begin(db, err);
    if (rc == TK_OK)
        rc = migrate_all(db, m, 0, err);
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    tk_db_rollback(db);
    tk_db_close(db);
    return rc;
}

/* Checks the schema version of t's store (at path) and brings an older
 * one up to date: always for a writable open; for a read-only one only
 * when upper-layer migrations are given (m not NULL), through a writable
 * connection of its own, after which t's read-only connection is opened
 * again so that it sees the new tables. */
static int check_schema(tk_tenant *t, const char *path, int flags, const tk_tenant_migrations *m,
                        tk_error *err)
{
    int v = 0;
    int rc = tk_db_user_version(t->db, &v, err);
    if (rc != TK_OK)
        return rc;
    if (v == 0)
        return tk_error_set(err, TK_EINVAL, "%s/" DB_FILE " is not a tenken store", t->dir);
    if (v > TK_TENANT_SCHEMA_VERSION)
        return tk_error_set(err, TK_EINVAL,
                            "tenant %s was written by a newer tenken (schema %d, this build "
                            "knows %d)",
                            t->name, v, TK_TENANT_SCHEMA_VERSION);
    if (v == TK_TENANT_SCHEMA_VERSION)
        return TK_OK;
    if (!(flags & TK_TENANT_READONLY)) {
        rc = tk_db_begin(t->db, err);
        if (rc == TK_OK)
            rc = migrate_all(t->db, m, 0, err);
        if (rc == TK_OK)
            rc = tk_db_commit(t->db, err);
        tk_db_rollback(t->db);
        return rc;
    }
    if (m == NULL)
        return TK_OK; /* read as it is */
    tk_db_close(t->db);
    t->db = NULL;
    rc = upgrade(path, m, err);
    if (rc != TK_OK) {
        tk_error_prefix(err,
                        "tenant %s was written by an older tenken (schema %d) and cannot be "
                        "upgraded to schema %d",
                        t->name, v, TK_TENANT_SCHEMA_VERSION);
        return rc;
    }
    return tk_db_open(&t->db, path, TK_DB_READONLY, err);
}

int tk_tenant_open(tk_tenant **out, const char *data_dir, const char *name, int flags,
                   tk_error *err)
{
    return tk_tenant_open_ex(out, data_dir, name, flags, NULL, err);
}

int tk_tenant_open_ex(tk_tenant **out, const char *data_dir, const char *name, int flags,
                      const tk_tenant_migrations *m, tk_error *err)
{
    tk_tenant *t = NULL;
    char *dbpath = NULL;
    uint8_t key[TK_CRYPTO_KEY_SIZE];
    struct stat sb;
    int rc;

    *out = NULL;
    memset(key, 0, sizeof key);
    rc = tk_tenant_check_name(name, err);
    if (rc != TK_OK)
        return rc;
    t = tk_calloc(1, sizeof *t);
    if (t == NULL)
        return oom(err);
    t->name = tk_strndup(name, strlen(name));
    t->dir = join(data_dir, name);
    if (t->name == NULL || t->dir == NULL) {
        rc = oom(err);
        goto done;
    }
    t->reports = join(t->dir, REPORTS);
    dbpath = join(t->dir, DB_FILE);
    if (t->reports == NULL || dbpath == NULL) {
        rc = oom(err);
        goto done;
    }
    const int found = stat(t->dir, &sb) == 0;
    if (!found && errno != ENOENT && errno != ENOTDIR) {
        rc = io_error(err, "open tenant folder", t->dir);
        goto done;
    }
    if (!found || !S_ISDIR(sb.st_mode)) {
        rc = tk_error_set(err, TK_ENOTFOUND,
                          "tenant %s does not exist in %s: run `tenken init --tenant %s` first",
                          name, data_dir, name);
        goto done;
    }
    rc = read_key_file(t->dir, name, key, err);
    if (rc != TK_OK)
        goto done;
    rc = fingerprint(key, t->fingerprint, err);
    if (rc != TK_OK)
        goto done;
    rc = tk_crypto_hmac_create(&t->hmac, key, err);
    if (rc != TK_OK)
        goto done;
    if (stat(dbpath, &sb) != 0) {
        rc = tk_error_set(err, TK_EINVAL, "tenant %s is damaged: %s is missing", name, dbpath);
        goto done;
    }
    t->db_dev = sb.st_dev;
    t->db_ino = sb.st_ino;
    t->readonly = (flags & TK_TENANT_READONLY) != 0;
    rc = tk_db_open(&t->db, dbpath, (flags & TK_TENANT_READONLY) ? TK_DB_READONLY : 0, err);
    if (rc != TK_OK)
        goto done;
    rc = check_schema(t, dbpath, flags, m, err);
    if (rc == TK_OK)
        rc = check_fingerprint(t, err);
    if (rc != TK_OK)
        goto done;
    if (!(flags & TK_TENANT_READONLY) && mkdir(t->reports, 0700) != 0 && errno != EEXIST) {
        rc = io_error(err, "create directory", t->reports);
        goto done;
    }
    *out = t;
    t = NULL;
done:
    tk_crypto_wipe(key, sizeof key);
    tk_free(dbpath);
    tk_tenant_close(t);
    return rc;
}

void tk_tenant_close(tk_tenant *t)
{
    if (t != NULL && t->back != NULL)
        t->back(t->back_ctx, t);
    else
        tk_tenant_free(t);
}

void tk_tenant_lend(tk_tenant *t, tk_tenant_back_fn back, void *ctx)
{
    t->back = back;
    t->back_ctx = ctx;
}

int tk_tenant_reusable(const tk_tenant *t)
{
    struct stat sb;
    char *path = join(t->dir, DB_FILE);
    const int same =
        path != NULL && stat(path, &sb) == 0 && sb.st_dev == t->db_dev && sb.st_ino == t->db_ino;
    tk_free(path);
    return same && t->readonly && !t->have_lock && tk_db_idle(t->db);
}

void tk_tenant_free(tk_tenant *t)
{
    if (t == NULL)
        return;
    tk_tenant_unlock_writer(t);
    tk_db_close(t->db);
    tk_crypto_hmac_destroy(t->hmac);
    tk_free(t->name);
    tk_free(t->dir);
    tk_free(t->reports);
    tk_free(t);
}

tk_db *tk_tenant_db(tk_tenant *t)
{
    return t->db;
}

const char *tk_tenant_name(const tk_tenant *t)
{
    return t->name;
}

const char *tk_tenant_dir(const tk_tenant *t)
{
    return t->dir;
}

const char *tk_tenant_reports_dir(const tk_tenant *t)
{
    return t->reports;
}

const char *tk_tenant_key_fingerprint(const tk_tenant *t)
{
    return t->fingerprint;
}

/* ---- the writer lock ----------------------------------------------------
 *
 * flock rather than fcntl locks: an fcntl lock belongs to the process and
 * is dropped when any descriptor of the file is closed (SQLite's own
 * locking had to work around that), while a flock belongs to the open file
 * description, so the lock is exactly the handle's. Either is released by
 * the kernel when the process dies. A waiting writer polls with LOCK_NB
 * rather than blocking in flock(), so that it can report while it waits;
 * no order among several waiters is promised.
 *
 * The holder's line is written after the lock is taken and cleared before
 * it is released. A waiter reads it without any lock: a line it catches
 * half rewritten, or one left by a holder that has since died (its pid no
 * longer exists), reads as "another command". */

/* Copies src into dst (cap bytes), cut at a UTF-8 character boundary. */
static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (dst[i] == '\n' || dst[i] == '\r')
            dst[i] = ' ';
}

static void write_holder(tk_tenant *t)
{
    char line[sizeof t->me.what + 96];
    const int n = snprintf(line, sizeof line, "pid %ld started %lld upload %lld: %s\n", t->me.pid,
                           (long long)t->me.started, (long long)t->me.upload_id, t->me.what);
    if (n <= 0 || (size_t)n >= sizeof line)
        return;
    if (pwrite(t->lock_fd, line, (size_t)n, 0) == n && ftruncate(t->lock_fd, n) == 0)
        return;
}

static void read_holder(int fd, tk_tenant_writer *w)
{
    char line[sizeof w->what + 96];
    memset(w, 0, sizeof *w);
    const ssize_t n = pread(fd, line, sizeof line - 1, 0);
    if (n <= 0)
        return;
    line[n] = '\0';
    char *nl = strchr(line, '\n');
    if (nl == NULL)
        return;
    *nl = '\0';
    long pid = 0;
    long long started = 0, upload = 0;
    int off = 0;
    if (sscanf(line, "pid %ld started %lld upload %lld: %n", &pid, &started, &upload, &off) != 3 ||
        off == 0 || pid <= 0)
        return;
    if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
        return;
    w->pid = pid;
    w->started = started;
    w->upload_id = upload;
    copy_text(w->what, sizeof w->what, line + off);
}

/* "12:01:02" today, else "2024-10-01 12:01:02" (local time). */
static void format_start(int64_t started, char *buf, size_t cap)
{
    const time_t s = (time_t)started, now = time(NULL);
    struct tm a, b;
    if (localtime_r(&s, &a) == NULL || localtime_r(&now, &b) == NULL) {
        snprintf(buf, cap, "at %lld", (long long)started);
        return;
    }
    const int today = a.tm_year == b.tm_year && a.tm_yday == b.tm_yday;
    if (strftime(buf, cap, today ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &a) == 0 && cap > 0)
        buf[0] = '\0';
}

void tk_tenant_writer_format(const tk_tenant_writer *w, char *buf, size_t cap)
{
    char when[32];
    if (w->pid <= 0) {
        snprintf(buf, cap, "another command");
        return;
    }
    format_start(w->started, when, sizeof when);
    if (w->upload_id > 0)
        snprintf(buf, cap, "upload #%lld (%s, pid %ld, started %s)", (long long)w->upload_id,
                 w->what, w->pid, when);
    else
        snprintf(buf, cap, "%s (pid %ld, started %s)", w->what, w->pid, when);
}

static int busy(const tk_tenant *t, const tk_tenant_writer *h, tk_error *err)
{
    char when[32];
    if (h->pid <= 0)
        return tk_error_set(err, TK_EBUSY, "busy: another command is writing to tenant %s",
                            t->name);
    format_start(h->started, when, sizeof when);
    if (h->upload_id > 0)
        return tk_error_set(err, TK_EBUSY,
                            "busy: upload #%lld is being stored (%s, pid %ld, "
                            "started %s)",
                            (long long)h->upload_id, h->what, h->pid, when);
    return tk_error_set(err, TK_EBUSY,
                        "busy: tenant %s is being written by %s (pid %ld, started %s)", t->name,
                        h->what, h->pid, when);
}

static double monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int tk_tenant_lock_writer(tk_tenant *t, const char *what, int mode, tk_tenant_wait_fn fn, void *ctx,
                          tk_error *err)
{
    int fd = -1;
    int rc = TK_OK;
    char *path = NULL;

    if (t->have_lock) {
        tk_tenant_writer_describe(t, 0, what);
        return TK_OK;
    }
    path = join(t->dir, LOCK_FILE);
    if (path == NULL)
        return oom(err);
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = io_error(err, "open the writer lock", path);
        goto done;
    }
    const double t0 = monotonic();
    int first = 1;
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            rc = io_error(err, "lock", path);
            goto done;
        }
        tk_tenant_writer holder;
        read_holder(fd, &holder);
        if (mode == TK_TENANT_NOWAIT) {
            rc = busy(t, &holder, err);
            goto done;
        }
        if (fn != NULL)
            fn(ctx, &holder, first ? 0.0 : monotonic() - t0);
        first = 0;
        const struct timespec step = {0, WAIT_STEP_MS * 1000000L};
        nanosleep(&step, NULL);
    }
    t->lock_fd = fd;
    t->have_lock = 1;
    fd = -1;
    t->me.pid = (long)getpid();
    t->me.started = (int64_t)time(NULL);
    t->me.upload_id = 0;
    copy_text(t->me.what, sizeof t->me.what, what);
    write_holder(t);
done:
    if (fd >= 0)
        close(fd);
    tk_free(path);
    return rc;
}

void tk_tenant_writer_describe(tk_tenant *t, int64_t upload_id, const char *what)
{
    if (t == NULL || !t->have_lock)
        return;
    t->me.upload_id = upload_id;
    if (what != NULL)
        copy_text(t->me.what, sizeof t->me.what, what);
    write_holder(t);
}

void tk_tenant_unlock_writer(tk_tenant *t)
{
    if (t == NULL || !t->have_lock)
        return;
    if (ftruncate(t->lock_fd, 0) != 0) {
        /* The line of a released lock is never read as a holder's. */
    }
    close(t->lock_fd);
    t->lock_fd = -1;
    t->have_lock = 0;
}

int tk_tenant_holds_writer(const tk_tenant *t)
{
    return t->have_lock;
}

/* Width of the space at p[i..len) (ASCII space or tab: 1, U+3000: 3) or 0. */
static size_t space_at(const unsigned char *p, size_t len, size_t i)
{
    if (p[i] == ' ' || p[i] == '\t')
        return 1;
    if (p[i] == 0xE3 && i + 2 < len && p[i + 1] == 0x80 && p[i + 2] == 0x80)
        return 3;
    return 0;
}

/* 1 if the three bytes before end (exclusive) are U+3000. */
static int space3_before(const unsigned char *p, size_t start, size_t end)
{
    return end - start >= 3 && p[end - 3] == 0xE3 && p[end - 2] == 0x80 && p[end - 1] == 0x80;
}

int tk_tenant_pseudonym(tk_tenant *t, const char *p, size_t len,
                        uint8_t out[TK_TENANT_PSEUDONYM_SIZE], tk_error *err)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t b = 0, e = len, w;
    unsigned char chunk[CHUNK_SIZE];
    size_t fill = 0;
    int rc = TK_OK;

    while (b < e && (w = space_at(s, e, b)) > 0)
        b += w;
    while (b < e) {
        if (s[e - 1] == ' ' || s[e - 1] == '\t')
            e--;
        else if (space3_before(s, b, e))
            e -= 3;
        else
            break;
    }
    if (b == e)
        return tk_error_set(err, TK_EINVAL, "empty resident identifier");
    for (size_t i = b; i < e;) {
        /* U+FF10..FF19 FULLWIDTH DIGIT ZERO..NINE = EF BC 90..99. */
        if (s[i] == 0xEF && i + 2 < e && s[i + 1] == 0xBC && s[i + 2] >= 0x90 && s[i + 2] <= 0x99) {
            chunk[fill++] = (unsigned char)('0' + (s[i + 2] - 0x90));
            i += 3;
        } else {
            chunk[fill++] = s[i++];
        }
        if (fill == sizeof chunk) {
            rc = tk_crypto_hmac_update(t->hmac, chunk, fill, err);
            fill = 0;
            if (rc != TK_OK)
                break;
        }
    }
    if (rc == TK_OK)
        rc = tk_crypto_hmac_update(t->hmac, chunk, fill, err);
    /* final also returns the HMAC to its keyed state after a failed update. */
    tk_crypto_hmac_final(t->hmac, out);
    if (rc != TK_OK)
        tk_crypto_wipe(out, TK_TENANT_PSEUDONYM_SIZE);
    return rc;
}

int tk_tenant_derive_key(tk_tenant *t, const char *label, uint8_t out[TK_CRYPTO_KEY_SIZE],
                         tk_error *err)
{
    assert(label != NULL && label[0] != '\0');
    int rc = tk_crypto_hmac_update(t->hmac, "\t", 1, err);
    if (rc == TK_OK)
        rc = tk_crypto_hmac_update(t->hmac, label, strlen(label), err);
    tk_crypto_hmac_final(t->hmac, out);
    if (rc != TK_OK)
        tk_crypto_wipe(out, TK_CRYPTO_KEY_SIZE);
    return rc;
}

/* ---- settings -----------------------------------------------------------
 *
 * A setting is a meta row; its absence means the default, so a tenant
 * made before the setting existed needs no migration. */

#define EVENT_DATES_KEY "event_dates"

/* Parses YYYY-MM-DD (or YYYY/MM/DD) from 1900 on into a day number. */
static int parse_day(const char *p, size_t len, int64_t *day)
{
    int v[3] = {0, 0, 0};
    static const size_t start[3] = {0, 5, 8}, width[3] = {4, 2, 2};
    if (len != 10 || (p[4] != '-' && p[4] != '/') || p[7] != p[4])
        return 0;
    for (size_t k = 0; k < 3; k++) {
        for (size_t i = start[k]; i < start[k] + width[k]; i++) {
            if (p[i] < '0' || p[i] > '9')
                return 0;
            v[k] = v[k] * 10 + (p[i] - '0');
        }
    }
    if (v[0] < 1900 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > tk_days_in_month(v[0], v[1]))
        return 0;
    *day = tk_days_from_civil(v[0], v[1], v[2]);
    return 1;
}

int tk_tenant_parse_event_dates(const char *p, size_t len, tk_period *out, tk_error *err)
{
    const int shown = len > 40 ? 40 : (int)len;
    if (len == 7 && memcmp(p, "default", 7) == 0) {
        p = TK_TENANT_EVENT_DATES_DEFAULT;
        len = strlen(p);
    }
    size_t dots = 0;
    while (dots + 1 < len && !(p[dots] == '.' && p[dots + 1] == '.'))
        dots++;
    if (dots + 1 >= len)
        return tk_error_set(err, TK_EINVAL,
                            "event dates \"%.*s\": expected FROM..TO as YYYY-MM-DD..YYYY-MM-DD, "
                            "or default",
                            shown, p);
    tk_period r;
    if (!parse_day(p, dots, &r.first_day) || !parse_day(p + dots + 2, len - dots - 2, &r.last_day))
        return tk_error_set(err, TK_EINVAL,
                            "event dates \"%.*s\": expected two dates YYYY-MM-DD from 1900-01-01 "
                            "on, FROM..TO",
                            shown, p);
    if (r.last_day < r.first_day)
        return tk_error_set(err, TK_EINVAL, "event dates \"%.*s\": the range ends before it starts",
                            shown, p);
    *out = r;
    return TK_OK;
}

int tk_tenant_event_dates(tk_tenant *t, tk_period *out, int *is_default, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int def = 1;
    int rc =
        tk_db_prepare(t->db, &st, "SELECT value FROM meta WHERE key = '" EVENT_DATES_KEY "'", err);
    if (rc == TK_OK)
        rc = tk_db_step(t->db, st, err);
    if (rc == 1) {
        const char *const v = (const char *)sqlite3_column_text(st, 0);
        def = 0;
        rc = tk_tenant_parse_event_dates(v ? v : "", v ? strlen(v) : 0, out, err);
        if (rc != TK_OK)
            tk_error_prefix(err, "tenant %s: meta " EVENT_DATES_KEY, t->name);
    } else if (rc == 0) {
        rc = tk_tenant_parse_event_dates(TK_TENANT_EVENT_DATES_DEFAULT,
                                         strlen(TK_TENANT_EVENT_DATES_DEFAULT), out, err);
    }
    sqlite3_finalize(st);
    if (rc == TK_OK && is_default != NULL)
        *is_default = def;
    return rc;
}

int tk_tenant_set_event_dates(tk_tenant *t, const tk_period *range, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (range == NULL) {
        rc = tk_db_exec(t->db, "DELETE FROM meta WHERE key = '" EVENT_DATES_KEY "'", err);
        return rc;
    }
    if (range->last_day < range->first_day || range->first_day < tk_days_from_civil(1900, 1, 1) ||
        range->last_day > tk_days_from_civil(9999, 12, 31))
        return tk_error_set(err, TK_EINVAL,
                            "event dates: the range must lie within 1900-01-01..9999-12-31 and end "
                            "on or after its start");
    char v[32];
    tk_period_format(range, v, sizeof v);
    rc = tk_db_prepare(t->db, &st, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", err);
    if (rc == TK_OK)
        rc = put_meta(t->db, st, EVENT_DATES_KEY, v, err);
    sqlite3_finalize(st);
    return rc;
}
