/* tests/src/test_selfcert.c -- the self-signed localhost certificate: its
 * names, constraints and validity as GnuTLS reads them back, the files'
 * modes, reuse while valid and replacement when near expiry or broken. */
#define _POSIX_C_SOURCE 200809L

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "src/selfcert.h"
#include "tests/test.h"

static char dir[256];

static gnutls_x509_crt_t load(const char *path)
{
    gnutls_datum_t d = {NULL, 0};
    gnutls_x509_crt_t crt = NULL;
    if (gnutls_load_file(path, &d) < 0 || gnutls_x509_crt_init(&crt) < 0)
        return NULL;
    if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0) {
        gnutls_x509_crt_deinit(crt);
        crt = NULL;
    }
    gnutls_free(d.data);
    return crt;
}

static void test_new_certificate(void)
{
    tk_selfcert_info a;
    tk_error err = {0, ""};
    const int64_t now = (int64_t)time(NULL);
    TK_REQUIRE(tk_selfcert_ensure(dir, now, &a, &err) == TK_OK);
    TK_CHECK_INT(a.reused, 0);
    TK_CHECK_INT(strlen(a.fingerprint), 95);
    TK_CHECK_INT(a.not_after_s, now + TK_SELFCERT_DAYS * 86400);
    struct stat sb;
    TK_REQUIRE(stat(a.key_path, &sb) == 0);
    TK_CHECK_INT(sb.st_mode & 0777, 0600);
    TK_REQUIRE(stat(a.cert_path, &sb) == 0);
    TK_CHECK_INT(sb.st_mode & 0777, 0600);
    TK_REQUIRE(stat(dir, &sb) == 0);
    TK_CHECK_INT(sb.st_mode & 0777, 0700);

    gnutls_x509_crt_t crt = load(a.cert_path);
    TK_REQUIRE(crt != NULL);
    char cn[64];
    size_t n = sizeof cn;
    TK_CHECK(gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &n) == 0);
    TK_CHECK_STR(cn, "localhost");
    TK_CHECK(gnutls_x509_crt_check_hostname(crt, "localhost") != 0);
    TK_CHECK(gnutls_x509_crt_check_ip(crt, (const unsigned char *)"\x7f\0\0\1", 4, 0) != 0);
    static const unsigned char v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    TK_CHECK(gnutls_x509_crt_check_ip(crt, v6, 16, 0) != 0);
    TK_CHECK(gnutls_x509_crt_check_hostname(crt, "example.org") == 0);
    unsigned critical = 0, ca = 1;
    int pathlen = 0;
    TK_CHECK(gnutls_x509_crt_get_basic_constraints(crt, &critical, &ca, &pathlen) >= 0);
    TK_CHECK_INT(ca, 0);
    char oid[64];
    n = sizeof oid;
    TK_CHECK(gnutls_x509_crt_get_key_purpose_oid(crt, 0, oid, &n, NULL) == 0);
    TK_CHECK_STR(oid, GNUTLS_KP_TLS_WWW_SERVER);
    unsigned bits = 0;
    TK_CHECK_INT(gnutls_x509_crt_get_pk_algorithm(crt, &bits), GNUTLS_PK_ECDSA);
    TK_CHECK_INT(bits, 256);
    TK_CHECK_INT(gnutls_x509_crt_get_signature_algorithm(crt), GNUTLS_SIGN_ECDSA_SHA256);
    TK_CHECK((int64_t)gnutls_x509_crt_get_expiration_time(crt) == a.not_after_s);
    TK_CHECK((int64_t)gnutls_x509_crt_get_activation_time(crt) <= now);
    unsigned status = 1;
    TK_CHECK(gnutls_x509_crt_verify(crt, &crt, 1, 0, &status) == 0);
    TK_CHECK_INT(status, 0);
    gnutls_x509_crt_deinit(crt);
}

static void test_reuse_and_renewal(void)
{
    tk_selfcert_info a, b, c, d;
    tk_error err = {0, ""};
    const int64_t now = (int64_t)time(NULL);
    TK_REQUIRE(tk_selfcert_ensure(dir, now, &a, &err) == TK_OK);
    /* still valid well beyond a day: kept */
    TK_REQUIRE(tk_selfcert_ensure(dir, now + 86400, &b, &err) == TK_OK);
    TK_CHECK_INT(b.reused, 1);
    TK_CHECK_STR(b.fingerprint, a.fingerprint);
    TK_CHECK_INT(b.not_after_s, a.not_after_s);
    /* less than a day left: replaced */
    TK_REQUIRE(tk_selfcert_ensure(dir, a.not_after_s - 3600, &c, &err) == TK_OK);
    TK_CHECK_INT(c.reused, 0);
    TK_CHECK(strcmp(c.fingerprint, a.fingerprint) != 0);
    /* a key that is not the certificate's: replaced */
    tk_selfcert_info other;
    char odir[300];
    snprintf(odir, sizeof odir, "%s/other", dir);
    TK_REQUIRE(tk_selfcert_ensure(odir, now, &other, &err) == TK_OK);
    TK_REQUIRE(rename(other.key_path, c.key_path) == 0);
    TK_REQUIRE(tk_selfcert_ensure(dir, now, &d, &err) == TK_OK);
    TK_CHECK_INT(d.reused, 0);
    /* a truncated certificate: replaced */
    FILE *f = fopen(d.cert_path, "w");
    TK_REQUIRE(f != NULL);
    fputs("-----BEGIN CERTIFICATE-----\nMIIB\n", f);
    fclose(f);
    TK_REQUIRE(tk_selfcert_ensure(dir, now, &b, &err) == TK_OK);
    TK_CHECK_INT(b.reused, 0);
    TK_REQUIRE(tk_selfcert_ensure(dir, now, &c, &err) == TK_OK);
    TK_CHECK_INT(c.reused, 1);
}

static void test_unwritable(void)
{
    tk_selfcert_info a;
    tk_error err = {0, ""};
    TK_CHECK_INT(tk_selfcert_ensure("/proc/no/such/dir", 0, &a, &err), TK_EIO);
    TK_CHECK(strstr(err.msg, "cannot create /proc/no/such/dir") != NULL);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/selfcert.XXXXXX", tk_test_tmpdir());
    if (mkdtemp(dir) == NULL)
        return 1;
    strcat(dir, "/tls");
    TK_RUN(test_new_certificate);
    TK_RUN(test_reuse_and_renewal);
    TK_RUN(test_unwritable);
    TK_TEST_END();
}
