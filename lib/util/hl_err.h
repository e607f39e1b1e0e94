/* hl_err.h — hyperline's own error codes (above the errno range) with names and strings from one
 * table. Convention: int functions return 0 or a negative code: -errno or -HL_E_*. */
#ifndef HL_ERR_H
#define HL_ERR_H

#define HL_E_BASE 1024

/* X(name, string) — append only; values are wire-visible (structured errors carry them). */
#define HL_ERR_TABLE(X)                                    \
	X(TRUNCATED, "input truncated")                    \
	X(OVERSIZE, "length over protocol limit")          \
	X(BAD_TYPE, "wrong msgpack type")                  \
	X(TOO_DEEP, "nesting too deep")                    \
	X(BAD_MAGIC, "bad frame magic")                    \
	X(BAD_VERSION, "unsupported protocol version")     \
	X(BAD_CRC, "frame checksum mismatch")              \
	X(UNKNOWN_MSG, "unknown message type")             \
	X(MISSING_FIELD, "required field missing")         \
	X(BAD_VALUE, "field value out of range")           \
	X(WRONG_CLUSTER, "frame from another cluster")     \
	X(FULL, "collection full")                         \
	X(NOT_FOUND, "entry not found")                    \
	X(EXISTS, "entry exists")                          \
	X(STALE_TOKEN, "fencing token below highest seen") \
	X(NOT_LEADER, "not the leader")                    \
	X(CIRCUIT_OPEN, "circuit breaker open")            \
	X(RATE_LIMITED, "rate limited")                    \
	X(CONFIG, "configuration error")                   \
	X(UNSUPPORTED, "not supported by device")          \
	X(TRAILING, "trailing bytes after message")        \
	X(DUPLICATE, "duplicate key in message")           \
	X(WRONG_PLANE, "message type not allowed on this plane")

enum hl_err {
	HL_E_FIRST_ = HL_E_BASE - 1,
#define HL_ERR_ENUM(n, s) HL_E_##n,
	HL_ERR_TABLE(HL_ERR_ENUM)
#undef HL_ERR_ENUM
	        HL_E_LAST_
};

/** String for an error code: accepts positive or negative hl or errno values; never NULL. */
const char *hl_strerror(int err);

/** Symbolic name ("HL_E_OVERSIZE", "EINVAL"...) for logs and metrics; never NULL. */
const char *hl_errname(int err);

#endif
