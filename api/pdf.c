/* api/pdf.c -- the report tree on A4 pages (see pdf.h).
 *
 * Approach. The document is laid out twice with the same code. The first
 * pass measures only: it runs the page flow against a PDF surface whose
 * bytes are thrown away and draws nothing, and records on which page each
 * heading falls, how many pages the table of contents takes and how many
 * pages there are in all. The second pass draws, on the real surface, with
 * those numbers known: the table of contents shows page numbers and every
 * page shows "n / N". Both passes measure text with layouts made on a PDF
 * surface, whose font options (no hinting of metrics) are the same, so
 * they break lines and pages identically.
 *
 * The page flow keeps one cursor, the y of the next free point on the
 * current page. A block asks for the height it needs; when the rest of the
 * page is shorter, a new page starts. Text is flowed line by line (pango
 * gives the lines of a layout and their heights), so a paragraph, a note
 * or a table cell longer than what is left of a page continues on the
 * next one. A heading asks for its own height plus room for the start of
 * what follows, so it is never left alone at the foot of a page.
 *
 * Tables. Column widths follow the content, as a browser's automatic
 * table layout does: each column has a natural width (its longest cell on
 * one line) and a minimum (a few characters; the whole text for NOWRAP
 * and NUM columns). When the natural widths fit, WIDE columns take the
 * spare width; otherwise each column gets its minimum and the rest is
 * shared in proportion to how much each would still need. The widths are
 * computed once in the first pass and reused by the second. A row that
 * does not fit on the page goes to the next page, under a repeated header
 * row; a row taller than a page is split between lines of its cells.
 *
 * Units are PDF points (1/72 inch) throughout; pango's are converted
 * where they meet. Fonts are only the regular faces: a synthetic bold
 * would make cairo embed glyphs as Type 3 pictures instead of a font
 * subset, so headings stand out by size, colour and rules. */
#include "api/pdf.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <librsvg/rsvg.h>
#include <pango/pangocairo.h>

/* A4 portrait and the text block, in points. */
#define MM       (72.0 / 25.4)
#define PAGE_W   (210.0 * MM)
#define PAGE_H   (297.0 * MM)
#define LEFT     (20.0 * MM)
#define RIGHT    (PAGE_W - 20.0 * MM)
#define TEXT_W   (RIGHT - LEFT)
#define TOP      (24.0 * MM)
#define BOTTOM   (PAGE_H - 22.0 * MM)
#define BODY_H   (BOTTOM - TOP)
#define EPS      0.01
#define CELL_PX  4.0  /* horizontal padding of a table cell */
#define CELL_PY  2.8  /* vertical padding of a table cell */
#define BLANK_H  30.0 /* the least height of a row with a column to write in */
#define NOTE_PAD 7.0

/* Font sizes. */
#define SZ_BODY    10.0
#define SZ_TABLE   8.5
#define SZ_SMALL   7.5
#define SZ_CAPTION 9.0
#define SZ_H1      17.0
#define SZ_H2      13.0
#define SZ_H3      11.0
#define SZ_TITLE   26.0
#define SZ_SUB     13.0

typedef struct rgb {
    double r, g, b;
} rgb;

static const rgb INK = {0.10, 0.10, 0.12};
static const rgb GREY = {0.42, 0.44, 0.48};
static const rgb NAVY = {0.11, 0.23, 0.38};
static const rgb RULE = {0.72, 0.75, 0.80};
static const rgb ZEBRA = {0.955, 0.963, 0.975};
static const rgb LABEL_BG = {0.925, 0.937, 0.957};
static const rgb WHITE = {1, 1, 1};
static const rgb MARK = {0.72, 0.10, 0.12};

/* Note and severity tints by tone: background, bar. */
static const rgb TONE_BG[] = {
    {0.918, 0.945, 0.980}, {0.910, 0.965, 0.918}, {1.000, 0.957, 0.855}, {0.992, 0.906, 0.906}};
static const rgb TONE_BAR[] = {
    {0.20, 0.43, 0.72}, {0.18, 0.55, 0.30}, {0.86, 0.58, 0.08}, {0.75, 0.14, 0.14}};

/* One line of a layout, in points from the layout's origin. */
typedef struct line {
    PangoLayoutLine *l;
    double top, bot, base, x;
} line;

typedef struct lines {
    line *v;
    size_t n, cap;
} lines;

/* Column widths of a table block, computed in the first pass. */
typedef struct colw {
    double *w;
    size_t n;
} colw;

typedef struct pdf {
    const tk_rdoc *d;
    cairo_surface_t *surf;
    cairo_t *cr;
    PangoContext *pc;
    int draw;     /* 0 in the measuring pass */
    int page;     /* current page, from 1; 0 before the first */
    int npages;   /* all pages (known in the drawing pass) */
    int toc_from; /* first page of the table of contents, 0: none */
    double y;     /* next free point on the page */
    int *hpage;   /* per block: the page of a heading */
    colw *tw;     /* per block: a table's column widths */
    int outline1; /* outline id of the last level-1 heading */
    PangoFontDescription *gothic, *mincho;
    PangoLayout *lay;  /* scratch layout of the blocks */
    PangoLayout *aux;  /* scratch layout of bullets, while lay is flowed */
    PangoLayout *deco; /* scratch layout of the page decorations */
    lines ln;          /* scratch lines */
    int ja;
    int rc;
    tk_error *err;
} pdf;

/* ---- small helpers ---------------------------------------------------- */

static void color(pdf *p, rgb c)
{
    cairo_set_source_rgb(p->cr, c.r, c.g, c.b);
}

static void fill_rect(pdf *p, double x, double y, double w, double h, rgb c)
{
    color(p, c);
    cairo_rectangle(p->cr, x, y, w, h);
    cairo_fill(p->cr);
}

static void hline(pdf *p, double x0, double x1, double y, double width, rgb c)
{
    color(p, c);
    cairo_set_line_width(p->cr, width);
    cairo_move_to(p->cr, x0, y);
    cairo_line_to(p->cr, x1, y);
    cairo_stroke(p->cr);
}

static int pu(double pt)
{
    return (int)(pt * PANGO_SCALE + 0.5);
}

static double pt(int u)
{
    return (double)u / PANGO_SCALE;
}

static int nomem(pdf *p)
{
    if (p->rc == TK_OK)
        p->rc = tk_error_set(p->err, TK_ENOMEM, "out of memory laying out the pdf");
    return p->rc;
}

/* Sets text on layout l; text that is not valid UTF-8 is repaired first,
 * since pango would otherwise drop it with a warning. */
static void set_text(PangoLayout *l, const char *s)
{
    if (!s)
        s = "";
    if (g_utf8_validate(s, -1, NULL)) {
        pango_layout_set_text(l, s, -1);
    } else {
        gchar *v = g_utf8_make_valid(s, -1);
        pango_layout_set_text(l, v, -1);
        g_free(v);
    }
}

/* Prepares layout l: font family f at size, width (<= 0: no wrapping),
 * alignment and the line spacing factor. */
static void setup(PangoLayout *l, const PangoFontDescription *f, double size, double width,
                  PangoAlignment align, double spacing)
{
    PangoFontDescription *fd = pango_font_description_copy_static(f);

    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, width > 0 ? pu(width) : -1);
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align);
    pango_layout_set_line_spacing(l, (float)spacing);
}

static double text_height(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return pt(h);
}

static double text_width(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return pt(w);
}

/* The lines of layout l into ls (its previous content dropped). Returns
 * TK_OK or TK_ENOMEM. */
static int get_lines(pdf *p, PangoLayout *l, lines *ls)
{
    PangoLayoutIter *it = pango_layout_get_iter(l);

    ls->n = 0;
    do {
        int y0, y1;
        PangoRectangle log;
        line *e;

        if (ls->n == ls->cap) {
            const size_t cap = ls->cap ? 2 * ls->cap : 16;
            line *v = realloc(ls->v, cap * sizeof *v);
            if (!v) {
                pango_layout_iter_free(it);
                return nomem(p);
            }
            ls->v = v;
            ls->cap = cap;
        }
        e = &ls->v[ls->n++];
        pango_layout_iter_get_line_yrange(it, &y0, &y1);
        pango_layout_iter_get_line_extents(it, NULL, &log);
        e->l = pango_layout_iter_get_line_readonly(it);
        e->top = pt(y0);
        e->bot = pt(y1);
        e->base = pt(pango_layout_iter_get_baseline(it));
        e->x = pt(log.x);
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    return TK_OK;
}

/* Draws lines [from, to) of ls with the layout's origin at (x, oy). */
static void draw_lines(pdf *p, const lines *ls, size_t from, size_t to, double x, double oy, rgb c)
{
    if (!p->draw)
        return;
    color(p, c);
    for (size_t i = from; i < to; i++) {
        cairo_move_to(p->cr, x + ls->v[i].x, oy + ls->v[i].base);
        pango_cairo_show_layout_line(p->cr, ls->v[i].l);
    }
}

/* Draws layout l whole with its top left at (x, y). */
static void show(pdf *p, PangoLayout *l, double x, double y, rgb c)
{
    if (!p->draw)
        return;
    color(p, c);
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, l);
}

/* ---- pages ------------------------------------------------------------- */

/* The classification, the running title, the footer and "n / N". */
static void decorate(pdf *p)
{
    PangoLayout *l = p->deco;
    const char *cls = tk_rdoc_classification(p->d);
    const char *foot = tk_rdoc_footer(p->d);
    const int cover = p->page == 1;
    char num[64];

    if (cls && *cls) {
        const double size = cover ? 12.0 : 9.0;
        double w, h, x, y;

        setup(l, p->gothic, size, 0, PANGO_ALIGN_LEFT, 0);
        set_text(l, cls);
        w = text_width(l);
        h = text_height(l);
        x = RIGHT - w - 2 * size * 0.45;
        y = (cover ? 10.0 : 9.0) * MM;
        color(p, MARK);
        cairo_set_line_width(p->cr, cover ? 1.2 : 0.8);
        cairo_rectangle(p->cr, x, y, w + 2 * size * 0.45, h + size * 0.5);
        cairo_stroke(p->cr);
        show(p, l, x + size * 0.45, y + size * 0.25, MARK);
    }
    if (!cover) {
        setup(l, p->gothic, SZ_SMALL, TEXT_W * 0.7, PANGO_ALIGN_LEFT, 0);
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
        set_text(l, tk_rdoc_title(p->d));
        show(p, l, LEFT, 10.5 * MM, GREY);
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_NONE);
        hline(p, LEFT, RIGHT, TOP - 4.0 * MM, 0.5, RULE);
    }
    hline(p, LEFT, RIGHT, BOTTOM + 5.0 * MM, 0.5, RULE);
    if (foot && *foot) {
        setup(l, p->gothic, SZ_SMALL, TEXT_W - 30 * MM, PANGO_ALIGN_LEFT, 0);
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
        set_text(l, foot);
        show(p, l, LEFT, BOTTOM + 7.0 * MM, GREY);
        pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_NONE);
    }
    snprintf(num, sizeof num, "%d / %d", p->page, p->npages);
    setup(l, p->gothic, 8.5, 30 * MM, PANGO_ALIGN_RIGHT, 0);
    set_text(l, num);
    {
        /* Wider spaces around the slash, so that text extraction keeps
         * them ("1 / 9", not "1/9"). */
        PangoAttrList *al = pango_attr_list_new();
        for (const char *sp = num; (sp = strchr(sp, ' ')) != NULL; sp++) {
            PangoAttribute *a = pango_attr_letter_spacing_new(pu(3.0));
            a->start_index = (guint)(sp - num);
            a->end_index = a->start_index + 1;
            pango_attr_list_insert(al, a);
        }
        pango_layout_set_attributes(l, al);
        pango_attr_list_unref(al);
        show(p, l, RIGHT - 30 * MM, BOTTOM + 6.8 * MM, INK);
        pango_layout_set_attributes(l, NULL);
    }
}

static void page_new(pdf *p)
{
    if (p->draw && p->page > 0) {
        cairo_show_page(p->cr);
        /* A sink that failed fails the rest: stop laying out. */
        if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS && p->rc == TK_OK)
            p->rc = tk_error_set(p->err, TK_EIO, "writing the pdf failed: %s",
                                 cairo_status_to_string(cairo_status(p->cr)));
    }
    p->page++;
    p->y = TOP;
    if (p->draw)
        decorate(p);
}

static int at_top(const pdf *p)
{
    return p->y <= TOP + EPS;
}

static int fits(const pdf *p, double h)
{
    return p->y + h <= BOTTOM + EPS;
}

/* Starts a new page unless h fits on this one (or this one is empty). */
static void need(pdf *p, double h)
{
    if (!fits(p, h) && !at_top(p))
        page_new(p);
}

/* ---- flowing text ------------------------------------------------------ */

/* How a flowed layout is framed: a note's tinted box, a list's bullet. */
typedef struct frame {
    int box;            /* a tinted box with a bar on the left */
    rgb bg, bar;        /* its colours */
    double pad;         /* its inner padding */
    const char *marker; /* drawn before the first line (a bullet), or NULL */
    double marker_x;
} frame;

/* Flows layout l, set to the width it is drawn at, from the cursor at x:
 * as many lines as fit on this page, the rest on the next pages. A
 * paragraph's first line is not left alone at the foot of a page, nor its
 * last alone at the top of the next. Returns TK_OK or TK_ENOMEM. */
static int flow(pdf *p, PangoLayout *l, double x, double w, const frame *fr, rgb ink)
{
    const double pad = fr && fr->box ? fr->pad : 0;
    lines *ls = &p->ln;
    size_t i = 0;

    if (get_lines(p, l, ls) != TK_OK)
        return p->rc;
    while (i < ls->n && p->rc == TK_OK) {
        const double avail = BOTTOM - p->y - 2 * pad;
        size_t j = i;
        double h;

        while (j < ls->n && ls->v[j].bot - ls->v[i].top <= avail + EPS)
            j++;
        if (!at_top(p) && (j == i || (i == 0 && j == 1 && ls->n > 1))) {
            page_new(p);
            continue;
        }
        if (j == i)
            j = i + 1; /* a line taller than a page: drawn, clipped by the page */
        if (j + 1 == ls->n && j - i >= 3)
            j--; /* leave two lines, not one, for the next page */
        h = ls->v[j - 1].bot - ls->v[i].top + 2 * pad;
        if (p->draw && fr && fr->box) {
            fill_rect(p, x - pad, p->y, w + 2 * pad, h, fr->bg);
            fill_rect(p, x - pad, p->y, 2.5, h, fr->bar);
        }
        if (p->draw && fr && fr->marker && i == 0) {
            PangoLayout *m = p->aux;
            setup(m, p->mincho, SZ_BODY, 0, PANGO_ALIGN_LEFT, 0);
            set_text(m, fr->marker);
            color(p, NAVY);
            cairo_move_to(p->cr, fr->marker_x, p->y + pad + ls->v[0].base);
            pango_cairo_show_layout_line(p->cr, pango_layout_get_line_readonly(m, 0));
        }
        draw_lines(p, ls, i, j, x, p->y + pad - ls->v[i].top, ink);
        p->y += h;
        i = j;
        if (i < ls->n)
            page_new(p);
    }
    return TK_OK;
}

/* ---- blocks ------------------------------------------------------------ */

/* How much of the block after a heading must fit under it: the start of
 * a paragraph, a table's caption, header row and first rows, a whole
 * chart. */
static double keep_next(const pdf *p, size_t bi)
{
    tk_rdoc_block nb;

    if (bi + 1 >= tk_rdoc_count(p->d))
        return 0;
    tk_rdoc_block_at(p->d, bi + 1, &nb);
    switch (nb.kind) {
    case TK_RDOC_TABLE:
        return 110;
    case TK_RDOC_CHART: {
        double w = nb.width_mm * MM, h = nb.height_mm * MM;
        if (!(w > 1) || !(h > 1))
            return TEXT_W * 0.5 + 30;
        if (w > TEXT_W)
            h *= TEXT_W / w;
        return (h < BODY_H - 40 ? h : BODY_H - 40) + 30;
    }
    case TK_RDOC_HEADING:
        return 80;
    default:
        return 3 * SZ_BODY * 1.7;
    }
}

static int heading(pdf *p, size_t bi, const tk_rdoc_block *b)
{
    PangoLayout *l = p->lay;
    const int lv = b->level < 1 ? 1 : b->level > 3 ? 3 : b->level;
    const double size = lv == 1 ? SZ_H1 : lv == 2 ? SZ_H2 : SZ_H3;
    const double before = lv == 1 ? 0 : lv == 2 ? 14 : 9;
    const double indent = lv == 2 ? 8 : 0;
    double h;

    if (lv == 1 && !at_top(p))
        page_new(p);
    setup(l, p->gothic, size, TEXT_W - indent, PANGO_ALIGN_LEFT, 1.25);
    set_text(l, b->text);
    h = text_height(l) + (lv == 1 ? 14 : 6);
    /* Room for the heading and the start of what follows. */
    need(p, (at_top(p) ? 0 : before) + h + keep_next(p, bi));
    if (!at_top(p))
        p->y += before;
    p->hpage[bi] = p->page;
    if (p->draw) {
        const int parent = lv == 1 ? CAIRO_PDF_OUTLINE_ROOT : p->outline1;
        char dest[96];
        snprintf(dest, sizeof dest, "page=%d pos=[%.1f %.1f]", p->page, LEFT, p->y);
        if (lv <= 2) {
            /* cairo refuses a name that is not UTF-8, and the whole
             * surface with it. */
            gchar *name = g_utf8_make_valid(b->text ? b->text : "", -1);
            const int id = cairo_pdf_surface_add_outline(p->surf, parent, name, dest,
                                                         CAIRO_PDF_OUTLINE_FLAG_OPEN);
            g_free(name);
            if (lv == 1)
                p->outline1 = id;
        }
        if (lv == 2)
            fill_rect(p, LEFT, p->y + 1, 3.0, text_height(l) - 2, NAVY);
        show(p, l, LEFT + indent, p->y, NAVY);
        if (lv == 1)
            hline(p, LEFT, RIGHT, p->y + text_height(l) + 5, 1.4, NAVY);
    }
    p->y += h;
    return TK_OK;
}

static int para(pdf *p, const char *text)
{
    setup(p->lay, p->mincho, SZ_BODY, TEXT_W, PANGO_ALIGN_LEFT, 1.7);
    pango_layout_set_justify(p->lay, TRUE);
    set_text(p->lay, text);
    if (flow(p, p->lay, LEFT, TEXT_W, NULL, INK) != TK_OK)
        return p->rc;
    pango_layout_set_justify(p->lay, FALSE);
    p->y += 7;
    return TK_OK;
}

static int note(pdf *p, tk_rdoc_tone tone, const char *text)
{
    const size_t t = (size_t)tone < 4 ? (size_t)tone : 0;
    frame fr = {1, TONE_BG[t], TONE_BAR[t], NOTE_PAD, NULL, 0};
    const double x = LEFT + NOTE_PAD + 3;
    const double w = TEXT_W - 2 * NOTE_PAD - 3;

    p->y += 2;
    setup(p->lay, p->gothic, 9.5, w, PANGO_ALIGN_LEFT, 1.55);
    set_text(p->lay, text);
    if (flow(p, p->lay, x, w, &fr, INK) != TK_OK)
        return p->rc;
    p->y += 9;
    return TK_OK;
}

static int list(pdf *p, const tk_rdoc_block *b)
{
    const double indent = 14;

    for (size_t i = 0; i < b->nitems; i++) {
        frame fr = {0, WHITE, WHITE, 0, "•", LEFT + 4};
        setup(p->lay, p->mincho, SZ_BODY, TEXT_W - indent, PANGO_ALIGN_LEFT, 1.6);
        set_text(p->lay, b->items[i]);
        if (flow(p, p->lay, LEFT + indent, TEXT_W - indent, &fr, INK) != TK_OK)
            return p->rc;
        p->y += 2;
    }
    p->y += 6;
    return TK_OK;
}

/* ---- tables ------------------------------------------------------------ */

/* A table as laid out: a tk_rdoc table, the cover's facts or a facts
 * block (two columns, no header row, the labels shaded). */
typedef struct tbl {
    size_t ncols, nrows;
    const char *const *headers; /* NULL: no header row */
    const unsigned *flags;      /* may be NULL */
    const char *const *cells;
    double x, width;
    int facts;
} tbl;

/* One cell being drawn: its layout, its lines, the first line not drawn. */
typedef struct cellst {
    PangoLayout *l;
    lines ls;
    size_t next;
} cellst;

static unsigned cflags(const tbl *t, size_t c)
{
    return t->flags ? t->flags[c] : 0u;
}

/* The tone of a severity value, -1 for none. */
static int severity_tone(const char *s)
{
    if (!s)
        return -1;
    static const struct {
        const char *v;
        int tone;
    } map[] = {{"critical", 3}, {"重大", 3}, {"high", 2}, {"高", 2},
               {"medium", 1},   {"中", 1},   {"low", 0},  {"低", 0}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(s, map[i].v) == 0)
            return map[i].tone;
    return -1;
}

static const rgb SEV_BG[] = {
    {0.902, 0.937, 0.980}, {1.000, 0.953, 0.800}, {0.996, 0.863, 0.718}, {0.965, 0.780, 0.780}};
static const rgb SEV_INK[] = {
    {0.13, 0.30, 0.55}, {0.45, 0.33, 0.00}, {0.55, 0.25, 0.00}, {0.58, 0.05, 0.08}};

static void cell_font(pdf *p, const tbl *t, PangoLayout *l, size_t c, double w, int header)
{
    const unsigned f = cflags(t, c);
    const PangoAlignment a = !header && (f & TK_RDOC_COL_NUM)        ? PANGO_ALIGN_RIGHT
                             : !header && (f & TK_RDOC_COL_SEVERITY) ? PANGO_ALIGN_CENTER
                                                                     : PANGO_ALIGN_LEFT;
    /* A measuring call passes 0 (one line); a drawn cell keeps at least a
     * few points, so that a table of very many columns still wraps. */
    if (w != 0 && w < 4)
        w = 4;
    setup(l, t->facts && c == 1 ? p->mincho : p->gothic, t->facts ? 9.5 : SZ_TABLE, w, a,
          t->facts ? 1.45 : 1.3);
}

/* Column widths of t into w[], as described at the top of the file.
 * Returns TK_OK or TK_ENOMEM. */
static int col_widths(pdf *p, const tbl *t, double *w)
{
    const size_t nc = t->ncols;
    double *nat = calloc(nc, sizeof *nat), *mn = calloc(nc, sizeof *mn);
    const double em = t->facts ? 9.5 : SZ_TABLE;
    double snat = 0, smin = 0, spare;
    PangoLayout *l = p->lay;

    if (!nat || !mn) {
        free(nat);
        free(mn);
        return nomem(p);
    }
    for (size_t c = 0; c < nc; c++) {
        const unsigned f = cflags(t, c);
        double hn = 0, cn = 0;

        cell_font(p, t, l, c, 0, 1);
        if (t->headers) {
            set_text(l, t->headers[c]);
            hn = text_width(l);
        }
        if (!(f & TK_RDOC_COL_BLANK))
            for (size_t r = 0; r < t->nrows; r++) {
                const char *s = t->cells[r * nc + c];
                double x;
                if (!s || !*s)
                    continue;
                /* Beyond a few hundred bytes a cell wraps anyway. */
                if (strlen(s) > 400) {
                    cn = TEXT_W;
                    continue;
                }
                set_text(l, s);
                x = text_width(l);
                if (x > cn)
                    cn = x;
            }
        if (f & TK_RDOC_COL_BLANK) {
            nat[c] = mn[c] = (hn > 34 * MM ? hn : 34 * MM);
        } else if (f & (TK_RDOC_COL_NOWRAP | TK_RDOC_COL_NUM)) {
            nat[c] = cn > hn ? cn : hn;
            mn[c] = cn > (hn < 4 * em ? hn : 4 * em) ? cn : (hn < 4 * em ? hn : 4 * em);
        } else {
            const double hmin = hn < 6 * em ? hn : 6 * em;
            nat[c] = cn > hn ? cn : hn;
            mn[c] = hmin > 4 * em ? hmin : 4 * em;
            if (mn[c] > nat[c])
                mn[c] = nat[c];
        }
        nat[c] += 2 * CELL_PX + 0.5;
        mn[c] += 2 * CELL_PX + 0.5;
        snat += nat[c];
        smin += mn[c];
    }
    if (snat <= t->width) {
        size_t nwide = 0, nflex = 0;
        double flex = 0;
        spare = t->width - snat;
        for (size_t c = 0; c < nc; c++) {
            const unsigned f = cflags(t, c);
            w[c] = nat[c];
            if (f & TK_RDOC_COL_WIDE)
                nwide++;
            if (!(f & (TK_RDOC_COL_NOWRAP | TK_RDOC_COL_NUM | TK_RDOC_COL_BLANK))) {
                nflex++;
                flex += nat[c];
            }
        }
        for (size_t c = 0; c < nc; c++) {
            const unsigned f = cflags(t, c);
            if (nwide)
                w[c] += (f & TK_RDOC_COL_WIDE) ? spare / (double)nwide : 0;
            else if (nflex)
                w[c] += (f & (TK_RDOC_COL_NOWRAP | TK_RDOC_COL_NUM | TK_RDOC_COL_BLANK))
                            ? 0
                            : spare * nat[c] / flex;
            else
                w[c] += spare * nat[c] / snat;
        }
    } else if (smin <= t->width) {
        double want = 0;
        spare = t->width - smin;
        for (size_t c = 0; c < nc; c++)
            want += nat[c] - mn[c];
        for (size_t c = 0; c < nc; c++)
            w[c] = mn[c] + (want > 0 ? spare * (nat[c] - mn[c]) / want : spare / (double)nc);
    } else {
        for (size_t c = 0; c < nc; c++)
            w[c] = mn[c] * t->width / smin;
    }
    free(nat);
    free(mn);
    return TK_OK;
}

/* Lays the cells of row r (or the header row, r == SIZE_MAX) into cs and
 * returns the row's height. */
static double row_layout(pdf *p, const tbl *t, const double *w, size_t r, cellst *cs)
{
    double h = 0;

    for (size_t c = 0; c < t->ncols; c++) {
        const int header = r == (size_t)-1;
        const char *s = header ? t->headers[c] : t->cells[r * t->ncols + c];
        double ch;

        cell_font(p, t, cs[c].l, c, w[c] - 2 * CELL_PX, header);
        set_text(cs[c].l, !header && (cflags(t, c) & TK_RDOC_COL_BLANK) ? "" : s);
        cs[c].next = 0;
        if (get_lines(p, cs[c].l, &cs[c].ls) != TK_OK)
            return 0;
        ch = cs[c].ls.v[cs[c].ls.n - 1].bot;
        if (ch > h)
            h = ch;
    }
    h += 2 * CELL_PY;
    if (!t->headers || r != (size_t)-1)
        for (size_t c = 0; c < t->ncols; c++)
            if ((cflags(t, c) & TK_RDOC_COL_BLANK) && h < BLANK_H)
                h = BLANK_H;
    return h;
}

/* Draws the header row, laid out once in hs, at the cursor. */
static void header_row(pdf *p, const tbl *t, const double *w, const cellst *hs, double hh)
{
    double x = t->x;

    if (!t->headers)
        return;
    if (p->draw) {
        fill_rect(p, t->x, p->y, t->width, hh, NAVY);
        for (size_t c = 0; c < t->ncols; c++) {
            draw_lines(p, &hs[c].ls, 0, hs[c].ls.n, x + CELL_PX, p->y + CELL_PY, WHITE);
            if (c > 0)
                fill_rect(p, x - 0.25, p->y, 0.5, hh, (rgb){0.35, 0.45, 0.58});
            x += w[c];
        }
    }
    p->y += hh;
}

/* Draws row r: on this page if it fits, else on the next under a repeated
 * header; a row taller than a page is split between lines. */
static int table_row(pdf *p, const tbl *t, const double *w, size_t r, cellst *cs, const cellst *hs,
                     double hh)
{
    double rh = row_layout(p, t, w, r, cs);
    int left;

    if (p->rc != TK_OK)
        return p->rc;
    if (!fits(p, rh) && (rh <= BODY_H - hh || BOTTOM - p->y < 4 * SZ_TABLE * 1.3)) {
        page_new(p);
        header_row(p, t, w, hs, hh);
    }
    do {
        const double avail = BOTTOM - p->y - 2 * CELL_PY;
        double seg = 0, x = t->x;

        left = 0;
        for (size_t c = 0; c < t->ncols; c++) {
            lines *ls = &cs[c].ls;
            size_t j = cs[c].next;
            double used;
            if (j >= ls->n)
                continue;
            while (j < ls->n && ls->v[j].bot - ls->v[cs[c].next].top <= avail + EPS)
                j++;
            if (j == cs[c].next && p->y <= TOP + hh + EPS)
                j++; /* at the top of a page: always progress */
            used = j > cs[c].next ? ls->v[j - 1].bot - ls->v[cs[c].next].top : 0;
            if (used > seg)
                seg = used;
        }
        seg += 2 * CELL_PY;
        {
            int whole = 1;
            for (size_t c = 0; c < t->ncols; c++)
                if (cs[c].next > 0)
                    whole = 0;
            if (whole && fits(p, rh))
                seg = rh;
        }
        if (p->draw) {
            const int odd = (int)(r & 1u);
            if (odd && !t->facts)
                fill_rect(p, t->x, p->y, t->width, seg, ZEBRA);
            if (t->facts)
                fill_rect(p, t->x, p->y, w[0], seg, LABEL_BG);
        }
        for (size_t c = 0; c < t->ncols; c++) {
            lines *ls = &cs[c].ls;
            const unsigned f = cflags(t, c);
            const size_t from = cs[c].next;
            size_t j = from;
            rgb ink = INK;

            if (p->draw && (f & TK_RDOC_COL_SEVERITY)) {
                const int tone = severity_tone(t->cells[r * t->ncols + c]);
                if (tone >= 0 && from == 0 && ls->n > 0) {
                    /* A badge behind the value, not the whole cell. */
                    const double bh = ls->v[ls->n - 1].bot + 2 * CELL_PY - 2;
                    fill_rect(p, x + 2, p->y + 1, w[c] - 4, bh < seg - 2 ? bh : seg - 2,
                              SEV_BG[tone]);
                    ink = SEV_INK[tone];
                }
            }
            if (p->draw && (f & TK_RDOC_COL_BLANK)) {
                fill_rect(p, x + 3, p->y + 3, w[c] - 6, seg - 6, WHITE);
                color(p, RULE);
                cairo_set_line_width(p->cr, 0.6);
                cairo_rectangle(p->cr, x + 3, p->y + 3, w[c] - 6, seg - 6);
                cairo_stroke(p->cr);
            }
            while (j < ls->n && ls->v[j].bot - ls->v[from].top <= seg - 2 * CELL_PY + EPS)
                j++;
            if (j < ls->n)
                left = 1;
            if (j > from)
                draw_lines(p, ls, from, j, x + CELL_PX, p->y + CELL_PY - ls->v[from].top,
                           t->facts && c == 0 ? NAVY : ink);
            cs[c].next = j;
            x += w[c];
        }
        if (p->draw)
            hline(p, t->x, t->x + t->width, p->y + seg, t->facts ? 0.5 : 0.35, RULE);
        p->y += seg;
        if (left) {
            page_new(p);
            header_row(p, t, w, hs, hh);
        }
    } while (left && p->rc == TK_OK);
    return p->rc;
}

/* Lays out table t (caption may be NULL) of block bi. */
static int table(pdf *p, size_t bi, const tbl *t, const char *caption)
{
    cellst *cs = NULL, *hs = NULL;
    double *w;
    double hh = 0, r0 = 0, ch = 0;
    int rc = TK_OK;

    if (t->ncols == 0)
        return TK_OK;
    if (!p->tw[bi].w) {
        p->tw[bi].w = calloc(t->ncols, sizeof(double));
        if (!p->tw[bi].w)
            return nomem(p);
        p->tw[bi].n = t->ncols;
        if (col_widths(p, t, p->tw[bi].w) != TK_OK)
            return p->rc;
    }
    w = p->tw[bi].w;
    cs = calloc(t->ncols, sizeof *cs);
    hs = calloc(t->ncols, sizeof *hs);
    if (!cs || !hs) {
        free(cs);
        free(hs);
        return nomem(p);
    }
    for (size_t c = 0; c < t->ncols; c++) {
        cs[c].l = pango_layout_new(p->pc);
        hs[c].l = pango_layout_new(p->pc);
    }
    if (caption && *caption) {
        setup(p->lay, p->gothic, SZ_CAPTION, t->width, PANGO_ALIGN_LEFT, 1.3);
        set_text(p->lay, caption);
        ch = text_height(p->lay) + 4;
    }
    if (t->headers)
        hh = row_layout(p, t, w, (size_t)-1, hs);
    if (t->nrows > 0)
        r0 = row_layout(p, t, w, 0, cs);
    if (r0 > 6 * SZ_TABLE * 1.3)
        r0 = 6 * SZ_TABLE * 1.3;
    if (p->rc != TK_OK)
        goto done;
    /* The caption, the header row and the first row stay together. */
    need(p, ch + hh + r0);
    if (ch > 0) {
        setup(p->lay, p->gothic, SZ_CAPTION, t->width, PANGO_ALIGN_LEFT, 1.3);
        set_text(p->lay, caption);
        show(p, p->lay, t->x, p->y, NAVY);
        p->y += ch;
    }
    if (t->facts)
        hline(p, t->x, t->x + t->width, p->y, 0.5, RULE);
    header_row(p, t, w, hs, hh);
    for (size_t r = 0; r < t->nrows && rc == TK_OK; r++)
        rc = table_row(p, t, w, r, cs, hs, hh);
    p->y += t->facts ? 10 : 12;
done:
    for (size_t c = 0; c < t->ncols; c++) {
        g_object_unref(cs[c].l);
        free(cs[c].ls.v);
        g_object_unref(hs[c].l);
        free(hs[c].ls.v);
    }
    free(cs);
    free(hs);
    return p->rc;
}

static int chart(pdf *p, const tk_rdoc_block *b)
{
    double w = b->width_mm * MM, h = b->height_mm * MM, ch = 0;
    const double maxh = BODY_H - 40;
    double x;

    if (!(w > 1) || !(h > 1)) {
        w = TEXT_W;
        h = TEXT_W * 0.5;
    }
    if (w > TEXT_W) {
        h *= TEXT_W / w;
        w = TEXT_W;
    }
    if (h > maxh) {
        w *= maxh / h;
        h = maxh;
    }
    x = LEFT + (TEXT_W - w) / 2;
    if (b->text && *b->text) {
        setup(p->lay, p->gothic, SZ_CAPTION, TEXT_W, PANGO_ALIGN_CENTER, 1.3);
        set_text(p->lay, b->text);
        ch = text_height(p->lay) + 4;
    }
    p->y += 4;
    need(p, h + ch + 4);
    if (p->draw) {
        GError *ge = NULL;
        RsvgHandle *hd = NULL;
        const RsvgRectangle vp = {x, p->y, w, h};
        int ok = 0;

        if (b->svg)
            hd = rsvg_handle_new_from_data((const guint8 *)b->svg, strlen(b->svg), &ge);
        if (hd) {
            cairo_save(p->cr);
            ok = rsvg_handle_render_document(hd, p->cr, &vp, &ge);
            cairo_restore(p->cr);
            g_object_unref(hd);
        }
        if (ge)
            g_error_free(ge);
        if (!ok) {
            /* A chart that cannot be drawn leaves its frame and what it
             * shows in words, not a hole. */
            color(p, RULE);
            cairo_set_line_width(p->cr, 0.6);
            cairo_rectangle(p->cr, x, p->y, w, h);
            cairo_stroke(p->cr);
            setup(p->lay, p->gothic, SZ_CAPTION, w - 20, PANGO_ALIGN_CENTER, 1.3);
            set_text(p->lay, b->alt ? b->alt : "");
            show(p, p->lay, x + 10, p->y + h / 2 - text_height(p->lay) / 2, GREY);
        }
    }
    p->y += h + 4;
    if (ch > 0) {
        setup(p->lay, p->gothic, SZ_CAPTION, TEXT_W, PANGO_ALIGN_CENTER, 1.3);
        set_text(p->lay, b->text);
        show(p, p->lay, LEFT, p->y, GREY);
        p->y += ch;
    }
    p->y += 10;
    return TK_OK;
}

/* ---- cover and contents ----------------------------------------------- */

static int cover(pdf *p)
{
    PangoLayout *l = p->lay;
    const char *sub = tk_rdoc_subtitle(p->d);
    size_t pairs = 0;
    const char *const *facts = tk_rdoc_cover_facts(p->d, &pairs);

    page_new(p);
    p->y = TOP + 62 * MM;
    setup(l, p->gothic, SZ_TITLE, TEXT_W, PANGO_ALIGN_CENTER, 1.2);
    set_text(l, tk_rdoc_title(p->d));
    show(p, l, LEFT, p->y, NAVY);
    p->y += text_height(l) + 10;
    hline(p, LEFT + TEXT_W * 0.2, RIGHT - TEXT_W * 0.2, p->y, 1.6, NAVY);
    p->y += 14;
    if (sub && *sub) {
        setup(l, p->gothic, SZ_SUB, TEXT_W, PANGO_ALIGN_CENTER, 1.4);
        set_text(l, sub);
        show(p, l, LEFT, p->y, INK);
        p->y += text_height(l);
    }
    p->y += 28 * MM;
    if (pairs > 0) {
        static const unsigned ff[2] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE};
        const tbl t = {2, pairs, NULL, ff, facts, LEFT + TEXT_W * 0.12, TEXT_W * 0.76, 1};
        /* The cover's widths live in the slot after the last block. */
        if (table(p, tk_rdoc_count(p->d), &t, NULL) != TK_OK)
            return p->rc;
    }
    return TK_OK;
}

/* The table of contents: level-1 and level-2 headings, dotted leaders,
 * page numbers, each entry a link to its page. */
static int contents(pdf *p)
{
    const size_t n = tk_rdoc_count(p->d);
    PangoLayout *l = p->lay;
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        tk_rdoc_block b;
        tk_rdoc_block_at(p->d, i, &b);
        if (b.kind == TK_RDOC_HEADING && b.level <= 2)
            count++;
    }
    if (count == 0)
        return TK_OK;
    page_new(p);
    p->toc_from = p->page;
    setup(l, p->gothic, SZ_H1, TEXT_W, PANGO_ALIGN_LEFT, 1.25);
    set_text(l, p->ja ? "目次" : "Contents");
    show(p, l, LEFT, p->y, NAVY);
    hline(p, LEFT, RIGHT, p->y + text_height(l) + 5, 1.4, NAVY);
    p->y += text_height(l) + 22;
    for (size_t i = 0; i < n; i++) {
        tk_rdoc_block b;
        const double numw = 28;
        double indent, h, lastw, lasty;
        char num[32];

        tk_rdoc_block_at(p->d, i, &b);
        if (b.kind != TK_RDOC_HEADING || b.level > 2)
            continue;
        indent = b.level == 1 ? 0 : 16;
        if (b.level == 1)
            p->y += 5;
        setup(l, b.level == 1 ? p->gothic : p->mincho, b.level == 1 ? 11 : 10,
              TEXT_W - indent - numw - 12, PANGO_ALIGN_LEFT, 1.4);
        set_text(l, b.text);
        h = text_height(l);
        need(p, h + 4);
        if (p->draw) {
            PangoRectangle ext;
            const int lines_n = pango_layout_get_line_count(l);
            const double y0 = p->y;
            char attrs[128];

            show(p, l, LEFT + indent, p->y, b.level == 1 ? NAVY : INK);
            pango_layout_line_get_pixel_extents(pango_layout_get_line_readonly(l, lines_n - 1),
                                                NULL, &ext);
            lastw = ext.width;
            {
                PangoLayoutIter *it = pango_layout_get_iter(l);
                while (pango_layout_iter_next_line(it))
                    ;
                lasty = pt(pango_layout_iter_get_baseline(it));
                pango_layout_iter_free(it);
            }
            /* The leader: dots from the end of the text to the number. */
            color(p, RULE);
            cairo_set_line_width(p->cr, 0.9);
            cairo_set_line_cap(p->cr, CAIRO_LINE_CAP_ROUND);
            {
                const double dash[2] = {0, 3.2};
                cairo_set_dash(p->cr, dash, 2, 0);
            }
            cairo_move_to(p->cr, LEFT + indent + lastw + 6, p->y + lasty - 1);
            cairo_line_to(p->cr, RIGHT - numw - 2, p->y + lasty - 1);
            cairo_stroke(p->cr);
            cairo_set_dash(p->cr, NULL, 0, 0);
            cairo_set_line_cap(p->cr, CAIRO_LINE_CAP_BUTT);
            snprintf(num, sizeof num, "%d", p->hpage[i]);
            setup(l, p->gothic, b.level == 1 ? 11 : 10, numw, PANGO_ALIGN_RIGHT, 1.4);
            set_text(l, num);
            show(p, l, RIGHT - numw, p->y + (lasty - pt(pango_layout_get_baseline(l))),
                 b.level == 1 ? NAVY : INK);
            snprintf(attrs, sizeof attrs, "rect=[%.1f %.1f %.1f %.1f] page=%d", LEFT, y0, TEXT_W, h,
                     p->hpage[i] > 0 ? p->hpage[i] : 1);
            cairo_tag_begin(p->cr, CAIRO_TAG_LINK, attrs);
            cairo_tag_end(p->cr, CAIRO_TAG_LINK);
        }
        p->y += h + 4;
    }
    return TK_OK;
}

/* ---- the document ------------------------------------------------------ */

static int body(pdf *p)
{
    const size_t n = tk_rdoc_count(p->d);
    int first = 1;

    for (size_t i = 0; i < n && p->rc == TK_OK; i++) {
        tk_rdoc_block b;

        tk_rdoc_block_at(p->d, i, &b);
        if (first) {
            /* The body starts on a page of its own after the cover and
             * the contents. */
            page_new(p);
            first = 0;
        }
        switch (b.kind) {
        case TK_RDOC_HEADING:
            (void)heading(p, i, &b);
            break;
        case TK_RDOC_PARA:
            (void)para(p, b.text);
            break;
        case TK_RDOC_NOTE:
            (void)note(p, b.tone, b.text);
            break;
        case TK_RDOC_LIST:
            (void)list(p, &b);
            break;
        case TK_RDOC_FACTS: {
            static const unsigned ff[2] = {0, TK_RDOC_COL_WIDE};
            const tbl t = {2, b.nitems / 2, NULL, ff, b.items, LEFT, TEXT_W, 1};
            (void)table(p, i, &t, NULL);
            break;
        }
        case TK_RDOC_TABLE: {
            const tbl t = {b.ncols, b.nrows, b.headers, b.colflags, b.cells, LEFT, TEXT_W, 0};
            (void)table(p, i, &t, b.text);
            break;
        }
        case TK_RDOC_CHART:
            (void)chart(p, &b);
            break;
        case TK_RDOC_PAGEBREAK:
            if (!at_top(p))
                page_new(p);
            break;
        }
    }
    return p->rc;
}

/* One pass over the whole document. */
static int pass(pdf *p)
{
    p->page = 0;
    p->outline1 = CAIRO_PDF_OUTLINE_ROOT;
    if (cover(p) != TK_OK || contents(p) != TK_OK || body(p) != TK_OK)
        return p->rc;
    return TK_OK;
}

/* Whether fontconfig has family (by any of its names) with Japanese
 * glyphs, rather than a substitute. */
static int font_ok(const char *family)
{
    FcPattern *pat = FcPatternCreate(), *m = NULL;
    FcResult res;
    int ok = 0;

    if (!pat)
        return 0;
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    m = FcFontMatch(NULL, pat, &res);
    if (m) {
        FcChar8 *s;
        FcCharSet *cs;
        for (int i = 0; FcPatternGetString(m, FC_FAMILY, i, &s) == FcResultMatch; i++)
            if (strcasecmp((const char *)s, family) == 0)
                ok = 1;
        if (ok && FcPatternGetCharSet(m, FC_CHARSET, 0, &cs) == FcResultMatch)
            ok = FcCharSetHasChar(cs, 0x3042) && FcCharSetHasChar(cs, 0x6f22);
        FcPatternDestroy(m);
    }
    FcPatternDestroy(pat);
    return ok;
}

static const char *font_package(const char *family)
{
    if (strcasecmp(family, "IPAexGothic") == 0)
        return "fonts-ipaexfont-gothic";
    if (strcasecmp(family, "IPAexMincho") == 0)
        return "fonts-ipaexfont-mincho";
    return NULL;
}

static PangoFontDescription *family_desc(const char *family)
{
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, family);
    pango_font_description_set_weight(fd, PANGO_WEIGHT_NORMAL);
    return fd;
}

static cairo_status_t discard(void *closure, const unsigned char *data, unsigned int len)
{
    (void)closure;
    (void)data;
    (void)len;
    return CAIRO_STATUS_SUCCESS;
}

typedef struct sinkst {
    tk_pdf_sink fn;
    void *closure;
    int failed;
} sinkst;

static cairo_status_t to_sink(void *closure, const unsigned char *data, unsigned int len)
{
    sinkst *s = closure;
    if (s->failed || s->fn(s->closure, data, len) != 0) {
        s->failed = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

/* Opens surface and context for one pass. */
static int open_pass(pdf *p, cairo_write_func_t fn, void *closure)
{
    p->surf = cairo_pdf_surface_create_for_stream(fn, closure, PAGE_W, PAGE_H);
    p->cr = cairo_create(p->surf);
    if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
        p->rc = tk_error_set(p->err, TK_EINTERNAL, "cannot start the pdf: %s",
                             cairo_status_to_string(cairo_status(p->cr)));
        return p->rc;
    }
    p->pc = pango_cairo_create_context(p->cr);
    p->lay = pango_layout_new(p->pc);
    p->aux = pango_layout_new(p->pc);
    p->deco = pango_layout_new(p->pc);
    return TK_OK;
}

static void close_pass(pdf *p)
{
    if (p->lay)
        g_object_unref(p->lay);
    if (p->aux)
        g_object_unref(p->aux);
    if (p->deco)
        g_object_unref(p->deco);
    p->aux = NULL;
    p->deco = NULL;
    if (p->pc)
        g_object_unref(p->pc);
    if (p->cr)
        cairo_destroy(p->cr);
    if (p->surf)
        cairo_surface_destroy(p->surf);
    p->lay = NULL;
    p->pc = NULL;
    p->cr = NULL;
    p->surf = NULL;
}

int tk_pdf_write_to(const tk_rdoc *d, tk_pdf_sink sink, void *closure, const tk_pdf_options *o,
                    tk_error *err)
{
    const tk_pdf_options defaults = TK_PDF_OPTIONS_INIT;
    const char *hf, *bf;
    const size_t n = tk_rdoc_count(d);
    pdf p;
    sinkst ss = {sink, closure, 0};
    int rc = TK_OK;

    assert(d && sink);
    if (!o)
        o = &defaults;
    hf = o->heading_family ? o->heading_family : "IPAexGothic";
    bf = o->body_family ? o->body_family : "IPAexMincho";
    if (!font_ok(hf)) {
        const char *pkg = font_package(hf);
        if (pkg)
            return tk_error_set(err, TK_ENOTFOUND,
                                "no japanese font for the pdf: font family \"%s\" is not "
                                "installed (debian package %s)",
                                hf, pkg);
        return tk_error_set(err, TK_ENOTFOUND,
                            "no japanese font for the pdf: font family \"%s\" is not installed "
                            "or has no japanese glyphs",
                            hf);
    }
    if (!font_ok(bf))
        bf = hf;

    memset(&p, 0, sizeof p);
    p.d = d;
    p.err = err;
    p.ja = strcmp(tk_rdoc_lang(d), "en") != 0;
    p.gothic = family_desc(hf);
    p.mincho = family_desc(bf);
    /* One slot per block, and one more for the cover's facts. */
    p.hpage = calloc(n + 1, sizeof *p.hpage);
    p.tw = calloc(n + 1, sizeof *p.tw);
    if (!p.hpage || !p.tw) {
        rc = nomem(&p);
        goto done;
    }

    /* Measuring pass. */
    if (open_pass(&p, discard, NULL) != TK_OK || pass(&p) != TK_OK) {
        rc = p.rc;
        goto done;
    }
    close_pass(&p);

    /* Drawing pass. */
    p.npages = p.page;
    p.draw = 1;
    if (open_pass(&p, to_sink, &ss) != TK_OK) {
        rc = p.rc;
        goto done;
    }
    {
        char date[32];
        const time_t t = o->created > 0 ? (time_t)o->created : time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
        gchar *title = g_utf8_make_valid(tk_rdoc_title(d), -1);
        cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_TITLE, title);
        g_free(title);
        cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_CREATOR, "tenken");
        cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_CREATE_DATE, date);
        cairo_pdf_surface_set_metadata(p.surf, CAIRO_PDF_METADATA_MOD_DATE, date);
    }
    if (pass(&p) != TK_OK) {
        rc = ss.failed ? tk_error_set(err, TK_EIO, "writing the pdf failed") : p.rc;
        goto done;
    }
    cairo_show_page(p.cr);
    cairo_surface_finish(p.surf);
    if (ss.failed) {
        rc = tk_error_set(err, TK_EIO, "writing the pdf failed");
        goto done;
    }
    if (cairo_surface_status(p.surf) != CAIRO_STATUS_SUCCESS) {
        rc = tk_error_set(err, TK_EINTERNAL, "cairo failed writing the pdf: %s",
                          cairo_status_to_string(cairo_surface_status(p.surf)));
        goto done;
    }
done:
    close_pass(&p);
    if (p.tw)
        for (size_t i = 0; i <= n; i++)
            free(p.tw[i].w);
    free(p.tw);
    free(p.hpage);
    free(p.ln.v);
    if (p.gothic)
        pango_font_description_free(p.gothic);
    if (p.mincho)
        pango_font_description_free(p.mincho);
    return rc;
}

static int to_file(void *closure, const unsigned char *data, size_t len)
{
    return fwrite(data, 1, len, (FILE *)closure) == len ? 0 : -1;
}

int tk_pdf_write(const tk_rdoc *d, const char *path, const tk_pdf_options *o, tk_error *err)
{
    const size_t len = strlen(path);
    char *tmp = malloc(len + 32);
    FILE *f = NULL;
    int fd, rc;

    assert(d && path);
    if (!tmp)
        return tk_error_set(err, TK_ENOMEM, "out of memory writing the pdf");
    /* Not mkstemp(): its 0600 would outlive the rename; a file made with
     * 0666 gets the permissions the umask gives any new file. */
    fd = -1;
    for (unsigned i = 0; fd < 0 && i < 100; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        snprintf(tmp, len + 32, "%s.tmp-%ld-%06lx", path, (long)getpid(),
                 ((unsigned long)ts.tv_nsec + i) & 0xffffffUL);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = tk_error_set(err, TK_EIO, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    f = fdopen(fd, "wb");
    if (!f) {
        rc = tk_error_set(err, TK_EIO, "cannot open %s: %s", tmp, strerror(errno));
        close(fd);
        goto fail;
    }
    rc = tk_pdf_write_to(d, to_file, f, o, err);
    if (rc == TK_EIO)
        tk_error_prefix(err, "%s", path);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        if (rc == TK_OK)
            rc = tk_error_set(err, TK_EIO, "writing %s failed: %s", path, strerror(errno));
    }
    if (fclose(f) != 0 && rc == TK_OK)
        rc = tk_error_set(err, TK_EIO, "writing %s failed: %s", path, strerror(errno));
    if (rc != TK_OK)
        goto fail;
    if (rename(tmp, path) != 0) {
        rc = tk_error_set(err, TK_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto fail;
    }
    free(tmp);
    return TK_OK;
fail:
    unlink(tmp);
    free(tmp);
    return rc;
}

void tk_pdf_release(void)
{
    pango_cairo_font_map_set_default(NULL);
}
