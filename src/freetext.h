/* src/freetext.h -- the free text of an event's `detail`, kept without
 * the clear text.
 *
 * A 住基 export's 検索条件 column holds what was searched for:
 * `氏名=アベ*`, `生年月日=1954-07-23`, `住所=大和町1丁目`, possibly several
 * conditions in one value. Such text is personal data and is never stored
 * as written. tk_freetext_apply() rewrites it into its stored form:
 *
 *   - each search condition `FIELD=VALUE` whose FIELD is a known search
 *     field (氏名, カナ氏名, 生年月日, 住所, 方書, 世帯番号, ...; see
 *     freetext.c) becomes `FIELD=#` and 16 hex digits, a keyed-hash
 *     pseudonym of the field and the normalised value; a trailing `*` (a
 *     prefix search) stays as a marker after the pseudonym. Conditions are
 *     joined by `;` in the order they were written;
 *   - everything else (free remarks, conditions on unknown fields) becomes
 *     one pseudonym `#` + 16 hex digits of the whole normalised remainder,
 *     placed last;
 *   - text that is not valid UTF-8 becomes one pseudonym of its bytes.
 *
 * The same value under the same field always gets the same pseudonym
 * under one key, so two look-ups of one address block stay visibly one
 * block, while the value itself cannot be read back or guessed without the
 * key. The stored form is plain ASCII apart from the known field names.
 *
 * Normalisation, so that one value written two ways meets itself:
 * full-width ASCII (Ａ-Ｚ, ０-９, ＝, ＊, ...) becomes ASCII, half-width
 * katakana and hiragana become full-width katakana, ASCII letters become
 * lower case, and all spaces (ASCII, tab, U+3000) inside a value are
 * dropped.
 *
 * A tk_freetext owns its keyed HMAC and an output buffer; it is used by
 * one thread at a time. */
#ifndef TK_FREETEXT_H
#define TK_FREETEXT_H

#include <stddef.h>
#include <stdint.h>

#include "src/crypto.h"
#include "src/error.h"
#include "src/event.h"

/* The label the tenant's key is derived with for detail pseudonyms
 * (tk_tenant_derive_key): a domain of its own, apart from residents. */
#define TK_FREETEXT_KEY_LABEL "tenken detail pseudonym v1"

/* Hex digits of a stored pseudonym (64 bits of the HMAC). */
#define TK_FREETEXT_TAG_HEX 16

/* Conditions kept separately; further ones join the free-text pseudonym. */
#define TK_FREETEXT_MAX_CONDITIONS 32

/* How tk_freetext_apply() treats the text. */
enum {
    TK_FREETEXT_PSEUDONYMISE = 0, /* conditions and free text as above (the default) */
    TK_FREETEXT_CLEAR = 1 /* kept as written (a profile's "keep": "clear"), if valid UTF-8 */
};

typedef struct tk_freetext tk_freetext;

/* Creates a rewriter keyed with the 32 bytes at key (borrowed; the caller
 * may wipe them afterwards). *out is an owned result: tk_freetext_destroy();
 * NULL on failure. Returns TK_OK, TK_ENOMEM or TK_ECRYPTO. */
TK_MUST_CHECK int tk_freetext_create(tk_freetext **out, const uint8_t key[TK_CRYPTO_KEY_SIZE],
                                     tk_error *err);

/* Frees f and wipes its key state. Accepts NULL. */
void tk_freetext_destroy(tk_freetext *f);

/* The stored form of p[0..len) (borrowed, untrusted bytes) under mode
 * (TK_FREETEXT_*) into *out. out->p points into f's buffer, valid until
 * the next call with f, or (TK_FREETEXT_CLEAR and valid UTF-8) at p
 * itself. Text with nothing to keep (empty, only separators) gives
 * out->p == NULL: the event has no detail. Whatever the input, *out is
 * valid UTF-8 and never holds a condition's value or a remark in clear
 * unless mode is TK_FREETEXT_CLEAR.
 * Returns TK_OK, TK_ENOMEM or TK_ECRYPTO (then *out is absent). */
TK_MUST_CHECK int tk_freetext_apply(tk_freetext *f, int mode, const char *p, size_t len,
                                    tk_view *out, tk_error *err);

#endif
