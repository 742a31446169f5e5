/* C_SignInit and C_VerifyInit: check the key and mechanism against each
 * other and the key's policy, then build the operation with everything it
 * needs to run later without the token's lock. */
#include "config.h"

#include "pkcs11/entry.h"
#include "pkcs11/mechanism_params.h"
#include "pkcs11/operation.h"
#include "pkcs11/sign.h"

#include <stdlib.h>
#include <string.h>

/* The key class and type a mechanism needs for this purpose. */
static CK_RV check_key_kind(const p11_mechanism *mechanism,
                            p11_operation_kind kind, const tok_object *key)
{
	bool signing = kind == P11_OPERATION_SIGN;
	CK_OBJECT_CLASS wanted_class;
	CK_KEY_TYPE wanted_type;
	switch (mechanism->family) {
	case P11_FAMILY_ECDSA:
		wanted_class = signing ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY;
		wanted_type = CKK_EC;
		break;
	case P11_FAMILY_EDDSA:
		wanted_class = signing ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY;
		wanted_type = CKK_EC_EDWARDS;
		break;
	case P11_FAMILY_HMAC:
		wanted_class = CKO_SECRET_KEY;
		wanted_type = CKK_GENERIC_SECRET;
		break;
	case P11_FAMILY_RSA:
		wanted_class = signing ? CKO_PRIVATE_KEY : CKO_PUBLIC_KEY;
		wanted_type = CKK_RSA;
		break;
	case P11_FAMILY_CMAC:
		wanted_class = CKO_SECRET_KEY;
		wanted_type = CKK_AES;
		break;
	default:
		return CKR_MECHANISM_INVALID;
	}
	if (key->object_class != wanted_class || key->key_type != wanted_type)
		return CKR_KEY_TYPE_INCONSISTENT;
	return CKR_OK;
}

static CK_RV read_eddsa_parameters(const CK_MECHANISM *mechanism,
                                   p11_operation *operation)
{
	if (mechanism->pParameter == NULL && mechanism->ulParameterLen == 0)
		return CKR_OK;
	if (mechanism->pParameter == NULL ||
	    mechanism->ulParameterLen != sizeof(CK_EDDSA_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	const CK_EDDSA_PARAMS *params = mechanism->pParameter;
	if (params->ulContextDataLen > 255 ||
	    (params->pContextData == NULL && params->ulContextDataLen > 0))
		return CKR_MECHANISM_PARAM_INVALID;
	operation->eddsa_prehash = params->phFlag != CK_FALSE;
	if (params->ulContextDataLen > 0) {
		operation->eddsa_context = malloc(params->ulContextDataLen);
		if (operation->eddsa_context == NULL)
			return CKR_HOST_MEMORY;
		memcpy(operation->eddsa_context, params->pContextData,
		       params->ulContextDataLen);
		operation->eddsa_context_length = params->ulContextDataLen;
	}
	return CKR_OK;
}

static CK_RV read_parameters(const CK_MECHANISM *mechanism,
                             p11_operation *operation)
{
	const p11_mechanism *info = operation->mechanism;
	if (info->family == P11_FAMILY_EDDSA)
		return read_eddsa_parameters(mechanism, operation);
	if (info->family == P11_FAMILY_RSA)
		return p11_rsa_params(mechanism, info, &operation->rsa,
		                      &operation->rsa_label);
	if ((info->family == P11_FAMILY_HMAC ||
	     info->family == P11_FAMILY_CMAC) &&
	    info->general) {
		size_t full = info->family == P11_FAMILY_CMAC
		                      ? 16
		                      : cry_hash_length(info->hash);
		if (mechanism->pParameter == NULL ||
		    mechanism->ulParameterLen != sizeof(CK_ULONG))
			return CKR_MECHANISM_PARAM_INVALID;
		CK_ULONG length = *(const CK_ULONG *)mechanism->pParameter;
		if (length == 0 || length > full)
			return CKR_MECHANISM_PARAM_INVALID;
		operation->signature_length = length;
		return CKR_OK;
	}
	if (mechanism->pParameter != NULL || mechanism->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

/* Ed25519 signs with libsodium's 64-byte key (seed || public key);
 * deriving it costs a scalar multiplication, so it is derived once per key
 * object and kept sealed with the object's handle. Slot lock held. */
static CK_RV ed25519_signing_key(p11_object_ref *ref, enc_sealed **out)
{
	if (ref->operational_key == NULL) {
		enc_sealed *seed_sealed;
		CK_RV rv = p11_key_sealed_value(ref->object, &seed_sealed);
		if (rv != CKR_OK)
			return rv;
		enc_buffer *seed = NULL, *expanded = NULL;
		enc_status opened = enc_open(seed_sealed, NULL, 0, 0, &seed);
		enc_sealed_free(seed_sealed);
		if (opened != ENC_OK)
			return CKR_DEVICE_ERROR;
		cry_status status = cry_ed25519_expand(seed, &expanded);
		enc_free(seed);
		if (status != CRY_OK)
			return p11_rv_from_crypto(status);
		enc_status sealed =
		        enc_seal(expanded, NULL, 0, &ref->operational_key);
		enc_free(expanded);
		if (sealed != ENC_OK)
			return CKR_DEVICE_ERROR;
	}
	return enc_sealed_copy(ref->operational_key, out) == ENC_OK
	               ? CKR_OK
	               : CKR_HOST_MEMORY;
}

/* RSA: the packed private key (sealed), or the public parts. */
static CK_RV take_rsa_key(p11_object_ref *ref, bool signing,
                          p11_operation *operation)
{
	operation->signature_length = p11_rsa_modulus_bytes(ref->object);
	if (operation->signature_length == 0)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (signing)
		return p11_rsa_private_key(ref, &operation->key);
	return p11_rsa_public_key(ref->object, &operation->public_key,
	                          &operation->public_length,
	                          &operation->public_exponent,
	                          &operation->public_exponent_length);
}

/* CMAC: the key is copied into the cry_cmac's own enclave buffer. */
static CK_RV take_cmac_key(const tok_object *key, p11_operation *operation)
{
	enc_buffer *opened = NULL;
	CK_RV rv = p11_key_open_value(key, &opened);
	if (rv != CKR_OK)
		return rv;
	cry_status made = cry_cmac_new(opened, &operation->cmac);
	enc_free(opened);
	if (operation->signature_length == 0)
		operation->signature_length = 16;
	return made == CRY_ERR_KEY ? CKR_KEY_SIZE_RANGE
	                           : p11_rv_from_crypto(made);
}

/* Everything the operation takes from the key object. Slot lock held. */
static CK_RV take_key(p11_object_ref *ref, bool signing,
                      p11_operation *operation)
{
	const tok_object *key = ref->object;
	const p11_mechanism *info = operation->mechanism;
	if (info->family == P11_FAMILY_RSA)
		return take_rsa_key(ref, signing, operation);
	if (info->family == P11_FAMILY_CMAC)
		return take_cmac_key(key, operation);
	if (info->family == P11_FAMILY_HMAC) {
		/* The keyed HMAC state is built now, in an enclave buffer; the
		 * key itself is not kept. */
		enc_buffer *opened = NULL;
		CK_RV rv = p11_key_open_value(key, &opened);
		if (rv != CKR_OK)
			return rv;
		cry_status made =
		        cry_hmac_new(info->hash, opened, &operation->hmac);
		enc_free(opened);
		if (operation->signature_length == 0)
			operation->signature_length =
			        cry_hash_length(info->hash);
		return p11_rv_from_crypto(made);
	}
	CK_RV rv = p11_key_curve(key, &operation->curve);
	if (rv != CKR_OK)
		return rv;
	operation->signature_length =
	        info->family == P11_FAMILY_EDDSA
	                ? 64
	                : 2 * cry_curve_private_bytes(operation->curve);
	if (!signing) {
		size_t length = cry_curve_public_bytes(operation->curve);
		operation->public_key = malloc(length);
		if (operation->public_key == NULL)
			return CKR_HOST_MEMORY;
		return p11_key_public_point(key, operation->curve,
		                            operation->public_key,
		                            &operation->public_length);
	}
	if (info->family == P11_FAMILY_EDDSA)
		return ed25519_signing_key(ref, &operation->key);
	return p11_key_sealed_value(key, &operation->key);
}

/* Everything a sign or verify operation holds. Slot lock held. */
static CK_RV build(const CK_MECHANISM *mechanism, p11_object_ref *ref,
                   p11_operation_kind kind, p11_operation *operation)
{
	bool signing = kind == P11_OPERATION_SIGN;
	const p11_mechanism *info = operation->mechanism;
	CK_RV rv = read_parameters(mechanism, operation);
	if (rv == CKR_OK)
		rv = take_key(ref, signing, operation);
	if (rv == CKR_OK && info->hashes)
		rv = p11_rv_from_crypto(
		        cry_digest_new(info->hash, &operation->digest));
	if (rv == CKR_OK && signing)
		operation->needs_context_login = tok_object_bool(
		        ref->object, CKA_ALWAYS_AUTHENTICATE, false);
	return rv;
}

CK_RV p11_sign_verify_init(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                           CK_OBJECT_HANDLE key, bool signing)
{
	return p11_operation_init(handle, mechanism, key,
	                          signing ? P11_OPERATION_SIGN
	                                  : P11_OPERATION_VERIFY,
	                          check_key_kind, build);
}

CK_RV C_SignInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                 CK_OBJECT_HANDLE key)
{
	return p11_sign_verify_init(handle, mechanism, key, true);
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                   CK_OBJECT_HANDLE key)
{
	return p11_sign_verify_init(handle, mechanism, key, false);
}
