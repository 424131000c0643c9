/* tests/fuzz/fuzz_request.c -- libFuzzer target for the service's request
 * parsing (api/server.h): query-argument decoding and checking, anomaly
 * ids, counts, JSON bodies and the Content-Type test.
 *
 * The first byte selects the parser (byte % 5), the rest is the input.
 * Nothing may crash, and every answer must be consistent: a decoded
 * argument is never longer than its text, an accepted argument holds no
 * control character, an accepted id prints back as the same text, an
 * accepted count is within its bound, an accepted body is one object, and
 * a refusal fills the error record with the code returned. */
#include "api/server.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            fprintf(stderr, "fuzz_request: %s failed at line %d\n", #x, __LINE__);                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const unsigned which = data[0] % 5u;
    const char *p = (const char *)data + 1;
    const size_t len = size - 1;
    tk_error err = {0};
    int rc;
    switch (which) {
    case 0: { /* unescape, then check, as the server does for each argument */
        char *s = malloc(len + 1);
        if (s == NULL)
            return 0;
        memcpy(s, p, len);
        s[len] = '\0';
        const size_t in = strlen(s);
        const size_t out = tk_server_unescape(s);
        CHECK(out <= in && strlen(s) == out);
        rc = tk_server_check_arg(s, out, &err);
        if (rc == TK_OK) {
            CHECK(out <= TK_SERVER_ARG_MAX);
            for (size_t i = 0; i < out; i++)
                CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
        } else {
            CHECK(rc == TK_EINVAL && err.code == rc && err.msg[0] != '\0');
        }
        free(s);
        break;
    }
    case 1: {
        int64_t run = 0, rank = 0;
        rc = tk_server_parse_item_id(p, len, &run, &rank, &err);
        if (rc == TK_OK) {
            char back[48];
            const int n = snprintf(back, sizeof back, "%lld-%lld", (long long)run, (long long)rank);
            CHECK(run > 0 && rank > 0 && (size_t)n == len && memcmp(back, p, len) == 0);
        } else {
            CHECK(rc == TK_EINVAL && err.code == rc);
        }
        break;
    }
    case 2: {
        uint64_t v = 0;
        rc = tk_server_parse_count(p, len, 1000, &v, &err);
        CHECK(rc == TK_OK ? v >= 1 && v <= 1000 : rc == TK_EINVAL && err.code == rc);
        break;
    }
    case 3: {
        json_t *j = NULL;
        rc = tk_server_parse_body(p, len, &j, &err);
        CHECK(rc == TK_OK ? json_is_object(j) : rc == TK_EPARSE && err.code == rc && j == NULL);
        json_decref(j);
        break;
    }
    default:
        (void)tk_server_is_json_type(p, len);
        break;
    }
    return 0;
}
