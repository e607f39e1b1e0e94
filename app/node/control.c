/* control.c — the control core on the main lcore: a libevent loop serving the client API (TCP,
 * lib/wire frames carrying the table's client messages, hl_client_msg.h), the HTTP endpoint
 * (JSON status, Prometheus metrics), a 1 ms tick that drains the progress ring and drives the
 * job path, and batched progress pushes. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "hl_be.h"
#include "hl_err.h"
#include "hl_log.h"
#include "node.h"
#include "peer.h"

/* Client API bounds. Memory per connection stays under FRAME_MAX of input (read high-water
 * mark) plus one frame in its de-framer (allocated on its first bytes) plus OUT_PAUSE + one
 * reply frame of output: past OUT_PAUSE queued the node stops reading that client
 * (back-pressure: its further requests wait in its own socket) and skips its progress pushes;
 * reading resumes once the client drained the queue to OUT_RESUME. A client that drains nothing
 * for STALL_S seconds while output is queued is disconnected (logged, counted). */
#define MAX_CONNS 64
#define MAX_CONNS_PER_PEER 16 /* per source IPv4 address */
#define RETRY_AFTER_S 1 /* told to an over-cap connection */
#define OUT_PAUSE (1u << 20)
#define OUT_RESUME (256u << 10)
#define STALL_S 10
#define FRAME_MAX (HL_FRAME_PREFIX + HL_CP_MAX_FRAME) /* a prefixed frame on the stream */

struct hl_conn {
	bool used, closing, paused;
	bool sniffed; /* first bytes seen: a client (a node link was handed to peer.c) */
	uint64_t id;
	struct in_addr addr;
	struct bufferevent *bev;
	char peer[64];
	uint8_t *fbuf; /* the de-framer's frame buffer (HL_CP_MAX_FRAME), NULL until bytes came */
	struct hl_frame_stream fs;
};

static struct event_base *base;
static struct hl_conn conns[MAX_CONNS];
static uint64_t conn_seq;
static uint8_t *txbuf; /* one prefixed frame being built (control core only) */
static struct hl_frame_cfg fcfg; /* slow plane, this node's cluster_id hash */
static union hl_cp_msg req, rep; /* the request being handled and its reply (control core) */
static char client_bound[64], http_bound[64];
static struct {
	uint64_t accepted, refused, refused_peer, frames_in, frames_bad, errors_sent, pushes,
	        pushes_skipped, reads_paused, stalled_closed, send_errors, internal, node_links;
} ctr;
static struct {
	uint64_t requests, refused, rejected, timeouts;
} hctr; /* HTTP endpoint */

/* ---- sending ---- */

/* Frame msg into txbuf: its length, or 0 when it cannot be encoded (logged, counted). */
static size_t
frame_msg(const char *peer, unsigned type, const void *msg)
{
	size_t n;
	struct hl_wire_err we;
	int rc = hl_cp_frame(&fcfg, type, msg, txbuf, FRAME_MAX, &n, &we);
	if (rc < 0) {
		char w[200];
		hl_wire_err_fmt(&we, w, sizeof(w));
		ctr.send_errors++;
		HL_LOG(HL_LOG_ERR, "control", "peer=%s %s: encoding failed: %s", peer,
		        hl_msg_name(type), w);
		return 0;
	}
	return n;
}

static void
write_frame(struct hl_conn *c, unsigned type, size_t n)
{
	if (bufferevent_write(c->bev, txbuf, n) != 0) {
		ctr.send_errors++;
		HL_LOG(HL_LOG_ERR, "control",
		        "conn=%" PRIu64 " peer=%s %s: queueing %zu bytes failed (out of memory?)",
		        c->id, c->peer, hl_msg_name(type), n);
	}
}

static void send_error(struct hl_conn *c, int code, uint64_t job, const char *text);

static void
send_msg(struct hl_conn *c, unsigned type, const void *msg)
{
	size_t n = frame_msg(c->peer, type, msg);
	if (n > 0) {
		write_frame(c, type, n);
	} else if (type != HL_MSG_error) {
		/* the client waits for an answer: tell it this one was lost */
		char text[128];
		snprintf(text, sizeof(text), "node %s could not encode its %s reply (logged)",
		        hl_node.prof.name, hl_msg_name(type));
		send_error(c, -EPROTO, 0, text);
	}
}

static size_t
out_len(const struct hl_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

static void
send_error(struct hl_conn *c, int code, uint64_t job, const char *text)
{
	hl_cp_error_fill(&rep.error, code, job, text);
	ctr.errors_sent++;
	send_msg(c, HL_MSG_error, &rep.error);
}

/* A frame that broke lib/wire's rules: the structured error (kind, sizes, type, field) goes
 * back as an `error` message, with what the node does about it. */
static void
send_wire_error(struct hl_conn *c, const struct hl_wire_err *we, const char *what, bool closing)
{
	char w[200], text[HL_WIRE_DETAIL_MAX + 1];
	hl_wire_err_fmt(we, w, sizeof(w));
	snprintf(text, sizeof(text), "%s: %s%s", what, w, closing ? " (closing connection)" : "");
	ctr.frames_bad++;
	HL_LOG(HL_LOG_WARN, "control", "conn=%" PRIu64 " peer=%s %s", c->id, c->peer, text);
	hl_cp_error_fill(&rep.error, we->kind, 0, text);
	rep.error.actual = we->actual;
	rep.error.limit = we->limit;
	rep.error.msg_type = we->msg_type;
	rep.error.field_key = we->field_key;
	rep.error.sub_key = we->sub_key;
	rep.error.offset = we->offset;
	ctr.errors_sent++;
	send_msg(c, HL_MSG_error, &rep.error);
}

void
hl_control_push_progress(struct hl_job *j)
{
	static struct hl_msg_status_push push; /* not rep: a push can happen inside a request */
	size_t n = 0;
	if (!j->prog_dirty)
		return;
	j->prog_dirty = false;
	/* rate over the whole push period (windows jitter when lanes share CPUs) */
	if (j->state == HL_JOB_RUNNING && j->last_win_tsc > j->rate_tsc) {
		j->prog.tx_pps = (double)(j->last_tx - j->rate_tx) * (double)rte_get_tsc_hz() /
		                 (double)(j->last_win_tsc - j->rate_tsc);
		j->rate_tx = j->last_tx;
		j->rate_tsc = j->last_win_tsc;
	}
	j->prog.seq++;
	for (uint32_t i = 0; i < j->n_watchers; i++) {
		struct hl_conn *c = j->watchers[i];
		if (out_len(c) > OUT_PAUSE) {
			ctr.pushes_skipped++; /* slow reader; results stay fetchable */
			continue;
		}
		if (n == 0) { /* one encoding for every watcher */
			hl_cp_progress_to_msg(&j->prog, hl_node.prof.dc, &push);
			if ((n = frame_msg(c->peer, HL_MSG_status_push, &push)) == 0)
				return;
		}
		ctr.pushes++;
		write_frame(c, HL_MSG_status_push, n);
	}
}

/* ---- connections ---- */

static void
conn_free(struct hl_conn *c)
{
	hl_jobs_forget_conn(c);
	bufferevent_free(c->bev);
	free(c->fbuf);
	HL_LOG(HL_LOG_INFO, "control", "conn=%" PRIu64 " peer=%s closed", c->id, c->peer);
	memset(c, 0, sizeof(*c));
}

static void
conn_close_after_flush(struct hl_conn *c)
{
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (out_len(c) == 0)
		conn_free(c);
}

static void
fill_summary(const struct hl_job *j, struct hl_cp_job_summary *s)
{
	s->job_id = j->id;
	s->state = j->state;
	s->wf_done = j->wf_done;
	s->wf_total = j->spec->n_workflows;
	s->result_fetched = j->fetched;
	snprintf(s->name, sizeof(s->name), "%s", j->spec->name);
}

static void
not_found(struct hl_conn *c, uint64_t id)
{
	char err[160];
	snprintf(err, sizeof(err), "job %" PRIu64 " not found on node %s", id, hl_node.prof.name);
	send_error(c, -HL_E_NOT_FOUND, id, err);
}

static void
handle_submit(struct hl_conn *c, const struct hl_msg_job_submit *m)
{
	char err[512];
	uint64_t id = 0;
	int rc = hl_jobs_submit(
	        (const char *)m->spec.p, m->spec.len, hl_roles_runs_jobs(), &id, err, sizeof(err));
	if (rc < 0) {
		send_error(c, rc, 0, err);
		return;
	}
	/* the submitter sees progress from the start; a fresh job has no watcher yet, so failing
	 * here is a bug: logged and counted, the submit itself stands */
	if ((rc = hl_jobs_watch(hl_jobs_get(id), c)) < 0) {
		ctr.internal++;
		HL_LOG(HL_LOG_ERR, "control",
		        "conn=%" PRIu64 " job=%" PRIu64 " submitter cannot watch: %s", c->id, id,
		        hl_strerror(rc));
	}
	struct hl_msg_job_ack *a = &rep.job_ack;
	memset(a, 0, sizeof(*a));
	a->job_id = id;
	a->accepted = true;
	memcpy(a->idem_key, m->idem_key, sizeof(a->idem_key));
	send_msg(c, HL_MSG_job_ack, a);
}

static void
handle_cancel(struct hl_conn *c, uint64_t id)
{
	struct hl_job *j = hl_jobs_get(id);
	if (j == NULL) {
		not_found(c, id);
		return;
	}
	int rc = hl_jobs_cancel(id);
	struct hl_msg_job_cancel_reply *r = &rep.job_cancel_reply;
	memset(r, 0, sizeof(*r));
	r->job_id = id;
	if (rc == -EALREADY) {
		r->code = EALREADY;
		r->already_cancelled = j->state == HL_JOB_CANCELLED;
		r->already_done = !r->already_cancelled;
		snprintf(r->text, sizeof(r->text), "job %" PRIu64 " already %s", id,
		        hl_job_state_name(j->state));
	} else if (rc < 0) {
		char err[160];
		snprintf(err, sizeof(err), "job %" PRIu64 " cannot be cancelled: %s", id,
		        hl_strerror(rc));
		send_error(c, rc, id, err);
		return;
	} else {
		r->accepted = true;
	}
	send_msg(c, HL_MSG_job_cancel_reply, r);
}

static void
handle_watch(struct hl_conn *c, uint64_t id)
{
	static struct hl_msg_status_push now;
	char err[160];
	struct hl_job *j = hl_jobs_get(id);
	if (j == NULL) {
		not_found(c, id);
		return;
	}
	if (hl_jobs_watch(j, c) < 0) {
		snprintf(err, sizeof(err), "job %" PRIu64 " has %d watchers already", id,
		        HL_JOB_MAX_WATCHERS);
		send_error(c, -HL_E_FULL, id, err);
		return;
	}
	struct hl_msg_register_callback_reply *r = &rep.register_callback_reply;
	memset(r, 0, sizeof(*r));
	r->job_id = id;
	r->accepted = true;
	r->status = hl_cp_state_to_wire(j->state);
	r->seq = j->prog.seq;
	r->progress_ppm = hl_cp_progress_ppm(&j->prog);
	send_msg(c, HL_MSG_register_callback_reply, r);
	/* replay the current state so a (re)connecting client starts in sync */
	hl_cp_progress_to_msg(&j->prog, hl_node.prof.dc, &now);
	send_msg(c, HL_MSG_status_push, &now);
}

static void
handle_result(struct hl_conn *c, uint64_t id)
{
	char err[160];
	struct hl_job *j = hl_jobs_get(id);
	if (j == NULL) {
		not_found(c, id);
		return;
	}
	if (j->state < HL_JOB_COMPLETED) {
		snprintf(err, sizeof(err), "job %" PRIu64 " is %s: the result exists once it ends",
		        id, hl_job_state_name(j->state));
		send_error(c, -EAGAIN, id, err);
		return;
	}
	hl_jobs_result_fetched(j);
	hl_cp_result_to_msg(j->result, hl_node.prof.dc, &rep.job_result);
	send_msg(c, HL_MSG_job_result, &rep.job_result);
}

static void
handle_status(struct hl_conn *c, uint64_t id)
{
	static struct hl_cp_status st;
	memset(&st, 0, sizeof(st));
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
		if (!hl_jobs[i].used || (id && hl_jobs[i].id != id))
			continue;
		fill_summary(&hl_jobs[i], &st.jobs[st.n++]);
	}
	if (id && st.n == 0) {
		not_found(c, id);
		return;
	}
	hl_cp_status_to_msg(&st, id, &rep.job_status);
	send_msg(c, HL_MSG_job_status, &rep.job_status);
}

static void
handle_nodes(struct hl_conn *c)
{
	static struct hl_cp_nodes nd;
	hl_membership_snapshot(&nd);
	hl_cp_nodes_to_msg(&nd, &rep.nodes_reply);
	send_msg(c, HL_MSG_nodes_reply, &rep.nodes_reply);
}

/* One whole frame from the de-framer. Frame-level failures close the connection (the peer does
 * not speak this protocol, or belongs to another cluster); a frame that is sound but not a
 * client request, or whose body is malformed, gets an error and the connection stays usable. */
static void
handle_frame(struct hl_conn *c, const uint8_t *frame, uint32_t len)
{
	struct hl_frame_hdr h;
	const uint8_t *b;
	struct hl_wire_err we;
	char what[160];
	int rc = hl_frame_parse(&fcfg, frame, len, &h, &b, &we);
	if (rc == -HL_E_WRONG_CLUSTER) {
		send_wire_error(c, &we,
		        "frame from another cluster (client cluster-id hash = actual, this node's "
		        "= "
		        "limit; hlctl --cluster-id)",
		        true);
		conn_close_after_flush(c);
		return;
	}
	if (rc < 0 && rc != -HL_E_UNKNOWN_MSG) {
		send_wire_error(c, &we, "bad frame", true);
		conn_close_after_flush(c);
		return;
	}
	if (rc < 0 || !hl_cp_is_request(h.type)) {
		snprintf(what, sizeof(what), "message type %u (%s) is not a client request", h.type,
		        hl_msg_name(h.type));
		hl_wire_err_clear(&we);
		we.kind = HL_E_UNKNOWN_MSG;
		we.msg_type = h.type;
		we.actual = h.type;
		we.offset = 4;
		send_wire_error(c, &we, what, false);
		return;
	}
	if ((rc = hl_msg_decode(h.type, b, h.body_len, &req, &we)) < 0) {
		we.offset += HL_FRAME_HDR; /* frame offsets, like hl_frame_decode */
		snprintf(what, sizeof(what), "%s body malformed", hl_msg_name(h.type));
		send_wire_error(c, &we, what, false);
		return;
	}
	ctr.frames_in++;
	switch (h.type) {
	case HL_MSG_job_submit:
		handle_submit(c, &req.job_submit);
		break;
	case HL_MSG_job_cancel:
		handle_cancel(c, req.job_cancel.job_id);
		break;
	case HL_MSG_register_callback:
		handle_watch(c, req.register_callback.job_id);
		break;
	case HL_MSG_job_result_query:
		handle_result(c, req.job_result_query.job_id);
		break;
	case HL_MSG_job_status_query:
		handle_status(c, req.job_status_query.job_id);
		break;
	case HL_MSG_nodes_query:
		handle_nodes(c);
		break;
	}
}

/* The de-framer refused a length prefix: report it with the frame's type when its header is
 * already buffered, then close. */
static void
prefix_error(struct hl_conn *c, struct evbuffer *in, struct hl_wire_err *we)
{
	uint8_t hdr[6];
	if (evbuffer_copyout(in, hdr, sizeof(hdr)) == (ssize_t)sizeof(hdr) &&
	        hl_ld16(hdr) == HL_FRAME_MAGIC)
		we->msg_type = hl_ld16(hdr + 4);
	send_wire_error(c, we, "bad frame length", true);
	conn_close_after_flush(c);
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct hl_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	if (!c->sniffed) {
		/* one management port: a node link's first frame is a node_register (hello),
		 * anything else is the client API's (peer.h) */
		size_t have = evbuffer_get_length(in);
		const uint8_t *p = evbuffer_pullup(
		        in, (ssize_t)(have < HL_PEER_SNIFF_LEN ? have : HL_PEER_SNIFF_LEN));
		int kind = hl_peer_sniff(p, have);
		if (kind == -EAGAIN)
			return; /* wait for enough bytes to tell */
		c->sniffed = true;
		if (kind == 1) {
			char remote[64];
			ctr.node_links++;
			snprintf(remote, sizeof(remote), "%s", c->peer);
			bufferevent_set_timeouts(bev, NULL, NULL);
			HL_LOG(HL_LOG_DEBUG, "control", "conn=%" PRIu64 " peer=%s is a node link",
			        c->id, remote);
			memset(c, 0, sizeof(*c)); /* the bufferevent now belongs to peer.c */
			hl_peer_adopt(bev, remote);
			return;
		}
	}
	if (c->fbuf == NULL && !c->closing) {
		c->fbuf = malloc(HL_CP_MAX_FRAME);
		if (c->fbuf == NULL || hl_frame_stream_init(&c->fs, c->fbuf, HL_CP_MAX_FRAME,
		                               HL_CP_MAX_FRAME) < 0) {
			ctr.internal++;
			HL_LOG(HL_LOG_ERR, "control",
			        "conn=%" PRIu64 " peer=%s closed: no memory for its frame buffer",
			        c->id, c->peer);
			conn_free(c);
			return;
		}
	}
	while (c->used && !c->closing) {
		if (out_len(c) > OUT_PAUSE) {
			/* back-pressure: answer nothing more until the client reads */
			if (!c->paused) {
				c->paused = true;
				ctr.reads_paused++;
				bufferevent_disable(bev, EV_READ);
				HL_LOG(HL_LOG_DEBUG, "control",
				        "conn=%" PRIu64 " peer=%s reads paused: %zu bytes queued",
				        c->id, c->peer, out_len(c));
			}
			return;
		}
		struct evbuffer_iovec v;
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1 || v.iov_len == 0)
			return;
		size_t used;
		const uint8_t *frame;
		uint32_t flen;
		struct hl_wire_err we;
		int rc = hl_frame_stream_feed(
		        &c->fs, v.iov_base, v.iov_len, &used, &frame, &flen, &we);
		evbuffer_drain(in, used); /* a ready frame was copied into c->fbuf */
		if (rc < 0) {
			prefix_error(c, in, &we);
			return;
		}
		if (rc == 1)
			handle_frame(c, frame, flen);
		if (!c->used)
			return; /* freed while closing */
	}
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct hl_conn *c = arg;
	if (c->closing) {
		if (out_len(c) == 0)
			conn_free(c);
		return;
	}
	if (c->paused && out_len(c) <= OUT_RESUME) {
		c->paused = false;
		if (bufferevent_enable(bev, EV_READ) != 0)
			HL_LOG(HL_LOG_ERR, "control",
			        "conn=%" PRIu64 " peer=%s cannot resume reads", c->id, c->peer);
		read_cb(bev, c); /* requests already buffered get no new read event */
	}
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct hl_conn *c = arg;
	if (what & BEV_EVENT_TIMEOUT) {
		ctr.stalled_closed++;
		HL_LOG(HL_LOG_WARN, "control",
		        "conn=%" PRIu64 " peer=%s closed: read nothing for %d s with %zu bytes "
		        "queued (stalled client)",
		        c->id, c->peer, STALL_S, evbuffer_get_length(bufferevent_get_output(bev)));
		conn_free(c);
	} else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		conn_free(c);
	}
}

/* Over-cap connection: one `error` message saying when to retry, written straight to the new
 * socket (a small frame fits an empty socket buffer), then close. */
static void
refuse(evutil_socket_t fd, const char *peer, unsigned open, unsigned limit, const char *what)
{
	char text[200];
	snprintf(text, sizeof(text), "node %s has %u %s open (limit %u): retry in %d s",
	        hl_node.prof.name, open, what, limit, RETRY_AFTER_S);
	HL_LOG(HL_LOG_WARN, "control", "peer=%s refused: %u %s open (limit %u)", peer, open, what,
	        limit);
	hl_cp_error_fill(&rep.error, -EBUSY, 0, text);
	rep.error.actual = open;
	rep.error.limit = limit;
	rep.error.retry_after_ms = RETRY_AFTER_S * 1000;
	size_t n = frame_msg(peer, HL_MSG_error, &rep.error);
	ssize_t w = n ? send(fd, txbuf, n, MSG_DONTWAIT | MSG_NOSIGNAL) : -1;
	if (w != (ssize_t)n || n == 0) {
		ctr.send_errors++;
		HL_LOG(HL_LOG_WARN, "control", "peer=%s: over-cap rejection not sent: %s", peer,
		        n == 0 ? "encoding failed" : strerror(errno));
	}
	evutil_closesocket(fd);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	(void)l;
	(void)len;
	(void)arg;
	struct hl_conn *c = NULL;
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;
	unsigned open = 0, same_peer = 0;
	for (int i = 0; i < MAX_CONNS; i++) {
		if (!conns[i].used) {
			if (c == NULL)
				c = &conns[i];
			continue;
		}
		open++;
		if (conns[i].addr.s_addr == sin->sin_addr.s_addr)
			same_peer++;
	}
	char peer[64];
	snprintf(peer, sizeof(peer), "%s:%u", inet_ntoa(sin->sin_addr), ntohs(sin->sin_port));
	if (c == NULL) {
		ctr.refused++;
		refuse(fd, peer, open, MAX_CONNS, "client connections");
		return;
	}
	if (same_peer >= MAX_CONNS_PER_PEER) {
		ctr.refused_peer++;
		refuse(fd, peer, same_peer, MAX_CONNS_PER_PEER,
		        "client connections from this address");
		return;
	}
	int one = 1;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
		HL_LOG(HL_LOG_WARN, "control", "peer=%s TCP_NODELAY: %s (replies may be delayed)",
		        peer, strerror(errno));
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		ctr.send_errors++;
		HL_LOG(HL_LOG_ERR, "control", "peer=%s refused: no memory for a bufferevent", peer);
		evutil_closesocket(fd);
		return;
	}
	c->used = true;
	c->id = ++conn_seq;
	c->addr = sin->sin_addr;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	ctr.accepted++;
	struct timeval stall = {STALL_S, 0};
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, FRAME_MAX);
	bufferevent_setwatermark(c->bev, EV_WRITE, OUT_RESUME, 0);
	if (bufferevent_set_timeouts(c->bev, NULL, &stall) != 0 ||
	        bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0) {
		ctr.send_errors++;
		HL_LOG(HL_LOG_ERR, "control", "conn=%" PRIu64 " peer=%s cannot arm its events",
		        c->id, peer);
		conn_free(c);
	}
}

/* ---- HTTP ---- */

static json_t *
status_json(bool *ok)
{
	int bad = 0;
	const struct hl_node_cfg *p = &hl_node.prof;
	json_t *root = json_object(), *jobs = json_array(), *ports = json_array();
	bad |= json_object_set_new(root, "node",
	        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "name", p->name, "roles", p->roles_str,
	                "dc", p->dc, "cluster_id", p->cluster_id, "environment", p->environment,
	                "client", client_bound, "polling", p->adaptive ? "adaptive" : "busy"));
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
		const struct hl_job *j = &hl_jobs[i];
		if (!j->used)
			continue;
		bad |= json_array_append_new(jobs,
		        json_pack("{s:I,s:s,s:s,s:i,s:i,s:b,s:I,s:I,s:I}", "id", (json_int_t)j->id,
		                "name", j->spec->name, "state", hl_job_state_name(j->state),
		                "workflows_done", (int)j->wf_done, "workflows",
		                (int)j->spec->n_workflows, "result_fetched", j->fetched, "tx_pkts",
		                (json_int_t)j->prog.tx_pkts, "rx_pkts", (json_int_t)j->prog.rx_pkts,
		                "lost", (json_int_t)j->prog.lost));
	}
	for (uint32_t i = 0; i < hl_node.n_ports; i++) {
		struct rte_eth_stats st;
		hl_port_stats(i, &st, "HTTP /status"); /* zeroed, logged and counted on failure */
		bad |= json_array_append_new(ports,
		        json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:I}", "name",
		                hl_node.ports[i].cfg.name, "device", hl_node.ports[i].cfg.device,
		                "port_id", (int)hl_node.ports[i].port_id, "opackets",
		                (json_int_t)st.opackets, "ipackets", (json_int_t)st.ipackets,
		                "oerrors", (json_int_t)st.oerrors, "imissed",
		                (json_int_t)st.imissed));
	}
	bad |= json_object_set_new(root, "jobs", jobs);
	bad |= json_object_set_new(root, "ports", ports);
	*ok = bad == 0;
	return root;
}

static void
outf(struct evbuffer *out, bool *ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
outf(struct evbuffer *out, bool *ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (evbuffer_add_vprintf(out, fmt, ap) < 0)
		*ok = false;
	va_end(ap);
}

/* fabric counters: hyperline_fabric_<name>_total{port="..."} */
static void
metrics_fabric(struct evbuffer *out, bool *ok)
{
	struct hl_node_counter c[HL_FABRIC_COUNTERS];
	uint32_t n = hl_fabric_port_counters(c, HL_FABRIC_COUNTERS);
	for (uint32_t i = 0; i < n; i++)
		outf(out, ok,
		        "# TYPE hyperline_fabric_%s_total counter\n"
		        "hyperline_fabric_%s_total{port=\"%s\"} %" PRIu64 "\n",
		        c[i].name, c[i].name, hl_node.prof.fabric_device, c[i].v);
}

/* Node-to-node links: transport counters, then one series per peer (label peer = node id). */
static void
metrics_peers(struct evbuffer *out, bool *ok)
{
	struct hl_node_counter c[HL_PEER_COUNTERS];
	static struct hl_peer_info pi[HL_PEER_TABLE_MAX];
	{
		struct hl_node_counter rc_[HL_ROLES_COUNTERS];
		uint32_t rn = hl_roles_counters(rc_, HL_ROLES_COUNTERS);
		for (uint32_t i = 0; i < rn; i++) {
			size_t l = strlen(rc_[i].name);
			bool total = l > 6 && strcmp(rc_[i].name + l - 6, "_total") == 0;
			outf(out, ok,
			        "# TYPE hyperline_roles_%s %s\nhyperline_roles_%s %" PRIu64 "\n",
			        rc_[i].name, total ? "counter" : "gauge", rc_[i].name, rc_[i].v);
		}
	}
	uint32_t n = hl_peer_counters(c, HL_PEER_COUNTERS);
	for (uint32_t i = 0; i < n; i++) {
		size_t l = strlen(c[i].name);
		bool total = l > 6 && strcmp(c[i].name + l - 6, "_total") == 0;
		outf(out, ok, "# TYPE hyperline_peer_%s %s\nhyperline_peer_%s %" PRIu64 "\n",
		        c[i].name, total ? "counter" : "gauge", c[i].name, c[i].v);
	}
	n = hl_peer_list(pi, HL_PEER_TABLE_MAX);
	static const struct {
		const char *name, *type;
	} series[] = {
	        {"link_up", "gauge"},
	        {"link_state", "gauge"}, /* enum hl_peer_state: 0 idle .. 3 up, 4 backoff */
	        {"rtt_microseconds", "gauge"},
	        {"peer_frames_in_total", "counter"},
	        {"peer_frames_out_total", "counter"},
	        {"peer_bytes_in_total", "counter"},
	        {"peer_bytes_out_total", "counter"},
	        {"peer_errors_total", "counter"},
	        {"peer_enobufs_total", "counter"},
	        {"queued_bytes", "gauge"},
	};
	for (size_t s = 0; s < sizeof(series) / sizeof(series[0]); s++) {
		outf(out, ok, "# TYPE hyperline_peer_%s %s\n", series[s].name, series[s].type);
		for (uint32_t i = 0; i < n; i++) {
			const struct hl_peer_info *q = &pi[i];
			uint64_t v[] = {q->state == HL_PEER_UP, q->state, q->rtt_us, q->frames_in,
			        q->frames_out, q->bytes_in, q->bytes_out, q->errors, q->enobufs,
			        q->queued_bytes};
			outf(out, ok,
			        "hyperline_peer_%s{peer=\"%" PRIu64 "\",addr=\"%s\"} %" PRIu64 "\n",
			        series[s].name, q->id, q->addr, v[s]);
		}
	}
}

/* The page for PATH into OUT; returns the HTTP status (500, logged and counted, when memory
 * ran out while building it). */
static int
http_page(const char *path, struct evbuffer *out, const char **ctype)
{
	bool ok = true;
	int code = 200;
	*ctype = "text/plain";
	if (strcmp(path, "/status") == 0) {
		json_t *j = status_json(&ok);
		char *s = j ? json_dumps(j, JSON_INDENT(1)) : NULL;
		if (s == NULL)
			ok = false;
		else
			outf(out, &ok, "%s\n", s);
		free(s);
		json_decref(j);
		*ctype = "application/json";
	} else if (strcmp(path, "/metrics") == 0) {
		uint64_t cnt[5];
		hl_jobs_count(cnt);
		outf(out, &ok, "# TYPE hyperline_jobs gauge\n");
		for (int s = 0; s < 5; s++)
			outf(out, &ok, "hyperline_jobs{state=\"%s\"} %" PRIu64 "\n",
			        hl_job_state_name((unsigned)s), cnt[s]);
		struct {
			const char *name;
			uint64_t v;
		} m[] = {
		        {"hyperline_jobs_submitted_total", hl_jobs_submitted},
		        {"hyperline_jobs_rejected_total", hl_jobs_rejected},
		        {"hyperline_jobs_evicted_total", hl_jobs_evicted},
		        {"hyperline_jobs_deduplicated_total", hl_jobs_deduplicated},
		        {"hyperline_results_persist_errors_total", hl_jobs_persist_errors},
		        {"hyperline_client_accepted_total", ctr.accepted},
		        {"hyperline_client_refused_total", ctr.refused},
		        {"hyperline_client_refused_per_peer_total", ctr.refused_peer},
		        {"hyperline_client_reads_paused_total", ctr.reads_paused},
		        {"hyperline_client_stalled_closed_total", ctr.stalled_closed},
		        {"hyperline_client_send_errors_total", ctr.send_errors},
		        {"hyperline_http_requests_total", hctr.requests},
		        {"hyperline_http_refused_total", hctr.refused},
		        {"hyperline_http_rejected_total", hctr.rejected},
		        {"hyperline_http_timeouts_total", hctr.timeouts},
		        {"hyperline_port_stats_errors_total", hl_ports_stats_errors},
		        {"hyperline_internal_errors_total", ctr.internal},
		        {"hyperline_client_frames_total", ctr.frames_in},
		        {"hyperline_client_node_links_total", ctr.node_links},
		        {"hyperline_client_frames_bad_total", ctr.frames_bad},
		        {"hyperline_client_errors_sent_total", ctr.errors_sent},
		        {"hyperline_progress_pushes_total", ctr.pushes},
		        {"hyperline_progress_pushes_skipped_total", ctr.pushes_skipped},
		        {"hyperline_windows_total",
		                __atomic_load_n(&hl_node.windows_total, __ATOMIC_RELAXED)},
		        {"hyperline_windows_dropped_total",
		                __atomic_load_n(&hl_node.windows_dropped, __ATOMIC_RELAXED)},
		        {"hyperline_ring_full_total",
		                __atomic_load_n(&hl_node.ring_full, __ATOMIC_RELAXED)},
		};
		for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
			outf(out, &ok, "# TYPE %s counter\n%s %" PRIu64 "\n", m[i].name, m[i].name,
			        m[i].v);
		for (uint32_t i = 0; i < hl_node.n_ports; i++) {
			struct rte_eth_stats st;
			hl_port_stats(i, &st, "HTTP /metrics");
			const char *pn = hl_node.ports[i].cfg.name;
			outf(out, &ok,
			        "hyperline_port_opackets{port=\"%s\"} %" PRIu64 "\n"
			        "hyperline_port_ipackets{port=\"%s\"} %" PRIu64 "\n"
			        "hyperline_port_oerrors{port=\"%s\"} %" PRIu64 "\n"
			        "hyperline_port_imissed{port=\"%s\"} %" PRIu64 "\n",
			        pn, st.opackets, pn, st.ipackets, pn, st.oerrors, pn, st.imissed);
		}
		metrics_fabric(out, &ok);
		metrics_peers(out, &ok);
		*ctype = "text/plain; version=0.0.4";
	} else {
		outf(out, &ok, "not found: try /status or /metrics\n");
		code = 404;
	}
	if (!ok) {
		ctr.internal++;
		HL_LOG(HL_LOG_ERR, "http", "page %s: out of memory while building it", path);
		return 500;
	}
	return code;
}

/* A minimal HTTP/1.1 server for GET /status and /metrics (libevent 2.1's evhttp has no
 * connection cap and unbounded defaults). Bounds: HTTP_MAX_CONNS connections (over-cap: 503
 * with Retry-After), request head at most HTTP_MAX_HEAD bytes (431), no request body (413),
 * GET/HEAD only (405), HTTP_TIMEOUT_S to send the request and to read the reply (then closed,
 * counted). One request per connection: the reply carries Connection: close. */
#define HTTP_MAX_CONNS 32
#define HTTP_MAX_HEAD 8192
#define HTTP_TIMEOUT_S 5

struct http_conn {
	bool used, closing;
	struct bufferevent *bev;
	char peer[64];
};
static struct http_conn hconns[HTTP_MAX_CONNS];

static void
http_free(struct http_conn *h)
{
	bufferevent_free(h->bev);
	memset(h, 0, sizeof(*h));
}

static void
http_reply(struct http_conn *h, int code, const char *reason, const char *ctype,
        struct evbuffer *body, bool head_only)
{
	struct evbuffer *out = bufferevent_get_output(h->bev);
	size_t n = body ? evbuffer_get_length(body) : 0;
	if (code >= 400)
		hctr.rejected++;
	h->closing = true;
	bufferevent_disable(h->bev, EV_READ);
	if (evbuffer_add_printf(out,
	            "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	            "Connection: close\r\n\r\n",
	            code, reason, ctype, n) < 0 ||
	        (body && !head_only && evbuffer_add_buffer(out, body) != 0)) {
		HL_LOG(HL_LOG_ERR, "http", "peer=%s reply %d: out of memory, closing", h->peer,
		        code);
		http_free(h);
	}
}

static void
http_error(struct http_conn *h, int code, const char *reason, const char *why)
{
	struct evbuffer *b = evbuffer_new();
	HL_LOG(HL_LOG_INFO, "http", "peer=%s %d %s: %s", h->peer, code, reason, why);
	if (b)
		evbuffer_add_printf(b, "%s\n", why);
	http_reply(h, code, reason, "text/plain", b, false);
	if (b)
		evbuffer_free(b);
}

static void
http_read_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn *h = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	if (h->closing)
		return;
	struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	size_t have = evbuffer_get_length(in);
	if (end.pos < 0 || (size_t)end.pos + 4 > HTTP_MAX_HEAD) {
		if (end.pos >= 0 || have > HTTP_MAX_HEAD)
			http_error(h, 431, "Request Header Fields Too Large",
			        "request head over 8192 bytes");
		return; /* else wait for the rest of the head */
	}
	char head[HTTP_MAX_HEAD + 1];
	size_t hl = (size_t)end.pos + 4;
	if (evbuffer_remove(in, head, hl) != (int)hl) {
		http_error(h, 500, "Internal Server Error", "cannot read the request head");
		return;
	}
	head[hl] = '\0';
	hctr.requests++;
	char method[8], path[256];
	if (sscanf(head, "%7s %255s HTTP/1.%*c", method, path) != 2) {
		http_error(h, 400, "Bad Request", "malformed request line");
		return;
	}
	/* a body is never read: announce-and-refuse rather than buffer it */
	for (char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
		unsigned long long cl = 0;
		if (strncasecmp(l + 2, "Transfer-Encoding:", 18) == 0 ||
		        (strncasecmp(l + 2, "Content-Length:", 15) == 0 &&
		                (sscanf(l + 17, " %llu", &cl) != 1 || cl > 0))) {
			http_error(h, 413, "Payload Too Large", "request bodies are not accepted");
			return;
		}
	}
	bool head_only = strcmp(method, "HEAD") == 0;
	if (!head_only && strcmp(method, "GET") != 0) {
		http_error(h, 405, "Method Not Allowed", "only GET and HEAD");
		return;
	}
	char *q = strchr(path, '?');
	if (q)
		*q = '\0';
	struct evbuffer *b = evbuffer_new();
	if (b == NULL) {
		http_error(h, 500, "Internal Server Error", "out of memory");
		return;
	}
	const char *ctype;
	int code = http_page(path, b, &ctype);
	http_reply(h, code,
	        code == 200   ? "OK"
	        : code == 404 ? "Not Found"
	                      : "Internal Server Error",
	        ctype, b, head_only);
	evbuffer_free(b);
}

static void
http_write_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn *h = arg;
	if (h->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		http_free(h);
}

static void
http_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *h = arg;
	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		hctr.timeouts++;
		HL_LOG(HL_LOG_INFO, "http", "peer=%s closed: no complete request/read within %d s",
		        h->peer, HTTP_TIMEOUT_S);
		http_free(h);
	} else if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		http_free(h);
	}
}

static void
http_accept_cb(
        struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	(void)l;
	(void)len;
	(void)arg;
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;
	struct http_conn *h = NULL;
	char peer[64];
	snprintf(peer, sizeof(peer), "%s:%u", inet_ntoa(sin->sin_addr), ntohs(sin->sin_port));
	for (int i = 0; i < HTTP_MAX_CONNS && h == NULL; i++)
		if (!hconns[i].used)
			h = &hconns[i];
	if (h == NULL) {
		static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n"
		                           "Content-Length: 0\r\nConnection: close\r\n\r\n";
		hctr.refused++;
		HL_LOG(HL_LOG_WARN, "http", "peer=%s refused: %d HTTP connections open", peer,
		        HTTP_MAX_CONNS);
		if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			HL_LOG(HL_LOG_WARN, "http", "peer=%s: 503 not sent: %s", peer,
			        strerror(errno));
		evutil_closesocket(fd);
		return;
	}
	h->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (h->bev == NULL) {
		HL_LOG(HL_LOG_ERR, "http", "peer=%s refused: no memory for a bufferevent", peer);
		evutil_closesocket(fd);
		return;
	}
	h->used = true;
	snprintf(h->peer, sizeof(h->peer), "%s", peer);
	struct timeval to = {HTTP_TIMEOUT_S, 0};
	bufferevent_setcb(h->bev, http_read_cb, http_write_cb, http_event_cb, h);
	bufferevent_setwatermark(h->bev, EV_READ, 0, HTTP_MAX_HEAD + 1);
	if (bufferevent_set_timeouts(h->bev, &to, &to) != 0 ||
	        bufferevent_enable(h->bev, EV_READ | EV_WRITE) != 0) {
		HL_LOG(HL_LOG_ERR, "http", "peer=%s cannot arm its events", peer);
		http_free(h);
	}
}

/* ---- tick, start, stop ---- */

static struct event *tick_ev, *push_ev;
static int shutdown_phase;

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	hl_jobs_tick();
	if (hl_node_quitting()) {
		/* drain: cancel jobs, wait (bounded) until the lanes hand the run back */
		if (!hl_jobs_shutdown() || ++shutdown_phase > 2000)
			event_base_loopbreak(base);
	}
}

static void
push_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++)
		if (hl_jobs[i].used)
			hl_control_push_progress(&hl_jobs[i]);
	hl_telemetry_publish_jobs(NULL);
}

static int
parse_addr(const char *s, struct sockaddr_in *sin, char *host, size_t hcap, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= hcap)
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end;
	unsigned long pv = strtoul(colon + 1, &end, 10);
	if (*end || pv > 65535)
		return -EINVAL;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)pv);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -EINVAL;
	*port = (uint16_t)pv;
	return 0;
}

static uint16_t
bound_port(evutil_socket_t fd)
{
	struct sockaddr_in sin;
	socklen_t l = sizeof(sin);
	if (getsockname(fd, (struct sockaddr *)&sin, &l) != 0)
		return 0;
	return ntohs(sin.sin_port);
}

struct demo_arg {
	char addr[64];
	int rc;
};

static void *
demo_thread(void *arg)
{
	struct demo_arg *d = arg;
	d->rc = hl_demo_client(d->addr);
	hl_node_request_quit();
	return NULL;
}

int
hl_control_run(int demo)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	struct sockaddr_in sin;
	char host[40];
	uint16_t port;
	int rc = 0;
	struct evconnlistener *lis = NULL;
	struct evconnlistener *http = NULL;
	pthread_t demo_tid;
	struct demo_arg darg = {.rc = 1};
	bool demo_started = false;

	txbuf = malloc(FRAME_MAX);
	base = event_base_new();
	hl_frame_cfg_init(&fcfg, hl_frame_cluster_hash(p->cluster_id), HL_PLANE_SLOW);
	if (txbuf == NULL || base == NULL) {
		fprintf(stderr, "hyperline: control core: out of memory\n");
		free(txbuf);
		return 1;
	}
	if (parse_addr(p->client_addr, &sin, host, sizeof(host), &port) < 0) {
		fprintf(stderr, "hyperline: %s: [management] client: '%s' is not IPv4:port\n",
		        p->origin, p->client_addr);
		rc = 2;
		goto out;
	}
	lis = evconnlistener_new_bind(base, accept_cb, NULL,
	        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 64,
	        (struct sockaddr *)&sin, sizeof(sin));
	if (lis == NULL) {
		fprintf(stderr, "hyperline: client API: cannot listen on %s: %s\n", p->client_addr,
		        strerror(errno));
		rc = 1;
		goto out;
	}
	snprintf(client_bound, sizeof(client_bound), "%s:%u", host,
	        bound_port(evconnlistener_get_fd(lis)));
	printf("hyperline: node %s client API on %s\n", p->name, client_bound);
	if (p->http_addr[0]) {
		if (parse_addr(p->http_addr, &sin, host, sizeof(host), &port) < 0) {
			fprintf(stderr, "hyperline: %s: [management] http: '%s' is not IPv4:port\n",
			        p->origin, p->http_addr);
			rc = 2;
			goto out;
		}
		http = evconnlistener_new_bind(base, http_accept_cb, NULL,
		        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 64,
		        (struct sockaddr *)&sin, sizeof(sin));
		if (http == NULL) {
			fprintf(stderr, "hyperline: HTTP: cannot listen on %s: %s\n", p->http_addr,
			        strerror(errno));
			rc = 1;
			goto out;
		}
		snprintf(http_bound, sizeof(http_bound), "%s:%u", host,
		        bound_port(evconnlistener_get_fd(http)));
		printf("hyperline: node %s HTTP status/metrics on http://%s/status /metrics\n",
		        p->name, http_bound);
	}
	fflush(stdout);
	char merr[256];
	if (hl_membership_start(client_bound, merr, sizeof(merr)) < 0 ||
	        (hl_membership_enabled() && hl_services_add_swim(merr, sizeof(merr)) < 0)) {
		fprintf(stderr, "hyperline: %s\n", merr);
		rc = 2;
		goto out;
	}
	if (hl_membership_enabled())
		printf("hyperline: node %s SWIM membership on %s %s\n", p->name,
		        p->fabric_device[0] ? "fabric" : "udp", hl_membership_addr());
	if (hl_peer_start(base, client_bound, merr, sizeof(merr)) < 0) {
		fprintf(stderr, "hyperline: %s\n", merr);
		rc = 1;
		goto out;
	}
	printf("hyperline: node %s id %" PRIu64 " node links on %s\n", p->name, p->node_id,
	        client_bound);
	if (hl_roles_start(base, merr, sizeof(merr)) < 0) {
		fprintf(stderr, "hyperline: %s\n", merr);
		rc = 2;
		goto out;
	}
	struct timeval one_ms = {0, 1000}, push = {(time_t)(p->push_ms / 1000),
	                                           (suseconds_t)(p->push_ms % 1000) * 1000};
	tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	push_ev = event_new(base, -1, EV_PERSIST, push_cb, NULL);
	if (tick_ev == NULL || push_ev == NULL || event_add(tick_ev, &one_ms) != 0 ||
	        event_add(push_ev, &push) != 0) {
		fprintf(stderr, "hyperline: control core: cannot arm the tick/push timers\n");
		rc = 1;
		goto out;
	}
	if (demo) {
		snprintf(darg.addr, sizeof(darg.addr), "%s", client_bound);
		if (pthread_create(&demo_tid, NULL, demo_thread, &darg) != 0) {
			fprintf(stderr, "hyperline: demo client thread: %s\n", strerror(errno));
			rc = 1;
			goto out;
		}
		demo_started = true;
	}
	event_base_dispatch(base);
	if (demo_started) {
		int jrc = pthread_join(demo_tid, NULL);
		rc = jrc == 0 ? darg.rc : 1;
		if (jrc != 0)
			fprintf(stderr, "hyperline: demo client thread: join: %s\n", strerror(jrc));
	}
out:
	hl_roles_stop();
	hl_peer_stop();
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i].used)
			conn_free(&conns[i]);
	if (tick_ev)
		event_free(tick_ev);
	if (push_ev)
		event_free(push_ev);
	for (int i = 0; i < HTTP_MAX_CONNS; i++)
		if (hconns[i].used)
			http_free(&hconns[i]);
	if (http)
		evconnlistener_free(http);
	if (lis)
		evconnlistener_free(lis);
	event_base_free(base);
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++)
		if (hl_jobs[i].used) {
			free(hl_jobs[i].result);
			hl_jobs[i].result = NULL;
		}
	free(txbuf);
	return rc;
}
