/* fuzz_coord_wire.h — the wire types the coord_wire target feeds (its first input byte picks one,
 * modulo the count) and the invariant check, shared by the target and its corpus generator. */
#ifndef FUZZ_COORD_WIRE_H
#define FUZZ_COORD_WIRE_H

#include <stdio.h>
#include <stdlib.h>

#include "../wire/fuzz_common.h" /* FUZZ_CHECK */
#include "hl_msg.h"

/* DC tier types, then gate tier types, then one type of neither (both decoders refuse it), then
 * gate types added later (appended: the index byte of seeds already stored keeps its type). */
static const unsigned fuzz_cw_types[] = {
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
        HL_MSG_job_submit,
        HL_MSG_job_ack,
        HL_MSG_lease_grant,
        HL_MSG_lease_renew,
        HL_MSG_lease_release,
        HL_MSG_lease_transfer,
        HL_MSG_job_leader_announce,
        HL_MSG_job_record_commit,
        HL_MSG_job_record_append,
        HL_MSG_job_record_ack,
        HL_MSG_job_record_fetch,
        HL_MSG_job_record_forget,
        HL_MSG_job_record_orphan,
        HL_MSG_job_result,
        HL_MSG_job_result_ack,
        HL_MSG_status_push,
        HL_MSG_global_result_ack,
        HL_MSG_register_callback,
        HL_MSG_leader_query,
        HL_MSG_leader_reply,
        HL_MSG_swim,
        HL_MSG_reporter_result,
        HL_MSG_job_progress_report,
};
#define FUZZ_CW_NTYPES (sizeof(fuzz_cw_types) / sizeof(fuzz_cw_types[0]))

#endif
