/*
 * guardhsm crypto: the ANSI X9.63 KDF (SEC 1 section 3.6.1) for
 * CKM_ECDH1_DERIVE with CKD_SHA*_KDF, and HKDF (RFC 5869) for
 * CKM_HKDF_DERIVE / CKM_HKDF_DATA.
 */
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <openssl/evp.h>
#include <string.h>

/* One block H(Z || counter || shared_info) into out. SHA-1/SHA-2 run on
 * a state in the enclave; SHA-3 on an OpenSSL context that lives only
 * in this call and is cleansed when freed. */
static cry_status cry_x963_block(cry_hash hash, const enc_buffer *secret,
                                 const uint8_t counter[4], const uint8_t *info,
                                 size_t info_length, void *state, uint8_t *out)
{
	EVP_MD_CTX *context;
	cry_status status = CRY_ERR_INTERNAL;

	if (!cry_hash_is_sha3(hash)) {
		cry_sha_init(hash, state);
		cry_sha_update(hash, state, enc_data(secret), enc_size(secret));
		cry_sha_update(hash, state, counter, 4);
		cry_sha_update(hash, state, info, info_length);
		cry_sha_final(hash, state, out);
		return CRY_OK;
	}
	context = EVP_MD_CTX_new();
	if (context == NULL)
		return CRY_ERR_NOMEM;
	if (EVP_DigestInit_ex(context, cry_hash_md(hash), NULL) == 1 &&
	    EVP_DigestUpdate(context, enc_data(secret), enc_size(secret)) ==
	            1 &&
	    EVP_DigestUpdate(context, counter, 4) == 1 &&
	    (info_length == 0 ||
	     EVP_DigestUpdate(context, info, info_length) == 1) &&
	    EVP_DigestFinal_ex(context, out, NULL) == 1)
		status = CRY_OK;
	EVP_MD_CTX_free(context);
	return status;
}

cry_status cry_x963_kdf(cry_hash hash, const enc_buffer *shared_secret,
                        const uint8_t *shared_info, size_t info_length,
                        size_t out_length, enc_buffer **out)
{
	size_t hash_length = cry_hash_length(hash);
	enc_buffer *result = NULL;
	enc_buffer *scratch = NULL;
	uint8_t *state;
	uint8_t *block;
	cry_status status;
	uint32_t counter = 1;

	if (out == NULL)
		return CRY_ERR_INVALID;
	*out = NULL;
	if (!cry_hash_valid(hash) || out_length == 0 ||
	    (shared_info == NULL && info_length != 0) ||
	    out_length / hash_length >= UINT32_MAX)
		return CRY_ERR_INVALID;
	status = cry_check_key(shared_secret, 0);
	if (status != CRY_OK)
		return status;
	status = cry_from_enclave(enc_alloc(out_length, 0, &result));
	if (status != CRY_OK)
		return status;
	/* A hash state and one block for the last, partial output. */
	status = cry_from_enclave(
	        enc_alloc(cry_sha_state_size() + CRY_MAX_HASH_LENGTH,
	                  ENC_ALLOC_ALIGNED, &scratch));
	if (status != CRY_OK)
		goto done;
	state = enc_data(scratch);
	block = state + cry_sha_state_size();
	for (size_t produced = 0; produced < out_length; counter++) {
		uint8_t big_endian[4] = {
		        (uint8_t)(counter >> 24), (uint8_t)(counter >> 16),
		        (uint8_t)(counter >> 8), (uint8_t)counter};
		size_t take = out_length - produced;
		uint8_t *target = (uint8_t *)enc_data(result) + produced;

		if (take >= hash_length) {
			take = hash_length;
			block = target; /* straight into the result */
		} else {
			block = state + cry_sha_state_size();
		}
		status = cry_x963_block(hash, shared_secret, big_endian,
		                        shared_info, info_length, state, block);
		if (status != CRY_OK)
			goto done;
		if (block != target)
			memcpy(target, block, take);
		produced += take;
	}
	status = cry_from_enclave(enc_protect(result, ENC_READONLY));
done:
	enc_free(scratch); /* wipes */
	if (status == CRY_OK)
		*out = result;
	else
		enc_free(result);
	return status;
}

/* ---- HKDF (RFC 5869) ---------------------------------------------------- */

/* HKDF-Extract: PRK = HMAC(salt, IKM) into a new enclave buffer. A public
 * salt is copied into a small enclave buffer first, because the HMAC
 * takes its key only from the enclave; no salt is HashLen zeros. */
static cry_status cry_hkdf_extract(cry_hash hash, const enc_buffer *ikm,
                                   const uint8_t *salt, size_t salt_length,
                                   const enc_buffer *salt_key, enc_buffer **prk)
{
	size_t hash_length = cry_hash_length(hash);
	enc_buffer *salt_copy = NULL;
	enc_buffer *result = NULL;
	cry_hmac *hmac = NULL;
	cry_status status;

	if (salt_key == NULL) {
		status = cry_from_enclave(
		        enc_alloc(salt_length != 0 ? salt_length : hash_length,
		                  0, &salt_copy)); /* zeroed */
		if (status != CRY_OK)
			return status;
		if (salt_length != 0)
			memcpy(enc_data(salt_copy), salt, salt_length);
		salt_key = salt_copy;
	}
	status = cry_from_enclave(enc_alloc(hash_length, 0, &result));
	if (status == CRY_OK)
		status = cry_hmac_new(hash, salt_key, &hmac);
	enc_free(salt_copy);
	if (status == CRY_OK)
		status = cry_hmac_update(hmac, enc_data(ikm), enc_size(ikm));
	if (status == CRY_OK)
		status = cry_hmac_final(hmac, enc_data(result));
	cry_hmac_free(hmac);
	if (status == CRY_OK)
		status = cry_from_enclave(enc_protect(result, ENC_READONLY));
	if (status != CRY_OK) {
		enc_free(result);
		return status;
	}
	*prk = result;
	return CRY_OK;
}

/* One block T(i) = HMAC(PRK, T(i-1) || info || i) into block (enclave
 * memory); previous is NULL for T(1). */
static cry_status cry_hkdf_block(cry_hash hash, const enc_buffer *prk,
                                 const uint8_t *previous, const uint8_t *info,
                                 size_t info_length, uint8_t counter,
                                 uint8_t *block)
{
	cry_hmac *hmac = NULL;
	cry_status status = cry_hmac_new(hash, prk, &hmac);

	if (status == CRY_OK && previous != NULL)
		status = cry_hmac_update(hmac, previous, cry_hash_length(hash));
	if (status == CRY_OK)
		status = cry_hmac_update(hmac, info, info_length);
	if (status == CRY_OK)
		status = cry_hmac_update(hmac, &counter, 1);
	if (status == CRY_OK)
		status = cry_hmac_final(hmac, block);
	cry_hmac_free(hmac);
	return status;
}

/* HKDF-Expand: OKM = T(1) || T(2) ... truncated to out_length. Whole
 * blocks go straight into the result, the last partial one through an
 * enclave scratch block; T(i-1) is read back from the result. */
static cry_status cry_hkdf_expand(cry_hash hash, const enc_buffer *prk,
                                  const uint8_t *info, size_t info_length,
                                  size_t out_length, enc_buffer **out)
{
	size_t hash_length = cry_hash_length(hash);
	enc_buffer *result = NULL;
	enc_buffer *scratch = NULL;
	const uint8_t *previous = NULL;
	cry_status status;
	uint8_t counter = 1;

	status = cry_from_enclave(enc_alloc(out_length, 0, &result));
	if (status != CRY_OK)
		return status;
	for (size_t produced = 0; produced < out_length; counter++) {
		uint8_t *target = (uint8_t *)enc_data(result) + produced;
		size_t take = out_length - produced;
		uint8_t *block = target;

		if (take < hash_length) {
			status = cry_from_enclave(
			        enc_alloc(hash_length, 0, &scratch));
			if (status != CRY_OK)
				goto done;
			block = enc_data(scratch);
		} else {
			take = hash_length;
		}
		status = cry_hkdf_block(hash, prk, previous, info, info_length,
		                        counter, block);
		if (status != CRY_OK)
			goto done;
		if (block != target)
			memcpy(target, block, take);
		previous = target;
		produced += take;
	}
	status = cry_from_enclave(enc_protect(result, ENC_READONLY));
done:
	enc_free(scratch); /* wipes */
	if (status == CRY_OK)
		*out = result;
	else
		enc_free(result);
	return status;
}

cry_status cry_hkdf(cry_hash hash, const enc_buffer *ikm, bool extract,
                    bool expand, const uint8_t *salt, size_t salt_length,
                    const enc_buffer *salt_key, const uint8_t *info,
                    size_t info_length, size_t out_length, enc_buffer **out)
{
	size_t hash_length;
	enc_buffer *prk = NULL;
	cry_status status;

	if (out == NULL)
		return CRY_ERR_INVALID;
	*out = NULL;
	/* SHA-3's HMAC keeps its state in OpenSSL's memory, not ours. */
	if (!cry_hash_valid(hash) || cry_hash_is_sha3(hash) ||
	    (!extract && !expand))
		return CRY_ERR_INVALID;
	hash_length = cry_hash_length(hash);
	if ((salt == NULL && salt_length != 0) ||
	    (salt_key != NULL && salt_length != 0) ||
	    (info == NULL && info_length != 0))
		return CRY_ERR_INVALID;
	if (expand ? out_length == 0 || out_length > 255 * hash_length
	           : out_length != 0 && out_length != hash_length)
		return CRY_ERR_INVALID;
	status = cry_check_key(ikm, 0);
	if (status == CRY_OK && extract && salt_key != NULL)
		status = cry_check_key(salt_key, 0);
	if (status != CRY_OK)
		return status;
	/* Expand alone takes the key as PRK, which RFC 5869 section 2.3
	 * wants at least HashLen long. */
	if (!extract && enc_size(ikm) < hash_length)
		return CRY_ERR_KEY;

	if (!extract)
		return cry_hkdf_expand(hash, ikm, info, info_length, out_length,
		                       out);
	status = cry_hkdf_extract(hash, ikm, salt, salt_length, salt_key, &prk);
	if (status != CRY_OK || !expand) {
		*out = prk;
		return status;
	}
	status = cry_hkdf_expand(hash, prk, info, info_length, out_length, out);
	enc_free(prk); /* wipes */
	return status;
}
