/*
 * guardhsm crypto: RSA encryption (PKCS#1 v1.5 type 2, OAEP, raw).
 *
 * Encryption may be of a key being wrapped, so the padded message is made
 * in an enclave buffer and raised to e with BIGNUMs in the secure heap.
 * Decryption writes into an enclave buffer of k bytes, then moves the
 * plaintext into one of its exact length. PKCS#1 v1.5 uses OpenSSL's
 * whole private-key operation, with its own blinding and padding check
 * (implicit rejection from OpenSSL 3.2 on). OAEP and raw decryption use
 * the blinded private operation that signing uses (cry_rsa_private_raw,
 * a pair kept per thread instead of a new one per call, which OpenSSL
 * would make for a key object built in each call) and, for OAEP,
 * OpenSSL's constant-time padding check.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <limits.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <string.h>

#define CRY_PKCS1_PADDING_BYTES 11

/* The longest message the padding allows, or CRY_ERR_INVALID for bad
 * parameters (a hash too long for the key included). */
static cry_status input_limit(const cry_rsa_params *params, size_t k,
                              size_t *limit)
{
	switch (params->padding) {
	case CRY_RSA_PAD_PKCS1:
		*limit = k - CRY_PKCS1_PADDING_BYTES;
		return CRY_OK;
	case CRY_RSA_PAD_OAEP: {
		size_t hash_length = cry_hash_length(params->hash);

		if (!cry_hash_valid(params->hash) ||
		    !cry_hash_valid(params->mgf_hash) ||
		    (params->label == NULL && params->label_length != 0) ||
		    params->label_length > INT_MAX || k < 2 * hash_length + 2)
			return CRY_ERR_INVALID;
		*limit = k - 2 * hash_length - 2;
		return CRY_OK;
	}
	case CRY_RSA_PAD_NONE:
		*limit = k;
		return CRY_OK;
	default:
		return CRY_ERR_INVALID;
	}
}

/* The padded message into encoded (k bytes of enclave memory). */
static cry_status pad(const cry_rsa_params *params, const uint8_t *input,
                      size_t input_length, const uint8_t *modulus, size_t k,
                      uint8_t *encoded)
{
	static const uint8_t nothing[1];
	int done = 0;

	if (input == NULL)
		input = nothing;
	switch (params->padding) {
	case CRY_RSA_PAD_PKCS1:
		done = RSA_padding_add_PKCS1_type_2(encoded, (int)k, input,
		                                    (int)input_length);
		break;
	case CRY_RSA_PAD_OAEP:
		done = RSA_padding_add_PKCS1_OAEP_mgf1(
		        encoded, (int)k, input, (int)input_length,
		        params->label, (int)params->label_length,
		        cry_hash_md(params->hash),
		        cry_hash_md(params->mgf_hash));
		break;
	default: /* CRY_RSA_PAD_NONE */
		memset(encoded, 0, k - input_length);
		memcpy(encoded + k - input_length, input, input_length);
		if (!cry_rsa_less(encoded, modulus, k))
			return CRY_ERR_INVALID;
		done = 1;
		break;
	}
	return done == 1 ? CRY_OK : CRY_ERR_INTERNAL;
}

/* output = encoded^e mod n, the message in the secure heap throughout. */
static cry_status encrypt_block(RSA *rsa, const uint8_t *encoded, size_t k,
                                uint8_t *output)
{
	const BIGNUM *n, *e;
	cry_status status = CRY_ERR_NOMEM;

	RSA_get0_key(rsa, &n, &e, NULL);
	BN_CTX *context = BN_CTX_secure_new();
	if (context == NULL)
		return status;
	BN_CTX_start(context);
	BIGNUM *message = BN_CTX_get(context);
	BIGNUM *result = BN_CTX_get(context);
	if (result != NULL) {
		BN_set_flags(message, BN_FLG_CONSTTIME);
		status = BN_bin2bn(encoded, (int)k, message) != NULL &&
		                         BN_mod_exp_mont(result, message, e, n,
		                                         context, NULL) &&
		                         BN_bn2binpad(result, output, (int)k) ==
		                                 (int)k
		                 ? CRY_OK
		                 : CRY_ERR_INTERNAL;
	}
	BN_CTX_end(context);
	BN_CTX_free(context);
	return status;
}

cry_status cry_rsa_encrypt(const uint8_t *modulus, size_t modulus_length,
                           const uint8_t *exponent, size_t exponent_length,
                           const cry_rsa_params *params, const uint8_t *input,
                           size_t input_length, uint8_t *output,
                           size_t *output_length)
{
	enc_buffer *encoded = NULL;
	RSA *rsa = NULL;
	size_t k, limit;

	if (params == NULL || output_length == NULL ||
	    (input == NULL && input_length != 0))
		return CRY_ERR_INVALID;
	cry_status status = cry_rsa_public(modulus, modulus_length, exponent,
	                                   exponent_length, &rsa, &k);
	if (status != CRY_OK)
		return status;
	status = input_limit(params, k, &limit);
	if (status == CRY_OK && input_length > limit)
		status = CRY_ERR_INVALID;
	if (status == CRY_OK && (output == NULL || *output_length < k)) {
		*output_length = k;
		status = CRY_ERR_BUFFER;
	}
	if (status == CRY_OK)
		status = cry_from_enclave(enc_alloc(k, 0, &encoded));
	if (status == CRY_OK)
		status = pad(params, input, input_length,
		             modulus + (modulus_length - k), k,
		             enc_data(encoded));
	if (status == CRY_OK)
		status = encrypt_block(rsa, enc_data(encoded), k, output);
	if (status == CRY_OK)
		*output_length = k;
	enc_free(encoded); /* wipes */
	RSA_free(rsa);
	return status;
}

/* The first length bytes of block (an enclave buffer of ours) as a new
 * READONLY enclave buffer of exactly that length; block is freed (or
 * becomes the result). An empty plaintext gives no buffer. */
static cry_status exact(enc_buffer *block, size_t length, enc_buffer **out)
{
	enc_buffer *result = NULL;
	cry_status status = CRY_OK;

	if (length == enc_size(block)) {
		result = block;
		block = NULL;
	} else if (length > 0) {
		status = cry_from_enclave(enc_alloc(length, 0, &result));
		if (status == CRY_OK)
			memcpy(enc_data(result), enc_data(block), length);
	}
	enc_free(block);
	if (status == CRY_OK && result != NULL)
		status = cry_from_enclave(enc_protect(result, ENC_READONLY));
	if (status != CRY_OK) {
		enc_free(result);
		return status;
	}
	*out = result;
	return CRY_OK;
}

/* OpenSSL's private-key operation into the enclave: the plaintext's
 * length, or -1 for a ciphertext that is not valid. */
static int decrypt_into(RSA *rsa, const cry_rsa_key *key,
                        const cry_rsa_params *params, const uint8_t *input,
                        size_t k, enc_buffer *block, enc_buffer *message)
{
	if (params->padding == CRY_RSA_PAD_PKCS1)
		return RSA_private_decrypt((int)k, input, enc_data(message),
		                           rsa, RSA_PKCS1_PADDING);
	/* c >= n included: not a valid ciphertext. */
	if (cry_rsa_private_raw(rsa, key, input, enc_data(block)) != CRY_OK)
		return -1;
	if (params->padding == CRY_RSA_PAD_NONE) {
		memcpy(enc_data(message), enc_data(block), k);
		return (int)k;
	}
	return RSA_padding_check_PKCS1_OAEP_mgf1(
	        enc_data(message), (int)k, enc_data(block), (int)k, (int)k,
	        params->label, (int)params->label_length,
	        cry_hash_md(params->hash), cry_hash_md(params->mgf_hash));
}

cry_status cry_rsa_decrypt(const enc_buffer *packed,
                           const cry_rsa_params *params, const uint8_t *input,
                           size_t input_length, enc_buffer **plaintext)
{
	enc_buffer *block = NULL;
	enc_buffer *message = NULL;
	cry_rsa_key key;
	size_t limit;

	if (params == NULL || plaintext == NULL || input == NULL)
		return CRY_ERR_INVALID;
	*plaintext = NULL;
	cry_status status = cry_rsa_read(packed, &key);
	if (status != CRY_OK)
		return status;
	size_t k = key.modulus_bytes;
	status = input_limit(params, k, &limit);
	if (status != CRY_OK)
		return status;
	if (input_length != k)
		return CRY_ERR_INVALID;
	/* PKCS#1 v1.5: OpenSSL blinds; the others: cry_rsa_private_raw. */
	RSA *rsa = cry_rsa_private(&key, params->padding != CRY_RSA_PAD_PKCS1);
	if (rsa == NULL)
		return CRY_ERR_NOMEM;
	status = cry_from_enclave(enc_alloc(k, 0, &block));
	if (status == CRY_OK)
		status = cry_from_enclave(enc_alloc(k, 0, &message));
	if (status == CRY_OK) {
		/* A ciphertext not below n, or with bad padding, is only
		 * invalid data: drop OpenSSL's errors about it. */
		ERR_set_mark();
		int length = decrypt_into(rsa, &key, params, input, k, block,
		                          message);
		ERR_pop_to_mark();
		if (length < 0) {
			status = CRY_ERR_SIGNATURE;
		} else {
			status = exact(message, (size_t)length, plaintext);
			message = NULL;
		}
	}
	enc_free(block);
	enc_free(message);
	RSA_free(rsa); /* clears the private BIGNUMs */
	return status;
}
