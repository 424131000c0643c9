/* tests/features/test_dayevents.c -- one JST day of events, sorted. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "features/dayevents.h"
#include "src/master.h"
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
    const tk_upload_meta meta = {"f.csv", 1, "p", 1, "d", 0, 0, NULL};
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
    const tk_upload_summary s = {"x", "utf-8", "stored", 7, 7, 0, 0, 0, 0, NULL, NULL, 0, -1};
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

static int64_t term_id(tk_db *db, const char *name)
{
    char sql[160];
    int64_t id = -1;
    tk_error err;
    snprintf(sql, sizeof sql, "SELECT id FROM terminals WHERE name = '%s'", name);
    if (tk_db_query_i64(db, sql, &id, &err) != TK_OK)
        return -1;
    return id;
}

static void add(tk_store_writer *w, int64_t t, const char *terminal, int resolved,
                const char *address)
{
    tk_error err = {0, ""};
    tk_event e;
    memset(&e, 0, sizeof e);
    e.t = t;
    e.system = (tk_view){"s", 1};
    e.user = (tk_view){"u", 1};
    e.user_resolved = 1;
    e.terminal = (tk_view){terminal, strlen(terminal)};
    e.terminal_resolved = resolved;
    if (address)
        e.terminal_address = (tk_view){address, strlen(address)};
    e.op = address ? TK_OP_LOGON : TK_OP_LOOKUP;
    e.mynumber = -1;
    TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
}

/* The terminal of the day's event at time t. */
static uint32_t terminal_at(const tk_dayevents *d, int64_t t)
{
    const tk_dayevent *r = tk_dayevents_rows(d);
    for (size_t i = 0; i < tk_dayevents_count(d); i++)
        if (r[i].t == t)
            return r[i].terminal;
    return UINT32_MAX;
}

static void addresses_become_their_terminal(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/dayevents-addr-%ld.db", tk_test_tmpdir(), (long)getpid());
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
    TK_REQUIRE(tk_master_migrate(db, &err) == TK_OK);
    /* The terminals master lists REG-PC at 10.0.0.3. */
    TK_REQUIRE(tk_db_exec(db,
                          "INSERT INTO master_versions(id, kind, effective_from, effective_day,"
                          " imported_at, file_name, sha256, encoding, rows) VALUES(1, 'terminals',"
                          " '2024-04-01', 19814, 'x', 't.csv', 'ab', 'utf-8', 1);"
                          "INSERT INTO master_terminals(version_id, line, terminal)"
                          " VALUES(1, 2, 'REG-PC');"
                          "INSERT INTO master_terminal_ips(version_id, ip, terminal)"
                          " VALUES(1, '10.0.0.3', 'REG-PC');",
                          &err) == TK_OK);
    const int64_t d0 = 1727708400000LL, h = 3600000LL, day0 = d0 / 86400000 + 1;

    /* The logon log, days 0 and 1. */
    const tk_upload_meta meta = {"logon.csv", 1, "p", 1, "d", 0, 0, NULL};
    tk_store_writer *w = NULL;
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, pseudonym, NULL, &err) == TK_OK);
    add(w, d0 + 8 * h, "DESKTOP-A", 0, "10.0.0.1"); /* one host: unambiguous */
    add(w, d0 + 8 * h + 1, "DESKTOP-A", 0, "10.0.0.1");
    add(w, d0 + 8 * h + 2, "DESKTOP-B", 0, "10.0.0.2"); /* DHCP reuse: ambiguous */
    add(w, d0 + 13 * h, "DESKTOP-C", 0, "10.0.0.2");
    add(w, d0 + 8 * h + 3, "DESKTOP-D", 0, "10.0.0.3");      /* a master IP */
    add(w, d0 + 8 * h + 4, "DESKTOP-F", 0, "PC01");          /* a master-resolved name */
    add(w, d0 + 24 * h + 8 * h, "DESKTOP-E", 0, "10.0.0.1"); /* day 1: another host */
    const tk_upload_summary s = {"x1", "cp932", "stored", 7, 7, 0, 0, 0, 0, NULL, NULL, 0, -1};
    int64_t id;
    TK_REQUIRE(tk_store_writer_commit(w, &s, &id, &err) == TK_OK);

    /* The business log, which names terminals by IP (or by a resolved name). */
    const tk_upload_meta meta2 = {"biz.csv", 2, "p", 1, "d", 0, 0, NULL};
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta2, pseudonym, NULL, &err) == TK_OK);
    add(w, d0 + 9 * h, "10.0.0.1", 0, NULL);
    add(w, d0 + 9 * h + 1, "10.0.0.2", 0, NULL);
    add(w, d0 + 9 * h + 2, "10.0.0.3", 0, NULL);
    add(w, d0 + 9 * h + 3, "PC01", 1, NULL);
    add(w, d0 + 24 * h + 9 * h, "10.0.0.1", 0, NULL);
    add(w, d0 + 48 * h + 9 * h, "10.0.0.1", 0, NULL); /* day 2: no addresses recorded */
    const tk_upload_summary s2 = {"x2", "utf-8", "stored", 6, 6, 0, 0, 0, 0, NULL, NULL, 0, -1};
    TK_REQUIRE(tk_store_writer_commit(w, &s2, &id, &err) == TK_OK);

    const int64_t ip1 = term_id(db, "10.0.0.1"), ip2 = term_id(db, "10.0.0.2");
    const int64_t ip3 = term_id(db, "10.0.0.3"), pc1 = term_id(db, "PC01");
    const int64_t da = term_id(db, "DESKTOP-A"), de = term_id(db, "DESKTOP-E");
    TK_REQUIRE(ip1 > 0 && ip2 > 0 && ip3 > 0 && pc1 > 0 && da > 0 && de > 0);

    tk_dayevents *d = NULL;
    TK_REQUIRE(tk_dayevents_create(&d, db, &err) == TK_OK);
    TK_REQUIRE(tk_dayevents_load(d, day0, &err) == TK_OK);
    TK_CHECK_INT(tk_dayevents_count(d), 10);
    TK_CHECK_INT(terminal_at(d, d0 + 9 * h), da);      /* rewritten */
    TK_CHECK_INT(terminal_at(d, d0 + 9 * h + 1), ip2); /* ambiguous: left */
    TK_CHECK_INT(terminal_at(d, d0 + 9 * h + 2), ip3); /* in the master: left */
    TK_CHECK_INT(terminal_at(d, d0 + 9 * h + 3), pc1); /* resolved name: left */
    TK_CHECK_INT(terminal_at(d, d0 + 8 * h), da);      /* the logons themselves */
    TK_CHECK_INT(terminal_at(d, d0 + 8 * h + 4), term_id(db, "DESKTOP-F"));
    TK_REQUIRE(tk_dayevents_load(d, day0 + 1, &err) == TK_OK);
    TK_CHECK_INT(tk_dayevents_count(d), 2);
    TK_CHECK_INT(terminal_at(d, d0 + 24 * h + 9 * h), de); /* that day's host */
    TK_REQUIRE(tk_dayevents_load(d, day0 + 2, &err) == TK_OK);
    TK_CHECK_INT(tk_dayevents_count(d), 1);
    TK_CHECK_INT(terminal_at(d, d0 + 48 * h + 9 * h), ip1); /* nothing known that day */
    /* Back to day 0 with the same loader: the same answer. */
    TK_REQUIRE(tk_dayevents_load(d, day0, &err) == TK_OK);
    TK_CHECK_INT(terminal_at(d, d0 + 9 * h), da);
    TK_CHECK_INT(terminal_at(d, d0 + 9 * h + 2), ip3);
    tk_dayevents_destroy(d);
    tk_db_close(db);
    unlink(path);
}

int main(void)
{
    TK_RUN(loads_one_day_sorted);
    TK_RUN(addresses_become_their_terminal);
    TK_TEST_END();
}
