/*
 * guardhsm crypto: X25519 (RFC 7748) with libsodium.
 */
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <sodium.h>

cry_status cry_x25519_public(const enc_buffer *scalar, uint8_t public_key[32])
{
	cry_status status =
	        cry_check_key(scalar, crypto_scalarmult_SCALARBYTES);

	if (status != CRY_OK)
		return status;
	if (public_key == NULL)
		return CRY_ERR_INVALID;
	/* libsodium clamps the scalar as RFC 7748 says. */
	if (crypto_scalarmult_base(public_key, enc_data(scalar)) != 0)
		return CRY_ERR_KEY;
	return CRY_OK;
}

cry_status cry_x25519_generate(enc_buffer **scalar, uint8_t public_key[32])
{
	enc_buffer *key = NULL;
	cry_status status = cry_from_enclave(
	        enc_alloc(crypto_scalarmult_SCALARBYTES, 0, &key));

	if (status != CRY_OK)
		return status;
	enc_random(enc_data(key), crypto_scalarmult_SCALARBYTES);
	status = cry_x25519_public(key, public_key);
	if (status == CRY_OK)
		status = cry_from_enclave(enc_protect(key, ENC_READONLY));
	if (status != CRY_OK) {
		enc_free(key);
		return status;
	}
	*scalar = key;
	return CRY_OK;
}

cry_status cry_x25519_ecdh(const enc_buffer *scalar, const uint8_t *peer,
                           size_t peer_length, enc_buffer **shared_secret)
{
	enc_buffer *secret = NULL;
	cry_status status =
	        cry_check_key(scalar, crypto_scalarmult_SCALARBYTES);

	if (status != CRY_OK)
		return status;
	if (peer_length != crypto_scalarmult_BYTES)
		return CRY_ERR_KEY;
	status = cry_from_enclave(
	        enc_alloc(crypto_scalarmult_BYTES, 0, &secret));
	if (status != CRY_OK)
		return status;
	/* libsodium refuses an all-zero result (a small-order peer point);
	 * the second check keeps that rule whatever the library version. */
	if (crypto_scalarmult(enc_data(secret), enc_data(scalar), peer) != 0 ||
	    enc_ct_is_zero(enc_data(secret), crypto_scalarmult_BYTES))
		status = CRY_ERR_KEY;
	if (status == CRY_OK)
		status = cry_from_enclave(enc_protect(secret, ENC_READONLY));
	if (status != CRY_OK) {
		enc_free(secret);
		return status;
	}
	*shared_secret = secret;
	return CRY_OK;
}
