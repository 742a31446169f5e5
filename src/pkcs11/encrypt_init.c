/* C_EncryptInit and C_DecryptInit: check the key and mechanism against
 * each other and the key's policy, then build the operation so that it
 * runs later without the token's lock. Keys stay sealed here: the
 * cry_cipher takes a copy of a secret key's sealed value and opens it
 * only inside the calls that process data; an RSA private key is kept
 * sealed likewise. */
#include "config.h"

#include "pkcs11/encrypt.h"
#include "pkcs11/entry.h"
#include "pkcs11/mechanism_params.h"
#include "pkcs11/operation.h"

#include <stdlib.h>

static CK_RV check_key_kind(const p11_mechanism *info, p11_operation_kind kind,
                            const tok_object *key)
{
	bool encrypting = kind == P11_OPERATION_ENCRYPT;
	CK_OBJECT_CLASS wanted_class;
	switch (info->family) {
	case P11_FAMILY_RSA:
		wanted_class = encrypting ? CKO_PUBLIC_KEY : CKO_PRIVATE_KEY;
		break;
	case P11_FAMILY_CIPHER:
		wanted_class = CKO_SECRET_KEY;
		break;
	default:
		return CKR_MECHANISM_INVALID;
	}
	if (key->object_class != wanted_class ||
	    key->key_type != info->key_type)
		return CKR_KEY_TYPE_INCONSISTENT;
	return CKR_OK;
}

CK_RV p11_cipher_from_key(const CK_MECHANISM *mechanism,
                          const p11_mechanism *info, const tok_object *key,
                          bool encrypting, cry_cipher **cipher,
                          cry_cipher_params *params)
{
	const store_attribute *value = tok_object_attribute(key, CKA_VALUE);
	if (value == NULL || value->sealed == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	CK_RV rv = p11_cipher_params(mechanism, info,
	                             enc_sealed_length(value->sealed), params);
	if (rv == CKR_OK && cipher != NULL)
		rv = p11_rv_from_crypto(cry_cipher_new_sealed(
		        value->sealed, params, encrypting, cipher));
	return rv;
}

static CK_RV take_rsa_key(const CK_MECHANISM *mechanism, p11_object_ref *ref,
                          bool encrypting, p11_operation *operation)
{
	CK_RV rv = p11_rsa_params(mechanism, operation->mechanism,
	                          &operation->rsa, &operation->rsa_label);
	if (rv != CKR_OK)
		return rv;
	operation->signature_length = p11_rsa_modulus_bytes(ref->object);
	if (operation->signature_length == 0)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (encrypting)
		return p11_rsa_public_key(ref->object, &operation->public_key,
		                          &operation->public_length,
		                          &operation->public_exponent,
		                          &operation->public_exponent_length);
	operation->needs_context_login =
	        tok_object_bool(ref->object, CKA_ALWAYS_AUTHENTICATE, false);
	return p11_rsa_private_key(ref, &operation->key);
}

static CK_RV take_key(const CK_MECHANISM *mechanism, p11_object_ref *ref,
                      p11_operation_kind kind, p11_operation *operation)
{
	bool encrypting = kind == P11_OPERATION_ENCRYPT;
	const p11_mechanism *info = operation->mechanism;
	if (info->family == P11_FAMILY_RSA)
		return take_rsa_key(mechanism, ref, encrypting, operation);
	cry_cipher_params params;
	CK_RV rv = p11_cipher_from_key(mechanism, info, ref->object, encrypting,
	                               &operation->cipher, &params);
	operation->cipher_mode = params.mode;
	operation->tag_length = params.tag_length;
	return rv;
}

CK_RV C_EncryptInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                    CK_OBJECT_HANDLE key)
{
	return p11_operation_init(handle, mechanism, key, P11_OPERATION_ENCRYPT,
	                          check_key_kind, take_key);
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                    CK_OBJECT_HANDLE key)
{
	return p11_operation_init(handle, mechanism, key, P11_OPERATION_DECRYPT,
	                          check_key_kind, take_key);
}
