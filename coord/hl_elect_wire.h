/* hl_elect_wire.h — election messages (struct hl_elect_msg) to and from their lib/wire bodies:
 * pre_vote_req/resp, vote_req/resp, leader_heartbeat, leader_heartbeat_ack. The destination is
 * the transport's business (decoded messages are addressed "to me"); the sender's id travels in
 * the candidate/voter/leader/node field. Pre-vote responses carry the proposed term. Every
 * message carries its tier: key 1, or in leader_heartbeat_ack (which has no tier field of its
 * own) the extension key 57. */
#ifndef HL_ELECT_WIRE_H
#define HL_ELECT_WIRE_H

#include <stddef.h>

#include "hl_elect.h"
#include "hl_msg.h"

/** Encode m for tier (HL_TIER_MANAGER / HL_TIER_GATE); lease_ms goes in heartbeats. *type gets
 *  the wire type. Errors: -EINVAL (unknown kind), or the wire encoder's (-HL_E_OVERSIZE...). */
int hl_elect_wire_encode(const struct hl_elect_msg *m, unsigned tier, uint64_t lease_ms,
        unsigned *type, void *buf, size_t cap, size_t *len);

/** Decode a body of wire type `type` into m. -HL_E_UNKNOWN_MSG for a non-election type,
 *  -HL_E_BAD_VALUE for a term above 2^32 - 1 or a zero sender, or the decoder's error. */
int hl_elect_wire_decode(unsigned type, const void *body, size_t len, struct hl_elect_msg *m,
        struct hl_wire_err *err);

/** As hl_elect_wire_encode, plus the addressee `dest` in key 33 (0: not sent; m->to is not
 *  carried) and the structured error of a failure in *err (manager_wire.c's envelope). */
int hl_elect_wire_encode_ext(const struct hl_elect_msg *m, unsigned tier, uint64_t lease_ms,
        uint64_t dest, unsigned *type, void *buf, size_t cap, size_t *len, struct hl_wire_err *err);

/** As hl_elect_wire_decode, plus the message's tier (*tier, 0 for a heartbeat ack without key
 *  57) and key 33 (*dest, 0 when absent); m->to is left 0. *err is filled on every failure. */
int hl_elect_wire_decode_ext(unsigned type, const void *body, size_t len, struct hl_elect_msg *m,
        unsigned *tier, uint64_t *dest, struct hl_wire_err *err);

#endif
