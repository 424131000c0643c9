/* src/account.h -- accounts, logins, browser sessions and API tokens.
 *
 * The service database DATA/service.db (SQLite, WAL, file mode 0600 in a
 * 0700 data directory) holds what is global to a data directory rather
 * than to one tenant: accounts (an administrator may be global), browser
 * sessions, API tokens, login failures, and the audit log
 * (src/audit.h). It is created on first use.
 *
 * An account has a name ([a-z0-9._-], 1-64 characters), a role (uploader,
 * analyst, reporter or admin), a tenant (which must exist) or none (global,
 * admins only), a password hashed with Argon2id, a disabled flag, and
 * when and by whom it was made. Passwords and secrets are never stored:
 * only the Argon2id encoding of a password, and the SHA-256 of a session
 * id or token secret.
 *
 * Every call that changes something, and every read of accounts, takes
 * the acting tk_actor (its clock dates everything) and writes an audit
 * record in the same transaction as its change. Account management needs
 * an admin actor; an admin that is an account of one tenant manages only
 * that tenant's accounts. An actor whose name is not an account (the
 * local CLI, "cli:<login>") acts for the whole data directory.
 *
 * A tk_account_store is one connection: used by one thread at a time;
 * open one per thread (separate connections and processes share the file
 * through SQLite's locking). */
#ifndef TK_ACCOUNT_H
#define TK_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "src/actor.h"
#include "src/db.h"
#include "src/error.h"
#include "src/tenant.h"

typedef struct tk_account_store tk_account_store;

/* Schema version of service.db (PRAGMA user_version). */
#define TK_ACCOUNT_SCHEMA_VERSION 1

/* Limits of names and passwords. Password lengths are in characters
 * (UTF-8 code points), the maximum in bytes. */
#define TK_ACCOUNT_NAME_MAX     64
#define TK_ACCOUNT_PASSWORD_MIN 12
#define TK_ACCOUNT_PASSWORD_MAX 1024

/* Buffer sizes, terminating NUL included: a role name; a session id, CSRF
 * token or API token secret; a token id (16 hex digits); an actor name. */
#define TK_ACCOUNT_ROLE_SIZE     16
#define TK_ACCOUNT_SECRET_SIZE   80
#define TK_ACCOUNT_TOKEN_ID_SIZE 17
#define TK_ACCOUNT_ACTOR_SIZE    128

/* Token lifetimes in days. */
#define TK_ACCOUNT_TOKEN_DAYS_DEFAULT 90
#define TK_ACCOUNT_TOKEN_DAYS_MAX     365

/* Costs and limits; transparent. TK_ACCOUNT_OPTIONS_INIT gives the
 * documented defaults (docs/accounts.md). */
typedef struct tk_account_options {
    int64_t session_idle_ms;     /* a session unused this long ends (30 min) */
    int64_t session_absolute_ms; /* a session this old ends whatever its use (12 h) */
    uint32_t argon2_t;           /* Argon2id passes (3) */
    uint32_t argon2_m_kib;       /* Argon2id memory in KiB (65536 = 64 MiB) */
    uint32_t argon2_p;           /* Argon2id lanes (1) */
    unsigned lockout_after;      /* consecutive failures before a lock (5) */
    int64_t lockout_first_ms;    /* the first lock (1 min), doubled per further failure */
    int64_t lockout_max_ms;      /* the longest lock (1 h) */
} tk_account_options;

#define TK_ACCOUNT_OPTIONS_INIT                                                                    \
    {                                                                                              \
        30 * 60000, 12 * 3600000, 3, 65536, 1, 5, 60000, 3600000                                   \
    }

/* Opens DATA/service.db under data_dir (borrowed), creating the data
 * directory (0700, parents 0755) and the database (0600) if missing, and
 * the schema if new. opts (borrowed, copied) may be NULL for the
 * defaults. *out is an owned result: tk_account_store_close(); NULL on
 * failure. Returns TK_OK, TK_EINVAL (the file is readable by group or
 * others -- the message says to chmod 600 --, is not a service database
 * or was written by a newer tenken), TK_EIO (the file system refused;
 * the message names the path) or TK_EDB. */
TK_MUST_CHECK int tk_account_store_open(tk_account_store **out, const char *data_dir,
                                        const tk_account_options *opts, tk_error *err);

/* Closes the store. Accepts NULL. */
void tk_account_store_close(tk_account_store *s);

/* The connection (for tk_audit_record and tk_audit_list), the data
 * directory and the database path; borrowed, live as long as s. */
tk_db *tk_account_store_db(tk_account_store *s);
const char *tk_account_store_data_dir(const tk_account_store *s);
const char *tk_account_store_path(const tk_account_store *s);

/* Argon2id verifications this handle has run (real or against the dummy
 * hash of unknown names); tests use it to see that an unknown name costs
 * a verification like a known one. */
uint64_t tk_account_store_verifications(const tk_account_store *s);

/* Checks an account name (borrowed). Returns TK_OK or TK_EINVAL quoting
 * it and the rule. */
TK_MUST_CHECK int tk_account_check_name(const char *name, tk_error *err);

/* 1 if role (borrowed) is one of uploader, analyst, reporter, admin. */
int tk_account_role_valid(const char *role);

/* 1 if an account of role `holder` may hand out `role` to a token: admin
 * covers every role, analyst covers analyst, reporter and uploader, and
 * reporter and uploader cover only themselves (docs/accounts.md). */
int tk_account_role_covers(const char *holder, const char *role);

/* Checks a password against the policy (at least TK_ACCOUNT_PASSWORD_MIN
 * characters, at most TK_ACCOUNT_PASSWORD_MAX bytes, valid UTF-8 without
 * control characters, not the account name in any case). p[0..len) is
 * borrowed and never quoted in the message. Returns TK_OK or TK_EINVAL. */
TK_MUST_CHECK int tk_account_check_password(const char *name, const char *p, size_t len,
                                            tk_error *err);

/* One account as read. */
typedef struct tk_account_info {
    char name[TK_ACCOUNT_NAME_MAX + 1];
    char role[TK_ACCOUNT_ROLE_SIZE];
    char tenant[TK_TENANT_NAME_MAX + 1]; /* "" for a global account */
    int disabled;
    int64_t created_ms;
    int64_t updated_ms;
    char created_by[TK_ACCOUNT_ACTOR_SIZE];
    unsigned failures;       /* consecutive failed logins */
    int64_t locked_until_ms; /* 0 when not locked (at the time of reading) */
} tk_account_info;

/* Adds account name with role and tenant (NULL or "": global, admins
 * only; otherwise it must exist in the data directory) and password
 * p[0..len) (all borrowed). Returns TK_OK, TK_EINVAL (bad name, role,
 * password, or a global account that is not an admin), TK_ENOTFOUND (no
 * such tenant: tk_tenant_open's message), TK_EEXISTS (the name is taken)
 * or TK_EREJECTED (the actor may not); TK_ECRYPTO and TK_EDB are internal
 * failures. Refusals are audited as well as successes. */
TK_MUST_CHECK int tk_account_add(tk_account_store *s, const tk_actor *actor, const char *name,
                                 const char *role, const char *tenant, const char *p, size_t len,
                                 tk_error *err);

/* Sets name's password to p[0..len) and ends all its sessions. An admin
 * may set any password in its scope; any other actor only its own.
 * Returns TK_OK, TK_EINVAL (policy), TK_ENOTFOUND or TK_EREJECTED. */
TK_MUST_CHECK int tk_account_passwd(tk_account_store *s, const tk_actor *actor, const char *name,
                                    const char *p, size_t len, tk_error *err);

/* Disables name (it cannot log in, its sessions end, its tokens are
 * refused) or enables it again (also clearing a lockout). Returns TK_OK,
 * TK_ENOTFOUND or TK_EREJECTED (the actor may not, or an actor tried to
 * disable itself). */
TK_MUST_CHECK int tk_account_disable(tk_account_store *s, const tk_actor *actor, const char *name,
                                     tk_error *err);
TK_MUST_CHECK int tk_account_enable(tk_account_store *s, const tk_actor *actor, const char *name,
                                    tk_error *err);

/* Reads account name into *out. Returns TK_OK, TK_ENOTFOUND (the message
 * names the data directory) or TK_EREJECTED. */
TK_MUST_CHECK int tk_account_get(tk_account_store *s, const tk_actor *actor, const char *name,
                                 tk_account_info *out, tk_error *err);

/* Reads every account in the actor's scope, by name, into *out (an owned
 * result, tk_free(); NULL when none) and their number into *n. Returns
 * TK_OK, TK_EREJECTED (not an admin), TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_account_list(tk_account_store *s, const tk_actor *actor, tk_account_info **out,
                                  size_t *n, tk_error *err);

/* Why a login, session or token was refused. */
typedef enum tk_account_refusal {
    TK_ACCOUNT_ACCEPTED = 0,
    TK_ACCOUNT_WRONG,    /* wrong name or password */
    TK_ACCOUNT_LOCKED,   /* too many failures: locked_until_ms */
    TK_ACCOUNT_DISABLED, /* the account is disabled */
    TK_ACCOUNT_IDLE,     /* a session unused for longer than the idle timeout */
    TK_ACCOUNT_ABSOLUTE, /* a session older than the absolute timeout */
    TK_ACCOUNT_EXPIRED,  /* a token past its expiry */
    TK_ACCOUNT_REVOKED,  /* a revoked token */
    TK_ACCOUNT_UNKNOWN   /* no such session or token (or not of the right form) */
} tk_account_refusal;

/* Who a login, session or token authenticates, or why not. */
typedef struct tk_account_auth {
    tk_account_refusal refusal;
    char account[TK_ACCOUNT_NAME_MAX + 1];
    char tenant[TK_TENANT_NAME_MAX + 1]; /* "" global */
    char role[TK_ACCOUNT_ROLE_SIZE];
    char session[TK_ACCOUNT_SECRET_SIZE];    /* login only: the new session id */
    char csrf[TK_ACCOUNT_SECRET_SIZE];       /* sessions: the CSRF token */
    char token_id[TK_ACCOUNT_TOKEN_ID_SIZE]; /* tokens: the token's id */
    int64_t expires_ms;                      /* session: absolute end; token: expiry */
    int64_t locked_until_ms;                 /* TK_ACCOUNT_LOCKED: until when */
} tk_account_auth;

/* Logs name in with password p[0..len) from address (all borrowed;
 * address NULL: actor's), dated by actor's clock. On success out holds
 * the account and a new session: out->session is its id (base64url of 32
 * random bytes), shown here once and stored only as its SHA-256, and
 * out->csrf its CSRF token. A locked name is answered "too many failed
 * logins: locked until HH:MM:SS" (JST) without looking at the password;
 * otherwise the password is verified with Argon2id, against a dummy hash
 * of the same cost when the name is unknown, so that an unknown name and
 * a wrong password take the same time and get the same answer ("wrong
 * name or password"). Five consecutive failures of a name (known or not)
 * lock it for a minute, each further one twice as long, up to an hour;
 * a success clears the count. A disabled account is refused after its
 * password was verified. Every attempt is audited ("login").
 * Returns TK_OK or TK_EREJECTED (out->refusal says why; the message is
 * the one to show); TK_ECRYPTO, TK_EDB and TK_ENOMEM are internal. */
TK_MUST_CHECK int tk_account_login(tk_account_store *s, const char *name, const char *p, size_t len,
                                   const char *address, const tk_actor *actor, tk_account_auth *out,
                                   tk_error *err);

/* Checks session id p[0..len) (borrowed, untrusted) at actor's time: on
 * success out holds the account, tenant, role and CSRF token and the
 * session's last use becomes now. An expired session is deleted and
 * refused with TK_ACCOUNT_IDLE or TK_ACCOUNT_ABSOLUTE; a session of a
 * disabled account is deleted and refused. Returns TK_OK or TK_EREJECTED
 * (out->refusal); TK_ECRYPTO and TK_EDB are internal. Not audited: the
 * service audits the request it serves. */
TK_MUST_CHECK int tk_account_session_check(tk_account_store *s, const char *p, size_t len,
                                           const tk_actor *actor, tk_account_auth *out,
                                           tk_error *err);

/* Ends session p[0..len) (logout), audited. Returns TK_OK or TK_ENOTFOUND
 * (no such session). */
TK_MUST_CHECK int tk_account_session_end(tk_account_store *s, const char *p, size_t len,
                                         const tk_actor *actor, tk_error *err);

/* One API token as listed (never its secret). */
typedef struct tk_account_token_info {
    char id[TK_ACCOUNT_TOKEN_ID_SIZE];
    char account[TK_ACCOUNT_NAME_MAX + 1];
    char tenant[TK_TENANT_NAME_MAX + 1]; /* "" global */
    char role[TK_ACCOUNT_ROLE_SIZE];
    int64_t created_ms;
    int64_t expires_ms;
    int64_t last_used_ms; /* 0: never; kept to the minute (one write a minute, not a request) */
    int64_t revoked_ms;   /* 0: not revoked */
    char created_by[TK_ACCOUNT_ACTOR_SIZE];
} tk_account_token_info;

/* Creates an API token for account with tenant (NULL: the account's; a
 * global admin may name any existing tenant), role (NULL: the account's;
 * otherwise one the account's role covers) and a lifetime of days
 * (1-TK_ACCOUNT_TOKEN_DAYS_MAX). The secret "tkn_<id>_<base64url of 32
 * random bytes>" is written to secret (TK_ACCOUNT_SECRET_SIZE bytes) and
 * is never shown again: only its SHA-256 is stored. info (may be NULL)
 * receives the token's description. An admin may create tokens for the
 * accounts in its scope, any other actor only for itself. Returns TK_OK,
 * TK_EINVAL (role, tenant or days not allowed), TK_ENOTFOUND (no such
 * account or tenant) or TK_EREJECTED (the actor may not, or the account
 * is disabled). */
TK_MUST_CHECK int tk_account_token_create(tk_account_store *s, const tk_actor *actor,
                                          const char *account, const char *tenant, const char *role,
                                          int days, char secret[TK_ACCOUNT_SECRET_SIZE],
                                          tk_account_token_info *info, tk_error *err);

/* Checks token secret p[0..len) (borrowed, untrusted) at actor's time:
 * on success out holds the account, tenant, role and token id, and the
 * token's last use becomes now. Its SHA-256 is compared in constant time.
 * Returns TK_OK or TK_EREJECTED (out->refusal: unknown, revoked, expired,
 * disabled account); TK_ECRYPTO and TK_EDB are internal. */
TK_MUST_CHECK int tk_account_token_check(tk_account_store *s, const char *p, size_t len,
                                         const tk_actor *actor, tk_account_auth *out,
                                         tk_error *err);

/* Revokes token id (borrowed). Admins revoke any token in their scope,
 * others only their own. Returns TK_OK, TK_ENOTFOUND, TK_EEXISTS (already
 * revoked) or TK_EREJECTED. */
TK_MUST_CHECK int tk_account_token_revoke(tk_account_store *s, const tk_actor *actor,
                                          const char *id, tk_error *err);

/* Lists the tokens in the actor's scope (an admin's: every account in its
 * scope; anyone else's: its own), newest first, into *out (owned result,
 * tk_free(); NULL when none) and *n. Returns TK_OK, TK_ENOMEM or TK_EDB. */
TK_MUST_CHECK int tk_account_token_list(tk_account_store *s, const tk_actor *actor,
                                        tk_account_token_info **out, size_t *n, tk_error *err);

#endif
