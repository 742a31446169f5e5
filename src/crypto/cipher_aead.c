/*
 * guardhsm crypto: the AEAD modes, each over the whole message in one
 * call (cry_cipher buffers the caller's data until cry_cipher_final).
 *
 * AES-256-GCM with a 96-bit IV and a 16-byte tag, where the CPU has
 * AES-NI and PCLMULQDQ: libsodium's afternm functions over the expanded
 * state, which cry_cipher_key_open builds from the sealed key in a
 * transient enclave buffer for this call (no heap context). Other GCM
 * and CCM: an OpenSSL context built from the enclave key copy and freed
 * in the same call (see cipher_aes.c). ChaCha20-Poly1305 (original,
 * IETF, XChaCha20): libsodium's detached functions, keyed straight from
 * the enclave buffer.
 *
 * Decryption never leaves unverified plaintext with the caller: it goes
 * to the plain buffer given here (the cipher's own buffer, in place, or a
 * new enclave buffer), which is wiped if the tag does not verify.
 */
#include "config.h"

#include "crypto/cipher_internal.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#define GCM_STANDARD_IV 12
/* SP 800-38D: at most 2^39 - 256 bits of plaintext. */
#define GCM_MAX_MESSAGE ((UINT64_C(1) << 36) - 32)

static const uint8_t empty[1];

bool cry_aead_sodium_gcm_usable(const cry_cipher_params *params,
                                size_t key_length)
{
	return params->mode == CRY_AES_GCM &&
	       key_length == crypto_aead_aes256gcm_KEYBYTES &&
	       params->iv_length == crypto_aead_aes256gcm_NPUBBYTES &&
	       params->tag_length == crypto_aead_aes256gcm_ABYTES &&
	       crypto_aead_aes256gcm_is_available();
}

size_t cry_aead_sodium_gcm_state_size(void)
{
	return sizeof(crypto_aead_aes256gcm_state);
}

cry_status cry_aead_sodium_gcm_expand(enc_buffer *buffer, size_t key_offset)
{
	uint8_t *state = enc_data(buffer);
	int result;

	/* libsodium stores the state with aligned SSE moves. */
	if (((uintptr_t)state & 15) != 0 ||
	    key_offset < sizeof(crypto_aead_aes256gcm_state) ||
	    enc_size(buffer) - key_offset != crypto_aead_aes256gcm_KEYBYTES)
		return CRY_ERR_INTERNAL;
	result = crypto_aead_aes256gcm_beforenm(
	        (crypto_aead_aes256gcm_state *)state, state + key_offset);
	sodium_memzero(state + key_offset, crypto_aead_aes256gcm_KEYBYTES);
	enc_wipe_vector_registers();
	return result != 0 ? CRY_ERR_INTERNAL : CRY_OK;
}

size_t cry_aead_tag_length(const cry_cipher *cipher)
{
	return cipher->mode == CRY_CHACHA20_POLY1305
	               ? crypto_aead_chacha20poly1305_ietf_ABYTES
	               : cipher->tag_length;
}

static size_t chacha_max_message(size_t nonce_length)
{
	if (nonce_length == crypto_aead_chacha20poly1305_NPUBBYTES)
		return crypto_aead_chacha20poly1305_MESSAGEBYTES_MAX;
	if (nonce_length == crypto_aead_chacha20poly1305_ietf_NPUBBYTES)
		return crypto_aead_chacha20poly1305_ietf_MESSAGEBYTES_MAX;
	return crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX;
}

cry_status cry_aead_check_length(const cry_cipher *cipher, size_t length)
{
	size_t tag = cry_aead_tag_length(cipher);
	size_t message;

	if (!cipher->encrypt && length < tag)
		return CRY_ERR_SIGNATURE_LENGTH;
	if (cipher->encrypt && length > SIZE_MAX / 2 - tag)
		return CRY_ERR_INVALID;
	message = cipher->encrypt ? length : length - tag;
	switch (cipher->mode) {
	case CRY_AES_CCM:
		/* OpenSSL takes CCM's message in one int-sized call. */
		if (message != cipher->data_length || message > INT_MAX)
			return CRY_ERR_INVALID;
		return CRY_OK;
	case CRY_AES_GCM:
		return (uint64_t)message > GCM_MAX_MESSAGE ? CRY_ERR_INVALID
		                                           : CRY_OK;
	case CRY_CHACHA20_POLY1305:
		return message > chacha_max_message(cipher->nonce_length)
		               ? CRY_ERR_INVALID
		               : CRY_OK;
	default:
		return CRY_ERR_INVALID;
	}
}

/* ---- libsodium ---------------------------------------------------------- */

static cry_status sodium_encrypt(cry_cipher *cipher, const uint8_t *in,
                                 size_t length, uint8_t *out)
{
	const uint8_t *aad = cipher->aad;
	unsigned long long aad_length = cipher->aad_length;
	uint8_t *tag = out + length;
	const uint8_t *key;
	int result;
	cry_status status = cry_cipher_key_open(cipher);

	if (status != CRY_OK)
		return status;
	key = enc_data(cipher->secret);
	if (cipher->sodium_gcm)
		result = crypto_aead_aes256gcm_encrypt_detached_afternm(
		        out, tag, NULL, in, length, aad, aad_length, NULL,
		        cipher->nonce,
		        (const crypto_aead_aes256gcm_state *)key);
	else if (cipher->nonce_length == 8)
		result = crypto_aead_chacha20poly1305_encrypt_detached(
		        out, tag, NULL, in, length, aad, aad_length, NULL,
		        cipher->nonce, key);
	else if (cipher->nonce_length == 12)
		result = crypto_aead_chacha20poly1305_ietf_encrypt_detached(
		        out, tag, NULL, in, length, aad, aad_length, NULL,
		        cipher->nonce, key);
	else
		result = crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
		        out, tag, NULL, in, length, aad, aad_length, NULL,
		        cipher->nonce, key);
	enc_wipe_vector_registers();
	cry_cipher_key_close(cipher);
	return result != 0 ? CRY_ERR_INTERNAL : CRY_OK;
}

static cry_status sodium_decrypt(cry_cipher *cipher, const uint8_t *in,
                                 size_t length, const uint8_t *tag,
                                 uint8_t *plain)
{
	const uint8_t *aad = cipher->aad;
	unsigned long long aad_length = cipher->aad_length;
	const uint8_t *key;
	int result;
	cry_status status = cry_cipher_key_open(cipher);

	if (status != CRY_OK)
		return status;
	key = enc_data(cipher->secret);
	if (cipher->sodium_gcm)
		result = crypto_aead_aes256gcm_decrypt_detached_afternm(
		        plain, NULL, in, length, tag, aad, aad_length,
		        cipher->nonce,
		        (const crypto_aead_aes256gcm_state *)key);
	else if (cipher->nonce_length == 8)
		result = crypto_aead_chacha20poly1305_decrypt_detached(
		        plain, NULL, in, length, tag, aad, aad_length,
		        cipher->nonce, key);
	else if (cipher->nonce_length == 12)
		result = crypto_aead_chacha20poly1305_ietf_decrypt_detached(
		        plain, NULL, in, length, tag, aad, aad_length,
		        cipher->nonce, key);
	else
		result = crypto_aead_xchacha20poly1305_ietf_decrypt_detached(
		        plain, NULL, in, length, tag, aad, aad_length,
		        cipher->nonce, key);
	enc_wipe_vector_registers();
	cry_cipher_key_close(cipher);
	return result != 0 ? CRY_ERR_SIGNATURE : CRY_OK;
}

/* ---- OpenSSL: GCM and CCM ----------------------------------------------- */

/* A GCM or CCM context keyed for this message. CCM fixes the tag length
 * (and, decrypting, the tag) and the message length before any data. */
static cry_status evp_context(cry_cipher *cipher, const uint8_t *tag,
                              size_t message_length, EVP_CIPHER_CTX **out)
{
	bool ccm = cipher->mode == CRY_AES_CCM;
	bool encrypt = cipher->encrypt;
	EVP_CIPHER_CTX *context;
	int ignored;
	cry_status status =
	        cry_aes_context_new(cipher, cipher->mode, encrypt, &context);

	if (status != CRY_OK)
		return status;
	if ((ccm || cipher->nonce_length != GCM_STANDARD_IV) &&
	    EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_IVLEN,
	                        (int)cipher->nonce_length, NULL) != 1)
		status = CRY_ERR_INTERNAL;
	if (status == CRY_OK && ccm &&
	    EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG,
	                        (int)cipher->tag_length,
	                        encrypt ? NULL : (void *)tag) != 1)
		status = CRY_ERR_INTERNAL;
	if (status == CRY_OK)
		status = cry_aes_context_key(cipher, context, encrypt,
		                             cipher->nonce);
	if (status == CRY_OK && ccm &&
	    EVP_CipherUpdate(context, NULL, &ignored, NULL,
	                     (int)message_length) != 1)
		status = CRY_ERR_INTERNAL;
	/* CCM takes the AAD in one call, GCM in any number. */
	if (status == CRY_OK && cipher->aad_length > 0 &&
	    !(ccm ? cipher->aad_length <= INT_MAX &&
	                      EVP_CipherUpdate(context, NULL, &ignored,
	                                       cipher->aad,
	                                       (int)cipher->aad_length) == 1
	          : cry_evp_update(context, NULL, cipher->aad,
	                           cipher->aad_length)))
		status = CRY_ERR_INTERNAL;
	if (status != CRY_OK) {
		EVP_CIPHER_CTX_free(context);
		return status;
	}
	*out = context;
	return CRY_OK;
}

static cry_status evp_encrypt(cry_cipher *cipher, const uint8_t *in,
                              size_t length, uint8_t *out)
{
	EVP_CIPHER_CTX *context;
	int written = 0;
	cry_status status = evp_context(cipher, NULL, length, &context);

	if (status != CRY_OK)
		return status;
	if (cipher->mode == CRY_AES_CCM) {
		if (EVP_CipherUpdate(context, out, &written, in, (int)length) !=
		    1)
			status = CRY_ERR_INTERNAL;
	} else if (!cry_evp_update(context, out, in, length)) {
		status = CRY_ERR_INTERNAL;
	}
	if (status == CRY_OK &&
	    (EVP_CipherFinal_ex(context, out + length, &written) != 1 ||
	     EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG,
	                         (int)cipher->tag_length, out + length) != 1))
		status = CRY_ERR_INTERNAL;
	EVP_CIPHER_CTX_free(context); /* cleanses the round keys and H */
	return status;
}

static cry_status evp_decrypt(cry_cipher *cipher, const uint8_t *in,
                              size_t length, const uint8_t *tag, uint8_t *plain)
{
	EVP_CIPHER_CTX *context;
	int written = 0;
	bool verified;
	cry_status status = evp_context(cipher, tag, length, &context);

	if (status != CRY_OK)
		return status;
	if (cipher->mode == CRY_AES_CCM) {
		/* CCM checks the tag in the update. */
		verified = EVP_CipherUpdate(context, plain, &written, in,
		                            (int)length) == 1;
	} else {
		verified = cry_evp_update(context, plain, in, length) &&
		           EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG,
		                               (int)cipher->tag_length,
		                               (void *)tag) == 1 &&
		           EVP_CipherFinal_ex(context, plain + length,
		                              &written) == 1;
	}
	EVP_CIPHER_CTX_free(context);
	if (!verified) {
		ERR_clear_error(); /* an expected failure, not a fault */
		return CRY_ERR_SIGNATURE;
	}
	return CRY_OK;
}

/* ---- Dispatch ----------------------------------------------------------- */

cry_status cry_aead_encrypt(cry_cipher *cipher, const uint8_t *in,
                            size_t length, uint8_t *out)
{
	if (in == NULL)
		in = empty;
	if (cipher->sodium_gcm || cipher->mode == CRY_CHACHA20_POLY1305)
		return sodium_encrypt(cipher, in, length, out);
	return evp_encrypt(cipher, in, length, out);
}

cry_status cry_aead_decrypt(cry_cipher *cipher, const uint8_t *in,
                            size_t length, uint8_t *plain)
{
	uint8_t tag[CRY_AEAD_MAX_TAG];
	uint8_t spare[1];
	size_t tag_bytes = cry_aead_tag_length(cipher);
	size_t message = length - tag_bytes;
	cry_status status;

	/* A copy, so that decrypting in place cannot disturb it. */
	memcpy(tag, in + message, tag_bytes);
	if (plain == NULL)
		plain = spare; /* an empty message */
	if (cipher->sodium_gcm || cipher->mode == CRY_CHACHA20_POLY1305)
		status = sodium_decrypt(cipher, in, message, tag, plain);
	else
		status = evp_decrypt(cipher, in, message, tag, plain);
	if (status != CRY_OK)
		sodium_memzero(plain, message);
	return status;
}
