/* sim/city.c -- the city model: its tables, its calendar and the people, places and machines in it.
 *
 * Approach. A city is built once, before any day is simulated, from the
 * city stream of the random generator (sim/rng.h). The tables here are the
 * municipality every city shares: 20 business systems with their functions
 * (画面 / 機能 with an operation, a category and a weight), 13 departments
 * (所属) with sections (係) that each lean on a few systems, the
 * authorizations of each 所属, common names, 町丁, approved and private
 * removable media. From them and the options the builder draws residents
 * grouped into households (ages, 町丁, which systems know them),
 * corporations for 法人住民税, the watch list, staff with personal habits
 * (arrival and leaving time with their own spread, a lunch hour, a daily
 * volume, early birds and late stayers), terminals per department with IP
 * addresses, approved USB media, and the special staff cases the incidents
 * and hard negatives use (transfers, hires, a retirement, leave, the
 * election 兼務).
 *
 * The calendar: national holidays come from src/calendar (祝日法 with its
 * amendments, 振替休日 and 国民の休日, the equinox formulas), so the city
 * and the analysis agree on every holiday; municipal closed days add
 * 12/29-1/3, and one Sunday in the inspection period is a 休日開庁 day.
 * Key dates (the inspection period is the last two calendar months, the
 * election on its fourth Sunday) follow from the period.
 *
 * The model's arrays grow by doubling through tk_city_push_*; a failed
 * growth hands out a scratch element and sets a sticky g->oom, which each
 * phase checks once, so hundreds of call sites carry no error plumbing. */
#include "sim/city.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/alloc.h"
#include "src/calendar.h"
#include "src/checked.h"

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
#define SYS(code, name, gyomu, layout, pool, fn)                                                   \
    {                                                                                              \
        code, name, gyomu, layout, pool, fn, sizeof fn / sizeof fn[0]                              \
    }
const sysdef tk_city_systems[SYS_COUNT] = {
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
const deptdef tk_city_depts[D_COUNT] = {
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
const sectdef *tk_city_sect_def(size_t dept, size_t k)
{
    for (size_t i = 0; i < sizeof sects / sizeof sects[0]; i++)
        if (sects[i].dept == dept && k-- == 0)
            return &sects[i];
    return &sects[0];
}

const authdef tk_city_auths[] = {
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

const size_t tk_city_nauths = sizeof tk_city_auths / sizeof tk_city_auths[0];

const authdef *tk_city_auth_of(size_t dept, size_t sys)
{
    for (size_t i = 0; i < sizeof tk_city_auths / sizeof tk_city_auths[0]; i++)
        if (tk_city_auths[i].dept == dept && tk_city_auths[i].sys == sys)
            return &tk_city_auths[i];
    return NULL;
}
const namedef tk_city_surnames[] = {
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
const namedef tk_city_given_m[] = {
    {"翔太", "ショウタ"}, {"大輔", "ダイスケ"}, {"健太", "ケンタ"}, {"拓也", "タクヤ"},
    {"誠", "マコト"},     {"浩二", "コウジ"},   {"隆", "タカシ"},   {"博", "ヒロシ"},
    {"清", "キヨシ"},     {"茂", "シゲル"},     {"和夫", "カズオ"}, {"正男", "マサオ"},
    {"蓮", "レン"},       {"悠真", "ユウマ"},   {"大翔", "ヒロト"}, {"陽翔", "ハルト"},
    {"湊", "ミナト"},     {"健一", "ケンイチ"}, {"直樹", "ナオキ"}, {"亮", "リョウ"},
    {"修", "オサム"},     {"勝", "マサル"},     {"進", "ススム"},   {"稔", "ミノル"},
    {"悟", "サトル"},     {"一郎", "イチロウ"}, {"剛", "ツヨシ"},   {"智也", "トモヤ"},
};
const namedef tk_city_given_f[] = {
    {"陽子", "ヨウコ"}, {"恵子", "ケイコ"}, {"幸子", "サチコ"},   {"裕子", "ユウコ"},
    {"美穂", "ミホ"},   {"直美", "ナオミ"}, {"由美", "ユミ"},     {"愛", "アイ"},
    {"彩", "アヤ"},     {"美咲", "ミサキ"}, {"結衣", "ユイ"},     {"陽菜", "ヒナ"},
    {"凛", "リン"},     {"葵", "アオイ"},   {"真由美", "マユミ"}, {"久美子", "クミコ"},
    {"和子", "カズコ"}, {"節子", "セツコ"}, {"花子", "ハナコ"},   {"明美", "アケミ"},
    {"智子", "トモコ"}, {"芽依", "メイ"},   {"紬", "ツムギ"},     {"澄子", "スミコ"},
};
#define NSUR (sizeof tk_city_surnames / sizeof tk_city_surnames[0])
#define NGM  (sizeof tk_city_given_m / sizeof tk_city_given_m[0])
#define NGF  (sizeof tk_city_given_f / sizeof tk_city_given_f[0])

static const char *const block_base[] = {
    "本町", "栄町", "旭町", "緑町", "桜台", "中央",   "東町", "西町",     "南町",     "北町",
    "城山", "若葉", "駅前", "新町", "川端", "青葉台", "宮下", "大字上野", "大字下野", "大字向原",
};
static const char *const chome[] = {"", "一丁目", "二丁目", "三丁目"};
#define NBLOCK_BASE (sizeof block_base / sizeof block_base[0])

/* 備考 texts: commas, quotes, line breaks and NEC special characters (①) on purpose. */
const char *const tk_city_notes[] = {
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
const devdef tk_city_devdefs[] = {
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

/* Files approved media carry in the baseline (by 所属); %s is replaced by yyyymm. */
const char *tk_city_media_file(size_t dept)
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
/* push_<x>(g): a zeroed new element at the end of the array, or (after an allocation failure)
 * a scratch element and g->oom set; callers check g->oom once per phase. */
#define DEFINE_PUSH(fname, type, arr, n, cap)                                                      \
    type *fname(tk_city *g)                                                                        \
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
DEFINE_PUSH(tk_city_push_res, resident, res, nres, capres)
DEFINE_PUSH(tk_city_push_hh, household, hh, nhh, caphh)
DEFINE_PUSH(tk_city_push_staff, staff, st, nst, capst)
DEFINE_PUSH(tk_city_push_term, terminal, tm, ntm, captm)
DEFINE_PUSH(tk_city_push_ev, bev, ev, nev, capev)
DEFINE_PUSH(tk_city_push_tv, tev, tv, ntv, captv)
DEFINE_PUSH(tk_city_push_mv, mev, mv, nmv, capmv)
DEFINE_PUSH(tk_city_push_ot, otrow, ot, not_, capot)
DEFINE_PUSH(tk_city_push_asg, asgrow, asg, nasg, capasg)
DEFINE_PUSH(tk_city_push_wl, watchrow, wl, nwl, capwl)
DEFINE_PUSH(tk_city_push_tr, truthrow, tr, ntr, captr)
DEFINE_PUSH(tk_city_push_mf, mfrow, mf, nmf, capmf)
#undef DEFINE_PUSH

void tk_city_dispose(tk_city *g)
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
/* --- Calendar set-up ------------------------------------------------------------------------ */

/* calendar.csv names a holiday as the Cabinet Office's list (syukujitsu.csv) does, which
 * calls a 振替休日 just 休日. */
static const char *holiday_name(const char *name)
{
    return strcmp(name, "振替休日") == 0 ? "休日" : name;
}

/* The days of the period: national holidays from src/calendar (祝日法 with 振替休日 and
 * 国民の休日), weekends and 年末年始 12/29-1/3. 休日開庁 is added by plan_dates(). */
static int calendar_init(tk_city *g)
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
        tk_calendar_holiday_entry h[TK_CALENDAR_YEAR_MAX];
        const size_t n = tk_calendar_year_holidays(y, h, TK_CALENDAR_YEAR_MAX);
        for (size_t i = 0; i < n && i < TK_CALENDAR_YEAR_MAX; i++) {
            const int32_t day = day_of(y, h[i].month, h[i].day);
            if (in_period(g, day)) {
                g->dflag[day - g->from] |= DF_HOLIDAY | DF_CLOSED;
                g->dname[day - g->from] = holiday_name(h[i].name);
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
static void plan_dates(tk_city *g)
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
    } /* variant B: 期日前投票 in the two weeks before election day; the 市民課 Sunday counter on
       * the second and fourth Sunday of every month that is not a holiday, election day or the
       * 休日開庁 Sunday. Neither changes the day's flags: the city-wide calendar still has the day
       * closed, only the calendar export opens it for one 所属. */
    g->ev_from = 1;
    g->ev_to = 0;
    g->ncounter = 0;
    if (g->variant != TK_GENCITY_VARIANT_B)
        return;
    g->ev_from = g->elect_day - 14 < g->from ? g->from : g->elect_day - 14;
    g->ev_to = g->elect_day - 1;
    for (int32_t x = g->from; x <= g->to && g->ncounter < 80; x++) {
        ymd_of(x, &y, &m, &d);
        const int nth = (d - 1) / 7 + 1;
        if (wday_of(x) == 0 && (nth == 2 || nth == 4) && x != g->elect_day && x != g->open_sunday &&
            !(dflag(g, x) & (DF_HOLIDAY | DF_NENMATSU)))
            g->counter_day[g->ncounter++] = x;
    }
}

/* --- Residents ------------------------------------------------------------------------------ */

static size_t nblocks(void)
{
    return 17 * 3 + 3; /* bases 0..16 have 一〜三丁目, the three 大字 have none */
}

void tk_city_block_name(size_t b, char *out, size_t cap)
{
    if (b < 17 * 3)
        snprintf(out, cap, "%s%s", block_base[b / 3], chome[b % 3 + 1]);
    else
        snprintf(out, cap, "%s", block_base[17 + (b - 17 * 3)]);
}

static void pool_add(tk_city *g, size_t p, uint32_t idx)
{
    g->res[idx].pools |= 1u << p;
}

/* Adds one person; returns its index. */
static uint32_t add_person(tk_city *g, uint64_t *next_id, uint32_t hh, int age, int sex, size_t sur)
{
    tk_rng *r = &g->rc;
    resident *p = tk_city_push_res(g);
    int y, m, d;
    ymd_of(g->to, &y, &m, &d);
    *next_id += 1 + tk_rng_below(r, 37);
    p->id = *next_id;
    p->hh = hh;
    p->sur = (uint16_t)sur;
    p->sex = (uint8_t)sex;
    p->given = (uint16_t)(sex ? tk_rng_skewed(r, NGF) : tk_rng_skewed(r, NGM));
    p->byear = (int16_t)(y - age);
    p->bmon = (uint8_t)tk_rng_range(r, 1, 12);
    p->bday = (uint8_t)tk_rng_range(r, 1, 28);
    return (uint32_t)(g->nres - 1);
}

static void assign_pools(tk_city *g, uint32_t first, uint32_t n, int kokuho, int seiho, int jifu)
{
    tk_rng *r = &g->rc;
    int has_child = 0;
    for (uint32_t i = first; i < first + n; i++)
        has_child |= age_of(g, &g->res[i]) < 18;
    for (uint32_t i = first; i < first + n; i++) {
        const int a = age_of(g, &g->res[i]);
        pool_add(g, P_ALL, i);
        if (a >= 18)
            pool_add(g, P_VOTER, i);
        if (i == first && a >= 30 && tk_rng_pm(r, 450))
            pool_add(g, P_LAND, i);
        if (a >= 20 && tk_rng_pm(r, a >= 65 ? 500 : 720))
            pool_add(g, P_INCOME, i);
        if (a >= 20 && a < 85 && tk_rng_pm(r, 260))
            pool_add(g, P_CAR, i);
        if (a >= 6 && a <= 15)
            pool_add(g, P_SCHOOL, i);
        if (a >= 20 && a <= 59 && tk_rng_pm(r, 300))
            pool_add(g, P_NENKIN, i);
        if (kokuho && a < 75)
            pool_add(g, P_KOKUHO, i);
        if (a >= 75)
            pool_add(g, P_KOKI, i);
        if (a >= 65 && tk_rng_pm(r, a >= 80 ? 600 : 250))
            pool_add(g, P_KAIGO, i);
        if (tk_rng_pm(r, 50))
            pool_add(g, P_SHOGAI, i);
        if (seiho)
            pool_add(g, P_SEIHO, i);
        if (i == first && has_child)
            pool_add(g, P_JIDO, i);
        if (i == first && has_child && jifu)
            pool_add(g, P_JIFU, i);
        if (a < 6)
            pool_add(g, P_PRESCHOOL, i);
        if (tk_rng_pm(r, 750))
            pool_add(g, P_KOSEKI, i);
        if (a >= 15 && tk_rng_pm(r, 520))
            pool_add(g, P_INKAN, i);
    }
}

/* One household of a drawn type: single, couple, family with children, three generations. */
static void add_household(tk_city *g, uint64_t *next_id)
{
    tk_rng *r = &g->rc;
    static const unsigned type_w[] = {38, 25, 30, 7};
    const size_t type = tk_rng_weighted(r, type_w, 4);
    household *h = tk_city_push_hh(g);
    const uint32_t hidx = (uint32_t)(g->nhh - 1);
    h->no = 2000000000ULL + (uint64_t)hidx * 3 + tk_rng_below(r, 3);
    h->block = (uint16_t)tk_rng_index(r, nblocks());
    h->first = (uint32_t)g->nres;
    const size_t sur = tk_rng_skewed(r, NSUR);
    int ages[8], sexes[8];
    size_t n = 0;
    int single_parent = 0;
    switch (type) {
    case 0: {
        static const unsigned band_w[] = {40, 30, 30};
        const size_t band = tk_rng_weighted(r, band_w, 3);
        ages[n] = band == 0   ? tk_rng_range(r, 19, 39)
                  : band == 1 ? tk_rng_range(r, 40, 64)
                              : tk_rng_range(r, 65, 97);
        sexes[n++] = (int)tk_rng_below(r, 2);
        break;
    }
    case 1:
        ages[n] = tk_rng_range(r, 25, 90);
        sexes[n++] = 0;
        ages[n] = ages[0] + tk_rng_range(r, -6, 3);
        sexes[n++] = 1;
        break;
    case 2: {
        const int pa = tk_rng_range(r, 27, 55);
        single_parent = tk_rng_pm(r, 120);
        ages[n] = pa;
        sexes[n++] = single_parent ? 1 : 0;
        if (!single_parent) {
            ages[n] = pa + tk_rng_range(r, -5, 2);
            sexes[n++] = 1;
        }
        const int kids = tk_rng_range(r, 1, 3);
        for (int k = 0; k < kids; k++) {
            int ka = pa - tk_rng_range(r, 22, 40);
            ages[n] = ka < 0 ? tk_rng_range(r, 0, 5) : ka;
            sexes[n++] = (int)tk_rng_below(r, 2);
        }
        break;
    }
    default: {
        const int ga = tk_rng_range(r, 68, 95);
        ages[n] = ga - tk_rng_range(r, 25, 32);
        sexes[n++] = 0;
        ages[n] = ages[0] + tk_rng_range(r, -4, 2);
        sexes[n++] = 1;
        ages[n] = ga;
        sexes[n++] = 1;
        const int kids = tk_rng_range(r, 0, 2);
        for (int k = 0; k < kids; k++) {
            ages[n] = tk_rng_range(r, 0, 20);
            sexes[n++] = (int)tk_rng_below(r, 2);
        }
        break;
    }
    }
    for (size_t i = 0; i < n; i++)
        add_person(g, next_id, hidx, ages[i] < 0 ? 0 : ages[i], sexes[i], sur);
    h = &g->hh[hidx];
    h->n = (uint32_t)(g->nres - h->first);
    const int kokuho = tk_rng_pm(r, 240), seiho = tk_rng_pm(r, 16);
    assign_pools(g, h->first, h->n, kokuho, seiho, single_parent);
}

static int build_pools(tk_city *g)
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

static int gen_residents(tk_city *g)
{
    uint64_t next_id = 100000 + tk_rng_below(&g->rc, 5000);
    while (g->npeople < g->want_res && !g->oom) {
        const size_t before = g->nres;
        add_household(g, &next_id);
        g->npeople += g->nres - before;
        if (tk_rng_pm(&g->rc, 70)) { /* a corporation (法人) between households */
            resident *c = tk_city_push_res(g);
            next_id += 1 + tk_rng_below(&g->rc, 37);
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
static void gen_watchlist(tk_city *g)
{
    tk_rng *r = &g->rc;
    const size_t nfamous = 3 + g->npeople / 10000;
    for (size_t k = 0; k < nfamous; k++) {
        for (int tries = 0; tries < 100; tries++) {
            const uint32_t i = g->pool[P_VOTER][tk_rng_index(r, g->npool[P_VOTER])];
            if (g->res[i].flags || age_of(g, &g->res[i]) < 30)
                continue;
            g->res[i].flags |= R_WATCH;
            watchrow *w = tk_city_push_wl(g);
            w->res = i;
            w->from = DAY_NONE;
            w->to = DAY_NONE;
            break;
        }
    }
    const size_t ndv = 2 + g->npeople / 4000;
    for (size_t k = 0; k < ndv; k++) {
        for (int tries = 0; tries < 200; tries++) {
            const size_t h = tk_rng_index(r, g->nhh);
            const household *hh = &g->hh[h];
            const resident *head = &g->res[hh->first];
            if (hh->used || head->flags || !head->sex || age_of(g, head) > 50 ||
                age_of(g, head) < 22)
                continue;
            const int32_t start = g->from - tk_rng_range(r, 30, 300);
            for (uint32_t i = hh->first; i < hh->first + hh->n; i++) {
                g->res[i].flags |= R_DV;
                int32_t f = start;
                do { /* 支援措置 runs one year at a time and is renewed */
                    watchrow *w = tk_city_push_wl(g);
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

static uint32_t new_staff_id(tk_city *g)
{
    for (;;) {
        const uint32_t id = 100000 + tk_rng_below(&g->rc, 900000);
        int taken = 0;
        for (size_t i = 0; i < g->nst && !taken; i++)
            taken = g->st[i].id == id;
        if (!taken)
            return id;
    }
}

/* Variant B's proportions: a larger 市民課 and 保険年金課, more case workers (福祉課, 長寿介護課),
 * a smaller 税務課 and 子育て支援課, and other daily volumes per clerk. The systems and
 * authorizations are the same, so every incident kind still has its staff. */
static const unsigned short share_b[D_COUNT] = {200, 105, 140, 100, 125, 55, 45,
                                                30,  30,  35,  55,  30,  50};
static const unsigned char vol_b[D_COUNT] = {38, 18, 32, 26, 15, 17, 24, 9, 12, 0, 0, 0, 0};

unsigned tk_city_dept_share(const tk_city *g, size_t dept)
{
    return g->variant == TK_GENCITY_VARIANT_B ? share_b[dept] : tk_city_depts[dept].share;
}

unsigned tk_city_dept_vol(const tk_city *g, size_t dept)
{
    return g->variant == TK_GENCITY_VARIANT_B ? vol_b[dept] : tk_city_depts[dept].vol;
}

/* Variant B's city keeps 戸籍附票 inside its 戸籍 package and has 法人住民税 in a system that
 * writes no access log, so neither has a log, a profile or an authorization there. Both are
 * side systems of their sections, never a section's main one. */
int tk_city_has_system(const tk_city *g, size_t sys)
{
    return g->variant != TK_GENCITY_VARIANT_B || (sys != SYS_FUHYO && sys != SYS_HOJIN);
}

int tk_city_is_counter_day(const tk_city *g, int32_t day)
{
    for (size_t k = 0; k < g->ncounter; k++)
        if (g->counter_day[k] == day)
            return 1;
    return 0;
}

static void staff_counts(const tk_city *g, size_t n, size_t *count)
{
    unsigned total = 0;
    size_t sum = 0;
    for (size_t d = 0; d < D_COUNT; d++)
        total += tk_city_dept_share(g, d);
    for (size_t d = 0; d < D_COUNT; d++) {
        const size_t min = dept_has_systems(d) ? 2 : 1;
        count[d] = tk_city_dept_share(g, d) * n / total;
        if (count[d] < min)
            count[d] = min;
        sum += count[d];
    }
    while (sum < n) { /* largest shortfall first */
        size_t best = 0;
        long best_gap = -1000000;
        for (size_t d = 0; d < D_COUNT; d++) {
            const long gap = (long)(tk_city_dept_share(g, d) * n) - (long)(count[d] * total);
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
static void staff_home(tk_city *g, staff *s)
{
    tk_rng *r = &g->rc;
    for (int tries = 0; tries < 60; tries++) {
        const uint32_t i = g->pool[P_VOTER][tk_rng_index(r, g->npool[P_VOTER])];
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

static void staff_habits(tk_city *g, staff *s)
{
    tk_rng *r = &g->rc;
    const deptdef *d = &tk_city_depts[s->dept];
    if (tk_rng_pm(r, 70))
        s->start = (int16_t)tk_rng_range(r, 7 * 60 + 50, 8 * 60 + 15); /* early bird */
    else
        s->start = (int16_t)(HOURS_FROM + tk_rng_range(r, 0, 10));
    s->lunch = 12 * 60;
    if (d->window && tk_rng_pm(r, 300))
        s->lunch = (int16_t)(tk_rng_pm(r, 500) ? 11 * 60 + 30 : 13 * 60);
    s->lunch_logoff = (uint8_t)tk_rng_pm(r, 200);
    s->late_pm = (uint16_t)(60 + tk_rng_range(r, 0, 90));
    if (s->role == ROLE_CHIEF)
        s->late_pm = (uint16_t)(s->late_pm + 150);
    if (s->role == ROLE_MANAGER)
        s->late_pm = (uint16_t)(s->late_pm + 220);
    unsigned vol = tk_city_dept_vol(g, s->dept);
    vol = vol * (s->role == ROLE_CLERK ? 100u : s->role == ROLE_CHIEF ? 55u : 12u) / 100u;
    vol = vol * (unsigned)tk_rng_range(r, 65, 140) / 100u;
    if (dept_has_systems(s->dept) && vol == 0)
        vol = 1;
    s->vol = (uint8_t)(vol > 250 ? 250 : vol);
    /* variant B: one clerk in ten never stays late (the incidents look for one) */
    if (g->variant == TK_GENCITY_VARIANT_B && s->role == ROLE_CLERK && s->start >= HOURS_FROM &&
        tk_rng_pm(r, 100))
        s->late_pm = 0;
}

static int gen_staff(tk_city *g)
{
    tk_rng *r = &g->rc;
    size_t count[D_COUNT];
    int y, m, dd;
    ymd_of(g->from, &y, &m, &dd);
    staff_counts(g, g->want_staff, count);
    for (size_t d = 0; d < D_COUNT; d++) {
        const size_t ns = nsect(d);
        for (size_t k = 0; k < count[d]; k++) {
            staff *s = tk_city_push_staff(g);
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
            s->sex = (uint8_t)tk_rng_below(r, 2);
            s->sur = (uint16_t)tk_rng_skewed(r, NSUR);
            s->given = (uint16_t)(s->sex ? tk_rng_skewed(r, NGF) : tk_rng_skewed(r, NGM));
            if (tk_rng_pm(r, 650))
                staff_home(g, s);
            s->hired = day_of(y - tk_rng_range(r, 1, 36), 4, 1);
            if (s->hired > g->from)
                s->hired = day_of(y - 1, 4, 1);
            staff_habits(g, s);
            if (s->role == ROLE_CLERK && tk_rng_pm(r, 50) && g->apr1 <= g->to)
                s->hired = g->apr1; /* April hire */
            else if (s->role != ROLE_MANAGER && tk_rng_pm(r, 120) && s->hired < g->apr1) {
                size_t pd;
                do
                    pd = tk_rng_index(r, D_COUNT);
                while (pd == d);
                s->prev_dept = (uint8_t)pd;
                s->prev_sect = (uint8_t)tk_rng_index(r, nsect(pd));
                s->transferred = g->apr1; /* April 1 personnel transfer */
            } else if (s->role != ROLE_MANAGER && count[d] >= 5 && tk_rng_pm(r, 30)) {
                s->retired = g->apr1 - 1; /* retired on March 31 */
            }
        }
    }
    return g->oom ? TK_ENOMEM : TK_OK;
}

static uint16_t add_terminal(tk_city *g, size_t dept, int special)
{
    tk_rng *r = &g->rc;
    size_t k = 0;
    for (size_t i = 0; i < g->ntm; i++)
        k += g->tm[i].dept == dept && g->tm[i].registered;
    terminal *t = tk_city_push_term(g);
    snprintf(t->name, sizeof t->name, "%s-PC%03zu", tk_city_depts[dept].code, k + 1);
    t->dept = (uint8_t)dept;
    t->special = (uint8_t)special;
    t->registered = 1;
    t->ip3 = (uint8_t)(tk_city_depts[dept].subnet + 16 * (k / 240)); /* 240 hosts per subnet */
    t->ip4 = (uint8_t)(11 + k % 240);
    t->reg_on = day_of(2017, 4, 1) +
                (int32_t)tk_rng_below(r, (uint32_t)(g->from - 30 - day_of(2017, 4, 1)));
    return (uint16_t)(g->ntm - 1);
}

static int gen_terminals(tk_city *g)
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

static void gen_devices(tk_city *g)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < NDEV; i++) {
        device *d = &g->dev[i];
        for (size_t k = 0; k < 16; k++)
            d->serial[k] = hex[tk_rng_below(&g->rc, 16)];
        d->serial[16] = '\0';
        d->approved_on = g->from - tk_rng_range(&g->rc, 100, 700);
        d->expires_on = d->approved_on + 3 * 365;
        if (d->expires_on < g->to + 30)
            d->expires_on = g->to + 180;
    }
}

/* A clerk of dept d (any system department if d is -1) who works the whole period, untouched so
 * far. With d == -1 the first pass skips departments in *spread (a bit per department already
 * given a special case) and departments of fewer than five staff, so the special cases do not
 * empty one small department; the chosen department is added to *spread. NONE32 if nobody
 * fits. */
static uint32_t pick_plain_clerk(tk_city *g, int d, unsigned *spread)
{
    size_t size[D_COUNT] = {0}; /* staff who work the whole period untouched */
    for (size_t i = 0; i < g->nst; i++)
        size[g->st[i].dept] += !g->st[i].reserved && g->st[i].retired == DAY_NONE;
    const size_t n = g->nst;
    for (int pass = d >= 0 ? 1 : 0; pass < 2; pass++) {
        const size_t start = tk_rng_index(&g->rc, n);
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

static void transfer_mid(tk_city *g, uint32_t i, size_t to_dept)
{
    staff *s = &g->st[i];
    s->prev_dept = s->dept;
    s->prev_sect = s->sect;
    s->prev_term = s->term;
    s->dept = (uint8_t)to_dept;
    s->sect = (uint8_t)tk_rng_index(&g->rc, nsect(to_dept));
    s->term = add_terminal(g, to_dept, 1);
    g->tm[s->term].busy = 1;
    s->transferred = g->mid;
    s->reserved = RS_SPECIAL;
}

static void plan_specials(tk_city *g, specials *sp)
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
    const size_t first = tk_rng_index(&g->rc, g->nst);
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
        asgrow *a = tk_city_push_asg(g);
        a->staff = (uint32_t)i;
        a->dept = D_SENKYO;
        a->sys = SYS_SENKYO;
        a->from = g->kenmu_from;
        a->to = g->kenmu_to;
    }
}

void tk_city_truth_add(tk_city *g, int hn, const char *kind, const char *etype, const char *eid,
                       int32_t from, int32_t to, const char *rule, const char *fmt, ...)
{
    truthrow *t = tk_city_push_tr(g);
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
idstr tk_city_staff_id(const tk_city *g, size_t s)
{
    idstr o;
    snprintf(o.s, sizeof o.s, "%06u", g->st[s].id);
    return o;
}

idstr tk_city_res_id(const tk_city *g, uint32_t r)
{
    idstr o;
    snprintf(o.s, sizeof o.s, "%010llu", (unsigned long long)g->res[r].id);
    return o;
}

idstr tk_city_day_str(int32_t day)
{
    idstr o;
    int y, m, d;
    ymd_of(day, &y, &m, &d);
    snprintf(o.s, sizeof o.s, "%04d-%02d-%02d", y, m, d);
    return o;
}
/* Training accounts kenshu01.. are event "staff" numbers g->nst + k; the fictitious residents of
 * the training data are bev.res values FICT_BASE + k, written FICT_ID0.. (real 宛名番号 stay far
 * below: they start near 100000). */
int tk_city_is_trainee(const tk_city *g, uint32_t s)
{
    return s != NONE32 && s >= g->nst;
}

idstr tk_city_train_account(const tk_city *g, uint32_t s)
{
    idstr o;
    snprintf(o.s, sizeof o.s, "kenshu%02u", s - (uint32_t)g->nst + 1);
    return o;
}

/* The 宛名番号 of bev.res r: a resident's, or a fictitious one of the training data. */
uint64_t tk_city_res_number(const tk_city *g, uint32_t r)
{
    return r >= FICT_BASE ? FICT_ID0 + (r - FICT_BASE) : g->res[r].id;
}
int tk_city_build(tk_city *g, specials *sp, tk_error *err)
{
    tk_rng_seed(&g->rc, g->seed, 1);
    tk_rng_seed(&g->rb, g->seed, 2);
    tk_rng_seed(&g->ri, g->seed, 3);
    tk_rng_seed(&g->rt, g->seed, 4);
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
