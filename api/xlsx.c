/* api/xlsx.c -- the 要確認事項 workbook out (libxlsxwriter) and back in
 * (minizip and expat).
 *
 * Writing. One row per request under a frozen header row. Every cell is
 * locked except the four answer columns, and the sheet is protected
 * without a password: Excel then lets the city fill in only the answers,
 * while nobody is locked out of their own file. The verdict column has a
 * drop-down of the three labels, the date column a date validation.
 * Answers already recorded are written into the answer columns, so that a
 * workbook exported again shows where things stand; importing it back
 * leaves those rows unchanged (tk_answers_same()).
 *
 * Reading. An XLSX file is a zip archive of XML parts. The archive is
 * read from memory through minizip's I/O callbacks; entries are found by
 * their exact names (the names the workbook's own relationships give, or
 * the fixed part names), never used as paths. Each entry is inflated in
 * 64 KiB blocks straight into an expat parser, so the memory an entry
 * takes is what is kept of it, not its size: the shared strings (capped
 * in total) and the cells of columns A to P of at most TK_XLSX_ROWS_MAX
 * rows per sheet. The size an entry declares is checked first and the
 * bytes actually inflated are counted as well, since a zip bomb can lie
 * in its header. A DOCTYPE stops the parser (no entity expansion at all).
 * Element names are compared without their namespace prefix, so that
 * workbooks written with prefixed names ("x:row") read the same.
 *
 * Importing. The workbook's 情報 sheet names the tenant and the period;
 * the requests of that period are selected as every surface selects them
 * (tk_answers_requests()) and each row is checked against them. Every
 * problem is collected with its sheet, row and column; only a workbook
 * with none is recorded, in one transaction. */
#include "api/xlsx.h"

#include <expat.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minizip/unzip.h>
#include <xlsxwriter.h>

#include "models/rulecat.h"
#include "src/alloc.h"
#include "src/crypto.h"
#include "src/period.h"

/* ---- checksum -------------------------------------------------------------------- */

int tk_xlsx_checksum(const char *const *ids, size_t n, char *buf, size_t cap, tk_error *err)
{
    tk_crypto_sha256 h;
    uint8_t d[TK_CRYPTO_SHA256_SIZE];
    int rc = tk_crypto_sha256_init(&h, err);
    for (size_t i = 0; rc == TK_OK && i < n; i++) {
        rc = tk_crypto_sha256_update(&h, ids[i], strlen(ids[i]), err);
        if (rc == TK_OK)
            rc = tk_crypto_sha256_update(&h, "\n", 1, err);
    }
    if (rc == TK_OK) {
        tk_crypto_sha256_final(&h, d);
        size_t k = 0;
        for (size_t i = 0; i < sizeof d && k + 3 <= cap; i++)
            k += (size_t)snprintf(buf + k, cap - k, "%02x", d[i]);
    }
    tk_crypto_sha256_dispose(&h);
    return rc;
}

/* ---- writing ---------------------------------------------------------------------- */

static const char *const headers[TK_XLSX_NCOLS] = {
    "照会番号",       "No",   "日付",   "職員ID・端末", "所属",         "システム", "点検項目",
    "対象者（仮名）", "内容", "重要度", "判定",         "業務上の理由", "確認者",   "確認日"};
static const double widths[TK_XLSX_NCOLS] = {20, 5, 12, 14, 14, 16, 20, 14, 40, 8, 10, 40, 14, 12};

static const char *severity_ja(const char *s)
{
    if (strcmp(s, "critical") == 0)
        return "重大";
    if (strcmp(s, "high") == 0)
        return "高";
    if (strcmp(s, "medium") == 0)
        return "中";
    if (strcmp(s, "low") == 0)
        return "低";
    return "—";
}

static lxw_datetime day_datetime(int64_t day)
{
    char buf[16];
    tk_period_format_day(day, buf, sizeof buf);
    lxw_datetime d = {0, 0, 0, 0, 0, 0.0};
    d.year = atoi(buf);
    d.month = atoi(buf + 5);
    d.day = atoi(buf + 8);
    return d;
}

/* The first resident pseudonym under o (depth-first, at most 4 levels). */
static const char *find_resident(json_t *o, int depth)
{
    const char *key;
    json_t *v;
    size_t i;
    if (depth > 4)
        return NULL;
    if (json_is_object(o)) {
        v = json_object_get(o, "resident");
        if (json_is_string(v))
            return json_string_value(v);
        json_object_foreach(o, key, v)
        {
            const char *r = find_resident(v, depth + 1);
            if (r != NULL)
                return r;
        }
    } else if (json_is_array(o)) {
        json_array_foreach(o, i, v)
        {
            const char *r = find_resident(v, depth + 1);
            if (r != NULL)
                return r;
        }
    }
    return NULL;
}

/* The masked subject of item `rank` of run: the first resident pseudonym
 * of its explanation cut to 8 hex digits, as the CLI shows it, or "—". */
static void subject(tk_db *db, int64_t run, int64_t rank, char *buf, size_t cap)
{
    tk_anomalies_item it;
    snprintf(buf, cap, "—");
    if (db == NULL || tk_anomalies_get(db, run, rank, &it, NULL) != TK_OK)
        return;
    json_t *o = it.explanation ? json_loads(it.explanation, 0, NULL) : NULL;
    const char *r = o ? find_resident(o, 0) : NULL;
    if (r != NULL && r[0] != '\0')
        snprintf(buf, cap, "%.8s…", r);
    json_decref(o);
    tk_anomalies_item_dispose(&it);
}

int tk_xlsx_write(const char *path, tk_db *db, const char *tenant, const tk_answers_set *s,
                  tk_error *err)
{
    char **ids = NULL;
    lxw_workbook *wb = workbook_new(path);
    if (wb == NULL)
        return tk_error_set(err, TK_EIO, "cannot create the workbook %s", path);
    int rc = TK_OK;
    lxw_worksheet *ws = workbook_add_worksheet(wb, TK_XLSX_SHEET_REQUESTS);
    lxw_worksheet *info = workbook_add_worksheet(wb, TK_XLSX_SHEET_INFO);
    lxw_format *head = workbook_add_format(wb);
    lxw_format *cell = workbook_add_format(wb);
    lxw_format *open = workbook_add_format(wb);
    lxw_format *date = workbook_add_format(wb);
    if (ws == NULL || info == NULL || head == NULL || cell == NULL || open == NULL ||
        date == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory writing the workbook");
        goto done;
    }
    format_set_bold(head);
    format_set_bg_color(head, 0xD9E1F2);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_text_wrap(head);
    format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_border(cell, LXW_BORDER_THIN);
    format_set_text_wrap(cell);
    format_set_align(cell, LXW_ALIGN_VERTICAL_TOP);
    format_set_border(open, LXW_BORDER_THIN);
    format_set_text_wrap(open);
    format_set_align(open, LXW_ALIGN_VERTICAL_TOP);
    format_set_unlocked(open);
    format_set_bg_color(open, 0xFFF2CC);
    format_set_border(date, LXW_BORDER_THIN);
    format_set_align(date, LXW_ALIGN_VERTICAL_TOP);
    format_set_unlocked(date);
    format_set_bg_color(date, 0xFFF2CC);
    format_set_num_format(date, "yyyy-mm-dd");

    for (lxw_col_t c = 0; c < TK_XLSX_NCOLS; c++) {
        worksheet_set_column(ws, c, c, widths[c], NULL);
        worksheet_write_string(ws, 0, c, headers[c], head);
    }
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_repeat_rows(ws, 0, 0);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_header(ws, "&L&\"-,Bold\"要確認事項&R&P / &N");

    ids = tk_calloc(s->n ? s->n : 1, sizeof *ids);
    if (ids == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory writing the workbook");
        goto done;
    }
    for (size_t i = 0; i < s->n; i++) {
        const tk_answers_request *r = &s->v[i];
        const tk_anomalies_item *it = &r->item;
        const lxw_row_t row = (lxw_row_t)(i + 1);
        char days[48], a[16], b[16], rule[96], sys[512], subj[32];
        ids[i] = (char *)r->case_id;
        tk_period_format_day(it->first_day, a, sizeof a);
        tk_period_format_day(it->last_day, b, sizeof b);
        if (it->day == TK_ANOMALIES_PERIOD_ITEM)
            snprintf(days, sizeof days, "期間全体");
        else if (it->first_day == it->last_day)
            snprintf(days, sizeof days, "%s", a);
        else
            snprintf(days, sizeof days, "%s〜%s", a, b);
        if (it->model) {
            snprintf(rule, sizeof rule, "統計モデル");
        } else {
            const size_t k = tk_rulecat_find(it->rule_id, strlen(it->rule_id));
            snprintf(rule, sizeof rule, "%s %s", it->rule_id,
                     k < tk_rulecat_count() ? tk_rulecat_rule_at(k)->name_ja : "");
        }
        size_t k = 0;
        sys[0] = '\0';
        for (size_t j = 0; j < it->nsystems && k < sizeof sys; j++)
            k += (size_t)snprintf(sys + k, sizeof sys - k, "%s%s", j ? "、" : "", it->systems[j]);
        subject(db, s->run, it->rank, subj, sizeof subj);
        worksheet_write_string(ws, row, TK_XLSX_COL_CASE, r->case_id, cell);
        worksheet_write_number(ws, row, TK_XLSX_COL_NO, (double)r->no, cell);
        worksheet_write_string(ws, row, TK_XLSX_COL_DAY, days, cell);
        worksheet_write_string(ws, row, TK_XLSX_COL_ENTITY, it->entity, cell);
        worksheet_write_string(ws, row, TK_XLSX_COL_DEPT, it->dept ? it->dept : "—", cell);
        worksheet_write_string(ws, row, TK_XLSX_COL_SYSTEM, sys[0] ? sys : "—", cell);
        worksheet_write_string(ws, row, TK_XLSX_COL_RULE, rule, cell);
        worksheet_write_string(ws, row, TK_XLSX_COL_SUBJECT, subj, cell);
        worksheet_write_string(ws, row, TK_XLSX_COL_WHY, it->summary ? it->summary : "", cell);
        worksheet_write_string(ws, row, TK_XLSX_COL_SEVERITY, severity_ja(it->severity), cell);
        if (r->answered) {
            lxw_datetime d = day_datetime(r->answer.confirmed_on);
            worksheet_write_string(ws, row, TK_XLSX_COL_VERDICT,
                                   tk_answers_verdict_label(r->answer.verdict), open);
            worksheet_write_string(ws, row, TK_XLSX_COL_REASON, r->answer.reason, open);
            worksheet_write_string(ws, row, TK_XLSX_COL_BY, r->answer.confirmed_by, open);
            worksheet_write_datetime(ws, row, TK_XLSX_COL_DATE, &d, date);
        } else {
            worksheet_write_blank(ws, row, TK_XLSX_COL_VERDICT, open);
            worksheet_write_blank(ws, row, TK_XLSX_COL_REASON, open);
            worksheet_write_blank(ws, row, TK_XLSX_COL_BY, open);
            worksheet_write_blank(ws, row, TK_XLSX_COL_DATE, date);
        }
    }
    if (s->n > 0) {
        char v0[] = "正当", v1[] = "不適切", v2[] = "調査中";
        char *list[] = {v0, v1, v2, NULL};
        char t1[] = "判定", m1[] = "正当・不適切・調査中から選んでください";
        lxw_data_validation dv;
        memset(&dv, 0, sizeof dv);
        dv.validate = LXW_VALIDATION_TYPE_LIST;
        dv.value_list = list;
        dv.error_title = t1;
        dv.error_message = m1;
        worksheet_data_validation_range(ws, 1, TK_XLSX_COL_VERDICT, (lxw_row_t)s->n,
                                        TK_XLSX_COL_VERDICT, &dv);
        char t2[] = "確認日", m2[] = "日付（YYYY-MM-DD）を入力してください";
        lxw_data_validation dd;
        memset(&dd, 0, sizeof dd);
        dd.validate = LXW_VALIDATION_TYPE_DATE;
        dd.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        dd.minimum_datetime = day_datetime(s->period.first_day);
        dd.maximum_datetime = (lxw_datetime){2099, 12, 31, 0, 0, 0.0};
        dd.error_title = t2;
        dd.error_message = m2;
        worksheet_data_validation_range(ws, 1, TK_XLSX_COL_DATE, (lxw_row_t)s->n, TK_XLSX_COL_DATE,
                                        &dd);
    }
    lxw_protection prot;
    memset(&prot, 0, sizeof prot);
    prot.format_columns = 1;
    prot.format_rows = 1;
    worksheet_protect(ws, NULL, &prot);

    char period[32], run[32], n[32], sum[80];
    tk_period_format(&s->period, period, sizeof period);
    snprintf(run, sizeof run, "%lld", (long long)s->run);
    snprintf(n, sizeof n, "%zu", s->n);
    rc = tk_xlsx_checksum((const char *const *)ids, s->n, sum, sizeof sum, err);
    if (rc != TK_OK)
        goto done;
    const char *const rows[][2] = {{"様式", TK_XLSX_FORMAT}, {"テナント", tenant},
                                   {"期間", period},         {"分析", run},
                                   {"照会件数", n},          {"チェックサム", sum}};
    worksheet_set_column(info, 0, 0, 14, NULL);
    worksheet_set_column(info, 1, 1, 70, NULL);
    for (lxw_row_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        worksheet_write_string(info, i, 0, rows[i][0], NULL);
        worksheet_write_string(info, i, 1, rows[i][1], NULL);
    }
    worksheet_protect(info, NULL, NULL);
    worksheet_hide(info);
    worksheet_activate(ws);
done:
    tk_free(ids);
    {
        const lxw_error le = workbook_close(wb);
        if (rc == TK_OK && le != LXW_NO_ERROR)
            rc = tk_error_set(err, TK_EIO, "cannot write the workbook %s: %s", path,
                              lxw_strerror(le));
    }
    return rc;
}

/* ---- reading: the book ------------------------------------------------------------ */

struct cell {
    char *text;
    int numeric;
};

struct row {
    size_t r;
    struct cell c[TK_XLSX_COLS];
};

struct sheet {
    char *name;
    char *rid;
    char *part; /* the entry name of its XML */
    struct row *rows;
    size_t n, cap;
};

#define SHEETS_MAX 64

struct tk_xlsx_book {
    struct sheet sheets[SHEETS_MAX];
    size_t nsheets;
    char **ss; /* shared strings */
    size_t nss, capss;
    size_t ss_bytes;
    int date1904;
    uint64_t inflated; /* bytes inflated so far, all entries */
};

void tk_xlsx_book_destroy(tk_xlsx_book *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->nsheets; i++) {
        struct sheet *s = &b->sheets[i];
        for (size_t j = 0; j < s->n; j++)
            for (size_t c = 0; c < TK_XLSX_COLS; c++)
                tk_free(s->rows[j].c[c].text);
        tk_free(s->rows);
        tk_free(s->name);
        tk_free(s->rid);
        tk_free(s->part);
    }
    for (size_t i = 0; i < b->nss; i++)
        tk_free(b->ss[i]);
    tk_free(b->ss);
    tk_free(b);
}

static const struct sheet *find_sheet(const tk_xlsx_book *b, const char *name)
{
    for (size_t i = 0; b != NULL && i < b->nsheets; i++)
        if (b->sheets[i].name && strcmp(b->sheets[i].name, name) == 0)
            return &b->sheets[i];
    return NULL;
}

int tk_xlsx_has_sheet(const tk_xlsx_book *b, const char *name)
{
    return find_sheet(b, name) != NULL;
}

size_t tk_xlsx_last_row(const tk_xlsx_book *b, const char *name)
{
    const struct sheet *s = find_sheet(b, name);
    size_t last = 0;
    for (size_t i = 0; s != NULL && i < s->n; i++)
        for (size_t c = 0; c < TK_XLSX_COLS; c++)
            if (s->rows[i].c[c].text != NULL && s->rows[i].r > last)
                last = s->rows[i].r;
    return last;
}

const char *tk_xlsx_cell(const tk_xlsx_book *b, const char *name, size_t row, size_t col,
                         int *numeric)
{
    const struct sheet *s = find_sheet(b, name);
    if (numeric)
        *numeric = 0;
    if (s == NULL || col >= TK_XLSX_COLS)
        return NULL;
    /* Rows are kept in the order the part lists them, ascending in every
     * workbook Excel writes: a binary search, then a linear one for a part
     * that lists its rows out of order. */
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (s->rows[mid].r < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n && s->rows[lo].r == row) {
        if (numeric)
            *numeric = s->rows[lo].c[col].numeric;
        return s->rows[lo].c[col].text;
    }
    for (size_t i = 0; i < s->n; i++) /* rows out of order */
        if (s->rows[i].r == row) {
            if (numeric)
                *numeric = s->rows[i].c[col].numeric;
            return s->rows[i].c[col].text;
        }
    return NULL;
}

int tk_xlsx_date1904(const tk_xlsx_book *b)
{
    return b->date1904;
}

/* ---- reading: the archive ---------------------------------------------------------- */

struct memfile {
    const unsigned char *p;
    size_t len, pos;
};

static voidpf ZCALLBACK mem_open(voidpf opaque, const void *filename, int mode)
{
    (void)filename;
    (void)mode;
    return opaque;
}

static uLong ZCALLBACK mem_read(voidpf opaque, voidpf stream, void *buf, uLong size)
{
    struct memfile *m = stream;
    (void)opaque;
    size_t n = m->len - m->pos;
    if (n > size)
        n = size;
    memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    return (uLong)n;
}

static uLong ZCALLBACK mem_write(voidpf opaque, voidpf stream, const void *buf, uLong size)
{
    (void)opaque;
    (void)stream;
    (void)buf;
    (void)size;
    return 0;
}

static ZPOS64_T ZCALLBACK mem_tell(voidpf opaque, voidpf stream)
{
    (void)opaque;
    return ((struct memfile *)stream)->pos;
}

static long ZCALLBACK mem_seek(voidpf opaque, voidpf stream, ZPOS64_T off, int origin)
{
    struct memfile *m = stream;
    (void)opaque;
    uint64_t base;
    switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET:
        base = 0;
        break;
    case ZLIB_FILEFUNC_SEEK_CUR:
        base = m->pos;
        break;
    case ZLIB_FILEFUNC_SEEK_END:
        base = m->len;
        break;
    default:
        return -1;
    }
    if (off > m->len || base + off > m->len)
        return -1;
    m->pos = (size_t)(base + off);
    return 0;
}

static int ZCALLBACK mem_close(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

static int ZCALLBACK mem_error(voidpf opaque, voidpf stream)
{
    (void)opaque;
    (void)stream;
    return 0;
}

/* ---- reading: XML ------------------------------------------------------------------ */

enum part { PART_WORKBOOK, PART_RELS, PART_STRINGS, PART_SHEET };

struct parse {
    tk_xlsx_book *b;
    enum part part;
    struct sheet *sheet;
    XML_Parser xp;
    int rc;
    tk_error *err;
    const char *entry;
    /* text being collected */
    int collect; /* inside a <t> (not in <rPh>) or <v> */
    int in_rph;
    char *text;
    size_t tlen, tcap;
    int in_si;
    /* the current row and cell */
    size_t row, next_row, col, next_col;
    char ctype[16];
    int in_cell, have_value;
};

static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
    for (size_t i = 0; atts[i] != NULL; i += 2)
        if (strcmp(local(atts[i]), name) == 0)
            return atts[i + 1];
    return NULL;
}

static void fail(struct parse *x, int code, const char *fmt, ...) TK_PRINTF(3, 4);
static void fail(struct parse *x, int code, const char *fmt, ...)
{
    if (x->rc != TK_OK)
        return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    x->rc = tk_error_set(x->err, code, "%s: %s", x->entry, msg);
    XML_StopParser(x->xp, XML_FALSE);
}

static char *dupn(const char *s, size_t n)
{
    return tk_strndup(s, n);
}

/* Cell reference "AB12" → column 27 (0-based) and row 12. Returns 0 when
 * it is not one. */
static int cell_ref(const char *s, size_t *col, size_t *row)
{
    size_t c = 0, r = 0, nl = 0, nd = 0;
    for (; *s >= 'A' && *s <= 'Z'; s++, nl++)
        if (nl < 4)
            c = c * 26 + (size_t)(*s - 'A' + 1);
    for (; *s >= '0' && *s <= '9'; s++, nd++)
        if (nd < 8)
            r = r * 10 + (size_t)(*s - '0');
    if (*s != '\0' || nl == 0 || nl > 3 || nd == 0 || nd > 7 || r == 0)
        return 0;
    *col = c - 1;
    *row = r;
    return 1;
}

static int parse_row_number(const char *s, size_t *row)
{
    size_t r = 0, nd = 0;
    for (; *s >= '0' && *s <= '9'; s++, nd++)
        if (nd < 8)
            r = r * 10 + (size_t)(*s - '0');
    if (*s != '\0' || nd == 0 || nd > 7 || r == 0)
        return 0;
    *row = r;
    return 1;
}

static void on_start(void *ud, const char *name, const char **atts)
{
    struct parse *x = ud;
    const char *n = local(name);
    if (x->rc != TK_OK)
        return;
    switch (x->part) {
    case PART_WORKBOOK:
        if (strcmp(n, "workbookPr") == 0) {
            const char *d = attr(atts, "date1904");
            x->b->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
        } else if (strcmp(n, "sheet") == 0) {
            const char *sn = attr(atts, "name"), *id = attr(atts, "id");
            if (sn == NULL || id == NULL)
                return;
            if (x->b->nsheets == SHEETS_MAX) {
                fail(x, TK_ERANGE, "more than %d sheets", SHEETS_MAX);
                return;
            }
            struct sheet *s = &x->b->sheets[x->b->nsheets++];
            s->name = dupn(sn, strlen(sn));
            s->rid = dupn(id, strlen(id));
            if (s->name == NULL || s->rid == NULL)
                fail(x, TK_ENOMEM, "out of memory");
        }
        return;
    case PART_RELS:
        if (strcmp(n, "Relationship") == 0) {
            const char *id = attr(atts, "Id"), *t = attr(atts, "Target");
            for (size_t i = 0; id && t && i < x->b->nsheets; i++) {
                struct sheet *s = &x->b->sheets[i];
                if (s->part != NULL || strcmp(s->rid, id) != 0)
                    continue;
                const size_t len = strlen(t);
                if (len > 200)
                    return;
                char buf[256];
                if (t[0] == '/')
                    snprintf(buf, sizeof buf, "%s", t + 1);
                else
                    snprintf(buf, sizeof buf, "xl/%s", t);
                s->part = dupn(buf, strlen(buf));
                if (s->part == NULL)
                    fail(x, TK_ENOMEM, "out of memory");
            }
        }
        return;
    case PART_STRINGS:
        if (strcmp(n, "si") == 0) {
            x->in_si = 1;
            x->tlen = 0;
        } else if (strcmp(n, "rPh") == 0) {
            x->in_rph = 1;
        } else if (strcmp(n, "t") == 0 && x->in_si && !x->in_rph) {
            x->collect = 1;
        }
        return;
    case PART_SHEET:
        if (strcmp(n, "row") == 0) {
            const char *r = attr(atts, "r");
            size_t rn = x->next_row;
            if (r != NULL && !parse_row_number(r, &rn)) {
                fail(x, TK_EPARSE, "a row has a bad number '%.20s'", r);
                return;
            }
            x->row = rn;
            x->next_row = rn + 1;
            x->next_col = 0;
        } else if (strcmp(n, "c") == 0) {
            const char *r = attr(atts, "r"), *t = attr(atts, "t");
            size_t col = x->next_col, row = x->row;
            if (r != NULL && !cell_ref(r, &col, &row)) {
                fail(x, TK_EPARSE, "a cell has a bad reference '%.20s'", r);
                return;
            }
            if (row != x->row && x->row != 0) {
                fail(x, TK_EPARSE, "cell %.20s is not in its row %zu", r, x->row);
                return;
            }
            x->col = col;
            x->next_col = col + 1;
            snprintf(x->ctype, sizeof x->ctype, "%s", t ? t : "n");
            x->in_cell = 1;
            x->have_value = 0;
            x->tlen = 0;
        } else if (x->in_cell && strcmp(n, "rPh") == 0) {
            x->in_rph = 1;
        } else if (x->in_cell && (strcmp(n, "v") == 0 || (strcmp(n, "t") == 0 && !x->in_rph))) {
            x->collect = 1;
            x->have_value = 1;
        }
        return;
    }
}

static int add_shared(struct parse *x)
{
    tk_xlsx_book *b = x->b;
    if (b->nss == b->capss) {
        if (b->nss >= 4000000) {
            fail(x, TK_ERANGE, "more than 4000000 shared strings");
            return 0;
        }
        const size_t cap = b->capss ? b->capss * 2 : 256;
        char **p = tk_realloc(b->ss, cap * sizeof *p);
        if (p == NULL) {
            fail(x, TK_ENOMEM, "out of memory");
            return 0;
        }
        b->ss = p;
        b->capss = cap;
    }
    b->ss_bytes += x->tlen + 1;
    if (b->ss_bytes > TK_XLSX_ENTRY_MAX / 2) {
        fail(x, TK_ERANGE, "shared strings over %u bytes", TK_XLSX_ENTRY_MAX / 2);
        return 0;
    }
    b->ss[b->nss] = dupn(x->text ? x->text : "", x->tlen);
    if (b->ss[b->nss] == NULL) {
        fail(x, TK_ENOMEM, "out of memory");
        return 0;
    }
    b->nss++;
    return 1;
}

static struct row *row_for(struct parse *x, size_t r)
{
    struct sheet *s = x->sheet;
    if (s->n > 0 && s->rows[s->n - 1].r == r)
        return &s->rows[s->n - 1];
    if (s->n == TK_XLSX_ROWS_MAX) {
        fail(x, TK_ERANGE, "sheet %s has more than %u rows", s->name, TK_XLSX_ROWS_MAX);
        return NULL;
    }
    if (s->n == s->cap) {
        const size_t cap = s->cap ? s->cap * 2 : 64;
        struct row *p = tk_realloc(s->rows, cap * sizeof *p);
        if (p == NULL) {
            fail(x, TK_ENOMEM, "out of memory");
            return NULL;
        }
        s->rows = p;
        s->cap = cap;
    }
    struct row *w = &s->rows[s->n++];
    memset(w, 0, sizeof *w);
    w->r = r;
    return w;
}

static void finish_text(struct parse *x);

static void end_cell(struct parse *x)
{
    x->in_cell = 0;
    if (!x->have_value || x->col >= TK_XLSX_COLS || x->row == 0)
        return;
    const char *t = x->text ? x->text : "";
    size_t len = x->tlen;
    int numeric = 0;
    if (strcmp(x->ctype, "s") == 0) {
        size_t i = 0, nd = 0;
        for (; nd < len && t[nd] >= '0' && t[nd] <= '9'; nd++)
            if (nd < 10)
                i = i * 10 + (size_t)(t[nd] - '0');
        if (nd == 0 || nd != len || nd > 9 || i >= x->b->nss) {
            fail(x, TK_EPARSE, "a cell refers to shared string '%.20s' of %zu", t, x->b->nss);
            return;
        }
        t = x->b->ss[i];
        len = strlen(t);
    } else if (strcmp(x->ctype, "n") == 0) {
        numeric = 1;
    } else {
        finish_text(x);
        t = x->text ? x->text : "";
        len = x->tlen;
    }
    if (len == 0)
        return;
    struct row *w = row_for(x, x->row);
    if (w == NULL)
        return;
    tk_free(w->c[x->col].text);
    w->c[x->col].text = dupn(t, len);
    w->c[x->col].numeric = numeric;
    if (w->c[x->col].text == NULL)
        fail(x, TK_ENOMEM, "out of memory");
}

static void on_end(void *ud, const char *name)
{
    struct parse *x = ud;
    const char *n = local(name);
    if (x->rc != TK_OK)
        return;
    if (strcmp(n, "rPh") == 0) {
        x->in_rph = 0;
    } else if (strcmp(n, "t") == 0 || strcmp(n, "v") == 0) {
        x->collect = 0;
    } else if (x->part == PART_STRINGS && strcmp(n, "si") == 0) {
        x->in_si = 0;
        finish_text(x);
        add_shared(x);
    } else if (x->part == PART_SHEET && strcmp(n, "c") == 0) {
        end_cell(x);
    }
}

static void on_text(void *ud, const char *s, int len)
{
    struct parse *x = ud;
    if (x->rc != TK_OK || !x->collect || len <= 0)
        return;
    size_t n = (size_t)len;
    if (x->tlen + n > TK_XLSX_CELL_MAX) {
        fail(x, TK_ERANGE, "a cell holds more than %u bytes", TK_XLSX_CELL_MAX);
        return;
    }
    if (x->tlen + n + 1 > x->tcap) {
        size_t cap = x->tcap ? x->tcap : 256;
        while (cap < x->tlen + n + 1)
            cap *= 2;
        char *p = tk_realloc(x->text, cap);
        if (p == NULL) {
            fail(x, TK_ENOMEM, "out of memory");
            return;
        }
        x->text = p;
        x->tcap = cap;
    }
    memcpy(x->text + x->tlen, s, n);
    x->tlen += n;
    x->text[x->tlen] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The text of a cell as the city typed it, in place: OOXML writes a
 * character XML cannot hold (a CR of a line break) as "_xHHHH_" and a
 * literal "_x" as "_x005F_x"; a line break CR LF or CR reads as LF. The
 * result is never longer than the input. */
static void finish_text(struct parse *x)
{
    char *t = x->text;
    size_t k = 0;
    if (t == NULL)
        return;
    for (size_t i = 0; i < x->tlen;) {
        if (t[i] == '_' && i + 6 < x->tlen && t[i + 1] == 'x' && t[i + 6] == '_' &&
            hexval(t[i + 2]) >= 0 && hexval(t[i + 3]) >= 0 && hexval(t[i + 4]) >= 0 &&
            hexval(t[i + 5]) >= 0) {
            const unsigned cp = (unsigned)(hexval(t[i + 2]) << 12 | hexval(t[i + 3]) << 8 |
                                           hexval(t[i + 4]) << 4 | hexval(t[i + 5]));
            i += 7;
            if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
                continue; /* not a character: dropped */
            } else if (cp < 0x80) {
                t[k++] = (char)cp;
            } else if (cp < 0x800) {
                t[k++] = (char)(0xc0 | cp >> 6);
                t[k++] = (char)(0x80 | (cp & 0x3f));
            } else {
                t[k++] = (char)(0xe0 | cp >> 12);
                t[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
                t[k++] = (char)(0x80 | (cp & 0x3f));
            }
        } else {
            t[k++] = t[i++];
        }
    }
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (t[i] == '\r') {
            if (i + 1 < k && t[i + 1] == '\n')
                continue;
            t[m++] = '\n';
        } else {
            t[m++] = t[i];
        }
    }
    t[m] = '\0';
    x->tlen = m;
}

static void on_doctype(void *ud, const char *name, const char *sysid, const char *pubid,
                       int internal)
{
    struct parse *x = ud;
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)internal;
    fail(x, TK_EPARSE, "a DOCTYPE is not allowed");
}

/* Inflates entry `name` of uf into an expat parser for part. Returns
 * TK_OK, TK_ENOTFOUND (no such entry, when optional), or an error. */
static int read_part(unzFile uf, tk_xlsx_book *b, const char *name, enum part part,
                     struct sheet *sheet, int optional, tk_error *err)
{
    if (unzLocateFile(uf, name, 1) != UNZ_OK) {
        if (optional)
            return TK_ENOTFOUND;
        return tk_error_set(err, TK_EPARSE, "not a workbook: the archive has no %s", name);
    }
    unz_file_info64 fi;
    if (unzGetCurrentFileInfo64(uf, &fi, NULL, 0, NULL, 0, NULL, 0) != UNZ_OK)
        return tk_error_set(err, TK_EPARSE, "%s: a damaged zip entry", name);
    if (fi.flag & 1)
        return tk_error_set(err, TK_EPARSE, "%s: the entry is encrypted", name);
    if (fi.uncompressed_size > TK_XLSX_ENTRY_MAX)
        return tk_error_set(err, TK_ERANGE, "%s: the entry holds more than %u bytes", name,
                            TK_XLSX_ENTRY_MAX);
    if (unzOpenCurrentFile(uf) != UNZ_OK)
        return tk_error_set(err, TK_EPARSE, "%s: cannot open the zip entry", name);
    struct parse x;
    memset(&x, 0, sizeof x);
    x.b = b;
    x.part = part;
    x.sheet = sheet;
    x.err = err;
    x.entry = name;
    x.rc = TK_OK;
    x.next_row = 1;
    x.xp = XML_ParserCreate("UTF-8");
    unsigned char *buf = tk_alloc(65536);
    uint64_t got = 0;
    if (x.xp == NULL || buf == NULL) {
        x.rc = tk_error_set(err, TK_ENOMEM, "out of memory reading %s", name);
    } else {
        XML_SetUserData(x.xp, &x);
        XML_SetElementHandler(x.xp, on_start, on_end);
        XML_SetCharacterDataHandler(x.xp, on_text);
        XML_SetStartDoctypeDeclHandler(x.xp, on_doctype);
    }
    while (x.rc == TK_OK) {
        const int n = unzReadCurrentFile(uf, buf, 65536);
        if (n < 0) {
            x.rc = tk_error_set(err, TK_EPARSE, "%s: a damaged zip entry (%d)", name, n);
            break;
        }
        got += (uint64_t)n;
        b->inflated += (uint64_t)n;
        if (got > TK_XLSX_ENTRY_MAX) {
            x.rc = tk_error_set(err, TK_ERANGE, "%s: the entry inflates to more than %u bytes",
                                name, TK_XLSX_ENTRY_MAX);
            break;
        }
        if (b->inflated > TK_XLSX_TOTAL_MAX) {
            x.rc = tk_error_set(err, TK_ERANGE, "the archive inflates to more than %u bytes",
                                TK_XLSX_TOTAL_MAX);
            break;
        }
        if (XML_Parse(x.xp, (const char *)buf, n, n == 0) == XML_STATUS_ERROR) {
            if (x.rc == TK_OK)
                x.rc = tk_error_set(err, TK_EPARSE, "%s: line %lu: %s", name,
                                    (unsigned long)XML_GetCurrentLineNumber(x.xp),
                                    XML_ErrorString(XML_GetErrorCode(x.xp)));
            break;
        }
        if (n == 0)
            break;
    }
    const int crc = unzCloseCurrentFile(uf);
    if (x.rc == TK_OK && crc != UNZ_OK)
        x.rc = tk_error_set(err, TK_EPARSE, "%s: the entry fails its CRC check", name);
    if (x.xp)
        XML_ParserFree(x.xp);
    tk_free(buf);
    tk_free(x.text);
    return x.rc;
}

int tk_xlsx_read(const void *p, size_t len, tk_xlsx_book **out, tk_error *err)
{
    *out = NULL;
    if (len > TK_XLSX_ARCHIVE_MAX)
        return tk_error_set(err, TK_ERANGE, "the workbook holds %zu bytes, more than %u", len,
                            TK_XLSX_ARCHIVE_MAX);
    if (len < 4 || memcmp(p, "PK\x03\x04", 4) != 0)
        return tk_error_set(err, TK_EPARSE, "not a workbook: an XLSX file is a zip archive");
    struct memfile m = {p, len, 0};
    zlib_filefunc64_def ff;
    memset(&ff, 0, sizeof ff);
    ff.zopen64_file = mem_open;
    ff.zread_file = mem_read;
    ff.zwrite_file = mem_write;
    ff.ztell64_file = mem_tell;
    ff.zseek64_file = mem_seek;
    ff.zclose_file = mem_close;
    ff.zerror_file = mem_error;
    ff.opaque = &m;
    unzFile uf = unzOpen2_64("workbook.xlsx", &ff);
    if (uf == NULL)
        return tk_error_set(err, TK_EPARSE, "not a workbook: a damaged zip archive");
    tk_xlsx_book *b = tk_calloc(1, sizeof *b);
    int rc = b ? TK_OK : tk_error_set(err, TK_ENOMEM, "out of memory reading the workbook");
    unz_global_info64 gi;
    if (rc == TK_OK && unzGetGlobalInfo64(uf, &gi) != UNZ_OK)
        rc = tk_error_set(err, TK_EPARSE, "not a workbook: a damaged zip archive");
    if (rc == TK_OK && gi.number_entry > 10000)
        rc = tk_error_set(err, TK_ERANGE, "the archive holds %llu entries, more than 10000",
                          (unsigned long long)gi.number_entry);
    if (rc == TK_OK)
        rc = read_part(uf, b, "xl/workbook.xml", PART_WORKBOOK, NULL, 0, err);
    if (rc == TK_OK)
        rc = read_part(uf, b, "xl/_rels/workbook.xml.rels", PART_RELS, NULL, 0, err);
    if (rc == TK_OK) {
        rc = read_part(uf, b, "xl/sharedStrings.xml", PART_STRINGS, NULL, 1, err);
        if (rc == TK_ENOTFOUND)
            rc = TK_OK;
    }
    for (size_t i = 0; rc == TK_OK && i < b->nsheets; i++) {
        if (b->sheets[i].part == NULL)
            continue; /* a chart sheet, or a sheet with no part: nothing to read */
        rc = read_part(uf, b, b->sheets[i].part, PART_SHEET, &b->sheets[i], 0, err);
    }
    unzClose(uf);
    if (rc != TK_OK) {
        tk_xlsx_book_destroy(b);
        return rc;
    }
    *out = b;
    return TK_OK;
}

/* ---- dates ------------------------------------------------------------------------- */

/* Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int valid_ymd(int64_t y, int64_t m, int64_t d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1990 || y > 2099 || m < 1 || m > 12 || d < 1)
        return 0;
    const int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

static int number(const char **s, int64_t *v, int maxd)
{
    int n = 0;
    *v = 0;
    while (**s >= '0' && **s <= '9' && n < maxd) {
        *v = *v * 10 + (**s - '0');
        (*s)++;
        n++;
    }
    return n > 0 && !(**s >= '0' && **s <= '9');
}

int tk_xlsx_parse_date(const char *s, int numeric, int date1904, int64_t *day, tk_error *err)
{
    if (s == NULL)
        return tk_error_set(err, TK_EINVAL, "a date is required");
    if (numeric) {
        char *end = NULL;
        const double v = strtod(s, &end);
        if (end == s || *end != '\0' || !isfinite(v) || v < 61 || v > 80000)
            return tk_error_set(err, TK_EINVAL, "expected a date, not the number %.32s", s);
        *day = (int64_t)floor(v) - (date1904 ? 24107 : 25569);
        return TK_OK;
    }
    const char *p = s;
    int64_t y, m, d;
    while (*p == ' ')
        p++;
    int ok = number(&p, &y, 4);
    if (ok && (*p == '-' || *p == '/'))
        p++;
    else if (ok && strncmp(p, "年", strlen("年")) == 0)
        p += strlen("年");
    else
        ok = 0;
    ok = ok && number(&p, &m, 2);
    if (ok && (*p == '-' || *p == '/'))
        p++;
    else if (ok && strncmp(p, "月", strlen("月")) == 0)
        p += strlen("月");
    else
        ok = 0;
    ok = ok && number(&p, &d, 2);
    if (ok && strncmp(p, "日", strlen("日")) == 0)
        p += strlen("日");
    while (ok && *p == ' ')
        p++;
    if (!ok || *p != '\0' || !valid_ymd(y, m, d))
        return tk_error_set(err, TK_EINVAL, "expected a date YYYY-MM-DD, not '%.40s'", s);
    *day = days_from_civil(y, m, d);
    return TK_OK;
}

/* ---- importing ---------------------------------------------------------------------- */

void tk_xlsx_result_dispose(tk_xlsx_result *r)
{
    if (r == NULL)
        return;
    tk_free(r->issues);
    memset(r, 0, sizeof *r);
}

static int issue(tk_xlsx_result *r, const char *sheet, size_t row, int col, const char *fmt, ...)
    TK_PRINTF(5, 6);
static int issue(tk_xlsx_result *r, const char *sheet, size_t row, int col, const char *fmt, ...)
{
    if (r->nissues == TK_XLSX_ISSUES_MAX) {
        r->more++;
        return TK_OK;
    }
    if (r->issues == NULL) {
        r->issues = tk_calloc(TK_XLSX_ISSUES_MAX, sizeof *r->issues);
        if (r->issues == NULL)
            return TK_ENOMEM;
    }
    tk_xlsx_issue *x = &r->issues[r->nissues++];
    snprintf(x->sheet, sizeof x->sheet, "%s", sheet);
    x->row = row;
    if (col >= 0)
        snprintf(x->column, sizeof x->column, "%c", 'A' + col);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->msg, sizeof x->msg, fmt, ap);
    va_end(ap);
    return TK_OK;
}

/* The value of key (column A) in sheet 情報, and its row. */
static const char *info_value(const tk_xlsx_book *b, const char *key, size_t *row)
{
    const size_t last = tk_xlsx_last_row(b, TK_XLSX_SHEET_INFO);
    for (size_t r = 1; r <= last && r <= 64; r++) {
        const char *k = tk_xlsx_cell(b, TK_XLSX_SHEET_INFO, r, 0, NULL);
        if (k != NULL && strcmp(k, key) == 0) {
            *row = r;
            return tk_xlsx_cell(b, TK_XLSX_SHEET_INFO, r, 1, NULL);
        }
    }
    *row = 0;
    return NULL;
}

static int blank(const char *s)
{
    for (; s != NULL && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n')
            return 0;
    return 1;
}

static const int field_col[] = {TK_XLSX_COL_VERDICT, TK_XLSX_COL_REASON, TK_XLSX_COL_BY,
                                TK_XLSX_COL_DATE, TK_XLSX_COL_VERDICT};

/* A row's answer, parsed and checked; 1 when it is to be recorded. */
struct pending {
    const tk_answers_request *r;
    tk_answers_input in;
};

static int check_rows(const tk_xlsx_book *b, const tk_answers_set *s, const tk_actor *actor,
                      tk_xlsx_result *res, struct pending *todo, size_t *ntodo, tk_error *err)
{
    const char *const S = TK_XLSX_SHEET_REQUESTS;
    const size_t last = tk_xlsx_last_row(b, S);
    char prefix[16], day[16];
    tk_period_format_day(s->period.first_day, day, sizeof day);
    snprintf(prefix, sizeof prefix, "C-%.4s-%.2s-", day, day + 5);
    unsigned char *seen = tk_calloc(s->n ? s->n : 1, 1);
    if (seen == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory checking the workbook");
    int rc = TK_OK;
    for (size_t row = 2; rc == TK_OK && row <= last; row++) {
        const char *c[TK_XLSX_NCOLS];
        int num[TK_XLSX_NCOLS];
        int any = 0;
        for (int k = 0; k < TK_XLSX_NCOLS; k++) {
            c[k] = tk_xlsx_cell(b, S, row, (size_t)k, &num[k]);
            any |= c[k] != NULL;
        }
        if (!any)
            continue;
        res->rows++;
        const char *id = c[TK_XLSX_COL_CASE];
        if (blank(id)) {
            rc = issue(res, S, row, TK_XLSX_COL_CASE, "the case id (照会番号) is missing");
            continue;
        }
        const tk_answers_request *r = tk_answers_find(s, id);
        if (r == NULL) {
            if (strlen(id) == 18 && strncmp(id, "C-", 2) == 0 && strncmp(id, prefix, 10) != 0)
                rc =
                    issue(res, S, row, TK_XLSX_COL_CASE,
                          "case %.24s is of another period: this workbook answers %s…", id, prefix);
            else
                rc = issue(res, S, row, TK_XLSX_COL_CASE,
                           "unknown case id '%.40s': not among the requests of the period", id);
            continue;
        }
        const size_t at = (size_t)(r - s->v);
        if (seen[at]++) {
            rc = issue(res, S, row, TK_XLSX_COL_CASE, "case %s is listed twice", id);
            continue;
        }
        const int answered = !blank(c[TK_XLSX_COL_VERDICT]) || !blank(c[TK_XLSX_COL_REASON]) ||
                             !blank(c[TK_XLSX_COL_BY]) || !blank(c[TK_XLSX_COL_DATE]);
        if (!answered) {
            res->blank++;
            continue;
        }
        tk_answers_input in = {TK_ANSWERS_JUSTIFIED,
                               c[TK_XLSX_COL_REASON] ? c[TK_XLSX_COL_REASON] : "",
                               c[TK_XLSX_COL_BY],
                               0,
                               "xlsx",
                               0,
                               0};
        int bad = 0;
        tk_error e = {0, ""};
        if (blank(c[TK_XLSX_COL_VERDICT])) {
            rc = issue(res, S, row, TK_XLSX_COL_VERDICT,
                       "the verdict (判定) is missing: expected 正当, 不適切 or 調査中");
            bad = 1;
        } else if (tk_answers_verdict_parse(c[TK_XLSX_COL_VERDICT], strlen(c[TK_XLSX_COL_VERDICT]),
                                            &in.verdict, &e) != TK_OK) {
            rc = issue(res, S, row, TK_XLSX_COL_VERDICT, "'%.40s': %s", c[TK_XLSX_COL_VERDICT],
                       e.msg);
            bad = 1;
        }
        if (rc == TK_OK && blank(c[TK_XLSX_COL_DATE])) {
            rc = issue(res, S, row, TK_XLSX_COL_DATE,
                       "the confirmation date (確認日) is missing: expected YYYY-MM-DD");
            bad = 1;
        } else if (rc == TK_OK &&
                   tk_xlsx_parse_date(c[TK_XLSX_COL_DATE], num[TK_XLSX_COL_DATE],
                                      tk_xlsx_date1904(b), &in.confirmed_on, &e) != TK_OK) {
            rc = issue(res, S, row, TK_XLSX_COL_DATE, "%s", e.msg);
            bad = 1;
        }
        if (rc != TK_OK || bad)
            continue;
        tk_answers_field f = TK_ANSWERS_FIELD_VERDICT;
        if (tk_answers_check(&s->period, r, &in, actor, &f, &e) != TK_OK) {
            rc = issue(res, S, row, field_col[f], "%s", e.msg);
            continue;
        }
        if (tk_answers_same(r, &in)) {
            res->unchanged++;
            continue;
        }
        todo[(*ntodo)++] = (struct pending){r, in};
    }
    tk_free(seen);
    return rc == TK_OK ? TK_OK : tk_error_set(err, rc, "out of memory checking the workbook");
}

int tk_xlsx_import(tk_db *db, const char *tenant, const void *p, size_t len,
                   const tk_answers_options *o, int dry_run, const tk_actor *actor,
                   tk_xlsx_result *out, tk_error *err)
{
    memset(out, 0, sizeof *out);
    tk_xlsx_book *b = NULL;
    tk_answers_set s;
    memset(&s, 0, sizeof s);
    struct pending *todo = NULL;
    size_t ntodo = 0, row = 0;
    const char *const I = TK_XLSX_SHEET_INFO;
    int rc = tk_xlsx_read(p, len, &b, err);
    if (rc != TK_OK)
        return rc;
    const char *format = info_value(b, "様式", &row);
    if (!tk_xlsx_has_sheet(b, I) || !tk_xlsx_has_sheet(b, TK_XLSX_SHEET_REQUESTS) ||
        format == NULL || strcmp(format, TK_XLSX_FORMAT) != 0) {
        rc = tk_error_set(err, TK_EPARSE,
                          "not a confirmations workbook of tenken: it needs the sheets %s and %s "
                          "as `tenken confirmations export` writes them",
                          TK_XLSX_SHEET_REQUESTS, I);
        goto done;
    }
    const char *wt = info_value(b, "テナント", &row);
    if (wt == NULL || strcmp(wt, tenant) != 0) {
        rc = issue(out, I, row, 1, "the workbook is of tenant '%.64s', not %s", wt ? wt : "",
                   tenant);
        goto reject;
    }
    const char *wp = info_value(b, "期間", &row);
    if (wp == NULL || tk_period_parse(wp, strlen(wp), &out->period, NULL) != TK_OK) {
        rc = issue(out, I, row, 1, "the period is missing or damaged");
        goto reject;
    }
    rc = tk_period_check_open(db, &out->period, err);
    if (rc == TK_OK)
        rc = tk_answers_requests(db, &out->period, o, &s, err);
    if (rc != TK_OK)
        goto done;
    out->run = s.run;
    /* The case ids as exported: the checksum of column A in order. */
    {
        const size_t last = tk_xlsx_last_row(b, TK_XLSX_SHEET_REQUESTS);
        const char **ids = tk_calloc(last + 1, sizeof *ids);
        size_t nids = 0;
        char sum[80];
        if (ids == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory checking the workbook");
            goto done;
        }
        for (size_t r = 2; r <= last; r++) {
            const char *id = tk_xlsx_cell(b, TK_XLSX_SHEET_REQUESTS, r, TK_XLSX_COL_CASE, NULL);
            if (id != NULL)
                ids[nids++] = id;
        }
        rc = tk_xlsx_checksum(ids, nids, sum, sizeof sum, err);
        tk_free(ids);
        if (rc != TK_OK)
            goto done;
        const char *ws = info_value(b, "チェックサム", &row);
        if (ws == NULL || strcmp(ws, sum) != 0)
            rc = issue(out, TK_XLSX_SHEET_REQUESTS, 0, TK_XLSX_COL_CASE,
                       "the case ids (照会番号) are not those the workbook was exported with: "
                       "rows were added, removed, moved or changed");
    }
    for (int k = 0; rc == TK_OK && k < TK_XLSX_NCOLS; k++) {
        const char *h = tk_xlsx_cell(b, TK_XLSX_SHEET_REQUESTS, 1, (size_t)k, NULL);
        if (h == NULL || strcmp(h, headers[k]) != 0)
            rc = issue(out, TK_XLSX_SHEET_REQUESTS, 1, k, "expected the heading %s, not '%.40s'",
                       headers[k], h ? h : "");
    }
    todo = tk_calloc(s.n ? s.n : 1, sizeof *todo);
    if (rc != TK_OK || todo == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory checking the workbook");
        goto done;
    }
    rc = check_rows(b, &s, actor, out, todo, &ntodo, err);
    if (rc != TK_OK)
        goto done;
reject:
    if (rc != TK_OK) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory checking the workbook");
        goto done;
    }
    if (out->nissues > 0) {
        rc = tk_error_set(err, TK_EREJECTED, "%zu problem%s in the workbook: nothing was stored",
                          out->nissues + out->more, out->nissues + out->more == 1 ? "" : "s");
        goto done;
    }
    out->recorded = ntodo;
    if (dry_run || ntodo == 0)
        goto done;
    rc = tk_db_begin(db, err);
    for (size_t i = 0; rc == TK_OK && i < ntodo; i++)
        rc = tk_answers_record(db, &s, todo[i].r, &todo[i].in, actor, NULL, err);
    if (rc == TK_OK)
        rc = tk_db_commit(db, err);
    if (rc != TK_OK) {
        tk_db_rollback(db);
        out->recorded = 0;
    }
done:
    tk_free(todo);
    tk_answers_set_dispose(&s);
    tk_xlsx_book_destroy(b);
    return rc;
}
