/* api/report.c -- the bimonthly report (see report.h).
 *
 * The builder first gathers what every chapter reads -- the run and its
 * whole ranked list, the previous period's run and list, the rule
 * configuration in force, the uploads and the period's activity -- into
 * one context, then writes the chapters in order. Each chapter is one
 * function that only formats; the few judgements (which cases need an
 * answer, which recommendations have evidence) are small functions of
 * their own so that they can be read, documented and moved.
 *
 * The period's activity (events per day and system, per weekday and hour)
 * and its completeness grid come from one scan of the stored events
 * (src/store.h), the one models/completeness makes of the period and
 * the weeks before it, which hands the report each event of the period
 * as it passes: the period is read once, and the scan keeps only
 * counters, so it costs memory in the number of days times systems, not
 * in events.
 *
 * Words: every fixed text is in the WORDS list below, once per language,
 * so that a translation is a column and the chapters hold no literal
 * text of their own. */
#include "api/report.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/rbuild.h"
#include "api/svg.h"
#include "models/answers.h"
#include "models/bsettings.h"
#include "models/completeness.h"
#include "models/periods.h"
#include "models/rulecat.h"
#include "models/suppress.h"
#include "models/trends.h"
#include "models/tuning.h"
#include "src/alloc.h"
#include "src/calendar.h"
#include "src/event.h"
#include "src/master.h"
#include "src/store.h"
#include "src/timefmt.h"
#include "src/uploads.h"

/* ---- words --------------------------------------------------------------- */

// clang-format off
#define WORDS(X) \
    X(W_TITLE, "分析点検結果レポート", "Log Inspection Report") \
    X(W_PERIOD, "対象期間", "Period") \
    X(W_ISSUED, "発行日", "Issued") \
    X(W_RUN, "分析実行", "Analysis run") \
    X(W_SYSTEMS, "対象システム", "Systems") \
    X(W_FILES, "受領ファイル", "Files received") \
    X(W_MISSING, "ログの欠落", "Log gaps") \
    X(W_NONE, "なし", "none") \
    X(W_CH1, "1 受領データと分析の実行", "1 Data received and the analysis run") \
    X(W_CH1_INTRO, "本レポートは、対象期間に受領したアクセスログを分析点検した結果です。受領したファイルと、分析の実行は次のとおりです。", "This report gives the results of the inspection of the access logs received for the period. The files received and the analysis run are listed below.") \
    X(W_FILE, "ファイル名", "File") \
    X(W_ROWS, "行数", "Rows") \
    X(W_ACCEPTED, "受理", "Accepted") \
    X(W_REJECTED, "不受理", "Rejected") \
    X(W_ENCODING, "文字コード", "Encoding") \
    X(W_STATUS, "状態", "Status") \
    X(W_FILES_CAP, "受領ファイル一覧", "Files received") \
    X(W_NO_FILES, "対象期間のログファイルは受領していません。", "No log file covering the period was received.") \
    X(W_RUN_ID, "実行番号", "Run") \
    X(W_RUN_AT, "実行日時", "Run at") \
    X(W_RUN_BY, "実行者", "Started by") \
    X(W_BASELINE, "基準期間（平常時の比較対象）", "Baseline window") \
    X(W_EVENTS, "読み込んだ操作ログ", "Events read") \
    X(W_RUN_OPTIONS, "分析条件", "Options") \
    X(W_CH2, "2 総括", "2 Summary") \
    X(W_CASES, "検出した事案", "Cases found") \
    X(W_CH2_LEAD, "対象期間の操作ログ%s件を分析し、%zu件の事案を検出しました（重大%zu件、高%zu件、中%zu件、低%zu件、統計モデルのみ%zu件）。このうち%zu件を要確認事項として、所属長に業務上の理由の確認をお願いします（第5章）。", "%s events of the period were analysed and %zu cases found (%zu critical, %zu high, %zu medium, %zu low, %zu from the models alone). %zu of them are put to the heads of section for confirmation (chapter 5).") \
    X(W_CH2_PREV, "前回（%s）は%zu件でした。", "The previous period (%s) had %zu cases.") \
    X(W_UNKNOWN, "（不明）", "(unknown)") \
    X(W_OPEN, "未確認・調査中", "Open (new or investigating)") \
    X(W_TO_CONFIRM, "所属長への確認依頼（要確認事項）", "Put to the heads of section (chapter 5)") \
    X(W_PREV, "前回", "Previous") \
    X(W_THIS, "今回", "This period") \
    X(W_DIFF, "増減", "Change") \
    X(W_SEVERITY, "重要度", "Severity") \
    X(W_BY_SEV_CAP, "重要度別の事案数（前回との比較）", "Cases by severity, against the previous period") \
    X(W_ITEM, "点検項目", "Inspection item") \
    X(W_BY_ITEM_CAP, "点検項目別の事案数", "Cases by inspection item") \
    X(W_NCASES, "件数", "Cases") \
    X(W_MODEL, "統計モデル", "Statistical models") \
    X(W_VOL_SYS_CAP, "システム別の操作ログ件数（対象期間）", "Events per system in the period") \
    X(W_VOL_DAY_CAP, "日別・システム別の操作ログ件数", "Events per day and system") \
    X(W_OTHERS, "その他", "others") \
    X(W_EVENTS_UNIT, "件", "events") \
    X(W_CASES_UNIT, "件", "cases") \
    X(W_NO_PREV, "前回の分析結果はありません。", "There is no analysis of a previous period.") \
    X(W_CH3, "3 点検の方法", "3 Method") \
    X(W_CH3_INTRO, "操作ログを職員・端末ごとに日単位で集計し、点検項目（規則）による判定と、平常時の傾向からの外れを測る統計モデル（Isolation Forest、マハラノビス距離）を組み合わせて事案を抽出しました。同じ職員・同じパターンの一連の検出は1件の事案にまとめ、0〜100の得点で順位付けしています。", "The logs were counted per staff member and terminal and per day; cases were found by the inspection items (rules) and by statistical models that measure departures from the usual pattern (isolation forest, Mahalanobis distance). Findings of one entity and one pattern are one case, ranked by a 0-100 score.") \
    X(W_RULES_CAP, "点検項目としきい値", "Inspection items and thresholds") \
    X(W_ENABLED, "有効", "on") \
    X(W_DISABLED, "無効", "off") \
    X(W_THRESH, "しきい値", "Thresholds") \
    X(W_RULES_VERSION, "点検項目の設定", "Rule configuration") \
    X(W_DEFAULTS, "既定値（変更なし）", "the defaults (never changed)") \
    X(W_RULES_LATER, "この設定は分析の実行後に変更されています。本レポートの結果は実行時の設定によるものです。", "The configuration was changed after the run; the results are those of the configuration at the time of the run.") \
    X(W_BSETTINGS, "基準の設定", "Baseline settings") \
    X(W_MODELS, "統計モデル", "Models") \
    X(W_MASTER_CAP, "使用したマスタデータ", "Master data used") \
    X(W_KIND, "種別", "Kind") \
    X(W_EFFECTIVE, "適用開始日", "Effective from") \
    X(W_IMPORTED, "取込日時", "Imported") \
    X(W_NO_MASTER, "マスタデータは登録されていません。職員・端末による判定の一部は行われていません。", "No master data is stored: the checks that need staff or terminal data were not made.") \
    X(W_SUPPR_CAP, "除外設定（既知の業務上の理由による抑止）", "Exclusions (suppressed known false positives)") \
    X(W_TARGET, "対象", "Entity") \
    X(W_REASON, "理由", "Reason") \
    X(W_UNTIL, "期限", "Until") \
    X(W_BY, "登録者", "By") \
    X(W_NO_SUPPR, "除外設定はありません。", "There are no exclusions.") \
    X(W_NOTES, "分析時の注記", "Notes of the run") \
    X(W_CH4, "4 点検項目別の結果", "4 Results per inspection item") \
    X(W_CH4_INTRO, "有効なすべての点検項目について点検しました。住民は仮名で示し、氏名・住民番号は記載していません。", "Every enabled inspection item was checked. Residents appear only by pseudonym; no name or resident number is shown.") \
    X(W_NOT_FOUND, "点検済み・該当なし", "checked: none found") \
    X(W_FOUND_FMT, "点検済み・%zu件検出", "checked: %zu found") \
    X(W_RESULT, "結果", "Result") \
    X(W_FOUND_WHO, "%s（職員%zu人、端末%zu台、所属%zu）", "%s (staff %zu, terminals %zu, sections %zu)") \
    X(W_CHECKED_CAP, "点検項目ごとの点検結果", "Result of each inspection item") \
    X(W_STAFF, "職員", "Staff") \
    X(W_DEPTS, "所属", "Sections") \
    X(W_REP_CAP, "代表的な事案", "Representative cases") \
    X(W_RANK, "順位", "Rank") \
    X(W_DAYS, "期間", "Days") \
    X(W_SUMMARY, "概要", "Summary") \
    X(W_SCORE, "得点", "Score") \
    X(W_DISABLED_LIST, "無効に設定されている点検項目（点検していません）", "Disabled inspection items (not checked)") \
    X(W_MODEL_DESC, "規則に当たらないが、平常時の傾向から大きく外れた職員・日を統計モデルで抽出したもの", "Staff-days far from their usual pattern that no rule covers, found by the models") \
    X(W_CH5, "5 要確認事項", "5 Cases to confirm") \
    X(W_CH5_RULE, "次の事案について、所属長に業務上の理由の確認と記入をお願いします。選定基準: 誤検知と判定済みのものを除き、重要度が「%s」以上、得点が%.0f以上、または確認済み・調査中と判定された事案（回答済みの事案を含む）を順位順に最大%zu件。事案番号は回答用の Excel ファイルと同じです。", "Heads of section are asked to confirm and fill in the business reason of the cases below. Chosen: cases not judged false positives, of severity %s or above, with a score of %.0f or more, or triaged confirmed or investigating (answered cases included), by rank, at most %zu. The case numbers are those of the answer workbook.") \
    X(W_CH5_CUT, "対象は%zu件ありますが、上位%zu件を掲載しています。残りは分析画面で確認できます。", "%zu cases qualify; the first %zu are listed. The others are in the service.") \
    X(W_CH5_NONE, "確認を要する事案はありません。", "No case needs confirmation.") \
    X(W_NO, "No", "No") \
    X(W_WHEN, "日時", "Time") \
    X(W_STAFF_ID, "職員ID", "Staff ID") \
    X(W_DEPT, "所属", "Section") \
    X(W_SYS_OP, "システム／機能／操作", "System / function / operation") \
    X(W_SUBJECT, "対象（住民）", "Subject (resident)") \
    X(W_WHY, "検出理由", "Why") \
    X(W_ANSWER, "業務上の理由", "Business reason") \
    X(W_CONFIRMER, "確認者", "Confirmed by") \
    X(W_CONFIRM_DATE, "確認日", "Date") \
    X(W_PSEUDONYM, "仮名 ", "pseudonym ") \
    X(W_CH6, "6 傾向", "6 Trends") \
    X(W_MONTHLY_CAP, "月別の事案数（直近12か月、重要度別）", "Cases per month (last 12 months, by severity)") \
    X(W_HEAT_CAP, "曜日・時間帯別の操作ログ件数（対象期間）", "Events by weekday and hour (the period)") \
    X(W_DAILY_CAP, "日別の操作ログ件数と通常の範囲", "Events per day against the usual range") \
    X(W_DAILY_VALUE, "操作ログ件数", "events") \
    X(W_DAILY_BAND, "通常の範囲", "usual range") \
    X(W_DAILY_NOTE, "通常の範囲は、基準期間の開庁日・閉庁日それぞれの日別件数の10〜90パーセンタイルです。", "The usual range is the 10th to 90th percentile of the baseline window's daily events, for open and closed days apart.") \
    X(W_DEPT_CAP, "所属別の事案数（対象期間）", "Cases per section (the period)") \
    X(W_SYS_CAP, "システム別の事案数（対象期間）", "Cases per system (the period)") \
    X(W_CH7, "7 前回のフォローアップ", "7 Follow-up of the previous period") \
    X(W_CH7_INTRO, "前回（%s）の事案について、点検担当者による判定の状況は次のとおりです。", "The inspectors' decisions on the cases of the previous period (%s):") \
    X(W_ST_NEW, "未判定", "not yet judged") \
    X(W_ST_INV, "調査中", "under investigation") \
    X(W_ST_CONF, "不適切（確認済み）", "inappropriate (confirmed)") \
    X(W_ST_FP, "業務上正当（誤検知）", "justified (false positive)") \
    X(W_ST_CAP, "判定の状況", "Decisions") \
    X(W_OPEN_CAP, "不適切または調査中の事案", "Cases confirmed inappropriate or under investigation") \
    X(W_DECIDED, "判定者", "Decided by") \
    X(W_COMMENT, "コメント", "Comment") \
    X(W_ANS_CAP, "所属長の回答（要確認事項）", "Answers of the heads of section (cases to confirm)") \
    X(W_ANS_NONE, "前回の要確認事項への所属長の回答はまだありません。", "No head of section has answered the previous period's cases to confirm yet.") \
    X(W_ANS_INTRO, "前回の要確認事項%zu件に回答がありました（正当%zu件、不適切%zu件、調査中%zu件）。", "%zu of the previous period's cases to confirm were answered (%zu justified, %zu inappropriate, %zu under investigation).") \
    X(W_CASE_ID, "事案番号", "Case") \
    X(W_ENTITY, "対象", "Who") \
    X(W_VERDICT, "回答", "Answer") \
    X(W_BIZ_REASON, "業務上の理由", "Business reason") \
    X(W_CH8, "8 改善に向けた推奨事項", "8 Recommendations") \
    X(W_CH8_INTRO, "今回の検出結果から、次の対応をお勧めします（根拠となる検出があるものに限って記載しています）。", "From what was found, we recommend the following (each only where the findings support it).") \
    X(W_CH8_NONE, "今回の結果から特に推奨する対応はありません。", "Nothing in this period's results calls for a recommendation.") \
    X(W_REC_PERM, "アクセス権限の見直し: 権限外・担当外のシステムや機能の利用が%zu件ありました（%s）。職員の異動・担当に合わせて権限を見直してください。", "Review access rights: %zu cases of systems or functions used outside the staff member's role (%s). Align rights with postings and duties.") \
    X(W_REC_ACCT, "不要アカウントの速やかな無効化: 退職・休職中・未登録のアカウントの利用が%zu件ありました（%s）。人事異動と同日のアカウント停止を徹底してください。", "Disable accounts promptly: %zu cases of retired, on-leave or unknown accounts used (%s). Disable accounts on the day of the change.") \
    X(W_REC_USB, "可搬媒体の運用徹底: 可搬媒体への書出し・未許可デバイスの接続が%zu件ありました（%s）。媒体の許可制と持出し記録を徹底してください。", "Removable media: %zu cases of writes to removable media or unapproved devices (%s). Enforce approved media and a record of what leaves.") \
    X(W_REC_BULK, "大量照会・大量出力の業務確認: 大量の照会・出力・抽出が%zu件ありました（%s）。業務上の必要性を所属で確認してください。", "Bulk lookups and output: %zu cases (%s). Sections should confirm the business need.") \
    X(W_REC_HOURS, "時間外・休日利用の事前申請: 時間外・休日・長時間の利用が%zu件ありました（%s）。時間外勤務の申請とログの突合を行ってください。", "After-hours use: %zu cases of after-hours, closed-day or long sessions (%s). Match them with overtime requests.") \
    X(W_REC_LOGS, "ログの提出・項目の改善: ログの欠損・件数の急減や、業務ログと端末ログの不整合が%zu件ありました（%s）。ログの出力設定と提出漏れを確認してください。", "Log delivery: %zu cases of log gaps or logs that disagree (%s). Check the systems' log settings and deliveries.") \
    X(W_REC_REJECT, "ログ形式の確認: 受領したファイルに取り込めない行が%llu行ありました。出力項目・形式をベンダーと確認してください（付録参照）。", "Log format: %llu rows of the files received could not be read. Check the fields and format with the vendor (see the appendix).") \
    X(W_REC_GAP, "ログの受領漏れの確認: 開庁日のシステム別ログに欠落・不足がありました（%s、付録参照）。提出漏れがないか確認してください。", "Missing deliveries: the systems' logs of open days have gaps (%s; see the appendix). Check that every file was sent.") \
    X(W_CH9, "9 付録", "9 Appendix") \
    X(W_DQ, "データ品質", "Data quality") \
    X(W_UPLOADS_CAP, "取込結果（ファイル別）", "Ingestion per file") \
    X(W_UNKNOWN_USERS, "未登録職員", "Unknown users") \
    X(W_MESSAGE, "内容", "Message") \
    X(W_GAP_SUMMARY, "ログの完全性（システム×開庁日）", "Completeness (system x open day)") \
    X(W_SYS_GAPS_CAP, "システム別のログの欠落と不足（欠落: 開庁日にログなし、少量: 通常の30%未満）", "Gaps per system (missing: an open day without logs; low: under 30% of normal)") \
    X(W_GAP_NORMAL, "通常の件数/日", "Normal rows/day") \
    X(W_GAP_MISSING, "欠落", "Missing") \
    X(W_GAP_LOW, "少量", "Low") \
    X(W_GAP_LIST, "日付", "Dates") \
    X(W_GAP_LOW_MARK, "（少）", " (low)") \
    X(W_GAP_ABSENT, "期間中のログなし（前の期間にはあり）", "no logs in the period (there were before it)") \
    X(W_GAP_MISSING_N, "欠落%zu件", "%zu missing") \
    X(W_GAP_LOW_N, "少量%zu件", "%zu low") \
    X(W_GAP_ABSENT_N, "未着%zuシステム", "%zu systems absent") \
    X(W_SEP, "、", ", ") \
    X(W_MASTER_CHANGES, "対象期間中のマスタデータの変更", "Master-data changes in the period") \
    X(W_NO_MASTER_CHANGES, "対象期間中に適用されたマスタデータの変更はありません。", "No master-data version took effect in the period.") \
    X(W_CONTENTS_OF, "%s 〜 %s", "%s to %s") \
    X(W_MODEL_CASE, "モデル", "model")
// clang-format on

TK_RBUILD_WORD_TABLES(WORDS);

/* ---- context ------------------------------------------------------------- */

typedef struct ctx {
    tk_rbuild b; /* the tenant, the document, its words and date of issue */
    const tk_report_options *o;
    tk_anomalies_run run;
    tk_anomalies_item *items;
    size_t nitems;
    int has_prev;
    tk_anomalies_run prev;
    tk_anomalies_item *pitems;
    size_t npitems;
    tk_tuning_rules rules; /* in force now */
    /* The configuration the run used: the newest version stored before it
     * (rver 0: the catalogue's defaults). */
    tk_rulecat_config *rcfg;
    int64_t rver, rat;
    char rby[128];
    tk_upload_info *uploads;
    size_t nuploads;
    /* Activity of the period: vol[day * nsys + system id], heat[wd * 24 + h]. */
    tk_store_names systems;
    size_t ndays;
    uint64_t *vol;
    unsigned char *open; /* open[day]: an open day of the tenant's calendar */
    /* The usual range of a day's events: 10th and 90th percentiles of the
     * baseline window's open days [0] and closed days [1]; NaN when the
     * window has no such day. */
    double band_lo[2], band_hi[2];
    double heat[7 * 24];
    uint64_t events;
    /* The completeness grid of the period (models/completeness), as
     * `tenken completeness` shows it on the day of issue: the cover, the
     * recommendations and the appendix report its gaps. */
    tk_completeness comp;
} ctx;

/* The word k of the document's language. */
#define W(c, k) tk_rbuild_word(&(c)->b, (k))

static void period_str(const ctx *c, const tk_period *p, char *buf, size_t cap)
{
    tk_rbuild_range(&c->b, p, W(c, W_CONTENTS_OF), buf, cap);
}

static const char *sev_word(const ctx *c, const char *sev)
{
    const int s = tk_rulecat_severity_parse(sev, strlen(sev));
    if (s == 0)
        return "—";
    return c->b.en ? tk_rulecat_severity_name(s) : tk_rulecat_severity_ja(s);
}

static int nomem(tk_error *err)
{
    tk_error_set(err, TK_ENOMEM, "out of memory building the report");
    return TK_ENOMEM;
}

#define TRY(x) TK_RBUILD_TRY(x)

/* ---- gathering ------------------------------------------------------------ */

void tk_report_items_free(tk_anomalies_item *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        tk_anomalies_item_dispose(&v[i]);
    free(v);
}

/* Every item of run `run` matching q (its limit and cursor are set here),
 * by q's order, up to `cap` items (0: all), appended to *v / *n. Items
 * move out of the pages (their owned fields with them). */
static int load_items(tk_db *db, int64_t run, tk_anomalies_query q, size_t cap,
                      tk_anomalies_item **v, size_t *n, size_t *total, tk_error *err)
{
    tk_anomalies_page pg = {0};
    char cursor[TK_ANOMALIES_CURSOR_SIZE] = "";
    int rc = TK_OK;

    q.limit = TK_ANOMALIES_PAGE_MAX;
    for (;;) {
        q.cursor = cursor[0] ? cursor : NULL;
        rc = tk_anomalies_list(db, run, &q, &pg, err);
        if (rc != TK_OK)
            return rc;
        if (total)
            *total = pg.total;
        size_t take = pg.n;
        if (cap && *n + take > cap)
            take = cap - *n;
        if (take > 0) {
            tk_anomalies_item *p = realloc(*v, (*n + take) * sizeof *p);
            if (!p) {
                tk_anomalies_page_dispose(&pg);
                return nomem(err);
            }
            *v = p;
            memcpy(*v + *n, pg.items, take * sizeof *p);
            memset(pg.items, 0, take * sizeof *pg.items);
            *n += take;
        }
        snprintf(cursor, sizeof cursor, "%s", pg.next_cursor);
        tk_anomalies_page_dispose(&pg);
        if (!cursor[0] || (cap && *n >= cap))
            return TK_OK;
    }
}

/* The local form of the rule of tk_answers_requests(), for a run that is
 * not its period's newest (answers and requests follow the newest). */
static int pick_chosen(const tk_anomalies_item *it, const tk_report_pick_options *o)
{
    const int sev = tk_rulecat_severity_parse(it->severity, strlen(it->severity));
    if (it->status == TK_ANOMALIES_FALSE_POSITIVE)
        return 0;
    return sev >= o->min_severity || it->score >= o->min_score ||
           it->status == TK_ANOMALIES_CONFIRMED || it->status == TK_ANOMALIES_INVESTIGATING;
}

int tk_report_pick(tk_db *db, int64_t run, const tk_report_pick_options *o, tk_anomalies_item **out,
                   size_t *n, size_t *total, tk_error *err)
{
    static const tk_report_pick_options defaults = TK_REPORT_PICK_INIT;
    tk_anomalies_item *all = NULL, *v = NULL;
    tk_anomalies_run info;
    tk_answers_set set;
    size_t nall = 0, k = 0, eligible = 0;
    int rc;

    *out = NULL;
    *n = 0;
    memset(&info, 0, sizeof info);
    memset(&set, 0, sizeof set);
    if (!o)
        o = &defaults;
    if (o->max == 0 || o->max > TK_ANOMALIES_PAGE_MAX) {
        tk_error_set(err, TK_EINVAL, "the cases to confirm are capped at 1 to %d, not %zu",
                     TK_ANOMALIES_PAGE_MAX, o->max);
        return TK_EINVAL;
    }
    v = calloc(o->max, sizeof *v);
    if (!v)
        return nomem(err);
    rc = tk_anomalies_run_get(db, run, &info, err);
    if (rc != TK_OK)
        goto done;
    /* The newest run of the period: exactly the requests the city answers
     * (the workbook, the service), answered cases included. */
    tk_answers_options ao = TK_ANSWERS_OPTIONS_INIT;
    ao.min_score = o->min_score;
    ao.limit = TK_ANOMALIES_PAGE_MAX;
    rc = tk_answers_requests(db, &info.period, &ao, &set, err);
    if (rc != TK_OK)
        goto done;
    if (set.run == run) {
        eligible = set.n;
        for (size_t i = 0; i < set.n && k < o->max; i++) {
            v[k++] = set.v[i].item;
            memset(&set.v[i].item, 0, sizeof set.v[i].item);
        }
    } else {
        /* One pass over the ranked list: it is already in rank order, and
         * the rule combines severity, score and triage, which one query
         * cannot filter. */
        tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
        rc = load_items(db, run, q, 0, &all, &nall, NULL, err);
        if (rc != TK_OK)
            goto done;
        for (size_t i = 0; i < nall; i++) {
            if (!pick_chosen(&all[i], o))
                continue;
            eligible++;
            if (k < o->max) {
                v[k++] = all[i];
                memset(&all[i], 0, sizeof all[i]);
            }
        }
    }
    if (total)
        *total = eligible;
    if (k == 0) {
        free(v);
        v = NULL;
    }
    *out = v;
    *n = k;
    v = NULL;
done:
    tk_report_items_free(v, k);
    tk_report_items_free(all, nall);
    tk_answers_set_dispose(&set);
    tk_anomalies_run_dispose(&info);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile (0..1) of sorted v[0..n), interpolated; NaN when n is 0. */
static double percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    const double pos = p * (double)(n - 1);
    const size_t i = (size_t)pos;
    return i + 1 < n ? v[i] + (v[i + 1] - v[i]) * (pos - (double)i) : v[i];
}

/* The usual range of a day's events from the run's baseline window: the
 * events of each of its days, split into open and closed days by the
 * calendar, and the 10th to 90th percentile of each kind. Days before
 * the first stored event are left out, so that a tenant whose logs begin
 * inside the window is not judged against empty days. */
static int baseline_band(ctx *c, const tk_calendar *cal, tk_error *err)
{
    const int64_t day_ms = 86400000, jst = 9 * 3600000;
    const tk_period *b = &c->run.baseline;
    tk_store_scan *s = NULL;
    tk_stored_event ev;
    double *days = NULL, *kind[2] = {NULL, NULL};
    size_t nk[2] = {0, 0};
    int rc = TK_OK;

    c->band_lo[0] = c->band_lo[1] = c->band_hi[0] = c->band_hi[1] = NAN;
    if (b->first_day > b->last_day || b->last_day - b->first_day > 3660)
        return TK_OK;
    const size_t n = (size_t)(b->last_day - b->first_day + 1);
    days = calloc(n, sizeof *days);
    kind[0] = calloc(n, sizeof *kind[0]);
    kind[1] = calloc(n, sizeof *kind[1]);
    if (!days || !kind[0] || !kind[1]) {
        rc = nomem(err);
        goto done;
    }
    rc = tk_store_scan_create(&s, c->b.db, b->first_day * day_ms - jst,
                              (b->last_day + 1) * day_ms - jst, err);
    while (rc == TK_OK) {
        const int got = tk_store_scan_next(s, &ev, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        const int64_t day = tk_jst_day(ev.row.t);
        if (day >= b->first_day && day <= b->last_day)
            days[day - b->first_day] += 1;
    }
    if (rc != TK_OK)
        goto done;
    size_t first = 0;
    while (first < n && days[first] == 0)
        first++;
    for (size_t d = first; d < n; d++) {
        const int closed = !tk_calendar_is_open(cal, b->first_day + (int64_t)d);
        kind[closed][nk[closed]++] = days[d];
    }
    for (int k = 0; k < 2; k++) {
        qsort(kind[k], nk[k], sizeof *kind[k], cmp_double);
        c->band_lo[k] = percentile(kind[k], nk[k], 0.10);
        c->band_hi[k] = percentile(kind[k], nk[k], 0.90);
    }
done:
    tk_store_scan_destroy(s);
    free(days);
    free(kind[0]);
    free(kind[1]);
    return rc;
}

/* Counts one event of the period per day and system and per weekday and
 * hour (a tk_completeness_visit_fn). */
static void count_activity(void *vctx, const tk_stored_event *ev)
{
    ctx *const c = vctx;
    const size_t nsys = c->systems.n ? c->systems.n : 1;
    const int64_t day = tk_jst_day(ev->row.t);
    const size_t di = (size_t)(day - c->o->period.first_day);
    const size_t sys = ev->row.system < nsys ? ev->row.system : 0;
    c->vol[di * nsys + sys]++;
    const int64_t wd = ((day + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
    const int hour = tk_jst_ms_of_day(ev->row.t) / 3600000;
    c->heat[(size_t)wd * 24 + (size_t)hour] += 1;
    c->events++;
}

/* The period's activity and its completeness grid. One scan of the store
 * serves both: models/completeness reads the period (and the weeks before
 * it) and hands each event of the period to count_activity(). */
static int gather_activity(ctx *c, tk_error *err)
{
    int rc;

    rc = tk_store_names_load(c->b.db, TK_STORE_SYSTEMS, &c->systems, err);
    if (rc != TK_OK)
        return rc;
    c->ndays = (size_t)(c->o->period.last_day - c->o->period.first_day + 1);
    const size_t nsys = c->systems.n ? c->systems.n : 1;
    c->vol = calloc(c->ndays * nsys, sizeof *c->vol);
    c->open = calloc(c->ndays, 1);
    if (!c->vol || !c->open)
        return nomem(err);
    tk_calendar *cal = NULL;
    rc = tk_calendar_load(&cal, c->b.t, NULL, err);
    if (rc != TK_OK)
        return rc;
    for (size_t d = 0; d < c->ndays; d++)
        c->open[d] = (unsigned char)tk_calendar_is_open(cal, c->o->period.first_day + (int64_t)d);
    rc = baseline_band(c, cal, err);
    tk_calendar_destroy(cal);
    if (rc != TK_OK)
        return rc;
    return tk_completeness_compute_visit(c->b.t, &c->o->period, tk_jst_day(c->b.issued),
                                         count_activity, c, &c->comp, err);
}

/* Uploads whose accepted rows overlap the period (or that were rejected
 * while the period was being received: no range, started within it or
 * after). */
static int upload_in_period(const ctx *c, const tk_upload_info *u)
{
    if (u->has_range)
        return tk_jst_day(u->t_max) >= c->o->period.first_day &&
               tk_jst_day(u->t_min) <= c->o->period.last_day;
    return tk_jst_day(u->started_at) >= c->o->period.first_day;
}

typedef struct rv_acc {
    ctx *c;
    tk_error *err;
    int rc;
} rv_acc;

/* Versions come newest first: the first one stored before the run is the
 * one it read. */
static int run_version(void *vctx, const tk_rulecat_version *v)
{
    rv_acc *a = vctx;
    if (v->created_at > a->c->run.created_at)
        return 0;
    a->rc = tk_rulecat_config_parse(&a->c->rcfg, v->config, strlen(v->config), a->err);
    a->c->rver = v->id;
    a->c->rat = v->created_at;
    snprintf(a->c->rby, sizeof a->c->rby, "%s", v->created_by ? v->created_by : "");
    return 1;
}

static int run_rules(ctx *c, tk_error *err)
{
    rv_acc a = {c, err, TK_OK};
    int rc = tk_rulecat_list_versions(c->b.db, run_version, &a, err);
    if (rc == 1)
        rc = a.rc;
    if (rc == TK_OK && !c->rcfg)
        rc = tk_rulecat_config_create(&c->rcfg, err);
    return rc;
}

static int gather(ctx *c, tk_error *err)
{
    int rc;
    char pb[32];

    tk_period_format(&c->o->period, pb, sizeof pb);
    if (c->o->run > 0) {
        rc = tk_anomalies_run_get(c->b.db, c->o->run, &c->run, err);
        if (rc == TK_ENOTFOUND)
            tk_error_set(err, rc,
                         "no analysis run #%lld: list the runs of the period with tenken periods",
                         (long long)c->o->run);
        if (rc != TK_OK)
            return rc;
        if (c->run.period.first_day != c->o->period.first_day ||
            c->run.period.last_day != c->o->period.last_day) {
            char rb[32];
            tk_period_format(&c->run.period, rb, sizeof rb);
            tk_error_set(err, TK_EINVAL, "run #%lld analysed %s, not %s", (long long)c->o->run, rb,
                         pb);
            return TK_EINVAL;
        }
    } else {
        rc = tk_anomalies_find_run(c->b.db, &c->o->period, &c->run, err);
        if (rc == TK_ENOTFOUND)
            tk_error_set(err, rc,
                         "period %s has no analysis run: run tenken analyze --tenant %s "
                         "--period %s first",
                         pb, tk_tenant_name(c->b.t), pb);
        if (rc != TK_OK)
            return rc;
    }
    tk_anomalies_query q = TK_ANOMALIES_QUERY_INIT;
    rc = load_items(c->b.db, c->run.id, q, 0, &c->items, &c->nitems, NULL, err);
    if (rc != TK_OK)
        return rc;

    /* The previous period: the analysed one that ends last before this one
     * begins. */
    tk_periods_entry *pv = NULL;
    size_t np = 0;
    rc = tk_periods_list(c->b.db, &pv, &np, err);
    if (rc != TK_OK)
        return rc;
    const tk_periods_entry *best = NULL;
    for (size_t i = 0; i < np; i++)
        if (pv[i].latest_run > 0 && pv[i].period.last_day < c->o->period.first_day &&
            (!best || pv[i].period.last_day > best->period.last_day))
            best = &pv[i];
    if (best) {
        rc = tk_anomalies_run_get(c->b.db, best->latest_run, &c->prev, err);
        if (rc == TK_OK)
            rc = load_items(c->b.db, c->prev.id, q, 0, &c->pitems, &c->npitems, NULL, err);
        c->has_prev = rc == TK_OK;
    }
    tk_periods_free(pv, np);
    if (rc != TK_OK)
        return rc;

    rc = tk_tuning_rules_read(c->b.db, &c->rules, err);
    if (rc != TK_OK)
        return rc;
    rc = run_rules(c, err);
    if (rc != TK_OK)
        return rc;
    /* Every upload, oldest first, keeping those of the period. */
    for (uint64_t off = 0;;) {
        tk_upload_filter f = {NULL, TK_UPLOADS_LIMIT_MAX, off};
        tk_upload_info *u = NULL;
        size_t nu = 0;
        uint64_t total = 0;
        rc = tk_uploads_list(c->b.db, &f, &u, &nu, &total, err);
        if (rc != TK_OK)
            return rc;
        for (size_t i = 0; i < nu; i++) {
            if (!upload_in_period(c, &u[i]))
                continue;
            tk_upload_info *p = realloc(c->uploads, (c->nuploads + 1) * sizeof *p);
            if (!p) {
                free(u);
                return nomem(err);
            }
            c->uploads = p;
            c->uploads[c->nuploads++] = u[i];
        }
        free(u);
        off += nu;
        if (nu == 0 || off >= total)
            break;
    }
    return gather_activity(c, err);
}

static void ctx_dispose(ctx *c)
{
    tk_anomalies_run_dispose(&c->run);
    tk_report_items_free(c->items, c->nitems);
    tk_anomalies_run_dispose(&c->prev);
    tk_report_items_free(c->pitems, c->npitems);
    tk_tuning_rules_dispose(&c->rules);
    tk_rulecat_config_destroy(c->rcfg);
    free(c->uploads);
    tk_store_names_dispose(&c->systems);
    free(c->vol);
    free(c->open);
    tk_completeness_dispose(&c->comp);
}

/* ---- counting helpers ----------------------------------------------------- */

/* 1 when rule id appears in the item's comma-separated rules. */
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

/* Cases of items[0..n) having any of the rules in ids (NULL-terminated),
 * and the ids that occur, "R12・R14" (joined by sep), into which. */
static size_t count_rules(const tk_anomalies_item *items, size_t n, const char *const *ids,
                          const char *sep, char *which, size_t cap)
{
    size_t k = 0;
    which[0] = '\0';
    for (size_t i = 0; i < n; i++)
        for (const char *const *id = ids; *id; id++)
            if (has_rule(&items[i], *id)) {
                k++;
                break;
            }
    for (const char *const *id = ids; *id; id++)
        for (size_t i = 0; i < n; i++)
            if (has_rule(&items[i], *id)) {
                const size_t have = strlen(which);
                snprintf(which + have, cap - have, "%s%s", have ? sep : "", *id);
                break;
            }
    return k;
}

static size_t severity_count(const tk_anomalies_item *v, size_t n, int sev)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const int s = tk_rulecat_severity_parse(v[i].severity, strlen(v[i].severity));
        k += s == sev;
    }
    return k;
}

static size_t leading_count(const tk_anomalies_item *v, size_t n, const char *rule)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += (rule ? strcmp(v[i].rule_id, rule) == 0 : v[i].model != 0) ? 1u : 0u;
    return k;
}

/* Distinct strings among v[0..n) (borrowed; NULLs skipped). */
static size_t distinct(const char **v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i])
            continue;
        size_t j = 0;
        while (j < i && !(v[j] && strcmp(v[j], v[i]) == 0))
            j++;
        k += j == i;
    }
    return k;
}

/* The pseudonym in a case summary is already short ("仮名 874b8cb9"); the
 * evidence holds the whole 64 hex digits: shown as its first 8. */
static void mask_subject(const ctx *c, const char *pseudonym, char *buf, size_t cap)
{
    if (!pseudonym || !pseudonym[0])
        snprintf(buf, cap, "—");
    else
        snprintf(buf, cap, "%s%.8s", W(c, W_PSEUDONYM), pseudonym);
}

static void gaps_str(const ctx *c, char *buf, size_t cap);

/* ---- chapters --------------------------------------------------------------- */

static int cover(ctx *c, tk_error *err)
{
    char pb[96], issued[32], run[160], files[96], sys[1024] = "", miss[160];
    int rc;
    uint64_t rows = 0;
    const size_t nsys = c->systems.n ? c->systems.n : 1;

    period_str(c, &c->o->period, pb, sizeof pb);
    TRY(tk_rbuild_cover(&c->b, pb, c->o->issuer, err));
    tk_rbuild_day(&c->b, tk_jst_day(c->b.issued), issued, sizeof issued);
    char at[32];
    tk_rdoc_fmt_time(c->run.created_at, at, sizeof at);
    snprintf(run, sizeof run, c->b.en ? "#%lld (%s)" : "#%lld（%s）", (long long)c->run.id, at);
    for (size_t i = 0; i < c->nuploads; i++)
        rows += c->uploads[i].rows_accepted;
    char rs[32];
    tk_rdoc_fmt_count(rows, rs, sizeof rs);
    snprintf(files, sizeof files, c->b.en ? "%zu files, %s rows" : "%zu件（%s行）", c->nuploads,
             rs);
    for (size_t s = 1; s < c->systems.n; s++) {
        uint64_t tot = 0;
        for (size_t d = 0; d < c->ndays; d++)
            tot += c->vol[d * nsys + s];
        if (tot == 0 || !c->systems.names[s])
            continue;
        const size_t have = strlen(sys);
        snprintf(sys + have, sizeof sys - have, "%s%s", have ? (c->b.en ? ", " : "、") : "",
                 c->systems.names[s]);
    }
    gaps_str(c, miss, sizeof miss);
    TRY(tk_rbuild_cover_tenant(&c->b, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_PERIOD), pb, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_SYSTEMS), sys[0] ? sys : W(c, W_NONE), err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_FILES), files, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_MISSING), miss, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_ISSUED), issued, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_RUN), run, err));
done:
    return rc;
}

/* The run's options (a JSON object, or NULL) as "seed 20241001, trees
 * 100, ..." into buf: numbers and booleans, in the stored order. */
static void run_options(const char *json, char *buf, size_t cap)
{
    json_t *o = json ? json_loads(json, 0, NULL) : NULL;
    const char *key;
    json_t *v;

    buf[0] = '\0';
    json_object_foreach(o, key, v)
    {
        const size_t have = strlen(buf);
        char val[32];
        if (json_is_integer(v))
            snprintf(val, sizeof val, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
            snprintf(val, sizeof val, "%g", json_real_value(v));
        else if (json_is_boolean(v))
            snprintf(val, sizeof val, "%s", json_is_true(v) ? "true" : "false");
        else
            continue;
        snprintf(buf + have, cap - have, "%s%s %s", have ? ", " : "", key, val);
    }
    json_decref(o);
}

static int chapter1(ctx *c, tk_error *err)
{
    int rc;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-1", W(c, W_CH1), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_CH1_INTRO), err));
    if (c->nuploads == 0) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, W(c, W_NO_FILES), err));
    } else {
        const char *h[] = {W(c, W_FILE), W(c, W_ROWS),     W(c, W_ACCEPTED),
                           "SHA-256",    W(c, W_ENCODING), W(c, W_STATUS)};
        const unsigned f[] = {TK_RDOC_COL_WIDE,   TK_RDOC_COL_NUM,   TK_RDOC_COL_NUM, 0,
                              TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP};
        TRY(tk_rdoc_table(c->b.d, W(c, W_FILES_CAP), 6, h, f, err));
        for (size_t i = 0; i < c->nuploads; i++) {
            const tk_upload_info *u = &c->uploads[i];
            char tot[32], acc[32];
            tk_rdoc_fmt_count(u->rows_total, tot, sizeof tot);
            tk_rdoc_fmt_count(u->rows_accepted, acc, sizeof acc);
            const char *row[] = {u->file_name, tot, acc, u->sha256, u->encoding, u->status};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    char id[32], at[32], ev[32], base[96], opts[256] = "";
    snprintf(id, sizeof id, "#%lld", (long long)c->run.id);
    tk_rdoc_fmt_time(c->run.created_at, at, sizeof at);
    tk_rdoc_fmt_count((uint64_t)(c->run.events > 0 ? c->run.events : 0), ev, sizeof ev);
    period_str(c, &c->run.baseline, base, sizeof base);
    run_options(c->run.options, opts, sizeof opts);
    const char *facts[] = {W(c, W_RUN_ID),      id,
                           W(c, W_RUN_AT),      at,
                           W(c, W_RUN_BY),      c->run.started_by ? c->run.started_by : "-",
                           W(c, W_BASELINE),    base,
                           W(c, W_EVENTS),      ev,
                           W(c, W_RUN_OPTIONS), opts[0] ? opts : "-"};
    TRY(tk_rdoc_facts(c->b.d, facts, 6, err));
done:
    return rc;
}

/* Up to 5 systems with the most events, the rest as "others". */
static size_t top_systems(const ctx *c, size_t *ids, size_t cap)
{
    const size_t nsys = c->systems.n ? c->systems.n : 1;
    size_t k = 0;
    uint64_t *tot = calloc(nsys, sizeof *tot);
    if (!tot)
        return 0;
    for (size_t d = 0; d < c->ndays; d++)
        for (size_t s = 0; s < nsys; s++)
            tot[s] += c->vol[d * nsys + s];
    while (k < cap) {
        size_t best = 0;
        uint64_t bv = 0;
        for (size_t s = 0; s < nsys; s++) {
            int used = 0;
            for (size_t j = 0; j < k; j++)
                used |= ids[j] == s;
            if (!used && tot[s] > bv) {
                bv = tot[s];
                best = s;
            }
        }
        if (bv == 0)
            break;
        ids[k++] = best;
    }
    free(tot);
    return k;
}

static int add_chart(ctx *c, const char *caption, const char *svg, double w_mm, double h_mm,
                     tk_error *err)
{
    return tk_rdoc_chart(c->b.d, caption, caption, svg, w_mm, h_mm, err);
}

static int volume_charts(ctx *c, tk_error *err)
{
    const size_t nsys = c->systems.n ? c->systems.n : 1;
    size_t ids[6];
    const size_t k = top_systems(c, ids, 5);
    const char **cats = calloc(c->ndays + nsys + 1, sizeof *cats);
    char(*dl)[8] = calloc(c->ndays + 1, sizeof *dl);
    double *vals = calloc((c->ndays + nsys + 1) * 6, sizeof *vals);
    tk_svg_series ser[6];
    char *svg = NULL;
    int rc = TK_OK;

    if (!cats || !dl || !vals) {
        rc = nomem(err);
        goto done;
    }
    /* Per system: every system with events, ranked. */
    {
        size_t n = 0;
        size_t all[64];
        const size_t m = top_systems(c, all, 64);
        for (size_t j = 0; j < m; j++) {
            uint64_t tot = 0;
            for (size_t d = 0; d < c->ndays; d++)
                tot += c->vol[d * nsys + all[j]];
            cats[n] =
                all[j] < c->systems.n && c->systems.names[all[j]] ? c->systems.names[all[j]] : "?";
            vals[n++] = (double)tot;
        }
        tk_svg_series s1 = {NULL, vals};
        tk_svg_bars b = TK_SVG_BARS_INIT;
        b.categories = cats;
        b.ncat = n;
        b.series = &s1;
        b.nseries = 1;
        b.horizontal = 1;
        b.unit = W(c, W_EVENTS_UNIT);
        b.lang = c->b.en ? "en" : "ja";
        TRY(tk_svg_bars_draw(&b, &svg, err));
        TRY(add_chart(c, W(c, W_VOL_SYS_CAP), svg, 170, 20 + 6.5 * (double)(n ? n : 3), err));
        free(svg);
        svg = NULL;
    }
    /* Per day, stacked by the top systems and the rest. */
    for (size_t d = 0; d < c->ndays; d++) {
        char iso[16];
        tk_period_format_day(c->o->period.first_day + (int64_t)d, iso, sizeof iso);
        snprintf(dl[d], sizeof dl[d], "%.5s", iso + 5);
        cats[d] = dl[d];
        double rest = 0;
        for (size_t s = 0; s < nsys; s++)
            rest += (double)c->vol[d * nsys + s];
        for (size_t j = 0; j < k; j++) {
            vals[j * c->ndays + d] = (double)c->vol[d * nsys + ids[j]];
            rest -= (double)c->vol[d * nsys + ids[j]];
        }
        vals[k * c->ndays + d] = rest;
    }
    for (size_t j = 0; j < k; j++) {
        ser[j].name =
            ids[j] < c->systems.n && c->systems.names[ids[j]] ? c->systems.names[ids[j]] : "?";
        ser[j].values = vals + j * c->ndays;
    }
    ser[k].name = W(c, W_OTHERS);
    ser[k].values = vals + k * c->ndays;
    tk_svg_bars b = TK_SVG_BARS_INIT;
    b.categories = cats;
    b.ncat = c->ndays;
    b.series = ser;
    b.nseries = k + 1;
    b.stacked = 1;
    b.unit = W(c, W_EVENTS_UNIT);
    b.lang = c->b.en ? "en" : "ja";
    b.height = 320;
    TRY(tk_svg_bars_draw(&b, &svg, err));
    TRY(add_chart(c, W(c, W_VOL_DAY_CAP), svg, 175, 88, err));
done:
    free(svg);
    free(cats);
    free(dl);
    free(vals);
    return rc;
}

static int chapter2(ctx *c, tk_error *err)
{
    int rc;
    char total[32], open[32], pick[32], prev[32];
    size_t nopen = 0, npick = 0, eligible = 0;
    tk_anomalies_item *picked = NULL;

    TRY(tk_report_pick(c->b.db, c->run.id, &c->o->pick, &picked, &npick, &eligible, err));
    for (size_t i = 0; i < c->nitems; i++)
        nopen += c->items[i].status == TK_ANOMALIES_NEW ||
                 c->items[i].status == TK_ANOMALIES_INVESTIGATING;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-2", W(c, W_CH2), err));
    snprintf(total, sizeof total, "%zu", c->nitems);
    snprintf(open, sizeof open, "%zu", nopen);
    snprintf(pick, sizeof pick, "%zu", eligible);
    snprintf(prev, sizeof prev, "%zu", c->npitems);
    const char *facts[] = {W(c, W_CASES),      total, W(c, W_OPEN), open,
                           W(c, W_TO_CONFIRM), pick,  W(c, W_PREV), c->has_prev ? prev : "-"};
    TRY(tk_rdoc_facts(c->b.d, facts, 4, err));
    {
        char lead[1200], ev[32];
        tk_rdoc_fmt_count(c->events, ev, sizeof ev);
        snprintf(lead, sizeof lead, W(c, W_CH2_LEAD), ev, c->nitems,
                 severity_count(c->items, c->nitems, TK_RULECAT_CRITICAL),
                 severity_count(c->items, c->nitems, TK_RULECAT_HIGH),
                 severity_count(c->items, c->nitems, TK_RULECAT_MEDIUM),
                 severity_count(c->items, c->nitems, TK_RULECAT_LOW),
                 leading_count(c->items, c->nitems, NULL), npick);
        if (c->has_prev) {
            char pb[96];
            const size_t have = strlen(lead);
            period_str(c, &c->prev.period, pb, sizeof pb);
            snprintf(lead + have, sizeof lead - have, c->b.en ? " " : "");
            snprintf(lead + strlen(lead), sizeof lead - strlen(lead), W(c, W_CH2_PREV), pb,
                     c->npitems);
        }
        TRY(tk_rdoc_para(c->b.d, lead, err));
    }
    {
        const char *h[] = {W(c, W_SEVERITY), W(c, W_THIS), W(c, W_PREV), W(c, W_DIFF)};
        const unsigned f[] = {TK_RDOC_COL_SEVERITY, TK_RDOC_COL_NUM, TK_RDOC_COL_NUM,
                              TK_RDOC_COL_NUM};
        TRY(tk_rdoc_table(c->b.d, W(c, W_BY_SEV_CAP), 4, h, f, err));
        for (int s = TK_RULECAT_CRITICAL; s >= 0; s--) {
            const size_t a = s ? severity_count(c->items, c->nitems, s)
                               : leading_count(c->items, c->nitems, NULL);
            const size_t b = s ? severity_count(c->pitems, c->npitems, s)
                               : leading_count(c->pitems, c->npitems, NULL);
            char x[24], y[24], z[24];
            snprintf(x, sizeof x, "%zu", a);
            snprintf(y, sizeof y, c->has_prev ? "%zu" : "-", b);
            if (c->has_prev)
                snprintf(z, sizeof z, "%+lld", (long long)a - (long long)b);
            else
                snprintf(z, sizeof z, "-");
            const char *name =
                s ? (c->b.en ? tk_rulecat_severity_name(s) : tk_rulecat_severity_ja(s))
                  : W(c, W_MODEL);
            const char *row[] = {name, x, y, z};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    {
        const char *h[] = {W(c, W_ITEM), W(c, W_THIS), W(c, W_PREV)};
        const unsigned f[] = {TK_RDOC_COL_WIDE, TK_RDOC_COL_NUM, TK_RDOC_COL_NUM};
        TRY(tk_rdoc_table(c->b.d, W(c, W_BY_ITEM_CAP), 3, h, f, err));
        for (size_t i = 0; i <= tk_rulecat_count(); i++) {
            const tk_rulecat_rule *r = i < tk_rulecat_count() ? tk_rulecat_rule_at(i) : NULL;
            const size_t a = leading_count(c->items, c->nitems, r ? r->id : NULL);
            const size_t b = leading_count(c->pitems, c->npitems, r ? r->id : NULL);
            if (a == 0 && b == 0)
                continue;
            char name[160], x[24], y[24];
            if (r)
                snprintf(name, sizeof name, "%s %s", r->id, c->b.en ? r->name_en : r->name_ja);
            else
                snprintf(name, sizeof name, "%s", W(c, W_MODEL));
            snprintf(x, sizeof x, "%zu", a);
            snprintf(y, sizeof y, c->has_prev ? "%zu" : "-", b);
            const char *row[] = {name, x, y};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    if (!c->has_prev)
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_INFO, W(c, W_NO_PREV), err));
    TRY(volume_charts(c, err));
done:
    tk_report_items_free(picked, npick);
    return rc;
}

/* "min_residents 200人, percentile 99%" of rule i in the configuration. */
static void thresholds(const ctx *c, size_t i, char *buf, size_t cap)
{
    const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
    buf[0] = '\0';
    for (size_t p = 0; p < r->nparams; p++) {
        const double v = tk_rulecat_config_param(c->rcfg, i, p);
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

typedef struct mv_acc {
    ctx *c;
    int rc;
    tk_error *err;
    size_t n;
    int changes_only; /* only versions effective inside the period */
} mv_acc;

static int master_row(void *vctx, const tk_master_version *v)
{
    mv_acc *a = vctx;
    char rows[32];
    if (a->changes_only) {
        char f[16], l[16];
        tk_period_format_day(a->c->o->period.first_day, f, sizeof f);
        tk_period_format_day(a->c->o->period.last_day, l, sizeof l);
        if (strcmp(v->effective_from, f) <= 0 || strcmp(v->effective_from, l) > 0)
            return 0;
    }
    tk_rdoc_fmt_count((uint64_t)(v->rows > 0 ? v->rows : 0), rows, sizeof rows);
    const char *row[] = {v->kind, v->effective_from, v->file_name, rows, v->imported_at};
    a->rc = tk_rdoc_table_row(a->c->b.d, row, a->err);
    a->n++;
    return a->rc != TK_OK;
}

static int chapter3(ctx *c, tk_error *err)
{
    int rc;
    tk_bsettings_version bs = {0};
    tk_suppression *sp = NULL;
    size_t nsp = 0;

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-3", W(c, W_CH3), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_CH3_INTRO), err));
    {
        char ver[160], bsv[400], models[200], at[32];
        if (c->rver == 0) {
            snprintf(ver, sizeof ver, "%s", W(c, W_DEFAULTS));
        } else {
            tk_rdoc_fmt_time(c->rat, at, sizeof at);
            snprintf(ver, sizeof ver, c->b.en ? "#%lld (%s%s%s)" : "#%lld（%s%s%s）",
                     (long long)c->rver, at, c->rby[0] ? " " : "", c->rby);
        }
        TRY(tk_bsettings_read(c->b.db, &bs, err));
        char desc[300];
        tk_bsettings_describe(&bs.s, desc, sizeof desc);
        snprintf(bsv, sizeof bsv, "#%lld: %s", (long long)bs.id, desc);
        snprintf(models, sizeof models, "Isolation Forest, Mahalanobis; %s",
                 c->b.en ? "scores 0-100" : "得点 0〜100");
        const char *facts[] = {W(c, W_RULES_VERSION), ver,   W(c, W_BSETTINGS), bsv,
                               W(c, W_MODELS),        models};
        TRY(tk_rdoc_facts(c->b.d, facts, 3, err));
        if (c->rules.head.version != c->rver)
            TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, W(c, W_RULES_LATER), err));
    }
    {
        const char *h[] = {"ID", W(c, W_ITEM), W(c, W_STATUS), W(c, W_SEVERITY), W(c, W_THRESH)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, 0, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_SEVERITY,
                              TK_RDOC_COL_WIDE};
        TRY(tk_rdoc_table(c->b.d, W(c, W_RULES_CAP), 5, h, f, err));
        for (size_t i = 0; i < tk_rulecat_count(); i++) {
            const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
            const int on = tk_rulecat_config_enabled(c->rcfg, i);
            const int sev = tk_rulecat_config_severity(c->rcfg, i);
            char th[512];
            thresholds(c, i, th, sizeof th);
            const char *row[] = {
                r->id, c->b.en ? r->name_en : r->name_ja, on ? W(c, W_ENABLED) : W(c, W_DISABLED),
                c->b.en ? tk_rulecat_severity_name(sev) : tk_rulecat_severity_ja(sev), th};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    {
        const char *h[] = {W(c, W_KIND), W(c, W_EFFECTIVE), W(c, W_FILE), W(c, W_ROWS),
                           W(c, W_IMPORTED)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE,
                              TK_RDOC_COL_NUM, TK_RDOC_COL_NOWRAP};
        TRY(tk_rdoc_table(c->b.d, W(c, W_MASTER_CAP), 5, h, f, err));
        mv_acc a = {c, TK_OK, err, 0, 0};
        rc = tk_master_list_versions(c->b.t, NULL, master_row, &a, err);
        if (a.rc != TK_OK)
            rc = a.rc;
        if (rc != TK_OK)
            goto done;
        if (a.n == 0)
            TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, W(c, W_NO_MASTER), err));
    }
    TRY(tk_suppress_list(c->b.db, &sp, &nsp, err));
    if (nsp == 0) {
        TRY(tk_rdoc_para(c->b.d, W(c, W_NO_SUPPR), err));
    } else {
        const char *h[] = {"ID", W(c, W_TARGET), W(c, W_REASON), W(c, W_UNTIL), W(c, W_BY)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE,
                              TK_RDOC_COL_NOWRAP, 0};
        TRY(tk_rdoc_table(c->b.d, W(c, W_SUPPR_CAP), 5, h, f, err));
        for (size_t i = 0; i < nsp; i++) {
            char until[16], target[200];
            tk_period_format_day(sp[i].expires_day, until, sizeof until);
            snprintf(target, sizeof target, "%s %s", sp[i].entity_type, sp[i].entity);
            const char *row[] = {sp[i].rule_id, target, sp[i].reason, until,
                                 sp[i].created_by ? sp[i].created_by : "-"};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    /* The run's notes: a JSON array of strings. */
    if (c->run.notes) {
        json_error_t je;
        json_t *a = json_loads(c->run.notes, 0, &je);
        if (json_is_array(a) && json_array_size(a) > 0) {
            const size_t n = json_array_size(a);
            const char **v = calloc(n, sizeof *v);
            if (!v) {
                json_decref(a);
                rc = nomem(err);
                goto done;
            }
            for (size_t i = 0; i < n; i++) {
                const char *s = json_string_value(json_array_get(a, i));
                v[i] = s ? s : "";
            }
            rc = tk_rdoc_heading(c->b.d, 3, NULL, W(c, W_NOTES), err);
            if (rc == TK_OK)
                rc = tk_rdoc_list(c->b.d, v, n, err);
            free(v);
        }
        json_decref(a);
        if (rc != TK_OK)
            goto done;
    }
done:
    tk_bsettings_version_dispose(&bs);
    for (size_t i = 0; i < nsp; i++) {
        free(sp[i].entity);
        free(sp[i].reason);
        free(sp[i].created_by);
    }
    free(sp);
    return rc;
}

static void range_str(const ctx *c, const tk_anomalies_item *it, char *buf, size_t cap)
{
    char a[16], b[16];
    (void)c;
    tk_period_format_day(it->first_day, a, sizeof a);
    tk_period_format_day(it->last_day, b, sizeof b);
    if (it->first_day == it->last_day)
        snprintf(buf, cap, "%s", a);
    else
        snprintf(buf, cap, "%s〜%s", a, b + 5);
}

/* Cases of rule id (NULL: models-only cases), and their distinct staff
 * and 所属. */
static int rule_counts(const ctx *c, const char *id, size_t *n, size_t *staff, size_t *depts,
                       tk_error *err)
{
    const char **ents = calloc(c->nitems + 1, sizeof *ents);
    const char **ds = calloc(c->nitems + 1, sizeof *ds);
    size_t k = 0;

    if (!ents || !ds) {
        free(ents);
        free(ds);
        return nomem(err);
    }
    for (size_t i = 0; i < c->nitems; i++) {
        const tk_anomalies_item *it = &c->items[i];
        if (id ? !has_rule(it, id) : !it->model)
            continue;
        ents[k] = strcmp(it->entity_type, "user") == 0 ? it->entity : NULL;
        ds[k] = it->dept;
        k++;
    }
    *n = k;
    *staff = distinct(ents, k);
    *depts = distinct(ds, k);
    free(ents);
    free(ds);
    return TK_OK;
}

/* The representative cases (the best ranked, at most 3) of rule id (NULL:
 * models-only cases), and the counts of staff, terminals and 所属. */
static int rule_results(ctx *c, const char *id, tk_error *err)
{
    const char **ents = calloc(c->nitems + 1, sizeof *ents);
    const char **terms = calloc(c->nitems + 1, sizeof *terms);
    const char **depts = calloc(c->nitems + 1, sizeof *depts);
    size_t n = 0;
    int rc = TK_OK;

    if (!ents || !terms || !depts) {
        rc = nomem(err);
        goto done;
    }
    for (size_t i = 0; i < c->nitems; i++) {
        const tk_anomalies_item *it = &c->items[i];
        if (id ? !has_rule(it, id) : !it->model)
            continue;
        const int user = strcmp(it->entity_type, "user") == 0;
        ents[n] = user ? it->entity : NULL;
        terms[n] = user ? NULL : it->entity;
        depts[n] = it->dept;
        n++;
    }
    if (n == 0) {
        rc = tk_rdoc_note(c->b.d, TK_RDOC_GOOD, W(c, W_NOT_FOUND), err);
        goto done;
    }
    char found[96], line[300];
    snprintf(found, sizeof found, W(c, W_FOUND_FMT), n);
    snprintf(line, sizeof line, W(c, W_FOUND_WHO), found, distinct(ents, n), distinct(terms, n),
             distinct(depts, n));
    TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, line, err));
    const char *h[] = {W(c, W_RANK), W(c, W_DAYS), W(c, W_DEPT), W(c, W_SEVERITY), W(c, W_SUMMARY)};
    const unsigned f[] = {TK_RDOC_COL_NUM, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP,
                          TK_RDOC_COL_SEVERITY, TK_RDOC_COL_WIDE};
    TRY(tk_rdoc_table(c->b.d, W(c, W_REP_CAP), 5, h, f, err));
    size_t shown = 0;
    for (size_t i = 0; i < c->nitems && shown < 3; i++) {
        const tk_anomalies_item *it = &c->items[i];
        if (id ? !has_rule(it, id) : !it->model)
            continue;
        char rank[24], days[40];
        snprintf(rank, sizeof rank, "%lld", (long long)it->rank);
        range_str(c, it, days, sizeof days);
        const char *row[] = {rank, days, it->dept ? it->dept : "-", sev_word(c, it->severity),
                             it->summary ? it->summary : ""};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
        shown++;
    }
done:
    free(ents);
    free(terms);
    free(depts);
    return rc;
}

/* Chapter 4: one line per enabled rule (checked; found N or 該当なし),
 * then a section per rule that found something. */
static int chapter4(ctx *c, tk_error *err)
{
    int rc;
    const char **off = calloc(tk_rulecat_count() + 1, sizeof *off);
    char(*offtext)[160] = calloc(tk_rulecat_count() + 1, sizeof *offtext);
    size_t noff = 0;

    if (!off || !offtext) {
        rc = nomem(err);
        goto done;
    }
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-4", W(c, W_CH4), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_CH4_INTRO), err));
    {
        const char *h[] = {"ID", W(c, W_ITEM), W(c, W_RESULT), W(c, W_STAFF), W(c, W_DEPTS)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE, 0, TK_RDOC_COL_NUM,
                              TK_RDOC_COL_NUM};
        TRY(tk_rdoc_table(c->b.d, W(c, W_CHECKED_CAP), 5, h, f, err));
        for (size_t i = 0; i <= tk_rulecat_count(); i++) {
            const tk_rulecat_rule *r = i < tk_rulecat_count() ? tk_rulecat_rule_at(i) : NULL;
            if (r && !tk_rulecat_config_enabled(c->rcfg, i)) {
                snprintf(offtext[noff], sizeof offtext[noff], "%s %s", r->id,
                         c->b.en ? r->name_en : r->name_ja);
                off[noff] = offtext[noff];
                noff++;
                continue;
            }
            size_t n = 0, staff = 0, depts = 0;
            TRY(rule_counts(c, r ? r->id : NULL, &n, &staff, &depts, err));
            char res[64], st[24], de[24];
            if (n == 0)
                snprintf(res, sizeof res, "%s", W(c, W_NOT_FOUND));
            else
                snprintf(res, sizeof res, W(c, W_FOUND_FMT), n);
            snprintf(st, sizeof st, "%zu", staff);
            snprintf(de, sizeof de, "%zu", depts);
            const char *row[] = {r ? r->id : "-",
                                 r ? (c->b.en ? r->name_en : r->name_ja) : W(c, W_MODEL), res,
                                 n ? st : "-", n ? de : "-"};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    if (noff > 0) {
        TRY(tk_rdoc_heading(c->b.d, 3, NULL, W(c, W_DISABLED_LIST), err));
        TRY(tk_rdoc_list(c->b.d, off, noff, err));
    }
    for (size_t i = 0; i <= tk_rulecat_count(); i++) {
        const tk_rulecat_rule *r = i < tk_rulecat_count() ? tk_rulecat_rule_at(i) : NULL;
        if (r && !tk_rulecat_config_enabled(c->rcfg, i))
            continue;
        size_t n = 0, staff = 0, depts = 0;
        TRY(rule_counts(c, r ? r->id : NULL, &n, &staff, &depts, err));
        if (n == 0)
            continue;
        char title[200], anchor[24];
        if (r) {
            snprintf(title, sizeof title, "%s %s", r->id, c->b.en ? r->name_en : r->name_ja);
            snprintf(anchor, sizeof anchor, "rule-%s", r->id);
        } else {
            snprintf(title, sizeof title, "%s", W(c, W_MODEL));
            snprintf(anchor, sizeof anchor, "rule-model");
        }
        TRY(tk_rdoc_heading(c->b.d, 2, anchor, title, err));
        if (!c->b.en || !r)
            TRY(tk_rdoc_para(c->b.d, r ? r->desc_ja : W(c, W_MODEL_DESC), err));
        TRY(rule_results(c, r ? r->id : NULL, err));
    }
done:
    free(off);
    free(offtext);
    return rc;
}

/* The first event behind an item (time, user, system, function and
 * operation, resident), or zeros when its evidence cannot be read. */
typedef struct first_event {
    int64_t t;
    char user[64], sysop[256], subject[64];
} first_event;

static int item_first_event(ctx *c, const tk_anomalies_item *it, first_event *fe, tk_error *err)
{
    tk_evidence *ev = NULL;
    memset(fe, 0, sizeof *fe);
    const int rc = tk_anomalies_evidence(c->b.db, it->run_id, it->rank, &ev, err);
    if (rc != TK_OK)
        return rc;
    if (tk_evidence_count(ev) > 0) {
        const tk_evidence_row *r = tk_evidence_row_at(ev, 0);
        fe->t = r->t;
        snprintf(fe->user, sizeof fe->user, "%s", r->user ? r->user : "");
        const char *op = r->operation && r->operation[0] ? r->operation : "-";
        if (!c->b.en && r->operation != NULL) {
            const char *ja = tk_op_label_ja(tk_op_parse(r->operation, strlen(r->operation)));
            if (ja != NULL)
                op = ja;
        }
        snprintf(fe->sysop, sizeof fe->sysop, "%s / %s / %s",
                 r->system && r->system[0] ? r->system : "-",
                 r->function && r->function[0] ? r->function : "-", op);
        /* The first resident among the rows, if any. */
        for (size_t i = 0; i < tk_evidence_count(ev) && !fe->subject[0]; i++)
            if (tk_evidence_row_at(ev, i)->resident[0])
                mask_subject(c, tk_evidence_row_at(ev, i)->resident, fe->subject,
                             sizeof fe->subject);
    }
    tk_evidence_destroy(ev);
    return TK_OK;
}

static int chapter5(ctx *c, tk_error *err)
{
    int rc;
    tk_anomalies_item *v = NULL;
    size_t n = 0, total = 0;

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-5", W(c, W_CH5), err));
    TRY(tk_report_pick(c->b.db, c->run.id, &c->o->pick, &v, &n, &total, err));
    {
        char rule[600];
        const int ms = c->o->pick.min_severity;
        snprintf(rule, sizeof rule, W(c, W_CH5_RULE),
                 c->b.en ? tk_rulecat_severity_name(ms) : tk_rulecat_severity_ja(ms),
                 c->o->pick.min_score, c->o->pick.max);
        TRY(tk_rdoc_para(c->b.d, rule, err));
    }
    if (n == 0) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_GOOD, W(c, W_CH5_NONE), err));
        goto done;
    }
    if (total > n) {
        char cut[300];
        snprintf(cut, sizeof cut, W(c, W_CH5_CUT), total, n);
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, cut, err));
    }
    const char *h[] = {W(c, W_NO),     W(c, W_WHEN),      W(c, W_STAFF_ID),    W(c, W_DEPT),
                       W(c, W_SYS_OP), W(c, W_SUBJECT),   W(c, W_WHY),         W(c, W_SEVERITY),
                       W(c, W_ANSWER), W(c, W_CONFIRMER), W(c, W_CONFIRM_DATE)};
    /* Time and subject may wrap: the free-text reason and the answer
     * columns need the width. */
    const unsigned f[] = {TK_RDOC_COL_NOWRAP,
                          0,
                          TK_RDOC_COL_NOWRAP,
                          0,
                          0,
                          0,
                          TK_RDOC_COL_WIDE,
                          TK_RDOC_COL_SEVERITY,
                          TK_RDOC_COL_BLANK,
                          TK_RDOC_COL_BLANK,
                          TK_RDOC_COL_BLANK};
    TRY(tk_rdoc_table(c->b.d, NULL, 11, h, f, err));
    for (size_t i = 0; i < n; i++) {
        first_event fe;
        TRY(item_first_event(c, &v[i], &fe, err));
        char no[TK_ANSWERS_CASE_ID_SIZE], when[32];
        /* The case id: what the city's answer (the workbook, the service)
         * names the case by. */
        TRY(tk_answers_case_id(&c->run.period, &v[i], no, sizeof no, err));
        if (fe.t)
            tk_rdoc_fmt_time(fe.t, when, sizeof when);
        else
            tk_period_format_day(v[i].first_day, when, sizeof when);
        const int user = strcmp(v[i].entity_type, "user") == 0;
        const char *staff = user ? v[i].entity : (fe.user[0] ? fe.user : "-");
        const char *row[] = {no,
                             when,
                             staff,
                             v[i].dept ? v[i].dept : "-",
                             fe.sysop[0] ? fe.sysop : "-",
                             fe.subject[0] ? fe.subject : "—",
                             v[i].summary ? v[i].summary : "",
                             sev_word(c, v[i].severity),
                             "",
                             "",
                             ""};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
done:
    tk_report_items_free(v, n);
    return rc;
}

/* Draws the groups of one trends key over range as horizontal bars. */
static int trends_bars(ctx *c, const tk_period *range, tk_trends_key key, const char *caption,
                       tk_error *err)
{
    tk_trends tr = {0};
    const char **cats = NULL;
    double *vals = NULL;
    char *svg = NULL;
    int rc;

    TRY(tk_trends_compute(c->b.db, range, &key, 1, &tr, err));
    cats = calloc(tr.ngroups + 1, sizeof *cats);
    vals = calloc(tr.ngroups + 1, sizeof *vals);
    if (!cats || !vals) {
        rc = nomem(err);
        goto done;
    }
    /* Largest first. */
    for (size_t k = 0; k < tr.ngroups; k++) {
        size_t best = SIZE_MAX;
        for (size_t g = 0; g < tr.ngroups; g++) {
            int used = 0;
            for (size_t j = 0; j < k; j++)
                used |= cats[j] == tr.groups[g].value[0];
            if (!used && (best == SIZE_MAX || tr.groups[g].cases > tr.groups[best].cases))
                best = g;
        }
        cats[k] = tr.groups[best].value[0];
        vals[k] = (double)tr.groups[best].cases;
    }
    /* The trends' placeholders in the report's language. */
    for (size_t k = 0; k < tr.ngroups; k++) {
        if (strcmp(cats[k], "(unknown)") == 0 || strcmp(cats[k], "(none)") == 0)
            cats[k] = W(c, W_UNKNOWN);
    }
    const size_t n = tr.ngroups > 20 ? 20 : tr.ngroups;
    tk_svg_series s = {NULL, vals};
    tk_svg_bars b = TK_SVG_BARS_INIT;
    b.categories = cats;
    b.ncat = n;
    b.series = &s;
    b.nseries = 1;
    b.horizontal = 1;
    b.unit = W(c, W_CASES_UNIT);
    b.lang = c->b.en ? "en" : "ja";
    TRY(tk_svg_bars_draw(&b, &svg, err));
    TRY(add_chart(c, caption, svg, 170, 20 + 6.5 * (double)(n ? n : 3), err));
done:
    free(svg);
    free(cats);
    free(vals);
    tk_trends_dispose(&tr);
    return rc;
}

/* Each day's events against the usual range of its kind of day. */
static int daily_line(ctx *c, tk_error *err)
{
    const size_t nsys = c->systems.n ? c->systems.n : 1;
    const char **days = calloc(c->ndays + 1, sizeof *days);
    char(*dl)[8] = calloc(c->ndays + 1, sizeof *dl);
    double *v = calloc(3 * (c->ndays + 1), sizeof *v);
    char *svg = NULL;
    int rc = TK_OK;

    if (!days || !dl || !v) {
        rc = nomem(err);
        goto done;
    }
    double *lo = v + c->ndays + 1, *hi = lo + c->ndays + 1;
    for (size_t d = 0; d < c->ndays; d++) {
        char iso[16];
        tk_period_format_day(c->o->period.first_day + (int64_t)d, iso, sizeof iso);
        snprintf(dl[d], sizeof dl[d], "%.5s", iso + 5);
        days[d] = dl[d];
        for (size_t s = 0; s < nsys; s++)
            v[d] += (double)c->vol[d * nsys + s];
        lo[d] = c->band_lo[!c->open[d]];
        hi[d] = c->band_hi[!c->open[d]];
    }
    tk_svg_line l = TK_SVG_LINE_INIT;
    l.days = days;
    l.n = c->ndays;
    l.value = v;
    l.low = lo;
    l.high = hi;
    l.value_name = W(c, W_DAILY_VALUE);
    l.band_name = W(c, W_DAILY_BAND);
    l.unit = W(c, W_EVENTS_UNIT);
    l.lang = c->b.en ? "en" : "ja";
    TRY(tk_svg_line_draw(&l, &svg, err));
    TRY(add_chart(c, W(c, W_DAILY_CAP), svg, 170, 80, err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_DAILY_NOTE), err));
done:
    free(svg);
    free(days);
    free(dl);
    free(v);
    return rc;
}

static int chapter6(ctx *c, tk_error *err)
{
    int rc;
    tk_trends tr = {0};
    char *svg = NULL;
    const char *months[12];
    char mlab[12][16];
    double sev[5][12] = {{0}};

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-6", W(c, W_CH6), err));
    /* Twelve months up to the period's last month, by severity. */
    {
        char iso[16];
        tk_period_format_day(c->o->period.last_day, iso, sizeof iso);
        int y = atoi(iso), m = atoi(iso + 5);
        for (int k = 11; k >= 0; k--) {
            snprintf(mlab[k], sizeof mlab[k], "%04d-%02d", y, m);
            months[k] = mlab[k];
            if (--m == 0) {
                m = 12;
                y--;
            }
        }
        tk_period range;
        char from[16];
        snprintf(from, sizeof from, "%s-01", mlab[0]);
        char rs[40];
        snprintf(rs, sizeof rs, "%s..%s", from, iso);
        TRY(tk_period_parse(rs, strlen(rs), &range, err));
        const tk_trends_key keys[2] = {TK_TRENDS_MONTH, TK_TRENDS_SEVERITY};
        TRY(tk_trends_compute(c->b.db, &range, keys, 2, &tr, err));
        static const char *const sevs[5] = {"critical", "high", "medium", "low", "none"};
        for (size_t g = 0; g < tr.ngroups; g++)
            for (size_t k = 0; k < 12; k++)
                if (strcmp(tr.groups[g].value[0], mlab[k]) == 0)
                    for (size_t s = 0; s < 5; s++)
                        if (strcmp(tr.groups[g].value[1], sevs[s]) == 0)
                            sev[s][k] += (double)tr.groups[g].cases;
        tk_svg_series ser[5];
        for (size_t s = 0; s < 5; s++) {
            const int sv = 4 - (int)s;
            ser[s].name =
                s < 4 ? (c->b.en ? tk_rulecat_severity_name(sv) : tk_rulecat_severity_ja(sv))
                      : W(c, W_MODEL);
            ser[s].values = sev[s];
        }
        tk_svg_bars b = TK_SVG_BARS_INIT;
        b.categories = months;
        b.ncat = 12;
        b.series = ser;
        b.nseries = 5;
        b.stacked = 1;
        b.unit = W(c, W_CASES_UNIT);
        b.lang = c->b.en ? "en" : "ja";
        TRY(tk_svg_bars_draw(&b, &svg, err));
        TRY(add_chart(c, W(c, W_MONTHLY_CAP), svg, 170, 80, err));
        free(svg);
        svg = NULL;
    }
    {
        tk_svg_heat h = TK_SVG_HEAT_INIT;
        h.cells = c->heat;
        h.unit = W(c, W_EVENTS_UNIT);
        h.lang = c->b.en ? "en" : "ja";
        TRY(tk_svg_heat_draw(&h, &svg, err));
        TRY(add_chart(c, W(c, W_HEAT_CAP), svg, 170, 66, err));
    }
    TRY(daily_line(c, err));
    TRY(trends_bars(c, &c->o->period, TK_TRENDS_DEPT, W(c, W_DEPT_CAP), err));
    TRY(trends_bars(c, &c->o->period, TK_TRENDS_SYSTEM, W(c, W_SYS_CAP), err));
done:
    free(svg);
    tk_trends_dispose(&tr);
    return rc;
}

/* The city's answers to the previous period's 要確認事項
 * (models/answers): counts per verdict, then each answer. */
static int chapter7_answers(ctx *c, tk_error *err)
{
    tk_answers_answer *a = NULL;
    size_t n = 0, by[TK_ANSWERS_NVERDICTS] = {0};
    int rc;

    TRY(tk_answers_list(c->b.db, &c->prev.period, &a, &n, err));
    if (n == 0) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_INFO, W(c, W_ANS_NONE), err));
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if ((int)a[i].verdict >= 0 && (int)a[i].verdict < TK_ANSWERS_NVERDICTS)
            by[a[i].verdict]++;
    {
        char intro[400];
        snprintf(intro, sizeof intro, W(c, W_ANS_INTRO), n, by[TK_ANSWERS_JUSTIFIED],
                 by[TK_ANSWERS_INAPPROPRIATE], by[TK_ANSWERS_INVESTIGATING]);
        TRY(tk_rdoc_para(c->b.d, intro, err));
    }
    const char *h[] = {W(c, W_CASE_ID), W(c, W_ENTITY),    W(c, W_DEPT),        W(c, W_VERDICT),
                       W(c, W_REASON),  W(c, W_CONFIRMER), W(c, W_CONFIRM_DATE)};
    const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP, 0,
                          TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE,   0,
                          TK_RDOC_COL_NOWRAP};
    TRY(tk_rdoc_table(c->b.d, W(c, W_ANS_CAP), 7, h, f, err));
    for (size_t i = 0; i < n; i++) {
        char day[16];
        tk_period_format_day(a[i].confirmed_on, day, sizeof day);
        const char *verdict = c->b.en ? tk_answers_verdict_name(a[i].verdict)
                                      : tk_answers_verdict_label(a[i].verdict);
        const char *row[] = {a[i].case_id,
                             a[i].entity ? a[i].entity : "-",
                             a[i].dept ? a[i].dept : "-",
                             verdict,
                             a[i].reason ? a[i].reason : "",
                             a[i].confirmed_by ? a[i].confirmed_by : "",
                             day};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
done:
    tk_answers_free(a, n);
    return rc;
}

/* Chapter 7: the previous period's cases as the inspectors judged them
 * (triage, which the city's answers set too), then the answers themselves. */
static int chapter7(ctx *c, tk_error *err)
{
    int rc;
    static const int st_words[4] = {W_ST_NEW, W_ST_INV, W_ST_CONF, W_ST_FP};

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-7", W(c, W_CH7), err));
    if (!c->has_prev) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_INFO, W(c, W_NO_PREV), err));
        goto done;
    }
    char pb[96], intro[300];
    period_str(c, &c->prev.period, pb, sizeof pb);
    snprintf(intro, sizeof intro, W(c, W_CH7_INTRO), pb);
    TRY(tk_rdoc_para(c->b.d, intro, err));
    {
        const char *h[] = {W(c, W_STATUS), W(c, W_NCASES)};
        const unsigned f[] = {0, TK_RDOC_COL_NUM};
        TRY(tk_rdoc_table(c->b.d, W(c, W_ST_CAP), 2, h, f, err));
        for (int s = 0; s < 4; s++) {
            size_t k = 0;
            for (size_t i = 0; i < c->npitems; i++)
                k += (int)c->pitems[i].status == s;
            char x[24];
            snprintf(x, sizeof x, "%zu", k);
            const char *row[] = {W(c, st_words[s]), x};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    size_t shown = 0;
    for (size_t i = 0; i < c->npitems && shown < 40; i++) {
        const tk_anomalies_item *it = &c->pitems[i];
        if (it->status != TK_ANOMALIES_CONFIRMED && it->status != TK_ANOMALIES_INVESTIGATING)
            continue;
        if (shown == 0) {
            const char *h[] = {W(c, W_RANK),   W(c, W_DAYS),    W(c, W_SUMMARY),
                               W(c, W_STATUS), W(c, W_DECIDED), W(c, W_COMMENT)};
            const unsigned f[] = {
                TK_RDOC_COL_NUM, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE, TK_RDOC_COL_NOWRAP, 0, 0};
            TRY(tk_rdoc_table(c->b.d, W(c, W_OPEN_CAP), 6, h, f, err));
        }
        char rank[24], days[40], at[32], by[160];
        snprintf(rank, sizeof rank, "%lld", (long long)it->rank);
        range_str(c, it, days, sizeof days);
        tk_rdoc_fmt_time(it->decided_at, at, sizeof at);
        snprintf(by, sizeof by, "%s %.10s", it->decided_by ? it->decided_by : "-", at);
        const char *row[] = {rank,
                             days,
                             it->summary ? it->summary : "",
                             W(c, st_words[it->status]),
                             by,
                             it->comment ? it->comment : ""};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
        shown++;
    }
    TRY(chapter7_answers(c, err));
done:
    return rc;
}

/* The period's gaps as the completeness grid counts them ("欠落3件、少量1件、
 * 未着1システム", or "なし") into buf. */
static void gaps_str(const ctx *c, char *buf, size_t cap)
{
    const tk_completeness *g = &c->comp;
    size_t have = 0;
    buf[0] = '\0';
    if (g->missing)
        have += (size_t)snprintf(buf + have, cap - have, W(c, W_GAP_MISSING_N), g->missing);
    if (g->low && have < cap)
        have += (size_t)snprintf(buf + have, cap - have, "%s", have ? W(c, W_SEP) : "");
    if (g->low && have < cap)
        have += (size_t)snprintf(buf + have, cap - have, W(c, W_GAP_LOW_N), g->low);
    if (g->absent && have < cap)
        have += (size_t)snprintf(buf + have, cap - have, "%s", have ? W(c, W_SEP) : "");
    if (g->absent && have < cap)
        snprintf(buf + have, cap - have, W(c, W_GAP_ABSENT_N), g->absent);
    if (!buf[0])
        snprintf(buf, cap, "%s", W(c, W_NONE));
}

/* Chapter 8: each recommendation only when findings of its rules exist. */
static int chapter8(ctx *c, tk_error *err)
{
    static const char *const perm[] = {"R12", "R13", "R15", "R20", "R26", NULL};
    static const char *const acct[] = {"R14", "R16", "R31", NULL};
    static const char *const usb[] = {"R22", "R23", "R30", NULL};
    static const char *const bulk[] = {"R03", "R04", "R24", "R25", "R32", NULL};
    static const char *const hours[] = {"R01", "R02", "R19", NULL};
    static const char *const logs[] = {"R28", "R29", NULL};
    const struct {
        const char *const *ids;
        int word;
    } recs[] = {{perm, W_REC_PERM}, {acct, W_REC_ACCT},   {usb, W_REC_USB},
                {bulk, W_REC_BULK}, {hours, W_REC_HOURS}, {logs, W_REC_LOGS}};
    char text[8][600];
    const char *items[8];
    size_t n = 0;
    int rc;

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-8", W(c, W_CH8), err));
    for (size_t r = 0; r < sizeof recs / sizeof recs[0]; r++) {
        char which[128];
        const size_t k = count_rules(c->items, c->nitems, recs[r].ids, c->b.en ? ", " : "・", which,
                                     sizeof which);
        if (k == 0)
            continue;
        snprintf(text[n], sizeof text[n], W(c, recs[r].word), k, which);
        items[n] = text[n];
        n++;
    }
    unsigned long long rejected = 0;
    for (size_t i = 0; i < c->nuploads; i++)
        rejected += c->uploads[i].rows_rejected;
    if (rejected > 0) {
        snprintf(text[n], sizeof text[n], W(c, W_REC_REJECT), rejected);
        items[n] = text[n];
        n++;
    }
    if (c->comp.missing + c->comp.low + c->comp.absent > 0) {
        char g[160];
        gaps_str(c, g, sizeof g);
        snprintf(text[n], sizeof text[n], W(c, W_REC_GAP), g);
        items[n] = text[n];
        n++;
    }
    if (n == 0) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_GOOD, W(c, W_CH8_NONE), err));
    } else {
        TRY(tk_rdoc_para(c->b.d, W(c, W_CH8_INTRO), err));
        TRY(tk_rdoc_list(c->b.d, items, n, err));
    }
done:
    return rc;
}

/* The appendix's completeness: the grid's summary, then one row per system
 * with a gap -- its normal day, and its missing and low days (low ones
 * marked), or "no logs in the period" for an absent one. */
static int completeness_table(ctx *c, tk_error *err)
{
    const tk_completeness *g = &c->comp;
    char sum[160];
    int rc = TK_OK;
    gaps_str(c, sum, sizeof sum);
    const char *facts[] = {W(c, W_GAP_SUMMARY), sum};
    TRY(tk_rdoc_facts(c->b.d, facts, 1, err));
    int started = 0;
    for (size_t s = 0; s < g->nsystems; s++) {
        const tk_completeness_system *sy = &g->systems[s];
        if (sy->missing + sy->low == 0 && !sy->absent)
            continue;
        if (!started) {
            const char *h[] = {W(c, W_SYSTEMS), W(c, W_GAP_NORMAL), W(c, W_GAP_MISSING),
                               W(c, W_GAP_LOW), W(c, W_GAP_LIST)};
            const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NUM, TK_RDOC_COL_NUM,
                                  TK_RDOC_COL_NUM, TK_RDOC_COL_WIDE};
            TRY(tk_rdoc_table(c->b.d, W(c, W_SYS_GAPS_CAP), 5, h, f, err));
            started = 1;
        }
        char normal[32] = "—", nm[24], nl[24], dates[480] = "";
        if (sy->normal > 0)
            tk_rdoc_fmt_count((uint64_t)(sy->normal + 0.5), normal, sizeof normal);
        snprintf(nm, sizeof nm, "%zu", sy->missing);
        snprintf(nl, sizeof nl, "%zu", sy->low);
        if (sy->absent) {
            snprintf(dates, sizeof dates, "%s", W(c, W_GAP_ABSENT));
        } else {
            size_t shown = 0;
            for (size_t d = 0; d < g->ndays; d++) {
                const unsigned char fl = g->flags[s * g->ndays + d];
                if (fl != TK_COMPLETENESS_MISSING && fl != TK_COMPLETENESS_LOW)
                    continue;
                const size_t have = strlen(dates);
                if (shown++ == 12) {
                    snprintf(dates + have, sizeof dates - have, " …");
                    break;
                }
                char day[16];
                tk_period_format_day(g->period.first_day + (int64_t)d, day, sizeof day);
                snprintf(dates + have, sizeof dates - have, "%s%s%s", have ? ", " : "", day + 5,
                         fl == TK_COMPLETENESS_LOW ? W(c, W_GAP_LOW_MARK) : "");
            }
        }
        const char *row[] = {sy->name, normal, nm, nl, dates};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
done:
    return rc;
}

static int chapter9(ctx *c, tk_error *err)
{
    int rc;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-9", W(c, W_CH9), err));
    TRY(tk_rdoc_heading(c->b.d, 2, "sec-9-1", W(c, W_DQ), err));
    if (c->nuploads > 0) {
        const char *h[] = {W(c, W_FILE),     W(c, W_IMPORTED),      W(c, W_ROWS),
                           W(c, W_REJECTED), W(c, W_UNKNOWN_USERS), W(c, W_STATUS),
                           W(c, W_MESSAGE)};
        const unsigned f[] = {TK_RDOC_COL_WIDE,
                              TK_RDOC_COL_NOWRAP,
                              TK_RDOC_COL_NUM,
                              TK_RDOC_COL_NUM,
                              TK_RDOC_COL_NUM,
                              TK_RDOC_COL_NOWRAP,
                              0};
        TRY(tk_rdoc_table(c->b.d, W(c, W_UPLOADS_CAP), 7, h, f, err));
        for (size_t i = 0; i < c->nuploads; i++) {
            const tk_upload_info *u = &c->uploads[i];
            char at[32], tot[32], rej[32], unk[32];
            tk_rdoc_fmt_time(u->finished_at, at, sizeof at);
            tk_rdoc_fmt_count(u->rows_total, tot, sizeof tot);
            tk_rdoc_fmt_count(u->rows_rejected, rej, sizeof rej);
            tk_rdoc_fmt_count(u->unknown_users, unk, sizeof unk);
            const char *row[] = {u->file_name, at, tot, rej, unk, u->status, u->message};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    TRY(completeness_table(c, err));
    TRY(tk_rdoc_heading(c->b.d, 2, "sec-9-2", W(c, W_MASTER_CHANGES), err));
    {
        const char *h[] = {W(c, W_KIND), W(c, W_EFFECTIVE), W(c, W_FILE), W(c, W_ROWS),
                           W(c, W_IMPORTED)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE,
                              TK_RDOC_COL_NUM, TK_RDOC_COL_NOWRAP};
        TRY(tk_rdoc_table(c->b.d, NULL, 5, h, f, err));
        mv_acc a = {c, TK_OK, err, 0, 1};
        rc = tk_master_list_versions(c->b.t, NULL, master_row, &a, err);
        if (a.rc != TK_OK)
            rc = a.rc;
        if (rc != TK_OK)
            goto done;
        if (a.n == 0)
            TRY(tk_rdoc_para(c->b.d, W(c, W_NO_MASTER_CHANGES), err));
    }
done:
    return rc;
}

int tk_report_period(tk_tenant *t, const tk_report_options *o, tk_rdoc **out, tk_error *err)
{
    ctx c;
    int rc;

    *out = NULL;
    memset(&c, 0, sizeof c);
    rc = tk_rbuild_init(&c.b, t, o->lang, o->issued, words_ja, words_en, "report", err);
    if (rc != TK_OK)
        return rc;
    if (o->period.first_day > o->period.last_day) {
        tk_error_set(err, TK_EINVAL, "the report needs a period");
        return TK_EINVAL;
    }
    c.o = o;
    TRY(gather(&c, err));
    TRY(tk_rbuild_begin(&c.b, W(&c, W_TITLE), err));
    TRY(cover(&c, err));
    TRY(chapter1(&c, err));
    TRY(chapter2(&c, err));
    TRY(chapter3(&c, err));
    TRY(chapter4(&c, err));
    TRY(chapter5(&c, err));
    TRY(chapter6(&c, err));
    TRY(chapter7(&c, err));
    TRY(chapter8(&c, err));
    TRY(chapter9(&c, err));
    *out = tk_rbuild_take(&c.b);
done:
    tk_rbuild_dispose(&c.b);
    ctx_dispose(&c);
    return rc;
}
