/* src/actor.c -- the acting account and its clock.
 *
 * The real-time clock is CLOCK_REALTIME in milliseconds. The local actor's
 * name comes from the password database by effective uid (getpwuid_r, so
 * it is thread-safe), never from $USER, which any caller can set. */
#define _POSIX_C_SOURCE 200809L
#include "src/actor.h"

#include <pwd.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int64_t tk_actor_now(const tk_actor *a)
{
    if (a && a->clock && a->clock->now_ms)
        return a->clock->now_ms(a->clock->ctx);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tk_actor_local(tk_actor *a, char *buf, size_t cap)
{
    struct passwd pw, *res = NULL;
    char pwbuf[1024];
    const uid_t uid = geteuid();
    if (getpwuid_r(uid, &pw, pwbuf, sizeof pwbuf, &res) == 0 && res && res->pw_name[0])
        snprintf(buf, cap, "cli:%s", res->pw_name);
    else
        snprintf(buf, cap, "cli:uid%lu", (unsigned long)uid);
    a->name = buf;
    a->role = "admin";
    a->address = "local";
    a->clock = NULL;
}
