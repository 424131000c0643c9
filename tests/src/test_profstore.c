/* tests/src/test_profstore.c -- stored source profiles: versions,
 * validation, deletion with history, and selection by file name or
 * header. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "src/alloc.h"
#include "src/encoding.h"
#include "src/profstore.h"
#include "src/tenant.h"
#include "tests/test.h"

static int tenant_seq;

static tk_tenant *new_tenant(void)
{
    char tmpl[512], data_dir[600], name[32];
    tk_tenant *t = NULL;
    tk_error err;

    mkdir(tk_test_tmpdir(), 0755);
    snprintf(tmpl, sizeof tmpl, "%s/profstore-XXXXXX", tk_test_tmpdir());
    if (mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(data_dir, sizeof data_dir, "%s/data", tmpl);
    snprintf(name, sizeof name, "city%d", ++tenant_seq);
    if (tk_tenant_create(&t, data_dir, name, &err) != TK_OK) {
        fprintf(stderr, "tenant: %s\n", err.msg);
        exit(2);
    }
    return t;
}

static int64_t fixed_now(void *ctx)
{
    return *(const int64_t *)ctx;
}

static int64_t now_ms = 1730419200000; /* 2024-11-01 09:00 JST */
static const tk_clock clock_ = {fixed_now, &now_ms};
static const tk_actor alice = {"alice", "analyst", "127.0.0.1", &clock_};
static const tk_actor bob = {"bob", "admin", "127.0.0.1", &clock_};

static const char juki[] =
    "{\"profile\": \"juki\", \"match\": {\"filename\": \"juki_*.csv\","
    " \"header\": [\"操作日時\", \"職員番号\"]},"
    " \"system\": {\"value\": \"住民基本台帳\"},"
    " \"fields\": {\"time\": {\"column\": \"操作日時\", \"format\": \"YYYY/MM/DD hh:mm:ss\"},"
    " \"user\": {\"column\": \"職員番号\"}, \"operation\": {\"column\": \"操作\"}}}";

static const char juki2[] =
    "{\"profile\": \"juki\", \"version\": 2, \"match\": {\"filename\": \"juki_*.csv\"},"
    " \"system\": {\"value\": \"住民基本台帳\"},"
    " \"fields\": {\"time\": {\"column\": \"操作日時\", \"format\": \"YYYY/MM/DD hh:mm:ss\"},"
    " \"user\": {\"column\": \"職員番号\"}, \"operation\": {\"column\": \"操作\"}}}";

/* CP932, matched by header only; its systems come from a map. */
static const char zei[] =
    "{\"profile\": \"zei\", \"encoding\": \"cp932\", \"skip_rows\": 1,"
    " \"match\": {\"header\": [\"処理日時\", \"担当者\"]},"
    " \"system\": {\"column\": \"業務\", \"map\": {\"KOTEI\": \"固定資産税\", \"JUMIN\": "
    "\"住民税\","
    " \"JUMIN2\": \"住民税\"}, \"unmapped\": \"keep\"},"
    " \"fields\": {\"time\": {\"column\": \"処理日時\", \"format\": \"YYYY/MM/DD hh:mm:ss\"},"
    " \"user\": {\"column\": \"担当者\"}, \"operation\": {\"column\": \"操作\"}}}";

static int put(tk_tenant *t, const char *json, const tk_actor *who, int64_t *v, tk_error *err)
{
    return tk_profstore_put(t, json, strlen(json), who, v, err);
}

static void test_versions(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    int64_t v = -1;
    int created = -1;

    TK_CHECK_INT(put(t, juki, &alice, &v, &err), TK_OK);
    TK_CHECK_INT(v, 1);
    /* The same text again keeps the version in force. */
    TK_CHECK_INT(
        tk_profstore_put_from(t, juki, strlen(juki), "juki.json", &bob, &v, &created, &err), TK_OK);
    TK_CHECK_INT(v, 1);
    TK_CHECK_INT(created, 0);
    now_ms += 60000;
    TK_CHECK_INT(
        tk_profstore_put_from(t, juki2, strlen(juki2), "juki.json", &bob, &v, &created, &err),
        TK_OK);
    TK_CHECK_INT(v, 2);
    TK_CHECK_INT(created, 1);
    TK_CHECK_INT(put(t, zei, &alice, &v, &err), TK_OK);
    TK_CHECK_INT(v, 1);

    tk_profstore_entries l;
    TK_REQUIRE(tk_profstore_list(t, &l, &err) == TK_OK);
    TK_REQUIRE(l.n == 2);
    TK_CHECK_STR(l.v[0].name, "juki");
    TK_CHECK_INT(l.v[0].version, 2);
    TK_CHECK_STR(l.v[0].created_by, "bob");
    TK_CHECK_INT(l.v[0].created_at, now_ms);
    TK_CHECK_INT(l.v[0].nsystems, 1);
    TK_CHECK_STR(l.v[0].systems[0], "住民基本台帳");
    TK_CHECK_STR(l.v[1].name, "zei");
    TK_CHECK_INT(l.v[1].nsystems, 2);
    TK_CHECK_STR(l.v[1].systems[0], "固定資産税");
    TK_CHECK_STR(l.v[1].systems[1], "住民税");
    tk_profstore_entries_dispose(&l);

    TK_REQUIRE(tk_profstore_versions(t, "juki", &l, &err) == TK_OK);
    TK_REQUIRE(l.n == 2);
    TK_CHECK_INT(l.v[0].version, 2);
    TK_CHECK_INT(l.v[0].in_force, 1);
    TK_CHECK_INT(l.v[1].version, 1);
    TK_CHECK_INT(l.v[1].in_force, 0);
    TK_CHECK_STR(l.v[1].created_by, "alice");
    TK_CHECK_INT(l.v[1].created_at, now_ms - 60000);
    tk_profstore_entries_dispose(&l);
    TK_CHECK_INT(tk_profstore_versions(t, "nope", &l, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "no profile \"nope\" is stored");

    char *json = NULL;
    size_t len = 0;
    tk_profstore_entry e;
    TK_REQUIRE(tk_profstore_text(t, "juki", 1, &json, &len, &e, &err) == TK_OK);
    TK_CHECK(len == strlen(juki) && memcmp(json, juki, len) == 0);
    TK_CHECK_INT(e.version, 1);
    TK_CHECK_INT(e.in_force, 0);
    tk_free(json);
    tk_profstore_entry_dispose(&e);
    TK_REQUIRE(tk_profstore_text(t, "juki", 0, &json, &len, NULL, &err) == TK_OK);
    TK_CHECK_STR(json, juki2);
    tk_free(json);
    TK_CHECK_INT(tk_profstore_text(t, "juki", 3, &json, &len, NULL, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "profile \"juki\" has no version 3");
    TK_CHECK(json == NULL);

    tk_profile *p = NULL;
    TK_REQUIRE(tk_profstore_get(t, "juki", &p, &err) == TK_OK);
    TK_CHECK_INT(tk_profile_version(p), 2);
    tk_profile_destroy(p);
    TK_CHECK_INT(tk_profstore_get(t, "nope", &p, &err), TK_ENOTFOUND);
    TK_CHECK(p == NULL);
    tk_tenant_close(t);
}

static void test_invalid(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    int64_t v = -1;

    TK_CHECK_INT(put(t, "{\"profile\": \"x\", \"system\": {\"value\": \"戸籍\"}, \"fields\": {}}",
                     &alice, &v, &err),
                 TK_EPROFILE);
    TK_CHECK_STR(err.msg, "profile text: fields.time: is required");
    TK_CHECK_INT(v, 0);
    TK_CHECK_INT(tk_profstore_put_from(t, "{\"profile\": \"x\",\n \"system\" 1}", 30,
                                       "request body", &alice, &v, NULL, &err),
                 TK_EPARSE);
    TK_CHECK_STR(err.msg, "profile request body: not valid JSON at line 2, column 11: "
                          "':' expected near '1'");
    TK_CHECK_INT(put(t, "{\"profile\": \"Bad Name\"}", &alice, &v, &err), TK_EPROFILE);
    TK_CHECK_STR(err.msg, "profile text: profile: name \"Bad Name\" must be 1-64 of [a-z0-9_-]");
    char *big = tk_alloc(TK_PROFSTORE_MAX_BYTES + 1);
    TK_REQUIRE(big != NULL);
    memset(big, ' ', TK_PROFSTORE_MAX_BYTES + 1);
    TK_CHECK_INT(tk_profstore_put(t, big, TK_PROFSTORE_MAX_BYTES + 1, &alice, &v, &err), TK_ERANGE);
    TK_CHECK_STR(err.msg, "profile text: larger than 1 MiB");
    tk_free(big);

    /* Nothing was stored. */
    tk_profstore_entries l;
    TK_REQUIRE(tk_profstore_list(t, &l, &err) == TK_OK);
    TK_CHECK_INT(l.n, 0);
    tk_profstore_entries_dispose(&l);
    int64_t rows = -1;
    TK_CHECK_INT(tk_db_query_i64(tk_tenant_db(t), "SELECT count(*) FROM profiles", &rows, &err),
                 TK_OK);
    TK_CHECK_INT(rows, 0);
    tk_tenant_close(t);
}

static void test_delete(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    int64_t v = -1;

    TK_REQUIRE(put(t, juki, &alice, &v, &err) == TK_OK);
    TK_REQUIRE(put(t, juki2, &alice, &v, &err) == TK_OK);
    now_ms += 1000;
    TK_CHECK_INT(tk_profstore_delete(t, "juki", &bob, &v, &err), TK_OK);
    TK_CHECK_INT(v, 2);
    TK_CHECK_INT(tk_profstore_delete(t, "juki", &bob, &v, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "profile \"juki\" is already deleted");
    TK_CHECK_INT(tk_profstore_delete(t, "nope", &bob, &v, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "no profile \"nope\" is stored");

    tk_profile *p = NULL;
    TK_CHECK_INT(tk_profstore_get(t, "juki", &p, &err), TK_ENOTFOUND);
    TK_CHECK_STR(err.msg, "profile \"juki\" was deleted (its versions stay in its history)");
    tk_profstore_entries l;
    TK_REQUIRE(tk_profstore_list(t, &l, &err) == TK_OK);
    TK_CHECK_INT(l.n, 0);
    tk_profstore_entries_dispose(&l);
    /* History stays. */
    TK_REQUIRE(tk_profstore_versions(t, "juki", &l, &err) == TK_OK);
    TK_REQUIRE(l.n == 2);
    TK_CHECK_INT(l.v[0].in_force, 0);
    TK_CHECK_INT(l.v[0].deleted_at, now_ms);
    TK_CHECK_STR(l.v[0].deleted_by, "bob");
    TK_CHECK_STR(l.v[1].deleted_by, "bob");
    tk_profstore_entries_dispose(&l);
    char *json = NULL;
    size_t len = 0;
    TK_CHECK_INT(tk_profstore_text(t, "juki", 1, &json, &len, NULL, &err), TK_OK);
    TK_CHECK_STR(json, juki);
    tk_free(json);

    /* Stored again: a new live version; the old ones keep their marks. */
    now_ms += 1000;
    TK_CHECK_INT(put(t, juki2, &alice, &v, &err), TK_OK);
    TK_CHECK_INT(v, 3);
    TK_REQUIRE(tk_profstore_get(t, "juki", &p, &err) == TK_OK);
    tk_profile_destroy(p);
    TK_REQUIRE(tk_profstore_versions(t, "juki", &l, &err) == TK_OK);
    TK_REQUIRE(l.n == 3);
    TK_CHECK_INT(l.v[0].in_force, 1);
    TK_CHECK(l.v[0].deleted_by == NULL);
    TK_CHECK_STR(l.v[1].deleted_by, "bob");
    tk_profstore_entries_dispose(&l);
    tk_tenant_close(t);
}

static void test_select(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    int64_t v;
    tk_profile *p = NULL;

    TK_CHECK_INT(tk_profstore_select(t, "juki_1.csv", NULL, 0, &p, &err), TK_EPROFILE);
    TK_CHECK_STR(err.msg, "juki_1.csv: no profile is stored to read this file");
    TK_REQUIRE(put(t, juki, &alice, &v, &err) == TK_OK);
    TK_REQUIRE(put(t, zei, &alice, &v, &err) == TK_OK);

    /* By file name, whatever the header. */
    TK_REQUIRE(tk_profstore_select(t, "in/juki_2024-10.csv", "a,b\n", 4, &p, &err) == TK_OK);
    TK_CHECK_STR(tk_profile_name(p), "juki");
    tk_profile_destroy(p);

    /* By header: CP932 decoded, after the profile's skip_rows. */
    static const char head[] = "税務システム 操作ログ\n\"処理日時\",担当者 ,業務,操作\n2024/10/01";
    tk_enc_buf b;
    tk_enc_buf_init(&b);
    TK_REQUIRE(tk_enc_utf8_to_cp932(head, strlen(head), &b, &err) == TK_OK);
    TK_REQUIRE(tk_profstore_select(t, "export.csv", b.p, b.len, &p, &err) == TK_OK);
    TK_CHECK_STR(tk_profile_name(p), "zei");
    tk_profile_destroy(p);
    /* The same header in UTF-8 is not what zei declares. */
    TK_CHECK_INT(tk_profstore_select(t, "export.csv", head, strlen(head), &p, &err), TK_EPROFILE);
    TK_CHECK_STR(err.msg, "export.csv: no profile's match.filename or match.header matches this "
                          "file (profiles: juki, zei)");
    TK_CHECK(p == NULL);
    /* juki's header, in UTF-8, with no skipped rows. */
    static const char jh[] = "操作日時,職員番号,操作\r\n";
    TK_REQUIRE(tk_profstore_select(t, "export.csv", jh, strlen(jh), &p, &err) == TK_OK);
    TK_CHECK_STR(tk_profile_name(p), "juki");
    tk_profile_destroy(p);
    TK_CHECK_INT(tk_profstore_select(t, "export.csv", NULL, 0, &p, &err), TK_EPROFILE);
    TK_CHECK_STR(err.msg,
                 "export.csv: no profile's match.filename matches this file (profiles: juki, zei)");

    /* Two profiles matching the name. */
    static const char juki_b[] =
        "{\"profile\": \"juki-b\", \"match\": {\"filename\": \"juki_*\"},"
        " \"system\": {\"value\": \"住民基本台帳\"},"
        " \"fields\": {\"time\": {\"column\": 1, \"format\": \"YYYY/MM/DD hh:mm:ss\"},"
        " \"user\": {\"column\": 2}, \"operation\": {\"column\": 3}}}";
    TK_REQUIRE(put(t, juki_b, &alice, &v, &err) == TK_OK);
    TK_CHECK_INT(tk_profstore_select(t, "juki_1.csv", NULL, 0, &p, &err), TK_EPROFILE);
    TK_CHECK_STR(err.msg, "juki_1.csv: profiles juki, juki-b all match the file's file name; "
                          "name the profile to use");
    /* A deleted profile is not selected. */
    TK_REQUIRE(tk_profstore_delete(t, "juki-b", &bob, &v, &err) == TK_OK);
    TK_REQUIRE(tk_profstore_select(t, "juki_1.csv", NULL, 0, &p, &err) == TK_OK);
    TK_CHECK_STR(tk_profile_name(p), "juki");
    tk_profile_destroy(p);
    tk_enc_buf_dispose(&b);
    tk_tenant_close(t);
}

static const char tmap[] =
    "{\"profile\": \"term-map\", \"kind\": \"terminals\", \"fields\": {"
    "\"terminal\": {\"column\": \"ホスト名\"}, \"ip\": {\"column\": \"IP\"}}}";

/* Mapping profiles of master data: stored beside the source profiles,
 * checked as an import checks them (the key at fault named), kept out of
 * source listings and selection, one kind per name. */
static void test_mappings(void)
{
    tk_tenant *t = new_tenant();
    tk_error err;
    int64_t v = 0;
    int created = 0;
    char key[128];
    TK_CHECK_INT(tk_profstore_store(t, tmap, strlen(tmap), "tmap.json", &alice, &v, &created, key,
                                    sizeof key, &err),
                 TK_OK);
    TK_CHECK_INT(v, 1);
    TK_CHECK_INT(created, 1);
    TK_CHECK_INT(tk_profstore_put(t, juki, strlen(juki), &alice, &v, &err), TK_OK);

    tk_profstore_entries l;
    TK_REQUIRE(tk_profstore_list(t, &l, &err) == TK_OK);
    TK_CHECK_INT(l.n, 1);
    if (l.n == 1)
        TK_CHECK_STR(l.v[0].name, "juki");
    tk_profstore_entries_dispose(&l);
    TK_REQUIRE(tk_profstore_list_mappings(t, &l, &err) == TK_OK);
    TK_CHECK_INT(l.n, 1);
    if (l.n == 1) {
        TK_CHECK_STR(l.v[0].name, "term-map");
        TK_CHECK(l.v[0].mapping && l.v[0].in_force);
        TK_CHECK_STR(l.v[0].master_kind, "terminals");
        TK_CHECK_STR(l.v[0].created_by, "alice");
    }
    tk_profstore_entries_dispose(&l);

    char *json = NULL;
    size_t len = 0;
    tk_profstore_entry e;
    TK_REQUIRE(tk_profstore_mapping(t, "term-map", &json, &len, &e, &err) == TK_OK);
    TK_CHECK(len == strlen(tmap) && memcmp(json, tmap, len) == 0);
    TK_CHECK_STR(e.master_kind, "terminals");
    tk_profstore_entry_dispose(&e);
    tk_free(json);
    TK_CHECK_INT(tk_profstore_mapping(t, "juki", &json, &len, &e, &err), TK_ENOTFOUND);
    TK_CHECK(strstr(err.msg, "is a source profile") != NULL);
    TK_CHECK(json == NULL);
    tk_profstore_entry_dispose(&e);
    TK_CHECK_INT(tk_profstore_mapping(t, "nosuch", &json, &len, NULL, &err), TK_ENOTFOUND);
    tk_profile *p = NULL;
    TK_CHECK_INT(tk_profstore_get(t, "term-map", &p, &err), TK_ENOTFOUND);
    TK_CHECK(strstr(err.msg, "is a mapping profile for terminals master data") != NULL);

    /* Bad mappings: nothing stored, the key at fault named. */
    static const struct {
        const char *text, *key, *msg;
    } bad[] = {
        {"{\"profile\": \"m\", \"kind\": \"terminals\", \"fields\": {\"terminal\": "
         "{\"column\": \"a\", \"map\": []}}}",
         "fields.terminal.map", "fields.terminal.map must be an object"},
        {"{\"profile\": \"m\", \"kind\": \"terminals\", \"fields\": {\"staff_id\": "
         "{\"column\": \"a\"}}}",
         "fields.staff_id", "fields.staff_id is not a column of terminals"},
        {"{\"profile\": \"m\", \"kind\": \"people\", \"fields\": {}}", "kind",
         "kind \"people\" is not a kind of master data"},
        {"{\"kind\": \"staff\", \"fields\": {}}", "profile", "kept by its \"profile\" name"},
        {"{\"profile\": \"m\", \"kind\": \"staff\", \"fields\": {}, \"colour\": 1}", "colour",
         "unknown key \"colour\" in the mapping"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        TK_CHECK_INT(tk_profstore_store(t, bad[i].text, strlen(bad[i].text), "request body", &alice,
                                        &v, NULL, key, sizeof key, &err),
                     TK_EPROFILE);
        TK_CHECK_STR(key, bad[i].key);
        TK_CHECK(strstr(err.msg, bad[i].msg) != NULL);
        TK_CHECK(strncmp(err.msg, "mapping request body: ", 22) == 0);
        TK_CHECK_INT(v, 0);
    }
    TK_CHECK_INT(tk_profstore_versions(t, "m", &l, &err), TK_ENOTFOUND);

    /* A name keeps its kind. */
    static const char as_map[] = "{\"profile\": \"juki\", \"kind\": \"staff\", \"fields\": {}}";
    TK_CHECK_INT(tk_profstore_store(t, as_map, strlen(as_map), "x", &bob, &v, NULL, NULL, 0, &err),
                 TK_EEXISTS);
    TK_CHECK(strstr(err.msg, "\"juki\" is a source profile") != NULL);
    /* A new version, then deleted: no longer given to an import. */
    static const char tmap2[] = "{\"profile\": \"term-map\", \"kind\": \"terminals\", \"fields\": {"
                                "\"terminal\": {\"column\": \"端末\"}}}";
    TK_CHECK_INT(
        tk_profstore_store(t, tmap2, strlen(tmap2), "x", &bob, &v, &created, NULL, 0, &err), TK_OK);
    TK_CHECK_INT(v, 2);
    TK_CHECK_INT(tk_profstore_delete(t, "term-map", &bob, &v, &err), TK_OK);
    TK_CHECK_INT(tk_profstore_mapping(t, "term-map", &json, &len, NULL, &err), TK_ENOTFOUND);
    TK_CHECK(strstr(err.msg, "was deleted") != NULL);
    tk_tenant_close(t);
}

int main(void)
{
    TK_RUN(test_versions);
    TK_RUN(test_invalid);
    TK_RUN(test_delete);
    TK_RUN(test_select);
    TK_RUN(test_mappings);
    TK_TEST_END();
}
