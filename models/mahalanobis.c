/* models/mahalanobis.c -- squared Mahalanobis distance, robust covariance.
 *
 * Approach. Every value is first standardised per column, z = (x - loc) /
 * scale with loc the median and scale 1.4826 MAD (the standard deviation
 * when the MAD is 0, 1 when the column is constant). The distance itself
 * does not depend on this (it is affine-invariant), but the ridge does, and
 * standardised columns make one ridge fit all columns and keep the
 * covariance well conditioned.
 *
 * Classical estimate (robust == 0): mu and S are the mean and the sample
 * covariance (divisor m - 1) of all rows.
 *
 * Robust estimate: a single-start minimum covariance determinant ("MCD
 * lite"; Rousseeuw & Van Driessen, "A fast algorithm for the minimum
 * covariance determinant estimator", Technometrics 41(3), 1999):
 *   1. start: the h = ceil(support_fraction * n) rows with the smallest
 *      sum of squared robust z-scores (coordinate-wise outlyingness);
 *   2. C-steps: mu, S of the h rows; d2 of all rows; the h rows with the
 *      smallest d2 become the new subset. Each step cannot increase det S
 *      (Theorem 1 of the paper), so the subset settles, usually within a
 *      handful of steps; it stops when the subset repeats, when det S
 *      shrinks by less than 0.01% in a step (on a million Gaussian rows
 *      the subset keeps swapping a few border rows for many steps that no
 *      longer change the estimate), or after max_steps;
 *   3. consistency: S of h central rows underestimates the spread, so d2 is
 *      divided by median(d2) / chi2_d^-1(0.5), which makes the median
 *      distance that of a Gaussian (as scikit-learn's MinCovDet does);
 *   4. reweighting: mu, S of the rows with d2 <= chi2_d^-1(quantile), then
 *      S is rescaled by the same median rule once more so that chi-square
 *      tail probabilities are calibrated for the inliers.
 * FAST-MCD draws hundreds of random starts; the deterministic start of
 * step 1 is enough when anomalies are a minority that is far from the bulk
 * in at least one coordinate, which is what log features look like, and
 * keeps the estimate reproducible without a seed.
 *
 * Linear algebra. Centred rows are gathered a block at a time and S is
 * accumulated with one dsyrk per block (S += Z'Z), so memory stays at one
 * block whatever n. The factorisation is LAPACK's dpotrf as exported by
 * OpenBLAS (declared here, so no LAPACKE package is needed). The matrices
 * are row-major; a row-major upper triangle is a column-major lower one,
 * so dpotrf('L') on S gives the row-major upper U with S + ridge I = U'U.
 * For a centred row r, d2 = r (U'U)^-1 r' = |r U^-1|^2, so a block of rows
 * R is turned into R U^-1 by one dtrsm (right side, upper, no transpose)
 * and each row's squared norm is its distance. When dpotrf reports that
 * S + ridge I is not positive definite (a constant or duplicated column, or
 * fewer rows than columns), or succeeds with a pivot so small that the
 * column is a combination of the others up to rounding (residual variance
 * below 1e-10 of the variance), the ridge is raised tenfold, starting at
 * 1e-9 when it was 0, until the factor is sound or the ridge exceeds 1.
 *
 * Regularisation. Every S that is factorised (in the C-steps and at the
 * end) is first shrunk: (1 - a) S + a (tr S / d) I, with a the
 * Ledoit-Wolf intensity of the rows S was fitted on (at least the
 * option's shrinkage), and a column whose MAD is 0 keeps at least its
 * variance over all rows (1 after its scaling by the standard deviation).
 * Log features of user-days are collinear (a total and its parts), some
 * are constant over a baseline, and counts that are 0 on most days have
 * no non-zero value among the central rows the C-steps keep: with only
 * the ridge, a row off any of these directions got its deviation divided
 * by 1e-6, a d2 around 1e10 for a day with one logon failure. Shrinkage
 * bounds every direction's variance below by a share of the average one;
 * the floor gives rare counts the spread they have over the whole data.
 *
 * Selection of the h smallest distances uses quickselect (O(n)); ties at
 * the h-th value are broken by row order, so the result is deterministic. */
#include "models/mahalanobis.h"

#include <gsl/gsl_cblas.h>
#include <gsl/gsl_cdf.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "models/blas.h"
#include "src/alloc.h"
#include "src/checked.h"

/* LAPACK's Cholesky factorisation, exported by OpenBLAS. */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

/* A Cholesky pivot whose square is below this share of its column's
 * variance means the column is, to rounding, a combination of others. */
#define SINGULAR 1e-10

/* C-steps stop once log det S falls by less than this (0.01% of det S). */
#define SETTLED 1e-4

/* Rows standardised, solved or accumulated at a time. */
#define BLOCK_VALUES ((size_t)1 << 16)

struct tk_mahalanobis {
    size_t d, support;
    double ridge;
    double shrinkage;    /* share a of the target in (1 - a) S + a (tr S / d) I */
    double shrink_min;   /* the least a (options) */
    int ledoit_wolf;     /* use the Ledoit-Wolf intensity when larger (options) */
    double *loc, *scale; /* standardisation per column */
    double *floor;       /* least variance per column, standardised units (0: none) */
    double *mu;          /* centre, standardised units */
    double *s;           /* covariance, standardised units, d x d full */
    double *u;           /* upper Cholesky factor of s + ridge I, strict lower part 0 */
    double *center;      /* centre, input units */
    double *cov;         /* covariance, input units */
};

size_t tk_mahalanobis_features(const tk_mahalanobis *m)
{
    return m->d;
}

const double *tk_mahalanobis_center(const tk_mahalanobis *m)
{
    return m->center;
}

const double *tk_mahalanobis_covariance(const tk_mahalanobis *m)
{
    return m->cov;
}

double tk_mahalanobis_ridge(const tk_mahalanobis *m)
{
    return m->ridge;
}

double tk_mahalanobis_shrinkage(const tk_mahalanobis *m)
{
    return m->shrinkage;
}

size_t tk_mahalanobis_support(const tk_mahalanobis *m)
{
    return m->support;
}

void tk_mahalanobis_destroy(tk_mahalanobis *m)
{
    if (m == NULL)
        return;
    tk_free(m->loc);
    tk_free(m->scale);
    tk_free(m->floor);
    tk_free(m->mu);
    tk_free(m->s);
    tk_free(m->u);
    tk_free(m->center);
    tk_free(m->cov);
    tk_free(m);
}

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

/* Rearranges a[0..n) so that a[k] is the value of rank k (0-based), with
 * a[0..k) <= a[k] <= a[k+1..n); returns a[k]. Wirth's selection (Hoare's
 * FIND), with signed indices because j may step below the range. */
static double select_kth(double *a, size_t n, size_t k)
{
    ptrdiff_t l = 0, r = (ptrdiff_t)n - 1;
    const ptrdiff_t kk = (ptrdiff_t)k;
    while (l < r) {
        const double pivot = a[kk];
        ptrdiff_t i = l, j = r;
        do {
            while (a[i] < pivot)
                i++;
            while (pivot < a[j])
                j--;
            if (i <= j) {
                const double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        } while (i <= j);
        if (j < kk)
            l = i;
        if (kk < i)
            r = j;
    }
    return a[kk];
}

/* The median of a[0..n) (n >= 1), which is reordered. */
static double median(double *a, size_t n)
{
    const double upper = select_kth(a, n, n / 2);
    if (n % 2 == 1)
        return upper;
    double lower = a[0];
    for (size_t i = 1; i < n / 2; i++)
        lower = a[i] > lower ? a[i] : lower;
    return 0.5 * (lower + upper);
}

/* Working state of one fit. */
typedef struct fit {
    tk_mahalanobis *m;
    const double *x;
    size_t n;
    double *block; /* BLOCK_VALUES / d rows of d values */
    size_t brows;
    double *d2;   /* n distances */
    double *tmp;  /* n values for selection */
    uint8_t *sel; /* n flags: row in the current subset */
    uint8_t *alt; /* n flags: the next subset */
} fit;

static void robust_scale(tk_mahalanobis *m, const double *x, size_t n, double *tmp)
{
    const size_t d = m->d;
    for (size_t j = 0; j < d; j++) {
        for (size_t i = 0; i < n; i++)
            tmp[i] = x[i * d + j];
        const double med = median(tmp, n);
        for (size_t i = 0; i < n; i++)
            tmp[i] = fabs(x[i * d + j] - med);
        double scale = 1.4826 * median(tmp, n);
        m->floor[j] = 0.0;
        if (!(scale > 0.0)) {
            double mean = 0.0, ss = 0.0;
            int constant = 1;
            for (size_t i = 0; i < n; i++) {
                mean += x[i * d + j];
                constant &= x[i * d + j] == med;
            }
            mean /= (double)n;
            for (size_t i = 0; i < n; i++)
                ss += (x[i * d + j] - mean) * (x[i * d + j] - mean);
            /* A constant column is told by its values, not by ss: a mean
             * of many copies of a value a double cannot hold exactly (log1p
             * of 1) is off by rounding, and ss then gave a scale near 1e-16
             * that put a day off the constant at d2 ~ 1e24. */
            scale = constant ? 0.0 : sqrt(ss / (double)(n - 1));
            /* Most rows share one value (a count that is usually 0): the
             * central subset may hold none of the others, so the column
             * keeps at least its variance over all rows, 1 once divided
             * by this scale. */
            m->floor[j] = scale > 0.0 && isfinite(scale) ? 1.0 : 0.0;
        }
        m->loc[j] = med;
        m->scale[j] = scale > 0.0 && isfinite(scale) ? scale : 1.0;
    }
}

/* Writes rows [r0, r0 + nb) of x standardised and centred on mu to out. */
static void standardise(const tk_mahalanobis *m, const double *x, size_t r0, size_t nb,
                        const double *mu, double *out)
{
    const size_t d = m->d;
    for (size_t i = 0; i < nb; i++) {
        const double *const row = x + (r0 + i) * d;
        for (size_t j = 0; j < d; j++)
            out[i * d + j] = (row[j] - m->loc[j]) / m->scale[j] - mu[j];
    }
}

/* The Ledoit-Wolf shrinkage intensity ("A well-conditioned estimator for
 * large-dimensional covariance matrices", J. Multivariate Anal. 88(2),
 * 2004) towards (tr S / d) I, computed as scikit-learn's ledoit_wolf does:
 * s is the covariance (divisor count - 1) of count centred rows z_i and
 * quartic the sum of |z_i|^4. With E the covariance of divisor count and
 * mu = tr E / d, the intensity is min(b, c) / c where
 *   c = |E - mu I|_F^2 / d,
 *   b = (quartic / count - |E|_F^2) / (d count),
 * the estimated error of E against its spread around the target. */
static double ledoit_wolf(const double *s, size_t d, size_t count, double quartic)
{
    const double n = (double)count, k = count > 1 ? (n - 1.0) / n : 1.0;
    double tr = 0.0, fro = 0.0;
    for (size_t j = 0; j < d; j++)
        tr += s[j * d + j] * k;
    for (size_t i = 0; i < d * d; i++)
        fro += s[i] * k * s[i] * k;
    const double mu = tr / (double)d;
    const double c = (fro - 2.0 * mu * tr + (double)d * mu * mu) / (double)d;
    double b = (quartic / n - fro) / ((double)d * n);
    if (!(c > 0.0) || !isfinite(c) || !isfinite(b))
        return 0.0;
    b = fmin(b, c);
    return b > 0.0 ? b / c : 0.0;
}

/* mu and s of the rows flagged in sel (all rows when sel is NULL); returns
 * their number. */
static size_t moments(fit *w, const uint8_t *sel)
{
    tk_mahalanobis *const m = w->m;
    const size_t d = m->d, n = w->n;
    size_t count = 0;
    memset(m->mu, 0, d * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        if (sel != NULL && !sel[i])
            continue;
        const double *const row = w->x + i * d;
        for (size_t j = 0; j < d; j++)
            m->mu[j] += (row[j] - m->loc[j]) / m->scale[j];
        count++;
    }
    for (size_t j = 0; j < d; j++)
        m->mu[j] /= (double)count;
    memset(m->s, 0, d * d * sizeof(double));
    size_t nb = 0;
    double quartic = 0.0; /* sum over rows of |z|^4, for the shrinkage */
    for (size_t i = 0; i <= n; i++) {
        if (i < n && (sel == NULL || sel[i])) {
            double *const z = w->block + nb * d;
            standardise(m, w->x, i, 1, m->mu, z);
            double r2 = 0.0;
            for (size_t j = 0; j < d; j++)
                r2 += z[j] * z[j];
            quartic += r2 * r2;
            nb++;
        }
        if (nb == w->brows || (i == n && nb > 0)) {
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)nb, 1.0, w->block,
                        (int)d, 1.0, m->s, (int)d);
            nb = 0;
        }
    }
    const double div = count > 1 ? (double)(count - 1) : 1.0;
    for (size_t a = 0; a < d; a++) {
        for (size_t b = a; b < d; b++) {
            m->s[a * d + b] /= div;
            m->s[b * d + a] = m->s[a * d + b];
        }
    }
    m->shrinkage =
        m->ledoit_wolf ? fmax(m->shrink_min, ledoit_wolf(m->s, d, count, quartic)) : m->shrink_min;
    return count;
}

/* Writes (1 - a) s + a target I to out, a = m->shrinkage. */
static void shrink(const tk_mahalanobis *m, double *out, double target)
{
    const size_t d = m->d;
    const double a = m->shrinkage;
    for (size_t i = 0; i < d * d; i++)
        out[i] = (1.0 - a) * m->s[i];
    for (size_t j = 0; j < d; j++) {
        out[j * d + j] += a * target;
        out[j * d + j] = fmax(out[j * d + j], m->floor[j]);
    }
}

/* Factorises the shrunk s + ridge I into u, raising the ridge if needed.
 * A constant column (tr s = 0 everywhere) gets the target 1. */
static int factor(tk_mahalanobis *m, double ridge, tk_error *err)
{
    const size_t d = m->d;
    const int n = (int)d;
    for (size_t k = 0; k < d * d; k++) {
        if (!isfinite(m->s[k]))
            return tk_error_set(
                err, TK_ERANGE,
                "the covariance overflows: values lie too far apart for their spread");
    }
    double target = 0.0;
    for (size_t j = 0; j < d; j++)
        target += m->s[j * d + j];
    target = target > 0.0 ? target / (double)d : 1.0;
    for (;;) {
        shrink(m, m->u, target);
        for (size_t j = 0; j < d; j++)
            m->u[j * d + j] += ridge;
        int info = 0;
        dpotrf_("L", &n, m->u, &n, &info);
        if (info < 0)
            return tk_error_set(err, TK_EINTERNAL, "dpotrf rejected argument %d", -info);
        /* u[j][j]^2 is what is left of column j's variance once the
         * columns before it explain what they can. Rounding can leave a
         * tiny positive pivot where the column is a linear combination of
         * the others; distances would then be rounding noise, so such a
         * factor counts as failed too. */
        for (size_t j = 0; info == 0 && j < d; j++) {
            const double pivot = m->u[j * d + j];
            const double var =
                fmax((1.0 - m->shrinkage) * m->s[j * d + j] + m->shrinkage * target, m->floor[j]);
            if (pivot * pivot <= SINGULAR * (var + ridge))
                info = (int)j + 1;
        }
        if (info == 0)
            break;
        ridge = ridge > 0.0 ? ridge * 10.0 : 1e-9;
        if (ridge > 1.0)
            return tk_error_set(err, TK_EINTERNAL,
                                "the covariance is not positive definite even with a ridge of 1");
    }
    for (size_t a = 1; a < d; a++)
        memset(m->u + a * d, 0, a * sizeof(double));
    m->ridge = ridge;
    return TK_OK;
}

/* d2[i] for rows [0, n) of x with the current mu and u; block holds brows
 * rows. */
static void distances(const tk_mahalanobis *m, const double *x, size_t n, double *block,
                      size_t brows, double *d2)
{
    const size_t d = m->d;
    for (size_t r = 0; r < n; r += brows) {
        const size_t nb = n - r < brows ? n - r : brows;
        standardise(m, x, r, nb, m->mu, block);
        cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, (int)nb,
                    (int)d, 1.0, m->u, (int)d, block, (int)d);
        for (size_t i = 0; i < nb; i++) {
            double s = 0.0;
            for (size_t j = 0; j < d; j++)
                s += block[i * d + j] * block[i * d + j];
            d2[r + i] = isnan(s) ? INFINITY : s; /* NaN only from overflow: very far */
        }
    }
}

/* Flags in out the h rows with the smallest d2, ties by row order. */
static void smallest(fit *w, size_t h, uint8_t *out)
{
    const size_t n = w->n;
    memcpy(w->tmp, w->d2, n * sizeof(double));
    const double t = select_kth(w->tmp, n, h - 1);
    size_t taken = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = w->d2[i] < t;
        taken += out[i];
    }
    for (size_t i = 0; i < n && taken < h; i++) {
        if (w->d2[i] == t) {
            out[i] = 1;
            taken++;
        }
    }
}

/* Divides d2 by median(d2) / chi2_d^-1(0.5); returns the factor. */
static double consistency(fit *w)
{
    const size_t n = w->n;
    memcpy(w->tmp, w->d2, n * sizeof(double));
    const double med = median(w->tmp, n);
    const double c = med / gsl_cdf_chisq_Pinv(0.5, (double)w->m->d);
    if (!(c > 0.0) || !isfinite(c))
        return 1.0;
    for (size_t i = 0; i < n; i++)
        w->d2[i] /= c;
    return c;
}

static int fit_robust(fit *w, const tk_mahalanobis_options *o, tk_error *err)
{
    tk_mahalanobis *const m = w->m;
    const size_t n = w->n, d = m->d;
    size_t h = (size_t)ceil(o->support_fraction * (double)n);
    h = h < 2 ? 2 : h > n ? n : h;
    int rc;

    /* 1. Start: coordinate-wise outlyingness. */
    memset(m->mu, 0, d * sizeof(double));
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++) {
            const double z = (w->x[i * d + j] - m->loc[j]) / m->scale[j];
            s += z * z;
        }
        w->d2[i] = s;
    }
    smallest(w, h, w->sel);
    /* 2. C-steps. */
    double logdet = INFINITY;
    for (size_t step = 1;; step++) {
        moments(w, w->sel);
        rc = factor(m, o->ridge, err);
        if (rc != TK_OK)
            return rc;
        distances(m, w->x, n, w->block, w->brows, w->d2);
        double ld = 0.0;
        for (size_t j = 0; j < d; j++)
            ld += 2.0 * log(m->u[j * d + j]);
        if (step >= o->max_steps || logdet - ld < SETTLED)
            break;
        logdet = ld;
        smallest(w, h, w->alt);
        if (memcmp(w->alt, w->sel, n) == 0)
            break;
        uint8_t *const t = w->sel;
        w->sel = w->alt;
        w->alt = t;
    }
    /* 3. Consistency, 4. reweighting. */
    consistency(w);
    const double cut = gsl_cdf_chisq_Pinv(o->quantile, (double)d);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        w->alt[i] = w->d2[i] <= cut;
        kept += w->alt[i];
    }
    m->support = kept >= 2 ? moments(w, w->alt) : moments(w, w->sel);
    rc = factor(m, o->ridge, err);
    if (rc != TK_OK)
        return rc;
    distances(m, w->x, n, w->block, w->brows, w->d2);
    const double c = consistency(w);
    for (size_t k = 0; k < d * d; k++)
        m->s[k] *= c;
    return factor(m, o->ridge, err);
}

int tk_mahalanobis_create(tk_mahalanobis **out, const double *x, size_t n, size_t d,
                          const tk_mahalanobis_options *opt, tk_error *err)
{
    static const tk_mahalanobis_options defaults = TK_MAHALANOBIS_OPTIONS_INIT;
    const tk_mahalanobis_options *const o = opt != NULL ? opt : &defaults;
    fit w = {NULL, x, n, NULL, 0, NULL, NULL, NULL, NULL};
    size_t dd;
    int rc;

    *out = NULL;
    if (n < 2 || d == 0)
        return tk_error_set(err, TK_EINVAL, "a covariance needs at least 2 rows and 1 column");
    if (!(o->support_fraction >= 0.5 && o->support_fraction <= 1.0) ||
        !(o->quantile > 0.0 && o->quantile < 1.0) || o->max_steps == 0 || !(o->ridge >= 0.0) ||
        !isfinite(o->ridge) || !(o->shrinkage >= 0.0 && o->shrinkage <= 1.0))
        return tk_error_set(err, TK_EINVAL,
                            "mahalanobis options out of range (support_fraction in [0.5, 1], "
                            "quantile in (0, 1), max_steps >= 1, ridge >= 0, shrinkage in "
                            "[0, 1])");
    if (d > (size_t)INT_MAX || !tk_mul_size(d, d, &dd) || dd > (size_t)INT_MAX ||
        !tk_mul_size(n, d, &(size_t){0}))
        return tk_error_set(err, TK_ERANGE, "%zu columns are too many for a covariance", d);
    rc = check_finite(x, n, d, "mahalanobis training data", err);
    if (rc == TK_OK)
        rc = tk_blas_ready(err);
    if (rc != TK_OK)
        return rc;

    tk_mahalanobis *const m = tk_calloc(1, sizeof *m);
    w.m = m;
    if (m == NULL)
        goto nomem;
    m->d = d;
    m->support = n;
    m->shrink_min = o->shrinkage;
    m->ledoit_wolf = o->ledoit_wolf;
    m->loc = tk_calloc(d, sizeof(double));
    m->scale = tk_calloc(d, sizeof(double));
    m->floor = tk_calloc(d, sizeof(double));
    m->mu = tk_calloc(d, sizeof(double));
    m->center = tk_calloc(d, sizeof(double));
    m->s = tk_calloc(dd, sizeof(double));
    m->u = tk_calloc(dd, sizeof(double));
    m->cov = tk_calloc(dd, sizeof(double));
    w.brows = BLOCK_VALUES / d < 1 ? 1 : BLOCK_VALUES / d;
    w.block = tk_calloc(w.brows, d * sizeof(double));
    w.tmp = tk_calloc(n, sizeof(double));
    if (m->loc == NULL || m->scale == NULL || m->floor == NULL || m->mu == NULL ||
        m->center == NULL || m->s == NULL || m->u == NULL || m->cov == NULL || w.block == NULL ||
        w.tmp == NULL)
        goto nomem;
    robust_scale(m, x, n, w.tmp);
    if (o->robust) {
        w.d2 = tk_calloc(n, sizeof(double));
        w.sel = tk_calloc(n, 1);
        w.alt = tk_calloc(n, 1);
        if (w.d2 == NULL || w.sel == NULL || w.alt == NULL)
            goto nomem;
        rc = fit_robust(&w, o, err);
    } else {
        moments(&w, NULL);
        rc = factor(m, o->ridge, err);
    }
    if (rc != TK_OK)
        goto done;
    double target = 0.0;
    for (size_t j = 0; j < d; j++)
        target += m->s[j * d + j];
    target = target > 0.0 ? target / (double)d : 1.0;
    shrink(m, m->cov, target);
    for (size_t a = 0; a < d; a++) {
        m->center[a] = m->loc[a] + m->mu[a] * m->scale[a];
        for (size_t b = 0; b < d; b++)
            m->cov[a * d + b] *= m->scale[a] * m->scale[b];
    }
    *out = m;
    w.m = NULL;
    goto done;
nomem:
    rc =
        tk_error_set(err, TK_ENOMEM, "out of memory for a %zu-column covariance of %zu rows", d, n);
done:
    tk_free(w.block);
    tk_free(w.d2);
    tk_free(w.tmp);
    tk_free(w.sel);
    tk_free(w.alt);
    tk_mahalanobis_destroy(w.m);
    return rc;
}

int tk_mahalanobis_score(const tk_mahalanobis *m, const double *x, size_t n, double *d2, double *p,
                         tk_error *err)
{
    const size_t d = m->d;
    int rc = check_finite(x, n, d, "mahalanobis input", err);
    if (rc != TK_OK || n == 0)
        return rc;
    size_t brows = BLOCK_VALUES / d < 1 ? 1 : BLOCK_VALUES / d;
    brows = brows > n ? n : brows;
    double *const block = tk_calloc(brows, d * sizeof(double));
    if (block == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for scoring");
    distances(m, x, n, block, brows, d2);
    tk_free(block);
    if (p != NULL) {
        for (size_t i = 0; i < n; i++)
            p[i] = gsl_cdf_chisq_Q(d2[i], (double)d);
    }
    return TK_OK;
}
