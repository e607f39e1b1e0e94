/* swim_int.h — internal helpers shared by the SWIM core's translation units (not installed). */
#ifndef HL_SWIM_INT_H
#define HL_SWIM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "hl_mp.h"
#include "hl_swim.h"

/** Write one update (map) at the writer's position. */
void hl_swim_wr_update(struct hl_mp_wr *w, const struct hl_swim_update *u);
/** Write the datagram map header and its fixed fields; with_updates appends key 7 and an array16
 * header whose count sits in the last two bytes written (patch it afterwards). */
void hl_swim_wr_header(struct hl_mp_wr *w, const struct hl_swim_packet *p, bool with_updates);
void hl_swim_wr_patch_count(struct hl_mp_wr *w, size_t count_at, uint32_t n);

#endif
