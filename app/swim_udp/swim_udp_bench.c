/* swim_udp_bench.c — N SWIM members in one process over kernel UDP on 127.0.0.1: forms the mesh,
 * crashes one member, prints the mesh time and when the others mark it dead (first, p50, all),
 * so hyperline's SWIM can be compared side by side with other implementations on one machine. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hl_prng.h"
#include "swim_udp.h"

static int
cmp_d(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

static void
usage(const char *p)
{
	fprintf(stderr,
	        "usage: %s [--n N] [--preset lan|wan] [--probe-ms MS] [--timeout S] [--smoke]\n"
	        "  runs N members on 127.0.0.1 (kernel-chosen ports), crashes one, reports times\n",
	        p);
	exit(2);
}

int
main(int argc, char **argv)
{
	uint32_t n = 32;
	double timeout_s = 60;
	int probe_ms = 0;
	bool wan = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
			n = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc)
			wan = strcmp(argv[++i], "wan") == 0;
		else if (strcmp(argv[i], "--probe-ms") == 0 && i + 1 < argc)
			probe_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout_s = strtod(argv[++i], NULL);
		else if (strcmp(argv[i], "--smoke") == 0)
			n = 8;
		else
			usage(argv[0]);
	}
	if (n < 3 || n > 4096)
		usage(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	struct hl_swim_config cfg;
	if (wan)
		hl_swim_config_wan(&cfg);
	else
		hl_swim_config_lan(&cfg);
	if (probe_ms > 0) {
		cfg.probe_interval_ns = (uint64_t)probe_ms * 1000000ULL;
		if (cfg.probe_timeout_ns > cfg.probe_interval_ns / 2)
			cfg.probe_timeout_ns = cfg.probe_interval_ns / 2;
	}
	cfg.max_members = n + 8;
	struct swim_udp *m = calloc(n, sizeof(*m));
	struct pollfd *pf = calloc(n, sizeof(*pf));
	double *det = calloc(n, sizeof(double));
	if (m == NULL || pf == NULL || det == NULL)
		return 1;
	struct hl_prng rng;
	uint64_t seed = swim_udp_now();
	hl_prng_seed(&rng, seed);
	uint32_t lo = htonl(INADDR_LOOPBACK);
	for (uint32_t i = 0; i < n; i++) {
		int rc = swim_udp_open(&m[i], &cfg, lo, 0, 0, hl_prng_split(&rng));
		if (rc != 0) {
			fprintf(stderr, "member %u: open failed: %s\n", i, strerror(-rc));
			return 1;
		}
	}
	uint64_t t0 = swim_udp_now();
	for (uint32_t i = 1; i < n; i++) {
		struct hl_swim_addr seeds[2] = {m[0].addr, m[i - 1].addr};
		hl_swim_join(m[i].sw, t0, seeds, i > 1 ? 2 : 1);
	}
	uint32_t victim = 1 + (uint32_t)hl_prng_below(&rng, n - 1);
	uint64_t t_mesh = 0, t_crash = 0, deadline = t0 + (uint64_t)(timeout_s * 1e9);
	uint32_t seen = 0, false_dead = 0;
	for (;;) {
		uint64_t now = swim_udp_now();
		if (now >= deadline)
			break;
		uint64_t next = deadline;
		for (uint32_t i = 0; i < n; i++) {
			pf[i].fd = m[i].fd;
			pf[i].events = POLLIN;
			pf[i].revents = 0;
			if (m[i].sw != NULL) {
				uint64_t d = hl_swim_next_deadline(m[i].sw);
				if (d < next)
					next = d;
			}
		}
		struct timespec ts = {0, 0};
		if (next > now) {
			ts.tv_sec = (time_t)((next - now) / 1000000000ULL);
			ts.tv_nsec = (long)((next - now) % 1000000000ULL);
		}
		if (ppoll(pf, n, &ts, NULL) < 0 && errno != EINTR) {
			perror("ppoll");
			return 1;
		}
		now = swim_udp_now();
		for (uint32_t i = 0; i < n; i++) {
			if (m[i].sw == NULL)
				continue;
			if (pf[i].revents & POLLIN)
				swim_udp_read(&m[i], now);
			if (hl_swim_next_deadline(m[i].sw) <= now)
				hl_swim_tick(m[i].sw, now);
			swim_udp_flush(&m[i]);
			struct hl_swim_event ev;
			while (hl_swim_next_event(m[i].sw, &ev) == 1) {
				if (ev.type != HL_SWIM_EV_DEAD)
					continue;
				if (t_crash &&
				        memcmp(&ev.addr, &m[victim].addr, sizeof(ev.addr)) == 0)
					det[seen++] = (double)(now - t_crash) / 1e9;
				else
					false_dead++;
			}
		}
		if (t_mesh == 0) {
			bool full = true;
			for (uint32_t i = 0; i < n && full; i++)
				full = hl_swim_count(m[i].sw, HL_SWIM_ALIVE) == n &&
				       hl_swim_count(m[i].sw, HL_SWIM_SUSPECT) == 0;
			if (full) {
				t_mesh = now;
				/* Crash one member a second later: it stops reading and sending. */
				t_crash = 0;
			}
		} else if (t_crash == 0 && now >= t_mesh + 1000000000ULL) {
			swim_udp_close(&m[victim]);
			t_crash = swim_udp_now();
		} else if (t_crash && seen >= n - 1) {
			break;
		}
	}
	printf("# hyperline SWIM over kernel UDP, 127.0.0.1, one process, n=%u, preset %s, probe "
	       "%.0f ms, timeout %.0f ms\n",
	        n, wan ? "wan" : "lan", cfg.probe_interval_ns / 1e6, cfg.probe_timeout_ns / 1e6);
	if (t_mesh == 0) {
		uint32_t amin = n, s_tot = 0, d_tot = 0, lhm_max = 0;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t al = hl_swim_count(m[i].sw, HL_SWIM_ALIVE);
			amin = al < amin ? al : amin;
			s_tot += hl_swim_count(m[i].sw, HL_SWIM_SUSPECT);
			d_tot += hl_swim_count(m[i].sw, HL_SWIM_DEAD);
			lhm_max = hl_swim_lhm(m[i].sw) > lhm_max ? hl_swim_lhm(m[i].sw) : lhm_max;
		}
		printf("# no full mesh within %.0f s: fewest alive seen %u, suspect entries %u, "
		       "dead "
		       "entries %u, highest LHM %u (is the host loop keeping up?)\n",
		        timeout_s, amin, s_tot, d_tot, lhm_max);
		return 1;
	}
	qsort(det, seen, sizeof(double), cmp_d);
	double first = seen ? det[0] : -1, p50 = seen ? det[(seen - 1) / 2] : -1,
	       all = seen == n - 1 ? det[seen - 1] : -1;
	printf("%-6s %10s %10s %10s %10s %8s %11s\n", "n", "mesh_s", "first_s", "p50_s", "all_s",
	        "seen", "false_dead");
	printf("%-6u %10.3f %10.3f %10.3f %10.3f %8u %11u\n", n, (t_mesh - t0) / 1e9, first, p50,
	        all, seen, false_dead);
	uint64_t txe = 0, rxe = 0;
	for (uint32_t i = 0; i < n; i++) {
		txe += m[i].tx_errors;
		rxe += m[i].rx_errors;
		if (m[i].sw != NULL)
			swim_udp_close(&m[i]);
	}
	printf("# send errors %" PRIu64 ", undecodable datagrams %" PRIu64 "\n", txe, rxe);
	printf("RESULT P7-udp %.3f s\n", all);
	free(m);
	free(pf);
	free(det);
	return seen == n - 1 ? 0 : 1;
}
