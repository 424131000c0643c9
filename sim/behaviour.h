/* sim/behaviour.h -- the baseline: a city's ordinary working days.
 *
 * Internal to sim/. Fills a tk_city built by tk_city_build() with the events of every open
 * day, and gives the incident injectors the same event constructors and time pickers the
 * baseline uses. Functions take the city borrowed and append to its arrays; an allocation
 * failure sets g->oom (checked once per phase). */
#ifndef TK_SIM_BEHAVIOUR_H
#define TK_SIM_BEHAVIOUR_H

#include "sim/city.h"

typedef struct span {
    int lo, hi; /* seconds of day, [lo, hi) */
    unsigned w;
} span;

typedef struct dayplan {
    span sp[128];
    size_t n;
    unsigned total;
} dayplan;

/* Event constructors: a terminal logon event (tev kind), an overtime row, a business event
 * (with noise, a few rows get a 備考 or fail; the result is borrowed until the next push)
 * and a removable-media event (file borrowed, copied). */
void tk_behaviour_add_tv(tk_city *g, size_t s, size_t term, int64_t t, int kind);
void tk_behaviour_add_ot(tk_city *g, size_t s, int32_t day, int from, int to);
bev *tk_behaviour_add_ev(tk_city *g, size_t s, size_t term, size_t sys, size_t fn, uint32_t res,
                         int64_t t, uint32_t count, int noise);

/* A function of system sys in category cat, drawn by weight (pick) or the first with
 * operation op (find); -1 if the system has none. */
int tk_behaviour_pick_fn(tk_rng *r, size_t sys, int cat);
int tk_behaviour_find_fn(size_t sys, int op, int cat);

/* 1 if resident res lives in staff member s's household. */
int tk_behaviour_same_household(const tk_city *g, const staff *s, uint32_t res);

/* A day plan: [lo, hi) in minutes added in quarter hours weighted like the baseline's day;
 * plan_pick draws a second of day from it. */
void tk_behaviour_plan_add(dayplan *p, int lo, int hi);
int tk_behaviour_plan_pick(const dayplan *p, tk_rng *r);

/* Runs n tasks of staff member s on day at times drawn from p (fixed_sys >= 0: all in that
 * system). */
void tk_behaviour_run_tasks(tk_city *g, size_t s, size_t dept, size_t sect, size_t term,
                            int32_t day, const dayplan *p, unsigned n, int fixed_sys, int kenmu);

/* A second of day when staff member s is surely at work and logged on, in the morning (am)
 * or afternoon block, away from lunch; -1 if s is absent or the block is empty. */
int tk_behaviour_safe_time(tk_city *g, tk_rng *r, size_t s, int32_t day, int am);

/* The approved device of dept; NDEV if it has none. */
size_t tk_behaviour_device_of_dept(size_t dept);
void tk_behaviour_add_mv(tk_city *g, size_t s, size_t term, size_t dev, int64_t t, int kind,
                         const char *file, uint64_t bytes);

/* Simulates every day of the period into g (son, soff, slog, day_ev, day_tv allocated by
 * the caller). Returns TK_OK or TK_ENOMEM; g->oom may also be set. */
int tk_behaviour_simulate(tk_city *g);

#endif
