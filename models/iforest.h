/* models/iforest.h -- isolation forest (Liu, Ting & Zhou 2008, 2012).
 *
 * An isolation forest scores how easy a point is to separate from the rest
 * by random axis-parallel cuts: anomalies are few and different, so they
 * end up alone after few cuts. tk_iforest_create() grows `trees` random
 * trees, each on `sample_size` rows drawn without replacement, and
 * tk_iforest_score() turns the average depth at which a row lands into
 * s(x) = 2^(-E[h(x)] / c(psi)), a number in (0, 1]: near 1 for points that
 * are isolated at once, about 0.5 and below for ordinary points.
 *
 * Columns that are constant over all training rows are never used for a
 * split (so they cannot affect any score); a column that is constant only
 * within a branch is still drawn there, as in the papers, and then
 * isolates at once a scored row with a smaller value in it.
 *
 * Input is a row-major array of doubles (n rows of d features; row i,
 * feature j at x[i * d + j]); every value must be finite. The forest owns
 * its trees (flat arrays, one allocation) and keeps no pointer to the
 * training data.
 *
 * Results depend only on the data and the options' seed, never on the
 * number of threads. Thread-safety: a fitted forest is immutable; any
 * number of threads may score with it at the same time. Fitting and
 * scoring may themselves use `threads` POSIX threads, which they join
 * before returning. */
#ifndef TK_IFOREST_H
#define TK_IFOREST_H

#include <stddef.h>

#include "src/error.h"

typedef struct tk_iforest tk_iforest;

typedef struct tk_iforest_options {
    size_t trees;       /* t, number of trees (>= 1) */
    size_t sample_size; /* psi, rows per tree (>= 2); min(psi, n) is used */
    unsigned long seed; /* seeds the Mersenne Twister of every tree */
    size_t threads;     /* worker threads for fitting and scoring; 0: online CPUs */
} tk_iforest_options;

/* The papers' defaults: 100 trees of 256 rows; seed 1; as many threads as
 * CPUs. The height limit is ceil(log2(psi)), as in the papers. */
// clang-format off
#define TK_IFOREST_OPTIONS_INIT {100, 256, 1, 0}
// clang-format on

/* Fits a forest to x (n rows of d features, borrowed for the call). opt is
 * borrowed for the call; NULL means TK_IFOREST_OPTIONS_INIT. Fitting
 * reserves 24 bytes per possible node, trees * (2 psi - 1) to
 * trees * (4 psi - 1) of them (1.2 MB with the defaults), and keeps the
 * nodes actually grown; plus n bits per thread when psi < n. On success
 * *out is an owned result: tk_iforest_destroy(); on failure *out is NULL.
 * Returns
 *   TK_OK;
 *   TK_EINVAL  n < 2, d == 0, trees == 0, sample_size < 2, or a value of x
 *              is NaN or infinite (the message gives its 1-based row and
 *              column);
 *   TK_ERANGE  n >= 2^32, or the forest's size overflows;
 *   TK_ENOMEM. */
TK_MUST_CHECK int tk_iforest_create(tk_iforest **out, const double *x, size_t n, size_t d,
                                    const tk_iforest_options *opt, tk_error *err);

/* Frees f. Accepts NULL. */
void tk_iforest_destroy(tk_iforest *f);

/* Scores n rows of x (d = tk_iforest_features(f) values each, borrowed)
 * into scores[0..n) (borrowed, written): s(x) in (0, 1], higher is more
 * anomalous. Returns TK_OK, or TK_EINVAL when a value of x is NaN or
 * infinite (message with its 1-based row and column; scores is then
 * unspecified). n may be 0. */
TK_MUST_CHECK int tk_iforest_score(const tk_iforest *f, const double *x, size_t n, double *scores,
                                   tk_error *err);

/* Like tk_iforest_score() but writes E[h(x)], the path length averaged
 * over the trees (depth of the external node plus c(size) of its sample),
 * into lengths[0..n). Smaller is more anomalous. */
TK_MUST_CHECK int tk_iforest_path_lengths(const tk_iforest *f, const double *x, size_t n,
                                          double *lengths, tk_error *err);

/* c(n), the average path length of an unsuccessful binary-search-tree
 * search among n points, which normalises path lengths: 0 for n <= 1, 1 for
 * n == 2, else 2 H(n - 1) - 2 (n - 1) / n with H(i) = ln(i) + 0.5772156649. */
double tk_iforest_c(size_t n);

size_t tk_iforest_features(const tk_iforest *f);
size_t tk_iforest_trees(const tk_iforest *f);
/* The sample size used: min(psi, n). */
size_t tk_iforest_sample_size(const tk_iforest *f);
/* The height limit: ceil(log2(tk_iforest_sample_size(f))). */
size_t tk_iforest_height_limit(const tk_iforest *f);
/* Nodes of all trees together (internal and external). */
size_t tk_iforest_nodes(const tk_iforest *f);

#endif
