/* tests/models/test_casescore.c -- the score of a rule-led case: its
 * severity band, the chance term, and the entity's earlier cases. */
#include <math.h>
#include <stdio.h>

#include "models/casescore.h"
#include "models/rulecat.h"
#include "tests/test.h"

/* An R05 case: a medium finding, four look-up-only days, no models. */
static tk_casescore_in r05_case(double chance)
{
    tk_casescore_in in = TK_CASESCORE_IN_INIT;
    in.sev = TK_RULECAT_MEDIUM;
    in.days = 4;
    in.ratio = 4.0 / 3.0;
    in.rel = 1;
    in.chance = chance;
    in.evidence = 6;
    return in;
}

/* Scores stay in the band, whatever the strength. */
static void bands(void)
{
    static const double lo[] = {0, 20, 45, 70, 90}, hi[] = {0, 45, 70, 90, 100};
    for (int sev = TK_RULECAT_LOW; sev <= TK_RULECAT_CRITICAL; sev++) {
        tk_casescore_in in = TK_CASESCORE_IN_INIT;
        in.sev = sev;
        const double weak = tk_casescore_score(&in);
        in.days = 60;
        in.nrules = 6;
        in.ratio = 100;
        in.model_best = 100;
        in.period = 100;
        in.evidence = 100000;
        const double strong = tk_casescore_score(&in);
        if (!(lo[sev] <= weak && weak < strong && strong < hi[sev]))
            printf("    severity %d: weak %.3f strong %.3f\n", sev, weak, strong);
        TK_CHECK(lo[sev] <= weak && weak < strong && strong < hi[sev]);
    }
    tk_casescore_in odd = TK_CASESCORE_IN_INIT;
    odd.sev = 9; /* not a severity: counts as low */
    TK_CHECK(tk_casescore_score(&odd) >= 20 && tk_casescore_score(&odd) < 45);
}

/* A repeat that chance explains (a clerk meeting the same resident again
 * on three days of a month, 0.05 expected) ranks below the same repeat
 * chance hardly explains (four days in a week, 1e-5 expected); a case
 * whose rule estimates no chance is neither raised nor lowered; the term
 * is bounded, so a repeat expected once a year still ranks in the band. */
static void chance_term(void)
{
    tk_casescore_in none = r05_case(0), likely = r05_case(0.05), rare = r05_case(1e-5),
                    ref = r05_case(0.001), certain = r05_case(1000);
    const double s_none = tk_casescore_strength(&none), s_likely = tk_casescore_strength(&likely),
                 s_rare = tk_casescore_strength(&rare), s_ref = tk_casescore_strength(&ref);
    if (!(s_rare > s_none && s_none > s_likely))
        printf("    strength: rare %.3f none %.3f likely %.3f\n", s_rare, s_none, s_likely);
    TK_CHECK(s_rare > s_none && s_none > s_likely);
    TK_CHECK(fabs(s_ref - s_none) < 1e-12);
    TK_CHECK(tk_casescore_score(&rare) - tk_casescore_score(&likely) > 3);
    TK_CHECK(tk_casescore_score(&certain) >= 45);
    /* bounded: 1e-9 is no stronger than 1e-5 beyond the cap */
    tk_casescore_in tiny = r05_case(1e-9);
    TK_CHECK(tk_casescore_strength(&tiny) - s_ref <= 0.8 * 1.5 + 1e-12);
}

/* The entity's second case ranks below its first, whichever rule leads
 * the one above; it stays in its band, and a weak case does not fall to
 * the band's floor (cases there would tie). */
static void earlier_cases(void)
{
    tk_casescore_in first = r05_case(0), other = r05_case(0), same = r05_case(0);
    other.earlier = TK_CASESCORE_OTHER_RULE;
    same.earlier = TK_CASESCORE_SAME_RULE;
    const double s1 = tk_casescore_score(&first), s2 = tk_casescore_score(&other),
                 s3 = tk_casescore_score(&same);
    if (!(s1 > s2 + 2 && s2 == s3 && s3 > 45))
        printf("    first %.3f other rule above %.3f same rule above %.3f\n", s1, s2, s3);
    TK_CHECK(s1 > s2 + 2 && s2 == s3 && s3 > 45);
    TK_CHECK(fabs(tk_casescore_strength(&other) - 0.5 * tk_casescore_strength(&first)) < 1e-12);
    tk_casescore_in weak = TK_CASESCORE_IN_INIT;
    weak.sev = TK_RULECAT_LOW;
    weak.rel = -1;
    weak.earlier = TK_CASESCORE_SAME_RULE;
    TK_CHECK(tk_casescore_score(&weak) > 20);
    /* an explained case keeps its order among the explained ones */
    first.explained = other.explained = 1;
    TK_CHECK(tk_casescore_score(&first) > tk_casescore_score(&other));
}

/* R01's habit: work at 20:50 by a member with no baseline day at that hour
 * (0.5 / 120) ranks above the same by a member who works that late one day
 * in three, with the unknown habit between them; the term is bounded. */
static void habit_term(void)
{
    tk_casescore_in never = TK_CASESCORE_IN_INIT, usual, unknown, always;
    never.sev = TK_RULECAT_MEDIUM;
    usual = unknown = always = never;
    never.habit = 0.5 / 120;
    usual.habit = 1.0 / 3;
    always.habit = 1;
    const double s_never = tk_casescore_score(&never), s_unknown = tk_casescore_score(&unknown),
                 s_usual = tk_casescore_score(&usual);
    if (!(s_never > s_unknown + 2 && s_unknown > s_usual + 2))
        printf("    never %.3f unknown %.3f one day in three %.3f\n", s_never, s_unknown, s_usual);
    TK_CHECK(s_never > s_unknown + 2 && s_unknown > s_usual + 2);
    /* one factor of ten at most either way, 0.8 strength per factor */
    TK_CHECK(tk_casescore_strength(&never) - tk_casescore_strength(&unknown) <= 0.8 + 1e-12);
    TK_CHECK(tk_casescore_strength(&unknown) - tk_casescore_strength(&always) <= 0.8 + 1e-12);
    TK_CHECK(s_usual >= 45);
}

/* A case master data explains (an approved medium in office hours) ranks
 * below every case it does not explain, however weak: the city's records
 * account for it, and an inspector reads what they do not account for
 * first. Strong explained cases stay below the weakest unexplained low
 * one, in their own order. */
static void explained_below_unexplained(void)
{
    tk_casescore_in weakest = TK_CASESCORE_IN_INIT, strong = TK_CASESCORE_IN_INIT, weak;
    weakest.sev = TK_RULECAT_LOW;
    weakest.rel = -1;
    weakest.chance = 1;
    weakest.n_dept = 50;
    weakest.earlier = TK_CASESCORE_SAME_RULE;
    strong.sev = TK_RULECAT_LOW;
    strong.explained = 1;
    strong.days = 30;
    strong.nrules = 4;
    strong.ratio = 100;
    strong.evidence = 100000;
    weak = strong;
    weak.days = 1;
    const double s_weakest = tk_casescore_score(&weakest), s_strong = tk_casescore_score(&strong),
                 s_weak = tk_casescore_score(&weak);
    if (!(s_weakest > s_strong && s_strong > s_weak && s_weak >= 10))
        printf("    weakest unexplained %.4f, explained strong %.4f, weak %.4f\n", s_weakest,
               s_strong, s_weak);
    TK_CHECK(s_weakest > s_strong && s_strong > s_weak && s_weak >= 10);
    TK_CHECK(s_weakest >= 20 && s_strong < 20);
}

/* Weak cases keep their order at the floor of their band: a low finding
 * that fires for a dozen members of one 所属 (n_dept 12), for a person
 * who has it three times (n_person 3), with a business relationship (rel
 * -1) is weaker still than one without the relationship, and neither
 * falls to the band's floor, where the two would tie. */
static void weak_cases_keep_order(void)
{
    tk_casescore_in a = TK_CASESCORE_IN_INIT, b;
    a.sev = TK_RULECAT_LOW;
    a.n_dept = 12;
    a.n_person = 3;
    b = a;
    b.rel = -1;
    const double sa = tk_casescore_score(&a), sb = tk_casescore_score(&b);
    if (!(sa > sb && sb > 20))
        printf("    without a relationship %.6f, with one %.6f\n", sa, sb);
    TK_CHECK(sa > sb && sb > 20);
    /* the floor is smooth: strength just above and just below it differ
     * as little as the inputs */
    tk_casescore_in c = TK_CASESCORE_IN_INIT;
    c.sev = TK_RULECAT_LOW;
    c.n_dept = 3; /* 1 - 0.5 log 3 = 0.45: just below the soft floor's knee */
    tk_casescore_in d = c;
    d.evidence = 1; /* + 0.1 log 2 = 0.069 */
    const double sc = tk_casescore_strength(&c), sd = tk_casescore_strength(&d);
    TK_CHECK(sd > sc && sd - sc < 0.08);
}

int main(void)
{
    TK_RUN(bands);
    TK_RUN(chance_term);
    TK_RUN(earlier_cases);
    TK_RUN(explained_below_unexplained);
    TK_RUN(habit_term);
    TK_RUN(weak_cases_keep_order);
    TK_TEST_END();
}
