/* pmd_profile.c — pmd-config profile reader: capabilities and port defaults of one PMD / NIC
 * family (schema in docs/profiles.md). Capabilities use DPDK's own offload names; port defaults
 * use hl_port's names, and each default is checked against the capabilities of the same file. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <rte_ethdev.h>

#include "hl_cfgval.h"
#include "hl_err.h"
#include "hl_ini.h"
#include "hl_pmd_profile.h"

enum { S_PMD, S_QUEUES, S_RX, S_TX, S_RSS, S_TIMESTAMP, S_RATE_LIMIT, S_LIMITS, S_PORT, S_COUNT_ };
static const char *const section_names[S_COUNT_] = {
        "pmd", "queues", "rx", "tx", "rss", "timestamp", "rate_limit", "limits", "port"};

/* hl_port offload names, with the RX and TX capabilities each needs (as lib/port checks them). */
static const struct {
	const char *name;
	uint32_t flag;
	uint64_t rx, tx;
} port_offloads[] = {
        {"ipv4_cksum", HL_PORT_OFF_IPV4_CKSUM, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM,
                RTE_ETH_TX_OFFLOAD_IPV4_CKSUM},
        {"udp_cksum", HL_PORT_OFF_UDP_CKSUM, RTE_ETH_RX_OFFLOAD_UDP_CKSUM,
                RTE_ETH_TX_OFFLOAD_UDP_CKSUM},
        {"tcp_cksum", HL_PORT_OFF_TCP_CKSUM, RTE_ETH_RX_OFFLOAD_TCP_CKSUM,
                RTE_ETH_TX_OFFLOAD_TCP_CKSUM},
        {"multi_seg", HL_PORT_OFF_MULTI_SEG, 0, RTE_ETH_TX_OFFLOAD_MULTI_SEGS},
        {"fast_free", HL_PORT_OFF_FAST_FREE, 0, RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE},
        {"timestamp", HL_PORT_OFF_TIMESTAMP, RTE_ETH_RX_OFFLOAD_TIMESTAMP, 0},
};
#define N_PORT_OFFLOADS (sizeof(port_offloads) / sizeof(port_offloads[0]))

static const char *const rss_field_names[] = {"ipv4", "ipv6", "udp", "tcp"};

/* DPDK offload bit by its name (case-insensitive), from ethdev's own name table. */
static uint64_t
offload_bit(const char *name, bool rx)
{
	for (unsigned b = 0; b < 64; b++) {
		uint64_t bit = 1ull << b;
		const char *n =
		        rx ? rte_eth_dev_rx_offload_name(bit) : rte_eth_dev_tx_offload_name(bit);
		if (n != NULL && strcmp(n, "UNKNOWN") != 0 && strcasecmp(n, name) == 0)
			return bit;
	}
	return 0;
}

static int
parse_offload_capa(
        struct hl_ini *ini, unsigned sec, bool rx, uint64_t *out, char *err, size_t errlen)
{
	const char *v = hl_ini_get(ini, sec, "offloads");
	if (v == NULL)
		return hl_ini_err(ini, (int)sec, "offloads", err, errlen,
		        "required key missing (write 'none' for no offloads)");
	char items[HL_CFGVAL_MAX_ITEMS][HL_CFGVAL_ITEM_MAX + 1];
	unsigned n;
	char why[HL_CFGVAL_WHYLEN];
	if (hl_cfgval_list(v, items, HL_CFGVAL_MAX_ITEMS, &n, why, sizeof(why)) < 0)
		return hl_ini_err(ini, (int)sec, "offloads", err, errlen, "%s", why);
	uint64_t m = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t bit = offload_bit(items[i], rx);
		if (bit == 0)
			return hl_ini_err(ini, (int)sec, "offloads", err, errlen,
			        "'%s' is not a DPDK %s offload name", items[i], rx ? "RX" : "TX");
		if (m & bit)
			return hl_ini_err(ini, (int)sec, "offloads", err, errlen,
			        "'%s' listed twice", items[i]);
		m |= bit;
	}
	*out = m;
	return 0;
}

static int
parse_desc(struct hl_ini *ini, unsigned sec, struct hl_pmd_desc *d, char *err, size_t errlen)
{
	uint64_t min = 0, max = 0, align = 1, dflt = 0;
	int rc = hl_ini_u64_req(ini, sec, "desc_min", 0, HL_PMD_MAX_RING, &min, err, errlen);
	if (rc == 0)
		rc = hl_ini_u64_req(ini, sec, "desc_max", min > 1 ? min : 1, HL_PMD_MAX_RING, &max,
		        err, errlen);
	if (rc == 0)
		rc = hl_ini_u64(ini, sec, "desc_align", 1, 4096, &align, err, errlen);
	if (rc < 0)
		return rc;
	if (align & (align - 1))
		return hl_ini_err(ini, (int)sec, "desc_align", err, errlen,
		        "%llu is not a power of two", (unsigned long long)align);
	uint64_t top = max < HL_PORT_MAX_DESC ? max : HL_PORT_MAX_DESC;
	rc = hl_ini_u64_req(ini, sec, "descriptors", min > 1 ? min : 1, top, &dflt, err, errlen);
	if (rc < 0)
		return rc;
	if (dflt % align)
		return hl_ini_err(ini, (int)sec, "descriptors", err, errlen,
		        "%llu not a multiple of desc_align %llu", (unsigned long long)dflt,
		        (unsigned long long)align);
	d->min = (uint16_t)min;
	d->max = (uint16_t)max;
	d->align = (uint16_t)align;
	d->dflt = (uint16_t)dflt;
	return 0;
}

/* A yes/no key that must be present (profiles say what they know, never by omission). */
static int
req_bool(struct hl_ini *ini, unsigned sec, const char *key, bool *out, char *err, size_t errlen)
{
	if (hl_ini_get(ini, sec, key) == NULL)
		return hl_ini_err(ini, (int)sec, key, err, errlen, "required key missing");
	return hl_ini_bool(ini, sec, key, out, err, errlen);
}

static int
parse_rss_fields(
        struct hl_ini *ini, unsigned sec, const char *key, uint32_t *out, char *err, size_t errlen)
{
	const char *v = hl_ini_get(ini, sec, key);
	if (v == NULL)
		return 0;
	char items[HL_CFGVAL_MAX_ITEMS][HL_CFGVAL_ITEM_MAX + 1];
	unsigned n;
	char why[HL_CFGVAL_WHYLEN];
	if (hl_cfgval_list(v, items, HL_CFGVAL_MAX_ITEMS, &n, why, sizeof(why)) < 0)
		return hl_ini_err(ini, (int)sec, key, err, errlen, "%s", why);
	uint32_t m = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned idx;
		if (hl_cfgval_enum(items[i], rss_field_names, 4, &idx, why, sizeof(why)) < 0)
			return hl_ini_err(ini, (int)sec, key, err, errlen, "%s", why);
		m |= 1u << idx;
	}
	*out = m;
	return 0;
}

static int
parse_sections(struct hl_ini *ini, int sec[S_COUNT_], char *err, size_t errlen)
{
	for (unsigned i = 0; i < S_COUNT_; i++)
		sec[i] = -1;
	for (unsigned i = 0; i < hl_ini_num_sections(ini); i++) {
		unsigned idx;
		char why[HL_CFGVAL_WHYLEN];
		if (hl_cfgval_enum(hl_ini_section(ini, i), section_names, S_COUNT_, &idx, why,
		            sizeof(why)) < 0)
			return hl_ini_err(ini, (int)i, NULL, err, errlen, "unknown section (%s",
			        strchr(why, '(') ? strchr(why, '(') + 1 : why);
		sec[idx] = (int)i;
	}
	for (unsigned i = 0; i < S_COUNT_; i++)
		if (sec[i] < 0)
			return hl_ini_err(ini, -1, NULL, err, errlen, "missing section [%s]",
			        section_names[i]);
	return 0;
}

static int
parse(struct hl_pmd_profile *p, struct hl_ini *ini, char *err, size_t errlen)
{
	int sec[S_COUNT_];
	int rc = parse_sections(ini, sec, err, errlen);
	if (rc < 0)
		return rc;
	unsigned s;

	/* [pmd] */
	s = (unsigned)sec[S_PMD];
	const char *drv = hl_ini_get(ini, s, "driver");
	if (drv == NULL)
		return hl_ini_err(ini, (int)s, "driver", err, errlen, "required key missing");
	if (!hl_cfgval_is_name(drv, HL_PMD_NAME_LEN - 1))
		return hl_ini_err(ini, (int)s, "driver", err, errlen,
		        "'%s' is not a driver name (1..%u of A-Z a-z 0-9 _ - .)", drv,
		        HL_PMD_NAME_LEN - 1);
	snprintf(p->driver, sizeof(p->driver), "%s", drv);
	rc = hl_ini_str(ini, s, "description", p->description, sizeof(p->description), err, errlen);
	if (rc < 0)
		return rc;
	static const char *const kinds[] = {"virtual", "physical"};
	const char *kind = hl_ini_get(ini, s, "kind");
	unsigned k;
	char why[HL_CFGVAL_WHYLEN];
	if (kind == NULL)
		return hl_ini_err(ini, (int)s, "kind", err, errlen, "required key missing");
	if (hl_cfgval_enum(kind, kinds, 2, &k, why, sizeof(why)) < 0)
		return hl_ini_err(ini, (int)s, "kind", err, errlen, "%s", why);
	p->physical = k == 1;

	/* [queues] */
	s = (unsigned)sec[S_QUEUES];
	uint64_t mrx, mtx, qrx = 1, qtx = 1;
	if ((rc = hl_ini_u64_req(ini, s, "max_rx", 1, HL_PMD_MAX_QUEUES, &mrx, err, errlen)) < 0 ||
	        (rc = hl_ini_u64_req(ini, s, "max_tx", 1, HL_PMD_MAX_QUEUES, &mtx, err, errlen)) <
	                0)
		return rc;
	if ((rc = hl_ini_u64(ini, s, "rx", 1, mrx < HL_PORT_MAX_QUEUES ? mrx : HL_PORT_MAX_QUEUES,
	             &qrx, err, errlen)) < 0 ||
	        (rc = hl_ini_u64(ini, s, "tx", 1,
	                 mtx < HL_PORT_MAX_QUEUES ? mtx : HL_PORT_MAX_QUEUES, &qtx, err, errlen)) <
	                0)
		return rc;
	p->max_rx_queues = (uint16_t)mrx;
	p->max_tx_queues = (uint16_t)mtx;
	p->defaults.rx_queues = (uint16_t)qrx;
	p->defaults.tx_queues = (uint16_t)qtx;

	/* [rx], [tx] */
	s = (unsigned)sec[S_RX];
	if ((rc = parse_desc(ini, s, &p->rx_desc, err, errlen)) < 0 ||
	        (rc = parse_offload_capa(ini, s, true, &p->rx_offload_capa, err, errlen)) < 0)
		return rc;
	s = (unsigned)sec[S_TX];
	if ((rc = parse_desc(ini, s, &p->tx_desc, err, errlen)) < 0 ||
	        (rc = parse_offload_capa(ini, s, false, &p->tx_offload_capa, err, errlen)) < 0)
		return rc;
	p->defaults.rx_desc = p->rx_desc.dflt;
	p->defaults.tx_desc = p->tx_desc.dflt;

	/* [rss] */
	s = (unsigned)sec[S_RSS];
	if ((rc = req_bool(ini, s, "supported", &p->rss, err, errlen)) < 0)
		return rc;
	uint64_t key = 0, reta = 0;
	if ((rc = hl_ini_u64(ini, s, "key_size", 0, 255, &key, err, errlen)) < 0 ||
	        (rc = hl_ini_u64(ini, s, "reta_size", 0, 4096, &reta, err, errlen)) < 0 ||
	        (rc = parse_rss_fields(ini, s, "fields", &p->rss_fields_capa, err, errlen)) < 0 ||
	        (rc = hl_ini_bool(ini, s, "enable", &p->defaults.rss, err, errlen)) < 0 ||
	        (rc = parse_rss_fields(ini, s, "hash", &p->rss_hash_default, err, errlen)) < 0)
		return rc;
	p->rss_key_size = (uint16_t)key;
	p->rss_reta_size = (uint16_t)reta;
	if (p->rss && p->rss_fields_capa == 0)
		return hl_ini_err(ini, (int)s, "fields", err, errlen,
		        "required when supported = yes (ipv4, ipv6, udp, tcp)");
	if (!p->rss && (p->rss_fields_capa || key || reta))
		return hl_ini_err(ini, (int)s, "supported", err, errlen,
		        "no, but fields/key_size/reta_size describe RSS");
	if (p->defaults.rss && !p->rss)
		return hl_ini_err(ini, (int)s, "enable", err, errlen,
		        "yes, but this PMD has no RSS (supported = no)");
	if (p->rss_hash_default & ~p->rss_fields_capa)
		return hl_ini_err(
		        ini, (int)s, "hash", err, errlen, "hashes a field not listed in 'fields'");
	if (p->defaults.rss)
		p->defaults.rss_fields = p->rss_hash_default;

	/* [timestamp] */
	s = (unsigned)sec[S_TIMESTAMP];
	if ((rc = req_bool(ini, s, "rx_hw", &p->rx_hw_timestamp, err, errlen)) < 0 ||
	        (rc = req_bool(ini, s, "timesync", &p->timesync, err, errlen)) < 0 ||
	        (rc = req_bool(ini, s, "tx_on_time", &p->tx_send_on_timestamp, err, errlen)) < 0 ||
	        (rc = hl_ini_bool(ini, s, "enable", &p->defaults.rx_timestamp, err, errlen)) < 0)
		return rc;
	if (p->rx_hw_timestamp != !!(p->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		return hl_ini_err(ini, (int)s, "rx_hw", err, errlen,
		        "%s, but [rx] offloads %s 'timestamp'", p->rx_hw_timestamp ? "yes" : "no",
		        p->rx_hw_timestamp ? "lacks" : "lists");
	if (p->tx_send_on_timestamp !=
	        !!(p->tx_offload_capa & RTE_ETH_TX_OFFLOAD_SEND_ON_TIMESTAMP))
		return hl_ini_err(ini, (int)s, "tx_on_time", err, errlen,
		        "%s, but [tx] offloads %s 'send_on_timestamp'",
		        p->tx_send_on_timestamp ? "yes" : "no",
		        p->tx_send_on_timestamp ? "lacks" : "lists");
	if (p->defaults.rx_timestamp && !p->rx_hw_timestamp)
		return hl_ini_err(ini, (int)s, "enable", err, errlen,
		        "yes, but this PMD has no RX hardware timestamps (rx_hw = no)");

	/* [rate_limit] */
	s = (unsigned)sec[S_RATE_LIMIT];
	if ((rc = req_bool(ini, s, "queue", &p->queue_rate_limit, err, errlen)) < 0 ||
	        (rc = req_bool(ini, s, "tm", &p->tm_shaper, err, errlen)) < 0 ||
	        (rc = hl_ini_bool(ini, s, "enable", &p->defaults.tx_rate_limit, err, errlen)) < 0)
		return rc;
	if (p->defaults.tx_rate_limit && !p->queue_rate_limit)
		return hl_ini_err(ini, (int)s, "enable", err, errlen,
		        "yes, but this PMD has no per-queue rate limiter (queue = no)");

	/* [limits] */
	s = (unsigned)sec[S_LIMITS];
	uint64_t mtu_min = 0, mtu_max = 0, pps = 0;
	if ((rc = hl_ini_u64_req(ini, s, "mtu_min", 46, 65535, &mtu_min, err, errlen)) < 0 ||
	        (rc = hl_ini_u64_req(ini, s, "mtu_max", mtu_min, 65535, &mtu_max, err, errlen)) <
	                0 ||
	        (rc = hl_ini_u64(ini, s, "max_pps", 0, 4000000000ull, &pps, err, errlen)) < 0)
		return rc;
	p->mtu_min = (uint16_t)mtu_min;
	p->mtu_max = (uint16_t)mtu_max;
	p->max_pps = pps;

	/* [port] */
	s = (unsigned)sec[S_PORT];
	const char *offs = hl_ini_get(ini, s, "offloads");
	if (offs != NULL) {
		char items[HL_CFGVAL_MAX_ITEMS][HL_CFGVAL_ITEM_MAX + 1];
		unsigned n;
		if (hl_cfgval_list(offs, items, HL_CFGVAL_MAX_ITEMS, &n, why, sizeof(why)) < 0)
			return hl_ini_err(ini, (int)s, "offloads", err, errlen, "%s", why);
		for (unsigned i = 0; i < n; i++) {
			unsigned j;
			for (j = 0; j < N_PORT_OFFLOADS; j++)
				if (strcmp(items[i], port_offloads[j].name) == 0)
					break;
			if (j == N_PORT_OFFLOADS)
				return hl_ini_err(ini, (int)s, "offloads", err, errlen,
				        "'%s' unknown (one of: ipv4_cksum, udp_cksum, tcp_cksum, "
				        "multi_seg, fast_free, timestamp)",
				        items[i]);
			if ((p->rx_offload_capa & port_offloads[j].rx) != port_offloads[j].rx ||
			        (p->tx_offload_capa & port_offloads[j].tx) != port_offloads[j].tx)
				return hl_ini_err(ini, (int)s, "offloads", err, errlen,
				        "'%s' needs offloads this PMD lacks ([rx]/[tx] offloads)",
				        items[i]);
			p->defaults.offloads |= port_offloads[j].flag;
		}
	}
	if ((p->defaults.offloads & HL_PORT_OFF_FAST_FREE) &&
	        (p->defaults.offloads & HL_PORT_OFF_MULTI_SEG))
		return hl_ini_err(ini, (int)s, "offloads", err, errlen,
		        "fast_free and multi_seg exclude each other");
	uint64_t mtu = 0;
	uint64_t mtu_top = mtu_max < HL_PORT_MAX_MTU ? mtu_max : HL_PORT_MAX_MTU;
	const char *mtu_s = hl_ini_get(ini, s, "mtu");
	if (mtu_s != NULL && strcmp(mtu_s, "0") != 0)
		rc = hl_ini_u64(ini, s, "mtu", mtu_min, mtu_top, &mtu, err, errlen);
	if (rc < 0)
		return rc;
	p->defaults.mtu = (uint16_t)mtu;
	if ((rc = hl_ini_bool(ini, s, "promiscuous", &p->defaults.promiscuous, err, errlen)) < 0 ||
	        (rc = hl_ini_u32(ini, s, "mbufs", 0, 16u << 20, &p->defaults.mbufs, err, errlen)) <
	                0 ||
	        (rc = hl_ini_u32(
	                 ini, s, "link_mbps", 0, 1600000, &p->defaults.link_mbps, err, errlen)) < 0)
		return rc;
	p->link_mbps = p->defaults.link_mbps;

	for (unsigned i = 0; i < S_COUNT_; i++)
		if ((rc = hl_ini_check_used(ini, (unsigned)sec[i], err, errlen)) < 0)
			return rc;

	char perr[HL_PORT_ERRLEN];
	if (hl_port_conf_validate(&p->defaults, perr, sizeof(perr)) < 0)
		return hl_ini_err(ini, sec[S_PORT], NULL, err, errlen,
		        "port defaults rejected by lib/port: %s", perr);
	return 0;
}

static void
set_name(struct hl_pmd_profile *p, const char *label)
{
	const char *base = strrchr(label, '/');
	base = base ? base + 1 : label;
	size_t n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".ini") == 0)
		n -= 4;
	if (n >= sizeof(p->name))
		n = sizeof(p->name) - 1;
	memcpy(p->name, base, n);
	p->name[n] = '\0';
}

int
hl_pmd_profile_parse_buf(struct hl_pmd_profile *p, const char *label, const void *buf, size_t len,
        char *err, size_t errlen)
{
	struct hl_ini *ini;
	int rc = hl_ini_load_buf(&ini, label, buf, len, err, errlen);
	if (rc < 0)
		return rc;
	memset(p, 0, sizeof(*p));
	hl_port_conf_default(&p->defaults);
	set_name(p, hl_ini_label(ini));
	rc = parse(p, ini, err, errlen);
	hl_ini_free(ini);
	return rc;
}

int
hl_pmd_profile_load(struct hl_pmd_profile *p, const char *path, char *err, size_t errlen)
{
	struct hl_ini *ini;
	int rc = hl_ini_load_file(&ini, path, err, errlen);
	if (rc < 0)
		return rc;
	memset(p, 0, sizeof(*p));
	hl_port_conf_default(&p->defaults);
	set_name(p, path);
	rc = parse(p, ini, err, errlen);
	hl_ini_free(ini);
	return rc;
}

int
hl_pmd_profile_find(
        struct hl_pmd_profile *p, const char *dir, const char *name, char *err, size_t errlen)
{
	if (!hl_cfgval_is_name(name, HL_PMD_NAME_LEN - 1) || name[0] == '.') {
		snprintf(err, errlen, "pmd-config profile name '%s' is not a plain name", name);
		return -EINVAL;
	}
	char path[512];
	int w = snprintf(path, sizeof(path), "%s/%s.ini", dir, name);
	if (w < 0 || (size_t)w >= sizeof(path)) {
		snprintf(err, errlen, "pmd-config path too long for profile '%s'", name);
		return -ENAMETOOLONG;
	}
	return hl_pmd_profile_load(p, path, err, errlen);
}

int
hl_pmd_profile_match_driver(
        struct hl_pmd_profile *p, const char *dir, const char *driver, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (d == NULL) {
		int rc = -errno;
		snprintf(err, errlen, "%s: cannot open pmd-config directory: %s", dir,
		        strerror(errno));
		return rc;
	}
	struct hl_pmd_profile *cand = malloc(sizeof(*cand));
	if (cand == NULL) {
		closedir(d);
		return -ENOMEM;
	}
	char found[HL_PMD_NAME_LEN] = "";
	unsigned scanned = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".ini") != 0 || e->d_name[0] == '.')
			continue;
		if (++scanned > HL_PMD_MAX_DIR_FILES) {
			snprintf(err, errlen, "%s: more than %u profiles", dir,
			        HL_PMD_MAX_DIR_FILES);
			rc = -E2BIG;
			break;
		}
		char path[1024];
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path)) {
			snprintf(err, errlen, "%s: path too long", dir);
			rc = -ENAMETOOLONG;
			break;
		}
		if ((rc = hl_pmd_profile_load(cand, path, err, errlen)) < 0)
			break;
		if (strcmp(cand->driver, driver) != 0)
			continue;
		if (found[0] != '\0') {
			snprintf(err, errlen, "%s: profiles %s and %s both claim driver %s", dir,
			        found, cand->name, driver);
			rc = -EEXIST;
			break;
		}
		snprintf(found, sizeof(found), "%s", cand->name);
		*p = *cand;
	}
	closedir(d);
	free(cand);
	if (rc == 0 && found[0] == '\0') {
		snprintf(err, errlen, "%s: no pmd-config profile for driver %s", dir, driver);
		rc = -ENOENT;
	}
	return rc;
}

__attribute__((format(printf, 4, 5))) static int
unsupported(const struct hl_pmd_profile *p, char *err, size_t errlen, const char *fmt, ...)
{
	char why[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "pmd-config %s (%s): %s", p->name, p->driver, why);
	return -HL_E_UNSUPPORTED;
}

int
hl_pmd_profile_check_conf(
        const struct hl_pmd_profile *p, const struct hl_port_conf *c, char *err, size_t errlen)
{
	char perr[HL_PORT_ERRLEN];
	if (hl_port_conf_validate(c, perr, sizeof(perr)) < 0) {
		snprintf(err, errlen, "port request invalid: %s", perr);
		return -EINVAL;
	}
	if (c->rx_queues > p->max_rx_queues)
		return unsupported(p, err, errlen, "rx_queues %u above max %u", c->rx_queues,
		        p->max_rx_queues);
	if (c->tx_queues > p->max_tx_queues)
		return unsupported(p, err, errlen, "tx_queues %u above max %u", c->tx_queues,
		        p->max_tx_queues);
	const struct {
		const char *name;
		uint16_t n;
		const struct hl_pmd_desc *d;
	} rings[2] = {{"rx_desc", c->rx_desc, &p->rx_desc}, {"tx_desc", c->tx_desc, &p->tx_desc}};
	for (unsigned i = 0; i < 2; i++) {
		uint16_t n = rings[i].n ? rings[i].n : rings[i].d->dflt;
		if (n < rings[i].d->min || n > rings[i].d->max || n % rings[i].d->align)
			return unsupported(p, err, errlen, "%s %u outside %u..%u (align %u)",
			        rings[i].name, n, rings[i].d->min, rings[i].d->max,
			        rings[i].d->align);
	}
	uint32_t offs = c->offloads | (c->rx_timestamp ? HL_PORT_OFF_TIMESTAMP : 0);
	for (unsigned j = 0; j < N_PORT_OFFLOADS; j++) {
		if (!(offs & port_offloads[j].flag))
			continue;
		if ((p->rx_offload_capa & port_offloads[j].rx) != port_offloads[j].rx)
			return unsupported(p, err, errlen, "offload %s not supported on RX",
			        port_offloads[j].name);
		if ((p->tx_offload_capa & port_offloads[j].tx) != port_offloads[j].tx)
			return unsupported(p, err, errlen, "offload %s not supported on TX",
			        port_offloads[j].name);
	}
	if (c->rss && !p->rss)
		return unsupported(p, err, errlen, "RSS requested, PMD has none");
	if (c->rss && (c->rss_fields & ~p->rss_fields_capa))
		return unsupported(p, err, errlen, "RSS fields 0x%x requested, PMD hashes 0x%x",
		        c->rss_fields, p->rss_fields_capa);
	if (c->tx_rate_limit && !p->queue_rate_limit)
		return unsupported(
		        p, err, errlen, "per-queue TX rate limit requested, PMD has none");
	if (c->mtu != 0 && (c->mtu < p->mtu_min || c->mtu > p->mtu_max))
		return unsupported(
		        p, err, errlen, "mtu %u outside %u..%u", c->mtu, p->mtu_min, p->mtu_max);
	return 0;
}
