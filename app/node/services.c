/* services.c — the node's rte_service components (dispatch, progress ingestion, adaptive
 * back-off; SWIM is in membership.c) on the profile's service lcores, and the SP/SC rings that connect the lcores:
 *
 *   control --ctl_to_disp--> dispatch --disp_to_lane[i]--> lane i
 *   lane i --lane_to_prog[i]--> progress --prog_to_ctl--> control
 *
 * Each ring has exactly one producer and one consumer lcore, so all are SP/SC. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>
#include <rte_service.h>
#include <rte_service_component.h>

#include "hl_log.h"
#include "node.h"

/* Work seen this round by the services of an lcore; written and read on that lcore only. */
static uint32_t svc_work[RTE_MAX_LCORE];
static uint32_t svc_idle_rounds[RTE_MAX_LCORE];

void
hl_svc_worked(void)
{
	svc_work[rte_lcore_id()] = 1;
}

static struct rte_ring *
mkring(const char *what, unsigned i)
{
	char name[RTE_RING_NAMESIZE];
	snprintf(name, sizeof(name), "hl_%s%u", what, i);
	return rte_ring_create_elem(name, sizeof(struct hl_msg), HL_NODE_RING_SIZE,
	        (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
}

int
hl_rings_create(char *err, size_t errlen)
{
	struct hl_node *n = &hl_node;
	n->ctl_to_disp = mkring("ctl_disp", 0);
	n->prog_to_ctl = mkring("prog_ctl", 0);
	if (n->ctl_to_disp == NULL || n->prog_to_ctl == NULL)
		goto fail;
	for (uint32_t i = 0; i < n->prof.n_traffic; i++) {
		n->disp_to_lane[i] = mkring("disp_l", i);
		n->lane_to_prog[i] = mkring("prog_l", i);
		if (n->disp_to_lane[i] == NULL || n->lane_to_prog[i] == NULL)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "ring create: %s", rte_strerror(rte_errno));
	return -rte_errno;
}

void
hl_rings_free(void)
{
	struct hl_node *n = &hl_node;
	rte_ring_free(n->ctl_to_disp);
	rte_ring_free(n->prog_to_ctl);
	for (uint32_t i = 0; i < HL_NODE_MAX_TRAFFIC; i++) {
		rte_ring_free(n->disp_to_lane[i]);
		rte_ring_free(n->lane_to_prog[i]);
		n->disp_to_lane[i] = n->lane_to_prog[i] = NULL;
	}
	n->ctl_to_disp = n->prog_to_ctl = NULL;
}

/* dispatch: fan a workflow run out to the lanes that carry its streams. A lane ring that is
 * full keeps the message pending (retried next round), never dropped. */
static struct hl_msg disp_pending;
static uint32_t disp_pending_lanes;

static int32_t
svc_dispatch(void *arg)
{
	struct hl_node *n = arg;
	if (disp_pending_lanes == 0) {
		if (rte_ring_sc_dequeue_elem(
		            n->ctl_to_disp, &disp_pending, sizeof(struct hl_msg)) != 0)
			return 0;
		disp_pending_lanes = disp_pending.run->lanes_mask;
	}
	svc_work[rte_lcore_id()] = 1;
	for (uint32_t l = 0; l < n->prof.n_traffic; l++) {
		if (!(disp_pending_lanes & (1u << l)))
			continue;
		struct hl_msg m = disp_pending;
		m.lane = l;
		if (rte_ring_sp_enqueue_elem(n->disp_to_lane[l], &m, sizeof(m)) == 0)
			disp_pending_lanes &= ~(1u << l);
		else
			__atomic_fetch_add(&n->ring_full, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

/* progress ingestion: keep the latest cumulative window of every lane of a run, forward the
 * run's sum to control; DONE messages pass through. When prog_to_ctl is full a window is
 * dropped (windows are cumulative: the next one supersedes it) and counted; a DONE is held. */
static struct hl_msg prog_held;
static bool prog_have_held;

static int32_t
svc_progress(void *arg)
{
	struct hl_node *n = arg;
	struct hl_msg m;
	if (prog_have_held) {
		if (rte_ring_sp_enqueue_elem(n->prog_to_ctl, &prog_held, sizeof(prog_held)) != 0)
			return 0;
		prog_have_held = false;
	}
	for (uint32_t l = 0; l < n->prof.n_traffic; l++) {
		for (int k = 0; k < 32; k++) {
			if (rte_ring_sc_dequeue_elem(n->lane_to_prog[l], &m, sizeof(m)) != 0)
				break;
			svc_work[rte_lcore_id()] = 1;
			struct hl_run *r = m.run;
			if (m.kind == HL_MSG_WINDOW) {
				__atomic_fetch_add(&n->windows_total, 1, __ATOMIC_RELAXED);
				r->win_tx[l] = m.tx_pkts;
				r->win_rx[l] = m.rx_pkts;
				r->win_lost[l] = m.lost;
				r->win_p99[l] = m.p99_ns;
				struct hl_msg agg = m;
				agg.tx_pkts = agg.rx_pkts = agg.lost = agg.p99_ns = 0;
				for (uint32_t j = 0; j < n->prof.n_traffic; j++) {
					agg.tx_pkts += r->win_tx[j];
					agg.rx_pkts += r->win_rx[j];
					agg.lost += r->win_lost[j];
					if (r->win_p99[j] > agg.p99_ns)
						agg.p99_ns = r->win_p99[j];
				}
				if (rte_ring_sp_enqueue_elem(n->prog_to_ctl, &agg, sizeof(agg)) !=
				        0)
					__atomic_fetch_add(
					        &n->windows_dropped, 1, __ATOMIC_RELAXED);
			} else if (rte_ring_sp_enqueue_elem(n->prog_to_ctl, &m, sizeof(m)) != 0) {
				prog_held = m;
				prog_have_held = true;
				return 0;
			}
		}
	}
	return 0;
}

/* adaptive back-off: runs last on every service lcore; after 1000 idle rounds it sleeps, 50 us
 * doubling to 500 us, so that idle nodes sharing two CPUs leave them to whoever has work while
 * ring traffic is still picked up within a millisecond. */
static int32_t
svc_backoff(void *arg)
{
	(void)arg;
	unsigned lc = rte_lcore_id();
	if (svc_work[lc]) {
		svc_work[lc] = 0;
		svc_idle_rounds[lc] = 0;
		return 0;
	}
	uint32_t r = ++svc_idle_rounds[lc];
	if (r < 1000)
		return 0;
	long us = 50L << ((r - 1000) / 64 < 4 ? (r - 1000) / 64 : 3);
	if (us > 500)
		us = 500;
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, NULL);
	return 0;
}

static int
reg(const char *name, rte_service_func fn, uint32_t *id, char *err, size_t errlen)
{
	struct rte_service_spec spec;
	memset(&spec, 0, sizeof(spec));
	snprintf(spec.name, sizeof(spec.name), "%s", name);
	spec.callback = fn;
	spec.callback_userdata = &hl_node;
	spec.capabilities = 0; /* not MT-safe: each is mapped to one lcore */
	int rc = rte_service_component_register(&spec, id);
	if (rc == 0)
		rc = rte_service_component_runstate_set(*id, 1);
	if (rc == 0)
		rc = rte_service_runstate_set(*id, 1);
	if (rc < 0)
		snprintf(err, errlen, "service %s: %s", name, rte_strerror(-rc));
	return rc;
}

int
hl_services_start(char *err, size_t errlen)
{
	struct hl_node *n = &hl_node;
	const struct hl_node_cfg *p = &n->prof;
	int rc;
	for (uint32_t i = 0; i < p->n_svc; i++) {
		rc = rte_service_lcore_add(p->svc_lcores[i]);
		if (rc < 0 && rc != -EALREADY) {
			snprintf(err, errlen, "service lcore %u: %s", p->svc_lcores[i],
			        rte_strerror(-rc));
			return rc;
		}
	}
	if ((rc = reg("hl_dispatch", svc_dispatch, &n->svc_dispatch, err, errlen)) < 0 ||
	        (rc = reg("hl_progress", svc_progress, &n->svc_progress, err, errlen)) < 0)
		return rc;
	if (p->adaptive && (rc = reg("hl_backoff", svc_backoff, &n->svc_backoff, err, errlen)) < 0)
		return rc;
	if ((rc = rte_service_map_lcore_set(n->svc_dispatch, p->dispatch_lcore, 1)) < 0 ||
	        (rc = rte_service_map_lcore_set(n->svc_progress, p->progress_lcore, 1)) < 0) {
		snprintf(err, errlen, "service map: %s", rte_strerror(-rc));
		return rc;
	}
	for (uint32_t i = 0; i < p->n_svc; i++) {
		if (p->adaptive &&
		        (rc = rte_service_map_lcore_set(n->svc_backoff, p->svc_lcores[i], 1)) < 0) {
			snprintf(err, errlen, "service map backoff: %s", rte_strerror(-rc));
			return rc;
		}
		rc = rte_service_lcore_start(p->svc_lcores[i]);
		if (rc < 0 && rc != -EALREADY) {
			snprintf(err, errlen, "service lcore %u start: %s", p->svc_lcores[i],
			        rte_strerror(-rc));
			return rc;
		}
	}
	HL_LOG(HL_LOG_INFO, "node", "services dispatch@%u progress@%u polling=%s",
	        p->dispatch_lcore, p->progress_lcore, p->adaptive ? "adaptive" : "busy");
	return 0;
}

int
hl_services_add_swim(char *err, size_t errlen)
{
	struct hl_node *n = &hl_node;
	int rc = reg("hl_swim", hl_membership_service, &n->svc_swim, err, errlen);
	if (rc < 0)
		return rc;
	n->have_svc_swim = true;
	if ((rc = rte_service_map_lcore_set(n->svc_swim, n->prof.swim_lcore, 1)) < 0) {
		snprintf(err, errlen, "service map hl_swim: %s", rte_strerror(-rc));
		return rc;
	}
	return 0;
}

void
hl_services_stop(void)
{
	struct hl_node *n = &hl_node;
	uint32_t ids[4] = {n->svc_dispatch, n->svc_progress};
	int nids = 2;
	if (n->prof.adaptive)
		ids[nids++] = n->svc_backoff;
	if (n->have_svc_swim)
		ids[nids++] = n->svc_swim;
	/* services first: an lcore that is the only one running a service refuses to stop */
	for (int i = 0; i < nids; i++)
		rte_service_runstate_set(ids[i], 0);
	for (uint32_t i = 0; i < n->prof.n_svc; i++) {
		int rc = rte_service_lcore_stop(n->prof.svc_lcores[i]);
		if (rc < 0 && rc != -EALREADY)
			HL_LOG(HL_LOG_WARN, "node", "service lcore %u stop: %s",
			        n->prof.svc_lcores[i], rte_strerror(-rc));
		rte_eal_wait_lcore(n->prof.svc_lcores[i]);
		rte_service_lcore_del(n->prof.svc_lcores[i]);
	}
	for (int i = 0; i < nids; i++) {
		rte_service_component_runstate_set(ids[i], 0);
		rte_service_component_unregister(ids[i]);
	}
}
