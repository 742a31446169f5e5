/*
 * Reading, changing, copying and matching objects: C_GetAttributeValue,
 * C_SetAttributeValue, C_CopyObject and the C_FindObjects comparison.
 */
#include "config.h"

#include "token/internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- C_GetAttributeValue ------------------------------------------------ */

/* Footnote 7: a sealed value is readable only from a key that is neither
 * sensitive nor unextractable (absent flags count as the safe values). */
static bool revealable(const tok_object *object,
                       const store_attribute *attribute)
{
	if (!attribute->sensitive)
		return true;
	return !tok_object_bool(object, CKA_SENSITIVE, true) &&
	       tok_object_bool(object, CKA_EXTRACTABLE, false);
}

/* Opens a sealed value into an enclave buffer and copies it to the
 * caller's buffer, the only place it is ever in plain ordinary memory. */
static CK_RV read_sealed(const store_attribute *attribute, CK_ATTRIBUTE *entry)
{
	size_t length = enc_sealed_length(attribute->sealed);

	if (entry->ulValueLen < length) {
		entry->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	enc_buffer *opened = NULL;
	enc_status status = enc_open(attribute->sealed, NULL, 0, 0, &opened);
	if (status != ENC_OK) {
		entry->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return tok_rv_from_enclave(status);
	}
	memcpy(entry->pValue, enc_data(opened), length);
	enc_free(opened);
	entry->ulValueLen = length;
	return CKR_OK;
}

CK_RV tok_object_get_attributes(const tok_object *object,
                                CK_ATTRIBUTE *template, CK_ULONG count)
{
	bool sensitive = false;
	bool invalid = false;
	bool too_small = false;

	if (object == NULL || (template == NULL && count > 0))
		return CKR_ARGUMENTS_BAD;
	for (CK_ULONG i = 0; i < count; i++) {
		CK_ATTRIBUTE *entry = &template[i];
		unsigned char unique_id[TOK_UNIQUE_ID_TEXT];
		store_attribute virtual = {.value = unique_id,
		                           .length = sizeof unique_id};
		const store_attribute *attribute = &virtual;
		tok_kind kind;
		CK_RV rv;

		if (entry->type == CKA_UNIQUE_ID)
			tok_unique_id_text(object, unique_id);
		else
			attribute = tok_object_attribute(object, entry->type);
		if (attribute == NULL ||
		    !tok_attribute_kind(entry->type, &kind)) {
			entry->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			invalid = true;
			continue;
		}
		if (!revealable(object, attribute)) {
			entry->ulValueLen = CK_UNAVAILABLE_INFORMATION;
			sensitive = true;
			continue;
		}
		if (entry->pValue == NULL) {
			if (attribute->sensitive)
				entry->ulValueLen =
				        enc_sealed_length(attribute->sealed);
			else
				entry->ulValueLen = tok_native_length(
				        kind, attribute->value,
				        attribute->length);
			continue;
		}
		if (attribute->sensitive)
			rv = read_sealed(attribute, entry);
		else
			rv = tok_write_native(kind, attribute->value,
			                      attribute->length, entry);
		if (rv == CKR_BUFFER_TOO_SMALL)
			too_small = true;
		else if (rv != CKR_OK)
			return rv;
	}
	/* Every entry is processed whatever happens; when several of the
	 * three "not really errors" apply, the spec lets us pick: the most
	 * serious first. */
	if (sensitive)
		return CKR_ATTRIBUTE_SENSITIVE;
	if (invalid)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	if (too_small)
		return CKR_BUFFER_TOO_SMALL;
	return CKR_OK;
}

/* ---- Changes (C_SetAttributeValue, C_CopyObject) ------------------------ */

typedef enum change_mode { CHANGE_SET, CHANGE_COPY } change_mode;

typedef struct change_list {
	store_attribute *attributes;
	size_t count;
	/* Set shares the unchanged values with the object (a replaced entry
	 * is not freed: it still belongs to the object until the swap);
	 * copy owns all of them. */
	bool shared;
} change_list;

static CK_RV list_replace(change_list *list, store_attribute *item)
{
	if (!list->shared)
		return tok_attributes_put(&list->attributes, &list->count,
		                          item);
	ptrdiff_t at =
	        tok_attributes_find(list->attributes, list->count, item->type);
	if (at >= 0) {
		list->attributes[at] = *item;
		return CKR_OK;
	}
	return tok_attributes_put(&list->attributes, &list->count, item);
}

static bool same_encoding(const store_attribute *attribute,
                          const unsigned char *encoded, size_t length)
{
	return attribute != NULL && !attribute->sensitive &&
	       attribute->length == length &&
	       (length == 0 || memcmp(attribute->value, encoded, length) == 0);
}

/* Is the change of an attribute with these rules allowed? The value is
 * known to differ from the source's. */
static bool change_allowed(const tok_rule *rule, bool to_true, change_mode mode,
                           bool source_modifiable, bool so_session)
{
	unsigned one_way = TOK_ONLY_TO_TRUE | TOK_ONLY_TO_FALSE;
	bool allowed;

	if (mode == CHANGE_SET)
		allowed = (rule->flags & TOK_MODIFIABLE) != 0 ||
		          ((rule->flags & TOK_SO_ONLY) != 0 && so_session);
	else
		/* A copy of an unmodifiable object may still move to the
		 * token, become private or be locked down further, but not
		 * take new usage flags or labels. */
		allowed = (rule->flags & TOK_COPY_ONLY) != 0 ||
		          ((rule->flags & TOK_MODIFIABLE) != 0 &&
		           (source_modifiable || (rule->flags & one_way) != 0));
	if (!allowed)
		return false;
	if ((rule->flags & TOK_ONLY_TO_TRUE) != 0 && !to_true)
		return false;
	if ((rule->flags & TOK_ONLY_TO_FALSE) != 0 && to_true)
		return false;
	return true;
}

static CK_RV apply_change(const tok_object *source, change_list *list,
                          const CK_ATTRIBUTE *template, CK_ULONG index,
                          change_mode mode, bool so_session)
{
	const CK_ATTRIBUTE *entry = &template[index];
	unsigned groups = tok_groups(source->object_class, source->key_type);
	tok_kind kind;

	if (!tok_attribute_kind(entry->type, &kind))
		return CKR_ATTRIBUTE_TYPE_INVALID;
	const tok_rule *rule = tok_rule_find(entry->type, groups);
	if (rule == NULL)
		return TOK_RV_FOREIGN_ATTRIBUTE;
	/* Key material never changes, and is not even compared. */
	if ((rule->flags & TOK_SENSITIVE) != 0 || entry->type == CKA_UNIQUE_ID)
		return CKR_ATTRIBUTE_READ_ONLY;

	unsigned char *encoded;
	size_t length;
	CK_RV rv = tok_encode(kind, entry->pValue, entry->ulValueLen, &encoded,
	                      &length);
	if (rv != CKR_OK)
		return rv;
	for (CK_ULONG j = 0; j < index; j++) {
		if (template[j].type != entry->type)
			continue;
		/* A repeated attribute: the earlier one was applied, so the
		 * list holds its value. */
		ptrdiff_t at = tok_attributes_find(list->attributes,
		                                   list->count, entry->type);
		bool same = at >= 0 && same_encoding(&list->attributes[at],
		                                     encoded, length);
		free(encoded);
		return same ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
	}
	if (same_encoding(tok_object_attribute(source, entry->type), encoded,
	                  length)) {
		free(encoded);
		return CKR_OK;
	}
	bool to_true = kind == TOK_KIND_BOOL && encoded[0] != 0;
	if (!change_allowed(rule, to_true, mode,
	                    tok_object_bool(source, CKA_MODIFIABLE, true),
	                    so_session)) {
		free(encoded);
		return CKR_ATTRIBUTE_READ_ONLY;
	}
	store_attribute item = {.type = tok_ulong_to_portable(entry->type),
	                        .value = encoded,
	                        .length = length};
	return list_replace(list, &item);
}

/* After a failed set: frees what the change list added, not what it
 * shares with the object. */
static void discard_shared(const tok_object *object, change_list *list)
{
	for (size_t i = 0; i < list->count; i++) {
		store_attribute *changed = &list->attributes[i];
		ptrdiff_t at = tok_attributes_find(
		        object->attributes, object->count, changed->type);

		if (at < 0 || object->attributes[at].value != changed->value)
			tok_attribute_clear(changed);
	}
	free(list->attributes);
}

/* After a successful set: frees the object's replaced values and installs
 * the new list. */
static void commit_shared(tok_object *object, change_list *list)
{
	for (size_t i = 0; i < object->count; i++) {
		store_attribute *old = &object->attributes[i];
		ptrdiff_t at = tok_attributes_find(list->attributes,
		                                   list->count, old->type);

		if (at < 0 || list->attributes[at].value != old->value)
			tok_attribute_clear(old);
	}
	free(object->attributes);
	object->attributes = list->attributes;
	object->count = list->count;
}

CK_RV tok_object_set_attributes(tok_object *object,
                                const CK_ATTRIBUTE *template, CK_ULONG count,
                                bool so_session)
{
	if (object == NULL || (template == NULL && count > 0))
		return CKR_ARGUMENTS_BAD;
	if (!tok_object_bool(object, CKA_MODIFIABLE, true))
		return CKR_ACTION_PROHIBITED;
	if (count == 0)
		return CKR_OK;

	/* Built aside and swapped in only if every entry is accepted. */
	change_list list = {.count = object->count, .shared = true};
	list.attributes = malloc((object->count + 1) * sizeof(store_attribute));
	if (list.attributes == NULL)
		return CKR_HOST_MEMORY;
	if (object->count > 0)
		memcpy(list.attributes, object->attributes,
		       object->count * sizeof(store_attribute));
	CK_RV rv = CKR_OK;
	for (CK_ULONG i = 0; rv == CKR_OK && i < count; i++)
		rv = apply_change(object, &list, template, i, CHANGE_SET,
		                  so_session);
	if (rv != CKR_OK) {
		discard_shared(object, &list);
		return rv;
	}
	commit_shared(object, &list);
	object->is_token = tok_object_bool(object, CKA_TOKEN, false);
	object->is_private = tok_object_bool(object, CKA_PRIVATE, true);
	return CKR_OK;
}

CK_RV tok_object_copy(const tok_object *source, const CK_ATTRIBUTE *template,
                      CK_ULONG count, tok_object **out)
{
	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	*out = NULL;
	if (source == NULL || (template == NULL && count > 0))
		return CKR_ARGUMENTS_BAD;
	if (!tok_object_bool(source, CKA_COPYABLE, true))
		return CKR_ACTION_PROHIBITED;

	change_list list = {.shared = false};
	CK_RV rv = CKR_OK;
	if (source->count > 0) {
		list.attributes =
		        calloc(source->count, sizeof(store_attribute));
		if (list.attributes == NULL)
			return CKR_HOST_MEMORY;
	}
	for (size_t i = 0; rv == CKR_OK && i < source->count; i++) {
		rv = tok_attribute_copy(&source->attributes[i],
		                        &list.attributes[i]);
		if (rv == CKR_OK)
			list.count++;
	}
	for (CK_ULONG i = 0; rv == CKR_OK && i < count; i++)
		rv = apply_change(source, &list, template, i, CHANGE_COPY,
		                  false);
	tok_object *copy = NULL;
	if (rv == CKR_OK) {
		copy = calloc(1, sizeof(*copy));
		if (copy == NULL)
			rv = CKR_HOST_MEMORY;
	}
	if (rv != CKR_OK) {
		tok_attributes_free(list.attributes, list.count);
		return rv;
	}
	copy->object_class = source->object_class;
	copy->key_type = source->key_type;
	copy->attributes = list.attributes;
	copy->count = list.count;
	copy->is_token = tok_object_bool(copy, CKA_TOKEN, false);
	copy->is_private = tok_object_bool(copy, CKA_PRIVATE, true);
	tok_unique_id_fresh(copy->unique_id);
	*out = copy;
	return CKR_OK;
}

/* ---- C_FindObjects ------------------------------------------------------ */

bool tok_object_matches(const tok_object *object, const CK_ATTRIBUTE *template,
                        CK_ULONG count)
{
	if (object == NULL || (template == NULL && count > 0))
		return false;
	for (CK_ULONG i = 0; i < count; i++) {
		const CK_ATTRIBUTE *entry = &template[i];
		unsigned char unique_id[TOK_UNIQUE_ID_TEXT];
		store_attribute virtual = {.value = unique_id,
		                           .length = sizeof unique_id};
		const store_attribute *attribute = &virtual;
		unsigned char *encoded;
		size_t length;
		tok_kind kind;

		if (!tok_attribute_kind(entry->type, &kind))
			return false;
		if (entry->type == CKA_UNIQUE_ID)
			tok_unique_id_text(object, unique_id);
		else
			attribute = tok_object_attribute(object, entry->type);
		/* A sealed value is never compared: a search must not be an
		 * oracle for key material. */
		if (attribute == NULL || attribute->sensitive)
			return false;
		if (tok_encode(kind, entry->pValue, entry->ulValueLen, &encoded,
		               &length) != CKR_OK)
			return false;
		bool same = same_encoding(attribute, encoded, length);
		free(encoded);
		if (!same)
			return false;
	}
	return true;
}
