/* exp_p6.c — simulator experiment P6: end-to-end progress latency, from a worker's progress
 * sample (its window close) to the client's application receiving a progress update that
 * includes it. The same path as the cluster's (tests/cluster/dc_test.py progress): worker ->
 * job-leader manager (hl_dc progress, DC_PROGRESS at most every 100 ms on change) -> gate job
 * leader (merged, pushed every 250 ms) -> client (hl_gclient). Three gates, one real DC of three
 * managers (coord_world) with 1 or 16 workers; jobs of two 4 s workflows (the second after the
 * first), all submitted at once; worker window 500 ms; no loss.
 *
 * A sample's latency: the first client update of its job whose ppm is at least the job's
 * progress the sample makes (finished workflow whole + the running one at the sample), minus
 * the sample's time. Samples that no update ever covers (the job finished first) are not
 * counted. Caveat: the gate world ticks its gates every 100 ms (the node: 20 ms), so a push
 * batch waits up to 300 ms here.
 *
 * Usage: exp_p6 [--smoke]. Prints a table; the last line is the RESULT line (performance.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coord_world.h"
#include "gate_world.h"

#define S GW_S
#define MS GW_MS
#define MAX_JOBS 64
#define MAX_SAMPLES 64 /* per job: 8 s of 500 ms windows is 16 */
#define WINDOW_MS 500
#define BATCH_MS 250

static struct gw_world W;

static struct {
	uint64_t t[MAX_JOBS + 1][MAX_SAMPLES];
	uint32_t ppm[MAX_JOBS + 1][MAX_SAMPLES];
	uint32_t n[MAX_JOBS + 1], next[MAX_JOBS + 1];
	double lat_ms[MAX_JOBS * MAX_SAMPLES];
	uint32_t nlat;
	uint64_t dropped; /* samples beyond MAX_SAMPLES */
} P;

static void
on_sample(void *arg, uint64_t job, uint64_t t_ns, uint32_t ppm)
{
	(void)arg;
	if (job == 0 || job > MAX_JOBS)
		return;
	if (P.n[job] == MAX_SAMPLES) {
		P.dropped++;
		return;
	}
	P.t[job][P.n[job]] = t_ns;
	P.ppm[job][P.n[job]++] = ppm;
}

static void
on_progress(void *arg, uint64_t job, uint32_t ppm, uint64_t t_ns)
{
	(void)arg;
	if (job == 0 || job > MAX_JOBS)
		return;
	while (P.next[job] < P.n[job] && P.ppm[job][P.next[job]] <= ppm) {
		P.lat_ms[P.nlat++] = (double)(t_ns - P.t[job][P.next[job]]) / 1e6;
		P.next[job]++;
	}
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(double q)
{
	uint32_t i = (uint32_t)(q * P.nlat);

	return P.lat_ms[i < P.nlat ? i : P.nlat - 1];
}

/* One run: njobs jobs through 3 gates into a DC with `workers` workers. Returns p99 (ms), or a
 * negative value if the run failed. */
static double
run(int workers, int njobs, uint64_t wf_ns, uint64_t seed)
{
	struct gw_opts o;

	memset(&P, 0, sizeof(P));
	gw_opts_default(&o);
	o.seed = seed;
	o.ngates = 3;
	o.ndcs = 1;
	o.nclients = 1;
	o.loss = 0;
	o.dup = 0;
	o.real_dc = true;
	o.dc_workers = workers;
	if (gw_init(&W, &o) < 0) {
		fprintf(stderr, "exp_p6: world init failed\n");
		return -1;
	}
	W.on_progress = on_progress;
	W.cw->on_sample = on_sample;
	W.cw->wf_duration_ns = wf_ns;
	W.cw->progress_ns = WINDOW_MS * MS;
	if (gw_run(&W, 20 * S, false) != 0 || gw_tier_leader(&W) < 0) {
		fprintf(stderr, "exp_p6: no gate tier leader: %s\n", W.why);
		gw_fini(&W);
		return -1;
	}
	for (int j = 1; j <= njobs; j++)
		if (gw_submit(&W, 0, (uint64_t)j, 1) != 0) {
			fprintf(stderr, "exp_p6: submit %d refused\n", j);
			gw_fini(&W);
			return -1;
		}
	int rc = gw_run(&W, 600 * S, true);
	uint64_t samples = 0;
	for (int j = 1; j <= njobs; j++)
		samples += P.n[j];
	gw_fini(&W);
	if (rc != 0 || P.nlat == 0) {
		fprintf(stderr, "exp_p6: run failed (rc %d, %u latencies): %s\n", rc, P.nlat,
		        W.why);
		return -1;
	}
	qsort(P.lat_ms, P.nlat, sizeof(P.lat_ms[0]), cmp_d);
	printf("%8d %5d %8llu %8u %8.0f %8.0f %8.0f %8.0f\n", workers, njobs,
	        (unsigned long long)samples, P.nlat, pct(0.5), pct(0.9), pct(0.99),
	        P.lat_ms[P.nlat - 1]);
	return pct(0.99);
}

int
main(int argc, char **argv)
{
	bool smoke = argc > 1 && strcmp(argv[1], "--smoke") == 0;
	uint64_t wf_ns = smoke ? 1 * S : 4 * S;

	printf("P6 (sim): worker sample -> client update; 3 gates, DC of 3 managers, jobs of two "
	       "%.0f s workflows; window %d ms, gate batch %d ms\n",
	        (double)wf_ns / 1e9, WINDOW_MS, BATCH_MS);
	printf("%8s %5s %8s %8s %8s %8s %8s %8s\n", "workers", "jobs", "samples", "covered",
	        "p50 ms", "p90 ms", "p99 ms", "max ms");
	double p1 = run(1, smoke ? 2 : 4, wf_ns, 11);
	double p16 = run(16, smoke ? 8 : 32, wf_ns, 12);
	if (p1 < 0 || p16 < 0)
		return 1;
	printf("RESULT P6-sim %.0f ms p99 (1 worker) %.0f ms p99 (16 workers) ref %d ms "
	       "(2 x window %d + batch %d)\n",
	        p1, p16, 2 * WINDOW_MS + BATCH_MS, WINDOW_MS, BATCH_MS);
	return 0;
}
