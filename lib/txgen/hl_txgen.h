/* hl_txgen.h — the generation side of the traffic engine: a stream compiled into a packet
 * template plus a pool of pre-built mbufs, and a per-lcore generator that paces bursts by TSC.
 *
 * Hot path per packet: take a pre-built mbuf from the stream's own pool (its headers were
 * written once at pool creation and survive recycling), rewrite only the varying fields, the
 * length fields when the size varies, and the signature, and patch checksums from precomputed
 * partial sums (no header is built and no byte is summed beyond the rewritten words). */
#ifndef HL_TXGEN_H
#define HL_TXGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_hist.h"
#include "hl_snap.h"
#include "hl_stream.h"

struct rte_mbuf;
struct rte_mempool;

#define HL_TXGEN_MAX_STREAMS 16 /* streams per generator (lcore) */
#define HL_TXGEN_SCHED_LEN 1024 /* entries of the precomputed size schedule */
#define HL_TXGEN_DEFAULT_POOL 4095 /* pre-built mbufs per stream */
#define HL_TXGEN_DEFAULT_STALL_NS 1000000000ull
#define HL_TXGEN_DEFAULT_WINDOW_NS 50000000ull
#define HL_TXGEN_BATCH_NS 1000 /* paced streams send what fell due in the last 1 us */
#define HL_TXGEN_FULL_BACKOFF_NS 500 /* wait after the TX queue refused part of a burst */

/** Options for hl_tx_stream_create(). Zero fields take the defaults noted. */
struct hl_tx_opts {
	uint32_t pool_mbufs; /* 0 = HL_TXGEN_DEFAULT_POOL */
	uint32_t pool_cache; /* per-lcore mempool cache; 0 = 256 (clamped to the pool) */
	int socket; /* NUMA socket of the pool; <0 = the port's */
	uint32_t link_mbps; /* line rate for HL_RATE_PERCENT; 0 = 10000 */
	uint64_t stall_ns; /* no progress this long ends the stream with an error; 0 = 1 s */
	/* Pace with the NIC's queue rate limiter instead of the TSC: the stream goes unpaced into
	 * a queue limited to its L2 rate (Mb/s, rounded up); creation fails without a limiter. */
	bool hw_rate_limit;
};

/** Counters of one stream, written only by the generator lcore. */
struct hl_tx_counters {
	uint64_t tx_pkts; /* accepted by rte_eth_tx_burst */
	uint64_t tx_bytes; /* L2 bytes incl. FCS of accepted packets */
	uint64_t tx_signed; /* accepted packets carrying a signature (= next sequence) */
	uint64_t tx_dropped; /* built but never accepted (freed at the end of the stream) */
	uint64_t alloc_fail; /* bursts that found the mbuf pool empty */
	uint64_t tx_full; /* bursts the TX queue did not accept entirely */
	uint64_t bursts; /* calls to rte_eth_tx_burst that sent >= 1 packet */
	uint64_t start_tsc, last_tsc; /* first and last transmission */
	double requested_pps; /* 0 = unlimited */
	int status; /* 0 running/finished, or the error that ended the stream */
	bool done;
};

struct hl_tx_stream; /* opaque: created on the stream's socket, owns its pool */

/** Compile spec for (port, queue): validate, build the template and the size schedule, create
 * and pre-fill the stream's pool. Returns NULL with a message in err on failure. */
struct hl_tx_stream *hl_tx_stream_create(const struct hl_stream_spec *spec, uint16_t port,
        uint16_t queue, const struct hl_tx_opts *opts, char *err, size_t errlen);

/** Free a stream and its pool. Every mbuf must be back in the pool (port stopped or drained);
 * returns -EBUSY (and keeps the stream) otherwise. */
int hl_tx_stream_free(struct hl_tx_stream *s);

/** The stream's compiled packets-per-second (0 = unlimited) and mean frame size (incl. FCS). */
double hl_tx_stream_pps(const struct hl_tx_stream *s);
double hl_tx_stream_mean_frame(const struct hl_tx_stream *s);

/** Build one packet of s into an mbuf taken from its pool, as the hot loop would (for tests
 * and for inspection tools); advances the stream's variation state. NULL when the pool is
 * empty. */
struct rte_mbuf *hl_tx_stream_build_one(struct hl_tx_stream *s, uint64_t tsc);

/** Window snapshot of a generator (what the progress service ships). */
struct hl_tx_snapshot {
	uint64_t window_seq; /* increments at every publication */
	uint64_t tsc; /* when it was taken */
	uint32_t n_streams;
	uint16_t stream_id[HL_TXGEN_MAX_STREAMS];
	struct hl_tx_counters c[HL_TXGEN_MAX_STREAMS];
};

/** One generator = one traffic lcore. Owns its streams' hot state; single writer. */
struct hl_txgen {
	uint32_t n_streams;
	struct hl_tx_stream *streams[HL_TXGEN_MAX_STREAMS];
	uint64_t window_cycles; /* snapshot period in TSC cycles */
	uint64_t next_window;
	uint32_t stop; /* set (atomically) by another lcore to end the run */
	uint32_t running;
	struct hl_seqlock snap_lock;
	struct hl_tx_snapshot snap;
	struct hl_hist gap_ns; /* pacing error per paced burst: actual - due, in ns */
};

/** Initialise an empty generator with a snapshot window of window_ns (0 = 50 ms). */
void hl_txgen_init(struct hl_txgen *g, uint64_t window_ns);

/** Attach a stream (the generator does not own it). -ENOSPC when full. */
int hl_txgen_add(struct hl_txgen *g, struct hl_tx_stream *s);

/** Start the clocks of all attached streams (called by the lcore before its first poll). */
void hl_txgen_start(struct hl_txgen *g);

/** One pass over all streams: send what is due. Returns the number of streams still active. */
uint32_t hl_txgen_poll(struct hl_txgen *g);

/** Loop hl_txgen_poll() until every stream ends or hl_txgen_stop() is called; publishes a final
 * snapshot. Returns 0 or the first stream error (-ENOBUFS exhausted pool, -ENOSPC full TX ring,
 * -ENETDOWN port link down). Suitable as an rte_eal_remote_launch() function body through a
 * wrapper. */
int hl_txgen_run(struct hl_txgen *g);

/** Ask a running generator to stop (any lcore). */
void hl_txgen_stop(struct hl_txgen *g);

/** Publish a snapshot now (owner lcore only). */
void hl_txgen_publish(struct hl_txgen *g);

/** Copy the latest published snapshot (any lcore, lock-free, retries while torn). */
void hl_txgen_snapshot(const struct hl_txgen *g, struct hl_tx_snapshot *out);

/** Current live counters of s (owner lcore, or after the run ended). */
const struct hl_tx_counters *hl_tx_stream_counters(const struct hl_tx_stream *s);

#endif
