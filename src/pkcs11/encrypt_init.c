/* C_EncryptInit and C_DecryptInit: check the key and mechanism against
 * each other and the key's policy, then build the operation so that it
 * runs later without the token's lock. A symmetric key is opened into an
 * enclave buffer only inside this call, to key the cry_cipher (whose own
 * keyed state stays in the enclave); an RSA private key is kept sealed. */
#include "config.h"

#include "pkcs11/encrypt.h"
#include "pkcs11/entry.h"
#include "pkcs11/mechanism_params.h"
#include "pkcs11/operation.h"

#include <stdlib.h>

static CK_RV check_key_kind(const p11_mechanism *info, bool encrypting,
                            const tok_object *key)
{
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
	enc_sealed *sealed;
	CK_RV rv = p11_key_sealed_value(key, &sealed);
	if (rv != CKR_OK)
		return rv;
	enc_buffer *opened = NULL;
	enc_status status = enc_open(sealed, NULL, 0, 0, &opened);
	enc_sealed_free(sealed);
	if (status != ENC_OK)
		return CKR_DEVICE_ERROR;
	rv = p11_cipher_params(mechanism, info, enc_size(opened), params);
	if (rv == CKR_OK && cipher != NULL)
		rv = p11_rv_from_crypto(
		        cry_cipher_new(opened, params, encrypting, cipher));
	enc_free(opened);
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
                      bool encrypting, p11_operation *operation)
{
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

static CK_RV cipher_init(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                         CK_OBJECT_HANDLE key, bool encrypting)
{
	p11_session *session;
	CK_RV rv = p11_session_acquire(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	p11_mutex_lock(slot->lock);
	p11_mutex_lock(session->lock);
	p11_operation **slot_for_operation =
	        encrypting ? &session->encrypt : &session->decrypt;
	p11_operation *operation = NULL;
	p11_object_ref *ref = NULL;
	const p11_mechanism *info = NULL;

	if (session->closed)
		rv = CKR_SESSION_HANDLE_INVALID;
	else if (mechanism == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (*slot_for_operation != NULL)
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK) {
		info = p11_mechanism_find(mechanism->mechanism);
		if (info == NULL || !(info->info.flags &
		                      (encrypting ? CKF_ENCRYPT : CKF_DECRYPT)))
			rv = CKR_MECHANISM_INVALID;
	}
	if (rv == CKR_OK && slot->removed)
		rv = CKR_TOKEN_NOT_PRESENT;
	if (rv == CKR_OK) {
		rv = p11_objects_lookup(session, key, &ref);
		if (rv == CKR_OBJECT_HANDLE_INVALID)
			rv = CKR_KEY_HANDLE_INVALID;
	}
	if (rv == CKR_OK)
		rv = check_key_kind(info, encrypting, ref->object);
	if (rv == CKR_OK &&
	    !tok_object_bool(ref->object,
	                     encrypting ? CKA_ENCRYPT : CKA_DECRYPT, false))
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (rv == CKR_OK && !p11_key_mechanism_allowed(ref->object, info->type))
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK && (operation = calloc(1, sizeof(*operation))) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		operation->mechanism = info;
		rv = take_key(mechanism, ref, encrypting, operation);
	}
	if (rv == CKR_OK)
		*slot_for_operation = operation;
	else
		p11_operation_free(operation);
	p11_mutex_unlock(session->lock);
	p11_mutex_unlock(slot->lock);
	p11_session_release(session);
	return rv;
}

CK_RV C_EncryptInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                    CK_OBJECT_HANDLE key)
{
	return cipher_init(handle, mechanism, key, true);
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                    CK_OBJECT_HANDLE key)
{
	return cipher_init(handle, mechanism, key, false);
}
