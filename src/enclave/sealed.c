/* Sealed secrets (memguard's Enclave): ciphertext under the split key,
 * kept in ordinary memory. Opening decrypts straight into an enclave
 * buffer; a failed open wipes what it wrote.
 *
 * The AEAD is AES-256-GCM where the CPU has AES-NI (enc_config.seal_cipher
 * AUTO), else XChaCha20-Poly1305. For AES-256-GCM the key is expanded
 * into the key page's scratch for the one call, and the 96-bit nonce is a
 * process-wide counter, so no two seals share one under any key, with no
 * random draw per seal; the vector registers, where AES-NI leaves round
 * keys, are cleared before the key page closes. XChaCha20-Poly1305 takes
 * a random 192-bit nonce. */
#include "config.h"

#include "enclave/internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SEALED_LENGTH                                                      \
	(SIZE_MAX / 2 - sizeof(enc_sealed) - ENC_SEALED_TAG_BYTES)
#define GCM_NONCE_BYTES crypto_aead_aes256gcm_NPUBBYTES /* 12 */

_Static_assert(sizeof(crypto_aead_aes256gcm_state) <= ENC_COFFER_SCRATCH_BYTES,
               "the expanded key fits the key page's scratch");
_Static_assert(crypto_aead_aes256gcm_ABYTES == ENC_SEALED_TAG_BYTES,
               "one tag size");
_Static_assert(crypto_aead_aes256gcm_KEYBYTES == ENC_KEY_BYTES, "one key size");

/* Never reset: unique across purges and keys. */
static _Atomic uint64_t gcm_nonce_counter;

typedef struct seal_job {
	const unsigned char *plaintext;
	size_t length;
	const unsigned char *ad;
	size_t ad_length;
	enc_sealed *sealed;
	unsigned char *into; /* open only */
} seal_job;

static bool use_gcm(void)
{
	return enc_global.seal_cipher == ENC_SEAL_AES256GCM;
}

static void fresh_nonce(unsigned char nonce[ENC_SEALED_NONCE_BYTES])
{
	if (!use_gcm()) {
		randombytes_buf(nonce, ENC_SEALED_NONCE_BYTES);
		return;
	}
	uint64_t count = atomic_fetch_add(&gcm_nonce_counter, 1);
	memset(nonce, 0, ENC_SEALED_NONCE_BYTES);
	for (int i = 0; i < 8; i++)
		nonce[i] = (unsigned char)(count >> (8 * i));
}

static crypto_aead_aes256gcm_state *
expand(const unsigned char key[ENC_KEY_BYTES], unsigned char *scratch)
{
	crypto_aead_aes256gcm_state *state =
	        (crypto_aead_aes256gcm_state *)(void *)scratch;
	crypto_aead_aes256gcm_beforenm(state, key);
	return state;
}

static void forget(crypto_aead_aes256gcm_state *state)
{
	sodium_memzero(state, sizeof(*state));
	enc_wipe_vector_registers();
}

static enc_status encrypt_with(const unsigned char key[ENC_KEY_BYTES],
                               uint64_t epoch, unsigned char *scratch,
                               void *context)
{
	seal_job *job = context;
	enc_sealed *sealed = job->sealed;
	sealed->epoch = epoch;
	if (use_gcm()) {
		crypto_aead_aes256gcm_state *state = expand(key, scratch);
		crypto_aead_aes256gcm_encrypt_afternm(
		        sealed->ciphertext, NULL, job->plaintext, job->length,
		        job->ad, job->ad_length, NULL, sealed->nonce, state);
		forget(state);
		return ENC_OK;
	}
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	        sealed->ciphertext, NULL, job->plaintext, job->length, job->ad,
	        job->ad_length, NULL, sealed->nonce, key);
	return ENC_OK;
}

static enc_status decrypt_with(const unsigned char key[ENC_KEY_BYTES],
                               uint64_t epoch, unsigned char *scratch,
                               void *context)
{
	seal_job *job = context;
	const enc_sealed *sealed = job->sealed;
	if (sealed->epoch != epoch)
		return ENC_ERR_PURGED;
	size_t bytes = sealed->length + ENC_SEALED_TAG_BYTES;
	int result;
	if (use_gcm()) {
		/* The nonce field's unused bytes are zero in every seal:
		 * anything else is tampering, not a different nonce. */
		if (!enc_ct_is_zero(sealed->nonce + GCM_NONCE_BYTES,
		                    ENC_SEALED_NONCE_BYTES - GCM_NONCE_BYTES))
			return ENC_ERR_AUTH;
		crypto_aead_aes256gcm_state *state = expand(key, scratch);
		result = crypto_aead_aes256gcm_decrypt_afternm(
		        job->into, NULL, NULL, sealed->ciphertext, bytes,
		        job->ad, job->ad_length, sealed->nonce, state);
		forget(state);
	} else {
		result = crypto_aead_xchacha20poly1305_ietf_decrypt(
		        job->into, NULL, NULL, sealed->ciphertext, bytes,
		        job->ad, job->ad_length, sealed->nonce, key);
	}
	if (result != 0) {
		sodium_memzero(job->into, sealed->length);
		return ENC_ERR_AUTH;
	}
	return ENC_OK;
}

static bool ad_valid(const void *ad, size_t ad_length)
{
	return ad != NULL || ad_length == 0;
}

enc_status enc_seal_bytes(const void *data, size_t length, const void *ad,
                          size_t ad_length, enc_sealed **out)
{
	if (out == NULL)
		return ENC_ERR_INVALID;
	*out = NULL;
	if (data == NULL || length == 0 || length > MAX_SEALED_LENGTH ||
	    !ad_valid(ad, ad_length))
		return ENC_ERR_INVALID;
	enc_status status = enc_ready();
	if (status != ENC_OK)
		return status;
	enc_sealed *sealed =
	        malloc(sizeof(*sealed) + length + ENC_SEALED_TAG_BYTES);
	if (sealed == NULL)
		return ENC_ERR_NOMEM;
	sealed->length = length;
	fresh_nonce(sealed->nonce);
	seal_job job = {.plaintext = data,
	                .length = length,
	                .ad = ad,
	                .ad_length = ad_length,
	                .sealed = sealed};
	status = enc_coffer_with_key(encrypt_with, &job);
	if (status != ENC_OK) {
		free(sealed);
		return status;
	}
	*out = sealed;
	return ENC_OK;
}

enc_status enc_seal(const enc_buffer *buffer, const void *ad, size_t ad_length,
                    enc_sealed **out)
{
	if (buffer == NULL || out == NULL)
		return ENC_ERR_INVALID;
	*out = NULL;
	if (buffer->purged)
		return ENC_ERR_PURGED;
	enc_buffer *mutable_buffer = (enc_buffer *)buffer;
	enc_access before = buffer->access;
	enc_status status = ENC_OK;
	if (before == ENC_NOACCESS)
		status = enc_protect(mutable_buffer, ENC_READONLY);
	if (status != ENC_OK)
		return status;
	status = enc_seal_bytes(buffer->data, buffer->size, ad, ad_length, out);
	if (before == ENC_NOACCESS)
		enc_protect(mutable_buffer, ENC_NOACCESS);
	return status;
}

enc_status enc_open_at(const enc_sealed *sealed, const void *ad,
                       size_t ad_length, enc_buffer *into, size_t offset)
{
	if (sealed == NULL || into == NULL || !ad_valid(ad, ad_length))
		return ENC_ERR_INVALID;
	if (into->purged)
		return ENC_ERR_PURGED;
	if (offset > into->size || into->size - offset < sealed->length ||
	    into->access != ENC_READWRITE)
		return ENC_ERR_INVALID;
	enc_status status = enc_ready();
	if (status != ENC_OK)
		return status;
	seal_job job = {.ad = ad,
	                .ad_length = ad_length,
	                .sealed = (enc_sealed *)sealed,
	                .into = into->data + offset};
	return enc_coffer_with_key(decrypt_with, &job);
}

enc_status enc_open_into(const enc_sealed *sealed, const void *ad,
                         size_t ad_length, enc_buffer *into)
{
	if (sealed != NULL && into != NULL && into->size != sealed->length)
		return ENC_ERR_INVALID;
	return enc_open_at(sealed, ad, ad_length, into, 0);
}

enc_status enc_open(const enc_sealed *sealed, const void *ad, size_t ad_length,
                    unsigned flags, enc_buffer **out)
{
	if (out == NULL)
		return ENC_ERR_INVALID;
	*out = NULL;
	if (sealed == NULL || !ad_valid(ad, ad_length))
		return ENC_ERR_INVALID;
	enc_buffer *buffer;
	enc_status status = enc_alloc(sealed->length, flags, &buffer);
	if (status != ENC_OK)
		return status;
	status = enc_open_into(sealed, ad, ad_length, buffer);
	if (status == ENC_OK)
		status = enc_protect(buffer, ENC_READONLY);
	if (status != ENC_OK) {
		enc_free(buffer);
		return status;
	}
	*out = buffer;
	return ENC_OK;
}

size_t enc_sealed_length(const enc_sealed *sealed)
{
	return sealed != NULL ? sealed->length : 0;
}

enc_status enc_sealed_copy(const enc_sealed *sealed, enc_sealed **out)
{
	if (out == NULL)
		return ENC_ERR_INVALID;
	*out = NULL;
	if (sealed == NULL)
		return ENC_ERR_INVALID;
	size_t bytes = sizeof(*sealed) + sealed->length + ENC_SEALED_TAG_BYTES;
	enc_sealed *copy = malloc(bytes);
	if (copy == NULL)
		return ENC_ERR_NOMEM;
	memcpy(copy, sealed, bytes);
	*out = copy;
	return ENC_OK;
}

void enc_sealed_free(enc_sealed *sealed)
{
	free(sealed);
}
