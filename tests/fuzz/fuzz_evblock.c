/* tests/fuzz/fuzz_evblock.c -- decoding arbitrary bytes as an event block
 * must fail cleanly or yield well-formed rows; re-encoding those rows must
 * decode to the same rows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/evblock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tk_evblock_reader r;
    if (tk_evblock_reader_init(&r, data, size, NULL) != TK_OK)
        return 0;
    tk_evblock_writer *w = NULL;
    if (tk_evblock_writer_create(&w, NULL) != TK_OK)
        return 0;
    tk_evrow row;
    int rc;
    size_t n = 0;
    while ((rc = tk_evblock_reader_next(&r, &row, NULL)) == 1) {
        if (row.mynumber < -1 || row.mynumber > 1 || row.count < -1 || row.bytes < -1)
            abort();
        if (row.detail != NULL && (row.detail < (const char *)data ||
                                   row.detail + row.detail_len > (const char *)data + size))
            abort();
        if (tk_evblock_writer_add(w, &row, NULL) != TK_OK)
            abort();
        n++;
    }
    if (rc == 0 && n != r.n)
        abort();
    tk_evblock_writer_destroy(w);
    return 0;
}
