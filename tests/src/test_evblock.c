/* tests/src/test_evblock.c -- the columnar event block format. */
#include <string.h>

#include "src/alloc.h"
#include "src/evblock.h"
#include "tests/test.h"

/* A fixed xorshift generator so the cases are the same on every run. */
static uint64_t rnd_state = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static tk_evrow random_row(int64_t *t, char *detail)
{
    tk_evrow r;
    memset(&r, 0, sizeof r);
    *t += (int64_t)(rnd() % 5000) - 1000; /* mostly increasing, sometimes back */
    r.t = *t;
    r.system = (uint32_t)(rnd() % 20 + 1);
    r.user = (uint32_t)(rnd() % 70000 + 1);
    r.terminal = (uint32_t)(rnd() % 3);
    r.function = (uint32_t)(rnd() % 300);
    r.subject = rnd() % 4 ? (uint32_t)(rnd() % 4000000000u) : 0;
    r.device = (uint32_t)(rnd() % 2);
    r.file = rnd() % 9 == 0 ? UINT32_MAX : 0;
    r.op = (int)(rnd() % 17);
    r.result = (int)(rnd() % 2);
    r.mynumber = (int)(rnd() % 3) - 1;
    r.count = rnd() % 2 ? -1 : (int64_t)(rnd() % 100000);
    r.bytes = rnd() % 2 ? -1 : (int64_t)(rnd() >> 2);
    /* records in file order, with gaps (rejected or empty rows), now and
     * then unknown */
    static int64_t record = 1;
    record += (int64_t)(rnd() % 3 == 0 ? rnd() % 40 : 1);
    r.record = rnd() % 50 ? record : 0;
    if (rnd() % 4 == 0) {
        r.detail_len = (size_t)(rnd() % 40);
        for (size_t i = 0; i < r.detail_len; i++)
            detail[i] = (char)('a' + rnd() % 26);
        r.detail = detail;
    }
    return r;
}

static int same(const tk_evrow *a, const tk_evrow *b)
{
    return a->t == b->t && a->system == b->system && a->user == b->user &&
           a->terminal == b->terminal && a->function == b->function && a->subject == b->subject &&
           a->device == b->device && a->file == b->file && a->op == b->op &&
           a->result == b->result && a->mynumber == b->mynumber && a->count == b->count &&
           a->bytes == b->bytes && a->record == b->record &&
           (a->detail == NULL) == (b->detail == NULL) && a->detail_len == b->detail_len &&
           (a->detail == NULL || memcmp(a->detail, b->detail, a->detail_len) == 0);
}

static void round_trip(void)
{
    tk_error err = {0, ""};
    tk_evblock_writer *w = NULL;
    TK_REQUIRE(tk_evblock_writer_create(&w, &err) == TK_OK);
    static tk_evrow rows[TK_EVBLOCK_MAX];
    static char details[TK_EVBLOCK_MAX][40];
    int64_t t = 1727740800000LL;
    for (int round = 0; round < 3; round++) {
        tk_evblock_writer_reset(w);
        size_t n = round == 0 ? 1 : round == 1 ? 777 : TK_EVBLOCK_MAX;
        int64_t lo = INT64_MAX, hi = INT64_MIN;
        for (size_t i = 0; i < n; i++) {
            rows[i] = random_row(&t, details[i]);
            lo = rows[i].t < lo ? rows[i].t : lo;
            hi = rows[i].t > hi ? rows[i].t : hi;
            TK_REQUIRE(tk_evblock_writer_add(w, &rows[i], &err) == TK_OK);
        }
        TK_CHECK_INT(tk_evblock_writer_full(w), n == TK_EVBLOCK_MAX);
        TK_CHECK_INT(tk_evblock_writer_t_min(w), lo);
        TK_CHECK_INT(tk_evblock_writer_t_max(w), hi);
        const uint8_t *data;
        size_t len;
        TK_REQUIRE(tk_evblock_writer_finish(w, &data, &len, &err) == TK_OK);
        tk_evblock_reader r;
        TK_REQUIRE(tk_evblock_reader_init(&r, data, len, &err) == TK_OK);
        tk_evrow back;
        size_t i = 0;
        int rc;
        while ((rc = tk_evblock_reader_next(&r, &back, &err)) == 1) {
            TK_CHECK(i < n && same(&rows[i], &back));
            i++;
        }
        TK_CHECK_INT(rc, 0);
        TK_CHECK_INT(i, n);
        /* Every truncation is detected, at init or while reading. */
        for (size_t cut = 0; cut < len && cut < 4000; cut += 1 + cut / 8) {
            tk_evblock_reader tr;
            if (tk_evblock_reader_init(&tr, data, cut, &err) != TK_OK)
                continue;
            while ((rc = tk_evblock_reader_next(&tr, &back, &err)) == 1) {
            }
            TK_CHECK(rc == TK_EPARSE || tr.i == tr.n);
        }
    }
    tk_evrow full = rows[0];
    TK_CHECK_INT(tk_evblock_writer_add(w, &full, &err), TK_EINVAL);
    tk_evblock_writer_destroy(w);
}

static void rejects_out_of_range_values(void)
{
    tk_error err = {0, ""};
    tk_evblock_writer *w = NULL;
    TK_REQUIRE(tk_evblock_writer_create(&w, &err) == TK_OK);
    tk_evrow r;
    memset(&r, 0, sizeof r);
    r.mynumber = -1;
    r.count = -1;
    r.bytes = -1;
    r.op = 32;
    TK_CHECK_INT(tk_evblock_writer_add(w, &r, &err), TK_EINVAL);
    r.op = 0;
    r.count = -2;
    TK_CHECK_INT(tk_evblock_writer_add(w, &r, &err), TK_EINVAL);
    r.count = -1;
    r.t = INT64_MIN;
    TK_CHECK_INT(tk_evblock_writer_add(w, &r, &err), TK_OK);
    r.t = INT64_MAX; /* delta overflows */
    TK_CHECK_INT(tk_evblock_writer_add(w, &r, &err), TK_EINVAL);
    r.t = 0;
    r.record = -1;
    TK_CHECK_INT(tk_evblock_writer_add(w, &r, &err), TK_EINVAL);
    tk_evblock_writer_destroy(w);
    tk_evblock_reader rd;
    TK_CHECK_INT(tk_evblock_reader_init(&rd, (const uint8_t *)"TKEB\x03", 5, &err), TK_EPARSE);
    TK_CHECK_STR(err.msg, "not an event block (bad magic or version)");
}

/* Every count and byte total the CSV parser accepts (0..INT64_MAX) is
 * stored and read back exactly: INT64_MAX used to be refused at storage,
 * failing the whole file. */
static void holds_extreme_counts(void)
{
    static const int64_t values[] = {-1, 0, 1, INT64_MAX - 1, INT64_MAX};
    const size_t n = sizeof values / sizeof values[0];
    tk_error err = {0, ""};
    tk_evblock_writer *w = NULL;
    TK_REQUIRE(tk_evblock_writer_create(&w, &err) == TK_OK);
    tk_evrow r;
    memset(&r, 0, sizeof r);
    r.mynumber = -1;
    for (size_t i = 0; i < n; i++) {
        r.t = (int64_t)i;
        r.count = values[i];
        r.bytes = values[n - 1 - i];
        TK_CHECK_INT(tk_evblock_writer_add(w, &r, &err), TK_OK);
    }
    const uint8_t *data = NULL;
    size_t len = 0;
    TK_REQUIRE(tk_evblock_writer_finish(w, &data, &len, &err) == TK_OK);
    tk_evblock_reader rd;
    TK_REQUIRE(tk_evblock_reader_init(&rd, data, len, &err) == TK_OK);
    for (size_t i = 0; i < n; i++) {
        tk_evrow row;
        TK_REQUIRE(tk_evblock_reader_next(&rd, &row, &err) == 1);
        TK_CHECK_INT(row.count, values[i]);
        TK_CHECK_INT(row.bytes, values[n - 1 - i]);
    }
    tk_evblock_writer_destroy(w);
}

/* A block of format version 1 (before the record column) still reads,
 * with record 0: stores written then stay readable. */
static void reads_version_1_blocks(void)
{
    static const uint8_t v1[] = {
        'T',  'K',  'E', 'B', 1,             /* magic, version 1 */
        1,                                   /* one event */
        2,    1,    1,   1,   1, 1, 1, 4, 1, /* nine column lengths */
        0xD0, 0x0F,                          /* time: zigzag(1000) */
        3,                                   /* system */
        7,                                   /* user */
        0,    0,    0,                       /* terminal, function, subject */
        0x05,                                /* flags: print, success, mynumber absent */
        0,    0,    0,   0,                  /* device, file, count, bytes absent */
        0,                                   /* no detail */
    };
    tk_error err = {0, ""};
    tk_evblock_reader rd;
    TK_REQUIRE(tk_evblock_reader_init(&rd, v1, sizeof v1, &err) == TK_OK);
    tk_evrow row;
    TK_REQUIRE(tk_evblock_reader_next(&rd, &row, &err) == 1);
    TK_CHECK_INT(row.t, 1000);
    TK_CHECK_INT(row.system, 3);
    TK_CHECK_INT(row.user, 7);
    TK_CHECK_INT(row.op, 5);
    TK_CHECK_INT(row.record, 0);
    TK_CHECK_INT(tk_evblock_reader_next(&rd, &row, &err), 0);
}

int main(void)
{
    TK_RUN(round_trip);
    TK_RUN(rejects_out_of_range_values);
    TK_RUN(reads_version_1_blocks);
    TK_RUN(holds_extreme_counts);
    TK_TEST_END();
}
