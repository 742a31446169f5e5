/* C_Digest*: message digests. C_DigestKey feeds a secret key's value
 * straight from the enclave into a digest state that is itself held in
 * the enclave (SHA-1/SHA-2); SHA-3 states cannot be, so those refuse it. */
#include "config.h"

#include "pkcs11/entry.h"
#include "pkcs11/operation.h"

#include <stdlib.h>

static CK_RV enter(CK_SESSION_HANDLE handle, p11_session **session)
{
	p11_operation *operation;
	return p11_operation_enter(handle, P11_OPERATION_DIGEST, session,
	                           &operation);
}

static CK_RV leave(p11_session *session, CK_RV rv, bool keep)
{
	return p11_operation_leave(session, P11_OPERATION_DIGEST, rv, keep);
}

CK_RV C_DigestInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism)
{
	p11_session *session;
	CK_RV rv = p11_session_acquire(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_mutex_lock(session->lock);
	const p11_mechanism *info = NULL;
	p11_operation *operation = NULL;
	if (session->closed)
		rv = CKR_SESSION_HANDLE_INVALID;
	else if (mechanism == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (session->digest != NULL)
		rv = CKR_OPERATION_ACTIVE;
	else if ((info = p11_mechanism_find(mechanism->mechanism)) == NULL ||
	         info->family != P11_FAMILY_DIGEST)
		rv = CKR_MECHANISM_INVALID;
	else if (mechanism->pParameter != NULL || mechanism->ulParameterLen)
		rv = CKR_MECHANISM_PARAM_INVALID;
	else if ((operation = calloc(1, sizeof(*operation))) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		operation->mechanism = info;
		operation->signature_length = cry_hash_length(info->hash);
		rv = p11_rv_from_crypto(
		        cry_digest_new(info->hash, &operation->digest));
	}
	if (rv == CKR_OK)
		session->digest = operation;
	else
		p11_operation_free(operation);
	p11_mutex_unlock(session->lock);
	p11_session_release(session);
	return rv;
}

static CK_RV finish(p11_operation *operation, CK_BYTE_PTR out,
                    CK_ULONG_PTR out_length, bool *keep)
{
	*keep = false;
	if (out_length == NULL)
		return CKR_ARGUMENTS_BAD;
	size_t needed = operation->signature_length;
	if (out == NULL || *out_length < needed) {
		bool query = out == NULL;
		*out_length = needed;
		*keep = true;
		return query ? CKR_OK : CKR_BUFFER_TOO_SMALL;
	}
	*out_length = needed;
	return p11_rv_from_crypto(cry_digest_final(operation->digest, out));
}

CK_RV C_Digest(CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG length,
               CK_BYTE_PTR digest, CK_ULONG_PTR digest_length)
{
	p11_session *session;
	CK_RV rv = enter(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_operation *operation = session->digest;
	bool keep = false;
	if (data == NULL && length > 0)
		rv = CKR_ARGUMENTS_BAD;
	else if (operation->multipart)
		rv = CKR_OPERATION_ACTIVE, keep = true;
	else if (digest_length != NULL && digest != NULL &&
	         *digest_length >= operation->signature_length)
		rv = p11_rv_from_crypto(
		        cry_digest_update(operation->digest, data, length));
	if (rv == CKR_OK)
		rv = finish(operation, digest, digest_length, &keep);
	return leave(session, rv, keep);
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR part,
                     CK_ULONG length)
{
	p11_session *session;
	CK_RV rv = enter(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_operation *operation = session->digest;
	operation->multipart = true;
	if (part == NULL && length > 0)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = p11_rv_from_crypto(
		        cry_digest_update(operation->digest, part, length));
	return leave(session, rv, rv == CKR_OK);
}

/* The key's value, opened into the enclave (slot lock held). */
static CK_RV open_key(p11_session *session, CK_OBJECT_HANDLE key,
                      enc_buffer **value)
{
	p11_object_ref *ref;
	CK_RV rv = p11_objects_lookup(session, key, &ref);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	if (ref->object->object_class != CKO_SECRET_KEY)
		return CKR_KEY_INDIGESTIBLE;
	enc_sealed *sealed;
	rv = p11_key_sealed_value(ref->object, &sealed);
	if (rv != CKR_OK)
		return CKR_KEY_INDIGESTIBLE;
	enc_status status = enc_open(sealed, NULL, 0, 0, value);
	enc_sealed_free(sealed);
	return status == ENC_OK ? CKR_OK : CKR_DEVICE_ERROR;
}

CK_RV C_DigestKey(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE key)
{
	p11_session *session;
	CK_RV rv = p11_session_acquire(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	p11_mutex_lock(slot->lock);
	p11_mutex_lock(session->lock);
	p11_operation *operation = session->digest;
	enc_buffer *value = NULL;
	if (session->closed)
		rv = CKR_SESSION_HANDLE_INVALID;
	else if (operation == NULL)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else
		rv = open_key(session, key, &value);
	p11_mutex_unlock(slot->lock);
	if (rv == CKR_OK) {
		cry_status status =
		        cry_digest_update_secret(operation->digest, value);
		rv = status == CRY_ERR_INVALID ? CKR_KEY_INDIGESTIBLE
		                               : p11_rv_from_crypto(status);
		operation->multipart = true;
	}
	enc_free(value);
	bool keep = rv == CKR_OK;
	if (operation != NULL && !keep) {
		p11_operation_free(session->digest);
		session->digest = NULL;
	}
	p11_mutex_unlock(session->lock);
	p11_session_release(session);
	return rv;
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR digest,
                    CK_ULONG_PTR digest_length)
{
	p11_session *session;
	CK_RV rv = enter(handle, &session);
	if (rv != CKR_OK)
		return rv;
	bool keep = false;
	rv = finish(session->digest, digest, digest_length, &keep);
	return leave(session, rv, keep);
}
