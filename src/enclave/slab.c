/* The locked slab: small secrets share locked pages, so a process can hold
 * many open secrets within a small RLIMIT_MEMLOCK (memguard issue #148).
 *
 * A chunk is a few pages between guard pages, cut into slots of one size
 * class; each slot is followed by a canary, and its data sits flush against
 * that canary. A page's protection is the most open state among the live
 * slots that touch it, so it is no-access whenever they all rest (with a
 * reprotect_delay_ms, that long after they all came to rest: see
 * reprotect.c). */
#include "config.h"

#include "enclave/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CLASS_COUNT 10
#define MAX_CHUNK_PAGES 3
#define MAX_CHUNK_SLOTS 128
#define ALIGNMENT 16

/* Powers of two, and 640 for an expanded AES-256-GCM key with its key
 * (544 bytes, one per AES operation), whose slack in a 1024-byte slot
 * cost more canary work than the slot's own data. */
static const size_t class_sizes[CLASS_COUNT] = {16,  32,  64,   128,  256,
                                                512, 640, 1024, 2048, 4096};

struct enc_slab_chunk {
	enc_region region;
	unsigned class_index;
	size_t class_size;
	size_t stride; /* class_size + the canary */
	uint32_t slot_count;
	uint32_t free_count; /* entries in free_stack */
	uint32_t live;       /* slots handed out (purged ones included) */
	uint16_t free_stack[MAX_CHUNK_SLOTS];
	uint16_t page_writers[MAX_CHUNK_PAGES];
	uint16_t page_readers[MAX_CHUNK_PAGES];
	uint16_t page_live[MAX_CHUNK_PAGES]; /* live slots touching the page */
	enc_access page_access[MAX_CHUNK_PAGES];
	/* ms: the page is still open after its slots came to rest and is due
	 * to close then (0: not deferred). */
	uint64_t page_close_at[MAX_CHUNK_PAGES];
	unsigned char canary[ENC_CANARY_BYTES];
	bool retired;  /* purged: never used for new slots */
	bool deferred; /* on deferred_chunks */
	enc_slab_chunk *prev, *next;
	enc_slab_chunk *deferred_prev, *deferred_next;
};

/* Per class, chunks with a free slot come before full ones. */
static enc_slab_chunk *class_chunks[CLASS_COUNT];
static enc_slab_chunk *retired_chunks;
/* Chunks with a page whose close is deferred. */
static enc_slab_chunk *deferred_chunks;
/* At most one empty chunk per class, and SPARE_LIMIT in all (the most
 * recently emptied), is kept, so a loop that opens, uses and frees
 * secrets of a few sizes (a key, a cipher state) does not map and lock a
 * chunk each time; any other chunk is returned as soon as it is empty,
 * and the spares are given back when the locked budget runs out. */
#define SPARE_LIMIT 4
static enc_slab_chunk *spare_chunks[CLASS_COUNT];
static uint64_t spare_since[CLASS_COUNT]; /* when it became a spare */
static uint64_t spare_clock;

static void list_remove(enc_slab_chunk **list, enc_slab_chunk *chunk)
{
	if (chunk->prev != NULL)
		chunk->prev->next = chunk->next;
	else
		*list = chunk->next;
	if (chunk->next != NULL)
		chunk->next->prev = chunk->prev;
	chunk->prev = chunk->next = NULL;
}

static void list_push_front(enc_slab_chunk **list, enc_slab_chunk *chunk)
{
	chunk->prev = NULL;
	chunk->next = *list;
	if (*list != NULL)
		(*list)->prev = chunk;
	*list = chunk;
}

static void list_push_back(enc_slab_chunk **list, enc_slab_chunk *chunk)
{
	if (*list == NULL) {
		list_push_front(list, chunk);
		return;
	}
	enc_slab_chunk *last = *list;
	while (last->next != NULL)
		last = last->next;
	last->next = chunk;
	chunk->prev = last;
	chunk->next = NULL;
}

static void defer_list_add(enc_slab_chunk *chunk)
{
	if (chunk->deferred)
		return;
	chunk->deferred = true;
	chunk->deferred_prev = NULL;
	chunk->deferred_next = deferred_chunks;
	if (deferred_chunks != NULL)
		deferred_chunks->deferred_prev = chunk;
	deferred_chunks = chunk;
}

static void defer_list_remove(enc_slab_chunk *chunk)
{
	if (!chunk->deferred)
		return;
	if (chunk->deferred_prev != NULL)
		chunk->deferred_prev->deferred_next = chunk->deferred_next;
	else
		deferred_chunks = chunk->deferred_next;
	if (chunk->deferred_next != NULL)
		chunk->deferred_next->deferred_prev = chunk->deferred_prev;
	chunk->deferred_prev = chunk->deferred_next = NULL;
	chunk->deferred = false;
	memset(chunk->page_close_at, 0, sizeof(chunk->page_close_at));
}

static unsigned char *slot_start(const enc_slab_chunk *chunk, uint32_t index)
{
	return chunk->region.interior + (size_t)index * chunk->stride;
}

/* Byte i of a canary run is canary[i % ENC_CANARY_BYTES]. Whole copies
 * first, so the compiler can vectorise: slack can be most of a slot. */
static void fill_canary(unsigned char *start, size_t bytes,
                        const unsigned char canary[ENC_CANARY_BYTES])
{
	size_t whole = bytes - bytes % ENC_CANARY_BYTES;
	for (size_t i = 0; i < whole; i += ENC_CANARY_BYTES)
		memcpy(start + i, canary, ENC_CANARY_BYTES);
	memcpy(start + whole, canary, bytes - whole);
}

static unsigned char canary_difference(const unsigned char *start, size_t bytes,
                                       const unsigned char *canary)
{
	unsigned char lanes[ENC_CANARY_BYTES] = {0};
	unsigned char difference = 0;
	size_t whole = bytes - bytes % ENC_CANARY_BYTES;
	for (size_t i = 0; i < whole; i += ENC_CANARY_BYTES)
		for (size_t j = 0; j < ENC_CANARY_BYTES; j++)
			lanes[j] |= start[i + j] ^ canary[j];
	for (size_t j = 0; j < bytes - whole; j++)
		lanes[j] |= start[whole + j] ^ canary[j];
	for (size_t j = 0; j < ENC_CANARY_BYTES; j++)
		difference |= lanes[j];
	return difference;
}

/* The protection a page needs: as open as its most open slot. A page that
 * no live slot touches holds only wiped slots and canaries, so it keeps
 * whatever it has: a loop that opens, uses and frees one buffer then costs
 * no mprotect (each one is a TLB shootdown on every core the process runs
 * on). */
static enc_access most_open(const enc_slab_chunk *chunk, size_t page)
{
	if (chunk->page_writers[page] > 0)
		return ENC_READWRITE;
	if (chunk->page_readers[page] > 0)
		return ENC_READONLY;
	return chunk->page_live[page] > 0 ? ENC_NOACCESS
	                                  : chunk->page_access[page];
}

static void count_live(enc_slab_chunk *chunk, uint32_t index, int delta)
{
	size_t page = enc_page_size();
	size_t offset = (size_t)index * chunk->stride;
	for (size_t p = offset / page; p <= (offset + chunk->stride - 1) / page;
	     p++)
		chunk->page_live[p] += delta;
}

static void count_access(enc_slab_chunk *chunk, size_t page, enc_access access,
                         int delta)
{
	if (access == ENC_READWRITE)
		chunk->page_writers[page] += delta;
	else if (access == ENC_READONLY)
		chunk->page_readers[page] += delta;
}

static enc_status set_page_access(enc_slab_chunk *chunk, size_t p,
                                  enc_access access)
{
	size_t page = enc_page_size();
	enc_status status = enc_region_protect(
	        chunk->region.interior + p * page, page, access);
	if (status == ENC_OK)
		chunk->page_access[p] = access;
	return status;
}

/* Moves one slot from one access state to another and mprotects each of
 * its pages whose most open state changed. A page that would go back to
 * no-access may be left open for reprotect_delay_ms instead; a page that
 * must become more open, or read-only, changes at once. */
static enc_status change_slot_access(enc_slab_chunk *chunk, uint32_t index,
                                     enc_access from, enc_access to)
{
	size_t page = enc_page_size();
	size_t offset = (size_t)index * chunk->stride;
	size_t first = offset / page;
	size_t last = (offset + chunk->stride - 1) / page;
	enc_status status = ENC_OK;
	for (size_t p = first; p <= last; p++) {
		count_access(chunk, p, from, -1);
		count_access(chunk, p, to, +1);
		enc_access wanted = most_open(chunk, p);
		if (wanted == chunk->page_access[p])
			continue;
		if (wanted == ENC_NOACCESS && enc_reprotect_defer()) {
			chunk->page_close_at[p] =
			        enc_now_ms() +
			        enc_global.config.reprotect_delay_ms;
			defer_list_add(chunk);
			continue;
		}
		enc_status changed = set_page_access(chunk, p, wanted);
		if (changed != ENC_OK)
			status = changed;
	}
	return status;
}

uint64_t enc_slab_close_due(uint64_t now, bool force, bool *busy)
{
	if (force)
		enc_lock();
	else if (pthread_mutex_trylock(&enc_global.lock) != 0) {
		*busy = true;
		return UINT64_MAX;
	}
	uint64_t next = UINT64_MAX;
	enc_slab_chunk *chunk = deferred_chunks;
	while (chunk != NULL) {
		enc_slab_chunk *following = chunk->deferred_next;
		bool pending = false;
		for (size_t p = 0; p < MAX_CHUNK_PAGES; p++) {
			uint64_t due = chunk->page_close_at[p];
			if (due == 0)
				continue;
			if (!force && due > now) {
				pending = true;
				next = due < next ? due : next;
				continue;
			}
			chunk->page_close_at[p] = 0;
			/* In use again since: its users will defer anew. */
			if (most_open(chunk, p) != ENC_NOACCESS ||
			    chunk->page_access[p] == ENC_NOACCESS)
				continue;
			if (set_page_access(chunk, p, ENC_NOACCESS) == ENC_OK)
				enc_reprotect_count_close();
		}
		if (!pending)
			defer_list_remove(chunk);
		chunk = following;
	}
	enc_unlock();
	return next;
}

size_t enc_slab_deferred_pages(void)
{
	size_t count = 0;
	for (enc_slab_chunk *chunk = deferred_chunks; chunk != NULL;
	     chunk = chunk->deferred_next)
		for (size_t p = 0; p < MAX_CHUNK_PAGES; p++)
			count += chunk->page_close_at[p] != 0;
	return count;
}

static enc_status create_chunk(unsigned class_index, enc_slab_chunk **out)
{
	size_t page = enc_page_size();
	size_t stride = class_sizes[class_index] + ENC_CANARY_BYTES;
	size_t bytes = enc_round_to_pages(2 * stride);
	size_t slot_count = bytes / stride;
	if (slot_count > MAX_CHUNK_SLOTS)
		slot_count = MAX_CHUNK_SLOTS;
	if (bytes / page > MAX_CHUNK_PAGES)
		return ENC_ERR_INVALID; /* only with pages under 4 KiB */

	enc_slab_chunk *chunk = calloc(1, sizeof(*chunk));
	if (chunk == NULL)
		return ENC_ERR_NOMEM;
	enc_status status = enc_budget_reserve(bytes);
	if (status == ENC_OK) {
		status = enc_region_map(bytes, enc_global.secretmem,
		                        &chunk->region);
		if (status != ENC_OK)
			enc_budget_release(bytes);
	}
	if (status != ENC_OK) {
		free(chunk);
		return status;
	}
	if (!chunk->region.locked) {
		enc_budget_release(bytes);
		enc_global.unlocked_bytes += bytes;
	}
	chunk->class_index = class_index;
	chunk->class_size = class_sizes[class_index];
	chunk->stride = stride;
	chunk->slot_count = (uint32_t)slot_count;
	randombytes_buf(chunk->canary, sizeof(chunk->canary));
	for (uint32_t i = 0; i < chunk->slot_count; i++) {
		/* Hand out low slots first: pop from the end. */
		chunk->free_stack[i] = (uint16_t)(chunk->slot_count - 1 - i);
		fill_canary(slot_start(chunk, i) + chunk->class_size,
		            ENC_CANARY_BYTES, chunk->canary);
	}
	chunk->free_count = chunk->slot_count;
	enc_region_protect(chunk->region.interior, bytes, ENC_NOACCESS);
	for (size_t p = 0; p < bytes / page; p++)
		chunk->page_access[p] = ENC_NOACCESS;
	enc_global.slab_chunks++;
	*out = chunk;
	return ENC_OK;
}

static void destroy_chunk(enc_slab_chunk *chunk, bool wipe)
{
	defer_list_remove(chunk);
	if (chunk->region.locked)
		enc_budget_release(chunk->region.interior_bytes);
	else
		enc_global.unlocked_bytes -= chunk->region.interior_bytes;
	enc_region_unmap(&chunk->region, wipe);
	enc_global.slab_chunks--;
	free(chunk);
}

static void drop_spare(unsigned class_index)
{
	enc_slab_chunk *spare = spare_chunks[class_index];
	spare_chunks[class_index] = NULL;
	list_remove(&class_chunks[class_index], spare);
	destroy_chunk(spare, true);
}

/* Keeps the SPARE_LIMIT most recently emptied spares. */
static void limit_spares(void)
{
	for (;;) {
		unsigned count = 0, oldest = 0;
		for (unsigned c = 0; c < CLASS_COUNT; c++) {
			if (spare_chunks[c] == NULL)
				continue;
			if (count == 0 || spare_since[c] < spare_since[oldest])
				oldest = c;
			count++;
		}
		if (count <= SPARE_LIMIT)
			return;
		drop_spare(oldest);
	}
}

/* Gives back every spare chunk (the locked budget ran out); true if there
 * was one. */
static bool release_spares(void)
{
	bool released = false;
	for (unsigned c = 0; c < CLASS_COUNT; c++) {
		if (spare_chunks[c] == NULL)
			continue;
		drop_spare(c);
		released = true;
	}
	return released;
}

/* Slots start 16-byte aligned (the stride is a multiple of 16), so an
 * ALIGNED buffer rounded down from the slot's end still fits its class. */
static int class_for(size_t size)
{
	for (unsigned i = 0; i < CLASS_COUNT; i++)
		if (size <= class_sizes[i])
			return (int)i;
	return -1;
}

enc_status enc_slab_alloc(size_t size, unsigned flags, enc_buffer *buffer)
{
	int class_index = class_for(size);
	if (class_index < 0)
		return ENC_ERR_UNSUPPORTED;
	enc_slab_chunk **list = &class_chunks[class_index];
	enc_slab_chunk *chunk = *list;
	if (chunk == NULL || chunk->free_count == 0) {
		enc_status status = create_chunk((unsigned)class_index, &chunk);
		if (status != ENC_OK && release_spares())
			status = create_chunk((unsigned)class_index, &chunk);
		if (status != ENC_OK)
			return status;
		list_push_front(list, chunk);
	}
	if (chunk == spare_chunks[class_index])
		spare_chunks[class_index] = NULL;
	uint32_t index = chunk->free_stack[--chunk->free_count];
	count_live(chunk, index, +1);
	enc_status status =
	        change_slot_access(chunk, index, ENC_NOACCESS, ENC_READWRITE);
	if (status != ENC_OK) {
		count_live(chunk, index, -1);
		change_slot_access(chunk, index, ENC_READWRITE, ENC_NOACCESS);
		chunk->free_stack[chunk->free_count++] = (uint16_t)index;
		return status;
	}
	chunk->live++;
	if (chunk->free_count == 0) {
		list_remove(list, chunk);
		list_push_back(list, chunk);
	}

	unsigned char *start = slot_start(chunk, index);
	unsigned char *data = start + chunk->class_size - size;
	if (flags & ENC_ALLOC_ALIGNED)
		data = (unsigned char *)((uintptr_t)data &
		                         ~(uintptr_t)(ALIGNMENT - 1));
	fill_canary(start, (size_t)(data - start), chunk->canary);
	fill_canary(data + size,
	            (size_t)(start + chunk->class_size - data) - size,
	            chunk->canary);
	buffer->kind = ENC_KIND_SLAB;
	buffer->data = data;
	buffer->size = size;
	buffer->access = ENC_READWRITE;
	buffer->u.slot.chunk = chunk;
	buffer->u.slot.index = index;
	enc_global.slab_buffers++;
	return ENC_OK;
}

/* Leading slack, trailing slack and the slot's own canary, in one pass. */
static bool slot_canary_intact(const enc_buffer *buffer)
{
	const enc_slab_chunk *chunk = buffer->u.slot.chunk;
	const unsigned char *start = slot_start(chunk, buffer->u.slot.index);
	const unsigned char *data_end = buffer->data + buffer->size;
	unsigned char difference = canary_difference(
	        start, (size_t)(buffer->data - start), chunk->canary);
	difference |= canary_difference(
	        data_end, (size_t)(start + chunk->class_size - data_end),
	        chunk->canary);
	difference |= canary_difference(start + chunk->class_size,
	                                ENC_CANARY_BYTES, chunk->canary);
	return difference == 0;
}

bool enc_slab_canary_ok(const enc_buffer *buffer)
{
	enc_slab_chunk *chunk = buffer->u.slot.chunk;
	uint32_t index = buffer->u.slot.index;
	bool opened = buffer->access == ENC_NOACCESS;
	if (opened && change_slot_access(chunk, index, ENC_NOACCESS,
	                                 ENC_READONLY) != ENC_OK)
		return false;
	bool intact = slot_canary_intact(buffer);
	if (opened)
		change_slot_access(chunk, index, ENC_READONLY, ENC_NOACCESS);
	return intact;
}

enc_status enc_slab_protect(enc_buffer *buffer, enc_access access)
{
	enc_status status =
	        change_slot_access(buffer->u.slot.chunk, buffer->u.slot.index,
	                           buffer->access, access);
	buffer->access = access;
	return status;
}

void enc_slab_release(enc_buffer *buffer)
{
	enc_slab_chunk *chunk = buffer->u.slot.chunk;
	uint32_t index = buffer->u.slot.index;
	enc_global.slab_buffers--;
	chunk->live--;
	if (buffer->purged) {
		/* The chunk was wiped and retired by the purge. */
		if (chunk->live == 0) {
			list_remove(&retired_chunks, chunk);
			destroy_chunk(chunk, false);
		}
		return;
	}
	change_slot_access(chunk, index, buffer->access, ENC_READWRITE);
	if (!slot_canary_intact(buffer))
		enc_canary_failure(buffer, "a slab");
	sodium_memzero(slot_start(chunk, index), chunk->class_size);
	count_live(chunk, index, -1);
	change_slot_access(chunk, index, ENC_READWRITE, ENC_NOACCESS);
	chunk->free_stack[chunk->free_count++] = (uint16_t)index;

	enc_slab_chunk **list = &class_chunks[chunk->class_index];
	list_remove(list, chunk);
	list_push_front(list, chunk);
	if (chunk->live > 0)
		return;
	enc_slab_chunk *spare = spare_chunks[chunk->class_index];
	if (spare != NULL && spare != chunk) {
		list_remove(list, spare);
		destroy_chunk(spare, true);
	}
	spare_chunks[chunk->class_index] = chunk;
	spare_since[chunk->class_index] = ++spare_clock;
	limit_spares();
}

static void wipe_chunk(enc_slab_chunk *chunk)
{
	enc_region *region = &chunk->region;
	if (enc_region_protect(region->interior, region->interior_bytes,
	                       ENC_READWRITE) == ENC_OK)
		sodium_memzero(region->interior, region->interior_bytes);
	enc_region_protect(region->interior, region->interior_bytes,
	                   ENC_NOACCESS);
	memset(chunk->page_writers, 0, sizeof(chunk->page_writers));
	memset(chunk->page_readers, 0, sizeof(chunk->page_readers));
	memset(chunk->page_live, 0, sizeof(chunk->page_live));
	for (size_t p = 0; p < MAX_CHUNK_PAGES; p++)
		chunk->page_access[p] = ENC_NOACCESS;
	defer_list_remove(chunk);
}

void enc_slab_purge(void)
{
	memset(spare_chunks, 0, sizeof(spare_chunks));
	for (enc_slab_chunk *chunk = retired_chunks; chunk; chunk = chunk->next)
		wipe_chunk(chunk);
	for (unsigned c = 0; c < CLASS_COUNT; c++) {
		while (class_chunks[c] != NULL) {
			enc_slab_chunk *chunk = class_chunks[c];
			list_remove(&class_chunks[c], chunk);
			wipe_chunk(chunk);
			if (chunk->live == 0) {
				destroy_chunk(chunk, false);
			} else {
				chunk->retired = true;
				list_push_front(&retired_chunks, chunk);
			}
		}
	}
}

void enc_slab_shutdown(void)
{
	memset(spare_chunks, 0, sizeof(spare_chunks));
	while (retired_chunks != NULL) {
		enc_slab_chunk *chunk = retired_chunks;
		list_remove(&retired_chunks, chunk);
		destroy_chunk(chunk, false);
	}
	for (unsigned c = 0; c < CLASS_COUNT; c++) {
		while (class_chunks[c] != NULL) {
			enc_slab_chunk *chunk = class_chunks[c];
			list_remove(&class_chunks[c], chunk);
			destroy_chunk(chunk, false);
		}
	}
}
