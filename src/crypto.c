/* src/crypto.c -- SHA-256, HMAC-SHA-256 and random bytes over GnuTLS.
 *
 * GnuTLS (backed by nettle) supplies every primitive; this file only adapts
 * its statuses to tk_error and shapes the calls for how tenken uses them.
 *
 * Pseudonyms are the hot path: ingestion computes one HMAC per event that
 * names a resident, millions per upload. HMAC(K, m) = H((K ^ opad) ||
 * H((K ^ ipad) || m)) (RFC 2104); the two key blocks never change, so a
 * tk_crypto_hmac keeps one GnuTLS handle keyed once. gnutls_hmac_output()
 * writes the tag and resets the handle to the state right after keying
 * (nettle's hmac_digest restores the saved inner state), so every further
 * tag costs exactly the hashing of the message plus two compression-function
 * calls, with no allocation and no re-keying. That was measured against
 * copying a keyed template with gnutls_hmac_copy() for each tag (one malloc
 * and free per call); the numbers are in the tests' benchmark output and
 * docs. The price is that a tk_crypto_hmac is mutable and so per-thread;
 * tk_crypto_hmac_clone() gives each thread its own copy without the raw key.
 *
 * Constant-time comparison ORs together the XOR of every byte pair through a
 * volatile accumulator, so the loop runs to the end regardless of where the
 * inputs differ. Wiping uses gnutls_memset(), which the compiler may not
 * optimise away. */
#include "src/crypto.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "src/alloc.h"

struct tk_crypto_hmac {
    gnutls_hmac_hd_t hd;
};

static int crypto_fail(tk_error *err, int grc, const char *what)
{
    return tk_error_set(err, TK_ECRYPTO, "%s failed: %s", what, gnutls_strerror(grc));
}

int tk_crypto_sha256_init(tk_crypto_sha256 *h, tk_error *err)
{
    gnutls_hash_hd_t hd = NULL;
    const int grc = gnutls_hash_init(&hd, GNUTLS_DIG_SHA256);

    h->hd = NULL;
    if (grc < 0)
        return crypto_fail(err, grc, "sha-256 init");
    h->hd = hd;
    return TK_OK;
}

int tk_crypto_sha256_update(tk_crypto_sha256 *h, const void *p, size_t len, tk_error *err)
{
    if (len == 0)
        return TK_OK;
    const int grc = gnutls_hash((gnutls_hash_hd_t)h->hd, p, len);
    if (grc < 0)
        return crypto_fail(err, grc, "sha-256 update");
    return TK_OK;
}

void tk_crypto_sha256_final(tk_crypto_sha256 *h, uint8_t out[TK_CRYPTO_SHA256_SIZE])
{
    gnutls_hash_output((gnutls_hash_hd_t)h->hd, out);
}

void tk_crypto_sha256_dispose(tk_crypto_sha256 *h)
{
    if (h == NULL || h->hd == NULL)
        return;
    gnutls_hash_deinit((gnutls_hash_hd_t)h->hd, NULL);
    h->hd = NULL;
}

int tk_crypto_sha256_once(const void *p, size_t len, uint8_t out[TK_CRYPTO_SHA256_SIZE],
                          tk_error *err)
{
    /* gnutls_hash_fast() rejects a NULL pointer even with len 0. */
    static const uint8_t empty[1] = {0};
    const int grc = gnutls_hash_fast(GNUTLS_DIG_SHA256, len ? p : empty, len, out);
    if (grc < 0)
        return crypto_fail(err, grc, "sha-256");
    return TK_OK;
}

int tk_crypto_sha256_file(const char *path, uint8_t out[TK_CRYPTO_SHA256_SIZE], tk_error *err)
{
    tk_crypto_sha256 h = {NULL};
    uint8_t *buf = NULL;
    FILE *f = NULL;
    const size_t cap = 65536;
    int rc;

    f = fopen(path, "rb");
    if (f == NULL) {
        rc = tk_error_set(err, errno == ENOENT ? TK_ENOTFOUND : TK_EIO, "cannot open %s: %s", path,
                          strerror(errno));
        goto done;
    }
    buf = tk_alloc(cap);
    if (buf == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory hashing %s", path);
        goto done;
    }
    rc = tk_crypto_sha256_init(&h, err);
    if (rc != TK_OK)
        goto done;
    for (;;) {
        const size_t n = fread(buf, 1, cap, f);
        rc = tk_crypto_sha256_update(&h, buf, n, err);
        if (rc != TK_OK)
            goto done;
        if (n < cap)
            break;
    }
    if (ferror(f)) {
        rc = tk_error_set(err, TK_EIO, "cannot read %s", path);
        goto done;
    }
    tk_crypto_sha256_final(&h, out);
done:
    tk_crypto_sha256_dispose(&h);
    tk_free(buf);
    if (f != NULL)
        fclose(f);
    return rc;
}

int tk_crypto_hmac_create(tk_crypto_hmac **out, const uint8_t key[TK_CRYPTO_KEY_SIZE],
                          tk_error *err)
{
    tk_crypto_hmac *h = NULL;
    int rc = TK_OK;

    *out = NULL;
    h = tk_calloc(1, sizeof *h);
    if (h == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory creating hmac");
    const int grc = gnutls_hmac_init(&h->hd, GNUTLS_MAC_SHA256, key, TK_CRYPTO_KEY_SIZE);
    if (grc < 0) {
        h->hd = NULL;
        rc = crypto_fail(err, grc, "hmac-sha-256 init");
        goto done;
    }
    *out = h;
    h = NULL;
done:
    tk_crypto_hmac_destroy(h);
    return rc;
}

int tk_crypto_hmac_clone(tk_crypto_hmac **out, const tk_crypto_hmac *h, tk_error *err)
{
    tk_crypto_hmac *c = NULL;
    int rc = TK_OK;

    *out = NULL;
    c = tk_calloc(1, sizeof *c);
    if (c == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory cloning hmac");
    /* h is in its keyed state between tags, so the copy is too. */
    c->hd = gnutls_hmac_copy(h->hd);
    if (c->hd == NULL) {
        rc = tk_error_set(err, TK_ECRYPTO, "hmac-sha-256 copy failed");
        goto done;
    }
    *out = c;
    c = NULL;
done:
    tk_crypto_hmac_destroy(c);
    return rc;
}

void tk_crypto_hmac_destroy(tk_crypto_hmac *h)
{
    if (h == NULL)
        return;
    if (h->hd != NULL) {
        /* deinit zeroes nettle's context (key blocks included) before freeing. */
        gnutls_hmac_deinit(h->hd, NULL);
    }
    tk_free(h);
}

int tk_crypto_hmac_update(tk_crypto_hmac *h, const void *p, size_t len, tk_error *err)
{
    if (len == 0)
        return TK_OK;
    const int grc = gnutls_hmac(h->hd, p, len);
    if (grc < 0)
        return crypto_fail(err, grc, "hmac-sha-256 update");
    return TK_OK;
}

void tk_crypto_hmac_final(tk_crypto_hmac *h, uint8_t out[TK_CRYPTO_HMAC_SIZE])
{
    gnutls_hmac_output(h->hd, out);
}

int tk_crypto_hmac_sha256(tk_crypto_hmac *h, const void *p, size_t len,
                          uint8_t out[TK_CRYPTO_HMAC_SIZE], tk_error *err)
{
    const int rc = tk_crypto_hmac_update(h, p, len, err);
    /* Output even on failure: it is what resets h to its keyed state. */
    tk_crypto_hmac_final(h, out);
    if (rc != TK_OK)
        tk_crypto_wipe(out, TK_CRYPTO_HMAC_SIZE);
    return rc;
}

int tk_crypto_hmac_sha256_once(const void *key, size_t key_len, const void *p, size_t len,
                               uint8_t out[TK_CRYPTO_HMAC_SIZE], tk_error *err)
{
    static const uint8_t empty[1] = {0};
    const int grc = gnutls_hmac_fast(GNUTLS_MAC_SHA256, key_len ? key : empty, key_len,
                                     len ? p : empty, len, out);
    if (grc < 0)
        return crypto_fail(err, grc, "hmac-sha-256");
    return TK_OK;
}

int tk_crypto_random_key(void *out, size_t len, tk_error *err)
{
    if (len == 0)
        return TK_OK;
    const int grc = gnutls_rnd(GNUTLS_RND_KEY, out, len);
    if (grc < 0)
        return crypto_fail(err, grc, "random key generation");
    return TK_OK;
}

int tk_crypto_random_nonce(void *out, size_t len, tk_error *err)
{
    if (len == 0)
        return TK_OK;
    const int grc = gnutls_rnd(GNUTLS_RND_NONCE, out, len);
    if (grc < 0)
        return crypto_fail(err, grc, "random nonce generation");
    return TK_OK;
}

int tk_crypto_equal(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a;
    const volatile uint8_t *y = b;
    volatile uint8_t acc = 0;

    for (size_t i = 0; i < len; i++)
        acc = (uint8_t)(acc | (x[i] ^ y[i]));
    return acc == 0;
}

void tk_crypto_wipe(void *p, size_t len)
{
    if (p != NULL && len > 0)
        gnutls_memset(p, 0, len);
}

char *tk_crypto_hex(const void *p, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *b = p;

    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 0x0f];
    }
    out[2 * len] = '\0';
    return out;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int tk_crypto_hex_decode(const char *p, size_t len, uint8_t *out, size_t cap, size_t *out_len,
                         tk_error *err)
{
    *out_len = 0;
    if (len % 2 != 0)
        return tk_error_set(err, TK_EPARSE, "hex string has odd length %zu", len);
    if (len / 2 > cap)
        return tk_error_set(err, TK_ERANGE, "hex string of %zu bytes does not fit in %zu", len / 2,
                            cap);
    for (size_t i = 0; i < len; i += 2) {
        const int hi = hex_value(p[i]);
        const int lo = hex_value(p[i + 1]);
        if (hi < 0 || lo < 0)
            return tk_error_set(err, TK_EPARSE, "invalid hex digit at position %zu",
                                (hi < 0 ? i : i + 1) + 1);
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = len / 2;
    return TK_OK;
}
