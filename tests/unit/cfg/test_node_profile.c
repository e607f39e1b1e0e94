/* test_node_profile.c — node profiles: the all-in-one example parses with its pmd-config
 * profiles resolved; each malformed profile (roles, addresses, lcores, ports, pmd_config,
 * timers) gets its precise "FILE: [SECTION] KEY: REASON". */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "cfgtest.h"
#include "hl_ini.h"
#include "hl_node_profile.h"

static void
test_allinone_example(void **state)
{
	(void)state;
	struct hl_node_profile *n = malloc(sizeof(*n));
	assert_non_null(n);
	char err[HL_INI_ERRLEN] = "";
	int rc = hl_node_profile_load(
	        n, cfgtest_src("docs/examples/node-allinone.ini"), err, sizeof(err));
	if (rc != 0)
		fail_msg("rc %d: %s", rc, err);
	assert_string_equal(n->name, "node-a");
	assert_int_equal(n->roles, HL_ROLE_GATE | HL_ROLE_MANAGER | HL_ROLE_WORKER);
	assert_string_equal(n->dc, "dc1");
	assert_string_equal(n->cluster_id, "lab1");
	assert_string_equal(n->environment, "test");
	assert_string_equal(n->state_dir, "/var/lib/hyperline/node-a");
	assert_int_equal(n->mgmt.family, AF_INET);
	assert_int_equal(n->mgmt.port, 7400);
	assert_true(n->has_http);
	assert_int_equal(n->http.port, 7480);
	assert_int_equal(n->n_seeds, 2);
	assert_int_equal(n->seeds[1].port, 7402);
	assert_string_equal(n->fabric.device, "net_tap0");
	assert_string_equal(n->fabric.devargs, "iface=hlfab0");
	assert_string_equal(n->fabric.pmd.name, "net_tap");
	assert_string_equal(n->fabric.pmd.driver, "net_tap");
	static const uint8_t fip[4] = {10, 99, 0, 1};
	assert_memory_equal(n->fabric_ip, fip, 4);
	assert_int_equal(n->fabric_prefix, 24);
	assert_int_equal(n->fabric_udp_port, 7500);
	assert_int_equal(n->n_ports, 1);
	assert_string_equal(n->ports[0].name, "loop");
	assert_string_equal(n->ports[0].pmd.driver, "net_ring");
	assert_int_equal(n->ports[0].pmd.max_rx_queues, 16);
	assert_int_equal(n->main_lcore, 0);
	assert_int_equal(n->n_service_lcores, 1);
	assert_int_equal(n->n_traffic_lcores, 2);
	assert_int_equal(n->traffic_lcores[0], 2);
	assert_int_equal(n->traffic_lcores[1], 3);
	assert_int_equal(n->swim_lcore, 1);
	assert_int_equal(n->polling, HL_POLL_ADAPTIVE);
	assert_int_equal(n->swim_probe_interval_ns, 100000000ull);
	assert_int_equal(n->progress_batch_ns, 250000000ull);
	free(n);
}

/* A minimal valid profile; pmd_config_dir points at the source tree. */
static char *
base(void)
{
	static char text[2048];
	snprintf(text, sizeof(text),
	        "[node]\nname = n1\nroles = worker\ndc = dc1\ncluster_id = c1\nenvironment = e\n"
	        "state_dir = /tmp/x\npmd_config_dir = %s\n"
	        "[management]\naddress = 127.0.0.1:7400\n"
	        "[fabric]\ndevice = net_tap0\npmd_config = net_tap\naddress = 10.0.0.1/24\n"
	        "[port p0]\ndevice = net_ring0\npmd_config = net_ring\n"
	        "[lcores]\nmain = 0\nservices = 1\ntraffic = 2\n",
	        cfgtest_src("pmd-config"));
	return text;
}

static void
expect_node(const char *text, int want_rc, const char *want)
{
	const char *path = cfgtest_write("node.ini", text, strlen(text));
	struct hl_node_profile *n = malloc(sizeof(*n));
	assert_non_null(n);
	char err[HL_INI_ERRLEN] = "", expect[HL_INI_ERRLEN + 64];
	int rc = hl_node_profile_load(n, path, err, sizeof(err));
	snprintf(expect, sizeof(expect), "%s%s", path, want);
	if (rc != want_rc || (want != NULL && strcmp(err, expect) != 0))
		fail_msg("rc %d (want %d)\n  got:  %s\n  want: %s\n--- profile:\n%s", rc, want_rc,
		        err, expect, text);
	free(n);
}

static void
expect_mut(const char *from, const char *to, int want_rc, const char *want)
{
	char *t = cfgtest_replace(base(), from, to);
	expect_node(t, want_rc, want);
	free(t);
}

static void
test_minimal_and_defaults(void **state)
{
	(void)state;
	expect_node(base(), 0, NULL);
	struct hl_node_profile *n = malloc(sizeof(*n));
	assert_non_null(n);
	char err[HL_INI_ERRLEN];
	const char *t = base();
	assert_int_equal(hl_node_profile_parse_buf(n, "x.ini", t, strlen(t), err, sizeof(err)), 0);
	assert_int_equal(n->fabric_udp_port, 7500);
	assert_int_equal(n->polling, HL_POLL_ADAPTIVE);
	assert_false(n->has_http);
	assert_int_equal(n->n_seeds, 0);
	assert_int_equal(n->swim_probe_interval_ns, 100000000ull);
	assert_int_equal(n->progress_window_ns, 50000000ull);
	assert_int_equal(n->dispatch_lcore, 1);
	free(n);
}

static void
test_bad_node(void **state)
{
	(void)state;
	expect_mut("roles = worker", "roles = worker, router", -EINVAL,
	        ": [node] roles: 'router' unknown (one of: gate, manager, worker)");
	expect_mut("roles = worker", "roles = worker, worker", -EINVAL,
	        ": [node] roles: 'worker' listed twice");
	expect_mut("roles = worker\n", "", -EINVAL, ": [node] roles: required key missing");
	expect_mut("state_dir = /tmp/x", "state_dir = tmp/x", -EINVAL,
	        ": [node] state_dir: 'tmp/x' is not an absolute path");
	expect_mut("dc = dc1", "dc = dc 1", -EINVAL,
	        ": [node] dc: 'dc 1' is not a valid name (1..47 of A-Z a-z 0-9 _ - .)");
	expect_mut("[port p0]\ndevice = net_ring0\npmd_config = net_ring\n", "", -EINVAL,
	        ": [node] roles: worker needs at least one [port NAME] test port");
	expect_mut("[lcores]", "[cores]", -EINVAL,
	        ": [cores]: unknown section (expected [node], [management], [fabric], [port "
	        "NAME], [lcores] or [timers])");
	expect_mut("[management]\naddress = 127.0.0.1:7400\n", "", -EINVAL,
	        ": missing section [management]");
	expect_mut("environment = e", "environment = e\nenv = x", -EINVAL,
	        ": [node] env: unknown key");
}

static void
test_bad_addresses(void **state)
{
	(void)state;
	expect_mut("address = 127.0.0.1:7400", "address = localhost:7400", -EINVAL,
	        ": [management] address: 'localhost' is not an IPv4 address (host names are not "
	        "used)");
	expect_mut("address = 127.0.0.1:7400", "address = 127.0.0.1:70000", -EINVAL,
	        ": [management] address: port: 70000 above max 65535");
	expect_mut("address = 127.0.0.1:7400", "address = 127.0.0.1", -EINVAL,
	        ": [management] address: '127.0.0.1' is not IPV4:PORT or [IPV6]:PORT");
	expect_mut("address = 127.0.0.1:7400", "address = [::1:7400", -EINVAL,
	        ": [management] address: '[::1:7400' is not [IPv6]:PORT");
	expect_mut("address = 127.0.0.1:7400", "address = 127.0.0.1:7400\nhttp = 127.0.0.1:7400",
	        -EINVAL, ": [management] http: same address as the management address");
	expect_mut("address = 127.0.0.1:7400",
	        "address = [::1]:7400\nseeds = [::1]:7401, 127.0.0.1:7401, [::1]:7401", -EINVAL,
	        ": [management] seeds: '[::1]:7401' listed twice");
	expect_mut("address = 10.0.0.1/24", "address = 10.0.0.1", -EINVAL,
	        ": [fabric] address: '10.0.0.1' is not IPV4/PREFIX (e.g. 10.0.0.1/24)");
	expect_mut("address = 10.0.0.1/24", "address = 10.0.0.1/33", -EINVAL,
	        ": [fabric] address: prefix 33 above max 32");
}

static void
test_bad_ports(void **state)
{
	(void)state;
	expect_mut("pmd_config = net_ring", "pmd_config = net_rong", -ENOENT, NULL);
	char *t = cfgtest_replace(base(), "pmd_config = net_ring", "pmd_config = net_rong");
	const char *path = cfgtest_write("node.ini", t, strlen(t));
	struct hl_node_profile *n = malloc(sizeof(*n));
	assert_non_null(n);
	char err[HL_INI_ERRLEN];
	assert_int_equal(hl_node_profile_load(n, path, err, sizeof(err)), -ENOENT);
	char want[HL_INI_ERRLEN];
	snprintf(want, sizeof(want),
	        "%s: [port p0] pmd_config: profile 'net_rong' unusable: ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "net_rong.ini: cannot open"));
	free(n);
	free(t);

	expect_mut("pmd_config = net_ring", "pmd_config = ../net_ring", -EINVAL, NULL);
	expect_mut("device = net_ring0", "device = net_tap0", -EINVAL,
	        ": [port p0] device: 'net_tap0' is also the fabric port");
	expect_mut("device = net_ring0", "device = net_ring0,size=4", -EINVAL,
	        ": [port p0] device: 'net_ring0,size=4': a device name has no ',' or spaces (put "
	        "options in devargs)");
	expect_mut("[port p0]", "[port fabric]", -EINVAL,
	        ": [port fabric]: 'fabric' is not a valid port name (1..47 of A-Z a-z 0-9 _ - ., "
	        "not 'fabric')");
	expect_mut("[lcores]", "[port p1]\ndevice = net_ring0\npmd_config = net_ring\n[lcores]",
	        -EINVAL, ": [port p1] device: 'net_ring0' is also port 'p0'");
	expect_mut("[lcores]", "[port  p0]\ndevice = net_ring1\npmd_config = net_ring\n[lcores]",
	        -EINVAL, ": [port  p0]: duplicate port name 'p0'");
}

static void
test_bad_lcores(void **state)
{
	(void)state;
	expect_mut("traffic = 2", "traffic = 1", -EINVAL,
	        ": [lcores] traffic: lcore 1 is a service lcore (traffic lcores busy-poll alone)");
	expect_mut("traffic = 2", "traffic = 0-3", -EINVAL,
	        ": [lcores] traffic: lcore 0 is the main lcore");
	expect_mut("traffic = 2", "traffic = 2, 2", -EINVAL,
	        ": [lcores] traffic: lcore 2 listed twice");
	expect_mut("traffic = 2", "traffic = 5-3", -EINVAL,
	        ": [lcores] traffic: range end 3 below min 5");
	expect_mut("traffic = 2", "traffic = 200", -EINVAL,
	        ": [lcores] traffic: lcore 200 above max 127");
	expect_mut("traffic = 2\n", "", -EINVAL,
	        ": [lcores] traffic: a worker needs at least one traffic lcore");
	expect_mut("services = 1", "services = 0", -EINVAL,
	        ": [lcores] services: lcore 0 is the main lcore");
	expect_mut("main = 0", "main = 0, 4", -EINVAL, ": [lcores] main: more than 1 lcores");
	expect_mut("traffic = 2", "traffic = 2\nswim = 2", -EINVAL,
	        ": [lcores] swim: lcore 2 is not one of the service lcores");
	expect_mut("traffic = 2", "traffic = 2\npolling = lazy", -EINVAL,
	        ": [lcores] polling: 'lazy' unknown (one of: busy, adaptive)");
}

static void
test_bad_timers(void **state)
{
	(void)state;
	expect_mut("traffic = 2\n", "traffic = 2\n[timers]\nswim_probe_timeout = 200ms\n", -EINVAL,
	        ": [timers] swim_probe_timeout: must be below swim_probe_interval");
	expect_mut("traffic = 2\n", "traffic = 2\n[timers]\nprogress_batch = 10ms\n", -EINVAL,
	        ": [timers] progress_batch: must be at least progress_window");
	expect_mut("traffic = 2\n", "traffic = 2\n[timers]\nprogress_window = 0ms\n", -EINVAL,
	        ": [timers] progress_window: 0ms below min 1000000 ns");
	expect_mut("traffic = 2\n", "traffic = 2\n[timers]\nprobe = 1s\n", -EINVAL,
	        ": [timers] probe: unknown key");
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
	        cmocka_unit_test(test_allinone_example),
	        cmocka_unit_test(test_minimal_and_defaults),
	        cmocka_unit_test(test_bad_node),
	        cmocka_unit_test(test_bad_addresses),
	        cmocka_unit_test(test_bad_ports),
	        cmocka_unit_test(test_bad_lcores),
	        cmocka_unit_test(test_bad_timers),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
