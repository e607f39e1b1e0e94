/* mp.c — bounded msgpack reader and buffer writer (see hl_mp.h). */
#include <string.h>

#include "hl_be.h"
#include "hl_err.h"
#include "hl_mp.h"

enum hl_mp_kind
hl_mp_peek(const struct hl_mp_rd *r)
{
	if (r->p >= r->end)
		return HL_MP_NONE;
	uint8_t b = *r->p;
	if (b <= 0x7f)
		return HL_MP_UINT;
	if (b <= 0x8f)
		return HL_MP_MAP;
	if (b <= 0x9f)
		return HL_MP_ARRAY;
	if (b <= 0xbf)
		return HL_MP_STR;
	if (b >= 0xe0)
		return HL_MP_INT;
	switch (b) {
	case 0xc0:
		return HL_MP_NIL;
	case 0xc2:
	case 0xc3:
		return HL_MP_BOOL;
	case 0xc4:
	case 0xc5:
	case 0xc6:
		return HL_MP_BIN;
	case 0xc7:
	case 0xc8:
	case 0xc9:
	case 0xd4:
	case 0xd5:
	case 0xd6:
	case 0xd7:
	case 0xd8:
		return HL_MP_EXT;
	case 0xca:
	case 0xcb:
		return HL_MP_FLOAT;
	case 0xcc:
	case 0xcd:
	case 0xce:
	case 0xcf:
		return HL_MP_UINT;
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3:
		return HL_MP_INT;
	case 0xd9:
	case 0xda:
	case 0xdb:
		return HL_MP_STR;
	case 0xdc:
	case 0xdd:
		return HL_MP_ARRAY;
	case 0xde:
	case 0xdf:
		return HL_MP_MAP;
	default:
		return HL_MP_INVALID;
	}
}

int
hl_mp_peek_len(const struct hl_mp_rd *r, uint32_t *n)
{
	if (r->p >= r->end)
		return -HL_E_TRUNCATED;
	uint8_t t = *r->p;
	size_t lb;
	if ((t >= 0x80 && t <= 0x9f) || (t >= 0xa0 && t <= 0xbf)) {
		*n = t <= 0x9f ? (t & 0x0fu) : (t & 0x1fu);
		return 0;
	}
	switch (t) {
	case 0xc4: /* bin8 */
	case 0xd9: /* str8 */
		lb = 1;
		break;
	case 0xc5:
	case 0xda:
	case 0xdc: /* array16 */
	case 0xde: /* map16 */
		lb = 2;
		break;
	case 0xc6:
	case 0xdb:
	case 0xdd:
	case 0xdf:
		lb = 4;
		break;
	default:
		return -HL_E_BAD_TYPE;
	}
	if ((size_t)(r->end - r->p) < 1 + lb)
		return -HL_E_TRUNCATED;
	const uint8_t *p = r->p + 1;
	*n = lb == 1 ? p[0] : lb == 2 ? hl_ld16(p) : hl_ld32(p);
	return 0;
}

/* Consume n bytes, or fail with TRUNCATED. */
static inline int
need(const struct hl_mp_rd *r, size_t n)
{
	return hl_mp_rd_left(r) >= n ? 0 : -HL_E_TRUNCATED;
}

int
hl_mp_rd_nil(struct hl_mp_rd *r)
{
	if (need(r, 1) < 0)
		return -HL_E_TRUNCATED;
	if (*r->p != 0xc0)
		return -HL_E_BAD_TYPE;
	r->p++;
	return 0;
}

int
hl_mp_rd_bool(struct hl_mp_rd *r, bool *v)
{
	if (need(r, 1) < 0)
		return -HL_E_TRUNCATED;
	if (*r->p != 0xc2 && *r->p != 0xc3)
		return -HL_E_BAD_TYPE;
	*v = *r->p == 0xc3;
	r->p++;
	return 0;
}

/* Read any integer as (negative?, magnitude-or-value). */
static int
rd_int(struct hl_mp_rd *r, bool *neg, uint64_t *u, int64_t *s)
{
	if (need(r, 1) < 0)
		return -HL_E_TRUNCATED;
	uint8_t b = *r->p;
	size_t n;
	*neg = false;
	if (b <= 0x7f) {
		*u = b;
		r->p++;
		return 0;
	}
	if (b >= 0xe0) {
		*neg = true;
		*s = (int8_t)b;
		r->p++;
		return 0;
	}
	switch (b) {
	case 0xcc:
	case 0xd0:
		n = 1;
		break;
	case 0xcd:
	case 0xd1:
		n = 2;
		break;
	case 0xce:
	case 0xd2:
		n = 4;
		break;
	case 0xcf:
	case 0xd3:
		n = 8;
		break;
	default:
		return -HL_E_BAD_TYPE;
	}
	if (need(r, 1 + n) < 0)
		return -HL_E_TRUNCATED;
	const uint8_t *p = r->p + 1;
	uint64_t raw = n == 1 ? p[0] : n == 2 ? hl_ld16(p) : n == 4 ? hl_ld32(p) : hl_ld64(p);
	r->p += 1 + n;
	if (b >= 0xcc && b <= 0xcf) {
		*u = raw;
		return 0;
	}
	int64_t sv = n == 1   ? (int8_t)raw
	             : n == 2 ? (int16_t)raw
	             : n == 4 ? (int32_t)raw
	                      : (int64_t)raw;
	if (sv >= 0) {
		*u = (uint64_t)sv;
		return 0;
	}
	*neg = true;
	*s = sv;
	return 0;
}

int
hl_mp_rd_u64(struct hl_mp_rd *r, uint64_t *v)
{
	const uint8_t *save = r->p;
	bool neg;
	int64_t s = 0;
	int rc = rd_int(r, &neg, v, &s);
	if (rc < 0)
		return rc;
	if (neg) {
		r->p = save;
		return -HL_E_BAD_VALUE;
	}
	return 0;
}

int
hl_mp_rd_uint_max(struct hl_mp_rd *r, uint64_t *v, uint64_t max)
{
	int rc = hl_mp_rd_u64(r, v);
	if (rc < 0)
		return rc;
	return *v <= max ? 0 : -HL_E_BAD_VALUE;
}

int
hl_mp_rd_i64(struct hl_mp_rd *r, int64_t *v)
{
	bool neg;
	uint64_t u = 0;
	int rc = rd_int(r, &neg, &u, v);
	if (rc < 0)
		return rc;
	if (!neg) {
		if (u > INT64_MAX)
			return -HL_E_BAD_VALUE;
		*v = (int64_t)u;
	}
	return 0;
}

int
hl_mp_rd_f64(struct hl_mp_rd *r, double *v)
{
	if (need(r, 1) < 0)
		return -HL_E_TRUNCATED;
	uint8_t b = *r->p;
	if (b == 0xca) {
		if (need(r, 5) < 0)
			return -HL_E_TRUNCATED;
		uint32_t raw = hl_ld32(r->p + 1);
		float f;
		memcpy(&f, &raw, sizeof(f));
		*v = f;
		r->p += 5;
		return 0;
	}
	if (b == 0xcb) {
		if (need(r, 9) < 0)
			return -HL_E_TRUNCATED;
		uint64_t raw = hl_ld64(r->p + 1);
		memcpy(v, &raw, sizeof(*v));
		r->p += 9;
		return 0;
	}
	enum hl_mp_kind k = hl_mp_peek(r);
	if (k == HL_MP_UINT || k == HL_MP_INT) {
		bool neg;
		uint64_t u = 0;
		int64_t s = 0;
		int rc = rd_int(r, &neg, &u, &s);
		if (rc < 0)
			return rc;
		*v = neg ? (double)s : (double)u;
		return 0;
	}
	return -HL_E_BAD_TYPE;
}

/* Decode a length prefix for str/bin/array/map/ext headers. hdr = bytes of header consumed. */
static int
rd_len(const struct hl_mp_rd *r, size_t lenbytes, uint32_t *len)
{
	if (need(r, 1 + lenbytes) < 0)
		return -HL_E_TRUNCATED;
	const uint8_t *p = r->p + 1;
	*len = lenbytes == 1 ? p[0] : lenbytes == 2 ? hl_ld16(p) : hl_ld32(p);
	return 0;
}

static int
rd_blob(struct hl_mp_rd *r, bool want_str, const uint8_t **b, uint32_t *len, uint32_t max)
{
	if (need(r, 1) < 0)
		return -HL_E_TRUNCATED;
	uint8_t t = *r->p;
	size_t lb;
	uint32_t n;
	if (want_str && t >= 0xa0 && t <= 0xbf) {
		lb = 0;
		n = t & 0x1f;
	} else if (want_str && t >= 0xd9 && t <= 0xdb) {
		lb = (size_t)1 << (t - 0xd9);
	} else if (!want_str && t >= 0xc4 && t <= 0xc6) {
		lb = (size_t)1 << (t - 0xc4);
	} else {
		return -HL_E_BAD_TYPE;
	}
	if (lb > 0) {
		int rc = rd_len(r, lb, &n);
		if (rc < 0)
			return rc;
	}
	if (n > max)
		return -HL_E_OVERSIZE;
	if (hl_mp_rd_left(r) - 1 - lb < n)
		return -HL_E_TRUNCATED;
	*b = r->p + 1 + lb;
	*len = n;
	r->p += 1 + lb + n;
	return 0;
}

int
hl_mp_rd_str(struct hl_mp_rd *r, const char **s, uint32_t *len, uint32_t max)
{
	return rd_blob(r, true, (const uint8_t **)s, len, max);
}

int
hl_mp_rd_bin(struct hl_mp_rd *r, const uint8_t **b, uint32_t *len, uint32_t max)
{
	return rd_blob(r, false, b, len, max);
}

static int
rd_container(struct hl_mp_rd *r, bool map, uint32_t *n, uint32_t max)
{
	if (need(r, 1) < 0)
		return -HL_E_TRUNCATED;
	uint8_t t = *r->p;
	size_t lb;
	if (map && t >= 0x80 && t <= 0x8f) {
		lb = 0;
		*n = t & 0x0f;
	} else if (!map && t >= 0x90 && t <= 0x9f) {
		lb = 0;
		*n = t & 0x0f;
	} else if ((map && (t == 0xde || t == 0xdf)) || (!map && (t == 0xdc || t == 0xdd))) {
		lb = (t & 1) ? 4 : 2;
		int rc = rd_len(r, lb, n);
		if (rc < 0)
			return rc;
	} else {
		return -HL_E_BAD_TYPE;
	}
	if (*n > max)
		return -HL_E_OVERSIZE;
	/* Each element takes at least one byte: a count the input cannot hold is a lie. */
	uint64_t min_bytes = (uint64_t)*n * (map ? 2 : 1);
	if (hl_mp_rd_left(r) - 1 - lb < min_bytes)
		return -HL_E_TRUNCATED;
	r->p += 1 + lb;
	return 0;
}

int
hl_mp_rd_array(struct hl_mp_rd *r, uint32_t *n, uint32_t max)
{
	return rd_container(r, false, n, max);
}

int
hl_mp_rd_map(struct hl_mp_rd *r, uint32_t *n, uint32_t max)
{
	return rd_container(r, true, n, max);
}

static int
skip_depth(struct hl_mp_rd *r, uint32_t depth)
{
	const uint8_t *b;
	uint32_t n;
	int rc;

	if (depth >= HL_MP_MAX_DEPTH)
		return -HL_E_TOO_DEEP;
	switch (hl_mp_peek(r)) {
	case HL_MP_NONE:
		return -HL_E_TRUNCATED;
	case HL_MP_INVALID:
		return -HL_E_BAD_TYPE;
	case HL_MP_NIL:
	case HL_MP_BOOL:
		r->p++;
		return 0;
	case HL_MP_UINT:
	case HL_MP_INT: {
		int64_t s;
		uint64_t u;
		bool neg;
		return rd_int(r, &neg, &u, &s);
	}
	case HL_MP_FLOAT: {
		double d;
		return hl_mp_rd_f64(r, &d);
	}
	case HL_MP_STR:
		return rd_blob(r, true, &b, &n, UINT32_MAX);
	case HL_MP_BIN:
		return rd_blob(r, false, &b, &n, UINT32_MAX);
	case HL_MP_EXT: {
		uint8_t t = *r->p;
		size_t body;
		size_t hdr;
		if (t >= 0xd4 && t <= 0xd8) {
			body = (size_t)1 << (t - 0xd4);
			hdr = 2;
		} else {
			size_t lb = (size_t)1 << (t - 0xc7);
			rc = rd_len(r, lb, &n);
			if (rc < 0)
				return rc;
			body = n;
			hdr = 1 + lb + 1;
		}
		if (hl_mp_rd_left(r) < hdr || hl_mp_rd_left(r) - hdr < body)
			return -HL_E_TRUNCATED;
		r->p += hdr + body;
		return 0;
	}
	case HL_MP_ARRAY:
		rc = hl_mp_rd_array(r, &n, UINT32_MAX);
		if (rc < 0)
			return rc;
		for (uint32_t i = 0; i < n; i++) {
			rc = skip_depth(r, depth + 1);
			if (rc < 0)
				return rc;
		}
		return 0;
	case HL_MP_MAP:
		rc = hl_mp_rd_map(r, &n, UINT32_MAX);
		if (rc < 0)
			return rc;
		for (uint64_t i = 0; i < (uint64_t)n * 2; i++) {
			rc = skip_depth(r, depth + 1);
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	return -HL_E_BAD_TYPE;
}

int
hl_mp_rd_skip(struct hl_mp_rd *r)
{
	return skip_depth(r, r->depth);
}

/* ---- writer ---- */
/* Direct writes (smallest encoding, as msgpack-c's packer produces): the packer's per-value
 * callback cost 2-4x the decoder's time per message. */

/* Reserve n bytes: a pointer to write them to, or NULL when nothing must be written (sticky
 * error, or count-only mode with a NULL buffer, where len still advances). */
static inline uint8_t *
wr_reserve(struct hl_mp_wr *w, size_t n, bool *ok)
{
	*ok = false;
	if (w->err != 0)
		return NULL;
	if (w->cap - w->len < n) {
		w->err = -HL_E_OVERSIZE;
		return NULL;
	}
	uint8_t *p = w->buf != NULL ? w->buf + w->len : NULL;
	w->len += n;
	*ok = true;
	return p;
}

/* One tag byte followed by a big-endian value of vbytes (0, 1, 2, 4 or 8). */
static void
wr_tagged(struct hl_mp_wr *w, uint8_t tag, uint64_t v, size_t vbytes)
{
	bool ok;
	uint8_t *p = wr_reserve(w, 1 + vbytes, &ok);
	if (p == NULL)
		return;
	p[0] = tag;
	switch (vbytes) {
	case 1:
		p[1] = (uint8_t)v;
		break;
	case 2:
		hl_st16(p + 1, (uint16_t)v);
		break;
	case 4:
		hl_st32(p + 1, (uint32_t)v);
		break;
	case 8:
		hl_st64(p + 1, v);
		break;
	default:
		break;
	}
}

/* Header of a sized object: fix form below fix_lim (tag fix_base | n), else 8/16/32-bit forms
 * (t8 == 0: no 8-bit form). */
static void
wr_sized(struct hl_mp_wr *w, uint32_t n, uint8_t fix_base, uint32_t fix_lim, uint8_t t8,
        uint8_t t16, uint8_t t32)
{
	if (n < fix_lim)
		wr_tagged(w, (uint8_t)(fix_base | n), 0, 0);
	else if (t8 != 0 && n <= 0xff)
		wr_tagged(w, t8, n, 1);
	else if (n <= 0xffff)
		wr_tagged(w, t16, n, 2);
	else
		wr_tagged(w, t32, n, 4);
}

static void
wr_bytes(struct hl_mp_wr *w, const void *b, uint32_t len)
{
	bool ok;
	uint8_t *p = wr_reserve(w, len, &ok);
	if (p != NULL && len > 0)
		memcpy(p, b, len);
}

void
hl_mp_wr_init(struct hl_mp_wr *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
}

void
hl_mp_wr_nil(struct hl_mp_wr *w)
{
	wr_tagged(w, 0xc0, 0, 0);
}

void
hl_mp_wr_bool(struct hl_mp_wr *w, bool v)
{
	wr_tagged(w, v ? 0xc3 : 0xc2, 0, 0);
}

void
hl_mp_wr_u64(struct hl_mp_wr *w, uint64_t v)
{
	if (v <= 0x7f)
		wr_tagged(w, (uint8_t)v, 0, 0);
	else if (v <= 0xff)
		wr_tagged(w, 0xcc, v, 1);
	else if (v <= 0xffff)
		wr_tagged(w, 0xcd, v, 2);
	else if (v <= 0xffffffffu)
		wr_tagged(w, 0xce, v, 4);
	else
		wr_tagged(w, 0xcf, v, 8);
}

void
hl_mp_wr_i64(struct hl_mp_wr *w, int64_t v)
{
	if (v >= 0)
		hl_mp_wr_u64(w, (uint64_t)v);
	else if (v >= -32)
		wr_tagged(w, (uint8_t)v, 0, 0); /* negative fixint 0xe0..0xff */
	else if (v >= INT8_MIN)
		wr_tagged(w, 0xd0, (uint64_t)v, 1);
	else if (v >= INT16_MIN)
		wr_tagged(w, 0xd1, (uint64_t)v, 2);
	else if (v >= INT32_MIN)
		wr_tagged(w, 0xd2, (uint64_t)v, 4);
	else
		wr_tagged(w, 0xd3, (uint64_t)v, 8);
}

void
hl_mp_wr_f64(struct hl_mp_wr *w, double v)
{
	uint64_t raw;
	memcpy(&raw, &v, sizeof(raw));
	wr_tagged(w, 0xcb, raw, 8);
}

void
hl_mp_wr_str(struct hl_mp_wr *w, const char *s, uint32_t len)
{
	wr_sized(w, len, 0xa0, 32, 0xd9, 0xda, 0xdb);
	wr_bytes(w, s, len);
}

void
hl_mp_wr_cstr(struct hl_mp_wr *w, const char *s)
{
	hl_mp_wr_str(w, s, (uint32_t)strlen(s));
}

void
hl_mp_wr_bin(struct hl_mp_wr *w, const void *b, uint32_t len)
{
	wr_sized(w, len, 0, 0, 0xc4, 0xc5, 0xc6);
	wr_bytes(w, b, len);
}

void
hl_mp_wr_array(struct hl_mp_wr *w, uint32_t n)
{
	wr_sized(w, n, 0x90, 16, 0, 0xdc, 0xdd);
}

void
hl_mp_wr_map(struct hl_mp_wr *w, uint32_t n)
{
	wr_sized(w, n, 0x80, 16, 0, 0xde, 0xdf);
}
