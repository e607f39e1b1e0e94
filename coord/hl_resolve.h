/* hl_resolve.h — cross-DC final status of a job (seed-defects D.6): any FAILED -> FAILED; else
 * any CANCELLED -> CANCELLED; else any TIMEOUT or a DC that never reported -> TIMEOUT; all
 * COMPLETED -> COMPLETED. A partially failed job is never COMPLETED. Per-DC statuses are kept by
 * the caller next to the result. Values are enum hl_wire_status. */
#ifndef HL_RESOLVE_H
#define HL_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

/** dc_status[i] for each of the n target DCs; HL_WS_NONE (or any non-terminal value) means the DC
 *  has not reported and counts as TIMEOUT. n == 0 resolves to TIMEOUT (nothing ran). */
uint8_t hl_resolve_final(const uint8_t *dc_status, size_t n);

#endif
