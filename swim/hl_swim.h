/* hl_swim.h — SWIM + Lifeguard membership core, sans-IO: bytes and now_ns in, datagrams to send,
 * timer deadlines and membership events out (design.md §4). One instance per membership group. */
#ifndef HL_SWIM_H
#define HL_SWIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Version string of the SWIM core (also the wire protocol generation). */
const char *hl_swim_version(void);

#define HL_SWIM_NEVER UINT64_MAX
#define HL_SWIM_ADDR_MAX 24 /* opaque host address: node id, or IPv6 + port, ... */
#define HL_SWIM_DC_MAX 16

/* Opaque address of a member, supplied by the host; it is also the member's identity. */
struct hl_swim_addr {
	uint8_t len;
	uint8_t b[HL_SWIM_ADDR_MAX];
};

enum hl_swim_role {
	HL_SWIM_ROLE_WORKER = 1u << 0,
	HL_SWIM_ROLE_MANAGER = 1u << 1,
	HL_SWIM_ROLE_GATE = 1u << 2,
	HL_SWIM_ROLE_CLIENT = 1u << 3,
};

/* Member metadata, versioned with the incarnation: a change bumps the owner's incarnation and is
 * gossiped as a new `alive`. */
struct hl_swim_meta {
	uint32_t roles; /* enum hl_swim_role bits */
	char dc[HL_SWIM_DC_MAX + 1]; /* data-centre name, NUL-terminated */
	struct hl_swim_addr fabric; /* fast-path (DPDK) address */
	struct hl_swim_addr mgmt; /* management (TCP) address */
	uint32_t capacity; /* e.g. traffic cores offered */
	uint32_t health; /* host-defined health level (0 = healthy) */
};

enum hl_swim_state {
	HL_SWIM_ALIVE = 0,
	HL_SWIM_SUSPECT = 1,
	HL_SWIM_DEAD = 2,
	HL_SWIM_LEFT = 3,
};

enum hl_swim_event_type {
	HL_SWIM_EV_JOIN = 1, /* new member, or a dead/left one back with a newer incarnation */
	HL_SWIM_EV_SUSPECT, /* member suspected */
	HL_SWIM_EV_ALIVE, /* suspicion refuted */
	HL_SWIM_EV_DEAD, /* suspicion expired (here or elsewhere) */
	HL_SWIM_EV_LEFT, /* graceful leave */
	HL_SWIM_EV_META, /* metadata changed */
	HL_SWIM_EV_JOB_DEAD, /* a job-level suspicion expired (job set) */
};

struct hl_swim_event {
	enum hl_swim_event_type type;
	struct hl_swim_addr addr;
	uint64_t incarnation;
	uint64_t job; /* HL_SWIM_EV_JOB_DEAD only */
	struct hl_swim_meta meta;
};

struct hl_swim_config {
	uint64_t probe_interval_ns; /* T: one probe per period */
	uint64_t probe_timeout_ns; /* direct ack wait before indirect probes */
	uint32_t indirect_checks; /* k helpers for ping-req */
	uint32_t suspicion_alpha; /* Min = alpha * max(1, log10 n) * T */
	uint32_t suspicion_beta; /* Max = beta * Min */
	uint32_t suspicion_k; /* independent confirmations that bring the timer to Min */
	uint32_t retransmit_mult; /* an update is sent mult * ceil(log10(n + 1)) times */
	uint32_t lhm_max; /* Lifeguard S: local health score in [0, S-1] */
	uint64_t gossip_interval_ns; /* dedicated gossip while updates are queued */
	uint32_t gossip_nodes; /* fan-out of a gossip round */
	uint64_t sync_interval_ns; /* push-pull anti-entropy period (0 = off) */
	/* while members are held dead, a push-pull with one of them this often (0 = off): after
	 * a partition heals, the halves hold each other dead and no probe crosses; this heals them
	 * within about this interval, where the anti-entropy round alone takes sync_interval_ns
	 * with probability 1/2 per round */
	uint64_t dead_sync_interval_ns;
	uint64_t join_retry_ns; /* resend join to the seeds until one answers */
	uint64_t reap_interval_ns; /* a dead/left member is purged this long after it died */
	uint32_t max_members; /* member table bound (self included) */
	uint32_t max_packet; /* datagram size cap (1400 default, jumbo allowed) */
	uint32_t tx_slots; /* outgoing datagram queue */
	uint32_t event_slots; /* event queue */
	uint32_t max_relays; /* concurrent ping-req we serve for others */
	uint32_t max_job_suspicions; /* job-level suspicion table */
	bool lifeguard; /* LHM, dynamic suspicion, nacks, buddy (false = plain SWIM) */
};

/** LAN preset (one rack, RTT << 1 ms): probe every 100 ms. */
void hl_swim_config_lan(struct hl_swim_config *c);
/** WAN preset (gate tier across routed networks): probe every 1 s, memberlist-like timing. */
void hl_swim_config_wan(struct hl_swim_config *c);

struct hl_swim_stats {
	uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes;
	uint64_t rx_errors; /* undecodable datagrams */
	uint64_t rx_wrong_target; /* ping meant for another incarnation/address */
	uint64_t tx_dropped; /* outgoing queue full */
	uint64_t probes, probes_failed, indirect_sent, nacks_sent, nacks_recv;
	uint64_t suspicions_started, deaths_declared, refutations;
	uint64_t members_full; /* new member rejected: table full */
	uint64_t relays_full; /* ping-req refused: relay table full */
	uint64_t events_dropped; /* event queue full: newest dropped */
	uint64_t updates_sent, updates_recv;
	uint64_t reaped;
};

struct hl_swim_member_info {
	struct hl_swim_addr addr;
	enum hl_swim_state state;
	uint64_t incarnation;
	struct hl_swim_meta meta;
	uint32_t confirmations; /* suspicion confirmations (SUSPECT only) */
	uint64_t suspect_deadline; /* SUSPECT only */
};

struct hl_swim;

/** Create an instance. generation must grow across restarts of the same address (a persisted
 * boot counter or boot time in seconds): incarnation = generation << 32 | version, so a restart
 * always wins over its own stale state. seed seeds the instance's private PRNG. */
int hl_swim_create(struct hl_swim **out, const struct hl_swim_config *cfg,
        const struct hl_swim_addr *self, const struct hl_swim_meta *meta, uint64_t generation,
        uint64_t seed, uint64_t now_ns);
void hl_swim_destroy(struct hl_swim *sw);

/** Join through seeds (their addresses only); retried until one answers. */
int hl_swim_join(struct hl_swim *sw, uint64_t now_ns, const struct hl_swim_addr *seeds, size_t n);
/** Graceful leave: announce `left`; keep ticking a few gossip intervals to spread it. */
int hl_swim_leave(struct hl_swim *sw, uint64_t now_ns);
/** Change own metadata (bumps the incarnation, gossips it). */
int hl_swim_set_meta(struct hl_swim *sw, uint64_t now_ns, const struct hl_swim_meta *meta);

/** Feed one received datagram. Returns 0 or a negative decode error (counted in rx_errors). */
int hl_swim_recv(struct hl_swim *sw, uint64_t now_ns, const struct hl_swim_addr *from,
        const uint8_t *buf, size_t len);
/** Run timers due at or before now_ns. */
int hl_swim_tick(struct hl_swim *sw, uint64_t now_ns);
/** Next datagram: returns its length and fills *to, 0 when none, -EMSGSIZE if cap is too small
 * (the datagram stays queued). */
int hl_swim_next_tx(struct hl_swim *sw, struct hl_swim_addr *to, uint8_t *buf, size_t cap);
/** Earliest time hl_swim_tick must run, or HL_SWIM_NEVER. */
uint64_t hl_swim_next_deadline(const struct hl_swim *sw);
/** Next event: 1 and *ev filled, 0 when none. */
int hl_swim_next_event(struct hl_swim *sw, struct hl_swim_event *ev);

/* ---- queries ---- */
int hl_swim_member(
        const struct hl_swim *sw, const struct hl_swim_addr *addr, struct hl_swim_member_info *out);
/** Members in `state` (self counted as alive). */
uint32_t hl_swim_count(const struct hl_swim *sw, enum hl_swim_state state);
/** Iterate: i from 0 while it returns 0; -ENOENT past the end. Free slots are skipped by
 * returning -EAGAIN for them. */
int hl_swim_member_at(const struct hl_swim *sw, uint32_t i, struct hl_swim_member_info *out);
uint32_t hl_swim_lhm(const struct hl_swim *sw);
uint64_t hl_swim_incarnation(const struct hl_swim *sw);
bool hl_swim_joined(const struct hl_swim *sw);
const struct hl_swim_stats *hl_swim_stats(const struct hl_swim *sw);
/** Queued dissemination updates (bounded by max_members). */
uint32_t hl_swim_broadcast_len(const struct hl_swim *sw);

/* ---- job-level suspicion: a member suspected for one job's purposes only (local, not
 * gossiped). Expiry emits HL_SWIM_EV_JOB_DEAD; a global death clears the member's entries. ---- */
int hl_swim_job_suspect(struct hl_swim *sw, uint64_t now_ns, uint64_t job,
        const struct hl_swim_addr *addr, uint64_t timeout_ns);
int hl_swim_job_refute(struct hl_swim *sw, uint64_t job, const struct hl_swim_addr *addr);
/** Drop every entry of a job (job finished). Returns how many were removed. */
int hl_swim_job_clear(struct hl_swim *sw, uint64_t job);
bool hl_swim_job_suspected(const struct hl_swim *sw, uint64_t job, const struct hl_swim_addr *addr);
uint32_t hl_swim_job_count(const struct hl_swim *sw);

/* ---- wire (exposed for tests and the fuzz target) ---- */
enum hl_swim_msg {
	HL_SWIM_MSG_PING = 1,
	HL_SWIM_MSG_PING_REQ = 2,
	HL_SWIM_MSG_ACK = 3,
	HL_SWIM_MSG_NACK = 4,
	HL_SWIM_MSG_GOSSIP = 5,
	HL_SWIM_MSG_SYNC_REQ = 6,
	HL_SWIM_MSG_SYNC_RESP = 7,
};

#define HL_SWIM_MAX_UPDATES 64 /* per datagram, decoder limit */

struct hl_swim_update {
	uint8_t state; /* enum hl_swim_state */
	bool has_meta;
	struct hl_swim_addr addr;
	struct hl_swim_addr from; /* accuser (suspect/dead); len 0 when absent */
	uint64_t incarnation;
	struct hl_swim_meta meta;
};

struct hl_swim_packet {
	uint8_t type;
	bool has_target, nack, join, has_cursor, has_next;
	uint32_t seq;
	struct hl_swim_addr target;
	uint32_t cursor, next;
	uint32_t n_updates;
	struct hl_swim_update updates[HL_SWIM_MAX_UPDATES];
};

/** Decode a datagram (bounded: every length checked, unknown keys skipped). 0 or -HL_E_*. */
int hl_swim_decode(struct hl_swim_packet *p, const uint8_t *buf, size_t len);
/** Encode; returns the length or a negative error (-HL_E_OVERSIZE if cap is too small). */
int hl_swim_encode(const struct hl_swim_packet *p, uint8_t *buf, size_t cap);

#endif
