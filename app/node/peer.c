/* peer.c — node-to-node links on the control core (peer.h): outbound links dialed to the `mgmt`
 * address of every SWIM member, inbound links handed over by the client API accept path,
 * hello exchange, bounded per-peer queues, heartbeats (round-trip time), exponential reconnect
 * backoff, hostile-input handling, and the per-peer table freed when SWIM reports a member gone.
 * Single writer: the main lcore (libevent callbacks and a 100 ms tick). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "hl_err.h"
#include "hl_log.h"
#include "node.h"
#include "peer.h"

#define MAX_LINKS (2 * HL_PEER_TABLE_MAX + 8) /* in + out per peer, plus hellos in flight */
#define TICK_MS 100
#define CLOSE_GRACE_NS 1000000000ull /* an error frame gets this long to leave */
#define ORPHAN_NS 30000000000ull /* a peer known only from an inbound link, without links */
#define RX_CHUNK (64u << 10) /* input buffered per link before the reader copies it out */
#define NS_PER_MS 1000000ull

struct peer;

struct link {
	bool used, closing, inbound, hello_done;
	uint64_t gen; /* changes on every reuse of the slot */
	struct bufferevent *bev;
	struct evbuffer_cb_entry *out_cb;
	struct peer *peer; /* outbound: set at dial; inbound: set by its hello */
	struct hl_peer_rx rx;
	uint8_t *rxbuf;
	char remote[64];
	uint64_t opened_ns, last_rx_ns, closing_ns;
};

struct peer {
	bool used, swim_known, seen;
	uint64_t id;
	char addr[64], name[HL_WIRE_NAME_MAX + 1];
	uint32_t roles, cores;
	uint8_t state; /* enum hl_peer_state of the outbound link */
	struct link *out, *in;
	struct evbuffer *pending; /* frames queued while the outbound link is not up */
	struct hl_peer_q q; /* pending + written-but-not-yet-sent frames */
	uint32_t *ring;
	uint64_t backoff_ms, next_dial_ns, next_ping_ns, ping_sent_ns, last_link_ns;
	uint64_t rtt_us, rtt_min_us;
	uint64_t frames_in, frames_out, bytes_in, bytes_out, errors, enobufs, connects, dropped;
};

static struct event_base *base;
static struct event *tick_ev;
static struct link links[MAX_LINKS];
static struct peer peers[HL_PEER_TABLE_MAX];
static uint64_t link_gen;
static struct hl_peer_self self;
static char self_mgmt[64];
static struct hl_frame_cfg txcfg;
static uint32_t max_frame;
static uint8_t *txbuf; /* one frame being built (max_frame + prefix) */
static hl_peer_handler_fn handler;
static void *handler_arg;
static bool started;

static struct {
	uint64_t links_in, links_out, links_refused, connect_fail, hello_ok, hello_rejected,
	        hello_timeout, idle_closed, bad_magic, bad_crc, oversize, truncated, wrong_cluster,
	        unknown_type, bad_version, bad_other, errors_sent, errors_recv, frames_in,
	        frames_out, bytes_in, bytes_out, enobufs, enoent, unhandled, table_full,
	        peers_added, peers_freed, frames_dropped, heartbeats, send_errors, probes_sent,
	        bind_fail;
} ctr;

/* telemetry / metrics snapshot (telemetry thread reads it) */
static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hl_peer_info snap[HL_PEER_TABLE_MAX];
static uint32_t snap_n;

const char *
hl_peer_state_name(unsigned st)
{
	static const char *const n[] = {"idle", "connecting", "hello", "up", "backoff"};
	return st < sizeof(n) / sizeof(n[0]) ? n[st] : "?";
}

static uint64_t
peer_id(const struct link *l)
{
	return l->peer ? l->peer->id : 0;
}

/* ---- links ---- */

static void peer_out_down(struct peer *p, struct link *l, const char *why);

static void
link_free(struct link *l, const char *why)
{
	struct peer *p = l->peer;
	if (!l->used)
		return;
	if (p && p->out == l) {
		peer_out_down(p, l, why);
		p->out = NULL;
	} else if (p && p->in == l) {
		p->in = NULL;
		p->last_link_ns = hl_node_now_ns();
	}
	if (p == NULL && !l->inbound)
		HL_LOG(HL_LOG_DEBUG, "peer", "link out remote=%s: its peer entry is gone",
		        l->remote);
	HL_LOG(HL_LOG_INFO, "peer", "link %s remote=%s peer=%" PRIu64 " closed: %s",
	        l->inbound ? "in" : "out", l->remote, p ? p->id : 0, why);
	if (l->out_cb)
		evbuffer_remove_cb_entry(bufferevent_get_output(l->bev), l->out_cb);
	bufferevent_free(l->bev);
	free(l->rxbuf);
	uint64_t gen = l->gen;
	memset(l, 0, sizeof(*l));
	l->gen = gen;
}

static void
link_close_after_flush(struct link *l, const char *why)
{
	l->closing = true;
	l->closing_ns = hl_node_now_ns();
	bufferevent_disable(l->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(l->bev)) == 0)
		link_free(l, why);
}

/* Largest hello frame (a link's limit until its hello arrived), within the configured one. */
static uint32_t
hello_max(void)
{
	size_t h = hl_msg_max_body(HL_MSG_node_register) + HL_FRAME_OVERHEAD;
	if (hl_msg_max_body(HL_MSG_error) + HL_FRAME_OVERHEAD > h) /* a refusal of our hello */
		h = hl_msg_max_body(HL_MSG_error) + HL_FRAME_OVERHEAD;
	return h < max_frame ? (uint32_t)h : max_frame;
}

static void read_cb(struct bufferevent *bev, void *arg);
static void write_cb(struct bufferevent *bev, void *arg);
static void event_cb(struct bufferevent *bev, short what, void *arg);

static struct link *
link_new(struct bufferevent *bev, bool inbound, const char *remote)
{
	struct link *l = NULL;
	for (int i = 0; i < MAX_LINKS && l == NULL; i++)
		if (!links[i].used)
			l = &links[i];
	if (l == NULL)
		return NULL;
	uint8_t *buf = malloc(max_frame);
	if (buf == NULL)
		return NULL;
	memset(l, 0, sizeof(*l));
	l->used = true;
	l->gen = ++link_gen;
	l->bev = bev;
	l->inbound = inbound;
	l->rxbuf = buf;
	l->opened_ns = l->last_rx_ns = hl_node_now_ns();
	snprintf(l->remote, sizeof(l->remote), "%s", remote);
	/* cannot fail: the limit was validated at start and buf holds max_frame bytes */
	(void)hl_peer_rx_init(&l->rx, buf, max_frame, max_frame, txcfg.cluster);
	/* until its hello, a link may send nothing bigger than a hello */
	hl_peer_rx_set_limit(&l->rx, hello_max());
	bufferevent_setcb(bev, read_cb, write_cb, event_cb, l);
	bufferevent_setwatermark(bev, EV_READ, 0, RX_CHUNK);
	return l;
}

/* Write a transport frame (hello, ack, error) straight to a link's socket buffer. */
static int
link_write_msg(struct link *l, unsigned type, const void *msg)
{
	static uint8_t body[1024];
	size_t bl, fl;
	struct hl_wire_err we;
	int rc = hl_msg_encode(type, msg, body, sizeof(body), &bl, &we);
	if (rc == 0)
		rc = hl_peer_frame(
		        &txcfg, type, body, bl, txbuf, max_frame + HL_FRAME_PREFIX, &fl, &we);
	if (rc == 0 && bufferevent_write(l->bev, txbuf, fl) != 0)
		rc = -ENOMEM;
	if (rc < 0) {
		ctr.send_errors++;
		HL_LOG(HL_LOG_ERR, "peer", "remote=%s %s not sent: %s", l->remote,
		        hl_msg_name(type), hl_strerror(rc));
	}
	return rc;
}

/* Hostile or broken input: count it by kind, log it with context, answer with an `error`
 * frame carrying the structured error, close once it has left. */
static void
link_reject(struct link *l, int rc, const struct hl_wire_err *we, const char *reason)
{
	static struct hl_msg_error em;
	char text[160];
	switch (-rc) {
	case HL_E_BAD_MAGIC:
		ctr.bad_magic++;
		break;
	case HL_E_BAD_CRC:
		ctr.bad_crc++;
		break;
	case HL_E_OVERSIZE:
		ctr.oversize++;
		break;
	case HL_E_TRUNCATED:
		ctr.truncated++;
		break;
	case HL_E_WRONG_CLUSTER:
		ctr.wrong_cluster++;
		break;
	case HL_E_UNKNOWN_MSG:
		ctr.unknown_type++;
		break;
	case HL_E_BAD_VERSION:
		ctr.bad_version++;
		break;
	default:
		ctr.bad_other++;
	}
	if (!l->hello_done)
		ctr.hello_rejected++;
	if (l->peer)
		l->peer->errors++;
	hl_wire_err_to_msg(we, &em);
	if (em.code == 0)
		em.code = (uint64_t)(rc < 0 ? -rc : HL_E_BAD_VALUE);
	if (reason != NULL)
		snprintf(em.text, sizeof(em.text), "%s", reason);
	snprintf(text, sizeof(text), "%s", em.text);
	HL_LOG(HL_LOG_WARN, "peer",
	        "link %s remote=%s peer=%" PRIu64 " %s: %s (type=%s actual=%" PRIu64
	        " limit=%" PRIu64 " frames_ok=%" PRIu64 "); closing",
	        l->inbound ? "in" : "out", l->remote, peer_id(l),
	        l->hello_done ? "bad frame" : "hello refused", text, hl_msg_name(em.msg_type),
	        em.actual, em.limit, l->rx.frames);
	if (link_write_msg(l, HL_MSG_error, &em) == 0)
		ctr.errors_sent++;
	link_close_after_flush(l, hl_strerror(rc));
}

/* ---- peers ---- */

static struct peer *
peer_by_id(uint64_t id)
{
	for (int i = 0; i < HL_PEER_TABLE_MAX && id; i++)
		if (peers[i].used && peers[i].id == id)
			return &peers[i];
	return NULL;
}

static struct peer *
peer_by_addr(const char *addr)
{
	for (int i = 0; i < HL_PEER_TABLE_MAX && addr[0]; i++)
		if (peers[i].used && strcmp(peers[i].addr, addr) == 0)
			return &peers[i];
	return NULL;
}

static struct peer *
peer_new(const char *addr)
{
	const struct hl_node_cfg *pc = &hl_node.prof;
	struct peer *p = NULL;
	for (int i = 0; i < HL_PEER_TABLE_MAX && p == NULL; i++)
		if (!peers[i].used)
			p = &peers[i];
	if (p == NULL) {
		ctr.table_full++;
		HL_LOG(HL_LOG_WARN, "peer", "peer table full (%d entries): %s not added",
		        HL_PEER_TABLE_MAX, addr[0] ? addr : "inbound peer");
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	p->ring = calloc(pc->peer_queue_frames, sizeof(*p->ring));
	p->pending = evbuffer_new();
	if (p->ring == NULL || p->pending == NULL) {
		free(p->ring);
		if (p->pending)
			evbuffer_free(p->pending);
		memset(p, 0, sizeof(*p));
		HL_LOG(HL_LOG_ERR, "peer", "%s: out of memory for a peer entry", addr);
		return NULL;
	}
	hl_peer_q_init(&p->q, p->ring, pc->peer_queue_frames, pc->peer_queue_bytes);
	p->used = true;
	p->backoff_ms = HL_PEER_BACKOFF_MIN_MS;
	p->last_link_ns = hl_node_now_ns();
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	ctr.peers_added++;
	return p;
}

static void
peer_free(struct peer *p, const char *why)
{
	HL_LOG(HL_LOG_INFO, "peer",
	        "peer=%" PRIu64 " addr=%s name=%s freed: %s (%" PRIu64 " frames dropped)", p->id,
	        p->addr, p->name, why, (uint64_t)p->q.n);
	ctr.frames_dropped += p->q.n;
	if (p->out) {
		p->out->peer = NULL;
		link_free(p->out, why);
	}
	if (p->in) {
		p->in->peer = NULL;
		link_free(p->in, why);
	}
	evbuffer_free(p->pending);
	free(p->ring);
	memset(p, 0, sizeof(*p));
	ctr.peers_freed++;
}

static void
peer_out_down(struct peer *p, struct link *l, const char *why)
{
	uint64_t now = hl_node_now_ns();
	if (p->state == HL_PEER_UP && l != NULL) {
		/* what was written to the socket buffer but not sent is lost with the link */
		uint32_t lost = hl_peer_q_drain(
		        &p->q, evbuffer_get_length(bufferevent_get_output(l->bev)), NULL);
		p->dropped += lost;
		ctr.frames_dropped += lost;
	}
	if (p->state == HL_PEER_UP)
		p->last_link_ns = now; /* failed dials do not keep an orphan entry alive */
	p->state = HL_PEER_BACKOFF;
	p->ping_sent_ns = 0;
	p->next_dial_ns = now + p->backoff_ms * NS_PER_MS;
	HL_LOG(HL_LOG_INFO, "peer",
	        "peer=%" PRIu64 " addr=%s outbound down (%s): retry in %" PRIu64 " ms", p->id,
	        p->addr, why, p->backoff_ms);
	p->backoff_ms = p->backoff_ms * 2 > HL_PEER_BACKOFF_MAX_MS ? HL_PEER_BACKOFF_MAX_MS
	                                                           : p->backoff_ms * 2;
}

static int
parse_v4(const char *s, struct sockaddr_in *sin)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1 || *end || port == 0 || port > 65535)
		return -EINVAL;
	sin->sin_port = htons((uint16_t)port);
	return 0;
}

/* The socket an outbound link dials from: bound to this node's own management address when it
 * listens on one (not the wildcard), so that node links leave from the management interface of
 * a multi-homed server, and so that a firewall can tell each node's links apart (the cluster
 * harness's control-plane faults). -1: let the connect pick (wildcard listen address); -2: no
 * socket (counted and logged). */
static int
dial_socket(void)
{
	struct sockaddr_in self_sin;
	if (parse_v4(self_mgmt, &self_sin) < 0 || self_sin.sin_addr.s_addr == htonl(INADDR_ANY))
		return -1;
	self_sin.sin_port = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&self_sin, sizeof(self_sin)) < 0) {
		int e = errno;
		ctr.bind_fail++;
		HL_LOG(HL_LOG_WARN, "peer", "cannot dial from %s: %s", self_mgmt, strerror(e));
		if (fd >= 0)
			close(fd);
		return -2;
	}
	return fd;
}

static void
out_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	(void)buf;
	struct link *l = arg;
	struct peer *p = l->peer;
	/* the hello leaves before the peer can answer it: only frames sent while up count */
	if (info->n_deleted == 0 || p == NULL || p->out != l || p->state != HL_PEER_UP)
		return;
	uint32_t done = hl_peer_q_drain(&p->q, info->n_deleted, NULL);
	p->frames_out += done;
	p->bytes_out += info->n_deleted;
	ctr.frames_out += done;
	ctr.bytes_out += info->n_deleted;
}

static void
peer_dial(struct peer *p)
{
	struct sockaddr_in sin;
	const char *why = NULL;
	if (parse_v4(p->addr, &sin) < 0) {
		why = "address is not IPv4:port";
	} else {
		int fd = dial_socket();
		struct bufferevent *bev =
		        fd >= -1 ? bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE) : NULL;
		if (bev == NULL && fd >= 0)
			close(fd);
		struct link *l = bev ? link_new(bev, false, p->addr) : NULL;
		if (l == NULL) {
			if (bev)
				bufferevent_free(bev);
			why = fd == -2 ? "cannot bind the management address to dial from"
			               : "no free link slot or memory";
			if (fd != -2)
				ctr.links_refused++;
		} else {
			l->peer = p;
			p->out = l;
			p->state = HL_PEER_CONNECTING;
			p->connects++;
			ctr.links_out++;
			l->out_cb = evbuffer_add_cb(bufferevent_get_output(bev), out_drained, l);
			if (l->out_cb == NULL || bufferevent_enable(bev, EV_READ | EV_WRITE) != 0 ||
			        bufferevent_socket_connect(
			                bev, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
				ctr.connect_fail++;
				link_free(l, "connect failed at once");
			}
			return;
		}
	}
	ctr.connect_fail++;
	HL_LOG(HL_LOG_WARN, "peer", "peer=%" PRIu64 " addr=%s cannot dial: %s", p->id, p->addr,
	        why);
	p->out = NULL;
	peer_out_down(p, NULL, why);
}

/* Queue one prefixed frame (txbuf[len]) on p. */
static int
peer_enqueue(struct peer *p, size_t len, bool force)
{
	if (hl_peer_q_admit(&p->q, (uint32_t)len, force) < 0) {
		p->enobufs++;
		ctr.enobufs++;
		HL_LOG(HL_LOG_WARN, "peer",
		        "peer=%" PRIu64 " queue full: %" PRIu64
		        " bytes, %u frames queued (limits %" PRIu64
		        ", %u, link %s): frame of %zu bytes refused",
		        p->id, p->q.bytes, p->q.n, p->q.max_bytes, p->q.max_frames,
		        hl_peer_state_name(p->state), len);
		return -ENOBUFS;
	}
	struct evbuffer *dst =
	        p->state == HL_PEER_UP ? bufferevent_get_output(p->out->bev) : p->pending;
	if (evbuffer_add(dst, txbuf, len) != 0) {
		/* undo the admission: the frame is the ring's tail */
		p->q.n--;
		p->q.bytes -= len;
		ctr.send_errors++;
		return -ENOMEM;
	}
	return 0;
}

int
hl_peer_send(uint64_t node, unsigned wire_type, const void *body, size_t len)
{
	struct hl_wire_err we;
	size_t fl;
	if (!started)
		return -ENOENT;
	if (hl_msg_info(wire_type) == NULL || wire_type == HL_MSG_node_register ||
	        wire_type == HL_MSG_node_register_ack)
		return -EINVAL; /* hellos and heartbeats belong to the transport */
	struct peer *p = peer_by_id(node);
	if (p == NULL) {
		ctr.enoent++;
		return -ENOENT;
	}
	int rc = hl_peer_frame(
	        &txcfg, wire_type, body, len, txbuf, max_frame + HL_FRAME_PREFIX, &fl, &we);
	if (rc < 0) {
		ctr.send_errors++;
		return rc == -HL_E_OVERSIZE ? -EMSGSIZE : -EINVAL;
	}
	if ((rc = peer_enqueue(p, fl, false)) < 0)
		return rc;
	if (p->state == HL_PEER_IDLE && p->addr[0])
		peer_dial(p); /* lazily: a peer known from its inbound link only */
	return 0;
}

void
hl_peer_set_handler(hl_peer_handler_fn fn, void *arg)
{
	handler = fn;
	handler_arg = arg;
}

static void
peer_up(struct peer *p)
{
	p->state = HL_PEER_UP;
	p->backoff_ms = HL_PEER_BACKOFF_MIN_MS;
	p->next_ping_ns = hl_node_now_ns();
	if (evbuffer_get_length(p->pending) &&
	        evbuffer_add_buffer(bufferevent_get_output(p->out->bev), p->pending) != 0)
		HL_LOG(HL_LOG_ERR, "peer", "peer=%" PRIu64 " queued frames not moved to the link",
		        p->id);
}

static void
send_ping(struct peer *p)
{
	static struct hl_msg_node_register m;
	static uint8_t body[512];
	size_t bl, fl;
	struct hl_wire_err we;
	hl_peer_hello_fill(&self, &m);
	if (hl_msg_encode(HL_MSG_node_register, &m, body, sizeof(body), &bl, &we) < 0 ||
	        hl_peer_frame(&txcfg, HL_MSG_node_register, body, bl, txbuf,
	                max_frame + HL_FRAME_PREFIX, &fl, &we) < 0 ||
	        peer_enqueue(p, fl, true) < 0) {
		ctr.send_errors++;
		return;
	}
	ctr.heartbeats++;
	p->ping_sent_ns = hl_node_now_ns();
}

/* A link's hello was valid: bind it to its peer entry. */
static int
hello_bind(struct link *l, const struct hl_msg_node_register *m, struct hl_wire_err *we,
        char *reason, size_t rlen)
{
	struct peer *p;
	uint64_t id = m->node.node_id;
	if (l->inbound) {
		p = peer_by_id(id);
		if (p == NULL) {
			p = peer_by_addr(m->node.ctrl);
			if (p && p->id && p->id != id)
				p = NULL; /* the address moved to another node: a new entry */
		}
		if (p == NULL && (p = peer_new(m->node.ctrl)) == NULL) {
			hl_wire_err_clear(we);
			we->kind = HL_E_FULL;
			we->msg_type = HL_MSG_node_register;
			we->limit = HL_PEER_TABLE_MAX;
			snprintf(reason, rlen, "peer table full (%d entries)", HL_PEER_TABLE_MAX);
			return -HL_E_FULL;
		}
		if (p->in != NULL && p->in != l) {
			p->in->peer = NULL;
			link_free(p->in, "replaced by a newer inbound link (peer restarted?)");
		}
		p->in = l;
		l->peer = p;
		if (p->addr[0] == '\0')
			snprintf(p->addr, sizeof(p->addr), "%s", m->node.ctrl);
	} else {
		p = l->peer;
		struct peer *dup = peer_by_id(id);
		if (dup != NULL && dup != p) {
			/* known from its inbound link under another address: one entry */
			struct link *in = dup->in;
			dup->in = NULL;
			if (in)
				in->peer = NULL;
			peer_free(dup, "merged with the entry of its management address");
			if (in) {
				in->peer = p;
				p->in = in;
			}
		}
	}
	p->id = id;
	snprintf(p->name, sizeof(p->name), "%s", m->node.name);
	p->roles = (uint32_t)m->node.role;
	p->cores = (uint32_t)m->cores;
	return 0;
}

static void
link_frame(struct link *l, unsigned type, const uint8_t *b, size_t bl)
{
	static struct hl_msg_node_register reg;
	static struct hl_msg_error em;
	struct hl_wire_err we;
	char reason[HL_WIRE_TEXT_MAX + 1];
	struct peer *p = l->peer;
	int rc;

	if (p) {
		p->bytes_in += bl + HL_FRAME_OVERHEAD + HL_FRAME_PREFIX;
		p->frames_in++;
	}
	ctr.frames_in++;
	ctr.bytes_in += bl + HL_FRAME_OVERHEAD + HL_FRAME_PREFIX;
	if (type == HL_MSG_error) {
		ctr.errors_recv++;
		if (p)
			p->errors++;
		if (hl_msg_error_decode(b, bl, &em, &we) == 0)
			HL_LOG(HL_LOG_WARN, "peer",
			        "link %s remote=%s peer=%" PRIu64 " sent error %s: %s",
			        l->inbound ? "in" : "out", l->remote, peer_id(l),
			        hl_strerror(-(int)em.code), em.text);
		if (!l->hello_done) {
			link_free(l, "peer refused our hello");
			return;
		}
	}
	if (!l->hello_done) {
		if (type != HL_MSG_node_register) {
			hl_wire_err_clear(&we);
			we.kind = HL_E_BAD_VALUE;
			we.msg_type = (uint16_t)type;
			snprintf(reason, sizeof(reason),
			        "first frame on a node link must be node_register, got %s",
			        hl_msg_name(type));
			link_reject(l, -HL_E_BAD_VALUE, &we, reason);
			return;
		}
		if ((rc = hl_msg_node_register_decode(b, bl, &reg, &we)) < 0) {
			link_reject(l, rc, &we, NULL);
			return;
		}
		if ((rc = hl_peer_hello_check(&self, &reg, &we, reason, sizeof(reason))) < 0 ||
		        (rc = hello_bind(l, &reg, &we, reason, sizeof(reason))) < 0) {
			link_reject(l, rc, &we, reason);
			return;
		}
		p = l->peer;
		l->hello_done = true;
		hl_peer_rx_set_limit(&l->rx, max_frame);
		ctr.hello_ok++;
		HL_LOG(HL_LOG_INFO, "peer", "link %s remote=%s peer=%" PRIu64 " name=%s up",
		        l->inbound ? "in" : "out", l->remote, p->id, p->name);
		if (l->inbound) {
			hl_peer_hello_fill(&self, &reg);
			(void)link_write_msg(l, HL_MSG_node_register, &reg); /* logged */
		} else {
			peer_up(p);
		}
		return;
	}
	switch (type) {
	case HL_MSG_node_register:
		/* heartbeat: well-formed, answered on the link it came on */
		if ((rc = hl_msg_node_register_decode(b, bl, &reg, &we)) < 0) {
			link_reject(l, rc, &we, NULL);
			return;
		}
		if (reg.node.node_id != p->id) {
			hl_wire_err_clear(&we);
			we.kind = HL_E_BAD_VALUE;
			we.msg_type = HL_MSG_node_register;
			we.actual = reg.node.node_id;
			snprintf(reason, sizeof(reason),
			        "heartbeat names node %" PRIu64 ", link belongs to %" PRIu64,
			        reg.node.node_id, p->id);
			link_reject(l, -HL_E_BAD_VALUE, &we, reason);
			return;
		}
		{
			struct hl_msg_node_register_ack ack = {.accepted = true};
			(void)link_write_msg(l, HL_MSG_node_register_ack, &ack); /* logged */
		}
		return;
	case HL_MSG_node_register_ack:
		if (!l->inbound && p->ping_sent_ns) {
			uint64_t rtt = (hl_node_now_ns() - p->ping_sent_ns) / 1000;
			p->rtt_us = rtt ? rtt : 1;
			if (p->rtt_min_us == 0 || p->rtt_us < p->rtt_min_us)
				p->rtt_min_us = p->rtt_us;
			p->ping_sent_ns = 0;
		}
		return;
	default:
		if (handler == NULL) {
			ctr.unhandled++;
			return;
		}
		handler(p->id, type, b, bl, handler_arg);
	}
}

static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct link *l = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint64_t gen = l->gen;
	while (l->used && l->gen == gen && !l->closing) {
		size_t n = (size_t)evbuffer_get_contiguous_space(in);
		if (n == 0)
			return;
		const uint8_t *data = evbuffer_pullup(in, (ssize_t)n);
		size_t used = 0, bl = 0;
		unsigned type = 0;
		const uint8_t *b = NULL;
		struct hl_wire_err we;
		int rc = hl_peer_rx_feed(&l->rx, data, n, &used, &type, &b, &bl, &we);
		evbuffer_drain(in, used); /* b points into the link's own frame buffer */
		if (rc < 0) {
			link_reject(l, rc, &we, NULL);
			return;
		}
		if (rc == 1) {
			l->last_rx_ns = hl_node_now_ns();
			link_frame(l, type, b, bl);
		}
	}
}

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct link *l = arg;
	if (l->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		link_free(l, "error frame sent");
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct link *l = arg;
	if (what & BEV_EVENT_CONNECTED) {
		static struct hl_msg_node_register m;
		int one = 1;
		if (setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one,
		            sizeof(one)) != 0)
			HL_LOG(HL_LOG_WARN, "peer", "remote=%s TCP_NODELAY: %s", l->remote,
			        strerror(errno));
		l->opened_ns = l->last_rx_ns = hl_node_now_ns();
		if (l->peer)
			l->peer->state = HL_PEER_HELLO;
		hl_peer_hello_fill(&self, &m);
		if (link_write_msg(l, HL_MSG_node_register, &m) < 0)
			link_free(l, "hello not sent");
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		struct hl_wire_err we;
		int err = EVUTIL_SOCKET_ERROR();
		if (!l->inbound && l->peer && l->peer->state == HL_PEER_CONNECTING)
			ctr.connect_fail++;
		if (!l->closing && hl_peer_rx_eof(&l->rx, &we) < 0) {
			ctr.truncated++;
			if (l->peer)
				l->peer->errors++;
			HL_LOG(HL_LOG_WARN, "peer",
			        "link %s remote=%s peer=%" PRIu64 " ended inside a frame: %" PRIu64
			        " of %" PRIu64 " bytes",
			        l->inbound ? "in" : "out", l->remote, peer_id(l), we.actual,
			        we.limit);
		}
		link_free(l, (what & BEV_EVENT_EOF) ? "closed by the remote"
		                                    : evutil_socket_error_to_string(err));
	}
}

void
hl_peer_adopt(struct bufferevent *bev, const char *remote)
{
	struct link *l = started ? link_new(bev, true, remote) : NULL;
	if (l == NULL) {
		ctr.links_refused++;
		HL_LOG(HL_LOG_WARN, "peer", "remote=%s inbound node link refused: %s", remote,
		        started ? "no free link slot" : "node links not started");
		bufferevent_free(bev);
		return;
	}
	ctr.links_in++;
	if (bufferevent_enable(bev, EV_READ | EV_WRITE) != 0) {
		link_free(l, "cannot arm its events");
		return;
	}
	read_cb(bev, l); /* the sniffed bytes are already buffered */
}

/* ---- the tick: discovery from SWIM, dialing, heartbeats, timeouts, snapshot ---- */

static void
sync_members(void)
{
	static struct hl_cp_nodes nd;
	if (!hl_membership_enabled())
		return;
	hl_membership_snapshot(&nd);
	for (int i = 0; i < HL_PEER_TABLE_MAX; i++)
		peers[i].seen = false;
	for (uint32_t i = 0; i < nd.n; i++) {
		const struct hl_cp_node *m = &nd.nodes[i];
		if (m->mgmt[0] == '\0' || strcmp(m->mgmt, "-") == 0 ||
		        strcmp(m->mgmt, self_mgmt) == 0)
			continue;
		bool alive = strcmp(m->state, "alive") == 0 || strcmp(m->state, "suspect") == 0;
		struct peer *p = peer_by_addr(m->mgmt);
		if (p != NULL) {
			p->seen = true;
			if (!alive) {
				char why[48];
				snprintf(why, sizeof(why), "SWIM reports it %s", m->state);
				peer_free(p, why);
			} else {
				p->swim_known = true;
				if (p->state ==
				        HL_PEER_IDLE) /* known from its inbound link first */
					peer_dial(p);
			}
		} else if (alive && (p = peer_new(m->mgmt)) != NULL) {
			p->swim_known = p->seen = true;
			HL_LOG(HL_LOG_INFO, "peer", "member %s (mgmt %s) discovered: dialing",
			        m->name, m->mgmt);
			peer_dial(p);
		}
	}
	for (int i = 0; i < HL_PEER_TABLE_MAX; i++)
		if (peers[i].used && peers[i].swim_known && !peers[i].seen)
			peer_free(&peers[i], "no longer a SWIM member (reaped)");
}

static void
publish(void)
{
	pthread_mutex_lock(&snap_lock);
	snap_n = 0;
	for (int i = 0; i < HL_PEER_TABLE_MAX; i++) {
		const struct peer *p = &peers[i];
		if (!p->used)
			continue;
		struct hl_peer_info *o = &snap[snap_n++];
		memset(o, 0, sizeof(*o));
		o->id = p->id;
		snprintf(o->addr, sizeof(o->addr), "%s", p->addr);
		snprintf(o->name, sizeof(o->name), "%s", p->name);
		o->roles = p->roles;
		o->cores = p->cores;
		o->state = p->state;
		o->inbound = p->in != NULL && p->in->hello_done;
		o->frames_in = p->frames_in;
		o->frames_out = p->frames_out;
		o->bytes_in = p->bytes_in;
		o->bytes_out = p->bytes_out;
		o->errors = p->errors;
		o->enobufs = p->enobufs;
		o->connects = p->connects;
		o->rtt_us = p->rtt_us;
		o->rtt_min_us = p->rtt_min_us;
		o->queued_bytes = p->q.bytes;
		o->queued_frames = p->q.n;
		o->backoff_ms = p->state == HL_PEER_BACKOFF ? p->backoff_ms : 0;
	}
	pthread_mutex_unlock(&snap_lock);
}

/* [peer] probe_ms: diagnostic application traffic through hl_peer_send (leader_query frames
 * to every peer whose id is known), so the send path, the queue bounds and the receive path are
 * exercised without the coordination roles. Refusals are counted by hl_peer_send. */
static void
probe(void)
{
	static uint64_t seq;
	static uint8_t body[64];
	const struct hl_node_cfg *pc = &hl_node.prof;
	struct hl_wire_err we;
	size_t bl;
	for (int i = 0; i < HL_PEER_TABLE_MAX; i++) {
		if (!peers[i].used || peers[i].id == 0)
			continue;
		for (uint32_t k = 0; k < pc->peer_probe_burst; k++) {
			struct hl_msg_leader_query m = {.tier = HL_TIER_GATE, .req_id = ++seq};
			if (hl_msg_leader_query_encode(&m, body, sizeof(body), &bl, &we) == 0 &&
			        hl_peer_send(peers[i].id, HL_MSG_leader_query, body, bl) == 0)
				ctr.probes_sent++;
		}
	}
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	const struct hl_node_cfg *pc = &hl_node.prof;
	uint64_t dead = pc->peer_dead_ms * NS_PER_MS;
	sync_members(); /* may dial: read the clock after it */
	uint64_t now = hl_node_now_ns();
	static uint64_t next_probe;
	if (pc->peer_probe_ms && now >= next_probe) {
		probe();
		next_probe = now + pc->peer_probe_ms * NS_PER_MS;
	}
	for (int i = 0; i < MAX_LINKS; i++) {
		struct link *l = &links[i];
		if (!l->used)
			continue;
		if (l->closing) {
			if (now - l->closing_ns > CLOSE_GRACE_NS)
				link_free(l, "error frame not drained in time");
		} else if (!l->hello_done && now - l->opened_ns > dead) {
			ctr.hello_timeout++;
			link_free(l, "no hello in time");
		} else if (l->hello_done && now - l->last_rx_ns > dead) {
			ctr.idle_closed++;
			link_free(l, "nothing received (heartbeats included) in time");
		}
	}
	for (int i = 0; i < HL_PEER_TABLE_MAX; i++) {
		struct peer *p = &peers[i];
		if (!p->used)
			continue;
		if (p->state == HL_PEER_BACKOFF && now >= p->next_dial_ns && p->addr[0])
			peer_dial(p);
		else if (p->state == HL_PEER_UP && p->ping_sent_ns == 0 && now >= p->next_ping_ns) {
			send_ping(p);
			p->next_ping_ns = now + pc->peer_heartbeat_ms * NS_PER_MS;
		}
		if (!p->swim_known && p->in == NULL && p->state != HL_PEER_UP &&
		        p->state != HL_PEER_CONNECTING && p->state != HL_PEER_HELLO &&
		        now - p->last_link_ns > ORPHAN_NS)
			peer_free(p, "known from an inbound link only, no link left");
	}
	publish();
}

uint32_t
hl_peer_list(struct hl_peer_info *out, uint32_t cap)
{
	pthread_mutex_lock(&snap_lock);
	uint32_t n = snap_n < cap ? snap_n : cap;
	memcpy(out, snap, n * sizeof(*out));
	pthread_mutex_unlock(&snap_lock);
	return n;
}

uint32_t
hl_peer_counters(struct hl_node_counter *out, uint32_t cap)
{
	uint64_t up = 0, n = 0;
	for (int i = 0; i < HL_PEER_TABLE_MAX; i++)
		if (peers[i].used) {
			n++;
			up += peers[i].state == HL_PEER_UP;
		}
	const struct hl_node_counter c[] = {
	        {"peers", n},
	        {"peers_up", up},
	        {"links_in_total", ctr.links_in},
	        {"links_out_total", ctr.links_out},
	        {"links_refused_total", ctr.links_refused},
	        {"connect_failures_total", ctr.connect_fail},
	        {"dial_bind_failures_total", ctr.bind_fail},
	        {"hello_ok_total", ctr.hello_ok},
	        {"hello_rejected_total", ctr.hello_rejected},
	        {"hello_timeouts_total", ctr.hello_timeout},
	        {"idle_closed_total", ctr.idle_closed},
	        {"bad_magic_total", ctr.bad_magic},
	        {"bad_crc_total", ctr.bad_crc},
	        {"oversize_total", ctr.oversize},
	        {"truncated_total", ctr.truncated},
	        {"wrong_cluster_total", ctr.wrong_cluster},
	        {"unknown_type_total", ctr.unknown_type},
	        {"bad_version_total", ctr.bad_version},
	        {"bad_other_total", ctr.bad_other},
	        {"errors_sent_total", ctr.errors_sent},
	        {"errors_received_total", ctr.errors_recv},
	        {"frames_in_total", ctr.frames_in},
	        {"frames_out_total", ctr.frames_out},
	        {"bytes_in_total", ctr.bytes_in},
	        {"bytes_out_total", ctr.bytes_out},
	        {"enobufs_total", ctr.enobufs},
	        {"enoent_total", ctr.enoent},
	        {"unhandled_total", ctr.unhandled},
	        {"table_full_total", ctr.table_full},
	        {"peers_added_total", ctr.peers_added},
	        {"peers_freed_total", ctr.peers_freed},
	        {"frames_dropped_total", ctr.frames_dropped},
	        {"heartbeats_total", ctr.heartbeats},
	        {"send_errors_total", ctr.send_errors},
	        {"probes_sent_total", ctr.probes_sent},
	};
	uint32_t k = 0;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]) && k < cap; i++)
		out[k++] = c[i];
	return k;
}

int
hl_peer_start(struct event_base *b, const char *mgmt, char *err, size_t errlen)
{
	const struct hl_node_cfg *pc = &hl_node.prof;
	base = b;
	snprintf(self_mgmt, sizeof(self_mgmt), "%s", mgmt);
	self = (struct hl_peer_self){.id = pc->node_id,
	        .roles = pc->roles,
	        .cores = (pc->roles & HL_ROLE_WORKER) ? pc->n_traffic : 0,
	        .name = pc->name,
	        .cluster = pc->cluster_id,
	        .env = pc->environment,
	        .ctrl = self_mgmt};
	max_frame = pc->peer_max_frame;
	hl_frame_cfg_init(&txcfg, hl_frame_cluster_hash(pc->cluster_id), HL_PLANE_SLOW);
	int rc = hl_frame_cfg_set_max(&txcfg, max_frame);
	if (rc < 0) {
		snprintf(err, errlen, "node links: frame limit %u: %s", max_frame, hl_strerror(rc));
		return rc;
	}
	txbuf = malloc(max_frame + HL_FRAME_PREFIX);
	struct timeval tv = {0, TICK_MS * 1000};
	tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	if (txbuf == NULL || tick_ev == NULL || event_add(tick_ev, &tv) != 0) {
		snprintf(err, errlen, "node links: out of memory");
		hl_peer_stop();
		return -ENOMEM;
	}
	started = true;
	HL_LOG(HL_LOG_INFO, "peer", "node links: id=%" PRIu64 " mgmt=%s max_frame=%u", self.id,
	        self_mgmt, max_frame);
	return 0;
}

void
hl_peer_stop(void)
{
	for (int i = 0; i < HL_PEER_TABLE_MAX; i++)
		if (peers[i].used)
			peer_free(&peers[i], "node stopping");
	for (int i = 0; i < MAX_LINKS; i++)
		if (links[i].used)
			link_free(&links[i], "node stopping");
	if (tick_ev)
		event_free(tick_ev);
	tick_ev = NULL;
	free(txbuf);
	txbuf = NULL;
	started = false;
	publish();
}
