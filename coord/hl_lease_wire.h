/* hl_lease_wire.h — job lease batches to and from their lib/wire bodies: lease_grant (issuer ->
 * holder: grants, renewals and re-issues alike), lease_renew and lease_release (holder ->
 * issuer). One message carries up to HL_WIRE_MAX_LEASES leases of one holder (batch renewal). */
#ifndef HL_LEASE_WIRE_H
#define HL_LEASE_WIRE_H

#include <stddef.h>

#include "hl_lease.h"
#include "hl_msg.h"

/** Encode n grants for `holder` (all must name it). -EMSGSIZE if n > HL_WIRE_MAX_LEASES (split
 *  the batch), -EINVAL for a grant of another holder, or the encoder's error. */
int hl_lease_wire_encode_grants(unsigned tier, uint32_t term, uint64_t holder,
        const struct hl_lease_grant *g, size_t n, void *buf, size_t cap, size_t *len);

/** Decode a lease_grant body: at most cap grants into out, *n set, *holder the addressee.
 *  -EMSGSIZE if it carries more than cap, -HL_E_BAD_VALUE for job 0 or a record naming another
 *  holder, or the decoder's error. */
int hl_lease_wire_decode_grants(const void *body, size_t len, uint64_t *holder,
        struct hl_lease_grant *out, size_t cap, size_t *n, struct hl_wire_err *err);

/** Encode renewal or release refs (type HL_MSG_lease_renew / HL_MSG_lease_release). */
int hl_lease_wire_encode_refs(unsigned type, unsigned tier, uint32_t term, uint64_t holder,
        const struct hl_lease_ref *r, size_t n, void *buf, size_t cap, size_t *len);

/** Decode renewal or release refs; same errors as for grants. */
int hl_lease_wire_decode_refs(unsigned type, const void *body, size_t len, uint64_t *holder,
        struct hl_lease_ref *out, size_t cap, size_t *n, struct hl_wire_err *err);

#endif
