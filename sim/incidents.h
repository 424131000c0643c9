/* sim/incidents.h -- planted incidents, hard negatives and the truth file's rows.
 *
 * Internal to sim/. Adds events on top of the baseline of a simulated tk_city and one truth
 * row per planted case (tk_city_truth_add). */
#ifndef TK_SIM_INCIDENTS_H
#define TK_SIM_INCIDENTS_H

#include "sim/city.h"

void tk_incidents_inject(tk_city *g, const specials *sp);
size_t tk_incidents_count_kinds(const tk_city *g, int hn);
size_t tk_incidents_count(const tk_city *g, int hn);

#endif
