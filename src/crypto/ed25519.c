/*
 * guardhsm crypto: Ed25519 with libsodium.
 *
 * Pure Ed25519 is libsodium's crypto_sign. Ed25519ph and Ed25519ctx
 * (RFC 8032 section 5.1, with dom2) are built here from libsodium's
 * low-level group and scalar operations, because neither library offers
 * both with a context (libsodium's ed25519ph allows no context, OpenSSL
 * 3.0 neither variant). Every secret intermediate (the expanded key, the
 * nonce, and the hash state that absorbs them) lives in an enclave buffer.
 */
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <sodium.h>
#include <string.h>

#define CRY_ED25519_DOM2 "SigEd25519 no Ed25519 collisions"
#define CRY_ED25519_DOM2_LENGTH (sizeof(CRY_ED25519_DOM2) - 1)
#define CRY_ED25519_MAX_CONTEXT 255

/* Scratch space for a dom2 signature, in the enclave. */
struct cry_ed25519_scratch {
	crypto_hash_sha512_state hash;
	uint8_t expanded[64]; /* SHA-512(seed): scalar, then prefix */
	uint8_t wide[64];     /* a 512-bit value being reduced mod L */
	uint8_t scalar[32];   /* the clamped scalar, mod L */
	uint8_t nonce[32];    /* r */
	uint8_t product[32];  /* k * scalar */
};

static const uint8_t cry_empty[1];

cry_status cry_ed25519_public(const enc_buffer *seed, uint8_t public_key[32])
{
	enc_buffer *signing_key = NULL;
	cry_status status = cry_check_key(seed, crypto_sign_SEEDBYTES);

	if (status != CRY_OK)
		return status;
	if (public_key == NULL)
		return CRY_ERR_INVALID;
	status = cry_from_enclave(
	        enc_alloc(crypto_sign_SECRETKEYBYTES, 0, &signing_key));
	if (status != CRY_OK)
		return status;
	if (crypto_sign_seed_keypair(public_key, enc_data(signing_key),
	                             enc_data(seed)) != 0)
		status = CRY_ERR_INTERNAL;
	enc_free(signing_key);
	return status;
}

cry_status cry_ed25519_generate(enc_buffer **seed, uint8_t public_key[32])
{
	enc_buffer *key = NULL;
	cry_status status =
	        cry_from_enclave(enc_alloc(crypto_sign_SEEDBYTES, 0, &key));

	if (status != CRY_OK)
		return status;
	enc_random(enc_data(key), crypto_sign_SEEDBYTES);
	status = cry_ed25519_public(key, public_key);
	if (status == CRY_OK)
		status = cry_from_enclave(enc_protect(key, ENC_READONLY));
	if (status != CRY_OK) {
		enc_free(key);
		return status;
	}
	*seed = key;
	return CRY_OK;
}

cry_status cry_ed25519_expand(const enc_buffer *seed, enc_buffer **signing_key)
{
	unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
	enc_buffer *key = NULL;
	cry_status status;

	if (signing_key == NULL)
		return CRY_ERR_INVALID;
	*signing_key = NULL;
	status = cry_check_key(seed, crypto_sign_SEEDBYTES);
	if (status != CRY_OK)
		return status;
	status = cry_from_enclave(
	        enc_alloc(crypto_sign_SECRETKEYBYTES, 0, &key));
	if (status != CRY_OK)
		return status;
	if (crypto_sign_seed_keypair(public_key, enc_data(key),
	                             enc_data(seed)) != 0)
		status = CRY_ERR_INTERNAL;
	if (status == CRY_OK)
		status = cry_from_enclave(enc_protect(key, ENC_READONLY));
	if (status != CRY_OK) {
		enc_free(key);
		return status;
	}
	*signing_key = key;
	return CRY_OK;
}

cry_status cry_ed25519_sign(const enc_buffer *signing_key,
                            const uint8_t *message, size_t length,
                            uint8_t signature[64])
{
	cry_status status =
	        cry_check_key(signing_key, crypto_sign_SECRETKEYBYTES);

	if (status != CRY_OK)
		return status;
	if (signature == NULL || (message == NULL && length != 0))
		return CRY_ERR_INVALID;
	if (crypto_sign_detached(signature, NULL,
	                         message != NULL ? message : cry_empty, length,
	                         enc_data(signing_key)) != 0)
		return CRY_ERR_INTERNAL;
	return CRY_OK;
}

cry_status cry_ed25519_verify(const uint8_t public_key[32],
                              const uint8_t *message, size_t length,
                              const uint8_t *signature, size_t signature_length)
{
	if (public_key == NULL || signature == NULL ||
	    (message == NULL && length != 0))
		return CRY_ERR_INVALID;
	if (signature_length != crypto_sign_BYTES)
		return CRY_ERR_SIGNATURE_LENGTH;
	if (crypto_sign_verify_detached(signature,
	                                message != NULL ? message : cry_empty,
	                                length, public_key) != 0)
		return CRY_ERR_SIGNATURE;
	return CRY_OK;
}

/* Absorbs dom2(prehash, context) into a SHA-512 state. */
static void cry_dom2(crypto_hash_sha512_state *hash, bool prehash,
                     const uint8_t *context, size_t context_length)
{
	uint8_t octets[2] = {prehash ? 1 : 0, (uint8_t)context_length};

	crypto_hash_sha512_update(hash, (const uint8_t *)CRY_ED25519_DOM2,
	                          CRY_ED25519_DOM2_LENGTH);
	crypto_hash_sha512_update(hash, octets, sizeof(octets));
	if (context_length != 0)
		crypto_hash_sha512_update(hash, context, context_length);
}

/* k = SHA-512(dom2 || R || A || M) mod L: public values only. */
static void cry_dom2_challenge(bool prehash, const uint8_t *context,
                               size_t context_length, const uint8_t *r_point,
                               const uint8_t *public_key,
                               const uint8_t *message, size_t length,
                               uint8_t challenge[32])
{
	crypto_hash_sha512_state hash;
	uint8_t wide[64];

	crypto_hash_sha512_init(&hash);
	cry_dom2(&hash, prehash, context, context_length);
	crypto_hash_sha512_update(&hash, r_point, 32);
	crypto_hash_sha512_update(&hash, public_key, 32);
	crypto_hash_sha512_update(&hash, message, length);
	crypto_hash_sha512_final(&hash, wide);
	crypto_core_ed25519_scalar_reduce(challenge, wide);
}

/* RFC 8032 5.1.6 with dom2: message is M, or PH(M) for Ed25519ph. */
static cry_status cry_dom2_sign(const enc_buffer *signing_key, bool prehash,
                                const uint8_t *context, size_t context_length,
                                const uint8_t *message, size_t length,
                                uint8_t signature[64])
{
	const uint8_t *key = enc_data(signing_key);
	const uint8_t *public_key = key + crypto_sign_SEEDBYTES;
	struct cry_ed25519_scratch *scratch;
	enc_buffer *buffer = NULL;
	uint8_t challenge[32];
	cry_status status;

	status = cry_from_enclave(
	        enc_alloc(sizeof(*scratch), ENC_ALLOC_ALIGNED, &buffer));
	if (status != CRY_OK)
		return status;
	scratch = enc_data(buffer);
	crypto_hash_sha512_init(&scratch->hash);
	crypto_hash_sha512_update(&scratch->hash, key, crypto_sign_SEEDBYTES);
	crypto_hash_sha512_final(&scratch->hash, scratch->expanded);
	scratch->expanded[0] &= 248;
	scratch->expanded[31] &= 127;
	scratch->expanded[31] |= 64;
	memcpy(scratch->wide, scratch->expanded, 32);
	crypto_core_ed25519_scalar_reduce(scratch->scalar, scratch->wide);

	/* r = SHA-512(dom2 || prefix || M) mod L; R = rB. */
	crypto_hash_sha512_init(&scratch->hash);
	cry_dom2(&scratch->hash, prehash, context, context_length);
	crypto_hash_sha512_update(&scratch->hash, scratch->expanded + 32, 32);
	crypto_hash_sha512_update(&scratch->hash, message, length);
	crypto_hash_sha512_final(&scratch->hash, scratch->wide);
	crypto_core_ed25519_scalar_reduce(scratch->nonce, scratch->wide);
	if (crypto_scalarmult_ed25519_base_noclamp(signature, scratch->nonce) !=
	    0) {
		status = CRY_ERR_INTERNAL; /* r = 0: probability 2^-252 */
		goto done;
	}
	/* S = (r + k * s) mod L. */
	cry_dom2_challenge(prehash, context, context_length, signature,
	                   public_key, message, length, challenge);
	crypto_core_ed25519_scalar_mul(scratch->product, challenge,
	                               scratch->scalar);
	crypto_core_ed25519_scalar_add(signature + 32, scratch->nonce,
	                               scratch->product);
done:
	enc_free(buffer); /* wipes */
	return status;
}

/* RFC 8032 5.1.7 with dom2; the checks are libsodium's strict ones. */
static cry_status cry_dom2_verify(const uint8_t public_key[32], bool prehash,
                                  const uint8_t *context, size_t context_length,
                                  const uint8_t *message, size_t length,
                                  const uint8_t *signature)
{
	uint8_t wide[64] = {0};
	uint8_t reduced[32];
	uint8_t challenge[32];
	uint8_t left[32];
	uint8_t product[32];
	uint8_t right[32];

	/* S must be canonical (below L): reducing it changes nothing. */
	memcpy(wide, signature + 32, 32);
	crypto_core_ed25519_scalar_reduce(reduced, wide);
	if (memcmp(reduced, signature + 32, 32) != 0)
		return CRY_ERR_SIGNATURE;
	if (crypto_core_ed25519_is_valid_point(public_key) != 1 ||
	    crypto_core_ed25519_is_valid_point(signature) != 1)
		return CRY_ERR_SIGNATURE;
	cry_dom2_challenge(prehash, context, context_length, signature,
	                   public_key, message, length, challenge);
	/* SB == R + kA */
	if (crypto_scalarmult_ed25519_base_noclamp(left, signature + 32) != 0 ||
	    crypto_scalarmult_ed25519_noclamp(product, challenge, public_key) !=
	            0 ||
	    crypto_core_ed25519_add(right, signature, product) != 0 ||
	    sodium_memcmp(left, right, 32) != 0)
		return CRY_ERR_SIGNATURE;
	return CRY_OK;
}

/* Argument checks shared by sign_ex and verify_ex. */
static cry_status cry_ex_check(const uint8_t *context, size_t context_length,
                               const uint8_t *message, size_t length)
{
	if ((context == NULL && context_length != 0) ||
	    context_length > CRY_ED25519_MAX_CONTEXT ||
	    (message == NULL && length != 0))
		return CRY_ERR_INVALID;
	return CRY_OK;
}

cry_status cry_ed25519_sign_ex(const enc_buffer *signing_key, bool prehash,
                               const uint8_t *context, size_t context_length,
                               const uint8_t *message, size_t length,
                               uint8_t signature[64])
{
	uint8_t digest[crypto_hash_sha512_BYTES];
	cry_status status =
	        cry_ex_check(context, context_length, message, length);

	if (status != CRY_OK)
		return status;
	/* No flag, no context: pure Ed25519 (RFC 8032 advises against
	 * Ed25519ctx with an empty context). */
	if (!prehash && context_length == 0)
		return cry_ed25519_sign(signing_key, message, length,
		                        signature);
	status = cry_check_key(signing_key, crypto_sign_SECRETKEYBYTES);
	if (status != CRY_OK)
		return status;
	if (signature == NULL)
		return CRY_ERR_INVALID;
	if (message == NULL)
		message = cry_empty;
	if (prehash) {
		crypto_hash_sha512(digest, message, length);
		return cry_dom2_sign(signing_key, true, context, context_length,
		                     digest, sizeof(digest), signature);
	}
	return cry_dom2_sign(signing_key, false, context, context_length,
	                     message, length, signature);
}

cry_status cry_ed25519_verify_ex(const uint8_t public_key[32], bool prehash,
                                 const uint8_t *context, size_t context_length,
                                 const uint8_t *message, size_t length,
                                 const uint8_t *signature,
                                 size_t signature_length)
{
	uint8_t digest[crypto_hash_sha512_BYTES];
	cry_status status =
	        cry_ex_check(context, context_length, message, length);

	if (status != CRY_OK)
		return status;
	if (!prehash && context_length == 0)
		return cry_ed25519_verify(public_key, message, length,
		                          signature, signature_length);
	if (public_key == NULL || signature == NULL)
		return CRY_ERR_INVALID;
	if (signature_length != crypto_sign_BYTES)
		return CRY_ERR_SIGNATURE_LENGTH;
	if (message == NULL)
		message = cry_empty;
	if (prehash) {
		crypto_hash_sha512(digest, message, length);
		return cry_dom2_verify(public_key, true, context,
		                       context_length, digest, sizeof(digest),
		                       signature);
	}
	return cry_dom2_verify(public_key, false, context, context_length,
	                       message, length, signature);
}
