/*
 * guardhsm crypto: the cry_cipher object: the key in the enclave,
 * multi-part buffering and the length rules of the PKCS#11 length-query
 * protocol. Parameters are checked in cipher_params.c, the modes run in
 * cipher_aes.c, cipher_aead.c and key_wrap.c, single-part calls in
 * cipher_once.c.
 */
#include "config.h"

#include "crypto/cipher_internal.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static void take_params(cry_cipher *cipher, const cry_cipher_params *params)
{
	cipher->mode = params->mode;
	cipher->counter_length_bits = params->counter_length_bits;
	cipher->tag_length = params->tag_length;
	cipher->data_length = params->data_length;
	if (params->mode == CRY_CHACHA20_POLY1305)
		cipher->tag_length = 16;
	if (params->iv_length == 0)
		return;
	if (params->mode == CRY_AES_CBC || params->mode == CRY_AES_CBC_PAD ||
	    params->mode == CRY_AES_CTR) {
		memcpy(cipher->iv, params->iv, CRY_AES_BLOCK);
	} else {
		memcpy(cipher->nonce, params->iv, params->iv_length);
		cipher->nonce_length = params->iv_length;
	}
}

/* Everything but the key: parameters, nonce and AAD copies. */
static cry_status cipher_shell(size_t key_length,
                               const cry_cipher_params *params, bool encrypt,
                               cry_cipher **out)
{
	cry_cipher *cipher;
	cry_status status = cry_cipher_check(params, key_length);

	if (status != CRY_OK)
		return status;
	/* CBC and CTR keep their IV in iv, the others after the struct. */
	cipher = calloc(1, sizeof(*cipher) + params->iv_length);
	if (cipher == NULL)
		return CRY_ERR_NOMEM;
	cipher->encrypt = encrypt;
	cipher->key_length = key_length;
	cipher->sodium_gcm = cry_aead_sodium_gcm_usable(params, key_length);
	take_params(cipher, params);
	if (params->aad_length > 0) {
		cipher->aad = malloc(params->aad_length);
		if (cipher->aad == NULL) {
			cry_cipher_free(cipher);
			return CRY_ERR_NOMEM;
		}
		memcpy(cipher->aad, params->aad, params->aad_length);
		cipher->aad_length = params->aad_length;
	}
	*out = cipher;
	return CRY_OK;
}

/* Takes a key the caller has sealed or copied (sealed_key, or the status
 * of making it) into a new cipher. */
static cry_status adopt_key(cry_cipher *cipher, enc_sealed *sealed_key,
                            cry_status status, cry_cipher **out)
{
	if (status != CRY_OK) {
		enc_sealed_free(sealed_key);
		cry_cipher_free(cipher);
		return status;
	}
	cipher->sealed_key = sealed_key;
	*out = cipher;
	return CRY_OK;
}

cry_status cry_cipher_new(const enc_buffer *key,
                          const cry_cipher_params *params, bool encrypt,
                          cry_cipher **out)
{
	cry_cipher *cipher = NULL;
	enc_sealed *sealed = NULL;
	cry_status status;

	if (out == NULL)
		return CRY_ERR_INVALID;
	*out = NULL;
	status = cry_check_key(key, 0);
	if (status == CRY_OK)
		status = cipher_shell(enc_size(key), params, encrypt, &cipher);
	if (status == CRY_OK)
		status = cry_from_enclave(enc_seal(key, NULL, 0, &sealed));
	return adopt_key(cipher, sealed, status, out);
}

cry_status cry_cipher_new_sealed(const enc_sealed *key,
                                 const cry_cipher_params *params, bool encrypt,
                                 cry_cipher **out)
{
	cry_cipher *cipher = NULL;
	enc_sealed *copy = NULL;
	cry_status status;

	if (out == NULL)
		return CRY_ERR_INVALID;
	*out = NULL;
	if (key == NULL || enc_sealed_length(key) == 0)
		return CRY_ERR_KEY;
	status = cipher_shell(enc_sealed_length(key), params, encrypt, &cipher);
	/* A copy of the ciphertext: nothing is decrypted until a call needs
	 * the key. */
	if (status == CRY_OK)
		status = cry_from_enclave(enc_sealed_copy(key, &copy));
	return adopt_key(cipher, copy, status, out);
}

void cry_cipher_finish(cry_cipher *cipher)
{
	cipher->finished = true;
	cry_cipher_key_release(cipher);
	if (cipher->data != NULL) {
		sodium_memzero(cipher->data, cipher->data_used);
		free(cipher->data);
		cipher->data = NULL;
		cipher->data_used = cipher->data_capacity = 0;
	}
	sodium_memzero(cipher->block, sizeof(cipher->block));
	cipher->block_length = 0;
}

void cry_cipher_free(cry_cipher *cipher)
{
	if (cipher == NULL)
		return;
	cry_cipher_finish(cipher);
	if (cipher->aad != NULL) {
		sodium_memzero(cipher->aad, cipher->aad_length);
		free(cipher->aad);
	}
	free(cipher); /* the rest is public: IVs, lengths */
}

const enc_buffer *cry_cipher_secret_buffer(const cry_cipher *cipher)
{
	return cipher != NULL ? cipher->secret : NULL;
}

/* ---- Lengths ------------------------------------------------------------ */

size_t cry_cipher_block_release(const cry_cipher *cipher, size_t input_length)
{
	size_t total, whole;

	if (input_length > SIZE_MAX / 2)
		return SIZE_MAX; /* no buffer is that big */
	total = cipher->block_length + input_length;
	whole = total / CRY_AES_BLOCK * CRY_AES_BLOCK;
	/* CBC_PAD decryption: a ciphertext ending here ends with its
	 * padding block, which only final may decide on. */
	if (cipher->mode == CRY_AES_CBC_PAD && !cipher->encrypt &&
	    whole == total && whole > 0)
		whole -= CRY_AES_BLOCK;
	return whole;
}

size_t cry_cipher_update_length(const cry_cipher *cipher, size_t input_length)
{
	if (cipher == NULL || cipher->finished)
		return 0;
	if (cry_mode_is_block(cipher->mode))
		return cry_cipher_block_release(cipher, input_length);
	if (cipher->mode == CRY_AES_CTR)
		return input_length;
	return 0; /* AEAD: buffered; KW/KWP: no updates */
}

size_t cry_cipher_final_length(const cry_cipher *cipher)
{
	size_t tag;

	if (cipher == NULL || cipher->finished)
		return 0;
	if (cipher->mode == CRY_AES_CBC_PAD)
		return cipher->encrypt ? CRY_AES_BLOCK
		       : cipher->block_length == CRY_AES_BLOCK
		               ? CRY_AES_BLOCK - 1
		               : 0;
	if (!cry_mode_is_aead(cipher->mode))
		return 0;
	tag = cry_aead_tag_length(cipher);
	if (cipher->encrypt)
		return cipher->data_used + tag;
	return cipher->data_used > tag ? cipher->data_used - tag : 0;
}

size_t cry_cipher_total_length(const cry_cipher *cipher, size_t input_length)
{
	size_t total, tag;

	if (cipher == NULL || cipher->finished || input_length > SIZE_MAX / 2)
		return 0;
	if (cry_mode_is_wrap(cipher->mode))
		return cry_key_wrap_output_length(cipher, input_length);
	if (cry_mode_is_aead(cipher->mode)) {
		total = cipher->data_used + input_length;
		tag = cry_aead_tag_length(cipher);
		if (cipher->encrypt)
			return total + tag;
		return total > tag ? total - tag : 0;
	}
	if (cipher->mode != CRY_AES_CBC_PAD)
		return cry_cipher_update_length(cipher, input_length);
	total = cipher->block_length + input_length;
	if (cipher->encrypt)
		return total / CRY_AES_BLOCK * CRY_AES_BLOCK + CRY_AES_BLOCK;
	/* At least one byte of padding. */
	return total % CRY_AES_BLOCK == 0 && total > 0
	               ? total - 1
	               : total / CRY_AES_BLOCK * CRY_AES_BLOCK;
}

/* ---- Multi-part ---------------------------------------------------------- */

cry_status cry_cipher_buffer(cry_cipher *cipher, const uint8_t *input,
                             size_t length)
{
	if (length == 0)
		return CRY_OK;
	if (length > SIZE_MAX / 2 - cipher->data_used)
		return CRY_ERR_INVALID;
	if (length > cipher->data_capacity - cipher->data_used) {
		size_t capacity = cipher->data_capacity * 2;
		uint8_t *grown;

		if (capacity < cipher->data_used + length)
			capacity = cipher->data_used + length;
		/* realloc would leave the old block unwiped. */
		grown = malloc(capacity);
		if (grown == NULL)
			return CRY_ERR_NOMEM;
		if (cipher->data != NULL) {
			memcpy(grown, cipher->data, cipher->data_used);
			sodium_memzero(cipher->data, cipher->data_used);
			free(cipher->data);
		}
		cipher->data = grown;
		cipher->data_capacity = capacity;
	}
	memcpy(cipher->data + cipher->data_used, input, length);
	cipher->data_used += length;
	return CRY_OK;
}

static bool overlap(const uint8_t *a, size_t a_length, const uint8_t *b,
                    size_t b_length)
{
	uintptr_t a_start = (uintptr_t)a, b_start = (uintptr_t)b;

	return a_length > 0 && b_length > 0 && a_start < b_start + b_length &&
	       b_start < a_start + a_length;
}

/* ECB/CBC/CBC_PAD: whole blocks of the buffered data then the input go
 * out; what is short of a block (or the held-back block) stays. */
static cry_status block_update(cry_cipher *cipher, const uint8_t *input,
                               size_t length, uint8_t *output, size_t release)
{
	size_t head = cipher->block_length;
	size_t consumed = release - head; /* of input */
	uint8_t *copy = NULL;
	cry_status status;

	if (release == 0) {
		if (length > 0)
			memcpy(cipher->block + head, input, length);
		cipher->block_length += length;
		return CRY_OK;
	}
	/* The output runs ahead of the input by the buffered bytes: an
	 * overlapping caller buffer would be overwritten before it is read. */
	if (overlap(input, length, output, release) &&
	    (input != output || head > 0)) {
		copy = malloc(length);
		if (copy == NULL)
			return CRY_ERR_NOMEM;
		memcpy(copy, input, length);
		input = copy;
	}
	/* release >= 16 > head, or 16 == head for a held-back block */
	status = cry_aes_blocks(cipher, cipher->encrypt, cipher->iv,
	                        head > 0 ? cipher->block : NULL, head, input,
	                        consumed, output);
	cipher->block_length = length - consumed;
	if (status == CRY_OK && cipher->block_length > 0)
		memcpy(cipher->block, input + consumed, cipher->block_length);
	if (copy != NULL) {
		sodium_memzero(copy, length);
		free(copy);
	}
	return status;
}

cry_status cry_cipher_update(cry_cipher *cipher, const uint8_t *input,
                             size_t input_length, uint8_t *output,
                             size_t *output_length)
{
	size_t release;
	cry_status status;

	if (cipher == NULL || cipher->finished)
		return CRY_ERR_INVALID;
	if (output_length == NULL || (input == NULL && input_length != 0) ||
	    cry_mode_is_wrap(cipher->mode)) {
		cry_cipher_finish(cipher);
		return CRY_ERR_INVALID;
	}
	release = cry_cipher_update_length(cipher, input_length);
	if (release > 0 && (output == NULL || *output_length < release)) {
		*output_length = release;
		return CRY_ERR_BUFFER;
	}
	cipher->started = true;
	if (cry_mode_is_aead(cipher->mode))
		status = cry_cipher_buffer(cipher, input, input_length);
	else if (cipher->mode == CRY_AES_CTR)
		status = cry_aes_ctr(cipher, input, input_length, output);
	else
		status = block_update(cipher, input, input_length, output,
		                      release);
	if (status != CRY_OK) {
		cry_cipher_finish(cipher);
		return status;
	}
	*output_length = release;
	return CRY_OK;
}

/* ---- Final -------------------------------------------------------------- */

/* CBC_PAD decryption: the held-back block decides the plaintext's end. */
static cry_status cbc_pad_decrypt_final(cry_cipher *cipher, uint8_t *output,
                                        size_t *output_length)
{
	uint8_t plain[CRY_AES_BLOCK];
	uint8_t iv[CRY_AES_BLOCK];
	size_t pad, length;
	cry_status status;

	if (cipher->block_length != CRY_AES_BLOCK)
		return CRY_ERR_SIGNATURE_LENGTH;
	/* On a copy of the IV: a short buffer must leave the cipher as it
	 * was. */
	memcpy(iv, cipher->iv, sizeof(iv));
	status = cry_aes_blocks(cipher, false, iv, NULL, 0, cipher->block,
	                        CRY_AES_BLOCK, plain);
	if (status != CRY_OK)
		return status;
	pad = cry_pkcs7_pad_length(plain);
	length = CRY_AES_BLOCK - pad;
	if (pad == 0) {
		status = CRY_ERR_SIGNATURE;
	} else if (length > 0 && (output == NULL || *output_length < length)) {
		*output_length = length;
		status = CRY_ERR_BUFFER;
	} else {
		if (length > 0)
			memcpy(output, plain, length);
		*output_length = length;
	}
	sodium_memzero(plain, sizeof(plain));
	return status;
}

static cry_status block_final(cry_cipher *cipher, uint8_t *output,
                              size_t *output_length)
{
	if (cipher->mode == CRY_AES_CBC_PAD && !cipher->encrypt)
		return cbc_pad_decrypt_final(cipher, output, output_length);
	if (cipher->mode != CRY_AES_CBC_PAD) {
		if (cipher->block_length != 0)
			return cipher->encrypt ? CRY_ERR_INVALID
			                       : CRY_ERR_SIGNATURE_LENGTH;
		*output_length = 0;
		return CRY_OK;
	}
	if (output == NULL || *output_length < CRY_AES_BLOCK) {
		*output_length = CRY_AES_BLOCK;
		return CRY_ERR_BUFFER;
	}
	/* PKCS#7: 1..16 bytes, each the pad's length. */
	memset(cipher->block + cipher->block_length,
	       (int)(CRY_AES_BLOCK - cipher->block_length),
	       CRY_AES_BLOCK - cipher->block_length);
	*output_length = CRY_AES_BLOCK;
	return cry_aes_blocks(cipher, true, cipher->iv, NULL, 0, cipher->block,
	                      CRY_AES_BLOCK, output);
}

static cry_status aead_final(cry_cipher *cipher, uint8_t *output,
                             size_t *output_length)
{
	size_t tag = cry_aead_tag_length(cipher);
	size_t length;
	cry_status status = cry_aead_check_length(cipher, cipher->data_used);

	if (status != CRY_OK)
		return status;
	length = cipher->encrypt ? cipher->data_used + tag
	                         : cipher->data_used - tag;
	if (length > 0 && (output == NULL || *output_length < length)) {
		*output_length = length;
		return CRY_ERR_BUFFER;
	}
	if (cipher->encrypt) {
		status = cry_aead_encrypt(cipher, cipher->data,
		                          cipher->data_used, output);
	} else {
		/* In place in our buffer: the caller sees verified plaintext
		 * or nothing. */
		status = cry_aead_decrypt(cipher, cipher->data,
		                          cipher->data_used, cipher->data);
		if (status == CRY_OK && length > 0)
			memcpy(output, cipher->data, length);
	}
	if (status == CRY_OK)
		*output_length = length;
	return status;
}

cry_status cry_cipher_final(cry_cipher *cipher, uint8_t *output,
                            size_t *output_length)
{
	cry_status status;

	if (cipher == NULL || cipher->finished)
		return CRY_ERR_INVALID;
	if (output_length == NULL) {
		status = CRY_ERR_INVALID;
	} else if (cry_mode_is_block(cipher->mode)) {
		status = block_final(cipher, output, output_length);
	} else if (cry_mode_is_aead(cipher->mode)) {
		status = aead_final(cipher, output, output_length);
	} else if (cipher->mode == CRY_AES_CTR) {
		*output_length = 0;
		status = CRY_OK;
	} else {
		status = CRY_ERR_INVALID; /* KW/KWP: cry_cipher_once */
	}
	if (status != CRY_ERR_BUFFER)
		cry_cipher_finish(cipher);
	return status;
}
