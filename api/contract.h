/* api/contract.h -- the contract's two yearly documents of a tenant, built
 * as document trees (api/rdoc.h) that the format writers render: the
 * 業務処理計画書 (the plan of the year's work, delivered after the
 * contract is signed) and the 業務完了報告書 (what was done, delivered
 * when the work ends).
 *
 * Both are written from what tenken stores and nothing else, read only
 * through the service functions of the layers below: the schedule of
 * src/period.h, the periods of models/periods.h, the rule configuration of
 * models/tuning.h, the stored source profiles (src/profstore.h), the
 * master-data versions (src/master.h), the uploads (src/uploads.h), the
 * stored rows of each period (models/completeness.h) and the city's
 * answers (models/answers.h) and the record of the 報告会
 * (models/meeting.h). What tenken does not know (the 報告会 when it is not
 * recorded, who the people behind the accounts are, the handling of
 * backups) is printed as a blank to fill in, never guessed. Residents never appear;
 * accounts appear by name and role only.
 *
 * Text is Japanese, or English with lang "en". Reading only: the tenant
 * may be open read-only. Not thread-safe per tenant handle. */
#ifndef TK_CONTRACT_H
#define TK_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "api/rdoc.h"
#include "src/account.h"
#include "src/error.h"
#include "src/period.h"
#include "src/tenant.h"

/* What to build. Pointers are borrowed. */
typedef struct tk_contract_options {
    int fiscal_year;    /* 2024: 2024-04-01 to 2025-03-31 */
    const char *lang;   /* "ja" (NULL) or "en" */
    int64_t issued;     /* the date of issue, Unix ms; 0: now */
    const char *issuer; /* who issues it (the page footer), or NULL */
    /* The accounts of the data directory as the caller could read them
     * (tk_account_list()); those of the tenant and the global admins are
     * listed in the plan's chapter 2. accounts_known 0: the caller may not
     * list accounts, and the table is left blank to fill in. */
    const tk_account_info *accounts;
    size_t naccounts;
    int accounts_known;
} tk_contract_options;
// clang-format off
#define TK_CONTRACT_OPTIONS_INIT {0, NULL, 0, NULL, NULL, 0, 0}
// clang-format on

/* The periods of fiscal year fy that both documents list, by first day,
 * into *out (owned: tk_free(); never NULL on success) of *n: every
 * planned period (src/period.h) that overlaps the year, and each of the
 * six two-month periods of the year (tk_period_fiscal_bimonths()) that no
 * planned period overlaps, unplanned. Returns TK_OK, TK_EINVAL (fy out of
 * TK_PERIOD_FY_MIN..MAX), TK_ENOMEM or TK_EDB. */
typedef struct tk_contract_period {
    tk_period period;
    int planned;             /* 1 when the schedule plans exactly this period */
    int64_t upload_deadline; /* when planned: JST day */
    int64_t delivery_due;    /* when planned: JST day */
} tk_contract_period;
TK_MUST_CHECK int tk_contract_periods(tk_db *db, int fy, tk_contract_period **out, size_t *n,
                                      tk_error *err);

/* Builds the 業務処理計画書 of o->fiscal_year for tenant t (borrowed) into
 * *out (owned: tk_rdoc_destroy(); NULL on failure): 1 業務概要, 2 実施体制と
 * 役割, 3 対象システム, 4 点検項目, 5 スケジュール, 6 データの受け渡しと取扱い,
 * 7 成果物. Returns TK_OK, TK_EINVAL (lang other than ja/en, a fiscal year
 * out of range), TK_EDB, TK_EPARSE (damaged stored configuration) or
 * TK_ENOMEM. */
TK_MUST_CHECK int tk_contract_plan(tk_tenant *t, const tk_contract_options *o, tk_rdoc **out,
                                   tk_error *err);

/* Builds the 業務完了報告書 of o->fiscal_year for tenant t (borrowed) into
 * *out (owned: tk_rdoc_destroy(); NULL on failure): per period the files
 * received, rows stored and refused, the analysis runs, the report's
 * delivery, the 要確認事項 put and answered, the totals; a period not
 * delivered is 未完了 with what is missing; the 報告会's date (also on the
 * cover, under the year), place and attendees when recorded
 * (models/meeting.h), else blanks; blanks for the 特記事項. o's accounts are not used. Returns as
 * tk_contract_plan(). */
TK_MUST_CHECK int tk_contract_completion(tk_tenant *t, const tk_contract_options *o, tk_rdoc **out,
                                         tk_error *err);

#endif
