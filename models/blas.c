/* models/blas.c -- BLAS threading, decided by tenken.
 *
 * OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded and starts that
 * many workers (one per core by default); openblas_set_num_threads() then
 * caps how many of them a call uses. The functions are OpenBLAS's own
 * extensions, declared here so that no second cblas.h (which would clash
 * with GSL's) is needed. */
#include "models/blas.h"

#include <assert.h>
#include <limits.h>
#include <stdlib.h>

/* OpenBLAS's working buffer (BUFFER_SIZE of the x86-64 builds, 128 MiB)
 * plus its alignment and guard. */
#define TK_BLAS_BUFFER (((size_t)128 << 20) + ((size_t)64 << 10))

extern void openblas_set_num_threads(int num_threads);
extern int openblas_get_num_threads(void);

void tk_blas_set_threads(size_t n)
{
    assert(n >= 1);
    openblas_set_num_threads(n > INT_MAX ? INT_MAX : (int)n);
}

size_t tk_blas_threads(void)
{
    const int n = openblas_get_num_threads();
    return n < 1 ? 1 : (size_t)n;
}

int tk_blas_ready(tk_error *err)
{
    void *p = malloc(TK_BLAS_BUFFER);
    if (p == NULL)
        return tk_error_set(err, TK_ENOMEM,
                            "out of memory: the linear algebra library needs %zu MB of address "
                            "space (is ulimit -v set too low?)",
                            TK_BLAS_BUFFER >> 20);
    free(p);
    return TK_OK;
}
