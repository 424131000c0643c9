/* src/selfcert.c -- a self-signed certificate for localhost (GnuTLS).
 *
 * Reuse is decided on what a TLS client would check: the certificate
 * parses, is already active, stays valid for TK_SELFCERT_MIN_LEFT_S more,
 * and the private key beside it is the one the certificate certifies
 * (equal key ids). Otherwise a new ECDSA P-256 key is generated from
 * GnuTLS's key-grade generator and a certificate is built for it: a
 * random positive 128-bit serial, activation one hour back (clock skew),
 * CN=localhost with DNS:localhost, IP:127.0.0.1 and IP:::1 as subject
 * alternative names (clients match names against the SAN, not the CN),
 * CA:FALSE and key usage digitalSignature with the serverAuth purpose, so
 * the certificate can only serve TLS and cannot sign others. Each file is
 * written to a temporary name opened 0600 and renamed over the old one,
 * the key before the certificate, so a reader never sees a key that the
 * certificate beside it does not match for long, and never a half file. */
#define _POSIX_C_SOURCE 200809L

#include "src/selfcert.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/crypto.h"

static int gnutls_fail(tk_error *err, const char *what, int g)
{
    return tk_error_set(err, TK_ECRYPTO, "cannot %s: %s", what, gnutls_strerror(g));
}

/* Writes d to path through path.tmp, mode 0600. */
static int write_file(const char *path, const gnutls_datum_t *d, tk_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return tk_error_set(err, TK_EIO, "cannot write %s: %s", tmp, strerror(errno));
    int ok = fchmod(fd, 0600) == 0;
    size_t done = 0;
    while (ok && done < d->size) {
        const ssize_t n = write(fd, d->data + done, d->size - done);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        if (ok)
            done += (size_t)n;
    }
    ok = ok && fsync(fd) == 0;
    const int saved = errno;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        const int e = ok ? errno : saved;
        unlink(tmp);
        return tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(e));
    }
    return TK_OK;
}

/* 1 if the key id of crt equals the one of key. */
static int same_key(gnutls_x509_crt_t crt, gnutls_x509_privkey_t key)
{
    unsigned char a[64], b[64];
    size_t na = sizeof a, nb = sizeof b;
    return gnutls_x509_crt_get_key_id(crt, 0, a, &na) == 0 &&
           gnutls_x509_privkey_get_key_id(key, 0, b, &nb) == 0 && na == nb && memcmp(a, b, na) == 0;
}

static int fingerprint(gnutls_x509_crt_t crt, tk_selfcert_info *out, tk_error *err)
{
    unsigned char fp[32];
    size_t n = sizeof fp;
    const int g = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &n);
    if (g < 0 || n != sizeof fp)
        return gnutls_fail(err, "compute the certificate's fingerprint", g);
    for (size_t i = 0; i < n; i++)
        snprintf(out->fingerprint + 3 * i, 4, "%02X%s", fp[i], i + 1 < n ? ":" : "");
    return TK_OK;
}

/* 1 if the files in out's paths are a pair to keep at now_s (and fills
 * the fingerprint and expiry); 0 otherwise. */
static int try_reuse(tk_selfcert_info *out, int64_t now_s)
{
    gnutls_datum_t c = {NULL, 0}, k = {NULL, 0};
    gnutls_x509_crt_t crt = NULL;
    gnutls_x509_privkey_t key = NULL;
    int keep = 0;
    if (gnutls_load_file(out->cert_path, &c) < 0 || gnutls_load_file(out->key_path, &k) < 0)
        goto done;
    if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_privkey_init(&key) < 0)
        goto done;
    if (gnutls_x509_crt_import(crt, &c, GNUTLS_X509_FMT_PEM) < 0 ||
        gnutls_x509_privkey_import(key, &k, GNUTLS_X509_FMT_PEM) < 0)
        goto done;
    const time_t from = gnutls_x509_crt_get_activation_time(crt);
    const time_t to = gnutls_x509_crt_get_expiration_time(crt);
    if (from == (time_t)-1 || to == (time_t)-1 || (int64_t)from > now_s ||
        (int64_t)to - now_s < TK_SELFCERT_MIN_LEFT_S || !same_key(crt, key))
        goto done;
    if (fingerprint(crt, out, NULL) != TK_OK)
        goto done;
    out->not_after_s = (int64_t)to;
    keep = 1;
done:
    gnutls_x509_privkey_deinit(key);
    gnutls_x509_crt_deinit(crt);
    gnutls_free(k.data);
    gnutls_free(c.data);
    return keep;
}

static int make_pair(tk_selfcert_info *out, int64_t now_s, tk_error *err)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t kpem = {NULL, 0}, cpem = {NULL, 0};
    static const unsigned char v4[4] = {127, 0, 0, 1};
    static const unsigned char v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    unsigned char serial[16];
    int rc = TK_OK, g;

    if ((g = gnutls_x509_privkey_init(&key)) < 0 || (g = gnutls_x509_crt_init(&crt)) < 0) {
        rc = gnutls_fail(err, "allocate a certificate", g);
        goto done;
    }
    g = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
    if (g < 0) {
        rc = gnutls_fail(err, "generate an ECDSA P-256 key", g);
        goto done;
    }
    rc = tk_crypto_random_nonce(serial, sizeof serial, err);
    if (rc != TK_OK)
        goto done;
    serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x01); /* positive, 16 bytes long */
    if ((g = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
        (g = gnutls_x509_crt_set_serial(crt, serial, sizeof serial)) < 0 ||
        (g = gnutls_x509_crt_set_activation_time(crt, (time_t)(now_s - 3600))) < 0 ||
        (g = gnutls_x509_crt_set_expiration_time(
             crt, (time_t)(now_s + (int64_t)TK_SELFCERT_DAYS * 86400))) < 0 ||
        (g = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", 9)) <
            0 ||
        (g = gnutls_x509_crt_set_key(crt, key)) < 0 ||
        (g = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
        (g = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
        (g = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 1)) < 0 ||
        (g = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                                  GNUTLS_FSAN_APPEND)) < 0 ||
        (g = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v4, sizeof v4,
                                                  GNUTLS_FSAN_APPEND)) < 0 ||
        (g = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, v6, sizeof v6,
                                                  GNUTLS_FSAN_APPEND)) < 0) {
        rc = gnutls_fail(err, "build the certificate", g);
        goto done;
    }
    unsigned char kid[64];
    size_t nkid = sizeof kid;
    if ((g = gnutls_x509_crt_get_key_id(crt, 0, kid, &nkid)) < 0 ||
        (g = gnutls_x509_crt_set_subject_key_id(crt, kid, nkid)) < 0 ||
        (g = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0) {
        rc = gnutls_fail(err, "sign the certificate", g);
        goto done;
    }
    if ((g = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                               &kpem)) < 0 ||
        (g = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem)) < 0) {
        rc = gnutls_fail(err, "encode the certificate", g);
        goto done;
    }
    rc = write_file(out->key_path, &kpem, err);
    if (rc == TK_OK)
        rc = write_file(out->cert_path, &cpem, err);
    if (rc == TK_OK)
        rc = fingerprint(crt, out, err);
    out->not_after_s = now_s + (int64_t)TK_SELFCERT_DAYS * 86400;
done:
    if (kpem.data != NULL) {
        memset(kpem.data, 0, kpem.size);
        gnutls_free(kpem.data);
    }
    gnutls_free(cpem.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    return rc;
}

int tk_selfcert_ensure(const char *dir, int64_t now_s, tk_selfcert_info *out, tk_error *err)
{
    memset(out, 0, sizeof *out);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return tk_error_set(err, TK_EIO, "cannot create %s: %s", dir, strerror(errno));
    const int n1 = snprintf(out->cert_path, sizeof out->cert_path, "%s/localhost-cert.pem", dir);
    const int n2 = snprintf(out->key_path, sizeof out->key_path, "%s/localhost-key.pem", dir);
    if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof out->cert_path ||
        (size_t)n2 >= sizeof out->key_path)
        return tk_error_set(err, TK_EIO, "the directory name %s is too long", dir);
    if (try_reuse(out, now_s)) {
        out->reused = 1;
        return TK_OK;
    }
    return make_pair(out, now_s, err);
}
