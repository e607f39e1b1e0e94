/* fuzz_common.h — shared bits of the lib/wire fuzz targets: the fixed cluster id and a check
 * that aborts (so libFuzzer reports it) when an invariant breaks. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CLUSTER "fuzz-cluster"

#define FUZZ_CHECK(cond, ...)                                                  \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz invariant broken: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
			abort();                                               \
		}                                                              \
	} while (0)

#endif
