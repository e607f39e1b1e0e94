/* gen_emit.h — writes one seed of a coord fuzz target: a first byte naming the wire type by its
 * index in the target's type list, then the body (already in buf[1..len]). Shared by the corpus
 * generators of coord_wire and manager_wire. */
#ifndef GEN_EMIT_H
#define GEN_EMIT_H

#include <stdint.h>
#include <stdio.h>

static inline int
gen_emit(const char *dir, const char *name, const unsigned *types, unsigned ntypes, unsigned type,
        uint8_t *buf, size_t len)
{
	char path[512];
	unsigned idx = 0;

	while (idx < ntypes && types[idx] != type)
		idx++;
	if (idx == ntypes) {
		fprintf(stderr, "type %u not in the target's list\n", type);
		return -1;
	}
	buf[0] = (uint8_t)idx;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(buf, 1, len + 1, f) != len + 1) {
		perror(path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

#endif
