/* src/selfcert.h -- a self-signed TLS certificate for localhost, made with
 * GnuTLS, for the demo service and local trials.
 *
 * tk_selfcert_ensure() keeps a key and a certificate in a directory:
 * DIR/localhost-key.pem (an ECDSA P-256 private key, PKCS #8) and
 * DIR/localhost-cert.pem (X.509 v3, subject CN=localhost, subject
 * alternative names DNS:localhost, IP:127.0.0.1 and IP:::1, CA:FALSE,
 * extended key usage serverAuth, signed by its own key with SHA-256,
 * valid TK_SELFCERT_DAYS days). Both files are written mode 0600 in a
 * directory created 0700. A pair that is still valid for at least
 * TK_SELFCERT_MIN_LEFT_S and whose key matches the certificate is reused;
 * anything else is replaced. No openssl command runs.
 *
 * Thread-safety: reentrant; two processes ensuring the same directory at
 * once may both write (each file is replaced atomically by rename). */
#ifndef TK_SELFCERT_H
#define TK_SELFCERT_H

#include <stddef.h>
#include <stdint.h>

#include "src/error.h"

/* Validity of a new certificate, and the least validity left for reuse. */
#define TK_SELFCERT_DAYS       30
#define TK_SELFCERT_MIN_LEFT_S (24 * 3600)

/* The colon-separated upper-case hex SHA-256 fingerprint, NUL included. */
#define TK_SELFCERT_FINGERPRINT_SIZE (32 * 3)

/* What tk_selfcert_ensure() made or found; transparent. */
typedef struct tk_selfcert_info {
    char cert_path[4096];
    char key_path[4096];
    char fingerprint[TK_SELFCERT_FINGERPRINT_SIZE]; /* SHA-256 of the DER certificate */
    int64_t not_after_s;                            /* expiry, Unix seconds */
    int reused;                                     /* 1: the files were valid and kept */
} tk_selfcert_info;

/* Makes sure dir (borrowed) holds a certificate for localhost valid at
 * now_s (Unix seconds; the caller's clock) for at least
 * TK_SELFCERT_MIN_LEFT_S more, with its key; makes a new pair otherwise.
 * Fills *out. Returns TK_OK, TK_EIO (the directory or a file cannot be
 * written; the message names the path) or TK_ECRYPTO (GnuTLS refused). */
TK_MUST_CHECK int tk_selfcert_ensure(const char *dir, int64_t now_s, tk_selfcert_info *out,
                                     tk_error *err);

#endif
