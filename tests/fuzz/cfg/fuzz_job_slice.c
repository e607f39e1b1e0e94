/* fuzz_job_slice.c — libFuzzer target: arbitrary bytes into the job-profile reader, then every
 * workflow of a job that parses cut out with hl_job_profile_slice() into a dispatch-sized buffer
 * (HL_WIRE_WF_SPEC_MAX). A slice that fits must be a NUL-terminated text that parses into one
 * workflow with no dependencies, the same name, cores and duration, and streams equal to the
 * original's (every field, ids included). A slice that does not fit fails with -EMSGSIZE only,
 * saying its size, and then fits a large buffer with the same invariants. Nothing else may fail:
 * the text already parsed. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../wire/fuzz_common.h" /* FUZZ_CHECK */
#include "hl_ini.h"
#include "hl_job_profile.h"
#include "hl_msg_table.h" /* HL_WIRE_WF_SPEC_MAX */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BIG_CAP (64u * 1024)

/* large: not on the stack */
static struct hl_job_spec job, sub;
static char small[HL_WIRE_WF_SPEC_MAX], big[BIG_CAP];

static void
check_slice(unsigned w, const char *buf, size_t cap, size_t len)
{
	char err[HL_INI_ERRLEN];
	FUZZ_CHECK(len < cap && buf[len] == '\0' && strlen(buf) == len,
	        "workflow %u: length %zu, cap %zu, strlen %zu", w, len, cap, strlen(buf));
	err[0] = '\0';
	int rc = hl_job_profile_parse_buf(&sub, "slice.ini", buf, len, err, sizeof(err));
	FUZZ_CHECK(rc == 0, "workflow %u: slice does not parse (%d): %s\n%s", w, rc, err, buf);
	const struct hl_job_workflow *ow = &job.workflows[w], *sw = &sub.workflows[0];
	FUZZ_CHECK(sub.n_workflows == 1 && sw->n_deps == 0 && sub.n_layers == 1,
	        "workflow %u: %u workflows, %u deps, %u layers", w, sub.n_workflows, sw->n_deps,
	        sub.n_layers);
	FUZZ_CHECK(strcmp(sub.name, job.name) == 0, "job name %s, slice's %s", job.name, sub.name);
	FUZZ_CHECK(strcmp(sw->name, ow->name) == 0 && sw->cores == ow->cores &&
	                   sw->duration_ns == ow->duration_ns &&
	                   sw->priority_class == ow->priority_class && sw->priority == ow->priority,
	        "workflow %u (%s): settings differ in the slice", w, ow->name);
	FUZZ_CHECK(sw->n_streams == ow->n_streams && sub.n_streams == ow->n_streams,
	        "workflow %u: %u streams, slice's workflow %u, slice's job %u", w, ow->n_streams,
	        sw->n_streams, sub.n_streams);
	for (unsigned i = 0; i < ow->n_streams; i++) {
		const struct hl_job_stream *o = &job.streams[ow->streams[i]];
		const struct hl_job_stream *n = &sub.streams[sw->streams[i]];
		FUZZ_CHECK(memcmp(o, n, sizeof(*o)) == 0, "workflow %u: stream %s (id %u) differs",
		        w, o->name, o->spec.id);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[HL_INI_ERRLEN];
	if (hl_job_profile_parse_buf(&job, "fuzz.ini", data, size, err, sizeof(err)) < 0)
		return 0;
	for (unsigned w = 0; w < job.n_workflows; w++) {
		size_t len = 0;
		err[0] = '\0';
		int rc = hl_job_profile_slice(
		        &job, data, size, w, small, sizeof(small), &len, err, sizeof(err));
		if (rc == 0) {
			check_slice(w, small, sizeof(small), len);
			continue;
		}
		FUZZ_CHECK(rc == -EMSGSIZE, "workflow %u: slice failed with %d: %s", w, rc, err);
		rc = hl_job_profile_slice(
		        &job, data, size, w, big, sizeof(big), &len, err, sizeof(err));
		FUZZ_CHECK(rc == 0, "workflow %u: slice into %u bytes failed with %d: %s", w,
		        BIG_CAP, rc, err);
		FUZZ_CHECK(len >= sizeof(small), "workflow %u: %zu bytes did not fit %zu", w, len,
		        sizeof(small));
		check_slice(w, big, sizeof(big), len);
		char want[64];
		snprintf(want, sizeof(want), "its profile is %zu bytes", len);
		hl_job_profile_slice(
		        &job, data, size, w, small, sizeof(small), &len, err, sizeof(err));
		FUZZ_CHECK(strstr(err, want) != NULL, "workflow %u: '%s' does not say '%s'", w, err,
		        want);
	}
	return 0;
}
