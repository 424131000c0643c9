/* api/rdoc.c -- the report document tree (see rdoc.h).
 *
 * Blocks are kept in one growing array; each block owns its strings. A
 * table's cells grow row by row in the block that started it, so a table
 * of thousands of cases is one block, not thousands. */
#include "api/rdoc.h"

#include "api/svg.h"

#include <assert.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "src/period.h"
#include "src/timefmt.h"

typedef struct block {
    tk_rdoc_kind kind;
    int level;
    tk_rdoc_tone tone;
    char *id;
    char *text;
    char **items;
    size_t nitems;
    size_t ncols, nrows, cap_rows;
    char **headers;
    unsigned *colflags;
    char **cells;
    char *svg;
    double width_mm, height_mm;
    char *alt;
} block;

struct tk_rdoc {
    char *title, *lang, *subtitle, *classification, *footer;
    char **cover; /* 2 x ncover */
    size_t ncover, cap_cover;
    block *blocks;
    size_t n, cap;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A copy of s into *dst (NULL stays NULL). Returns 0, or -1 when memory ran out. */
static int copy(char **dst, const char *s)
{
    *dst = NULL;
    if (!s)
        return 0;
    *dst = strdup(s);
    return *dst ? 0 : -1;
}

static int nomem(tk_error *err)
{
    tk_error_set(err, TK_ENOMEM, "out of memory building the report");
    return TK_ENOMEM;
}

static void strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void block_dispose(block *b)
{
    free(b->id);
    free(b->text);
    strv_free(b->items, b->nitems);
    strv_free(b->headers, b->ncols);
    free(b->colflags);
    strv_free(b->cells, b->nrows * b->ncols);
    free(b->svg);
    free(b->alt);
}

int tk_rdoc_create(tk_rdoc **out, const char *title, const char *lang, tk_error *err)
{
    tk_rdoc *d;

    assert(out && title && lang);
    *out = NULL;
    d = calloc(1, sizeof *d);
    if (!d)
        return nomem(err);
    d->title = strdup(title);
    d->lang = strdup(lang);
    if (!d->title || !d->lang) {
        tk_rdoc_destroy(d);
        return nomem(err);
    }
    *out = d;
    return TK_OK;
}

void tk_rdoc_destroy(tk_rdoc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++)
        block_dispose(&d->blocks[i]);
    free(d->blocks);
    strv_free(d->cover, 2 * d->ncover);
    free(d->title);
    free(d->lang);
    free(d->subtitle);
    free(d->classification);
    free(d->footer);
    free(d);
}

int tk_rdoc_set_cover(tk_rdoc *d, const char *subtitle, const char *classification,
                      const char *footer, tk_error *err)
{
    char *s = dup_or_null(subtitle), *c = dup_or_null(classification), *f = dup_or_null(footer);

    if ((subtitle && !s) || (classification && !c) || (footer && !f)) {
        free(s);
        free(c);
        free(f);
        return nomem(err);
    }
    free(d->subtitle);
    free(d->classification);
    free(d->footer);
    d->subtitle = s;
    d->classification = c;
    d->footer = f;
    return TK_OK;
}

int tk_rdoc_cover_fact(tk_rdoc *d, const char *label, const char *value, tk_error *err)
{
    char *l, *v;

    assert(label && value);
    if (d->ncover == d->cap_cover) {
        size_t cap = d->cap_cover ? 2 * d->cap_cover : 8;
        char **p = realloc(d->cover, 2 * cap * sizeof *p);
        if (!p)
            return nomem(err);
        d->cover = p;
        d->cap_cover = cap;
    }
    l = strdup(label);
    v = strdup(value);
    if (!l || !v) {
        free(l);
        free(v);
        return nomem(err);
    }
    d->cover[2 * d->ncover] = l;
    d->cover[2 * d->ncover + 1] = v;
    d->ncover++;
    return TK_OK;
}

/* A new zeroed block of kind k at the end, or NULL when memory ran out. */
static block *push(tk_rdoc *d, tk_rdoc_kind k)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 32;
        block *p = realloc(d->blocks, cap * sizeof *p);
        if (!p)
            return NULL;
        d->blocks = p;
        d->cap = cap;
    }
    memset(&d->blocks[d->n], 0, sizeof d->blocks[d->n]);
    d->blocks[d->n].kind = k;
    return &d->blocks[d->n++];
}

/* Drops the last block after a failed fill. Returns TK_ENOMEM. */
static int pop_nomem(tk_rdoc *d, tk_error *err)
{
    block_dispose(&d->blocks[--d->n]);
    return nomem(err);
}

int tk_rdoc_heading(tk_rdoc *d, int level, const char *id, const char *text, tk_error *err)
{
    block *b;

    assert(level >= 1 && level <= 3 && text);
    b = push(d, TK_RDOC_HEADING);
    if (!b)
        return nomem(err);
    b->level = level;
    if (copy(&b->id, id) || copy(&b->text, text))
        return pop_nomem(d, err);
    return TK_OK;
}

static int text_block(tk_rdoc *d, tk_rdoc_kind k, tk_rdoc_tone tone, const char *text,
                      tk_error *err)
{
    block *b;

    assert(text);
    b = push(d, k);
    if (!b)
        return nomem(err);
    b->tone = tone;
    if (copy(&b->text, text))
        return pop_nomem(d, err);
    return TK_OK;
}

int tk_rdoc_para(tk_rdoc *d, const char *text, tk_error *err)
{
    return text_block(d, TK_RDOC_PARA, TK_RDOC_INFO, text, err);
}

int tk_rdoc_note(tk_rdoc *d, tk_rdoc_tone tone, const char *text, tk_error *err)
{
    return text_block(d, TK_RDOC_NOTE, tone, text, err);
}

/* Copies n strings (NULL ones become "") into a new array at *out. */
static int strv_copy(char ***out, const char *const *v, size_t n)
{
    char **p;

    *out = NULL;
    if (n == 0)
        return 0;
    p = calloc(n, sizeof *p);
    if (!p)
        return -1;
    for (size_t i = 0; i < n; i++) {
        p[i] = strdup(v[i] ? v[i] : "");
        if (!p[i]) {
            strv_free(p, i);
            return -1;
        }
    }
    *out = p;
    return 0;
}

static int items_block(tk_rdoc *d, tk_rdoc_kind k, const char *const *items, size_t n,
                       tk_error *err)
{
    block *b = push(d, k);

    if (!b)
        return nomem(err);
    if (strv_copy(&b->items, items, n))
        return pop_nomem(d, err);
    b->nitems = n;
    return TK_OK;
}

int tk_rdoc_list(tk_rdoc *d, const char *const *items, size_t n, tk_error *err)
{
    return items_block(d, TK_RDOC_LIST, items, n, err);
}

int tk_rdoc_facts(tk_rdoc *d, const char *const *labels_values, size_t pairs, tk_error *err)
{
    return items_block(d, TK_RDOC_FACTS, labels_values, 2 * pairs, err);
}

int tk_rdoc_chart(tk_rdoc *d, const char *caption, const char *alt, const char *svg,
                  double width_mm, double height_mm, tk_error *err)
{
    block *b;

    assert(svg && width_mm > 0 && height_mm > 0);
    b = push(d, TK_RDOC_CHART);
    if (!b)
        return nomem(err);
    b->width_mm = width_mm;
    b->height_mm = height_mm;
    if (copy(&b->text, caption) || copy(&b->alt, alt) || copy(&b->svg, svg))
        return pop_nomem(d, err);
    return TK_OK;
}

int tk_rdoc_page_break(tk_rdoc *d, tk_error *err)
{
    return push(d, TK_RDOC_PAGEBREAK) ? TK_OK : nomem(err);
}

int tk_rdoc_table(tk_rdoc *d, const char *caption, size_t ncols, const char *const *headers,
                  const unsigned *flags, tk_error *err)
{
    block *b;

    if (ncols < 1 || ncols > 64) {
        tk_error_set(err, TK_EINVAL, "a report table has 1 to 64 columns, not %zu", ncols);
        return TK_EINVAL;
    }
    assert(headers);
    b = push(d, TK_RDOC_TABLE);
    if (!b)
        return nomem(err);
    b->colflags = calloc(ncols, sizeof *b->colflags);
    if (!b->colflags || copy(&b->text, caption) || strv_copy(&b->headers, headers, ncols))
        return pop_nomem(d, err);
    b->ncols = ncols; /* only now: block_dispose frees ncols headers */
    if (flags)
        memcpy(b->colflags, flags, ncols * sizeof *flags);
    return TK_OK;
}

int tk_rdoc_table_row(tk_rdoc *d, const char *const *cells, tk_error *err)
{
    block *b;
    char **row;

    assert(d->n > 0 && d->blocks[d->n - 1].kind == TK_RDOC_TABLE);
    b = &d->blocks[d->n - 1];
    if (b->nrows == b->cap_rows) {
        size_t cap = b->cap_rows ? 2 * b->cap_rows : 16;
        char **p = realloc(b->cells, cap * b->ncols * sizeof *p);
        if (!p)
            return nomem(err);
        b->cells = p;
        b->cap_rows = cap;
    }
    if (strv_copy(&row, cells, b->ncols))
        return nomem(err);
    memcpy(b->cells + b->nrows * b->ncols, row, b->ncols * sizeof *row);
    free(row);
    b->nrows++;
    return TK_OK;
}

const char *tk_rdoc_title(const tk_rdoc *d)
{
    return d->title;
}

const char *tk_rdoc_lang(const tk_rdoc *d)
{
    return d->lang;
}

const char *tk_rdoc_subtitle(const tk_rdoc *d)
{
    return d->subtitle;
}

const char *tk_rdoc_classification(const tk_rdoc *d)
{
    return d->classification;
}

const char *tk_rdoc_footer(const tk_rdoc *d)
{
    return d->footer;
}

const char *const *tk_rdoc_cover_facts(const tk_rdoc *d, size_t *pairs)
{
    *pairs = d->ncover;
    return (const char *const *)d->cover;
}

size_t tk_rdoc_count(const tk_rdoc *d)
{
    return d->n;
}

void tk_rdoc_block_at(const tk_rdoc *d, size_t i, tk_rdoc_block *out)
{
    const block *b;

    assert(i < d->n);
    b = &d->blocks[i];
    memset(out, 0, sizeof *out);
    out->kind = b->kind;
    out->level = b->level;
    out->tone = b->tone;
    out->id = b->id;
    out->text = b->text;
    out->items = (const char *const *)b->items;
    out->nitems = b->nitems;
    out->ncols = b->ncols;
    out->nrows = b->nrows;
    out->headers = (const char *const *)b->headers;
    out->colflags = b->colflags;
    out->cells = (const char *const *)b->cells;
    out->svg = b->svg;
    out->width_mm = b->width_mm;
    out->height_mm = b->height_mm;
    out->alt = b->alt;
}

/* ---- HTML ------------------------------------------------------------------
 *
 * One HTML5 file that a browser shows and prints on A4 as it is: the CSS
 * is inline, charts are inline SVG, and nothing refers to another file or
 * host, so the report can be mailed, archived and opened offline years
 * later. Print rules: @page margins with the classification and the title
 * in the top margin boxes and the page number at the bottom; every level-1
 * heading starts a page; table headers repeat on each page and rows are
 * never split across pages. Every string of the tree is escaped (text and
 * attributes; the page-margin strings as CSS strings); SVG is written as
 * it is, since it comes from api/svg.h, but anything that could run
 * script is refused and replaced by its alternative text. */

static const char html_css[] =
    "*{box-sizing:border-box}\n"
    "html{font-family:IPAexGothic,\"Noto Sans CJK JP\",\"Yu Gothic\",Meiryo,sans-serif;"
    "font-size:10.5pt;line-height:1.7;color:#000;background:#fff;"
    "line-break:strict;word-break:normal;overflow-wrap:anywhere;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    "body{margin:0 auto;max-width:190mm;padding:8mm 6mm}\n"
    "h1,h2,h3{font-weight:bold;line-height:1.4;font-feature-settings:\"palt\";"
    "break-after:avoid;page-break-after:avoid}\n"
    "section.chapter{break-before:page;page-break-before:always}\n"
    "h1.chapter{font-size:16pt;border-bottom:2.5px solid #0b3d6b;padding-bottom:2mm;"
    "margin:0 0 5mm;color:#0b3d6b}\n"
    "h2{font-size:12.5pt;border-left:5px solid #0b3d6b;padding-left:2.5mm;margin:7mm 0 3mm}\n"
    "h3{font-size:11pt;margin:5mm 0 2mm}\n"
    "p{margin:0 0 3mm;text-align:justify}\n"
    ".runhead{display:flex;justify-content:space-between;font-size:8.5pt;color:#333;"
    "border-bottom:1px solid #999;margin-bottom:4mm}\n"
    ".cover{min-height:250mm;display:flex;flex-direction:column;padding-top:30mm}\n"
    ".cover .mark{align-self:flex-end;border:2px solid #000;padding:1mm 4mm;font-weight:bold;"
    "font-size:12pt;letter-spacing:.2em}\n"
    ".cover .title{font-size:26pt;margin:28mm 0 4mm;color:#0b3d6b;letter-spacing:.08em;"
    "border:none;break-before:auto;page-break-before:auto}\n"
    ".cover .subtitle{font-size:14pt;margin:0 0 16mm}\n"
    ".cover table.facts{width:100%;font-size:11pt}\n"
    ".cover .footer{margin-top:auto;text-align:right;font-size:11pt}\n"
    "nav.toc{break-before:page;page-break-before:always}\n"
    "nav.toc h1{font-size:16pt;color:#0b3d6b;border-bottom:2.5px solid #0b3d6b}\n"
    "nav.toc ol{list-style:none;padding-left:0;margin:0}\n"
    "nav.toc li{margin:1.5mm 0}\n"
    "nav.toc ol ol{padding-left:8mm;font-size:10pt}\n"
    "nav.toc a{color:#000;text-decoration:none;display:flex}\n"
    "nav.toc a::after{content:\"\";flex:1;border-bottom:1px dotted #999;margin:0 0 .45em 2mm;"
    "order:1}\n"
    "table{border-collapse:collapse;width:100%;margin:0 0 4mm;font-size:9pt;"
    "line-height:1.45}\n"
    "caption{caption-side:top;text-align:left;font-weight:bold;font-size:9.5pt;"
    "padding:0 0 1.5mm}\n"
    "th,td{border:1px solid #777;padding:1mm 1.5mm;vertical-align:top;text-align:left}\n"
    "thead th{background:#dde6ef;font-weight:bold;vertical-align:bottom}\n"
    "thead{display:table-header-group}\n"
    "tr{break-inside:avoid;page-break-inside:avoid}\n"
    "tbody tr:nth-child(even) td{background:#f6f8fa}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.nowrap{white-space:nowrap}\n"
    "th.wide{width:45%}\n"
    "th.blank{background:#fff5d6;width:34mm}\n"
    "th.blank+th.blank{width:20mm}\n"
    "section.landscape th{min-width:13mm}\n"
    "section.landscape th.wide{width:24%}\n"
    "td.blank,tbody tr:nth-child(even) td.blank{background:#fff;height:13mm;"
    "border:1.2px solid #000}\n"
    "section.landscape{page:landscape}\n"
    "section.landscape table{font-size:8.5pt}\n"
    "td.sev{white-space:nowrap;text-align:center;font-weight:bold}\n"
    "td.sev-critical,tbody tr:nth-child(even) td.sev-critical{background:#7a1f00;color:#fff}\n"
    "td.sev-high,tbody tr:nth-child(even) td.sev-high{background:#f4b183}\n"
    "td.sev-medium,tbody tr:nth-child(even) td.sev-medium{background:#ffe699}\n"
    "td.sev-low,tbody tr:nth-child(even) td.sev-low{background:#e2efda}\n"
    "table.facts{width:auto;min-width:60%}\n"
    "table.facts th{background:#eef2f6;white-space:nowrap;width:1%}\n"
    ".note{border-left:5px solid;padding:2mm 3mm;margin:0 0 4mm;break-inside:avoid}\n"
    ".note.info{border-color:#0072B2;background:#eaf3fb}\n"
    ".note.good{border-color:#009E73;background:#e6f5ef}\n"
    ".note.warn{border-color:#E69F00;background:#fff4df}\n"
    ".note.alert{border-color:#D55E00;background:#fde9e1}\n"
    "ul{margin:0 0 3mm;padding-left:6mm}\n"
    "figure.chart{margin:0 0 5mm;break-inside:avoid;page-break-inside:avoid;max-width:100%}\n"
    "figure.chart svg{width:100%;height:auto;display:block}\n"
    "figure.chart figcaption{font-size:9pt;font-weight:bold;margin-bottom:1mm}\n"
    ".pagebreak{break-after:page;page-break-after:always}\n"
    "@page{size:A4;margin:16mm 14mm 16mm 14mm}\n"
    "@page landscape{size:A4 landscape;margin:14mm 14mm 14mm 14mm}\n"
    "@media print{body{max-width:none;padding:0}.runhead{display:none}"
    ".cover{min-height:0;height:255mm}}\n";

typedef struct hw {
    FILE *out;
    int oom;
} hw;

static void hput(hw *w, const char *s)
{
    fputs(s, w->out);
}

/* Writes s escaped for HTML text and attributes. */
static void hesc(hw *w, const char *s)
{
    char *e = NULL;
    if (tk_svg_escape(s ? s : "", &e, NULL) != TK_OK) {
        w->oom = 1;
        return;
    }
    fputs(e, w->out);
    free(e);
}

/* Writes s as the inside of a CSS string: anything that could end the
 * string, the rule or the style element is a hex escape. */
static void css_str(hw *w, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p < 0x20 || *p == 0x7f || strchr("\"'\\<>&", *p))
            fprintf(w->out, "\\%x ", *p);
        else
            fputc(*p, w->out);
    }
}

static const char *word(const tk_rdoc *d, const char *ja, const char *en)
{
    return strcmp(d->lang, "en") == 0 ? en : ja;
}

/* The severity class of a cell's value, or NULL. */
static const char *sev_class(const char *v)
{
    static const char *const names[][3] = {{"critical", "重大", "sev-critical"},
                                           {"high", "高", "sev-high"},
                                           {"medium", "中", "sev-medium"},
                                           {"low", "低", "sev-low"}};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(v, names[i][0]) == 0 || strcmp(v, names[i][1]) == 0)
            return names[i][2];
    return NULL;
}

/* 1 when needle (lower case) occurs in s at p, case-insensitively. */
static int at_ci(const char *p, const char *needle)
{
    for (; *needle; p++, needle++)
        if (tolower((unsigned char)*p) != *needle)
            return 0;
    return 1;
}

/* 1 when svg may be written inline: an <svg> element with nothing that
 * could run script or load anything (a script or foreignObject element,
 * an on...= event attribute, a link, an entity declaration, a CSS url). */
static int svg_safe(const char *svg)
{
    static const char *const bad[] = {"<script", "<foreignobject", "javascript:", "href", "<!",
                                      "<?",      "url(",           "@import"};
    if (strncmp(svg, "<svg", 4) != 0)
        return 0;
    for (const char *p = svg; *p; p++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            if (at_ci(p, bad[i]))
                return 0;
        if (isspace((unsigned char)p[0]) && at_ci(p + 1, "on")) {
            const char *q = p + 3;
            while (isalpha((unsigned char)*q))
                q++;
            while (isspace((unsigned char)*q))
                q++;
            if (q > p + 3 && *q == '=')
                return 0;
        }
    }
    return 1;
}

static void heading_id(const tk_rdoc_block *b, size_t i, char *buf, size_t cap)
{
    if (b->id)
        snprintf(buf, cap, "%s", b->id);
    else
        snprintf(buf, cap, "h-%zu", i);
}

static void write_cover(const tk_rdoc *d, hw *w)
{
    hput(w, "<section class=\"cover\">\n");
    if (d->classification) {
        hput(w, "<div class=\"mark\">");
        hesc(w, d->classification);
        hput(w, "</div>\n");
    }
    hput(w, "<h1 class=\"title\">");
    hesc(w, d->title);
    hput(w, "</h1>\n");
    if (d->subtitle) {
        hput(w, "<p class=\"subtitle\">");
        hesc(w, d->subtitle);
        hput(w, "</p>\n");
    }
    if (d->ncover > 0) {
        hput(w, "<table class=\"facts\"><tbody>\n");
        for (size_t i = 0; i < d->ncover; i++) {
            hput(w, "<tr><th scope=\"row\">");
            hesc(w, d->cover[2 * i]);
            hput(w, "</th><td>");
            hesc(w, d->cover[2 * i + 1]);
            hput(w, "</td></tr>\n");
        }
        hput(w, "</tbody></table>\n");
    }
    if (d->footer) {
        hput(w, "<p class=\"footer\">");
        hesc(w, d->footer);
        hput(w, "</p>\n");
    }
    hput(w, "</section>\n");
}

static void write_toc(const tk_rdoc *d, hw *w)
{
    int open1 = 0, open2 = 0;
    char id[128];

    hput(w, "<nav class=\"toc\" aria-label=\"toc\">\n<h1>");
    hesc(w, word(d, "目次", "Contents"));
    hput(w, "</h1>\n<ol>\n");
    for (size_t i = 0; i < d->n; i++) {
        tk_rdoc_block b;
        tk_rdoc_block_at(d, i, &b);
        if (b.kind != TK_RDOC_HEADING || b.level > 2)
            continue;
        if (b.level == 1) {
            if (open2)
                hput(w, "</ol>");
            if (open1)
                hput(w, "</li>\n");
            open1 = 1;
            open2 = 0;
        } else if (!open2) {
            hput(w, open1 ? "<ol>\n" : "<li><ol>\n");
            open1 = 1;
            open2 = 1;
        }
        heading_id(&b, i, id, sizeof id);
        hput(w, "<li><a href=\"#");
        hesc(w, id);
        hput(w, "\">");
        hesc(w, b.text);
        hput(w, b.level == 1 ? "</a>" : "</a></li>\n");
    }
    if (open2)
        hput(w, "</ol>");
    if (open1)
        hput(w, "</li>\n");
    hput(w, "</ol>\n</nav>\n");
}

static void write_table(hw *w, const tk_rdoc_block *b)
{
    hput(w, "<table>\n");
    if (b->text) {
        hput(w, "<caption>");
        hesc(w, b->text);
        hput(w, "</caption>\n");
    }
    hput(w, "<thead><tr>");
    for (size_t c = 0; c < b->ncols; c++) {
        const unsigned f = b->colflags[c];
        hput(w, "<th scope=\"col\"");
        if (f & (TK_RDOC_COL_NUM | TK_RDOC_COL_WIDE | TK_RDOC_COL_BLANK))
            fprintf(w->out, " class=\"%s\"",
                    f & TK_RDOC_COL_BLANK ? "blank"
                    : f & TK_RDOC_COL_NUM ? "num"
                                          : "wide");
        hput(w, ">");
        hesc(w, b->headers[c]);
        hput(w, "</th>");
    }
    hput(w, "</tr></thead>\n<tbody>\n");
    for (size_t r = 0; r < b->nrows; r++) {
        hput(w, "<tr>");
        for (size_t c = 0; c < b->ncols; c++) {
            const unsigned f = b->colflags[c];
            const char *v = b->cells[r * b->ncols + c];
            const char *sev = f & TK_RDOC_COL_SEVERITY ? sev_class(v) : NULL;
            if (f & TK_RDOC_COL_BLANK) {
                /* Left for handwriting: an empty box, even when the tree
                 * holds something (a draft answer is not printed). */
                hput(w, "<td class=\"blank\"></td>");
                continue;
            }
            hput(w, "<td");
            if (sev)
                fprintf(w->out, " class=\"sev %s\"", sev);
            else if (f & TK_RDOC_COL_NUM)
                hput(w, " class=\"num\"");
            else if (f & TK_RDOC_COL_NOWRAP)
                hput(w, " class=\"nowrap\"");
            else if (f & TK_RDOC_COL_WIDE)
                hput(w, " class=\"wide\"");
            hput(w, ">");
            hesc(w, v);
            hput(w, "</td>");
        }
        hput(w, "</tr>\n");
    }
    hput(w, "</tbody></table>\n");
}

static void write_chart(hw *w, const tk_rdoc_block *b)
{
    static const char ns[] = " xmlns=\"http://www.w3.org/2000/svg\"";
    const double mm = b->width_mm > 182 ? 182 : b->width_mm;

    fprintf(w->out, "<figure class=\"chart\" style=\"width:%.1fmm\">", mm);
    if (b->text) {
        hput(w, "<figcaption>");
        hesc(w, b->text);
        hput(w, "</figcaption>");
    }
    if (!svg_safe(b->svg)) {
        hput(w, "<p>");
        hesc(w, b->alt ? b->alt : "");
        hput(w, "</p></figure>\n");
        return;
    }
    /* The namespace is implied inside HTML; dropping it keeps the file free
     * of any address. */
    const char *p = strstr(b->svg, ns);
    const char *gt = strchr(b->svg, '>');
    if (p && gt && p < gt) {
        fwrite(b->svg, 1, (size_t)(p - b->svg), w->out);
        hput(w, p + strlen(ns));
    } else {
        hput(w, b->svg);
    }
    if (b->alt) {
        hput(w, "<p class=\"alt\" hidden>");
        hesc(w, b->alt);
        hput(w, "</p>");
    }
    hput(w, "</figure>\n");
}

static void write_block(const tk_rdoc *d, hw *w, size_t i)
{
    static const char *const tones[] = {"info", "good", "warn", "alert"};
    tk_rdoc_block b;
    char id[128];

    tk_rdoc_block_at(d, i, &b);
    switch (b.kind) {
    case TK_RDOC_HEADING:
        heading_id(&b, i, id, sizeof id);
        fprintf(w->out, "<h%d%s id=\"", b.level, b.level == 1 ? " class=\"chapter\"" : "");
        hesc(w, id);
        hput(w, "\">");
        hesc(w, b.text);
        fprintf(w->out, "</h%d>\n", b.level);
        break;
    case TK_RDOC_PARA:
        hput(w, "<p>");
        hesc(w, b.text);
        hput(w, "</p>\n");
        break;
    case TK_RDOC_NOTE:
        fprintf(w->out, "<div class=\"note %s\">", tones[b.tone <= TK_RDOC_ALERT ? b.tone : 0]);
        hesc(w, b.text);
        hput(w, "</div>\n");
        break;
    case TK_RDOC_LIST:
        hput(w, "<ul>\n");
        for (size_t k = 0; k < b.nitems; k++) {
            hput(w, "<li>");
            hesc(w, b.items[k]);
            hput(w, "</li>\n");
        }
        hput(w, "</ul>\n");
        break;
    case TK_RDOC_FACTS:
        hput(w, "<table class=\"facts\"><tbody>\n");
        for (size_t k = 0; k + 1 < b.nitems; k += 2) {
            hput(w, "<tr><th scope=\"row\">");
            hesc(w, b.items[k]);
            hput(w, "</th><td>");
            hesc(w, b.items[k + 1]);
            hput(w, "</td></tr>\n");
        }
        hput(w, "</tbody></table>\n");
        break;
    case TK_RDOC_TABLE:
        write_table(w, &b);
        break;
    case TK_RDOC_CHART:
        write_chart(w, &b);
        break;
    case TK_RDOC_PAGEBREAK:
        hput(w, "<div class=\"pagebreak\"></div>\n");
        break;
    }
}

/* 1 when the chapter starting at block i holds a table too wide for a
 * portrait page (more than WIDE_COLS columns): it is printed landscape. */
#define WIDE_COLS 8
static int chapter_is_wide(const tk_rdoc *d, size_t i)
{
    for (size_t k = i + 1; k < d->n; k++) {
        if (d->blocks[k].kind == TK_RDOC_HEADING && d->blocks[k].level == 1)
            break;
        if (d->blocks[k].kind == TK_RDOC_TABLE && d->blocks[k].ncols > WIDE_COLS)
            return 1;
    }
    return 0;
}

int tk_rdoc_write_html(const tk_rdoc *d, FILE *out, tk_error *err)
{
    hw w = {out, 0};

    hput(&w, "<!DOCTYPE html>\n<html lang=\"");
    hesc(&w, d->lang);
    hput(&w, "\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<meta name=\"generator\" content=\"tenken\">\n<title>");
    hesc(&w, d->title);
    if (d->subtitle) {
        hput(&w, " \xE2\x80\x94 ");
        hesc(&w, d->subtitle);
    }
    hput(&w, "</title>\n<style>\n");
    hput(&w, html_css);
    /* The page margins: classification and title at the top, the footer
     * and "page n / m" at the bottom; not on the cover. */
    hput(&w, "@page{@top-left{content:\"");
    css_str(&w, d->classification);
    hput(&w, "\";font-size:8.5pt;font-weight:bold}@top-right{content:\"");
    css_str(&w, d->title);
    if (d->subtitle) {
        css_str(&w, " \xE2\x80\x94 ");
        css_str(&w, d->subtitle);
    }
    hput(&w, "\";font-size:8pt;color:#333}@bottom-left{content:\"");
    css_str(&w, d->footer);
    fprintf(w.out,
            "\";font-size:8pt;color:#333}@bottom-right{content:\"%s\" counter(page) \" / \" "
            "counter(pages);font-size:8pt}}\n",
            strcmp(d->lang, "en") == 0 ? "page " : "");
    hput(&w, "@page:first{@top-left{content:none}@top-right{content:none}"
             "@bottom-left{content:none}@bottom-right{content:none}}\n");
    hput(&w, "</style>\n</head>\n<body>\n");
    if (d->classification || d->footer) {
        hput(&w, "<div class=\"runhead\"><span>");
        hesc(&w, d->classification);
        hput(&w, "</span><span>");
        hesc(&w, d->footer);
        hput(&w, "</span></div>\n");
    }
    write_cover(d, &w);
    write_toc(d, &w);
    hput(&w, "<main>\n");
    int open = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->blocks[i].kind == TK_RDOC_HEADING && d->blocks[i].level == 1) {
            if (open)
                hput(&w, "</section>\n");
            hput(&w, chapter_is_wide(d, i) ? "<section class=\"chapter landscape\">\n"
                                           : "<section class=\"chapter\">\n");
            open = 1;
        }
        write_block(d, &w, i);
    }
    if (open)
        hput(&w, "</section>\n");
    hput(&w, "</main>\n</body>\n</html>\n");
    if (w.oom) {
        tk_error_set(err, TK_ENOMEM, "out of memory writing the report");
        return TK_ENOMEM;
    }
    if (fflush(out) != 0 || ferror(out)) {
        tk_error_set(err, TK_EIO, "writing the report failed");
        return TK_EIO;
    }
    return TK_OK;
}

void tk_rdoc_fmt_day(int64_t day, int en, char *buf, size_t cap)
{
    char iso[16];
    tk_period_format_day(day, iso, sizeof iso);
    if (en)
        snprintf(buf, cap, "%s", iso);
    else
        snprintf(buf, cap, "%.4s年%d月%d日", iso, atoi(iso + 5), atoi(iso + 8));
}

void tk_rdoc_fmt_time(int64_t ms, char *buf, size_t cap)
{
    char iso[TK_TIME_ISO_SIZE];
    if (ms == 0 || tk_time_format_iso(ms, iso, sizeof iso) == 0) {
        snprintf(buf, cap, "-");
        return;
    }
    snprintf(buf, cap, "%.10s %.5s", iso, iso + 11);
}

void tk_rdoc_fmt_count(uint64_t v, char *buf, size_t cap)
{
    char d[32];
    snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    const size_t n = strlen(d);
    size_t o = 0;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = '\0';
}
