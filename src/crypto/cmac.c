/*
 * guardhsm crypto: AES-CMAC (RFC 4493, NIST SP 800-38B).
 *
 * A copy of the key in an enclave buffer (NOACCESS between calls); the
 * message, which is not secret, buffered in ordinary memory; OpenSSL's
 * CMAC run over it in cry_cmac_final, so the round keys and the subkeys
 * K1/K2 exist only in that call's context, which EVP_MAC_CTX_free
 * cleanses.
 */
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define CMAC_LENGTH 16

struct cry_cmac {
	enc_buffer *key; /* NOACCESS between calls */
	uint8_t *message;
	size_t message_length;
	size_t message_capacity;
	bool finished;
};

static EVP_MAC *cmac_algorithm;
static pthread_once_t cmac_once = PTHREAD_ONCE_INIT;

static void fetch_cmac(void)
{
	cmac_algorithm = EVP_MAC_fetch(NULL, "CMAC", NULL);
}

cry_status cry_cmac_new(const enc_buffer *key, cry_cmac **out)
{
	cry_cmac *cmac;
	size_t size;
	cry_status status;

	if (out == NULL)
		return CRY_ERR_INVALID;
	*out = NULL;
	status = cry_check_key(key, 0);
	if (status != CRY_OK)
		return status;
	size = enc_size(key);
	if (size != 16 && size != 24 && size != 32)
		return CRY_ERR_KEY;
	cmac = calloc(1, sizeof(*cmac));
	if (cmac == NULL)
		return CRY_ERR_NOMEM;
	status = cry_from_enclave(enc_alloc(size, 0, &cmac->key));
	if (status == CRY_OK) {
		memcpy(enc_data(cmac->key), enc_data(key), size);
		status = cry_from_enclave(enc_protect(cmac->key, ENC_NOACCESS));
	}
	if (status != CRY_OK) {
		cry_cmac_free(cmac);
		return status;
	}
	*out = cmac;
	return CRY_OK;
}

cry_status cry_cmac_update(cry_cmac *cmac, const uint8_t *data, size_t length)
{
	if (cmac == NULL || cmac->finished || (data == NULL && length != 0))
		return CRY_ERR_INVALID;
	if (length == 0)
		return CRY_OK;
	if (length > SIZE_MAX / 2 - cmac->message_length)
		return CRY_ERR_INVALID;
	if (length > cmac->message_capacity - cmac->message_length) {
		size_t capacity = cmac->message_capacity * 2;
		uint8_t *grown;

		if (capacity < cmac->message_length + length)
			capacity = cmac->message_length + length;
		if (capacity < 256)
			capacity = 256;
		grown = realloc(cmac->message, capacity);
		if (grown == NULL)
			return CRY_ERR_NOMEM;
		cmac->message = grown;
		cmac->message_capacity = capacity;
	}
	memcpy(cmac->message + cmac->message_length, data, length);
	cmac->message_length += length;
	return CRY_OK;
}

static const char *cbc_name(size_t key_length)
{
	return key_length == 16   ? "AES-128-CBC"
	       : key_length == 24 ? "AES-192-CBC"
	                          : "AES-256-CBC";
}

cry_status cry_cmac_final(cry_cmac *cmac, uint8_t mac[16])
{
	static const uint8_t empty[1];
	OSSL_PARAM params[2];
	EVP_MAC_CTX *context = NULL;
	size_t length = 0;
	bool keyed;
	cry_status status = CRY_ERR_INTERNAL;

	if (cmac == NULL || cmac->finished || mac == NULL)
		return CRY_ERR_INVALID;
	cmac->finished = true;
	pthread_once(&cmac_once, fetch_cmac);
	if (cmac_algorithm == NULL)
		goto done;
	context = EVP_MAC_CTX_new(cmac_algorithm);
	if (context == NULL) {
		status = CRY_ERR_NOMEM;
		goto done;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(
	        OSSL_MAC_PARAM_CIPHER, (char *)cbc_name(enc_size(cmac->key)),
	        0);
	params[1] = OSSL_PARAM_construct_end();
	/* Writable: the copy is wiped and released right after keying. */
	if (enc_protect(cmac->key, ENC_READWRITE) != ENC_OK) {
		status = CRY_ERR_ENCLAVE;
		goto done;
	}
	keyed = EVP_MAC_init(context, enc_data(cmac->key), enc_size(cmac->key),
	                     params) == 1;
	enc_free(cmac->key);
	cmac->key = NULL;
	if (keyed &&
	    EVP_MAC_update(context,
	                   cmac->message != NULL ? cmac->message : empty,
	                   cmac->message_length) == 1 &&
	    EVP_MAC_final(context, mac, &length, CMAC_LENGTH) == 1 &&
	    length == CMAC_LENGTH)
		status = CRY_OK;
done:
	EVP_MAC_CTX_free(context); /* cleanses the round keys, K1, K2 */
	return status;
}

void cry_cmac_free(cry_cmac *cmac)
{
	if (cmac == NULL)
		return;
	enc_free(cmac->key); /* wipes */
	if (cmac->message != NULL) {
		sodium_memzero(cmac->message, cmac->message_length);
		free(cmac->message);
	}
	free(cmac);
}
