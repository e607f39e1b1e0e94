/* test_elect_wire.c — election messages through the lib/wire codec: round trips, hostile input,
 * and a 3-node election where every message is encoded and decoded on the way. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_elect_wire.h"
#include "hl_err.h"

#define MS 1000000ULL
#define SEC 1000000000ULL

static void
test_round_trips(void **state)
{
	uint8_t buf[256];
	size_t len;
	unsigned type;
	struct hl_elect_msg in, out;
	struct hl_wire_err err;
	(void)state;

	for (int k = HL_ELECT_PREVOTE_REQ; k <= HL_ELECT_HEARTBEAT_ACK; k++) {
		memset(&in, 0, sizeof(in));
		in.kind = (enum hl_elect_msg_kind)k;
		in.from = 0x1234;
		in.term = 77;
		in.lhm = (k == HL_ELECT_VOTE_REQ || k == HL_ELECT_PREVOTE_REQ ||
		                 k == HL_ELECT_HEARTBEAT_ACK)
		                 ? 3
		                 : 0;
		in.seq = (k == HL_ELECT_HEARTBEAT || k == HL_ELECT_HEARTBEAT_ACK) ? 9 : 0;
		in.granted = k == HL_ELECT_VOTE_RESP || k == HL_ELECT_PREVOTE_RESP ||
		             k == HL_ELECT_HEARTBEAT_ACK;
		assert_int_equal(hl_elect_wire_encode(
		                         &in, HL_TIER_MANAGER, 5000, &type, buf, sizeof(buf), &len),
		        0);
		assert_int_equal(hl_elect_wire_decode(type, buf, len, &out, &err), 0);
		assert_int_equal(out.kind, in.kind);
		assert_int_equal(out.from, in.from);
		assert_int_equal(out.term, in.term);
		assert_int_equal(out.lhm, in.lhm);
		assert_int_equal(out.seq, in.seq);
		assert_int_equal(out.granted, in.granted);
		assert_int_equal(out.to, 0);
		/* Every truncation of a valid body is refused, never misread. */
		for (size_t cut = 0; cut < len; cut++)
			assert_true(hl_elect_wire_decode(type, buf, cut, &out, &err) < 0);
	}
	/* A huge LHM is clamped to the wire maximum, which still means ineligible. */
	in.kind = HL_ELECT_VOTE_REQ;
	in.lhm = 1000;
	assert_int_equal(
	        hl_elect_wire_encode(&in, HL_TIER_GATE, 0, &type, buf, sizeof(buf), &len), 0);
	assert_int_equal(hl_elect_wire_decode(type, buf, len, &out, &err), 0);
	assert_int_equal(out.lhm, HL_LHM_MAX);
	/* Not an election type; bad kind; tiny buffer. */
	assert_int_equal(
	        hl_elect_wire_decode(HL_MSG_job_submit, buf, len, &out, &err), -HL_E_UNKNOWN_MSG);
	in.kind = (enum hl_elect_msg_kind)99;
	assert_int_equal(
	        hl_elect_wire_encode(&in, HL_TIER_GATE, 0, &type, buf, sizeof(buf), &len), -EINVAL);
	in.kind = HL_ELECT_HEARTBEAT;
	assert_true(hl_elect_wire_encode(&in, HL_TIER_GATE, 0, &type, buf, 3, &len) < 0);
	/* A term above 32 bits (a forged heartbeat) is refused. */
	struct hl_msg_leader_heartbeat hb = {.tier = HL_TIER_MANAGER,
	        .term = 1ULL << 40,
	        .leader = 5,
	        .lease_ms = 5000,
	        .seq = 1};
	assert_int_equal(hl_msg_leader_heartbeat_encode(&hb, buf, sizeof(buf), &len, &err), 0);
	assert_int_equal(hl_elect_wire_decode(HL_MSG_leader_heartbeat, buf, len, &out, &err),
	        -HL_E_BAD_VALUE);
}

/* Three nodes elect a leader with every message going through encode + decode. */
static void
test_election_over_wire(void **state)
{
	enum { N = 3, Q = 512 };
	struct hl_elect e[N];
	struct hl_elect_cfg cfg;
	struct {
		int to;
		unsigned type;
		size_t len;
		uint8_t b[128];
	} q[Q];
	int nq = 0;
	(void)state;

	hl_elect_cfg_default(&cfg);
	cfg.nmembers = N;
	for (int i = 0; i < N; i++)
		cfg.members[i] = (uint64_t)i + 1;
	for (int i = 0; i < N; i++) {
		cfg.self = (uint64_t)i + 1;
		assert_int_equal(hl_elect_init(&e[i], &cfg, 0, 0, 10 + (uint64_t)i, 0), 0);
	}
	int leaders = 0;
	for (uint64_t now = 0; now < 20 * SEC; now += 10 * MS) {
		for (int k = 0; k < nq; k++) {
			struct hl_elect_msg m;
			struct hl_wire_err err;
			assert_int_equal(
			        hl_elect_wire_decode(q[k].type, q[k].b, q[k].len, &m, &err), 0);
			assert_int_equal(hl_elect_recv(&e[q[k].to], &m, now), 0);
		}
		nq = 0;
		for (int i = 0; i < N; i++) {
			struct hl_elect_action a;
			hl_elect_tick(&e[i], now);
			while (hl_elect_next_action(&e[i], &a) == 1) {
				if (a.kind == HL_ELECT_ACT_PERSIST)
					hl_elect_persisted(&e[i], a.term);
				if (a.kind != HL_ELECT_ACT_SEND)
					continue;
				for (int j = 0; j < N; j++) {
					if (j == i ||
					        (a.msg.to != 0 && a.msg.to != (uint64_t)j + 1))
						continue;
					assert_true(nq < Q);
					q[nq].to = j;
					assert_int_equal(
					        hl_elect_wire_encode(&a.msg, HL_TIER_MANAGER, 5000,
					                &q[nq].type, q[nq].b, sizeof(q[nq].b),
					                &q[nq].len),
					        0);
					nq++;
				}
			}
		}
		leaders = 0;
		for (int i = 0; i < N; i++)
			leaders += hl_elect_is_leader(&e[i], now);
		assert_true(leaders <= 1);
	}
	assert_int_equal(leaders, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trips),
	        cmocka_unit_test(test_election_over_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
