/* models/casescore.c -- see casescore.h. The weights were set on the
 * tuning cities of bench/eval (docs/performance.md, "Detection quality"). */
#include "models/casescore.h"

#include <math.h>

#include "models/rulecat.h"

#define SCALE        2.5   /* strength at which a case is 63 % of the way up its band */
#define CHANCE_REF   0.001 /* expected count by chance that neither raises nor lowers a case */
#define CHANCE_W     0.8   /* strength per factor 10 of that count ... */
#define CHANCE_MAX   1.5   /* ... for at most this many factors either way */
#define EARLIER      0.5   /* share of the strength kept when the entity has a case above */
#define FLOOR_S      0.5   /* strength below which it decays towards 0, not below it */
#define HABIT_REF    0.05  /* share of baseline days with the pattern that is neutral */
#define HABIT_W      0.8   /* strength per factor 10 of that share ... */
#define HABIT_MAX    1.0   /* ... for at most this many factors either way */
#define EXPLAINED_LO 10.0  /* the band of a case master data explains: below the low band */
#define EXPLAINED_HI 20.0

double tk_casescore_strength(const tk_casescore_in *in)
{
    const double days = (double)(in->days ? in->days : 1);
    double s = 1.0;
    s += in->ratio > 1 ? fmin(2.0, log(in->ratio)) : 0;
    s += 0.6 * log(days);
    s += 0.7 * (double)(in->nrules > 1 ? in->nrules - 1 : 0);
    if (in->model_best > 50)
        s += 0.8 * fmin(1.0, (in->model_best - 50) / 50);
    /* a period anomaly, or another entity's model anomaly of the same act,
     * that joined the case: the models saw it on their own */
    if (in->period > 50)
        s += 1.5 * fmin(1.0, (in->period - 50) / 50);
    s += in->rel > 0 ? 0.8 : in->rel < 0 ? -0.8 : 0;
    /* a pattern the member's own habits make likely by chance (R05: a
     * clerk drawing from a whole population meets the same resident again
     * on three days of a month) ranks below one that chance hardly
     * explains; it sinks rather than vanishes, the filter having raised it */
    if (in->chance > 0)
        s += CHANCE_W * fmax(-CHANCE_MAX, fmin(CHANCE_MAX, log10(CHANCE_REF / in->chance)));
    /* how usual the pattern is for the member: work at 20:50 by someone
     * who never works late in the baseline is rarer than by someone who
     * does one day in three */
    if (in->habit > 0)
        s += HABIT_W * fmax(-HABIT_MAX, fmin(HABIT_MAX, log10(HABIT_REF / in->habit)));
    s -= 0.4 * log((double)(in->n_person > 1 ? in->n_person : 1));
    s -= 0.5 * log((double)(in->n_dept > 1 ? in->n_dept : 1));
    s += 0.1 * log1p((double)in->evidence);
    /* A floor, but a soft one: below FLOOR_S the strength decays
     * exponentially (matching value and slope at FLOOR_S) instead of
     * stopping at 0. A rule that fires for many members of one 所属 (R08
     * in a large 国保 section) drives many weak cases below zero; clamped,
     * a dozen of them tied at the band's floor in day order. */
    if (s < FLOOR_S)
        s = FLOOR_S * exp((s - FLOOR_S) / FLOOR_S);
    /* the same entity is listed above: the inspector asks about it there.
     * A share, not a shift: a shift would pile weak cases at the band's
     * floor, where they tie */
    if (in->earlier != TK_CASESCORE_FIRST)
        s *= EARLIER;
    return s;
}

double tk_casescore_score(const tk_casescore_in *in)
{
    static const double lo[] = {0, 20, 45, 70, 90}, hi[] = {0, 45, 70, 90, 100};
    int sev = in->sev >= TK_RULECAT_LOW && in->sev <= TK_RULECAT_CRITICAL ? in->sev : 1;
    double l = lo[sev], h = hi[sev];
    /* master data explains the leading finding (an approved medium in office
     * hours, an overtime order that covers the evening): the city's own
     * records account for it, so it ranks below every case they do not
     * account for, however weak, in its own band, and keeps its order
     * among the explained ones */
    if (in->explained)
        l = EXPLAINED_LO, h = EXPLAINED_HI;
    const double s = tk_casescore_strength(in);
    return l + (h - l) * 0.999 * (1 - exp(-s / SCALE));
}
