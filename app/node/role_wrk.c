/* role_wrk.c — the worker role (roles.h): hosts hl_dc_wnode with host_runs set, so a slice ends
 * when its traffic really ended. Each accepted dispatch gives one START: the slice's workflow
 * profile (carried in the dispatch) becomes a local job on this node's lanes (jobs.c, the same
 * path as an all-in-one job); its end (completed, failed, timed out) is reported to the core,
 * which holds the result until the job leader acks it. A STOP (cancel) cancels the local job and
 * reports nothing. Progress goes to the job leader every 500 ms (elapsed milliseconds: the job
 * leader's work units).
 *
 * A finished slice's per-stream rows (rows.h) are kept in the rows store and sent just before
 * each send of its result, on the same link, until the job leader acks the result. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_client_msg.h"
#include "hl_err.h"
#include "hl_job_profile.h"
#include "hl_log.h"
#include "hl_manager_wire.h"
#include "roles.h"
#include "rows.h"

_Static_assert(HL_ROWS_WF_STREAMS == HL_JOB_MAX_WF_STREAMS &&
                       HL_ROWS_MAX_IDS == HL_JOB_MAX_WORKFLOWS * HL_JOB_MAX_WF_STREAMS,
        "a row's stream id is workflow * HL_JOB_MAX_WF_STREAMS + its place");

#define PROGRESS_NS 500000000ull

struct slice {
	bool used;
	bool stopping; /* reported, its local job ended, its lanes still draining: freed then */
	uint64_t job;
	uint32_t sub, workflow;
	uint64_t local; /* job id in jobs.c */
	uint64_t start_ns;
};

static struct hl_dc_wnode wn;
static bool on;
/* The core holds at most HL_DC_MAX_HELD slices; a stopped slice stays here until its local
 * job has really ended (its lanes drained), beside the ones the core holds again: twice. */
#define MAX_SLICES (2 * HL_DC_MAX_HELD)
static struct slice slices[MAX_SLICES];
static uint64_t next_progress;
/* the dispatch being delivered: its profile, for the START it produces */
static const struct hl_dc_msg *cur_dispatch;
static const uint8_t *cur_spec;
static size_t cur_spec_len;
static struct {
	uint64_t recv, recv_err, encode_err, started, start_failed, no_profile, finished_ok;
	uint64_t finished_failed, finished_cancelled, stopped, stop_freed, slice_tx, slice_rx;
	uint64_t slice_lost;
	uint64_t leader_changes, rows_err;
} ctr;

static uint64_t
rows_key(uint32_t workflow, uint32_t sub)
{
	return (uint64_t)workflow << 32 | sub;
}

static void
send_dc(const struct hl_dc_msg *d)
{
	static struct hl_mmsg m;
	uint8_t buf[2048];
	struct hl_wire_err we;
	unsigned type;
	size_t len;
	memset(&m, 0, sizeof(m));
	m.kind = HL_MM_DC;
	m.from = d->from;
	m.to = d->to;
	m.u.d = *d;
	int rc = hl_manager_wire_encode(&m, NULL, 0, &type, buf, sizeof(buf), &len, &we);
	if (rc < 0) {
		ctr.encode_err++;
		HL_LOG(HL_LOG_ERR, "roles", "worker: encode kind=%u job=%" PRIu64 ": %s", d->kind,
		        d->job, hl_errname(rc));
		return;
	}
	if (d->kind == HL_DC_RESULT) { /* its rows first, on the same link */
		const struct hl_rows *st = hl_roles_rows();
		const struct hl_rows_ent *e =
		        st ? hl_rows_get(st, d->job, HL_ROWS_SLICE, rows_key(d->workflow, d->sub))
		           : NULL;
		if (e != NULL)
			(void)hl_roles_rows_send(d->to, e->blob, e->len);
	}
	(void)hl_roles_send(d->to, type, buf, len, "worker");
}

/* The rows of a finished slice: one per stream, its id workflow * 16 + its place. */
static void
keep_rows(const struct slice *s, const struct hl_job *j, uint8_t status)
{
	static struct hl_msg_stream_rows m;
	static uint8_t buf[HL_JOB_MAX_WF_STREAMS * (HL_HIST_WIRE_MAX + 256) + 256];
	const struct hl_cp_result *res = j->result;
	struct hl_wire_err we;
	size_t len;
	memset(&m, 0, sizeof(m));
	m.job_id = s->job;
	m.kind = HL_ROWS_SLICE;
	m.node = hl_node.prof.node_id;
	m.workflow_id = s->workflow;
	m.sub_id = s->sub;
	m.status = status;
	snprintf(m.dc, sizeof(m.dc), "%.*s", (int)sizeof(m.dc) - 1, hl_node.prof.dc);
	for (uint32_t k = 0; k < res->n_streams && k < HL_JOB_MAX_WF_STREAMS; k++)
		hl_cp_stream_to_row(&res->streams[k], s->workflow * HL_JOB_MAX_WF_STREAMS + k,
		        hl_node.prof.node_id, &m.rows.v[m.rows.n++]);
	int rc = hl_msg_stream_rows_encode(&m, buf, sizeof(buf), &len, &we);
	if (rc == 0)
		rc = hl_roles_rows_send(hl_node.prof.node_id, buf, len);
	if (rc < 0) {
		ctr.rows_err++;
		HL_LOG(HL_LOG_ERR, "roles", "worker: job=%" PRIu64 " slice=%u: rows not kept: %s",
		        s->job, s->sub, hl_errname(rc));
	}
}

static struct slice *
slice_find(uint64_t job, uint32_t sub)
{
	for (uint32_t i = 0; i < MAX_SLICES; i++)
		if (slices[i].used && !slices[i].stopping && slices[i].job == job &&
		        slices[i].sub == sub)
			return &slices[i];
	return NULL;
}

static void
fail_slice(const struct hl_dc_action *a, const char *why, uint64_t now)
{
	ctr.start_failed++;
	HL_LOG(HL_LOG_WARN, "roles", "worker: job=%" PRIu64 " workflow=%u slice=%u cannot run: %s",
	        a->job, a->workflow, a->sub, why);
	int rc = hl_dc_wnode_finish(&wn, a->job, a->sub, HL_WS_FAILED, now);
	if (rc < 0)
		HL_LOG(HL_LOG_ERR, "roles", "worker: finish job=%" PRIu64 " slice=%u: %s", a->job,
		        a->sub, hl_errname(rc));
}

static void
start(const struct hl_dc_action *a, uint64_t now)
{
	char err[512];
	struct slice *s = NULL;
	if (cur_dispatch == NULL || cur_dispatch->job != a->job || cur_dispatch->sub != a->sub ||
	        cur_spec == NULL) {
		ctr.no_profile++;
		fail_slice(a, "its dispatch carried no workflow profile", now);
		return;
	}
	for (uint32_t i = 0; i < MAX_SLICES && s == NULL; i++)
		if (!slices[i].used)
			s = &slices[i];
	if (s == NULL) { /* held by the core or stopping: at most MAX_SLICES, so a bug */
		fail_slice(a, "slice table full", now);
		return;
	}
	uint64_t local;
	int rc = hl_jobs_submit(
	        (const char *)cur_spec, cur_spec_len, false, &local, err, sizeof(err));
	if (rc < 0) {
		fail_slice(a, err, now);
		return;
	}
	*s = (struct slice){true, false, a->job, a->sub, a->workflow, local, now};
	ctr.started++;
	/* the start on CLOCK_MONOTONIC: progress reports elapsed ms from it (P6 measures with
	 * it: tests/cluster/dc_test.py progress) */
	HL_LOG(HL_LOG_INFO, "roles",
	        "worker: job=%" PRIu64 " workflow=%u slice=%u runs as local job %" PRIu64
	        " from t=%" PRIu64 " ms",
	        a->job, a->workflow, a->sub, local, now / 1000000);
}

static void
drain(uint64_t now)
{
	struct hl_dc_action a;
	struct hl_dc_msg d;
	while (hl_dc_wnode_next_action(&wn, &a) == 1) {
		if (a.kind == HL_DC_ACT_START) {
			start(&a, now);
		} else {
			struct slice *s = slice_find(a.job, a.sub);
			ctr.stopped++;
			if (s != NULL) {
				/* its lanes stop at their next pass; its end (CANCELLED, with what
				 * it sent) is reported and its record freed by check_slices */
				int rc = hl_jobs_cancel(s->local);
				if (rc < 0 && rc != -EALREADY)
					HL_LOG(HL_LOG_WARN, "roles",
					        "worker: stop job=%" PRIu64
					        " slice=%u local job %" PRIu64 ": %s",
					        s->job, s->sub, s->local, hl_errname(rc));
			}
		}
	}
	while (hl_dc_wnode_next_tx(&wn, &d) == 1)
		send_dc(&d);
}

void
hl_rwrk_dc(const struct hl_dc_msg *d, const uint8_t *spec, size_t spec_len, uint64_t now)
{
	if (!on)
		return;
	ctr.recv++;
	if (d->to != hl_node.prof.node_id) {
		ctr.recv_err++;
		return;
	}
	cur_dispatch = d;
	cur_spec = spec;
	cur_spec_len = spec_len;
	int rc = hl_dc_wnode_recv(&wn, d, now);
	if (d->kind == HL_DC_RESULT_ACK && rc == 0 && !hl_rmgr_on())
		/* the job leader has the slice's rows (a manager here shares the store: its
		 * sweep frees them) */
		hl_roles_rows_drop(d->job, HL_ROWS_SLICE, rows_key(d->workflow, d->sub));
	if (rc < 0 && rc != -HL_E_STALE_TOKEN && rc != -ENOENT) {
		ctr.recv_err++;
		HL_LOG(HL_LOG_INFO, "roles",
		        "worker: kind=%u job=%" PRIu64 " from node=%" PRIu64 ": %s", d->kind,
		        d->job, d->from, hl_errname(rc));
	}
	drain(now);
	cur_dispatch = NULL;
	cur_spec = NULL;
}

void
hl_rwrk_dc_leader(uint64_t leader, uint64_t now)
{
	if (!on)
		return;
	if (wn.tier_leader != leader)
		ctr.leader_changes++;
	hl_dc_wnode_set_tier_leader(&wn, leader);
	drain(now);
}

void
hl_rwrk_member(const struct hl_member *m, bool was_alive, uint64_t now)
{
	if (!on || m->alive || !was_alive)
		return;
	hl_dc_wnode_peer_dead(&wn, m->id, now);
	drain(now);
}

/* A local job of a slice ended: its status goes to the core, its record is freed. A stopped
 * slice's record is freed once its lanes are done, and nothing is reported (the core forgot
 * the slice at the STOP). */
static void
check_slices(uint64_t now, bool progress)
{
	for (uint32_t i = 0; i < MAX_SLICES; i++) {
		struct slice *s = &slices[i];
		if (!s->used)
			continue;
		struct hl_job *j = hl_jobs_get(s->local);
		if (s->stopping) {
			if (j == NULL || hl_jobs_release(s->local) == 0) {
				ctr.stop_freed++;
				s->used = false;
			}
			continue;
		}
		uint32_t st = j ? j->state : HL_JOB_FAILED;
		if (st == HL_JOB_QUEUED || st == HL_JOB_RUNNING) {
			if (progress && j != NULL) {
				/* the slice's counts so far and its last window's p99: the
				 * cluster's live progress line */
				struct hl_counts c = {
				        j->prog.tx_pkts, j->prog.rx_pkts, j->prog.lost};
				(void)hl_dc_wnode_progress_live(&wn, s->job, s->sub,
				        (now - s->start_ns) / 1000000, &c, j->prog.p99_ns, now);
			}
			continue;
		}
		uint8_t ws = st == HL_JOB_COMPLETED   ? HL_WS_COMPLETED
		             : st == HL_JOB_CANCELLED ? HL_WS_CANCELLED
		                                      : HL_WS_FAILED;
		struct hl_counts counts = {0, 0, 0}; /* ride the result to the job leader */
		if (j != NULL) {
			counts = (struct hl_counts){j->prog.tx_pkts, j->prog.rx_pkts, j->prog.lost};
			ctr.slice_tx += j->prog.tx_pkts;
			ctr.slice_rx += j->prog.rx_pkts;
			ctr.slice_lost += j->prog.lost;
			HL_LOG(HL_LOG_INFO, "roles",
			        "worker: job=%" PRIu64 " slice=%u %s tx=%" PRIu64 " rx=%" PRIu64
			        " lost=%" PRIu64 "%s%s",
			        s->job, s->sub, hl_job_state_name(st), j->prog.tx_pkts,
			        j->prog.rx_pkts, j->prog.lost, j->result->error[0] ? ": " : "",
			        j->result->error);
		}
		if (ws == HL_WS_COMPLETED)
			ctr.finished_ok++;
		else if (ws == HL_WS_CANCELLED)
			ctr.finished_cancelled++;
		else
			ctr.finished_failed++;
		if (j != NULL)
			keep_rows(s, j, ws);
		int rc = hl_dc_wnode_finish_counts(&wn, s->job, s->sub, ws, &counts, now);
		if (rc < 0)
			HL_LOG(HL_LOG_ERR, "roles", "worker: finish job=%" PRIu64 " slice=%u: %s",
			        s->job, s->sub, hl_errname(rc));
		if (hl_jobs_release(s->local) == -EBUSY) {
			s->stopping = true; /* reported; freed once its lanes are done */
			continue;
		}
		s->used = false;
	}
}

void
hl_rwrk_tick(uint64_t now)
{
	if (!on)
		return;
	bool progress = now >= next_progress;
	if (progress)
		next_progress = now + PROGRESS_NS;
	check_slices(now, progress);
	if (now >= hl_dc_wnode_next_deadline(&wn))
		(void)hl_dc_wnode_tick(&wn, now);
	drain(now);
}

int
hl_rwrk_start(char *err, size_t errlen)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	if (!(p->roles & HL_ROLE_WORKER) || p->n_dcs == 0)
		return 0;
	struct hl_dc_worker_cfg cfg = {
	        .self = p->node_id,
	        .cores = p->n_traffic,
	        .result_retry_ns = 1000000000ull,
	        .max_jobs = 256,
	        .host_runs = true,
	};
	int rc = hl_dc_wnode_init(&wn, &cfg);
	if (rc < 0) {
		snprintf(err, errlen, "worker core: %s", hl_errname(rc));
		return rc;
	}
	on = true;
	printf("hyperline: node %s worker of dc %s, %u lane(s)\n", p->name, p->dc, p->n_traffic);
	return 0;
}

void
hl_rwrk_stop(void)
{
	if (on)
		hl_dc_wnode_fini(&wn);
	memset(slices, 0, sizeof(slices));
	on = false;
}

bool
hl_rwrk_on(void)
{
	return on;
}

static uint64_t
stopping_count(void)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < MAX_SLICES; i++)
		n += slices[i].used && slices[i].stopping;
	return n;
}

uint32_t
hl_rwrk_counters(struct hl_node_counter *out, uint32_t cap)
{
	const struct hl_node_counter c[] = {
	        {"worker_slices_held", on ? hl_dc_wnode_held(&wn) : 0},
	        {"worker_jobs_known", on ? hl_dc_wnode_jobs(&wn) : 0},
	        {"worker_dc_leader", on ? wn.tier_leader : 0},
	        {"worker_messages_in_total", ctr.recv},
	        {"worker_refused_total", ctr.recv_err},
	        {"worker_encode_errors_total", ctr.encode_err},
	        {"worker_slices_started_total", ctr.started},
	        {"worker_slices_start_failed_total", ctr.start_failed},
	        {"worker_dispatch_without_profile_total", ctr.no_profile},
	        {"worker_slices_completed_total", ctr.finished_ok},
	        {"worker_slices_failed_total", ctr.finished_failed},
	        {"worker_slices_cancelled_total", ctr.finished_cancelled},
	        {"worker_slices_stopped_total", ctr.stopped},
	        {"worker_slices_stop_freed_total", ctr.stop_freed},
	        {"worker_slices_stopping", stopping_count()},
	        {"worker_rows_errors_total", ctr.rows_err},
	        {"worker_slice_tx_packets_total", ctr.slice_tx},
	        {"worker_slice_rx_packets_total", ctr.slice_rx},
	        {"worker_slice_lost_packets_total", ctr.slice_lost},
	        {"worker_stale_total", on ? wn.n_stale : 0},
	};
	uint32_t n = 0;
	for (; n < sizeof(c) / sizeof(c[0]) && n < cap; n++)
		out[n] = c[n];
	return n;
}
