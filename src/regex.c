/* src/regex.c -- a linear-time POSIX extended regex engine.
 *
 * The approach is Thompson's construction run as a Pike VM, as described
 * by Russ Cox in "Regular Expression Matching: the Virtual Machine
 * Approach" (2009). A recursive-descent parser turns the pattern into a
 * syntax tree whose nodes know the number of instructions they compile to
 * (saturating at SIZE_MAX), so a pattern like a{255}{255} is refused by
 * arithmetic before anything is expanded. The tree then compiles to a
 * program of CHAR, ANY, CLASS, BOL, EOL, SPLIT (two successors, the first
 * preferred), JMP, SAVE (record the position in a capture slot) and MATCH.
 *
 * Counted repetition is expanded: e{2,4} is e e (e (e)?)?, e{2,} is e e+,
 * and e* is compiled as (e+)? rather than as a loop that tests before e,
 * so that an operand that matches the empty string, like (a*)*, still
 * records its group, as glibc does.
 *
 * The VM keeps one list of threads per position of the subject, in
 * priority order, with at most one thread per instruction (a sparse set
 * indexed by program counter): two threads at the same instruction and
 * position have the same future, so the one of lower priority can be
 * dropped. Following SPLIT, JMP, SAVE and the anchors happens while a
 * thread is added (an explicit stack, with entries that restore a capture
 * slot on the way back), so each step visits each instruction at most once
 * per list: the work is O(len(subject) x len(program)), which the step
 * budget bounds in turn.
 *
 * Leftmost-longest: a thread remembers where it started (slot 0). A thread
 * that reaches MATCH is kept as the result when no match is known yet,
 * when it started earlier, or when it started at the same place and ends
 * later; once a match is known no new threads start, and threads that
 * started after it are dropped. Among threads with the same start and end
 * the one of highest priority wins, which gives groups Perl's preference
 * (see the header).
 *
 * Characters are code points decoded from UTF-8, strictly (no overlong
 * forms, surrogates or values above U+10FFFF); any other byte decodes as
 * the pseudo code point BYTE_CP + byte, which only `.`, negated classes and
 * the same byte in the pattern match. */
#include "src/regex.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "src/alloc.h"
#include "src/checked.h"

#define BYTE_CP 0x110000u
#define NONE    UINT32_MAX
#define REP_INF UINT32_MAX

enum { I_CHAR, I_ANY, I_CLASS, I_BOL, I_EOL, I_SPLIT, I_JMP, I_SAVE, I_MATCH };

struct inst {
    uint32_t op;
    uint32_t x; /* CHAR: code point; CLASS: class; SPLIT, JMP: target; SAVE: slot */
    uint32_t y; /* SPLIT: the second target */
};

struct range {
    uint32_t lo, hi;
};

struct cclass {
    size_t off, n; /* ranges[off .. off + n) */
    int negated;
};

struct tk_re {
    struct inst *prog;
    size_t n;
    struct range *ranges;
    struct cclass *classes;
    size_t ngroups;
};

/* ---- decoding ---------------------------------------------------------- */

/* Decodes one character of p[0..n), n > 0, into *cp; returns its length. */
static size_t decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    const unsigned char c = p[0];
    size_t k;
    uint32_t v, min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        k = 1;
        v = c & 0x1Fu;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 2;
        v = c & 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 3;
        v = c & 0x07u;
        min = 0x10000;
    } else {
        goto bad;
    }
    if (n <= k)
        goto bad;
    for (size_t i = 1; i <= k; i++) {
        if ((p[i] & 0xC0) != 0x80)
            goto bad;
        v = (v << 6) | (p[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        goto bad;
    *cp = v;
    return k + 1;
bad:
    *cp = BYTE_CP + c;
    return 1;
}

/* ---- parsing ----------------------------------------------------------- */

enum { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_BOL, N_EOL, N_CAT, N_ALT, N_GROUP, N_REPEAT };

struct node {
    int kind;
    uint32_t val;       /* CHAR: code point; CLASS: class; GROUP: group number */
    uint32_t kid, next; /* first child and next sibling, or NONE */
    uint32_t min, max;  /* REPEAT; max may be REP_INF */
    size_t size;        /* instructions, saturated at SIZE_MAX */
    size_t depth;       /* GROUP and REPEAT nodes on the deepest path down */
};

struct parser {
    const unsigned char *p;
    size_t len, i;
    size_t open; /* groups open around the current position */
    struct node *nodes;
    size_t nnodes, capnodes;
    struct range *ranges;
    size_t nranges, capranges;
    struct cclass *classes;
    size_t nclasses, capclasses;
    size_t ngroups;
    tk_error *err;
};

static size_t sat_add(size_t a, size_t b)
{
    size_t r;
    return tk_add_size(a, b, &r) ? r : SIZE_MAX;
}

static size_t sat_mul(size_t a, size_t b)
{
    size_t r;
    return tk_mul_size(a, b, &r) ? r : SIZE_MAX;
}

/* The 1-based character number of byte offset i of the pattern. */
static size_t char_at(const struct parser *ps, size_t i)
{
    size_t n = 1;
    for (size_t j = 0; j < i;) {
        uint32_t cp;
        j += decode(ps->p + j, ps->len - j, &cp);
        n++;
    }
    return n;
}

/* Grows *arr (elements of size sz, *cap of them) to hold one more. */
static int grow(void **arr, size_t *cap, size_t used, size_t sz)
{
    if (used < *cap)
        return 1;
    size_t ncap, bytes;
    if (!tk_mul_size(*cap ? *cap : 8, 2, &ncap) || !tk_mul_size(ncap, sz, &bytes))
        return 0;
    void *n = tk_realloc(*arr, bytes);
    if (n == NULL)
        return 0;
    *arr = n;
    *cap = ncap;
    return 1;
}

static int nomem(struct parser *ps)
{
    return tk_error_set(ps->err, TK_ENOMEM, "out of memory compiling a regex");
}

/* Appends a leaf or inner node; *out is its index. */
static int add_node(struct parser *ps, int kind, uint32_t val, uint32_t *out)
{
    if (ps->nnodes >= NONE - 1 ||
        !grow((void **)&ps->nodes, &ps->capnodes, ps->nnodes, sizeof *ps->nodes))
        return nomem(ps);
    struct node *nd = &ps->nodes[ps->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    nd->val = val;
    nd->kid = NONE;
    nd->next = NONE;
    nd->size = kind == N_EMPTY ? 0 : 1;
    *out = (uint32_t)ps->nnodes++;
    return TK_OK;
}

static int add_range(struct parser *ps, uint32_t lo, uint32_t hi)
{
    if (!grow((void **)&ps->ranges, &ps->capranges, ps->nranges, sizeof *ps->ranges))
        return nomem(ps);
    ps->ranges[ps->nranges].lo = lo;
    ps->ranges[ps->nranges].hi = hi;
    ps->nranges++;
    return TK_OK;
}

static const struct {
    const char *name;
    const char *ranges; /* pairs of bytes, inclusive */
} named_classes[] = {
    {"alnum", "09AZaz"},   {"alpha", "AZaz"},   {"blank", "  \t\t"}, {"cntrl", "\x01\x1f\x7f\x7f"},
    {"digit", "09"},       {"graph", "!~"},     {"lower", "az"},     {"print", " ~"},
    {"punct", "!/:@[`{~"}, {"space", "\t\r  "}, {"upper", "AZ"},     {"xdigit", "09AFaf"},
};

#define NNAMED (sizeof named_classes / sizeof named_classes[0])

/* Parses [:name:], [.c.] or [=c=] at ps->i (which points at the '['). For a
 * name, its ranges are added and *cp is NONE; otherwise *cp is the
 * character. */
static int bracket_term(struct parser *ps, uint32_t *cp)
{
    const size_t at = ps->i;
    const unsigned char kind = ps->p[at + 1];
    size_t j = at + 2;
    while (j + 1 < ps->len && !(ps->p[j] == kind && ps->p[j + 1] == ']'))
        j++;
    if (j + 1 >= ps->len)
        return tk_error_set(ps->err, TK_EINVAL, "unterminated [%c at character %zu (expected %c])",
                            kind, char_at(ps, at), kind);
    const unsigned char *name = ps->p + at + 2;
    const size_t nlen = j - (at + 2);
    ps->i = j + 2;
    if (kind == ':') {
        for (size_t k = 0; k < NNAMED; k++) {
            if (strlen(named_classes[k].name) == nlen &&
                memcmp(named_classes[k].name, name, nlen) == 0) {
                const char *r = named_classes[k].ranges;
                for (size_t m = 0; r[m] != '\0'; m += 2) {
                    const int rc = add_range(ps, (unsigned char)r[m], (unsigned char)r[m + 1]);
                    if (rc != TK_OK)
                        return rc;
                }
                *cp = NONE;
                return TK_OK;
            }
        }
        return tk_error_set(ps->err, TK_EINVAL,
                            "unknown character class [:%.*s:] at character %zu (classes: alnum, "
                            "alpha, blank, cntrl, digit, graph, lower, print, punct, space, "
                            "upper, xdigit)",
                            (int)(nlen < 64 ? nlen : 64), (const char *)name, char_at(ps, at));
    }
    if (nlen == 0 || decode(name, nlen, cp) != nlen)
        return tk_error_set(ps->err, TK_EINVAL,
                            "[%c%.*s%c] at character %zu: only single characters are supported "
                            "between [%c and %c]",
                            kind, (int)(nlen < 64 ? nlen : 64), (const char *)name, kind,
                            char_at(ps, at), kind, kind);
    return TK_OK;
}

/* Parses a bracket expression; ps->i points just after the '['. */
static int parse_bracket(struct parser *ps, uint32_t *out)
{
    const size_t at = ps->i - 1;
    int negated = 0;
    int rc;

    if (!grow((void **)&ps->classes, &ps->capclasses, ps->nclasses, sizeof *ps->classes))
        return nomem(ps);
    const size_t off = ps->nranges;
    if (ps->i < ps->len && ps->p[ps->i] == '^') {
        negated = 1;
        ps->i++;
    }
    for (int first = 1;; first = 0) {
        if (ps->i >= ps->len)
            return tk_error_set(ps->err, TK_EINVAL,
                                "unterminated bracket expression [ at character %zu (expected ])",
                                char_at(ps, at));
        const unsigned char c = ps->p[ps->i];
        if (c == ']' && !first) {
            ps->i++;
            break;
        }
        uint32_t lo;
        const size_t lo_at = ps->i;
        if (c == '[' && ps->i + 1 < ps->len &&
            (ps->p[ps->i + 1] == ':' || ps->p[ps->i + 1] == '.' || ps->p[ps->i + 1] == '=')) {
            rc = bracket_term(ps, &lo);
            if (rc != TK_OK)
                return rc;
            if (lo == NONE)
                continue;
        } else {
            ps->i += decode(ps->p + ps->i, ps->len - ps->i, &lo);
        }
        uint32_t hi = lo;
        if (ps->i + 1 < ps->len && ps->p[ps->i] == '-' && ps->p[ps->i + 1] != ']') {
            ps->i++;
            if (ps->p[ps->i] == '[' && ps->i + 1 < ps->len &&
                (ps->p[ps->i + 1] == '.' || ps->p[ps->i + 1] == '=')) {
                rc = bracket_term(ps, &hi);
                if (rc != TK_OK)
                    return rc;
            } else if (ps->p[ps->i] == '[' && ps->i + 1 < ps->len && ps->p[ps->i + 1] == ':') {
                return tk_error_set(ps->err, TK_EINVAL,
                                    "a range at character %zu ends in a character class",
                                    char_at(ps, lo_at));
            } else {
                ps->i += decode(ps->p + ps->i, ps->len - ps->i, &hi);
            }
            if (hi < lo)
                return tk_error_set(ps->err, TK_EINVAL,
                                    "invalid range %.*s at character %zu (its end comes before "
                                    "its start)",
                                    (int)(ps->i - lo_at), (const char *)ps->p + lo_at,
                                    char_at(ps, lo_at));
        }
        rc = add_range(ps, lo, hi);
        if (rc != TK_OK)
            return rc;
    }
    struct cclass *cl = &ps->classes[ps->nclasses];
    cl->off = off;
    cl->n = ps->nranges - off;
    cl->negated = negated;
    return add_node(ps, N_CLASS, (uint32_t)ps->nclasses++, out);
}

static int parse_alt(struct parser *ps, uint32_t *out);

/* Parses one atom; *out is NONE when the next character cannot start one
 * (a repetition operator with nothing before it). */
static int parse_atom(struct parser *ps, uint32_t *out)
{
    const size_t at = ps->i;
    const unsigned char c = ps->p[at];
    uint32_t cp;
    int rc;

    *out = NONE;
    switch (c) {
    case '*':
    case '+':
    case '?':
    case '{':
        return TK_OK;
    case '.':
        ps->i++;
        return add_node(ps, N_ANY, 0, out);
    case '^':
        ps->i++;
        return add_node(ps, N_BOL, 0, out);
    case '$':
        ps->i++;
        return add_node(ps, N_EOL, 0, out);
    case '[':
        ps->i++;
        return parse_bracket(ps, out);
    case '(': {
        if (ps->open >= TK_RE_MAX_NESTING)
            return tk_error_set(ps->err, TK_EINVAL,
                                "groups and repetitions nested more than %d deep at character %zu",
                                TK_RE_MAX_NESTING, char_at(ps, at));
        const uint32_t g = (uint32_t)++ps->ngroups;
        uint32_t kid;
        ps->i++;
        ps->open++;
        rc = parse_alt(ps, &kid);
        ps->open--;
        if (rc != TK_OK)
            return rc;
        if (ps->i >= ps->len || ps->p[ps->i] != ')')
            return tk_error_set(ps->err, TK_EINVAL, "unmatched ( at character %zu",
                                char_at(ps, at));
        ps->i++;
        rc = add_node(ps, N_GROUP, g, out);
        if (rc != TK_OK)
            return rc;
        struct node *nd = &ps->nodes[*out];
        nd->kid = kid;
        nd->size = sat_add(ps->nodes[kid].size, 2);
        nd->depth = ps->nodes[kid].depth + 1;
        return TK_OK;
    }
    case '\\':
        if (at + 1 >= ps->len)
            return tk_error_set(ps->err, TK_EINVAL, "trailing backslash at character %zu",
                                char_at(ps, at));
        ps->i += 1 + decode(ps->p + at + 1, ps->len - at - 1, &cp);
        if (cp >= '1' && cp <= '9')
            return tk_error_set(ps->err, TK_EINVAL,
                                "\\%c at character %zu: backreferences are not supported "
                                "(profiles use POSIX extended regexes without back-references)",
                                (char)cp, char_at(ps, at));
        if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '0')
            return tk_error_set(ps->err, TK_EINVAL,
                                "unsupported escape \\%c at character %zu (POSIX extended regexes "
                                "have no letter escapes: write a bracket expression such as "
                                "[0-9], [[:space:]] or [[:alnum:]_])",
                                (char)cp, char_at(ps, at));
        return add_node(ps, N_CHAR, cp, out);
    default:
        ps->i += decode(ps->p + at, ps->len - at, &cp);
        return add_node(ps, N_CHAR, cp, out);
    }
}

/* Reads a decimal count of at most TK_RE_DUP_MAX at ps->i; *n = NONE when
 * there is no digit. */
static int parse_count(struct parser *ps, size_t brace, uint32_t *n)
{
    uint32_t v = 0;
    const size_t from = ps->i;
    while (ps->i < ps->len && ps->p[ps->i] >= '0' && ps->p[ps->i] <= '9') {
        v = v * 10 + (uint32_t)(ps->p[ps->i] - '0');
        ps->i++;
        if (v > TK_RE_DUP_MAX) {
            while (ps->i < ps->len && ps->p[ps->i] >= '0' && ps->p[ps->i] <= '9')
                ps->i++;
            return tk_error_set(ps->err, TK_EINVAL,
                                "repetition count %.*s at character %zu is more than %d",
                                (int)(ps->i - from < 40 ? ps->i - from : 40),
                                (const char *)ps->p + from, char_at(ps, brace), TK_RE_DUP_MAX);
        }
    }
    *n = ps->i == from ? NONE : v;
    return TK_OK;
}

/* Parses {m}, {m,}, {m,n} or {,n}; ps->i points at the '{'. */
static int parse_bound(struct parser *ps, uint32_t *min, uint32_t *max)
{
    const size_t at = ps->i;
    uint32_t a, b;
    int rc;

    ps->i++;
    rc = parse_count(ps, at, &a);
    if (rc != TK_OK)
        return rc;
    if (ps->i < ps->len && ps->p[ps->i] == ',') {
        ps->i++;
        rc = parse_count(ps, at, &b);
        if (rc != TK_OK)
            return rc;
        if (a == NONE)
            a = 0;
        if (b == NONE)
            b = REP_INF;
    } else {
        if (a == NONE)
            goto bad;
        b = a;
    }
    if (ps->i >= ps->len || ps->p[ps->i] != '}')
        goto bad;
    ps->i++;
    if (b != REP_INF && a > b)
        return tk_error_set(ps->err, TK_EINVAL,
                            "repetition {%u,%u} at character %zu has a minimum above its maximum",
                            a, b, char_at(ps, at));
    *min = a;
    *max = b;
    return TK_OK;
bad:
    return tk_error_set(ps->err, TK_EINVAL,
                        "invalid repetition at character %zu (expected {m}, {m,}, {m,n} or {,n} "
                        "with counts up to %d)",
                        char_at(ps, at), TK_RE_DUP_MAX);
}

/* Parses an atom and the repetition operators after it. */
static int parse_repeat(struct parser *ps, uint32_t *out)
{
    uint32_t cur;
    int rc = parse_atom(ps, &cur);
    if (rc != TK_OK)
        return rc;
    if (cur == NONE || ps->nodes[cur].kind == N_BOL || ps->nodes[cur].kind == N_EOL) {
        if (ps->i < ps->len && (ps->p[ps->i] == '*' || ps->p[ps->i] == '+' || ps->p[ps->i] == '?' ||
                                ps->p[ps->i] == '{'))
            return tk_error_set(ps->err, TK_EINVAL, "%c at character %zu has nothing to repeat",
                                ps->p[ps->i], char_at(ps, ps->i));
        *out = cur;
        return TK_OK;
    }
    while (ps->i < ps->len) {
        const unsigned char c = ps->p[ps->i];
        const size_t at = ps->i;
        uint32_t min = 0, max = 0;
        if (c == '*') {
            min = 0;
            max = REP_INF;
            ps->i++;
        } else if (c == '+') {
            min = 1;
            max = REP_INF;
            ps->i++;
        } else if (c == '?') {
            min = 0;
            max = 1;
            ps->i++;
        } else if (c == '{') {
            rc = parse_bound(ps, &min, &max);
            if (rc != TK_OK)
                return rc;
        } else {
            break;
        }
        if (ps->nodes[cur].depth + ps->open >= TK_RE_MAX_NESTING)
            return tk_error_set(ps->err, TK_EINVAL,
                                "groups and repetitions nested more than %d deep at character %zu",
                                TK_RE_MAX_NESTING, char_at(ps, at));
        uint32_t r;
        rc = add_node(ps, N_REPEAT, 0, &r);
        if (rc != TK_OK)
            return rc;
        struct node *nd = &ps->nodes[r];
        const size_t s = ps->nodes[cur].size;
        nd->kid = cur;
        nd->min = min;
        nd->max = max;
        nd->depth = ps->nodes[cur].depth + 1;
        if (max == 0)
            nd->size = 0;
        else if (max == REP_INF)
            nd->size = min == 0 ? sat_add(s, 2) : sat_add(sat_mul(min, s), 1);
        else
            nd->size = sat_add(sat_mul(min, s), sat_mul(max - min, sat_add(s, 1)));
        cur = r;
    }
    *out = cur;
    return TK_OK;
}

/* Links kids into a CAT or ALT node (or returns the only kid). */
static int parse_cat(struct parser *ps, uint32_t *out)
{
    uint32_t first = NONE, last = NONE;
    size_t n = 0, size = 0, depth = 0;
    int rc;

    while (ps->i < ps->len && ps->p[ps->i] != '|' && !(ps->p[ps->i] == ')' && ps->open > 0)) {
        uint32_t k = NONE;
        rc = parse_repeat(ps, &k);
        if (rc != TK_OK)
            return rc;
        assert(k != NONE);
        if (first == NONE)
            first = k;
        else
            ps->nodes[last].next = k;
        last = k;
        n++;
        size = sat_add(size, ps->nodes[k].size);
        if (ps->nodes[k].depth > depth)
            depth = ps->nodes[k].depth;
    }
    if (n == 1) {
        *out = first;
        return TK_OK;
    }
    rc = add_node(ps, n == 0 ? N_EMPTY : N_CAT, 0, out);
    if (rc != TK_OK)
        return rc;
    ps->nodes[*out].kid = first;
    ps->nodes[*out].size = size;
    ps->nodes[*out].depth = depth;
    return TK_OK;
}

static int parse_alt(struct parser *ps, uint32_t *out)
{
    uint32_t first, last;
    size_t n = 1, depth;
    int rc = parse_cat(ps, &first);
    if (rc != TK_OK)
        return rc;
    size_t size = ps->nodes[first].size;
    depth = ps->nodes[first].depth;
    last = first;
    while (ps->i < ps->len && ps->p[ps->i] == '|') {
        uint32_t k;
        ps->i++;
        rc = parse_cat(ps, &k);
        if (rc != TK_OK)
            return rc;
        ps->nodes[last].next = k;
        last = k;
        n++;
        /* A SPLIT before and a JMP after every alternative but the last. */
        size = sat_add(size, sat_add(ps->nodes[k].size, 2));
        if (ps->nodes[k].depth > depth)
            depth = ps->nodes[k].depth;
    }
    if (n == 1) {
        *out = first;
        return TK_OK;
    }
    rc = add_node(ps, N_ALT, 0, out);
    if (rc != TK_OK)
        return rc;
    ps->nodes[*out].kid = first;
    ps->nodes[*out].size = size;
    ps->nodes[*out].depth = depth;
    return TK_OK;
}

/* ---- compiling --------------------------------------------------------- */

static uint32_t emit(tk_re *re, const struct node *nodes, uint32_t x, uint32_t pc);

static uint32_t put(tk_re *re, uint32_t pc, uint32_t op, uint32_t a, uint32_t b)
{
    assert(pc < re->n);
    re->prog[pc].op = op;
    re->prog[pc].x = a;
    re->prog[pc].y = b;
    return pc + 1;
}

static uint32_t emit_repeat(tk_re *re, const struct node *nodes, const struct node *nd, uint32_t pc)
{
    const uint32_t s = (uint32_t)nodes[nd->kid].size;
    if (nd->max == 0)
        return pc;
    if (nd->max == REP_INF && nd->min == 0) {
        /* (e+)? */
        const uint32_t body = pc + 1;
        pc = put(re, pc, I_SPLIT, body, body + s + 1);
        pc = emit(re, nodes, nd->kid, pc);
        return put(re, pc, I_SPLIT, body, pc + 1);
    }
    if (nd->max == REP_INF) {
        for (uint32_t k = 1; k < nd->min; k++)
            pc = emit(re, nodes, nd->kid, pc);
        const uint32_t body = pc;
        pc = emit(re, nodes, nd->kid, pc);
        return put(re, pc, I_SPLIT, body, pc + 1);
    }
    for (uint32_t k = 0; k < nd->min; k++)
        pc = emit(re, nodes, nd->kid, pc);
    const uint32_t end = pc + (nd->max - nd->min) * (s + 1);
    for (uint32_t k = nd->min; k < nd->max; k++) {
        pc = put(re, pc, I_SPLIT, pc + 1, end);
        pc = emit(re, nodes, nd->kid, pc);
    }
    return pc;
}

/* Writes node x's instructions from pc on; returns the pc after them. */
static uint32_t emit(tk_re *re, const struct node *nodes, uint32_t x, uint32_t pc)
{
    const struct node *nd = &nodes[x];
    const uint32_t start = pc;

    switch (nd->kind) {
    case N_EMPTY:
        break;
    case N_CHAR:
        pc = put(re, pc, I_CHAR, nd->val, 0);
        break;
    case N_ANY:
        pc = put(re, pc, I_ANY, 0, 0);
        break;
    case N_CLASS:
        pc = put(re, pc, I_CLASS, nd->val, 0);
        break;
    case N_BOL:
        pc = put(re, pc, I_BOL, 0, 0);
        break;
    case N_EOL:
        pc = put(re, pc, I_EOL, 0, 0);
        break;
    case N_CAT:
        for (uint32_t k = nd->kid; k != NONE; k = nodes[k].next)
            pc = emit(re, nodes, k, pc);
        break;
    case N_ALT: {
        const uint32_t end = pc + (uint32_t)nd->size;
        for (uint32_t k = nd->kid; k != NONE; k = nodes[k].next) {
            if (nodes[k].next == NONE) {
                pc = emit(re, nodes, k, pc);
                break;
            }
            const uint32_t alt = pc + 1 + (uint32_t)nodes[k].size + 1;
            pc = put(re, pc, I_SPLIT, pc + 1, alt);
            pc = emit(re, nodes, k, pc);
            pc = put(re, pc, I_JMP, end, 0);
        }
        break;
    }
    case N_GROUP:
        pc = put(re, pc, I_SAVE, 2 * nd->val, 0);
        pc = emit(re, nodes, nd->kid, pc);
        pc = put(re, pc, I_SAVE, 2 * nd->val + 1, 0);
        break;
    case N_REPEAT:
        pc = emit_repeat(re, nodes, nd, pc);
        break;
    default:
        assert(0);
    }
    assert(pc - start == nd->size);
    (void)start;
    return pc;
}

void tk_re_destroy(tk_re *re)
{
    if (re == NULL)
        return;
    tk_free(re->prog);
    tk_free(re->ranges);
    tk_free(re->classes);
    tk_free(re);
}

int tk_re_compile(tk_re **out, const char *pat, size_t len, tk_error *err)
{
    struct parser ps;
    tk_re *re = NULL;
    uint32_t root;
    int rc;

    *out = NULL;
    memset(&ps, 0, sizeof ps);
    ps.p = (const unsigned char *)pat;
    ps.len = len;
    ps.err = err;
    rc = parse_alt(&ps, &root);
    if (rc != TK_OK)
        goto done;
    /* parse_alt stops only at the end or at a ')' inside a group. */
    assert(ps.i == ps.len);
    const size_t total = sat_add(ps.nodes[root].size, 1);
    if (total > TK_RE_MAX_PROGRAM) {
        if (total == SIZE_MAX)
            rc = tk_error_set(err, TK_EINVAL,
                              "regex too large after expanding repetitions (more than %d "
                              "instructions)",
                              TK_RE_MAX_PROGRAM);
        else
            rc = tk_error_set(err, TK_EINVAL,
                              "regex too large after expanding repetitions (%zu > %d "
                              "instructions)",
                              total, TK_RE_MAX_PROGRAM);
        goto done;
    }
    re = tk_calloc(1, sizeof *re);
    if (re == NULL || (re->prog = tk_calloc(total, sizeof *re->prog)) == NULL) {
        rc = nomem(&ps);
        goto done;
    }
    re->n = total;
    re->ngroups = ps.ngroups;
    const uint32_t end = emit(re, ps.nodes, root, 0);
    put(re, end, I_MATCH, 0, 0);
    re->ranges = ps.ranges;
    re->classes = ps.classes;
    ps.ranges = NULL;
    ps.classes = NULL;
    *out = re;
    re = NULL;
done:
    tk_re_destroy(re);
    tk_free(ps.nodes);
    tk_free(ps.ranges);
    tk_free(ps.classes);
    return rc;
}

size_t tk_re_groups(const tk_re *re)
{
    return re->ngroups;
}

size_t tk_re_program_size(const tk_re *re)
{
    return re->n;
}

/* ---- matching ---------------------------------------------------------- */

void tk_re_scratch_init(tk_re_scratch *s)
{
    s->p = NULL;
    s->cap = 0;
}

void tk_re_scratch_dispose(tk_re_scratch *s)
{
    if (s == NULL)
        return;
    tk_free(s->p);
    s->p = NULL;
    s->cap = 0;
}

/* A thread list: a sparse set of program counters in priority order, with
 * the capture slots of each consuming thread. */
struct list {
    uint32_t *sparse, *dense;
    size_t *caps;
    size_t n;
};

/* An entry of the closure stack: follow pc, or (slot != NONE) restore
 * cur[slot] to val. */
struct job {
    size_t val;
    uint32_t pc, slot;
};

struct vm {
    const tk_re *re;
    const unsigned char *s;
    size_t len;
    size_t nslot;
    size_t *cur;
    struct job *stack;
    size_t steps, max_steps;
};

static int in_class(const tk_re *re, uint32_t k, uint32_t c)
{
    const struct cclass *cl = &re->classes[k];
    int hit = 0;
    for (size_t i = 0; i < cl->n && !hit; i++)
        hit = c >= re->ranges[cl->off + i].lo && c <= re->ranges[cl->off + i].hi;
    return hit != cl->negated;
}

/* Adds the thread at pc0 with captures vm->cur, and everything it reaches
 * without consuming a character, to l at position pos. vm->cur is the same
 * on return. Returns 0 when the step budget runs out. */
static int add_thread(struct vm *vm, struct list *l, uint32_t pc0, size_t pos)
{
    const struct inst *prog = vm->re->prog;
    size_t top = 0;

    vm->stack[top].pc = pc0;
    vm->stack[top++].slot = NONE;
    while (top > 0) {
        const struct job j = vm->stack[--top];
        if (j.slot != NONE) {
            vm->cur[j.slot] = j.val;
            continue;
        }
        const uint32_t pc = j.pc;
        const uint32_t d = l->sparse[pc];
        if (d < l->n && l->dense[d] == pc)
            continue;
        if (++vm->steps > vm->max_steps)
            return 0;
        l->sparse[pc] = (uint32_t)l->n;
        l->dense[l->n] = pc;
        const struct inst *in = &prog[pc];
        switch (in->op) {
        case I_JMP:
            vm->stack[top].pc = in->x;
            vm->stack[top++].slot = NONE;
            break;
        case I_SPLIT:
            vm->stack[top].pc = in->y;
            vm->stack[top++].slot = NONE;
            vm->stack[top].pc = in->x;
            vm->stack[top++].slot = NONE;
            break;
        case I_SAVE:
            if (in->x < vm->nslot) {
                vm->stack[top].slot = in->x;
                vm->stack[top++].val = vm->cur[in->x];
                vm->cur[in->x] = pos;
            }
            vm->stack[top].pc = pc + 1;
            vm->stack[top++].slot = NONE;
            break;
        case I_BOL:
            if (pos == 0) {
                vm->stack[top].pc = pc + 1;
                vm->stack[top++].slot = NONE;
            }
            break;
        case I_EOL:
            if (pos == vm->len) {
                vm->stack[top].pc = pc + 1;
                vm->stack[top++].slot = NONE;
            }
            break;
        default:
            memcpy(l->caps + l->n * vm->nslot, vm->cur, vm->nslot * sizeof *vm->cur);
            break;
        }
        l->n++;
    }
    return 1;
}

int tk_re_exec(const tk_re *re, const char *s, size_t len, tk_re_span *m, size_t nm,
               size_t max_steps, tk_re_scratch *scr, tk_error *err)
{
    const size_t n = re->n;
    size_t ncap = nm < re->ngroups + 1 ? nm : re->ngroups + 1;
    if (ncap == 0)
        ncap = 1;
    const size_t nslot = 2 * ncap;

    /* One block: the closure stack (each instruction pushes at most two
     * entries, once per list), two lists of n threads with nslot slots
     * each, the current and best captures, then the index arrays. */
    size_t stack_b, caps_b, cur_b, idx_b, total = 0;
    if (!tk_mul_size(2 * n + 2, sizeof(struct job), &stack_b) ||
        !tk_mul_size(n, nslot * sizeof(size_t), &caps_b) ||
        !tk_mul_size(2 * nslot, sizeof(size_t), &cur_b) ||
        !tk_mul_size(n, sizeof(uint32_t), &idx_b) || !tk_add_size(total, stack_b, &total) ||
        !tk_add_size(total, 2 * caps_b, &total) || !tk_add_size(total, cur_b, &total) ||
        !tk_add_size(total, 4 * idx_b, &total))
        return tk_error_set(err, TK_ENOMEM, "out of memory matching a regex");
    if (scr->cap < total) {
        void *p = tk_realloc(scr->p, total);
        if (p == NULL)
            return tk_error_set(err, TK_ENOMEM, "out of memory matching a regex");
        scr->p = p;
        scr->cap = total;
        /* The sparse sets tolerate any contents; zeroing keeps memory
         * checkers quiet about reading them. */
        memset(p, 0, total);
    }
    unsigned char *b = scr->p;
    struct vm vm;
    struct list lists[2];
    vm.re = re;
    vm.s = (const unsigned char *)s;
    vm.len = len;
    vm.nslot = nslot;
    vm.steps = 0;
    vm.max_steps = max_steps ? max_steps : TK_RE_MAX_STEPS;
    vm.stack = (struct job *)(void *)b;
    b += stack_b;
    lists[0].caps = (size_t *)(void *)b;
    b += caps_b;
    lists[1].caps = (size_t *)(void *)b;
    b += caps_b;
    vm.cur = (size_t *)(void *)b;
    size_t *best = vm.cur + nslot;
    b += cur_b;
    lists[0].sparse = (uint32_t *)(void *)b;
    lists[0].dense = lists[0].sparse + n;
    lists[1].sparse = lists[0].dense + n;
    lists[1].dense = lists[1].sparse + n;
    lists[0].n = 0;

    struct list *cl = &lists[0], *nl = &lists[1];
    int matched = 0;
    size_t pos = 0;
    for (;;) {
        if (!matched) {
            for (size_t k = 0; k < nslot; k++)
                vm.cur[k] = TK_RE_UNSET;
            vm.cur[0] = pos;
            if (!add_thread(&vm, cl, 0, pos))
                goto budget;
        }
        if (cl->n == 0)
            break;
        uint32_t c = NONE;
        size_t clen = 0;
        if (pos < len)
            clen = decode(vm.s + pos, len - pos, &c);
        nl->n = 0;
        for (size_t t = 0; t < cl->n; t++) {
            const uint32_t pc = cl->dense[t];
            const struct inst *in = &re->prog[pc];
            const size_t *caps = cl->caps + t * nslot;
            int ok;
            switch (in->op) {
            case I_MATCH:
                if (!matched || caps[0] < best[0] || (caps[0] == best[0] && pos > best[1])) {
                    memcpy(best, caps, nslot * sizeof *best);
                    best[1] = pos;
                    matched = 1;
                }
                continue;
            case I_CHAR:
                ok = c == in->x;
                break;
            case I_ANY:
                ok = c != NONE;
                break;
            case I_CLASS:
                ok = c != NONE && in_class(re, in->x, c);
                break;
            default:
                continue;
            }
            if (!ok || (matched && caps[0] > best[0]))
                continue;
            if (++vm.steps > vm.max_steps)
                goto budget;
            memcpy(vm.cur, caps, nslot * sizeof *vm.cur);
            if (!add_thread(&vm, nl, pc + 1, pos + clen))
                goto budget;
        }
        if (pos >= len)
            break;
        pos += clen;
        struct list *tmp = cl;
        cl = nl;
        nl = tmp;
    }
    if (!matched)
        return tk_error_set(err, TK_ENOTFOUND, "no match");
    for (size_t k = 0; k < nm; k++) {
        m[k].so = k < ncap ? best[2 * k] : TK_RE_UNSET;
        m[k].eo = k < ncap ? best[2 * k + 1] : TK_RE_UNSET;
        if (m[k].so == TK_RE_UNSET || m[k].eo == TK_RE_UNSET)
            m[k].so = m[k].eo = TK_RE_UNSET;
    }
    return TK_OK;
budget:
    return tk_error_set(err, TK_ERANGE, "matching took more than %zu steps", vm.max_steps);
}
