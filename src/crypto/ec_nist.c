/*
 * guardhsm crypto: ECDSA and ECDH on the NIST curves with OpenSSL.
 *
 * A private scalar lives in an enclave buffer. For each operation it is
 * read straight from there into a BIGNUM in OpenSSL's secure heap, handed
 * to EVP_PKEY_fromdata (which keeps EC private keys in the secure heap
 * too), used, and everything is freed with clearing before we return.
 */
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "enclave/enclave.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <string.h>

/* DER ECDSA-Sig-Value for P-521: SEQUENCE (3) of two INTEGERs (3 + 67). */
#define CRY_MAX_DER_SIGNATURE 150
/* Tries at drawing a scalar below n: each fails with probability < 2^-32. */
#define CRY_GENERATE_TRIES 64

/* The group orders n, big-endian, as long as the private keys. */
static const uint8_t cry_order_p256[32] = {
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
        0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
static const uint8_t cry_order_p384[48] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xc7, 0x63, 0x4d, 0x81, 0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2,
        0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec, 0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73};
static const uint8_t cry_order_p521[66] = {
        0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xfa, 0x51, 0x86, 0x87, 0x83, 0xbf, 0x2f, 0x96, 0x6b, 0x7f, 0xcc,
        0x01, 0x48, 0xf7, 0x09, 0xa5, 0xd0, 0x3b, 0xb5, 0xc9, 0xb8, 0x89,
        0x9c, 0x47, 0xae, 0xbb, 0x6f, 0xb7, 0x1e, 0x91, 0x38, 0x64, 0x09};

const char *cry_nist_group_name(cry_curve curve)
{
	switch (curve) {
	case CRY_CURVE_P256:
		return SN_X9_62_prime256v1;
	case CRY_CURVE_P384:
		return SN_secp384r1;
	case CRY_CURVE_P521:
		return SN_secp521r1;
	default:
		return NULL;
	}
}

static int cry_nist_nid(cry_curve curve)
{
	switch (curve) {
	case CRY_CURVE_P256:
		return NID_X9_62_prime256v1;
	case CRY_CURVE_P384:
		return NID_secp384r1;
	default:
		return NID_secp521r1;
	}
}

static const uint8_t *cry_nist_order(cry_curve curve)
{
	switch (curve) {
	case CRY_CURVE_P256:
		return cry_order_p256;
	case CRY_CURVE_P384:
		return cry_order_p384;
	default:
		return cry_order_p521;
	}
}

/* 1 <= scalar < n, in constant time (the scalar is secret). */
bool cry_scalar_in_range(cry_curve curve, const uint8_t *scalar)
{
	const uint8_t *order = cry_nist_order(curve);
	size_t length = cry_curve_private_bytes(curve);
	unsigned borrow = 0;

	for (size_t i = length; i-- > 0;) {
		unsigned difference = (unsigned)scalar[i] - order[i] - borrow;

		borrow = (difference >> 8) & 1u;
	}
	return (borrow & (unsigned)!enc_ct_is_zero(scalar, length)) != 0;
}

/* The private key (a buffer already checked) as an EVP_PKEY whose
 * private BIGNUMs are all in the secure heap. */
static cry_status cry_nist_private_pkey(cry_curve curve,
                                        const enc_buffer *private_key,
                                        EVP_PKEY **out)
{
	size_t length = cry_curve_private_bytes(curve);
	cry_status status = CRY_ERR_INTERNAL;
	BIGNUM *scalar = BN_secure_new();
	OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *context = NULL;

	*out = NULL;
	if (scalar == NULL || builder == NULL) {
		status = CRY_ERR_NOMEM;
		goto done;
	}
	if (!cry_scalar_in_range(curve, enc_data(private_key))) {
		status = CRY_ERR_KEY;
		goto done;
	}
	BN_set_flags(scalar, BN_FLG_CONSTTIME);
	/* A secure BIGNUM makes the builder put the parameter in the
	 * secure heap too (and OSSL_PARAM_free clear it). */
	if (BN_bin2bn(enc_data(private_key), (int)length, scalar) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(builder,
	                                     OSSL_PKEY_PARAM_GROUP_NAME,
	                                     cry_nist_group_name(curve), 0) ||
	    !OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_PRIV_KEY, scalar))
		goto done;
	params = OSSL_PARAM_BLD_to_param(builder);
	context = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (params == NULL || context == NULL ||
	    EVP_PKEY_fromdata_init(context) <= 0 ||
	    EVP_PKEY_fromdata(context, out, EVP_PKEY_KEYPAIR, params) <= 0)
		goto done;
	status = CRY_OK;
done:
	EVP_PKEY_CTX_free(context);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(builder);
	BN_clear_free(scalar);
	return status;
}

cry_status cry_nist_public_pkey(cry_curve curve, const uint8_t *point,
                                size_t length, EVP_PKEY **out)
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *context;
	EVP_PKEY_CTX *check = NULL;
	cry_status status = CRY_ERR_KEY;

	*out = NULL;
	if (!CRY_IS_NIST(curve) || point == NULL)
		return CRY_ERR_INVALID;
	/* Only the uncompressed form (PKCS#11's CKA_EC_POINT); the point
	 * at infinity (a single zero byte) fails the length check. */
	if (length != cry_curve_public_bytes(curve) || point[0] != 0x04)
		return CRY_ERR_KEY;
	params[0] = OSSL_PARAM_construct_utf8_string(
	        OSSL_PKEY_PARAM_GROUP_NAME, (char *)cry_nist_group_name(curve),
	        0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	                                              (void *)point, length);
	params[2] = OSSL_PARAM_construct_end();
	context = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (context == NULL)
		return CRY_ERR_NOMEM;
	if (EVP_PKEY_fromdata_init(context) <= 0) {
		status = CRY_ERR_INTERNAL;
		goto done;
	}
	/* Decoding fails for a point off the curve; the check adds the
	 * point at infinity and the order. */
	if (EVP_PKEY_fromdata(context, out, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto done;
	check = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
	if (check == NULL || EVP_PKEY_public_check(check) != 1)
		goto done;
	status = CRY_OK;
done:
	if (status != CRY_OK) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(context);
	return status;
}

cry_status cry_nist_public(cry_curve curve, const enc_buffer *private_key,
                           uint8_t *public_point)
{
	size_t length = cry_curve_private_bytes(curve);
	size_t public_length = cry_curve_public_bytes(curve);
	cry_status status = cry_check_key(private_key, length);
	EC_GROUP *group = NULL;
	EC_POINT *point = NULL;
	BIGNUM *scalar = NULL;
	BN_CTX *bn_context = NULL;

	if (status != CRY_OK)
		return status;
	if (!cry_scalar_in_range(curve, enc_data(private_key)))
		return CRY_ERR_KEY;
	status = CRY_ERR_INTERNAL;
	group = EC_GROUP_new_by_curve_name(cry_nist_nid(curve));
	scalar = BN_secure_new();
	/* Intermediates of the multiplication derive from the scalar. */
	bn_context = BN_CTX_secure_new();
	if (group == NULL || scalar == NULL || bn_context == NULL) {
		status = CRY_ERR_NOMEM;
		goto done;
	}
	BN_set_flags(scalar, BN_FLG_CONSTTIME);
	point = EC_POINT_new(group);
	if (point == NULL ||
	    BN_bin2bn(enc_data(private_key), (int)length, scalar) == NULL ||
	    !EC_POINT_mul(group, point, scalar, NULL, NULL, bn_context) ||
	    EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED,
	                       public_point, public_length,
	                       bn_context) != public_length)
		goto done;
	status = CRY_OK;
done:
	EC_POINT_clear_free(point);
	BN_clear_free(scalar);
	BN_CTX_free(bn_context);
	EC_GROUP_free(group);
	return status;
}

cry_status cry_nist_generate(cry_curve curve, enc_buffer **private_key,
                             uint8_t *public_point)
{
	size_t length = cry_curve_private_bytes(curve);
	enc_buffer *key = NULL;
	cry_status status;
	bool found = false;

	/* The scalar is drawn in place in the enclave, by rejection
	 * sampling (FIPS 186-4 B.4.2), so it never has to be exported from
	 * an OpenSSL key object into our memory. */
	status = cry_from_enclave(enc_alloc(length, 0, &key));
	if (status != CRY_OK)
		return status;
	for (int i = 0; i < CRY_GENERATE_TRIES && !found; i++) {
		uint8_t *scalar = enc_data(key);

		enc_random(scalar, length);
		if (curve == CRY_CURVE_P521)
			scalar[0] &= 0x01;
		found = cry_scalar_in_range(curve, scalar);
	}
	status = found ? cry_nist_public(curve, key, public_point)
	               : CRY_ERR_INTERNAL;
	if (status == CRY_OK)
		status = cry_from_enclave(enc_protect(key, ENC_READONLY));
	if (status != CRY_OK) {
		enc_free(key);
		return status;
	}
	*private_key = key;
	return CRY_OK;
}

cry_status cry_ecdsa_verify(cry_curve curve, const uint8_t *public_point,
                            size_t point_length, const uint8_t *digest,
                            size_t digest_length, const uint8_t *signature,
                            size_t signature_length)
{
	size_t length = cry_curve_private_bytes(curve);
	uint8_t der[CRY_MAX_DER_SIGNATURE];
	unsigned char *cursor = der;
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *context = NULL;
	ECDSA_SIG *pair = NULL;
	BIGNUM *r = NULL;
	BIGNUM *s = NULL;
	int der_length;
	cry_status status;

	if (!CRY_IS_NIST(curve) || public_point == NULL || signature == NULL ||
	    (digest == NULL && digest_length != 0))
		return CRY_ERR_INVALID;
	if (signature_length != 2 * length)
		return CRY_ERR_SIGNATURE_LENGTH;
	status = cry_nist_public_pkey(curve, public_point, point_length, &key);
	if (status != CRY_OK)
		return status;
	status = CRY_ERR_NOMEM;
	pair = ECDSA_SIG_new();
	r = BN_bin2bn(signature, (int)length, NULL);
	s = BN_bin2bn(signature + length, (int)length, NULL);
	if (pair == NULL || r == NULL || s == NULL ||
	    !ECDSA_SIG_set0(pair, r, s))
		goto done;
	r = s = NULL; /* now owned by pair */
	status = CRY_ERR_INTERNAL;
	der_length = i2d_ECDSA_SIG(pair, NULL);
	if (der_length <= 0 || (size_t)der_length > sizeof(der) ||
	    i2d_ECDSA_SIG(pair, &cursor) != der_length)
		goto done;
	context = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (context == NULL || EVP_PKEY_verify_init(context) <= 0)
		goto done;
	/* 0: a wrong signature; < 0: one OpenSSL could not even use (r or
	 * s zero or out of range): not valid either. */
	status = EVP_PKEY_verify(context, der, (size_t)der_length,
	                         digest != NULL ? digest : der,
	                         digest_length) == 1
	                 ? CRY_OK
	                 : CRY_ERR_SIGNATURE;
done:
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(pair);
	EVP_PKEY_CTX_free(context);
	EVP_PKEY_free(key);
	return status;
}

cry_status cry_nist_ecdh(cry_curve curve, const enc_buffer *private_key,
                         const uint8_t *peer_point, size_t peer_length,
                         enc_buffer **shared_secret)
{
	EVP_PKEY *key = NULL;
	EVP_PKEY *peer = NULL;
	EVP_PKEY_CTX *context = NULL;
	enc_buffer *secret = NULL;
	size_t secret_length = 0;
	cry_status status;

	status = cry_check_key(private_key, cry_curve_private_bytes(curve));
	if (status != CRY_OK)
		return status;
	status = cry_nist_public_pkey(curve, peer_point, peer_length, &peer);
	if (status != CRY_OK)
		return status;
	status = cry_nist_private_pkey(curve, private_key, &key);
	if (status != CRY_OK)
		goto done;
	status = CRY_ERR_INTERNAL;
	context = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	if (context == NULL || EVP_PKEY_derive_init(context) <= 0)
		goto done;
	if (EVP_PKEY_derive_set_peer(context, peer) <= 0) {
		status = CRY_ERR_KEY;
		goto done;
	}
	if (EVP_PKEY_derive(context, NULL, &secret_length) <= 0 ||
	    secret_length == 0)
		goto done;
	status = cry_from_enclave(enc_alloc(secret_length, 0, &secret));
	if (status != CRY_OK)
		goto done;
	/* OpenSSL writes the x coordinate straight into the enclave. */
	if (EVP_PKEY_derive(context, enc_data(secret), &secret_length) <= 0 ||
	    secret_length != enc_size(secret)) {
		status = CRY_ERR_INTERNAL;
		goto done;
	}
	status = cry_from_enclave(enc_protect(secret, ENC_READONLY));
done:
	if (status == CRY_OK)
		*shared_secret = secret;
	else
		enc_free(secret);
	EVP_PKEY_CTX_free(context);
	EVP_PKEY_free(key);
	EVP_PKEY_free(peer);
	return status;
}
