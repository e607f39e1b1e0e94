/* sansio_log_probe.c — compiled like swim/ and coord/ (poison header force-included): proves
 * HL_LOG is usable from sans-IO code and takes its time from the host-installed clock. */
#include "hl_log.h"
#include "sansio_log_probe.h"

void
sansio_log_probe(unsigned peer, unsigned seq)
{
	HL_LOG(HL_LOG_WARN, "swim", "probe failed peer=n%u seq=%u", peer, seq);
}
