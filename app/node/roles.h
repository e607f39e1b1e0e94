/* roles.h — the coordination roles inside the node (control core only), between roles.c (the
 * shell: membership, frame routing, job texts, timers, persisted terms) and one file per role:
 *
 *   role_gate.c  the gate tier: hl_elect between [cluster] gates, hl_gate, and hl_gclient as
 *                the client of the node's own hlctl connections (jobs.c holds their records)
 *   role_mgr.c   a DC's manager tier: hl_manager (election, leases, job records, dispatch)
 *   role_wrk.c   a worker: hl_dc_wnode; each slice runs on this node's lanes as a local job
 *
 * Every role is a sans-IO core from coord/; these files only feed it (frames, SWIM membership,
 * time) and carry out what it hands back (messages, persistence, traffic). */
#ifndef HL_ROLES_H
#define HL_ROLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_gate.h"
#include "hl_manager.h"
#include "node.h"

#define HL_ROLES_MAX_MEMBERS 16 /* == HL_NODE_MAX_PEERS */

/* A cluster member as the node knows it: id from its link hello, roles/dc/state from SWIM. */
struct hl_member {
	uint64_t id;
	uint32_t roles; /* HL_ROLE_* */
	uint32_t cores; /* traffic lanes it announced (workers) */
	uint64_t dc; /* hl_roles_dc_id of its DC name */
	bool alive; /* SWIM alive or suspect */
};

/* ---- roles.c: services for the role files ---- */

/** Send a lib/wire body to node `to` (which may be this node: delivered through the router
 *  after the current call returns). Failures are counted under `who` and logged once per burst;
 *  returns 0 or the transport's error. */
int hl_roles_send(uint64_t to, unsigned type, const void *body, size_t len, const char *who);
/** Id of a DC name (what gates and managers call the DC: FNV-1a of the name, never 0). */
uint64_t hl_roles_dc_id(const char *name);
/** The member table (alive and dead members seen since start); *n set. */
const struct hl_member *hl_roles_members(uint32_t *n);
/** Member by id, NULL if unknown. */
const struct hl_member *hl_roles_member(uint64_t id);
/** Persisted (term, vote) of an election under <state_dir>/<name>: load (0 when missing) and
 *  store (durable before it returns). */
int hl_roles_term_load(const char *name, uint32_t *term, uint64_t *vote, char *err, size_t errlen);
int hl_roles_term_store(const char *name, uint32_t term, uint64_t vote);
/** A job's profile text, if this node holds it (specs.h). */
const uint8_t *hl_roles_spec(uint64_t job, size_t *len);
/** Keep a job's profile text (from a client submit). 0 or specs.h's error. */
int hl_roles_spec_keep(uint64_t job, const void *text, size_t len);
/** Send job's text to node `to` (job_spec_put); -ENOENT if this node lacks it. */
int hl_roles_spec_send(uint64_t to, uint64_t job);
/** Ask node `to` for job's text (job_spec_fetch); rate limited per job. */
void hl_roles_spec_fetch(uint64_t to, uint64_t job);
/** The job ended here for good: drop its text. */
void hl_roles_spec_drop(uint64_t job);
/** Send a stream_rows body to node `to` (this node: kept at once, before the message it goes
 *  with); -ENODEV without a rows store, or hl_roles_send's error. */
int hl_roles_rows_send(uint64_t to, const void *body, size_t len);
/** The rows store (rows.h), NULL when this node keeps none. */
const struct hl_rows *hl_roles_rows(void);
/** Forget one entry of the rows store. */
void hl_roles_rows_drop(uint64_t job, uint8_t kind, uint64_t key);

/* ---- role hooks (called by roles.c) ---- */

struct event_base;
struct hl_gmsg;

int hl_rgate_start(char *err, size_t errlen);
void hl_rgate_stop(void);
void hl_rgate_tick(uint64_t now);
void hl_rgate_member(const struct hl_member *m, bool was_alive, uint64_t now);
/** An election frame of the gate tier. */
void hl_rgate_elect_frame(uint64_t from, unsigned type, const void *body, size_t len);
/** A decoded gate-tier or client message for this node's hl_gate or hl_gclient. */
void hl_rgate_gmsg(const struct hl_gmsg *m, uint64_t now);
uint32_t hl_rgate_counters(struct hl_node_counter *out, uint32_t cap);
bool hl_rgate_on(void);
/** The gate or client core holds job (its profile text stays). */
bool hl_rgate_holds(uint64_t job);

int hl_rmgr_start(char *err, size_t errlen);
void hl_rmgr_stop(void);
void hl_rmgr_tick(uint64_t now);
void hl_rmgr_member(const struct hl_member *m, bool was_alive, uint64_t now);
/** A manager-role message (decoded by hl_manager_wire; DC kinds from workers). */
void hl_rmgr_mmsg(struct hl_mmsg *m, const uint8_t *spec, size_t spec_len, uint64_t now);
/** A gate's message for this DC (DC_SUBMIT, DC_RESULT_ACK, DC_REPORT_ACK). */
void hl_rmgr_gmsg(const struct hl_gmsg *m, uint64_t now);
uint32_t hl_rmgr_counters(struct hl_node_counter *out, uint32_t cap);
bool hl_rmgr_on(void);
/** The manager core holds job (its profile text stays). */
bool hl_rmgr_holds(uint64_t job);

int hl_rwrk_start(char *err, size_t errlen);
void hl_rwrk_stop(void);
void hl_rwrk_tick(uint64_t now);
void hl_rwrk_member(const struct hl_member *m, bool was_alive, uint64_t now);
/** A DC message for the worker (dispatch with its workflow profile, acks, transfer, cancel). */
void hl_rwrk_dc(const struct hl_dc_msg *d, const uint8_t *spec, size_t spec_len, uint64_t now);
/** The DC leader announced itself. */
void hl_rwrk_dc_leader(uint64_t leader, uint64_t now);
uint32_t hl_rwrk_counters(struct hl_node_counter *out, uint32_t cap);
bool hl_rwrk_on(void);

#endif
