/* jobs.c — job records on the control core and the all-in-one job path: a submitted job's
 * workflows run one at a time in dependency order; each run is built here (templates, lanes),
 * sent to dispatch, and its counters are read back when every lane reported DONE. Results stay
 * in the record until a client fetches them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>
#include <rte_udp.h>

#include "hl_err.h"
#include "hl_log.h"
#include "hl_sig.h"
#include "node.h"

struct hl_job hl_jobs[HL_NODE_MAX_JOBS];
uint64_t hl_jobs_submitted, hl_jobs_rejected, hl_jobs_evicted;
static uint64_t next_job_id = 1;
static uint32_t run_gen;
static struct hl_job *active; /* the job whose workflow is on the lanes (one at a time) */

static uint64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct hl_job *
hl_jobs_get(uint64_t id)
{
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++)
		if (hl_jobs[i].used && hl_jobs[i].id == id)
			return &hl_jobs[i];
	return NULL;
}

static bool
terminal(const struct hl_job *j)
{
	return j->state >= HL_JOB_COMPLETED;
}

static void
job_free(struct hl_job *j)
{
	free(j->result);
	memset(j, 0, sizeof(*j));
}

static struct hl_job *
slot_alloc(void)
{
	struct hl_job *oldest = NULL;
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
		if (!hl_jobs[i].used)
			return &hl_jobs[i];
		/* a finished job whose result was fetched may make room (oldest first) */
		if (terminal(&hl_jobs[i]) && hl_jobs[i].fetched &&
		        (oldest == NULL || hl_jobs[i].id < oldest->id))
			oldest = &hl_jobs[i];
	}
	if (oldest) {
		HL_LOG(HL_LOG_INFO, "jobs",
		        "job=%" PRIu64 " record freed (result fetched) to make "
		        "room",
		        oldest->id);
		hl_jobs_evicted++;
		job_free(oldest);
	}
	return oldest;
}

int
hl_jobs_submit(const char *ini, size_t len, uint64_t *id, char *err, size_t errlen)
{
	struct hl_node *n = &hl_node;
	struct hl_jobspec *js = malloc(sizeof(*js));
	int rc;
	if (js == NULL)
		return -ENOMEM;
	rc = hl_jobspec_parse(ini, len, "job profile", js, err, errlen);
	if (rc == 0 && !(n->prof.roles & HL_ROLE_WORKER)) {
		snprintf(err, errlen,
		        "node %s has no worker role: this build runs jobs only on an "
		        "all-in-one node",
		        n->prof.name);
		rc = -HL_E_UNSUPPORTED;
	}
	for (uint32_t i = 0; rc == 0 && i < js->n_streams; i++) {
		if (hl_port_find(js->streams[i].port) < 0) {
			char list[128] = "";
			for (uint32_t k = 0; k < n->n_ports; k++) {
				strncat(list, n->ports[k].cfg.name,
				        sizeof(list) - strlen(list) - 2);
				if (k + 1 < n->n_ports)
					strcat(list, ",");
			}
			snprintf(err, errlen,
			        "job profile: [stream.%s] port: test port '%s' does not exist on "
			        "node "
			        "%s (ports: %s)",
			        js->streams[i].name, js->streams[i].port, n->prof.name, list);
			rc = -ENODEV;
		}
	}
	struct hl_job *j = NULL;
	struct hl_cp_result *res = NULL;
	if (rc == 0 && (j = slot_alloc()) == NULL) {
		snprintf(err, errlen,
		        "job table full (%d records running, queued or holding unfetched results): "
		        "fetch results with 'hlctl results' to free records",
		        HL_NODE_MAX_JOBS);
		rc = -HL_E_FULL;
	}
	if (rc == 0 && (res = calloc(1, sizeof(*res))) == NULL)
		rc = -ENOMEM;
	if (rc != 0 || j == NULL) {
		rc = rc < 0 ? rc : -EINVAL;
		free(js);
		hl_jobs_rejected++;
		HL_LOG(HL_LOG_WARN, "jobs", "submit rejected: %s", err);
		return rc;
	}
	memset(j, 0, sizeof(*j));
	j->used = true;
	j->id = next_job_id++;
	j->state = HL_JOB_QUEUED;
	j->spec = *js;
	free(js);
	j->cur_wf = -1;
	j->submit_ns = now_ns();
	j->result = res;
	res->job_id = j->id;
	snprintf(res->name, sizeof(res->name), "%s", j->spec.name);
	j->prog.job_id = j->id;
	j->prog.wf_total = j->spec.n_wf;
	hl_jobs_submitted++;
	*id = j->id;
	HL_LOG(HL_LOG_INFO, "jobs", "job=%" PRIu64 " name=%s queued workflows=%u streams=%u", j->id,
	        j->spec.name, j->spec.n_wf, j->spec.n_streams);
	return 0;
}

int
hl_jobs_watch(struct hl_job *j, struct hl_conn *conn)
{
	for (uint32_t i = 0; i < j->n_watchers; i++)
		if (j->watchers[i] == conn)
			return 0;
	if (j->n_watchers == HL_JOB_MAX_WATCHERS)
		return -HL_E_FULL;
	j->watchers[j->n_watchers++] = conn;
	return 0;
}

void
hl_jobs_forget_conn(struct hl_conn *conn)
{
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
		struct hl_job *j = &hl_jobs[i];
		for (uint32_t k = 0; k < j->n_watchers;) {
			if (j->watchers[k] == conn)
				j->watchers[k] = j->watchers[--j->n_watchers];
			else
				k++;
		}
	}
}

static void
build_template(struct hl_run_stream *rs, const struct hl_js_stream *js)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)rs->tmpl;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	static const struct rte_ether_addr src = {{0x02, 0, 0, 0, 0, 0x01}};
	static const struct rte_ether_addr dst = {{0x02, 0, 0, 0, 0, 0x02}};

	memset(rs->tmpl, 0, sizeof(rs->tmpl));
	rte_ether_addr_copy(&src, &eth->src_addr);
	rte_ether_addr_copy(&dst, &eth->dst_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(rs->frame_len - sizeof(*eth)));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(js->src_ip);
	ip->dst_addr = rte_cpu_to_be_32(js->dst_ip);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = rte_cpu_to_be_16(js->src_port);
	udp->dst_port = rte_cpu_to_be_16(js->dst_port);
	udp->dgram_len = rte_cpu_to_be_16(
	        (uint16_t)(rs->frame_len - sizeof(*eth) - sizeof(*ip))); /* checksum 0: none */
	rs->hdr_len = (uint32_t)(sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + HL_SIG_LEN);
}

static int
start_wf(struct hl_job *j, int wf)
{
	struct hl_node *n = &hl_node;
	const struct hl_js_workflow *w = &j->spec.wf[wf];
	struct hl_run *r = rte_zmalloc("hl_run", sizeof(*r), 64);
	if (r == NULL)
		return -ENOMEM;
	uint64_t hz = rte_get_tsc_hz();
	run_gen = (run_gen + 1) & 0xfff;
	r->job_id = j->id;
	r->wf_idx = (uint32_t)wf;
	r->n_streams = w->n_streams;
	r->duration_tsc = w->duration_ms * hz / 1000;
	for (uint32_t k = 0; k < w->n_streams; k++) {
		const struct hl_js_stream *js = &j->spec.streams[w->streams[k]];
		struct hl_run_stream *rs = &r->st[k];
		rs->js_idx = w->streams[k];
		rs->sig_id = (uint16_t)((run_gen << 4) | k);
		rs->port_id = n->ports[hl_port_find(js->port)].port_id;
		rs->lane = (uint16_t)(k % n->prof.n_traffic);
		rs->pps = js->rate_pps;
		rs->max_pkts = js->count;
		rs->frame_len = js->size - 4;
		rs->sport_base = js->src_port;
		rs->sport_span = js->src_port_count;
		build_template(rs, js);
		hl_hist_reset(&rs->lat);
		r->lanes_mask |= 1u << rs->lane;
	}
	struct hl_msg m = {.kind = HL_MSG_RUN, .run = r};
	r->start_tsc = rte_rdtsc();
	if (rte_ring_sp_enqueue_elem(n->ctl_to_disp, &m, sizeof(m)) != 0) {
		rte_free(r);
		return -ENOBUFS;
	}
	j->run = r;
	j->cur_wf = wf;
	j->wf_state[wf] = HL_WF_RUNNING;
	j->last_tx = 0;
	j->last_win_tsc = r->start_tsc;
	snprintf(j->prog.workflow, sizeof(j->prog.workflow), "%s", w->name);
	HL_LOG(HL_LOG_INFO, "jobs", "job=%" PRIu64 " workflow=%s started streams=%u lanes=0x%x",
	        j->id, w->name, w->n_streams, r->lanes_mask);
	return 0;
}

static void
port_snapshot(struct hl_job *j, bool base)
{
	struct hl_cp_result *res = j->result;
	for (uint32_t p = 0; p < hl_node.n_ports && p < HL_CPROTO_MAX_PORTS; p++) {
		struct rte_eth_stats st;
		if (rte_eth_stats_get(hl_node.ports[p].port_id, &st) != 0)
			memset(&st, 0, sizeof(st));
		if (base) {
			j->port_base_o[p] = st.opackets;
			j->port_base_i[p] = st.ipackets;
			j->port_base_oe[p] = st.oerrors;
			j->port_base_im[p] = st.imissed;
			continue;
		}
		struct hl_cp_port_counters *pc = &res->ports[p];
		snprintf(pc->name, sizeof(pc->name), "%s", hl_node.ports[p].cfg.name);
		pc->opackets = st.opackets - j->port_base_o[p];
		pc->ipackets = st.ipackets - j->port_base_i[p];
		pc->oerrors = st.oerrors - j->port_base_oe[p];
		pc->imissed = st.imissed - j->port_base_im[p];
		res->n_ports = p + 1;
	}
}

static void
finalize(struct hl_job *j, uint32_t state, const char *why)
{
	j->state = state;
	j->end_ns = now_ns();
	if (why)
		snprintf(j->result->error, sizeof(j->result->error), "%s", why);
	j->result->state = state;
	if (j->start_ns)
		port_snapshot(j, false);
	j->prog.state = state;
	j->prog.wf_done = j->wf_done;
	j->prog.elapsed_ms = j->start_ns ? (j->end_ns - j->start_ns) / 1000000 : 0;
	j->prog.tx_pps = 0;
	j->prog_dirty = true;
	if (active == j)
		active = NULL;
	HL_LOG(HL_LOG_INFO, "jobs", "job=%" PRIu64 " %s%s%s", j->id, hl_job_state_name(state),
	        why ? ": " : "", why ? why : "");
	hl_control_push_progress(j);
}

static void
finish_run(struct hl_job *j)
{
	struct hl_run *r = j->run;
	const struct hl_js_workflow *w = &j->spec.wf[r->wf_idx];
	double ns_per_tsc = 1e9 / (double)rte_get_tsc_hz();
	struct hl_cp_result *res = j->result;
	for (uint32_t k = 0; k < r->n_streams; k++) {
		struct hl_run_stream *s = &r->st[k];
		if (res->n_streams == HL_CPROTO_MAX_STREAMS) {
			HL_LOG(HL_LOG_WARN, "jobs",
			        "job=%" PRIu64 " result holds %d streams; stream "
			        "%s of workflow %s not recorded",
			        j->id, HL_CPROTO_MAX_STREAMS, j->spec.streams[s->js_idx].name,
			        w->name);
			break;
		}
		struct hl_cp_stream_result *o = &res->streams[res->n_streams++];
		memset(o, 0, sizeof(*o));
		snprintf(o->workflow, sizeof(o->workflow), "%s", w->name);
		snprintf(o->stream, sizeof(o->stream), "%s", j->spec.streams[s->js_idx].name);
		o->tx_pkts = s->tx_pkts;
		o->tx_bytes = s->tx_bytes;
		o->rx_pkts = s->rx_pkts;
		o->rx_bytes = s->rx_bytes;
		o->req_pps = s->pps;
		double dur = (double)(s->last_tx_tsc - s->start_tsc) * ns_per_tsc;
		o->duration_ns = (uint64_t)dur;
		/* n packets span n-1 inter-packet gaps */
		o->ach_pps = (s->tx_pkts > 1 && dur > 0) ? (double)(s->tx_pkts - 1) * 1e9 / dur : 0;
		o->lost = s->tx_pkts > s->rx_pkts ? s->tx_pkts - s->rx_pkts : 0;
		o->duplicates = s->rx_pkts > s->tx_pkts ? s->rx_pkts - s->tx_pkts : 0;
		o->reordered = s->reordered;
		o->p50_ns = hl_hist_percentile(&s->lat, 50);
		o->p90_ns = hl_hist_percentile(&s->lat, 90);
		o->p99_ns = hl_hist_percentile(&s->lat, 99);
		o->p999_ns = hl_hist_percentile(&s->lat, 99.9);
		o->max_ns = s->lat.count ? s->lat.max : 0;
		o->jitter_ns = (uint64_t)s->jitter_ns;
		if (s->tx_dropped || s->alloc_fail)
			HL_LOG(HL_LOG_WARN, "jobs",
			        "job=%" PRIu64 " workflow=%s stream=%s: %" PRIu64
			        " packets not taken by "
			        "the TX queue, %" PRIu64 " bursts found the mbuf pool empty",
			        j->id, w->name, o->stream, s->tx_dropped, s->alloc_fail);
		j->done_tx += s->tx_pkts;
		j->done_rx += s->rx_pkts;
		j->done_lost += o->lost;
	}
	uint64_t foreign = 0;
	for (int l = 0; l < HL_NODE_MAX_TRAFFIC; l++)
		foreign += r->rx_foreign[l];
	if (foreign)
		HL_LOG(HL_LOG_WARN, "jobs",
		        "job=%" PRIu64 " workflow=%s: %" PRIu64 " received "
		        "packets carried no signature of this run",
		        j->id, w->name, foreign);
	j->wf_state[r->wf_idx] = HL_WF_DONE;
	j->wf_done++;
	j->prog.wf_done = j->wf_done;
	j->prog.tx_pkts = j->done_tx;
	j->prog.rx_pkts = j->done_rx;
	j->prog.lost = j->done_lost;
	j->prog_dirty = true;
	HL_LOG(HL_LOG_INFO, "jobs", "job=%" PRIu64 " workflow=%s done", j->id, w->name);
	rte_free(r);
	j->run = NULL;
	j->cur_wf = -1;
	if (j->timed_out)
		finalize(j, HL_JOB_FAILED, "timeout: job ran longer than its timeout_ms");
	else if (j->cancel_req)
		finalize(j, HL_JOB_CANCELLED, "cancelled by a client");
	else if (j->wf_done == j->spec.n_wf)
		finalize(j, HL_JOB_COMPLETED, NULL);
}

int
hl_jobs_cancel(uint64_t id)
{
	struct hl_job *j = hl_jobs_get(id);
	if (j == NULL)
		return -HL_E_NOT_FOUND;
	if (terminal(j))
		return -EALREADY;
	j->cancel_req = true;
	if (j->run)
		__atomic_store_n(&j->run->cancel, 1, __ATOMIC_RELAXED);
	else
		finalize(j, HL_JOB_CANCELLED, "cancelled by a client");
	return 0;
}

static void
on_msg(const struct hl_msg *m)
{
	struct hl_job *j = hl_jobs_get(m->run->job_id);
	if (j == NULL || j->run != m->run) {
		HL_LOG(HL_LOG_ERR, "jobs", "ring message for unknown run job=%" PRIu64,
		        m->run->job_id);
		return;
	}
	if (m->kind == HL_MSG_WINDOW) {
		uint64_t dt = m->tsc - j->last_win_tsc;
		if (dt > 0 && m->tx_pkts >= j->last_tx)
			j->prog.tx_pps = (double)(m->tx_pkts - j->last_tx) *
			                 (double)rte_get_tsc_hz() / (double)dt;
		j->last_tx = m->tx_pkts;
		j->last_win_tsc = m->tsc;
		j->prog.tx_pkts = j->done_tx + m->tx_pkts;
		j->prog.rx_pkts = j->done_rx + m->rx_pkts;
		j->prog.lost = j->done_lost + m->lost;
		j->prog.p99_ns = m->p99_ns;
		j->prog.elapsed_ms = (now_ns() - j->start_ns) / 1000000;
		j->prog_dirty = true;
	} else if (m->kind == HL_MSG_DONE) {
		j->run->lanes_done++;
		if (j->run->lanes_done == (uint32_t)__builtin_popcount(j->run->lanes_mask))
			finish_run(j);
	}
}

static int
next_ready_wf(const struct hl_job *j)
{
	for (uint32_t k = 0; k < j->spec.n_wf; k++) {
		int w = j->spec.order[k];
		if (j->wf_state[w] != HL_WF_PENDING)
			continue;
		bool ready = true;
		for (uint32_t d = 0; d < j->spec.wf[w].n_deps; d++)
			if (j->wf_state[j->spec.wf[w].deps[d]] != HL_WF_DONE)
				ready = false;
		if (ready)
			return w;
	}
	return -1;
}

void
hl_jobs_tick(void)
{
	struct hl_msg m;
	for (int k = 0; k < 256; k++) {
		if (rte_ring_sc_dequeue_elem(hl_node.prog_to_ctl, &m, sizeof(m)) != 0)
			break;
		on_msg(&m);
	}
	if (active && active->run && !active->timed_out &&
	        now_ns() - active->start_ns > active->spec.timeout_ms * 1000000ull) {
		active->timed_out = true;
		__atomic_store_n(&active->run->cancel, 1, __ATOMIC_RELAXED);
	}
	if (active == NULL) {
		for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
			struct hl_job *j = &hl_jobs[i];
			if (j->used && j->state == HL_JOB_QUEUED &&
			        (active == NULL || j->id < active->id))
				active = j;
		}
		if (active) {
			active->state = HL_JOB_RUNNING;
			active->prog.state = HL_JOB_RUNNING;
			active->start_ns = now_ns();
			port_snapshot(active, true);
		}
	}
	if (active && active->run == NULL && !terminal(active)) {
		int w = next_ready_wf(active);
		if (w < 0) {
			finalize(active, HL_JOB_FAILED, "no runnable workflow (dependency state)");
		} else {
			int rc = start_wf(active, w);
			if (rc < 0) {
				char why[128];
				snprintf(why, sizeof(why), "workflow %s could not start: %s",
				        active->spec.wf[w].name, hl_strerror(rc));
				finalize(active, HL_JOB_FAILED, why);
			}
		}
	}
}

bool
hl_jobs_shutdown(void)
{
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
		struct hl_job *j = &hl_jobs[i];
		if (j->used && !terminal(j)) {
			j->cancel_req = true;
			if (j->run)
				__atomic_store_n(&j->run->cancel, 1, __ATOMIC_RELAXED);
			else
				finalize(j, HL_JOB_CANCELLED, "node shutting down");
		}
	}
	hl_jobs_tick();
	return active != NULL && active->run != NULL;
}

void
hl_jobs_count(uint64_t counts[5])
{
	memset(counts, 0, 5 * sizeof(counts[0]));
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++)
		if (hl_jobs[i].used && hl_jobs[i].state < 5)
			counts[hl_jobs[i].state]++;
}
