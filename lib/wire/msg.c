/* msg.c — table-driven msgpack codec for every message of hl_msg_table.h (see hl_msg.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hl_err.h"
#include "hl_mp.h"
#include "hl_msg.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Unknown keys a map may carry beyond the fields we know (newer senders): bounded so that a
 * hostile map count is rejected up front. */
#define UNKNOWN_KEYS_MAX 64

/* ---- compile-time checks of the table ---- */
/* Keys 1..127: one-byte fixint keys and a 128-bit "seen" set in the decoder. */
#define KEY_RANGE(T, key, name, kind, max, sub, req) \
	_Static_assert((key) >= 1 && (key) <= 127, #T "." #name ": key must be 1..127");
/* Duplicate keys in one message/record become duplicate enumerators: a compile error. */
#define KEY_ENUM(T, key, name, kind, max, sub, req) hl_keychk_##T##_##key,
/* Lists must be bounded; a list field's max is its capacity. */
#define MSG_CHECKS(id, name, plane, dir, purpose)                 \
	HL_MSG_F_##name(KEY_RANGE, name) enum hl_keychk_m_##name{ \
	        HL_MSG_F_##name(KEY_ENUM, m_##name)};
#define REC_CHECKS(name, purpose)                                 \
	HL_REC_F_##name(KEY_RANGE, name) enum hl_keychk_r_##name{ \
	        HL_REC_F_##name(KEY_ENUM, r_##name)};
HL_MSG_TABLE(MSG_CHECKS)
HL_REC_TABLE(REC_CHECKS)
/* Duplicate type ids: duplicate enumerators. */
#define ID_ENUM(id, name, plane, dir, purpose) hl_idchk_##id,
enum hl_idchk { HL_MSG_TABLE(ID_ENUM) };
#define ID_RANGE(id, name, plane, dir, purpose) \
	_Static_assert((id) >= 1 && (id) <= 65535, #name ": type id must fit 16 bits");
HL_MSG_TABLE(ID_RANGE)

/* ---- descriptors ---- */
#define FREQ_REQ 1
#define FREQ_OPT 0
#define AUX_U64(T, name, sub) 0, 0, NULL
#define AUX_I64(T, name, sub) 0, 0, NULL
#define AUX_F64(T, name, sub) 0, 0, NULL
#define AUX_BOOL(T, name, sub) 0, 0, NULL
#define AUX_STR(T, name, sub) 0, 0, NULL
#define AUX_BIN(T, name, sub) 0, 0, NULL
#define AUX_U64L(T, name, sub) offsetof(T, name.v), sizeof(uint64_t), NULL
#define AUX_RECL(T, name, sub) offsetof(T, name.v), sizeof(struct hl_rec_##sub), &rec_##sub
#define AUX_REC(T, name, sub) 0, sizeof(struct hl_rec_##sub), &rec_##sub
#define FDESC(T, key, name, kind, max, sub, req)                                   \
	{key, HL_WK_##kind, FREQ_##req, #name, (uint64_t)(max), offsetof(T, name), \
	        AUX_##kind(T, name, sub)},

#define REC_DEF(name, purpose)                                                  \
	static const struct hl_wire_field rec_fields_##name[] = {               \
	        HL_REC_F_##name(FDESC, struct hl_rec_##name)};                  \
	static const struct hl_wire_rec rec_##name = {#name, rec_fields_##name, \
	        ARRAY_SIZE(rec_fields_##name), sizeof(struct hl_rec_##name)};
HL_REC_TABLE(REC_DEF)

#define MSG_DEF(id, name, plane, dir, purpose)                                      \
	static const struct hl_wire_field msg_fields_##name[] = {                   \
	        HL_MSG_F_##name(FDESC, struct hl_msg_##name)};                      \
	static const struct hl_wire_rec msg_rec_##name = {#name, msg_fields_##name, \
	        ARRAY_SIZE(msg_fields_##name), sizeof(struct hl_msg_##name)};
HL_MSG_TABLE(MSG_DEF)

#define MSG_INFO(id, name, plane, dir, purpose) \
	{id, HL_PLANE_##plane, #name, dir, purpose, &msg_rec_##name},
const struct hl_msg_info hl_msg_infos[] = {HL_MSG_TABLE(MSG_INFO)};
const unsigned hl_msg_count = ARRAY_SIZE(hl_msg_infos);

#define MSG_IDX(id, name, plane, dir, purpose) IDX_##name,
enum { HL_MSG_TABLE(MSG_IDX) IDX_COUNT_ };

const struct hl_msg_info *
hl_msg_info(unsigned type)
{
	switch (type) {
#define MSG_CASE(id, name, plane, dir, purpose) \
	case id:                                \
		return &hl_msg_infos[IDX_##name];
		HL_MSG_TABLE(MSG_CASE)
#undef MSG_CASE
	default:
		return NULL;
	}
}

const char *
hl_msg_name(unsigned type)
{
	const struct hl_msg_info *i = hl_msg_info(type);
	return i != NULL ? i->name : "unknown";
}

int
hl_msg_plane(unsigned type)
{
	const struct hl_msg_info *i = hl_msg_info(type);
	return i != NULL ? i->plane : 0;
}

size_t
hl_msg_size(unsigned type)
{
	const struct hl_msg_info *i = hl_msg_info(type);
	return i != NULL ? i->rec->size : 0;
}

static const struct hl_wire_field *
find_field(const struct hl_wire_rec *rec, uint64_t key)
{
	for (uint32_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].key == key)
			return &rec->fields[i];
	return NULL;
}

const char *
hl_msg_field_name(unsigned type, unsigned key)
{
	const struct hl_msg_info *i = hl_msg_info(type);
	if (i == NULL)
		return NULL;
	const struct hl_wire_field *f = find_field(i->rec, key);
	return f != NULL ? f->name : NULL;
}

/* ---- worst-case sizes ---- */

static size_t
uint_size(uint64_t bound)
{
	if (bound == 0)
		return 9; /* unbounded */
	return bound <= 127          ? 1
	       : bound <= 0xff       ? 2
	       : bound <= 0xffff     ? 3
	       : bound <= 0xffffffff ? 5
	                             : 9;
}

static size_t
str_hdr(uint64_t max)
{
	return max <= 31 ? 1 : max <= 0xff ? 2 : max <= 0xffff ? 3 : 5;
}

static size_t
bin_hdr(uint64_t max)
{
	return max <= 0xff ? 2 : max <= 0xffff ? 3 : 5;
}

static size_t
arr_hdr(uint64_t n)
{
	return n <= 15 ? 1 : n <= 0xffff ? 3 : 5;
}

size_t
hl_wire_rec_max(const struct hl_wire_rec *rec)
{
	size_t total = arr_hdr(rec->nfields); /* map header has the same size classes */
	for (uint32_t i = 0; i < rec->nfields; i++) {
		const struct hl_wire_field *f = &rec->fields[i];
		size_t v = 0;
		switch (f->kind) {
		case HL_WK_U64:
			v = uint_size(f->max);
			break;
		case HL_WK_I64:
		case HL_WK_F64:
			v = 9;
			break;
		case HL_WK_BOOL:
			v = 1;
			break;
		case HL_WK_STR:
			v = str_hdr(f->max) + f->max;
			break;
		case HL_WK_BIN:
			v = bin_hdr(f->max) + f->max;
			break;
		case HL_WK_U64L:
			v = arr_hdr(f->max) + 9 * f->max;
			break;
		case HL_WK_RECL:
			v = arr_hdr(f->max) + f->max * hl_wire_rec_max(f->sub);
			break;
		case HL_WK_REC:
			v = hl_wire_rec_max(f->sub);
			break;
		}
		total += 1 + v; /* key is a positive fixint */
	}
	return total;
}

size_t
hl_msg_max_body(unsigned type)
{
	const struct hl_msg_info *i = hl_msg_info(type);
	return i != NULL ? hl_wire_rec_max(i->rec) : 0;
}

/* ---- shared error context ---- */

struct ctx {
	struct hl_wire_err *err;
	const uint8_t *base; /* decode: start of the body, for offsets */
	uint16_t type;
	uint16_t top_key;
};

static int
fail(struct ctx *c, int rc, uint16_t key, int depth, const uint8_t *at, uint64_t actual,
        uint64_t limit)
{
	if (c->err != NULL && c->err->kind == 0) {
		c->err->kind = -rc;
		c->err->msg_type = c->type;
		c->err->field_key = depth == 0 ? key : c->top_key;
		c->err->sub_key = depth == 0 ? 0 : key;
		c->err->offset = at != NULL && c->base != NULL ? (uint32_t)(at - c->base) : 0;
		c->err->actual = actual;
		c->err->limit = limit;
	}
	return rc;
}

/* ---- encoder ---- */

static bool rec_is_zero(const struct hl_wire_rec *rec, const uint8_t *s);

static bool
field_present(const struct hl_wire_field *f, const uint8_t *s)
{
	const uint8_t *p = s + f->off;
	uint64_t u;
	uint32_t n;
	switch (f->kind) {
	case HL_WK_U64:
	case HL_WK_I64:
	case HL_WK_F64: /* bit pattern: -0.0 is sent */
		memcpy(&u, p, sizeof(u));
		return u != 0;
	case HL_WK_BOOL:
		return *(const bool *)p;
	case HL_WK_STR:
		return p[0] != 0;
	case HL_WK_BIN:
		return ((const struct hl_wire_view *)p)->len != 0;
	case HL_WK_U64L:
	case HL_WK_RECL:
		memcpy(&n, p, sizeof(n));
		return n != 0;
	case HL_WK_REC:
		return !rec_is_zero(f->sub, p);
	}
	return false;
}

static bool
rec_is_zero(const struct hl_wire_rec *rec, const uint8_t *s)
{
	for (uint32_t i = 0; i < rec->nfields; i++)
		if (field_present(&rec->fields[i], s))
			return false;
	return true;
}

static int enc_rec(struct ctx *c, struct hl_mp_wr *w, const struct hl_wire_rec *rec,
        const uint8_t *s, int depth);

static int
enc_field(struct ctx *c, struct hl_mp_wr *w, const struct hl_wire_field *f, const uint8_t *s,
        int depth)
{
	const uint8_t *p = s + f->off;
	uint64_t u;
	int64_t i;
	double d;
	uint32_t n;
	int rc;

	switch (f->kind) {
	case HL_WK_U64:
		memcpy(&u, p, sizeof(u));
		if (f->max != 0 && u > f->max)
			return fail(c, -HL_E_BAD_VALUE, f->key, depth, NULL, u, f->max);
		hl_mp_wr_u64(w, u);
		return 0;
	case HL_WK_I64:
		memcpy(&i, p, sizeof(i));
		hl_mp_wr_i64(w, i);
		return 0;
	case HL_WK_F64:
		memcpy(&d, p, sizeof(d));
		hl_mp_wr_f64(w, d);
		return 0;
	case HL_WK_BOOL:
		hl_mp_wr_bool(w, *(const bool *)p);
		return 0;
	case HL_WK_STR:
		n = (uint32_t)strnlen((const char *)p, f->max + 1);
		if (n > f->max)
			return fail(c, -HL_E_OVERSIZE, f->key, depth, NULL, n, f->max);
		hl_mp_wr_str(w, (const char *)p, n);
		return 0;
	case HL_WK_BIN: {
		const struct hl_wire_view *v = (const struct hl_wire_view *)p;
		if (v->len > f->max)
			return fail(c, -HL_E_OVERSIZE, f->key, depth, NULL, v->len, f->max);
		if (v->len > 0 && v->p == NULL)
			return fail(c, -HL_E_BAD_VALUE, f->key, depth, NULL, v->len, 0);
		hl_mp_wr_bin(w, v->p, v->len);
		return 0;
	}
	case HL_WK_U64L:
	case HL_WK_RECL:
		memcpy(&n, s + f->off, sizeof(n));
		if (n > f->max)
			return fail(c, -HL_E_OVERSIZE, f->key, depth, NULL, n, f->max);
		hl_mp_wr_array(w, n);
		for (uint32_t k = 0; k < n; k++) {
			const uint8_t *e = s + f->off_v + (size_t)k * f->elem;
			if (f->kind == HL_WK_U64L) {
				memcpy(&u, e, sizeof(u));
				hl_mp_wr_u64(w, u);
			} else {
				rc = enc_rec(c, w, f->sub, e, depth + 1);
				if (rc < 0)
					return rc;
			}
		}
		return 0;
	case HL_WK_REC:
		return enc_rec(c, w, f->sub, p, depth + 1);
	}
	return fail(c, -HL_E_BAD_TYPE, f->key, depth, NULL, f->kind, 0);
}

static int
enc_rec(struct ctx *c, struct hl_mp_wr *w, const struct hl_wire_rec *rec, const uint8_t *s,
        int depth)
{
	uint32_t count = 0;
	for (uint32_t i = 0; i < rec->nfields; i++)
		if (rec->fields[i].required || field_present(&rec->fields[i], s))
			count++;
	hl_mp_wr_map(w, count);
	for (uint32_t i = 0; i < rec->nfields; i++) {
		const struct hl_wire_field *f = &rec->fields[i];
		if (!f->required && !field_present(f, s))
			continue;
		if (depth == 0)
			c->top_key = f->key;
		hl_mp_wr_u64(w, f->key);
		int rc = enc_field(c, w, f, s, depth);
		if (rc < 0)
			return rc;
		if (w->err != 0) /* buffer full: the size needed is hl_msg_encoded_size's */
			return fail(c, w->err, f->key, depth, NULL, 0, w->cap);
	}
	return 0;
}

int
hl_wire_rec_encode(const struct hl_wire_rec *rec, const void *in, void *buf, size_t cap,
        size_t *len, struct hl_wire_err *err)
{
	struct ctx c = {.err = err};
	struct hl_mp_wr w;
	if (err != NULL)
		hl_wire_err_clear(err);
	hl_mp_wr_init(&w, buf, cap);
	int rc = enc_rec(&c, &w, rec, in, 0);
	if (rc == 0 && w.err != 0)
		rc = fail(&c, w.err, 0, 0, NULL, 0, w.cap);
	*len = rc == 0 ? w.len : 0;
	return rc;
}

int
hl_msg_encode(
        unsigned type, const void *msg, void *buf, size_t cap, size_t *len, struct hl_wire_err *err)
{
	const struct hl_msg_info *i = hl_msg_info(type);
	if (err != NULL)
		hl_wire_err_clear(err);
	*len = 0;
	if (i == NULL) {
		if (err != NULL) {
			err->kind = HL_E_UNKNOWN_MSG;
			err->actual = type;
		}
		return -HL_E_UNKNOWN_MSG;
	}
	struct ctx c = {.err = err, .type = (uint16_t)type};
	struct hl_mp_wr w;
	hl_mp_wr_init(&w, buf, cap);
	int rc = enc_rec(&c, &w, i->rec, msg, 0);
	if (rc == 0 && w.err != 0)
		rc = fail(&c, w.err, 0, 0, NULL, 0, w.cap);
	if (rc == 0)
		*len = w.len;
	return rc;
}

int
hl_msg_encoded_size(unsigned type, const void *msg, size_t *len, struct hl_wire_err *err)
{
	return hl_msg_encode(type, msg, NULL, SIZE_MAX, len, err);
}

/* ---- decoder ---- */

/* Unsigned read with the common encodings inline (keys and most values are fixints or
 * uint8..uint64); everything else goes through the cursor. */
static inline int
rd_u64_fast(struct hl_mp_rd *r, uint64_t *v)
{
	size_t left = hl_mp_rd_left(r);
	if (left >= 1 && r->p[0] <= 0x7f) {
		*v = r->p[0];
		r->p++;
		return 0;
	}
	if (left >= 9 && r->p[0] == 0xcf) {
		const uint8_t *q = r->p + 1;
		*v = ((uint64_t)q[0] << 56) | ((uint64_t)q[1] << 48) | ((uint64_t)q[2] << 40) |
		     ((uint64_t)q[3] << 32) | ((uint64_t)q[4] << 24) | ((uint64_t)q[5] << 16) |
		     ((uint64_t)q[6] << 8) | q[7];
		r->p += 9;
		return 0;
	}
	return hl_mp_rd_u64(r, v);
}

struct dctx {
	struct ctx c;
	struct hl_mp_rd r;
};

static int dec_rec(struct dctx *d, const struct hl_wire_rec *rec, uint8_t *out, int depth);

/* A length-checked read failed: report the declared length when it is known. */
static int
fail_len(struct dctx *d, int rc, const struct hl_wire_field *f, int depth, const uint8_t *at)
{
	/* Rebuilt here rather than copied per field: copying the cursor right after the read
	 * that moved it stalls on store forwarding in the hot path. */
	struct hl_mp_rd before = {.p = at, .end = d->r.end};
	uint32_t n = 0;
	uint64_t actual = 0;
	uint64_t limit = 0;
	if (hl_mp_peek_len(&before, &n) == 0)
		actual = n;
	if (rc == -HL_E_OVERSIZE)
		limit = f->max;
	else if (rc == -HL_E_TRUNCATED)
		limit = hl_mp_rd_left(&before);
	return fail(&d->c, rc, f->key, depth, at, actual, limit);
}

static int
dec_field(struct dctx *d, const struct hl_wire_field *f, uint8_t *s, int depth)
{
	uint8_t *p = s + f->off;
	const uint8_t *at = d->r.p;
	uint64_t u;
	uint32_t n;
	int rc;

	switch (f->kind) {
	case HL_WK_U64:
		rc = rd_u64_fast(&d->r, &u);
		if (rc < 0)
			return fail(&d->c, rc, f->key, depth, at, 0, 0);
		if (f->max != 0 && u > f->max)
			return fail(&d->c, -HL_E_BAD_VALUE, f->key, depth, at, u, f->max);
		memcpy(p, &u, sizeof(u));
		return 0;
	case HL_WK_I64: {
		int64_t v;
		rc = hl_mp_rd_i64(&d->r, &v);
		if (rc < 0)
			return fail(&d->c, rc, f->key, depth, at, 0, 0);
		memcpy(p, &v, sizeof(v));
		return 0;
	}
	case HL_WK_F64: {
		double v;
		rc = hl_mp_rd_f64(&d->r, &v);
		if (rc < 0)
			return fail(&d->c, rc, f->key, depth, at, 0, 0);
		memcpy(p, &v, sizeof(v));
		return 0;
	}
	case HL_WK_BOOL:
		rc = hl_mp_rd_bool(&d->r, (bool *)p);
		if (rc < 0)
			return fail(&d->c, rc, f->key, depth, at, 0, 0);
		return 0;
	case HL_WK_STR: {
		const char *str;
		rc = hl_mp_rd_str(&d->r, &str, &n, (uint32_t)f->max);
		if (rc < 0)
			return fail_len(d, rc, f, depth, at);
		/* A NUL inside would make the C string lie about its length. */
		if (memchr(str, 0, n) != NULL)
			return fail(&d->c, -HL_E_BAD_VALUE, f->key, depth, at, n, 0);
		memcpy(p, str, n);
		p[n] = 0;
		return 0;
	}
	case HL_WK_BIN: {
		struct hl_wire_view *v = (struct hl_wire_view *)p;
		rc = hl_mp_rd_bin(&d->r, &v->p, &v->len, (uint32_t)f->max);
		if (rc < 0)
			return fail_len(d, rc, f, depth, at);
		return 0;
	}
	case HL_WK_U64L:
	case HL_WK_RECL:
		rc = hl_mp_rd_array(&d->r, &n, (uint32_t)f->max);
		if (rc < 0)
			return fail_len(d, rc, f, depth, at);
		for (uint32_t k = 0; k < n; k++) {
			uint8_t *e = s + f->off_v + (size_t)k * f->elem;
			if (f->kind == HL_WK_U64L) {
				const uint8_t *eat = d->r.p;
				rc = rd_u64_fast(&d->r, &u);
				if (rc < 0)
					return fail(&d->c, rc, f->key, depth, eat, k, 0);
				memcpy(e, &u, sizeof(u));
			} else {
				rc = dec_rec(d, f->sub, e, depth + 1);
				if (rc < 0)
					return rc;
			}
		}
		memcpy(p, &n, sizeof(n));
		return 0;
	case HL_WK_REC:
		return dec_rec(d, f->sub, p, depth + 1);
	}
	return fail(&d->c, -HL_E_BAD_TYPE, f->key, depth, at, f->kind, 0);
}

static int
dec_rec(struct dctx *d, const struct hl_wire_rec *rec, uint8_t *out, int depth)
{
	const uint8_t *at = d->r.p;
	uint32_t n;
	uint64_t seen[2] = {0, 0};
	uint32_t next = 0; /* index of the field expected next */

	if (depth >= HL_MP_MAX_DEPTH)
		return fail(&d->c, -HL_E_TOO_DEEP, 0, depth, at, (uint64_t)depth, HL_MP_MAX_DEPTH);
	int rc = hl_mp_rd_map(&d->r, &n, rec->nfields + UNKNOWN_KEYS_MAX);
	if (rc < 0) {
		struct hl_mp_rd before = {.p = at, .end = d->r.end};
		uint32_t decl = 0;
		(void)hl_mp_peek_len(&before, &decl);
		return fail(&d->c, rc, 0, depth, at, decl,
		        rc == -HL_E_OVERSIZE ? rec->nfields + UNKNOWN_KEYS_MAX : 0);
	}
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *kat = d->r.p;
		uint64_t key;
		rc = rd_u64_fast(&d->r, &key);
		if (rc < 0)
			return fail(&d->c, rc == -HL_E_BAD_VALUE ? -HL_E_BAD_TYPE : rc, 0, depth,
			        kat, 0, 0);
		uint16_t k16 = key > 0xffff ? 0xffff : (uint16_t)key;
		if (key < 128) {
			uint64_t bit = 1ull << (key & 63);
			if (seen[key >> 6] & bit)
				return fail(&d->c, -HL_E_DUPLICATE, k16, depth, kat, key, 0);
			seen[key >> 6] |= bit;
		}
		if (depth == 0)
			d->c.top_key = k16;
		/* Senders write fields in table order: try the field after the last one first. */
		const struct hl_wire_field *f;
		if (next < rec->nfields && rec->fields[next].key == key)
			f = &rec->fields[next];
		else
			f = find_field(rec, key);
		if (f != NULL)
			next = (uint32_t)(f - rec->fields) + 1;
		if (f == NULL) {
			/* Unknown key from a newer sender: skip its value, nesting capped. */
			const uint8_t *vat = d->r.p;
			d->r.depth = (uint32_t)depth + 1;
			rc = hl_mp_rd_skip(&d->r);
			if (rc < 0)
				return fail(&d->c, rc, k16, depth, vat, 0, 0);
			continue;
		}
		rc = dec_field(d, f, out, depth);
		if (rc < 0)
			return rc;
	}
	for (uint32_t i = 0; i < rec->nfields; i++) {
		const struct hl_wire_field *f = &rec->fields[i];
		if (f->required && !(seen[f->key >> 6] & (1ull << (f->key & 63))))
			return fail(&d->c, -HL_E_MISSING_FIELD, f->key, depth, at, 0, 0);
	}
	return 0;
}

static int
decode_top(const struct hl_wire_rec *rec, uint16_t type, const void *body, size_t len, void *out,
        struct hl_wire_err *err)
{
	struct dctx d = {.c = {.err = err, .base = body, .type = type}};
	if (err != NULL)
		hl_wire_err_clear(err);
	memset(out, 0, rec->size);
	hl_mp_rd_init(&d.r, body, len);
	int rc = dec_rec(&d, rec, out, 0);
	if (rc == 0 && hl_mp_rd_left(&d.r) != 0)
		rc = fail(&d.c, -HL_E_TRAILING, 0, 0, d.r.p, hl_mp_rd_left(&d.r), 0);
	return rc;
}

int
hl_wire_rec_decode(const struct hl_wire_rec *rec, const void *body, size_t len, void *out,
        struct hl_wire_err *err)
{
	return decode_top(rec, 0, body, len, out, err);
}

int
hl_msg_decode(unsigned type, const void *body, size_t len, void *msg, struct hl_wire_err *err)
{
	const struct hl_msg_info *i = hl_msg_info(type);
	if (i == NULL) {
		if (err != NULL) {
			hl_wire_err_clear(err);
			err->kind = HL_E_UNKNOWN_MSG;
			err->actual = type;
			err->msg_type = type <= 0xffff ? (uint16_t)type : 0;
		}
		return -HL_E_UNKNOWN_MSG;
	}
	return decode_top(i->rec, (uint16_t)type, body, len, msg, err);
}

/* ---- equality ---- */

bool
hl_wire_rec_equal(const struct hl_wire_rec *rec, const void *a, const void *b)
{
	const uint8_t *sa = a;
	const uint8_t *sb = b;
	for (uint32_t i = 0; i < rec->nfields; i++) {
		const struct hl_wire_field *f = &rec->fields[i];
		const uint8_t *pa = sa + f->off;
		const uint8_t *pb = sb + f->off;
		uint32_t na;
		uint32_t nb;
		switch (f->kind) {
		case HL_WK_U64:
		case HL_WK_I64:
		case HL_WK_F64: /* bit equality: NaN == same NaN, -0.0 != 0.0 */
			if (memcmp(pa, pb, 8) != 0)
				return false;
			break;
		case HL_WK_BOOL:
			if (*(const bool *)pa != *(const bool *)pb)
				return false;
			break;
		case HL_WK_STR:
			if (strncmp((const char *)pa, (const char *)pb, f->max + 1) != 0)
				return false;
			break;
		case HL_WK_BIN: {
			const struct hl_wire_view *va = (const struct hl_wire_view *)pa;
			const struct hl_wire_view *vb = (const struct hl_wire_view *)pb;
			if (va->len != vb->len ||
			        (va->len > 0 && memcmp(va->p, vb->p, va->len) != 0))
				return false;
			break;
		}
		case HL_WK_U64L:
		case HL_WK_RECL:
			memcpy(&na, pa, sizeof(na));
			memcpy(&nb, pb, sizeof(nb));
			if (na != nb)
				return false;
			for (uint32_t k = 0; k < na && k < f->max; k++) {
				const uint8_t *ea = sa + f->off_v + (size_t)k * f->elem;
				const uint8_t *eb = sb + f->off_v + (size_t)k * f->elem;
				if (f->kind == HL_WK_U64L ? memcmp(ea, eb, 8) != 0
				                          : !hl_wire_rec_equal(f->sub, ea, eb))
					return false;
			}
			break;
		case HL_WK_REC:
			if (!hl_wire_rec_equal(f->sub, pa, pb))
				return false;
			break;
		}
	}
	return true;
}

bool
hl_msg_equal(unsigned type, const void *a, const void *b)
{
	const struct hl_msg_info *i = hl_msg_info(type);
	return i != NULL && hl_wire_rec_equal(i->rec, a, b);
}

/* ---- structured errors ---- */

static const char *
kind_word(int kind)
{
	switch (kind) {
	case HL_E_TRUNCATED:
		return "truncated";
	case HL_E_OVERSIZE:
		return "oversize";
	case HL_E_BAD_TYPE:
		return "bad type";
	case HL_E_TOO_DEEP:
		return "too deep";
	case HL_E_BAD_MAGIC:
		return "bad magic";
	case HL_E_BAD_VERSION:
		return "bad version";
	case HL_E_BAD_CRC:
		return "bad crc";
	case HL_E_UNKNOWN_MSG:
		return "unknown message";
	case HL_E_MISSING_FIELD:
		return "missing field";
	case HL_E_BAD_VALUE:
		return "bad value";
	case HL_E_WRONG_CLUSTER:
		return "wrong cluster";
	case HL_E_TRAILING:
		return "trailing bytes";
	case HL_E_DUPLICATE:
		return "duplicate key";
	case HL_E_WRONG_PLANE:
		return "wrong plane";
	default:
		return hl_strerror(kind);
	}
}

int
hl_wire_err_fmt(const struct hl_wire_err *e, char *buf, size_t n)
{
	if (e->kind == 0)
		return snprintf(buf, n, "ok");
	const char *fname = e->field_key != 0 ? hl_msg_field_name(e->msg_type, e->field_key) : NULL;
	char field[96] = "";
	if (e->field_key != 0 && e->sub_key != 0)
		snprintf(field, sizeof(field), ".%s (key %u/%u)", fname != NULL ? fname : "?",
		        e->field_key, e->sub_key);
	else if (e->field_key != 0)
		snprintf(field, sizeof(field), ".%s (key %u)", fname != NULL ? fname : "?",
		        e->field_key);
	return snprintf(buf, n, "%s (%s): %s%s actual %" PRIu64 " limit %" PRIu64 " at offset %u",
	        kind_word(e->kind), hl_errname(e->kind), hl_msg_name(e->msg_type), field, e->actual,
	        e->limit, e->offset);
}

void
hl_wire_err_to_msg(const struct hl_wire_err *e, struct hl_msg_error *m)
{
	memset(m, 0, sizeof(*m));
	m->code = e->kind > 0 && e->kind <= HL_WIRE_U16 ? (uint64_t)e->kind : HL_E_BAD_VALUE;
	m->actual = e->actual;
	m->limit = e->limit;
	m->msg_type = e->msg_type;
	m->field_key = e->field_key;
	m->sub_key = e->sub_key;
	m->offset = e->offset;
	(void)hl_wire_err_fmt(e, m->text, sizeof(m->text));
}

void
hl_wire_err_from_msg(const struct hl_msg_error *m, struct hl_wire_err *e)
{
	hl_wire_err_clear(e);
	e->kind = (int)m->code;
	e->actual = m->actual;
	e->limit = m->limit;
	e->msg_type = (uint16_t)m->msg_type;
	e->field_key = (uint16_t)m->field_key;
	e->sub_key = (uint16_t)m->sub_key;
	e->offset = (uint32_t)m->offset;
}
