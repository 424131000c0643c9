/* tests/api/test_webui.c -- the web UI's compiled-in files (api/webui.h):
 * every file of api/web/ is in the table with its bytes, type and ETag,
 * and a lookup finds exactly the names of the table, nothing near them. */
#include "api/webui.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests/test.h"

static const tk_webui_entry *find(const char *s)
{
    return tk_webui_find(s, strlen(s));
}

static void table_is_sorted_and_every_name_is_found(void)
{
    TK_REQUIRE(tk_webui_table_len >= 5);
    for (size_t i = 0; i < tk_webui_table_len; i++) {
        const tk_webui_entry *e = &tk_webui_table[i];
        TK_CHECK(find(e->name) == e);
        if (i > 0)
            TK_CHECK(strcmp(tk_webui_table[i - 1].name, e->name) < 0);
        TK_CHECK(e->len > 0 && e->data != NULL);
        /* a strong ETag: 16 hex digits in quotes */
        TK_CHECK(strlen(e->etag) == 18 && e->etag[0] == '"' && e->etag[17] == '"');
    }
}

static void types_follow_the_file_names(void)
{
    TK_CHECK_STR(find("index.html")->type, "text/html; charset=utf-8");
    TK_CHECK_STR(find("app.js")->type, "text/javascript; charset=utf-8");
    TK_CHECK_STR(find("style.css")->type, "text/css; charset=utf-8");
    TK_CHECK_STR(find("logo.svg")->type, "image/svg+xml");
}

/* The bytes are the file's: compared with api/web/ of the source tree
 * when the test knows where it is (TK_SOURCE_DIR is set by ctest only
 * for shell tests, so the path is derived from TK_TEST_DATA). */
static void bytes_are_the_files(void)
{
    const char *data = getenv("TK_TEST_DATA");
    TK_REQUIRE(data != NULL);
    for (size_t i = 0; i < tk_webui_table_len; i++) {
        const tk_webui_entry *e = &tk_webui_table[i];
        char path[1024];
        snprintf(path, sizeof path, "%s/../../api/web/%s", data, e->name);
        FILE *f = fopen(path, "rb");
        TK_REQUIRE(f != NULL);
        size_t same = 0, n = 0;
        int c;
        while ((c = fgetc(f)) != EOF) {
            if (n < e->len && (unsigned char)c == e->data[n])
                same++;
            n++;
        }
        fclose(f);
        TK_CHECK(n == e->len && same == n);
    }
}

static void near_names_are_not_found(void)
{
    static const char *const bad[] = {
        "",           "app",       "app.j",        "app.jsx", "/app.js",
        "./app.js",   "../app.js", "APP.JS",       "app.js/", "..",
        "web/app.js", "index.htm", "index.html\n", "zzzz",    "0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        TK_CHECK(find(bad[i]) == NULL);
    /* a name with a NUL inside is not its prefix */
    TK_CHECK(tk_webui_find("app.js\0x", 8) == NULL);
    TK_CHECK(tk_webui_find("app.js\0x", 6) == find("app.js"));
}

int main(void)
{
    TK_RUN(table_is_sorted_and_every_name_is_found);
    TK_RUN(types_follow_the_file_names);
    TK_RUN(bytes_are_the_files);
    TK_RUN(near_names_are_not_found);
    TK_TEST_END();
}
