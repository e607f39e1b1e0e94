/* exp_util.h — shared bits of the SWIM simulator experiments (P7-P11): arguments, percentiles,
 * cluster bootstrap. Each experiment prints a table and ends with a RESULT line. */
#ifndef SWIM_EXP_UTIL_H
#define SWIM_EXP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "swim_cluster.h"

struct exp_args {
	bool smoke;
	uint32_t n; /* 0 = experiment default */
	uint32_t trials; /* 0 = experiment default */
	uint64_t seed;
	double hours; /* P8 virtual duration, 0 = default */
};

/** Parse --smoke, --n N, --trials N, --hours H; seed from SIM_SEED (default fallback).
 * Prints usage and exits on a bad argument. */
void exp_parse(int argc, char **argv, struct exp_args *a, uint64_t fallback_seed);
/** p-th percentile (0..100) of v[0..n) (sorts v in place). */
double exp_pct(double *v, size_t n, double p);
/** Create a cluster, join everyone and run until full mesh. Prints the mesh time. NULL on error. */
struct swim_cluster *exp_cluster(const struct hl_swim_config *cfg, uint32_t n, uint64_t seed,
        const struct hl_sim_link *link, bool stall_timers_first, uint64_t *mesh_ns);
/** Wall-clock seconds since an arbitrary start (the host may read clocks; the cores may not). */
double exp_wall(void);

#endif
