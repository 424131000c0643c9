/* api/webui.h -- the web UI's files, compiled into the binary, and the
 * routes that serve them.
 *
 * The files of api/web/ (HTML, CSS, ES modules, SVG) become byte arrays at
 * build time (cmake/webui_assets.cmake writes the table tk_webui_table).
 * `tenken serve` answers GET and HEAD of "/" with index.html and of
 * "/ui/NAME" with the file NAME, to anyone: the files hold no data, the
 * login page must load without a session, and every datum the pages show
 * comes from the JSON API with the session's credential. A name is looked
 * up in the table, never on the file system, so no path reaches a file
 * that is not in it.
 *
 * Its routes are tk_routes_webui() (api/routes.h).
 *
 * Thread-safe: the table is constant. */
#ifndef TK_WEBUI_H
#define TK_WEBUI_H

#include <stddef.h>

/* One file of the UI. Every string is static. */
typedef struct tk_webui_entry {
    const char *name;          /* "app.js": the file name under api/web/ */
    const char *type;          /* its Content-Type */
    const unsigned char *data; /* its bytes */
    size_t len;
    const char *etag; /* a strong validator, quoted: "\"3f2a...\"" */
} tk_webui_entry;

/* The generated table, sorted by name (webui_assets.c). */
extern const tk_webui_entry tk_webui_table[];
extern const size_t tk_webui_table_len;

/* The file named p[0..len) (untrusted, any bytes), or NULL when the
 * table has none of that name. The result is static. */
const tk_webui_entry *tk_webui_find(const char *p, size_t len);

#endif
