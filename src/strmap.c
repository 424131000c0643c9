/* src/strmap.c -- open-addressing string map.
 *
 * A slot is 32 bytes: a tag, the value and the key. Keys of up to 16 bytes
 * (ids, account names, most dictionary values) are stored inline, zero-
 * padded, so a lookup touches one slot and compares two words; longer keys
 * live in large chunks (pointers stay stable as the table grows) and the
 * slot holds their address and length. The tag is the key's hash with its
 * low byte replaced by the key length (255 for long keys), so a probe
 * rejects nearly every non-matching slot without touching the key. Empty
 * slots have tag 0, which no key produces (the hash is forced odd above the
 * low byte).
 *
 * The hash is a 64-bit multiply-xorshift over 8-byte words: dictionary
 * values are short, so the loop is a handful of iterations. */
#include "src/strmap.h"

#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"

#define INLINE_MAX 16

struct slot {
    uint64_t tag; /* 0 = empty */
    int64_t value;
    union {
        char inl[INLINE_MAX]; /* len <= INLINE_MAX, zero-padded */
        struct {
            const char *ptr;
            size_t len;
        } ext;
    } k;
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

static uint64_t make_tag(uint64_t h, size_t len)
{
    return ((h | 0x100) & ~(uint64_t)0xFF) | (len <= INLINE_MAX ? len : 0xFF);
}

static int slot_matches(const struct slot *s, uint64_t tag, const char *p, size_t len,
                        const char *padded)
{
    if (s->tag != tag)
        return 0;
    if (len <= INLINE_MAX)
        return memcmp(s->k.inl, padded, INLINE_MAX) == 0;
    return s->k.ext.len == len && memcmp(s->k.ext.ptr, p, len) == 0;
}

static struct slot *find(const tk_strmap *m, const char *p, size_t len, uint64_t tag)
{
    char padded[INLINE_MAX] = {0};
    if (len <= INLINE_MAX && len > 0)
        memcpy(padded, p, len);
    size_t i = (size_t)(tag >> 8) & (m->cap - 1);
    for (;;) {
        struct slot *s = &m->slots[i];
        if (s->tag == 0 || slot_matches(s, tag, p, len, padded))
            return s;
        i = (i + 1) & (m->cap - 1);
    }
}

static const char *slot_key(const struct slot *s)
{
    return (s->tag & 0xFF) == 0xFF ? s->k.ext.ptr : s->k.inl;
}

static size_t slot_len(const struct slot *s)
{
    return (s->tag & 0xFF) == 0xFF ? s->k.ext.len : (size_t)(s->tag & 0xFF);
}

int64_t *tk_strmap_get(const tk_strmap *m, const char *p, size_t len)
{
    struct slot *s = find(m, p, len, make_tag(tk_strmap_hash(p, len), len));
    return s->tag ? &s->value : NULL;
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
        if (s->tag == 0)
            continue;
        size_t j = (size_t)(s->tag >> 8) & (ncap - 1);
        while (ns[j].tag != 0)
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
    const uint64_t tag = make_tag(tk_strmap_hash(p, len), len);
    struct slot *s = find(m, p, len, tag);
    if (s->tag == 0) {
        if ((m->size + 1) * 2 > m->cap) {
            if (!grow(m))
                return tk_error_set(err, TK_ENOMEM, "out of memory growing a map");
            s = find(m, p, len, tag);
        }
        if (len > INLINE_MAX || stored_key != NULL) {
            /* Callers that keep the key need a NUL-terminated copy that
             * does not move when the table grows. */
            const char *k = store_key(m, p, len);
            if (k == NULL)
                return tk_error_set(err, TK_ENOMEM, "out of memory storing a map key");
            if (len > INLINE_MAX) {
                s->k.ext.ptr = k;
                s->k.ext.len = len;
            }
            if (stored_key)
                *stored_key = k;
        }
        if (len <= INLINE_MAX) {
            memset(s->k.inl, 0, INLINE_MAX);
            if (len > 0)
                memcpy(s->k.inl, p, len);
        }
        s->tag = tag;
        m->size++;
    } else if (stored_key != NULL) {
        const char *k = store_key(m, p, len);
        if (k == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory storing a map key");
        *stored_key = k;
    }
    s->value = value;
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
        if (m->slots[i].tag != 0)
            fn(ctx, slot_key(&m->slots[i]), slot_len(&m->slots[i]), m->slots[i].value);
    }
}
