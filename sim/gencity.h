/* sim/gencity.h -- the synthetic-city simulator's public entry.
 *
 * tk_gencity_run() builds a small municipality in memory (residents,
 * departments, staff, terminals, media), simulates its working days,
 * plants incidents and hard negatives, and writes the city to a directory:
 * business-system logs in seven vendor layouts, terminal logon and
 * removable-media logs, one source profile per log, master data,
 * manifest.csv, truth.csv and README.md (docs/gen-city.md). The same
 * options write byte-identical files on every machine.
 *
 * `tenken gen-city` parses its flags into a tk_gencity_options and
 * `tenken demo` fills one directly; benchmarks run the command. A run
 * keeps no state between calls and shares nothing: runs on different
 * threads with different output directories do not interfere (the
 * progress line, when asked for, goes to stderr). */
#ifndef TK_SIM_GENCITY_H
#define TK_SIM_GENCITY_H

#include <stddef.h>
#include <stdint.h>

#include "src/error.h"

/* The accepted ranges of the options. */
#define TK_GENCITY_MIN_STAFF     30
#define TK_GENCITY_MAX_STAFF     5000
#define TK_GENCITY_MIN_RESIDENTS 1000
#define TK_GENCITY_MAX_RESIDENTS 2000000
#define TK_GENCITY_FIRST_YEAR    2020
#define TK_GENCITY_LAST_YEAR     2099
#define TK_GENCITY_MIN_DAYS      28
#define TK_GENCITY_MAX_DAYS      1096
#define TK_GENCITY_MIN_VOLUME    10
#define TK_GENCITY_MAX_VOLUME    2000
#define TK_GENCITY_MAX_BULK_ROWS 10000000000ULL
/* staff x days x volume / 100 stays below this: about 40 events each, 32 bytes an event */
#define TK_GENCITY_MAX_STAFF_DAYS 2500000

/* What one run writes. Days are days since 1970-01-01 (tk_days_from_civil()). */
typedef struct tk_gencity_options {
    const char *out;    /* the output directory, created with its parents (borrowed; required) */
    uint64_t seed;      /* the random generator's seed */
    size_t staff;       /* staff members, TK_GENCITY_MIN_STAFF .. MAX_STAFF */
    size_t residents;   /* residents, TK_GENCITY_MIN_RESIDENTS .. MAX_RESIDENTS */
    int64_t from, to;   /* the first and last day, in 2020-2099, MIN_DAYS .. MAX_DAYS apart;
                           the last two calendar months are the inspection period */
    uint64_t volume;    /* business tasks per staff member and day, percent of the normal */
    uint64_t bulk_rows; /* 0: the whole city; N: only bulk/juki_bulk.csv with N rows, its
                           profile and the staff and terminal masters (ingest benchmark) */
    int force;          /* 1: write over a city already in out (its files are overwritten,
                           others left alone); 0: refuse */
    int progress;       /* 1: a progress line on stderr while simulating */
    int variant;        /* TK_GENCITY_VARIANT_A (the default city) or _B (docs/gen-city.md) */
} tk_gencity_options;

/* The configurations of a city (--variant). A is the city every default run writes; B is a
 * city that differs where real cities differ from A: other proportions of 所属 and volumes, a
 * protection list without 担当所属, a calendar export with 所属-scoped open days (a 市民課
 * Sunday counter, 期日前投票 weekends), cases that last weeks, counts with thousands
 * separators in 備考. Adding B changed nothing in A's files. */
enum { TK_GENCITY_VARIANT_A = 0, TK_GENCITY_VARIANT_B = 1 };

/* seed 0, 200 staff, 20,000 residents, 2024-04-01 .. 2024-11-30 (days 19814 .. 20057),
 * volume 100, the whole city, no --force, no progress, variant A; out must be set. */
// clang-format off
#define TK_GENCITY_OPTIONS_INIT {NULL, 0, 200, 20000, 19814, 20057, 100, 0, 0, 0, TK_GENCITY_VARIANT_A}
// clang-format on

/* What a run wrote, for a summary. Plain values, no pointers. */
typedef struct tk_gencity_result {
    size_t staff, residents, households, terminals;
    char from[11], to[11], inspection_from[11]; /* YYYY-MM-DD; the inspection period ends at to */
    size_t files;                               /* files written */
    size_t log_files;                           /* log files listed in manifest.csv */
    size_t rows;                                /* their rows */
    size_t business_rows, logon_rows, media_rows;
    size_t incidents, incident_kinds; /* truth.csv rows with label incident, and their kinds */
    size_t hard_negatives, hard_negative_kinds;
} tk_gencity_result;

/* Checks opts (borrowed) without writing anything. The messages name the
 * options as the command line spells them (--staff, --from), which
 * `tenken gen-city` and `tenken demo` share.
 * Returns TK_OK or TK_EINVAL (no output directory, a value out of range,
 * --from after --to, a period too short or too long, too large a city, an unknown
 * variant, or variant B with --bulk-rows). */
TK_MUST_CHECK int tk_gencity_check(const tk_gencity_options *opts, tk_error *err);

/* 1 if dir (borrowed) already holds (part of) a generated city: one of
 * manifest.csv, truth.csv, README.md, logs/, master/, profiles/, bulk/. */
int tk_gencity_holds_city(const char *dir);

/* Generates the city opts (borrowed) describes into opts->out. On success
 * *result (borrowed; may be NULL) says what was written.
 * Returns TK_OK, TK_EINVAL (as tk_gencity_check()), TK_EEXISTS (opts->out
 * holds a city and opts->force is 0), TK_ENOMEM or TK_EIO (a directory or
 * file that cannot be written; files written before it stay). */
TK_MUST_CHECK int tk_gencity_run(const tk_gencity_options *opts, tk_gencity_result *result,
                                 tk_error *err);

#endif
