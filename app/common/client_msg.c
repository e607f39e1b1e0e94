/* client_msg.c — the client API's app views <-> lib/wire table messages, and stream framing. */
#include <stdio.h>
#include <string.h>

#include "hl_client_msg.h"
#include "hl_err.h"

const char *
hl_job_state_name(unsigned s)
{
	static const char *const names[] = {
	        "queued", "running", "completed", "cancelled", "failed"};
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

bool
hl_cp_is_request(unsigned type)
{
	switch (type) {
	case HL_MSG_job_submit:
	case HL_MSG_register_callback:
	case HL_MSG_job_status_query:
	case HL_MSG_job_result_query:
	case HL_MSG_job_cancel:
	case HL_MSG_nodes_query:
		return true;
	}
	return false;
}

int
hl_cp_frame(const struct hl_frame_cfg *cfg, unsigned type, const void *msg, void *buf, size_t cap,
        size_t *len, struct hl_wire_err *err)
{
	uint8_t *p = buf;
	size_t flen = 0;
	*len = 0;
	if (cap < HL_FRAME_PREFIX)
		return -HL_E_OVERSIZE;
	int rc = hl_frame_encode(
	        cfg, type, msg, p + HL_FRAME_PREFIX, cap - HL_FRAME_PREFIX, &flen, err);
	if (rc < 0)
		return rc;
	hl_frame_prefix(p, (uint32_t)flen);
	*len = flen + HL_FRAME_PREFIX;
	return 0;
}

uint64_t
hl_cp_state_to_wire(uint32_t state)
{
	static const uint64_t ws[] = {[HL_JOB_QUEUED] = HL_WS_QUEUED,
	        [HL_JOB_RUNNING] = HL_WS_RUNNING,
	        [HL_JOB_COMPLETED] = HL_WS_COMPLETED,
	        [HL_JOB_CANCELLED] = HL_WS_CANCELLED,
	        [HL_JOB_FAILED] = HL_WS_FAILED};
	return state < sizeof(ws) / sizeof(ws[0]) ? ws[state] : HL_WS_NONE;
}

int
hl_cp_state_from_wire(uint64_t status, uint32_t *state)
{
	switch (status) {
	case HL_WS_PENDING:
	case HL_WS_QUEUED:
		*state = HL_JOB_QUEUED;
		return 0;
	case HL_WS_RUNNING:
		*state = HL_JOB_RUNNING;
		return 0;
	case HL_WS_COMPLETED:
		*state = HL_JOB_COMPLETED;
		return 0;
	case HL_WS_CANCELLED:
		*state = HL_JOB_CANCELLED;
		return 0;
	case HL_WS_FAILED:
	case HL_WS_TIMEOUT:
		*state = HL_JOB_FAILED;
		return 0;
	}
	return -HL_E_BAD_VALUE;
}

/* Copy a C string into a fixed field of cap bytes, cut at cap - 1. */
static void
scopy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}
#define SCOPY(dst, src) scopy(dst, sizeof(dst), src)

void
hl_cp_error_fill(struct hl_msg_error *m, int code, uint64_t job_id, const char *text)
{
	memset(m, 0, sizeof(*m));
	long long c = code < 0 ? -(long long)code : code;
	m->code = c <= HL_WIRE_U16 ? (uint64_t)c : HL_E_BAD_VALUE;
	m->job_id = job_id;
	SCOPY(m->text, text);
	if (strlen(text) > HL_WIRE_TEXT_MAX)
		SCOPY(m->detail, text);
}

const char *
hl_cp_error_text(const struct hl_msg_error *m)
{
	return m->detail[0] ? m->detail : m->text;
}

uint32_t
hl_cp_progress_ppm(const struct hl_cp_progress *p)
{
	uint64_t ppm = p->ppm;
	if (ppm == 0 && p->wf_total)
		ppm = (uint64_t)p->wf_done * HL_WIRE_PPM / p->wf_total;
	return ppm > HL_WIRE_PPM ? HL_WIRE_PPM : (uint32_t)ppm;
}

void
hl_cp_progress_to_msg(const struct hl_cp_progress *p, const char *dc, struct hl_msg_status_push *m)
{
	memset(m, 0, sizeof(*m));
	m->job_id = p->job_id;
	m->seq = p->seq;
	m->status = hl_cp_state_to_wire(p->state);
	m->event = p->state >= HL_JOB_COMPLETED ? HL_PUSH_FINAL : HL_PUSH_STATUS;
	m->progress_ppm = hl_cp_progress_ppm(p);
	m->elapsed_ms = p->elapsed_ms;
	SCOPY(m->workflow, p->workflow);
	m->dcs.n = 1;
	struct hl_rec_dc_status *d = &m->dcs.v[0];
	SCOPY(d->dc, dc);
	d->status = m->status;
	d->workflows_total = p->wf_total;
	d->workflows_done = p->wf_done;
	d->progress_ppm = m->progress_ppm;
	d->totals.tx_pkts = p->tx_pkts;
	d->totals.rx_pkts = p->rx_pkts;
	d->totals.lost = p->lost;
	d->totals.lat_p99_ns = p->p99_ns;
	d->totals.tx_rate_pps = p->tx_pps;
}

int
hl_cp_progress_from_msg(const struct hl_msg_status_push *m, struct hl_cp_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->job_id = m->job_id;
	p->seq = m->seq;
	p->elapsed_ms = m->elapsed_ms;
	p->ppm = m->progress_ppm > HL_WIRE_PPM ? HL_WIRE_PPM : (uint32_t)m->progress_ppm;
	SCOPY(p->workflow, m->workflow);
	if (hl_cp_state_from_wire(m->status, &p->state) < 0)
		return -HL_E_BAD_VALUE;
	for (uint32_t i = 0; i < m->dcs.n; i++) {
		const struct hl_rec_dc_status *d = &m->dcs.v[i];
		p->wf_total += (uint32_t)d->workflows_total;
		p->wf_done += (uint32_t)d->workflows_done;
		p->tx_pkts += d->totals.tx_pkts;
		p->rx_pkts += d->totals.rx_pkts;
		p->lost += d->totals.lost;
		p->tx_pps += d->totals.tx_rate_pps;
		if (d->totals.lat_p99_ns > p->p99_ns)
			p->p99_ns = d->totals.lat_p99_ns; /* the worst DC's */
	}
	/* A push without progress_ppm (an older sender) shows the workflow fraction; normalised
	 * here so that the view converts back to the same push. */
	p->ppm = hl_cp_progress_ppm(p);
	return 0;
}

void
hl_cp_stream_to_row(const struct hl_cp_stream_result *s, uint32_t stream_id, uint64_t worker,
        struct hl_rec_stream_row *o)
{
	memset(o, 0, sizeof(*o));
	struct hl_rec_stream_result *b = &o->base;
	b->stream_id = stream_id;
	b->tx_pkts = s->tx_pkts;
	b->tx_bytes = s->tx_bytes;
	b->rx_pkts = s->rx_pkts;
	b->rx_bytes = s->rx_bytes;
	b->lost = s->lost;
	b->reordered = s->reordered;
	b->duplicates = s->duplicates;
	b->lat_samples = s->samples;
	b->lat_min_ns = s->min_ns;
	b->lat_p50_ns = s->p50_ns;
	b->lat_p90_ns = s->p90_ns;
	b->lat_p99_ns = s->p99_ns;
	b->lat_p999_ns = s->p999_ns;
	b->lat_max_ns = s->max_ns;
	b->jitter_ns = s->jitter_ns;
	b->tx_rate_pps = s->ach_pps;
	o->hist = (struct hl_wire_view){s->hist_len ? s->hist : NULL, s->hist_len};
	o->lat_mean_ns = s->mean_ns;
	o->worker = worker;
	o->req_pps = s->req_pps;
	o->duration_ns = s->duration_ns;
	o->sig = s->sig;
}

void
hl_cp_stream_from_row(const struct hl_rec_stream_row *r, struct hl_cp_stream_result *o)
{
	const struct hl_rec_stream_result *b = &r->base;
	o->tx_pkts = b->tx_pkts;
	o->tx_bytes = b->tx_bytes;
	o->rx_pkts = b->rx_pkts;
	o->rx_bytes = b->rx_bytes;
	o->lost = b->lost;
	o->reordered = b->reordered;
	o->duplicates = b->duplicates;
	o->samples = b->lat_samples;
	o->min_ns = b->lat_min_ns;
	o->p50_ns = b->lat_p50_ns;
	o->p90_ns = b->lat_p90_ns;
	o->p99_ns = b->lat_p99_ns;
	o->p999_ns = b->lat_p999_ns;
	o->max_ns = b->lat_max_ns;
	o->jitter_ns = b->jitter_ns;
	o->ach_pps = b->tx_rate_pps;
	o->mean_ns = r->lat_mean_ns;
	o->req_pps = r->req_pps;
	o->duration_ns = r->duration_ns;
	o->sig = (uint32_t)r->sig;
	o->hist_len = r->hist.len <= HL_HIST_WIRE_MAX ? r->hist.len : 0;
	if (o->hist_len)
		memcpy(o->hist, r->hist.p, o->hist_len);
}

void
hl_cp_part_from_row(
        const struct hl_rec_stream_row *r, uint32_t stream, const char *dc, struct hl_cp_part *o)
{
	const struct hl_rec_stream_result *b = &r->base;
	memset(o, 0, sizeof(*o));
	o->stream = stream;
	SCOPY(o->dc, dc);
	o->worker = r->worker;
	o->tx_pkts = b->tx_pkts;
	o->rx_pkts = b->rx_pkts;
	o->lost = b->lost;
	o->reordered = b->reordered;
	o->duplicates = b->duplicates;
	o->samples = b->lat_samples;
	o->min_ns = b->lat_min_ns;
	o->p50_ns = b->lat_p50_ns;
	o->p90_ns = b->lat_p90_ns;
	o->p99_ns = b->lat_p99_ns;
	o->p999_ns = b->lat_p999_ns;
	o->max_ns = b->lat_max_ns;
	o->jitter_ns = b->jitter_ns;
	o->ach_pps = b->tx_rate_pps;
}

void
hl_cp_result_to_msg(const struct hl_cp_result *r, const char *dc, struct hl_msg_job_result *m)
{
	memset(m, 0, sizeof(*m));
	m->job_id = r->job_id;
	SCOPY(m->dc, dc);
	m->status = hl_cp_state_to_wire(r->state);
	SCOPY(m->text, r->error);
	SCOPY(m->name, r->name);
	m->workflows_total = r->wf_total;
	m->workflows_done = r->wf_done;
	m->totals.tx_pkts = r->total_tx;
	m->totals.rx_pkts = r->total_rx;
	m->totals.lost = r->total_lost;
	uint32_t ns = r->n_streams < HL_CP_MAX_STREAMS ? r->n_streams : HL_CP_MAX_STREAMS;
	m->streams.n = m->stream_info.n = ns;
	m->hists.n = 0;
	for (uint32_t i = 0; i < ns; i++) {
		const struct hl_cp_stream_result *s = &r->streams[i];
		struct hl_rec_stream_result *o = &m->streams.v[i];
		struct hl_rec_stream_info *in = &m->stream_info.v[i];
		o->stream_id = in->stream_id = i;
		o->tx_pkts = s->tx_pkts;
		o->tx_bytes = s->tx_bytes;
		o->rx_pkts = s->rx_pkts;
		o->rx_bytes = s->rx_bytes;
		o->lost = s->lost;
		o->reordered = s->reordered;
		o->duplicates = s->duplicates;
		o->lat_p50_ns = s->p50_ns;
		o->lat_p90_ns = s->p90_ns;
		o->lat_p99_ns = s->p99_ns;
		o->lat_p999_ns = s->p999_ns;
		o->lat_max_ns = s->max_ns;
		o->jitter_ns = s->jitter_ns;
		o->tx_rate_pps = s->ach_pps;
		o->lat_min_ns = s->min_ns;
		o->lat_samples = s->samples;
		if (s->hist_len || s->mean_ns) {
			struct hl_rec_stream_hist *h = &m->hists.v[m->hists.n++];
			h->stream_id = i;
			h->hist = (struct hl_wire_view){s->hist_len ? s->hist : NULL, s->hist_len};
			h->lat_mean_ns = s->mean_ns;
		}
		SCOPY(in->workflow, s->workflow);
		SCOPY(in->name, s->stream);
		in->req_pps = s->req_pps;
		in->duration_ns = s->duration_ns;
		in->sig = s->sig;
	}
	uint32_t nq = r->n_parts < HL_CP_MAX_PARTS ? r->n_parts : HL_CP_MAX_PARTS;
	m->parts.n = 0;
	for (uint32_t i = 0; i < nq; i++) {
		const struct hl_cp_part *q = &r->parts[i];
		if (q->stream >= ns)
			continue;
		struct hl_rec_stream_part *o = &m->parts.v[m->parts.n++];
		o->stream_id = q->stream;
		SCOPY(o->dc, q->dc);
		o->worker = q->worker;
		struct hl_rec_stream_result *b = &o->base;
		b->stream_id = q->stream;
		b->tx_pkts = q->tx_pkts;
		b->rx_pkts = q->rx_pkts;
		b->lost = q->lost;
		b->reordered = q->reordered;
		b->duplicates = q->duplicates;
		b->lat_samples = q->samples;
		b->lat_min_ns = q->min_ns;
		b->lat_p50_ns = q->p50_ns;
		b->lat_p90_ns = q->p90_ns;
		b->lat_p99_ns = q->p99_ns;
		b->lat_p999_ns = q->p999_ns;
		b->lat_max_ns = q->max_ns;
		b->jitter_ns = q->jitter_ns;
		b->tx_rate_pps = q->ach_pps;
	}
	uint32_t np = r->n_ports < HL_CP_MAX_PORTS ? r->n_ports : HL_CP_MAX_PORTS;
	m->ports.n = np;
	for (uint32_t i = 0; i < np; i++) {
		const struct hl_cp_port_counters *p = &r->ports[i];
		struct hl_rec_port_counters *o = &m->ports.v[i];
		SCOPY(o->name, p->name);
		o->opackets = p->opackets;
		o->ipackets = p->ipackets;
		o->oerrors = p->oerrors;
		o->imissed = p->imissed;
	}
}

int
hl_cp_result_from_msg(const struct hl_msg_job_result *m, struct hl_cp_result *r)
{
	memset(r, 0, sizeof(*r));
	r->job_id = m->job_id;
	if (hl_cp_state_from_wire(m->status, &r->state) < 0)
		return -HL_E_BAD_VALUE;
	/* every stream needs its identity: the two lists pair up by position and id */
	if (m->stream_info.n != m->streams.n)
		return -HL_E_BAD_VALUE;
	SCOPY(r->name, m->name);
	SCOPY(r->error, m->text);
	r->wf_total = (uint32_t)m->workflows_total;
	r->wf_done = (uint32_t)m->workflows_done;
	r->total_tx = m->totals.tx_pkts;
	r->total_rx = m->totals.rx_pkts;
	r->total_lost = m->totals.lost;
	r->n_streams = m->streams.n;
	for (uint32_t i = 0; i < m->streams.n; i++) {
		const struct hl_rec_stream_result *s = &m->streams.v[i];
		const struct hl_rec_stream_info *in = &m->stream_info.v[i];
		struct hl_cp_stream_result *o = &r->streams[i];
		if (in->stream_id != s->stream_id)
			return -HL_E_BAD_VALUE;
		SCOPY(o->workflow, in->workflow);
		SCOPY(o->stream, in->name);
		o->req_pps = in->req_pps;
		o->duration_ns = in->duration_ns;
		o->sig = (uint32_t)in->sig;
		o->tx_pkts = s->tx_pkts;
		o->tx_bytes = s->tx_bytes;
		o->rx_pkts = s->rx_pkts;
		o->rx_bytes = s->rx_bytes;
		o->lost = s->lost;
		o->reordered = s->reordered;
		o->duplicates = s->duplicates;
		o->p50_ns = s->lat_p50_ns;
		o->p90_ns = s->lat_p90_ns;
		o->p99_ns = s->lat_p99_ns;
		o->p999_ns = s->lat_p999_ns;
		o->max_ns = s->lat_max_ns;
		o->jitter_ns = s->jitter_ns;
		o->ach_pps = s->tx_rate_pps;
		o->min_ns = s->lat_min_ns;
		o->samples = s->lat_samples;
	}
	for (uint32_t i = 0; i < m->hists.n; i++) {
		const struct hl_rec_stream_hist *h = &m->hists.v[i];
		if (h->stream_id >= r->n_streams || h->hist.len > HL_HIST_WIRE_MAX)
			return -HL_E_BAD_VALUE;
		struct hl_cp_stream_result *o = &r->streams[h->stream_id];
		if (h->hist.len) {
			/* kept only if it decodes and holds the stream's samples */
			static struct hl_hist chk;
			if (hl_hist_decode(&chk, h->hist.p, h->hist.len) < 0 ||
			        chk.count != o->samples)
				return -HL_E_BAD_VALUE;
			memcpy(o->hist, h->hist.p, h->hist.len);
		}
		o->hist_len = h->hist.len;
		o->mean_ns = h->lat_mean_ns;
	}
	r->n_parts = 0;
	for (uint32_t i = 0; i < m->parts.n; i++) {
		const struct hl_rec_stream_part *q = &m->parts.v[i];
		if (q->stream_id >= r->n_streams)
			return -HL_E_BAD_VALUE;
		struct hl_rec_stream_row row = {.base = q->base, .worker = q->worker};
		hl_cp_part_from_row(&row, (uint32_t)q->stream_id, q->dc, &r->parts[r->n_parts++]);
	}
	r->n_ports = m->ports.n;
	for (uint32_t i = 0; i < m->ports.n; i++) {
		const struct hl_rec_port_counters *p = &m->ports.v[i];
		struct hl_cp_port_counters *o = &r->ports[i];
		SCOPY(o->name, p->name);
		o->opackets = p->opackets;
		o->ipackets = p->ipackets;
		o->oerrors = p->oerrors;
		o->imissed = p->imissed;
	}
	return 0;
}

void
hl_cp_status_to_msg(const struct hl_cp_status *s, uint64_t job_id, struct hl_msg_job_status *m)
{
	memset(m, 0, sizeof(*m));
	m->job_id = job_id;
	uint32_t n = s->n < HL_CP_MAX_JOBS ? s->n : HL_CP_MAX_JOBS;
	m->jobs.n = n;
	for (uint32_t i = 0; i < n; i++) {
		const struct hl_cp_job_summary *j = &s->jobs[i];
		struct hl_rec_job_summary *o = &m->jobs.v[i];
		o->job_id = j->job_id;
		o->status = hl_cp_state_to_wire(j->state);
		SCOPY(o->name, j->name);
		o->workflows_total = j->wf_total;
		o->workflows_done = j->wf_done;
		o->result_fetched = j->result_fetched != 0;
		if (job_id != 0 && j->job_id == job_id)
			m->status = o->status; /* the queried job's own status */
	}
}

int
hl_cp_status_from_msg(const struct hl_msg_job_status *m, struct hl_cp_status *s)
{
	memset(s, 0, sizeof(*s));
	s->n = m->jobs.n;
	for (uint32_t i = 0; i < m->jobs.n; i++) {
		const struct hl_rec_job_summary *j = &m->jobs.v[i];
		struct hl_cp_job_summary *o = &s->jobs[i];
		o->job_id = j->job_id;
		if (hl_cp_state_from_wire(j->status, &o->state) < 0)
			return -HL_E_BAD_VALUE;
		SCOPY(o->name, j->name);
		o->wf_total = (uint32_t)j->workflows_total;
		o->wf_done = (uint32_t)j->workflows_done;
		o->result_fetched = j->result_fetched;
	}
	return 0;
}

static const char *const member_names[] = {
        [HL_MEMBER_ALIVE] = "alive",
        [HL_MEMBER_SUSPECT] = "suspect",
        [HL_MEMBER_DEAD] = "dead",
        [HL_MEMBER_LEFT] = "left",
};
#define N_MEMBER_NAMES (sizeof(member_names) / sizeof(member_names[0]))

/* Roles as the node shows them ("gate,manager,worker") <-> the wire's bit mask. */
static uint64_t
roles_bits(const char *s)
{
	static const struct {
		const char *name;
		uint64_t bit;
	} r[] = {{"gate", HL_ROLE_GATE}, {"manager", HL_ROLE_MANAGER}, {"worker", HL_ROLE_WORKER}};
	uint64_t bits = 0;
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (strstr(s, r[i].name) != NULL)
			bits |= r[i].bit;
	return bits;
}

static void
roles_text(uint64_t bits, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s%s%s", bits & HL_ROLE_GATE ? "gate" : "",
	        (bits & HL_ROLE_GATE) && (bits & (HL_ROLE_MANAGER | HL_ROLE_WORKER)) ? "," : "",
	        bits & HL_ROLE_MANAGER ? "manager" : "",
	        (bits & HL_ROLE_MANAGER) && (bits & HL_ROLE_WORKER) ? "," : "",
	        bits & HL_ROLE_WORKER ? "worker" : "");
}

void
hl_cp_nodes_to_msg(const struct hl_cp_nodes *n, struct hl_msg_nodes_reply *m)
{
	memset(m, 0, sizeof(*m));
	uint32_t cnt = n->n < HL_CP_MAX_NODES ? n->n : HL_CP_MAX_NODES;
	m->nodes.n = cnt;
	for (uint32_t i = 0; i < cnt; i++) {
		const struct hl_cp_node *s = &n->nodes[i];
		struct hl_rec_node_status *o = &m->nodes.v[i];
		SCOPY(o->node.name, s->name);
		o->node.role = roles_bits(s->roles);
		SCOPY(o->node.dc, s->dc);
		SCOPY(o->node.ctrl, s->mgmt);
		for (size_t k = 1; k < N_MEMBER_NAMES; k++)
			if (member_names[k] && strcmp(s->state, member_names[k]) == 0)
				o->member = k;
	}
}

int
hl_cp_nodes_from_msg(const struct hl_msg_nodes_reply *m, struct hl_cp_nodes *n)
{
	memset(n, 0, sizeof(*n));
	n->n = m->nodes.n;
	for (uint32_t i = 0; i < m->nodes.n; i++) {
		const struct hl_rec_node_status *s = &m->nodes.v[i];
		struct hl_cp_node *o = &n->nodes[i];
		SCOPY(o->name, s->node.name);
		roles_text(s->node.role, o->roles, sizeof(o->roles));
		SCOPY(o->dc, s->node.dc);
		SCOPY(o->mgmt, s->node.ctrl);
		SCOPY(o->state, s->member < N_MEMBER_NAMES && member_names[s->member]
		                        ? member_names[s->member]
		                        : "?");
	}
	return 0;
}
