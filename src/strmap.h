/* src/strmap.h -- a hash map from byte strings to 64-bit integers.
 *
 * Used for dictionary encoding (value -> key in the store) and identity
 * resolution. Keys are copied into the map's own storage. Open addressing
 * with linear probing; grows at 1/2 load. Not thread-safe; a map that is no
 * longer modified can be read from several threads. */
#ifndef TK_STRMAP_H
#define TK_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "src/error.h"

typedef struct tk_strmap tk_strmap;

/* Creates an empty map. *out is owned: tk_strmap_destroy().
 * Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_strmap_create(tk_strmap **out, tk_error *err);

/* Frees m. Accepts NULL. */
void tk_strmap_destroy(tk_strmap *m);

/* Looks up len bytes at p. Returns a pointer to the stored value (borrowed,
 * valid until the next insertion) or NULL. */
int64_t *tk_strmap_get(const tk_strmap *m, const char *p, size_t len);

/* Inserts or overwrites key -> value. On success, if stored_key is not
 * NULL, *stored_key points at the map's NUL-terminated copy of the key
 * (stable for the map's lifetime). Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_strmap_put(tk_strmap *m, const char *p, size_t len, int64_t value,
                                const char **stored_key, tk_error *err);

/* Number of keys. */
size_t tk_strmap_size(const tk_strmap *m);

/* Calls fn for every entry (in no particular order). */
void tk_strmap_each(const tk_strmap *m,
                    void (*fn)(void *ctx, const char *key, size_t len, int64_t value), void *ctx);

/* The 64-bit FNV-1a-style hash used by the map, exposed for tests. */
uint64_t tk_strmap_hash(const char *p, size_t len);

#endif
