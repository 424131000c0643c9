/* src/strmap.c -- open-addressing string map.
 *
 * Slots hold the key's hash, a pointer to the key bytes (kept in large
 * chunks so that pointers stay stable as the table grows) and the value.
 * The hash is a 64-bit multiply-xorshift over 8-byte words: dictionary
 * values are short (ids, names), so the loop is a handful of iterations. */
#include "src/strmap.h"

#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"

struct slot {
    uint64_t hash;
    const char *key; /* NULL = empty */
    size_t len;
    int64_t value;
};

struct chunk {
    struct chunk *next;
    size_t used;
    size_t cap;
    char data[];
};

struct tk_strmap {
    struct slot *slots;
    size_t cap; /* power of two */
    size_t size;
    struct chunk *chunks;
};

#define CHUNK_SIZE ((size_t)64 * 1024)

uint64_t tk_strmap_hash(const char *p, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t)len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9u;
        h ^= h >> 31;
    }
    uint64_t w = 0;
    memcpy(&w, p + i, len - i);
    h = (h ^ w) * 0x94D049BB133111EBu;
    h ^= h >> 29;
    return h ? h : 1;
}

int tk_strmap_create(tk_strmap **out, tk_error *err)
{
    *out = NULL;
    tk_strmap *m = tk_calloc(1, sizeof *m);
    if (m == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory creating a map");
    m->cap = 64;
    m->slots = tk_calloc(m->cap, sizeof *m->slots);
    if (m->slots == NULL) {
        tk_free(m);
        return tk_error_set(err, TK_ENOMEM, "out of memory creating a map");
    }
    *out = m;
    return TK_OK;
}

void tk_strmap_destroy(tk_strmap *m)
{
    if (m == NULL)
        return;
    struct chunk *c = m->chunks;
    while (c != NULL) {
        struct chunk *n = c->next;
        tk_free(c);
        c = n;
    }
    tk_free(m->slots);
    tk_free(m);
}

static struct slot *find(const tk_strmap *m, const char *p, size_t len, uint64_t h)
{
    size_t i = (size_t)h & (m->cap - 1);
    for (;;) {
        struct slot *s = &m->slots[i];
        if (s->key == NULL || (s->hash == h && s->len == len && memcmp(s->key, p, len) == 0))
            return s;
        i = (i + 1) & (m->cap - 1);
    }
}

int64_t *tk_strmap_get(const tk_strmap *m, const char *p, size_t len)
{
    struct slot *s = find(m, p, len, tk_strmap_hash(p, len));
    return s->key ? &s->value : NULL;
}

static int grow(tk_strmap *m)
{
    size_t ncap;
    if (!tk_mul_size(m->cap, 2, &ncap))
        return 0;
    struct slot *ns = tk_calloc(ncap, sizeof *ns);
    if (ns == NULL)
        return 0;
    for (size_t i = 0; i < m->cap; i++) {
        const struct slot *s = &m->slots[i];
        if (s->key == NULL)
            continue;
        size_t j = (size_t)s->hash & (ncap - 1);
        while (ns[j].key != NULL)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    tk_free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return 1;
}

static const char *store_key(tk_strmap *m, const char *p, size_t len)
{
    struct chunk *c = m->chunks;
    if (c == NULL || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;
        size_t total;
        if (!tk_add_size(sizeof *c, cap, &total))
            return NULL;
        c = tk_alloc(total);
        if (c == NULL)
            return NULL;
        c->cap = cap;
        c->used = 0;
        c->next = m->chunks;
        m->chunks = c;
    }
    char *k = c->data + c->used;
    memcpy(k, p, len);
    k[len] = '\0';
    c->used += len + 1;
    return k;
}

int tk_strmap_put(tk_strmap *m, const char *p, size_t len, int64_t value, const char **stored_key,
                  tk_error *err)
{
    const uint64_t h = tk_strmap_hash(p, len);
    struct slot *s = find(m, p, len, h);
    if (s->key != NULL) {
        s->value = value;
        if (stored_key)
            *stored_key = s->key;
        return TK_OK;
    }
    if ((m->size + 1) * 2 > m->cap) {
        if (!grow(m))
            return tk_error_set(err, TK_ENOMEM, "out of memory growing a map");
        s = find(m, p, len, h);
    }
    const char *k = store_key(m, p, len);
    if (k == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory storing a map key");
    s->hash = h;
    s->key = k;
    s->len = len;
    s->value = value;
    m->size++;
    if (stored_key)
        *stored_key = k;
    return TK_OK;
}

size_t tk_strmap_size(const tk_strmap *m)
{
    return m->size;
}

void tk_strmap_each(const tk_strmap *m,
                    void (*fn)(void *ctx, const char *key, size_t len, int64_t value), void *ctx)
{
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key != NULL)
            fn(ctx, m->slots[i].key, m->slots[i].len, m->slots[i].value);
    }
}
