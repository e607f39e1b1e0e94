/* jobspec.c — job profile parser: INI text -> bounded struct hl_jobspec with a dependency order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hl_err.h"
#include "hl_ini.h"
#include "hl_jobspec.h"

static const char *const job_keys[] = {"name", "timeout_ms", NULL};
static const char *const wf_keys[] = {"duration_ms", "streams", "depends", NULL};
static const char *const stream_keys[] = {"port", "rate_pps", "size", "count", "src_ip", "dst_ip",
        "src_port", "dst_port", "src_port_count", NULL};

static int
find_name(const char *name, const void *arr, size_t esize, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp((const char *)arr + i * esize, name) == 0)
			return (int)i;
	return -1;
}

static int
parse_stream(struct rte_cfgfile *c, const char *sec, struct hl_js_stream *st, struct hl_ini_err *e)
{
	uint64_t u;
	int rc;
	if ((rc = hl_ini_check_keys(c, sec, stream_keys, e)) < 0)
		return rc;
	if ((rc = hl_ini_str(c, sec, "port", st->port, sizeof(st->port), e)) <= 0)
		return rc < 0 ? rc : hl_ini_fail(e, sec, "port", "required (a test port name)");
	if ((rc = hl_ini_f64(c, sec, "rate_pps", 1, 1e9, &st->rate_pps, e)) <= 0)
		return rc < 0 ? rc : hl_ini_fail(e, sec, "rate_pps", "required");
	st->size = HL_JS_MIN_SIZE;
	if ((rc = hl_ini_u64(c, sec, "size", HL_JS_MIN_SIZE, HL_JS_MAX_SIZE, &u, e)) < 0)
		return rc;
	if (rc)
		st->size = (uint32_t)u;
	if ((rc = hl_ini_u64(c, sec, "count", 0, UINT64_MAX, &st->count, e)) < 0)
		return rc;
	st->src_ip = 0xc6120001; /* 198.18.0.1: RFC 2544 benchmarking range */
	st->dst_ip = 0xc6130001;
	if ((rc = hl_ini_ipv4(c, sec, "src_ip", &st->src_ip, e)) < 0 ||
	        (rc = hl_ini_ipv4(c, sec, "dst_ip", &st->dst_ip, e)) < 0)
		return rc;
	st->src_port = 1024;
	st->dst_port = 1024;
	st->src_port_count = 1;
	if ((rc = hl_ini_u64(c, sec, "src_port", 1, 65535, &u, e)) < 0)
		return rc;
	if (rc)
		st->src_port = (uint16_t)u;
	if ((rc = hl_ini_u64(c, sec, "dst_port", 1, 65535, &u, e)) < 0)
		return rc;
	if (rc)
		st->dst_port = (uint16_t)u;
	if ((rc = hl_ini_u64(c, sec, "src_port_count", 1, 65535, &u, e)) < 0)
		return rc;
	if (rc)
		st->src_port_count = (uint16_t)u;
	if ((uint32_t)st->src_port + st->src_port_count - 1 > 65535)
		return hl_ini_fail(e, sec, "src_port_count", "src_port + count exceeds 65535");
	return 0;
}

static int
topo_order(struct hl_jobspec *js, struct hl_ini_err *e)
{
	uint8_t done[HL_JS_MAX_WF] = {0};
	uint32_t n = 0;
	while (n < js->n_wf) {
		int progressed = 0;
		for (uint32_t i = 0; i < js->n_wf; i++) {
			if (done[i])
				continue;
			int ready = 1;
			for (uint32_t d = 0; d < js->wf[i].n_deps; d++)
				if (!done[js->wf[i].deps[d]])
					ready = 0;
			if (ready) {
				done[i] = 1;
				js->order[n++] = (uint8_t)i;
				progressed = 1;
			}
		}
		if (!progressed) {
			for (uint32_t i = 0; i < js->n_wf; i++)
				if (!done[i]) {
					char sec[HL_JS_NAME + 16];
					snprintf(sec, sizeof(sec), "workflow.%s", js->wf[i].name);
					return hl_ini_fail(e, sec, "depends", "dependency cycle");
				}
		}
	}
	return 0;
}

int
hl_jobspec_parse(const char *text, size_t len, const char *origin, struct hl_jobspec *js, char *err,
        size_t errlen)
{
	struct hl_ini_err e = {err, errlen, origin};
	struct rte_cfgfile *c = hl_ini_load_text(text, len, &e);
	int rc = 0;
	if (c == NULL)
		return -HL_E_CONFIG;
	memset(js, 0, sizeof(*js));
	js->timeout_ms = 600000;
	strcpy(js->name, "job");

	int nsec = rte_cfgfile_num_sections(c, NULL, 0);
	char(*names)[CFG_NAME_LEN] = calloc((size_t)nsec + 1, CFG_NAME_LEN);
	if (names == NULL) {
		rte_cfgfile_close(c);
		return -ENOMEM;
	}
	char *ptrs[nsec + 1];
	for (int i = 0; i < nsec; i++)
		ptrs[i] = names[i];
	rte_cfgfile_sections(c, ptrs, nsec);

	/* first pass: names and kinds, so that references may point forward */
	for (int i = 0; i < nsec && rc == 0; i++) {
		const char *s = names[i];
		if (strcmp(s, "job") == 0)
			continue;
		if (strncmp(s, "workflow.", 9) == 0 && s[9]) {
			if (js->n_wf == HL_JS_MAX_WF)
				rc = hl_ini_fail(
				        &e, s, NULL, "more than %d workflows", HL_JS_MAX_WF);
			else if (strlen(s + 9) >= HL_JS_NAME)
				rc = hl_ini_fail(&e, s, NULL, "name too long");
			else
				strcpy(js->wf[js->n_wf++].name, s + 9);
		} else if (strncmp(s, "stream.", 7) == 0 && s[7]) {
			if (js->n_streams == HL_JS_MAX_STREAMS)
				rc = hl_ini_fail(
				        &e, s, NULL, "more than %d streams", HL_JS_MAX_STREAMS);
			else if (strlen(s + 7) >= HL_JS_NAME)
				rc = hl_ini_fail(&e, s, NULL, "name too long");
			else
				strcpy(js->streams[js->n_streams++].name, s + 7);
		} else {
			rc = hl_ini_fail(&e, s, NULL,
			        "unknown section (expected [job], [workflow.NAME], [stream.NAME])");
		}
	}
	if (rc == 0 && rte_cfgfile_has_section(c, "job")) {
		if ((rc = hl_ini_check_keys(c, "job", job_keys, &e)) == 0 &&
		        (rc = hl_ini_str(c, "job", "name", js->name, sizeof(js->name), &e)) >= 0)
			rc = hl_ini_u64(c, "job", "timeout_ms", 100, 86400000, &js->timeout_ms, &e);
		if (rc > 0)
			rc = 0;
	}
	if (rc == 0 && js->n_wf == 0)
		rc = hl_ini_fail(&e, NULL, NULL, "no [workflow.NAME] section: nothing to run");
	for (uint32_t i = 0; i < js->n_streams && rc == 0; i++) {
		char sec[96];
		snprintf(sec, sizeof(sec), "stream.%s", js->streams[i].name);
		rc = parse_stream(c, sec, &js->streams[i], &e);
	}
	for (uint32_t i = 0; i < js->n_wf && rc == 0; i++) {
		struct hl_js_workflow *w = &js->wf[i];
		char sec[96], buf[CFG_VALUE_LEN], *items[HL_JS_MAX_WF_STREAMS + 1];
		snprintf(sec, sizeof(sec), "workflow.%s", w->name);
		if ((rc = hl_ini_check_keys(c, sec, wf_keys, &e)) < 0)
			break;
		if ((rc = hl_ini_u64(c, sec, "duration_ms", 1, 86400000, &w->duration_ms, &e)) <=
		        0) {
			rc = rc < 0 ? rc : hl_ini_fail(&e, sec, "duration_ms", "required");
			break;
		}
		if ((rc = hl_ini_str(c, sec, "streams", buf, sizeof(buf), &e)) <= 0) {
			rc = rc < 0 ? rc : hl_ini_fail(&e, sec, "streams", "required");
			break;
		}
		rc = 0;
		int n = hl_ini_split(buf, items, HL_JS_MAX_WF_STREAMS);
		if (n <= 0) {
			rc = hl_ini_fail(&e, sec, "streams",
			        n < 0 ? "more than %d streams" : "empty", HL_JS_MAX_WF_STREAMS);
			break;
		}
		for (int k = 0; k < n && rc == 0; k++) {
			int idx = find_name(
			        items[k], js->streams, sizeof(js->streams[0]), js->n_streams);
			if (idx < 0)
				rc = hl_ini_fail(
				        &e, sec, "streams", "no [stream.%s] section", items[k]);
			else
				w->streams[w->n_streams++] = (uint8_t)idx;
		}
		if (rc)
			break;
		rc = hl_ini_str(c, sec, "depends", buf, sizeof(buf), &e);
		if (rc < 0)
			break;
		n = rc ? hl_ini_split(buf, items, HL_JS_MAX_WF) : 0;
		rc = 0;
		if (n < 0) {
			rc = hl_ini_fail(&e, sec, "depends", "too many dependencies");
			break;
		}
		for (int k = 0; k < n && rc == 0; k++) {
			int idx = find_name(items[k], js->wf, sizeof(js->wf[0]), js->n_wf);
			if (idx < 0)
				rc = hl_ini_fail(
				        &e, sec, "depends", "no [workflow.%s] section", items[k]);
			else if ((uint32_t)idx == i)
				rc = hl_ini_fail(&e, sec, "depends",
				        "a workflow cannot depend on "
				        "itself");
			else
				w->deps[w->n_deps++] = (uint8_t)idx;
		}
	}
	if (rc > 0)
		rc = 0; /* a getter's "present" */
	if (rc == 0)
		rc = topo_order(js, &e);
	free(names);
	rte_cfgfile_close(c);
	return rc;
}

int
hl_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return -EINVAL;
	}
	if ((size_t)sb.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, over the %zu-byte limit", path,
		        (long long)sb.st_size, max);
		fclose(f);
		return -EFBIG;
	}
	char *b = malloc((size_t)sb.st_size + 1);
	if (b == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(b, 1, (size_t)sb.st_size, f);
	fclose(f);
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}
