/* swim.c — SWIM failure detector and infection-style dissemination with Lifeguard (local health
 * multiplier, dynamic suspicion timeout, nacks, buddy system), sans-IO: no clock, no socket, no
 * global RNG. All memory is allocated at create; every table is bounded. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hl_err.h"
#include "hl_log.h"
#include "hl_mp.h"
#include "hl_msg_table.h"
#include "hl_prng.h"
#include "hl_swim.h"
#include "swim_int.h"

#define NONE UINT32_MAX
#define MAX_CONFIRM 8 /* accusers remembered per suspicion (first + k confirmations) */
#define MAX_SEEDS 8
#define MAX_PIGGY 32 /* candidates considered per datagram */
#define VERSION_MASK 0xffffffffULL

struct member {
	struct hl_swim_addr addr;
	bool used;
	uint8_t state;
	uint8_t n_from;
	uint32_t bq; /* index + 1 in the broadcast queue, 0 = none */
	uint32_t susp; /* index + 1 in the suspect list, 0 = none */
	uint64_t inc;
	uint64_t since; /* last state change */
	struct hl_swim_meta meta;
	uint64_t susp_start, susp_deadline, susp_min, susp_max;
	uint32_t susp_conf, susp_k;
	uint64_t susp_from[MAX_CONFIRM]; /* hashes of accusers */
};

struct bcast {
	uint32_t slot;
	uint8_t state;
	uint32_t transmits;
	uint64_t inc;
	uint64_t order; /* newness: higher is newer */
	struct hl_swim_addr from;
};

struct relay {
	bool used, acked, nack_sent, want_nack;
	uint32_t seq, req_seq;
	struct hl_swim_addr requester, target;
	uint64_t nack_at, expire;
};

struct txslot {
	struct hl_swim_addr to;
	uint32_t len;
};

struct jobsusp {
	bool used;
	uint64_t job;
	struct hl_swim_addr addr;
	uint64_t deadline;
};

struct probe {
	bool active, acked, indirect_sent;
	uint32_t seq;
	struct hl_swim_addr target;
	uint64_t direct_deadline;
	uint32_t nacks_expected, nacks;
};

struct hl_swim {
	struct hl_swim_config cfg;
	struct hl_prng rng;
	uint32_t self; /* slot of self, always 0 */
	uint64_t now;

	struct member *m;
	uint32_t *free_stack;
	uint32_t n_free;
	uint32_t *hash;
	uint32_t hcap;
	uint32_t cnt[4]; /* members per state, self included */

	uint32_t *order;
	uint32_t order_len, order_pos;
	uint32_t *suspects;
	uint32_t n_susp;

	struct bcast *bq;
	uint32_t n_bq;
	uint64_t bq_order;

	struct probe probe;
	uint64_t next_probe_at;
	uint32_t seq;
	struct relay *relays;
	uint32_t n_relays; /* relays in use */

	uint8_t *txbuf;
	uint8_t *scratch; /* one datagram: sync pages are encoded here first */
	struct txslot *tx;
	uint32_t tx_head, tx_count;

	struct hl_swim_event *ev;
	uint32_t ev_head, ev_count;

	struct jobsusp *jobs;
	uint32_t n_jobs;

	uint64_t gossip_at, sync_at, reap_at, join_at, dead_sync_at;
	uint64_t resync_at; /* full paged pulls from random peers right after joining */
	uint32_t resyncs_left;
	uint32_t sync_cursor;
	struct hl_swim_addr seeds[MAX_SEEDS];
	uint32_t n_seeds;
	bool joined, leaving;
	uint32_t lhm;

	struct hl_swim_packet pkt; /* decode scratch (large: kept off the stack) */
	struct hl_swim_stats st;
};

const char *
hl_swim_version(void)
{
	return "swim-1";
}

/* ---- configuration ---- */

void
hl_swim_config_lan(struct hl_swim_config *c)
{
	memset(c, 0, sizeof(*c));
	c->probe_interval_ns = 100000000ULL; /* 100 ms */
	c->probe_timeout_ns = 40000000ULL; /* 40 ms: far above rack RTT, leaves time for ping-req */
	c->indirect_checks = 3;
	c->suspicion_alpha = 4;
	c->suspicion_beta = 6;
	c->suspicion_k = 2; /* alpha - 2, as memberlist */
	c->retransmit_mult = 4;
	c->lhm_max = 8;
	c->gossip_interval_ns = 20000000ULL; /* 20 ms */
	c->gossip_nodes = 3;
	c->sync_interval_ns = 30000000000ULL;
	c->dead_sync_interval_ns = 2000000000ULL;
	c->join_retry_ns = 1000000000ULL;
	c->reap_interval_ns = 60000000000ULL;
	c->max_members = 4096;
	c->max_packet = HL_WIRE_SWIM_MAX; /* the frame layer's opaque `swim` body limit */
	c->tx_slots = 64;
	c->event_slots = 1024;
	c->max_relays = 64;
	c->max_job_suspicions = 1024;
	c->lifeguard = true;
}

void
hl_swim_config_wan(struct hl_swim_config *c)
{
	hl_swim_config_lan(c);
	c->probe_interval_ns = 1000000000ULL;
	c->probe_timeout_ns = 500000000ULL;
	c->suspicion_alpha = 6;
	c->suspicion_k = 4;
	c->gossip_interval_ns = 200000000ULL;
	c->gossip_nodes = 4;
	c->sync_interval_ns = 60000000000ULL;
	c->dead_sync_interval_ns = 10000000000ULL;
	c->reap_interval_ns = 300000000000ULL;
}

static int
config_check(const struct hl_swim_config *c)
{
	if (c->probe_interval_ns == 0 || c->probe_timeout_ns == 0 ||
	        c->probe_timeout_ns > c->probe_interval_ns || c->suspicion_alpha == 0 ||
	        c->suspicion_beta == 0 || c->suspicion_k >= MAX_CONFIRM || c->lhm_max == 0 ||
	        c->gossip_interval_ns == 0 || c->join_retry_ns == 0 || c->reap_interval_ns == 0 ||
	        c->max_members < 2 || c->max_members > (1u << 24) || c->max_packet < 128 ||
	        c->max_packet > 65000 || c->tx_slots == 0 || c->event_slots == 0 ||
	        c->max_relays == 0 || c->max_job_suspicions == 0)
		return -HL_E_CONFIG;
	return 0;
}

/* ---- small helpers ---- */

static inline bool
addr_eq(const struct hl_swim_addr *a, const struct hl_swim_addr *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

static uint64_t
addr_hash(const struct hl_swim_addr *a)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ a->len;
	for (uint32_t i = 0; i < a->len; i++) {
		h ^= a->b[i];
		h *= 0x100000001b3ULL;
	}
	/* murmur3 finaliser: the index uses the low bits, FNV alone leaves them clustered. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* Hex form of an address for logs. */
static const char *
addr_str(const struct hl_swim_addr *a, char buf[2 * HL_SWIM_ADDR_MAX + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint32_t n = a->len <= HL_SWIM_ADDR_MAX ? a->len : HL_SWIM_ADDR_MAX;
	for (uint32_t i = 0; i < n; i++) {
		buf[2 * i] = hex[a->b[i] >> 4];
		buf[2 * i + 1] = hex[a->b[i] & 15];
	}
	buf[2 * n] = '\0';
	return buf;
}

static bool
meta_eq(const struct hl_swim_meta *a, const struct hl_swim_meta *b)
{
	return a->roles == b->roles && strncmp(a->dc, b->dc, HL_SWIM_DC_MAX) == 0 &&
	       addr_eq(&a->fabric, &b->fabric) && addr_eq(&a->mgmt, &b->mgmt) &&
	       a->capacity == b->capacity && a->health == b->health;
}

static void
meta_copy(struct hl_swim_meta *dst, const struct hl_swim_meta *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->roles = src->roles;
	memcpy(dst->dc, src->dc, strnlen(src->dc, HL_SWIM_DC_MAX));
	dst->fabric = src->fabric;
	if (dst->fabric.len > HL_SWIM_ADDR_MAX)
		dst->fabric.len = HL_SWIM_ADDR_MAX;
	dst->mgmt = src->mgmt;
	if (dst->mgmt.len > HL_SWIM_ADDR_MAX)
		dst->mgmt.len = HL_SWIM_ADDR_MAX;
	dst->capacity = src->capacity;
	dst->health = src->health;
}

static inline bool
live(const struct member *m)
{
	return m->used && (m->state == HL_SWIM_ALIVE || m->state == HL_SWIM_SUSPECT);
}

static inline uint32_t
n_live(const struct hl_swim *sw)
{
	return sw->cnt[HL_SWIM_ALIVE] + sw->cnt[HL_SWIM_SUSPECT];
}

static inline uint64_t
lhm_scale(const struct hl_swim *sw, uint64_t base)
{
	return base * (sw->lhm + 1);
}

static void
lhm_add(struct hl_swim *sw, int delta)
{
	if (!sw->cfg.lifeguard)
		return;
	int v = (int)sw->lhm + delta;
	if (v < 0)
		v = 0;
	if (v > (int)sw->cfg.lhm_max - 1)
		v = (int)sw->cfg.lhm_max - 1;
	sw->lhm = (uint32_t)v;
}

/* ---- member table: slots + open-addressing index ---- */

static uint32_t
hash_find(const struct hl_swim *sw, const struct hl_swim_addr *a)
{
	uint32_t mask = sw->hcap - 1;
	for (uint32_t i = (uint32_t)addr_hash(a) & mask;; i = (i + 1) & mask) {
		uint32_t s = sw->hash[i];
		if (s == NONE)
			return NONE;
		if (addr_eq(&sw->m[s].addr, a))
			return s;
	}
}

static void
hash_insert(struct hl_swim *sw, uint32_t slot)
{
	uint32_t mask = sw->hcap - 1;
	uint32_t i = (uint32_t)addr_hash(&sw->m[slot].addr) & mask;
	while (sw->hash[i] != NONE)
		i = (i + 1) & mask;
	sw->hash[i] = slot;
}

static void
hash_remove(struct hl_swim *sw, uint32_t slot)
{
	uint32_t mask = sw->hcap - 1;
	uint32_t i = (uint32_t)addr_hash(&sw->m[slot].addr) & mask;
	while (sw->hash[i] != slot)
		i = (i + 1) & mask;
	sw->hash[i] = NONE;
	for (uint32_t j = (i + 1) & mask; sw->hash[j] != NONE; j = (j + 1) & mask) {
		uint32_t home = (uint32_t)addr_hash(&sw->m[sw->hash[j]].addr) & mask;
		bool movable = (i <= j) ? (home <= i || home > j) : (home <= i && home > j);
		if (movable) {
			sw->hash[i] = sw->hash[j];
			sw->hash[j] = NONE;
			i = j;
		}
	}
}

static void
set_state(struct hl_swim *sw, struct member *m, uint8_t state)
{
	sw->cnt[m->state]--;
	m->state = state;
	sw->cnt[state]++;
	m->since = sw->now;
}

/* ---- events ---- */

static void
emit(struct hl_swim *sw, enum hl_swim_event_type type, const struct member *m, uint64_t job)
{
	if (sw->ev_count == sw->cfg.event_slots) {
		char b[2 * HL_SWIM_ADDR_MAX + 1];
		sw->st.events_dropped++; /* host is not draining: newest dropped, counted */
		HL_LOG(HL_LOG_WARN, "swim",
		        "event queue full (%u): dropped event type=%d member=%s dropped_total=%llu",
		        sw->cfg.event_slots, (int)type, addr_str(&m->addr, b),
		        (unsigned long long)sw->st.events_dropped);
		return;
	}
	struct hl_swim_event *e = &sw->ev[(sw->ev_head + sw->ev_count) % sw->cfg.event_slots];
	sw->ev_count++;
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->addr = m->addr;
	e->incarnation = m->inc;
	e->job = job;
	e->meta = m->meta;
}

/* ---- broadcast queue: one pending update per member, newest supersedes ---- */

static void
bq_remove_slot(struct hl_swim *sw, uint32_t slot)
{
	struct member *m = &sw->m[slot];
	if (m->bq == 0)
		return;
	uint32_t i = m->bq - 1;
	m->bq = 0;
	sw->n_bq--;
	if (i != sw->n_bq) {
		sw->bq[i] = sw->bq[sw->n_bq];
		sw->m[sw->bq[i].slot].bq = i + 1;
	}
}

static void
bq_put(struct hl_swim *sw, uint32_t slot, uint8_t state, uint64_t inc,
        const struct hl_swim_addr *from)
{
	struct member *m = &sw->m[slot];
	struct bcast *b;
	if (m->bq != 0) {
		b = &sw->bq[m->bq - 1]; /* superseded: replace in place */
	} else {
		/* One entry per member slot, and there are max_members slots: never full. */
		b = &sw->bq[sw->n_bq++];
		m->bq = sw->n_bq;
	}
	b->slot = slot;
	b->state = state;
	b->inc = inc;
	b->transmits = 0;
	b->order = ++sw->bq_order;
	if (from != NULL)
		b->from = *from;
	else
		b->from.len = 0;
}

static uint32_t
retransmit_limit(const struct hl_swim *sw)
{
	uint32_t n = n_live(sw) + 1, l = 0;
	for (uint64_t p = 1; p < n; p *= 10)
		l++;
	if (l == 0)
		l = 1;
	return sw->cfg.retransmit_mult * l;
}

static void
update_from_member(const struct hl_swim *sw, uint32_t slot, uint8_t state, uint64_t inc,
        const struct hl_swim_addr *from, struct hl_swim_update *u)
{
	const struct member *m = &sw->m[slot];
	u->state = state;
	u->addr = m->addr;
	u->incarnation = inc;
	u->from.len = 0;
	if (from != NULL)
		u->from = *from;
	u->has_meta = state == HL_SWIM_ALIVE;
	if (u->has_meta)
		u->meta = m->meta;
}

/* ---- outgoing datagrams ---- */

static uint8_t *
tx_buf(struct hl_swim *sw, uint32_t idx)
{
	return sw->txbuf + (size_t)idx * sw->cfg.max_packet;
}

/* Append updates (a forced one first, then the best of the broadcast queue) to w until full. */
static uint32_t
fill_updates(struct hl_swim *sw, struct hl_mp_wr *w, const struct hl_swim_update *forced)
{
	uint32_t n = 0;
	size_t keep;
	struct hl_swim_update u;
	if (forced != NULL) {
		keep = w->len;
		hl_swim_wr_update(w, forced);
		if (w->err != 0) {
			w->err = 0;
			w->len = keep;
			return 0;
		}
		n++;
	}
	if (sw->n_bq == 0)
		return n;
	/* Pick the least-transmitted, newest-first candidates. */
	uint32_t cand[MAX_PIGGY];
	uint32_t nc = 0;
	for (uint32_t i = 0; i < sw->n_bq; i++) {
		const struct bcast *b = &sw->bq[i];
		uint32_t pos = nc;
		while (pos > 0) {
			const struct bcast *c = &sw->bq[cand[pos - 1]];
			if (c->transmits < b->transmits ||
			        (c->transmits == b->transmits && c->order > b->order))
				break;
			pos--;
		}
		if (pos >= MAX_PIGGY)
			continue;
		if (nc < MAX_PIGGY)
			nc++;
		memmove(&cand[pos + 1], &cand[pos], (nc - 1 - pos) * sizeof(cand[0]));
		cand[pos] = i;
	}
	uint32_t used_slots[MAX_PIGGY];
	uint32_t nu = 0;
	for (uint32_t i = 0; i < nc && n < HL_SWIM_MAX_UPDATES; i++) {
		const struct bcast *b = &sw->bq[cand[i]];
		if (forced != NULL && addr_eq(&forced->addr, &sw->m[b->slot].addr))
			continue;
		update_from_member(sw, b->slot, b->state, b->inc, &b->from, &u);
		keep = w->len;
		hl_swim_wr_update(w, &u);
		if (w->err != 0) {
			w->err = 0;
			w->len = keep;
			break;
		}
		n++;
		used_slots[nu++] = b->slot;
	}
	uint32_t limit = retransmit_limit(sw);
	for (uint32_t i = 0; i < nu; i++) {
		struct member *m = &sw->m[used_slots[i]];
		if (m->bq == 0)
			continue;
		struct bcast *b = &sw->bq[m->bq - 1];
		if (++b->transmits >= limit)
			bq_remove_slot(sw, used_slots[i]);
	}
	sw->st.updates_sent += n;
	return n;
}

/* Queue one datagram: header fields from p, then `forced` and piggybacked updates. */
static int
send_pkt(struct hl_swim *sw, const struct hl_swim_addr *to, const struct hl_swim_packet *p,
        const struct hl_swim_update *forced, bool piggyback)
{
	if (sw->tx_count == sw->cfg.tx_slots) {
		char b[2 * HL_SWIM_ADDR_MAX + 1];
		sw->st.tx_dropped++;
		HL_LOG(HL_LOG_WARN, "swim",
		        "tx queue full (%u datagrams): dropped datagram to %s dropped_total=%llu",
		        sw->cfg.tx_slots, addr_str(to, b), (unsigned long long)sw->st.tx_dropped);
		return -ENOBUFS;
	}
	uint32_t idx = (sw->tx_head + sw->tx_count) % sw->cfg.tx_slots;
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, tx_buf(sw, idx), sw->cfg.max_packet);
	bool with = forced != NULL || (piggyback && sw->n_bq > 0);
	hl_swim_wr_header(&w, p, with);
	if (w.err != 0)
		return w.err;
	if (with) {
		size_t count_at = w.len - 2;
		uint32_t n = fill_updates(sw, &w, forced);
		hl_swim_wr_patch_count(&w, count_at, n);
	}
	sw->tx[idx].to = *to;
	sw->tx[idx].len = (uint32_t)w.len;
	sw->tx_count++;
	return 0;
}

/* What a destination should hear about itself first: the buddy system (it is suspected) and
 * the stale-dead notice (we hold it dead, so it must refute with a newer incarnation). */
static const struct hl_swim_update *
about_dest(struct hl_swim *sw, const struct hl_swim_addr *to, struct hl_swim_update *u)
{
	uint32_t s = hash_find(sw, to);
	if (s == NONE || s == sw->self)
		return NULL;
	const struct member *m = &sw->m[s];
	if (m->state == HL_SWIM_SUSPECT && sw->cfg.lifeguard) {
		update_from_member(sw, s, HL_SWIM_SUSPECT, m->inc, &sw->m[sw->self].addr, u);
		return u;
	}
	if (m->state == HL_SWIM_DEAD) {
		update_from_member(sw, s, HL_SWIM_DEAD, m->inc, &sw->m[sw->self].addr, u);
		return u;
	}
	return NULL;
}

static int
send_simple(struct hl_swim *sw, const struct hl_swim_addr *to, uint8_t type, uint32_t seq,
        const struct hl_swim_addr *target, bool nack)
{
	struct hl_swim_packet p = {.type = type, .seq = seq, .nack = nack};
	if (target != NULL) {
		p.has_target = true;
		p.target = *target;
	}
	struct hl_swim_update u;
	return send_pkt(sw, to, &p, about_dest(sw, to, &u), true);
}

/* ---- suspicion (Lifeguard: starts at Max, shrinks to Min with independent confirmations) ---- */

static void
susp_bounds(const struct hl_swim *sw, uint64_t *min, uint64_t *max, uint32_t *k)
{
	double n = (double)n_live(sw);
	double l = n > 1 ? log10(n) : 1.0;
	if (l < 1.0)
		l = 1.0;
	*min = (uint64_t)((double)sw->cfg.suspicion_alpha * l * (double)sw->cfg.probe_interval_ns);
	*max = *min * sw->cfg.suspicion_beta;
	*k = sw->cfg.suspicion_k;
	if (n_live(sw) < *k + 2)
		*k = 0;
	if (!sw->cfg.lifeguard) {
		*max = *min;
		*k = 0;
		return;
	}
	/* A member in poor local health suspects slowly: Min and Max are stretched by the LHM in
	 * force when the suspicion starts (the reference's hierarchical detector does the same),
	 * so a starved member's accusations outlast its own pauses. */
	*min *= sw->lhm + 1;
	*max *= sw->lhm + 1;
}

static uint64_t
susp_timeout(const struct member *m)
{
	if (m->susp_k == 0 || m->susp_max <= m->susp_min)
		return m->susp_min;
	double frac = log((double)m->susp_conf + 1.0) / log((double)m->susp_k + 1.0);
	double t = (double)m->susp_max - (double)(m->susp_max - m->susp_min) * frac;
	if (t < (double)m->susp_min)
		t = (double)m->susp_min;
	return (uint64_t)t;
}

static void
susp_list_remove(struct hl_swim *sw, struct member *m)
{
	if (m->susp == 0)
		return;
	uint32_t i = m->susp - 1;
	m->susp = 0;
	sw->n_susp--;
	if (i != sw->n_susp) {
		sw->suspects[i] = sw->suspects[sw->n_susp];
		sw->m[sw->suspects[i]].susp = i + 1;
	}
}

static void
job_clear_member(struct hl_swim *sw, const struct hl_swim_addr *a)
{
	if (sw->n_jobs == 0)
		return;
	for (uint32_t i = 0; i < sw->cfg.max_job_suspicions; i++)
		if (sw->jobs[i].used && addr_eq(&sw->jobs[i].addr, a)) {
			sw->jobs[i].used = false;
			sw->n_jobs--;
		}
}

/* ---- applying updates (the SWIM precedence rules) ---- */

static void order_insert(struct hl_swim *sw, uint32_t slot);

static void reap_due(struct hl_swim *sw);

static uint32_t
member_new(struct hl_swim *sw, const struct hl_swim_addr *a)
{
	if (sw->n_free == 0)
		reap_due(sw);
	if (sw->n_free == 0) {
		char b[2 * HL_SWIM_ADDR_MAX + 1];
		sw->st.members_full++;
		HL_LOG(HL_LOG_WARN, "swim",
		        "member table full (%u): new member %s rejected rejected_total=%llu",
		        sw->cfg.max_members, addr_str(a, b),
		        (unsigned long long)sw->st.members_full);
		return NONE;
	}
	uint32_t s = sw->free_stack[--sw->n_free];
	struct member *m = &sw->m[s];
	memset(m, 0, sizeof(*m));
	m->used = true;
	m->addr = *a;
	m->state = HL_SWIM_ALIVE;
	m->since = sw->now;
	sw->cnt[HL_SWIM_ALIVE]++;
	hash_insert(sw, s);
	return s;
}

static void
member_free(struct hl_swim *sw, uint32_t s)
{
	struct member *m = &sw->m[s];
	bq_remove_slot(sw, s);
	susp_list_remove(sw, m);
	job_clear_member(sw, &m->addr);
	hash_remove(sw, s);
	sw->cnt[m->state]--;
	m->used = false;
	sw->free_stack[sw->n_free++] = s;
	sw->st.reaped++;
}

static void
refute(struct hl_swim *sw, uint64_t accused_inc)
{
	struct member *me = &sw->m[sw->self];
	if (sw->leaving)
		return;
	uint64_t v = (accused_inc > me->inc ? accused_inc : me->inc) + 1;
	me->inc = v;
	sw->st.refutations++;
	lhm_add(sw, 1);
	bq_put(sw, sw->self, HL_SWIM_ALIVE, me->inc, NULL);
}

static void
start_suspicion(struct hl_swim *sw, uint32_t s, uint64_t inc, uint64_t from_hash,
        const struct hl_swim_addr *from)
{
	struct member *m = &sw->m[s];
	bool was_alive = m->state == HL_SWIM_ALIVE;
	m->inc = inc;
	if (was_alive)
		set_state(sw, m, HL_SWIM_SUSPECT);
	susp_bounds(sw, &m->susp_min, &m->susp_max, &m->susp_k);
	m->susp_start = sw->now;
	m->susp_conf = 0;
	m->n_from = 1;
	m->susp_from[0] = from_hash;
	m->susp_deadline = sw->now + susp_timeout(m);
	if (m->susp == 0) {
		sw->suspects[sw->n_susp++] = s;
		m->susp = sw->n_susp;
	}
	sw->st.suspicions_started++;
	bq_put(sw, s, HL_SWIM_SUSPECT, inc, from);
	if (was_alive)
		emit(sw, HL_SWIM_EV_SUSPECT, m, 0);
}

static void
kill_member(struct hl_swim *sw, uint32_t s, uint8_t state, uint64_t inc,
        const struct hl_swim_addr *from)
{
	struct member *m = &sw->m[s];
	susp_list_remove(sw, m);
	m->inc = inc;
	set_state(sw, m, state);
	job_clear_member(sw, &m->addr);
	bq_put(sw, s, state, inc, from);
	emit(sw, state == HL_SWIM_LEFT ? HL_SWIM_EV_LEFT : HL_SWIM_EV_DEAD, m, 0);
}

static void
apply_update(struct hl_swim *sw, const struct hl_swim_update *u, bool from_sync,
        const struct hl_swim_addr *sender)
{
	struct member *me = &sw->m[sw->self];
	uint8_t state = u->state;
	if (from_sync && state == HL_SWIM_DEAD)
		state = HL_SWIM_SUSPECT; /* anti-entropy never kills directly (memberlist rule) */
	sw->st.updates_recv++;

	if (addr_eq(&u->addr, &me->addr)) {
		if (state == HL_SWIM_ALIVE) {
			if (u->incarnation > me->inc)
				refute(sw,
				        u->incarnation); /* a stale life claims more: outbid it */
		} else if (u->incarnation >= me->inc) {
			refute(sw, u->incarnation);
		}
		return;
	}

	uint32_t s = hash_find(sw, &u->addr);
	struct member *m = s != NONE ? &sw->m[s] : NULL;
	const struct hl_swim_addr *from = u->from.len > 0 ? &u->from : sender;

	switch (state) {
	case HL_SWIM_ALIVE:
		if (m == NULL) {
			s = member_new(sw, &u->addr);
			if (s == NONE)
				return;
			m = &sw->m[s];
			m->inc = u->incarnation;
			if (u->has_meta)
				meta_copy(&m->meta, &u->meta);
			order_insert(sw, s);
			bq_put(sw, s, HL_SWIM_ALIVE, m->inc, NULL);
			emit(sw, HL_SWIM_EV_JOIN, m, 0);
			return;
		}
		if (u->incarnation <= m->inc)
			return;
		{
			uint8_t prev = m->state;
			bool meta_changed = u->has_meta && !meta_eq(&m->meta, &u->meta);
			m->inc = u->incarnation;
			if (u->has_meta)
				meta_copy(&m->meta, &u->meta);
			susp_list_remove(sw, m);
			if (prev != HL_SWIM_ALIVE)
				set_state(sw, m, HL_SWIM_ALIVE);
			bq_put(sw, s, HL_SWIM_ALIVE, m->inc, NULL);
			if (prev == HL_SWIM_SUSPECT)
				emit(sw, HL_SWIM_EV_ALIVE, m, 0);
			else if (prev == HL_SWIM_DEAD || prev == HL_SWIM_LEFT) {
				order_insert(sw, s);
				emit(sw, HL_SWIM_EV_JOIN, m, 0);
			}
			if (meta_changed && prev != HL_SWIM_DEAD && prev != HL_SWIM_LEFT)
				emit(sw, HL_SWIM_EV_META, m, 0);
		}
		return;
	case HL_SWIM_SUSPECT:
		if (m == NULL || u->incarnation < m->inc || !live(m))
			return;
		if (m->state == HL_SWIM_ALIVE || u->incarnation > m->inc) {
			start_suspicion(sw, s, u->incarnation, addr_hash(from), from);
			return;
		}
		/* Same incarnation, already suspect: a confirmation if the accuser is new. */
		if (!sw->cfg.lifeguard || m->susp_conf >= m->susp_k || m->n_from >= MAX_CONFIRM)
			return;
		{
			uint64_t h = addr_hash(from);
			for (uint32_t i = 0; i < m->n_from; i++)
				if (m->susp_from[i] == h)
					return;
			m->susp_from[m->n_from++] = h;
			m->susp_conf++;
			m->susp_deadline = m->susp_start + susp_timeout(m);
			bq_put(sw, s, HL_SWIM_SUSPECT, m->inc, from); /* re-gossip new evidence */
		}
		return;
	case HL_SWIM_DEAD:
	case HL_SWIM_LEFT:
		if (m == NULL || u->incarnation < m->inc)
			return;
		if (m->state == HL_SWIM_DEAD || m->state == HL_SWIM_LEFT)
			return;
		kill_member(sw, s, state, u->incarnation, from);
		return;
	}
}

/* ---- probe order: randomized round robin ---- */

static void
order_rebuild(struct hl_swim *sw)
{
	sw->order_len = 0;
	for (uint32_t s = 0; s < sw->cfg.max_members; s++)
		if (s != sw->self && live(&sw->m[s]))
			sw->order[sw->order_len++] = s;
	for (uint32_t i = sw->order_len; i > 1; i--) {
		uint32_t j = (uint32_t)hl_prng_below(&sw->rng, i);
		uint32_t t = sw->order[i - 1];
		sw->order[i - 1] = sw->order[j];
		sw->order[j] = t;
	}
	sw->order_pos = 0;
}

static void
order_insert(struct hl_swim *sw, uint32_t slot)
{
	if (sw->order_len >= sw->cfg.max_members)
		return; /* picked up at the next rebuild */
	/* A random position among the not-yet-probed part of this pass (SWIM §4.3). */
	uint32_t span = sw->order_len - sw->order_pos + 1;
	uint32_t r = sw->order_pos + (uint32_t)hl_prng_below(&sw->rng, span);
	sw->order[sw->order_len++] = sw->order[r];
	sw->order[r] = slot;
}

/* Random live member other than self and `not`; NONE when there is none. */
static uint32_t
random_live(
        struct hl_swim *sw, const struct hl_swim_addr *not_a, const uint32_t *excl, uint32_t n_excl)
{
	if (sw->order_len == 0)
		return NONE;
	for (int tries = 0; tries < 32; tries++) {
		uint32_t s = sw->order[hl_prng_below(&sw->rng, sw->order_len)];
		if (s == sw->self || !live(&sw->m[s]))
			continue;
		if (not_a != NULL && addr_eq(&sw->m[s].addr, not_a))
			continue;
		bool dup = false;
		for (uint32_t i = 0; i < n_excl; i++)
			dup |= excl[i] == s;
		if (!dup)
			return s;
	}
	return NONE;
}

static uint32_t
random_dead(struct hl_swim *sw)
{
	uint32_t n = sw->cfg.max_members;
	uint32_t start = (uint32_t)hl_prng_below(&sw->rng, n);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = (start + i) % n;
		if (sw->m[s].used && sw->m[s].state == HL_SWIM_DEAD)
			return s;
	}
	return NONE;
}

/* ---- create / destroy ---- */

int
hl_swim_create(struct hl_swim **out, const struct hl_swim_config *cfg,
        const struct hl_swim_addr *self, const struct hl_swim_meta *meta, uint64_t generation,
        uint64_t seed, uint64_t now_ns)
{
	*out = NULL;
	if (cfg == NULL || self == NULL || self->len == 0 || self->len > HL_SWIM_ADDR_MAX ||
	        generation > VERSION_MASK)
		return -EINVAL;
	int rc = config_check(cfg);
	if (rc != 0)
		return rc;
	struct hl_swim *sw = calloc(1, sizeof(*sw));
	if (sw == NULL)
		return -ENOMEM;
	sw->cfg = *cfg;
	uint32_t n = cfg->max_members;
	sw->hcap = 1;
	while (sw->hcap < 2 * n)
		sw->hcap <<= 1;
	sw->m = calloc(n, sizeof(*sw->m));
	sw->free_stack = calloc(n, sizeof(uint32_t));
	sw->hash = malloc(sw->hcap * sizeof(uint32_t));
	sw->order = calloc(n, sizeof(uint32_t));
	sw->suspects = calloc(n, sizeof(uint32_t));
	sw->bq = calloc(n, sizeof(*sw->bq));
	sw->relays = calloc(cfg->max_relays, sizeof(*sw->relays));
	sw->txbuf = malloc((size_t)cfg->tx_slots * cfg->max_packet);
	sw->scratch = malloc(cfg->max_packet);
	sw->tx = calloc(cfg->tx_slots, sizeof(*sw->tx));
	sw->ev = calloc(cfg->event_slots, sizeof(*sw->ev));
	sw->jobs = calloc(cfg->max_job_suspicions, sizeof(*sw->jobs));
	if (!sw->m || !sw->free_stack || !sw->hash || !sw->order || !sw->suspects || !sw->bq ||
	        !sw->relays || !sw->txbuf || !sw->scratch || !sw->tx || !sw->ev || !sw->jobs) {
		hl_swim_destroy(sw);
		return -ENOMEM;
	}
	memset(sw->hash, 0xff, sw->hcap * sizeof(uint32_t));
	for (uint32_t i = 0; i < n; i++)
		sw->free_stack[i] = n - 1 - i; /* pop order 0, 1, 2, ... */
	sw->n_free = n;
	hl_prng_seed(&sw->rng, seed);
	sw->now = now_ns;
	sw->self = member_new(sw, self);
	struct member *me = &sw->m[sw->self];
	me->inc = generation << 32;
	if (meta != NULL)
		meta_copy(&me->meta, meta);
	sw->next_probe_at = now_ns + hl_prng_below(&sw->rng, cfg->probe_interval_ns);
	sw->gossip_at = now_ns;
	sw->sync_at =
	        now_ns +
	        (cfg->sync_interval_ns ? hl_prng_below(&sw->rng, cfg->sync_interval_ns) + 1 : 0);
	sw->reap_at = now_ns + cfg->reap_interval_ns / 4;
	*out = sw;
	return 0;
}

void
hl_swim_destroy(struct hl_swim *sw)
{
	if (sw == NULL)
		return;
	free(sw->m);
	free(sw->free_stack);
	free(sw->hash);
	free(sw->order);
	free(sw->suspects);
	free(sw->bq);
	free(sw->relays);
	free(sw->txbuf);
	free(sw->scratch);
	free(sw->tx);
	free(sw->ev);
	free(sw->jobs);
	free(sw);
}

/* ---- anti-entropy (push-pull in datagram-sized pages) ---- */

/* A page of our table from slot `cursor` (self always first). Updates are encoded into a
 * scratch buffer first so the header can say whether another page follows (join paging). */
#define SYNC_HDR_MAX 48

static int
send_sync(struct hl_swim *sw, const struct hl_swim_addr *to, uint8_t type, bool join,
        uint32_t cursor, bool self_only, bool page)
{
	if (sw->tx_count == sw->cfg.tx_slots) {
		char b[2 * HL_SWIM_ADDR_MAX + 1];
		sw->st.tx_dropped++;
		HL_LOG(HL_LOG_WARN, "swim",
		        "tx queue full (%u datagrams): dropped datagram to %s dropped_total=%llu",
		        sw->cfg.tx_slots, addr_str(to, b), (unsigned long long)sw->st.tx_dropped);
		return -ENOBUFS;
	}
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, sw->scratch, sw->cfg.max_packet - SYNC_HDR_MAX);
	struct hl_swim_update u;
	const struct hl_swim_addr *me = &sw->m[sw->self].addr;
	uint32_t n = 0, s = cursor;
	update_from_member(sw, sw->self, sw->m[sw->self].state, sw->m[sw->self].inc, NULL, &u);
	hl_swim_wr_update(&w, &u);
	if (w.err != 0)
		return w.err;
	n++;
	bool more = false;
	if (!self_only) {
		for (; s < sw->cfg.max_members && n < HL_SWIM_MAX_UPDATES; s++) {
			const struct member *m = &sw->m[s];
			if (!m->used || s == sw->self)
				continue;
			update_from_member(
			        sw, s, m->state, m->inc, m->state == HL_SWIM_ALIVE ? NULL : me, &u);
			size_t keep = w.len;
			hl_swim_wr_update(&w, &u);
			if (w.err != 0) {
				w.err = 0;
				w.len = keep;
				break;
			}
			n++;
		}
		for (uint32_t t = s; t < sw->cfg.max_members && !more; t++)
			more = sw->m[t].used && t != sw->self;
		if (!page)
			sw->sync_cursor = more ? s : 0;
	}
	uint32_t idx = (sw->tx_head + sw->tx_count) % sw->cfg.tx_slots;
	struct hl_swim_packet p = {.type = type, .join = join, .has_next = page && more, .next = s};
	struct hl_mp_wr h;
	hl_mp_wr_init(&h, tx_buf(sw, idx), sw->cfg.max_packet);
	hl_swim_wr_header(&h, &p, true);
	if (h.err != 0 || h.len + w.len > sw->cfg.max_packet)
		return -HL_E_OVERSIZE;
	hl_swim_wr_patch_count(&h, h.len - 2, n);
	memcpy(h.buf + h.len, sw->scratch, w.len);
	sw->tx[idx].to = *to;
	sw->tx[idx].len = (uint32_t)(h.len + w.len);
	sw->tx_count++;
	sw->st.updates_sent += n;
	return 0;
}

/* ---- receive ---- */

static struct relay *
relay_alloc(struct hl_swim *sw)
{
	for (uint32_t i = 0; i < sw->cfg.max_relays; i++)
		if (!sw->relays[i].used)
			return &sw->relays[i];
	return NULL;
}

int
hl_swim_recv(struct hl_swim *sw, uint64_t now_ns, const struct hl_swim_addr *from,
        const uint8_t *buf, size_t len)
{
	if (from == NULL || from->len == 0 || from->len > HL_SWIM_ADDR_MAX || buf == NULL)
		return -EINVAL;
	if (now_ns > sw->now)
		sw->now = now_ns;
	sw->st.rx_pkts++;
	sw->st.rx_bytes += len;
	struct hl_swim_packet *p = &sw->pkt;
	int rc = hl_swim_decode(p, buf, len);
	if (rc != 0) {
		char b[2 * HL_SWIM_ADDR_MAX + 1];
		sw->st.rx_errors++;
		HL_LOG(HL_LOG_WARN, "swim", "undecodable datagram from %s len=%zu err=%s",
		        addr_str(from, b), len, hl_errname(rc));
		return rc;
	}
	bool sync = p->type == HL_SWIM_MSG_SYNC_REQ || p->type == HL_SWIM_MSG_SYNC_RESP;
	for (uint32_t i = 0; i < p->n_updates; i++)
		apply_update(sw, &p->updates[i], sync, from);

	switch (p->type) {
	case HL_SWIM_MSG_PING:
		if (p->has_target && !addr_eq(&p->target, &sw->m[sw->self].addr)) {
			char b[2 * HL_SWIM_ADDR_MAX + 1], c[2 * HL_SWIM_ADDR_MAX + 1];
			sw->st.rx_wrong_target++;
			HL_LOG(HL_LOG_WARN, "swim", "ping from %s meant for %s, not us: ignored",
			        addr_str(from, b), addr_str(&p->target, c));
			return 0;
		}
		return send_simple(sw, from, HL_SWIM_MSG_ACK, p->seq, NULL, false);
	case HL_SWIM_MSG_PING_REQ: {
		struct relay *r = relay_alloc(sw);
		if (r == NULL) {
			char b[2 * HL_SWIM_ADDR_MAX + 1];
			sw->st.relays_full++;
			HL_LOG(HL_LOG_WARN, "swim",
			        "relay table full (%u): ping-req from %s refused "
			        "refused_total=%llu",
			        sw->cfg.max_relays, addr_str(from, b),
			        (unsigned long long)sw->st.relays_full);
			return 0;
		}
		memset(r, 0, sizeof(*r));
		r->used = true;
		sw->n_relays++;
		r->want_nack = p->nack;
		r->seq = ++sw->seq;
		r->req_seq = p->seq;
		r->requester = *from;
		r->target = p->target;
		/* Lifeguard: nack at 80 % of the probe timeout if the target stayed silent. */
		r->nack_at = sw->now + sw->cfg.probe_timeout_ns * 4 / 5;
		r->expire = sw->now + sw->cfg.probe_interval_ns;
		return send_simple(sw, &p->target, HL_SWIM_MSG_PING, r->seq, &p->target, false);
	}
	case HL_SWIM_MSG_ACK:
		if (sw->probe.active && p->seq == sw->probe.seq) {
			if (!sw->probe.acked) {
				sw->probe.acked = true;
				lhm_add(sw, -1);
			}
			return 0;
		}
		for (uint32_t i = 0; i < sw->cfg.max_relays; i++) {
			struct relay *r = &sw->relays[i];
			if (r->used && !r->acked && r->seq == p->seq) {
				r->acked = true;
				return send_simple(sw, &r->requester, HL_SWIM_MSG_ACK, r->req_seq,
				        NULL, false);
			}
		}
		return 0;
	case HL_SWIM_MSG_NACK:
		if (sw->probe.active && p->seq == sw->probe.seq && !sw->probe.acked &&
		        sw->probe.nacks < sw->probe.nacks_expected) {
			sw->probe.nacks++;
			sw->st.nacks_recv++;
		}
		return 0;
	case HL_SWIM_MSG_GOSSIP:
		return 0;
	case HL_SWIM_MSG_SYNC_REQ:
		return send_sync(sw, from, HL_SWIM_MSG_SYNC_RESP, p->join,
		        p->has_cursor ? p->cursor : (p->join ? 0 : sw->sync_cursor), false,
		        p->join);
	case HL_SWIM_MSG_SYNC_RESP:
		if (!sw->joined && p->join) {
			/* Members that joined the seed after our pull, and updates whose gossip ran
			 * out before anyone knew us, would otherwise wait for a periodic sync:
			 * pull a full table from two random peers over the next seconds. */
			sw->resyncs_left = 2;
			sw->resync_at = sw->now + sw->cfg.join_retry_ns;
		}
		sw->joined = true;
		if (p->join && p->has_next) {
			struct hl_swim_packet q = {.type = HL_SWIM_MSG_SYNC_REQ,
			        .join = true,
			        .has_cursor = true,
			        .cursor = p->next};
			return send_pkt(sw, from, &q, NULL, false);
		}
		return 0;
	}
	return 0;
}

/* ---- timers ---- */

static void
probe_finish(struct hl_swim *sw)
{
	struct probe *pr = &sw->probe;
	if (!pr->active)
		return;
	pr->active = false;
	if (pr->acked)
		return;
	sw->st.probes_failed++;
	/* Lifeguard: missing nacks mean *we* may be the slow one. */
	if (pr->nacks_expected > 0)
		lhm_add(sw, (int)(pr->nacks_expected - pr->nacks));
	else
		lhm_add(sw, 1);
	uint32_t s = hash_find(sw, &pr->target);
	if (s == NONE || !live(&sw->m[s]))
		return;
	/* Through the same path as a received accusation: starts a suspicion, or, when the
	 * member is already suspected by others, counts us as an independent confirmation and
	 * re-gossips it (that is what shrinks everyone's Lifeguard timer to Min). */
	struct hl_swim_update u;
	update_from_member(sw, s, HL_SWIM_SUSPECT, sw->m[s].inc, &sw->m[sw->self].addr, &u);
	apply_update(sw, &u, false, &sw->m[sw->self].addr);
}

static void
probe_start(struct hl_swim *sw)
{
	uint32_t s = NONE;
	for (uint32_t tries = 0; tries <= sw->order_len + 1; tries++) {
		if (sw->order_pos >= sw->order_len) {
			order_rebuild(sw);
			if (sw->order_len == 0)
				return;
		}
		uint32_t c = sw->order[sw->order_pos++];
		if (c != sw->self && live(&sw->m[c])) {
			s = c;
			break;
		}
	}
	if (s == NONE)
		return;
	struct probe *pr = &sw->probe;
	memset(pr, 0, sizeof(*pr));
	pr->active = true;
	pr->seq = ++sw->seq;
	pr->target = sw->m[s].addr;
	pr->direct_deadline = sw->now + lhm_scale(sw, sw->cfg.probe_timeout_ns);
	sw->st.probes++;
	send_simple(sw, &pr->target, HL_SWIM_MSG_PING, pr->seq, &pr->target, false);
}

static void
probe_indirect(struct hl_swim *sw)
{
	struct probe *pr = &sw->probe;
	pr->indirect_sent = true;
	uint32_t picked[16];
	uint32_t k = sw->cfg.indirect_checks < 16 ? sw->cfg.indirect_checks : 16, n = 0;
	for (uint32_t i = 0; i < k; i++) {
		uint32_t h = random_live(sw, &pr->target, picked, n);
		if (h == NONE)
			break;
		picked[n++] = h;
		if (send_simple(sw, &sw->m[h].addr, HL_SWIM_MSG_PING_REQ, pr->seq, &pr->target,
		            sw->cfg.lifeguard) == 0) {
			sw->st.indirect_sent++;
			if (sw->cfg.lifeguard)
				pr->nacks_expected++;
		}
	}
}

static void
reap_due(struct hl_swim *sw)
{
	for (uint32_t s = 0; s < sw->cfg.max_members; s++) {
		struct member *m = &sw->m[s];
		if (m->used && s != sw->self &&
		        (m->state == HL_SWIM_DEAD || m->state == HL_SWIM_LEFT) &&
		        sw->now - m->since >= sw->cfg.reap_interval_ns)
			member_free(sw, s);
	}
}

int
hl_swim_tick(struct hl_swim *sw, uint64_t now_ns)
{
	if (now_ns > sw->now)
		sw->now = now_ns;
	uint64_t now = sw->now;
	struct probe *pr = &sw->probe;

	if (pr->active && !pr->acked && !pr->indirect_sent && now >= pr->direct_deadline)
		probe_indirect(sw);
	if (now >= sw->next_probe_at) {
		probe_finish(sw);
		if (!sw->leaving)
			probe_start(sw);
		sw->next_probe_at = now + lhm_scale(sw, sw->cfg.probe_interval_ns);
	}
	for (uint32_t i = 0; i < sw->cfg.max_relays && sw->n_relays > 0; i++) {
		struct relay *r = &sw->relays[i];
		if (!r->used)
			continue;
		if (r->want_nack && !r->acked && !r->nack_sent && now >= r->nack_at) {
			r->nack_sent = true;
			if (send_simple(sw, &r->requester, HL_SWIM_MSG_NACK, r->req_seq, NULL,
			            false) == 0)
				sw->st.nacks_sent++;
		}
		if (now >= r->expire) {
			r->used = false;
			sw->n_relays--;
		}
	}
	for (uint32_t i = 0; i < sw->n_susp;) {
		uint32_t s = sw->suspects[i];
		struct member *m = &sw->m[s];
		if (now >= m->susp_deadline) {
			char b[2 * HL_SWIM_ADDR_MAX + 1];
			sw->st.deaths_declared++;
			HL_LOG(HL_LOG_DEBUG, "swim",
			        "suspicion expired: member %s dead inc=%llu confirmations=%u",
			        addr_str(&m->addr, b), (unsigned long long)m->inc, m->susp_conf);
			kill_member(sw, s, HL_SWIM_DEAD, m->inc, &sw->m[sw->self].addr);
			continue; /* the list shrank: same index holds the next suspect */
		}
		i++;
	}
	if (sw->n_bq > 0 && now >= sw->gossip_at) {
		uint32_t picked[16];
		uint32_t k = sw->cfg.gossip_nodes < 16 ? sw->cfg.gossip_nodes : 16, n = 0;
		for (uint32_t i = 0; i < k && sw->n_bq > 0; i++) {
			uint32_t h = random_live(sw, NULL, picked, n);
			if (h == NONE)
				break;
			picked[n++] = h;
			struct hl_swim_packet p = {.type = HL_SWIM_MSG_GOSSIP};
			struct hl_swim_update u;
			send_pkt(sw, &sw->m[h].addr, &p, about_dest(sw, &sw->m[h].addr, &u), true);
		}
		sw->gossip_at = now + sw->cfg.gossip_interval_ns;
	}
	if (sw->cfg.sync_interval_ns && now >= sw->sync_at) {
		/* Every other round with dead members around, sync with one of them instead: after
		 * a partition heals, the halves hold each other dead and would never talk again. */
		uint32_t h = NONE;
		if (sw->cnt[HL_SWIM_DEAD] > 0 && (hl_prng_next(&sw->rng) & 1))
			h = random_dead(sw);
		if (h == NONE)
			h = random_live(sw, NULL, NULL, 0);
		if (h != NONE)
			send_sync(sw, &sw->m[h].addr, HL_SWIM_MSG_SYNC_REQ, false, sw->sync_cursor,
			        false, false);
		sw->sync_at = now + sw->cfg.sync_interval_ns;
	}
	if (sw->cfg.dead_sync_interval_ns && sw->cnt[HL_SWIM_DEAD] > 0 && now >= sw->dead_sync_at) {
		uint32_t h = random_dead(sw);
		if (h != NONE)
			send_sync(sw, &sw->m[h].addr, HL_SWIM_MSG_SYNC_REQ, false, sw->sync_cursor,
			        false, false);
		sw->dead_sync_at = now + sw->cfg.dead_sync_interval_ns;
	}
	if (!sw->joined && sw->n_seeds > 0 && now >= sw->join_at) {
		for (uint32_t i = 0; i < sw->n_seeds; i++)
			send_sync(sw, &sw->seeds[i], HL_SWIM_MSG_SYNC_REQ, true, 0, true, false);
		sw->join_at = now + sw->cfg.join_retry_ns;
	}
	if (sw->resyncs_left > 0 && now >= sw->resync_at) {
		uint32_t h = random_live(sw, NULL, NULL, 0);
		if (h != NONE)
			send_sync(sw, &sw->m[h].addr, HL_SWIM_MSG_SYNC_REQ, true, 0, true, false);
		sw->resyncs_left--;
		sw->resync_at = now + 2 * sw->cfg.join_retry_ns;
	}
	if (now >= sw->reap_at) {
		reap_due(sw);
		sw->reap_at = now + sw->cfg.reap_interval_ns / 4;
	}
	if (sw->n_jobs > 0) {
		for (uint32_t i = 0; i < sw->cfg.max_job_suspicions; i++) {
			struct jobsusp *j = &sw->jobs[i];
			if (!j->used || now < j->deadline)
				continue;
			j->used = false;
			sw->n_jobs--;
			uint32_t s = hash_find(sw, &j->addr);
			struct member tmp;
			memset(&tmp, 0, sizeof(tmp));
			tmp.addr = j->addr;
			emit(sw, HL_SWIM_EV_JOB_DEAD, s != NONE ? &sw->m[s] : &tmp, j->job);
		}
	}
	return 0;
}

static inline uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t
hl_swim_next_deadline(const struct hl_swim *sw)
{
	uint64_t d = HL_SWIM_NEVER;
	const struct probe *pr = &sw->probe;
	if (!sw->leaving || pr->active)
		d = sw->next_probe_at;
	if (pr->active && !pr->acked && !pr->indirect_sent)
		d = min64(d, pr->direct_deadline);
	for (uint32_t i = 0; i < sw->cfg.max_relays && sw->n_relays > 0; i++) {
		const struct relay *r = &sw->relays[i];
		if (!r->used)
			continue;
		d = min64(d, r->expire);
		if (r->want_nack && !r->acked && !r->nack_sent)
			d = min64(d, r->nack_at);
	}
	for (uint32_t i = 0; i < sw->n_susp; i++)
		d = min64(d, sw->m[sw->suspects[i]].susp_deadline);
	if (sw->n_bq > 0)
		d = min64(d, sw->gossip_at);
	if (sw->cfg.sync_interval_ns)
		d = min64(d, sw->sync_at);
	if (sw->cfg.dead_sync_interval_ns && sw->cnt[HL_SWIM_DEAD] > 0)
		d = min64(d, sw->dead_sync_at);
	if (!sw->joined && sw->n_seeds > 0)
		d = min64(d, sw->join_at);
	d = min64(d, sw->reap_at);
	if (sw->resyncs_left > 0)
		d = min64(d, sw->resync_at);
	if (sw->n_jobs > 0)
		for (uint32_t i = 0; i < sw->cfg.max_job_suspicions; i++)
			if (sw->jobs[i].used)
				d = min64(d, sw->jobs[i].deadline);
	return d;
}

int
hl_swim_next_tx(struct hl_swim *sw, struct hl_swim_addr *to, uint8_t *buf, size_t cap)
{
	if (sw->tx_count == 0)
		return 0;
	struct txslot *t = &sw->tx[sw->tx_head];
	if (cap < t->len)
		return -EMSGSIZE;
	memcpy(buf, tx_buf(sw, sw->tx_head), t->len);
	*to = t->to;
	sw->tx_head = (sw->tx_head + 1) % sw->cfg.tx_slots;
	sw->tx_count--;
	sw->st.tx_pkts++;
	sw->st.tx_bytes += t->len;
	return (int)t->len;
}

int
hl_swim_next_event(struct hl_swim *sw, struct hl_swim_event *ev)
{
	if (sw->ev_count == 0)
		return 0;
	*ev = sw->ev[sw->ev_head];
	sw->ev_head = (sw->ev_head + 1) % sw->cfg.event_slots;
	sw->ev_count--;
	return 1;
}

/* ---- control ---- */

int
hl_swim_join(struct hl_swim *sw, uint64_t now_ns, const struct hl_swim_addr *seeds, size_t n)
{
	if (n == 0 || seeds == NULL)
		return -EINVAL;
	uint32_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (seeds[i].len == 0 || seeds[i].len > HL_SWIM_ADDR_MAX)
			return -EINVAL;
		k += !addr_eq(&seeds[i], &sw->m[sw->self].addr);
	}
	if (k == 0)
		return -EINVAL; /* only ourselves */
	if (k > MAX_SEEDS)
		return -ENOSPC;
	if (now_ns > sw->now)
		sw->now = now_ns;
	/* The new list replaces the old one. */
	sw->n_seeds = 0;
	for (size_t i = 0; i < n; i++)
		if (!addr_eq(&seeds[i], &sw->m[sw->self].addr))
			sw->seeds[sw->n_seeds++] = seeds[i];
	sw->joined = false;
	sw->join_at = sw->now;
	return 0;
}

int
hl_swim_leave(struct hl_swim *sw, uint64_t now_ns)
{
	if (now_ns > sw->now)
		sw->now = now_ns;
	if (sw->leaving)
		return -EALREADY;
	sw->leaving = true;
	struct member *me = &sw->m[sw->self];
	me->inc++;
	set_state(sw, me, HL_SWIM_LEFT);
	bq_put(sw, sw->self, HL_SWIM_LEFT, me->inc, &me->addr);
	sw->gossip_at = sw->now;
	return 0;
}

int
hl_swim_set_meta(struct hl_swim *sw, uint64_t now_ns, const struct hl_swim_meta *meta)
{
	if (meta == NULL || meta->fabric.len > HL_SWIM_ADDR_MAX ||
	        meta->mgmt.len > HL_SWIM_ADDR_MAX)
		return -EINVAL;
	if (sw->leaving)
		return -ESHUTDOWN;
	if (now_ns > sw->now)
		sw->now = now_ns;
	struct member *me = &sw->m[sw->self];
	meta_copy(&me->meta, meta);
	me->inc++;
	bq_put(sw, sw->self, HL_SWIM_ALIVE, me->inc, NULL);
	sw->gossip_at = sw->now;
	return 0;
}

/* ---- queries ---- */

static void
info_fill(const struct member *m, struct hl_swim_member_info *out)
{
	out->addr = m->addr;
	out->state = (enum hl_swim_state)m->state;
	out->incarnation = m->inc;
	out->meta = m->meta;
	out->confirmations = m->state == HL_SWIM_SUSPECT ? m->susp_conf : 0;
	out->suspect_deadline = m->state == HL_SWIM_SUSPECT ? m->susp_deadline : 0;
}

int
hl_swim_member(
        const struct hl_swim *sw, const struct hl_swim_addr *addr, struct hl_swim_member_info *out)
{
	uint32_t s = hash_find(sw, addr);
	if (s == NONE)
		return -ENOENT;
	info_fill(&sw->m[s], out);
	return 0;
}

int
hl_swim_member_at(const struct hl_swim *sw, uint32_t i, struct hl_swim_member_info *out)
{
	if (i >= sw->cfg.max_members)
		return -ENOENT;
	if (!sw->m[i].used)
		return -EAGAIN;
	info_fill(&sw->m[i], out);
	return 0;
}

uint32_t
hl_swim_count(const struct hl_swim *sw, enum hl_swim_state state)
{
	return (unsigned)state <= HL_SWIM_LEFT ? sw->cnt[state] : 0;
}

uint32_t
hl_swim_lhm(const struct hl_swim *sw)
{
	return sw->lhm;
}

uint64_t
hl_swim_incarnation(const struct hl_swim *sw)
{
	return sw->m[sw->self].inc;
}

bool
hl_swim_joined(const struct hl_swim *sw)
{
	return sw->joined;
}

const struct hl_swim_stats *
hl_swim_stats(const struct hl_swim *sw)
{
	return &sw->st;
}

uint32_t
hl_swim_broadcast_len(const struct hl_swim *sw)
{
	return sw->n_bq;
}

/* ---- job-level suspicion ---- */

static struct jobsusp *
job_find(const struct hl_swim *sw, uint64_t job, const struct hl_swim_addr *a)
{
	if (sw->n_jobs == 0)
		return NULL;
	for (uint32_t i = 0; i < sw->cfg.max_job_suspicions; i++)
		if (sw->jobs[i].used && sw->jobs[i].job == job && addr_eq(&sw->jobs[i].addr, a))
			return &sw->jobs[i];
	return NULL;
}

int
hl_swim_job_suspect(struct hl_swim *sw, uint64_t now_ns, uint64_t job,
        const struct hl_swim_addr *addr, uint64_t timeout_ns)
{
	if (addr == NULL || addr->len == 0 || addr->len > HL_SWIM_ADDR_MAX || timeout_ns == 0)
		return -EINVAL;
	if (now_ns > sw->now)
		sw->now = now_ns;
	uint32_t s = hash_find(sw, addr);
	if (s == NONE || !live(&sw->m[s]))
		return -ENOENT;
	struct jobsusp *j = job_find(sw, job, addr);
	if (j != NULL)
		return -EALREADY; /* keep the earlier deadline */
	for (uint32_t i = 0; i < sw->cfg.max_job_suspicions; i++) {
		if (sw->jobs[i].used)
			continue;
		j = &sw->jobs[i];
		j->used = true;
		j->job = job;
		j->addr = *addr;
		j->deadline = sw->now + timeout_ns;
		sw->n_jobs++;
		return 0;
	}
	return -HL_E_FULL;
}

int
hl_swim_job_refute(struct hl_swim *sw, uint64_t job, const struct hl_swim_addr *addr)
{
	struct jobsusp *j = job_find(sw, job, addr);
	if (j == NULL)
		return -ENOENT;
	j->used = false;
	sw->n_jobs--;
	return 0;
}

int
hl_swim_job_clear(struct hl_swim *sw, uint64_t job)
{
	int n = 0;
	for (uint32_t i = 0; i < sw->cfg.max_job_suspicions && sw->n_jobs > 0; i++)
		if (sw->jobs[i].used && sw->jobs[i].job == job) {
			sw->jobs[i].used = false;
			sw->n_jobs--;
			n++;
		}
	return n;
}

bool
hl_swim_job_suspected(const struct hl_swim *sw, uint64_t job, const struct hl_swim_addr *addr)
{
	return job_find(sw, job, addr) != NULL;
}

uint32_t
hl_swim_job_count(const struct hl_swim *sw)
{
	return sw->n_jobs;
}
