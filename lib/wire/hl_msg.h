/* hl_msg.h — message structs, type enum, names and codecs, all generated from hl_msg_table.h
 * (see that file for the naming scheme and field kinds). The codec is table-driven: one generic
 * encoder/decoder walks a field descriptor array; the per-message functions are typed wrappers.
 *
 * Body encoding: a msgpack map { small uint key -> value }. Encoders write required fields always
 * and optional fields only when non-zero/non-empty. Decoders (hl_mp cursor, never msgpack-c's
 * unpacker) check every declared length against the field's protocol maximum and the bytes left
 * before copying, skip unknown keys (nesting capped), default missing optional fields to zero,
 * and reject missing required fields, duplicate keys and trailing bytes.
 *
 * Memory: decoding writes into the caller's struct only (fixed inline arrays); no allocation.
 * BIN fields are views into the input buffer. Large messages (job_result, global_result...) are
 * tens of KiB: keep them off small stacks (hl_msg_size(type) gives the size).
 *
 * Errors (int return): 0, or negative -HL_E_* with *err filled (kind = the same code, positive):
 *   -HL_E_TRUNCATED      input ends inside a value / declared length exceeds bytes left
 *   -HL_E_OVERSIZE       string/bin/list longer than the field's maximum (actual, limit)
 *   -HL_E_BAD_TYPE       wrong msgpack type for a field or a key
 *   -HL_E_BAD_VALUE      integer above the field's bound, NUL inside a string
 *   -HL_E_TOO_DEEP       unknown value nested deeper than HL_MP_MAX_DEPTH
 *   -HL_E_MISSING_FIELD  required key absent (field_key / sub_key)
 *   -HL_E_DUPLICATE      a key appears twice in one map
 *   -HL_E_TRAILING       bytes after the body's map
 *   -HL_E_UNKNOWN_MSG    type not in the table
 * Encoders return -HL_E_OVERSIZE when the buffer is too small or a field is over its maximum
 * (the encoder never produces what the decoder would reject), -HL_E_BAD_VALUE for a value over
 * its bound.
 */
#ifndef HL_MSG_H
#define HL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hl_msg_table.h"
#include "hl_wire_err.h"

/** A view into a decoded buffer (BIN fields). For encoding, point it at the bytes to send. */
struct hl_wire_view {
	const uint8_t *p;
	uint32_t len;
};

/* ---- struct generation ---- */
#define HL_WF_DECL(T, key, name, kind, max, sub, req) HL_WF_DECL_##kind(name, max, sub)
#define HL_WF_DECL_U64(name, max, sub) uint64_t name;
#define HL_WF_DECL_I64(name, max, sub) int64_t name;
#define HL_WF_DECL_F64(name, max, sub) double name;
#define HL_WF_DECL_BOOL(name, max, sub) bool name;
#define HL_WF_DECL_STR(name, max, sub) char name[(max) + 1];
#define HL_WF_DECL_BIN(name, max, sub) struct hl_wire_view name;
#define HL_WF_DECL_U64L(name, max, sub) \
	struct {                        \
		uint32_t n;             \
		uint64_t v[max];        \
	} name;
#define HL_WF_DECL_RECL(name, max, sub)     \
	struct {                            \
		uint32_t n;                 \
		struct hl_rec_##sub v[max]; \
	} name;
#define HL_WF_DECL_REC(name, max, sub) struct hl_rec_##sub name;

#define HL_REC_STRUCT(name, purpose)           \
	struct hl_rec_##name {                 \
		HL_REC_F_##name(HL_WF_DECL, _) \
	};
HL_REC_TABLE(HL_REC_STRUCT)
#undef HL_REC_STRUCT

#define HL_MSG_STRUCT(id, name, plane, dir, purpose) \
	struct hl_msg_##name {                       \
		HL_MSG_F_##name(HL_WF_DECL, _)       \
	};
HL_MSG_TABLE(HL_MSG_STRUCT)
#undef HL_MSG_STRUCT

/* ---- type enum ---- */
enum hl_msg_type {
	HL_MSG_NONE_ = 0,
#define HL_MSG_ENUM(id, name, plane, dir, purpose) HL_MSG_##name = id,
	HL_MSG_TABLE(HL_MSG_ENUM)
#undef HL_MSG_ENUM
};

enum hl_plane {
	HL_PLANE_FAST = 1, /* one UDP packet on the fabric */
	HL_PLANE_SLOW = 2, /* TCP control plane */
};

/* ---- descriptors (the generic codec's view of the table) ---- */
enum hl_wire_kind {
	HL_WK_U64 = 1,
	HL_WK_I64,
	HL_WK_F64,
	HL_WK_BOOL,
	HL_WK_STR,
	HL_WK_BIN,
	HL_WK_U64L,
	HL_WK_RECL,
	HL_WK_REC,
};

struct hl_wire_rec;

struct hl_wire_field {
	uint16_t key;
	uint8_t kind; /* enum hl_wire_kind */
	uint8_t required;
	const char *name;
	uint64_t max; /* U64: value bound (0 = none); STR/BIN: bytes; lists: elements */
	uint32_t off; /* member offset; for lists the offset of .n */
	uint32_t off_v; /* lists: offset of .v[0] */
	uint32_t elem; /* lists: element size; REC: record size */
	const struct hl_wire_rec *sub; /* REC/RECL */
};

struct hl_wire_rec {
	const char *name;
	const struct hl_wire_field *fields;
	uint32_t nfields;
	uint32_t size;
};

struct hl_msg_info {
	uint16_t type;
	uint8_t plane; /* enum hl_plane */
	const char *name;
	const char *dir;
	const char *purpose;
	const struct hl_wire_rec *rec;
};

/** Every message, in table order; hl_msg_count entries. */
extern const struct hl_msg_info hl_msg_infos[];
extern const unsigned hl_msg_count;

/** Descriptor of a message type, NULL when the type is not in the table. */
const struct hl_msg_info *hl_msg_info(unsigned type);
/** Name for logs ("job_submit"), "unknown" for a type not in the table. Never NULL. */
const char *hl_msg_name(unsigned type);
/** enum hl_plane of a type, 0 when unknown. */
int hl_msg_plane(unsigned type);
/** sizeof(struct hl_msg_<name>), 0 when unknown. */
size_t hl_msg_size(unsigned type);
/** Upper bound of the encoded body size of a message of this type, 0 when unknown. */
size_t hl_msg_max_body(unsigned type);
/** Upper bound of the encoded size of a record. */
size_t hl_wire_rec_max(const struct hl_wire_rec *rec);

/** Encode msg (a struct hl_msg_<name> for type) as a body into buf[cap]; *len = bytes written. */
int hl_msg_encode(unsigned type, const void *msg, void *buf, size_t cap, size_t *len,
        struct hl_wire_err *err);
/** Exact encoded body size of msg (nothing written); same validation as hl_msg_encode. */
int hl_msg_encoded_size(unsigned type, const void *msg, size_t *len, struct hl_wire_err *err);
/** Decode body[len] into msg (a struct hl_msg_<name>, zeroed first). */
int hl_msg_decode(unsigned type, const void *body, size_t len, void *msg, struct hl_wire_err *err);
/** Field-by-field equality of two decoded/filled messages (BIN compared by content, unused
 * list slots and bytes after a string's NUL ignored). */
bool hl_msg_equal(unsigned type, const void *a, const void *b);

/** Generic record codec (nested records; used by tests and by the message codec). */
int hl_wire_rec_decode(const struct hl_wire_rec *rec, const void *body, size_t len, void *out,
        struct hl_wire_err *err);
int hl_wire_rec_encode(const struct hl_wire_rec *rec, const void *in, void *buf, size_t cap,
        size_t *len, struct hl_wire_err *err);
bool hl_wire_rec_equal(const struct hl_wire_rec *rec, const void *a, const void *b);

/** Field name of key in a message (top level), NULL when none. */
const char *hl_msg_field_name(unsigned type, unsigned key);

/** Fill an `error` message from a structured error (text = formatted error). */
void hl_wire_err_to_msg(const struct hl_wire_err *e, struct hl_msg_error *m);
/** Read a structured error back from a decoded `error` message. */
void hl_wire_err_from_msg(const struct hl_msg_error *m, struct hl_wire_err *e);

/* ---- typed wrappers: hl_msg_<name>_encode / _decode ---- */
#define HL_MSG_WRAPPERS(id, name, plane, dir, purpose)                                          \
	static inline int hl_msg_##name##_encode(const struct hl_msg_##name *m, void *buf,      \
	        size_t cap, size_t *len, struct hl_wire_err *err)                               \
	{                                                                                       \
		return hl_msg_encode(HL_MSG_##name, m, buf, cap, len, err);                     \
	}                                                                                       \
	static inline int hl_msg_##name##_decode(                                               \
	        const void *body, size_t len, struct hl_msg_##name *m, struct hl_wire_err *err) \
	{                                                                                       \
		return hl_msg_decode(HL_MSG_##name, body, len, m, err);                         \
	}
HL_MSG_TABLE(HL_MSG_WRAPPERS)
#undef HL_MSG_WRAPPERS

#endif
