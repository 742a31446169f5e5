/*
 * guardhsm crypto: the ANSI X9.63 KDF (SEC 1 section 3.6.1) for
 * CKM_ECDH1_DERIVE with CKD_SHA*_KDF.
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
