/* hl_mp.h — bounded msgpack cursor (reader) and buffer writer.
 *
 * The reader never allocates and never trusts a declared length: every string/bin/array/map
 * length is checked against a caller limit and against the bytes left before it is used, and
 * nesting is capped (HL_MP_MAX_DEPTH). msgpack-c's generic unpacker is never fed untrusted input.
 * The writer writes msgpack (smallest encodings, byte-identical to msgpack-c's packer) into a
 * fixed caller buffer; errors are sticky so that an encoder can emit a whole message and check
 * once at the end. A NULL buffer counts bytes only.
 *
 * All reader functions return 0 or a negative error: -HL_E_TRUNCATED, -HL_E_OVERSIZE,
 * -HL_E_BAD_TYPE, -HL_E_TOO_DEEP, -HL_E_BAD_VALUE. On error the cursor position is unspecified.
 */
#ifndef HL_MP_H
#define HL_MP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#define HL_MP_MAX_DEPTH 16

struct hl_mp_rd {
	const uint8_t *p; /* next byte */
	const uint8_t *end; /* one past the last byte */
	uint32_t depth; /* current nesting, bumped by callers that descend */
};

static inline void
hl_mp_rd_init(struct hl_mp_rd *r, const void *buf, size_t len)
{
	r->p = (const uint8_t *)buf;
	r->end = r->p + len;
	r->depth = 0;
}

static inline size_t
hl_mp_rd_left(const struct hl_mp_rd *r)
{
	return (size_t)(r->end - r->p);
}

/** Type class of the next object (peek, does not consume). */
enum hl_mp_kind {
	HL_MP_NONE = 0, /* no bytes left */
	HL_MP_NIL,
	HL_MP_BOOL,
	HL_MP_UINT,
	HL_MP_INT, /* negative integer */
	HL_MP_FLOAT,
	HL_MP_STR,
	HL_MP_BIN,
	HL_MP_ARRAY,
	HL_MP_MAP,
	HL_MP_EXT,
	HL_MP_INVALID, /* 0xc1, never used by msgpack */
};
enum hl_mp_kind hl_mp_peek(const struct hl_mp_rd *r);
/** Declared length of the next str/bin (bytes) or array/map (elements/pairs) without consuming
 * it, so that an over-limit error can report the size. -HL_E_TRUNCATED when the header is cut,
 * -HL_E_BAD_TYPE for any other type. */
int hl_mp_peek_len(const struct hl_mp_rd *r, uint32_t *n);

int hl_mp_rd_nil(struct hl_mp_rd *r);
int hl_mp_rd_bool(struct hl_mp_rd *r, bool *v);
/** Unsigned integer; a non-negative signed encoding is accepted too. */
int hl_mp_rd_u64(struct hl_mp_rd *r, uint64_t *v);
/** Unsigned integer no larger than max (else -HL_E_BAD_VALUE). */
int hl_mp_rd_uint_max(struct hl_mp_rd *r, uint64_t *v, uint64_t max);
int hl_mp_rd_i64(struct hl_mp_rd *r, int64_t *v);
/** float32 or float64 (integers accepted and converted). */
int hl_mp_rd_f64(struct hl_mp_rd *r, double *v);
/** String view (not NUL-terminated) of at most max bytes; points into the input buffer. */
int hl_mp_rd_str(struct hl_mp_rd *r, const char **s, uint32_t *len, uint32_t max);
/** Binary view of at most max bytes; points into the input buffer. */
int hl_mp_rd_bin(struct hl_mp_rd *r, const uint8_t **b, uint32_t *len, uint32_t max);
/** Array header with at most max elements; also checks n <= bytes left (1 byte per element). */
int hl_mp_rd_array(struct hl_mp_rd *r, uint32_t *n, uint32_t max);
/** Map header with at most max pairs; also checks 2n <= bytes left. */
int hl_mp_rd_map(struct hl_mp_rd *r, uint32_t *n, uint32_t max);
/** Skip one complete object of any type, nesting capped at HL_MP_MAX_DEPTH - r->depth. */
int hl_mp_rd_skip(struct hl_mp_rd *r);

/* ---- writer ---- */

struct hl_mp_wr {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err; /* sticky: first error (-HL_E_OVERSIZE when the buffer is full) */
};

/** buf NULL: nothing is stored, w->len counts the bytes an encoding needs (cap still applies). */
void hl_mp_wr_init(struct hl_mp_wr *w, void *buf, size_t cap);
void hl_mp_wr_nil(struct hl_mp_wr *w);
void hl_mp_wr_bool(struct hl_mp_wr *w, bool v);
void hl_mp_wr_u64(struct hl_mp_wr *w, uint64_t v);
void hl_mp_wr_i64(struct hl_mp_wr *w, int64_t v);
void hl_mp_wr_f64(struct hl_mp_wr *w, double v);
void hl_mp_wr_str(struct hl_mp_wr *w, const char *s, uint32_t len);
/** NUL-terminated convenience form of hl_mp_wr_str. */
void hl_mp_wr_cstr(struct hl_mp_wr *w, const char *s);
void hl_mp_wr_bin(struct hl_mp_wr *w, const void *b, uint32_t len);
void hl_mp_wr_array(struct hl_mp_wr *w, uint32_t n);
void hl_mp_wr_map(struct hl_mp_wr *w, uint32_t n);

#endif
