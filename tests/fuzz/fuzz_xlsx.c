/* tests/fuzz/fuzz_xlsx.c -- libFuzzer target for api/xlsx.h's reader.
 *
 * The input is a workbook. Whatever it holds, tk_xlsx_read() must return
 * TK_OK or a documented error with a message, never crash or leak, and a
 * book it returns must answer every cell query of its used range with
 * NUL-terminated text no longer than TK_XLSX_CELL_MAX; date cells are
 * parsed as the import parses them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tk_xlsx_book *b = NULL;
    tk_error err = {0, ""};
    const int rc = tk_xlsx_read(data, size, &b, &err);
    if (rc != TK_OK) {
        if (b != NULL || err.msg[0] == '\0' ||
            (rc != TK_EPARSE && rc != TK_ERANGE && rc != TK_ENOMEM))
            abort();
        return 0;
    }
    const char *const sheets[] = {TK_XLSX_SHEET_REQUESTS, TK_XLSX_SHEET_INFO};
    for (size_t s = 0; s < 2; s++) {
        size_t last = tk_xlsx_last_row(b, sheets[s]);
        if (last > 64)
            last = 64;
        for (size_t r = 1; r <= last; r++)
            for (size_t c = 0; c < TK_XLSX_COLS; c++) {
                int num = 0;
                const char *t = tk_xlsx_cell(b, sheets[s], r, c, &num);
                if (t == NULL)
                    continue;
                if (strlen(t) > TK_XLSX_CELL_MAX)
                    abort();
                int64_t day = 0;
                if (tk_xlsx_parse_date(t, num, tk_xlsx_date1904(b), &day, NULL) == TK_OK &&
                    (day < -25569 || day > 80000))
                    abort();
            }
    }
    tk_xlsx_book_destroy(b);
    return 0;
}
