/* gen_client_corpus.c — writes fuzz_client's seed corpus: every client message as a valid
 * prefixed frame (first byte: the fuzzer's feed chunk, high bit: fix-up), a stream of frames
 * fed byte by byte, a frame of another cluster and an over-limit length prefix.
 * usage: gen_client_corpus DIR */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_client_msg.h"

static union hl_cp_msg m;
static uint8_t out[1u << 20];
static size_t out_len;
static const char *dir;

static void
add(const struct hl_frame_cfg *cfg, unsigned type, const void *msg)
{
	size_t n;
	struct hl_wire_err we;
	if (hl_cp_frame(cfg, type, msg, out + out_len, sizeof(out) - out_len, &n, &we) < 0) {
		fprintf(stderr, "gen_client_corpus: %s does not encode\n", hl_msg_name(type));
		exit(1);
	}
	out_len += n;
}

static void
emit(const char *name, uint8_t chunk)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(&chunk, 1, 1, f) != 1 || fwrite(out, 1, out_len, f) != out_len ||
	        fclose(f) != 0) {
		fprintf(stderr, "gen_client_corpus: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	out_len = 0;
}

static const char spec[] = "[job]\nname = seed\n[workflow a]\nstreams = s\nduration = 10ms\n"
                           "[stream s]\nsize = 64\nrate = 1kpps\n";

int
main(int argc, char **argv)
{
	struct hl_frame_cfg cfg, other;
	if (argc != 2) {
		fprintf(stderr, "usage: gen_client_corpus DIR\n");
		return 2;
	}
	dir = argv[1];
	hl_frame_cfg_init(&cfg, hl_frame_cluster_hash(HL_CP_DEFAULT_CLUSTER), HL_PLANE_SLOW);
	hl_frame_cfg_init(&other, hl_frame_cluster_hash("another-cluster"), HL_PLANE_SLOW);

	memset(&m, 0, sizeof(m));
	m.job_submit.spec.p = (const uint8_t *)spec;
	m.job_submit.spec.len = sizeof(spec) - 1;
	snprintf(m.job_submit.idem_key, sizeof(m.job_submit.idem_key), "hlctl-1-2.3");
	add(&cfg, HL_MSG_job_submit, &m);
	emit("job_submit", 255);
	add(&other, HL_MSG_job_submit, &m);
	emit("wrong_cluster", 255);

	memset(&m, 0, sizeof(m));
	m.job_ack.job_id = 1795434640000;
	m.job_ack.accepted = true;
	add(&cfg, HL_MSG_job_ack, &m);
	emit("job_ack", 255);

	struct hl_cp_progress p = {.job_id = 7,
	        .seq = 3,
	        .state = HL_JOB_RUNNING,
	        .wf_done = 1,
	        .wf_total = 2,
	        .workflow = "load",
	        .elapsed_ms = 1200,
	        .tx_pkts = 1000,
	        .rx_pkts = 998,
	        .lost = 2,
	        .tx_pps = 1e5,
	        .p99_ns = 25000};
	hl_cp_progress_to_msg(&p, "dc1", &m.status_push);
	add(&cfg, HL_MSG_status_push, &m);
	emit("status_push", 255);

	static struct hl_cp_result r;
	r.job_id = 7;
	r.state = HL_JOB_COMPLETED;
	snprintf(r.name, sizeof(r.name), "seed");
	r.wf_done = r.wf_total = 2;
	r.n_streams = 3;
	r.n_ports = 2;
	for (uint32_t i = 0; i < r.n_streams; i++) {
		struct hl_cp_stream_result *s = &r.streams[i];
		snprintf(s->workflow, sizeof(s->workflow), "wf%u", i);
		snprintf(s->stream, sizeof(s->stream), "s%u", i);
		s->tx_pkts = s->rx_pkts = 1000 + i;
		s->tx_bytes = s->rx_bytes = 64000 + i;
		s->req_pps = s->ach_pps = 1000;
		s->p50_ns = 100, s->p90_ns = 200, s->p99_ns = 300, s->p999_ns = 400;
		s->max_ns = 500, s->jitter_ns = 10, s->duration_ns = 1000000, s->sig = 2;
	}
	for (uint32_t i = 0; i < r.n_ports; i++) {
		snprintf(r.ports[i].name, sizeof(r.ports[i].name), "test%u", i);
		r.ports[i].opackets = r.ports[i].ipackets = 3003;
	}
	hl_cp_result_to_msg(&r, "dc1", &m.job_result);
	add(&cfg, HL_MSG_job_result, &m);
	emit("job_result", 255);

	static struct hl_cp_status st;
	st.n = 3;
	for (uint32_t i = 0; i < st.n; i++) {
		st.jobs[i].job_id = 10 + i;
		st.jobs[i].state = i;
		st.jobs[i].wf_total = 2;
		snprintf(st.jobs[i].name, sizeof(st.jobs[i].name), "job%u", i);
	}
	hl_cp_status_to_msg(&st, 0, &m.job_status);
	add(&cfg, HL_MSG_job_status, &m);
	emit("job_status", 255);

	static struct hl_cp_nodes nd;
	nd.n = 2;
	snprintf(nd.nodes[0].name, sizeof(nd.nodes[0].name), "n1");
	snprintf(nd.nodes[0].roles, sizeof(nd.nodes[0].roles), "gate,manager,worker");
	snprintf(nd.nodes[0].state, sizeof(nd.nodes[0].state), "alive");
	snprintf(nd.nodes[1].name, sizeof(nd.nodes[1].name), "127.0.0.1:7946");
	snprintf(nd.nodes[1].roles, sizeof(nd.nodes[1].roles), "worker");
	snprintf(nd.nodes[1].state, sizeof(nd.nodes[1].state), "suspect");
	hl_cp_nodes_to_msg(&nd, &m.nodes_reply);
	add(&cfg, HL_MSG_nodes_reply, &m);
	emit("nodes_reply", 255);

	char text[300];
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	hl_cp_error_fill(&m.error, -EBUSY, 7, text);
	add(&cfg, HL_MSG_error, &m);
	emit("error", 255);

	memset(&m, 0, sizeof(m));
	m.job_cancel_reply.job_id = 7;
	m.job_cancel_reply.code = EALREADY;
	m.job_cancel_reply.already_done = true;
	add(&cfg, HL_MSG_job_cancel_reply, &m);
	emit("job_cancel_reply", 255);

	/* every request on one connection, fed one byte at a time */
	memset(&m, 0, sizeof(m));
	m.register_callback.job_id = 7;
	add(&cfg, HL_MSG_register_callback, &m);
	add(&cfg, HL_MSG_job_status_query, &m);
	add(&cfg, HL_MSG_job_result_query, &m);
	add(&cfg, HL_MSG_job_cancel, &m);
	memset(&m, 0, sizeof(m));
	add(&cfg, HL_MSG_nodes_query, &m);
	emit("requests_bytewise", 0);

	hl_frame_prefix(out, HL_CP_MAX_FRAME + 1);
	out_len = HL_FRAME_PREFIX;
	emit("oversize_prefix", 255);
	return 0;
}
