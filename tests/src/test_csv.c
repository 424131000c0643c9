/* tests/src/test_csv.c -- tests of src/csv.h: RFC 4180's examples, every
 * rejection with its exact location, limits, error recovery, read sizes
 * from 1 byte up giving identical results, allocation failures, and the
 * data cases in tests/data/csv/<case>/ (input.csv plus expected.json and/or
 * expected_error, optional options.json). */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "src/alloc.h"
#include "src/csv.h"
#include "src/encoding.h"
#include "tests/test.h"

/* ---- helpers ---------------------------------------------------------- */

/* Serves a memory buffer chunk bytes at a time; fails at byte fail_at. */
typedef struct mem_reader {
    const char *p;
    size_t len, off, chunk, fail_at;
} mem_reader;

static long mem_read(void *ctx, char *buf, size_t cap)
{
    mem_reader *const r = ctx;
    size_t n = r->len - r->off;
    if (n > r->chunk)
        n = r->chunk;
    if (n > cap)
        n = cap;
    if (r->fail_at != 0 && r->off + n >= r->fail_at) {
        if (r->off >= r->fail_at)
            return -1;
        n = r->fail_at - r->off;
    }
    memcpy(buf, r->p + r->off, n);
    r->off += n;
    return (long)n;
}

/* A growable string for transcripts. */
typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void text_add(text *t, const char *fmt, ...) TK_PRINTF(2, 3);
static void text_add(text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        const size_t room = t->cap - t->len;
        va_start(ap, fmt);
        const int n = vsnprintf(t->p ? t->p + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            abort();
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        t->cap = (t->cap + (size_t)n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        if (t->p == NULL)
            abort();
    }
}

/* Writes a field readably: printable ASCII as is, | and \ escaped, other
 * bytes in hex. */
static void text_field(text *t, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        const unsigned char c = (unsigned char)p[i];
        if (c == '|' || c == '\\')
            text_add(t, "\\%c", c);
        else if (c >= 0x20 && c < 0x7F)
            text_add(t, "%c", c);
        else
            text_add(t, "\\x%02x", c);
    }
}

/* Parses in[0..len) reading chunk bytes at a time and returns everything
 * the parser said, one line per tk_csv_next() call (caller frees). */
static char *transcript(const char *in, size_t len, size_t chunk, const tk_csv_options *opt)
{
    mem_reader r = {in, len, 0, chunk, 0};
    tk_csv *c = NULL;
    tk_error err;
    text t = {NULL, 0, 0};
    text_add(&t, "%s", "");
    if (tk_csv_create(&c, mem_read, &r, opt, &err) != TK_OK) {
        text_add(&t, "create: %s\n", err.msg);
        return t.p;
    }
    for (int calls = 0; calls < 100000; calls++) {
        const tk_csv_field *f;
        size_t n;
        const int rc = tk_csv_next(c, &f, &n, &err);
        if (rc == 0) {
            text_add(&t, "end bytes=%" PRIu64 " bom=%d\n", tk_csv_bytes(c), tk_csv_had_bom(c));
            break;
        }
        if (rc < 0) {
            TK_CHECK(err.code == rc);
            text_add(&t, "error %d #%" PRIu64 " line %" PRIu64 ": %s\n", rc, tk_csv_record(c),
                     tk_csv_line(c), err.msg);
            if (rc == TK_EIO)
                break;
            continue;
        }
        text_add(&t, "#%" PRIu64 " line %" PRIu64 ":", tk_csv_record(c), tk_csv_line(c));
        for (size_t i = 0; i < n; i++) {
            text_add(&t, "%s", i ? "|" : " ");
            text_field(&t, f[i].p, f[i].len);
        }
        text_add(&t, "\n");
    }
    tk_csv_destroy(c);
    return t.p;
}

/* The transcript must not depend on how the input is chopped into reads,
 * nor on the buffer size. Returns the transcript for the default reads. */
static char *transcript_all_sizes(const char *in, size_t len, const tk_csv_options *opt)
{
    static const size_t chunks[] = {1, 2, 3, 7, 16, 4096};
    tk_csv_options o = opt ? *opt : (tk_csv_options)TK_CSV_OPTIONS_INIT;
    char *const ref = transcript(in, len, (size_t)1 << 20, &o);
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        for (int small = 0; small < 2; small++) {
            tk_csv_options oo = o;
            if (small)
                oo.buffer_size = 1; /* smallest buffer the limits allow */
            char *const t = transcript(in, len, chunks[i], &oo);
            if (strcmp(t, ref) != 0) {
                fprintf(stderr, "chunk %zu small %d differs:\n%s--- vs ---\n%s", chunks[i], small,
                        t, ref);
                TK_CHECK(0);
            }
            free(t);
        }
    }
    return ref;
}

/* Checks the transcript of a NUL-terminated input against want. */
static void expect(const char *in, const tk_csv_options *opt, const char *want)
{
    char *const got = transcript_all_sizes(in, strlen(in), opt);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "input: ");
        for (const char *p = in; *p; p++)
            fprintf(stderr, (unsigned char)*p < 0x20 ? "\\x%02x" : "%c", (unsigned char)*p);
        fprintf(stderr, "\ngot:\n%swant:\n%s", got, want);
        TK_CHECK(0);
    }
    free(got);
}

static tk_csv_options opts(size_t max_record, size_t max_fields, int strict)
{
    tk_csv_options o = TK_CSV_OPTIONS_INIT;
    o.max_record_bytes = max_record;
    o.max_fields = max_fields;
    o.strict_field_count = strict;
    return o;
}

/* ---- RFC 4180, section 2 ---------------------------------------------- */

static void test_rfc4180_examples(void)
{
    /* 1. Records end with CRLF. */
    expect("aaa,bbb,ccc\r\nzzz,yyy,xxx\r\n", NULL,
           "#1 line 1: aaa|bbb|ccc\n#2 line 2: zzz|yyy|xxx\nend bytes=26 bom=0\n");
    /* 2. The last record may lack a line break. */
    expect("aaa,bbb,ccc\r\nzzz,yyy,xxx", NULL,
           "#1 line 1: aaa|bbb|ccc\n#2 line 2: zzz|yyy|xxx\nend bytes=24 bom=0\n");
    /* 3. An optional header line, same format (the parser does not treat
     * it specially). */
    expect("field_name,field_name,field_name\r\naaa,bbb,ccc\r\nzzz,yyy,xxx\r\n", NULL,
           "#1 line 1: field_name|field_name|field_name\n#2 line 2: aaa|bbb|ccc\n"
           "#3 line 3: zzz|yyy|xxx\nend bytes=60 bom=0\n");
    /* 4. Spaces are part of a field; no comma after the last field. */
    expect("aaa, bbb ,ccc\r\n", NULL, "#1 line 1: aaa| bbb |ccc\nend bytes=15 bom=0\n");
    /* 5. Fields may be enclosed in double quotes. */
    expect("\"aaa\",\"bbb\",\"ccc\"\r\nzzz,yyy,xxx", NULL,
           "#1 line 1: aaa|bbb|ccc\n#2 line 2: zzz|yyy|xxx\nend bytes=30 bom=0\n");
    /* 6. Line breaks, quotes and commas inside quoted fields. */
    expect("\"aaa\",\"b\r\nbb\",\"ccc\"\r\nzzz,yyy,xxx", NULL,
           "#1 line 1: aaa|b\\x0d\\x0abb|ccc\n#2 line 3: zzz|yyy|xxx\nend bytes=32 bom=0\n");
    /* 7. A quote inside a quoted field is doubled. */
    expect("\"aaa\",\"b\"\"bb\",\"ccc\"", NULL, "#1 line 1: aaa|b\"bb|ccc\nend bytes=19 bom=0\n");
}

static void test_quoted_fields(void)
{
    expect("\"a,b\",\"c\"\"\"\"d\",\"\"\"\",\"\"\n", NULL,
           "#1 line 1: a,b|c\"\"d|\"|\nend bytes=23 bom=0\n");
    /* Quoted CR alone, LF alone, and commas; line numbers follow LFs. */
    expect("\"x\ry\",\"1\n2\n3\",\",\"\nnext,row,here\n", NULL,
           "#1 line 1: x\\x0dy|1\\x0a2\\x0a3|,\n#2 line 4: next|row|here\nend bytes=32 bom=0\n");
    /* Doubled quotes at the edges of a field. */
    expect("\"\"\"a\"\"\",b\n", NULL, "#1 line 1: \"a\"|b\nend bytes=10 bom=0\n");
    /* CP932 bytes whose trail is 0x5C ('\') or 0x7C ('|') are just bytes. */
    expect("\x95\x5C,\x83\x5C\x83\x74\x83\x67\n", NULL,
           "#1 line 1: \\x95\\\\|\\x83\\\\\\x83t\\x83g\nend bytes=10 bom=0\n");
}

static void test_line_ends(void)
{
    const char *const lf = "a,b\nc,d\n";
    const char *const crlf = "a,b\r\nc,d\r\n";
    char *const t1 = transcript_all_sizes(lf, strlen(lf), NULL);
    char *const t2 = transcript_all_sizes(crlf, strlen(crlf), NULL);
    TK_CHECK_STR(t1, "#1 line 1: a|b\n#2 line 2: c|d\nend bytes=8 bom=0\n");
    TK_CHECK_STR(t2, "#1 line 1: a|b\n#2 line 2: c|d\nend bytes=10 bom=0\n");
    free(t1);
    free(t2);
    /* Mixed line ends; a last record without one; a CR as the last byte. */
    expect("a,b\r\nc,d\ne,f", NULL,
           "#1 line 1: a|b\n#2 line 2: c|d\n#3 line 3: e|f\nend bytes=12 bom=0\n");
    expect("a,b\r", NULL, "#1 line 1: a|b\nend bytes=4 bom=0\n");
    expect("a,\"b\"\r", NULL, "#1 line 1: a|b\nend bytes=6 bom=0\n");
    expect("a,\"b\"", NULL, "#1 line 1: a|b\nend bytes=5 bom=0\n");
    /* A trailing comma at end of input adds an empty field. */
    expect("a,b\nc,", NULL, "#1 line 1: a|b\n#2 line 2: c|\nend bytes=6 bom=0\n");
    /* Empty input, and input that is only a line end. */
    expect("", NULL, "end bytes=0 bom=0\n");
    expect("\n", NULL, "#1 line 1: \nend bytes=1 bom=0\n");
}

static void test_empty_lines(void)
{
    /* An empty line is a record of one empty field and does not count
     * against (or set) the field count; a quoted empty field does. */
    expect("\r\na,b\n\n\r\nc,d\n", NULL,
           "#1 line 1: \n#2 line 2: a|b\n#3 line 3: \n#4 line 4: \n#5 line 5: c|d\n"
           "end bytes=13 bom=0\n");
    expect("a,b\n\"\"\n", NULL,
           "#1 line 1: a|b\nerror -4 #2 line 2: record 2 (line 2): expected 2 fields, found 1\n"
           "end bytes=7 bom=0\n");
}

static void test_bom(void)
{
    expect("\xEF\xBB\xBF"
           "id,name\n1,x\n",
           NULL, "#1 line 1: id|name\n#2 line 2: 1|x\nend bytes=15 bom=1\n");
    /* Only a BOM; a BOM inside the data is data; a partial BOM is data. */
    expect("\xEF\xBB\xBF", NULL, "end bytes=3 bom=1\n");
    expect("a\n\xEF\xBB\xBF"
           "b\n",
           NULL, "#1 line 1: a\n#2 line 2: \\xef\\xbb\\xbfb\nend bytes=7 bom=0\n");
    expect("\xEF\xBB", NULL, "#1 line 1: \\xef\\xbb\nend bytes=2 bom=0\n");
    /* Columns on line 1 count from after the BOM. */
    expect("\xEF\xBB\xBF"
           "ab\"c\n",
           NULL,
           "error -4 #1 line 1: record 1 (line 1, column 3): stray quote in unquoted field 1\n"
           "end bytes=8 bom=1\n");
}

/* ---- rejections ------------------------------------------------------- */

static void test_rejections(void)
{
    /* A quote in an unquoted field: column of the quote; resume next line. */
    expect("h1,h2,h3\na,b,c\nd,e,f\"g\nh,i,j\n", NULL,
           "#1 line 1: h1|h2|h3\n#2 line 2: a|b|c\n"
           "error -4 #3 line 3: record 3 (line 3, column 6): stray quote in unquoted field 3\n"
           "#4 line 4: h|i|j\nend bytes=29 bom=0\n");
    /* Spaces before an opening quote make the field unquoted. */
    expect("a, \"b\"\n", NULL,
           "error -4 #1 line 1: record 1 (line 1, column 4): stray quote in unquoted field 2\n"
           "end bytes=7 bom=0\n");
    /* Characters after a closing quote. */
    expect("a,\"b\"c,d\n1,2,3\n", NULL,
           "error -4 #1 line 1: record 1 (line 1, column 6): expected comma or line end after "
           "closing quote of field 2, found 'c'\n#2 line 2: 1|2|3\nend bytes=15 bom=0\n");
    expect("\"a\" ,b\n", NULL,
           "error -4 #1 line 1: record 1 (line 1, column 4): expected comma or line end after "
           "closing quote of field 1, found ' '\nend bytes=7 bom=0\n");
    expect("\"a\"\x82\xA0\n", NULL,
           "error -4 #1 line 1: record 1 (line 1, column 4): expected comma or line end after "
           "closing quote of field 1, found byte 0x82\nend bytes=6 bom=0\n");
    /* The error is on the third physical line of a record that starts on
     * line 2; the next record starts on the line after the error. */
    expect("h\n\"x\ny\nz\"!,\nok\n", NULL,
           "#1 line 1: h\n"
           "error -4 #2 line 2: record 2 (line 4, column 3): expected comma or line end after "
           "closing quote of field 1, found '!'\n#3 line 5: ok\nend bytes=15 bom=0\n");
    /* A bare CR outside quotes. */
    expect("ab\rc,d\ne,f\n", NULL,
           "error -4 #1 line 1: record 1 (line 1, column 3): expected line feed after carriage "
           "return\n#2 line 2: e|f\nend bytes=11 bom=0\n");
    expect("\"ab\"\rc\n", NULL,
           "error -4 #1 line 1: record 1 (line 1, column 5): expected line feed after carriage "
           "return\nend bytes=7 bom=0\n");
    /* A quote still open at end of input: reported at the opening quote. */
    expect("a,b\nc,\"d\ne,f\n", NULL,
           "#1 line 1: a|b\n"
           "error -4 #2 line 2: record 2 (line 2, column 3): unterminated quoted field 2: "
           "expected a closing quote before end of input\nend bytes=13 bom=0\n");
    expect("\"", NULL,
           "error -4 #1 line 1: record 1 (line 1, column 1): unterminated quoted field 1: "
           "expected a closing quote before end of input\nend bytes=1 bom=0\n");
}

static void test_field_count(void)
{
    /* The count comes from the first record; the bad record's fields are
     * still returned and parsing goes on with the next record. */
    const char *const in = "a,b,c\n1,2\n3,4,5\n6,7,8,9\n\"x\ny\",z\n";
    mem_reader r = {in, strlen(in), 0, 3, 0};
    tk_csv *c = NULL;
    tk_error err;
    const tk_csv_field *f;
    size_t n;
    TK_REQUIRE(tk_csv_create(&c, mem_read, &r, NULL, &err) == TK_OK);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), 1);
    TK_CHECK_INT(n, 3);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "record 2 (line 2): expected 3 fields, found 2");
    TK_CHECK(n == 2 && f != NULL && f[0].len == 1 && f[0].p[0] == '1' && f[1].p[0] == '2');
    TK_CHECK_INT(tk_csv_record(c), 2);
    TK_CHECK_INT(tk_csv_line(c), 2);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), 1);
    TK_CHECK(n == 3 && f[2].len == 1 && f[2].p[0] == '5');
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "record 4 (line 4): expected 3 fields, found 4");
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "record 5 (line 5): expected 3 fields, found 2");
    TK_CHECK(n == 2 && f[0].len == 3 && memcmp(f[0].p, "x\ny", 3) == 0);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), 0);
    tk_csv_destroy(c);

    /* Not strict: any widths. */
    const tk_csv_options lax = opts(1024, 16, 0);
    expect("a\nb,c\nd,e,f\n", &lax,
           "#1 line 1: a\n#2 line 2: b|c\n#3 line 3: d|e|f\nend bytes=12 bom=0\n");
    /* The first record that failed for another reason does not set it. */
    expect("a\"\nb,c\nd\n", NULL,
           "error -4 #1 line 1: record 1 (line 1, column 2): stray quote in unquoted field 1\n"
           "#2 line 2: b|c\nerror -4 #3 line 3: record 3 (line 3): expected 2 fields, found 1\n"
           "end bytes=9 bom=0\n");
}

static void test_limits(void)
{
    /* max_record_bytes counts the record without its line end. */
    const tk_csv_options o = opts(5, 4, 0);
    expect("12345\nabcd\r\na,b,c\n", &o,
           "#1 line 1: 12345\n#2 line 2: abcd\n#3 line 3: a|b|c\nend bytes=18 bom=0\n");
    expect("12345\r\n", &o, "#1 line 1: 12345\nend bytes=7 bom=0\n");
    expect("123456\nok\n", &o,
           "error -9 #1 line 1: record 1 (line 1): record longer than 5 bytes\n#2 line 2: ok\n"
           "end bytes=10 bom=0\n");
    expect("123456\r\nok\n", &o,
           "error -9 #1 line 1: record 1 (line 1): record longer than 5 bytes\n#2 line 2: ok\n"
           "end bytes=11 bom=0\n");
    expect("123456", &o,
           "error -9 #1 line 1: record 1 (line 1): record longer than 5 bytes\n"
           "end bytes=6 bom=0\n");
    /* Far too long: the rest of the line is skipped without being kept. */
    expect("x\n12345678901234567890\"\"\"\nok\n", &o,
           "#1 line 1: x\n"
           "error -9 #2 line 2: record 2 (line 2): record longer than 5 bytes\n#3 line 3: ok\n"
           "end bytes=29 bom=0\n");
    /* A syntax error inside the window is reported before the length. */
    expect("12\"4567890\nok\n", &o,
           "error -4 #1 line 1: record 1 (line 1, column 3): stray quote in unquoted field 1\n"
           "#2 line 2: ok\nend bytes=14 bom=0\n");
    /* An open quote swallowing lines stops at the limit. */
    expect("\"ab\ncd\nef\ngh\n", &o,
           "error -9 #1 line 1: record 1 (line 1): record longer than 5 bytes\n#2 line 3: ef\n"
           "#3 line 4: gh\nend bytes=13 bom=0\n");
    /* max_fields. */
    const tk_csv_options w = opts(64, 4, 0);
    expect("a,b,c,d\na,b,c,d,e\nx\n", &w,
           "#1 line 1: a|b|c|d\n"
           "error -9 #2 line 2: record 2 (line 2, column 9): expected at most 4 fields, found "
           "more\n#3 line 3: x\nend bytes=20 bom=0\n");
    expect("a,b,c,d,", &w,
           "error -9 #1 line 1: record 1 (line 1, column 9): expected at most 4 fields, found "
           "more\nend bytes=8 bom=0\n");

    /* Options out of range. */
    tk_csv *c = NULL;
    tk_error err;
    mem_reader r = {"", 0, 0, 1, 0};
    tk_csv_options bad = TK_CSV_OPTIONS_INIT;
    bad.max_fields = 0;
    TK_CHECK_INT(tk_csv_create(&c, mem_read, &r, &bad, &err), TK_EINVAL);
    TK_CHECK(c == NULL);
    bad = (tk_csv_options)TK_CSV_OPTIONS_INIT;
    bad.max_record_bytes = SIZE_MAX;
    TK_CHECK_INT(tk_csv_create(&c, mem_read, &r, &bad, &err), TK_EINVAL);
    bad = (tk_csv_options)TK_CSV_OPTIONS_INIT;
    bad.buffer_size = 0;
    TK_CHECK_INT(tk_csv_create(&c, mem_read, &r, &bad, &err), TK_EINVAL);
}

static void test_long_record_default_limit(void)
{
    /* A 1 MiB + 1 byte record under the default limit, then a good one. */
    const size_t big = ((size_t)1 << 20) + 1;
    char *const in = malloc(big + 8);
    TK_REQUIRE(in != NULL);
    memset(in, 'x', big);
    memcpy(in + big, "\nok,1\n", 6);
    mem_reader r = {in, big + 6, 0, 65536, 0};
    tk_csv *c = NULL;
    tk_error err;
    const tk_csv_field *f;
    size_t n;
    TK_REQUIRE(tk_csv_create(&c, mem_read, &r, NULL, &err) == TK_OK);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), TK_ERANGE);
    TK_CHECK_STR(err.msg, "record 1 (line 1): record longer than 1048576 bytes");
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), 1);
    TK_CHECK(n == 2 && f[0].len == 2 && memcmp(f[0].p, "ok", 2) == 0);
    TK_CHECK_INT(tk_csv_line(c), 2);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), 0);
    TK_CHECK_INT(tk_csv_bytes(c), big + 6);
    tk_csv_destroy(c);

    /* Exactly at the limit is fine. */
    memcpy(in + big - 1, "\n", 1);
    r = (mem_reader){in, big, 0, 4093, 0};
    TK_REQUIRE(tk_csv_create(&c, mem_read, &r, NULL, &err) == TK_OK);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), 1);
    TK_CHECK(n == 1 && f[0].len == big - 1);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), 0);
    tk_csv_destroy(c);
    free(in);
}

static void test_io_error(void)
{
    const char *const in = "a,b\nc,d\ne,f\n";
    mem_reader r = {in, strlen(in), 0, 2, 6};
    tk_csv *c = NULL;
    tk_error err;
    const tk_csv_field *f;
    size_t n;
    TK_REQUIRE(tk_csv_create(&c, mem_read, &r, NULL, &err) == TK_OK);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), 1);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), TK_EIO);
    TK_CHECK_STR(err.msg, "record 2 (line 2): read error after 6 bytes");
    TK_CHECK(f == NULL && n == 0);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, &err), TK_EIO); /* sticky */
    tk_csv_destroy(c);
}

static void test_progress_and_counters(void)
{
    const char *const in = "a,b\n\"1\n2\",3\n\nz,z\n";
    mem_reader r = {in, strlen(in), 0, 1, 0};
    tk_csv *c = NULL;
    const tk_csv_field *f;
    size_t n;
    TK_REQUIRE(tk_csv_create(&c, mem_read, &r, NULL, NULL) == TK_OK);
    TK_CHECK_INT(tk_csv_record(c), 0);
    TK_CHECK_INT(tk_csv_bytes(c), 0);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, NULL), 1);
    TK_CHECK_INT(tk_csv_bytes(c), 4);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, NULL), 1);
    TK_CHECK_INT(tk_csv_record(c), 2);
    TK_CHECK_INT(tk_csv_line(c), 2);
    TK_CHECK_INT(tk_csv_bytes(c), 12);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, NULL), 1);
    TK_CHECK(n == 1 && f[0].len == 0);
    TK_CHECK_INT(tk_csv_line(c), 4);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, NULL), 1);
    TK_CHECK_INT(tk_csv_line(c), 5);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, NULL), 0);
    TK_CHECK_INT(tk_csv_next(c, &f, &n, NULL), 0); /* stays at end */
    TK_CHECK_INT(tk_csv_record(c), 4);
    TK_CHECK_INT(tk_csv_line(c), 5);
    TK_CHECK_INT(tk_csv_bytes(c), strlen(in));
    tk_csv_destroy(c);
    tk_csv_destroy(NULL);
}

static void test_alloc_failures(void)
{
    mem_reader r = {"a,b\n", 4, 0, 4, 0};
    for (unsigned long n = 1;; n++) {
        tk_csv *c = (tk_csv *)&r; /* must be reset to NULL on failure */
        tk_error err;
        tk_alloc_fail_at(n);
        const int rc = tk_csv_create(&c, mem_read, &r, NULL, &err);
        tk_alloc_fail_at(0);
        if (rc == TK_OK) {
            const tk_csv_field *f;
            size_t nf;
            TK_CHECK_INT(tk_csv_next(c, &f, &nf, &err), 1);
            TK_CHECK_INT(nf, 2);
            tk_csv_destroy(c);
            TK_CHECK(n > 1);
            break;
        }
        TK_CHECK_INT(rc, TK_ENOMEM);
        TK_CHECK_INT(err.code, TK_ENOMEM);
        TK_CHECK(c == NULL);
        TK_REQUIRE(n < 100);
    }
}

/* ---- generated round trip --------------------------------------------- */

static uint64_t rng_state = UINT64_C(0x2385);

static uint32_t rnd(void)
{
    rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return (uint32_t)(rng_state >> 33);
}

static void test_generated_round_trip(void)
{
    /* Random records, written with quoting where needed (and sometimes
     * where not), read back with several read sizes. */
    static const char alphabet[] = "ab,\"\r\n \x82\xA0\x95\x5C";
    enum { NREC = 3000, NF = 5 };
    text csv = {NULL, 0, 0}, want = {NULL, 0, 0};
    text_add(&csv, "%s", "");
    text_add(&want, "%s", "");
    uint64_t line = 1;
    for (int i = 0; i < NREC; i++) {
        const uint64_t start = line;
        text rec = {NULL, 0, 0};
        text_add(&rec, "%s", "");
        for (int j = 0; j < NF; j++) {
            char field[160]; /* mostly short, sometimes beyond a 64-byte block */
            const size_t len = rnd() % 8 == 0 ? rnd() % sizeof field : rnd() % 16;
            int special = 0;
            for (size_t k = 0; k < len; k++) {
                field[k] = alphabet[rnd() % (sizeof alphabet - 1)];
                special |=
                    field[k] == ',' || field[k] == '"' || field[k] == '\r' || field[k] == '\n';
            }
            if (j > 0)
                text_add(&csv, ",");
            if (special || rnd() % 4 == 0) {
                text_add(&csv, "\"");
                for (size_t k = 0; k < len; k++) {
                    if (field[k] == '"')
                        text_add(&csv, "\"\"");
                    else
                        text_add(&csv, "%c", field[k]);
                    line += field[k] == '\n';
                }
                text_add(&csv, "\"");
            } else {
                for (size_t k = 0; k < len; k++)
                    text_add(&csv, "%c", field[k]);
            }
            text_add(&rec, "%s", j ? "|" : " ");
            text_field(&rec, field, len);
        }
        text_add(&csv, rnd() % 2 ? "\r\n" : "\n");
        text_add(&want, "#%d line %" PRIu64 ":%s\n", i + 1, start, rec.p);
        line++;
        free(rec.p);
    }
    text_add(&want, "end bytes=%zu bom=0\n", csv.len);
    const tk_csv_options o = opts(4096, 8, 1);
    char *const got = transcript_all_sizes(csv.p, csv.len, &o);
    TK_CHECK(strcmp(got, want.p) == 0);
    free(got);
    free(csv.p);
    free(want.p);
}

/* ---- data cases ------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *const f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    text t = {NULL, 0, 0};
    text_add(&t, "%s", "");
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        while (t.cap - t.len < n + 1) {
            t.cap *= 2;
            t.p = realloc(t.p, t.cap);
            if (t.p == NULL)
                abort();
        }
        memcpy(t.p + t.len, buf, n);
        t.len += n;
        t.p[t.len] = '\0';
    }
    fclose(f);
    *len = t.len;
    return t.p;
}

/* Runs one case; returns 1 if it passed. */
static int run_case(const char *dir, const char *name)
{
    char path[1024];
    size_t len, elen = 0;
    int ok = 1;
    snprintf(path, sizeof path, "%s/%s/input.csv", dir, name);
    char *const in = slurp(path, &len);
    if (in == NULL) {
        fprintf(stderr, "%s: no input.csv\n", name);
        return 0;
    }
    snprintf(path, sizeof path, "%s/%s/expected_error", dir, name);
    char *const want_error = slurp(path, &elen);
    while (want_error && elen > 0 && (want_error[elen - 1] == '\n' || want_error[elen - 1] == '\r'))
        want_error[--elen] = '\0';
    snprintf(path, sizeof path, "%s/%s/expected.json", dir, name);
    json_error_t jerr;
    json_t *const want = json_load_file(path, 0, &jerr);
    if (want == NULL && want_error == NULL) {
        fprintf(stderr, "%s: neither expected.json nor expected_error\n", name);
        free(in);
        return 0;
    }

    tk_csv_options o = TK_CSV_OPTIONS_INIT;
    tk_enc enc = TK_ENC_UTF8;
    snprintf(path, sizeof path, "%s/%s/options.json", dir, name);
    json_t *const jo = json_load_file(path, 0, &jerr);
    if (jo != NULL) {
        json_t *v;
        if ((v = json_object_get(jo, "max_record_bytes")) != NULL)
            o.max_record_bytes = (size_t)json_integer_value(v);
        if ((v = json_object_get(jo, "max_fields")) != NULL)
            o.max_fields = (size_t)json_integer_value(v);
        if ((v = json_object_get(jo, "strict_field_count")) != NULL)
            o.strict_field_count = json_is_true(v);
        if ((v = json_object_get(jo, "encoding")) != NULL &&
            tk_enc_parse_name(json_string_value(v), &enc) != TK_OK)
            ok = 0;
        json_decref(jo);
    }

    /* Results must not depend on read sizes. */
    char *const t = transcript_all_sizes(in, len, &o);
    free(t);

    mem_reader r = {in, len, 0, 5, 0};
    tk_csv *c = NULL;
    tk_error err;
    tk_enc_buf scratch;
    tk_enc_buf_init(&scratch);
    if (tk_csv_create(&c, mem_read, &r, &o, &err) != TK_OK)
        ok = 0;
    size_t nrec = 0;
    const char *got_error = NULL;
    while (ok && c != NULL) {
        const tk_csv_field *f;
        size_t n;
        const int rc = tk_csv_next(c, &f, &n, &err);
        if (rc == 0)
            break;
        if (rc < 0) {
            got_error = err.msg;
            break;
        }
        json_t *const row = json_array_get(want, nrec);
        if (!json_is_array(row) || json_array_size(row) != n) {
            fprintf(stderr, "%s: record %zu has %zu fields, expected.json disagrees\n", name,
                    nrec + 1, n);
            ok = 0;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            const char *u;
            size_t ulen;
            const char *const s = json_string_value(json_array_get(row, i));
            if (tk_enc_to_utf8(enc, f[i].p, f[i].len, &scratch, &u, &ulen, NULL, &err) != TK_OK ||
                s == NULL || strlen(s) != ulen || memcmp(s, u, ulen) != 0) {
                fprintf(stderr, "%s: record %zu field %zu differs\n", name, nrec + 1, i + 1);
                ok = 0;
            }
        }
        nrec++;
    }
    if (want != NULL && nrec != json_array_size(want)) {
        fprintf(stderr, "%s: %zu records, expected %zu\n", name, nrec, json_array_size(want));
        ok = 0;
    }
    if (want_error != NULL && (got_error == NULL || strcmp(got_error, want_error) != 0)) {
        fprintf(stderr, "%s: error \"%s\", expected \"%s\"\n", name,
                got_error ? got_error : "(none)", want_error);
        ok = 0;
    }
    if (want_error == NULL && got_error != NULL) {
        fprintf(stderr, "%s: unexpected error \"%s\"\n", name, got_error);
        ok = 0;
    }
    tk_csv_destroy(c);
    tk_enc_buf_dispose(&scratch);
    json_decref(want);
    free(want_error);
    free(in);
    return ok;
}

static void test_data_cases(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/csv", tk_test_datadir());
    DIR *const d = opendir(dir);
    TK_REQUIRE(d != NULL);
    int cases = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        cases++;
        if (!run_case(dir, e->d_name)) {
            fprintf(stderr, "data case %s failed\n", e->d_name);
            TK_CHECK(0);
        }
    }
    closedir(d);
    TK_CHECK(cases >= 10);
}

int main(void)
{
    TK_RUN(test_rfc4180_examples);
    TK_RUN(test_quoted_fields);
    TK_RUN(test_line_ends);
    TK_RUN(test_empty_lines);
    TK_RUN(test_bom);
    TK_RUN(test_rejections);
    TK_RUN(test_field_count);
    TK_RUN(test_limits);
    TK_RUN(test_long_record_default_limit);
    TK_RUN(test_io_error);
    TK_RUN(test_progress_and_counters);
    TK_RUN(test_alloc_failures);
    TK_RUN(test_generated_round_trip);
    TK_RUN(test_data_cases);
    TK_TEST_END();
}
