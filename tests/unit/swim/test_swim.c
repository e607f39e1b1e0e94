/* test_swim.c — unit tests of the SWIM core, one mechanism at a time, by feeding datagrams and
 * times to one instance and decoding what it sends. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hl_err.h"
#include "hl_swim.h"

#define MS 1000000ULL
#define S 1000000000ULL

static struct hl_swim_addr
A(uint32_t id) {
	struct hl_swim_addr a;
	memset(&a, 0, sizeof(a));
	a.len = 4;
	memcpy(a.b, &id, 4);
	return a;
}

static uint32_t
ID(const struct hl_swim_addr *a)
{
	uint32_t id = 0;
	memcpy(&id, a->b, 4);
	return id;
}

static void
cfg_default(struct hl_swim_config *c)
{
	hl_swim_config_lan(c);
	c->max_members = 16;
	c->sync_interval_ns = 0; /* keep output predictable */
}

static struct hl_swim *
mk(const struct hl_swim_config *c, uint32_t self)
{
	struct hl_swim *sw = NULL;
	struct hl_swim_addr a = A(self);
	assert_int_equal(hl_swim_create(&sw, c, &a, NULL, 0, 99, 0), 0);
	return sw;
}

/* Feed a datagram built from p. */
static int
feed(struct hl_swim *sw, uint64_t now, uint32_t from, const struct hl_swim_packet *p)
{
	uint8_t buf[1500];
	int len = hl_swim_encode(p, buf, sizeof(buf));
	assert_true(len > 0);
	struct hl_swim_addr f = A(from);
	return hl_swim_recv(sw, now, &f, buf, (size_t)len);
}

static void
upd(struct hl_swim_update *u, uint32_t who, uint8_t state, uint64_t inc, uint32_t from)
{
	memset(u, 0, sizeof(*u));
	u->state = state;
	u->addr = A(who);
	u->incarnation = inc;
	if (from != UINT32_MAX)
		u->from = A(from);
	u->has_meta = state == HL_SWIM_ALIVE;
}

/* Teach sw about members ids[0..n) (alive, incarnation 0) through one gossip datagram. */
static void
add_members(struct hl_swim *sw, uint64_t now, const uint32_t *ids, uint32_t n)
{
	struct hl_swim_packet p;
	memset(&p, 0, sizeof(p));
	p.type = HL_SWIM_MSG_GOSSIP;
	for (uint32_t i = 0; i < n; i++)
		upd(&p.updates[p.n_updates++], ids[i], HL_SWIM_ALIVE, 0, UINT32_MAX);
	assert_int_equal(feed(sw, now, ids[0], &p), 0);
}

/* Pop one datagram and decode it; returns false when none. */
static bool
pop(struct hl_swim *sw, struct hl_swim_packet *p, uint32_t *to)
{
	uint8_t buf[1500];
	struct hl_swim_addr a;
	int len = hl_swim_next_tx(sw, &a, buf, sizeof(buf));
	if (len == 0)
		return false;
	assert_true(len > 0);
	assert_int_equal(hl_swim_decode(p, buf, (size_t)len), 0);
	*to = ID(&a);
	return true;
}

static void
drain(struct hl_swim *sw)
{
	struct hl_swim_packet p;
	uint32_t to;
	while (pop(sw, &p, &to))
		;
}

static int
next_event(struct hl_swim *sw, enum hl_swim_event_type type, uint32_t *who)
{
	struct hl_swim_event ev;
	while (hl_swim_next_event(sw, &ev) == 1)
		if (ev.type == type) {
			if (who)
				*who = ID(&ev.addr);
			return 1;
		}
	return 0;
}

static struct hl_swim_packet P; /* big: keep off the stack */

/* ---- codec ---- */

static void
test_codec_roundtrip(void **state)
{
	(void)state;
	struct hl_swim_packet in;
	memset(&in, 0, sizeof(in));
	in.type = HL_SWIM_MSG_PING_REQ;
	in.seq = 0xdeadbeef;
	in.has_target = true;
	in.target = A(77);
	in.nack = true;
	upd(&in.updates[0], 5, HL_SWIM_ALIVE, (3ULL << 32) | 9, UINT32_MAX);
	in.updates[0].meta.roles = HL_SWIM_ROLE_GATE;
	snprintf(in.updates[0].meta.dc, sizeof(in.updates[0].meta.dc), "eu-west-1");
	in.updates[0].meta.capacity = 64;
	in.updates[0].meta.fabric = A(1234);
	upd(&in.updates[1], 6, HL_SWIM_SUSPECT, 4, 8);
	in.n_updates = 2;
	uint8_t buf[1500];
	int len = hl_swim_encode(&in, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(hl_swim_decode(&P, buf, (size_t)len), 0);
	assert_int_equal(P.type, HL_SWIM_MSG_PING_REQ);
	assert_int_equal(P.seq, 0xdeadbeef);
	assert_true(P.nack);
	assert_int_equal(ID(&P.target), 77);
	assert_int_equal(P.n_updates, 2);
	assert_int_equal(P.updates[0].incarnation, (3ULL << 32) | 9);
	assert_string_equal(P.updates[0].meta.dc, "eu-west-1");
	assert_int_equal(P.updates[0].meta.capacity, 64);
	assert_int_equal(ID(&P.updates[0].meta.fabric), 1234);
	assert_int_equal(P.updates[1].state, HL_SWIM_SUSPECT);
	assert_int_equal(ID(&P.updates[1].from), 8);
	/* Too small a buffer is an error, not a truncated datagram. */
	assert_int_equal(hl_swim_encode(&in, buf, 10), -HL_E_OVERSIZE);
}

static void
test_codec_rejects_bad_input(void **state)
{
	(void)state;
	uint8_t buf[1500];
	struct hl_swim_packet in;
	memset(&in, 0, sizeof(in));
	in.type = HL_SWIM_MSG_GOSSIP;
	upd(&in.updates[0], 5, HL_SWIM_DEAD, 1, 2);
	in.n_updates = 1;
	int len = hl_swim_encode(&in, buf, sizeof(buf));
	assert_true(len > 0);
	/* Every strict prefix is truncated. */
	for (int i = 0; i < len; i++)
		assert_true(hl_swim_decode(&P, buf, (size_t)i) < 0);
	/* Trailing bytes. */
	buf[len] = 0xc0;
	assert_int_equal(hl_swim_decode(&P, buf, (size_t)len + 1), -HL_E_TRAILING);
	/* Unknown message type. */
	const uint8_t unk[] = {0x82, 0x00, 0x63, 0x01, 0x01};
	assert_int_equal(hl_swim_decode(&P, unk, sizeof(unk)), -HL_E_UNKNOWN_MSG);
	/* ping-req without a target. */
	const uint8_t noTarget[] = {0x82, 0x00, 0x02, 0x01, 0x01};
	assert_int_equal(hl_swim_decode(&P, noTarget, sizeof(noTarget)), -HL_E_MISSING_FIELD);
	/* An address over HL_SWIM_ADDR_MAX. */
	uint8_t big[64] = {0x83, 0x00, 0x01, 0x01, 0x01, 0x02, 0xc4, 25};
	assert_int_equal(hl_swim_decode(&P, big, 8 + 25), -HL_E_OVERSIZE);
	/* An update without its address. */
	const uint8_t noAddr[] = {0x82, 0x00, 0x05, 0x07, 0x91, 0x81, 0x00, 0x00};
	assert_int_equal(hl_swim_decode(&P, noAddr, sizeof(noAddr)), -HL_E_MISSING_FIELD);
	/* Wrong type for the message type field. */
	const uint8_t wrong[] = {0x81, 0x00, 0xa1, 'x'};
	assert_int_equal(hl_swim_decode(&P, wrong, sizeof(wrong)), -HL_E_BAD_TYPE);
	/* More updates than the protocol allows: array16 of 65 declared. */
	uint8_t many[16] = {0x82, 0x00, 0x05, 0x07, 0xdc, 0x00, 65};
	assert_true(hl_swim_decode(&P, many, 7) < 0);
	/* Unknown keys are skipped (forward compatibility). */
	const uint8_t extra[] = {0x83, 0x00, 0x01, 0x01, 0x05, 0x30, 0x92, 0x01, 0xa1, 'z'};
	assert_int_equal(hl_swim_decode(&P, extra, sizeof(extra)), 0);
	assert_int_equal(P.type, HL_SWIM_MSG_PING);
	assert_int_equal(P.seq, 5);
	/* And the core counts a bad datagram and returns the error. */
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	struct hl_swim_addr f = A(2);
	assert_int_equal(hl_swim_recv(sw, 0, &f, unk, sizeof(unk)), -HL_E_UNKNOWN_MSG);
	assert_int_equal(hl_swim_stats(sw)->rx_errors, 1);
	hl_swim_destroy(sw);
}

/* ---- probes ---- */

static void
test_ping_gets_ack_and_wrong_target_is_ignored(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	struct hl_swim_packet p = {.type = HL_SWIM_MSG_PING, .seq = 7, .has_target = true};
	p.target = A(1);
	assert_int_equal(feed(sw, 0, 2, &p), 0);
	uint32_t to;
	assert_true(pop(sw, &P, &to));
	assert_int_equal(to, 2);
	assert_int_equal(P.type, HL_SWIM_MSG_ACK);
	assert_int_equal(P.seq, 7);
	p.target = A(9);
	assert_int_equal(feed(sw, 0, 2, &p), 0);
	assert_false(pop(sw, &P, &to));
	assert_int_equal(hl_swim_stats(sw)->rx_wrong_target, 1);
	hl_swim_destroy(sw);
}

/* Tick until the next probe's ping goes out; returns its target and seq. */
static uint32_t
next_ping(struct hl_swim *sw, uint64_t *now, uint32_t *seq)
{
	uint32_t to, target = UINT32_MAX;
	for (int i = 0; i < 100 && target == UINT32_MAX; i++) {
		*now = hl_swim_next_deadline(sw);
		assert_int_equal(hl_swim_tick(sw, *now), 0);
		while (pop(sw, &P, &to))
			if (P.type == HL_SWIM_MSG_PING && target == UINT32_MAX) {
				target = to;
				if (seq != NULL)
					*seq = P.seq;
			}
	}
	assert_true(target != UINT32_MAX);
	return target;
}

/* Run the probe of one target to the end without any answer; returns the target. */
static uint32_t
failed_probe(struct hl_swim *sw, uint64_t *now, uint32_t *n_req, bool *nack_flag)
{
	uint32_t to;
	uint32_t target = next_ping(sw, now, NULL);
	*n_req = 0;
	for (int i = 0; i < 100; i++) {
		*now = hl_swim_next_deadline(sw);
		assert_int_equal(hl_swim_tick(sw, *now), 0);
		bool started = false;
		while (pop(sw, &P, &to)) {
			if (P.type == HL_SWIM_MSG_PING_REQ) {
				(*n_req)++;
				*nack_flag = P.nack;
				assert_int_equal(ID(&P.target), target);
				assert_true(to != target);
			}
			if (P.type == HL_SWIM_MSG_PING && !P.has_target)
				continue;
			if (P.type == HL_SWIM_MSG_PING)
				started = true; /* the next period began: this probe is over */
		}
		if (started)
			break;
	}
	return target;
}

static void
test_failed_probe_goes_indirect_then_suspects_and_raises_lhm(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3, 4, 5, 6};
	add_members(sw, 0, ids, 5);
	assert_int_equal(next_event(sw, HL_SWIM_EV_JOIN, NULL), 1);
	drain(sw);
	uint64_t now;
	uint32_t n_req;
	bool nack = false;
	uint32_t target = failed_probe(sw, &now, &n_req, &nack);
	assert_int_equal(n_req, 3);
	assert_true(nack);
	uint32_t who;
	assert_int_equal(next_event(sw, HL_SWIM_EV_SUSPECT, &who), 1);
	assert_int_equal(who, target);
	/* No nack from any of the 3 helpers: LHM += 3. */
	assert_int_equal(hl_swim_lhm(sw), 3);
	assert_int_equal(hl_swim_stats(sw)->probes_failed, 1);
	hl_swim_destroy(sw);
}

static void
test_nacks_spare_local_health_and_acks_heal_it(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3, 4, 5};
	add_members(sw, 0, ids, 4);
	drain(sw);
	uint64_t now;
	uint32_t to, seq = 0;
	uint32_t target = next_ping(sw, &now, &seq);
	now = hl_swim_next_deadline(sw);
	hl_swim_tick(sw, now);
	uint32_t helpers[3], nh = 0;
	while (pop(sw, &P, &to))
		if (P.type == HL_SWIM_MSG_PING_REQ)
			helpers[nh++] = to;
	assert_int_equal(nh, 3);
	/* All helpers nack: the prober is healthy, the target is not. */
	struct hl_swim_packet nk = {.type = HL_SWIM_MSG_NACK, .seq = seq};
	for (uint32_t i = 0; i < nh; i++)
		feed(sw, now + MS, helpers[i], &nk);
	assert_int_equal(hl_swim_stats(sw)->nacks_recv, 3);
	now = hl_swim_next_deadline(sw);
	hl_swim_tick(sw, now);
	assert_int_equal(hl_swim_lhm(sw), 0);
	uint32_t who;
	assert_int_equal(next_event(sw, HL_SWIM_EV_SUSPECT, &who), 1);
	assert_int_equal(who, target);
	hl_swim_destroy(sw);

	/* An ack (direct or relayed) makes the probe a success and lowers the LHM. */
	sw = mk(&c, 1);
	add_members(sw, 0, ids, 4);
	drain(sw);
	uint64_t t;
	uint32_t n_req;
	bool nack;
	failed_probe(sw, &t, &n_req, &nack);
	uint32_t lhm = hl_swim_lhm(sw);
	assert_true(lhm > 0);
	/* The new period's ping already went out inside failed_probe: answer the next one. */
	uint32_t tgt = next_ping(sw, &t, &seq);
	lhm = hl_swim_lhm(sw);
	struct hl_swim_packet ack = {.type = HL_SWIM_MSG_ACK, .seq = seq};
	feed(sw, t + MS, tgt, &ack);
	assert_int_equal(hl_swim_lhm(sw), lhm - 1);
	hl_swim_destroy(sw);
}

static void
test_lhm_stretches_probe_interval(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3, 4, 5};
	add_members(sw, 0, ids, 4);
	drain(sw);
	uint64_t now;
	uint32_t n_req;
	bool nack;
	failed_probe(sw, &now, &n_req, &nack);
	uint32_t lhm = hl_swim_lhm(sw);
	assert_true(lhm >= 1);
	/* The period that just started is (lhm + 1) probe intervals long. */
	uint64_t start = now;
	uint64_t t = now;
	uint32_t to;
	for (;;) {
		t = hl_swim_next_deadline(sw);
		hl_swim_tick(sw, t);
		bool ping = false;
		while (pop(sw, &P, &to))
			ping |= P.type == HL_SWIM_MSG_PING;
		if (ping)
			break;
	}
	assert_true(t - start >= (uint64_t)(lhm + 1) * c.probe_interval_ns - 1);
	hl_swim_destroy(sw);
}

static void
test_relay_forwards_ack_or_nacks(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	struct hl_swim_packet req = {
	        .type = HL_SWIM_MSG_PING_REQ, .seq = 42, .nack = true, .has_target = true};
	req.target = A(9);
	assert_int_equal(feed(sw, 1000, 3, &req), 0);
	uint32_t to;
	assert_true(pop(sw, &P, &to));
	assert_int_equal(to, 9);
	assert_int_equal(P.type, HL_SWIM_MSG_PING);
	uint32_t myseq = P.seq;
	struct hl_swim_packet ack = {.type = HL_SWIM_MSG_ACK, .seq = myseq};
	assert_int_equal(feed(sw, 2000, 9, &ack), 0);
	assert_true(pop(sw, &P, &to));
	assert_int_equal(to, 3);
	assert_int_equal(P.type, HL_SWIM_MSG_ACK);
	assert_int_equal(P.seq, 42);
	/* A silent target: nack at 80 % of the probe timeout. */
	req.seq = 43;
	assert_int_equal(feed(sw, 10 * MS, 3, &req), 0);
	drain(sw);
	uint64_t nack_at = 10 * MS + c.probe_timeout_ns * 4 / 5;
	assert_true(hl_swim_next_deadline(sw) <= nack_at);
	hl_swim_tick(sw, nack_at - 1);
	bool early = false;
	while (pop(sw, &P, &to))
		early |= P.type == HL_SWIM_MSG_NACK;
	assert_false(early);
	hl_swim_tick(sw, nack_at);
	do
		assert_true(pop(sw, &P, &to));
	while (P.type != HL_SWIM_MSG_NACK);
	assert_int_equal(P.seq, 43);
	assert_int_equal(to, 3);
	hl_swim_destroy(sw);
	/* Relay table full: refused and counted. */
	c.max_relays = 1;
	sw = mk(&c, 1);
	assert_int_equal(feed(sw, 0, 3, &req), 0);
	assert_int_equal(feed(sw, 0, 4, &req), 0);
	assert_int_equal(hl_swim_stats(sw)->relays_full, 1);
	hl_swim_destroy(sw);
}

/* ---- suspicion ---- */

static void
test_suspicion_timeout_shrinks_with_confirmations(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
	add_members(sw, 0, ids, 10);
	drain(sw);
	/* n = 11: Min = 4 * log10(11) * 100 ms, Max = 6 * Min, k = 2. */
	struct hl_swim_member_info mi;
	struct hl_swim_addr a2 = A(2);
	struct hl_swim_packet g;
	memset(&g, 0, sizeof(g));
	g.type = HL_SWIM_MSG_GOSSIP;
	g.n_updates = 1;
	uint64_t t0 = S;
	upd(&g.updates[0], 2, HL_SWIM_SUSPECT, 0, 3);
	feed(sw, t0, 3, &g);
	assert_int_equal(hl_swim_member(sw, &a2, &mi), 0);
	assert_int_equal(mi.state, HL_SWIM_SUSPECT);
	double min = 4.0 * 1.0413926851582251 * 100e6;
	uint64_t d0 = mi.suspect_deadline - t0;
	assert_true(d0 > (uint64_t)(5.9 * min) && d0 < (uint64_t)(6.1 * min));
	/* The same accuser again is not independent. */
	feed(sw, t0 + MS, 3, &g);
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.confirmations, 0);
	upd(&g.updates[0], 2, HL_SWIM_SUSPECT, 0, 4);
	feed(sw, t0 + 2 * MS, 4, &g);
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.confirmations, 1);
	assert_true(mi.suspect_deadline - t0 < d0);
	upd(&g.updates[0], 2, HL_SWIM_SUSPECT, 0, 5);
	feed(sw, t0 + 3 * MS, 5, &g);
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.confirmations, 2);
	uint64_t d2 = mi.suspect_deadline - t0;
	assert_true(d2 > (uint64_t)(0.99 * min) && d2 < (uint64_t)(1.01 * min));
	/* Expiry: dead, event, and gossiped. */
	hl_swim_tick(sw, mi.suspect_deadline);
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.state, HL_SWIM_DEAD);
	assert_int_equal(next_event(sw, HL_SWIM_EV_DEAD, NULL), 1);
	assert_int_equal(hl_swim_stats(sw)->deaths_declared, 1);
	hl_swim_destroy(sw);

	/* Plain SWIM: fixed timeout = Min, confirmations ignored. */
	c.lifeguard = false;
	sw = mk(&c, 1);
	add_members(sw, 0, ids, 10);
	upd(&g.updates[0], 2, HL_SWIM_SUSPECT, 0, 3);
	feed(sw, t0, 3, &g);
	hl_swim_member(sw, &a2, &mi);
	d0 = mi.suspect_deadline - t0;
	assert_true(d0 > (uint64_t)(0.99 * min) && d0 < (uint64_t)(1.01 * min));
	hl_swim_destroy(sw);
}

static void
test_poor_local_health_stretches_suspicion(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
	add_members(sw, 0, ids, 10);
	struct hl_swim_packet g;
	memset(&g, 0, sizeof(g));
	g.type = HL_SWIM_MSG_GOSSIP;
	g.n_updates = 1;
	/* Two accusations about ourselves, both refuted: LHM 2. */
	for (int i = 0; i < 2; i++) {
		upd(&g.updates[0], 1, HL_SWIM_SUSPECT, hl_swim_incarnation(sw), 2);
		feed(sw, MS, 2, &g);
	}
	assert_int_equal(hl_swim_lhm(sw), 2);
	upd(&g.updates[0], 2, HL_SWIM_SUSPECT, 0, 3);
	feed(sw, S, 3, &g);
	struct hl_swim_addr a2 = A(2);
	struct hl_swim_member_info mi;
	assert_int_equal(hl_swim_member(sw, &a2, &mi), 0);
	double max = 6 * 4.0 * 1.0413926851582251 * 100e6;
	uint64_t d = mi.suspect_deadline - S;
	assert_true(d > (uint64_t)(2.99 * max) && d < (uint64_t)(3.01 * max));
	hl_swim_destroy(sw);
}

static void
test_refutation_and_buddy(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3};
	add_members(sw, 0, ids, 2);
	drain(sw);
	uint64_t inc0 = hl_swim_incarnation(sw);
	struct hl_swim_packet g;
	memset(&g, 0, sizeof(g));
	g.type = HL_SWIM_MSG_GOSSIP;
	g.n_updates = 1;
	upd(&g.updates[0], 1, HL_SWIM_SUSPECT, inc0, 2);
	feed(sw, MS, 2, &g);
	assert_int_equal(hl_swim_incarnation(sw), inc0 + 1);
	assert_int_equal(hl_swim_lhm(sw), 1);
	/* A stale accusation (older incarnation) is ignored. */
	feed(sw, 2 * MS, 2, &g);
	assert_int_equal(hl_swim_incarnation(sw), inc0 + 1);
	/* The refutation rides on the next datagram. */
	struct hl_swim_packet ping = {.type = HL_SWIM_MSG_PING, .seq = 1};
	feed(sw, 3 * MS, 3, &ping);
	uint32_t to;
	assert_true(pop(sw, &P, &to));
	bool found = false;
	for (uint32_t i = 0; i < P.n_updates; i++)
		found |= ID(&P.updates[i].addr) == 1 && P.updates[i].state == HL_SWIM_ALIVE &&
		         P.updates[i].incarnation == inc0 + 1;
	assert_true(found);
	/* Buddy: our ack to a member we suspect carries the suspicion first. */
	upd(&g.updates[0], 3, HL_SWIM_SUSPECT, 0, 2);
	feed(sw, 4 * MS, 2, &g);
	drain(sw);
	feed(sw, 5 * MS, 3, &ping);
	assert_true(pop(sw, &P, &to));
	assert_int_equal(to, 3);
	assert_true(P.n_updates >= 1);
	assert_int_equal(ID(&P.updates[0].addr), 3);
	assert_int_equal(P.updates[0].state, HL_SWIM_SUSPECT);
	hl_swim_destroy(sw);
}

static void
test_incarnation_precedence_and_restart(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	struct hl_swim_addr a2 = A(2);
	struct hl_swim_member_info mi;
	struct hl_swim_packet g;
	memset(&g, 0, sizeof(g));
	g.type = HL_SWIM_MSG_GOSSIP;
	g.n_updates = 1;
	upd(&g.updates[0], 2, HL_SWIM_ALIVE, 5, UINT32_MAX);
	feed(sw, 0, 2, &g);
	assert_int_equal(next_event(sw, HL_SWIM_EV_JOIN, NULL), 1);
	/* Dead at the same incarnation beats alive. */
	upd(&g.updates[0], 2, HL_SWIM_DEAD, 5, 3);
	feed(sw, 0, 3, &g);
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.state, HL_SWIM_DEAD);
	assert_int_equal(next_event(sw, HL_SWIM_EV_DEAD, NULL), 1);
	/* Alive at the same (or lower) incarnation does not resurrect. */
	upd(&g.updates[0], 2, HL_SWIM_ALIVE, 5, UINT32_MAX);
	feed(sw, 0, 2, &g);
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.state, HL_SWIM_DEAD);
	/* A restarted process (generation 1) wins over everything of generation 0. */
	upd(&g.updates[0], 2, HL_SWIM_ALIVE, 1ULL << 32, UINT32_MAX);
	feed(sw, 0, 2, &g);
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.state, HL_SWIM_ALIVE);
	assert_int_equal(next_event(sw, HL_SWIM_EV_JOIN, NULL), 1);
	/* Suspect beats alive at equal incarnation; alive needs a higher one to refute. */
	upd(&g.updates[0], 2, HL_SWIM_SUSPECT, 1ULL << 32, 3);
	feed(sw, 0, 3, &g);
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.state, HL_SWIM_SUSPECT);
	upd(&g.updates[0], 2, HL_SWIM_ALIVE, 1ULL << 32, UINT32_MAX);
	feed(sw, 0, 2, &g);
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.state, HL_SWIM_SUSPECT);
	upd(&g.updates[0], 2, HL_SWIM_ALIVE, (1ULL << 32) + 1, UINT32_MAX);
	feed(sw, 0, 2, &g);
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.state, HL_SWIM_ALIVE);
	assert_int_equal(next_event(sw, HL_SWIM_EV_ALIVE, NULL), 1);
	/* A stale alive about ourselves with a higher incarnation is outbid. */
	upd(&g.updates[0], 1, HL_SWIM_ALIVE, 77, UINT32_MAX);
	feed(sw, 0, 2, &g);
	assert_int_equal(hl_swim_incarnation(sw), 78);
	hl_swim_destroy(sw);
	/* Generation sets the high half of the incarnation. */
	struct hl_swim_addr me = A(1);
	assert_int_equal(hl_swim_create(&sw, &c, &me, NULL, 3, 1, 0), 0);
	assert_int_equal(hl_swim_incarnation(sw), 3ULL << 32);
	hl_swim_destroy(sw);
}

/* ---- dissemination ---- */

static void
test_dissemination_limits_and_superseding(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3, 4};
	add_members(sw, 0, ids, 3);
	/* One queued update per member: 3 joins. */
	assert_int_equal(hl_swim_broadcast_len(sw), 3);
	struct hl_swim_packet g;
	memset(&g, 0, sizeof(g));
	g.type = HL_SWIM_MSG_GOSSIP;
	g.n_updates = 1;
	upd(&g.updates[0], 2, HL_SWIM_SUSPECT, 0, 3);
	feed(sw, 0, 3, &g);
	assert_int_equal(hl_swim_broadcast_len(sw), 3); /* superseded, not added */
	/* n = 4: limit = 4 * ceil(log10(5)) = 4 transmissions per update. Each ping reply
	 * carries all three, newest (the suspicion) first. */
	struct hl_swim_packet ping = {.type = HL_SWIM_MSG_PING, .seq = 1};
	uint32_t to, sent = 0;
	for (int i = 0; i < 10; i++) {
		feed(sw, MS, 4, &ping);
		assert_true(pop(sw, &P, &to));
		if (i == 0) {
			assert_int_equal(P.n_updates, 3);
			assert_int_equal(P.updates[0].state, HL_SWIM_SUSPECT);
		}
		sent += P.n_updates;
	}
	assert_int_equal(sent, 3 * 4);
	assert_int_equal(hl_swim_broadcast_len(sw), 0);
	hl_swim_destroy(sw);
}

static void
test_gossip_rounds_and_packet_cap(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	c.max_packet = 200;
	c.max_members = 64;
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[40];
	for (uint32_t i = 0; i < 40; i++)
		ids[i] = 100 + i;
	for (uint32_t i = 0; i < 40; i += 10)
		add_members(sw, 0, ids + i, 10);
	uint64_t d = hl_swim_next_deadline(sw);
	assert_true(d <= 0 + c.gossip_interval_ns);
	hl_swim_tick(sw, d);
	uint8_t buf[1500];
	struct hl_swim_addr to;
	int len, n = 0;
	while ((len = hl_swim_next_tx(sw, &to, buf, sizeof(buf))) > 0) {
		assert_true(len <= 200);
		assert_int_equal(hl_swim_decode(&P, buf, (size_t)len), 0);
		n++;
	}
	assert_true(n >= 3);
	/* -EMSGSIZE leaves the datagram queued. */
	struct hl_swim_packet ping = {.type = HL_SWIM_MSG_PING, .seq = 1};
	feed(sw, MS, 100, &ping);
	assert_int_equal(hl_swim_next_tx(sw, &to, buf, 4), -EMSGSIZE);
	assert_true(hl_swim_next_tx(sw, &to, buf, sizeof(buf)) > 0);
	hl_swim_destroy(sw);
}

static void
test_join_and_paged_sync(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	c.max_packet = 300;
	c.max_members = 64;
	/* Seed knows 30 members; a joiner pages through them. */
	struct hl_swim *seed = mk(&c, 1);
	uint32_t ids[30];
	for (uint32_t i = 0; i < 30; i++)
		ids[i] = 200 + i;
	for (uint32_t i = 0; i < 30; i += 10)
		add_members(seed, 0, ids + i, 10);
	drain(seed);
	struct hl_swim *j = mk(&c, 2);
	struct hl_swim_addr s1 = A(1), s2 = A(2);
	assert_int_equal(hl_swim_join(j, 0, &s1, 1), 0);
	assert_false(hl_swim_joined(j));
	hl_swim_tick(j, 0);
	uint8_t buf[1500];
	struct hl_swim_addr to;
	int len, pages = 0;
	/* Shuttle datagrams between the two until quiet. */
	for (int round = 0; round < 50; round++) {
		bool any = false;
		while ((len = hl_swim_next_tx(j, &to, buf, sizeof(buf))) > 0) {
			any = true;
			if (ID(&to) == 1)
				hl_swim_recv(seed, MS, &s2, buf, (size_t)len);
		}
		while ((len = hl_swim_next_tx(seed, &to, buf, sizeof(buf))) > 0) {
			any = true;
			if (ID(&to) == 2) {
				pages++;
				hl_swim_recv(j, MS, &s1, buf, (size_t)len);
			}
		}
		if (!any)
			break;
	}
	assert_true(hl_swim_joined(j));
	assert_true(pages > 1);
	assert_int_equal(hl_swim_count(j, HL_SWIM_ALIVE), 32);
	assert_int_equal(hl_swim_count(seed, HL_SWIM_ALIVE), 32);
	/* Bad join arguments. */
	assert_int_equal(hl_swim_join(j, 0, NULL, 0), -EINVAL);
	assert_int_equal(hl_swim_join(j, 0, &s2, 1), -EINVAL); /* only self */
	struct hl_swim_addr many[9];
	for (uint32_t i = 0; i < 9; i++)
		many[i] = A(50 + i);
	assert_int_equal(hl_swim_join(j, 0, many, 9), -ENOSPC);
	hl_swim_destroy(seed);
	hl_swim_destroy(j);
}

static void
test_sync_merge_rules_and_dead_notice(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3, 4};
	add_members(sw, 0, ids, 3);
	drain(sw);
	/* A sync page's `dead` only makes a suspicion (anti-entropy never kills directly). */
	struct hl_swim_packet p;
	memset(&p, 0, sizeof(p));
	p.type = HL_SWIM_MSG_SYNC_REQ;
	upd(&p.updates[0], 3, HL_SWIM_ALIVE, 0, UINT32_MAX);
	upd(&p.updates[1], 2, HL_SWIM_DEAD, 0, 3);
	p.n_updates = 2;
	feed(sw, MS, 3, &p);
	struct hl_swim_addr a2 = A(2);
	struct hl_swim_member_info mi;
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.state, HL_SWIM_SUSPECT);
	/* ...and is answered with a page of our own, ourselves first. */
	uint32_t to;
	assert_true(pop(sw, &P, &to));
	assert_int_equal(P.type, HL_SWIM_MSG_SYNC_RESP);
	assert_int_equal(to, 3);
	assert_true(P.n_updates >= 4);
	assert_int_equal(ID(&P.updates[0].addr), 1);
	/* A member we hold dead that still pings us is told so, to make it refute. */
	struct hl_swim_packet g;
	memset(&g, 0, sizeof(g));
	g.type = HL_SWIM_MSG_GOSSIP;
	g.n_updates = 1;
	upd(&g.updates[0], 4, HL_SWIM_DEAD, 0, 3);
	feed(sw, 2 * MS, 3, &g);
	drain(sw);
	struct hl_swim_packet ping = {.type = HL_SWIM_MSG_PING, .seq = 5};
	feed(sw, 3 * MS, 4, &ping);
	assert_true(pop(sw, &P, &to));
	assert_int_equal(to, 4);
	assert_int_equal(P.type, HL_SWIM_MSG_ACK);
	assert_true(P.n_updates >= 1);
	assert_int_equal(ID(&P.updates[0].addr), 4);
	assert_int_equal(P.updates[0].state, HL_SWIM_DEAD);
	hl_swim_destroy(sw);
}

/* ---- bounds, reaping, leave, job suspicion ---- */

static void
test_bounds_are_visible(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	c.max_members = 4;
	c.event_slots = 2;
	c.tx_slots = 2;
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3, 4, 5, 6};
	add_members(sw, 0, ids, 5);
	assert_int_equal(hl_swim_count(sw, HL_SWIM_ALIVE), 4);
	assert_int_equal(hl_swim_stats(sw)->members_full, 2);
	assert_int_equal(hl_swim_stats(sw)->events_dropped, 1); /* 3 joins, 2 slots */
	struct hl_swim_packet ping = {.type = HL_SWIM_MSG_PING, .seq = 1};
	for (int i = 0; i < 3; i++)
		feed(sw, 0, 2, &ping);
	assert_int_equal(hl_swim_stats(sw)->tx_dropped, 1);
	hl_swim_destroy(sw);
	/* Bad configurations are refused. */
	struct hl_swim_addr me = A(1);
	cfg_default(&c);
	c.probe_timeout_ns = c.probe_interval_ns + 1;
	assert_int_equal(hl_swim_create(&sw, &c, &me, NULL, 0, 1, 0), -HL_E_CONFIG);
	cfg_default(&c);
	c.max_members = 1;
	assert_int_equal(hl_swim_create(&sw, &c, &me, NULL, 0, 1, 0), -HL_E_CONFIG);
	cfg_default(&c);
	me.len = 0;
	assert_int_equal(hl_swim_create(&sw, &c, &me, NULL, 0, 1, 0), -EINVAL);
}

static void
test_dead_members_are_reaped_and_slots_reused(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	c.max_members = 4;
	c.reap_interval_ns = 10 * S;
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3, 4};
	add_members(sw, 0, ids, 3);
	struct hl_swim_packet g;
	memset(&g, 0, sizeof(g));
	g.type = HL_SWIM_MSG_GOSSIP;
	g.n_updates = 1;
	upd(&g.updates[0], 2, HL_SWIM_DEAD, 0, 3);
	feed(sw, S, 3, &g);
	assert_int_equal(hl_swim_count(sw, HL_SWIM_DEAD), 1);
	/* Table full: a newcomer waits until the dead one's reap interval has passed. */
	upd(&g.updates[0], 9, HL_SWIM_ALIVE, 0, UINT32_MAX);
	feed(sw, 2 * S, 9, &g);
	assert_int_equal(hl_swim_stats(sw)->members_full, 1);
	uint64_t t = 2 * S;
	while (t < 10 * S)
		t = hl_swim_next_deadline(sw), hl_swim_tick(sw, t), drain(sw);
	struct hl_swim_addr a2 = A(2);
	struct hl_swim_member_info mi;
	assert_int_equal(hl_swim_member(sw, &a2, &mi), 0); /* 9 s dead: kept */
	while (t < 13 * S)
		t = hl_swim_next_deadline(sw), hl_swim_tick(sw, t), drain(sw);
	assert_int_equal(hl_swim_member(sw, &a2, &mi), -ENOENT);
	assert_true(hl_swim_stats(sw)->reaped >= 1);
	feed(sw, t, 9, &g);
	struct hl_swim_addr a9 = A(9);
	assert_int_equal(hl_swim_member(sw, &a9, &mi), 0);
	hl_swim_destroy(sw);
}

static void
test_leave_and_set_meta(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2};
	add_members(sw, 0, ids, 1);
	drain(sw);
	struct hl_swim_meta m;
	memset(&m, 0, sizeof(m));
	m.capacity = 12;
	uint64_t inc = hl_swim_incarnation(sw);
	assert_int_equal(hl_swim_set_meta(sw, MS, &m), 0);
	assert_int_equal(hl_swim_incarnation(sw), inc + 1);
	assert_int_equal(hl_swim_leave(sw, 2 * MS), 0);
	hl_swim_tick(sw, 2 * MS);
	uint32_t to;
	bool left = false;
	while (pop(sw, &P, &to))
		for (uint32_t i = 0; i < P.n_updates; i++)
			left |= ID(&P.updates[i].addr) == 1 && P.updates[i].state == HL_SWIM_LEFT;
	assert_true(left);
	assert_int_equal(hl_swim_set_meta(sw, 3 * MS, &m), -ESHUTDOWN);
	/* A member learning of a leave emits LEFT. */
	struct hl_swim *o = mk(&c, 2);
	struct hl_swim_packet g;
	memset(&g, 0, sizeof(g));
	g.type = HL_SWIM_MSG_GOSSIP;
	g.n_updates = 1;
	upd(&g.updates[0], 3, HL_SWIM_ALIVE, 0, UINT32_MAX);
	feed(o, 0, 3, &g);
	upd(&g.updates[0], 3, HL_SWIM_LEFT, 1, 3);
	feed(o, 0, 3, &g);
	assert_int_equal(next_event(o, HL_SWIM_EV_LEFT, NULL), 1);
	assert_int_equal(hl_swim_count(o, HL_SWIM_LEFT), 1);
	hl_swim_destroy(o);
	hl_swim_destroy(sw);
}

static void
test_job_level_suspicion(void **state)
{
	(void)state;
	struct hl_swim_config c;
	cfg_default(&c);
	c.max_job_suspicions = 2;
	struct hl_swim *sw = mk(&c, 1);
	uint32_t ids[] = {2, 3};
	add_members(sw, 0, ids, 2);
	drain(sw);
	while (hl_swim_next_event(sw, &(struct hl_swim_event){0}) == 1)
		;
	struct hl_swim_addr a2 = A(2), a3 = A(3), a9 = A(9);
	assert_int_equal(hl_swim_job_suspect(sw, 0, 100, &a2, S), 0);
	assert_int_equal(hl_swim_job_suspect(sw, 0, 100, &a2, S), -EALREADY);
	assert_int_equal(hl_swim_job_suspect(sw, 0, 100, &a9, S), -ENOENT);
	assert_int_equal(hl_swim_job_suspect(sw, 0, 200, &a2, 3 * S), 0);
	assert_int_equal(hl_swim_job_suspect(sw, 0, 300, &a3, S), -HL_E_FULL);
	assert_true(hl_swim_job_suspected(sw, 100, &a2));
	assert_false(hl_swim_job_suspected(sw, 100, &a3));
	assert_true(hl_swim_next_deadline(sw) <= S);
	/* Job 100's suspicion expires; job 200's does not yet; the member stays globally alive. */
	hl_swim_tick(sw, S);
	struct hl_swim_event ev;
	bool got = false;
	while (hl_swim_next_event(sw, &ev) == 1)
		if (ev.type == HL_SWIM_EV_JOB_DEAD) {
			got = true;
			assert_int_equal(ev.job, 100);
			assert_int_equal(ID(&ev.addr), 2);
		}
	assert_true(got);
	assert_int_equal(hl_swim_job_count(sw), 1);
	struct hl_swim_member_info mi;
	hl_swim_member(sw, &a2, &mi);
	assert_int_equal(mi.state, HL_SWIM_ALIVE);
	assert_int_equal(hl_swim_job_refute(sw, 200, &a2), 0);
	assert_int_equal(hl_swim_job_refute(sw, 200, &a2), -ENOENT);
	/* Clear by job, and a global death clears the member's job entries. */
	assert_int_equal(hl_swim_job_suspect(sw, S, 300, &a3, S), 0);
	assert_int_equal(hl_swim_job_suspect(sw, S, 301, &a3, S), 0);
	assert_int_equal(hl_swim_job_clear(sw, 300), 1);
	struct hl_swim_packet g;
	memset(&g, 0, sizeof(g));
	g.type = HL_SWIM_MSG_GOSSIP;
	g.n_updates = 1;
	upd(&g.updates[0], 3, HL_SWIM_DEAD, 0, 2);
	feed(sw, S, 2, &g);
	assert_int_equal(hl_swim_job_count(sw), 0);
	hl_swim_destroy(sw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_codec_roundtrip),
	        cmocka_unit_test(test_codec_rejects_bad_input),
	        cmocka_unit_test(test_ping_gets_ack_and_wrong_target_is_ignored),
	        cmocka_unit_test(test_failed_probe_goes_indirect_then_suspects_and_raises_lhm),
	        cmocka_unit_test(test_nacks_spare_local_health_and_acks_heal_it),
	        cmocka_unit_test(test_lhm_stretches_probe_interval),
	        cmocka_unit_test(test_relay_forwards_ack_or_nacks),
	        cmocka_unit_test(test_suspicion_timeout_shrinks_with_confirmations),
	        cmocka_unit_test(test_poor_local_health_stretches_suspicion),
	        cmocka_unit_test(test_refutation_and_buddy),
	        cmocka_unit_test(test_incarnation_precedence_and_restart),
	        cmocka_unit_test(test_dissemination_limits_and_superseding),
	        cmocka_unit_test(test_gossip_rounds_and_packet_cap),
	        cmocka_unit_test(test_join_and_paged_sync),
	        cmocka_unit_test(test_sync_merge_rules_and_dead_notice),
	        cmocka_unit_test(test_bounds_are_visible),
	        cmocka_unit_test(test_dead_members_are_reaped_and_slots_reused),
	        cmocka_unit_test(test_leave_and_set_meta),
	        cmocka_unit_test(test_job_level_suspicion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
