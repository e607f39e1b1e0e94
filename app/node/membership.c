/* membership.c — SWIM membership of the node: the sans-IO core (swim/) driven as the `hl_swim`
 * rte_service over a kernel UDP socket on the management address (UDP, same IPv4 address and
 * port as the TCP client API), seeded from [management] seeds. Interim transport until the DPDK fabric port carries SWIM. The service
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
#include "hl_log.h"
#include "hl_snap.h"
#include "node.h"
#include "swim_udp.h"

#define PUBLISH_NS 100000000ull

static struct swim_udp su;
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
	snprintf(snap.nodes[0].name, HL_CPROTO_NAME, "%s", p->name);
	snprintf(snap.nodes[0].roles, HL_CPROTO_NAME, "%s", p->roles_str);
	snprintf(snap.nodes[0].dc, HL_CPROTO_NAME, "%s", p->dc);
	snprintf(snap.nodes[0].state, sizeof(snap.nodes[0].state), "alive");
	snprintf(snap.nodes[0].mgmt, HL_CPROTO_NAME, "%s", client_addr);
	hl_seq_write_end(&snap_lock);
}

static void
publish(void)
{
	static const char *const st[] = {"alive", "suspect", "dead", "left"};
	struct hl_swim_member_info mi;
	memset(&scratch, 0, sizeof(scratch));
	for (uint32_t i = 0; scratch.n < HL_CPROTO_MAX_NODES; i++) {
		int rc = hl_swim_member_at(su.sw, i, &mi);
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
	int got = swim_udp_read(&su, now);
	if (got < 0)
		HL_LOG(HL_LOG_WARN, "swim", "udp read: %s", strerror(-got));
	if (now >= hl_swim_next_deadline(su.sw))
		hl_swim_tick(su.sw, now);
	int sent = swim_udp_flush(&su);
	struct hl_swim_event ev;
	while (hl_swim_next_event(su.sw, &ev) == 1) {
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

int
hl_membership_start(const char *client_addr, char *err, size_t errlen)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	publish_self_only(client_addr);
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
	struct hl_swim_meta meta;
	struct sockaddr_in mgmt = {.sin_family = AF_INET};
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
			swim_udp_close(&su);
			return -HL_E_CONFIG;
		}
		sin.sin_port = htons(port);
		swim_udp_addr(&sin, &seeds[n++]);
	}
	if ((rc = hl_swim_set_meta(su.sw, now, &meta)) < 0 ||
	        (n && (rc = hl_swim_join(su.sw, now, seeds, n)) < 0)) {
		snprintf(err, errlen, "SWIM start: %s", hl_strerror(rc));
		swim_udp_close(&su);
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
	hl_swim_leave(su.sw, swim_udp_now());
	for (int i = 0; i < 4; i++) {
		uint64_t now = swim_udp_now();
		swim_udp_read(&su, now);
		hl_swim_tick(su.sw, now);
		swim_udp_flush(&su);
		usleep(50000);
	}
	swim_udp_close(&su);
	swim_on = false;
}
