/* fuzz_manager_wire.h — the wire types the manager_wire target feeds (its first input byte picks
 * one, modulo the count), shared by the target and its corpus generator. */
#ifndef FUZZ_MANAGER_WIRE_H
#define FUZZ_MANAGER_WIRE_H

#include "../wire/fuzz_common.h" /* FUZZ_CHECK */
#include "hl_msg.h"

/* Every wire type an hl_mmsg maps to, then one it does not (append new ones at the end: the
 * index byte of stored seeds keeps its type). */
static const unsigned fuzz_mw_types[] = {
        HL_MSG_pre_vote_req,
        HL_MSG_pre_vote_resp,
        HL_MSG_vote_req,
        HL_MSG_vote_resp,
        HL_MSG_leader_heartbeat,
        HL_MSG_leader_heartbeat_ack,
        HL_MSG_lease_grant,
        HL_MSG_lease_renew,
        HL_MSG_lease_release,
        HL_MSG_job_record_append,
        HL_MSG_job_record_ack,
        HL_MSG_job_record_fetch,
        HL_MSG_job_record_forget,
        HL_MSG_job_record_orphan,
        HL_MSG_job_submit,
        HL_MSG_job_result_ack,
        HL_MSG_workflow_dispatch,
        HL_MSG_workflow_dispatch_ack,
        HL_MSG_workflow_progress,
        HL_MSG_progress_ack,
        HL_MSG_workflow_result,
        HL_MSG_workflow_result_ack,
        HL_MSG_job_leader_worker_transfer,
        HL_MSG_job_leader_transfer_ack,
        HL_MSG_job_cancel,
        HL_MSG_workflow_cancel_done,
        HL_MSG_status_push,
};
#define FUZZ_MW_NTYPES (sizeof(fuzz_mw_types) / sizeof(fuzz_mw_types[0]))

#endif
