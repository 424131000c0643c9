/* api/rdoc.c -- the report document tree (see rdoc.h).
 *
 * Blocks are kept in one growing array; each block owns its strings. A
 * table's cells grow row by row in the block that started it, so a table
 * of thousands of cases is one block, not thousands. */
#include "api/rdoc.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

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
