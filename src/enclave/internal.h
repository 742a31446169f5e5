/* Internal structures of the enclave, shared by its files and by white-box
 * tests. Not installed. */
#ifndef GUARDHSM_ENCLAVE_INTERNAL_H
#define GUARDHSM_ENCLAVE_INTERNAL_H

#include "enclave/enclave.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>

#define ENC_CANARY_BYTES 16
#define ENC_SEALED_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define ENC_SEALED_TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define ENC_KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
/* Room on the key page for a cipher's expanded key (libsodium's
 * crypto_aead_aes256gcm_state), wiped after every use. */
#define ENC_COFFER_SCRATCH_BYTES 512

/* ---- pages.c: mappings with guard pages --------------------------------- */

/* A run of usable pages between two no-access guard pages. */
typedef struct enc_region {
	unsigned char *base;     /* the leading guard page */
	unsigned char *interior; /* first usable page */
	size_t interior_bytes;   /* usable bytes, a multiple of the page size */
	bool locked;             /* mlock (or memfd_secret) succeeded */
	bool secret;             /* backed by memfd_secret */
} enc_region;

size_t enc_page_size(void);
size_t enc_round_to_pages(size_t bytes);

/* Maps interior_bytes between guard pages, locks it (or fails with
 * ENC_ERR_LOCK, or downgrades if allowed), excludes it from dumps, and wipes
 * it in a forked child. Leaves the interior READWRITE. */
enc_status enc_region_map(size_t interior_bytes, bool use_secretmem,
                          enc_region *region);
/* Wipes (if wipe), unlocks and unmaps. */
void enc_region_unmap(enc_region *region, bool wipe);
enc_status enc_region_protect(unsigned char *start, size_t bytes,
                              enc_access access);
bool enc_secretmem_available(void);

/* ---- registry.c: global state, locking, budget, logging ----------------- */

typedef enum enc_buffer_kind {
	ENC_KIND_GUARDED = 1,
	ENC_KIND_SLAB
} enc_buffer_kind;

typedef struct enc_slab_chunk enc_slab_chunk;

#define ENC_BUFFER_MAGIC 0x656e6362u /* "encb" */

struct enc_buffer {
	uint32_t magic;
	enc_buffer_kind kind;
	enc_access access;
	bool purged;
	unsigned char *data;
	size_t size;
	struct enc_buffer *prev,
	        *next; /* the registry's list of live buffers */
	union {
		struct {
			enc_region region;
			unsigned char canary[ENC_CANARY_BYTES];
		} guarded;
		struct {
			enc_slab_chunk *chunk;
			uint32_t index;
		} slot;
	} u;
};

struct enc_sealed {
	uint64_t epoch; /* the key generation it was sealed under */
	size_t length;  /* plaintext bytes */
	unsigned char nonce[ENC_SEALED_NONCE_BYTES];
	unsigned char ciphertext[]; /* length + ENC_SEALED_TAG_BYTES */
};

typedef struct enc_state {
	pthread_mutex_t lock; /* buffers, slab, budget */
	atomic_int init_count;
	atomic_bool forked; /* set in a child by the atfork handler */
	enc_config config;
	size_t locked_bytes;
	size_t unlocked_bytes;
	size_t guarded_buffers;
	size_t slab_buffers;
	size_t slab_chunks;
	bool secretmem;
	enc_seal_cipher seal_cipher; /* chosen at enc_init, never AUTO */
	enc_buffer *buffers;         /* every live buffer */
} enc_state;

extern enc_state enc_global;

/* Fails with ENC_ERR_NOT_READY or ENC_ERR_FORKED where the enclave cannot
 * be used. Callers hold no lock. */
enc_status enc_ready(void);
void enc_lock(void);
void enc_unlock(void);
void enc_log(enc_log_level level, const char *format, ...)
        __attribute__((format(printf, 2, 3)));
/* Reserves locked bytes against the budget (lock held). */
enc_status enc_budget_reserve(size_t bytes);
void enc_budget_release(size_t bytes);
void enc_registry_add(enc_buffer *buffer);    /* lock held */
void enc_buffer_spares_release(void);         /* lock held */
void enc_registry_remove(enc_buffer *buffer); /* lock held */

/* ---- purge.c ------------------------------------------------------------- */

/* Wipes every live buffer, retires the slab and replaces the key. Lock
 * held. */
void enc_purge_locked(void);

/* Reports a corrupt canary, purges and aborts. Lock held. */
_Noreturn void enc_canary_failure(const enc_buffer *buffer, const char *where);

/* ---- guarded.c (all with the lock held) --------------------------------- */

enc_status enc_guarded_alloc(size_t size, unsigned flags, enc_buffer *buffer);
void enc_guarded_release(enc_buffer *buffer); /* checks canary unless purged */
bool enc_guarded_canary_ok(const enc_buffer *buffer);
enc_status enc_guarded_protect(enc_buffer *buffer, enc_access access);
void enc_guarded_wipe(enc_buffer *buffer); /* for purge */

/* ---- slab.c (all with the lock held) ------------------------------------ */

enc_status enc_slab_alloc(size_t size, unsigned flags, enc_buffer *buffer);
void enc_slab_release(enc_buffer *buffer);
bool enc_slab_canary_ok(const enc_buffer *buffer);
enc_status enc_slab_protect(enc_buffer *buffer, enc_access access);
void enc_slab_purge(void);    /* wipe every chunk; retire them */
void enc_slab_shutdown(void); /* unmap every chunk */

/* ---- reprotect.c: deferred re-protection -------------------------------- */

uint64_t enc_now_ms(void); /* CLOCK_MONOTONIC */
/* A page's owner (coffer lock or enclave lock held) is about to close a
 * page: true if it may leave it open and note that it is due to close
 * reprotect_delay_ms from now (the closer thread is running and told);
 * false: close it at once. */
bool enc_reprotect_defer(void);
void enc_reprotect_count_close(void);
uint64_t enc_reprotect_closes(void);
/* Stops and joins the closer thread (pages it has not closed stay open:
 * the caller is about to purge or unmap them). */
void enc_reprotect_stop(void);
void enc_reprotect_after_fork(void); /* in the child */

/* Close what is due at now (everything if force) and return when the next
 * deferred close is due (UINT64_MAX: none). The caller holds neither lock;
 * unless force they are only tried, and *busy set if taken. */
uint64_t enc_coffer_close_due(uint64_t now, bool force, bool *busy);
uint64_t enc_slab_close_due(uint64_t now, bool force, bool *busy);
bool enc_coffer_open_deferred(void);  /* the key page awaits its close */
size_t enc_slab_deferred_pages(void); /* lock held */

/* ---- coffer.c: the split sealing key ------------------------------------ */

enc_status enc_coffer_init(void); /* lock held */
void enc_coffer_shutdown(void);   /* lock held */
void enc_coffer_after_fork(void); /* in the child */
/* Replaces the key with a fresh one and bumps the epoch. */
void enc_coffer_replace(void);
uint64_t enc_coffer_epoch(void);
bool enc_coffer_uses_protection_key(void);
/* The key page's address, for tests that check it cannot be read. */
const void *enc_coffer_page(void);
uint64_t enc_coffer_rekeys(void);

/* Runs fn with the whole key, which exists only for the call, inside the
 * coffer's guarded page (wiped afterwards), with ENC_COFFER_SCRATCH_BYTES
 * of 16-byte aligned scratch on the same page, which fn must wipe if it
 * used it. Returns fn's status. */
typedef enc_status (*enc_keyed_fn)(const unsigned char key[ENC_KEY_BYTES],
                                   uint64_t epoch, unsigned char *scratch,
                                   void *context);
enc_status enc_coffer_with_key(enc_keyed_fn fn, void *context);

#endif /* GUARDHSM_ENCLAVE_INTERNAL_H */
