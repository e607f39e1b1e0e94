/* test_lease_wire.c — job lease batches through the lib/wire codec: round trips, bounds, hostile
 * input, and a renewal cycle issuer -> holder -> issuer entirely over encoded bodies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hl_err.h"
#include "hl_lease_wire.h"

#define SEC 1000000000ULL

static uint8_t buf[16384];

static void
test_grants_and_refs(void **state)
{
	struct hl_lease_grant g[HL_WIRE_MAX_LEASES + 1], out[HL_WIRE_MAX_LEASES];
	struct hl_lease_ref r[3] = {{1, 10}, {2, 20}, {3, 30}}, ro[3];
	struct hl_wire_err err;
	uint64_t holder;
	size_t len, n;
	(void)state;

	for (int i = 0; i <= HL_WIRE_MAX_LEASES; i++)
		g[i] = (struct hl_lease_grant){
		        (uint64_t)i + 1, 7, hl_fence_make(3, (uint32_t)i + 1), 30 * SEC};
	assert_int_equal(hl_lease_wire_encode_grants(HL_TIER_MANAGER, 3, 7, g, HL_WIRE_MAX_LEASES,
	                         buf, sizeof(buf), &len),
	        0);
	assert_int_equal(
	        hl_lease_wire_decode_grants(buf, len, &holder, out, HL_WIRE_MAX_LEASES, &n, &err),
	        0);
	assert_int_equal(n, HL_WIRE_MAX_LEASES);
	assert_int_equal(holder, 7);
	assert_memory_equal(out, g, sizeof(out));
	/* Bounds: too many for one message, too many for the caller's array, wrong holder. */
	assert_int_equal(hl_lease_wire_encode_grants(HL_TIER_MANAGER, 3, 7, g,
	                         HL_WIRE_MAX_LEASES + 1, buf, sizeof(buf), &len),
	        -EMSGSIZE);
	assert_int_equal(
	        hl_lease_wire_encode_grants(HL_TIER_MANAGER, 3, 7, g, 4, buf, sizeof(buf), &len),
	        0);
	assert_int_equal(
	        hl_lease_wire_decode_grants(buf, len, &holder, out, 3, &n, &err), -EMSGSIZE);
	for (size_t cut = 0; cut < len; cut++)
		assert_true(hl_lease_wire_decode_grants(buf, cut, &holder, out, 8, &n, &err) < 0);
	g[0].holder = 8;
	assert_int_equal(
	        hl_lease_wire_encode_grants(HL_TIER_MANAGER, 3, 7, g, 1, buf, sizeof(buf), &len),
	        -EINVAL);
	/* A forged record naming another holder, or job 0, is refused. */
	struct hl_msg_lease_grant m;
	memset(&m, 0, sizeof(m));
	m.tier = HL_TIER_MANAGER;
	m.term = 3;
	m.holder = 7;
	m.leases.n = 1;
	m.leases.v[0] = (struct hl_rec_lease_rec){.job_id = 5, .token = 1, .holder = 9};
	assert_int_equal(hl_msg_lease_grant_encode(&m, buf, sizeof(buf), &len, &err), 0);
	assert_int_equal(
	        hl_lease_wire_decode_grants(buf, len, &holder, out, 8, &n, &err), -HL_E_BAD_VALUE);
	m.leases.v[0].holder = 0;
	m.leases.v[0].job_id = 0;
	assert_int_equal(hl_msg_lease_grant_encode(&m, buf, sizeof(buf), &len, &err), 0);
	assert_int_equal(
	        hl_lease_wire_decode_grants(buf, len, &holder, out, 8, &n, &err), -HL_E_BAD_VALUE);
	/* Refs: renew and release. */
	for (unsigned t = HL_MSG_lease_renew; t <= HL_MSG_lease_release; t++) {
		assert_int_equal(hl_lease_wire_encode_refs(
		                         t, HL_TIER_GATE, 3, 7, r, 3, buf, sizeof(buf), &len),
		        0);
		assert_int_equal(
		        hl_lease_wire_decode_refs(t, buf, len, &holder, ro, 3, &n, &err), 0);
		assert_int_equal(n, 3);
		assert_memory_equal(ro, r, sizeof(r));
	}
	assert_int_equal(hl_lease_wire_encode_refs(
	                         HL_MSG_lease_grant, HL_TIER_GATE, 3, 7, r, 3, buf, 64, &len),
	        -EINVAL);
	assert_int_equal(
	        hl_lease_wire_decode_refs(HL_MSG_vote_req, buf, len, &holder, ro, 3, &n, &err),
	        -HL_E_UNKNOWN_MSG);
}

/* Issue -> holder -> batch renewal -> issuer -> holder, every hop over an encoded body. */
static void
test_renewal_cycle_over_wire(void **state)
{
	struct hl_lease_cfg cfg;
	struct hl_lease_table t;
	struct hl_lease_holder h;
	struct hl_lease_grant g[4], dec[8];
	struct hl_lease_ref refs[8], rdec[8];
	struct hl_wire_err err;
	int rc[8];
	uint64_t holder;
	size_t len, n;
	(void)state;

	hl_lease_cfg_default(&cfg);
	cfg.max_jobs = 8;
	assert_int_equal(hl_lease_table_init(&t, &cfg), 0);
	assert_int_equal(hl_lease_holder_init(&h, 7, &cfg), 0);
	hl_lease_member_set(&t, 7, true);
	hl_lease_set_term(&t, 2);
	for (int i = 0; i < 4; i++)
		assert_int_equal(hl_lease_issue(&t, 100 + (uint64_t)i, 7, 0, &g[i]), 0);
	assert_int_equal(
	        hl_lease_wire_encode_grants(HL_TIER_MANAGER, 2, 7, g, 4, buf, sizeof(buf), &len),
	        0);
	assert_int_equal(hl_lease_wire_decode_grants(buf, len, &holder, dec, 8, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hl_lease_holder_apply(&h, &dec[i], 0), 0);
	size_t nr = hl_lease_holder_renewals(&h, 20 * SEC, refs, 8);
	assert_int_equal(nr, 4);
	assert_int_equal(hl_lease_wire_encode_refs(HL_MSG_lease_renew, HL_TIER_MANAGER, 2, 7, refs,
	                         nr, buf, sizeof(buf), &len),
	        0);
	assert_int_equal(
	        hl_lease_wire_decode_refs(HL_MSG_lease_renew, buf, len, &holder, rdec, 8, &n, &err),
	        0);
	assert_int_equal(hl_lease_renew(&t, holder, rdec, n, 20 * SEC, dec, rc), 4);
	assert_int_equal(
	        hl_lease_wire_encode_grants(HL_TIER_MANAGER, 2, 7, dec, 4, buf, sizeof(buf), &len),
	        0);
	assert_int_equal(hl_lease_wire_decode_grants(buf, len, &holder, g, 4, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(hl_lease_holder_apply(&h, &g[i], 20 * SEC), 0);
	assert_true(hl_lease_holder_valid(&h, 100, 45 * SEC, NULL)); /* renewed past 29 s */
	hl_lease_holder_fini(&h);
	hl_lease_table_fini(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_grants_and_refs),
	        cmocka_unit_test(test_renewal_cycle_over_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
