/* models/mahalanobis.h -- Mahalanobis distance with a robust covariance.
 *
 * The squared Mahalanobis distance d2(x) = (x - mu)' S^-1 (x - mu) measures
 * how far x lies from the centre mu of the data in units of the data's own
 * spread and correlation S: with d features and Gaussian data, d2 follows a
 * chi-square distribution with d degrees of freedom, so
 * tk_mahalanobis_score() can also give the tail probability
 * P(chi2_d >= d2), small for anomalies.
 *
 * mu and S are estimated on standardised features (each column centred on
 * its median and divided by its scaled MAD, or its standard deviation when
 * the MAD is 0, or 1 when the column is constant). By default the estimate
 * is robust (a single-start minimum covariance determinant with C-steps,
 * then one reweighting step; see mahalanobis.c), so that a minority of
 * anomalies does not pull mu towards itself and inflate S until it hides.
 * S is regularised in standardised units: shrunk towards (tr S / d) I by
 * the Ledoit-Wolf intensity (at least opt->shrinkage), and a column whose
 * MAD is 0 (a count that is 0 on most days) keeps at least its variance
 * over all rows, which the robust subset may lack entirely. So collinear
 * columns, a column constant in the data or in the subset, and fewer rows
 * than columns give distances of the order of d for ordinary rows instead
 * of 1e10. A ridge is added to the diagonal as a last resort; when the
 * Cholesky factorisation fails the ridge is raised tenfold until it
 * succeeds.
 *
 * Input is a row-major array of doubles (n rows of d features; row i,
 * feature j at x[i * d + j]); every value must be finite. The model keeps
 * no pointer to the training data. Uses OpenBLAS (dsyrk, dtrsm) and its
 * LAPACK (dpotrf).
 *
 * Thread-safety: a fitted model is immutable; any number of threads may
 * score with it at the same time. */
#ifndef TK_MAHALANOBIS_H
#define TK_MAHALANOBIS_H

#include <stddef.h>

#include "src/error.h"

typedef struct tk_mahalanobis tk_mahalanobis;

typedef struct tk_mahalanobis_options {
    int robust;              /* nonzero: robust estimate; 0: mean and covariance of all rows */
    double support_fraction; /* share h/n of rows the C-steps keep, in [0.5, 1] */
    double quantile;         /* reweighting keeps rows with d2 <= chi2_d quantile, in (0, 1) */
    size_t max_steps;        /* most C-steps (they stop earlier once the estimate settles) */
    double ridge;            /* added to the diagonal of the standardised covariance, >= 0 */
    int ledoit_wolf;         /* nonzero: shrink by the Ledoit-Wolf intensity when larger */
    double shrinkage;        /* least share of the target (tr S / d) I mixed into S, in [0, 1] */
} tk_mahalanobis_options;

/* Robust; C-steps keep 75% of the rows (tolerating up to 25% anomalies);
 * reweighting at the 97.5% chi-square quantile; at most 30 C-steps;
 * ridge 1e-6; shrinkage by the Ledoit-Wolf intensity, at least 0.01. */
// clang-format off
#define TK_MAHALANOBIS_OPTIONS_INIT {1, 0.75, 0.975, 30, 1e-6, 1, 0.01}
// clang-format on

/* Estimates centre and covariance from x (n rows of d features, borrowed
 * for the call). opt is borrowed for the call; NULL means
 * TK_MAHALANOBIS_OPTIONS_INIT. On success *out is an owned result:
 * tk_mahalanobis_destroy(); on failure *out is NULL. Returns
 *   TK_OK;
 *   TK_EINVAL  n < 2, d == 0, an option out of range, or a value of x is
 *              NaN or infinite (the message gives its 1-based row and
 *              column);
 *   TK_ERANGE  d is too large for LAPACK's int, n * d overflows, or some
 *              values lie so far from the rest (about 1e154 times the
 *              column's spread) that the covariance overflows;
 *   TK_ENOMEM;
 *   TK_EINTERNAL  the covariance could not be factorised even with a ridge
 *              of 1 (not expected for finite input). */
TK_MUST_CHECK int tk_mahalanobis_create(tk_mahalanobis **out, const double *x, size_t n, size_t d,
                                        const tk_mahalanobis_options *opt, tk_error *err);

/* Frees m. Accepts NULL. */
void tk_mahalanobis_destroy(tk_mahalanobis *m);

/* Scores n rows of x (d = tk_mahalanobis_features(m) values each,
 * borrowed): d2[i] (borrowed, written) is the squared distance of row i;
 * when p is not NULL, p[i] (borrowed, written) is P(chi2_d >= d2[i]).
 * A row so far away that its distance overflows gets +inf (p 0). Returns
 * TK_OK, TK_EINVAL (a value of x is NaN or infinite; outputs are then
 * unspecified) or TK_ENOMEM (a work buffer of a few thousand rows). n may
 * be 0. */
TK_MUST_CHECK int tk_mahalanobis_score(const tk_mahalanobis *m, const double *x, size_t n,
                                       double *d2, double *p, tk_error *err);

size_t tk_mahalanobis_features(const tk_mahalanobis *m);

/* The estimated centre, d values in the units of the input; borrowed from
 * m. */
const double *tk_mahalanobis_center(const tk_mahalanobis *m);

/* The estimated covariance, d x d values row-major in the units of the
 * input, regularised (shrinkage, variance floors) but without the ridge;
 * borrowed from m. */
const double *tk_mahalanobis_covariance(const tk_mahalanobis *m);

/* The ridge that was added (opt->ridge, or more if that was not enough). */
double tk_mahalanobis_ridge(const tk_mahalanobis *m);

/* The shrinkage intensity a of the final estimate: the Ledoit-Wolf
 * intensity of the rows it was fitted on, at least opt->shrinkage. */
double tk_mahalanobis_shrinkage(const tk_mahalanobis *m);

/* Rows of the training data that entered the final estimate (all n unless
 * robust). */
size_t tk_mahalanobis_support(const tk_mahalanobis *m);

#endif
