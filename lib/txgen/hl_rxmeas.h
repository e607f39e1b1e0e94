/* hl_rxmeas.h — the measurement side of the traffic engine: one RX queue per lcore, signature
 * parse, per-stream counters, loss, reordering, duplicates (bounded sliding bitmap), latency
 * histogram and RFC 3550 jitter, published as seqlock window snapshots. Single writer. */
#ifndef HL_RXMEAS_H
#define HL_RXMEAS_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_hist.h"
#include "hl_snap.h"
#include "hl_sig.h"
#include "hl_stream.h"

struct rte_mbuf;

#define HL_RX_MAX_STREAMS 64 /* streams one RX lcore tracks; more are counted as unknown */
#define HL_RX_WINDOW 1024 /* sequence numbers remembered for duplicate/reorder detection */
#define HL_RX_BURST 32

/** Per-stream results (exact integer counters). */
struct hl_rx_stats {
	uint16_t stream_id;
	uint64_t rx_pkts; /* signed packets of this stream received */
	uint64_t rx_bytes; /* L2 bytes incl. FCS */
	uint64_t dup; /* seen twice inside the window */
	uint64_t reorder; /* arrived after a higher sequence number (late, inside the window) */
	uint64_t too_old; /* arrived more than HL_RX_WINDOW behind the highest: late, unchecked */
	uint64_t max_seq; /* highest sequence (64-bit widened); valid when rx_pkts > 0 */
	uint64_t unique; /* rx_pkts - dup */
	uint64_t jitter_ns; /* RFC 3550 interarrival jitter estimate */
	struct hl_hist lat_ns;
};

/** Lost signed packets so far: sequence numbers below the highest seen that never arrived. Use
 * hl_rx_loss_final() with the sender's count once the stream is over. */
static inline uint64_t
hl_rx_loss_now(const struct hl_rx_stats *st)
{
	if (st->rx_pkts == 0)
		return 0;
	uint64_t expected = st->max_seq + 1;
	return expected > st->unique ? expected - st->unique : 0;
}

static inline uint64_t
hl_rx_loss_final(const struct hl_rx_stats *st, uint64_t tx_signed)
{
	return tx_signed > st->unique ? tx_signed - st->unique : 0;
}

/** Merge the stats of one stream measured on several RX lcores (RSS): counts, bytes, dup,
 * reorder, too_old and unique add, histograms merge exactly, max_seq is the larger, jitter the
 * larger of the two estimates. Reordering across lcores is not visible to either. dst and src
 * must be the same stream. */
void hl_rx_stats_merge(struct hl_rx_stats *dst, const struct hl_rx_stats *src);

struct hl_rx_snapshot {
	uint64_t window_seq; /* increments at every publication */
	uint64_t tsc; /* when it was taken */
	uint64_t rx_total; /* packets received on the queue */
	uint64_t rx_unsigned; /* without a (valid) signature: load packets, foreign traffic */
	uint64_t rx_unknown; /* signed, but for a stream this lcore does not track */
	uint32_t n_streams;
	struct hl_rx_stats st[HL_RX_MAX_STREAMS];
};

struct hl_rxmeas; /* opaque; allocated on a socket */

/** Create the measurement state for (port, queue), snapshot window window_ns (0 = 50 ms).
 * Returns NULL with rte_errno EINVAL (no such port, or queue not configured) or ENOMEM.
 * Latency uses the burst's TSC unless hl_rxmeas_hw_timestamps() selects NIC timestamps. */
struct hl_rxmeas *hl_rxmeas_create(uint16_t port, uint16_t queue, uint64_t window_ns, int socket);
void hl_rxmeas_free(struct hl_rxmeas *r);

/** Track stream id. -ENOSPC when HL_RX_MAX_STREAMS are tracked, -EEXIST when already. */
int hl_rxmeas_track(struct hl_rxmeas *r, uint16_t stream_id);

/** Account a burst received at rx_tsc (does not free the mbufs). For callers with their own
 * RX loop (tests, a forwarding lcore). */
void hl_rxmeas_account(struct hl_rxmeas *r, struct rte_mbuf **pkts, uint16_t n, uint64_t rx_tsc);

/** One rte_eth_rx_burst + account + free; publishes a snapshot when a window has elapsed.
 * Returns the number of packets received. */
uint16_t hl_rxmeas_poll(struct hl_rxmeas *r);

/** Free n received mbufs as hl_rxmeas_poll does: a direct, single-segment mbuf holding the only
 * reference goes back to its pool reading only its first cache line (its next pointer is NULL
 * when nb_segs is 1); chained, indirect, external-buffer and shared mbufs go through
 * rte_pktmbuf_free. */
void hl_rx_free_burst(struct rte_mbuf *const *pkts, uint16_t n);

/** Publish a snapshot now (owner lcore only). */
void hl_rxmeas_publish(struct hl_rxmeas *r);

/** Copy the latest snapshot (any lcore; lock-free, retries while torn). out is large
 * (~2.3 MB for HL_RX_MAX_STREAMS): allocate it, do not put it on a stack. */
void hl_rxmeas_snapshot(const struct hl_rxmeas *r, struct hl_rx_snapshot *out);

/** Live stats of a tracked stream (owner lcore, or when the lcore is stopped); NULL if not
 * tracked. */
const struct hl_rx_stats *hl_rxmeas_stats(const struct hl_rxmeas *r, uint16_t stream_id);

/** Take RX times from the NIC's per-packet timestamps (RTE_ETH_RX_OFFLOAD_TIMESTAMP; dynfield
 * and flag from hl_port_info) instead of the burst's TSC. A NIC time t maps to the sender's TSC
 * domain as tsc_ref + (t - nic_ref) x tsc_hz / nic_hz, from a pair (nic_ref, tsc_ref) the caller
 * sampled together (rte_eth_read_clock() and rte_rdtsc()) and may refresh at any time on the
 * owner lcore against drift. Packets without the flag keep the TSC. dynfield < 0 turns it off.
 * Returns -EINVAL for nic_hz <= 0. */
int hl_rxmeas_hw_timestamps(struct hl_rxmeas *r, int dynfield, uint64_t dynflag, double nic_hz,
        uint64_t nic_ref, uint64_t tsc_ref);

/** Packets whose RX time came from a NIC timestamp. */
uint64_t hl_rxmeas_hw_stamped(const struct hl_rxmeas *r);

/** Live queue totals (owner lcore, or when stopped). */
void hl_rxmeas_totals(
        const struct hl_rxmeas *r, uint64_t *total, uint64_t *unsigned_pkts, uint64_t *unknown);

#endif
