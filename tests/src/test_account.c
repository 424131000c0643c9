/* tests/src/test_account.c -- accounts, logins, lockout, sessions, tokens.
 *
 * Every test runs on a fixed clock (2024-10-01 09:00:00 JST) that it moves
 * by hand, and most use a cheap Argon2id cost (1 pass, 1 MiB) so that the
 * lockout sequences stay quick; test_default_hash uses the real one. */
#include "src/account.h"
#include "src/alloc.h"
#include "src/audit.h"

#include "tests/test.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0   1727740800000LL /* 2024-10-01 09:00:00 JST */
#define MIN  60000LL
#define HOUR 3600000LL
#define PW   "correct horse battery"

static int64_t now_ms;

static int64_t fixed(void *ctx)
{
    (void)ctx;
    return now_ms;
}

static const tk_clock clock_ = {fixed, NULL};
static const tk_actor root = {"cli:root", "admin", "local", &clock_};
static const tk_actor web = {"anonymous", "", "192.0.2.7", &clock_};

static char data[512];

static void rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* A fresh data directory with tenants city-a and city-b, and a store. */
static tk_account_store *fixture(const tk_account_options *o)
{
    tk_account_options cheap = TK_ACCOUNT_OPTIONS_INIT;
    tk_account_store *s = NULL;
    cheap.argon2_t = 1;
    cheap.argon2_m_kib = 1024;
    now_ms = T0;
    snprintf(data, sizeof data, "%s/account-XXXXXX", tk_test_tmpdir());
    if (mkdtemp(data) == NULL)
        return NULL;
    if (tk_tenant_create(NULL, data, "city-a", NULL) != TK_OK ||
        tk_tenant_create(NULL, data, "city-b", NULL) != TK_OK)
        return NULL;
    if (tk_account_store_open(&s, data, o ? o : &cheap, NULL) != TK_OK)
        return NULL;
    return s;
}

static void done(tk_account_store *s)
{
    tk_account_store_close(s);
    rm_rf(data);
}

static int add(tk_account_store *s, const char *name, const char *role, const char *tenant)
{
    return tk_account_add(s, &root, name, role, tenant, PW, strlen(PW), NULL);
}

static int login(tk_account_store *s, const char *name, const char *pw, tk_account_auth *a,
                 tk_error *err)
{
    return tk_account_login(s, name, pw, strlen(pw), NULL, &web, a, err);
}

static int64_t query(tk_account_store *s, const char *sql)
{
    int64_t v = -1;
    if (tk_db_query_i64(tk_account_store_db(s), sql, &v, NULL) != TK_OK)
        return -1;
    return v;
}

static void test_add_get_list(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    tk_error err;
    TK_CHECK_INT(add(s, "alice", "analyst", "city-a"), TK_OK);
    TK_CHECK_INT(add(s, "root.admin", "admin", NULL), TK_OK);
    now_ms += 5000;
    tk_account_info a;
    TK_CHECK_INT(tk_account_get(s, &root, "alice", &a, &err), TK_OK);
    TK_CHECK_STR(a.name, "alice");
    TK_CHECK_STR(a.role, "analyst");
    TK_CHECK_STR(a.tenant, "city-a");
    TK_CHECK_INT(a.disabled, 0);
    TK_CHECK_INT(a.created_ms, T0);
    TK_CHECK_STR(a.created_by, "cli:root");
    tk_account_info *v = NULL;
    size_t n = 0;
    TK_CHECK_INT(tk_account_list(s, &root, &v, &n, &err), TK_OK);
    TK_REQUIRE(n == 2);
    TK_CHECK_STR(v[0].name, "alice");
    TK_CHECK_STR(v[1].name, "root.admin");
    TK_CHECK_STR(v[1].tenant, "");
    tk_free(v);
    TK_CHECK_INT(tk_account_get(s, &root, "nobody", &a, &err), TK_ENOTFOUND);
    TK_CHECK(strstr(err.msg, "account nobody does not exist in ") != NULL);
    /* add, get and list are all in the audit log */
    TK_CHECK_INT(query(s, "SELECT count(*) FROM audit WHERE action = 'account.add' AND "
                          "outcome = 'ok' AND actor = 'cli:root'"),
                 2);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM audit WHERE action = 'account.get'"), 2);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM audit WHERE action = 'account.list' AND "
                          "detail = '2 accounts'"),
                 1);
    done(s);
}

static void test_add_refusals(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    tk_error err;
    struct {
        const char *name, *role, *tenant, *pw;
        int rc;
        const char *msg;
    } cases[] = {
        {"Alice", "analyst", "city-a", PW, TK_EINVAL, "invalid account name \"Alice\""},
        {"", "analyst", "city-a", PW, TK_EINVAL, "invalid account name"},
        {"a b", "analyst", "city-a", PW, TK_EINVAL, "invalid account name"},
        {"bob", "boss", "city-a", PW, TK_EINVAL, "unknown role 'boss' (roles: uploader, analyst"},
        {"bob", "analyst", NULL, PW, TK_EINVAL,
         "analyst account bob needs a tenant: only an admin may be global"},
        {"bob", "analyst", "nosuch", PW, TK_ENOTFOUND, "tenant nosuch does not exist in "},
        {"bob", "analyst", "city-a", "short pw", TK_EINVAL,
         "the password is too short: 8 characters, at least 12 needed"},
        {"bob", "analyst", "city-a", "パスワードは十一文字です", TK_OK, NULL},
        {"carol.lewis-1", "analyst", "city-a", "CAROL.LEWIS-1", TK_EINVAL,
         "the password must not be the account name"},
        {"dave", "analyst", "city-a", "tab\tinside password", TK_EINVAL, "control character"},
        {"erin", "analyst", "city-a", "\xff\xfe not utf-8 at all", TK_EINVAL, "not valid UTF-8"},
        {"bob", "analyst", "city-a", PW, TK_EEXISTS, "account bob already exists in "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err.msg[0] = '\0';
        const int rc = tk_account_add(s, &root, cases[i].name, cases[i].role, cases[i].tenant,
                                      cases[i].pw, strlen(cases[i].pw), &err);
        if (rc != cases[i].rc || (cases[i].msg && strstr(err.msg, cases[i].msg) == NULL)) {
            fprintf(stderr, "case %zu: rc %d, message \"%s\"\n", i, rc, err.msg);
            TK_CHECK(0);
        }
    }
    /* only bob was stored; every refusal is audited, never with a password */
    TK_CHECK_INT(query(s, "SELECT count(*) FROM accounts"), 1);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM audit WHERE action = 'account.add' AND "
                          "outcome = 'refused'"),
                 11);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM audit WHERE detail LIKE '%short pw%' OR detail "
                          "LIKE '%CAROL%'"),
                 0);
    done(s);
}

static void test_hash_is_argon2id(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "alice", "analyst", "city-a"), TK_OK);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM accounts WHERE password LIKE "
                          "'$argon2id$v=19$m=1024,t=1,p=1$%$%' AND length(password) > 70"),
                 1);
    done(s);
}

static void test_default_hash(void)
{
    const tk_account_options o = TK_ACCOUNT_OPTIONS_INIT;
    TK_CHECK_INT(o.argon2_t, 3);
    TK_CHECK_INT(o.argon2_m_kib, 65536);
    TK_CHECK_INT(o.argon2_p, 1);
    tk_account_store *s = fixture(&o);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "alice", "analyst", "city-a"), TK_OK);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM accounts WHERE password LIKE "
                          "'$argon2id$v=19$m=65536,t=3,p=1$%'"),
                 1);
    tk_account_auth a;
    TK_CHECK_INT(login(s, "alice", PW, &a, NULL), TK_OK);
    done(s);
}

static void test_wrong_password_and_unknown_name(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "alice", "analyst", "city-a"), TK_OK);
    tk_account_auth a;
    tk_error err;
    const uint64_t v0 = tk_account_store_verifications(s);
    TK_CHECK_INT(login(s, "alice", "not the password", &a, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "wrong name or password");
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_WRONG);
    TK_CHECK_STR(a.session, "");
    /* an unknown name: the same answer after the same work */
    TK_CHECK_INT(login(s, "mallory", "not the password", &a, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "wrong name or password");
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_WRONG);
    TK_CHECK_INT(login(s, "No Such/Name", "x", &a, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "wrong name or password");
    TK_CHECK_INT(tk_account_store_verifications(s) - v0, 3);
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_OK);
    TK_CHECK_STR(a.account, "alice");
    TK_CHECK_STR(a.role, "analyst");
    TK_CHECK_STR(a.tenant, "city-a");
    TK_CHECK_INT(a.expires_ms, T0 + 12 * HOUR);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM audit WHERE action = 'login' AND outcome = "
                          "'refused' AND address = '192.0.2.7' AND target = 'mallory' AND detail "
                          "= 'unknown account'"),
                 1);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM audit WHERE action = 'login' AND outcome = 'ok' "
                          "AND tenant = 'city-a'"),
                 1);
    done(s);
}

static void test_lockout_timing(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "alice", "analyst", "city-a"), TK_OK);
    tk_account_auth a;
    tk_error err;
    for (int i = 0; i < 4; i++) {
        now_ms += 1000;
        TK_CHECK_INT(login(s, "alice", "wrong password!", &a, &err), TK_EREJECTED);
        TK_CHECK_INT(a.locked_until_ms, 0);
    }
    now_ms = T0 + 10000; /* the fifth failure: locked for a minute */
    TK_CHECK_INT(login(s, "alice", "wrong password!", &a, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "wrong name or password");
    TK_CHECK_INT(a.locked_until_ms, T0 + 10000 + MIN);
    /* locked: even the right password is not looked at */
    const uint64_t v0 = tk_account_store_verifications(s);
    now_ms = T0 + 10000 + MIN - 1;
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "too many failed logins: locked until 09:01:10");
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_LOCKED);
    TK_CHECK_INT(tk_account_store_verifications(s), v0);
    tk_account_info info;
    TK_CHECK_INT(tk_account_get(s, &root, "alice", &info, NULL), TK_OK);
    TK_CHECK_INT(info.failures, 5);
    TK_CHECK_INT(info.locked_until_ms, T0 + 10000 + MIN);
    /* each further failure doubles the lock: 2, 4, ... up to 60 minutes */
    const int64_t expect[] = {2, 4, 8, 16, 32, 60, 60};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        now_ms = a.locked_until_ms ? a.locked_until_ms : now_ms + 1;
        const int64_t at = now_ms;
        TK_CHECK_INT(login(s, "alice", "wrong password!", &a, &err), TK_EREJECTED);
        TK_CHECK_INT(a.refusal, TK_ACCOUNT_WRONG);
        TK_CHECK_INT(a.locked_until_ms - at, expect[i] * MIN);
    }
    /* once the lock has run out the right password works and clears it */
    now_ms = a.locked_until_ms;
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_OK);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM login_failures"), 0);
    for (int i = 0; i < 4; i++)
        TK_CHECK_INT(login(s, "alice", "wrong password!", &a, &err), TK_EREJECTED);
    TK_CHECK_INT(a.locked_until_ms, 0);
    /* unknown names lock exactly like known ones */
    for (int i = 0; i < 5; i++)
        TK_CHECK_INT(login(s, "ghost", "wrong password!", &a, &err), TK_EREJECTED);
    TK_CHECK_INT(login(s, "ghost", "wrong password!", &a, &err), TK_EREJECTED);
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_LOCKED);
    TK_CHECK(strncmp(err.msg, "too many failed logins: locked until ", 37) == 0);
    /* an admin's enable clears a lockout */
    for (int i = 0; i < 2; i++)
        TK_CHECK_INT(login(s, "alice", "wrong password!", &a, &err), TK_EREJECTED);
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_EREJECTED);
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_LOCKED);
    TK_CHECK_INT(tk_account_enable(s, &root, "alice", NULL), TK_OK);
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_OK);
    done(s);
}

static void test_disabled(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "alice", "analyst", "city-a"), TK_OK);
    tk_account_auth a, b;
    tk_error err;
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_OK);
    TK_CHECK_INT(tk_account_disable(s, &root, "alice", &err), TK_OK);
    /* its session ended with it */
    TK_CHECK_INT(tk_account_session_check(s, a.session, strlen(a.session), &web, &b, &err),
                 TK_EREJECTED);
    TK_CHECK_INT(b.refusal, TK_ACCOUNT_UNKNOWN);
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "account alice is disabled");
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_DISABLED);
    TK_CHECK_INT(login(s, "alice", "wrong password!", &a, &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "wrong name or password");
    tk_account_info info;
    TK_CHECK_INT(tk_account_get(s, &root, "alice", &info, NULL), TK_OK);
    TK_CHECK_INT(info.disabled, 1);
    TK_CHECK_INT(tk_account_enable(s, &root, "alice", &err), TK_OK);
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_OK);
    done(s);
}

static void test_sessions(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "alice", "uploader", "city-a"), TK_OK);
    tk_account_auth a, b;
    tk_error err;
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_OK);
    TK_CHECK_INT(strlen(a.session), 43);
    TK_CHECK_INT(strlen(a.csrf), 43);
    TK_CHECK(strcmp(a.session, a.csrf) != 0);
    /* used every 20 minutes it lives; each use refreshes its last use */
    for (int i = 1; i <= 3; i++) {
        now_ms = T0 + i * 20 * MIN;
        TK_CHECK_INT(tk_account_session_check(s, a.session, strlen(a.session), &web, &b, &err),
                     TK_OK);
        TK_CHECK_STR(b.account, "alice");
        TK_CHECK_STR(b.role, "uploader");
        TK_CHECK_STR(b.tenant, "city-a");
        TK_CHECK_STR(b.csrf, a.csrf);
    }
    /* 30 minutes unused: idle timeout, and the session is gone */
    now_ms = T0 + 60 * MIN + 30 * MIN;
    TK_CHECK_INT(tk_account_session_check(s, a.session, strlen(a.session), &web, &b, &err),
                 TK_EREJECTED);
    TK_CHECK_INT(b.refusal, TK_ACCOUNT_IDLE);
    TK_CHECK_STR(err.msg, "session expired: unused for 30 min (idle timeout); log in again");
    TK_CHECK_INT(tk_account_session_check(s, a.session, strlen(a.session), &web, &b, &err),
                 TK_EREJECTED);
    TK_CHECK_INT(b.refusal, TK_ACCOUNT_UNKNOWN);
    TK_CHECK_STR(err.msg, "unknown or ended session");
    /* used every 29 minutes, it still ends 12 hours after the login */
    const int64_t start = now_ms;
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_OK);
    int refused_at = -1;
    for (int i = 1; i <= 26 && refused_at < 0; i++) {
        now_ms = start + i * 29 * MIN;
        if (tk_account_session_check(s, a.session, strlen(a.session), &web, &b, &err) != TK_OK)
            refused_at = i;
    }
    TK_CHECK_INT(refused_at, 25); /* 24 * 29 = 696 min < 720 <= 725 = 25 * 29 */
    TK_CHECK_INT(b.refusal, TK_ACCOUNT_ABSOLUTE);
    TK_CHECK_STR(err.msg, "session expired: older than 12 h (absolute timeout); log in again");
    TK_CHECK_INT(query(s, "SELECT count(*) FROM sessions"), 0);
    /* logout ends it at once; garbage ids are unknown */
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_OK);
    TK_CHECK_INT(tk_account_session_end(s, a.session, strlen(a.session), &web, &err), TK_OK);
    TK_CHECK_INT(tk_account_session_check(s, a.session, strlen(a.session), &web, &b, &err),
                 TK_EREJECTED);
    TK_CHECK_INT(b.refusal, TK_ACCOUNT_UNKNOWN);
    TK_CHECK_INT(tk_account_session_end(s, a.session, strlen(a.session), &web, &err), TK_ENOTFOUND);
    TK_CHECK_INT(tk_account_session_check(s, "x", 1, &web, &b, &err), TK_EREJECTED);
    TK_CHECK_INT(b.refusal, TK_ACCOUNT_UNKNOWN);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM audit WHERE action = 'logout' AND outcome = 'ok' "
                          "AND target = 'alice'"),
                 1);
    done(s);
}

static void test_session_options(void)
{
    tk_account_options o = TK_ACCOUNT_OPTIONS_INIT;
    o.argon2_t = 1;
    o.argon2_m_kib = 1024;
    o.session_idle_ms = 5 * MIN;
    tk_account_store *s = fixture(&o);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "alice", "reporter", "city-a"), TK_OK);
    tk_account_auth a, b;
    tk_error err;
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_OK);
    now_ms += 5 * MIN;
    TK_CHECK_INT(tk_account_session_check(s, a.session, strlen(a.session), &web, &b, &err),
                 TK_EREJECTED);
    TK_CHECK_STR(err.msg, "session expired: unused for 5 min (idle timeout); log in again");
    done(s);
}

static void test_passwd(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "alice", "analyst", "city-a"), TK_OK);
    TK_CHECK_INT(add(s, "bob", "analyst", "city-a"), TK_OK);
    tk_account_auth a, b;
    tk_error err;
    const char *np = "a much newer password";
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_OK);
    TK_CHECK_INT(tk_account_passwd(s, &root, "alice", "too short", 9, &err), TK_EINVAL);
    TK_CHECK_INT(tk_account_passwd(s, &root, "alice", np, strlen(np), &err), TK_OK);
    TK_CHECK_INT(tk_account_session_check(s, a.session, strlen(a.session), &web, &b, &err),
                 TK_EREJECTED);
    TK_CHECK_INT(login(s, "alice", PW, &a, &err), TK_EREJECTED);
    TK_CHECK_INT(login(s, "alice", np, &a, &err), TK_OK);
    /* an account sets its own password, not another's */
    const tk_actor alice = {"alice", "analyst", "192.0.2.7", &clock_};
    TK_CHECK_INT(tk_account_passwd(s, &alice, "alice", PW, strlen(PW), &err), TK_OK);
    TK_CHECK_INT(tk_account_passwd(s, &alice, "bob", PW, strlen(PW), &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "alice (analyst) may not set other accounts' passwords: only an admin "
                          "may");
    TK_CHECK_INT(tk_account_passwd(s, &root, "nobody", PW, strlen(PW), &err), TK_ENOTFOUND);
    done(s);
}

static void test_permissions(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "alice", "analyst", "city-a"), TK_OK);
    TK_CHECK_INT(add(s, "boss-a", "admin", "city-a"), TK_OK);
    TK_CHECK_INT(add(s, "bob", "analyst", "city-b"), TK_OK);
    const tk_actor alice = {"alice", "analyst", "192.0.2.7", &clock_};
    const tk_actor boss = {"boss-a", "admin", "192.0.2.8", &clock_};
    tk_error err;
    TK_CHECK_INT(tk_account_add(s, &alice, "eve", "analyst", "city-a", PW, strlen(PW), &err),
                 TK_EREJECTED);
    TK_CHECK_STR(err.msg, "alice (analyst) may not add accounts: only an admin may");
    TK_CHECK_INT(tk_account_add(s, &boss, "carol", "uploader", "city-a", PW, strlen(PW), &err),
                 TK_OK);
    TK_CHECK_INT(tk_account_add(s, &boss, "dan", "uploader", "city-b", PW, strlen(PW), &err),
                 TK_EREJECTED);
    TK_CHECK_STR(err.msg, "boss-a is an admin of tenant city-a only and may not add accounts");
    TK_CHECK_INT(tk_account_add(s, &boss, "god", "admin", NULL, PW, strlen(PW), &err),
                 TK_EREJECTED);
    TK_CHECK_INT(tk_account_disable(s, &boss, "bob", &err), TK_EREJECTED);
    TK_CHECK_INT(tk_account_disable(s, &boss, "boss-a", &err), TK_EREJECTED);
    TK_CHECK_STR(err.msg, "boss-a may not disable itself");
    tk_account_info *v = NULL;
    size_t n = 0;
    TK_CHECK_INT(tk_account_list(s, &boss, &v, &n, &err), TK_OK);
    TK_CHECK_INT(n, 3); /* alice, boss-a, carol: not bob */
    tk_free(v);
    TK_CHECK_INT(tk_account_list(s, &alice, &v, &n, &err), TK_EREJECTED);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM audit WHERE outcome = 'refused' AND actor = "
                          "'boss-a' AND role = 'admin'"),
                 4);
    done(s);
}

static void test_tokens(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "rep", "reporter", "city-a"), TK_OK);
    TK_CHECK_INT(add(s, "ana", "analyst", "city-a"), TK_OK);
    TK_CHECK_INT(add(s, "root2", "admin", NULL), TK_OK);
    char secret[TK_ACCOUNT_SECRET_SIZE];
    tk_account_token_info info;
    tk_account_auth a;
    tk_error err;
    TK_CHECK_INT(tk_account_token_create(s, &root, "rep", NULL, NULL, 90, secret, &info, &err),
                 TK_OK);
    TK_CHECK_INT(strlen(secret), 64);
    TK_CHECK(strncmp(secret, "tkn_", 4) == 0 && secret[20] == '_');
    TK_CHECK(strncmp(secret + 4, info.id, 16) == 0);
    TK_CHECK_STR(info.role, "reporter");
    TK_CHECK_STR(info.tenant, "city-a");
    TK_CHECK_INT(info.expires_ms, T0 + 90 * 24 * HOUR);
    TK_CHECK_INT(tk_account_token_check(s, secret, strlen(secret), &web, &a, &err), TK_OK);
    TK_CHECK_STR(a.account, "rep");
    TK_CHECK_STR(a.role, "reporter");
    TK_CHECK_STR(a.tenant, "city-a");
    TK_CHECK_STR(a.token_id, info.id);
    /* one changed character, a wrong shape: unknown */
    char bad[TK_ACCOUNT_SECRET_SIZE];
    memcpy(bad, secret, sizeof bad);
    bad[40] = bad[40] == 'A' ? 'B' : 'A';
    TK_CHECK_INT(tk_account_token_check(s, bad, strlen(bad), &web, &a, &err), TK_EREJECTED);
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_UNKNOWN);
    TK_CHECK_STR(err.msg, "unknown api token");
    TK_CHECK_INT(tk_account_token_check(s, secret, 20, &web, &a, &err), TK_EREJECTED);
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_UNKNOWN);
    /* roles a holder may hand out, tenants, lifetimes */
    TK_CHECK_INT(tk_account_token_create(s, &root, "rep", NULL, "analyst", 9, bad, NULL, &err),
                 TK_EINVAL);
    TK_CHECK_STR(err.msg, "account rep (role reporter) cannot hand out a token with role analyst");
    TK_CHECK_INT(tk_account_token_create(s, &root, "ana", NULL, "uploader", 9, bad, NULL, &err),
                 TK_OK);
    TK_CHECK_INT(tk_account_token_create(s, &root, "ana", NULL, "admin", 9, bad, NULL, &err),
                 TK_EINVAL);
    TK_CHECK_INT(tk_account_token_create(s, &root, "ana", "city-b", NULL, 9, bad, NULL, &err),
                 TK_EINVAL);
    TK_CHECK_STR(err.msg,
                 "account ana belongs to tenant city-a: its tokens cannot reach tenant city-b");
    TK_CHECK_INT(tk_account_token_create(s, &root, "root2", "city-b", NULL, 9, bad, &info, &err),
                 TK_OK);
    TK_CHECK_STR(info.tenant, "city-b");
    TK_CHECK_INT(tk_account_token_create(s, &root, "root2", "nosuch", NULL, 9, bad, NULL, &err),
                 TK_ENOTFOUND);
    TK_CHECK_INT(tk_account_token_create(s, &root, "rep", NULL, NULL, 0, bad, NULL, &err),
                 TK_EINVAL);
    TK_CHECK_STR(err.msg, "a token lives 1 to 365 days, not 0");
    TK_CHECK_INT(tk_account_token_create(s, &root, "rep", NULL, NULL, 366, bad, NULL, &err),
                 TK_EINVAL);
    TK_CHECK_INT(tk_account_token_create(s, &root, "nobody", NULL, NULL, 9, bad, NULL, &err),
                 TK_ENOTFOUND);
    /* a reporter makes tokens for itself only */
    const tk_actor rep = {"rep", "reporter", "192.0.2.9", &clock_};
    TK_CHECK_INT(tk_account_token_create(s, &rep, "rep", NULL, NULL, 1, bad, NULL, &err), TK_OK);
    TK_CHECK_INT(tk_account_token_create(s, &rep, "ana", NULL, NULL, 1, bad, NULL, &err),
                 TK_EREJECTED);
    tk_account_token_info *v = NULL;
    size_t n = 0;
    TK_CHECK_INT(tk_account_token_list(s, &rep, &v, &n, &err), TK_OK);
    TK_CHECK_INT(n, 2);
    tk_free(v);
    TK_CHECK_INT(tk_account_token_list(s, &root, &v, &n, &err), TK_OK);
    TK_CHECK_INT(n, 4);
    tk_free(v);
    /* a disabled account's tokens are refused, and work again once enabled */
    TK_CHECK_INT(tk_account_disable(s, &root, "rep", &err), TK_OK);
    TK_CHECK_INT(tk_account_token_check(s, secret, strlen(secret), &web, &a, &err), TK_EREJECTED);
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_DISABLED);
    TK_CHECK_STR(err.msg, "account rep is disabled");
    TK_CHECK_INT(tk_account_enable(s, &root, "rep", &err), TK_OK);
    TK_CHECK_INT(tk_account_token_check(s, secret, strlen(secret), &web, &a, &err), TK_OK);
    /* expiry: valid up to the last millisecond of its 90 days */
    now_ms = T0 + 90 * 24 * HOUR - 1;
    TK_CHECK_INT(tk_account_token_check(s, secret, strlen(secret), &web, &a, &err), TK_OK);
    now_ms = T0 + 90 * 24 * HOUR;
    TK_CHECK_INT(tk_account_token_check(s, secret, strlen(secret), &web, &a, &err), TK_EREJECTED);
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_EXPIRED);
    char id[TK_ACCOUNT_TOKEN_ID_SIZE];
    memcpy(id, secret + 4, 16);
    id[16] = '\0';
    char want[128];
    snprintf(want, sizeof want, "api token %s expired on 2024-12-30", id);
    TK_CHECK_STR(err.msg, want);
    /* revocation */
    now_ms = T0 + HOUR;
    TK_CHECK_INT(tk_account_token_revoke(s, &rep, id, &err), TK_OK);
    TK_CHECK_INT(tk_account_token_check(s, secret, strlen(secret), &web, &a, &err), TK_EREJECTED);
    TK_CHECK_INT(a.refusal, TK_ACCOUNT_REVOKED);
    snprintf(want, sizeof want, "api token %s was revoked on 2024-10-01", id);
    TK_CHECK_STR(err.msg, want);
    TK_CHECK_INT(tk_account_token_revoke(s, &root, id, &err), TK_EEXISTS);
    TK_CHECK_INT(tk_account_token_revoke(s, &root, "0123456789abcdef", &err), TK_ENOTFOUND);
    TK_CHECK_INT(query(s, "SELECT count(*) FROM audit WHERE action = 'token.revoke' AND outcome = "
                          "'ok' AND actor = 'rep'"),
                 1);
    done(s);
}

/* The bytes of file path, or NULL; *n their number. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    *n = 0;
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 24);
    if (buf != NULL)
        *n = fread(buf, 1, 1 << 24, f);
    fclose(f);
    return buf;
}

static int file_has(const char *path, const char *needle)
{
    size_t n = 0;
    char *b = slurp(path, &n);
    const size_t k = strlen(needle);
    int found = 0;
    for (size_t i = 0; b && i + k <= n && !found; i++)
        found = memcmp(b + i, needle, k) == 0;
    free(b);
    return found;
}

static void test_secrets_not_stored(void)
{
    tk_account_store *s = fixture(NULL);
    TK_REQUIRE(s != NULL);
    TK_CHECK_INT(add(s, "alice", "analyst", "city-a"), TK_OK);
    char secret[TK_ACCOUNT_SECRET_SIZE];
    tk_account_auth a;
    TK_CHECK_INT(tk_account_token_create(s, &root, "alice", NULL, NULL, 9, secret, NULL, NULL),
                 TK_OK);
    TK_CHECK_INT(login(s, "alice", PW, &a, NULL), TK_OK);
    char path[600], wal[620];
    snprintf(path, sizeof path, "%s", tk_account_store_path(s));
    snprintf(wal, sizeof wal, "%s-wal", path);
    /* while open (data still in the WAL) and after close (checkpointed) */
    for (int round = 0; round < 2; round++) {
        TK_CHECK(file_has(path, "CREATE TABLE accounts") || file_has(wal, "alice"));
        TK_CHECK(file_has(path, "$argon2id$") || file_has(wal, "$argon2id$"));
        TK_CHECK(file_has(path, a.csrf) || file_has(wal, a.csrf)); /* the CSRF token is kept */
        TK_CHECK(!file_has(path, secret + 21) && !file_has(wal, secret + 21));
        TK_CHECK(!file_has(path, a.session) && !file_has(wal, a.session));
        TK_CHECK(!file_has(path, PW) && !file_has(wal, PW));
        if (round == 0) {
            tk_account_store_close(s);
            s = NULL;
        }
    }
    rm_rf(data);
}

static void test_file_modes(void)
{
    tk_account_store *s = NULL;
    tk_error err;
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/account-modes-XXXXXX", tk_test_tmpdir());
    TK_REQUIRE(mkdtemp(dir) != NULL);
    snprintf(data, sizeof data, "%s/nested/data", dir);
    const mode_t old = umask(0);
    TK_CHECK_INT(tk_account_store_open(&s, data, NULL, &err), TK_OK);
    umask(old);
    tk_account_store_close(s);
    struct stat sb;
    TK_CHECK(stat(data, &sb) == 0 && (sb.st_mode & 0777) == 0700);
    snprintf(path, sizeof path, "%s/service.db", data);
    TK_CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    /* reopening keeps the data; a file others can read is refused */
    TK_CHECK_INT(tk_account_store_open(&s, data, NULL, &err), TK_OK);
    tk_account_store_close(s);
    TK_REQUIRE(chmod(path, 0640) == 0);
    s = NULL;
    TK_CHECK_INT(tk_account_store_open(&s, data, NULL, &err), TK_EINVAL);
    TK_CHECK(s == NULL);
    TK_CHECK(strstr(err.msg, "is readable or writable by others (mode 0640)") != NULL);
    TK_CHECK(strstr(err.msg, "chmod 600") != NULL);
    rm_rf(dir);
}

static void test_roles(void)
{
    TK_CHECK(tk_account_role_covers("admin", "analyst"));
    TK_CHECK(tk_account_role_covers("analyst", "uploader"));
    TK_CHECK(tk_account_role_covers("analyst", "reporter"));
    TK_CHECK(!tk_account_role_covers("analyst", "admin"));
    TK_CHECK(!tk_account_role_covers("reporter", "uploader"));
    TK_CHECK(!tk_account_role_covers("uploader", "reporter"));
    TK_CHECK(tk_account_role_covers("uploader", "uploader"));
    TK_CHECK(!tk_account_role_covers("admin", "root"));
    TK_CHECK_INT(tk_account_check_name("a.b_c-1", NULL), TK_OK);
    char longname[70];
    memset(longname, 'a', 65);
    longname[65] = '\0';
    TK_CHECK_INT(tk_account_check_name(longname, NULL), TK_EINVAL);
    longname[64] = '\0';
    TK_CHECK_INT(tk_account_check_name(longname, NULL), TK_OK);
}

int main(void)
{
    TK_RUN(test_roles);
    TK_RUN(test_add_get_list);
    TK_RUN(test_add_refusals);
    TK_RUN(test_hash_is_argon2id);
    TK_RUN(test_default_hash);
    TK_RUN(test_wrong_password_and_unknown_name);
    TK_RUN(test_lockout_timing);
    TK_RUN(test_disabled);
    TK_RUN(test_sessions);
    TK_RUN(test_session_options);
    TK_RUN(test_passwd);
    TK_RUN(test_permissions);
    TK_RUN(test_tokens);
    TK_RUN(test_secrets_not_stored);
    TK_RUN(test_file_modes);
    TK_TEST_END();
}
