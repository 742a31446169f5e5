/* C_DeriveKey: CKM_ECDH1_DERIVE on NIST curves and X25519, with CKD_NULL
 * or an X9.63 KDF, into a generic secret (or any secret key type whose
 * length the template fixes). The shared secret exists only in enclave
 * buffers and is sealed into the new key from there. */
#include "config.h"

#include "pkcs11/entry.h"
#include "pkcs11/keys.h"
#include "pkcs11/operation.h"

#include <string.h>

#define MAX_POINT 133

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

/* The value length the template asks for (CKA_VALUE_LEN), or the secret
 * length when it does not say. */
static size_t wanted_length(const CK_ATTRIBUTE *template, CK_ULONG count,
                            size_t fallback)
{
	for (CK_ULONG i = 0; i < count; i++)
		if (template[i].type == CKA_VALUE_LEN && template[i].pValue &&
		    template[i].ulValueLen == sizeof(CK_ULONG))
			return *(const CK_ULONG *)template[i].pValue;
	return fallback;
}

/* The derived value, in the enclave. Slot lock held. */
static CK_RV agree(p11_session *session, CK_MECHANISM_PTR mechanism,
                   CK_OBJECT_HANDLE base, size_t *requested, enc_buffer **out,
                   p11_object_ref **base_ref)
{
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
	p11_object_ref *ref;
	rv = p11_objects_lookup(session, base, &ref);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	const tok_object *key = ref->object;
	if (key->object_class != CKO_PRIVATE_KEY ||
	    (key->key_type != CKK_EC && key->key_type != CKK_EC_MONTGOMERY))
		return CKR_KEY_TYPE_INCONSISTENT;
	if (!tok_object_bool(key, CKA_DERIVE, false))
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (!p11_key_mechanism_allowed(key, mechanism->mechanism))
		return CKR_MECHANISM_INVALID;
	cry_curve curve;
	rv = p11_key_curve(key, &curve);
	const uint8_t *point = NULL;
	size_t point_length = 0;
	if (rv == CKR_OK)
		rv = peer_point(params, curve, &point, &point_length);
	enc_sealed *sealed = NULL;
	if (rv == CKR_OK)
		rv = p11_key_sealed_value(key, &sealed);
	if (rv != CKR_OK)
		return rv;
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
	*base_ref = ref;
	/* Without CKA_VALUE_LEN: the whole secret, or one hash output. */
	if (*requested == 0)
		*requested = no_kdf ? enc_size(shared) : cry_hash_length(hash);
	if (no_kdf) {
		/* CKD_NULL: the key is the leading bytes of the secret. */
		if (*requested > enc_size(shared)) {
			enc_free(shared);
			return CKR_TEMPLATE_INCONSISTENT;
		}
		*out = shared;
		return CKR_OK;
	}
	status = cry_x963_kdf(hash, shared, params->pSharedData,
	                      params->ulSharedDataLen, *requested, out);
	enc_free(shared);
	return p11_rv_from_crypto(status);
}

/* A derived key is as protected as its base: CKA_ALWAYS_SENSITIVE and
 * CKA_NEVER_EXTRACTABLE only if the base had them and the new key keeps
 * them. */
static CK_RV inherit_protection(tok_object *derived, const tok_object *base)
{
	uint8_t always = tok_object_bool(base, CKA_ALWAYS_SENSITIVE, false) &&
	                 tok_object_bool(derived, CKA_SENSITIVE, false);
	uint8_t never = tok_object_bool(base, CKA_NEVER_EXTRACTABLE, false) &&
	                !tok_object_bool(derived, CKA_EXTRACTABLE, true);
	CK_RV rv = tok_object_set_internal(derived, CKA_ALWAYS_SENSITIVE,
	                                   &always, 1);
	if (rv == CKR_OK)
		rv = tok_object_set_internal(derived, CKA_NEVER_EXTRACTABLE,
		                             &never, 1);
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
	tok_object *object = NULL;
	enc_buffer *value = NULL;
	p11_object_ref *base = NULL;
	size_t length = 0;
	if (mechanism == NULL || key == NULL || (template == NULL && count > 0))
		rv = CKR_ARGUMENTS_BAD;
	else if ((info = p11_mechanism_find(mechanism->mechanism)) == NULL ||
	         info->family != P11_FAMILY_ECDH)
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK) {
		length = wanted_length(template, count, 0);
		rv = agree(session, mechanism, base_key, &length, &value,
		           &base);
	}
	if (rv == CKR_OK) {
		/* CKA_VALUE_LEN is the mechanism's to set from the value. */
		CK_ATTRIBUTE filtered[64];
		CK_ULONG kept = 0;
		for (CK_ULONG i = 0; i < count && kept < 64; i++)
			if (template[i].type != CKA_VALUE_LEN)
				filtered[kept++] = template[i];
		rv = count - kept > 1 || count > 64
		             ? CKR_TEMPLATE_INCONSISTENT
		             : tok_object_create_ex(
		                       filtered, kept, TOK_ORIGIN_DERIVE,
		                       CKO_SECRET_KEY, CKK_GENERIC_SECRET,
		                       CK_UNAVAILABLE_INFORMATION,
		                       session->slot->login == P11_LOGGED_IN_SO,
		                       &object);
	}
	if (rv == CKR_OK && object->object_class != CKO_SECRET_KEY)
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK)
		rv = tok_object_set_material(object, CKA_VALUE, enc_data(value),
		                             length);
	enc_free(value);
	if (rv == CKR_OK)
		rv = inherit_protection(object, base->object);
	if (rv == CKR_OK)
		rv = p11_check_write_access(session, object->is_token,
		                            object->is_private);
	if (rv == CKR_OK) {
		rv = p11_objects_store_new(session, object, key);
		object = NULL;
	}
	tok_object_free(object);
	p11_slot_unlock(session->slot);
	return rv;
}
