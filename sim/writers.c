/* sim/writers.c -- a simulated city written out: logs, profiles, master files, truth, README.
 *
 * Approach. Writing is table-driven: a vendor layout is data (column names
 * and kinds, time style, encoding, line ending, quoting, the vendor's words
 * for operations and results), one row writer serves all of them, and the
 * same table produces each source profile (docs/profiles.md), so a profile
 * can never drift from the file it describes. Events are sorted once with
 * a total order (system, time, sequence), so the output never depends on
 * qsort's instability. A file is rendered into a memory buffer as UTF-8
 * and converted to CP932 in one step where the layout asks for it. The
 * buffer's append functions never fail: they set a sticky out-of-memory
 * flag that the file writer checks, which keeps the hundreds of append
 * calls free of error plumbing, like stdio's ferror().
 *
 * --bulk-rows is a separate fast path for the ingest benchmark: one juki
 * layout, rows formatted with hand-written digit writers into a 1 MiB
 * buffer and written with fwrite, no per-field printf. */
#include "sim/writers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/incidents.h"
#include "src/alloc.h"
#include "src/checked.h"
#include "src/encoding.h"

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
static const char *const op_canon[OP_COUNT] = {"lookup", "search", "add",     "update", "delete",
                                               "print",  "export", "extract", "issue"};
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

static const char *const err_notes[] = {"排他エラー: 他端末で更新中", "該当データなし",
                                        "権限がありません", "セッションタイムアウト"};
static int make_dir(const char *path, tk_error *err)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return TK_OK;
    return tk_error_set(err, TK_EIO, "cannot create directory %s: %s", path, strerror(errno));
}

/* Writes b (UTF-8) to out/rel in encoding enc. b is left intact. */
static int write_file(tk_city *g, const char *rel, const buf *b, int enc, tk_error *err)
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

static void manifest_add(tk_city *g, const char *file, const char *profile, const char *system,
                         int enc, size_t rows)
{
    mfrow *m = tk_city_push_mf(g);
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
    return tk_city_notes[note < (int)NNOTES ? note : 0];
}

static void put_name(buf *b, const staff *s)
{
    puts_(b, tk_city_surnames[s->sur].kanji);
    puts_(b, "　");
    puts_(b, s->sex ? tk_city_given_f[s->given].kanji : tk_city_given_m[s->given].kanji);
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

/* Variant B: an extraction or export carries its count in 備考 as a city's system writes it,
 * with thousands separators (抽出件数=26,382), after any other remark. Returns out. */
static const char *count_note(char *out, size_t cap, const char *note, uint32_t count)
{
    char digits[16], sep[24];
    const int nd = snprintf(digits, sizeof digits, "%u", count);
    size_t k = 0;
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            sep[k++] = ',';
        sep[k++] = digits[i];
    }
    sep[k] = '\0';
    snprintf(out, cap, "%s%s抽出件数=%s", note, note[0] ? " " : "", sep);
    return out;
}

static void render_ev(const tk_city *g, buf *b, const layoutdef *L, const bev *e)
{
    const int32_t day = (int32_t)(e->t / 86400);
    const int sec = (int)(e->t % 86400);
    /* a training account: its name in every layout, 総務課 (which runs the training) */
    const int trainee = tk_city_is_trainee(g, e->staff);
    const staff *s = trainee ? NULL : &g->st[e->staff];
    const terminal *tm = &g->tm[e->term];
    const fndef *fn = &tk_city_systems[e->sys].fn[e->fn];
    for (size_t c = 0; c < L->ncols; c++) {
        char tmp[160], nbuf[400], *p = tmp;
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
                p = wstr(p, tk_city_train_account(g, e->staff).s);
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
                snprintf(tmp, sizeof tmp, "%s　%s", tk_city_surnames[s->sur].kanji,
                         s->sex ? tk_city_given_f[s->given].kanji
                                : tk_city_given_m[s->given].kanji);
            text = tmp;
            break;
        case K_DEPT:
            text = tk_city_depts[trainee ? D_SOMU : dept_on(s, day)].name;
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
            text = tk_city_systems[e->sys].gyomu;
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
                p = wnum(p, tk_city_res_number(g, e->res), 10);
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
            if (g->variant == TK_GENCITY_VARIANT_B && (fn->op == OP_EXTRACT || fn->op == OP_EXPORT))
                text = count_note(nbuf, sizeof nbuf, text, e->count);
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
    snprintf(out, cap, "%s-%s", tk_city_systems[sys].code,
             layouts[tk_city_systems[sys].layout].vendor);
}

/* Calls fn for each calendar month of the period with its first and last day. */
typedef int (*month_fn)(tk_city *g, int32_t lo, int32_t hi, void *ctx, tk_error *err);

static int each_month(tk_city *g, month_fn fn, void *ctx, tk_error *err)
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

static int business_month(tk_city *g, int32_t lo, int32_t hi, void *vctx, tk_error *err)
{
    logctx *c = vctx;
    const layoutdef *L = &layouts[tk_city_systems[c->sys].layout];
    char rel[64], prof[40];
    int y, m, d;
    ymd_of(lo, &y, &m, &d);
    snprintf(rel, sizeof rel, "logs/%s_%04d-%02d.csv", tk_city_systems[c->sys].code, y, m);
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
    manifest_add(g, rel, prof, tk_city_systems[c->sys].name, L->enc, rows);
    return write_file(g, rel, &c->b, L->enc, err);
}

static int write_business_logs(tk_city *g, tk_error *err)
{
    logctx c = {0};
    int rc = TK_OK;
    qsort(g->ev, g->nev, sizeof *g->ev, cmp_bev);
    for (size_t sys = 0; sys < SYS_COUNT && rc == TK_OK; sys++) {
        c.sys = sys;
        while (c.next < g->nev && g->ev[c.next].sys < sys)
            c.next++;
        if (tk_city_has_system(g, sys))
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

static int logon_month(tk_city *g, int32_t lo, int32_t hi, void *vctx, tk_error *err)
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
        if (tk_city_is_trainee(g, e->staff)) {
            puts_(&c->b, ",CITYHALL\\");
            puts_(&c->b, tk_city_train_account(g, e->staff).s);
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

static int media_month(tk_city *g, int32_t lo, int32_t hi, void *vctx, tk_error *err)
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
        puts_(&c->b, tk_city_devdefs[e->dev].name);
        putch(&c->b, ',');
        puts_(&c->b, g->dev[e->dev].serial);
        putch(&c->b, '\n');
        rows++;
    }
    manifest_add(g, rel, "media-usb", "端末", E_UTF8_BOM, rows);
    return write_file(g, rel, &c->b, E_UTF8_BOM, err);
}

static int write_terminal_logs(tk_city *g, tk_error *err)
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
    const sysdef *sd = &tk_city_systems[sys];
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

static int write_profiles(tk_city *g, tk_error *err)
{
    buf b = {0};
    char rel[80], name[40];
    int rc = TK_OK;
    for (size_t sys = 0; sys < SYS_COUNT && rc == TK_OK; sys++) {
        if (!tk_city_has_system(g, sys))
            continue;
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
    puts_(b, tk_city_surnames[sur].kana);
    puts_(b, "　");
    puts_(b, sex ? tk_city_given_f[given].kana : tk_city_given_m[given].kana);
}

static void put_res(buf *b, const tk_city *g, uint32_t r)
{
    putnum(b, g->res[r].id, 10);
}

static int write_staff(tk_city *g, tk_error *err)
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
        puts_(&b, tk_city_depts[s->dept].name);
        putch(&b, ',');
        puts_(&b, tk_city_sect_def(s->dept, s->sect)->name);
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
            puts_(&b, tk_city_depts[s->prev_dept].name);
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
static int write_terminals(tk_city *g, tk_error *err)
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
        puts_(&b, tk_city_depts[t->dept].name);
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

static void master_authorizations(tk_city *g, buf *b)
{
    puts_(b, "所属,システム,権限,機能,個人番号利用\n");
    for (size_t i = 0; i < tk_city_nauths; i++) {
        if (!tk_city_has_system(g, tk_city_auths[i].sys))
            continue;
        puts_(b, tk_city_depts[tk_city_auths[i].dept].name);
        putch(b, ',');
        puts_(b, tk_city_systems[tk_city_auths[i].sys].name);
        putch(b, ',');
        puts_(b, tk_city_auths[i].level == LV_ALL ? "全て" : "照会");
        puts_(b, ",,");
        puts_(b, tk_city_auths[i].mynum ? "可\n" : "不可\n");
    }
}

static void master_assignments(tk_city *g, buf *b)
{
    puts_(b, "職員ID,兼務先所属,システム,開始日,終了日\n");
    for (size_t i = 0; i < g->nasg; i++) {
        const asgrow *a = &g->asg[i];
        putnum(b, g->st[a->staff].id, 6);
        putch(b, ',');
        puts_(b, tk_city_depts[a->dept].name);
        putch(b, ',');
        puts_(b, tk_city_systems[a->sys].name);
        putch(b, ',');
        put_day(b, a->from, '/');
        putch(b, ',');
        put_day(b, a->to, '/');
        putch(b, '\n');
    }
}

static void master_overtime(tk_city *g, buf *b)
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

static void master_media(tk_city *g, buf *b)
{
    puts_(b, "シリアル番号,デバイス名,所属,承認日,失効日\n");
    for (size_t i = 0; i < NDEV; i++) {
        if (tk_city_devdefs[i].dept < 0)
            continue;
        puts_(b, g->dev[i].serial);
        putch(b, ',');
        puts_(b, tk_city_devdefs[i].name);
        putch(b, ',');
        puts_(b, tk_city_depts[tk_city_devdefs[i].dept].name);
        putch(b, ',');
        put_day(b, g->dev[i].approved_on, '/');
        putch(b, ',');
        put_day(b, g->dev[i].expires_on, '/');
        putch(b, '\n');
    }
}

/* Variant B writes the list as most cities keep it: no 担当所属 column, and the protection
 * category spelled out (DV等支援措置). */
static void master_watchlist(tk_city *g, buf *b)
{
    const int b_list = g->variant == TK_GENCITY_VARIANT_B;
    puts_(b, b_list ? "宛名番号,区分,開始日,終了日\n" : "宛名番号,区分,担当所属,開始日,終了日\n");
    for (size_t i = 0; i < g->nwl; i++) {
        const watchrow *w = &g->wl[i];
        put_res(b, g, w->res);
        if (b_list)
            puts_(b, w->dv ? ",DV等支援措置," : ",著名人,");
        else
            puts_(b, w->dv ? ",支援措置,市民課," : ",著名人,市民課;税務課,");
        put_day(b, w->from, '/');
        putch(b, ',');
        put_day(b, w->to, '/');
        putch(b, '\n');
    }
}

static void master_residents(tk_city *g, buf *b)
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
        tk_city_block_name(g->hh[r->hh].block, blk, sizeof blk);
        puts_(b, blk);
        putch(b, ',');
        put_kana(b, r->sur, r->given, r->sex);
        putch(b, ',');
        put_day(b, day_of(r->byear, r->bmon, r->bday), '/');
        puts_(b, r->sex ? ",女\n" : ",男\n");
    }
}

static void master_training(tk_city *g, buf *b)
{
    puts_(b, "研修用アカウント,開始日,終了日,研修名,所属\n");
    for (size_t p = 0; p < g->ntr_periods; p++) {
        for (size_t k = 0; k < NTRAIN; k++) {
            puts_(b, tk_city_train_account(g, (uint32_t)(g->nst + k)).s);
            putch(b, ',');
            put_day(b, g->tr_from[p], '/');
            putch(b, ',');
            put_day(b, g->tr_to[p], '/');
            putch(b, ',');
            puts_(b, g->tr_name[p]);
            putch(b, ',');
            puts_(b, tk_city_depts[D_SOMU].name);
            putch(b, '\n');
        }
    }
}

static void master_calendar(tk_city *g, buf *b)
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

/* Variant B: the calendar as a city's groupware exports it, which no canonical kind reads as
 * it is: one row per day with its 区分 (開庁日, 土曜日, 日曜日, 祝日; 閉庁日 for 年末年始),
 * then a row per event that opens a day (or longer hours) for one 所属 with its hours only in
 * the event's name. calendar.map.json maps it (the mapping docs/calendar.md describes). */
static void event_row(buf *b, int32_t day, const char *what, size_t dept, const char *from,
                      const char *to)
{
    static const char *const wd[] = {"日", "月", "火", "水", "木", "金", "土"};
    put_day(b, day, '/');
    putch(b, ',');
    puts_(b, wd[wday_of(day)]);
    puts_(b, ",行事,");
    puts_(b, what);
    puts_(b, "（");
    puts_(b, from);
    putch(b, '-');
    puts_(b, to);
    puts_(b, "）,");
    puts_(b, tk_city_depts[dept].name);
    putch(b, '\n');
}

static void master_calendar_export(tk_city *g, buf *b)
{
    static const char *const wd[] = {"日", "月", "火", "水", "木", "金", "土"};
    puts_(b, "日付,曜日,区分,名称,所属\n");
    for (int32_t day = g->from; day <= g->to; day++) {
        const uint8_t f = dflag(g, day);
        const int w = wday_of(day);
        put_day(b, day, '/');
        putch(b, ',');
        puts_(b, wd[w]);
        puts_(b, f & DF_HOLIDAY    ? ",祝日,"
                 : f & DF_NENMATSU ? ",閉庁日,"
                 : w == 0          ? ",日曜日,"
                 : w == 6          ? ",土曜日,"
                                   : ",開庁日,");
        if (f & (DF_HOLIDAY | DF_NENMATSU))
            puts_(b, g->dname[day - g->from] ? g->dname[day - g->from] : "");
        puts_(b, ",\n");
        if (f & DF_OPEN_SUNDAY) {
            event_row(b, day, "休日開庁", D_SHIMIN, "8:30", "17:15");
            event_row(b, day, "休日開庁", D_ZEIMU, "8:30", "17:15");
            event_row(b, day, "休日開庁", D_HOKEN, "8:30", "17:15");
        }
        if (tk_city_is_counter_day(g, day))
            event_row(b, day, "市民課日曜窓口", D_SHIMIN, "9:00", "12:00");
        if (day >= g->ev_from && day <= g->ev_to)
            event_row(b, day, "期日前投票所開設", D_SENKYO, "8:30", "20:00");
    }
}

/* The masters in their canonical layout (docs/master-data.md), UTF-8 with LF. */
static int write_small_masters(tk_city *g, tk_error *err)
{
    static const struct {
        const char *file;
        void (*render)(tk_city *g, buf *b);
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
    const int export = g->variant == TK_GENCITY_VARIANT_B;
    for (size_t i = 0; i < sizeof masters / sizeof masters[0] && rc == TK_OK; i++) {
        b.len = 0;
        if (export && masters[i].render == master_calendar)
            master_calendar_export(g, &b);
        else
            masters[i].render(g, &b);
        rc = write_file(g, masters[i].file, &b, E_UTF8, err);
    }
    if (rc == TK_OK && export) {
        b.len = 0;
        puts_(&b, "{\n"
                  "  \"profile\": \"calendar-groupware-export\",\n"
                  "  \"version\": 1,\n"
                  "  \"description\": \"グループウェアの暦の書出し: 日ごとの区分と、"
                  "所属を開庁する行事(時刻は行事名の括弧内)\",\n"
                  "  \"encoding\": \"utf-8\",\n"
                  "  \"header\": true,\n"
                  "  \"fields\": {\n"
                  "    \"date\": { \"column\": \"日付\" },\n"
                  "    \"kind\": { \"column\": \"区分\", \"map\": { \"開庁日\": \"開庁\", "
                  "\"土曜日\": \"閉庁\", \"日曜日\": \"閉庁\", \"祝日\": \"閉庁\", "
                  "\"閉庁日\": \"閉庁\", \"行事\": \"開庁\" } },\n"
                  "    \"name\": { \"column\": \"名称\" },\n"
                  "    \"dept\": { \"column\": \"所属\" },\n"
                  "    \"from\": { \"column\": \"名称\", \"transform\": [ { \"regex\": "
                  "\"（([0-9]+:[0-9]+)-\", \"on_no_match\": \"empty\" } ] },\n"
                  "    \"to\": { \"column\": \"名称\", \"transform\": [ { \"regex\": "
                  "\"-([0-9]+:[0-9]+)）\", \"on_no_match\": \"empty\" } ] }\n"
                  "  }\n"
                  "}\n");
        rc = write_file(g, "master/calendar.map.json", &b, E_UTF8, err);
    }
    buf_free(&b);
    return rc;
}

/* --- Manifest, truth, README -------------------------------------------------------------- */

static int write_manifest(tk_city *g, tk_error *err)
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
static int write_truth(tk_city *g, tk_error *err)
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

static int write_readme(tk_city *g, tk_error *err)
{
    buf b = {0};
    char line[512];
    const size_t ninc = tk_incidents_count(g, 0), nhn = tk_incidents_count(g, 1);
    snprintf(
        line, sizeof line,
        "# 合成自治体 (synthetic city) — seed %llu\n\n"
        "`tenken gen-city --seed %llu --staff %zu --residents %zu --from %s --to %s` で生成。\n"
        "Generated by the command above; the same command writes the same bytes.\n\n",
        (unsigned long long)g->seed, (unsigned long long)g->seed, g->want_staff, g->want_res,
        tk_city_day_str(g->from).s, tk_city_day_str(g->to).s);
    puts_(&b, line);
    snprintf(
        line, sizeof line,
        "- 期間 period: %s .. %s (点検期間 inspection period %s .. %s)\n"
        "- 職員 staff: %zu (13 所属), 住民 residents: %zu in %zu households, 端末 terminals: %zu\n"
        "- 休日開庁 open Sunday: %s; 選挙 election day: %s (兼務 %s .. %s)\n",
        tk_city_day_str(g->from).s, tk_city_day_str(g->to).s, tk_city_day_str(g->insp_from).s,
        tk_city_day_str(g->to).s, g->nst, g->npeople, g->nhh, g->ntm,
        g->open_sunday != DAY_NONE ? tk_city_day_str(g->open_sunday).s : "-",
        tk_city_day_str(g->elect_day).s, tk_city_day_str(g->kenmu_from).s,
        tk_city_day_str(g->kenmu_to).s);
    puts_(&b, line);
    if (g->variant == TK_GENCITY_VARIANT_B) {
        snprintf(line, sizeof line,
                 "- 構成 variant: B (所属の比率、担当所属のない支援措置リスト、"
                 "`master/calendar.csv` (暦の書出し、`calendar.map.json` で対応付け) の所属別開庁: "
                 "市民課日曜窓口 %zu 日、"
                 "期日前投票所 %s .. %s; docs/gen-city.md)\n",
                 g->ncounter, tk_city_day_str(g->ev_from).s, tk_city_day_str(g->ev_to).s);
        puts_(&b, line);
    }
    snprintf(
        line, sizeof line,
        "- ログ logs: %zu files, %zu rows (manifest.csv lists file, profile, system, encoding, "
        "rows)\n"
        "- 正解 truth.csv: %zu incidents of %zu kinds, %zu hard negatives of %zu kinds\n\n",
        g->nmf, g->rows_total, ninc, tk_incidents_count_kinds(g, 0), nhn,
        tk_incidents_count_kinds(g, 1));
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

static int bulk_plan(const tk_city *g, bulkplan *bp)
{
    const sysdef *sd = &tk_city_systems[SYS_JUKI];
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
        const authdef *a = tk_city_auth_of(g->st[i].dept, SYS_JUKI);
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
static char *bulk_row(tk_city *g, const bulkplan *bp, char *p, const char *date, uint64_t j,
                      uint64_t k)
{
    const sysdef *sd = &tk_city_systems[SYS_JUKI];
    const uint64_t x = tk_rng_next(&g->rb);
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
        p = wnum(p, g->res[g->pool[P_ALL][tk_rng_next(&g->rb) % g->npool[P_ALL]]].id, 10);
    *p++ = ',';
    if (cat == FC_LIST)
        p = wnum(p, 3 + (x >> 40) % 58, 1);
    else
        *p++ = '1';
    return ((x >> 8) & 1023) < 3 ? wstr(p, ",エラー\n") : wstr(p, ",正常\n");
}

static int write_bulk_rows(tk_city *g, const char *path, uint64_t nrows, tk_error *err)
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

int tk_writers_bulk(tk_city *g, tk_error *err)
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
        "juki_bulk*.csv", hdr, 9, "utf-8", tk_city_systems[SYS_JUKI].name);
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
        manifest_add(g, "bulk/juki_bulk.csv", "juki-bulk", tk_city_systems[SYS_JUKI].name, E_UTF8,
                     (size_t)g->bulk);
        rc = write_manifest(g, err);
    }
    return rc;
}

int tk_writers_mkdirs(tk_city *g, tk_error *err)
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

int tk_writers_city(tk_city *g, tk_error *err)
{
    int rc = write_business_logs(g, err);
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
