/* models/tod.h -- time-of-day profiles and a day's deviation from them.
 *
 * A profile is the probability that one of the user's events falls in each
 * of the 24 hours of the day (hour h covers h:00 to h:59, local time). It is
 * fitted from the user's hourly counts summed over the baseline window,
 * smoothed towards the peer group's profile (additive smoothing with a
 * pseudo-count), spread over neighbouring hours by a circular Gaussian
 * kernel (23:00 neighbours 00:00), and given a small uniform floor so that
 * no hour is impossible.
 *
 * A day is scored by two tests of its 24 counts against the profile: a
 * goodness-of-fit test (Pearson chi-square or G-test, hours pooled so each
 * pool expects at least min_expected events), which sees a day shifted as
 * a whole, and the binomial tail of the single most surprising hour, which
 * sees a burst in a quiet hour that pooling would dilute and names the hour
 * in an explanation ("20 events at 06:00 where 0.4 were expected"). The
 * day's p-value combines the two with a Bonferroni correction.
 *
 * Events come in bursts (one counter visit or batch of forms is 5-30
 * events within minutes), so hourly counts vary more than the multinomial
 * model of tk_tod_score() assumes and its p-values are far too small on
 * busy days. The dispersion phi measures this: the variance of a count is
 * phi times the multinomial variance, as if the day were total / phi
 * independent tasks of phi events each. tk_tod_dispersion_fit() estimates
 * phi from the user's baseline days; tk_tod_score_phi() runs both tests on
 * the counts divided by phi, which makes them calibrated. Use the latter
 * for anything read as a probability.
 *
 * Profiles and results are transparent values that own no memory. Every
 * function is pure and thread-safe, and allocates nothing except
 * tk_tod_shift_test()'s scratch copies (freed before it returns). GSL's error
 * handler must be off. The formulas are in tod.c; the analyst's guide is
 * docs/baselines.md. */
#ifndef TK_TOD_H
#define TK_TOD_H

#include <stddef.h>

#include "src/error.h"

#define TK_TOD_HOURS   24
#define TK_TOD_NO_HOUR ((size_t)-1) /* no hour has more events than expected */
#define TK_TOD_PHI_MAX 1e6          /* largest dispersion accepted, events per task */

typedef struct tk_tod_options {
    double peer_weight;    /* pseudo-events of the peer profile added to the user's (>= 0) */
    double uniform_weight; /* pseudo-events spread evenly over the 24 hours (> 0) */
    double bandwidth;      /* sigma of the circular Gaussian kernel, hours (>= 0; 0: none) */
    double min_expected;   /* pool hours until each pool expects this many events, or
                            * this many tasks (events / phi) when scored with phi (> 0) */
    int g_test;            /* 0: Pearson chi-square; 1: G-test (likelihood ratio) */
    double phi_prior_days; /* dispersion: the caller's prior phi counts as this many
                            * usable baseline days (>= 0; 0: the user's days alone) */
    double phi_day_cap;    /* dispersion: one baseline day's X2 / df counts at most this
                            * many times the median day's (>= 1) */
} tk_tod_options;

/* Defaults: the peers count as 100 events, one event spread evenly, a
 * 1-hour kernel, pools expecting >= 5 events (or tasks), Pearson's
 * statistic; a prior phi worth 10 baseline days, and no baseline day
 * counting for more than 4 times the median day. */
// clang-format off
#define TK_TOD_OPTIONS_INIT {100.0, 1.0, 1.0, 5.0, 0, 10.0, 4.0}
// clang-format on

typedef struct tk_tod_profile {
    double p[TK_TOD_HOURS]; /* P(an event falls in hour h); > 0, sums to 1 */
    double events;          /* the user's events in the window */
    double weight;          /* the user's share: events / (events + peer_weight) */
} tk_tod_profile;

/* A scored day. Counts (total, hour_count, hour_expected) are in events;
 * the statistic and the tails are computed on events / phi. */
typedef struct tk_tod_result {
    double p;             /* the day's p-value: min(1, 2 min(gof_p, hour_p_adj)) */
    double stat;          /* chi-square or G statistic over the pools, divided by phi */
    double df;            /* pools - 1 (0 when fewer than two pools) */
    double gof_p;         /* goodness of fit: P(chi2_df >= stat); 1 when df == 0 */
    size_t pools;         /* number of pools of hours */
    double total;         /* the day's events */
    size_t hour;          /* the most surprising hour, or TK_TOD_NO_HOUR */
    double hour_count;    /* its events */
    double hour_expected; /* total * p[hour] */
    double hour_p;        /* P(Bin(total / phi, p[hour]) >= hour_count / phi), the
                           * binomial tail extended to real arguments; 1 when no hour */
    double hour_p_adj;    /* min(1, 24 * hour_p): Bonferroni over the 24 hours */
    double phi;           /* the dispersion the day was scored with (tk_tod_score: 1) */
} tk_tod_result;

/* A user's dispersion, estimated from baseline days. */
typedef struct tk_tod_dispersion {
    double phi;          /* to score with: exp(weight ln phi_own + (1 - weight) ln prior),
                          * or prior when no day was usable; in [1, TK_TOD_PHI_MAX] */
    double phi_own;      /* from the user's days alone: the capped sum of X2 over the sum
                          * of df, at least 1; 0 when no day was usable */
    double prior;        /* the prior phi the caller passed */
    double weight;       /* phi_own's weight: days_used / (days_used + phi_prior_days) */
    double median_ratio; /* the median over usable days of X2 / df (0: no usable day) */
    size_t days;         /* baseline days passed */
    size_t days_used;    /* of those, days with at least two pools (about 2 * min_expected
                          * events or more): the others carry no information */
    size_t days_capped;  /* usable days whose X2 was capped at phi_day_cap * median_ratio
                          * * df: odd days (a night shift, a system outage) */
} tk_tod_dispersion;

/* Fits a profile from the user's hourly counts user[0..24) (summed over
 * the window; borrowed) and the peer group's hourly counts peer[0..24)
 * (borrowed; NULL for none, in which case the uniform profile stands in
 * for the peers). Counts must be finite and >= 0, not necessarily integer.
 * opt is borrowed; NULL means TK_TOD_OPTIONS_INIT. Returns TK_OK or
 * TK_EINVAL (a count negative or not finite, peer counts all zero while
 * peer_weight > 0, or an option out of range). */
TK_MUST_CHECK int tk_tod_fit(const double *user, const double *peer, const tk_tod_options *opt,
                             tk_tod_profile *out, tk_error *err);

/* Scores the day's hourly counts today[0..24) (borrowed; integers >= 0
 * below 2^32 in total) against prof (borrowed), treating the events as
 * independent (phi = 1): uncalibrated on real, bursty logs; see
 * tk_tod_score_phi(). A day with fewer events than 2 * min_expected forms
 * one pool: no goodness-of-fit test (gof_p = 1), and only the most
 * surprising hour speaks. opt is borrowed; NULL means TK_TOD_OPTIONS_INIT.
 * Returns TK_OK or TK_EINVAL (a count not a non-negative integer, a total
 * of 2^32 or more, a profile that is not positive or does not sum to 1,
 * or a bad option). */
TK_MUST_CHECK int tk_tod_score(const tk_tod_profile *prof, const double *today,
                               const tk_tod_options *opt, tk_tod_result *out, tk_error *err);

/* Estimates the user's dispersion from ndays baseline days: days[24 d + h]
 * is day d's events in hour h (borrowed; finite and >= 0; may be NULL when
 * ndays is 0), scored against the user's profile prof (borrowed; normally
 * fitted from the same window). For each day with at least two pools,
 * X2 is Pearson's statistic with the pooling of tk_tod_score() and df its
 * pools - 1. phi_own is sum(min(X2, phi_day_cap * m * df)) / sum(df), with
 * m the median of X2 / df, and at least 1. It is shrunk towards prior_phi
 * (in [1, TK_TOD_PHI_MAX]; e.g. the median phi of the user's 所属, or a
 * fixed default for the tenant) with phi_prior_days on the log scale. No
 * usable day (no days, or only days with a handful of events) is not an
 * error: out->phi is prior_phi and out->days_used 0. opt is borrowed
 * (min_expected, phi_prior_days, phi_day_cap; g_test does not matter: the
 * estimate always uses Pearson's statistic); NULL means
 * TK_TOD_OPTIONS_INIT. Returns TK_OK or TK_EINVAL (a count negative or not
 * finite, days NULL with ndays > 0, prior_phi out of range or not
 * finite, a profile that is not positive or does not sum to 1, or a bad
 * option). */
TK_MUST_CHECK int tk_tod_dispersion_fit(const tk_tod_profile *prof, const double *days,
                                        size_t ndays, double prior_phi, const tk_tod_options *opt,
                                        tk_tod_dispersion *out, tk_error *err);

/* Scores today[0..24) (borrowed; integers >= 0 below 2^32 in total)
 * against prof (borrowed) like tk_tod_score(), with events counted as
 * today / phi independent draws: hours are pooled until each pool expects
 * min_expected tasks (events / phi), the statistic is the one on events
 * divided by phi, and the hour tail is the binomial tail of hour_count /
 * phi in total / phi draws. phi is the dispersion, in [1, TK_TOD_PHI_MAX],
 * normally tk_tod_dispersion.phi; phi = 1 gives exactly tk_tod_score().
 * opt is borrowed; NULL means TK_TOD_OPTIONS_INIT. Returns TK_OK or
 * TK_EINVAL (phi out of range or not finite, or as tk_tod_score()). */
TK_MUST_CHECK int tk_tod_score_phi(const tk_tod_profile *prof, const double *today, double phi,
                                   const tk_tod_options *opt, tk_tod_result *out, tk_error *err);

/* ---- a sustained shift of the start of work -----------------------------
 *
 * The hourly tests above score one day at a time, and one early day is
 * ordinary; a person who starts at 6:10 on fifteen working days of a
 * period, after a baseline of starting around 8:30, is not. The shift test
 * compares the minute of the first event of each working day: the
 * baseline start is the median over the baseline's working days; a period
 * day is early when it starts at least min_shift minutes before it. With
 * q the share of baseline days that were that early (at least 1 / (days +
 * 1), as no history rules anything out), the period's k early days out of
 * n are scored by the binomial tail P(Bin(n, q) >= k). */

typedef struct tk_tod_shift_options {
    double min_shift;         /* minutes before the baseline start that make a day early (> 0) */
    size_t min_days;          /* early period days needed (>= 1) */
    double min_share;         /* and this share of the period's working days (0-1) */
    size_t min_baseline_days; /* baseline working days needed for a baseline start (>= 1) */
    double max_p;             /* the tail must be at most this (0-1) */
} tk_tod_shift_options;

/* 90 minutes, 8 days and a third of the period's working days, 20
 * baseline days, a tail of at most 1e-6. */
// clang-format off
#define TK_TOD_SHIFT_OPTIONS_INIT {90.0, 8, 1.0 / 3.0, 20, 1e-6}
// clang-format on

typedef struct tk_tod_shift {
    int found;           /* 1 if the period's start of work shifted earlier */
    double base_start;   /* median first minute of the baseline's working days */
    double period_start; /* median first minute of the early period days (NAN: none) */
    size_t early_days;   /* period days starting min_shift or more before base_start */
    size_t period_days;  /* period working days */
    size_t base_days;    /* baseline working days */
    double base_share;   /* share of baseline days that early (before the floor) */
    double p;            /* P(Bin(period_days, q) >= early_days); 1 when not tested */
} tk_tod_shift;

/* Tests whether the first minutes of the period's working days
 * per[0..nper) (borrowed; minutes since midnight, 0-1439) start earlier
 * than the baseline's base[0..nbase) (borrowed, same units) over a
 * sustained number of days. Too few baseline days is not an error: found
 * is 0 and p 1. opt is borrowed; NULL means TK_TOD_SHIFT_OPTIONS_INIT.
 * Returns TK_OK or TK_EINVAL (a minute outside 0-1439 or not finite, an
 * array NULL with its count > 0, or an option out of range). */
TK_MUST_CHECK int tk_tod_shift_test(const double *base, size_t nbase, const double *per,
                                    size_t nper, const tk_tod_shift_options *opt, tk_tod_shift *out,
                                    tk_error *err);

#endif
