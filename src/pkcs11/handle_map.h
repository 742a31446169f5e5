/* A small hash map from 64-bit keys (PKCS#11 handles, store ids) to
 * pointers. Not thread-safe: callers hold the owning lock. */
#ifndef GUARDHSM_PKCS11_HANDLE_MAP_H
#define GUARDHSM_PKCS11_HANDLE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct p11_handle_map {
	uint64_t *keys; /* 0 = empty slot; keys are never 0 */
	void **values;
	size_t capacity; /* a power of two, or 0 */
	size_t count;
	size_t tombstones;
} p11_handle_map;

void p11_map_init(p11_handle_map *map);
void p11_map_clear(p11_handle_map *map);
void *p11_map_get(const p11_handle_map *map, uint64_t key);
/* false on allocation failure; replaces an existing value. */
bool p11_map_put(p11_handle_map *map, uint64_t key, void *value);
void *p11_map_remove(p11_handle_map *map, uint64_t key);

/* Iteration: for (size_t i = 0; p11_map_next(map, &i, &k, &v);) */
bool p11_map_next(const p11_handle_map *map, size_t *cursor, uint64_t *key,
                  void **value);

#endif
