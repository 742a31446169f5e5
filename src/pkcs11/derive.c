/* C_DeriveKey: the entry point, the path every mechanism shares (the new
 * object from the template, the value stored into it, the protection the
 * new key inherits), and CKM_ECDH1_DERIVE on NIST curves and X25519 with
 * CKD_NULL or an X9.63 KDF. HKDF is in derive_hkdf.c. Derived values
 * exist only in enclave buffers and are sealed into the new key (or, for
 * a data object, copied into it) from there. */
#include "config.h"

#include "pkcs11/derive.h"
#include "pkcs11/entry.h"
#include "pkcs11/operation.h"

#include <stdlib.h>
#include <string.h>

/* ---- Shared by every mechanism ----------------------------------------- */

CK_RV p11_derive_lookup(p11_session *session, CK_OBJECT_HANDLE handle,
                        const tok_object **key)
{
	p11_object_ref *ref;
	CK_RV rv = p11_objects_lookup(session, handle, &ref);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return CKR_KEY_HANDLE_INVALID;
	if (rv == CKR_OK)
		*key = ref->object;
	return rv;
}

CK_RV p11_derive_permitted(const tok_object *key, CK_MECHANISM_TYPE type)
{
	if (!tok_object_bool(key, CKA_DERIVE, false))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (!p11_key_mechanism_allowed(key, type))
		return CKR_MECHANISM_INVALID;
	return CKR_OK;
}

void p11_derive_note_base(p11_derive *derive, const tok_object *base)
{
	derive->base_always_sensitive =
	        tok_object_bool(base, CKA_ALWAYS_SENSITIVE, false);
	derive->base_never_extractable =
	        tok_object_bool(base, CKA_NEVER_EXTRACTABLE, false);
}

/* CKA_VALUE_LEN in the template: every occurrence well formed and equal. */
static CK_RV template_length(const p11_derive *derive, bool *given,
                             size_t *length)
{
	*given = false;
	for (CK_ULONG i = 0; i < derive->count; i++) {
		const CK_ATTRIBUTE *entry = &derive->template[i];
		CK_ULONG value;
		if (entry->type != CKA_VALUE_LEN)
			continue;
		if (entry->pValue == NULL ||
		    entry->ulValueLen != sizeof(CK_ULONG))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		memcpy(&value, entry->pValue, sizeof(value));
		if (*given && value != *length)
			return CKR_TEMPLATE_INCONSISTENT;
		*given = true;
		*length = value;
	}
	return CKR_OK;
}

CK_RV p11_derive_new_object(p11_derive *derive, CK_OBJECT_CLASS object_class)
{
	CK_RV rv =
	        template_length(derive, &derive->length_given, &derive->length);
	if (rv != CKR_OK)
		return rv;
	CK_ATTRIBUTE *filtered = calloc(derive->count > 0 ? derive->count : 1,
	                                sizeof(*filtered));
	if (filtered == NULL)
		return CKR_HOST_MEMORY;
	CK_ULONG kept = 0;
	for (CK_ULONG i = 0; i < derive->count; i++)
		if (derive->template[i].type != CKA_VALUE_LEN)
			filtered[kept++] = derive->template[i];
	/* A data object must name its class (0 is no default); the key
	 * type default lets a key template for CKM_HKDF_DATA be built, and
	 * refused for its class. */
	rv = tok_object_create_ex(
	        filtered, kept, TOK_ORIGIN_DERIVE,
	        object_class == CKO_SECRET_KEY ? CKO_SECRET_KEY : 0,
	        CKK_GENERIC_SECRET, CK_UNAVAILABLE_INFORMATION,
	        derive->session->slot->login == P11_LOGGED_IN_SO,
	        &derive->object);
	free(filtered);
	if (rv == CKR_OK && derive->object->object_class != object_class)
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK)
		rv = p11_check_write_access(derive->session,
		                            derive->object->is_token,
		                            derive->object->is_private);
	return rv;
}

CK_RV p11_derive_length(const p11_derive *derive, size_t fallback,
                        size_t *length)
{
	if (derive->length_given) {
		if (derive->length == 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		*length = derive->length;
		return CKR_OK;
	}
	switch (derive->object->key_type) {
	case CKK_CHACHA20:
		*length = 32;
		return CKR_OK;
	case CKK_AES: /* 16, 24 or 32: the template must choose */
		return CKR_TEMPLATE_INCOMPLETE;
	default:
		*length = fallback;
		return fallback != 0 ? CKR_OK : CKR_TEMPLATE_INCOMPLETE;
	}
}

/* A derived key is as protected as its base: CKA_ALWAYS_SENSITIVE and
 * CKA_NEVER_EXTRACTABLE only if the base had them and the new key keeps
 * them. */
static CK_RV inherit_protection(const p11_derive *derive)
{
	tok_object *derived = derive->object;
	uint8_t always = derive->base_always_sensitive &&
	                 tok_object_bool(derived, CKA_SENSITIVE, false);
	uint8_t never = derive->base_never_extractable &&
	                !tok_object_bool(derived, CKA_EXTRACTABLE, true);
	CK_RV rv = tok_object_set_internal(derived, CKA_ALWAYS_SENSITIVE,
	                                   &always, 1);
	if (rv == CKR_OK)
		rv = tok_object_set_internal(derived, CKA_NEVER_EXTRACTABLE,
		                             &never, 1);
	return rv;
}

/* Stores the leading derive->length bytes of value as the new object's
 * CKA_VALUE (sealed for a key) and the object itself. */
static CK_RV store_derived(p11_derive *derive, const enc_buffer *value,
                           CK_OBJECT_HANDLE *handle)
{
	CK_RV rv = tok_object_set_material(derive->object, CKA_VALUE,
	                                   enc_data(value), derive->length);
	if (rv == CKR_OK && derive->object->object_class == CKO_SECRET_KEY)
		rv = inherit_protection(derive);
	if (rv == CKR_OK) {
		rv = p11_objects_store_new(derive->session, derive->object,
		                           handle);
		derive->object = NULL;
	}
	return rv;
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                  CK_OBJECT_HANDLE base_key, CK_ATTRIBUTE_PTR template,
                  CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	const p11_mechanism *info = NULL;
	p11_derive derive = {.session = session,
	                     .mechanism = mechanism,
	                     .template = template,
	                     .count = count};
	enc_buffer *value = NULL;
	if (mechanism == NULL || key == NULL || (template == NULL && count > 0))
		rv = CKR_ARGUMENTS_BAD;
	else if ((info = p11_mechanism_find(mechanism->mechanism)) == NULL)
		rv = CKR_MECHANISM_INVALID;
	else if (info->family == P11_FAMILY_ECDH)
		rv = p11_derive_ecdh(&derive, base_key, &value);
	else if (info->family == P11_FAMILY_HKDF)
		rv = p11_derive_hkdf(&derive, base_key, &value);
	else
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK)
		rv = store_derived(&derive, value, key);
	enc_free(value);
	tok_object_free(derive.object);
	p11_slot_unlock(session->slot);
	return rv;
}

/* ---- CKM_ECDH1_DERIVE --------------------------------------------------- */

static CK_RV kdf_hash(CK_ULONG kdf, bool *none, cry_hash *hash)
{
	*none = false;
	switch (kdf) {
	case CKD_NULL:
		*none = true;
		return CKR_OK;
	case CKD_SHA1_KDF:
		*hash = CRY_HASH_SHA1;
		return CKR_OK;
	case CKD_SHA224_KDF:
		*hash = CRY_HASH_SHA224;
		return CKR_OK;
	case CKD_SHA256_KDF:
		*hash = CRY_HASH_SHA256;
		return CKR_OK;
	case CKD_SHA384_KDF:
		*hash = CRY_HASH_SHA384;
		return CKR_OK;
	case CKD_SHA512_KDF:
		*hash = CRY_HASH_SHA512;
		return CKR_OK;
	case CKD_SHA3_256_KDF:
		*hash = CRY_HASH_SHA3_256;
		return CKR_OK;
	case CKD_SHA3_384_KDF:
		*hash = CRY_HASH_SHA3_384;
		return CKR_OK;
	case CKD_SHA3_512_KDF:
		*hash = CRY_HASH_SHA3_512;
		return CKR_OK;
	default:
		return CKR_MECHANISM_PARAM_INVALID;
	}
}

/* The peer's point: raw, or wrapped in a DER OCTET STRING. */
static CK_RV peer_point(const CK_ECDH1_DERIVE_PARAMS *params, cry_curve curve,
                        const uint8_t **point, size_t *length)
{
	size_t expected = cry_curve_public_bytes(curve);
	const uint8_t *data = params->pPublicData;
	size_t size = params->ulPublicDataLen;
	if (data == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if (size == expected + 2 && data[0] == 0x04 && data[1] == expected) {
		data += 2;
		size -= 2;
	} else if (expected > 127 && size == expected + 3 && data[0] == 0x04 &&
	           data[1] == 0x81 && data[2] == expected) {
		data += 3;
		size -= 3;
	}
	if (size != expected)
		return CKR_MECHANISM_PARAM_INVALID;
	*point = data;
	*length = size;
	return CKR_OK;
}

/* The base key's curve, its checks, and a sealed copy of its scalar. */
static CK_RV ecdh_base(p11_derive *derive, CK_OBJECT_HANDLE base,
                       const CK_ECDH1_DERIVE_PARAMS *params, cry_curve *curve,
                       const uint8_t **point, size_t *point_length,
                       enc_sealed **sealed)
{
	const tok_object *key;
	CK_RV rv = p11_derive_lookup(derive->session, base, &key);
	if (rv != CKR_OK)
		return rv;
	if (key->object_class != CKO_PRIVATE_KEY ||
	    (key->key_type != CKK_EC && key->key_type != CKK_EC_MONTGOMERY))
		return CKR_KEY_TYPE_INCONSISTENT;
	rv = p11_derive_permitted(key, derive->mechanism->mechanism);
	if (rv == CKR_OK)
		rv = p11_key_curve(key, curve);
	if (rv == CKR_OK)
		rv = peer_point(params, *curve, point, point_length);
	if (rv == CKR_OK)
		rv = p11_key_sealed_value(key, sealed);
	if (rv == CKR_OK)
		p11_derive_note_base(derive, key);
	return rv;
}

CK_RV p11_derive_ecdh(p11_derive *derive, CK_OBJECT_HANDLE base,
                      enc_buffer **value)
{
	const CK_MECHANISM *mechanism = derive->mechanism;
	if (mechanism->pParameter == NULL ||
	    mechanism->ulParameterLen != sizeof(CK_ECDH1_DERIVE_PARAMS))
		return CKR_MECHANISM_PARAM_INVALID;
	const CK_ECDH1_DERIVE_PARAMS *params = mechanism->pParameter;
	bool no_kdf;
	cry_hash hash = CRY_HASH_SHA256;
	CK_RV rv = kdf_hash(params->kdf, &no_kdf, &hash);
	if (rv != CKR_OK)
		return rv;
	if ((params->pSharedData == NULL && params->ulSharedDataLen > 0) ||
	    (no_kdf && params->ulSharedDataLen > 0))
		return CKR_MECHANISM_PARAM_INVALID;
	cry_curve curve;
	const uint8_t *point = NULL;
	size_t point_length = 0;
	enc_sealed *sealed = NULL;
	rv = ecdh_base(derive, base, params, &curve, &point, &point_length,
	               &sealed);
	if (rv == CKR_OK)
		rv = p11_derive_new_object(derive, CKO_SECRET_KEY);
	/* Without CKA_VALUE_LEN (and a type that fixes none): the whole
	 * secret (the field size), or one hash output. */
	size_t length = 0;
	if (rv == CKR_OK)
		rv = p11_derive_length(derive,
		                       no_kdf ? cry_curve_private_bytes(curve)
		                              : cry_hash_length(hash),
		                       &length);
	if (rv != CKR_OK) {
		enc_sealed_free(sealed);
		return rv;
	}
	enc_buffer *private_key = NULL, *shared = NULL;
	cry_status status = CRY_ERR_ENCLAVE;
	if (enc_open(sealed, NULL, 0, 0, &private_key) == ENC_OK)
		status = cry_ecdh(curve, private_key, point, point_length,
		                  &shared);
	enc_free(private_key);
	enc_sealed_free(sealed);
	if (status == CRY_ERR_KEY || status == CRY_ERR_INVALID)
		return CKR_MECHANISM_PARAM_INVALID;
	if (status != CRY_OK)
		return p11_rv_from_crypto(status);
	derive->length = length;
	if (no_kdf) {
		/* CKD_NULL: the key is the leading bytes of the secret. */
		if (length > enc_size(shared)) {
			enc_free(shared);
			return CKR_TEMPLATE_INCONSISTENT;
		}
		*value = shared;
		return CKR_OK;
	}
	status = cry_x963_kdf(hash, shared, params->pSharedData,
	                      params->ulSharedDataLen, length, value);
	enc_free(shared);
	return p11_rv_from_crypto(status);
}
