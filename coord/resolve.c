/* resolve.c — cross-DC final status resolution. */
#include "hl_msg_table.h"
#include "hl_resolve.h"

uint8_t
hl_resolve_final(const uint8_t *dc_status, size_t n)
{
	int failed = 0, cancelled = 0, timeout = n == 0;

	for (size_t i = 0; i < n; i++) {
		switch (dc_status[i]) {
		case HL_WS_FAILED:
			failed = 1;
			break;
		case HL_WS_CANCELLED:
			cancelled = 1;
			break;
		case HL_WS_COMPLETED:
			break;
		default: /* TIMEOUT, or never reported (missing DC) */
			timeout = 1;
		}
	}
	if (failed)
		return HL_WS_FAILED;
	if (cancelled)
		return HL_WS_CANCELLED;
	return timeout ? HL_WS_TIMEOUT : HL_WS_COMPLETED;
}
