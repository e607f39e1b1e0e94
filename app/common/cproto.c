/* cproto.c — client protocol frames and message bodies. Flat structs are described by field
 * tables (key, kind, offset) so one bounded encoder/decoder pair serves every message. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "hl_cproto.h"
#include "hl_err.h"
#include "hl_frame.h" /* hl_crc32c: standard CRC32C (ISA-L) */
#include "hl_mp.h"

const char *
hl_cproto_type_name(unsigned type)
{
	switch (type) {
#define HL_CP_NAME(n, id, d) \
	case id:             \
		return #n;
		HL_CPROTO_MSGS(HL_CP_NAME)
#undef HL_CP_NAME
	}
	return "?";
}

const char *
hl_job_state_name(unsigned s)
{
	static const char *const names[] = {
	        "queued", "running", "completed", "cancelled", "failed"};
	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int
hl_cproto_frame(
        void *out, size_t cap, unsigned type, uint32_t cluster, const void *body, uint32_t body_len)
{
	size_t total = (size_t)HL_CPROTO_HDR + body_len + HL_CPROTO_TRAILER;
	uint8_t *o = out;

	if (total > cap)
		return -EMSGSIZE;
	o[0] = HL_CPROTO_MAGIC0;
	o[1] = HL_CPROTO_MAGIC1;
	o[2] = HL_CPROTO_VERSION;
	o[3] = (uint8_t)type;
	o[4] = o[5] = o[6] = o[7] = 0;
	put32(o + 8, cluster);
	put32(o + 12, body_len);
	if (body_len)
		memmove(o + HL_CPROTO_HDR, body, body_len);
	put32(o + HL_CPROTO_HDR + body_len, hl_crc32c(o, HL_CPROTO_HDR + body_len));
	return (int)total;
}

int
hl_cproto_parse(const void *buf, size_t len, uint32_t max_body, struct hl_cproto_hdr *hdr,
        const uint8_t **body)
{
	const uint8_t *b = buf;

	if (len >= 1 && b[0] != HL_CPROTO_MAGIC0)
		return -HL_E_BAD_MAGIC;
	if (len >= 2 && b[1] != HL_CPROTO_MAGIC1)
		return -HL_E_BAD_MAGIC;
	if (len < HL_CPROTO_HDR)
		return 0;
	hdr->version = b[2];
	hdr->type = b[3];
	hdr->flags = (uint16_t)((b[4] << 8) | b[5]);
	hdr->cluster = get32(b + 8);
	hdr->body_len = get32(b + 12);
	if (hdr->version != HL_CPROTO_VERSION)
		return -HL_E_BAD_VERSION;
	if (hdr->body_len > max_body)
		return -HL_E_OVERSIZE;
	size_t total = (size_t)HL_CPROTO_HDR + hdr->body_len + HL_CPROTO_TRAILER;
	if (len < total)
		return 0;
	uint32_t want = get32(b + HL_CPROTO_HDR + hdr->body_len);
	uint32_t crc = hl_crc32c(b, HL_CPROTO_HDR + hdr->body_len);
	if (crc != want)
		return -HL_E_BAD_CRC;
	*body = b + HL_CPROTO_HDR;
	return (int)total;
}

/* ---- field tables ---- */

enum fkind { F_U64, F_U32, F_F64, F_STR };
struct field {
	uint8_t key;
	uint8_t kind;
	uint16_t off;
	uint16_t size; /* F_STR: buffer size */
};
#define FLD(k, kind, type, m)                                      \
	{                                                          \
		k, kind, offsetof(type, m), sizeof(((type *)0)->m) \
	}

static void
enc_fields(struct hl_mp_wr *w, const void *s, const struct field *f, unsigned n)
{
	const uint8_t *base = s;
	hl_mp_wr_map(w, n);
	for (unsigned i = 0; i < n; i++) {
		hl_mp_wr_u64(w, f[i].key);
		const void *p = base + f[i].off;
		switch (f[i].kind) {
		case F_U64:
			hl_mp_wr_u64(w, *(const uint64_t *)p);
			break;
		case F_U32:
			hl_mp_wr_u64(w, *(const uint32_t *)p);
			break;
		case F_F64:
			hl_mp_wr_f64(w, *(const double *)p);
			break;
		case F_STR:
			hl_mp_wr_str(w, p, (uint32_t)strnlen(p, f[i].size));
			break;
		}
	}
}

static int
dec_fields(struct hl_mp_rd *r, void *s, const struct field *f, unsigned n)
{
	uint8_t *base = s;
	uint32_t pairs;
	uint64_t seen = 0; /* field indexes already decoded: a repeated key is ambiguous */
	int rc = hl_mp_rd_map(r, &pairs, 64);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < pairs; i++) {
		uint64_t key;
		if ((rc = hl_mp_rd_u64(r, &key)) < 0)
			return rc;
		const struct field *fd = NULL;
		for (unsigned j = 0; j < n; j++)
			if (f[j].key == key) {
				if (seen & (1ull << j))
					return -HL_E_BAD_VALUE;
				seen |= 1ull << j;
				fd = &f[j];
			}
		if (fd == NULL) { /* unknown key: newer peer; skip */
			if ((rc = hl_mp_rd_skip(r)) < 0)
				return rc;
			continue;
		}
		void *p = base + fd->off;
		uint64_t u;
		const char *str;
		uint32_t len;
		switch (fd->kind) {
		case F_U64:
			rc = hl_mp_rd_u64(r, p);
			break;
		case F_U32:
			rc = hl_mp_rd_uint_max(r, &u, UINT32_MAX);
			if (rc == 0)
				*(uint32_t *)p = (uint32_t)u;
			break;
		case F_F64:
			rc = hl_mp_rd_f64(r, p);
			break;
		case F_STR:
			rc = hl_mp_rd_str(r, &str, &len, (uint32_t)fd->size - 1);
			if (rc == 0 && memchr(str, '\0', len) != NULL)
				rc = -HL_E_BAD_VALUE; /* names and texts are C strings */
			if (rc == 0) {
				memset(p, 0, fd->size);
				memcpy(p, str, len);
			}
			break;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
finish(struct hl_mp_wr *w)
{
	return w->err < 0 ? w->err : (int)w->len;
}

static int
end_check(const struct hl_mp_rd *r)
{
	return hl_mp_rd_left(r) == 0 ? 0 : -HL_E_TRAILING;
}

#define ENC_FLAT(fn, type, table)                                           \
	int fn(void *buf, size_t cap, const type *s)                        \
	{                                                                   \
		struct hl_mp_wr w;                                          \
		hl_mp_wr_init(&w, buf, cap);                                \
		enc_fields(&w, s, table, sizeof(table) / sizeof(table[0])); \
		return finish(&w);                                          \
	}
#define DEC_FLAT(fn, type, table)                                                    \
	int fn(const uint8_t *b, size_t n, type *s)                                  \
	{                                                                            \
		struct hl_mp_rd r;                                                   \
		memset(s, 0, sizeof(*s));                                            \
		hl_mp_rd_init(&r, b, n);                                             \
		int rc = dec_fields(&r, s, table, sizeof(table) / sizeof(table[0])); \
		return rc < 0 ? rc : end_check(&r);                                  \
	}

static const struct field error_fields[] = {
        FLD(1, F_U64, struct hl_cp_error, code),
        FLD(2, F_U64, struct hl_cp_error, job_id),
        FLD(3, F_U64, struct hl_cp_error, actual),
        FLD(4, F_U64, struct hl_cp_error, limit),
        FLD(5, F_STR, struct hl_cp_error, msg),
};
ENC_FLAT(hl_cp_enc_error, struct hl_cp_error, error_fields)
DEC_FLAT(hl_cp_dec_error, struct hl_cp_error, error_fields)

static const struct field progress_fields[] = {
        FLD(1, F_U64, struct hl_cp_progress, job_id),
        FLD(2, F_U64, struct hl_cp_progress, seq),
        FLD(3, F_U32, struct hl_cp_progress, state),
        FLD(4, F_U32, struct hl_cp_progress, wf_done),
        FLD(5, F_U32, struct hl_cp_progress, wf_total),
        FLD(6, F_STR, struct hl_cp_progress, workflow),
        FLD(7, F_U64, struct hl_cp_progress, elapsed_ms),
        FLD(8, F_U64, struct hl_cp_progress, tx_pkts),
        FLD(9, F_U64, struct hl_cp_progress, rx_pkts),
        FLD(10, F_U64, struct hl_cp_progress, lost),
        FLD(11, F_F64, struct hl_cp_progress, tx_pps),
        FLD(12, F_U64, struct hl_cp_progress, p99_ns),
};
ENC_FLAT(hl_cp_enc_progress, struct hl_cp_progress, progress_fields)
DEC_FLAT(hl_cp_dec_progress, struct hl_cp_progress, progress_fields)

static const struct field stream_fields[] = {
        FLD(1, F_STR, struct hl_cp_stream_result, workflow),
        FLD(2, F_STR, struct hl_cp_stream_result, stream),
        FLD(3, F_U64, struct hl_cp_stream_result, tx_pkts),
        FLD(4, F_U64, struct hl_cp_stream_result, tx_bytes),
        FLD(5, F_U64, struct hl_cp_stream_result, rx_pkts),
        FLD(6, F_U64, struct hl_cp_stream_result, rx_bytes),
        FLD(7, F_F64, struct hl_cp_stream_result, req_pps),
        FLD(8, F_F64, struct hl_cp_stream_result, ach_pps),
        FLD(9, F_U64, struct hl_cp_stream_result, lost),
        FLD(10, F_U64, struct hl_cp_stream_result, reordered),
        FLD(11, F_U64, struct hl_cp_stream_result, duplicates),
        FLD(12, F_U64, struct hl_cp_stream_result, p50_ns),
        FLD(13, F_U64, struct hl_cp_stream_result, p90_ns),
        FLD(14, F_U64, struct hl_cp_stream_result, p99_ns),
        FLD(15, F_U64, struct hl_cp_stream_result, p999_ns),
        FLD(16, F_U64, struct hl_cp_stream_result, max_ns),
        FLD(17, F_U64, struct hl_cp_stream_result, jitter_ns),
        FLD(18, F_U64, struct hl_cp_stream_result, duration_ns),
        FLD(19, F_U32, struct hl_cp_stream_result, sig),
};
static const struct field port_fields[] = {
        FLD(1, F_STR, struct hl_cp_port_counters, name),
        FLD(2, F_U64, struct hl_cp_port_counters, opackets),
        FLD(3, F_U64, struct hl_cp_port_counters, ipackets),
        FLD(4, F_U64, struct hl_cp_port_counters, oerrors),
        FLD(5, F_U64, struct hl_cp_port_counters, imissed),
};
static const struct field result_fields[] = {
        FLD(1, F_U64, struct hl_cp_result, job_id),
        FLD(2, F_U32, struct hl_cp_result, state),
        FLD(3, F_STR, struct hl_cp_result, name),
        FLD(4, F_STR, struct hl_cp_result, error),
        FLD(5, F_U32, struct hl_cp_result, wf_done),
        FLD(6, F_U32, struct hl_cp_result, wf_total),
};
#define NF(t) (sizeof(t) / sizeof(t[0]))

/* Lists: {1: map of scalar fields, 2: [element maps], 3: [element maps]} */
static int
dec_list(struct hl_mp_rd *r, void *arr, size_t esize, uint32_t max, uint32_t *count,
        const struct field *f, unsigned nf)
{
	uint32_t n;
	int rc = hl_mp_rd_array(r, &n, max);
	if (rc < 0)
		return rc;
	r->depth++;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = dec_fields(r, (uint8_t *)arr + i * esize, f, nf)) < 0)
			return rc;
	r->depth--;
	*count = n;
	return 0;
}

int
hl_cp_enc_result(void *buf, size_t cap, const struct hl_cp_result *s)
{
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, buf, cap);
	hl_mp_wr_map(&w, 3);
	hl_mp_wr_u64(&w, 1);
	enc_fields(&w, s, result_fields, NF(result_fields));
	hl_mp_wr_u64(&w, 2);
	hl_mp_wr_array(&w, s->n_streams);
	for (uint32_t i = 0; i < s->n_streams; i++)
		enc_fields(&w, &s->streams[i], stream_fields, NF(stream_fields));
	hl_mp_wr_u64(&w, 3);
	hl_mp_wr_array(&w, s->n_ports);
	for (uint32_t i = 0; i < s->n_ports; i++)
		enc_fields(&w, &s->ports[i], port_fields, NF(port_fields));
	return finish(&w);
}

typedef int (*list_cb)(struct hl_mp_rd *r, uint64_t key, void *s);

static int
dec_outer(const uint8_t *b, size_t n, void *s, list_cb cb)
{
	struct hl_mp_rd r;
	uint32_t pairs;
	uint64_t seen = 0;
	hl_mp_rd_init(&r, b, n);
	int rc = hl_mp_rd_map(&r, &pairs, 16);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < pairs; i++) {
		uint64_t key;
		if ((rc = hl_mp_rd_u64(&r, &key)) < 0)
			return rc;
		if (key < 64) { /* a repeated key is ambiguous: refuse it */
			if (seen & (1ull << key))
				return -HL_E_BAD_VALUE;
			seen |= 1ull << key;
		}
		if ((rc = cb(&r, key, s)) < 0)
			return rc;
	}
	return end_check(&r);
}

static int
result_cb(struct hl_mp_rd *r, uint64_t key, void *sp)
{
	struct hl_cp_result *s = sp;
	switch (key) {
	case 1:
		return dec_fields(r, s, result_fields, NF(result_fields));
	case 2:
		return dec_list(r, s->streams, sizeof(s->streams[0]), HL_CPROTO_MAX_STREAMS,
		        &s->n_streams, stream_fields, NF(stream_fields));
	case 3:
		return dec_list(r, s->ports, sizeof(s->ports[0]), HL_CPROTO_MAX_PORTS, &s->n_ports,
		        port_fields, NF(port_fields));
	}
	return hl_mp_rd_skip(r);
}

int
hl_cp_dec_result(const uint8_t *b, size_t n, struct hl_cp_result *s)
{
	memset(s, 0, sizeof(*s));
	return dec_outer(b, n, s, result_cb);
}

static const struct field job_fields[] = {
        FLD(1, F_U64, struct hl_cp_job_summary, job_id),
        FLD(2, F_U32, struct hl_cp_job_summary, state),
        FLD(3, F_U32, struct hl_cp_job_summary, wf_done),
        FLD(4, F_U32, struct hl_cp_job_summary, wf_total),
        FLD(5, F_U32, struct hl_cp_job_summary, result_fetched),
        FLD(6, F_STR, struct hl_cp_job_summary, name),
};

int
hl_cp_enc_status(void *buf, size_t cap, const struct hl_cp_status *s)
{
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, buf, cap);
	hl_mp_wr_map(&w, 1);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_array(&w, s->n);
	for (uint32_t i = 0; i < s->n; i++)
		enc_fields(&w, &s->jobs[i], job_fields, NF(job_fields));
	return finish(&w);
}

static int
status_cb(struct hl_mp_rd *r, uint64_t key, void *sp)
{
	struct hl_cp_status *s = sp;
	if (key == 1)
		return dec_list(r, s->jobs, sizeof(s->jobs[0]), HL_CPROTO_MAX_JOBS, &s->n,
		        job_fields, NF(job_fields));
	return hl_mp_rd_skip(r);
}

int
hl_cp_dec_status(const uint8_t *b, size_t n, struct hl_cp_status *s)
{
	memset(s, 0, sizeof(*s));
	return dec_outer(b, n, s, status_cb);
}

static const struct field node_fields[] = {
        FLD(1, F_STR, struct hl_cp_node, name),
        FLD(2, F_STR, struct hl_cp_node, roles),
        FLD(3, F_STR, struct hl_cp_node, dc),
        FLD(4, F_STR, struct hl_cp_node, state),
        FLD(5, F_STR, struct hl_cp_node, mgmt),
};

int
hl_cp_enc_nodes(void *buf, size_t cap, const struct hl_cp_nodes *s)
{
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, buf, cap);
	hl_mp_wr_map(&w, 1);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_array(&w, s->n);
	for (uint32_t i = 0; i < s->n; i++)
		enc_fields(&w, &s->nodes[i], node_fields, NF(node_fields));
	return finish(&w);
}

static int
nodes_cb(struct hl_mp_rd *r, uint64_t key, void *sp)
{
	struct hl_cp_nodes *s = sp;
	if (key == 1)
		return dec_list(r, s->nodes, sizeof(s->nodes[0]), HL_CPROTO_MAX_NODES, &s->n,
		        node_fields, NF(node_fields));
	return hl_mp_rd_skip(r);
}

int
hl_cp_dec_nodes(const uint8_t *b, size_t n, struct hl_cp_nodes *s)
{
	memset(s, 0, sizeof(*s));
	return dec_outer(b, n, s, nodes_cb);
}

int
hl_cp_enc_submit(void *buf, size_t cap, const char *ini, size_t ini_len)
{
	struct hl_mp_wr w;
	if (ini_len > HL_CPROTO_MAX_BODY - 16)
		return -HL_E_OVERSIZE;
	hl_mp_wr_init(&w, buf, cap);
	hl_mp_wr_map(&w, 1);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_str(&w, ini, (uint32_t)ini_len);
	return finish(&w);
}

int
hl_cp_dec_submit(const uint8_t *b, size_t n, const char **ini, uint32_t *ini_len)
{
	struct hl_mp_rd r;
	uint32_t pairs;
	int rc, have = 0;
	hl_mp_rd_init(&r, b, n);
	if ((rc = hl_mp_rd_map(&r, &pairs, 16)) < 0)
		return rc;
	for (uint32_t i = 0; i < pairs; i++) {
		uint64_t key;
		if ((rc = hl_mp_rd_u64(&r, &key)) < 0)
			return rc;
		if (key == 1) {
			rc = hl_mp_rd_str(&r, ini, ini_len, HL_CPROTO_MAX_BODY);
			have = 1;
		} else {
			rc = hl_mp_rd_skip(&r);
		}
		if (rc < 0)
			return rc;
	}
	if (!have)
		return -HL_E_MISSING_FIELD;
	return end_check(&r);
}

int
hl_cp_enc_job_id(void *buf, size_t cap, uint64_t job_id)
{
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, buf, cap);
	hl_mp_wr_map(&w, 1);
	hl_mp_wr_u64(&w, 1);
	hl_mp_wr_u64(&w, job_id);
	return finish(&w);
}

int
hl_cp_dec_job_id(const uint8_t *b, size_t n, uint64_t *job_id)
{
	struct hl_mp_rd r;
	uint32_t pairs;
	int rc, have = 0;
	hl_mp_rd_init(&r, b, n);
	if ((rc = hl_mp_rd_map(&r, &pairs, 16)) < 0)
		return rc;
	for (uint32_t i = 0; i < pairs; i++) {
		uint64_t key;
		if ((rc = hl_mp_rd_u64(&r, &key)) < 0)
			return rc;
		if (key == 1) {
			rc = hl_mp_rd_u64(&r, job_id);
			have = 1;
		} else {
			rc = hl_mp_rd_skip(&r);
		}
		if (rc < 0)
			return rc;
	}
	if (!have)
		return -HL_E_MISSING_FIELD;
	return end_check(&r);
}

int
hl_cp_enc_empty(void *buf, size_t cap)
{
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, buf, cap);
	hl_mp_wr_map(&w, 0);
	return finish(&w);
}
