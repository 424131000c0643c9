/* src/alloc.c -- allocation wrappers with optional failure injection.
 *
 * In test builds (TK_TESTING) a counter lets a test make exactly one chosen
 * allocation fail, which is how constructors are checked to free what they
 * allocated before failing (run under AddressSanitizer). */
#include "src/alloc.h"

#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#ifdef TK_TESTING
#include <stdatomic.h>

/* Atomic so that threads allocating at once (the analysis's workers) do
 * not race on them; a test that injects a failure counts on one thread. */
static atomic_ulong fail_at;
static atomic_ulong calls;

void tk_alloc_fail_at(unsigned long n)
{
    atomic_store(&fail_at, n);
    atomic_store(&calls, 0);
}

unsigned long tk_alloc_calls(void)
{
    return atomic_load(&calls);
}

static int should_fail(void)
{
    const unsigned long n = atomic_fetch_add(&calls, 1) + 1;
    const unsigned long at = atomic_load(&fail_at);
    return at != 0 && n == at;
}
#else
static int should_fail(void)
{
    return 0;
}
#endif

void *tk_alloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n == 0 ? 1 : n);
}

void *tk_alloc_large(size_t n)
{
    enum { HUGE = 2u << 20 };
    if (n < 2 * HUGE)
        return tk_alloc(n);
    if (should_fail())
        return NULL;
    void *p = NULL;
    if (posix_memalign(&p, HUGE, n) != 0)
        return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    (void)madvise(p, n - n % HUGE, MADV_HUGEPAGE); /* a hint: no error if refused */
#endif
    return p;
}

void *tk_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    if (count == 0 || size == 0)
        return calloc(1, 1);
    return calloc(count, size);
}

void *tk_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n == 0 ? 1 : n);
}

char *tk_strndup(const char *s, size_t len)
{
    if (should_fail())
        return NULL;
    char *d = malloc(len + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void tk_free(void *p)
{
    free(p);
}
