/* hl_jobspec.h — the job profile (INI) parsed into a bounded job spec: workflows with
 * dependencies and streams. Interim parser in app/ until lib/cfg's job-profile parser lands.
 *
 *   [job]              name, timeout_ms
 *   [workflow.<name>]  duration_ms (required), streams (comma list, required), depends (list)
 *   [stream.<name>]    port (test port name, required), rate_pps (required), size (64..1518,
 *                      frame incl. FCS, default 64), count (packet cap, 0 = none), src_ip, dst_ip,
 *                      src_port, dst_port, src_port_count (source-port increment span, default 1)
 * Unknown sections or keys are errors (a typo must not silently become a default).
 */
#ifndef HL_JOBSPEC_H
#define HL_JOBSPEC_H

#include <stddef.h>
#include <stdint.h>

#define HL_JS_NAME 64
#define HL_JS_MAX_WF 16
#define HL_JS_MAX_STREAMS 64
#define HL_JS_MAX_WF_STREAMS 16
#define HL_JS_MIN_SIZE 64
#define HL_JS_MAX_SIZE 1518

struct hl_js_stream {
	char name[HL_JS_NAME];
	char port[HL_JS_NAME];
	double rate_pps;
	uint32_t size; /* L2 frame incl. FCS */
	uint64_t count;
	uint32_t src_ip, dst_ip; /* host order */
	uint16_t src_port, dst_port, src_port_count;
};

struct hl_js_workflow {
	char name[HL_JS_NAME];
	uint64_t duration_ms;
	uint32_t n_deps, n_streams;
	uint8_t deps[HL_JS_MAX_WF]; /* workflow indexes */
	uint8_t streams[HL_JS_MAX_WF_STREAMS]; /* stream indexes */
};

struct hl_jobspec {
	char name[HL_JS_NAME];
	uint64_t timeout_ms;
	uint32_t n_wf, n_streams;
	struct hl_js_workflow wf[HL_JS_MAX_WF];
	struct hl_js_stream streams[HL_JS_MAX_STREAMS];
	uint8_t order[HL_JS_MAX_WF]; /* a topological order of wf[] */
};

/** Parse a job profile held in memory; origin names it in errors. On error returns a negative
 * code and writes "origin: [section] key: reason" into err. */
int hl_jobspec_parse(const char *text, size_t len, const char *origin, struct hl_jobspec *js,
        char *err, size_t errlen);

/** Read a whole file (at most max bytes) into a malloc'ed NUL-terminated buffer. */
int hl_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen);

#endif
