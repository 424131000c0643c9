/* tests/fuzz/fuzz_rulecat.c -- the per-tenant rule configuration, from
 * untrusted bytes.
 *
 * A document either parses or fails with TK_EPARSE / TK_EINVAL and a
 * one-line message, never anything else. A configuration that parses is
 * written back out and parsed again, which must give the same document
 * (every value the parser accepted is one the writer can express), and the
 * catalogue export with its values must succeed. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/rulecat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tk_rulecat_config *c = NULL, *d = NULL;
    tk_error err = {0, ""};
    const int rc = tk_rulecat_config_parse(&c, (const char *)data, size, &err);
    if (rc != TK_OK) {
        assert(c == NULL);
        assert(rc == TK_EPARSE || rc == TK_EINVAL || rc == TK_ENOMEM);
        assert(err.code == rc && strchr(err.msg, '\n') == NULL);
        return 0;
    }
    char *a = NULL, *b = NULL, *x = NULL;
    if (tk_rulecat_config_json(c, &a, &err) == TK_OK) {
        const int rc2 = tk_rulecat_config_parse(&d, a, strlen(a), &err);
        assert(rc2 == TK_OK || rc2 == TK_ENOMEM);
        if (rc2 == TK_OK && tk_rulecat_config_json(d, &b, &err) == TK_OK)
            assert(strcmp(a, b) == 0);
    }
    if (tk_rulecat_export_json(c, &x, &err) == TK_OK)
        assert(x != NULL && x[0] == '{');
    free(a);
    free(b);
    free(x);
    tk_rulecat_config_destroy(c);
    tk_rulecat_config_destroy(d);
    return 0;
}
