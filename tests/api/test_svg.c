/* tests/api/test_svg.c -- the SVG charts: every chart parses back as XML
 * (expat), its text is escaped, ticks are nice steps whatever the
 * magnitude, and a chart without data says so. */
#include "api/svg.h"

#include <expat.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test.h"

/* What the parse of a chart found. */
typedef struct seen {
    int root_svg;    /* the root element is <svg> with a viewBox */
    size_t texts;    /* <text> elements */
    size_t rects;    /* <rect> elements */
    char text[8192]; /* the character data of every <text>, '|'-separated */
    int in_text;
} seen;

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    seen *s = ud;
    if (strcmp(name, "http://www.w3.org/2000/svg|svg") == 0) {
        for (size_t i = 0; atts[i]; i += 2)
            if (strcmp(atts[i], "viewBox") == 0)
                s->root_svg = 1;
    } else if (strcmp(name, "http://www.w3.org/2000/svg|text") == 0) {
        s->texts++;
        s->in_text = 1;
        strncat(s->text, "|", sizeof s->text - strlen(s->text) - 1);
    } else if (strcmp(name, "http://www.w3.org/2000/svg|rect") == 0) {
        s->rects++;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    seen *s = ud;
    if (strcmp(name, "http://www.w3.org/2000/svg|text") == 0)
        s->in_text = 0;
}

static void XMLCALL on_chars(void *ud, const XML_Char *p, int len)
{
    seen *s = ud;
    const size_t have = strlen(s->text);
    if (s->in_text && len > 0 && have + (size_t)len + 1 < sizeof s->text) {
        memcpy(s->text + have, p, (size_t)len);
        s->text[have + (size_t)len] = '\0';
    }
}

/* Parses svg with expat; 1 when well-formed. Prints the error otherwise. */
static int parse(const char *svg, seen *s)
{
    memset(s, 0, sizeof *s);
    XML_Parser p = XML_ParserCreateNS("UTF-8", '|');
    XML_SetUserData(p, s);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_chars);
    const int ok = XML_Parse(p, svg, (int)strlen(svg), 1) == XML_STATUS_OK;
    if (!ok)
        fprintf(stderr, "expat: %s at line %lu col %lu in:\n%.400s\n",
                XML_ErrorString(XML_GetErrorCode(p)), XML_GetCurrentLineNumber(p),
                XML_GetCurrentColumnNumber(p), svg);
    XML_ParserFree(p);
    return ok;
}

static const char *const hostile = "<script>alert('x')</script> & \"q\" \x01 \xff end";

static void bars_grouped_and_escaped(void)
{
    const char *cats[] = {"10/01", "10/02", hostile, "住民情報系"};
    const double a[] = {3, 5.5, 0, 12}, bb[] = {1, NAN, -4, 2};
    const tk_svg_series s[] = {{"照会", a}, {hostile, bb}};
    tk_svg_bars c = TK_SVG_BARS_INIT;
    char *svg = NULL;
    seen sn;
    c.categories = cats;
    c.ncat = 4;
    c.series = s;
    c.nseries = 2;
    c.unit = "件";
    TK_REQUIRE(tk_svg_bars_draw(&c, &svg, NULL) == TK_OK);
    TK_CHECK(parse(svg, &sn));
    TK_CHECK(sn.root_svg);
    TK_CHECK(strstr(svg, "<script") == NULL);
    TK_CHECK(strstr(svg, "&lt;script&gt;") != NULL);
    TK_CHECK(strstr(svg, "&amp;") != NULL);
    /* The hostile label comes back as text, its invalid bytes replaced. */
    TK_CHECK(strstr(svg, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; "
                         "\xEF\xBF\xBD \xEF\xBF\xBD end") != NULL);
    TK_CHECK(strstr(sn.text, "<script>alert('x')</script> & \"q\"") != NULL);
    TK_CHECK(strstr(sn.text, "照会") != NULL);
    TK_CHECK(strstr(sn.text, "住民情報系") != NULL);
    TK_CHECK(strstr(svg, "IPAexGothic,sans-serif") != NULL);
    TK_CHECK(strstr(svg, "データなし") == NULL);
    /* Ticks 0, 5, 10, 15 (max 12: about 5 intervals, rounded up to 5). */
    TK_CHECK(strstr(sn.text, "|10|15|") != NULL);
    free(svg);

    c.stacked = 1;
    TK_REQUIRE(tk_svg_bars_draw(&c, &svg, NULL) == TK_OK);
    TK_CHECK(parse(svg, &sn));
    free(svg);
    c.horizontal = 1;
    TK_REQUIRE(tk_svg_bars_draw(&c, &svg, NULL) == TK_OK);
    TK_CHECK(parse(svg, &sn));
    TK_CHECK(sn.rects >= 4);
    free(svg);
}

static void empty_data(void)
{
    tk_svg_bars c = TK_SVG_BARS_INIT;
    char *svg = NULL;
    seen sn;
    TK_REQUIRE(tk_svg_bars_draw(&c, &svg, NULL) == TK_OK);
    TK_CHECK(parse(svg, &sn));
    TK_CHECK(strstr(sn.text, "データなし") != NULL);
    free(svg);

    const char *cats[] = {"a", "b"};
    const double z[] = {0, 0};
    const tk_svg_series s[] = {{NULL, z}};
    c.categories = cats;
    c.ncat = 2;
    c.series = s;
    c.nseries = 1;
    c.lang = "en";
    TK_REQUIRE(tk_svg_bars_draw(&c, &svg, NULL) == TK_OK);
    TK_CHECK(parse(svg, &sn));
    TK_CHECK(strstr(sn.text, "No data") != NULL);
    free(svg);

    tk_svg_line l = TK_SVG_LINE_INIT;
    TK_REQUIRE(tk_svg_line_draw(&l, &svg, NULL) == TK_OK);
    TK_CHECK(parse(svg, &sn) && strstr(sn.text, "データなし"));
    free(svg);

    const double cells[7 * 24] = {0};
    tk_svg_heat h = TK_SVG_HEAT_INIT;
    h.cells = cells;
    TK_REQUIRE(tk_svg_heat_draw(&h, &svg, NULL) == TK_OK);
    TK_CHECK(parse(svg, &sn) && strstr(sn.text, "データなし"));
    free(svg);
}

static void nice_ticks(void)
{
    TK_CHECK(tk_svg_nice_step(12, 5, 1) == 5 || tk_svg_nice_step(12, 5, 1) == 2);
    TK_CHECK(tk_svg_nice_step(12, 5, 1) == 5); /* 12/5 = 2.4 -> 5 */
    TK_CHECK(tk_svg_nice_step(100, 5, 1) == 20);
    TK_CHECK(tk_svg_nice_step(3, 5, 1) == 1);
    TK_CHECK(fabs(tk_svg_nice_step(3, 5, 0) - 1) < 1e-12);
    TK_CHECK(fabs(tk_svg_nice_step(0.7, 5, 0) - 0.2) < 1e-12);
    TK_CHECK(tk_svg_nice_step(0, 5, 1) == 1);
    TK_CHECK(tk_svg_nice_step(NAN, 5, 1) == 1);
    TK_CHECK(tk_svg_nice_step(INFINITY, 5, 1) == 1);
    const double big = tk_svg_nice_step(3.2e12, 5, 1);
    TK_CHECK(fabs(big - 1e12) < 1);
    /* Every step is 1, 2 or 5 times a power of ten, and at most ~10 ticks. */
    for (double m = 1.7; m < 1e16; m *= 7.3) {
        const double st = tk_svg_nice_step(m, 5, 1);
        const double mant = st / pow(10, floor(log10(st) + 1e-9));
        TK_CHECK(fabs(mant - 1) < 1e-9 || fabs(mant - 2) < 1e-9 || fabs(mant - 5) < 1e-9);
        TK_CHECK(m / st <= 10 && (m / st >= 1.0 || m < 5));
    }

    /* A huge bar chart: labels grouped, no exponent below 1e15. */
    const char *cats[] = {"A", "B"};
    const double v[] = {2.5e12, 1e9};
    const tk_svg_series s[] = {{NULL, v}};
    tk_svg_bars c = TK_SVG_BARS_INIT;
    char *svg = NULL;
    seen sn;
    c.categories = cats;
    c.ncat = 2;
    c.series = s;
    c.nseries = 1;
    TK_REQUIRE(tk_svg_bars_draw(&c, &svg, NULL) == TK_OK);
    TK_CHECK(parse(svg, &sn));
    TK_CHECK(strstr(sn.text, "|2,500,000,000,000") != NULL);
    TK_CHECK(strstr(sn.text, "e+") == NULL);
    free(svg);
}

static void line_and_heat(void)
{
    char labels[61][8];
    const char *days[61];
    double val[61], lo[61], hi[61];
    for (size_t i = 0; i < 61; i++) {
        snprintf(labels[i], sizeof labels[i], "%02zu/%02zu", 10 + i / 31, 1 + i % 31);
        days[i] = labels[i];
        val[i] = 100 + (double)(i % 7) * 10;
        lo[i] = i == 5 ? NAN : 90;
        hi[i] = i == 5 ? NAN : 150;
    }
    val[20] = 400; /* above the band */
    tk_svg_line l = TK_SVG_LINE_INIT;
    char *svg = NULL;
    seen sn;
    l.days = days;
    l.n = 61;
    l.value = val;
    l.low = lo;
    l.high = hi;
    l.value_name = "操作件数";
    TK_REQUIRE(tk_svg_line_draw(&l, &svg, NULL) == TK_OK);
    TK_CHECK(parse(svg, &sn));
    TK_CHECK(strstr(svg, "#D55E00") != NULL);   /* the day above is marked */
    TK_CHECK(strstr(sn.text, "10/01") != NULL); /* the first day is labelled */
    /* Day labels thinned: far fewer than 61 texts. */
    TK_CHECK(sn.texts < 30);
    /* Two band polygons: day 5 has no band. */
    size_t polys = 0;
    for (const char *p = svg; (p = strstr(p, "<polygon")) != NULL; p++)
        polys++;
    TK_CHECK_INT(polys, 2);
    free(svg);

    double cells[7 * 24];
    for (size_t i = 0; i < 7 * 24; i++)
        cells[i] = (double)(i % 24 >= 8 && i % 24 < 18 && i / 24 < 5 ? 40 + i % 5 : i % 3);
    tk_svg_heat h = TK_SVG_HEAT_INIT;
    h.cells = cells;
    h.unit = "件<&>";
    TK_REQUIRE(tk_svg_heat_draw(&h, &svg, NULL) == TK_OK);
    TK_CHECK(parse(svg, &sn));
    TK_CHECK(sn.rects >= 7 * 24 + 6);
    TK_CHECK(strstr(sn.text, "|月") != NULL && strstr(sn.text, "|日") != NULL);
    TK_CHECK(strstr(sn.text, "件<&>") != NULL);
    free(svg);

    /* Sizes out of range are refused. */
    tk_error err = {0, ""};
    h.width = 10;
    TK_CHECK(tk_svg_heat_draw(&h, &svg, &err) == TK_EINVAL && svg == NULL);
    TK_CHECK(strstr(err.msg, "50 to 5000") != NULL);
}

static void escape_function(void)
{
    char *e = NULL;
    TK_REQUIRE(tk_svg_escape("a<b>&\"'\x7f\x02\xc3(", &e, NULL) == TK_OK);
    TK_CHECK_STR(e, "a&lt;b&gt;&amp;&quot;&#39;\x7f\xEF\xBF\xBD\xEF\xBF\xBD(");
    free(e);
    TK_REQUIRE(tk_svg_escape("", &e, NULL) == TK_OK);
    TK_CHECK_STR(e, "");
    free(e);
}

int main(void)
{
    TK_RUN(bars_grouped_and_escaped);
    TK_RUN(empty_data);
    TK_RUN(nice_ticks);
    TK_RUN(line_and_heat);
    TK_RUN(escape_function);
    TK_TEST_END();
}
