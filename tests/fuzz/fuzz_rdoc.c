/* tests/fuzz/fuzz_rdoc.c -- libFuzzer target for the report's HTML and
 * charts (api/rdoc.h, api/svg.h), whose text comes from logs, master data
 * and inspectors' comments.
 *
 * The input is split at newlines into strings that fill every text of a
 * document tree -- title, cover, headings, paragraphs, table cells of
 * every column kind, chart labels -- and the tree is written as HTML.
 * Nothing may crash, and no string may come out as markup: the HTML holds
 * no element the writer does not make (script, img, a second style), the
 * charts are exactly those added, and tk_svg_escape() leaves no character
 * that could open or close markup or an attribute. */
#include "api/rdoc.h"
#include "api/svg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x))                                                                                  \
            abort();                                                                               \
    } while (0)

#define NSTR 16

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static void check_escaped(const char *s)
{
    char *e = NULL;
    CHECK(tk_svg_escape(s, &e, NULL) == TK_OK);
    CHECK(strpbrk(e, "<>\"'") == NULL);
    for (const char *p = e; (p = strchr(p, '&')) != NULL; p++)
        CHECK(strncmp(p, "&amp;", 5) == 0 || strncmp(p, "&lt;", 4) == 0 ||
              strncmp(p, "&gt;", 4) == 0 || strncmp(p, "&quot;", 6) == 0 ||
              strncmp(p, "&#39;", 5) == 0);
    free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    const char *s[NSTR];
    size_t n = 0;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    /* Strings end at a newline (a NUL inside ends one early, as C text). */
    for (char *p = buf; n < NSTR;) {
        s[n++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    /* Too few lines: the strings repeat. */
    for (size_t i = n; i < NSTR; i++)
        s[i] = s[i % n];
    for (size_t i = 0; i < NSTR; i++)
        check_escaped(s[i]);

    tk_rdoc *d = NULL;
    CHECK(tk_rdoc_create(&d, s[0], s[1][0] == 'e' ? "en" : "ja", NULL) == TK_OK);
    const char *headers[] = {s[2], s[3], s[4], s[5], s[6]};
    const unsigned flags[] = {TK_RDOC_COL_NUM, TK_RDOC_COL_WIDE, TK_RDOC_COL_SEVERITY,
                              TK_RDOC_COL_BLANK, TK_RDOC_COL_NOWRAP};
    const char *row[] = {s[7], s[8], s[9], s[10], s[11]};
    const char *pairs[] = {s[12], s[13], s[14], s[15]};
    const double v[4] = {(double)size, 3, 0, 1e12};
    const tk_svg_series ser[2] = {{s[3], v}, {s[4], v}};
    tk_svg_bars b = TK_SVG_BARS_INIT;
    b.categories = &s[5];
    b.ncat = 4;
    b.series = ser;
    b.nseries = 2;
    b.unit = s[9];
    b.horizontal = size % 2 == 1;
    char *svg = NULL;
    CHECK(tk_svg_bars_draw(&b, &svg, NULL) == TK_OK);
    CHECK(strncmp(svg, "<svg ", 5) == 0 && count(svg, "<svg") == 1);
    CHECK(strstr(svg, "<script") == NULL);
    tk_svg_line l = TK_SVG_LINE_INIT;
    l.days = &s[2];
    l.n = 4;
    l.value = v;
    l.value_name = s[6];
    char *line = NULL;
    CHECK(tk_svg_line_draw(&l, &line, NULL) == TK_OK);

    CHECK(tk_rdoc_set_cover(d, s[1], s[2], s[3], NULL) == TK_OK);
    CHECK(tk_rdoc_cover_fact(d, s[4], s[5], NULL) == TK_OK);
    CHECK(tk_rdoc_heading(d, 1, s[6][0] ? s[6] : NULL, s[7], NULL) == TK_OK);
    CHECK(tk_rdoc_para(d, s[8], NULL) == TK_OK);
    CHECK(tk_rdoc_note(d, TK_RDOC_ALERT, s[9], NULL) == TK_OK);
    CHECK(tk_rdoc_list(d, &s[10], 3, NULL) == TK_OK);
    CHECK(tk_rdoc_facts(d, pairs, 2, NULL) == TK_OK);
    CHECK(tk_rdoc_heading(d, 2, NULL, s[11], NULL) == TK_OK);
    CHECK(tk_rdoc_table(d, s[12], 5, headers, flags, NULL) == TK_OK);
    CHECK(tk_rdoc_table_row(d, row, NULL) == TK_OK);
    CHECK(tk_rdoc_chart(d, s[13], s[14], svg, 170, 80, NULL) == TK_OK);
    CHECK(tk_rdoc_chart(d, s[15], s[0], line, 170, 80, NULL) == TK_OK);

    char *html = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&html, &len);
    CHECK(f != NULL);
    CHECK(tk_rdoc_write_html(d, f, NULL) == TK_OK);
    CHECK(fclose(f) == 0);
    CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    CHECK(strstr(html, "<script") == NULL && strstr(html, "<img") == NULL);
    CHECK(count(html, "<style>") == 1 && count(html, "</style>") == 1);
    CHECK(count(html, "<svg ") == 2 && count(html, "</svg>") == 2);
    CHECK(count(html, "<table") == count(html, "</table>"));
    free(html);
    free(svg);
    free(line);
    tk_rdoc_destroy(d);
    free(buf);
    return 0;
}
