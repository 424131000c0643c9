/* models/baseline.h -- per-entity baselines of one daily feature.
 *
 * Pure numeric building blocks: arrays of daily values go in, fitted
 * parameters, tail probabilities and z-like scores come out. The feature
 * layer decides which values form a window and who the peers are; nothing
 * here touches the store.
 *
 *   counts      (events per day, distinct residents per day, ...): a
 *               Poisson or negative binomial (NB) model with an exact
 *               upper tail P(X >= x);
 *   continuous  (first activity minute, share of lookups without
 *               processing, ...): a robust location and scale (median and
 *               MAD) and a robust z;
 *   shrinkage   empirical Bayes towards the peer group (the user's 所属):
 *               a Gamma prior from the peers' rates whose posterior
 *               predictive is an NB, and a median shrunk with weight
 *               n / (n + k);
 *   same day    a leave-one-out robust z of one member against the rest of
 *               the peer group on the same day, and the rule that combines
 *               it with the user's own-baseline probability.
 *
 * The fitted values are small transparent structs that own no memory: copy
 * them freely. NB uses GSL's parametrisation,
 *   P(X = k) = Gamma(r + k) / (Gamma(r) k!) p^r (1 - p)^k,  mean r (1 - p) / p.
 *
 * Thread-safety: every function is pure (no globals, no hidden state) and
 * may be called from any number of threads at once. Functions that need
 * scratch memory take it from tk_alloc() and free it before returning.
 * GSL's error handler must be off (gsl_set_error_handler_off()), as main()
 * does. The approach and formulas are in baseline.c; the analyst's guide is
 * docs/baselines.md. */
#ifndef TK_BASELINE_H
#define TK_BASELINE_H

#include <stddef.h>

#include "src/error.h"

typedef struct tk_baseline_options {
    /* Count models. NB is tried only when the sample variance exceeds
     * mean * (1 + overdispersion) and is kept only when the likelihood-ratio
     * test against Poisson rejects at level lr_alpha (boundary-corrected:
     * p = 0.5 * P(chi2_1 > LR)). */
    double overdispersion; /* >= 0 */
    double lr_alpha;       /* in (0, 1) */
    /* Every z-like score is clamped to [-z_cap, z_cap]; also the z of a tail
     * probability of 0 or 1. */
    double z_cap; /* > 0 */
    /* Robust scale floors, in the feature's units: the scale used is
     * max(1.4826 MAD (or 1.2533 mean absolute deviation when the MAD is 0),
     * scale_floor, scale_floor_rel * |median|). */
    double scale_floor;     /* > 0 */
    double scale_floor_rel; /* >= 0 */
    /* Empirical Bayes. A robust baseline with n days gives its own median
     * the weight n / (n + shrink_days). The Gamma prior's beta (its weight
     * in "days of evidence") is kept in [prior_min_days, prior_max_days],
     * and its alpha is at least prior_min_shape. */
    double shrink_days;     /* > 0 */
    double prior_min_days;  /* > 0 */
    double prior_max_days;  /* >= prior_min_days */
    double prior_min_shape; /* > 0 */
} tk_baseline_options;

/* Defaults: NB when the variance exceeds the mean by 10% and the LR test
 * rejects at 1%; |z| <= 8 (p ~ 6e-16); a scale floor of 1 unit and no
 * relative floor (set both per feature: docs/baselines.md); k = 10 days;
 * a prior worth 5 to 30 days with shape >= 0.5. */
// clang-format off
#define TK_BASELINE_OPTIONS_INIT {0.1, 0.01, 8.0, 1.0, 0.0, 10.0, 5.0, 30.0, 0.5}
// clang-format on

typedef enum tk_baseline_family {
    TK_BASELINE_POISSON = 1, /* rate = mean */
    TK_BASELINE_NEGBIN = 2   /* size r, prob p (GSL parametrisation) */
} tk_baseline_family;

/* A fitted count model. For POISSON, size and prob are 0; for NEGBIN,
 * mean == size * (1 - prob) / prob. */
typedef struct tk_baseline_count {
    tk_baseline_family family;
    double mean;   /* expected count per day (> 0) */
    double size;   /* NB r (> 0) */
    double prob;   /* NB p in (0, 1) */
    size_t n;      /* days of the user's own history used */
    double var;    /* sample variance of that history (n - 1 divisor; 0 if n < 2) */
    double lr;     /* LR statistic of NB against Poisson; 0 when NB was not tried */
    double lr_p;   /* its p-value; 1 when NB was not tried */
    double weight; /* weight of the own history in mean: 1, or n / (n + beta) for EB */
    double z_cap;  /* the options' z_cap, used by tk_baseline_count_z() */
} tk_baseline_count;

/* Gamma(alpha, beta) prior on a daily rate (rate parametrisation: mean
 * alpha / beta, variance alpha / beta^2). beta reads as "days of evidence". */
typedef struct tk_baseline_prior {
    double alpha; /* > 0 */
    double beta;  /* > 0 */
    size_t npeers;
    double mean; /* mean of the peers' rates */
    double var;  /* between-peer variance of the true rates, Poisson noise removed (>= 0) */
} tk_baseline_prior;

/* A robust location and scale. */
typedef struct tk_baseline_robust {
    double median;
    double mad;    /* 1.4826 * median |x - median| (0 for a constant history) */
    double scale;  /* the scale z divides by: mad with the floors applied (> 0) */
    size_t n;      /* own values used */
    double weight; /* weight of the own median: 1, or n / (n + k) after shrinkage */
    double z_cap;  /* the options' z_cap, used by tk_baseline_robust_z() */
} tk_baseline_robust;

/* One member against the rest of the peer group on the same day. */
typedef struct tk_baseline_peer {
    double z;      /* (x - median of others) / scale, clamped to +-z_cap */
    double p;      /* upper-tail normal probability of z: Q(z) */
    double median; /* of the others */
    double scale;  /* of the others, floors applied */
    size_t others; /* n - 1 */
} tk_baseline_peer;

/* Fits a count model to the daily values x[0..n) (borrowed): Poisson with
 * lambda = mean (floored at 0.5 / n, so an all-zero history is not
 * lambda = 0), or NB by maximum likelihood when the history is
 * overdispersed (see the options). Values must be finite and >= 0; they
 * need not be integers. opt is borrowed; NULL means
 * TK_BASELINE_OPTIONS_INIT. On success *out is filled; on failure it is
 * unspecified. Returns TK_OK, or TK_EINVAL (n == 0, a value negative or
 * not finite, or an option out of range; the message says which). */
TK_MUST_CHECK int tk_baseline_count_fit(const double *x, size_t n, const tk_baseline_options *opt,
                                        tk_baseline_count *out, tk_error *err);

/* P(X >= x) under m (borrowed), for the integer ceil(x); 1 for x <= 0 and 0
 * for x beyond 2^32. m must come from a fit function or satisfy the
 * invariants documented on tk_baseline_count (asserted). */
double tk_baseline_count_tail(const tk_baseline_count *m, double x);

/* The z-like score of x under m: tk_baseline_p_to_z(tail, m->z_cap). */
double tk_baseline_count_z(const tk_baseline_count *m, double x);

/* -Phi^-1(p) = the standard normal quantile with upper tail p, clamped to
 * [-cap, cap]; p <= 0 gives cap and p >= 1 gives -cap. 0 for p = 0.5,
 * 3.09 for p = 0.001. cap > 0. A NaN p gives NaN. */
double tk_baseline_p_to_z(double p, double cap);

/* Q(z) = P(N(0,1) > z), the upper-tail probability of a z-like score. For
 * a feature where low values are suspicious pass -z. */
double tk_baseline_z_to_p(double z);

/* Builds a Gamma prior from the peers' mean daily rates rates[0..n)
 * (borrowed), each averaged over `days` days (for peers with different
 * windows, pass the harmonic mean of their lengths). Method of moments:
 * with m and s2 the mean and sample variance of the rates, the variance of
 * the true rates is v = max(s2 - m / days, 0); beta = m / v kept in
 * [opt->prior_min_days, opt->prior_max_days] (prior_max_days when v == 0),
 * alpha = m * beta floored at opt->prior_min_shape. The caller leaves the
 * user out of the peers. On success *out is filled. Returns TK_OK, or TK_EINVAL (n < 2, days < 1, a
 * rate negative or not finite, or a bad option). */
TK_MUST_CHECK int tk_baseline_gamma_prior(const double *rates, size_t n, double days,
                                          const tk_baseline_options *opt, tk_baseline_prior *out,
                                          tk_error *err);

/* Empirical Bayes count model: the posterior predictive of a new day given
 * the user's daily counts x[0..n) (borrowed; n may be 0 and x then NULL)
 * and the prior (borrowed): NB with r = alpha + sum x and
 * p = (beta + n) / (beta + n + 1), whose mean is the posterior mean rate
 * (alpha + sum x) / (beta + n). weight = n / (n + beta). Returns TK_OK, or
 * TK_EINVAL (a value negative or not finite, a prior with alpha or beta not
 * positive and finite, or a bad option). */
TK_MUST_CHECK int tk_baseline_eb_fit(const double *x, size_t n, const tk_baseline_prior *prior,
                                     const tk_baseline_options *opt, tk_baseline_count *out,
                                     tk_error *err);

/* Robust location and scale of x[0..n) (borrowed): the median, the MAD
 * scaled by 1.4826 (consistent for the normal sigma), and the floored scale
 * (see the options). Returns TK_OK, TK_EINVAL (n == 0, a value not finite
 * or a bad option) or TK_ENOMEM (n doubles of scratch). */
TK_MUST_CHECK int tk_baseline_robust_fit(const double *x, size_t n, const tk_baseline_options *opt,
                                         tk_baseline_robust *out, tk_error *err);

/* A robust baseline of the user's values x[0..n) (borrowed; n may be 0 and
 * x then NULL) shrunk towards the peer group's robust baseline peer
 * (borrowed; fitted by the caller on the peers' values): with
 * w = n / (n + opt->shrink_days), median = w * own + (1 - w) * peer and
 * likewise mad and scale (the floors are applied again to the result).
 * Returns TK_OK, TK_EINVAL (a value not finite, a peer baseline without a
 * finite median and positive scale, or a bad option) or TK_ENOMEM. */
TK_MUST_CHECK int tk_baseline_robust_eb_fit(const double *x, size_t n,
                                            const tk_baseline_robust *peer,
                                            const tk_baseline_options *opt, tk_baseline_robust *out,
                                            tk_error *err);

/* (x - r->median) / r->scale, clamped to [-r->z_cap, r->z_cap]. */
double tk_baseline_robust_z(const tk_baseline_robust *r, double x);

/* Same-day peer comparison: today[0..n) (borrowed) holds one value per
 * member of the peer group; compares member `who` with the median and
 * floored MAD of the other n - 1 (leave-one-out), so a shift of the whole
 * group moves the reference with it. Returns TK_OK, TK_EINVAL (n < 3, who
 * >= n, a value not finite or a bad option) or TK_ENOMEM. */
TK_MUST_CHECK int tk_baseline_peer_z(const double *today, size_t n, size_t who,
                                     const tk_baseline_options *opt, tk_baseline_peer *out,
                                     tk_error *err);

/* A 所属's season over a window of days, for one member whose own model
 * expects e over the window's d active days: total[0..n) and expect[0..n)
 * are the other members' totals and own expectations over the same days,
 * on days[0..n) active days (borrowed; the member left out, every value
 * finite). A season either scales each member's usual work (a tax season:
 * everyone's caseload grows; the factor is the median of
 * (total + 1) / (expect + 1)) or adds work shared out alike (an election's
 * duties: the member who usually does least triples; the extra a day is the
 * median of (total - expect) / days, 0 for a member without active days).
 * Which one a 所属 follows is not known, and judging it from the others
 * fits the many and fails the few largest or smallest, so the result is
 * the larger of e * factor and e + d * extra: a member is never more
 * surprising for the season than under either. shared 0 gives e * factor
 * alone. With fewer than 3 others there is no season: e. scratch holds n
 * doubles. Outside a season both are about e. */
double tk_baseline_season(const double *total, const double *expect, const double *days, size_t n,
                          double e, double d, int shared, double *scratch);

/* The combined tail probability of "unusual for the user AND unusual among
 * the peers today": max(p_own, p_peer). Both tests must be surprising for
 * the result to be small, so a department-wide busy day (small p_own,
 * ordinary p_peer) is not flagged. NaN if either is NaN. */
double tk_baseline_combine_p(double p_own, double p_peer);

#endif
