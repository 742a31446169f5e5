/*
 * guardhsm crypto: PKCS#8 PrivateKeyInfo (RFC 5208, 5958) of RSA, NIST
 * curve, Ed25519 and X25519 keys, the plaintext of a wrapped private key.
 *
 *   PrivateKeyInfo ::= SEQUENCE { version INTEGER (0 | 1),
 *       AlgorithmIdentifier, privateKey OCTET STRING,
 *       [0] attributes OPTIONAL, [1] IMPLICIT publicKey OPTIONAL (v1) }
 *
 * with, inside the OCTET STRING, RSAPrivateKey (RFC 8017) for
 * rsaEncryption, ECPrivateKey (RFC 5915) for id-ecPublicKey with a named
 * curve, and an OCTET STRING of the 32 key bytes for RFC 8410's OIDs.
 * Written as OpenSSL writes them (no ECPrivateKey parameters, its public
 * key included; version 0), so that both read each other's bytes.
 *
 * The encoding is built in, and read from, an enclave buffer (der.c works
 * in place), so the key's parts pass through no other memory; a copy of a
 * private key is made only into another enclave buffer.
 */
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/der.h"
#include "crypto/internal.h"

#include <string.h>

#define MAX_POINT 133 /* P-521, uncompressed */
#define RFC8410_KEY_BYTES 32

/* The parts of the AlgorithmIdentifiers, as whole DER elements (DER is
 * canonical: comparing bytes is comparing values). */
static const uint8_t oid_rsa_encryption[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                             0xf7, 0x0d, 0x01, 0x01, 0x01};
static const uint8_t der_null[] = {0x05, 0x00};
static const uint8_t oid_ec_public_key[] = {0x06, 0x07, 0x2a, 0x86, 0x48,
                                            0xce, 0x3d, 0x02, 0x01};
static const uint8_t version_0 = 0, version_1 = 1;

/* ---- Writing ------------------------------------------------------------ */

typedef struct envelope {
	const uint8_t *algorithm; /* OID element */
	size_t algorithm_length;
	const uint8_t *parameters; /* element, or NULL (RFC 8410: absent) */
	size_t parameters_length;
	size_t inner_length; /* the privateKey OCTET STRING's contents */
} envelope;

/* A new enclave buffer holding the PrivateKeyInfo up to the contents of
 * privateKey, which go at *inner and end the buffer. */
static cry_status open_envelope(const envelope *e, enc_buffer **der,
                                uint8_t **inner)
{
	size_t algorithm = e->algorithm_length + e->parameters_length;
	size_t octets = cry_der_size(e->inner_length);
	size_t body = cry_der_size(1) + cry_der_size(algorithm) + octets;
	size_t total = octets == 0 ? 0 : cry_der_size(body);

	if (total == 0)
		return CRY_ERR_KEY; /* too long to encode */
	cry_status status = cry_from_enclave(enc_alloc(total, 0, der));
	if (status != CRY_OK)
		return status;
	uint8_t *at = enc_data(*der);
	at = cry_der_put_header(at, CRY_DER_SEQUENCE, body);
	at = cry_der_put(at, CRY_DER_INTEGER, &version_0, 1);
	at = cry_der_put_header(at, CRY_DER_SEQUENCE, algorithm);
	memcpy(at, e->algorithm, e->algorithm_length);
	at += e->algorithm_length;
	if (e->parameters_length > 0)
		memcpy(at, e->parameters, e->parameters_length);
	at += e->parameters_length;
	*inner = cry_der_put_header(at, CRY_DER_OCTET_STRING, e->inner_length);
	return CRY_OK;
}

/* The writing must have stopped exactly at the end: anything else is a
 * sizing bug here, and the buffer is not handed out. */
static cry_status close_envelope(enc_buffer **der, const uint8_t *at)
{
	cry_status status = CRY_ERR_INTERNAL;

	if (at == (const uint8_t *)enc_data(*der) + enc_size(*der))
		status = cry_from_enclave(enc_protect(*der, ENC_READONLY));
	if (status != CRY_OK) {
		enc_free(*der);
		*der = NULL;
	}
	return status;
}

cry_status cry_pkcs8_encode_rsa(const enc_buffer *packed, enc_buffer **der)
{
	cry_rsa_key key;
	uint8_t *at;

	if (der == NULL)
		return CRY_ERR_INVALID;
	*der = NULL;
	cry_status status = cry_rsa_read(packed, &key);
	if (status != CRY_OK)
		return status;
	if (!key.crt)
		return CRY_ERR_KEY;
	size_t integers = cry_der_size(1);
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		integers += cry_der_size(
		        cry_der_unsigned_length(key.part[i], key.length[i]));
	size_t sequence = cry_der_size(integers);
	if (sequence == 0)
		return CRY_ERR_KEY;
	envelope e = {oid_rsa_encryption, sizeof(oid_rsa_encryption), der_null,
	              sizeof(der_null), sequence};
	status = open_envelope(&e, der, &at);
	if (status != CRY_OK)
		return status;
	at = cry_der_put_header(at, CRY_DER_SEQUENCE, integers);
	at = cry_der_put(at, CRY_DER_INTEGER, &version_0, 1);
	/* RSAPrivateKey's order is cry_rsa_part's; the stored widths (d as
	 * long as n...) become minimal INTEGERs. */
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		at = cry_der_put_unsigned(at, key.part[i], key.length[i]);
	return close_envelope(der, at);
}

cry_status cry_pkcs8_encode_curve(cry_curve curve,
                                  const enc_buffer *private_key,
                                  enc_buffer **der)
{
	size_t oid_length;
	uint8_t *at;

	if (der == NULL)
		return CRY_ERR_INVALID;
	*der = NULL;
	if (!cry_curve_valid(curve))
		return CRY_ERR_INVALID;
	size_t length = cry_curve_private_bytes(curve);
	cry_status status = cry_check_key(private_key, length);
	if (status != CRY_OK)
		return status;
	const uint8_t *oid = cry_curve_params(curve, &oid_length);
	if (!CRY_IS_NIST(curve)) {
		envelope e = {oid, oid_length, NULL, 0, cry_der_size(length)};
		status = open_envelope(&e, der, &at);
		if (status != CRY_OK)
			return status;
		at = cry_der_put(at, CRY_DER_OCTET_STRING,
		                 enc_data(private_key), length);
		return close_envelope(der, at);
	}

	/* The public point is public: it may sit on the stack. Deriving it
	 * also checks the scalar's range. */
	uint8_t point[MAX_POINT];
	size_t point_length = cry_curve_public_bytes(curve);
	status = cry_ec_public_from_private(curve, private_key, point);
	if (status != CRY_OK)
		return status;
	size_t bits = cry_der_size(1 + point_length);
	size_t fields =
	        cry_der_size(1) + cry_der_size(length) + cry_der_size(bits);
	envelope e = {oid_ec_public_key, sizeof(oid_ec_public_key), oid,
	              oid_length, cry_der_size(fields)};
	status = open_envelope(&e, der, &at);
	if (status != CRY_OK)
		return status;
	at = cry_der_put_header(at, CRY_DER_SEQUENCE, fields);
	at = cry_der_put(at, CRY_DER_INTEGER, &version_1, 1);
	at = cry_der_put(at, CRY_DER_OCTET_STRING, enc_data(private_key),
	                 length);
	at = cry_der_put_header(at, CRY_DER_EXPLICIT(1), bits);
	at = cry_der_put_header(at, CRY_DER_BIT_STRING, 1 + point_length);
	*at++ = 0; /* no unused bits */
	memcpy(at, point, point_length);
	return close_envelope(der, at + point_length);
}

/* ---- Reading ------------------------------------------------------------ */

/* Takes the next bytes if they are exactly these. */
static bool take_exact(cry_der *in, const uint8_t *expected, size_t length)
{
	if (in->length < length || memcmp(in->data, expected, length) != 0)
		return false;
	in->data += length;
	in->length -= length;
	return true;
}

/* A BIT STRING's contents holding a public point: no unused bits, then
 * the point (NIST: uncompressed, so its length is fixed). */
static bool point_of(cry_der bits, cry_curve curve, const uint8_t **point)
{
	if (bits.length != 1 + cry_curve_public_bytes(curve) ||
	    bits.data[0] != 0)
		return false;
	*point = bits.data + 1;
	return true;
}

/* A public key given with a private key must be the one it makes; the
 * private key is copied into an enclave buffer to derive it. */
static cry_status check_public(cry_curve curve, const uint8_t *private_key,
                               const uint8_t *given)
{
	size_t length = cry_curve_private_bytes(curve);
	uint8_t point[MAX_POINT];
	enc_buffer *copy = NULL;

	cry_status status = cry_from_enclave(enc_alloc(length, 0, &copy));
	if (status != CRY_OK)
		return status;
	memcpy(enc_data(copy), private_key, length);
	status = cry_ec_public_from_private(curve, copy, point);
	enc_free(copy);
	if (status == CRY_OK &&
	    memcmp(point, given, cry_curve_public_bytes(curve)) != 0)
		status = CRY_ERR_KEY;
	return status;
}

/* RSAPrivateKey version 0 (two primes: no otherPrimeInfos). */
static cry_status decode_rsa(cry_der private_key, cry_pkcs8_key *key)
{
	cry_der fields, value;

	if (!cry_der_take(&private_key, CRY_DER_SEQUENCE, &fields) ||
	    private_key.length != 0 || !cry_der_take_small(&fields, 0))
		return CRY_ERR_KEY;
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		if (!cry_der_take_unsigned(&fields, &value) ||
		    value.length == 0 || value.length > CRY_RSA_MAX_BYTES)
			return CRY_ERR_KEY;
		key->part[i] = value.data;
		key->length[i] = value.length;
	}
	if (fields.length != 0)
		return CRY_ERR_KEY;
	key->rsa = true;
	return CRY_OK;
}

/* ECPrivateKey version 1: the scalar at its fixed length (RFC 5915), and
 * the optional parameters (the same curve) and public key (its point). */
static cry_status decode_nist(cry_curve curve, cry_der private_key,
                              cry_pkcs8_key *key)
{
	size_t oid_length;
	const uint8_t *oid = cry_curve_params(curve, &oid_length);
	size_t length = cry_curve_private_bytes(curve);
	const uint8_t *point = NULL;
	cry_der fields, scalar, tagged, bits;

	if (!cry_der_take(&private_key, CRY_DER_SEQUENCE, &fields) ||
	    private_key.length != 0 || !cry_der_take_small(&fields, 1) ||
	    !cry_der_take(&fields, CRY_DER_OCTET_STRING, &scalar) ||
	    scalar.length != length)
		return CRY_ERR_KEY;
	if (cry_der_peek(&fields, CRY_DER_EXPLICIT(0)) &&
	    (!cry_der_take(&fields, CRY_DER_EXPLICIT(0), &tagged) ||
	     !take_exact(&tagged, oid, oid_length) || tagged.length != 0))
		return CRY_ERR_KEY;
	if (cry_der_peek(&fields, CRY_DER_EXPLICIT(1)) &&
	    (!cry_der_take(&fields, CRY_DER_EXPLICIT(1), &tagged) ||
	     !cry_der_take(&tagged, CRY_DER_BIT_STRING, &bits) ||
	     tagged.length != 0 || !point_of(bits, curve, &point)))
		return CRY_ERR_KEY;
	if (fields.length != 0 || !cry_scalar_in_range(curve, scalar.data))
		return CRY_ERR_KEY;
	if (point != NULL) {
		cry_status status = check_public(curve, scalar.data, point);
		if (status != CRY_OK)
			return status;
	}
	key->curve = curve;
	key->private_key = scalar.data;
	key->private_length = length;
	return CRY_OK;
}

/* RFC 8410: CurvePrivateKey ::= OCTET STRING, inside privateKey; a
 * version 1 key may carry its public key (bits, or NULL). */
static cry_status decode_rfc8410(cry_curve curve, cry_der private_key,
                                 const cry_der *bits, cry_pkcs8_key *key)
{
	const uint8_t *point = NULL;
	cry_der seed;

	if (!cry_der_take(&private_key, CRY_DER_OCTET_STRING, &seed) ||
	    private_key.length != 0 || seed.length != RFC8410_KEY_BYTES ||
	    (bits != NULL && !point_of(*bits, curve, &point)))
		return CRY_ERR_KEY;
	if (point != NULL) {
		cry_status status = check_public(curve, seed.data, point);
		if (status != CRY_OK)
			return status;
	}
	key->curve = curve;
	key->private_key = seed.data;
	key->private_length = seed.length;
	return CRY_OK;
}

/* The AlgorithmIdentifier's contents decide how privateKey is read. */
static cry_status decode_key(cry_der algorithm, cry_der private_key,
                             bool version_1_key, const cry_der *public_bits,
                             cry_pkcs8_key *key)
{
	static const cry_curve nist[] = {CRY_CURVE_P256, CRY_CURVE_P384,
	                                 CRY_CURVE_P521};
	static const cry_curve rfc8410[] = {CRY_CURVE_ED25519,
	                                    CRY_CURVE_X25519};
	size_t oid_length;

	if (take_exact(&algorithm, oid_rsa_encryption,
	               sizeof(oid_rsa_encryption))) {
		if (version_1_key ||
		    !take_exact(&algorithm, der_null, sizeof(der_null)) ||
		    algorithm.length != 0)
			return CRY_ERR_KEY;
		return decode_rsa(private_key, key);
	}
	if (take_exact(&algorithm, oid_ec_public_key,
	               sizeof(oid_ec_public_key))) {
		for (size_t i = 0; i < sizeof(nist) / sizeof(nist[0]); i++) {
			const uint8_t *oid =
			        cry_curve_params(nist[i], &oid_length);
			cry_der rest = algorithm;
			if (take_exact(&rest, oid, oid_length) &&
			    rest.length == 0 && !version_1_key)
				return decode_nist(nist[i], private_key, key);
		}
		return CRY_ERR_KEY;
	}
	/* RFC 8410: the parameters must be absent. */
	for (size_t i = 0; i < sizeof(rfc8410) / sizeof(rfc8410[0]); i++) {
		const uint8_t *oid = cry_curve_params(rfc8410[i], &oid_length);
		cry_der rest = algorithm;
		if (take_exact(&rest, oid, oid_length) && rest.length == 0)
			return decode_rfc8410(rfc8410[i], private_key,
			                      public_bits, key);
	}
	return CRY_ERR_KEY;
}

cry_status cry_pkcs8_decode(const enc_buffer *der, cry_pkcs8_key *key)
{
	cry_der in, info, algorithm, private_key, public_bits;
	bool version_1_key = false, has_public = false;

	if (key == NULL)
		return CRY_ERR_INVALID;
	memset(key, 0, sizeof(*key));
	cry_status status = cry_check_key(der, 0);
	if (status != CRY_OK)
		return status;
	in.data = enc_data(der);
	in.length = enc_size(der);
	if (in.length > CRY_PKCS8_MAX_BYTES ||
	    !cry_der_take(&in, CRY_DER_SEQUENCE, &info) || in.length != 0)
		return CRY_ERR_KEY;
	if (!cry_der_take_small(&info, 0)) {
		if (!cry_der_take_small(&info, 1))
			return CRY_ERR_KEY;
		version_1_key = true;
	}
	if (!cry_der_take(&info, CRY_DER_SEQUENCE, &algorithm) ||
	    !cry_der_take(&info, CRY_DER_OCTET_STRING, &private_key))
		return CRY_ERR_KEY;
	/* Version 1 may add the public key; attributes are refused (we
	 * could not keep them, and would drop them silently). */
	if (version_1_key && cry_der_peek(&info, CRY_DER_IMPLICIT(1))) {
		if (!cry_der_take(&info, CRY_DER_IMPLICIT(1), &public_bits))
			return CRY_ERR_KEY;
		has_public = true;
	}
	if (info.length != 0)
		return CRY_ERR_KEY;
	status = decode_key(algorithm, private_key, version_1_key,
	                    has_public ? &public_bits : NULL, key);
	if (status != CRY_OK)
		memset(key, 0, sizeof(*key));
	return status;
}
