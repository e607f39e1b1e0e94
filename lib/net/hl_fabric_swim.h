/* hl_fabric_swim.h — drives a SWIM instance (swim/, sans-IO) over a fabric: received SWIM
 * datagrams go to hl_swim_recv, timers to hl_swim_tick, hl_swim_next_tx to hl_fabric_send.
 *
 * SWIM member address (struct hl_swim_addr, 6 bytes): IPv4 address then UDP port, both
 * big-endian. Every member sends from and listens on its fabric's swim_port.
 *
 * Each SWIM datagram travels as one wire frame (lib/wire/hl_frame.h) of type `swim` on the fast
 * plane: 20 B frame + 5 B msgpack map {1: bin16} around the SWIM packet, so the SWIM packet is
 * limited to HL_WIRE_SWIM_MAX (1300) bytes: set hl_swim_config.max_packet with
 * hl_fabric_swim_config_fit. The frame's CRC32C and cluster hash reject corrupted datagrams and
 * datagrams from another cluster before the SWIM decoder sees them.
 *
 * Link with hl_net_dep AND hl_swim_dep (lib/ is configured before swim/, so hl_net_dep cannot
 * carry the SWIM library itself). */
#ifndef HL_FABRIC_SWIM_H
#define HL_FABRIC_SWIM_H

#include <stdint.h>

#include "hl_fabric.h"
#include "hl_swim.h"

#define HL_FABRIC_SWIM_ADDR_LEN 6
#define HL_FABRIC_SWIM_TX_BUDGET 64 /* datagrams drained per step */

/** Fill a SWIM address from an IPv4 address (host order) and UDP port. */
void hl_fabric_swim_addr(struct hl_swim_addr *a, uint32_t ip, uint16_t port);
/** Split a SWIM address: 0 or -EINVAL when it is not 6 bytes. */
int hl_fabric_swim_addr_split(const struct hl_swim_addr *a, uint32_t *ip, uint16_t *port);
/** Clamp c->max_packet to what one fabric frame carries (HL_WIRE_SWIM_MAX). */
void hl_fabric_swim_config_fit(struct hl_swim_config *c);

/** One step of the SWIM service: poll the fabric (up to 4 RX bursts; this also runs ARP and
 * delivers coordination datagrams to their handlers), feed SWIM datagrams to sw, tick sw when
 * its deadline is due, send up to HL_FABRIC_SWIM_TX_BUDGET queued SWIM datagrams. Returns the
 * number of frames received, or a negative error when hl_swim_next_tx fails (-EMSGSIZE: the
 * SWIM config's max_packet is over HL_WIRE_SWIM_MAX; counted in swim_tx_err). Send failures
 * are counted and do not stop the step: SWIM treats a lost datagram like a lost packet. */
int hl_fabric_swim_step(struct hl_fabric *f, struct hl_swim *sw, uint64_t now_ns);

#endif
