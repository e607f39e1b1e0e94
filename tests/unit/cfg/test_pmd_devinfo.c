/* test_pmd_devinfo.c — the "measured" claims of the virtual-device pmd-config profiles hold: each
 * vdev is created under EAL (--no-huge, no NIC) and its rte_eth_dev_info must match its profile
 * (driver, queue maxima, descriptor limits, offload capabilities, MTU range). A DPDK upgrade that
 * changes a PMD shows up here instead of at port set-up. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <limits.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_ethdev.h>

#include "cfgtest.h"
#include "hl_ini.h"
#include "hl_pmd_profile.h"

struct vdev {
	const char *profile;
	const char *name; /* ethdev name */
	bool root_only; /* needs CAP_NET_RAW */
	bool created;
};

static struct vdev vdevs[] = {
        {"net_null", "net_null0", false, false},
        {"net_ring", "net_ring0", false, false},
        {"net_memif", "net_memif0", false, false},
        /* qpairs=16 so the device reports the profile's maximum (default is 1) */
        {"net_af_packet", "net_af_packet0", true, false},
};
#define N_VDEVS (sizeof(vdevs) / sizeof(vdevs[0]))

static int
setup(void **state)
{
	(void)state;
	static char prefix[64], memif[300];
	snprintf(prefix, sizeof(prefix), "--file-prefix=hl_cfg_devinfo_%d", (int)getpid());
	snprintf(memif, sizeof(memif), "net_memif0,role=server,socket=%s/memif.sock",
	        cfgtest_tmpdir());
	char *argv[24];
	int argc = 0;
	argv[argc++] = (char *)(uintptr_t) "test_pmd_devinfo";
	argv[argc++] = (char *)(uintptr_t) "--no-huge";
	argv[argc++] = (char *)(uintptr_t) "-m";
	argv[argc++] = (char *)(uintptr_t) "256";
	argv[argc++] = (char *)(uintptr_t) "--no-pci";
	argv[argc++] = prefix;
	argv[argc++] = (char *)(uintptr_t) "--log-level=lib.eal:error";
	argv[argc++] = (char *)(uintptr_t) "--vdev=net_null0";
	argv[argc++] = (char *)(uintptr_t) "--vdev=net_ring0";
	argv[argc++] = (char *)(uintptr_t) "--vdev";
	argv[argc++] = memif;
	vdevs[0].created = vdevs[1].created = vdevs[2].created = true;
	if (geteuid() == 0) {
		argv[argc++] = (char *)(uintptr_t) "--vdev=net_af_packet0,iface=lo,qpairs=16,"
		                                   "blocksz=4096,framesz=2048,framecnt=64";
		vdevs[3].created = true;
	}
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	uint16_t p;
	RTE_ETH_FOREACH_DEV(p)
	rte_eth_dev_close(p);
	/* --no-huge still leaves config/fbarray files in the runtime dir: remove them too */
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	DIR *d = opendir(dir);
	if (d != NULL) {
		struct dirent *e;
		char path[PATH_MAX + 300];
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			if (unlink(path) != 0)
				fprintf(stderr, "# cannot remove %s: %s\n", path, strerror(errno));
		}
		closedir(d);
	}
	if (rmdir(dir) != 0)
		fprintf(stderr, "# runtime dir %s left: %s\n", dir, strerror(errno));
	cfgtest_cleanup();
	return 0;
}

static void
test_profiles_match_devices(void **state)
{
	(void)state;
	unsigned checked = 0;
	for (unsigned i = 0; i < N_VDEVS; i++) {
		const struct vdev *v = &vdevs[i];
		if (!v->created) {
			fprintf(stderr, "# skip %s: needs root (CAP_NET_RAW)\n", v->profile);
			continue;
		}
		struct hl_pmd_profile p;
		char err[HL_INI_ERRLEN];
		if (hl_pmd_profile_find(
		            &p, cfgtest_src("pmd-config"), v->profile, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		uint16_t port;
		assert_int_equal(rte_eth_dev_get_port_by_name(v->name, &port), 0);
		struct rte_eth_dev_info di;
		assert_int_equal(rte_eth_dev_info_get(port, &di), 0);
		if (strcmp(di.driver_name, p.driver) != 0)
			fail_msg("%s: driver %s, profile says %s", v->profile, di.driver_name,
			        p.driver);
#define SAME(dev, prof)                                                                           \
	do {                                                                                      \
		if ((uint64_t)(dev) != (uint64_t)(prof))                                          \
			fail_msg("%s: device %s = 0x%llx, profile %s = 0x%llx", v->profile, #dev, \
			        (unsigned long long)(dev), #prof, (unsigned long long)(prof));    \
	} while (0)
		SAME(di.max_rx_queues, p.max_rx_queues);
		SAME(di.max_tx_queues, p.max_tx_queues);
		SAME(di.rx_desc_lim.nb_min, p.rx_desc.min);
		SAME(di.rx_desc_lim.nb_max, p.rx_desc.max);
		SAME(di.rx_desc_lim.nb_align, p.rx_desc.align);
		SAME(di.tx_desc_lim.nb_min, p.tx_desc.min);
		SAME(di.tx_desc_lim.nb_max, p.tx_desc.max);
		SAME(di.tx_desc_lim.nb_align, p.tx_desc.align);
		SAME(di.rx_offload_capa, p.rx_offload_capa);
		SAME(di.tx_offload_capa, p.tx_offload_capa);
		SAME(di.min_mtu, p.mtu_min);
		SAME(di.max_mtu, p.mtu_max);
#undef SAME
		checked++;
	}
	assert_true(checked >= 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_profiles_match_devices),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
