/* models/tod.c -- time-of-day profiles and a day's deviation from them.
 *
 * Fitting. With c_h the user's events in hour h over the window, q_h the
 * peer group's share of events in hour h (uniform without peers), a the
 * peer weight, u the uniform weight and K the kernel,
 *   s_h = sum_j K(d(h, j)) (c_j + a q_j) + u / 24,   p_h = s_h / sum_h s_h,
 * where d(h, j) = min(|h - j|, 24 - |h - j|) is the circular distance and
 * K(d) is proportional to exp(-d^2 / (2 sigma^2)), normalised so the 24
 * weights sum to 1 (so the kernel moves mass between hours but keeps the
 * total). The additive term is the posterior mean of a multinomial under a
 * Dirichlet(a q) prior: a user with N events keeps the weight N / (N + a)
 * on their own histogram, so a new hire starts from the department's
 * rhythm and a veteran keeps their own. The kernel encodes that a clerk
 * who works 8:00-17:00 is not anomalous at 17:10; the uniform floor keeps
 * every p_h > 0 so the statistics below stay finite.
 *
 * Scoring. Given today's counts o_h with total N, the expected counts are
 * e_h = N p_h. Hours are pooled into runs of consecutive hours (circularly)
 * until each pool expects at least min_expected events, the usual
 * condition for the chi-square approximation (Cochran 1954); a remainder
 * that falls short joins the previous pool. The scan starts at the hour of
 * largest p_h so the quiet night hours form contiguous pools across
 * midnight. Pooling depends only on the expected counts, never on what was
 * observed, so the test keeps its level. With P pools the statistic is
 *   Pearson  X2 = sum (O - E)^2 / E,   or   G = 2 sum O ln(O / E),
 * compared with chi-square on P - 1 degrees of freedom (the profile comes
 * from the history, not from today, so no degree is lost to estimation):
 * gof_p = gsl_cdf_chisq_Q(stat, P - 1).
 *
 * The test is about the whole day; the explanation needs one hour. For
 * each hour with more events than expected, o_h is binomial(N, p_h) under
 * the profile and its tail P(X >= o_h) = gsl_cdf_binomial_Q(o_h - 1, p_h,
 * N) (Q(k) is P(X > k)). The hour with the smallest tail is reported, with
 * a Bonferroni-adjusted tail (x 24) because it was chosen as the smallest
 * of 24. Ties (including tails that underflow to 0) go to the larger
 * standardised excess (o - e) / sqrt(e).
 *
 * The two tests see different things. Pooling merges a quiet hour with
 * its neighbours, so 15 events at 06:00 where 0.9 were expected may sit in
 * a pool 05:00-08:00 that expected 11 and move the chi-square only a
 * little; the hour test sees it at once. Conversely a day shifted by two
 * hours has no single extreme hour but a large chi-square. The day's
 * p-value is therefore p = min(1, 2 min(gof_p, hour_p_adj)): the
 * Bonferroni bound for the smaller of two tests, valid (conservative)
 * whatever their dependence.
 *
 * Overdispersion. The tests above treat the day's N events as independent
 * draws from the profile (multinomial). Real logs come in bursts: a task
 * (a counter visit, a batch of forms) is 5-30 events within minutes, all
 * in one hour. If tasks fall in hour h with probability p_h and a task has
 * B events, a count has variance E[B^2] / E[B] times the multinomial one
 * (a compound Poisson count: Var = lambda E[B^2], mean = lambda E[B]).
 * That factor is the dispersion phi: 2m - 1 for geometric bursts of mean
 * m, so about 15 for the typical burst of 8, and the uncorrected X2 on a
 * busy day is about phi times too large.
 *
 * The correction is the quasi-likelihood one (McCullagh and Nelder,
 * Generalized Linear Models, 2nd ed., 1989, sections 4.5 and 6.2): the
 * variance function is kept and scaled by phi. Equivalently, the day is
 * N / phi independent tasks with counts o_h / phi. tk_tod_score_phi() runs
 * exactly the tests above on those effective counts:
 *   - pools must expect min_expected tasks (N p_h / phi), because the
 *     chi-square approximation needs enough independent draws per pool,
 *     not enough events (a pool expecting 5 events may be half a task);
 *   - the statistic is X2 / phi (Pearson) or G / phi, against chi-square
 *     on pools - 1 df. An F(df, baseline df) reference would allow for phi
 *     being estimated, but phi rests on about a thousand baseline degrees
 *     of freedom (60 days of 15-20 df on the plain pooling), where a
 *     chi-square p of 1% is 1.01-1.06% under F for 1-10 df, and a short
 *     history is shrunk towards a prior, which has no df to speak of;
 *   - the hour tail is P(Bin(N / phi, p_h) >= o_h / phi) = I_p(o / phi,
 *     (N - o) / phi + 1), the regularised incomplete beta function, i.e.
 *     the binomial tail extended to real arguments.
 * With phi = 1 everything is the plain test, to the last bit. A
 * beta-binomial hour tail (the Dirichlet-multinomial with the same
 * variance) was rejected: its variance inflation is 1 + (N - 1) / (1 +
 * rho), growing with the day's size, while bursts of a fixed typical size
 * give an inflation that does not depend on N; and with its small shape
 * a p_h rho it puts the tail of a quiet hour at about the probability of
 * any event there, so several separate tasks at 06:00 would score no
 * better than one. The effective-count tail treats 48 events as 48 / phi
 * tasks, which is what makes a real early start stand out. Its known
 * weakness is the opposite one: a single unusually long burst (three
 * times the mean) in a quiet hour looks like several tasks, so with
 * geometric bursts the hour test rejects 2-5 times its nominal level
 * (the simulation in tests/models/test_tod.c measures the whole day's
 * test at 1.8% for alpha = 1% with geometric bursts, 0.6% with 1 +
 * Poisson ones). A test that allowed for single tasks of any length
 * (a compound Poisson-geometric count) would be exact for geometric
 * bursts but would rate eight real 8-event visits at 06:00 at about
 * 4e-4 instead of 2.5e-8.
 *
 * Estimating phi (tk_tod_dispersion_fit()). For each baseline day with at
 * least two pools, Pearson's X2_d on the plain pooling and its df_d. The
 * moment estimator sum X2_d / sum df_d is unbiased for phi whatever the
 * pooling, because E[(O - E)^2 / E] = phi (1 - p) holds for every pool;
 * Pearson's statistic is used even for the G-test, whose mean with small
 * expected counts is not df. The plain pooling (events, not tasks) is used
 * so that the days and their df do not depend on the phi being estimated
 * and every day with 2 * min_expected events counts. The median of X2_d /
 * df_d is robust but not what we want: with few tasks a day the ratio is
 * right-skewed and its median is 5-35% below phi in the simulations (too
 * small a phi makes busy days fire). So the mean is kept and made robust
 * instead: each day's X2_d is capped at phi_day_cap (4) times the median
 * ratio m times df_d. A day that was itself unusual (a night shift, an
 * outage) then moves phi by at most about 4 m df_d / sum df, while
 * ordinary days, whose ratio exceeds 4 m in about 1% of cases or fewer in
 * the simulations, are practically untouched. The median is found by
 * bisection on its value, counting days, so nothing is allocated. phi_own
 * is at least 1: less spread than the multinomial is not a reason to
 * sharpen the test.
 *
 * Few usable days give a noisy phi_own (one busy bursty day: a factor of
 * about 1.7 either way). It is shrunk towards the caller's prior (e.g.
 * the 所属's median phi) on the log scale, phi being a scale:
 *   phi = exp(w ln phi_own + (1 - w) ln prior),  w = n / (n + phi_prior_days)
 * for n usable days. The profile is usually fitted from the same days,
 * which lowers X2 by about one part in the number of days, a bias this
 * ignores; misfit of the smoothed profile raises X2 and goes into phi,
 * which is what calibrates the test against the user's own normal days. */
#include "models/tod.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "src/alloc.h"

static const tk_tod_options default_options = TK_TOD_OPTIONS_INIT;

static int get_options(const tk_tod_options *opt, const tk_tod_options **o, tk_error *err)
{
    const tk_tod_options *const v = opt != NULL ? opt : &default_options;
    *o = v;
    if (!(v->peer_weight >= 0 && isfinite(v->peer_weight)))
        return tk_error_set(err, TK_EINVAL, "peer_weight must be finite and >= 0");
    if (!(v->uniform_weight > 0 && isfinite(v->uniform_weight)))
        return tk_error_set(err, TK_EINVAL, "uniform_weight must be finite and > 0");
    if (!(v->bandwidth >= 0 && v->bandwidth <= 24))
        return tk_error_set(err, TK_EINVAL, "bandwidth must be in [0, 24] hours");
    if (!(v->min_expected > 0 && isfinite(v->min_expected)))
        return tk_error_set(err, TK_EINVAL, "min_expected must be finite and > 0");
    if (v->g_test != 0 && v->g_test != 1)
        return tk_error_set(err, TK_EINVAL, "g_test must be 0 or 1");
    if (!(v->phi_prior_days >= 0 && isfinite(v->phi_prior_days)))
        return tk_error_set(err, TK_EINVAL, "phi_prior_days must be finite and >= 0");
    if (!(v->phi_day_cap >= 1 && isfinite(v->phi_day_cap)))
        return tk_error_set(err, TK_EINVAL, "phi_day_cap must be finite and >= 1");
    return TK_OK;
}

/* Checks 24 finite counts >= 0 and returns their sum in *sum. */
static int check_counts(const double *c, const char *what, double *sum, tk_error *err)
{
    double s = 0;
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        if (!(c[h] >= 0 && isfinite(c[h])))
            return tk_error_set(err, TK_EINVAL, "%s[%zu] must be finite and >= 0", what, h);
        s += c[h];
    }
    *sum = s;
    return TK_OK;
}

int tk_tod_fit(const double *user, const double *peer, const tk_tod_options *opt,
               tk_tod_profile *out, tk_error *err)
{
    const tk_tod_options *o;
    double nuser = 0, npeer = 0, mix[TK_TOD_HOURS], kern[TK_TOD_HOURS / 2 + 1];
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    rc = check_counts(user, "user", &nuser, err);
    if (rc != TK_OK)
        return rc;
    if (peer != NULL) {
        rc = check_counts(peer, "peer", &npeer, err);
        if (rc != TK_OK)
            return rc;
        if (npeer == 0 && o->peer_weight > 0)
            return tk_error_set(err, TK_EINVAL, "the peer counts are all zero; pass NULL");
    }

    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        const double q = peer != NULL && npeer > 0 ? peer[h] / npeer : 1.0 / TK_TOD_HOURS;
        mix[h] = user[h] + o->peer_weight * q;
    }

    /* Kernel weights by circular distance 0..12; distance d in (0, 12)
     * occurs twice among the 24 offsets, 0 and 12 once each. */
    double ksum = 0;
    for (size_t d = 0; d <= TK_TOD_HOURS / 2; d++) {
        const double dd = (double)d;
        kern[d] = o->bandwidth > 0 ? exp(-dd * dd / (2 * o->bandwidth * o->bandwidth))
                                   : (d == 0 ? 1.0 : 0.0);
        ksum += (d == 0 || d == TK_TOD_HOURS / 2) ? kern[d] : 2 * kern[d];
    }

    double total = 0;
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        double s = 0;
        for (size_t j = 0; j < TK_TOD_HOURS; j++) {
            const size_t diff = h > j ? h - j : j - h;
            const size_t d = diff <= TK_TOD_HOURS / 2 ? diff : TK_TOD_HOURS - diff;
            s += kern[d] / ksum * mix[j];
        }
        out->p[h] = s + o->uniform_weight / TK_TOD_HOURS;
        total += out->p[h];
    }
    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        out->p[h] /= total;
    out->events = nuser;
    out->weight = nuser + o->peer_weight > 0 ? nuser / (nuser + o->peer_weight) : 0;
    return TK_OK;
}

/* Adds one pool's term to the statistic. */
static double pool_term(double obs, double exp_, int g_test)
{
    if (g_test)
        return obs > 0 ? 2 * obs * log(obs / exp_) : 0;
    return (obs - exp_) * (obs - exp_) / exp_;
}

/* Checks that prof is a probability vector with every hour > 0. */
static int check_profile(const tk_tod_profile *prof, tk_error *err)
{
    double psum = 0;
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        if (!(prof->p[h] > 0 && prof->p[h] <= 1))
            return tk_error_set(err, TK_EINVAL, "profile hour %zu is not in (0, 1]", h);
        psum += prof->p[h];
    }
    if (fabs(psum - 1) > 1e-9)
        return tk_error_set(err, TK_EINVAL, "profile sums to %.12g, not 1", psum);
    return TK_OK;
}

/* The pooled statistic of counts c[0..24) (total n) against prof, with
 * every count and expectation divided by phi (phi = 1: the plain test).
 * Pools are consecutive hours from the busiest one, each expecting at
 * least min_expected effective events; *pools gets their number (at least
 * 1). The statistic is 0 when there is a single pool. */
static double pooled_stat(const tk_tod_profile *prof, const double *c, double n, double phi,
                          const tk_tod_options *o, size_t *pools)
{
    size_t start = 0, np = 0;
    for (size_t h = 1; h < TK_TOD_HOURS; h++) {
        if (prof->p[h] > prof->p[start])
            start = h;
    }
    double stat = 0, po = 0, pe = 0, last_o = 0, last_e = 0;
    for (size_t i = 0; i < TK_TOD_HOURS; i++) {
        const size_t h = (start + i) % TK_TOD_HOURS;
        po += c[h] / phi;
        pe += n * prof->p[h] / phi;
        if (pe >= o->min_expected) {
            if (np > 0)
                stat += pool_term(last_o, last_e, o->g_test);
            last_o = po;
            last_e = pe;
            np++;
            po = 0;
            pe = 0;
        }
    }
    if (np > 0) /* the remainder joins the last pool, then that is added */
        stat += pool_term(last_o + po, last_e + pe, o->g_test);
    *pools = np > 0 ? np : 1;
    return np > 1 ? fmax(stat, 0) : 0;
}

/* Both tests on today's counts (validated, total n) at dispersion phi. */
static void score_day(const tk_tod_profile *prof, const double *today, double n, double phi,
                      const tk_tod_options *o, tk_tod_result *out)
{
    size_t pools;
    const double stat = pooled_stat(prof, today, n, phi, o, &pools);
    out->pools = pools;
    out->df = pools > 1 ? (double)(pools - 1) : 0;
    out->stat = stat;
    out->gof_p = pools > 1 ? gsl_cdf_chisq_Q(out->stat, out->df) : 1;
    out->total = n;
    out->phi = phi;

    /* The most surprising single hour: P(Bin(n / phi, p) >= o / phi) =
     * I_p(o / phi, (n - o) / phi + 1), the regularised incomplete beta
     * function, which is the binomial tail for integer arguments and its
     * continuous extension otherwise. With phi = 1 it is exactly
     * gsl_cdf_binomial_Q(o - 1, p, n), which evaluates the same call. */
    out->hour = TK_TOD_NO_HOUR;
    out->hour_count = 0;
    out->hour_expected = 0;
    out->hour_p = 1;
    double best_excess = 0;
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        const double e = n * prof->p[h];
        if (!(today[h] > e))
            continue;
        const double k = today[h] / phi;
        const double tail =
            fmin(1, fmax(0, gsl_cdf_beta_P(prof->p[h], k, (n - today[h]) / phi + 1)));
        const double excess = (today[h] - e) / sqrt(e);
        if (out->hour == TK_TOD_NO_HOUR || tail < out->hour_p ||
            (tail == out->hour_p && excess > best_excess)) {
            out->hour = h;
            out->hour_count = today[h];
            out->hour_expected = e;
            out->hour_p = tail;
            best_excess = excess;
        }
    }
    out->hour_p_adj = fmin(1, TK_TOD_HOURS * out->hour_p);
    out->p = fmin(1, 2 * fmin(out->gof_p, out->hour_p_adj));
}

/* Validates the arguments shared by both scoring functions. */
static int check_day(const tk_tod_profile *prof, const double *today, double *n, tk_error *err)
{
    int rc = check_profile(prof, err);
    if (rc != TK_OK)
        return rc;
    rc = check_counts(today, "today", n, err);
    if (rc != TK_OK)
        return rc;
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        if (today[h] != floor(today[h]))
            return tk_error_set(err, TK_EINVAL, "today[%zu] is not an integer (%g)", h, today[h]);
    }
    if (*n >= 4294967296.0)
        return tk_error_set(err, TK_EINVAL, "%.0f events in one day is too many", *n);
    return TK_OK;
}

int tk_tod_score(const tk_tod_profile *prof, const double *today, const tk_tod_options *opt,
                 tk_tod_result *out, tk_error *err)
{
    const tk_tod_options *o;
    double n = 0;
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    rc = check_day(prof, today, &n, err);
    if (rc != TK_OK)
        return rc;
    score_day(prof, today, n, 1.0, o, out);
    return TK_OK;
}

int tk_tod_score_phi(const tk_tod_profile *prof, const double *today, double phi,
                     const tk_tod_options *opt, tk_tod_result *out, tk_error *err)
{
    const tk_tod_options *o;
    double n = 0;
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    if (!(phi >= 1 && phi <= TK_TOD_PHI_MAX))
        return tk_error_set(err, TK_EINVAL, "phi must be in [1, %g] (%g)", TK_TOD_PHI_MAX, phi);
    rc = check_day(prof, today, &n, err);
    if (rc != TK_OK)
        return rc;
    score_day(prof, today, n, phi, o, out);
    return TK_OK;
}

/* Pearson's statistic of baseline day c[0..24) with the plain pooling
 * (phi = 1); *df gets pools - 1 (0: the day says nothing). */
static double day_pearson(const tk_tod_profile *prof, const double *c, const tk_tod_options *o,
                          double *df)
{
    tk_tod_options pearson = *o;
    double n = 0;
    size_t pools;
    pearson.g_test = 0;
    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        n += c[h];
    const double stat = pooled_stat(prof, c, n, 1.0, &pearson, &pools);
    *df = (double)(pools - 1);
    return stat;
}

/* Counts the usable baseline days whose ratio X2 / df is at most t. */
static size_t count_ratio_le(const tk_tod_profile *prof, const double *days, size_t ndays,
                             const tk_tod_options *o, double t)
{
    size_t k = 0;
    for (size_t d = 0; d < ndays; d++) {
        double df;
        const double stat = day_pearson(prof, days + d * TK_TOD_HOURS, o, &df);
        k += df > 0 && stat / df <= t;
    }
    return k;
}

int tk_tod_dispersion_fit(const tk_tod_profile *prof, const double *days, size_t ndays,
                          double prior_phi, const tk_tod_options *opt, tk_tod_dispersion *out,
                          tk_error *err)
{
    const tk_tod_options *o;
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    rc = check_profile(prof, err);
    if (rc != TK_OK)
        return rc;
    if (!(prior_phi >= 1 && prior_phi <= TK_TOD_PHI_MAX))
        return tk_error_set(err, TK_EINVAL, "prior_phi must be in [1, %g] (%g)", TK_TOD_PHI_MAX,
                            prior_phi);
    if (ndays > 0 && days == NULL)
        return tk_error_set(err, TK_EINVAL, "days is NULL but ndays is %zu", ndays);
    if (ndays > SIZE_MAX / TK_TOD_HOURS)
        return tk_error_set(err, TK_EINVAL, "%zu baseline days is too many", ndays);
    for (size_t d = 0; d < ndays; d++) {
        for (size_t h = 0; h < TK_TOD_HOURS; h++) {
            const double c = days[d * TK_TOD_HOURS + h];
            if (!(c >= 0 && isfinite(c)))
                return tk_error_set(err, TK_EINVAL, "day %zu hour %zu must be finite and >= 0", d,
                                    h);
        }
    }

    /* Pass 1: the usable days and the largest ratio. */
    size_t used = 0;
    double rmax = 0;
    for (size_t d = 0; d < ndays; d++) {
        double df;
        const double stat = day_pearson(prof, days + d * TK_TOD_HOURS, o, &df);
        if (df > 0) {
            used++;
            rmax = fmax(rmax, stat / df);
        }
    }
    out->prior = prior_phi;
    out->days = ndays;
    out->days_used = used;
    out->phi_own = 0;
    out->median_ratio = 0;
    out->days_capped = 0;
    if (used > 0) {
        /* Pass 2: the (lower) median ratio m, the smallest t with at least
         * ceil(used / 2) ratios <= t, by bisection on t in [0, rmax]: no
         * scratch memory, and 100 halvings reach the precision of a double. */
        const size_t half = (used + 1) / 2;
        double lo = 0, hi = rmax;
        for (int it = 0; it < 100 && hi > lo; it++) {
            const double mid = 0.5 * (lo + hi);
            if (mid <= lo || mid >= hi)
                break;
            if (count_ratio_le(prof, days, ndays, o, mid) >= half)
                hi = mid;
            else
                lo = mid;
        }
        if (count_ratio_le(prof, days, ndays, o, lo) >= half)
            hi = lo;
        out->median_ratio = hi;

        /* Pass 3: the pooled ratio with each day's X2 capped at
         * phi_day_cap * m * df. */
        const double cap = o->phi_day_cap * out->median_ratio;
        double sx = 0, sdf = 0;
        size_t capped = 0;
        for (size_t d = 0; d < ndays; d++) {
            double df;
            const double stat = day_pearson(prof, days + d * TK_TOD_HOURS, o, &df);
            if (df > 0) {
                capped += stat > cap * df;
                sx += fmin(stat, cap * df);
                sdf += df;
            }
        }
        out->days_capped = capped;
        out->phi_own = fmin(fmax(sx / sdf, 1.0), TK_TOD_PHI_MAX);
    }
    const double k = o->phi_prior_days;
    out->weight = used > 0 ? (double)used / ((double)used + k) : 0;
    out->phi = used > 0 ? exp(out->weight * log(out->phi_own) + (1 - out->weight) * log(prior_phi))
                        : prior_phi;
    out->phi = fmin(fmax(out->phi, 1.0), TK_TOD_PHI_MAX);
    return TK_OK;
}

/* ---- a sustained shift of the start of work ---------------------------- */

static int cmp_minute(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n > 0), sorted in place. */
static double median_sorted(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_minute);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int check_minutes(const double *v, size_t n, const char *what, tk_error *err)
{
    if (n > 0 && v == NULL)
        return tk_error_set(err, TK_EINVAL, "%s: NULL with %zu days", what, n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]) || v[i] < 0 || v[i] >= 1440)
            return tk_error_set(err, TK_EINVAL, "%s[%zu] = %g: expected a minute in 0-1439", what,
                                i, v[i]);
    return TK_OK;
}

int tk_tod_shift_test(const double *base, size_t nbase, const double *per, size_t nper,
                      const tk_tod_shift_options *opt, tk_tod_shift *out, tk_error *err)
{
    static const tk_tod_shift_options defaults = TK_TOD_SHIFT_OPTIONS_INIT;
    if (opt == NULL)
        opt = &defaults;
    if (!(opt->min_shift > 0) || opt->min_days < 1 || !(opt->min_share >= 0) ||
        !(opt->min_share <= 1) || opt->min_baseline_days < 1 || !(opt->max_p >= 0) ||
        !(opt->max_p <= 1))
        return tk_error_set(err, TK_EINVAL,
                            "shift options: min_shift > 0, min_days >= 1, min_share and max_p in "
                            "0-1, min_baseline_days >= 1");
    int rc = check_minutes(base, nbase, "baseline", err);
    if (rc == TK_OK)
        rc = check_minutes(per, nper, "period", err);
    if (rc != TK_OK)
        return rc;
    memset(out, 0, sizeof *out);
    out->p = 1.0;
    out->period_start = NAN;
    out->base_days = nbase;
    out->period_days = nper;
    if (nbase < opt->min_baseline_days || nper == 0)
        return TK_OK;

    /* Sorting needs copies: the caller's arrays are borrowed. */
    double *b = tk_calloc(nbase, sizeof *b), *e = tk_calloc(nper, sizeof *e);
    if (b == NULL || e == NULL) {
        tk_free(b);
        tk_free(e);
        return tk_error_set(err, TK_ENOMEM, "out of memory testing a shift of hours");
    }
    memcpy(b, base, nbase * sizeof *b);
    out->base_start = median_sorted(b, nbase);
    const double floor_min = out->base_start - opt->min_shift;
    size_t nb_early = 0, k = 0;
    for (size_t i = 0; i < nbase; i++)
        nb_early += b[i] <= floor_min;
    for (size_t i = 0; i < nper; i++)
        if (per[i] <= floor_min)
            e[k++] = per[i];
    out->early_days = k;
    out->base_share = (double)nb_early / (double)nbase;
    if (k > 0) {
        out->period_start = median_sorted(e, k);
        const double q = fmax(out->base_share, 1.0 / (double)(nbase + 1));
        out->p = q >= 1 ? 1.0 : gsl_cdf_binomial_Q((unsigned)(k - 1), q, (unsigned)nper);
    }
    tk_free(b);
    tk_free(e);
    out->found =
        k >= opt->min_days && (double)k >= opt->min_share * (double)nper && out->p <= opt->max_p;
    return TK_OK;
}
