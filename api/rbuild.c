/* api/rbuild.c -- the document builders' common part (see rbuild.h).
 *
 * The cover's classification and default issuer are this module's own
 * words, not the builders': the three documents must carry the same mark
 * and the same name, and keeping them here is what makes that so. */
#include "api/rbuild.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int tk_rbuild_init(tk_rbuild *b, tk_tenant *t, const char *lang, int64_t issued,
                   const char *const *ja, const char *const *en, const char *what, tk_error *err)
{
    memset(b, 0, sizeof *b);
    b->t = t;
    b->db = tk_tenant_db(t);
    b->en = lang && strcmp(lang, "en") == 0;
    b->w = b->en ? en : ja;
    b->issued = issued ? issued : (int64_t)time(NULL) * 1000;
    if (lang && strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0)
        return tk_error_set(err, TK_EINVAL, "the %s's language is ja or en, not '%s'", what, lang);
    return TK_OK;
}

int tk_rbuild_begin(tk_rbuild *b, const char *title, tk_error *err)
{
    return tk_rdoc_create(&b->d, title, b->en ? "en" : "ja", err);
}

int tk_rbuild_cover(tk_rbuild *b, const char *line, const char *issuer, tk_error *err)
{
    char sub[512];
    snprintf(sub, sizeof sub, b->en ? "%s, %s" : "%s　%s", tk_tenant_name(b->t), line);
    return tk_rdoc_set_cover(
        b->d, sub, b->en ? "Confidential" : "取扱注意",
        issuer ? issuer : (b->en ? "tenken log inspection" : "tenken ログ分析点検"), err);
}

int tk_rbuild_cover_tenant(tk_rbuild *b, tk_error *err)
{
    return tk_rdoc_cover_fact(b->d, b->en ? "Tenant" : "対象団体", tk_tenant_name(b->t), err);
}

tk_rdoc *tk_rbuild_take(tk_rbuild *b)
{
    tk_rdoc *const d = b->d;
    b->d = NULL;
    return d;
}

void tk_rbuild_dispose(tk_rbuild *b)
{
    if (b == NULL)
        return;
    tk_rdoc_destroy(b->d);
    b->d = NULL;
}

const char *tk_rbuild_word(const tk_rbuild *b, int k)
{
    return b->w[k];
}

void tk_rbuild_day(const tk_rbuild *b, int64_t day, char *buf, size_t cap)
{
    tk_rdoc_fmt_day(day, b->en, buf, cap);
}

void tk_rbuild_range(const tk_rbuild *b, const tk_period *p, const char *fmt, char *buf, size_t cap)
{
    char a[32], z[32];
    tk_rbuild_day(b, p->first_day, a, sizeof a);
    tk_rbuild_day(b, p->last_day, z, sizeof z);
    snprintf(buf, cap, fmt, a, z);
}
