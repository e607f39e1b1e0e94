/* profile.c — the node's settings: derived from a node profile read by lib/cfg's parser
 * (format: docs/profiles.md §4), or built in for --demo, then checked against the EAL lcores.
 * SWIM runs over kernel UDP on the management address (UDP, same port as the TCP client API)
 * until the fabric port carries it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_lcore.h>

#include "hl_err.h"
#include "hl_swim.h"
#include "node.h"

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
}

static void
roles_text(unsigned r, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s%s%s", r & HL_ROLE_GATE ? "gate" : "",
	        (r & HL_ROLE_GATE) && (r & (HL_ROLE_MANAGER | HL_ROLE_WORKER)) ? "," : "",
	        r & HL_ROLE_MANAGER ? "manager" : "",
	        (r & HL_ROLE_MANAGER) && (r & HL_ROLE_WORKER) ? "," : "",
	        r & HL_ROLE_WORKER ? "worker" : "");
}

/* Limits of this node that a valid lib/cfg profile may still exceed. */
static int
beyond(const char *path, const char *where, char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s: %s: %s", path, where, why);
	return -HL_E_CONFIG;
}

int
hl_node_cfg_load(const char *path, struct hl_node_cfg *p, char *err, size_t errlen)
{
	struct hl_node_profile *np = calloc(1, sizeof(*np));
	int rc;
	if (np == NULL)
		return -ENOMEM;
	if ((rc = hl_node_profile_load(np, path, err, errlen)) < 0) {
		free(np);
		return -HL_E_CONFIG;
	}
	defaults(p);
	snprintf(p->origin, sizeof(p->origin), "%s", path);
	snprintf(p->name, sizeof(p->name), "%s", np->name);
	snprintf(p->dc, sizeof(p->dc), "%s", np->dc);
	snprintf(p->cluster_id, sizeof(p->cluster_id), "%s", np->cluster_id);
	snprintf(p->environment, sizeof(p->environment), "%s", np->environment);
	snprintf(p->state_dir, sizeof(p->state_dir), "%s", np->state_dir);
	snprintf(p->pmd_config_dir, sizeof(p->pmd_config_dir), "%s", np->pmd_config_dir);
	p->roles = np->roles;
	roles_text(p->roles, p->roles_str, sizeof(p->roles_str));
	p->adaptive = np->polling == HL_POLL_ADAPTIVE;
	snprintf(p->client_addr, sizeof(p->client_addr), "%s", np->mgmt.text);
	if (np->has_http)
		snprintf(p->http_addr, sizeof(p->http_addr), "%s", np->http.text);
	snprintf(p->fabric_device, sizeof(p->fabric_device), "%s", np->fabric.device);
	snprintf(p->fabric_pmd, sizeof(p->fabric_pmd), "%s", np->fabric.pmd.name);
	if (strlen(p->dc) > HL_SWIM_DC_MAX)
		rc = beyond(path, "[node] dc", err, errlen,
		        "longer than 16 characters (gossiped in SWIM metadata)");
	/* SWIM over kernel UDP is IPv4 only: an IPv6 management address runs without membership */
	if (np->mgmt.family == AF_INET)
		snprintf(p->swim_addr, sizeof(p->swim_addr), "%s", np->mgmt.text);
	for (uint16_t i = 0; i < np->n_seeds && rc == 0; i++) {
		if (np->seeds[i].family != AF_INET)
			rc = beyond(path, "[management] seeds", err, errlen,
			        "IPv6 seeds need the fabric transport (not wired in this build)");
		else
			snprintf(p->seeds[p->n_seeds++], HL_NODE_STR, "%s", np->seeds[i].text);
	}
	if (rc == 0 && np->n_service_lcores > HL_NODE_MAX_SVC_LCORES)
		rc = beyond(path, "[lcores] services", err, errlen, "this build runs at most 4");
	if (rc == 0 && np->n_traffic_lcores > HL_NODE_MAX_TRAFFIC)
		rc = beyond(
		        path, "[lcores] traffic", err, errlen, "this build runs at most 8 lanes");
	if (rc == 0 && np->main_lcore != rte_get_main_lcore()) {
		snprintf(err, errlen,
		        "%s: [lcores] main: lcore %u, but EAL's main lcore is %u (the first of -l "
		        "/ "
		        "--lcores)",
		        path, np->main_lcore, rte_get_main_lcore());
		rc = -HL_E_CONFIG;
	}
	if (rc == 0) {
		p->n_svc = np->n_service_lcores;
		for (uint16_t i = 0; i < np->n_service_lcores; i++)
			p->svc_lcores[i] = np->service_lcores[i];
		p->n_traffic = np->n_traffic_lcores;
		for (uint16_t i = 0; i < np->n_traffic_lcores; i++)
			p->traffic_lcores[i] = np->traffic_lcores[i];
		p->swim_lcore = np->swim_lcore;
		p->dispatch_lcore = np->dispatch_lcore;
		p->progress_lcore = np->progress_lcore;
		p->window_ms = np->progress_window_ns / 1000000;
		p->push_ms = np->progress_batch_ns / 1000000;
		if (p->window_ms == 0)
			p->window_ms = 1;
		if (p->push_ms == 0)
			p->push_ms = 1;
		p->n_ports = np->n_ports;
		for (uint16_t i = 0; i < np->n_ports; i++) {
			struct hl_node_tport_cfg *pc = &p->ports[i];
			snprintf(pc->name, sizeof(pc->name), "%s", np->ports[i].name);
			snprintf(pc->device, sizeof(pc->device), "%s", np->ports[i].device);
			/* full devargs for hot-plug: the device name, then its extra arguments */
			if (np->ports[i].devargs[0])
				snprintf(pc->args, sizeof(pc->args), "%s,%s", np->ports[i].device,
				        np->ports[i].devargs);
			snprintf(pc->pmd_config, sizeof(pc->pmd_config), "%s",
			        np->ports[i].pmd.name);
			pc->pmd = np->ports[i].pmd;
			pc->have_pmd = true;
		}
	}
	free(np);
	return rc;
}

int
hl_node_cfg_check_lcores(const struct hl_node_cfg *p, char *err, size_t errlen)
{
	unsigned main_lc = rte_get_main_lcore();
	for (uint32_t i = 0; i < p->n_svc + p->n_traffic; i++) {
		unsigned lc = i < p->n_svc ? p->svc_lcores[i] : p->traffic_lcores[i - p->n_svc];
		const char *key = i < p->n_svc ? "services" : "traffic";
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
