/* api/rbuild.h -- what the document builders share: their words, the
 * common part of their context, the cover.
 *
 * The bimonthly report (api/report.c), the annual review and its minutes
 * (api/annual.c) and the contract's documents (api/contract.c) each keep
 * every fixed text in a WORDS list, one line per text with its Japanese
 * and its English, write into a document tree (api/rdoc.h) and open it
 * with the same cover: the tenant and what the document covers under the
 * title, 取扱注意 on every page, who issued it at the foot. This module
 * is that common part, so that the three documents keep one look and a
 * builder holds only what it says of its own.
 *
 * TK_RBUILD_WORD_TABLES(LIST) turns a WORDS list -- X(key, ja, en) lines
 * -- into an enum of the keys ending with W_COUNT and the static tables
 * words_ja[] and words_en[] that tk_rbuild_init() chooses between.
 *
 * A tk_rbuild is a value embedded in a builder's context:
 * tk_rbuild_init(), then tk_rbuild_begin() creates the document, and
 * tk_rbuild_dispose() frees it unless tk_rbuild_take() moved it out. Not
 * thread-safe while building; one per document. */
#ifndef TK_RBUILD_H
#define TK_RBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "api/rdoc.h"
#include "src/db.h"
#include "src/error.h"
#include "src/period.h"
#include "src/tenant.h"

#define TK_RBUILD_W_ENUM(k, j, e) k,
#define TK_RBUILD_W_JA(k, j, e)   j,
#define TK_RBUILD_W_EN(k, j, e)   e,
/* The enum of LIST's keys (and W_COUNT) and the tables words_ja[] and
 * words_en[], at file scope. */
#define TK_RBUILD_WORD_TABLES(LIST)                                                                \
    enum { LIST(TK_RBUILD_W_ENUM) W_COUNT };                                                       \
    static const char *const words_ja[W_COUNT] = {LIST(TK_RBUILD_W_JA)};                           \
    static const char *const words_en[W_COUNT] = {LIST(TK_RBUILD_W_EN)}

/* Runs x, an int-returning call, into the local `rc` and jumps to the
 * local label `done` unless it returned TK_OK: the builders' one exit. */
#define TK_RBUILD_TRY(x)                                                                           \
    do {                                                                                           \
        rc = (x);                                                                                  \
        if (rc != TK_OK)                                                                           \
            goto done;                                                                             \
    } while (0)

/* What every builder reads. t and db are borrowed; d is owned. */
typedef struct tk_rbuild {
    tk_tenant *t;         /* the tenant */
    tk_db *db;            /* its database (tk_tenant_db(t)) */
    tk_rdoc *d;           /* the document; NULL before tk_rbuild_begin() */
    const char *const *w; /* the builder's words in the document's language */
    int en;               /* 1: English, 0: Japanese */
    int64_t issued;       /* the date of issue, Unix ms */
} tk_rbuild;

/* Fills b for tenant t (borrowed) in language lang ("ja", NULL: "ja", or
 * "en"; borrowed) with the builder's word tables ja and en (borrowed:
 * static tables of the same keys) and the date of issue `issued` (Unix
 * ms; 0: now). b->d stays NULL. what names the document in the message
 * of a bad language ("report": "the report's language is ja or en, not
 * 'fr'"). Returns TK_OK or TK_EINVAL (lang); b is usable either way. */
TK_MUST_CHECK int tk_rbuild_init(tk_rbuild *b, tk_tenant *t, const char *lang, int64_t issued,
                                 const char *const *ja, const char *const *en, const char *what,
                                 tk_error *err);

/* Creates b->d (owned by b) titled title (borrowed, copied) in b's
 * language. Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rbuild_begin(tk_rbuild *b, const char *title, tk_error *err);

/* Sets the cover of b->d: the subtitle "tenant　line" ("tenant, line" in
 * English), 取扱注意 on every page and issuer at the foot (NULL: "tenken
 * ログ分析点検"). line: what the document covers (its period or fiscal
 * year). Both borrowed. Returns TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rbuild_cover(tk_rbuild *b, const char *line, const char *issuer,
                                  tk_error *err);

/* Adds the cover's pair 対象団体 / Tenant: the tenant's name. Returns
 * TK_OK or TK_ENOMEM. */
TK_MUST_CHECK int tk_rbuild_cover_tenant(tk_rbuild *b, tk_error *err);

/* Moves the document out of b: returns b->d (owned by the caller; NULL
 * before tk_rbuild_begin()) and leaves b->d NULL. */
tk_rdoc *tk_rbuild_take(tk_rbuild *b);

/* Frees the document b still owns. Accepts NULL and a zeroed value. */
void tk_rbuild_dispose(tk_rbuild *b);

/* The builder's word k in b's language (borrowed from the tables). */
const char *tk_rbuild_word(const tk_rbuild *b, int k);

/* A JST day number as tk_rdoc_fmt_day() in b's language, into buf of cap
 * bytes. */
void tk_rbuild_day(const tk_rbuild *b, int64_t day, char *buf, size_t cap);

/* Period p's first and last days (tk_rbuild_day()) through fmt, a format
 * with two %s ("%s 〜 %s"), into buf of cap bytes (cut to fit). */
void tk_rbuild_range(const tk_rbuild *b, const tk_period *p, const char *fmt, char *buf,
                     size_t cap);

#endif
