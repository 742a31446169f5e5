/* Purge: wipe every live buffer and replace the sealing key. */
#include "config.h"

#include "enclave/internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void enc_purge_locked(void)
{
	if (atomic_load(&enc_global.forked) ||
	    atomic_load(&enc_global.init_count) <= 0)
		return;
	for (enc_buffer *buffer = enc_global.buffers; buffer != NULL;
	     buffer = buffer->next) {
		if (buffer->purged)
			continue;
		if (buffer->kind == ENC_KIND_GUARDED)
			enc_guarded_wipe(buffer);
		buffer->purged = true;
		buffer->access = ENC_NOACCESS;
	}
	enc_slab_purge();
	enc_coffer_replace();
}

void enc_purge(void)
{
	enc_lock();
	enc_purge_locked();
	enc_unlock();
}

_Noreturn void enc_canary_failure(const enc_buffer *buffer, const char *where)
{
	/* Say it on stderr as well: the host's log callback may not flush
	 * before abort(). */
	static const char message[] =
	        "guardhsm-enclave: FATAL: canary corrupted (buffer overrun or "
	        "underrun); purging all secrets and aborting\n";
	if (write(STDERR_FILENO, message, sizeof(message) - 1) < 0) {
		/* nothing more to do: we are aborting anyway */
	}
	enc_log(ENC_LOG_ERROR,
	        "canary corrupted in %s buffer of %zu bytes at %p", where,
	        buffer->size, (void *)buffer->data);
	enc_purge_locked();
	abort();
}
