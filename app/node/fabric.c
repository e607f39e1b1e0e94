/* fabric.c — the node's [fabric] port: the ethdev set up through lib/port (one RX and one TX
 * queue, promiscuous), the lib/net fabric created on it for SWIM (and later the coordination
 * fast path). Set up and torn down on the main lcore; in between only the SWIM service lcore
 * touches the fabric, and it publishes the counters every 100 ms under a seqlock for /metrics
 * and telemetry. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "hl_fabric.h"
#include "hl_arp.h"
#include "hl_frame.h"
#include "hl_log.h"
#include "hl_snap.h"
#include "node.h"

static struct hl_fabric *fab;
static uint16_t fab_port;
static bool fab_port_started;
static struct hl_seqlock fab_lock;
static struct hl_fabric_stats fab_snap; /* written by the SWIM service lcore */
static struct hl_arp_stats arp_snap;

struct hl_fabric *
hl_fabric_port(void)
{
	return fab;
}

int
hl_fabric_port_start(char *err, size_t errlen)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	uint16_t pid;
	int rc;
	if (p->fabric_device[0] == '\0')
		return 0;
	if (rte_eth_dev_get_port_by_name(p->fabric_device, &pid) != 0) {
		rc = rte_dev_probe(p->fabric_device);
		if (rc < 0 || rte_eth_dev_get_port_by_name(p->fabric_device, &pid) != 0) {
			snprintf(err, errlen,
			        "%s: [fabric] port: no ethdev '%s' (not created by EAL, and "
			        "probing "
			        "it failed: %s)",
			        p->origin, p->fabric_device,
			        rc < 0 ? rte_strerror(-rc) : "probe created no port");
			return -ENODEV;
		}
	}
	for (uint32_t i = 0; i < hl_node.n_ports; i++)
		if (hl_node.ports[i].port_id == pid) {
			snprintf(err, errlen, "%s: [fabric] port %s is also test port %s",
			        p->origin, p->fabric_device, hl_node.ports[i].cfg.name);
			return -EINVAL;
		}
	struct hl_port_conf conf;
	char perr[HL_PORT_ERRLEN];
	if (p->fabric_have_pmd)
		conf = p->fabric_pmd_prof.defaults;
	else
		hl_port_conf_default(&conf);
	conf.rx_queues = conf.tx_queues = 1;
	conf.rss = false;
	/* frames for our (possibly distinct, see below) MAC and broadcasts must be received */
	conf.promiscuous = true;
	if (p->fabric_have_pmd && (rc = hl_pmd_profile_check_conf(
	                                   &p->fabric_pmd_prof, &conf, perr, sizeof(perr))) < 0) {
		snprintf(err, errlen, "fabric port %s: pmd-config %s: %s", p->fabric_device,
		        p->fabric_pmd, perr);
		return rc;
	}
	struct rte_eth_dev_info di;
	if ((rc = rte_eth_dev_info_get(pid, &di)) != 0) {
		snprintf(err, errlen, "fabric port %s: device info: %s", p->fabric_device,
		        rte_strerror(-rc));
		return rc;
	}
	if (p->fabric_have_pmd && p->fabric_pmd_prof.driver[0] &&
	        strcmp(di.driver_name, p->fabric_pmd_prof.driver) != 0) {
		snprintf(err, errlen,
		        "%s: [fabric] pmd_config: profile %s is for driver %s, but %s is driven by "
		        "%s",
		        p->origin, p->fabric_pmd_prof.name, p->fabric_pmd_prof.driver,
		        p->fabric_device, di.driver_name);
		return -EINVAL;
	}
	struct hl_port_info info;
	if ((rc = hl_port_setup(pid, &conf, &info, perr, sizeof(perr))) < 0) {
		snprintf(err, errlen, "fabric port %s: %s", p->fabric_device, perr);
		return rc;
	}
	fab_port = pid;
	fab_port_started = true;
	struct rte_ether_addr pmac, mac;
	if ((rc = rte_eth_macaddr_get(pid, &pmac)) != 0) {
		snprintf(err, errlen, "fabric port %s: MAC address: %s", p->fabric_device,
		        rte_strerror(-rc));
		return rc;
	}
	/* On net_tap the kernel netdev carries the port's own MAC; a bridge would keep frames to
	 * that MAC for the local stack (docs/fabric.md), so the fabric answers on another one. */
	bool tap = strcmp(di.driver_name, "net_tap") == 0;
	if (tap)
		hl_fabric_mac_distinct(pmac.addr_bytes, mac.addr_bytes);
	else
		mac = pmac;
	struct hl_fabric_cfg fc;
	hl_fabric_cfg_default(&fc);
	fc.swim_port = p->fabric_swim_port;
	fc.cluster = hl_frame_cluster_hash(p->cluster_id);
	if ((rc = hl_fabric_create(&fab, pid, 0, p->fabric_ip, mac.addr_bytes, info.rx_pool, &fc)) <
	        0) {
		snprintf(err, errlen, "fabric on %s: %s", p->fabric_device, strerror(-rc));
		fab = NULL;
		return rc;
	}
	hl_fabric_port_publish();
	char mstr[RTE_ETHER_ADDR_FMT_SIZE];
	rte_ether_format_addr(mstr, sizeof(mstr), &mac);
	HL_LOG(HL_LOG_INFO, "fabric",
	        "port=%s id=%u driver=%s address=%s swim_port=%u mac=%s%s socket=%d",
	        p->fabric_device, pid, di.driver_name, p->fabric_addr, fc.swim_port, mstr,
	        tap ? " (distinct from the tap's)" : "", info.socket_id);
	return 0;
}

void
hl_fabric_port_publish(void)
{
	if (fab == NULL)
		return;
	hl_seq_write_begin(&fab_lock);
	memcpy(&fab_snap, hl_fabric_stats(fab), sizeof(fab_snap));
	memcpy(&arp_snap, hl_arp_stats(hl_fabric_arp(fab)), sizeof(arp_snap));
	hl_seq_write_end(&fab_lock);
}

bool
hl_fabric_port_stats(struct hl_fabric_stats *fs, struct hl_arp_stats *as)
{
	if (hl_node.prof.fabric_device[0] == '\0')
		return false;
	uint32_t s;
	do {
		s = hl_seq_read_begin(&fab_lock);
		memcpy(fs, &fab_snap, sizeof(*fs));
		memcpy(as, &arp_snap, sizeof(*as));
	} while (hl_seq_read_retry(&fab_lock, s));
	return true;
}

void
hl_fabric_port_stop(void)
{
	if (fab != NULL) {
		hl_fabric_port_publish();
		const struct hl_fabric_stats *s = hl_fabric_stats(fab);
		HL_LOG(HL_LOG_INFO, "fabric",
		        "port=%s stopping rx=%" PRIu64 " tx=%" PRIu64 " swim_rx=%" PRIu64
		        " swim_tx=%" PRIu64 " tx_arp_dropped=%" PRIu64,
		        hl_node.prof.fabric_device, s->rx_pkts, s->tx_pkts, s->swim_rx, s->swim_tx,
		        s->tx_arp_dropped);
		hl_fabric_destroy(fab);
		fab = NULL;
	}
	if (fab_port_started) {
		int rc = hl_port_teardown(fab_port);
		if (rc < 0)
			HL_LOG(HL_LOG_WARN, "fabric", "port=%s teardown: %s",
			        hl_node.prof.fabric_device, rte_strerror(-rc));
		fab_port_started = false;
	}
}

uint32_t
hl_fabric_port_counters(struct hl_node_counter *out, uint32_t cap)
{
	struct hl_fabric_stats f;
	struct hl_arp_stats a;
	if (!hl_fabric_port_stats(&f, &a))
		return 0;
	uint64_t malformed = 0, delivered = 0;
	for (unsigned r = 1; r < HL_PKT_R_MAX; r++)
		malformed += f.rx_malformed[r];
	for (unsigned i = 0; i < HL_FABRIC_MAX_BINDS; i++)
		delivered += f.rx_delivered[i];
	const struct hl_node_counter c[] = {
	        {"rx_pkts", f.rx_pkts},
	        {"rx_bytes", f.rx_bytes},
	        {"rx_malformed", malformed},
	        {"rx_multiseg", f.rx_multiseg},
	        {"rx_not_our_mac", f.rx_not_our_mac},
	        {"rx_not_our_ip", f.rx_not_our_ip},
	        {"rx_not_ours", f.rx_not_ours},
	        {"rx_delivered", delivered},
	        {"arp_rx_requests", f.arp_rx_requests},
	        {"arp_rx_replies", f.arp_rx_replies},
	        {"arp_rx_gratuitous", f.arp_rx_gratuitous},
	        {"arp_for_others", f.arp_for_others},
	        {"arp_conflicts", f.arp_conflicts},
	        {"arp_tx_requests", f.arp_tx_requests},
	        {"arp_tx_replies", f.arp_tx_replies},
	        {"arp_tx_gratuitous", f.arp_tx_gratuitous},
	        {"tx_pkts", f.tx_pkts},
	        {"tx_bytes", f.tx_bytes},
	        {"tx_queued", f.tx_queued},
	        {"tx_nombuf", f.tx_nombuf},
	        {"tx_full", f.tx_full},
	        {"tx_too_big", f.tx_too_big},
	        {"tx_bad_dst", f.tx_bad_dst},
	        {"tx_arp_refused", f.tx_arp_refused},
	        {"tx_arp_dropped", f.tx_arp_dropped},
	        {"swim_rx", f.swim_rx},
	        {"swim_tx", f.swim_tx},
	        {"swim_ticks", f.swim_ticks},
	        {"swim_rx_frame_err", f.swim_rx_frame_err},
	        {"swim_rx_bad_from", f.swim_rx_bad_from},
	        {"swim_rx_decode_err", f.swim_rx_decode_err},
	        {"swim_tx_err", f.swim_tx_err},
	        {"arp_resolved", a.resolved},
	        {"arp_learned", a.learned},
	        {"arp_failed", a.failed},
	        {"arp_expired", a.expired},
	        {"arp_table_full", a.table_full},
	        {"arp_pending_full", a.pending_full},
	};
	uint32_t n = 0;
	for (; n < cap && n < sizeof(c) / sizeof(c[0]); n++)
		out[n] = c[n];
	return n;
}
