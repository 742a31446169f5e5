/* The enclave's global state: initialisation, the lock, the locked-memory
 * budget, the list of live buffers, logging, fork detection and stats. */
#include "config.h"

#include "enclave/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define DEFAULT_BUDGET_WHEN_UNLIMITED ((size_t)64 << 20)
#define DEFAULT_REKEY_INTERVAL_MS 500
#define ENC_MAX_REPROTECT_DELAY_MS 10000u

enc_state enc_global = {.lock = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

const char *enc_strerror(enc_status status)
{
	switch (status) {
	case ENC_OK:
		return "success";
	case ENC_ERR_INVALID:
		return "invalid argument";
	case ENC_ERR_NOT_READY:
		return "enclave not initialised";
	case ENC_ERR_NOMEM:
		return "out of memory";
	case ENC_ERR_LOCK:
		return "memory could not be locked (RLIMIT_MEMLOCK?)";
	case ENC_ERR_BUDGET:
		return "locked-memory budget exhausted";
	case ENC_ERR_AUTH:
		return "sealed secret failed authentication";
	case ENC_ERR_PURGED:
		return "purged: the secret predates the last purge";
	case ENC_ERR_FORKED:
		return "enclave unusable in a forked child until "
		       "re-initialised";
	case ENC_ERR_SYSTEM:
		return "system call failed";
	case ENC_ERR_UNSUPPORTED:
		return "not supported by this system";
	}
	return "unknown status";
}

void enc_config_default(enc_config *config)
{
	if (config == NULL)
		return;
	memset(config, 0, sizeof(*config));
	config->secretmem = ENC_SECRETMEM_OFF;
	config->rekey_interval_ms = DEFAULT_REKEY_INTERVAL_MS;
}

static size_t default_budget(void)
{
	struct rlimit limit;
	if (getrlimit(RLIMIT_MEMLOCK, &limit) != 0 ||
	    limit.rlim_cur == RLIM_INFINITY)
		return DEFAULT_BUDGET_WHEN_UNLIMITED;
	return (size_t)limit.rlim_cur;
}

void enc_lock(void)
{
	pthread_mutex_lock(&enc_global.lock);
}

void enc_unlock(void)
{
	pthread_mutex_unlock(&enc_global.lock);
}

/* fork() copies the enclave's bookkeeping but not its plaintext (the pages
 * are wiped or absent in the child): the child must start again. */
static void atfork_prepare(void)
{
	enc_lock();
}

static void atfork_parent(void)
{
	enc_unlock();
}

static void atfork_child(void)
{
	/* The forking thread took the lock in atfork_prepare, and it is
	 * this thread in the child. */
	enc_unlock();
	if (atomic_load(&enc_global.init_count) > 0)
		atomic_store(&enc_global.forked, true);
	enc_coffer_after_fork();
	enc_reprotect_after_fork();
}

static void register_atfork(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

enc_status enc_ready(void)
{
	if (atomic_load(&enc_global.forked))
		return ENC_ERR_FORKED;
	if (atomic_load(&enc_global.init_count) <= 0)
		return ENC_ERR_NOT_READY;
	return ENC_OK;
}

static void default_log(enc_log_level level, const char *message, void *context)
{
	static const char *const names[] = {"error", "warning", "info",
	                                    "debug"};
	(void)context;
	if (level <= ENC_LOG_WARNING)
		fprintf(stderr, "guardhsm-enclave: %s: %s\n", names[level],
		        message);
}

void enc_log(enc_log_level level, const char *format, ...)
{
	char message[512];
	va_list args;
	va_start(args, format);
	vsnprintf(message, sizeof(message), format, args);
	va_end(args);
	enc_log_fn log =
	        enc_global.config.log ? enc_global.config.log : default_log;
	log(level, message, enc_global.config.log_context);
}

enc_status enc_budget_reserve(size_t bytes)
{
	if (bytes > enc_global.config.locked_budget ||
	    enc_global.locked_bytes > enc_global.config.locked_budget - bytes)
		return ENC_ERR_BUDGET;
	enc_global.locked_bytes += bytes;
	return ENC_OK;
}

void enc_budget_release(size_t bytes)
{
	enc_global.locked_bytes -= bytes;
}

void enc_registry_add(enc_buffer *buffer)
{
	buffer->prev = NULL;
	buffer->next = enc_global.buffers;
	if (enc_global.buffers != NULL)
		enc_global.buffers->prev = buffer;
	enc_global.buffers = buffer;
}

void enc_registry_remove(enc_buffer *buffer)
{
	if (buffer->prev != NULL)
		buffer->prev->next = buffer->next;
	else
		enc_global.buffers = buffer->next;
	if (buffer->next != NULL)
		buffer->next->prev = buffer->prev;
	buffer->prev = buffer->next = NULL;
}

static enc_status check_config(const enc_config *config)
{
	if (config->secretmem > ENC_SECRETMEM_REQUIRE ||
	    config->seal_cipher > ENC_SEAL_AES256GCM ||
	    config->rekey_interval_ms > 3600u * 1000u ||
	    config->reprotect_delay_ms > ENC_MAX_REPROTECT_DELAY_MS)
		return ENC_ERR_INVALID;
	return ENC_OK;
}

enc_status enc_init(const enc_config *config)
{
	if (sodium_init() < 0)
		return ENC_ERR_SYSTEM;
	pthread_once(&atfork_once, register_atfork);
	if (atomic_load(&enc_global.forked))
		return ENC_ERR_FORKED;

	enc_config chosen;
	enc_config_default(&chosen);
	if (config != NULL)
		chosen = *config;
	if (check_config(&chosen) != ENC_OK)
		return ENC_ERR_INVALID;

	enc_lock();
	if (atomic_load(&enc_global.init_count) > 0) {
		atomic_fetch_add(&enc_global.init_count, 1);
		enc_unlock();
		return ENC_OK;
	}
	if (chosen.locked_budget == 0)
		chosen.locked_budget = default_budget();
	if (chosen.rekey_interval_ms == 0)
		chosen.rekey_interval_ms = DEFAULT_REKEY_INTERVAL_MS;
	enc_global.config = chosen;
	enc_global.secretmem = false;
	if (chosen.secretmem != ENC_SECRETMEM_OFF) {
		enc_global.secretmem = enc_secretmem_available();
		if (!enc_global.secretmem &&
		    chosen.secretmem == ENC_SECRETMEM_REQUIRE) {
			enc_unlock();
			return ENC_ERR_UNSUPPORTED;
		}
		if (!enc_global.secretmem)
			enc_log(ENC_LOG_INFO,
			        "memfd_secret unavailable: the "
			        "slab uses mlock'd anonymous memory");
	}
	bool gcm = crypto_aead_aes256gcm_is_available() != 0;
	if (chosen.seal_cipher == ENC_SEAL_AES256GCM && !gcm) {
		enc_unlock();
		return ENC_ERR_UNSUPPORTED;
	}
	enc_global.seal_cipher =
	        chosen.seal_cipher == ENC_SEAL_XCHACHA20POLY1305 || !gcm
	                ? ENC_SEAL_XCHACHA20POLY1305
	                : ENC_SEAL_AES256GCM;
	enc_status status = enc_coffer_init();
	if (status == ENC_OK)
		atomic_store(&enc_global.init_count, 1);
	enc_unlock();
	return status;
}

/* Releases every buffer still registered: their handles dangle from now. */
static void release_all_buffers(bool wipe)
{
	while (enc_global.buffers != NULL) {
		enc_buffer *buffer = enc_global.buffers;
		enc_registry_remove(buffer);
		if (buffer->kind == ENC_KIND_GUARDED)
			enc_region_unmap(&buffer->u.guarded.region, wipe);
		buffer->magic = 0;
		free(buffer);
	}
}

void enc_shutdown(void)
{
	enc_lock();
	bool forked = atomic_load(&enc_global.forked);
	if (!forked && atomic_load(&enc_global.init_count) <= 0) {
		enc_unlock();
		return;
	}
	if (!forked && atomic_fetch_sub(&enc_global.init_count, 1) > 1) {
		enc_unlock();
		return;
	}
	/* The closer thread only tries the locks, so it can be joined with
	 * them held; what it has not closed is purged or unmapped below. */
	enc_reprotect_stop();
	/* In a forked child the pages are zero or unmapped: touch none. */
	if (!forked)
		enc_purge_locked();
	release_all_buffers(false);
	enc_buffer_spares_release();
	enc_slab_shutdown();
	enc_coffer_shutdown();
	enc_config_default(&enc_global.config);
	enc_global.locked_bytes = 0;
	enc_global.unlocked_bytes = 0;
	enc_global.guarded_buffers = 0;
	enc_global.slab_buffers = 0;
	enc_global.slab_chunks = 0;
	enc_global.secretmem = false;
	atomic_store(&enc_global.init_count, 0);
	atomic_store(&enc_global.forked, false);
	enc_unlock();
}

enc_status enc_get_stats(enc_stats *stats)
{
	if (stats == NULL)
		return ENC_ERR_INVALID;
	enc_status status = enc_ready();
	if (status != ENC_OK)
		return status;
	enc_lock();
	stats->locked_bytes = enc_global.locked_bytes;
	stats->locked_budget = enc_global.config.locked_budget;
	stats->unlocked_bytes = enc_global.unlocked_bytes;
	stats->guarded_buffers = enc_global.guarded_buffers;
	stats->slab_buffers = enc_global.slab_buffers;
	stats->slab_chunks = enc_global.slab_chunks;
	stats->secretmem = enc_global.secretmem;
	stats->deferred_pages = enc_slab_deferred_pages();
	enc_unlock();
	stats->deferred_pages += enc_coffer_open_deferred() ? 1 : 0;
	stats->deferred_closes = enc_reprotect_closes();
	stats->seal_cipher = enc_global.seal_cipher;
	stats->key_epoch = enc_coffer_epoch();
	stats->rekeys = enc_coffer_rekeys();
	stats->protection_key = enc_coffer_uses_protection_key();
	return ENC_OK;
}
