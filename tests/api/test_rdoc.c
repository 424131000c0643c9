/* tests/api/test_rdoc.c -- the report document tree and its HTML: a tree
 * full of hostile text comes out escaped everywhere (text, attributes,
 * the page-margin CSS), with the cover, the table of contents, chapters,
 * repeated table headers, severity tones, blank answer boxes and inline
 * charts, and nothing that refers to another file or host. */
#include "api/rdoc.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/svg.h"
#include "tests/test.h"

static const char evil[] = "<script>alert(\"x&y\")</script>' </style><img src=x>";

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* d written as HTML, read back into an owned string (NULL on failure). */
static char *render(const tk_rdoc *d)
{
    char path[512];
    snprintf(path, sizeof path, "%s/test_rdoc_%d.html", tk_test_tmpdir(), (int)getpid());
    FILE *f = fopen(path, "w+");
    if (!f)
        return NULL;
    tk_error err = {0, ""};
    if (tk_rdoc_write_html(d, f, &err) != TK_OK) {
        fprintf(stderr, "write_html: %s\n", err.msg);
        fclose(f);
        return NULL;
    }
    const long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    remove(path);
    return s;
}

static tk_rdoc *hostile_tree(void)
{
    tk_rdoc *d = NULL;
    if (tk_rdoc_create(&d, evil, "ja", NULL) != TK_OK)
        return NULL;
    const char *headers[] = {"No", evil, "重要度", "業務上の理由", "確認者"};
    const unsigned flags[] = {TK_RDOC_COL_NUM, TK_RDOC_COL_WIDE, TK_RDOC_COL_SEVERITY,
                              TK_RDOC_COL_BLANK, TK_RDOC_COL_BLANK};
    const char *row1[] = {"1", evil, "critical", "draft answer", NULL};
    const char *row2[] = {"2", "ふつう & 普通", "中", "", ""};
    const char *items[] = {evil, "二つ目"};
    const char *facts[] = {evil, evil, "期間", "2024-10-01..2024-11-30"};
    const char *cats[] = {evil, "b"};
    const double v[] = {3, 4};
    const tk_svg_series s[] = {{evil, v}};
    tk_svg_bars c = TK_SVG_BARS_INIT;
    char *svg = NULL;
    c.categories = cats;
    c.ncat = 2;
    c.series = s;
    c.nseries = 1;
    int rc = tk_svg_bars_draw(&c, &svg, NULL);
    rc |= tk_rdoc_set_cover(d, evil, evil, evil, NULL);
    rc |= tk_rdoc_cover_fact(d, evil, evil, NULL);
    rc |= tk_rdoc_heading(d, 1, "sec-1", evil, NULL);
    rc |= tk_rdoc_para(d, evil, NULL);
    rc |= tk_rdoc_heading(d, 2, NULL, "小見出し", NULL);
    rc |= tk_rdoc_note(d, TK_RDOC_ALERT, evil, NULL);
    rc |= tk_rdoc_list(d, items, 2, NULL);
    rc |= tk_rdoc_facts(d, facts, 2, NULL);
    rc |= tk_rdoc_heading(d, 1, "sec-2", "第2章", NULL);
    rc |= tk_rdoc_table(d, evil, 5, headers, flags, NULL);
    rc |= tk_rdoc_table_row(d, row1, NULL);
    rc |= tk_rdoc_table_row(d, row2, NULL);
    rc |= tk_rdoc_chart(d, evil, evil, svg ? svg : "<svg/>", 160, 70, NULL);
    rc |= tk_rdoc_chart(d, "unsafe", "代替テキスト",
                        "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x()</script></svg>", 100,
                        50, NULL);
    rc |=
        tk_rdoc_chart(d, "unsafe2", "代替テキスト2",
                      "<svg><rect onload =\"x()\" width=\"1\" height=\"1\"/></svg>", 100, 50, NULL);
    rc |= tk_rdoc_page_break(d, NULL);
    rc |= tk_rdoc_heading(d, 1, NULL, "第3章", NULL);
    free(svg);
    if (rc != TK_OK) {
        tk_rdoc_destroy(d);
        return NULL;
    }
    return d;
}

static void escaping(void)
{
    tk_rdoc *d = hostile_tree();
    TK_REQUIRE(d != NULL);
    char *h = render(d);
    TK_REQUIRE(h != NULL);
    /* The only <script> would be the hostile one: none is left raw. */
    TK_CHECK(count(h, "<script") == 0);
    TK_CHECK(count(h, "<img") == 0);
    TK_CHECK(count(h, "</style>") == 1); /* the style element's own end */
    TK_CHECK(count(h, "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;") >= 10);
    TK_CHECK(strstr(h, "ふつう &amp; 普通") != NULL);
    /* The page-margin strings are CSS-escaped: no quote or angle bracket. */
    const char *top = strstr(h, "@top-left{content:\"");
    TK_REQUIRE(top != NULL);
    top += strlen("@top-left{content:\"");
    TK_CHECK(strncmp(top, "\\3c script\\3e alert(\\22 x\\26 y\\22 )", 34) == 0);
    /* Self-contained: no address, no src, no external link. */
    TK_CHECK(strstr(h, "http:") == NULL && strstr(h, "https:") == NULL);
    TK_CHECK_INT(count(h, " src="),
                 count(h, "&lt;img src=x&gt;") + count(h, "\\3c img src=x\\3e "));
    TK_CHECK(strstr(h, "<link") == NULL);
    /* The draft answer is not printed: blank columns are empty boxes. */
    TK_CHECK(strstr(h, "draft answer") == NULL);
    TK_CHECK_INT(count(h, "<td class=\"blank\"></td>"), 4);
    TK_CHECK_INT(count(h, "<th scope=\"col\" class=\"blank\">"), 2);
    /* Unsafe charts are replaced by their alternative text. */
    TK_CHECK(strstr(h, "x()") == NULL);
    TK_CHECK(strstr(h, "<p>代替テキスト</p>") != NULL);
    TK_CHECK(strstr(h, "<p>代替テキスト2</p>") != NULL);
    free(h);
    tk_rdoc_destroy(d);
}

static void structure(void)
{
    tk_rdoc *d = hostile_tree();
    TK_REQUIRE(d != NULL);
    char *h = render(d);
    TK_REQUIRE(h != NULL);
    TK_CHECK(strncmp(h, "<!DOCTYPE html>\n<html lang=\"ja\">", 32) == 0);
    TK_CHECK(strstr(h, "<meta charset=\"utf-8\">") != NULL);
    TK_CHECK(strstr(h, "IPAexGothic,\"Noto Sans CJK JP\",\"Yu Gothic\",Meiryo,sans-serif") != NULL);
    TK_CHECK(strstr(h, "@page{size:A4;") != NULL);
    TK_CHECK(strstr(h, "thead{display:table-header-group}") != NULL);
    TK_CHECK(strstr(h, "tr{break-inside:avoid") != NULL);
    TK_CHECK_INT(count(h, "<section class=\"cover\">"), 1);
    /* Three chapters, each in the table of contents with its anchor. */
    TK_CHECK_INT(count(h, "<h1 class=\"chapter\""), 3);
    TK_CHECK(strstr(h, "<a href=\"#sec-1\">") != NULL);
    TK_CHECK(strstr(h, "<a href=\"#sec-2\">第2章</a>") != NULL);
    TK_CHECK(strstr(h, "<h1 class=\"chapter\" id=\"sec-2\">第2章</h1>") != NULL);
    /* An unnamed heading gets an anchor of its own, level 2 is nested. */
    TK_CHECK(strstr(h, "<ol>\n<li><a href=\"#h-2\">小見出し</a></li>") != NULL);
    TK_CHECK(strstr(h, "第3章</a>") != NULL);
    /* The cover is before the table of contents, which is before chapter 1. */
    const char *cover = strstr(h, "class=\"cover\""), *toc = strstr(h, "class=\"toc\""),
               *ch1 = strstr(h, "id=\"sec-1\"");
    TK_CHECK(cover && toc && ch1 && cover < toc && toc < ch1);
    TK_CHECK(strstr(h, "<td class=\"sev sev-critical\">critical</td>") != NULL);
    TK_CHECK(strstr(h, "<td class=\"sev sev-medium\">中</td>") != NULL);
    TK_CHECK(strstr(h, "<td class=\"num\">1</td>") != NULL);
    TK_CHECK(strstr(h, "<div class=\"note alert\">") != NULL);
    TK_CHECK(strstr(h, "<div class=\"pagebreak\"></div>") != NULL);
    /* The chart is inline, its namespace dropped, its size in mm. */
    TK_CHECK(strstr(h, "<figure class=\"chart\" style=\"width:160.0mm\">") != NULL);
    TK_CHECK_INT(count(h, "<svg width="), 1);
    TK_CHECK(strstr(h, "xmlns") == NULL);
    /* Tags balance for the elements the writer opens. */
    TK_CHECK_INT(count(h, "<table"), count(h, "</table>"));
    TK_CHECK_INT(count(h, "<tr>"), count(h, "</tr>"));
    TK_CHECK_INT(count(h, "<ol>"), count(h, "</ol>"));
    TK_CHECK_INT(count(h, "<li>"), count(h, "</li>"));
    TK_CHECK_INT(count(h, "<figure"), count(h, "</figure>"));
    free(h);
    tk_rdoc_destroy(d);
}

static void english_and_write_error(void)
{
    tk_rdoc *d = NULL;
    TK_REQUIRE(tk_rdoc_create(&d, "Report", "en", NULL) == TK_OK);
    char *h = render(d);
    TK_REQUIRE(h != NULL);
    TK_CHECK(strstr(h, "<html lang=\"en\">") != NULL);
    TK_CHECK(strstr(h, ">Contents</h1>") != NULL);
    free(h);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        tk_error err = {0, ""};
        TK_CHECK(tk_rdoc_write_html(d, full, &err) == TK_EIO);
        TK_CHECK(strstr(err.msg, "writing the report failed") != NULL);
        fclose(full);
    }
    tk_rdoc_destroy(d);
}

int main(void)
{
    TK_RUN(escaping);
    TK_RUN(structure);
    TK_RUN(english_and_write_error);
    TK_TEST_END();
}
