/* hl_wire_err.h — structured error for malformed or over-limit wire input (seed-defects G.3):
 * what went wrong, the size seen and the limit, the message type and the field. Decoders and the
 * frame parser fill it; callers log it (hl_wire_err_fmt) and send it back as an `error` message
 * (hl_wire_err_to_msg in hl_msg.h) where a channel exists. */
#ifndef HL_WIRE_ERR_H
#define HL_WIRE_ERR_H

#include <stddef.h>
#include <stdint.h>

struct hl_wire_err {
	int kind; /* HL_E_* code, positive (0 = no error) */
	uint16_t msg_type; /* message type the error is about, 0 = unknown / frame level */
	uint16_t field_key; /* top-level field key, 0 = not field-specific */
	uint16_t sub_key; /* innermost key inside a nested record/list, 0 = none */
	uint32_t offset; /* byte offset in the body (or frame) where it was detected */
	uint64_t actual; /* size or value seen (0 when not applicable) */
	uint64_t limit; /* the limit it broke (0 when not applicable) */
};

static inline void
hl_wire_err_clear(struct hl_wire_err *e)
{
	*e = (struct hl_wire_err){0};
}

/** Format for logs: "oversize: job_submit.idem_key (key 2) 80 > 64 at offset 12". Returns the
 * snprintf result (length that would have been written). */
int hl_wire_err_fmt(const struct hl_wire_err *e, char *buf, size_t n);

#endif
