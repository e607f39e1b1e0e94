/* fabric_swim.c — the SWIM driver over a fabric (see hl_fabric_swim.h). */
#include <errno.h>
#include <string.h>

#include "hl_fabric_swim.h"
#include "hl_frame.h"
#include "hl_log.h"
#include "net_int.h"

void
hl_fabric_swim_addr(struct hl_swim_addr *a, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->len = HL_FABRIC_SWIM_ADDR_LEN;
	a->b[0] = (uint8_t)(ip >> 24);
	a->b[1] = (uint8_t)(ip >> 16);
	a->b[2] = (uint8_t)(ip >> 8);
	a->b[3] = (uint8_t)ip;
	a->b[4] = (uint8_t)(port >> 8);
	a->b[5] = (uint8_t)port;
}

int
hl_fabric_swim_addr_split(const struct hl_swim_addr *a, uint32_t *ip, uint16_t *port)
{
	if (a->len != HL_FABRIC_SWIM_ADDR_LEN)
		return -EINVAL;
	*ip = ((uint32_t)a->b[0] << 24) | ((uint32_t)a->b[1] << 16) | ((uint32_t)a->b[2] << 8) |
	      a->b[3];
	*port = (uint16_t)((a->b[4] << 8) | a->b[5]);
	return 0;
}

void
hl_fabric_swim_config_fit(struct hl_swim_config *c)
{
	if (c->max_packet > HL_WIRE_SWIM_MAX)
		c->max_packet = HL_WIRE_SWIM_MAX;
}

static void
frame_cfg(const struct hl_fabric *f, struct hl_frame_cfg *fc)
{
	hl_frame_cfg_init(fc, f->cfg.cluster, HL_PLANE_FAST);
	uint32_t max = (uint32_t)f->cfg.mtu - HL_PKT_IP_LEN - HL_PKT_UDP_LEN;
	if (max > HL_FRAME_JUMBO_MAX)
		max = HL_FRAME_JUMBO_MAX;
	(void)hl_frame_cfg_set_max(fc, max);
}

static void
swim_rx(void *arg, const struct hl_fabric_dgram *d, uint64_t now_ns)
{
	struct hl_fabric *f = arg;
	if (f->swim == NULL)
		return;
	struct hl_frame_cfg fc;
	frame_cfg(f, &fc);
	struct hl_msg_swim msg;
	struct hl_wire_err err;
	unsigned type = 0;
	f->st.swim_rx++;
	int rc = hl_frame_decode(&fc, d->payload, d->len, &type, &msg, sizeof(msg), &err);
	if (rc != 0 || type != HL_MSG_swim) {
		f->st.swim_rx_frame_err++;
		HL_LOG(HL_LOG_WARN, "fabric",
		        "SWIM frame rejected port=%u from=%u.%u.%u.%u:%u "
		        "rc=%d kind=%d type=%u len=%u",
		        f->port_id, d->src_ip >> 24, (d->src_ip >> 16) & 0xff,
		        (d->src_ip >> 8) & 0xff, d->src_ip & 0xff, d->sport, rc, err.kind, type,
		        d->len);
		return;
	}
	struct hl_swim_addr from;
	hl_fabric_swim_addr(&from, d->src_ip, d->sport);
	if (hl_swim_recv(f->swim, now_ns, &from, msg.body.p, msg.body.len) != 0)
		f->st.swim_rx_decode_err++; /* detail counted and logged by the SWIM core */
}

int
hl_fabric_swim_step(struct hl_fabric *f, struct hl_swim *sw, uint64_t now_ns)
{
	if (f->swim != sw) {
		int rc = hl_fabric_bind(f, f->cfg.swim_port, swim_rx, f);
		if (rc != 0)
			return rc;
		f->swim = sw;
	}
	int got = 0;
	for (int i = 0; i < 4; i++) {
		int n = hl_fabric_poll(f, now_ns);
		got += n;
		if (n < HL_FABRIC_RX_BURST)
			break;
	}
	if (hl_swim_next_deadline(sw) <= now_ns) {
		f->st.swim_ticks++;
		int rc = hl_swim_tick(sw, now_ns);
		if (rc != 0)
			HL_LOG(HL_LOG_WARN, "fabric", "SWIM tick failed port=%u rc=%d", f->port_id,
			        rc);
	}
	struct hl_frame_cfg fc;
	frame_cfg(f, &fc);
	uint8_t body[HL_WIRE_SWIM_MAX];
	uint8_t frame[HL_WIRE_SWIM_MAX + 64];
	for (int i = 0; i < HL_FABRIC_SWIM_TX_BUDGET; i++) {
		struct hl_swim_addr to;
		int n = hl_swim_next_tx(sw, &to, body, sizeof(body));
		if (n == 0)
			break;
		if (n < 0) {
			f->st.swim_tx_err++;
			HL_LOG(HL_LOG_ERR, "fabric",
			        "SWIM datagram stuck port=%u rc=%d (max_packet over %u?)",
			        f->port_id, n, HL_WIRE_SWIM_MAX);
			return n;
		}
		uint32_t ip;
		uint16_t port;
		if (hl_fabric_swim_addr_split(&to, &ip, &port) != 0) {
			f->st.swim_tx_err++;
			HL_LOG(HL_LOG_WARN, "fabric", "SWIM datagram to a non-IPv4 address len=%u",
			        to.len);
			continue;
		}
		struct hl_msg_swim msg = {.body = {.p = body, .len = (uint32_t)n}};
		struct hl_wire_err err;
		size_t flen = 0;
		int rc = hl_frame_encode(&fc, HL_MSG_swim, &msg, frame, sizeof(frame), &flen, &err);
		if (rc != 0) {
			f->st.swim_tx_err++;
			HL_LOG(HL_LOG_WARN, "fabric", "SWIM frame encode failed rc=%d len=%d", rc,
			        n);
			continue;
		}
		rc = hl_fabric_send(f, now_ns, ip, port, f->cfg.swim_port, frame, (uint16_t)flen);
		if (rc != 0) {
			/* SWIM copes with a lost datagram; the log says which and why. */
			f->st.swim_tx_err++;
			HL_LOG(HL_LOG_WARN, "fabric",
			        "SWIM datagram not sent port=%u to=%u.%u.%u.%u:%u len=%zu rc=%d",
			        f->port_id, ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff,
			        ip & 0xff, port, flen, rc);
		} else {
			f->st.swim_tx++;
		}
	}
	return got;
}
