/* tests/models/test_iforest.c -- isolation forest.
 *
 * Known answers: c(n) against values derived by hand from
 * c(n) = 2 (ln(n - 1) + 0.5772156649) - 2 (n - 1) / n (e.g. c(256):
 * ln 255 = 5.5412635, so 2 (5.5412635 + 0.5772157) - 510 / 256 =
 * 12.2369584 - 1.9921875 = 10.2447709), and forests whose path lengths
 * follow from the definitions alone (all rows equal: the root is external,
 * h = c(psi) and s = 0.5 exactly). Properties: a planted outlier gets the
 * top score and a much shorter path, scores lie in (0, 1], results depend
 * on the seed and not on the number of threads, constant columns and
 * NaN are handled, and every allocation failure of tk_iforest_create() is
 * survived. Data come from a seeded GSL generator. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>

#include "models/iforest.h"
#include "src/alloc.h"
#include "tests/test.h"

#define CLOSE(a, b, tol) (fabs((a) - (b)) <= (tol))

/* n rows of d standard normal values, then (optionally) an outlier row. */
static double *gaussian(size_t n, size_t d, unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    double *x = malloc(n * d * sizeof *x);
    for (size_t i = 0; x != NULL && i < n * d; i++)
        x[i] = gsl_ran_gaussian(r, 1.0);
    gsl_rng_free(r);
    return x;
}

static void c_known_values(void)
{
    TK_CHECK(tk_iforest_c(0) == 0.0);
    TK_CHECK(tk_iforest_c(1) == 0.0);
    TK_CHECK(tk_iforest_c(2) == 1.0);
    /* c(3) = 2 (ln 2 + 0.5772157) - 4/3 = 2.5407257 - 1.3333333 */
    TK_CHECK(CLOSE(tk_iforest_c(3), 1.2073924, 1e-7));
    /* c(10) = 2 (ln 9 + 0.5772157) - 1.8 = 2 (2.1972246 + 0.5772157) - 1.8 */
    TK_CHECK(CLOSE(tk_iforest_c(10), 3.7488805, 1e-7));
    TK_CHECK(CLOSE(tk_iforest_c(256), 10.2447709, 1e-7));
    TK_CHECK(CLOSE(tk_iforest_c(1000), 12.9699409, 1e-7));
}

static void options_and_shape(void)
{
    double *x = gaussian(1000, 3, 7);
    TK_REQUIRE(x != NULL);
    tk_iforest *f = NULL;
    tk_error err;
    TK_REQUIRE(tk_iforest_create(&f, x, 1000, 3, NULL, &err) == TK_OK);
    TK_CHECK_INT(tk_iforest_trees(f), 100);
    TK_CHECK_INT(tk_iforest_sample_size(f), 256);
    TK_CHECK_INT(tk_iforest_height_limit(f), 8);
    TK_CHECK_INT(tk_iforest_features(f), 3);
    /* Every split has two children: at most 2 psi - 1 nodes per tree. */
    TK_CHECK(tk_iforest_nodes(f) <= 100 * 511);
    TK_CHECK(tk_iforest_nodes(f) >= 100 * 3);
    tk_iforest_destroy(f);

    /* n < psi: the sample is all n rows; the height limit follows n. */
    tk_iforest_options o = TK_IFOREST_OPTIONS_INIT;
    o.trees = 10;
    TK_REQUIRE(tk_iforest_create(&f, x, 100, 3, &o, &err) == TK_OK);
    TK_CHECK_INT(tk_iforest_sample_size(f), 100);
    TK_CHECK_INT(tk_iforest_height_limit(f), 7);
    tk_iforest_destroy(f);
    o.sample_size = 64;
    TK_REQUIRE(tk_iforest_create(&f, x, 1000, 3, &o, &err) == TK_OK);
    TK_CHECK_INT(tk_iforest_height_limit(f), 6);
    tk_iforest_destroy(f);
    free(x);
}

static void bad_arguments(void)
{
    const double x[4] = {1, 2, 3, 4};
    tk_iforest *f = (tk_iforest *)1;
    tk_error err;
    TK_CHECK_INT(tk_iforest_create(&f, x, 1, 4, NULL, &err), TK_EINVAL);
    TK_CHECK(f == NULL);
    TK_CHECK_INT(tk_iforest_create(&f, x, 4, 0, NULL, &err), TK_EINVAL);
    tk_iforest_options o = TK_IFOREST_OPTIONS_INIT;
    o.trees = 0;
    TK_CHECK_INT(tk_iforest_create(&f, x, 4, 1, &o, &err), TK_EINVAL);
    o.trees = 5;
    o.sample_size = 1;
    TK_CHECK_INT(tk_iforest_create(&f, x, 4, 1, &o, &err), TK_EINVAL);
}

static void nan_rejected(void)
{
    double x[3 * 4] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    tk_iforest *f = NULL;
    tk_error err = {0, ""};
    x[2 * 4 + 1] = NAN; /* row 3, column 2 */
    TK_CHECK_INT(tk_iforest_create(&f, x, 3, 4, NULL, &err), TK_EINVAL);
    TK_CHECK(f == NULL);
    TK_CHECK(strstr(err.msg, "row 3, column 2 is nan") != NULL);
    x[2 * 4 + 1] = 10;
    TK_REQUIRE(tk_iforest_create(&f, x, 3, 4, NULL, &err) == TK_OK);
    double s[3];
    x[1 * 4 + 3] = INFINITY; /* row 2, column 4 */
    TK_CHECK_INT(tk_iforest_score(f, x, 3, s, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "row 2, column 4 is infinite") != NULL);
    tk_iforest_destroy(f);
}

/* 1000 points from a 2-D standard normal and one at (10, 10). */
static void planted_outlier(void)
{
    const size_t n = 1001;
    double *x = gaussian(n, 2, 11);
    TK_REQUIRE(x != NULL);
    x[1000 * 2] = 10.0;
    x[1000 * 2 + 1] = 10.0;
    tk_iforest *f = NULL;
    tk_error err;
    TK_REQUIRE(tk_iforest_create(&f, x, n, 2, NULL, &err) == TK_OK);
    double *s = malloc(n * sizeof *s), *h = malloc(n * sizeof *h);
    TK_REQUIRE(s != NULL && h != NULL);
    TK_REQUIRE(tk_iforest_score(f, x, n, s, &err) == TK_OK);
    TK_REQUIRE(tk_iforest_path_lengths(f, x, n, h, &err) == TK_OK);
    size_t top = 0;
    double mean_h = 0.0;
    for (size_t i = 0; i < n; i++) {
        TK_CHECK(s[i] > 0.0 && s[i] <= 1.0);
        /* The score is the documented transform of the path length. */
        TK_CHECK(CLOSE(s[i], pow(2.0, -h[i] / tk_iforest_c(256)), 1e-12));
        if (s[i] > s[top])
            top = i;
        if (i < 1000)
            mean_h += h[i] / 1000.0;
    }
    TK_CHECK_INT(top, 1000);
    /* The outlier is cut off within the first few splits (3.8 here;
     * scikit-learn's forest gives 3.5 on such data), inliers run to the
     * height limit 8 and get c(size) on top (11.5; scikit-learn 11.7). */
    TK_CHECK(h[1000] < 5.0);
    TK_CHECK(mean_h > 10.0);
    TK_CHECK(s[1000] > 0.75);
    free(s);
    free(h);
    tk_iforest_destroy(f);
    free(x);
}

static void deterministic_for_a_seed(void)
{
    const size_t n = 20000; /* enough rows that scoring uses several threads */
    double *x = gaussian(n, 5, 3);
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    TK_REQUIRE(x != NULL && a != NULL && b != NULL);
    tk_iforest_options o = TK_IFOREST_OPTIONS_INIT;
    o.seed = 12345;
    o.threads = 1;
    tk_iforest *f = NULL, *g = NULL;
    tk_error err;
    TK_REQUIRE(tk_iforest_create(&f, x, n, 5, &o, &err) == TK_OK);
    TK_REQUIRE(tk_iforest_score(f, x, n, a, &err) == TK_OK);
    o.threads = 3;
    TK_REQUIRE(tk_iforest_create(&g, x, n, 5, &o, &err) == TK_OK);
    TK_REQUIRE(tk_iforest_score(g, x, n, b, &err) == TK_OK);
    TK_CHECK(memcmp(a, b, n * sizeof *a) == 0);
    TK_CHECK_INT(tk_iforest_nodes(f), tk_iforest_nodes(g));
    tk_iforest_destroy(g);
    g = NULL;
    o.seed = 12346;
    TK_REQUIRE(tk_iforest_create(&g, x, n, 5, &o, &err) == TK_OK);
    TK_REQUIRE(tk_iforest_score(g, x, n, b, &err) == TK_OK);
    TK_CHECK(memcmp(a, b, n * sizeof *a) != 0);
    tk_iforest_destroy(g);
    tk_iforest_destroy(f);
    free(a);
    free(b);
    free(x);
}

/* All rows equal: no attribute can be split, the root is an external node
 * of psi rows, E[h] = c(psi) and s = 2^-1 exactly. */
static void all_constant(void)
{
    double x[300 * 2];
    for (size_t i = 0; i < 300; i++) {
        x[2 * i] = 4.25;
        x[2 * i + 1] = -1.5;
    }
    tk_iforest *f = NULL;
    tk_error err;
    TK_REQUIRE(tk_iforest_create(&f, x, 300, 2, NULL, &err) == TK_OK);
    TK_CHECK_INT(tk_iforest_nodes(f), 100);
    double s[300], h[300];
    TK_REQUIRE(tk_iforest_score(f, x, 300, s, &err) == TK_OK);
    TK_REQUIRE(tk_iforest_path_lengths(f, x, 300, h, &err) == TK_OK);
    for (size_t i = 0; i < 300; i++) {
        TK_CHECK(CLOSE(s[i], 0.5, 1e-15));
        TK_CHECK(CLOSE(h[i], 10.2447709, 1e-7));
    }
    tk_iforest_destroy(f);
}

/* Two distinct rows: psi = 2, height limit 1, every tree splits the root
 * into two external nodes of one row: h = 1 + c(1) = 1 = c(2), s = 0.5. */
static void two_rows(void)
{
    const double x[2 * 2] = {0.0, 1.0, 3.0, 1.0};
    tk_iforest *f = NULL;
    tk_error err;
    TK_REQUIRE(tk_iforest_create(&f, x, 2, 2, NULL, &err) == TK_OK);
    TK_CHECK_INT(tk_iforest_nodes(f), 300);
    TK_CHECK_INT(tk_iforest_height_limit(f), 1);
    double s[2];
    TK_REQUIRE(tk_iforest_score(f, x, 2, s, &err) == TK_OK);
    TK_CHECK(s[0] == 0.5 && s[1] == 0.5);
    tk_iforest_destroy(f);
}

/* A constant column next to an informative one: splits only ever use the
 * informative column, and the outlier in it is found. */
static void constant_column(void)
{
    const size_t n = 501;
    double *g = gaussian(n, 1, 5);
    double *x = malloc(n * 3 * sizeof *x);
    TK_REQUIRE(g != NULL && x != NULL);
    for (size_t i = 0; i < n; i++) {
        x[3 * i] = 7.0;
        x[3 * i + 1] = i == 500 ? 9.0 : g[i];
        x[3 * i + 2] = 7.0;
    }
    tk_iforest *f = NULL;
    tk_error err;
    TK_REQUIRE(tk_iforest_create(&f, x, n, 3, NULL, &err) == TK_OK);
    double *s = malloc(n * sizeof *s);
    TK_REQUIRE(s != NULL);
    TK_REQUIRE(tk_iforest_score(f, x, n, s, &err) == TK_OK);
    size_t top = 0;
    for (size_t i = 0; i < n; i++) {
        TK_CHECK(s[i] > 0.0 && s[i] <= 1.0);
        top = s[i] > s[top] ? i : top;
    }
    TK_CHECK_INT(top, 500);
    /* A new row differing only in a constant column follows the same
     * paths as the training row with the same informative value. */
    double probe[2 * 3] = {7.0, 0.1, 7.0, -100.0, 0.1, 1e6}, ps[2];
    TK_REQUIRE(tk_iforest_score(f, probe, 2, ps, &err) == TK_OK);
    TK_CHECK(ps[0] == ps[1]);
    free(s);
    free(x);
    free(g);
    tk_iforest_destroy(f);
}

/* Cluster A: x1 ~ N(0, 1), x2 = 0 exactly; cluster B: x1 ~ N(20, 1),
 * x2 ~ N(0, 1). Inside cluster A's subtrees x2 is constant, and the papers'
 * rule still draws it there: a scored row with x2 below that constant
 * falls into the empty left child at once. (0, -0.5) is therefore isolated
 * far sooner than (0, 0), which follows cluster A all the way down. */
static void constant_within_nodes(void)
{
    const size_t n = 1000;
    double *g = gaussian(n, 2, 21);
    TK_REQUIRE(g != NULL);
    for (size_t i = 0; i < 500; i++)
        g[2 * i + 1] = 0.0;
    for (size_t i = 500; i < n; i++)
        g[2 * i] += 20.0;
    tk_iforest *f = NULL;
    tk_error err;
    TK_REQUIRE(tk_iforest_create(&f, g, n, 2, NULL, &err) == TK_OK);
    const double probe[2 * 2] = {0.0, 0.0, 0.0, -0.5};
    double h[2];
    TK_REQUIRE(tk_iforest_path_lengths(f, probe, 2, h, &err) == TK_OK);
    TK_CHECK(h[0] > 10.0); /* 15.3 */
    TK_CHECK(h[1] < 6.0);  /* 4.5 */
    tk_iforest_destroy(f);
    free(g);
}

static void allocation_failures(void)
{
    double *x = gaussian(600, 4, 9);
    TK_REQUIRE(x != NULL);
    tk_iforest_options o = TK_IFOREST_OPTIONS_INIT;
    o.trees = 8;
    o.threads = 2;
    int rc = TK_ENOMEM;
    unsigned long at;
    for (at = 1; at < 1000 && rc == TK_ENOMEM; at++) {
        tk_iforest *f = (tk_iforest *)1;
        tk_error err = {0, ""};
        tk_alloc_fail_at(at);
        rc = tk_iforest_create(&f, x, 600, 4, &o, &err);
        tk_alloc_fail_at(0);
        if (rc == TK_ENOMEM) {
            TK_CHECK(f == NULL);
            TK_CHECK(err.code == TK_ENOMEM && err.msg[0] != '\0');
        } else {
            TK_CHECK_INT(rc, TK_OK);
            tk_iforest_destroy(f);
        }
    }
    TK_CHECK(at > 3);
    free(x);
}

int main(void)
{
    gsl_set_error_handler_off();
    TK_RUN(c_known_values);
    TK_RUN(options_and_shape);
    TK_RUN(bad_arguments);
    TK_RUN(nan_rejected);
    TK_RUN(planted_outlier);
    TK_RUN(deterministic_for_a_seed);
    TK_RUN(all_constant);
    TK_RUN(two_rows);
    TK_RUN(constant_column);
    TK_RUN(constant_within_nodes);
    TK_RUN(allocation_failures);
    TK_TEST_END();
}
