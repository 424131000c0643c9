/* models/casescore.h -- the score of a rule-led case in the ranked list.
 *
 * A case (models/analysis.c groups findings and model anomalies into
 * cases) keeps its leading finding's severity band as the major key
 * (critical 90-100, high 70-90, medium 45-70, low 20-45) and is placed
 * inside the band by its strength s >= 0, as the band's share
 * 1 - exp(-s / 2.5): continuous, so that cases of one band do not tie.
 * The strength adds how far past the threshold, how many days, how many
 * rules, the models' view of its days, the business relationship with
 * the resident and, where the rule estimates it, how unlikely the
 * pattern is by chance for its member (R05's span_chance, R06's, R08's
 * and R11's chance) and how usual it is for the member in the baseline
 * (R01's and R02's habit); it subtracts
 * how often the rule fires for the same person and the same 所属, and
 * whether the same entity already has a case ranked above it (an
 * inspector who reads that case asks the person about the rest too).
 * A case master data explains (its severity lowered by a legitimising
 * context) is placed by its strength in a band of its own, 10-20, below
 * every case master data does not explain.
 *
 * Owns nothing; pure functions, thread-safe. */
#ifndef TK_CASESCORE_H
#define TK_CASESCORE_H

#include <stddef.h>
#include <stdint.h>

/* The entity's cases ranked above this one. A case with one above keeps
 * half its strength, whichever rule leads the one above (on the tuning
 * cities a larger share for another rule's case, or a smaller one for
 * the same rule's, listed no fewer incidents in the top 50). */
enum {
    TK_CASESCORE_FIRST = 0,      /* none: its first case */
    TK_CASESCORE_OTHER_RULE = 1, /* one led by another rule */
    TK_CASESCORE_SAME_RULE = 2   /* one led by the same rule */
};

/* What the score of a rule-led case reads. */
typedef struct tk_casescore_in {
    int sev;           /* the leading finding's severity, TK_RULECAT_LOW..TK_RULECAT_CRITICAL
                          (anything else counts as low) */
    size_t days;       /* days of the case (0 counts as 1) */
    size_t nrules;     /* distinct rules among its findings (>= 1) */
    double ratio;      /* largest value / threshold among its findings; <= 1: none past */
    double model_best; /* the models' best score of its days, or -1 */
    double period;     /* a period anomaly or another entity's model anomaly joined, or -1 */
    int rel;           /* +1 look-up only with no relationship, -1 processing/caseload, 0 */
    double chance;     /* the leading finding's expected count by chance, 0: not estimated */
    double habit;      /* the share of the member's baseline days with the leading rule's
                          pattern (R01: work at that hour; R02: on closed days), 0: not known */
    int64_t n_person;  /* cases of the leading rule for the same person (>= 1) */
    int64_t n_dept;    /* distinct members of the 所属 with a case of the rule (>= 1) */
    uint64_t evidence; /* events behind the case */
    int explained;     /* master data lowered the leading finding's severity */
    int earlier;       /* TK_CASESCORE_*: the entity's case above this one */
} tk_casescore_in;

#define TK_CASESCORE_IN_INIT                                                                       \
    {                                                                                              \
        1, 1, 1, 0, -1, -1, 0, 0, 0, 1, 1, 0, 0, TK_CASESCORE_FIRST                                \
    }

/* The strength s >= 0 of the case described by in (borrowed). */
double tk_casescore_strength(const tk_casescore_in *in);

/* The case's score in its severity band, from tk_casescore_strength():
 * in [20, 45) for low, [45, 70) medium, [70, 90) high, [90, 100)
 * critical, [10, 20) when in->explained; nondecreasing in the strength. */
double tk_casescore_score(const tk_casescore_in *in);

#endif
