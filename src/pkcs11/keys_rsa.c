/* RSA key objects: the packed private key the crypto layer signs with,
 * built from the object's sealed components (opened only into enclave
 * buffers), the public parts, and the checks on import. */
#include "config.h"

#include "pkcs11/keys.h"
#include "pkcs11/operation.h"

#include <stdlib.h>
#include <string.h>

const CK_ATTRIBUTE_TYPE p11_rsa_part_attributes[CRY_RSA_PART_COUNT] = {
        [CRY_RSA_MODULUS] = CKA_MODULUS,
        [CRY_RSA_PUBLIC_EXPONENT] = CKA_PUBLIC_EXPONENT,
        [CRY_RSA_PRIVATE_EXPONENT] = CKA_PRIVATE_EXPONENT,
        [CRY_RSA_PRIME_1] = CKA_PRIME_1,
        [CRY_RSA_PRIME_2] = CKA_PRIME_2,
        [CRY_RSA_EXPONENT_1] = CKA_EXPONENT_1,
        [CRY_RSA_EXPONENT_2] = CKA_EXPONENT_2,
        [CRY_RSA_COEFFICIENT] = CKA_COEFFICIENT,
};

/* Packs an RSA private key object's components; sealed ones are opened
 * into enclave buffers for the duration of the packing only. */
static CK_RV pack_private(const tok_object *object, enc_buffer **packed)
{
	const uint8_t *parts[CRY_RSA_PART_COUNT] = {0};
	size_t lengths[CRY_RSA_PART_COUNT] = {0};
	enc_buffer *opened[CRY_RSA_PART_COUNT] = {0};
	CK_RV rv = CKR_OK;
	for (size_t i = 0; i < CRY_RSA_PART_COUNT && rv == CKR_OK; i++) {
		const store_attribute *attribute = tok_object_attribute(
		        object, p11_rsa_part_attributes[i]);
		if (attribute == NULL)
			continue;
		if (attribute->sealed != NULL) {
			if (enc_sealed_length(attribute->sealed) == 0)
				continue;
			if (enc_open(attribute->sealed, NULL, 0, 0,
			             &opened[i]) != ENC_OK) {
				rv = CKR_DEVICE_ERROR;
				break;
			}
			parts[i] = enc_data(opened[i]);
			lengths[i] = enc_size(opened[i]);
		} else if (attribute->length > 0) {
			parts[i] = attribute->value;
			lengths[i] = attribute->length;
		}
	}
	if (rv == CKR_OK) {
		cry_status status = cry_rsa_pack(parts, lengths, packed);
		if (status == CRY_ERR_KEY || status == CRY_ERR_INVALID)
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
		else if (status != CRY_OK)
			rv = p11_rv_from_crypto(status);
	}
	for (size_t i = 0; i < CRY_RSA_PART_COUNT; i++)
		enc_free(opened[i]);
	return rv;
}

CK_RV p11_rsa_private_key(p11_object_ref *ref, enc_sealed **out)
{
	if (ref->operational_key == NULL) {
		enc_buffer *packed = NULL;
		CK_RV rv = pack_private(ref->object, &packed);
		if (rv == CKR_ATTRIBUTE_VALUE_INVALID)
			rv = CKR_KEY_TYPE_INCONSISTENT;
		if (rv != CKR_OK)
			return rv;
		enc_status sealed =
		        enc_seal(packed, NULL, 0, &ref->operational_key);
		enc_free(packed);
		if (sealed != ENC_OK)
			return CKR_DEVICE_ERROR;
	}
	return enc_sealed_copy(ref->operational_key, out) == ENC_OK
	               ? CKR_OK
	               : CKR_HOST_MEMORY;
}

static CK_RV copy_plain(const tok_object *object, CK_ATTRIBUTE_TYPE type,
                        uint8_t **value, size_t *length)
{
	const store_attribute *attribute = tok_object_attribute(object, type);
	if (attribute == NULL || attribute->sealed != NULL ||
	    attribute->length == 0)
		return CKR_KEY_TYPE_INCONSISTENT;
	*value = malloc(attribute->length);
	if (*value == NULL)
		return CKR_HOST_MEMORY;
	memcpy(*value, attribute->value, attribute->length);
	*length = attribute->length;
	return CKR_OK;
}

CK_RV p11_rsa_public_key(const tok_object *object, uint8_t **modulus,
                         size_t *modulus_length, uint8_t **exponent,
                         size_t *exponent_length)
{
	*modulus = NULL;
	*exponent = NULL;
	CK_RV rv = copy_plain(object, CKA_MODULUS, modulus, modulus_length);
	if (rv == CKR_OK)
		rv = copy_plain(object, CKA_PUBLIC_EXPONENT, exponent,
		                exponent_length);
	if (rv != CKR_OK) {
		free(*modulus);
		free(*exponent);
		*modulus = *exponent = NULL;
	}
	return rv;
}

size_t p11_rsa_modulus_bytes(const tok_object *object)
{
	const store_attribute *modulus =
	        tok_object_attribute(object, CKA_MODULUS);
	if (modulus == NULL || modulus->value == NULL)
		return 0;
	return (cry_rsa_modulus_bits(modulus->value, modulus->length) + 7) / 8;
}

/* CKA_PUBLIC_KEY_INFO from the modulus and exponent, unless given. */
static CK_RV set_public_key_info(tok_object *object)
{
	const store_attribute *given =
	        tok_object_attribute(object, CKA_PUBLIC_KEY_INFO);
	if (given != NULL && given->length > 0)
		return CKR_OK;
	const store_attribute *modulus =
	        tok_object_attribute(object, CKA_MODULUS);
	const store_attribute *exponent =
	        tok_object_attribute(object, CKA_PUBLIC_EXPONENT);
	if (modulus == NULL || exponent == NULL || exponent->sealed != NULL ||
	    exponent->length == 0)
		return CKR_OK; /* a private key imported without e */
	size_t length = 0;
	cry_status status = cry_rsa_public_key_info(
	        modulus->value, modulus->length, exponent->value,
	        exponent->length, NULL, &length);
	if (status != CRY_OK && status != CRY_ERR_BUFFER)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	uint8_t *der = malloc(length);
	if (der == NULL)
		return CKR_HOST_MEMORY;
	status = cry_rsa_public_key_info(modulus->value, modulus->length,
	                                 exponent->value, exponent->length, der,
	                                 &length);
	CK_RV rv = status == CRY_OK
	                   ? tok_object_set_internal(
	                             object, CKA_PUBLIC_KEY_INFO, der, length)
	                   : p11_rv_from_crypto(status);
	free(der);
	return rv;
}

CK_RV p11_rsa_set_public_key_info(tok_object *object)
{
	return set_public_key_info(object);
}

CK_RV p11_rsa_import_check(tok_object *object)
{
	const store_attribute *modulus =
	        tok_object_attribute(object, CKA_MODULUS);
	if (modulus == NULL || modulus->value == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	unsigned bits = cry_rsa_modulus_bits(modulus->value, modulus->length);
	if (bits < CRY_RSA_MIN_BITS || bits > CRY_RSA_MAX_BITS)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (object->object_class == CKO_PRIVATE_KEY) {
		enc_buffer *packed = NULL;
		CK_RV rv = pack_private(object, &packed);
		enc_free(packed);
		if (rv != CKR_OK)
			return rv;
	}
	return set_public_key_info(object);
}
