/* profile.c — the node profile (INI): roles, identity, management and fabric addresses, seeds,
 * lcore map, polling mode and test ports, parsed strictly with precise errors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "hl_err.h"
#include "hl_ini.h"
#include "node.h"

static const char *const node_keys[] = {
        "name", "roles", "dc", "cluster_id", "environment", "state_dir", "polling", NULL};
static const char *const mgmt_keys[] = {"client", "http", NULL};
static const char *const fabric_keys[] = {"port", "pmd_config", "address", NULL};
static const char *const seeds_keys[] = {"list", NULL};
static const char *const lcore_keys[] = {
        "service", "swim", "dispatch", "progress", "traffic", NULL};
static const char *const port_keys[] = {"device", "args", "pmd_config", NULL};
static const char *const timer_keys[] = {"window_ms", "push_ms", NULL};

static void
defaults(struct hl_node_profile *p)
{
	memset(p, 0, sizeof(*p));
	strcpy(p->name, "node");
	strcpy(p->dc, "dc1");
	strcpy(p->cluster_id, "hyperline");
	strcpy(p->environment, "lab");
	strcpy(p->state_dir, "/var/lib/hyperline");
	p->adaptive = true;
	strcpy(p->client_addr, "127.0.0.1:7400");
	p->window_ms = 50;
	p->push_ms = 250;
}

static int
parse_lcore_list(struct rte_cfgfile *c, const char *key, unsigned *out, uint32_t max, uint32_t *n,
        struct hl_ini_err *e)
{
	char buf[CFG_VALUE_LEN], *items[HL_NODE_MAX_TRAFFIC + 1];
	int rc = hl_ini_str(c, "lcores", key, buf, sizeof(buf), e);
	if (rc <= 0)
		return rc;
	int k = hl_ini_split(buf, items, (int)max);
	if (k < 0)
		return hl_ini_fail(e, "lcores", key, "more than %u lcores", max);
	for (int i = 0; i < k; i++) {
		char *end;
		unsigned long v = strtoul(items[i], &end, 10);
		if (*end || end == items[i] || v >= RTE_MAX_LCORE)
			return hl_ini_fail(e, "lcores", key, "'%s' is not an lcore id (0..%d)",
			        items[i], RTE_MAX_LCORE - 1);
		for (int j = 0; j < i; j++)
			if (out[j] == v)
				return hl_ini_fail(e, "lcores", key, "lcore %lu listed twice", v);
		out[i] = (unsigned)v;
	}
	*n = (uint32_t)k;
	return 1;
}

static int
one_lcore(struct rte_cfgfile *c, const char *key, unsigned *v, struct hl_ini_err *e)
{
	uint64_t x;
	int rc = hl_ini_u64(c, "lcores", key, 0, RTE_MAX_LCORE - 1, &x, e);
	if (rc > 0)
		*v = (unsigned)x;
	return rc;
}

int
hl_node_profile_load(const char *path, struct hl_node_profile *p, char *err, size_t errlen)
{
	struct hl_ini_err e = {err, errlen, path};
	struct rte_cfgfile *c = hl_ini_load_file(path, &e);
	char buf[CFG_VALUE_LEN];
	int rc = 0;

	if (c == NULL)
		return -HL_E_CONFIG;
	defaults(p);
	snprintf(p->origin, sizeof(p->origin), "%s", path);

	int nsec = rte_cfgfile_num_sections(c, NULL, 0);
	char(*names)[CFG_NAME_LEN] = calloc((size_t)nsec + 1, CFG_NAME_LEN);
	char **ptrs = calloc((size_t)nsec + 1, sizeof(char *));
	if (names == NULL || ptrs == NULL) {
		free(names);
		free(ptrs);
		rte_cfgfile_close(c);
		return -ENOMEM;
	}
	for (int i = 0; i < nsec; i++)
		ptrs[i] = names[i];
	rte_cfgfile_sections(c, ptrs, nsec);

	for (int i = 0; i < nsec && rc == 0; i++) {
		const char *s = names[i];
		const char *const *keys = NULL;
		if (strcmp(s, "node") == 0)
			keys = node_keys;
		else if (strcmp(s, "management") == 0)
			keys = mgmt_keys;
		else if (strcmp(s, "fabric") == 0)
			keys = fabric_keys;
		else if (strcmp(s, "seeds") == 0)
			keys = seeds_keys;
		else if (strcmp(s, "lcores") == 0)
			keys = lcore_keys;
		else if (strcmp(s, "timers") == 0)
			keys = timer_keys;
		else if (strncmp(s, "port.", 5) == 0 && s[5])
			keys = port_keys;
		else {
			rc = hl_ini_fail(&e, s, NULL,
			        "unknown section (expected node, management, fabric, seeds, "
			        "lcores, "
			        "timers, port.NAME)");
			break;
		}
		rc = hl_ini_check_keys(c, s, keys, &e);
		if (rc == 0 && keys == port_keys) {
			struct hl_node_port_cfg *pc;
			if (p->n_ports == HL_NODE_MAX_PORTS) {
				rc = hl_ini_fail(
				        &e, s, NULL, "more than %d test ports", HL_NODE_MAX_PORTS);
				break;
			}
			pc = &p->ports[p->n_ports++];
			if (strlen(s + 5) >= sizeof(pc->name)) {
				rc = hl_ini_fail(&e, s, NULL, "port name too long");
				break;
			}
			strcpy(pc->name, s + 5);
			if ((rc = hl_ini_str(c, s, "device", pc->device, sizeof(pc->device), &e)) ==
			        0)
				rc = hl_ini_fail(&e, s, "device", "required (an ethdev name)");
			if (rc > 0)
				rc = hl_ini_str(c, s, "args", pc->args, sizeof(pc->args), &e);
			if (rc >= 0)
				rc = hl_ini_str(c, s, "pmd_config", pc->pmd_config,
				        sizeof(pc->pmd_config), &e);
			if (rc > 0)
				rc = 0;
		}
	}
	if (rc == 0 && !rte_cfgfile_has_section(c, "node"))
		rc = hl_ini_fail(&e, "node", NULL, "section missing");
	if (rc == 0) {
		struct {
			const char *s, *k;
			char *v;
			size_t cap;
		} strs[] = {
		        {"node", "name", p->name, sizeof(p->name)},
		        {"node", "dc", p->dc, sizeof(p->dc)},
		        {"node", "cluster_id", p->cluster_id, sizeof(p->cluster_id)},
		        {"node", "environment", p->environment, sizeof(p->environment)},
		        {"node", "state_dir", p->state_dir, sizeof(p->state_dir)},
		        {"management", "client", p->client_addr, sizeof(p->client_addr)},
		        {"management", "http", p->http_addr, sizeof(p->http_addr)},
		        {"fabric", "port", p->fabric_device, sizeof(p->fabric_device)},
		        {"fabric", "pmd_config", p->fabric_pmd, sizeof(p->fabric_pmd)},
		        {"fabric", "address", p->fabric_addr, sizeof(p->fabric_addr)},
		};
		for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]) && rc >= 0; i++)
			rc = hl_ini_str(c, strs[i].s, strs[i].k, strs[i].v, strs[i].cap, &e);
		if (rc > 0)
			rc = 0;
	}
	if (rc == 0) {
		rc = hl_ini_str(c, "node", "roles", buf, sizeof(buf), &e);
		if (rc == 0)
			rc = hl_ini_fail(&e, "node", "roles", "required (gate, manager, worker)");
		if (rc > 0 && strlen(buf) >= sizeof(p->roles_str))
			rc = hl_ini_fail(&e, "node", "roles", "value too long");
		if (rc > 0) {
			char *items[4];
			memcpy(p->roles_str, buf, strlen(buf) + 1);
			int n = hl_ini_split(buf, items, 3);
			rc = n <= 0 ? hl_ini_fail(&e, "node", "roles", "need 1..3 roles") : 0;
			for (int i = 0; i < n && rc == 0; i++) {
				if (strcmp(items[i], "gate") == 0)
					p->roles |= HL_ROLE_GATE;
				else if (strcmp(items[i], "manager") == 0)
					p->roles |= HL_ROLE_MANAGER;
				else if (strcmp(items[i], "worker") == 0)
					p->roles |= HL_ROLE_WORKER;
				else
					rc = hl_ini_fail(&e, "node", "roles",
					        "unknown role '%s' (gate, manager, worker)",
					        items[i]);
			}
		}
	}
	if (rc == 0 && (rc = hl_ini_str(c, "node", "polling", buf, sizeof(buf), &e)) > 0) {
		rc = 0;
		if (strcmp(buf, "busy") == 0)
			p->adaptive = false;
		else if (strcmp(buf, "adaptive") == 0)
			p->adaptive = true;
		else
			rc = hl_ini_fail(
			        &e, "node", "polling", "'%s': expected busy or adaptive", buf);
	}
	if (rc == 0 && (rc = hl_ini_str(c, "seeds", "list", buf, sizeof(buf), &e)) > 0) {
		char *items[HL_NODE_MAX_SEEDS + 1];
		int n = hl_ini_split(buf, items, HL_NODE_MAX_SEEDS);
		rc = 0;
		if (n < 0)
			rc = hl_ini_fail(
			        &e, "seeds", "list", "more than %d seeds", HL_NODE_MAX_SEEDS);
		for (int i = 0; i < n && rc == 0; i++) {
			if (strlen(items[i]) >= HL_NODE_NAME || strchr(items[i], ':') == NULL)
				rc = hl_ini_fail(
				        &e, "seeds", "list", "'%s' is not host:port", items[i]);
			else
				strcpy(p->seeds[p->n_seeds++], items[i]);
		}
	}
	if (rc >= 0)
		rc = hl_ini_u64(c, "timers", "window_ms", 1, 10000, &p->window_ms, &e);
	if (rc >= 0)
		rc = hl_ini_u64(c, "timers", "push_ms", 1, 60000, &p->push_ms, &e);
	if (rc >= 0) {
		if (!rte_cfgfile_has_section(c, "lcores"))
			rc = hl_ini_fail(&e, "lcores", NULL,
			        "section missing (service and traffic lcores are required)");
		else if ((rc = parse_lcore_list(c, "service", p->svc_lcores, HL_NODE_MAX_SVC_LCORES,
		                  &p->n_svc, &e)) == 0)
			rc = hl_ini_fail(&e, "lcores", "service", "required");
	}
	if (rc > 0) {
		p->swim_lcore = p->dispatch_lcore = p->progress_lcore = p->svc_lcores[0];
		if ((rc = one_lcore(c, "swim", &p->swim_lcore, &e)) >= 0 &&
		        (rc = one_lcore(c, "dispatch", &p->dispatch_lcore, &e)) >= 0)
			rc = one_lcore(c, "progress", &p->progress_lcore, &e);
	}
	if (rc >= 0) {
		unsigned who[] = {p->swim_lcore, p->dispatch_lcore, p->progress_lcore};
		const char *what[] = {"swim", "dispatch", "progress"};
		rc = 0;
		for (int k = 0; k < 3 && rc == 0; k++) {
			bool ok = false;
			for (uint32_t i = 0; i < p->n_svc; i++)
				ok |= p->svc_lcores[i] == who[k];
			if (!ok)
				rc = hl_ini_fail(&e, "lcores", what[k],
				        "lcore %u is not in the service list", who[k]);
		}
	}
	if (rc == 0 && (p->roles & HL_ROLE_WORKER)) {
		rc = parse_lcore_list(
		        c, "traffic", p->traffic_lcores, HL_NODE_MAX_TRAFFIC, &p->n_traffic, &e);
		if (rc == 0)
			rc = hl_ini_fail(&e, "lcores", "traffic", "required for the worker role");
		if (rc > 0)
			rc = 0;
		for (uint32_t i = 0; i < p->n_traffic && rc == 0; i++)
			for (uint32_t j = 0; j < p->n_svc; j++)
				if (p->traffic_lcores[i] == p->svc_lcores[j])
					rc = hl_ini_fail(&e, "lcores", "traffic",
					        "lcore %u is also a service lcore",
					        p->traffic_lcores[i]);
		if (rc == 0 && p->n_ports == 0)
			rc = hl_ini_fail(&e, NULL, NULL,
			        "the worker role needs at least one [port.NAME] test port");
	}
	if (rc > 0)
		rc = 0;
	free(names);
	free(ptrs);
	rte_cfgfile_close(c);
	return rc;
}

int
hl_node_profile_check_lcores(const struct hl_node_profile *p, char *err, size_t errlen)
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
hl_node_profile_demo(struct hl_node_profile *p)
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
