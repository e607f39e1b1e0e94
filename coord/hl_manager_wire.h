/* hl_manager_wire.h — the manager role's envelope (struct hl_mmsg, hl_manager.h) to and from its
 * lib/wire bodies; the kind-by-kind mapping is in docs/coord-wire.md ("Manager tier"):
 *
 *   ELECT               pre_vote_req/resp, vote_req/resp, leader_heartbeat(_ack) (elect_wire.c)
 *   GRANT/RENEW/RELEASE lease_grant / lease_renew / lease_release, one message per hl_mmsg
 *   REC_PUT, REC_DATA   job_record_append (the record body in key 59, REC_DATA's fence in 62)
 *   REC_ACK, REC_FETCH, REC_FORGET, ORPHAN   job_record_ack / _fetch / _forget / _orphan
 *   DC                  the ten DC tier messages (dc_wire.c)
 *   GATE                the relayed gate message: job_submit (DC_SUBMIT) / job_result_ack
 *                       (DC_RESULT_ACK)
 *
 * Telling the manager tier apart. Messages with a tier field carry HL_TIER_MANAGER (key 1; the
 * heartbeat ack key 57). Messages the gate tier uses too carry coord_type (key 51) =
 * HL_MANAGER_WIRE_CTYPE(kind) = 128 + kind, a range no hl_gmsg_type reaches: the gate decoder
 * refuses them, and this decoder answers -HL_E_UNKNOWN_MSG for a gate message (tier gate, or
 * coord_type absent / below 128), so a host tries hl_manager_wire_decode first, then
 * hl_gate_wire_decode.
 *
 * Every field that carries information travels (`from` and `to` included; a DC message one node
 * passes on for another keeps the relaying node as `from` in keys 60/61). The comparison that
 * holds: decode(encode(m)) equals canon(m) byte for byte over hl_mmsg_size(m), where canon(m) is
 * m with every byte not listed for its kind zeroed (padding included):
 *
 *   all kinds    kind, from, to
 *   ELECT        u.e.{kind, from, term}, u.e.to := m->to (the core addresses a broadcast to each
 *                member in turn: u.e.to is 0 or m->to), and by elect kind: requests u.e.lhm,
 *                responses u.e.granted, heartbeats u.e.seq, acks u.e.{seq, granted}; the
 *                election fields the receiver does not read (lhm outside requests, ...) are not
 *                carried
 *   GRANT        u.g, t0                  RENEW    n, u.refs[0..n), t0
 *   RELEASE      n (= 1), u.refs[0]       REC_PUT  u.rec.{job, token, version, len}, body[len]
 *   REC_ACK      u.rec.{job, token, version}, code
 *   REC_FETCH    u.rec.job, fence         REC_DATA u.rec.{job, token, version, len}, body,
 *                                                  fence, status
 *   REC_FORGET   u.rec.job, fence, status, code
 *   ORPHAN       u.rec.job                DC       u.d (all of it)
 *   GATE         u.gate.{type, code, job, gate, token}
 *
 * Every message hl_manager hands out is such that canon(m) differs from m only in the ELECT
 * fields named above (tests/unit/coord/test_manager_wire.c runs three managers and a worker with
 * every message through the codec and checks this).
 *
 * Value domains (the encoder refuses, never truncates; -EINVAL with err naming the key, the
 * value and its bound; what a body can hold beyond them the decoder refuses, -HL_E_BAD_VALUE:
 * a "finished" flag above 1, a lease list of the wrong length, a lease record naming another
 * holder, a zero election sender, a term over 32 bits):
 *   the header fields a kind does not list above (n, status, code, t0, fence) and the unlisted
 *   u.rec fields are 0; ELECT: u.e.kind valid, u.e.from != 0 and == from, u.e.to 0 or == to,
 *   request lhm <= HL_LHM_MAX; GRANT: u.g.holder == to, u.g.duration_ns a whole number of
 *   milliseconds <= 2^32 - 1 ms (the table's ttl_ms); RENEW: n 1..HL_MANAGER_BATCH; RELEASE:
 *   n == 1; REC_PUT/REC_DATA: u.rec.len <= HL_JREC_BODY_MAX (-HL_E_OVERSIZE); REC_DATA and
 *   REC_FORGET: status 0 or 1; REC_FORGET: code 0..HL_WS_MAX (a final status, no error);
 *   REC_ACK and GATE: code 0 or a negative error >= -65535; GATE: u.gate.type HL_GM_DC_SUBMIT or
 *   HL_GM_DC_RESULT_ACK; DC: hl_dc_wire's domains, and a `from`/`to` that differs from u.d's is
 *   not 0. */
#ifndef HL_MANAGER_WIRE_H
#define HL_MANAGER_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "hl_manager.h"
#include "hl_msg.h"

/* coord_type (key 51) of a manager-tier message: 128 + enum hl_mmsg_kind. */
#define HL_MANAGER_WIRE_CTYPE(kind) (128u + (unsigned)(kind))

/* spec/spec_len: an optional host payload carried beside the core's message: for REC_PUT and
 * REC_DATA the job profile text (job_record_append key 11 `spec`, BIN up to HL_WIRE_SPEC_MAX),
 * for kind DC with u.d.kind == HL_DC_DISPATCH the workflow's profile text (workflow_dispatch
 * key 12 `spec`, up to HL_WIRE_WF_SPEC_MAX). NULL/0 = none. Other kinds: must be NULL/0 (-EINVAL). */
int hl_manager_wire_encode(const struct hl_mmsg *m, const void *spec, size_t spec_len,
        unsigned *type, void *buf, size_t cap, size_t *len, struct hl_wire_err *err);
/* Decode a body of wire type `type` into m (zeroed first). *spec, *spec_len point into body (valid
 * while body is), NULL/0 when absent. -HL_E_UNKNOWN_MSG for a type/tier that is no manager-role
 * message (e.g. a gate-tier election or record message: tier key says gate), the decoder's error
 * otherwise; err always filled on failure. */
int hl_manager_wire_decode(unsigned type, const void *body, size_t len, struct hl_mmsg *m,
        const uint8_t **spec, size_t *spec_len, struct hl_wire_err *err);

#endif
