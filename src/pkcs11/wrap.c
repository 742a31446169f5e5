/* C_WrapKey and C_UnwrapKey: secret keys wrapped with AES (KW, KWP,
 * GCM, CBC_PAD), ChaCha20-Poly1305 or RSA (OAEP, PKCS#1 v1.5); private
 * keys (RSA, EC, Ed25519, X25519) as their PKCS#8 PrivateKeyInfo with the
 * symmetric mechanisms. The key being wrapped (or its encoding) is read
 * straight from an enclave buffer; an unwrapped key is decrypted straight
 * into one (and decoded there) and sealed into its new object from there,
 * so neither ever exists in ordinary memory. */
#include "config.h"

#include "pkcs11/encrypt.h"
#include "pkcs11/entry.h"
#include "pkcs11/keys.h"
#include "pkcs11/mechanism_params.h"
#include "pkcs11/operation.h"

#include <stdlib.h>
#include <string.h>

#define MAX_TEMPLATE 64
/* RFC 3394 wraps whole 64-bit blocks, at least two. */
#define KW_BLOCK 8
#define KW_MIN 16
/* The most a symmetric wrapping adds to a key (KWP: 15, CBC_PAD, GCM and
 * ChaCha20-Poly1305: 16), over the longest PKCS#8 encoding we read. */
#define MAX_WRAPPED_PRIVATE (CRY_PKCS8_MAX_BYTES + 16)

/* The wrapping (or unwrapping) key suits the mechanism and may be used. */
static CK_RV check_wrapping_key(const p11_mechanism *info,
                                const tok_object *key, bool wrapping)
{
	CK_OBJECT_CLASS wanted = CKO_SECRET_KEY;
	if (info->family == P11_FAMILY_RSA)
		wanted = wrapping ? CKO_PUBLIC_KEY : CKO_PRIVATE_KEY;
	if (key->object_class != wanted || key->key_type != info->key_type)
		return wrapping ? CKR_WRAPPING_KEY_TYPE_INCONSISTENT
		                : CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	if (!tok_object_bool(key, wrapping ? CKA_WRAP : CKA_UNWRAP, false))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (!p11_key_mechanism_allowed(key, info->type))
		return CKR_MECHANISM_INVALID;
	return CKR_OK;
}

/* May this key leave the token under this wrapping key? */
static CK_RV check_wrappable(const p11_mechanism *info, const tok_object *key,
                             const tok_object *wrapping_key)
{
	/* RSA's wrapping mechanisms are for secret keys (and a PKCS#8
	 * encoding would not fit in most of their blocks). */
	if (key->object_class == CKO_PRIVATE_KEY) {
		if (info->family == P11_FAMILY_RSA)
			return CKR_KEY_NOT_WRAPPABLE;
	} else if (key->object_class != CKO_SECRET_KEY) {
		return CKR_KEY_NOT_WRAPPABLE;
	}
	if (!tok_object_bool(key, CKA_EXTRACTABLE, false))
		return CKR_KEY_UNEXTRACTABLE;
	if (tok_object_bool(key, CKA_WRAP_WITH_TRUSTED, false) &&
	    !tok_object_bool(wrapping_key, CKA_TRUSTED, false))
		return CKR_KEY_NOT_WRAPPABLE;
	CK_ATTRIBUTE *wanted;
	CK_ULONG count;
	CK_RV rv = tok_object_template(wrapping_key, CKA_WRAP_TEMPLATE, &wanted,
	                               &count);
	if (rv != CKR_OK)
		return rv;
	if (count > 0 && !tok_object_matches(key, wanted, count))
		rv = CKR_KEY_NOT_WRAPPABLE;
	free(wanted);
	return rv;
}

static CK_RV wrap_with(const CK_MECHANISM *mechanism, const p11_mechanism *info,
                       const tok_object *wrapping_key, const enc_buffer *secret,
                       CK_BYTE_PTR wrapped, CK_ULONG_PTR wrapped_length)
{
	cry_status status;
	size_t capacity = wrapped != NULL ? *wrapped_length : 0;
	if (info->family == P11_FAMILY_RSA) {
		cry_rsa_params params;
		uint8_t *label = NULL, *modulus = NULL, *exponent = NULL;
		size_t modulus_length = 0, exponent_length = 0;
		CK_RV rv = p11_rsa_params(mechanism, info, &params, &label);
		if (rv == CKR_OK)
			rv = p11_rsa_public_key(wrapping_key, &modulus,
			                        &modulus_length, &exponent,
			                        &exponent_length);
		if (rv == CKR_OK) {
			status = cry_rsa_encrypt(
			        modulus, modulus_length, exponent,
			        exponent_length, &params, enc_data(secret),
			        enc_size(secret), wrapped, &capacity);
			rv = status == CRY_ERR_INVALID
			             ? CKR_KEY_SIZE_RANGE
			             : p11_rv_from_crypto(status);
		}
		free(label);
		free(modulus);
		free(exponent);
		if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
			*wrapped_length = capacity;
		return rv == CKR_BUFFER_TOO_SMALL && wrapped == NULL ? CKR_OK
		                                                     : rv;
	}
	enc_buffer *key = NULL;
	CK_RV rv = p11_key_open_value(wrapping_key, &key);
	if (rv != CKR_OK)
		return rv;
	cry_cipher_params params;
	rv = p11_cipher_params(mechanism, info, enc_size(key), &params);
	if (rv == CKR_OK) {
		size_t needed = p11_cipher_output_bound(
		        params.mode, true, enc_size(secret), params.tag_length);
		/* KW cannot take the key (of another length than whole
		 * blocks): said at the length query already. The
		 * 2.40 text lets KW zero-pad, but the padding could not be
		 * told from the key when unwrapping; KWP is for those. */
		if (params.mode == CRY_AES_KEY_WRAP &&
		    (enc_size(secret) % KW_BLOCK != 0 ||
		     enc_size(secret) < KW_MIN)) {
			rv = CKR_KEY_SIZE_RANGE;
		} else if (wrapped == NULL || capacity < needed) {
			*wrapped_length = needed;
			rv = wrapped == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
		} else {
			status = cry_cipher_encrypt_secret(key, &params, secret,
			                                   wrapped, &capacity);
			/* KW needs a multiple of 8 bytes: other keys cannot be
			 * wrapped with it. */
			rv = status == CRY_ERR_INVALID
			             ? CKR_KEY_SIZE_RANGE
			             : p11_rv_from_crypto(status);
			if (rv == CKR_OK)
				*wrapped_length = capacity;
		}
	}
	enc_free(key);
	return rv;
}

CK_RV C_WrapKey(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                CK_OBJECT_HANDLE wrapping_handle, CK_OBJECT_HANDLE key_handle,
                CK_BYTE_PTR wrapped, CK_ULONG_PTR wrapped_length)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	const p11_mechanism *info = NULL;
	p11_object_ref *wrapping = NULL, *key = NULL;
	if (mechanism == NULL || wrapped_length == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if ((info = p11_mechanism_find(mechanism->mechanism)) == NULL ||
	         !(info->info.flags & CKF_WRAP))
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK &&
	    p11_objects_lookup(session, wrapping_handle, &wrapping) != CKR_OK)
		rv = CKR_WRAPPING_KEY_HANDLE_INVALID;
	if (rv == CKR_OK &&
	    p11_objects_lookup(session, key_handle, &key) != CKR_OK)
		rv = CKR_KEY_HANDLE_INVALID;
	/* Loading the key into a full cache empties it, wrapping key
	 * included: load that again (into the emptied cache, so the key
	 * stays). */
	if (rv == CKR_OK && wrapping->object == NULL &&
	    p11_objects_lookup(session, wrapping_handle, &wrapping) != CKR_OK)
		rv = CKR_WRAPPING_KEY_HANDLE_INVALID;
	if (rv == CKR_OK)
		rv = check_wrapping_key(info, wrapping->object, true);
	if (rv == CKR_OK)
		rv = check_wrappable(info, key->object, wrapping->object);
	/* What is wrapped: a secret key's value, a private key's PKCS#8. */
	enc_buffer *secret = NULL;
	if (rv == CKR_OK && key->object->object_class == CKO_PRIVATE_KEY)
		rv = p11_private_key_encode(key, &secret);
	else if (rv == CKR_OK)
		rv = p11_key_open_value(key->object, &secret);
	if (rv == CKR_OK)
		rv = wrap_with(mechanism, info, wrapping->object, secret,
		               wrapped, wrapped_length);
	enc_free(secret);
	p11_slot_unlock(session->slot);
	return rv;
}

/* Decrypts the wrapped key into a new enclave buffer. */
static CK_RV unwrap_with(const CK_MECHANISM *mechanism,
                         const p11_mechanism *info, p11_object_ref *unwrapping,
                         const uint8_t *wrapped, size_t wrapped_length,
                         enc_buffer **secret)
{
	cry_status status;
	enc_buffer *key = NULL;
	CK_RV rv;
	if (info->family == P11_FAMILY_RSA) {
		cry_rsa_params params;
		uint8_t *label = NULL;
		enc_sealed *sealed = NULL;
		rv = p11_rsa_params(mechanism, info, &params, &label);
		if (rv == CKR_OK)
			rv = p11_rsa_private_key(unwrapping, &sealed);
		if (rv == CKR_OK &&
		    enc_open(sealed, NULL, 0, 0, &key) != ENC_OK)
			rv = CKR_DEVICE_ERROR;
		enc_sealed_free(sealed);
		status = CRY_OK;
		if (rv == CKR_OK)
			status = cry_rsa_decrypt(key, &params, wrapped,
			                         wrapped_length, secret);
		free(label);
	} else {
		cry_cipher_params params;
		rv = p11_key_open_value(unwrapping->object, &key);
		if (rv == CKR_OK)
			rv = p11_cipher_params(mechanism, info, enc_size(key),
			                       &params);
		status = CRY_OK;
		if (rv == CKR_OK)
			status = cry_cipher_decrypt_secret(
			        key, &params, wrapped, wrapped_length, secret);
	}
	enc_free(key);
	if (rv != CKR_OK)
		return rv;
	switch (status) {
	case CRY_OK:
		return CKR_OK;
	case CRY_ERR_INVALID:
	case CRY_ERR_SIGNATURE_LENGTH:
		return CKR_WRAPPED_KEY_LEN_RANGE;
	case CRY_ERR_SIGNATURE:
		return CKR_WRAPPED_KEY_INVALID;
	default:
		return p11_rv_from_crypto(status);
	}
}

/* The caller's template plus the unwrapping key's CKA_UNWRAP_TEMPLATE
 * (an attribute in both must agree), without CKA_VALUE_LEN, which the
 * unwrapped value decides (*value_length: what the caller asked, or 0). */
static CK_RV merge_template(const tok_object *unwrapping,
                            const CK_ATTRIBUTE *template, CK_ULONG count,
                            CK_ATTRIBUTE *merged, CK_ULONG *merged_count,
                            CK_ULONG *value_length, CK_ATTRIBUTE **extra)
{
	*value_length = 0;
	*merged_count = 0;
	CK_ULONG extra_count = 0;
	CK_RV rv = tok_object_template(unwrapping, CKA_UNWRAP_TEMPLATE, extra,
	                               &extra_count);
	if (rv != CKR_OK)
		return rv;
	if (count + extra_count > MAX_TEMPLATE)
		return CKR_TEMPLATE_INCONSISTENT;
	for (CK_ULONG i = 0; i < count; i++) {
		if (template[i].type == CKA_VALUE_LEN) {
			if (template[i].pValue == NULL ||
			    template[i].ulValueLen != sizeof(CK_ULONG))
				return CKR_ATTRIBUTE_VALUE_INVALID;
			memcpy(value_length, template[i].pValue,
			       sizeof(CK_ULONG));
			continue;
		}
		merged[(*merged_count)++] = template[i];
	}
	for (CK_ULONG j = 0; j < extra_count; j++) {
		const CK_ATTRIBUTE *wanted = &(*extra)[j];
		bool found = false;
		for (CK_ULONG i = 0; i < *merged_count; i++) {
			if (merged[i].type != wanted->type)
				continue;
			found = true;
			if (merged[i].ulValueLen != wanted->ulValueLen ||
			    (wanted->ulValueLen > 0 &&
			     (merged[i].pValue == NULL ||
			      memcmp(merged[i].pValue, wanted->pValue,
			             wanted->ulValueLen) != 0)))
				return CKR_TEMPLATE_INCONSISTENT;
		}
		if (!found && wanted->type != CKA_VALUE_LEN)
			merged[(*merged_count)++] = *wanted;
	}
	return CKR_OK;
}

/* One C_UnwrapKey call, for the two kinds of key it can make. */
typedef struct unwrap_call {
	p11_session *session;
	const CK_MECHANISM *mechanism;
	const p11_mechanism *info;
	p11_object_ref *unwrapping;
	const uint8_t *wrapped;
	size_t wrapped_length;
	const CK_ATTRIBUTE *template; /* with CKA_UNWRAP_TEMPLATE merged */
	CK_ULONG count;
	CK_ULONG value_length; /* CKA_VALUE_LEN asked for, or 0 */
} unwrap_call;

/* The class the template asks for; without CKA_CLASS, a secret key. A
 * malformed or repeated one is left to tok_object_create_ex to refuse. */
static CK_OBJECT_CLASS template_class(const unwrap_call *call)
{
	for (CK_ULONG i = 0; i < call->count; i++) {
		CK_OBJECT_CLASS value;
		if (call->template[i].type != CKA_CLASS ||
		    call->template[i].pValue == NULL ||
		    call->template[i].ulValueLen != sizeof(value))
			continue;
		memcpy(&value, call->template[i].pValue, sizeof(value));
		return value;
	}
	return CKO_SECRET_KEY;
}

static bool template_has(const unwrap_call *call, CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < call->count; i++)
		if (call->template[i].type == type)
			return true;
	return false;
}

/* The new object from the template (key_type: the default, if known),
 * of this class, which the session may create. */
static CK_RV new_key(const unwrap_call *call, CK_OBJECT_CLASS object_class,
                     CK_KEY_TYPE key_type, tok_object **object)
{
	CK_RV rv = tok_object_create_ex(
	        call->template, call->count, TOK_ORIGIN_UNWRAP, object_class,
	        key_type, CK_UNAVAILABLE_INFORMATION,
	        call->session->slot->login == P11_LOGGED_IN_SO, object);
	if (rv == CKR_OK && (*object)->object_class != object_class)
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK)
		rv = p11_check_write_access(call->session, (*object)->is_token,
		                            (*object)->is_private);
	if (rv != CKR_OK) {
		tok_object_free(*object);
		*object = NULL;
	}
	return rv;
}

/* A secret key: the plaintext is its CKA_VALUE. */
static CK_RV unwrap_secret(const unwrap_call *call, tok_object **out)
{
	enc_buffer *secret = NULL;
	tok_object *object = NULL;
	CK_RV rv = new_key(call, CKO_SECRET_KEY, CK_UNAVAILABLE_INFORMATION,
	                   &object);
	if (rv == CKR_OK)
		rv = unwrap_with(call->mechanism, call->info, call->unwrapping,
		                 call->wrapped, call->wrapped_length, &secret);
	if (rv == CKR_OK && call->value_length != 0 &&
	    call->value_length != enc_size(secret))
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK) {
		rv = tok_object_set_material(
		        object, CKA_VALUE, enc_data(secret), enc_size(secret));
		/* A value that cannot be a key of the template's type. */
		if (rv == CKR_ATTRIBUTE_VALUE_INVALID)
			rv = CKR_WRAPPED_KEY_INVALID;
	}
	enc_free(secret);
	if (rv != CKR_OK) {
		tok_object_free(object);
		object = NULL;
	}
	*out = object;
	return rv;
}

/* A private key: the plaintext is its PKCS#8 PrivateKeyInfo, decrypted
 * into an enclave buffer and decoded there. */
static CK_RV unwrap_private(const unwrap_call *call, tok_object **out)
{
	enc_buffer *der = NULL;
	tok_object *object = NULL;
	cry_pkcs8_key key;
	CK_RV rv = CKR_OK;

	*out = NULL;
	/* RSA's mechanisms unwrap secret keys only; CKA_VALUE_LEN is a
	 * secret key's attribute. */
	if (call->info->family == P11_FAMILY_RSA || call->value_length != 0)
		return CKR_TEMPLATE_INCONSISTENT;
	/* A template that names the key type is checked before anything is
	 * decrypted; otherwise the encoding says it. */
	if (template_has(call, CKA_KEY_TYPE))
		rv = new_key(call, CKO_PRIVATE_KEY, CK_UNAVAILABLE_INFORMATION,
		             &object);
	if (rv == CKR_OK && call->wrapped_length > MAX_WRAPPED_PRIVATE)
		rv = CKR_WRAPPED_KEY_LEN_RANGE;
	if (rv == CKR_OK)
		rv = unwrap_with(call->mechanism, call->info, call->unwrapping,
		                 call->wrapped, call->wrapped_length, &der);
	if (rv == CKR_OK) {
		cry_status status = cry_pkcs8_decode(der, &key);
		if (status == CRY_ERR_KEY || status == CRY_ERR_INVALID)
			rv = CKR_WRAPPED_KEY_INVALID;
		else
			rv = p11_rv_from_crypto(status);
	}
	if (rv == CKR_OK && object == NULL)
		rv = new_key(call, CKO_PRIVATE_KEY, p11_pkcs8_key_type(&key),
		             &object);
	/* A key of another type than the template's is "recognizably not
	 * a wrapped key of the proper type": CKR_WRAPPED_KEY_INVALID. */
	if (rv == CKR_OK)
		rv = p11_private_key_fill(object, &key);
	enc_free(der); /* after the fill: the key's views point into it */
	if (rv != CKR_OK) {
		tok_object_free(object);
		object = NULL;
	}
	*out = object;
	return rv;
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                  CK_OBJECT_HANDLE unwrapping_handle, CK_BYTE_PTR wrapped,
                  CK_ULONG wrapped_length, CK_ATTRIBUTE_PTR template,
                  CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	const p11_mechanism *info = NULL;
	p11_object_ref *unwrapping = NULL;
	tok_object *object = NULL;
	CK_ATTRIBUTE merged[MAX_TEMPLATE], *extra = NULL;
	CK_ULONG merged_count = 0, value_length = 0;
	if (mechanism == NULL || wrapped == NULL || key == NULL ||
	    (template == NULL && count > 0))
		rv = CKR_ARGUMENTS_BAD;
	else if ((info = p11_mechanism_find(mechanism->mechanism)) == NULL ||
	         !(info->info.flags & CKF_UNWRAP))
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK && p11_objects_lookup(session, unwrapping_handle,
	                                       &unwrapping) != CKR_OK)
		rv = CKR_UNWRAPPING_KEY_HANDLE_INVALID;
	if (rv == CKR_OK)
		rv = check_wrapping_key(info, unwrapping->object, false);
	if (rv == CKR_OK)
		rv = merge_template(unwrapping->object, template, count, merged,
		                    &merged_count, &value_length, &extra);
	if (rv == CKR_OK) {
		unwrap_call call = {session,    mechanism,    info,
		                    unwrapping, wrapped,      wrapped_length,
		                    merged,     merged_count, value_length};
		rv = template_class(&call) == CKO_PRIVATE_KEY
		             ? unwrap_private(&call, &object)
		             : unwrap_secret(&call, &object);
	}
	if (rv == CKR_OK) {
		rv = p11_objects_store_new(session, object, key);
		object = NULL;
	}
	tok_object_free(object);
	free(extra);
	p11_slot_unlock(session->slot);
	return rv;
}
