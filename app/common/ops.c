/* ops.c — request/reply helpers over the blocking client: submit, wait with progress, fetch
 * results. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "hl_client.h"
#include "hl_err.h"

int
hl_client_call(struct hl_client *c, unsigned type, const void *body, uint32_t n, unsigned want,
        int timeout_ms, hl_client_progress_fn cb, void *arg, struct hl_cproto_hdr *h,
        const uint8_t **rbody, char *err, size_t errlen)
{
	int rc;
	if (type && (rc = hl_client_send(c, type, body, n)) < 0) {
		snprintf(err, errlen, "send %s: %s", hl_cproto_type_name(type), hl_strerror(rc));
		return rc;
	}
	for (;;) {
		rc = hl_client_recv(c, timeout_ms, h, rbody);
		if (rc == 0) {
			snprintf(err, errlen, "no reply from the node within %d ms", timeout_ms);
			return -ETIMEDOUT;
		}
		if (rc < 0) {
			snprintf(err, errlen, "%s",
			        rc == -ECONNRESET ? "the node closed the connection"
			                          : hl_strerror(rc));
			return rc;
		}
		if (h->type == want)
			return 0;
		if (h->type == HL_CP_ERROR) {
			struct hl_cp_error e;
			if (hl_cp_dec_error(*rbody, h->body_len, &e) < 0) {
				snprintf(err, errlen, "malformed ERROR from the node");
				return -HL_E_BAD_VALUE;
			}
			snprintf(err, errlen, "%s", e.msg);
			return e.code ? -(int)e.code : -EPROTO;
		}
		if (h->type == HL_CP_PROGRESS) {
			struct hl_cp_progress p;
			if (hl_cp_dec_progress(*rbody, h->body_len, &p) == 0 && cb)
				cb(&p, arg);
			continue;
		}
		snprintf(err, errlen, "unexpected %s from the node", hl_cproto_type_name(h->type));
		return -EPROTO;
	}
}

int
hl_client_submit(struct hl_client *c, const char *ini, size_t len, uint64_t *id,
        hl_client_progress_fn cb, void *arg, char *err, size_t errlen)
{
	struct hl_cproto_hdr h;
	const uint8_t *b;
	int n = hl_cp_enc_submit(hl_client_scratch(c), HL_CPROTO_MAX_BODY, ini, len);
	if (n < 0) {
		snprintf(err, errlen, "job profile of %zu bytes does not fit a frame", len);
		return n;
	}
	/* the scratch area sits where the frame body goes, so the frame is built in place */
	int rc = hl_client_call(c, HL_CP_SUBMIT, hl_client_scratch(c), (uint32_t)n,
	        HL_CP_SUBMIT_ACK, 10000, cb, arg, &h, &b, err, errlen);
	if (rc == 0 && (rc = hl_cp_dec_job_id(b, h.body_len, id)) < 0)
		snprintf(err, errlen, "malformed SUBMIT_ACK");
	return rc;
}

struct wait_ctx {
	hl_client_progress_fn cb;
	void *arg;
	uint64_t id;
	uint32_t state;
	bool done;
};

static void
wait_cb(const struct hl_cp_progress *p, void *arg)
{
	struct wait_ctx *w = arg;
	if (p->job_id != w->id)
		return;
	if (w->cb)
		w->cb(p, w->arg);
	if (p->state >= HL_JOB_COMPLETED) {
		w->state = p->state;
		w->done = true;
	}
}

int
hl_client_wait(struct hl_client *c, uint64_t id, hl_client_progress_fn cb, void *arg,
        uint32_t *state, char *err, size_t errlen)
{
	struct wait_ctx w = {cb, arg, id, 0, false};
	struct hl_cproto_hdr h;
	const uint8_t *b;
	int n = hl_cp_enc_job_id(hl_client_scratch(c), 64, id);
	int rc = hl_client_send(c, HL_CP_WATCH, hl_client_scratch(c), (uint32_t)n);
	if (rc < 0) {
		snprintf(err, errlen, "send WATCH: %s", hl_strerror(rc));
		return rc;
	}
	while (!w.done) {
		struct hl_cp_progress p;
		rc = hl_client_call(
		        c, 0, NULL, 0, HL_CP_PROGRESS, -1, NULL, NULL, &h, &b, err, errlen);
		if (rc < 0)
			return rc;
		if ((rc = hl_cp_dec_progress(b, h.body_len, &p)) < 0) {
			snprintf(err, errlen, "malformed PROGRESS: %s", hl_strerror(rc));
			return rc;
		}
		wait_cb(&p, &w);
	}
	*state = w.state;
	return 0;
}

int
hl_client_result(struct hl_client *c, uint64_t id, struct hl_cp_result *r, char *err, size_t errlen)
{
	struct hl_cproto_hdr h;
	const uint8_t *b;
	int n = hl_cp_enc_job_id(hl_client_scratch(c), 64, id);
	int rc = hl_client_call(c, HL_CP_RESULTS_REQ, hl_client_scratch(c), (uint32_t)n,
	        HL_CP_RESULT, 10000, NULL, NULL, &h, &b, err, errlen);
	if (rc == 0 && (rc = hl_cp_dec_result(b, h.body_len, r)) < 0)
		snprintf(err, errlen, "malformed RESULT: %s", hl_strerror(rc));
	return rc;
}
