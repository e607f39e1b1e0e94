/* exp_util.c — shared helpers of the SWIM simulator experiments. */
#include "exp_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void
exp_parse(int argc, char **argv, struct exp_args *a, uint64_t fallback_seed)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--smoke") == 0) {
			a->smoke = true;
		} else if (strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
			a->n = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--trials") == 0 && i + 1 < argc) {
			a->trials = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--hours") == 0 && i + 1 < argc) {
			a->hours = strtod(argv[++i], NULL);
		} else {
			fprintf(stderr,
			        "usage: %s [--smoke] [--n N] [--trials N] [--hours H]\n"
			        "  seed: SIM_SEED=<n> (printed on every run)\n",
			        argv[0]);
			exit(2);
		}
	}
	a->seed = hl_sim_seed_from_env(fallback_seed);
	printf("# seed SIM_SEED=0x%016" PRIx64 "\n", a->seed);
}

static int
cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

double
exp_pct(double *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_d);
	/* Nearest rank. */
	size_t r = (size_t)((p / 100.0) * (double)n + 0.999999);
	if (r == 0)
		r = 1;
	if (r > n)
		r = n;
	return v[r - 1];
}

double
exp_wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct swim_cluster *
exp_cluster(const struct hl_swim_config *cfg, uint32_t n, uint64_t seed,
        const struct hl_sim_link *link, bool stall_timers_first, uint64_t *mesh_ns)
{
	struct swim_cluster_params p = {.n = n,
	        .seed = seed,
	        .swim = *cfg,
	        .quiet = true,
	        .stall_timers_first = stall_timers_first};
	if (link != NULL)
		p.link = *link;
	struct swim_cluster *c = swim_cluster_create(&p);
	if (c == NULL) {
		fprintf(stderr, "cluster of %u: out of memory\n", n);
		return NULL;
	}
	if (swim_cluster_join_all(c) != 0 || swim_cluster_run_until_mesh(c, 600 * HL_SIM_S) != 0) {
		fprintf(stderr, "cluster of %u did not reach full mesh in 600 virtual s\n", n);
		swim_cluster_destroy(c);
		return NULL;
	}
	*mesh_ns = hl_sim_now(swim_cluster_sim(c));
	return c;
}
