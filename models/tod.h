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
 * Profiles and results are transparent values that own no memory. Every
 * function is pure and thread-safe. GSL's error handler must be off. The
 * formulas are in tod.c; the analyst's guide is docs/baselines.md. */
#ifndef TK_TOD_H
#define TK_TOD_H

#include <stddef.h>

#include "src/error.h"

#define TK_TOD_HOURS   24
#define TK_TOD_NO_HOUR ((size_t)-1) /* no hour has more events than expected */

typedef struct tk_tod_options {
    double peer_weight;    /* pseudo-events of the peer profile added to the user's (>= 0) */
    double uniform_weight; /* pseudo-events spread evenly over the 24 hours (> 0) */
    double bandwidth;      /* sigma of the circular Gaussian kernel, hours (>= 0; 0: none) */
    double min_expected;   /* pool hours until each pool expects this many events (> 0) */
    int g_test;            /* 0: Pearson chi-square; 1: G-test (likelihood ratio) */
} tk_tod_options;

/* Defaults: the peers count as 100 events, one event spread evenly, a
 * 1-hour kernel, pools expecting >= 5 events, Pearson's statistic. */
// clang-format off
#define TK_TOD_OPTIONS_INIT {100.0, 1.0, 1.0, 5.0, 0}
// clang-format on

typedef struct tk_tod_profile {
    double p[TK_TOD_HOURS]; /* P(an event falls in hour h); > 0, sums to 1 */
    double events;          /* the user's events in the window */
    double weight;          /* the user's share: events / (events + peer_weight) */
} tk_tod_profile;

typedef struct tk_tod_result {
    double p;             /* the day's p-value: min(1, 2 min(gof_p, hour_p_adj)) */
    double stat;          /* chi-square or G statistic over the pools */
    double df;            /* pools - 1 (0 when fewer than two pools) */
    double gof_p;         /* goodness of fit: P(chi2_df >= stat); 1 when df == 0 */
    size_t pools;         /* number of pools of hours */
    double total;         /* the day's events */
    size_t hour;          /* the most surprising hour, or TK_TOD_NO_HOUR */
    double hour_count;    /* its events */
    double hour_expected; /* total * p[hour] */
    double hour_p;        /* P(Bin(total, p[hour]) >= hour_count); 1 when no hour */
    double hour_p_adj;    /* min(1, 24 * hour_p): Bonferroni over the 24 hours */
} tk_tod_result;

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
 * below 2^32 in total) against prof (borrowed). A day with fewer events
 * than 2 * min_expected forms one pool: no goodness-of-fit test
 * (gof_p = 1), and only the most surprising hour speaks. Returns TK_OK or TK_EINVAL (a count not a
 * non-negative integer, a total of 2^32 or more, a profile that is not
 * positive, or a bad option). */
TK_MUST_CHECK int tk_tod_score(const tk_tod_profile *prof, const double *today,
                               const tk_tod_options *opt, tk_tod_result *out, tk_error *err);

#endif
