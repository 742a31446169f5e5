/* Private key objects as PKCS#8 PrivateKeyInfo, the wrapped form of a
 * private key (wrap.c). The encoding is made from the object's sealed
 * material opened into enclave buffers, and lives in one; an unwrapped
 * key's parts are sealed into its new object straight from the decoded
 * encoding's buffer, then checked as C_CreateObject checks an import. */
#include "config.h"

#include "pkcs11/keys.h"
#include "pkcs11/operation.h"

CK_RV p11_private_key_encode(p11_object_ref *ref, enc_buffer **der)
{
	const tok_object *object = ref->object;
	cry_status status;

	*der = NULL;
	if (object->key_type == CKK_RSA) {
		enc_sealed *sealed = NULL;
		enc_buffer *packed = NULL;
		CK_RV rv = p11_rsa_private_key(ref, &sealed);
		/* Components that do not make a key (cannot be packed). */
		if (rv == CKR_KEY_TYPE_INCONSISTENT)
			return CKR_KEY_NOT_WRAPPABLE;
		if (rv != CKR_OK)
			return rv;
		enc_status opened = enc_open(sealed, NULL, 0, 0, &packed);
		enc_sealed_free(sealed);
		if (opened != ENC_OK)
			return CKR_DEVICE_ERROR;
		status = cry_pkcs8_encode_rsa(packed, der);
		enc_free(packed);
	} else {
		cry_curve curve;
		enc_buffer *value = NULL;
		CK_RV rv = p11_key_curve(object, &curve);
		if (rv == CKR_OK)
			rv = p11_key_open_value(object, &value);
		if (rv != CKR_OK)
			return rv == CKR_KEY_TYPE_INCONSISTENT
			               ? CKR_KEY_NOT_WRAPPABLE
			               : rv;
		status = cry_pkcs8_encode_curve(curve, value, der);
		enc_free(value);
	}
	/* A key PKCS#8 has no form for: RSA without its CRT parts. */
	if (status == CRY_ERR_KEY)
		return CKR_KEY_NOT_WRAPPABLE;
	return p11_rv_from_crypto(status);
}

CK_KEY_TYPE p11_pkcs8_key_type(const cry_pkcs8_key *key)
{
	if (key->rsa)
		return CKK_RSA;
	switch (key->curve) {
	case CRY_CURVE_ED25519:
		return CKK_EC_EDWARDS;
	case CRY_CURVE_X25519:
		return CKK_EC_MONTGOMERY;
	default:
		return CKK_EC;
	}
}

CK_RV p11_private_key_fill(tok_object *object, const cry_pkcs8_key *key)
{
	CK_RV rv = CKR_OK;

	if (object->key_type != p11_pkcs8_key_type(key))
		return CKR_WRAPPED_KEY_INVALID;
	if (key->rsa) {
		for (size_t i = 0; i < CRY_RSA_PART_COUNT && rv == CKR_OK; i++)
			rv = tok_object_set_material(
			        object, p11_rsa_part_attributes[i],
			        key->part[i], key->length[i]);
	} else {
		size_t length;
		const uint8_t *params = cry_curve_params(key->curve, &length);
		rv = tok_object_set_material(object, CKA_EC_PARAMS, params,
		                             length);
		if (rv == CKR_OK)
			rv = tok_object_set_material(object, CKA_VALUE,
			                             key->private_key,
			                             key->private_length);
	}
	/* The checks of an import (RSA: the parts consistent, the modulus
	 * size in range; curves: the scalar), and CKA_PUBLIC_KEY_INFO. What
	 * an import would call an invalid attribute value is here a wrapped
	 * key that is not a valid key. */
	if (rv == CKR_OK)
		rv = p11_key_import_check(object);
	return rv == CKR_ATTRIBUTE_VALUE_INVALID ? CKR_WRAPPED_KEY_INVALID : rv;
}
