/* roles.c — the shell around the coordination roles on the control core (roles.h): it keeps the
 * member table (ids from the node links' hellos, roles/DC/liveness from SWIM), routes every
 * frame that arrives on a node link to the role it is for, holds the job profile texts
 * (specs.h) with their put/fetch messages, keeps the per-stream result rows (rows.h) and their
 * stream_rows messages, persists election terms, and ticks the roles.
 *
 * Routing (frames from peer.c, and frames this node sends to itself):
 *   job_spec_put / job_spec_fetch           the spec store (here)
 *   stream_rows                             the rows store (here); a gate passes a DC's rows
 *                                           from its managers on to the other gates
 *   dc_leader_announce                      the worker
 *   hl_manager_wire bodies (manager tier)   DC kinds for the worker (dispatch, acks, transfer,
 *                                           cancel) -> role_wrk.c, the rest -> role_mgr.c
 *   other elections (gate tier)             role_gate.c
 *   hl_gate_wire bodies                     DC_SUBMIT, DC_RESULT_ACK, DC_REPORT_ACK ->
 *                                           role_mgr.c; the rest -> role_gate.c
 * A frame no role on this node takes is counted (frames_for_no_role_total). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "hl_client_msg.h"
#include "hl_elect_wire.h"
#include "hl_err.h"
#include "hl_gate_wire.h"
#include "hl_log.h"
#include "hl_manager_wire.h"
#include "peer.h"
#include "roles.h"
#include "rows.h"
#include "specs.h"

#define TICK_US 20000 /* election and lease timers are seconds: 20 ms is fine grained enough */
#define MEMBERS_EVERY 5 /* ticks between membership refreshes (100 ms) */
#define LOCALQ 256 /* frames a node sends itself, delivered after the current call */
#define LOCAL_MAX (64 * 1024)
#define SPECS_MAX 512
#define SPECS_TTL_NS (3600ull * 1000000000ull)
/* A text no core here holds goes this long after its last use: the text arrives before the
 * messages that need it (a gate puts it before its DC_SUBMIT), and a text dropped too early is
 * fetched again from the peers that hold it. */
#define SPECS_GRACE_NS (10ull * 1000000000ull)
#define FETCH_GAP_NS 500000000ull /* one fetch per job per 500 ms */
/* Result rows: a slice's are a few KiB per stream (HL_HIST_WIRE_MAX at most), a DC's the same
 * per stream plus ~100 B per slice. Kept while a core here holds the job and ROWS_GRACE_NS after
 * (a gate that takes a job over re-points the DC, whose tier answers from these), at most an
 * hour. */
#define ROWS_MAX 4096
#define ROWS_BYTES (256ull << 20)
#define ROWS_TTL_NS (3600ull * 1000000000ull)
#define ROWS_GRACE_NS (120ull * 1000000000ull)

static struct event *tick_ev;
static uint32_t ticks;
static struct hl_member members[HL_ROLES_MAX_MEMBERS];
static uint32_t n_members;
static struct hl_specs specs;
static bool specs_on;
static struct hl_rows rows;
static bool rows_on;
static struct {
	uint64_t job, at;
} fetch_gate[16];
static struct {
	uint64_t sent, send_enoent, send_enobufs, send_err, recv_other, recv_bad;
	uint64_t local_full, local_big, spec_put_in, spec_put_out, spec_fetch_in, spec_refused;
	uint64_t members_full;
	uint64_t rows_in, rows_out, rows_bad, rows_relayed;
} ctr;

/* ---- frames to self ---- */

static struct {
	unsigned type;
	uint32_t len;
	uint8_t *body;
} localq[LOCALQ];
static uint32_t lq_head, lq_len;
static bool draining;

static void on_frame(uint64_t from, unsigned type, const void *body, size_t len, void *arg);

static void
flush_local(void)
{
	if (draining)
		return;
	draining = true;
	while (lq_len > 0) {
		uint32_t k = lq_head;
		lq_head = (lq_head + 1) % LOCALQ;
		lq_len--;
		uint8_t *b = localq[k].body;
		localq[k].body = NULL;
		on_frame(hl_node.prof.node_id, localq[k].type, b, localq[k].len, NULL);
		free(b);
	}
	draining = false;
}

int
hl_roles_send(uint64_t to, unsigned type, const void *body, size_t len, const char *who)
{
	int rc;
	if (to == hl_node.prof.node_id) {
		if (lq_len == LOCALQ) {
			ctr.local_full++;
			rc = -ENOBUFS;
		} else if (len > LOCAL_MAX) {
			ctr.local_big++;
			rc = -EMSGSIZE;
		} else {
			uint32_t k = (lq_head + lq_len) % LOCALQ;
			localq[k].body = malloc(len ? len : 1);
			if (localq[k].body == NULL) {
				rc = -ENOMEM;
			} else {
				memcpy(localq[k].body, body, len);
				localq[k].type = type;
				localq[k].len = (uint32_t)len;
				lq_len++;
				ctr.sent++;
				return 0;
			}
		}
	} else {
		rc = hl_peer_send(to, type, body, len);
		if (rc == 0) {
			ctr.sent++;
			return 0;
		}
	}
	if (rc == -ENOENT)
		ctr.send_enoent++; /* no link yet: the cores' own timers resend */
	else if (rc == -ENOBUFS)
		ctr.send_enobufs++;
	else
		ctr.send_err++;
	if (rc != -ENOENT)
		HL_LOG(HL_LOG_WARN, "roles", "%s: send %s to node=%" PRIu64 ": %s", who,
		        hl_msg_name(type), to, hl_errname(rc));
	return rc;
}

/* ---- members ---- */

uint64_t
hl_roles_dc_id(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 0x100000001b3ull;
	return h ? h : 1;
}

const struct hl_member *
hl_roles_members(uint32_t *n)
{
	*n = n_members;
	return members;
}

const struct hl_member *
hl_roles_member(uint64_t id)
{
	for (uint32_t i = 0; i < n_members; i++)
		if (members[i].id == id)
			return &members[i];
	return NULL;
}

static void
member_changed(const struct hl_member *m, bool was_alive, uint64_t now)
{
	HL_LOG(HL_LOG_INFO, "roles", "member node=%" PRIu64 " roles=%u cores=%u %s", m->id,
	        m->roles, m->cores, m->alive ? "alive" : "dead");
	if (hl_rgate_on())
		hl_rgate_member(m, was_alive, now);
	if (hl_rmgr_on())
		hl_rmgr_member(m, was_alive, now);
	if (hl_rwrk_on())
		hl_rwrk_member(m, was_alive, now);
}

/* SWIM says who is alive (by management address); the links' hellos say which id that is. A
 * member stays in the table once seen (dead members matter: their leases and slices move). */
static void
refresh_members(uint64_t now)
{
	static struct hl_cp_nodes nd;
	static struct hl_peer_info pi[HL_PEER_TABLE_MAX];
	hl_membership_snapshot(&nd);
	uint32_t np = hl_peer_list(pi, HL_PEER_TABLE_MAX);
	bool seen[HL_ROLES_MAX_MEMBERS] = {false};
	for (uint32_t i = 0; i < nd.n; i++) {
		const struct hl_cp_node *s = &nd.nodes[i];
		const struct hl_peer_info *p = NULL;
		for (uint32_t k = 0; k < np && p == NULL; k++)
			if (pi[k].id != 0 && strcmp(pi[k].addr, s->mgmt) == 0)
				p = &pi[k];
		if (p == NULL || p->id == hl_node.prof.node_id)
			continue;
		bool alive = strcmp(s->state, "alive") == 0 || strcmp(s->state, "suspect") == 0;
		struct hl_member *m = NULL;
		for (uint32_t k = 0; k < n_members && m == NULL; k++)
			if (members[k].id == p->id)
				m = &members[k];
		if (m == NULL) {
			if (!alive)
				continue;
			if (n_members == HL_ROLES_MAX_MEMBERS) {
				if (ctr.members_full++ == 0)
					HL_LOG(HL_LOG_ERR, "roles", "member table full (%d)",
					        HL_ROLES_MAX_MEMBERS);
				continue;
			}
			m = &members[n_members++];
			*m = (struct hl_member){.id = p->id};
		}
		seen[m - members] = true;
		bool was = m->alive;
		bool meta = m->roles != p->roles || m->cores != p->cores ||
		            m->dc != hl_roles_dc_id(s->dc);
		m->roles = p->roles;
		m->cores = p->cores;
		m->dc = hl_roles_dc_id(s->dc);
		m->alive = alive;
		if (was != alive || (alive && meta))
			member_changed(m, was, now);
	}
	/* A member SWIM no longer lists (reaped after dead/left) is dead. */
	for (uint32_t i = 0; i < n_members; i++)
		if (!seen[i] && members[i].alive) {
			members[i].alive = false;
			member_changed(&members[i], true, now);
		}
}

/* ---- terms ---- */

static void
term_path(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", hl_node.prof.state_dir, name);
}

/* "<term> <vote>\n"; a missing file is term 0 (a new node), a malformed one an error. */
int
hl_roles_term_load(const char *name, uint32_t *term, uint64_t *vote, char *err, size_t errlen)
{
	char path[HL_NODE_LONGSTR + 32];
	term_path(name, path, sizeof(path));
	FILE *f = fopen(path, "r");
	*term = 0;
	*vote = 0;
	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	unsigned long t;
	unsigned long long v;
	int n = fscanf(f, "%lu %llu", &t, &v);
	fclose(f);
	if (n != 2 || t > UINT32_MAX) {
		snprintf(err, errlen, "%s: malformed (expected '<term> <vote>')", path);
		return -HL_E_CONFIG;
	}
	*term = (uint32_t)t;
	*vote = v;
	return 0;
}

/* Durable before the vote leaves: write a temporary file, fsync it, rename over the old one. */
int
hl_roles_term_store(const char *name, uint32_t term, uint64_t vote)
{
	char path[HL_NODE_LONGSTR + 32], tmp[HL_NODE_LONGSTR + 40];
	term_path(name, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -errno;
	char line[64];
	int n = snprintf(line, sizeof(line), "%u %" PRIu64 "\n", term, vote);
	int rc = 0;
	if (write(fd, line, (size_t)n) != n || fsync(fd) != 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	return rc;
}

/* ---- job profile texts ---- */

const uint8_t *
hl_roles_spec(uint64_t job, size_t *len)
{
	return specs_on ? hl_specs_get(&specs, job, len, hl_node_now_ns()) : NULL;
}

int
hl_roles_spec_keep(uint64_t job, const void *text, size_t len)
{
	return specs_on ? hl_specs_put(&specs, job, text, len, hl_node_now_ns()) : -ENODEV;
}

void
hl_roles_spec_drop(uint64_t job)
{
	if (specs_on)
		(void)hl_specs_drop(&specs, job);
}

int
hl_roles_spec_send(uint64_t to, uint64_t job)
{
	static uint8_t buf[HL_WIRE_SPEC_MAX + 64];
	struct hl_msg_job_spec_put m = {.job_id = job, .node = hl_node.prof.node_id};
	struct hl_wire_err we;
	size_t len, blen;
	const uint8_t *t = hl_roles_spec(job, &len);
	if (t == NULL)
		return -ENOENT;
	if (to == hl_node.prof.node_id)
		return 0;
	m.spec.p = t;
	m.spec.len = len;
	int rc = hl_msg_job_spec_put_encode(&m, buf, sizeof(buf), &blen, &we);
	if (rc < 0) {
		HL_LOG(HL_LOG_ERR, "roles", "job=%" PRIu64 " spec put: encode: %s", job,
		        hl_errname(rc));
		return rc;
	}
	ctr.spec_put_out++;
	return hl_roles_send(to, HL_MSG_job_spec_put, buf, blen, "spec");
}

void
hl_roles_spec_fetch(uint64_t to, uint64_t job)
{
	uint64_t now = hl_node_now_ns();
	uint32_t k = (uint32_t)(hl_mix64(job) % 16);
	if (fetch_gate[k].job == job && now - fetch_gate[k].at < FETCH_GAP_NS)
		return;
	fetch_gate[k].job = job;
	fetch_gate[k].at = now;
	struct hl_msg_job_spec_fetch m = {.job_id = job, .node = hl_node.prof.node_id};
	uint8_t buf[64];
	size_t blen;
	struct hl_wire_err we;
	if (hl_msg_job_spec_fetch_encode(&m, buf, sizeof(buf), &blen, &we) == 0)
		(void)hl_roles_send(to, HL_MSG_job_spec_fetch, buf, blen, "spec");
}

static void
spec_frame(uint64_t from, unsigned type, const void *body, size_t len)
{
	struct hl_wire_err we;
	int rc;
	if (type == HL_MSG_job_spec_put) {
		struct hl_msg_job_spec_put m;
		if ((rc = hl_msg_job_spec_put_decode(body, len, &m, &we)) < 0 || m.node != from ||
		        m.job_id == 0) {
			ctr.recv_bad++;
			HL_LOG(HL_LOG_WARN, "roles", "bad job_spec_put from node=%" PRIu64 ": %s",
			        from, rc < 0 ? hl_errname(rc) : "sender or job");
			return;
		}
		ctr.spec_put_in++;
		if ((rc = hl_roles_spec_keep(m.job_id, m.spec.p, m.spec.len)) < 0) {
			ctr.spec_refused++;
			HL_LOG(HL_LOG_WARN, "roles",
			        "job=%" PRIu64 " profile from node=%" PRIu64 " not kept: %s",
			        m.job_id, from, hl_errname(rc));
		}
		return;
	}
	struct hl_msg_job_spec_fetch m;
	if ((rc = hl_msg_job_spec_fetch_decode(body, len, &m, &we)) < 0 || m.node != from) {
		ctr.recv_bad++;
		HL_LOG(HL_LOG_WARN, "roles", "bad job_spec_fetch from node=%" PRIu64 ": %s", from,
		        rc < 0 ? hl_errname(rc) : "sender");
		return;
	}
	ctr.spec_fetch_in++;
	(void)hl_roles_spec_send(from, m.job_id); /* -ENOENT: another member answers */
}

/* ---- result rows (rows.h) ---- */

static bool
is_gate(uint64_t node)
{
	for (uint32_t i = 0; i < hl_node.prof.n_gates; i++)
		if (hl_node.prof.gates[i] == node)
			return true;
	return false;
}

static bool dc_member(uint64_t dc, uint64_t node);

/* Keep a stream_rows body from node `from` (this node for its own); a gate passes a DC's rows,
 * come from one of the DC's managers, on to every other gate (marked relayed: not passed on
 * again). */
static void
rows_frame(uint64_t from, const void *body, size_t len)
{
	static struct hl_msg_stream_rows m;
	static uint8_t buf[HL_WIRE_MAX_ROWS * (HL_WIRE_HIST_MAX + 256)];
	struct hl_wire_err we;
	int rc = hl_msg_stream_rows_decode(body, len, &m, &we);
	const char *why = NULL;
	if (rc < 0)
		why = hl_errname(rc);
	else if (m.node != from)
		why = "names another sender";
	else if (m.kind == HL_ROWS_DC && !dc_member(hl_roles_dc_id(m.dc), from) &&
	         !(m.relayed && is_gate(from)))
		why = "DC rows from a node that is neither a manager of the DC nor a gate";
	else if (m.kind != HL_ROWS_SLICE && m.kind != HL_ROWS_DC)
		why = "unknown kind";
	if (why != NULL) {
		char w[160] = "";
		if (rc < 0)
			hl_wire_err_fmt(&we, w, sizeof(w));
		ctr.rows_bad++;
		HL_LOG(HL_LOG_WARN, "roles", "bad stream_rows from node=%" PRIu64 ": %s %s", from,
		        why, w);
		return;
	}
	uint64_t key = m.kind == HL_ROWS_DC ? hl_rows_dc_key(m.dc)
	                                    : (uint64_t)m.workflow_id << 32 | m.sub_id;
	ctr.rows_in++;
	if ((rc = hl_rows_put(&rows, m.job_id, (uint8_t)m.kind, key, body, len, hl_node_now_ns())) <
	        0) {
		ctr.rows_bad++;
		HL_LOG(HL_LOG_WARN, "roles",
		        "job=%" PRIu64 " rows from node=%" PRIu64 " not kept: %s", m.job_id, from,
		        hl_errname(rc));
		return;
	}
	if (m.kind == HL_ROWS_DC)
		HL_LOG(HL_LOG_INFO, "roles",
		        "job=%" PRIu64 " DC %s rows from node=%" PRIu64 ": %u rows, %" PRIu64
		        " slices, %" PRIu64 " without rows%s",
		        m.job_id, m.dc, from, m.rows.n, m.slices, m.missing,
		        m.relayed ? " (relayed)" : "");
	if (m.kind != HL_ROWS_DC || m.relayed || !hl_rgate_on())
		return;
	m.relayed = true;
	m.node = hl_node.prof.node_id;
	size_t blen;
	if ((rc = hl_msg_stream_rows_encode(&m, buf, sizeof(buf), &blen, &we)) < 0) {
		ctr.rows_bad++;
		HL_LOG(HL_LOG_ERR, "roles", "job=%" PRIu64 " rows relay: encode: %s", m.job_id,
		        hl_errname(rc));
		return;
	}
	for (uint32_t i = 0; i < hl_node.prof.n_gates; i++) {
		uint64_t g = hl_node.prof.gates[i];
		if (g != hl_node.prof.node_id && g != from &&
		        hl_roles_send(g, HL_MSG_stream_rows, buf, blen, "rows") == 0)
			ctr.rows_relayed++;
	}
}

int
hl_roles_rows_send(uint64_t to, const void *body, size_t len)
{
	if (!rows_on)
		return -ENODEV;
	ctr.rows_out++;
	if (to == hl_node.prof.node_id) { /* kept now: before the message it goes with */
		rows_frame(to, body, len);
		return 0;
	}
	return hl_roles_send(to, HL_MSG_stream_rows, body, len, "rows");
}

const struct hl_rows *
hl_roles_rows(void)
{
	return rows_on ? &rows : NULL;
}

void
hl_roles_rows_drop(uint64_t job, uint8_t kind, uint64_t key)
{
	if (rows_on)
		(void)hl_rows_drop(&rows, job, kind, key);
}

/* ---- routing ---- */

static bool
elect_type(unsigned t)
{
	return t == HL_MSG_pre_vote_req || t == HL_MSG_pre_vote_resp || t == HL_MSG_vote_req ||
	       t == HL_MSG_vote_resp || t == HL_MSG_leader_heartbeat ||
	       t == HL_MSG_leader_heartbeat_ack || t == HL_MSG_leader_stepdown;
}

/* A DC's messages to gates carry the DC's id as sender: the link's node must be one of its
 * configured managers. */
static bool
dc_member(uint64_t dc, uint64_t node)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	for (uint32_t i = 0; i < p->n_dcs; i++) {
		if (hl_roles_dc_id(p->dcs[i].name) != dc)
			continue;
		for (uint32_t k = 0; k < p->dcs[i].n_managers; k++)
			if (p->dcs[i].managers[k] == node)
				return true;
	}
	return false;
}

static bool
for_worker(const struct hl_dc_msg *d)
{
	return d->kind == HL_DC_DISPATCH || d->kind == HL_DC_PROGRESS_ACK ||
	       d->kind == HL_DC_RESULT_ACK || d->kind == HL_DC_TRANSFER || d->kind == HL_DC_CANCEL;
}

static void
bad(uint64_t from, unsigned type, int rc, const struct hl_wire_err *we, const char *why)
{
	char w[160] = "";
	ctr.recv_bad++;
	if (we != NULL)
		hl_wire_err_fmt(we, w, sizeof(w));
	HL_LOG(HL_LOG_WARN, "roles", "bad %s from node=%" PRIu64 ": %s %s", hl_msg_name(type), from,
	        why ? why : hl_errname(rc), w);
}

static void
on_frame(uint64_t from, unsigned type, const void *body, size_t len, void *arg)
{
	static struct hl_mmsg mm;
	static struct hl_gmsg gm;
	struct hl_wire_err we;
	uint64_t now = hl_node_now_ns();
	int rc;
	(void)arg;

	if (type == HL_MSG_job_spec_put || type == HL_MSG_job_spec_fetch) {
		if (specs_on)
			spec_frame(from, type, body, len);
		else
			ctr.recv_other++;
		goto out;
	}
	if (type == HL_MSG_stream_rows) {
		if (rows_on)
			rows_frame(from, body, len);
		else
			ctr.recv_other++;
		goto out;
	}
	if (type == HL_MSG_dc_leader_announce) {
		struct hl_msg_dc_leader_announce a;
		if (!hl_rwrk_on()) {
			ctr.recv_other++;
		} else if ((rc = hl_msg_dc_leader_announce_decode(body, len, &a, &we)) < 0) {
			bad(from, type, rc, &we, NULL);
		} else if (a.leader.node_id != from) {
			bad(from, type, 0, NULL, "announces another node");
		} else {
			hl_rwrk_dc_leader(from, now);
		}
		goto out;
	}
	if (hl_rmgr_on() || hl_rwrk_on()) {
		const uint8_t *spec;
		size_t slen;
		rc = hl_manager_wire_decode(type, body, len, &mm, &spec, &slen, &we);
		if (rc == 0) {
			if (mm.from != from) {
				bad(from, type, 0, NULL, "sender is not the link's node");
			} else if (mm.kind == HL_MM_DC && for_worker(&mm.u.d)) {
				if (hl_rwrk_on())
					hl_rwrk_dc(&mm.u.d, spec, slen, now);
				else
					ctr.recv_other++;
			} else if (hl_rmgr_on()) {
				hl_rmgr_mmsg(&mm, spec, slen, now);
			} else {
				ctr.recv_other++;
			}
			goto out;
		}
		if (rc != -HL_E_UNKNOWN_MSG) {
			bad(from, type, rc, &we, NULL);
			goto out;
		}
	}
	/* not the manager tier's (its decoder claims manager-tier elections first) */
	if (elect_type(type)) {
		if (hl_rgate_on())
			hl_rgate_elect_frame(from, type, body, len);
		else
			ctr.recv_other++;
		goto out;
	}
	if (hl_gate_wire_type(type) && (hl_rgate_on() || hl_rmgr_on())) {
		if ((rc = hl_gate_wire_decode(type, body, len, &gm, &we)) < 0) {
			bad(from, type, rc, &we, NULL);
		} else if (gm.from != from && !dc_member(gm.from, from)) {
			bad(from, type, 0, NULL, "sender is neither the link's node nor its DC");
		} else if (gm.type == HL_GM_DC_SUBMIT || gm.type == HL_GM_DC_RESULT_ACK ||
		           gm.type == HL_GM_DC_REPORT_ACK) {
			if (hl_rmgr_on())
				hl_rmgr_gmsg(&gm, now);
			else
				ctr.recv_other++;
		} else if (hl_rgate_on()) {
			hl_rgate_gmsg(&gm, now);
		} else {
			ctr.recv_other++;
		}
		goto out;
	}
	ctr.recv_other++;
out:
	flush_local();
}

/* A job's text is needed while the gate, client or manager core here holds the job. */
static bool
spec_needed(uint64_t job, void *ctx)
{
	(void)ctx;
	return hl_rgate_holds(job) || hl_rmgr_holds(job);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	uint64_t now = hl_node_now_ns();
	if (ticks++ % MEMBERS_EVERY == 0) {
		refresh_members(now);
		if (specs_on) {
			hl_specs_expire(&specs, now);
			hl_specs_sweep(&specs, spec_needed, NULL, now, SPECS_GRACE_NS);
		}
		if (rows_on)
			(void)hl_rows_sweep(&rows, spec_needed, NULL, now, ROWS_GRACE_NS);
	}
	if (hl_rgate_on())
		hl_rgate_tick(now);
	if (hl_rmgr_on())
		hl_rmgr_tick(now);
	if (hl_rwrk_on())
		hl_rwrk_tick(now);
	flush_local();
}

void
hl_roles_kick(void)
{
	flush_local();
}

int
hl_roles_start(struct event_base *base, char *err, size_t errlen)
{
	const struct hl_node_cfg *p = &hl_node.prof;
	int rc;

	hl_peer_set_handler(on_frame, NULL);
	if (p->n_dcs > 0 && (p->roles & (HL_ROLE_GATE | HL_ROLE_MANAGER))) {
		if ((rc = hl_specs_init(&specs, SPECS_MAX, HL_WIRE_SPEC_MAX, SPECS_TTL_NS)) < 0) {
			snprintf(err, errlen, "job profile store: %s", hl_errname(rc));
			return rc;
		}
		specs_on = true;
	}
	if (p->n_dcs > 0 && p->roles != 0) {
		if ((rc = hl_rows_init(&rows, ROWS_MAX, ROWS_BYTES, ROWS_TTL_NS)) < 0) {
			snprintf(err, errlen, "result rows store: %s", hl_errname(rc));
			return rc;
		}
		rows_on = true;
	}
	if ((rc = hl_rgate_start(err, errlen)) < 0 || (rc = hl_rmgr_start(err, errlen)) < 0 ||
	        (rc = hl_rwrk_start(err, errlen)) < 0)
		return rc;
	if (!hl_rgate_on() && !hl_rmgr_on() && !hl_rwrk_on())
		return 0;
	struct timeval tv = {0, TICK_US};
	tick_ev = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
	if (tick_ev == NULL || event_add(tick_ev, &tv) != 0) {
		snprintf(err, errlen, "roles: cannot arm their timer");
		return -ENOMEM;
	}
	return 0;
}

void
hl_roles_stop(void)
{
	hl_peer_set_handler(NULL, NULL);
	if (tick_ev)
		event_free(tick_ev);
	tick_ev = NULL;
	hl_rwrk_stop();
	hl_rmgr_stop();
	hl_rgate_stop();
	while (lq_len > 0) {
		free(localq[lq_head].body);
		localq[lq_head].body = NULL;
		lq_head = (lq_head + 1) % LOCALQ;
		lq_len--;
	}
	if (specs_on)
		hl_specs_fini(&specs);
	specs_on = false;
	if (rows_on)
		hl_rows_fini(&rows);
	rows_on = false;
	n_members = 0;
}

uint32_t
hl_roles_counters(struct hl_node_counter *out, uint32_t cap)
{
	const struct hl_node_counter c[] = {
	        {"role_frames_sent_total", ctr.sent},
	        {"role_send_no_link_total", ctr.send_enoent},
	        {"role_send_enobufs_total", ctr.send_enobufs},
	        {"role_send_errors_total", ctr.send_err},
	        {"role_frames_bad_total", ctr.recv_bad},
	        {"frames_for_no_role_total", ctr.recv_other},
	        {"role_local_queue_full_total", ctr.local_full + ctr.local_big},
	        {"members", n_members},
	        {"members_table_full_total", ctr.members_full},
	        {"job_specs_held", specs_on ? hl_specs_count(&specs) : 0},
	        {"job_spec_puts_in_total", ctr.spec_put_in},
	        {"job_spec_puts_out_total", ctr.spec_put_out},
	        {"job_spec_fetches_in_total", ctr.spec_fetch_in},
	        {"job_spec_refused_total", ctr.spec_refused},
	        {"job_specs_evicted_total", specs_on ? specs.n_evicted : 0},
	        {"job_specs_expired_total", specs_on ? specs.n_expired : 0},
	        {"job_specs_ended_total", specs_on ? specs.n_swept : 0},
	        {"result_rows_held", rows_on ? rows.n : 0},
	        {"result_rows_bytes", rows_on ? rows.bytes : 0},
	        {"result_rows_in_total", ctr.rows_in},
	        {"result_rows_out_total", ctr.rows_out},
	        {"result_rows_relayed_total", ctr.rows_relayed},
	        {"result_rows_bad_total", ctr.rows_bad},
	        {"result_rows_evicted_total", rows_on ? rows.n_evicted : 0},
	        {"result_rows_expired_total", rows_on ? rows.n_expired + rows.n_swept : 0},
	};
	uint32_t n = 0;
	for (; n < sizeof(c) / sizeof(c[0]) && n < cap; n++)
		out[n] = c[n];
	n += hl_rgate_counters(out + n, cap - n);
	n += hl_rmgr_counters(out + n, cap - n);
	n += hl_rwrk_counters(out + n, cap - n);
	return n;
}
