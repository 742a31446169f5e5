/* The split sealing key (memguard's Coffer). The key is never stored whole:
 *
 *     key = left XOR BLAKE2b-256(right)
 *
 * Both halves live in one guarded page, no-access at rest. The whole key is
 * derived into the same page for one seal or open and wiped at once. When a
 * key is used and rekey_interval_ms have passed since the last time, both
 * halves are re-randomised without changing the key:
 *
 *     right' = random;  left' = left XOR H(right) XOR H(right')
 *
 * Doing this on use rather than from a timer thread means a host process
 * gets no thread it did not ask for; an idle key is not touched at all.
 *
 * Where the CPU has memory protection keys, the page is tagged with one:
 * at rest no thread may touch it, and a thread opens it for itself alone
 * with a register write (no system call, no TLB shootdown on the other
 * cores, and other threads stay locked out while it is open). Elsewhere,
 * and under valgrind (which does not emulate the key register), mprotect
 * switches the page between no-access and read-write; with a
 * reprotect_delay_ms, the page goes back to no-access that long after its
 * last use rather than at once (reprotect.c), so a busy key costs no
 * system call. The whole key is wiped after every use either way. */
#include "config.h"

#include "enclave/internal.h"

#include <sys/mman.h>
#include <time.h>
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

typedef struct key_page {
	unsigned char left[ENC_KEY_BYTES];
	unsigned char right[ENC_KEY_BYTES];
	unsigned char key[ENC_KEY_BYTES];     /* only during one call */
	unsigned char scratch[ENC_KEY_BYTES]; /* hashes of halves */
	/* The caller's: an expanded key, only during one call. */
	_Alignas(16) unsigned char cipher[ENC_COFFER_SCRATCH_BYTES];
} key_page;

static struct {
	pthread_mutex_t lock;
	enc_buffer page;    /* a guarded buffer holding a key_page */
	int protection_key; /* -1: mprotect instead */
	uint64_t close_at;  /* ms: a deferred close is due (0: none) */
	bool ready;
	_Atomic uint64_t epoch;
	_Atomic uint64_t rekeys;
	struct timespec last_rekey;
} coffer = {.lock = PTHREAD_MUTEX_INITIALIZER, .protection_key = -1};

static key_page *halves(void)
{
	return (key_page *)coffer.page.data;
}

/* Tags the page with a protection key if the system has them. */
static void adopt_protection_key(void)
{
	coffer.protection_key = -1;
#ifdef PKEY_DISABLE_ACCESS
	if (RUNNING_ON_VALGRIND)
		return;
	int key = pkey_alloc(0, PKEY_DISABLE_ACCESS);
	if (key < 0)
		return;
	enc_region *region = &coffer.page.u.guarded.region;
	if (pkey_mprotect(region->interior, region->interior_bytes,
	                  PROT_READ | PROT_WRITE, key) != 0) {
		pkey_free(key);
		return;
	}
	coffer.protection_key = key;
	coffer.page.access = ENC_NOACCESS;
#endif
}

/* Back to plain page protections (key 0), before the page is released. */
static void drop_protection_key(void)
{
#ifdef PKEY_DISABLE_ACCESS
	if (coffer.protection_key < 0)
		return;
	enc_region *region = &coffer.page.u.guarded.region;
	pkey_mprotect(region->interior, region->interior_bytes, PROT_NONE, 0);
	pkey_free(coffer.protection_key);
	coffer.protection_key = -1;
	coffer.page.access = ENC_NOACCESS;
#endif
}

/* Opens the page for this thread (coffer lock held). A page whose close
 * was deferred is still open. */
static enc_status open_page(void)
{
#ifdef PKEY_DISABLE_ACCESS
	if (coffer.protection_key >= 0)
		return pkey_set(coffer.protection_key, 0) == 0 ? ENC_OK
		                                               : ENC_ERR_SYSTEM;
#endif
	if (coffer.page.access == ENC_READWRITE)
		return ENC_OK;
	return enc_guarded_protect(&coffer.page, ENC_READWRITE);
}

/* Closes the page now (coffer lock held). */
static void close_page_now(void)
{
#ifdef PKEY_DISABLE_ACCESS
	if (coffer.protection_key >= 0) {
		pkey_set(coffer.protection_key, PKEY_DISABLE_ACCESS);
		return;
	}
#endif
	coffer.close_at = 0;
	if (coffer.page.access != ENC_NOACCESS)
		enc_guarded_protect(&coffer.page, ENC_NOACCESS);
}

/* After a use: now, or reprotect_delay_ms from now (coffer lock held). */
static void close_page(void)
{
	if (coffer.protection_key < 0 && enc_reprotect_defer()) {
		coffer.close_at =
		        enc_now_ms() + enc_global.config.reprotect_delay_ms;
		return;
	}
	close_page_now();
}

static void hash_half(unsigned char out[ENC_KEY_BYTES],
                      const unsigned char half[ENC_KEY_BYTES])
{
	crypto_generichash(out, ENC_KEY_BYTES, half, ENC_KEY_BYTES, NULL, 0);
}

static uint64_t elapsed_ms(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ms = (int64_t)(now.tv_sec - since->tv_sec) * 1000 +
	             (now.tv_nsec - since->tv_nsec) / 1000000;
	return ms < 0 ? 0 : (uint64_t)ms;
}

/* Page open, coffer lock held. */
static void rerandomise(key_page *page)
{
	hash_half(page->scratch, page->right);
	for (size_t i = 0; i < ENC_KEY_BYTES; i++)
		page->left[i] ^= page->scratch[i];
	randombytes_buf(page->right, ENC_KEY_BYTES);
	hash_half(page->scratch, page->right);
	for (size_t i = 0; i < ENC_KEY_BYTES; i++)
		page->left[i] ^= page->scratch[i];
	sodium_memzero(page->scratch, ENC_KEY_BYTES);
	clock_gettime(CLOCK_MONOTONIC, &coffer.last_rekey);
	atomic_fetch_add(&coffer.rekeys, 1);
}

/* Page open, coffer lock held. */
static void fresh_halves(key_page *page)
{
	randombytes_buf(page->left, ENC_KEY_BYTES);
	randombytes_buf(page->right, ENC_KEY_BYTES);
	clock_gettime(CLOCK_MONOTONIC, &coffer.last_rekey);
}

enc_status enc_coffer_init(void)
{
	enc_status status = enc_guarded_alloc(sizeof(key_page),
	                                      ENC_ALLOC_ALIGNED, &coffer.page);
	if (status != ENC_OK)
		return status;
	pthread_mutex_lock(&coffer.lock);
	fresh_halves(halves());
	enc_guarded_protect(&coffer.page, ENC_NOACCESS);
	coffer.close_at = 0;
	adopt_protection_key();
	/* A new key: nothing sealed before (say, by a parent) opens under it.
	 */
	atomic_fetch_add(&coffer.epoch, 1);
	coffer.ready = true;
	pthread_mutex_unlock(&coffer.lock);
	return ENC_OK;
}

void enc_coffer_shutdown(void)
{
	pthread_mutex_lock(&coffer.lock);
	bool was_ready = coffer.ready;
	coffer.ready = false;
	coffer.close_at = 0;
	pthread_mutex_unlock(&coffer.lock);
	/* Released outside the coffer lock: a canary failure purges, and the
	 * purge takes that lock. */
	if (!was_ready)
		return;
	if (atomic_load(&enc_global.forked)) {
		enc_region_unmap(&coffer.page.u.guarded.region, false);
		coffer.protection_key = -1; /* the parent's; not ours to free */
		return;
	}
	drop_protection_key();
	enc_guarded_release(&coffer.page);
}

void enc_coffer_after_fork(void)
{
	/* The page is zero in the child; the enclave is marked forked. */
	pthread_mutex_init(&coffer.lock, NULL);
}

void enc_coffer_replace(void)
{
	pthread_mutex_lock(&coffer.lock);
	if (coffer.ready) {
		if (open_page() == ENC_OK) {
			fresh_halves(halves());
			close_page_now();
		}
		atomic_fetch_add(&coffer.epoch, 1);
	}
	pthread_mutex_unlock(&coffer.lock);
}

uint64_t enc_coffer_close_due(uint64_t now, bool force, bool *busy)
{
	if (force)
		pthread_mutex_lock(&coffer.lock);
	else if (pthread_mutex_trylock(&coffer.lock) != 0) {
		*busy = true;
		return UINT64_MAX;
	}
	uint64_t next = UINT64_MAX;
	if (coffer.ready && coffer.close_at != 0) {
		if (force || coffer.close_at <= now) {
			close_page_now();
			enc_reprotect_count_close();
		} else {
			next = coffer.close_at;
		}
	}
	pthread_mutex_unlock(&coffer.lock);
	return next;
}

bool enc_coffer_open_deferred(void)
{
	pthread_mutex_lock(&coffer.lock);
	bool open = coffer.ready && coffer.close_at != 0;
	pthread_mutex_unlock(&coffer.lock);
	return open;
}

uint64_t enc_coffer_epoch(void)
{
	return atomic_load(&coffer.epoch);
}

bool enc_coffer_uses_protection_key(void)
{
	return coffer.protection_key >= 0;
}

const void *enc_coffer_page(void)
{
	return coffer.page.data;
}

uint64_t enc_coffer_rekeys(void)
{
	return atomic_load(&coffer.rekeys);
}

enc_status enc_coffer_with_key(enc_keyed_fn fn, void *context)
{
	pthread_mutex_lock(&coffer.lock);
	if (!coffer.ready) {
		pthread_mutex_unlock(&coffer.lock);
		return ENC_ERR_NOT_READY;
	}
	if (open_page() != ENC_OK) {
		pthread_mutex_unlock(&coffer.lock);
		return ENC_ERR_SYSTEM;
	}
	key_page *page = halves();
	if (elapsed_ms(&coffer.last_rekey) >=
	    enc_global.config.rekey_interval_ms)
		rerandomise(page);
	hash_half(page->key, page->right);
	for (size_t i = 0; i < ENC_KEY_BYTES; i++)
		page->key[i] ^= page->left[i];
	enc_status status = fn(page->key, atomic_load(&coffer.epoch),
	                       page->cipher, context);
	sodium_memzero(page->key, ENC_KEY_BYTES);
	close_page();
	pthread_mutex_unlock(&coffer.lock);
	return status;
}
