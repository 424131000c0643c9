/* tests/src/test_uploads.c -- listing, reading and deleting a tenant's
 * uploads (src/uploads.h) against a real tenant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/ingest.h"
#include "src/period.h"
#include "src/tenant.h"
#include "src/uploads.h"
#include "tests/test.h"

static char dir[512];

static const char juki[] =
    "{\"profile\":\"juki\",\"system\":{\"value\":\"住民基本台帳\"},\"fields\":{"
    "\"time\":{\"column\":\"日時\",\"format\":\"YYYY/MM/DD hh:mm:ss\"},"
    "\"user\":{\"column\":\"職員\"},\"terminal\":{\"column\":\"端末\"},"
    "\"operation\":{\"column\":\"操作\",\"map\":{\"照会\":\"lookup\"}},"
    "\"subject\":{\"column\":\"宛名番号\"}}}";

static int ingest(tk_tenant *t, const tk_profile *p, const char *name, const char *text)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return TK_EIO;
    fputs(text, f);
    fclose(f);
    tk_ingest_result res;
    tk_error err;
    return tk_ingest_file(t, p, path, NULL, &res, &err);
}

static int64_t count(tk_tenant *t, const char *sql)
{
    int64_t n = -1;
    tk_error err;
    if (tk_db_query_i64(tk_tenant_db(t), sql, &n, &err) != TK_OK)
        return -1;
    return n;
}

static void list_get_delete(void)
{
    tk_error err;
    tk_tenant *t = NULL;
    tk_profile *p = NULL;
    TK_REQUIRE(tk_tenant_create(&t, dir, "city", &err) == TK_OK);
    TK_REQUIRE(tk_profile_parse(&p, juki, strlen(juki), "test", &err) == TK_OK);
    TK_REQUIRE(tk_tenant_lock_writer(t, "test", TK_TENANT_NOWAIT, NULL, NULL, &err) == TK_OK);
    TK_CHECK_INT(
        ingest(t, p, "a.csv", "日時,職員,端末,操作,宛名番号\n2024/10/01 09:00:00,1,PC1,照会,1\n"),
        TK_OK);
    TK_CHECK_INT(
        ingest(t, p, "b.csv", "日時,職員,端末,操作,宛名番号\n2024/13/01 09:00:00,1,PC1,照会,1\n"),
        TK_EREJECTED);
    TK_CHECK_INT(ingest(t, p, "c.csv",
                        "日時,職員,端末,操作,宛名番号\n2024/11/02 09:00:00,1,PC1,照会,1\n"
                        "2024/11/03 09:00:00,2,PC1,照会,2\n"),
                 TK_OK);
    tk_tenant_unlock_writer(t);

    tk_upload_info *v = NULL;
    size_t n = 0;
    uint64_t total = 0;
    TK_CHECK_INT(tk_uploads_list(tk_tenant_db(t), NULL, &v, &n, &total, &err), TK_OK);
    TK_CHECK_INT(n, 3);
    TK_CHECK_INT(total, 3);
    if (n == 3) {
        TK_CHECK_STR(v[0].file_name, "a.csv");
        TK_CHECK_STR(v[1].status, "rejected");
        TK_CHECK(v[1].error_report[0] != '\0');
        TK_CHECK_INT(v[2].rows_accepted, 2);
        TK_CHECK(v[2].has_range && v[2].t_min < v[2].t_max);
    }
    free(v);
    const tk_upload_filter stored = {"stored", 1, 1};
    TK_CHECK_INT(tk_uploads_list(tk_tenant_db(t), &stored, &v, &n, &total, &err), TK_OK);
    TK_CHECK_INT(n, 1);
    TK_CHECK_INT(total, 2);
    if (n == 1)
        TK_CHECK_STR(v[0].file_name, "c.csv");
    free(v);
    const tk_upload_filter badf = {"done", 0, 0};
    TK_CHECK_INT(tk_uploads_list(tk_tenant_db(t), &badf, &v, &n, NULL, &err), TK_EINVAL);
    TK_CHECK(strstr(err.msg, "expected stored, partial or rejected") != NULL);

    tk_upload_info u;
    TK_CHECK_INT(tk_uploads_get(tk_tenant_db(t), 9, &u, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "no upload #9");
    TK_REQUIRE(tk_uploads_get(tk_tenant_db(t), 2, &u, &err) == TK_OK);
    char report[4096];
    snprintf(report, sizeof report, "%s", u.error_report);
    TK_CHECK(access(report, F_OK) == 0);

    /* A delivered period holds upload 1's event: refused, nothing gone. */
    tk_period oct;
    TK_REQUIRE(tk_period_parse("2024-10-01..2024-10-31", 22, &oct, &err) == TK_OK);
    TK_REQUIRE(tk_period_deliver(tk_tenant_db(t), &oct, 1, "test", &err) == TK_OK);
    TK_CHECK_INT(tk_uploads_delete(t, 1, NULL, &err), TK_EFROZEN);
    TK_CHECK(strstr(err.msg, "upload #1 has events in a delivered period") != NULL);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM event_blocks WHERE upload_id = 1"), 1);

    /* Upload 3 lies in November: it goes with its events; the rejected one
     * takes its report with it. */
    TK_CHECK_INT(tk_uploads_delete(t, 3, NULL, &err), TK_OK);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM uploads WHERE id = 3"), 0);
    TK_CHECK_INT(count(t, "SELECT count(*) FROM event_blocks WHERE upload_id = 3"), 0);
    TK_CHECK_INT(tk_uploads_delete(t, 2, NULL, &err), TK_OK);
    TK_CHECK(access(report, F_OK) != 0);
    TK_CHECK_INT(tk_uploads_delete(t, 3, NULL, &err), TK_ENOTFOUND);

    /* Another writer holds the tenant: busy, nothing deleted. */
    tk_tenant *other = NULL;
    TK_REQUIRE(tk_tenant_open(&other, dir, "city", 0, &err) == TK_OK);
    TK_REQUIRE(tk_tenant_lock_writer(other, "test", TK_TENANT_NOWAIT, NULL, NULL, &err) == TK_OK);
    TK_CHECK_INT(tk_uploads_delete(t, 1, NULL, &err), TK_EBUSY);
    tk_tenant_close(other);
    tk_profile_destroy(p);
    tk_tenant_close(t);
}

/* The uploader is on the row: the local user for the CLI, the account
 * given otherwise, and a store made before the column existed opens, its
 * old uploads showing no uploader. */
static void uploader(void)
{
    tk_error err;
    tk_tenant *t = NULL;
    tk_profile *p = NULL;
    tk_upload_info u;
    TK_REQUIRE(tk_tenant_create(&t, dir, "who", &err) == TK_OK);
    TK_REQUIRE(tk_profile_parse(&p, juki, strlen(juki), "test", &err) == TK_OK);
    TK_CHECK_INT(
        ingest(t, p, "a.csv", "日時,職員,端末,操作,宛名番号\n2024/10/01 09:00:00,1,PC1,照会,1\n"),
        TK_OK);
    TK_REQUIRE(tk_uploads_get(tk_tenant_db(t), 1, &u, &err) == TK_OK);
    TK_CHECK(strncmp(u.uploaded_by, "cli:", 4) == 0 && strlen(u.uploaded_by) > 4);

    char path[700];
    snprintf(path, sizeof path, "%s/b.csv", dir);
    FILE *f = fopen(path, "wb");
    TK_REQUIRE(f != NULL);
    fputs("日時,職員,端末,操作,宛名番号\n2024/13/01 09:00:00,1,PC1,照会,1\n", f);
    fclose(f);
    tk_ingest_options opt = TK_INGEST_OPTIONS_INIT;
    opt.uploaded_by = "u-uploader";
    tk_ingest_result res;
    TK_CHECK_INT(tk_ingest_file(t, p, path, &opt, &res, &err), TK_EREJECTED);
    TK_REQUIRE(tk_uploads_get(tk_tenant_db(t), 2, &u, &err) == TK_OK);
    TK_CHECK_STR(u.status, "rejected");
    TK_CHECK_STR(u.uploaded_by, "u-uploader");

    /* The store as it was before: uploads without the column, an older
     * schema version. */
    char sql[128];
    snprintf(sql, sizeof sql, "ALTER TABLE uploads DROP COLUMN uploaded_by; PRAGMA user_version=%d",
             TK_TENANT_SCHEMA_VERSION - 1);
    TK_REQUIRE(tk_db_exec(tk_tenant_db(t), sql, &err) == TK_OK);
    tk_tenant_close(t);
    t = NULL;
    TK_REQUIRE(tk_tenant_open(&t, dir, "who", 0, &err) == TK_OK);
    TK_REQUIRE(tk_uploads_get(tk_tenant_db(t), 1, &u, &err) == TK_OK);
    TK_CHECK_STR(u.file_name, "a.csv");
    TK_CHECK_STR(u.uploaded_by, "");
    TK_CHECK_INT(
        ingest(t, p, "c.csv", "日時,職員,端末,操作,宛名番号\n2024/10/03 09:00:00,1,PC1,照会,1\n"),
        TK_OK);
    TK_REQUIRE(tk_uploads_get(tk_tenant_db(t), 3, &u, &err) == TK_OK);
    TK_CHECK(strncmp(u.uploaded_by, "cli:", 4) == 0);
    tk_profile_destroy(p);
    tk_tenant_close(t);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/uploads-%ld", tk_test_tmpdir(), (long)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    TK_RUN(list_get_delete);
    TK_RUN(uploader);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    TK_TEST_END();
}
