/* hl_client.h — blocking client for a node's client API (used by hlctl and the node's --demo):
 * connect, send a request frame, receive frames (replies and pushed progress). */
#ifndef HL_CLIENT_H
#define HL_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "hl_cproto.h"

struct hl_client {
	int fd;
	uint8_t *buf; /* receive buffer, HL_CPROTO_MAX_BODY + frame overhead */
	size_t len; /* bytes buffered */
	size_t consumed; /* length of the frame handed out by the last recv */
	uint8_t *tx; /* send scratch */
};

/** Connect to "host:port" (IPv4 or name). Returns 0 or a negative errno; err gets the reason. */
int
hl_client_connect(struct hl_client *c, const char *addr, int timeout_ms, char *err, size_t errlen);
/** Encode and send one frame; body of n bytes. 0 or negative errno. */
int hl_client_send(struct hl_client *c, unsigned type, const void *body, uint32_t n);
/** Wait up to timeout_ms (-1 forever) for one frame. Returns 1 with *h and *body set (valid
 * until the next call), 0 on timeout, -ECONNRESET when the node closed, or a negative error. */
int
hl_client_recv(struct hl_client *c, int timeout_ms, struct hl_cproto_hdr *h, const uint8_t **body);
void hl_client_close(struct hl_client *c);

/** Scratch buffer for encoding request bodies (HL_CPROTO_MAX_BODY bytes). */
static inline uint8_t *
hl_client_scratch(struct hl_client *c)
{
	return c->tx + HL_CPROTO_HDR;
}

#endif

/* ---- request helpers (hlctl and the demo share them) ---- */

typedef void (*hl_client_progress_fn)(const struct hl_cp_progress *p, void *arg);

/** Send a request and wait for its reply of type want (PROGRESS frames seen meanwhile go to
 * cb). Returns 0 with *h / *body set, -(node's error code) with the node's message in err when
 * it answered ERROR, or a transport error (-ECONNRESET, -ETIMEDOUT, -HL_E_BAD_CRC...). */
int hl_client_call(struct hl_client *c, unsigned type, const void *body, uint32_t n, unsigned want,
        int timeout_ms, hl_client_progress_fn cb, void *arg, struct hl_cproto_hdr *h,
        const uint8_t **rbody, char *err, size_t errlen);
int hl_client_submit(struct hl_client *c, const char *ini, size_t len, uint64_t *id,
        hl_client_progress_fn cb, void *arg, char *err, size_t errlen);
/** Watch job id until it reaches a terminal state; *state gets it. */
int hl_client_wait(struct hl_client *c, uint64_t id, hl_client_progress_fn cb, void *arg,
        uint32_t *state, char *err, size_t errlen);
int hl_client_result(
        struct hl_client *c, uint64_t id, struct hl_cp_result *r, char *err, size_t errlen);
