/* tests/features/test_dayevents.c -- one JST day of events, sorted. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "features/dayevents.h"
#include "src/store.h"
#include "tests/test.h"

static int pseudonym(void *ctx, const char *p, size_t len, uint8_t out[32], tk_error *err)
{
    (void)ctx;
    (void)err;
    memset(out, 0, 32);
    memcpy(out, p, len < 32 ? len : 32);
    return TK_OK;
}

static void loads_one_day_sorted(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/dayevents-%ld.db", tk_test_tmpdir(), (long)getpid());
    unlink(path);
    char side[600];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    tk_error err = {0, ""};
    tk_db *db = NULL;
    TK_REQUIRE(tk_db_open(&db, path, TK_DB_CREATE, &err) == TK_OK);
    TK_REQUIRE(tk_store_migrate(db, &err) == TK_OK);
    const tk_upload_meta meta = {"f.csv", 1, "p", 1, "d", 0, 0};
    tk_store_writer *w = NULL;
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, pseudonym, NULL, &err) == TK_OK);
    /* 2024-10-01 00:00 JST = 1727708400000. Events on the 30th, the 1st
     * (users b and a interleaved, out of order) and the 2nd. */
    const int64_t d0 = 1727708400000LL;
    const struct {
        int64_t t;
        const char *user;
    } in[] = {
        {d0 - 1, "a"},
        {d0 + 9 * 3600000LL, "b"},
        {d0 + 8 * 3600000LL, "a"},
        {d0 + 1000, "b"},
        {d0 + 23 * 3600000LL + 59 * 60000, "a"},
        {d0 + 86400000LL, "a"},
        {d0, "a"},
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        tk_event e;
        memset(&e, 0, sizeof e);
        e.t = in[i].t;
        e.system = (tk_view){"s", 1};
        e.user = (tk_view){in[i].user, 1};
        e.user_resolved = 1;
        e.op = TK_OP_LOOKUP;
        e.mynumber = -1;
        TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
    }
    const tk_upload_summary s = {"x", "utf-8", "stored", 7, 7, 0, 0, 0, 0, NULL, NULL, 0};
    int64_t id;
    TK_REQUIRE(tk_store_writer_commit(w, &s, &id, &err) == TK_OK);

    tk_dayevents *d = NULL;
    TK_REQUIRE(tk_dayevents_create(&d, db, &err) == TK_OK);
    TK_REQUIRE(tk_dayevents_load(d, d0 / 86400000 + 1, &err) == TK_OK); /* JST day of d0 */
    TK_CHECK_INT(tk_dayevents_count(d), 5);
    const tk_dayevent *r = tk_dayevents_rows(d);
    /* user ids: a = 1 (first seen), b = 2; sorted by user then time. */
    TK_CHECK(r[0].user == 1 && r[0].t == d0 && r[0].minute == 0);
    TK_CHECK(r[1].user == 1 && r[1].minute == 8 * 60);
    TK_CHECK(r[2].user == 1 && r[2].minute == 23 * 60 + 59);
    TK_CHECK(r[3].user == 2 && r[3].minute == 0);
    TK_CHECK(r[4].user == 2 && r[4].minute == 9 * 60);
    TK_CHECK(r[0].id != r[1].id && r[0].count == -1 && r[0].mynumber == -1);
    TK_REQUIRE(tk_dayevents_load(d, d0 / 86400000 + 2, &err) == TK_OK);
    TK_CHECK_INT(tk_dayevents_count(d), 1);
    TK_REQUIRE(tk_dayevents_load(d, d0 / 86400000 + 30, &err) == TK_OK);
    TK_CHECK_INT(tk_dayevents_count(d), 0);
    tk_dayevents_destroy(d);
    tk_db_close(db);
    unlink(path);
}

int main(void)
{
    TK_RUN(loads_one_day_sorted);
    TK_TEST_END();
}
