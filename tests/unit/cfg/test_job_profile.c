/* test_job_profile.c — job profiles: the examples in docs/examples/ parse to the expected specs;
 * each malformed profile (references, cycles, bounds, units, addresses) gets its precise
 * "FILE: [SECTION] KEY: REASON"; dependency layers of several graphs. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfgtest.h"
#include "hl_ini.h"
#include "hl_job_profile.h"

static struct hl_job_spec *
load_example(const char *name)
{
	struct hl_job_spec *job = malloc(sizeof(*job));
	assert_non_null(job);
	char rel[128], err[HL_INI_ERRLEN] = "";
	snprintf(rel, sizeof(rel), "docs/examples/%s", name);
	int rc = hl_job_profile_load(job, cfgtest_src(rel), err, sizeof(err));
	if (rc != 0)
		fail_msg("%s: rc %d: %s", name, rc, err);
	return job;
}

static const struct hl_job_stream *
stream(const struct hl_job_spec *job, const char *name)
{
	for (unsigned i = 0; i < job->n_streams; i++)
		if (strcmp(job->streams[i].name, name) == 0)
			return &job->streams[i];
	fail_msg("no stream %s", name);
	return NULL;
}

static void
test_two_workflow_example(void **state)
{
	(void)state;
	struct hl_job_spec *job = load_example("two-workflow.ini");
	assert_string_equal(job->name, "two-phase-udp");
	assert_string_equal(job->idempotency_key, "two-phase-udp-0001");
	assert_int_equal(job->timeout_ns, 120ull * 1000000000ull);
	assert_int_equal(job->dc_count, 1);
	assert_int_equal(job->n_dcs, 0);
	assert_int_equal(job->n_workflows, 2);
	assert_int_equal(job->n_streams, 3);
	assert_int_equal(job->n_layers, 2);

	int w = hl_job_workflow_find(job, "warmup"), l = hl_job_workflow_find(job, "load");
	assert_true(w >= 0 && l >= 0);
	assert_int_equal(job->workflows[w].layer, 0);
	assert_int_equal(job->workflows[l].layer, 1);
	assert_int_equal(job->workflows[l].n_deps, 1);
	assert_int_equal(job->workflows[l].deps[0], w);
	assert_int_equal(job->workflows[l].cores, 2);
	assert_int_equal(job->workflows[l].duration_ns, 10ull * 1000000000ull);
	assert_int_equal(job->workflows[l].n_streams, 2);
	assert_string_equal(job->streams[job->workflows[l].streams[0]].name, "bulk");

	const struct hl_stream_spec *b = &stream(job, "bulk")->spec;
	assert_int_equal(b->rate_unit, HL_RATE_PPS);
	assert_true(fabs(b->rate - 1e6) < 1e-6);
	assert_int_equal(b->size_mode, HL_SIZE_FIXED);
	assert_int_equal(b->sizes[0].bytes, 128);
	assert_int_equal(b->n_vars, 2);
	assert_int_equal(b->vars[0].field, HL_FIELD_SRC_IP);
	assert_int_equal(b->vars[0].op, HL_VAR_INC);
	assert_int_equal(b->vars[0].min, 0xc6120001u); /* 198.18.0.1 host order */
	assert_int_equal(b->vars[0].max, 0xc61200feu);
	assert_int_equal(b->vars[0].step, 1);
	assert_int_equal(b->vars[1].field, HL_FIELD_SRC_PORT);
	assert_int_equal(b->vars[1].op, HL_VAR_RANDOM);
	assert_int_equal(b->sig_mode, HL_SIG_PROBES);
	assert_int_equal(b->probe_ratio, 1000);
	assert_int_equal(b->seed, 42);
	static const uint8_t ip[4] = {198, 18, 0, 1};
	assert_memory_equal(&b->src_ip.v4, ip, 4);
	/* ids are unique and follow file order by default */
	assert_int_equal(stream(job, "warm")->spec.id, 1);
	assert_int_equal(stream(job, "probe")->spec.id, 3);
	assert_int_equal(stream(job, "probe")->spec.sig_mode, HL_SIG_ALL);
	/* port by name, or by index (default 0, no name) */
	assert_string_equal(stream(job, "warm")->port_name, "test0");
	assert_string_equal(stream(job, "bulk")->port_name, "");
	assert_int_equal(stream(job, "bulk")->port, 0);
	free(job);
}

static void
test_imix_example(void **state)
{
	(void)state;
	struct hl_job_spec *job = load_example("imix.ini");
	assert_int_equal(job->n_dcs, 1);
	assert_string_equal(job->dcs[0], "dc1");
	assert_int_equal(job->dc_count, 1);
	const struct hl_job_stream *s = stream(job, "simple");
	assert_int_equal(s->spec.size_mode, HL_SIZE_WEIGHTED);
	assert_int_equal(s->spec.n_sizes, 3);
	assert_int_equal(s->spec.sizes[0].bytes, 64);
	assert_int_equal(s->spec.sizes[0].weight, 7);
	assert_int_equal(s->spec.sizes[2].bytes, 1518);
	assert_int_equal(s->spec.rate_unit, HL_RATE_PERCENT);
	assert_true(fabs(s->spec.rate - 50.0) < 1e-9);
	assert_int_equal(s->spec.vars[0].step, 3);

	const struct hl_job_stream *c = stream(job, "custom");
	assert_int_equal(c->port, 1);
	assert_true(c->spec.vlan);
	assert_int_equal(c->spec.vlan_id, 100);
	assert_int_equal(c->spec.vlan_pcp, 5);
	assert_int_equal(c->spec.tos, 184);
	assert_int_equal(c->spec.l4, HL_L4_TCP_SYN);
	assert_int_equal(c->spec.n_sizes, 3);
	assert_int_equal(c->spec.sizes[0].bytes, 128);
	assert_int_equal(c->spec.sizes[1].bytes, 594);
	assert_int_equal(c->spec.sizes[1].weight, 16);
	assert_int_equal(c->spec.rate_unit, HL_RATE_L1_BPS);
	assert_true(fabs(c->spec.rate - 2.5e9) < 1e-3);
	assert_int_equal(c->spec.burst, 64);
	assert_int_equal(c->spec.vars[0].op, HL_VAR_DEC);
	assert_int_equal(c->spec.vars[1].op, HL_VAR_LIST);
	assert_int_equal(c->spec.vars[1].list_len, 3);
	assert_int_equal(c->spec.vars[1].list[1], 0x020000000203ull);
	free(job);
}

static void
test_ipv6_example(void **state)
{
	(void)state;
	struct hl_job_spec *job = load_example("ipv6.ini");
	assert_int_equal(job->dc_count, 2);
	assert_int_equal(job->n_layers, 2);
	uint16_t l0[4];
	assert_int_equal(hl_job_layer(job, 0, l0, 4), 2);
	assert_string_equal(job->workflows[l0[0]].name, "ping");
	assert_string_equal(job->workflows[l0[1]].name, "sweep");
	uint16_t l1[4];
	assert_int_equal(hl_job_layer(job, 1, l1, 4), 1);
	assert_string_equal(job->workflows[l1[0]].name, "soak");
	assert_int_equal(hl_job_layer(job, 2, l1, 4), 0);
	assert_int_equal(job->workflows[l0[0]].duration_ns, 0);
	assert_int_equal(job->workflows[l0[0]].priority_class, HL_JOB_PRIO_EXPLICIT);
	assert_int_equal(job->workflows[l0[0]].priority, 80);
	assert_int_equal(job->workflows[l1[0]].priority_class, HL_JOB_PRIO_EXCLUSIVE);
	assert_int_equal(job->workflows[l0[1]].priority_class, HL_JOB_PRIO_AUTO);

	const struct hl_job_stream *e = stream(job, "echo");
	assert_int_equal(e->spec.l3, HL_L3_IPV6);
	assert_int_equal(e->spec.l4, HL_L4_ICMP_ECHO);
	assert_int_equal(e->spec.packet_count, 1000);
	static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	assert_memory_equal(e->spec.dst_ip.v6, dst, 16);
	const struct hl_job_stream *r = stream(job, "range");
	assert_int_equal(r->spec.size_mode, HL_SIZE_RANGE);
	assert_int_equal(r->spec.size_min, 128);
	assert_int_equal(r->spec.size_max, 1518);
	assert_int_equal(r->spec.rate_unit, HL_RATE_L2_BPS);
	const struct hl_job_stream *l = stream(job, "load6");
	assert_int_equal(l->spec.ttl, 32);
	assert_int_equal(l->spec.vars[0].min, 1);
	assert_int_equal(l->spec.vars[0].max, 0xffff);
	free(job);
}

/* Parse text from a temp file and compare the whole message ("<path>" + want). */
static void
expect_job_err(const char *text, const char *want)
{
	const char *path = cfgtest_write("job.ini", text, strlen(text));
	struct hl_job_spec *job = malloc(sizeof(*job));
	assert_non_null(job);
	char err[HL_INI_ERRLEN] = "", expect[HL_INI_ERRLEN + 64];
	int rc = hl_job_profile_load(job, path, err, sizeof(err));
	snprintf(expect, sizeof(expect), "%s%s", path, want);
	if (rc != -EINVAL || strcmp(err, expect) != 0)
		fail_msg("rc %d\n  got:  %s\n  want: %s\n--- profile:\n%s", rc, err, expect, text);
	free(job);
}

#define JOB "[job]\nname = t\n"
#define WF_A "[workflow a]\nstreams = s\nduration = 1s\n"
#define ST_S "[stream s]\nrate = 1kpps\n"

static void
test_bad_references(void **state)
{
	(void)state;
	expect_job_err(JOB WF_A "depends_on = b\n" ST_S,
	        ": [workflow a] depends_on: unknown workflow 'b'");
	expect_job_err(JOB "[workflow a]\nstreams = s, x\nduration = 1s\n" ST_S,
	        ": [workflow a] streams: unknown stream 'x'");
	expect_job_err(JOB "[workflow a]\nstreams = s, s\nduration = 1s\n" ST_S,
	        ": [workflow a] streams: 's' listed twice");
	expect_job_err(JOB WF_A "[workflow  a]\nstreams = s\n" ST_S,
	        ": [workflow  a]: duplicate workflow name 'a'");
	expect_job_err(
	        JOB WF_A ST_S "[stream s ]\nrate = 1kpps\n", ": [stream s]: duplicate section");
	expect_job_err(JOB WF_A ST_S "[stream  s]\nrate = 1kpps\n",
	        ": [stream  s]: duplicate stream name 's'");
	expect_job_err(JOB WF_A ST_S "[stream u]\nrate = 1kpps\n",
	        ": [stream u]: not used by any workflow");
	expect_job_err(JOB WF_A ST_S "[flow x]\n", ": [flow x]: unknown section (expected [job], "
	                                           "[workflow NAME] or [stream NAME])");
	expect_job_err(JOB WF_A ST_S "[workflow]\n", ": [workflow]: needs a name: [workflow NAME]");
	expect_job_err(
	        JOB WF_A ST_S "[workflow.]\n", ": [workflow.]: needs a name: [workflow NAME]");
	expect_job_err(JOB WF_A ST_S "[workflow.a]\nstreams = s\n",
	        ": [workflow.a]: duplicate workflow name 'a'");
	expect_job_err(JOB WF_A ST_S "[streams x]\n", ": [streams x]: unknown section (expected "
	                                              "[job], [workflow NAME] or [stream NAME])");
	expect_job_err(JOB WF_A ST_S "[stream a/b]\n",
	        ": [stream a/b]: 'a/b' is not a valid name (1..47 of A-Z a-z 0-9 _ - .)");
	expect_job_err(WF_A ST_S, ": missing section [job]");
	expect_job_err(JOB ST_S, ": no [workflow NAME] section: a job needs at least one");
	expect_job_err("[job]\n" WF_A ST_S, ": [job] name: required key missing");
	expect_job_err(JOB "[workflow a]\nduration = 1s\n" ST_S,
	        ": [workflow a] streams: required key missing");
}

static void
test_cycles(void **state)
{
	(void)state;
	expect_job_err(JOB WF_A "depends_on = a\n" ST_S,
	        ": [workflow a] depends_on: dependency cycle: a -> a");
	expect_job_err(JOB "[workflow a]\nstreams = s\nduration = 1s\ndepends_on = c\n"
	                   "[workflow b]\nstreams = s\nduration = 1s\ndepends_on = a\n"
	                   "[workflow c]\nstreams = s\nduration = 1s\ndepends_on = b\n" ST_S,
	        ": [workflow a] depends_on: dependency cycle: a -> c -> b -> a");
	/* a cycle behind an acyclic prefix: x -> y -> z -> y */
	expect_job_err(JOB "[workflow x]\nstreams = s\nduration = 1s\ndepends_on = y\n"
	                   "[workflow y]\nstreams = s\nduration = 1s\ndepends_on = z\n"
	                   "[workflow z]\nstreams = s\nduration = 1s\ndepends_on = y\n" ST_S,
	        ": [workflow y] depends_on: dependency cycle: y -> z -> y");
}

static void
test_bad_stream_values(void **state)
{
	(void)state;
	expect_job_err(JOB WF_A "[stream s]\nrate = 5Gbs\n",
	        ": [stream s] rate: '5Gbs': unknown rate unit (pps, kpps, Mpps, Gpps, bps, kbps, "
	        "Mbps, Gbps, Tbps [l1|l2], %, or unlimited)");
	expect_job_err(
	        JOB WF_A "[stream s]\nrate = 150%\n", ": [stream s] rate: '150%' above 100%");
	expect_job_err(JOB WF_A "[stream s]\nrate = 0pps\n",
	        ": [stream s] rate: '0pps': rate must be above 0");
	expect_job_err(JOB WF_A "[stream s]\nrate = 1Mpps l1\n",
	        ": [stream s] rate: '1Mpps l1': only a bit rate takes a layer (l1 or l2)");
	expect_job_err(JOB WF_A "[stream s]\nrate = -1kpps\n",
	        ": [stream s] rate: '-1kpps' is not a number");
	expect_job_err(JOB WF_A "[stream s]\nsize = 9217\n",
	        ": [stream s] size: 9217 above max 9216 (a size is BYTES, MIN-MAX, imix or "
	        "BYTES:WEIGHT, ...)");
	expect_job_err(JOB WF_A "[stream s]\nsize = 1518-64\n",
	        ": [stream s] size: range 1518-64 is reversed");
	expect_job_err(JOB WF_A "[stream s]\nsize = 64:1, 128\n",
	        ": [stream s] size: '128' is not BYTES:WEIGHT");
	expect_job_err(
	        JOB WF_A "[stream s]\nsize = 64:0\n", ": [stream s] size: entry 1: 0 below min 1");
	expect_job_err(JOB WF_A "[stream s]\nsrc_ip = 2001:db8::1\ndst_ip = 2001:db8::2\n"
	                        "size = 64\nsignature = all\n",
	        ": [stream s] size: 64 B is below the 82 B these headers need");
	expect_job_err(JOB WF_A "[stream s]\nsrc_ip = 2001:db8::1\ndst_ip = 2001:db8::2\n"
	                        "signature = all\n",
	        ": [stream s] size: default 64 B is below the 82 B these headers need: set size");
	expect_job_err(JOB WF_A "[stream s]\nl3 = ipv4\nsrc_ip = 2001:db8::1\n",
	        ": [stream s] src_ip: '2001:db8::1' is IPv6 but l3 = ipv4");
	expect_job_err(JOB WF_A "[stream s]\nsrc_ip = 2001:db8::1\n",
	        ": [stream s] dst_ip: required for l3 = ipv6");
	expect_job_err(JOB WF_A "[stream s]\ndst_ip = 10.0.0.256\n",
	        ": [stream s] dst_ip: '10.0.0.256' is not an IPv4 address");
	expect_job_err(JOB WF_A "[stream s]\nsrc_mac = 03:00:00:00:00:01\n",
	        ": [stream s] src_mac: multicast bit set in a source address");
	expect_job_err(JOB WF_A "[stream s]\ndst_mac = 02:00:00:00:00\n",
	        ": [stream s] dst_mac: '02:00:00:00:00' is not a MAC address (aa:bb:cc:dd:ee:ff)");
	expect_job_err(JOB WF_A "[stream s]\nl4 = icmp_echo\ndst_port = 80\n",
	        ": [stream s] dst_port: icmp_echo has no ports");
	expect_job_err(JOB WF_A "[stream s]\nl4 = sctp\n",
	        ": [stream s] l4: 'sctp' unknown (one of: udp, tcp_syn, icmp_echo)");
	expect_job_err(
	        JOB WF_A "[stream s]\nvlan = 4096\n", ": [stream s] vlan: 4096 above max 4095");
	expect_job_err(
	        JOB WF_A "[stream s]\nvlan_pcp = 3\n", ": [stream s] vlan_pcp: set without vlan");
	expect_job_err(JOB WF_A "[stream s]\nsignature = all\nprobe_ratio = 10\n",
	        ": [stream s] probe_ratio: only with signature = probes");
	expect_job_err(JOB WF_A "[stream s]\nduration = 10\n",
	        ": [stream s] duration: '10' needs a unit (ns, us, ms, s, m, h)");
	expect_job_err(JOB WF_A "[stream s]\nduration = 10 s\n",
	        ": [stream s] duration: '10 s': unknown unit ' s' (ns, us, ms, s, m, h)");
	expect_job_err(JOB WF_A "[stream s]\ncount = 0\n", ": [stream s] count: 0 below min 1");
	expect_job_err(
	        JOB WF_A "[stream s]\nburst = 257\n", ": [stream s] burst: 257 above max 256");
	expect_job_err(JOB WF_A "[stream s]\nport = 16\n", ": [stream s] port: 16 above max 15");
	expect_job_err(JOB WF_A "[stream s]\nport = 1x\n",
	        ": [stream s] port: '1x' is not a whole decimal number");
	expect_job_err(JOB WF_A "[stream s]\nport = test 0\n",
	        ": [stream s] port: 'test 0' is neither a port index (0..15) nor a port name");
	expect_job_err(JOB WF_A "[stream s]\nratee = 1kpps\n", ": [stream s] ratee: unknown key");
	expect_job_err(JOB "[workflow a]\nstreams = s, u\nduration = 1s\n" ST_S
	                   "[stream u]\nid = 1\n",
	        ": [stream u] id: 1 already used by stream 's'");
}

static void
test_bad_variations(void **state)
{
	(void)state;
	expect_job_err(JOB WF_A "[stream s]\nvary.ttl = inc 1-2\n",
	        ": [stream s] vary.ttl: field 'ttl' unknown (one of: src_mac, dst_mac, src_ip, "
	        "dst_ip, src_port, dst_port)");
	expect_job_err(JOB WF_A "[stream s]\nvary.src_port = up 1-2\n",
	        ": [stream s] vary.src_port: mode 'up' unknown (one of: inc, dec, random, list)");
	expect_job_err(JOB WF_A "[stream s]\nvary.src_port = inc 9-2\n",
	        ": [stream s] vary.src_port: range 9-2 is reversed");
	expect_job_err(JOB WF_A "[stream s]\nvary.src_port = inc 1-9 step 0\n",
	        ": [stream s] vary.src_port: step: 0 below min 1");
	expect_job_err(JOB WF_A "[stream s]\nvary.src_port = inc 1-9 stride 2\n",
	        ": [stream s] vary.src_port: 'stride 2': expected 'step N' after the range");
	expect_job_err(JOB WF_A "[stream s]\nvary.src_port = random 1-9 step 2\n",
	        ": [stream s] vary.src_port: random takes no step");
	expect_job_err(JOB WF_A "[stream s]\nvary.src_port = inc 70000-70001\n",
	        ": [stream s] vary.src_port: 70000 above max 65535");
	expect_job_err(JOB WF_A "[stream s]\nvary.dst_ip = inc 10.0.0.1\n",
	        ": [stream s] vary.dst_ip: '10.0.0.1' is not a MIN-MAX range");
	expect_job_err(JOB WF_A "[stream s]\nvary.src_ip = inc 2001:db8::1-2001:db8::9\n",
	        ": [stream s] vary.src_ip: '2001:db8::1' is not an IPv4 address");
	expect_job_err(JOB WF_A "[stream s]\nsrc_ip = 2001:db8::1\ndst_ip = 2001:db8::2\n"
	                        "size = 128\nvary.src_ip = inc 2001:db9::1-2001:db9::9\n",
	        ": [stream s] vary.src_ip: '2001:db9::1': an IPv6 variation changes only the last "
	        "32 bits; the first 96 must equal the stream's src_ip");
	expect_job_err(JOB WF_A "[stream s]\nvary.src_mac = list 02:00:00:00:00:01, zz\n",
	        ": [stream s] vary.src_mac: 'zz' is not a MAC address (aa:bb:cc:dd:ee:ff)");
	expect_job_err(JOB WF_A "[stream s]\nl4 = icmp_echo\nvary.dst_port = inc 1-2\n",
	        ": [stream s] vary.dst_port: icmp_echo has no ports to vary");
	expect_job_err(JOB WF_A "[stream s]\nvary.src_port = list\n",
	        ": [stream s] vary.src_port: 'list' needs values");
}

static void
test_bad_job_and_workflow(void **state)
{
	(void)state;
	expect_job_err("[job]\nname = t\ndcs = dc1, dc2\ndc_count = 3\n" WF_A ST_S,
	        ": [job] dc_count: 3, but dcs lists 2 datacenters");
	expect_job_err(
	        "[job]\nname = t\ndcs = dc1, dc1\n" WF_A ST_S, ": [job] dcs: 'dc1' listed twice");
	expect_job_err(
	        "[job]\nname = t\ndc_count = 9\n" WF_A ST_S, ": [job] dc_count: 9 above max 8");
	expect_job_err("[job]\nname = t\ntimeout = 8d\n" WF_A ST_S,
	        ": [job] timeout: '8d': unknown unit 'd' (ns, us, ms, s, m, h)");
	expect_job_err("[job]\nname = t\ntimeout = 200h\n" WF_A ST_S,
	        ": [job] timeout: 200h above max 604800000000000 ns");
	expect_job_err("[job]\nname = t\nidempotency_key = a b\n" WF_A ST_S,
	        ": [job] idempotency_key: must not contain spaces");
	expect_job_err("[job]\nname = t\nowner = me\n" WF_A ST_S, ": [job] owner: unknown key");
	expect_job_err(JOB "[workflow a]\nstreams = s\n" ST_S,
	        ": [workflow a] duration: required: stream 's' has neither duration nor count, "
	        "so the workflow would never end");
	expect_job_err(JOB WF_A "cores = 0\n" ST_S, ": [workflow a] cores: 0 below min 1");
	expect_job_err(JOB WF_A "cores = 129\n" ST_S, ": [workflow a] cores: 129 above max 128");
	expect_job_err(
	        JOB WF_A "depends_on = a, a\n" ST_S, ": [workflow a] depends_on: 'a' listed twice");
}

/* Layers of a diamond with a tail and an independent workflow:
 *   a -> b, a -> c, (b, c) -> d -> e; f alone  =>  a0 b1 c1 d2 e3 f0, 4 layers. */
static void
test_layers(void **state)
{
	(void)state;
	static const char text[] =
	        JOB "[workflow e]\nstreams = s\nduration = 1s\ndepends_on = d\n"
	            "[workflow d]\nstreams = s\nduration = 1s\ndepends_on = c, b\n"
	            "[workflow b]\nstreams = s\nduration = 1s\ndepends_on = a\n"
	            "[workflow c]\nstreams = s\nduration = 1s\ndepends_on = a\n"
	            "[workflow a]\nstreams = s\nduration = 1s\n"
	            "[workflow f]\nstreams = s\nduration = 1s\n" ST_S;
	struct hl_job_spec *job = malloc(sizeof(*job));
	assert_non_null(job);
	char err[HL_INI_ERRLEN] = "";
	int rc = hl_job_profile_parse_buf(
	        job, "layers.ini", text, sizeof(text) - 1, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s", err);
	static const struct {
		const char *name;
		unsigned layer;
	} want[] = {{"a", 0}, {"b", 1}, {"c", 1}, {"d", 2}, {"e", 3}, {"f", 0}};
	for (unsigned i = 0; i < 6; i++) {
		int w = hl_job_workflow_find(job, want[i].name);
		assert_true(w >= 0);
		assert_int_equal(job->workflows[w].layer, want[i].layer);
	}
	assert_int_equal(job->n_layers, 4);
	/* every dependency sits in a strictly lower layer */
	for (unsigned w = 0; w < job->n_workflows; w++)
		for (unsigned d = 0; d < job->workflows[w].n_deps; d++)
			assert_true(job->workflows[job->workflows[w].deps[d]].layer <
			            job->workflows[w].layer);
	uint16_t out[1];
	assert_int_equal(hl_job_layer(job, 1, out, 1), 2); /* count beyond max */
	assert_int_equal(hl_job_workflow_find(job, "zz"), -1);
	free(job);
}

/* The dotted section form of app/'s interim job format is accepted. */
static void
test_dotted_sections(void **state)
{
	(void)state;
	static const char text[] = "[job]\nname = d\n[workflow.w1]\nstreams = s.1\nduration = 1s\n"
	                           "[workflow.w2]\nstreams = s.1\nduration = 1s\ndepends_on = w1\n"
	                           "[stream.s.1]\nport = test0\nrate = 1kpps\n";
	struct hl_job_spec *job = malloc(sizeof(*job));
	assert_non_null(job);
	char err[HL_INI_ERRLEN] = "";
	if (hl_job_profile_parse_buf(job, "dot.ini", text, sizeof(text) - 1, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(job->workflows[1].name, "w2");
	assert_int_equal(job->workflows[0].priority_class, HL_JOB_PRIO_AUTO);
	assert_int_equal(job->workflows[1].layer, 1);
	assert_string_equal(job->streams[0].name, "s.1");
	assert_string_equal(job->streams[0].port_name, "test0");
	free(job);
}

/* Bounds of the collections: HL_JOB_MAX_WORKFLOWS + 1 workflows are rejected by name. */
static void
test_bounds(void **state)
{
	(void)state;
	size_t cap = 64 * 1024, used = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	used += (size_t)snprintf(text + used, cap - used, JOB ST_S);
	for (unsigned i = 0; i <= HL_JOB_MAX_WORKFLOWS; i++)
		used += (size_t)snprintf(
		        text + used, cap - used, "[workflow w%u]\nstreams = s\nduration = 1s\n", i);
	char want[64];
	snprintf(want, sizeof(want), ": [workflow w%u]: more than %u workflows",
	        HL_JOB_MAX_WORKFLOWS, HL_JOB_MAX_WORKFLOWS);
	expect_job_err(text, want);

	/* keys are unique and there are 6 fields (< HL_STREAM_MAX_VARS): all 6 at once parse */
	free(text);
	static const char six[] =
	        JOB WF_A "[stream s]\nvary.src_port = inc 1-2\n"
	                 "vary.dst_port = inc 1-2\n"
	                 "vary.src_ip = random 10.0.0.1-10.0.0.2\n"
	                 "vary.dst_ip = list 10.0.0.1, 10.0.0.9\n"
	                 "vary.src_mac = dec 02:00:00:00:00:01-02:00:00:00:00:09\n"
	                 "vary.dst_mac = inc 02:00:00:00:00:01-02:00:00:00:00:09\n";
	struct hl_job_spec *job = malloc(sizeof(*job));
	assert_non_null(job);
	char err[HL_INI_ERRLEN] = "";
	if (hl_job_profile_parse_buf(job, "six.ini", six, sizeof(six) - 1, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(job->streams[0].spec.n_vars, 6);
	assert_int_equal(job->streams[0].spec.vars[4].min, 0x020000000001ull);
	free(job);
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
	        cmocka_unit_test(test_imix_example),
	        cmocka_unit_test(test_ipv6_example),
	        cmocka_unit_test(test_bad_references),
	        cmocka_unit_test(test_cycles),
	        cmocka_unit_test(test_bad_stream_values),
	        cmocka_unit_test(test_bad_variations),
	        cmocka_unit_test(test_bad_job_and_workflow),
	        cmocka_unit_test(test_layers),
	        cmocka_unit_test(test_dotted_sections),
	        cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
