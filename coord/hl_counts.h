/* hl_counts.h — the packet counts a finished workflow slice reports and that travel, summed, up
 * to the client: worker RESULT -> job leader's workflow record (replicated) -> DC_RESULT totals
 * -> gate job record per DC (replicated) -> final push -> client. Only the slice whose result
 * ended a workflow counts: a slice lost with its worker, or replaced by a retry, does not. */
#ifndef HL_COUNTS_H
#define HL_COUNTS_H

#include <stdbool.h>
#include <stdint.h>

struct hl_counts {
	uint64_t tx_pkts; /* accepted by the test ports */
	uint64_t rx_pkts; /* signed packets received */
	uint64_t lost; /* signed packets that never arrived (0 when loss is unmeasured) */
};

static inline uint64_t
hl_counts_sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/** d += s, saturating (counts from hostile peers must not wrap into small numbers). */
static inline void
hl_counts_add(struct hl_counts *d, const struct hl_counts *s)
{
	d->tx_pkts = hl_counts_sat_add(d->tx_pkts, s->tx_pkts);
	d->rx_pkts = hl_counts_sat_add(d->rx_pkts, s->rx_pkts);
	d->lost = hl_counts_sat_add(d->lost, s->lost);
}

static inline bool
hl_counts_zero(const struct hl_counts *c)
{
	return c->tx_pkts == 0 && c->rx_pkts == 0 && c->lost == 0;
}

#endif
