/* hl_gate_wire.h — gate tier and client messages (struct hl_gmsg, with its nested job record) to
 * and from their lib/wire bodies; the type-by-type mapping is in docs/coord-wire.md. Every field
 * travels (`from`/`to` included, the idempotency key as bytes, the record whole), so a decoded
 * message equals the one encoded. Where types share a wire message (SUBMIT/DC_SUBMIT,
 * SUBMIT_ACK/DC_ACCEPT, REC_PUT/REC_DATA/KEY_DATA, REC_FETCH/KEY_FETCH, DC_RESULT/FWD_RESULT,
 * DC_RESULT_ACK/DC_REPORT_ACK, DC_REPORT/FWD_REPORT) all but the first carry key 51
 * coord_type = their hl_gmsg_type; absent means the first.
 *
 * Value domains the wire enforces (the encoder refuses, never truncates): status, rec.final and
 * rec.dc_status[] <= HL_WS_MAX, code 0 or a negative error down to -65535 (KEY_DATA: any int32,
 * it is no error), key_len and rec.key_len <= HL_IDEM_KEY_MAX, rec.ndc <= HL_GATE_JOB_DCS,
 * ppm <= 1000000, ref < HL_GATE_JOB_REPORTS, rec.nrep <= HL_GATE_JOB_REPORTS, and in rep and
 * rec.rep[]: error as code, ok 0 or 1. Key bytes past key_len are not carried (zero after
 * decoding). */
#ifndef HL_GATE_WIRE_H
#define HL_GATE_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "hl_gate.h"
#include "hl_msg.h"

/** Encode m into buf[cap]; *type gets the wire type, *len the body size. Errors: -EINVAL
 *  (unknown type, a value outside its domain), or the wire encoder's (-HL_E_BAD_VALUE,
 *  -HL_E_OVERSIZE when cap is too small). */
int
hl_gate_wire_encode(const struct hl_gmsg *m, unsigned *type, void *buf, size_t cap, size_t *len);

/** Same, with the structured error of a failure in *err. */
int hl_gate_wire_encode_err(const struct hl_gmsg *m, unsigned *type, void *buf, size_t cap,
        size_t *len, struct hl_wire_err *err);

/** Decode a body of wire type `type` into m (zeroed first). -HL_E_UNKNOWN_MSG for a type that is
 *  no gate message, the decoder's error, or -HL_E_BAD_VALUE (a tier other than gate, an unknown
 *  coord_type, a lease/workflow list not of exactly one entry, a record status out of range).
 *  *err is always filled on failure. */
int hl_gate_wire_decode(
        unsigned type, const void *body, size_t len, struct hl_gmsg *m, struct hl_wire_err *err);

/** True if type is a wire type some hl_gmsg_type maps to. */
bool hl_gate_wire_type(unsigned type);

#endif
