/* control.c — the control core on the main lcore: a libevent loop serving the client API (TCP,
 * hl_cproto frames), the HTTP endpoint (JSON status, Prometheus metrics), a 1 ms tick that
 * drains the progress ring and drives the job path, and batched progress pushes. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <jansson.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "hl_err.h"
#include "hl_log.h"
#include "node.h"

#define MAX_CONNS 64
#define OUT_LIMIT (8u << 20) /* progress pushes to a client with more queued are skipped */
#define FRAME_MAX (HL_CPROTO_MAX_BODY + HL_CPROTO_HDR + HL_CPROTO_TRAILER)

struct hl_conn {
	bool used, closing;
	uint64_t id;
	struct bufferevent *bev;
	char peer[64];
};

static struct event_base *base;
static struct hl_conn conns[MAX_CONNS];
static uint64_t conn_seq;
static uint8_t *txbuf; /* one frame being built (control core only) */
static char client_bound[64], http_bound[64];
static struct {
	uint64_t accepted, refused, frames_in, frames_bad, errors_sent, pushes, pushes_skipped;
} ctr;

/* ---- sending ---- */

static void
send_frame(struct hl_conn *c, unsigned type, int body_len)
{
	if (body_len < 0) {
		HL_LOG(HL_LOG_ERR, "control", "conn=%" PRIu64 " %s body encode failed: %s", c->id,
		        hl_cproto_type_name(type), hl_strerror(body_len));
		return;
	}
	int n = hl_cproto_frame(
	        txbuf, FRAME_MAX, type, 0, txbuf + HL_CPROTO_HDR, (uint32_t)body_len);
	if (n > 0)
		bufferevent_write(c->bev, txbuf, (size_t)n);
}

static uint8_t *
body(void)
{
	return txbuf + HL_CPROTO_HDR;
}

static void
send_error(
        struct hl_conn *c, int code, uint64_t job, uint64_t actual, uint64_t limit, const char *msg)
{
	struct hl_cp_error e = {.code = (uint64_t)(code < 0 ? -code : code),
	        .job_id = job,
	        .actual = actual,
	        .limit = limit};
	snprintf(e.msg, sizeof(e.msg), "%s", msg);
	ctr.errors_sent++;
	send_frame(c, HL_CP_ERROR, hl_cp_enc_error(body(), HL_CPROTO_MAX_BODY, &e));
}

void
hl_control_push_progress(struct hl_job *j)
{
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
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > OUT_LIMIT) {
			ctr.pushes_skipped++; /* slow reader; results stay fetchable */
			continue;
		}
		ctr.pushes++;
		send_frame(c, HL_CP_PROGRESS,
		        hl_cp_enc_progress(body(), HL_CPROTO_MAX_BODY, &j->prog));
	}
}

/* ---- connections ---- */

static void
conn_free(struct hl_conn *c)
{
	hl_jobs_forget_conn(c);
	bufferevent_free(c->bev);
	HL_LOG(HL_LOG_INFO, "control", "conn=%" PRIu64 " peer=%s closed", c->id, c->peer);
	memset(c, 0, sizeof(*c));
}

static void
conn_close_after_flush(struct hl_conn *c)
{
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
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
handle(struct hl_conn *c, const struct hl_cproto_hdr *h, const uint8_t *b)
{
	char err[512];
	uint64_t id = 0;
	int rc;
	struct hl_job *j;

	switch (h->type) {
	case HL_CP_SUBMIT: {
		const char *ini;
		uint32_t len;
		if ((rc = hl_cp_dec_submit(b, h->body_len, &ini, &len)) < 0) {
			snprintf(err, sizeof(err), "SUBMIT body malformed: %s", hl_strerror(rc));
			send_error(c, rc, 0, 0, 0, err);
			return;
		}
		if ((rc = hl_jobs_submit(ini, len, &id, err, sizeof(err))) < 0) {
			send_error(c, rc, 0, 0, 0, err);
			return;
		}
		hl_jobs_watch(hl_jobs_get(id), c); /* the submitter sees progress from the start */
		send_frame(c, HL_CP_SUBMIT_ACK, hl_cp_enc_job_id(body(), HL_CPROTO_MAX_BODY, id));
		return;
	}
	case HL_CP_CANCEL:
	case HL_CP_WATCH:
	case HL_CP_RESULTS_REQ:
		if ((rc = hl_cp_dec_job_id(b, h->body_len, &id)) < 0) {
			snprintf(err, sizeof(err), "%s body malformed: %s",
			        hl_cproto_type_name(h->type), hl_strerror(rc));
			send_error(c, rc, 0, 0, 0, err);
			return;
		}
		if ((j = hl_jobs_get(id)) == NULL) {
			snprintf(err, sizeof(err), "job %" PRIu64 " not found on node %s", id,
			        hl_node.prof.name);
			send_error(c, -HL_E_NOT_FOUND, id, 0, 0, err);
			return;
		}
		if (h->type == HL_CP_CANCEL) {
			rc = hl_jobs_cancel(id);
			if (rc == -EALREADY) {
				snprintf(err, sizeof(err), "job %" PRIu64 " already %s", id,
				        hl_job_state_name(j->state));
				send_error(c, rc, id, 0, 0, err);
			} else {
				send_frame(c, HL_CP_OK,
				        hl_cp_enc_job_id(body(), HL_CPROTO_MAX_BODY, id));
			}
		} else if (h->type == HL_CP_WATCH) {
			if ((rc = hl_jobs_watch(j, c)) < 0) {
				snprintf(err, sizeof(err),
				        "job %" PRIu64 " has %d watchers already", id,
				        HL_JOB_MAX_WATCHERS);
				send_error(c, rc, id, 0, 0, err);
				return;
			}
			/* replay the current state so a (re)connecting client starts in sync */
			send_frame(c, HL_CP_PROGRESS,
			        hl_cp_enc_progress(body(), HL_CPROTO_MAX_BODY, &j->prog));
		} else {
			if (j->state < HL_JOB_COMPLETED) {
				snprintf(err, sizeof(err),
				        "job %" PRIu64 " is %s: the result exists once it ends", id,
				        hl_job_state_name(j->state));
				send_error(c, -EAGAIN, id, 0, 0, err);
				return;
			}
			hl_jobs_result_fetched(j);
			send_frame(c, HL_CP_RESULT,
			        hl_cp_enc_result(body(), HL_CPROTO_MAX_BODY, j->result));
		}
		return;
	case HL_CP_STATUS_REQ: {
		static struct hl_cp_status st;
		if ((rc = hl_cp_dec_job_id(b, h->body_len, &id)) < 0 && rc != -HL_E_MISSING_FIELD) {
			send_error(c, rc, 0, 0, 0, "STATUS_REQ body malformed");
			return;
		}
		memset(&st, 0, sizeof(st));
		for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
			if (!hl_jobs[i].used || (id && hl_jobs[i].id != id))
				continue;
			fill_summary(&hl_jobs[i], &st.jobs[st.n++]);
		}
		if (id && st.n == 0) {
			snprintf(err, sizeof(err), "job %" PRIu64 " not found on node %s", id,
			        hl_node.prof.name);
			send_error(c, -HL_E_NOT_FOUND, id, 0, 0, err);
			return;
		}
		send_frame(c, HL_CP_STATUS, hl_cp_enc_status(body(), HL_CPROTO_MAX_BODY, &st));
		return;
	}
	case HL_CP_NODES_REQ: {
		static struct hl_cp_nodes nd;
		hl_membership_snapshot(&nd);
		send_frame(c, HL_CP_NODES, hl_cp_enc_nodes(body(), HL_CPROTO_MAX_BODY, &nd));
		return;
	}
	default:
		snprintf(err, sizeof(err), "message type %u (%s) is not a client request", h->type,
		        hl_cproto_type_name(h->type));
		send_error(c, -HL_E_UNKNOWN_MSG, 0, 0, 0, err);
	}
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct hl_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	while (!c->closing) {
		size_t have = evbuffer_get_length(in);
		if (have == 0)
			return;
		struct hl_cproto_hdr h;
		const uint8_t *b = NULL;
		size_t look = have < HL_CPROTO_HDR ? have : HL_CPROTO_HDR;
		const uint8_t *p = evbuffer_pullup(in, (ssize_t)look);
		int rc = hl_cproto_parse(p, look, HL_CPROTO_MAX_BODY, &h, &b);
		if (rc == 0 && look == HL_CPROTO_HDR) {
			size_t total = (size_t)HL_CPROTO_HDR + h.body_len + HL_CPROTO_TRAILER;
			if (have < total)
				return;
			p = evbuffer_pullup(in, (ssize_t)total);
			rc = hl_cproto_parse(p, total, HL_CPROTO_MAX_BODY, &h, &b);
		}
		if (rc == 0)
			return; /* need more bytes */
		if (rc < 0) {
			char err[256];
			ctr.frames_bad++;
			if (rc == -HL_E_OVERSIZE)
				snprintf(err, sizeof(err),
				        "frame body of %u bytes (type %u %s) over the %u-byte "
				        "limit",
				        h.body_len, h.type, hl_cproto_type_name(h.type),
				        HL_CPROTO_MAX_BODY);
			else
				snprintf(err, sizeof(err), "bad frame: %s (closing connection)",
				        hl_strerror(rc));
			HL_LOG(HL_LOG_WARN, "control", "conn=%" PRIu64 " peer=%s %s", c->id,
			        c->peer, err);
			send_error(c, rc, 0, rc == -HL_E_OVERSIZE ? h.body_len : 0,
			        rc == -HL_E_OVERSIZE ? HL_CPROTO_MAX_BODY : 0, err);
			conn_close_after_flush(c);
			return;
		}
		ctr.frames_in++;
		handle(c, &h, b);
		evbuffer_drain(in, (size_t)rc);
	}
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct hl_conn *c = arg;
	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *arg)
{
	(void)l;
	(void)len;
	(void)arg;
	struct hl_conn *c = NULL;
	for (int i = 0; i < MAX_CONNS && c == NULL; i++)
		if (!conns[i].used)
			c = &conns[i];
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;
	char peer[64];
	snprintf(peer, sizeof(peer), "%s:%u", inet_ntoa(sin->sin_addr), ntohs(sin->sin_port));
	if (c == NULL) {
		ctr.refused++;
		HL_LOG(HL_LOG_WARN, "control", "peer=%s refused: %d client connections open", peer,
		        MAX_CONNS);
		evutil_closesocket(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->used = true;
	c->id = ++conn_seq;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	ctr.accepted++;
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- HTTP ---- */

static json_t *
status_json(void)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	json_t *root = json_object(), *jobs = json_array(), *ports = json_array();
	json_object_set_new(root, "node",
	        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "name", p->name, "roles", p->roles_str,
	                "dc", p->dc, "cluster_id", p->cluster_id, "environment", p->environment,
	                "client", client_bound, "polling", p->adaptive ? "adaptive" : "busy"));
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
		const struct hl_job *j = &hl_jobs[i];
		if (!j->used)
			continue;
		json_array_append_new(jobs,
		        json_pack("{s:I,s:s,s:s,s:i,s:i,s:b,s:I,s:I,s:I}", "id", (json_int_t)j->id,
		                "name", j->spec->name, "state", hl_job_state_name(j->state),
		                "workflows_done", (int)j->wf_done, "workflows",
		                (int)j->spec->n_workflows, "result_fetched", j->fetched, "tx_pkts",
		                (json_int_t)j->prog.tx_pkts, "rx_pkts", (json_int_t)j->prog.rx_pkts,
		                "lost", (json_int_t)j->prog.lost));
	}
	for (uint32_t i = 0; i < hl_node.n_ports; i++) {
		struct rte_eth_stats st;
		rte_eth_stats_get(hl_node.ports[i].port_id, &st);
		json_array_append_new(ports,
		        json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:I}", "name",
		                hl_node.ports[i].cfg.name, "device", hl_node.ports[i].cfg.device,
		                "port_id", (int)hl_node.ports[i].port_id, "opackets",
		                (json_int_t)st.opackets, "ipackets", (json_int_t)st.ipackets,
		                "oerrors", (json_int_t)st.oerrors, "imissed",
		                (json_int_t)st.imissed));
	}
	json_object_set_new(root, "jobs", jobs);
	json_object_set_new(root, "ports", ports);
	return root;
}

static void
http_cb(struct evhttp_request *req, void *arg)
{
	(void)arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
	if (out == NULL) {
		evhttp_send_error(req, 500, "out of memory");
		return;
	}
	if (path && strcmp(path, "/status") == 0) {
		json_t *j = status_json();
		char *s = json_dumps(j, JSON_INDENT(1));
		evbuffer_add_printf(out, "%s\n", s ? s : "{}");
		free(s);
		json_decref(j);
		evhttp_add_header(hdr, "Content-Type", "application/json");
		evhttp_send_reply(req, 200, "OK", out);
	} else if (path && strcmp(path, "/metrics") == 0) {
		uint64_t cnt[5];
		hl_jobs_count(cnt);
		evbuffer_add_printf(out, "# TYPE hyperline_jobs gauge\n");
		for (int s = 0; s < 5; s++)
			evbuffer_add_printf(out, "hyperline_jobs{state=\"%s\"} %" PRIu64 "\n",
			        hl_job_state_name((unsigned)s), cnt[s]);
		struct {
			const char *name;
			uint64_t v;
		} m[] = {
		        {"hyperline_jobs_submitted_total", hl_jobs_submitted},
		        {"hyperline_jobs_rejected_total", hl_jobs_rejected},
		        {"hyperline_jobs_evicted_total", hl_jobs_evicted},
		        {"hyperline_results_persist_errors_total", hl_jobs_persist_errors},
		        {"hyperline_client_accepted_total", ctr.accepted},
		        {"hyperline_client_refused_total", ctr.refused},
		        {"hyperline_client_frames_total", ctr.frames_in},
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
			evbuffer_add_printf(out, "# TYPE %s counter\n%s %" PRIu64 "\n", m[i].name,
			        m[i].name, m[i].v);
		for (uint32_t i = 0; i < hl_node.n_ports; i++) {
			struct rte_eth_stats st;
			rte_eth_stats_get(hl_node.ports[i].port_id, &st);
			const char *pn = hl_node.ports[i].cfg.name;
			evbuffer_add_printf(out,
			        "hyperline_port_opackets{port=\"%s\"} %" PRIu64 "\n"
			        "hyperline_port_ipackets{port=\"%s\"} %" PRIu64 "\n"
			        "hyperline_port_oerrors{port=\"%s\"} %" PRIu64 "\n"
			        "hyperline_port_imissed{port=\"%s\"} %" PRIu64 "\n",
			        pn, st.opackets, pn, st.ipackets, pn, st.oerrors, pn, st.imissed);
		}
		evhttp_add_header(hdr, "Content-Type", "text/plain; version=0.0.4");
		evhttp_send_reply(req, 200, "OK", out);
	} else {
		evbuffer_add_printf(out, "not found: try /status or /metrics\n");
		evhttp_send_reply(req, 404, "Not Found", out);
	}
	evbuffer_free(out);
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
	struct evhttp *http = NULL;
	pthread_t demo_tid;
	struct demo_arg darg = {.rc = 1};
	bool demo_started = false;

	txbuf = malloc(FRAME_MAX);
	base = event_base_new();
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
		http = evhttp_new(base);
		struct evhttp_bound_socket *hs =
		        http ? evhttp_bind_socket_with_handle(http, host, port) : NULL;
		if (hs == NULL) {
			fprintf(stderr, "hyperline: HTTP: cannot listen on %s: %s\n", p->http_addr,
			        strerror(errno));
			rc = 1;
			goto out;
		}
		evhttp_set_gencb(http, http_cb, NULL);
		snprintf(http_bound, sizeof(http_bound), "%s:%u", host,
		        bound_port(evhttp_bound_socket_get_fd(hs)));
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
		printf("hyperline: node %s SWIM membership on udp %s\n", p->name,
		        hl_membership_addr());
	struct timeval one_ms = {0, 1000}, push = {(time_t)(p->push_ms / 1000),
	                                           (suseconds_t)(p->push_ms % 1000) * 1000};
	tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	push_ev = event_new(base, -1, EV_PERSIST, push_cb, NULL);
	event_add(tick_ev, &one_ms);
	event_add(push_ev, &push);
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
		pthread_join(demo_tid, NULL);
		rc = darg.rc;
	}
out:
	for (int i = 0; i < MAX_CONNS; i++)
		if (conns[i].used)
			conn_free(&conns[i]);
	if (tick_ev)
		event_free(tick_ev);
	if (push_ev)
		event_free(push_ev);
	if (http)
		evhttp_free(http);
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
