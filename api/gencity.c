/* api/gencity.c -- `tenken gen-city`: a synthetic city for the demo, the tests and the benchmarks.
 *
 * Approach. The generator builds a small municipality in memory and then
 * writes it out. First the city: residents grouped into households (ages,
 * 町丁, which systems know them), corporations for 法人住民税, departments
 * (所属) with sections (係) that each lean on a few of the 20 systems, staff
 * with personal habits (arrival and leaving time with their own spread, a
 * lunch hour, a daily volume, early birds and late stayers), terminals per
 * department with IP addresses, approved USB media. Then the baseline: for
 * every open day and every staff member who is at work (hired, not retired,
 * not on leave, not on annual leave that day) the simulator opens a logon
 * session on the staff member's terminal, draws "tasks" (look up a resident,
 * maybe search first, maybe process: update / issue / print) at times that
 * follow a morning and an afternoon peak with a lunch dip, and closes the
 * session. Seasonal load (住民税 in May-June, 市民課 in April, 現況届 in June,
 * the election) raises the volume and lengthens the day; every minute worked
 * outside 8:30-17:15 is covered by a row in overtime.csv, so the baseline is
 * clean by construction. Last, incidents and hard negatives are injected by
 * small table-driven functions that add events (and truth rows) on top of
 * the baseline; nearly all land in the inspection period (the last two
 * calendar months) and are deliberately subtle: a 3x spike, a handful of
 * lookups, a burst of 30 residents in 10 minutes.
 *
 * Events live in three flat arrays (business, terminal logon, removable
 * media) with a sequence number; each array is sorted once with a total
 * order (system, time, sequence), so the output never depends on qsort's
 * instability. Writing is table-driven too: a layout is data (column names
 * and kinds, time style, encoding, line ending, quoting, the vendor's words
 * for operations and results), one row writer serves all of them, and the
 * same table produces each source profile (docs/profiles.md), so a profile
 * can never drift from the file it describes. A log file is rendered into a
 * memory buffer as UTF-8 and converted to CP932 in one step where the
 * layout asks for it. The buffer's append functions never fail: they set a
 * sticky out-of-memory flag that the file writer checks, which keeps the
 * hundreds of append calls free of error plumbing, like stdio's ferror().
 *
 * Determinism: every random choice comes from xoshiro256** (Blackman and
 * Vigna, 2018) seeded through splitmix64 from --seed and a fixed stream
 * number per purpose (city, baseline, incidents; --bulk-rows draws from the
 * baseline stream), so adding an incident kind does not shift the baseline. Only integer arithmetic
 * is used for randomness (Lemire's multiply-shift for bounded integers, an Irwin-Hall sum of four
 * uniforms for bell-shaped noise): no libm, no floating point whose last bit could differ between
 * machines or compilers, no time(), no locale, no hash order. No statement makes two random draws
 * among unsequenced operands (the arguments of one call, the operands of +):
 * C leaves their order unspecified and gcc and clang do evaluate them
 * differently. The same seed gives byte-identical output everywhere.
 *
 * Holidays follow 祝日法 for 2020-2099 (the only years the generator accepts):
 * fixed days, Happy Mondays, the equinox formulas in fixed-point integers,
 * the 2020/2021 Olympic moves, 振替休日 and 国民の休日. Municipal closed days
 * add 12/29-1/3; one Sunday in the inspection period is a 休日開庁 day.
 *
 * --bulk-rows is a separate fast path for the ingest benchmark: one juki
 * layout, rows formatted with hand-written digit writers into a 1 MiB
 * buffer and written with fwrite, no per-field printf. */
#include "api/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/encoding.h"
#include "src/error.h"
#include "src/timefmt.h"

#define NONE32    UINT32_MAX
#define DAY_NONE  INT32_MIN
#define MIN_STAFF 30
#define MAX_STAFF 5000
#define MIN_RES   1000
#define MAX_RES   2000000
#define MAX_DAYS  1096
#define MIN_DAYS  28
#define MAX_STAFF_DAYS                                                                             \
    2500000 /* staff x days x volume; about 40 events each, 32 bytes an event                      \
             */
#define HOURS_FROM (8 * 60 + 30)
#define HOURS_TO   (17 * 60 + 15)
#define NTRAIN     3             /* training accounts kenshu01.. */
#define NFICT      40            /* fictitious 宛名番号 of the training data */
#define FICT_BASE  0xFFFFF000u   /* bev.res of the first fictitious resident */
#define FICT_ID0   9900000001ULL /* its 宛名番号 */

/* ---------------------------------------------------------------------------------------------
 * Random numbers: splitmix64 seeds xoshiro256**; everything else is integer arithmetic.
 */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (size_t i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    const uint64_t result = rotl(r->s[1] * 5, 7) * 9;
    const uint64_t t = r->s[1] << 17;
    r->s[2] ^= r->s[0];
    r->s[3] ^= r->s[1];
    r->s[1] ^= r->s[2];
    r->s[0] ^= r->s[3];
    r->s[2] ^= t;
    r->s[3] = rotl(r->s[3], 45);
    return result;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift with rejection). */
static uint32_t rng_below(rng *r, uint32_t n)
{
    uint64_t m = (rng_next(r) >> 32) * (uint64_t)n;
    uint32_t l = (uint32_t)m;
    if (l < n) {
        const uint32_t t = (uint32_t)(0u - n) % n;
        while (l < t) {
            m = (rng_next(r) >> 32) * (uint64_t)n;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

static size_t rng_index(rng *r, size_t n)
{
    return (size_t)rng_below(r, (uint32_t)n);
}

/* Uniform in [lo, hi] (inclusive). */
static int rng_range(rng *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)rng_below(r, (uint32_t)(hi - lo + 1));
}

/* 1 with probability pm / 1000. */
static int rng_pm(rng *r, unsigned pm)
{
    return rng_below(r, 1000) < pm;
}

/* Bell-shaped noise: mean + sd * z, z from an Irwin-Hall sum of four uniforms (sd of the sum
 * of four U[0, 65536) is 65536 / sqrt(3) = 37837.2). Integer arithmetic only. */
static int rng_bell(rng *r, int mean, int sd)
{
    int64_t s = 0;
    for (size_t i = 0; i < 4; i++)
        s += (int64_t)(rng_next(r) >> 48);
    s -= 131072;
    return mean + (int)(s * (int64_t)sd / 37837);
}

/* Index drawn with integer weights w[0..n). */
static size_t rng_weighted(rng *r, const unsigned *w, size_t n)
{
    unsigned total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    if (total == 0)
        return 0;
    unsigned x = rng_below(r, total);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* An index skewed towards 0 (the minimum of two draws): common names first. */
static size_t rng_skewed(rng *r, size_t n)
{
    const size_t a = rng_index(r, n), b = rng_index(r, n);
    return a < b ? a : b;
}

static unsigned isqrt(unsigned v)
{
    unsigned x = 0;
    while ((x + 1) * (x + 1) <= v)
        x++;
    return x;
}

/* ---------------------------------------------------------------------------------------------
 * Output buffers. Appends never fail; a failed growth sets the sticky oom flag.
 */

typedef struct buf {
    char *p;
    size_t len, cap;
    int oom;
} buf;

static void buf_free(buf *b)
{
    tk_free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

static int buf_grow(buf *b, size_t extra)
{
    size_t need;
    if (b->oom || !tk_add_size(b->len, extra, &need)) {
        b->oom = 1;
        return 0;
    }
    if (need <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need) {
        if (!tk_mul_size(cap, 2, &cap)) {
            b->oom = 1;
            return 0;
        }
    }
    char *p = tk_realloc(b->p, cap);
    if (p == NULL) {
        b->oom = 1;
        return 0;
    }
    b->p = p;
    b->cap = cap;
    return 1;
}

static void put(buf *b, const char *s, size_t n)
{
    if (n == 0 || !buf_grow(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putch(buf *b, char c)
{
    if (!buf_grow(b, 1))
        return;
    b->p[b->len++] = c;
}

/* Decimal v, left-padded with zeros to at least width digits. */
static void putnum(buf *b, uint64_t v, int width)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < (size_t)width && n < sizeof tmp)
        tmp[n++] = '0';
    if (!buf_grow(b, n))
        return;
    while (n)
        b->p[b->len++] = tmp[--n];
}

/* A CSV field (RFC 4180): quoted when asked or when it holds a comma, quote or line break. */
static void putcsv(buf *b, const char *s, int quote_all)
{
    const int q = quote_all || strpbrk(s, ",\"\r\n") != NULL;
    if (!q) {
        puts_(b, s);
        return;
    }
    putch(b, '"');
    for (const char *c = s; *c; c++) {
        if (*c == '"')
            putch(b, '"');
        putch(b, *c);
    }
    putch(b, '"');
}

/* A JSON string literal. */
static void putjson(buf *b, const char *s)
{
    putch(b, '"');
    for (const char *c = s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            putch(b, '\\');
            putch(b, *c);
        } else if (*c == '\n') {
            puts_(b, "\\n");
        } else {
            putch(b, *c);
        }
    }
    putch(b, '"');
}

/* ---------------------------------------------------------------------------------------------
 * Calendar: day numbers are days since 1970-01-01 (JST civil dates), times are seconds of day.
 */

enum { DF_CLOSED = 1, DF_HOLIDAY = 2, DF_WEEKEND = 4, DF_NENMATSU = 8, DF_OPEN_SUNDAY = 16 };

static int32_t day_of(int y, int m, int d)
{
    return (int32_t)tk_days_from_civil(y, m, d);
}

static void ymd_of(int32_t day, int *y, int *m, int *d)
{
    tk_civil_from_days(day, y, m, d);
}

static int wday_of(int32_t day)
{
    return tk_weekday(day);
}

/* The n-th (1-based) Monday of month m. */
static int32_t nth_monday(int y, int m, int n)
{
    const int32_t first = day_of(y, m, 1);
    const int w = wday_of(first);
    const int off = (8 - w) % 7; /* days from the 1st to the first Monday */
    return first + off + 7 * (n - 1);
}

/* 春分 and 秋分 (valid 1980-2099), in fixed point: floor(a + 0.242194 (y - 1980)) -
 * floor((y - 1980) / 4), with a = 20.8431 (March) or 23.2488 (September). */
static int equinox(int y, long a_millionths)
{
    const long k = (long)(y - 1980);
    return (int)((a_millionths + 242194L * k) / 1000000L - k / 4);
}

typedef struct holiday {
    int32_t day;
    const char *name;
} holiday;

/* Writes the national holidays of year y (2020-2099) into h (room for 32), sorted; returns the
 * count. */
static size_t holidays_of_year(int y, holiday *h)
{
    size_t n = 0;
#define HOL(d, nm) (h[n].day = (d), h[n].name = (nm), n++)
    HOL(day_of(y, 1, 1), "元日");
    HOL(nth_monday(y, 1, 2), "成人の日");
    HOL(day_of(y, 2, 11), "建国記念の日");
    HOL(day_of(y, 2, 23), "天皇誕生日");
    HOL(day_of(y, 3, equinox(y, 20843100L)), "春分の日");
    HOL(day_of(y, 4, 29), "昭和の日");
    HOL(day_of(y, 5, 3), "憲法記念日");
    HOL(day_of(y, 5, 4), "みどりの日");
    HOL(day_of(y, 5, 5), "こどもの日");
    if (y == 2020) {
        HOL(day_of(y, 7, 23), "海の日");
        HOL(day_of(y, 7, 24), "スポーツの日");
        HOL(day_of(y, 8, 10), "山の日");
    } else if (y == 2021) {
        HOL(day_of(y, 7, 22), "海の日");
        HOL(day_of(y, 7, 23), "スポーツの日");
        HOL(day_of(y, 8, 8), "山の日");
    } else {
        HOL(nth_monday(y, 7, 3), "海の日");
        HOL(day_of(y, 8, 11), "山の日");
    }
    HOL(nth_monday(y, 9, 3), "敬老の日");
    HOL(day_of(y, 9, equinox(y, 23248800L)), "秋分の日");
    if (y != 2020 && y != 2021)
        HOL(nth_monday(y, 10, 2), "スポーツの日");
    HOL(day_of(y, 11, 3), "文化の日");
    HOL(day_of(y, 11, 23), "勤労感謝の日");
    /* sort (insertion; at most 20 entries) */
    for (size_t i = 1; i < n; i++) {
        const holiday x = h[i];
        size_t j = i;
        while (j > 0 && h[j - 1].day > x.day) {
            h[j] = h[j - 1];
            j--;
        }
        h[j] = x;
    }
    /* 国民の休日: a day between two holidays that is not itself one. */
    const size_t base = n;
    for (size_t i = 0; i + 1 < base; i++) {
        if (h[i + 1].day - h[i].day == 2 && wday_of(h[i].day + 1) != 0)
            HOL(h[i].day + 1, "国民の休日");
    }
    /* 振替休日: a holiday on Sunday moves to the next day that is not a holiday. */
    const size_t before = n;
    for (size_t i = 0; i < before; i++) {
        if (wday_of(h[i].day) != 0)
            continue;
        int32_t d = h[i].day + 1;
        for (;;) {
            int taken = 0;
            for (size_t j = 0; j < n; j++)
                taken |= h[j].day == d;
            if (!taken)
                break;
            d++;
        }
        HOL(d, "休日");
    }
#undef HOL
    for (size_t i = 1; i < n; i++) {
        const holiday x = h[i];
        size_t j = i;
        while (j > 0 && h[j - 1].day > x.day) {
            h[j] = h[j - 1];
            j--;
        }
        h[j] = x;
    }
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Static tables: operations, systems and their functions, vendor layouts, departments.
 */

enum op {
    OP_LOOKUP,
    OP_SEARCH,
    OP_ADD,
    OP_UPDATE,
    OP_DELETE,
    OP_PRINT,
    OP_EXPORT,
    OP_EXTRACT,
    OP_ISSUE,
    OP_COUNT
};

static const char *const op_canon[OP_COUNT] = {"lookup", "search", "add",     "update", "delete",
                                               "print",  "export", "extract", "issue"};

/* How a task uses a function: search first, look up, look up with 個人番号 shown, process
 * (update / add / issue / single print), print or export a list, extract. */
enum fcat { FC_SEARCH, FC_LOOK, FC_MYNUM, FC_PROC, FC_LIST, FC_EXTRACT };

typedef struct fndef {
    const char *id;   /* 画面ID / 機能ID / 処理コード */
    const char *name; /* 画面名 / 機能名 / 処理内容 */
    unsigned char op, cat, w;
} fndef;

enum sys {
    SYS_JUKI,
    SYS_SENKYO,
    SYS_KOTEI,
    SYS_KOJIN,
    SYS_HOJIN,
    SYS_KEIJI,
    SYS_SHUGAKU,
    SYS_NENKIN,
    SYS_KOKUHO,
    SYS_KOKI,
    SYS_KAIGO,
    SYS_SHOGAI,
    SYS_SEIHO,
    SYS_KENKO,
    SYS_JIDO,
    SYS_JIFU,
    SYS_KODOMO,
    SYS_KOSEKI,
    SYS_FUHYO,
    SYS_INKAN,
    SYS_COUNT
};

#define FN(id, name, op, cat, w)                                                                   \
    {                                                                                              \
        id, name, OP_##op, FC_##cat, w                                                             \
    }

static const fndef fn_juki[] = {
    FN("JUK0100", "住民検索", SEARCH, SEARCH, 30),
    FN("JUK0101", "住民記録照会", LOOKUP, LOOK, 60),
    FN("JUK0102", "世帯照会", LOOKUP, LOOK, 25),
    FN("JUK0103", "個人番号照会", LOOKUP, MYNUM, 10),
    FN("JUK0104", "異動履歴照会", LOOKUP, LOOK, 10),
    FN("JUK0201", "異動届入力", UPDATE, PROC, 20),
    FN("JUK0202", "転入届入力", ADD, PROC, 8),
    FN("JUK0301", "住民票写し交付", ISSUE, PROC, 35),
    FN("JUK0401", "異動者一覧印刷", PRINT, LIST, 5),
    FN("JUK0402", "統計データ出力", EXPORT, LIST, 2),
    FN("JUK0501", "住民データ抽出", EXTRACT, EXTRACT, 1),
};
static const fndef fn_senkyo[] = {
    FN("SNK0100", "選挙人検索", SEARCH, SEARCH, 30),
    FN("SNK0101", "選挙人照会", LOOKUP, LOOK, 60),
    FN("SNK0201", "登録・抹消処理", UPDATE, PROC, 15),
    FN("SNK0301", "投票受付入力", UPDATE, PROC, 25),
    FN("SNK0401", "名簿抄本印刷", PRINT, LIST, 5),
    FN("SNK0402", "有権者数集計出力", EXPORT, LIST, 3),
};
static const fndef fn_kotei[] = {
    FN("ZKT001", "納税義務者検索", SEARCH, SEARCH, 30),
    FN("ZKT010", "課税台帳照会", LOOKUP, LOOK, 50),
    FN("ZKT011", "名寄帳照会", LOOKUP, LOOK, 30),
    FN("ZKT020", "評価額修正", UPDATE, PROC, 20),
    FN("ZKT030", "課税明細書印刷", PRINT, PROC, 10),
    FN("ZKT050", "評価証明書発行", ISSUE, PROC, 15),
    FN("ZKT040", "評価替データ出力", EXPORT, LIST, 3),
};
static const fndef fn_kojin[] = {
    FN("ZJM001", "納税義務者検索", SEARCH, SEARCH, 30),
    FN("ZJM010", "個人課税照会", LOOKUP, LOOK, 55),
    FN("ZJM011", "所得照会", LOOKUP, LOOK, 30),
    FN("ZJM012", "個人番号照会", LOOKUP, MYNUM, 8),
    FN("ZJM020", "申告書入力", ADD, PROC, 20),
    FN("ZJM021", "課税更正", UPDATE, PROC, 15),
    FN("ZJM030", "税額通知書印刷", PRINT, LIST, 4),
    FN("ZJM050", "所得証明書発行", ISSUE, PROC, 15),
    FN("ZJM040", "特別徴収データ出力", EXPORT, LIST, 2),
};
static const fndef fn_hojin[] = {
    FN("ZHJ001", "法人検索", SEARCH, SEARCH, 30), FN("ZHJ010", "法人照会", LOOKUP, LOOK, 60),
    FN("ZHJ020", "申告書入力", ADD, PROC, 25),    FN("ZHJ021", "更正処理", UPDATE, PROC, 10),
    FN("ZHJ030", "納付書印刷", PRINT, PROC, 10),
};
static const fndef fn_keiji[] = {
    FN("ZKJ001", "車両検索", SEARCH, SEARCH, 30),
    FN("ZKJ010", "車両照会", LOOKUP, LOOK, 60),
    FN("ZKJ020", "登録・廃車処理", UPDATE, PROC, 25),
    FN("ZKJ030", "継続検査用納税証明書発行", ISSUE, PROC, 20),
    FN("ZKJ040", "課税データ出力", EXPORT, LIST, 2),
};
static const fndef fn_shugaku[] = {
    FN("GAK001", "児童生徒検索", SEARCH, SEARCH, 30),
    FN("GAK010", "学齢簿照会", LOOKUP, LOOK, 60),
    FN("GAK020", "就学通知入力", UPDATE, PROC, 15),
    FN("GAK021", "就学援助認定入力", UPDATE, PROC, 15),
    FN("GAK030", "学齢簿一覧印刷", PRINT, LIST, 4),
};
static const fndef fn_nenkin[] = {
    FN("NK00", "被保険者検索", SEARCH, SEARCH, 30), FN("NK01", "資格照会", LOOKUP, LOOK, 55),
    FN("NK05", "年金記録照会", LOOKUP, LOOK, 25),   FN("NK06", "個人番号照会", LOOKUP, MYNUM, 6),
    FN("NK02", "資格取得喪失", UPDATE, PROC, 20),   FN("NK03", "免除申請入力", ADD, PROC, 15),
    FN("NK09", "届書一覧出力", EXPORT, LIST, 3),
};
static const fndef fn_kokuho[] = {
    FN("KH00", "世帯検索", SEARCH, SEARCH, 30),   FN("KH01", "資格照会", LOOKUP, LOOK, 55),
    FN("KH04", "賦課照会", LOOKUP, LOOK, 25),     FN("KH06", "個人番号照会", LOOKUP, MYNUM, 6),
    FN("KH02", "資格異動入力", UPDATE, PROC, 20), FN("KH03", "保険証発行", ISSUE, PROC, 15),
    FN("KH05", "高額療養費入力", ADD, PROC, 10),  FN("KH09", "資格異動一覧出力", EXPORT, LIST, 3),
};
static const fndef fn_koki[] = {
    FN("KK00", "被保険者検索", SEARCH, SEARCH, 30),  FN("KK01", "被保険者照会", LOOKUP, LOOK, 60),
    FN("KK02", "資格異動入力", UPDATE, PROC, 20),    FN("KK03", "被保険者証発行", ISSUE, PROC, 15),
    FN("KK09", "被保険者一覧出力", EXPORT, LIST, 3),
};
static const fndef fn_kaigo[] = {
    FN("KG100", "介護被保険者検索", SEARCH, SEARCH, 30),
    FN("KG110", "介護被保険者照会", LOOKUP, LOOK, 50),
    FN("KG120", "要介護認定情報照会", LOOKUP, LOOK, 30),
    FN("KG130", "介護保険料賦課照会", LOOKUP, LOOK, 15),
    FN("KG210", "要介護認定結果入力", UPDATE, PROC, 20),
    FN("KG310", "介護保険証発行", ISSUE, PROC, 12),
    FN("KG410", "給付実績一覧出力", EXPORT, LIST, 3),
};
static const fndef fn_shogai[] = {
    FN("SG100", "障害者対象者検索", SEARCH, SEARCH, 30),
    FN("SG110", "障害者手帳情報照会", LOOKUP, LOOK, 55),
    FN("SG120", "サービス利用状況照会", LOOKUP, LOOK, 25),
    FN("SG210", "障害福祉サービス支給決定入力", UPDATE, PROC, 20),
    FN("SG310", "受給者証発行", ISSUE, PROC, 12),
    FN("SG410", "障害福祉給付費一覧出力", EXPORT, LIST, 3),
};
static const fndef fn_seiho[] = {
    FN("SH100", "ケース検索", SEARCH, SEARCH, 25),
    FN("SH110", "ケース記録照会", LOOKUP, LOOK, 60),
    FN("SH120", "保護台帳照会", LOOKUP, LOOK, 20),
    FN("SH210", "ケース記録入力", UPDATE, PROC, 35),
    FN("SH220", "保護決定入力", UPDATE, PROC, 8),
    FN("SH310", "扶助費支給一覧印刷", PRINT, LIST, 3),
    FN("SH410", "受給者一覧出力", EXPORT, LIST, 2),
};
static const fndef fn_kenko[] = {
    FN("KN001", "健康管理対象者検索", SEARCH, SEARCH, 30),
    FN("KN010", "健診結果照会", LOOKUP, LOOK, 40),
    FN("KN011", "予防接種履歴照会", LOOKUP, LOOK, 35),
    FN("KN020", "健診結果入力", UPDATE, PROC, 20),
    FN("KN021", "予防接種記録入力", ADD, PROC, 20),
    FN("KN030", "受診券発行", ISSUE, PROC, 8),
    FN("KN040", "健診対象者一覧出力", EXPORT, LIST, 3),
};
static const fndef fn_jido[] = {
    FN("JD01", "児童手当受給者検索", SEARCH, SEARCH, 30),
    FN("JD02", "児童手当受給者照会", LOOKUP, LOOK, 60),
    FN("JD03", "児童手当認定請求入力", ADD, PROC, 12),
    FN("JD04", "児童手当額改定入力", UPDATE, PROC, 12),
    FN("JD05", "児童手当現況届処理", UPDATE, PROC, 10),
    FN("JD06", "児童手当支払一覧印刷", PRINT, LIST, 3),
};
static const fndef fn_jifu[] = {
    FN("JF01", "児童扶養手当受給者検索", SEARCH, SEARCH, 30),
    FN("JF02", "児童扶養手当受給者照会", LOOKUP, LOOK, 55),
    FN("JF03", "児童扶養手当所得状況照会", LOOKUP, LOOK, 25),
    FN("JF04", "児童扶養手当認定請求入力", ADD, PROC, 12),
    FN("JF05", "児童扶養手当証書発行", ISSUE, PROC, 10),
};
static const fndef fn_kodomo[] = {
    FN("KD01", "保育利用者検索", SEARCH, SEARCH, 30),
    FN("KD02", "保育利用者照会", LOOKUP, LOOK, 60),
    FN("KD03", "保育入所申込入力", ADD, PROC, 15),
    FN("KD04", "保育支給認定入力", UPDATE, PROC, 15),
    FN("KD05", "保育利用者一覧印刷", PRINT, LIST, 3),
};
static const fndef fn_koseki[] = {
    FN("KS001", "戸籍検索", SEARCH, SEARCH, 30), FN("KS010", "戸籍照会", LOOKUP, LOOK, 55),
    FN("KS011", "除籍照会", LOOKUP, LOOK, 15),   FN("KS020", "戸籍届書入力", ADD, PROC, 20),
    FN("KS021", "戸籍訂正", UPDATE, PROC, 5),    FN("KS030", "戸籍謄抄本交付", ISSUE, PROC, 30),
    FN("KS040", "届書一覧印刷", PRINT, LIST, 3),
};
static const fndef fn_fuhyo[] = {
    FN("FHY0100", "附票検索", SEARCH, SEARCH, 30),
    FN("FHY0101", "附票照会", LOOKUP, LOOK, 60),
    FN("FHY0201", "附票記載", UPDATE, PROC, 20),
    FN("FHY0301", "附票写し交付", ISSUE, PROC, 20),
};
static const fndef fn_inkan[] = {
    FN("INK0100", "印鑑登録者検索", SEARCH, SEARCH, 20),
    FN("INK0101", "印鑑登録照会", LOOKUP, LOOK, 50),
    FN("INK0201", "印鑑登録", ADD, PROC, 15),
    FN("INK0202", "印鑑登録廃止", DELETE, PROC, 4),
    FN("INK0301", "印鑑登録証明書交付", ISSUE, PROC, 45),
};
#undef FN

/* Which residents a system knows (its subject pool). */
enum pool {
    P_ALL,
    P_VOTER,
    P_LAND,
    P_INCOME,
    P_CORP,
    P_CAR,
    P_SCHOOL,
    P_NENKIN,
    P_KOKUHO,
    P_KOKI,
    P_KAIGO,
    P_SHOGAI,
    P_SEIHO,
    P_JIDO,
    P_JIFU,
    P_PRESCHOOL,
    P_KOSEKI,
    P_INKAN
};

enum layout_id { L_A, L_B, L_C, L_D, L_E, L_F, L_G, L_COUNT };

typedef struct sysdef {
    const char *code;  /* file prefix and profile stem */
    const char *name;  /* the system as profiles and authorizations write it */
    const char *gyomu; /* 業務 / 業務コード column value */
    unsigned char layout, pool;
    const fndef *fn;
    size_t nfn;
} sysdef;

#define SYS(code, name, gyomu, layout, pool, fn)                                                   \
    {                                                                                              \
        code, name, gyomu, layout, pool, fn, sizeof fn / sizeof fn[0]                              \
    }
static const sysdef systems[SYS_COUNT] = {
    SYS("juki", "住民基本台帳", "住民記録", L_A, P_ALL, fn_juki),
    SYS("senkyo", "選挙人名簿管理", "選挙", L_A, P_VOTER, fn_senkyo),
    SYS("kotei", "固定資産税", "固定資産税", L_B, P_LAND, fn_kotei),
    SYS("kojin", "個人住民税", "個人住民税", L_B, P_INCOME, fn_kojin),
    SYS("hojin", "法人住民税", "法人住民税", L_B, P_CORP, fn_hojin),
    SYS("keiji", "軽自動車税", "軽自動車税", L_B, P_CAR, fn_keiji),
    SYS("shugaku", "就学", "学齢簿", L_F, P_SCHOOL, fn_shugaku),
    SYS("nenkin", "国民年金", "NK", L_D, P_NENKIN, fn_nenkin),
    SYS("kokuho", "国民健康保険", "KH", L_D, P_KOKUHO, fn_kokuho),
    SYS("koki", "後期高齢者医療", "KK", L_D, P_KOKI, fn_koki),
    SYS("kaigo", "介護保険", "介護", L_C, P_KAIGO, fn_kaigo),
    SYS("shogai", "障害者福祉", "障害", L_C, P_SHOGAI, fn_shogai),
    SYS("seiho", "生活保護", "保護", L_C, P_SEIHO, fn_seiho),
    SYS("kenko", "健康管理", "健康管理", L_F, P_ALL, fn_kenko),
    SYS("jido", "児童手当", "児童手当", L_E, P_JIDO, fn_jido),
    SYS("jifu", "児童扶養手当", "児童扶養手当", L_E, P_JIFU, fn_jifu),
    SYS("kodomo", "子ども・子育て支援", "子ども子育て", L_E, P_PRESCHOOL, fn_kodomo),
    SYS("koseki", "戸籍", "戸籍", L_G, P_KOSEKI, fn_koseki),
    SYS("fuhyo", "戸籍附票", "戸籍附票", L_A, P_KOSEKI, fn_fuhyo),
    SYS("inkan", "印鑑登録", "印鑑", L_A, P_INKAN, fn_inkan),
};
#undef SYS

/* Column kinds a vendor layout can carry. */
enum colk {
    K_DATETIME,
    K_DATE,
    K_TIME,
    K_USER,
    K_UNAME,
    K_DEPT,
    K_TERM,
    K_GYOMU,
    K_FNID,
    K_FNNAME,
    K_OP,
    K_SUBJ,
    K_COUNT,
    K_MYNUM,
    K_RESULT,
    K_NOTE
};

enum tstyle { T_SLASH, T_ISO, T_SPLIT_DASH, T_COMPACT, T_WAREKI, T_MILLIS };
enum enc { E_UTF8, E_UTF8_BOM, E_CP932 };
enum ustyle { U_ID, U_ACCOUNT, U_PADDED8 };

static const char *const enc_name[] = {"utf-8", "utf-8-bom", "cp932"};

typedef struct coldef {
    const char *name;
    unsigned char kind;
} coldef;

typedef struct layoutdef {
    const char *vendor; /* profile suffix */
    const char *desc;
    const coldef *cols;
    size_t ncols;
    unsigned char tstyle, enc, crlf, quote_all, ustyle, term_ip;
    const char *const *opw; /* the vendor's word per op; NULL: the operation comes from 画面名 */
    const char *res_ok, *res_ng, *my_yes, *my_no;
} layoutdef;

static const coldef cols_a[] = {
    {"操作日時", K_DATETIME}, {"職員番号", K_USER}, {"職員氏名", K_UNAME},
    {"所属", K_DEPT},         {"端末名", K_TERM},   {"業務", K_GYOMU},
    {"画面ID", K_FNID},       {"画面名", K_FNNAME}, {"操作区分", K_OP},
    {"宛名番号", K_SUBJ},     {"件数", K_COUNT},    {"個人番号表示", K_MYNUM},
    {"結果", K_RESULT},       {"備考", K_NOTE},
};
static const coldef cols_b[] = {
    {"処理日", K_DATE},   {"処理時刻", K_TIME},  {"ユーザーID", K_USER}, {"ユーザー名", K_UNAME},
    {"端末名", K_TERM},   {"機能ID", K_FNID},    {"機能名", K_FNNAME},   {"処理区分", K_OP},
    {"宛名番号", K_SUBJ}, {"処理件数", K_COUNT}, {"個人番号", K_MYNUM},  {"備考", K_NOTE},
};
static const coldef cols_c[] = {
    {"アクセス日時", K_DATETIME}, {"アカウント", K_USER}, {"接続元IP", K_TERM},
    {"画面名", K_FNNAME},         {"宛名番号", K_SUBJ},   {"件数", K_COUNT},
    {"結果", K_RESULT},           {"メッセージ", K_NOTE},
};
static const coldef cols_d[] = {
    {"処理日時", K_DATETIME}, {"職員コード", K_USER}, {"端末ID", K_TERM},
    {"業務コード", K_GYOMU},  {"処理コード", K_FNID}, {"処理区分", K_OP},
    {"宛名番号", K_SUBJ},     {"件数", K_COUNT},      {"個人番号参照", K_MYNUM},
    {"処理結果", K_RESULT},
};
static const coldef cols_e[] = {
    {"処理日", K_DATE},    {"処理時刻", K_TIME}, {"担当者ID", K_USER}, {"担当者名", K_UNAME},
    {"所属名", K_DEPT},    {"端末名", K_TERM},   {"画面名", K_FNNAME}, {"対象宛名番号", K_SUBJ},
    {"処理件数", K_COUNT}, {"備考", K_NOTE},
};
static const coldef cols_f[] = {
    {"ログ日時", K_DATETIME}, {"ログインID", K_USER},     {"端末", K_TERM},  {"機能", K_FNNAME},
    {"操作", K_OP},           {"対象者宛名番号", K_SUBJ}, {"件数", K_COUNT}, {"詳細", K_NOTE},
};
static const coldef cols_g[] = {
    {"日時", K_DATETIME}, {"利用者ID", K_USER},  {"利用者名", K_UNAME},
    {"端末名", K_TERM},   {"処理種別", K_OP},    {"処理内容", K_FNNAME},
    {"宛名番号", K_SUBJ}, {"交付通数", K_COUNT}, {"備考", K_NOTE},
};

static const char *const opw_a[OP_COUNT] = {"照会", "検索", "追加", "更新", "削除",
                                            "印刷", "出力", "抽出", "交付"};
static const char *const opw_b[OP_COUNT] = {"参照",     "検索",       "登録", "修正",    "削除",
                                            "帳票印刷", "データ出力", "抽出", "証明発行"};
static const char *const opw_d[OP_COUNT] = {"照会",     "検索",         "登録", "更新",  "削除",
                                            "帳票発行", "ファイル出力", "抽出", "証発行"};
static const char *const opw_f[OP_COUNT] = {"参照", "検索", "新規", "更新", "削除",
                                            "印刷", "出力", "抽出", "発行"};
static const char *const opw_g[OP_COUNT] = {"照会", "検索", "記載", "訂正",      "消除",
                                            "印刷", "出力", "抽出", "証明書発行"};

#define COLS(c) c, sizeof c / sizeof c[0]
static const layoutdef layouts[L_COUNT] = {
    {"vendor-a", "A社 住民情報系パッケージ 操作ログ", COLS(cols_a), T_SLASH, E_CP932, 1, 0, U_ID, 0,
     opw_a, "正常", "エラー", "有", "無"},
    {"vendor-b", "B社 税務システム 処理履歴", COLS(cols_b), T_SPLIT_DASH, E_UTF8_BOM, 1, 1, U_ID, 0,
     opw_b, NULL, NULL, "表示", ""},
    {"vendor-c", "C社 福祉総合システム(Web) アクセスログ", COLS(cols_c), T_ISO, E_UTF8, 0, 0,
     U_ACCOUNT, 1, NULL, "OK", "NG", NULL, NULL},
    {"vendor-d", "D社 保険年金システム 処理ログ", COLS(cols_d), T_COMPACT, E_CP932, 1, 0, U_PADDED8,
     0, opw_d, "0", "9", "1", "0"},
    {"vendor-e", "E社 子育て支援システム 操作履歴", COLS(cols_e), T_WAREKI, E_CP932, 1, 0, U_ID, 0,
     NULL, NULL, NULL, NULL, NULL},
    {"vendor-f", "F社 健康管理・学齢簿システム 監査ログ", COLS(cols_f), T_MILLIS, E_UTF8, 0, 0,
     U_ID, 0, opw_f, NULL, NULL, NULL, NULL},
    {"vendor-g", "G社 戸籍情報システム 操作記録", COLS(cols_g), T_SLASH, E_CP932, 1, 0, U_ID, 0,
     opw_g, NULL, NULL, NULL, NULL},
};
#undef COLS

/* Departments, their sections (係) and how each section spreads its work over systems. */
typedef struct sysw {
    signed char sys;
    unsigned char w;
} sysw;

enum dept {
    D_SHIMIN,
    D_ZEIMU,
    D_HOKEN,
    D_CHOJU,
    D_FUKUSHI,
    D_KOSODATE,
    D_KENKO,
    D_GAKKO,
    D_SENKYO,
    D_JOHO,
    D_SOMU,
    D_KIKAKU,
    D_KENSETSU,
    D_COUNT
};

typedef struct deptdef {
    const char *name, *code; /* code: terminal names (SHIMIN-PC001) */
    unsigned char subnet;    /* terminals are 10.10.<subnet>.x */
    unsigned char window;    /* 窓口: staggered lunch */
    unsigned char vol;       /* tasks a day of an ordinary clerk; 0: no business systems */
    unsigned short share;    /* per mille of the staff */
} deptdef;

static const deptdef depts[D_COUNT] = {
    {"市民課", "SHIMIN", 11, 1, 30, 160},
    {"税務課", "ZEIMU", 12, 0, 24, 150},
    {"保険年金課", "HOKEN", 13, 1, 26, 110},
    {"長寿介護課", "CHOJU", 14, 0, 22, 70},
    {"福祉課", "FUKUSHI", 15, 0, 20, 90},
    {"子育て支援課", "KOSODATE", 16, 1, 22, 80},
    {"健康推進課", "KENKO", 17, 0, 18, 60},
    {"学校教育課", "GAKKO", 18, 0, 14, 40},
    {"選挙管理委員会", "SENKYO", 19, 0, 10, 20},
    {"情報政策課", "JOHO", 20, 0, 0, 40},
    {"総務課", "SOMU", 21, 0, 0, 60},
    {"企画財政課", "KIKAKU", 22, 0, 0, 40},
    {"建設課", "KENSETSU", 23, 0, 0, 60},
};

typedef struct sectdef {
    unsigned char dept;
    const char *name;
    sysw w[4]; /* systems and weights; sys -1 ends the list */
} sectdef;

#define W(s, w)                                                                                    \
    {                                                                                              \
        SYS_##s, w                                                                                 \
    }
#define WEND                                                                                       \
    {                                                                                              \
        -1, 0                                                                                      \
    }
static const sectdef sects[] = {
    {D_SHIMIN, "住民記録係", {W(JUKI, 70), W(FUHYO, 10), W(INKAN, 10), W(KOSEKI, 10)}},
    {D_SHIMIN, "戸籍係", {W(KOSEKI, 70), W(FUHYO, 15), W(JUKI, 15), WEND}},
    {D_SHIMIN, "証明係", {W(JUKI, 50), W(INKAN, 30), W(KOSEKI, 20), WEND}},
    {D_ZEIMU, "市民税係", {W(KOJIN, 70), W(HOJIN, 15), W(JUKI, 15), WEND}},
    {D_ZEIMU, "資産税係", {W(KOTEI, 80), W(KEIJI, 5), W(JUKI, 15), WEND}},
    {D_ZEIMU, "諸税係", {W(KEIJI, 45), W(HOJIN, 25), W(KOJIN, 15), W(JUKI, 15)}},
    {D_HOKEN, "国保係", {W(KOKUHO, 80), W(JUKI, 20), WEND, WEND}},
    {D_HOKEN, "年金係", {W(NENKIN, 80), W(JUKI, 20), WEND, WEND}},
    {D_HOKEN, "高齢者医療係", {W(KOKI, 80), W(JUKI, 20), WEND, WEND}},
    {D_CHOJU, "介護保険係", {W(KAIGO, 85), W(JUKI, 15), WEND, WEND}},
    {D_CHOJU, "高齢福祉係", {W(KAIGO, 60), W(KOKI, 20), W(JUKI, 20), WEND}},
    {D_FUKUSHI, "障害福祉係", {W(SHOGAI, 80), W(JUKI, 20), WEND, WEND}},
    {D_FUKUSHI, "保護係", {W(SEIHO, 85), W(JUKI, 15), WEND, WEND}},
    {D_KOSODATE, "手当係", {W(JIDO, 55), W(JIFU, 30), W(JUKI, 15), WEND}},
    {D_KOSODATE, "保育係", {W(KODOMO, 85), W(JUKI, 15), WEND, WEND}},
    {D_KENKO, "保健係", {W(KENKO, 85), W(JUKI, 15), WEND, WEND}},
    {D_GAKKO, "学務係", {W(SHUGAKU, 85), W(JUKI, 15), WEND, WEND}},
    {D_SENKYO, "選挙係", {W(SENKYO, 75), W(JUKI, 25), WEND, WEND}},
    {D_JOHO, "情報システム係", {WEND, WEND, WEND, WEND}},
    {D_SOMU, "人事係", {WEND, WEND, WEND, WEND}},
    {D_KIKAKU, "財政係", {WEND, WEND, WEND, WEND}},
    {D_KENSETSU, "管理係", {WEND, WEND, WEND, WEND}},
};
#undef W
#undef WEND

/* Number of sections of dept. */
static size_t nsect(size_t dept)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof sects / sizeof sects[0]; i++)
        n += sects[i].dept == dept;
    return n;
}

/* The k-th section of dept (k < nsect(dept)). */
static const sectdef *sect_def(size_t dept, size_t k)
{
    for (size_t i = 0; i < sizeof sects / sizeof sects[0]; i++)
        if (sects[i].dept == dept && k-- == 0)
            return &sects[i];
    return &sects[0];
}

/* Authorizations: which 所属 may use which system, at which level, with 個人番号 or not. */
enum level { LV_NONE, LV_LOOKUP, LV_ALL };

typedef struct authdef {
    unsigned char dept, sys, level, mynum;
} authdef;

static const authdef auths[] = {
    {D_SHIMIN, SYS_JUKI, LV_ALL, 1},      {D_SHIMIN, SYS_KOSEKI, LV_ALL, 0},
    {D_SHIMIN, SYS_FUHYO, LV_ALL, 0},     {D_SHIMIN, SYS_INKAN, LV_ALL, 0},
    {D_ZEIMU, SYS_KOTEI, LV_ALL, 1},      {D_ZEIMU, SYS_KOJIN, LV_ALL, 1},
    {D_ZEIMU, SYS_HOJIN, LV_ALL, 1},      {D_ZEIMU, SYS_KEIJI, LV_ALL, 1},
    {D_ZEIMU, SYS_JUKI, LV_LOOKUP, 1},    {D_HOKEN, SYS_NENKIN, LV_ALL, 1},
    {D_HOKEN, SYS_KOKUHO, LV_ALL, 1},     {D_HOKEN, SYS_KOKI, LV_ALL, 1},
    {D_HOKEN, SYS_JUKI, LV_LOOKUP, 1},    {D_CHOJU, SYS_KAIGO, LV_ALL, 1},
    {D_CHOJU, SYS_KOKI, LV_LOOKUP, 1},    {D_CHOJU, SYS_JUKI, LV_LOOKUP, 1},
    {D_FUKUSHI, SYS_SHOGAI, LV_ALL, 1},   {D_FUKUSHI, SYS_SEIHO, LV_ALL, 1},
    {D_FUKUSHI, SYS_JUKI, LV_LOOKUP, 1},  {D_KOSODATE, SYS_JIDO, LV_ALL, 1},
    {D_KOSODATE, SYS_JIFU, LV_ALL, 1},    {D_KOSODATE, SYS_KODOMO, LV_ALL, 1},
    {D_KOSODATE, SYS_JUKI, LV_LOOKUP, 1}, {D_KENKO, SYS_KENKO, LV_ALL, 1},
    {D_KENKO, SYS_JUKI, LV_LOOKUP, 0},    {D_GAKKO, SYS_SHUGAKU, LV_ALL, 0},
    {D_GAKKO, SYS_JUKI, LV_LOOKUP, 0},    {D_SENKYO, SYS_SENKYO, LV_ALL, 0},
    {D_SENKYO, SYS_JUKI, LV_LOOKUP, 0},
};

static const authdef *auth_of(size_t dept, size_t sys)
{
    for (size_t i = 0; i < sizeof auths / sizeof auths[0]; i++)
        if (auths[i].dept == dept && auths[i].sys == sys)
            return &auths[i];
    return NULL;
}

/* Names: kanji and katakana. 髙 and 﨑 are IBM extensions in CP932 on purpose. */
typedef struct namedef {
    const char *kanji, *kana;
} namedef;

static const namedef surnames[] = {
    {"佐藤", "サトウ"},     {"鈴木", "スズキ"},   {"髙橋", "タカハシ"}, {"田中", "タナカ"},
    {"伊藤", "イトウ"},     {"渡辺", "ワタナベ"}, {"山本", "ヤマモト"}, {"中村", "ナカムラ"},
    {"小林", "コバヤシ"},   {"加藤", "カトウ"},   {"吉田", "ヨシダ"},   {"山田", "ヤマダ"},
    {"佐々木", "ササキ"},   {"山口", "ヤマグチ"}, {"松本", "マツモト"}, {"井上", "イノウエ"},
    {"木村", "キムラ"},     {"林", "ハヤシ"},     {"斎藤", "サイトウ"}, {"清水", "シミズ"},
    {"山﨑", "ヤマザキ"},   {"森", "モリ"},       {"池田", "イケダ"},   {"橋本", "ハシモト"},
    {"阿部", "アベ"},       {"石川", "イシカワ"}, {"山下", "ヤマシタ"}, {"中島", "ナカジマ"},
    {"石井", "イシイ"},     {"小川", "オガワ"},   {"前田", "マエダ"},   {"岡田", "オカダ"},
    {"長谷川", "ハセガワ"}, {"藤田", "フジタ"},   {"後藤", "ゴトウ"},   {"近藤", "コンドウ"},
    {"村上", "ムラカミ"},   {"遠藤", "エンドウ"}, {"青木", "アオキ"},   {"坂本", "サカモト"},
    {"齊藤", "サイトウ"},   {"福田", "フクダ"},   {"太田", "オオタ"},   {"西村", "ニシムラ"},
    {"藤井", "フジイ"},     {"金子", "カネコ"},   {"岡本", "オカモト"}, {"藤原", "フジワラ"},
    {"中野", "ナカノ"},     {"三浦", "ミウラ"},   {"原田", "ハラダ"},   {"松田", "マツダ"},
    {"竹内", "タケウチ"},   {"小野", "オノ"},     {"田村", "タムラ"},   {"中川", "ナカガワ"},
    {"和田", "ワダ"},       {"石田", "イシダ"},   {"菅原", "スガワラ"}, {"千葉", "チバ"},
    {"髙木", "タカギ"},     {"桑原", "クワバラ"}, {"工藤", "クドウ"},   {"菊地", "キクチ"},
};
static const namedef given_m[] = {
    {"翔太", "ショウタ"}, {"大輔", "ダイスケ"}, {"健太", "ケンタ"}, {"拓也", "タクヤ"},
    {"誠", "マコト"},     {"浩二", "コウジ"},   {"隆", "タカシ"},   {"博", "ヒロシ"},
    {"清", "キヨシ"},     {"茂", "シゲル"},     {"和夫", "カズオ"}, {"正男", "マサオ"},
    {"蓮", "レン"},       {"悠真", "ユウマ"},   {"大翔", "ヒロト"}, {"陽翔", "ハルト"},
    {"湊", "ミナト"},     {"健一", "ケンイチ"}, {"直樹", "ナオキ"}, {"亮", "リョウ"},
    {"修", "オサム"},     {"勝", "マサル"},     {"進", "ススム"},   {"稔", "ミノル"},
    {"悟", "サトル"},     {"一郎", "イチロウ"}, {"剛", "ツヨシ"},   {"智也", "トモヤ"},
};
static const namedef given_f[] = {
    {"陽子", "ヨウコ"}, {"恵子", "ケイコ"}, {"幸子", "サチコ"},   {"裕子", "ユウコ"},
    {"美穂", "ミホ"},   {"直美", "ナオミ"}, {"由美", "ユミ"},     {"愛", "アイ"},
    {"彩", "アヤ"},     {"美咲", "ミサキ"}, {"結衣", "ユイ"},     {"陽菜", "ヒナ"},
    {"凛", "リン"},     {"葵", "アオイ"},   {"真由美", "マユミ"}, {"久美子", "クミコ"},
    {"和子", "カズコ"}, {"節子", "セツコ"}, {"花子", "ハナコ"},   {"明美", "アケミ"},
    {"智子", "トモコ"}, {"芽依", "メイ"},   {"紬", "ツムギ"},     {"澄子", "スミコ"},
};
#define NSUR (sizeof surnames / sizeof surnames[0])
#define NGM  (sizeof given_m / sizeof given_m[0])
#define NGF  (sizeof given_f / sizeof given_f[0])

static const char *const block_base[] = {
    "本町", "栄町", "旭町", "緑町", "桜台", "中央",   "東町", "西町",     "南町",     "北町",
    "城山", "若葉", "駅前", "新町", "川端", "青葉台", "宮下", "大字上野", "大字下野", "大字向原",
};
static const char *const chome[] = {"", "一丁目", "二丁目", "三丁目"};
#define NBLOCK_BASE (sizeof block_base / sizeof block_base[0])

/* 備考 texts: commas, quotes, line breaks and NEC special characters (①) on purpose. */
static const char *const notes[] = {
    "",
    "窓口来庁",
    "電話照会(本人確認済)",
    "郵送請求",
    "代理人請求, 委任状あり",
    "本人申出により\n再交付",
    "\"至急\"扱い",
    "①本人確認書類:運転免許証",
    "税務署照会回答, 前年分",
    "関係課依頼(福祉課)",
    "転入に伴う確認",
    "住所地特例, 要確認",
    "②再発行",
    "内線照会 \"口頭\" 回答",
    "他市区町村照会, 回答済",
};
#define NNOTES   (sizeof notes / sizeof notes[0])
#define NOTE_ERR 100
static const char *const err_notes[] = {"排他エラー: 他端末で更新中", "該当データなし",
                                        "権限がありません", "セッションタイムアウト"};

/* Removable media: approved encrypted sticks per 所属, and private sticks nobody approved. */
typedef struct devdef {
    const char *name;
    signed char dept; /* approving 所属; -1: not approved */
} devdef;

static const devdef devdefs[] = {
    {"BUFFALO RUF3-HSL32G (暗号化)", D_HOKEN},
    {"I-O DATA ED-S4/16GR", D_ZEIMU},
    {"ELECOM MF-ENU3A16GBK (暗号化)", D_FUKUSHI},
    {"BUFFALO RUF3-HSL16G (暗号化)", D_SENKYO},
    {"I-O DATA ED-E4/32GR", D_JOHO},
    {"ELECOM MF-ENU3A08GBK (暗号化)", D_KOSODATE},
    {"Kingston DataTraveler Exodia 64GB", -1},
    {"SanDisk Ultra Flair 128GB", -1},
    {"TOSHIBA TransMemory U202 32GB", -1},
};
#define NDEV (sizeof devdefs / sizeof devdefs[0])

/* Files approved media carry in the baseline (by 所属); %s is replaced by yyyymm. */
static const char *media_file(size_t dept)
{
    switch (dept) {
    case D_HOKEN:
        return "国保資格異動_%s.csv";
    case D_ZEIMU:
        return "給与支払報告書_受領分_%s.zip";
    case D_FUKUSHI:
        return "障害福祉_実績報告_%s.xlsx";
    case D_SENKYO:
        return "期日前投票_受付集計_%s.xlsx";
    case D_JOHO:
        return "保守作業ログ_%s.zip";
    default:
        return "児童手当_口座振替_%s.csv";
    }
}

/* ---------------------------------------------------------------------------------------------
 * The city in memory.
 */

enum rflag { R_CORP = 1, R_WATCH = 2, R_DV = 4 };

typedef struct resident {
    uint64_t id;    /* 宛名番号 */
    uint32_t hh;    /* household index; NONE32 for a corporation */
    uint32_t pools; /* bit per enum pool */
    uint16_t block, sur, given;
    int16_t byear;
    uint8_t bmon, bday, sex, flags;
} resident;

typedef struct household {
    uint64_t no; /* 世帯番号 */
    uint32_t first, n;
    uint16_t block;
    uint8_t used; /* a staff member lives here */
} household;

enum role { ROLE_CLERK, ROLE_CHIEF, ROLE_MANAGER };
enum reserve { RS_FREE, RS_INCIDENT, RS_SPECIAL };

typedef struct staff {
    uint32_t id; /* 職員ID, six digits; the directory account is "c" + id */
    uint32_t own_res;
    int32_t hired, transferred, retired, leave_from, leave_to;
    uint16_t sur, given, term, prev_term, kenmu_term;
    int16_t start, lunch; /* minutes of day */
    uint16_t late_pm;     /* chance per mille of staying late on an ordinary day */
    uint8_t sex, role, dept, sect, prev_dept, prev_sect, lunch_logoff, vol, kenmu, reserved;
} staff;

typedef struct terminal {
    char name[24];
    int32_t reg_on;
    uint8_t dept, special, registered, ip3, ip4;
    uint8_t busy; /* someone's desk, or already used by an incident */
} terminal;

typedef struct device {
    char serial[24];
    int32_t approved_on, expires_on;
} device;

enum bflag { BF_MYNUM = 1, BF_FAIL = 2 };

typedef struct bev { /* one business-system event */
    int64_t t;       /* seconds since 1970-01-01 00:00 JST */
    uint32_t seq, res, staff, count;
    uint16_t term, ms;
    uint8_t sys, fn, flags, note;
} bev;

enum tkind { TK_LOGON, TK_LOGOFF, TK_FAIL };

typedef struct tev { /* one terminal logon event */
    int64_t t;
    uint32_t seq, staff;
    uint16_t term;
    uint8_t kind;
} tev;

enum mkind { MK_CONNECT, MK_DISCONNECT, MK_COPY, MK_MOVE };

typedef struct mev { /* one removable-media event */
    int64_t t;
    uint64_t bytes;
    uint32_t seq, staff;
    uint16_t term, dev;
    uint8_t kind;
    char file[96];
} mev;

typedef struct otrow {
    int32_t day;
    uint32_t staff;
    int16_t from, to;
} otrow;

typedef struct asgrow {
    uint32_t staff;
    int32_t from, to;
    uint8_t dept, sys;
} asgrow;

typedef struct watchrow {
    uint32_t res;
    int32_t from, to;
    uint8_t dv;
} watchrow;

typedef struct truthrow {
    char kind[32], etype[12], eid[40], rule[24], desc[480];
    int32_t from, to;
    uint8_t hn;
} truthrow;

typedef struct mfrow {
    char file[64], profile[40];
    const char *system;
    uint8_t enc;
    size_t rows;
} mfrow;

typedef union sink {
    bev b;
    tev t;
    mev m;
    otrow o;
    asgrow a;
    watchrow w;
    truthrow r;
    mfrow f;
    staff s;
    terminal tm;
} sink;

typedef struct gen {
    /* options */
    const char *out;
    uint64_t seed, bulk;
    size_t want_staff, want_res;
    uint64_t volume; /* percent of the normal daily volume of business tasks */
    int32_t from, to;
    int tty;
    /* derived dates */
    int32_t insp_from, apr1, mid, retire_day, open_sunday, elect_day, kenmu_from, kenmu_to;
    int32_t gap_day;
    int gap_sys;
    size_t ndays;
    uint8_t *dflag;
    const char **dname;
    /* the city */
    resident *res;
    size_t nres, capres, npeople;
    household *hh;
    size_t nhh, caphh;
    uint32_t *pool[P_INKAN + 1];
    size_t npool[P_INKAN + 1];
    staff *st;
    size_t nst, capst;
    terminal *tm;
    size_t ntm, captm;
    device dev[NDEV];
    int16_t *son, *soff;       /* per staff-day: work start / end minute, -1 absent */
    size_t *day_ev;            /* per day: index of its first baseline event (ndays + 1 entries) */
    size_t *day_tv;            /* the same for terminal events */
    size_t nev_base, ntv_base; /* events before the injections */
    int32_t *slog;             /* per staff-day: index of the day's final logoff event, -1 none */
    /* events and rows */
    bev *ev;
    size_t nev, capev;
    tev *tv;
    size_t ntv, captv;
    mev *mv;
    size_t nmv, capmv;
    otrow *ot;
    size_t not_, capot;
    asgrow *asg;
    size_t nasg, capasg;
    watchrow *wl;
    size_t nwl, capwl;
    truthrow *tr;
    size_t ntr, captr;
    mfrow *mf;
    size_t nmf, capmf;
    uint32_t seq;
    uint32_t sys_today[SYS_COUNT];
    size_t rows_total, files_total;
    int oom;
    sink sink;
    /* training (研修): up to two periods, the accounts' terminals, set up once */
    int32_t tr_from[2], tr_to[2];
    const char *tr_name[2];
    size_t ntr_periods;
    uint16_t tr_term[NTRAIN];
    int tr_ready;
    rng rc, rb, ri, rt;
} gen;

/* push_<x>(g): a zeroed new element at the end of the array, or (after an allocation failure)
 * a scratch element and g->oom set; callers check g->oom once per phase. */
#define DEFINE_PUSH(fname, type, arr, n, cap)                                                      \
    static type *fname(gen *g)                                                                     \
    {                                                                                              \
        if (g->oom)                                                                                \
            return (type *)(void *)&g->sink;                                                       \
        if (g->n == g->cap) {                                                                      \
            size_t nc = g->cap ? g->cap * 2 : 1024, bytes;                                         \
            type *q = NULL;                                                                        \
            if (tk_mul_size(nc, sizeof(type), &bytes))                                             \
                q = tk_realloc(g->arr, bytes);                                                     \
            if (q == NULL) {                                                                       \
                g->oom = 1;                                                                        \
                return (type *)(void *)&g->sink;                                                   \
            }                                                                                      \
            g->arr = q;                                                                            \
            g->cap = nc;                                                                           \
        }                                                                                          \
        type *e = &g->arr[g->n++];                                                                 \
        memset(e, 0, sizeof *e);                                                                   \
        return e;                                                                                  \
    }
DEFINE_PUSH(push_res, resident, res, nres, capres)
DEFINE_PUSH(push_hh, household, hh, nhh, caphh)
DEFINE_PUSH(push_staff, staff, st, nst, capst)
DEFINE_PUSH(push_term, terminal, tm, ntm, captm)
DEFINE_PUSH(push_ev, bev, ev, nev, capev)
DEFINE_PUSH(push_tv, tev, tv, ntv, captv)
DEFINE_PUSH(push_mv, mev, mv, nmv, capmv)
DEFINE_PUSH(push_ot, otrow, ot, not_, capot)
DEFINE_PUSH(push_asg, asgrow, asg, nasg, capasg)
DEFINE_PUSH(push_wl, watchrow, wl, nwl, capwl)
DEFINE_PUSH(push_tr, truthrow, tr, ntr, captr)
DEFINE_PUSH(push_mf, mfrow, mf, nmf, capmf)
#undef DEFINE_PUSH

static void gen_free(gen *g)
{
    tk_free(g->dflag);
    tk_free(g->dname);
    tk_free(g->res);
    tk_free(g->hh);
    for (size_t i = 0; i <= P_INKAN; i++)
        tk_free(g->pool[i]);
    tk_free(g->st);
    tk_free(g->tm);
    tk_free(g->son);
    tk_free(g->soff);
    tk_free(g->slog);
    tk_free(g->day_ev);
    tk_free(g->day_tv);
    tk_free(g->ev);
    tk_free(g->tv);
    tk_free(g->mv);
    tk_free(g->ot);
    tk_free(g->asg);
    tk_free(g->wl);
    tk_free(g->tr);
    tk_free(g->mf);
}

static int in_period(const gen *g, int32_t d)
{
    return d >= g->from && d <= g->to;
}

static uint8_t dflag(const gen *g, int32_t d)
{
    return in_period(g, d) ? g->dflag[d - g->from] : 0;
}

static int is_open(const gen *g, int32_t d)
{
    return !(dflag(g, d) & DF_CLOSED);
}

/* An ordinary open weekday (not the 休日開庁 Sunday). */
static int is_workday(const gen *g, int32_t d)
{
    return in_period(g, d) && !(dflag(g, d) & (DF_CLOSED | DF_OPEN_SUNDAY));
}

static int age_of(const gen *g, const resident *r)
{
    int y, m, d;
    ymd_of(g->to, &y, &m, &d);
    return y - r->byear;
}

/* --- Calendar set-up ------------------------------------------------------------------------ */

static int calendar_init(gen *g)
{
    g->ndays = (size_t)(g->to - g->from + 1);
    g->dflag = tk_calloc(g->ndays, 1);
    g->dname = tk_calloc(g->ndays, sizeof *g->dname);
    if (g->dflag == NULL || g->dname == NULL)
        return TK_ENOMEM;
    int y0, y1, m, d;
    ymd_of(g->from, &y0, &m, &d);
    ymd_of(g->to, &y1, &m, &d);
    for (int y = y0; y <= y1; y++) {
        holiday h[40];
        const size_t n = holidays_of_year(y, h);
        for (size_t i = 0; i < n; i++) {
            if (in_period(g, h[i].day)) {
                g->dflag[h[i].day - g->from] |= DF_HOLIDAY | DF_CLOSED;
                g->dname[h[i].day - g->from] = h[i].name;
            }
        }
    }
    for (int32_t day = g->from; day <= g->to; day++) {
        const int w = wday_of(day);
        ymd_of(day, &y0, &m, &d);
        uint8_t *f = &g->dflag[day - g->from];
        if (w == 0 || w == 6)
            *f |= DF_WEEKEND | DF_CLOSED;
        if ((m == 12 && d >= 29) || (m == 1 && d <= 3)) {
            *f |= DF_NENMATSU | DF_CLOSED;
            if (!(*f & DF_HOLIDAY))
                g->dname[day - g->from] = "年末年始";
        }
    }
    return TK_OK;
}

/* Key dates: the inspection period is the last two calendar months; transfers, hires and one
 * retirement happen at its start; the election falls on its fourth Sunday; 休日開庁 is a later
 * Sunday. */
static void plan_dates(gen *g)
{
    int y, m, d;
    ymd_of(g->to, &y, &m, &d);
    m -= 1;
    if (m == 0) {
        m = 12;
        y--;
    }
    g->insp_from = day_of(y, m, 1);
    if (g->insp_from < g->from)
        g->insp_from = g->from;
    g->mid = g->insp_from;
    /* the first April 1 inside the period, else the last one before it */
    ymd_of(g->from, &y, &m, &d);
    int32_t a = day_of(m > 4 || (m == 4 && d > 1) ? y + 1 : y, 4, 1);
    if (a > g->to)
        a = day_of(m >= 4 ? y : y - 1, 4, 1);
    g->apr1 = a;
    /* retirement: the last day of the inspection period's first month */
    ymd_of(g->insp_from, &y, &m, &d);
    g->retire_day = day_of(y, m, tk_days_in_month(y, m));
    while (g->retire_day + 7 > g->to && g->retire_day > g->insp_from)
        g->retire_day -= 7;
    /* election on the fourth Sunday on or after insp_from + 1 (if it fits) */
    int32_t s = g->insp_from + 1;
    while (wday_of(s) != 0)
        s++;
    s += 21;
    if (s + 3 > g->to)
        s = g->insp_from + 14 <= g->to ? g->insp_from + 14 : g->to;
    while (wday_of(s) != 0 && s > g->insp_from)
        s--;
    g->elect_day = s;
    g->kenmu_from = s - 20 < g->from ? g->from : s - 20;
    g->kenmu_to = s - 1;
    /* 休日開庁: the first Sunday at least five weeks into the inspection period that is neither a
     * holiday nor election day, else any such Sunday in the period */
    g->open_sunday = DAY_NONE;
    for (int pass = 0; pass < 2 && g->open_sunday == DAY_NONE; pass++) {
        for (int32_t x = pass ? g->insp_from : g->insp_from + 35; x <= g->to; x++) {
            if (wday_of(x) == 0 && x != g->elect_day &&
                !(dflag(g, x) & (DF_HOLIDAY | DF_NENMATSU))) {
                g->open_sunday = x;
                break;
            }
        }
    }
    if (g->open_sunday != DAY_NONE) {
        g->dflag[g->open_sunday - g->from] =
            (uint8_t)((g->dflag[g->open_sunday - g->from] & ~DF_CLOSED) | DF_OPEN_SUNDAY);
        g->dname[g->open_sunday - g->from] = "休日開庁";
    }
}

/* --- Residents ------------------------------------------------------------------------------ */

static size_t nblocks(void)
{
    return 17 * 3 + 3; /* bases 0..16 have 一〜三丁目, the three 大字 have none */
}

static void block_name(size_t b, char *out, size_t cap)
{
    if (b < 17 * 3)
        snprintf(out, cap, "%s%s", block_base[b / 3], chome[b % 3 + 1]);
    else
        snprintf(out, cap, "%s", block_base[17 + (b - 17 * 3)]);
}

static void pool_add(gen *g, size_t p, uint32_t idx)
{
    g->res[idx].pools |= 1u << p;
}

/* Adds one person; returns its index. */
static uint32_t add_person(gen *g, uint64_t *next_id, uint32_t hh, int age, int sex, size_t sur)
{
    rng *r = &g->rc;
    resident *p = push_res(g);
    int y, m, d;
    ymd_of(g->to, &y, &m, &d);
    *next_id += 1 + rng_below(r, 37);
    p->id = *next_id;
    p->hh = hh;
    p->sur = (uint16_t)sur;
    p->sex = (uint8_t)sex;
    p->given = (uint16_t)(sex ? rng_skewed(r, NGF) : rng_skewed(r, NGM));
    p->byear = (int16_t)(y - age);
    p->bmon = (uint8_t)rng_range(r, 1, 12);
    p->bday = (uint8_t)rng_range(r, 1, 28);
    return (uint32_t)(g->nres - 1);
}

static void assign_pools(gen *g, uint32_t first, uint32_t n, int kokuho, int seiho, int jifu)
{
    rng *r = &g->rc;
    int has_child = 0;
    for (uint32_t i = first; i < first + n; i++)
        has_child |= age_of(g, &g->res[i]) < 18;
    for (uint32_t i = first; i < first + n; i++) {
        const int a = age_of(g, &g->res[i]);
        pool_add(g, P_ALL, i);
        if (a >= 18)
            pool_add(g, P_VOTER, i);
        if (i == first && a >= 30 && rng_pm(r, 450))
            pool_add(g, P_LAND, i);
        if (a >= 20 && rng_pm(r, a >= 65 ? 500 : 720))
            pool_add(g, P_INCOME, i);
        if (a >= 20 && a < 85 && rng_pm(r, 260))
            pool_add(g, P_CAR, i);
        if (a >= 6 && a <= 15)
            pool_add(g, P_SCHOOL, i);
        if (a >= 20 && a <= 59 && rng_pm(r, 300))
            pool_add(g, P_NENKIN, i);
        if (kokuho && a < 75)
            pool_add(g, P_KOKUHO, i);
        if (a >= 75)
            pool_add(g, P_KOKI, i);
        if (a >= 65 && rng_pm(r, a >= 80 ? 600 : 250))
            pool_add(g, P_KAIGO, i);
        if (rng_pm(r, 50))
            pool_add(g, P_SHOGAI, i);
        if (seiho)
            pool_add(g, P_SEIHO, i);
        if (i == first && has_child)
            pool_add(g, P_JIDO, i);
        if (i == first && has_child && jifu)
            pool_add(g, P_JIFU, i);
        if (a < 6)
            pool_add(g, P_PRESCHOOL, i);
        if (rng_pm(r, 750))
            pool_add(g, P_KOSEKI, i);
        if (a >= 15 && rng_pm(r, 520))
            pool_add(g, P_INKAN, i);
    }
}

/* One household of a drawn type: single, couple, family with children, three generations. */
static void add_household(gen *g, uint64_t *next_id)
{
    rng *r = &g->rc;
    static const unsigned type_w[] = {38, 25, 30, 7};
    const size_t type = rng_weighted(r, type_w, 4);
    household *h = push_hh(g);
    const uint32_t hidx = (uint32_t)(g->nhh - 1);
    h->no = 2000000000ULL + (uint64_t)hidx * 3 + rng_below(r, 3);
    h->block = (uint16_t)rng_index(r, nblocks());
    h->first = (uint32_t)g->nres;
    const size_t sur = rng_skewed(r, NSUR);
    int ages[8], sexes[8];
    size_t n = 0;
    int single_parent = 0;
    switch (type) {
    case 0: {
        static const unsigned band_w[] = {40, 30, 30};
        const size_t band = rng_weighted(r, band_w, 3);
        ages[n] = band == 0   ? rng_range(r, 19, 39)
                  : band == 1 ? rng_range(r, 40, 64)
                              : rng_range(r, 65, 97);
        sexes[n++] = (int)rng_below(r, 2);
        break;
    }
    case 1:
        ages[n] = rng_range(r, 25, 90);
        sexes[n++] = 0;
        ages[n] = ages[0] + rng_range(r, -6, 3);
        sexes[n++] = 1;
        break;
    case 2: {
        const int pa = rng_range(r, 27, 55);
        single_parent = rng_pm(r, 120);
        ages[n] = pa;
        sexes[n++] = single_parent ? 1 : 0;
        if (!single_parent) {
            ages[n] = pa + rng_range(r, -5, 2);
            sexes[n++] = 1;
        }
        const int kids = rng_range(r, 1, 3);
        for (int k = 0; k < kids; k++) {
            int ka = pa - rng_range(r, 22, 40);
            ages[n] = ka < 0 ? rng_range(r, 0, 5) : ka;
            sexes[n++] = (int)rng_below(r, 2);
        }
        break;
    }
    default: {
        const int ga = rng_range(r, 68, 95);
        ages[n] = ga - rng_range(r, 25, 32);
        sexes[n++] = 0;
        ages[n] = ages[0] + rng_range(r, -4, 2);
        sexes[n++] = 1;
        ages[n] = ga;
        sexes[n++] = 1;
        const int kids = rng_range(r, 0, 2);
        for (int k = 0; k < kids; k++) {
            ages[n] = rng_range(r, 0, 20);
            sexes[n++] = (int)rng_below(r, 2);
        }
        break;
    }
    }
    for (size_t i = 0; i < n; i++)
        add_person(g, next_id, hidx, ages[i] < 0 ? 0 : ages[i], sexes[i], sur);
    h = &g->hh[hidx];
    h->n = (uint32_t)(g->nres - h->first);
    const int kokuho = rng_pm(r, 240), seiho = rng_pm(r, 16);
    assign_pools(g, h->first, h->n, kokuho, seiho, single_parent);
}

static int build_pools(gen *g)
{
    for (size_t p = 0; p <= P_INKAN; p++) {
        size_t n = 0;
        for (size_t i = 0; i < g->nres; i++)
            n += (g->res[i].pools >> p) & 1u;
        g->pool[p] = tk_calloc(n ? n : 1, sizeof(uint32_t));
        if (g->pool[p] == NULL)
            return TK_ENOMEM;
        g->npool[p] = 0;
        for (size_t i = 0; i < g->nres; i++)
            if ((g->res[i].pools >> p) & 1u)
                g->pool[p][g->npool[p]++] = (uint32_t)i;
    }
    return TK_OK;
}

static int gen_residents(gen *g)
{
    uint64_t next_id = 100000 + rng_below(&g->rc, 5000);
    while (g->npeople < g->want_res && !g->oom) {
        const size_t before = g->nres;
        add_household(g, &next_id);
        g->npeople += g->nres - before;
        if (rng_pm(&g->rc, 70)) { /* a corporation (法人) between households */
            resident *c = push_res(g);
            next_id += 1 + rng_below(&g->rc, 37);
            c->id = next_id;
            c->hh = NONE32;
            c->flags = R_CORP;
            c->pools = 1u << P_CORP;
        }
    }
    if (g->oom)
        return TK_ENOMEM;
    return build_pools(g);
}

/* Watch list: a few well-known residents (著名人), DV等支援措置 households. */
static void gen_watchlist(gen *g)
{
    rng *r = &g->rc;
    const size_t nfamous = 3 + g->npeople / 10000;
    for (size_t k = 0; k < nfamous; k++) {
        for (int tries = 0; tries < 100; tries++) {
            const uint32_t i = g->pool[P_VOTER][rng_index(r, g->npool[P_VOTER])];
            if (g->res[i].flags || age_of(g, &g->res[i]) < 30)
                continue;
            g->res[i].flags |= R_WATCH;
            watchrow *w = push_wl(g);
            w->res = i;
            w->from = DAY_NONE;
            w->to = DAY_NONE;
            break;
        }
    }
    const size_t ndv = 2 + g->npeople / 4000;
    for (size_t k = 0; k < ndv; k++) {
        for (int tries = 0; tries < 200; tries++) {
            const size_t h = rng_index(r, g->nhh);
            const household *hh = &g->hh[h];
            const resident *head = &g->res[hh->first];
            if (hh->used || head->flags || !head->sex || age_of(g, head) > 50 ||
                age_of(g, head) < 22)
                continue;
            const int32_t start = g->from - rng_range(r, 30, 300);
            for (uint32_t i = hh->first; i < hh->first + hh->n; i++) {
                g->res[i].flags |= R_DV;
                int32_t f = start;
                do { /* 支援措置 runs one year at a time and is renewed */
                    watchrow *w = push_wl(g);
                    w->res = i;
                    w->dv = 1;
                    w->from = f;
                    w->to = f + 364;
                    f += 365;
                } while (f <= g->to);
            }
            g->hh[h].used = 1;
            break;
        }
    }
}

/* --- Staff, terminals, media ---------------------------------------------------------------- */

static int dept_has_systems(size_t d)
{
    return depts[d].vol > 0;
}

static size_t dept_on(const staff *s, int32_t day)
{
    return s->transferred != DAY_NONE && day < s->transferred && s->prev_dept != 0xFF ? s->prev_dept
                                                                                      : s->dept;
}

static size_t sect_on(const staff *s, int32_t day)
{
    return s->transferred != DAY_NONE && day < s->transferred && s->prev_dept != 0xFF ? s->prev_sect
                                                                                      : s->sect;
}

static size_t term_on(const staff *s, int32_t day)
{
    return s->transferred != DAY_NONE && day < s->transferred && s->prev_term != UINT16_MAX
               ? s->prev_term
               : s->term;
}

static int employed(const staff *s, int32_t d)
{
    if (d < s->hired)
        return 0;
    if (s->retired != DAY_NONE && d > s->retired)
        return 0;
    if (s->leave_from != DAY_NONE && d >= s->leave_from && d <= s->leave_to)
        return 0;
    return 1;
}

static uint32_t new_staff_id(gen *g)
{
    for (;;) {
        const uint32_t id = 100000 + rng_below(&g->rc, 900000);
        int taken = 0;
        for (size_t i = 0; i < g->nst && !taken; i++)
            taken = g->st[i].id == id;
        if (!taken)
            return id;
    }
}

static void staff_counts(size_t n, size_t *count)
{
    unsigned total = 0;
    size_t sum = 0;
    for (size_t d = 0; d < D_COUNT; d++)
        total += depts[d].share;
    for (size_t d = 0; d < D_COUNT; d++) {
        const size_t min = dept_has_systems(d) ? 2 : 1;
        count[d] = depts[d].share * n / total;
        if (count[d] < min)
            count[d] = min;
        sum += count[d];
    }
    while (sum < n) { /* largest shortfall first */
        size_t best = 0;
        long best_gap = -1000000;
        for (size_t d = 0; d < D_COUNT; d++) {
            const long gap = (long)(depts[d].share * n) - (long)(count[d] * total);
            if (gap > best_gap) {
                best_gap = gap;
                best = d;
            }
        }
        count[best]++;
        sum++;
    }
    while (sum > n) {
        size_t best = 0;
        for (size_t d = 1; d < D_COUNT; d++)
            if (count[d] > count[best])
                best = d;
        count[best]--;
        sum--;
    }
}

/* Lets the staff member live in the city: a working-age resident in a household nobody else on
 * the staff lives in. The staff member takes that resident's name. */
static void staff_home(gen *g, staff *s)
{
    rng *r = &g->rc;
    for (int tries = 0; tries < 60; tries++) {
        const uint32_t i = g->pool[P_VOTER][rng_index(r, g->npool[P_VOTER])];
        const resident *p = &g->res[i];
        const int a = age_of(g, p);
        if (p->flags || a < 22 || a > 62 || g->hh[p->hh].used)
            continue;
        g->hh[p->hh].used = 1;
        s->own_res = i;
        s->sur = p->sur;
        s->given = p->given;
        s->sex = p->sex;
        return;
    }
}

static void staff_habits(gen *g, staff *s)
{
    rng *r = &g->rc;
    const deptdef *d = &depts[s->dept];
    if (rng_pm(r, 70))
        s->start = (int16_t)rng_range(r, 7 * 60 + 50, 8 * 60 + 15); /* early bird */
    else
        s->start = (int16_t)(HOURS_FROM + rng_range(r, 0, 10));
    s->lunch = 12 * 60;
    if (d->window && rng_pm(r, 300))
        s->lunch = (int16_t)(rng_pm(r, 500) ? 11 * 60 + 30 : 13 * 60);
    s->lunch_logoff = (uint8_t)rng_pm(r, 200);
    s->late_pm = (uint16_t)(60 + rng_range(r, 0, 90));
    if (s->role == ROLE_CHIEF)
        s->late_pm = (uint16_t)(s->late_pm + 150);
    if (s->role == ROLE_MANAGER)
        s->late_pm = (uint16_t)(s->late_pm + 220);
    unsigned vol = d->vol;
    vol = vol * (s->role == ROLE_CLERK ? 100u : s->role == ROLE_CHIEF ? 55u : 12u) / 100u;
    vol = vol * (unsigned)rng_range(r, 65, 140) / 100u;
    if (dept_has_systems(s->dept) && vol == 0)
        vol = 1;
    s->vol = (uint8_t)(vol > 250 ? 250 : vol);
}

static int gen_staff(gen *g)
{
    rng *r = &g->rc;
    size_t count[D_COUNT];
    int y, m, dd;
    ymd_of(g->from, &y, &m, &dd);
    staff_counts(g->want_staff, count);
    for (size_t d = 0; d < D_COUNT; d++) {
        const size_t ns = nsect(d);
        for (size_t k = 0; k < count[d]; k++) {
            staff *s = push_staff(g);
            s->id = new_staff_id(g);
            s->dept = (uint8_t)d;
            s->prev_dept = 0xFF;
            s->prev_term = UINT16_MAX;
            s->kenmu_term = UINT16_MAX;
            s->own_res = NONE32;
            s->transferred = s->retired = s->leave_from = s->leave_to = DAY_NONE;
            s->role = k == 0 && count[d] >= 3                   ? ROLE_MANAGER
                      : k >= 1 && k <= ns && count[d] >= ns + 4 ? ROLE_CHIEF
                                                                : ROLE_CLERK;
            s->sect = (uint8_t)(k % ns);
            s->sex = (uint8_t)rng_below(r, 2);
            s->sur = (uint16_t)rng_skewed(r, NSUR);
            s->given = (uint16_t)(s->sex ? rng_skewed(r, NGF) : rng_skewed(r, NGM));
            if (rng_pm(r, 650))
                staff_home(g, s);
            s->hired = day_of(y - rng_range(r, 1, 36), 4, 1);
            if (s->hired > g->from)
                s->hired = day_of(y - 1, 4, 1);
            staff_habits(g, s);
            if (s->role == ROLE_CLERK && rng_pm(r, 50) && g->apr1 <= g->to)
                s->hired = g->apr1; /* April hire */
            else if (s->role != ROLE_MANAGER && rng_pm(r, 120) && s->hired < g->apr1) {
                size_t pd;
                do
                    pd = rng_index(r, D_COUNT);
                while (pd == d);
                s->prev_dept = (uint8_t)pd;
                s->prev_sect = (uint8_t)rng_index(r, nsect(pd));
                s->transferred = g->apr1; /* April 1 personnel transfer */
            } else if (s->role != ROLE_MANAGER && count[d] >= 5 && rng_pm(r, 30)) {
                s->retired = g->apr1 - 1; /* retired on March 31 */
            }
        }
    }
    return g->oom ? TK_ENOMEM : TK_OK;
}

static uint16_t add_terminal(gen *g, size_t dept, int special)
{
    rng *r = &g->rc;
    size_t k = 0;
    for (size_t i = 0; i < g->ntm; i++)
        k += g->tm[i].dept == dept && g->tm[i].registered;
    terminal *t = push_term(g);
    snprintf(t->name, sizeof t->name, "%s-PC%03zu", depts[dept].code, k + 1);
    t->dept = (uint8_t)dept;
    t->special = (uint8_t)special;
    t->registered = 1;
    t->ip3 = (uint8_t)(depts[dept].subnet + 16 * (k / 240)); /* 240 hosts per subnet */
    t->ip4 = (uint8_t)(11 + k % 240);
    t->reg_on =
        day_of(2017, 4, 1) + (int32_t)rng_below(r, (uint32_t)(g->from - 30 - day_of(2017, 4, 1)));
    return (uint16_t)(g->ntm - 1);
}

static int gen_terminals(gen *g)
{
    for (size_t d = 0; d < D_COUNT; d++) {
        size_t n = 0;
        for (size_t i = 0; i < g->nst; i++) {
            if (g->st[i].dept != d)
                continue;
            g->st[i].term = add_terminal(g, d, dept_has_systems(d));
            g->tm[g->st[i].term].busy = 1;
            n++;
        }
        for (size_t k = 0; k < 3 + n / 8; k++) /* spares; one of them for the Internet side */
            add_terminal(g, d, dept_has_systems(d) && k != 1);
    }
    for (size_t i = 0; i < g->nst; i++) {
        staff *s = &g->st[i];
        if (s->transferred != DAY_NONE && s->transferred > g->from) {
            s->prev_term = add_terminal(g, s->prev_dept, dept_has_systems(s->prev_dept));
            g->tm[s->prev_term].busy = 1;
        }
    }
    return g->oom ? TK_ENOMEM : TK_OK;
}

static void gen_devices(gen *g)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < NDEV; i++) {
        device *d = &g->dev[i];
        for (size_t k = 0; k < 16; k++)
            d->serial[k] = hex[rng_below(&g->rc, 16)];
        d->serial[16] = '\0';
        d->approved_on = g->from - rng_range(&g->rc, 100, 700);
        d->expires_on = d->approved_on + 3 * 365;
        if (d->expires_on < g->to + 30)
            d->expires_on = g->to + 180;
    }
}

/* --- Special staff: transfers, hires, retirements, leave, election 兼務 --------------------- */

typedef struct specials {
    uint32_t tr_old, tr_new[2], hire[2], ret, ret_quiet, leave, leave_quiet;
    size_t ntr_new, nhire;
    uint32_t kenmu[16];
    size_t nkenmu;
} specials;

/* A clerk of dept d (any system department if d is -1) who works the whole period, untouched so
 * far. With d == -1 the first pass skips departments in *spread (a bit per department already
 * given a special case) and departments of fewer than five staff, so the special cases do not
 * empty one small department; the chosen department is added to *spread. NONE32 if nobody
 * fits. */
static uint32_t pick_plain_clerk(gen *g, int d, unsigned *spread)
{
    size_t size[D_COUNT] = {0}; /* staff who work the whole period untouched */
    for (size_t i = 0; i < g->nst; i++)
        size[g->st[i].dept] += !g->st[i].reserved && g->st[i].retired == DAY_NONE;
    const size_t n = g->nst;
    for (int pass = d >= 0 ? 1 : 0; pass < 2; pass++) {
        const size_t start = rng_index(&g->rc, n);
        for (size_t k = 0; k < n; k++) {
            const size_t i = (start + k) % n;
            const staff *s = &g->st[i];
            if (s->reserved || s->role != ROLE_CLERK ||
                (s->transferred != DAY_NONE && s->transferred >= g->from) ||
                s->retired != DAY_NONE || s->hired > g->from)
                continue;
            if (d >= 0 ? s->dept != (size_t)d : !dept_has_systems(s->dept))
                continue;
            if (pass == 0 && (((*spread >> s->dept) & 1u) || size[s->dept] < 5))
                continue;
            if (d < 0 && size[s->dept] < 3) /* leave two to keep the systems in use */
                continue;
            *spread |= 1u << s->dept;
            return (uint32_t)i;
        }
    }
    return NONE32;
}

static void transfer_mid(gen *g, uint32_t i, size_t to_dept)
{
    staff *s = &g->st[i];
    s->prev_dept = s->dept;
    s->prev_sect = s->sect;
    s->prev_term = s->term;
    s->dept = (uint8_t)to_dept;
    s->sect = (uint8_t)rng_index(&g->rc, nsect(to_dept));
    s->term = add_terminal(g, to_dept, 1);
    g->tm[s->term].busy = 1;
    s->transferred = g->mid;
    s->reserved = RS_SPECIAL;
}

static void plan_specials(gen *g, specials *sp)
{
    static const unsigned char moves[3][2] = {
        {D_ZEIMU, D_FUKUSHI}, {D_SHIMIN, D_KOSODATE}, {D_HOKEN, D_KENKO}};
    unsigned spread = 0;
    memset(sp, 0, sizeof *sp);
    sp->tr_old = sp->ret = sp->ret_quiet = sp->leave = sp->leave_quiet = NONE32;
    for (size_t k = 0; k < 3; k++) {
        if (k == 2 && g->nst < 60)
            break;
        const uint32_t i = pick_plain_clerk(g, moves[k][0], &spread);
        if (i == NONE32)
            continue;
        transfer_mid(g, i, moves[k][1]);
        if (k == 0)
            sp->tr_old = i;
        else
            sp->tr_new[sp->ntr_new++] = i;
    }
    for (size_t k = 0; k < (g->nst >= 100 ? 2u : 1u); k++) {
        const uint32_t i = pick_plain_clerk(g, k == 0 ? D_SHIMIN : D_ZEIMU, &spread);
        if (i == NONE32)
            continue;
        g->st[i].hired = g->mid; /* 中途採用 */
        g->st[i].reserved = RS_SPECIAL;
        sp->hire[sp->nhire++] = i;
    }
    sp->ret = pick_plain_clerk(g, -1, &spread);
    if (sp->ret != NONE32) {
        g->st[sp->ret].retired = g->retire_day;
        g->st[sp->ret].reserved = RS_SPECIAL;
    }
    sp->ret_quiet = g->nst >= 60 ? pick_plain_clerk(g, -1, &spread) : NONE32;
    if (sp->ret_quiet != NONE32) {
        g->st[sp->ret_quiet].retired = g->insp_from - 1 > g->from ? g->insp_from - 1 : g->to - 3;
        g->st[sp->ret_quiet].reserved = RS_SPECIAL;
    }
    sp->leave = pick_plain_clerk(g, -1, &spread);
    if (sp->leave != NONE32) {
        staff *s = &g->st[sp->leave];
        s->leave_from = g->mid - 35 > g->from ? g->mid - 35 : g->from;
        s->leave_to = g->to + 120;
        s->reserved = RS_SPECIAL;
    }
    sp->leave_quiet = g->nst >= 60 ? pick_plain_clerk(g, -1, &spread) : NONE32;
    if (sp->leave_quiet != NONE32 && g->mid - g->from > 40) {
        staff *s = &g->st[sp->leave_quiet];
        s->leave_from = g->from + (g->mid - g->from) / 4;
        s->leave_to = s->leave_from + (g->mid - g->from) / 3;
        s->reserved = RS_SPECIAL;
    }
    /* election 兼務: staff of departments without business systems help 選挙管理委員会 */
    const size_t want = g->nst / 50 < 2 ? 2 : g->nst / 50 > 16 ? 16 : g->nst / 50;
    const size_t first = rng_index(&g->rc, g->nst);
    for (size_t k = 0; k < g->nst && sp->nkenmu < want; k++) {
        const size_t i = (first + k) % g->nst;
        staff *s = &g->st[i];
        if (s->reserved || dept_has_systems(s->dept) || s->role != ROLE_CLERK ||
            s->retired != DAY_NONE || s->hired > g->from)
            continue;
        s->kenmu = 1;
        s->kenmu_term = add_terminal(g, D_SENKYO, 1);
        g->tm[s->kenmu_term].busy = 1;
        s->reserved = RS_SPECIAL;
        sp->kenmu[sp->nkenmu++] = (uint32_t)i;
        asgrow *a = push_asg(g);
        a->staff = (uint32_t)i;
        a->dept = D_SENKYO;
        a->sys = SYS_SENKYO;
        a->from = g->kenmu_from;
        a->to = g->kenmu_to;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Baseline simulation.
 */

static size_t sd_index(const gen *g, size_t s, int32_t day)
{
    return s * g->ndays + (size_t)(day - g->from);
}

static int64_t at(int32_t day, int sec)
{
    return (int64_t)day * 86400 + sec;
}

static void add_tv(gen *g, size_t s, size_t term, int64_t t, int kind)
{
    tev *e = push_tv(g);
    e->t = t;
    e->seq = g->seq++;
    e->staff = (uint32_t)s;
    e->term = (uint16_t)term;
    e->kind = (uint8_t)kind;
}

static void add_ot(gen *g, size_t s, int32_t day, int from, int to)
{
    otrow *o = push_ot(g);
    o->day = day;
    o->staff = (uint32_t)s;
    o->from = (int16_t)from;
    o->to = (int16_t)to;
}

/* A business event. With noise, a few rows get a 備考 or fail. */
static bev *add_ev(gen *g, size_t s, size_t term, size_t sys, size_t fn, uint32_t res, int64_t t,
                   uint32_t count, int noise)
{
    bev *e = push_ev(g);
    e->t = t;
    e->seq = g->seq++;
    e->staff = (uint32_t)s;
    e->term = (uint16_t)term;
    e->sys = (uint8_t)sys;
    e->fn = (uint8_t)fn;
    e->res = res;
    e->count = count;
    e->ms = (uint16_t)rng_below(&g->rb, 1000);
    if (systems[sys].fn[fn].cat == FC_MYNUM)
        e->flags |= BF_MYNUM;
    if (noise && rng_pm(&g->rb, 4)) {
        e->flags |= BF_FAIL;
        e->note = (uint8_t)(NOTE_ERR + rng_below(&g->rb, 4));
    } else if (noise && rng_pm(&g->rb, 30)) {
        e->note = (uint8_t)(1 + rng_below(&g->rb, (uint32_t)(NNOTES - 1)));
    }
    g->sys_today[sys]++;
    return e;
}

/* A function of system sys in category cat, drawn by weight; -1 if the system has none. */
static int pick_fn(rng *r, size_t sys, int cat)
{
    const sysdef *sd = &systems[sys];
    unsigned w[16];
    unsigned total = 0;
    for (size_t i = 0; i < sd->nfn; i++) {
        w[i] = sd->fn[i].cat == cat ? sd->fn[i].w : 0;
        total += w[i];
    }
    if (total == 0)
        return -1;
    return (int)rng_weighted(r, w, sd->nfn);
}

/* The function of system sys with operation op and category cat (first match); -1 if none. */
static int find_fn(size_t sys, int op, int cat)
{
    const sysdef *sd = &systems[sys];
    for (size_t i = 0; i < sd->nfn; i++)
        if (sd->fn[i].op == op && (cat < 0 || sd->fn[i].cat == cat))
            return (int)i;
    return -1;
}

static int same_household(const gen *g, const staff *s, uint32_t res)
{
    return s->own_res != NONE32 && g->res[res].hh != NONE32 &&
           g->res[res].hh == g->res[s->own_res].hh;
}

/* A resident for an ordinary task: from the system's pool (a personal caseload for case-work
 * systems), never the staff member's own household, watch-list residents only for 市民課 and
 * 税務課, DV-protected residents only for 市民課. NONE32 if no acceptable draw. */
static uint32_t pick_subject(gen *g, size_t s, size_t dept, size_t sys)
{
    rng *r = &g->rb;
    const size_t p = systems[sys].pool;
    const size_t n = g->npool[p];
    if (n == 0)
        return NONE32;
    const int casework = sys == SYS_SEIHO || sys == SYS_SHOGAI || sys == SYS_KAIGO;
    for (int tries = 0; tries < 20; tries++) {
        size_t k;
        if (casework) {
            const size_t load =
                70 + (size_t)g->st[s].vol * 2 < n ? 70 + (size_t)g->st[s].vol * 2 : n;
            k = ((size_t)g->st[s].id * 2654435761u + rng_index(r, load)) % n;
        } else {
            k = rng_index(r, n);
        }
        const uint32_t cand = g->pool[p][k];
        const uint8_t f = g->res[cand].flags;
        if (same_household(g, &g->st[s], cand))
            continue;
        if ((f & R_DV) && dept != D_SHIMIN)
            continue;
        if ((f & R_WATCH) && dept != D_SHIMIN && dept != D_ZEIMU)
            continue;
        return cand;
    }
    return NONE32;
}

static unsigned proc_pm(size_t dept, size_t sys)
{
    if (sys == SYS_SEIHO || sys == SYS_SHOGAI || sys == SYS_KAIGO)
        return 620;
    return dept == D_SHIMIN ? 560 : 430;
}

/* One task: maybe a search, one to three lookups of the same resident, maybe a processing step;
 * or, now and then, a list printed or exported. Returns the time after the task. */
static int64_t do_task(gen *g, size_t s, size_t dept, size_t term, size_t sys, int64_t t, int kenmu)
{
    rng *r = &g->rb;
    const authdef *a = auth_of(dept, sys);
    const int level = kenmu ? LV_ALL : a ? a->level : LV_LOOKUP;
    const int mynum = !kenmu && a && a->mynum;
    int fn;
    if (level == LV_ALL && rng_pm(r, 22) && (fn = pick_fn(r, sys, FC_LIST)) >= 0) {
        const int op = systems[sys].fn[fn].op;
        add_ev(g, s, term, sys, (size_t)fn, NONE32, t,
               (uint32_t)(op == OP_PRINT ? rng_range(r, 3, 40) : rng_range(r, 10, 60)), 1);
        return t + rng_range(r, 20, 120);
    }
    if (level == LV_ALL && rng_pm(r, 2) && (fn = pick_fn(r, sys, FC_EXTRACT)) >= 0) {
        add_ev(g, s, term, sys, (size_t)fn, NONE32, t, (uint32_t)rng_range(r, 20, 90), 1);
        return t + rng_range(r, 30, 180);
    }
    const uint32_t subj = pick_subject(g, s, dept, sys);
    if ((subj == NONE32 || rng_pm(r, 300)) && (fn = pick_fn(r, sys, FC_SEARCH)) >= 0) {
        add_ev(g, s, term, sys, (size_t)fn, NONE32, t, 1, 1);
        t += rng_range(r, 8, 40);
    }
    if (subj == NONE32)
        return t;
    /* one draw per statement: the evaluation order of the operands of + is unspecified */
    int nl = 1 + rng_pm(r, 450);
    nl += rng_pm(r, 150);
    for (int k = 0; k < nl; k++) {
        fn = -1;
        if (mynum && rng_pm(r, 60))
            fn = pick_fn(r, sys, FC_MYNUM);
        if (fn < 0)
            fn = pick_fn(r, sys, FC_LOOK);
        add_ev(g, s, term, sys, (size_t)fn, subj, t, 1, 1);
        t += rng_range(r, 10, 90);
    }
    if (level == LV_ALL && rng_pm(r, proc_pm(dept, sys)) && (fn = pick_fn(r, sys, FC_PROC)) >= 0) {
        const int op = systems[sys].fn[fn].op;
        if (op == OP_ISSUE && (g->res[subj].flags & R_DV))
            return t; /* nothing is issued for a protected resident in the baseline */
        add_ev(g, s, term, sys, (size_t)fn, subj, t,
               op == OP_ISSUE ? (uint32_t)(rng_pm(r, 800) ? 1 : rng_range(r, 2, 3)) : 1, 1);
        t += rng_range(r, 30, 150);
    }
    return t;
}

/* Seasonal load of a department (percent). */
static unsigned season_pct(const gen *g, size_t dept, int32_t day)
{
    int y, m, d;
    ymd_of(day, &y, &m, &d);
    switch (dept) {
    case D_ZEIMU:
        return m == 5 || m == 6 ? 250 : 100; /* 住民税 当初課税 */
    case D_SHIMIN:
        return m == 4 || (m == 3 && d >= 20) ? 150 : 100; /* 年度末・年度初めの異動 */
    case D_KOSODATE:
        return m == 6 ? 170 : 100; /* 現況届 */
    case D_SENKYO:
        return day >= g->kenmu_from && day <= g->kenmu_to ? 250 : 100;
    default:
        return 100;
    }
}

static unsigned dow_pct(const gen *g, int32_t day)
{
    unsigned p = 100;
    const int w = wday_of(day);
    if (w == 1)
        p = 115;
    else if (w == 5)
        p = 105;
    if (!is_open(g, day - 1) && !is_open(g, day - 2) && !is_open(g, day - 3))
        p += 20; /* the day after a long weekend */
    return p;
}

/* Ramp-up of a new hire or a transferee (percent of normal volume). */
static unsigned ramp_pct(const staff *s, int32_t day)
{
    int32_t since = day - s->hired;
    if (s->transferred != DAY_NONE && day >= s->transferred && day - s->transferred < since)
        since = day - s->transferred;
    return since < 10 ? 40u : since < 30 ? 65u : since < 60 ? 85u : 100u;
}

/* Time-of-day weights per quarter hour: morning and afternoon peaks, a lunch dip. */
static unsigned slot_weight(int minute)
{
    if (minute < HOURS_FROM)
        return 30;
    if (minute < 9 * 60)
        return 60;
    if (minute < 11 * 60 + 30)
        return 105;
    if (minute < 12 * 60)
        return 85;
    if (minute < 13 * 60)
        return 40;
    if (minute < 13 * 60 + 30)
        return 75;
    if (minute < 16 * 60 + 30)
        return 100;
    if (minute < HOURS_TO)
        return 80;
    return 45;
}

typedef struct span {
    int lo, hi; /* seconds of day, [lo, hi) */
    unsigned w;
} span;

typedef struct dayplan {
    span sp[128];
    size_t n;
    unsigned total;
} dayplan;

/* Adds [lo, hi) (minutes) split into quarter hours weighted by slot_weight. */
static void plan_add(dayplan *p, int lo, int hi)
{
    for (int m = lo; m < hi && p->n < 128;) {
        const int next = (m / 15 + 1) * 15 < hi ? (m / 15 + 1) * 15 : hi;
        const unsigned w = slot_weight(m) * (unsigned)(next - m);
        p->sp[p->n].lo = m * 60;
        p->sp[p->n].hi = next * 60;
        p->sp[p->n].w = w;
        p->total += w;
        p->n++;
        m = next;
    }
}

static int plan_pick(const dayplan *p, rng *r)
{
    unsigned x = rng_below(r, p->total);
    for (size_t i = 0; i < p->n; i++) {
        if (x < p->sp[i].w)
            return p->sp[i].lo + (int)rng_below(r, (uint32_t)(p->sp[i].hi - p->sp[i].lo));
        x -= p->sp[i].w;
    }
    return p->sp[p->n - 1].lo;
}

static size_t pick_sys(rng *r, size_t dept, size_t sect)
{
    const sectdef *sc = sect_def(dept, sect);
    unsigned w[4];
    for (size_t i = 0; i < 4; i++)
        w[i] = sc->w[i].sys >= 0 ? sc->w[i].w : 0;
    return (size_t)sc->w[rng_weighted(r, w, 4)].sys;
}

static int ceil15(int m)
{
    return (m + 14) / 15 * 15;
}

static int floor15(int m)
{
    return m / 15 * 15;
}

/* Draws n tasks over the plan for one system mix (or one fixed system). */
static void run_tasks(gen *g, size_t s, size_t dept, size_t sect, size_t term, int32_t day,
                      const dayplan *p, unsigned n, int fixed_sys, int kenmu)
{
    if (p->total == 0)
        return;
    for (unsigned k = 0; k < n; k++) {
        const int sec = plan_pick(p, &g->rb);
        const size_t sys = fixed_sys >= 0 ? (size_t)fixed_sys : pick_sys(&g->rb, dept, sect);
        do_task(g, s, dept, term, sys, at(day, sec), kenmu);
    }
}

static unsigned task_count(gen *g, const staff *s, size_t dept, int32_t day, int work_min)
{
    uint64_t n = s->vol;
    n = n * season_pct(g, dept, day) / 100 * dow_pct(g, day) / 100 * ramp_pct(s, day) / 100;
    n = n * (uint64_t)(work_min > 0 ? work_min : 0) / 465;
    n = n * g->volume / 100;
    const int noisy = rng_bell(&g->rb, (int)n, (int)isqrt((unsigned)n) + (int)n / 6);
    return noisy > 0 ? (unsigned)noisy : 0;
}

/* Whether staff member i stays away on day: not employed, annual leave, or (on the 休日開庁
 * Sunday) not on the rota. */
static int decide_absent(gen *g, size_t i, int32_t day)
{
    rng *r = &g->rb;
    const staff *s = &g->st[i];
    const size_t dept = dept_on(s, day);
    if (!employed(s, day))
        return 1;
    if (dflag(g, day) & DF_OPEN_SUNDAY)
        return (dept != D_SHIMIN && dept != D_ZEIMU && dept != D_HOKEN) ||
               s->role == ROLE_MANAGER || !rng_pm(r, 450);
    int y, m, d;
    ymd_of(day, &y, &m, &d);
    const unsigned leave_pm = 55 + ((m == 7 && d >= 15) || m == 8 ? 45u : 0u);
    return rng_pm(r, leave_pm);
}

/* A department never leaves its systems unattended: if everybody in a department with business
 * systems took leave on the same day, one of them comes in after all. */
static void keep_cover(gen *g, int32_t day, uint8_t *absent)
{
    if (dflag(g, day) & DF_OPEN_SUNDAY)
        return;
    for (size_t d = 0; d < D_COUNT; d++) {
        if (!dept_has_systems(d))
            continue;
        size_t present = 0, cand = SIZE_MAX;
        for (size_t i = 0; i < g->nst; i++) {
            if (dept_on(&g->st[i], day) != d || !employed(&g->st[i], day))
                continue;
            present += !absent[i];
            if (absent[i] && (cand == SIZE_MAX || g->st[i].role < g->st[cand].role))
                cand = i;
        }
        if (present == 0 && cand != SIZE_MAX)
            absent[cand] = 0;
    }
}

/* One staff member's day: sessions, overtime rows, tasks. */
/* The minutes between which staff member s works on day: a usual day with its spread, a half
 * day off now and then, staying late (more often in a busy season), or the 休日開庁 rota. */
static void work_hours(gen *g, const staff *s, size_t dept, int32_t day, int *start, int *end)
{
    rng *r = &g->rb;
    *end = HOURS_TO;
    if (dflag(g, day) & DF_OPEN_SUNDAY) {
        *start = 8 * 60 + 45 + rng_range(r, 0, 10);
        *end = 16 * 60 + 30 - rng_range(r, 0, 20);
        return;
    }
    *start = s->start + rng_range(r, -4, 6);
    if (rng_pm(r, 20)) {
        if (rng_pm(r, 500))
            *start = 13 * 60 + rng_range(r, 0, 10);
        else
            *end = 12 * 60;
    }
    const unsigned season = season_pct(g, dept, day);
    const unsigned late = s->late_pm + (season > 100 ? (season - 100) * 3 : 0);
    if (*end == HOURS_TO && rng_pm(r, late)) {
        *end = HOURS_TO + rng_range(r, 15, 100);
        if (season > 100)
            *end += rng_range(r, 0, 100);
    }
}

/* Logon and logoff events of one day (logon and logoff in seconds): one session, or two with a
 * logoff over lunch, or (election 兼務) the afternoon at 選挙管理委員会's terminal. */
static void day_sessions(gen *g, size_t i, int32_t day, size_t term, int logon, int logoff,
                         int mode)
{
    rng *r = &g->rb;
    const staff *s = &g->st[i];
    const int lunch = s->lunch;
    add_tv(g, i, term, at(day, logon), TK_LOGON);
    if (mode != 0) {
        const size_t pm_term = mode == 2 ? s->kenmu_term : term;
        add_tv(g, i, term, at(day, lunch * 60 + rng_range(r, 0, 180)), TK_LOGOFF);
        add_tv(g, i, pm_term, at(day, (lunch + 60) * 60 - rng_range(r, 120, 540)), TK_LOGON);
        add_tv(g, i, pm_term, at(day, logoff), TK_LOGOFF);
    } else {
        add_tv(g, i, term, at(day, logoff), TK_LOGOFF);
    }
    g->slog[sd_index(g, i, day)] = (int32_t)(g->ntv - 1);
}

/* One staff member's day: sessions, overtime rows, tasks. */
static void sim_staff_day(gen *g, size_t i, int32_t day, int absent)
{
    rng *r = &g->rb;
    staff *s = &g->st[i];
    const size_t sdi = sd_index(g, i, day);
    const uint8_t f = dflag(g, day);
    const size_t dept = dept_on(s, day), sect = sect_on(s, day), term = term_on(s, day);
    int start, end;
    if (absent)
        return;
    work_hours(g, s, dept, day, &start, &end);
    const int logon = start * 60 - rng_range(r, 4 * 60, 20 * 60);
    const int logoff = end * 60 + rng_range(r, 2 * 60, 14 * 60);
    const int lunch = s->lunch;
    g->son[sdi] = (int16_t)start;
    g->soff[sdi] = (int16_t)end;
    if (rng_pm(r, 25))
        add_tv(g, i, term, at(day, logon - rng_range(r, 5, 40)), TK_FAIL);
    const int kenmu = s->kenmu && day >= g->kenmu_from && day <= g->kenmu_to &&
                      !(f & DF_OPEN_SUNDAY) && start < lunch && end > lunch + 60 && rng_pm(r, 650);
    const int split = s->lunch_logoff && start < lunch && end > lunch + 60;
    day_sessions(g, i, day, term, logon, logoff, kenmu ? 2 : split ? 1 : 0);
    if (end > HOURS_TO)
        add_ot(g, i, day, HOURS_TO, ceil15(logoff / 60 + 1));
    if (start < HOURS_FROM && !(f & DF_OPEN_SUNDAY))
        add_ot(g, i, day, floor15(logon / 60), HOURS_FROM);
    /* tasks start at least 9 minutes before a block ends, so a whole task (search, lookups,
     * processing) stays inside the logon session */
    const int am_hi = (lunch < end ? lunch : end) - 9,
              pm_lo = lunch + 60 > start ? lunch + 60 : start;
    dayplan am = {0}, pm = {0};
    plan_add(&am, start, am_hi);
    plan_add(&pm, pm_lo, end - 9);
    const int am_min = am_hi > start ? am_hi - start : 0;
    const int pm_min = end - 9 - pm_lo;
    if (kenmu) { /* mornings at the own desk, afternoons at 選挙管理委員会's terminal */
        if (dept_has_systems(dept))
            run_tasks(g, i, dept, sect, term, day, &am, task_count(g, s, dept, day, am_min), -1, 0);
        run_tasks(g, i, D_SENKYO, 0, s->kenmu_term, day, &pm, (unsigned)rng_range(r, 10, 25),
                  SYS_SENKYO, 1);
    } else if (dept_has_systems(dept)) {
        dayplan all = am;
        for (size_t k = 0; k < pm.n && all.n < 128; k++) {
            all.sp[all.n++] = pm.sp[k];
            all.total += pm.sp[k].w;
        }
        run_tasks(g, i, dept, sect, term, day, &all,
                  task_count(g, s, dept, day, am_min + (pm_min > 0 ? pm_min : 0)), -1, 0);
    }
}

/* A time (seconds of day) when staff member s is surely at work and logged on, in the morning
 * (am) or afternoon block, away from lunch; -1 if s is absent or the block is empty. */
static int safe_time(gen *g, rng *r, size_t s, int32_t day, int am)
{
    if (!in_period(g, day))
        return -1;
    const size_t sdi = sd_index(g, s, day);
    const int on = g->son[sdi], off = g->soff[sdi], lunch = g->st[s].lunch;
    if (on < 0)
        return -1;
    int lo, hi;
    if (am) {
        lo = on + 10 > 9 * 60 ? on + 10 : 9 * 60;
        hi = lunch - 15 < 11 * 60 + 20 ? lunch - 15 : 11 * 60 + 20;
    } else {
        lo = lunch + 70 > 13 * 60 + 40 ? lunch + 70 : 13 * 60 + 40;
        hi = off - 10 < 16 * 60 + 50 ? off - 10 : 16 * 60 + 50;
    }
    if (hi <= lo)
        return -1;
    return rng_range(r, lo * 60, hi * 60 - 1);
}

/* Every system has rows on every ordinary open day: if nobody used one today, a present member
 * of an authorised department does a few tasks. */
static void ensure_rows(gen *g, int32_t day)
{
    if (!is_workday(g, day))
        return;
    for (size_t sys = 0; sys < SYS_COUNT; sys++) {
        if (g->sys_today[sys])
            continue;
        const size_t first = rng_index(&g->rb, g->nst);
        for (int lv = LV_ALL; lv >= LV_LOOKUP && !g->sys_today[sys]; lv--) {
            for (size_t k = 0; k < g->nst && !g->sys_today[sys]; k++) {
                const size_t i = (first + k) % g->nst;
                const staff *s = &g->st[i];
                const size_t dept = dept_on(s, day);
                const authdef *a = auth_of(dept, sys);
                if (a == NULL || a->level != lv)
                    continue;
                for (int n = rng_range(&g->rb, 1, 3); n > 0; n--) {
                    int sec = safe_time(g, &g->rb, i, day, n & 1);
                    if (sec < 0) /* a half day: the other block */
                        sec = safe_time(g, &g->rb, i, day, !(n & 1));
                    if (sec >= 0)
                        do_task(g, i, dept, term_on(s, day), sys, at(day, sec), 0);
                }
            }
        }
    }
}

static size_t device_of_dept(size_t dept)
{
    for (size_t i = 0; i < NDEV; i++)
        if (devdefs[i].dept == (int)dept)
            return i;
    return NDEV;
}

static void add_mv(gen *g, size_t s, size_t term, size_t dev, int64_t t, int kind, const char *file,
                   uint64_t bytes)
{
    mev *e = push_mv(g);
    e->t = t;
    e->seq = g->seq++;
    e->staff = (uint32_t)s;
    e->term = (uint16_t)term;
    e->dev = (uint16_t)dev;
    e->kind = (uint8_t)kind;
    e->bytes = bytes;
    snprintf(e->file, sizeof e->file, "%s", file ? file : "");
}

static void yyyymm(int32_t day, char *out, size_t cap)
{
    int y, m, d;
    ymd_of(day, &y, &m, &d);
    snprintf(out, cap, "%04d%02d", y, m);
}

static void truth_add(gen *g, int hn, const char *kind, const char *etype, const char *eid,
                      int32_t from, int32_t to, const char *rule, const char *fmt, ...)
    TK_PRINTF(9, 10);

/* Approved USB sticks in office hours: a department sends data to 国保連, receives 給与支払報告書,
 * and so on, every couple of weeks. In the inspection period each use is a hard negative. */
static void media_day(gen *g, int32_t day)
{
    rng *r = &g->rb;
    if (!is_workday(g, day))
        return;
    for (size_t dev = 0; dev < NDEV; dev++) {
        if (devdefs[dev].dept < 0)
            continue;
        const size_t dept = (size_t)devdefs[dev].dept;
        const unsigned pm =
            dept == D_SENKYO && day >= g->kenmu_from && day <= g->kenmu_to ? 200 : 55;
        if (!rng_pm(r, pm))
            continue;
        const size_t first = rng_index(r, g->nst);
        for (size_t k = 0; k < g->nst; k++) {
            const size_t i = (first + k) % g->nst;
            const staff *s = &g->st[i];
            if (dept_on(s, day) != dept || s->reserved == RS_SPECIAL)
                continue;
            const int sec = safe_time(g, r, i, day, (int)rng_below(r, 2));
            if (sec < 0)
                continue;
            const size_t term = term_on(s, day);
            char ym[8], file[96];
            yyyymm(day, ym, sizeof ym);
            snprintf(file, sizeof file, media_file(dept), ym);
            int64_t t = at(day, sec);
            add_mv(g, i, term, dev, t, MK_CONNECT, NULL, 0);
            const int nfiles = rng_range(r, 1, 2);
            for (int f = 0; f < nfiles; f++) {
                t += rng_range(r, 20, 90);
                add_mv(g, i, term, dev, t, MK_COPY, file, (uint64_t)rng_range(r, 20000, 8000000));
            }
            add_mv(g, i, term, dev, t + rng_range(r, 30, 240), MK_DISCONNECT, NULL, 0);
            if (day >= g->insp_from)
                truth_add(g, 1, "approved_media", "terminal", g->tm[term].name, day, day, "22",
                          "承認済み媒体(%s)への業務時間内の書出し(%s)。職員%06u", devdefs[dev].name,
                          file, s->id);
            break;
        }
    }
}

static int simulate(gen *g)
{
    uint8_t *absent = tk_calloc(g->nst ? g->nst : 1, 1);
    if (absent == NULL)
        return TK_ENOMEM;
    for (int32_t day = g->from; day <= g->to; day++) {
        g->day_ev[day - g->from] = g->nev;
        g->day_tv[day - g->from] = g->ntv;
        memset(g->sys_today, 0, sizeof g->sys_today);
        if (is_open(g, day)) {
            for (size_t i = 0; i < g->nst; i++)
                absent[i] = (uint8_t)decide_absent(g, i, day);
            keep_cover(g, day, absent);
            for (size_t i = 0; i < g->nst; i++)
                sim_staff_day(g, i, day, absent[i]);
            ensure_rows(g, day);
            media_day(g, day);
        }
        if (g->tty && (day - g->from) % 7 == 0) {
            int y, m, d;
            ymd_of(day, &y, &m, &d);
            fprintf(stderr, "\rgen-city: simulating %04d-%02d-%02d, %zu events", y, m, d, g->nev);
            fflush(stderr);
        }
    }
    g->day_ev[g->ndays] = g->nev_base = g->nev;
    g->day_tv[g->ndays] = g->ntv_base = g->ntv;
    if (g->tty)
        fprintf(stderr, "\r%60s\r", "");
    tk_free(absent);
    return TK_OK;
}

/* ---------------------------------------------------------------------------------------------
 * Ground truth, incidents and hard negatives.
 */

static void truth_add(gen *g, int hn, const char *kind, const char *etype, const char *eid,
                      int32_t from, int32_t to, const char *rule, const char *fmt, ...)
{
    truthrow *t = push_tr(g);
    va_list ap;
    t->hn = (uint8_t)hn;
    snprintf(t->kind, sizeof t->kind, "%s", kind);
    snprintf(t->etype, sizeof t->etype, "%s", etype);
    snprintf(t->eid, sizeof t->eid, "%s", eid);
    snprintf(t->rule, sizeof t->rule, "%s", rule);
    t->from = from;
    t->to = to;
    va_start(ap, fmt);
    vsnprintf(t->desc, sizeof t->desc, fmt, ap);
    va_end(ap);
}

typedef struct idstr {
    char s[24];
} idstr;

static idstr staff_id(const gen *g, size_t s)
{
    idstr o;
    snprintf(o.s, sizeof o.s, "%06u", g->st[s].id);
    return o;
}

static idstr res_id(const gen *g, uint32_t r)
{
    idstr o;
    snprintf(o.s, sizeof o.s, "%010llu", (unsigned long long)g->res[r].id);
    return o;
}

static idstr day_str(int32_t day)
{
    idstr o;
    int y, m, d;
    ymd_of(day, &y, &m, &d);
    snprintf(o.s, sizeof o.s, "%04d-%02d-%02d", y, m, d);
    return o;
}

static idstr hm(int sec)
{
    idstr o;
    snprintf(o.s, sizeof o.s, "%02d:%02d", sec / 3600, sec / 60 % 60);
    return o;
}

/* Training accounts kenshu01.. are event "staff" numbers g->nst + k; the fictitious residents of
 * the training data are bev.res values FICT_BASE + k, written FICT_ID0.. (real 宛名番号 stay far
 * below: they start near 100000). */
static int is_trainee(const gen *g, uint32_t s)
{
    return s != NONE32 && s >= g->nst;
}

static idstr train_account(const gen *g, uint32_t s)
{
    idstr o;
    snprintf(o.s, sizeof o.s, "kenshu%02u", s - (uint32_t)g->nst + 1);
    return o;
}

/* The 宛名番号 of bev.res r: a resident's, or a fictitious one of the training data. */
static uint64_t res_number(const gen *g, uint32_t r)
{
    return r >= FICT_BASE ? FICT_ID0 + (r - FICT_BASE) : g->res[r].id;
}

/* The system a section mostly works in. */
static size_t main_sys(size_t dept, size_t sect)
{
    const sectdef *sc = sect_def(dept, sect);
    size_t best = 0;
    for (size_t i = 1; i < 4; i++)
        if (sc->w[i].sys >= 0 && sc->w[i].w > sc->w[best].w)
            best = i;
    return (size_t)sc->w[best].sys;
}

typedef int (*staff_ok)(const gen *g, size_t i, const void *ctx);

/* A staff member accepted by ok: untouched ones first, then ones already used by another
 * incident, never the reserved special cases. SIZE_MAX if nobody fits. */
static size_t pick_staff(gen *g, staff_ok ok, const void *ctx)
{
    for (int pass = 0; pass < 2; pass++) {
        const size_t first = rng_index(&g->ri, g->nst);
        for (size_t k = 0; k < g->nst; k++) {
            const size_t i = (first + k) % g->nst;
            const staff *s = &g->st[i];
            if (s->reserved == RS_SPECIAL || (pass == 0 && s->reserved != RS_FREE))
                continue;
            if (s->retired != DAY_NONE || s->leave_from != DAY_NONE || s->hired > g->insp_from)
                continue;
            if (ok(g, i, ctx))
                return i;
        }
    }
    return SIZE_MAX;
}

static int ok_system_clerk(const gen *g, size_t i, const void *ctx)
{
    (void)ctx;
    return dept_has_systems(g->st[i].dept) && g->st[i].role != ROLE_MANAGER;
}

static int ok_busy_clerk(const gen *g, size_t i, const void *ctx)
{
    return ok_system_clerk(g, i, ctx) && g->st[i].vol >= 25;
}

static int ok_dept(const gen *g, size_t i, const void *ctx)
{
    return g->st[i].dept == *(const size_t *)ctx && g->st[i].role != ROLE_MANAGER;
}

/* Lookup-level access to 住民基本台帳 from outside 市民課. */
static int ok_juki_outsider(const gen *g, size_t i, const void *ctx)
{
    (void)ctx;
    const size_t d = g->st[i].dept;
    return d != D_SHIMIN && auth_of(d, SYS_JUKI) != NULL && g->st[i].role != ROLE_MANAGER;
}

/* Outside the departments responsible for watch-list residents (市民課, 税務課). */
static int ok_watch_outsider(const gen *g, size_t i, const void *ctx)
{
    return ok_juki_outsider(g, i, ctx) && g->st[i].dept != D_ZEIMU;
}

static int ok_juki_no_mynum(const gen *g, size_t i, const void *ctx)
{
    (void)ctx;
    const authdef *a = auth_of(g->st[i].dept, SYS_JUKI);
    return a != NULL && !a->mynum && g->st[i].role != ROLE_MANAGER;
}

static int ok_lives_here(const gen *g, size_t i, const void *ctx)
{
    const int family = *(const int *)ctx;
    const staff *s = &g->st[i];
    if (s->own_res == NONE32 || !auth_of(s->dept, SYS_JUKI))
        return 0;
    return !family || g->hh[g->res[s->own_res].hh].n > 1;
}

static int ok_has_device(const gen *g, size_t i, const void *ctx)
{
    (void)ctx;
    return dept_has_systems(g->st[i].dept) && device_of_dept(g->st[i].dept) < NDEV &&
           g->st[i].role != ROLE_MANAGER;
}

static void reserve(gen *g, size_t s)
{
    if (g->st[s].reserved == RS_FREE)
        g->st[s].reserved = RS_INCIDENT;
}

/* A random ordinary open day in [lo, hi] on which s works a normal day (present at 9:00, no
 * overtime when late_ok is 0); DAY_NONE if none is found. */
static int32_t pick_work_day(gen *g, size_t s, int32_t lo, int32_t hi, int late_ok)
{
    if (lo < g->from)
        lo = g->from;
    if (hi > g->to)
        hi = g->to;
    if (hi < lo)
        return DAY_NONE;
    for (int tries = 0; tries < 300; tries++) {
        const int32_t d = lo + (int32_t)rng_below(&g->ri, (uint32_t)(hi - lo + 1));
        if (!is_workday(g, d) || d == g->gap_day)
            continue;
        const size_t sdi = sd_index(g, s, d);
        if (g->son[sdi] < 0 || g->son[sdi] > 9 * 60 || g->soff[sdi] < HOURS_TO)
            continue;
        if (!late_ok && g->soff[sdi] > HOURS_TO)
            continue;
        return d;
    }
    return DAY_NONE;
}

static void incident_window(const gen *g, int hist, int32_t *lo, int32_t *hi)
{
    *lo = hist ? g->from + 7 : g->insp_from;
    *hi = hist ? g->insp_from - 1 : g->to;
}

/* A resident of pool p with no special flag, outside s's household. */
static uint32_t plain_subject(gen *g, size_t p, size_t s)
{
    for (int tries = 0; tries < 100; tries++) {
        const uint32_t c = g->pool[p][rng_index(&g->ri, g->npool[p])];
        if (!g->res[c].flags && !same_household(g, &g->st[s], c))
            return c;
    }
    return g->pool[p][0];
}

/* n lookups by s on sys starting at sec, gaps in [gap_lo, gap_hi] seconds; fixed subject unless
 * res is NONE32. Returns the second after the last event. */
static int add_lookups(gen *g, size_t s, size_t term, size_t sys, int32_t day, int sec, int n,
                       int gap_lo, int gap_hi, uint32_t res)
{
    for (int k = 0; k < n; k++) {
        const uint32_t subj = res != NONE32 ? res : plain_subject(g, systems[sys].pool, s);
        add_ev(g, s, term, sys, (size_t)pick_fn(&g->ri, sys, FC_LOOK), subj, at(day, sec), 1, 0);
        sec += rng_range(&g->ri, gap_lo, gap_hi);
    }
    return sec;
}

/* Calls fn on every business event of day: the day's slice of the baseline (which the
 * simulation wrote in day order) and the injected events after it. */
static void each_event_of_day(gen *g, int32_t day, void (*fn)(gen *g, bev *e, void *ctx), void *ctx)
{
    const size_t d = (size_t)(day - g->from);
    for (size_t e = g->day_ev[d]; e < g->day_ev[d + 1]; e++)
        fn(g, &g->ev[e], ctx);
    for (size_t e = g->nev_base; e < g->nev; e++)
        if (g->ev[e].t / 86400 == day)
            fn(g, &g->ev[e], ctx);
}

/* Residents s looked up (or searched) on day so far, distinct, into seen (cap entries);
 * returns how many. */
typedef struct seenctx {
    size_t s, n, cap;
    uint32_t *seen;
} seenctx;

static void note_subject(gen *g, bev *x, void *vctx)
{
    seenctx *c = vctx;
    if (x->staff != c->s || x->res == NONE32)
        return;
    const int op = systems[x->sys].fn[x->fn].op;
    if (op != OP_LOOKUP && op != OP_SEARCH)
        return;
    (void)g;
    for (size_t k = 0; k < c->n; k++)
        if (c->seen[k] == x->res)
            return;
    if (c->n < c->cap)
        c->seen[c->n++] = x->res;
}

static size_t day_subjects(gen *g, size_t s, int32_t day, uint32_t *seen, size_t cap)
{
    seenctx c = {s, 0, cap, seen};
    each_event_of_day(g, day, note_subject, &c);
    return c.n;
}

/* A plain resident of pool p not yet in seen; appended to seen. */
static uint32_t distinct_subject(gen *g, size_t p, size_t s, uint32_t *seen, size_t *nseen,
                                 size_t cap)
{
    uint32_t c = NONE32;
    for (int tries = 0; tries < 200; tries++) {
        c = plain_subject(g, p, s);
        int dup = 0;
        for (size_t k = 0; k < *nseen && !dup; k++)
            dup = seen[k] == c;
        if (!dup)
            break;
    }
    if (*nseen < cap)
        seen[(*nseen)++] = c;
    return c;
}

/* Moves s's last logoff of the day to sec if that is later. */
static void extend_session(gen *g, size_t s, int32_t day, int sec)
{
    const int32_t idx = g->slog[sd_index(g, s, day)];
    if (idx >= 0 && g->tv[idx].t < at(day, sec))
        g->tv[idx].t = at(day, sec);
}

static void session(gen *g, size_t s, size_t term, int32_t day, int on, int off)
{
    add_tv(g, s, term, at(day, on), TK_LOGON);
    add_tv(g, s, term, at(day, off), TK_LOGOFF);
}

/* A registered terminal of dept that nobody sits at and no incident used yet; it is marked
 * used. SIZE_MAX if the department has none left. */
static size_t spare_terminal(gen *g, size_t dept)
{
    const size_t first = rng_index(&g->ri, g->ntm);
    for (size_t k = 0; k < g->ntm; k++) {
        const size_t t = (first + k) % g->ntm;
        terminal *tm = &g->tm[t];
        if (tm->dept == dept && tm->registered && tm->special && !tm->busy) {
            tm->busy = 1;
            return t;
        }
    }
    return SIZE_MAX;
}

static int has_spare(const gen *g, size_t dept)
{
    for (size_t t = 0; t < g->ntm; t++)
        if (g->tm[t].dept == dept && g->tm[t].registered && g->tm[t].special && !g->tm[t].busy)
            return 1;
    return 0;
}

static int ok_spare_in_dept(const gen *g, size_t i, const void *ctx)
{
    return ok_system_clerk(g, i, ctx) && has_spare(g, g->st[i].dept);
}

/* A session from on - [lo1, hi1] to off + [lo2, hi2] seconds (two draws, in that order: one
 * draw per statement, because the order in which a compiler evaluates the arguments of a call
 * is unspecified and the output must not depend on it). */
static void session_around(gen *g, size_t s, size_t term, int32_t day, int on, int lo1, int hi1,
                           int off, int lo2, int hi2)
{
    const int before = rng_range(&g->ri, lo1, hi1);
    const int after = rng_range(&g->ri, lo2, hi2);
    session(g, s, term, day, on - before, off + after);
}

#define STAFF_DESC(g, s, day) staff_id(g, s).s, depts[dept_on(&(g)->st[s], day)].name

static void inj_after_hours(gen *g, int hist)
{
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    int32_t lo, hi;
    incident_window(g, hist, &lo, &hi);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, lo, hi, 0);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t sys = main_sys(dept_on(st, day), sect_on(st, day));
    const int start = rng_range(&g->ri, 18 * 3600 + 40 * 60, 19 * 3600 + 50 * 60);
    const int n = rng_range(&g->ri, 4, 9);
    const int end = add_lookups(g, s, term_on(st, day), sys, day, start, n, 60, 420, NONE32);
    extend_session(g, s, day, end + rng_range(&g->ri, 60, 300));
    truth_add(g, 0, "after_hours", "user", staff_id(g, s).s, day, day, "1",
              "職員%s(%s)が時間外勤務命令のない%s〜%sに%sで住民%d名を照会(更新・交付なし)",
              STAFF_DESC(g, s, day), hm(start).s, hm(end).s, systems[sys].name, n);
}

static void inj_night(gen *g, int hist)
{
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    int32_t lo, hi;
    incident_window(g, hist, &lo, &hi);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, lo, hi, 0);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t sys = main_sys(dept_on(st, day), sect_on(st, day)), term = term_on(st, day);
    const int start = rng_range(&g->ri, 22 * 3600 + 5 * 60, 23 * 3600 + 10 * 60);
    const int n = rng_range(&g->ri, 3, 6);
    const int end = add_lookups(g, s, term, sys, day, start, n, 45, 300, NONE32);
    session_around(g, s, term, day, start, 60, 200, end, 30, 120);
    truth_add(g, 0, "night_access", "user", staff_id(g, s).s, day, day, "1",
              "職員%s(%s)が深夜%s〜%sに再ログオンし%sで住民%d名を照会", STAFF_DESC(g, s, day),
              hm(start).s, hm(end).s, systems[sys].name, n);
}

static void inj_closed_day(gen *g, int hist)
{
    int32_t lo, hi, day = DAY_NONE;
    incident_window(g, hist, &lo, &hi);
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX || hi < lo)
        return;
    for (int tries = 0; tries < 200 && day == DAY_NONE; tries++) {
        const int32_t d = lo + (int32_t)rng_below(&g->ri, (uint32_t)(hi - lo + 1));
        if ((dflag(g, d) & DF_CLOSED) && d != g->elect_day && employed(&g->st[s], d))
            day = d;
    }
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t sys = main_sys(dept_on(st, day), sect_on(st, day)), term = term_on(st, day);
    const int start = rng_range(&g->ri, 9 * 3600 + 30 * 60, 10 * 3600 + 30 * 60);
    const int n = rng_range(&g->ri, 8, 16);
    const int end = add_lookups(g, s, term, sys, day, start, n, 90, 480, NONE32);
    session_around(g, s, term, day, start, 120, 600, end, 60, 600);
    truth_add(g, 0, "closed_day", "user", staff_id(g, s).s, day, day, "2",
              "職員%s(%s)が閉庁日(%s)の%s〜%sに登庁し%sで住民%d名を照会", STAFF_DESC(g, s, day),
              g->dname[day - g->from] ? g->dname[day - g->from]
                                      : (wday_of(day) == 6 ? "土曜日" : "日曜日"),
              hm(start).s, hm(end).s, systems[sys].name, n);
}

/* Extra lookup-only subjects on one day: bulk (past the fixed threshold of 200 distinct
 * residents, by a busy clerk) or spike (about three times the clerk's own normal). */
static void inj_volume(gen *g, int bulk)
{
    size_t s = pick_staff(g, bulk ? ok_busy_clerk : ok_system_clerk, NULL);
    if (s == SIZE_MAX && bulk)
        s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t term = term_on(st, day);
    size_t sys = main_sys(dept_on(st, day), sect_on(st, day));
    if (g->npool[systems[sys].pool] < 700 && auth_of(dept_on(st, day), SYS_JUKI))
        sys = SYS_JUKI; /* hundreds of residents are more than a small caseload holds */
    uint32_t seen[1024];
    size_t nseen = day_subjects(g, s, day, seen, 256);
    const int typical = nseen > 8 ? (int)nseen : 8;
    int target = 3 * typical;
    if (bulk && target < 215)
        target = 215;
    const int extra = target - (int)nseen;
    for (int k = 0; k < extra; k++) {
        const int sec = safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
        const uint32_t r = distinct_subject(g, systems[sys].pool, s, seen, &nseen, 1024);
        if (sec >= 0)
            add_lookups(g, s, term, sys, day, sec, 1, 0, 0, r);
    }
    truth_add(g, 0, bulk ? "bulk_lookup" : "volume_spike", "user", staff_id(g, s).s, day, day,
              "3;11",
              "職員%s(%s)が%sなどで1日に住民%d名を照会(本人の通常は1日%d名前後、追加分は照会のみ)",
              STAFF_DESC(g, s, day), systems[sys].name, target, typical);
}

static void inj_bulk_lookup(gen *g, int hist)
{
    (void)hist;
    inj_volume(g, 1);
}

static void inj_spike(gen *g, int hist)
{
    (void)hist;
    inj_volume(g, 0);
}

/* A clerk who, from the first week of the inspection period to its end,
 * looks up about 60% more residents than usual every working day, lookups
 * only: no day stands out on its own (a day item needs ~3x), only the
 * weeks together do. */
static void inj_sustained(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX || g->to - g->insp_from < 35)
        return;
    const int32_t from = pick_work_day(g, s, g->insp_from, g->insp_from + 6, 1);
    if (from == DAY_NONE)
        return;
    const int32_t to = g->to;
    reserve(g, s);
    const staff *st = &g->st[s];
    size_t sys = main_sys(dept_on(st, from), sect_on(st, from));
    if (g->npool[systems[sys].pool] < 700 && auth_of(dept_on(st, from), SYS_JUKI))
        sys = SYS_JUKI; /* weeks of extra residents are more than a small caseload holds */
    int days = 0, added = 0, typical_sum = 0;
    for (int32_t day = from; day <= to; day++) {
        if (!is_workday(g, day) || g->son[sd_index(g, s, day)] < 0)
            continue;
        uint32_t seen[1024];
        size_t nseen = day_subjects(g, s, day, seen, 256);
        if (nseen == 0)
            continue;
        const int typical = nseen > 8 ? (int)nseen : 8;
        const int extra = (typical * rng_range(&g->ri, 50, 70) + 50) / 100;
        for (int k = 0; k < extra; k++) {
            const int sec = safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
            const uint32_t r = distinct_subject(g, systems[sys].pool, s, seen, &nseen, 1024);
            if (sec >= 0)
                add_lookups(g, s, term_on(st, day), sys, day, sec, 1, 0, 0, r);
        }
        days++;
        added += extra;
        typical_sum += typical;
    }
    if (days == 0)
        return;
    truth_add(g, 0, "sustained_lookups", "user", staff_id(g, s).s, from, to, "3;11",
              "職員%s(%s)が%s〜%sの%d日間、%sなどで毎日通常(1日%d名前後)の約1.6倍の住民を照会"
              "(追加%d名、照会のみ、1日ずつでは目立たない)",
              STAFF_DESC(g, s, from), day_str(from).s, day_str(to).s, days, systems[sys].name,
              typical_sum / days, added);
}

static void inj_burst(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    if (day == DAY_NONE)
        return;
    const int sec = safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    size_t sys = main_sys(dept_on(st, day), sect_on(st, day));
    if (g->npool[systems[sys].pool] < 300 && auth_of(dept_on(st, day), SYS_JUKI))
        sys = SYS_JUKI; /* a burst needs more residents than a small caseload has */
    const int n = rng_range(&g->ri, 30, 36);
    uint32_t seen[40];
    size_t nseen = 0;
    int end = sec;
    for (int k = 0; k < n; k++)
        end = add_lookups(g, s, term_on(st, day), sys, day, end, 1, 9, 17,
                          distinct_subject(g, systems[sys].pool, s, seen, &nseen, 40));
    truth_add(g, 0, "lookup_burst", "user", staff_id(g, s).s, day, day, "4",
              "職員%s(%s)が%s〜%sの約%d分間に%sで住民%d名を連続照会", STAFF_DESC(g, s, day),
              hm(sec).s, hm(end).s, (end - sec) / 60 + 1, systems[sys].name, n);
}

static void inj_repeated(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX || g->to - g->insp_from < 20)
        return;
    const staff *st = &g->st[s];
    const size_t sys = main_sys(st->dept, st->sect);
    const uint32_t r = plain_subject(g, systems[sys].pool, s);
    const int32_t d0 =
        g->insp_from + (int32_t)rng_below(&g->ri, (uint32_t)(g->to - g->insp_from - 19));
    int32_t days[4];
    size_t nd = 0;
    for (int32_t d = d0; d <= d0 + 25 && d <= g->to && nd < 4; d++) {
        if (pick_work_day(g, s, d, d, 1) == d && rng_pm(&g->ri, 450))
            days[nd++] = d;
    }
    if (nd < 3)
        return;
    reserve(g, s);
    for (size_t k = 0; k < nd; k++) {
        const int sec = safe_time(g, &g->ri, s, days[k], (int)rng_below(&g->ri, 2));
        if (sec >= 0)
            add_lookups(g, s, term_on(st, days[k]), sys, days[k], sec, rng_range(&g->ri, 1, 2), 20,
                        90, r);
    }
    truth_add(g, 0, "repeated_lookup", "user", staff_id(g, s).s, days[0], days[nd - 1], "5;11",
              "職員%s(%s)が同一住民(宛名番号%s)を%zu日にわたり%sで照会。更新・交付などの処理なし",
              STAFF_DESC(g, s, days[0]), res_id(g, r).s, nd, systems[sys].name);
}

static void inj_many_staff(gen *g, int hist)
{
    (void)hist;
    if (g->to - g->insp_from < 10)
        return;
    const uint32_t r = plain_subject(g, P_KOKUHO, 0);
    const int32_t d0 =
        g->insp_from + (int32_t)rng_below(&g->ri, (uint32_t)(g->to - g->insp_from - 8));
    const int want = rng_range(&g->ri, 6, 7);
    int got = 0;
    unsigned dept_seen = 0;
    size_t chosen[8];
    char who[200] = "";
    for (int tries = 0; tries < 400 && got < want; tries++) {
        const size_t s = rng_index(&g->ri, g->nst);
        const staff *st = &g->st[s];
        int dup = 0;
        for (int k = 0; k < got; k++)
            dup |= chosen[k] == s;
        if (dup || st->reserved == RS_SPECIAL || !ok_juki_outsider(g, s, NULL) ||
            (tries < 200 && (dept_seen >> st->dept) & 1u) || same_household(g, st, r))
            continue;
        const int32_t day = pick_work_day(g, s, d0, d0 + 6, 1);
        if (day == DAY_NONE)
            continue;
        const int sec = safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
        if (sec < 0)
            continue;
        dept_seen |= 1u << st->dept;
        add_lookups(g, s, term_on(st, day), SYS_JUKI, day, sec, rng_range(&g->ri, 1, 2), 15, 60, r);
        const size_t len = strlen(who);
        snprintf(who + len, sizeof who - len, "%s%s", got ? "・" : "", depts[st->dept].name);
        chosen[got++] = s;
    }
    if (got == 0)
        return;
    truth_add(g, 0, "many_staff", "resident", res_id(g, r).s, d0, d0 + 6, "6",
              "住民(宛名番号%s)を担当外の所属の職員%d名(%s)が7日以内に住民基本台帳で照会(横手市型)",
              res_id(g, r).s, got, who);
}

static void inj_self_family(gen *g, int family)
{
    const size_t s = pick_staff(g, ok_lives_here, &family);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    if (day == DAY_NONE)
        return;
    const staff *st = &g->st[s];
    uint32_t r = st->own_res;
    if (family) {
        const household *h = &g->hh[g->res[r].hh];
        do
            r = h->first + rng_below(&g->ri, h->n);
        while (r == st->own_res);
    }
    const int sec = safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const int n = rng_range(&g->ri, 1, 3);
    add_lookups(g, s, term_on(st, day), SYS_JUKI, day, sec, n, 15, 90, r);
    truth_add(g, 0, family ? "family_lookup" : "self_lookup", "user", staff_id(g, s).s, day, day,
              "7",
              family ? "職員%s(%s)が同一世帯の親族(宛名番号%s)を住民基本台帳で%d回照会"
                     : "職員%s(%s)が本人(宛名番号%s)の記録を住民基本台帳で%d回照会",
              STAFF_DESC(g, s, day), res_id(g, r).s, n);
}

static void inj_self(gen *g, int hist)
{
    (void)hist;
    inj_self_family(g, 0);
}

static void inj_family(gen *g, int hist)
{
    (void)hist;
    inj_self_family(g, 1);
}

static uint32_t flagged_resident(gen *g, int flag)
{
    for (int tries = 0; tries < 2000; tries++) {
        const uint32_t r = (uint32_t)rng_index(&g->ri, g->nres);
        if (g->res[r].flags & flag)
            return r;
    }
    return NONE32;
}

static void inj_watch(gen *g, int hist)
{
    (void)hist;
    const uint32_t r = flagged_resident(g, R_WATCH);
    const size_t s = pick_staff(g, ok_watch_outsider, NULL);
    if (r == NONE32 || s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const int n = rng_range(&g->ri, 1, 3);
    add_lookups(g, s, term_on(&g->st[s], day), SYS_JUKI, day, sec, n, 20, 120, r);
    truth_add(g, 0, "watchlist", "user", staff_id(g, s).s, day, day, "9",
              "職員%s(%s)が担当外の著名人(宛名番号%s、要注意リスト登載)を住民基本台帳で%d回照会",
              STAFF_DESC(g, s, day), res_id(g, r).s, n);
}

static void inj_dv(gen *g, int hist)
{
    (void)hist;
    const uint32_t r = flagged_resident(g, R_DV);
    const size_t s = pick_staff(g, ok_juki_outsider, NULL);
    if (r == NONE32 || s == SIZE_MAX || same_household(g, &g->st[s], r))
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const int n = rng_range(&g->ri, 1, 2);
    add_lookups(g, s, term_on(&g->st[s], day), SYS_JUKI, day, sec, n, 20, 120, r);
    truth_add(g, 0, "dv_lookup", "user", staff_id(g, s).s, day, day, "10",
              "職員%s(%s)がDV等支援措置対象者(宛名番号%s)を許可所属外から住民基本台帳で%d回照会",
              STAFF_DESC(g, s, day), res_id(g, r).s, n);
}

static void inj_dv_issue(gen *g, int hist)
{
    (void)hist;
    const size_t dept = D_SHIMIN;
    const uint32_t r = flagged_resident(g, R_DV);
    const size_t s = pick_staff(g, ok_dept, &dept);
    if (r == NONE32 || s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const size_t term = term_on(&g->st[s], day);
    const int t = add_lookups(g, s, term, SYS_JUKI, day, sec, 1, 30, 90, r);
    add_ev(g, s, term, SYS_JUKI, (size_t)find_fn(SYS_JUKI, OP_ISSUE, FC_PROC), r, at(day, t), 1, 0)
        ->note = 4;
    truth_add(g, 0, "dv_issue", "user", staff_id(g, s).s, day, day, "10",
              "職員%s(%s)がDV等支援措置対象者(宛名番号%s)の住民票写しを交付(代理人請求)",
              STAFF_DESC(g, s, day), res_id(g, r).s);
}

static void inj_out_of_role(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_juki_outsider, NULL);
    if (s == SIZE_MAX)
        return;
    static const size_t targets[] = {SYS_SEIHO, SYS_SHOGAI, SYS_KAIGO, SYS_KOJIN, SYS_KOKUHO};
    size_t sys = SYS_COUNT;
    for (size_t k = 0; k < 5 && sys == SYS_COUNT; k++) {
        const size_t c = targets[(k + rng_index(&g->ri, 5)) % 5];
        if (!auth_of(g->st[s].dept, c))
            sys = c;
    }
    if (sys == SYS_COUNT)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const int n = rng_range(&g->ri, 3, 6);
    add_lookups(g, s, term_on(&g->st[s], day), sys, day, sec, n, 30, 240, NONE32);
    truth_add(g, 0, "out_of_role", "user", staff_id(g, s).s, day, day, "12",
              "職員%s(%s)が所属に権限のない%sで住民%d名を照会", STAFF_DESC(g, s, day),
              systems[sys].name, n);
}

static int32_t next_workday(const gen *g, int32_t d)
{
    for (d++; d <= g->to; d++)
        if (is_workday(g, d))
            return d;
    return DAY_NONE;
}

static int list_fn(gen *g, size_t sys, int op)
{
    int fn = find_fn(sys, op, FC_LIST);
    if (fn < 0)
        fn = pick_fn(&g->ri, sys, FC_LIST);
    return fn;
}

static void inj_retired(gen *g, uint32_t s)
{
    if (s == NONE32)
        return;
    const staff *st = &g->st[s];
    const int32_t day = next_workday(g, st->retired);
    if (day == DAY_NONE)
        return;
    const size_t dept = dept_on(st, st->retired), term = term_on(st, st->retired);
    const size_t sys = main_sys(dept, sect_on(st, st->retired));
    const int start = rng_range(&g->ri, 8 * 3600 + 40 * 60, 9 * 3600 + 20 * 60);
    const int n = rng_range(&g->ri, 20, 40);
    int sec = add_lookups(g, s, term, sys, day, start, n, 20, 150, NONE32);
    const uint32_t cnt = (uint32_t)rng_range(&g->ri, 150, 400);
    const int fn = list_fn(g, sys, OP_EXPORT);
    if (fn >= 0)
        add_ev(g, s, term, sys, (size_t)fn, NONE32, at(day, sec), cnt, 0);
    session_around(g, s, term, day, start, 60, 300, sec, 60, 300);
    truth_add(g, 0, "retired_account", "user", staff_id(g, s).s, day, day, "14;24",
              "%s付で退職した職員%s(元%s)のアカウントで翌開庁日に%sの住民%d名を照会し%u件を出力("
              "平塚市型)",
              day_str(st->retired).s, staff_id(g, s).s, depts[dept].name, systems[sys].name, n,
              cnt);
}

static void inj_transfer_old(gen *g, uint32_t s)
{
    if (s == NONE32)
        return;
    const staff *st = &g->st[s];
    const int32_t day = pick_work_day(g, s, st->transferred + 20, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    const size_t sys = main_sys(st->prev_dept, st->prev_sect);
    const int n = rng_range(&g->ri, 3, 7);
    add_lookups(g, s, st->term, sys, day, sec, n, 30, 200, NONE32);
    truth_add(g, 0, "transfer_old_system", "user", staff_id(g, s).s, day, day, "15;12",
              "%sに%sから%sへ異動した職員%sが、異動後%d日目に旧所属の%sで住民%d名を照会",
              day_str(st->transferred).s, depts[st->prev_dept].name, depts[st->dept].name,
              staff_id(g, s).s, day - st->transferred, systems[sys].name, n);
}

static void inj_leave(gen *g, uint32_t s)
{
    if (s == NONE32)
        return;
    const staff *st = &g->st[s];
    int32_t lo = st->leave_from > g->insp_from ? st->leave_from : g->insp_from;
    int32_t day = DAY_NONE;
    for (int tries = 0; tries < 200 && day == DAY_NONE; tries++) {
        const int32_t d = lo + (int32_t)rng_below(&g->ri, (uint32_t)(g->to - lo + 1));
        if (is_workday(g, d) && d != g->gap_day)
            day = d;
    }
    if (day == DAY_NONE)
        return;
    const size_t sys = main_sys(st->dept, st->sect);
    const int start = rng_range(&g->ri, 10 * 3600, 15 * 3600);
    const int n = rng_range(&g->ri, 3, 8);
    const int end = add_lookups(g, s, st->term, sys, day, start, n, 30, 300, NONE32);
    session_around(g, s, st->term, day, start, 60, 240, end, 30, 200);
    truth_add(g, 0, "leave_account", "user", staff_id(g, s).s, day, day, "16",
              "休職中(%s〜)の職員%s(%s)のアカウントで%sの住民%d名を照会", day_str(st->leave_from).s,
              staff_id(g, s).s, depts[st->dept].name, systems[sys].name, n);
}

static void inj_failed_burst(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    int sec = (st->lunch + 10) * 60 + rng_range(&g->ri, 0, 1200);
    const int n = rng_range(&g->ri, 6, 9), start = sec;
    for (int k = 0; k < n; k++) {
        add_tv(g, s, term_on(st, day), at(day, sec), TK_FAIL);
        sec += rng_range(&g->ri, 15, 50);
    }
    truth_add(g, 0, "failed_logon_burst", "user", staff_id(g, s).s, day, day, "17",
              "職員%s(%s)のアカウントで昼休み中の%s〜%sに端末%sでログオン失敗が%d回連続",
              STAFF_DESC(g, s, day), hm(start).s, hm(sec).s, g->tm[term_on(st, day)].name, n);
}

static void inj_failed_spray(gen *g, int hist)
{
    (void)hist;
    const size_t dept = 1 + rng_index(&g->ri, D_SENKYO);
    const size_t term = spare_terminal(g, dept);
    if (term == SIZE_MAX)
        return;
    int32_t day = DAY_NONE;
    for (int tries = 0; tries < 100 && day == DAY_NONE; tries++) {
        const int32_t d =
            g->insp_from + (int32_t)rng_below(&g->ri, (uint32_t)(g->to - g->insp_from + 1));
        if (is_workday(g, d))
            day = d;
    }
    if (day == DAY_NONE)
        return;
    int sec = rng_range(&g->ri, 18 * 3600 + 20 * 60, 19 * 3600 + 30 * 60);
    const int n = rng_range(&g->ri, 10, 12), start = sec;
    const size_t first = rng_index(&g->ri, g->nst);
    for (int k = 0; k < n; k++) { /* n different accounts */
        add_tv(g, (first + (size_t)k) % g->nst, term, at(day, sec), TK_FAIL);
        sec += rng_range(&g->ri, 20, 45);
    }
    truth_add(g, 0, "failed_logon_spray", "terminal", g->tm[term].name, day, day, "17",
              "端末%s(%s)で%s〜%sに%d件の異なるアカウントによるログオン失敗", g->tm[term].name,
              depts[dept].name, hm(start).s, hm(sec).s, n);
}

static void inj_concurrent(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_spare_in_dept, NULL);
    if (s == SIZE_MAX)
        return;
    const staff *st = &g->st[s];
    const size_t t2 = spare_terminal(g, st->dept);
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (t2 == SIZE_MAX || sec < 0)
        return;
    reserve(g, s);
    const size_t sys = main_sys(st->dept, st->sect);
    const int end = add_lookups(g, s, t2, sys, day, sec, rng_range(&g->ri, 3, 6), 120, 480, NONE32);
    session_around(g, s, t2, day, sec, 30, 120, end, 60, 300);
    truth_add(
        g, 0, "concurrent_logon", "user", staff_id(g, s).s, day, day, "18",
        "職員%s(%s)のアカウントが自席端末%sにログオン中、別端末%sにも%s頃から同時ログオンし照会",
        STAFF_DESC(g, s, day), g->tm[st->term].name, g->tm[t2].name, hm(sec).s);
}

/* 鴨川市型: one account used on terminals of other departments' systems on several days, one
 * of them a session left open for more than ten hours. */
static void inj_shared_id(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX || g->to - g->insp_from < 16)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const int32_t d0 =
        g->insp_from + (int32_t)rng_below(&g->ri, (uint32_t)(g->to - g->insp_from - 14));
    int32_t first = DAY_NONE, last = DAY_NONE;
    int used = 0;
    char where[160] = "";
    for (int32_t d = d0; d <= d0 + 14 && used < 3; d++) {
        if (!is_workday(g, d) || d == g->gap_day || !rng_pm(&g->ri, 400))
            continue;
        size_t dept;
        do
            dept = rng_index(&g->ri, D_SENKYO + 1);
        while (dept == st->dept || !dept_has_systems(dept));
        const size_t sys = main_sys(dept, 0);
        if (auth_of(st->dept, sys))
            continue;
        const size_t term = spare_terminal(g, dept);
        if (term == SIZE_MAX)
            continue;
        const int long_day = used == 0;
        const int on = long_day ? rng_range(&g->ri, 8 * 3600 + 5 * 60, 8 * 3600 + 25 * 60)
                                : rng_range(&g->ri, 9 * 3600 + 30 * 60, 14 * 3600);
        const int off = long_day ? rng_range(&g->ri, 19 * 3600, 19 * 3600 + 40 * 60)
                                 : on + rng_range(&g->ri, 3600, 2 * 3600);
        const int n = long_day ? rng_range(&g->ri, 10, 16) : rng_range(&g->ri, 4, 8);
        for (int k = 0; k < n; k++)
            add_lookups(g, s, term, sys, d,
                        on + 300 + (int)rng_below(&g->ri, (uint32_t)(off - on - 600)), 1, 0, 0,
                        NONE32);
        session(g, s, term, d, on, off);
        const size_t len = strlen(where);
        snprintf(where + len, sizeof where - len, "%s%s(%s)", used ? "、" : "", depts[dept].name,
                 systems[sys].name);
        if (first == DAY_NONE)
            first = d;
        last = d;
        used++;
    }
    if (used == 0)
        return;
    truth_add(g, 0, "shared_id", "user", staff_id(g, s).s, first, last, "19;20;12;18",
              "職員%s(%s)のアカウントが他所属の端末で使用され、%sの業務を照会。初日は10時間超の"
              "連続ログオン(鴨川市型のID共用)",
              STAFF_DESC(g, s, first), where);
}

struct move_ctx {
    size_t s;
    uint16_t term;
    size_t n;
};

static void move_event(gen *g, bev *e, void *vctx)
{
    struct move_ctx *c = vctx;
    (void)g;
    if (e->staff == c->s) {
        e->term = c->term;
        c->n++;
    }
}

/* A private laptop: for one whole day a staff member works on a terminal the asset ledger does
 * not know; the day's own events and logons move to it. */
static void inj_unregistered(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    if (day == DAY_NONE)
        return;
    reserve(g, s);
    size_t nunreg = 0;
    for (size_t k = 0; k < g->ntm; k++)
        nunreg += !g->tm[k].registered;
    static const char an[] = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789";
    terminal *t = push_term(g);
    memcpy(t->name, "DESKTOP-", 8);
    for (size_t k = 0; k < 7; k++)
        t->name[8 + k] = an[rng_below(&g->ri, (uint32_t)(sizeof an - 1))];
    t->name[15] = '\0';
    t->dept = g->st[s].dept;
    t->special = 1;
    t->registered = 0;
    t->busy = 1;
    t->ip3 = 250; /* outside every department's subnet */
    t->ip4 = (uint8_t)(10 + nunreg % 240);
    const uint16_t term = (uint16_t)(g->ntm - 1);
    struct move_ctx c = {s, term, 0};
    each_event_of_day(g, day, move_event, &c);
    const size_t n = c.n, d = (size_t)(day - g->from);
    for (size_t e = g->day_tv[d]; e < g->day_tv[d + 1]; e++)
        if (g->tv[e].staff == s)
            g->tv[e].term = term;
    truth_add(g, 0, "unregistered_terminal", "terminal", t->name, day, day, "21",
              "端末台帳にない端末%s(10.10.250.%u)で職員%s(%s)が終日業務システムを利用(%zu件)",
              t->name, t->ip4, staff_id(g, s).s, depts[g->st[s].dept].name, n);
}

static void usb_copy(gen *g, size_t s, size_t term, size_t dev, int32_t day, int sec,
                     const char *file, uint64_t bytes, int nfiles)
{
    add_mv(g, s, term, dev, at(day, sec), MK_CONNECT, NULL, 0);
    for (int k = 0; k < nfiles; k++)
        add_mv(g, s, term, dev, at(day, sec + 20 + 40 * k), MK_COPY, file,
               bytes + (uint64_t)k * 7919);
    add_mv(g, s, term, dev, at(day, sec + 60 + 40 * nfiles + rng_range(&g->ri, 0, 300)),
           MK_DISCONNECT, NULL, 0);
}

static size_t unapproved_device(gen *g)
{
    size_t n = 0;
    for (size_t i = 0; i < NDEV; i++)
        n += devdefs[i].dept < 0;
    size_t k = rng_index(&g->ri, n);
    for (size_t i = 0; i < NDEV; i++)
        if (devdefs[i].dept < 0 && k-- == 0)
            return i;
    return NDEV - 1;
}

static int media_used(const gen *g, size_t term, int32_t day)
{
    for (size_t e = 0; e < g->nmv; e++)
        if (g->mv[e].term == term && g->mv[e].t / 86400 == day)
            return 1;
    return 0;
}

static void inj_usb_after_hours(gen *g, int hist)
{
    const size_t s = pick_staff(g, ok_has_device, NULL);
    int32_t lo, hi;
    incident_window(g, hist, &lo, &hi);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, lo, hi, 0);
    if (day == DAY_NONE || media_used(g, term_on(&g->st[s], day), day))
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t term = term_on(st, day), dept = dept_on(st, day), dev = device_of_dept(dept);
    const size_t sys = main_sys(dept, sect_on(st, day));
    const int sec = rng_range(&g->ri, 18 * 3600 + 45 * 60, 19 * 3600 + 30 * 60);
    char file[96];
    snprintf(file, sizeof file, "%s_対象者一覧_%s.xlsx", systems[sys].name, day_str(day).s);
    const int nfiles = rng_range(&g->ri, 1, 2);
    usb_copy(g, s, term, dev, day, sec, file, (uint64_t)rng_range(&g->ri, 200000, 3000000), nfiles);
    extend_session(g, s, day, sec + 900);
    truth_add(g, 0, "usb_after_hours", "terminal", g->tm[term].name, day, day, "22;1",
              "職員%s(%s)が時間外勤務命令のない%sに特定個人情報端末%sから承認済み媒体へ%sを書出し",
              STAFF_DESC(g, s, day), hm(sec).s, g->tm[term].name, file);
}

/* 釜石市型: a large export, then a private USB stick on the same terminal minutes later. */
static void inj_export_usb(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, 0);
    if (sec < 0)
        return;
    reserve(g, s);
    const staff *st = &g->st[s];
    const size_t term = term_on(st, day), sys = main_sys(st->dept, st->sect);
    const int fn = list_fn(g, sys, OP_EXPORT);
    const uint32_t cnt = (uint32_t)rng_range(&g->ri, 250, 900);
    if (fn >= 0)
        add_ev(g, s, term, sys, (size_t)fn, NONE32, at(day, sec), cnt, 0);
    const int usb = sec + rng_range(&g->ri, 120, 360);
    char file[96];
    snprintf(file, sizeof file, "%s_一覧_%s.csv", systems[sys].name, day_str(day).s);
    const size_t dev = unapproved_device(g);
    usb_copy(g, s, term, dev, day, usb, file, (uint64_t)cnt * 180 + rng_below(&g->ri, 5000), 1);
    truth_add(
        g, 0, "export_usb_chain", "user", staff_id(g, s).s, day, day, "24;22;23",
        "職員%s(%s)が%sで%u件を出力し、%d分後に同じ端末%sで未承認USBメモリ(%s)へ%sを複製(釜石市型)",
        STAFF_DESC(g, s, day), systems[sys].name, cnt, (usb - sec) / 60, g->tm[term].name,
        devdefs[dev].name, file);
}

static void inj_unapproved_device(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const size_t term = term_on(&g->st[s], day), dev = unapproved_device(g);
    char file[96];
    snprintf(file, sizeof file, "作業用_%s.xlsx", day_str(day).s);
    usb_copy(g, s, term, dev, day, sec, file, (uint64_t)rng_range(&g->ri, 300000, 2000000), 1);
    truth_add(g, 0, "unapproved_device", "terminal", g->tm[term].name, day, day, "23;22",
              "特定個人情報端末%sに未承認の私物USBメモリ(%s)が接続され%sを複製。職員%s(%s)",
              g->tm[term].name, devdefs[dev].name, file, STAFF_DESC(g, s, day));
}

static void inj_bulk_print(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_system_clerk, NULL);
    if (s == SIZE_MAX)
        return;
    const staff *st = &g->st[s];
    const size_t sys = main_sys(st->dept, st->sect);
    const int fn = list_fn(g, sys, OP_PRINT);
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, 0);
    if (sec < 0 || fn < 0 || !auth_of(st->dept, sys) || auth_of(st->dept, sys)->level != LV_ALL)
        return;
    reserve(g, s);
    const uint32_t cnt = (uint32_t)rng_range(&g->ri, 120, 350);
    add_ev(g, s, term_on(st, day), sys, (size_t)fn, NONE32, at(day, sec), cnt, 0);
    truth_add(g, 0, "bulk_print", "user", staff_id(g, s).s, day, day, "24",
              "職員%s(%s)が%sの「%s」で%u件を一括%s(承認記録なし)", STAFF_DESC(g, s, day),
              systems[sys].name, systems[sys].fn[fn].name, cnt,
              systems[sys].fn[fn].op == OP_PRINT ? "印刷" : "出力");
}

static int ok_shimin_any(const gen *g, size_t i, const void *ctx)
{
    (void)ctx;
    return g->st[i].dept == D_SHIMIN;
}

static void inj_mass_extract(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_shimin_any, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, 0);
    if (sec < 0)
        return;
    reserve(g, s);
    const uint32_t cnt = (uint32_t)g->npeople;
    bev *e =
        add_ev(g, s, term_on(&g->st[s], day), SYS_JUKI,
               (size_t)find_fn(SYS_JUKI, OP_EXTRACT, FC_EXTRACT), NONE32, at(day, sec), cnt, 0);
    e->note = NOTE_ERR + 10;
    truth_add(g, 0, "mass_extract", "user", staff_id(g, s).s, day, day, "25",
              "職員%s(%s)が住民基本台帳から全住民%u件を一括抽出(抽出条件: 全件)",
              STAFF_DESC(g, s, day), cnt);
}

static void inj_mynumber(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_juki_no_mynum, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (sec < 0)
        return;
    reserve(g, s);
    const int n = rng_range(&g->ri, 2, 4);
    int t = sec;
    for (int k = 0; k < n; k++) {
        add_ev(g, s, term_on(&g->st[s], day), SYS_JUKI,
               (size_t)find_fn(SYS_JUKI, OP_LOOKUP, FC_MYNUM), plain_subject(g, P_ALL, s),
               at(day, t), 1, 0);
        t += rng_range(&g->ri, 40, 400);
    }
    truth_add(g, 0, "mynumber_shown", "user", staff_id(g, s).s, day, day, "26",
              "個人番号利用事務の権限がない%sの職員%sが住民基本台帳の個人番号照会画面で住民%"
              "d名の個人番号を表示",
              depts[g->st[s].dept].name, staff_id(g, s).s, n);
}

static void inj_no_session(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_spare_in_dept, NULL);
    if (s == SIZE_MAX)
        return;
    const staff *st = &g->st[s];
    const size_t t2 = spare_terminal(g, st->dept);
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 1);
    const int sec = day == DAY_NONE ? -1 : safe_time(g, &g->ri, s, day, (int)rng_below(&g->ri, 2));
    if (t2 == SIZE_MAX || sec < 0)
        return;
    reserve(g, s);
    const size_t sys = main_sys(st->dept, st->sect);
    const int n = rng_range(&g->ri, 3, 6);
    add_lookups(g, s, t2, sys, day, sec, n, 40, 300, NONE32);
    truth_add(g, 0, "no_logon_session", "terminal", g->tm[t2].name, day, day, "28",
              "端末%sにログオン記録がないのに%sの操作ログに職員%s(%s)の照会%d件が記録",
              g->tm[t2].name, systems[sys].name, STAFF_DESC(g, s, day), n);
}

/* --- Hard negatives ---------------------------------------------------------------------- */

static void hn_busy_seasons(gen *g)
{
    static const struct {
        unsigned char dept, m0, d0, m1, d1;
        const char *what;
    } seasons[] = {
        {D_ZEIMU, 5, 1, 6, 30,
         "住民税当初課税期(5〜6月)で課全体の件数が通常の2〜3倍、時間外勤務命令あり"},
        {D_SHIMIN, 3, 20, 4, 30, "年度末・年度初めの異動期で課全体の件数が通常の1.5倍"},
        {D_KOSODATE, 6, 1, 6, 30, "児童手当現況届の時期(6月)で課全体の件数が通常の1.7倍"},
    };
    int y0, y1, m, d;
    ymd_of(g->from, &y0, &m, &d);
    ymd_of(g->to, &y1, &m, &d);
    for (size_t k = 0; k < 3; k++) {
        for (int y = y0; y <= y1; y++) {
            int32_t lo = day_of(y, seasons[k].m0, seasons[k].d0);
            int32_t hi = day_of(y, seasons[k].m1, seasons[k].d1);
            lo = lo < g->from ? g->from : lo;
            hi = hi > g->to ? g->to : hi;
            if (hi < lo)
                continue;
            for (size_t i = 0; i < g->nst; i++) {
                const staff *s = &g->st[i];
                if (dept_on(s, lo) != seasons[k].dept || !employed(s, lo))
                    continue;
                truth_add(g, 1, "busy_season", "user", staff_id(g, i).s, lo, hi, "3;1", "%s: %s",
                          depts[seasons[k].dept].name, seasons[k].what);
            }
        }
    }
    if (g->kenmu_to >= g->kenmu_from)
        for (size_t i = 0; i < g->nst; i++)
            if (g->st[i].dept == D_SENKYO && employed(&g->st[i], g->kenmu_from))
                truth_add(g, 1, "busy_season", "user", staff_id(g, i).s, g->kenmu_from, g->kenmu_to,
                          "3;1", "選挙管理委員会: 選挙(投票日%s)前で件数が通常の2.5倍",
                          day_str(g->elect_day).s);
}

static void hn_people(gen *g, const specials *sp)
{
    for (size_t i = 0; i < g->nst; i++) {
        const staff *s = &g->st[i];
        if (s->hired < g->from || s->hired > g->to)
            continue;
        truth_add(g, 1, "new_hire", "user", staff_id(g, i).s, s->hired,
                  s->hired + 29 > g->to ? g->to : s->hired + 29, "3",
                  "%sに%sへ採用された新規職員(過去の履歴なし、所属の標準的な利用)",
                  day_str(s->hired).s, depts[s->dept].name);
    }
    for (size_t k = 0; k < sp->nkenmu; k++) {
        const size_t i = sp->kenmu[k];
        truth_add(g, 1, "election_kenmu", "user", staff_id(g, i).s, g->kenmu_from, g->kenmu_to,
                  "12;20",
                  "%sの職員が選挙事務の兼務(assignments.csv)"
                  "で選挙管理委員会の端末から選挙人名簿管理を利用",
                  depts[g->st[i].dept].name);
    }
    for (size_t k = 0; k < sp->ntr_new; k++) {
        const size_t i = sp->tr_new[k];
        const staff *s = &g->st[i];
        truth_add(g, 1, "transfer_new_system", "user", staff_id(g, i).s, s->transferred, g->to,
                  "15;12",
                  "%sに%sから%sへ異動し、新所属のシステムのみを利用(旧所属のシステムは不使用)",
                  day_str(s->transferred).s, depts[s->prev_dept].name, depts[s->dept].name);
    }
    if (g->open_sunday != DAY_NONE)
        for (size_t i = 0; i < g->nst; i++)
            if (g->son[sd_index(g, i, g->open_sunday)] >= 0)
                truth_add(g, 1, "holiday_opening", "user", staff_id(g, i).s, g->open_sunday,
                          g->open_sunday, "2", "休日開庁日(calendar.csvで開庁)の%sの窓口業務",
                          depts[g->st[i].dept].name);
}

/* Approved late evenings: a long day with an overtime order to 21:30-22:00. */
static int ok_overtime(const gen *g, size_t i, const void *ctx)
{
    return ok_system_clerk(g, i, ctx) && g->st[i].dept != D_SHIMIN;
}

static void hn_overtime(gen *g, int hist)
{
    (void)hist;
    const size_t s = pick_staff(g, ok_overtime, NULL);
    if (s == SIZE_MAX)
        return;
    const int32_t day = pick_work_day(g, s, g->insp_from, g->to, 0);
    if (day == DAY_NONE)
        return;
    g->st[s].reserved = RS_SPECIAL; /* no incident on this staff member */
    const staff *st = &g->st[s];
    const size_t dept = dept_on(st, day), sect = sect_on(st, day), term = term_on(st, day);
    const int until = rng_pm(&g->ri, 500) ? 21 * 60 + 30 : 22 * 60;
    add_ot(g, s, day, HOURS_TO, until);
    dayplan p = {0};
    plan_add(&p, HOURS_TO + 15, until - 20);
    run_tasks(g, s, dept, sect, term, day, &p, (unsigned)rng_range(&g->ri, 12, 25), -1, 0);
    extend_session(g, s, day, (until - 10) * 60 + rng_range(&g->ri, 0, 500));
    truth_add(g, 1, "approved_overtime", "user", staff_id(g, s).s, day, day, "1",
              "職員%s(%s)が時間外勤務命令(17:15〜%s)に基づき夜まで通常業務", STAFF_DESC(g, s, day),
              hm(until * 60).s);
}

/* --- Training accounts (研修, item 27) ---------------------------------------------------------
 *
 * New hires practise on 住民基本台帳 with shared training accounts kenshu01..kenshu03, at the
 * training room's terminals KENSHU-PC01..03 (総務課, 10.10.240.x), on a set of fictitious
 * 宛名番号 (9900000001..) that the residents master does not list: the April new-hire training
 * when the period holds a baseline April 1, and the 中途採用 training at the start of the
 * inspection period, TRAIN_DAYS open days each (master/training.csv). Everything here draws
 * from its own stream (rt) and runs as the last injector, after every other incident has
 * chosen its staff, days and terminals, so adding the training moved nothing else. */

#define TRAIN_DAYS 10

static int32_t workday_from(const gen *g, int32_t d)
{
    while (d <= g->to && !is_workday(g, d))
        d++;
    return d <= g->to ? d : DAY_NONE;
}

static void train_plan(gen *g)
{
    static const char *const names[2] = {"新規採用職員研修", "中途採用職員研修"};
    const int32_t start[2] = {g->apr1 >= g->from && g->apr1 < g->insp_from ? g->apr1 : DAY_NONE,
                              g->mid};
    for (size_t k = 0; k < 2; k++) {
        const int32_t from = start[k] == DAY_NONE ? DAY_NONE : workday_from(g, start[k]);
        if (from == DAY_NONE)
            continue;
        int32_t to = from;
        for (int n = 1; n < TRAIN_DAYS; n++) {
            const int32_t next = workday_from(g, to + 1);
            if (next == DAY_NONE)
                break;
            to = next;
        }
        g->tr_from[g->ntr_periods] = from;
        g->tr_to[g->ntr_periods] = to;
        g->tr_name[g->ntr_periods++] = names[k];
    }
}

static void add_train_ev(gen *g, uint32_t who, size_t term, int fn, uint32_t res, int64_t t)
{
    bev *e = push_ev(g);
    e->t = t;
    e->seq = g->seq++;
    e->staff = who;
    e->term = (uint16_t)term;
    e->sys = SYS_JUKI;
    e->fn = (uint8_t)fn;
    e->res = res;
    e->count = 1;
    e->ms = (uint16_t)rng_below(&g->rt, 1000);
}

/* One exercise: maybe a search, one or two lookups of a fictitious resident, and usually the
 * processing practised on it (異動届, 転入届, 住民票の写し). Returns the time after it. */
static int64_t train_task(gen *g, uint32_t who, size_t term, int64_t t)
{
    rng *r = &g->rt;
    int fn;
    if (rng_pm(r, 300) && (fn = pick_fn(r, SYS_JUKI, FC_SEARCH)) >= 0) {
        add_train_ev(g, who, term, fn, NONE32, t);
        t += rng_range(r, 8, 40);
    }
    const uint32_t subj = FICT_BASE + rng_below(r, NFICT);
    const int nl = 1 + rng_pm(r, 400);
    for (int k = 0; k < nl; k++) {
        add_train_ev(g, who, term, pick_fn(r, SYS_JUKI, FC_LOOK), subj, t);
        t += rng_range(r, 10, 90);
    }
    if (rng_pm(r, 800) && (fn = pick_fn(r, SYS_JUKI, FC_PROC)) >= 0) {
        add_train_ev(g, who, term, fn, subj, t);
        t += rng_range(r, 30, 150);
    }
    return t;
}

/* A training day of account who: logged on at the training terminal from about 9:00 to 16:30,
 * exercises in 9:30-11:45 and 13:15-16:15. */
static void train_day(gen *g, uint32_t who, size_t term, int32_t day)
{
    rng *r = &g->rt;
    const int on = 9 * 3600 + rng_range(r, 0, 600);
    const int off = 16 * 3600 + 30 * 60 + rng_range(r, 0, 600);
    add_tv(g, who, term, at(day, on), TK_LOGON);
    add_tv(g, who, term, at(day, off), TK_LOGOFF);
    dayplan p = {0};
    plan_add(&p, 9 * 60 + 30, 11 * 60 + 45);
    plan_add(&p, 13 * 60 + 15, 16 * 60 + 15);
    const int n = rng_range(r, 12, 24);
    for (int k = 0; k < n; k++)
        train_task(g, who, term, at(day, plan_pick(&p, r)));
}

static void train_hn(gen *g, uint32_t who, size_t period, int32_t from, int32_t to)
{
    if (from > to)
        return;
    truth_add(g, 1, "training_fictitious", "user", train_account(g, who).s, from, to, "27;31",
              "研修用アカウント%sが%s(%s〜%s、training.csv)の研修で架空の宛名番号(%llu〜)により"
              "住民基本台帳を操作(職員マスタにないアカウント)",
              train_account(g, who).s, g->tr_name[period], day_str(g->tr_from[period]).s,
              day_str(g->tr_to[period]).s, FICT_ID0);
}

/* The period of the incident: the inspection period's training; SIZE_MAX if there is none. */
static size_t train_incident_period(const gen *g)
{
    const size_t p = g->ntr_periods - 1;
    return g->ntr_periods > 0 && g->tr_from[p] >= g->insp_from ? p : SIZE_MAX;
}

/* Terminals, the training days and, for the periods without the incident, their hard-negative
 * rows; once. */
static void train_setup(gen *g)
{
    if (g->tr_ready)
        return;
    g->tr_ready = 1;
    train_plan(g);
    const size_t incident_period = train_incident_period(g);
    for (size_t k = 0; k < NTRAIN; k++) {
        terminal *t = push_term(g);
        snprintf(t->name, sizeof t->name, "KENSHU-PC%02zu", k + 1);
        t->dept = D_SOMU;
        t->special = 1;
        t->registered = 1;
        t->busy = 1;
        t->ip3 = 240; /* outside every department's subnet */
        t->ip4 = (uint8_t)(11 + k);
        t->reg_on = g->from - 365;
        g->tr_term[k] = (uint16_t)(g->ntm - 1);
    }
    for (size_t p = 0; p < g->ntr_periods; p++) {
        for (int32_t d = g->tr_from[p]; d <= g->tr_to[p]; d++)
            for (size_t k = 0; k < NTRAIN && is_workday(g, d); k++)
                train_day(g, (uint32_t)(g->nst + k), g->tr_term[k], d);
        for (size_t k = 0; k < NTRAIN && p != incident_period; k++)
            train_hn(g, (uint32_t)(g->nst + k), p, g->tr_from[p], g->tr_to[p]);
    }
}

/* The incident: on one day of the inspection period's training, a training account looks up a
 * few real residents (an acquaintance, a "realistic" exercise) between its exercises. */
static void inj_training_real(gen *g, int hist)
{
    (void)hist;
    rng *r = &g->rt;
    const size_t pool = systems[SYS_JUKI].pool;
    train_setup(g);
    const size_t p = train_incident_period(g);
    if (p == SIZE_MAX || g->npool[pool] == 0)
        return;
    const uint32_t who = (uint32_t)g->nst + rng_below(r, NTRAIN);
    int32_t day = DAY_NONE;
    for (int tries = 0; tries < 100 && day == DAY_NONE; tries++) {
        const int32_t d =
            g->tr_from[p] + (int32_t)rng_below(r, (uint32_t)(g->tr_to[p] - g->tr_from[p] + 1));
        if (is_workday(g, d))
            day = d;
    }
    if (day == DAY_NONE)
        return;
    const size_t term = g->tr_term[who - g->nst];
    const int n = rng_range(r, 3, 5);
    int sec = rng_range(r, 10 * 3600, 11 * 3600 + 15 * 60);
    uint32_t got[5];
    size_t ngot = 0;
    for (int k = 0; k < n; k++) {
        uint32_t c = NONE32;
        for (int tries = 0; tries < 200 && c == NONE32; tries++) {
            const uint32_t x = g->pool[pool][rng_index(r, g->npool[pool])];
            int dup = g->res[x].flags != 0; /* no watch-list, DV-protected or corporate record */
            for (size_t j = 0; j < ngot && !dup; j++)
                dup = got[j] == x;
            if (!dup)
                c = x;
        }
        if (c == NONE32)
            break;
        got[ngot++] = c;
        add_train_ev(g, who, term, pick_fn(r, SYS_JUKI, FC_LOOK), c, at(day, sec));
        sec += rng_range(r, 60, 360);
    }
    if (ngot == 0)
        return;
    truth_add(g, 0, "training_real_resident", "user", train_account(g, who).s, day, day, "27",
              "研修用アカウント%sが%s(%s〜%s)の研修中に住民基本台帳で実在する住民%zu名を照会"
              "(研修用の架空の宛名番号ではない)",
              train_account(g, who).s, g->tr_name[p], day_str(g->tr_from[p]).s,
              day_str(g->tr_to[p]).s, ngot);
    for (size_t k = 0; k < NTRAIN; k++) {
        const uint32_t x = (uint32_t)(g->nst + k);
        if (x == who) {
            train_hn(g, x, p, g->tr_from[p], day - 1);
            train_hn(g, x, p, day + 1, g->tr_to[p]);
        } else {
            train_hn(g, x, p, g->tr_from[p], g->tr_to[p]);
        }
    }
}

/* The log gap: one system's rows of one open day are missing. The day and system are chosen so
 * no injected event is lost. */
static void inj_log_gap(gen *g, uint32_t base_seq)
{
    static const size_t cand[] = {SYS_KOSEKI, SYS_INKAN, SYS_FUHYO, SYS_KEIJI, SYS_HOJIN};
    for (int tries = 0; tries < 100; tries++) {
        const size_t sys = cand[rng_index(&g->ri, 5)];
        const int32_t day =
            g->insp_from + (int32_t)rng_below(&g->ri, (uint32_t)(g->to - g->insp_from + 1));
        if (!is_workday(g, day))
            continue;
        int clash = 0;
        for (size_t e = g->nev_base; e < g->nev && !clash; e++)
            clash = g->ev[e].seq >= base_seq && g->ev[e].sys == sys && g->ev[e].t / 86400 == day;
        if (clash)
            continue;
        g->gap_sys = (int)sys;
        g->gap_day = day;
        truth_add(g, 0, "log_gap", "system", systems[sys].name, day, day, "29",
                  "開庁日の%sの操作ログが1日分欠落(0件)", systems[sys].name);
        return;
    }
}

typedef struct injdef {
    const char *kind;
    void (*fn)(gen *g, int hist);
    unsigned per200; /* instances per 200 staff (at least one) */
    unsigned hist;   /* one more instance in the baseline history */
} injdef;

static const injdef injectors[] = {
    {"after_hours", inj_after_hours, 3, 1},
    {"night_access", inj_night, 2, 0},
    {"closed_day", inj_closed_day, 2, 1},
    {"bulk_lookup", inj_bulk_lookup, 1, 0},
    {"volume_spike", inj_spike, 2, 0},
    {"sustained_lookups", inj_sustained, 1, 0},
    {"lookup_burst", inj_burst, 2, 0},
    {"repeated_lookup", inj_repeated, 3, 0},
    {"many_staff", inj_many_staff, 1, 0},
    {"self_lookup", inj_self, 2, 0},
    {"family_lookup", inj_family, 2, 0},
    {"watchlist", inj_watch, 2, 0},
    {"dv_lookup", inj_dv, 1, 0},
    {"dv_issue", inj_dv_issue, 1, 0},
    {"out_of_role", inj_out_of_role, 2, 0},
    {"failed_logon_burst", inj_failed_burst, 2, 0},
    {"failed_logon_spray", inj_failed_spray, 1, 0},
    {"concurrent_logon", inj_concurrent, 2, 0},
    {"shared_id", inj_shared_id, 1, 0},
    {"unregistered_terminal", inj_unregistered, 1, 0},
    {"usb_after_hours", inj_usb_after_hours, 1, 1},
    {"export_usb_chain", inj_export_usb, 1, 0},
    {"unapproved_device", inj_unapproved_device, 1, 0},
    {"bulk_print", inj_bulk_print, 2, 0},
    {"mass_extract", inj_mass_extract, 1, 0},
    {"mynumber_shown", inj_mynumber, 2, 0},
    {"no_logon_session", inj_no_session, 1, 0},
    /* last, with its own random stream: the incidents above stay as they were; one per city
     * (per200 0), and it sets up the training accounts' normal activity too */
    {"training_real_resident", inj_training_real, 0, 0},
};

static void inject(gen *g, const specials *sp)
{
    const uint32_t base_seq = g->seq;
    const int history = g->insp_from - g->from >= 45;
    for (size_t k = 0; k < (g->nst >= 100 ? 2u : 1u); k++) { /* first, so incidents avoid them */
        const size_t before = g->ntr;
        for (int tries = 0; tries < 5 && g->ntr == before; tries++)
            hn_overtime(g, 0);
    }
    inj_retired(g, sp->ret);
    inj_transfer_old(g, sp->tr_old);
    inj_leave(g, sp->leave);
    for (size_t k = 0; k < sizeof injectors / sizeof injectors[0]; k++) {
        size_t n = injectors[k].per200 * g->nst / 200;
        if (n < 1)
            n = 1;
        /* an injector that finds no suitable staff member or day adds nothing; try again */
        for (size_t i = 0; i < n + (injectors[k].hist && history); i++) {
            const size_t before = g->ntr;
            for (int tries = 0; tries < 5 && g->ntr == before; tries++)
                injectors[k].fn(g, i == n);
        }
    }
    inj_log_gap(g, base_seq);
    hn_busy_seasons(g);
    hn_people(g, sp);
}

/* ---------------------------------------------------------------------------------------------
 * Writing: files, logs per layout, profiles, master data, manifest, truth, README.
 */

static int make_dir(const char *path, tk_error *err)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return TK_OK;
    return tk_error_set(err, TK_EIO, "cannot create directory %s: %s", path, strerror(errno));
}

/* Writes b (UTF-8) to out/rel in encoding enc. b is left intact. */
static int write_file(gen *g, const char *rel, const buf *b, int enc, tk_error *err)
{
    char path[4096];
    tk_enc_buf cp;
    int rc = TK_OK;
    const char *data = b->p ? b->p : "";
    size_t len = b->len;
    tk_enc_buf_init(&cp);
    if (b->oom)
        return tk_error_set(err, TK_ENOMEM, "out of memory while rendering %s", rel);
    if ((size_t)snprintf(path, sizeof path, "%s/%s", g->out, rel) >= sizeof path)
        return tk_error_set(err, TK_EINVAL, "output path too long: %s/%s", g->out, rel);
    if (enc == E_CP932) {
        rc = tk_enc_utf8_to_cp932(data, len, &cp, err);
        if (rc != TK_OK) {
            tk_error_prefix(err, "%s", rel);
            goto done;
        }
        data = cp.p ? cp.p : "";
        len = cp.len;
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        rc = tk_error_set(err, TK_EIO, "cannot create %s: %s", path, strerror(errno));
        goto done;
    }
    if (enc == E_UTF8_BOM)
        fwrite("\xEF\xBB\xBF", 1, 3, f);
    fwrite(data, 1, len, f);
    const int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        rc = tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(errno));
    g->files_total++;
done:
    tk_enc_buf_dispose(&cp);
    return rc;
}

static void manifest_add(gen *g, const char *file, const char *profile, const char *system, int enc,
                         size_t rows)
{
    mfrow *m = push_mf(g);
    snprintf(m->file, sizeof m->file, "%s", file);
    snprintf(m->profile, sizeof m->profile, "%s", profile);
    m->system = system;
    m->enc = (uint8_t)enc;
    m->rows = rows;
    g->rows_total += rows;
}

/* Small fixed-width formatting into a char array (no printf on the hot path). */
static char *w2(char *p, int v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

static char *w4(char *p, int v)
{
    p = w2(p, v / 100);
    return w2(p, v % 100);
}

static char *wstr(char *p, const char *s)
{
    const size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static char *wdate(char *p, int y, int m, int d, char sep)
{
    p = w4(p, y);
    if (sep)
        *p++ = sep;
    p = w2(p, m);
    if (sep)
        *p++ = sep;
    return w2(p, d);
}

static char *wtime(char *p, int sec, char sep)
{
    p = w2(p, sec / 3600);
    if (sep)
        *p++ = sep;
    p = w2(p, sec / 60 % 60);
    if (sep)
        *p++ = sep;
    return w2(p, sec % 60);
}

static char *wnum(char *p, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *p++ = tmp[--n];
    return p;
}

static const char *note_text(int note)
{
    static const char *const inc_notes[] = {"抽出条件: 全件"};
    if (note >= NOTE_ERR + 10)
        return inc_notes[0];
    if (note >= NOTE_ERR)
        return err_notes[note - NOTE_ERR];
    return notes[note < (int)NNOTES ? note : 0];
}

static void put_name(buf *b, const staff *s)
{
    puts_(b, surnames[s->sur].kanji);
    puts_(b, "　");
    puts_(b, s->sex ? given_f[s->given].kanji : given_m[s->given].kanji);
}

/* Writes the date and/or time of one column of kind (K_DATETIME, K_DATE, K_TIME) in the
 * layout's style at p; returns the end. JST throughout; ISO 8601 carries +09:00. */
static char *put_when(char *p, const layoutdef *L, int kind, int32_t day, int sec, int ms)
{
    int y, m, d;
    ymd_of(day, &y, &m, &d);
    if (kind == K_TIME)
        return wtime(p, sec, ':');
    if (kind == K_DATE && L->tstyle == T_WAREKI) { /* 令和: R06.10.01 */
        *p++ = 'R';
        p = w2(p, y - 2018);
        *p++ = '.';
        p = w2(p, m);
        *p++ = '.';
        return w2(p, d);
    }
    if (kind == K_DATE)
        return wdate(p, y, m, d, '-');
    switch (L->tstyle) {
    case T_SLASH: /* 2024/10/01 09:15:02 */
        p = wdate(p, y, m, d, '/');
        *p++ = ' ';
        return wtime(p, sec, ':');
    case T_COMPACT: /* 20241001091502 */
        return wtime(wdate(p, y, m, d, 0), sec, 0);
    case T_ISO: /* 2024-10-01T09:15:02+09:00 */
        p = wdate(p, y, m, d, '-');
        *p++ = 'T';
        return wstr(wtime(p, sec, ':'), "+09:00");
    default: /* T_MILLIS: 2024-10-01 09:15:02.123 */
        p = wdate(p, y, m, d, '-');
        *p++ = ' ';
        p = wtime(p, sec, ':');
        *p++ = '.';
        return wnum(p, (uint64_t)ms, 3);
    }
}

static void render_ev(const gen *g, buf *b, const layoutdef *L, const bev *e)
{
    const int32_t day = (int32_t)(e->t / 86400);
    const int sec = (int)(e->t % 86400);
    /* a training account: its name in every layout, 総務課 (which runs the training) */
    const int trainee = is_trainee(g, e->staff);
    const staff *s = trainee ? NULL : &g->st[e->staff];
    const terminal *tm = &g->tm[e->term];
    const fndef *fn = &systems[e->sys].fn[e->fn];
    for (size_t c = 0; c < L->ncols; c++) {
        char tmp[160], *p = tmp;
        const char *text = NULL;
        if (c)
            putch(b, ',');
        switch (L->cols[c].kind) {
        case K_DATETIME:
        case K_DATE:
        case K_TIME:
            p = put_when(p, L, L->cols[c].kind, day, sec, e->ms);
            break;
        case K_USER:
            if (trainee) {
                p = wstr(p, train_account(g, e->staff).s);
                break;
            }
            if (L->ustyle == U_ACCOUNT)
                *p++ = 'c';
            p = wnum(p, s->id, L->ustyle == U_PADDED8 ? 8 : 6);
            break;
        case K_UNAME:
            if (trainee)
                snprintf(tmp, sizeof tmp, "研修用%02u", e->staff - (uint32_t)g->nst + 1);
            else
                snprintf(tmp, sizeof tmp, "%s　%s", surnames[s->sur].kanji,
                         s->sex ? given_f[s->given].kanji : given_m[s->given].kanji);
            text = tmp;
            break;
        case K_DEPT:
            text = depts[trainee ? D_SOMU : dept_on(s, day)].name;
            break;
        case K_TERM:
            if (L->term_ip) {
                p = wstr(p, "10.10.");
                p = wnum(p, tm->ip3, 1);
                *p++ = '.';
                p = wnum(p, tm->ip4, 1);
            } else {
                text = tm->name;
            }
            break;
        case K_GYOMU:
            text = systems[e->sys].gyomu;
            break;
        case K_FNID:
            text = fn->id;
            break;
        case K_FNNAME:
            text = fn->name;
            break;
        case K_OP:
            text = L->opw[fn->op];
            break;
        case K_SUBJ:
            if (e->res != NONE32)
                p = wnum(p, res_number(g, e->res), 10);
            break;
        case K_COUNT:
            p = wnum(p, e->count, 1);
            break;
        case K_MYNUM:
            text = e->flags & BF_MYNUM ? L->my_yes : L->my_no;
            break;
        case K_RESULT:
            text = e->flags & BF_FAIL ? L->res_ng : L->res_ok;
            break;
        default:
            text = note_text(e->note);
            break;
        }
        if (text == NULL) {
            *p = '\0';
            text = tmp;
        }
        putcsv(b, text, L->quote_all);
    }
    puts_(b, L->crlf ? "\r\n" : "\n");
}

static int cmp_bev(const void *pa, const void *pb)
{
    const bev *a = pa, *b = pb;
    if (a->sys != b->sys)
        return a->sys < b->sys ? -1 : 1;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_tev(const void *pa, const void *pb)
{
    const tev *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int cmp_mev(const void *pa, const void *pb)
{
    const mev *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void put_header(buf *b, const layoutdef *L)
{
    for (size_t c = 0; c < L->ncols; c++) {
        if (c)
            putch(b, ',');
        putcsv(b, L->cols[c].name, L->quote_all);
    }
    puts_(b, L->crlf ? "\r\n" : "\n");
}

static void profile_name(size_t sys, char *out, size_t cap)
{
    snprintf(out, cap, "%s-%s", systems[sys].code, layouts[systems[sys].layout].vendor);
}

/* Calls fn for each calendar month of the period with its first and last day. */
typedef int (*month_fn)(gen *g, int32_t lo, int32_t hi, void *ctx, tk_error *err);

static int each_month(gen *g, month_fn fn, void *ctx, tk_error *err)
{
    int32_t lo = g->from;
    while (lo <= g->to) {
        int y, m, d;
        ymd_of(lo, &y, &m, &d);
        int32_t hi = day_of(y, m, tk_days_in_month(y, m));
        if (hi > g->to)
            hi = g->to;
        const int rc = fn(g, lo, hi, ctx, err);
        if (rc != TK_OK)
            return rc;
        lo = hi + 1;
    }
    return TK_OK;
}

typedef struct logctx {
    size_t sys, next; /* next: index into the sorted array */
    buf b;
} logctx;

static int business_month(gen *g, int32_t lo, int32_t hi, void *vctx, tk_error *err)
{
    logctx *c = vctx;
    const layoutdef *L = &layouts[systems[c->sys].layout];
    char rel[64], prof[40];
    int y, m, d;
    ymd_of(lo, &y, &m, &d);
    snprintf(rel, sizeof rel, "logs/%s_%04d-%02d.csv", systems[c->sys].code, y, m);
    c->b.len = 0;
    put_header(&c->b, L);
    size_t rows = 0;
    while (c->next < g->nev && g->ev[c->next].sys == c->sys && g->ev[c->next].t < at(hi + 1, 0)) {
        const bev *e = &g->ev[c->next++];
        if (e->t < at(lo, 0) || ((int)e->sys == g->gap_sys && e->t / 86400 == g->gap_day))
            continue;
        render_ev(g, &c->b, L, e);
        rows++;
    }
    profile_name(c->sys, prof, sizeof prof);
    manifest_add(g, rel, prof, systems[c->sys].name, L->enc, rows);
    return write_file(g, rel, &c->b, L->enc, err);
}

static int write_business_logs(gen *g, tk_error *err)
{
    logctx c = {0};
    int rc = TK_OK;
    qsort(g->ev, g->nev, sizeof *g->ev, cmp_bev);
    for (size_t sys = 0; sys < SYS_COUNT && rc == TK_OK; sys++) {
        c.sys = sys;
        while (c.next < g->nev && g->ev[c.next].sys < sys)
            c.next++;
        rc = each_month(g, business_month, &c, err);
    }
    buf_free(&c.b);
    return rc;
}

static void put_ip(buf *b, const terminal *t)
{
    puts_(b, "10.10.");
    putnum(b, t->ip3, 1);
    putch(b, '.');
    putnum(b, t->ip4, 1);
}

typedef struct tctx {
    size_t next;
    buf b;
} tctx;

static int logon_month(gen *g, int32_t lo, int32_t hi, void *vctx, tk_error *err)
{
    static const char *const ev_id[] = {"4624", "4634", "4625"};
    static const char *const ev_name[] = {"ログオン", "ログオフ", "ログオン失敗"};
    tctx *c = vctx;
    char rel[64];
    int y, m, d;
    ymd_of(lo, &y, &m, &d);
    snprintf(rel, sizeof rel, "logs/terminal_logon_%04d-%02d.csv", y, m);
    c->b.len = 0;
    puts_(&c->b,
          "日付,時刻,コンピュータ名,ユーザー名,イベントID,イベント,ログオン種別,IPアドレス\r\n");
    size_t rows = 0;
    while (c->next < g->ntv && g->tv[c->next].t < at(hi + 1, 0)) {
        const tev *e = &g->tv[c->next++];
        const int32_t day = (int32_t)(e->t / 86400);
        char tmp[64], *p;
        ymd_of(day, &y, &m, &d);
        p = wdate(tmp, y % 100 + 2000, m, d, '/'); /* then drop the century */
        *p++ = ',';
        p = wtime(p, (int)(e->t % 86400), ':');
        *p = '\0';
        puts_(&c->b, tmp + 2);
        putch(&c->b, ',');
        puts_(&c->b, g->tm[e->term].name);
        if (is_trainee(g, e->staff)) {
            puts_(&c->b, ",CITYHALL\\");
            puts_(&c->b, train_account(g, e->staff).s);
        } else {
            puts_(&c->b, ",CITYHALL\\c");
            putnum(&c->b, g->st[e->staff].id, 6);
        }
        putch(&c->b, ',');
        puts_(&c->b, ev_id[e->kind]);
        putch(&c->b, ',');
        puts_(&c->b, ev_name[e->kind]);
        puts_(&c->b, ",2,");
        put_ip(&c->b, &g->tm[e->term]);
        puts_(&c->b, "\r\n");
        rows++;
    }
    manifest_add(g, rel, "terminal-logon", "端末", E_CP932, rows);
    return write_file(g, rel, &c->b, E_CP932, err);
}

static int media_month(gen *g, int32_t lo, int32_t hi, void *vctx, tk_error *err)
{
    static const char *const op[] = {"デバイス接続", "デバイス切断", "ファイルコピー",
                                     "ファイル移動"};
    tctx *c = vctx;
    char rel[64];
    int y, m, d;
    ymd_of(lo, &y, &m, &d);
    snprintf(rel, sizeof rel, "logs/media_%04d-%02d.csv", y, m);
    c->b.len = 0;
    puts_(&c->b, "日時,コンピュータ名,IPアドレス,ログオンユーザー,操作,ファイル名,書込先,サイズ,"
                 "デバイス名,シリアル番号\n");
    size_t rows = 0;
    while (c->next < g->nmv && g->mv[c->next].t < at(hi + 1, 0)) {
        const mev *e = &g->mv[c->next++];
        char tmp[64], *p;
        ymd_of((int32_t)(e->t / 86400), &y, &m, &d);
        p = wdate(tmp, y, m, d, '-');
        *p++ = 'T';
        p = wtime(p, (int)(e->t % 86400), ':');
        *p = '\0';
        puts_(&c->b, tmp);
        putch(&c->b, ',');
        puts_(&c->b, g->tm[e->term].name);
        putch(&c->b, ',');
        put_ip(&c->b, &g->tm[e->term]);
        puts_(&c->b, ",CITYHALL\\c");
        putnum(&c->b, g->st[e->staff].id, 6);
        putch(&c->b, ',');
        puts_(&c->b, op[e->kind]);
        putch(&c->b, ',');
        if (e->kind == MK_COPY || e->kind == MK_MOVE) {
            char dest[112];
            snprintf(dest, sizeof dest, "E:\\%s", e->file);
            putcsv(&c->b, e->file, 0);
            putch(&c->b, ',');
            putcsv(&c->b, dest, 0);
            putch(&c->b, ',');
            putnum(&c->b, e->bytes, 1);
        } else {
            puts_(&c->b, ",,");
        }
        putch(&c->b, ',');
        puts_(&c->b, devdefs[e->dev].name);
        putch(&c->b, ',');
        puts_(&c->b, g->dev[e->dev].serial);
        putch(&c->b, '\n');
        rows++;
    }
    manifest_add(g, rel, "media-usb", "端末", E_UTF8_BOM, rows);
    return write_file(g, rel, &c->b, E_UTF8_BOM, err);
}

static int write_terminal_logs(gen *g, tk_error *err)
{
    tctx c = {0};
    qsort(g->tv, g->ntv, sizeof *g->tv, cmp_tev);
    qsort(g->mv, g->nmv, sizeof *g->mv, cmp_mev);
    int rc = each_month(g, logon_month, &c, err);
    c.next = 0;
    if (rc == TK_OK)
        rc = each_month(g, media_month, &c, err);
    buf_free(&c.b);
    return rc;
}

/* --- Profiles ---------------------------------------------------------------------------- */

static void json_kv(buf *b, const char *indent, const char *k, const char *v, int comma)
{
    puts_(b, indent);
    putjson(b, k);
    puts_(b, ": ");
    putjson(b, v);
    puts_(b, comma ? ",\n" : "\n");
}

static const char *col_named(const layoutdef *L, int kind)
{
    for (size_t c = 0; c < L->ncols; c++)
        if (L->cols[c].kind == kind)
            return L->cols[c].name;
    return NULL;
}

static void field_col(buf *b, const char *key, const char *col, const char *extra, int comma)
{
    puts_(b, "    ");
    putjson(b, key);
    puts_(b, ": { \"column\": ");
    putjson(b, col);
    if (extra) {
        puts_(b, ", ");
        puts_(b, extra);
    }
    puts_(b, comma ? " },\n" : " }\n");
}

/* A "map" object: pairs k[i] -> v[i] (i < n); pairs with an empty key are skipped. */
static void put_map(buf *b, const char *const *k, const char *const *v, size_t n)
{
    puts_(b, "\"map\": { ");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (k[i] == NULL || !*k[i])
            continue;
        if (!first)
            puts_(b, ", ");
        putjson(b, k[i]);
        puts_(b, ": ");
        putjson(b, v[i]);
        first = 0;
    }
    puts_(b, " }");
}

static void profile_head(buf *b, const char *name, const char *desc, const char *glob,
                         const char *const *hdr, size_t nhdr, const char *enc, const char *system)
{
    puts_(b, "{\n");
    json_kv(b, "  ", "profile", name, 1);
    puts_(b, "  \"version\": 1,\n");
    json_kv(b, "  ", "description", desc, 1);
    puts_(b, "  \"match\": {\n");
    json_kv(b, "    ", "filename", glob, 1);
    puts_(b, "    \"header\": [");
    for (size_t i = 0; i < nhdr; i++) {
        if (i)
            puts_(b, ", ");
        putjson(b, hdr[i]);
    }
    puts_(b, "]\n  },\n");
    json_kv(b, "  ", "encoding", enc, 1);
    puts_(b, "  \"header\": true,\n  \"system\": { \"value\": ");
    putjson(b, system);
    puts_(b, " },\n  \"fields\": {\n");
}

static void time_field(buf *b, const layoutdef *L)
{
    static const char *const fmt[] = {"YYYY/MM/DD hh:mm:ss", "iso8601",
                                      "YYYY-MM-DD",          "YYYYMMDDhhmmss",
                                      "Gee.MM.DD",           "YYYY-MM-DD hh:mm:ss.SSS"};
    if (L->tstyle == T_SPLIT_DASH || L->tstyle == T_WAREKI) {
        puts_(b, "    \"time\": { \"date\": { \"column\": ");
        putjson(b, col_named(L, K_DATE));
        puts_(b, ", \"format\": ");
        putjson(b, fmt[L->tstyle]);
        puts_(b, " },\n              \"time\": { \"column\": ");
        putjson(b, col_named(L, K_TIME));
        puts_(b, ", \"format\": \"hh:mm:ss\" } },\n");
        return;
    }
    buf x = {0};
    puts_(&x, "\"format\": ");
    putjson(&x, fmt[L->tstyle]);
    putch(&x, '\0');
    field_col(b, "time", col_named(L, K_DATETIME), x.oom ? "" : x.p, 1);
    buf_free(&x);
}

static void business_profile(buf *b, size_t sys)
{
    const sysdef *sd = &systems[sys];
    const layoutdef *L = &layouts[sd->layout];
    const char *hdr[16], *k[16], *v[16];
    char name[40], glob[40], desc[200];
    for (size_t c = 0; c < L->ncols; c++)
        hdr[c] = L->cols[c].name;
    profile_name(sys, name, sizeof name);
    snprintf(glob, sizeof glob, "%s_*.csv", sd->code);
    snprintf(desc, sizeof desc, "%s 操作ログ (%s)", sd->name, L->desc);
    profile_head(b, name, desc, glob, hdr, L->ncols, enc_name[L->enc], sd->name);
    time_field(b, L);
    field_col(b, "user", col_named(L, K_USER),
              L->ustyle == U_PADDED8
                  ? "\"transform\": [{\"regex\": \"^0*([1-9][0-9]*)$\"}], \"resolve\": \"staff\""
                  : "\"resolve\": \"staff\"",
              1);
    field_col(b, "terminal", col_named(L, K_TERM), "\"resolve\": \"terminal\"", 1);
    buf x = {0};
    size_t n = 0;
    if (L->opw) {
        for (size_t op = 0; op < OP_COUNT; op++, n++) {
            k[n] = L->opw[op];
            v[n] = op_canon[op];
        }
        put_map(&x, k, v, n);
        putch(&x, '\0');
        field_col(b, "operation", col_named(L, K_OP), x.p, 1);
    } else {
        for (size_t f = 0; f < sd->nfn; f++, n++) {
            k[n] = sd->fn[f].name;
            v[n] = op_canon[sd->fn[f].op];
        }
        put_map(&x, k, v, n);
        putch(&x, '\0');
        field_col(b, "operation", col_named(L, K_FNNAME), x.p, 1);
    }
    const char *fcol = col_named(L, K_FNNAME) ? col_named(L, K_FNNAME) : col_named(L, K_FNID);
    field_col(b, "function", fcol, NULL, 1);
    field_col(b, "subject", col_named(L, K_SUBJ), "\"optional\": true", 1);
    if (col_named(L, K_RESULT)) {
        static const char *const rv[] = {"success", "failure"};
        const char *rk[] = {L->res_ok, L->res_ng};
        x.len = 0;
        put_map(&x, rk, rv, 2);
        putch(&x, '\0');
        field_col(b, "result", col_named(L, K_RESULT), x.p, 1);
    }
    if (col_named(L, K_COUNT))
        field_col(b, "count", col_named(L, K_COUNT), "\"default\": \"1\"", 1);
    if (col_named(L, K_MYNUM)) {
        static const char *const mv[] = {"1", "0"};
        const char *mk[] = {L->my_yes, L->my_no};
        x.len = 0;
        put_map(&x, mk, mv, 2);
        /* an empty cell takes the default, which goes through the map like a cell value */
        puts_(&x, ", \"unmapped\": \"0\", \"default\": \"0\"");
        putch(&x, '\0');
        field_col(b, "mynumber", col_named(L, K_MYNUM), x.p, 1);
    }
    if (col_named(L, K_NOTE))
        field_col(b, "detail", col_named(L, K_NOTE), "\"optional\": true", 0);
    else { /* no 備考: drop the last field's comma */
        b->len -= 2;
        puts_(b, "\n");
    }
    puts_(b, "  }\n}\n");
    if (x.oom)
        b->oom = 1;
    buf_free(&x);
}

static int write_profiles(gen *g, tk_error *err)
{
    buf b = {0};
    char rel[80], name[40];
    int rc = TK_OK;
    for (size_t sys = 0; sys < SYS_COUNT && rc == TK_OK; sys++) {
        b.len = 0;
        business_profile(&b, sys);
        profile_name(sys, name, sizeof name);
        snprintf(rel, sizeof rel, "profiles/%s.json", name);
        rc = write_file(g, rel, &b, E_UTF8, err);
    }
    static const char *const th[] = {"日付",       "時刻",     "コンピュータ名", "ユーザー名",
                                     "イベントID", "イベント", "ログオン種別",   "IPアドレス"};
    static const char *const mh[] = {
        "日時",       "コンピュータ名", "IPアドレス", "ログオンユーザー", "操作",
        "ファイル名", "書込先",         "サイズ",     "デバイス名",       "シリアル番号"};
    if (rc == TK_OK) {
        b.len = 0;
        profile_head(&b, "terminal-logon",
                     "資産管理ツール ログオン・ログオフ履歴 (CP932, CRLF, 日付 YY/MM/DD + 時刻)",
                     "terminal_logon_*.csv", th, 8, "cp932", "端末");
        puts_(&b,
              "    \"time\": { \"date\": { \"column\": \"日付\", \"format\": \"YY/MM/DD\" },\n"
              "              \"time\": { \"column\": \"時刻\", \"format\": \"hh:mm:ss\" } },\n"
              "    \"user\": { \"column\": \"ユーザー名\", \"transform\": [{\"strip_domain\": "
              "true}], \"resolve\": \"staff\" },\n"
              "    \"terminal\": { \"column\": \"コンピュータ名\", \"resolve\": \"terminal\" },\n"
              "    \"terminal_address\": { \"column\": \"IPアドレス\", \"optional\": true },\n"
              "    \"operation\": { \"column\": \"イベントID\",\n"
              "                   \"map\": { \"4624\": \"logon\", \"4625\": \"logon_failure\", "
              "\"4634\": \"logoff\" } },\n"
              "    \"result\": { \"column\": \"イベントID\", \"map\": { \"4625\": \"failure\" }, "
              "\"unmapped\": \"success\" },\n"
              "    \"detail\": { \"column\": \"イベント\", \"optional\": true }\n  }\n}\n");
        rc = write_file(g, "profiles/terminal-logon.json", &b, E_UTF8, err);
    }
    if (rc == TK_OK) {
        b.len = 0;
        profile_head(&b, "media-usb",
                     "可搬媒体制御ログ: デバイス接続・切断、USBメモリへのファイルコピー・移動 "
                     "(UTF-8 BOM付き, LF, ISO 8601)",
                     "media_*.csv", mh, 10, "utf-8-bom", "端末");
        puts_(&b,
              "    \"time\": { \"column\": \"日時\", \"format\": \"iso8601\" },\n"
              "    \"user\": { \"column\": \"ログオンユーザー\", \"transform\": "
              "[{\"strip_domain\": true}], \"resolve\": \"staff\" },\n"
              "    \"terminal\": { \"column\": \"コンピュータ名\", \"resolve\": \"terminal\" },\n"
              "    \"operation\": { \"column\": \"操作\", \"map\": { \"ファイルコピー\": "
              "\"media_copy\", \"ファイル移動\": \"media_move\",\n"
              "                                       \"デバイス接続\": \"device_connect\", "
              "\"デバイス切断\": \"device_disconnect\" } },\n"
              "    \"file\": { \"column\": \"ファイル名\", \"optional\": true },\n"
              "    \"bytes\": { \"column\": \"サイズ\", \"optional\": true },\n"
              "    \"device\": { \"column\": \"デバイス名\", \"optional\": true },\n"
              "    \"serial\": { \"column\": \"シリアル番号\", \"optional\": true },\n"
              "    \"detail\": { \"column\": \"書込先\", \"optional\": true }\n  }\n}\n");
        rc = write_file(g, "profiles/media-usb.json", &b, E_UTF8, err);
    }
    buf_free(&b);
    return rc;
}

/* --- Master data --------------------------------------------------------------------------- */

static void put_day(buf *b, int32_t day, char sep)
{
    if (day == DAY_NONE)
        return;
    int y, m, d;
    char tmp[16];
    ymd_of(day, &y, &m, &d);
    *wdate(tmp, y, m, d, sep) = '\0';
    puts_(b, tmp);
}

/* 和暦 long form as an asset ledger writes it: 令和6年4月1日, 令和元年5月7日, 平成31年4月1日. */
static void put_wareki_long(buf *b, int32_t day)
{
    int y, m, d;
    ymd_of(day, &y, &m, &d);
    const int reiwa = day >= day_of(2019, 5, 1);
    const int ey = reiwa ? y - 2018 : y - 1988;
    puts_(b, reiwa ? "令和" : "平成");
    if (ey == 1)
        puts_(b, "元");
    else
        putnum(b, (uint64_t)ey, 1);
    puts_(b, "年");
    putnum(b, (uint64_t)m, 1);
    puts_(b, "月");
    putnum(b, (uint64_t)d, 1);
    puts_(b, "日");
}

static void put_kana(buf *b, size_t sur, size_t given, int sex)
{
    puts_(b, surnames[sur].kana);
    puts_(b, "　");
    puts_(b, sex ? given_f[given].kana : given_m[given].kana);
}

static void put_res(buf *b, const gen *g, uint32_t r)
{
    putnum(b, g->res[r].id, 10);
}

static int write_staff(gen *g, tk_error *err)
{
    buf b = {0};
    puts_(&b, "職員ID,氏名,氏名カナ,所属,係,在職区分,採用日,異動日,前所属,退職日,アカウント,"
              "休職期間,本人宛名番号,世帯宛名番号\r\n");
    for (size_t i = 0; i < g->nst; i++) {
        const staff *s = &g->st[i];
        putnum(&b, s->id, 6);
        putch(&b, ',');
        put_name(&b, s);
        putch(&b, ',');
        put_kana(&b, s->sur, s->given, s->sex);
        putch(&b, ',');
        puts_(&b, depts[s->dept].name);
        putch(&b, ',');
        puts_(&b, sect_def(s->dept, s->sect)->name);
        putch(&b, ',');
        const int retired = s->retired != DAY_NONE && s->retired <= g->to;
        const int on_leave =
            s->leave_from != DAY_NONE && s->leave_from <= g->to && s->leave_to >= g->to;
        puts_(&b, retired ? "退職" : on_leave ? "休職" : "在職");
        putch(&b, ',');
        put_day(&b, s->hired, '/');
        putch(&b, ',');
        put_day(&b, s->transferred, '/');
        putch(&b, ',');
        if (s->prev_dept != 0xFF)
            puts_(&b, depts[s->prev_dept].name);
        putch(&b, ',');
        put_day(&b, s->retired, '/');
        puts_(&b, ",c");
        putnum(&b, s->id, 6);
        putch(&b, ',');
        if (s->leave_from != DAY_NONE) {
            put_day(&b, s->leave_from, '/');
            putch(&b, '-');
            put_day(&b, s->leave_to, '/');
        }
        putch(&b, ',');
        if (s->own_res != NONE32) {
            put_res(&b, g, s->own_res);
            putch(&b, ',');
            const household *h = &g->hh[g->res[s->own_res].hh];
            int first = 1;
            for (uint32_t r = h->first; r < h->first + h->n; r++) {
                if (r == s->own_res)
                    continue;
                if (!first)
                    putch(&b, ';');
                put_res(&b, g, r);
                first = 0;
            }
        } else {
            putch(&b, ',');
        }
        puts_(&b, "\r\n");
    }
    const int rc = write_file(g, "master/staff.csv", &b, E_CP932, err);
    buf_free(&b);
    return rc;
}

/* The terminal master in an asset ledger's own layout; terminals.map.json maps it. */
static int write_terminals(gen *g, tk_error *err)
{
    buf b = {0};
    puts_(&b, "資産番号,ホスト名,設置部署,IPアドレス,端末区分,OS,導入日\r\n");
    for (size_t i = 0; i < g->ntm; i++) {
        const terminal *t = &g->tm[i];
        if (!t->registered)
            continue;
        puts_(&b, "PC-");
        putnum(&b, 10001 + i, 5);
        putch(&b, ',');
        puts_(&b, t->name);
        putch(&b, ',');
        puts_(&b, depts[t->dept].name);
        putch(&b, ',');
        put_ip(&b, t);
        putch(&b, ',');
        puts_(&b, t->special ? "個人番号利用事務系" : "LGWAN接続系");
        putch(&b, ',');
        puts_(&b, t->reg_on >= day_of(2021, 4, 1) ? "Windows 11 Pro" : "Windows 10 Enterprise");
        putch(&b, ',');
        put_wareki_long(&b, t->reg_on);
        puts_(&b, "\r\n");
    }
    int rc = write_file(g, "master/terminals.csv", &b, E_UTF8_BOM, err);
    b.len = 0;
    puts_(&b, "{\n"
              "  \"profile\": \"terminals-asset-ledger\",\n"
              "  \"version\": 1,\n"
              "  \"description\": \"資産管理台帳(端末)の書出し: "
              "列名・列順・区分値・和暦の導入日を端末マスタに対応付け\",\n"
              "  \"encoding\": \"utf-8-bom\",\n"
              "  \"header\": true,\n"
              "  \"fields\": {\n"
              "    \"terminal\": { \"column\": \"ホスト名\" },\n"
              "    \"ip\": { \"column\": \"IPアドレス\" },\n"
              "    \"dept\": { \"column\": \"設置部署\" },\n"
              "    \"kind\": { \"column\": \"端末区分\", \"map\": { \"個人番号利用事務系\": "
              "\"特定個人情報\", "
              "\"LGWAN接続系\": \"一般\" } },\n"
              "    \"registered_on\": { \"column\": \"導入日\", \"format\": \"GGGe年M月D日\" }\n"
              "  }\n"
              "}\n");
    if (rc == TK_OK)
        rc = write_file(g, "master/terminals.map.json", &b, E_UTF8, err);
    buf_free(&b);
    return rc;
}

static int cmp_ot(const void *pa, const void *pb)
{
    const otrow *a = pa, *b = pb;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    if (a->staff != b->staff)
        return a->staff < b->staff ? -1 : 1;
    return a->from < b->from ? -1 : a->from > b->from;
}

static void put_hhmm(buf *b, int minutes)
{
    putnum(b, (uint64_t)(minutes / 60), 2);
    putch(b, ':');
    putnum(b, (uint64_t)(minutes % 60), 2);
}

static void master_authorizations(gen *g, buf *b)
{
    (void)g;
    puts_(b, "所属,システム,権限,機能,個人番号利用\n");
    for (size_t i = 0; i < sizeof auths / sizeof auths[0]; i++) {
        puts_(b, depts[auths[i].dept].name);
        putch(b, ',');
        puts_(b, systems[auths[i].sys].name);
        putch(b, ',');
        puts_(b, auths[i].level == LV_ALL ? "全て" : "照会");
        puts_(b, ",,");
        puts_(b, auths[i].mynum ? "可\n" : "不可\n");
    }
}

static void master_assignments(gen *g, buf *b)
{
    puts_(b, "職員ID,兼務先所属,システム,開始日,終了日\n");
    for (size_t i = 0; i < g->nasg; i++) {
        const asgrow *a = &g->asg[i];
        putnum(b, g->st[a->staff].id, 6);
        putch(b, ',');
        puts_(b, depts[a->dept].name);
        putch(b, ',');
        puts_(b, systems[a->sys].name);
        putch(b, ',');
        put_day(b, a->from, '/');
        putch(b, ',');
        put_day(b, a->to, '/');
        putch(b, '\n');
    }
}

static void master_overtime(gen *g, buf *b)
{
    qsort(g->ot, g->not_, sizeof *g->ot, cmp_ot);
    puts_(b, "日付,職員ID,開始時刻,終了時刻\n");
    for (size_t i = 0; i < g->not_; i++) {
        put_day(b, g->ot[i].day, '/');
        putch(b, ',');
        putnum(b, g->st[g->ot[i].staff].id, 6);
        putch(b, ',');
        put_hhmm(b, g->ot[i].from);
        putch(b, ',');
        put_hhmm(b, g->ot[i].to);
        putch(b, '\n');
    }
}

static void master_media(gen *g, buf *b)
{
    puts_(b, "シリアル番号,デバイス名,所属,承認日,失効日\n");
    for (size_t i = 0; i < NDEV; i++) {
        if (devdefs[i].dept < 0)
            continue;
        puts_(b, g->dev[i].serial);
        putch(b, ',');
        puts_(b, devdefs[i].name);
        putch(b, ',');
        puts_(b, depts[devdefs[i].dept].name);
        putch(b, ',');
        put_day(b, g->dev[i].approved_on, '/');
        putch(b, ',');
        put_day(b, g->dev[i].expires_on, '/');
        putch(b, '\n');
    }
}

static void master_watchlist(gen *g, buf *b)
{
    puts_(b, "宛名番号,区分,担当所属,開始日,終了日\n");
    for (size_t i = 0; i < g->nwl; i++) {
        const watchrow *w = &g->wl[i];
        put_res(b, g, w->res);
        puts_(b, w->dv ? ",支援措置,市民課," : ",著名人,市民課;税務課,");
        put_day(b, w->from, '/');
        putch(b, ',');
        put_day(b, w->to, '/');
        putch(b, '\n');
    }
}

static void master_residents(gen *g, buf *b)
{
    puts_(b, "宛名番号,世帯番号,町丁,氏名カナ,生年月日,性別\n");
    for (size_t i = 0; i < g->nres; i++) {
        const resident *r = &g->res[i];
        char blk[64];
        if (r->flags & R_CORP)
            continue;
        put_res(b, g, (uint32_t)i);
        putch(b, ',');
        putnum(b, g->hh[r->hh].no, 10);
        putch(b, ',');
        block_name(g->hh[r->hh].block, blk, sizeof blk);
        puts_(b, blk);
        putch(b, ',');
        put_kana(b, r->sur, r->given, r->sex);
        putch(b, ',');
        put_day(b, day_of(r->byear, r->bmon, r->bday), '/');
        puts_(b, r->sex ? ",女\n" : ",男\n");
    }
}

static void master_training(gen *g, buf *b)
{
    puts_(b, "研修用アカウント,開始日,終了日,研修名,所属\n");
    for (size_t p = 0; p < g->ntr_periods; p++) {
        for (size_t k = 0; k < NTRAIN; k++) {
            puts_(b, train_account(g, (uint32_t)(g->nst + k)).s);
            putch(b, ',');
            put_day(b, g->tr_from[p], '/');
            putch(b, ',');
            put_day(b, g->tr_to[p], '/');
            putch(b, ',');
            puts_(b, g->tr_name[p]);
            putch(b, ',');
            puts_(b, depts[D_SOMU].name);
            putch(b, '\n');
        }
    }
}

static void master_calendar(gen *g, buf *b)
{
    puts_(b, "日付,区分,名称\n");
    for (int32_t day = g->from; day <= g->to; day++) {
        const uint8_t f = dflag(g, day);
        if (!(f & (DF_HOLIDAY | DF_NENMATSU | DF_OPEN_SUNDAY)))
            continue;
        put_day(b, day, '/');
        puts_(b, f & DF_OPEN_SUNDAY ? ",開庁," : ",閉庁,");
        puts_(b, g->dname[day - g->from] ? g->dname[day - g->from] : "");
        putch(b, '\n');
    }
}

/* The masters in their canonical layout (docs/master-data.md), UTF-8 with LF. */
static int write_small_masters(gen *g, tk_error *err)
{
    static const struct {
        const char *file;
        void (*render)(gen *g, buf *b);
    } masters[] = {
        {"master/authorizations.csv", master_authorizations},
        {"master/assignments.csv", master_assignments},
        {"master/overtime.csv", master_overtime},
        {"master/media.csv", master_media},
        {"master/watchlist.csv", master_watchlist},
        {"master/residents.csv", master_residents},
        {"master/training.csv", master_training},
        {"master/calendar.csv", master_calendar},
    };
    buf b = {0};
    int rc = TK_OK;
    for (size_t i = 0; i < sizeof masters / sizeof masters[0] && rc == TK_OK; i++) {
        b.len = 0;
        masters[i].render(g, &b);
        rc = write_file(g, masters[i].file, &b, E_UTF8, err);
    }
    buf_free(&b);
    return rc;
}

/* --- Manifest, truth, README -------------------------------------------------------------- */

static int write_manifest(gen *g, tk_error *err)
{
    buf b = {0};
    puts_(&b, "file,profile,system,encoding,rows\n");
    for (size_t i = 0; i < g->nmf; i++) {
        const mfrow *m = &g->mf[i];
        puts_(&b, m->file);
        putch(&b, ',');
        puts_(&b, m->profile);
        putch(&b, ',');
        puts_(&b, m->system);
        putch(&b, ',');
        puts_(&b, enc_name[m->enc]);
        putch(&b, ',');
        putnum(&b, m->rows, 1);
        putch(&b, '\n');
    }
    const int rc = write_file(g, "manifest.csv", &b, E_UTF8, err);
    buf_free(&b);
    return rc;
}

static int cmp_truth(const void *pa, const void *pb)
{
    const truthrow *a = pa, *b = pb;
    int c;
    if (a->hn != b->hn)
        return a->hn < b->hn ? -1 : 1;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    if ((c = strcmp(a->kind, b->kind)) != 0)
        return c;
    if ((c = strcmp(a->eid, b->eid)) != 0)
        return c;
    if (a->to != b->to)
        return a->to < b->to ? -1 : 1;
    return strcmp(a->desc, b->desc);
}

static size_t count_kinds(const gen *g, int hn)
{
    size_t n = 0;
    for (size_t i = 0; i < g->ntr; i++) {
        if (g->tr[i].hn != hn)
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = g->tr[j].hn == hn && strcmp(g->tr[j].kind, g->tr[i].kind) == 0;
        n += !seen;
    }
    return n;
}

static size_t count_label(const gen *g, int hn)
{
    size_t n = 0;
    for (size_t i = 0; i < g->ntr; i++)
        n += g->tr[i].hn == hn;
    return n;
}

static int write_truth(gen *g, tk_error *err)
{
    buf b = {0};
    size_t ninc = 0, nhn = 0;
    qsort(g->tr, g->ntr, sizeof *g->tr, cmp_truth);
    puts_(&b,
          "incident_id,label,kind,entity_type,entity_id,day_from,day_to,rule_hint,description\n");
    for (size_t i = 0; i < g->ntr; i++) {
        const truthrow *t = &g->tr[i];
        puts_(&b, t->hn ? "HN-" : "INC-");
        putnum(&b, t->hn ? ++nhn : ++ninc, 4);
        puts_(&b, t->hn ? ",hard_negative," : ",incident,");
        puts_(&b, t->kind);
        putch(&b, ',');
        puts_(&b, t->etype);
        putch(&b, ',');
        putcsv(&b, t->eid, 0);
        putch(&b, ',');
        put_day(&b, t->from, '-');
        putch(&b, ',');
        put_day(&b, t->to, '-');
        putch(&b, ',');
        puts_(&b, t->rule);
        putch(&b, ',');
        putcsv(&b, t->desc, 0);
        putch(&b, '\n');
    }
    const int rc = write_file(g, "truth.csv", &b, E_UTF8, err);
    buf_free(&b);
    return rc;
}

static int write_readme(gen *g, tk_error *err)
{
    buf b = {0};
    char line[512];
    const size_t ninc = count_label(g, 0), nhn = count_label(g, 1);
    snprintf(
        line, sizeof line,
        "# 合成自治体 (synthetic city) — seed %llu\n\n"
        "`tenken gen-city --seed %llu --staff %zu --residents %zu --from %s --to %s` で生成。\n"
        "Generated by the command above; the same command writes the same bytes.\n\n",
        (unsigned long long)g->seed, (unsigned long long)g->seed, g->want_staff, g->want_res,
        day_str(g->from).s, day_str(g->to).s);
    puts_(&b, line);
    snprintf(
        line, sizeof line,
        "- 期間 period: %s .. %s (点検期間 inspection period %s .. %s)\n"
        "- 職員 staff: %zu (13 所属), 住民 residents: %zu in %zu households, 端末 terminals: %zu\n"
        "- 休日開庁 open Sunday: %s; 選挙 election day: %s (兼務 %s .. %s)\n",
        day_str(g->from).s, day_str(g->to).s, day_str(g->insp_from).s, day_str(g->to).s, g->nst,
        g->npeople, g->nhh, g->ntm, g->open_sunday != DAY_NONE ? day_str(g->open_sunday).s : "-",
        day_str(g->elect_day).s, day_str(g->kenmu_from).s, day_str(g->kenmu_to).s);
    puts_(&b, line);
    snprintf(
        line, sizeof line,
        "- ログ logs: %zu files, %zu rows (manifest.csv lists file, profile, system, encoding, "
        "rows)\n"
        "- 正解 truth.csv: %zu incidents of %zu kinds, %zu hard negatives of %zu kinds\n\n",
        g->nmf, g->rows_total, ninc, count_kinds(g, 0), nhn, count_kinds(g, 1));
    puts_(&b, line);
    puts_(&b,
          "## 構成 Layout\n\n"
          "- `logs/` 20業務システムの操作ログ (月別、7種類のベンダー様式: CP932/UTF-8/BOM付き、"
          "CRLF/LF、日時の書式もさまざま)、端末のログオン履歴 `terminal_logon_*.csv`、"
          "可搬媒体ログ `media_*.csv`。\n"
          "  Operation logs of the 20 business systems, one file per system and month, in seven "
          "vendor layouts; terminal logon/logoff and removable-media logs.\n"
          "- `profiles/` ソースプロファイル "
          "(docs/profiles.md)。各ログはファイル名で1つのプロファイルに"
          "一致する。One source profile per system and per terminal log; each log file matches "
          "exactly one `match.filename` glob.\n"
          "- `master/` マスタデータ (docs/master-data.md)。`staff.csv` は CP932、`terminals.csv` は"
          "資産台帳の独自様式で `terminals.map.json` により対応付ける。Master data; staff.csv is "
          "CP932, terminals.csv uses an asset ledger's own layout mapped by terminals.map.json.\n"
          "- `truth.csv` 埋め込んだインシデント (label=incident) "
          "と検知してはならない紛らわしい正常事例 "
          "(label=hard_negative)。rule_hint は点検項目番号 (tenken docs/rules.md)。Ground truth: "
          "injected "
          "incidents and hard negatives that must not be flagged; rule_hint lists inspection-item "
          "numbers.\n\n"
          "Business hours are 8:30-17:15 with lunch 12:00-13:00 (窓口 staff stagger it). "
          "Every business operation outside those hours in the baseline is covered by "
          "master/overtime.csv; logons a few minutes before 8:30 and logoffs shortly after 17:15 "
          "are ordinary arrivals and departures, not work. See docs/gen-city.md in the tenken "
          "repository.\n");
    const int rc = write_file(g, "README.md", &b, E_UTF8, err);
    buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * --bulk-rows: one large juki log for the ingest benchmark.
 */

#define BULK_BUF (1u << 20)

typedef struct bulkw {
    FILE *f;
    char *p;
    size_t len;
    int bad;
} bulkw;

static void bulk_flush(bulkw *w)
{
    if (w->len && fwrite(w->p, 1, w->len, w->f) != w->len)
        w->bad = 1;
    w->len = 0;
}

/* What the bulk writer precomputes: per juki function the text between terminal and subject
 * (",JUK0101,住民記録照会,照会,"), a 256-slot table for O(1) weighted draws (extraction left
 * out), and who works: 市民課 for everything, departments with lookup rights for lookups and
 * searches. */
typedef struct bulkplan {
    char tails[16][80];
    size_t tail_len[16];
    unsigned char slot[256];
    uint32_t *all, *look;
    size_t nall, nlook;
} bulkplan;

static int bulk_plan(const gen *g, bulkplan *bp)
{
    const sysdef *sd = &systems[SYS_JUKI];
    unsigned w[16], total = 0;
    for (size_t f = 0; f < sd->nfn; f++) {
        bp->tail_len[f] = (size_t)snprintf(bp->tails[f], sizeof bp->tails[f], ",%s,%s,%s,",
                                           sd->fn[f].id, sd->fn[f].name, opw_a[sd->fn[f].op]);
        w[f] = sd->fn[f].cat == FC_EXTRACT ? 0u : sd->fn[f].w;
        total += w[f];
    }
    for (size_t k = 0, f = 0, acc = w[0]; k < 256; k++) {
        while (f + 1 < sd->nfn && k * total >= 256 * acc)
            acc += w[++f];
        bp->slot[k] = (unsigned char)f;
    }
    bp->all = tk_calloc(g->nst, sizeof *bp->all);
    bp->look = tk_calloc(g->nst, sizeof *bp->look);
    if (bp->all == NULL || bp->look == NULL)
        return TK_ENOMEM;
    for (size_t i = 0; i < g->nst; i++) {
        const authdef *a = auth_of(g->st[i].dept, SYS_JUKI);
        if (a == NULL || g->st[i].retired != DAY_NONE || g->st[i].leave_from != DAY_NONE)
            continue;
        if (a->level == LV_ALL)
            bp->all[bp->nall++] = (uint32_t)i;
        else
            bp->look[bp->nlook++] = (uint32_t)i;
    }
    return bp->nall ? TK_OK : TK_EINTERNAL;
}

/* One row at p (room for 256 bytes): row j of k on the day whose "YYYY/MM/DD " is date.
 * Returns the end. Times run from 8:30:00.000 to 17:15 in even steps. */
static char *bulk_row(gen *g, const bulkplan *bp, char *p, const char *date, uint64_t j, uint64_t k)
{
    const sysdef *sd = &systems[SYS_JUKI];
    const uint64_t x = rng_next(&g->rb);
    const size_t f = bp->slot[x & 255];
    const int cat = sd->fn[f].cat;
    const int by_other = bp->nlook && (cat == FC_LOOK || cat == FC_SEARCH) && (x >> 62) == 0;
    const staff *s =
        by_other ? &g->st[bp->look[(x >> 20) % bp->nlook]] : &g->st[bp->all[(x >> 20) % bp->nall]];
    const uint64_t ms = j * 31500000 / k;
    memcpy(p, date, 11);
    p = wtime(p + 11, HOURS_FROM * 60 + (int)(ms / 1000), ':');
    *p++ = '.';
    p = wnum(p, ms % 1000, 3);
    *p++ = ',';
    p = wnum(p, s->id, 6);
    *p++ = ',';
    p = wstr(p, g->tm[s->term].name);
    memcpy(p, bp->tails[f], bp->tail_len[f]);
    p += bp->tail_len[f];
    if (cat != FC_LIST && cat != FC_SEARCH)
        p = wnum(p, g->res[g->pool[P_ALL][rng_next(&g->rb) % g->npool[P_ALL]]].id, 10);
    *p++ = ',';
    if (cat == FC_LIST)
        p = wnum(p, 3 + (x >> 40) % 58, 1);
    else
        *p++ = '1';
    return ((x >> 8) & 1023) < 3 ? wstr(p, ",エラー\n") : wstr(p, ",正常\n");
}

static int write_bulk_rows(gen *g, const char *path, uint64_t nrows, tk_error *err)
{
    static const char head[] =
        "操作日時,職員番号,端末名,画面ID,画面名,操作区分,宛名番号,件数,結果\n";
    bulkplan bp;
    bulkw w = {0};
    size_t nd = 0;
    int32_t *days = tk_calloc(g->ndays, sizeof *days);
    memset(&bp, 0, sizeof bp);
    int rc = bulk_plan(g, &bp);
    if (rc == TK_OK && days != NULL) {
        w.p = tk_alloc(BULK_BUF);
        w.f = fopen(path, "wb");
    }
    if (rc != TK_OK || days == NULL || w.p == NULL || w.f == NULL) {
        rc = rc == TK_EINTERNAL ? tk_error_set(err, rc, "no staff of 市民課 to write rows for")
             : w.p != NULL && w.f == NULL
                 ? tk_error_set(err, TK_EIO, "cannot create %s: %s", path, strerror(errno))
                 : tk_error_set(err, TK_ENOMEM, "out of memory");
        goto done;
    }
    for (int32_t d = g->from; d <= g->to; d++)
        if (is_workday(g, d))
            days[nd++] = d;
    memcpy(w.p, head, sizeof head - 1);
    w.len = sizeof head - 1;
    for (size_t di = 0; di < nd; di++) {
        const uint64_t k = nrows / nd + (di < nrows % nd);
        int y, m, d;
        char date[12];
        ymd_of(days[di], &y, &m, &d);
        wdate(date, y, m, d, '/');
        date[10] = ' ';
        for (uint64_t j = 0; j < k; j++) {
            if (w.len > BULK_BUF - 256)
                bulk_flush(&w);
            w.len = (size_t)(bulk_row(g, &bp, w.p + w.len, date, j, k) - w.p);
        }
    }
    bulk_flush(&w);
done:
    if (w.f != NULL && (fclose(w.f) != 0 || w.bad) && rc == TK_OK)
        rc = tk_error_set(err, TK_EIO, "cannot write %s: %s", path, strerror(errno));
    tk_free(w.p);
    tk_free(bp.all);
    tk_free(bp.look);
    tk_free(days);
    return rc;
}

static int write_bulk(gen *g, tk_error *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/bulk/juki_bulk.csv", g->out) >= sizeof path)
        return tk_error_set(err, TK_EINVAL, "output path too long");
    int rc = write_bulk_rows(g, path, g->bulk, err);
    if (rc != TK_OK)
        return rc;
    g->files_total++;
    buf b = {0};
    static const char *const hdr[] = {"操作日時", "職員番号", "端末名", "画面ID", "画面名",
                                      "操作区分", "宛名番号", "件数",   "結果"};
    profile_head(
        &b, "juki-bulk",
        "住民基本台帳 操作ログ (ベンチマーク用の大容量ファイル, UTF-8, LF, ミリ秒付き日時)",
        "juki_bulk*.csv", hdr, 9, "utf-8", systems[SYS_JUKI].name);
    puts_(&b,
          "    \"time\": { \"column\": \"操作日時\", \"format\": \"YYYY/MM/DD hh:mm:ss.SSS\" },\n"
          "    \"user\": { \"column\": \"職員番号\", \"resolve\": \"staff\" },\n"
          "    \"terminal\": { \"column\": \"端末名\", \"resolve\": \"terminal\" },\n");
    const char *k[OP_COUNT], *v[OP_COUNT];
    for (size_t op = 0; op < OP_COUNT; op++) {
        k[op] = opw_a[op];
        v[op] = op_canon[op];
    }
    puts_(&b, "    \"operation\": { \"column\": \"操作区分\", ");
    put_map(&b, k, v, OP_COUNT);
    puts_(&b,
          " },\n"
          "    \"function\": { \"column\": \"画面名\" },\n"
          "    \"subject\": { \"column\": \"宛名番号\", \"optional\": true },\n"
          "    \"count\": { \"column\": \"件数\", \"default\": \"1\" },\n"
          "    \"result\": { \"column\": \"結果\", \"map\": { \"正常\": \"success\", \"エラー\": "
          "\"failure\" } }\n  }\n}\n");
    rc = write_file(g, "profiles/juki-bulk.json", &b, E_UTF8, err);
    buf_free(&b);
    if (rc == TK_OK)
        rc = write_staff(g, err);
    if (rc == TK_OK)
        rc = write_terminals(g, err);
    if (rc == TK_OK) {
        manifest_add(g, "bulk/juki_bulk.csv", "juki-bulk", systems[SYS_JUKI].name, E_UTF8,
                     (size_t)g->bulk);
        rc = write_manifest(g, err);
    }
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Driver and command line.
 */

static int mkdirs(gen *g, tk_error *err)
{
    char path[4096];
    const size_t n = strlen(g->out);
    if (n + 16 >= sizeof path)
        return tk_error_set(err, TK_EINVAL, "output path too long: %s", g->out);
    memcpy(path, g->out, n + 1);
    for (size_t i = 1; i < n; i++) { /* mkdir -p */
        if (path[i] != '/')
            continue;
        path[i] = '\0';
        const int rc = make_dir(path, err);
        path[i] = '/';
        if (rc != TK_OK)
            return rc;
    }
    int rc = make_dir(g->out, err);
    /* logs/ for a city, bulk/ for the benchmark file; profiles/ and master/ for both */
    const char *sub[] = {g->bulk ? "bulk" : "logs", "profiles", "master"};
    for (size_t i = 0; i < 3 && rc == TK_OK; i++) {
        snprintf(path, sizeof path, "%s/%s", g->out, sub[i]);
        rc = make_dir(path, err);
    }
    return rc;
}

static int build_city(gen *g, specials *sp, tk_error *err)
{
    rng_seed(&g->rc, g->seed, 1);
    rng_seed(&g->rb, g->seed, 2);
    rng_seed(&g->ri, g->seed, 3);
    rng_seed(&g->rt, g->seed, 4);
    g->gap_day = DAY_NONE;
    g->gap_sys = -1;
    int rc = calendar_init(g);
    if (rc == TK_OK) {
        plan_dates(g);
        rc = gen_residents(g);
    }
    if (rc == TK_OK) {
        gen_watchlist(g);
        rc = gen_staff(g);
    }
    if (rc == TK_OK)
        rc = gen_terminals(g);
    if (rc == TK_OK) {
        gen_devices(g);
        plan_specials(g, sp);
        if (g->oom)
            rc = TK_ENOMEM;
    }
    if (rc != TK_OK)
        return tk_error_set(err, rc, "out of memory while building the city");
    return TK_OK;
}

static int run(gen *g, tk_error *err)
{
    specials sp;
    int rc = build_city(g, &sp, err);
    if (rc == TK_OK)
        rc = mkdirs(g, err);
    if (rc != TK_OK)
        return rc;
    if (g->bulk)
        return write_bulk(g, err);
    const size_t n = g->nst * g->ndays;
    g->son = tk_calloc(n, sizeof *g->son);
    g->soff = tk_calloc(n, sizeof *g->soff);
    g->slog = tk_calloc(n, sizeof *g->slog);
    g->day_ev = tk_calloc(g->ndays + 1, sizeof *g->day_ev);
    g->day_tv = tk_calloc(g->ndays + 1, sizeof *g->day_tv);
    if (g->son == NULL || g->soff == NULL || g->slog == NULL || g->day_ev == NULL ||
        g->day_tv == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        g->son[i] = g->soff[i] = -1;
        g->slog[i] = -1;
    }
    if (simulate(g) != TK_OK)
        return tk_error_set(err, TK_ENOMEM, "out of memory");
    inject(g, &sp);
    if (g->oom)
        return tk_error_set(err, TK_ENOMEM, "out of memory while simulating");
    rc = write_business_logs(g, err);
    if (rc == TK_OK)
        rc = write_terminal_logs(g, err);
    if (rc == TK_OK)
        rc = write_profiles(g, err);
    if (rc == TK_OK)
        rc = write_staff(g, err);
    if (rc == TK_OK)
        rc = write_terminals(g, err);
    if (rc == TK_OK)
        rc = write_small_masters(g, err);
    if (rc == TK_OK)
        rc = write_manifest(g, err);
    if (rc == TK_OK)
        rc = write_truth(g, err);
    if (rc == TK_OK)
        rc = write_readme(g, err);
    return rc;
}

static const char usage_text[] =
    "usage: tenken gen-city --out DIR --seed N [--staff N] [--residents N]\n"
    "                       [--from DATE] [--to DATE] [--volume PCT]\n"
    "                       [--bulk-rows N] [--force] [--quiet]\n"
    "\n"
    "Writes a synthetic city into DIR: ~20 business-system logs per month in seven\n"
    "vendor layouts (logs/), terminal logon and removable-media logs, one source\n"
    "profile per log (profiles/), master data (master/), manifest.csv, truth.csv\n"
    "(injected incidents and hard negatives) and README.md. The same seed writes\n"
    "byte-identical files on any machine. See docs/gen-city.md for the layouts,\n"
    "incident kinds and hard negatives.\n"
    "\n"
    "options:\n"
    "  --out DIR             the output directory, created (required); it must\n"
    "                        not hold a generated city unless --force\n"
    "  --seed N              the random generator's seed, 0 .. 2^64-1 (required)\n"
    "  --staff N             staff members, 30 .. 5000 (default: 200)\n"
    "  --residents N         residents, 1000 .. 2000000 (default: 20000)\n"
    "  --from DATE           the first day, YYYY-MM-DD, 2020-01-01 .. 2099-12-31\n"
    "                        (default: 2024-04-01)\n"
    "  --to DATE             the last day, 28 days .. 3 years after --from\n"
    "                        (default: 2024-11-30); the last two calendar months\n"
    "                        are the inspection period\n"
    "  --volume PCT          business tasks per staff member and day, percent of\n"
    "                        the normal volume, 10 .. 2000 (default: 100)\n"
    "  --bulk-rows N         write only bulk/juki_bulk.csv with N rows, its profile\n"
    "                        and the staff and terminal masters, for the ingest\n"
    "                        benchmark (default: the whole city)\n"
    "  --force               write over a city in DIR: its files are overwritten,\n"
    "                        others left alone (default: refuse)\n"
    "  --quiet               no summary on stdout\n" TK_CLI_HELP_HELP TK_CLI_HELP_EXIT;

static int parse_u64(const char *v, uint64_t *out)
{
    if (v[0] == '-' || v[0] == '+' || v[0] == '\0')
        return 0;
    uint64_t x = 0;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || x > (UINT64_MAX - 9) / 10)
            return 0;
        x = x * 10 + (uint64_t)(*p - '0');
    }
    *out = x;
    return 1;
}

static int parse_date(const char *v, int32_t *out)
{
    int64_t y, m, d;
    if (strlen(v) != 10 || v[4] != '-' || v[7] != '-' || !tk_parse_i64(v, 4, &y) ||
        !tk_parse_i64(v + 5, 2, &m) || !tk_parse_i64(v + 8, 2, &d))
        return 0;
    if (y < 2020 || y > 2099 || m < 1 || m > 12 || d < 1 || d > tk_days_in_month((int)y, (int)m))
        return 0;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
            return 0;
    *out = day_of((int)y, (int)m, (int)d);
    return 1;
}

/* 1 if path already holds (part of) a generated city. */
static int holds_city(const char *path)
{
    struct stat stbuf;
    char probe[4096];
    static const char *const ours[] = {"manifest.csv", "truth.csv", "logs",     "master",
                                       "profiles",     "bulk",      "README.md"};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
        snprintf(probe, sizeof probe, "%s/%s", path, ours[i]);
        if (stat(probe, &stbuf) == 0)
            return 1;
    }
    return 0;
}

static void summary(const gen *g)
{
    size_t business = 0, logon = 0, media = 0;
    for (size_t i = 0; i < g->nmf; i++) {
        if (strncmp(g->mf[i].file, "logs/terminal_", 14) == 0)
            logon += g->mf[i].rows;
        else if (strncmp(g->mf[i].file, "logs/media_", 11) == 0)
            media += g->mf[i].rows;
        else
            business += g->mf[i].rows;
    }
    printf("gen-city: wrote %s (seed %llu)\n", g->out, (unsigned long long)g->seed);
    printf("  city: %zu staff, %zu residents in %zu households, %zu terminals\n", g->nst,
           g->npeople, g->nhh, g->ntm);
    printf("  period: %s .. %s, inspection period %s .. %s\n", day_str(g->from).s, day_str(g->to).s,
           day_str(g->insp_from).s, day_str(g->to).s);
    if (g->bulk) {
        printf("  bulk: bulk/juki_bulk.csv, %zu rows\n", business);
        return;
    }
    printf(
        "  files: %zu written, %zu log files with %zu rows (business %zu, logon %zu, media %zu)\n",
        g->files_total, g->nmf, g->rows_total, business, logon, media);
    printf("  truth: %zu incidents of %zu kinds, %zu hard negatives of %zu kinds\n",
           count_label(g, 0), count_kinds(g, 0), count_label(g, 1), count_kinds(g, 1));
}

/* Options of one run. */
typedef struct opts {
    int force, quiet, have_seed, help;
} opts;

/* Applies the value of option o (index into names) to g. Returns -1 or a usage exit status. */
static int set_option(const char *cmd, gen *g, opts *op, size_t o, const char *name,
                      const char *val)
{
    uint64_t v;
    switch (o) {
    case 0:
        if (!*val)
            return tk_cli_usage_error(cmd, "--out needs a directory");
        g->out = val;
        return -1;
    case 1:
        if (!parse_u64(val, &g->seed))
            return tk_cli_usage_error(cmd, "--seed: expected a non-negative integer, got '%s'",
                                      val);
        op->have_seed = 1;
        return -1;
    case 2:
    case 3: {
        const uint64_t lo = o == 2 ? MIN_STAFF : MIN_RES, hi = o == 2 ? MAX_STAFF : MAX_RES;
        if (!parse_u64(val, &v) || v < lo || v > hi)
            return tk_cli_usage_error(cmd, "%s: expected an integer from %llu to %llu, got '%s'",
                                      name, (unsigned long long)lo, (unsigned long long)hi, val);
        *(o == 2 ? &g->want_staff : &g->want_res) = (size_t)v;
        return -1;
    }
    case 4:
    case 5:
        if (!parse_date(val, o == 4 ? &g->from : &g->to))
            return tk_cli_usage_error(
                cmd, "%s: expected a date YYYY-MM-DD between 2020-01-01 and 2099-12-31, got '%s'",
                name, val);
        return -1;
    case 6:
        if (!parse_u64(val, &v) || v < 10 || v > 2000)
            return tk_cli_usage_error(
                cmd, "--volume: expected a percentage from 10 to 2000, got '%s'", val);
        g->volume = v;
        return -1;
    default:
        if (!parse_u64(val, &g->bulk) || g->bulk == 0 || g->bulk > 10000000000ULL)
            return tk_cli_usage_error(
                cmd, "--bulk-rows: expected an integer from 1 to 10000000000, got '%s'", val);
        return -1;
    }
}

/* Parses argv into g and op. Returns -1 to go on, or the exit status (usage error, --help). */
static int parse_args(int argc, char **argv, gen *g, opts *op)
{
    static const char *const names[] = {"--out",  "--seed", "--staff",  "--residents",
                                        "--from", "--to",   "--volume", "--bulk-rows"};
    const char *cmd = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return TK_EXIT_OK;
        }
        if (strcmp(a, "--force") == 0 || strcmp(a, "--quiet") == 0) {
            *(a[2] == 'f' ? &op->force : &op->quiet) = 1;
            continue;
        }
        size_t o, nl = 0;
        for (o = 0; o < sizeof names / sizeof names[0]; o++) {
            nl = strlen(names[o]);
            if (strncmp(a, names[o], nl) == 0 && (a[nl] == '\0' || a[nl] == '='))
                break;
        }
        if (o == sizeof names / sizeof names[0])
            return tk_cli_usage_error(cmd, "unknown option '%s'", a);
        const char *val = a[nl] == '=' ? a + nl + 1 : i + 1 < argc ? argv[++i] : NULL;
        if (val == NULL)
            return tk_cli_usage_error(cmd, "%s needs a value", names[o]);
        const int rc = set_option(cmd, g, op, o, names[o], val);
        if (rc >= 0)
            return rc;
    }
    return -1;
}

/* Checks the options together. Returns -1 if they make sense, else a usage exit status. */
static int check_args(const char *cmd, const gen *g, const opts *op)
{
    const int days = (int)(g->to - g->from + 1);
    if (g->out == NULL)
        return tk_cli_usage_error(cmd, "--out DIR is required");
    if (!op->have_seed)
        return tk_cli_usage_error(cmd, "--seed N is required");
    if (g->from > g->to)
        return tk_cli_usage_error(cmd, "--from %s is after --to %s", day_str(g->from).s,
                                  day_str(g->to).s);
    if (days < MIN_DAYS || days > MAX_DAYS)
        return tk_cli_usage_error(cmd, "the period must be %d to %d days long, got %d", MIN_DAYS,
                                  MAX_DAYS, days);
    if (!g->bulk && (uint64_t)g->want_staff * (uint64_t)days * g->volume / 100 > MAX_STAFF_DAYS)
        return tk_cli_usage_error(
            cmd,
            "--staff %zu over %d days at --volume %llu is too large (staff x "
            "days x volume / 100 must stay below %d, about 100 million events)",
            g->want_staff, days, (unsigned long long)g->volume, MAX_STAFF_DAYS);
    return -1;
}

int tk_cli_gencity(int argc, char **argv)
{
    const char *cmd = argv[0];
    gen g;
    opts op = {0};
    memset(&g, 0, sizeof g);
    g.want_staff = 200;
    g.want_res = 20000;
    g.volume = 100;
    g.from = day_of(2024, 4, 1);
    g.to = day_of(2024, 11, 30);
    int status = parse_args(argc, argv, &g, &op);
    if (status < 0)
        status = check_args(cmd, &g, &op);
    if (status >= 0)
        return status;
    if (!op.force && holds_city(g.out)) {
        fprintf(stderr, "tenken %s: %s already holds a generated city (use --force to overwrite)\n",
                cmd, g.out);
        return TK_EXIT_FAIL;
    }
    g.tty = isatty(STDERR_FILENO) && !op.quiet;
    tk_error err;
    tk_error_clear(&err);
    const int rc = run(&g, &err);
    if (rc != TK_OK)
        tk_cli_report(cmd, &err);
    else if (!op.quiet)
        summary(&g);
    gen_free(&g);
    return rc == TK_OK ? TK_EXIT_OK : TK_EXIT_FAIL;
}
