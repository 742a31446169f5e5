/*
 * guardhsm crypto: the RSA private-key primitive (signatures, OAEP and
 * raw decryption), blinded with a pair kept per thread.
 *
 * OpenSSL blinds a private-key operation with a pair A = r^e, Ai = r^-1
 * mod n that it makes once per key object and then renews by squaring
 * for 32 uses. We build the key object anew in every call, so OpenSSL
 * would make a new pair every time, and making one (a random r and its
 * constant-time inverse mod n) costs about 70% of an RSA-2048 signature.
 * So signing switches OpenSSL's blinding off and does the same itself:
 * each thread keeps, for up to CRY_BLINDING_SLOTS moduli, the modulus's
 * Montgomery constants (public) and the next pair, sealed by the enclave
 * (ciphertext in ordinary memory; opened into an enclave buffer only
 * while it is read and renewed). The pair is random, not derived from the
 * key, but it is kept secret like one. A purge or a new enclave makes the
 * sealed pairs unreadable, and a fresh pair is made. PKCS#1 v1.5
 * decryption keeps OpenSSL's own blinding and implicit rejection
 * (rsa_cipher.c).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CRY_BLINDING_SLOTS 8
#define CRY_BLINDING_USES 32 /* OpenSSL's BN_BLINDING_COUNTER */
#define CRY_BLINDING_TRIES 16

typedef struct blinding_slot {
	uint8_t *public_key; /* n then e: the key the slot is for */
	size_t modulus_length;
	size_t exponent_length;
	BN_MONT_CTX *montgomery;
	enc_sealed *pair; /* A and Ai in Montgomery form, k bytes each */
	unsigned uses;
	uint64_t last_used;
} blinding_slot;

typedef struct blinding_cache {
	blinding_slot slots[CRY_BLINDING_SLOTS];
	uint64_t clock;
} blinding_cache;

static _Thread_local blinding_cache *thread_cache;
static pthread_key_t cache_key; /* frees a thread's cache when it ends */
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static bool cache_key_made;

static void slot_clear(blinding_slot *slot)
{
	free(slot->public_key);
	BN_MONT_CTX_free(slot->montgomery);
	enc_sealed_free(slot->pair);
	memset(slot, 0, sizeof(*slot));
}

static void cache_free(void *value)
{
	blinding_cache *cache = value;

	for (int i = 0; i < CRY_BLINDING_SLOTS; i++)
		slot_clear(&cache->slots[i]);
	free(cache);
}

static void make_cache_key(void)
{
	cache_key_made = pthread_key_create(&cache_key, cache_free) == 0;
}

/* When guardhsm.so is unloaded (dlclose), threads that signed must not
 * later call cache_free, which would be gone: the key goes first (their
 * caches are then left behind, as the module's other memory). */
__attribute__((destructor)) static void delete_cache_key(void)
{
	if (cache_key_made)
		pthread_key_delete(cache_key);
}

static blinding_cache *cache_get(void)
{
	if (thread_cache != NULL)
		return thread_cache;
	pthread_once(&cache_once, make_cache_key);
	if (!cache_key_made)
		return NULL;
	blinding_cache *cache = calloc(1, sizeof(*cache));
	if (cache == NULL)
		return NULL;
	if (pthread_setspecific(cache_key, cache) != 0) {
		free(cache);
		return NULL;
	}
	thread_cache = cache;
	return cache;
}

/* The slot for the key (the least recently used one is taken over for a
 * new key), or NULL if out of memory. */
static blinding_slot *slot_for(blinding_cache *cache, const cry_rsa_key *key,
                               const BIGNUM *n, BN_CTX *context)
{
	const uint8_t *modulus = key->part[CRY_RSA_MODULUS];
	const uint8_t *exponent = key->part[CRY_RSA_PUBLIC_EXPONENT];
	size_t modulus_length = key->modulus_bytes;
	size_t exponent_length = key->length[CRY_RSA_PUBLIC_EXPONENT];
	blinding_slot *slot = NULL;
	blinding_slot *oldest = &cache->slots[0];

	for (int i = 0; i < CRY_BLINDING_SLOTS && slot == NULL; i++) {
		blinding_slot *candidate = &cache->slots[i];

		if (candidate->public_key != NULL &&
		    candidate->modulus_length == modulus_length &&
		    candidate->exponent_length == exponent_length &&
		    memcmp(candidate->public_key, modulus, modulus_length) ==
		            0 &&
		    memcmp(candidate->public_key + modulus_length, exponent,
		           exponent_length) == 0)
			slot = candidate;
		else if (candidate->last_used < oldest->last_used)
			oldest = candidate;
	}
	if (slot == NULL) {
		slot = oldest;
		slot_clear(slot);
		slot->public_key = malloc(modulus_length + exponent_length);
		slot->montgomery = BN_MONT_CTX_new();
		if (slot->public_key == NULL || slot->montgomery == NULL ||
		    !BN_MONT_CTX_set(slot->montgomery, n, context)) {
			slot_clear(slot);
			return NULL;
		}
		memcpy(slot->public_key, modulus, modulus_length);
		memcpy(slot->public_key + modulus_length, exponent,
		       exponent_length);
		slot->modulus_length = modulus_length;
		slot->exponent_length = exponent_length;
	}
	slot->last_used = ++cache->clock;
	return slot;
}

/* A new pair as OpenSSL's BN_BLINDING_create_param makes it: r random,
 * Ai = r^-1 (constant time), A = r^e; both in Montgomery form. r^e is
 * computed with BN_mod_exp_mont, not its constant-time variant: that one
 * guards a secret exponent (its table lookups), and e is public, while
 * the Montgomery products on the secret r are constant time in both. */
static cry_status fresh_pair(const BIGNUM *n, const BIGNUM *e,
                             BN_MONT_CTX *montgomery, BN_CTX *context,
                             BIGNUM *a, BIGNUM *a_inverse)
{
	cry_status status = CRY_ERR_INTERNAL;
	bool inverted = false;
	BIGNUM *r_constant_time = BN_new(); /* r, flagged constant-time */

	BN_CTX_start(context);
	BIGNUM *r = BN_CTX_get(context);
	if (r == NULL || r_constant_time == NULL)
		goto done;
	for (int i = 0; i < CRY_BLINDING_TRIES && !inverted; i++) {
		if (!BN_priv_rand_range_ex(r, n, 0, context))
			goto done;
		/* A shallow view: taken after r's words are in place. */
		BN_with_flags(r_constant_time, r, BN_FLG_CONSTTIME);
		/* No inverse only if r shares a factor with n: try again. */
		ERR_set_mark();
		inverted = BN_mod_inverse(a_inverse, r_constant_time, n,
		                          context) != NULL;
		ERR_pop_to_mark();
	}
	if (inverted && BN_mod_exp_mont(a, r, e, n, context, montgomery) &&
	    BN_to_montgomery(a, a, montgomery, context) &&
	    BN_to_montgomery(a_inverse, a_inverse, montgomery, context))
		status = CRY_OK;
done:
	BN_free(r_constant_time); /* a view: r itself stays in the context */
	BN_CTX_end(context);
	return status;
}

/* Seals the squares of the pair, written into buffer (2k bytes, ours and
 * writable), as the slot's next one. Failing to keep it costs only
 * speed. */
static void keep_next_pair(blinding_slot *slot, enc_buffer *buffer, size_t k,
                           const BIGNUM *a, const BIGNUM *a_inverse,
                           BN_CTX *context)
{
	BN_CTX_start(context);
	BIGNUM *square = BN_CTX_get(context);
	BIGNUM *square_inverse = BN_CTX_get(context);
	uint8_t *data = enc_data(buffer);

	if (square != NULL && square_inverse != NULL &&
	    BN_mod_mul_montgomery(square, a, a, slot->montgomery, context) &&
	    BN_mod_mul_montgomery(square_inverse, a_inverse, a_inverse,
	                          slot->montgomery, context) &&
	    BN_bn2binpad(square, data, (int)k) == (int)k &&
	    BN_bn2binpad(square_inverse, data + k, (int)k) == (int)k &&
	    enc_seal(buffer, NULL, 0, &slot->pair) == ENC_OK)
		slot->uses++;
	BN_CTX_end(context);
}

/* The pair to use now, and the next one left in the slot. One writable
 * enclave buffer serves to open the sealed pair and to seal the next. */
static cry_status slot_pair(blinding_slot *slot, size_t k, const BIGNUM *n,
                            const BIGNUM *e, BN_CTX *context, BIGNUM *a,
                            BIGNUM *a_inverse)
{
	enc_buffer *buffer = NULL;
	bool opened = false;

	if (enc_alloc(2 * k, 0, &buffer) != ENC_OK)
		buffer = NULL;
	if (buffer != NULL && slot->pair != NULL &&
	    slot->uses < CRY_BLINDING_USES &&
	    enc_sealed_length(slot->pair) == 2 * k &&
	    enc_open_into(slot->pair, NULL, 0, buffer) == ENC_OK) {
		const uint8_t *data = enc_data(buffer);

		opened = BN_bin2bn(data, (int)k, a) != NULL &&
		         BN_bin2bn(data + k, (int)k, a_inverse) != NULL;
	}
	enc_sealed_free(slot->pair);
	slot->pair = NULL;
	if (!opened) {
		cry_status status = fresh_pair(n, e, slot->montgomery, context,
		                               a, a_inverse);
		if (status != CRY_OK) {
			enc_free(buffer);
			return status;
		}
		slot->uses = 0;
	}
	if (buffer != NULL)
		keep_next_pair(slot, buffer, k, a, a_inverse, context);
	enc_free(buffer); /* wipes */
	return CRY_OK;
}

cry_status cry_rsa_private_raw(RSA *rsa, const cry_rsa_key *key,
                               const uint8_t *input, uint8_t *output)
{
	size_t k = key->modulus_bytes;
	const BIGNUM *n, *e;
	uint8_t blinded[CRY_RSA_MAX_BYTES]; /* m * r^e: hides m */
	BN_MONT_CTX *own_montgomery = NULL;
	BN_MONT_CTX *montgomery;
	cry_status status = CRY_ERR_NOMEM;

	if (!cry_rsa_less(input, key->part[CRY_RSA_MODULUS], k))
		return CRY_ERR_INVALID;
	RSA_get0_key(rsa, &n, &e, NULL);
	/* Everything derived from the pair stays in the secure heap. */
	BN_CTX *context = BN_CTX_secure_new();
	if (context == NULL)
		return CRY_ERR_NOMEM;
	BN_CTX_start(context);
	BIGNUM *a = BN_CTX_get(context);
	BIGNUM *a_inverse = BN_CTX_get(context);
	BIGNUM *value = BN_CTX_get(context);
	if (value == NULL)
		goto done;
	blinding_cache *cache = cache_get();
	blinding_slot *slot =
	        cache != NULL ? slot_for(cache, key, n, context) : NULL;
	if (slot != NULL) {
		montgomery = slot->montgomery;
		status = slot_pair(slot, k, n, e, context, a, a_inverse);
	} else {
		montgomery = own_montgomery = BN_MONT_CTX_new();
		if (montgomery == NULL ||
		    !BN_MONT_CTX_set(montgomery, n, context))
			goto done;
		status = fresh_pair(n, e, montgomery, context, a, a_inverse);
	}
	if (status != CRY_OK)
		goto done;
	/* A and Ai are in Montgomery form, so one Montgomery product each
	 * gives m * A and s' * Ai in ordinary form. */
	status = CRY_ERR_INTERNAL;
	if (BN_bin2bn(input, (int)k, value) == NULL ||
	    !BN_mod_mul_montgomery(value, value, a, montgomery, context) ||
	    BN_bn2binpad(value, blinded, (int)k) != (int)k ||
	    RSA_private_encrypt((int)k, blinded, output, rsa, RSA_NO_PADDING) !=
	            (int)k ||
	    BN_bin2bn(output, (int)k, value) == NULL ||
	    !BN_mod_mul_montgomery(value, value, a_inverse, montgomery,
	                           context) ||
	    BN_bn2binpad(value, output, (int)k) != (int)k)
		goto done;
	status = CRY_OK;
done:
	BN_CTX_end(context);
	BN_CTX_free(context);
	BN_MONT_CTX_free(own_montgomery);
	return status;
}
