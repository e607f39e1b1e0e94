/* job_profile.c — job-profile reader: [job], [workflow NAME] and [stream NAME] sections into
 * struct hl_job_spec, with reference, cycle and bound checks and the dependency layers. Every
 * stream is finally checked by lib/txgen's own hl_stream_spec_validate(), so a profile that
 * parses is one the traffic engine accepts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hl_cfgval.h"
#include "hl_ini.h"
#include "hl_job_profile.h"

#define NAME_MAX_ (HL_JOB_NAME_LEN - 1)

enum sec_kind { K_JOB, K_WORKFLOW, K_STREAM };

/* What the first pass learns about each section. */
struct sec_info {
	uint8_t kind;
	uint16_t index; /* into workflows[] or streams[] */
};

struct parse {
	struct hl_ini *ini;
	struct hl_job_spec *job;
	char *err;
	size_t errlen;
	int job_sec;
	int wf_sec[HL_JOB_MAX_WORKFLOWS];
	int st_sec[HL_JOB_MAX_STREAMS];
	char var_key[HL_JOB_MAX_STREAMS][HL_STREAM_MAX_VARS][HL_INI_NAME_MAX + 1];
};

#define ERR(ps, sec, key, ...) \
	hl_ini_err((ps)->ini, (sec), (key), (ps)->err, (ps)->errlen, __VA_ARGS__)

static int
classify(struct parse *ps)
{
	struct hl_job_spec *job = ps->job;
	ps->job_sec = -1;
	for (unsigned i = 0; i < hl_ini_num_sections(ps->ini); i++) {
		const char *s = hl_ini_section(ps->ini, i);
		if (strcmp(s, "job") == 0) {
			ps->job_sec = (int)i; /* a second [job] is a duplicate section (hl_ini) */
			continue;
		}
		/* "[workflow NAME]"; "[workflow.NAME]" is accepted too (app/'s interim format) */
		size_t tl = strcspn(s, " \t.");
		const char *sp = s[tl] != '\0' ? s + tl : NULL;
		bool wf = tl == 8 && strncmp(s, "workflow", 8) == 0;
		bool st = tl == 6 && strncmp(s, "stream", 6) == 0;
		if (!wf && !st)
			return ERR(ps, (int)i, NULL,
			        "unknown section (expected [job], [workflow NAME] or [stream "
			        "NAME])");
		const char *name = sp ? sp + (*sp == '.') : s + tl;
		while (*name == ' ' || *name == '\t')
			name++;
		if (*name == '\0')
			return ERR(ps, (int)i, NULL, "needs a name: [%s NAME]",
			        wf ? "workflow" : "stream");
		if (!hl_cfgval_is_name(name, NAME_MAX_))
			return ERR(ps, (int)i, NULL,
			        "'%s' is not a valid name (1..%u of A-Z a-z 0-9 _ - .)", name,
			        NAME_MAX_);
		if (wf) {
			if (job->n_workflows >= HL_JOB_MAX_WORKFLOWS)
				return ERR(ps, (int)i, NULL, "more than %u workflows",
				        HL_JOB_MAX_WORKFLOWS);
			for (unsigned w = 0; w < job->n_workflows; w++)
				if (strcmp(job->workflows[w].name, name) == 0)
					return ERR(ps, (int)i, NULL, "duplicate workflow name '%s'",
					        name);
			snprintf(
			        job->workflows[job->n_workflows].name, HL_JOB_NAME_LEN, "%s", name);
			ps->wf_sec[job->n_workflows++] = (int)i;
		} else {
			if (job->n_streams >= HL_JOB_MAX_STREAMS)
				return ERR(ps, (int)i, NULL, "more than %u streams",
				        HL_JOB_MAX_STREAMS);
			for (unsigned t = 0; t < job->n_streams; t++)
				if (strcmp(job->streams[t].name, name) == 0)
					return ERR(ps, (int)i, NULL, "duplicate stream name '%s'",
					        name);
			snprintf(job->streams[job->n_streams].name, HL_JOB_NAME_LEN, "%s", name);
			ps->st_sec[job->n_streams++] = (int)i;
		}
	}
	if (ps->job_sec < 0)
		return ERR(ps, -1, NULL, "missing section [job]");
	if (job->n_workflows == 0)
		return ERR(ps, -1, NULL, "no [workflow NAME] section: a job needs at least one");
	return 0;
}

static int
parse_job(struct parse *ps)
{
	struct hl_job_spec *job = ps->job;
	unsigned s = (unsigned)ps->job_sec;
	const char *name = hl_ini_get(ps->ini, s, "name");
	if (name == NULL)
		return ERR(ps, (int)s, "name", "required key missing");
	if (!hl_cfgval_is_name(name, NAME_MAX_))
		return ERR(ps, (int)s, "name",
		        "'%s' is not a valid name (1..%u of A-Z a-z 0-9 _ - .)", name, NAME_MAX_);
	snprintf(job->name, sizeof(job->name), "%s", name);

	const char *key = hl_ini_get(ps->ini, s, "idempotency_key");
	if (key != NULL) {
		if (strlen(key) >= HL_JOB_KEY_LEN)
			return ERR(ps, (int)s, "idempotency_key", "longer than %u bytes",
			        HL_JOB_KEY_LEN - 1);
		for (const char *c = key; *c; c++)
			if (*c == ' ' || *c == '\t')
				return ERR(
				        ps, (int)s, "idempotency_key", "must not contain spaces");
		snprintf(job->idempotency_key, sizeof(job->idempotency_key), "%s", key);
	}
	int rc = hl_ini_duration(ps->ini, s, "timeout", 1000000000ull, HL_JOB_MAX_TIMEOUT_NS,
	        &job->timeout_ns, ps->err, ps->errlen);
	if (rc < 0)
		return rc;

	const char *dcs = hl_ini_get(ps->ini, s, "dcs");
	if (dcs != NULL) {
		char items[HL_CFGVAL_MAX_ITEMS][HL_CFGVAL_ITEM_MAX + 1];
		unsigned n;
		char why[HL_CFGVAL_WHYLEN];
		if (hl_cfgval_list(dcs, items, HL_JOB_MAX_DCS, &n, why, sizeof(why)) < 0)
			return ERR(ps, (int)s, "dcs", "%s", why);
		if (n == 0)
			return ERR(ps, (int)s, "dcs", "empty list (leave the key out instead)");
		for (unsigned i = 0; i < n; i++) {
			if (!hl_cfgval_is_name(items[i], NAME_MAX_))
				return ERR(
				        ps, (int)s, "dcs", "'%s' is not a valid DC name", items[i]);
			for (unsigned j = 0; j < i; j++)
				if (strcmp(items[i], items[j]) == 0)
					return ERR(
					        ps, (int)s, "dcs", "'%s' listed twice", items[i]);
			snprintf(job->dcs[i], HL_JOB_NAME_LEN, "%s", items[i]);
		}
		job->n_dcs = (uint16_t)n;
	}
	uint64_t dc_count = job->n_dcs ? job->n_dcs : 1;
	const char *dcc = hl_ini_get(ps->ini, s, "dc_count");
	if (dcc != NULL) {
		rc = hl_ini_u64(
		        ps->ini, s, "dc_count", 1, HL_JOB_MAX_DCS, &dc_count, ps->err, ps->errlen);
		if (rc < 0)
			return rc;
		if (job->n_dcs && dc_count != job->n_dcs)
			return ERR(ps, (int)s, "dc_count", "%llu, but dcs lists %u datacenters",
			        (unsigned long long)dc_count, job->n_dcs);
	}
	job->dc_count = (uint16_t)dc_count;
	return hl_ini_check_used(ps->ini, s, ps->err, ps->errlen);
}

/* ---- streams ---- */

static int
parse_size(struct parse *ps, unsigned sec, struct hl_stream_spec *sp, uint16_t minf)
{
	const char *v = hl_ini_get(ps->ini, sec, "size");
	if (v == NULL) {
		if (sp->sizes[0].bytes < minf) /* the default 64 B is too small for these headers */
			return ERR(ps, (int)sec, "size",
			        "default 64 B is below the %u B these headers need: set size",
			        minf);
		return 0;
	}
	char why[HL_CFGVAL_WHYLEN];
	uint64_t a, b;
	const char *dash = strchr(v, '-');
	if (strcmp(v, "imix") == 0) {
		/* Simple IMIX 7:4:1 of 64/594/1518 B (traffic-generators.md section 1.1). */
		static const struct hl_size_entry imix[3] = {{64, 7}, {594, 4}, {1518, 1}};
		sp->size_mode = HL_SIZE_WEIGHTED;
		sp->n_sizes = 3;
		memcpy(sp->sizes, imix, sizeof(imix));
	} else if (strchr(v, ':') != NULL) {
		char items[HL_CFGVAL_MAX_ITEMS][HL_CFGVAL_ITEM_MAX + 1];
		unsigned n;
		if (hl_cfgval_list(v, items, HL_STREAM_MAX_SIZES, &n, why, sizeof(why)) < 0)
			return ERR(ps, (int)sec, "size", "%s", why);
		for (unsigned i = 0; i < n; i++) {
			char *colon = strchr(items[i], ':');
			if (colon == NULL)
				return ERR(
				        ps, (int)sec, "size", "'%s' is not BYTES:WEIGHT", items[i]);
			*colon = '\0';
			if (hl_cfgval_u64(items[i], HL_STREAM_MIN_FRAME, HL_STREAM_MAX_FRAME, &a,
			            why, sizeof(why)) < 0 ||
			        hl_cfgval_u64(colon + 1, 1, 1000000, &b, why, sizeof(why)) < 0)
				return ERR(ps, (int)sec, "size", "entry %u: %s", i + 1, why);
			sp->sizes[i].bytes = (uint16_t)a;
			sp->sizes[i].weight = (uint32_t)b;
		}
		if (n == 0)
			return ERR(ps, (int)sec, "size", "empty size list");
		sp->size_mode = HL_SIZE_WEIGHTED;
		sp->n_sizes = n;
	} else if (dash != NULL) {
		char lo[32], hi[32];
		size_t ll = (size_t)(dash - v);
		if (ll >= sizeof(lo) || strlen(dash + 1) >= sizeof(hi))
			return ERR(ps, (int)sec, "size", "'%s' is not MIN-MAX", v);
		memcpy(lo, v, ll);
		lo[ll] = '\0';
		snprintf(hi, sizeof(hi), "%s", dash + 1);
		if (hl_cfgval_u64(lo, HL_STREAM_MIN_FRAME, HL_STREAM_MAX_FRAME, &a, why,
		            sizeof(why)) < 0 ||
		        hl_cfgval_u64(hi, HL_STREAM_MIN_FRAME, HL_STREAM_MAX_FRAME, &b, why,
		                sizeof(why)) < 0)
			return ERR(ps, (int)sec, "size", "%s", why);
		if (a > b)
			return ERR(ps, (int)sec, "size", "range %llu-%llu is reversed",
			        (unsigned long long)a, (unsigned long long)b);
		sp->size_mode = HL_SIZE_RANGE;
		sp->size_min = (uint16_t)a;
		sp->size_max = (uint16_t)b;
		sp->n_sizes = 0;
	} else {
		if (hl_cfgval_u64(
		            v, HL_STREAM_MIN_FRAME, HL_STREAM_MAX_FRAME, &a, why, sizeof(why)) < 0)
			return ERR(ps, (int)sec, "size",
			        "%s (a size is BYTES, MIN-MAX, imix or "
			        "BYTES:WEIGHT, ...)",
			        why);
		sp->size_mode = HL_SIZE_FIXED;
		sp->n_sizes = 1;
		sp->sizes[0].bytes = (uint16_t)a;
		sp->sizes[0].weight = 1;
	}
	uint16_t smallest = sp->size_mode == HL_SIZE_RANGE ? sp->size_min : 0xffff;
	for (unsigned i = 0; sp->size_mode != HL_SIZE_RANGE && i < sp->n_sizes; i++)
		if (sp->sizes[i].bytes < smallest)
			smallest = sp->sizes[i].bytes;
	if (smallest < minf)
		return ERR(ps, (int)sec, "size", "%u B is below the %u B these headers need",
		        smallest, minf);
	return 0;
}

/* One value of a variation, for the field's type. */
static int
var_value(const struct hl_stream_spec *sp, unsigned field, const char *s, uint64_t *out, char *why,
        size_t whylen)
{
	switch (field) {
	case HL_FIELD_SRC_MAC:
	case HL_FIELD_DST_MAC: {
		uint8_t m[6];
		if (hl_cfgval_mac(s, m, why, whylen) < 0)
			return -EINVAL;
		uint64_t v = 0;
		for (unsigned i = 0; i < 6; i++)
			v = v << 8 | m[i];
		*out = v;
		return 0;
	}
	case HL_FIELD_SRC_IP:
	case HL_FIELD_DST_IP:
		if (sp->l3 == HL_L3_IPV4) {
			uint8_t a[4];
			if (hl_cfgval_ipv4(s, a, why, whylen) < 0)
				return -EINVAL;
			*out = (uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 |
			       a[3];
		} else {
			uint8_t a[16];
			if (hl_cfgval_ipv6(s, a, why, whylen) < 0)
				return -EINVAL;
			const uint8_t *base =
			        field == HL_FIELD_SRC_IP ? sp->src_ip.v6 : sp->dst_ip.v6;
			if (memcmp(a, base, 12) != 0) {
				snprintf(why, whylen,
				        "'%s': an IPv6 variation changes only the last 32 bits; "
				        "the "
				        "first 96 must equal the stream's %s",
				        s, hl_field_name(field));
				return -EINVAL;
			}
			*out = (uint64_t)a[12] << 24 | (uint64_t)a[13] << 16 |
			       (uint64_t)a[14] << 8 | a[15];
		}
		return 0;
	default:
		return hl_cfgval_u64(s, 0, 65535, out, why, whylen);
	}
}

static int
parse_var(struct parse *ps, unsigned t, unsigned sec, const char *key, const char *v,
        struct hl_stream_spec *sp)
{
	char why[HL_CFGVAL_WHYLEN];
	const char *fname = key + 5; /* after "vary." */
	unsigned field;
	const char *fields[HL_FIELD_COUNT_];
	for (unsigned i = 0; i < HL_FIELD_COUNT_; i++)
		fields[i] = hl_field_name(i);
	if (hl_cfgval_enum(fname, fields, HL_FIELD_COUNT_, &field, why, sizeof(why)) < 0)
		return ERR(ps, (int)sec, key, "field %s", why);
	if (sp->l4 == HL_L4_ICMP_ECHO && (field == HL_FIELD_SRC_PORT || field == HL_FIELD_DST_PORT))
		return ERR(ps, (int)sec, key, "icmp_echo has no ports to vary");
	if (sp->n_vars >= HL_STREAM_MAX_VARS)
		return ERR(ps, (int)sec, key, "more than %u variations in one stream",
		        HL_STREAM_MAX_VARS);

	/* "<op> <args>" */
	char opname[16];
	size_t ol = strcspn(v, " \t");
	if (ol == 0 || ol >= sizeof(opname))
		return ERR(
		        ps, (int)sec, key, "'%s': expected inc|dec|random MIN-MAX or list A, B", v);
	memcpy(opname, v, ol);
	opname[ol] = '\0';
	const char *args = v + ol;
	while (*args == ' ' || *args == '\t')
		args++;
	const char *ops[4];
	for (unsigned i = 0; i < 4; i++)
		ops[i] = hl_var_op_name(i);
	unsigned op;
	if (hl_cfgval_enum(opname, ops, 4, &op, why, sizeof(why)) < 0)
		return ERR(ps, (int)sec, key, "mode %s", why);
	if (*args == '\0')
		return ERR(ps, (int)sec, key, "'%s' needs values", opname);

	struct hl_field_var *fv = &sp->vars[sp->n_vars];
	memset(fv, 0, sizeof(*fv));
	fv->field = (uint8_t)field;
	fv->op = (uint8_t)op;
	fv->step = 1;
	if (op == HL_VAR_LIST) {
		char items[HL_CFGVAL_MAX_ITEMS][HL_CFGVAL_ITEM_MAX + 1];
		unsigned n;
		if (hl_cfgval_list(args, items, HL_STREAM_MAX_LIST, &n, why, sizeof(why)) < 0)
			return ERR(ps, (int)sec, key, "%s", why);
		for (unsigned i = 0; i < n; i++)
			if (var_value(sp, field, items[i], &fv->list[i], why, sizeof(why)) < 0)
				return ERR(ps, (int)sec, key, "%s", why);
		fv->list_len = n;
	} else {
		char range[2 * HL_CFGVAL_ITEM_MAX];
		size_t rl = strcspn(args, " \t");
		if (rl >= sizeof(range))
			return ERR(ps, (int)sec, key, "range too long");
		memcpy(range, args, rl);
		range[rl] = '\0';
		const char *rest = args + rl;
		while (*rest == ' ' || *rest == '\t')
			rest++;
		char *dash = strchr(range, '-');
		if (dash == NULL)
			return ERR(ps, (int)sec, key, "'%s' is not a MIN-MAX range", range);
		*dash = '\0';
		if (var_value(sp, field, range, &fv->min, why, sizeof(why)) < 0 ||
		        var_value(sp, field, dash + 1, &fv->max, why, sizeof(why)) < 0)
			return ERR(ps, (int)sec, key, "%s", why);
		if (fv->min > fv->max)
			return ERR(ps, (int)sec, key, "range %s-%s is reversed", range, dash + 1);
		if (*rest != '\0') {
			if (strncmp(rest, "step", 4) != 0 || (rest[4] != ' ' && rest[4] != '\t'))
				return ERR(ps, (int)sec, key,
				        "'%s': expected 'step N' after the range", rest);
			if (op == HL_VAR_RANDOM)
				return ERR(ps, (int)sec, key, "random takes no step");
			rest += 5;
			while (*rest == ' ' || *rest == '\t')
				rest++;
			uint64_t span = fv->max - fv->min;
			if (hl_cfgval_u64(rest, 1, span ? span : 1, &fv->step, why, sizeof(why)) <
			        0)
				return ERR(ps, (int)sec, key, "step: %s", why);
		}
	}
	snprintf(ps->var_key[t][sp->n_vars], HL_INI_NAME_MAX + 1, "%s", key);
	sp->n_vars++;
	return 0;
}

static int
parse_addr(struct parse *ps, unsigned sec, const char *key, uint8_t l3, void *out)
{
	const char *v = hl_ini_get(ps->ini, sec, key);
	char why[HL_CFGVAL_WHYLEN];
	if (v == NULL) {
		if (l3 == HL_L3_IPV6)
			return ERR(ps, (int)sec, key, "required for l3 = ipv6");
		return 0;
	}
	if (l3 == HL_L3_IPV4) {
		if (strchr(v, ':') != NULL)
			return ERR(ps, (int)sec, key, "'%s' is IPv6 but l3 = ipv4", v);
		if (hl_cfgval_ipv4(v, out, why, sizeof(why)) < 0)
			return ERR(ps, (int)sec, key, "%s", why);
	} else {
		if (strchr(v, ':') == NULL)
			return ERR(ps, (int)sec, key, "'%s' is IPv4 but l3 = ipv6", v);
		if (hl_cfgval_ipv6(v, out, why, sizeof(why)) < 0)
			return ERR(ps, (int)sec, key, "%s", why);
	}
	return 0;
}

static int
parse_enum(struct parse *ps, unsigned sec, const char *key, const char *const *names, unsigned n,
        uint8_t *out)
{
	const char *v = hl_ini_get(ps->ini, sec, key);
	if (v == NULL)
		return 0;
	char why[HL_CFGVAL_WHYLEN];
	unsigned idx;
	if (hl_cfgval_enum(v, names, n, &idx, why, sizeof(why)) < 0)
		return ERR(ps, (int)sec, key, "%s", why);
	*out = (uint8_t)idx;
	return 0;
}

/* lib/txgen's validation message starts with its field name; say which key that is. */
static const char *
key_of_validation(struct parse *ps, unsigned t, const char *msg)
{
	static const struct {
		const char *prefix, *key;
	} map[] = {
	        {"sizes", "size"},
	        {"size_", "size"},
	        {"vlan_id", "vlan"},
	        {"vlan_pcp", "vlan_pcp"},
	        {"src_mac", "src_mac"},
	        {"dst_mac", "dst_mac"},
	        {"rate", "rate"},
	        {"burst", "burst"},
	        {"probe_ratio", "probe_ratio"},
	};
	if (strncmp(msg, "vars[", 5) == 0) {
		unsigned i = (unsigned)strtoul(msg + 5, NULL, 10);
		if (i < HL_STREAM_MAX_VARS && ps->var_key[t][i][0] != '\0')
			return ps->var_key[t][i];
	}
	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strncmp(msg, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].key;
	return NULL;
}

static int
parse_stream(struct parse *ps, unsigned t)
{
	struct hl_job_stream *js = &ps->job->streams[t];
	struct hl_stream_spec *sp = &js->spec;
	unsigned sec = (unsigned)ps->st_sec[t];
	struct hl_ini *ini = ps->ini;
	char why[HL_CFGVAL_WHYLEN];
	int rc;

	hl_stream_spec_default(sp);
	sp->id = (uint16_t)(t + 1);
	if ((rc = hl_ini_u16(ini, sec, "id", 1, HL_STREAM_MAX_ID, &sp->id, ps->err, ps->errlen)) <
	        0)
		return rc;
	/* port: an index on the worker, or the name of a node profile's test port */
	const char *pv = hl_ini_get(ini, sec, "port");
	if (pv != NULL && pv[0] >= '0' && pv[0] <= '9') {
		if ((rc = hl_ini_u16(ini, sec, "port", 0, HL_JOB_MAX_PORTS - 1, &js->port, ps->err,
		             ps->errlen)) < 0)
			return rc;
	} else if (pv != NULL) {
		if (!hl_cfgval_is_name(pv, NAME_MAX_))
			return ERR(ps, (int)sec, "port",
			        "'%s' is neither a port index (0..%u) nor a port name", pv,
			        HL_JOB_MAX_PORTS - 1);
		snprintf(js->port_name, sizeof(js->port_name), "%s", pv);
	}
	for (unsigned o = 0; o < t; o++)
		if (ps->job->streams[o].spec.id == sp->id)
			return ERR(ps, (int)sec, "id", "%u already used by stream '%s'", sp->id,
			        ps->job->streams[o].name);

	/* L2 */
	const char *mac_keys[2] = {"src_mac", "dst_mac"};
	uint8_t *macs[2] = {sp->src_mac, sp->dst_mac};
	for (unsigned i = 0; i < 2; i++) {
		const char *v = hl_ini_get(ini, sec, mac_keys[i]);
		if (v != NULL && hl_cfgval_mac(v, macs[i], why, sizeof(why)) < 0)
			return ERR(ps, (int)sec, mac_keys[i], "%s", why);
	}
	if (sp->src_mac[0] & 1)
		return ERR(ps, (int)sec, "src_mac", "multicast bit set in a source address");
	if (hl_ini_get(ini, sec, "vlan") != NULL) {
		sp->vlan = true;
		if ((rc = hl_ini_u16(
		             ini, sec, "vlan", 0, 4095, &sp->vlan_id, ps->err, ps->errlen)) < 0)
			return rc;
	}
	if (hl_ini_get(ini, sec, "vlan_pcp") != NULL) {
		if (!sp->vlan)
			return ERR(ps, (int)sec, "vlan_pcp", "set without vlan");
		uint64_t pcp;
		if ((rc = hl_ini_u64(ini, sec, "vlan_pcp", 0, 7, &pcp, ps->err, ps->errlen)) < 0)
			return rc;
		sp->vlan_pcp = (uint8_t)pcp;
	}

	/* L3: l3 given, or inferred from src_ip */
	static const char *const l3s[] = {"ipv4", "ipv6"};
	const char *src = hl_ini_get(ini, sec, "src_ip");
	sp->l3 = src != NULL && strchr(src, ':') != NULL ? HL_L3_IPV6 : HL_L3_IPV4;
	if ((rc = parse_enum(ps, sec, "l3", l3s, 2, &sp->l3)) < 0)
		return rc;
	if (sp->l3 == HL_L3_IPV6) {
		memset(&sp->src_ip, 0, sizeof(sp->src_ip));
		memset(&sp->dst_ip, 0, sizeof(sp->dst_ip));
	}
	if ((rc = parse_addr(ps, sec, "src_ip", sp->l3, &sp->src_ip)) < 0 ||
	        (rc = parse_addr(ps, sec, "dst_ip", sp->l3, &sp->dst_ip)) < 0)
		return rc;
	uint64_t v64;
	if (hl_ini_get(ini, sec, "ttl") != NULL) {
		if ((rc = hl_ini_u64(ini, sec, "ttl", 1, 255, &v64, ps->err, ps->errlen)) < 0)
			return rc;
		sp->ttl = (uint8_t)v64;
	}
	if (hl_ini_get(ini, sec, "tos") != NULL) {
		if ((rc = hl_ini_u64(ini, sec, "tos", 0, 255, &v64, ps->err, ps->errlen)) < 0)
			return rc;
		sp->tos = (uint8_t)v64;
	}

	/* L4 */
	static const char *const l4s[] = {"udp", "tcp_syn", "icmp_echo"};
	if ((rc = parse_enum(ps, sec, "l4", l4s, 3, &sp->l4)) < 0)
		return rc;
	const char *port_keys[2] = {"src_port", "dst_port"};
	uint16_t *ports[2] = {&sp->src_port, &sp->dst_port};
	for (unsigned i = 0; i < 2; i++) {
		if (hl_ini_get(ini, sec, port_keys[i]) == NULL)
			continue;
		if (sp->l4 == HL_L4_ICMP_ECHO)
			return ERR(ps, (int)sec, port_keys[i], "icmp_echo has no ports");
		if ((rc = hl_ini_u16(
		             ini, sec, port_keys[i], 0, 65535, ports[i], ps->err, ps->errlen)) < 0)
			return rc;
	}

	/* rate, length, burst */
	const char *rate = hl_ini_get(ini, sec, "rate");
	if (rate != NULL) {
		unsigned unit;
		if (hl_cfgval_rate(rate, &unit, &sp->rate, why, sizeof(why)) < 0)
			return ERR(ps, (int)sec, "rate", "%s", why);
		sp->rate_unit = (uint8_t)unit;
	}
	if ((rc = hl_ini_duration(ini, sec, "duration", 1000, HL_JOB_MAX_DURATION_NS,
	             &sp->duration_ns, ps->err, ps->errlen)) < 0 ||
	        (rc = hl_ini_u64(ini, sec, "count", 1, 1000000000000000ull, &sp->packet_count,
	                 ps->err, ps->errlen)) < 0 ||
	        (rc = hl_ini_u16(ini, sec, "burst", 1, HL_STREAM_MAX_BURST, &sp->burst, ps->err,
	                 ps->errlen)) < 0)
		return rc;

	/* measurement */
	static const char *const sigs[] = {"none", "probes", "all"};
	if ((rc = parse_enum(ps, sec, "signature", sigs, 3, &sp->sig_mode)) < 0)
		return rc;
	if (hl_ini_get(ini, sec, "probe_ratio") != NULL) {
		if (sp->sig_mode != HL_SIG_PROBES)
			return ERR(ps, (int)sec, "probe_ratio", "only with signature = probes");
		if ((rc = hl_ini_u32(ini, sec, "probe_ratio", 1, 1u << 30, &sp->probe_ratio,
		             ps->err, ps->errlen)) < 0)
			return rc;
	}
	if ((rc = hl_ini_u64(ini, sec, "seed", 0, UINT64_MAX, &sp->seed, ps->err, ps->errlen)) < 0)
		return rc;

	/* variations, then sizes (which need the final headers and signature) */
	for (unsigned k = 0; k < hl_ini_num_keys(ini, sec); k++) {
		const char *key = hl_ini_key(ini, sec, k);
		if (strncmp(key, "vary.", 5) != 0)
			continue;
		if ((rc = parse_var(ps, t, sec, key, hl_ini_key_value(ini, sec, k), sp)) < 0)
			return rc;
	}
	if ((rc = parse_size(ps, sec, sp, hl_stream_min_frame(sp))) < 0)
		return rc;
	if ((rc = hl_ini_check_used(ini, sec, ps->err, ps->errlen)) < 0)
		return rc;

	char verr[HL_STREAM_ERRLEN];
	if (hl_stream_spec_validate(sp, verr, sizeof(verr)) < 0)
		return ERR(ps, (int)sec, key_of_validation(ps, t, verr), "lib/txgen rejects: %s",
		        verr);
	return 0;
}

/* ---- workflows ---- */

static int
parse_workflow(struct parse *ps, unsigned w, bool used[HL_JOB_MAX_STREAMS])
{
	struct hl_job_spec *job = ps->job;
	struct hl_job_workflow *wf = &job->workflows[w];
	unsigned sec = (unsigned)ps->wf_sec[w];
	char items[HL_CFGVAL_MAX_ITEMS][HL_CFGVAL_ITEM_MAX + 1];
	unsigned n;
	char why[HL_CFGVAL_WHYLEN];
	int rc;

	const char *v = hl_ini_get(ps->ini, sec, "streams");
	if (v == NULL)
		return ERR(ps, (int)sec, "streams", "required key missing");
	if (hl_cfgval_list(v, items, HL_JOB_MAX_WF_STREAMS, &n, why, sizeof(why)) < 0)
		return ERR(ps, (int)sec, "streams", "%s", why);
	if (n == 0)
		return ERR(ps, (int)sec, "streams", "a workflow needs at least one stream");
	for (unsigned i = 0; i < n; i++) {
		unsigned t;
		for (t = 0; t < job->n_streams; t++)
			if (strcmp(job->streams[t].name, items[i]) == 0)
				break;
		if (t == job->n_streams)
			return ERR(ps, (int)sec, "streams", "unknown stream '%s'", items[i]);
		for (unsigned j = 0; j < i; j++)
			if (wf->streams[j] == t)
				return ERR(ps, (int)sec, "streams", "'%s' listed twice", items[i]);
		wf->streams[i] = (uint16_t)t;
		used[t] = true;
	}
	wf->n_streams = (uint16_t)n;

	v = hl_ini_get(ps->ini, sec, "depends_on");
	if (v != NULL) {
		if (hl_cfgval_list(v, items, HL_JOB_MAX_DEPS, &n, why, sizeof(why)) < 0)
			return ERR(ps, (int)sec, "depends_on", "%s", why);
		for (unsigned i = 0; i < n; i++) {
			int d = hl_job_workflow_find(job, items[i]);
			if (d < 0)
				return ERR(ps, (int)sec, "depends_on", "unknown workflow '%s'",
				        items[i]);
			for (unsigned j = 0; j < i; j++)
				if (wf->deps[j] == d)
					return ERR(ps, (int)sec, "depends_on", "'%s' listed twice",
					        items[i]);
			wf->deps[i] = (uint16_t)d;
		}
		wf->n_deps = (uint16_t)n;
	}
	wf->cores = 1;
	if ((rc = hl_ini_u16(ps->ini, sec, "cores", 1, HL_JOB_MAX_CORES, &wf->cores, ps->err,
	             ps->errlen)) < 0 ||
	        (rc = hl_ini_duration(ps->ini, sec, "duration", 1000000, HL_JOB_MAX_DURATION_NS,
	                 &wf->duration_ns, ps->err, ps->errlen)) < 0)
		return rc;
	const char *prio = hl_ini_get(ps->ini, sec, "priority");
	if (prio != NULL) {
		if (strcmp(prio, "auto") == 0) {
			wf->priority_class = HL_JOB_PRIO_AUTO;
		} else if (strcmp(prio, "exclusive") == 0) {
			wf->priority_class = HL_JOB_PRIO_EXCLUSIVE;
		} else {
			uint64_t pv;
			if (hl_cfgval_u64(prio, 1, HL_JOB_MAX_PRIORITY, &pv, why, sizeof(why)) < 0)
				return ERR(ps, (int)sec, "priority",
				        "%s (auto, exclusive, or 1..%u)", why, HL_JOB_MAX_PRIORITY);
			wf->priority_class = HL_JOB_PRIO_EXPLICIT;
			wf->priority = (uint8_t)pv;
		}
	}
	if (wf->duration_ns == 0) {
		for (unsigned i = 0; i < wf->n_streams; i++) {
			const struct hl_job_stream *js = &job->streams[wf->streams[i]];
			if (js->spec.duration_ns == 0 && js->spec.packet_count == 0)
				return ERR(ps, (int)sec, "duration",
				        "required: stream '%s' has neither duration nor count, so "
				        "the "
				        "workflow would never end",
				        js->name);
		}
	}
	return hl_ini_check_used(ps->ini, sec, ps->err, ps->errlen);
}

/* Depth-first search for a cycle; on finding one, report it as "a -> b -> ... -> a". */
static int
find_cycle(struct parse *ps)
{
	const struct hl_job_spec *job = ps->job;
	uint8_t color[HL_JOB_MAX_WORKFLOWS] = {0}; /* 0 new, 1 on stack, 2 done */
	uint16_t stack[HL_JOB_MAX_WORKFLOWS], next[HL_JOB_MAX_WORKFLOWS];
	for (unsigned root = 0; root < job->n_workflows; root++) {
		if (color[root])
			continue;
		unsigned depth = 0;
		stack[0] = (uint16_t)root;
		next[0] = 0;
		color[root] = 1;
		depth = 1;
		while (depth > 0) {
			unsigned w = stack[depth - 1];
			if (next[depth - 1] >= job->workflows[w].n_deps) {
				color[w] = 2;
				depth--;
				continue;
			}
			unsigned d = job->workflows[w].deps[next[depth - 1]++];
			if (color[d] == 2)
				continue;
			if (color[d] == 1) {
				char path[HL_INI_ERRLEN] = "";
				size_t used = 0;
				unsigned from = 0;
				while (stack[from] != d)
					from++;
				for (unsigned i = from; i < depth && used < sizeof(path); i++) {
					int wr = snprintf(path + used, sizeof(path) - used,
					        "%s -> ", job->workflows[stack[i]].name);
					if (wr < 0)
						break;
					used += (size_t)wr;
				}
				if (used < sizeof(path))
					snprintf(path + used, sizeof(path) - used, "%s",
					        job->workflows[d].name);
				return ERR(ps, ps->wf_sec[d], "depends_on", "dependency cycle: %s",
				        path);
			}
			color[d] = 1;
			stack[depth] = (uint16_t)d;
			next[depth] = 0;
			depth++;
		}
	}
	return 0;
}

static void
compute_layers(struct hl_job_spec *job)
{
	/* Acyclic with n nodes: n relaxation passes reach the fixed point. */
	for (unsigned w = 0; w < job->n_workflows; w++)
		job->workflows[w].layer = 0;
	for (unsigned pass = 0; pass < job->n_workflows; pass++)
		for (unsigned w = 0; w < job->n_workflows; w++) {
			struct hl_job_workflow *wf = &job->workflows[w];
			for (unsigned i = 0; i < wf->n_deps; i++) {
				uint16_t l = job->workflows[wf->deps[i]].layer + 1;
				if (l > wf->layer)
					wf->layer = l;
			}
		}
	job->n_layers = 0;
	for (unsigned w = 0; w < job->n_workflows; w++)
		if (job->workflows[w].layer + 1u > job->n_layers)
			job->n_layers = (uint16_t)(job->workflows[w].layer + 1);
}

static int
parse_all(struct parse *ps)
{
	int rc = classify(ps);
	if (rc < 0)
		return rc;
	if ((rc = parse_job(ps)) < 0)
		return rc;
	for (unsigned t = 0; t < ps->job->n_streams; t++)
		if ((rc = parse_stream(ps, t)) < 0)
			return rc;
	bool used[HL_JOB_MAX_STREAMS] = {false};
	for (unsigned w = 0; w < ps->job->n_workflows; w++)
		if ((rc = parse_workflow(ps, w, used)) < 0)
			return rc;
	for (unsigned t = 0; t < ps->job->n_streams; t++)
		if (!used[t])
			return ERR(ps, ps->st_sec[t], NULL, "not used by any workflow");
	if ((rc = find_cycle(ps)) < 0)
		return rc;
	compute_layers(ps->job);
	return 0;
}

static int
run(struct hl_job_spec *job, struct hl_ini *ini, char *err, size_t errlen)
{
	struct parse *ps = calloc(1, sizeof(*ps));
	if (ps == NULL) {
		hl_ini_free(ini);
		return -ENOMEM;
	}
	ps->ini = ini;
	ps->job = job;
	ps->err = err;
	ps->errlen = errlen;
	memset(job, 0, sizeof(*job));
	int rc = parse_all(ps);
	free(ps);
	hl_ini_free(ini);
	return rc;
}

int
hl_job_profile_parse_buf(struct hl_job_spec *job, const char *label, const void *buf, size_t len,
        char *err, size_t errlen)
{
	struct hl_ini *ini;
	int rc = hl_ini_load_buf(&ini, label, buf, len, err, errlen);
	if (rc < 0)
		return rc;
	return run(job, ini, err, errlen);
}

int
hl_job_profile_load(struct hl_job_spec *job, const char *path, char *err, size_t errlen)
{
	struct hl_ini *ini;
	int rc = hl_ini_load_file(&ini, path, err, errlen);
	if (rc < 0)
		return rc;
	return run(job, ini, err, errlen);
}

int
hl_job_workflow_find(const struct hl_job_spec *job, const char *name)
{
	for (unsigned w = 0; w < job->n_workflows; w++)
		if (strcmp(job->workflows[w].name, name) == 0)
			return (int)w;
	return -1;
}

unsigned
hl_job_layer(const struct hl_job_spec *job, unsigned layer, uint16_t *out, unsigned max)
{
	unsigned n = 0;
	for (unsigned w = 0; w < job->n_workflows; w++) {
		if (job->workflows[w].layer != layer)
			continue;
		if (n < max)
			out[n] = (uint16_t)w;
		n++;
	}
	return n;
}
