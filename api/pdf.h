/* api/pdf.h -- a report document tree (api/rdoc.h) laid out as a PDF.
 *
 * Renders a tk_rdoc on A4 portrait pages with cairo's PDF surface, pango
 * for the text (Japanese line breaking) and librsvg for the charts: a
 * cover, a table of contents, chapters starting on new pages, tables
 * whose header row repeats on every page, and on every page the
 * classification mark at the top and the footer and "n / N" at the
 * bottom. The Japanese fonts (IPAexGothic, IPAexMincho by default) are
 * found through fontconfig and embedded as subsets, so the file shows
 * the same on any reader.
 *
 * Owns nothing between calls. A call may run in any thread and several
 * calls at once (each has its own surface; pango's default font map is
 * per thread); the tree is only read. */
#ifndef TK_PDF_H
#define TK_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "api/rdoc.h"
#include "src/error.h"

/* Receives the next len bytes of the PDF. Returns 0, or -1 to stop
 * (tk_pdf_write_to() then returns TK_EIO). */
typedef int (*tk_pdf_sink)(void *closure, const unsigned char *data, size_t len);

typedef struct tk_pdf_options {
    /* The document's creation date, Unix seconds (UTC), written into the
     * PDF metadata; 0: now. Fixed in tests so that output is repeatable. */
    int64_t created;
    /* fontconfig families; NULL: "IPAexGothic" for headings and tables,
     * "IPAexMincho" for body text (the body falls back to the heading
     * family when it is missing). Borrowed. */
    const char *heading_family;
    const char *body_family;
} tk_pdf_options;

#define TK_PDF_OPTIONS_INIT                                                                        \
    {                                                                                              \
        0, NULL, NULL                                                                              \
    }

/* Writes d as a PDF to path, through a temporary file in the same
 * directory renamed over path at the end, so that path never holds half a
 * document. o may be NULL (defaults). d, path, o borrowed.
 * Returns TK_OK; TK_ENOTFOUND when the Japanese font is not installed
 * (the message names the Debian package); TK_EIO when the file cannot be
 * written; TK_ENOMEM, or TK_EINTERNAL when cairo fails otherwise. */
TK_MUST_CHECK int tk_pdf_write(const tk_rdoc *d, const char *path, const tk_pdf_options *o,
                               tk_error *err);

/* Like tk_pdf_write() but hands the bytes to sink as they are produced
 * (pages are written as they are finished; the fonts at the end), for a
 * service that streams the document. On an error the sink has received
 * an incomplete document; the caller discards it. Returns the codes of
 * tk_pdf_write(); TK_EIO when sink returned -1. */
TK_MUST_CHECK int tk_pdf_write_to(const tk_rdoc *d, tk_pdf_sink sink, void *closure,
                                  const tk_pdf_options *o, tk_error *err);

/* Frees what the libraries behind the writer keep after a call: the
 * calling thread's font map (pango) and fontconfig's configuration. For the end of a program that
 * wrote PDFs (a command, a test), so that a leak checker sees a clean exit; the next call builds
 * them again. Call it only when no other thread is writing a PDF. */
void tk_pdf_release(void);

#endif
