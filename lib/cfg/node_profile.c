/* node_profile.c — node-profile reader: [node], [management], [fabric], [port NAME], [lcores] and
 * [timers] into struct hl_node_profile. Each port's pmd_config is loaded here, so a node with a
 * missing or broken pmd-config profile never starts. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hl_cfgval.h"
#include "hl_ini.h"
#include "hl_node_profile.h"

#define NAME_MAX_ (HL_NODE_NAME_LEN - 1)
#define MS 1000000ull

struct parse {
	struct hl_ini *ini;
	struct hl_node_profile *node;
	char *err;
	size_t errlen;
	int sec_node, sec_mgmt, sec_fabric, sec_lcores, sec_timers;
	int sec_port[HL_NODE_MAX_PORTS];
	char base_dir[HL_NODE_PATH_LEN]; /* directory of the profile file */
};

#define ERR(ps, sec, key, ...) \
	hl_ini_err((ps)->ini, (sec), (key), (ps)->err, (ps)->errlen, __VA_ARGS__)

int
hl_node_addr_parse(const char *s, struct hl_node_addr *a, char *why, size_t whylen)
{
	char host[64];
	const char *port;
	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(a->text)) {
		snprintf(why, whylen, "address longer than %zu bytes", sizeof(a->text) - 1);
		return -EINVAL;
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(host)) {
			snprintf(why, whylen, "'%s' is not [IPv6]:PORT", s);
			return -EINVAL;
		}
		memcpy(host, s + 1, (size_t)(close - s - 1));
		host[close - s - 1] = '\0';
		port = close + 2;
		if (inet_pton(AF_INET6, host, a->ip) != 1) {
			snprintf(why, whylen, "'%s' is not an IPv6 address", host);
			return -EINVAL;
		}
		a->family = AF_INET6;
	} else {
		const char *colon = strrchr(s, ':');
		if (colon == NULL || (size_t)(colon - s) >= sizeof(host)) {
			snprintf(why, whylen, "'%s' is not IPV4:PORT or [IPV6]:PORT", s);
			return -EINVAL;
		}
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
		port = colon + 1;
		if (inet_pton(AF_INET, host, a->ip) != 1) {
			snprintf(why, whylen,
			        "'%s' is not an IPv4 address (host names are not used)", host);
			return -EINVAL;
		}
		a->family = AF_INET;
	}
	uint64_t p;
	char pwhy[HL_CFGVAL_WHYLEN];
	if (hl_cfgval_u64(port, 1, 65535, &p, pwhy, sizeof(pwhy)) < 0) {
		snprintf(why, whylen, "port: %s", pwhy);
		return -EINVAL;
	}
	a->port = (uint16_t)p;
	snprintf(a->text, sizeof(a->text), "%s", s);
	return 0;
}

static int
get_name(struct parse *ps, int sec, const char *key, char *out, bool required)
{
	const char *v = hl_ini_get(ps->ini, (unsigned)sec, key);
	if (v == NULL)
		return required ? ERR(ps, sec, key, "required key missing") : 0;
	if (!hl_cfgval_is_name(v, NAME_MAX_))
		return ERR(ps, sec, key, "'%s' is not a valid name (1..%u of A-Z a-z 0-9 _ - .)", v,
		        NAME_MAX_);
	snprintf(out, HL_NODE_NAME_LEN, "%s", v);
	return 0;
}

static int
get_addr(struct parse *ps, int sec, const char *key, struct hl_node_addr *a, bool required)
{
	const char *v = hl_ini_get(ps->ini, (unsigned)sec, key);
	if (v == NULL)
		return required ? ERR(ps, sec, key, "required key missing") : 1;
	char why[HL_CFGVAL_WHYLEN];
	if (hl_node_addr_parse(v, a, why, sizeof(why)) < 0)
		return ERR(ps, sec, key, "%s", why);
	return 0;
}

/* "2-5, 7" into ids; each id 0..HL_NODE_MAX_LCORE, no repeats, at most max. */
static int
get_lcores(
        struct parse *ps, const char *key, uint16_t *out, unsigned max, uint16_t *n, bool required)
{
	int sec = ps->sec_lcores;
	const char *v = hl_ini_get(ps->ini, (unsigned)sec, key);
	*n = 0;
	if (v == NULL)
		return required ? ERR(ps, sec, key, "required key missing") : 0;
	char items[HL_CFGVAL_MAX_ITEMS][HL_CFGVAL_ITEM_MAX + 1];
	unsigned ni;
	char why[HL_CFGVAL_WHYLEN];
	if (hl_cfgval_list(v, items, HL_CFGVAL_MAX_ITEMS, &ni, why, sizeof(why)) < 0)
		return ERR(ps, sec, key, "%s", why);
	unsigned count = 0;
	for (unsigned i = 0; i < ni; i++) {
		uint64_t lo, hi;
		char *dash = strchr(items[i], '-');
		if (dash != NULL)
			*dash = '\0';
		if (hl_cfgval_u64(items[i], 0, HL_NODE_MAX_LCORE, &lo, why, sizeof(why)) < 0)
			return ERR(ps, sec, key, "lcore %s", why);
		hi = lo;
		if (dash != NULL &&
		        hl_cfgval_u64(dash + 1, lo, HL_NODE_MAX_LCORE, &hi, why, sizeof(why)) < 0)
			return ERR(ps, sec, key, "range end %s", why);
		for (uint64_t c = lo; c <= hi; c++) {
			for (unsigned j = 0; j < count; j++)
				if (out[j] == c)
					return ERR(ps, sec, key, "lcore %llu listed twice",
					        (unsigned long long)c);
			if (count >= max)
				return ERR(ps, sec, key, "more than %u lcores", max);
			out[count++] = (uint16_t)c;
		}
	}
	*n = (uint16_t)count;
	return 0;
}

static int
parse_port(struct parse *ps, int sec, struct hl_node_port *p)
{
	const char *dev = hl_ini_get(ps->ini, (unsigned)sec, "device");
	if (dev == NULL)
		return ERR(ps, sec, "device", "required key missing");
	for (const char *c = dev; *c; c++)
		if (*c == ',' || *c == ' ' || *c == '\t')
			return ERR(ps, sec, "device",
			        "'%s': a device name has no ',' or spaces (put options in devargs)",
			        dev);
	if (strlen(dev) >= sizeof(p->device))
		return ERR(ps, sec, "device", "longer than %zu bytes", sizeof(p->device) - 1);
	snprintf(p->device, sizeof(p->device), "%s", dev);
	int rc = hl_ini_str(ps->ini, (unsigned)sec, "devargs", p->devargs, sizeof(p->devargs),
	        ps->err, ps->errlen);
	if (rc < 0)
		return rc;
	const char *pmd = hl_ini_get(ps->ini, (unsigned)sec, "pmd_config");
	if (pmd == NULL)
		return ERR(ps, sec, "pmd_config", "required key missing");
	char perr[HL_INI_ERRLEN];
	rc = hl_pmd_profile_find(&p->pmd, ps->node->pmd_config_dir, pmd, perr, sizeof(perr));
	if (rc < 0) {
		ERR(ps, sec, "pmd_config", "profile '%s' unusable: %s", pmd, perr);
		return rc;
	}
	return hl_ini_check_used(ps->ini, (unsigned)sec, ps->err, ps->errlen);
}

static int
classify(struct parse *ps)
{
	static const char *const fixed[] = {"node", "management", "fabric", "lcores", "timers"};
	int *slots[] = {
	        &ps->sec_node, &ps->sec_mgmt, &ps->sec_fabric, &ps->sec_lcores, &ps->sec_timers};
	for (unsigned i = 0; i < 5; i++)
		*slots[i] = -1;
	for (unsigned i = 0; i < hl_ini_num_sections(ps->ini); i++) {
		const char *s = hl_ini_section(ps->ini, i);
		bool done = false;
		for (unsigned f = 0; f < 5 && !done; f++)
			if (strcmp(s, fixed[f]) == 0) {
				*slots[f] = (int)i;
				done = true;
			}
		if (done)
			continue;
		if (strncmp(s, "port", 4) == 0 && (s[4] == ' ' || s[4] == '\t')) {
			const char *name = s + 5;
			while (*name == ' ' || *name == '\t')
				name++;
			if (!hl_cfgval_is_name(name, NAME_MAX_) || strcmp(name, "fabric") == 0)
				return ERR(ps, (int)i, NULL,
				        "'%s' is not a valid port name (1..%u of A-Z a-z 0-9 _ - "
				        "., "
				        "not 'fabric')",
				        name, NAME_MAX_);
			struct hl_node_profile *n = ps->node;
			if (n->n_ports >= HL_NODE_MAX_PORTS)
				return ERR(ps, (int)i, NULL, "more than %u test ports",
				        HL_NODE_MAX_PORTS);
			for (unsigned p = 0; p < n->n_ports; p++)
				if (strcmp(n->ports[p].name, name) == 0)
					return ERR(
					        ps, (int)i, NULL, "duplicate port name '%s'", name);
			snprintf(n->ports[n->n_ports].name, HL_NODE_NAME_LEN, "%s", name);
			ps->sec_port[n->n_ports++] = (int)i;
			continue;
		}
		return ERR(ps, (int)i, NULL,
		        "unknown section (expected [node], [management], [fabric], [port NAME], "
		        "[lcores] or [timers])");
	}
	static const char *const need[] = {"node", "management", "fabric", "lcores"};
	for (unsigned f = 0; f < 4; f++)
		if (*slots[f] < 0)
			return ERR(ps, -1, NULL, "missing section [%s]", need[f]);
	return 0;
}

static int
parse_node(struct parse *ps)
{
	struct hl_node_profile *n = ps->node;
	int s = ps->sec_node, rc;
	if ((rc = get_name(ps, s, "name", n->name, true)) < 0 ||
	        (rc = get_name(ps, s, "dc", n->dc, true)) < 0 ||
	        (rc = get_name(ps, s, "cluster_id", n->cluster_id, true)) < 0 ||
	        (rc = get_name(ps, s, "environment", n->environment, true)) < 0)
		return rc;

	const char *roles = hl_ini_get(ps->ini, (unsigned)s, "roles");
	if (roles == NULL)
		return ERR(ps, s, "roles", "required key missing");
	char items[HL_CFGVAL_MAX_ITEMS][HL_CFGVAL_ITEM_MAX + 1];
	unsigned ni;
	char why[HL_CFGVAL_WHYLEN];
	static const char *const role_names[] = {"gate", "manager", "worker"};
	if (hl_cfgval_list(roles, items, 3, &ni, why, sizeof(why)) < 0)
		return ERR(ps, s, "roles", "%s", why);
	if (ni == 0)
		return ERR(ps, s, "roles", "at least one of gate, manager, worker");
	for (unsigned i = 0; i < ni; i++) {
		unsigned r;
		if (hl_cfgval_enum(items[i], role_names, 3, &r, why, sizeof(why)) < 0)
			return ERR(ps, s, "roles", "%s", why);
		if (n->roles & (1u << r))
			return ERR(ps, s, "roles", "'%s' listed twice", items[i]);
		n->roles |= 1u << r;
	}

	const char *sd = hl_ini_get(ps->ini, (unsigned)s, "state_dir");
	if (sd == NULL)
		return ERR(ps, s, "state_dir", "required key missing");
	if (sd[0] != '/')
		return ERR(ps, s, "state_dir", "'%s' is not an absolute path", sd);
	if (strlen(sd) >= sizeof(n->state_dir))
		return ERR(ps, s, "state_dir", "longer than %zu bytes", sizeof(n->state_dir) - 1);
	snprintf(n->state_dir, sizeof(n->state_dir), "%s", sd);

	const char *pd = hl_ini_get(ps->ini, (unsigned)s, "pmd_config_dir");
	if (pd == NULL)
		pd = "pmd-config";
	int w = pd[0] == '/' ? snprintf(n->pmd_config_dir, sizeof(n->pmd_config_dir), "%s", pd)
	                     : snprintf(n->pmd_config_dir, sizeof(n->pmd_config_dir), "%s/%s",
	                               ps->base_dir, pd);
	if (w < 0 || (size_t)w >= sizeof(n->pmd_config_dir))
		return ERR(ps, s, "pmd_config_dir", "path longer than %zu bytes",
		        sizeof(n->pmd_config_dir) - 1);
	return hl_ini_check_used(ps->ini, (unsigned)s, ps->err, ps->errlen);
}

static int
parse_mgmt(struct parse *ps)
{
	struct hl_node_profile *n = ps->node;
	int s = ps->sec_mgmt, rc;
	if ((rc = get_addr(ps, s, "address", &n->mgmt, true)) < 0)
		return rc;
	rc = get_addr(ps, s, "http", &n->http, false);
	if (rc < 0)
		return rc;
	n->has_http = rc == 0;
	if (n->has_http && n->http.port == n->mgmt.port &&
	        memcmp(n->http.ip, n->mgmt.ip, sizeof(n->http.ip)) == 0)
		return ERR(ps, s, "http", "same address as the management address");

	const char *seeds = hl_ini_get(ps->ini, (unsigned)s, "seeds");
	if (seeds != NULL) {
		char items[HL_CFGVAL_MAX_ITEMS][HL_CFGVAL_ITEM_MAX + 1];
		unsigned ni;
		char why[HL_CFGVAL_WHYLEN];
		if (hl_cfgval_list(seeds, items, HL_NODE_MAX_SEEDS, &ni, why, sizeof(why)) < 0)
			return ERR(ps, s, "seeds", "%s", why);
		for (unsigned i = 0; i < ni; i++) {
			if (hl_node_addr_parse(items[i], &n->seeds[i], why, sizeof(why)) < 0)
				return ERR(ps, s, "seeds", "%s", why);
			for (unsigned j = 0; j < i; j++)
				if (n->seeds[j].port == n->seeds[i].port &&
				        memcmp(n->seeds[j].ip, n->seeds[i].ip, 16) == 0)
					return ERR(ps, s, "seeds", "'%s' listed twice", items[i]);
		}
		n->n_seeds = (uint16_t)ni;
	}
	return hl_ini_check_used(ps->ini, (unsigned)s, ps->err, ps->errlen);
}

static int
parse_fabric(struct parse *ps)
{
	struct hl_node_profile *n = ps->node;
	int s = ps->sec_fabric, rc;
	snprintf(n->fabric.name, sizeof(n->fabric.name), "fabric");
	const char *a = hl_ini_get(ps->ini, (unsigned)s, "address");
	if (a == NULL)
		return ERR(ps, s, "address", "required key missing");
	const char *slash = strchr(a, '/');
	char ip[32];
	if (slash == NULL || (size_t)(slash - a) >= sizeof(ip))
		return ERR(ps, s, "address", "'%s' is not IPV4/PREFIX (e.g. 10.0.0.1/24)", a);
	memcpy(ip, a, (size_t)(slash - a));
	ip[slash - a] = '\0';
	char why[HL_CFGVAL_WHYLEN];
	uint64_t prefix;
	if (hl_cfgval_ipv4(ip, n->fabric_ip, why, sizeof(why)) < 0)
		return ERR(ps, s, "address", "%s", why);
	if (hl_cfgval_u64(slash + 1, 1, 32, &prefix, why, sizeof(why)) < 0)
		return ERR(ps, s, "address", "prefix %s", why);
	n->fabric_prefix = (uint8_t)prefix;
	n->fabric_udp_port = 7500;
	if ((rc = hl_ini_u16(ps->ini, (unsigned)s, "udp_port", 1, 65535, &n->fabric_udp_port,
	             ps->err, ps->errlen)) < 0)
		return rc;
	return parse_port(ps, s, &n->fabric);
}

static bool
in_list(const uint16_t *l, unsigned n, uint16_t v)
{
	for (unsigned i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

static int
parse_lcores(struct parse *ps)
{
	struct hl_node_profile *n = ps->node;
	int s = ps->sec_lcores, rc;
	uint16_t main_l[1], cnt;
	if ((rc = get_lcores(ps, "main", main_l, 1, &cnt, true)) < 0)
		return rc;
	n->main_lcore = main_l[0];
	if ((rc = get_lcores(ps, "services", n->service_lcores, HL_NODE_MAX_SERVICE_LCORES,
	             &n->n_service_lcores, true)) < 0 ||
	        (rc = get_lcores(ps, "traffic", n->traffic_lcores, HL_NODE_MAX_TRAFFIC_LCORES,
	                 &n->n_traffic_lcores, false)) < 0)
		return rc;
	if (n->n_service_lcores == 0)
		return ERR(ps, s, "services", "at least one service lcore");
	if (in_list(n->service_lcores, n->n_service_lcores, n->main_lcore))
		return ERR(ps, s, "services", "lcore %u is the main lcore", n->main_lcore);
	for (unsigned i = 0; i < n->n_traffic_lcores; i++) {
		uint16_t c = n->traffic_lcores[i];
		if (c == n->main_lcore)
			return ERR(ps, s, "traffic", "lcore %u is the main lcore", c);
		if (in_list(n->service_lcores, n->n_service_lcores, c))
			return ERR(ps, s, "traffic",
			        "lcore %u is a service lcore (traffic lcores busy-poll alone)", c);
	}
	if ((n->roles & HL_ROLE_WORKER) && n->n_traffic_lcores == 0)
		return ERR(ps, s, "traffic", "a worker needs at least one traffic lcore");

	/* service placement: each service on one of the service lcores (default: the first) */
	const char *svc_keys[3] = {"swim", "dispatch", "progress"};
	uint16_t *svc[3] = {&n->swim_lcore, &n->dispatch_lcore, &n->progress_lcore};
	for (unsigned i = 0; i < 3; i++) {
		*svc[i] = n->service_lcores[0];
		if ((rc = hl_ini_u16(ps->ini, (unsigned)s, svc_keys[i], 0, HL_NODE_MAX_LCORE,
		             svc[i], ps->err, ps->errlen)) < 0)
			return rc;
		if (!in_list(n->service_lcores, n->n_service_lcores, *svc[i]))
			return ERR(ps, s, svc_keys[i], "lcore %u is not one of the service lcores",
			        *svc[i]);
	}
	static const char *const polls[] = {"busy", "adaptive"};
	const char *pv = hl_ini_get(ps->ini, (unsigned)s, "polling");
	n->polling = HL_POLL_ADAPTIVE;
	if (pv != NULL) {
		unsigned idx;
		char why[HL_CFGVAL_WHYLEN];
		if (hl_cfgval_enum(pv, polls, 2, &idx, why, sizeof(why)) < 0)
			return ERR(ps, s, "polling", "%s", why);
		n->polling = (uint8_t)idx;
	}
	return hl_ini_check_used(ps->ini, (unsigned)s, ps->err, ps->errlen);
}

static int
parse_timers(struct parse *ps)
{
	struct hl_node_profile *n = ps->node;
	n->swim_probe_interval_ns = 100 * MS;
	n->swim_probe_timeout_ns = 50 * MS;
	n->progress_window_ns = 50 * MS;
	n->progress_batch_ns = 250 * MS;
	int s = ps->sec_timers, rc;
	if (s < 0)
		return 0;
	const uint64_t hour = 3600000 * MS;
	if ((rc = hl_ini_duration(ps->ini, (unsigned)s, "swim_probe_interval", MS, hour,
	             &n->swim_probe_interval_ns, ps->err, ps->errlen)) < 0 ||
	        (rc = hl_ini_duration(ps->ini, (unsigned)s, "swim_probe_timeout", MS / 10, hour,
	                 &n->swim_probe_timeout_ns, ps->err, ps->errlen)) < 0 ||
	        (rc = hl_ini_duration(ps->ini, (unsigned)s, "progress_window", MS, hour,
	                 &n->progress_window_ns, ps->err, ps->errlen)) < 0 ||
	        (rc = hl_ini_duration(ps->ini, (unsigned)s, "progress_batch", MS, hour,
	                 &n->progress_batch_ns, ps->err, ps->errlen)) < 0)
		return rc;
	if (n->swim_probe_timeout_ns >= n->swim_probe_interval_ns)
		return ERR(ps, s, "swim_probe_timeout", "must be below swim_probe_interval");
	if (n->progress_batch_ns < n->progress_window_ns)
		return ERR(ps, s, "progress_batch", "must be at least progress_window");
	return hl_ini_check_used(ps->ini, (unsigned)s, ps->err, ps->errlen);
}

static int
parse_all(struct parse *ps)
{
	struct hl_node_profile *n = ps->node;
	int rc;
	if ((rc = classify(ps)) < 0 || (rc = parse_node(ps)) < 0 || (rc = parse_mgmt(ps)) < 0 ||
	        (rc = parse_fabric(ps)) < 0)
		return rc;
	for (unsigned p = 0; p < n->n_ports; p++)
		if ((rc = parse_port(ps, ps->sec_port[p], &n->ports[p])) < 0)
			return rc;
	for (unsigned p = 0; p < n->n_ports; p++) {
		if (strcmp(n->ports[p].device, n->fabric.device) == 0)
			return ERR(ps, ps->sec_port[p], "device", "'%s' is also the fabric port",
			        n->ports[p].device);
		for (unsigned q = 0; q < p; q++)
			if (strcmp(n->ports[p].device, n->ports[q].device) == 0)
				return ERR(ps, ps->sec_port[p], "device", "'%s' is also port '%s'",
				        n->ports[p].device, n->ports[q].name);
	}
	if ((n->roles & HL_ROLE_WORKER) && n->n_ports == 0)
		return ERR(ps, ps->sec_node, "roles",
		        "worker needs at least one [port NAME] test port");
	if ((rc = parse_lcores(ps)) < 0 || (rc = parse_timers(ps)) < 0)
		return rc;
	return 0;
}

static int
run(struct hl_node_profile *node, struct hl_ini *ini, const char *label, char *err, size_t errlen)
{
	struct parse *ps = calloc(1, sizeof(*ps));
	if (ps == NULL) {
		hl_ini_free(ini);
		return -ENOMEM;
	}
	ps->ini = ini;
	ps->node = node;
	ps->err = err;
	ps->errlen = errlen;
	const char *slash = strrchr(label, '/');
	if (slash == NULL)
		snprintf(ps->base_dir, sizeof(ps->base_dir), ".");
	else
		snprintf(ps->base_dir, sizeof(ps->base_dir), "%.*s", (int)(slash - label), label);
	memset(node, 0, sizeof(*node));
	int rc = parse_all(ps);
	free(ps);
	hl_ini_free(ini);
	return rc;
}

int
hl_node_profile_parse_buf(struct hl_node_profile *node, const char *label, const void *buf,
        size_t len, char *err, size_t errlen)
{
	struct hl_ini *ini;
	if (label == NULL)
		label = "(buffer)";
	int rc = hl_ini_load_buf(&ini, label, buf, len, err, errlen);
	if (rc < 0)
		return rc;
	return run(node, ini, label, err, errlen);
}

int
hl_node_profile_load(struct hl_node_profile *node, const char *path, char *err, size_t errlen)
{
	struct hl_ini *ini;
	int rc = hl_ini_load_file(&ini, path, err, errlen);
	if (rc < 0)
		return rc;
	return run(node, ini, path, err, errlen);
}
