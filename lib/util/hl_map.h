/* hl_map.h — bounded hash map from uint64 keys to fixed-size values (or void *), no allocation
 * after create.
 *
 * Bounds: at most `capacity` entries, fixed at create. Full behaviour: inserting a new key into
 * a full map fails with -HL_E_FULL and changes nothing (visible rejection, never eviction).
 * Per-key state is created atomically with hl_map_insert_or_get(): one call finds or creates,
 * so there is no check-then-insert window. Removal: hl_map_remove(); iteration with
 * hl_map_next() tolerates removal of the entry just returned (and of any other entry).
 *
 * Entries live in a fixed node pool chained from a power-of-two bucket array; keys are mixed
 * with a per-map seed so that peer-chosen keys cannot force long chains cheaply. Value pointers
 * stay valid until that key is removed (entries never move). Values are aligned for any type.
 * Single writer: the owner thread does every call.
 */
#ifndef HL_MAP_H
#define HL_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hl_map;

/** Create a map of at most capacity (1 .. 2^30) entries with value_size bytes per value (0 for a
 * set). Returns NULL on bad arguments or allocation failure. */
struct hl_map *hl_map_create(uint32_t capacity, size_t value_size, uint64_t seed);
/** Free the map (NULL is a no-op). Values are not visited: free what they own first. */
void hl_map_destroy(struct hl_map *m);

/** Insert key with a copy of value (value_size bytes; may be NULL to zero it).
 * Returns 0, -HL_E_EXISTS if the key is present (value unchanged), -HL_E_FULL if full. */
int hl_map_insert(struct hl_map *m, uint64_t key, const void *value);

/** Find key or create it with a zeroed value, in one step. Sets *value to the entry's storage
 * and *created to whether it was new. Returns 0, or -HL_E_FULL when absent and the map is full
 * (*value = NULL). */
int hl_map_insert_or_get(struct hl_map *m, uint64_t key, void **value, bool *created);

/** Value storage of key, or NULL when absent. */
void *hl_map_get(const struct hl_map *m, uint64_t key);

/** Remove key, copying its value to out first when out is not NULL.
 * Returns 0 or -HL_E_NOT_FOUND. */
int hl_map_remove(struct hl_map *m, uint64_t key, void *out);

/** Iterate: start with *pos = 0; each call returns the next entry (true) or false at the end.
 * key and value may be NULL. Removing the entry just returned, or any other, is safe; an entry
 * inserted during iteration may or may not be visited. Order is unspecified. */
bool hl_map_next(const struct hl_map *m, uint32_t *pos, uint64_t *key, void **value);

uint32_t hl_map_count(const struct hl_map *m);
uint32_t hl_map_capacity(const struct hl_map *m);
size_t hl_map_value_size(const struct hl_map *m);
/** Remove every entry. */
void hl_map_clear(struct hl_map *m);

/* void * values: the map must have been created with value_size == sizeof(void *);
 * otherwise these return -EINVAL (put) or NULL (get). */
int hl_map_put_ptr(struct hl_map *m, uint64_t key, void *ptr);
void *hl_map_get_ptr(const struct hl_map *m, uint64_t key);

/** Seeded 64-bit hash of a byte string, to key the map by names, addresses, etc. Distinct
 * strings can collide: keep the full key in the value and compare it where that matters. */
uint64_t hl_map_hash_bytes(const void *data, size_t len, uint64_t seed);

#endif
