/* tests/models/test_mahalanobis.c -- Mahalanobis distance.
 *
 * Known answers: for an 8-point 2-D set the classical estimate (no ridge)
 * must give the mean, the sample covariance and the squared distances that
 * numpy computed independently (np.cov, np.linalg.inv; values in the
 * table below); for 2 degrees of freedom the chi-square tail is exp(-d2/2)
 * in closed form. Properties: the robust estimate recovers centre and
 * covariance of the inliers under 10% contamination where the classical
 * one is dragged away; singular covariances (a linear combination of
 * columns, a constant column, fewer rows than columns) are regularised by
 * shrinkage (or, without it, a raised ridge); the shrinkage intensity is
 * scikit-learn's Ledoit-Wolf one; ordinary user-day-like rows with
 * collinear, constant and rarely non-zero columns stay on the chi-square
 * scale while rows far off stay far; NaN is rejected with its row and column; every
 * allocation failure of tk_mahalanobis_create() is survived. */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

#include "models/mahalanobis.h"
#include "src/alloc.h"
#include "tests/test.h"

#define CLOSE(a, b, tol) (fabs((a) - (b)) <= (tol))

static const double small_x[8 * 2] = {1, 2, 2, 3.5, 3, 3, 4, 6, 5, 5.5, 2.5, 1, 3.5, 4.2, 1.5, 2.8};

static void classical_known_answer(void)
{
    /* numpy: X.mean(0), np.cov(X.T), (x - mu) @ inv(S) @ (x - mu). */
    static const double want_d2[10] = {1.9052161263507899, 0.909621778886118,  0.4205204581139742,
                                       2.342271635725501,  2.7012907545949942, 4.199628244204304,
                                       0.2661286598319017, 1.255322342292417,  23.946778886118036,
                                       19.903886118038233};
    double x[10 * 2];
    memcpy(x, small_x, sizeof small_x);
    x[16] = 6.0;
    x[17] = 2.0;
    x[18] = 0.0;
    x[19] = 5.0;
    tk_mahalanobis_options o = TK_MAHALANOBIS_OPTIONS_INIT;
    o.robust = 0;
    o.ridge = 0.0;
    o.ledoit_wolf = 0;
    o.shrinkage = 0.0;
    tk_mahalanobis *m = NULL;
    tk_error err;
    TK_REQUIRE(tk_mahalanobis_create(&m, small_x, 8, 2, &o, &err) == TK_OK);
    TK_CHECK_INT(tk_mahalanobis_features(m), 2);
    TK_CHECK_INT(tk_mahalanobis_support(m), 8);
    TK_CHECK(tk_mahalanobis_ridge(m) == 0.0);
    const double *mu = tk_mahalanobis_center(m), *s = tk_mahalanobis_covariance(m);
    TK_CHECK(CLOSE(mu[0], 2.8125, 1e-12) && CLOSE(mu[1], 3.5, 1e-12));
    TK_CHECK(CLOSE(s[0], 1.78125, 1e-12));
    TK_CHECK(CLOSE(s[1], 1.73571429, 1e-8) && CLOSE(s[2], 1.73571429, 1e-8));
    TK_CHECK(CLOSE(s[3], 2.85428571, 1e-8));
    double d2[10], p[10];
    TK_REQUIRE(tk_mahalanobis_score(m, x, 10, d2, p, &err) == TK_OK);
    for (size_t i = 0; i < 10; i++) {
        TK_CHECK(CLOSE(d2[i], want_d2[i], 1e-9 * (1.0 + want_d2[i])));
        /* chi-square with 2 degrees of freedom: Q(x) = exp(-x / 2). */
        TK_CHECK(CLOSE(p[i], exp(-want_d2[i] / 2.0), 1e-12));
    }
    TK_CHECK(CLOSE(p[9], 4.7634986e-05, 1e-12));
    /* p may be NULL. */
    TK_REQUIRE(tk_mahalanobis_score(m, x, 10, d2, NULL, &err) == TK_OK);
    TK_CHECK(CLOSE(d2[3], 2.342271635725501, 1e-9));
    tk_mahalanobis_destroy(m);
}

/* 900 inliers from N(0, [[1, .6], [.6, 1]]) and 100 anomalies around
 * (6, -6) with standard deviation 0.3. */
static double *contaminated(void)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2024);
    double *x = malloc(1000 * 2 * sizeof *x);
    for (size_t i = 0; x != NULL && i < 1000; i++) {
        if (i < 900) {
            gsl_ran_bivariate_gaussian(r, 1.0, 1.0, 0.6, &x[2 * i], &x[2 * i + 1]);
        } else {
            x[2 * i] = 6.0 + gsl_ran_gaussian(r, 0.3);
            x[2 * i + 1] = -6.0 + gsl_ran_gaussian(r, 0.3);
        }
    }
    gsl_rng_free(r);
    return x;
}

static void robust_resists_contamination(void)
{
    double *x = contaminated();
    TK_REQUIRE(x != NULL);
    tk_mahalanobis *m = NULL, *c = NULL;
    tk_error err;
    TK_REQUIRE(tk_mahalanobis_create(&m, x, 1000, 2, NULL, &err) == TK_OK);
    const double *mu = tk_mahalanobis_center(m), *s = tk_mahalanobis_covariance(m);
    TK_CHECK(fabs(mu[0]) < 0.15 && fabs(mu[1]) < 0.15);
    TK_CHECK(CLOSE(s[0], 1.0, 0.2) && CLOSE(s[3], 1.0, 0.2));
    TK_CHECK(CLOSE(s[1], 0.6, 0.15));
    /* No anomaly entered the final estimate; most inliers did. */
    TK_CHECK(tk_mahalanobis_support(m) <= 900);
    TK_CHECK(tk_mahalanobis_support(m) >= 830);
    double *d2 = malloc(1000 * sizeof *d2), *dc = malloc(1000 * sizeof *dc);
    TK_REQUIRE(d2 != NULL && dc != NULL);
    TK_REQUIRE(tk_mahalanobis_score(m, x, 1000, d2, NULL, &err) == TK_OK);
    const double cut = gsl_cdf_chisq_Pinv(0.999, 2.0);
    size_t inliers_over = 0;
    double min_out = INFINITY;
    for (size_t i = 0; i < 1000; i++) {
        if (i < 900)
            inliers_over += d2[i] > cut;
        else
            min_out = d2[i] < min_out ? d2[i] : min_out;
    }
    TK_CHECK(min_out > 100.0); /* 123.9: far beyond the 99.9% quantile, 13.8 */
    TK_CHECK(inliers_over <= 5);

    /* The classical estimate is dragged towards the anomalies (to about
     * (0.63, -0.58)) and its inflated covariance masks them: their
     * distances (7.2 to 10.4 here) stay below the 99.9% quantile. */
    tk_mahalanobis_options o = TK_MAHALANOBIS_OPTIONS_INIT;
    o.robust = 0;
    TK_REQUIRE(tk_mahalanobis_create(&c, x, 1000, 2, &o, &err) == TK_OK);
    const double *cm = tk_mahalanobis_center(c);
    TK_CHECK(cm[0] > 0.4 && cm[1] < -0.4);
    TK_REQUIRE(tk_mahalanobis_score(c, x, 1000, dc, NULL, &err) == TK_OK);
    double max_out_c = 0.0;
    for (size_t i = 900; i < 1000; i++)
        max_out_c = dc[i] > max_out_c ? dc[i] : max_out_c;
    TK_CHECK(max_out_c < cut);
    free(d2);
    free(dc);
    tk_mahalanobis_destroy(c);
    tk_mahalanobis_destroy(m);
    free(x);
}

static void singular_covariance(void)
{
    /* Column 3 = 2 * column 1 + column 2: rank 2. */
    double x[50 * 3];
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 77);
    for (size_t i = 0; i < 50; i++) {
        x[3 * i] = gsl_ran_gaussian(r, 1.0);
        x[3 * i + 1] = gsl_ran_gaussian(r, 2.0);
        x[3 * i + 2] = 2.0 * x[3 * i] + x[3 * i + 1];
    }
    gsl_rng_free(r);
    tk_mahalanobis_options o = TK_MAHALANOBIS_OPTIONS_INIT;
    o.ridge = 0.0;
    for (int robust = 0; robust <= 1; robust++) {
        o.robust = robust;
        tk_mahalanobis *m = NULL;
        tk_error err;
        TK_REQUIRE(tk_mahalanobis_create(&m, x, 50, 3, &o, &err) == TK_OK);
        /* The shrinkage makes S positive definite: no ridge needed. */
        TK_CHECK(tk_mahalanobis_ridge(m) == 0.0);
        TK_CHECK(tk_mahalanobis_shrinkage(m) >= 0.01);
        double d2[50];
        TK_REQUIRE(tk_mahalanobis_score(m, x, 50, d2, NULL, &err) == TK_OK);
        double most = 0.0;
        for (size_t i = 0; i < 50; i++) {
            TK_CHECK(isfinite(d2[i]) && d2[i] >= 0.0 && d2[i] < 50.0);
            most = fmax(most, d2[i]);
        }
        /* Leaving the plane of the training data by 4 of its standard
         * deviations is farther than any training row, beyond the 99.9%
         * chi-square quantile (a shrunk S treats the plane's normal as
         * rarely varying, not as impossible). */
        double off[3] = {0.0, 0.0, 12.0}, doff;
        TK_REQUIRE(tk_mahalanobis_score(m, off, 1, &doff, NULL, &err) == TK_OK);
        TK_CHECK(doff > most && doff > gsl_cdf_chisq_Pinv(0.999, 3.0));
        tk_mahalanobis_destroy(m);
    }
    /* Without shrinkage the old way still works: a raised ridge. */
    o.ledoit_wolf = 0;
    o.shrinkage = 0.0;
    o.robust = 0;
    tk_mahalanobis *m0 = NULL;
    tk_error err0;
    TK_REQUIRE(tk_mahalanobis_create(&m0, x, 50, 3, &o, &err0) == TK_OK);
    TK_CHECK(tk_mahalanobis_ridge(m0) > 0.0 && tk_mahalanobis_ridge(m0) <= 1.0);
    tk_mahalanobis_destroy(m0);

    /* A constant column, and fewer rows than columns, with the default
     * ridge. */
    double y[4 * 5] = {1, 7, 2, 0, 1, 2, 7, 1, 1, 0, 3, 7, 5, 0, 2, 4, 7, 3, 1, 1};
    tk_mahalanobis *m = NULL;
    tk_error err;
    TK_REQUIRE(tk_mahalanobis_create(&m, y, 4, 5, NULL, &err) == TK_OK);
    double d2[4];
    TK_REQUIRE(tk_mahalanobis_score(m, y, 4, d2, NULL, &err) == TK_OK);
    for (size_t i = 0; i < 4; i++)
        TK_CHECK(isfinite(d2[i]) && d2[i] >= 0.0);
    tk_mahalanobis_destroy(m);
}

/* The shrinkage intensity is Ledoit and Wolf's, as scikit-learn computes
 * it on the standardised columns: /usr/bin/python3 with sklearn 1.2.1,
 * Z = (X - median) / (1.4826 MAD), ledoit_wolf_shrinkage(Z) =
 * 0.3356357573639959; the covariance (1 - a) S + a (tr S / d) I (S of
 * divisor n - 1) in input units and the d2 of two rows, from numpy. */
static void ledoit_wolf_reference(void)
{
    tk_mahalanobis_options o = TK_MAHALANOBIS_OPTIONS_INIT;
    o.robust = 0;
    o.ridge = 0.0;
    o.shrinkage = 0.0;
    tk_mahalanobis *m = NULL;
    tk_error err;
    TK_REQUIRE(tk_mahalanobis_create(&m, small_x, 8, 2, &o, &err) == TK_OK);
    TK_CHECK(CLOSE(tk_mahalanobis_shrinkage(m), 0.3356357573639959, 1e-12));
    const double *s = tk_mahalanobis_covariance(m);
    static const double want_s[4] = {1.87819232, 1.15314651, 1.15314651, 2.73698551};
    for (size_t k = 0; k < 4; k++)
        TK_CHECK(CLOSE(s[k], want_s[k], 1e-8));
    const double rows[4] = {6.0, 2.0, 0.0, 5.0};
    double d2[2];
    TK_REQUIRE(tk_mahalanobis_score(m, rows, 2, d2, NULL, &err) == TK_OK);
    TK_CHECK(CLOSE(d2[0], 11.29963891, 1e-7) && CLOSE(d2[1], 9.34324332, 1e-7));
    tk_mahalanobis_destroy(m);
    /* The least intensity wins when larger. */
    o.shrinkage = 0.5;
    TK_REQUIRE(tk_mahalanobis_create(&m, small_x, 8, 2, &o, &err) == TK_OK);
    TK_CHECK(tk_mahalanobis_shrinkage(m) == 0.5);
    tk_mahalanobis_destroy(m);
    o.shrinkage = 1.5;
    TK_CHECK_INT(tk_mahalanobis_create(&m, small_x, 8, 2, &o, &err), TK_EINVAL);
    TK_CHECK(m == NULL);
}

/* User-day features as the analysis sees them: two ordinary counts, their
 * exact sum (collinear), a column constant in the baseline and a count
 * that is 0 on 97% of the days. With the default (robust) estimate the
 * central subset has no variance in the last three; before the
 * regularisation a day with the rare event, or any value off the sum,
 * scored d2 around 1e8-1e10. Ordinary rows now stay on the chi-square
 * scale of 5 degrees of freedom, and rows far off the baseline stay far. */
static void collinear_constant_and_rare(void)
{
    enum { N = 2000, D = 5 };
    double *x = malloc(N * D * sizeof *x);
    TK_REQUIRE(x != NULL);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    for (size_t i = 0; i < N; i++) {
        double *row = x + i * D;
        row[0] = log1p((double)gsl_ran_poisson(r, 40.0));
        row[1] = log1p((double)gsl_ran_poisson(r, 15.0));
        row[2] = row[0] + row[1];
        row[3] = 2.0;
        row[4] = i % 33 == 0 ? log1p(1.0 + (double)gsl_ran_poisson(r, 1.0)) : 0.0;
    }
    gsl_rng_free(r);
    tk_mahalanobis *m = NULL;
    tk_error err;
    TK_REQUIRE(tk_mahalanobis_create(&m, x, N, D, NULL, &err) == TK_OK);
    double *d2 = malloc(N * sizeof *d2);
    TK_REQUIRE(d2 != NULL);
    TK_REQUIRE(tk_mahalanobis_score(m, x, N, d2, NULL, &err) == TK_OK);
    double worst_rare = 0.0;
    size_t below = 0;
    for (size_t i = 0; i < N; i++) {
        below += d2[i] <= gsl_cdf_chisq_Pinv(0.5, D);
        if (i % 33 == 0)
            worst_rare = fmax(worst_rare, d2[i]);
    }
    /* About half the rows below the chi-square median, none absurd. */
    TK_CHECK(below > N / 4 && below < 3 * N / 4);
    TK_CHECK(worst_rare < 200.0);
    /* Far off the baseline: ten times the usual lookups, a value the
     * constant column never took, a value off the exact sum. */
    double far[3 * D];
    for (size_t k = 0; k < 3; k++)
        memcpy(far + k * D, x + D, D * sizeof *far);
    far[0] += log(10.0);
    far[2] += log(10.0);
    far[D + 3] = 3.0;
    far[2 * D + 2] += 1.0;
    double dfar[3];
    TK_REQUIRE(tk_mahalanobis_score(m, far, 3, dfar, NULL, &err) == TK_OK);
    for (size_t k = 0; k < 3; k++)
        TK_CHECK(dfar[k] > 50.0 && dfar[k] > 10.0 * worst_rare / 4.0);
    tk_mahalanobis_destroy(m);
    free(d2);
    free(x);
}

/* A column constant at a value a double cannot hold exactly (log1p(1),
 * one terminal every day) sums to a mean that is off by rounding: its
 * standard deviation came out near 1e-16 rather than 0, and a day off it
 * by log1p(2) - log1p(1) had d2 near 1e24. It is a constant column (scale
 * 1, no floor): such a day is far, and its distance stays of the order of
 * the shrinkage's bound. */
static void constant_column_rounding(void)
{
    enum { N = 20000, D = 4 };
    double *x = malloc(N * D * sizeof *x);
    TK_REQUIRE(x != NULL);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    for (size_t i = 0; i < N; i++) {
        double *row = x + i * D;
        row[0] = log1p((double)gsl_ran_poisson(r, 40.0));
        row[1] = log1p((double)gsl_ran_poisson(r, 15.0));
        row[2] = log1p(1.0);
        row[3] = log1p((double)gsl_ran_poisson(r, 3.0));
    }
    gsl_rng_free(r);
    double mean = 0.0;
    for (size_t i = 0; i < N; i++)
        mean += x[i * D + 2];
    mean /= N;
    TK_CHECK(mean != log1p(1.0)); /* the case: the mean does not round-trip */
    tk_mahalanobis *m = NULL;
    tk_error err;
    TK_REQUIRE(tk_mahalanobis_create(&m, x, N, D, NULL, &err) == TK_OK);
    double day[D], d2 = 0;
    memcpy(day, x, sizeof day);
    day[2] = log1p(2.0);
    TK_REQUIRE(tk_mahalanobis_score(m, day, 1, &d2, NULL, &err) == TK_OK);
    if (!(d2 > 5.0 && d2 < 1e3))
        printf("    d2 of a day with two terminals: %g\n", d2);
    TK_CHECK(d2 > 5.0 && d2 < 1e3);
    tk_mahalanobis_destroy(m);
    free(x);
}

static void bad_input(void)
{
    double x[3 * 2] = {1, 2, 3, 4, 5, 6};
    tk_mahalanobis *m = (tk_mahalanobis *)1;
    tk_error err = {0, ""};
    TK_CHECK_INT(tk_mahalanobis_create(&m, x, 1, 2, NULL, &err), TK_EINVAL);
    TK_CHECK(m == NULL);
    tk_mahalanobis_options o = TK_MAHALANOBIS_OPTIONS_INIT;
    o.support_fraction = 0.3;
    TK_CHECK_INT(tk_mahalanobis_create(&m, x, 3, 2, &o, &err), TK_EINVAL);
    x[5] = NAN;
    TK_CHECK_INT(tk_mahalanobis_create(&m, x, 3, 2, NULL, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "row 3, column 2 is nan") != NULL);
    x[5] = 6;
    TK_REQUIRE(tk_mahalanobis_create(&m, x, 3, 2, NULL, &err) == TK_OK);
    double d2[3];
    x[0] = -INFINITY;
    TK_CHECK_INT(tk_mahalanobis_score(m, x, 3, d2, NULL, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "row 1, column 1 is infinite") != NULL);
    tk_mahalanobis_destroy(m);
}

static void allocation_failures(void)
{
    double *x = contaminated();
    TK_REQUIRE(x != NULL);
    for (int robust = 0; robust <= 1; robust++) {
        tk_mahalanobis_options o = TK_MAHALANOBIS_OPTIONS_INIT;
        o.robust = robust;
        int rc = TK_ENOMEM;
        unsigned long at;
        for (at = 1; at < 100 && rc == TK_ENOMEM; at++) {
            tk_mahalanobis *m = (tk_mahalanobis *)1;
            tk_error err = {0, ""};
            tk_alloc_fail_at(at);
            rc = tk_mahalanobis_create(&m, x, 1000, 2, &o, &err);
            tk_alloc_fail_at(0);
            if (rc == TK_ENOMEM) {
                TK_CHECK(m == NULL);
                TK_CHECK(err.code == TK_ENOMEM && err.msg[0] != '\0');
            } else {
                TK_CHECK_INT(rc, TK_OK);
                tk_mahalanobis_destroy(m);
            }
        }
        TK_CHECK(at > 5);
    }
    free(x);
}

int main(void)
{
    gsl_set_error_handler_off();
    TK_RUN(classical_known_answer);
    TK_RUN(robust_resists_contamination);
    TK_RUN(singular_covariance);
    TK_RUN(ledoit_wolf_reference);
    TK_RUN(collinear_constant_and_rare);
    TK_RUN(constant_column_rounding);
    TK_RUN(bad_input);
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
