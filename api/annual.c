/* api/annual.c -- the annual review and its minutes (see annual.h).
 *
 * The builder gathers the year once into a context -- per period of the
 * six: where it stands (models/periods), the files received, the newest
 * run's ranked list, the 要確認事項 and their answers (models/answers);
 * for the year: every run that touches it, every stored version of the
 * rule configuration and of the baseline settings, the configuration in
 * force -- and then writes either the review's chapters or the minutes
 * from that context, so the one-line summaries of the minutes are the
 * figures of the review.
 *
 * Which list a period contributes: its newest run, as everywhere else (a
 * re-analysis replaces the earlier list). Monthly trends come from
 * models/trends, which applies the same rule to the days of the year, so
 * the tables of chapter 2 add up with the period figures of chapter 1
 * when the year was analysed in its six periods.
 *
 * A change of the rule configuration is a stored version; what it
 * changed is the difference, rule by rule, between it and the version
 * before (or the catalogue's defaults). Its effect is told in the cases
 * of the rules it changed, in the periods whose newest run read the
 * configuration before it and in those that read it after: a run reads
 * the configuration in force when it was started. A change belongs to
 * the year when it was made from the year's first day until the year's
 * end or its last analysis, whichever is later: the last periods of a
 * year are analysed after it ends, and a change made before their
 * analysis is part of that year's inspection.
 *
 * Words: every fixed text is in the WORDS list below, once per language,
 * as in api/report.c. */
#include "api/annual.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "api/rbuild.h"
#include "api/svg.h"
#include "models/answers.h"
#include "models/bsettings.h"
#include "models/meeting.h"
#include "models/periods.h"
#include "models/rulecat.h"
#include "models/trends.h"
#include "models/tuning.h"
#include "src/checked.h"
#include "src/master.h"
#include "src/period.h"
#include "src/timefmt.h"
#include "src/uploads.h"

/* ---- words --------------------------------------------------------------- */

// clang-format off
#define WORDS(X) \
    X(W_TITLE, "分析点検結果報告会資料", "Annual Review of the Log Inspection") \
    X(W_MTITLE, "分析点検結果報告会 議事録", "Minutes of the Annual Review Meeting") \
    X(W_FY, "対象年度", "Fiscal year") \
    X(W_FY_FMT, "%d年度（%s）", "FY%d (%s)") \
    X(W_ISSUED, "発行日", "Issued") \
    X(W_PERIODS, "対象期間", "Periods") \
    X(W_ANALYSED_P, "分析済みの期間", "Periods analysed") \
    X(W_DELIVERED_P, "納品済みの期間", "Periods delivered") \
    X(W_NONE, "なし", "none") \
    X(W_OF_SIX, "%zu期（6期中）", "%zu of 6") \
    X(W_CH1, "1 年間の実施状況（6期）", "1 The year in six periods") \
    X(W_CH1_INTRO, "年度の6期それぞれについて、受領したログ、分析の実行、検出した事案、所属長への確認依頼と回答、納品の状況をまとめます。", "For each of the year's six periods: the logs received, the analysis, the cases found, the confirmations asked of the heads of section and their answers, and the delivery.") \
    X(W_CH1_NOTHING, "この年度に分析した期間はありません。ログを取り込み、tenken analyze で各期を分析すると、この資料に結果がまとまります。", "No period of this fiscal year has been analysed. Once the logs are ingested and each period analysed with tenken analyze, this review gathers the results.") \
    X(W_CH1_LEAD, "年間で%zu件の事案を検出しました（重大%zu件、高%zu件、中%zu件、低%zu件、統計モデルのみ%zu件）。所属長への確認依頼は%zu件、回答は%zu件（回答率%s）です。", "%zu cases were found over the year (%zu critical, %zu high, %zu medium, %zu low, %zu from the models alone). %zu were put to the heads of section, %zu answered (%s).") \
    X(W_PERIOD, "期間", "Period") \
    X(W_STATUS, "状態", "Status") \
    X(W_FILES, "受領ファイル", "Files") \
    X(W_ROWS, "行数", "Rows") \
    X(W_CASES, "事案", "Cases") \
    X(W_CRIT, "重大", "Critical") \
    X(W_HIGH, "高", "High") \
    X(W_MED, "中", "Medium") \
    X(W_LOW, "低", "Low") \
    X(W_MODEL, "統計モデル", "Models") \
    X(W_REQUESTS, "確認依頼", "Asked") \
    X(W_ANSWERED, "回答", "Answered") \
    X(W_DELIVERED, "納品", "Delivered") \
    X(W_ST_OPEN, "未分析", "not analysed") \
    X(W_ST_ANALYSED, "分析済み", "analysed") \
    X(W_ST_DELIVERED, "納品済み", "delivered") \
    X(W_PERIODS_CAP, "期別の実施状況", "The periods of the year") \
    X(W_YEAR, "年間", "Year") \
    X(W_CH2, "2 年間の傾向", "2 Trends over the year") \
    X(W_CH2_INTRO, "月別の事案数を、点検項目別・システム別・所属別に示します（各期の最新の分析結果による）。", "Cases per month, per inspection item, per system and per section (from each period's newest analysis).") \
    X(W_NO_CASES, "この年度の事案はありません。", "There is no case in this fiscal year.") \
    X(W_MONTHLY_CAP, "月別の事案数", "Cases per month") \
    X(W_MONTHLY_VALUE, "事案数", "cases") \
    X(W_BY_RULE_CHART, "月別・点検項目別の事案数", "Cases per month and inspection item") \
    X(W_BY_RULE_CAP, "点検項目別・月別の事案数", "Cases per inspection item and month") \
    X(W_BY_SYS_CHART, "月別・システム別の事案数", "Cases per month and system") \
    X(W_BY_SYS_CAP, "システム別・月別の事案数", "Cases per system and month") \
    X(W_BY_DEPT_CHART, "月別・所属別の事案数", "Cases per month and section") \
    X(W_BY_DEPT_CAP, "所属別・月別の事案数", "Cases per section and month") \
    X(W_SYS_NOTE, "複数のシステムにまたがる事案は、それぞれのシステムに数えています。", "A case touching several systems counts for each of them.") \
    X(W_ITEM, "点検項目", "Inspection item") \
    X(W_SYSTEM, "システム", "System") \
    X(W_DEPT, "所属", "Section") \
    X(W_TOTAL, "計", "Total") \
    X(W_OTHERS, "その他", "others") \
    X(W_UNKNOWN, "（不明）", "(unknown)") \
    X(W_CASES_UNIT, "件", "cases") \
    X(W_CH3, "3 繰り返し見られる傾向", "3 Recurring patterns") \
    X(W_CH3_INTRO, "2期以上で事案が検出された職員・端末と点検項目です。継続的な指導や権限・運用の見直しの対象として検討してください。", "Staff, terminals and inspection items with cases in two or more periods: candidates for continued guidance or a review of rights and practice.") \
    X(W_REC_ENT_CAP, "2期以上で検出された職員・端末", "Staff and terminals with cases in two or more periods") \
    X(W_REC_RULE_CAP, "2期以上で検出された点検項目", "Inspection items with cases in two or more periods") \
    X(W_REC_NONE, "2期以上で検出された職員・端末はありません。", "No staff member or terminal had cases in two or more periods.") \
    X(W_REC_RULE_NONE, "2期以上で検出された点検項目はありません。", "No inspection item had cases in two or more periods.") \
    X(W_RANK, "順位", "Rank") \
    X(W_KIND, "種別", "Kind") \
    X(W_ID, "ID", "ID") \
    X(W_NPERIODS, "期数", "Periods") \
    X(W_WHICH, "検出した期", "In") \
    X(W_RULES, "主な点検項目", "Inspection items") \
    X(W_USER, "職員", "staff") \
    X(W_TERMINAL, "端末", "terminal") \
    X(W_CH4, "4 重大な事案と是正措置", "4 Serious cases and corrective actions") \
    X(W_CH4_INTRO, "重要度が重大・高の事案のうち、所属長が「不適切」または「調査中」と回答したものです。回答の理由（是正措置・調査の状況）と確認者を示します。住民は仮名で示しています。", "Cases of critical or high severity that the heads of section answered inappropriate or under investigation, with the reason given (corrective action, state of the investigation) and who confirmed it. Residents appear only by pseudonym.") \
    X(W_CH4_NONE, "重大・高の事案で「不適切」「調査中」と回答されたものはありません。", "No critical or high case was answered inappropriate or under investigation.") \
    X(W_SERIOUS_CAP, "重大な事案の回答", "Answers on serious cases") \
    X(W_CASE_ID, "事案番号", "Case") \
    X(W_ENTITY, "対象", "Who") \
    X(W_SEVERITY, "重要度", "Severity") \
    X(W_SUMMARY, "概要", "Summary") \
    X(W_VERDICT, "回答", "Answer") \
    X(W_REASON, "理由・対応", "Reason and action") \
    X(W_CONFIRMER, "確認者・確認日", "Confirmed by, on") \
    X(W_CH5, "5 確認結果（回答）の状況", "5 Outcome of the confirmations") \
    X(W_CH5_INTRO, "要確認事項に対する所属長の回答の状況です（各期の最新の分析結果の要確認事項による）。", "How the heads of section answered the cases put to them (the cases to confirm of each period's newest analysis).") \
    X(W_LOOP_CAP, "期別の回答状況", "Answers per period") \
    X(W_JUSTIFIED, "正当", "Justified") \
    X(W_INAPPROPRIATE, "不適切", "Inappropriate") \
    X(W_INVESTIGATING, "調査中", "Investigating") \
    X(W_UNANSWERED, "未回答", "Unanswered") \
    X(W_RATE, "回答率", "Answered %") \
    X(W_LOOP_RULE_CAP, "点検項目別の回答", "Answers per inspection item") \
    X(W_CH6, "6 改善の効果", "6 Effect of improvements") \
    X(W_CH6_INTRO, "点検項目ごとに、上期（4〜9月）と下期（10〜3月）の事案数を比べます。上期は%zu期、下期は%zu期を分析済みです。", "Cases per inspection item, the first half (April to September) against the second (October to March). %zu periods of the first half and %zu of the second were analysed.") \
    X(W_HALF_CAP, "点検項目別の上期・下期の事案数", "Cases per inspection item, first and second half") \
    X(W_H1, "上期", "First half") \
    X(W_H2, "下期", "Second half") \
    X(W_DIFF, "増減", "Change") \
    X(W_CHANGES, "年度内の点検項目の設定変更", "Changes of the rule configuration during the year") \
    X(W_CHANGES_CAP, "設定変更と前後の事案数", "Changes and the cases before and after") \
    X(W_CHANGES_NOTE, "前後の事案数は、変更した点検項目の事案数を、変更前の設定で分析した期と変更後の設定で分析した期に分けて数えたものです。", "Before and after count the cases of the changed inspection items in the periods analysed with the configuration before the change and in those analysed after it.") \
    X(W_CHANGES_NONE, "年度内に点検項目の設定は変更されていません。", "The rule configuration was not changed during the year.") \
    X(W_WHEN, "日時", "When") \
    X(W_BY, "変更者", "By") \
    X(W_VERSION, "版", "Version") \
    X(W_WHAT, "変更内容", "What changed") \
    X(W_BEFORE, "変更前", "Before") \
    X(W_AFTER, "変更後", "After") \
    X(W_CASES_IN, "%zu件（%zu期）", "%zu (%zu periods)") \
    X(W_RESET, "既定値に戻す", "reset to the defaults") \
    X(W_ON, "有効", "on") \
    X(W_OFF, "無効", "off") \
    X(W_CH7, "7 分析の記録", "7 Record of analyses") \
    X(W_CH7_INTRO, "年度内の期間を対象としたすべての分析実行の記録です（個人情報保護委員会への年次報告および監査のため）。", "Every analysis run of a period of the year (for the yearly report to the Personal Information Protection Commission and for inspections).") \
    X(W_RUNS_CAP, "分析実行の記録", "Analysis runs") \
    X(W_RUNS_NONE, "この年度の期間を対象とした分析の実行はありません。", "No analysis run covers a period of this fiscal year.") \
    X(W_RUN_ID, "実行番号", "Run") \
    X(W_RUN_AT, "実行日時", "Run at") \
    X(W_RUN_BY, "実行者", "Started by") \
    X(W_RULES_VER, "点検項目の設定", "Rule configuration") \
    X(W_MASTER, "マスタデータ", "Master data") \
    X(W_BASELINE, "基準期間", "Baseline window") \
    X(W_BSETTINGS, "基準の設定", "Baseline settings") \
    X(W_DEFAULTS, "既定値", "defaults") \
    X(W_CH8, "8 次年度の計画", "8 Next year's plan") \
    X(W_PLAN_CAP, "次年度の実施計画", "Next fiscal year's schedule") \
    X(W_PLAN_NONE, "次年度の実施計画はまだ登録されていません（tenken plan で登録します）。", "Next fiscal year's schedule is not registered yet (tenken plan registers it).") \
    X(W_DEADLINE, "ログ提出期限", "Logs due") \
    X(W_DUE, "報告書納期", "Report due") \
    X(W_RULES_CAP, "現在の点検項目としきい値", "Inspection items and thresholds in force") \
    X(W_THRESH, "しきい値", "Thresholds") \
    X(W_CHANGED, "年度内の変更", "Changed this year") \
    X(W_RULES_INTRO, "次年度も、次の点検項目としきい値で点検します。「年度内の変更」欄は、この年度に設定を変更した点検項目です。", "Next year's inspection starts from the items and thresholds below; the last column marks those changed during this year.") \
    X(W_MEETING, "会議名", "Meeting") \
    X(W_MEETING_FMT, "%d年度 分析点検結果報告会", "FY%d annual review meeting") \
    X(W_M_OVERVIEW, "会議の概要", "The meeting") \
    X(W_M_ITEM, "項目", "Item") \
    X(W_M_FILL, "記入欄", "To fill in") \
    X(W_M_DATE, "日時", "Date and time") \
    X(W_M_PLACE, "場所", "Place") \
    X(W_M_ATT_CITY, "出席者（団体）", "Attendees (city)") \
    X(W_M_ATT_US, "出席者（受託者）", "Attendees (contractor)") \
    X(W_M_RECORDER, "記録者", "Minutes taken by") \
    X(W_M_ATTENDEES, "出席者", "Attendees") \
    X(W_M_CONTENT, "内容", "Details") \
    X(W_M_RECORDED, "開催日・場所・出席者は tenken に記録された報告会の内容です。", "The date, place and attendees are those recorded in tenken for this meeting.") \
    X(W_M_AGENDA, "議事", "Agenda") \
    X(W_M_AGENDA_INTRO, "報告会資料の章に沿って報告し、質疑を行った。", "Each chapter of the review was presented and discussed.") \
    X(W_M_REPORT, "報告: %s", "Presented: %s") \
    X(W_M_QA, "質疑・意見", "Questions and comments") \
    X(W_M_DECISION, "決定事項", "Decisions") \
    X(W_M_ACTIONS, "次回までの対応事項", "Actions before the next meeting") \
    X(W_M_ACTIONS_CAP, "対応事項", "Actions") \
    X(W_M_NO, "No", "No") \
    X(W_M_ACTION, "対応事項", "Action") \
    X(W_M_OWNER, "担当", "Owner") \
    X(W_M_DUE, "期限", "Due") \
    X(W_M_NOTE, "備考", "Note") \
    X(W_M_SIGN, "確認", "Approval") \
    X(W_M_ROLE, "役割", "Role") \
    X(W_M_NAME, "所属・氏名", "Section, name") \
    X(W_M_SIGN_DATE, "日付", "Date") \
    X(W_M_CHECK_CITY, "確認者（団体）", "Approved (city)") \
    X(W_M_CHECK_US, "確認者（受託者）", "Approved (contractor)") \
    X(W_S1, "分析済み%zu期（6期中）、年間検知事案 %zu 件（重大 %zu 件、高 %zu 件）、要確認 %zu 件、回答率 %s", "%zu of 6 periods analysed, %zu cases over the year (%zu critical, %zu high), %zu put for confirmation, %s answered") \
    X(W_S2, "最多の点検項目 %s（%zu 件）、最多の所属 %s（%zu 件）", "most frequent item %s (%zu), section %s (%zu)") \
    X(W_S2_NONE, "年間の事案なし", "no case over the year") \
    X(W_S3, "2期以上で検出された職員・端末 %zu、点検項目 %zu", "%zu staff or terminals and %zu items with cases in 2+ periods") \
    X(W_S4, "重大・高の事案で不適切 %zu 件、調査中 %zu 件", "critical or high cases answered inappropriate %zu, under investigation %zu") \
    X(W_S5, "回答 %zu 件／要確認 %zu 件（正当 %zu、不適切 %zu、調査中 %zu、未回答 %zu）", "%zu answered of %zu (justified %zu, inappropriate %zu, investigating %zu, unanswered %zu)") \
    X(W_S6, "上期 %zu 件、下期 %zu 件、点検項目の設定変更 %zu 回", "first half %zu, second half %zu, %zu configuration changes") \
    X(W_S7, "分析実行 %zu 回", "%zu analysis runs") \
    X(W_S8_PLAN, "次年度の計画 %zu 期登録済み", "%zu periods of next year planned") \
    X(W_S8_NONE, "次年度の計画は未登録", "next year's schedule not registered")
// clang-format on

TK_RBUILD_WORD_TABLES(WORDS);

/* ---- context ------------------------------------------------------------- */

/* One of the six periods. */
typedef struct per {
    tk_period p;
    tk_periods_entry e;       /* status, runs, the newest run, delivery */
    size_t files;             /* uploads whose rows fall in the period */
    uint64_t rows;            /* their rows */
    tk_anomalies_item *items; /* the newest run's list */
    size_t nitems;
    int64_t run_at;     /* the newest run's creation; 0 when none */
    tk_answers_set set; /* the 要確認事項 with their answers; zeroed when no run */
    size_t by[TK_ANSWERS_NVERDICTS];
} per;

/* One stored version of the rule configuration. */
typedef struct rver {
    int64_t id, at;
    char by[128];
    int reset;
    tk_rulecat_config *cfg; /* NULL when it no longer validates */
} rver;

typedef struct ctx {
    tk_rbuild b; /* the tenant, the document, its words and date of issue */
    const tk_annual_options *o;
    tk_period year, half[2], next;
    per per[6];
    size_t analysed, delivered;
    tk_anomalies_run *runs; /* the year's runs, newest first */
    size_t nruns;
    rver *vers; /* oldest first */
    size_t nvers;
    tk_rulecat_config *defaults;
    tk_bsettings_version *bs; /* newest first */
    size_t nbs;
    tk_tuning_rules rules;
    tk_period_plan *plans;
    size_t nplans;
    int64_t last_run_at; /* the newest run of the year's periods; 0 when none */
} ctx;

/* The word k of the document's language. */
#define W(c, k) tk_rbuild_word(&(c)->b, (k))

static int nomem(tk_error *err)
{
    tk_error_set(err, TK_ENOMEM, "out of memory building the annual review");
    return TK_ENOMEM;
}

#define TRY(x) TK_RBUILD_TRY(x)

static void period_str(const ctx *c, const tk_period *p, char *buf, size_t cap)
{
    tk_rbuild_range(&c->b, p, c->b.en ? "%s to %s" : "%s〜%s", buf, cap);
}

/* "4-5月" / "Apr-May": a two-month period by its months. */
static void short_period(const ctx *c, const tk_period *p, char *buf, size_t cap)
{
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y1, m1, d1, y2, m2, d2;
    tk_civil_from_days(p->first_day, &y1, &m1, &d1);
    tk_civil_from_days(p->last_day, &y2, &m2, &d2);
    if (c->b.en)
        snprintf(buf, cap, "%s-%s", mon[m1 - 1], mon[m2 - 1]);
    else
        snprintf(buf, cap, "%d-%d月", m1, m2);
}

static void rate_str(size_t part, size_t whole, char *buf, size_t cap)
{
    if (whole == 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.0f%%", 100.0 * (double)part / (double)whole);
}

static const char *sev_word(const ctx *c, int s)
{
    if (s == 0)
        return "—";
    return c->b.en ? tk_rulecat_severity_name(s) : tk_rulecat_severity_ja(s);
}

/* "R03 大量照会" of a rule id, "統計モデル" for "model" or "". */
static void rule_label(const ctx *c, const char *id, char *buf, size_t cap)
{
    if (!id || !id[0] || strcmp(id, "model") == 0) {
        snprintf(buf, cap, "%s", W(c, W_MODEL));
        return;
    }
    const size_t k = tk_rulecat_find(id, strlen(id));
    if (k == SIZE_MAX)
        snprintf(buf, cap, "%s", id);
    else
        snprintf(buf, cap, "%s %s", id,
                 c->b.en ? tk_rulecat_rule_at(k)->name_en : tk_rulecat_rule_at(k)->name_ja);
}

static int item_severity(const tk_anomalies_item *it)
{
    return tk_rulecat_severity_parse(it->severity, strlen(it->severity));
}

/* ---- gathering ------------------------------------------------------------ */

static void items_free(tk_anomalies_item *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        tk_anomalies_item_dispose(&v[i]);
    free(v);
}

/* Every item of run `run`, by rank, into *v / *n (items move out of the
 * pages with their owned fields). */
static int load_items(tk_db *db, int64_t run, tk_anomalies_item **v, size_t *n, tk_error *err)
{
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    char cursor[TK_ANOMALIES_CURSOR_SIZE] = "";

    q.limit = TK_ANOMALIES_PAGE_MAX;
    for (;;) {
        tk_anomalies_page pg = {0};
        q.cursor = cursor[0] ? cursor : NULL;
        const int rc = tk_anomalies_list(db, run, &q, &pg, err);
        if (rc != TK_OK)
            return rc;
        if (pg.n > 0) {
            tk_anomalies_item *p = realloc(*v, (*n + pg.n) * sizeof *p);
            if (!p) {
                tk_anomalies_page_dispose(&pg);
                return nomem(err);
            }
            *v = p;
            memcpy(*v + *n, pg.items, pg.n * sizeof *p);
            memset(pg.items, 0, pg.n * sizeof *pg.items);
            *n += pg.n;
        }
        snprintf(cursor, sizeof cursor, "%s", pg.next_cursor);
        tk_anomalies_page_dispose(&pg);
        if (!cursor[0])
            return TK_OK;
    }
}

static int overlaps(const tk_period *a, const tk_period *b)
{
    return a->first_day <= b->last_day && b->first_day <= a->last_day;
}

/* Counts each upload in the periods its accepted rows overlap (a file
 * rejected whole has no rows: in the period it was received in). */
static int gather_uploads(ctx *c, tk_error *err)
{
    for (uint64_t off = 0;;) {
        tk_upload_filter f = {NULL, TK_UPLOADS_LIMIT_MAX, off};
        tk_upload_info *u = NULL;
        size_t nu = 0;
        uint64_t total = 0;
        const int rc = tk_uploads_list(c->b.db, &f, &u, &nu, &total, err);
        if (rc != TK_OK)
            return rc;
        for (size_t i = 0; i < nu; i++) {
            for (size_t k = 0; k < 6; k++) {
                per *pp = &c->per[k];
                int in;
                if (u[i].has_range) {
                    const tk_period r = {tk_jst_day(u[i].t_min), tk_jst_day(u[i].t_max)};
                    in = overlaps(&r, &pp->p);
                } else {
                    const int64_t d = tk_jst_day(u[i].started_at);
                    in = d >= pp->p.first_day && d <= pp->p.last_day;
                }
                if (in) {
                    pp->files++;
                    pp->rows += u[i].rows_total;
                }
            }
        }
        free(u);
        off += nu;
        if (nu == 0 || off >= total)
            return TK_OK;
    }
}

static int gather_period(ctx *c, per *pp, tk_error *err)
{
    int rc;
    TRY(tk_periods_get(c->b.db, &pp->p, &pp->e, err));
    if (pp->e.status != TK_PERIODS_OPEN && pp->e.latest_run > 0)
        c->analysed++;
    if (pp->e.status == TK_PERIODS_DELIVERED)
        c->delivered++;
    if (pp->e.latest_run <= 0)
        goto done;
    pp->run_at = pp->e.latest_run_at;
    TRY(load_items(c->b.db, pp->e.latest_run, &pp->items, &pp->nitems, err));
    TRY(tk_answers_requests(c->b.db, &pp->p, NULL, &pp->set, err));
    for (size_t i = 0; i < pp->set.n; i++)
        if (pp->set.v[i].answered && (int)pp->set.v[i].answer.verdict >= 0 &&
            pp->set.v[i].answer.verdict < TK_ANSWERS_NVERDICTS)
            pp->by[pp->set.v[i].answer.verdict]++;
done:
    return rc;
}

/* The runs whose period overlaps the year, newest first. */
static int gather_runs(ctx *c, tk_error *err)
{
    int64_t before = 0;
    for (;;) {
        tk_anomalies_run *v = NULL;
        size_t n = 0;
        int rc = tk_anomalies_runs_list(c->b.db, NULL, before, 500, &v, &n, err);
        if (rc != TK_OK)
            return rc;
        for (size_t i = 0; i < n; i++) {
            before = v[i].id;
            if (!overlaps(&v[i].period, &c->year))
                continue;
            tk_anomalies_run *p = realloc(c->runs, (c->nruns + 1) * sizeof *p);
            if (!p) {
                tk_anomalies_runs_free(v, n);
                return nomem(err);
            }
            c->runs = p;
            if (v[i].created_at > c->last_run_at)
                c->last_run_at = v[i].created_at;
            c->runs[c->nruns++] = v[i];
            memset(&v[i], 0, sizeof v[i]);
        }
        tk_anomalies_runs_free(v, n);
        if (n < 500)
            return TK_OK;
    }
}

typedef struct rv_acc {
    ctx *c;
    int rc;
    tk_error *err;
} rv_acc;

/* Versions come newest first; they are kept oldest first. */
static int keep_version(void *vctx, const tk_rulecat_version *v)
{
    rv_acc *a = vctx;
    ctx *c = a->c;
    rver *p = realloc(c->vers, (c->nvers + 1) * sizeof *p);
    if (!p) {
        a->rc = nomem(a->err);
        return 1;
    }
    c->vers = p;
    memmove(c->vers + 1, c->vers, c->nvers * sizeof *p);
    c->nvers++;
    rver *r = &c->vers[0];
    memset(r, 0, sizeof *r);
    r->id = v->id;
    r->at = v->created_at;
    r->reset = v->reset;
    snprintf(r->by, sizeof r->by, "%s", v->created_by ? v->created_by : "");
    if (!v->problem) {
        tk_error ignored;
        if (tk_rulecat_config_parse(&r->cfg, v->config, strlen(v->config), &ignored) != TK_OK)
            r->cfg = NULL; /* shown as a change without details */
    }
    return 0;
}

static int gather(ctx *c, tk_error *err)
{
    int rc;
    const int fy = c->o->fiscal_year;
    c->year.first_day = tk_days_from_civil(fy, 4, 1);
    c->year.last_day = tk_days_from_civil(fy + 1, 3, 31);
    c->half[0].first_day = c->year.first_day;
    c->half[0].last_day = tk_days_from_civil(fy, 9, 30);
    c->half[1].first_day = tk_days_from_civil(fy, 10, 1);
    c->half[1].last_day = c->year.last_day;
    c->next.first_day = tk_days_from_civil(fy + 1, 4, 1);
    c->next.last_day = tk_days_from_civil(fy + 2, 3, 31);
    tk_period six[6];
    tk_period_fiscal_bimonths(fy, six);
    for (size_t k = 0; k < 6; k++) {
        c->per[k].p = six[k];
        TRY(gather_period(c, &c->per[k], err));
    }
    TRY(gather_uploads(c, err));
    TRY(gather_runs(c, err));
    {
        rv_acc a = {c, TK_OK, err};
        rc = tk_rulecat_list_versions(c->b.db, keep_version, &a, err);
        if (rc == 1)
            rc = a.rc;
        if (rc != TK_OK)
            goto done;
    }
    TRY(tk_rulecat_config_create(&c->defaults, err));
    TRY(tk_bsettings_history(c->b.db, &c->bs, &c->nbs, err));
    TRY(tk_tuning_rules_read(c->b.db, &c->rules, err));
    TRY(tk_period_plan_list(c->b.db, &c->plans, &c->nplans, err));
done:
    return rc;
}

static void ctx_dispose(ctx *c)
{
    for (size_t k = 0; k < 6; k++) {
        tk_periods_entry_dispose(&c->per[k].e);
        items_free(c->per[k].items, c->per[k].nitems);
        tk_answers_set_dispose(&c->per[k].set);
    }
    tk_anomalies_runs_free(c->runs, c->nruns);
    for (size_t i = 0; i < c->nvers; i++)
        tk_rulecat_config_destroy(c->vers[i].cfg);
    free(c->vers);
    tk_rulecat_config_destroy(c->defaults);
    tk_bsettings_versions_free(c->bs, c->nbs);
    tk_tuning_rules_dispose(&c->rules);
    free(c->plans);
}

/* ---- figures shared by the review and the minutes ------------------------- */

typedef struct totals {
    size_t cases, sev[5]; /* sev[0]: models only; sev[TK_RULECAT_*] */
    size_t requests, answered, by[TK_ANSWERS_NVERDICTS];
    size_t serious[TK_ANSWERS_NVERDICTS]; /* critical/high cases answered, per verdict */
} totals;

static void year_totals(const ctx *c, totals *t)
{
    memset(t, 0, sizeof *t);
    for (size_t k = 0; k < 6; k++) {
        const per *pp = &c->per[k];
        t->cases += pp->nitems;
        for (size_t i = 0; i < pp->nitems; i++)
            t->sev[pp->items[i].model ? 0 : item_severity(&pp->items[i])]++;
        t->requests += pp->set.n;
        t->answered += pp->set.answered;
        for (int v = 0; v < TK_ANSWERS_NVERDICTS; v++)
            t->by[v] += pp->by[v];
        for (size_t i = 0; i < pp->set.n; i++) {
            const tk_answers_request *r = &pp->set.v[i];
            if (r->answered && item_severity(&r->item) >= TK_RULECAT_HIGH)
                t->serious[r->answer.verdict]++;
        }
    }
}

/* 1 when rule id is among the item's comma-separated rules. */
static int has_rule(const tk_anomalies_item *it, const char *id)
{
    const size_t n = strlen(id);
    for (const char *p = it->rules; p && *p;) {
        const size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, id, n) == 0)
            return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

/* One entity or rule seen over the year. */
typedef struct seen {
    const char *type; /* entity type, or NULL for a rule */
    const char *key;  /* entity id or rule id ("model"); borrowed from the items */
    const char *dept;
    unsigned mask; /* periods, bit k for period k */
    size_t cases, per_period[6];
    char rules[64]; /* the leading rules of the entity's cases */
} seen;

static size_t popcount6(unsigned m)
{
    size_t n = 0;
    for (int k = 0; k < 6; k++)
        n += (m >> k) & 1u;
    return n;
}

static int seen_cmp(const void *a, const void *b)
{
    const seen *x = a, *y = b;
    const size_t px = popcount6(x->mask), py = popcount6(y->mask);
    if (px != py)
        return px < py ? 1 : -1;
    if (x->cases != y->cases)
        return x->cases < y->cases ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* The entities (rules = 0) or leading rules (rules = 1) of the year's
 * cases with cases in two or more periods, ranked, into *out (owned:
 * free()) of *n. */
static int recurring(const ctx *c, int rules, seen **out, size_t *n, tk_error *err)
{
    seen *v = NULL;
    size_t m = 0, cap = 0;
    *out = NULL;
    *n = 0;
    for (size_t k = 0; k < 6; k++) {
        for (size_t i = 0; i < c->per[k].nitems; i++) {
            const tk_anomalies_item *it = &c->per[k].items[i];
            const char *key = rules ? (it->model ? "model" : it->rule_id) : it->entity;
            const char *type = rules ? NULL : it->entity_type;
            size_t j = 0;
            while (j < m &&
                   !(strcmp(v[j].key, key) == 0 && (rules || strcmp(v[j].type, type) == 0)))
                j++;
            if (j == m) {
                if (m == cap) {
                    cap = cap ? 2 * cap : 64;
                    seen *p = realloc(v, cap * sizeof *p);
                    if (!p) {
                        free(v);
                        return nomem(err);
                    }
                    v = p;
                }
                memset(&v[m], 0, sizeof v[m]);
                v[m].type = type;
                v[m].key = key;
                m++;
            }
            seen *s = &v[j];
            s->mask |= 1u << k;
            s->cases++;
            s->per_period[k]++;
            if (!s->dept && it->dept)
                s->dept = it->dept;
            if (!rules) {
                const char *r = it->model ? "model" : it->rule_id;
                if (!strstr(s->rules, r)) {
                    const size_t have = strlen(s->rules);
                    if (have + strlen(r) + 2 < sizeof s->rules)
                        snprintf(s->rules + have, sizeof s->rules - have, "%s%s", have ? "," : "",
                                 r);
                }
            }
        }
    }
    size_t kept = 0;
    for (size_t j = 0; j < m; j++)
        if (popcount6(v[j].mask) >= 2)
            v[kept++] = v[j];
    if (kept == 0) {
        free(v);
        return TK_OK;
    }
    qsort(v, kept, sizeof *v, seen_cmp);
    *out = v;
    *n = kept;
    return TK_OK;
}

/* A rule's part in a change: what differs between two configurations,
 * "有効→無効, min_residents 200→250人", into buf; 0 when nothing does. */
static int rule_diff(const ctx *c, const tk_rulecat_config *a, const tk_rulecat_config *b, size_t i,
                     char *buf, size_t cap)
{
    const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
    buf[0] = '\0';
    const int ea = tk_rulecat_config_enabled(a, i), eb = tk_rulecat_config_enabled(b, i);
    if (ea != eb) {
        const size_t have = strlen(buf);
        snprintf(buf + have, cap - have, "%s→%s", ea ? W(c, W_ON) : W(c, W_OFF),
                 eb ? W(c, W_ON) : W(c, W_OFF));
    }
    const int sa = tk_rulecat_config_severity(a, i), sb = tk_rulecat_config_severity(b, i);
    if (sa != sb) {
        const size_t have = strlen(buf);
        snprintf(buf + have, cap - have, "%s%s %s→%s", have ? ", " : "", W(c, W_SEVERITY),
                 sev_word(c, sa), sev_word(c, sb));
    }
    for (size_t p = 0; p < r->nparams; p++) {
        const double va = tk_rulecat_config_param(a, i, p), vb = tk_rulecat_config_param(b, i, p);
        if (va == vb)
            continue;
        const size_t have = strlen(buf);
        snprintf(buf + have, cap - have, "%s%s %g→%g%s", have ? ", " : "", r->params[p].name, va,
                 vb, r->params[p].type == TK_RULECAT_BOOL ? "" : r->params[p].unit);
    }
    return buf[0] != '\0';
}

/* The configuration version vi changed from (the one before, or the
 * defaults). */
static const tk_rulecat_config *prev_config(const ctx *c, size_t vi)
{
    return vi > 0 && c->vers[vi - 1].cfg ? c->vers[vi - 1].cfg : c->defaults;
}

static int in_year(const ctx *c, int64_t ms)
{
    const int64_t d = tk_jst_day(ms);
    return d >= c->year.first_day && (d <= c->year.last_day || ms <= c->last_run_at);
}

/* Changes stored during the year. */
static size_t year_changes(const ctx *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nvers; i++)
        n += in_year(c, c->vers[i].at) ? 1u : 0u;
    return n;
}

/* The cases over the half-years (trends by rule), *h1 and *h2. */
static int half_totals(const ctx *c, size_t *h1, size_t *h2, tk_error *err)
{
    tk_trends a = {0}, b = {0};
    const tk_trends_key key = TK_TRENDS_RULE;
    int rc = tk_trends_compute(c->b.db, &c->half[0], &key, 1, &a, err);
    if (rc == TK_OK)
        rc = tk_trends_compute(c->b.db, &c->half[1], &key, 1, &b, err);
    *h1 = a.cases;
    *h2 = b.cases;
    tk_trends_dispose(&a);
    tk_trends_dispose(&b);
    return rc;
}

/* ---- the review's chapters ------------------------------------------------- */

static int cover(ctx *c, tk_error *err)
{
    char yr[160], pb[96], issued[32], an[400] = "", dl[400] = "";
    int rc;

    period_str(c, &c->year, pb, sizeof pb);
    snprintf(yr, sizeof yr, W(c, W_FY_FMT), c->o->fiscal_year, pb);
    TRY(tk_rbuild_cover(&c->b, yr, c->o->issuer, err));
    tk_rbuild_day(&c->b, tk_jst_day(c->b.issued), issued, sizeof issued);
    for (size_t k = 0; k < 6; k++) {
        char sp[32];
        short_period(c, &c->per[k].p, sp, sizeof sp);
        const char *sep = c->b.en ? ", " : "、";
        if (c->per[k].e.latest_run > 0) {
            const size_t have = strlen(an);
            snprintf(an + have, sizeof an - have, "%s%s", have ? sep : "", sp);
        }
        if (c->per[k].e.status == TK_PERIODS_DELIVERED) {
            const size_t have = strlen(dl);
            snprintf(dl + have, sizeof dl - have, "%s%s", have ? sep : "", sp);
        }
    }
    char na[480], nd[480];
    char of[32];
    snprintf(of, sizeof of, W(c, W_OF_SIX), c->analysed);
    snprintf(na, sizeof na, c->b.en ? "%s: %s" : "%s：%s", of, an[0] ? an : W(c, W_NONE));
    snprintf(of, sizeof of, W(c, W_OF_SIX), c->delivered);
    snprintf(nd, sizeof nd, c->b.en ? "%s: %s" : "%s：%s", of, dl[0] ? dl : W(c, W_NONE));
    TRY(tk_rbuild_cover_tenant(&c->b, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_FY), yr, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_ANALYSED_P), na, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_DELIVERED_P), nd, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_ISSUED), issued, err));
done:
    return rc;
}

static const char *status_word(const ctx *c, const per *pp)
{
    if (pp->e.status == TK_PERIODS_DELIVERED)
        return W(c, W_ST_DELIVERED);
    return pp->e.latest_run > 0 ? W(c, W_ST_ANALYSED) : W(c, W_ST_OPEN);
}

static int chapter1(ctx *c, const totals *t, tk_error *err)
{
    int rc;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-1", W(c, W_CH1), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_CH1_INTRO), err));
    if (c->analysed == 0) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_INFO, W(c, W_CH1_NOTHING), err));
    } else {
        char lead[900], rate[16];
        rate_str(t->answered, t->requests, rate, sizeof rate);
        snprintf(lead, sizeof lead, W(c, W_CH1_LEAD), t->cases, t->sev[TK_RULECAT_CRITICAL],
                 t->sev[TK_RULECAT_HIGH], t->sev[TK_RULECAT_MEDIUM], t->sev[TK_RULECAT_LOW],
                 t->sev[0], t->requests, t->answered, rate);
        TRY(tk_rdoc_para(c->b.d, lead, err));
    }
    const char *h[] = {W(c, W_PERIOD),   W(c, W_STATUS), W(c, W_FILES),    W(c, W_ROWS),
                       W(c, W_CASES),    W(c, W_CRIT),   W(c, W_HIGH),     W(c, W_MED),
                       W(c, W_LOW),      W(c, W_MODEL),  W(c, W_REQUESTS), W(c, W_ANSWERED),
                       W(c, W_DELIVERED)};
    const unsigned N = TK_RDOC_COL_NUM;
    const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP, N, N, N, N, N, N, N, N, N, N,
                          TK_RDOC_COL_NOWRAP};
    TRY(tk_rdoc_table(c->b.d, W(c, W_PERIODS_CAP), 13, h, f, err));
    uint64_t files = 0, rows = 0;
    for (size_t k = 0; k <= 6; k++) {
        char v[12][32], pb[64];
        size_t sev[5] = {0};
        const char *row[13];
        if (k < 6) {
            const per *pp = &c->per[k];
            char a[16], b[16];
            tk_period_format_day(pp->p.first_day, a, sizeof a);
            tk_period_format_day(pp->p.last_day, b, sizeof b);
            snprintf(pb, sizeof pb, "%s..%s", a, b);
            files += pp->files;
            rows += pp->rows;
            for (size_t i = 0; i < pp->nitems; i++)
                sev[pp->items[i].model ? 0 : item_severity(&pp->items[i])]++;
            snprintf(v[0], sizeof v[0], "%zu", pp->files);
            tk_rdoc_fmt_count(pp->rows, v[1], sizeof v[1]);
            const int run = pp->e.latest_run > 0;
            snprintf(v[2], sizeof v[2], run ? "%zu" : "-", pp->nitems);
            for (int s = 0; s < 5; s++)
                snprintf(v[3 + s], sizeof v[3 + s], run ? "%zu" : "-",
                         sev[s == 4 ? 0 : TK_RULECAT_CRITICAL - s]);
            snprintf(v[8], sizeof v[8], run ? "%zu" : "-", pp->set.n);
            snprintf(v[9], sizeof v[9], run ? "%zu" : "-", pp->set.answered);
            if (pp->e.delivered_at > 0)
                tk_rdoc_fmt_time(pp->e.delivered_at, v[10], sizeof v[10]);
            else
                snprintf(v[10], sizeof v[10], "-");
            row[1] = status_word(c, pp);
        } else {
            snprintf(pb, sizeof pb, "%s", W(c, W_YEAR));
            snprintf(v[0], sizeof v[0], "%llu", (unsigned long long)files);
            tk_rdoc_fmt_count(rows, v[1], sizeof v[1]);
            snprintf(v[2], sizeof v[2], "%zu", t->cases);
            for (int s = 0; s < 5; s++)
                snprintf(v[3 + s], sizeof v[3 + s], "%zu",
                         t->sev[s == 4 ? 0 : TK_RULECAT_CRITICAL - s]);
            snprintf(v[8], sizeof v[8], "%zu", t->requests);
            snprintf(v[9], sizeof v[9], "%zu", t->answered);
            snprintf(v[10], sizeof v[10], "%zu", c->delivered);
            row[1] = "";
        }
        row[0] = pb;
        for (int i = 0; i < 11; i++)
            row[2 + i] = v[i];
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
done:
    return rc;
}

/* The twelve months of the year, "2024-04" .. "2025-03", and their
 * headers ("4月" / "Apr"). */
static void months_of(const ctx *c, char keys[12][8], char heads[12][8])
{
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int k = 0; k < 12; k++) {
        const int m = (k + 3) % 12 + 1;
        const int y = c->o->fiscal_year + (k >= 9);
        snprintf(keys[k], 8, "%04d-%02d", y % 10000, m);
        if (c->b.en)
            snprintf(heads[k], 8, "%s", mon[m - 1]);
        else
            snprintf(heads[k], 8, "%d月", m);
    }
}

/* A group value as shown: a rule with its name, placeholders in words. */
static void group_label(const ctx *c, tk_trends_key key, const char *v, char *buf, size_t cap)
{
    if (key == TK_TRENDS_RULE)
        rule_label(c, v, buf, cap);
    else if (strcmp(v, "(unknown)") == 0 || strcmp(v, "(none)") == 0)
        snprintf(buf, cap, "%s", W(c, W_UNKNOWN));
    else
        snprintf(buf, cap, "%s", v);
}

/* Monthly cases by key over the year: a stacked bar chart of the seven
 * largest groups and the rest, and a table of every group by month. */
static int month_by(ctx *c, tk_trends_key key, int w_head, int w_chart, int w_table, tk_error *err)
{
    tk_trends tr = {0};
    const tk_trends_key keys[2] = {TK_TRENDS_MONTH, key};
    char mk[12][8], mh[12][8];
    const char **names = NULL;
    size_t *tot = NULL, *order = NULL, nn = 0;
    double *cnt = NULL, *ser_v = NULL;
    char(*labels)[160] = NULL;
    char *svg = NULL;
    int rc;

    months_of(c, mk, mh);
    TRY(tk_trends_compute(c->b.db, &c->year, keys, 2, &tr, err));
    names = calloc(tr.ngroups + 1, sizeof *names);
    tot = calloc(tr.ngroups + 1, sizeof *tot);
    order = calloc(tr.ngroups + 1, sizeof *order);
    cnt = calloc((tr.ngroups + 1) * 12, sizeof *cnt);
    ser_v = calloc(8 * 12, sizeof *ser_v);
    labels = calloc(tr.ngroups + 1, sizeof *labels);
    if (!names || !tot || !order || !cnt || !ser_v || !labels) {
        rc = nomem(err);
        goto done;
    }
    for (size_t g = 0; g < tr.ngroups; g++) {
        size_t j = 0;
        while (j < nn && strcmp(names[j], tr.groups[g].value[1]) != 0)
            j++;
        if (j == nn)
            names[nn++] = tr.groups[g].value[1];
        for (int m = 0; m < 12; m++)
            if (strcmp(tr.groups[g].value[0], mk[m]) == 0)
                cnt[j * 12 + (size_t)m] += (double)tr.groups[g].cases;
        tot[j] += tr.groups[g].cases;
    }
    /* Largest first, then by name. */
    for (size_t j = 0; j < nn; j++)
        order[j] = j;
    for (size_t a = 1; a < nn; a++)
        for (size_t b = a; b > 0; b--) {
            const size_t x = order[b - 1], y = order[b];
            if (tot[x] > tot[y] || (tot[x] == tot[y] && strcmp(names[x], names[y]) <= 0))
                break;
            order[b - 1] = y;
            order[b] = x;
        }
    for (size_t j = 0; j < nn; j++)
        group_label(c, key, names[j], labels[j], sizeof labels[j]);
    TRY(tk_rdoc_heading(c->b.d, 2, NULL, W(c, w_head), err));
    if (key == TK_TRENDS_SYSTEM)
        TRY(tk_rdoc_para(c->b.d, W(c, W_SYS_NOTE), err));
    {
        tk_svg_series ser[8];
        const size_t top = nn > 7 ? 7 : nn;
        for (size_t s = 0; s < top; s++) {
            ser[s].name = labels[order[s]];
            ser[s].values = cnt + order[s] * 12;
        }
        size_t ns = top;
        if (nn > top) {
            for (size_t s = top; s < nn; s++)
                for (int m = 0; m < 12; m++)
                    ser_v[m] += cnt[order[s] * 12 + (size_t)m];
            ser[ns].name = W(c, W_OTHERS);
            ser[ns].values = ser_v;
            ns++;
        }
        const char *cats[12];
        for (int m = 0; m < 12; m++)
            cats[m] = mh[m];
        static const double zero[12] = {0};
        tk_svg_series empty = {NULL, zero};
        tk_svg_bars b = TK_SVG_BARS_INIT;
        b.categories = cats;
        b.ncat = 12;
        b.series = ns ? ser : &empty;
        b.nseries = ns ? ns : 1;
        b.stacked = 1;
        b.unit = W(c, W_CASES_UNIT);
        b.lang = c->b.en ? "en" : "ja";
        TRY(tk_svg_bars_draw(&b, &svg, err));
        TRY(tk_rdoc_chart(c->b.d, W(c, w_chart), W(c, w_chart), svg, 170, 80, err));
    }
    {
        const char *h[14];
        unsigned f[14];
        h[0] = key == TK_TRENDS_RULE     ? W(c, W_ITEM)
               : key == TK_TRENDS_SYSTEM ? W(c, W_SYSTEM)
                                         : W(c, W_DEPT);
        f[0] = 0;
        for (int m = 0; m < 12; m++) {
            h[1 + m] = mh[m];
            f[1 + m] = TK_RDOC_COL_NUM;
        }
        h[13] = W(c, W_TOTAL);
        f[13] = TK_RDOC_COL_NUM;
        TRY(tk_rdoc_table(c->b.d, W(c, w_table), 14, h, f, err));
        for (size_t s = 0; s < nn; s++) {
            const size_t j = order[s];
            char v[13][24];
            const char *row[14];
            row[0] = labels[j];
            for (int m = 0; m < 12; m++) {
                snprintf(v[m], sizeof v[m], "%.0f", cnt[j * 12 + (size_t)m]);
                row[1 + m] = v[m];
            }
            snprintf(v[12], sizeof v[12], "%zu", tot[j]);
            row[13] = v[12];
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
done:
    free(svg);
    free(names);
    free(tot);
    free(order);
    free(cnt);
    free(ser_v);
    free(labels);
    tk_trends_dispose(&tr);
    return rc;
}

static int chapter2(ctx *c, const totals *t, tk_error *err)
{
    tk_trends tr = {0};
    char *svg = NULL;
    int rc;

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-2", W(c, W_CH2), err));
    if (t->cases == 0) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_INFO, W(c, W_NO_CASES), err));
        goto done;
    }
    TRY(tk_rdoc_para(c->b.d, W(c, W_CH2_INTRO), err));
    {
        const tk_trends_key key = TK_TRENDS_MONTH;
        char mk[12][8], mh[12][8];
        double v[12] = {0};
        const char *days[12];
        months_of(c, mk, mh);
        TRY(tk_trends_compute(c->b.db, &c->year, &key, 1, &tr, err));
        for (size_t g = 0; g < tr.ngroups; g++)
            for (int m = 0; m < 12; m++)
                if (strcmp(tr.groups[g].value[0], mk[m]) == 0)
                    v[m] += (double)tr.groups[g].cases;
        for (int m = 0; m < 12; m++)
            days[m] = mh[m];
        tk_svg_line l = TK_SVG_LINE_INIT;
        l.days = days;
        l.n = 12;
        l.value = v;
        l.value_name = W(c, W_MONTHLY_VALUE);
        l.unit = W(c, W_CASES_UNIT);
        l.lang = c->b.en ? "en" : "ja";
        TRY(tk_svg_line_draw(&l, &svg, err));
        TRY(tk_rdoc_chart(c->b.d, W(c, W_MONTHLY_CAP), W(c, W_MONTHLY_CAP), svg, 170, 70, err));
    }
    TRY(month_by(c, TK_TRENDS_RULE, W_ITEM, W_BY_RULE_CHART, W_BY_RULE_CAP, err));
    TRY(month_by(c, TK_TRENDS_SYSTEM, W_SYSTEM, W_BY_SYS_CHART, W_BY_SYS_CAP, err));
    TRY(month_by(c, TK_TRENDS_DEPT, W_DEPT, W_BY_DEPT_CHART, W_BY_DEPT_CAP, err));
done:
    free(svg);
    tk_trends_dispose(&tr);
    return rc;
}

/* "4-5月、8-9月" of a mask of periods. */
static void periods_of(const ctx *c, unsigned mask, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t k = 0; k < 6; k++) {
        if (!(mask & (1u << k)))
            continue;
        char sp[32];
        short_period(c, &c->per[k].p, sp, sizeof sp);
        const size_t have = strlen(buf);
        snprintf(buf + have, cap - have, "%s%s", have ? (c->b.en ? ", " : "、") : "", sp);
    }
}

static int chapter3(ctx *c, tk_error *err)
{
    seen *ents = NULL, *rules = NULL;
    size_t ne = 0, nr = 0;
    int rc;

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-3", W(c, W_CH3), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_CH3_INTRO), err));
    TRY(recurring(c, 0, &ents, &ne, err));
    TRY(recurring(c, 1, &rules, &nr, err));
    if (ne == 0) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_GOOD, W(c, W_REC_NONE), err));
    } else {
        const char *h[] = {W(c, W_RANK),     W(c, W_KIND),  W(c, W_ID),    W(c, W_DEPT),
                           W(c, W_NPERIODS), W(c, W_CASES), W(c, W_WHICH), W(c, W_RULES)};
        const unsigned f[] = {TK_RDOC_COL_NUM,
                              TK_RDOC_COL_NOWRAP,
                              TK_RDOC_COL_NOWRAP,
                              0,
                              TK_RDOC_COL_NUM,
                              TK_RDOC_COL_NUM,
                              0,
                              0};
        TRY(tk_rdoc_table(c->b.d, W(c, W_REC_ENT_CAP), 8, h, f, err));
        for (size_t i = 0; i < ne && i < 50; i++) {
            char rank[16], np[16], nc[16], which[200];
            snprintf(rank, sizeof rank, "%zu", i + 1);
            snprintf(np, sizeof np, "%zu", popcount6(ents[i].mask));
            snprintf(nc, sizeof nc, "%zu", ents[i].cases);
            periods_of(c, ents[i].mask, which, sizeof which);
            const char *row[] = {
                rank,
                strcmp(ents[i].type, "terminal") == 0 ? W(c, W_TERMINAL) : W(c, W_USER),
                ents[i].key,
                ents[i].dept ? ents[i].dept : W(c, W_UNKNOWN),
                np,
                nc,
                which,
                ents[i].rules};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    if (nr == 0) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_GOOD, W(c, W_REC_RULE_NONE), err));
    } else {
        const char *h[9];
        unsigned f[9];
        char sp[6][32];
        h[0] = W(c, W_ITEM);
        f[0] = 0;
        h[1] = W(c, W_NPERIODS);
        f[1] = TK_RDOC_COL_NUM;
        for (size_t k = 0; k < 6; k++) {
            short_period(c, &c->per[k].p, sp[k], sizeof sp[k]);
            h[2 + k] = sp[k];
            f[2 + k] = TK_RDOC_COL_NUM;
        }
        h[8] = W(c, W_TOTAL);
        f[8] = TK_RDOC_COL_NUM;
        TRY(tk_rdoc_table(c->b.d, W(c, W_REC_RULE_CAP), 9, h, f, err));
        for (size_t i = 0; i < nr; i++) {
            char label[160], v[8][24];
            const char *row[9];
            rule_label(c, rules[i].key, label, sizeof label);
            row[0] = label;
            snprintf(v[0], sizeof v[0], "%zu", popcount6(rules[i].mask));
            row[1] = v[0];
            for (size_t k = 0; k < 6; k++) {
                snprintf(v[1 + k], sizeof v[1 + k], c->per[k].e.latest_run > 0 ? "%zu" : "-",
                         rules[i].per_period[k]);
                row[2 + k] = v[1 + k];
            }
            snprintf(v[7], sizeof v[7], "%zu", rules[i].cases);
            row[8] = v[7];
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
done:
    free(ents);
    free(rules);
    return rc;
}

static int chapter4(ctx *c, tk_error *err)
{
    int rc = TK_OK;
    size_t shown = 0;

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-4", W(c, W_CH4), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_CH4_INTRO), err));
    for (size_t k = 0; k < 6; k++) {
        const tk_answers_set *s = &c->per[k].set;
        for (size_t i = 0; i < s->n; i++) {
            const tk_answers_request *r = &s->v[i];
            const int sev = item_severity(&r->item);
            if (!r->answered || sev < TK_RULECAT_HIGH ||
                (r->answer.verdict != TK_ANSWERS_INAPPROPRIATE &&
                 r->answer.verdict != TK_ANSWERS_INVESTIGATING))
                continue;
            if (shown++ == 0) {
                const char *h[] = {W(c, W_CASE_ID), W(c, W_ENTITY),   W(c, W_DEPT),
                                   W(c, W_ITEM),    W(c, W_SEVERITY), W(c, W_SUMMARY),
                                   W(c, W_VERDICT), W(c, W_REASON),   W(c, W_CONFIRMER)};
                const unsigned f[] = {TK_RDOC_COL_NOWRAP,
                                      TK_RDOC_COL_NOWRAP,
                                      0,
                                      0,
                                      TK_RDOC_COL_SEVERITY,
                                      TK_RDOC_COL_WIDE,
                                      TK_RDOC_COL_NOWRAP,
                                      TK_RDOC_COL_WIDE,
                                      0};
                TRY(tk_rdoc_table(c->b.d, W(c, W_SERIOUS_CAP), 9, h, f, err));
            }
            char label[160], who[200], day[16];
            rule_label(c, r->item.model ? "model" : r->item.rule_id, label, sizeof label);
            tk_period_format_day(r->answer.confirmed_on, day, sizeof day);
            snprintf(who, sizeof who, "%s %s",
                     r->answer.confirmed_by ? r->answer.confirmed_by : "-", day);
            const char *row[] = {r->case_id,
                                 r->item.entity,
                                 r->item.dept ? r->item.dept : W(c, W_UNKNOWN),
                                 label,
                                 sev_word(c, sev),
                                 r->item.summary ? r->item.summary : "",
                                 c->b.en ? tk_answers_verdict_name(r->answer.verdict)
                                         : tk_answers_verdict_label(r->answer.verdict),
                                 r->answer.reason ? r->answer.reason : "",
                                 who};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    if (shown == 0)
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_GOOD, W(c, W_CH4_NONE), err));
done:
    return rc;
}

static int chapter5(ctx *c, const totals *t, tk_error *err)
{
    tk_answers_count *cn = NULL;
    size_t ncn = 0;
    int rc;

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-5", W(c, W_CH5), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_CH5_INTRO), err));
    {
        const char *h[] = {W(c, W_PERIOD),     W(c, W_REQUESTS),      W(c, W_ANSWERED),
                           W(c, W_JUSTIFIED),  W(c, W_INAPPROPRIATE), W(c, W_INVESTIGATING),
                           W(c, W_UNANSWERED), W(c, W_RATE)};
        const unsigned N = TK_RDOC_COL_NUM;
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, N, N, N, N, N, N, N};
        TRY(tk_rdoc_table(c->b.d, W(c, W_LOOP_CAP), 8, h, f, err));
        for (size_t k = 0; k <= 6; k++) {
            char pb[64], v[7][24];
            size_t req, ans, by[TK_ANSWERS_NVERDICTS];
            int run = 1;
            if (k < 6) {
                const per *pp = &c->per[k];
                char a[16], b[16];
                tk_period_format_day(pp->p.first_day, a, sizeof a);
                tk_period_format_day(pp->p.last_day, b, sizeof b);
                snprintf(pb, sizeof pb, "%s..%s", a, b);
                req = pp->set.n;
                ans = pp->set.answered;
                memcpy(by, pp->by, sizeof by);
                run = pp->e.latest_run > 0;
            } else {
                snprintf(pb, sizeof pb, "%s", W(c, W_YEAR));
                req = t->requests;
                ans = t->answered;
                memcpy(by, t->by, sizeof by);
            }
            const char *fmt = run ? "%zu" : "-";
            snprintf(v[0], sizeof v[0], fmt, req);
            snprintf(v[1], sizeof v[1], fmt, ans);
            snprintf(v[2], sizeof v[2], fmt, by[TK_ANSWERS_JUSTIFIED]);
            snprintf(v[3], sizeof v[3], fmt, by[TK_ANSWERS_INAPPROPRIATE]);
            snprintf(v[4], sizeof v[4], fmt, by[TK_ANSWERS_INVESTIGATING]);
            snprintf(v[5], sizeof v[5], fmt, req - ans);
            rate_str(ans, req, v[6], sizeof v[6]);
            const char *row[] = {pb, v[0], v[1], v[2], v[3], v[4], v[5], v[6]};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    /* Per inspection item, from the answers themselves (every current
     * answer of the year's periods). */
    TRY(tk_answers_counts(c->b.db, &c->year, &cn, &ncn, err));
    if (ncn > 0) {
        const char *h[] = {W(c, W_ITEM), W(c, W_JUSTIFIED), W(c, W_INAPPROPRIATE),
                           W(c, W_INVESTIGATING), W(c, W_TOTAL)};
        const unsigned N = TK_RDOC_COL_NUM;
        const unsigned f[] = {0, N, N, N, N};
        TRY(tk_rdoc_table(c->b.d, W(c, W_LOOP_RULE_CAP), 5, h, f, err));
        /* The counts come by period, rule and 所属: summed per rule. */
        char kinds[64][8];
        size_t nk = 0, sum[64][TK_ANSWERS_NVERDICTS];
        memset(sum, 0, sizeof sum);
        for (size_t i = 0; i < ncn; i++) {
            size_t j = 0;
            while (j < nk && strcmp(kinds[j], cn[i].kind) != 0)
                j++;
            if (j == nk) {
                if (nk == 64)
                    continue;
                snprintf(kinds[nk++], sizeof kinds[0], "%s", cn[i].kind);
            }
            for (int v = 0; v < TK_ANSWERS_NVERDICTS; v++)
                sum[j][v] += cn[i].n[v];
        }
        for (size_t j = 0; j < nk; j++) {
            char label[160], v[4][24];
            rule_label(c, kinds[j], label, sizeof label);
            snprintf(v[0], sizeof v[0], "%zu", sum[j][TK_ANSWERS_JUSTIFIED]);
            snprintf(v[1], sizeof v[1], "%zu", sum[j][TK_ANSWERS_INAPPROPRIATE]);
            snprintf(v[2], sizeof v[2], "%zu", sum[j][TK_ANSWERS_INVESTIGATING]);
            snprintf(v[3], sizeof v[3], "%zu",
                     sum[j][TK_ANSWERS_JUSTIFIED] + sum[j][TK_ANSWERS_INAPPROPRIATE] +
                         sum[j][TK_ANSWERS_INVESTIGATING]);
            const char *row[] = {label, v[0], v[1], v[2], v[3]};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
done:
    tk_answers_counts_free(cn, ncn);
    return rc;
}

/* Cases of the rules changed by version vi in the periods whose newest
 * run read the configuration before it (after = 0) or after (after = 1):
 * into *cases and *periods. */
static void change_cases(const ctx *c, size_t vi, const unsigned char *changed, int after,
                         size_t *cases, size_t *periods)
{
    *cases = *periods = 0;
    for (size_t k = 0; k < 6; k++) {
        const per *pp = &c->per[k];
        if (pp->e.latest_run <= 0 || (pp->run_at >= c->vers[vi].at) != after)
            continue;
        (*periods)++;
        for (size_t i = 0; i < pp->nitems; i++)
            for (size_t r = 0; r < tk_rulecat_count(); r++)
                if (changed[r] && has_rule(&pp->items[i], tk_rulecat_rule_at(r)->id)) {
                    (*cases)++;
                    break;
                }
    }
}

static int chapter6(ctx *c, tk_error *err)
{
    tk_trends h[2];
    unsigned char *changed = NULL;
    int rc;
    size_t an[2] = {0, 0};

    memset(h, 0, sizeof h);
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-6", W(c, W_CH6), err));
    for (size_t k = 0; k < 6; k++)
        an[k >= 3] += c->per[k].e.latest_run > 0;
    {
        char intro[600];
        snprintf(intro, sizeof intro, W(c, W_CH6_INTRO), an[0], an[1]);
        TRY(tk_rdoc_para(c->b.d, intro, err));
    }
    const tk_trends_key key = TK_TRENDS_RULE;
    TRY(tk_trends_compute(c->b.db, &c->half[0], &key, 1, &h[0], err));
    TRY(tk_trends_compute(c->b.db, &c->half[1], &key, 1, &h[1], err));
    if (h[0].ngroups + h[1].ngroups > 0) {
        const char *hd[] = {W(c, W_ITEM), W(c, W_H1), W(c, W_H2), W(c, W_DIFF)};
        const unsigned f[] = {0, TK_RDOC_COL_NUM, TK_RDOC_COL_NUM, TK_RDOC_COL_NUM};
        TRY(tk_rdoc_table(c->b.d, W(c, W_HALF_CAP), 4, hd, f, err));
        /* Every rule of either half, in the catalogue's order, then the models. */
        for (size_t r = 0; r <= tk_rulecat_count(); r++) {
            const char *id = r < tk_rulecat_count() ? tk_rulecat_rule_at(r)->id : "model";
            size_t n[2] = {0, 0};
            int any = 0;
            for (int s = 0; s < 2; s++)
                for (size_t g = 0; g < h[s].ngroups; g++)
                    if (strcmp(h[s].groups[g].value[0], id) == 0) {
                        n[s] = h[s].groups[g].cases;
                        any = 1;
                    }
            if (!any)
                continue;
            char label[160], a[24], b[24], d[24];
            rule_label(c, id, label, sizeof label);
            snprintf(a, sizeof a, "%zu", n[0]);
            snprintf(b, sizeof b, "%zu", n[1]);
            snprintf(d, sizeof d, "%+lld", (long long)n[1] - (long long)n[0]);
            const char *row[] = {label, a, b, d};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    TRY(tk_rdoc_heading(c->b.d, 2, NULL, W(c, W_CHANGES), err));
    changed = calloc(tk_rulecat_count() + 1, 1);
    if (!changed) {
        rc = nomem(err);
        goto done;
    }
    size_t shown = 0;
    for (size_t vi = 0; vi < c->nvers; vi++) {
        const rver *v = &c->vers[vi];
        if (!in_year(c, v->at))
            continue;
        char what[2048] = "";
        memset(changed, 0, tk_rulecat_count());
        if (v->reset) {
            snprintf(what, sizeof what, "%s", W(c, W_RESET));
        }
        if (v->cfg) {
            const tk_rulecat_config *before = prev_config(c, vi);
            for (size_t r = 0; r < tk_rulecat_count(); r++) {
                char d[400];
                if (!rule_diff(c, before, v->cfg, r, d, sizeof d))
                    continue;
                changed[r] = 1;
                const size_t have = strlen(what);
                snprintf(what + have, sizeof what - have, "%s%s: %s", have ? "; " : "",
                         tk_rulecat_rule_at(r)->id, d);
            }
        }
        if (shown++ == 0) {
            TRY(tk_rdoc_para(c->b.d, W(c, W_CHANGES_NOTE), err));
            const char *hd[] = {W(c, W_WHEN), W(c, W_BY),     W(c, W_VERSION),
                                W(c, W_WHAT), W(c, W_BEFORE), W(c, W_AFTER)};
            const unsigned f[] = {TK_RDOC_COL_NOWRAP, 0,
                                  TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE,
                                  TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP};
            TRY(tk_rdoc_table(c->b.d, W(c, W_CHANGES_CAP), 6, hd, f, err));
        }
        char at[32], ver[24], before[48], after[48];
        size_t nc, np;
        tk_rdoc_fmt_time(v->at, at, sizeof at);
        snprintf(ver, sizeof ver, "#%lld", (long long)v->id);
        change_cases(c, vi, changed, 0, &nc, &np);
        snprintf(before, sizeof before, W(c, W_CASES_IN), nc, np);
        change_cases(c, vi, changed, 1, &nc, &np);
        snprintf(after, sizeof after, W(c, W_CASES_IN), nc, np);
        const char *row[] = {at, v->by[0] ? v->by : "-", ver, what[0] ? what : "-", before, after};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
    if (shown == 0)
        TRY(tk_rdoc_para(c->b.d, W(c, W_CHANGES_NONE), err));
done:
    free(changed);
    tk_trends_dispose(&h[0]);
    tk_trends_dispose(&h[1]);
    return rc;
}

/* The rule configuration version a run read: the newest stored before it. */
static const rver *run_rules(const ctx *c, const tk_anomalies_run *r)
{
    for (size_t i = c->nvers; i-- > 0;)
        if (c->vers[i].at <= r->created_at)
            return &c->vers[i];
    return NULL;
}

static const tk_bsettings_version *run_bsettings(const ctx *c, const tk_anomalies_run *r)
{
    for (size_t i = 0; i < c->nbs; i++)
        if (c->bs[i].created_at <= r->created_at)
            return &c->bs[i];
    return NULL;
}

static int chapter7(ctx *c, tk_error *err)
{
    int rc;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-7", W(c, W_CH7), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_CH7_INTRO), err));
    if (c->nruns == 0) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_INFO, W(c, W_RUNS_NONE), err));
        goto done;
    }
    const char *h[] = {W(c, W_RUN_ID), W(c, W_PERIOD),   W(c, W_RUN_AT),
                       W(c, W_RUN_BY), W(c, W_CASES),    W(c, W_RULES_VER),
                       W(c, W_MASTER), W(c, W_BASELINE), W(c, W_BSETTINGS)};
    const unsigned f[] = {TK_RDOC_COL_NOWRAP,
                          TK_RDOC_COL_NOWRAP,
                          TK_RDOC_COL_NOWRAP,
                          0,
                          TK_RDOC_COL_NUM,
                          0,
                          TK_RDOC_COL_WIDE,
                          0,
                          0};
    TRY(tk_rdoc_table(c->b.d, W(c, W_RUNS_CAP), 9, h, f, err));
    for (size_t i = c->nruns; i-- > 0;) {
        const tk_anomalies_run *r = &c->runs[i];
        char id[24], pb[32], at[32], items[24], rv[200], master[1024] = "", base[32], bs[400];
        snprintf(id, sizeof id, "#%lld", (long long)r->id);
        tk_period_format(&r->period, pb, sizeof pb);
        tk_rdoc_fmt_time(r->created_at, at, sizeof at);
        snprintf(items, sizeof items, "%zu", r->items);
        const rver *v = run_rules(c, r);
        if (v) {
            char vat[32];
            tk_rdoc_fmt_time(v->at, vat, sizeof vat);
            snprintf(rv, sizeof rv, "#%lld (%s)", (long long)v->id, vat);
        } else {
            snprintf(rv, sizeof rv, "%s", W(c, W_DEFAULTS));
        }
        /* The master-data versions effective on the period's last day. */
        for (const char *const *k = tk_master_kinds(); *k; k++) {
            int64_t mv = 0;
            tk_error merr;
            if (tk_master_effective_version(c->b.t, *k, r->period.last_day, &mv, &merr) != TK_OK)
                continue;
            const size_t have = strlen(master);
            snprintf(master + have, sizeof master - have, "%s%s#%lld", have ? ", " : "", *k,
                     (long long)mv);
        }
        tk_period_format(&r->baseline, base, sizeof base);
        const tk_bsettings_version *b = run_bsettings(c, r);
        if (b) {
            char desc[300];
            tk_bsettings_describe(&b->s, desc, sizeof desc);
            snprintf(bs, sizeof bs, "#%lld: %s", (long long)b->id, desc);
        } else {
            snprintf(bs, sizeof bs, "%s", W(c, W_DEFAULTS));
        }
        const char *row[] = {
            id,   pb, at, r->started_by ? r->started_by : "-", items, rv, master[0] ? master : "-",
            base, bs};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
done:
    return rc;
}

/* "min_residents 200人, percentile 99%" of rule i in config cfg. */
static void thresholds(const tk_rulecat_config *cfg, size_t i, char *buf, size_t cap)
{
    const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
    buf[0] = '\0';
    for (size_t p = 0; p < r->nparams; p++) {
        const double v = tk_rulecat_config_param(cfg, i, p);
        const size_t have = strlen(buf);
        char num[32];
        if (r->params[p].type == TK_RULECAT_BOOL)
            snprintf(num, sizeof num, "%s", v != 0 ? "true" : "false");
        else
            snprintf(num, sizeof num, "%g", v);
        snprintf(buf + have, cap - have, "%s%s %s%s", have ? ", " : "", r->params[p].name, num,
                 r->params[p].type == TK_RULECAT_BOOL ? "" : r->params[p].unit);
    }
    if (!buf[0])
        snprintf(buf, cap, "—");
}

static int chapter8(ctx *c, tk_error *err)
{
    unsigned char *changed = NULL;
    int64_t *when = NULL;
    int rc;
    size_t shown = 0;

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-8", W(c, W_CH8), err));
    for (size_t i = 0; i < c->nplans; i++) {
        const tk_period_plan *p = &c->plans[i];
        if (!overlaps(&p->period, &c->next))
            continue;
        if (shown++ == 0) {
            const char *h[] = {W(c, W_PERIOD), W(c, W_DEADLINE), W(c, W_DUE)};
            const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP};
            TRY(tk_rdoc_table(c->b.d, W(c, W_PLAN_CAP), 3, h, f, err));
        }
        char pb[32], a[16], b[16];
        tk_period_format(&p->period, pb, sizeof pb);
        tk_period_format_day(p->upload_deadline, a, sizeof a);
        tk_period_format_day(p->delivery_due, b, sizeof b);
        const char *row[] = {pb, a, b};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
    if (shown == 0)
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_INFO, W(c, W_PLAN_NONE), err));

    /* Which rules the year's changes touched, and the last time. */
    changed = calloc(tk_rulecat_count() + 1, 1);
    when = calloc(tk_rulecat_count() + 1, sizeof *when);
    if (!changed || !when) {
        rc = nomem(err);
        goto done;
    }
    for (size_t vi = 0; vi < c->nvers; vi++) {
        if (!in_year(c, c->vers[vi].at) || !c->vers[vi].cfg)
            continue;
        for (size_t r = 0; r < tk_rulecat_count(); r++) {
            char d[400];
            if (rule_diff(c, prev_config(c, vi), c->vers[vi].cfg, r, d, sizeof d)) {
                changed[r] = 1;
                when[r] = c->vers[vi].at;
            }
        }
    }
    TRY(tk_rdoc_para(c->b.d, W(c, W_RULES_INTRO), err));
    {
        const char *h[] = {"ID",           W(c, W_ITEM),   W(c, W_STATUS), W(c, W_SEVERITY),
                           W(c, W_THRESH), W(c, W_CHANGED)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, 0,
                              TK_RDOC_COL_NOWRAP, TK_RDOC_COL_SEVERITY,
                              TK_RDOC_COL_WIDE,   TK_RDOC_COL_NOWRAP};
        TRY(tk_rdoc_table(c->b.d, W(c, W_RULES_CAP), 6, h, f, err));
        for (size_t i = 0; i < tk_rulecat_count(); i++) {
            const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
            const int on = tk_rulecat_config_enabled(c->rules.config, i);
            const int sev = tk_rulecat_config_severity(c->rules.config, i);
            char th[512], ch[40] = "";
            thresholds(c->rules.config, i, th, sizeof th);
            if (changed[i]) {
                char at[32];
                tk_rdoc_fmt_time(when[i], at, sizeof at);
                snprintf(ch, sizeof ch, "○ %.10s", at);
            }
            const char *row[] = {r->id,
                                 c->b.en ? r->name_en : r->name_ja,
                                 on ? W(c, W_ON) : W(c, W_OFF),
                                 sev_word(c, sev),
                                 th,
                                 ch};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
done:
    free(changed);
    free(when);
    return rc;
}

/* ---- the minutes ------------------------------------------------------------ */

/* The summary line of agenda item k (0..7) into buf. */
static int summary_line(ctx *c, const totals *t, size_t k, char *buf, size_t cap, tk_error *err)
{
    char rate[16];
    int rc = TK_OK;
    buf[0] = '\0';
    switch (k) {
    case 0:
        rate_str(t->answered, t->requests, rate, sizeof rate);
        snprintf(buf, cap, W(c, W_S1), c->analysed, t->cases, t->sev[TK_RULECAT_CRITICAL],
                 t->sev[TK_RULECAT_HIGH], t->requests, rate);
        break;
    case 1: {
        tk_trends a = {0}, b = {0};
        tk_trends_key key = TK_TRENDS_RULE;
        rc = tk_trends_compute(c->b.db, &c->year, &key, 1, &a, err);
        key = TK_TRENDS_DEPT;
        if (rc == TK_OK)
            rc = tk_trends_compute(c->b.db, &c->year, &key, 1, &b, err);
        if (rc == TK_OK) {
            const tk_trends_group *ga = NULL, *gb = NULL;
            for (size_t g = 0; g < a.ngroups; g++)
                if (!ga || a.groups[g].cases > ga->cases)
                    ga = &a.groups[g];
            for (size_t g = 0; g < b.ngroups; g++)
                if (!gb || b.groups[g].cases > gb->cases)
                    gb = &b.groups[g];
            if (ga && gb) {
                char la[160], lb[160];
                rule_label(c, ga->value[0], la, sizeof la);
                group_label(c, TK_TRENDS_DEPT, gb->value[0], lb, sizeof lb);
                snprintf(buf, cap, W(c, W_S2), la, ga->cases, lb, gb->cases);
            } else {
                snprintf(buf, cap, "%s", W(c, W_S2_NONE));
            }
        }
        tk_trends_dispose(&a);
        tk_trends_dispose(&b);
        break;
    }
    case 2: {
        seen *e = NULL, *r = NULL;
        size_t ne = 0, nr = 0;
        rc = recurring(c, 0, &e, &ne, err);
        if (rc == TK_OK)
            rc = recurring(c, 1, &r, &nr, err);
        snprintf(buf, cap, W(c, W_S3), ne, nr);
        free(e);
        free(r);
        break;
    }
    case 3:
        snprintf(buf, cap, W(c, W_S4), t->serious[TK_ANSWERS_INAPPROPRIATE],
                 t->serious[TK_ANSWERS_INVESTIGATING]);
        break;
    case 4:
        snprintf(buf, cap, W(c, W_S5), t->answered, t->requests, t->by[TK_ANSWERS_JUSTIFIED],
                 t->by[TK_ANSWERS_INAPPROPRIATE], t->by[TK_ANSWERS_INVESTIGATING],
                 t->requests - t->answered);
        break;
    case 5: {
        size_t h1 = 0, h2 = 0;
        rc = half_totals(c, &h1, &h2, err);
        snprintf(buf, cap, W(c, W_S6), h1, h2, year_changes(c));
        break;
    }
    case 6:
        snprintf(buf, cap, W(c, W_S7), c->nruns);
        break;
    default: {
        size_t n = 0;
        for (size_t i = 0; i < c->nplans; i++)
            n += overlaps(&c->plans[i].period, &c->next) ? 1u : 0u;
        if (n)
            snprintf(buf, cap, W(c, W_S8_PLAN), n);
        else
            snprintf(buf, cap, "%s", W(c, W_S8_NONE));
        break;
    }
    }
    return rc;
}

static const int chapter_words[8] = {W_CH1, W_CH2, W_CH3, W_CH4, W_CH5, W_CH6, W_CH7, W_CH8};

static int minutes(ctx *c, const totals *t, tk_error *err)
{
    char yr[160], pb[96], meeting[160];
    tk_meeting m;
    int rc;

    memset(&m, 0, sizeof m);

    period_str(c, &c->year, pb, sizeof pb);
    snprintf(yr, sizeof yr, W(c, W_FY_FMT), c->o->fiscal_year, pb);
    snprintf(meeting, sizeof meeting, W(c, W_MEETING_FMT), c->o->fiscal_year);
    TRY(tk_rbuild_cover(&c->b, yr, c->o->issuer, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_MEETING), meeting, err));
    TRY(tk_rbuild_cover_tenant(&c->b, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_FY), yr, err));

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-1", W(c, W_M_OVERVIEW), err));
    rc = tk_meeting_get(c->b.db, c->o->fiscal_year, &m, err);
    if (rc == TK_ENOTFOUND) {
        const char *h[] = {W(c, W_M_ITEM), W(c, W_M_FILL)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE};
        TRY(tk_rdoc_table(c->b.d, NULL, 2, h, f, err));
        const int rows[] = {W_M_DATE, W_M_PLACE, W_M_ATT_CITY, W_M_ATT_US, W_M_RECORDER};
        for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
            const char *row[] = {W(c, rows[i]), ""};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    } else if (rc == TK_OK) {
        /* The recorded meeting: its attendees one per row, as entered
         * (city and contractor together); the time of day and the
         * recorder are left to write in. */
        char held[64];
        tk_rbuild_day(&c->b, m.held_on, held, sizeof held);
        TRY(tk_rdoc_para(c->b.d, W(c, W_M_RECORDED), err));
        const char *h[] = {W(c, W_M_ITEM), W(c, W_M_CONTENT)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE};
        TRY(tk_rdoc_table(c->b.d, NULL, 2, h, f, err));
        const char *r1[] = {W(c, W_M_DATE), held};
        const char *r2[] = {W(c, W_M_PLACE), m.place};
        TRY(tk_rdoc_table_row(c->b.d, r1, err));
        TRY(tk_rdoc_table_row(c->b.d, r2, err));
        for (size_t i = 0; i < m.nattendees; i++) {
            const char *row[] = {i == 0 ? W(c, W_M_ATTENDEES) : "", m.attendees[i]};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    } else {
        goto done;
    }
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-2", W(c, W_M_AGENDA), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_M_AGENDA_INTRO), err));
    {
        const char *items[8];
        for (size_t k = 0; k < 8; k++)
            items[k] = W(c, chapter_words[k]);
        TRY(tk_rdoc_list(c->b.d, items, 8, err));
    }
    for (size_t k = 0; k < 8; k++) {
        char line[600], para[700];
        TRY(tk_rdoc_heading(c->b.d, 2, NULL, W(c, chapter_words[k]), err));
        TRY(summary_line(c, t, k, line, sizeof line, err));
        snprintf(para, sizeof para, W(c, W_M_REPORT), line);
        TRY(tk_rdoc_para(c->b.d, para, err));
        const char *h[] = {W(c, W_M_ITEM), W(c, W_M_FILL)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE};
        TRY(tk_rdoc_table(c->b.d, NULL, 2, h, f, err));
        const char *r1[] = {W(c, W_M_QA), ""};
        const char *r2[] = {"", ""};
        const char *r3[] = {W(c, W_M_DECISION), ""};
        TRY(tk_rdoc_table_row(c->b.d, r1, err));
        TRY(tk_rdoc_table_row(c->b.d, r2, err));
        TRY(tk_rdoc_table_row(c->b.d, r3, err));
    }
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-3", W(c, W_M_ACTIONS), err));
    {
        const char *h[] = {W(c, W_M_NO), W(c, W_M_ACTION), W(c, W_M_OWNER), W(c, W_M_DUE),
                           W(c, W_M_NOTE)};
        const unsigned f[] = {TK_RDOC_COL_NUM, TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE,
                              TK_RDOC_COL_BLANK, TK_RDOC_COL_BLANK, TK_RDOC_COL_BLANK};
        TRY(tk_rdoc_table(c->b.d, W(c, W_M_ACTIONS_CAP), 5, h, f, err));
        for (int i = 1; i <= 8; i++) {
            char no[8];
            snprintf(no, sizeof no, "%d", i);
            const char *row[] = {no, "", "", "", ""};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    TRY(tk_rdoc_heading(c->b.d, 2, NULL, W(c, W_M_SIGN), err));
    {
        const char *h[] = {W(c, W_M_ROLE), W(c, W_M_NAME), W(c, W_M_SIGN_DATE)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE,
                              TK_RDOC_COL_BLANK};
        TRY(tk_rdoc_table(c->b.d, NULL, 3, h, f, err));
        const int rows[] = {W_M_RECORDER, W_M_CHECK_CITY, W_M_CHECK_US};
        for (size_t i = 0; i < 3; i++) {
            const char *row[] = {W(c, rows[i]), "", ""};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
done:
    tk_meeting_dispose(&m);
    return rc;
}

/* ---- entry points ------------------------------------------------------------ */

/* Builds the review (minutes = 0) or the minutes (1). */
static int build(tk_tenant *t, const tk_annual_options *o, int want_minutes, tk_rdoc **out,
                 tk_error *err)
{
    ctx c;
    totals tot;
    int rc;

    *out = NULL;
    memset(&c, 0, sizeof c);
    rc = tk_rbuild_init(&c.b, t, o->lang, o->issued, words_ja, words_en, "review", err);
    if (rc != TK_OK)
        return rc;
    if (o->fiscal_year < TK_PERIOD_FY_MIN || o->fiscal_year > TK_PERIOD_FY_MAX) {
        tk_error_set(err, TK_EINVAL, "the fiscal year is %d..%d, not %d", TK_PERIOD_FY_MIN,
                     TK_PERIOD_FY_MAX, o->fiscal_year);
        return TK_EINVAL;
    }
    c.o = o;
    TRY(gather(&c, err));
    year_totals(&c, &tot);
    TRY(tk_rbuild_begin(&c.b, W(&c, want_minutes ? W_MTITLE : W_TITLE), err));
    if (want_minutes) {
        TRY(minutes(&c, &tot, err));
    } else {
        TRY(cover(&c, err));
        TRY(chapter1(&c, &tot, err));
        TRY(chapter2(&c, &tot, err));
        TRY(chapter3(&c, err));
        TRY(chapter4(&c, err));
        TRY(chapter5(&c, &tot, err));
        TRY(chapter6(&c, err));
        TRY(chapter7(&c, err));
        TRY(chapter8(&c, err));
    }
    *out = tk_rbuild_take(&c.b);
done:
    tk_rbuild_dispose(&c.b);
    ctx_dispose(&c);
    return rc;
}

int tk_annual_review(tk_tenant *t, const tk_annual_options *o, tk_rdoc **out, tk_error *err)
{
    return build(t, o, 0, out, err);
}

int tk_annual_minutes(tk_tenant *t, const tk_annual_options *o, tk_rdoc **out, tk_error *err)
{
    return build(t, o, 1, out, err);
}

/* ---- the workbook ------------------------------------------------------------ */

/* A sheet name from a table's caption: "02 点検項目別・月別の事案数", cut to
 * Excel's 31 characters (whole UTF-8 characters) with the characters
 * Excel refuses replaced. */
static void sheet_name(size_t no, const char *caption, char *buf, size_t cap)
{
    size_t o = (size_t)snprintf(buf, cap, "%02zu ", no), chars = 3;
    for (const unsigned char *p = (const unsigned char *)caption; *p && chars < 31;) {
        size_t k = 1;
        if (*p >= 0xF0)
            k = 4;
        else if (*p >= 0xE0)
            k = 3;
        else if (*p >= 0xC0)
            k = 2;
        if (o + k + 1 > cap)
            break;
        if (k == 1 && strchr("[]:*?/\\'", *p))
            buf[o++] = '_';
        else
            for (size_t i = 0; i < k && p[i]; i++)
                buf[o++] = (char)p[i];
        for (size_t i = 0; i < k && *p; i++)
            p++;
        chars++;
    }
    buf[o] = '\0';
}

int tk_annual_write_xlsx(const tk_rdoc *d, const char *path, tk_error *err)
{
    lxw_workbook *wb = workbook_new(path);
    if (wb == NULL)
        return tk_error_set(err, TK_EIO, "cannot create the workbook %s", path);
    int rc = TK_OK;
    lxw_format *head = workbook_add_format(wb);
    lxw_format *cell = workbook_add_format(wb);
    if (!head || !cell) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory writing the workbook");
        goto done;
    }
    format_set_bold(head);
    format_set_bg_color(head, 0xD9E1F2);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_text_wrap(head);
    format_set_border(cell, LXW_BORDER_THIN);
    format_set_align(cell, LXW_ALIGN_VERTICAL_TOP);
    size_t no = 0;
    for (size_t i = 0; i < tk_rdoc_count(d); i++) {
        tk_rdoc_block b;
        tk_rdoc_block_at(d, i, &b);
        if (b.kind != TK_RDOC_TABLE || !b.text)
            continue;
        char name[160];
        sheet_name(++no, b.text, name, sizeof name);
        lxw_worksheet *ws = workbook_add_worksheet(wb, name);
        if (!ws) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory writing the workbook");
            goto done;
        }
        for (size_t col = 0; col < b.ncols; col++) {
            const int wide = (b.colflags[col] & TK_RDOC_COL_WIDE) != 0;
            worksheet_set_column(ws, (lxw_col_t)col, (lxw_col_t)col, wide ? 50 : 14, NULL);
            worksheet_write_string(ws, 0, (lxw_col_t)col, b.headers[col], head);
        }
        for (size_t r = 0; r < b.nrows; r++)
            for (size_t col = 0; col < b.ncols; col++) {
                const char *s = b.cells[r * b.ncols + col];
                const lxw_row_t row = (lxw_row_t)(r + 1);
                int64_t v;
                if ((b.colflags[col] & TK_RDOC_COL_NUM) && s[0] && tk_parse_i64(s, strlen(s), &v))
                    worksheet_write_number(ws, row, (lxw_col_t)col, (double)v, cell);
                else
                    worksheet_write_string(ws, row, (lxw_col_t)col, s, cell);
            }
        worksheet_freeze_panes(ws, 1, 0);
        if (b.ncols > 0)
            worksheet_autofilter(ws, 0, 0, (lxw_row_t)b.nrows, (lxw_col_t)(b.ncols - 1));
    }
done:;
    const lxw_error e = workbook_close(wb);
    if (rc == TK_OK && e != LXW_NO_ERROR)
        rc = tk_error_set(err, TK_EIO, "cannot write the workbook %s: %s", path, lxw_strerror(e));
    return rc;
}
