/* models/baseline.c -- per-entity baselines of one daily feature.
 *
 * Count models. A Poisson model has lambda = the sample mean m. Daily
 * activity is usually more variable than Poisson (busy and quiet days), so
 * when the sample variance s2 exceeds m (1 + overdispersion) we also fit a
 * negative binomial by maximum likelihood. With mean mu and size r the NB
 * log-likelihood is
 *   l(mu, r) = sum_i [lnG(x_i + r) - lnG(r) - lnG(x_i + 1)]
 *              + n r ln(r / (r + mu)) + sum_i x_i ln(mu / (r + mu)),
 * whose maximum in mu is mu = m for every r, so only r is searched: the
 * profile score is
 *   S(r) = sum_i [psi(x_i + r) - psi(r)] - n ln(1 + m / r).
 * A finite maximum exists, and is unique, exactly when the variance with
 * divisor n exceeds m (Anscombe 1950; Levin and Reeds 1977); then S > 0
 * below the root and S < 0 above it. We solve S = 0 in theta = ln r (the
 * scale on which the likelihood is well behaved) by Newton's method
 * safeguarded with bisection (Numerical Recipes' rtsafe), starting from the
 * method-of-moments value r0 = m^2 / (s2 - m) and first doubling or
 * halving r until the root is bracketed. dS/dtheta = r dS/dr =
 * r sum_i [psi'(x_i + r) - psi'(r)] + n m / (r + m). No root below r = 1e8
 * means no finite maximum (an NB that large is a Poisson), and Poisson is
 * kept.
 *
 * NB is kept only if it fits significantly better: the likelihood-ratio
 * statistic LR = 2 (l_NB - l_Poisson) is tested against 0.5 chi2_0 +
 * 0.5 chi2_1, the null distribution when the tested parameter (1 / r = 0)
 * lies on the boundary of its range (Self and Liang 1987), so its p-value
 * is 0.5 Q_chi2_1(LR). The lnG(x_i + 1) terms cancel in LR and are never
 * computed.
 *
 * Tails. GSL's Q(k) is P(X > k), so P(X >= x) = Q(x - 1) for integer
 * x >= 1, and 1 for x <= 0. A non-integer x is rounded up: X >= 2.5 means
 * X >= 3. The z-like score is z = -Phi^-1(p) = Q_N^-1(p), clamped to
 * +-z_cap so that p = 0 (underflow) or p = 1 (x = 0) stay finite.
 *
 * Empirical Bayes for counts. Each peer j has a true rate lambda_j drawn
 * from Gamma(alpha, beta); its observed mean over d days has expectation
 * alpha / beta and variance alpha / beta^2 + E[lambda] / d (the second term
 * is Poisson noise). Matching moments with the peers' mean m and sample
 * variance s2 gives v = s2 - m / d, beta = m / v, alpha = m beta. beta is
 * kept in [prior_min_days, prior_max_days]: below, because a new hire's
 * first days are noisier than Poisson says; above, because homogeneous
 * peers (v ~ 0) would otherwise pin every user to the group for ever.
 * Given the user's n days, the posterior is Gamma(alpha + sum x, beta + n)
 * and the predictive of a new day is NB(r = alpha + sum x,
 * p = (beta + n) / (beta + n + 1)), whose mean is the posterior mean
 * (alpha + sum x) / (beta + n) = w xbar + (1 - w) alpha / beta with
 * w = n / (n + beta) (Gelman et al., Bayesian Data Analysis, sec. 2.6).
 *
 * Robust location and scale. median and MAD = median |x - median|, scaled
 * by 1 / Phi^-1(3/4) = 1.4826 so that it estimates sigma for normal data.
 * When more than half the values are equal the MAD is 0; we then use the
 * mean absolute deviation from the median times sqrt(pi / 2) = 1.2533 (its
 * normal-consistency factor), and in all cases a scale of at least
 * max(scale_floor, scale_floor_rel |median|), so a constant history gives a
 * finite z. Medians come from gsl_stats_median (quickselect) on a scratch
 * copy: O(n) expected time, one allocation. Shrinkage towards the peers
 * mixes median, MAD and scale with weights w = n / (n + k) and 1 - w.
 *
 * Same-day peer comparison: the robust z of one member against the median
 * and scale of the other members (leave-one-out, so a single outlier does
 * not inflate its own reference). A department-wide busy day moves the
 * others' median with it; one member's spike does not. The combined rule
 * max(p_own, p_peer) is the intersection-union test of "unusual for the
 * user" and "unusual among peers" (Berger 1982): its level is the larger
 * of the two, with no multiplicity correction needed. */
#include "models/baseline.h"

#include <assert.h>
#include <limits.h>
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>
#include <gsl/gsl_statistics_double.h>

#include "src/alloc.h"

#define MAD_TO_SIGMA    1.482602218505602  /* 1 / Phi^-1(3/4) */
#define MEANAD_TO_SIGMA 1.2533141373155003 /* sqrt(pi / 2) */
#define NB_SIZE_MAX     1e8                /* no root below: treat as Poisson */
#define NB_SIZE_MIN     1e-8
#define NB_MAX_ITER     200
#define LN2             0.6931471805599453

static const tk_baseline_options default_options = TK_BASELINE_OPTIONS_INIT;

static int check_options(const tk_baseline_options *o, tk_error *err)
{
    if (!(o->overdispersion >= 0 && isfinite(o->overdispersion)))
        return tk_error_set(err, TK_EINVAL, "overdispersion must be finite and >= 0");
    if (!(o->lr_alpha > 0 && o->lr_alpha < 1))
        return tk_error_set(err, TK_EINVAL, "lr_alpha must be in (0, 1)");
    if (!(o->z_cap > 0 && isfinite(o->z_cap)))
        return tk_error_set(err, TK_EINVAL, "z_cap must be finite and > 0");
    if (!(o->scale_floor > 0 && isfinite(o->scale_floor)))
        return tk_error_set(err, TK_EINVAL, "scale_floor must be finite and > 0");
    if (!(o->scale_floor_rel >= 0 && isfinite(o->scale_floor_rel)))
        return tk_error_set(err, TK_EINVAL, "scale_floor_rel must be finite and >= 0");
    if (!(o->shrink_days > 0 && isfinite(o->shrink_days)))
        return tk_error_set(err, TK_EINVAL, "shrink_days must be finite and > 0");
    if (!(o->prior_min_days > 0 && o->prior_min_days <= o->prior_max_days &&
          isfinite(o->prior_max_days)))
        return tk_error_set(err, TK_EINVAL,
                            "prior days must satisfy 0 < prior_min_days <= prior_max_days");
    if (!(o->prior_min_shape > 0 && isfinite(o->prior_min_shape)))
        return tk_error_set(err, TK_EINVAL, "prior_min_shape must be finite and > 0");
    return TK_OK;
}

/* Resolves NULL to the defaults and validates. */
static int get_options(const tk_baseline_options *opt, const tk_baseline_options **o, tk_error *err)
{
    *o = opt != NULL ? opt : &default_options;
    return check_options(*o, err);
}

/* Checks that x[0..n) are finite (and >= 0 when counts). */
static int check_values(const double *x, size_t n, int counts, const char *what, tk_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            return tk_error_set(err, TK_EINVAL, "%s[%zu] is not finite", what, i);
        if (counts && x[i] < 0)
            return tk_error_set(err, TK_EINVAL, "%s[%zu] is negative (%g)", what, i, x[i]);
    }
    return TK_OK;
}

/* Mean and sample variance (divisor n - 1; 0 when n < 2), two passes. */
static void mean_var(const double *x, size_t n, double *mean, double *var)
{
    double s = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    const double m = n > 0 ? s / (double)n : 0;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *var = n > 1 ? ss / (double)(n - 1) : 0;
}

static double clamp(double v, double cap)
{
    if (v > cap)
        return cap;
    if (v < -cap)
        return -cap;
    return v;
}

/* The NB profile score S at r and dS/dtheta (theta = ln r); m is the mean. */
static void nb_score(const double *x, size_t n, double m, double r, double *s, double *ds)
{
    const double psi_r = gsl_sf_psi(r);
    const double psi1_r = gsl_sf_psi_1(r);
    double sum = 0, dsum = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] > 0) { /* a zero contributes psi(r) - psi(r) = 0 */
            sum += gsl_sf_psi(x[i] + r) - psi_r;
            dsum += gsl_sf_psi_1(x[i] + r) - psi1_r;
        }
    }
    *s = sum - (double)n * log1p(m / r);
    *ds = r * dsum + (double)n * m / (r + m);
}

/* l_NB(m, r) - l_Poisson(m), without the lnG(x + 1) terms that cancel. */
static double nb_minus_poisson_loglik(const double *x, size_t n, double m, double r)
{
    const double lg_r = gsl_sf_lngamma(r);
    const double ln_rm = log(r + m);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] > 0)
            sum += gsl_sf_lngamma(x[i] + r) - lg_r - x[i] * ln_rm;
    }
    return sum + (double)n * m - (double)n * r * log1p(m / r);
}

/* Maximum-likelihood NB size for x with mean m, starting at r0 > 0.
 * Returns 1 and sets *r_out, or 0 when the likelihood has no finite
 * maximum below NB_SIZE_MAX. */
static int nb_size_mle(const double *x, size_t n, double m, double r0, double *r_out)
{
    double lo, hi, s = 0, ds = 0;
    const double theta0 = log(r0);

    nb_score(x, n, m, r0, &s, &ds);
    if (s == 0) {
        *r_out = r0;
        return 1;
    }
    if (s > 0) { /* the root is above r0: double r until S < 0 */
        lo = theta0;
        hi = theta0;
        do {
            hi += LN2;
            if (hi > log(NB_SIZE_MAX))
                return 0;
            nb_score(x, n, m, exp(hi), &s, &ds);
        } while (s > 0);
    } else { /* below r0: halve r until S > 0 */
        lo = theta0;
        hi = theta0;
        do {
            lo -= LN2;
            if (lo < log(NB_SIZE_MIN))
                return 0;
            nb_score(x, n, m, exp(lo), &s, &ds);
        } while (s < 0);
    }

    /* rtsafe: S(lo) > 0 >= S(hi); S decreases through the root. */
    double theta = 0.5 * (lo + hi);
    for (int it = 0; it < NB_MAX_ITER; it++) {
        nb_score(x, n, m, exp(theta), &s, &ds);
        if (s > 0)
            lo = theta;
        else
            hi = theta;
        double next = theta - s / ds;
        if (!(ds < 0) || !(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        if (fabs(next - theta) < 1e-12 * (1 + fabs(theta)) || hi - lo < 1e-13) {
            theta = next;
            break;
        }
        theta = next;
    }
    *r_out = exp(theta);
    return 1;
}

int tk_baseline_count_fit(const double *x, size_t n, const tk_baseline_options *opt,
                          tk_baseline_count *out, tk_error *err)
{
    const tk_baseline_options *o;
    double m = 0, s2 = 0, r = 0;
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    if (n == 0)
        return tk_error_set(err, TK_EINVAL, "a count baseline needs at least one day");
    rc = check_values(x, n, 1, "x", err);
    if (rc != TK_OK)
        return rc;

    mean_var(x, n, &m, &s2);
    out->family = TK_BASELINE_POISSON;
    out->mean = fmax(m, 0.5 / (double)n);
    out->size = 0;
    out->prob = 0;
    out->n = n;
    out->var = s2;
    out->lr = 0;
    out->lr_p = 1;
    out->weight = 1;
    out->z_cap = o->z_cap;

    if (n < 2 || !(m > 0) || !(s2 > m * (1 + o->overdispersion)))
        return TK_OK;
    if (!nb_size_mle(x, n, m, m * m / (s2 - m), &r))
        return TK_OK;
    const double lr = fmax(0, 2 * nb_minus_poisson_loglik(x, n, m, r));
    out->lr = lr;
    out->lr_p = 0.5 * gsl_cdf_chisq_Q(lr, 1);
    if (out->lr_p < o->lr_alpha) {
        out->family = TK_BASELINE_NEGBIN;
        out->mean = m;
        out->size = r;
        out->prob = r / (r + m);
    }
    return TK_OK;
}

double tk_baseline_count_tail(const tk_baseline_count *m, double x)
{
    assert(m != NULL);
    assert(m->mean > 0 && isfinite(m->mean));
    if (isnan(x))
        return NAN;
    if (x <= 0)
        return 1.0;
    const double k = ceil(x); /* X >= x  <=>  X >= k  <=>  X > k - 1 */
    if (k - 1 > (double)UINT_MAX)
        return 0.0;
    const unsigned int km1 = (unsigned int)(k - 1);
    if (m->family == TK_BASELINE_NEGBIN) {
        assert(m->size > 0 && m->prob > 0 && m->prob < 1);
        return gsl_cdf_negative_binomial_Q(km1, m->prob, m->size);
    }
    assert(m->family == TK_BASELINE_POISSON);
    return gsl_cdf_poisson_Q(km1, m->mean);
}

double tk_baseline_count_z(const tk_baseline_count *m, double x)
{
    return tk_baseline_p_to_z(tk_baseline_count_tail(m, x), m->z_cap);
}

double tk_baseline_p_to_z(double p, double cap)
{
    assert(cap > 0);
    if (isnan(p))
        return NAN;
    if (p <= 0)
        return cap;
    if (p >= 1)
        return -cap;
    return clamp(gsl_cdf_ugaussian_Qinv(p), cap);
}

double tk_baseline_z_to_p(double z)
{
    return gsl_cdf_ugaussian_Q(z);
}

int tk_baseline_gamma_prior(const double *rates, size_t n, double days,
                            const tk_baseline_options *opt, tk_baseline_prior *out, tk_error *err)
{
    const tk_baseline_options *o;
    double m = 0, s2 = 0;
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    if (n < 2)
        return tk_error_set(err, TK_EINVAL, "a peer prior needs at least two peers, got %zu", n);
    if (!(days >= 1 && isfinite(days)))
        return tk_error_set(err, TK_EINVAL, "days must be finite and >= 1");
    rc = check_values(rates, n, 1, "rates", err);
    if (rc != TK_OK)
        return rc;

    mean_var(rates, n, &m, &s2);
    const double v = s2 - m / days;
    double beta = v > 0 ? m / v : o->prior_max_days;
    beta = fmin(fmax(beta, o->prior_min_days), o->prior_max_days);
    out->alpha = fmax(m * beta, o->prior_min_shape);
    out->beta = beta;
    out->npeers = n;
    out->mean = m;
    out->var = fmax(v, 0);
    return TK_OK;
}

int tk_baseline_eb_fit(const double *x, size_t n, const tk_baseline_prior *prior,
                       const tk_baseline_options *opt, tk_baseline_count *out, tk_error *err)
{
    const tk_baseline_options *o;
    double m = 0, s2 = 0;
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    if (!(prior->alpha > 0 && isfinite(prior->alpha) && prior->beta > 0 && isfinite(prior->beta)))
        return tk_error_set(err, TK_EINVAL, "the prior needs finite alpha > 0 and beta > 0");
    rc = check_values(x, n, 1, "x", err);
    if (rc != TK_OK)
        return rc;

    mean_var(x, n, &m, &s2);
    const double dn = (double)n;
    const double r = prior->alpha + m * dn;
    out->family = TK_BASELINE_NEGBIN;
    out->size = r;
    out->prob = (prior->beta + dn) / (prior->beta + dn + 1);
    out->mean = r / (prior->beta + dn);
    out->n = n;
    out->var = s2;
    out->lr = 0;
    out->lr_p = 1;
    out->weight = dn / (dn + prior->beta);
    out->z_cap = o->z_cap;
    return TK_OK;
}

static double floored_scale(double raw, double median, const tk_baseline_options *o)
{
    return fmax(raw, fmax(o->scale_floor, o->scale_floor_rel * fabs(median)));
}

/* Robust fit of the n > 0 values in work, which are overwritten. */
static void robust_from_work(double *work, size_t n, const tk_baseline_options *o,
                             tk_baseline_robust *out)
{
    const double med = gsl_stats_median(work, 1, n);
    double sad = 0;
    for (size_t i = 0; i < n; i++) {
        work[i] = fabs(work[i] - med);
        sad += work[i];
    }
    const double mad = MAD_TO_SIGMA * gsl_stats_median(work, 1, n);
    const double raw = mad > 0 ? mad : MEANAD_TO_SIGMA * sad / (double)n;
    out->median = med;
    out->mad = mad;
    out->scale = floored_scale(raw, med, o);
    out->n = n;
    out->weight = 1;
    out->z_cap = o->z_cap;
}

/* Robust fit of x[0..n), n > 0, through a scratch copy. */
static int robust_fit(const double *x, size_t n, const tk_baseline_options *o,
                      tk_baseline_robust *out, tk_error *err)
{
    double *const work = tk_calloc(n, sizeof *work);
    if (work == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for %zu values", n);
    for (size_t i = 0; i < n; i++)
        work[i] = x[i];
    robust_from_work(work, n, o, out);
    tk_free(work);
    return TK_OK;
}

int tk_baseline_robust_fit(const double *x, size_t n, const tk_baseline_options *opt,
                           tk_baseline_robust *out, tk_error *err)
{
    const tk_baseline_options *o;
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    if (n == 0)
        return tk_error_set(err, TK_EINVAL, "a robust baseline needs at least one value");
    rc = check_values(x, n, 0, "x", err);
    if (rc != TK_OK)
        return rc;
    return robust_fit(x, n, o, out, err);
}

int tk_baseline_robust_eb_fit(const double *x, size_t n, const tk_baseline_robust *peer,
                              const tk_baseline_options *opt, tk_baseline_robust *out,
                              tk_error *err)
{
    const tk_baseline_options *o;
    tk_baseline_robust own = {0, 0, 0, 0, 0, 0};
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    if (!(isfinite(peer->median) && isfinite(peer->mad) && peer->mad >= 0 && peer->scale > 0 &&
          isfinite(peer->scale)))
        return tk_error_set(err, TK_EINVAL,
                            "the peer baseline needs a finite median and a positive scale");
    rc = check_values(x, n, 0, "x", err);
    if (rc != TK_OK)
        return rc;
    if (n > 0) {
        rc = robust_fit(x, n, o, &own, err);
        if (rc != TK_OK)
            return rc;
    }
    const double w = (double)n / ((double)n + o->shrink_days);
    out->median = w * own.median + (1 - w) * peer->median;
    out->mad = w * own.mad + (1 - w) * peer->mad;
    out->scale = floored_scale(w * own.scale + (1 - w) * peer->scale, out->median, o);
    out->n = n;
    out->weight = w;
    out->z_cap = o->z_cap;
    return TK_OK;
}

double tk_baseline_robust_z(const tk_baseline_robust *r, double x)
{
    assert(r != NULL && r->scale > 0 && r->z_cap > 0);
    return clamp((x - r->median) / r->scale, r->z_cap);
}

int tk_baseline_peer_z(const double *today, size_t n, size_t who, const tk_baseline_options *opt,
                       tk_baseline_peer *out, tk_error *err)
{
    const tk_baseline_options *o;
    tk_baseline_robust others;
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    if (n < 3)
        return tk_error_set(err, TK_EINVAL, "a peer comparison needs the member and two others");
    if (who >= n)
        return tk_error_set(err, TK_EINVAL, "member %zu is not in a group of %zu", who, n);
    rc = check_values(today, n, 0, "today", err);
    if (rc != TK_OK)
        return rc;

    double *const work = tk_calloc(n - 1, sizeof *work);
    if (work == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory for %zu peers", n - 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (i != who)
            work[j++] = today[i];
    }
    robust_from_work(work, n - 1, o, &others);
    tk_free(work);

    out->z = clamp((today[who] - others.median) / others.scale, o->z_cap);
    out->p = tk_baseline_z_to_p(out->z);
    out->median = others.median;
    out->scale = others.scale;
    out->others = n - 1;
    return TK_OK;
}

double tk_baseline_combine_p(double p_own, double p_peer)
{
    if (isnan(p_own) || isnan(p_peer))
        return NAN;
    return fmax(p_own, p_peer);
}

double tk_baseline_season(const double *total, const double *expect, const double *days, size_t n,
                          double e, double d, int shared, double *scratch)
{
    if (n < 3)
        return e;
    for (size_t i = 0; i < n; i++)
        scratch[i] = (total[i] + 1.0) / (expect[i] + 1.0);
    const double factor = gsl_stats_median(scratch, 1, n);
    if (!shared)
        return e * factor;
    for (size_t i = 0; i < n; i++)
        scratch[i] = days[i] > 0 ? (total[i] - expect[i]) / days[i] : 0.0;
    const double extra = gsl_stats_median(scratch, 1, n);
    return fmax(e * factor, e + d * extra);
}
