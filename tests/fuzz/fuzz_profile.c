/* tests/fuzz/fuzz_profile.c -- loading a source profile from untrusted
 * bytes, then binding it and applying it to records taken from the input.
 *
 * The input is split at the first NUL byte: before it, the profile JSON;
 * after it, a small CSV whose first record is the header. A profile that
 * loads must bind or fail cleanly, and every record must map or fail
 * cleanly, with views that stay inside the record or the profile's own
 * buffers (ASan checks the reads). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/csv.h"
#include "src/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
    const char *p;
    size_t len;
};

static long mem_read(void *ctx, char *buf, size_t cap)
{
    struct mem *m = ctx;
    const size_t n = m->len < cap ? m->len : cap;
    memcpy(buf, m->p, n);
    m->p += n;
    m->len -= n;
    return (long)n;
}

static const char *resolve(void *ctx, int what, const char *p, size_t len, size_t *outlen)
{
    (void)ctx;
    if (what == TK_RESOLVE_STAFF && len > 0 && p[0] == 'c') {
        *outlen = len - 1;
        return p + 1;
    }
    return NULL;
}

static void touch(const tk_view *v)
{
    volatile char sink = 0;
    for (size_t i = 0; v->p != NULL && i < v->len; i++)
        sink = (char)(sink ^ v->p[i]);
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    const size_t jlen = nul ? (size_t)(nul - data) : size;
    tk_profile *p = NULL;
    if (tk_profile_parse(&p, (const char *)data, jlen, "fuzz", NULL) != TK_OK)
        return 0;
    if (nul == NULL) {
        tk_profile_destroy(p);
        return 0;
    }
    struct mem m = {(const char *)nul + 1, size - jlen - 1};
    tk_csv *csv = NULL;
    tk_csv_options co = TK_CSV_OPTIONS_INIT;
    co.buffer_size = 64;
    co.strict_field_count = 0;
    if (tk_csv_create(&csv, mem_read, &m, &co, NULL) != TK_OK) {
        tk_profile_destroy(p);
        return 0;
    }
    const tk_csv_field *f;
    size_t n;
    tk_profile_row *b = NULL;
    if (tk_csv_next(csv, &f, &n, NULL) == 1 &&
        tk_profile_bind(&b, p, tk_profile_has_header(p) ? (const tk_view *)f : NULL, n,
                        TK_ENC_ASCII, resolve, NULL, NULL) == TK_OK) {
        int rc;
        while ((rc = tk_csv_next(csv, &f, &n, NULL)) != 0) {
            if (rc < 0)
                continue;
            tk_event ev;
            size_t bad;
            if (tk_profile_row_apply(b, (const tk_view *)f, n, &ev, &bad, NULL) != TK_OK)
                continue;
            if (ev.op < 0 || ev.op >= TK_OP_COUNT_ || ev.system.p == NULL || ev.user.p == NULL)
                abort();
            touch(&ev.system);
            touch(&ev.user);
            touch(&ev.terminal);
            touch(&ev.function);
            touch(&ev.subject);
            touch(&ev.detail);
        }
    }
    tk_profile_row_destroy(b);
    tk_csv_destroy(csv);
    tk_profile_destroy(p);
    return 0;
}
