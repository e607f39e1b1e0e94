/* roles.c — the coordination roles of the node, on the control core. First part: the gate tier's
 * leader election. Each gate of `[cluster] gates` runs one hl_elect (coord/elect.c) whose
 * messages travel over the node links (peer.c) as lib/wire election bodies (elect_wire.c); the
 * highest term and vote are persisted in <state_dir>/gate-term before any vote leaves the node.
 * The rest of the roles (hl_gate, hl_manager, the worker host) plug into the same loop. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "hl_elect.h"
#include "hl_elect_wire.h"
#include "hl_err.h"
#include "hl_log.h"
#include "node.h"
#include "peer.h"

#define TICK_US 20000 /* election timers are seconds: 20 ms is fine grained enough */

static struct hl_elect el;
static bool gate_on;
static struct event *tick_ev;
static char term_path[HL_NODE_LONGSTR + 16];
static struct {
	uint64_t sent, send_enoent, send_enobufs, send_err, recv, recv_bad, recv_other;
	uint64_t persist_err, became_leader, stepped_down, leader_changes;
} ctr;

/* "<term> <vote>\n"; a missing file is term 0 (a new node), a malformed one an error. */
static int
load_term(uint32_t *term, uint64_t *vote, char *err, size_t errlen)
{
	FILE *f = fopen(term_path, "r");
	*term = 0;
	*vote = 0;
	if (f == NULL)
		return errno == ENOENT ? 0 : -errno;
	unsigned long t;
	unsigned long long v;
	int n = fscanf(f, "%lu %llu", &t, &v);
	fclose(f);
	if (n != 2 || t > UINT32_MAX) {
		snprintf(err, errlen, "%s: malformed (expected '<term> <vote>')", term_path);
		return -HL_E_CONFIG;
	}
	*term = (uint32_t)t;
	*vote = v;
	return 0;
}

/* Durable before the vote leaves: write a temporary file, fsync it, rename over the old one. */
static int
store_term(uint32_t term, uint64_t vote)
{
	char tmp[sizeof(term_path) + 4];
	snprintf(tmp, sizeof(tmp), "%s.tmp", term_path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	char line[64];
	int n = snprintf(line, sizeof(line), "%u %" PRIu64 "\n", term, vote);
	int rc = 0;
	if (write(fd, line, (size_t)n) != n || fsync(fd) != 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, term_path) != 0)
		rc = -errno;
	return rc;
}

static void
send_one(uint64_t to, unsigned type, const void *body, size_t len)
{
	int rc = hl_peer_send(to, type, body, len);
	if (rc == 0)
		ctr.sent++;
	else if (rc == -ENOENT)
		ctr.send_enoent++; /* no link yet: the election's own timers resend */
	else if (rc == -ENOBUFS)
		ctr.send_enobufs++;
	else {
		ctr.send_err++;
		HL_LOG(HL_LOG_WARN, "roles", "gate election: send to node=%" PRIu64 " failed: %s",
		        to, hl_errname(rc));
	}
}

static void
drain(void)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	struct hl_elect_action a;
	uint8_t buf[512];
	while (hl_elect_next_action(&el, &a) == 1) {
		switch (a.kind) {
		case HL_ELECT_ACT_SEND: {
			unsigned type;
			size_t len;
			int rc = hl_elect_wire_encode(&a.msg, HL_TIER_GATE,
			        el.cfg.lease_ns / 1000000, &type, buf, sizeof(buf), &len);
			if (rc < 0) {
				ctr.send_err++;
				HL_LOG(HL_LOG_ERR, "roles", "gate election: encode kind=%d: %s",
				        (int)a.msg.kind, hl_errname(rc));
				break;
			}
			for (uint32_t i = 0; i < p->n_gates; i++)
				if (p->gates[i] != p->node_id &&
				        (a.msg.to == 0 || a.msg.to == p->gates[i]))
					send_one(p->gates[i], type, buf, len);
			break;
		}
		case HL_ELECT_ACT_PERSIST: {
			int rc = store_term(a.term, a.voted_for);
			if (rc < 0) {
				/* Nothing more leaves this node until the term is durable: retry. */
				ctr.persist_err++;
				HL_LOG(HL_LOG_ERR, "roles",
				        "gate election: persist term=%u to %s: %s", a.term,
				        term_path, strerror(-rc));
				return;
			}
			hl_elect_persisted(&el, a.term);
			break;
		}
		case HL_ELECT_ACT_LEADER:
			ctr.became_leader++;
			HL_LOG(HL_LOG_INFO, "roles", "gate tier: this node leads term=%u", a.term);
			break;
		case HL_ELECT_ACT_STEPPED_DOWN:
			ctr.stepped_down++;
			HL_LOG(HL_LOG_INFO, "roles", "gate tier: stepped down term=%u", a.term);
			break;
		case HL_ELECT_ACT_NEW_LEADER:
			ctr.leader_changes++;
			HL_LOG(HL_LOG_INFO, "roles", "gate tier: leader node=%" PRIu64 " term=%u",
			        a.leader, a.term);
			break;
		}
	}
}

static void
on_frame(uint64_t from, unsigned type, const void *body, size_t len, void *arg)
{
	(void)arg;
	struct hl_elect_msg m;
	struct hl_wire_err werr;
	if (!gate_on) {
		ctr.recv_other++;
		return;
	}
	int rc = hl_elect_wire_decode(type, body, len, &m, &werr);
	if (rc == -HL_E_UNKNOWN_MSG) {
		ctr.recv_other++; /* not an election message: no other role listens yet */
		return;
	}
	if (rc < 0 || m.from != from) {
		ctr.recv_bad++;
		HL_LOG(HL_LOG_WARN, "roles",
		        "gate election: bad %s from node=%" PRIu64 " (claims %" PRIu64 "): %s",
		        hl_msg_name(type), from, rc < 0 ? 0 : m.from,
		        rc < 0 ? hl_errname(rc) : "sender");
		return;
	}
	ctr.recv++;
	if ((rc = hl_elect_recv(&el, &m, hl_node_now_ns())) < 0 && rc != -EINVAL)
		HL_LOG(HL_LOG_WARN, "roles", "gate election: recv from node=%" PRIu64 ": %s", from,
		        hl_errname(rc));
	drain();
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	hl_elect_tick(&el, hl_node_now_ns());
	drain();
}

int
hl_roles_start(struct event_base *base, char *err, size_t errlen)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	struct hl_elect_cfg cfg;
	uint32_t term;
	uint64_t vote;
	int rc;

	hl_peer_set_handler(on_frame, NULL);
	if (!(p->roles & HL_ROLE_GATE) || p->n_gates == 0)
		return 0;
	snprintf(term_path, sizeof(term_path), "%s/gate-term", p->state_dir);
	if ((rc = load_term(&term, &vote, err, errlen)) < 0) {
		if (rc != -HL_E_CONFIG)
			snprintf(err, errlen, "%s: %s", term_path, strerror(-rc));
		return rc;
	}
	hl_elect_cfg_default(&cfg);
	cfg.self = p->node_id;
	cfg.nmembers = p->n_gates;
	memcpy(cfg.members, p->gates, p->n_gates * sizeof(p->gates[0]));
	if ((rc = hl_elect_init(
	             &el, &cfg, term, vote, p->node_id ^ hl_node_now_ns(), hl_node_now_ns())) < 0) {
		snprintf(err, errlen, "gate election: %s", hl_errname(rc));
		return rc;
	}
	struct timeval tv = {0, TICK_US};
	tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	if (tick_ev == NULL || event_add(tick_ev, &tv) != 0) {
		snprintf(err, errlen, "gate election: cannot arm its timer");
		return -ENOMEM;
	}
	gate_on = true;
	printf("hyperline: node %s gate tier of %u, term %u\n", p->name, p->n_gates, term);
	return 0;
}

void
hl_roles_stop(void)
{
	hl_peer_set_handler(NULL, NULL);
	if (tick_ev)
		event_free(tick_ev);
	tick_ev = NULL;
	gate_on = false;
}

uint32_t
hl_roles_counters(struct hl_node_counter *out, uint32_t cap)
{
	uint64_t now = hl_node_now_ns();
	const struct hl_node_counter c[] = {
	        {"gate_tier_members", gate_on ? el.cfg.nmembers : 0},
	        {"gate_tier_term", gate_on ? el.term : 0},
	        {"gate_tier_leader", gate_on ? hl_elect_leader(&el, now) : 0},
	        {"gate_tier_is_leader", gate_on && hl_elect_is_leader(&el, now)},
	        {"election_sent_total", ctr.sent},
	        {"election_send_no_link_total", ctr.send_enoent},
	        {"election_send_enobufs_total", ctr.send_enobufs},
	        {"election_send_errors_total", ctr.send_err},
	        {"election_received_total", ctr.recv},
	        {"election_received_bad_total", ctr.recv_bad},
	        {"frames_for_no_role_total", ctr.recv_other},
	        {"election_persist_errors_total", ctr.persist_err},
	        {"became_leader_total", ctr.became_leader},
	        {"stepped_down_total", ctr.stepped_down},
	        {"leader_changes_total", ctr.leader_changes},
	};
	uint32_t n = 0;
	for (; n < sizeof(c) / sizeof(c[0]) && n < cap; n++)
		out[n] = c[n];
	return n;
}
