/* api/rdoc.h -- a report as a document tree, and its printable HTML.
 *
 * The report builder (api/report.h) writes what a report says -- the
 * cover, headings, paragraphs, tables, charts -- into a tk_rdoc, and
 * knows nothing of formats. Renderers read the tree back block by block:
 * tk_rdoc_write_html() here (one self-contained HTML file with its CSS and
 * the SVG charts inline, printable on A4), api/pdf.h (the same tree laid
 * out on A4 pages with embedded Japanese fonts). So a report says the
 * same thing in every format, and a format is added without touching
 * what the report says.
 *
 * Text is UTF-8 and plain: renderers escape it. A chart is an SVG
 * document (api/svg.h) with its size in millimetres on the page.
 *
 * A tk_rdoc owns copies of everything added to it. Not thread-safe while
 * being built; a finished tree may be read by several renderers. */
#ifndef TK_RDOC_H
#define TK_RDOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "src/error.h"

typedef struct tk_rdoc tk_rdoc;

/* What a block is. */
typedef enum tk_rdoc_kind {
    TK_RDOC_HEADING = 0, /* level 1 (a chapter: starts a new page in print), 2 or 3 */
    TK_RDOC_PARA,        /* a paragraph */
    TK_RDOC_NOTE,        /* a paragraph set apart, with a tone */
    TK_RDOC_LIST,        /* a bulleted list: items */
    TK_RDOC_FACTS,       /* label / value pairs: items[2i] label, items[2i+1] value */
    TK_RDOC_TABLE,       /* a table with a caption */
    TK_RDOC_CHART,       /* an SVG chart with a caption */
    TK_RDOC_PAGEBREAK,   /* the next block starts a new page in print */
} tk_rdoc_kind;

/* The tone of a note (and of a severity cell). */
typedef enum tk_rdoc_tone {
    TK_RDOC_INFO = 0,
    TK_RDOC_GOOD,  /* e.g. "no finding" */
    TK_RDOC_WARN,  /* medium / high */
    TK_RDOC_ALERT, /* critical */
} tk_rdoc_tone;

/* Column flags of a table (a bit set). */
enum {
    TK_RDOC_COL_NUM = 1,      /* right-aligned figures */
    TK_RDOC_COL_WIDE = 2,     /* takes the spare width (free text) */
    TK_RDOC_COL_BLANK = 4,    /* left empty for the reader to fill in (所属長の回答) */
    TK_RDOC_COL_SEVERITY = 8, /* values critical / high / medium / low (or 重大 / 高 / 中 / 低),
                                 shown with their tone */
    TK_RDOC_COL_NOWRAP = 16,  /* never broken across lines (ids, dates, times) */
};

/* One block, as renderers read it. Every pointer is owned by the tree. */
typedef struct tk_rdoc_block {
    tk_rdoc_kind kind;
    int level;         /* TK_RDOC_HEADING: 1..3 */
    tk_rdoc_tone tone; /* TK_RDOC_NOTE */
    const char *id;    /* TK_RDOC_HEADING: an anchor ("sec-3"), or NULL */
    /* HEADING, PARA, NOTE: the text; TABLE, CHART: the caption (may be NULL). */
    const char *text;
    /* LIST: nitems items; FACTS: nitems = 2 x pairs, label then value. */
    const char *const *items;
    size_t nitems;
    /* TABLE: ncols headers and flags, nrows rows of ncols cells,
     * row-major (cells[r * ncols + c]; an empty cell is ""). */
    size_t ncols, nrows;
    const char *const *headers;
    const unsigned *colflags;
    const char *const *cells;
    /* CHART: the SVG document, and its size on the page. */
    const char *svg;
    double width_mm, height_mm;
    const char *alt; /* CHART: what the chart shows, in words */
} tk_rdoc_block;

/* Creates an empty document. title: the cover's title ("分析点検結果レポート");
 * lang: "ja" or "en" (the HTML lang attribute and the renderers' fixed
 * words: "page", "table of contents"). Both borrowed (copied). On success
 * *out is owned (tk_rdoc_destroy()). Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rdoc_create(tk_rdoc **out, const char *title, const char *lang, tk_error *err);

/* Frees d. Accepts NULL. */
void tk_rdoc_destroy(tk_rdoc *d);

/* The cover. subtitle: a line under the title (the tenant and the period),
 * may be NULL. classification: a mark at the top of every page
 * ("取扱注意"), may be NULL. footer: a line at the bottom of every page
 * (who made the report), may be NULL. All borrowed. Returns TK_OK or
 * TK_ENOMEM. */
TK_MUST_CHECK int tk_rdoc_set_cover(tk_rdoc *d, const char *subtitle, const char *classification,
                                    const char *footer, tk_error *err);

/* Adds a label / value pair to the cover (the period, the tenant, the
 * date of issue, the run). Borrowed. Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rdoc_cover_fact(tk_rdoc *d, const char *label, const char *value,
                                     tk_error *err);

/* Appends blocks. Strings are borrowed (copied). Each returns TK_OK or
 * TK_ENOMEM. */
TK_MUST_CHECK int tk_rdoc_heading(tk_rdoc *d, int level, const char *id, const char *text,
                                  tk_error *err);
TK_MUST_CHECK int tk_rdoc_para(tk_rdoc *d, const char *text, tk_error *err);
TK_MUST_CHECK int tk_rdoc_note(tk_rdoc *d, tk_rdoc_tone tone, const char *text, tk_error *err);
TK_MUST_CHECK int tk_rdoc_list(tk_rdoc *d, const char *const *items, size_t n, tk_error *err);
TK_MUST_CHECK int tk_rdoc_facts(tk_rdoc *d, const char *const *labels_values, size_t pairs,
                                tk_error *err);
TK_MUST_CHECK int tk_rdoc_chart(tk_rdoc *d, const char *caption, const char *alt, const char *svg,
                                double width_mm, double height_mm, tk_error *err);
TK_MUST_CHECK int tk_rdoc_page_break(tk_rdoc *d, tk_error *err);

/* Starts a table of ncols columns (1..64) with their headers and flags
 * (flags may be NULL: all 0); rows follow with tk_rdoc_table_row() until
 * the next block. Returns TK_OK, TK_EINVAL (ncols out of range) or
 * TK_ENOMEM. */
TK_MUST_CHECK int tk_rdoc_table(tk_rdoc *d, const char *caption, size_t ncols,
                                const char *const *headers, const unsigned *flags, tk_error *err);

/* Appends a row of ncols cells (NULL cells are empty) to the table just
 * started. Returns TK_OK or TK_ENOMEM; a row without a table is an
 * assert. */
TK_MUST_CHECK int tk_rdoc_table_row(tk_rdoc *d, const char *const *cells, tk_error *err);

/* Reading the tree back. */
const char *tk_rdoc_title(const tk_rdoc *d);
const char *tk_rdoc_lang(const tk_rdoc *d);
const char *tk_rdoc_subtitle(const tk_rdoc *d);       /* NULL when none */
const char *tk_rdoc_classification(const tk_rdoc *d); /* NULL when none */
const char *tk_rdoc_footer(const tk_rdoc *d);         /* NULL when none */
/* The cover's pairs: 2 x *pairs strings, label then value (borrowed). */
const char *const *tk_rdoc_cover_facts(const tk_rdoc *d, size_t *pairs);
size_t tk_rdoc_count(const tk_rdoc *d);
/* Block i < tk_rdoc_count(d) into *out (borrowed pointers, valid while d
 * lives and is not changed). */
void tk_rdoc_block_at(const tk_rdoc *d, size_t i, tk_rdoc_block *out);

/* Writes d as one self-contained HTML5 document to out: its CSS inline
 * (A4 print rules: a chapter per page, table headers repeated, no row
 * split), the cover, a table of contents of level-1 and level-2 headings,
 * the blocks, SVG charts inline; nothing loaded from elsewhere. Every
 * text is escaped; a chart's SVG is written as it is unless it holds
 * anything that could run script or load a resource, when its alt text
 * is written instead. Cells of TK_RDOC_COL_BLANK columns are written as
 * empty boxes whatever they hold. Returns TK_OK, TK_ENOMEM or TK_EIO (a
 * write failed). */
TK_MUST_CHECK int tk_rdoc_write_html(const tk_rdoc *d, FILE *out, tk_error *err);

/* How the documents write values, into buf of cap bytes (cut to fit):
 * a JST day number as "2024年10月1日" (en: "2024-10-01"); Unix ms as
 * "YYYY-MM-DD HH:MM" in JST, or "-" for 0; a count with thousands
 * separators ("26,382"). */
void tk_rdoc_fmt_day(int64_t day, int en, char *buf, size_t cap);
void tk_rdoc_fmt_time(int64_t ms, char *buf, size_t cap);
void tk_rdoc_fmt_count(uint64_t v, char *buf, size_t cap);

#endif
