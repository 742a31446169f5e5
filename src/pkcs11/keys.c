#include "config.h"

#include "pkcs11/keys.h"
#include "pkcs11/operation.h"

#include <string.h>

#define MAX_POINT 133    /* P-521 uncompressed */
#define MAX_KEY_INFO 200 /* P-521 SubjectPublicKeyInfo is 158 bytes */

CK_RV p11_key_set_public_point(tok_object *object, cry_curve curve,
                               const uint8_t *point)
{
	size_t length = cry_curve_public_bytes(curve);
	uint8_t der[MAX_POINT + 3];
	size_t header = 0;
	der[header++] = 0x04; /* OCTET STRING */
	if (length > 127)
		der[header++] = 0x81;
	der[header++] = (uint8_t)length;
	memcpy(der + header, point, length);
	return tok_object_set_material(object, CKA_EC_POINT, der,
	                               header + length);
}

CK_RV p11_key_set_public_key_info(tok_object *object, cry_curve curve,
                                  const uint8_t *point)
{
	const store_attribute *given =
	        tok_object_attribute(object, CKA_PUBLIC_KEY_INFO);
	if (given != NULL && given->length > 0)
		return CKR_OK; /* the template gave one */
	uint8_t der[MAX_KEY_INFO];
	size_t length = sizeof(der);
	cry_status status = cry_ec_public_key_info(curve, point, der, &length);
	if (status != CRY_OK)
		return p11_rv_from_crypto(status);
	return tok_object_set_internal(object, CKA_PUBLIC_KEY_INFO, der,
	                               length);
}

static bool is_curve_key(const tok_object *object)
{
	return object->key_type == CKK_EC ||
	       object->key_type == CKK_EC_EDWARDS ||
	       object->key_type == CKK_EC_MONTGOMERY;
}

/* Opens the private value, left-padding a short NIST scalar (big-endian
 * integers may arrive without leading zeros) and normalising the stored
 * value to the full width. */
static CK_RV open_private_value(tok_object *object, cry_curve curve,
                                enc_buffer **value)
{
	const store_attribute *attribute =
	        tok_object_attribute(object, CKA_VALUE);
	if (attribute == NULL || attribute->sealed == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	size_t expected = cry_curve_private_bytes(curve);
	size_t given = enc_sealed_length(attribute->sealed);
	bool nist = curve == CRY_CURVE_P256 || curve == CRY_CURVE_P384 ||
	            curve == CRY_CURVE_P521;
	if (given > expected || (given < expected && !nist) || given == 0)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	enc_buffer *opened = NULL;
	if (enc_open(attribute->sealed, NULL, 0, 0, &opened) != ENC_OK)
		return CKR_DEVICE_ERROR;
	if (given == expected) {
		*value = opened;
		return CKR_OK;
	}
	enc_buffer *padded = NULL;
	CK_RV rv = CKR_OK;
	if (enc_alloc(expected, 0, &padded) != ENC_OK) {
		rv = CKR_DEVICE_ERROR;
	} else {
		memcpy((uint8_t *)enc_data(padded) + expected - given,
		       enc_data(opened), given);
		rv = tok_object_set_material(object, CKA_VALUE,
		                             enc_data(padded), expected);
	}
	enc_free(opened);
	if (rv != CKR_OK) {
		enc_free(padded);
		return rv;
	}
	enc_protect(padded, ENC_READONLY);
	*value = padded;
	return CKR_OK;
}

CK_RV p11_key_import_check(tok_object *object)
{
	if (object->key_type == CKK_RSA &&
	    (object->object_class == CKO_PRIVATE_KEY ||
	     object->object_class == CKO_PUBLIC_KEY))
		return p11_rsa_import_check(object);
	if (!is_curve_key(object) || (object->object_class != CKO_PRIVATE_KEY &&
	                              object->object_class != CKO_PUBLIC_KEY))
		return CKR_OK;
	cry_curve curve;
	CK_RV rv = p11_key_curve(object, &curve);
	if (rv == CKR_KEY_TYPE_INCONSISTENT)
		return CKR_TEMPLATE_INCONSISTENT;
	if (rv != CKR_OK)
		return rv;
	uint8_t point[MAX_POINT];
	if (object->object_class == CKO_PUBLIC_KEY) {
		size_t length;
		if (p11_key_public_point(object, curve, point, &length) !=
		            CKR_OK ||
		    cry_ec_check_public(curve, point, length) != CRY_OK)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		/* Store the DER form whatever the client sent. */
		rv = p11_key_set_public_point(object, curve, point);
		return rv == CKR_OK ? p11_key_set_public_key_info(object, curve,
		                                                  point)
		                    : rv;
	}
	enc_buffer *value = NULL;
	rv = open_private_value(object, curve, &value);
	if (rv != CKR_OK)
		return rv;
	cry_status status = cry_ec_public_from_private(curve, value, point);
	enc_free(value);
	if (status == CRY_ERR_KEY || status == CRY_ERR_INVALID)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (status != CRY_OK)
		return p11_rv_from_crypto(status);
	return p11_key_set_public_key_info(object, curve, point);
}
