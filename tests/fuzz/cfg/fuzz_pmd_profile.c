/* fuzz_pmd_profile.c — libFuzzer target: arbitrary bytes into the pmd-config reader. Beyond "no
 * crash", a profile that parses must be self-consistent (defaults inside its own limits). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hl_ini.h"
#include "hl_pmd_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_pmd_profile p;
	char err[HL_INI_ERRLEN];
	err[0] = '\0';
	int rc = hl_pmd_profile_parse_buf(&p, "fuzz.ini", data, size, err, sizeof(err));
	if (rc < 0) {
		/* every rejection says why */
		if (err[0] == '\0' && rc != -12 /* ENOMEM */)
			abort();
		return 0;
	}
	if (p.defaults.rx_desc < p.rx_desc.min || p.defaults.rx_desc > p.rx_desc.max ||
	        p.defaults.tx_desc < p.tx_desc.min || p.defaults.tx_desc > p.tx_desc.max ||
	        p.defaults.rx_queues > p.max_rx_queues || p.defaults.tx_queues > p.max_tx_queues ||
	        p.mtu_min > p.mtu_max)
		abort();
	if (hl_pmd_profile_check_conf(&p, &p.defaults, err, sizeof(err)) != 0)
		abort();
	return 0;
}
