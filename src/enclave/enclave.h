/*
 * guardhsm enclave: guarded, locked memory for secrets, and secrets sealed
 * under a split, re-randomised key.
 *
 * This library knows nothing of PKCS#11. It gives a program three things:
 *
 *  - buffers (enc_buffer) whose memory is mmap'd, mlock'd, excluded from core
 *    dumps, wiped on fork, fenced by guard pages and canaries, and no-access
 *    at rest. Small buffers share locked pages in a slab so that a process
 *    with a small RLIMIT_MEMLOCK can still work; large ones get their own
 *    mapping;
 *  - sealed secrets (enc_sealed): AES-256-GCM or XChaCha20-Poly1305
 *    ciphertext (enc_config.seal_cipher) kept in ordinary memory, opened
 *    straight into an enc_buffer;
 *  - purge: wipe every live buffer and replace the sealing key.
 *
 * All functions are thread-safe. After fork() the child's enclave is
 * disabled (ENC_ERR_FORKED) until it calls enc_shutdown() and enc_init();
 * it never sees the parent's plaintext or key. See docs/SECURITY.md.
 */
#ifndef GUARDHSM_ENCLAVE_H
#define GUARDHSM_ENCLAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum enc_status {
	ENC_OK = 0,
	ENC_ERR_INVALID,   /* a NULL pointer, zero size, bad flag or state */
	ENC_ERR_NOT_READY, /* enc_init() has not been called */
	ENC_ERR_NOMEM,     /* mmap or malloc failed */
	ENC_ERR_LOCK,      /* mlock failed and downgrades are not allowed */
	ENC_ERR_BUDGET,    /* the locked-memory budget would be exceeded */
	ENC_ERR_AUTH,      /* a sealed secret failed authentication */
	ENC_ERR_PURGED,    /* the buffer or sealed secret predates a purge */
	ENC_ERR_FORKED, /* called in a forked child: enc_shutdown, enc_init */
	ENC_ERR_SYSTEM, /* an unexpected system call failure (see errno) */
	ENC_ERR_UNSUPPORTED, /* a required feature (memfd_secret) is missing */
} enc_status;

/* A human-readable name for a status, never NULL. */
const char *enc_strerror(enc_status status);

/* ---- Initialisation ---------------------------------------------------- */

typedef enum enc_secretmem_mode {
	ENC_SECRETMEM_OFF = 0, /* anonymous mmap + mlock (default) */
	ENC_SECRETMEM_AUTO, /* memfd_secret for the slab if the kernel has it */
	ENC_SECRETMEM_REQUIRE, /* memfd_secret or enc_init fails */
} enc_secretmem_mode;

/* The AEAD that seals secrets in memory. */
typedef enum enc_seal_cipher {
	/* AES-256-GCM where the CPU has AES-NI and PCLMUL (a third of the
	 * instructions per seal or open), else XChaCha20-Poly1305. */
	ENC_SEAL_AUTO = 0,
	ENC_SEAL_XCHACHA20POLY1305,
	ENC_SEAL_AES256GCM, /* enc_init fails if the CPU cannot */
} enc_seal_cipher;

typedef enum enc_log_level {
	ENC_LOG_ERROR = 0,
	ENC_LOG_WARNING,
	ENC_LOG_INFO,
	ENC_LOG_DEBUG,
} enc_log_level;

typedef void (*enc_log_fn)(enc_log_level level, const char *message,
                           void *context);

typedef struct enc_config {
	/* Bytes of memory the enclave may hold locked. 0: the soft
	 * RLIMIT_MEMLOCK, or 64 MiB when that limit is infinite. */
	size_t locked_budget;
	/* If mlock fails, hand out unlocked memory and log a warning instead
	 * of failing with ENC_ERR_LOCK. Off by default. */
	bool allow_unlocked;
	enc_secretmem_mode secretmem;
	/* The split key is re-randomised when it is used and this many
	 * milliseconds have passed since the last time. 0: 500. */
	unsigned rekey_interval_ms;
	/* 0 (the default): a page goes back to no-access as soon as no
	 * buffer on it is in use. N (up to 10,000): a slab page, or the key
	 * page where there is no CPU protection key, stays open for N ms
	 * after its last use, so that operations in quick succession cost no
	 * mprotect (two per use otherwise, each a TLB shootdown); a
	 * background thread, started the first time a close is deferred,
	 * closes it. Plaintext is wiped as soon as it is freed either way;
	 * only the page protection is late. See docs/SECURITY.md. */
	unsigned reprotect_delay_ms;
	enc_seal_cipher seal_cipher;
	/* Warnings and errors; NULL: written to stderr. */
	enc_log_fn log;
	void *log_context;
} enc_config;

/* Fills *config with the defaults. */
void enc_config_default(enc_config *config);

/* Starts the enclave (config NULL: defaults). Calls may nest: each
 * successful enc_init needs one enc_shutdown; the configuration of the first
 * one holds. */
enc_status enc_init(const enc_config *config);

/* Ends one enc_init. The last one purges, then unmaps everything. Handles
 * still held become dangling: free them before. */
void enc_shutdown(void);

/* ---- Buffers ------------------------------------------------------------ */

typedef struct enc_buffer enc_buffer;

typedef enum enc_access {
	ENC_NOACCESS = 0, /* the resting state: any touch faults */
	ENC_READONLY,
	ENC_READWRITE,
} enc_access;

/* The largest buffer served from the shared slab; larger ones, and any with
 * ENC_ALLOC_GUARDED, get their own guard-paged mapping. */
#define ENC_SLAB_MAX 4096

enum enc_alloc_flags {
	ENC_ALLOC_GUARDED = 1u << 0, /* own mapping even if small */
	/* Align the data to 16 bytes (for structs) instead of placing it flush
	 * against the trailing guard or canary: an overrun of up to 15 bytes
	 * is then caught by the canary check, not at once. */
	ENC_ALLOC_ALIGNED = 1u << 1,
};

/* A new zeroed buffer of size bytes (1 .. SIZE_MAX/2) in READWRITE state. */
enc_status enc_alloc(size_t size, unsigned flags, enc_buffer **out);

/* Checks the canaries, wipes, unlocks and releases. NULL is ignored. A
 * corrupt canary purges the enclave and aborts the process. */
void enc_free(enc_buffer *buffer);

/* The data (fixed for the buffer's life) and its size. Only touch the data
 * in a state that allows it. */
void *enc_data(const enc_buffer *buffer);
size_t enc_size(const enc_buffer *buffer);

/* Changes the access state. Slab buffers share pages: a page is as open as
 * the most open buffer on it, so a slab buffer may be more accessible than
 * asked while a neighbour is open, never less. */
enc_status enc_protect(enc_buffer *buffer, enc_access access);
enc_access enc_access_of(const enc_buffer *buffer);

/* Checks the buffer's canaries in constant time. A corrupt canary purges
 * and aborts; otherwise returns ENC_OK (or ENC_ERR_PURGED). */
enc_status enc_verify(const enc_buffer *buffer);

/* ---- Sealed secrets ---------------------------------------------------- */

typedef struct enc_sealed enc_sealed;

/* Seals length bytes read directly from data (which may be the caller's
 * own memory: no copy is made) with optional associated data, which must be
 * given again to open. */
enc_status enc_seal_bytes(const void *data, size_t length, const void *ad,
                          size_t ad_length, enc_sealed **out);

/* Seals a buffer's contents; the buffer keeps its access state. */
enc_status enc_seal(const enc_buffer *buffer, const void *ad, size_t ad_length,
                    enc_sealed **out);

/* Authenticates and decrypts into a new buffer (flags as enc_alloc), left
 * in READONLY state. ENC_ERR_AUTH if the ciphertext or associated data was
 * altered; ENC_ERR_PURGED if sealed before the last purge. */
enc_status enc_open(const enc_sealed *sealed, const void *ad, size_t ad_length,
                    unsigned flags, enc_buffer **out);

/* Decrypts into an existing buffer of exactly enc_sealed_length() bytes,
 * which must be READWRITE; the buffer keeps its state. */
enc_status enc_open_into(const enc_sealed *sealed, const void *ad,
                         size_t ad_length, enc_buffer *into);

/* Decrypts into an existing READWRITE buffer at offset (offset + the
 * plaintext length must fit in the buffer; the rest is left as it is), so
 * a secret and what is computed from it can share one buffer. */
enc_status enc_open_at(const enc_sealed *sealed, const void *ad,
                       size_t ad_length, enc_buffer *into, size_t offset);

/* The plaintext length. */
size_t enc_sealed_length(const enc_sealed *sealed);

/* A copy of a sealed secret (ciphertext only: nothing is decrypted). */
enc_status enc_sealed_copy(const enc_sealed *sealed, enc_sealed **out);

/* Releases a sealed secret (it is ciphertext: nothing to wipe). */
void enc_sealed_free(enc_sealed *sealed);

/* ---- Purge and hardening ----------------------------------------------- */

/* Wipes every live buffer (each becomes NOACCESS and unusable:
 * enc_protect answers ENC_ERR_PURGED; enc_free still releases it) and
 * replaces the sealing key, so every earlier sealed secret is unreadable. */
void enc_purge(void);

enum enc_harden_flags {
	/* PR_SET_DUMPABLE 0 and RLIMIT_CORE 0: no core dumps, and same-user
	 * processes can no longer ptrace this one or read /proc/PID/mem. */
	ENC_HARDEN_NO_DUMP = 1u << 0,
	/* SIGINT, SIGTERM, SIGHUP and SIGQUIT purge the enclave, then take
	 * the action they had before (by default: terminate). */
	ENC_HARDEN_PURGE_ON_SIGNAL = 1u << 1,
};

/* Opt-in process hardening: off unless asked, because a library must not
 * change its host's behaviour behind its back. */
enc_status enc_harden(unsigned flags);

/* ---- Introspection ----------------------------------------------------- */

typedef struct enc_stats {
	size_t locked_bytes;    /* held locked now, guard pages excluded */
	size_t locked_budget;   /* the limit in force */
	size_t unlocked_bytes;  /* handed out unlocked (allow_unlocked only) */
	size_t guarded_buffers; /* live buffers with their own mapping */
	size_t slab_buffers;    /* live buffers in the slab */
	size_t slab_chunks;     /* slab mappings */
	uint64_t key_epoch;     /* incremented by every purge */
	uint64_t rekeys;        /* split-key re-randomisations so far */
	bool secretmem;         /* the slab uses memfd_secret */
	bool protection_key;    /* the key page is guarded by a CPU memory
	                           protection key, not only mprotect */
	size_t deferred_pages;  /* pages left open after their last use,
	                           due to close (reprotect_delay_ms) */
	uint64_t deferred_closes;    /* deferred closes carried out so far */
	enc_seal_cipher seal_cipher; /* the one in use (never AUTO) */
} enc_stats;

enc_status enc_get_stats(enc_stats *stats);

/* Closes at once every page left open by reprotect_delay_ms (a host that
 * goes idle, or a test, need not wait). */
void enc_reprotect_now(void);

/* ---- Constant-time helpers --------------------------------------------- */

/* true if the n bytes at a and b are equal; time depends only on n. */
bool enc_ct_equal(const void *a, const void *b, size_t n);

/* true if all n bytes are zero; time depends only on n. */
bool enc_ct_is_zero(const void *data, size_t n);

/* Copies n bytes from src to dst if condition, else leaves dst as it is;
 * time and memory accesses depend only on n. */
void enc_ct_copy_if(bool condition, void *dst, const void *src, size_t n);

/* Zeroes n bytes in a way the compiler cannot remove. */
void enc_wipe(void *data, size_t n);

/* Fills data with n bytes from the system's CSPRNG. */
void enc_random(void *data, size_t n);

/* Clears the CPU's vector registers (x86-64: xmm0-15 and their upper
 * halves), all caller-saved, where AES-NI code leaves round keys that a
 * core dump would save. */
void enc_wipe_vector_registers(void);

#ifdef __cplusplus
}
#endif

#endif /* GUARDHSM_ENCLAVE_H */
