/* api/routes_analyses.c -- analyses started over HTTP: jobs that run in the
 * server process.
 *
 * POST /api/v1/analyses starts a job on a thread of its own and answers 202
 * with its id; the job opens the tenant read-write, takes its writer lock
 * and runs tk_analysis_run() with a cancel hook that DELETE sets. One job
 * per tenant is queued or running at a time, and at most ANALYSES_MAX in
 * all. Jobs live only in this process's memory (the newest JOBS_KEPT are
 * kept); their runs are stored in the tenant like any other.
 *
 * Thread-safe: the job list is guarded by one mutex; a job's fields that
 * its thread writes are read under it too. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/handler.h"
#include "api/jsonout.h"
#include "api/routes.h"
#include "models/analysis.h"
#include "src/alloc.h"
#include "src/checked.h"
#include "src/period.h"

/* Jobs queued or running at once, over all tenants. */
#define ANALYSES_MAX 2
/* Finished jobs kept in memory, newest first. */
#define JOBS_KEPT 64

enum job_state { QUEUED, RUNNING, DONE, FAILED, CANCELLED };

static const char *const state_names[] = {"queued", "running", "done", "failed", "cancelled"};

struct job {
    int64_t id;
    char tenant[TK_TENANT_NAME_MAX + 1];
    char *data_dir;
    tk_period period, baseline;
    uint64_t seed;
    char by[TK_ACTOR_NAME_SIZE], role[16], address[64];
    enum job_state state;
    char stage[64];
    double progress;
    int64_t created, started, finished; /* Unix ms; 0: not yet */
    int cancel;                         /* set by DELETE; read by the hook */
    json_t *summary;                    /* when done */
    char error[TK_ERROR_MSG_SIZE];      /* when failed */
    struct job *next;                   /* newer to older */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct job *jobs; /* newest first */
static int64_t last_id;

static int64_t now_ms(void)
{
    return tk_actor_now(NULL);
}

static int active(const struct job *j)
{
    return j->state == QUEUED || j->state == RUNNING;
}

/* Drops finished jobs beyond JOBS_KEPT (under mu). */
static void trim(void)
{
    size_t n = 0;
    for (struct job **p = &jobs; *p != NULL;) {
        struct job *j = *p;
        if (!active(j) && ++n > JOBS_KEPT) {
            *p = j->next;
            json_decref(j->summary);
            tk_free(j->data_dir);
            tk_free(j);
        } else {
            p = &j->next;
        }
    }
}

static int cancelled(void *ctx)
{
    const struct job *j = ctx;
    return __atomic_load_n(&j->cancel, __ATOMIC_RELAXED);
}

static void progress(void *ctx, const char *stage, double done)
{
    struct job *j = ctx;
    pthread_mutex_lock(&mu);
    snprintf(j->stage, sizeof j->stage, "%s", stage);
    j->progress = done;
    pthread_mutex_unlock(&mu);
}

static void *job_main(void *arg)
{
    struct job *j = arg;
    tk_error err = {0, ""};
    tk_tenant *t = NULL;
    tk_rulecat_config *cfg = NULL;
    tk_analysis_summary sum;
    memset(&sum, 0, sizeof sum);
    pthread_mutex_lock(&mu);
    j->state = RUNNING;
    j->started = now_ms();
    pthread_mutex_unlock(&mu);

    const tk_actor actor = {j->by, j->role, j->address, NULL};
    tk_analysis_options o = TK_ANALYSIS_OPTIONS_INIT;
    o.baseline = j->baseline;
    o.seed = j->seed;
    o.threads = 1; /* the server's requests keep the other cores */
    o.progress = progress;
    o.progress_ctx = j;
    o.cancelled = cancelled;
    o.cancel_ctx = j;
    o.actor = &actor;
    char what[96], pb[32];
    tk_period_format(&j->period, pb, sizeof pb);
    snprintf(what, sizeof what, "analyze of %s over https (job %lld)", pb, (long long)j->id);
    int rc = tk_analysis_open_tenant(&t, j->data_dir, j->tenant, 0, &err);
    /* Another writer (an upload, a command) is waited for, while a cancel
     * still takes effect. */
    int waiting = 0;
    while (rc == TK_OK &&
           (rc = tk_tenant_lock_writer(t, what, TK_TENANT_NOWAIT, NULL, NULL, &err)) == TK_EBUSY) {
        if (cancelled(j)) {
            rc = TK_ECANCELLED;
            break;
        }
        if (!waiting++)
            progress(j, "waiting for another writer of the tenant", 0.0);
        rc = TK_OK;
        const struct timespec pause = {0, 200 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (rc == TK_OK)
        rc = tk_rulecat_in_force(tk_tenant_db(t), &cfg, NULL, &err);
    o.rules = cfg;
    if (rc == TK_OK)
        rc = tk_analysis_run(t, &j->period, &o, &sum, &err);
    json_t *doc = rc == TK_OK ? tk_jsonout_analysis_summary(&sum) : NULL;
    tk_analysis_summary_dispose(&sum);
    tk_rulecat_config_destroy(cfg);
    tk_tenant_close(t);

    pthread_mutex_lock(&mu);
    j->finished = now_ms();
    if (rc == TK_OK && doc != NULL) {
        j->state = DONE;
        j->summary = doc;
        j->progress = 1.0;
    } else if (rc == TK_ECANCELLED) {
        j->state = CANCELLED;
    } else {
        json_decref(doc);
        j->state = FAILED;
        snprintf(j->error, sizeof j->error, "%s",
                 rc == TK_OK ? "out of memory writing the summary" : err.msg);
    }
    trim();
    pthread_mutex_unlock(&mu);
    return NULL;
}

/* The job as JSON (under mu). */
static json_t *job_json(const struct job *j)
{
    char pb[32];
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    tk_period_format(&j->period, pb, sizeof pb);
    json_object_set_new(o, "id", json_integer(j->id));
    json_object_set_new(o, "period", json_string(pb));
    json_object_set_new(o, "state", json_string(state_names[j->state]));
    json_object_set_new(o, "stage", tk_handler_opt_str(j->stage[0] ? j->stage : NULL));
    json_object_set_new(o, "progress", json_real(j->progress));
    json_object_set_new(o, "started_by", json_string(j->by));
    json_object_set_new(o, "created_at", tk_jsonout_time(j->created));
    json_object_set_new(o, "started_at", j->started ? tk_jsonout_time(j->started) : json_null());
    json_object_set_new(o, "finished_at", j->finished ? tk_jsonout_time(j->finished) : json_null());
    json_object_set_new(o, "run",
                        j->summary ? json_incref(json_object_get(j->summary, "run")) : json_null());
    json_object_set_new(o, "summary", j->summary ? json_incref(j->summary) : json_null());
    json_object_set_new(o, "error", tk_handler_opt_str(j->state == FAILED ? j->error : NULL));
    return o;
}

/* The tenant the request acts on (never a client's value unless a global
 * admin names it, as tk_server_req_tenant checks): opens and closes it,
 * which answers an unknown or forbidden tenant. */
static int req_tenant(tk_server_req *r, char name[TK_TENANT_NAME_MAX + 1], int check_period,
                      const tk_period *pr)
{
    tk_tenant *t = NULL;
    if (tk_server_req_tenant(r, 0, &t) != TK_OK)
        return -1;
    snprintf(name, TK_TENANT_NAME_MAX + 1, "%s", tk_tenant_name(t));
    tk_error err = {0, ""};
    const int rc = check_period ? tk_period_check_open(tk_tenant_db(t), pr, &err) : TK_OK;
    tk_tenant_close(t);
    if (rc != TK_OK) {
        tk_server_reply_tk_error(r, &err);
        return -1;
    }
    return 0;
}

/* Reads a "FROM..TO" member of the body; 0, or -1 with a 422 queued. */
static int body_period(tk_server_req *r, json_t *v, const char *name, tk_period *out)
{
    tk_error err = {0, ""};
    const char *s = json_string_value(v);
    if (s == NULL || tk_period_parse(s, strlen(s), out, &err) != TK_OK) {
        char msg[TK_ERROR_MSG_SIZE + 64];
        snprintf(msg, sizeof msg, "%s: %s", name,
                 s == NULL ? "expected a string YYYY-MM-DD..YYYY-MM-DD" : err.msg);
        tk_server_reply_error(r, 422, "unprocessable", tk_handler_reason(msg));
        return -1;
    }
    return 0;
}

static int start(tk_server_req *r)
{
    json_t *body = tk_server_req_body(r);
    json_t *period = json_object_get(body, "period"), *baseline = json_object_get(body, "baseline"),
           *seed = json_object_get(body, "seed");
    const size_t keys = 1u + (baseline != NULL ? 1u : 0u) + (seed != NULL ? 1u : 0u);
    if (!json_is_object(body) || period == NULL || json_object_size(body) != keys ||
        (seed != NULL && (!json_is_integer(seed) || json_integer_value(seed) < 0)))
        return tk_server_reply_error(
            r, 422, "unprocessable",
            tk_handler_reason("the body is {\"period\": \"YYYY-MM-DD..YYYY-MM-DD\", \"baseline\": "
                              "\"YYYY-MM-DD..YYYY-MM-DD\" (optional), \"seed\": a non-negative "
                              "integer (optional)} and nothing else"));
    struct job *j = tk_calloc(1, sizeof *j);
    if (j == NULL)
        return tk_server_reply_error(r, 500, "internal", NULL);
    const tk_analysis_options defaults = TK_ANALYSIS_OPTIONS_INIT;
    j->baseline = defaults.baseline;
    j->seed = seed ? (uint64_t)json_integer_value(seed) : defaults.seed;
    if (body_period(r, period, "period", &j->period) ||
        (baseline && body_period(r, baseline, "baseline", &j->baseline))) {
        tk_free(j);
        return 0;
    }
    if (baseline && j->baseline.last_day >= j->period.first_day) {
        tk_free(j);
        return tk_server_reply_error(
            r, 422, "unprocessable",
            tk_handler_reason("baseline: the baseline must end before the period starts"));
    }
    if (req_tenant(r, j->tenant, 1, &j->period)) {
        tk_free(j);
        return 0;
    }
    const tk_actor *a = tk_server_req_actor(r);
    snprintf(j->by, sizeof j->by, "%s", a->name);
    snprintf(j->role, sizeof j->role, "%s", a->role ? a->role : "");
    snprintf(j->address, sizeof j->address, "%s", a->address ? a->address : "");
    j->data_dir = tk_strndup(tk_server_req_data_dir(r), strlen(tk_server_req_data_dir(r)));
    if (j->data_dir == NULL) {
        tk_free(j);
        return tk_server_reply_error(r, 500, "internal", NULL);
    }
    j->created = now_ms();
    pthread_mutex_lock(&mu);
    size_t running = 0;
    const struct job *same = NULL;
    for (const struct job *k = jobs; k != NULL; k = k->next) {
        running += active(k) ? 1u : 0u;
        if (active(k) && strcmp(k->tenant, j->tenant) == 0)
            same = k;
    }
    char msg[160] = "";
    if (same != NULL)
        snprintf(msg, sizeof msg, "analysis job %lld of this tenant is still %s",
                 (long long)same->id, state_names[same->state]);
    else if (running >= ANALYSES_MAX)
        snprintf(msg, sizeof msg, "%d analyses are running on this server: retry later",
                 ANALYSES_MAX);
    pthread_t th;
    pthread_attr_t attr;
    int started = 0;
    if (msg[0] == '\0') {
        j->id = ++last_id;
        j->next = jobs;
        jobs = j;
        started = pthread_attr_init(&attr) == 0;
        if (started) {
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            started = pthread_create(&th, &attr, job_main, j) == 0;
            pthread_attr_destroy(&attr);
        }
        if (!started) {
            j->state = FAILED;
            j->finished = now_ms();
            snprintf(j->error, sizeof j->error, "cannot start the job's thread");
        }
    }
    json_t *doc = msg[0] == '\0' ? job_json(j) : NULL;
    const int64_t id = j->id;
    pthread_mutex_unlock(&mu);
    if (msg[0] != '\0') {
        tk_free(j->data_dir);
        tk_free(j);
        return tk_server_reply_error(r, 409, "conflict", tk_handler_reason(msg));
    }
    if (!started) {
        json_decref(doc);
        return tk_server_reply_error(r, 500, "internal", NULL);
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/analyses/%lld", (long long)id);
    tk_server_req_header(r, "Location", loc);
    return tk_server_reply_json(r, 202, doc);
}

/* The job of the path in the request's tenant (under mu), or NULL with an
 * answer queued (400 bad id, 404 unknown). */
static struct job *path_job(tk_server_req *r, const char *tenant)
{
    const char *p = tk_server_req_param(r);
    int64_t id = 0;
    if (p == NULL || !tk_parse_i64(p, strlen(p), &id) || id <= 0) {
        tk_handler_bad_arg(r, "job", "expected a positive integer job id");
        return NULL;
    }
    for (struct job *j = jobs; j != NULL; j = j->next)
        if (j->id == id && strcmp(j->tenant, tenant) == 0)
            return j;
    char msg[96];
    snprintf(msg, sizeof msg, "no analysis job %lld in this tenant", (long long)id);
    tk_server_reply_error(r, 404, "not_found", tk_handler_reason(msg));
    return NULL;
}

static int get(tk_server_req *r)
{
    char tenant[TK_TENANT_NAME_MAX + 1];
    if (req_tenant(r, tenant, 0, NULL))
        return 0;
    pthread_mutex_lock(&mu);
    const struct job *j = path_job(r, tenant);
    json_t *doc = j ? job_json(j) : NULL;
    pthread_mutex_unlock(&mu);
    return j ? tk_server_reply_json(r, 200, doc) : 0;
}

static int list(tk_server_req *r)
{
    char tenant[TK_TENANT_NAME_MAX + 1];
    if (req_tenant(r, tenant, 0, NULL))
        return 0;
    json_t *arr = json_array();
    pthread_mutex_lock(&mu);
    for (const struct job *j = jobs; arr != NULL && j != NULL; j = j->next)
        if (strcmp(j->tenant, tenant) == 0)
            json_array_append_new(arr, job_json(j));
    pthread_mutex_unlock(&mu);
    return tk_server_reply_json(r, 200, json_pack("{s:o}", "jobs", arr));
}

static int cancel(tk_server_req *r)
{
    char tenant[TK_TENANT_NAME_MAX + 1];
    if (req_tenant(r, tenant, 0, NULL))
        return 0;
    pthread_mutex_lock(&mu);
    struct job *j = path_job(r, tenant);
    json_t *doc = NULL;
    char msg[96] = "";
    if (j != NULL && !active(j))
        snprintf(msg, sizeof msg, "analysis job %lld is %s already", (long long)j->id,
                 state_names[j->state]);
    else if (j != NULL) {
        __atomic_store_n(&j->cancel, 1, __ATOMIC_RELAXED);
        doc = job_json(j);
    }
    pthread_mutex_unlock(&mu);
    if (j == NULL)
        return 0;
    if (msg[0])
        return tk_server_reply_error(r, 409, "conflict", tk_handler_reason(msg));
    return tk_server_reply_json(r, 202, doc);
}

static const tk_route analyses[] = {
    {"POST", "/api/v1/analyses", TK_ROUTE_AUTH, TK_ROUTE_ANALYST | TK_ROUTE_ADMIN, start,
     "start an analysis of a period: a job"},
    {"GET", "/api/v1/analyses", TK_ROUTE_AUTH, TK_ROUTE_READERS, list,
     "the tenant's analysis jobs, newest first"},
    {"GET", "/api/v1/analyses/{id}", TK_ROUTE_AUTH, TK_ROUTE_READERS, get,
     "an analysis job's state and progress"},
    {"DELETE", "/api/v1/analyses/{id}", TK_ROUTE_AUTH, TK_ROUTE_ANALYST | TK_ROUTE_ADMIN, cancel,
     "cancel an analysis job"},
};

const tk_route *tk_routes_analyses(size_t *n)
{
    *n = sizeof analyses / sizeof analyses[0];
    return analyses;
}
