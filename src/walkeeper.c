/* src/walkeeper.c -- a background checkpointer for a WAL database.
 *
 * Why two kinds of checkpoint. A PASSIVE checkpoint copies the frames of
 * the WAL into the database without waiting for anyone, but it never
 * restarts the log: a writer starts the WAL from its beginning only when
 * it finds every frame copied, and under a load that never pauses new
 * frames arrive while the copy runs (a PASSIVE-only checkpointer let the
 * service's WAL grow to 227 MB in 10 s, and every read then searched its
 * index). A RESTART checkpoint takes the write lock (writers wait in
 * their busy handlers), copies what is left, and waits for the readers
 * of older snapshots to end, after which the next writer restarts the
 * log. So each round runs a PASSIVE first, which does the bulk of the
 * copy and its two fsyncs while writers go on, and then, when the WAL
 * holds more than restart_bytes of frames, a RESTART, which only has the
 * frames of the last few milliseconds left to copy while it holds the
 * writers back. The WAL file therefore stays near restart_bytes plus
 * what one interval writes (RESTART leaves the file at its size and
 * writes over it, which costs no allocation on the next round).
 *
 * The RESTART's busy handler polls every 100 us and gives up after
 * busy_ms: a reader holding an old snapshot or a long writer then delays
 * the restart to the next round instead of holding every writer behind
 * the checkpointer (the WAL grows meanwhile, and the next round tries
 * again; it is counted as busy). The wait for readers comes after the
 * write lock is taken, so writers wait through it: on a machine with a
 * load of 10, where a reader is often descheduled inside its short read,
 * a 100 ms wait gave way 30 times in 30 s and held the writers 6 s in
 * all; busy_ms is therefore short. Durability is the writers' own
 * (synchronous=NORMAL in WAL mode: a commit is in the WAL when it
 * returns, safe against a crash of the process); the checkpoint syncs
 * the WAL before copying and the database before the log is reused. */
#include "src/walkeeper.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <time.h>

#include "src/alloc.h"
#include "src/db.h"

struct tk_walkeeper {
    tk_db *db;
    tk_walkeeper_options o;
    uint64_t frame_bytes; /* a WAL frame: the page and its 24-byte header */
    int64_t busy_until;   /* the RESTART's busy handler's deadline (ms, monotonic; thread only) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;        /* on CLOCK_MONOTONIC */
    int stop;                 /* behind mu */
    atomic_int kicked;        /* a writer saw the WAL past restart_bytes; the thread clears it */
    tk_walkeeper_stats stats; /* behind mu */
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int busy_poll(void *arg, int tries)
{
    const tk_walkeeper *w = arg;
    (void)tries;
    if (mono_ms() >= w->busy_until)
        return 0;
    const struct timespec ts = {0, 100 * 1000};
    nanosleep(&ts, NULL);
    return 1;
}

/* The writers' WAL hook, called after each of their commits with the
 * WAL's frames: past restart_bytes it wakes the thread at once instead of
 * at its next interval, so that under a heavy load the WAL is restarted
 * when it reaches the size, not an interval's worth of frames later. The
 * flag keeps a burst of commits from taking the mutex each. */
static int wal_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
    tk_walkeeper *w = arg;
    (void)h;
    (void)name;
    if (frames > 0 && (uint64_t)frames * w->frame_bytes > w->o.restart_bytes &&
        !atomic_exchange(&w->kicked, 1)) {
        pthread_mutex_lock(&w->mu);
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
    }
    return SQLITE_OK;
}

/* One round: a PASSIVE checkpoint, then a RESTART if the WAL is long. */
static void round_run(tk_walkeeper *w, tk_walkeeper_stats *d)
{
    sqlite3 *h = tk_db_handle(w->db);
    int nlog = 0, nckpt = 0;
    int s = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
    if (s == SQLITE_BUSY)
        return; /* another connection is checkpointing */
    if (s != SQLITE_OK) {
        d->errors++;
        return;
    }
    d->passive++;
    if (nlog > 0 && (uint64_t)nlog > d->max_frames)
        d->max_frames = (uint64_t)nlog;
    if (nlog <= 0 || (uint64_t)nlog * w->frame_bytes <= w->o.restart_bytes)
        return;
    const int64_t t0 = mono_us();
    w->busy_until = t0 / 1000 + w->o.busy_ms;
    s = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_RESTART, &nlog, &nckpt);
    const uint64_t took = (uint64_t)(mono_us() - t0);
    d->restart_us += took;
    if (took > d->restart_us_max)
        d->restart_us_max = took;
    /* SQLITE_OK with frames left: the write lock was not had in time and
     * SQLite fell back to a passive copy. */
    if (s == SQLITE_OK && nlog == nckpt)
        d->restarts++;
    else if (s == SQLITE_OK || s == SQLITE_BUSY)
        d->busy++;
    else
        d->errors++;
}

static void *run(void *arg)
{
    tk_walkeeper *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec at;
        clock_gettime(CLOCK_MONOTONIC, &at);
        at.tv_nsec += (long)(w->o.interval_ms % 1000) * 1000000L;
        at.tv_sec += w->o.interval_ms / 1000 + at.tv_nsec / 1000000000L;
        at.tv_nsec %= 1000000000L;
        while (!w->stop && !atomic_load(&w->kicked) &&
               pthread_cond_timedwait(&w->cv, &w->mu, &at) != ETIMEDOUT)
            ;
        if (w->stop)
            break;
        tk_walkeeper_stats d = {0, 0, 0, 0, w->stats.max_frames, 0, w->stats.restart_us_max};
        pthread_mutex_unlock(&w->mu);
        round_run(w, &d);
        /* Commits of the round's last milliseconds saw the WAL as it was
         * before the restart: their kick is not another round's need. */
        atomic_store(&w->kicked, 0);
        pthread_mutex_lock(&w->mu);
        w->stats.passive += d.passive;
        w->stats.restarts += d.restarts;
        w->stats.busy += d.busy;
        w->stats.errors += d.errors;
        w->stats.max_frames = d.max_frames;
        w->stats.restart_us += d.restart_us;
        w->stats.restart_us_max = d.restart_us_max;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int tk_walkeeper_start(tk_walkeeper **out, const char *path, const tk_walkeeper_options *o,
                       tk_error *err)
{
    const tk_walkeeper_options def = TK_WALKEEPER_OPTIONS_INIT;
    tk_walkeeper *w = NULL;
    int64_t page = 0;
    int rc;

    *out = NULL;
    if (o == NULL)
        o = &def;
    if (o->interval_ms == 0 || o->restart_bytes == 0)
        return tk_error_set(err, TK_EINVAL,
                            "a checkpoint interval and a WAL size above 0 are needed");
    w = tk_calloc(1, sizeof *w);
    if (w == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory starting the checkpointer");
    w->o = *o;
    atomic_init(&w->kicked, 0);
    rc = tk_db_open(&w->db, path, 0, err);
    if (rc != TK_OK)
        goto fail;
    rc = tk_db_query_i64(w->db, "PRAGMA page_size", &page, err);
    if (rc != TK_OK)
        goto fail;
    w->frame_bytes = (uint64_t)(page > 0 ? page : 4096) + 24;
    /* Its own checkpoints are the rounds; its busy handler is bounded. */
    rc = tk_db_exec(w->db, "PRAGMA wal_autocheckpoint=0", err);
    if (rc != TK_OK)
        goto fail;
    sqlite3_busy_handler(tk_db_handle(w->db), busy_poll, w);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        rc = tk_error_set(err, TK_EINTERNAL, "cannot start the checkpointer's thread");
        goto fail;
    }
    *out = w;
    return TK_OK;
fail:
    tk_db_close(w->db);
    tk_free(w);
    return rc;
}

int tk_walkeeper_watch(tk_walkeeper *w, tk_db *db, tk_error *err)
{
    const int rc = tk_db_exec(db, "PRAGMA wal_autocheckpoint=0", err);
    if (rc != TK_OK)
        return rc;
    sqlite3_wal_hook(tk_db_handle(db), wal_hook, w);
    return TK_OK;
}

void tk_walkeeper_stats_get(tk_walkeeper *w, tk_walkeeper_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}

void tk_walkeeper_stop(tk_walkeeper *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    tk_db_close(w->db);
    tk_free(w);
}
