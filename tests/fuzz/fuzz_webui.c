/* tests/fuzz/fuzz_webui.c -- libFuzzer target for the lookup of a web UI
 * file by the name a request gives (api/webui.h): any bytes, and the
 * answer is NULL or the entry whose name is exactly those bytes. */
#include "api/webui.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const tk_webui_entry *e = tk_webui_find((const char *)data, size);
    if (e != NULL && (strlen(e->name) != size || memcmp(e->name, data, size) != 0)) {
        fprintf(stderr, "fuzz_webui: found %s for another name\n", e->name);
        abort();
    }
    return 0;
}
