/* models/rulecat.c -- the rule catalogue and its per-tenant configuration.
 *
 * The catalogue is data: a static array of rules, each pointing at a
 * static array of parameters. Defaults are the inspection items' initial thresholds
 * (documented where a threshold has been read more narrowly, e.g. R24).
 * A configuration is three flat arrays -- enabled and severity per rule,
 * and the parameter values of all rules back to back with a per-rule
 * offset -- so a getter is an array read.
 *
 * Parsing is strict by design: the configuration decides what a city's
 * inspection looks at, and a typo that silently kept a default (a
 * misspelt "min_residnets") would change an audit without anyone noticing.
 * Every object is checked for unknown keys, every value for its JSON type
 * and range, duplicate keys are refused (JSON_REJECT_DUPLICATES), and the
 * first problem is reported with its JSON path. The document is applied to
 * a copy of the defaults, so a refused document changes nothing. Keys from
 * the document are quoted in messages only after sanitising (at most 40
 * bytes cut at a UTF-8 boundary, control characters as '?'), since the
 * message goes to logs and terminals.
 *
 * A tenant's configuration is stored in its own store as an append-only
 * list of versions (rule_configs): the newest row is in force, a reset is a
 * row of its own (the document {"version": 1}), and rows are never updated,
 * so "what was in force on that day" can always be answered (each analysis
 * also keeps the effective configuration with its findings). The document
 * is stored as the analyst wrote it, after the same validation as a file
 * given to `tenken analyze --rules`, and parsed again when read: a rule it
 * does not name follows the catalogue's defaults, including defaults of a
 * later release, exactly as an unnamed rule in a file does. A stored
 * document that a later catalogue refuses (a parameter removed, a range
 * narrowed) is reported with its version rather than silently skipped, so
 * an analysis never runs on a configuration other than the one in force. */
#include "models/rulecat.h"

#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"

/* ---- the catalogue ---------------------------------------------------------- */

#define P(name, type, def, min, max, unit, desc)                                                   \
    {                                                                                              \
        name, type, def, min, max, unit, desc                                                      \
    }
#define NP(a) (sizeof(a) / sizeof((a)[0]))

static const tk_rulecat_param p_r01[] = {
    P("grace_minutes", TK_RULECAT_INT, 0, 0, 120, "分", "業務時間の前後で時間外とみなさない猶予"),
    P("min_events", TK_RULECAT_INT, 1, 1, 100000, "件", "1日にこの件数以上の時間外操作で検出"),
    P("night_start", TK_RULECAT_REAL, 22, 0, 24, "時",
      "深夜（重大度を1段階上げる）の始まり（22 = 22:00、22.5 = 22:30）"),
    P("night_end", TK_RULECAT_REAL, 6, 0, 24, "時",
      "深夜の終わり（0時をまたぐ。始まりと同じなら深夜なし）"),
};
static const tk_rulecat_param p_r02[] = {
    P("min_events", TK_RULECAT_INT, 1, 1, 100000, "件", "1日にこの件数以上の閉庁日操作で検出"),
};
static const tk_rulecat_param p_r03[] = {
    P("min_residents", TK_RULECAT_INT, 200, 1, 1000000, "人", "閾値の下限（固定値）"),
    P("percentile", TK_RULECAT_REAL, 99, 50, 100, "%", "所属の1日当たり照会住民数の分位点"),
    P("median_multiple", TK_RULECAT_REAL, 3, 1, 100, "倍", "所属の中央値に対する倍率"),
    P("min_samples", TK_RULECAT_INT, 30, 1, 1000000, "人日",
      "所属の分位点を使うのに必要な基準期間の人日数"),
};
static const tk_rulecat_param p_r04[] = {
    P("min_residents", TK_RULECAT_INT, 30, 2, 100000, "人", "時間窓内の異なる住民数"),
    P("window_minutes", TK_RULECAT_INT, 10, 1, 1440, "分", "時間窓"),
};
static const tk_rulecat_param p_r05[] = {
    P("min_days", TK_RULECAT_INT, 3, 2, 60, "日", "同一住民を照会した日数"),
    P("window_days", TK_RULECAT_INT, 30, 2, 60, "日", "期間（暦日）"),
    P("followup_days", TK_RULECAT_INT, 7, 0, 60, "日",
      "最後の照会からこの日数以内の処理があれば取り下げる（照会の後の処理）"),
    P("max_chance", TK_RULECAT_REAL, 0.1, 0, 1000000, "組",
      "職員の照会件数とシステムの住民数から偶然に生じると見込まれる同様の反復の数の上限"
      "（大きくすると無効）"),
    P("spread_min_days", TK_RULECAT_INT, 8, 2, 60, "日",
      "数週間にわたる照会（つきまとい）：長い期間内に同一住民を照会した日数"),
    P("spread_window_days", TK_RULECAT_INT, 56, 0, 60, "日",
      "数週間にわたる照会を数える長い期間（暦日、0で無効）"),
};
static const tk_rulecat_param p_r08[] = {
    P("lookup_only", TK_RULECAT_BOOL, 1, 0, 1, "",
      "その日に処理（更新・交付等）をしていない住民に限る"),
};
static const tk_rulecat_param p_r06[] = {
    P("min_staff", TK_RULECAT_INT, 5, 2, 10000, "人", "担当外所属の異なる職員数"),
    P("window_days", TK_RULECAT_INT, 7, 1, 60, "日", "期間（暦日）"),
    P("max_chance", TK_RULECAT_REAL, 1, 0, 1000000, "人",
      "期間内の各所属の照会量から、偶然に同じ数の所属の職員に照会されると見込まれる住民の数の上限"
      "（大きくすると無効）"),
};
static const tk_rulecat_param p_r09[] = {
    P("routine_days", TK_RULECAT_INT, 5, 0, 366, "日",
      "担当所属の定めがない区分で、基準期間に所属の職員がその区分の住民を照会した日数がこれ以上なら"
      "所属の日常業務とみなす（0で無効）"),
    P("routine_staff", TK_RULECAT_INT, 3, 1, 10000, "人",
      "所属の日常業務とみなすのに必要な、基準期間に照会した所属の職員数"),
};
static const tk_rulecat_param p_r10[] = {
    P("flag_issue", TK_RULECAT_BOOL, 1, 0, 1, "", "許可所属による交付・印刷・出力も検出する"),
    P("routine_days", TK_RULECAT_INT, 20, 0, 366, "日",
      "担当所属の定めがない場合、基準期間に所属の職員が支援措置対象者を照会した日数がこれ以上なら"
      "所属の日常業務とみなす（0で無効）"),
    P("routine_staff", TK_RULECAT_INT, 3, 1, 10000, "人",
      "所属の日常業務とみなすのに必要な、基準期間に照会した所属の職員数"),
};
static const tk_rulecat_param p_r11[] = {
    P("percentile", TK_RULECAT_REAL, 95, 50, 100, "%", "所属の処理なし照会割合の分位点"),
    P("min_lookups", TK_RULECAT_INT, 20, 1, 100000, "人", "対象とする1日の照会住民数の下限"),
    P("min_samples", TK_RULECAT_INT, 30, 1, 1000000, "人日",
      "所属の分位点を使うのに必要な基準期間の人日数"),
    P("max_p_value", TK_RULECAT_REAL, 0.001, 0, 1, "",
      "所属の中央値の割合に対する二項検定のp値の上限（1で無効）"),
};
static const tk_rulecat_param p_r13[] = {
    P("check_level", TK_RULECAT_BOOL, 1, 0, 1, "",
      "照会権限のみの所属による更新・出力等も検出する"),
};
static const tk_rulecat_param p_r15[] = {
    P("grace_days", TK_RULECAT_INT, 14, 0, 365, "日", "異動日から旧所属の利用を許容する日数"),
};
static const tk_rulecat_param p_r17[] = {
    P("user_failures", TK_RULECAT_INT, 5, 2, 1000, "回", "1アカウントの失敗回数"),
    P("user_window_minutes", TK_RULECAT_INT, 10, 1, 1440, "分", "アカウント単位の時間窓"),
    P("terminal_users", TK_RULECAT_INT, 10, 2, 10000, "人", "1端末で失敗した異なるアカウント数"),
    P("terminal_window_minutes", TK_RULECAT_INT, 10, 1, 1440, "分", "端末単位の時間窓"),
};
static const tk_rulecat_param p_r18[] = {
    P("max_session_hours", TK_RULECAT_INT, 16, 1, 168, "時間",
      "ログオフ記録のないセッションを終了とみなすまでの時間"),
    P("min_overlap_hours", TK_RULECAT_REAL, 2, 0, 24, "時間",
      "所属の異なる端末への同時ログオンがこの時間以上重なれば設定の重大度（それ以外は1段階下げる"
      "）"),
};
static const tk_rulecat_param p_r19[] = {
    P("max_hours", TK_RULECAT_REAL, 10, 1, 72, "時間", "1セッションの長さの上限"),
    P("hours_margin", TK_RULECAT_REAL, 1.25, 0, 24, "時間",
      "その日の勤務時間（所属の時間・暦の行の時間）にこの時間を足した長さが上限より長い日は、"
      "それを上限とする"),
};
static const tk_rulecat_param p_r22[] = {
    P("report_approved", TK_RULECAT_BOOL, 1, 0, 1, "",
      "承認済み媒体への業務時間内の書出しも低で記録する"),
};
static const tk_rulecat_param p_r24[] = {
    P("min_records", TK_RULECAT_INT, 100, 1, 100000000, "件", "1回の印刷・出力件数の下限"),
    P("percentile", TK_RULECAT_REAL, 99, 50, 100, "%", "所属の1回当たり件数の分位点"),
    P("min_samples", TK_RULECAT_INT, 30, 1, 1000000, "回",
      "所属の分位点を使うのに必要な基準期間の回数"),
};
static const tk_rulecat_param p_r25[] = {
    P("min_records", TK_RULECAT_INT, 1000, 1, 1000000000, "件", "1回の抽出・出力件数"),
};
static const tk_rulecat_param p_r28[] = {
    P("grace_minutes", TK_RULECAT_INT, 2, 0, 120, "分", "ログオン前・ログオフ後の猶予"),
    P("max_session_hours", TK_RULECAT_INT, 24, 1, 168, "時間",
      "ログオフ記録のないセッションを終了とみなすまでの時間"),
};
static const tk_rulecat_param p_r29[] = {
    P("min_ratio", TK_RULECAT_REAL, 0.3, 0, 1, "比", "過去4週間の平均に対する件数の比の下限"),
    P("history_days", TK_RULECAT_INT, 28, 7, 365, "日", "平均をとる過去の期間（暦日）"),
    P("min_history_days", TK_RULECAT_INT, 10, 1, 365, "日",
      "判定に必要な、期間内でログのある開庁日数"),
    P("long_history_days", TK_RULECAT_INT, 91, 0, 3660, "日",
      "繁忙期明けを除くため長期の開庁日の中央値とも比べる期間（0で無効）"),
};
static const tk_rulecat_param p_r30[] = {
    P("min_records", TK_RULECAT_INT, 100, 1, 100000000, "件", "先行する出力・印刷・抽出の件数"),
    P("min_residents", TK_RULECAT_INT, 30, 2, 100000, "人",
      "先行する照会の異なる住民数（同じ時間窓内）"),
    P("window_minutes", TK_RULECAT_INT, 10, 1, 1440, "分", "出力・照会から書出しまでの時間"),
};

static const tk_rulecat_param p_r32[] = {
    P("min_residents", TK_RULECAT_INT, 15, 2, 100000, "人",
      "時間窓内に照会した同じ町丁の異なる住民数（照会のみ）"),
    P("window_minutes", TK_RULECAT_INT, 60, 1, 1440, "分", "時間窓"),
};

#define R(id, item, ja, en, desc, sev, ent, needs, legit, params)                                  \
    {                                                                                              \
        id, item, ja, en, desc, sev, ent, 1, needs, legit, params, NP(params)                      \
    }
#define R0(id, item, ja, en, desc, sev, ent, needs, legit)                                         \
    {                                                                                              \
        id, item, ja, en, desc, sev, ent, 1, needs, legit, NULL, 0                                 \
    }

static const tk_rulecat_rule rules[] = {
    R("R01", 1, "時間外アクセス", "after-hours access",
      "開庁日の業務時間外（所属の勤務時間の前後）に業務システムを操作した。22:00〜6:"
      "00の深夜は重大度を"
      "1段階上げる。",
      TK_RULECAT_MEDIUM, TK_RULECAT_USER, "calendar,staff,overtime",
      "時間外勤務命令の時間帯の操作は数えない", p_r01),
    R("R02", 2, "休日アクセス", "closed-day access",
      "閉庁日（土日・祝日・年末年始・市の閉庁日）に業務システムを操作した。休日開庁日は対象外。",
      TK_RULECAT_MEDIUM, TK_RULECAT_USER, "calendar,overtime",
      "休日開庁日は開庁日。休日出勤の時間外勤務命令の時間帯の操作は数えない", p_r02),
    R("R03", 3, "大量照会", "bulk lookups",
      "1日に照会した異なる住民数が max(所属のP99, 所属の中央値×3, 200) を超えた。", TK_RULECAT_HIGH,
      TK_RULECAT_USER, "staff", "所属の基準期間の分布（繁忙期を含む）", p_r03),
    R("R04", 4, "短時間連続照会", "lookup burst", "10分間に30人以上の異なる住民を照会した。",
      TK_RULECAT_HIGH, TK_RULECAT_USER, "", "", p_r04),
    R("R05", 5, "同一住民の反復照会", "repeated lookups of one resident",
      "同じ住民を30日以内の3日以上、または56日以内の8日以上にわたり照会し、その間に本人による"
      "更新・交付などの処理がない。"
      "職員の照会件数とシステムの住民数から偶然に起こると見込まれる反復は除く。",
      TK_RULECAT_MEDIUM, TK_RULECAT_USER, "", "同じ職員による更新・交付などの処理", p_r05),
    R("R06", 6, "同一住民への多数職員アクセス", "many staff on one resident",
      "1人の住民を、照会したシステムの担当所属（更新権限のある所属）以外の職員5人以上が7日以内に照"
      "会し"
      "た。",
      TK_RULECAT_HIGH, TK_RULECAT_RESIDENT, "staff,authorizations,assignments",
      "兼務先が担当所属の職員は担当所属として数える", p_r06),
    R0("R07", 7, "職員本人・親族照会", "self / family lookup",
       "職員が本人または同一世帯の親族の記録を照会した（本人のみの場合は重大度を1段階下げる）。",
       TK_RULECAT_HIGH, TK_RULECAT_USER, "staff,residents", ""),
    R("R08", 8, "知人推定照会", "acquaintance heuristic",
      "職員と同じ姓（カナ）で同じ町丁に住む住民を、処理をせずに照会した（同一世帯を除く）。",
      TK_RULECAT_LOW, TK_RULECAT_USER, "staff,residents", "その日の処理（窓口での交付等）", p_r08),
    R("R09", 9, "著名人照会", "watch-list lookup",
      "要注意リスト（著名人・職員関係）の住民を担当所属以外から照会した。", TK_RULECAT_HIGH,
      TK_RULECAT_USER, "watchlist,staff,assignments", "兼務先が担当所属の場合は対象外", p_r09),
    R("R10", 10, "支援措置対象者照会", "DV-protected resident lookup",
      "DV等支援措置の対象者を許可所属以外から照会した、または許可所属でも交付・印刷・出力した。",
      TK_RULECAT_CRITICAL, TK_RULECAT_USER, "watchlist,staff,assignments",
      "兼務先が許可所属の場合は照会を対象外", p_r10),
    R("R11", 11, "照会のみ・処理なし", "lookups without processing",
      "1日の照会のうち更新・交付などの処理を伴わない住民の割合が所属のP95を超え、所属の中央値の割合"
      "からみて偶然とはいえない（二項検定）。",
      TK_RULECAT_MEDIUM, TK_RULECAT_USER, "staff", "所属の基準期間の分布", p_r11),
    R0("R12", 12, "権限外システム", "out-of-role system",
       "所属に利用権限のない業務システムを操作した。", TK_RULECAT_HIGH, TK_RULECAT_USER,
       "staff,authorizations,assignments",
       "兼務先の権限、異動後の猶予期間内の旧所属の権限（R15が判定）"),
    R("R13", 13, "担当外機能", "out-of-role function",
      "システムの利用権限はあるが、許可されていない機能（画面）を使った、または照会権限のみで更新・"
      "出力等をした。",
      TK_RULECAT_MEDIUM, TK_RULECAT_USER, "staff,authorizations,assignments", "兼務先の権限",
      p_r13),
    R0("R14", 14, "退職者アカウント利用", "retired account used",
       "退職日より後に職員のアカウントが使われた。", TK_RULECAT_CRITICAL, TK_RULECAT_USER, "staff",
       ""),
    R("R15", 15, "異動者の旧権限利用", "access after transfer",
      "異動日から14日を超えて、旧所属にだけ権限のあるシステムを使った。", TK_RULECAT_HIGH,
      TK_RULECAT_USER, "staff,authorizations,assignments", "猶予期間内の引継ぎ、兼務", p_r15),
    R0("R16", 16, "休職中アカウント利用", "account used during leave",
       "休職期間中の職員のアカウントが使われた。", TK_RULECAT_HIGH, TK_RULECAT_USER, "staff", ""),
    R("R17", 17, "ログオン失敗連続", "failed-logon run",
      "1アカウントが10分間に5回以上ログオンに失敗した、または1端末で10分間に10以上のアカウントが失"
      "敗"
      "した（端末単位は重大度を1段階上げる）。",
      TK_RULECAT_MEDIUM, TK_RULECAT_USER, "", "", p_r17),
    R("R18", 18, "同時ログオン", "concurrent logons",
      "1つのアカウントが2台以上の端末に同時にログオンした（日をまたぐセッションを含む）。"
      "重なった時間を値とし、所属の異なる端末で2時間以上重なった場合以外は重大度を1段階下げる。",
      TK_RULECAT_HIGH, TK_RULECAT_USER, "", "", p_r18),
    R("R19", 19, "長時間連続利用", "long session (shared-ID pattern)",
      "ログオンからログオフまでが10時間（その日の勤務時間が長い日はそれに1.25時間を足した長さ）を"
      "超えた。",
      TK_RULECAT_MEDIUM, TK_RULECAT_USER, "overtime", "その日の時間外勤務命令", p_r19),
    R0("R20", 20, "所属外端末からの利用", "foreign-terminal use",
       "他の所属に登録された端末で業務システムを操作またはログオンした。", TK_RULECAT_MEDIUM,
       TK_RULECAT_USER, "terminals,staff,assignments", "端末の所属への兼務"),
    R0("R21", 21, "未登録端末", "unregistered terminal",
       "端末台帳にない（または登録日前の）端末で業務システムを操作またはログオンした。",
       TK_RULECAT_HIGH, TK_RULECAT_TERMINAL, "terminals", ""),
    R("R22", 22, "可搬媒体への書出し", "removable-media write",
      "特定個人情報を扱う端末から可搬媒体へファイルを書き出した（承認済み媒体への業務時間内の書出し"
      "は"
      "低、一般端末は1段階下げる）。",
      TK_RULECAT_HIGH, TK_RULECAT_TERMINAL, "terminals,media,calendar,overtime",
      "承認済み媒体かつ業務時間内（または時間外勤務命令の時間帯）", p_r22),
    R0("R23", 23, "未許可デバイス接続", "unapproved device",
       "承認済み媒体の一覧にない（または承認期間外の）デバイスを接続した、またはそこへ書き出した。",
       TK_RULECAT_HIGH, TK_RULECAT_TERMINAL, "media", ""),
    R("R24", 24, "大量印刷・出力", "bulk print / export",
      "1回の印刷・出力が100件以上で、かつ所属の1回当たり件数のP99を超えた。", TK_RULECAT_HIGH,
      TK_RULECAT_USER, "staff", "所属の基準期間の分布（承認記録のマスタは未対応）", p_r24),
    R("R25", 25, "一括抽出", "mass extraction", "1回の抽出・出力が1,000件以上だった。",
      TK_RULECAT_CRITICAL, TK_RULECAT_USER, "", "", p_r25),
    R0("R26", 26, "個人番号の表示", "My Number shown",
       "個人番号利用事務の権限がない所属の職員の操作で個人番号が表示された。", TK_RULECAT_HIGH,
       TK_RULECAT_USER, "staff,authorizations,assignments", "兼務先の個人番号利用権限"),
    R0("R27", 27, "研修中の実在住民照会", "real residents in training",
       "研修用アカウントが研修期間中に、住民マスタにある実在の住民（研修用の架空の宛名番号ではない"
       "）"
       "を照会・操作した。",
       TK_RULECAT_MEDIUM, TK_RULECAT_USER, "training,residents", ""),
    R("R28", 28, "業務ログと端末ログの不整合", "logs disagree",
      "ログオンの記録がない端末で業務システムの操作が記録された（端末ログのある日・端末のみ）。",
      TK_RULECAT_MEDIUM, TK_RULECAT_TERMINAL, "terminals", "", p_r28),
    R("R29", 29, "ログ欠損・件数急減", "log gap",
      "開庁日にシステムのログが0件、または過去4週間の平均と長期（91日）の開庁日の中央値の"
      "いずれの30%も下回った（データ品質）。長期の中央値が0のシステムは判定しない。",
      TK_RULECAT_MEDIUM, TK_RULECAT_SYSTEM, "calendar", "部分開庁の休日開庁日は判定しない", p_r29),
    R("R30", 30, "大量出力・照会後の媒体書出し", "bulk output then removable-media copy",
      "同じ端末で、100件以上の出力・印刷・抽出または短時間の大量照会の後、10分以内に可搬媒体へ書き"
      "出し"
      "た（連鎖）。",
      TK_RULECAT_CRITICAL, TK_RULECAT_TERMINAL, "media", "承認済み媒体の場合は重大度を1段階下げる",
      p_r30),
    R0("R31", 0, "未登録アカウント", "unknown account",
       "職員マスタにない、または採用日前のアカウントで業務システムを操作またはログオンした。",
       TK_RULECAT_HIGH, TK_RULECAT_USER, "staff", "研修マスタの研修期間中の研修用アカウント"),
    R("R32", 0, "同一町丁の一斉照会", "address-block sweep",
      "同じ町丁（住民マスタ）の住民15人以上を60分以内に照会した（その日に処理した住民、担当中の住民"
      "を除く照会のみ）。",
      TK_RULECAT_HIGH, TK_RULECAT_USER, "residents",
      "その日に処理した住民・担当中（期間内に処理した）住民は数えない", p_r32),
};

#define NRULES NP(rules)

size_t tk_rulecat_count(void)
{
    return NRULES;
}

const tk_rulecat_rule *tk_rulecat_rule_at(size_t i)
{
    return i < NRULES ? &rules[i] : NULL;
}

size_t tk_rulecat_find(const char *p, size_t len)
{
    if (p == NULL)
        return SIZE_MAX;
    for (size_t i = 0; i < NRULES; i++)
        if (strlen(rules[i].id) == len && memcmp(rules[i].id, p, len) == 0)
            return i;
    return SIZE_MAX;
}

size_t tk_rulecat_find_param(size_t rule, const char *name)
{
    if (rule >= NRULES || name == NULL)
        return SIZE_MAX;
    for (size_t k = 0; k < rules[rule].nparams; k++)
        if (strcmp(rules[rule].params[k].name, name) == 0)
            return k;
    return SIZE_MAX;
}

static const char *const sev_names[] = {"?", "low", "medium", "high", "critical"};
static const char *const sev_ja[] = {"?", "低", "中", "高", "重大"};

const char *tk_rulecat_severity_name(int severity)
{
    return severity >= TK_RULECAT_LOW && severity <= TK_RULECAT_CRITICAL ? sev_names[severity]
                                                                         : "?";
}

const char *tk_rulecat_severity_ja(int severity)
{
    return severity >= TK_RULECAT_LOW && severity <= TK_RULECAT_CRITICAL ? sev_ja[severity] : "?";
}

int tk_rulecat_severity_parse(const char *p, size_t len)
{
    for (int s = TK_RULECAT_LOW; s <= TK_RULECAT_CRITICAL; s++)
        if (p != NULL && strlen(sev_names[s]) == len && memcmp(sev_names[s], p, len) == 0)
            return s;
    return 0;
}

const char *tk_rulecat_entity_name(int entity)
{
    switch (entity) {
    case TK_RULECAT_USER:
        return "user";
    case TK_RULECAT_TERMINAL:
        return "terminal";
    case TK_RULECAT_RESIDENT:
        return "resident";
    case TK_RULECAT_SYSTEM:
        return "system";
    default:
        return "?";
    }
}

/* ---- configuration ------------------------------------------------------------ */

struct tk_rulecat_config {
    int enabled[NRULES];
    int severity[NRULES];
    size_t off[NRULES]; /* first value of rule i in values */
    double *values;
    size_t nvalues;
};

int tk_rulecat_config_create(tk_rulecat_config **out, tk_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < NRULES; i++)
        n += rules[i].nparams;
    tk_rulecat_config *c = tk_calloc(1, sizeof *c);
    double *v = tk_calloc(n ? n : 1, sizeof *v);
    if (c == NULL || v == NULL) {
        tk_free(c);
        tk_free(v);
        *out = NULL;
        return tk_error_set(err, TK_ENOMEM, "out of memory creating a rule configuration");
    }
    c->values = v;
    c->nvalues = n;
    size_t k = 0;
    for (size_t i = 0; i < NRULES; i++) {
        c->enabled[i] = rules[i].enabled;
        c->severity[i] = rules[i].severity;
        c->off[i] = k;
        for (size_t j = 0; j < rules[i].nparams; j++)
            v[k++] = rules[i].params[j].def;
    }
    *out = c;
    return TK_OK;
}

void tk_rulecat_config_destroy(tk_rulecat_config *c)
{
    if (c == NULL)
        return;
    tk_free(c->values);
    tk_free(c);
}

int tk_rulecat_config_copy(tk_rulecat_config **out, const tk_rulecat_config *c, tk_error *err)
{
    int rc = tk_rulecat_config_create(out, err);
    if (rc != TK_OK)
        return rc;
    memcpy((*out)->enabled, c->enabled, sizeof c->enabled);
    memcpy((*out)->severity, c->severity, sizeof c->severity);
    if (c->nvalues > 0)
        memcpy((*out)->values, c->values, c->nvalues * sizeof *c->values);
    return TK_OK;
}

int tk_rulecat_config_enabled(const tk_rulecat_config *c, size_t rule)
{
    assert(rule < NRULES);
    return c->enabled[rule];
}

int tk_rulecat_config_severity(const tk_rulecat_config *c, size_t rule)
{
    assert(rule < NRULES);
    return c->severity[rule];
}

double tk_rulecat_config_param(const tk_rulecat_config *c, size_t rule, size_t param)
{
    assert(rule < NRULES && param < rules[rule].nparams);
    return c->values[c->off[rule] + param];
}

static const char *type_name(int type)
{
    return type == TK_RULECAT_INT ? "integer" : type == TK_RULECAT_REAL ? "number" : "boolean";
}

/* "integer 1..1000000 人" -- what a parameter allows, for messages. */
static void allowed_text(const tk_rulecat_param *p, char *buf, size_t cap)
{
    if (p->type == TK_RULECAT_BOOL)
        snprintf(buf, cap, "true or false");
    else if (p->type == TK_RULECAT_INT)
        snprintf(buf, cap, "integer %.0f..%.0f%s%s", p->min, p->max, *p->unit ? " " : "", p->unit);
    else
        snprintf(buf, cap, "number %g..%g%s%s", p->min, p->max, *p->unit ? " " : "", p->unit);
}

/* Checks v against parameter p: type and range. path names it in the
 * message. */
static int check_value(const tk_rulecat_param *p, double v, const char *path, tk_error *err)
{
    char allowed[96];
    allowed_text(p, allowed, sizeof allowed);
    if (!isfinite(v))
        return tk_error_set(err, TK_EINVAL, "%s: not a finite number (allowed: %s)", path, allowed);
    if (p->type == TK_RULECAT_INT && v != floor(v))
        return tk_error_set(err, TK_EINVAL, "%s: %g is not an integer (allowed: %s)", path, v,
                            allowed);
    if (p->type == TK_RULECAT_BOOL && v != 0 && v != 1)
        return tk_error_set(err, TK_EINVAL, "%s: %g is not a boolean (allowed: %s)", path, v,
                            allowed);
    if (v < p->min || v > p->max)
        return tk_error_set(err, TK_EINVAL, "%s: %.15g is out of range (allowed: %s)", path, v,
                            allowed);
    return TK_OK;
}

static size_t find_rule_or_fail(const char *rule_id, tk_error *err)
{
    const size_t i = rule_id ? tk_rulecat_find(rule_id, strlen(rule_id)) : SIZE_MAX;
    if (i == SIZE_MAX)
        tk_error_set(err, TK_EINVAL, "unknown rule \"%s\" (known: R01-R32; see docs/rules.md)",
                     rule_id ? rule_id : "(null)");
    return i;
}

int tk_rulecat_config_set_enabled(tk_rulecat_config *c, const char *rule_id, int enabled,
                                  tk_error *err)
{
    const size_t i = find_rule_or_fail(rule_id, err);
    if (i == SIZE_MAX)
        return TK_EINVAL;
    c->enabled[i] = enabled != 0;
    return TK_OK;
}

int tk_rulecat_config_set_severity(tk_rulecat_config *c, const char *rule_id, int severity,
                                   tk_error *err)
{
    const size_t i = find_rule_or_fail(rule_id, err);
    if (i == SIZE_MAX)
        return TK_EINVAL;
    if (severity < TK_RULECAT_LOW || severity > TK_RULECAT_CRITICAL)
        return tk_error_set(err, TK_EINVAL,
                            "%s: severity %d (allowed: low, medium, high or critical)", rule_id,
                            severity);
    c->severity[i] = severity;
    return TK_OK;
}

static void param_list(size_t rule, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    if (rules[rule].nparams == 0) {
        snprintf(buf, cap, "none");
        return;
    }
    for (size_t k = 0; k < rules[rule].nparams && used < cap; k++) {
        const int n =
            snprintf(buf + used, cap - used, "%s%s", k ? ", " : "", rules[rule].params[k].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

int tk_rulecat_config_set_param(tk_rulecat_config *c, const char *rule_id, const char *param,
                                double value, tk_error *err)
{
    const size_t i = find_rule_or_fail(rule_id, err);
    if (i == SIZE_MAX)
        return TK_EINVAL;
    const size_t k = tk_rulecat_find_param(i, param);
    if (k == SIZE_MAX) {
        char known[256];
        param_list(i, known, sizeof known);
        return tk_error_set(err, TK_EINVAL, "%s: unknown parameter \"%s\" (known: %s)", rule_id,
                            param ? param : "(null)", known);
    }
    char path[128];
    snprintf(path, sizeof path, "%s.%s", rule_id, param);
    const int rc = check_value(&rules[i].params[k], value, path, err);
    if (rc != TK_OK)
        return rc;
    c->values[c->off[i] + k] = value;
    return TK_OK;
}

/* ---- JSON in ------------------------------------------------------------------ */

/* Copies untrusted text for a message: at most cap - 4 bytes (and at most
 * 40 for keys, the callers' buffers), cut at a UTF-8 boundary and marked
 * "..." when cut, control characters and DEL as '?'. */
static void safe_text(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    const size_t lim = cap - 4;
    while (s[n] != '\0' && n < lim) {
        const unsigned char ch = (unsigned char)s[n];
        buf[n++] = (char)(ch < 0x20 || ch == 0x7f ? '?' : ch);
    }
    if (s[n] != '\0') {
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* s[n] continues a character: cut before its start */
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

static const char *json_type_name(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static int apply_params(tk_rulecat_config *c, size_t ri, json_t *obj, const char *base,
                        tk_error *err)
{
    const char *key;
    json_t *v;
    char path[256], sk[48];
    if (!json_is_object(obj))
        return tk_error_set(err, TK_EINVAL, "%s.params: expected an object, got %s", base,
                            json_type_name(obj));
    json_object_foreach(obj, key, v)
    {
        safe_text(key, sk, sizeof sk);
        snprintf(path, sizeof path, "%s.params.%s", base, sk);
        const size_t k = tk_rulecat_find_param(ri, key);
        if (k == SIZE_MAX) {
            char known[256];
            param_list(ri, known, sizeof known);
            return tk_error_set(err, TK_EINVAL, "%s: unknown parameter of %s (known: %s)", path,
                                rules[ri].id, known);
        }
        const tk_rulecat_param *p = &rules[ri].params[k];
        char allowed[96];
        allowed_text(p, allowed, sizeof allowed);
        double d;
        if (p->type == TK_RULECAT_BOOL) {
            if (!json_is_boolean(v))
                return tk_error_set(err, TK_EINVAL, "%s: expected true or false, got %s", path,
                                    json_type_name(v));
            d = json_is_true(v) ? 1 : 0;
        } else if (p->type == TK_RULECAT_INT) {
            if (!json_is_integer(v))
                return tk_error_set(err, TK_EINVAL, "%s: expected an integer, got %s (allowed: %s)",
                                    path, json_type_name(v), allowed);
            const json_int_t iv = json_integer_value(v);
            if (iv < -1000000000000LL || iv > 1000000000000LL)
                return tk_error_set(err, TK_EINVAL, "%s: %lld is out of range (allowed: %s)", path,
                                    (long long)iv, allowed);
            d = (double)iv;
        } else {
            if (!json_is_number(v))
                return tk_error_set(err, TK_EINVAL, "%s: expected a number, got %s (allowed: %s)",
                                    path, json_type_name(v), allowed);
            d = json_number_value(v);
        }
        const int rc = check_value(p, d, path, err);
        if (rc != TK_OK)
            return rc;
        c->values[c->off[ri] + k] = d;
    }
    return TK_OK;
}

static int apply_rule(tk_rulecat_config *c, size_t ri, json_t *obj, const char *base, tk_error *err)
{
    const char *key;
    json_t *v;
    char sk[48];
    if (!json_is_object(obj))
        return tk_error_set(err, TK_EINVAL,
                            "%s: expected an object with enabled, severity or params, got %s", base,
                            json_type_name(obj));
    json_object_foreach(obj, key, v)
    {
        if (strcmp(key, "enabled") == 0) {
            if (!json_is_boolean(v))
                return tk_error_set(err, TK_EINVAL, "%s.enabled: expected true or false, got %s",
                                    base, json_type_name(v));
            c->enabled[ri] = json_is_true(v);
        } else if (strcmp(key, "severity") == 0) {
            const int s = json_is_string(v) ? tk_rulecat_severity_parse(json_string_value(v),
                                                                        json_string_length(v))
                                            : 0;
            if (s == 0) {
                if (json_is_string(v)) {
                    safe_text(json_string_value(v), sk, sizeof sk);
                    return tk_error_set(
                        err, TK_EINVAL,
                        "%s.severity: \"%s\" (allowed: low, medium, high or critical)", base, sk);
                }
                return tk_error_set(err, TK_EINVAL,
                                    "%s.severity: expected a string (allowed: low, medium, high or "
                                    "critical), got %s",
                                    base, json_type_name(v));
            }
            c->severity[ri] = s;
        } else if (strcmp(key, "params") == 0) {
            const int rc = apply_params(c, ri, v, base, err);
            if (rc != TK_OK)
                return rc;
        } else {
            safe_text(key, sk, sizeof sk);
            return tk_error_set(err, TK_EINVAL,
                                "%s.%s: unknown key (allowed: enabled, severity, params)", base,
                                sk);
        }
    }
    return TK_OK;
}

static int apply_doc(tk_rulecat_config *c, json_t *doc, tk_error *err)
{
    const char *key;
    json_t *v;
    char sk[48], path[128];
    if (!json_is_object(doc))
        return tk_error_set(err, TK_EINVAL, "$: expected an object with \"rules\", got %s",
                            json_type_name(doc));
    json_object_foreach(doc, key, v)
    {
        if (strcmp(key, "version") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) != 1)
                return tk_error_set(err, TK_EINVAL, "$.version: expected 1");
        } else if (strcmp(key, "rules") != 0) {
            safe_text(key, sk, sizeof sk);
            return tk_error_set(err, TK_EINVAL, "$.%s: unknown key (allowed: version, rules)", sk);
        }
    }
    json_t *rs = json_object_get(doc, "rules");
    if (rs == NULL)
        return TK_OK;
    if (!json_is_object(rs))
        return tk_error_set(err, TK_EINVAL, "$.rules: expected an object keyed by rule id, got %s",
                            json_type_name(rs));
    json_object_foreach(rs, key, v)
    {
        safe_text(key, sk, sizeof sk);
        const size_t ri = tk_rulecat_find(key, strlen(key));
        if (ri == SIZE_MAX)
            return tk_error_set(err, TK_EINVAL,
                                "$.rules.%s: unknown rule (known: R01-R32; see "
                                "docs/rules.md)",
                                sk);
        snprintf(path, sizeof path, "$.rules.%s", rules[ri].id);
        const int rc = apply_rule(c, ri, v, path, err);
        if (rc != TK_OK)
            return rc;
    }
    return TK_OK;
}

int tk_rulecat_config_parse(tk_rulecat_config **out, const char *json, size_t len, tk_error *err)
{
    tk_rulecat_config *c = NULL;
    json_t *doc = NULL;
    json_error_t jerr;
    int rc;

    *out = NULL;
    doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        char msg[128];
        safe_text(jerr.text, msg, sizeof msg);
        return tk_error_set(err, TK_EPARSE,
                            "rule configuration is not valid JSON: line %d, column %d: %s",
                            jerr.line, jerr.column, msg);
    }
    rc = tk_rulecat_config_create(&c, err);
    if (rc != TK_OK)
        goto done;
    rc = apply_doc(c, doc, err);
    if (rc != TK_OK)
        goto done;
    *out = c;
    c = NULL;
done:
    json_decref(doc);
    tk_rulecat_config_destroy(c);
    return rc;
}

#define MAX_FILE ((size_t)1 << 20)

/* Reads the file at path into *buf (owned: tk_free(); NUL-terminated) and
 * *len, refusing anything over MAX_FILE; messages name the path. */
static int read_doc(const char *path, char **buf, size_t *len, tk_error *err)
{
    int rc = TK_OK;

    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tk_error_set(err, TK_EIO, "%s: cannot open the rule configuration", path);
    char *b = tk_alloc(MAX_FILE + 1);
    if (b == NULL) {
        fclose(f);
        return tk_error_set(err, TK_ENOMEM, "out of memory reading %s", path);
    }
    const size_t n = fread(b, 1, MAX_FILE + 1, f);
    if (ferror(f))
        rc = tk_error_set(err, TK_EIO, "%s: read error", path);
    else if (n > MAX_FILE)
        rc = tk_error_set(err, TK_EINVAL, "%s: larger than 1 MiB", path);
    fclose(f);
    if (rc != TK_OK) {
        tk_free(b);
        return rc;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return TK_OK;
}

int tk_rulecat_config_load(tk_rulecat_config **out, const char *path, tk_error *err)
{
    char *buf = NULL;
    size_t n = 0;

    *out = NULL;
    int rc = read_doc(path, &buf, &n, err);
    if (rc == TK_OK) {
        rc = tk_rulecat_config_parse(out, buf, n, err);
        if (rc != TK_OK)
            tk_error_prefix(err, "%s", path);
    }
    tk_free(buf);
    return rc;
}

/* ---- JSON out ----------------------------------------------------------------- */

static json_t *param_value_json(const tk_rulecat_param *p, double v)
{
    if (p->type == TK_RULECAT_BOOL)
        return json_boolean(v != 0);
    if (p->type == TK_RULECAT_INT)
        return json_integer((json_int_t)v);
    return json_real(v);
}

/* Adds v to obj under key, taking v (json_object_set_new takes it even on
 * failure); returns 0 on failure. */
static int put(json_t *obj, const char *key, json_t *v)
{
    return v != NULL && json_object_set_new(obj, key, v) == 0;
}

static int dump(json_t *doc, char **out, tk_error *err)
{
    *out = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12))
               : NULL;
    json_decref(doc);
    if (*out == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory writing the rule catalogue as JSON");
    return TK_OK;
}

int tk_rulecat_config_json(const tk_rulecat_config *c, char **out, tk_error *err)
{
    json_t *doc = json_object(), *rs = json_object();
    int ok = doc != NULL && rs != NULL && put(doc, "version", json_integer(1));
    if (ok) {
        ok = put(doc, "rules", rs);
        rs = NULL;
    }
    json_t *rules_obj = ok ? json_object_get(doc, "rules") : NULL;
    for (size_t i = 0; ok && i < NRULES; i++) {
        json_t *r = json_object();
        ok = r != NULL && put(r, "enabled", json_boolean(c->enabled[i])) &&
             put(r, "severity", json_string(sev_names[c->severity[i]]));
        if (ok && rules[i].nparams > 0) {
            json_t *ps = json_object();
            ok = put(r, "params", ps);
            for (size_t k = 0; ok && k < rules[i].nparams; k++)
                ok = put(ps, rules[i].params[k].name,
                         param_value_json(&rules[i].params[k], c->values[c->off[i] + k]));
        }
        ok = ok ? put(rules_obj, rules[i].id, r) : (json_decref(r), 0);
    }
    json_decref(rs);
    if (!ok) {
        json_decref(doc);
        doc = NULL;
    }
    return dump(doc, out, err);
}

static json_t *needs_json(const char *needs)
{
    json_t *a = json_array();
    const char *p = needs;
    while (a != NULL && *p) {
        const char *e = strchr(p, ',');
        const size_t n = e ? (size_t)(e - p) : strlen(p);
        if (json_array_append_new(a, json_stringn(p, n)) != 0) {
            json_decref(a);
            return NULL;
        }
        p += n + (e != NULL);
    }
    return a;
}

int tk_rulecat_export_json(const tk_rulecat_config *cfg, char **out, tk_error *err)
{
    tk_rulecat_config *def = NULL;
    if (cfg == NULL) {
        const int rc = tk_rulecat_config_create(&def, err);
        if (rc != TK_OK) {
            *out = NULL;
            return rc;
        }
        cfg = def;
    }
    json_t *doc = json_object(), *arr = json_array();
    int ok = doc != NULL && arr != NULL && json_object_set(doc, "rules", arr) == 0;
    for (size_t i = 0; ok && i < NRULES; i++) {
        const tk_rulecat_rule *r = &rules[i];
        json_t *o = json_object();
        ok = o != NULL && json_array_append_new(arr, o) == 0 && put(o, "id", json_string(r->id)) &&
             put(o, "item", json_integer(r->item)) && put(o, "name_ja", json_string(r->name_ja)) &&
             put(o, "name_en", json_string(r->name_en)) &&
             put(o, "description", json_string(r->desc_ja)) &&
             put(o, "severity", json_string(sev_names[cfg->severity[i]])) &&
             put(o, "default_severity", json_string(sev_names[r->severity])) &&
             put(o, "entity", json_string(tk_rulecat_entity_name(r->entity))) &&
             put(o, "enabled", json_boolean(cfg->enabled[i])) &&
             put(o, "needs", needs_json(r->needs)) &&
             put(o, "legitimised_by", json_string(r->legit_ja));
        json_t *ps = ok ? json_array() : NULL;
        ok = ok && put(o, "params", ps);
        for (size_t k = 0; ok && k < r->nparams; k++) {
            const tk_rulecat_param *p = &r->params[k];
            json_t *po = json_object();
            ok = po != NULL && json_array_append_new(ps, po) == 0 &&
                 put(po, "name", json_string(p->name)) &&
                 put(po, "type", json_string(type_name(p->type))) &&
                 put(po, "default", param_value_json(p, p->def)) &&
                 put(po, "value", param_value_json(p, cfg->values[cfg->off[i] + k])) &&
                 put(po, "min", param_value_json(p, p->min)) &&
                 put(po, "max", param_value_json(p, p->max)) &&
                 put(po, "unit", json_string(p->unit)) &&
                 put(po, "description", json_string(p->desc_ja));
        }
    }
    json_decref(arr);
    if (!ok) {
        json_decref(doc);
        doc = NULL;
    }
    tk_rulecat_config_destroy(def);
    return dump(doc, out, err);
}

void tk_rulecat_config_summary(const tk_rulecat_config *c, size_t *disabled, size_t *changed)
{
    size_t d = 0, ch = 0;
    for (size_t i = 0; i < NRULES; i++) {
        if (rules[i].enabled && !c->enabled[i]) {
            d++;
            continue;
        }
        int diff = c->enabled[i] != rules[i].enabled || c->severity[i] != rules[i].severity;
        for (size_t k = 0; !diff && k < rules[i].nparams; k++)
            diff = c->values[c->off[i] + k] != rules[i].params[k].def;
        ch += diff != 0;
    }
    *disabled = d;
    *changed = ch;
}

/* ---- the configuration stored per tenant ---------------------------------------- */

/* The document of a reset: every rule at its default. */
static const char defaults_doc[] = "{\"version\": 1}";

int tk_rulecat_migrate(tk_db *db, tk_error *err)
{
    return tk_db_exec(db,
                      "CREATE TABLE IF NOT EXISTS rule_configs("
                      " id INTEGER PRIMARY KEY,"
                      " created_at INTEGER NOT NULL," /* Unix ms */
                      " created_by TEXT,"
                      " kind TEXT NOT NULL CHECK(kind IN ('set', 'reset')),"
                      " source TEXT," /* the file's base name */
                      " config TEXT NOT NULL)",
                      err);
}

/* Binds s (NUL-terminated, borrowed) or NULL when s is NULL or empty. */
static int bind_opt(sqlite3_stmt *st, int idx, const char *s)
{
    return s != NULL && *s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC)
                           : sqlite3_bind_null(st, idx);
}

/* Appends a version; doc[0..len) has been validated. */
static int insert_version(tk_db *db, const char *kind, const char *source, const char *by,
                          const char *doc, size_t len, int64_t unix_ms, int64_t *id, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc = tk_db_prepare(db, &st,
                           "INSERT INTO rule_configs(created_at, created_by, kind, source, config)"
                           " VALUES(?1, ?2, ?3, ?4, ?5)",
                           err);
    if (rc != TK_OK)
        goto done;
    if (sqlite3_bind_int64(st, 1, unix_ms) != SQLITE_OK || bind_opt(st, 2, by) != SQLITE_OK ||
        sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC) != SQLITE_OK ||
        bind_opt(st, 4, source) != SQLITE_OK) {
        rc = tk_db_error(db, err, "storing a rule configuration");
        goto done;
    }
    rc = tk_db_bind_text(db, st, 5, doc, len, err);
    if (rc != TK_OK)
        goto done;
    rc = tk_db_step(db, st, err);
    if (rc < 0)
        goto done;
    if (id != NULL)
        *id = sqlite3_last_insert_rowid(tk_db_handle(db));
    rc = TK_OK;
done:
    sqlite3_finalize(st);
    return rc;
}

int tk_rulecat_save(tk_db *db, const char *json, size_t len, const char *source, const char *by,
                    int64_t unix_ms, int64_t *id, tk_error *err)
{
    tk_rulecat_config *c = NULL;
    int rc = tk_rulecat_config_parse(&c, json, len, err);
    tk_rulecat_config_destroy(c);
    if (rc == TK_OK)
        rc = insert_version(db, "set", source, by, json, len, unix_ms, id, err);
    return rc;
}

int tk_rulecat_save_file(tk_db *db, const char *path, const char *by, int64_t unix_ms, int64_t *id,
                         tk_error *err)
{
    char *buf = NULL;
    size_t n = 0;
    tk_rulecat_config *c = NULL;

    int rc = read_doc(path, &buf, &n, err);
    if (rc == TK_OK) {
        rc = tk_rulecat_config_parse(&c, buf, n, err);
        if (rc != TK_OK)
            tk_error_prefix(err, "%s", path);
    }
    if (rc == TK_OK) {
        const char *slash = strrchr(path, '/');
        rc = insert_version(db, "set", slash ? slash + 1 : path, by, buf, n, unix_ms, id, err);
    }
    tk_rulecat_config_destroy(c);
    tk_free(buf);
    return rc;
}

int tk_rulecat_reset(tk_db *db, const char *by, int64_t unix_ms, int64_t *id, tk_error *err)
{
    return insert_version(db, "reset", NULL, by, defaults_doc, sizeof defaults_doc - 1, unix_ms, id,
                          err);
}

/* Whether rule_configs exists: readers work on stores (possibly opened
 * read-only) that never had a configuration stored. */
static int table_exists(tk_db *db, int *exists, tk_error *err)
{
    int64_t n = 0;
    const int rc = tk_db_query_i64(
        db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'rule_configs'", &n,
        err);
    *exists = rc == TK_OK && n > 0;
    return rc;
}

/* Parses the stored document of version id (column text of st). */
static int parse_stored(sqlite3_stmt *st, int col, int64_t id, tk_rulecat_config **out,
                        tk_error *err)
{
    const char *doc = (const char *)sqlite3_column_text(st, col);
    const int n = sqlite3_column_bytes(st, col);
    const int rc = tk_rulecat_config_parse(out, doc ? doc : "", doc ? (size_t)n : 0, err);
    if (rc != TK_OK && rc != TK_ENOMEM)
        tk_error_prefix(err,
                        "stored rule configuration #%lld (replace it: tenken rules set or reset)",
                        (long long)id);
    return rc;
}

int tk_rulecat_in_force(tk_db *db, tk_rulecat_config **out, int64_t *version, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int exists = 0;

    *out = NULL;
    if (version != NULL)
        *version = 0;
    int rc = table_exists(db, &exists, err);
    if (rc == TK_OK && exists)
        rc = tk_db_prepare(db, &st, "SELECT id, config FROM rule_configs ORDER BY id DESC LIMIT 1",
                           err);
    if (rc == TK_OK && exists)
        rc = tk_db_step(db, st, err);
    if (rc == 1) {
        const int64_t id = sqlite3_column_int64(st, 0);
        rc = parse_stored(st, 1, id, out, err);
        if (rc == TK_OK && version != NULL)
            *version = id;
    } else if (rc == TK_OK) {
        rc = tk_rulecat_config_create(out, err); /* nothing stored: the defaults */
    }
    sqlite3_finalize(st);
    return rc;
}

int tk_rulecat_list_versions(tk_db *db, tk_rulecat_version_fn fn, void *ctx, tk_error *err)
{
    sqlite3_stmt *st = NULL;
    int exists = 0, first = 1;

    int rc = table_exists(db, &exists, err);
    if (rc != TK_OK || !exists)
        return rc;
    rc = tk_db_prepare(db, &st,
                       "SELECT id, created_at, created_by, kind, source, config FROM rule_configs"
                       " ORDER BY id DESC",
                       err);
    while (rc == TK_OK && (rc = tk_db_step(db, st, err)) == 1) {
        tk_rulecat_version v = {0};
        tk_rulecat_config *c = NULL;
        tk_error perr = {0, ""};
        v.id = sqlite3_column_int64(st, 0);
        v.created_at = sqlite3_column_int64(st, 1);
        v.created_by = (const char *)sqlite3_column_text(st, 2);
        const char *kind = (const char *)sqlite3_column_text(st, 3);
        v.reset = kind != NULL && strcmp(kind, "reset") == 0;
        v.source = (const char *)sqlite3_column_text(st, 4);
        v.in_force = first;
        first = 0;
        rc = parse_stored(st, 5, v.id, &c, &perr);
        if (rc == TK_ENOMEM) {
            if (err != NULL)
                *err = perr;
            break;
        }
        v.config = (const char *)sqlite3_column_text(st, 5);
        if (rc == TK_OK)
            tk_rulecat_config_summary(c, &v.disabled, &v.changed);
        else
            v.problem = perr.msg;
        tk_rulecat_config_destroy(c);
        rc = fn(ctx, &v);
    }
    sqlite3_finalize(st);
    return rc;
}
