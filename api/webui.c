/* api/webui.c -- serving the web UI's compiled-in files.
 *
 * A request names a file by its base name; the name is compared with the
 * entries of the generated table, so ".." or an encoded slash is just a
 * name that is not there (404 in the API's error shape). The answer
 * carries the file's own Content-Type, its ETag (If-None-Match gives
 * 304) and the UI's Content-Security-Policy, which allows scripts, styles,
 * images and requests from the service itself and nothing else
 * (tk_server_reply_asset). index.html is answered with no-store, so that a
 * browser always loads the page of the running version; the files it
 * loads are revalidated by their ETag on every use (no-cache), which
 * costs a 304 and never serves a stale module. */
#include "api/webui.h"

#include <string.h>

#include "api/routes.h"
#include "api/server.h"

const tk_webui_entry *tk_webui_find(const char *p, size_t len)
{
    size_t lo = 0, hi = tk_webui_table_len;
    while (lo < hi) { /* the table is sorted by name (byte order) */
        const size_t mid = lo + (hi - lo) / 2;
        const char *name = tk_webui_table[mid].name;
        const size_t nl = strlen(name);
        int c = memcmp(name, p, nl < len ? nl : len);
        if (c == 0)
            c = nl < len ? -1 : nl > len ? 1 : 0;
        if (c == 0)
            return &tk_webui_table[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int index_page(tk_server_req *r)
{
    const tk_webui_entry *e = tk_webui_find("index.html", strlen("index.html"));
    if (e == NULL)
        return tk_server_reply_error(r, 404, "not_found", NULL);
    return tk_server_reply_asset(r, e->type, e->data, e->len, e->etag, 0);
}

static int asset(tk_server_req *r)
{
    const char *name = tk_server_req_param(r);
    const tk_webui_entry *e = tk_webui_find(name, strlen(name));
    if (e == NULL)
        return tk_server_reply_error(r, 404, "not_found",
                                     json_pack("{s:s}", "reason", "no such file of the web ui"));
    return tk_server_reply_asset(r, e->type, e->data, e->len, e->etag, 1);
}

static const tk_route routes[] = {
    {"GET", "/", TK_ROUTE_PUBLIC, 0, index_page, "the web UI (index.html)"},
    {"GET", "/ui/{asset}", TK_ROUTE_PUBLIC, 0, asset,
     "a file of the web UI (script, style, image)"},
};

const tk_route *tk_routes_webui(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
