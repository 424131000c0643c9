/* tests/models/test_tod.c -- time-of-day profiles and the day's test.
 *
 * Reference values marked "mpmath" were computed independently of GSL with
 * Python's mpmath 1.3.0 at 40 digits: chi-square tails as
 *     gammainc(df / 2, stat / 2, inf) / gamma(df / 2),
 * binomial tails as 1 - sum(binomial(n, j) p^j (1 - p)^(n - j), j < k),
 * and the smoothed profile by a separate Python implementation of the
 * formula in tod.c (plain loops over hours, math.exp for the kernel). */
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

int main(void)
{
    gsl_set_error_handler_off();
    TK_RUN(fit_matches_formula);
    TK_RUN(kernel_wraps_midnight);
    TK_RUN(uniform_profile_by_hand);
    TK_RUN(pooled_by_hand);
    TK_RUN(calibrated_under_the_null);
    TK_RUN(burst_at_six_is_named);
    TK_RUN(quiet_day);
    TK_RUN(rejects_bad_input);
    TK_TEST_END();
}
