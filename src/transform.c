/* src/transform.c -- value transforms.
 *
 * Cutting steps (trim, the strips and regex captures) work on the view and
 * copy nothing. Case and width folding write new bytes, so they copy into
 * one of two scratch buffers, alternating, because the input of a step may
 * itself live in the buffer the previous step wrote.
 *
 * Regular expressions are POSIX extended without back-references, compiled
 * once at parse time by src/regex, whose program size and matching work
 * are bounded: a profile cannot make a row take exponential time or a
 * pattern like a{255}{255} expand to gigabytes. A value on which a match
 * runs out of its step budget is a row error like a value that does not
 * match. */
#include "src/transform.h"

#include <stdio.h>
#include <string.h>

#include "src/alloc.h"
#include "src/regex.h"

enum {
    TF_TRIM,
    TF_STRIP_DOMAIN,
    TF_STRIP_PREFIX,
    TF_STRIP_SUFFIX,
    TF_REGEX,
    TF_UPPER,
    TF_LOWER,
    TF_ZENKAKU
};

struct step {
    int kind;
    char *arg;
    size_t arglen;
    tk_re *re;
    int no_match_empty; /* regex: a value that does not match becomes empty */
};

struct tk_transforms {
    struct step *steps;
    size_t n;
};

static const struct {
    const char *name;
    int kind;
    int has_arg;
} step_names[] = {{"trim", TF_TRIM, 0},
                  {"strip_domain", TF_STRIP_DOMAIN, 0},
                  {"strip_prefix", TF_STRIP_PREFIX, 1},
                  {"strip_suffix", TF_STRIP_SUFFIX, 1},
                  {"regex", TF_REGEX, 1},
                  {"upper", TF_UPPER, 0},
                  {"lower", TF_LOWER, 0},
                  {"zenkaku_digits", TF_ZENKAKU, 0}};

#define NSTEPS (sizeof step_names / sizeof step_names[0])

void tk_transforms_destroy(tk_transforms *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++) {
        tk_free(t->steps[i].arg);
        tk_re_destroy(t->steps[i].re);
    }
    tk_free(t->steps);
    tk_free(t);
}

/* Reads a regex step's "on_no_match" option (opt may be NULL). */
static int parse_no_match(struct step *st, const json_t *opt, const char *path, size_t i,
                          tk_error *err)
{
    if (opt == NULL)
        return TK_OK;
    if (st->kind != TF_REGEX)
        return tk_error_set(err, TK_EINVAL, "%s[%zu].on_no_match is only for a regex step", path,
                            i);
    const char *v = json_is_string(opt) ? json_string_value(opt) : "";
    if (strcmp(v, "empty") == 0)
        st->no_match_empty = 1;
    else if (strcmp(v, "error") != 0)
        return tk_error_set(err, TK_EINVAL,
                            "%s[%zu].on_no_match must be \"error\" (the row is bad) or \"empty\" "
                            "(the value becomes empty)",
                            path, i);
    return TK_OK;
}

/* A step is an object with one step key, and for regex optionally
 * "on_no_match". */
static int parse_step(struct step *st, const json_t *obj, const char *path, size_t i, tk_error *err)
{
    const json_t *opt = json_is_object(obj) ? json_object_get(obj, "on_no_match") : NULL;
    const size_t nkeys = json_is_object(obj) ? json_object_size(obj) : 0;
    if (!json_is_object(obj) || nkeys == 0 || nkeys > 1 + (opt != NULL))
        return tk_error_set(err, TK_EINVAL,
                            "%s[%zu] must be an object with one step (and, for regex, "
                            "on_no_match)",
                            path, i);
    const char *name = NULL;
    const json_t *arg = NULL;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val)
    {
        if (strcmp(key, "on_no_match") != 0) {
            name = key;
            arg = val;
        }
    }
    if (name == NULL)
        return tk_error_set(err, TK_EINVAL, "%s[%zu].on_no_match is only for a regex step", path,
                            i);
    size_t k = 0;
    while (k < NSTEPS && strcmp(step_names[k].name, name) != 0)
        k++;
    if (k == NSTEPS)
        return tk_error_set(err, TK_EINVAL,
                            "%s[%zu]: unknown step \"%s\" (steps: trim, strip_domain, "
                            "strip_prefix, strip_suffix, regex, upper, lower, zenkaku_digits)",
                            path, i, name);
    st->kind = step_names[k].kind;
    int rc = parse_no_match(st, opt, path, i, err);
    if (rc != TK_OK)
        return rc;
    if (step_names[k].has_arg) {
        if (!json_is_string(arg) || json_string_length(arg) == 0)
            return tk_error_set(err, TK_EINVAL, "%s[%zu].%s must be a non-empty string", path, i,
                                name);
        st->arglen = json_string_length(arg);
        st->arg = tk_strndup(json_string_value(arg), st->arglen);
        if (st->arg == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory reading transforms");
    } else if (!json_is_true(arg)) {
        return tk_error_set(err, TK_EINVAL, "%s[%zu].%s must be true", path, i, name);
    }
    if (st->kind == TF_REGEX) {
        rc = tk_re_compile(&st->re, st->arg, st->arglen, err);
        if (rc != TK_OK)
            tk_error_prefix(err, "%s[%zu].regex", path, i);
        return rc;
    }
    return TK_OK;
}

int tk_transforms_parse(tk_transforms **out, const json_t *arr, const char *path, tk_error *err)
{
    tk_transforms *t = NULL;
    int rc = TK_OK;

    *out = NULL;
    if (!json_is_array(arr))
        return tk_error_set(err, TK_EINVAL, "%s must be a list of steps", path);
    t = tk_calloc(1, sizeof *t);
    if (t == NULL)
        return tk_error_set(err, TK_ENOMEM, "out of memory reading transforms");
    t->steps = tk_calloc(json_array_size(arr), sizeof *t->steps);
    if (t->steps == NULL) {
        rc = tk_error_set(err, TK_ENOMEM, "out of memory reading transforms");
        goto done;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        /* Counted before parsing so that destroy frees a half-built step. */
        t->n++;
        rc = parse_step(&t->steps[i], json_array_get(arr, i), path, i, err);
        if (rc != TK_OK)
            goto done;
    }
    *out = t;
    t = NULL;
done:
    tk_transforms_destroy(t);
    return rc;
}

void tk_transform_scratch_init(tk_transform_scratch *s)
{
    memset(s, 0, sizeof *s);
    tk_re_scratch_init(&s->re);
}

void tk_transform_scratch_dispose(tk_transform_scratch *s)
{
    if (s == NULL)
        return;
    tk_free(s->p[0]);
    tk_free(s->p[1]);
    tk_re_scratch_dispose(&s->re);
    memset(s, 0, sizeof *s);
}

/* Copies v into scratch buffer i with a terminating NUL. */
static char *put(tk_transform_scratch *s, int i, const tk_view *v)
{
    if (v->len + 1 > s->cap[i]) {
        size_t cap = s->cap[i] ? s->cap[i] : 64;
        while (cap < v->len + 1)
            cap *= 2;
        char *n = tk_realloc(s->p[i], cap);
        if (n == NULL)
            return NULL;
        s->p[i] = n;
        s->cap[i] = cap;
    }
    if (v->len > 0)
        memcpy(s->p[i], v->p, v->len);
    s->p[i][v->len] = '\0';
    return s->p[i];
}

void tk_transform_trim(tk_view *v)
{
    while (v->len > 0) {
        if (v->p[0] == ' ' || v->p[0] == '\t') {
            v->p++;
            v->len--;
        } else if (v->len >= 3 && (unsigned char)v->p[0] == 0xE3 &&
                   (unsigned char)v->p[1] == 0x80 && (unsigned char)v->p[2] == 0x80) {
            v->p += 3;
            v->len -= 3;
        } else {
            break;
        }
    }
    while (v->len > 0) {
        if (v->p[v->len - 1] == ' ' || v->p[v->len - 1] == '\t')
            v->len--;
        else if (v->len >= 3 && (unsigned char)v->p[v->len - 3] == 0xE3 &&
                 (unsigned char)v->p[v->len - 2] == 0x80 && (unsigned char)v->p[v->len - 1] == 0x80)
            v->len -= 3;
        else
            break;
    }
}

/* Case and width folding; U+FF10..FF19 = EF BC 90..99, U+FF21..FF3A = EF BC
 * A1..BA, U+FF41..FF5A = EF BD 81..9A. Returns the new length. */
static size_t fold(char *p, size_t len, int kind)
{
    size_t o = 0;
    for (size_t j = 0; j < len; j++) {
        unsigned char c = (unsigned char)p[j];
        if (kind == TF_UPPER && c >= 'a' && c <= 'z') {
            c = (unsigned char)(c - 32);
        } else if (kind == TF_LOWER && c >= 'A' && c <= 'Z') {
            c = (unsigned char)(c + 32);
        } else if (kind == TF_ZENKAKU && c == 0xEF && j + 2 < len) {
            const unsigned char c1 = (unsigned char)p[j + 1];
            const unsigned char c2 = (unsigned char)p[j + 2];
            if (c1 == 0xBC && c2 >= 0x90 && c2 <= 0x99) {
                c = (unsigned char)('0' + (c2 - 0x90));
                j += 2;
            } else if (c1 == 0xBC && c2 >= 0xA1 && c2 <= 0xBA) {
                c = (unsigned char)('A' + (c2 - 0xA1));
                j += 2;
            } else if (c1 == 0xBD && c2 >= 0x81 && c2 <= 0x9A) {
                c = (unsigned char)('a' + (c2 - 0x81));
                j += 2;
            }
        }
        p[o++] = (char)c;
    }
    return o;
}

int tk_transforms_apply(const tk_transforms *t, tk_view *v, tk_transform_scratch *s, tk_error *err)
{
    int which = 0;
    if (t == NULL)
        return TK_OK;
    for (size_t i = 0; i < t->n; i++) {
        const struct step *st = &t->steps[i];
        switch (st->kind) {
        case TF_TRIM:
            tk_transform_trim(v);
            break;
        case TF_STRIP_DOMAIN:
            for (size_t j = v->len; j-- > 0;) {
                if (v->p[j] == '\\') {
                    v->p += j + 1;
                    v->len -= j + 1;
                    break;
                }
            }
            break;
        case TF_STRIP_PREFIX:
            if (v->len >= st->arglen && memcmp(v->p, st->arg, st->arglen) == 0) {
                v->p += st->arglen;
                v->len -= st->arglen;
            }
            break;
        case TF_STRIP_SUFFIX:
            if (v->len >= st->arglen &&
                memcmp(v->p + v->len - st->arglen, st->arg, st->arglen) == 0)
                v->len -= st->arglen;
            break;
        case TF_REGEX: {
            tk_re_span m[2];
            const int rc = tk_re_exec(st->re, v->p, v->len, m, 2, 0, &s->re, err);
            if (rc == TK_ENOTFOUND && st->no_match_empty) {
                /* The later steps see an empty value; the field's
                 * default (or absence) applies. */
                v->len = 0;
                break;
            }
            if (rc == TK_ENOTFOUND)
                return tk_error_set(err, TK_EPARSE, "does not match the regular expression %s",
                                    st->arg);
            if (rc == TK_ERANGE)
                return tk_error_set(err, TK_EPARSE,
                                    "the regular expression %s takes more than %d steps on this "
                                    "value of %zu bytes",
                                    st->arg, TK_RE_MAX_STEPS, v->len);
            if (rc != TK_OK)
                return rc;
            const tk_re_span *g = m[1].so != TK_RE_UNSET ? &m[1] : &m[0];
            v->p += g->so;
            v->len = g->eo - g->so;
            break;
        }
        default: {
            char *b = put(s, which, v);
            which ^= 1;
            if (b == NULL)
                return tk_error_set(err, TK_ENOMEM, "out of memory applying transforms");
            v->p = b;
            v->len = fold(b, v->len, st->kind);
            break;
        }
        }
    }
    return TK_OK;
}
