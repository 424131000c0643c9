/* models/iforest.c -- isolation forest.
 *
 * Approach (Liu, Ting & Zhou, "Isolation Forest", ICDM 2008, and
 * "Isolation-Based Anomaly Detection", ACM TKDD 6(1):3, 2012). Each of t
 * trees is grown on psi rows drawn without replacement (psi = min(psi, n)).
 * A node is external when it lies at the height limit l = ceil(log2 psi),
 * holds at most one row, or holds rows that are all equal (the three stop
 * conditions of the papers' definition of an iTree). Otherwise it is split
 * on an attribute q drawn uniformly at random at a value p drawn uniformly
 * between the minimum and the maximum of q among the node's rows; rows
 * with x[q] < p go left, the others right.
 *
 * Constant attributes. Columns that are constant over the whole training
 * set are never drawn: they separate nothing and would only shorten every
 * tree. An attribute that varies overall but is constant among a node's
 * rows is drawn like any other, as the papers' algorithm does: p is then
 * that constant, no training row goes left, and the node's rows continue
 * one level deeper on the right. This is not wasted: the empty left child
 * isolates, at depth e + 1, any scored row that has a smaller x[q] than all
 * the training rows that share its path. scikit-learn instead redraws until
 * it finds a varying attribute; on the papers' smtp data (3 attributes,
 * many of them constant within nodes) that gives ROC AUC 0.905 against the
 * published 0.88, while the papers' rule gives 0.886 (bench/iforest).
 * Since a split can leave one side empty, a tree may have more than
 * 2 psi - 1 nodes, but never more than min(2^(l+1) - 1, l psi + 1): the
 * non-empty nodes of one depth hold disjoint rows.
 *
 * The path length of x in a tree is the depth e of the external node it
 * reaches plus c(size), where size is the number of training rows that
 * ended there: c(n) is the average path length of an unsuccessful search
 * in a binary search tree of n keys,
 *     c(n) = 2 H(n - 1) - 2 (n - 1) / n,  H(i) ~ ln(i) + 0.5772156649,
 * with c(1) = 0 and c(2) = 1 (the approximation of H is poor at i = 1, and
 * c(2) = 1 is exact: two keys, one comparison). The score is
 *     s(x) = 2^(-E[h(x)] / c(psi)),
 * where E[h(x)] is the mean path length over the trees: s -> 1 when E -> 0,
 * s = 0.5 when E = c(psi), s -> 0 when E -> psi - 1.
 *
 * Layout. All trees live in one array of 16-byte nodes {value, feat, left}:
 * the children of a split are adjacent (right = left + 1), so a step down
 * is the branch-free `pos = left + (x[feat] >= value)`. An external node
 * points to itself with value +inf, so a row that reaches it stays put
 * (every x is finite, so x >= +inf is false); its path length e + c(size)
 * is precomputed in a parallel array. Scoring then runs every row for
 * exactly the tree's depth, with no test for "reached a leaf": a block of
 * up to 256 rows descends one tree level by level, which gives the CPU that
 * many independent load chains to overlap instead of one chain of
 * dependent loads and mispredicted branches per row. A block's rows (at
 * most about 16 KiB) and a tree (at most 511 nodes, 8 KiB, for psi = 256)
 * stay in L1 while the block runs through all trees.
 *
 * Randomness and threads. Tree k uses its own Mersenne Twister
 * (gsl_rng_mt19937) seeded with a SplitMix64 hash of (seed, k) and is built
 * in its own slot of the node array, so the forest depends only on the
 * seed, whichever thread builds which tree; slots are compacted afterwards.
 * Row samples are drawn with Floyd's algorithm (one draw per sampled row,
 * a bitmap of the n rows for membership). Scoring splits the rows into one
 * contiguous range per thread; a row's score sums the trees in a fixed
 * order, so it is the same with any number of threads. Workers allocate
 * nothing: every buffer is allocated before they start, and a thread that
 * cannot be created has its share done by the calling thread. */
#include "models/iforest.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "src/alloc.h"
#include "src/checked.h"

#define EULER_GAMMA 0.5772156649
#define MAX_THREADS 64
/* Fewer rows than this per extra thread are scored by the caller alone. */
#define ROWS_PER_THREAD 8192
#define BLOCK           256

typedef struct node {
    double value;  /* go right when x[feat] >= value; +inf at external nodes */
    uint32_t feat; /* attribute tested; 0 at external nodes */
    uint32_t left; /* index in the tree of the left child (right = left + 1), or self */
} node;

struct tk_iforest {
    size_t d, trees, psi, limit, threads;
    size_t nnodes;
    double cpsi;     /* c(psi) */
    node *nodes;     /* all trees; tree k starts at start[k] */
    double *leaf;    /* parallel to nodes: e + c(size) at external nodes, 0 inside */
    size_t *start;   /* trees + 1 offsets into nodes */
    uint32_t *depth; /* per tree: depth of its deepest external node */
};

double tk_iforest_c(size_t n)
{
    if (n <= 1)
        return 0.0;
    if (n == 2)
        return 1.0;
    const double m = (double)(n - 1);
    return 2.0 * (log(m) + EULER_GAMMA) - 2.0 * m / (double)n;
}

size_t tk_iforest_features(const tk_iforest *f)
{
    return f->d;
}

size_t tk_iforest_trees(const tk_iforest *f)
{
    return f->trees;
}

size_t tk_iforest_sample_size(const tk_iforest *f)
{
    return f->psi;
}

size_t tk_iforest_height_limit(const tk_iforest *f)
{
    return f->limit;
}

size_t tk_iforest_nodes(const tk_iforest *f)
{
    return f->nnodes;
}

void tk_iforest_destroy(tk_iforest *f)
{
    if (f == NULL)
        return;
    tk_free(f->nodes);
    tk_free(f->leaf);
    tk_free(f->start);
    tk_free(f->depth);
    tk_free(f);
}

/* Finds the first non-finite value of x; returns TK_OK or TK_EINVAL. */
static int check_finite(const double *x, size_t n, size_t d, const char *what, tk_error *err)
{
    const size_t total = n * d;
    for (size_t i = 0; i < total; i++) {
        if (!isfinite(x[i]))
            return tk_error_set(err, TK_EINVAL, "%s: row %zu, column %zu is %s", what, i / d + 1,
                                i % d + 1, isnan(x[i]) ? "nan" : "infinite");
    }
    return TK_OK;
}

static size_t resolve_threads(size_t want)
{
    if (want == 0) {
        const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        want = cpus > 0 ? (size_t)cpus : 1;
    }
    return want > MAX_THREADS ? MAX_THREADS : want;
}

/* Runs job(arg_k) for k < njobs on njobs threads, the caller being one of
 * them; a thread that cannot be started has its job run by the caller. */
static void run_parallel(void *(*job)(void *), void *args, size_t argsize, size_t njobs)
{
    pthread_t tid[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    char *const base = args;
    for (size_t k = 1; k < njobs; k++)
        started[k] = pthread_create(&tid[k], NULL, job, base + k * argsize) == 0;
    job(base);
    for (size_t k = 1; k < njobs; k++) {
        if (started[k])
            pthread_join(tid[k], NULL);
        else
            job(base + k * argsize);
    }
}

/* ---- fitting ------------------------------------------------------------ */

typedef struct fit_job {
    tk_iforest *f;
    const double *x;
    size_t n;
    unsigned long seed;
    size_t first, stride; /* trees first, first + stride, ... */
    size_t slot;          /* nodes reserved per tree: 2 psi - 1 */
    size_t *count;        /* per tree: nodes used */
    gsl_rng *rng;
    double *samp;          /* psi x d sampled rows */
    uint32_t *idx;         /* psi row positions in samp, partitioned while growing */
    uint32_t *sel;         /* psi sampled row numbers */
    const uint32_t *attrs; /* the attributes that vary in the training data */
    size_t nattrs;
    uint64_t *taken; /* bitmap of n rows for Floyd's sampling, or NULL when psi == n */
    /* The tree being grown. */
    node *nodes;
    double *leaf;
    uint32_t next, maxdepth;
} fit_job;

static uint64_t splitmix64(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void make_external(fit_job *j, uint32_t self, size_t size, size_t depth)
{
    j->nodes[self].value = INFINITY;
    j->nodes[self].feat = 0;
    j->nodes[self].left = self;
    j->leaf[self] = (double)depth + tk_iforest_c(size);
    if (depth > j->maxdepth)
        j->maxdepth = (uint32_t)depth;
}

/* 1 if the m rows idx[0..m) agree on every usable attribute. */
static int all_equal(const fit_job *j, const uint32_t *idx, size_t m)
{
    const size_t d = j->f->d;
    const double *const s = j->samp, *const first = s + (size_t)idx[0] * d;
    for (size_t a = 0; a < j->nattrs; a++) {
        const uint32_t q = j->attrs[a];
        for (size_t i = 1; i < m; i++) {
            if (s[(size_t)idx[i] * d + q] != first[q])
                return 0;
        }
    }
    return 1;
}

/* Grows the subtree at node self from the m rows idx[0..m) at depth. */
static void grow(fit_job *j, uint32_t self, uint32_t *idx, size_t m, size_t depth)
{
    const size_t d = j->f->d;
    const double *const s = j->samp;
    if (depth >= j->f->limit || m <= 1 || j->nattrs == 0) {
        make_external(j, self, m, depth);
        return;
    }
    const uint32_t q = j->attrs[gsl_rng_uniform_int(j->rng, j->nattrs)];
    double lo = s[(size_t)idx[0] * d + q], hi = lo;
    for (size_t i = 1; i < m; i++) {
        const double v = s[(size_t)idx[i] * d + q];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    size_t a = 0;
    double p = lo;
    if (hi > lo) {
        /* p uniform in (lo, hi], as a convex combination so that it cannot
         * overflow; both sides then keep at least one row. */
        const double u = gsl_rng_uniform_pos(j->rng);
        p = lo * (1.0 - u) + hi * u;
        if (p > hi || !(p > lo))
            p = hi;
        size_t b = m;
        while (a < b) {
            if (s[(size_t)idx[a] * d + q] < p) {
                a++;
            } else {
                const uint32_t t = idx[a];
                idx[a] = idx[--b];
                idx[b] = t;
            }
        }
    } else if (all_equal(j, idx, m)) {
        make_external(j, self, m, depth);
        return;
    }
    /* With q constant here p = lo: no row goes left (a == 0), the left
     * child is an empty external node that catches unseen rows with a
     * smaller x[q], and the rows go on one level deeper on the right. */
    const uint32_t left = j->next;
    j->next += 2;
    j->nodes[self].value = p;
    j->nodes[self].feat = q;
    j->nodes[self].left = left;
    j->leaf[self] = 0.0;
    grow(j, left, idx, a, depth + 1);
    grow(j, left + 1, idx + a, m - a, depth + 1);
}

static void grow_tree(fit_job *j, size_t t)
{
    tk_iforest *const f = j->f;
    const size_t psi = f->psi, d = f->d;
    gsl_rng_set(j->rng, (unsigned long)splitmix64((uint64_t)j->seed ^ splitmix64((uint64_t)t)));
    if (j->taken == NULL) {
        for (size_t i = 0; i < psi; i++)
            j->sel[i] = (uint32_t)i;
    } else {
        /* Floyd: for r = n - psi .. n - 1 take a uniform v in [0, r], or r
         * itself when v is already taken; every psi-subset is equally likely. */
        size_t k = 0;
        for (size_t r = j->n - psi; r < j->n; r++) {
            size_t v = gsl_rng_uniform_int(j->rng, r + 1);
            if (j->taken[v >> 6] >> (v & 63) & 1)
                v = r;
            j->taken[v >> 6] |= (uint64_t)1 << (v & 63);
            j->sel[k++] = (uint32_t)v;
        }
        for (size_t i = 0; i < psi; i++)
            j->taken[j->sel[i] >> 6] = 0;
    }
    for (size_t i = 0; i < psi; i++) {
        memcpy(j->samp + i * d, j->x + (size_t)j->sel[i] * d, d * sizeof(double));
        j->idx[i] = (uint32_t)i;
    }
    j->nodes = f->nodes + t * j->slot;
    j->leaf = f->leaf + t * j->slot;
    j->next = 1;
    j->maxdepth = 0;
    grow(j, 0, j->idx, psi, 0);
    j->count[t] = j->next;
    f->depth[t] = j->maxdepth;
}

static void *fit_worker(void *arg)
{
    fit_job *const j = arg;
    for (size_t t = j->first; t < j->f->trees; t += j->stride)
        grow_tree(j, t);
    return NULL;
}

static void fit_jobs_dispose(fit_job *jobs, size_t njobs)
{
    for (size_t k = 0; k < njobs; k++) {
        if (jobs[k].rng != NULL)
            gsl_rng_free(jobs[k].rng);
        tk_free(jobs[k].samp);
        tk_free(jobs[k].idx);
        tk_free(jobs[k].sel);
        tk_free(jobs[k].taken);
    }
}

static int fit_jobs_init(fit_job *jobs, size_t njobs, tk_iforest *f, const double *x, size_t n,
                         unsigned long seed, size_t slot, size_t *count, const uint32_t *attrs,
                         size_t nattrs, tk_error *err)
{
    const size_t psi = f->psi, d = f->d;
    for (size_t k = 0; k < njobs; k++) {
        fit_job *const j = &jobs[k];
        j->f = f;
        j->x = x;
        j->n = n;
        j->seed = seed;
        j->first = k;
        j->stride = njobs;
        j->slot = slot;
        j->count = count;
        j->attrs = attrs;
        j->nattrs = nattrs;
        j->rng = gsl_rng_alloc(gsl_rng_mt19937);
        /* psi * d fits: psi <= n and n * d values were given to us. */
        j->samp = tk_calloc(psi * d, sizeof(double));
        j->idx = tk_calloc(psi, sizeof(uint32_t));
        j->sel = tk_calloc(psi, sizeof(uint32_t));
        if (psi < n)
            j->taken = tk_calloc(n / 64 + 1, sizeof(uint64_t));
        if (j->rng == NULL || j->samp == NULL || j->idx == NULL || j->sel == NULL ||
            (psi < n && j->taken == NULL))
            return tk_error_set(err, TK_ENOMEM, "out of memory for growing trees");
    }
    return TK_OK;
}

int tk_iforest_create(tk_iforest **out, const double *x, size_t n, size_t d,
                      const tk_iforest_options *opt, tk_error *err)
{
    static const tk_iforest_options defaults = TK_IFOREST_OPTIONS_INIT;
    const tk_iforest_options *const o = opt != NULL ? opt : &defaults;
    fit_job jobs[MAX_THREADS];
    size_t njobs = 0, slot, total, bytes, nattrs = 0;
    size_t *count = NULL;
    uint32_t *attrs = NULL;
    tk_iforest *f = NULL;
    int rc;

    *out = NULL;
    memset(jobs, 0, sizeof jobs);
    if (n < 2 || d == 0) {
        rc = tk_error_set(err, TK_EINVAL, "an isolation forest needs at least 2 rows and 1 column");
        goto done;
    }
    if (o->trees == 0 || o->sample_size < 2) {
        rc = tk_error_set(err, TK_EINVAL, "an isolation forest needs trees >= 1 and psi >= 2");
        goto done;
    }
    if (n > UINT32_MAX || d > UINT32_MAX) {
        rc = tk_error_set(err, TK_ERANGE, "at most 4294967295 rows and columns");
        goto done;
    }
    rc = check_finite(x, n, d, "isolation forest training data", err);
    if (rc != TK_OK)
        goto done;
    f = tk_calloc(1, sizeof *f);
    if (f == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory for an isolation forest");
        goto done;
    }
    f->d = d;
    f->trees = o->trees;
    f->psi = o->sample_size < n ? o->sample_size : n;
    while (((size_t)1 << f->limit) < f->psi)
        f->limit++;
    f->threads = resolve_threads(o->threads);
    f->cpsi = tk_iforest_c(f->psi);
    /* A tree of height l has at most 2^(l+1) - 1 nodes, and at most l psi + 1
     * since the non-empty nodes of one depth hold disjoint rows. Node
     * numbers within a tree are 32-bit. */
    slot = f->limit < 31 ? ((size_t)2 << f->limit) - 1 : SIZE_MAX;
    if (tk_mul_size(f->limit, f->psi, &total) && total + 1 < slot)
        slot = total + 1;
    if (slot > UINT32_MAX || !tk_mul_size(slot, f->trees, &total) ||
        !tk_mul_size(total, sizeof(node), &bytes)) {
        rc = tk_error_set(err, TK_ERANGE, "%zu trees of %zu rows are too many nodes", f->trees,
                          f->psi);
        goto done;
    }
    f->nodes = tk_alloc(bytes);
    f->leaf = tk_calloc(total, sizeof(double));
    f->start = tk_calloc(f->trees + 1, sizeof(size_t));
    f->depth = tk_calloc(f->trees, sizeof(uint32_t));
    count = tk_calloc(f->trees, sizeof(size_t));
    attrs = tk_calloc(d, sizeof(uint32_t));
    if (f->nodes == NULL || f->leaf == NULL || f->start == NULL || f->depth == NULL ||
        count == NULL || attrs == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory for %zu trees", f->trees);
        goto done;
    }
    /* Columns constant over all rows can separate nothing; drawing one
     * would only shorten every tree. */
    for (size_t q = 0; q < d; q++) {
        for (size_t i = 1; i < n; i++) {
            if (x[i * d + q] != x[q]) {
                attrs[nattrs++] = (uint32_t)q;
                break;
            }
        }
    }
    njobs = f->threads < f->trees ? f->threads : f->trees;
    rc = fit_jobs_init(jobs, njobs, f, x, n, o->seed, slot, count, attrs, nattrs, err);
    if (rc != TK_OK)
        goto done;
    run_parallel(fit_worker, jobs, sizeof jobs[0], njobs);

    /* Compact the slots: tree t moves down to start[t]. */
    for (size_t t = 0; t < f->trees; t++) {
        f->start[t + 1] = f->start[t] + count[t];
        memmove(f->nodes + f->start[t], f->nodes + t * slot, count[t] * sizeof(node));
        memmove(f->leaf + f->start[t], f->leaf + t * slot, count[t] * sizeof(double));
    }
    f->nnodes = f->start[f->trees];
    node *const nodes = tk_realloc(f->nodes, f->nnodes * sizeof(node));
    if (nodes != NULL)
        f->nodes = nodes;
    double *const leaf = tk_realloc(f->leaf, f->nnodes * sizeof(double));
    if (leaf != NULL)
        f->leaf = leaf;
    *out = f;
    f = NULL;
done:
    fit_jobs_dispose(jobs, njobs);
    tk_free(count);
    tk_free(attrs);
    tk_iforest_destroy(f);
    return rc;
}

/* ---- scoring ------------------------------------------------------------ */

typedef struct score_job {
    const tk_iforest *f;
    const double *x;
    size_t r0, r1; /* rows [r0, r1) */
    double *out;   /* E[h(x)] per row */
} score_job;

/* Path lengths of rows [r0, r1), a block of rows at a time. */
static void *score_worker(void *arg)
{
    const score_job *const j = arg;
    const tk_iforest *const f = j->f;
    const size_t d = f->d;
    size_t block = 16384 / (d * sizeof(double));
    block = block < 16 ? 16 : block > BLOCK ? BLOCK : block;
    uint32_t pos[BLOCK];
    double sum[BLOCK];
    for (size_t r = j->r0; r < j->r1; r += block) {
        const size_t nb = j->r1 - r < block ? j->r1 - r : block;
        const double *const xb = j->x + r * d;
        for (size_t i = 0; i < nb; i++)
            sum[i] = 0.0;
        for (size_t t = 0; t < f->trees; t++) {
            const node *const nd = f->nodes + f->start[t];
            const double *const leaf = f->leaf + f->start[t];
            for (size_t i = 0; i < nb; i++)
                pos[i] = 0;
            for (uint32_t level = f->depth[t]; level > 0; level--) {
                for (size_t i = 0; i < nb; i++) {
                    const node *const q = &nd[pos[i]];
                    pos[i] = q->left + (uint32_t)(xb[i * d + q->feat] >= q->value);
                }
            }
            for (size_t i = 0; i < nb; i++)
                sum[i] += leaf[pos[i]];
        }
        for (size_t i = 0; i < nb; i++)
            j->out[r + i] = sum[i] / (double)f->trees;
    }
    return NULL;
}

int tk_iforest_path_lengths(const tk_iforest *f, const double *x, size_t n, double *lengths,
                            tk_error *err)
{
    score_job jobs[MAX_THREADS];
    const int rc = check_finite(x, n, f->d, "isolation forest input", err);
    if (rc != TK_OK)
        return rc;
    size_t njobs = n / ROWS_PER_THREAD;
    njobs = njobs < 1 ? 1 : njobs > f->threads ? f->threads : njobs;
    for (size_t k = 0; k < njobs; k++) {
        jobs[k].f = f;
        jobs[k].x = x;
        jobs[k].r0 = n * k / njobs;
        jobs[k].r1 = n * (k + 1) / njobs;
        jobs[k].out = lengths;
    }
    run_parallel(score_worker, jobs, sizeof jobs[0], njobs);
    return TK_OK;
}

int tk_iforest_score(const tk_iforest *f, const double *x, size_t n, double *scores, tk_error *err)
{
    const int rc = tk_iforest_path_lengths(f, x, n, scores, err);
    if (rc != TK_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        scores[i] = exp2(-scores[i] / f->cpsi);
    return TK_OK;
}
