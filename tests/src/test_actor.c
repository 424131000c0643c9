/* tests/src/test_actor.c -- the acting account and its clock. */
#include "src/actor.h"

#include "tests/test.h"

#include <time.h>

static int64_t fixed(void *ctx)
{
    return *(const int64_t *)ctx;
}

static void test_fixed_clock(void)
{
    int64_t t = 1733400000123;
    const tk_clock clock = {fixed, &t};
    const tk_actor a = {"alice", "analyst", "127.0.0.1", &clock};
    TK_CHECK_INT(tk_actor_now(&a), 1733400000123);
    t += 5;
    TK_CHECK_INT(tk_actor_now(&a), 1733400000128);
}

static void test_real_clock(void)
{
    const int64_t before = (int64_t)time(NULL) * 1000;
    const int64_t now = tk_actor_now(NULL);
    const tk_actor a = {"bob", "admin", "local", NULL};
    TK_CHECK(now >= before && now < before + 60000);
    TK_CHECK(tk_actor_now(&a) >= now);
}

static void test_local(void)
{
    char buf[TK_ACTOR_NAME_SIZE];
    tk_actor a;
    tk_actor_local(&a, buf, sizeof buf);
    TK_CHECK(strncmp(a.name, "cli:", 4) == 0 && strlen(a.name) > 4);
    TK_CHECK_STR(a.role, "admin");
    TK_CHECK_STR(a.address, "local");
    TK_CHECK(a.clock == NULL);
    TK_CHECK(a.name == buf);
}

int main(void)
{
    TK_RUN(test_fixed_clock);
    TK_RUN(test_real_clock);
    TK_RUN(test_local);
    TK_TEST_END();
}
