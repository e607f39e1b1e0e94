/* profile.c — the node profile (INI, read strictly by lib/cfg's hl_ini): roles, identity,
 * management and fabric addresses, seeds, lcore map, polling mode, timers and test ports with
 * their pmd-config profiles. Every error names file, section, key and reason. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "hl_err.h"
#include "hl_frame.h"
#include "hl_ini.h"
#include "hl_strlist.h"
#include "hl_swim.h"
#include "node.h"

struct ctx {
	struct hl_ini *ini;
	char *err;
	size_t errlen;
};

static void
defaults(struct hl_node_cfg *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->name, "node");
	strcpy(p->dc, "dc1");
	strcpy(p->cluster_id, "hyperline");
	strcpy(p->environment, "lab");
	strcpy(p->state_dir, "/var/lib/hyperline");
	strcpy(p->pmd_config_dir, "pmd-config");
	p->adaptive = true;
	strcpy(p->client_addr, "127.0.0.1:7400");
	p->window_ms = 50;
	p->push_ms = 250;
	p->peer_max_frame = HL_FRAME_SLOW_MAX_DEFAULT;
	p->peer_queue_frames = 1024;
	p->peer_queue_bytes = 8u << 20;
	p->peer_heartbeat_ms = 1000;
	p->peer_dead_ms = 5000;
	p->peer_probe_burst = 1;
}

/* Default node id: FNV-1a 64 of the node name (stable across restarts; 0 is reserved). */
static uint64_t
name_id(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 0x100000001b3ull;
	return h ? h : 1;
}

/* [node] id and the [peer] section: node-to-node link settings (peer.h). */
static int
parse_peer(struct ctx *c, int node, int peer, struct hl_node_cfg *p)
{
	int rc;
	p->node_id = name_id(p->name);
	if ((rc = hl_ini_u64(c->ini, (unsigned)node, "id", 1, UINT64_MAX, &p->node_id, c->err,
	             c->errlen)) < 0)
		return rc;
	if (peer < 0)
		return 0;
	if ((rc = hl_ini_u32(c->ini, (unsigned)peer, "max_frame", 1024, 1u << 30,
	             &p->peer_max_frame, c->err, c->errlen)) < 0 ||
	        (rc = hl_ini_u32(c->ini, (unsigned)peer, "queue_frames", 4, 1u << 20,
	                 &p->peer_queue_frames, c->err, c->errlen)) < 0 ||
	        (rc = hl_ini_u64(c->ini, (unsigned)peer, "queue_bytes", 4096, 1ull << 32,
	                 &p->peer_queue_bytes, c->err, c->errlen)) < 0 ||
	        (rc = hl_ini_u64(c->ini, (unsigned)peer, "heartbeat_ms", 10, 60000,
	                 &p->peer_heartbeat_ms, c->err, c->errlen)) < 0 ||
	        (rc = hl_ini_u64(c->ini, (unsigned)peer, "dead_ms", 100, 600000, &p->peer_dead_ms,
	                 c->err, c->errlen)) < 0 ||
	        (rc = hl_ini_u64(c->ini, (unsigned)peer, "probe_ms", 0, 60000, &p->peer_probe_ms,
	                 c->err, c->errlen)) < 0 ||
	        (rc = hl_ini_u32(c->ini, (unsigned)peer, "probe_burst", 1, 1000,
	                 &p->peer_probe_burst, c->err, c->errlen)) < 0)
		return rc;
	if (p->peer_dead_ms <= p->peer_heartbeat_ms)
		return hl_ini_err(c->ini, peer, "dead_ms", c->err, c->errlen,
		        "%" PRIu64 " must exceed heartbeat_ms (%" PRIu64 ")", p->peer_dead_ms,
		        p->peer_heartbeat_ms);
	return 0;
}

/* A list of 1..max distinct node ids ("1, 2, 3") from [cluster] key. */
static int
id_list(struct ctx *c, int cl, const char *key, const char *v, uint64_t *out, uint32_t max,
        uint32_t *n, const char *what)
{
	char buf[HL_INI_VALUE_MAX + 1], *items[8];
	snprintf(buf, sizeof(buf), "%s", v);
	int k = hl_strlist_split(buf, items, 8);
	if (k <= 0 || (uint32_t)k > max)
		return hl_ini_err(
		        c->ini, cl, key, c->err, c->errlen, "need 1..%u node ids (%s)", max, what);
	for (int i = 0; i < k; i++) {
		char *end;
		errno = 0;
		unsigned long long x = strtoull(items[i], &end, 10);
		if (errno || *end || end == items[i] || x == 0)
			return hl_ini_err(c->ini, cl, key, c->err, c->errlen,
			        "'%s' is not a node id (1..2^64-1)", items[i]);
		for (int j = 0; j < i; j++)
			if (out[j] == x)
				return hl_ini_err(c->ini, cl, key, c->err, c->errlen,
				        "node id %llu listed twice", x);
		out[i] = x;
	}
	*n = (uint32_t)k;
	return 0;
}

/* [cluster] gates: the configured gate tier by node id (1..3, distinct); a gate must be in it.
 * [cluster] dc.NAME: the configured manager tier of DC NAME (1..5 node ids). Every node of a
 * cluster carries the same [cluster] section. */
static int
parse_cluster(struct ctx *c, int cl, struct hl_node_cfg *p)
{
	int rc;
	if (cl < 0)
		return 0;
	for (unsigned i = 0; i < hl_ini_num_keys(c->ini, (unsigned)cl); i++) {
		const char *key = hl_ini_key(c->ini, (unsigned)cl, i);
		const char *v = hl_ini_key_value(c->ini, (unsigned)cl, i);
		if (strcmp(key, "gates") == 0) {
			if ((rc = id_list(c, cl, key, v, p->gates, 3, &p->n_gates,
			             "the configured gate tier")) < 0)
				return rc;
			continue;
		}
		if (strncmp(key, "dc.", 3) != 0 || key[3] == '\0')
			return hl_ini_err(c->ini, cl, key, c->err, c->errlen,
			        "unknown key (expected gates or dc.NAME)");
		if (p->n_dcs == HL_NODE_MAX_DCS)
			return hl_ini_err(c->ini, cl, key, c->err, c->errlen, "more than %d DCs",
			        HL_NODE_MAX_DCS);
		struct hl_node_dc *d = &p->dcs[p->n_dcs];
		if (strlen(key + 3) >= sizeof(d->name))
			return hl_ini_err(c->ini, cl, key, c->err, c->errlen,
			        "DC name longer than %zu bytes", sizeof(d->name) - 1);
		snprintf(d->name, sizeof(d->name), "%s", key + 3);
		if ((rc = id_list(c, cl, key, v, d->managers, HL_NODE_DC_MANAGERS, &d->n_managers,
		             "the DC's configured manager tier")) < 0)
			return rc;
		p->n_dcs++;
	}
	return 0;
}

static int
str(struct ctx *c, int sec, const char *key, char *out, size_t cap)
{
	if (sec < 0)
		return 0;
	return hl_ini_str(c->ini, (unsigned)sec, key, out, cap, c->err, c->errlen);
}

static int
lcore_list(struct ctx *c, int sec, const char *key, unsigned *out, uint32_t max, uint32_t *n)
{
	char buf[HL_INI_VALUE_MAX + 1], *items[HL_NODE_MAX_TRAFFIC + HL_NODE_MAX_SVC_LCORES];
	const char *v = hl_ini_get(c->ini, (unsigned)sec, key);
	if (v == NULL)
		return hl_ini_err(c->ini, sec, key, c->err, c->errlen, "required (lcore ids)");
	snprintf(buf, sizeof(buf), "%s", v);
	int k = hl_strlist_split(buf, items, (int)max);
	if (k <= 0)
		return hl_ini_err(c->ini, sec, key, c->err, c->errlen, "need 1..%u lcore ids", max);
	for (int i = 0; i < k; i++) {
		char *end;
		unsigned long x = strtoul(items[i], &end, 10);
		if (*end || end == items[i] || x >= RTE_MAX_LCORE)
			return hl_ini_err(c->ini, sec, key, c->err, c->errlen,
			        "'%s' is not an lcore id (0..%d)", items[i], RTE_MAX_LCORE - 1);
		for (int j = 0; j < i; j++)
			if (out[j] == x)
				return hl_ini_err(c->ini, sec, key, c->err, c->errlen,
				        "lcore %lu listed twice", x);
		out[i] = (unsigned)x;
	}
	*n = (uint32_t)k;
	return 0;
}

static int
one_lcore(struct ctx *c, int sec, const char *key, const struct hl_node_cfg *p, unsigned *v)
{
	uint32_t x = *v;
	int rc =
	        hl_ini_u32(c->ini, (unsigned)sec, key, 0, RTE_MAX_LCORE - 1, &x, c->err, c->errlen);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < p->n_svc; i++)
		if (p->svc_lcores[i] == x) {
			*v = x;
			return 0;
		}
	return hl_ini_err(
	        c->ini, sec, key, c->err, c->errlen, "lcore %u is not in the service list", x);
}

static int
parse_port(struct ctx *c, int sec, struct hl_node_cfg *p, struct hl_node_tport_cfg *pc)
{
	const char *s = hl_ini_section(c->ini, (unsigned)sec);
	int rc;
	if (strlen(s + 5) >= sizeof(pc->name))
		return hl_ini_err(c->ini, sec, NULL, c->err, c->errlen, "port name too long");
	strcpy(pc->name, s + 5);
	if (hl_ini_get(c->ini, (unsigned)sec, "device") == NULL)
		return hl_ini_err(c->ini, sec, "device", c->err, c->errlen,
		        "required (an ethdev name, e.g. net_ring0 or 0000:3b:00.0)");
	if ((rc = str(c, sec, "device", pc->device, sizeof(pc->device))) < 0 ||
	        (rc = str(c, sec, "args", pc->args, sizeof(pc->args))) < 0 ||
	        (rc = str(c, sec, "pmd_config", pc->pmd_config, sizeof(pc->pmd_config))) < 0)
		return rc;
	if (pc->pmd_config[0]) {
		char perr[HL_INI_ERRLEN];
		if (strchr(pc->pmd_config, '/') || strstr(pc->pmd_config, ".ini"))
			rc = hl_pmd_profile_load(&pc->pmd, pc->pmd_config, perr, sizeof(perr));
		else
			rc = hl_pmd_profile_find(
			        &pc->pmd, p->pmd_config_dir, pc->pmd_config, perr, sizeof(perr));
		if (rc < 0)
			return hl_ini_err(c->ini, sec, "pmd_config", c->err, c->errlen, "%s", perr);
		pc->have_pmd = true;
	}
	return hl_ini_check_used(c->ini, (unsigned)sec, c->err, c->errlen);
}

/* [fabric]: port (ethdev) and address (IPv4 or IPv4:port of SWIM) go together; pmd_config as
 * for test ports. With a fabric, SWIM runs on it and [management] swim must be absent (one SWIM
 * address per member). */
static int
parse_fabric(struct ctx *c, int fab, struct hl_node_cfg *p)
{
	if (fab < 0)
		return 0;
	if (p->fabric_device[0] == '\0')
		return hl_ini_err(c->ini, fab, "port", c->err, c->errlen,
		        "required (the fabric's ethdev, e.g. net_tap0)");
	if (p->fabric_addr[0] == '\0')
		return hl_ini_err(c->ini, fab, "address", c->err, c->errlen,
		        "required (IPv4 address of this node on the fabric, optionally :port of "
		        "SWIM)");
	if (p->swim_addr[0])
		return hl_ini_err(c->ini, fab, "address", c->err, c->errlen,
		        "[management] swim is set too: with a fabric, SWIM runs on the fabric "
		        "address; remove [management] swim");
	char host[INET_ADDRSTRLEN];
	const char *colon = strchr(p->fabric_addr, ':');
	size_t hl = colon ? (size_t)(colon - p->fabric_addr) : strlen(p->fabric_addr);
	unsigned long port = 7946;
	struct in_addr a;
	bool ok = hl < sizeof(host);
	if (ok) {
		memcpy(host, p->fabric_addr, hl);
		host[hl] = '\0';
		ok = inet_pton(AF_INET, host, &a) == 1;
	}
	if (ok && colon) {
		char *end;
		errno = 0;
		port = strtoul(colon + 1, &end, 10);
		ok = colon[1] && *end == '\0' && errno == 0 && port >= 1 && port <= 65535;
	}
	uint32_t ip = ok ? ntohl(a.s_addr) : 0;
	if (ok && (ip == 0 || ip == 0xffffffffu || (ip >> 28) == 0xe || (ip >> 24) == 127))
		ok = false;
	if (!ok)
		return hl_ini_err(c->ini, fab, "address", c->err, c->errlen,
		        "'%s' is not a unicast IPv4 address or IPv4:port (port 1..65535)",
		        p->fabric_addr);
	p->fabric_ip = ip;
	p->fabric_swim_port = (uint16_t)port;
	if (p->fabric_pmd[0]) {
		char perr[HL_INI_ERRLEN];
		int rc;
		if (strchr(p->fabric_pmd, '/') || strstr(p->fabric_pmd, ".ini"))
			rc = hl_pmd_profile_load(
			        &p->fabric_pmd_prof, p->fabric_pmd, perr, sizeof(perr));
		else
			rc = hl_pmd_profile_find(&p->fabric_pmd_prof, p->pmd_config_dir,
			        p->fabric_pmd, perr, sizeof(perr));
		if (rc < 0)
			return hl_ini_err(c->ini, fab, "pmd_config", c->err, c->errlen, "%s", perr);
		p->fabric_have_pmd = true;
	}
	return 0;
}

static int
parse(struct ctx *c, struct hl_node_cfg *p)
{
	static const char *const known[] = {"node", "management", "fabric", "seeds", "lcores",
	        "timers", "peer", "cluster", NULL};
	char buf[HL_INI_VALUE_MAX + 1];
	int rc;
	unsigned nsec = hl_ini_num_sections(c->ini);
	for (unsigned i = 0; i < nsec; i++) {
		const char *s = hl_ini_section(c->ini, i);
		bool ok = strncmp(s, "port.", 5) == 0 && s[5];
		for (const char *const *k = known; *k && !ok; k++)
			ok = strcmp(*k, s) == 0;
		if (!ok)
			return hl_ini_err(c->ini, (int)i, NULL, c->err, c->errlen,
			        "unknown section (expected node, management, fabric, seeds, "
			        "lcores, "
			        "timers, peer, cluster, port.NAME)");
	}
	int node = hl_ini_find(c->ini, "node"), mgmt = hl_ini_find(c->ini, "management");
	int fab = hl_ini_find(c->ini, "fabric"), seeds = hl_ini_find(c->ini, "seeds");
	int lc = hl_ini_find(c->ini, "lcores"), tim = hl_ini_find(c->ini, "timers");
	int peer = hl_ini_find(c->ini, "peer"), cl = hl_ini_find(c->ini, "cluster");
	if (node < 0)
		return hl_ini_err(c->ini, -1, NULL, c->err, c->errlen, "[node] section missing");
	if ((rc = str(c, node, "name", p->name, sizeof(p->name))) < 0 ||
	        (rc = str(c, node, "dc", p->dc, sizeof(p->dc))) < 0 ||
	        (rc = str(c, node, "cluster_id", p->cluster_id, sizeof(p->cluster_id))) < 0 ||
	        (rc = str(c, node, "environment", p->environment, sizeof(p->environment))) < 0 ||
	        (rc = str(c, node, "state_dir", p->state_dir, sizeof(p->state_dir))) < 0 ||
	        (rc = str(c, node, "pmd_config_dir", p->pmd_config_dir,
	                 sizeof(p->pmd_config_dir))) < 0 ||
	        (rc = str(c, mgmt, "client", p->client_addr, sizeof(p->client_addr))) < 0 ||
	        (rc = str(c, mgmt, "http", p->http_addr, sizeof(p->http_addr))) < 0 ||
	        (rc = str(c, mgmt, "swim", p->swim_addr, sizeof(p->swim_addr))) < 0 ||
	        (rc = str(c, fab, "port", p->fabric_device, sizeof(p->fabric_device))) < 0 ||
	        (rc = str(c, fab, "pmd_config", p->fabric_pmd, sizeof(p->fabric_pmd))) < 0 ||
	        (rc = str(c, fab, "address", p->fabric_addr, sizeof(p->fabric_addr))) < 0)
		return rc;
	if ((rc = parse_fabric(c, fab, p)) < 0 || (rc = parse_peer(c, node, peer, p)) < 0 ||
	        (rc = parse_cluster(c, cl, p)) < 0)
		return rc;
	if (strlen(p->dc) > HL_SWIM_DC_MAX)
		return hl_ini_err(c->ini, node, "dc", c->err, c->errlen,
		        "longer than %d characters (gossiped in SWIM metadata)", HL_SWIM_DC_MAX);
	const char *roles = hl_ini_get(c->ini, (unsigned)node, "roles");
	if (roles == NULL)
		return hl_ini_err(c->ini, node, "roles", c->err, c->errlen,
		        "required (gate, manager, worker)");
	if (strlen(roles) >= sizeof(p->roles_str))
		return hl_ini_err(c->ini, node, "roles", c->err, c->errlen, "value too long");
	strcpy(p->roles_str, roles);
	snprintf(buf, sizeof(buf), "%s", roles);
	char *items[HL_NODE_MAX_PEERS + 1];
	int n = hl_strlist_split(buf, items, 3);
	if (n <= 0)
		return hl_ini_err(c->ini, node, "roles", c->err, c->errlen, "need 1..3 roles");
	for (int i = 0; i < n; i++) {
		if (strcmp(items[i], "gate") == 0)
			p->roles |= HL_ROLE_GATE;
		else if (strcmp(items[i], "manager") == 0)
			p->roles |= HL_ROLE_MANAGER;
		else if (strcmp(items[i], "worker") == 0)
			p->roles |= HL_ROLE_WORKER;
		else
			return hl_ini_err(c->ini, node, "roles", c->err, c->errlen,
			        "unknown role '%s' (gate, manager, worker)", items[i]);
	}
	/* canonical form for status and metrics: "gate,manager,worker" */
	snprintf(p->roles_str, sizeof(p->roles_str), "%s%s%s%s%s",
	        p->roles & HL_ROLE_GATE ? "gate" : "",
	        (p->roles & HL_ROLE_GATE) && (p->roles & (HL_ROLE_MANAGER | HL_ROLE_WORKER)) ? ","
	                                                                                     : "",
	        p->roles & HL_ROLE_MANAGER ? "manager" : "",
	        (p->roles & HL_ROLE_MANAGER) && (p->roles & HL_ROLE_WORKER) ? "," : "",
	        p->roles & HL_ROLE_WORKER ? "worker" : "");
	if (p->n_dcs && (p->roles & (HL_ROLE_MANAGER | HL_ROLE_WORKER))) {
		const struct hl_node_dc *mine = NULL;
		for (uint32_t i = 0; i < p->n_dcs; i++)
			if (strcmp(p->dcs[i].name, p->dc) == 0)
				mine = &p->dcs[i];
		if (mine == NULL)
			return hl_ini_err(c->ini, cl, NULL, c->err, c->errlen,
			        "no dc.%s key names the managers of this node's DC", p->dc);
		bool in = false;
		for (uint32_t i = 0; i < mine->n_managers; i++)
			in |= mine->managers[i] == p->node_id;
		if ((p->roles & HL_ROLE_MANAGER) && !in)
			return hl_ini_err(c->ini, cl, NULL, c->err, c->errlen,
			        "this manager's node id %" PRIu64 " is not in dc.%s", p->node_id,
			        p->dc);
		if (!(p->roles & HL_ROLE_MANAGER) && in)
			return hl_ini_err(c->ini, cl, NULL, c->err, c->errlen,
			        "node id %" PRIu64 " is in dc.%s but has no manager role",
			        p->node_id, p->dc);
	}
	if (p->n_gates && (p->roles & HL_ROLE_GATE)) {
		bool in = false;
		for (uint32_t i = 0; i < p->n_gates; i++)
			in |= p->gates[i] == p->node_id;
		if (!in)
			return hl_ini_err(c->ini, cl, "gates", c->err, c->errlen,
			        "this gate's node id %" PRIu64 " is not in the gate tier",
			        p->node_id);
	}
	const char *pol = hl_ini_get(c->ini, (unsigned)node, "polling");
	if (pol && strcmp(pol, "busy") == 0)
		p->adaptive = false;
	else if (pol && strcmp(pol, "adaptive") != 0)
		return hl_ini_err(c->ini, node, "polling", c->err, c->errlen,
		        "'%s': expected busy or adaptive", pol);
	if (seeds >= 0) {
		const char *v = hl_ini_get(c->ini, (unsigned)seeds, "list");
		snprintf(buf, sizeof(buf), "%s", v ? v : "");
		n = hl_strlist_split(buf, items, HL_NODE_MAX_PEERS);
		if (n < 0)
			return hl_ini_err(c->ini, seeds, "list", c->err, c->errlen,
			        "more than %d seeds", HL_NODE_MAX_PEERS);
		for (int i = 0; i < n; i++) {
			if (strlen(items[i]) >= HL_NODE_STR || strchr(items[i], ':') == NULL)
				return hl_ini_err(c->ini, seeds, "list", c->err, c->errlen,
				        "'%s' is not host:port", items[i]);
			strcpy(p->seeds[p->n_seeds++], items[i]);
		}
	}
	if (tim >= 0 && ((rc = hl_ini_u64(c->ini, (unsigned)tim, "window_ms", 1, 10000,
	                          &p->window_ms, c->err, c->errlen)) < 0 ||
	                        (rc = hl_ini_u64(c->ini, (unsigned)tim, "push_ms", 1, 60000,
	                                 &p->push_ms, c->err, c->errlen)) < 0))
		return rc;
	if (lc < 0)
		return hl_ini_err(c->ini, -1, NULL, c->err, c->errlen,
		        "[lcores] section missing (service and traffic lcores are required)");
	if ((rc = lcore_list(c, lc, "service", p->svc_lcores, HL_NODE_MAX_SVC_LCORES, &p->n_svc)) <
	        0)
		return rc;
	p->swim_lcore = p->dispatch_lcore = p->progress_lcore = p->svc_lcores[0];
	if ((rc = one_lcore(c, lc, "swim", p, &p->swim_lcore)) < 0 ||
	        (rc = one_lcore(c, lc, "dispatch", p, &p->dispatch_lcore)) < 0 ||
	        (rc = one_lcore(c, lc, "progress", p, &p->progress_lcore)) < 0)
		return rc;
	for (unsigned i = 0; i < nsec; i++) {
		const char *s = hl_ini_section(c->ini, i);
		if (strncmp(s, "port.", 5) != 0)
			continue;
		if (p->n_ports == HL_NODE_MAX_TPORTS)
			return hl_ini_err(c->ini, (int)i, NULL, c->err, c->errlen,
			        "more than %d test ports", HL_NODE_MAX_TPORTS);
		if ((rc = parse_port(c, (int)i, p, &p->ports[p->n_ports++])) < 0)
			return rc;
	}
	if (p->roles & HL_ROLE_WORKER) {
		if ((rc = lcore_list(c, lc, "traffic", p->traffic_lcores, HL_NODE_MAX_TRAFFIC,
		             &p->n_traffic)) < 0)
			return rc;
		for (uint32_t i = 0; i < p->n_traffic; i++)
			for (uint32_t j = 0; j < p->n_svc; j++)
				if (p->traffic_lcores[i] == p->svc_lcores[j])
					return hl_ini_err(c->ini, lc, "traffic", c->err, c->errlen,
					        "lcore %u is also a service lcore",
					        p->traffic_lcores[i]);
		if (p->n_ports == 0)
			return hl_ini_err(c->ini, -1, NULL, c->err, c->errlen,
			        "the worker role needs at least one [port.NAME] test port");
	}
	int secs[] = {node, mgmt, fab, seeds, lc, tim, peer};
	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++)
		if (secs[i] >= 0 &&
		        (rc = hl_ini_check_used(c->ini, (unsigned)secs[i], c->err, c->errlen)) < 0)
			return rc;
	return 0;
}

int
hl_node_cfg_load(const char *path, struct hl_node_cfg *p, char *err, size_t errlen)
{
	struct ctx c = {NULL, err, errlen};
	int rc = hl_ini_load_file(&c.ini, path, err, errlen);
	if (rc < 0)
		return rc;
	defaults(p);
	snprintf(p->origin, sizeof(p->origin), "%s", path);
	rc = parse(&c, p);
	hl_ini_free(c.ini);
	return rc < 0 ? -HL_E_CONFIG : 0;
}

int
hl_node_cfg_check_lcores(const struct hl_node_cfg *p, char *err, size_t errlen)
{
	unsigned main_lc = rte_get_main_lcore();
	for (uint32_t i = 0; i < p->n_svc + p->n_traffic; i++) {
		unsigned lc = i < p->n_svc ? p->svc_lcores[i] : p->traffic_lcores[i - p->n_svc];
		const char *key = i < p->n_svc ? "service" : "traffic";
		if (lc == main_lc || !rte_lcore_is_enabled(lc)) {
			snprintf(err, errlen,
			        "%s: [lcores] %s: lcore %u %s (EAL -l/--lcores must enable it and "
			        "the "
			        "main lcore %u runs the control core)",
			        p->origin, key, lc,
			        lc == main_lc ? "is the main lcore" : "is not enabled in EAL",
			        main_lc);
			return -HL_E_CONFIG;
		}
	}
	return 0;
}

void
hl_node_cfg_demo(struct hl_node_cfg *p)
{
	defaults(p);
	strcpy(p->origin, "built-in demo profile");
	strcpy(p->name, "demo");
	p->node_id = 1;
	strcpy(p->roles_str, "gate,manager,worker");
	p->roles = HL_ROLE_GATE | HL_ROLE_MANAGER | HL_ROLE_WORKER;
	strcpy(p->client_addr, "127.0.0.1:0");
	strcpy(p->http_addr, "127.0.0.1:0");
	p->n_svc = 1;
	p->svc_lcores[0] = 1;
	p->swim_lcore = p->dispatch_lcore = p->progress_lcore = 1;
	p->n_traffic = 1;
	p->traffic_lcores[0] = 2;
	p->n_ports = 1;
	strcpy(p->ports[0].name, "test0");
	strcpy(p->ports[0].device, "net_ring0");
	p->push_ms = 100;
}
