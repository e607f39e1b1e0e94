/* hl_pmd_profile.h — pmd-config profiles (pmd-config/<name>.ini): what a PMD / NIC family can do
 * (queues, descriptor limits, offloads, RSS, timestamps, rate limiters, known limits) and the
 * defaults a test port gets (struct hl_port_conf). Schema: docs/profiles.md.
 *
 * Errors: -EINVAL with "FILE: [SECTION] KEY: REASON" in err (see hl_ini.h), -EFBIG, -ENOENT and
 * other read errors, -ENOMEM.
 */
#ifndef HL_PMD_PROFILE_H
#define HL_PMD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_port.h"

#define HL_PMD_NAME_LEN 32
#define HL_PMD_DESC_LEN 128
#define HL_PMD_MAX_QUEUES 4096 /* largest max_rx/max_tx a profile may claim */
#define HL_PMD_MAX_RING 65535 /* descriptor counts are uint16_t in ethdev */
#define HL_PMD_MAX_DIR_FILES 256 /* profiles scanned by hl_pmd_profile_match_driver() */

/** Descriptor ring limits of one direction (as rte_eth_desc_lim) plus the profile's default. */
struct hl_pmd_desc {
	uint16_t min, max, align; /* align: counts must be a multiple */
	uint16_t dflt; /* default ring size, min..max, multiple of align */
};

struct hl_pmd_profile {
	char name[HL_PMD_NAME_LEN]; /* profile name, e.g. "ixgbe" */
	char driver[HL_PMD_NAME_LEN]; /* rte_eth_dev_info.driver_name, e.g. "net_ixgbe" */
	char description[HL_PMD_DESC_LEN];
	bool physical; /* a NIC (true) or a virtual/software device (false) */
	uint32_t link_mbps; /* nominal line rate; 0 = ask the device */

	uint16_t max_rx_queues, max_tx_queues;
	struct hl_pmd_desc rx_desc, tx_desc;
	uint64_t rx_offload_capa; /* RTE_ETH_RX_OFFLOAD_* the PMD offers */
	uint64_t tx_offload_capa; /* RTE_ETH_TX_OFFLOAD_* the PMD offers */

	bool rss; /* RSS available */
	uint16_t rss_key_size; /* bytes */
	uint16_t rss_reta_size; /* redirection table entries */
	uint32_t rss_fields_capa; /* enum hl_port_rss_field bits that can be hashed */
	uint32_t rss_hash_default; /* fields hashed when RSS is turned on ([rss] hash) */

	bool rx_hw_timestamp; /* per-packet RX timestamp offload (RTE_ETH_RX_OFFLOAD_TIMESTAMP) */
	bool timesync; /* IEEE 1588 registers (rte_eth_timesync_*), one sample in flight */
	bool tx_send_on_timestamp; /* RTE_ETH_TX_OFFLOAD_SEND_ON_TIMESTAMP */

	bool queue_rate_limit; /* rte_eth_set_queue_rate_limit() */
	bool tm_shaper; /* rte_tm shapers */

	uint16_t mtu_min, mtu_max;
	uint64_t max_pps; /* known device-wide packet-rate ceiling; 0 = none known */

	struct hl_port_conf defaults; /* what a port using this profile gets */
};

/** Parse len bytes of profile text; label names the source in messages. The profile name is
 * label's file name without directory and ".ini". On error *p is unspecified. */
int hl_pmd_profile_parse_buf(struct hl_pmd_profile *p, const char *label, const void *buf,
        size_t len, char *err, size_t errlen);

/** Parse a profile file. */
int hl_pmd_profile_load(struct hl_pmd_profile *p, const char *path, char *err, size_t errlen);

/** Load profile name from dir ("<dir>/<name>.ini"); name must be a plain name (no '/'). */
int hl_pmd_profile_find(
        struct hl_pmd_profile *p, const char *dir, const char *name, char *err, size_t errlen);

/** Load the profile of dir whose [pmd] driver equals driver (rte_eth_dev_info.driver_name), to
 * pick a profile for a discovered device. Every *.ini of dir (at most HL_PMD_MAX_DIR_FILES) is
 * parsed: a broken one is an error, not skipped. Returns 0, -ENOENT (no profile for driver, err
 * says so), -EEXIST (two profiles claim it, err names both), or a parse/read error. */
int hl_pmd_profile_match_driver(
        struct hl_pmd_profile *p, const char *dir, const char *driver, char *err, size_t errlen);

/** Check a port request against what the profile says the PMD can do, before any device is
 * touched. Returns 0, or -HL_E_UNSUPPORTED / -EINVAL with a message naming the setting. */
int hl_pmd_profile_check_conf(
        const struct hl_pmd_profile *p, const struct hl_port_conf *conf, char *err, size_t errlen);

#endif
