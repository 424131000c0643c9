/* src/actor.h -- who performs a state-changing call, and when.
 *
 * Every call that changes a tenant's state (an upload, an analysis, a
 * triage decision, a setting) takes a `const tk_actor *`: the account that
 * acts, its role, where the request came from, and the clock that dates
 * it. The audit log records the first three; tests pass a fixed clock so
 * that stored times are reproducible. The CLI acts as the local operating
 * system user (tk_actor_local()); the service as the authenticated account.
 *
 * Small transparent value types; every pointer in them is borrowed and
 * must outlive the call it is passed to. Thread-safe: no shared state. */
#ifndef TK_ACTOR_H
#define TK_ACTOR_H

#include <stddef.h>
#include <stdint.h>

/* A source of the current time in Unix milliseconds. now_ms NULL means the
 * system's real-time clock. */
typedef struct tk_clock {
    int64_t (*now_ms)(void *ctx);
    void *ctx;
} tk_clock;

/* Longest account name, role and address kept by tk_actor_local(). */
#define TK_ACTOR_NAME_SIZE 64

typedef struct tk_actor {
    const char *name;      /* account name ("cli:alice" for the CLI); never NULL */
    const char *role;      /* "uploader", "analyst", "reporter", "admin" */
    const char *address;   /* client address ("127.0.0.1"), "local" for the CLI */
    const tk_clock *clock; /* NULL: the real-time clock */
} tk_actor;

/* The current time of actor a's clock in Unix milliseconds; the real-time
 * clock when a or its clock is NULL. */
int64_t tk_actor_now(const tk_actor *a);

/* The actor of a local command: name "cli:<login>" (the effective user's
 * name, or "cli:uid<N>" when it has none), role "admin" (whoever can read
 * the tenant's files can do anything to it), address "local", the
 * real-time clock. The strings live in buf (at least TK_ACTOR_NAME_SIZE
 * bytes, borrowed, must outlive *a). */
void tk_actor_local(tk_actor *a, char *buf, size_t cap);

#endif
