/* jobspec.c — job profile parser: INI text (read strictly by lib/cfg's hl_ini) -> bounded
 * struct hl_jobspec with a dependency order. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hl_err.h"
#include "hl_ini.h"
#include "hl_jobspec.h"
#include "hl_strlist.h"

struct ctx {
	struct hl_ini *ini;
	char *err;
	size_t errlen;
};

static int
fail(struct ctx *c, int sec, const char *key, const char *what, const char *name)
{
	return hl_ini_err(c->ini, sec, key, c->err, c->errlen, "%s%s%s", what, name ? " " : "",
	        name ? name : "");
}

static int
req(struct ctx *c, int sec, const char *key)
{
	return hl_ini_get(c->ini, (unsigned)sec, key) ? 0 : fail(c, sec, key, "required", NULL);
}

static int
f64(struct ctx *c, int sec, const char *key, double min, double max, double *out)
{
	const char *v = hl_ini_get(c->ini, (unsigned)sec, key);
	char *end;
	if (v == NULL)
		return 0;
	errno = 0;
	double x = strtod(v, &end);
	if (errno || end == v || *end || !isfinite(x))
		return hl_ini_err(c->ini, sec, key, c->err, c->errlen, "'%s' is not a number", v);
	if (x < min || x > max)
		return hl_ini_err(c->ini, sec, key, c->err, c->errlen, "%g out of range [%g, %g]",
		        x, min, max);
	*out = x;
	return 0;
}

static int
ipv4(struct ctx *c, int sec, const char *key, uint32_t *out)
{
	const char *v = hl_ini_get(c->ini, (unsigned)sec, key);
	struct in_addr a;
	if (v == NULL)
		return 0;
	if (inet_pton(AF_INET, v, &a) != 1)
		return hl_ini_err(
		        c->ini, sec, key, c->err, c->errlen, "'%s' is not an IPv4 address", v);
	*out = ntohl(a.s_addr);
	return 0;
}

static int
parse_stream(struct ctx *c, int sec, struct hl_js_stream *st)
{
	uint16_t u16;
	uint32_t u32;
	int rc;
	st->size = HL_JS_MIN_SIZE;
	st->src_ip = 0xc6120001; /* 198.18.0.1: RFC 2544 benchmarking range */
	st->dst_ip = 0xc6130001;
	st->src_port = st->dst_port = 1024;
	st->src_port_count = 1;
	if ((rc = req(c, sec, "port")) < 0 ||
	        (rc = hl_ini_str(c->ini, (unsigned)sec, "port", st->port, sizeof(st->port), c->err,
	                 c->errlen)) < 0 ||
	        (rc = req(c, sec, "rate_pps")) < 0 ||
	        (rc = f64(c, sec, "rate_pps", 1, 1e9, &st->rate_pps)) < 0)
		return rc;
	u32 = st->size;
	if ((rc = hl_ini_u32(c->ini, (unsigned)sec, "size", HL_JS_MIN_SIZE, HL_JS_MAX_SIZE, &u32,
	             c->err, c->errlen)) < 0)
		return rc;
	st->size = u32;
	if ((rc = hl_ini_u64(c->ini, (unsigned)sec, "count", 0, UINT64_MAX, &st->count, c->err,
	             c->errlen)) < 0 ||
	        (rc = ipv4(c, sec, "src_ip", &st->src_ip)) < 0 ||
	        (rc = ipv4(c, sec, "dst_ip", &st->dst_ip)) < 0 ||
	        (rc = hl_ini_u16(c->ini, (unsigned)sec, "src_port", 1, 65535, &st->src_port, c->err,
	                 c->errlen)) < 0 ||
	        (rc = hl_ini_u16(c->ini, (unsigned)sec, "dst_port", 1, 65535, &st->dst_port, c->err,
	                 c->errlen)) < 0)
		return rc;
	u16 = st->src_port_count;
	if ((rc = hl_ini_u16(c->ini, (unsigned)sec, "src_port_count", 1, 65535, &u16, c->err,
	             c->errlen)) < 0)
		return rc;
	st->src_port_count = u16;
	if ((uint32_t)st->src_port + st->src_port_count - 1 > 65535)
		return fail(c, sec, "src_port_count", "src_port + src_port_count - 1 exceeds 65535",
		        NULL);
	return hl_ini_check_used(c->ini, (unsigned)sec, c->err, c->errlen);
}

static int
topo_order(struct ctx *c, struct hl_jobspec *js)
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
		if (!progressed)
			for (uint32_t i = 0; i < js->n_wf; i++)
				if (!done[i]) {
					char sec[HL_JS_NAME + 16];
					snprintf(sec, sizeof(sec), "workflow.%s", js->wf[i].name);
					return fail(c, hl_ini_find(c->ini, sec), "depends",
					        "dependency cycle", NULL);
				}
	}
	return 0;
}

static int
name_list(struct ctx *c, int sec, const char *key, char *buf, size_t cap, char **items, int max)
{
	const char *v = hl_ini_get(c->ini, (unsigned)sec, key);
	if (v == NULL)
		return 0;
	snprintf(buf, cap, "%s", v);
	int n = hl_strlist_split(buf, items, max);
	if (n < 0)
		return hl_ini_err(c->ini, sec, key, c->err, c->errlen, "more than %d names", max);
	return n;
}

static int
find_name(const char *name, const void *arr, size_t esize, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp((const char *)arr + i * esize, name) == 0)
			return (int)i;
	return -1;
}

static int
parse(struct ctx *c, struct hl_jobspec *js)
{
	unsigned nsec = hl_ini_num_sections(c->ini);
	int rc, wsec[HL_JS_MAX_WF], ssec[HL_JS_MAX_STREAMS];

	/* first pass: names and kinds, so that references may point forward */
	for (unsigned i = 0; i < nsec; i++) {
		const char *s = hl_ini_section(c->ini, i);
		if (strcmp(s, "job") == 0)
			continue;
		if (strncmp(s, "workflow.", 9) == 0 && s[9]) {
			if (js->n_wf == HL_JS_MAX_WF)
				return fail(c, (int)i, NULL, "too many workflows", NULL);
			if (strlen(s + 9) >= HL_JS_NAME)
				return fail(c, (int)i, NULL, "name too long", NULL);
			wsec[js->n_wf] = (int)i;
			strcpy(js->wf[js->n_wf++].name, s + 9);
		} else if (strncmp(s, "stream.", 7) == 0 && s[7]) {
			if (js->n_streams == HL_JS_MAX_STREAMS)
				return fail(c, (int)i, NULL, "too many streams", NULL);
			if (strlen(s + 7) >= HL_JS_NAME)
				return fail(c, (int)i, NULL, "name too long", NULL);
			ssec[js->n_streams] = (int)i;
			strcpy(js->streams[js->n_streams++].name, s + 7);
		} else {
			return fail(c, (int)i, NULL,
			        "unknown section (expected [job], [workflow.NAME], [stream.NAME])",
			        NULL);
		}
	}
	int jsec = hl_ini_find(c->ini, "job");
	if (jsec >= 0) {
		if ((rc = hl_ini_str(c->ini, (unsigned)jsec, "name", js->name, sizeof(js->name),
		             c->err, c->errlen)) < 0 ||
		        (rc = hl_ini_u64(c->ini, (unsigned)jsec, "timeout_ms", 100, 86400000,
		                 &js->timeout_ms, c->err, c->errlen)) < 0 ||
		        (rc = hl_ini_check_used(c->ini, (unsigned)jsec, c->err, c->errlen)) < 0)
			return rc;
	}
	if (js->n_wf == 0)
		return fail(c, -1, NULL, "no [workflow.NAME] section: nothing to run", NULL);
	for (uint32_t i = 0; i < js->n_streams; i++)
		if ((rc = parse_stream(c, ssec[i], &js->streams[i])) < 0)
			return rc;
	for (uint32_t i = 0; i < js->n_wf; i++) {
		struct hl_js_workflow *w = &js->wf[i];
		char buf[HL_INI_VALUE_MAX + 1], *items[HL_JS_MAX_WF + HL_JS_MAX_WF_STREAMS];
		int sec = wsec[i];
		if ((rc = req(c, sec, "duration_ms")) < 0 ||
		        (rc = hl_ini_u64(c->ini, (unsigned)sec, "duration_ms", 1, 86400000,
		                 &w->duration_ms, c->err, c->errlen)) < 0 ||
		        (rc = req(c, sec, "streams")) < 0)
			return rc;
		int n = name_list(c, sec, "streams", buf, sizeof(buf), items, HL_JS_MAX_WF_STREAMS);
		if (n < 0)
			return n;
		if (n == 0)
			return fail(c, sec, "streams", "empty list", NULL);
		for (int k = 0; k < n; k++) {
			int idx = find_name(
			        items[k], js->streams, sizeof(js->streams[0]), js->n_streams);
			if (idx < 0)
				return hl_ini_err(c->ini, sec, "streams", c->err, c->errlen,
				        "no [stream.%s] section", items[k]);
			w->streams[w->n_streams++] = (uint8_t)idx;
		}
		n = name_list(c, sec, "depends", buf, sizeof(buf), items, HL_JS_MAX_WF);
		if (n < 0)
			return n;
		for (int k = 0; k < n; k++) {
			int idx = find_name(items[k], js->wf, sizeof(js->wf[0]), js->n_wf);
			if (idx < 0)
				return hl_ini_err(c->ini, sec, "depends", c->err, c->errlen,
				        "no [workflow.%s] section", items[k]);
			if ((uint32_t)idx == i)
				return fail(c, sec, "depends", "a workflow cannot depend on itself",
				        NULL);
			w->deps[w->n_deps++] = (uint8_t)idx;
		}
		if ((rc = hl_ini_check_used(c->ini, (unsigned)sec, c->err, c->errlen)) < 0)
			return rc;
	}
	return topo_order(c, js);
}

int
hl_jobspec_parse(const char *text, size_t len, const char *origin, struct hl_jobspec *js, char *err,
        size_t errlen)
{
	struct ctx c = {NULL, err, errlen};
	int rc = hl_ini_load_buf(&c.ini, origin, text, len, err, errlen);
	if (rc < 0)
		return rc;
	memset(js, 0, sizeof(*js));
	js->timeout_ms = 600000;
	strcpy(js->name, "job");
	rc = parse(&c, js);
	hl_ini_free(c.ini);
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
