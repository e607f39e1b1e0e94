/* hl_coord.h — sans-IO job coordination core: umbrella header (docs/coordination.md describes the
 * state machines, the authority table and which test covers what). */
#ifndef HL_COORD_H
#define HL_COORD_H

#include "hl_backpressure.h"
#include "hl_dc.h"
#include "hl_elect.h"
#include "hl_elect_wire.h"
#include "hl_idem.h"
#include "hl_idmap.h"
#include "hl_jrec.h"
#include "hl_lease.h"
#include "hl_lease_wire.h"
#include "hl_progress.h"
#include "hl_pushlog.h"
#include "hl_resolve.h"
#include "hl_retry.h"
#include "hl_winstats.h"

/** Version string of the coordination core. */
const char *hl_coord_version(void);

#endif
