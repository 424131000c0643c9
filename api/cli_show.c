/* api/cli_show.c -- ranked items, explanations and evidence as text.
 *
 * What `tenken demo`, `tenken explain --format text` and `tenken events`
 * print for people. Tables are aligned by display width, not bytes:
 * Japanese text (systems, functions, summaries) takes two columns per
 * character on a terminal, so a UTF-8 string's width is counted
 * character by character, East Asian wide and fullwidth ranges as two.
 * Long cells are cut to their column's width with "…"; the last column
 * of a row is printed whole. Explanations are read from the item's JSON
 * (docs/models.md, docs/rules.md) and the evidence through
 * models/evidence: nothing here queries the store itself. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/cli.h"
#include "models/rulecat.h"
#include "src/alloc.h"
#include "src/period.h"
#include "src/timefmt.h"

/* Decodes the UTF-8 character at s (of *len bytes, at least 1); invalid
 * bytes are taken one at a time as U+FFFD. */
static unsigned long decode(const unsigned char *s, size_t *len)
{
    const unsigned char c = s[0];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0) {
        *len = 1;
        return 0xFFFD;
    }
    unsigned long cp = n == 1 ? c : c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *len = 1;
            return 0xFFFD;
        }
        cp = cp << 6 | (s[i] & 0x3F);
    }
    *len = n;
    return cp;
}

static size_t cp_width(unsigned long cp)
{
    if (cp < 0x1100)
        return 1;
    if (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF) ||
        (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
        (cp >= 0xA000 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
        (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
        (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
        (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

size_t tk_cli_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
        size_t len;
        w += cp_width(decode(p, &len));
        p += len;
    }
    return w;
}

/* Prints s in exactly w columns (cut with "…", padded with spaces), or
 * whole when last. A NULL s prints as empty. */
static void cell(FILE *out, const char *s, size_t w, int last)
{
    s = s ? s : "";
    if (last) {
        fputs(s, out);
        return;
    }
    const size_t sw = tk_cli_width(s);
    if (sw <= w) {
        fputs(s, out);
        for (size_t i = sw; i < w; i++)
            putc(' ', out);
        return;
    }
    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t len;
        const size_t cw = cp_width(decode(p, &len));
        if (used + cw + 1 > w)
            break;
        fwrite(p, 1, len, out);
        used += cw;
        p += len;
    }
    fputs("…", out);
    for (used++; used < w; used++)
        putc(' ', out);
}

/* ---- a table of text cells ------------------------------------------------ */

#define MAXCOL 12
#define CELL   640 /* bytes of a cell: a summary whole */

/* Copies src into dst (cap bytes), cut at a character boundary if longer. */
static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

struct table {
    size_t ncol;
    const char *head[MAXCOL];
    size_t cap[MAXCOL];          /* widest a column may grow (0: the last column) */
    int right[MAXCOL];           /* right-aligned (numbers) */
    char (*cells)[MAXCOL][CELL]; /* nrows rows, owned by the caller */
    size_t nrows;
};

static void table_print(FILE *out, const struct table *t, const char *indent)
{
    size_t w[MAXCOL];
    for (size_t c = 0; c < t->ncol; c++) {
        w[c] = tk_cli_width(t->head[c]);
        for (size_t r = 0; r < t->nrows; r++) {
            const size_t cw = tk_cli_width(t->cells[r][c]);
            w[c] = cw > w[c] ? cw : w[c];
        }
        if (t->cap[c] && w[c] > t->cap[c])
            w[c] = t->cap[c];
    }
    for (size_t r = 0; r <= t->nrows; r++) {
        fputs(indent, out);
        /* the last non-empty cell ends the line: no trailing blanks */
        size_t end = t->ncol;
        while (r > 0 && end > 1 && t->cells[r - 1][end - 1][0] == '\0')
            end--;
        for (size_t c = 0; c < end; c++) {
            const char *s = r == 0 ? t->head[c] : t->cells[r - 1][c];
            const int last = c + 1 == end;
            if (t->right[c] && r > 0 && !last) {
                for (size_t i = tk_cli_width(s); i < w[c]; i++)
                    putc(' ', out);
                cell(out, s, w[c], 1);
            } else {
                cell(out, s, w[c], last);
            }
            if (!last)
                fputs("  ", out);
        }
        putc('\n', out);
    }
}

/* ---- the ranked list ---------------------------------------------------------- */

void tk_cli_show_items(FILE *out, const tk_anomalies_item *items, size_t n, const char *indent)
{
    struct table t = {6,
                      {"rank", "score", "entity", "day", "rule/model", "summary"},
                      {0, 0, 28, 0, 0, 0},
                      {1, 1, 0, 0, 0, 0},
                      NULL,
                      0};
    t.cells = tk_calloc(n ? n : 1, sizeof *t.cells);
    if (t.cells == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        const tk_anomalies_item *it = &items[i];
        char(*row)[CELL] = t.cells[t.nrows++];
        snprintf(row[0], sizeof row[0], "%lld", (long long)it->rank);
        snprintf(row[1], sizeof row[1], "%.1f", it->score);
        char ent[CELL + 16];
        snprintf(ent, sizeof ent, "%s %s", it->entity_type, it->entity);
        copy_text(row[2], sizeof row[2], ent);
        if (it->day == TK_ANOMALIES_PERIOD_ITEM)
            snprintf(row[3], sizeof row[3], "period");
        else
            tk_period_format_day(it->day, row[3], sizeof row[3]);
        snprintf(row[4], sizeof row[4], "%s", it->model ? "model" : it->rule_id);
        copy_text(row[5], sizeof row[5], it->summary);
    }
    table_print(out, &t, indent);
    tk_free(t.cells);
}

/* ---- evidence rows ------------------------------------------------------------ */

static void fmt_time(int64_t t, char *buf, size_t cap)
{
    int y, m, d;
    tk_civil_from_days(tk_jst_day(t), &y, &m, &d);
    const int ms = tk_jst_ms_of_day(t);
    snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, ms / 3600000, ms / 60000 % 60,
             ms / 1000 % 60);
}

void tk_cli_show_events(FILE *out, const tk_evidence *e, size_t limit, const char *indent)
{
    const size_t n = tk_evidence_count(e) < limit ? tk_evidence_count(e) : limit;
    struct table t = {11,
                      {"time", "system", "user", "terminal", "operation", "function", "result",
                       "count", "resident", "file:record", "detail"},
                      {0, 16, 12, 16, 0, 20, 0, 0, 8, 40, 0},
                      {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0},
                      NULL,
                      0};
    t.cells = tk_calloc(n ? n : 1, sizeof *t.cells);
    if (t.cells == NULL)
        return;
    for (size_t k = 0; k < n; k++) {
        const tk_evidence_row *r = tk_evidence_row_at(e, k);
        char(*row)[CELL] = t.cells[t.nrows++];
        fmt_time(r->t, row[0], sizeof row[0]);
        copy_text(row[1], sizeof row[1], r->system ? r->system : "");
        copy_text(row[2], sizeof row[2], r->user ? r->user : "");
        copy_text(row[3], sizeof row[3], r->terminal ? r->terminal : "");
        copy_text(row[4], sizeof row[4], r->operation ? r->operation : "");
        copy_text(row[5], sizeof row[5], r->function ? r->function : "");
        snprintf(row[6], sizeof row[6], "%s", r->failed ? "failure" : "success");
        if (r->count >= 0)
            snprintf(row[7], sizeof row[7], "%lld", (long long)r->count);
        snprintf(row[8], sizeof row[8], "%.8s", r->resident);
        char where[1100];
        if (r->record > 0)
            snprintf(where, sizeof where, "%.1000s:%lld", r->file_name, (long long)r->record);
        else
            snprintf(where, sizeof where, "%.1000s", r->file_name);
        copy_text(row[9], sizeof row[9], where);
        char detail[4 * CELL] = "";
        if (r->device)
            snprintf(detail, sizeof detail, "%s%s%s%s", r->device, r->serial ? " (" : "",
                     r->serial ? r->serial : "", r->serial ? ")" : "");
        if (r->detail) {
            const size_t used = strlen(detail);
            snprintf(detail + used, sizeof detail - used, "%s%s", used ? "; " : "", r->detail);
        }
        /* one line per row: line breaks inside a detail become spaces */
        for (char *p = detail; *p; p++)
            if (*p == '\n' || *p == '\r' || *p == '\t')
                *p = ' ';
        copy_text(row[10], sizeof row[10], detail);
    }
    table_print(out, &t, indent);
    tk_free(t.cells);
}

/* ---- one item's explanation ---------------------------------------------------- */

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A number as people read it: integers without decimals, else up to 3
 * significant decimals. */
static void num(double v, char *buf, size_t cap)
{
    if (isnan(v))
        snprintf(buf, cap, "-");
    else if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, cap, "%.0f", v);
    else if (fabs(v) >= 100)
        snprintf(buf, cap, "%.1f", v);
    else
        snprintf(buf, cap, "%.3g", v);
}

static double jnum(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static void show_rule(FILE *out, const tk_anomalies_item *it, const json_t *ex)
{
    const size_t r = tk_rulecat_find(it->rule_id, strlen(it->rule_id));
    const tk_rulecat_rule *rule = r != (size_t)-1 ? tk_rulecat_rule_at(r) : NULL;
    char v[32], th[32];
    num(jnum(ex, "value"), v, sizeof v);
    num(jnum(ex, "threshold"), th, sizeof th);
    const char *unit = jstr(ex, "unit");
    const char *from = jstr(ex, "day_from"), *to = jstr(ex, "day_to");
    fprintf(out, "  what:     rule %s %s (%s), severity %s\n", it->rule_id,
            rule ? rule->name_ja : "", rule ? rule->name_en : "?",
            it->severity[0] ? it->severity : "-");
    if (from && to && strcmp(from, to) != 0)
        fprintf(out, "  when:     %s..%s\n", from, to);
    else if (to)
        fprintf(out, "  when:     %s\n", to);
    fprintf(out, "  value:    %s%s against the threshold %s%s\n", v, unit ? unit : "", th,
            unit ? unit : "");
    if (jstr(ex, "context"))
        fprintf(out, "  context:  %s\n", jstr(ex, "context"));
    if (jstr(ex, "resident"))
        fprintf(out, "  resident: 仮名 %.8s\n", jstr(ex, "resident"));
    const double ms = jnum(ex, "model_score");
    if (!isnan(ms))
        fprintf(out, "  models:   the models score the user's day %.1f\n", ms);
}

static void show_model(FILE *out, const json_t *ex)
{
    const char *level = jstr(ex, "level");
    const char *dept = jstr(ex, "dept");
    if (level && strcmp(level, "period") == 0)
        fprintf(out, "  what:     the %s's whole period %s..%s against its own history%s%s\n",
                jstr(ex, "terminal") ? "terminal" : "user", jstr(ex, "day_from"),
                jstr(ex, "day_to"), dept ? " and its 所属 " : "", dept ? dept : "");
    else
        fprintf(out, "  what:     the %s's day %s against its own history%s%s\n",
                level && strcmp(level, "terminal-day") == 0 ? "terminal" : "user",
                jstr(ex, "day") ? jstr(ex, "day") : "?", dept ? " and its 所属 " : "",
                dept ? dept : "");
    const json_t *tops = json_object_get(ex, "top_features");
    if (json_array_size(tops) > 0)
        fprintf(out, "  features:\n");
    for (size_t i = 0; i < json_array_size(tops); i++) {
        const json_t *f = json_array_get(tops, i);
        char v[32], usual[32], peer[32], p[32];
        num(jnum(f, "value"), v, sizeof v);
        double u = jnum(f, "user_baseline_mean");
        if (isnan(u))
            u = jnum(f, "user_baseline_median");
        if (isnan(u))
            u = jnum(f, "terminal_baseline_mean");
        if (isnan(u))
            u = jnum(f, "user_baseline_expected");
        if (isnan(u))
            u = jnum(f, "terminal_baseline_expected");
        num(u, usual, sizeof usual);
        num(jnum(f, "peer_median_today"), peer, sizeof peer);
        snprintf(p, sizeof p, "%.1e", jnum(f, "p_own"));
        fprintf(out, "    ");
        cell(out, jstr(f, "label"), 34, 0);
        fprintf(out, "  %8s  usual %8s", v, usual);
        if (!isnan(jnum(f, "peer_median_today")))
            fprintf(out, "  所属 today %s", peer);
        fprintf(out, "  p %s\n", p);
    }
    const json_t *tod = json_object_get(ex, "time_of_day");
    if (tod != NULL) {
        char hc[32], he[32];
        num(jnum(tod, "hour_events"), hc, sizeof hc);
        num(jnum(tod, "hour_expected"), he, sizeof he);
        fprintf(out, "  hours:    %02.0f:00-%02.0f:59 had %s events (usual %s)\n",
                jnum(tod, "hour"), jnum(tod, "hour"), hc, he);
    }
    if (jstr(ex, "evidence_day"))
        fprintf(out, "  evidence from the most unusual day, %s\n", jstr(ex, "evidence_day"));
}

/* A case's days and, when it has more than one, its findings. */
static void show_case(FILE *out, const tk_anomalies_item *it, const json_t *ex)
{
    char from[16], to[16];
    tk_period_format_day(it->first_day, from, sizeof from);
    tk_period_format_day(it->last_day, to, sizeof to);
    fprintf(out, "  case:     %s..%s, %zu day%s, %zu finding%s%s%s\n", from, to, it->days,
            it->days == 1 ? "" : "s", it->findings, it->findings == 1 ? "" : "s",
            it->rules[0] ? ", rules " : "", it->rules);
    const json_t *fl = json_object_get(ex, "findings");
    if (json_array_size(fl) < 2)
        return;
    for (size_t i = 0; i < json_array_size(fl); i++) {
        const json_t *f = json_array_get(fl, i);
        const char *rule = jstr(f, "rule_id"), *sev = jstr(f, "severity");
        const char *df = jstr(f, "day_from"), *dt = jstr(f, "day_to");
        char days[32];
        if (df && dt && strcmp(df, dt) != 0)
            snprintf(days, sizeof days, "%s..%s", df, dt);
        else
            snprintf(days, sizeof days, "%s", dt ? dt : "?");
        fprintf(out, "    %-5s %-22s %-8s %5.1f  %s (evidence %zu)\n", rule ? rule : "model", days,
                sev ? sev : "-", jnum(f, "score"), jstr(f, "summary") ? jstr(f, "summary") : "",
                json_array_size(json_object_get(f, "evidence")));
    }
    if (json_array_size(fl) < it->findings)
        fprintf(out, "    ... and %zu more\n", it->findings - json_array_size(fl));
}

int tk_cli_show_item(FILE *out, tk_db *db, const tk_anomalies_item *it, const char *period,
                     size_t rows, tk_error *err)
{
    json_error_t je;
    json_t *ex = json_loads(it->explanation, 0, &je);
    fprintf(out, "item %lld of run #%lld (%s), score %.1f: %s %s\n", (long long)it->rank,
            (long long)it->run_id, period, it->score, it->entity_type, it->entity);
    fprintf(out, "  %s\n", it->summary);
    show_case(out, it, ex);
    if (it->model)
        show_model(out, ex);
    else
        show_rule(out, it, ex);
    json_decref(ex);
    tk_evidence *e = NULL;
    int rc = tk_anomalies_evidence(db, it->run_id, it->rank, &e, err);
    if (rc != TK_OK)
        return rc;
    const size_t n = tk_evidence_count(e);
    const uint64_t total = tk_evidence_total(e);
    fprintf(out, "  evidence: %llu event%s", (unsigned long long)total, total == 1 ? "" : "s");
    if (total > tk_evidence_listed(e))
        fprintf(out, ", of which the item keeps %zu", tk_evidence_listed(e));
    if (n < tk_evidence_listed(e))
        fprintf(out, " (%zu no longer stored)", tk_evidence_listed(e) - n);
    if (rows < n)
        fprintf(out, "; the first %zu:\n", rows);
    else
        fprintf(out, "%s\n", n ? ":" : "");
    if (n > 0 && rows > 0)
        tk_cli_show_events(out, e, rows, "    ");
    tk_evidence_destroy(e);
    return TK_OK;
}

void tk_cli_csv_field(const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}
