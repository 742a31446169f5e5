/*
 * Objects rebuilt from store records, and the small accessors and index
 * values the pkcs11 layer and the store need.
 */
#include "config.h"

#include "token/internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- Objects from the store --------------------------------------------- */

static int compare_types(const void *a, const void *b)
{
	uint64_t left = ((const store_attribute *)a)->type;
	uint64_t right = ((const store_attribute *)b)->type;

	return left < right ? -1 : left > right;
}

/* Everything a record must satisfy to be an object this build can use:
 * a damaged or foreign record is refused, never half-loaded. */
static bool record_valid(const store_attribute *attributes, size_t count,
                         bool is_private, CK_OBJECT_CLASS *object_class,
                         CK_KEY_TYPE *key_type)
{
	CK_ULONG certificate_type;

	for (size_t i = 1; i < count; i++) {
		if (attributes[i].type == attributes[i - 1].type)
			return false;
	}
	if (!tok_attributes_ulong(attributes, count, CKA_CLASS, object_class) ||
	    !tok_class_supported(*object_class))
		return false;
	*key_type = CK_UNAVAILABLE_INFORMATION;
	if (tok_is_key_class(*object_class) &&
	    !tok_attributes_ulong(attributes, count, CKA_KEY_TYPE, key_type))
		return false;
	if (*object_class == CKO_CERTIFICATE &&
	    (!tok_attributes_ulong(attributes, count, CKA_CERTIFICATE_TYPE,
	                           &certificate_type) ||
	     certificate_type != CKC_X_509))
		return false;
	unsigned groups = tok_groups(*object_class, *key_type);
	if (groups == 0)
		return false;
	for (size_t i = 0; i < count; i++) {
		const store_attribute *attribute = &attributes[i];
		CK_ULONG type;
		tok_kind kind;

		if (!tok_portable_to_ulong(attribute->type, &type) ||
		    type == CKA_UNIQUE_ID || !tok_attribute_kind(type, &kind))
			return false;
		const tok_rule *rule = tok_rule_find(type, groups);
		bool sealed_here =
		        (rule != NULL && (rule->flags & TOK_SENSITIVE) != 0);
		if (rule == NULL || attribute->sensitive != sealed_here)
			return false;
		if (attribute->sensitive
		            ? attribute->sealed == NULL ||
		                      attribute->value != NULL
		            : attribute->sealed != NULL ||
		                      !tok_portable_valid(kind,
		                                          attribute->value,
		                                          attribute->length))
			return false;
	}
	return tok_attributes_bool(attributes, count, CKA_PRIVATE,
	                           is_private) == is_private;
}

CK_RV tok_object_from_store(
        store_object_id id, bool is_private,
        const unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
        store_attribute *attributes, size_t count, tok_object **out)
{
	return tok_object_from_store_ex(id, is_private, unique_id, 0,
	                                attributes, count, out);
}

CK_RV tok_object_from_store_ex(
        store_object_id id, bool is_private,
        const unsigned char unique_id[STORE_UNIQUE_ID_BYTES], uint32_t defaults,
        store_attribute *attributes, size_t count, tok_object **out)
{
	CK_OBJECT_CLASS object_class;
	CK_KEY_TYPE key_type;

	if (out == NULL || unique_id == NULL ||
	    (attributes == NULL && count > 0)) {
		tok_attributes_free(attributes, count);
		return CKR_ARGUMENTS_BAD;
	}
	*out = NULL;
	if (count > 0)
		qsort(attributes, count, sizeof(*attributes), compare_types);
	if (defaults != 0) {
		CK_RV rv = tok_defaults_expand(defaults, is_private,
		                               &attributes, &count);
		if (rv != CKR_OK) {
			tok_attributes_free(attributes, count);
			return rv == CKR_HOST_MEMORY ? rv : CKR_DEVICE_ERROR;
		}
		qsort(attributes, count, sizeof(*attributes), compare_types);
	}
	if (!record_valid(attributes, count, is_private, &object_class,
	                  &key_type)) {
		tok_attributes_free(attributes, count);
		return CKR_DEVICE_ERROR;
	}
	tok_object *object = calloc(1, sizeof(*object));
	if (object == NULL) {
		tok_attributes_free(attributes, count);
		return CKR_HOST_MEMORY;
	}
	for (size_t i = 0; i < count; i++) {
		/* The enclave knows the real length of a sealed value. */
		if (attributes[i].sensitive)
			attributes[i].length =
			        enc_sealed_length(attributes[i].sealed);
	}
	object->store_id = id;
	object->object_class = object_class;
	object->key_type = key_type;
	/* A record in the store is a token object unless it says not. */
	object->is_token =
	        tok_attributes_bool(attributes, count, CKA_TOKEN, true);
	object->is_private = is_private;
	memcpy(object->unique_id, unique_id, STORE_UNIQUE_ID_BYTES);
	object->attributes = attributes;
	object->count = count;
	*out = object;
	return CKR_OK;
}

/* ---- Accessors ---------------------------------------------------------- */

const store_attribute *tok_object_attribute(const tok_object *object,
                                            CK_ATTRIBUTE_TYPE type)
{
	if (object == NULL)
		return NULL;
	ptrdiff_t index =
	        tok_attributes_find(object->attributes, object->count, type);
	return index < 0 ? NULL : &object->attributes[index];
}

bool tok_object_bool(const tok_object *object, CK_ATTRIBUTE_TYPE type,
                     bool fallback)
{
	if (object == NULL)
		return fallback;
	return tok_attributes_bool(object->attributes, object->count, type,
	                           fallback);
}

bool tok_object_destroyable(const tok_object *object)
{
	return tok_object_bool(object, CKA_DESTROYABLE, true);
}

CK_ULONG tok_object_size(const tok_object *object)
{
	if (object == NULL)
		return 0;
	CK_ULONG size = sizeof(*object);
	for (size_t i = 0; i < object->count; i++)
		size += sizeof(store_attribute) + object->attributes[i].length;
	return size;
}

void tok_object_index(const tok_object *object, store_index *index)
{
	memset(index, 0, sizeof(*index));
	index->has_class = true;
	index->object_class = tok_ulong_to_portable(object->object_class);
	const store_attribute *id = tok_object_attribute(object, CKA_ID);
	if (id != NULL && !id->sensitive) {
		index->has_id = true;
		index->id = id->value;
		index->id_length = id->length;
	}
	const store_attribute *label = tok_object_attribute(object, CKA_LABEL);
	if (label != NULL && !label->sensitive) {
		index->has_label = true;
		index->label = label->value;
		index->label_length = label->length;
	}
}

bool tok_template_index(const CK_ATTRIBUTE *template, CK_ULONG count,
                        store_index *index)
{
	memset(index, 0, sizeof(*index));
	if (template == NULL && count > 0)
		return false;
	for (CK_ULONG i = 0; i < count; i++) {
		const CK_ATTRIBUTE *entry = &template[i];
		const unsigned char *bytes = entry->pValue;
		CK_ULONG length = entry->ulValueLen;

		if (bytes == NULL && length > 0)
			return false;
		if (entry->type == CKA_CLASS) {
			CK_ULONG value;

			if (bytes == NULL || length != sizeof(CK_ULONG))
				return false;
			memcpy(&value, bytes, sizeof value);
			uint64_t portable = tok_ulong_to_portable(value);
			if (index->has_class && index->object_class != portable)
				return false;
			index->has_class = true;
			index->object_class = portable;
		} else if (entry->type == CKA_ID || entry->type == CKA_LABEL) {
			bool is_id = entry->type == CKA_ID;
			bool *present =
			        is_id ? &index->has_id : &index->has_label;
			const unsigned char **value =
			        is_id ? &index->id : &index->label;
			size_t *value_length = is_id ? &index->id_length
			                             : &index->label_length;

			if (*present && (*value_length != length ||
			                 (length > 0 &&
			                  memcmp(*value, bytes, length) != 0)))
				return false;
			*present = true;
			*value = bytes;
			*value_length = length;
		}
	}
	return true;
}

/* A CK_BBOOL template entry as tok_object_matches compares it: its
 * portable byte, or false if malformed (it then matches nothing). */
static bool template_bool(const CK_ATTRIBUTE *entry, bool *value)
{
	unsigned char *encoded;
	size_t length;

	if (tok_encode(TOK_KIND_BOOL, entry->pValue, entry->ulValueLen,
	               &encoded, &length) != CKR_OK ||
	    encoded == NULL)
		return false;
	*value = encoded[0] != 0;
	free(encoded);
	return true;
}

bool tok_template_row_query(const CK_ATTRIBUTE *template, CK_ULONG count,
                            tok_row_query *query)
{
	memset(query, 0, sizeof(*query));
	if (template == NULL && count > 0)
		return false;
	for (CK_ULONG i = 0; i < count; i++) {
		CK_ATTRIBUTE_TYPE type = template[i].type;
		if (type != CKA_CLASS && type != CKA_ID && type != CKA_LABEL &&
		    type != CKA_TOKEN && type != CKA_PRIVATE)
			return false;
	}
	/* The same refusals as the full path's: nothing matches. */
	if (!tok_template_index(template, count, &query->index)) {
		query->none = true;
		return true;
	}
	for (CK_ULONG i = 0; i < count && !query->none; i++) {
		const CK_ATTRIBUTE *entry = &template[i];
		bool value;

		if (entry->type != CKA_TOKEN && entry->type != CKA_PRIVATE)
			continue;
		if (!template_bool(entry, &value))
			query->none = true;
		else if (entry->type == CKA_TOKEN)
			query->none = !value;
		else if (query->has_private && query->is_private != value)
			query->none = true;
		else {
			query->has_private = true;
			query->is_private = value;
		}
	}
	return true;
}

bool tok_row_matches(const tok_row_query *query, bool is_private)
{
	return !query->none &&
	       (!query->has_private || query->is_private == is_private);
}

void tok_object_free(tok_object *object)
{
	if (object == NULL)
		return;
	tok_attributes_free(object->attributes, object->count);
	free(object);
}
