/*
 * guardhsm crypto: RSA signatures (PKCS#1 v1.5 with or without a
 * DigestInfo, PSS, raw). The encoded message is built here with OpenSSL's
 * padding functions and signed by cry_rsa_private_raw (rsa_blinding.c);
 * verification recovers the encoded message with the public key and
 * compares it with the expected one (PKCS#1 v1.5, raw) or checks it with
 * OpenSSL's PSS verification.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <string.h>

#define CRY_PKCS1_PADDING_BYTES 11
#define CRY_PSS_OVERHEAD_BYTES 2
#define CRY_DIGEST_INFO_PREFIX 19

/* The DER DigestInfo before the digest (RFC 8017 section 9.2, note 1;
 * the SHA-3 OIDs are 2.16.840.1.101.3.4.2.8 to .10). */
static const uint8_t prefix_sha1[] = {0x30, 0x21, 0x30, 0x09, 0x06,
                                      0x05, 0x2b, 0x0e, 0x03, 0x02,
                                      0x1a, 0x05, 0x00, 0x04, 0x14};

/* SEQUENCE length, the OID's last byte and the digest length of the NIST
 * hashes, which share the rest of the prefix. */
static bool nist_prefix(cry_hash hash, uint8_t prefix[CRY_DIGEST_INFO_PREFIX])
{
	static const uint8_t common[CRY_DIGEST_INFO_PREFIX] = {
	        0x30, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
	        0x65, 0x03, 0x04, 0x02, 0x00, 0x05, 0x00, 0x04, 0x00};
	uint8_t oid;

	switch (hash) {
	case CRY_HASH_SHA224:
		oid = 0x04;
		break;
	case CRY_HASH_SHA256:
		oid = 0x01;
		break;
	case CRY_HASH_SHA384:
		oid = 0x02;
		break;
	case CRY_HASH_SHA512:
		oid = 0x03;
		break;
	case CRY_HASH_SHA3_256:
		oid = 0x08;
		break;
	case CRY_HASH_SHA3_384:
		oid = 0x09;
		break;
	case CRY_HASH_SHA3_512:
		oid = 0x0a;
		break;
	default:
		return false;
	}
	size_t length = cry_hash_length(hash);
	memcpy(prefix, common, sizeof(common));
	prefix[1] = (uint8_t)(CRY_DIGEST_INFO_PREFIX - 2 + length);
	prefix[14] = oid;
	prefix[18] = (uint8_t)length;
	return true;
}

/* T = DigestInfo || digest; its length, or 0 for a hash without one. */
static size_t
digest_info(cry_hash hash, const uint8_t *digest,
            uint8_t t[CRY_DIGEST_INFO_PREFIX + CRY_MAX_HASH_LENGTH])
{
	size_t prefix_length = CRY_DIGEST_INFO_PREFIX;

	if (hash == CRY_HASH_SHA1) {
		prefix_length = sizeof(prefix_sha1);
		memcpy(t, prefix_sha1, prefix_length);
	} else if (!nist_prefix(hash, t)) {
		return 0;
	}
	memcpy(t + prefix_length, digest, cry_hash_length(hash));
	return prefix_length + cry_hash_length(hash);
}

/* Checks the parameters and the input, and builds the encoded message
 * (k bytes) but for PSS, whose padding is random and made at signing. */
static cry_status encode(const cry_rsa_params *params, const uint8_t *input,
                         size_t input_length, const uint8_t *modulus, size_t k,
                         uint8_t *encoded)
{
	static const uint8_t nothing[1];
	uint8_t t[CRY_DIGEST_INFO_PREFIX + CRY_MAX_HASH_LENGTH];
	size_t t_length;

	if (input == NULL)
		input = nothing;
	switch (params->padding) {
	case CRY_RSA_PAD_PKCS1:
		if (params->digest_info) {
			if (!cry_hash_valid(params->hash) ||
			    input_length != cry_hash_length(params->hash))
				return CRY_ERR_INVALID;
			t_length = digest_info(params->hash, input, t);
			input = t;
			input_length = t_length;
		}
		if (input_length > k - CRY_PKCS1_PADDING_BYTES)
			return CRY_ERR_INVALID;
		return RSA_padding_add_PKCS1_type_1(encoded, (int)k, input,
		                                    (int)input_length) == 1
		               ? CRY_OK
		               : CRY_ERR_INTERNAL;
	case CRY_RSA_PAD_PSS: {
		size_t hash_length = cry_hash_length(params->hash);
		/* emLen = ceil((modBits - 1) / 8) */
		size_t em_length =
		        (cry_rsa_modulus_bits(modulus, k) - 1 + 7) / 8;

		if (!cry_hash_valid(params->hash) ||
		    !cry_hash_valid(params->mgf_hash) ||
		    input_length != hash_length ||
		    em_length < hash_length + CRY_PSS_OVERHEAD_BYTES ||
		    params->salt_length >
		            em_length - hash_length - CRY_PSS_OVERHEAD_BYTES)
			return CRY_ERR_INVALID;
		return CRY_OK;
	}
	case CRY_RSA_PAD_NONE:
		if (input_length > k)
			return CRY_ERR_INVALID;
		memset(encoded, 0, k - input_length);
		memcpy(encoded + k - input_length, input, input_length);
		return cry_rsa_less(encoded, modulus, k) ? CRY_OK
		                                         : CRY_ERR_INVALID;
	default:
		return CRY_ERR_INVALID;
	}
}

cry_status cry_rsa_sign(const enc_buffer *packed, const cry_rsa_params *params,
                        const uint8_t *input, size_t input_length,
                        uint8_t *signature, size_t *signature_length)
{
	cry_rsa_key key;
	uint8_t encoded[CRY_RSA_MAX_BYTES];

	if (params == NULL || signature_length == NULL ||
	    (input == NULL && input_length != 0))
		return CRY_ERR_INVALID;
	cry_status status = cry_rsa_read(packed, &key);
	if (status != CRY_OK)
		return status;
	size_t k = key.modulus_bytes;
	status = encode(params, input, input_length, key.part[CRY_RSA_MODULUS],
	                k, encoded);
	if (status != CRY_OK)
		return status;
	if (signature == NULL || *signature_length < k) {
		*signature_length = k;
		return CRY_ERR_BUFFER;
	}
	RSA *rsa = cry_rsa_private(&key, true);
	if (rsa == NULL)
		return CRY_ERR_NOMEM;
	if (params->padding == CRY_RSA_PAD_PSS &&
	    RSA_padding_add_PKCS1_PSS_mgf1(rsa, encoded, input,
	                                   cry_hash_md(params->hash),
	                                   cry_hash_md(params->mgf_hash),
	                                   (int)params->salt_length) != 1)
		status = CRY_ERR_INTERNAL;
	if (status == CRY_OK)
		status = cry_rsa_private_raw(rsa, &key, encoded, signature);
	RSA_free(rsa); /* clears the private BIGNUMs */
	if (status != CRY_OK) {
		memset(signature, 0, k);
		return status;
	}
	*signature_length = k;
	return CRY_OK;
}

cry_status cry_rsa_verify(const uint8_t *modulus, size_t modulus_length,
                          const uint8_t *exponent, size_t exponent_length,
                          const cry_rsa_params *params, const uint8_t *input,
                          size_t input_length, const uint8_t *signature,
                          size_t signature_length)
{
	uint8_t expected[CRY_RSA_MAX_BYTES];
	uint8_t recovered[CRY_RSA_MAX_BYTES];
	RSA *rsa = NULL;
	size_t k;

	if (params == NULL || signature == NULL ||
	    (input == NULL && input_length != 0))
		return CRY_ERR_INVALID;
	cry_status status = cry_rsa_public(modulus, modulus_length, exponent,
	                                   exponent_length, &rsa, &k);
	if (status != CRY_OK)
		return status;
	/* The modulus without its leading zeros. */
	status = encode(params, input, input_length,
	                modulus + (modulus_length - k), k, expected);
	if (status == CRY_OK && signature_length != k)
		status = CRY_ERR_SIGNATURE_LENGTH;
	if (status != CRY_OK) {
		RSA_free(rsa);
		return status;
	}
	/* A signature not below n, or one that does not verify, is only a
	 * wrong signature: drop OpenSSL's errors about it. */
	ERR_set_mark();
	status = CRY_ERR_SIGNATURE;
	if (RSA_public_decrypt((int)k, signature, recovered, rsa,
	                       RSA_NO_PADDING) == (int)k) {
		if (params->padding == CRY_RSA_PAD_PSS)
			status = RSA_verify_PKCS1_PSS_mgf1(
			                 rsa, input, cry_hash_md(params->hash),
			                 cry_hash_md(params->mgf_hash),
			                 recovered,
			                 (int)params->salt_length) == 1
			                 ? CRY_OK
			                 : CRY_ERR_SIGNATURE;
		else if (CRYPTO_memcmp(recovered, expected, k) == 0)
			status = CRY_OK;
	}
	ERR_pop_to_mark();
	RSA_free(rsa);
	return status;
}
