/*
 * guardhsm crypto: HMAC (RFC 2104) with the keyed state in the enclave.
 *
 * SHA-1/SHA-2: cry_hmac_new absorbs K' ^ ipad and K' ^ opad into an inner
 * and an outer hash state held in one enclave buffer, so the key itself is
 * not kept at all; update and final open the buffer only while they run.
 * SHA-3: OpenSSL's Keccak state cannot be placed in our memory, so we keep
 * a copy of the key in the enclave, buffer the (public) message, and run
 * OpenSSL's HMAC in cry_hmac_final: its keyed state then exists only
 * during that call (in OpenSSL's secure heap and context, cleansed on
 * free).
 */
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

/* SHA-1/SHA-2 blocks are at most 128 bytes. */
#define CRY_SHA_MAX_BLOCK 128

struct cry_hmac {
	cry_hash hash;
	/* SHA-1/SHA-2: inner state, outer state, a block of scratch.
	 * SHA-3: the key. NOACCESS between calls. */
	enc_buffer *keyed;
	uint8_t *message; /* SHA-3 only */
	size_t message_length;
	size_t message_capacity;
	bool finished;
};

static uint8_t *cry_hmac_inner(cry_hmac *hmac)
{
	return enc_data(hmac->keyed);
}

static uint8_t *cry_hmac_outer(cry_hmac *hmac)
{
	return cry_hmac_inner(hmac) + cry_sha_state_size();
}

static uint8_t *cry_hmac_scratch(cry_hmac *hmac)
{
	return cry_hmac_outer(hmac) + cry_sha_state_size();
}

/* Absorbs the padded key into both states (the buffer is READWRITE). */
static void cry_hmac_key_states(cry_hmac *hmac, const enc_buffer *key)
{
	size_t block_length = cry_hash_block_length(hmac->hash);
	uint8_t *block = cry_hmac_scratch(hmac);

	/* K' is the key, or its hash if it is longer than a block, padded
	 * with zeros; the inner state serves as scratch for the hash. */
	if (enc_size(key) > block_length) {
		cry_sha_init(hmac->hash, cry_hmac_inner(hmac));
		cry_sha_update(hmac->hash, cry_hmac_inner(hmac), enc_data(key),
		               enc_size(key));
		cry_sha_final(hmac->hash, cry_hmac_inner(hmac), block);
	} else {
		memcpy(block, enc_data(key), enc_size(key));
	}
	for (size_t i = 0; i < block_length; i++)
		block[i] ^= 0x36;
	cry_sha_init(hmac->hash, cry_hmac_inner(hmac));
	cry_sha_update(hmac->hash, cry_hmac_inner(hmac), block, block_length);
	for (size_t i = 0; i < block_length; i++)
		block[i] ^= 0x36 ^ 0x5c;
	cry_sha_init(hmac->hash, cry_hmac_outer(hmac));
	cry_sha_update(hmac->hash, cry_hmac_outer(hmac), block, block_length);
	enc_wipe(block, CRY_SHA_MAX_BLOCK);
}

cry_status cry_hmac_new(cry_hash hash, const enc_buffer *key, cry_hmac **out)
{
	cry_hmac *hmac;
	size_t size;
	cry_status status;

	if (out == NULL || !cry_hash_valid(hash))
		return CRY_ERR_INVALID;
	*out = NULL;
	status = cry_check_key(key, 0);
	if (status != CRY_OK)
		return status;
	hmac = calloc(1, sizeof(*hmac));
	if (hmac == NULL)
		return CRY_ERR_NOMEM;
	hmac->hash = hash;
	size = cry_hash_is_sha3(hash)
	               ? enc_size(key)
	               : 2 * cry_sha_state_size() + CRY_SHA_MAX_BLOCK;
	status = cry_from_enclave(
	        enc_alloc(size, ENC_ALLOC_ALIGNED, &hmac->keyed));
	if (status != CRY_OK) {
		free(hmac);
		return status;
	}
	if (cry_hash_is_sha3(hash))
		memcpy(enc_data(hmac->keyed), enc_data(key), enc_size(key));
	else
		cry_hmac_key_states(hmac, key);
	status = cry_from_enclave(enc_protect(hmac->keyed, ENC_NOACCESS));
	if (status != CRY_OK) {
		cry_hmac_free(hmac);
		return status;
	}
	*out = hmac;
	return CRY_OK;
}

static cry_status cry_hmac_buffer(cry_hmac *hmac, const uint8_t *data,
                                  size_t length)
{
	if (length > hmac->message_capacity - hmac->message_length) {
		size_t capacity = hmac->message_capacity * 2;
		uint8_t *grown;

		if (capacity < hmac->message_length + length)
			capacity = hmac->message_length + length;
		if (capacity < 256)
			capacity = 256;
		grown = realloc(hmac->message, capacity);
		if (grown == NULL)
			return CRY_ERR_NOMEM;
		hmac->message = grown;
		hmac->message_capacity = capacity;
	}
	memcpy(hmac->message + hmac->message_length, data, length);
	hmac->message_length += length;
	return CRY_OK;
}

cry_status cry_hmac_update(cry_hmac *hmac, const uint8_t *data, size_t length)
{
	cry_status status;

	if (hmac == NULL || hmac->finished || (data == NULL && length != 0))
		return CRY_ERR_INVALID;
	if (length == 0)
		return CRY_OK;
	if (cry_hash_is_sha3(hmac->hash))
		return cry_hmac_buffer(hmac, data, length);
	status = cry_from_enclave(enc_protect(hmac->keyed, ENC_READWRITE));
	if (status != CRY_OK)
		return status;
	cry_sha_update(hmac->hash, cry_hmac_inner(hmac), data, length);
	return cry_from_enclave(enc_protect(hmac->keyed, ENC_NOACCESS));
}

/* HMAC-SHA-3 of the buffered message, keyed from the enclave. */
static cry_status cry_hmac_sha3_final(cry_hmac *hmac, uint8_t *mac)
{
	static const uint8_t empty[1];
	OSSL_PARAM params[2];
	EVP_MAC *algorithm;
	EVP_MAC_CTX *context = NULL;
	size_t length = 0;
	cry_status status = CRY_ERR_INTERNAL;

	params[0] = OSSL_PARAM_construct_utf8_string(
	        OSSL_MAC_PARAM_DIGEST,
	        (char *)EVP_MD_get0_name(cry_hash_md(hmac->hash)), 0);
	params[1] = OSSL_PARAM_construct_end();
	algorithm = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (algorithm == NULL)
		return CRY_ERR_INTERNAL;
	context = EVP_MAC_CTX_new(algorithm);
	if (context == NULL) {
		status = CRY_ERR_NOMEM;
		goto done;
	}
	if (enc_protect(hmac->keyed, ENC_READONLY) != ENC_OK) {
		status = CRY_ERR_ENCLAVE;
		goto done;
	}
	if (EVP_MAC_init(context, enc_data(hmac->keyed), enc_size(hmac->keyed),
	                 params) == 1 &&
	    EVP_MAC_update(context,
	                   hmac->message != NULL ? hmac->message : empty,
	                   hmac->message_length) == 1 &&
	    EVP_MAC_final(context, mac, &length, cry_hash_length(hmac->hash)) ==
	            1 &&
	    length == cry_hash_length(hmac->hash))
		status = CRY_OK;
	if (enc_protect(hmac->keyed, ENC_NOACCESS) != ENC_OK)
		status = CRY_ERR_ENCLAVE;
done:
	EVP_MAC_CTX_free(context); /* cleanses its copy of the key */
	EVP_MAC_free(algorithm);
	return status;
}

cry_status cry_hmac_final(cry_hmac *hmac, uint8_t *mac)
{
	size_t length;
	uint8_t *scratch;
	cry_status status;

	if (hmac == NULL || hmac->finished || mac == NULL)
		return CRY_ERR_INVALID;
	hmac->finished = true;
	if (cry_hash_is_sha3(hmac->hash))
		return cry_hmac_sha3_final(hmac, mac);
	status = cry_from_enclave(enc_protect(hmac->keyed, ENC_READWRITE));
	if (status != CRY_OK)
		return status;
	/* H(K' ^ opad || H(K' ^ ipad || m)) */
	length = cry_hash_length(hmac->hash);
	scratch = cry_hmac_scratch(hmac);
	cry_sha_final(hmac->hash, cry_hmac_inner(hmac), scratch);
	cry_sha_update(hmac->hash, cry_hmac_outer(hmac), scratch, length);
	cry_sha_final(hmac->hash, cry_hmac_outer(hmac), mac);
	enc_wipe(enc_data(hmac->keyed), enc_size(hmac->keyed));
	return cry_from_enclave(enc_protect(hmac->keyed, ENC_NOACCESS));
}

void cry_hmac_free(cry_hmac *hmac)
{
	if (hmac == NULL)
		return;
	enc_free(hmac->keyed); /* wipes */
	free(hmac->message);
	free(hmac);
}

cry_status cry_hmac_once(cry_hash hash, const enc_buffer *key,
                         const uint8_t *data, size_t length, uint8_t *mac)
{
	cry_hmac *hmac = NULL;
	cry_status status;

	if (mac == NULL)
		return CRY_ERR_INVALID;
	status = cry_hmac_new(hash, key, &hmac);
	if (status == CRY_OK)
		status = cry_hmac_update(hmac, data, length);
	if (status == CRY_OK)
		status = cry_hmac_final(hmac, mac);
	cry_hmac_free(hmac);
	return status;
}
