/* Guarded buffers: each its own mapping, guard page before and after, data
 * flush against the trailing guard, a random canary filling the slack. */
#include "config.h"

#include "enclave/internal.h"

#include <stdint.h>
#include <string.h>

#define ALIGNMENT 16

/* Fills [start, end) with the canary repeated. */
static void fill_canary(unsigned char *start, unsigned char *end,
                        const unsigned char canary[ENC_CANARY_BYTES])
{
	for (size_t i = 0; start + i < end; i++)
		start[i] = canary[i % ENC_CANARY_BYTES];
}

/* Accumulates differences from the repeated canary without branching on
 * the data, so timing reveals nothing of it. */
static unsigned char canary_difference(const unsigned char *start,
                                       const unsigned char *end,
                                       const unsigned char *canary)
{
	unsigned char difference = 0;
	for (size_t i = 0; start + i < end; i++)
		difference |= start[i] ^ canary[i % ENC_CANARY_BYTES];
	return difference;
}

static unsigned char *interior_end(const enc_buffer *buffer)
{
	const enc_region *region = &buffer->u.guarded.region;
	return region->interior + region->interior_bytes;
}

enc_status enc_guarded_alloc(size_t size, unsigned flags, enc_buffer *buffer)
{
	bool aligned = (flags & ENC_ALLOC_ALIGNED) != 0;
	size_t needed = size + ENC_CANARY_BYTES + (aligned ? ALIGNMENT - 1 : 0);
	if (needed < size)
		return ENC_ERR_INVALID;
	size_t interior = enc_round_to_pages(needed);

	enc_status status = enc_budget_reserve(interior);
	if (status != ENC_OK)
		return status;
	enc_region *region = &buffer->u.guarded.region;
	status = enc_region_map(interior, false, region);
	if (status != ENC_OK) {
		enc_budget_release(interior);
		return status;
	}
	if (!region->locked) {
		enc_budget_release(interior);
		enc_global.unlocked_bytes += interior;
	}

	unsigned char *data = region->interior + interior - size;
	if (aligned)
		data = (unsigned char *)((uintptr_t)data &
		                         ~(uintptr_t)(ALIGNMENT - 1));
	buffer->kind = ENC_KIND_GUARDED;
	buffer->data = data;
	buffer->size = size;
	buffer->access = ENC_READWRITE;
	randombytes_buf(buffer->u.guarded.canary, ENC_CANARY_BYTES);
	fill_canary(region->interior, data, buffer->u.guarded.canary);
	fill_canary(data + size, interior_end(buffer),
	            buffer->u.guarded.canary);
	return ENC_OK;
}

bool enc_guarded_canary_ok(const enc_buffer *buffer)
{
	const enc_region *region = &buffer->u.guarded.region;
	bool opened = buffer->access == ENC_NOACCESS;
	if (opened &&
	    enc_region_protect(region->interior, region->interior_bytes,
	                       ENC_READONLY) != ENC_OK)
		return false;
	const unsigned char *canary = buffer->u.guarded.canary;
	unsigned char difference =
	        canary_difference(region->interior, buffer->data, canary);
	/* The tail slack restarts the pattern at its own offset 0. */
	difference |= canary_difference(buffer->data + buffer->size,
	                                interior_end(buffer), canary);
	if (opened)
		enc_region_protect(region->interior, region->interior_bytes,
		                   ENC_NOACCESS);
	return difference == 0;
}

enc_status enc_guarded_protect(enc_buffer *buffer, enc_access access)
{
	enc_region *region = &buffer->u.guarded.region;
	enc_status status = enc_region_protect(region->interior,
	                                       region->interior_bytes, access);
	if (status == ENC_OK)
		buffer->access = access;
	return status;
}

void enc_guarded_wipe(enc_buffer *buffer)
{
	enc_region *region = &buffer->u.guarded.region;
	if (enc_region_protect(region->interior, region->interior_bytes,
	                       ENC_READWRITE) == ENC_OK)
		sodium_memzero(region->interior, region->interior_bytes);
	enc_region_protect(region->interior, region->interior_bytes,
	                   ENC_NOACCESS);
	buffer->access = ENC_NOACCESS;
}

void enc_guarded_release(enc_buffer *buffer)
{
	enc_region *region = &buffer->u.guarded.region;
	if (!buffer->purged && !enc_guarded_canary_ok(buffer))
		enc_canary_failure(buffer, "a guarded");
	if (region->locked)
		enc_budget_release(region->interior_bytes);
	else
		enc_global.unlocked_bytes -= region->interior_bytes;
	enc_region_unmap(region, true);
}
