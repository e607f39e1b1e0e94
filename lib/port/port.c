/* port.c — configure and start a test port from struct hl_port_conf. Each requested setting is
 * checked against rte_eth_dev_info before the device is touched, so the caller gets one message
 * naming what the device cannot do instead of a PMD's generic failure. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "hl_err.h"
#include "hl_port.h"

#define POOL_CACHE 256

__attribute__((format(printf, 4, 5))) static int
fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
	if (err != NULL && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

void
hl_port_conf_default(struct hl_port_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->rx_queues = 1;
	c->tx_queues = 1;
	c->promiscuous = true;
}

int
hl_port_conf_validate(const struct hl_port_conf *c, char *err, size_t errlen)
{
	if (c->rx_queues == 0 || c->rx_queues > HL_PORT_MAX_QUEUES)
		return fail(-ERANGE, err, errlen, "rx_queues: %u, need 1..%u", c->rx_queues,
		        HL_PORT_MAX_QUEUES);
	if (c->tx_queues == 0 || c->tx_queues > HL_PORT_MAX_QUEUES)
		return fail(-ERANGE, err, errlen, "tx_queues: %u, need 1..%u", c->tx_queues,
		        HL_PORT_MAX_QUEUES);
	if (c->rx_desc > HL_PORT_MAX_DESC)
		return fail(
		        -ERANGE, err, errlen, "rx_desc: %u above %u", c->rx_desc, HL_PORT_MAX_DESC);
	if (c->tx_desc > HL_PORT_MAX_DESC)
		return fail(
		        -ERANGE, err, errlen, "tx_desc: %u above %u", c->tx_desc, HL_PORT_MAX_DESC);
	if (c->offloads & ~(uint32_t)HL_PORT_OFF_ALL_)
		return fail(-EINVAL, err, errlen, "offloads: unknown flag bits 0x%x",
		        c->offloads & ~(uint32_t)HL_PORT_OFF_ALL_);
	if (c->rss_fields & ~(uint32_t)HL_PORT_RSS_ALL_)
		return fail(-EINVAL, err, errlen, "rss_fields: unknown flag bits 0x%x",
		        c->rss_fields & ~(uint32_t)HL_PORT_RSS_ALL_);
	if (!c->rss && c->rss_fields != 0)
		return fail(-EINVAL, err, errlen, "rss_fields: set but rss is off");
	if (c->mtu != 0 && (c->mtu < 68 || c->mtu > HL_PORT_MAX_MTU))
		return fail(-ERANGE, err, errlen, "mtu: %u, need 68..%u", c->mtu, HL_PORT_MAX_MTU);
	if ((c->offloads & HL_PORT_OFF_FAST_FREE) && (c->offloads & HL_PORT_OFF_MULTI_SEG))
		return fail(-EINVAL, err, errlen,
		        "offloads: fast_free and multi_seg together are not supported here");
	return 0;
}

/* Round n into the device's descriptor limits; 0 when the request cannot be met. */
static uint16_t
fit_desc(uint16_t want, const struct rte_eth_desc_lim *lim)
{
	uint32_t n = want ? want : HL_PORT_DEFAULT_DESC;
	uint32_t align = lim->nb_align ? lim->nb_align : 1;
	if (want == 0) { /* default: clamp silently */
		if (lim->nb_max && n > lim->nb_max)
			n = lim->nb_max;
		if (n < lim->nb_min)
			n = lim->nb_min;
	}
	n = (n + align - 1) / align * align;
	if ((lim->nb_max && n > lim->nb_max) || n < lim->nb_min)
		return 0;
	return (uint16_t)n;
}

struct pool_slot {
	int socket;
	uint16_t data_room;
	struct rte_mempool *mp;
};
static struct pool_slot pools[HL_PORT_MAX_SOCKETS * 2];

struct rte_mempool *
hl_port_socket_pool(int socket, uint32_t n, uint16_t data_room)
{
	if (socket < 0 || socket == SOCKET_ID_ANY)
		socket = 0;
	struct pool_slot *free_slot = NULL;
	for (size_t i = 0; i < RTE_DIM(pools); i++) {
		/* shared by every port of the socket that it is large enough for; a port that
		 * needs more gets its own larger pool */
		if (pools[i].mp != NULL && pools[i].socket == socket &&
		        pools[i].data_room == data_room && pools[i].mp->size >= n)
			return pools[i].mp;
		if (pools[i].mp == NULL && free_slot == NULL)
			free_slot = &pools[i];
	}
	if (free_slot == NULL) {
		rte_errno = ENOSPC;
		return NULL;
	}
	char name[RTE_MEMPOOL_NAMESIZE];
	snprintf(name, sizeof(name), "hl_rx_s%d_%u_%u", socket, data_room,
	        (unsigned)(free_slot - pools));
	struct rte_mempool *mp = rte_pktmbuf_pool_create(name, n, POOL_CACHE, 0, data_room, socket);
	if (mp == NULL)
		return NULL;
	free_slot->socket = socket;
	free_slot->data_room = data_room;
	free_slot->mp = mp;
	return mp;
}

uint32_t
hl_port_link_mbps(uint16_t port_id)
{
	struct rte_eth_link link;
	if (rte_eth_link_get_nowait(port_id, &link) != 0)
		return 0;
	if (link.link_speed == RTE_ETH_SPEED_NUM_NONE ||
	        link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN)
		return 0;
	return link.link_speed;
}

struct off_map {
	uint32_t flag;
	const char *name;
	uint64_t rx, tx;
};

static const struct off_map off_maps[] = {
        {HL_PORT_OFF_IPV4_CKSUM, "ipv4_cksum", RTE_ETH_RX_OFFLOAD_IPV4_CKSUM,
                RTE_ETH_TX_OFFLOAD_IPV4_CKSUM},
        {HL_PORT_OFF_UDP_CKSUM, "udp_cksum", RTE_ETH_RX_OFFLOAD_UDP_CKSUM,
                RTE_ETH_TX_OFFLOAD_UDP_CKSUM},
        {HL_PORT_OFF_TCP_CKSUM, "tcp_cksum", RTE_ETH_RX_OFFLOAD_TCP_CKSUM,
                RTE_ETH_TX_OFFLOAD_TCP_CKSUM},
        {HL_PORT_OFF_MULTI_SEG, "multi_seg", 0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS},
        {HL_PORT_OFF_FAST_FREE, "fast_free", 0, RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE},
        {HL_PORT_OFF_TIMESTAMP, "timestamp", RTE_ETH_RX_OFFLOAD_TIMESTAMP, 0},
};

int
hl_port_setup(uint16_t port_id, const struct hl_port_conf *conf, struct hl_port_info *info,
        char *err, size_t errlen)
{
	struct hl_port_conf c = *conf;
	int rc = hl_port_conf_validate(&c, err, errlen);
	if (rc < 0)
		return rc;
	if (!rte_eth_dev_is_valid_port(port_id))
		return fail(-EINVAL, err, errlen, "port %u: no such port", port_id);

	struct rte_eth_dev_info di;
	rc = rte_eth_dev_info_get(port_id, &di);
	if (rc != 0)
		return fail(rc, err, errlen, "port %u: cannot read device info: %s", port_id,
		        rte_strerror(-rc));
	const char *drv = di.driver_name ? di.driver_name : "?";

	if (c.rx_queues > di.max_rx_queues)
		return fail(-HL_E_UNSUPPORTED, err, errlen,
		        "port %u (%s): rx_queues %u requested, device has at most %u", port_id, drv,
		        c.rx_queues, di.max_rx_queues);
	if (c.tx_queues > di.max_tx_queues)
		return fail(-HL_E_UNSUPPORTED, err, errlen,
		        "port %u (%s): tx_queues %u requested, device has at most %u", port_id, drv,
		        c.tx_queues, di.max_tx_queues);
	uint16_t nrxd = fit_desc(c.rx_desc, &di.rx_desc_lim);
	if (nrxd == 0)
		return fail(-HL_E_UNSUPPORTED, err, errlen,
		        "port %u (%s): rx_desc %u outside device range %u..%u (align %u)", port_id,
		        drv, c.rx_desc, di.rx_desc_lim.nb_min, di.rx_desc_lim.nb_max,
		        di.rx_desc_lim.nb_align);
	uint16_t ntxd = fit_desc(c.tx_desc, &di.tx_desc_lim);
	if (ntxd == 0)
		return fail(-HL_E_UNSUPPORTED, err, errlen,
		        "port %u (%s): tx_desc %u outside device range %u..%u (align %u)", port_id,
		        drv, c.tx_desc, di.tx_desc_lim.nb_min, di.tx_desc_lim.nb_max,
		        di.tx_desc_lim.nb_align);

	if (c.rx_timestamp)
		c.offloads |= HL_PORT_OFF_TIMESTAMP;
	uint64_t rxo = 0, txo = 0;
	for (size_t i = 0; i < RTE_DIM(off_maps); i++) {
		const struct off_map *m = &off_maps[i];
		if (!(c.offloads & m->flag))
			continue;
		if ((di.rx_offload_capa & m->rx) != m->rx)
			return fail(-HL_E_UNSUPPORTED, err, errlen,
			        "port %u (%s): offload %s not supported on RX", port_id, drv,
			        m->name);
		if ((di.tx_offload_capa & m->tx) != m->tx)
			return fail(-HL_E_UNSUPPORTED, err, errlen,
			        "port %u (%s): offload %s not supported on TX", port_id, drv,
			        m->name);
		rxo |= m->rx;
		txo |= m->tx;
	}

	uint64_t rss_hf = 0;
	if (c.rss) {
		uint32_t f = c.rss_fields ? c.rss_fields : (uint32_t)HL_PORT_RSS_ALL_;
		if (f & HL_PORT_RSS_IPV4)
			rss_hf |= RTE_ETH_RSS_IPV4;
		if (f & HL_PORT_RSS_IPV6)
			rss_hf |= RTE_ETH_RSS_IPV6;
		if (f & HL_PORT_RSS_UDP)
			rss_hf |= (f & HL_PORT_RSS_IPV6 ? RTE_ETH_RSS_NONFRAG_IPV6_UDP : 0) |
			          (f & HL_PORT_RSS_IPV4 || !(f & HL_PORT_RSS_IPV6)
			                          ? RTE_ETH_RSS_NONFRAG_IPV4_UDP
			                          : 0);
		if (f & HL_PORT_RSS_TCP)
			rss_hf |= (f & HL_PORT_RSS_IPV6 ? RTE_ETH_RSS_NONFRAG_IPV6_TCP : 0) |
			          (f & HL_PORT_RSS_IPV4 || !(f & HL_PORT_RSS_IPV6)
			                          ? RTE_ETH_RSS_NONFRAG_IPV4_TCP
			                          : 0);
		if (di.flow_type_rss_offloads == 0)
			return fail(-HL_E_UNSUPPORTED, err, errlen,
			        "port %u (%s): rss requested, device has no RSS", port_id, drv);
		if ((di.flow_type_rss_offloads & rss_hf) != rss_hf)
			return fail(-HL_E_UNSUPPORTED, err, errlen,
			        "port %u (%s): rss_fields 0x%x: device hashes 0x%llx, wanted "
			        "0x%llx",
			        port_id, drv, f, (unsigned long long)di.flow_type_rss_offloads,
			        (unsigned long long)rss_hf);
	}
	if (c.mtu != 0 && (c.mtu < di.min_mtu || c.mtu > di.max_mtu))
		return fail(-HL_E_UNSUPPORTED, err, errlen,
		        "port %u (%s): mtu %u outside device range %u..%u", port_id, drv, c.mtu,
		        di.min_mtu, di.max_mtu);

	int socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	uint16_t room = RTE_MBUF_DEFAULT_BUF_SIZE;
	if (c.mtu > RTE_MBUF_DEFAULT_DATAROOM - 18)
		room = (uint16_t)(c.mtu + 18 + RTE_PKTMBUF_HEADROOM);
	uint32_t n = c.mbufs;
	if (n == 0)
		n = (uint32_t)c.rx_queues * (nrxd + 2 * POOL_CACHE) + 2048;
	struct rte_mempool *mp = hl_port_socket_pool(socket, n, room);
	if (mp == NULL)
		return fail(-ENOMEM, err, errlen, "port %u: cannot create RX pool (%u mbufs): %s",
		        port_id, n, rte_strerror(rte_errno));

	int ts_off = -1;
	uint64_t ts_flag = 0;
	if (rxo & RTE_ETH_RX_OFFLOAD_TIMESTAMP) {
		rc = rte_mbuf_dyn_rx_timestamp_register(&ts_off, &ts_flag);
		if (rc < 0)
			return fail(-rte_errno, err, errlen,
			        "port %u: cannot register the RX timestamp field: %s", port_id,
			        rte_strerror(rte_errno));
	}

	struct rte_eth_conf ec;
	memset(&ec, 0, sizeof(ec));
	ec.rxmode.offloads = rxo;
	ec.txmode.offloads = txo;
	if (c.rss) {
		ec.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec.rx_adv_conf.rss_conf.rss_hf = rss_hf;
	}
	if (c.mtu != 0)
		ec.rxmode.mtu = c.mtu;
	rc = rte_eth_dev_configure(port_id, c.rx_queues, c.tx_queues, &ec);
	if (rc != 0)
		return fail(rc, err, errlen, "port %u (%s): configure failed: %s", port_id, drv,
		        rte_strerror(-rc));
	for (uint16_t q = 0; q < c.rx_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nrxd, (unsigned)socket, NULL, mp);
		if (rc != 0)
			return fail(rc, err, errlen, "port %u (%s): rx queue %u setup failed: %s",
			        port_id, drv, q, rte_strerror(-rc));
	}
	for (uint16_t q = 0; q < c.tx_queues; q++) {
		struct rte_eth_txconf txc = di.default_txconf;
		txc.offloads = txo;
		rc = rte_eth_tx_queue_setup(port_id, q, ntxd, (unsigned)socket, &txc);
		if (rc != 0)
			return fail(rc, err, errlen, "port %u (%s): tx queue %u setup failed: %s",
			        port_id, drv, q, rte_strerror(-rc));
	}
	rc = rte_eth_dev_start(port_id);
	if (rc != 0)
		return fail(rc, err, errlen, "port %u (%s): start failed: %s", port_id, drv,
		        rte_strerror(-rc));
	if (c.tx_rate_limit) {
		/* No capability bit exists for queue rate limiters: ask the driver with a harmless
		 * "no limit" request and undo the start when it says no. */
		rc = rte_eth_set_queue_rate_limit(port_id, 0, 0);
		if (rc != 0) {
			rte_eth_dev_stop(port_id);
			return fail(rc == -ENOTSUP ? -HL_E_UNSUPPORTED : rc, err, errlen,
			        "port %u (%s): tx_rate_limit requested, device has no queue rate "
			        "limiter (%s)",
			        port_id, drv, rte_strerror(-rc));
		}
	}
	if (c.promiscuous) {
		rc = rte_eth_promiscuous_enable(port_id);
		if (rc != 0 && rc != -ENOTSUP) {
			rte_eth_dev_stop(port_id);
			return fail(rc, err, errlen, "port %u (%s): promiscuous enable failed: %s",
			        port_id, drv, rte_strerror(-rc));
		}
	}
	if (info != NULL) {
		memset(info, 0, sizeof(*info));
		info->port_id = port_id;
		info->socket_id = socket;
		info->rx_queues = c.rx_queues;
		info->tx_queues = c.tx_queues;
		info->rx_desc = nrxd;
		info->tx_desc = ntxd;
		info->rx_offloads = rxo;
		info->tx_offloads = txo;
		info->rss_hf = rss_hf;
		info->link_mbps = hl_port_link_mbps(port_id);
		if (info->link_mbps == 0)
			info->link_mbps = c.link_mbps;
		info->timestamp_dynfield = ts_off;
		info->timestamp_dynflag = ts_flag;
		info->rx_pool = mp;
	}
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return 0;
}

int
hl_port_teardown(uint16_t port_id)
{
	int rc = rte_eth_dev_stop(port_id);
	if (rc != 0 && rc != -ENODEV)
		return rc;
	return rte_eth_dev_close(port_id);
}
