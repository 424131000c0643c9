/* src/account.c -- accounts, logins, sessions and API tokens in service.db.
 *
 * Secrets. A password is kept only as its Argon2id encoding (the PHC
 * string "$argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>", 16 random bytes
 * of salt, a 32-byte hash), so the parameters travel with each hash and a
 * later change of cost still verifies old hashes. argon2id_verify()
 * compares in constant time. A session id and an API token secret are
 * 32 random bytes from the key-grade generator; only their SHA-256 is
 * stored. A session is found by the hash of the presented id (an index
 * lookup on a hash reveals nothing about the id); a token is found by its
 * public id and its stored hash compared with tk_crypto_equal().
 *
 * Unknown names. A login with a name that is not an account verifies the
 * password against a dummy hash built with the store's own cost, so it
 * takes as long as a wrong password of a real account and gets the same
 * message. Failures are counted per name whether or not the name exists,
 * so a lockout cannot tell a real account from an invented one either.
 *
 * Lockout. After lockout_after consecutive failures a name is locked for
 * lockout_first_ms; every further failure (possible only once a lock has
 * run out) doubles it, up to lockout_max_ms. While locked, a login is
 * refused before the password is looked at, so a guesser gains nothing
 * and spends no server time on Argon2. A success clears the count; a
 * count untouched for a day is forgotten, which also keeps names invented
 * by a guesser from piling up.
 *
 * Audit. Every change runs in one transaction with its audit record, so
 * no change is stored without its record. A refusal (bad input, a missing
 * account, a forbidden actor) is rolled back and then recorded on its
 * own, with the refusal's message as detail; messages never quote a
 * password. */
#include "src/account.h"

#include <argon2.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/alloc.h"
#include "src/audit.h"
#include "src/crypto.h"
#include "src/timefmt.h"

#define TOKEN_USE_GRAIN_MS 60000 /* a token's last use is kept to the minute */
#define DB_FILE            "service.db"
#define SALT_BYTES         16
#define HASH_BYTES         32
#define RAND_BYTES         32
#define ID_BYTES           8
#define B64_32             43 /* base64url characters of 32 bytes, no padding */
#define TOKEN_LEN          (4 + 2 * ID_BYTES + 1 + B64_32)
#define FORGET_MS          (24 * 3600000LL)
#define ENCODED_MAX        160

struct tk_account_store {
    tk_db *db;
    char *data_dir;
    char *path;
    tk_account_options o;
    uint64_t verifications;
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS accounts("
    " name TEXT PRIMARY KEY,"
    " role TEXT NOT NULL CHECK(role IN ('uploader', 'analyst', 'reporter', 'admin')),"
    " tenant TEXT CHECK(tenant IS NOT NULL OR role = 'admin'),"
    " password TEXT NOT NULL,"
    " disabled INTEGER NOT NULL DEFAULT 0,"
    " created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL,"
    " created_by TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sessions("
    " id_hash BLOB PRIMARY KEY,"
    " account TEXT NOT NULL REFERENCES accounts(name),"
    " csrf TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " last_seen_ms INTEGER NOT NULL,"
    " address TEXT);"
    "CREATE INDEX IF NOT EXISTS sessions_account ON sessions(account);"
    "CREATE TABLE IF NOT EXISTS tokens("
    " id TEXT PRIMARY KEY,"
    " secret_hash BLOB NOT NULL,"
    " account TEXT NOT NULL REFERENCES accounts(name),"
    " tenant TEXT,"
    " role TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " expires_ms INTEGER NOT NULL,"
    " last_used_ms INTEGER NOT NULL DEFAULT 0,"
    " revoked_ms INTEGER NOT NULL DEFAULT 0,"
    " created_by TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS login_failures("
    " name TEXT PRIMARY KEY,"
    " failures INTEGER NOT NULL,"
    " last_ms INTEGER NOT NULL,"
    " locked_until_ms INTEGER NOT NULL);";

/* ---- small helpers ---------------------------------------------------- */

static int oom(tk_error *err)
{
    return tk_error_set(err, TK_ENOMEM, "out of memory");
}

static char *join(const char *a, const char *b)
{
    const size_t la = strlen(a), lb = strlen(b);
    char *s = tk_alloc(la + lb + 2);
    if (s == NULL)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

/* base64url without padding (RFC 4648 section 5) of p[0..n) into out. */
static void b64url(const uint8_t *p, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        const uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
        out[o++] = a[v & 63];
    }
    if (n - i == 1) {
        const uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
    } else if (n - i == 2) {
        const uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
    }
    out[o] = '\0';
}

static int is_b64url(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char c = p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* A new random secret: 32 key-grade bytes as base64url (B64_32 chars). */
static int new_secret(char out[B64_32 + 1], tk_error *err)
{
    uint8_t r[RAND_BYTES];
    const int rc = tk_crypto_random_key(r, sizeof r, err);
    if (rc == TK_OK)
        b64url(r, sizeof r, out);
    tk_crypto_wipe(r, sizeof r);
    return rc;
}

/* "HH:MM:SS" (JST) of ms into out (9 bytes). */
static void hms(int64_t ms, char out[9])
{
    char iso[TK_TIME_ISO_SIZE];
    if (tk_time_format_iso(ms, iso, sizeof iso) == 0)
        copy(out, 9, "??:??:??");
    else
        snprintf(out, 9, "%.8s", iso + 11);
}

/* "YYYY-MM-DD" (JST) of ms into out (11 bytes). */
static void ymd(int64_t ms, char out[11])
{
    char iso[TK_TIME_ISO_SIZE];
    if (tk_time_format_iso(ms, iso, sizeof iso) == 0)
        copy(out, 11, "?");
    else
        snprintf(out, 11, "%.10s", iso);
}

/* "30 min", "12 h", "90 s" for a timeout in messages. */
static void duration(int64_t ms, char *out, size_t cap)
{
    if (ms % 3600000 == 0)
        snprintf(out, cap, "%lld h", (long long)(ms / 3600000));
    else if (ms % 60000 == 0)
        snprintf(out, cap, "%lld min", (long long)(ms / 60000));
    else
        snprintf(out, cap, "%lld s", (long long)(ms / 1000));
}

/* ---- statements -------------------------------------------------------- */

/* Prepares sql and binds the arguments described by types, one letter per
 * parameter: 's' a string (NULL or "" binds NULL), 'S' a string bound as
 * is, 'i' an int64_t, 'h' a 32-byte hash. */
static int vprep(tk_db *db, int kept, sqlite3_stmt **st, const char *sql, const char *types,
                 tk_error *err, va_list ap)
{
    int rc = kept ? tk_db_prepare_kept(db, st, sql, err) : tk_db_prepare(db, st, sql, err);
    if (rc != TK_OK)
        return rc;
    int bad = 0;
    for (int i = 0; types[i] != '\0' && !bad; i++) {
        const int idx = i + 1;
        if (types[i] == 's' || types[i] == 'S') {
            const char *v = va_arg(ap, const char *);
            if (types[i] == 's')
                v = or_null(v);
            bad = (v ? sqlite3_bind_text(*st, idx, v, -1, SQLITE_TRANSIENT)
                     : sqlite3_bind_null(*st, idx)) != SQLITE_OK;
        } else if (types[i] == 'i') {
            bad = sqlite3_bind_int64(*st, idx, va_arg(ap, int64_t)) != SQLITE_OK;
        } else {
            const uint8_t *h = va_arg(ap, const uint8_t *);
            bad = sqlite3_bind_blob(*st, idx, h, TK_CRYPTO_SHA256_SIZE, SQLITE_TRANSIENT) !=
                  SQLITE_OK;
        }
    }
    if (bad) {
        rc = tk_db_error(db, err, "binding a parameter");
        if (kept)
            tk_db_release(db, *st);
        else
            sqlite3_finalize(*st);
        *st = NULL;
    }
    return rc;
}

static int prep(tk_db *db, sqlite3_stmt **st, const char *sql, const char *types, tk_error *err,
                ...)
{
    va_list ap;
    va_start(ap, err);
    const int rc = vprep(db, 0, st, sql, types, err, ap);
    va_end(ap);
    return rc;
}

/* prep() of a statement kept on the connection (tk_db_prepare_kept()),
 * for the ones every request of the service runs; give it back with
 * tk_db_release(). */
static int prep_kept(tk_db *db, sqlite3_stmt **st, const char *sql, const char *types,
                     tk_error *err, ...)
{
    va_list ap;
    va_start(ap, err);
    const int rc = vprep(db, 1, st, sql, types, err, ap);
    va_end(ap);
    return rc;
}

/* Runs a statement that returns no rows (arguments as prep()). */
static int run(tk_db *db, const char *sql, const char *types, tk_error *err, ...)
{
    sqlite3_stmt *st = NULL;
    va_list ap;
    va_start(ap, err);
    int rc = vprep(db, 0, &st, sql, types, err, ap);
    va_end(ap);
    if (rc == TK_OK)
        rc = tk_db_step(db, st, err);
    if (rc > 0)
        rc = TK_OK;
    sqlite3_finalize(st);
    return rc;
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

/* ---- opening ----------------------------------------------------------- */

/* mkdir -p with 0755 parents and a 0700 data directory, as src/tenant. */
static int make_data_dir(const char *path, tk_error *err)
{
    struct stat sb;
    if (stat(path, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return tk_error_set(err, TK_EIO, "data directory %s is not a directory", path);
        return TK_OK;
    }
    char *p = tk_strndup(path, strlen(path));
    int rc = TK_OK;
    if (p == NULL)
        return oom(err);
    for (char *c = p + 1; *c != '\0'; c++) {
        if (*c != '/')
            continue;
        *c = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            rc = tk_error_set(err, TK_EIO, "cannot create directory %s: %s", p, strerror(errno));
            break;
        }
        *c = '/';
    }
    if (rc == TK_OK && mkdir(path, 0700) != 0 && errno != EEXIST)
        rc =
            tk_error_set(err, TK_EIO, "cannot create data directory %s: %s", path, strerror(errno));
    tk_free(p);
    return rc;
}

/* Makes the database file with mode 0600 before SQLite opens it: SQLite
 * would create it with 0644 less the umask, and gives its -wal and -shm
 * files the database's mode. An existing file readable by others is
 * refused (it holds password hashes) rather than silently fixed. */
static int prepare_file(const char *path, tk_error *err)
{
    struct stat sb;
    const int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
        const int r = fchmod(fd, 0600);
        close(fd);
        if (r != 0)
            return tk_error_set(err, TK_EIO, "cannot chmod %s: %s", path, strerror(errno));
        return TK_OK;
    }
    if (errno != EEXIST)
        return tk_error_set(err, TK_EIO, "cannot create %s: %s", path, strerror(errno));
    if (lstat(path, &sb) != 0)
        return tk_error_set(err, TK_EIO, "cannot inspect %s: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return tk_error_set(err, TK_EINVAL, "%s is not a regular file", path);
    if (sb.st_mode & 077)
        return tk_error_set(err, TK_EINVAL,
                            "%s is readable or writable by others (mode %04o): it holds password "
                            "hashes; run `chmod 600 %s` and check who copied it",
                            path, (unsigned)(sb.st_mode & 07777), path);
    return TK_OK;
}

static int migrate(tk_db *db, const char *path, tk_error *err)
{
    int v = 0;
    int64_t ntables = 0;
    int rc = tk_db_begin(db, err);
    if (rc == TK_OK)
        rc = tk_db_user_version(db, &v, err);
    if (rc == TK_OK && v > TK_ACCOUNT_SCHEMA_VERSION)
        rc = tk_error_set(err, TK_EINVAL,
                          "%s was written by a newer tenken (schema %d, this build knows %d)", path,
                          v, TK_ACCOUNT_SCHEMA_VERSION);
    if (rc == TK_OK && v == 0) {
        rc = tk_db_query_i64(db, "SELECT count(*) FROM sqlite_master", &ntables, err);
        if (rc == TK_OK && ntables > 0)
            rc = tk_error_set(err, TK_EINVAL, "%s is not a tenken service database", path);
        if (rc == TK_OK)
            rc = tk_db_exec(db, schema_sql, err);
        if (rc == TK_OK)
            rc = tk_audit_migrate(db, err);
        if (rc == TK_OK)
            rc = tk_db_set_user_version(db, TK_ACCOUNT_SCHEMA_VERSION, err);
    }
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    tk_db_rollback(db);
    return rc;
}

int tk_account_store_open(tk_account_store **out, const char *data_dir,
                          const tk_account_options *opts, tk_error *err)
{
    static const tk_account_options defaults = TK_ACCOUNT_OPTIONS_INIT;
    tk_account_store *s = NULL;
    int rc;

    *out = NULL;
    s = tk_calloc(1, sizeof *s);
    if (s == NULL)
        return oom(err);
    s->o = opts ? *opts : defaults;
    s->data_dir = tk_strndup(data_dir, strlen(data_dir));
    s->path = join(data_dir, DB_FILE);
    if (s->data_dir == NULL || s->path == NULL) {
        rc = oom(err);
        goto done;
    }
    rc = make_data_dir(data_dir, err);
    if (rc == TK_OK)
        rc = prepare_file(s->path, err);
    if (rc == TK_OK)
        rc = tk_db_open(&s->db, s->path, TK_DB_CREATE, err);
    if (rc == TK_OK)
        rc = migrate(s->db, s->path, err);
    if (rc != TK_OK)
        goto done;
    *out = s;
    s = NULL;
done:
    tk_account_store_close(s);
    return rc;
}

void tk_account_store_close(tk_account_store *s)
{
    if (s == NULL)
        return;
    tk_db_close(s->db);
    tk_free(s->data_dir);
    tk_free(s->path);
    tk_free(s);
}

tk_db *tk_account_store_db(tk_account_store *s)
{
    return s->db;
}

const char *tk_account_store_data_dir(const tk_account_store *s)
{
    return s->data_dir;
}

const char *tk_account_store_path(const tk_account_store *s)
{
    return s->path;
}

uint64_t tk_account_store_verifications(const tk_account_store *s)
{
    return s->verifications;
}

/* ---- names, roles, passwords -------------------------------------------- */

int tk_account_check_name(const char *name, tk_error *err)
{
    const size_t n = strlen(name);
    int ok = n >= 1 && n <= TK_ACCOUNT_NAME_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        const char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    }
    if (!ok)
        return tk_error_set(err, TK_EINVAL,
                            "invalid account name \"%.80s\": use 1-64 lower-case letters, digits, "
                            "'.', '_' or '-'",
                            name);
    return TK_OK;
}

static const char *const roles[] = {"uploader", "analyst", "reporter", "admin"};

int tk_account_role_valid(const char *role)
{
    for (size_t i = 0; role && i < sizeof roles / sizeof roles[0]; i++)
        if (strcmp(role, roles[i]) == 0)
            return 1;
    return 0;
}

int tk_account_role_covers(const char *holder, const char *role)
{
    if (!tk_account_role_valid(holder) || !tk_account_role_valid(role))
        return 0;
    if (strcmp(holder, "admin") == 0 || strcmp(holder, role) == 0)
        return 1;
    return strcmp(holder, "analyst") == 0 && strcmp(role, "admin") != 0;
}

static int bad_role(const char *role, tk_error *err)
{
    return tk_error_set(err, TK_EINVAL,
                        "unknown role '%.40s' (roles: uploader, analyst, reporter, admin)", role);
}

int tk_account_check_password(const char *name, const char *p, size_t len, tk_error *err)
{
    size_t chars = 0;
    if (len > TK_ACCOUNT_PASSWORD_MAX)
        return tk_error_set(err, TK_EINVAL, "the password is longer than %d bytes",
                            TK_ACCOUNT_PASSWORD_MAX);
    for (size_t i = 0; i < len; chars++) {
        const unsigned char c = (unsigned char)p[i];
        size_t k = c < 0x80                 ? 1
                   : c >= 0xC2 && c <= 0xDF ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        if (k == 0 || i + k > len)
            return tk_error_set(err, TK_EINVAL, "the password is not valid UTF-8");
        for (size_t j = 1; j < k; j++)
            if (((unsigned char)p[i + j] & 0xC0) != 0x80)
                return tk_error_set(err, TK_EINVAL, "the password is not valid UTF-8");
        if (c < 0x20 || c == 0x7F)
            return tk_error_set(err, TK_EINVAL, "the password holds a control character");
        i += k;
    }
    if (chars < TK_ACCOUNT_PASSWORD_MIN)
        return tk_error_set(err, TK_EINVAL,
                            "the password is too short: %zu characters, at least %d needed", chars,
                            TK_ACCOUNT_PASSWORD_MIN);
    const size_t nl = strlen(name);
    int same = nl == len;
    for (size_t i = 0; same && i < len; i++) {
        const char a = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] - 'A' + 'a') : p[i];
        same = a == name[i];
    }
    if (same)
        return tk_error_set(err, TK_EINVAL, "the password must not be the account name");
    return TK_OK;
}

/* Encodes password p[0..len) with Argon2id at the store's cost into out. */
static int hash_password(tk_account_store *s, const char *p, size_t len, char out[ENCODED_MAX],
                         tk_error *err)
{
    uint8_t salt[SALT_BYTES];
    int rc = tk_crypto_random_key(salt, sizeof salt, err);
    if (rc != TK_OK)
        return rc;
    const size_t need = argon2_encodedlen(s->o.argon2_t, s->o.argon2_m_kib, s->o.argon2_p,
                                          SALT_BYTES, HASH_BYTES, Argon2_id);
    if (need > ENCODED_MAX)
        return tk_error_set(err, TK_EINTERNAL, "argon2 encoding of %zu bytes does not fit", need);
    const int a = argon2id_hash_encoded(s->o.argon2_t, s->o.argon2_m_kib, s->o.argon2_p, p, len,
                                        salt, sizeof salt, HASH_BYTES, out, ENCODED_MAX);
    if (a == ARGON2_MEMORY_ALLOCATION_ERROR)
        return tk_error_set(err, TK_ENOMEM, "out of memory hashing the password (argon2id, %u KiB)",
                            s->o.argon2_m_kib);
    if (a != ARGON2_OK)
        return tk_error_set(err, TK_ECRYPTO, "argon2id: %s", argon2_error_message(a));
    return TK_OK;
}

/* 1 if p[0..len) matches encoded (NULL: the dummy hash, which never
 * matches, verified at the store's cost so that it takes as long). */
static int verify_password(tk_account_store *s, const char *encoded, const char *p, size_t len)
{
    char dummy[ENCODED_MAX];
    const int real = encoded != NULL;
    if (!real) {
        /* salt "somesaltsomesalt"; a hash of zero bytes no password has */
        snprintf(dummy, sizeof dummy,
                 "$argon2id$v=19$m=%u,t=%u,p=%u$c29tZXNhbHRzb21lc2FsdA$"
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                 s->o.argon2_m_kib, s->o.argon2_t, s->o.argon2_p);
        encoded = dummy;
    }
    s->verifications++;
    return argon2id_verify(encoded, p, len) == ARGON2_OK && real;
}

/* ---- reading accounts and checking the actor ------------------------------ */

/* Reads account name into *out (and its password encoding into pw when
 * not NULL). Returns 1 found, 0 not found, or a negative error. */
static int read_account(tk_account_store *s, const char *name, int64_t now, tk_account_info *out,
                        char pw[ENCODED_MAX], tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prep(s->db, &st,
                  "SELECT a.name, a.role, a.tenant, a.disabled, a.created_ms, a.updated_ms, "
                  "a.created_by, a.password, coalesce(f.failures, 0), "
                  "coalesce(f.locked_until_ms, 0) FROM accounts a "
                  "LEFT JOIN login_failures f ON f.name = a.name WHERE a.name = ?",
                  "S", err, name);
    if (rc != TK_OK)
        return rc;
    rc = tk_db_step(s->db, st, err);
    if (rc == 1) {
        memset(out, 0, sizeof *out);
        copy(out->name, sizeof out->name, col(st, 0));
        copy(out->role, sizeof out->role, col(st, 1));
        copy(out->tenant, sizeof out->tenant, col(st, 2));
        out->disabled = sqlite3_column_int(st, 3) != 0;
        out->created_ms = sqlite3_column_int64(st, 4);
        out->updated_ms = sqlite3_column_int64(st, 5);
        copy(out->created_by, sizeof out->created_by, col(st, 6));
        if (pw != NULL)
            copy(pw, ENCODED_MAX, col(st, 7));
        out->failures = (unsigned)sqlite3_column_int(st, 8);
        const int64_t until = sqlite3_column_int64(st, 9);
        out->locked_until_ms = until > now ? until : 0;
    }
    sqlite3_finalize(st);
    return rc;
}

static int no_account(tk_account_store *s, const char *name, tk_error *err)
{
    return tk_error_set(err, TK_ENOTFOUND, "account %s does not exist in %s", name, s->data_dir);
}

/* Checks name and reads its account into *out (untouched unless found),
 * as read_account() with `now`. Returns TK_OK, the name's error,
 * TK_ENOTFOUND or TK_EDB. */
static int existing_account(tk_account_store *s, const char *name, int64_t now,
                            tk_account_info *out, tk_error *err)
{
    int rc = tk_account_check_name(name, err);
    if (rc != TK_OK)
        return rc;
    rc = read_account(s, name, now, out, NULL, err);
    if (rc == 0)
        return no_account(s, name, err);
    return rc == 1 ? TK_OK : rc;
}

/* The tenant the actor's rights are limited to ("" the whole data
 * directory): its account's tenant if the actor is an account, else ""
 * (a local actor such as the CLI). */
static int actor_scope(tk_account_store *s, const tk_actor *a, char scope[TK_TENANT_NAME_MAX + 1],
                       tk_error *err)
{
    sqlite3_stmt *st = NULL;
    scope[0] = '\0';
    int rc = prep(s->db, &st, "SELECT tenant FROM accounts WHERE name = ?", "S", err, a->name);
    if (rc != TK_OK)
        return rc;
    rc = tk_db_step(s->db, st, err);
    if (rc == 1)
        copy(scope, TK_TENANT_NAME_MAX + 1, col(st, 0));
    sqlite3_finalize(st);
    return rc < 0 ? rc : TK_OK;
}

/* TK_OK if actor may manage what belongs to tenant ("" global), or is
 * `self` acting on itself when self_ok; else TK_EREJECTED saying why. */
static int may_manage(tk_account_store *s, const tk_actor *a, const char *tenant, const char *self,
                      const char *what, tk_error *err)
{
    if (self != NULL && strcmp(a->name, self) == 0)
        return TK_OK;
    if (a->role == NULL || strcmp(a->role, "admin") != 0)
        return tk_error_set(err, TK_EREJECTED, "%s (%s) may not %s: only an admin may", a->name,
                            a->role ? a->role : "no role", what);
    char scope[TK_TENANT_NAME_MAX + 1];
    const int rc = actor_scope(s, a, scope, err);
    if (rc != TK_OK)
        return rc;
    if (scope[0] != '\0' && strcmp(scope, tenant ? tenant : "") != 0)
        return tk_error_set(err, TK_EREJECTED, "%s is an admin of tenant %s only and may not %s",
                            a->name, scope, what);
    return TK_OK;
}

static int is_refusal(int rc)
{
    return rc == TK_EINVAL || rc == TK_ENOTFOUND || rc == TK_EEXISTS || rc == TK_EREJECTED;
}

/* Ends an operation begun with tk_db_begin (or not begun: a read, or a
 * refusal found before): on success writes its audit record and commits; on a
 * refusal rolls back and records the refusal with its message. Returns
 * rc, or the audit's or commit's failure. */
static int finish(tk_account_store *s, const tk_actor *a, const char *tenant, const char *action,
                  const char *target, const char *detail, int rc, tk_error *err)
{
    if (rc == TK_OK) {
        rc = tk_audit_record(s->db, a, or_null(tenant), action, target, TK_AUDIT_OK, detail, err);
        if (rc == TK_OK && !sqlite3_get_autocommit(tk_db_handle(s->db)))
            rc = tk_db_commit(s->db, err);
        tk_db_rollback(s->db);
        return rc;
    }
    tk_db_rollback(s->db);
    if (is_refusal(rc)) {
        tk_error aerr;
        if (tk_audit_record(s->db, a, or_null(tenant), action, target, TK_AUDIT_REFUSED, err->msg,
                            &aerr) != TK_OK)
            return tk_error_set(err, aerr.code, "%s (and the refusal was not audited: %s)",
                                err->msg, aerr.msg);
    }
    return rc;
}

/* ---- account management --------------------------------------------------- */

/* Checks that tenant exists under the data directory by opening it. */
static int tenant_exists(tk_account_store *s, const char *tenant, tk_error *err)
{
    tk_tenant *t = NULL;
    const int rc = tk_tenant_open(&t, s->data_dir, tenant, TK_TENANT_READONLY, err);
    tk_tenant_close(t);
    return rc;
}

int tk_account_add(tk_account_store *s, const tk_actor *actor, const char *name, const char *role,
                   const char *tenant, const char *p, size_t len, tk_error *err)
{
    tk_error local;
    char enc[ENCODED_MAX] = "";
    char detail[160];
    int rc;

    if (err == NULL)
        err = &local;
    tenant = tenant ? tenant : "";
    rc = tk_account_check_name(name, err);
    if (rc == TK_OK && !tk_account_role_valid(role))
        rc = bad_role(role, err);
    if (rc == TK_OK && tenant[0] == '\0' && strcmp(role, "admin") != 0)
        rc = tk_error_set(err, TK_EINVAL,
                          "%s account %s needs a tenant: only an admin may be global", role, name);
    if (rc == TK_OK && tenant[0] != '\0')
        rc = tk_tenant_check_name(tenant, err);
    if (rc == TK_OK)
        rc = may_manage(s, actor, tenant, NULL, "add accounts", err);
    if (rc == TK_OK && tenant[0] != '\0')
        rc = tenant_exists(s, tenant, err);
    if (rc == TK_OK)
        rc = tk_account_check_password(name, p, len, err);
    if (rc == TK_OK)
        rc = hash_password(s, p, len, enc, err);
    if (rc == TK_OK)
        rc = tk_db_begin(s->db, err);
    if (rc == TK_OK) {
        tk_account_info old;
        rc = read_account(s, name, 0, &old, NULL, err);
        if (rc == 1)
            rc =
                tk_error_set(err, TK_EEXISTS, "account %s already exists in %s", name, s->data_dir);
    }
    const int64_t now = tk_actor_now(actor);
    if (rc == TK_OK)
        rc = run(s->db,
                 "INSERT INTO accounts(name, role, tenant, password, created_ms, updated_ms, "
                 "created_by) VALUES(?, ?, ?, ?, ?, ?, ?)",
                 "SssSiiS", err, name, role, tenant, enc, now, now, actor->name);
    tk_crypto_wipe(enc, sizeof enc);
    snprintf(detail, sizeof detail, "role %s, %s%s", role, tenant[0] ? "tenant " : "global",
             tenant);
    return finish(s, actor, tenant, "account.add", name, detail, rc, err);
}

int tk_account_passwd(tk_account_store *s, const tk_actor *actor, const char *name, const char *p,
                      size_t len, tk_error *err)
{
    tk_error local;
    tk_account_info a;
    char enc[ENCODED_MAX] = "";
    int rc;

    if (err == NULL)
        err = &local;
    a.tenant[0] = '\0';
    rc = existing_account(s, name, 0, &a, err);
    if (rc == TK_OK)
        rc = may_manage(s, actor, a.tenant, name, "set other accounts' passwords", err);
    if (rc == TK_OK)
        rc = tk_account_check_password(name, p, len, err);
    if (rc == TK_OK)
        rc = hash_password(s, p, len, enc, err);
    if (rc == TK_OK)
        rc = tk_db_begin(s->db, err);
    if (rc == TK_OK)
        rc = run(s->db, "UPDATE accounts SET password = ?, updated_ms = ? WHERE name = ?", "SiS",
                 err, enc, tk_actor_now(actor), name);
    if (rc == TK_OK)
        rc = run(s->db, "DELETE FROM sessions WHERE account = ?", "S", err, name);
    if (rc == TK_OK)
        rc = run(s->db, "DELETE FROM login_failures WHERE name = ?", "S", err, name);
    tk_crypto_wipe(enc, sizeof enc);
    return finish(s, actor, a.tenant, "account.passwd", name, "password set, sessions ended", rc,
                  err);
}

static int set_disabled(tk_account_store *s, const tk_actor *actor, const char *name, int off,
                        tk_error *err)
{
    tk_error local;
    tk_account_info a;
    int rc;

    if (err == NULL)
        err = &local;
    a.tenant[0] = '\0';
    rc = existing_account(s, name, 0, &a, err);
    if (rc == TK_OK)
        rc =
            may_manage(s, actor, a.tenant, NULL, off ? "disable accounts" : "enable accounts", err);
    if (rc == TK_OK && off && strcmp(actor->name, name) == 0)
        rc = tk_error_set(err, TK_EREJECTED, "%s may not disable itself", name);
    if (rc == TK_OK)
        rc = tk_db_begin(s->db, err);
    if (rc == TK_OK)
        rc = run(s->db, "UPDATE accounts SET disabled = ?, updated_ms = ? WHERE name = ?", "iiS",
                 err, (int64_t)off, tk_actor_now(actor), name);
    if (rc == TK_OK && off)
        rc = run(s->db, "DELETE FROM sessions WHERE account = ?", "S", err, name);
    if (rc == TK_OK && !off)
        rc = run(s->db, "DELETE FROM login_failures WHERE name = ?", "S", err, name);
    return finish(s, actor, a.tenant, off ? "account.disable" : "account.enable", name,
                  off ? (a.disabled ? "was already disabled" : "sessions ended")
                      : (a.disabled ? "lockout cleared" : "was not disabled"),
                  rc, err);
}

int tk_account_disable(tk_account_store *s, const tk_actor *actor, const char *name, tk_error *err)
{
    return set_disabled(s, actor, name, 1, err);
}

int tk_account_enable(tk_account_store *s, const tk_actor *actor, const char *name, tk_error *err)
{
    return set_disabled(s, actor, name, 0, err);
}

int tk_account_get(tk_account_store *s, const tk_actor *actor, const char *name,
                   tk_account_info *out, tk_error *err)
{
    tk_error local;
    int rc;

    if (err == NULL)
        err = &local;
    memset(out, 0, sizeof *out);
    rc = existing_account(s, name, tk_actor_now(actor), out, err);
    if (rc == TK_OK)
        rc = may_manage(s, actor, out->tenant, name, "read other accounts", err);
    const char *tenant = rc == TK_OK ? out->tenant : NULL;
    rc = finish(s, actor, tenant, "account.get", name, NULL, rc, err);
    if (rc != TK_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

/* Checks that actor may list, sets scope (TK_TENANT_NAME_MAX + 1 bytes:
 * the tenant the listing is limited to, "" for every tenant) and prepares
 * the listing's statement into *st. Returns TK_OK, TK_EREJECTED or
 * TK_EDB. */
typedef int (*query_fn)(tk_account_store *s, const tk_actor *actor, char *scope, sqlite3_stmt **st,
                        tk_error *err);

/* Reads the current row of st into slot, one element of the array a
 * listing builds: 1 kept, 0 skipped (the row is gone), or a negative
 * TK_E* code. */
typedef int (*row_fn)(tk_account_store *s, const tk_actor *actor, sqlite3_stmt *st, void *slot,
                      tk_error *err);

/* A listing: prepares its statement with query, steps it to its end,
 * reading each row with fn into a growing array of elements of `size`
 * bytes, records the listing in the audit log as `action` with the
 * detail "N noun(s)" (finish(), refusals too), and hands the array out in
 * *out (owned: tk_free(); NULL when empty or on failure) and *n. Returns
 * TK_OK or what failed (query, fn, the database, TK_ENOMEM, the audit
 * log). */
static int list_rows(tk_account_store *s, const tk_actor *actor, const char *action,
                     const char *noun, query_fn query, row_fn fn, size_t size, void **out,
                     size_t *n, tk_error *err)
{
    tk_error local;
    sqlite3_stmt *st = NULL;
    char scope[TK_TENANT_NAME_MAX + 1] = "";
    unsigned char *v = NULL;
    size_t count = 0, cap = 0;
    char detail[64];
    int rc;

    if (err == NULL)
        err = &local;
    *out = NULL;
    *n = 0;
    rc = query(s, actor, scope, &st, err);
    while (rc == TK_OK && (rc = tk_db_step(s->db, st, err)) == 1) {
        if (count == cap) {
            const size_t ncap = cap ? cap * 2 : 16;
            unsigned char *g = tk_realloc(v, ncap * size);
            if (g == NULL) {
                rc = oom(err);
                break;
            }
            v = g;
            cap = ncap;
        }
        rc = fn(s, actor, st, v + count * size, err);
        if (rc == 1)
            count++;
        if (rc >= 0)
            rc = TK_OK;
    }
    if (rc == 0)
        rc = TK_OK;
    sqlite3_finalize(st);
    snprintf(detail, sizeof detail, "%zu %s%s", count, noun, count == 1 ? "" : "s");
    rc = finish(s, actor, scope, action, NULL, rc == TK_OK ? detail : NULL, rc, err);
    if (rc == TK_OK && count > 0) {
        *out = v;
        *n = count;
        v = NULL;
    }
    tk_free(v);
    return rc;
}

static int account_row(tk_account_store *s, const tk_actor *actor, sqlite3_stmt *st, void *slot,
                       tk_error *err)
{
    return read_account(s, col(st, 0), tk_actor_now(actor), slot, NULL, err);
}

static int accounts_query(tk_account_store *s, const tk_actor *actor, char *scope,
                          sqlite3_stmt **st, tk_error *err)
{
    int rc;
    /* an admin of one tenant lists that tenant's accounts */
    if (actor->role == NULL || strcmp(actor->role, "admin") != 0)
        rc = tk_error_set(err, TK_EREJECTED, "%s (%s) may not list accounts: only an admin may",
                          actor->name, actor->role ? actor->role : "no role");
    else
        rc = actor_scope(s, actor, scope, err);
    if (rc == TK_OK)
        rc =
            prep(s->db, st, "SELECT name FROM accounts WHERE ? IS NULL OR tenant = ? ORDER BY name",
                 "ss", err, scope, scope);
    return rc;
}

int tk_account_list(tk_account_store *s, const tk_actor *actor, tk_account_info **out, size_t *n,
                    tk_error *err)
{
    void *v = NULL;
    const int rc = list_rows(s, actor, "account.list", "account", accounts_query, account_row,
                             sizeof **out, &v, n, err);
    *out = v;
    return rc;
}

/* ---- login and sessions --------------------------------------------------- */

static void sha(const char *p, size_t len, uint8_t out[TK_CRYPTO_SHA256_SIZE])
{
    if (tk_crypto_sha256_once(p, len, out, NULL) != TK_OK)
        memset(out, 0, TK_CRYPTO_SHA256_SIZE);
}

/* Counts a failed login of name at now (inside the caller's transaction;
 * the increment is done by SQLite, so concurrent attempts each count) and
 * sets *locked_until to the lock it earns (0: none yet). */
static int count_failure(tk_account_store *s, const char *name, int64_t now, int64_t *locked_until,
                         tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t failures = 0;
    *locked_until = 0;
    int rc = run(s->db, "DELETE FROM login_failures WHERE last_ms < ? AND locked_until_ms < ?",
                 "ii", err, now - FORGET_MS, now);
    if (rc == TK_OK)
        rc = run(s->db,
                 "INSERT INTO login_failures(name, failures, last_ms, locked_until_ms) "
                 "VALUES(?1, 1, ?2, 0) ON CONFLICT(name) DO UPDATE SET "
                 "failures = failures + 1, last_ms = ?2",
                 "Si", err, name, now);
    if (rc == TK_OK)
        rc = prep(s->db, &st, "SELECT failures FROM login_failures WHERE name = ?", "S", err, name);
    if (rc == TK_OK) {
        rc = tk_db_step(s->db, st, err);
        if (rc == 1)
            failures = sqlite3_column_int64(st, 0);
        rc = rc < 0 ? rc : TK_OK;
    }
    sqlite3_finalize(st);
    if (rc != TK_OK || failures < (int64_t)s->o.lockout_after)
        return rc;
    int64_t lock = s->o.lockout_first_ms;
    for (int64_t k = (int64_t)s->o.lockout_after; k < failures && lock < s->o.lockout_max_ms; k++)
        lock *= 2;
    if (lock > s->o.lockout_max_ms)
        lock = s->o.lockout_max_ms;
    *locked_until = now + lock;
    return run(s->db, "UPDATE login_failures SET locked_until_ms = ? WHERE name = ?", "iS", err,
               *locked_until, name);
}

/* Audits a refused login, commits the caller's transaction if one is
 * open (it holds the failure count), and sets the caller's error. */
static int refuse_login(tk_account_store *s, const tk_actor *a, const char *tenant,
                        const char *target, const char *detail, tk_account_auth *out,
                        tk_account_refusal why, tk_error *err, const char *fmt, const char *arg)
{
    tk_error aerr;
    out->refusal = why;
    int rc = tk_audit_record(s->db, a, or_null(tenant), "login", target, TK_AUDIT_REFUSED, detail,
                             &aerr);
    if (rc == TK_OK && !sqlite3_get_autocommit(tk_db_handle(s->db)))
        rc = tk_db_commit(s->db, &aerr);
    tk_db_rollback(s->db);
    if (rc != TK_OK)
        return tk_error_set(err, aerr.code, "%s", aerr.msg);
    return tk_error_set(err, TK_EREJECTED, fmt, arg);
}

int tk_account_login(tk_account_store *s, const char *name, const char *p, size_t len,
                     const char *address, const tk_actor *actor, tk_account_auth *out,
                     tk_error *err)
{
    tk_error local;
    tk_account_info a;
    char enc[ENCODED_MAX] = "";
    char when[9] = "", detail[160];
    uint8_t h[TK_CRYPTO_SHA256_SIZE];
    int rc, found = 0;

    if (err == NULL)
        err = &local;
    memset(out, 0, sizeof *out);
    memset(&a, 0, sizeof a);
    const tk_actor who = {actor->name, actor->role, address ? address : actor->address,
                          actor->clock};
    const int64_t now = tk_actor_now(actor);
    /* A name that cannot be an account is neither looked up nor counted
     * (there is no account to protect), but still costs a verification. */
    const int valid = tk_account_check_name(name, NULL) == TK_OK;
    const char *target = valid ? name : "(invalid name)";
    if (valid) {
        sqlite3_stmt *st = NULL;
        int64_t until = 0;
        rc = prep(s->db, &st, "SELECT locked_until_ms FROM login_failures WHERE name = ?", "S", err,
                  name);
        if (rc == TK_OK && (rc = tk_db_step(s->db, st, err)) == 1)
            until = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (rc < 0)
            return rc;
        if (until > now) {
            hms(until, when);
            out->locked_until_ms = until;
            snprintf(detail, sizeof detail, "locked until %s", when);
            return refuse_login(s, &who, NULL, target, detail, out, TK_ACCOUNT_LOCKED, err,
                                "too many failed logins: locked until %s", when);
        }
        rc = read_account(s, name, now, &a, enc, err);
        if (rc < 0)
            return rc;
        found = rc == 1;
    }
    /* Argon2 runs outside any transaction: a second of hashing must not
     * hold the database's write lock. */
    const int ok = verify_password(s, found ? enc : NULL, p, len) && found;
    tk_crypto_wipe(enc, sizeof enc);
    rc = tk_db_begin(s->db, err);
    if (rc != TK_OK)
        return rc;
    if (!ok) {
        int64_t until = 0;
        if (valid) {
            rc = count_failure(s, name, now, &until, err);
            if (rc != TK_OK)
                goto fail;
        }
        if (until > 0)
            hms(until, when);
        out->locked_until_ms = until;
        snprintf(detail, sizeof detail, "%s%s%s", found ? "wrong password" : "unknown account",
                 until > 0 ? "; locked until " : "", when);
        return refuse_login(s, &who, found ? a.tenant : NULL, target, detail, out, TK_ACCOUNT_WRONG,
                            err, "%s", "wrong name or password");
    }
    if (a.disabled)
        return refuse_login(s, &who, a.tenant, target, "account disabled", out, TK_ACCOUNT_DISABLED,
                            err, "account %s is disabled", name);
    rc = run(s->db, "DELETE FROM login_failures WHERE name = ?", "S", err, name);
    if (rc == TK_OK)
        rc = new_secret(out->session, err);
    if (rc == TK_OK)
        rc = new_secret(out->csrf, err);
    if (rc != TK_OK)
        goto fail;
    sha(out->session, strlen(out->session), h);
    rc = run(s->db,
             "INSERT INTO sessions(id_hash, account, csrf, created_ms, last_seen_ms, address) "
             "VALUES(?, ?, ?, ?, ?, ?)",
             "hSSiis", err, h, name, out->csrf, now, now, who.address);
    if (rc == TK_OK)
        rc = tk_audit_record(s->db, &who, or_null(a.tenant), "login", name, TK_AUDIT_OK,
                             "session started", err);
    if (rc == TK_OK)
        rc = tk_db_commit(s->db, err);
    if (rc != TK_OK)
        goto fail;
    copy(out->account, sizeof out->account, a.name);
    copy(out->tenant, sizeof out->tenant, a.tenant);
    copy(out->role, sizeof out->role, a.role);
    out->expires_ms = now + s->o.session_absolute_ms;
    return TK_OK;
fail:
    tk_db_rollback(s->db);
    memset(out, 0, sizeof *out);
    return rc;
}

static int refuse(tk_account_auth *out, tk_account_refusal why, tk_error *err, const char *fmt,
                  const char *a, const char *b)
{
    memset(out, 0, sizeof *out);
    out->refusal = why;
    return tk_error_set(err, TK_EREJECTED, fmt, a, b);
}

int tk_account_session_check(tk_account_store *s, const char *p, size_t len, const tk_actor *actor,
                             tk_account_auth *out, tk_error *err)
{
    uint8_t h[TK_CRYPTO_SHA256_SIZE];
    sqlite3_stmt *st = NULL;
    char limit[32];
    int rc;

    memset(out, 0, sizeof *out);
    if (len != B64_32 || !is_b64url(p, len))
        return refuse(out, TK_ACCOUNT_UNKNOWN, err, "%s%s", "unknown or ended session", "");
    sha(p, len, h);
    const int64_t now = tk_actor_now(actor);
    rc = tk_db_begin(s->db, err);
    if (rc != TK_OK)
        return rc;
    rc = prep(s->db, &st,
              "SELECT s.account, s.csrf, s.created_ms, s.last_seen_ms, a.role, a.tenant, "
              "a.disabled FROM sessions s JOIN accounts a ON a.name = s.account "
              "WHERE s.id_hash = ?",
              "h", err, h);
    if (rc == TK_OK)
        rc = tk_db_step(s->db, st, err);
    if (rc == 1) {
        copy(out->account, sizeof out->account, col(st, 0));
        copy(out->csrf, sizeof out->csrf, col(st, 1));
        const int64_t created = sqlite3_column_int64(st, 2);
        const int64_t seen = sqlite3_column_int64(st, 3);
        copy(out->role, sizeof out->role, col(st, 4));
        copy(out->tenant, sizeof out->tenant, col(st, 5));
        const int disabled = sqlite3_column_int(st, 6) != 0;
        out->expires_ms = created + s->o.session_absolute_ms;
        if (now >= created + s->o.session_absolute_ms)
            out->refusal = TK_ACCOUNT_ABSOLUTE;
        else if (now >= seen + s->o.session_idle_ms)
            out->refusal = TK_ACCOUNT_IDLE;
        else if (disabled)
            out->refusal = TK_ACCOUNT_DISABLED;
        rc = TK_OK;
    } else if (rc == 0) {
        out->refusal = TK_ACCOUNT_UNKNOWN;
    }
    sqlite3_finalize(st);
    if (rc < 0)
        goto fail;
    if (out->refusal == TK_ACCOUNT_UNKNOWN) {
        tk_db_rollback(s->db);
        return refuse(out, TK_ACCOUNT_UNKNOWN, err, "%s%s", "unknown or ended session", "");
    }
    if (out->refusal != TK_ACCOUNT_ACCEPTED) {
        const tk_account_refusal why = out->refusal;
        char account[TK_ACCOUNT_NAME_MAX + 1];
        copy(account, sizeof account, out->account);
        rc = run(s->db, "DELETE FROM sessions WHERE id_hash = ?", "h", err, h);
        if (rc == TK_OK)
            rc = tk_db_commit(s->db, err);
        if (rc != TK_OK)
            goto fail;
        if (why == TK_ACCOUNT_ABSOLUTE) {
            duration(s->o.session_absolute_ms, limit, sizeof limit);
            return refuse(out, why, err, "session expired: older than %s (absolute timeout)%s",
                          limit, "; log in again");
        }
        if (why == TK_ACCOUNT_IDLE) {
            duration(s->o.session_idle_ms, limit, sizeof limit);
            return refuse(out, why, err, "session expired: unused for %s (idle timeout)%s", limit,
                          "; log in again");
        }
        return refuse(out, why, err, "account %s is disabled%s", account, "");
    }
    rc = run(s->db, "UPDATE sessions SET last_seen_ms = ? WHERE id_hash = ?", "ih", err, now, h);
    if (rc == TK_OK)
        rc = tk_db_commit(s->db, err);
    if (rc == TK_OK)
        return TK_OK;
fail:
    tk_db_rollback(s->db);
    memset(out, 0, sizeof *out);
    return rc;
}

int tk_account_session_end(tk_account_store *s, const char *p, size_t len, const tk_actor *actor,
                           tk_error *err)
{
    uint8_t h[TK_CRYPTO_SHA256_SIZE];
    sqlite3_stmt *st = NULL;
    char account[TK_ACCOUNT_NAME_MAX + 1] = "", tenant[TK_TENANT_NAME_MAX + 1] = "";
    tk_error local;
    int rc;

    if (err == NULL)
        err = &local;
    sha(p, len, h);
    rc = tk_db_begin(s->db, err);
    if (rc == TK_OK)
        rc = prep(s->db, &st,
                  "SELECT s.account, a.tenant FROM sessions s JOIN accounts a "
                  "ON a.name = s.account WHERE s.id_hash = ?",
                  "h", err, h);
    if (rc == TK_OK) {
        rc = tk_db_step(s->db, st, err);
        if (rc == 1) {
            copy(account, sizeof account, col(st, 0));
            copy(tenant, sizeof tenant, col(st, 1));
            rc = TK_OK;
        } else if (rc == 0) {
            rc = tk_error_set(err, TK_ENOTFOUND, "no such session");
        }
    }
    sqlite3_finalize(st);
    if (rc == TK_OK)
        rc = run(s->db, "DELETE FROM sessions WHERE id_hash = ?", "h", err, h);
    return finish(s, actor, tenant, "logout", account[0] ? account : NULL, "session ended", rc,
                  err);
}

/* ---- API tokens ----------------------------------------------------------- */

static void read_token(sqlite3_stmt *st, tk_account_token_info *t)
{
    memset(t, 0, sizeof *t);
    copy(t->id, sizeof t->id, col(st, 0));
    copy(t->account, sizeof t->account, col(st, 1));
    copy(t->tenant, sizeof t->tenant, col(st, 2));
    copy(t->role, sizeof t->role, col(st, 3));
    t->created_ms = sqlite3_column_int64(st, 4);
    t->expires_ms = sqlite3_column_int64(st, 5);
    t->last_used_ms = sqlite3_column_int64(st, 6);
    t->revoked_ms = sqlite3_column_int64(st, 7);
    copy(t->created_by, sizeof t->created_by, col(st, 8));
}

#define TOKEN_COLUMNS                                                                              \
    "t.id, t.account, t.tenant, t.role, t.created_ms, t.expires_ms, t.last_used_ms, "              \
    "t.revoked_ms, t.created_by"

int tk_account_token_create(tk_account_store *s, const tk_actor *actor, const char *account,
                            const char *tenant, const char *role, int days,
                            char secret[TK_ACCOUNT_SECRET_SIZE], tk_account_token_info *info,
                            tk_error *err)
{
    tk_error local;
    tk_account_info a;
    tk_account_token_info t;
    uint8_t idb[ID_BYTES], h[TK_CRYPTO_SHA256_SIZE];
    char rnd[B64_32 + 1], detail[200];
    int rc;

    if (err == NULL)
        err = &local;
    secret[0] = '\0';
    memset(&t, 0, sizeof t);
    memset(&a, 0, sizeof a);
    rc = tk_account_check_name(account, err);
    if (rc == TK_OK) {
        rc = read_account(s, account, 0, &a, NULL, err);
        if (rc == 0)
            rc = no_account(s, account, err);
        else if (rc == 1)
            rc = TK_OK;
    }
    if (rc == TK_OK)
        rc = may_manage(s, actor, a.tenant, account, "create tokens for other accounts", err);
    if (rc == TK_OK && a.disabled)
        rc = tk_error_set(err, TK_EREJECTED, "account %s is disabled", account);
    if (rc == TK_OK && role != NULL && !tk_account_role_valid(role))
        rc = bad_role(role, err);
    if (rc == TK_OK && role != NULL && !tk_account_role_covers(a.role, role))
        rc = tk_error_set(err, TK_EINVAL,
                          "account %s (role %s) cannot hand out a token with role %s", account,
                          a.role, role);
    if (rc == TK_OK && tenant != NULL && tenant[0] != '\0') {
        if (a.tenant[0] != '\0' && strcmp(a.tenant, tenant) != 0)
            rc = tk_error_set(err, TK_EINVAL,
                              "account %s belongs to tenant %s: its tokens cannot reach tenant "
                              "%.80s",
                              account, a.tenant, tenant);
        else if (a.tenant[0] == '\0')
            rc = tenant_exists(s, tenant, err);
    }
    if (rc == TK_OK && (days < 1 || days > TK_ACCOUNT_TOKEN_DAYS_MAX))
        rc = tk_error_set(err, TK_EINVAL, "a token lives 1 to %d days, not %d",
                          TK_ACCOUNT_TOKEN_DAYS_MAX, days);
    if (rc != TK_OK)
        return finish(s, actor, a.tenant, "token.create", account, NULL, rc, err);

    const int64_t now = tk_actor_now(actor);
    copy(t.account, sizeof t.account, account);
    copy(t.tenant, sizeof t.tenant, tenant && tenant[0] ? tenant : a.tenant);
    copy(t.role, sizeof t.role, role ? role : a.role);
    copy(t.created_by, sizeof t.created_by, actor->name);
    t.created_ms = now;
    t.expires_ms = now + (int64_t)days * 86400000;
    rc = tk_crypto_random_nonce(idb, sizeof idb, err);
    if (rc == TK_OK)
        rc = new_secret(rnd, err);
    if (rc != TK_OK)
        return rc;
    tk_crypto_hex(idb, sizeof idb, t.id);
    snprintf(secret, TK_ACCOUNT_SECRET_SIZE, "tkn_%s_%s", t.id, rnd);
    tk_crypto_wipe(rnd, sizeof rnd);
    sha(secret, strlen(secret), h);
    rc = tk_db_begin(s->db, err);
    if (rc == TK_OK)
        rc = run(s->db,
                 "INSERT INTO tokens(id, secret_hash, account, tenant, role, created_ms, "
                 "expires_ms, created_by) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                 "ShSsSiiS", err, t.id, h, account, t.tenant, t.role, now, t.expires_ms,
                 actor->name);
    char until[11];
    ymd(t.expires_ms, until);
    snprintf(detail, sizeof detail, "for %s: role %s, %s%s, %d days (until %s)", account, t.role,
             t.tenant[0] ? "tenant " : "global", t.tenant, days, until);
    rc = finish(s, actor, a.tenant, "token.create", t.id, detail, rc, err);
    if (rc != TK_OK) {
        tk_crypto_wipe(secret, TK_ACCOUNT_SECRET_SIZE);
        return rc;
    }
    if (info != NULL)
        *info = t;
    return TK_OK;
}

int tk_account_token_check(tk_account_store *s, const char *p, size_t len, const tk_actor *actor,
                           tk_account_auth *out, tk_error *err)
{
    uint8_t h[TK_CRYPTO_SHA256_SIZE], stored[TK_CRYPTO_SHA256_SIZE];
    sqlite3_stmt *st = NULL;
    char id[TK_ACCOUNT_TOKEN_ID_SIZE], day[11];
    tk_account_token_info t;
    int rc, disabled = 0, found = 0;

    memset(out, 0, sizeof *out);
    sha(p, len, h);
    const int shaped = len == TOKEN_LEN && memcmp(p, "tkn_", 4) == 0 &&
                       p[4 + 2 * ID_BYTES] == '_' && is_b64url(p + 5 + 2 * ID_BYTES, B64_32);
    int hex = shaped;
    for (size_t i = 0; hex && i < 2 * ID_BYTES; i++)
        hex = (p[4 + i] >= '0' && p[4 + i] <= '9') || (p[4 + i] >= 'a' && p[4 + i] <= 'f');
    if (!hex)
        return refuse(out, TK_ACCOUNT_UNKNOWN, err, "%s%s", "unknown api token", "");
    memcpy(id, p + 4, 2 * ID_BYTES);
    id[2 * ID_BYTES] = '\0';
    const int64_t now = tk_actor_now(actor);
    rc = prep_kept(s->db, &st,
                   "SELECT " TOKEN_COLUMNS ", t.secret_hash, a.disabled FROM tokens t "
                   "JOIN accounts a ON a.name = t.account WHERE t.id = ?",
                   "S", err, id);
    if (rc == TK_OK)
        rc = tk_db_step(s->db, st, err);
    if (rc == 1) {
        read_token(st, &t);
        memset(stored, 0, sizeof stored);
        if (sqlite3_column_bytes(st, 9) == TK_CRYPTO_SHA256_SIZE)
            memcpy(stored, sqlite3_column_blob(st, 9), TK_CRYPTO_SHA256_SIZE);
        disabled = sqlite3_column_int(st, 10) != 0;
        found = 1;
        rc = TK_OK;
    }
    tk_db_release(s->db, st);
    if (rc < 0)
        return rc;
    if (!found || !tk_crypto_equal(h, stored, sizeof h))
        return refuse(out, TK_ACCOUNT_UNKNOWN, err, "%s%s", "unknown api token", "");
    if (t.revoked_ms != 0) {
        ymd(t.revoked_ms, day);
        return refuse(out, TK_ACCOUNT_REVOKED, err, "api token %s was revoked on %s", id, day);
    }
    if (now >= t.expires_ms) {
        ymd(t.expires_ms, day);
        return refuse(out, TK_ACCOUNT_EXPIRED, err, "api token %s expired on %s", id, day);
    }
    if (disabled)
        return refuse(out, TK_ACCOUNT_DISABLED, err, "account %s is disabled%s", t.account, "");
    /* The last use to the minute: a client's every request would otherwise
     * be a write that the service's workers take turns at. */
    if (now - t.last_used_ms >= TOKEN_USE_GRAIN_MS || now < t.last_used_ms) {
        rc = run(s->db, "UPDATE tokens SET last_used_ms = ? WHERE id = ?", "iS", err, now, id);
        if (rc != TK_OK)
            return rc;
    }
    copy(out->account, sizeof out->account, t.account);
    copy(out->tenant, sizeof out->tenant, t.tenant);
    copy(out->role, sizeof out->role, t.role);
    copy(out->token_id, sizeof out->token_id, id);
    out->expires_ms = t.expires_ms;
    return TK_OK;
}

int tk_account_token_revoke(tk_account_store *s, const tk_actor *actor, const char *id,
                            tk_error *err)
{
    tk_error local;
    sqlite3_stmt *st = NULL;
    tk_account_token_info t;
    char owner_tenant[TK_TENANT_NAME_MAX + 1] = "";
    int rc;

    if (err == NULL)
        err = &local;
    memset(&t, 0, sizeof t);
    rc = prep(s->db, &st,
              "SELECT " TOKEN_COLUMNS ", a.tenant FROM tokens t JOIN accounts a "
              "ON a.name = t.account WHERE t.id = ?",
              "S", err, id);
    if (rc == TK_OK) {
        rc = tk_db_step(s->db, st, err);
        if (rc == 1) {
            read_token(st, &t);
            copy(owner_tenant, sizeof owner_tenant, col(st, 9));
            rc = TK_OK;
        } else if (rc == 0) {
            rc = tk_error_set(err, TK_ENOTFOUND, "api token %.40s does not exist in %s", id,
                              s->data_dir);
        }
    }
    sqlite3_finalize(st);
    if (rc == TK_OK)
        rc = may_manage(s, actor, owner_tenant, t.account, "revoke other accounts' tokens", err);
    if (rc == TK_OK && t.revoked_ms != 0) {
        char day[11];
        ymd(t.revoked_ms, day);
        rc = tk_error_set(err, TK_EEXISTS, "api token %s was already revoked on %s", id, day);
    }
    if (rc == TK_OK)
        rc = tk_db_begin(s->db, err);
    if (rc == TK_OK)
        rc = run(s->db, "UPDATE tokens SET revoked_ms = ? WHERE id = ?", "iS", err,
                 tk_actor_now(actor), id);
    char detail[120];
    snprintf(detail, sizeof detail, "token of %s", t.account);
    return finish(s, actor, owner_tenant, "token.revoke", id, detail, rc, err);
}

static int token_row(tk_account_store *s, const tk_actor *actor, sqlite3_stmt *st, void *slot,
                     tk_error *err)
{
    (void)s;
    (void)actor;
    (void)err;
    read_token(st, slot);
    return 1;
}

static int tokens_query(tk_account_store *s, const tk_actor *actor, char *scope, sqlite3_stmt **st,
                        tk_error *err)
{
    const int admin = actor->role != NULL && strcmp(actor->role, "admin") == 0;
    int rc = actor_scope(s, actor, scope, err);
    /* an admin sees its scope's tokens; anyone else only its own */
    if (rc == TK_OK)
        rc = prep(s->db, st,
                  "SELECT " TOKEN_COLUMNS " FROM tokens t JOIN accounts a ON a.name = t.account "
                  "WHERE (?1 = 1 AND (?2 IS NULL OR a.tenant = ?2)) OR (?1 = 0 AND t.account = ?3)"
                  " ORDER BY t.created_ms DESC, t.id",
                  "isS", err, (int64_t)admin, scope, actor->name);
    return rc;
}

int tk_account_token_list(tk_account_store *s, const tk_actor *actor, tk_account_token_info **out,
                          size_t *n, tk_error *err)
{
    void *v = NULL;
    const int rc = list_rows(s, actor, "token.list", "token", tokens_query, token_row, sizeof **out,
                             &v, n, err);
    *out = v;
    return rc;
}
