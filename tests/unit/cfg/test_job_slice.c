/* test_job_slice.c — hl_job_profile_slice(): the profile of one workflow, as a worker gets it in
 * a dispatch. Each workflow of docs/examples/two-workflow.ini sliced and parsed again is a
 * one-workflow job with the same streams (every field, the stream ids included), the same
 * duration, cores and priority, and no dependencies; the slice keeps the [job] name, is
 * canonical (no comments, no blank lines, key=value); an index out of range, a buffer too small
 * (at, below and above the exact size), a text that is not the parsed job's; a profile with 16
 * workflows and 32 streams. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfgtest.h"
#include "hl_ini.h"
#include "hl_job_profile.h"
#include "hl_msg_table.h" /* HL_WIRE_WF_SPEC_MAX */

#define BIG 65536

static struct hl_job_spec *
parse(const char *text, size_t len)
{
	struct hl_job_spec *js = malloc(sizeof(*js));
	assert_non_null(js);
	char err[HL_INI_ERRLEN] = "";
	int rc = hl_job_profile_parse_buf(js, "test.ini", text, len, err, sizeof(err));
	if (rc != 0)
		fail_msg("parse: rc %d: %s\n%.*s", rc, err, (int)len, text);
	return js;
}

/* Slice workflow wf of (js, text) into a malloc'd buffer of BIG bytes; asserts success. */
static char *
slice(const struct hl_job_spec *js, const char *text, unsigned wf, size_t *len)
{
	char *buf = malloc(BIG);
	assert_non_null(buf);
	char err[HL_INI_ERRLEN] = "";
	int rc = hl_job_profile_slice(js, text, strlen(text), wf, buf, BIG, len, err, sizeof(err));
	if (rc != 0)
		fail_msg("slice of workflow %u: rc %d: %s", wf, rc, err);
	assert_int_equal(*len, strlen(buf));
	return buf;
}

/* Canonical form: every line "[SECTION]" or "key=value" (no blanks around '='), no comment, no
 * blank line, ending with a newline. */
static void
assert_canonical(const char *s, size_t len)
{
	assert_true(len > 0);
	assert_int_equal(s[len - 1], '\n');
	assert_null(strchr(s, ';'));
	assert_null(strstr(s, "\n\n"));
	for (const char *l = s; *l != '\0';) {
		const char *nl = strchr(l, '\n');
		assert_non_null(nl);
		size_t ll = (size_t)(nl - l);
		assert_true(ll > 0);
		if (l[0] == '[') {
			assert_int_equal(l[ll - 1], ']');
		} else {
			const char *eq = memchr(l, '=', ll);
			assert_non_null(eq);
			assert_true(eq > l && eq[-1] != ' ' && eq[-1] != '\t');
			assert_true(eq[1] != ' ' && eq[1] != '\t' && eq + 1 < nl);
		}
		l = nl + 1;
	}
}

/* The slice of workflow wf, parsed, is workflow wf alone: one workflow with no dependencies
 * and the same settings, streams equal field by field (hl_job_stream: name, port, spec). */
static void
check_slice(const struct hl_job_spec *js, const char *text, unsigned wf)
{
	size_t len;
	char *buf = slice(js, text, wf, &len);
	assert_canonical(buf, len);
	assert_null(strstr(buf, "depends_on"));
	struct hl_job_spec *sj = parse(buf, len);
	const struct hl_job_workflow *ow = &js->workflows[wf], *sw = &sj->workflows[0];

	assert_string_equal(sj->name, js->name);
	assert_string_equal(sj->idempotency_key, ""); /* job-wide settings stay with the job */
	assert_int_equal(sj->timeout_ns, 0);
	assert_int_equal(sj->n_dcs, 0);
	assert_int_equal(sj->n_workflows, 1);
	assert_int_equal(sj->n_layers, 1);
	assert_string_equal(sw->name, ow->name);
	assert_int_equal(sw->n_deps, 0);
	assert_int_equal(sw->layer, 0);
	assert_int_equal(sw->cores, ow->cores);
	assert_int_equal(sw->duration_ns, ow->duration_ns);
	assert_int_equal(sw->priority_class, ow->priority_class);
	assert_int_equal(sw->priority, ow->priority);
	assert_int_equal(sw->n_streams, ow->n_streams);
	assert_int_equal(sj->n_streams, ow->n_streams); /* only the workflow's streams */
	for (unsigned i = 0; i < ow->n_streams; i++) {
		const struct hl_job_stream *o = &js->streams[ow->streams[i]];
		const struct hl_job_stream *n = &sj->streams[sw->streams[i]];
		assert_string_equal(n->name, o->name);
		assert_int_equal(n->port, o->port);
		assert_string_equal(n->port_name, o->port_name);
		assert_int_equal(n->spec.id, o->spec.id);
		assert_int_equal(n->spec.rate_unit, o->spec.rate_unit);
		assert_true(n->spec.rate == o->spec.rate);
		assert_int_equal(n->spec.size_mode, o->spec.size_mode);
		assert_int_equal(n->spec.n_sizes, o->spec.n_sizes);
		assert_memory_equal(n->spec.sizes, o->spec.sizes, sizeof(o->spec.sizes));
		assert_int_equal(n->spec.src_port, o->spec.src_port);
		assert_int_equal(n->spec.dst_port, o->spec.dst_port);
		assert_int_equal(n->spec.n_vars, o->spec.n_vars);
		assert_memory_equal(n->spec.vars, o->spec.vars, sizeof(o->spec.vars));
		/* and everything else: both parses start from zeroed structs */
		assert_memory_equal(n, o, sizeof(*o));
	}
	free(sj);
	free(buf);
}

static void
test_two_workflow_example(void **state)
{
	(void)state;
	char *text = cfgtest_read(cfgtest_src("docs/examples/two-workflow.ini"));
	struct hl_job_spec *js = parse(text, strlen(text));
	assert_int_equal(js->n_workflows, 2);
	for (unsigned w = 0; w < js->n_workflows; w++)
		check_slice(js, text, w);

	/* the load workflow in detail: its two streams, not warmup's, and no comment text */
	int l = hl_job_workflow_find(js, "load");
	assert_true(l >= 0);
	size_t len;
	char *buf = slice(js, text, (unsigned)l, &len);
	assert_true(len < HL_WIRE_WF_SPEC_MAX); /* fits a dispatch */
	assert_non_null(strstr(buf, "[job]\nname=two-phase-udp\n"));
	assert_non_null(strstr(buf, "[workflow load]\n"));
	assert_non_null(strstr(buf, "[stream bulk]\n"));
	assert_non_null(strstr(buf, "[stream probe]\n"));
	assert_non_null(strstr(buf, "vary.src_port=random 1024-65535\n"));
	assert_null(strstr(buf, "warm"));
	assert_null(strstr(buf, "signed packet"));
	assert_null(strstr(buf, "idempotency_key"));
	struct hl_job_spec *sj = parse(buf, len);
	const struct hl_stream_spec *b = &sj->streams[0].spec;
	assert_string_equal(sj->streams[0].name, "bulk");
	assert_true(fabs(b->rate - 1e6) < 1e-6);
	assert_int_equal(b->sizes[0].bytes, 128);
	assert_int_equal(b->n_vars, 2);
	assert_int_equal(b->vars[1].field, HL_FIELD_SRC_PORT);
	assert_int_equal(b->vars[1].op, HL_VAR_RANDOM);
	assert_int_equal(b->vars[1].min, 1024);
	assert_int_equal(b->vars[1].max, 65535);
	assert_int_equal(b->id, 2); /* its position in the original file, not in the slice */
	assert_int_equal(sj->streams[1].spec.id, 3);
	assert_int_equal(sj->workflows[0].duration_ns, 10ull * 1000000000ull);
	assert_int_equal(sj->workflows[0].cores, 2);
	free(sj);
	free(buf);

	/* warmup: its stream by port name */
	int w = hl_job_workflow_find(js, "warmup");
	buf = slice(js, text, (unsigned)w, &len);
	sj = parse(buf, len);
	assert_int_equal(sj->n_streams, 1);
	assert_string_equal(sj->streams[0].port_name, "test0");
	free(sj);
	free(buf);
	free(js);
	free(text);
}

/* Every example job profile of the tree slices into parseable one-workflow jobs. */
static void
test_all_examples(void **state)
{
	(void)state;
	static const char *const files[] = {"docs/examples/two-workflow.ini",
	        "docs/examples/imix.ini", "docs/examples/ipv6.ini",
	        "app/examples/two-workflows.ini"};
	for (unsigned f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char *text = cfgtest_read(cfgtest_src(files[f]));
		struct hl_job_spec *js = parse(text, strlen(text));
		for (unsigned w = 0; w < js->n_workflows; w++)
			check_slice(js, text, w);
		free(js);
		free(text);
	}
}

/* Default stream ids are positions in the job's file: the slice states them, so a stream keeps
 * its id and cannot collide with another stream's explicit id. */
static void
test_stream_ids_kept(void **state)
{
	(void)state;
	static const char text[] = "[job]\nname=ids\n"
	                           "[workflow a]\nstreams=x\nduration=1s\n"
	                           "[workflow b]\nstreams=y, z\nduration=1s\n"
	                           "[stream x]\nid=3\n"
	                           "[stream y]\n" /* default id 2; first in b's slice */
	                           "[stream z]\nid=1\n";
	struct hl_job_spec *js = parse(text, strlen(text));
	assert_int_equal(js->streams[1].spec.id, 2);
	check_slice(js, text, 0);
	check_slice(js, text, 1);
	free(js);
}

static void
test_refusals(void **state)
{
	(void)state;
	char *text = cfgtest_read(cfgtest_src("docs/examples/two-workflow.ini"));
	struct hl_job_spec *js = parse(text, strlen(text));
	char buf[4096], err[HL_INI_ERRLEN];
	size_t len = 12345;

	/* no such workflow */
	err[0] = '\0';
	assert_int_equal(hl_job_profile_slice(js, text, strlen(text), 2, buf, sizeof(buf), &len,
	                         err, sizeof(err)),
	        -ENOENT);
	assert_non_null(strstr(err, "no workflow #2"));
	assert_int_equal(len, 12345);
	assert_int_equal(hl_job_profile_slice(js, text, strlen(text), UINT_MAX, buf, sizeof(buf),
	                         &len, err, sizeof(err)),
	        -ENOENT);

	/* a text that is not the parsed job's */
	char *other = cfgtest_read(cfgtest_src("docs/examples/imix.ini"));
	err[0] = '\0';
	assert_int_equal(hl_job_profile_slice(js, other, strlen(other), 0, buf, sizeof(buf), &len,
	                         err, sizeof(err)),
	        -EINVAL);
	assert_non_null(strstr(err, "does not match"));
	/* a text that is no INI: the reader's error */
	err[0] = '\0';
	assert_int_equal(
	        hl_job_profile_slice(js, "garbage", 7, 0, buf, sizeof(buf), &len, err, sizeof(err)),
	        -EINVAL);
	assert_true(err[0] != '\0');
	free(other);
	free(js);
	free(text);
}

/* A buffer one byte short of the slice and its NUL: -EMSGSIZE with the size in err and no byte
 * written past cap; exactly the slice and its NUL: 0. */
static void
test_buffer_boundary(void **state)
{
	(void)state;
	char *text = cfgtest_read(cfgtest_src("docs/examples/two-workflow.ini"));
	struct hl_job_spec *js = parse(text, strlen(text));
	for (unsigned w = 0; w < js->n_workflows; w++) {
		size_t need;
		char *ref = slice(js, text, w, &need);
		char buf[4096], err[HL_INI_ERRLEN], want[64];
		snprintf(want, sizeof(want), "its profile is %zu bytes", need);
		assert_true(need + 16 < sizeof(buf));
		size_t caps[] = {need, need - 1, need / 2, 1, 0};
		for (unsigned c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
			size_t len = 777;
			memset(buf, 0xa5, sizeof(buf));
			err[0] = '\0';
			assert_int_equal(hl_job_profile_slice(js, text, strlen(text), w, buf,
			                         caps[c], &len, err, sizeof(err)),
			        -EMSGSIZE);
			if (strstr(err, want) == NULL)
				fail_msg("cap %zu: err '%s' does not say '%s'", caps[c], err, want);
			assert_int_equal(len, 777);
			for (size_t i = caps[c]; i < sizeof(buf); i++)
				assert_int_equal((unsigned char)buf[i], 0xa5);
		}
		/* cap 0 with no buffer at all */
		size_t len = 777;
		assert_int_equal(hl_job_profile_slice(js, text, strlen(text), w, NULL, 0, &len, err,
		                         sizeof(err)),
		        -EMSGSIZE);
		assert_non_null(strstr(err, want));
		/* exactly enough */
		memset(buf, 0xa5, sizeof(buf));
		assert_int_equal(hl_job_profile_slice(js, text, strlen(text), w, buf, need + 1,
		                         &len, err, sizeof(err)),
		        0);
		assert_int_equal(len, need);
		assert_int_equal(buf[need], '\0');
		assert_memory_equal(buf, ref, need + 1);
		assert_int_equal((unsigned char)buf[need + 1], 0xa5);
		free(ref);
	}
	free(js);
	free(text);
}

/* 32 streams (odd ones with explicit ids, even ones by position; sizes, ports, rates and
 * variations differing), 16 workflows: 15 of two streams in a dependency chain with mixed
 * priorities and dotted section names, and a last one of 16 streams depending on two. */
static char *
big_profile(void)
{
	size_t cap = 64 * 1024, n = 0;
	char *t = malloc(cap);
	assert_non_null(t);
#define ADD(...) (n += (size_t)snprintf(t + n, cap - n, __VA_ARGS__), assert_true(n < cap))
	ADD("; generated: 16 workflows, 32 streams\n[job]\nname=big-job\ntimeout=1h\n"
	    "idempotency_key=big-1\ndc_count=2\n\n");
	for (unsigned w = 0; w < 15; w++) {
		ADD(w % 2 ? "[workflow.w%u]\n" : "[workflow w%u]\n", w);
		ADD("streams = s%u, s%u\ncores = %u\nduration = %us\n", 2 * w, 2 * w + 1, 1 + w % 4,
		        1 + w);
		if (w > 0)
			ADD("depends_on = w%u ; chain\n", w - 1);
		if (w % 3 == 1)
			ADD("priority = %u\n", 10 + w);
		else if (w % 3 == 2)
			ADD("priority = exclusive\n");
	}
	ADD("[workflow w15]\nstreams = ");
	for (unsigned s = 16; s < 32; s++)
		ADD("%ss%u", s > 16 ? ", " : "", s);
	ADD("\ncores = 8\nduration = 30s\ndepends_on = w3, w14\n");
	for (unsigned s = 0; s < 32; s++) {
		ADD("[stream s%u]\n", s);
		if (s % 2)
			ADD("id = %u\n", 200 - s);
		ADD("port = %u\n", s % 16);
		ADD("src_ip = 10.0.%u.1\ndst_ip = 10.1.%u.1\n", s, s);
		ADD("dst_port = %u\n", 5000 + s);
		if (s % 3 == 0)
			ADD("size = 64-%u\n", 128 + s);
		else if (s % 3 == 1)
			ADD("size = 64:%u, 1500:1\n", s + 1);
		else
			ADD("size = imix\n");
		ADD("rate = %uMpps\n", 1 + s);
		if (s % 4 == 0)
			ADD("vary.src_port = inc 1000-%u step 2\n", 2000 + s);
		if (s % 5 == 0)
			ADD("vary.dst_ip = list 10.1.%u.1, 10.1.%u.2\n", s, s);
	}
#undef ADD
	return t;
}

static void
test_16_workflows_32_streams(void **state)
{
	(void)state;
	char *text = big_profile();
	struct hl_job_spec *js = parse(text, strlen(text));
	assert_int_equal(js->n_workflows, 16);
	assert_int_equal(js->n_streams, HL_JOB_MAX_STREAMS);
	assert_int_equal(js->workflows[15].n_streams, HL_JOB_MAX_WF_STREAMS);
	for (unsigned w = 0; w < js->n_workflows; w++)
		check_slice(js, text, w);

	/* the two-stream slices fit a dispatch; the 16-stream one does not, and says by how much */
	char buf[HL_WIRE_WF_SPEC_MAX], err[HL_INI_ERRLEN];
	size_t len;
	for (unsigned w = 0; w < 15; w++)
		assert_int_equal(hl_job_profile_slice(js, text, strlen(text), w, buf, sizeof(buf),
		                         &len, err, sizeof(err)),
		        0);
	size_t need;
	char *ref = slice(js, text, 15, &need);
	assert_true(need >= sizeof(buf));
	assert_int_equal(hl_job_profile_slice(js, text, strlen(text), 15, buf, sizeof(buf), &len,
	                         err, sizeof(err)),
	        -EMSGSIZE);
	char want[96];
	snprintf(want, sizeof(want), "workflow w15: its profile is %zu bytes, over the %u", need,
	        HL_WIRE_WF_SPEC_MAX - 1);
	if (strstr(err, want) == NULL)
		fail_msg("err '%s' does not say '%s'", err, want);
	free(ref);
	free(js);
	free(text);
}

static int
teardown(void **state)
{
	(void)state;
	cfgtest_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_two_workflow_example),
	        cmocka_unit_test(test_all_examples),
	        cmocka_unit_test(test_stream_ids_kept),
	        cmocka_unit_test(test_refusals),
	        cmocka_unit_test(test_buffer_boundary),
	        cmocka_unit_test(test_16_workflows_32_streams),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
