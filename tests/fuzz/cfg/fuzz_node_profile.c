/* fuzz_node_profile.c — libFuzzer target: arbitrary bytes into the node-profile reader. A
 * profile that parses must keep its lcore map disjoint and its service placement valid. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hl_ini.h"
#include "hl_node_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hl_node_profile node; /* large: not on the stack */

static int
has(const uint16_t *l, unsigned n, uint16_t v)
{
	for (unsigned i = 0; i < n; i++)
		if (l[i] == v)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[HL_INI_ERRLEN];
	err[0] = '\0';
	/* pmd_config names resolve against the source tree's pmd-config/ when the input says
	 * pmd_config_dir = <that path>; otherwise they fail cleanly */
	int rc = hl_node_profile_parse_buf(&node, "fuzz.ini", data, size, err, sizeof(err));
	if (rc < 0) {
		if (err[0] == '\0' && rc != -12 /* ENOMEM */)
			abort();
		return 0;
	}
	if (node.roles == 0 || node.n_service_lcores == 0 ||
	        has(node.service_lcores, node.n_service_lcores, node.main_lcore) ||
	        !has(node.service_lcores, node.n_service_lcores, node.swim_lcore))
		abort();
	for (unsigned i = 0; i < node.n_traffic_lcores; i++)
		if (node.traffic_lcores[i] == node.main_lcore ||
		        has(node.service_lcores, node.n_service_lcores, node.traffic_lcores[i]))
			abort();
	return 0;
}
