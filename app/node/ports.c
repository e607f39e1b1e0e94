/* ports.c — test ports named by the node profile: find (or hot-plug) the ethdev, set it up
 * through lib/port with one RX and one TX queue per traffic lane (RX pools are per socket;
 * each stream's TX pool is created by lib/txgen on the port's socket). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "hl_err.h"
#include "hl_log.h"
#include "node.h"

int
hl_ports_start(char *err, size_t errlen)
{
	struct hl_node *n = &hl_node;
	const struct hl_node_cfg *p = &n->prof;
	int rc;

	for (uint32_t i = 0; i < p->n_ports; i++) {
		struct hl_node_tport *np = &n->ports[i];
		uint16_t pid;
		np->cfg = p->ports[i];
		n->n_ports = i + 1;
		if (rte_eth_dev_get_port_by_name(np->cfg.device, &pid) != 0) {
			/* Not created by EAL: virtual devices can be hot-plugged from the profile. */
			const char *devargs = np->cfg.args[0] ? np->cfg.args : np->cfg.device;
			rc = rte_dev_probe(devargs);
			if (rc < 0 || rte_eth_dev_get_port_by_name(np->cfg.device, &pid) != 0) {
				snprintf(err, errlen,
				        "%s: [port.%s] device: no ethdev '%s' (not created by EAL, "
				        "and probing it failed: %s)",
				        p->origin, np->cfg.name, np->cfg.device,
				        rc < 0 ? rte_strerror(-rc) : "probe created no port");
				return -ENODEV;
			}
		}
		np->port_id = pid;
		struct hl_port_conf conf;
		char perr[HL_PORT_ERRLEN];
		if (np->cfg.have_pmd)
			conf = np->cfg.pmd.defaults;
		else
			hl_port_conf_default(&conf);
		conf.rx_queues = conf.tx_queues = (uint16_t)p->n_traffic; /* one per lane */
		if (np->cfg.have_pmd && (rc = hl_pmd_profile_check_conf(
		                                 &np->cfg.pmd, &conf, perr, sizeof(perr))) < 0) {
			snprintf(err, errlen, "port %s: pmd-config %s: %s", np->cfg.name,
			        np->cfg.pmd_config, perr);
			return rc;
		}
		struct rte_eth_dev_info di;
		if (np->cfg.have_pmd && np->cfg.pmd.driver[0] &&
		        rte_eth_dev_info_get(pid, &di) == 0 &&
		        strcmp(di.driver_name, np->cfg.pmd.driver) != 0) {
			snprintf(err, errlen,
			        "%s: [port.%s] pmd_config: profile %s is for driver %s, but %s is "
			        "driven by %s",
			        p->origin, np->cfg.name, np->cfg.pmd.name, np->cfg.pmd.driver,
			        np->cfg.device, di.driver_name);
			return -EINVAL;
		}
		rc = hl_port_setup(pid, &conf, &np->info, perr, sizeof(perr));
		if (rc < 0) {
			snprintf(err, errlen, "port %s (%s): %s", np->cfg.name, np->cfg.device,
			        perr);
			return rc;
		}
		np->started = true;
		HL_LOG(HL_LOG_INFO, "node", "port=%s device=%s id=%u queues=%u socket=%d",
		        np->cfg.name, np->cfg.device, pid, conf.rx_queues, np->info.socket_id);
	}
	return 0;
}

void
hl_ports_stop(void)
{
	struct hl_node *n = &hl_node;
	for (uint32_t i = 0; i < n->n_ports; i++) {
		if (!n->ports[i].started)
			continue;
		int rc = hl_port_teardown(n->ports[i].port_id);
		if (rc < 0)
			HL_LOG(HL_LOG_WARN, "node", "port=%s teardown: %s", n->ports[i].cfg.name,
			        rte_strerror(-rc));
		n->ports[i].started = false;
	}
}
