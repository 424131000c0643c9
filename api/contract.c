/* api/contract.c -- the 業務処理計画書 and the 業務完了報告書 (see
 * contract.h).
 *
 * Both documents walk the same list of periods (tk_contract_periods()):
 * the schedule the analyst stored with `tenken plan`, completed by the
 * fiscal year's six two-month periods that the schedule leaves out, so a
 * missing plan shows as "未計画" instead of vanishing. The plan then
 * formats what is in force today (accounts, profiles, master data, the
 * rule configuration); the completion report gathers, per period, the
 * figures the service already counts elsewhere -- the uploads whose rows
 * fall in the period (as the bimonthly report's chapter 1), the rows
 * stored in it (models/completeness, as the upload page's grid), the runs
 * and the delivery (models/periods), the 要確認事項 and their answers
 * (models/answers) -- so that the two documents and the service never
 * disagree.
 *
 * What tenken does not do or know is said so and left blank: chapter 6 of
 * the plan states only what the product does (docs/security.md,
 * docs/service.md) and lists the contract's other handling rules as
 * blanks for the analyst to fill in.
 *
 * Words: every fixed text is in the WORDS list below, once per language,
 * as in api/report.c. */
#include "api/contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/rbuild.h"
#include "models/answers.h"
#include "models/meeting.h"
#include "models/completeness.h"
#include "models/periods.h"
#include "models/rulecat.h"
#include "models/tuning.h"
#include "src/alloc.h"
#include "src/master.h"
#include "src/profstore.h"
#include "src/store.h"
#include "src/timefmt.h"
#include "src/uploads.h"

/* ---- words --------------------------------------------------------------- */

// clang-format off
#define WORDS(X) \
    X(W_PLAN_TITLE, "業務処理計画書", "Work Plan") \
    X(W_DONE_TITLE, "業務完了報告書", "Completion Report") \
    X(W_TENANT, "対象団体", "Tenant") \
    X(W_FY, "対象年度", "Fiscal year") \
    X(W_ISSUED, "作成日", "Issued") \
    X(W_FY_FMT, "%d年度（%s）", "fiscal year %d (%s)") \
    X(W_RANGE, "%s 〜 %s", "%s to %s") \
    X(W_NONE, "なし", "none") \
    X(W_BLANK_NOTE, "空欄は tenken が記録していない事項です。記入して完成させてください。", "Blank boxes are what tenken does not record: fill them in to complete the document.") \
    /* plan, chapter 1 */ \
    X(W_P1, "1 業務概要", "1 Overview") \
    X(W_PURPOSE_L, "目的", "Purpose") \
    X(W_PURPOSE, "個人情報の適正な取扱いを確認するためのアクセスログ分析点検", "Inspection of access logs to confirm that personal information is handled properly") \
    X(W_P1_TEXT, "対象団体の行政システムから出力されるアクセスログ・端末ログを隔月で受領し、合意した点検項目と統計モデルにより分析して、不正アクセスや異常な操作の有無を点検します。結果は期ごとに分析点検結果レポートとして提出し、年度の結果を報告会で報告します。", "The access and terminal logs of the tenant's systems are received every two months and analysed with the agreed inspection items and statistical models for unauthorised access and abnormal use. Each period's results are delivered as an inspection report, and the year's results are presented at the review meeting.") \
    X(W_SERVICE_L, "実施環境", "Service") \
    X(W_SERVICE, "tenken（Webブラウザで利用するログ分析点検サービス）", "tenken (a log inspection service used from a web browser)") \
    /* plan, chapter 2 */ \
    X(W_P2, "2 実施体制と役割", "2 Organisation and roles") \
    X(W_P2_TEXT, "tenken の利用者は次の役割のいずれかを持ち、役割に許された操作だけができます。すべての操作は監査ログに記録されます。", "Every user of tenken holds one of the roles below and can do only what the role allows. Every operation is recorded in the audit log.") \
    X(W_ROLE, "役割", "Role") \
    X(W_WHO, "担当", "Held by") \
    X(W_DOES, "行うこと", "What it does") \
    X(W_ROLES_CAP, "役割と分担", "Roles") \
    X(W_R_UPLOADER, "アップロード担当（uploader）", "uploader") \
    X(W_R_ANALYST, "分析担当（analyst）", "analyst") \
    X(W_R_REPORTER, "レポート作成（reporter）", "reporter") \
    X(W_R_ADMIN, "管理者（admin）", "admin") \
    X(W_H_UPLOADER, "発注者（団体の職員）", "the city's staff") \
    X(W_H_ANALYST, "受注者（分析担当者）", "the contractor's analysts") \
    X(W_H_REPORTER, "受注者（レポート作成のAPI利用）", "the contractor's report builder (API)") \
    X(W_H_ADMIN, "受注者（管理者）", "the contractor's administrators") \
    X(W_D_UPLOADER, "ログファイルのアップロード、受理結果と行単位のエラーの確認、完成したレポートのダウンロード", "uploads the log files, checks whether each was accepted and its row errors, downloads finished reports") \
    X(W_D_ANALYST, "ソースプロファイル・点検項目・しきい値の設定、期ごとの分析、検出事案の判定、レポートの作成と納品の記録", "source profiles, inspection items and thresholds, analyses per period, triage of cases, reports and their delivery") \
    X(W_D_REPORTER, "分析結果・事案・傾向・レポートの読み取り（変更はできません）", "reads scores, cases, trends and reports (changes nothing)") \
    X(W_D_ADMIN, "アカウントとAPIトークン、団体、監査ログの管理。ほかの役割のすべての操作", "accounts and API tokens, tenants, the audit log; everything the other roles may") \
    X(W_ACCOUNTS_CAP, "役割を持つアカウント", "Accounts holding the roles") \
    X(W_ACCOUNT, "アカウント", "Account") \
    X(W_STATE, "状態", "State") \
    X(W_SCOPE, "範囲", "Scope") \
    X(W_PERSON, "担当者（氏名）", "Person") \
    X(W_ACTIVE, "有効", "active") \
    X(W_DISABLED, "無効", "disabled") \
    X(W_THIS_TENANT, "この団体", "this tenant") \
    X(W_ALL_TENANTS, "全団体（サービス管理者）", "every tenant (service administrator)") \
    X(W_NO_ACCOUNTS, "この団体のアカウントはまだありません。", "The tenant has no account yet.") \
    X(W_ACCOUNTS_UNKNOWN, "アカウントの一覧は管理者だけが読めるため、記載していません。記入してください。", "Only an administrator may read the accounts, so they are not listed: fill them in.") \
    /* plan, chapter 3 */ \
    X(W_P3, "3 対象システム", "3 Systems in scope") \
    X(W_P3_TEXT, "点検の対象は、登録されたソースプロファイル（システムごとのログの形式の定義）が読み込むシステムのログです。", "The systems in scope are those whose logs the stored source profiles (each system's log layout) read.") \
    X(W_SYSTEM, "システム", "System") \
    X(W_PROFILE, "ログ（ソースプロファイル）", "Log (source profile)") \
    X(W_REGISTERED, "登録日", "Registered") \
    X(W_SYSTEMS_CAP, "対象システムと受領するログ", "Systems and their logs") \
    X(W_FROM_COLUMN, "（ログのシステム列の値）", "(the log's system column)") \
    X(W_STORED_ONLY, "受領済みのログ（保存されたプロファイルなし）", "logs received (no stored profile)") \
    X(W_NO_PROFILES, "ソースプロファイルはまだ登録されていません。対象システムを記入してください。", "No source profile is stored yet: fill in the systems.") \
    X(W_MASTER_CAP, "登録されたマスタデータ（最新の版）", "Master data stored (newest versions)") \
    X(W_KIND, "種別", "Kind") \
    X(W_EFFECTIVE, "適用開始日", "Effective from") \
    X(W_FILE, "ファイル名", "File") \
    X(W_ROWS, "行数", "Rows") \
    X(W_NO_MASTER, "マスタデータはまだ登録されていません。", "No master data is stored yet.") \
    /* plan, chapter 4 */ \
    X(W_P4, "4 点検項目", "4 Inspection items") \
    X(W_P4_TEXT, "次の点検項目（規則）としきい値で点検します。あわせて、平常時の傾向から外れた職員・端末を統計モデル（Isolation Forest、マハラノビス距離）で抽出します。", "The logs are checked with the inspection items (rules) and thresholds below; statistical models (isolation forest, Mahalanobis distance) also pick out staff and terminals far from their usual pattern.") \
    X(W_CONFIG, "点検項目の設定", "Rule configuration") \
    X(W_DEFAULTS, "既定値（変更なし）", "the defaults (never changed)") \
    X(W_ITEM, "点検項目", "Inspection item") \
    X(W_ON, "有効", "on") \
    X(W_OFF, "無効", "off") \
    X(W_SEVERITY, "重要度", "Severity") \
    X(W_PARAMS, "パラメータ", "Parameters") \
    X(W_CHANGED, "変更", "Changed") \
    X(W_DEFAULT, "既定値", "default") \
    X(W_RULES_CAP, "点検項目とパラメータ（現在の設定）", "Inspection items and parameters (in force)") \
    X(W_YES, "する", "yes") \
    X(W_NO, "しない", "no") \
    /* plan, chapter 5 */ \
    X(W_P5, "5 スケジュール", "5 Schedule") \
    X(W_P5_TEXT, "各期のログの提出期限とレポートの納期は次のとおりです。発注者は提出期限までにログをアップロードし、受注者は納期までにレポートを提出します。", "For each period the city uploads its logs by the deadline and the report is delivered by the due day.") \
    X(W_TERM, "期", "No") \
    X(W_PERIOD, "対象期間", "Period") \
    X(W_DEADLINE, "ログ提出期限", "Upload deadline") \
    X(W_DUE, "レポート納期", "Report due") \
    X(W_PLANNED, "計画済み", "planned") \
    X(W_UNPLANNED, "未計画", "unplanned") \
    X(W_SCHEDULE_CAP, "期ごとの日程", "The periods") \
    X(W_UNPLANNED_NOTE, "未計画の期があります。tenken plan で日程を登録してください。", "Some periods are not planned: store their dates with tenken plan.") \
    X(W_MEETING, "報告会", "Review meeting") \
    X(W_MEETING_CAP, "報告会（年1回）", "Review meeting (once a year)") \
    X(W_DATE, "開催日", "Date") \
    X(W_PLACE, "場所・方法", "Place") \
    X(W_ATTEND, "出席者", "Attendees") \
    X(W_TERM_FMT, "第%zu期", "%zu") \
    /* plan, chapter 6 */ \
    X(W_P6, "6 データの受け渡しと取扱い", "6 Data exchange and handling") \
    X(W_P6_TEXT, "tenken が行う取扱いは次のとおりです。", "tenken handles the data as follows.") \
    X(W_H_UPLOAD, "ログの受け渡し: 発注者はWebブラウザだけで、ログ（CSV、RFC 4180）をHTTPSでアップロードします。通信はTLS 1.2またはTLS 1.3で、CRYPTREC暗号リストの推奨方式（AES-GCM）だけを使います。1ファイルの上限は既定で1 GiBです。", "Logs: the city uploads its CSV files (RFC 4180) from a web browser over HTTPS, TLS 1.2 or 1.3 with the CRYPTREC-recommended ciphers (AES-GCM) only; a file may be up to 1 GiB by default.") \
    X(W_H_DOWNLOAD, "成果物の受け渡し: レポートはサービスからHTTPSでダウンロードします（HTMLまたはPDF）。", "Deliverables: reports are downloaded from the service over HTTPS (HTML or PDF).") \
    X(W_H_PSEUDO, "住民の識別子: 宛名番号などは団体ごとの鍵によるHMAC-SHA-256の仮名に置き換えて保存し、番号そのものは保存しません。検索条件などの自由記述も仮名化して保存します。", "Resident identifiers are stored only as HMAC-SHA-256 pseudonyms under the tenant's own key, never as numbers; search conditions and free text are pseudonymised too.") \
    X(W_H_ACCESS, "アクセス管理: 利用者は役割（第2章）に許された操作だけができ、他団体のデータは見られません。パスワードはArgon2idのハッシュだけを保存します。", "Access: users can do only what their role (chapter 2) allows and see no other tenant's data; passwords are stored only as Argon2id hashes.") \
    X(W_H_AUDIT, "操作の記録: tenken で行ったすべての操作を監査ログに記録します。監査ログは追記のみで、変更・削除できません。", "Audit: every operation in tenken is recorded in an append-only audit log.") \
    X(W_H_FREEZE, "納品後の凍結: レポートを納品した期は凍結され、再分析・判定の変更はできません。", "Frozen after delivery: a period whose report was delivered cannot be analysed or triaged again.") \
    X(W_P6_BLANK, "次の取扱いは tenken では自動で行いません。方法と担当を記入してください。", "tenken does not do the following by itself: fill in how and by whom.") \
    X(W_HANDLING, "取扱い", "Handling") \
    X(W_HOW, "方法・担当", "How, by whom") \
    X(W_HANDLING_CAP, "記入する取扱い", "Handling to fill in") \
    X(W_B_DELETE, "レポート提供後の受領データ（個人データ）の削除", "Deletion of the personal data received once the report is delivered") \
    X(W_B_ERASE, "契約終了時の全受領データ・バックアップデータの消去（復元不可能な方式）", "Erasure of all data received and all backups at contract end (unrecoverable)") \
    X(W_B_BACKUP, "バックアップの暗号化（CRYPTREC推奨方式）と暗号鍵の管理", "Encryption of backups (CRYPTREC-recommended cipher) and key management") \
    X(W_B_AUDIT, "監査ログの保存期間（6か月を標準）と期間経過後の扱い", "Audit log retention (6 months as standard) and what happens after") \
    /* plan, chapter 7 */ \
    X(W_P7, "7 成果物", "7 Deliverables") \
    X(W_DELIVERABLE, "成果物", "Deliverable") \
    X(W_WHEN, "納入時期", "When") \
    X(W_FORM, "納入方法", "How") \
    X(W_DELIV_CAP, "成果物と納入時期", "Deliverables and dates") \
    X(W_D_PLAN, "業務処理計画書（本書）", "Work plan (this document)") \
    X(W_D_REPORT, "分析点検結果レポート", "Inspection reports") \
    X(W_D_MINUTES, "分析点検結果報告会 議事録", "Minutes of the review meeting") \
    X(W_D_DONE, "業務完了報告書", "Completion report") \
    X(W_W_PLAN, "契約後速やかに", "promptly after the contract") \
    X(W_W_REPORT, "隔月（年6回）: 各期の納期（第5章）", "every two months (6 a year): each period's due day (chapter 5)") \
    X(W_W_MINUTES, "年1回（報告会の後）", "once a year (after the meeting)") \
    X(W_W_DONE, "業務完了時", "when the work ends") \
    X(W_F_DOWNLOAD, "電子媒体: サービスからダウンロード（HTML・PDF）", "electronic: downloaded from the service (HTML, PDF)") \
    X(W_F_ELECTRONIC, "電子媒体", "electronic") \
    /* completion */ \
    X(W_C1, "1 業務の実施結果", "1 Work done") \
    X(W_C1_TEXT, "本書は、対象年度のアクセスログ分析点検の実施結果を、tenken に記録された内容から報告するものです。", "This report gives the year's log inspection as recorded in tenken.") \
    X(W_C1_OPEN, "未完了の期が%zu期あります。本書は作成日時点の状況です。", "%zu period(s) are not complete: this is the state on the date of issue.") \
    X(W_C1_DONE, "すべての期のレポートを納品しました。", "Every period's report was delivered.") \
    X(W_FILES, "受領ファイル", "Files") \
    X(W_STORED, "ログ件数", "Rows stored") \
    X(W_REFUSED_ROWS, "不受理行", "Rows refused") \
    X(W_RUNS, "分析", "Runs") \
    X(W_REQUESTS, "要確認事項", "To confirm") \
    X(W_ANSWERED, "回答", "Answered") \
    X(W_DELIVERED, "納品日", "Delivered") \
    X(W_STATUS, "状況", "Status") \
    X(W_COMPLETE, "完了", "complete") \
    X(W_INCOMPLETE, "未完了", "not complete") \
    X(W_TOTAL, "合計", "Total") \
    X(W_SUMMARY_CAP, "期別の実施状況", "Per period") \
    X(W_C2, "2 期別の詳細", "2 Each period") \
    X(W_F_FILES, "受領ファイル", "Files received") \
    X(W_F_FILES_FMT, "%zu件（受理%s行）", "%zu (%s rows accepted)") \
    X(W_F_REJECTED_FILES, "不受理のファイル", "Files refused") \
    X(W_F_FIRST, "最初のアップロード", "First upload") \
    X(W_F_LAST, "最後のアップロード", "Last upload") \
    X(W_F_STORED, "期間内のログ件数", "Rows stored in the period") \
    X(W_F_REFUSED, "取り込めなかった行", "Rows refused") \
    X(W_F_MISSING, "ログのない開庁日（システム・日）", "Open days without logs (system-days)") \
    X(W_F_RUNS, "分析の実行", "Analysis runs") \
    X(W_F_RUNS_FMT, "%zu回（最新 #%lld、%s）", "%zu (latest #%lld, %s)") \
    X(W_F_REQUESTS, "要確認事項（所属長への確認依頼）", "Cases put to the heads of section") \
    X(W_F_REQ_FMT, "%zu件（回答%zu件: 正当%zu件、不適切%zu件、調査中%zu件）", "%zu (%zu answered: %zu justified, %zu inappropriate, %zu under investigation)") \
    X(W_F_DUE, "レポート納期", "Report due") \
    X(W_F_DELIVERY, "レポートの納品", "Report delivered") \
    X(W_F_FROZEN, "%s（%s、凍結済み）", "%s (%s, frozen)") \
    X(W_F_NOT_DELIVERED, "未納品", "not delivered") \
    X(W_F_STATUS, "状況", "Status") \
    X(W_MISSING_FILES, "ログ未受領", "no logs received") \
    X(W_MISSING_RUN, "未分析", "not analysed") \
    X(W_MISSING_DELIVERY, "レポート未納品", "report not delivered") \
    X(W_INCOMPLETE_FMT, "未完了（%s）", "not complete (%s)") \
    X(W_NOT_PLANNED_DUE, "未計画", "not planned") \
    X(W_C3, "3 報告会", "3 Review meeting") \
    X(W_C3_TEXT, "報告会の記録は tenken にありません。開催日・場所・出席者・内容を記入してください。", "tenken holds no record of the review meeting: fill in its date, place, attendees and content.") \
    X(W_CONTENT, "内容", "Content") \
    X(W_C3_RECORDED, "報告会の開催日・場所・出席者は tenken の記録のとおりです。内容を記入してください。", "The date, place and attendees of the review meeting are as recorded in tenken: fill in its content.") \
    X(W_MEETING_HELD, "報告会の開催日", "Review meeting held on") \
    X(W_C4, "4 特記事項", "4 Remarks") \
    X(W_REMARKS, "特記事項", "Remarks")
// clang-format on

TK_RBUILD_WORD_TABLES(WORDS);

/* ---- context ------------------------------------------------------------- */

typedef struct ctx {
    tk_rbuild b; /* the tenant, the document, its words and date of issue */
    const tk_contract_options *o;
    tk_period fy; /* April 1 to March 31 */
    tk_contract_period *rows;
    size_t nrows;
    int completion;     /* building the 業務完了報告書 */
    tk_meeting meeting; /* the year's 報告会 when recorded (held_on != 0) */
} ctx;

/* The word k of the document's language. */
#define W(c, k) tk_rbuild_word(&(c)->b, (k))

#define TRY(x) TK_RBUILD_TRY(x)

static int nomem(tk_error *err)
{
    return tk_error_set(err, TK_ENOMEM, "out of memory building the document");
}

static void period_str(const ctx *c, const tk_period *p, char *buf, size_t cap)
{
    tk_rbuild_range(&c->b, p, W(c, W_RANGE), buf, cap);
}

/* A period of whole months shortly ("2024年4月〜5月", "2024-04..2024-05"),
 * any other as period_str(): for narrow table columns. */
static void months_str(const ctx *c, const tk_period *p, char *buf, size_t cap)
{
    char a[16], b[16], after[16];
    tk_period_format_day(p->first_day, a, sizeof a);
    tk_period_format_day(p->last_day, b, sizeof b);
    tk_period_format_day(p->last_day + 1, after, sizeof after);
    if (strcmp(a + 8, "01") != 0 || strcmp(after + 8, "01") != 0) {
        period_str(c, p, buf, cap);
        return;
    }
    if (c->b.en)
        snprintf(buf, cap, "%.7s..%.7s", a, b);
    else if (strncmp(a, b, 4) == 0)
        snprintf(buf, cap, "%.4s年%d月〜%d月", a, atoi(a + 5), atoi(b + 5));
    else
        snprintf(buf, cap, "%.4s年%d月〜%.4s年%d月", a, atoi(a + 5), b, atoi(b + 5));
}

/* ---- the periods ----------------------------------------------------------- */

static int overlaps(const tk_period *a, const tk_period *b)
{
    return a->first_day <= b->last_day && b->first_day <= a->last_day;
}

static int cmp_row(const void *a, const void *b)
{
    const tk_contract_period *x = a, *y = b;
    if (x->period.first_day != y->period.first_day)
        return x->period.first_day < y->period.first_day ? -1 : 1;
    return (x->period.last_day > y->period.last_day) - (x->period.last_day < y->period.last_day);
}

static void fiscal_year(int fy, tk_period *out)
{
    tk_period b[6];
    tk_period_fiscal_bimonths(fy, b);
    out->first_day = b[0].first_day;
    out->last_day = b[5].last_day;
}

int tk_contract_periods(tk_db *db, int fy, tk_contract_period **out, size_t *n, tk_error *err)
{
    tk_period_plan *plans = NULL;
    size_t nplans = 0, k = 0;
    tk_contract_period *v = NULL;
    tk_period b[6], year;
    int rc;

    *out = NULL;
    *n = 0;
    if (fy < TK_PERIOD_FY_MIN || fy > TK_PERIOD_FY_MAX)
        return tk_error_set(err, TK_EINVAL, "the fiscal year is %d to %d, not %d", TK_PERIOD_FY_MIN,
                            TK_PERIOD_FY_MAX, fy);
    tk_period_fiscal_bimonths(fy, b);
    fiscal_year(fy, &year);
    rc = tk_period_plan_list(db, &plans, &nplans, err);
    if (rc != TK_OK)
        return rc;
    v = tk_calloc(nplans + 6, sizeof *v);
    if (!v) {
        tk_free(plans);
        return nomem(err);
    }
    for (size_t i = 0; i < nplans; i++) {
        if (!overlaps(&plans[i].period, &year))
            continue;
        v[k].period = plans[i].period;
        v[k].planned = 1;
        v[k].upload_deadline = plans[i].upload_deadline;
        v[k].delivery_due = plans[i].delivery_due;
        k++;
    }
    const size_t nplanned = k;
    for (size_t j = 0; j < 6; j++) {
        int covered = 0;
        for (size_t i = 0; i < nplanned; i++)
            covered |= overlaps(&v[i].period, &b[j]);
        if (!covered)
            v[k++].period = b[j];
    }
    qsort(v, k, sizeof *v, cmp_row);
    tk_free(plans);
    *out = v;
    *n = k;
    return TK_OK;
}

/* ---- the cover ------------------------------------------------------------- */

static int cover(ctx *c, tk_error *err)
{
    char range[96], fy[160], issued[32];
    int rc;
    period_str(c, &c->fy, range, sizeof range);
    snprintf(fy, sizeof fy, W(c, W_FY_FMT), c->o->fiscal_year, range);
    TRY(tk_rbuild_cover(&c->b, fy, c->o->issuer, err));
    tk_rbuild_day(&c->b, tk_jst_day(c->b.issued), issued, sizeof issued);
    TRY(tk_rbuild_cover_tenant(&c->b, err));
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_FY), fy, err));
    if (c->completion && c->meeting.place != NULL) {
        char held[32];
        tk_rbuild_day(&c->b, c->meeting.held_on, held, sizeof held);
        TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_MEETING_HELD), held, err));
    }
    TRY(tk_rdoc_cover_fact(c->b.d, W(c, W_ISSUED), issued, err));
done:
    return rc;
}

/* ---- the plan ---------------------------------------------------------------- */

static int plan_ch1(ctx *c, tk_error *err)
{
    char range[96];
    int rc;
    period_str(c, &c->fy, range, sizeof range);
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-1", W(c, W_P1), err));
    const char *facts[] = {W(c, W_PURPOSE_L),      W(c, W_PURPOSE), W(c, W_TENANT),
                           tk_tenant_name(c->b.t), W(c, W_FY),      range,
                           W(c, W_SERVICE_L),      W(c, W_SERVICE)};
    TRY(tk_rdoc_facts(c->b.d, facts, 4, err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_P1_TEXT), err));
    TRY(tk_rdoc_note(c->b.d, TK_RDOC_INFO, W(c, W_BLANK_NOTE), err));
done:
    return rc;
}

static const char *role_word(const ctx *c, const char *role)
{
    if (strcmp(role, "uploader") == 0)
        return W(c, W_R_UPLOADER);
    if (strcmp(role, "analyst") == 0)
        return W(c, W_R_ANALYST);
    if (strcmp(role, "reporter") == 0)
        return W(c, W_R_REPORTER);
    if (strcmp(role, "admin") == 0)
        return W(c, W_R_ADMIN);
    return role;
}

static int plan_ch2(ctx *c, tk_error *err)
{
    int rc;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-2", W(c, W_P2), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_P2_TEXT), err));
    {
        const char *h[] = {W(c, W_ROLE), W(c, W_WHO), W(c, W_DOES)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, 0, TK_RDOC_COL_WIDE};
        TRY(tk_rdoc_table(c->b.d, W(c, W_ROLES_CAP), 3, h, f, err));
        static const int roles[4][3] = {{W_R_UPLOADER, W_H_UPLOADER, W_D_UPLOADER},
                                        {W_R_ANALYST, W_H_ANALYST, W_D_ANALYST},
                                        {W_R_REPORTER, W_H_REPORTER, W_D_REPORTER},
                                        {W_R_ADMIN, W_H_ADMIN, W_D_ADMIN}};
        for (size_t i = 0; i < 4; i++) {
            const char *row[] = {W(c, roles[i][0]), W(c, roles[i][1]), W(c, roles[i][2])};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
    const char *h[] = {W(c, W_ACCOUNT), W(c, W_ROLE), W(c, W_STATE), W(c, W_SCOPE), W(c, W_PERSON)};
    const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP, 0,
                          TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE};
    if (!c->o->accounts_known) {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, W(c, W_ACCOUNTS_UNKNOWN), err));
        TRY(tk_rdoc_table(c->b.d, W(c, W_ACCOUNTS_CAP), 5, h, f, err));
        for (size_t i = 0; i < 4; i++) {
            const char *row[] = {"", "", "", "", ""};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
        goto done;
    }
    size_t shown = 0;
    const char *name = tk_tenant_name(c->b.t);
    /* The tenant's own accounts, by role, then the global admins. */
    static const char *const order[] = {"uploader", "analyst", "reporter", "admin"};
    for (int global = 0; global < 2; global++)
        for (size_t r = 0; r < 4; r++)
            for (size_t i = 0; i < c->o->naccounts; i++) {
                const tk_account_info *a = &c->o->accounts[i];
                const int is_global = a->tenant[0] == '\0';
                if (strcmp(a->role, order[r]) != 0 || is_global != global ||
                    (!is_global && strcmp(a->tenant, name) != 0))
                    continue;
                if (shown++ == 0)
                    TRY(tk_rdoc_table(c->b.d, W(c, W_ACCOUNTS_CAP), 5, h, f, err));
                const char *row[] = {a->name, role_word(c, a->role),
                                     a->disabled ? W(c, W_DISABLED) : W(c, W_ACTIVE),
                                     is_global ? W(c, W_ALL_TENANTS) : W(c, W_THIS_TENANT), ""};
                TRY(tk_rdoc_table_row(c->b.d, row, err));
            }
    if (shown == 0)
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, W(c, W_NO_ACCOUNTS), err));
done:
    return rc;
}

typedef struct mv_acc {
    ctx *c;
    int rc;
    tk_error *err;
    /* The newest version of each kind seen so far, written when the kind
     * changes (versions come by kind, effective date and id). */
    char kind[32], eff[16], file[256];
    int64_t rows;
    size_t n;
} mv_acc;

static int master_flush(mv_acc *a)
{
    if (!a->kind[0])
        return TK_OK;
    char rows[32];
    tk_rdoc_fmt_count((uint64_t)(a->rows > 0 ? a->rows : 0), rows, sizeof rows);
    const char *row[] = {a->kind, a->eff, a->file, rows};
    a->n++;
    return tk_rdoc_table_row(a->c->b.d, row, a->err);
}

static int master_row(void *vctx, const tk_master_version *v)
{
    mv_acc *a = vctx;
    if (a->kind[0] && strcmp(a->kind, v->kind) != 0) {
        a->rc = master_flush(a);
        if (a->rc != TK_OK)
            return 1;
    }
    snprintf(a->kind, sizeof a->kind, "%s", v->kind);
    snprintf(a->eff, sizeof a->eff, "%s", v->effective_from);
    snprintf(a->file, sizeof a->file, "%s", v->file_name);
    a->rows = v->rows;
    return 0;
}

static int plan_ch3(ctx *c, tk_error *err)
{
    tk_profstore_entries pl = {0};
    tk_store_names sys = {0};
    int rc;

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-3", W(c, W_P3), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_P3_TEXT), err));
    TRY(tk_profstore_list(c->b.t, &pl, err));
    TRY(tk_store_names_load(c->b.db, TK_STORE_SYSTEMS, &sys, err));
    {
        const char *h[] = {W(c, W_SYSTEM), W(c, W_PROFILE), W(c, W_REGISTERED)};
        const unsigned f[] = {0, TK_RDOC_COL_WIDE, TK_RDOC_COL_NOWRAP};
        size_t rows = 0;
        for (size_t i = 0; i < pl.n; i++) {
            const tk_profstore_entry *e = &pl.v[i];
            char prof[300], at[32];
            snprintf(prof, sizeof prof, "%s (v%lld)", e->name, (long long)e->version);
            tk_rdoc_fmt_time(e->created_at, at, sizeof at);
            const size_t ns = e->nsystems ? e->nsystems : 1;
            for (size_t s = 0; s < ns; s++) {
                if (rows++ == 0)
                    TRY(tk_rdoc_table(c->b.d, W(c, W_SYSTEMS_CAP), 3, h, f, err));
                const char *row[] = {e->nsystems ? e->systems[s] : W(c, W_FROM_COLUMN), prof, at};
                TRY(tk_rdoc_table_row(c->b.d, row, err));
            }
        }
        /* Systems whose logs are stored but that no live profile names. */
        for (size_t s = 1; s < sys.n; s++) {
            if (!sys.names[s])
                continue;
            int named = 0;
            for (size_t i = 0; i < pl.n && !named; i++)
                for (size_t j = 0; j < pl.v[i].nsystems && !named; j++)
                    named = strcmp(pl.v[i].systems[j], sys.names[s]) == 0;
            if (named)
                continue;
            if (rows++ == 0)
                TRY(tk_rdoc_table(c->b.d, W(c, W_SYSTEMS_CAP), 3, h, f, err));
            const char *row[] = {sys.names[s], W(c, W_STORED_ONLY), "-"};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
        if (rows == 0) {
            TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, W(c, W_NO_PROFILES), err));
            const unsigned fb[] = {TK_RDOC_COL_BLANK, TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE,
                                   TK_RDOC_COL_BLANK};
            TRY(tk_rdoc_table(c->b.d, W(c, W_SYSTEMS_CAP), 3, h, fb, err));
            for (size_t i = 0; i < 4; i++) {
                const char *row[] = {"", "", ""};
                TRY(tk_rdoc_table_row(c->b.d, row, err));
            }
        }
    }
    {
        const char *h[] = {W(c, W_KIND), W(c, W_EFFECTIVE), W(c, W_FILE), W(c, W_ROWS)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE,
                              TK_RDOC_COL_NUM};
        TRY(tk_rdoc_table(c->b.d, W(c, W_MASTER_CAP), 4, h, f, err));
        mv_acc a;
        memset(&a, 0, sizeof a);
        a.c = c;
        a.err = err;
        rc = tk_master_list_versions(c->b.t, NULL, master_row, &a, err);
        if (rc == 1)
            rc = a.rc;
        if (rc == TK_OK)
            rc = master_flush(&a);
        if (rc != TK_OK)
            goto done;
        if (a.n == 0)
            TRY(tk_rdoc_para(c->b.d, W(c, W_NO_MASTER), err));
    }
done:
    tk_profstore_entries_dispose(&pl);
    tk_store_names_dispose(&sys);
    return rc;
}

/* Rule i's parameters in plain words: "1日に照会した異なる住民数の下限: 200人"
 * (the catalogue's one-line description, the value, its unit), or in
 * English "min_residents 200 人". */
static void params_str(const ctx *c, const tk_rulecat_config *cfg, size_t i, char *buf, size_t cap)
{
    const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
    buf[0] = '\0';
    for (size_t p = 0; p < r->nparams; p++) {
        const tk_rulecat_param *pp = &r->params[p];
        const double v = tk_rulecat_config_param(cfg, i, p);
        const size_t have = strlen(buf);
        char val[64];
        if (pp->type == TK_RULECAT_BOOL)
            snprintf(val, sizeof val, "%s", v != 0 ? W(c, W_YES) : W(c, W_NO));
        else
            snprintf(val, sizeof val, "%g%s", v, pp->unit);
        if (c->b.en || !pp->desc_ja || !pp->desc_ja[0])
            snprintf(buf + have, cap - have, "%s%s %s", have ? "; " : "", pp->name, val);
        else
            snprintf(buf + have, cap - have, "%s%s: %s", have ? "／" : "", pp->desc_ja, val);
    }
    if (!buf[0])
        snprintf(buf, cap, "—");
}

static void change_str(const ctx *c, const tk_tuning_change *ch, char *buf, size_t cap)
{
    if (ch->version == 0) {
        snprintf(buf, cap, "%s", W(c, W_DEFAULT));
        return;
    }
    char at[32];
    tk_rdoc_fmt_time(ch->at, at, sizeof at);
    snprintf(buf, cap, "#%lld %s%s%s", (long long)ch->version, at, ch->by ? " " : "",
             ch->by ? ch->by : "");
}

static int plan_ch4(ctx *c, tk_error *err)
{
    tk_tuning_rules rules;
    int rc;
    memset(&rules, 0, sizeof rules);

    TRY(tk_rdoc_heading(c->b.d, 1, "sec-4", W(c, W_P4), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_P4_TEXT), err));
    TRY(tk_tuning_rules_read(c->b.db, &rules, err));
    {
        char ver[200];
        if (rules.head.version == 0)
            snprintf(ver, sizeof ver, "%s", W(c, W_DEFAULTS));
        else
            change_str(c, &rules.head, ver, sizeof ver);
        const char *facts[] = {W(c, W_CONFIG), ver};
        TRY(tk_rdoc_facts(c->b.d, facts, 1, err));
    }
    const char *h[] = {"ID",           W(c, W_ITEM),   W(c, W_STATE), W(c, W_SEVERITY),
                       W(c, W_PARAMS), W(c, W_CHANGED)};
    const unsigned f[] = {TK_RDOC_COL_NOWRAP, 0, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_SEVERITY,
                          TK_RDOC_COL_WIDE,   0};
    TRY(tk_rdoc_table(c->b.d, W(c, W_RULES_CAP), 6, h, f, err));
    for (size_t i = 0; i < tk_rulecat_count(); i++) {
        const tk_rulecat_rule *r = tk_rulecat_rule_at(i);
        const int sev = tk_rulecat_config_severity(rules.config, i);
        char params[1024], ch[200];
        params_str(c, rules.config, i, params, sizeof params);
        change_str(c, &rules.rule[i], ch, sizeof ch);
        const char *row[] = {r->id,
                             c->b.en ? r->name_en : r->name_ja,
                             tk_rulecat_config_enabled(rules.config, i) ? W(c, W_ON) : W(c, W_OFF),
                             c->b.en ? tk_rulecat_severity_name(sev) : tk_rulecat_severity_ja(sev),
                             params,
                             ch};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
done:
    tk_tuning_rules_dispose(&rules);
    return rc;
}

static int plan_ch5(ctx *c, tk_error *err)
{
    int rc;
    size_t unplanned = 0;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-5", W(c, W_P5), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_P5_TEXT), err));
    const char *h[] = {W(c, W_TERM), W(c, W_PERIOD), W(c, W_DEADLINE), W(c, W_DUE), W(c, W_STATE)};
    const unsigned f[] = {TK_RDOC_COL_NOWRAP, 0, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP,
                          TK_RDOC_COL_NOWRAP};
    TRY(tk_rdoc_table(c->b.d, W(c, W_SCHEDULE_CAP), 5, h, f, err));
    for (size_t i = 0; i < c->nrows; i++) {
        const tk_contract_period *p = &c->rows[i];
        char no[16], pr[96], dl[32], due[32];
        snprintf(no, sizeof no, W(c, W_TERM_FMT), i + 1);
        period_str(c, &p->period, pr, sizeof pr);
        if (p->planned) {
            tk_rbuild_day(&c->b, p->upload_deadline, dl, sizeof dl);
            tk_rbuild_day(&c->b, p->delivery_due, due, sizeof due);
        } else {
            snprintf(dl, sizeof dl, "%s", W(c, W_UNPLANNED));
            snprintf(due, sizeof due, "%s", W(c, W_UNPLANNED));
            unplanned++;
        }
        const char *row[] = {no, pr, dl, due, p->planned ? W(c, W_PLANNED) : W(c, W_UNPLANNED)};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
    if (unplanned > 0)
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, W(c, W_UNPLANNED_NOTE), err));
    {
        const char *mh[] = {W(c, W_MEETING), W(c, W_DATE), W(c, W_PLACE)};
        const unsigned mf[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_BLANK,
                               TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE};
        TRY(tk_rdoc_table(c->b.d, W(c, W_MEETING_CAP), 3, mh, mf, err));
        const char *row[] = {W(c, W_MEETING), "", ""};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
done:
    return rc;
}

static int plan_ch6(ctx *c, tk_error *err)
{
    int rc;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-6", W(c, W_P6), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_P6_TEXT), err));
    const char *items[] = {W(c, W_H_UPLOAD), W(c, W_H_DOWNLOAD), W(c, W_H_PSEUDO),
                           W(c, W_H_ACCESS), W(c, W_H_AUDIT),    W(c, W_H_FREEZE)};
    TRY(tk_rdoc_list(c->b.d, items, sizeof items / sizeof items[0], err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_P6_BLANK), err));
    const char *h[] = {W(c, W_HANDLING), W(c, W_HOW)};
    const unsigned f[] = {0, TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE};
    TRY(tk_rdoc_table(c->b.d, W(c, W_HANDLING_CAP), 2, h, f, err));
    static const int blanks[] = {W_B_DELETE, W_B_ERASE, W_B_BACKUP, W_B_AUDIT};
    for (size_t i = 0; i < sizeof blanks / sizeof blanks[0]; i++) {
        const char *row[] = {W(c, blanks[i]), ""};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
done:
    return rc;
}

static int plan_ch7(ctx *c, tk_error *err)
{
    int rc;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-7", W(c, W_P7), err));
    const char *h[] = {W(c, W_DELIVERABLE), W(c, W_WHEN), W(c, W_FORM)};
    const unsigned f[] = {0, TK_RDOC_COL_WIDE, 0};
    TRY(tk_rdoc_table(c->b.d, W(c, W_DELIV_CAP), 3, h, f, err));
    static const int rows[4][3] = {{W_D_PLAN, W_W_PLAN, W_F_DOWNLOAD},
                                   {W_D_REPORT, W_W_REPORT, W_F_DOWNLOAD},
                                   {W_D_MINUTES, W_W_MINUTES, W_F_ELECTRONIC},
                                   {W_D_DONE, W_W_DONE, W_F_DOWNLOAD}};
    for (size_t i = 0; i < 4; i++) {
        const char *row[] = {W(c, rows[i][0]), W(c, rows[i][1]), W(c, rows[i][2])};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
done:
    return rc;
}

/* Checks o and fills what both documents share. */
static int begin(ctx *c, tk_tenant *t, const tk_contract_options *o, int title, tk_error *err)
{
    int rc;
    memset(c, 0, sizeof *c);
    rc = tk_rbuild_init(&c->b, t, o->lang, o->issued, words_ja, words_en, "document", err);
    if (rc != TK_OK)
        return rc;
    c->o = o;
    rc = tk_contract_periods(c->b.db, o->fiscal_year, &c->rows, &c->nrows, err);
    if (rc != TK_OK)
        return rc;
    fiscal_year(o->fiscal_year, &c->fy);
    c->completion = title == W_DONE_TITLE;
    if (c->completion) {
        rc = tk_meeting_get(c->b.db, o->fiscal_year, &c->meeting, err);
        if (rc != TK_OK && rc != TK_ENOTFOUND)
            return rc;
    }
    rc = tk_rbuild_begin(&c->b, W(c, title), err);
    if (rc == TK_OK)
        rc = cover(c, err);
    return rc;
}

static void end(ctx *c)
{
    tk_rbuild_dispose(&c->b);
    tk_free(c->rows);
    tk_meeting_dispose(&c->meeting);
}

int tk_contract_plan(tk_tenant *t, const tk_contract_options *o, tk_rdoc **out, tk_error *err)
{
    ctx c;
    int rc;

    *out = NULL;
    TRY(begin(&c, t, o, W_PLAN_TITLE, err));
    TRY(plan_ch1(&c, err));
    TRY(plan_ch2(&c, err));
    TRY(plan_ch3(&c, err));
    TRY(plan_ch4(&c, err));
    TRY(plan_ch5(&c, err));
    TRY(plan_ch6(&c, err));
    TRY(plan_ch7(&c, err));
    *out = tk_rbuild_take(&c.b);
done:
    end(&c);
    return rc;
}

/* ---- the completion report ---------------------------------------------------- */

/* What one period received and became. */
typedef struct done_row {
    size_t files, rejected_files;
    uint64_t accepted, refused_rows;
    int64_t first_upload, last_upload; /* Unix ms; 0 when none */
    uint64_t stored;                   /* rows stored in the period (models/completeness) */
    size_t missing;                    /* system-days missing */
    tk_periods_entry e;                /* runs and delivery */
    size_t requests, answered, verdicts[TK_ANSWERS_NVERDICTS];
} done_row;

/* A file refused whole has no rows to date it: it counts for the last
 * period that ended before it was uploaded (logs are sent after their
 * period), else for the first period. */
static size_t rejected_home(const ctx *c, const tk_upload_info *u)
{
    const int64_t day = tk_jst_day(u->started_at);
    size_t home = SIZE_MAX;
    for (size_t i = 0; i < c->nrows; i++)
        if (c->rows[i].period.last_day < day)
            home = i;
    return home == SIZE_MAX ? 0 : home;
}

static void note_upload(done_row *r, const tk_upload_info *u)
{
    const int64_t at = u->finished_at ? u->finished_at : u->started_at;
    if (r->first_upload == 0 || at < r->first_upload)
        r->first_upload = at;
    if (at > r->last_upload)
        r->last_upload = at;
}

static int gather_uploads(ctx *c, done_row *rows, tk_error *err)
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
            if (!u[i].has_range) {
                const tk_period *year = &c->fy;
                const int64_t day = tk_jst_day(u[i].started_at);
                /* Only refusals made during the year or within the two
                 * months after it, when its last logs are sent. */
                if (c->nrows == 0 || day < year->first_day || day > year->last_day + 61)
                    continue;
                done_row *r = &rows[rejected_home(c, &u[i])];
                r->rejected_files++;
                r->refused_rows += u[i].rows_rejected;
                note_upload(r, &u[i]);
                continue;
            }
            const tk_period span = {tk_jst_day(u[i].t_min), tk_jst_day(u[i].t_max)};
            for (size_t k = 0; k < c->nrows; k++) {
                if (!overlaps(&span, &c->rows[k].period))
                    continue;
                done_row *r = &rows[k];
                r->files++;
                r->accepted += u[i].rows_accepted;
                r->refused_rows += u[i].rows_rejected;
                note_upload(r, &u[i]);
            }
        }
        tk_free(u);
        off += nu;
        if (nu == 0 || off >= total)
            return TK_OK;
    }
}

static int gather_period(ctx *c, size_t k, done_row *r, tk_error *err)
{
    const tk_period *pr = &c->rows[k].period;
    tk_completeness g;
    tk_answers_set set;
    int rc;

    memset(&g, 0, sizeof g);
    memset(&set, 0, sizeof set);
    rc = tk_completeness_compute(c->b.t, pr, tk_jst_day(c->b.issued), &g, err);
    if (rc != TK_OK)
        return rc;
    r->stored = g.total;
    r->missing = g.missing;
    tk_completeness_dispose(&g);
    rc = tk_periods_get(c->b.db, pr, &r->e, err);
    if (rc != TK_OK || r->e.runs == 0)
        return rc;
    rc = tk_answers_requests(c->b.db, pr, NULL, &set, err);
    if (rc != TK_OK)
        return rc;
    r->requests = set.n;
    r->answered = set.answered;
    for (size_t i = 0; i < set.n; i++)
        if (set.v[i].answered && set.v[i].answer.verdict < TK_ANSWERS_NVERDICTS)
            r->verdicts[set.v[i].answer.verdict]++;
    tk_answers_set_dispose(&set);
    return TK_OK;
}

/* "ログ未受領・未分析" of what period r lacks, or "" when it is complete. */
static void missing_str(const ctx *c, const done_row *r, char *buf, size_t cap)
{
    const char *sep = c->b.en ? ", " : "・";
    buf[0] = '\0';
    if (r->e.status == TK_PERIODS_DELIVERED)
        return;
    if (r->files == 0 && r->stored == 0)
        snprintf(buf, cap, "%s", W(c, W_MISSING_FILES));
    if (r->e.runs == 0) {
        const size_t have = strlen(buf);
        snprintf(buf + have, cap - have, "%s%s", have ? sep : "", W(c, W_MISSING_RUN));
    }
    const size_t have = strlen(buf);
    snprintf(buf + have, cap - have, "%s%s", have ? sep : "", W(c, W_MISSING_DELIVERY));
}

static void status_str(const ctx *c, const done_row *r, char *buf, size_t cap)
{
    char miss[256];
    missing_str(c, r, miss, sizeof miss);
    if (!miss[0])
        snprintf(buf, cap, "%s", W(c, W_COMPLETE));
    else
        snprintf(buf, cap, W(c, W_INCOMPLETE_FMT), miss);
}

static int done_summary(ctx *c, const done_row *rows, tk_error *err)
{
    int rc;
    size_t open = 0;
    for (size_t k = 0; k < c->nrows; k++)
        open += rows[k].e.status != TK_PERIODS_DELIVERED;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-1", W(c, W_C1), err));
    TRY(tk_rdoc_para(c->b.d, W(c, W_C1_TEXT), err));
    if (open > 0) {
        char text[256];
        snprintf(text, sizeof text, W(c, W_C1_OPEN), open);
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, text, err));
    } else {
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_GOOD, W(c, W_C1_DONE), err));
    }
    const char *h[] = {W(c, W_TERM),         W(c, W_PERIOD), W(c, W_FILES),    W(c, W_STORED),
                       W(c, W_REFUSED_ROWS), W(c, W_RUNS),   W(c, W_REQUESTS), W(c, W_ANSWERED),
                       W(c, W_DELIVERED),    W(c, W_STATUS)};
    const unsigned f[] = {TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NOWRAP, TK_RDOC_COL_NUM, TK_RDOC_COL_NUM,
                          TK_RDOC_COL_NUM,    TK_RDOC_COL_NUM,    TK_RDOC_COL_NUM, TK_RDOC_COL_NUM,
                          TK_RDOC_COL_NOWRAP, TK_RDOC_COL_WIDE};
    TRY(tk_rdoc_table(c->b.d, W(c, W_SUMMARY_CAP), 10, h, f, err));
    size_t files = 0, runs = 0, req = 0, ans = 0, delivered = 0;
    uint64_t stored = 0, refused = 0;
    for (size_t k = 0; k < c->nrows; k++) {
        const done_row *r = &rows[k];
        char no[16], pr[96], fl[32], st[32], rf[32], ru[32], rq[32], an[32], dv[32], status[300];
        snprintf(no, sizeof no, W(c, W_TERM_FMT), k + 1);
        months_str(c, &c->rows[k].period, pr, sizeof pr);
        snprintf(fl, sizeof fl, "%zu", r->files + r->rejected_files);
        tk_rdoc_fmt_count(r->stored, st, sizeof st);
        tk_rdoc_fmt_count(r->refused_rows, rf, sizeof rf);
        snprintf(ru, sizeof ru, "%zu", r->e.runs);
        snprintf(rq, sizeof rq, "%zu", r->requests);
        snprintf(an, sizeof an, "%zu", r->answered);
        if (r->e.delivered_at)
            tk_rbuild_day(&c->b, tk_jst_day(r->e.delivered_at), dv, sizeof dv);
        else
            snprintf(dv, sizeof dv, "-");
        /* What is missing is in the period's section: a narrow column here. */
        snprintf(status, sizeof status, "%s",
                 r->e.status == TK_PERIODS_DELIVERED ? W(c, W_COMPLETE) : W(c, W_INCOMPLETE));
        const char *row[] = {no, pr, fl, st, rf, ru, rq, an, dv, status};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
        files += r->files + r->rejected_files;
        stored += r->stored;
        refused += r->refused_rows;
        runs += r->e.runs;
        req += r->requests;
        ans += r->answered;
        delivered += r->e.status == TK_PERIODS_DELIVERED;
    }
    {
        char fl[32], st[32], rf[32], ru[32], rq[32], an[32], dv[32], status[64];
        snprintf(fl, sizeof fl, "%zu", files);
        tk_rdoc_fmt_count(stored, st, sizeof st);
        tk_rdoc_fmt_count(refused, rf, sizeof rf);
        snprintf(ru, sizeof ru, "%zu", runs);
        snprintf(rq, sizeof rq, "%zu", req);
        snprintf(an, sizeof an, "%zu", ans);
        snprintf(dv, sizeof dv, "%zu/%zu", delivered, c->nrows);
        snprintf(status, sizeof status, "%s", open ? W(c, W_INCOMPLETE) : W(c, W_COMPLETE));
        const char *row[] = {W(c, W_TOTAL), "", fl, st, rf, ru, rq, an, dv, status};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    }
done:
    return rc;
}

static int done_period(ctx *c, size_t k, const done_row *r, tk_error *err)
{
    char no[16], pr[96], head[160], files[96], rej[32], first[32], last[32], stored[32],
        refused[32], miss[32], runs[200], reqs[300], due[32], dlv[300], status[300];
    int rc;

    snprintf(no, sizeof no, W(c, W_TERM_FMT), k + 1);
    period_str(c, &c->rows[k].period, pr, sizeof pr);
    snprintf(head, sizeof head, c->b.en ? "Period %s: %s" : "%s　%s", no, pr);
    TRY(tk_rdoc_heading(c->b.d, 2, NULL, head, err));
    char acc[32];
    tk_rdoc_fmt_count(r->accepted, acc, sizeof acc);
    snprintf(files, sizeof files, W(c, W_F_FILES_FMT), r->files, acc);
    snprintf(rej, sizeof rej, "%zu", r->rejected_files);
    tk_rdoc_fmt_time(r->first_upload, first, sizeof first);
    tk_rdoc_fmt_time(r->last_upload, last, sizeof last);
    tk_rdoc_fmt_count(r->stored, stored, sizeof stored);
    tk_rdoc_fmt_count(r->refused_rows, refused, sizeof refused);
    snprintf(miss, sizeof miss, "%zu", r->missing);
    if (r->e.runs > 0) {
        char at[32];
        tk_rdoc_fmt_time(r->e.latest_run_at, at, sizeof at);
        snprintf(runs, sizeof runs, W(c, W_F_RUNS_FMT), r->e.runs, (long long)r->e.latest_run, at);
    } else {
        snprintf(runs, sizeof runs, "%s", W(c, W_MISSING_RUN));
    }
    snprintf(reqs, sizeof reqs, W(c, W_F_REQ_FMT), r->requests, r->answered,
             r->verdicts[TK_ANSWERS_JUSTIFIED], r->verdicts[TK_ANSWERS_INAPPROPRIATE],
             r->verdicts[TK_ANSWERS_INVESTIGATING]);
    if (c->rows[k].planned)
        tk_rbuild_day(&c->b, c->rows[k].delivery_due, due, sizeof due);
    else
        snprintf(due, sizeof due, "%s", W(c, W_NOT_PLANNED_DUE));
    if (r->e.delivered_at) {
        char at[32];
        tk_rdoc_fmt_time(r->e.delivered_at, at, sizeof at);
        snprintf(dlv, sizeof dlv, W(c, W_F_FROZEN), at,
                 r->e.delivered_by ? r->e.delivered_by : "-");
    } else {
        snprintf(dlv, sizeof dlv, "%s", W(c, W_F_NOT_DELIVERED));
    }
    status_str(c, r, status, sizeof status);
    const char *facts[] = {
        W(c, W_F_FILES),   files, W(c, W_F_REJECTED_FILES), rej,    W(c, W_F_FIRST),    first,
        W(c, W_F_LAST),    last,  W(c, W_F_STORED),         stored, W(c, W_F_REFUSED),  refused,
        W(c, W_F_MISSING), miss,  W(c, W_F_RUNS),           runs,   W(c, W_F_REQUESTS), reqs,
        W(c, W_F_DUE),     due,   W(c, W_F_DELIVERY),       dlv,    W(c, W_F_STATUS),   status};
    TRY(tk_rdoc_facts(c->b.d, facts, 12, err));
    if (r->e.status != TK_PERIODS_DELIVERED)
        TRY(tk_rdoc_note(c->b.d, TK_RDOC_WARN, status, err));
done:
    return rc;
}

/* The attendees of m joined by sep into *out (owned: tk_free()).
 * Returns TK_OK or TK_ENOMEM. */
static int join_lines(const tk_meeting *m, const char *sep, char **out, tk_error *err)
{
    /* At most TK_MEETING_ATTENDEES_MAX lines of TK_MEETING_ATTENDEE_MAX
     * bytes (tk_meeting_check()): the sum cannot overflow. */
    size_t len = 1;
    for (size_t i = 0; i < m->nattendees; i++)
        len += strlen(m->attendees[i]) + strlen(sep);
    *out = tk_alloc(len);
    if (*out == NULL)
        return nomem(err);
    (*out)[0] = '\0';
    for (size_t i = 0; i < m->nattendees; i++) {
        if (i > 0)
            strcat(*out, sep);
        strcat(*out, m->attendees[i]);
    }
    return TK_OK;
}

static int done_blanks(ctx *c, tk_error *err)
{
    int rc;
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-3", W(c, W_C3), err));
    if (c->meeting.place == NULL) {
        TRY(tk_rdoc_para(c->b.d, W(c, W_C3_TEXT), err));
        const char *h[] = {W(c, W_DATE), W(c, W_PLACE), W(c, W_ATTEND), W(c, W_CONTENT)};
        const unsigned f[] = {TK_RDOC_COL_BLANK, TK_RDOC_COL_BLANK, TK_RDOC_COL_BLANK,
                              TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE};
        TRY(tk_rdoc_table(c->b.d, W(c, W_MEETING), 4, h, f, err));
        const char *row[] = {"", "", "", ""};
        TRY(tk_rdoc_table_row(c->b.d, row, err));
    } else {
        /* What tenken recorded; the content is the meeting's to write. */
        char held[32];
        char *att = NULL;
        tk_rbuild_day(&c->b, c->meeting.held_on, held, sizeof held);
        TRY(join_lines(&c->meeting, c->b.en ? ", " : "、", &att, err));
        TRY(tk_rdoc_para(c->b.d, W(c, W_C3_RECORDED), err));
        const char *h[] = {W(c, W_DATE), W(c, W_PLACE), W(c, W_ATTEND), W(c, W_CONTENT)};
        const unsigned f[] = {TK_RDOC_COL_NOWRAP, 0, TK_RDOC_COL_WIDE,
                              TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE};
        rc = tk_rdoc_table(c->b.d, W(c, W_MEETING), 4, h, f, err);
        const char *row[] = {held, c->meeting.place, att, ""};
        if (rc == TK_OK)
            rc = tk_rdoc_table_row(c->b.d, row, err);
        tk_free(att);
        if (rc != TK_OK)
            goto done;
    }
    TRY(tk_rdoc_heading(c->b.d, 1, "sec-4", W(c, W_C4), err));
    {
        const char *h[] = {W(c, W_REMARKS)};
        const unsigned f[] = {TK_RDOC_COL_BLANK | TK_RDOC_COL_WIDE};
        TRY(tk_rdoc_table(c->b.d, NULL, 1, h, f, err));
        for (size_t i = 0; i < 3; i++) {
            const char *row[] = {""};
            TRY(tk_rdoc_table_row(c->b.d, row, err));
        }
    }
done:
    return rc;
}

int tk_contract_completion(tk_tenant *t, const tk_contract_options *o, tk_rdoc **out, tk_error *err)
{
    ctx c;
    done_row *rows = NULL;
    int rc;

    *out = NULL;
    TRY(begin(&c, t, o, W_DONE_TITLE, err));
    rows = tk_calloc(c.nrows ? c.nrows : 1, sizeof *rows);
    if (!rows) {
        rc = nomem(err);
        goto done;
    }
    TRY(gather_uploads(&c, rows, err));
    for (size_t k = 0; k < c.nrows; k++)
        TRY(gather_period(&c, k, &rows[k], err));
    TRY(done_summary(&c, rows, err));
    TRY(tk_rdoc_heading(c.b.d, 1, "sec-2", W(&c, W_C2), err));
    for (size_t k = 0; k < c.nrows; k++)
        TRY(done_period(&c, k, &rows[k], err));
    TRY(done_blanks(&c, err));
    *out = tk_rbuild_take(&c.b);
done:
    if (rows)
        for (size_t k = 0; k < c.nrows; k++)
            tk_periods_entry_dispose(&rows[k].e);
    tk_free(rows);
    end(&c);
    return rc;
}
