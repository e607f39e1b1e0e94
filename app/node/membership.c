/* membership.c — SWIM membership of the node: the sans-IO core (swim/) driven as the `hl_swim`
 * rte_service, seeded from [seeds] list. With a [fabric] port SWIM runs on it (lib/net's
 * hl_fabric_swim_step, member addresses are fabric IPv4:port); otherwise over a kernel UDP
 * socket on [management] swim (app/swim_udp). The service
 * lcore is the only writer of the SWIM instance; it publishes a member snapshot every 100 ms
 * under a seqlock that the control core and the telemetry thread read. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "hl_err.h"
#include "hl_fabric_swim.h"
#include "hl_log.h"
#include "hl_snap.h"
#include "node.h"
#include "swim_udp.h"

#define PUBLISH_NS 100000000ull

static struct swim_udp su; /* kernel-UDP transport (no [fabric]) */
static struct hl_fabric *fab; /* fabric transport, or NULL */
static struct hl_swim *sw; /* the instance, whichever transport carries it */
static bool swim_on;
static uint64_t next_pub;
static struct hl_seqlock snap_lock;
static struct hl_cp_nodes snap; /* written by the swim service (or main before it starts) */
static struct hl_cp_nodes scratch;
static char bound[48]; /* SWIM address actually bound (port 0 resolved) */

const char *
hl_membership_addr(void)
{
	return bound;
}

static void
addr_str(const struct hl_swim_addr *a, char *out, size_t cap)
{
	struct sockaddr_in sin;
	char ip[INET_ADDRSTRLEN];
	if (swim_udp_sin(a, &sin) != 0 || inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip)) == NULL)
		snprintf(out, cap, "-");
	else
		snprintf(out, cap, "%s:%u", ip, ntohs(sin.sin_port));
}

static void
roles_str(uint32_t r, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s%s%s", r & HL_SWIM_ROLE_GATE ? "gate" : "",
	        (r & HL_SWIM_ROLE_GATE) && (r & (HL_SWIM_ROLE_MANAGER | HL_SWIM_ROLE_WORKER)) ? ","
	                                                                                      : "",
	        r & HL_SWIM_ROLE_MANAGER ? "manager" : "",
	        (r & HL_SWIM_ROLE_MANAGER) && (r & HL_SWIM_ROLE_WORKER) ? "," : "",
	        r & HL_SWIM_ROLE_WORKER ? "worker" : "");
}

static void
publish_self_only(const char *client_addr)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	hl_seq_write_begin(&snap_lock);
	memset(&snap, 0, sizeof(snap));
	snap.n = 1;
	snprintf(snap.nodes[0].name, sizeof(snap.nodes[0].name), "%s", p->name);
	snprintf(snap.nodes[0].roles, sizeof(snap.nodes[0].roles), "%s", p->roles_str);
	snprintf(snap.nodes[0].dc, sizeof(snap.nodes[0].dc), "%.*s", HL_WIRE_DC_MAX, p->dc);
	snprintf(snap.nodes[0].state, sizeof(snap.nodes[0].state), "alive");
	snprintf(snap.nodes[0].mgmt, sizeof(snap.nodes[0].mgmt), "%s", client_addr);
	hl_seq_write_end(&snap_lock);
}

static void
publish(void)
{
	static const char *const st[] = {"alive", "suspect", "dead", "left"};
	struct hl_swim_member_info mi;
	memset(&scratch, 0, sizeof(scratch));
	for (uint32_t i = 0; scratch.n < HL_CP_MAX_NODES; i++) {
		int rc = hl_swim_member_at(sw, i, &mi);
		if (rc == -ENOENT)
			break;
		if (rc != 0)
			continue;
		struct hl_cp_node *o = &scratch.nodes[scratch.n++];
		addr_str(&mi.addr, o->name, sizeof(o->name));
		roles_str(mi.meta.roles, o->roles, sizeof(o->roles));
		snprintf(o->dc, sizeof(o->dc), "%s", mi.meta.dc);
		snprintf(o->state, sizeof(o->state), "%s", mi.state <= 3 ? st[mi.state] : "?");
		addr_str(&mi.meta.mgmt, o->mgmt, sizeof(o->mgmt));
	}
	hl_seq_write_begin(&snap_lock);
	memcpy(&snap, &scratch, sizeof(snap));
	hl_seq_write_end(&snap_lock);
}

void
hl_membership_snapshot(struct hl_cp_nodes *out)
{
	uint32_t s;
	do {
		s = hl_seq_read_begin(&snap_lock);
		memcpy(out, &snap, sizeof(*out));
	} while (hl_seq_read_retry(&snap_lock, s));
}

bool
hl_membership_enabled(void)
{
	return swim_on;
}

int32_t
hl_membership_service(void *arg)
{
	(void)arg;
	uint64_t now = swim_udp_now();
	int got, sent = 0;
	if (fab != NULL) {
		static uint64_t tx_before, step_errors;
		got = hl_fabric_swim_step(fab, sw, now);
		if (got < 0) {
			/* only a SWIM config over the frame limit fails a step: log it sparsely */
			if (step_errors++ % 1000 == 0)
				HL_LOG(HL_LOG_ERR, "swim", "fabric step: %s (%" PRIu64 " times)",
				        hl_strerror(got), step_errors);
			got = 0;
		}
		uint64_t tx = hl_fabric_stats(fab)->tx_pkts;
		sent = tx != tx_before;
		tx_before = tx;
	} else {
		got = swim_udp_read(&su, now);
		if (got < 0)
			HL_LOG(HL_LOG_WARN, "swim", "udp read: %s", strerror(-got));
		int trc;
		if (now >= hl_swim_next_deadline(sw) && (trc = hl_swim_tick(sw, now)) < 0)
			HL_LOG(HL_LOG_WARN, "swim", "tick: %s", hl_strerror(trc));
		sent = swim_udp_flush(&su);
	}
	struct hl_swim_event ev;
	while (hl_swim_next_event(sw, &ev) == 1) {
		static const char *const names[] = {
		        "?", "join", "suspect", "alive", "dead", "left", "meta", "job-dead"};
		char a[48];
		addr_str(&ev.addr, a, sizeof(a));
		HL_LOG(HL_LOG_INFO, "swim", "member=%s %s incarnation=%" PRIu64 " dc=%s", a,
		        (unsigned)ev.type < 8 ? names[ev.type] : "?", ev.incarnation, ev.meta.dc);
		got++;
	}
	if (now >= next_pub) {
		publish();
		hl_fabric_port_publish();
		next_pub = now + PUBLISH_NS;
	}
	if (got > 0 || sent > 0)
		hl_svc_worked();
	return 0;
}

static int
parse_v4(const char *s, uint32_t *ip_be, uint16_t *port)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	struct in_addr a;
	char *end;
	unsigned long p = strtoul(colon + 1, &end, 10);
	if (inet_pton(AF_INET, host, &a) != 1 || *end || p > 65535)
		return -EINVAL;
	*ip_be = a.s_addr;
	*port = (uint16_t)p;
	return 0;
}

/* Metadata (roles, dc, capacity, client address) and the join through [seeds] list, for
 * either transport: both use 6-byte IPv4+port addresses in network order. */
static int
meta_and_join(const char *client_addr, uint32_t *n_seeds, char *err, size_t errlen)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	struct hl_swim_meta meta;
	struct sockaddr_in mgmt = {.sin_family = AF_INET};
	uint16_t port;
	int rc;
	memset(&meta, 0, sizeof(meta));
	meta.roles = (p->roles & HL_ROLE_GATE ? HL_SWIM_ROLE_GATE : 0) |
	             (p->roles & HL_ROLE_MANAGER ? HL_SWIM_ROLE_MANAGER : 0) |
	             (p->roles & HL_ROLE_WORKER ? HL_SWIM_ROLE_WORKER : 0);
	size_t dl = strnlen(p->dc, HL_SWIM_DC_MAX); /* the profile parser bounds it */
	memcpy(meta.dc, p->dc, dl);
	meta.dc[dl] = '\0';
	meta.capacity = p->n_traffic;
	if (parse_v4(client_addr, &mgmt.sin_addr.s_addr, &port) == 0) {
		mgmt.sin_port = htons(port);
		swim_udp_addr(&mgmt, &meta.mgmt);
	}
	uint64_t now = swim_udp_now();
	struct hl_swim_addr seeds[HL_NODE_MAX_PEERS];
	uint32_t n = 0;
	for (uint32_t i = 0; i < p->n_seeds; i++) {
		struct sockaddr_in sin = {.sin_family = AF_INET};
		if (parse_v4(p->seeds[i], &sin.sin_addr.s_addr, &port) < 0) {
			snprintf(err, errlen, "%s: [seeds] list: '%s' is not IPv4:port", p->origin,
			        p->seeds[i]);
			return -HL_E_CONFIG;
		}
		sin.sin_port = htons(port);
		swim_udp_addr(&sin, &seeds[n++]);
	}
	if ((rc = hl_swim_set_meta(sw, now, &meta)) < 0 ||
	        (n && (rc = hl_swim_join(sw, now, seeds, n)) < 0)) {
		snprintf(err, errlen, "SWIM start: %s", hl_strerror(rc));
		return rc;
	}
	*n_seeds = n;
	return 0;
}

/* SWIM on the [fabric] port: port and fabric are set up here on the main lcore, before the
 * hl_swim service (the only one to touch them afterwards) is mapped. */
static int
start_fabric(const char *client_addr, char *err, size_t errlen)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	int rc = hl_fabric_port_start(err, errlen);
	if (rc < 0) {
		hl_fabric_port_stop();
		return rc;
	}
	fab = hl_fabric_port();
	struct hl_swim_config cfg;
	hl_swim_config_lan(&cfg);
	hl_fabric_swim_config_fit(&cfg);
	struct hl_swim_addr self;
	hl_fabric_swim_addr(&self, p->fabric_ip, p->fabric_swim_port);
	uint64_t now = swim_udp_now();
	struct hl_swim_meta meta0;
	memset(&meta0, 0, sizeof(meta0));
	/* generation: boot time in seconds, so a restart always wins over its stale self */
	rc = hl_swim_create(&sw, &cfg, &self, &meta0, (uint64_t)time(NULL),
	        (uint64_t)getpid() ^ (uint64_t)time(NULL) << 20, now);
	uint32_t n = 0;
	if (rc < 0)
		snprintf(err, errlen, "SWIM on fabric %s: %s", p->fabric_addr, hl_strerror(rc));
	else
		rc = meta_and_join(client_addr, &n, err, errlen);
	if (rc < 0) {
		if (sw != NULL)
			hl_swim_destroy(sw);
		sw = NULL;
		fab = NULL;
		hl_fabric_port_stop();
		return rc;
	}
	swim_on = true;
	publish();
	addr_str(&self, bound, sizeof(bound));
	HL_LOG(HL_LOG_INFO, "swim",
	        "member=%s started on fabric port=%s seeds=%u probe_interval_ms=%" PRIu64, bound,
	        p->fabric_device, n, cfg.probe_interval_ns / 1000000);
	return 0;
}

int
hl_membership_start(const char *client_addr, char *err, size_t errlen)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	publish_self_only(client_addr);
	if (p->fabric_device[0])
		return start_fabric(client_addr, err, errlen);
	if (p->swim_addr[0] == '\0')
		return 0;
	uint32_t ip;
	uint16_t port;
	if (parse_v4(p->swim_addr, &ip, &port) < 0) {
		snprintf(err, errlen, "%s: [management] swim: '%s' is not IPv4:port", p->origin,
		        p->swim_addr);
		return -HL_E_CONFIG;
	}
	struct hl_swim_config cfg;
	hl_swim_config_lan(&cfg);
	/* generation: boot time in seconds, so a restart always wins over its stale self */
	int rc = swim_udp_open(&su, &cfg, ip, port, (uint64_t)time(NULL),
	        (uint64_t)getpid() ^ (uint64_t)time(NULL) << 20);
	if (rc < 0) {
		snprintf(err, errlen, "SWIM on %s: %s", p->swim_addr, hl_strerror(rc));
		return rc;
	}
	sw = su.sw;
	uint32_t n;
	if ((rc = meta_and_join(client_addr, &n, err, errlen)) < 0) {
		swim_udp_close(&su);
		sw = NULL;
		return rc;
	}
	swim_on = true;
	publish();
	addr_str(&su.addr, bound, sizeof(bound));
	HL_LOG(HL_LOG_INFO, "swim", "member=%s started seeds=%u probe_interval_ms=%" PRIu64, bound,
	        n, cfg.probe_interval_ns / 1000000);
	return 0;
}

void
hl_membership_stop(void)
{
	if (!swim_on)
		return;
	/* the service lcore has stopped: main owns the instance now. Announce the leave and keep
	 * gossiping it for a few rounds. */
	int rc = hl_swim_leave(sw, swim_udp_now());
	if (rc < 0)
		HL_LOG(HL_LOG_WARN, "swim", "leave not announced: %s (members will see us dead)",
		        hl_strerror(rc));
	if (fab != NULL) {
		for (int i = 0; i < 4 && rc >= 0; i++) {
			uint64_t t_end = swim_udp_now() + 50000000ull;
			/* ticks, acks and gossip of the leave; step errors were logged by the service */
			while (swim_udp_now() < t_end) {
				(void)hl_fabric_swim_step(fab, sw, swim_udp_now());
				usleep(1000);
			}
		}
		hl_swim_destroy(sw);
		sw = NULL;
		fab = NULL;
		hl_fabric_port_stop();
		swim_on = false;
		return;
	}
	for (int i = 0; i < 4 && rc >= 0; i++) {
		uint64_t now = swim_udp_now();
		int got = swim_udp_read(&su, now); /* acks and gossip; datagram errors are logged */
		if (got < 0)
			HL_LOG(HL_LOG_WARN, "swim", "udp read while leaving: %s", strerror(-got));
		if ((rc = hl_swim_tick(sw, now)) < 0)
			HL_LOG(HL_LOG_WARN, "swim", "tick while leaving: %s", hl_strerror(rc));
		swim_udp_flush(&su); /* returns datagrams sent; send failures are logged */
		usleep(50000);
	}
	swim_udp_close(&su);
	swim_on = false;
}
