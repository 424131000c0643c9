/* src/regex.h -- the regular expressions of profile transforms.
 *
 * A POSIX extended regular expression engine (ERE, without back-references)
 * whose cost is bounded: a pattern compiles to a program of at most
 * TK_RE_MAX_PROGRAM instructions after counted repetitions are expanded,
 * and a match runs every thread of the program in step over the subject
 * (a Pike VM), so its work grows with len(subject) x len(program) and never
 * exponentially; a step budget per call bounds even that product.
 *
 * Syntax: literals, `.`, bracket expressions (`[a-z]`, `[^0-9]`, `[]x]`,
 * `[[:digit:]]` and the other POSIX class names, ASCII only; single
 * characters in `[.x.]` and `[=x=]`), `^` and `$` (start and end of the
 * subject), groups `( )`, alternation `|`, and `*`, `+`, `?`, `{m}`,
 * `{m,}`, `{m,n}`, `{,n}` with counts up to TK_RE_DUP_MAX. A backslash
 * makes the next character literal; `\1`..`\9` and letter escapes
 * (`\d`, `\w`, ...) are refused. Patterns and subjects are UTF-8 and are
 * matched character by character (`.` and `[あ-ん]` take a whole character);
 * a byte that is not part of valid UTF-8 is a character of its own.
 *
 * Matches are leftmost-longest, as POSIX requires for the whole match.
 * Within that match a group gets the span the first-listed way of matching
 * gives it: alternatives are tried from the left and repetitions take as
 * many iterations as they can (Perl's preference), which can differ from
 * POSIX's subexpression rule for patterns like (a|ab)(bc|c).
 *
 * A compiled tk_re is immutable and shareable between threads; a
 * tk_re_scratch belongs to one thread. */
#ifndef TK_REGEX_H
#define TK_REGEX_H

#include <stddef.h>

#include "src/error.h"

/* Most instructions a compiled pattern may have (one per literal, class or
 * anchor, two per group, one or two per repetition operator, counted after
 * {m,n} copies its operand). */
#define TK_RE_MAX_PROGRAM 10000
/* Largest count in {m,n} (POSIX's RE_DUP_MAX minimum). */
#define TK_RE_DUP_MAX 255
/* Deepest nesting of groups and repetition operators. */
#define TK_RE_MAX_NESTING 100
/* Default step budget of one tk_re_exec() call: about 50 ms of work. */
#define TK_RE_MAX_STEPS 10000000

/* A span of the subject in bytes, [so, eo); both TK_RE_UNSET for a group
 * that took no part in the match. */
typedef struct tk_re_span {
    size_t so;
    size_t eo;
} tk_re_span;

#define TK_RE_UNSET ((size_t)-1)

typedef struct tk_re tk_re;

/* Compiles pat[0..len) (borrowed; need not be NUL-terminated). *out is
 * owned: tk_re_destroy(). Returns TK_OK, TK_EINVAL (the message says what
 * and at which character, counted from 1, e.g. `unmatched ( at character
 * 3`, `\1 at character 4: backreferences are not supported (...)`,
 * `regex too large after expanding repetitions (65026 > 10000
 * instructions)`) or TK_ENOMEM. */
TK_MUST_CHECK int tk_re_compile(tk_re **out, const char *pat, size_t len, tk_error *err);

/* Frees re. Accepts NULL. */
void tk_re_destroy(tk_re *re);

/* Number of groups: ( ) pairs, numbered from 1 in the order of their (. */
size_t tk_re_groups(const tk_re *re);

/* Instructions of the compiled program (at most TK_RE_MAX_PROGRAM). */
size_t tk_re_program_size(const tk_re *re);

/* Working memory of tk_re_exec(), reused between calls; an embedded value. */
typedef struct tk_re_scratch {
    void *p;
    size_t cap;
} tk_re_scratch;

void tk_re_scratch_init(tk_re_scratch *s);
/* Frees the memory. Accepts NULL. */
void tk_re_scratch_dispose(tk_re_scratch *s);

/* Finds the leftmost-longest match of re in s[0..len) (borrowed). On a
 * match m[0] (if nm > 0) is the whole match and m[i] group i, for i < nm;
 * groups beyond tk_re_groups() are TK_RE_UNSET. max_steps bounds the
 * threads the match may visit (0: TK_RE_MAX_STEPS). Returns TK_OK (a
 * match), TK_ENOTFOUND (no match), TK_ERANGE (the budget ran out; the
 * message gives it) or TK_ENOMEM. */
TK_MUST_CHECK int tk_re_exec(const tk_re *re, const char *s, size_t len, tk_re_span *m, size_t nm,
                             size_t max_steps, tk_re_scratch *scr, tk_error *err);

#endif
