/* demo.c — `hyperline --demo`: the built-in job, run through the same client path as hlctl
 * (TCP to this node's client API), with live progress and the final result checked against the
 * test port's own counters. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hl_client.h"
#include "hl_report.h"
#include "node.h"

const char hl_demo_job[] = "; built-in demo job (docs/profiles.md format): a warm-up, then two\n"
                           "; streams at once, every packet signed so loss is exact\n"
                           "[job]\n"
                           "name = demo\n"
                           "timeout = 30s\n"
                           "[workflow warmup]\n"
                           "streams = probe\n"
                           "duration = 300ms\n"
                           "[workflow main]\n"
                           "streams = small, large\n"
                           "depends_on = warmup\n"
                           "duration = 1500ms\n"
                           "[stream probe]\n"
                           "size = 64\n"
                           "rate = 10kpps\n"
                           "signature = all\n"
                           "[stream small]\n"
                           "size = 64\n"
                           "rate = 200kpps\n"
                           "vary.src_port = inc 1024-1087\n"
                           "signature = all\n"
                           "[stream large]\n"
                           "size = 1024\n"
                           "rate = 50kpps\n"
                           "signature = all\n";

static void
show(const struct hl_cp_progress *p, void *arg)
{
	(void)arg;
	hl_report_progress(stdout, p, false);
}

int
hl_demo_client(const char *addr)
{
	struct hl_client c;
	char err[512];
	uint64_t id;
	uint32_t state;
	static struct hl_cp_result r;
	int rc;

	if (hl_client_connect(&c, addr, hl_node.prof.cluster_id, 5000, err, sizeof(err)) < 0) {
		fprintf(stderr, "demo: %s\n", err);
		return 3;
	}
	printf("demo: submitting the built-in job to %s\n", addr);
	if ((rc = hl_client_submit(&c, hl_demo_job, strlen(hl_demo_job), &id, show, NULL, err,
	             sizeof(err))) < 0 ||
	        (rc = hl_client_wait(&c, id, show, NULL, &state, err, sizeof(err))) < 0 ||
	        (rc = hl_client_result(&c, id, &r, err, sizeof(err))) < 0) {
		fprintf(stderr, "demo: %s\n", err);
		hl_client_close(&c);
		return 4;
	}
	hl_client_close(&c);
	printf("\n");
	hl_report_table(stdout, &r);
	bool match = hl_report_check_ports(stdout, &r);
	bool ok = r.state == HL_JOB_COMPLETED && match && r.n_streams == 3;
	for (uint32_t i = 0; i < r.n_streams; i++)
		ok = ok && r.streams[i].tx_pkts > 0 && r.streams[i].rx_pkts == r.streams[i].tx_pkts;
	printf("demo: %s\n", ok ? "OK — every packet sent came back and the counts match the "
	                          "port counters"
	                        : "FAILED — see the table above");
	fflush(stdout);
	return ok ? 0 : 1;
}
