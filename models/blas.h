/* models/blas.h -- how many threads BLAS and LAPACK may use inside tenken.
 *
 * tenken runs its own worker threads (the feature pass, the rule checks,
 * the isolation forest's trees), so BLAS threads nested inside them only
 * compete for the same cores, and OpenBLAS's own workers synchronise in a
 * way that race detectors cannot follow. The process therefore decides its
 * BLAS threading itself, in code, instead of leaving it to the environment
 * (OPENBLAS_NUM_THREADS) that a user would have to know about.
 *
 * Not thread-safe: OpenBLAS keeps the number in a global, so it is set once
 * during start-up, before any thread of tenken's starts (api/main.c). */
#ifndef TK_BLAS_H
#define TK_BLAS_H

#include <stddef.h>

#include "src/error.h"

/* The number of BLAS threads tenken uses: one, because every caller of
 * BLAS runs inside one of tenken's own workers or beside them. */
#define TK_BLAS_THREADS 1

/* Makes BLAS and LAPACK calls use n threads (n >= 1). */
void tk_blas_set_threads(size_t n);

/* The number of threads BLAS calls use now. */
size_t tk_blas_threads(void);

/* Checks that a BLAS call can get its working buffer. OpenBLAS allocates
 * one of about 128 MB of address space at its first level-3 call
 * and, when the allocation fails (under `ulimit -v`), retries forever
 * instead of failing; callers check first so that they fail with a
 * message instead. Cheap: the memory is reserved, never touched.
 * Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_blas_ready(tk_error *err);

#endif
