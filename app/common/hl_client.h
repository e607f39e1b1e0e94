/* hl_client.h — blocking client for a node's client API (used by hlctl and the node's --demo):
 * connect, send a table message as a framed request, receive frames (replies and pushed
 * progress) through lib/wire's de-framer. */
#ifndef HL_CLIENT_H
#define HL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "hl_client_msg.h"

struct hl_client {
	int fd;
	struct hl_frame_cfg cfg; /* slow plane, our cluster id's hash, HL_CP_MAX_FRAME */
	struct hl_frame_stream rx; /* de-framer over rxbuf (one frame) */
	uint8_t *rxbuf;
	uint8_t *in; /* bytes read from the socket, not yet fed to the de-framer */
	size_t in_len, in_off;
	uint8_t *tx; /* one prefixed frame being sent */
	union hl_cp_msg *msg; /* the message returned by the last recv */
	union hl_cp_msg *req; /* scratch for building a request */
};

/** Connect to "host:port" (IPv4 or name) as a client of cluster_id. Returns 0 or a negative
 * errno; err gets the reason. */
int hl_client_connect(struct hl_client *c, const char *addr, const char *cluster_id, int timeout_ms,
        char *err, size_t errlen);
/** Frame and send one message (struct hl_msg_<name> of type). 0 or a negative error. */
int hl_client_send(struct hl_client *c, unsigned type, const void *msg, struct hl_wire_err *werr);
/** Wait up to timeout_ms (-1 forever) for one message. Returns 1 with *type and *msg set (valid
 * until the next call), 0 on timeout, -ECONNRESET when the node closed, or a negative error
 * (frame or decode errors detailed in *werr). */
int hl_client_recv(struct hl_client *c, int timeout_ms, unsigned *type, const union hl_cp_msg **msg,
        struct hl_wire_err *werr);
void hl_client_close(struct hl_client *c);

/* ---- request helpers (hlctl and the demo share them) ---- */

typedef void (*hl_client_progress_fn)(const struct hl_cp_progress *p, void *arg);

/** Send req (type; none when type is 0) and wait for a reply of type want (status_push seen
 * meanwhile goes to cb). Returns 0 with *reply set, -(node's error code) with the node's text in
 * err when it answered `error`, or a transport error (-ECONNRESET, -ETIMEDOUT,
 * -HL_E_WRONG_CLUSTER, ...). */
int hl_client_call(struct hl_client *c, unsigned type, const void *req, unsigned want,
        int timeout_ms, hl_client_progress_fn cb, void *arg, const union hl_cp_msg **reply,
        char *err, size_t errlen);
int hl_client_submit(struct hl_client *c, const char *ini, size_t len, uint64_t *id,
        hl_client_progress_fn cb, void *arg, char *err, size_t errlen);
/** Watch job id until it reaches a terminal state; *state gets it. */
int hl_client_wait(struct hl_client *c, uint64_t id, hl_client_progress_fn cb, void *arg,
        uint32_t *state, char *err, size_t errlen);
int hl_client_result(
        struct hl_client *c, uint64_t id, struct hl_cp_result *r, char *err, size_t errlen);
int hl_client_cancel(struct hl_client *c, uint64_t id, char *err, size_t errlen);
/** Job summaries: one job, or every job when id is 0. */
int hl_client_status(
        struct hl_client *c, uint64_t id, struct hl_cp_status *st, char *err, size_t errlen);
int hl_client_nodes(struct hl_client *c, struct hl_cp_nodes *nd, char *err, size_t errlen);

#endif
