/* CKM_HKDF_DERIVE and CKM_HKDF_DATA (PKCS#11 3.0 section 2.43): HKDF
 * (RFC 5869) over a generic secret or HKDF key, extract and/or expand,
 * the salt given as data, as a key, or none; the result is a new secret
 * key, or for CKM_HKDF_DATA a data object. The base key and a salt key
 * are opened from sealed copies into enclave buffers only for the
 * computation (crypto/kdf.c), whose result stays in the enclave until it
 * is sealed into the new key. */
#include "config.h"

#include "pkcs11/derive.h"
#include "pkcs11/operation.h"

/* prfHashMechanism: SHA-1 and SHA-2 only (the crypto layer keeps no
 * SHA-3 HMAC state in the enclave). */
static CK_RV prf_hash(CK_MECHANISM_TYPE mechanism, cry_hash *hash)
{
	switch (mechanism) {
	case CKM_SHA_1:
		*hash = CRY_HASH_SHA1;
		return CKR_OK;
	case CKM_SHA224:
		*hash = CRY_HASH_SHA224;
		return CKR_OK;
	case CKM_SHA256:
		*hash = CRY_HASH_SHA256;
		return CKR_OK;
	case CKM_SHA384:
		*hash = CRY_HASH_SHA384;
		return CKR_OK;
	case CKM_SHA512:
		*hash = CRY_HASH_SHA512;
		return CKR_OK;
	default:
		return CKR_MECHANISM_PARAM_INVALID;
	}
}

/* The parameter's own consistency. The salt matters only with bExtract
 * and the info only with bExpand: the spec has the others ignored. */
static CK_RV check_params(const GUARDHSM_HKDF_PARAMS *params, cry_hash *hash)
{
	if (!params->bExtract && !params->bExpand)
		return CKR_MECHANISM_PARAM_INVALID;
	CK_RV rv = prf_hash(params->prfHashMechanism, hash);
	if (rv != CKR_OK)
		return rv;
	if (params->bExpand && params->pInfo == NULL && params->ulInfoLen > 0)
		return CKR_MECHANISM_PARAM_INVALID;
	if (!params->bExtract)
		return CKR_OK;
	switch (params->ulSaltType) {
	case CKF_HKDF_SALT_NULL:
	case CKF_HKDF_SALT_KEY:
		return params->pSalt == NULL && params->ulSaltLen == 0
		               ? CKR_OK
		               : CKR_MECHANISM_PARAM_INVALID;
	case CKF_HKDF_SALT_DATA:
		return params->pSalt != NULL && params->ulSaltLen > 0
		               ? CKR_OK
		               : CKR_MECHANISM_PARAM_INVALID;
	default:
		return CKR_MECHANISM_PARAM_INVALID;
	}
}

/* A key HKDF may use, as the base or as the salt: a generic secret or an
 * HKDF key, usable for derivation, as a sealed copy of its value. The
 * salt key must allow derivation too: the output is as much its
 * product as the base key's (an extract-only result is an HMAC under
 * it). */
static CK_RV hkdf_key(p11_derive *derive, CK_OBJECT_HANDLE handle, bool is_base,
                      enc_sealed **sealed)
{
	const tok_object *key;
	CK_RV rv = p11_derive_lookup(derive->session, handle, &key);
	if (rv != CKR_OK)
		return rv;
	if (key->object_class != CKO_SECRET_KEY ||
	    (key->key_type != CKK_GENERIC_SECRET && key->key_type != CKK_HKDF))
		return CKR_KEY_TYPE_INCONSISTENT;
	rv = p11_derive_permitted(key, derive->mechanism->mechanism);
	if (rv == CKR_OK)
		rv = p11_key_sealed_value(key, sealed);
	if (rv == CKR_OK && is_base)
		p11_derive_note_base(derive, key);
	return rv;
}

/* The output length: CKA_VALUE_LEN with bExpand (up to 255 hash
 * lengths), the hash length (PRK) without. */
static CK_RV output_length(p11_derive *derive,
                           const GUARDHSM_HKDF_PARAMS *params,
                           size_t hash_length)
{
	size_t length = 0;
	if (!params->bExpand) {
		if (derive->length_given && derive->length != hash_length)
			return CKR_TEMPLATE_INCONSISTENT;
		derive->length = hash_length;
		return CKR_OK;
	}
	CK_RV rv = p11_derive_length(derive, 0, &length);
	if (rv != CKR_OK)
		return rv;
	if (length > 255 * hash_length)
		return CKR_TEMPLATE_INCONSISTENT;
	derive->length = length;
	return CKR_OK;
}

static CK_RV run(const GUARDHSM_HKDF_PARAMS *params, cry_hash hash,
                 const enc_sealed *base, const enc_sealed *salt_key,
                 size_t length, enc_buffer **value)
{
	enc_buffer *ikm = NULL, *salt = NULL;
	cry_status status = CRY_ERR_ENCLAVE;
	if (enc_open(base, NULL, 0, 0, &ikm) == ENC_OK &&
	    (salt_key == NULL ||
	     enc_open(salt_key, NULL, 0, 0, &salt) == ENC_OK))
		status = cry_hkdf(hash, ikm, params->bExtract, params->bExpand,
		                  params->pSalt, params->ulSaltLen, salt,
		                  params->pInfo, params->ulInfoLen,
		                  params->bExpand ? length : 0, value);
	enc_free(salt);
	enc_free(ikm);
	/* A base key too short to be a PRK (expand alone). */
	if (status == CRY_ERR_KEY)
		return CKR_KEY_SIZE_RANGE;
	return p11_rv_from_crypto(status);
}

CK_RV p11_derive_hkdf(p11_derive *derive, CK_OBJECT_HANDLE base,
                      enc_buffer **value)
{
	const CK_MECHANISM *mechanism = derive->mechanism;
	if (mechanism->pParameter == NULL ||
	    mechanism->ulParameterLen != sizeof(GUARDHSM_HKDF_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	const GUARDHSM_HKDF_PARAMS *params = mechanism->pParameter;
	cry_hash hash;
	CK_RV rv = check_params(params, &hash);
	if (rv != CKR_OK)
		return rv;
	/* The base first: a lookup of the salt key may drop its cached
	 * object, but the sealed copy stays. */
	enc_sealed *ikm = NULL, *salt_key = NULL;
	rv = hkdf_key(derive, base, true, &ikm);
	if (rv == CKR_OK && params->bExtract &&
	    params->ulSaltType == CKF_HKDF_SALT_KEY)
		rv = hkdf_key(derive, params->hSaltKey, false, &salt_key);
	if (rv == CKR_OK)
		rv = p11_derive_new_object(derive,
		                           mechanism->mechanism == CKM_HKDF_DATA
		                                   ? CKO_DATA
		                                   : CKO_SECRET_KEY);
	if (rv == CKR_OK)
		rv = output_length(derive, params, cry_hash_length(hash));
	if (rv == CKR_OK) {
		/* Without bExtract the salt is not used, whatever it is. */
		GUARDHSM_HKDF_PARAMS used = *params;
		if (!used.bExtract) {
			used.pSalt = NULL;
			used.ulSaltLen = 0;
		}
		if (!used.bExpand) {
			used.pInfo = NULL;
			used.ulInfoLen = 0;
		}
		rv = run(&used, hash, ikm, salt_key, derive->length, value);
	}
	enc_sealed_free(salt_key);
	enc_sealed_free(ikm);
	return rv;
}
