/* What every cryptographic entry point shares: key material pulled out of
 * objects (sealed, never opened here), error mapping, operation cleanup. */
#include "config.h"

#include "pkcs11/operation.h"

#include <stdlib.h>
#include <string.h>

void p11_operation_free(p11_operation *operation)
{
	if (operation == NULL)
		return;
	enc_sealed_free(operation->key);
	free(operation->public_key);
	cry_digest_free(operation->digest);
	cry_hmac_free(operation->hmac);
	free(operation->message);
	free(operation->eddsa_context);
	free(operation->rsa_label);
	free(operation->public_exponent);
	cry_cipher_free(operation->cipher);
	cry_cmac_free(operation->cmac);
	cry_aead_key_free(operation->aead_key);
	if (operation->pending != NULL)
		enc_wipe(operation->pending, operation->pending_length);
	free(operation->pending);
	free(operation);
}

CK_RV p11_rv_from_crypto(cry_status status)
{
	switch (status) {
	case CRY_OK:
		return CKR_OK;
	case CRY_ERR_INVALID:
		return CKR_MECHANISM_PARAM_INVALID;
	case CRY_ERR_KEY:
		return CKR_KEY_TYPE_INCONSISTENT;
	case CRY_ERR_SIGNATURE:
		return CKR_SIGNATURE_INVALID;
	case CRY_ERR_SIGNATURE_LENGTH:
		return CKR_SIGNATURE_LEN_RANGE;
	case CRY_ERR_BUFFER:
		return CKR_BUFFER_TOO_SMALL;
	case CRY_ERR_NOMEM:
		return CKR_HOST_MEMORY;
	case CRY_ERR_ENCLAVE:
	case CRY_ERR_INTERNAL:
		break;
	}
	p11_log(P11_LOG_ERROR, "crypto layer: %s", cry_strerror(status));
	return CKR_DEVICE_ERROR;
}

CK_RV p11_key_curve(const tok_object *object, cry_curve *curve)
{
	const store_attribute *params =
	        tok_object_attribute(object, CKA_EC_PARAMS);
	if (params == NULL || params->value == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (cry_curve_from_params(params->value, params->length, curve) !=
	    CRY_OK)
		return CKR_CURVE_NOT_SUPPORTED;
	bool edwards = *curve == CRY_CURVE_ED25519;
	bool montgomery = *curve == CRY_CURVE_X25519;
	switch (object->key_type) {
	case CKK_EC:
		return edwards || montgomery ? CKR_KEY_TYPE_INCONSISTENT
		                             : CKR_OK;
	case CKK_EC_EDWARDS:
		return edwards ? CKR_OK : CKR_KEY_TYPE_INCONSISTENT;
	case CKK_EC_MONTGOMERY:
		return montgomery ? CKR_OK : CKR_KEY_TYPE_INCONSISTENT;
	default:
		return CKR_KEY_TYPE_INCONSISTENT;
	}
}

/* CKA_EC_POINT is, per the spec, a DER OCTET STRING holding the point;
 * some clients send the raw point. Accept both. */
CK_RV p11_key_public_point(const tok_object *object, cry_curve curve,
                           uint8_t *point, size_t *length)
{
	const store_attribute *attribute =
	        tok_object_attribute(object, CKA_EC_POINT);
	if (attribute == NULL || attribute->value == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	size_t expected = cry_curve_public_bytes(curve);
	const uint8_t *value = attribute->value;
	size_t value_length = attribute->length;
	if (value_length == expected + 2 && value[0] == 0x04 &&
	    value[1] == expected) {
		value += 2;
		value_length -= 2;
	} else if (expected > 127 && value_length == expected + 3 &&
	           value[0] == 0x04 && value[1] == 0x81 &&
	           value[2] == expected) {
		value += 3;
		value_length -= 3;
	}
	if (value_length != expected)
		return CKR_KEY_TYPE_INCONSISTENT;
	memcpy(point, value, expected);
	*length = expected;
	return CKR_OK;
}

CK_RV p11_key_sealed_value(const tok_object *object, enc_sealed **out)
{
	const store_attribute *value = tok_object_attribute(object, CKA_VALUE);
	if (value == NULL || value->sealed == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	return enc_sealed_copy(value->sealed, out) == ENC_OK ? CKR_OK
	                                                     : CKR_HOST_MEMORY;
}

CK_RV p11_key_open_value(const tok_object *object, enc_buffer **value)
{
	const store_attribute *attribute =
	        tok_object_attribute(object, CKA_VALUE);
	if (attribute == NULL || attribute->sealed == NULL)
		return CKR_KEY_TYPE_INCONSISTENT;
	return enc_open(attribute->sealed, NULL, 0, 0, value) == ENC_OK
	               ? CKR_OK
	               : CKR_DEVICE_ERROR;
}

bool p11_key_mechanism_allowed(const tok_object *key, CK_MECHANISM_TYPE type)
{
	const store_attribute *allowed =
	        tok_object_attribute(key, CKA_ALLOWED_MECHANISMS);
	if (allowed == NULL || allowed->value == NULL)
		return true;
	/* Portable encoding: 8-byte little-endian entries. */
	for (size_t offset = 0; offset + 8 <= allowed->length; offset += 8) {
		uint64_t entry = 0;
		for (int i = 7; i >= 0; i--)
			entry = entry << 8 | allowed->value[offset + (size_t)i];
		if (entry == type)
			return true;
	}
	return false;
}

p11_operation **p11_operation_slot(p11_session *session,
                                   p11_operation_kind kind)
{
	switch (kind) {
	case P11_OPERATION_SIGN:
		return &session->sign;
	case P11_OPERATION_VERIFY:
		return &session->verify;
	case P11_OPERATION_ENCRYPT:
		return &session->encrypt;
	case P11_OPERATION_DECRYPT:
		return &session->decrypt;
	case P11_OPERATION_MESSAGE_ENCRYPT:
		return &session->message_encrypt;
	case P11_OPERATION_MESSAGE_DECRYPT:
		return &session->message_decrypt;
	default:
		return &session->digest;
	}
}

CK_RV p11_operation_enter(CK_SESSION_HANDLE handle, p11_operation_kind kind,
                          p11_session **session, p11_operation **operation)
{
	CK_RV rv = p11_session_acquire(handle, session);
	if (rv != CKR_OK)
		return rv;
	p11_mutex_lock((*session)->lock);
	*operation = *p11_operation_slot(*session, kind);
	if ((*session)->closed)
		rv = CKR_SESSION_HANDLE_INVALID;
	else if (*operation == NULL)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	if (rv != CKR_OK) {
		p11_mutex_unlock((*session)->lock);
		p11_session_release(*session);
	}
	return rv;
}

CK_RV p11_operation_leave(p11_session *session, p11_operation_kind kind,
                          CK_RV rv, bool keep)
{
	if (!keep) {
		p11_operation **operation = p11_operation_slot(session, kind);
		p11_operation_free(*operation);
		*operation = NULL;
	}
	p11_mutex_unlock(session->lock);
	p11_session_release(session);
	return rv;
}
