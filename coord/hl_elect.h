/* hl_elect.h — tier leader election (DC leader among managers, gate leader among gates): Raft-style
 * terms with pre-vote, votes from a quorum of the CONFIGURED members, a leader lease renewed by
 * heartbeat rounds, health-based ineligibility, step-down after failed quorum checks, and the
 * highest term persisted before any vote leaves the node. Sans-IO. */
#ifndef HL_ELECT_H
#define HL_ELECT_H

#include <stdbool.h>
#include <stdint.h>

#include "hl_prng.h"

#define HL_ELECT_MAX_MEMBERS 16 /* configured tier size; a tier is a handful of nodes */
#define HL_ELECT_ROUNDS 4 /* heartbeat rounds tracked for acks */
#define HL_ELECT_OUTBOX 64 /* >= 2 broadcasts + control actions per entry point */

struct hl_elect_cfg {
	uint64_t self;
	uint64_t members[HL_ELECT_MAX_MEMBERS]; /* configured members, self included */
	uint32_t nmembers;
	uint64_t heartbeat_ns; /* leader heartbeat round; default 2 s */
	uint64_t election_timeout_ns; /* follower silence before a pre-vote; default 5 s */
	uint64_t election_jitter_ns; /* + U(0, jitter); default 2 s */
	uint64_t prevote_timeout_ns; /* default 2 s */
	uint64_t lease_ns; /* leader lease; default 5 s */
	uint64_t drift_ns; /* clock-rate margin taken off the leader's lease; 50 ms */
	uint32_t max_lhm; /* ineligible above this local health multiplier; 4 */
	uint32_t stepdown_failures; /* failed quorum checks before stepping down; 3 */
};

/** Defaults from scenarios.md §1.1; members/self left for the caller. */
void hl_elect_cfg_default(struct hl_elect_cfg *cfg);
/** Timing for a tier whose failover must follow SWIM detection (the gate tier: a new tier
 *  leader within about a second of the old one's death being detected, with
 *  hl_elect_peer_dead): heartbeat 250 ms, leader lease 1 s, election timeout 3 s +
 *  U(0, 1 s), pre-vote timeout 1 s; the rest as the default. A leader without a quorum's acks
 *  for 3 rounds (750 ms) steps down. */
void hl_elect_cfg_fast(struct hl_elect_cfg *cfg);

enum hl_elect_role {
	HL_ELECT_FOLLOWER,
	HL_ELECT_PRECANDIDATE,
	HL_ELECT_CANDIDATE,
	HL_ELECT_LEADER,
};

enum hl_elect_msg_kind {
	HL_ELECT_PREVOTE_REQ = 1, /* term = proposed term (current + 1); no state change */
	HL_ELECT_PREVOTE_RESP,
	HL_ELECT_VOTE_REQ,
	HL_ELECT_VOTE_RESP,
	HL_ELECT_HEARTBEAT, /* seq = round number */
	HL_ELECT_HEARTBEAT_ACK,
};

struct hl_elect_msg {
	enum hl_elect_msg_kind kind;
	uint64_t from;
	uint64_t to; /* 0 = every other configured member */
	uint32_t term;
	uint32_t lhm; /* requests: candidate's local health multiplier */
	uint64_t seq;
	bool granted; /* responses and acks */
};

enum hl_elect_act_kind {
	HL_ELECT_ACT_SEND = 1, /* send msg */
	HL_ELECT_ACT_PERSIST, /* write (term, voted_for) durably, then call hl_elect_persisted() */
	HL_ELECT_ACT_LEADER, /* this node became leader of term (lease still to be confirmed) */
	HL_ELECT_ACT_STEPPED_DOWN, /* this node stopped being leader */
	HL_ELECT_ACT_NEW_LEADER, /* followers: leader of term is `leader` */
};

struct hl_elect_action {
	enum hl_elect_act_kind kind;
	struct hl_elect_msg msg;
	uint32_t term;
	uint64_t voted_for;
	uint64_t leader;
};

struct hl_elect {
	struct hl_elect_cfg cfg;
	struct hl_prng rng;
	enum hl_elect_role role;
	uint32_t term;
	uint64_t voted_for;
	uint32_t lhm;
	uint64_t leader; /* last known leader of `term`, 0 if none */
	uint64_t heard_until_ns; /* follower: leader's lease as seen here; no votes before it */
	uint64_t lease_until_ns; /* leader: own lease (acts as leader only before it) */
	uint64_t deadline_ns; /* election / pre-vote / candidate timer */
	uint64_t next_hb_ns; /* leader: next heartbeat round */
	uint32_t grants; /* bitmap over cfg.members (pre-vote or vote) */
	uint32_t failures; /* consecutive failed quorum checks */
	uint64_t hb_seq;
	struct {
		uint64_t seq, sent_ns;
		uint32_t acks;
	} rounds[HL_ELECT_ROUNDS];
	struct hl_elect_action out[HL_ELECT_OUTBOX];
	uint32_t out_head, out_len;
	bool persist_blocked; /* a PERSIST was handed out and not yet confirmed */
	uint32_t persist_term;
	/* counters (never silently dropped events) */
	uint64_t n_nonmember;
	uint64_t n_outbox_full;
	uint64_t n_stepdowns;
	uint64_t n_leader_dead; /* elections brought forward by SWIM declaring the leader dead */
	bool leader_dead; /* since then, until a leader is heard: lost rounds retry soon */
};

/** Start as follower with the persisted (term, voted_for). -EINVAL if self is not among the
 *  configured members, nmembers is 0 or above the maximum, or a timer is 0. */
int hl_elect_init(struct hl_elect *e, const struct hl_elect_cfg *cfg, uint32_t stored_term,
        uint64_t stored_vote, uint64_t seed, uint64_t now_ns);

/** A message from a peer. -EINVAL for a sender outside the configured set (counted),
 *  -ENOBUFS if the outbox overflowed (host did not drain it). */
int hl_elect_recv(struct hl_elect *e, const struct hl_elect_msg *m, uint64_t now_ns);

/** Timers. Call at hl_elect_next_deadline() or later. */
int hl_elect_tick(struct hl_elect *e, uint64_t now_ns);

/** SWIM declared member id dead. If it is the leader this follower follows, the election
 *  starts as soon as the leader's lease has run out here (not after the election timeout).
 *  -ENOENT if id is not a member. */
int hl_elect_peer_dead(struct hl_elect *e, uint64_t id, uint64_t now_ns);

/** Local health multiplier (Lifeguard LHM) changed; a leader above max_lhm steps down. */
int hl_elect_set_lhm(struct hl_elect *e, uint32_t lhm, uint64_t now_ns);

/** Next action, in order. Returns 1 with *a filled, 0 when none is ready. After a PERSIST action
 *  nothing more is handed out until hl_elect_persisted() confirms that term. */
int hl_elect_next_action(struct hl_elect *e, struct hl_elect_action *a);

/** The host completed the PERSIST for term. -EINVAL if no persist of that term is pending. */
int hl_elect_persisted(struct hl_elect *e, uint32_t term);

uint64_t hl_elect_next_deadline(const struct hl_elect *e);

/** True only while this node is leader AND its lease (confirmed by a quorum) runs. */
bool hl_elect_is_leader(const struct hl_elect *e, uint64_t now_ns);

/** The leader this node follows (or itself), 0 when unknown or its lease ran out. */
uint64_t hl_elect_leader(const struct hl_elect *e, uint64_t now_ns);

static inline uint32_t
hl_elect_quorum(const struct hl_elect *e)
{
	return e->cfg.nmembers / 2 + 1;
}

#endif
