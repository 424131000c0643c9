/* src/alloc.h -- the allocator every module uses.
 *
 * Thin wrappers over malloc/realloc/free. Builds with TK_TESTING defined can
 * make the n-th allocation fail (tk_alloc_fail_at) so tests can drive every
 * constructor through each of its failure paths. The failure counter is the
 * one piece of process-wide mutable state in tenken; it exists only in test
 * builds and is atomic (threads may allocate at once; a test that injects a
 * failure should allocate on one thread). */
#ifndef TK_ALLOC_H
#define TK_ALLOC_H

#include <stddef.h>

/* Returns n bytes or NULL. The result is owned by the caller: tk_free(). */
void *tk_alloc(size_t n);
/* Returns n zeroed bytes (count * size, overflow-checked) or NULL. */
void *tk_calloc(size_t count, size_t size);
/* Resizes p (may be NULL) to n bytes; on failure returns NULL and p is intact. */
void *tk_realloc(void *p, size_t n);
/* Returns n bytes or NULL, like tk_alloc(), for a large table read at
 * random (a hash table of millions of entries): from 4 MiB on, the block is
 * aligned to 2 MiB and the kernel is asked to back it with huge pages
 * (Linux, transparent huge pages in "madvise" mode), which spares a TLB
 * miss on nearly every lookup. Freed with tk_free(). */
void *tk_alloc_large(size_t n);
/* Copies len bytes of s and a terminating NUL; NULL on failure. */
char *tk_strndup(const char *s, size_t len);
/* Frees p. Accepts NULL. */
void tk_free(void *p);

#ifdef TK_TESTING
/* From now on, the n-th call (1-based) of tk_alloc/tk_calloc/tk_realloc/
 * tk_strndup fails; n == 0 disables injection. Returns nothing. */
void tk_alloc_fail_at(unsigned long n);
/* Number of allocation calls since the last tk_alloc_fail_at(). */
unsigned long tk_alloc_calls(void);
#endif

#endif
