/* src/transform.h -- the value transforms of source and mapping profiles.
 *
 * A profile's field may list steps ("trim", "strip_domain", "strip_prefix",
 * "strip_suffix", "regex", "upper", "lower", "zenkaku_digits"; see
 * docs/profiles.md) applied in order to a cell's decoded value. Source
 * profiles (src/profile) and master-data mappings (src/master) share this
 * module. A parsed tk_transforms is immutable and shareable between
 * threads; a tk_transform_scratch belongs to one thread. */
#ifndef TK_TRANSFORM_H
#define TK_TRANSFORM_H

#include <jansson.h>
#include <stddef.h>

#include "src/error.h"
#include "src/event.h"
#include "src/regex.h"

typedef struct tk_transforms tk_transforms;

/* Parses arr, a JSON list of one-key objects (borrowed; a regex step may
 * add "on_no_match": "error" or "empty"). path names the
 * list in messages ("fields.user.transform"). *out is owned:
 * tk_transforms_destroy(). Returns TK_OK, TK_EINVAL (the message starts
 * with path and the step's index, e.g. `fields.user.transform[1]: unknown
 * step "rot13" (steps: ...)` or `fields.user.transform[0].regex: unmatched
 * ( at character 1` for a regex src/regex refuses; callers prefix their
 * file) or TK_ENOMEM. */
TK_MUST_CHECK int tk_transforms_parse(tk_transforms **out, const json_t *arr, const char *path,
                                      tk_error *err);

/* Frees t. Accepts NULL. */
void tk_transforms_destroy(tk_transforms *t);

/* Scratch space for steps that rewrite a value; an embedded value. */
typedef struct tk_transform_scratch {
    char *p[2];
    size_t cap[2];
    tk_re_scratch re;
} tk_transform_scratch;

void tk_transform_scratch_init(tk_transform_scratch *s);
void tk_transform_scratch_dispose(tk_transform_scratch *s);

/* Applies t to *v in place. Steps that only cut the value (trim, strips,
 * regex captures) move the view; steps that rewrite it copy into s, so *v
 * may point into s afterwards, valid until the next call with s.
 * A regex step with "on_no_match": "empty" leaves an empty view on a
 * value it does not match, instead of failing.
 * Returns TK_OK, TK_EPARSE (a regex did not match, or took more than
 * TK_RE_MAX_STEPS steps on the value: the message says which, without the
 * value, which the caller quotes with its column) or TK_ENOMEM. */
TK_MUST_CHECK int tk_transforms_apply(const tk_transforms *t, tk_view *v, tk_transform_scratch *s,
                                      tk_error *err);

/* Removes leading and trailing ASCII spaces, tabs and U+3000 (全角空白). */
void tk_transform_trim(tk_view *v);

#endif
