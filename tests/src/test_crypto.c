/* tests/src/test_crypto.c -- SHA-256 and HMAC-SHA-256 against published
 * vectors (FIPS 180-2 appendix B, RFC 4231), plus hex, compare and the
 * pseudonym hot path's throughput. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "src/alloc.h"
#include "src/crypto.h"
#include "tests/test.h"

static void check_hex(const uint8_t *d, size_t n, const char *want)
{
    char hex[2 * 64 + 1];
    TK_REQUIRE(n <= 64);
    tk_crypto_hex(d, n, hex);
    TK_CHECK_STR(hex, want);
}

static void test_sha256_vectors(void)
{
    uint8_t d[TK_CRYPTO_SHA256_SIZE];
    tk_error err;

    TK_CHECK_INT(tk_crypto_sha256_once("abc", 3, d, &err), TK_OK);
    check_hex(d, sizeof d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    TK_CHECK_INT(tk_crypto_sha256_once(m2, strlen(m2), d, &err), TK_OK);
    check_hex(d, sizeof d, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    TK_CHECK_INT(tk_crypto_sha256_once(NULL, 0, d, &err), TK_OK);
    check_hex(d, sizeof d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_sha256_streaming(void)
{
    tk_crypto_sha256 h;
    uint8_t d[TK_CRYPTO_SHA256_SIZE];
    char block[1000];
    tk_error err;

    memset(block, 'a', sizeof block);
    TK_REQUIRE(tk_crypto_sha256_init(&h, &err) == TK_OK);
    /* FIPS 180-2 B.3: one million 'a', fed in uneven pieces. */
    size_t left = 1000000;
    for (size_t step = 1; left > 0; step = step % 997 + 7) {
        size_t n = step < left ? step : left;
        if (n > sizeof block)
            n = sizeof block;
        TK_CHECK_INT(tk_crypto_sha256_update(&h, block, n, &err), TK_OK);
        left -= n;
    }
    tk_crypto_sha256_final(&h, d);
    check_hex(d, sizeof d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    /* final restarts the computation. */
    TK_CHECK_INT(tk_crypto_sha256_update(&h, "ab", 2, &err), TK_OK);
    TK_CHECK_INT(tk_crypto_sha256_update(&h, "c", 1, &err), TK_OK);
    tk_crypto_sha256_final(&h, d);
    check_hex(d, sizeof d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    tk_crypto_sha256_dispose(&h);
    tk_crypto_sha256_dispose(&h);
    tk_crypto_sha256_dispose(NULL);
}

static void test_sha256_file(void)
{
    char path[512];
    uint8_t d[TK_CRYPTO_SHA256_SIZE];
    tk_error err;

    mkdir(tk_test_tmpdir(), 0755);
    snprintf(path, sizeof path, "%s/crypto-sha-file.txt", tk_test_tmpdir());
    FILE *f = fopen(path, "wb");
    TK_REQUIRE(f != NULL);
    for (int i = 0; i < 1000; i++)
        fputs("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaa",
              f);
    for (int i = 0; i < 9000; i++)
        fputs("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaaaa"
              "aaaaaaaaaaaaaaa",
              f);
    fclose(f);
    TK_CHECK_INT(tk_crypto_sha256_file(path, d, &err), TK_OK);
    check_hex(d, sizeof d, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    remove(path);
    TK_CHECK_INT(tk_crypto_sha256_file(path, d, &err), TK_ENOTFOUND);
    TK_CHECK(strstr(err.msg, "crypto-sha-file.txt") != NULL);
}

struct hmac_case {
    const char *key_hex;
    size_t key_repeat; /* key_hex repeated this many times */
    const char *data;
    size_t data_len;
    const char *want;
};

static void test_hmac_rfc4231(void)
{
    static const char dd[] = "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
                             "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd"
                             "\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd\xdd";
    static const char cd[] = "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
                             "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd"
                             "\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd\xcd";
    static const char t6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    static const char t7[] = "This is a test using a larger than block-size key and a larger than "
                             "block-size data. The key needs to be hashed before being used by the "
                             "HMAC algorithm.";
    const struct hmac_case cases[] = {
        /* 1 */ {"0b", 20, "Hi There", 8,
                 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        /* 2 */
        {"4a656665", 1, "what do ya want for nothing?", 28,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        /* 3 */
        {"aa", 20, dd, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        /* 4 */
        {"0102030405060708090a0b0c0d0e0f10111213141516171819", 1, cd, 50,
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        /* 6 */
        {"aa", 131, t6, sizeof t6 - 1,
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        /* 7 */
        {"aa", 131, t7, sizeof t7 - 1,
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t unit[64], key[256], tag[TK_CRYPTO_HMAC_SIZE];
        size_t n = 0, klen = 0;
        tk_error err;
        TK_REQUIRE(tk_crypto_hex_decode(cases[i].key_hex, strlen(cases[i].key_hex), unit,
                                        sizeof unit, &n, &err) == TK_OK);
        for (size_t r = 0; r < cases[i].key_repeat; r++) {
            memcpy(key + klen, unit, n);
            klen += n;
        }
        TK_CHECK_INT(
            tk_crypto_hmac_sha256_once(key, klen, cases[i].data, cases[i].data_len, tag, &err),
            TK_OK);
        check_hex(tag, sizeof tag, cases[i].want);
    }
}

/* Tags from Python's hmac module with key bytes 0x00..0x1f. */
static void test_hmac_keyed_object(void)
{
    uint8_t key[TK_CRYPTO_KEY_SIZE], tag[TK_CRYPTO_HMAC_SIZE], tag2[TK_CRYPTO_HMAC_SIZE];
    tk_crypto_hmac *h = NULL, *c = NULL;
    tk_error err;

    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)i;
    TK_REQUIRE(tk_crypto_hmac_create(&h, key, &err) == TK_OK);
    for (int round = 0; round < 3; round++) {
        TK_CHECK_INT(tk_crypto_hmac_sha256(h, "012345678901", 12, tag, &err), TK_OK);
        check_hex(tag, sizeof tag,
                  "d9ab5da1cf681d32510a65b0f46dcca8e835ed875f347a98b90134bce71bf415");
        TK_CHECK_INT(tk_crypto_hmac_sha256(h, NULL, 0, tag, &err), TK_OK);
        check_hex(tag, sizeof tag,
                  "d38b42096d80f45f826b44a9d5607de72496a415d3f4a1a8c88e3bb9da8dc1cb");
    }
    /* Streaming gives the same tag. */
    TK_CHECK_INT(tk_crypto_hmac_update(h, "0123", 4, &err), TK_OK);
    TK_CHECK_INT(tk_crypto_hmac_update(h, "45678901", 8, &err), TK_OK);
    tk_crypto_hmac_final(h, tag2);
    check_hex(tag2, sizeof tag2,
              "d9ab5da1cf681d32510a65b0f46dcca8e835ed875f347a98b90134bce71bf415");
    /* A clone carries the key. */
    TK_REQUIRE(tk_crypto_hmac_clone(&c, h, &err) == TK_OK);
    TK_CHECK_INT(tk_crypto_hmac_sha256(c, "012345678901", 12, tag, &err), TK_OK);
    TK_CHECK(memcmp(tag, tag2, sizeof tag) == 0);
    tk_crypto_hmac_destroy(c);
    tk_crypto_hmac_destroy(h);
    tk_crypto_hmac_destroy(NULL);
}

static void test_hmac_alloc_failure(void)
{
    uint8_t key[TK_CRYPTO_KEY_SIZE] = {1};
    tk_crypto_hmac *h = NULL;
    tk_error err;
    int rc = TK_ENOMEM;

    for (unsigned long n = 1; rc != TK_OK && n < 100; n++) {
        tk_alloc_fail_at(n);
        rc = tk_crypto_hmac_create(&h, key, &err);
        if (rc != TK_OK)
            TK_CHECK(h == NULL);
    }
    tk_alloc_fail_at(0);
    TK_CHECK_INT(rc, TK_OK);
    tk_crypto_hmac_destroy(h);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Not a pass/fail check: prints the pseudonym rate so a regression shows in
 * the test log. A 12-digit 宛名番号 is the typical message. */
static void test_hmac_throughput(void)
{
    uint8_t key[TK_CRYPTO_KEY_SIZE], tag[TK_CRYPTO_HMAC_SIZE];
    tk_crypto_hmac *h = NULL;
    char id[16];
    tk_error err;
    const long n = 300000;

    TK_REQUIRE(tk_crypto_random_key(key, sizeof key, &err) == TK_OK);
    TK_REQUIRE(tk_crypto_hmac_create(&h, key, &err) == TK_OK);
    const double t0 = now_seconds();
    uint8_t acc = 0;
    for (long i = 0; i < n; i++) {
        snprintf(id, sizeof id, "%012ld", 100000000000L + i);
        if (tk_crypto_hmac_sha256(h, id, 12, tag, &err) != TK_OK)
            break;
        acc = (uint8_t)(acc ^ tag[0]);
    }
    const double dt = now_seconds() - t0;
    printf("hmac-sha-256 of 12-byte ids: %.0f calls/s (%ld calls, %.3f s, x=%u)\n", (double)n / dt,
           n, dt, acc);
    tk_crypto_hmac_destroy(h);
}

static void test_random(void)
{
    uint8_t a[32], b[32];
    tk_error err;

    TK_CHECK_INT(tk_crypto_random_key(a, sizeof a, &err), TK_OK);
    TK_CHECK_INT(tk_crypto_random_key(b, sizeof b, &err), TK_OK);
    TK_CHECK(memcmp(a, b, sizeof a) != 0);
    TK_CHECK_INT(tk_crypto_random_nonce(a, sizeof a, &err), TK_OK);
    TK_CHECK(memcmp(a, b, sizeof a) != 0);
    TK_CHECK_INT(tk_crypto_random_key(a, 0, &err), TK_OK);
}

static void test_equal_wipe_hex(void)
{
    uint8_t a[5] = {1, 2, 3, 4, 5}, b[5] = {1, 2, 3, 4, 5}, out[4];
    char hex[11];
    size_t n = 99;
    tk_error err;

    TK_CHECK(tk_crypto_equal(a, b, 5));
    b[4] = 6;
    TK_CHECK(!tk_crypto_equal(a, b, 5));
    TK_CHECK(tk_crypto_equal(a, b, 4));
    b[0] = 0;
    TK_CHECK(!tk_crypto_equal(a, b, 5));
    TK_CHECK(tk_crypto_equal(a, b, 0));
    tk_crypto_wipe(a, sizeof a);
    TK_CHECK(a[0] == 0 && a[4] == 0);

    const uint8_t bytes[5] = {0x00, 0x0f, 0xa0, 0xff, 0x5c};
    TK_CHECK_STR(tk_crypto_hex(bytes, 5, hex), "000fa0ff5c");
    TK_CHECK_STR(tk_crypto_hex(bytes, 0, hex), "");
    TK_CHECK_INT(tk_crypto_hex_decode("00fFa0", 6, out, sizeof out, &n, &err), TK_OK);
    TK_CHECK_INT(n, 3);
    TK_CHECK(out[0] == 0 && out[1] == 0xff && out[2] == 0xa0);
    TK_CHECK_INT(tk_crypto_hex_decode("abc", 3, out, sizeof out, &n, &err), TK_EPARSE);
    TK_CHECK_INT(tk_crypto_hex_decode("abxd", 4, out, sizeof out, &n, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "invalid hex digit at position 3");
    TK_CHECK_INT(tk_crypto_hex_decode("0011223344", 10, out, sizeof out, &n, &err), TK_ERANGE);
}

int main(void)
{
    TK_RUN(test_sha256_vectors);
    TK_RUN(test_sha256_streaming);
    TK_RUN(test_sha256_file);
    TK_RUN(test_hmac_rfc4231);
    TK_RUN(test_hmac_keyed_object);
    TK_RUN(test_hmac_alloc_failure);
    TK_RUN(test_hmac_throughput);
    TK_RUN(test_random);
    TK_RUN(test_equal_wipe_hex);
    TK_TEST_END();
}
