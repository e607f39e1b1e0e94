/* swim_udp.h — host adapter that runs the sans-IO SWIM core over a kernel UDP socket (IPv4):
 * the gate tier's WAN membership, and side-by-side comparisons on loopback. */
#ifndef SWIM_UDP_H
#define SWIM_UDP_H

#include <netinet/in.h>
#include <stdint.h>

#include "hl_swim.h"

struct swim_udp {
	int fd;
	struct sockaddr_in sin; /* bound address */
	struct hl_swim_addr addr; /* the same, as the core's opaque address: IPv4 (4) + port (2) */
	struct hl_swim *sw;
	uint64_t tx_errors, rx_errors;
};

/** Monotonic clock in ns (the host's job: the core never reads a clock). */
uint64_t swim_udp_now(void);
void swim_udp_addr(const struct sockaddr_in *sin, struct hl_swim_addr *a);
int swim_udp_sin(const struct hl_swim_addr *a, struct sockaddr_in *sin);
/** Bind a non-blocking UDP socket on ip:port (port 0 = kernel's choice) and create the core.
 * Returns 0 or a negative errno. */
int swim_udp_open(struct swim_udp *u, const struct hl_swim_config *cfg, uint32_t ip_be,
        uint16_t port, uint64_t generation, uint64_t seed);
void swim_udp_close(struct swim_udp *u);
/** Read every pending datagram into the core. Returns datagrams read or a negative errno. */
int swim_udp_read(struct swim_udp *u, uint64_t now);
/** Send everything the core has queued. Returns datagrams sent. */
int swim_udp_flush(struct swim_udp *u);

#endif
