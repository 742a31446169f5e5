/* C_Encrypt*, C_Decrypt*: run the session's operation without the token's
 * lock. Symmetric keys stay sealed in the cry_cipher, which opens them
 * into the enclave only inside a call that processes data; an RSA
 * private key is opened into an enclave buffer only inside the call that
 * decrypts. Decrypted data is the caller's, not key material: it goes
 * into the caller's buffer, or, when that is too small for a single-part
 * result (the length protocol), into a heap buffer of the operation that
 * is wiped when the operation ends. Keys being unwrapped never come here
 * (wrap.c decrypts them into the enclave). */
#include "config.h"

#include "pkcs11/encrypt.h"
#include "pkcs11/entry.h"
#include "pkcs11/operation.h"

#include <stdlib.h>
#include <string.h>

static p11_operation_kind kind_of(bool encrypting)
{
	return encrypting ? P11_OPERATION_ENCRYPT : P11_OPERATION_DECRYPT;
}

size_t p11_cipher_output_bound(cry_cipher_mode mode, bool encrypting,
                               size_t input_length, size_t tag_length)
{
	switch (mode) {
	case CRY_AES_CBC_PAD:
		return encrypting ? (input_length / 16 + 1) * 16 : input_length;
	case CRY_AES_GCM:
	case CRY_AES_CCM:
	case CRY_CHACHA20_POLY1305:
		if (encrypting)
			return input_length + tag_length;
		return input_length > tag_length ? input_length - tag_length
		                                 : 0;
	case CRY_AES_KEY_WRAP:
		if (encrypting)
			return input_length + 8;
		return input_length > 8 ? input_length - 8 : 0;
	case CRY_AES_KEY_WRAP_PAD:
		if (encrypting)
			return (input_length + 7) / 8 * 8 + 8;
		return input_length > 8 ? input_length - 8 : 0;
	default: /* ECB, CBC, CTR */
		return input_length;
	}
}

CK_RV p11_rv_from_cipher(cry_status status, bool encrypting)
{
	switch (status) {
	case CRY_ERR_INVALID:
		return encrypting ? CKR_DATA_LEN_RANGE
		                  : CKR_ENCRYPTED_DATA_LEN_RANGE;
	case CRY_ERR_SIGNATURE_LENGTH:
		return encrypting ? CKR_DATA_LEN_RANGE
		                  : CKR_ENCRYPTED_DATA_LEN_RANGE;
	case CRY_ERR_SIGNATURE:
		return CKR_ENCRYPTED_DATA_INVALID;
	default:
		return p11_rv_from_crypto(status);
	}
}

static size_t single_part_bound(const p11_operation *operation, bool encrypting,
                                size_t length)
{
	if (operation->mechanism->family == P11_FAMILY_RSA)
		return operation->signature_length; /* the modulus length */
	return p11_cipher_output_bound(operation->cipher_mode, encrypting,
	                               length, operation->tag_length);
}

static CK_RV rsa_decrypt(p11_operation *operation, const uint8_t *data,
                         size_t length, uint8_t *out, size_t *out_length)
{
	enc_buffer *key = NULL, *plaintext = NULL;
	if (enc_open(operation->key, NULL, 0, 0, &key) != ENC_OK)
		return CKR_DEVICE_ERROR;
	cry_status status =
	        cry_rsa_decrypt(key, &operation->rsa, data, length, &plaintext);
	enc_free(key);
	if (status != CRY_OK)
		return p11_rv_from_cipher(status, false);
	CK_RV rv = CKR_OK;
	if (enc_size(plaintext) > *out_length)
		rv = CKR_GENERAL_ERROR;   /* the bound is the modulus length */
	else if (enc_size(plaintext) > 0) /* an empty buffer has no data */
		memcpy(out, enc_data(plaintext), enc_size(plaintext));
	*out_length = enc_size(plaintext);
	enc_free(plaintext);
	return rv;
}

/* The whole single-part result into out (capacity: the bound). */
static CK_RV run_single(p11_operation *operation, bool encrypting,
                        const uint8_t *data, size_t length, uint8_t *out,
                        size_t *out_length)
{
	const p11_mechanism *info = operation->mechanism;
	if (info->family == P11_FAMILY_RSA && !encrypting)
		return rsa_decrypt(operation, data, length, out, out_length);
	cry_status status;
	if (info->family == P11_FAMILY_RSA) {
		status = cry_rsa_encrypt(
		        operation->public_key, operation->public_length,
		        operation->public_exponent,
		        operation->public_exponent_length, &operation->rsa,
		        data, length, out, out_length);
		return p11_rv_from_cipher(status, true);
	}
	/* One call: KW/KWP cannot go through update/final, and AEAD and
	 * CBC_PAD decryption write nothing unless the whole input is good. */
	static const uint8_t empty[1];
	status = cry_cipher_once(operation->cipher, data ? data : empty, length,
	                         out, out_length);
	return p11_rv_from_cipher(status, encrypting);
}

/* Computes the result into the operation's pending buffer. */
static CK_RV run_pending(p11_operation *operation, bool encrypting,
                         const uint8_t *data, size_t length)
{
	size_t bound = single_part_bound(operation, encrypting, length);
	operation->pending = malloc(bound > 0 ? bound : 1);
	if (operation->pending == NULL)
		return CKR_HOST_MEMORY;
	size_t produced = bound;
	CK_RV rv = run_single(operation, encrypting, data, length,
	                      operation->pending, &produced);
	operation->pending_length = produced;
	operation->pending_ready = rv == CKR_OK;
	return rv;
}

static CK_RV single_part(CK_SESSION_HANDLE handle, bool encrypting,
                         CK_BYTE_PTR data, CK_ULONG length, CK_BYTE_PTR out,
                         CK_ULONG_PTR out_length)
{
	p11_session *session;
	p11_operation *operation;
	p11_operation_kind kind = kind_of(encrypting);
	CK_RV rv = p11_operation_enter(handle, kind, &session, &operation);
	if (rv != CKR_OK)
		return rv;
	bool keep = false;
	if ((data == NULL && length > 0) || out_length == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (operation->multipart)
		return p11_operation_leave(session, kind, CKR_OPERATION_ACTIVE,
		                           true);
	else if (operation->needs_context_login)
		return p11_operation_leave(session, kind,
		                           CKR_USER_NOT_LOGGED_IN, true);
	if (rv != CKR_OK)
		return p11_operation_leave(session, kind, rv, false);

	if (!operation->pending_ready) {
		size_t bound = single_part_bound(operation, encrypting, length);
		if (out == NULL) {
			*out_length = bound;
			return p11_operation_leave(session, kind, CKR_OK, true);
		}
		if (*out_length >= bound) {
			/* The common case: straight into the caller's buffer.
			 */
			size_t produced = bound;
			rv = run_single(operation, encrypting, data, length,
			                out, &produced);
			if (rv == CKR_OK)
				*out_length = produced;
			return p11_operation_leave(session, kind, rv, false);
		}
		rv = run_pending(operation, encrypting, data, length);
		if (rv != CKR_OK)
			return p11_operation_leave(session, kind, rv, false);
	}
	if (out == NULL) {
		*out_length = operation->pending_length;
		keep = true;
	} else if (*out_length < operation->pending_length) {
		*out_length = operation->pending_length;
		rv = CKR_BUFFER_TOO_SMALL;
		keep = true;
	} else {
		memcpy(out, operation->pending, operation->pending_length);
		*out_length = operation->pending_length;
	}
	return p11_operation_leave(session, kind, rv, keep);
}

static bool multi_part_capable(const p11_operation *operation)
{
	return operation->mechanism->family == P11_FAMILY_CIPHER &&
	       operation->cipher_mode != CRY_AES_KEY_WRAP &&
	       operation->cipher_mode != CRY_AES_KEY_WRAP_PAD;
}

static CK_RV update(CK_SESSION_HANDLE handle, bool encrypting, CK_BYTE_PTR part,
                    CK_ULONG length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	p11_session *session;
	p11_operation *operation;
	p11_operation_kind kind = kind_of(encrypting);
	CK_RV rv = p11_operation_enter(handle, kind, &session, &operation);
	if (rv != CKR_OK)
		return rv;
	if ((part == NULL && length > 0) || out_length == NULL)
		return p11_operation_leave(session, kind, CKR_ARGUMENTS_BAD,
		                           false);
	if (operation->pending_ready)
		return p11_operation_leave(session, kind, CKR_OPERATION_ACTIVE,
		                           true);
	if (!multi_part_capable(operation))
		return p11_operation_leave(session, kind,
		                           CKR_FUNCTION_NOT_SUPPORTED, false);
	if (operation->needs_context_login)
		return p11_operation_leave(session, kind,
		                           CKR_USER_NOT_LOGGED_IN, true);
	size_t needed = cry_cipher_update_length(operation->cipher, length);
	if (out == NULL || *out_length < needed) {
		bool query = out == NULL;
		*out_length = needed;
		return p11_operation_leave(
		        session, kind, query ? CKR_OK : CKR_BUFFER_TOO_SMALL,
		        true);
	}
	static const uint8_t empty[1];
	size_t written = *out_length;
	cry_status status = cry_cipher_update(
	        operation->cipher, part ? part : empty, length, out, &written);
	rv = p11_rv_from_cipher(status, encrypting);
	if (rv == CKR_OK) {
		*out_length = written;
		operation->multipart = true;
	}
	return p11_operation_leave(session, kind, rv, rv == CKR_OK);
}

static CK_RV final(CK_SESSION_HANDLE handle, bool encrypting, CK_BYTE_PTR out,
                   CK_ULONG_PTR out_length)
{
	p11_session *session;
	p11_operation *operation;
	p11_operation_kind kind = kind_of(encrypting);
	CK_RV rv = p11_operation_enter(handle, kind, &session, &operation);
	if (rv != CKR_OK)
		return rv;
	if (out_length == NULL)
		return p11_operation_leave(session, kind, CKR_ARGUMENTS_BAD,
		                           false);
	if (operation->pending_ready)
		return p11_operation_leave(session, kind, CKR_OPERATION_ACTIVE,
		                           true);
	if (!multi_part_capable(operation))
		return p11_operation_leave(session, kind,
		                           CKR_FUNCTION_NOT_SUPPORTED, false);
	if (out == NULL) {
		*out_length = cry_cipher_final_length(operation->cipher);
		return p11_operation_leave(session, kind, CKR_OK, true);
	}
	size_t written = *out_length;
	cry_status status = cry_cipher_final(operation->cipher, out, &written);
	if (status == CRY_ERR_BUFFER) {
		*out_length = written;
		return p11_operation_leave(session, kind, CKR_BUFFER_TOO_SMALL,
		                           true);
	}
	rv = p11_rv_from_cipher(status, encrypting);
	if (rv == CKR_OK)
		*out_length = written;
	return p11_operation_leave(session, kind, rv, false);
}

CK_RV C_Encrypt(CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG length,
                CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return single_part(handle, true, data, length, out, out_length);
}

CK_RV C_EncryptUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR part,
                      CK_ULONG length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return update(handle, true, part, length, out, out_length);
}

CK_RV C_EncryptFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR out,
                     CK_ULONG_PTR out_length)
{
	return final(handle, true, out, out_length);
}

CK_RV C_Decrypt(CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG length,
                CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return single_part(handle, false, data, length, out, out_length);
}

CK_RV C_DecryptUpdate(CK_SESSION_HANDLE handle, CK_BYTE_PTR part,
                      CK_ULONG length, CK_BYTE_PTR out, CK_ULONG_PTR out_length)
{
	return update(handle, false, part, length, out, out_length);
}

CK_RV C_DecryptFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR out,
                     CK_ULONG_PTR out_length)
{
	return final(handle, false, out, out_length);
}
