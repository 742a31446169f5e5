/* The public buffer API: one handle type over guarded buffers and slab
 * slots. Every change to enclave memory happens under the lock. */
#include "config.h"

#include "enclave/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KNOWN_ALLOC_FLAGS (ENC_ALLOC_GUARDED | ENC_ALLOC_ALIGNED)
/* Freed handles kept for reuse (lock held), so a loop that allocates and
 * frees one buffer per operation does not go through malloc each time.
 * They hold no secret: the data is in the enclave's pages. */
#define SPARE_HANDLES 32

static enc_buffer *spare_handles[SPARE_HANDLES];
static size_t spare_count;

static enc_buffer *new_handle(void)
{
	if (spare_count == 0)
		return calloc(1, sizeof(enc_buffer));
	enc_buffer *buffer = spare_handles[--spare_count];
	memset(buffer, 0, sizeof(*buffer));
	return buffer;
}

static void drop_handle(enc_buffer *buffer)
{
	buffer->magic = 0;
	if (spare_count < SPARE_HANDLES)
		spare_handles[spare_count++] = buffer;
	else
		free(buffer);
}

void enc_buffer_spares_release(void)
{
	while (spare_count > 0)
		free(spare_handles[--spare_count]);
}

/* A handle that is not ours (or freed twice) means memory corruption in the
 * host: stopping is safer than guessing. */
static void check_handle(const enc_buffer *buffer)
{
	if (buffer->magic == ENC_BUFFER_MAGIC)
		return;
	static const char message[] =
	        "guardhsm-enclave: FATAL: invalid or freed enc_buffer handle\n";
	if (write(STDERR_FILENO, message, sizeof(message) - 1) < 0) {
		/* aborting anyway */
	}
	abort();
}

enc_status enc_alloc(size_t size, unsigned flags, enc_buffer **out)
{
	if (out == NULL)
		return ENC_ERR_INVALID;
	*out = NULL;
	if (size == 0 || size > SIZE_MAX / 2 || (flags & ~KNOWN_ALLOC_FLAGS))
		return ENC_ERR_INVALID;
	enc_status status = enc_ready();
	if (status != ENC_OK)
		return status;
	enc_lock();
	enc_buffer *buffer = new_handle();
	if (buffer == NULL) {
		enc_unlock();
		return ENC_ERR_NOMEM;
	}
	status = ENC_ERR_UNSUPPORTED;
	if (size <= ENC_SLAB_MAX && !(flags & ENC_ALLOC_GUARDED))
		status = enc_slab_alloc(size, flags, buffer);
	if (status == ENC_ERR_UNSUPPORTED) {
		status = enc_guarded_alloc(size, flags, buffer);
		if (status == ENC_OK)
			enc_global.guarded_buffers++;
	}
	if (status == ENC_OK) {
		buffer->magic = ENC_BUFFER_MAGIC;
		enc_registry_add(buffer);
	} else {
		drop_handle(buffer);
	}
	enc_unlock();
	if (status != ENC_OK)
		return status;
	*out = buffer;
	return ENC_OK;
}

void enc_free(enc_buffer *buffer)
{
	if (buffer == NULL)
		return;
	check_handle(buffer);
	enc_lock();
	enc_registry_remove(buffer);
	if (buffer->kind == ENC_KIND_GUARDED)
		enc_global.guarded_buffers--;
	if (atomic_load(&enc_global.forked)) {
		/* The child's copy of the pages is zero or absent: release the
		 * mapping without touching it. Slab chunks go at shutdown. */
		if (buffer->kind == ENC_KIND_GUARDED)
			enc_region_unmap(&buffer->u.guarded.region, false);
	} else if (buffer->kind == ENC_KIND_GUARDED) {
		enc_guarded_release(buffer);
	} else {
		enc_slab_release(buffer);
	}
	drop_handle(buffer);
	enc_unlock();
}

void *enc_data(const enc_buffer *buffer)
{
	return buffer != NULL ? buffer->data : NULL;
}

size_t enc_size(const enc_buffer *buffer)
{
	return buffer != NULL ? buffer->size : 0;
}

enc_access enc_access_of(const enc_buffer *buffer)
{
	return buffer != NULL ? buffer->access : ENC_NOACCESS;
}

enc_status enc_protect(enc_buffer *buffer, enc_access access)
{
	if (buffer == NULL || access > ENC_READWRITE)
		return ENC_ERR_INVALID;
	check_handle(buffer);
	enc_status status = enc_ready();
	if (status != ENC_OK)
		return status;
	enc_lock();
	if (buffer->purged)
		status = ENC_ERR_PURGED;
	else if (buffer->access == access)
		status = ENC_OK;
	else if (buffer->kind == ENC_KIND_GUARDED)
		status = enc_guarded_protect(buffer, access);
	else
		status = enc_slab_protect(buffer, access);
	enc_unlock();
	return status;
}

enc_status enc_verify(const enc_buffer *buffer)
{
	if (buffer == NULL)
		return ENC_ERR_INVALID;
	check_handle(buffer);
	enc_status status = enc_ready();
	if (status != ENC_OK)
		return status;
	enc_lock();
	if (buffer->purged) {
		enc_unlock();
		return ENC_ERR_PURGED;
	}
	bool intact = buffer->kind == ENC_KIND_GUARDED
	                      ? enc_guarded_canary_ok(buffer)
	                      : enc_slab_canary_ok(buffer);
	if (!intact)
		enc_canary_failure(buffer, buffer->kind == ENC_KIND_GUARDED
		                                   ? "a guarded"
		                                   : "a slab");
	enc_unlock();
	return ENC_OK;
}
