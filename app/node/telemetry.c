/* telemetry.c — DPDK telemetry commands /hyperline/{ports,lcores,services,members,jobs}, read
 * with dpdk-telemetry.py. Callbacks run on DPDK's telemetry thread: ports, lcores and services
 * are read through thread-safe DPDK getters; jobs come from a snapshot the control core
 * publishes under a mutex (slow path only). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_service.h>
#include <rte_telemetry.h>

#include "hl_log.h"
#include "node.h"
#include "peer.h"

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	uint64_t id;
	char text[128];
} jobs_snap[HL_NODE_MAX_JOBS];
static int jobs_n;

void
hl_telemetry_publish_jobs(const char *unused)
{
	(void)unused;
	pthread_mutex_lock(&jobs_lock);
	jobs_n = 0;
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
		const struct hl_job *j = &hl_jobs[i];
		if (!j->used)
			continue;
		jobs_snap[jobs_n].id = j->id;
		snprintf(jobs_snap[jobs_n].text, sizeof(jobs_snap[0].text),
		        "%s %s workflows %u/%u tx %" PRIu64 " rx %" PRIu64 "%s", j->spec->name,
		        hl_job_state_name(j->state), j->wf_done, j->spec->n_workflows,
		        j->prog.tx_pkts, j->prog.rx_pkts, j->fetched ? " (result fetched)" : "");
		jobs_n++;
	}
	pthread_mutex_unlock(&jobs_lock);
}

static int
tel_jobs(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	char key[32];
	rte_tel_data_start_dict(d);
	pthread_mutex_lock(&jobs_lock);
	for (int i = 0; i < jobs_n; i++) {
		snprintf(key, sizeof(key), "%" PRIu64, jobs_snap[i].id);
		rte_tel_data_add_dict_string(d, key, jobs_snap[i].text);
	}
	pthread_mutex_unlock(&jobs_lock);
	return 0;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (uint32_t i = 0; i < hl_node.n_ports; i++) {
		struct rte_eth_stats st;
		char key[128], val[160];
		hl_port_stats(i, &st, "telemetry"); /* zeroed, logged and counted on failure */
		snprintf(key, sizeof(key), "%s", hl_node.ports[i].cfg.name);
		snprintf(val, sizeof(val),
		        "device=%s port_id=%u opackets=%" PRIu64 " ipackets=%" PRIu64
		        " oerrors=%" PRIu64 " imissed=%" PRIu64,
		        hl_node.ports[i].cfg.device, hl_node.ports[i].port_id, st.opackets,
		        st.ipackets, st.oerrors, st.imissed);
		rte_tel_data_add_dict_string(d, key, val);
	}
	return 0;
}

static void
list(char *buf, size_t cap, const unsigned *v, uint32_t n)
{
	buf[0] = '\0';
	for (uint32_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), cap - strlen(buf), "%s%u", i ? "," : "", v[i]);
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	const struct hl_node_cfg *p = &hl_node.prof;
	char buf[128];
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "control", (int)rte_get_main_lcore());
	list(buf, sizeof(buf), p->svc_lcores, p->n_svc);
	rte_tel_data_add_dict_string(d, "service", buf);
	list(buf, sizeof(buf), p->traffic_lcores, p->n_traffic);
	rte_tel_data_add_dict_string(d, "traffic", buf);
	rte_tel_data_add_dict_int(d, "dispatch", (int)p->dispatch_lcore);
	rte_tel_data_add_dict_int(d, "progress", (int)p->progress_lcore);
	rte_tel_data_add_dict_string(d, "polling", p->adaptive ? "adaptive" : "busy");
	return 0;
}

static int
tel_services(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	uint32_t n = rte_service_get_count();
	for (uint32_t id = 0; id < n; id++) {
		const char *name = rte_service_get_name(id);
		uint64_t calls = 0, cycles = 0;
		char val[128];
		if (name == NULL)
			continue;
		if (rte_service_attr_get(id, RTE_SERVICE_ATTR_CALL_COUNT, &calls) != 0 ||
		        rte_service_attr_get(id, RTE_SERVICE_ATTR_CYCLES, &cycles) != 0)
			HL_LOG(HL_LOG_WARN, "telemetry",
			        "service %s: call/cycle statistics unavailable (reported as 0)",
			        name);
		snprintf(val, sizeof(val), "id=%u running=%d calls=%" PRIu64 " cycles=%" PRIu64, id,
		        rte_service_runstate_get(id), calls, cycles);
		rte_tel_data_add_dict_string(d, name, val);
	}
	return 0;
}

static int
tel_members(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	static struct hl_cp_nodes nd; /* telemetry runs one command at a time */
	char key[24], val[400];
	hl_membership_snapshot(&nd);
	rte_tel_data_start_dict(d);
	/* keys are restricted to a small character set: index them, the address is in the value */
	for (uint32_t i = 0; i < nd.n; i++) {
		snprintf(key, sizeof(key), "member%u", i);
		snprintf(val, sizeof(val), "%s %s roles=%s dc=%s client=%s", nd.nodes[i].name,
		        nd.nodes[i].state, nd.nodes[i].roles, nd.nodes[i].dc, nd.nodes[i].mgmt);
		rte_tel_data_add_dict_string(d, key, val);
	}
	return 0;
}

static int
tel_fabric(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct hl_node_counter c[HL_FABRIC_COUNTERS];
	uint32_t n = hl_fabric_port_counters(c, HL_FABRIC_COUNTERS);
	rte_tel_data_start_dict(d);
	const struct hl_node_cfg *p = &hl_node.prof;
	rte_tel_data_add_dict_string(d, "port", p->fabric_device[0] ? p->fabric_device : "none");
	if (p->fabric_device[0])
		rte_tel_data_add_dict_string(d, "address", p->fabric_addr);
	for (uint32_t i = 0; i < n; i++)
		rte_tel_data_add_dict_u64(d, c[i].name, c[i].v);
	return 0;
}

/* One dict per peer (the string form would pass telemetry's 128-byte value limit). */
static int
tel_peers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	static struct hl_peer_info pi[HL_PEER_TABLE_MAX]; /* one command at a time */
	char key[24];
	uint32_t n = hl_peer_list(pi, HL_PEER_TABLE_MAX);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "self", hl_node.prof.node_id);
	for (uint32_t i = 0; i < n; i++) {
		const struct hl_peer_info *q = &pi[i];
		struct rte_tel_data *c = rte_tel_data_alloc();
		if (c == NULL) {
			HL_LOG(HL_LOG_WARN, "telemetry",
			        "/hyperline/peers: out of memory at peer %u", i);
			return -ENOMEM;
		}
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "id", q->id);
		rte_tel_data_add_dict_string(c, "addr", q->addr[0] ? q->addr : "-");
		rte_tel_data_add_dict_string(c, "name", q->name[0] ? q->name : "-");
		rte_tel_data_add_dict_string(c, "state", hl_peer_state_name(q->state));
		rte_tel_data_add_dict_string(c, "inbound", q->inbound ? "up" : "down");
		const struct {
			const char *k;
			uint64_t v;
		} f[] = {
		        {"frames_in", q->frames_in},
		        {"frames_out", q->frames_out},
		        {"bytes_in", q->bytes_in},
		        {"bytes_out", q->bytes_out},
		        {"errors", q->errors},
		        {"enobufs", q->enobufs},
		        {"queued_bytes", q->queued_bytes},
		        {"queued_frames", q->queued_frames},
		        {"connects", q->connects},
		        {"backoff_ms", q->backoff_ms},
		        {"rtt_us", q->rtt_us},
		        {"rtt_min_us", q->rtt_min_us},
		};
		for (size_t k = 0; k < sizeof(f) / sizeof(f[0]); k++)
			rte_tel_data_add_dict_u64(c, f[k].k, f[k].v);
		snprintf(key, sizeof(key), "peer%u", i);
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0) {
			rte_tel_data_free(c);
			HL_LOG(HL_LOG_WARN, "telemetry", "/hyperline/peers: peer %u not added", i);
		}
	}
	return 0;
}

int
hl_telemetry_register(void)
{
	struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} c[] = {
	        {"/hyperline/ports", tel_ports, "Test ports and their counters."},
	        {"/hyperline/lcores", tel_lcores, "Control, service and traffic lcores."},
	        {"/hyperline/services", tel_services, "rte_service components and call counts."},
	        {"/hyperline/members", tel_members, "Cluster members known to this node."},
	        {"/hyperline/fabric", tel_fabric, "Fabric port: address and counters."},
	        {"/hyperline/jobs", tel_jobs, "Job records: state, workflows, packets."},
	        {"/hyperline/peers", tel_peers,
	                "Node links: id, address, state, frames/bytes, errors, rtt."},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int rc = rte_telemetry_register_cmd(c[i].cmd, c[i].fn, c[i].help);
		if (rc < 0) {
			HL_LOG(HL_LOG_WARN, "node", "telemetry command %s: %d", c[i].cmd, rc);
			return rc;
		}
	}
	return 0;
}
