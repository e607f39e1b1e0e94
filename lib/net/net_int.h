/* net_int.h — the fabric's private state, shared by fabric.c and fabric_swim.c only. */
#ifndef HL_NET_INT_H
#define HL_NET_INT_H

#include "hl_fabric.h"

#define HL_FABRIC_ARP_SCAN_NS 10000000ull /* ARP timers looked at every 10 ms at most */

struct hl_swim;

struct hl_fabric_bind {
	uint16_t port;
	hl_fabric_handler_fn fn;
	void *arg;
};

struct hl_fabric {
	uint16_t port_id, queue;
	uint32_t ip;
	uint8_t mac[6];
	uint16_t ip_id;
	struct rte_mempool *mp;
	struct hl_fabric_cfg cfg;
	struct hl_arp *arp;
	uint64_t arp_next; /* earliest ARP deadline */
	uint32_t nbind;
	struct hl_fabric_bind binds[HL_FABRIC_MAX_BINDS];
	struct hl_fabric_stats st;
	struct hl_swim *swim; /* instance fed by hl_fabric_swim_step */
};

#endif
