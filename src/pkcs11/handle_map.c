/* Open addressing with linear probing; removal leaves a tombstone. */
#include "config.h"

#include "pkcs11/handle_map.h"

#include <stdlib.h>

#define TOMBSTONE UINT64_MAX

static size_t slot_of(uint64_t key, size_t capacity)
{
	/* A 64-bit mix, so sequential handles spread over the table. */
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (capacity - 1);
}

void p11_map_init(p11_handle_map *map)
{
	map->keys = NULL;
	map->values = NULL;
	map->capacity = map->count = map->tombstones = 0;
}

void p11_map_clear(p11_handle_map *map)
{
	free(map->keys);
	free(map->values);
	p11_map_init(map);
}

static bool grow(p11_handle_map *map)
{
	size_t capacity = map->capacity ? map->capacity : 16;
	while ((map->count + 1) * 2 > capacity)
		capacity *= 2;
	uint64_t *keys = calloc(capacity, sizeof(*keys));
	void **values = calloc(capacity, sizeof(*values));
	if (keys == NULL || values == NULL) {
		free(keys);
		free(values);
		return false;
	}
	for (size_t i = 0; i < map->capacity; i++) {
		uint64_t key = map->keys[i];
		if (key == 0 || key == TOMBSTONE)
			continue;
		size_t s = slot_of(key, capacity);
		while (keys[s] != 0)
			s = (s + 1) & (capacity - 1);
		keys[s] = key;
		values[s] = map->values[i];
	}
	free(map->keys);
	free(map->values);
	map->keys = keys;
	map->values = values;
	map->capacity = capacity;
	map->tombstones = 0;
	return true;
}

static size_t find_slot(const p11_handle_map *map, uint64_t key)
{
	if (map->capacity == 0)
		return SIZE_MAX;
	size_t s = slot_of(key, map->capacity);
	for (size_t probes = 0; probes < map->capacity; probes++) {
		if (map->keys[s] == key)
			return s;
		if (map->keys[s] == 0)
			return SIZE_MAX;
		s = (s + 1) & (map->capacity - 1);
	}
	return SIZE_MAX;
}

void *p11_map_get(const p11_handle_map *map, uint64_t key)
{
	if (key == 0 || key == TOMBSTONE)
		return NULL;
	size_t s = find_slot(map, key);
	return s == SIZE_MAX ? NULL : map->values[s];
}

bool p11_map_put(p11_handle_map *map, uint64_t key, void *value)
{
	if (key == 0 || key == TOMBSTONE)
		return false;
	size_t s = find_slot(map, key);
	if (s != SIZE_MAX) {
		map->values[s] = value;
		return true;
	}
	if ((map->count + map->tombstones + 1) * 4 > map->capacity * 3 &&
	    !grow(map))
		return false;
	s = slot_of(key, map->capacity);
	while (map->keys[s] != 0 && map->keys[s] != TOMBSTONE)
		s = (s + 1) & (map->capacity - 1);
	if (map->keys[s] == TOMBSTONE)
		map->tombstones--;
	map->keys[s] = key;
	map->values[s] = value;
	map->count++;
	return true;
}

void *p11_map_remove(p11_handle_map *map, uint64_t key)
{
	if (key == 0 || key == TOMBSTONE)
		return NULL;
	size_t s = find_slot(map, key);
	if (s == SIZE_MAX)
		return NULL;
	void *value = map->values[s];
	map->keys[s] = TOMBSTONE;
	map->values[s] = NULL;
	map->count--;
	map->tombstones++;
	return value;
}

bool p11_map_next(const p11_handle_map *map, size_t *cursor, uint64_t *key,
                  void **value)
{
	for (; *cursor < map->capacity; (*cursor)++) {
		uint64_t k = map->keys[*cursor];
		if (k == 0 || k == TOMBSTONE)
			continue;
		*key = k;
		*value = map->values[*cursor];
		(*cursor)++;
		return true;
	}
	return false;
}
