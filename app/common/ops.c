/* ops.c — request/reply helpers over the blocking client: submit, wait with progress, fetch
 * results, cancel, status, nodes (the sequences are listed in hl_client_msg.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hl_client.h"
#include "hl_err.h"

#define REPLY_MS 10000

static void
transport_err(struct hl_client *c, int rc, const struct hl_wire_err *we, char *err, size_t errlen)
{
	char w[256];
	if (rc == -HL_E_WRONG_CLUSTER)
		snprintf(err, errlen,
		        "the node answered for another cluster (its cluster-id hash 0x%08" PRIx64
		        ", ours 0x%08x): set --cluster-id or HYPERLINE_CLUSTER_ID to the node's "
		        "[node] cluster_id",
		        we->actual, c->cfg.cluster);
	else if (rc == -ECONNRESET)
		snprintf(err, errlen, "the node closed the connection");
	else if (we->kind != 0 && hl_wire_err_fmt(we, w, sizeof(w)) >= 0)
		snprintf(err, errlen, "bad reply from the node: %s", w);
	else
		snprintf(err, errlen, "%s", hl_strerror(rc));
}

int
hl_client_call(struct hl_client *c, unsigned type, const void *req, unsigned want, int timeout_ms,
        hl_client_progress_fn cb, void *arg, const union hl_cp_msg **reply, char *err,
        size_t errlen)
{
	struct hl_wire_err we;
	int rc;
	if (type && (rc = hl_client_send(c, type, req, &we)) < 0) {
		snprintf(err, errlen, "send %s: %s", hl_msg_name(type), hl_strerror(rc));
		return rc;
	}
	for (;;) {
		unsigned t;
		const union hl_cp_msg *m;
		rc = hl_client_recv(c, timeout_ms, &t, &m, &we);
		if (rc == 0) {
			snprintf(err, errlen, "no reply from the node within %d ms", timeout_ms);
			return -ETIMEDOUT;
		}
		if (rc < 0) {
			transport_err(c, rc, &we, err, errlen);
			return rc;
		}
		if (t == want) {
			*reply = m;
			return 0;
		}
		if (t == HL_MSG_error) {
			snprintf(err, errlen, "%s", hl_cp_error_text(&m->error));
			return m->error.code ? -(int)m->error.code : -EPROTO;
		}
		if (t == HL_MSG_status_push) {
			struct hl_cp_progress p;
			if (hl_cp_progress_from_msg(&m->status_push, &p) < 0) {
				snprintf(err, errlen,
				        "status_push with an unknown job status %" PRIu64,
				        m->status_push.status);
				return -HL_E_BAD_VALUE;
			}
			if (cb)
				cb(&p, arg);
			continue;
		}
		snprintf(err, errlen, "unexpected %s from the node (waiting for %s)",
		        hl_msg_name(t), hl_msg_name(want));
		return -EPROTO;
	}
}

int
hl_client_submit(struct hl_client *c, const char *ini, size_t len, uint64_t *id,
        hl_client_progress_fn cb, void *arg, char *err, size_t errlen)
{
	const union hl_cp_msg *r;
	struct hl_msg_job_submit *m = &c->req->job_submit;
	struct timespec ts;
	if (len > HL_WIRE_SPEC_MAX) {
		snprintf(err, errlen, "job profile of %zu bytes is over the %u-byte limit", len,
		        HL_WIRE_SPEC_MAX);
		return -HL_E_OVERSIZE;
	}
	memset(m, 0, sizeof(*m));
	/* the profile is data the node parses; workflows stay empty (the spec defines them) */
	m->spec.p = (const uint8_t *)ini;
	m->spec.len = (uint32_t)len;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(m->idem_key, sizeof(m->idem_key), "hlctl-%ld-%lld.%09ld", (long)getpid(),
	        (long long)ts.tv_sec, ts.tv_nsec);
	int rc = hl_client_call(
	        c, HL_MSG_job_submit, m, HL_MSG_job_ack, REPLY_MS, cb, arg, &r, err, errlen);
	if (rc < 0)
		return rc;
	if (!r->job_ack.accepted) {
		snprintf(err, errlen, "%s", r->job_ack.reason);
		return r->job_ack.code ? -(int)r->job_ack.code : -EPROTO;
	}
	*id = r->job_ack.job_id;
	return 0;
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
	const union hl_cp_msg *r;
	struct hl_msg_register_callback *m = &c->req->register_callback;
	memset(m, 0, sizeof(*m));
	m->job_id = id;
	/* pushes already on their way (the submitter watches from the start) reach wait_cb */
	int rc = hl_client_call(c, HL_MSG_register_callback, m, HL_MSG_register_callback_reply,
	        REPLY_MS, wait_cb, &w, &r, err, errlen);
	if (rc < 0)
		return rc;
	if (!r->register_callback_reply.accepted) {
		snprintf(err, errlen, "the node refused to watch job %" PRIu64, id);
		return r->register_callback_reply.code ? -(int)r->register_callback_reply.code
		                                       : -EPROTO;
	}
	/* the node replays the current state next, then pushes until the job ends */
	while (!w.done) {
		rc = hl_client_call(
		        c, 0, NULL, HL_MSG_status_push, -1, NULL, NULL, &r, err, errlen);
		if (rc < 0)
			return rc;
		struct hl_cp_progress p;
		if ((rc = hl_cp_progress_from_msg(&r->status_push, &p)) < 0) {
			snprintf(err, errlen, "status_push with an unknown job status %" PRIu64,
			        r->status_push.status);
			return rc;
		}
		wait_cb(&p, &w);
	}
	*state = w.state;
	return 0;
}

int
hl_client_result(
        struct hl_client *c, uint64_t id, struct hl_cp_result *res, char *err, size_t errlen)
{
	const union hl_cp_msg *r;
	struct hl_msg_job_result_query *m = &c->req->job_result_query;
	memset(m, 0, sizeof(*m));
	m->job_id = id;
	int rc = hl_client_call(c, HL_MSG_job_result_query, m, HL_MSG_job_result, REPLY_MS, NULL,
	        NULL, &r, err, errlen);
	if (rc == 0 && (rc = hl_cp_result_from_msg(&r->job_result, res)) < 0)
		snprintf(err, errlen, "malformed job_result: %s", hl_strerror(rc));
	return rc;
}

int
hl_client_cancel(struct hl_client *c, uint64_t id, char *err, size_t errlen)
{
	const union hl_cp_msg *r;
	struct hl_msg_job_cancel *m = &c->req->job_cancel;
	memset(m, 0, sizeof(*m));
	m->job_id = id;
	int rc = hl_client_call(c, HL_MSG_job_cancel, m, HL_MSG_job_cancel_reply, REPLY_MS, NULL,
	        NULL, &r, err, errlen);
	if (rc == 0 && !r->job_cancel_reply.accepted) {
		snprintf(err, errlen, "%s", r->job_cancel_reply.text);
		rc = r->job_cancel_reply.code ? -(int)r->job_cancel_reply.code : -EPROTO;
	}
	return rc;
}

int
hl_client_status(
        struct hl_client *c, uint64_t id, struct hl_cp_status *st, char *err, size_t errlen)
{
	const union hl_cp_msg *r;
	struct hl_msg_job_status_query *m = &c->req->job_status_query;
	memset(m, 0, sizeof(*m));
	m->job_id = id;
	int rc = hl_client_call(c, HL_MSG_job_status_query, m, HL_MSG_job_status, REPLY_MS, NULL,
	        NULL, &r, err, errlen);
	if (rc == 0 && (rc = hl_cp_status_from_msg(&r->job_status, st)) < 0)
		snprintf(err, errlen, "malformed job_status: %s", hl_strerror(rc));
	return rc;
}

int
hl_client_nodes(struct hl_client *c, struct hl_cp_nodes *nd, char *err, size_t errlen)
{
	const union hl_cp_msg *r;
	struct hl_msg_nodes_query *m = &c->req->nodes_query;
	memset(m, 0, sizeof(*m));
	int rc = hl_client_call(c, HL_MSG_nodes_query, m, HL_MSG_nodes_reply, REPLY_MS, NULL, NULL,
	        &r, err, errlen);
	if (rc == 0 && (rc = hl_cp_nodes_from_msg(&r->nodes_reply, nd)) < 0)
		snprintf(err, errlen, "malformed nodes_reply: %s", hl_strerror(rc));
	return rc;
}
