/* hl_job_profile.h — job profiles (INI): a job made of workflows (phases with dependencies,
 * cores and a duration) made of streams (struct hl_stream_spec). The parser checks names,
 * references, bounds and the dependency graph (cycles are reported with their path) and computes
 * the dependency layers the manager dispatches in order. Format: docs/profiles.md.
 *
 * struct hl_job_spec is large (HL_JOB_MAX_STREAMS stream specs): allocate it on the heap.
 * Errors: -EINVAL with "FILE: [SECTION] KEY: REASON" in err (see hl_ini.h), -EFBIG, read errors,
 * -ENOMEM.
 */
#ifndef HL_JOB_PROFILE_H
#define HL_JOB_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_stream.h"

#define HL_JOB_NAME_LEN 48 /* job, workflow and stream names: 1..47 of [A-Za-z0-9_.-] */
#define HL_JOB_KEY_LEN 64 /* idempotency key: 1..63 printable bytes */
#define HL_JOB_MAX_WORKFLOWS 32
#define HL_JOB_MAX_STREAMS 32 /* per job */
#define HL_JOB_MAX_WF_STREAMS 16 /* per workflow */
#define HL_JOB_MAX_DEPS 16 /* per workflow */
#define HL_JOB_MAX_DCS 8
#define HL_JOB_MAX_CORES 128 /* traffic lcores per workflow */
#define HL_JOB_MAX_PORTS 16 /* test port index of a stream: 0..15 */
#define HL_JOB_MAX_TIMEOUT_NS (7ull * 24 * 3600 * 1000000000ull) /* one week */
#define HL_JOB_DEFAULT_TIMEOUT_NS (600ull * 1000000000ull) /* a profile without [job] timeout */
#define HL_JOB_MAX_DURATION_NS (24ull * 3600 * 1000000000ull) /* one day per workflow/stream */

struct hl_job_stream {
	char name[HL_JOB_NAME_LEN];
	uint16_t port; /* test port index on the worker (hl_stream_spec has no port) */
	char port_name[HL_JOB_NAME_LEN]; /* or the test port's name in the node profile ("" =
	                                    by index) */
	struct hl_stream_spec spec; /* spec.id is unique within the job */
};

/* How a workflow's cores are allocated among workflows of the same layer (scenarios.md E.4). */
enum hl_job_priority {
	HL_JOB_PRIO_AUTO = 0, /* cores shared equally among AUTO workflows (default) */
	HL_JOB_PRIO_EXPLICIT = 1, /* allocated before AUTO, higher priority first */
	HL_JOB_PRIO_EXCLUSIVE = 2, /* runs alone on its resources */
};
#define HL_JOB_MAX_PRIORITY 100

struct hl_job_workflow {
	char name[HL_JOB_NAME_LEN];
	uint16_t n_streams;
	uint16_t streams[HL_JOB_MAX_WF_STREAMS]; /* indexes into hl_job_spec.streams */
	uint16_t n_deps;
	uint16_t deps[HL_JOB_MAX_DEPS]; /* indexes into hl_job_spec.workflows */
	uint16_t cores; /* traffic lcores, 1..HL_JOB_MAX_CORES */
	uint64_t duration_ns; /* 0 = until every stream has ended (each then has an end) */
	uint8_t priority_class; /* enum hl_job_priority */
	uint8_t priority; /* EXPLICIT: 1..HL_JOB_MAX_PRIORITY; else 0 */
	uint16_t layer; /* 0 = no dependencies; else 1 + the highest layer of its dependencies */
};

struct hl_job_spec {
	char name[HL_JOB_NAME_LEN];
	char idempotency_key[HL_JOB_KEY_LEN]; /* "" = none: every submission is a new job */
	uint64_t timeout_ns; /* whole job; 0 = HL_JOB_DEFAULT_TIMEOUT_NS */
	uint16_t dc_count; /* datacenters to run in (>= 1) */
	uint16_t n_dcs; /* explicit DC list (0 = the gate chooses dc_count DCs) */
	char dcs[HL_JOB_MAX_DCS][HL_JOB_NAME_LEN];

	uint16_t n_workflows; /* file order */
	struct hl_job_workflow workflows[HL_JOB_MAX_WORKFLOWS];
	uint16_t n_streams; /* file order */
	struct hl_job_stream streams[HL_JOB_MAX_STREAMS];
	uint16_t n_layers; /* 1 + the highest workflow layer */
};

/** Parse len bytes of job-profile text; label names the source in messages. On error the
 * contents of *job are unspecified (partly filled). */
int hl_job_profile_parse_buf(struct hl_job_spec *job, const char *label, const void *buf,
        size_t len, char *err, size_t errlen);

/** Parse a job-profile file. */
int hl_job_profile_load(struct hl_job_spec *job, const char *path, char *err, size_t errlen);

/** Index of the workflow called name, or -1. */
int hl_job_workflow_find(const struct hl_job_spec *job, const char *name);

/** Workflows of one layer, in file order: writes up to max indexes into out, returns the count
 * of workflows in that layer (which may exceed max). */
unsigned hl_job_layer(const struct hl_job_spec *job, unsigned layer, uint16_t *out, unsigned max);

/** The profile of workflow wf alone (what a worker runs for one slice of it): [job] name, the
 * workflow's section without depends_on, and its streams' sections, in "key=value" lines. js is
 * text parsed. 0 with *outlen (buf NUL-terminated), -ENOENT (no such workflow), -EMSGSIZE (over
 * cap - 1 bytes: err says by how much), -EINVAL (text and js disagree), or the INI reader's. */
int hl_job_profile_slice(const struct hl_job_spec *js, const void *text, size_t len, unsigned wf,
        char *buf, size_t cap, size_t *outlen, char *err, size_t errlen);

#endif
