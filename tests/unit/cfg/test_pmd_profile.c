/* test_pmd_profile.c — every pmd-config profile in the tree parses and is self-consistent; each
 * kind of bad profile gets its precise "FILE: [SECTION] KEY: REASON" (or "FILE:LINE:") error. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_ethdev.h>

#include "cfgtest.h"
#include "hl_err.h"
#include "hl_ini.h"
#include "hl_pmd_profile.h"

static const char *const profiles[] = {"net_null", "net_ring", "net_tap", "net_memif",
        "net_af_packet", "virtio", "ixgbe", "i40e", "ice", "mlx5"};
#define N_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

static void
test_every_profile_parses(void **state)
{
	(void)state;
	char err[HL_INI_ERRLEN];
	for (unsigned i = 0; i < N_PROFILES; i++) {
		struct hl_pmd_profile p;
		err[0] = '\0';
		int rc = hl_pmd_profile_find(
		        &p, cfgtest_src("pmd-config"), profiles[i], err, sizeof(err));
		if (rc != 0)
			fail_msg("%s: rc %d: %s", profiles[i], rc, err);
		assert_string_equal(p.name, profiles[i]);
		assert_true(p.driver[0] != '\0');
		assert_true(p.description[0] != '\0');
		/* defaults lie inside the profile's own limits, and lib/port accepts them */
		assert_in_range(p.defaults.rx_desc, p.rx_desc.min, p.rx_desc.max);
		assert_in_range(p.defaults.tx_desc, p.tx_desc.min, p.tx_desc.max);
		assert_int_equal(p.defaults.rx_desc % p.rx_desc.align, 0);
		assert_in_range(p.defaults.rx_queues, 1, p.max_rx_queues);
		if (hl_pmd_profile_check_conf(&p, &p.defaults, err, sizeof(err)) != 0)
			fail_msg("%s: defaults rejected: %s", profiles[i], err);
		/* the timestamp flags agree with the offload lists */
		assert_int_equal(
		        p.rx_hw_timestamp, !!(p.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP));
		assert_int_equal(p.tx_send_on_timestamp,
		        !!(p.tx_offload_capa & RTE_ETH_TX_OFFLOAD_SEND_ON_TIMESTAMP));
	}
}

/* No stray profile: every *.ini in pmd-config/ is one of the ten and parses. */
static void
test_directory_has_only_known_profiles(void **state)
{
	(void)state;
	DIR *d = opendir(cfgtest_src("pmd-config"));
	assert_non_null(d);
	struct dirent *e;
	unsigned seen = 0;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".ini") != 0)
			continue;
		bool known = false;
		for (unsigned i = 0; i < N_PROFILES; i++)
			if (strlen(profiles[i]) == n - 4 &&
			        strncmp(profiles[i], e->d_name, n - 4) == 0)
				known = true;
		if (!known)
			fail_msg("pmd-config/%s is not covered by this test", e->d_name);
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, N_PROFILES);
}

/* Values the parser must carry through from the files (one per capability kind). */
static void
test_profile_values(void **state)
{
	(void)state;
	char err[HL_INI_ERRLEN];
	struct hl_pmd_profile p;
	assert_int_equal(
	        hl_pmd_profile_find(&p, cfgtest_src("pmd-config"), "ixgbe", err, sizeof(err)), 0);
	assert_string_equal(p.driver, "net_ixgbe");
	assert_true(p.physical);
	assert_int_equal(p.rx_desc.min, 32);
	assert_int_equal(p.rx_desc.max, 4096);
	assert_int_equal(p.rx_desc.align, 8);
	assert_true(p.queue_rate_limit);
	assert_true(p.timesync);
	assert_false(p.rx_hw_timestamp);
	assert_true(p.rss);
	assert_int_equal(p.rss_key_size, 40);
	assert_int_equal(p.rss_fields_capa, HL_PORT_RSS_ALL_);
	assert_int_equal(p.rss_hash_default, HL_PORT_RSS_IPV4 | HL_PORT_RSS_UDP);
	assert_int_equal(p.defaults.rss_fields, 0); /* enable = no */
	assert_true(p.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO);
	assert_false(p.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE);

	assert_int_equal(
	        hl_pmd_profile_find(&p, cfgtest_src("pmd-config"), "mlx5", err, sizeof(err)), 0);
	assert_true(p.tx_send_on_timestamp);
	assert_true(p.rx_hw_timestamp);
	assert_true(p.defaults.offloads & HL_PORT_OFF_FAST_FREE);

	assert_int_equal(
	        hl_pmd_profile_find(&p, cfgtest_src("pmd-config"), "net_ring", err, sizeof(err)),
	        0);
	assert_false(p.physical);
	assert_int_equal(p.max_rx_queues, 16);
	assert_int_equal(p.rx_offload_capa, RTE_ETH_RX_OFFLOAD_SCATTER);
	assert_int_equal(p.defaults.link_mbps, 10000);
	assert_true(p.defaults.promiscuous);
}

/* Write ixgbe.ini with one substitution into the temp dir, load it, compare the message. */
static void
expect_bad(const char *from, const char *to, int want_rc, const char *want)
{
	char *base = cfgtest_read(cfgtest_src("pmd-config/ixgbe.ini"));
	char *text = cfgtest_replace(base, from, to);
	const char *path = cfgtest_write("ixgbe.ini", text, strlen(text));
	char err[HL_INI_ERRLEN] = "";
	struct hl_pmd_profile p;
	int rc = hl_pmd_profile_load(&p, path, err, sizeof(err));
	char expect[HL_INI_ERRLEN + 64];
	snprintf(expect, sizeof(expect), "%s%s", path, want);
	if (rc != want_rc || strcmp(err, expect) != 0)
		fail_msg("replace '%s' -> '%s': rc %d (want %d)\n  got:  %s\n  want: %s", from, to,
		        rc, want_rc, err, expect);
	free(text);
	free(base);
}

static void
test_bad_values(void **state)
{
	(void)state;
	expect_bad("descriptors = 1024", "descriptors = 9000", -EINVAL,
	        ": [rx] descriptors: 9000 above max 4096");
	expect_bad("descriptors = 1024", "descriptors = 16", -EINVAL,
	        ": [rx] descriptors: 16 below min 32");
	expect_bad("descriptors = 1024", "descriptors = 1020", -EINVAL,
	        ": [rx] descriptors: 1020 not a multiple of desc_align 8");
	expect_bad("max_rx = 128", "max_rx = 12abc", -EINVAL,
	        ": [queues] max_rx: '12abc' is not a whole decimal number");
	expect_bad(
	        "max_rx = 128", "max_rx = -1", -EINVAL, ": [queues] max_rx: '-1' is not a number");
	expect_bad("max_rx = 128", "max_rx = 0x80", -EINVAL,
	        ": [queues] max_rx: '0x80' is not a whole decimal number");
	expect_bad("max_rx = 128", "max_rx = 99999999999999999999", -EINVAL,
	        ": [queues] max_rx: '99999999999999999999' is too large (max "
	        "18446744073709551615)");
	expect_bad(
	        "max_rx = 128", "max_rx = 5000", -EINVAL, ": [queues] max_rx: 5000 above max 4096");
	expect_bad("rx = 1\n", "rx = 200\n", -EINVAL, ": [queues] rx: 200 above max 64");
	expect_bad("desc_align = 8", "desc_align = 12", -EINVAL,
	        ": [rx] desc_align: 12 is not a power of two");
	expect_bad("supported = yes", "supported = maybe", -EINVAL,
	        ": [rss] supported: 'maybe' is not a boolean (yes/no, true/false, on/off, 1/0)");
	expect_bad("kind = physical", "kind = metal", -EINVAL,
	        ": [pmd] kind: 'metal' unknown (one of: virtual, physical)");
	expect_bad("offloads = vlan_strip,", "offloads = vlan_strp,", -EINVAL,
	        ": [rx] offloads: 'vlan_strp' is not a DPDK RX offload name");
	expect_bad("offloads = vlan_strip,", "offloads = vlan_strip, vlan_strip,", -EINVAL,
	        ": [rx] offloads: 'vlan_strip' listed twice");
	expect_bad("offloads = vlan_strip,", "offloads = ,", -EINVAL,
	        ": [rx] offloads: empty entry 1 in the list");
	expect_bad("offloads = none          ;", "offloads = fast_free ;", -EINVAL,
	        ": [port] offloads: 'fast_free' needs offloads this PMD lacks ([rx]/[tx] "
	        "offloads)");
	expect_bad("offloads = none          ;", "offloads = checksum ;", -EINVAL,
	        ": [port] offloads: 'checksum' unknown (one of: ipv4_cksum, udp_cksum, "
	        "tcp_cksum, multi_seg, fast_free, timestamp)");
	expect_bad("hash = ipv4, udp", "hash = ipv4, sctp", -EINVAL,
	        ": [rss] hash: 'sctp' unknown (one of: ipv4, ipv6, udp, tcp)");
	expect_bad("rx_hw = no ", "rx_hw = yes ", -EINVAL,
	        ": [timestamp] rx_hw: yes, but [rx] offloads lacks 'timestamp'");
	expect_bad("tx_on_time = no", "tx_on_time = no\nenable = yes", -EINVAL,
	        ": [timestamp] enable: yes, but this PMD has no RX hardware timestamps "
	        "(rx_hw = no)");
	expect_bad("supported = yes", "supported = no", -EINVAL,
	        ": [rss] supported: no, but fields/key_size/reta_size describe RSS");
	expect_bad("promiscuous = yes", "promiscuous = yes\nmtu = 20000", -EINVAL,
	        ": [port] mtu: 20000 above max 9600");
}

static void
test_bad_structure(void **state)
{
	(void)state;
	expect_bad("descriptors = 1024", "descriptor = 1024", -EINVAL,
	        ": [rx] descriptors: required key missing");
	expect_bad("max_pps = 30000000", "max_pps = 30000000\nmax_mpps = 30", -EINVAL,
	        ": [limits] max_mpps: unknown key");
	expect_bad("[limits]", "[limitz]", -EINVAL,
	        ": [limitz]: unknown section (one of: pmd, queues, rx, tx, rss, timestamp, "
	        "rate_limit, limits, port)");
	expect_bad("max_rx = 128", "max_rx = 128\nmax_rx = 64", -EINVAL,
	        ": [queues] max_rx: duplicate key");
	expect_bad("[port]", "[pmd]\n[port]", -EINVAL, ": [pmd]: duplicate section");
	expect_bad("[timestamp]", "[timestmp]", -EINVAL,
	        ": [timestmp]: unknown section (one of: pmd, queues, rx, tx, rss, timestamp, "
	        "rate_limit, limits, port)");
	expect_bad("driver = net_ixgbe", "driver = net ixgbe", -EINVAL,
	        ": [pmd] driver: 'net ixgbe' is not a driver name (1..31 of A-Z a-z 0-9 _ - .)");
}

static void
test_bad_lexical(void **state)
{
	(void)state;
	/* line numbers: ixgbe.ini line 8 is "[pmd]" */
	char *base = cfgtest_read(cfgtest_src("pmd-config/ixgbe.ini"));
	unsigned line = 1;
	const char *at = strstr(base, "[pmd]");
	for (const char *c = base; c < at; c++)
		line += *c == '\n';
	free(base);
	char want[128];

	snprintf(want, sizeof(want), ":%u: expected '[section]' or 'key = value'", line + 1);
	expect_bad("[pmd]\n", "[pmd]\ndescriptors 9000\n", -EINVAL, want);
	snprintf(want, sizeof(want), ":%u: '#' does not start a comment here, use ';'", line + 1);
	expect_bad("[pmd]\n", "[pmd]\n# a comment\n", -EINVAL, want);
	snprintf(want, sizeof(want), ":%u: section header must end with ']'", line);
	expect_bad("[pmd]\n", "[pmd\n", -EINVAL, want);
	snprintf(want, sizeof(want), ":%u: backslash not allowed", line + 1);
	expect_bad("[pmd]\n", "[pmd]\nx = a\\;b\n", -EINVAL, want);
	snprintf(want, sizeof(want), ":%u: key 'kind' has an empty value", line + 1);
	expect_bad("[pmd]\n", "[pmd]\nkind =\n", -EINVAL, want);
	snprintf(want, sizeof(want), ":%u: missing key before '='", line + 1);
	expect_bad("[pmd]\n", "[pmd]\n= x\n", -EINVAL, want);
	snprintf(want, sizeof(want), ":%u: '$' not allowed in a key (use A-Z a-z 0-9 _ - .)",
	        line + 1);
	expect_bad("[pmd]\n", "[pmd]\nk$y = x\n", -EINVAL, want);
	snprintf(want, sizeof(want),
	        ":%u: byte 0xc3 at column 15 is not ASCII (allowed in comments only)", line + 1);
	expect_bad("[pmd]\n", "[pmd]\ndescription = \xc3\xa9t\xc3\xa9\n", -EINVAL, want);
	snprintf(want, sizeof(want), ":%u: empty section name", line);
	expect_bad("[pmd]\n", "[ ]\n", -EINVAL, want);
	expect_bad("; pmd-config profile: ixgbe", "x = 1\n;", -EINVAL,
	        ":1: key 'x' before any [section]");

	/* long line, long key, long value, long section name */
	char longv[400];
	memset(longv, 'a', sizeof(longv));
	longv[399] = '\0';
	char repl[480];
	snprintf(repl, sizeof(repl), "[pmd]\ndescription = %s\n", longv);
	snprintf(want, sizeof(want), ":%u: line longer than 320 bytes", line + 1);
	expect_bad("[pmd]\n", repl, -EINVAL, want);
	snprintf(repl, sizeof(repl), "[pmd]\ndescription = %.300s\n", longv);
	snprintf(want, sizeof(want), ":%u: value longer than 255 bytes", line + 1);
	expect_bad("[pmd]\n", repl, -EINVAL, want);
	snprintf(repl, sizeof(repl), "[pmd]\n%.64s = 1\n", longv);
	snprintf(want, sizeof(want), ":%u: key longer than 63 bytes", line + 1);
	expect_bad("[pmd]\n", repl, -EINVAL, want);
	snprintf(repl, sizeof(repl), "[%.64s]\n", longv);
	snprintf(want, sizeof(want), ":%u: section name longer than 63 bytes", line);
	expect_bad("[pmd]\n", repl, -EINVAL, want);
	/* a 127-character description is kept, a value of 128+ is over the struct's field */
	snprintf(repl, sizeof(repl), "description = %.128s\n", longv);
	expect_bad("description = Intel 82599/X520/X540/X550 10 GbE\n", repl, -EINVAL,
	        ": [pmd] description: longer than 127 bytes");
}

static void
test_nul_and_sizes(void **state)
{
	(void)state;
	char err[HL_INI_ERRLEN];
	struct hl_pmd_profile p;
	static const char nul[] = "[pmd]\ndriver = net\0null\n";
	int rc = hl_pmd_profile_parse_buf(&p, "nul.ini", nul, sizeof(nul) - 1, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "nul.ini:2: control byte 0x00 at column 13");

	rc = hl_pmd_profile_parse_buf(&p, "empty.ini", "", 0, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, "empty.ini: missing section [pmd]");

	size_t big = HL_INI_MAX_BYTES + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, '\n', big);
	const char *path = cfgtest_write("huge.ini", huge, big);
	rc = hl_pmd_profile_load(&p, path, err, sizeof(err));
	assert_int_equal(rc, -EFBIG);
	assert_non_null(strstr(err, "more than the 262144 bytes"));
	free(huge);

	char missing[600];
	snprintf(missing, sizeof(missing), "%s/nope.ini", cfgtest_tmpdir());
	rc = hl_pmd_profile_load(&p, missing, err, sizeof(err));
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err, "nope.ini: cannot open"));

	rc = hl_pmd_profile_find(&p, cfgtest_src("pmd-config"), "../etc/passwd", err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
}

/* A port request checked against the profile: each capability gap is named. */
static void
test_check_conf(void **state)
{
	(void)state;
	char err[HL_INI_ERRLEN];
	struct hl_pmd_profile p;
	assert_int_equal(
	        hl_pmd_profile_find(&p, cfgtest_src("pmd-config"), "net_ring", err, sizeof(err)),
	        0);
	struct hl_port_conf c = p.defaults;
	c.rx_queues = 17;
	assert_int_equal(hl_pmd_profile_check_conf(&p, &c, err, sizeof(err)), -HL_E_UNSUPPORTED);
	assert_string_equal(err, "pmd-config net_ring (net_ring): rx_queues 17 above max 16");
	c = p.defaults;
	c.rss = true;
	assert_int_equal(hl_pmd_profile_check_conf(&p, &c, err, sizeof(err)), -HL_E_UNSUPPORTED);
	assert_string_equal(err, "pmd-config net_ring (net_ring): RSS requested, PMD has none");
	c = p.defaults;
	c.rx_timestamp = true;
	assert_int_equal(hl_pmd_profile_check_conf(&p, &c, err, sizeof(err)), -HL_E_UNSUPPORTED);
	assert_string_equal(
	        err, "pmd-config net_ring (net_ring): offload timestamp not supported on RX");
	c = p.defaults;
	c.tx_rate_limit = true;
	assert_int_equal(hl_pmd_profile_check_conf(&p, &c, err, sizeof(err)), -HL_E_UNSUPPORTED);
	c = p.defaults;
	c.offloads = HL_PORT_OFF_MULTI_SEG;
	assert_int_equal(hl_pmd_profile_check_conf(&p, &c, err, sizeof(err)), 0);

	assert_int_equal(
	        hl_pmd_profile_find(&p, cfgtest_src("pmd-config"), "ixgbe", err, sizeof(err)), 0);
	c = p.defaults;
	c.rx_desc = 1020;
	assert_int_equal(hl_pmd_profile_check_conf(&p, &c, err, sizeof(err)), -HL_E_UNSUPPORTED);
	assert_string_equal(err, "pmd-config ixgbe (net_ixgbe): rx_desc 1020 outside 32..4096 "
	                         "(align 8)");
	c = p.defaults;
	c.tx_rate_limit = true;
	c.rss = true;
	c.rss_fields = HL_PORT_RSS_TCP;
	assert_int_equal(hl_pmd_profile_check_conf(&p, &c, err, sizeof(err)), 0);
}

/* Picking a profile by driver name: every profile is found by its own driver; unknown and
 * ambiguous drivers and a broken file in the directory are errors. */
static void
test_match_driver(void **state)
{
	(void)state;
	char err[HL_INI_ERRLEN];
	struct hl_pmd_profile p, q;
	for (unsigned i = 0; i < N_PROFILES; i++) {
		assert_int_equal(hl_pmd_profile_find(&p, cfgtest_src("pmd-config"), profiles[i],
		                         err, sizeof(err)),
		        0);
		int rc = hl_pmd_profile_match_driver(
		        &q, cfgtest_src("pmd-config"), p.driver, err, sizeof(err));
		if (rc != 0)
			fail_msg("%s: %s", p.driver, err);
		assert_string_equal(q.name, profiles[i]);
	}
	assert_int_equal(hl_pmd_profile_match_driver(
	                         &q, cfgtest_src("pmd-config"), "net_bogus", err, sizeof(err)),
	        -ENOENT);
	assert_non_null(strstr(err, "no pmd-config profile for driver net_bogus"));

	/* a private directory: two profiles for one driver, then a broken one */
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/match", cfgtest_tmpdir());
	assert_int_equal(mkdir(sub, 0700), 0);
	char *ring = cfgtest_read(cfgtest_src("pmd-config/net_ring.ini"));
	cfgtest_write("match/ring_a.ini", ring, strlen(ring));
	cfgtest_write("match/ring_b.ini", ring, strlen(ring));
	assert_int_equal(
	        hl_pmd_profile_match_driver(&q, sub, "net_ring", err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "both claim driver net_ring"));
	char *bad = cfgtest_replace(ring, "max_rx = 16", "max_rx = x");
	cfgtest_write("match/ring_b.ini", bad, strlen(bad));
	assert_int_equal(
	        hl_pmd_profile_match_driver(&q, sub, "net_ring", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "ring_b.ini: [queues] max_rx: 'x' is not a number"));
	free(bad);
	free(ring);
	char path[700];
	snprintf(path, sizeof(path), "%s/ring_a.ini", sub);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/ring_b.ini", sub);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_true(hl_pmd_profile_match_driver(
	                    &q, "/nonexistent-dir", "net_ring", err, sizeof(err)) == -ENOENT);
}

static int
teardown(void **state)
{
	(void)state;
	cfgtest_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_profile_parses),
	        cmocka_unit_test(test_directory_has_only_known_profiles),
	        cmocka_unit_test(test_profile_values),
	        cmocka_unit_test(test_bad_values),
	        cmocka_unit_test(test_bad_structure),
	        cmocka_unit_test(test_bad_lexical),
	        cmocka_unit_test(test_nul_and_sizes),
	        cmocka_unit_test(test_check_conf),
	        cmocka_unit_test(test_match_driver),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
