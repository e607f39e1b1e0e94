/* fuzz_job_profile.c — libFuzzer target: arbitrary bytes into the job-profile reader. A job that
 * parses must be one the engine accepts: every stream passes hl_stream_spec_validate(), every
 * reference is in range and every dependency sits in a lower layer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hl_ini.h"
#include "hl_job_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct hl_job_spec job; /* large: not on the stack */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[HL_INI_ERRLEN];
	err[0] = '\0';
	int rc = hl_job_profile_parse_buf(&job, "fuzz.ini", data, size, err, sizeof(err));
	if (rc < 0) {
		if (err[0] == '\0' && rc != -12 /* ENOMEM */)
			abort();
		return 0;
	}
	if (job.n_workflows == 0 || job.n_workflows > HL_JOB_MAX_WORKFLOWS ||
	        job.n_streams > HL_JOB_MAX_STREAMS || job.n_layers == 0)
		abort();
	for (unsigned t = 0; t < job.n_streams; t++)
		if (hl_stream_spec_validate(&job.streams[t].spec, err, sizeof(err)) != 0)
			abort();
	for (unsigned w = 0; w < job.n_workflows; w++) {
		const struct hl_job_workflow *wf = &job.workflows[w];
		if (wf->n_streams == 0 || wf->layer >= job.n_layers)
			abort();
		for (unsigned i = 0; i < wf->n_streams; i++)
			if (wf->streams[i] >= job.n_streams)
				abort();
		for (unsigned i = 0; i < wf->n_deps; i++)
			if (wf->deps[i] >= job.n_workflows ||
			        job.workflows[wf->deps[i]].layer >= wf->layer)
				abort();
	}
	return 0;
}
