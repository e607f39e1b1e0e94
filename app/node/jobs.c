/* jobs.c — job records on the control core and the all-in-one job path: a submitted job's
 * workflows run one at a time in dependency order; each run is built here (lib/txgen streams and
 * RX measurement per lane), sent to dispatch, and its counters are read back when every lane
 * reported DONE. Results stay in the record until a client fetches them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "hl_counts.h"
#include "hl_err.h"
#include "hl_log.h"
#include "hl_pushlog.h"
#include "hl_readfile.h"
#include "hl_rxmeas.h"
#include "hl_stream.h"
#include "hl_txgen.h"
#include "node.h"
#include "rows.h"

struct hl_job hl_jobs[HL_NODE_MAX_JOBS];
uint64_t hl_jobs_submitted, hl_jobs_rejected, hl_jobs_evicted, hl_jobs_deduplicated;
/* Job ids start at the node's start time in milliseconds, so that ids stay unique across
 * restarts (persisted results keep theirs) without persisting a counter. */
static uint64_t next_job_id;
static char results_dir[HL_NODE_LONGSTR + 16]; /* "" = results are not persisted */
uint64_t hl_jobs_persist_errors;
static uint32_t run_gen;
static struct hl_job *active; /* the job whose workflow is on the lanes (one at a time) */

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
	free(j->spec);
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

/* A keyed job's id: the same key in the same cluster names the same job at every node, so a
 * resubmission at another entry gate is the job it already is (issue 15 item 6). FNV-1a 64 of
 * the cluster id and the key, folded into [2^52, 2^53): above the ids gates count out for node
 * ids 1..15 (node id << 48 | ms clock), exact in a JSON double. */
static uint64_t
keyed_id(const char *cluster, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *p = cluster; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull; /* separator: no byte of a name */
	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	return (1ull << 52) | (h & ((1ull << 52) - 1));
}

int
hl_jobs_submit(const char *ini, size_t len, bool cluster, uint64_t *id, char *err, size_t errlen)
{
	struct hl_node *n = &hl_node;
	struct hl_job_spec *js = calloc(1, sizeof(*js));
	int rc;
	if (js == NULL)
		return -ENOMEM;
	rc = hl_job_profile_parse_buf(js, "job profile", ini, len, err, errlen);
	if (rc == 0 && cluster) {
		/* the workers check ports and lanes when a slice of the job reaches them */
		rc = 0;
	} else if (rc == 0 && !(n->prof.roles & HL_ROLE_WORKER)) {
		snprintf(err, errlen,
		        "node %s has no worker role: this build runs jobs only on an "
		        "all-in-one node",
		        n->prof.name);
		rc = -HL_E_UNSUPPORTED;
	}
	for (uint32_t i = 0; rc == 0 && !cluster && i < js->n_streams; i++) {
		struct hl_job_stream *st = &js->streams[i];
		bool found = false;
		if (st->port_name[0]) { /* by name: resolve to this node's port index */
			for (uint32_t k = 0; k < n->n_ports && !found; k++)
				if (strcmp(n->ports[k].cfg.name, st->port_name) == 0) {
					st->port = (uint16_t)k;
					found = true;
				}
		} else {
			found = st->port < n->n_ports;
		}
		if (!found) {
			char list[128] = "", want[HL_JOB_NAME_LEN + 8];
			for (uint32_t k = 0; k < n->n_ports; k++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list),
				        "%s%u=%s", k ? ", " : "", k, n->ports[k].cfg.name);
			if (st->port_name[0])
				snprintf(want, sizeof(want), "'%s'", st->port_name);
			else
				snprintf(want, sizeof(want), "%u", st->port);
			snprintf(err, errlen,
			        "job profile: [stream %s] port: test port %s does not exist on "
			        "node %s "
			        "(ports: %s)",
			        st->name, want, n->prof.name, list);
			rc = -ENODEV;
		}
	}
	for (uint32_t i = 0; rc == 0 && !cluster && i < js->n_workflows; i++) {
		if (js->workflows[i].cores > n->prof.n_traffic) {
			snprintf(err, errlen,
			        "job profile: [workflow %s] cores: %u traffic lcores wanted, node "
			        "%s has "
			        "%u",
			        js->workflows[i].name, js->workflows[i].cores, n->prof.name,
			        n->prof.n_traffic);
			rc = -ENOSPC;
		}
	}
	struct hl_job *j = NULL;
	struct hl_cp_result *res = NULL;
	uint64_t kid = rc == 0 && js->idempotency_key[0]
	                       ? keyed_id(n->prof.cluster_id, js->idempotency_key)
	                       : 0;
	struct hl_job *same = kid ? hl_jobs_get(kid) : NULL;
	if (same != NULL && strcmp(same->spec->idempotency_key, js->idempotency_key) == 0) {
		/* the same key: the job it already is (its record, its results) */
		free(js);
		*id = kid;
		hl_jobs_deduplicated++;
		HL_LOG(HL_LOG_INFO, "jobs", "job=%" PRIu64 " submitted again (same key)", kid);
		return 0;
	}
	if (same != NULL) {
		snprintf(err, errlen,
		        "job profile: [job] idempotency_key: '%s' gives the id %" PRIu64
		        " of a live job with another key; choose another key",
		        js->idempotency_key, kid);
		rc = -HL_E_EXISTS;
	}
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
		free(res);
		hl_jobs_rejected++;
		HL_LOG(HL_LOG_WARN, "jobs", "submit rejected: %s", err);
		return rc;
	}
	memset(j, 0, sizeof(*j));
	j->used = true;
	if (next_job_id == 0) {
		next_job_id = (uint64_t)time(NULL) * 1000;
		/* cluster jobs: the gate's node id in the top bits keeps ids of gates apart */
		if (cluster)
			next_job_id |= (n->prof.node_id & 0x7fff) << 48;
	}
	j->id = kid ? kid : next_job_id++;
	j->remote = cluster;
	j->state = HL_JOB_QUEUED;
	j->spec = js; /* the record owns it now */
	j->cur_wf = -1;
	j->submit_ns = hl_node_now_ns();
	j->result = res;
	res->job_id = j->id;
	snprintf(res->name, sizeof(res->name), "%s", j->spec->name);
	j->prog.job_id = j->id;
	j->prog.wf_total = j->spec->n_workflows;
	if (cluster && (rc = hl_roles_submit(j->id, ini, len, js, err, errlen)) < 0) {
		hl_jobs_rejected++;
		HL_LOG(HL_LOG_WARN, "jobs", "submit rejected: %s", err);
		job_free(j);
		return rc;
	}
	hl_jobs_submitted++;
	*id = j->id;
	HL_LOG(HL_LOG_INFO, "jobs", "job=%" PRIu64 " name=%s queued workflows=%u streams=%u", j->id,
	        j->spec->name, j->spec->n_workflows, j->spec->n_streams);
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

/* Stream pools whose mbufs were not all back when their run ended (a NIC still holding TX
 * descriptors): retried every tick; full means a pool is leaked, which is logged. */
#define DEFERRED_MAX 64
static struct hl_tx_stream *deferred[DEFERRED_MAX];
static uint32_t n_deferred;

static void
stream_free(struct hl_tx_stream *tx, uint16_t port_id, uint16_t queue)
{
	if (hl_tx_stream_free(tx) == 0)
		return;
	/* best effort: a PMD without it (-ENOTSUP) leaves the pool to the deferred retry */
	int rc = rte_eth_tx_done_cleanup(port_id, queue, 0);
	if (rc < 0 && rc != -ENOTSUP)
		HL_LOG(HL_LOG_DEBUG, "jobs", "port id %u queue %u: tx_done_cleanup: %s", port_id,
		        queue, rte_strerror(-rc));
	if (hl_tx_stream_free(tx) == 0)
		return;
	if (n_deferred == DEFERRED_MAX) {
		HL_LOG(HL_LOG_ERR, "jobs",
		        "stream pool leaked: %d pools already wait for mbufs "
		        "still held by ports",
		        DEFERRED_MAX);
		return;
	}
	deferred[n_deferred++] = tx;
}

static void
deferred_retry(void)
{
	for (uint32_t i = 0; i < n_deferred;) {
		if (hl_tx_stream_free(deferred[i]) == 0)
			deferred[i] = deferred[--n_deferred];
		else
			i++;
	}
}

static void
run_free(struct hl_run *r)
{
	for (uint32_t k = 0; k < r->n_streams; k++)
		if (r->st[k].tx)
			stream_free(r->st[k].tx, hl_node.ports[r->st[k].port_idx].port_id,
			        r->st[k].lane);
	for (uint32_t l = 0; l < HL_NODE_MAX_TRAFFIC; l++) {
		for (uint32_t p = 0; p < HL_NODE_MAX_TPORTS; p++)
			if (r->rx[l][p])
				hl_rxmeas_free(r->rx[l][p]);
		rte_free(r->gen[l]);
	}
	rte_free(r);
}

static int
start_wf(struct hl_job *j, int wf, char *err, size_t errlen)
{
	struct hl_node *n = &hl_node;
	const struct hl_job_workflow *w = &j->spec->workflows[wf];
	struct hl_run *r = rte_zmalloc("hl_run", sizeof(*r), 64);
	uint32_t lanes = w->cores < n->prof.n_traffic ? w->cores : n->prof.n_traffic;
	if (lanes == 0)
		lanes = 1;
	if (r == NULL) {
		snprintf(err, errlen, "no memory for the run");
		return -ENOMEM;
	}
	run_gen = (run_gen + 1) & 0xfff;
	r->job_id = j->id;
	r->wf_idx = (uint32_t)wf;
	r->n_streams = w->n_streams;
	int rc = 0;
	for (uint32_t k = 0; k < w->n_streams && rc == 0; k++) {
		const struct hl_job_stream *js = &j->spec->streams[w->streams[k]];
		struct hl_run_stream *rs = &r->st[k];
		struct hl_stream_spec sp;
		struct hl_tx_opts opts = {.pool_mbufs = 2047, .socket = -1};
		char terr[HL_STREAM_ERRLEN];
		rs->js_idx = w->streams[k];
		rs->sig_id = (uint16_t)((run_gen << 4) | k);
		rs->port_idx = js->port;
		rs->lane = (uint16_t)(k % lanes);
		uint16_t port_id = n->ports[rs->port_idx].port_id;
		int socket = (int)rte_lcore_to_socket_id(n->prof.traffic_lcores[rs->lane]);
		if (r->gen[rs->lane] == NULL) {
			r->gen[rs->lane] =
			        rte_zmalloc_socket("hl_txgen", sizeof(struct hl_txgen), 64, socket);
			if (r->gen[rs->lane] == NULL) {
				snprintf(
				        err, errlen, "no memory for lane %u's generator", rs->lane);
				rc = -ENOMEM;
				break;
			}
			hl_txgen_init(r->gen[rs->lane], n->prof.window_ms * 1000000ull);
		}
		/* the stream as profiled, with this run's signature id; the workflow's duration
		 * bounds it */
		sp = js->spec;
		sp.id = rs->sig_id;
		if (w->duration_ns && (sp.duration_ns == 0 || sp.duration_ns > w->duration_ns))
			sp.duration_ns = w->duration_ns;
		rs->tx = hl_tx_stream_create(&sp, port_id, rs->lane, &opts, terr, sizeof(terr));
		if (rs->tx == NULL) {
			snprintf(err, errlen, "stream %s: %s", js->name, terr);
			rc = -EINVAL;
			break;
		}
		if ((rc = hl_txgen_add(r->gen[rs->lane], rs->tx)) < 0) {
			snprintf(err, errlen,
			        "stream %s: lane %u's generator is full (%d streams): %s", js->name,
			        rs->lane, HL_TXGEN_MAX_STREAMS, hl_strerror(rc));
			break; /* run_free frees rs->tx */
		}
		struct hl_rxmeas **rx = &r->rx[rs->lane][rs->port_idx];
		/* the lane reads live stats: no periodic RX snapshot (window of an hour) */
		if (*rx == NULL && (*rx = hl_rxmeas_create(port_id, rs->lane,
		                            3600ull * 1000000000ull, socket)) == NULL) {
			snprintf(err, errlen, "no memory for RX measurement on port %s",
			        n->ports[rs->port_idx].cfg.name);
			rc = -ENOMEM;
			break;
		}
		if ((rc = hl_rxmeas_track(*rx, rs->sig_id)) < 0)
			snprintf(err, errlen, "RX measurement cannot track stream %s: %s", js->name,
			        hl_strerror(rc));
		r->lanes_mask |= 1u << rs->lane;
	}
	struct hl_msg m = {.kind = HL_MSG_RUN, .run = r};
	r->start_tsc = rte_rdtsc();
	if (rc == 0 && rte_ring_sp_enqueue_elem(n->ctl_to_disp, &m, sizeof(m)) != 0) {
		snprintf(err, errlen, "dispatch ring full");
		rc = -ENOBUFS;
	}
	if (rc < 0) {
		run_free(r);
		return rc;
	}
	j->run = r;
	j->cur_wf = wf;
	j->wf_state[wf] = HL_JWF_RUNNING;
	j->last_tx = j->rate_tx = 0;
	j->last_win_tsc = j->rate_tsc = r->start_tsc;
	snprintf(j->prog.workflow, sizeof(j->prog.workflow), "%s", w->name);
	HL_LOG(HL_LOG_INFO, "jobs", "job=%" PRIu64 " workflow=%s started streams=%u lanes=0x%x",
	        j->id, w->name, w->n_streams, r->lanes_mask);
	return 0;
}

static void
port_snapshot(struct hl_job *j, bool base)
{
	struct hl_cp_result *res = j->result;
	for (uint32_t p = 0; p < hl_node.n_ports && p < HL_CP_MAX_PORTS; p++) {
		struct rte_eth_stats st;
		if (hl_port_stats(p, &st, "a job result") != 0)
			HL_LOG(HL_LOG_ERR, "jobs", "job=%" PRIu64 " port counters of %s are wrong",
			        j->id, hl_node.ports[p].cfg.name);
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
result_path(char *out, size_t cap, uint64_t id)
{
	snprintf(out, cap, "%s/job-%" PRIu64 ".msgpack", results_dir, id);
}

/* Write the final result to <state_dir>/results (temporary file, fsync, rename) so that a
 * restart keeps it until a client fetches it. Failures are logged and counted; the result
 * stays in memory either way. */
static void
persist(const struct hl_job *j)
{
	static uint8_t buf[HL_CP_MAX_FRAME];
	static struct hl_msg_job_result m;
	struct hl_wire_err we;
	size_t blen = 0;
	char path[HL_NODE_LONGSTR + 64], tmp[HL_NODE_LONGSTR + 72];
	if (results_dir[0] == '\0')
		return;
	/* the file holds the job_result body the client would get (lib/wire's codec) */
	hl_cp_result_to_msg(j->result, hl_node.prof.dc, &m);
	int n = hl_msg_job_result_encode(&m, buf, sizeof(buf), &blen, &we);
	if (n == 0)
		n = (int)blen;
	result_path(path, sizeof(path), j->id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = n < 0 ? -1 : open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	bool ok = fd >= 0 && write(fd, buf, (size_t)n) == n && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, path) == 0)
		return;
	hl_jobs_persist_errors++;
	HL_LOG(HL_LOG_WARN, "jobs", "job=%" PRIu64 " result not persisted to %s: %s", j->id, path,
	        n < 0 ? hl_strerror(n) : strerror(errno));
	if (unlink(tmp) != 0 && errno != ENOENT)
		HL_LOG(HL_LOG_WARN, "jobs", "job=%" PRIu64 " cannot remove %s: %s", j->id, tmp,
		        strerror(errno));
}

void
hl_jobs_result_fetched(struct hl_job *j)
{
	char path[HL_NODE_LONGSTR + 64];
	j->fetched = true;
	if (results_dir[0] == '\0')
		return;
	result_path(path, sizeof(path), j->id);
	if (unlink(path) != 0 && errno != ENOENT)
		HL_LOG(HL_LOG_WARN, "jobs", "job=%" PRIu64 " fetched, but %s stays: %s", j->id,
		        path, strerror(errno));
}

int
hl_jobs_restore(const char *state_dir)
{
	static struct hl_msg_job_result rmsg;
	struct hl_wire_err we;
	char dirpath[HL_NODE_LONGSTR + 16];
	snprintf(dirpath, sizeof(dirpath), "%s/results", state_dir);
	if ((mkdir(state_dir, 0750) != 0 && errno != EEXIST) ||
	        (mkdir(dirpath, 0750) != 0 && errno != EEXIST)) {
		int e = errno;
		HL_LOG(HL_LOG_WARN, "jobs",
		        "state_dir=%s unusable (%s): results are kept in memory "
		        "only",
		        state_dir, strerror(e));
		return -e;
	}
	snprintf(results_dir, sizeof(results_dir), "%s", dirpath);
	DIR *d = opendir(results_dir);
	if (d == NULL) {
		int e = errno;
		HL_LOG(HL_LOG_WARN, "jobs",
		        "%s unreadable (%s): earlier unfetched results are not restored",
		        results_dir, strerror(e));
		return -e;
	}
	struct dirent *e;
	int restored = 0;
	while ((e = readdir(d)) != NULL) {
		uint64_t id;
		char tail[16];
		if (sscanf(e->d_name, "job-%" SCNu64 ".%15s", &id, tail) != 2 ||
		        strcmp(tail, "msgpack") != 0)
			continue;
		char path[HL_NODE_LONGSTR + 64], err[256];
		char *text = NULL;
		size_t len = 0;
		result_path(path, sizeof(path), id);
		struct hl_job *j = slot_alloc();
		struct hl_cp_result *res = calloc(1, sizeof(*res));
		struct hl_job_spec *spec = calloc(1, sizeof(*spec));
		int rc = j && res && spec ? hl_read_file(path, HL_CP_MAX_FRAME, &text, &len, err,
		                                    sizeof(err))
		                          : -ENOMEM;
		if (rc == 0 && (rc = hl_msg_job_result_decode(text, len, &rmsg, &we)) < 0) {
			char w[200];
			hl_wire_err_fmt(&we, w, sizeof(w));
			snprintf(err, sizeof(err), "undecodable: %s", w);
		}
		if (rc == 0 && (rc = hl_cp_result_from_msg(&rmsg, res)) < 0)
			snprintf(err, sizeof(err),
			        "unknown job state %" PRIu64 " or unpaired streams", rmsg.status);
		free(text);
		if (rc < 0) {
			HL_LOG(HL_LOG_ERR, "jobs", "result file %s not restored: %s", path,
			        rc == -ENOMEM && !j ? "job table full" : err);
			free(res);
			free(spec);
			continue;
		}
		memset(j, 0, sizeof(*j));
		j->used = true;
		j->id = id;
		j->state = res->state;
		j->result = res;
		j->spec = spec; /* only the name and the workflow count survive a restart */
		size_t nl = strnlen(res->name, sizeof(spec->name) - 1);
		memcpy(spec->name, res->name, nl); /* job names are at most 47 characters */
		spec->n_workflows = (uint16_t)res->wf_total;
		j->wf_done = res->wf_done;
		j->prog.job_id = id;
		j->prog.state = res->state;
		j->prog.wf_done = res->wf_done;
		j->prog.wf_total = res->wf_total;
		restored++;
	}
	closedir(d);
	if (restored)
		HL_LOG(HL_LOG_INFO, "jobs", "%d unfetched result(s) restored from %s", restored,
		        results_dir);
	return restored;
}

static void
finalize(struct hl_job *j, uint32_t state, const char *why)
{
	j->state = state;
	j->end_ns = hl_node_now_ns();
	if (why)
		snprintf(j->result->error, sizeof(j->result->error), "%s", why);
	j->result->state = state;
	if (j->start_ns && !j->remote)
		port_snapshot(j, false);
	j->result->wf_done = j->wf_done;
	j->result->wf_total = j->spec->n_workflows;
	if (!j->remote) { /* a cluster job's totals came with its final (hl_jobs_remote_final) */
		struct hl_cp_result *res = j->result;
		res->total_tx = res->total_rx = res->total_lost = 0;
		for (uint32_t k = 0; k < res->n_streams; k++) {
			res->total_tx += res->streams[k].tx_pkts;
			res->total_rx += res->streams[k].rx_pkts;
			res->total_lost += res->streams[k].lost;
		}
	}
	persist(j);
	j->prog.state = state;
	j->prog.wf_done = j->wf_done;
	j->prog.elapsed_ms = j->start_ns ? (j->end_ns - j->start_ns) / 1000000 : 0;
	j->prog.tx_pps = 0;
	j->prog_dirty = true;
	if (active == j)
		active = NULL;
	hl_telemetry_publish_jobs(NULL);
	HL_LOG(HL_LOG_INFO, "jobs", "job=%" PRIu64 " %s%s%s", j->id, hl_job_state_name(state),
	        why ? ": " : "", why ? why : "");
	hl_control_push_progress(j);
}

static void
finish_run(struct hl_job *j)
{
	struct hl_run *r = j->run;
	const struct hl_job_workflow *w = &j->spec->workflows[r->wf_idx];
	double ns_per_tsc = 1e9 / (double)rte_get_tsc_hz();
	struct hl_cp_result *res = j->result;
	for (uint32_t k = 0; k < r->n_streams; k++) {
		struct hl_run_stream *s = &r->st[k];
		const char *sname = j->spec->streams[s->js_idx].name;
		uint8_t sig = j->spec->streams[s->js_idx].spec.sig_mode;
		if (res->n_streams == HL_CP_MAX_STREAMS) {
			HL_LOG(HL_LOG_WARN, "jobs",
			        "job=%" PRIu64 " result holds %d streams; stream "
			        "%s of workflow %s not recorded",
			        j->id, HL_CP_MAX_STREAMS, sname, w->name);
			break;
		}
		const struct hl_tx_counters *tc = hl_tx_stream_counters(s->tx);
		const struct hl_rx_stats *rs =
		        hl_rxmeas_stats(r->rx[s->lane][s->port_idx], s->sig_id);
		struct hl_cp_stream_result *o = &res->streams[res->n_streams++];
		memset(o, 0, sizeof(*o));
		snprintf(o->workflow, sizeof(o->workflow), "%s", w->name);
		snprintf(o->stream, sizeof(o->stream), "%s", sname);
		o->tx_pkts = tc->tx_pkts;
		o->tx_bytes = tc->tx_bytes;
		o->req_pps = tc->requested_pps;
		o->sig = sig;
		double dur = tc->tx_pkts ? (double)(tc->last_tsc - tc->start_tsc) * ns_per_tsc : 0;
		o->duration_ns = (uint64_t)dur;
		/* n packets span n-1 inter-packet gaps */
		o->ach_pps =
		        (tc->tx_pkts > 1 && dur > 0) ? (double)(tc->tx_pkts - 1) * 1e9 / dur : 0;
		if (rs) {
			o->rx_pkts = rs->rx_pkts;
			o->rx_bytes = rs->rx_bytes;
			/* every packet signed: exact; probes: probes lost; unsigned: unmeasured */
			if (sig == HL_SIG_ALL)
				o->lost = tc->tx_pkts > rs->unique ? tc->tx_pkts - rs->unique : 0;
			else if (sig == HL_SIG_PROBES)
				o->lost = hl_rx_loss_final(rs, tc->tx_signed);
			o->reordered = rs->reorder;
			o->duplicates = rs->dup;
			/* the percentiles are those of the histogram the result carries (coarser
			 * than the lanes' when a wide spread does not fit HL_HIST_WIRE_MAX) */
			static struct hl_hist shown;
			const struct hl_hist *h = &rs->lat_ns;
			unsigned shift = 0;
			int hl = hl_hist_encode(h, o->hist, sizeof(o->hist), &shift);
			o->hist_len = hl > 0 ? (uint32_t)hl : 0; /* cannot fail: 2 KiB > WIRE_MIN */
			if (hl > 0 && shift > 0 &&
			        hl_hist_decode(&shown, o->hist, o->hist_len) == 0)
				h = &shown;
			o->p50_ns = hl_hist_percentile(h, 50);
			o->p90_ns = hl_hist_percentile(h, 90);
			o->p99_ns = hl_hist_percentile(h, 99);
			o->p999_ns = hl_hist_percentile(h, 99.9);
			o->max_ns = h->count ? h->max : 0;
			o->min_ns = h->count ? h->min : 0;
			o->mean_ns = (uint64_t)hl_hist_mean(h);
			o->samples = h->count;
			o->jitter_ns = rs->jitter_ns;
			if (rs->too_old)
				HL_LOG(HL_LOG_WARN, "jobs",
				        "job=%" PRIu64 " stream=%s: %" PRIu64
				        " packets arrived more "
				        "than %d sequence numbers late (not checked for "
				        "duplicates)",
				        j->id, sname, rs->too_old, HL_RX_WINDOW);
		}
		if (tc->tx_dropped || tc->alloc_fail || tc->status)
			HL_LOG(HL_LOG_WARN, "jobs",
			        "job=%" PRIu64 " workflow=%s stream=%s: %" PRIu64
			        " packets refused by "
			        "the TX queue, %" PRIu64 " bursts found the pool empty, status %s",
			        j->id, w->name, sname, tc->tx_dropped, tc->alloc_fail,
			        tc->status ? hl_strerror(tc->status) : "ok");
		/* its parts, as a cluster lists them: this node's DC, this node */
		struct hl_rec_stream_row row;
		for (uint64_t who = 0; who < 2 && res->n_parts < HL_CP_MAX_PARTS; who++) {
			hl_cp_stream_to_row(o, 0, who ? hl_node.prof.node_id : 0, &row);
			hl_cp_part_from_row(&row, res->n_streams - 1,
			        hl_node.prof.dc[0] ? hl_node.prof.dc : "local",
			        &res->parts[res->n_parts++]);
		}
		j->done_tx += o->tx_pkts;
		j->done_rx += rs ? rs->unique : 0;
		j->done_lost += o->lost;
	}
	for (uint32_t l = 0; l < HL_NODE_MAX_TRAFFIC; l++)
		for (uint32_t p = 0; p < HL_NODE_MAX_TPORTS; p++) {
			uint64_t total, unsig, unknown;
			if (r->rx[l][p] == NULL)
				continue;
			hl_rxmeas_totals(r->rx[l][p], &total, &unsig, &unknown);
			if (unsig || unknown)
				HL_LOG(HL_LOG_WARN, "jobs",
				        "job=%" PRIu64 " workflow=%s port=%s lane=%u: %" PRIu64
				        " packets without a signature, %" PRIu64
				        " of other streams",
				        j->id, w->name, hl_node.ports[p].cfg.name, l, unsig,
				        unknown);
		}
	j->wf_state[r->wf_idx] = HL_JWF_DONE;
	j->wf_done++;
	j->prog.wf_done = j->wf_done;
	j->prog.tx_pkts = j->done_tx;
	j->prog.rx_pkts = j->done_rx;
	j->prog.lost = j->done_lost;
	j->prog_dirty = true;
	HL_LOG(HL_LOG_INFO, "jobs", "job=%" PRIu64 " workflow=%s done", j->id, w->name);
	run_free(r);
	j->run = NULL;
	j->cur_wf = -1;
	if (j->timed_out)
		finalize(j, HL_JOB_FAILED, "timeout: job ran longer than its [job] timeout");
	else if (j->cancel_req)
		finalize(j, HL_JOB_CANCELLED, "cancelled by a client");
	else if (j->wf_done == j->spec->n_workflows)
		finalize(j, HL_JOB_COMPLETED, NULL);
}

/* ---- jobs of the cluster (a gate's records; role_gate.c drives them) ---- */

void
hl_jobs_remote_update(uint64_t id, uint8_t kind, uint8_t status, uint32_t ppm,
        const struct hl_counts *live, uint64_t p99_ns)
{
	struct hl_job *j = hl_jobs_get(id);
	uint64_t now = hl_node_now_ns();
	if (j == NULL || !j->remote || terminal(j))
		return;
	if (j->state == HL_JOB_QUEUED && (status == HL_WS_RUNNING || kind == HL_PUSH_K_PROGRESS)) {
		j->state = HL_JOB_RUNNING;
		j->prog.state = HL_JOB_RUNNING;
		j->start_ns = hl_node_now_ns();
	}
	if (kind == HL_PUSH_K_PROGRESS) {
		j->prog.ppm = ppm; /* the DCs' work done, merged by the gate job leader */
		j->prog.wf_done = (uint32_t)((uint64_t)ppm * j->spec->n_workflows / 1000000);
	}
	/* the DCs' packets so far, merged by the gate job leader; all zero from a new gate job
	 * leader whose DCs have not reported yet (soft state): the last figures stay */
	if (kind == HL_PUSH_K_PROGRESS && live != NULL && !hl_counts_zero(live)) {
		j->prog.tx_pkts = live->tx_pkts;
		j->prog.rx_pkts = live->rx_pkts;
		j->prog.lost = live->lost;
		j->prog.p99_ns = p99_ns;
		if (j->rate_tsc == 0 || live->tx_pkts < j->rate_tx) {
			j->rate_tsc = now;
			j->rate_tx = live->tx_pkts;
		} else if (now - j->rate_tsc >= 500000000ull) {
			/* rate over at least half a second of pushes (they come every 250 ms) */
			j->prog.tx_pps = (double)(live->tx_pkts - j->rate_tx) * 1e9 /
			                 (double)(now - j->rate_tsc);
			j->rate_tsc = now;
			j->rate_tx = live->tx_pkts;
		}
	}
	if (j->start_ns)
		j->prog.elapsed_ms = (now - j->start_ns) / 1000000;
	j->prog_dirty = true;
}

/* The per-stream table of a cluster job, in the profile's order (as one node lists them): the
 * rows its DCs merged, merged again over DCs. Returns the packets the rows say were sent. */
static uint64_t
remote_streams(struct hl_job *j, const struct hl_rows_merge *rows, const struct hl_cp_part *parts,
        uint32_t n_parts)
{
	static uint8_t hist[HL_HIST_WIRE_MAX];
	static int32_t index_of[HL_ROWS_MAX_IDS]; /* a row id's place in the table, -1: none */
	struct hl_cp_result *res = j->result;
	struct hl_rec_stream_row row;
	uint64_t tx = 0;
	res->n_streams = 0;
	for (uint32_t i = 0; i < HL_ROWS_MAX_IDS; i++)
		index_of[i] = -1;
	for (uint32_t w = 0; rows && w < j->spec->n_workflows; w++) {
		const struct hl_job_workflow *wf = &j->spec->workflows[w];
		for (uint32_t k = 0; k < wf->n_streams && res->n_streams < HL_CP_MAX_STREAMS; k++) {
			if (!hl_rows_merge_row(
			            rows, w * HL_ROWS_WF_STREAMS + k, &row, hist, sizeof(hist)))
				continue;
			index_of[w * HL_ROWS_WF_STREAMS + k] = (int32_t)res->n_streams;
			struct hl_cp_stream_result *o = &res->streams[res->n_streams++];
			memset(o, 0, sizeof(*o));
			hl_cp_stream_from_row(&row, o);
			snprintf(o->workflow, sizeof(o->workflow), "%s", wf->name);
			snprintf(o->stream, sizeof(o->stream), "%s",
			        j->spec->streams[wf->streams[k]].name);
			tx += o->tx_pkts;
		}
	}
	res->n_parts = 0;
	for (uint32_t i = 0; i < n_parts && res->n_parts < HL_CP_MAX_PARTS; i++)
		if (parts[i].stream < HL_ROWS_MAX_IDS && index_of[parts[i].stream] >= 0) {
			res->parts[res->n_parts] = parts[i];
			res->parts[res->n_parts++].stream = (uint32_t)index_of[parts[i].stream];
		}
	return tx;
}

void
hl_jobs_remote_final(uint64_t id, uint8_t status, const struct hl_counts *totals,
        const struct hl_rows_merge *rows, const struct hl_cp_part *parts, uint32_t n_parts,
        uint32_t missing_slices)
{
	char why[160];
	struct hl_job *j = hl_jobs_get(id);
	if (j == NULL || !j->remote || terminal(j))
		return;
	j->result->total_tx = totals->tx_pkts;
	j->result->total_rx = totals->rx_pkts;
	j->result->total_lost = totals->lost;
	if (j->start_ns == 0)
		j->start_ns = j->submit_ns;
	j->prog.ppm = 0; /* over: workflows done of total says it */
	uint64_t rows_tx = remote_streams(j, rows, parts, n_parts);
	if (status == HL_WS_COMPLETED) {
		j->wf_done = j->spec->n_workflows;
		if (rows_tx == totals->tx_pkts && missing_slices == 0) {
			finalize(j, HL_JOB_COMPLETED, NULL);
			return;
		}
		/* said with the result: the table is not the whole job */
		snprintf(why, sizeof(why),
		        "per-stream rows cover %" PRIu64 " of the %" PRIu64
		        " packets sent (%u slice(s) without rows: a job leader died before it "
		        "had them)",
		        rows_tx, totals->tx_pkts, missing_slices);
		finalize(j, HL_JOB_COMPLETED, why);
		return;
	}
	uint64_t limit = j->spec->timeout_ns ? j->spec->timeout_ns : HL_JOB_DEFAULT_TIMEOUT_NS;
	if (status == HL_WS_TIMEOUT && hl_node_now_ns() - j->start_ns >= limit)
		/* its DCs count from their start, later than this gate: past the timeout here too.
		 * Else a DC went silent (the gate's dc_timeout). */
		snprintf(why, sizeof(why),
		        "timeout: job ran longer than its [job] timeout (%" PRIu64
		        " s): stopped in every DC",
		        limit / UINT64_C(1000000000));
	else
		snprintf(why, sizeof(why), "the cluster ended the job %s",
		        status == HL_WS_TIMEOUT     ? "timed out (a DC went silent)"
		        : status == HL_WS_CANCELLED ? "cancelled"
		                                    : "failed");
	finalize(j, status == HL_WS_CANCELLED ? HL_JOB_CANCELLED : HL_JOB_FAILED, why);
}

int
hl_jobs_release(uint64_t id)
{
	struct hl_job *j = hl_jobs_get(id);
	if (j == NULL)
		return -HL_E_NOT_FOUND;
	if (!terminal(j) || j->run != NULL)
		return -EBUSY; /* its lanes still run: released once they are done */
	if (active == j)
		active = NULL;
	job_free(j);
	return 0;
}

int
hl_jobs_cancel(uint64_t id)
{
	struct hl_job *j = hl_jobs_get(id);
	if (j == NULL)
		return -HL_E_NOT_FOUND;
	if (terminal(j))
		return -EALREADY;
	if (j->remote) {
		/* a cluster job: the gate tier stops it in every DC; its final (CANCELLED, with
		 * the counts of what ran) comes back as for any end */
		int rc = j->cancel_req ? 0 : hl_roles_cancel(id);
		if (rc < 0)
			return rc;
		j->cancel_req = true;
		return 0;
	}
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
		j->last_tx = m->tx_pkts;
		j->last_win_tsc = m->tsc;
		j->prog.tx_pkts = j->done_tx + m->tx_pkts;
		j->prog.rx_pkts = j->done_rx + m->rx_pkts;
		j->prog.lost = j->done_lost + m->lost;
		j->prog.p99_ns = m->p99_ns;
		j->prog.elapsed_ms = (hl_node_now_ns() - j->start_ns) / 1000000;
		j->prog_dirty = true;
	} else if (m->kind == HL_MSG_DONE) {
		j->run->lanes_done++;
		if (j->run->lanes_done == (uint32_t)__builtin_popcount(j->run->lanes_mask))
			finish_run(j);
	}
}

/* Next workflow to run: layer by layer, file order inside a layer, dependencies done. */
static int
next_ready_wf(const struct hl_job *j)
{
	const struct hl_job_spec *js = j->spec;
	for (uint16_t layer = 0; layer < js->n_layers; layer++)
		for (uint16_t w = 0; w < js->n_workflows; w++) {
			if (js->workflows[w].layer != layer || j->wf_state[w] != HL_JWF_PENDING)
				continue;
			bool ready = true;
			for (uint16_t d = 0; d < js->workflows[w].n_deps; d++)
				if (j->wf_state[js->workflows[w].deps[d]] != HL_JWF_DONE)
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
	if (n_deferred)
		deferred_retry();
	for (int k = 0; k < 256; k++) {
		if (rte_ring_sc_dequeue_elem(hl_node.prog_to_ctl, &m, sizeof(m)) != 0)
			break;
		on_msg(&m);
	}
	/* cluster jobs run elsewhere: their watchers see the time go by between updates */
	for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
		struct hl_job *r = &hl_jobs[i];
		if (r->used && r->remote && r->state == HL_JOB_RUNNING) {
			uint64_t ms = (hl_node_now_ns() - r->start_ns) / 1000000;
			if (ms / 1000 != r->prog.elapsed_ms / 1000)
				r->prog_dirty = true;
			r->prog.elapsed_ms = ms;
		}
	}
	if (active && active->run && !active->timed_out &&
	        hl_node_now_ns() - active->start_ns >
	                (active->spec->timeout_ns ? active->spec->timeout_ns
	                                          : HL_JOB_DEFAULT_TIMEOUT_NS)) {
		active->timed_out = true;
		__atomic_store_n(&active->run->cancel, 1, __ATOMIC_RELAXED);
	}
	if (active == NULL) {
		for (int i = 0; i < HL_NODE_MAX_JOBS; i++) {
			struct hl_job *j = &hl_jobs[i];
			if (j->used && j->state == HL_JOB_QUEUED && !j->remote &&
			        (active == NULL || j->id < active->id))
				active = j;
		}
		if (active) {
			active->state = HL_JOB_RUNNING;
			active->prog.state = HL_JOB_RUNNING;
			active->start_ns = hl_node_now_ns();
			port_snapshot(active, true);
		}
	}
	if (active && active->run == NULL && !terminal(active)) {
		int w = next_ready_wf(active);
		if (w < 0) {
			finalize(active, HL_JOB_FAILED, "no runnable workflow (dependency state)");
		} else {
			char e[200], why[256];
			if (start_wf(active, w, e, sizeof(e)) < 0) {
				snprintf(why, sizeof(why), "workflow %s could not start: %s",
				        active->spec->workflows[w].name, e);
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
