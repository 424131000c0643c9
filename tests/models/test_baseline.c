/* tests/models/test_baseline.c -- count models, robust baselines, empirical
 * Bayes shrinkage and same-day peer comparison.
 *
 * Reference values marked "mpmath" were computed independently of GSL with
 * Python's mpmath 1.3.0 at 40 significant digits, by direct summation of
 * the probability mass function, e.g. for the Poisson tail
 *     1 - sum(exp(-lam) * lam**k / factorial(k) for k in range(x))
 * and for NB(r, p)
 *     1 - sum(exp(loggamma(r+k) - loggamma(r) - loggamma(k+1))
 *             * p**r * (1-p)**k for k in range(x)),
 * and the NB maximum-likelihood size by findroot() on the score
 *     sum(digamma(x_i + r) - digamma(r)) - n log(1 + m / r).
 * Other expected values are derived by hand in the comments. */
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "models/baseline.h"
#include "src/alloc.h"
#include "tests/test.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* |a - b| <= rel * |b| (or <= rel when b == 0). */
static int close_rel(double a, double b, double rel)
{
    return fabs(a - b) <= rel * (b != 0 ? fabs(b) : 1);
}

static tk_baseline_count poisson(double lambda)
{
    tk_baseline_count m = {TK_BASELINE_POISSON, lambda, 0, 0, 0, 0, 0, 1, 1, 8};
    return m;
}

static tk_baseline_count negbin(double r, double p)
{
    tk_baseline_count m = {TK_BASELINE_NEGBIN, r * (1 - p) / p, r, p, 0, 0, 0, 1, 1, 8};
    return m;
}

static void poisson_tail_matches_mpmath(void)
{
    const tk_baseline_count m = poisson(2.385);
    /* mpmath, lambda = 2.385. */
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 1), 0.90791102042071882934, 1e-12));
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 7), 0.011236949630038285827, 1e-10));
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 8), 0.0032165537015737208770, 1e-10));
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 15), 3.7965040032869062175e-08, 1e-9));
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 25), 1.7881146090602395909e-17, 1e-8));
    const tk_baseline_count big = poisson(23.85);
    TK_CHECK(close_rel(tk_baseline_count_tail(&big, 40), 0.0015559035596363548599, 1e-10));
}

static void negbin_tail_matches_mpmath(void)
{
    const tk_baseline_count m = negbin(2.385, 0.3);
    /* mpmath, r = 2.385, p = 0.3. */
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 12), 0.095512170434405720542, 1e-10));
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 13), 0.072830306661614243516, 1e-10));
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 40), 1.8192737071401461631e-05, 1e-9));
}

/* P(X >= x) = Q(x - 1): the difference of consecutive tails is the pmf at
 * x, not at x + 1, and P(X >= 0) = 1. */
static void tail_is_at_least_not_greater_than(void)
{
    const tk_baseline_count nb = negbin(2.385, 0.3);
    /* mpmath pmf of NB(2.385, 0.3) at 12. */
    const double pmf12 = 0.022681863772791477026;
    TK_CHECK(
        close_rel(tk_baseline_count_tail(&nb, 12) - tk_baseline_count_tail(&nb, 13), pmf12, 1e-9));
    const tk_baseline_count p = poisson(2.385);
    TK_CHECK(tk_baseline_count_tail(&p, 0) == 1.0);
    TK_CHECK(tk_baseline_count_tail(&p, -3) == 1.0);
    TK_CHECK(tk_baseline_count_tail(&nb, 0) == 1.0);
    /* P(X >= 1) = 1 - e^-2.385, not P(X >= 2). */
    TK_CHECK(close_rel(tk_baseline_count_tail(&p, 1), 1 - exp(-2.385), 1e-13));
    /* A non-integer x is rounded up: X >= 6.2 is X >= 7. */
    TK_CHECK(tk_baseline_count_tail(&p, 6.2) == tk_baseline_count_tail(&p, 7));
    TK_CHECK(tk_baseline_count_tail(&p, 1e12) == 0.0);
    TK_CHECK(isnan(tk_baseline_count_tail(&p, NAN)));
}

static void z_of_p(void)
{
    /* Standard normal quantiles: Q(3.090232306167814) = 0.001. */
    TK_CHECK(fabs(tk_baseline_p_to_z(0.5, 8)) < 1e-12);
    TK_CHECK(close_rel(tk_baseline_p_to_z(0.001, 8), 3.090232306167814, 1e-10));
    TK_CHECK(close_rel(tk_baseline_p_to_z(0.975, 8), -1.959963984540054, 1e-10));
    TK_CHECK(tk_baseline_p_to_z(0.0, 8) == 8);
    TK_CHECK(tk_baseline_p_to_z(1e-300, 8) == 8);
    TK_CHECK(tk_baseline_p_to_z(1.0, 8) == -8);
    TK_CHECK(close_rel(tk_baseline_z_to_p(3.090232306167814), 0.001, 1e-10));
    /* count_z uses the model's cap; the tail at 7 under Poisson(2.385)
     * is 0.011236949630038286 (mpmath), so z = Q^-1 of that. */
    tk_baseline_count m = poisson(2.385);
    m.z_cap = 2.0;
    TK_CHECK(tk_baseline_count_z(&m, 25) == 2.0);
    m.z_cap = 8.0;
    TK_CHECK(close_rel(tk_baseline_z_to_p(tk_baseline_count_z(&m, 7)), 0.011236949630038286, 1e-9));
}

/* Fixed overdispersed data: mean 4.3, variance 17.063; mpmath gives the
 * ML size r = 1.3664322041133662, LR = 27.547990828174832 and the
 * boundary-corrected p = 0.5 P(chi2_1 > LR) = 7.6622237756193149e-08. */
static void negbin_mle_matches_mpmath(void)
{
    const double x[] = {0, 1, 1, 2, 3, 3, 4, 5, 7, 9, 12, 0, 2, 6, 15, 1, 0, 3, 8, 4};
    tk_baseline_count m;
    tk_error err;
    TK_REQUIRE(tk_baseline_count_fit(x, N_ELEMS(x), NULL, &m, &err) == TK_OK);
    TK_CHECK_INT(m.family, TK_BASELINE_NEGBIN);
    TK_CHECK(close_rel(m.mean, 4.3, 1e-14));
    TK_CHECK(close_rel(m.var, 17.063157894736842, 1e-12));
    TK_CHECK(close_rel(m.size, 1.3664322041133662, 1e-9));
    TK_CHECK(close_rel(m.prob, 1.3664322041133662 / (1.3664322041133662 + 4.3), 1e-9));
    TK_CHECK(close_rel(m.lr, 27.547990828174832, 1e-8));
    TK_CHECK(close_rel(m.lr_p, 7.6622237756193149e-08, 1e-6));
    TK_CHECK(m.weight == 1 && m.n == N_ELEMS(x));
}

/* A simulated NB(r = 2.385, p = 0.3) sample of 5000 days: the ML fit
 * recovers r and p. The asymptotic standard error of r-hat at these
 * values is about 0.07 (inverse Fisher information), so 0.25 is more than
 * three standard errors; the seed is fixed, so the test is deterministic. */
static void negbin_mle_recovers_simulation(void)
{
    enum { N = 5000 };
    static double x[N];
    gsl_rng *const rng = gsl_rng_alloc(gsl_rng_mt19937);
    TK_REQUIRE(rng != NULL);
    gsl_rng_set(rng, 2385);
    for (size_t i = 0; i < N; i++)
        x[i] = (double)gsl_ran_negative_binomial(rng, 0.3, 2.385);
    gsl_rng_free(rng);

    tk_baseline_count m;
    TK_REQUIRE(tk_baseline_count_fit(x, N, NULL, &m, NULL) == TK_OK);
    TK_CHECK_INT(m.family, TK_BASELINE_NEGBIN);
    TK_CHECK(fabs(m.size - 2.385) < 0.25);
    TK_CHECK(fabs(m.prob - 0.3) < 0.02);
    TK_CHECK(fabs(m.mean - 2.385 * 0.7 / 0.3) < 0.15);
    TK_CHECK(m.lr_p < 1e-100);
}

static void poisson_chosen_without_overdispersion(void)
{
    enum { N = 5000 };
    static double x[N];
    gsl_rng *const rng = gsl_rng_alloc(gsl_rng_mt19937);
    TK_REQUIRE(rng != NULL);
    gsl_rng_set(rng, 7);
    for (size_t i = 0; i < N; i++)
        x[i] = (double)gsl_ran_poisson(rng, 2.385);
    gsl_rng_free(rng);

    tk_baseline_count m;
    TK_REQUIRE(tk_baseline_count_fit(x, N, NULL, &m, NULL) == TK_OK);
    TK_CHECK_INT(m.family, TK_BASELINE_POISSON);
    TK_CHECK(fabs(m.mean - 2.385) < 0.07);

    /* Underdispersed (constant) history: Poisson with lambda = 3. */
    const double flat[] = {3, 3, 3, 3, 3, 3, 3};
    TK_REQUIRE(tk_baseline_count_fit(flat, N_ELEMS(flat), NULL, &m, NULL) == TK_OK);
    TK_CHECK_INT(m.family, TK_BASELINE_POISSON);
    TK_CHECK(m.mean == 3 && m.lr == 0 && m.lr_p == 1);

    /* Mildly overdispersed but too few days for the LR test to reject:
     * mean 3, variance 5.6 > 3.3, LR = 0.976 (p = 0.16), so Poisson is kept. */
    const double few[] = {1, 5, 2, 4, 6, 0};
    TK_REQUIRE(tk_baseline_count_fit(few, N_ELEMS(few), NULL, &m, NULL) == TK_OK);
    TK_CHECK_INT(m.family, TK_BASELINE_POISSON);
    TK_CHECK(m.lr_p > 0.01 && m.lr_p < 1);
}

/* An all-zero history has lambda = 0.5 / n, not 0, so one event is
 * surprising but not infinitely so: P(X >= 1) = 1 - exp(-0.5 / 20). */
static void all_zero_history(void)
{
    const double x[20] = {0};
    tk_baseline_count m;
    TK_REQUIRE(tk_baseline_count_fit(x, N_ELEMS(x), NULL, &m, NULL) == TK_OK);
    TK_CHECK_INT(m.family, TK_BASELINE_POISSON);
    TK_CHECK(close_rel(m.mean, 0.025, 1e-15));
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 1), 1 - exp(-0.025), 1e-12));
    TK_CHECK(tk_baseline_count_z(&m, 1) > 1.9 && tk_baseline_count_z(&m, 1) < 2.0);
}

static void count_fit_rejects_bad_input(void)
{
    tk_baseline_count m;
    tk_error err;
    const double neg[] = {1, 2, -1};
    const double nan[] = {1, NAN};
    TK_CHECK(tk_baseline_count_fit(neg, 0, NULL, &m, &err) == TK_EINVAL);
    TK_CHECK(tk_baseline_count_fit(neg, 3, NULL, &m, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "x[2] is negative (-1)");
    TK_CHECK(tk_baseline_count_fit(nan, 2, NULL, &m, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "x[1] is not finite");
    tk_baseline_options o = TK_BASELINE_OPTIONS_INIT;
    o.lr_alpha = 1;
    TK_CHECK(tk_baseline_count_fit(neg, 2, &o, &m, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "lr_alpha must be in (0, 1)");
    o = (tk_baseline_options)TK_BASELINE_OPTIONS_INIT;
    o.prior_min_days = 40;
    TK_CHECK(tk_baseline_count_fit(neg, 2, &o, &m, &err) == TK_EINVAL);
    TK_CHECK(tk_baseline_count_fit(neg, 2, NULL, &m, NULL) == TK_OK);
}

/* Peers' mean daily rates over 60 days. By hand (and mpmath): m = 21.1,
 * s2 = 4.564, v = s2 - m / 60 = 4.2123333, beta = m / v = 5.0091002611,
 * alpha = m beta = 105.69201551001029. */
static const double peer_rates[] = {18.2, 21.5, 24.0, 19.7, 22.9, 20.3};

static void gamma_prior_by_moments(void)
{
    tk_baseline_prior pr;
    TK_REQUIRE(tk_baseline_gamma_prior(peer_rates, N_ELEMS(peer_rates), 60, NULL, &pr, NULL) ==
               TK_OK);
    TK_CHECK(close_rel(pr.mean, 21.1, 1e-14));
    TK_CHECK(close_rel(pr.var, 4.2123333333333333, 1e-12));
    TK_CHECK(close_rel(pr.beta, 5.0091002611379283, 1e-12));
    TK_CHECK(close_rel(pr.alpha, 105.69201551001029, 1e-12));
    TK_CHECK(pr.npeers == 6);

    /* Identical peers: v <= 0, so beta is prior_max_days (30). */
    const double same[] = {12, 12, 12, 12};
    TK_REQUIRE(tk_baseline_gamma_prior(same, 4, 60, NULL, &pr, NULL) == TK_OK);
    TK_CHECK(pr.beta == 30 && close_rel(pr.alpha, 360, 1e-15) && pr.var == 0);
    /* Peers without any event: alpha is floored at 0.5. */
    const double none[] = {0, 0, 0};
    TK_REQUIRE(tk_baseline_gamma_prior(none, 3, 60, NULL, &pr, NULL) == TK_OK);
    TK_CHECK(pr.alpha == 0.5 && pr.beta == 30);
    /* Very different peers: beta is kept at prior_min_days (5). */
    const double spread[] = {1, 40, 3, 25};
    TK_REQUIRE(tk_baseline_gamma_prior(spread, 4, 60, NULL, &pr, NULL) == TK_OK);
    TK_CHECK(pr.beta == 5 && close_rel(pr.alpha, 5 * 17.25, 1e-14));

    tk_error err;
    TK_CHECK(tk_baseline_gamma_prior(same, 1, 60, NULL, &pr, &err) == TK_EINVAL);
    TK_CHECK(tk_baseline_gamma_prior(same, 4, 0.5, NULL, &pr, &err) == TK_EINVAL);
}

/* A new hire (0 or 2 days) is judged mostly by the peers; a veteran (200
 * days) by their own history. Posterior predictive tails: mpmath NB sums
 * with r = alpha + sum x, p = (beta + n) / (beta + n + 1). */
static void eb_shrinks_new_hire_keeps_veteran(void)
{
    tk_baseline_prior pr;
    tk_baseline_count m;
    TK_REQUIRE(tk_baseline_gamma_prior(peer_rates, N_ELEMS(peer_rates), 60, NULL, &pr, NULL) ==
               TK_OK);

    /* No history: the peer rate itself. */
    TK_REQUIRE(tk_baseline_eb_fit(NULL, 0, &pr, NULL, &m, NULL) == TK_OK);
    TK_CHECK_INT(m.family, TK_BASELINE_NEGBIN);
    TK_CHECK(close_rel(m.mean, 21.1, 1e-13));
    TK_CHECK(m.weight == 0);
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 45), 3.3893701003986179e-05, 1e-8));
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 30), 0.054517259888193737, 1e-9));

    /* Two days at 33 a day: the mean moves only 28.5% of the way. */
    const double two[] = {31, 35};
    TK_REQUIRE(tk_baseline_eb_fit(two, 2, &pr, NULL, &m, NULL) == TK_OK);
    TK_CHECK(close_rel(m.mean, 24.495585612030618, 1e-12));
    TK_CHECK(close_rel(m.size, 171.69201551001029, 1e-12));
    TK_CHECK(close_rel(m.prob, 0.87514203001650018, 1e-12));
    TK_CHECK(m.weight < 0.3);
    TK_CHECK(fabs(m.mean - 21.1) < fabs(m.mean - 33));
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 45), 0.00036709541898952162, 1e-8));
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 30), 0.17053275659388300, 1e-9));

    /* 200 days at 40 and 44 (mean 42): stays near 42. */
    static double vet[200];
    for (size_t i = 0; i < 200; i++)
        vet[i] = i < 100 ? 40 : 44;
    TK_REQUIRE(tk_baseline_eb_fit(vet, 200, &pr, NULL, &m, NULL) == TK_OK);
    TK_CHECK(close_rel(m.mean, 41.489338788744355, 1e-12));
    TK_CHECK(m.weight > 0.97);
    TK_CHECK(close_rel(tk_baseline_count_tail(&m, 60), 0.0041352495104242355, 1e-8));

    tk_error err;
    const tk_baseline_prior bad = {0, 1, 2, 0, 0};
    TK_CHECK(tk_baseline_eb_fit(two, 2, &bad, NULL, &m, &err) == TK_EINVAL);
}

/* First-activity minutes with two outliers (a night shift at 00:30 and a
 * forgotten session at 20:00). Sorted: 30 538 539 540 542 544 545 547 550
 * 1200, so the median is 543; the absolute deviations sorted are 1 1 2 3
 * 4 4 5 7 513 657, so MAD = 4 and the scale is 4 * 1.482602 = 5.930409.
 * The mean (562.5) and standard deviation (~ 303) would be ruined by the
 * outliers. */
static void robust_fit_with_outliers(void)
{
    const double x[] = {540, 545, 538, 550, 542, 547, 539, 544, 1200, 30};
    tk_baseline_robust r;
    TK_REQUIRE(tk_baseline_robust_fit(x, N_ELEMS(x), NULL, &r, NULL) == TK_OK);
    TK_CHECK(r.median == 543);
    TK_CHECK(close_rel(r.mad, 4 * 1.482602218505602, 1e-15));
    TK_CHECK(close_rel(r.scale, 5.930408874022408, 1e-14));
    TK_CHECK(r.n == 10 && r.weight == 1);
    /* 557.144 is 2.385 robust sigmas late. */
    TK_CHECK(close_rel(tk_baseline_robust_z(&r, 543 + 2.385 * 5.930408874022408), 2.385, 1e-12));
    TK_CHECK(close_rel(tk_baseline_robust_z(&r, 531), -12 / 5.930408874022408, 1e-12));
    TK_CHECK(tk_baseline_robust_z(&r, 600) == 8);
    TK_CHECK(tk_baseline_robust_z(&r, 0) == -8);
}

/* The scale floor: a constant history has MAD 0 and would give infinite z. */
static void robust_scale_floor(void)
{
    double x[30];
    tk_baseline_robust r;
    tk_baseline_options o = TK_BASELINE_OPTIONS_INIT;
    for (size_t i = 0; i < N_ELEMS(x); i++)
        x[i] = 540;
    TK_REQUIRE(tk_baseline_robust_fit(x, N_ELEMS(x), NULL, &r, NULL) == TK_OK);
    TK_CHECK(r.mad == 0 && r.scale == 1.0); /* the default floor: 1 unit */
    TK_CHECK(close_rel(tk_baseline_robust_z(&r, 542.385), 2.385, 1e-12));
    o.scale_floor = 15;
    TK_REQUIRE(tk_baseline_robust_fit(x, N_ELEMS(x), &o, &r, NULL) == TK_OK);
    TK_CHECK(r.scale == 15 && close_rel(tk_baseline_robust_z(&r, 575.775), 2.385, 1e-12));
    o.scale_floor = 1;
    o.scale_floor_rel = 0.05; /* 5% of 540 = 27 */
    TK_REQUIRE(tk_baseline_robust_fit(x, N_ELEMS(x), &o, &r, NULL) == TK_OK);
    TK_CHECK(close_rel(r.scale, 27, 1e-14));

    /* Mostly zeros: MAD 0, so the mean absolute deviation 9 / 20 = 0.45
     * times sqrt(pi / 2) gives the scale 0.56399136. */
    double y[20] = {0};
    y[3] = 3;
    y[11] = 6;
    o = (tk_baseline_options)TK_BASELINE_OPTIONS_INIT;
    o.scale_floor = 0.1;
    TK_REQUIRE(tk_baseline_robust_fit(y, N_ELEMS(y), &o, &r, NULL) == TK_OK);
    TK_CHECK(r.median == 0 && r.mad == 0);
    TK_CHECK(close_rel(r.scale, 0.45 * 1.2533141373155003, 1e-14));
}

/* Shrinkage of a robust baseline: with k = 10, w = n / (n + 10). */
static void robust_eb(void)
{
    const tk_baseline_robust peer = {510, 20, 20, 400, 1, 8};
    const double two[] = {600, 610}; /* median 605, MAD 5 * 1.4826 */
    tk_baseline_robust r;
    TK_REQUIRE(tk_baseline_robust_eb_fit(NULL, 0, &peer, NULL, &r, NULL) == TK_OK);
    TK_CHECK(r.median == 510 && r.scale == 20 && r.weight == 0);
    TK_REQUIRE(tk_baseline_robust_eb_fit(two, 2, &peer, NULL, &r, NULL) == TK_OK);
    /* w = 2 / 12: median = 605 / 6 + 510 * 5 / 6 = 525.8333 */
    TK_CHECK(close_rel(r.weight, 1.0 / 6, 1e-15));
    TK_CHECK(close_rel(r.median, 525.83333333333333, 1e-14));
    TK_CHECK(close_rel(r.scale, (5 * 1.482602218505602) / 6 + 20 * 5.0 / 6, 1e-14));

    static double vet[200];
    for (size_t i = 0; i < 200; i++)
        vet[i] = 600 + (double)(i % 5); /* median 602, MAD 1 */
    TK_REQUIRE(tk_baseline_robust_eb_fit(vet, 200, &peer, NULL, &r, NULL) == TK_OK);
    /* w = 200 / 210: median = (602 * 200 + 510 * 10) / 210 = 597.6190 */
    TK_CHECK(close_rel(r.median, (602.0 * 200 + 510 * 10) / 210, 1e-14));
    TK_CHECK(close_rel(r.scale, (1.482602218505602 * 200 + 20 * 10) / 210, 1e-14));

    tk_error err;
    const tk_baseline_robust bad = {510, 20, 0, 400, 1, 8};
    TK_CHECK(tk_baseline_robust_eb_fit(two, 2, &bad, NULL, &r, &err) == TK_EINVAL);
    const double inf[] = {1, INFINITY};
    TK_CHECK(tk_baseline_robust_eb_fit(inf, 2, &peer, NULL, &r, &err) == TK_EINVAL);
    TK_CHECK(tk_baseline_robust_fit(inf, 0, NULL, &r, &err) == TK_EINVAL);
}

/* Leave-one-out by hand: the others of member 2 are 20 23 25 21 19 24 22
 * 20 (sorted 19 20 20 21 22 23 24 25, median 21.5, deviations sorted 0.5
 * 0.5 1.5 1.5 1.5 2.5 2.5 3.5, MAD 1.5, scale 2.2239). */
static void peer_z_by_hand(void)
{
    const double today[] = {20, 23, 70, 25, 21, 19, 24, 22, 20};
    tk_baseline_peer pz;
    TK_REQUIRE(tk_baseline_peer_z(today, N_ELEMS(today), 0, NULL, &pz, NULL) == TK_OK);
    TK_REQUIRE(tk_baseline_peer_z(today, N_ELEMS(today), 2, NULL, &pz, NULL) == TK_OK);
    TK_CHECK(pz.median == 21.5 && pz.others == 8);
    TK_CHECK(close_rel(pz.scale, 1.5 * 1.482602218505602, 1e-15));
    TK_CHECK(pz.z == 8 && pz.p < 1e-15);
    /* Member 4 (21) among the others, which include 70: median 22.5 of
     * 19 20 20 22 23 24 25 70, deviations sorted 0.5 0.5 1.5 2.5 2.5 2.5
     * 3.5 47.5 give MAD 2.5, so z = -1.5 / 3.7065 = -0.40469. */
    TK_REQUIRE(tk_baseline_peer_z(today, N_ELEMS(today), 4, NULL, &pz, NULL) == TK_OK);
    TK_CHECK(pz.median == 22.5);
    TK_CHECK(close_rel(pz.z, -1.5 / (2.5 * 1.482602218505602), 1e-13));

    tk_error err;
    TK_CHECK(tk_baseline_peer_z(today, 2, 0, NULL, &pz, &err) == TK_EINVAL);
    TK_CHECK(tk_baseline_peer_z(today, 9, 9, NULL, &pz, &err) == TK_EINVAL);
}

/* A department of 12 with Poisson histories around 21 a day. On a busy
 * day everyone does 2.5 times the usual: each member is surprising against
 * their own baseline, not against the others, so the combined rule flags
 * nobody. On the same busy day one member does 3 times the busy level:
 * flagged, alone. */
static void busy_season_is_not_a_wave(void)
{
    enum { MEMBERS = 12, DAYS = 60 };
    static double hist[MEMBERS][DAYS];
    tk_baseline_count own[MEMBERS];
    double busy[MEMBERS];
    gsl_rng *const rng = gsl_rng_alloc(gsl_rng_mt19937);
    TK_REQUIRE(rng != NULL);
    gsl_rng_set(rng, 42);
    for (size_t u = 0; u < MEMBERS; u++) {
        const double rate = 17 + (double)u * 0.8; /* 17 .. 25.8 */
        for (size_t d = 0; d < DAYS; d++)
            hist[u][d] = (double)gsl_ran_poisson(rng, rate);
        if (tk_baseline_count_fit(hist[u], DAYS, NULL, &own[u], NULL) != TK_OK)
            TK_CHECK(0);
        busy[u] = (double)gsl_ran_poisson(rng, 2.5 * rate);
    }
    gsl_rng_free(rng);

    size_t own_flags = 0, flags = 0;
    for (size_t u = 0; u < MEMBERS; u++) {
        tk_baseline_peer pz;
        TK_REQUIRE(tk_baseline_peer_z(busy, MEMBERS, u, NULL, &pz, NULL) == TK_OK);
        const double p_own = tk_baseline_count_tail(&own[u], busy[u]);
        own_flags += p_own < 1e-3;
        flags += tk_baseline_combine_p(p_own, pz.p) < 1e-3;
    }
    TK_CHECK_INT(own_flags, MEMBERS); /* alone, every member looks anomalous */
    TK_CHECK_INT(flags, 0);

    busy[5] *= 3;
    flags = 0;
    for (size_t u = 0; u < MEMBERS; u++) {
        tk_baseline_peer pz;
        TK_REQUIRE(tk_baseline_peer_z(busy, MEMBERS, u, NULL, &pz, NULL) == TK_OK);
        const double p = tk_baseline_combine_p(tk_baseline_count_tail(&own[u], busy[u]), pz.p);
        if (p < 1e-3) {
            flags++;
            TK_CHECK_INT(u, 5);
        }
    }
    TK_CHECK_INT(flags, 1);

    TK_CHECK(tk_baseline_combine_p(0.001, 0.2) == 0.2);
    TK_CHECK(tk_baseline_combine_p(0.3, 2.385e-7) == 0.3);
    TK_CHECK(isnan(tk_baseline_combine_p(NAN, 0.2)));
}

/* A 所属's season over a window (tk_baseline_season), on six other members
 * who usually do 100 to 600 over 20 days. */
static void season_scaled_or_shared(void)
{
    const double expect[] = {100, 200, 300, 400, 500, 600};
    const double days[] = {20, 20, 20, 20, 20, 20};
    double total[6], scratch[6];
    /* Election duties shared out alike: everyone does 300 more. The factor
     * is the median of (T + 1) / (E + 1), (601/301 + 701/401) / 2 = 1.8724;
     * the extra a day is 15. The member who usually does 100 is expected
     * 100 + 20 * 15 = 400, not the 187 a factor gives, and the one who does
     * 600 is expected 600 * 1.8724 = 1123.4, the larger of the two. */
    for (size_t i = 0; i < 6; i++)
        total[i] = expect[i] + 300;
    TK_CHECK(
        close_rel(tk_baseline_season(total, expect, days, 6, 100, 20, 1, scratch), 400, 1e-12));
    TK_CHECK(close_rel(tk_baseline_season(total, expect, days, 6, 600, 20, 1, scratch),
                       600 * 0.5 * (601.0 / 301 + 701.0 / 401), 1e-12));
    /* A season that doubles everyone's caseload: the factor is
     * (601/301 + 801/401) / 2 = 1.99709 and the extra a day the median of
     * 5..30, 17.5. The member who usually does 400 is expected 798.8; the
     * one who usually does 100 is expected 100 + 20 * 17.5 = 450 -- the
     * price of never judging a member against the season that fits them
     * worse: a rise of the smallest members is seen only beyond the
     * 所属's usual extra. */
    for (size_t i = 0; i < 6; i++)
        total[i] = 2 * expect[i];
    TK_CHECK(close_rel(tk_baseline_season(total, expect, days, 6, 400, 20, 1, scratch),
                       400 * 0.5 * (601.0 / 301 + 801.0 / 401), 1e-12));
    TK_CHECK(
        close_rel(tk_baseline_season(total, expect, days, 6, 100, 20, 1, scratch), 450, 1e-12));
    /* The factor alone (the history's windows): 100 * 1.99709. */
    TK_CHECK(close_rel(tk_baseline_season(total, expect, days, 6, 100, 20, 0, scratch),
                       100 * 0.5 * (601.0 / 301 + 801.0 / 401), 1e-12));
    /* No season: the member's own expectation. */
    TK_CHECK(tk_baseline_season(expect, expect, days, 6, 250, 20, 1, scratch) == 250);
    /* Fewer than 3 others: no season, whatever they did. */
    TK_CHECK(tk_baseline_season(total, expect, days, 2, 250, 20, 1, scratch) == 250);
    /* The others' order does not matter (the medians sort a copy). */
    const double t2[] = {1200, 200, 1000, 400, 800, 600};
    const double e2[] = {600, 100, 500, 200, 400, 300};
    TK_CHECK(close_rel(tk_baseline_season(t2, e2, days, 6, 100, 20, 1, scratch), 450, 1e-12));
}

/* Every function that allocates fails cleanly at each allocation. */
static void allocation_failures(void)
{
    const double x[] = {540, 545, 538, 550, 542, 547, 539, 544, 1200, 30};
    const tk_baseline_robust peer = {510, 20, 20, 400, 1, 8};
    tk_baseline_robust r;
    tk_baseline_peer pz;
    tk_error err;
    int rc;
    unsigned long n;

    for (n = 1;; n++) {
        tk_alloc_fail_at(n);
        rc = tk_baseline_robust_fit(x, N_ELEMS(x), NULL, &r, &err);
        if (rc == TK_OK)
            break;
        TK_CHECK_INT(rc, TK_ENOMEM);
    }
    TK_CHECK(n == 2 && r.median == 543);
    for (n = 1;; n++) {
        tk_alloc_fail_at(n);
        rc = tk_baseline_robust_eb_fit(x, N_ELEMS(x), &peer, NULL, &r, &err);
        if (rc == TK_OK)
            break;
        TK_CHECK_INT(rc, TK_ENOMEM);
    }
    TK_CHECK(n == 2);
    for (n = 1;; n++) {
        tk_alloc_fail_at(n);
        rc = tk_baseline_peer_z(x, N_ELEMS(x), 8, NULL, &pz, &err);
        if (rc == TK_OK)
            break;
        TK_CHECK_INT(rc, TK_ENOMEM);
        TK_CHECK_STR(err.msg, "out of memory for 9 peers");
    }
    TK_CHECK(n == 2 && pz.z == 8);
    tk_alloc_fail_at(0);
}

int main(void)
{
    gsl_set_error_handler_off();
    TK_RUN(poisson_tail_matches_mpmath);
    TK_RUN(negbin_tail_matches_mpmath);
    TK_RUN(tail_is_at_least_not_greater_than);
    TK_RUN(z_of_p);
    TK_RUN(negbin_mle_matches_mpmath);
    TK_RUN(negbin_mle_recovers_simulation);
    TK_RUN(poisson_chosen_without_overdispersion);
    TK_RUN(all_zero_history);
    TK_RUN(count_fit_rejects_bad_input);
    TK_RUN(gamma_prior_by_moments);
    TK_RUN(eb_shrinks_new_hire_keeps_veteran);
    TK_RUN(robust_fit_with_outliers);
    TK_RUN(robust_scale_floor);
    TK_RUN(robust_eb);
    TK_RUN(peer_z_by_hand);
    TK_RUN(busy_season_is_not_a_wave);
    TK_RUN(season_scaled_or_shared);
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
