/* tests/api/test_pdf.c -- the PDF renderer of reports, checked with poppler.
 *
 * Builds report trees in C (Japanese headings, a 300-row table of long
 * Japanese text, notes of every tone, a list, facts, two hand-written SVG
 * charts), renders them into TK_TEST_TMP and reads the files back with
 * poppler-utils, as a reader would: pdfinfo (pages, A4, metadata), pdffonts
 * (the IPAex fonts embedded as subsets), pdftotext (the headings, the last
 * row, the repeated header row, the page numbers, the table of contents
 * pointing at the right pages) and pdftoppm (pages are not blank, the
 * chart's colours are on its page). Nothing is fetched from the network. */
#include "api/pdf.h"
#include "api/rdoc.h"

#include "tests/test.h"

#include <fontconfig/fontconfig.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CREATED 1727740800 /* 2024-10-01 00:00:00 UTC */

static char path[512];

/* fontconfig leaks a few hundred bytes parsing its configuration, once per
 * process; the leak checker is told so, and still sees everything else. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

/* Runs cmd and returns its standard output (malloc'd, NUL-terminated), or
 * NULL when it failed; prints what ran on failure. */
static char *run(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int st;

    if (!f) {
        fprintf(stderr, "cannot run: %s\n", cmd);
        return NULL;
    }
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? 2 * cap : 65536;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        const size_t got = fread(buf + n, 1, cap - n - 1, f);
        if (got == 0)
            break;
        n += got;
    }
    buf[n] = '\0';
    st = pclose(f);
    if (st != 0) {
        fprintf(stderr, "command failed (status %d): %s\noutput: %.2000s\n", st, cmd, buf);
        free(buf);
        return NULL;
    }
    return buf;
}

/* Prints what was searched for and a part of where, when it is missing. */
static int has(const char *hay, const char *needle)
{
    if (hay && strstr(hay, needle))
        return 1;
    fprintf(stderr, "missing \"%s\" in: %.1500s\n", needle, hay ? hay : "(null)");
    return 0;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

static int page_count(const char *file)
{
    char cmd[700];
    char *out;
    const char *p;
    int n = -1;

    snprintf(cmd, sizeof cmd, "pdfinfo '%s'", file);
    out = run(cmd);
    if (out && (p = strstr(out, "Pages:")) != NULL)
        n = atoi(p + 6);
    free(out);
    return n;
}

/* The text of page pg (0: all pages). */
static char *page_text(const char *file, int pg, int layout)
{
    char cmd[700];
    if (pg > 0)
        snprintf(cmd, sizeof cmd, "pdftotext %s -f %d -l %d '%s' -", layout ? "-layout" : "", pg,
                 pg, file);
    else
        snprintf(cmd, sizeof cmd, "pdftotext %s '%s' -", layout ? "-layout" : "", file);
    return run(cmd);
}

/* Rasterises page pg at 30 dpi and counts its pixels that are not white
 * and those close to the colour (r, g, b). Returns the pixel count, or -1. */
static long raster(const char *file, int pg, long *ink, long *near, int r, int g, int b)
{
    char cmd[900], ppm[600];
    FILE *f;
    int w, h, maxv;
    long total;

    snprintf(ppm, sizeof ppm, "%s/pdf-page-%d", tk_test_tmpdir(), pg);
    snprintf(cmd, sizeof cmd, "pdftoppm -r 30 -f %d -l %d -singlefile '%s' '%s'", pg, pg, file,
             ppm);
    free(run(cmd));
    strcat(ppm, ".ppm");
    f = fopen(ppm, "rb");
    if (!f) {
        fprintf(stderr, "no raster: %s\n", cmd);
        return -1;
    }
    if (fscanf(f, "P6 %d %d %d", &w, &h, &maxv) != 3 || maxv != 255) {
        fclose(f);
        return -1;
    }
    fgetc(f);
    *ink = *near = 0;
    total = (long)w * h;
    for (long i = 0; i < total; i++) {
        const int pr = fgetc(f), pgc = fgetc(f), pb = fgetc(f);
        if (pb == EOF)
            break;
        if (pr < 200 || pgc < 200 || pb < 200)
            (*ink)++;
        if (abs(pr - r) < 40 && abs(pgc - g) < 40 && abs(pb - b) < 40)
            (*near)++;
    }
    fclose(f);
    unlink(ppm);
    return total;
}

static const char *const CHART1 =
    "<svg xmlns='http://www.w3.org/2000/svg' width='400' height='200' viewBox='0 0 400 200'>"
    "<rect x='0' y='0' width='400' height='200' fill='#ffffff'/>"
    "<line x1='40' y1='170' x2='390' y2='170' stroke='#333' stroke-width='1'/>"
    "<rect x='60' y='70' width='40' height='100' fill='#e4572e'/>"
    "<rect x='130' y='40' width='40' height='130' fill='#e4572e'/>"
    "<rect x='200' y='110' width='40' height='60' fill='#e4572e'/>"
    "<rect x='270' y='20' width='40' height='150' fill='#e4572e'/>"
    "<text x='60' y='188' font-size='12' font-family='IPAexGothic'>総務課</text>"
    "<text x='130' y='188' font-size='12' font-family='IPAexGothic'>税務課</text>"
    "</svg>";

static const char *const CHART2 =
    "<svg xmlns='http://www.w3.org/2000/svg' width='500' height='180' viewBox='0 0 500 180'>"
    "<polyline points='20,160 80,120 140,130 200,60 260,90 320,40 380,70 440,30' fill='none' "
    "stroke='#2e86ab' stroke-width='4'/>"
    "<circle cx='200' cy='60' r='6' fill='#2e86ab'/>"
    "</svg>";

static const char *const LONG_TEXT =
    "深夜帯（22時〜翌5時）に住民基本台帳システムへの照会が集中しており、"
    "通常の業務時間帯の平均と比べて著しく多い件数が記録されています。"
    "照会対象の多くは当該職員の担当地区外の住民であり、業務上の必要性について確認が必要です。";

/* The report of the tests: cover, two chapters, every kind of block; a
 * table of nrows rows. Returns NULL on failure. */
static tk_rdoc *sample(size_t nrows)
{
    tk_rdoc *d = NULL;
    tk_error err;
    static const char *const headers[] = {"No", "日時", "利用者", "重要度", "内容", "所属長の回答"};
    static const unsigned flags[] = {TK_RDOC_COL_NUM | TK_RDOC_COL_NOWRAP,
                                     TK_RDOC_COL_NOWRAP,
                                     TK_RDOC_COL_NOWRAP,
                                     TK_RDOC_COL_SEVERITY,
                                     TK_RDOC_COL_WIDE,
                                     TK_RDOC_COL_BLANK};
    static const char *const sev[] = {"重大", "高", "中", "低"};
    static const char *const items[] = {
        "深夜・休日のアクセスについて、業務上の必要性を所属長が確認してください。",
        "担当外の住民情報の照会は、照会理由を記録してください。",
        "確認結果は回答欄に記入し、情報政策課へ提出してください。"};
    static const char *const facts[] = {"対象期間",     "2024年10月1日〜2024年10月31日",
                                        "対象システム", "住民基本台帳システム、税務システム",
                                        "検知件数",     "300件（うち重大 75件）"};

    if (tk_rdoc_create(&d, "分析点検結果レポート", "ja", &err) != TK_OK)
        return NULL;
    if (tk_rdoc_set_cover(d, "さくら市 2024年10月分", "取扱注意",
                          "tenken 分析点検 ― さくら市 情報政策課", &err) != TK_OK ||
        tk_rdoc_cover_fact(d, "対象期間", "2024年10月1日〜31日", &err) != TK_OK ||
        tk_rdoc_cover_fact(d, "団体", "さくら市", &err) != TK_OK ||
        tk_rdoc_cover_fact(d, "発行日", "2024年11月5日", &err) != TK_OK ||
        tk_rdoc_cover_fact(d, "分析実行", "run-20241105-0900", &err) != TK_OK)
        goto fail;
    if (tk_rdoc_heading(d, 1, "sec-1", "要確認事項", &err) != TK_OK ||
        tk_rdoc_para(d, LONG_TEXT, &err) != TK_OK ||
        tk_rdoc_note(d, TK_RDOC_INFO, "この報告書は自動分析の結果です。", &err) != TK_OK ||
        tk_rdoc_note(d, TK_RDOC_GOOD, "税務システムでは要確認事項はありませんでした。", &err) !=
            TK_OK ||
        tk_rdoc_note(d, TK_RDOC_WARN, "高の事案が 12 件あります。", &err) != TK_OK ||
        tk_rdoc_note(d, TK_RDOC_ALERT, LONG_TEXT, &err) != TK_OK ||
        tk_rdoc_list(d, items, 3, &err) != TK_OK || tk_rdoc_facts(d, facts, 3, &err) != TK_OK ||
        tk_rdoc_chart(d, "図1 課別の検知件数", "課別の検知件数の棒グラフ", CHART1, 120, 60, &err) !=
            TK_OK ||
        tk_rdoc_heading(d, 2, "sec-1-1", "検知の傾向", &err) != TK_OK ||
        tk_rdoc_para(d, LONG_TEXT, &err) != TK_OK ||
        tk_rdoc_chart(d, "図2 日別の推移", "日別の検知件数の折れ線グラフ", CHART2, 160, 58, &err) !=
            TK_OK)
        goto fail;
    if (tk_rdoc_heading(d, 1, "sec-2", "点検項目別の結果", &err) != TK_OK ||
        tk_rdoc_heading(d, 2, "sec-2-1", "事案一覧", &err) != TK_OK ||
        tk_rdoc_table(d, "表1 要確認事案の一覧", 6, headers, flags, &err) != TK_OK)
        goto fail;
    for (size_t r = 0; r < nrows; r++) {
        char no[16], when[32], who[32], what[600];
        const char *cells[6];
        snprintf(no, sizeof no, "%zu", r + 1);
        snprintf(when, sizeof when, "2024-10-%02zu %02zu:%02zu", r % 31 + 1, r % 24, r % 60);
        if (r + 1 == nrows)
            snprintf(who, sizeof who, "U-LAST-%04zu", r + 1);
        else
            snprintf(who, sizeof who, "U%05zu", 1000 + r * 7);
        snprintf(what, sizeof what, "%s%s", r % 3 == 0 ? LONG_TEXT : "担当外の住民情報の照会",
                 r % 5 == 0 ? "（再掲）" : "");
        cells[0] = no;
        cells[1] = when;
        cells[2] = who;
        cells[3] = sev[r % 4];
        cells[4] = what;
        cells[5] = NULL;
        if (tk_rdoc_table_row(d, cells, &err) != TK_OK)
            goto fail;
    }
    if (tk_rdoc_heading(d, 2, "sec-2-2", "まとめ", &err) != TK_OK ||
        tk_rdoc_para(d, "以上です。", &err) != TK_OK)
        goto fail;
    return d;
fail:
    fprintf(stderr, "building the sample failed: %s\n", err.msg);
    tk_rdoc_destroy(d);
    return NULL;
}

static int render(const tk_rdoc *d, const char *name, tk_error *err)
{
    tk_pdf_options o = TK_PDF_OPTIONS_INIT;
    o.created = CREATED;
    snprintf(path, sizeof path, "%s/%s", tk_test_tmpdir(), name);
    unlink(path);
    return tk_pdf_write(d, path, &o, err);
}

static void test_report(void)
{
    tk_rdoc *d = sample(300);
    tk_error err;
    char cmd[700], *info, *fonts, *text;
    int pages, rc;

    TK_REQUIRE(d);
    rc = render(d, "pdf-report.pdf", &err);
    if (rc != TK_OK)
        fprintf(stderr, "render: %s\n", err.msg);
    TK_REQUIRE(rc == TK_OK);
    {
        /* Made with the permissions of any new file (the umask's), and
         * no temporary file left beside it. */
        struct stat st;
        char cmd2[700], *left;
        const mode_t um = umask(022);
        umask(um);
        TK_CHECK(stat(path, &st) == 0);
        TK_CHECK_INT(st.st_mode & 0777, 0666 & ~um);
        snprintf(cmd2, sizeof cmd2, "ls '%s' | grep -c 'pdf-report.pdf.tmp' || true",
                 tk_test_tmpdir());
        left = run(cmd2);
        TK_CHECK(left && atoi(left) == 0);
        free(left);
    }
    pages = page_count(path);
    /* Cover, contents, two chapters; 300 rows at about 25 a page. */
    TK_CHECK(pages >= 12 && pages <= 40);

    snprintf(cmd, sizeof cmd, "pdfinfo '%s'", path);
    info = run(cmd);
    TK_CHECK(has(info, "(A4)"));
    TK_CHECK(has(info, "595.276 x 841.89"));
    TK_CHECK(has(info, "分析点検結果レポート"));
    TK_CHECK(has(info, "Creator:         tenken"));
    TK_CHECK(has(info, "2024"));
    free(info);

    snprintf(cmd, sizeof cmd, "pdffonts '%s'", path);
    fonts = run(cmd);
    TK_REQUIRE(fonts);
    /* Every font embedded as a subset: "+IPAexGothic ... yes yes". */
    {
        int seen_g = 0, seen_m = 0, lines = 0;
        char *save = NULL;
        for (char *ln = strtok_r(fonts, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
            if (strncmp(ln, "name", 4) == 0 || strncmp(ln, "----", 4) == 0)
                continue;
            lines++;
            if (strstr(ln, "+IPAexGothic"))
                seen_g = 1;
            if (strstr(ln, "+IPAexMincho"))
                seen_m = 1;
            if (!strstr(ln, "yes yes")) {
                fprintf(stderr, "font not embedded as a subset: %s\n", ln);
                TK_CHECK(0);
            }
            if (strstr(ln, "Type 3")) {
                fprintf(stderr, "a Type 3 font: %s\n", ln);
                TK_CHECK(0);
            }
        }
        TK_CHECK(seen_g);
        TK_CHECK(seen_m);
        TK_CHECK(lines >= 2);
    }
    free(fonts);

    text = page_text(path, 0, 0);
    TK_REQUIRE(text);
    TK_CHECK(has(text, "分析点検結果レポート"));
    TK_CHECK(has(text, "要確認事項"));
    TK_CHECK(has(text, "点検項目別の結果"));
    TK_CHECK(has(text, "取扱注意"));
    TK_CHECK(has(text, "U-LAST-0300"));
    TK_CHECK(has(text, "住民基本台帳システム"));
    {
        char n1[32], nn[32];
        snprintf(n1, sizeof n1, "1 / %d", pages);
        snprintf(nn, sizeof nn, "%d / %d", pages, pages);
        TK_CHECK(has(text, n1));
        TK_CHECK(has(text, nn));
        /* The footer on every page. */
        TK_CHECK(count_of(text, "情報政策課") >= pages);
    }
    free(text);

    /* The table of contents sends the reader to the right pages. */
    text = page_text(path, 2, 1);
    TK_REQUIRE(text);
    TK_CHECK(has(text, "目次"));
    {
        static const char *const heads[] = {"要確認事項", "検知の傾向", "点検項目別の結果",
                                            "事案一覧"};
        for (size_t i = 0; i < 4; i++) {
            const char *at = strstr(text, heads[i]);
            const char *eol;
            int pg = 0;
            char *there;
            TK_CHECK(has(text, heads[i]));
            if (!at)
                continue;
            eol = strchr(at, '\n');
            if (!eol)
                eol = at + strlen(at);
            for (const char *q = eol; q > at && q[-1] != ' ' && q[-1] != '\t'; q--)
                pg = atoi(q - 1) > 0 ? atoi(q - 1) : pg;
            if (pg < 3 || pg > pages) {
                fprintf(stderr, "no page number for %s: %.*s\n", heads[i], (int)(eol - at), at);
                TK_CHECK(0);
                continue;
            }
            there = page_text(path, pg, 0);
            if (!there || !strstr(there, heads[i])) {
                fprintf(stderr, "contents say %s is on page %d; it is not\n", heads[i], pg);
                TK_CHECK(0);
            }
            free(there);
        }
    }
    free(text);

    /* Every page that holds rows of the table holds its header row, and
     * the chapter pages have the running decorations. */
    {
        int table_pages = 0, chart_page = 0;
        for (int pg = 3; pg <= pages; pg++) {
            char *t = page_text(path, pg, 0);
            char pn[32];
            TK_REQUIRE(t);
            snprintf(pn, sizeof pn, "%d / %d", pg, pages);
            TK_CHECK(has(t, pn));
            TK_CHECK(has(t, "取扱注意"));
            if (strstr(t, "2024-10-")) {
                table_pages++;
                if (!strstr(t, "所属長の回答") || !strstr(t, "重要度")) {
                    fprintf(stderr, "page %d has rows but no header row:\n%.800s\n", pg, t);
                    TK_CHECK(0);
                }
            }
            if (strstr(t, "図1 課別の検知件数"))
                chart_page = pg;
            free(t);
        }
        TK_CHECK(table_pages >= 8);
        TK_CHECK(chart_page >= 3);
        /* The chart's bars (#e4572e) are drawn on its page. */
        if (chart_page) {
            long ink, near;
            const long total = raster(path, chart_page, &ink, &near, 0xe4, 0x57, 0x2e);
            TK_CHECK(total > 0);
            if (near < 20)
                fprintf(stderr, "chart page %d: %ld pixels of the bars' colour\n", chart_page,
                        near);
            TK_CHECK(near >= 20);
        }
    }

    /* The first three pages are not blank. */
    for (int pg = 1; pg <= 3; pg++) {
        long ink = 0, near = 0;
        const long total = raster(path, pg, &ink, &near, 0, 0, 0);
        TK_CHECK(total > 10000);
        if (ink * 400 < total)
            fprintf(stderr, "page %d looks blank: %ld of %ld pixels inked\n", pg, ink, total);
        TK_CHECK(ink * 400 >= total);
    }

    tk_rdoc_destroy(d);
}

/* A heading is never left at the foot of a page: wherever the text
 * before it ends, the heading's page also holds the first row of the
 * table under it (or the start of the paragraph). */
static void test_keep_with_next(void)
{
    tk_rdoc *d = NULL;
    tk_error err;
    static const char *const headers[] = {"項目", "内容"};
    static const unsigned flags[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE};
    char *text = NULL;
    int pages;

    TK_REQUIRE(tk_rdoc_create(&d, "見出しの位置", "ja", &err) == TK_OK);
    TK_REQUIRE(tk_rdoc_heading(d, 1, NULL, "本文", &err) == TK_OK);
    for (int k = 0; k < 40; k++) {
        char head[32], cap[32], c0[32], para[2048] = "";
        const char *cells[2];
        /* Paragraphs of 1 to 90 short sentences, so that the headings
         * fall at every height of a page. */
        for (int i = 0; i <= (k * 37) % 90; i++)
            strcat(para, "調整の文。");
        snprintf(head, sizeof head, "見出し%02d", k);
        snprintf(cap, sizeof cap, "表%02d", k);
        snprintf(c0, sizeof c0, "行%02d-1", k);
        TK_REQUIRE(tk_rdoc_para(d, para, &err) == TK_OK);
        TK_REQUIRE(tk_rdoc_heading(d, 2, NULL, head, &err) == TK_OK);
        if (k % 3 == 2) {
            snprintf(para, sizeof para, "段落%02d の始まり。%s", k, LONG_TEXT);
            TK_REQUIRE(tk_rdoc_para(d, para, &err) == TK_OK);
            continue;
        }
        TK_REQUIRE(tk_rdoc_table(d, cap, 2, headers, flags, &err) == TK_OK);
        /* A first row of several lines: the heading must keep room for
         * the caption, the header row and (the start of) that row. */
        snprintf(para, sizeof para, "%s%s%s", LONG_TEXT, LONG_TEXT, LONG_TEXT);
        cells[0] = c0;
        cells[1] = para;
        TK_REQUIRE(tk_rdoc_table_row(d, cells, &err) == TK_OK);
        TK_REQUIRE(tk_rdoc_table_row(d, cells, &err) == TK_OK);
    }
    TK_REQUIRE(render(d, "pdf-keep.pdf", &err) == TK_OK);
    pages = page_count(path);
    TK_REQUIRE(pages > 4);
    for (int pg = 3; pg <= pages; pg++) {
        free(text);
        text = page_text(path, pg, 0);
        TK_REQUIRE(text);
        for (int k = 0; k < 40; k++) {
            char head[32], next[32];
            snprintf(head, sizeof head, "見出し%02d", k);
            if (!strstr(text, head))
                continue;
            if (k % 3 == 2)
                snprintf(next, sizeof next, "段落%02d", k);
            else
                snprintf(next, sizeof next, "行%02d-1", k);
            if (!strstr(text, next)) {
                fprintf(stderr, "page %d: %s without %s under it\n", pg, head, next);
                TK_CHECK(0);
            }
        }
    }
    free(text);
    tk_rdoc_destroy(d);
}

/* The same tree and options give the same bytes. */
static void test_repeatable(void)
{
    tk_rdoc *d = sample(40);
    tk_error err;
    char a[600], cmd[1300];
    char *out;

    TK_REQUIRE(d);
    TK_REQUIRE(render(d, "pdf-again-1.pdf", &err) == TK_OK);
    snprintf(a, sizeof a, "%s", path);
    TK_REQUIRE(render(d, "pdf-again-2.pdf", &err) == TK_OK);
    snprintf(cmd, sizeof cmd, "cmp '%s' '%s' && echo same", a, path);
    out = run(cmd);
    TK_CHECK(has(out, "same"));
    free(out);
    snprintf(cmd, sizeof cmd, "pdfinfo '%s'", path);
    out = run(cmd);
    TK_CHECK(has(out, "Oct  1 00:00:00 2024 UTC"));
    free(out);
    tk_rdoc_destroy(d);
}

/* 2,000 rows render in a few seconds: measured in CPU time, so that a
 * machine busy with other tests does not fail it. */
static void test_speed(void)
{
    tk_rdoc *d = sample(2000);
    tk_error err;
    clock_t c0, c1;
    double secs;
    int pages;

    TK_REQUIRE(d);
    c0 = clock();
    TK_REQUIRE(render(d, "pdf-big.pdf", &err) == TK_OK);
    c1 = clock();
    secs = (double)(c1 - c0) / CLOCKS_PER_SEC;
    pages = page_count(path);
    printf("2000 rows: %d pages in %.2f s of CPU\n", pages, secs);
    TK_CHECK(pages > 60);
    /* About 1.3 s in a release build; sanitizers slow it several times. */
    TK_CHECK(secs < (getenv("ASAN_OPTIONS") ? 40.0 : 6.0));
    tk_rdoc_destroy(d);
}

/* An empty document is its cover alone. */
static void test_empty(void)
{
    tk_rdoc *d = NULL;
    tk_error err;
    char *text;

    TK_REQUIRE(tk_rdoc_create(&d, "空のレポート", "ja", &err) == TK_OK);
    TK_REQUIRE(render(d, "pdf-empty.pdf", &err) == TK_OK);
    TK_CHECK_INT(page_count(path), 1);
    text = page_text(path, 1, 0);
    TK_CHECK(has(text, "空のレポート"));
    TK_CHECK(has(text, "1 / 1"));
    free(text);
    tk_rdoc_destroy(d);
}

/* An English report names its contents in English. */
static void test_english(void)
{
    tk_rdoc *d = NULL;
    tk_error err;
    char *text;

    TK_REQUIRE(tk_rdoc_create(&d, "Inspection report", "en", &err) == TK_OK);
    TK_REQUIRE(tk_rdoc_heading(d, 1, NULL, "Findings", &err) == TK_OK);
    TK_REQUIRE(tk_rdoc_para(d, "Nothing to report.", &err) == TK_OK);
    TK_REQUIRE(render(d, "pdf-english.pdf", &err) == TK_OK);
    TK_CHECK_INT(page_count(path), 3);
    text = page_text(path, 2, 1);
    TK_CHECK(has(text, "Contents"));
    TK_CHECK(!strstr(text ? text : "", "目次"));
    TK_CHECK(has(text, "Findings"));
    free(text);
    tk_rdoc_destroy(d);
}

/* A cell of 20,000 characters, a cell of invalid UTF-8 and a broken SVG
 * neither hang nor crash: the cell is split over pages, the chart leaves
 * its words. */
static void test_hostile(void)
{
    tk_rdoc *d = NULL;
    tk_error err;
    static const char *const headers[] = {"ID", "本文"};
    static const unsigned flags[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE};
    char *huge = malloc(20000 * 3 + 1);
    const char *cells[2];
    char *text;
    int pages;

    TK_REQUIRE(huge);
    for (size_t i = 0; i < 20000; i++)
        memcpy(huge + 3 * i, i % 500 == 499 ? "終" : "漢", 3);
    huge[60000] = '\0';
    TK_REQUIRE(tk_rdoc_create(&d, "長いセル\xff", "ja", &err) == TK_OK);
    TK_REQUIRE(tk_rdoc_heading(d, 1, NULL, "長文", &err) == TK_OK);
    TK_REQUIRE(tk_rdoc_heading(d, 2, NULL, "壊れた見出し\xe3\x81", &err) == TK_OK);
    TK_REQUIRE(tk_rdoc_table(d, "長い表", 2, headers, flags, &err) == TK_OK);
    cells[0] = "row-huge";
    cells[1] = huge;
    TK_REQUIRE(tk_rdoc_table_row(d, cells, &err) == TK_OK);
    cells[0] = "row-bad";
    cells[1] = "ab\xff\xfe"
               "cd";
    TK_REQUIRE(tk_rdoc_table_row(d, cells, &err) == TK_OK);
    cells[0] = "row-after";
    cells[1] = "後続の行";
    TK_REQUIRE(tk_rdoc_table_row(d, cells, &err) == TK_OK);
    TK_REQUIRE(tk_rdoc_chart(d, "壊れた図", "説明文だけが残る図", "<svg><rect", 100, 50, &err) ==
               TK_OK);
    TK_REQUIRE(tk_rdoc_para(d, huge, &err) == TK_OK);
    {
        /* 64 columns: narrower than their padding, still laid out. */
        const char *h64[64];
        char names[64][8];
        for (size_t c = 0; c < 64; c++) {
            snprintf(names[c], sizeof names[c], "c%zu", c);
            h64[c] = names[c];
        }
        TK_REQUIRE(tk_rdoc_table(d, "広い表", 64, h64, NULL, &err) == TK_OK);
        TK_REQUIRE(tk_rdoc_table_row(d, h64, &err) == TK_OK);
    }
    TK_REQUIRE(render(d, "pdf-hostile.pdf", &err) == TK_OK);
    pages = page_count(path);
    TK_CHECK(pages > 5 && pages < 200);
    text = page_text(path, 0, 0);
    TK_CHECK(has(text, "row-after"));
    TK_CHECK(has(text, "説明文だけが残る図"));
    /* The huge cell's text is all there: 40 marks placed every 500th
     * character. */
    TK_CHECK(count_of(text, "終") >= 80);
    free(text);
    free(huge);
    tk_rdoc_destroy(d);
}

static int fail_sink(void *closure, const unsigned char *data, size_t len)
{
    size_t *seen = closure;
    (void)data;
    *seen += len;
    return *seen > 1000 ? -1 : 0;
}

/* Errors: a missing font names its package and leaves no file; a
 * directory that does not exist and a failing sink are I/O errors. */
static void test_errors(void)
{
    tk_rdoc *d = sample(3);
    tk_pdf_options o = TK_PDF_OPTIONS_INIT;
    tk_error err;
    struct stat st;
    size_t seen = 0;

    TK_REQUIRE(d);
    snprintf(path, sizeof path, "%s/pdf-nofont.pdf", tk_test_tmpdir());
    unlink(path);
    o.heading_family = "NoSuchFamilyForTenken";
    TK_CHECK_INT(tk_pdf_write(d, path, &o, &err), TK_ENOTFOUND);
    TK_CHECK(has(err.msg, "NoSuchFamilyForTenken"));
    TK_CHECK(stat(path, &st) != 0);
    {
        /* Nothing left behind. */
        char cmd[300];
        char *dir;
        snprintf(cmd, sizeof cmd, "ls %s/ | grep -c 'pdf-nofont.pdf' || true", tk_test_tmpdir());
        dir = run(cmd);
        TK_CHECK(dir && atoi(dir) == 0);
        free(dir);
    }
    o.heading_family = NULL;
    TK_CHECK_INT(tk_pdf_write(d, "/nonexistent-dir-tenken/x.pdf", &o, &err), TK_EIO);
    TK_CHECK(has(err.msg, "/nonexistent-dir-tenken/x.pdf"));
    TK_CHECK_INT(tk_pdf_write_to(d, fail_sink, &seen, &o, &err), TK_EIO);
    TK_CHECK(seen > 1000);
    /* A body family that is missing falls back to the heading family. */
    o.body_family = "NoSuchFamilyForTenken";
    snprintf(path, sizeof path, "%s/pdf-fallback.pdf", tk_test_tmpdir());
    TK_CHECK_INT(tk_pdf_write(d, path, &o, &err), TK_OK);
    TK_CHECK(page_count(path) >= 4);
    tk_rdoc_destroy(d);
}

/* Without the Japanese fonts (a fontconfig configuration with no font
 * directory) the error names the Debian package to install. Runs first:
 * fontconfig reads its configuration once, and is then set back. */
static void test_no_font(void)
{
    tk_rdoc *d = NULL;
    tk_error err;
    char conf[600];
    FILE *f;

    snprintf(conf, sizeof conf, "%s/pdf-nofonts.conf", tk_test_tmpdir());
    f = fopen(conf, "w");
    TK_REQUIRE(f);
    fputs("<?xml version=\"1.0\"?>\n<fontconfig></fontconfig>\n", f);
    fclose(f);
    TK_REQUIRE(tk_rdoc_create(&d, "フォントなし", "ja", &err) == TK_OK);
    setenv("FONTCONFIG_FILE", conf, 1);
    TK_CHECK(FcInitReinitialize());
    TK_CHECK_INT(tk_pdf_write_to(d, fail_sink, &(size_t){0}, NULL, &err), TK_ENOTFOUND);
    TK_CHECK(has(err.msg, "fonts-ipaexfont-gothic"));
    TK_CHECK(has(err.msg, "IPAexGothic"));
    unsetenv("FONTCONFIG_FILE");
    TK_CHECK(FcInitReinitialize());
    tk_rdoc_destroy(d);
}

int main(void)
{
    TK_RUN(test_no_font);
    TK_RUN(test_report);
    TK_RUN(test_keep_with_next);
    TK_RUN(test_repeatable);
    TK_RUN(test_speed);
    TK_RUN(test_empty);
    TK_RUN(test_english);
    TK_RUN(test_hostile);
    TK_RUN(test_errors);
    tk_pdf_release();
    TK_TEST_END();
}
