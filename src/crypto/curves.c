/*
 * guardhsm crypto: curve parameters (CKA_EC_PARAMS), sizes, public key
 * checks and encodings, and the per-curve dispatch of key generation and
 * agreement.
 */
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <openssl/x509.h>
#include <sodium.h>
#include <string.h>

struct cry_curve_info {
	const uint8_t *oid; /* DER OBJECT IDENTIFIER */
	size_t oid_length;
	const uint8_t *printable; /* DER PrintableString (3.0 form) or NULL */
	size_t printable_length;
	size_t private_bytes;
	size_t public_bytes;
	unsigned bits;
};

static const uint8_t cry_oid_p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                       0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t cry_oid_p384[] = {0x06, 0x05, 0x2b, 0x81,
                                       0x04, 0x00, 0x22};
static const uint8_t cry_oid_p521[] = {0x06, 0x05, 0x2b, 0x81,
                                       0x04, 0x00, 0x23};
static const uint8_t cry_oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
static const uint8_t cry_oid_x25519[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
static const uint8_t cry_name_edwards25519[] = {
        0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};
static const uint8_t cry_name_curve25519[] = {0x13, 0x0a, 'c', 'u', 'r', 'v',
                                              'e',  '2',  '5', '5', '1', '9'};

/* OpenSC 0.23's pkcs11-tool (--key-type EC:curve25519) sends
 * "curve25519" with a length byte of 11 for its 10 characters. Accepted
 * for that client, as this exact byte string only; never produced. */
static const uint8_t cry_name_curve25519_opensc[] = {
        0x13, 0x0b, 'c', 'u', 'r', 'v', 'e', '2', '5', '5', '1', '9'};

static const struct cry_curve_info cry_curves[] = {
        [CRY_CURVE_P256] = {cry_oid_p256, sizeof(cry_oid_p256), NULL, 0, 32, 65,
                            256},
        [CRY_CURVE_P384] = {cry_oid_p384, sizeof(cry_oid_p384), NULL, 0, 48, 97,
                            384},
        [CRY_CURVE_P521] = {cry_oid_p521, sizeof(cry_oid_p521), NULL, 0, 66,
                            133, 521},
        [CRY_CURVE_ED25519] = {cry_oid_ed25519, sizeof(cry_oid_ed25519),
                               cry_name_edwards25519,
                               sizeof(cry_name_edwards25519), 32, 32, 255},
        [CRY_CURVE_X25519] = {cry_oid_x25519, sizeof(cry_oid_x25519),
                              cry_name_curve25519, sizeof(cry_name_curve25519),
                              32, 32, 255},
};

#define CRY_CURVE_COUNT (sizeof(cry_curves) / sizeof(cry_curves[0]))

/* SubjectPublicKeyInfo of a 32-byte RFC 8410 key: SEQUENCE { SEQUENCE {
 * OID }, BIT STRING (no unused bits) }, followed by the key. */
#define CRY_RFC8410_PREFIX_LENGTH 12
static const uint8_t cry_spki_ed25519[CRY_RFC8410_PREFIX_LENGTH] = {
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
static const uint8_t cry_spki_x25519[CRY_RFC8410_PREFIX_LENGTH] = {
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00};

bool cry_curve_valid(cry_curve curve)
{
	return (unsigned)curve < CRY_CURVE_COUNT;
}

cry_status cry_curve_from_params(const uint8_t *der, size_t length,
                                 cry_curve *curve)
{
	if (der == NULL || curve == NULL)
		return CRY_ERR_INVALID;
	/* DER is canonical: a supported value has exactly one encoding, so
	 * a byte comparison also rejects truncation, wrong tags, non-minimal
	 * lengths and trailing bytes. */
	for (size_t i = 0; i < CRY_CURVE_COUNT; i++) {
		const struct cry_curve_info *info = &cry_curves[i];

		if ((length == info->oid_length &&
		     memcmp(der, info->oid, length) == 0) ||
		    (info->printable != NULL &&
		     length == info->printable_length &&
		     memcmp(der, info->printable, length) == 0)) {
			*curve = (cry_curve)i;
			return CRY_OK;
		}
	}
	if (length == sizeof(cry_name_curve25519_opensc) &&
	    memcmp(der, cry_name_curve25519_opensc, length) == 0) {
		*curve = CRY_CURVE_X25519;
		return CRY_OK;
	}
	return CRY_ERR_INVALID;
}

const uint8_t *cry_curve_params(cry_curve curve, size_t *length)
{
	if (!cry_curve_valid(curve)) {
		if (length != NULL)
			*length = 0;
		return NULL;
	}
	if (length != NULL)
		*length = cry_curves[curve].oid_length;
	return cry_curves[curve].oid;
}

size_t cry_curve_private_bytes(cry_curve curve)
{
	return cry_curve_valid(curve) ? cry_curves[curve].private_bytes : 0;
}

size_t cry_curve_public_bytes(cry_curve curve)
{
	return cry_curve_valid(curve) ? cry_curves[curve].public_bytes : 0;
}

unsigned cry_curve_bits(cry_curve curve)
{
	return cry_curve_valid(curve) ? cry_curves[curve].bits : 0;
}

cry_status cry_ec_generate(cry_curve curve, enc_buffer **private_key,
                           uint8_t *public_point)
{
	if (private_key == NULL || public_point == NULL)
		return CRY_ERR_INVALID;
	*private_key = NULL;
	if (CRY_IS_NIST(curve))
		return cry_nist_generate(curve, private_key, public_point);
	if (curve == CRY_CURVE_ED25519)
		return cry_ed25519_generate(private_key, public_point);
	if (curve == CRY_CURVE_X25519)
		return cry_x25519_generate(private_key, public_point);
	return CRY_ERR_INVALID;
}

cry_status cry_ec_public_from_private(cry_curve curve,
                                      const enc_buffer *private_key,
                                      uint8_t *public_point)
{
	if (public_point == NULL)
		return CRY_ERR_INVALID;
	if (CRY_IS_NIST(curve))
		return cry_nist_public(curve, private_key, public_point);
	if (curve == CRY_CURVE_ED25519)
		return cry_ed25519_public(private_key, public_point);
	if (curve == CRY_CURVE_X25519)
		return cry_x25519_public(private_key, public_point);
	return CRY_ERR_INVALID;
}

cry_status cry_ec_check_public(cry_curve curve, const uint8_t *point,
                               size_t length)
{
	if (point == NULL || !cry_curve_valid(curve))
		return CRY_ERR_INVALID;
	if (CRY_IS_NIST(curve)) {
		EVP_PKEY *key = NULL;
		cry_status status =
		        cry_nist_public_pkey(curve, point, length, &key);

		EVP_PKEY_free(key);
		return status;
	}
	if (length != 32)
		return CRY_ERR_KEY;
	/* Ed25519: on the curve, canonical, in the prime-order subgroup
	 * and not of small order (every key made from a seed is). Any 32
	 * bytes are an X25519 u-coordinate (RFC 7748); small-order peers
	 * are caught by cry_ecdh's all-zero check. */
	if (curve == CRY_CURVE_ED25519 &&
	    crypto_core_ed25519_is_valid_point(point) != 1)
		return CRY_ERR_KEY;
	return CRY_OK;
}

static cry_status cry_nist_public_key_info(cry_curve curve,
                                           const uint8_t *point, uint8_t *der,
                                           size_t *length)
{
	EVP_PKEY *key = NULL;
	cry_status status = cry_nist_public_pkey(
	        curve, point, cry_curve_public_bytes(curve), &key);
	int needed;

	if (status != CRY_OK)
		return status;
	needed = i2d_PUBKEY(key, NULL);
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
	EVP_PKEY_free(key);
	return status;
}

cry_status cry_ec_public_key_info(cry_curve curve, const uint8_t *point,
                                  uint8_t *der, size_t *length)
{
	const uint8_t *prefix;
	size_t needed = CRY_RFC8410_PREFIX_LENGTH + 32;

	if (point == NULL || length == NULL || !cry_curve_valid(curve))
		return CRY_ERR_INVALID;
	if (CRY_IS_NIST(curve))
		return cry_nist_public_key_info(curve, point, der, length);
	prefix =
	        curve == CRY_CURVE_ED25519 ? cry_spki_ed25519 : cry_spki_x25519;
	if (der == NULL) {
		*length = needed;
		return CRY_OK;
	}
	if (*length < needed) {
		*length = needed;
		return CRY_ERR_BUFFER;
	}
	memcpy(der, prefix, CRY_RFC8410_PREFIX_LENGTH);
	memcpy(der + CRY_RFC8410_PREFIX_LENGTH, point, 32);
	*length = needed;
	return CRY_OK;
}

cry_status cry_ecdh(cry_curve curve, const enc_buffer *private_key,
                    const uint8_t *peer_point, size_t peer_length,
                    enc_buffer **shared_secret)
{
	if (shared_secret == NULL || peer_point == NULL)
		return CRY_ERR_INVALID;
	*shared_secret = NULL;
	if (CRY_IS_NIST(curve))
		return cry_nist_ecdh(curve, private_key, peer_point,
		                     peer_length, shared_secret);
	if (curve == CRY_CURVE_X25519)
		return cry_x25519_ecdh(private_key, peer_point, peer_length,
		                       shared_secret);
	/* Ed25519 keys do not agree. */
	return CRY_ERR_INVALID;
}
