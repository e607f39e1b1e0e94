/* hl_dc_wire.h — DC tier messages (struct hl_dc_msg) to and from their lib/wire bodies, one wire
 * message per kind (table in hl_dc.h, key by key in docs/coord-wire.md). Every field of the struct
 * travels, `from` and `to` included (keys sender/dest or the message's own node field), so a
 * decoded message equals the one encoded and the receiver can check it was meant for it.
 *
 * Value domains the wire enforces (the encoder refuses, never truncates): status <= HL_WS_MAX,
 * bp <= HL_BP_MAX, ok 0 or 1, code 0 or a negative error down to -65535, attempt <= 65535 in
 * DISPATCH and RESULT (wider elsewhere). A DISPATCH carries no compiled spec (the core has none);
 * the host adds it. */
#ifndef HL_DC_WIRE_H
#define HL_DC_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "hl_dc.h"
#include "hl_msg.h"

/** Encode m into buf[cap]; *type gets the wire type, *len the body size. Errors: -EINVAL (unknown
 *  kind, ok > 1, code out of its domain), or the wire encoder's (-HL_E_BAD_VALUE for a value
 *  over its bound, -HL_E_OVERSIZE when cap is too small). */
int
hl_dc_wire_encode(const struct hl_dc_msg *m, unsigned *type, void *buf, size_t cap, size_t *len);

/** Same, with the structured error of a failure in *err. */
int hl_dc_wire_encode_err(const struct hl_dc_msg *m, unsigned *type, void *buf, size_t cap,
        size_t *len, struct hl_wire_err *err);

/** Decode a body of wire type `type` into m (zeroed first). -HL_E_UNKNOWN_MSG for a type that is
 *  no DC message, the decoder's error (truncated, oversize, bad type, too deep, ...), or
 *  -HL_E_BAD_VALUE for a list that must hold exactly one entry and does not, or a value wider
 *  than its struct field. *err is always filled on failure (kind, msg_type, key, actual, limit). */
int hl_dc_wire_decode(
        unsigned type, const void *body, size_t len, struct hl_dc_msg *m, struct hl_wire_err *err);

/** As hl_dc_wire_encode_err, plus what the manager role's envelope adds (manager_wire.c): the
 *  relaying node's own sender and addressee in keys 60/61 (0: not sent) when a node passes on
 *  a message that is not its own, and for DISPATCH the workflow's profile text in key 12 (up to
 *  HL_WIRE_WF_SPEC_MAX; NULL/0: empty). -EINVAL for a spec on another kind or a NULL spec with
 *  a length, -HL_E_OVERSIZE for a spec over the bound. */
int hl_dc_wire_encode_ext(const struct hl_dc_msg *m, uint64_t relay_sender, uint64_t relay_dest,
        const void *spec, size_t spec_len, unsigned *type, void *buf, size_t cap, size_t *len,
        struct hl_wire_err *err);

/** As hl_dc_wire_decode, plus keys 60/61 (0 when absent) and a DISPATCH's spec (*spec points
 *  into body, NULL/0 when empty or another kind). */
int hl_dc_wire_decode_ext(unsigned type, const void *body, size_t len, struct hl_dc_msg *m,
        uint64_t *relay_sender, uint64_t *relay_dest, const uint8_t **spec, size_t *spec_len,
        struct hl_wire_err *err);

/** True if type is one of the ten DC tier wire types. */
bool hl_dc_wire_type(unsigned type);

/* ---- shared with gate_wire.c: struct field <-> wire key placement (not for hosts) ---- */

/** Where a core struct field lives in a wire message: top-level key, and for a REC/RECL/U64L
 *  field the key inside its (first and only) record, 0 for a U64L element. */
struct hl_cwire_slot {
	uint8_t fld; /* the module's field id */
	uint8_t key;
	uint8_t sub;
};

/** Locate slot (key, sub) in the wire struct wm of type: *p and *kind (enum hl_wire_kind) of the
 *  scalar. Encoding (enc) sets a list's count to 1; decoding requires it to be exactly 1
 *  (-HL_E_BAD_VALUE, err filled). -EINVAL if the table has no such key (a mapping bug). */
int hl_cwire_at(unsigned type, void *wm, uint8_t key, uint8_t sub, bool enc, uint8_t **p,
        uint8_t *kind, struct hl_wire_err *err);
/** Store v into a U64 or BOOL scalar (-EINVAL for a BOOL above 1). */
int hl_cwire_put(uint8_t kind, uint8_t *p, uint64_t v);
/** Read a U64 or BOOL scalar. */
uint64_t hl_cwire_get(uint8_t kind, const uint8_t *p);
/** Fill err (kind = -rc) and return rc. */
int hl_cwire_fail(struct hl_wire_err *err, int rc, unsigned type, unsigned key, unsigned sub,
        uint64_t actual, uint64_t limit);
/** int32 error code <-> the wire's positive code. */
int hl_cwire_code_put(int32_t code, uint64_t *v);
/** Packet counts in a stream_result record (workflow_result, job_result and status_push
 *  `totals`): the record's tx_pkts, rx_pkts and lost, nothing else. */
void hl_cwire_counts_put(struct hl_rec_stream_result *w, const struct hl_counts *c);
struct hl_counts hl_cwire_counts_get(const struct hl_rec_stream_result *w);

#endif
