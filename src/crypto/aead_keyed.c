/*
 * guardhsm crypto: an AEAD key held open for a run of messages, for
 * PKCS#11 3.0 message-based encryption (C_MessageEncryptInit ...
 * C_MessageEncryptFinal is one operation over many messages).
 *
 * The key is opened from its sealed form once, when the run starts, into
 * an enclave buffer (locked, no-dump, guard-paged slab) that stays
 * READWRITE until cry_aead_key_free wipes it; for AES-256 on a CPU with
 * AES-NI and PCLMULQDQ a second enclave buffer holds libsodium's expanded
 * AES-256-GCM state. Each message then costs only the AEAD itself: no
 * unsealing, no key expansion, no system call.
 *
 * Messages that libsodium's AES-GCM cannot take (AES-128/192, IVs other
 * than 12 bytes, tags shorter than 16 bytes) go through a one-message
 * cry_cipher keyed from the open key (OpenSSL's context, freed in the
 * call, as for C_Encrypt).
 */
#include "config.h"

#include "crypto/cipher_internal.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct cry_aead_key {
	cry_cipher_mode mode;
	enc_buffer *key;   /* the key itself */
	enc_buffer *state; /* AES-256-GCM: libsodium's state, or NULL */
};

cry_status cry_aead_key_open(const enc_sealed *sealed, cry_cipher_mode mode,
                             cry_aead_key **out)
{
	cry_aead_key *key;
	size_t length = enc_sealed_length(sealed);
	cry_status status;

	if (out == NULL)
		return CRY_ERR_INVALID;
	*out = NULL;
	if (mode != CRY_AES_GCM && mode != CRY_CHACHA20_POLY1305)
		return CRY_ERR_INVALID;
	if (sealed == NULL ||
	    (mode == CRY_AES_GCM
	             ? length != 16 && length != 24 && length != 32
	             : length != crypto_aead_chacha20poly1305_KEYBYTES))
		return CRY_ERR_KEY;
	key = calloc(1, sizeof(*key));
	if (key == NULL)
		return CRY_ERR_NOMEM;
	key->mode = mode;
	status = cry_from_enclave(enc_alloc(length, 0, &key->key));
	if (status == CRY_OK)
		status = cry_from_enclave(
		        enc_open_into(sealed, NULL, 0, key->key));
	if (status == CRY_OK && mode == CRY_AES_GCM &&
	    length == crypto_aead_aes256gcm_KEYBYTES &&
	    crypto_aead_aes256gcm_is_available()) {
		status = cry_from_enclave(
		        enc_alloc(cry_aead_sodium_gcm_state_size(),
		                  ENC_ALLOC_ALIGNED, &key->state));
		if (status == CRY_OK &&
		    crypto_aead_aes256gcm_beforenm(enc_data(key->state),
		                                   enc_data(key->key)) != 0)
			status = CRY_ERR_INTERNAL;
		enc_wipe_vector_registers();
	}
	if (status != CRY_OK) {
		cry_aead_key_free(key);
		return status;
	}
	*out = key;
	return CRY_OK;
}

void cry_aead_key_free(cry_aead_key *key)
{
	if (key == NULL)
		return;
	enc_free(key->state); /* wipes */
	enc_free(key->key);
	free(key);
}

static cry_status check_message(const cry_aead_key *key,
                                const cry_aead_message *message,
                                const uint8_t *in, size_t length,
                                const uint8_t *out, const uint8_t *tag)
{
	if (key == NULL || message == NULL || tag == NULL ||
	    (length > 0 && (in == NULL || out == NULL)) ||
	    (message->aad_length > 0 && message->aad == NULL) ||
	    message->nonce == NULL)
		return CRY_ERR_INVALID;
	if (key->mode == CRY_CHACHA20_POLY1305)
		return message->tag_length == crypto_aead_chacha20poly1305_ietf_ABYTES &&
		                       (message->nonce_length == 8 ||
		                        message->nonce_length == 12 ||
		                        message->nonce_length == 24)
		               ? CRY_OK
		               : CRY_ERR_INVALID;
	return CRY_OK; /* GCM: cry_cipher_check rules, on the slow path */
}

static bool sodium_gcm_message(const cry_aead_key *key,
                               const cry_aead_message *message)
{
	return key->state != NULL &&
	       message->nonce_length == crypto_aead_aes256gcm_NPUBBYTES &&
	       message->tag_length == crypto_aead_aes256gcm_ABYTES;
}

static int chacha_encrypt(const cry_aead_key *key,
                          const cry_aead_message *message, const uint8_t *in,
                          size_t length, uint8_t *out, uint8_t *tag)
{
	const uint8_t *k = enc_data(key->key);

	if (message->nonce_length == 8)
		return crypto_aead_chacha20poly1305_encrypt_detached(
		        out, tag, NULL, in, length, message->aad,
		        message->aad_length, NULL, message->nonce, k);
	if (message->nonce_length == 12)
		return crypto_aead_chacha20poly1305_ietf_encrypt_detached(
		        out, tag, NULL, in, length, message->aad,
		        message->aad_length, NULL, message->nonce, k);
	return crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
	        out, tag, NULL, in, length, message->aad, message->aad_length,
	        NULL, message->nonce, k);
}

static int chacha_decrypt(const cry_aead_key *key,
                          const cry_aead_message *message, const uint8_t *in,
                          size_t length, const uint8_t *tag, uint8_t *out)
{
	const uint8_t *k = enc_data(key->key);

	if (message->nonce_length == 8)
		return crypto_aead_chacha20poly1305_decrypt_detached(
		        out, NULL, in, length, tag, message->aad,
		        message->aad_length, message->nonce, k);
	if (message->nonce_length == 12)
		return crypto_aead_chacha20poly1305_ietf_decrypt_detached(
		        out, NULL, in, length, tag, message->aad,
		        message->aad_length, message->nonce, k);
	return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
	        out, NULL, in, length, tag, message->aad, message->aad_length,
	        message->nonce, k);
}

/* Any other GCM message: a one-message cry_cipher over ciphertext || tag
 * in a scratch buffer (caller data only: the key stays in the enclave). */
static cry_status gcm_by_cipher(const cry_aead_key *key,
                                const cry_aead_message *message, bool encrypt,
                                const uint8_t *in, size_t length, uint8_t *tag,
                                uint8_t *out)
{
	cry_cipher_params params = {
	        .mode = CRY_AES_GCM,
	        .iv = message->nonce,
	        .iv_length = message->nonce_length,
	        .aad = message->aad,
	        .aad_length = message->aad_length,
	        .tag_length = message->tag_length,
	};
	size_t whole = length + message->tag_length, written = whole;
	uint8_t *scratch;
	cry_cipher *cipher = NULL;
	cry_status status;

	if (length > SIZE_MAX / 2)
		return CRY_ERR_INVALID;
	scratch = malloc(whole > 0 ? whole : 1);
	if (scratch == NULL)
		return CRY_ERR_NOMEM;
	status = cry_cipher_new(key->key, &params, encrypt, &cipher);
	if (status == CRY_OK && encrypt) {
		status = cry_cipher_once(cipher, in, length, scratch, &written);
		if (status == CRY_OK && written == whole) {
			if (length > 0)
				memcpy(out, scratch, length);
			memcpy(tag, scratch + length, message->tag_length);
		} else if (status == CRY_OK) {
			status = CRY_ERR_INTERNAL;
		}
	} else if (status == CRY_OK) {
		uint8_t *plain = length > 0 ? out : scratch;

		if (length > 0)
			memcpy(scratch, in, length);
		memcpy(scratch + length, tag, message->tag_length);
		written = length;
		status = cry_cipher_once(cipher, scratch, whole, plain,
		                         &written);
	}
	cry_cipher_free(cipher);
	sodium_memzero(scratch, whole);
	free(scratch);
	return status;
}

cry_status cry_aead_seal_message(cry_aead_key *key,
                                 const cry_aead_message *message,
                                 const uint8_t *in, size_t length, uint8_t *out,
                                 uint8_t *tag)
{
	static const uint8_t empty[1];
	uint8_t spare[1];
	cry_status status = check_message(key, message, in, length, out, tag);
	int result;

	if (status != CRY_OK)
		return status;
	if (in == NULL)
		in = empty;
	if (out == NULL)
		out = spare; /* an empty message */
	if (key->mode == CRY_AES_GCM && !sodium_gcm_message(key, message))
		return gcm_by_cipher(key, message, true, in, length, tag, out);
	if (key->mode == CRY_AES_GCM) {
		result = crypto_aead_aes256gcm_encrypt_detached_afternm(
		        out, tag, NULL, in, length, message->aad,
		        message->aad_length, NULL, message->nonce,
		        enc_data(key->state));
		enc_wipe_vector_registers();
	} else {
		result = chacha_encrypt(key, message, in, length, out, tag);
	}
	return result == 0 ? CRY_OK : CRY_ERR_INVALID;
}

cry_status cry_aead_open_message(cry_aead_key *key,
                                 const cry_aead_message *message,
                                 const uint8_t *in, size_t length,
                                 const uint8_t *tag, uint8_t *out)
{
	static const uint8_t empty[1];
	uint8_t tag_copy[CRY_AEAD_MAX_TAG], spare[1];
	cry_status status = check_message(key, message, in, length, out, tag);
	int result;

	if (status != CRY_OK)
		return status;
	if (message->tag_length > sizeof(tag_copy))
		return CRY_ERR_INVALID;
	if (in == NULL)
		in = empty;
	if (out == NULL)
		out = spare; /* an empty message */
	/* A copy, in case the caller's tag shares memory with out. */
	memcpy(tag_copy, tag, message->tag_length);
	if (key->mode == CRY_AES_GCM && !sodium_gcm_message(key, message)) {
		status = gcm_by_cipher(key, message, false, in, length,
		                       tag_copy, out);
	} else {
		if (key->mode == CRY_AES_GCM) {
			result = crypto_aead_aes256gcm_decrypt_detached_afternm(
			        out, NULL, in, length, tag_copy, message->aad,
			        message->aad_length, message->nonce,
			        enc_data(key->state));
			enc_wipe_vector_registers();
		} else {
			result = chacha_decrypt(key, message, in, length,
			                        tag_copy, out);
		}
		status = result == 0 ? CRY_OK : CRY_ERR_SIGNATURE;
	}
	/* The caller sees verified plaintext or zeros. */
	if (status != CRY_OK && length > 0)
		sodium_memzero(out, length);
	return status;
}
