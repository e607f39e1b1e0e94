/* hl_node_profile.h — node profiles (INI): what one hyperline process is — roles, datacenter,
 * cluster and environment, state directory, management address and seeds, fabric port, test
 * ports (each resolved to its pmd-config profile), lcore map, polling mode and timers.
 * Format: docs/profiles.md section 4.
 *
 * struct hl_node_profile embeds the pmd-config profiles of its ports: allocate it on the heap.
 * Errors: -EINVAL with "FILE: [SECTION] KEY: REASON" in err; a pmd-config profile that fails to
 * load is reported with the node profile's place first, then the profile's own message.
 */
#ifndef HL_NODE_PROFILE_H
#define HL_NODE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_pmd_profile.h"

#define HL_NODE_NAME_LEN 48
#define HL_NODE_PATH_LEN 256
#define HL_NODE_DEV_LEN 64
#define HL_NODE_DEVARGS_LEN 256
#define HL_NODE_MAX_PORTS 8 /* test ports */
#define HL_NODE_MAX_SEEDS 16
#define HL_NODE_MAX_LCORE 127 /* highest lcore id (RTE_MAX_LCORE 128 in the Debian build) */
#define HL_NODE_MAX_SERVICE_LCORES 8
#define HL_NODE_MAX_TRAFFIC_LCORES 64

enum hl_node_role {
	HL_ROLE_GATE = 1u << 0,
	HL_ROLE_MANAGER = 1u << 1,
	HL_ROLE_WORKER = 1u << 2,
};

enum hl_poll_mode {
	HL_POLL_BUSY = 0, /* service lcores spin */
	HL_POLL_ADAPTIVE = 1, /* back off to short sleeps when idle */
};

/** A literal socket address ("127.0.0.1:7400" or "[::1]:7400"; host names are refused). */
struct hl_node_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t ip[16]; /* network order; IPv4 in the first 4 bytes */
	uint16_t port; /* host order, 1..65535 */
	char text[64]; /* as written */
};

struct hl_node_port {
	char name[HL_NODE_NAME_LEN]; /* "fabric" or the NAME of [port NAME] */
	char device[HL_NODE_DEV_LEN]; /* PCI address or vdev name (e.g. net_ring0) */
	char devargs[HL_NODE_DEVARGS_LEN]; /* extra devargs, "" = none */
	struct hl_pmd_profile pmd; /* resolved [..] pmd_config */
};

struct hl_node_profile {
	char name[HL_NODE_NAME_LEN];
	uint32_t roles; /* enum hl_node_role bits, at least one */
	char dc[HL_NODE_NAME_LEN];
	char cluster_id[HL_NODE_NAME_LEN];
	char environment[HL_NODE_NAME_LEN];
	char state_dir[HL_NODE_PATH_LEN]; /* absolute */
	char pmd_config_dir[HL_NODE_PATH_LEN]; /* where pmd_config names were resolved */

	struct hl_node_addr mgmt; /* control plane (TCP) listen address */
	bool has_http;
	struct hl_node_addr http; /* metrics / JSON status */
	uint16_t n_seeds;
	struct hl_node_addr seeds[HL_NODE_MAX_SEEDS];

	struct hl_node_port fabric;
	uint8_t fabric_ip[4]; /* network order */
	uint8_t fabric_prefix; /* 1..32 */
	uint16_t fabric_udp_port;

	uint16_t n_ports;
	struct hl_node_port ports[HL_NODE_MAX_PORTS];

	uint16_t main_lcore;
	uint16_t n_service_lcores;
	uint16_t service_lcores[HL_NODE_MAX_SERVICE_LCORES];
	uint16_t n_traffic_lcores;
	uint16_t traffic_lcores[HL_NODE_MAX_TRAFFIC_LCORES];
	uint16_t swim_lcore, dispatch_lcore, progress_lcore; /* each one of service_lcores */
	uint8_t polling; /* enum hl_poll_mode */

	uint64_t swim_probe_interval_ns; /* default 100 ms (rack fabric) */
	uint64_t swim_probe_timeout_ns; /* default 50 ms, < interval */
	uint64_t progress_window_ns; /* default 50 ms */
	uint64_t progress_batch_ns; /* default 250 ms, >= window */
};

/** Parse len bytes of node-profile text; label names the source in messages and its directory
 * anchors a relative pmd_config_dir. */
int hl_node_profile_parse_buf(struct hl_node_profile *node, const char *label, const void *buf,
        size_t len, char *err, size_t errlen);

/** Parse a node-profile file. */
int hl_node_profile_load(struct hl_node_profile *node, const char *path, char *err, size_t errlen);

/** Address parser used for mgmt/http/seeds ("IPv4:port" or "[IPv6]:port"). Returns 0 or
 * -EINVAL with a reason in why. */
int hl_node_addr_parse(const char *s, struct hl_node_addr *a, char *why, size_t whylen);

#endif
