/* sim/writers.h -- a simulated city written out: logs, profiles, master files, truth.
 *
 * Internal to sim/. Renders a tk_city (borrowed) into files under g->out. */
#ifndef TK_SIM_WRITERS_H
#define TK_SIM_WRITERS_H

#include "sim/city.h"
#include "src/error.h"

/* Creates g->out with its parents, and logs/ (bulk/ for --bulk-rows), profiles/ and master/
 * inside it. Returns TK_OK, TK_EINVAL (a path too long) or TK_EIO. */
int tk_writers_mkdirs(tk_city *g, tk_error *err);

/* Writes a simulated city: logs, profiles, staff and terminal masters, the other masters,
 * manifest.csv, truth.csv and README.md. Returns TK_OK, TK_ENOMEM, TK_EINVAL (a path too
 * long) or TK_EIO. */
int tk_writers_city(tk_city *g, tk_error *err);

/* Writes the --bulk-rows output of a built (not simulated) city: bulk/juki_bulk.csv with
 * g->bulk rows, its profile, the staff and terminal masters and manifest.csv. Returns TK_OK,
 * TK_ENOMEM, TK_EINTERNAL (no staff of 市民課) or TK_EIO. */
int tk_writers_bulk(tk_city *g, tk_error *err);

#endif
