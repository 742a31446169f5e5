/*
 * Sorted lists of store_attribute: building, copying (sealed values are
 * resealed, never left open) and freeing them.
 */
#include "config.h"

#include "token/internal.h"

#include <stdlib.h>
#include <string.h>

CK_RV tok_rv_from_enclave(enc_status status)
{
	switch (status) {
	case ENC_OK:
		return CKR_OK;
	case ENC_ERR_NOMEM:
		return CKR_HOST_MEMORY;
	default:
		return CKR_DEVICE_ERROR;
	}
}

void tok_attribute_clear(store_attribute *attribute)
{
	if (attribute->value != NULL) {
		/* Plain values are not secret, but a private object's label
		 * or data need not outlive the object either. */
		enc_wipe(attribute->value, attribute->length);
		free(attribute->value);
	}
	enc_sealed_free(attribute->sealed);
	attribute->value = NULL;
	attribute->sealed = NULL;
	attribute->length = 0;
	attribute->sensitive = false;
}

void tok_attributes_free(store_attribute *attributes, size_t count)
{
	if (attributes == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		tok_attribute_clear(&attributes[i]);
	free(attributes);
}

ptrdiff_t tok_attributes_find(const store_attribute *attributes, size_t count,
                              CK_ATTRIBUTE_TYPE type)
{
	size_t low = 0;
	size_t high = count;
	uint64_t wanted = tok_ulong_to_portable(type);

	while (low < high) {
		size_t middle = low + (high - low) / 2;

		if (attributes[middle].type == wanted)
			return (ptrdiff_t)middle;
		if (attributes[middle].type < wanted)
			low = middle + 1;
		else
			high = middle;
	}
	return -1;
}

CK_RV tok_attributes_put(store_attribute **attributes, size_t *count,
                         store_attribute *item)
{
	size_t position = 0;

	while (position < *count && (*attributes)[position].type < item->type)
		position++;
	if (position < *count && (*attributes)[position].type == item->type) {
		tok_attribute_clear(&(*attributes)[position]);
		(*attributes)[position] = *item;
		return CKR_OK;
	}
	store_attribute *grown =
	        realloc(*attributes, (*count + 1) * sizeof(**attributes));
	if (grown == NULL) {
		tok_attribute_clear(item);
		return CKR_HOST_MEMORY;
	}
	memmove(&grown[position + 1], &grown[position],
	        (*count - position) * sizeof(*grown));
	grown[position] = *item;
	*attributes = grown;
	(*count)++;
	return CKR_OK;
}

CK_RV tok_attribute_plain(CK_ATTRIBUTE_TYPE type, const void *value,
                          size_t length, store_attribute *out)
{
	memset(out, 0, sizeof(*out));
	out->type = tok_ulong_to_portable(type);
	if (length == 0)
		return CKR_OK;
	out->value = malloc(length);
	if (out->value == NULL)
		return CKR_HOST_MEMORY;
	memcpy(out->value, value, length);
	out->length = length;
	return CKR_OK;
}

CK_RV tok_attribute_sealed(CK_ATTRIBUTE_TYPE type, const void *value,
                           size_t length, store_attribute *out)
{
	memset(out, 0, sizeof(*out));
	out->type = tok_ulong_to_portable(type);
	out->sensitive = true;
	/* The enclave seals straight from the caller's buffer; an empty
	 * secret is no key at all. */
	if (value == NULL || length == 0)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	enc_status status =
	        enc_seal_bytes(value, length, NULL, 0, &out->sealed);
	if (status != ENC_OK)
		return tok_rv_from_enclave(status);
	out->length = length;
	return CKR_OK;
}

CK_RV tok_attribute_copy(const store_attribute *from, store_attribute *out)
{
	if (!from->sensitive)
		return tok_attribute_plain(from->type, from->value,
		                           from->length, out);
	memset(out, 0, sizeof(*out));
	out->type = from->type;
	out->sensitive = true;
	enc_buffer *opened = NULL;
	enc_status status = enc_open(from->sealed, NULL, 0, 0, &opened);
	if (status == ENC_OK)
		status = enc_seal(opened, NULL, 0, &out->sealed);
	enc_free(opened);
	if (status != ENC_OK)
		return tok_rv_from_enclave(status);
	out->length = enc_sealed_length(out->sealed);
	return CKR_OK;
}

bool tok_attributes_bool(const store_attribute *attributes, size_t count,
                         CK_ATTRIBUTE_TYPE type, bool fallback)
{
	ptrdiff_t index = tok_attributes_find(attributes, count, type);

	if (index < 0 || attributes[index].sensitive ||
	    attributes[index].length != 1)
		return fallback;
	return attributes[index].value[0] != 0;
}

bool tok_attributes_ulong(const store_attribute *attributes, size_t count,
                          CK_ATTRIBUTE_TYPE type, CK_ULONG *out)
{
	ptrdiff_t index = tok_attributes_find(attributes, count, type);

	if (index < 0 || attributes[index].sensitive ||
	    attributes[index].length != TOK_ULONG_BYTES)
		return false;
	return tok_portable_to_ulong(tok_load_u64(attributes[index].value),
	                             out);
}

void tok_unique_id_text(const tok_object *object,
                        unsigned char text[TOK_UNIQUE_ID_TEXT])
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < STORE_UNIQUE_ID_BYTES; i++) {
		text[2 * i] = (unsigned char)digits[object->unique_id[i] >> 4];
		text[2 * i + 1] =
		        (unsigned char)digits[object->unique_id[i] & 0x0f];
	}
}

void tok_unique_id_fresh(unsigned char unique_id[STORE_UNIQUE_ID_BYTES])
{
	do {
		enc_random(unique_id, STORE_UNIQUE_ID_BYTES);
	} while (enc_ct_is_zero(unique_id, STORE_UNIQUE_ID_BYTES));
}
