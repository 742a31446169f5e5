/*
 * ECDSA signing on the NIST curves, at the speed of a pre-built OpenSSL key
 * without keeping one.
 *
 * Building an EVP_PKEY from a scalar costs as much as the signature: most
 * of it is the curve's EC_GROUP (Montgomery contexts, an inverse mod p).
 * The group is public, so each curve's is built once per process and kept;
 * for each signature a fresh EC_KEY gets a copy of it and the scalar, read
 * from the enclave buffer into a BIGNUM in OpenSSL's secure heap, and is
 * freed (the private BIGNUM cleared) before we return. The low-level
 * EC_KEY API is deprecated in OpenSSL 3 but is the one that takes a group
 * we already have.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "config.h"

#include "crypto/crypto.h"
#include "crypto/internal.h"

#include <limits.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <pthread.h>
#include <stdbool.h>

static EC_GROUP *groups[3];
static pthread_once_t groups_once = PTHREAD_ONCE_INIT;

static void build_groups(void)
{
	groups[CRY_CURVE_P256] =
	        EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	groups[CRY_CURVE_P384] = EC_GROUP_new_by_curve_name(NID_secp384r1);
	groups[CRY_CURVE_P521] = EC_GROUP_new_by_curve_name(NID_secp521r1);
}

/* The key, or NULL; its private BIGNUM is in the secure heap. */
static EC_KEY *signing_key(cry_curve curve, const enc_buffer *private_key)
{
	pthread_once(&groups_once, build_groups);
	const EC_GROUP *group = groups[curve];
	size_t length = cry_curve_private_bytes(curve);
	BIGNUM *scalar = BN_secure_new();
	EC_KEY *key = EC_KEY_new();
	bool ready = false;
	if (group != NULL && scalar != NULL && key != NULL) {
		BN_set_flags(scalar, BN_FLG_CONSTTIME);
		/* EC_KEY_set_private_key duplicates the BIGNUM, and BN_dup
		 * keeps it in the secure heap. */
		ready = BN_bin2bn(enc_data(private_key), (int)length, scalar) &&
		        EC_KEY_set_group(key, group) == 1 &&
		        EC_KEY_set_private_key(key, scalar) == 1;
	}
	BN_clear_free(scalar);
	if (!ready) {
		EC_KEY_free(key);
		return NULL;
	}
	return key;
}

cry_status cry_ecdsa_sign(cry_curve curve, const enc_buffer *private_key,
                          const uint8_t *digest, size_t digest_length,
                          uint8_t *signature)
{
	if (!CRY_IS_NIST(curve) || signature == NULL ||
	    (digest == NULL && digest_length != 0) || digest_length > INT_MAX)
		return CRY_ERR_INVALID;
	size_t length = cry_curve_private_bytes(curve);
	cry_status status = cry_check_key(private_key, length);
	if (status != CRY_OK)
		return status;
	if (!cry_scalar_in_range(curve, enc_data(private_key)))
		return CRY_ERR_KEY;
	EC_KEY *key = signing_key(curve, private_key);
	if (key == NULL)
		return CRY_ERR_INTERNAL;
	static const uint8_t empty[1];
	ECDSA_SIG *pair = ECDSA_do_sign(digest != NULL ? digest : empty,
	                                (int)digest_length, key);
	EC_KEY_free(key); /* clears the private BIGNUM */
	if (pair == NULL)
		return CRY_ERR_INTERNAL;
	const BIGNUM *r, *s;
	ECDSA_SIG_get0(pair, &r, &s);
	status = BN_bn2binpad(r, signature, (int)length) == (int)length &&
	                         BN_bn2binpad(s, signature + length,
	                                      (int)length) == (int)length
	                 ? CRY_OK
	                 : CRY_ERR_INTERNAL;
	ECDSA_SIG_free(pair);
	return status;
}
