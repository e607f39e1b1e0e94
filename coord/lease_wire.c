/* lease_wire.c — job lease batches <-> lib/wire lease_grant / lease_renew / lease_release. */
#include <errno.h>
#include <string.h>

#include "hl_err.h"
#include "hl_lease_wire.h"

#define MS 1000000ULL

int
hl_lease_wire_encode_grants(unsigned tier, uint32_t term, uint64_t holder,
        const struct hl_lease_grant *g, size_t n, void *buf, size_t cap, size_t *len)
{
	struct hl_msg_lease_grant m; /* ~5 KiB: fine on the control core stack */
	struct hl_wire_err err;

	if (n > HL_WIRE_MAX_LEASES)
		return -EMSGSIZE;
	memset(&m, 0, sizeof(m));
	m.tier = tier;
	m.term = term;
	m.holder = holder;
	m.leases.n = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		if (g[i].holder != holder)
			return -EINVAL;
		m.leases.v[i].job_id = g[i].job;
		m.leases.v[i].token = g[i].token;
		m.leases.v[i].ttl_ms = g[i].duration_ns / MS;
		m.leases.v[i].holder = holder;
	}
	return hl_msg_lease_grant_encode(&m, buf, cap, len, &err);
}

int
hl_lease_wire_decode_grants(const void *body, size_t len, uint64_t *holder,
        struct hl_lease_grant *out, size_t cap, size_t *n, struct hl_wire_err *err)
{
	struct hl_msg_lease_grant m;
	int rc = hl_msg_lease_grant_decode(body, len, &m, err);

	if (rc < 0)
		return rc;
	if (m.leases.n > cap)
		return -EMSGSIZE;
	for (uint32_t i = 0; i < m.leases.n; i++) {
		const struct hl_rec_lease_rec *r = &m.leases.v[i];
		if (r->job_id == 0 || (r->holder != 0 && r->holder != m.holder))
			return -HL_E_BAD_VALUE;
		out[i] = (struct hl_lease_grant){r->job_id, m.holder, r->token, r->ttl_ms * MS};
	}
	*holder = m.holder;
	*n = m.leases.n;
	return 0;
}

int
hl_lease_wire_encode_refs(unsigned type, unsigned tier, uint32_t term, uint64_t holder,
        const struct hl_lease_ref *r, size_t n, void *buf, size_t cap, size_t *len)
{
	struct hl_msg_lease_renew m; /* renew and release share one layout */
	struct hl_wire_err err;

	if (type != HL_MSG_lease_renew && type != HL_MSG_lease_release)
		return -EINVAL;
	if (n > HL_WIRE_MAX_LEASES)
		return -EMSGSIZE;
	memset(&m, 0, sizeof(m));
	m.tier = tier;
	m.term = term;
	m.holder = holder;
	m.leases.n = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		m.leases.v[i].job_id = r[i].job;
		m.leases.v[i].token = r[i].token;
	}
	return hl_msg_encode(type, &m, buf, cap, len, &err);
}

int
hl_lease_wire_decode_refs(unsigned type, const void *body, size_t len, uint64_t *holder,
        struct hl_lease_ref *out, size_t cap, size_t *n, struct hl_wire_err *err)
{
	struct hl_msg_lease_renew m;
	int rc;

	if (type != HL_MSG_lease_renew && type != HL_MSG_lease_release)
		return -HL_E_UNKNOWN_MSG;
	rc = hl_msg_decode(type, body, len, &m, err);
	if (rc < 0)
		return rc;
	if (m.leases.n > cap)
		return -EMSGSIZE;
	for (uint32_t i = 0; i < m.leases.n; i++) {
		if (m.leases.v[i].job_id == 0)
			return -HL_E_BAD_VALUE;
		out[i] = (struct hl_lease_ref){m.leases.v[i].job_id, m.leases.v[i].token};
	}
	*holder = m.holder;
	*n = m.leases.n;
	return 0;
}
