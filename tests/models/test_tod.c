/* tests/models/test_tod.c -- time-of-day profiles and the day's test.
 *
 * Reference values marked "mpmath" were computed independently of GSL with
 * Python's mpmath 1.3.0 at 40 digits: chi-square tails as
 *     gammainc(df / 2, stat / 2, inf) / gamma(df / 2),
 * binomial tails as 1 - sum(binomial(n, j) p^j (1 - p)^(n - j), j < k),
 * binomial tails at real arguments (the dispersion-corrected hour test) as
 * betainc(k, n - k + 1, 0, p, regularized=True), and the smoothed profile
 * by a separate Python implementation of the formula in tod.c (plain
 * loops over hours, math.exp for the kernel).
 *
 * The overdispersion tests simulate bursty days: a Poisson number of tasks
 * a day, each task in an hour drawn from the profile and all of its events
 * (a geometric or 1 + Poisson number, mean 8) in that hour. */
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "models/tod.h"
#include "tests/test.h"

static int close_rel(double a, double b, double rel)
{
    return fabs(a - b) <= rel * (b != 0 ? fabs(b) : 1);
}

/* A clerk who works 9:00-17:00, and a department active 8:00-18:00. */
static void clerk_counts(double user[TK_TOD_HOURS], double peer[TK_TOD_HOURS])
{
    const double u[] = {30, 40, 35, 20, 38, 36, 30, 21};
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        user[h] = h >= 9 && h <= 16 ? u[h - 9] : 0;
        peer[h] = h >= 8 && h <= 17 ? 50 : 0;
    }
}

static void fit_matches_formula(void)
{
    double user[TK_TOD_HOURS], peer[TK_TOD_HOURS], sum = 0;
    tk_tod_profile prof;
    clerk_counts(user, peer);
    TK_REQUIRE(tk_tod_fit(user, peer, NULL, &prof, NULL) == TK_OK);
    /* Python, a = 100, u = 1, sigma = 1. */
    TK_CHECK(close_rel(prof.p[6], 0.0021812218255958735, 1e-12));
    TK_CHECK(close_rel(prof.p[9], 0.094263939047770529, 1e-12));
    TK_CHECK(close_rel(prof.p[23], 0.000118708625951206, 1e-12));
    TK_CHECK(prof.events == 250);
    TK_CHECK(close_rel(prof.weight, 250.0 / 350, 1e-15));
    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        sum += prof.p[h];
    TK_CHECK(fabs(sum - 1) < 1e-14);
}

static void kernel_wraps_midnight(void)
{
    double user[TK_TOD_HOURS] = {0};
    tk_tod_options o = TK_TOD_OPTIONS_INIT;
    tk_tod_profile prof;
    user[23] = 100;
    o.peer_weight = 0;
    TK_REQUIRE(tk_tod_fit(user, NULL, &o, &prof, NULL) == TK_OK);
    TK_CHECK(close_rel(prof.p[0], prof.p[22], 1e-14));
    TK_CHECK(close_rel(prof.p[1], prof.p[21], 1e-14));
    TK_CHECK(prof.p[23] > prof.p[0] && prof.p[0] > prof.p[1] && prof.p[1] > prof.p[12]);
    /* K(1) / K(0) = exp(-1/2) once the uniform 1/24 event is removed. */
    const double floor_ = 1.0 / 24 / 101;
    TK_CHECK(close_rel((prof.p[0] - floor_) / (prof.p[23] - floor_), exp(-0.5), 1e-12));
    /* Without the kernel only hour 23 and the floor remain. */
    o.bandwidth = 0;
    TK_REQUIRE(tk_tod_fit(user, NULL, &o, &prof, NULL) == TK_OK);
    TK_CHECK(close_rel(prof.p[0], floor_, 1e-12) && close_rel(prof.p[22], floor_, 1e-12));
    TK_CHECK(close_rel(prof.p[23], (100 + 1.0 / 24) / 101, 1e-12));
}

/* Uniform profile, 240 events: every hour expects 10, no pooling. The
 * statistic by hand is (36 + 36 + 9 + 9) / 10 = 9 on 23 df. */
static void uniform_profile_by_hand(void)
{
    const double zero[TK_TOD_HOURS] = {0};
    double today[TK_TOD_HOURS];
    tk_tod_profile prof;
    tk_tod_result res;
    tk_tod_options o = TK_TOD_OPTIONS_INIT;
    TK_REQUIRE(tk_tod_fit(zero, NULL, NULL, &prof, NULL) == TK_OK);
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        TK_CHECK(close_rel(prof.p[h], 1.0 / 24, 1e-14));
        today[h] = 10;
    }
    today[0] = 16;
    today[1] = 4;
    today[5] = 13;
    today[6] = 7;
    TK_REQUIRE(tk_tod_score(&prof, today, NULL, &res, NULL) == TK_OK);
    TK_CHECK(res.pools == 24 && res.df == 23 && res.total == 240);
    TK_CHECK(close_rel(res.stat, 9.0, 1e-12));
    TK_CHECK(close_rel(res.gof_p, 0.99595746752121602, 1e-10)); /* mpmath */
    TK_CHECK_INT(res.hour, 0);
    TK_CHECK(res.hour_count == 16 && close_rel(res.hour_expected, 10, 1e-12));
    TK_CHECK(close_rel(res.hour_p, 0.045092426433743108, 1e-9)); /* mpmath */
    TK_CHECK(close_rel(res.hour_p_adj, 1.0, 1e-15));
    TK_CHECK(res.p == 1);

    o.g_test = 1; /* G = 2 sum O ln(O / 10) = 9.5378119418828112 (mpmath) */
    TK_REQUIRE(tk_tod_score(&prof, today, &o, &res, NULL) == TK_OK);
    TK_CHECK(close_rel(res.stat, 9.5378119418828112, 1e-12));
    TK_CHECK(close_rel(res.gof_p, 0.99379078863706849, 1e-10));
}

/* A hand-made profile: 0.09 for each hour 8..17, 1/140 for the 14 others.
 * With 120 events a day hour expects 10.8 (own pool) and a night hour
 * 0.857. From hour 8 the scan makes pools 8 .. 17, then 18-23 (5.14),
 * then 0-5 (5.14), and 6-7 (1.71) is short and joins 0-5: 12 pools, 11
 * df. The 6 a.m. excess (7 against 0.857) is diluted in its pool; the
 * hour test finds it. */
static void pooled_by_hand(void)
{
    const double day[] = {12, 11, 10, 13, 9, 12, 10, 11, 12, 10};
    double today[TK_TOD_HOURS] = {0};
    tk_tod_profile prof = {{0}, 0, 0};
    tk_tod_result res;
    tk_tod_options o = TK_TOD_OPTIONS_INIT;
    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        prof.p[h] = h >= 8 && h <= 17 ? 0.09 : 1.0 / 140;
    for (size_t h = 8; h <= 17; h++)
        today[h] = day[h - 8];
    today[6] = 7;
    today[7] = 2;
    today[22] = 1;
    TK_REQUIRE(tk_tod_score(&prof, today, NULL, &res, NULL) == TK_OK);
    TK_CHECK(res.pools == 12 && res.df == 11);
    /* mpmath over the pools listed above. */
    TK_CHECK(close_rel(res.stat, 5.3402777777777778, 1e-12));
    TK_CHECK(close_rel(res.gof_p, 0.91357420749362191, 1e-10));
    TK_CHECK_INT(res.hour, 6);
    TK_CHECK(res.hour_count == 7 && close_rel(res.hour_expected, 120.0 / 140, 1e-12));
    TK_CHECK(close_rel(res.hour_p, 2.7902517869188143e-05, 1e-8));
    TK_CHECK(close_rel(res.hour_p_adj, 24 * 2.7902517869188143e-05, 1e-8));
    /* The day: 2 min(0.9136, 24 * 2.79e-5) = 1.3393e-3. */
    TK_CHECK(close_rel(res.p, 48 * 2.7902517869188143e-05, 1e-8));
    o.g_test = 1;
    TK_REQUIRE(tk_tod_score(&prof, today, &o, &res, NULL) == TK_OK);
    TK_CHECK(close_rel(res.stat, 6.9339418448246476, 1e-12));
    TK_CHECK(close_rel(res.gof_p, 0.80440750730923721, 1e-10));
}

/* Days drawn from the profile itself: the test's p-values are roughly
 * uniform (its level holds), and a day equal to its expectation scores
 * p ~ 1. */
static void calibrated_under_the_null(void)
{
    enum { DAYS = 2000, N = 150 };
    double user[TK_TOD_HOURS], peer[TK_TOD_HOURS], today[TK_TOD_HOURS];
    unsigned int draw[TK_TOD_HOURS];
    tk_tod_profile prof;
    tk_tod_result res;
    size_t below05 = 0, below50 = 0, day05 = 0;
    clerk_counts(user, peer);
    TK_REQUIRE(tk_tod_fit(user, peer, NULL, &prof, NULL) == TK_OK);
    gsl_rng *const rng = gsl_rng_alloc(gsl_rng_mt19937);
    TK_REQUIRE(rng != NULL);
    gsl_rng_set(rng, 2385);
    for (size_t d = 0; d < DAYS; d++) {
        gsl_ran_multinomial(rng, TK_TOD_HOURS, N, prof.p, draw);
        for (size_t h = 0; h < TK_TOD_HOURS; h++)
            today[h] = draw[h];
        if (tk_tod_score(&prof, today, NULL, &res, NULL) != TK_OK) {
            TK_CHECK(0);
            break;
        }
        below05 += res.gof_p < 0.05;
        below50 += res.gof_p < 0.5;
        day05 += res.p < 0.05;
    }
    gsl_rng_free(rng);
    TK_CHECK(below05 > DAYS * 3 / 100 && below05 < DAYS * 7 / 100);
    TK_CHECK(below50 > DAYS * 45 / 100 && below50 < DAYS * 55 / 100);
    /* The combined day p-value is conservative: at most its level. */
    TK_CHECK(day05 > DAYS / 100 && day05 <= DAYS * 5 / 100);

    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        today[h] = round(N * prof.p[h]);
    TK_REQUIRE(tk_tod_score(&prof, today, NULL, &res, NULL) == TK_OK);
    TK_CHECK(res.gof_p > 0.99 && res.p == 1);
    TK_CHECK(res.hour == TK_TOD_NO_HOUR || res.hour_p > 0.3);
}

/* A clerk suddenly active at 6 a.m.: 60 days of history, then an ordinary
 * day plus 15 events at 06:00. */
static void burst_at_six_is_named(void)
{
    double hist[TK_TOD_HOURS] = {0}, user[TK_TOD_HOURS], peer[TK_TOD_HOURS];
    double today[TK_TOD_HOURS];
    unsigned int draw[TK_TOD_HOURS];
    tk_tod_profile truth, prof;
    tk_tod_result res;
    clerk_counts(user, peer);
    TK_REQUIRE(tk_tod_fit(user, peer, NULL, &truth, NULL) == TK_OK);
    gsl_rng *const rng = gsl_rng_alloc(gsl_rng_mt19937);
    TK_REQUIRE(rng != NULL);
    gsl_rng_set(rng, 6);
    for (size_t d = 0; d < 60; d++) {
        gsl_ran_multinomial(rng, TK_TOD_HOURS, 120, truth.p, draw);
        for (size_t h = 0; h < TK_TOD_HOURS; h++)
            hist[h] += draw[h];
    }
    gsl_ran_multinomial(rng, TK_TOD_HOURS, 120, truth.p, draw);
    gsl_rng_free(rng);
    TK_REQUIRE(tk_tod_fit(hist, peer, NULL, &prof, NULL) == TK_OK);
    TK_CHECK(prof.weight > 0.98);

    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        today[h] = draw[h];
    TK_REQUIRE(tk_tod_score(&prof, today, NULL, &res, NULL) == TK_OK);
    TK_CHECK(res.p > 1e-3);
    const double before = today[6];
    today[6] += 15;
    TK_REQUIRE(tk_tod_score(&prof, today, NULL, &res, NULL) == TK_OK);
    TK_CHECK(res.p < 1e-6);
    TK_CHECK(res.gof_p < 0.01);
    TK_CHECK_INT(res.hour, 6);
    TK_CHECK(res.hour_count == before + 15);
    TK_CHECK(res.hour_expected < 1);
    TK_CHECK(res.hour_p_adj < 1e-10);
}

/* ---- Overdispersion ------------------------------------------------- */

/* A clerk's profile with about 0.1% of the mass at 06:00: 11% for each
 * hour 09-16, 4% at 08 and 17, 1.2% at 07 and 18, and 0.016 / 12 for each
 * of the 12 night hours. */
static void bursty_profile(tk_tod_profile *prof)
{
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        if (h >= 9 && h <= 16)
            prof->p[h] = 0.11;
        else if (h == 8 || h == 17)
            prof->p[h] = 0.04;
        else if (h == 7 || h == 18)
            prof->p[h] = 0.012;
        else
            prof->p[h] = 0.016 / 12;
    }
    prof->events = 0;
    prof->weight = 1;
}

enum { BURST_GEOMETRIC, BURST_POISSON };

/* One day of Poisson(tasks) tasks, each of mean_burst events (geometric
 * on 1, 2, ... or 1 + Poisson) all in one hour drawn from hours. */
static void bursty_day(gsl_rng *rng, const gsl_ran_discrete_t *hours, double tasks,
                       double mean_burst, int kind, double day[TK_TOD_HOURS])
{
    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        day[h] = 0;
    const unsigned int t = gsl_ran_poisson(rng, tasks);
    for (unsigned int i = 0; i < t; i++) {
        const size_t h = gsl_ran_discrete(rng, hours);
        day[h] += kind == BURST_GEOMETRIC ? gsl_ran_geometric(rng, 1 / mean_burst)
                                          : 1 + gsl_ran_poisson(rng, mean_burst - 1);
    }
}

/* Rejection rates at alpha = 0.01 on simulated bursty days, uncorrected
 * and with phi estimated from 200 separate baseline days of the same
 * process, shrunk towards a prior from a colleague with the same work
 * (another 200 days, no prior of their own) as the 所属 median would be. */
typedef struct calib {
    double phi;       /* estimated */
    double plain_p;   /* tk_tod_score: day p < 0.01 */
    double plain_gof; /* tk_tod_score: gof_p < 0.01 */
    double phi_p;     /* tk_tod_score_phi: day p < 0.01 */
    double phi_gof;   /* tk_tod_score_phi: gof_p < 0.01 */
    double phi_g_p;   /* the same with the G-test */
    double phi_hour;  /* tk_tod_score_phi: hour_p_adj < 0.005 (its share of the day's 0.01) */
} calib;

static int calibrate(int kind, unsigned long seed, calib *c)
{
    enum { BASE = 200, DAYS = 3000 };
    static double base[BASE * TK_TOD_HOURS];
    double day[TK_TOD_HOURS];
    tk_tod_profile prof;
    tk_tod_dispersion disp;
    tk_tod_options g = TK_TOD_OPTIONS_INIT, own = TK_TOD_OPTIONS_INIT;
    size_t n[6] = {0};
    int ok = 0;
    g.g_test = 1;
    own.phi_prior_days = 0;
    bursty_profile(&prof);
    gsl_rng *const rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_ran_discrete_t *const hours = gsl_ran_discrete_preproc(TK_TOD_HOURS, prof.p);
    if (rng == NULL || hours == NULL)
        goto done;
    gsl_rng_set(rng, seed);
    for (size_t d = 0; d < BASE; d++)
        bursty_day(rng, hours, 20, 8, kind, base + d * TK_TOD_HOURS);
    if (tk_tod_dispersion_fit(&prof, base, BASE, 1.0, &own, &disp, NULL) != TK_OK)
        goto done;
    const double prior = disp.phi;
    for (size_t d = 0; d < BASE; d++)
        bursty_day(rng, hours, 20, 8, kind, base + d * TK_TOD_HOURS);
    if (tk_tod_dispersion_fit(&prof, base, BASE, prior, NULL, &disp, NULL) != TK_OK)
        goto done;
    c->phi = disp.phi;
    for (size_t d = 0; d < DAYS; d++) {
        tk_tod_result plain, cor, corg;
        bursty_day(rng, hours, 20, 8, kind, day);
        if (tk_tod_score(&prof, day, NULL, &plain, NULL) != TK_OK ||
            tk_tod_score_phi(&prof, day, disp.phi, NULL, &cor, NULL) != TK_OK ||
            tk_tod_score_phi(&prof, day, disp.phi, &g, &corg, NULL) != TK_OK)
            goto done;
        n[0] += plain.p < 0.01;
        n[1] += plain.gof_p < 0.01;
        n[2] += cor.p < 0.01;
        n[3] += cor.gof_p < 0.01;
        n[4] += corg.p < 0.01;
        n[5] += cor.hour_p_adj < 0.005;
    }
    c->plain_p = (double)n[0] / DAYS;
    c->plain_gof = (double)n[1] / DAYS;
    c->phi_p = (double)n[2] / DAYS;
    c->phi_gof = (double)n[3] / DAYS;
    c->phi_g_p = (double)n[4] / DAYS;
    c->phi_hour = (double)n[5] / DAYS;
    ok = 1;
done:
    gsl_ran_discrete_free(hours);
    gsl_rng_free(rng);
    return ok;
}

/* (a) The plain test rejects nearly every ordinary bursty day; with phi
 * estimated from the user's other days it rejects about 1%: 1.8% with
 * geometric bursts, whose occasional single long burst the hour test
 * reads as several tasks, 0.6% with 1 + Poisson bursts. The figures are
 * printed for the table in docs/baselines.md. */
static void bursty_days_calibrated(void)
{
    calib geo, poi;
    TK_REQUIRE(calibrate(BURST_GEOMETRIC, 2385, &geo));
    TK_REQUIRE(calibrate(BURST_POISSON, 2386, &poi));
    printf("calibration, alpha 0.01, 3000 days of Poisson(20) tasks of mean 8 events:\n"
           "  geometric bursts: phi %.2f, plain p %.4f gof %.4f, with phi p %.4f gof %.4f "
           "G-test p %.4f, hour (0.005) %.4f\n"
           "  Poisson bursts:   phi %.2f, plain p %.4f gof %.4f, with phi p %.4f gof %.4f "
           "G-test p %.4f, hour (0.005) %.4f\n",
           geo.phi, geo.plain_p, geo.plain_gof, geo.phi_p, geo.phi_gof, geo.phi_g_p, geo.phi_hour,
           poi.phi, poi.plain_p, poi.plain_gof, poi.phi_p, poi.phi_gof, poi.phi_g_p, poi.phi_hour);
    /* Geometric bursts of mean 8: phi = E[B^2] / E[B] = 2 * 8 - 1 = 15;
     * 1 + Poisson(7): (7 + 64) / 8 = 8.875. With only 20 tasks a day the
     * statistic, which conditions on the day's total, sees a little less
     * (about 14 for geometric bursts). */
    TK_CHECK(geo.phi > 12 && geo.phi < 18);
    TK_CHECK(poi.phi > 7.5 && poi.phi < 10.5);
    TK_CHECK(geo.plain_p > 0.5 && geo.plain_gof > 0.5);
    TK_CHECK(poi.plain_p > 0.5 && poi.plain_gof > 0.5);
    TK_CHECK(geo.phi_p >= 0.002 && geo.phi_p <= 0.03);
    TK_CHECK(geo.phi_gof >= 0.002 && geo.phi_gof <= 0.03);
    TK_CHECK(geo.phi_g_p >= 0.002 && geo.phi_g_p <= 0.03);
    TK_CHECK(poi.phi_p >= 0.002 && poi.phi_p <= 0.03);
    TK_CHECK(poi.phi_gof >= 0.002 && poi.phi_gof <= 0.03);
    TK_CHECK(poi.phi_g_p >= 0.002 && poi.phi_g_p <= 0.03);
}

/* (b) The same clerk is suddenly at work at 06:00 (0.13% of the profile):
 * eight counter visits of 8 events each before opening, on top of an
 * ordinary bursty day. phi is estimated from 200 ordinary days. Even
 * counted as 64 / phi independent tasks the hour stands out. */
static void early_start_survives_correction(void)
{
    enum { BASE = 200 };
    static double base[BASE * TK_TOD_HOURS];
    double day[TK_TOD_HOURS];
    tk_tod_profile prof;
    tk_tod_dispersion disp;
    tk_tod_result plain, cor;
    bursty_profile(&prof);
    gsl_rng *const rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_ran_discrete_t *const hours = gsl_ran_discrete_preproc(TK_TOD_HOURS, prof.p);
    TK_REQUIRE(rng != NULL && hours != NULL);
    gsl_rng_set(rng, 606);
    for (size_t d = 0; d < BASE; d++)
        bursty_day(rng, hours, 20, 8, BURST_GEOMETRIC, base + d * TK_TOD_HOURS);
    bursty_day(rng, hours, 20, 8, BURST_GEOMETRIC, day);
    gsl_ran_discrete_free(hours);
    gsl_rng_free(rng);
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, base, BASE, 8.0, NULL, &disp, NULL) == TK_OK);
    TK_CHECK(disp.phi > 12 && disp.phi < 18);

    /* The ordinary day: the plain test calls it impossible, the
     * corrected one ordinary. */
    TK_REQUIRE(tk_tod_score(&prof, day, NULL, &plain, NULL) == TK_OK);
    TK_REQUIRE(tk_tod_score_phi(&prof, day, disp.phi, NULL, &cor, NULL) == TK_OK);
    TK_CHECK(plain.p < 1e-6);
    TK_CHECK(cor.p > 0.05);
    TK_CHECK(cor.phi == disp.phi && plain.phi == 1);

    const double before = day[6];
    day[6] += 8 * 8;
    TK_REQUIRE(tk_tod_score_phi(&prof, day, disp.phi, NULL, &cor, NULL) == TK_OK);
    TK_CHECK(cor.p < 1e-6);
    TK_CHECK_INT(cor.hour, 6);
    TK_CHECK(cor.hour_count == before + 64);
    TK_CHECK(cor.hour_expected < 0.5);
    TK_CHECK(cor.hour_p_adj < 1e-7);
    /* The goodness of fit has three pools of about five tasks here, and
     * 06:00 shares one with the afternoon: it does not see the early
     * start (gof_p 0.69), which is why the hour test is there. */
    TK_CHECK(cor.gof_p > 0.1);
    /* Three visits (24 events) are within what one long burst does. */
    day[6] = before + 24;
    TK_REQUIRE(tk_tod_score_phi(&prof, day, disp.phi, NULL, &cor, NULL) == TK_OK);
    TK_CHECK(cor.p > 1e-3);
    TK_REQUIRE(tk_tod_score(&prof, day, NULL, &plain, NULL) == TK_OK);
    TK_CHECK(plain.p < 1e-12);
}

/* (c) Days that really are multinomial: phi comes out at 1 (within the
 * noise of 200 days), and the corrected test agrees with the plain one. */
static void multinomial_days_phi_one(void)
{
    enum { BASE = 200, DAYS = 1000, N = 150 };
    static double base[BASE * TK_TOD_HOURS];
    double day[TK_TOD_HOURS];
    unsigned int draw[TK_TOD_HOURS];
    tk_tod_profile prof;
    tk_tod_dispersion disp;
    tk_tod_options own = TK_TOD_OPTIONS_INIT;
    size_t plain05 = 0, cor05 = 0, same_hour = 0;
    double maxdiff = 0;
    bursty_profile(&prof);
    own.phi_prior_days = 0;
    gsl_rng *const rng = gsl_rng_alloc(gsl_rng_mt19937);
    TK_REQUIRE(rng != NULL);
    gsl_rng_set(rng, 1729);
    for (size_t d = 0; d < BASE; d++) {
        gsl_ran_multinomial(rng, TK_TOD_HOURS, N, prof.p, draw);
        for (size_t h = 0; h < TK_TOD_HOURS; h++)
            base[d * TK_TOD_HOURS + h] = draw[h];
    }
    if (tk_tod_dispersion_fit(&prof, base, BASE, 1.0, &own, &disp, NULL) != TK_OK) {
        TK_CHECK(0);
        gsl_rng_free(rng);
        return;
    }
    TK_CHECK(disp.days_used == BASE && disp.weight == 1);
    TK_CHECK(disp.median_ratio > 0.8 && disp.median_ratio < 1.0);
    TK_CHECK(disp.phi >= 1 && disp.phi < 1.05);
    TK_CHECK(disp.days_capped < 3);
    for (size_t d = 0; d < DAYS; d++) {
        tk_tod_result plain, cor;
        gsl_ran_multinomial(rng, TK_TOD_HOURS, N, prof.p, draw);
        for (size_t h = 0; h < TK_TOD_HOURS; h++)
            day[h] = draw[h];
        if (tk_tod_score(&prof, day, NULL, &plain, NULL) != TK_OK ||
            tk_tod_score_phi(&prof, day, disp.phi, NULL, &cor, NULL) != TK_OK) {
            TK_CHECK(0);
            break;
        }
        plain05 += plain.p < 0.05;
        cor05 += cor.p < 0.05;
        same_hour += plain.hour == cor.hour;
        maxdiff = fmax(maxdiff, fabs(plain.hour_p - cor.hour_p));
    }
    gsl_rng_free(rng);
    TK_CHECK(plain05 > DAYS / 100 && plain05 <= DAYS * 5 / 100);
    TK_CHECK(cor05 + DAYS / 100 >= plain05 && cor05 <= plain05);
    TK_CHECK(same_hour > DAYS * 98 / 100);
    TK_CHECK(maxdiff < 0.01);
}

/* phi = 1 is the plain test, field by field. */
static void phi_one_is_plain(void)
{
    double today[TK_TOD_HOURS] = {0};
    const double day[] = {12, 11, 10, 13, 9, 12, 10, 11, 12, 10};
    tk_tod_profile prof;
    tk_tod_result a, b;
    tk_tod_options o = TK_TOD_OPTIONS_INIT;
    bursty_profile(&prof);
    for (size_t h = 8; h <= 17; h++)
        today[h] = day[h - 8];
    today[6] = 7;
    today[22] = 1;
    for (int g = 0; g <= 1; g++) {
        o.g_test = g;
        TK_REQUIRE(tk_tod_score(&prof, today, &o, &a, NULL) == TK_OK);
        TK_REQUIRE(tk_tod_score_phi(&prof, today, 1.0, &o, &b, NULL) == TK_OK);
        TK_CHECK(a.p == b.p && a.stat == b.stat && a.df == b.df && a.gof_p == b.gof_p);
        TK_CHECK(a.pools == b.pools && a.total == b.total && a.hour == b.hour);
        TK_CHECK(a.hour_count == b.hour_count && a.hour_expected == b.hour_expected);
        TK_CHECK(a.hour_p == b.hour_p && a.hour_p_adj == b.hour_p_adj && a.phi == b.phi);
    }
}

/* The uniform day of uniform_profile_by_hand at phi = 1.6: every hour
 * expects 6.25 tasks, so no pooling; the statistic is 9 / 1.6 = 5.625,
 * and hour 0 is 10 tasks of 150, an ordinary binomial tail. */
static void phi_uniform_by_hand(void)
{
    double today[TK_TOD_HOURS];
    tk_tod_profile prof = {{0}, 0, 0};
    tk_tod_result res;
    tk_tod_options o = TK_TOD_OPTIONS_INIT;
    for (size_t h = 0; h < TK_TOD_HOURS; h++) {
        prof.p[h] = 1.0 / 24;
        today[h] = 10;
    }
    today[0] = 16;
    today[1] = 4;
    today[5] = 13;
    today[6] = 7;
    TK_REQUIRE(tk_tod_score_phi(&prof, today, 1.6, NULL, &res, NULL) == TK_OK);
    TK_CHECK(res.pools == 24 && res.df == 23 && res.total == 240 && res.phi == 1.6);
    TK_CHECK(close_rel(res.stat, 5.625, 1e-12));
    TK_CHECK(close_rel(res.gof_p, 0.99991775730819532, 1e-10)); /* mpmath */
    TK_CHECK_INT(res.hour, 0);
    TK_CHECK(res.hour_count == 16 && close_rel(res.hour_expected, 10, 1e-12));
    /* P(Bin(150, 1/24) >= 10), mpmath. */
    TK_CHECK(close_rel(res.hour_p, 0.097664508089267360, 1e-9));
    TK_CHECK(res.hour_p_adj == 1 && res.p == 1);
    o.g_test = 1; /* G / 1.6, mpmath */
    TK_REQUIRE(tk_tod_score_phi(&prof, today, 1.6, &o, &res, NULL) == TK_OK);
    TK_CHECK(close_rel(res.stat, 5.9611324636767570, 1e-12));
    TK_CHECK(close_rel(res.gof_p, 0.99986221743763029, 1e-10));
}

/* The profile of pooled_by_hand at phi = 2: 60 tasks, an office hour
 * expects 5.4 (own pool), a night hour 0.43; from hour 8 the pools are
 * 8 .. 17, then 18-05 (5.14), and 06-07 (0.86) joins it: 11 pools, 10 df.
 * Office hours hold 55 tasks against 54, the night pool 5 against 6:
 * X2 / 2 = 3.6 / 5.4 + 1 / 6 = 0.8333. Hour 6 is 3.5 tasks where 0.43
 * were expected, a tail at real arguments. */
static void phi_pooled_by_hand(void)
{
    const double day[] = {12, 11, 10, 13, 9, 12, 10, 11, 12, 10};
    double today[TK_TOD_HOURS] = {0};
    tk_tod_profile prof = {{0}, 0, 0};
    tk_tod_result res;
    tk_tod_options o = TK_TOD_OPTIONS_INIT;
    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        prof.p[h] = h >= 8 && h <= 17 ? 0.09 : 1.0 / 140;
    for (size_t h = 8; h <= 17; h++)
        today[h] = day[h - 8];
    today[6] = 7;
    today[7] = 2;
    today[22] = 1;
    TK_REQUIRE(tk_tod_score_phi(&prof, today, 2.0, NULL, &res, NULL) == TK_OK);
    TK_CHECK(res.pools == 11 && res.df == 10);
    TK_CHECK(close_rel(res.stat, 5.0 / 6, 1e-12));
    TK_CHECK(close_rel(res.gof_p, 0.99992591480632467, 1e-10)); /* mpmath */
    TK_CHECK_INT(res.hour, 6);
    TK_CHECK(res.hour_count == 7 && close_rel(res.hour_expected, 120.0 / 140, 1e-12));
    /* betainc(3.5, 57.5, 0, 1/140, regularized=True), mpmath; the plain
     * test said 2.79e-5. */
    TK_CHECK(close_rel(res.hour_p, 0.0030106277787358779, 1e-8));
    TK_CHECK(close_rel(res.hour_p_adj, 24 * 0.0030106277787358779, 1e-8));
    TK_CHECK(close_rel(res.p, 48 * 0.0030106277787358779, 1e-8));
    o.g_test = 1;
    TK_REQUIRE(tk_tod_score_phi(&prof, today, 2.0, &o, &res, NULL) == TK_OK);
    TK_CHECK(close_rel(res.stat, 0.83396070452079842, 1e-12));
    TK_CHECK(close_rel(res.gof_p, 0.99992565474959551, 1e-10));
}

/* Fills day[0..24) with 10 events an hour plus dev[0..n) in hours 0, 1,
 * ...: against the uniform profile (240 events, 10 expected an hour, 24
 * pools) X2 = sum dev^2 / 10 on 23 df. */
static void uniform_day(double day[TK_TOD_HOURS], const int *dev, size_t n)
{
    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        day[h] = 10 + (h < n ? dev[h] : 0);
}

/* Hand-made baseline days with X2 / df = 2, 3, 4 and one odd day (all 240
 * events at 03:00: X2 = 230^2 / 10 + 23 * 10 = 5520, ratio 240). The
 * lower median is 3, the cap 4 * 3 * 23 = 276, so phi_own = (46 + 69 +
 * 92 + 276) / 92 = 5.25; uncapped it would be (207 + 5520) / 92 = 62.25. */
static void dispersion_by_hand(void)
{
    /* Deviations from 10 whose squares sum to 460, 690 and 920. */
    static const int dev2[] = {10, -10, 10, -10, 5, -5, 2, -2, 1, -1};
    static const int dev3[] = {10, -10, 10, -10, 10, -10, 6, -6, 3, -3};
    static const int dev4[] = {10, -10, 10, -10, 10, -10, 10, -10, 6, -6, 4, -4, 2, -2, 2, -2};
    double days[4 * TK_TOD_HOURS];
    tk_tod_profile prof = {{0}, 0, 0};
    tk_tod_dispersion disp;
    tk_tod_options o = TK_TOD_OPTIONS_INIT;
    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        prof.p[h] = 1.0 / 24;
    uniform_day(days, dev2, sizeof dev2 / sizeof dev2[0]);
    uniform_day(days + TK_TOD_HOURS, dev3, sizeof dev3 / sizeof dev3[0]);
    uniform_day(days + 2 * TK_TOD_HOURS, dev4, sizeof dev4 / sizeof dev4[0]);
    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        days[3 * TK_TOD_HOURS + h] = h == 3 ? 240 : 0;

    /* The three ordinary days alone: phi_own = 207 / 69 = 3, shrunk
     * towards the prior 2 with weight 3 / 13. */
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, days, 3, 2.0, NULL, &disp, NULL) == TK_OK);
    TK_CHECK(disp.days == 3 && disp.days_used == 3 && disp.days_capped == 0);
    TK_CHECK(close_rel(disp.median_ratio, 3, 1e-12));
    TK_CHECK(close_rel(disp.phi_own, 3, 1e-12));
    TK_CHECK(close_rel(disp.weight, 3.0 / 13, 1e-15));
    TK_CHECK(close_rel(disp.phi, exp((3 * log(3.0) + 10 * log(2.0)) / 13), 1e-12));
    TK_CHECK(disp.prior == 2);

    /* With the odd day: capped, it moves phi_own from 3 to 5.25. */
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, days, 4, 2.0, NULL, &disp, NULL) == TK_OK);
    TK_CHECK(disp.days_used == 4 && disp.days_capped == 1);
    TK_CHECK(close_rel(disp.median_ratio, 3, 1e-12));
    TK_CHECK(close_rel(disp.phi_own, 5.25, 1e-12));
    TK_CHECK(close_rel(disp.phi, exp((4 * log(5.25) + 10 * log(2.0)) / 14), 1e-12));
    o.phi_day_cap = 1e9; /* no cap: the plain moment estimator */
    o.phi_prior_days = 0;
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, days, 4, 2.0, &o, &disp, NULL) == TK_OK);
    TK_CHECK(disp.days_capped == 0);
    TK_CHECK(close_rel(disp.phi_own, 62.25, 1e-12) && close_rel(disp.phi, 62.25, 1e-12));

    /* phi from a single day: 3 on its own, weight 1 / 11 against the
     * prior. */
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, days + TK_TOD_HOURS, 1, 2.0, NULL, &disp, NULL) ==
               TK_OK);
    TK_CHECK(disp.days_used == 1 && close_rel(disp.phi_own, 3, 1e-12));
    TK_CHECK(close_rel(disp.weight, 1.0 / 11, 1e-15));
    TK_CHECK(close_rel(disp.phi, exp((log(3.0) + 10 * log(2.0)) / 11), 1e-12));

    /* Days exactly as expected have X2 = 0: phi_own is held at 1. */
    for (size_t h = 0; h < 2 * TK_TOD_HOURS; h++)
        days[h] = 10;
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, days, 2, 1.0, NULL, &disp, NULL) == TK_OK);
    TK_CHECK(disp.days_used == 2 && disp.median_ratio == 0);
    TK_CHECK(disp.phi_own == 1 && disp.phi == 1);
}

/* (a, continued) One odd baseline day among 60 bursty ones barely moves
 * phi (+4%); without the cap it would nearly double it. */
static void odd_baseline_day_is_capped(void)
{
    enum { BASE = 60 };
    static double base[(BASE + 1) * TK_TOD_HOURS];
    tk_tod_profile prof;
    tk_tod_dispersion clean, odd, uncapped;
    tk_tod_options o = TK_TOD_OPTIONS_INIT;
    bursty_profile(&prof);
    o.phi_prior_days = 0;
    gsl_rng *const rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_ran_discrete_t *const hours = gsl_ran_discrete_preproc(TK_TOD_HOURS, prof.p);
    TK_REQUIRE(rng != NULL && hours != NULL);
    gsl_rng_set(rng, 60);
    for (size_t d = 0; d < BASE; d++)
        bursty_day(rng, hours, 20, 8, BURST_GEOMETRIC, base + d * TK_TOD_HOURS);
    gsl_ran_discrete_free(hours);
    gsl_rng_free(rng);
    /* A night shift: 200 events between 01:00 and 03:59. */
    base[BASE * TK_TOD_HOURS + 1] = 80;
    base[BASE * TK_TOD_HOURS + 2] = 70;
    base[BASE * TK_TOD_HOURS + 3] = 50;
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, base, BASE, 1.0, &o, &clean, NULL) == TK_OK);
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, base, BASE + 1, 1.0, &o, &odd, NULL) == TK_OK);
    o.phi_day_cap = 1e9;
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, base, BASE + 1, 1.0, &o, &uncapped, NULL) == TK_OK);
    TK_CHECK(clean.days_used == BASE && odd.days_used == BASE + 1);
    TK_CHECK(odd.days_capped == clean.days_capped + 1);
    TK_CHECK(odd.phi_own < 1.1 * clean.phi_own);
    TK_CHECK(uncapped.phi_own > 1.5 * clean.phi_own);
}

/* (d) No usable baseline: the prior stands. */
static void dispersion_without_days(void)
{
    double days[3 * TK_TOD_HOURS] = {0};
    tk_tod_profile prof;
    tk_tod_dispersion disp;
    bursty_profile(&prof);
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, NULL, 0, 6.5, NULL, &disp, NULL) == TK_OK);
    TK_CHECK(disp.phi == 6.5 && disp.prior == 6.5 && disp.phi_own == 0 && disp.weight == 0);
    TK_CHECK(disp.days == 0 && disp.days_used == 0 && disp.median_ratio == 0);
    /* Days of 0, 1 and 9 events form one pool each and say nothing. */
    days[TK_TOD_HOURS + 10] = 1;
    days[2 * TK_TOD_HOURS + 10] = 9;
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, days, 3, 6.5, NULL, &disp, NULL) == TK_OK);
    TK_CHECK(disp.phi == 6.5 && disp.phi_own == 0 && disp.days == 3 && disp.days_used == 0);
    /* A prior of 1 with no days: the plain test. */
    TK_REQUIRE(tk_tod_dispersion_fit(&prof, days, 3, 1.0, NULL, &disp, NULL) == TK_OK);
    TK_CHECK(disp.phi == 1);
}

/* (d) Days of 0 and 1 events, and the largest phi, score without NaN. */
static void phi_extremes(void)
{
    double today[TK_TOD_HOURS] = {0};
    tk_tod_profile prof;
    tk_tod_result res;
    bursty_profile(&prof);
    TK_REQUIRE(tk_tod_score_phi(&prof, today, 12.0, NULL, &res, NULL) == TK_OK);
    TK_CHECK(res.p == 1 && res.gof_p == 1 && res.hour == TK_TOD_NO_HOUR && res.pools == 1);
    today[3] = 1; /* one event at 03:00: 1 / 12 of a task where 0.0001 were expected */
    TK_REQUIRE(tk_tod_score_phi(&prof, today, 12.0, NULL, &res, NULL) == TK_OK);
    TK_CHECK_INT(res.hour, 3);
    TK_CHECK(res.gof_p == 1 && res.hour_p > 0 && res.hour_p < 1);
    /* The plain test: P(Bin(1, p) >= 1) = p. */
    TK_REQUIRE(tk_tod_score(&prof, today, NULL, &res, NULL) == TK_OK);
    TK_CHECK(close_rel(res.hour_p, 0.016 / 12, 1e-12));
    for (size_t h = 0; h < TK_TOD_HOURS; h++)
        today[h] = h == 3 ? 4294967295.0 : 0;
    TK_REQUIRE(tk_tod_score_phi(&prof, today, TK_TOD_PHI_MAX, NULL, &res, NULL) == TK_OK);
    TK_CHECK_INT(res.hour, 3);
    TK_CHECK(res.hour_p >= 0 && res.hour_p <= 1 && res.p >= 0 && res.p <= 1);
}

/* (d) Bad input to the dispersion functions. */
static void dispersion_rejects_bad_input(void)
{
    double days[2 * TK_TOD_HOURS] = {0}, today[TK_TOD_HOURS] = {0};
    tk_tod_profile prof;
    tk_tod_dispersion disp;
    tk_tod_result res;
    tk_tod_options o = TK_TOD_OPTIONS_INIT;
    tk_error err;
    bursty_profile(&prof);
    days[TK_TOD_HOURS + 3] = NAN;
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, 4.0, NULL, &disp, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "day 1 hour 3 must be finite and >= 0");
    days[TK_TOD_HOURS + 3] = -2;
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, 4.0, NULL, &disp, &err) == TK_EINVAL);
    days[TK_TOD_HOURS + 3] = INFINITY;
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, 4.0, NULL, &disp, &err) == TK_EINVAL);
    days[TK_TOD_HOURS + 3] = 5;
    TK_CHECK(tk_tod_dispersion_fit(&prof, NULL, 2, 4.0, NULL, &disp, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "days is NULL but ndays is 2");
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, (size_t)-1, 4.0, NULL, &disp, &err) == TK_EINVAL);
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, NAN, NULL, &disp, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "prior_phi must be in [1, 1e+06] (nan)");
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, 0.5, NULL, &disp, &err) == TK_EINVAL);
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, -3, NULL, &disp, &err) == TK_EINVAL);
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, INFINITY, NULL, &disp, &err) == TK_EINVAL);
    o.phi_prior_days = -1;
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, 4.0, &o, &disp, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "phi_prior_days must be finite and >= 0");
    o.phi_prior_days = NAN;
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, 4.0, &o, &disp, &err) == TK_EINVAL);
    o = (tk_tod_options)TK_TOD_OPTIONS_INIT;
    o.phi_day_cap = 0.5;
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, 4.0, &o, &disp, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "phi_day_cap must be finite and >= 1");
    prof.p[0] = NAN;
    TK_CHECK(tk_tod_dispersion_fit(&prof, days, 2, 4.0, NULL, &disp, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "profile hour 0 is not in (0, 1]");

    bursty_profile(&prof);
    TK_CHECK(tk_tod_score_phi(&prof, today, NAN, NULL, &res, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "phi must be in [1, 1e+06] (nan)");
    TK_CHECK(tk_tod_score_phi(&prof, today, 0.99, NULL, &res, &err) == TK_EINVAL);
    TK_CHECK(tk_tod_score_phi(&prof, today, 0, NULL, &res, &err) == TK_EINVAL);
    TK_CHECK(tk_tod_score_phi(&prof, today, -4, NULL, &res, &err) == TK_EINVAL);
    TK_CHECK(tk_tod_score_phi(&prof, today, INFINITY, NULL, &res, &err) == TK_EINVAL);
    TK_CHECK(tk_tod_score_phi(&prof, today, 2e6, NULL, &res, &err) == TK_EINVAL);
    today[2] = -1;
    TK_CHECK(tk_tod_score_phi(&prof, today, 3, NULL, &res, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "today[2] must be finite and >= 0");
    today[2] = 1.5;
    TK_CHECK(tk_tod_score_phi(&prof, today, 3, NULL, &res, &err) == TK_EINVAL);
    today[2] = NAN;
    TK_CHECK(tk_tod_score_phi(&prof, today, 3, NULL, &res, &err) == TK_EINVAL);
    today[2] = 1;
    o.min_expected = 0;
    TK_CHECK(tk_tod_score_phi(&prof, today, 3, &o, &res, &err) == TK_EINVAL);
    TK_CHECK(tk_tod_score_phi(&prof, today, 3, NULL, &res, &err) == TK_OK);
}

/* Too few events for two pools: no test, but the hour still speaks. */
static void quiet_day(void)
{
    const double zero[TK_TOD_HOURS] = {0};
    double today[TK_TOD_HOURS] = {0};
    tk_tod_profile prof;
    tk_tod_result res;
    TK_REQUIRE(tk_tod_fit(zero, NULL, NULL, &prof, NULL) == TK_OK);
    TK_REQUIRE(tk_tod_score(&prof, today, NULL, &res, NULL) == TK_OK);
    TK_CHECK(res.total == 0 && res.p == 1 && res.gof_p == 1 && res.df == 0);
    TK_CHECK(res.hour == TK_TOD_NO_HOUR);
    TK_CHECK(res.hour_p == 1);
    today[3] = 7; /* expected 7 in total: one pool */
    TK_REQUIRE(tk_tod_score(&prof, today, NULL, &res, NULL) == TK_OK);
    TK_CHECK(res.pools == 1 && res.df == 0 && res.gof_p == 1 && res.stat == 0);
    TK_CHECK_INT(res.hour, 3);
    /* P(Bin(7, 1/24) >= 7) = 24^-7. */
    TK_CHECK(close_rel(res.hour_p, pow(24, -7), 1e-9));
    TK_CHECK(close_rel(res.p, 48 * pow(24, -7), 1e-9));
}

static void rejects_bad_input(void)
{
    double c[TK_TOD_HOURS] = {0};
    const double zero[TK_TOD_HOURS] = {0};
    tk_tod_profile prof;
    tk_tod_result res;
    tk_tod_options o = TK_TOD_OPTIONS_INIT;
    tk_error err;
    TK_CHECK(tk_tod_fit(zero, zero, NULL, &prof, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "the peer counts are all zero; pass NULL");
    c[4] = -1;
    TK_CHECK(tk_tod_fit(c, NULL, NULL, &prof, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "user[4] must be finite and >= 0");
    o.uniform_weight = 0;
    TK_CHECK(tk_tod_fit(zero, NULL, &o, &prof, &err) == TK_EINVAL);
    o = (tk_tod_options)TK_TOD_OPTIONS_INIT;
    o.g_test = 2;
    TK_CHECK(tk_tod_fit(zero, NULL, &o, &prof, &err) == TK_EINVAL);

    TK_REQUIRE(tk_tod_fit(zero, NULL, NULL, &prof, NULL) == TK_OK);
    c[4] = 2.5;
    TK_CHECK(tk_tod_score(&prof, c, NULL, &res, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "today[4] is not an integer (2.5)");
    c[4] = NAN;
    TK_CHECK(tk_tod_score(&prof, c, NULL, &res, &err) == TK_EINVAL);
    c[4] = 5e9;
    TK_CHECK(tk_tod_score(&prof, c, NULL, &res, &err) == TK_EINVAL);
    c[4] = 1;
    prof.p[0] *= 2;
    TK_CHECK(tk_tod_score(&prof, c, NULL, &res, &err) == TK_EINVAL);
    prof.p[0] = 0;
    TK_CHECK(tk_tod_score(&prof, c, NULL, &res, &err) == TK_EINVAL);
    TK_CHECK_STR(err.msg, "profile hour 0 is not in (0, 1]");
}

/* ---- the start-of-work shift ------------------------------------------- */

/* A baseline that starts around 8:30 (505-515, one early day at 6:40) and
 * a period with 15 of 40 working days starting at 6:10: found. The tail
 * P(Bin(40, 1/40) >= 15) = 2.0720536e-14 was computed independently (the
 * sum of the binomial terms, in Python). */
static void shift_found(void)
{
    double base[40], per[40];
    tk_tod_shift sh;
    tk_error err;
    for (size_t i = 0; i < 40; i++)
        base[i] = 505 + (double)(i % 3) * 5; /* 505, 510, 515: median 510 */
    base[7] = 400;
    for (size_t i = 0; i < 40; i++)
        per[i] = i % 8 < 3 ? 370 : 512; /* 15 early days */
    TK_REQUIRE(tk_tod_shift_test(base, 40, per, 40, NULL, &sh, &err) == TK_OK);
    TK_CHECK_INT(sh.found, 1);
    TK_CHECK(fabs((sh.base_start) - (510.0)) <= 0);
    TK_CHECK(fabs((sh.period_start) - (370.0)) <= 0);
    TK_CHECK_INT(sh.early_days, 15);
    TK_CHECK_INT(sh.period_days, 40);
    TK_CHECK_INT(sh.base_days, 40);
    TK_CHECK(fabs((sh.base_share) - (0.025)) <= 1e-15);
    TK_CHECK(fabs((sh.p) - (2.0720536293445667e-14)) <= 1e-20);

    /* A few early days are ordinary. */
    for (size_t i = 0; i < 40; i++)
        per[i] = i < 3 ? 370 : 512;
    TK_REQUIRE(tk_tod_shift_test(base, 40, per, 40, NULL, &sh, &err) == TK_OK);
    TK_CHECK_INT(sh.found, 0);
    TK_CHECK_INT(sh.early_days, 3);

    /* 85 minutes early is not a shift of 90. */
    for (size_t i = 0; i < 40; i++)
        per[i] = i % 8 < 3 ? 425 : 512;
    TK_REQUIRE(tk_tod_shift_test(base, 40, per, 40, NULL, &sh, &err) == TK_OK);
    TK_CHECK_INT(sh.early_days, 0);
    TK_CHECK_INT(sh.found, 0);
    TK_CHECK(isnan(sh.period_start));
}

/* Someone who often started early in the baseline (half the days at 6:30)
 * is not surprising when 15 of 40 period days start early:
 * P(Bin(40, 0.5) >= 15) = 0.95965477. */
static void shift_usual_for_them(void)
{
    double base[40], per[40];
    tk_tod_shift sh;
    tk_error err;
    for (size_t i = 0; i < 40; i++)
        base[i] = i % 2 ? 390 : 630; /* median 510, half the days early */
    for (size_t i = 0; i < 40; i++)
        per[i] = i % 8 < 3 ? 370 : 512;
    TK_REQUIRE(tk_tod_shift_test(base, 40, per, 40, NULL, &sh, &err) == TK_OK);
    TK_CHECK_INT(sh.found, 0);
    TK_CHECK_INT(sh.early_days, 15);
    TK_CHECK(fabs((sh.p) - (0.9596547661240038)) <= 1e-12);
    /* Too little history: nothing is tested. */
    TK_REQUIRE(tk_tod_shift_test(base, 19, per, 40, NULL, &sh, &err) == TK_OK);
    TK_CHECK_INT(sh.found, 0);
    TK_CHECK(fabs((sh.p) - (1.0)) <= 0);
}

static void shift_rejects_bad_input(void)
{
    double base[20], per[1] = {1440};
    tk_tod_shift sh;
    tk_error err;
    for (size_t i = 0; i < 20; i++)
        base[i] = 510;
    TK_CHECK_INT(tk_tod_shift_test(base, 20, per, 1, NULL, &sh, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "period[0] = 1440: expected a minute in 0-1439");
    TK_CHECK_INT(tk_tod_shift_test(NULL, 3, per, 0, NULL, &sh, &err), TK_EINVAL);
    TK_CHECK_STR(err.msg, "baseline: NULL with 3 days");
    tk_tod_shift_options o = TK_TOD_SHIFT_OPTIONS_INIT;
    o.min_shift = 0;
    TK_CHECK_INT(tk_tod_shift_test(base, 20, per, 0, &o, &sh, &err), TK_EINVAL);
}

int main(void)
{
    gsl_set_error_handler_off();
    TK_RUN(fit_matches_formula);
    TK_RUN(kernel_wraps_midnight);
    TK_RUN(uniform_profile_by_hand);
    TK_RUN(pooled_by_hand);
    TK_RUN(calibrated_under_the_null);
    TK_RUN(burst_at_six_is_named);
    TK_RUN(bursty_days_calibrated);
    TK_RUN(early_start_survives_correction);
    TK_RUN(multinomial_days_phi_one);
    TK_RUN(phi_one_is_plain);
    TK_RUN(phi_uniform_by_hand);
    TK_RUN(phi_pooled_by_hand);
    TK_RUN(dispersion_by_hand);
    TK_RUN(odd_baseline_day_is_capped);
    TK_RUN(dispersion_without_days);
    TK_RUN(phi_extremes);
    TK_RUN(dispersion_rejects_bad_input);
    TK_RUN(quiet_day);
    TK_RUN(rejects_bad_input);
    TK_RUN(shift_found);
    TK_RUN(shift_usual_for_them);
    TK_RUN(shift_rejects_bad_input);
    TK_TEST_END();
}
