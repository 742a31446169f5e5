/* C_GenerateKeyPair (RSA, NIST curves, Ed25519, X25519) and C_GenerateKey
 * (generic secrets, HKDF keys, AES, ChaCha20). Fresh private material is
 * born in an enclave buffer and sealed into the object straight from
 * there. */
#include "config.h"

#include "pkcs11/entry.h"
#include "pkcs11/keys.h"
#include "pkcs11/mechanisms.h"
#include "pkcs11/operation.h"

#include <stdlib.h>

#define MAX_POINT 133

static CK_KEY_TYPE pair_key_type(p11_family family)
{
	switch (family) {
	case P11_FAMILY_EC_KEY_PAIR_GEN:
		return CKK_EC;
	case P11_FAMILY_EDWARDS_KEY_PAIR_GEN:
		return CKK_EC_EDWARDS;
	case P11_FAMILY_MONTGOMERY_KEY_PAIR_GEN:
		return CKK_EC_MONTGOMERY;
	case P11_FAMILY_RSA_KEY_PAIR_GEN:
		return CKK_RSA;
	default:
		return CK_UNAVAILABLE_INFORMATION;
	}
}

/* Both templates must agree with what the mechanism makes. */
static CK_RV check_pair_objects(const tok_object *public_key,
                                const tok_object *private_key,
                                CK_KEY_TYPE key_type)
{
	if (public_key->object_class != CKO_PUBLIC_KEY ||
	    private_key->object_class != CKO_PRIVATE_KEY ||
	    public_key->key_type != key_type ||
	    private_key->key_type != key_type)
		return CKR_TEMPLATE_INCONSISTENT;
	const store_attribute *given =
	        tok_object_attribute(private_key, CKA_EC_PARAMS);
	const store_attribute *wanted =
	        tok_object_attribute(public_key, CKA_EC_PARAMS);
	if (given != NULL &&
	    (wanted == NULL || given->length != wanted->length ||
	     !enc_ct_equal(given->value, wanted->value, given->length)))
		return CKR_TEMPLATE_INCONSISTENT;
	return CKR_OK;
}

static bool read_ulong(const tok_object *object, CK_ATTRIBUTE_TYPE type,
                       uint64_t *value)
{
	const store_attribute *attribute = tok_object_attribute(object, type);
	if (attribute == NULL || attribute->length != 8)
		return false;
	*value = 0;
	for (int i = 7; i >= 0; i--)
		*value = *value << 8 | attribute->value[i];
	return true;
}

/* The private parts of a packed RSA key, sealed into the private object
 * straight from the enclave buffer. */
static const struct {
	cry_rsa_part part;
	CK_ATTRIBUTE_TYPE type;
} rsa_private_parts[] = {
        {CRY_RSA_MODULUS, CKA_MODULUS},
        {CRY_RSA_PUBLIC_EXPONENT, CKA_PUBLIC_EXPONENT},
        {CRY_RSA_PRIVATE_EXPONENT, CKA_PRIVATE_EXPONENT},
        {CRY_RSA_PRIME_1, CKA_PRIME_1},
        {CRY_RSA_PRIME_2, CKA_PRIME_2},
        {CRY_RSA_EXPONENT_1, CKA_EXPONENT_1},
        {CRY_RSA_EXPONENT_2, CKA_EXPONENT_2},
        {CRY_RSA_COEFFICIENT, CKA_COEFFICIENT},
};

static CK_RV make_rsa_pair(tok_object *public_key, tok_object *private_key)
{
	uint64_t bits;
	if (!read_ulong(public_key, CKA_MODULUS_BITS, &bits))
		return CKR_TEMPLATE_INCOMPLETE;
	const p11_mechanism *info =
	        p11_mechanism_find(CKM_RSA_PKCS_KEY_PAIR_GEN);
	if (bits < info->info.ulMinKeySize || bits > info->info.ulMaxKeySize ||
	    bits % 8 != 0)
		return CKR_KEY_SIZE_RANGE;
	const store_attribute *exponent =
	        tok_object_attribute(public_key, CKA_PUBLIC_EXPONENT);
	enc_buffer *packed = NULL;
	cry_status status = cry_rsa_generate(
	        (unsigned)bits, exponent ? exponent->value : NULL,
	        exponent ? exponent->length : 0, &packed);
	if (status == CRY_ERR_INVALID)
		return CKR_ATTRIBUTE_VALUE_INVALID; /* an unusable exponent */
	if (status != CRY_OK)
		return p11_rv_from_crypto(status);
	CK_RV rv = CKR_OK;
	for (size_t i = 0;
	     i < sizeof(rsa_private_parts) / sizeof(rsa_private_parts[0]) &&
	     rv == CKR_OK;
	     i++) {
		const uint8_t *value;
		size_t length;
		if (cry_rsa_part_view(packed, rsa_private_parts[i].part, &value,
		                      &length) != CRY_OK) {
			rv = CKR_DEVICE_ERROR;
			break;
		}
		rv = tok_object_set_material(
		        private_key, rsa_private_parts[i].type, value, length);
		if (rv == CKR_OK && i < 2)
			rv = tok_object_set_material(public_key,
			                             rsa_private_parts[i].type,
			                             value, length);
	}
	enc_free(packed);
	if (rv == CKR_OK)
		rv = p11_rsa_set_public_key_info(public_key);
	if (rv == CKR_OK)
		rv = p11_rsa_set_public_key_info(private_key);
	return rv;
}

/* Fills both objects with a fresh key pair of the public key's curve. */
static CK_RV make_pair(tok_object *public_key, tok_object *private_key)
{
	if (public_key->key_type == CKK_RSA)
		return make_rsa_pair(public_key, private_key);
	cry_curve curve;
	CK_RV rv = p11_key_curve(public_key, &curve);
	if (rv == CKR_KEY_TYPE_INCONSISTENT)
		return CKR_TEMPLATE_INCONSISTENT;
	if (rv != CKR_OK)
		return rv;
	enc_buffer *secret = NULL;
	uint8_t point[MAX_POINT];
	cry_status status = cry_ec_generate(curve, &secret, point);
	if (status != CRY_OK)
		return p11_rv_from_crypto(status);
	size_t params_length;
	const uint8_t *params = cry_curve_params(curve, &params_length);
	rv = tok_object_set_material(private_key, CKA_VALUE, enc_data(secret),
	                             enc_size(secret));
	enc_free(secret);
	if (rv == CKR_OK &&
	    tok_object_attribute(private_key, CKA_EC_PARAMS) == NULL)
		rv = tok_object_set_material(private_key, CKA_EC_PARAMS, params,
		                             params_length);
	if (rv == CKR_OK)
		rv = p11_key_set_public_point(public_key, curve, point);
	if (rv == CKR_OK)
		rv = p11_key_set_public_key_info(public_key, curve, point);
	if (rv == CKR_OK)
		rv = p11_key_set_public_key_info(private_key, curve, point);
	return rv;
}

/* Undoes a stored public key whose private half could not be stored
 * (slot lock held: C_DestroyObject would take it again). */
static void discard(p11_session *session, CK_OBJECT_HANDLE handle)
{
	p11_object_ref *ref;
	if (p11_objects_lookup(session, handle, &ref) != CKR_OK)
		return;
	if (ref->is_token)
		store_object_delete(session->slot->token, ref->store_id);
	p11_objects_remove(session->slot, ref);
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                        CK_ATTRIBUTE_PTR public_template, CK_ULONG public_count,
                        CK_ATTRIBUTE_PTR private_template,
                        CK_ULONG private_count, CK_OBJECT_HANDLE_PTR public_key,
                        CK_OBJECT_HANDLE_PTR private_key)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	bool so = session->slot->login == P11_LOGGED_IN_SO;
	const p11_mechanism *info = NULL;
	tok_object *public_object = NULL, *private_object = NULL;
	CK_KEY_TYPE key_type = CK_UNAVAILABLE_INFORMATION;
	if (mechanism == NULL || public_key == NULL || private_key == NULL ||
	    (public_template == NULL && public_count > 0) ||
	    (private_template == NULL && private_count > 0))
		rv = CKR_ARGUMENTS_BAD;
	else if ((info = p11_mechanism_find(mechanism->mechanism)) == NULL ||
	         (key_type = pair_key_type(info->family)) ==
	                 CK_UNAVAILABLE_INFORMATION)
		rv = CKR_MECHANISM_INVALID;
	else if (mechanism->pParameter != NULL || mechanism->ulParameterLen)
		rv = CKR_MECHANISM_PARAM_INVALID;
	if (rv == CKR_OK)
		rv = tok_object_create_ex(public_template, public_count,
		                          TOK_ORIGIN_GENERATE, CKO_PUBLIC_KEY,
		                          key_type, info->type, so,
		                          &public_object);
	if (rv == CKR_OK)
		rv = tok_object_create_ex(private_template, private_count,
		                          TOK_ORIGIN_GENERATE, CKO_PRIVATE_KEY,
		                          key_type, info->type, so,
		                          &private_object);
	if (rv == CKR_OK)
		rv = check_pair_objects(public_object, private_object,
		                        key_type);
	if (rv == CKR_OK)
		rv = p11_check_write_access(session, public_object->is_token,
		                            public_object->is_private);
	if (rv == CKR_OK)
		rv = p11_check_write_access(session, private_object->is_token,
		                            private_object->is_private);
	if (rv == CKR_OK)
		rv = make_pair(public_object, private_object);
	if (rv == CKR_OK) {
		rv = p11_objects_store_new(session, public_object, public_key);
		public_object = NULL;
	}
	if (rv == CKR_OK) {
		rv = p11_objects_store_new(session, private_object,
		                           private_key);
		private_object = NULL;
		if (rv != CKR_OK)
			discard(session, *public_key);
	}
	tok_object_free(public_object);
	tok_object_free(private_object);
	p11_slot_unlock(session->slot);
	return rv;
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                    CK_ATTRIBUTE_PTR template, CK_ULONG count,
                    CK_OBJECT_HANDLE_PTR key)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	const p11_mechanism *info = NULL;
	tok_object *object = NULL;
	if (mechanism == NULL || key == NULL || (template == NULL && count > 0))
		rv = CKR_ARGUMENTS_BAD;
	else if ((info = p11_mechanism_find(mechanism->mechanism)) == NULL ||
	         (info->family != P11_FAMILY_GENERIC_SECRET_GEN &&
	          info->family != P11_FAMILY_SECRET_GEN))
		rv = CKR_MECHANISM_INVALID;
	else if (mechanism->pParameter != NULL || mechanism->ulParameterLen)
		rv = CKR_MECHANISM_PARAM_INVALID;
	/* AES and ChaCha20 keys have their mechanism's type; the same random
	 * bytes make a generic secret or an HKDF key. */
	CK_KEY_TYPE key_type = CKK_GENERIC_SECRET;
	if (info != NULL && info->family == P11_FAMILY_SECRET_GEN)
		key_type = info->key_type;
	else if (info != NULL && info->type == CKM_HKDF_KEY_GEN)
		key_type = CKK_HKDF;
	if (rv == CKR_OK)
		rv = tok_object_create_ex(
		        template, count, TOK_ORIGIN_GENERATE, CKO_SECRET_KEY,
		        key_type, info->type,
		        session->slot->login == P11_LOGGED_IN_SO, &object);
	if (rv == CKR_OK && (object->object_class != CKO_SECRET_KEY ||
	                     object->key_type != key_type))
		rv = CKR_TEMPLATE_INCONSISTENT;
	uint64_t length = 0;
	if (rv == CKR_OK && !read_ulong(object, CKA_VALUE_LEN, &length)) {
		/* ChaCha20 keys have one size; the others must be asked. */
		if (key_type == CKK_CHACHA20)
			length = 32;
		else
			rv = CKR_TEMPLATE_INCOMPLETE;
	}
	if (rv == CKR_OK && (length < info->info.ulMinKeySize ||
	                     length > info->info.ulMaxKeySize ||
	                     (key_type == CKK_AES && length % 8 != 0)))
		rv = CKR_KEY_SIZE_RANGE;
	if (rv == CKR_OK)
		rv = p11_check_write_access(session, object->is_token,
		                            object->is_private);
	enc_buffer *value = NULL;
	if (rv == CKR_OK && enc_alloc(length, 0, &value) != ENC_OK)
		rv = CKR_DEVICE_ERROR;
	if (rv == CKR_OK) {
		enc_random(enc_data(value), length);
		rv = tok_object_set_material(object, CKA_VALUE, enc_data(value),
		                             length);
	}
	enc_free(value);
	if (rv == CKR_OK) {
		rv = p11_objects_store_new(session, object, key);
		object = NULL;
	}
	tok_object_free(object);
	p11_slot_unlock(session->slot);
	return rv;
}
