/* tests/src/test_store.c -- the event store writer. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/alloc.h"
#include "src/store.h"
#include "src/timefmt.h"
#include "tests/test.h"

static int fake_pseudonym(void *ctx, const char *p, size_t len, uint8_t out[32], tk_error *err)
{
    (void)err;
    int *calls = ctx;
    (*calls)++;
    memset(out, 0, 32);
    for (size_t i = 0; i < len; i++)
        out[i % 32] = (uint8_t)(out[i % 32] * 31 + (uint8_t)p[i] + 1);
    return TK_OK;
}

static tk_db *fresh_db(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s-%ld.db", tk_test_tmpdir(), name, (long)getpid());
    unlink(path);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    tk_db *db = NULL;
    tk_error err;
    if (tk_db_open(&db, path, TK_DB_CREATE, &err) != TK_OK)
        return NULL;
    if (tk_store_migrate(db, &err) != TK_OK) {
        tk_db_close(db);
        return NULL;
    }
    return db;
}

static tk_view V(const char *s)
{
    return (tk_view){s, strlen(s)};
}

static tk_event event(int64_t t, const char *user, int resolved, const char *subject)
{
    tk_event e;
    memset(&e, 0, sizeof e);
    e.t = t;
    e.system = V("住民基本台帳");
    e.user = V(user);
    e.user_resolved = resolved;
    e.terminal = V("PC01");
    e.terminal_resolved = 1;
    e.op = TK_OP_LOOKUP;
    e.mynumber = -1;
    if (subject)
        e.subject = V(subject);
    return e;
}

static const tk_upload_meta meta = {"a.csv", 100, "p", 1, "ab", 0, 1000, NULL};

static void stores_dictionary_encoded_events(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("store1");
    TK_REQUIRE(db != NULL);
    int calls = 0;
    tk_store_writer *w = NULL;
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    tk_event e1 = event(1000, "679661", 1, "1234567890");
    tk_event e2 = event(2000, "679661", 1, "1234567890");
    tk_event e3 = event(3000, "c999", 0, "2222222222");
    tk_event e4 = event(4000, "c999", 0, NULL);
    TK_CHECK(tk_store_writer_add(w, &e1, &err) == TK_OK);
    TK_CHECK(tk_store_writer_add(w, &e2, &err) == TK_OK);
    TK_CHECK(tk_store_writer_add(w, &e3, &err) == TK_OK);
    TK_CHECK(tk_store_writer_add(w, &e4, &err) == TK_OK);
    TK_CHECK_INT(tk_store_writer_unknown_users(w), 1);
    TK_CHECK_INT(calls, 2); /* one pseudonym per distinct subject */
    const tk_upload_summary s = {"00ff", "utf-8", "stored", 4,    4,    0, 0,
                                 1000,   4000,    NULL,     NULL, 5000, -1};
    int64_t id = 0;
    TK_CHECK(tk_store_writer_commit(w, &s, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 1);
    int64_t n = 0;
    TK_CHECK(tk_store_count_events(db, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 4);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM users", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 2);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM subjects", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 2);
    /* Read back through a scan: every value survives, in file order. */
    tk_store_scan *sc = NULL;
    TK_REQUIRE(tk_store_scan_create(&sc, db, 0, 10000, &err) == TK_OK);
    tk_stored_event se;
    int64_t ts[4];
    uint32_t subj[4];
    int k = 0;
    while (k < 4 && tk_store_scan_next(sc, &se, &err) == 1) {
        ts[k] = se.row.t;
        subj[k] = se.row.subject;
        TK_CHECK_INT(se.upload_id, 1);
        TK_CHECK_INT(se.row.op, TK_OP_LOOKUP);
        TK_CHECK_INT(se.row.count, -1);
        TK_CHECK_INT(se.row.mynumber, -1);
        k++;
    }
    TK_CHECK_INT(k, 4);
    TK_CHECK(tk_store_scan_next(sc, &se, &err) == 0);
    tk_store_scan_destroy(sc);
    TK_CHECK(ts[0] == 1000 && ts[1] == 2000 && ts[2] == 3000 && ts[3] == 4000);
    TK_CHECK(subj[0] == subj[1] && subj[0] != subj[2] && subj[2] != 0 && subj[3] == 0);
    /* Resident identifiers never reach the database in clear. */
    TK_CHECK(tk_db_query_i64(db,
                             "SELECT count(*) FROM subjects WHERE typeof(pseudonym)='blob'"
                             " AND length(pseudonym)=32",
                             &n, &err) == TK_OK);
    TK_CHECK_INT(n, 2);

    /* A second upload reuses the dictionaries and finds the subject. */
    calls = 0;
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    tk_event e5 = event(6000, "c999", 1, "1234567890");
    TK_CHECK(tk_store_writer_add(w, &e5, &err) == TK_OK);
    TK_CHECK_INT(tk_store_writer_unknown_users(w), 0);
    const tk_upload_summary s2 = {"11ff", "utf-8", "stored", 1,    1,    0, 0,
                                  6000,   6000,    NULL,     NULL, 7000, -1};
    TK_CHECK(tk_store_writer_commit(w, &s2, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 2);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM subjects", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 2);
    /* Dictionaries load as dense arrays by id. */
    tk_store_names users, subjects;
    TK_REQUIRE(tk_store_names_load(db, TK_STORE_USERS, &users, &err) == TK_OK);
    TK_CHECK_INT(users.n, 3);
    TK_CHECK(users.names[0] == NULL);
    TK_CHECK_STR(users.names[1], "679661");
    TK_CHECK_STR(users.names[2], "c999");
    TK_CHECK_INT(users.resolved[1], 1);
    tk_store_names_dispose(&users);
    TK_REQUIRE(tk_store_subjects_load(db, &subjects, &err) == TK_OK);
    TK_CHECK_INT(subjects.n, 3);
    uint8_t ps[32];
    TK_CHECK(fake_pseudonym(&calls, "1234567890", 10, ps, &err) == TK_OK);
    TK_CHECK(subjects.names[1] != NULL && memcmp(subjects.names[1], ps, 32) == 0);
    tk_store_names_dispose(&subjects);
    tk_store_names_dispose(NULL);
    /* Resolved later: the flag is raised. */
    TK_CHECK(tk_db_query_i64(db, "SELECT resolved FROM users WHERE name='c999'", &n, &err) ==
             TK_OK);
    TK_CHECK_INT(n, 1);
    tk_db_close(db);
}

static void duplicate_and_abort_store_nothing(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("store2");
    TK_REQUIRE(db != NULL);
    int calls = 0;
    tk_store_writer *w = NULL;
    const tk_upload_summary s = {"abcd", "utf-8", "stored", 1, 1, 0, 0, 1, 1, NULL, NULL, 2, -1};
    int64_t id = 0, n = -1;

    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    tk_event e = event(1, "u", 1, "s");
    TK_CHECK(tk_store_writer_add(w, &e, &err) == TK_OK);
    TK_CHECK(tk_store_writer_commit(w, &s, &id, &err) == TK_OK);
    TK_CHECK(tk_store_has_upload_size(db, 100));
    TK_CHECK(!tk_store_has_upload_size(db, 101));

    /* The same SHA-256 again: refused, and its events are gone. */
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    TK_CHECK(tk_store_writer_add(w, &e, &err) == TK_OK);
    TK_CHECK_INT(tk_store_writer_commit(w, &s, &id, &err), TK_EEXISTS);
    TK_CHECK_STR(err.msg, "identical to upload #1 (same SHA-256); not stored again");
    TK_CHECK(tk_store_count_events(db, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 1);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM uploads", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 1);

    /* An aborted writer leaves no trace, dictionaries included. */
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    tk_event e2 = event(1, "new-user", 0, "new-subject");
    TK_CHECK(tk_store_writer_add(w, &e2, &err) == TK_OK);
    tk_store_writer_abort(w);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM users", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 1);
    TK_CHECK(tk_store_count_events(db, &n, &err) == TK_OK);
    TK_CHECK_INT(n, 1);

    /* A rejected upload is recorded without events. */
    const tk_upload_summary r = {"eeee", "cp932", "rejected", 3,          0, 3, 0,
                                 0,      0,       "/x.csv",   "bad rows", 9, -1};
    TK_CHECK(tk_store_record_rejected(db, &meta, &r, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 2);
    TK_CHECK(tk_db_query_i64(db,
                             "SELECT rows_rejected FROM uploads WHERE id=2 AND"
                             " status='rejected'",
                             &n, &err) == TK_OK);
    TK_CHECK_INT(n, 3);
    TK_CHECK(tk_store_find_upload(db, "eeee", &id, &err) == TK_ENOTFOUND);
    tk_db_close(db);
}

static void scan_filters_by_period_and_keeps_values(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("store4");
    TK_REQUIRE(db != NULL);
    int calls = 0;
    tk_store_writer *w = NULL;
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    /* 10,000 events over three blocks, with every optional field. */
    for (int i = 0; i < 10000; i++) {
        tk_event e = event(1727740800000LL + (int64_t)i * 60000, i % 2 ? "a" : "b", 1, NULL);
        e.op = i % TK_OP_COUNT_;
        e.result = i % 3 == 0;
        e.has_count = i % 5 == 0;
        e.count = i;
        e.mynumber = i % 3 - 1;
        e.has_bytes = i % 7 == 0;
        e.bytes = (int64_t)i * 1000000007LL;
        e.detail = i % 11 == 0 ? V("備考, \"引用\"") : (tk_view){NULL, 0};
        e.device = i % 13 == 0 ? V("USB") : (tk_view){NULL, 0};
        e.serial = i % 13 == 0 ? V("SN1") : (tk_view){NULL, 0};
        TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
    }
    const tk_upload_summary s = {"f00d", "utf-8", "stored", 10000, 10000, 0, 0,
                                 0,      0,       NULL,     NULL,  1,     -1};
    int64_t id;
    TK_REQUIRE(tk_store_writer_commit(w, &s, &id, &err) == TK_OK);
    int64_t nb = 0;
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM event_blocks", &nb, &err) == TK_OK);
    TK_CHECK_INT(nb, 3);
    /* Events 5000..5999 by time. */
    tk_store_scan *sc = NULL;
    TK_REQUIRE(tk_store_scan_create(&sc, db, 1727740800000LL + 5000LL * 60000,
                                    1727740800000LL + 6000LL * 60000, &err) == TK_OK);
    tk_stored_event se;
    int n = 0, rc;
    while ((rc = tk_store_scan_next(sc, &se, &err)) == 1) {
        const int i = 5000 + n;
        TK_CHECK_INT(se.row.t, 1727740800000LL + (int64_t)i * 60000);
        TK_CHECK_INT(se.row.op, i % TK_OP_COUNT_);
        TK_CHECK_INT(se.row.result, i % 3 == 0);
        TK_CHECK_INT(se.row.count, i % 5 == 0 ? i : -1);
        TK_CHECK_INT(se.row.mynumber, i % 3 - 1);
        TK_CHECK_INT(se.row.bytes, i % 7 == 0 ? (int64_t)i * 1000000007LL : -1);
        TK_CHECK_INT(se.row.detail != NULL, i % 11 == 0);
        if (se.row.detail)
            TK_CHECK(se.row.detail_len == strlen("備考, \"引用\"") &&
                     memcmp(se.row.detail, "備考, \"引用\"", se.row.detail_len) == 0);
        TK_CHECK_INT(se.row.device != 0, i % 13 == 0);
        TK_CHECK_INT(se.id, (i / TK_EVBLOCK_MAX + 1) * TK_EVBLOCK_MAX + i % TK_EVBLOCK_MAX);
        n++;
    }
    TK_CHECK_INT(rc, 0);
    TK_CHECK_INT(n, 1000);
    tk_store_scan_destroy(sc);
    int64_t total = 0;
    TK_CHECK(tk_store_count_events(db, &total, &err) == TK_OK);
    TK_CHECK_INT(total, 10000);
    tk_db_close(db);
}

struct pairs {
    uint32_t address[8], terminal[8];
    size_t n;
};

static int collect_pair(void *ctx, const tk_store_address *a)
{
    struct pairs *p = ctx;
    if (p->n < 8) {
        p->address[p->n] = a->address;
        p->terminal[p->n] = a->terminal;
    }
    p->n++;
    return 0;
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

static void records_terminal_addresses_once(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("store5");
    TK_REQUIRE(db != NULL);
    int calls = 0;
    tk_store_writer *w = NULL;
    /* 2024-10-01 00:00 JST: JST day 19997. */
    const int64_t d0 = 1727708400000LL, day = 19997;
    int64_t n = -1, id = 0;

    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    /* The logon log: an unregistered host with its IP, many times a day. */
    for (int i = 0; i < 50; i++) {
        tk_event e = event(d0 + 9 * 3600000LL + i * 60000LL, "u", 1, NULL);
        e.terminal = V("DESKTOP-X");
        e.terminal_resolved = 0;
        e.terminal_address = V("10.0.0.9");
        TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
    }
    /* 00:00 JST of the 2nd is still the 1st in UTC: the day is the JST one. */
    tk_event e = event(d0 + 86400000LL, "u", 1, NULL);
    e.terminal = V("DESKTOP-X");
    e.terminal_resolved = 0;
    e.terminal_address = V("10.0.0.9");
    TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
    /* A registered terminal and its IP; an address equal to the terminal. */
    e = event(d0 + 3600000LL, "u", 1, NULL);
    e.terminal = V("PC02");
    e.terminal_address = V("10.0.0.2");
    TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
    e.terminal = V("PC01");
    e.terminal_address = V("PC01");
    TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
    /* The business log: the same device by its IP alone. */
    e = event(d0 + 10 * 3600000LL, "u", 1, "s");
    e.terminal = V("10.0.0.9");
    e.terminal_resolved = 0;
    TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
    /* Unknown terminals: DESKTOP-X and 10.0.0.9 (logged on); 10.0.0.2 was
     * only named as an address. */
    TK_CHECK_INT(tk_store_writer_unknown_terminals(w), 2);
    const tk_upload_summary s = {"a1", "utf-8", "stored", 54, 54, 0, 0, 1, 1, NULL, NULL, 2, -1};
    TK_REQUIRE(tk_store_writer_commit(w, &s, &id, &err) == TK_OK);

    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM terminal_addresses", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 3);
    const int64_t ip9 = term_id(db, "10.0.0.9"), ip2 = term_id(db, "10.0.0.2");
    const int64_t dx = term_id(db, "DESKTOP-X"), pc2 = term_id(db, "PC02");
    TK_CHECK(ip9 > 0 && ip2 > 0 && dx > 0 && pc2 > 0);
    TK_CHECK(tk_db_query_i64(db, "SELECT resolved FROM terminals WHERE name = '10.0.0.2'", &n,
                             &err) == TK_OK);
    TK_CHECK_INT(n, 0);
    /* The event logged by the IP carries the address's id. */
    tk_store_scan *sc = NULL;
    tk_stored_event se;
    TK_REQUIRE(tk_store_scan_create(&sc, db, d0 + 10 * 3600000LL, d0 + 10 * 3600000LL + 1, &err) ==
               TK_OK);
    TK_CHECK_INT(tk_store_scan_next(sc, &se, &err), 1);
    TK_CHECK_INT(se.row.terminal, ip9);
    tk_store_scan_destroy(sc);

    struct pairs p = {{0}, {0}, 0};
    TK_CHECK(tk_store_terminal_addresses(db, day, collect_pair, &p, &err) == TK_OK);
    TK_REQUIRE(p.n == 2);
    /* Sorted by address: 10.0.0.9 was interned before 10.0.0.2. */
    TK_CHECK(ip9 < ip2);
    TK_CHECK(p.address[0] == ip9 && p.terminal[0] == dx);
    TK_CHECK(p.address[1] == ip2 && p.terminal[1] == pc2);
    p.n = 0;
    TK_CHECK(tk_store_terminal_addresses(db, day + 1, collect_pair, &p, &err) == TK_OK);
    TK_CHECK(p.n == 1 && p.address[0] == ip9 && p.terminal[0] == dx);
    p.n = 0;
    TK_CHECK(tk_store_terminal_addresses(db, day + 2, collect_pair, &p, &err) == TK_OK);
    TK_CHECK_INT(p.n, 0);

    /* Another upload with a known triple and a new one, aborted: nothing
     * of it stays, the new address included. */
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    e = event(d0 + 5 * 86400000LL, "u", 1, NULL);
    e.terminal = V("DESKTOP-X");
    e.terminal_address = V("10.0.0.77");
    TK_CHECK(tk_store_writer_add(w, &e, &err) == TK_OK);
    tk_store_writer_abort(w);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM terminal_addresses", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 3);
    TK_CHECK_INT(term_id(db, "10.0.0.77"), -1);
    /* ...and a commit refused as a duplicate rolls back too. */
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    TK_CHECK(tk_store_writer_add(w, &e, &err) == TK_OK);
    TK_CHECK_INT(tk_store_writer_commit(w, &s, &id, &err), TK_EEXISTS);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM terminal_addresses", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 3);
    /* A later upload repeating a stored triple adds only the new one. */
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    TK_CHECK(tk_store_writer_add(w, &e, &err) == TK_OK);
    e = event(d0 + 9 * 3600000LL, "u", 1, NULL);
    e.terminal = V("DESKTOP-X");
    e.terminal_address = V("10.0.0.9");
    TK_CHECK(tk_store_writer_add(w, &e, &err) == TK_OK);
    const tk_upload_summary s2 = {"a2", "utf-8", "stored", 2, 2, 0, 0, 1, 1, NULL, NULL, 2, -1};
    TK_CHECK(tk_store_writer_commit(w, &s2, &id, &err) == TK_OK);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM terminal_addresses", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 4);
    tk_db_close(db);
}

struct got {
    int64_t id[8], record[8], upload[8], t[8];
    size_t n;
};

static int collect(void *ctx, const tk_stored_event *ev)
{
    struct got *g = ctx;
    if (g->n < 8) {
        g->id[g->n] = ev->id;
        g->record[g->n] = ev->row.record;
        g->upload[g->n] = ev->upload_id;
        g->t[g->n] = ev->row.t;
        g->n++;
    }
    return 0;
}

static int stop_at_first(void *ctx, const tk_stored_event *ev)
{
    (void)ev;
    ++*(int *)ctx;
    return 7;
}

static void reads_events_by_id_with_their_records(void)
{
    tk_error err = {0, ""};
    tk_db *db = fresh_db("store5");
    TK_REQUIRE(db != NULL);
    int calls = 0;
    tk_store_writer *w = NULL;
    static const tk_upload_meta m = {"juki_2024-10.csv", 100, "p", 1, "ab", 0, 1000, NULL};
    TK_REQUIRE(tk_store_writer_begin(&w, db, &m, fake_pseudonym, &calls, &err) == TK_OK);
    /* 10,000 events over three blocks; records skip one row in a hundred
     * (a rejected or empty row) after the header (record 1). */
    for (int i = 0; i < 10000; i++) {
        tk_event e = event(1727740800000LL + (int64_t)i * 60000, "a", 1, NULL);
        e.record = 2 + i + i / 100;
        TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
    }
    const tk_upload_summary s = {"beef", "utf-8", "stored", 10000, 10000, 0, 0,
                                 0,      0,       NULL,     NULL,  1,     -1};
    int64_t up = 0;
    TK_REQUIRE(tk_store_writer_commit(w, &s, &up, &err) == TK_OK);
    const int64_t B = TK_EVBLOCK_MAX;
    /* in any order, repeated, and some that do not exist: past the last
     * block's end, a block that does not exist, a negative id */
    const int64_t ids[] = {3 * B + 5, B, 2 * B - 1, B, 3 * B + 1900, 99 * B, -5};
    struct got g;
    memset(&g, 0, sizeof g);
    TK_CHECK_INT(tk_store_events_by_id(db, ids, sizeof ids / sizeof ids[0], collect, &g, &err),
                 TK_OK);
    TK_REQUIRE(g.n == 3);
    TK_CHECK(g.id[0] == B && g.id[1] == 2 * B - 1 && g.id[2] == 3 * B + 5);
    TK_CHECK_INT(g.record[0], 2);             /* event 0 */
    TK_CHECK_INT(g.record[1], 2 + 4095 + 40); /* event 4095 */
    TK_CHECK_INT(g.record[2], 2 + 8197 + 81); /* event 8197 */
    TK_CHECK_INT(g.t[2], 1727740800000LL + 8197LL * 60000);
    TK_CHECK(g.upload[0] == up && g.upload[2] == up);
    /* the callback stops the reading with its value */
    int seen = 0;
    TK_CHECK_INT(tk_store_events_by_id(db, ids, 3, stop_at_first, &seen, &err), 7);
    TK_CHECK_INT(seen, 1);
    TK_CHECK_INT(tk_store_events_by_id(db, ids, 0, collect, &g, &err), TK_OK);

    char name[8];
    TK_CHECK_INT(tk_store_upload_file_name(db, up, name, sizeof name, &err), TK_OK);
    TK_CHECK_STR(name, "juki_20"); /* cut to the buffer */
    TK_CHECK_INT(tk_store_upload_file_name(db, up + 1, name, sizeof name, &err), TK_ENOTFOUND);

    /* Where the events lie: 2024-10-01 09:00 JST to 10-08 07:39 (10,000 minutes), then
     * one block from December to February (January is inside it). */
    tk_store_span sp;
    TK_REQUIRE(tk_store_event_span(db, &sp, &err) == TK_OK);
    TK_CHECK_INT(sp.nmonths, 1);
    TK_CHECK_INT(sp.months[0], 2024 * 12 + 9);
    TK_CHECK_INT(sp.first_day, tk_days_from_civil(2024, 10, 1));
    TK_CHECK_INT(sp.last_day, tk_days_from_civil(2024, 10, 8));
    tk_store_span_dispose(&sp);
    TK_REQUIRE(tk_store_writer_begin(&w, db, &m, fake_pseudonym, &calls, &err) == TK_OK);
    tk_event e = event(1733900000000LL, "a", 1, NULL); /* 2024-12-11 */
    TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
    e.t = 1739000000000LL; /* 2025-02-08 */
    TK_REQUIRE(tk_store_writer_add(w, &e, &err) == TK_OK);
    const tk_upload_summary s2 = {"feed", "utf-8", "stored", 2, 2, 0, 0, 0, 0, NULL, NULL, 1, -1};
    TK_REQUIRE(tk_store_writer_commit(w, &s2, &up, &err) == TK_OK);
    TK_REQUIRE(tk_store_event_span(db, &sp, &err) == TK_OK);
    TK_REQUIRE(sp.nmonths == 4);
    TK_CHECK(sp.months[0] == 2024 * 12 + 9 && sp.months[1] == 2024 * 12 + 11 &&
             sp.months[2] == 2025 * 12 && sp.months[3] == 2025 * 12 + 1);
    TK_CHECK_INT(sp.last_day, tk_days_from_civil(2025, 2, 8));
    tk_store_span_dispose(&sp);
    tk_store_span_dispose(NULL);
    tk_db_close(db);
}

static void allocation_failures(void)
{
#ifdef TK_TESTING
    tk_error err = {0, ""};
    tk_db *db = fresh_db("store3");
    TK_REQUIRE(db != NULL);
    int calls = 0;
    for (unsigned long k = 1;; k++) {
        tk_store_writer *w = NULL;
        tk_alloc_fail_at(k);
        const int rc = tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err);
        tk_alloc_fail_at(0);
        if (rc == TK_OK) {
            tk_store_writer_abort(w);
            break;
        }
        TK_CHECK(w == NULL);
        TK_REQUIRE(k < 1000);
    }
    int64_t n = -1;
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM uploads", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 0);
    tk_db_close(db);
#endif
}

int main(void)
{
    TK_RUN(stores_dictionary_encoded_events);
    TK_RUN(duplicate_and_abort_store_nothing);
    TK_RUN(scan_filters_by_period_and_keeps_values);
    TK_RUN(records_terminal_addresses_once);
    TK_RUN(reads_events_by_id_with_their_records);
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
