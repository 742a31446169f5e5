/*
 * guardhsm crypto: RSA keys. The packed private key (n, e, d, p, q, dp,
 * dq, qinv, each a 4-byte big-endian length then its bytes) is read in
 * place in its enclave buffer; an OpenSSL RSA is built from it for one
 * call with its private BIGNUMs in OpenSSL's secure heap.
 *
 * The low-level RSA API is deprecated in OpenSSL 3 but is the cheap way to
 * a per-call key: no provider import (which would copy the key through
 * OSSL_PARAMs), no EVP method fetches.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <limits.h>
#include <openssl/bn.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define CRY_RSA_LENGTH_BYTES 4
/* OpenSSL refuses public exponents over 64 bits for moduli over 3072. */
#define CRY_RSA_SMALL_MODULUS_BITS 3072
#define CRY_RSA_MAX_LARGE_EXPONENT_BITS 64

unsigned cry_rsa_modulus_bits(const uint8_t *modulus, size_t length)
{
	if (modulus == NULL)
		return 0;
	length = cry_skip_zeros(&modulus, length);
	if (length == 0)
		return 0;
	if (length > UINT_MAX / 8)
		return UINT_MAX; /* only to say "too long" */
	unsigned bits = (unsigned)(length - 1) * 8;
	for (unsigned top = modulus[0]; top != 0; top >>= 1)
		bits++;
	return bits;
}

bool cry_rsa_less(const uint8_t *a, const uint8_t *b, size_t length)
{
	unsigned borrow = 0;

	for (size_t i = length; i-- > 0;)
		borrow = (((unsigned)a[i] - b[i] - borrow) >> 8) & 1u;
	return borrow != 0;
}

cry_status cry_rsa_read(const enc_buffer *packed, cry_rsa_key *key)
{
	cry_status status = cry_check_key(packed, 0);
	if (status != CRY_OK)
		return status;
	const uint8_t *data = enc_data(packed);
	size_t size = enc_size(packed);
	size_t offset = 0;
	size_t present = 0;

	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		if (size - offset < CRY_RSA_LENGTH_BYTES)
			return CRY_ERR_KEY;
		size_t length = (size_t)data[offset] << 24 |
		                (size_t)data[offset + 1] << 16 |
		                (size_t)data[offset + 2] << 8 |
		                data[offset + 3];
		offset += CRY_RSA_LENGTH_BYTES;
		if (length > size - offset)
			return CRY_ERR_KEY;
		key->part[i] = length > 0 ? data + offset : NULL;
		key->length[i] = length;
		offset += length;
		if (i >= CRY_RSA_PRIME_1 && length > 0)
			present++;
	}
	/* What cry_rsa_store writes: n minimal and within the limits, e
	 * and d present, the CRT parts all or none. */
	const uint8_t *modulus = key->part[CRY_RSA_MODULUS];
	unsigned bits =
	        cry_rsa_modulus_bits(modulus, key->length[CRY_RSA_MODULUS]);
	if (offset != size || bits < CRY_RSA_MIN_BITS ||
	    bits > CRY_RSA_MAX_BITS || modulus[0] == 0 ||
	    key->length[CRY_RSA_PUBLIC_EXPONENT] == 0 ||
	    key->length[CRY_RSA_PRIVATE_EXPONENT] == 0 ||
	    (present != 0 && present != 5))
		return CRY_ERR_KEY;
	key->modulus_bytes = key->length[CRY_RSA_MODULUS];
	key->crt = present == 5;
	return CRY_OK;
}

cry_status cry_rsa_part_view(const enc_buffer *packed, cry_rsa_part part,
                             const uint8_t **value, size_t *length)
{
	cry_rsa_key key;

	if (value == NULL || length == NULL ||
	    (unsigned)part >= (unsigned)CRY_RSA_PART_COUNT)
		return CRY_ERR_INVALID;
	cry_status status = cry_rsa_read(packed, &key);
	if (status != CRY_OK)
		return status;
	*value = key.part[part];
	*length = key.length[part];
	return CRY_OK;
}

unsigned cry_rsa_bits(const enc_buffer *packed)
{
	cry_rsa_key key;

	if (cry_rsa_read(packed, &key) != CRY_OK)
		return 0;
	return cry_rsa_modulus_bits(key.part[CRY_RSA_MODULUS],
	                            key.modulus_bytes);
}

static BIGNUM *secret_number(const cry_rsa_key *key, cry_rsa_part part)
{
	BIGNUM *number = BN_secure_new();

	if (number == NULL)
		return NULL;
	BN_set_flags(number, BN_FLG_CONSTTIME);
	if (BN_bin2bn(key->part[part], (int)key->length[part], number) ==
	    NULL) {
		BN_clear_free(number);
		return NULL;
	}
	return number;
}

RSA *cry_rsa_private(const cry_rsa_key *key, bool own_blinding)
{
	RSA *rsa = RSA_new();
	BIGNUM *n = BN_bin2bn(key->part[CRY_RSA_MODULUS],
	                      (int)key->modulus_bytes, NULL);
	BIGNUM *e = BN_bin2bn(key->part[CRY_RSA_PUBLIC_EXPONENT],
	                      (int)key->length[CRY_RSA_PUBLIC_EXPONENT], NULL);
	BIGNUM *d = secret_number(key, CRY_RSA_PRIVATE_EXPONENT);
	BIGNUM *crt[5] = {NULL};
	bool ready = rsa != NULL && n != NULL && e != NULL && d != NULL &&
	             RSA_set0_key(rsa, n, e, d) == 1;

	if (ready) {
		n = e = d = NULL; /* owned by rsa */
	}
	if (ready && key->crt) {
		for (int i = 0; i < 5; i++) {
			crt[i] = secret_number(key, CRY_RSA_PRIME_1 + i);
			ready = ready && crt[i] != NULL;
		}
		ready = ready && RSA_set0_factors(rsa, crt[0], crt[1]) == 1;
		if (ready)
			crt[0] = crt[1] = NULL;
		ready = ready &&
		        RSA_set0_crt_params(rsa, crt[2], crt[3], crt[4]) == 1;
		if (ready)
			crt[2] = crt[3] = crt[4] = NULL;
	}
	BN_free(n);
	BN_free(e);
	BN_clear_free(d);
	for (int i = 0; i < 5; i++)
		BN_clear_free(crt[i]);
	if (!ready) {
		RSA_free(rsa);
		return NULL;
	}
	if (own_blinding)
		RSA_set_flags(rsa, RSA_FLAG_NO_BLINDING);
	return rsa;
}

cry_status cry_rsa_public(const uint8_t *modulus, size_t modulus_length,
                          const uint8_t *exponent, size_t exponent_length,
                          RSA **out, size_t *modulus_bytes)
{
	*out = NULL;
	if (modulus == NULL || exponent == NULL)
		return CRY_ERR_INVALID;
	modulus_length = cry_skip_zeros(&modulus, modulus_length);
	exponent_length = cry_skip_zeros(&exponent, exponent_length);
	unsigned bits = cry_rsa_modulus_bits(modulus, modulus_length);
	unsigned exponent_bits =
	        cry_rsa_modulus_bits(exponent, exponent_length);
	if (bits < CRY_RSA_MIN_BITS || bits > CRY_RSA_MAX_BITS ||
	    (modulus[modulus_length - 1] & 1) == 0 || exponent_bits < 2 ||
	    (exponent[exponent_length - 1] & 1) == 0 ||
	    exponent_length > modulus_length ||
	    (exponent_length == modulus_length &&
	     !cry_rsa_less(exponent, modulus, modulus_length)) ||
	    (bits > CRY_RSA_SMALL_MODULUS_BITS &&
	     exponent_bits > CRY_RSA_MAX_LARGE_EXPONENT_BITS))
		return CRY_ERR_KEY;
	RSA *rsa = RSA_new();
	BIGNUM *n = BN_bin2bn(modulus, (int)modulus_length, NULL);
	BIGNUM *e = BN_bin2bn(exponent, (int)exponent_length, NULL);
	if (rsa == NULL || n == NULL || e == NULL ||
	    RSA_set0_key(rsa, n, e, NULL) != 1) {
		BN_free(n);
		BN_free(e);
		RSA_free(rsa);
		return CRY_ERR_NOMEM;
	}
	*out = rsa;
	*modulus_bytes = modulus_length;
	return CRY_OK;
}

static uint8_t *put_part(uint8_t *cursor, const BIGNUM *number, size_t length)
{
	cursor[0] = (uint8_t)(length >> 24);
	cursor[1] = (uint8_t)(length >> 16);
	cursor[2] = (uint8_t)(length >> 8);
	cursor[3] = (uint8_t)length;
	cursor += CRY_RSA_LENGTH_BYTES;
	/* Straight from the (secure) BIGNUM into the enclave. */
	if (length > 0 &&
	    BN_bn2binpad(number, cursor, (int)length) != (int)length)
		return NULL;
	return cursor + length;
}

cry_status cry_rsa_store(const BIGNUM *const parts[CRY_RSA_PART_COUNT],
                         enc_buffer **packed)
{
	size_t modulus = (size_t)BN_num_bytes(parts[CRY_RSA_MODULUS]);
	size_t prime_1 = 0, prime_2 = 0;
	size_t lengths[CRY_RSA_PART_COUNT];
	size_t total = CRY_RSA_PART_COUNT * CRY_RSA_LENGTH_BYTES;
	enc_buffer *buffer = NULL;

	*packed = NULL;
	if (parts[CRY_RSA_PRIME_1] != NULL) {
		prime_1 = (size_t)BN_num_bytes(parts[CRY_RSA_PRIME_1]);
		prime_2 = (size_t)BN_num_bytes(parts[CRY_RSA_PRIME_2]);
	}
	/* Fixed widths for the private parts, so that their lengths tell
	 * nothing about their values. */
	lengths[CRY_RSA_MODULUS] = modulus;
	lengths[CRY_RSA_PUBLIC_EXPONENT] =
	        (size_t)BN_num_bytes(parts[CRY_RSA_PUBLIC_EXPONENT]);
	lengths[CRY_RSA_PRIVATE_EXPONENT] = modulus;
	lengths[CRY_RSA_PRIME_1] = prime_1;
	lengths[CRY_RSA_PRIME_2] = prime_2;
	lengths[CRY_RSA_EXPONENT_1] = prime_1;
	lengths[CRY_RSA_EXPONENT_2] = prime_2;
	lengths[CRY_RSA_COEFFICIENT] = prime_1;
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		total += lengths[i];
	cry_status status = cry_from_enclave(enc_alloc(total, 0, &buffer));
	if (status != CRY_OK)
		return status;
	uint8_t *cursor = enc_data(buffer);
	for (int i = 0; i < CRY_RSA_PART_COUNT && cursor != NULL; i++)
		cursor = put_part(cursor, parts[i], lengths[i]);
	status = cursor != NULL
	                 ? cry_from_enclave(enc_protect(buffer, ENC_READONLY))
	                 : CRY_ERR_INTERNAL;
	if (status != CRY_OK) {
		enc_free(buffer);
		return status;
	}
	*packed = buffer;
	return CRY_OK;
}

cry_status cry_rsa_public_key_info(const uint8_t *modulus,
                                   size_t modulus_length,
                                   const uint8_t *exponent,
                                   size_t exponent_length, uint8_t *der,
                                   size_t *length)
{
	RSA *rsa = NULL;
	size_t modulus_bytes;

	if (length == NULL)
		return CRY_ERR_INVALID;
	cry_status status =
	        cry_rsa_public(modulus, modulus_length, exponent,
	                       exponent_length, &rsa, &modulus_bytes);
	if (status != CRY_OK)
		return status;
	EVP_PKEY *key = EVP_PKEY_new();
	if (key == NULL || EVP_PKEY_assign_RSA(key, rsa) != 1) {
		EVP_PKEY_free(key);
		RSA_free(rsa);
		return CRY_ERR_NOMEM;
	}
	int needed = i2d_PUBKEY(key, NULL);
	if (needed <= 0) {
		status = CRY_ERR_INTERNAL;
	} else if (der == NULL) {
		*length = (size_t)needed;
	} else if (*length < (size_t)needed) {
		*length = (size_t)needed;
		status = CRY_ERR_BUFFER;
	} else {
		unsigned char *cursor = der;

		if (i2d_PUBKEY(key, &cursor) != needed)
			status = CRY_ERR_INTERNAL;
		*length = (size_t)needed;
	}
	EVP_PKEY_free(key); /* frees rsa */
	return status;
}
