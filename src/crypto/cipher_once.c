/*
 * guardhsm crypto: single-part ciphers: cry_cipher_once (C_Encrypt /
 * C_Decrypt, the only way to KW/KWP through a cry_cipher), and the key
 * wrapping calls whose secret side is an enclave buffer
 * (cry_cipher_encrypt_secret reads it in place, cry_cipher_decrypt_secret
 * decrypts straight into a new one).
 */
#include "config.h"

#include "crypto/cipher_internal.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The exact output of a whole message of length bytes, where it can be
 * known before the work: everything but CBC_PAD and KWP decryption
 * (there it is the most). A length the mode cannot take: CRY_ERR_INVALID
 * encrypting, CRY_ERR_SIGNATURE_LENGTH decrypting. Reads only the
 * cipher's parameters. */
static cry_status whole_length(const cry_cipher *cipher, size_t length,
                               size_t *out)
{
	cry_status wrong =
	        cipher->encrypt ? CRY_ERR_INVALID : CRY_ERR_SIGNATURE_LENGTH;
	cry_status status;

	*out = 0;
	if (length > SIZE_MAX / 2)
		return CRY_ERR_INVALID;
	switch (cipher->mode) {
	case CRY_AES_ECB:
	case CRY_AES_CBC:
		if (length % CRY_AES_BLOCK != 0)
			return wrong;
		*out = length;
		return CRY_OK;
	case CRY_AES_CBC_PAD:
		if (cipher->encrypt) {
			*out = length / CRY_AES_BLOCK * CRY_AES_BLOCK +
			       CRY_AES_BLOCK;
			return CRY_OK;
		}
		if (length % CRY_AES_BLOCK != 0 || length == 0)
			return wrong;
		*out = length;
		return CRY_OK;
	case CRY_AES_CTR:
		*out = length;
		return cry_aes_ctr_check(cipher, length);
	case CRY_AES_KEY_WRAP:
	case CRY_AES_KEY_WRAP_PAD:
		*out = cry_key_wrap_output_length(cipher, length);
		return *out == 0 ? wrong : CRY_OK;
	default:
		status = cry_aead_check_length(cipher, length);
		if (status != CRY_OK)
			return status;
		*out = cipher->encrypt ? length + cry_aead_tag_length(cipher)
		                       : length - cry_aead_tag_length(cipher);
		return CRY_OK;
	}
}

static cry_status buffer_too_small(size_t needed, const uint8_t *output,
                                   size_t *output_length)
{
	if (needed > 0 && (output == NULL || *output_length < needed)) {
		*output_length = needed;
		return CRY_ERR_BUFFER;
	}
	return CRY_OK;
}

/* CBC_PAD decryption: the last block's plaintext (it depends only on the
 * last two ciphertext blocks), so the exact length is known first. */
static cry_status cbc_pad_last_block(cry_cipher *cipher, const uint8_t *input,
                                     size_t length,
                                     uint8_t plain[CRY_AES_BLOCK], size_t *pad)
{
	uint8_t iv[CRY_AES_BLOCK];
	cry_status status;

	memcpy(iv,
	       length == CRY_AES_BLOCK ? cipher->iv
	                               : input + length - 2 * CRY_AES_BLOCK,
	       sizeof(iv));
	status = cry_aes_blocks(cipher, false, iv, NULL, 0,
	                        input + length - CRY_AES_BLOCK, CRY_AES_BLOCK,
	                        plain);
	*pad = status == CRY_OK ? cry_pkcs7_pad_length(plain) : 0;
	if (status == CRY_OK && *pad == 0)
		status = CRY_ERR_SIGNATURE;
	return status;
}

static cry_status once_cbc_pad_decrypt(cry_cipher *cipher, const uint8_t *input,
                                       size_t length, uint8_t *output,
                                       size_t *output_length)
{
	uint8_t last[CRY_AES_BLOCK];
	size_t pad, body = length - CRY_AES_BLOCK;
	cry_status status =
	        cbc_pad_last_block(cipher, input, length, last, &pad);

	if (status == CRY_OK)
		status = buffer_too_small(length - pad, output, output_length);
	if (status == CRY_OK) {
		status = cry_aes_blocks(cipher, false, cipher->iv, NULL, 0,
		                        input, body, output);
	}
	if (status == CRY_OK) {
		memcpy(output + body, last, CRY_AES_BLOCK - pad);
		*output_length = length - pad;
	}
	sodium_memzero(last, sizeof(last));
	return status;
}

/* Unwrapping for the caller's memory: into our own first, so a failed
 * check leaves nothing in theirs, and KWP's exact length is known. */
static cry_status once_unwrap(cry_cipher *cipher, const uint8_t *input,
                              size_t length, uint8_t *output,
                              size_t *output_length)
{
	uint8_t *plain = malloc(length); /* as cry_key_wrap needs */
	size_t written = 0;
	cry_status status;

	if (plain == NULL)
		return CRY_ERR_NOMEM;
	status = cry_key_wrap(cipher, input, length, plain, &written);
	if (status == CRY_OK)
		status = buffer_too_small(written, output, output_length);
	if (status == CRY_OK) {
		memcpy(output, plain, written);
		*output_length = written;
	}
	sodium_memzero(plain, length);
	free(plain);
	return status;
}

static cry_status once_run(cry_cipher *cipher, const uint8_t *input,
                           size_t length, uint8_t *output,
                           size_t *output_length)
{
	size_t needed, written;
	cry_status status = whole_length(cipher, length, &needed);

	if (status != CRY_OK)
		return status;
	if (cipher->mode == CRY_AES_CBC_PAD && !cipher->encrypt)
		return once_cbc_pad_decrypt(cipher, input, length, output,
		                            output_length);
	if (cry_mode_is_wrap(cipher->mode) && !cipher->encrypt)
		return once_unwrap(cipher, input, length, output,
		                   output_length);
	status = buffer_too_small(needed, output, output_length);
	if (status != CRY_OK)
		return status;
	switch (cipher->mode) {
	case CRY_AES_ECB:
	case CRY_AES_CBC:
		status = cry_aes_blocks(cipher, cipher->encrypt, cipher->iv,
		                        NULL, 0, input, length, output);
		break;
	case CRY_AES_CBC_PAD:
		status = cry_aes_cbc_pad_encrypt(cipher, input, length, output);
		break;
	case CRY_AES_CTR:
		status = cry_aes_ctr(cipher, input, length, output);
		break;
	case CRY_AES_KEY_WRAP:
	case CRY_AES_KEY_WRAP_PAD:
		status = cry_key_wrap(cipher, input, length, output, &written);
		if (status == CRY_OK && written != needed)
			status = CRY_ERR_INTERNAL;
		break;
	default:
		if (cipher->encrypt) {
			status =
			        cry_aead_encrypt(cipher, input, length, output);
			break;
		}
		/* Verified before the caller sees any of it: through our
		 * buffer, in place. */
		status = cry_cipher_buffer(cipher, input, length);
		if (status == CRY_OK)
			return cry_cipher_final(cipher, output, output_length);
		break;
	}
	if (status == CRY_OK)
		*output_length = needed;
	return status;
}

cry_status cry_cipher_once(cry_cipher *cipher, const uint8_t *input,
                           size_t input_length, uint8_t *output,
                           size_t *output_length)
{
	cry_status status;

	if (cipher == NULL || cipher->finished)
		return CRY_ERR_INVALID;
	if (cipher->started || output_length == NULL ||
	    (input == NULL && input_length != 0))
		status = CRY_ERR_INVALID;
	else
		status = once_run(cipher, input, input_length, output,
		                  output_length);
	if (status == CRY_ERR_BUFFER)
		return status;
	if (!cipher->finished)
		cry_cipher_finish(cipher);
	return status;
}

/* ---- The secret side in the enclave ---------------------------------------
 */

/* Parameters as a cipher that holds no key, for the length rules. */
static cry_status secret_shape(const enc_buffer *key,
                               const cry_cipher_params *params, bool encrypt,
                               cry_cipher *shape)
{
	cry_status status;

	if (params == NULL || params->mode == CRY_AES_ECB ||
	    params->mode == CRY_AES_CTR)
		return CRY_ERR_INVALID;
	status = cry_check_key(key, 0);
	if (status == CRY_OK)
		status = cry_cipher_check(params, enc_size(key));
	if (status != CRY_OK)
		return status;
	memset(shape, 0, sizeof(*shape));
	shape->mode = params->mode;
	shape->encrypt = encrypt;
	shape->key_length = enc_size(key);
	shape->tag_length =
	        params->mode == CRY_CHACHA20_POLY1305 ? 16 : params->tag_length;
	shape->data_length = params->data_length;
	shape->nonce_length = params->iv_length;
	return CRY_OK;
}

/* CBC_PAD's input: the secret and its PKCS#7 padding in a new enclave
 * buffer, for a plain CBC cipher. Padding in OpenSSL's context would keep
 * the secret's last partial block in its (ordinary heap) buffer. */
static cry_status pad_in_enclave(const enc_buffer *secret, enc_buffer **padded)
{
	size_t length = enc_size(secret);
	size_t total = length / CRY_AES_BLOCK * CRY_AES_BLOCK + CRY_AES_BLOCK;
	cry_status status = cry_from_enclave(enc_alloc(total, 0, padded));

	if (status != CRY_OK)
		return status;
	uint8_t *data = enc_data(*padded);
	memcpy(data, enc_data(secret), length);
	memset(data + length, (int)(total - length), total - length);
	return CRY_OK;
}

cry_status cry_cipher_encrypt_secret(const enc_buffer *key,
                                     const cry_cipher_params *params,
                                     const enc_buffer *secret, uint8_t *output,
                                     size_t *output_length)
{
	cry_cipher shape;
	cry_cipher *cipher = NULL;
	enc_buffer *padded = NULL, *staging = NULL;
	size_t needed, written;
	cry_status status;

	if (output_length == NULL)
		return CRY_ERR_INVALID;
	status = secret_shape(key, params, true, &shape);
	if (status == CRY_OK)
		status = cry_check_key(secret, 0);
	if (status == CRY_OK)
		status = whole_length(&shape, enc_size(secret), &needed);
	if (status == CRY_OK)
		status = buffer_too_small(needed, output, output_length);
	if (status != CRY_OK)
		return status;
	/* The secret is read where it is (the caller keeps it readable), or
	 * from its padded copy. */
	cry_cipher_params run = *params;
	const enc_buffer *input = secret;
	if (params->mode == CRY_AES_CBC_PAD) {
		run.mode = CRY_AES_CBC;
		status = pad_in_enclave(secret, &padded);
		input = padded;
	}
	/* The ciphertext is made in an enclave buffer and only then copied
	 * out: KW and KWP encrypt in place, in their output, after moving
	 * the plaintext there, and the caller's buffer is ordinary memory. */
	if (status == CRY_OK)
		status = cry_from_enclave(enc_alloc(needed, 0, &staging));
	if (status == CRY_OK)
		status = cry_cipher_new(key, &run, true, &cipher);
	written = needed;
	if (status == CRY_OK)
		status = cry_cipher_once(cipher, enc_data(input),
		                         enc_size(input), enc_data(staging),
		                         &written);
	if (status == CRY_OK) {
		memcpy(output, enc_data(staging), written);
		*output_length = written;
	}
	cry_cipher_free(cipher);
	enc_free(staging);
	enc_free(padded);
	return status;
}

/* Decrypts into a new enclave buffer of the most the plaintext can be;
 * *length gets the plaintext's length. */
static cry_status decrypt_into(cry_cipher *cipher, const uint8_t *input,
                               size_t length, size_t most, enc_buffer *into,
                               size_t *plain_length)
{
	uint8_t *plain = enc_data(into);
	size_t pad;
	cry_status status;

	switch (cipher->mode) {
	case CRY_AES_CBC:
	case CRY_AES_CBC_PAD:
		status = cry_aes_blocks(cipher, false, cipher->iv, NULL, 0,
		                        input, length, plain);
		*plain_length = length;
		if (status != CRY_OK || cipher->mode == CRY_AES_CBC)
			return status;
		pad = cry_pkcs7_pad_length(plain + length - CRY_AES_BLOCK);
		*plain_length = length - pad;
		return pad == 0 ? CRY_ERR_SIGNATURE : CRY_OK;
	case CRY_AES_KEY_WRAP:
	case CRY_AES_KEY_WRAP_PAD:
		return cry_key_wrap(cipher, input, length, plain, plain_length);
	default:
		*plain_length = most;
		return cry_aead_decrypt(cipher, input, length, plain);
	}
}

cry_status cry_cipher_decrypt_secret(const enc_buffer *key,
                                     const cry_cipher_params *params,
                                     const uint8_t *input, size_t input_length,
                                     enc_buffer **secret)
{
	cry_cipher shape;
	cry_cipher *cipher = NULL;
	enc_buffer *first = NULL, *exact = NULL;
	size_t most, length = 0;
	cry_status status;

	if (secret == NULL)
		return CRY_ERR_INVALID;
	*secret = NULL;
	if (input == NULL && input_length != 0)
		return CRY_ERR_INVALID;
	status = secret_shape(key, params, false, &shape);
	if (status == CRY_OK)
		status = whole_length(&shape, input_length, &most);
	/* An empty secret cannot be an enclave buffer. */
	if (status == CRY_OK && most == 0)
		status = CRY_ERR_SIGNATURE_LENGTH;
	if (status == CRY_OK)
		status = cry_cipher_new(key, params, false, &cipher);
	/* KW/KWP: OpenSSL wants room for the whole input. */
	if (status == CRY_OK)
		status = cry_from_enclave(enc_alloc(
		        cry_mode_is_wrap(params->mode) ? input_length : most, 0,
		        &first));
	if (status == CRY_OK)
		status = decrypt_into(cipher, input, input_length, most, first,
		                      &length);
	if (status == CRY_OK && length == 0)
		status = CRY_ERR_SIGNATURE_LENGTH;
	if (status == CRY_OK && length != enc_size(first)) {
		/* Padding removed: an exact copy, and the first one wiped. */
		status = cry_from_enclave(enc_alloc(length, 0, &exact));
		if (status == CRY_OK)
			memcpy(enc_data(exact), enc_data(first), length);
	} else if (status == CRY_OK) {
		exact = first;
		first = NULL;
	}
	if (status == CRY_OK)
		status = cry_from_enclave(enc_protect(exact, ENC_READONLY));
	enc_free(first);
	cry_cipher_free(cipher);
	if (status != CRY_OK) {
		enc_free(exact);
		return status;
	}
	*secret = exact;
	return CRY_OK;
}
