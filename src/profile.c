/* src/profile.c -- loading source profiles and applying them to records.
 *
 * Loading validates everything that can be validated without a file: every
 * key is known (a misspelt key is an error, not a silently ignored field),
 * operation and result maps lead only to canonical values, time patterns
 * compile, regular expressions compile. Binding then checks the profile
 * against one file's header, so a profile that does not fit a file is
 * reported before any row is read.
 *
 * Applying is the ingestion hot path. Each canonical field is produced by
 * a short pipeline -- pick the cell, decode it to UTF-8, run the
 * transforms (src/transform), substitute the default, map, resolve --
 * working on views (pointer + length) wherever possible: only decoding
 * from CP932 and the rewriting transforms write into the field's scratch
 * buffers, which are reused from row to row. */
#include "src/profile.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"
#include "src/crypto.h"
#include "src/mask.h"
#include "src/timefmt.h"
#include "src/transform.h"

enum field {
    F_SYSTEM,
    F_USER,
    F_TERMINAL,
    F_OPERATION,
    F_FUNCTION,
    F_SUBJECT,
    F_RESULT,
    F_COUNT,
    F_MYNUMBER,
    F_FILE,
    F_BYTES,
    F_DEVICE,
    F_SERIAL,
    F_DETAIL,
    F_TERMINAL_ADDRESS,
    F_TIME,  /* the whole timestamp, or its date part when split */
    F_TIME2, /* the time part of a split timestamp */
    NFIELD
};

static const char *const field_names[NFIELD] = {
    "system", "user",   "terminal",         "operation", "function",  "subject",
    "result", "count",  "mynumber",         "file",      "bytes",     "device",
    "serial", "detail", "terminal_address", "time",      "time.time",
};

enum { SRC_NONE, SRC_COLUMN, SRC_VALUE };
enum { UNMAPPED_ERROR, UNMAPPED_KEEP, UNMAPPED_REPLACE };

struct mapent {
    char *key;
    size_t klen;
    char *val;
    size_t vlen;
};

struct spec {
    int src;
    char *col_name;   /* by header name */
    size_t col_index; /* 1-based when given as a number, else 0 */
    char *value;
    size_t value_len;
    tk_transforms *tf;
    struct mapent *map;
    size_t nmap;
    int mapped;  /* map or unmapped given: every non-empty value goes through them */
    char *known; /* the map's keys, listed for an unmapped value's message */
    int unmapped;
    char *unmapped_value;
    size_t unmapped_len;
    char *def;
    size_t def_len;
    int has_def;
    int optional;
    int resolve;
    int keep_clear; /* detail only: "keep": "clear" */
    tk_timefmt *fmt;
};

struct tk_profile {
    char *name;
    int version;
    tk_enc enc;
    int header;
    size_t skip_rows;
    char *match_filename;
    char **match_header;
    size_t nmatch_header;
    char digest[65];
    struct spec spec[NFIELD];
};

struct tk_profile_row {
    const tk_profile *p;
    size_t col[NFIELD]; /* 0-based cell index for SRC_COLUMN */
    tk_enc enc;
    tk_enc_buf dec[NFIELD];
    tk_transform_scratch tscr[NFIELD];
    char **colnames;
    char **labels; /* what messages call column i: its name, or its number if it may be data */
    size_t ncols;
    tk_profile_resolve_fn resolve;
    void *ctx;
};

/* ---- loading ---------------------------------------------------------- */

static void spec_dispose(struct spec *s)
{
    tk_free(s->col_name);
    tk_free(s->value);
    tk_transforms_destroy(s->tf);
    for (size_t i = 0; i < s->nmap; i++) {
        tk_free(s->map[i].key);
        tk_free(s->map[i].val);
    }
    tk_free(s->map);
    tk_free(s->known);
    tk_free(s->unmapped_value);
    tk_free(s->def);
    tk_timefmt_destroy(s->fmt);
    memset(s, 0, sizeof *s);
}

void tk_profile_destroy(tk_profile *p)
{
    if (p == NULL)
        return;
    tk_free(p->name);
    tk_free(p->match_filename);
    for (size_t i = 0; i < p->nmatch_header; i++)
        tk_free(p->match_header[i]);
    tk_free(p->match_header);
    for (size_t f = 0; f < NFIELD; f++)
        spec_dispose(&p->spec[f]);
    tk_free(p);
}

static int perr(tk_error *err, const char *origin, const char *path, const char *fmt, ...)
    TK_PRINTF(4, 5);

static int perr(tk_error *err, const char *origin, const char *path, const char *fmt, ...)
{
    char what[TK_ERROR_MSG_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return tk_error_set(err, TK_EPROFILE, "profile %s: %s: %s", origin, path, what);
}

static char *dup_str(const char *s, size_t *len)
{
    const size_t n = strlen(s);
    if (len)
        *len = n;
    return tk_strndup(s, n);
}

/* Reads a JSON string value into a fresh copy; 0 on a non-string. */
static int take_string(json_t *v, char **out, size_t *len)
{
    if (!json_is_string(v))
        return 0;
    *out = tk_strndup(json_string_value(v), json_string_length(v));
    if (len)
        *len = json_string_length(v);
    return 1;
}

static int only_keys(json_t *obj, const char *const *allowed, const char *origin, const char *path,
                     tk_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        int ok = 0;
        for (size_t i = 0; allowed[i]; i++)
            ok |= strcmp(key, allowed[i]) == 0;
        if (!ok) {
            char p2[512];
            snprintf(p2, sizeof p2, "%s.%s", path, key);
            return perr(err, origin, p2, "unknown key%s (see docs/profiles.md)", "");
        }
    }
    return TK_OK;
}

/* Checks that a mapped or replacement value is acceptable for field f. */
static int valid_target(int f, const char *v, size_t len)
{
    switch (f) {
    case F_OPERATION:
        return tk_op_parse(v, len) >= 0;
    case F_RESULT:
        return (len == 7 && memcmp(v, "success", 7) == 0) ||
               (len == 7 && memcmp(v, "failure", 7) == 0);
    case F_MYNUMBER:
        return len == 1 && (v[0] == '0' || v[0] == '1');
    default:
        return 1;
    }
}

/* The message for a value v that valid_target() refused for field f: what
 * the field takes, so that the fix needs no look into the documentation. */
static int bad_target(tk_error *err, const char *origin, const char *path, int f, const char *v)
{
    if (f == F_RESULT)
        return perr(err, origin, path, "\"%s\" is not a canonical result (success or failure)", v);
    if (f == F_MYNUMBER)
        return perr(err, origin, path, "\"%s\" is not a canonical mynumber value (1 or 0)", v);
    const char *ops[TK_OP_COUNT_];
    for (int i = 0; i < TK_OP_COUNT_; i++)
        ops[i] = tk_op_name(i);
    char list[512];
    tk_error_join(list, sizeof list, ops, TK_OP_COUNT_);
    return perr(err, origin, path, "\"%s\" is not a canonical operation (one of: %s)", v, list);
}

static int load_spec(tk_profile *p, int f, json_t *obj, const char *origin, const char *path,
                     tk_error *err)
{
    static const char *const keys[] = {"column",   "value",   "transform", "map",
                                       "unmapped", "default", "optional",  "resolve",
                                       "format",   "keep",    NULL};
    struct spec *s = &p->spec[f];
    int rc;
    char p2[512];

    if (!json_is_object(obj))
        return perr(err, origin, path, "must be an object%s", "");
    rc = only_keys(obj, keys, origin, path, err);
    if (rc != TK_OK)
        return rc;
    json_t *col = json_object_get(obj, "column");
    json_t *val = json_object_get(obj, "value");
    if (col && val)
        return perr(err, origin, path, "give either column or value, not both%s", "");
    if (col) {
        s->src = SRC_COLUMN;
        if (json_is_integer(col)) {
            if (json_integer_value(col) < 1 || json_integer_value(col) > 100000)
                return perr(err, origin, path, "column index must be 1 or more%s", "");
            s->col_index = (size_t)json_integer_value(col);
        } else if (!take_string(col, &s->col_name, NULL) || s->col_name[0] == '\0') {
            return perr(err, origin, path, "column must be a header name or a 1-based index%s", "");
        }
    } else if (val) {
        s->src = SRC_VALUE;
        if (!take_string(val, &s->value, &s->value_len))
            return perr(err, origin, path, "value must be a string%s", "");
    } else {
        return perr(err, origin, path, "needs a column or a value%s", "");
    }
    json_t *tf = json_object_get(obj, "transform");
    if (tf) {
        snprintf(p2, sizeof p2, "%s.transform", path);
        rc = tk_transforms_parse(&s->tf, tf, p2, err);
        if (rc == TK_EINVAL) {
            char what[sizeof err->msg];
            snprintf(what, sizeof what, "%s", err ? err->msg : "");
            return tk_error_set(err, TK_EPROFILE, "profile %s: %s", origin, what);
        }
        if (rc != TK_OK)
            return rc;
    }
    json_t *map = json_object_get(obj, "map");
    if (map) {
        snprintf(p2, sizeof p2, "%s.map", path);
        if (!json_is_object(map))
            return perr(err, origin, p2, "must be an object%s", "");
        s->mapped = 1;
        s->map = tk_calloc(json_object_size(map) ? json_object_size(map) : 1, sizeof *s->map);
        if (s->map == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory loading profile");
        const char *key;
        json_t *v;
        json_object_foreach(map, key, v)
        {
            struct mapent *m = &s->map[s->nmap++];
            char p3[768];
            snprintf(p3, sizeof p3, "%s.%s", p2, key);
            m->key = dup_str(key, &m->klen);
            if (!take_string(v, &m->val, &m->vlen))
                return perr(err, origin, p3, "must be a string%s", "");
            if (m->key == NULL || m->val == NULL)
                return tk_error_set(err, TK_ENOMEM, "out of memory loading profile");
            if (!valid_target(f, m->val, m->vlen))
                return bad_target(err, origin, p3, f, m->val);
        }
        const char **mkeys = tk_calloc(s->nmap ? s->nmap : 1, sizeof *mkeys);
        if (mkeys == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory loading profile");
        for (size_t i = 0; i < s->nmap; i++)
            mkeys[i] = s->map[i].key;
        char known[512];
        tk_error_join(known, sizeof known, mkeys, s->nmap);
        tk_free(mkeys);
        s->known = dup_str(known, NULL);
        if (s->known == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory loading profile");
    } else if (f == F_OPERATION && s->src == SRC_COLUMN) {
        /* Without a map the column must already hold canonical names. */
    }
    json_t *um = json_object_get(obj, "unmapped");
    if (um) {
        snprintf(p2, sizeof p2, "%s.unmapped", path);
        if (!json_is_string(um))
            return perr(err, origin, p2, "must be \"error\", \"keep\" or a value%s", "");
        const char *u = json_string_value(um);
        s->mapped = 1;
        if (strcmp(u, "error") == 0) {
            if (s->nmap == 0)
                return perr(err, origin, p2,
                            "\"error\" with no map entries would refuse every value; give map "
                            "entries, \"keep\" or a replacement value%s",
                            "");
            s->unmapped = UNMAPPED_ERROR;
        } else if (strcmp(u, "keep") == 0) {
            if (f == F_OPERATION || f == F_RESULT || f == F_MYNUMBER)
                return perr(err, origin, p2, "\"keep\" is not allowed for this field%s", "");
            s->unmapped = UNMAPPED_KEEP;
        } else {
            s->unmapped = UNMAPPED_REPLACE;
            if (!take_string(um, &s->unmapped_value, &s->unmapped_len))
                return tk_error_set(err, TK_ENOMEM, "out of memory loading profile");
            if (!valid_target(f, u, strlen(u)))
                return bad_target(err, origin, p2, f, u);
        }
    }
    if (map != NULL && s->nmap == 0 && um == NULL)
        return perr(err, origin, path,
                    "an empty map needs an unmapped rule (e.g. \"unmapped\": \"failure\" with "
                    "\"default\": \"success\": empty means success, any other value failure)%s",
                    "");
    json_t *keep = json_object_get(obj, "keep");
    if (keep) {
        snprintf(p2, sizeof p2, "%s.keep", path);
        if (f != F_DETAIL)
            return perr(err, origin, p2, "only fields.detail takes keep%s", "");
        const char *k = json_is_string(keep) ? json_string_value(keep) : "";
        if (strcmp(k, "clear") == 0)
            s->keep_clear = 1;
        else if (strcmp(k, "pseudonym") != 0)
            return perr(err, origin, p2, "must be \"pseudonym\" (the default) or \"clear\"%s", "");
    }
    json_t *def = json_object_get(obj, "default");
    if (def) {
        snprintf(p2, sizeof p2, "%s.default", path);
        if (!take_string(def, &s->def, &s->def_len))
            return perr(err, origin, p2, "must be a string%s", "");
        s->has_def = 1;
        if (!valid_target(f, s->def, s->def_len))
            return bad_target(err, origin, p2, f, s->def);
    }
    json_t *opt = json_object_get(obj, "optional");
    if (opt) {
        if (!json_is_boolean(opt))
            return perr(err, origin, path, "optional must be true or false%s", "");
        s->optional = json_is_true(opt);
        if (s->optional &&
            (f == F_TIME || f == F_TIME2 || f == F_USER || f == F_OPERATION || f == F_SYSTEM))
            return perr(err, origin, path, "this field is required and cannot be optional%s", "");
    }
    json_t *res = json_object_get(obj, "resolve");
    if (res) {
        const char *r = json_is_string(res) ? json_string_value(res) : "";
        if (strcmp(r, "staff") == 0 && f == F_USER)
            s->resolve = TK_RESOLVE_STAFF;
        else if (strcmp(r, "terminal") == 0 && f == F_TERMINAL)
            s->resolve = TK_RESOLVE_TERMINAL;
        else
            return perr(err, origin, path,
                        "resolve must be \"staff\" (on user) or \"terminal\" (on terminal)%s", "");
    }
    json_t *fmt = json_object_get(obj, "format");
    if ((f == F_TIME || f == F_TIME2) != (fmt != NULL))
        return perr(
            err, origin, path,
            fmt ? "format is only for time%s" : "time needs a format (docs/time-formats.md)%s", "");
    if (fmt) {
        if (!json_is_string(fmt))
            return perr(err, origin, path, "format must be a string%s", "");
        rc = tk_timefmt_compile(&s->fmt, json_string_value(fmt), err);
        if (rc != TK_OK) {
            tk_error_prefix(err, "profile %s: %s.format", origin, path);
            return TK_EPROFILE;
        }
    }
    if (s->src == SRC_VALUE && !valid_target(f, s->value, s->value_len))
        return bad_target(err, origin, path, f, s->value);
    return TK_OK;
}

static int load_time(tk_profile *p, json_t *obj, const char *origin, tk_error *err)
{
    if (!json_is_object(obj))
        return perr(err, origin, "fields.time", "must be an object%s", "");
    json_t *date = json_object_get(obj, "date");
    if (date == NULL)
        return load_spec(p, F_TIME, obj, origin, "fields.time", err);
    static const char *const keys[] = {"date", "time", NULL};
    int rc = only_keys(obj, keys, origin, "fields.time", err);
    if (rc != TK_OK)
        return rc;
    json_t *time = json_object_get(obj, "time");
    if (time == NULL)
        return perr(err, origin, "fields.time", "a split timestamp needs both date and time%s", "");
    rc = load_spec(p, F_TIME, date, origin, "fields.time.date", err);
    if (rc != TK_OK)
        return rc;
    rc = load_spec(p, F_TIME2, time, origin, "fields.time.time", err);
    if (rc != TK_OK)
        return rc;
    if (!tk_timefmt_has_date(p->spec[F_TIME].fmt) || !tk_timefmt_has_time(p->spec[F_TIME2].fmt))
        return perr(err, origin, "fields.time",
                    "date.format must give a date and time.format a time of day%s", "");
    return TK_OK;
}

static int load_match(tk_profile *p, json_t *m, const char *origin, tk_error *err)
{
    static const char *const keys[] = {"filename", "header", NULL};
    if (!json_is_object(m))
        return perr(err, origin, "match", "must be an object%s", "");
    int rc = only_keys(m, keys, origin, "match", err);
    if (rc != TK_OK)
        return rc;
    json_t *fn = json_object_get(m, "filename");
    if (fn && !take_string(fn, &p->match_filename, NULL))
        return perr(err, origin, "match.filename", "must be a glob pattern string%s", "");
    json_t *h = json_object_get(m, "header");
    if (h) {
        if (!json_is_array(h))
            return perr(err, origin, "match.header", "must be a list of column names%s", "");
        p->match_header = tk_calloc(json_array_size(h), sizeof *p->match_header);
        if (p->match_header == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory loading profile");
        for (size_t i = 0; i < json_array_size(h); i++) {
            if (!take_string(json_array_get(h, i), &p->match_header[i], NULL))
                return perr(err, origin, "match.header", "must be a list of column names%s", "");
            p->nmatch_header++;
        }
    }
    return TK_OK;
}

static int load_root(tk_profile *p, json_t *root, const char *origin, tk_error *err)
{
    static const char *const keys[] = {"profile", "version",   "description", "match",  "encoding",
                                       "header",  "skip_rows", "system",      "fields", NULL};
    static const char *const fkeys[] = {
        "time",   "user",   "terminal",         "operation", "function", "subject",
        "result", "count",  "mynumber",         "file",      "bytes",    "device",
        "serial", "detail", "terminal_address", NULL};
    int rc;

    if (!json_is_object(root))
        return perr(err, origin, "(top level)", "must be a JSON object%s", "");
    rc = only_keys(root, keys, origin, "(top level)", err);
    if (rc != TK_OK)
        return rc;
    json_t *name = json_object_get(root, "profile");
    if (!json_is_string(name))
        return perr(err, origin, "profile", "the profile needs a name%s", "");
    const char *n = json_string_value(name);
    size_t nl = strlen(n);
    if (nl == 0 || nl > 64 || strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_-") != nl)
        return perr(err, origin, "profile", "name \"%s\" must be 1-64 of [a-z0-9_-]", n);
    p->name = dup_str(n, NULL);
    json_t *ver = json_object_get(root, "version");
    p->version = 1;
    if (ver) {
        if (!json_is_integer(ver) || json_integer_value(ver) < 1 ||
            json_integer_value(ver) > 1000000)
            return perr(err, origin, "version", "must be a positive integer%s", "");
        p->version = (int)json_integer_value(ver);
    }
    json_t *d = json_object_get(root, "description");
    if (d && !json_is_string(d))
        return perr(err, origin, "description", "must be a string%s", "");
    json_t *m = json_object_get(root, "match");
    if (m) {
        rc = load_match(p, m, origin, err);
        if (rc != TK_OK)
            return rc;
    }
    p->enc = TK_ENC_AUTO;
    json_t *enc = json_object_get(root, "encoding");
    if (enc) {
        if (!json_is_string(enc) || tk_enc_parse_name(json_string_value(enc), &p->enc) != TK_OK)
            return perr(err, origin, "encoding",
                        "must be auto, utf-8, utf-8-bom or cp932 (shift_jis)%s", "");
    }
    p->header = 1;
    json_t *h = json_object_get(root, "header");
    if (h) {
        if (!json_is_boolean(h))
            return perr(err, origin, "header", "must be true or false%s", "");
        p->header = json_is_true(h);
    }
    json_t *skip = json_object_get(root, "skip_rows");
    if (skip) {
        if (!json_is_integer(skip) || json_integer_value(skip) < 0 ||
            json_integer_value(skip) > 1000)
            return perr(err, origin, "skip_rows", "must be an integer from 0 to 1000%s", "");
        p->skip_rows = (size_t)json_integer_value(skip);
    }
    json_t *sys = json_object_get(root, "system");
    if (sys == NULL)
        return perr(err, origin, "system", "is required (a value or a column)%s", "");
    rc = load_spec(p, F_SYSTEM, sys, origin, "system", err);
    if (rc != TK_OK)
        return rc;
    json_t *fields = json_object_get(root, "fields");
    if (!json_is_object(fields))
        return perr(err, origin, "fields", "is required and must be an object%s", "");
    rc = only_keys(fields, fkeys, origin, "fields", err);
    if (rc != TK_OK)
        return rc;
    for (int f = 0; fkeys[f]; f++) {
        json_t *fs = json_object_get(fields, fkeys[f]);
        char path[64];
        snprintf(path, sizeof path, "fields.%s", fkeys[f]);
        if (fs == NULL) {
            if (strcmp(fkeys[f], "time") == 0 || strcmp(fkeys[f], "user") == 0 ||
                strcmp(fkeys[f], "operation") == 0)
                return perr(err, origin, path, "is required%s", "");
            continue;
        }
        if (strcmp(fkeys[f], "time") == 0) {
            rc = load_time(p, fs, origin, err);
        } else {
            int idx = 0;
            while (idx < NFIELD && strcmp(field_names[idx], fkeys[f]) != 0)
                idx++;
            rc = load_spec(p, idx, fs, origin, path, err);
        }
        if (rc != TK_OK)
            return rc;
    }
    if (!p->header) {
        for (int f = 0; f < NFIELD; f++) {
            if (p->spec[f].src == SRC_COLUMN && p->spec[f].col_name != NULL)
                return perr(err, origin, field_names[f],
                            "refers to a column by name but the profile has header: false%s", "");
        }
    }
    return TK_OK;
}

int tk_profile_parse(tk_profile **out, const char *json, size_t len, const char *origin,
                     tk_error *err)
{
    tk_profile *p = NULL;
    json_t *root = NULL;
    json_error_t jerr;
    int rc;

    *out = NULL;
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        /* jansson counts columns in characters from 1, and reports 0 when
         * the error is the end of a line (the file ended early). */
        if (jerr.line < 1)
            return tk_error_set(err, TK_EPARSE, "profile %s: not valid JSON: %s", origin,
                                jerr.text);
        return tk_error_set(err, TK_EPARSE, "profile %s: not valid JSON at line %d, column %d: %s",
                            origin, jerr.line, jerr.column < 1 ? 1 : jerr.column, jerr.text);
    }
    p = tk_calloc(1, sizeof *p);
    if (p == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory loading profile");
        goto done;
    }
    rc = load_root(p, root, origin, err);
    if (rc != TK_OK)
        goto done;
    uint8_t digest[TK_CRYPTO_SHA256_SIZE];
    rc = tk_crypto_sha256_once(json, len, digest, err);
    if (rc != TK_OK)
        goto done;
    tk_crypto_hex(digest, sizeof digest, p->digest);
    *out = p;
    p = NULL;
done:
    json_decref(root);
    tk_profile_destroy(p);
    return rc;
}

int tk_profile_load(tk_profile **out, const char *path, tk_error *err)
{
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = TK_OK;
    FILE *f;

    *out = NULL;
    f = fopen(path, "rb");
    if (f == NULL)
        return tk_error_set(err, TK_EIO, "cannot read profile %s: %s", path, strerror(errno));
    for (;;) {
        if (len == cap) {
            if (cap >= (1u << 20)) {
                rc = tk_error_set(err, TK_EPROFILE, "profile %s: larger than 1 MiB", path);
                goto done;
            }
            cap = cap ? cap * 2 : 8192;
            char *t = tk_realloc(text, cap);
            if (t == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory reading %s", path);
                goto done;
            }
            text = t;
        }
        const size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        rc = tk_error_set(err, TK_EIO, "cannot read profile %s", path);
        goto done;
    }
    rc = tk_profile_parse(out, text, len, path, err);
done:
    fclose(f);
    tk_free(text);
    return rc;
}

const char *tk_profile_name(const tk_profile *p)
{
    return p->name;
}

int tk_profile_version(const tk_profile *p)
{
    return p->version;
}

tk_enc tk_profile_encoding(const tk_profile *p)
{
    return p->enc;
}

int tk_profile_has_header(const tk_profile *p)
{
    return p->header;
}

size_t tk_profile_skip_rows(const tk_profile *p)
{
    return p->skip_rows;
}

int tk_profile_detail_clear(const tk_profile *p)
{
    return p->spec[F_DETAIL].keep_clear;
}

const char *tk_profile_digest(const tk_profile *p)
{
    return p->digest;
}

size_t tk_profile_systems(const tk_profile *p, const char **out, size_t cap)
{
    const struct spec *s = &p->spec[F_SYSTEM];
    size_t n = 0;
    if (s->src == SRC_VALUE) {
        if (cap > 0)
            out[0] = s->value;
        return 1;
    }
    for (size_t i = 0; i <= s->nmap; i++) {
        const char *v = i < s->nmap ? s->map[i].val
                                    : (s->unmapped == UNMAPPED_REPLACE ? s->unmapped_value : NULL);
        if (v == NULL)
            continue;
        size_t j = 0;
        /* Distinct values only: several words of a system often map to one. */
        while (j < i && j < s->nmap && strcmp(s->map[j].val, v) != 0)
            j++;
        if (j < i && j < s->nmap)
            continue;
        if (n < cap)
            out[n] = v;
        n++;
    }
    return n;
}

int tk_profile_resolves(const tk_profile *p, int what)
{
    if (what == TK_RESOLVE_STAFF)
        return p->spec[F_USER].resolve == TK_RESOLVE_STAFF;
    if (what == TK_RESOLVE_TERMINAL)
        return p->spec[F_TERMINAL].resolve == TK_RESOLVE_TERMINAL;
    return 0;
}

int tk_profile_match_filename(const tk_profile *p, const char *path)
{
    if (p->match_filename == NULL)
        return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return fnmatch(p->match_filename, base, 0) == 0;
}

/* Compares a header cell with a name, ignoring surrounding ASCII spaces. */
static int cell_is(const char *cell, size_t len, const char *name)
{
    while (len > 0 && (cell[0] == ' ' || cell[0] == '\t')) {
        cell++;
        len--;
    }
    while (len > 0 && (cell[len - 1] == ' ' || cell[len - 1] == '\t'))
        len--;
    return strlen(name) == len && memcmp(cell, name, len) == 0;
}

int tk_profile_match_header(const tk_profile *p, const tk_view *cells, size_t n)
{
    if (p->nmatch_header == 0)
        return 0;
    for (size_t i = 0; i < p->nmatch_header; i++) {
        size_t j = 0;
        while (j < n && !cell_is(cells[j].p, cells[j].len, p->match_header[i]))
            j++;
        if (j == n)
            return 0;
    }
    return 1;
}

/* ---- binding ---------------------------------------------------------- */

void tk_profile_row_destroy(tk_profile_row *b)
{
    if (b == NULL)
        return;
    for (size_t f = 0; f < NFIELD; f++) {
        tk_enc_buf_dispose(&b->dec[f]);
        tk_transform_scratch_dispose(&b->tscr[f]);
    }
    for (size_t i = 0; i < b->ncols; i++) {
        tk_free(b->colnames[i]);
        if (b->labels != NULL)
            tk_free(b->labels[i]);
    }
    tk_free(b->colnames);
    tk_free(b->labels);
    tk_free(b);
}

tk_enc tk_profile_row_encoding(const tk_profile_row *b)
{
    return b->enc;
}

const char *tk_profile_row_column_name(const tk_profile_row *b, size_t i)
{
    return i < b->ncols ? b->labels[i] : NULL;
}

const char *tk_profile_row_date_column(const tk_profile_row *b, char *buf, size_t cap)
{
    const struct spec *s = &b->p->spec[F_TIME];
    if (s->src != SRC_COLUMN)
        return NULL;
    if (s->col_name != NULL)
        return s->col_name;
    if (b->col[F_TIME] < b->ncols)
        return b->colnames[b->col[F_TIME]];
    snprintf(buf, cap, "%zu", b->col[F_TIME] + 1);
    return buf;
}

int tk_profile_row_is_subject(const tk_profile_row *b, size_t i)
{
    return b->p->spec[F_SUBJECT].src == SRC_COLUMN && b->col[F_SUBJECT] == i;
}

static int has_high_bit(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)p[i] >= 0x80)
            return 1;
    }
    return 0;
}

/* Decodes one cell to UTF-8. While the file's encoding is undecided (only
 * ASCII seen so far) the first cell with a high byte decides it. */
static int decode(tk_profile_row *b, size_t slot, const char *p, size_t len, tk_view *out,
                  size_t *bad, tk_error *err)
{
    if (b->enc == TK_ENC_ASCII) {
        if (!has_high_bit(p, len)) {
            out->p = p;
            out->len = len;
            return TK_OK;
        }
        const tk_enc d = tk_enc_detect(p, len, 1);
        b->enc = d == TK_ENC_UTF8 ? TK_ENC_UTF8 : TK_ENC_CP932;
    }
    return tk_enc_to_utf8(b->enc, p, len, &b->dec[slot], &out->p, &out->len, bad, err);
}

/* tk_mask_known_fn over the column names the profile uses (its fields'
 * columns and match.header): a header cell that is one of them is a name,
 * not data. */
static int profile_names(const void *ctx, const char *cell)
{
    const tk_profile *p = ctx;
    const size_t len = strlen(cell);
    for (size_t f = 0; f < NFIELD; f++) {
        const struct spec *s = &p->spec[f];
        if (s->src == SRC_COLUMN && s->col_name != NULL && cell_is(cell, len, s->col_name))
            return 1;
    }
    for (size_t i = 0; i < p->nmatch_header; i++) {
        if (cell_is(cell, len, p->match_header[i]))
            return 1;
    }
    return 0;
}

/* Sets b->labels: a header cell names its column in messages and reports
 * only when it may be quoted in clear (src/mask.h); any other cell may be
 * a value of the first data row (a profile that refers to columns by
 * number, read with "header": true, binds to any first line), so the
 * column is called by its 1-based number. */
static int set_labels(tk_profile_row *b, tk_error *err)
{
    const void *const ctx = b->p;
    const int rec =
        tk_mask_header_recognised((const char *const *)b->colnames, b->ncols, profile_names, ctx);
    b->labels = tk_calloc(b->ncols ? b->ncols : 1, sizeof *b->labels);
    if (b->labels == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory binding profile");
    for (size_t i = 0; i < b->ncols; i++) {
        char num[24];
        const char *name = b->colnames[i];
        if (!tk_mask_header_clear(name, rec, profile_names, ctx)) {
            snprintf(num, sizeof num, "%zu", i + 1);
            name = num;
        }
        b->labels[i] = tk_strndup(name, strlen(name));
        if (b->labels[i] == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory binding profile");
    }
    return TK_OK;
}

int tk_profile_bind(tk_profile_row **out, const tk_profile *p, const tk_view *header,
                    size_t nfields, tk_enc enc, tk_profile_resolve_fn resolve, void *ctx,
                    tk_error *err)
{
    tk_profile_row *b = NULL;
    int rc = TK_OK;

    *out = NULL;
    b = tk_calloc(1, sizeof *b);
    if (b == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory binding profile");
    b->p = p;
    b->enc = enc == TK_ENC_UTF8_BOM ? TK_ENC_UTF8 : enc;
    b->resolve = resolve;
    b->ctx = ctx;
    for (size_t f = 0; f < NFIELD; f++) {
        tk_enc_buf_init(&b->dec[f]);
        tk_transform_scratch_init(&b->tscr[f]);
    }
    if (p->header && header != NULL) {
        b->colnames = tk_calloc(nfields, sizeof *b->colnames);
        if (b->colnames == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory binding profile");
            goto done;
        }
        for (size_t i = 0; i < nfields; i++) {
            tk_view v;
            size_t bad = 0;
            rc = decode(b, 0, header[i].p, header[i].len, &v, &bad, err);
            if (rc != TK_OK) {
                tk_error_prefix(err, "header column %zu", i + 1);
                goto done;
            }
            b->colnames[i] = tk_strndup(v.p, v.len);
            if (b->colnames[i] == NULL) {
                rc = tk_error_set(err, TK_ENOMEM, "out of memory binding profile");
                goto done;
            }
            b->ncols++;
        }
    }
    /* Every named column is looked up before anything is reported, so
     * that one message lists all that are missing (time first: it is what
     * an analyst checks first), and the header found, whole names only. */
    char *missing[NFIELD];
    size_t nmissing = 0;
    for (size_t k = 0; k < NFIELD; k++) {
        const size_t f = (k + F_TIME) % NFIELD;
        const struct spec *s = &p->spec[f];
        if (s->src != SRC_COLUMN)
            continue;
        if (s->col_name == NULL) {
            if (s->col_index > nfields) {
                rc = tk_error_set(err, TK_EPROFILE,
                                  "profile %s: %s refers to column %zu but records have %zu "
                                  "columns",
                                  p->name, field_names[f], s->col_index, nfields);
                break;
            }
            b->col[f] = s->col_index - 1;
            continue;
        }
        size_t i = 0;
        while (i < b->ncols && !cell_is(b->colnames[i], strlen(b->colnames[i]), s->col_name))
            i++;
        if (i < b->ncols) {
            b->col[f] = i;
            continue;
        }
        const size_t need = strlen(s->col_name) + strlen(field_names[f]) + 6;
        missing[nmissing] = tk_alloc(need);
        if (missing[nmissing] == NULL) {
            rc = tk_error_set(err, TK_ENOMEM, "out of memory binding profile");
            break;
        }
        snprintf(missing[nmissing++], need, "\"%s\" (%s)", s->col_name, field_names[f]);
    }
    if (rc == TK_OK && nmissing > 0) {
        /* The line may be the first data row of a file without a header:
         * its cells are listed masked unless they are plausible names. */
        char names[512], found[1024];
        int rec = 1;
        tk_error_join(names, sizeof names, (const char *const *)missing, nmissing);
        if (b->ncols > 0)
            rc = tk_mask_header_join(found, sizeof found, (const char *const *)b->colnames,
                                     b->ncols, profile_names, p, &rec, err);
        else
            snprintf(found, sizeof found, "(no columns)");
        if (rc == TK_OK && rec)
            rc = tk_error_set(err, TK_EPROFILE,
                              "profile %s: column%s %s %s not in the header; the header has: %s",
                              p->name, nmissing > 1 ? "s" : "", names, nmissing > 1 ? "are" : "is",
                              found);
        else if (rc == TK_OK)
            rc = tk_error_set(err, TK_EPROFILE,
                              "profile %s: column%s %s %s not in the header; the first line "
                              "names none of the profile's columns and may be a data row (a "
                              "file without a header needs \"header\": false); it has, masked: "
                              "%s",
                              p->name, nmissing > 1 ? "s" : "", names, nmissing > 1 ? "are" : "is",
                              found);
    }
    for (size_t i = 0; i < nmissing; i++)
        tk_free(missing[i]);
    if (rc == TK_OK)
        rc = set_labels(b, err);
    if (rc != TK_OK)
        goto done;
    *out = b;
    b = NULL;
done:
    tk_profile_row_destroy(b);
    return rc;
}

/* ---- applying --------------------------------------------------------- */

/* Writes at most cap-1 bytes of v into out for messages, cutting at a
 * UTF-8 character boundary; a resident identifier is masked by characters
 * (tk_mask_value()). */
static void quote_value(const tk_view *v, int mask, char *out, size_t cap)
{
    if (mask) {
        char m[TK_MASK_SIZE];
        tk_mask_value(v->p, v->len, m);
        snprintf(out, cap, "%s", m);
        return;
    }
    size_t n = v->len < cap - 4 ? v->len : cap - 4;
    while (n > 0 && n < v->len && ((unsigned char)v->p[n] & 0xC0) == 0x80)
        n--;
    memcpy(out, v->p, n);
    if (n < v->len) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

static int row_error(tk_profile_row *b, int f, const tk_view *v, tk_error *err, int code,
                     const char *what)
{
    char val[64];
    const struct spec *s = &b->p->spec[f];
    const char *col = s->col_name;
    char colbuf[32];
    if (s->src == SRC_COLUMN && col == NULL) {
        if (b->col[f] < b->ncols) {
            col = b->labels[b->col[f]];
        } else {
            snprintf(colbuf, sizeof colbuf, "%zu", b->col[f] + 1);
            col = colbuf;
        }
    }
    if (v != NULL) {
        quote_value(v, f == F_SUBJECT, val, sizeof val);
        return tk_error_set(err, code, "column %s (%s): \"%s\": %s", col ? col : "(value)",
                            field_names[f], val, what);
    }
    return tk_error_set(err, code, "column %s (%s): %s", col ? col : "(value)", field_names[f],
                        what);
}

static int apply_transforms(tk_profile_row *b, int f, tk_view *v, tk_error *err)
{
    const tk_view orig = *v;
    const int rc = tk_transforms_apply(b->p->spec[f].tf, v, &b->tscr[f], err);
    if (rc != TK_EPARSE)
        return rc;
    char what[sizeof err->msg];
    snprintf(what, sizeof what, "%s", err ? err->msg : "");
    return row_error(b, f, &orig, err, rc, what);
}

/* Produces field f's final text into *v (v->p == NULL: absent). resolved
 * is set to 1/0 when the field resolves through master data. */
static int get_value(tk_profile_row *b, int f, const tk_view *cells, size_t n, tk_view *v,
                     int *resolved, size_t *bad_column, tk_error *err)
{
    const struct spec *s = &b->p->spec[f];
    int rc;

    v->p = NULL;
    v->len = 0;
    if (s->src == SRC_NONE)
        return TK_OK;
    if (s->src == SRC_VALUE) {
        v->p = s->value;
        v->len = s->value_len;
    } else {
        const size_t c = b->col[f];
        *bad_column = c;
        if (c >= n)
            return tk_error_set(err, TK_EPROFILE, "record has %zu columns, %s needs column %zu", n,
                                field_names[f], c + 1);
        size_t bad = 0;
        rc = decode(b, (size_t)f, cells[c].p, cells[c].len, v, &bad, err);
        if (rc != TK_OK) {
            tk_error_prefix(err, "column %s (%s)", c < b->ncols ? b->colnames[c] : "?",
                            field_names[f]);
            return rc;
        }
    }
    rc = apply_transforms(b, f, v, err);
    if (rc != TK_OK)
        return rc;
    if (v->len == 0) {
        if (s->has_def) {
            /* A default is the field's final value, in tenken's words
             * (validated at load), so it skips the map and resolution. */
            v->p = s->def;
            v->len = s->def_len;
            return TK_OK;
        } else if (f != F_TIME && f != F_TIME2 && f != F_USER && f != F_OPERATION &&
                   f != F_SYSTEM) {
            /* Only the fields every event needs must be present; an empty
             * cell elsewhere (no subject on a logon) means absent. */
            v->p = NULL;
            v->len = 0;
            return TK_OK;
        } else {
            return row_error(b, f, NULL, err, TK_EPARSE, "is empty");
        }
    }
    if (s->mapped) {
        size_t i = 0;
        while (i < s->nmap &&
               !(s->map[i].klen == v->len && memcmp(s->map[i].key, v->p, v->len) == 0))
            i++;
        if (i < s->nmap) {
            v->p = s->map[i].val;
            v->len = s->map[i].vlen;
        } else if (s->unmapped == UNMAPPED_REPLACE) {
            v->p = s->unmapped_value;
            v->len = s->unmapped_len;
        } else if (s->unmapped == UNMAPPED_ERROR) {
            char what[600];
            snprintf(what, sizeof what, "not in the profile's map (known: %s)", s->known);
            return row_error(b, f, v, err, TK_EPARSE, what);
        }
    }
    if (s->resolve != TK_RESOLVE_NONE) {
        size_t rlen = 0;
        const char *r = b->resolve ? b->resolve(b->ctx, s->resolve, v->p, v->len, &rlen) : NULL;
        *resolved = r != NULL;
        if (r != NULL) {
            v->p = r;
            v->len = rlen;
        }
    }
    return TK_OK;
}

/* Re-raises a time-parsing error with the column in front. The message is
 * copied first because row_error writes into the same record. */
static int time_error(tk_profile_row *b, int f, int rc, tk_error *err)
{
    char what[sizeof err->msg];
    snprintf(what, sizeof what, "%s", err ? err->msg : "bad timestamp");
    return row_error(b, f, NULL, err, rc, what);
}

static int parse_time(tk_profile_row *b, const tk_view *cells, size_t n, int64_t *t,
                      size_t *bad_column, tk_error *err)
{
    const tk_profile *p = b->p;
    tk_view v;
    int dummy = 0;
    tk_tm tm, tm2;
    int rc = get_value(b, F_TIME, cells, n, &v, &dummy, bad_column, err);
    if (rc != TK_OK)
        return rc;
    rc = tk_timefmt_parse(p->spec[F_TIME].fmt, v.p, v.len, &tm, err);
    if (rc != TK_OK)
        return time_error(b, F_TIME, rc, err);
    if (p->spec[F_TIME2].src != SRC_NONE) {
        rc = get_value(b, F_TIME2, cells, n, &v, &dummy, bad_column, err);
        if (rc != TK_OK)
            return rc;
        rc = tk_timefmt_parse(p->spec[F_TIME2].fmt, v.p, v.len, &tm2, err);
        if (rc != TK_OK)
            return time_error(b, F_TIME2, rc, err);
        rc = tk_tm_merge(&tm, &tm2, err);
        if (rc != TK_OK)
            return time_error(b, F_TIME2, rc, err);
    }
    if (!tm.has_date)
        return row_error(b, F_TIME, NULL, err, TK_EPARSE, "the timestamp has no date");
    rc = tk_tm_to_unix_ms(&tm, t, err);
    if (rc != TK_OK)
        return time_error(b, F_TIME, rc, err);
    return TK_OK;
}

/* The units a count or a byte size may carry after its digits; none of
 * them multiplies (a "KB" is refused rather than guessed). */
static const char *const count_units[] = {"件", "行", "人", "名", "枚", "通",
                                          "部", "冊", "回", "個", "頁", NULL};
static const char *const byte_units[] = {"B", "byte", "bytes", "バイト", NULL};

/* Reads a whole number as exports write it: ASCII or full-width digits,
 * optionally grouped by thousands separators ("," or "，") in groups of
 * exactly three after the first (so "1,02" and "12,3456", which could be
 * a decimal comma or a typo, are refused rather than read as 102 or
 * 123456), then optionally a unit of the field (1,024件). */
static int parse_int(tk_profile_row *b, int f, const tk_view *v, int64_t *out, tk_error *err)
{
    const char *const *units = f == F_BYTES ? byte_units : count_units;
    tk_view t = *v;
    char digits[32];
    size_t nd = 0, group = 0;
    int seps = 0, bad_group = 0;
    tk_transform_trim(&t);
    while (t.len > 0) {
        const unsigned char c = (unsigned char)t.p[0];
        size_t step = 1;
        int digit = -1, sep = 0;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c == ',') {
            sep = 1;
        } else if (c == 0xEF && t.len >= 3 && (unsigned char)t.p[1] == 0xBC) {
            const unsigned char c2 = (unsigned char)t.p[2];
            step = 3;
            if (c2 >= 0x90 && c2 <= 0x99)
                digit = c2 - 0x90;
            else if (c2 == 0x8C)
                sep = 1;
        }
        if (digit < 0 && !sep)
            break;
        if (digit >= 0) {
            if (nd + 1 >= sizeof digits)
                return row_error(b, f, v, err, TK_EPARSE, "expected a whole number of 0 or more");
            digits[nd++] = (char)('0' + digit);
            group++;
        } else {
            if (nd == 0)
                break;
            bad_group |= seps ? group != 3 : group > 3;
            seps = 1;
            group = 0;
        }
        t.p += step;
        t.len -= step;
    }
    if (nd > 0 && seps && (bad_group || group != 3))
        return row_error(b, f, v, err, TK_EPARSE,
                         "thousands separators must be followed by groups of three digits "
                         "(26,382 or 1,024,000)");
    tk_transform_trim(&t);
    if (nd > 0 && t.len > 0 && t.p[0] != '.') {
        size_t u = 0;
        while (units[u] != NULL &&
               !(strlen(units[u]) == t.len && memcmp(units[u], t.p, t.len) == 0))
            u++;
        if (units[u] == NULL) {
            char list[128], what[256], unit[64];
            tk_error_join(list, sizeof list, units, u);
            quote_value(&t, 0, unit, sizeof unit);
            snprintf(what, sizeof what,
                     "expected a whole number of 0 or more; the unit \"%s\" is not understood "
                     "(%s takes %s)",
                     unit, field_names[f], list);
            return row_error(b, f, v, err, TK_EPARSE, what);
        }
        t.len = 0; /* the unit */
    }
    if (nd == 0 || t.len > 0 || !tk_parse_i64(digits, nd, out) || *out < 0)
        return row_error(b, f, v, err, TK_EPARSE, "expected a whole number of 0 or more");
    return TK_OK;
}

int tk_profile_row_apply(tk_profile_row *b, const tk_view *cells, size_t n, tk_event *ev,
                         size_t *bad_column, tk_error *err)
{
    int rc;
    int resolved = 0;
    tk_view v;
    size_t badc = 0;

    memset(ev, 0, sizeof *ev);
    ev->mynumber = -1;
    rc = parse_time(b, cells, n, &ev->t, &badc, err);
    if (rc != TK_OK)
        goto done;

#define GET(field, dst)                                                                            \
    do {                                                                                           \
        rc = get_value(b, field, cells, n, &(dst), &resolved, &badc, err);                         \
        if (rc != TK_OK)                                                                           \
            goto done;                                                                             \
    } while (0)

    GET(F_SYSTEM, ev->system);
    resolved = 0;
    GET(F_USER, ev->user);
    ev->user_resolved = resolved;
    resolved = 0;
    GET(F_TERMINAL, ev->terminal);
    ev->terminal_resolved = resolved;
    GET(F_FUNCTION, ev->function);
    GET(F_SUBJECT, ev->subject);
    GET(F_FILE, ev->file);
    GET(F_DEVICE, ev->device);
    GET(F_SERIAL, ev->serial);
    GET(F_DETAIL, ev->detail);
    GET(F_TERMINAL_ADDRESS, ev->terminal_address);

    GET(F_OPERATION, v);
    ev->op = tk_op_parse(v.p, v.len);
    if (ev->op < 0) {
        const char *ops[TK_OP_COUNT_];
        for (int i = 0; i < TK_OP_COUNT_; i++)
            ops[i] = tk_op_name(i);
        char list[512], what[600];
        tk_error_join(list, sizeof list, ops, TK_OP_COUNT_);
        snprintf(what, sizeof what,
                 "not a canonical operation (one of: %s); give the profile a map", list);
        rc = row_error(b, F_OPERATION, &v, err, TK_EPARSE, what);
        goto done;
    }
    GET(F_RESULT, v);
    ev->result = TK_RESULT_SUCCESS;
    if (v.p != NULL) {
        if (v.len == 7 && memcmp(v.p, "failure", 7) == 0) {
            ev->result = TK_RESULT_FAILURE;
        } else if (!(v.len == 7 && memcmp(v.p, "success", 7) == 0)) {
            rc = row_error(b, F_RESULT, &v, err, TK_EPARSE, "expected success or failure");
            goto done;
        }
    }
    GET(F_COUNT, v);
    if (v.p != NULL) {
        rc = parse_int(b, F_COUNT, &v, &ev->count, err);
        if (rc != TK_OK)
            goto done;
        ev->has_count = 1;
    }
    GET(F_BYTES, v);
    if (v.p != NULL) {
        rc = parse_int(b, F_BYTES, &v, &ev->bytes, err);
        if (rc != TK_OK)
            goto done;
        ev->has_bytes = 1;
    }
    GET(F_MYNUMBER, v);
    if (v.p != NULL) {
        if (v.len == 1 && (v.p[0] == '0' || v.p[0] == '1')) {
            ev->mynumber = v.p[0] - '0';
        } else {
            rc = row_error(b, F_MYNUMBER, &v, err, TK_EPARSE, "expected 1 or 0 (map the value)");
            goto done;
        }
    }
#undef GET
    if (ev->system.p == NULL) {
        rc = row_error(b, F_SYSTEM, NULL, err, TK_EPARSE, "is empty");
        goto done;
    }
done:
    if (bad_column)
        *bad_column = badc;
    return rc;
}
