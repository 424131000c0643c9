/* tests/src/test_walkeeper.c -- the background checkpointer: a writer
 * that never pauses keeps the WAL bounded, nothing is lost, the thread
 * stops at once when asked, and bad arguments are refused. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/db.h"
#include "src/walkeeper.h"
#include "tests/test.h"

/* The path of a test database named name in buf, with no file of it
 * left (the database, its WAL and its shared memory). */
static void db_fresh(char *buf, size_t cap, const char *name)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    snprintf(buf, cap, "%s/test_walkeeper_%ld_%s.db", tk_test_tmpdir(), (long)getpid(), name);
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char f[600];
        snprintf(f, sizeof f, "%s%s", buf, suffix[i]);
        unlink(f);
    }
}

static long long wal_size(const char *path)
{
    char wal[600];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", path);
    return stat(wal, &sb) == 0 ? (long long)sb.st_size : 0;
}

/* 6,000 commits of a 1,000-byte row each append 37 MB of frames (without
 * a checkpoint); a RESTART past 256 KiB keeps the file under 16 MiB,
 * what comes in while a round runs included (4 to 5 MiB on an idle
 * machine: the writer does not wait for the thread between commits). */
static void keeps_wal_bounded(void)
{
    char path[512];
    tk_error err = {0, ""};
    tk_db *db = NULL;
    tk_walkeeper *w = NULL;
    db_fresh(path, sizeof path, "bounded");
    TK_REQUIRE(tk_db_open(&db, path, TK_DB_CREATE, &err) == TK_OK);
    TK_REQUIRE(tk_db_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, x TEXT)", &err) == TK_OK);
    const tk_walkeeper_options o = {10, 256 << 10, 100};
    TK_REQUIRE(tk_walkeeper_start(&w, path, &o, &err) == TK_OK);
    TK_REQUIRE(tk_walkeeper_watch(w, db, &err) == TK_OK);
    sqlite3_stmt *st = NULL;
    TK_REQUIRE(tk_db_prepare(db, &st, "INSERT INTO t(x) VALUES(printf('%.1000c', 'a'))", &err) ==
               TK_OK);
    long long most = 0;
    const int rows = 6000;
    for (int i = 0; i < rows; i++) {
        TK_CHECK_INT(tk_db_step(db, st, &err), 0);
        sqlite3_reset(st);
        const long long s = wal_size(path);
        if (s > most)
            most = s;
    }
    sqlite3_finalize(st);
    tk_walkeeper_stats stats;
    tk_walkeeper_stats_get(w, &stats);
    printf("the WAL at most %lld bytes, %llu frames; %llu passive, %llu restarts, %llu busy\n",
           most, (unsigned long long)stats.max_frames, (unsigned long long)stats.passive,
           (unsigned long long)stats.restarts, (unsigned long long)stats.busy);
    TK_CHECK(most > 0 && most < (16 << 20));
    TK_CHECK(stats.restarts >= 1);
    TK_CHECK_INT(stats.errors, 0);
    int64_t n = 0;
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM t", &n, &err) == TK_OK);
    TK_CHECK_INT(n, rows);
    /* The writer closes first (the walkeeper must outlive it), then the
     * walkeeper's own close checkpoints the WAL away. */
    tk_db_close(db);
    tk_walkeeper_stop(w);
    TK_CHECK_INT(wal_size(path), 0);
    TK_REQUIRE(tk_db_open(&db, path, 0, &err) == TK_OK);
    TK_CHECK(tk_db_query_i64(db, "SELECT count(*) FROM t", &n, &err) == TK_OK);
    TK_CHECK_INT(n, rows);
    tk_db_close(db);
    db_fresh(path, sizeof path, "bounded");
}

/* Stopped while it waits out a long interval: it ends at once. */
static void stops_at_once(void)
{
    char path[512];
    tk_error err = {0, ""};
    tk_db *db = NULL;
    tk_walkeeper *w = NULL;
    db_fresh(path, sizeof path, "stop");
    TK_REQUIRE(tk_db_open(&db, path, TK_DB_CREATE, &err) == TK_OK);
    tk_db_close(db);
    const tk_walkeeper_options o = {60 * 1000, 1 << 20, 100};
    TK_REQUIRE(tk_walkeeper_start(&w, path, &o, &err) == TK_OK);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    tk_walkeeper_stop(w);
    clock_gettime(CLOCK_MONOTONIC, &b);
    const double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    TK_CHECK(s < 1.0);
    tk_walkeeper_stop(NULL);
    db_fresh(path, sizeof path, "stop");
}

/* No database, or an interval of 0: nothing started. */
static void refuses_bad_arguments(void)
{
    tk_walkeeper *w = NULL;
    tk_error err = {0, ""};
    char path[512];
    db_fresh(path, sizeof path, "missing");
    TK_CHECK_INT(tk_walkeeper_start(&w, path, NULL, &err), TK_ENOTFOUND);
    TK_CHECK(w == NULL);
    const tk_walkeeper_options zero = {0, 1 << 20, 100};
    TK_CHECK_INT(tk_walkeeper_start(&w, path, &zero, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "interval") != NULL);
    TK_CHECK(w == NULL);
}

int main(void)
{
    TK_RUN(keeps_wal_bounded);
    TK_RUN(stops_at_once);
    TK_RUN(refuses_bad_arguments);
    TK_TEST_END();
}
