/* tests/fuzz/fuzz_pdf.c -- libFuzzer target for api/pdf.
 *
 * The report text comes from logs (user names, terminals, free text), so
 * the PDF writer must lay out any bytes. The input is read as lines: the
 * first byte gives a table's column count (1..6) and the next ones its
 * column flags; then each line becomes a block by its prefix ("H1:" to
 * "H3:" a heading, "P:" a paragraph, "N:" a note of the tone of the next
 * byte, "L:" a list item, "S:" an SVG chart, "B:" a page break, "T:" a new
 * table) or else the next cell of the current table. Nothing may crash or
 * fail, and the output is always one whole PDF file. */
#include "api/pdf.h"
#include "api/rdoc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

typedef struct out {
    unsigned char head[8], tail[8];
    size_t n;
} out;

static int sink(void *closure, const unsigned char *data, size_t len)
{
    out *o = closure;
    for (size_t i = 0; i < len; i++) {
        if (o->n < sizeof o->head)
            o->head[o->n] = data[i];
        memmove(o->tail, o->tail + 1, sizeof o->tail - 1);
        o->tail[sizeof o->tail - 1] = data[i];
        o->n++;
    }
    return 0;
}

/* fontconfig leaks a few hundred bytes parsing its configuration, once per
 * process; the leak checker is told so, and still sees everything else. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

static const char *const HEADERS[] = {"列1", "列2", "列3", "列4", "列5", "列6"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tk_rdoc *d = NULL;
    tk_pdf_options o = TK_PDF_OPTIONS_INIT;
    unsigned flags[6] = {0};
    const char *cells[6];
    char *copy, *save = NULL;
    size_t ncols, nc = 0, pos;
    int in_table = 0;
    out res = {{0}, {0}, 0};

    static int registered;

    if (!registered) {
        /* The font caches live from one input to the next and are freed
         * at the end, before the leak check. */
        atexit(tk_pdf_release);
        registered = 1;
    }
    if (size < 1 || size > 65536)
        return 0;
    ncols = 1 + data[0] % 6;
    for (size_t c = 0; c < ncols; c++)
        flags[c] = 1 + c < size ? (unsigned)(data[1 + c] & 31) : 0;
    pos = 1 + ncols < size ? 1 + ncols : size;
    copy = malloc(size - pos + 1);
    CHECK(copy);
    memcpy(copy, data + pos, size - pos);
    copy[size - pos] = '\0';
    CHECK(tk_rdoc_create(&d, "ファズ", "ja", NULL) == TK_OK);
    CHECK(tk_rdoc_set_cover(d, "副題", "取扱注意", "フッター", NULL) == TK_OK);
    for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        int rc = TK_OK;
        if (strncmp(ln, "H", 1) == 0 && ln[1] >= '1' && ln[1] <= '3' && ln[2] == ':') {
            rc = tk_rdoc_heading(d, ln[1] - '0', NULL, ln + 3, NULL);
            in_table = 0;
        } else if (strncmp(ln, "P:", 2) == 0) {
            rc = tk_rdoc_para(d, ln + 2, NULL);
            in_table = 0;
        } else if (strncmp(ln, "N:", 2) == 0) {
            rc =
                tk_rdoc_note(d, (tk_rdoc_tone)(ln[2] ? (unsigned char)ln[2] % 4 : 0), ln + 2, NULL);
            in_table = 0;
        } else if (strncmp(ln, "L:", 2) == 0) {
            const char *item = ln + 2;
            rc = tk_rdoc_list(d, &item, 1, NULL);
            in_table = 0;
        } else if (strncmp(ln, "S:", 2) == 0) {
            rc = tk_rdoc_chart(d, "図", "説明", ln + 2, 80, 40, NULL);
            in_table = 0;
        } else if (strncmp(ln, "B:", 2) == 0) {
            rc = tk_rdoc_page_break(d, NULL);
            in_table = 0;
        } else {
            if (!in_table || strncmp(ln, "T:", 2) == 0) {
                rc = tk_rdoc_table(d, "表", ncols, HEADERS, flags, NULL);
                in_table = 1;
                nc = 0;
            }
            cells[nc++] = ln;
            if (nc == ncols) {
                CHECK(tk_rdoc_table_row(d, cells, NULL) == TK_OK);
                nc = 0;
            }
        }
        CHECK(rc == TK_OK);
    }
    o.created = 1727740800;
    CHECK(tk_pdf_write_to(d, sink, &res, &o, NULL) == TK_OK);
    CHECK(res.n > 100);
    CHECK(memcmp(res.head, "%PDF-", 5) == 0);
    CHECK(memcmp(res.tail + 2, "%%EOF\n", 6) == 0);
    tk_rdoc_destroy(d);
    free(copy);
    return 0;
}
