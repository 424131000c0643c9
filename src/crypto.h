/* src/crypto.h -- hashing, keyed pseudonyms and random bytes (GnuTLS).
 *
 * The primitives tenken relies on, all from the CRYPTREC list: SHA-256 for
 * file fingerprints and integrity chains, HMAC-SHA-256 for the per-tenant
 * resident pseudonyms, and the operating system's CSPRNG (through GnuTLS)
 * for keys. Plus the two helpers every caller of those needs: hex encoding
 * and a constant-time comparison.
 *
 * Owns nothing process-wide (GnuTLS initialises itself when loaded).
 * Thread-safety: the free functions are reentrant. A tk_crypto_sha256 or
 * tk_crypto_hmac is used by one thread at a time; give each thread its own
 * (tk_crypto_hmac_clone() copies a keyed HMAC without the key). */
#ifndef TK_CRYPTO_H
#define TK_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "src/error.h"

/* Bytes in a SHA-256 digest, an HMAC-SHA-256 tag and a pseudonym key. */
#define TK_CRYPTO_SHA256_SIZE 32
#define TK_CRYPTO_HMAC_SIZE   32
#define TK_CRYPTO_KEY_SIZE    32

/* Buffer size for the hex form of a digest, terminating NUL included. */
#define TK_CRYPTO_SHA256_HEX_SIZE (2 * TK_CRYPTO_SHA256_SIZE + 1)

/* A streaming SHA-256 computation. A small embedded value: the caller owns
 * the storage; tk_crypto_sha256_init() acquires the GnuTLS state and
 * tk_crypto_sha256_dispose() releases it. The member is private. */
typedef struct tk_crypto_sha256 {
    void *hd; /* gnutls_hash_hd_t */
} tk_crypto_sha256;

/* Prepares *h (borrowed) for a new digest.
 * Returns TK_OK or TK_ECRYPTO (GnuTLS refused, e.g. out of memory); on
 * failure *h needs no dispose but may be disposed. */
TK_MUST_CHECK int tk_crypto_sha256_init(tk_crypto_sha256 *h, tk_error *err);

/* Feeds len bytes at p (borrowed; may be NULL when len == 0).
 * Returns TK_OK or TK_ECRYPTO. */
TK_MUST_CHECK int tk_crypto_sha256_update(tk_crypto_sha256 *h, const void *p, size_t len,
                                          tk_error *err);

/* Writes the digest of everything fed since init (or the previous final) to
 * out (32 bytes, borrowed) and restarts h for a new message. Cannot fail. */
void tk_crypto_sha256_final(tk_crypto_sha256 *h, uint8_t out[TK_CRYPTO_SHA256_SIZE]);

/* Releases h's state. Accepts NULL and a zero-filled or failed-init h. */
void tk_crypto_sha256_dispose(tk_crypto_sha256 *h);

/* One-shot SHA-256 of p[0..len) into out. Returns TK_OK or TK_ECRYPTO. */
TK_MUST_CHECK int tk_crypto_sha256_once(const void *p, size_t len,
                                        uint8_t out[TK_CRYPTO_SHA256_SIZE], tk_error *err);

/* SHA-256 of the whole file at path (borrowed), read in 64 KiB blocks.
 * Returns TK_OK, TK_ENOTFOUND (no such file), TK_EIO (cannot open or read;
 * the message names the file) or TK_ECRYPTO. */
TK_MUST_CHECK int tk_crypto_sha256_file(const char *path, uint8_t out[TK_CRYPTO_SHA256_SIZE],
                                        tk_error *err);

/* A keyed HMAC-SHA-256, built once and applied to many short messages.
 * Opaque. The key itself is not kept: only the keyed inner and outer hash
 * states, so each tag costs two compression-function calls for a short
 * message and no allocation. */
typedef struct tk_crypto_hmac tk_crypto_hmac;

/* Keys a new HMAC with the 32 bytes at key (borrowed; the caller may wipe
 * it afterwards). On success *out is owned by the caller:
 * tk_crypto_hmac_destroy(). Returns TK_OK, TK_ENOMEM or TK_ECRYPTO. */
TK_MUST_CHECK int tk_crypto_hmac_create(tk_crypto_hmac **out, const uint8_t key[TK_CRYPTO_KEY_SIZE],
                                        tk_error *err);

/* A new HMAC with the same key as h (borrowed), for another thread. On
 * success *out is owned by the caller. Returns TK_OK, TK_ENOMEM or
 * TK_ECRYPTO. */
TK_MUST_CHECK int tk_crypto_hmac_clone(tk_crypto_hmac **out, const tk_crypto_hmac *h,
                                       tk_error *err);

/* Frees h and wipes its state. Accepts NULL. */
void tk_crypto_hmac_destroy(tk_crypto_hmac *h);

/* Tag of p[0..len) (borrowed) into out. h returns to its keyed state
 * afterwards, whatever happens. Returns TK_OK or TK_ECRYPTO. */
TK_MUST_CHECK int tk_crypto_hmac_sha256(tk_crypto_hmac *h, const void *p, size_t len,
                                        uint8_t out[TK_CRYPTO_HMAC_SIZE], tk_error *err);

/* Streaming form of the same: feed the message in pieces with _update, then
 * _final writes the tag and returns h to its keyed state. Between _update
 * calls h must not be used for anything else. */
TK_MUST_CHECK int tk_crypto_hmac_update(tk_crypto_hmac *h, const void *p, size_t len,
                                        tk_error *err);
void tk_crypto_hmac_final(tk_crypto_hmac *h, uint8_t out[TK_CRYPTO_HMAC_SIZE]);

/* One-shot HMAC-SHA-256 with a key of any length (for test vectors and
 * one-off tags). Returns TK_OK or TK_ECRYPTO. */
TK_MUST_CHECK int tk_crypto_hmac_sha256_once(const void *key, size_t key_len, const void *p,
                                             size_t len, uint8_t out[TK_CRYPTO_HMAC_SIZE],
                                             tk_error *err);

/* Fills out[0..len) with key-grade random bytes (GNUTLS_RND_KEY): use it for
 * keys and anything secret. Returns TK_OK or TK_ECRYPTO. */
TK_MUST_CHECK int tk_crypto_random_key(void *out, size_t len, tk_error *err);

/* Fills out[0..len) with nonce-grade random bytes (GNUTLS_RND_NONCE):
 * unpredictable and unique, for nonces and identifiers, not for keys.
 * Returns TK_OK or TK_ECRYPTO. */
TK_MUST_CHECK int tk_crypto_random_nonce(void *out, size_t len, tk_error *err);

/* 1 if a[0..len) equals b[0..len), else 0, in time that depends only on
 * len (never on where they differ). Both borrowed. */
int tk_crypto_equal(const void *a, const void *b, size_t len);

/* Overwrites p[0..len) with zeros in a way the compiler cannot elide. */
void tk_crypto_wipe(void *p, size_t len);

/* Writes the lower-case hex form of p[0..len) to out, which must hold
 * 2 * len + 1 bytes, terminating NUL included. Returns out. */
char *tk_crypto_hex(const void *p, size_t len, char *out);

/* Decodes hex (upper or lower case, even length, nothing else) at
 * p[0..len) (borrowed, untrusted) into out (cap bytes); *out_len receives
 * the number of bytes written. Returns TK_OK, TK_EPARSE (odd length or a
 * non-hex character; the message gives its position) or TK_ERANGE (cap
 * too small). */
TK_MUST_CHECK int tk_crypto_hex_decode(const char *p, size_t len, uint8_t *out, size_t cap,
                                       size_t *out_len, tk_error *err);

#endif
