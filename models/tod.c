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
 * Caveat, documented for analysts: events come in bursts (one resident's
 * case is several events in one hour), so hourly counts are more variable
 * than multinomial and p-values on busy days are too small; rank by them
 * rather than reading them as error rates. */
#include "models/tod.h"

#include <math.h>

#include <gsl/gsl_cdf.h>

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

int tk_tod_score(const tk_tod_profile *prof, const double *today, const tk_tod_options *opt,
                 tk_tod_result *out, tk_error *err)
{
    const tk_tod_options *o;
    double n = 0, psum = 0;
    int rc = get_options(opt, &o, err);
    if (rc != TK_OK)
        return rc;
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        if (!(prof->p[h] > 0 && prof->p[h] <= 1))
            return tk_error_set(err, TK_EINVAL, "profile hour %zu is not in (0, 1]", h);
        psum += prof->p[h];
    }
    if (fabs(psum - 1) > 1e-9)
        return tk_error_set(err, TK_EINVAL, "profile sums to %.12g, not 1", psum);
    rc = check_counts(today, "today", &n, err);
    if (rc != TK_OK)
        return rc;
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        if (today[h] != floor(today[h]))
            return tk_error_set(err, TK_EINVAL, "today[%zu] is not an integer (%g)", h, today[h]);
    }
    if (n >= 4294967296.0)
        return tk_error_set(err, TK_EINVAL, "%.0f events in one day is too many", n);

    /* Pool consecutive hours from the busiest one. */
    size_t start = 0;
    for (size_t h = 1; h < TK_TOD_HOURS; h++) {
        if (prof->p[h] > prof->p[start])
            start = h;
    }
    double stat = 0, po = 0, pe = 0, last_o = 0, last_e = 0;
    size_t pools = 0;
    for (size_t i = 0; i < TK_TOD_HOURS; i++) {
        const size_t h = (start + i) % TK_TOD_HOURS;
        po += today[h];
        pe += n * prof->p[h];
        if (pe >= o->min_expected) {
            if (pools > 0)
                stat += pool_term(last_o, last_e, o->g_test);
            last_o = po;
            last_e = pe;
            pools++;
            po = 0;
            pe = 0;
        }
    }
    if (pools > 0) { /* the remainder joins the last pool, then that is added */
        stat += pool_term(last_o + po, last_e + pe, o->g_test);
    }
    out->pools = pools > 0 ? pools : 1;
    out->df = pools > 1 ? (double)(pools - 1) : 0;
    out->stat = pools > 1 ? fmax(stat, 0) : 0;
    out->gof_p = pools > 1 ? gsl_cdf_chisq_Q(out->stat, out->df) : 1;
    out->total = n;

    /* The most surprising single hour. */
    out->hour = TK_TOD_NO_HOUR;
    out->hour_count = 0;
    out->hour_expected = 0;
    out->hour_p = 1;
    double best_excess = 0;
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        const double e = n * prof->p[h];
        if (!(today[h] > e))
            continue;
        const double tail =
            gsl_cdf_binomial_Q((unsigned int)today[h] - 1, prof->p[h], (unsigned int)n);
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
    return TK_OK;
}
