/* stream.c — defaults, validation and names for struct hl_stream_spec (no DPDK calls: the job
 * parser and unit tests use it without an EAL). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hl_stream.h"
#include "hl_sig.h"

static const char *const field_names[HL_FIELD_COUNT_] = {
        "src_mac", "dst_mac", "src_ip", "dst_ip", "src_port", "dst_port"};
static const char *const op_names[] = {"inc", "dec", "random", "list"};
static const char *const unit_names[] = {"pps", "l1_bps", "l2_bps", "percent", "unlimited"};

const char *
hl_field_name(unsigned field)
{
	return field < HL_FIELD_COUNT_ ? field_names[field] : NULL;
}

const char *
hl_var_op_name(unsigned op)
{
	return op < sizeof(op_names) / sizeof(op_names[0]) ? op_names[op] : NULL;
}

const char *
hl_rate_unit_name(unsigned unit)
{
	return unit < sizeof(unit_names) / sizeof(unit_names[0]) ? unit_names[unit] : NULL;
}

void
hl_stream_spec_default(struct hl_stream_spec *s)
{
	memset(s, 0, sizeof(*s));
	static const uint8_t smac[6] = {0x02, 0, 0, 0, 0, 0x01};
	static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0x02};
	memcpy(s->src_mac, smac, 6);
	memcpy(s->dst_mac, dmac, 6);
	s->l3 = HL_L3_IPV4;
	/* 198.18.0.1 -> 198.19.0.1 in network byte order */
	const uint8_t sip[4] = {198, 18, 0, 1}, dip[4] = {198, 19, 0, 1};
	memcpy(&s->src_ip.v4, sip, 4);
	memcpy(&s->dst_ip.v4, dip, 4);
	s->ttl = 64;
	s->l4 = HL_L4_UDP;
	s->src_port = 1024;
	s->dst_port = 1024;
	s->size_mode = HL_SIZE_FIXED;
	s->n_sizes = 1;
	s->sizes[0].bytes = 64;
	s->sizes[0].weight = 1;
	s->rate_unit = HL_RATE_UNLIMITED;
	s->burst = HL_STREAM_DEFAULT_BURST;
	s->sig_mode = HL_SIG_PROBES;
	s->probe_ratio = 1024;
}

uint16_t
hl_stream_min_frame(const struct hl_stream_spec *s)
{
	unsigned n = 14u + (s->vlan ? 4u : 0u);
	n += s->l3 == HL_L3_IPV6 ? 40u : 20u;
	n += s->l4 == HL_L4_TCP_SYN ? 20u : 8u;
	if (s->sig_mode != HL_SIG_NONE)
		n += HL_SIG_LEN;
	n += 4; /* FCS */
	return (uint16_t)(n < HL_STREAM_MIN_FRAME ? HL_STREAM_MIN_FRAME : n);
}

__attribute__((format(printf, 3, 4))) static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err != NULL && errlen > 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static uint64_t
field_max(const struct hl_stream_spec *s, unsigned field)
{
	switch (field) {
	case HL_FIELD_SRC_MAC:
	case HL_FIELD_DST_MAC:
		return (1ull << 48) - 1;
	case HL_FIELD_SRC_IP:
	case HL_FIELD_DST_IP:
		return UINT32_MAX; /* IPv4 address, or the last 32 bits of an IPv6 one */
	default:
		return s->l4 == HL_L4_ICMP_ECHO ? 0 : UINT16_MAX;
	}
}

static int
validate_var(const struct hl_stream_spec *s, unsigned i, char *err, size_t errlen)
{
	const struct hl_field_var *v = &s->vars[i];
	if (v->field >= HL_FIELD_COUNT_)
		return fail(err, errlen, "vars[%u].field: unknown field %u", i, v->field);
	const char *fn = field_names[v->field];
	uint64_t fmax = field_max(s, v->field);
	if (fmax == 0)
		return fail(err, errlen, "vars[%u].field: %s cannot vary on an ICMP echo stream", i,
		        fn);
	for (unsigned j = 0; j < i; j++)
		if (s->vars[j].field == v->field)
			return fail(err, errlen, "vars[%u].field: %s already varied by vars[%u]", i,
			        fn, j);
	switch (v->op) {
	case HL_VAR_INC:
	case HL_VAR_DEC:
		if (v->step == 0)
			return fail(err, errlen, "vars[%u].step: must be >= 1", i);
		if (v->step > v->max - v->min && v->max != v->min)
			return fail(err, errlen, "vars[%u].step: %llu larger than the range", i,
			        (unsigned long long)v->step);
		/* fall through */
	case HL_VAR_RANDOM:
		if (v->min > v->max)
			return fail(err, errlen, "vars[%u].min: %llu above max %llu", i,
			        (unsigned long long)v->min, (unsigned long long)v->max);
		if (v->max > fmax)
			return fail(err, errlen, "vars[%u].max: %llu too large for %s (max %llu)",
			        i, (unsigned long long)v->max, fn, (unsigned long long)fmax);
		break;
	case HL_VAR_LIST:
		if (v->list_len == 0 || v->list_len > HL_STREAM_MAX_LIST)
			return fail(err, errlen, "vars[%u].list: %u values, need 1..%u", i,
			        v->list_len, HL_STREAM_MAX_LIST);
		for (unsigned j = 0; j < v->list_len; j++)
			if (v->list[j] > fmax)
				return fail(err, errlen,
				        "vars[%u].list[%u]: %llu too large for %s (max %llu)", i, j,
				        (unsigned long long)v->list[j], fn,
				        (unsigned long long)fmax);
		break;
	default:
		return fail(err, errlen, "vars[%u].op: unknown operation %u", i, v->op);
	}
	return 0;
}

int
hl_stream_spec_validate(const struct hl_stream_spec *s, char *err, size_t errlen)
{
	if (s == NULL)
		return fail(err, errlen, "stream: NULL spec");
	if (s->src_mac[0] & 1)
		return fail(err, errlen, "src_mac: multicast bit set in a source address");
	if (s->vlan && s->vlan_id > 4095)
		return fail(err, errlen, "vlan_id: %u out of range 0..4095", s->vlan_id);
	if (s->vlan && s->vlan_pcp > 7)
		return fail(err, errlen, "vlan_pcp: %u out of range 0..7", s->vlan_pcp);
	if (s->l3 != HL_L3_IPV4 && s->l3 != HL_L3_IPV6)
		return fail(err, errlen, "l3: unknown network protocol %u", s->l3);
	if (s->l4 > HL_L4_ICMP_ECHO)
		return fail(err, errlen, "l4: unknown transport %u", s->l4);

	uint16_t minf = hl_stream_min_frame(s);
	switch (s->size_mode) {
	case HL_SIZE_FIXED:
		if (s->n_sizes != 1)
			return fail(err, errlen,
			        "sizes: a fixed size needs exactly 1 entry, got %u", s->n_sizes);
		break;
	case HL_SIZE_RANGE:
		if (s->size_min > s->size_max)
			return fail(err, errlen, "size_min: %u above size_max %u", s->size_min,
			        s->size_max);
		if (s->size_min < minf)
			return fail(err, errlen, "size_min: %u below the %u B these headers need",
			        s->size_min, minf);
		if (s->size_max > HL_STREAM_MAX_FRAME)
			return fail(err, errlen, "size_max: %u above %u", s->size_max,
			        HL_STREAM_MAX_FRAME);
		break;
	case HL_SIZE_WEIGHTED:
		if (s->n_sizes == 0 || s->n_sizes > HL_STREAM_MAX_SIZES)
			return fail(err, errlen, "sizes: %u entries, need 1..%u", s->n_sizes,
			        HL_STREAM_MAX_SIZES);
		break;
	default:
		return fail(err, errlen, "size_mode: unknown mode %u", s->size_mode);
	}
	if (s->size_mode != HL_SIZE_RANGE) {
		for (unsigned i = 0; i < s->n_sizes; i++) {
			if (s->sizes[i].bytes < minf)
				return fail(err, errlen,
				        "sizes[%u].bytes: %u below the %u B these headers need", i,
				        s->sizes[i].bytes, minf);
			if (s->sizes[i].bytes > HL_STREAM_MAX_FRAME)
				return fail(err, errlen, "sizes[%u].bytes: %u above %u", i,
				        s->sizes[i].bytes, HL_STREAM_MAX_FRAME);
			if (s->size_mode == HL_SIZE_WEIGHTED && s->sizes[i].weight == 0)
				return fail(err, errlen, "sizes[%u].weight: must be >= 1", i);
		}
	}

	if (s->n_vars > HL_STREAM_MAX_VARS)
		return fail(err, errlen, "vars: %u variations, at most %u", s->n_vars,
		        HL_STREAM_MAX_VARS);
	for (unsigned i = 0; i < s->n_vars; i++) {
		int rc = validate_var(s, i, err, errlen);
		if (rc < 0)
			return rc;
	}

	if (s->rate_unit > HL_RATE_UNLIMITED)
		return fail(err, errlen, "rate_unit: unknown unit %u", s->rate_unit);
	if (s->rate_unit != HL_RATE_UNLIMITED) {
		if (!(s->rate > 0) || !isfinite(s->rate))
			return fail(err, errlen, "rate: must be > 0 %s", unit_names[s->rate_unit]);
		if (s->rate_unit == HL_RATE_PERCENT && s->rate > 100.0)
			return fail(err, errlen, "rate: %g %% above 100 %%", s->rate);
		if (s->rate_unit == HL_RATE_PPS && s->rate > 1e9)
			return fail(err, errlen, "rate: %g pps above 1e9", s->rate);
	}
	if (s->burst > HL_STREAM_MAX_BURST)
		return fail(err, errlen, "burst: %u above %u", s->burst, HL_STREAM_MAX_BURST);
	if (s->train_pkts == 0 && s->train_gap_ns != 0)
		return fail(err, errlen, "train_gap_ns: set without train_pkts");
	if (s->train_gap_ns > 3600ull * 1000000000ull)
		return fail(err, errlen, "train_gap_ns: %llu above one hour",
		        (unsigned long long)s->train_gap_ns);
	if (s->sig_mode > HL_SIG_ALL)
		return fail(err, errlen, "sig_mode: unknown mode %u", s->sig_mode);
	if (s->sig_mode == HL_SIG_PROBES && s->probe_ratio == 0)
		return fail(err, errlen, "probe_ratio: must be >= 1");
	return 0;
}
