/* wire_fill.h — table-driven filler for message structs: deterministic non-default values for
 * every field, from a seed (round-trip tests, fuzz seed corpora). */
#ifndef WIRE_FILL_H
#define WIRE_FILL_H

#include <stdint.h>

#include "hl_msg.h"

enum wire_fill_mode {
	WIRE_FILL_SOME, /* every field set, lists of 1-3 entries, short strings */
	WIRE_FILL_MAX, /* every field at its maximum: lists full, strings/bins at max length */
	WIRE_FILL_REQ, /* required fields only (optional ones stay zero) */
};

/* Fill *s (a struct described by rec, zeroed first). BIN fields point into a static pattern. */
void wire_fill(const struct hl_wire_rec *rec, void *s, uint64_t seed, enum wire_fill_mode mode);

#endif
