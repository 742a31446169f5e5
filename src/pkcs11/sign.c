/* C_Sign*, C_Verify*: run the session's operation. The private key is
 * opened into an enclave buffer only inside the call that signs, and
 * wiped before it returns; no token lock is held meanwhile. */
#include "config.h"

#include "pkcs11/entry.h"
#include "pkcs11/operation.h"

#include <stdlib.h>
#include <string.h>

/* MACs and EC signatures (P-521 r||s is 132 bytes) fit here; RSA
 * signatures are written straight into the caller's buffer. */
#define MAX_SIGNATURE 132

static p11_operation_kind kind_of(bool signing)
{
	return signing ? P11_OPERATION_SIGN : P11_OPERATION_VERIFY;
}

static CK_RV enter(CK_SESSION_HANDLE handle, bool signing,
                   p11_session **session, p11_operation **operation)
{
	return p11_operation_enter(handle, kind_of(signing), session,
	                           operation);
}

static CK_RV leave(p11_session *session, bool signing, CK_RV rv,
                   bool keep_operation)
{
	return p11_operation_leave(session, kind_of(signing), rv,
	                           keep_operation);
}

static CK_RV feed(p11_operation *operation, const uint8_t *data, size_t length)
{
	const p11_mechanism *info = operation->mechanism;
	if (info->family == P11_FAMILY_HMAC)
		return p11_rv_from_crypto(
		        cry_hmac_update(operation->hmac, data, length));
	if (info->family == P11_FAMILY_CMAC)
		return p11_rv_from_crypto(
		        cry_cmac_update(operation->cmac, data, length));
	if ((info->family == P11_FAMILY_ECDSA ||
	     info->family == P11_FAMILY_RSA) &&
	    info->hashes)
		return p11_rv_from_crypto(
		        cry_digest_update(operation->digest, data, length));
	if (info->family == P11_FAMILY_EDDSA) {
		/* Pure Ed25519 hashes the message twice: it cannot stream, so
		 * the (public) message is gathered; the key stays sealed. */
		size_t needed = operation->message_length + length;
		if (needed < length)
			return CKR_DATA_LEN_RANGE;
		if (needed > operation->message_capacity) {
			size_t capacity = needed < 256 ? 256 : needed * 2;
			uint8_t *grown = realloc(operation->message, capacity);
			if (grown == NULL)
				return CKR_HOST_MEMORY;
			operation->message = grown;
			operation->message_capacity = capacity;
		}
		if (length > 0)
			memcpy(operation->message + operation->message_length,
			       data, length);
		operation->message_length = needed;
		return CKR_OK;
	}
	/* CKM_ECDSA, CKM_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_RSA_X_509 */
	return CKR_FUNCTION_NOT_SUPPORTED;
}

/* Mechanisms that sign a hash: single-part unless the token hashes. */
static bool single_part_only(const p11_mechanism *info)
{
	return (info->family == P11_FAMILY_ECDSA ||
	        info->family == P11_FAMILY_RSA) &&
	       !info->hashes;
}

/* What ECDSA and RSA sign: the data itself (CKM_ECDSA, CKM_RSA_PKCS...)
 * or its hash. */
static CK_RV hashed_input(p11_operation *operation, const uint8_t *data,
                          size_t length, uint8_t *digest, const uint8_t **input,
                          size_t *input_length)
{
	const p11_mechanism *info = operation->mechanism;
	if (!info->hashes) {
		*input = data;
		*input_length = length;
		return CKR_OK;
	}
	cry_status status = CRY_OK;
	if (!operation->multipart)
		status = cry_digest_update(operation->digest, data, length);
	if (status == CRY_OK)
		status = cry_digest_final(operation->digest, digest);
	*input = digest;
	*input_length = cry_hash_length(info->hash);
	return p11_rv_from_crypto(status);
}

static CK_RV sign_with_key(p11_operation *operation, const uint8_t *data,
                           size_t length, uint8_t *signature)
{
	uint8_t digest[64];
	const uint8_t *input = data;
	size_t input_length = length;
	const p11_mechanism *info = operation->mechanism;
	if (info->family == P11_FAMILY_ECDSA ||
	    info->family == P11_FAMILY_RSA) {
		CK_RV rv = hashed_input(operation, data, length, digest, &input,
		                        &input_length);
		if (rv != CKR_OK)
			return rv;
	} else if (operation->multipart) {
		input = operation->message;
		input_length = operation->message_length;
	}
	/* Opened into a writable slot and freed in this call: skipping the
	 * read-only flip saves a protection change per signature. */
	enc_buffer *key = NULL;
	if (enc_alloc(enc_sealed_length(operation->key), 0, &key) != ENC_OK)
		return CKR_DEVICE_ERROR;
	if (enc_open_into(operation->key, NULL, 0, key) != ENC_OK) {
		enc_free(key);
		return CKR_DEVICE_ERROR;
	}
	cry_status status;
	size_t written = operation->signature_length;
	if (info->family == P11_FAMILY_RSA) {
		status = cry_rsa_sign(key, &operation->rsa, input, input_length,
		                      signature, &written);
		enc_free(key);
		/* Input too long for the modulus, or a PSS input that is not
		 * a digest of the named hash. */
		return status == CRY_ERR_INVALID ? CKR_DATA_LEN_RANGE
		                                 : p11_rv_from_crypto(status);
	}
	if (info->family == P11_FAMILY_ECDSA)
		status = cry_ecdsa_sign(operation->curve, key, input,
		                        input_length, signature);
	else if (operation->eddsa_prehash || operation->eddsa_context_length)
		status = cry_ed25519_sign_ex(key, operation->eddsa_prehash,
		                             operation->eddsa_context,
		                             operation->eddsa_context_length,
		                             input, input_length, signature);
	else
		status = cry_ed25519_sign(key, input, input_length, signature);
	enc_free(key);
	return p11_rv_from_crypto(status);
}

/* The full MAC of everything fed so far, plus data (single-part). */
static CK_RV compute_mac(p11_operation *operation, const uint8_t *data,
                         size_t length, uint8_t *mac)
{
	cry_status status = CRY_OK;
	if (operation->mechanism->family == P11_FAMILY_CMAC) {
		if (!operation->multipart)
			status = cry_cmac_update(operation->cmac, data, length);
		if (status == CRY_OK)
			status = cry_cmac_final(operation->cmac, mac);
		return p11_rv_from_crypto(status);
	}
	if (!operation->multipart)
		status = cry_hmac_update(operation->hmac, data, length);
	if (status == CRY_OK)
		status = cry_hmac_final(operation->hmac, mac);
	return p11_rv_from_crypto(status);
}

static CK_RV produce(p11_operation *operation, const uint8_t *data,
                     size_t length, CK_BYTE_PTR out, CK_ULONG_PTR out_length,
                     bool *keep)
{
	*keep = false;
	if (out_length == NULL)
		return CKR_ARGUMENTS_BAD;
	if (operation->needs_context_login) {
		*keep = true;
		return CKR_USER_NOT_LOGGED_IN;
	}
	size_t needed = operation->signature_length;
	if (out == NULL || *out_length < needed) {
		bool query = out == NULL;
		*out_length = needed;
		*keep = true;
		return query ? CKR_OK : CKR_BUFFER_TOO_SMALL;
	}
	p11_family family = operation->mechanism->family;
	if (family == P11_FAMILY_RSA) {
		CK_RV rv = sign_with_key(operation, data, length, out);
		if (rv == CKR_OK)
			*out_length = needed;
		return rv;
	}
	uint8_t result[MAX_SIGNATURE];
	CK_RV rv = family == P11_FAMILY_HMAC || family == P11_FAMILY_CMAC
	                   ? compute_mac(operation, data, length, result)
	                   : sign_with_key(operation, data, length, result);
	if (rv == CKR_OK) {
		memcpy(out, result, needed);
		*out_length = needed;
	}
	return rv;
}

CK_RV C_Sign(CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG length,
             CK_BYTE_PTR signature, CK_ULONG_PTR signature_length)
{
	p11_session *session;
	p11_operation *operation;
	CK_RV rv = enter(handle, true, &session, &operation);
	if (rv != CKR_OK)
		return rv;
	bool keep = false;
	if (data == NULL && length > 0)
		rv = CKR_ARGUMENTS_BAD;
	else if (operation->multipart)
		rv = CKR_OPERATION_ACTIVE, keep = true;
	else
		rv = produce(operation, data, length, signature,
		             signature_length, &keep);
	return leave(session, true, rv, keep);
}

/* C_SignUpdate and C_VerifyUpdate: feed a part to the operation. */
static CK_RV update(CK_SESSION_HANDLE handle, bool signing, CK_BYTE_PTR part,
                    CK_ULONG length)
{
	p11_session *session;
	p11_operation *operation;
	CK_RV rv = enter(handle, signing, &session, &operation);
	if (rv != CKR_OK)
		return rv;
	if (part == NULL && length > 0)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = feed(operation, part, length);
	operation->multipart = true;
	return leave(session, signing, rv, rv == CKR_OK);
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR part, CK_ULONG length)
{
	return update(handle, true, part, length);
}

CK_RV C_SignFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR signature,
                  CK_ULONG_PTR signature_length)
{
	p11_session *session;
	p11_operation *operation;
	CK_RV rv = enter(handle, true, &session, &operation);
	if (rv != CKR_OK)
		return rv;
	bool keep = false;
	if (single_part_only(operation->mechanism)) {
		rv = CKR_FUNCTION_NOT_SUPPORTED;
	} else {
		operation->multipart = true;
		rv = produce(operation, NULL, 0, signature, signature_length,
		             &keep);
	}
	return leave(session, true, rv, keep);
}

static CK_RV check(p11_operation *operation, const uint8_t *data, size_t length,
                   const uint8_t *signature, size_t signature_length)
{
	const p11_mechanism *info = operation->mechanism;
	if (signature_length != operation->signature_length)
		return CKR_SIGNATURE_LEN_RANGE;
	if (info->family == P11_FAMILY_HMAC ||
	    info->family == P11_FAMILY_CMAC) {
		uint8_t mac[MAX_SIGNATURE];
		CK_RV rv = compute_mac(operation, data, length, mac);
		if (rv == CKR_OK &&
		    !enc_ct_equal(mac, signature, signature_length))
			rv = CKR_SIGNATURE_INVALID;
		return rv;
	}
	if (info->family == P11_FAMILY_ECDSA ||
	    info->family == P11_FAMILY_RSA) {
		uint8_t digest[64];
		const uint8_t *input;
		size_t input_length;
		CK_RV rv = hashed_input(operation, data, length, digest, &input,
		                        &input_length);
		if (rv != CKR_OK)
			return rv;
		if (info->family == P11_FAMILY_RSA) {
			cry_status status = cry_rsa_verify(
			        operation->public_key, operation->public_length,
			        operation->public_exponent,
			        operation->public_exponent_length,
			        &operation->rsa, input, input_length, signature,
			        signature_length);
			return status == CRY_ERR_INVALID
			               ? CKR_DATA_LEN_RANGE
			               : p11_rv_from_crypto(status);
		}
		return p11_rv_from_crypto(cry_ecdsa_verify(
		        operation->curve, operation->public_key,
		        operation->public_length, input, input_length,
		        signature, signature_length));
	}
	const uint8_t *message =
	        operation->multipart ? operation->message : data;
	size_t message_length =
	        operation->multipart ? operation->message_length : length;
	if (operation->eddsa_prehash || operation->eddsa_context_length)
		return p11_rv_from_crypto(cry_ed25519_verify_ex(
		        operation->public_key, operation->eddsa_prehash,
		        operation->eddsa_context,
		        operation->eddsa_context_length, message,
		        message_length, signature, signature_length));
	return p11_rv_from_crypto(cry_ed25519_verify(
	        operation->public_key, message, message_length, signature,
	        signature_length));
}

CK_RV C_Verify(CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG length,
               CK_BYTE_PTR signature, CK_ULONG signature_length)
{
	p11_session *session;
	p11_operation *operation;
	CK_RV rv = enter(handle, false, &session, &operation);
	if (rv != CKR_OK)
		return rv;
	if ((data == NULL && length > 0) || signature == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (operation->multipart)
		return leave(session, false, CKR_OPERATION_ACTIVE, true);
	else
		rv = check(operation, data, length, signature,
		           signature_length);
	return leave(session, false, rv, false);
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR part,
                     CK_ULONG length)
{
	return update(handle, false, part, length);
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR signature,
                    CK_ULONG signature_length)
{
	p11_session *session;
	p11_operation *operation;
	CK_RV rv = enter(handle, false, &session, &operation);
	if (rv != CKR_OK)
		return rv;
	if (signature == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (single_part_only(operation->mechanism))
		rv = CKR_FUNCTION_NOT_SUPPORTED;
	else {
		operation->multipart = true;
		rv = check(operation, NULL, 0, signature, signature_length);
	}
	return leave(session, false, rv, false);
}

CK_RV C_SignRecoverInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                        CK_OBJECT_HANDLE key)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	return rv != CKR_OK ? rv : CKR_MECHANISM_INVALID;
}

CK_RV C_SignRecover(CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG length,
                    CK_BYTE_PTR signature, CK_ULONG_PTR signature_length)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	return rv != CKR_OK ? rv : CKR_OPERATION_NOT_INITIALIZED;
}

CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                          CK_OBJECT_HANDLE key)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	return rv != CKR_OK ? rv : CKR_MECHANISM_INVALID;
}

CK_RV C_VerifyRecover(CK_SESSION_HANDLE handle, CK_BYTE_PTR signature,
                      CK_ULONG signature_length, CK_BYTE_PTR data,
                      CK_ULONG_PTR data_length)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	return rv != CKR_OK ? rv : CKR_OPERATION_NOT_INITIALIZED;
}
