/* tests/src/test_store.c -- the event store writer. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "src/alloc.h"
#include "src/store.h"
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

static const tk_upload_meta meta = {"a.csv", 100, "p", 1, "ab", 0, 1000};

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
    const tk_upload_summary s = {"00ff", "utf-8", "stored", 4,    4,    0,
                                 0,      1000,    4000,     NULL, NULL, 5000};
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
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM events WHERE subject_id IS NULL", &n,
                             &err) == TK_OK);
    TK_CHECK_INT(n, 1);
    TK_CHECK(tk_db_query_i64(db, "SELECT unknown_users FROM uploads WHERE id=1", &n, &err) ==
             TK_OK);
    TK_CHECK_INT(n, 1);
    TK_CHECK(tk_db_query_i64(db, "SELECT resolved FROM users WHERE name='c999'", &n, &err) ==
             TK_OK);
    TK_CHECK_INT(n, 0);
    /* Resident identifiers never reach the database in clear. */
    TK_CHECK(tk_db_query_i64(db,
                             "SELECT count(*) FROM events e JOIN subjects s ON s.id=e.subject_id"
                             " WHERE typeof(s.pseudonym)='blob' AND length(s.pseudonym)=32",
                             &n, &err) == TK_OK);
    TK_CHECK_INT(n, 3);

    /* A second upload reuses the dictionaries and finds the subject. */
    calls = 0;
    TK_REQUIRE(tk_store_writer_begin(&w, db, &meta, fake_pseudonym, &calls, &err) == TK_OK);
    tk_event e5 = event(6000, "c999", 1, "1234567890");
    TK_CHECK(tk_store_writer_add(w, &e5, &err) == TK_OK);
    TK_CHECK_INT(tk_store_writer_unknown_users(w), 0);
    const tk_upload_summary s2 = {"11ff", "utf-8", "stored", 1,    1,    0,
                                  0,      6000,    6000,     NULL, NULL, 7000};
    TK_CHECK(tk_store_writer_commit(w, &s2, &id, &err) == TK_OK);
    TK_CHECK_INT(id, 2);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM subjects", &n, &err) == TK_OK);
    TK_CHECK_INT(n, 2);
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
    const tk_upload_summary s = {"abcd", "utf-8", "stored", 1, 1, 0, 0, 1, 1, NULL, NULL, 2};
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
    const tk_upload_summary r = {"eeee", "cp932", "rejected", 3,        0,          3,
                                 0,      0,       0,          "/x.csv", "bad rows", 9};
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
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
