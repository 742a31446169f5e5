/*
 * Token objects: creation from a template (the rules of PKCS#11 3.0
 * section 4.1.3 and the attribute table), key material set by mechanisms,
 * objects rebuilt from the store, and the small accessors.
 */
#include "config.h"

#include "token/internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- Building an attribute list ----------------------------------------- */

typedef struct builder {
	store_attribute *attributes;
	size_t count;
	size_t capacity; /* entries allocated (0: exactly count) */
	CK_OBJECT_CLASS object_class;
	CK_KEY_TYPE key_type;
	unsigned groups;
	tok_origin origin;
	CK_MECHANISM_TYPE key_gen_mechanism;
	CK_RV rv; /* first failure of a tok_rules_each callback */
} builder;

static bool has(const builder *build, CK_ATTRIBUTE_TYPE type)
{
	return tok_attributes_find(build->attributes, build->count, type) >= 0;
}

/* tok_attributes_put into the room reserve_room() made, without a
 * realloc per attribute (a new object gets some 30 of them). */
static CK_RV builder_put(builder *build, store_attribute *item)
{
	if (build->count >= build->capacity) {
		CK_RV rv = tok_attributes_put(&build->attributes, &build->count,
		                              item);
		build->capacity = build->count;
		return rv;
	}
	size_t low = 0, high = build->count;
	while (low < high) {
		size_t middle = low + (high - low) / 2;
		if (build->attributes[middle].type < item->type)
			low = middle + 1;
		else
			high = middle;
	}
	store_attribute *at = &build->attributes[low];
	if (low < build->count && at->type == item->type) {
		tok_attribute_clear(at);
		*at = *item;
		return CKR_OK;
	}
	memmove(at + 1, at, (build->count - low) * sizeof(*at));
	*at = *item;
	build->count++;
	return CKR_OK;
}

static void count_rule(const tok_rule *rule, void *context)
{
	(void)rule;
	(*(size_t *)context)++;
}

/* Room for the template, every attribute of the object's groups and the
 * computed ones, so that building never reallocates. */
static CK_RV reserve_room(builder *build, CK_ULONG template_count)
{
	size_t rules = 0;
	tok_rules_each(build->groups, count_rule, &rules);
	size_t capacity = (size_t)template_count + rules + 8;
	store_attribute *room = malloc(capacity * sizeof(*room));
	if (room == NULL)
		return CKR_HOST_MEMORY;
	build->attributes = room;
	build->capacity = capacity;
	return CKR_OK;
}

static CK_RV put_plain(builder *build, CK_ATTRIBUTE_TYPE type,
                       const void *value, size_t length)
{
	store_attribute item;
	CK_RV rv = tok_attribute_plain(type, value, length, &item);

	if (rv != CKR_OK)
		return rv;
	return builder_put(build, &item);
}

static CK_RV put_ulong(builder *build, CK_ATTRIBUTE_TYPE type, CK_ULONG value)
{
	unsigned char encoded[TOK_ULONG_BYTES];

	tok_store_u64(encoded, tok_ulong_to_portable(value));
	return put_plain(build, type, encoded, sizeof encoded);
}

static CK_RV put_bool(builder *build, CK_ATTRIBUTE_TYPE type, bool value)
{
	unsigned char encoded = value ? 1 : 0;

	return put_plain(build, type, &encoded, 1);
}

static bool build_bool(const builder *build, CK_ATTRIBUTE_TYPE type,
                       bool fallback)
{
	return tok_attributes_bool(build->attributes, build->count, type,
	                           fallback);
}

static size_t list_length(const store_attribute *attributes, size_t count,
                          CK_ATTRIBUTE_TYPE type)
{
	ptrdiff_t index = tok_attributes_find(attributes, count, type);

	return index < 0 ? 0 : attributes[index].length;
}

/* ---- Class and key type ------------------------------------------------- */

/* The value of a CK_ULONG attribute in a template; all its occurrences
 * must agree. */
static CK_RV template_ulong(const CK_ATTRIBUTE *template, CK_ULONG count,
                            CK_ATTRIBUTE_TYPE type, bool *found,
                            CK_ULONG *value)
{
	*found = false;
	for (CK_ULONG i = 0; i < count; i++) {
		CK_ULONG number;

		if (template[i].type != type)
			continue;
		if (template[i].pValue == NULL ||
		    template[i].ulValueLen != sizeof(CK_ULONG))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		memcpy(&number, template[i].pValue, sizeof number);
		if (*found && number != *value)
			return CKR_TEMPLATE_INCONSISTENT;
		*found = true;
		*value = number;
	}
	return CKR_OK;
}

static CK_RV identify(const CK_ATTRIBUTE *template, CK_ULONG count,
                      CK_OBJECT_CLASS default_class,
                      CK_KEY_TYPE default_key_type, builder *build)
{
	bool found;
	bool creating = build->origin == TOK_ORIGIN_CREATE;
	CK_RV rv = template_ulong(template, count, CKA_CLASS, &found,
	                          &build->object_class);

	if (rv != CKR_OK)
		return rv;
	/* default_class 0 is CKO_DATA: only key classes count as a default,
	 * so a derived data object (CKM_HKDF_DATA) must say CKO_DATA. */
	if (!found) {
		if (creating || !tok_is_key_class(default_class))
			return CKR_TEMPLATE_INCOMPLETE;
		build->object_class = default_class;
	}
	if (!tok_class_supported(build->object_class))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (!creating && !tok_is_key_class(build->object_class) &&
	    !(build->origin == TOK_ORIGIN_DERIVE &&
	      build->object_class == CKO_DATA))
		return CKR_TEMPLATE_INCONSISTENT;

	build->key_type = CK_UNAVAILABLE_INFORMATION;
	if (tok_is_key_class(build->object_class)) {
		rv = template_ulong(template, count, CKA_KEY_TYPE, &found,
		                    &build->key_type);
		if (rv != CKR_OK)
			return rv;
		if (!found) {
			if (creating ||
			    default_key_type == CK_UNAVAILABLE_INFORMATION)
				return CKR_TEMPLATE_INCOMPLETE;
			build->key_type = default_key_type;
		}
		if (!tok_key_type_known(build->key_type))
			return CKR_ATTRIBUTE_VALUE_INVALID;
	} else if (build->object_class == CKO_CERTIFICATE) {
		CK_CERTIFICATE_TYPE certificate_type = 0;

		rv = template_ulong(template, count, CKA_CERTIFICATE_TYPE,
		                    &found, &certificate_type);
		if (rv != CKR_OK)
			return rv;
		if (!found)
			return CKR_TEMPLATE_INCOMPLETE;
		if (certificate_type != CKC_X_509)
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	build->groups = tok_groups(build->object_class, build->key_type);
	/* A known key type of another class (an AES private key). */
	if (build->groups == 0)
		return CKR_TEMPLATE_INCONSISTENT;
	return CKR_OK;
}

/* ---- Template attributes ------------------------------------------------ */

static unsigned forbidden_flag(tok_origin origin)
{
	switch (origin) {
	case TOK_ORIGIN_CREATE:
		return TOK_NOT_CREATE;
	case TOK_ORIGIN_GENERATE:
		return TOK_NOT_GENERATE;
	case TOK_ORIGIN_DERIVE:
	case TOK_ORIGIN_UNWRAP:
		return TOK_NOT_UNWRAP;
	}
	return TOK_NEVER_IN_TEMPLATE;
}

static CK_ULONG earlier(const CK_ATTRIBUTE *template, CK_ULONG index)
{
	for (CK_ULONG j = 0; j < index; j++) {
		if (template[j].type == template[index].type)
			return j;
	}
	return index;
}

static CK_RV take_entry(builder *build, const CK_ATTRIBUTE *template,
                        CK_ULONG index, bool so_session)
{
	const CK_ATTRIBUTE *entry = &template[index];
	tok_kind kind;

	if (!tok_attribute_kind(entry->type, &kind))
		return CKR_ATTRIBUTE_TYPE_INVALID;
	const tok_rule *rule = tok_rule_find(entry->type, build->groups);
	if (rule == NULL)
		return TOK_RV_FOREIGN_ATTRIBUTE;
	if ((rule->flags & forbidden_flag(build->origin)) != 0)
		return CKR_ATTRIBUTE_READ_ONLY;
	CK_ULONG first = earlier(template, index);

	if ((rule->flags & TOK_SENSITIVE) != 0) {
		if (first != index) {
			/* Both copies are the caller's: compare them there
			 * rather than open the sealed one. */
			const CK_ATTRIBUTE *other = &template[first];

			if (other->ulValueLen != entry->ulValueLen ||
			    entry->pValue == NULL || other->pValue == NULL ||
			    !enc_ct_equal(other->pValue, entry->pValue,
			                  entry->ulValueLen))
				return CKR_TEMPLATE_INCONSISTENT;
			return CKR_OK;
		}
		store_attribute item;
		CK_RV rv = tok_attribute_sealed(entry->type, entry->pValue,
		                                entry->ulValueLen, &item);
		if (rv != CKR_OK)
			return rv;
		return builder_put(build, &item);
	}

	unsigned char *encoded;
	size_t length;
	CK_RV rv = tok_encode(kind, entry->pValue, entry->ulValueLen, &encoded,
	                      &length);
	if (rv != CKR_OK)
		return rv;
	if (first != index) {
		ptrdiff_t at = tok_attributes_find(build->attributes,
		                                   build->count, entry->type);
		bool same = at >= 0 && build->attributes[at].length == length &&
		            (length == 0 || memcmp(build->attributes[at].value,
		                                   encoded, length) == 0);
		free(encoded);
		return same ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
	}
	/* Footnote 10: only the SO may mark an object trusted. */
	if (entry->type == CKA_TRUSTED && encoded[0] != 0 && !so_session) {
		free(encoded);
		return CKR_ATTRIBUTE_READ_ONLY;
	}
	store_attribute item = {.type = tok_ulong_to_portable(entry->type),
	                        .value = encoded,
	                        .length = length};
	return builder_put(build, &item);
}

/* ---- Required attributes, defaults, consistency ------------------------- */

static void check_required(const tok_rule *rule, void *context)
{
	builder *build = context;
	unsigned wanted =
	        build->origin == TOK_ORIGIN_CREATE     ? TOK_REQUIRED_CREATE
	        : build->origin == TOK_ORIGIN_GENERATE ? TOK_REQUIRED_GENERATE
	                                               : 0;

	if (build->rv == CKR_OK && (rule->flags & wanted) != 0 &&
	    !has(build, rule->type))
		build->rv = CKR_TEMPLATE_INCOMPLETE;
}

static void add_default(const tok_rule *rule, void *context)
{
	builder *build = context;
	CK_RV rv = CKR_OK;

	if (build->rv != CKR_OK || has(build, rule->type))
		return;
	switch (rule->fallback) {
	case TOK_DEFAULT_NONE:
		return;
	case TOK_DEFAULT_EMPTY:
		rv = put_plain(build, rule->type, NULL, 0);
		break;
	case TOK_DEFAULT_FALSE:
	case TOK_DEFAULT_TRUE:
		rv = put_bool(build, rule->type,
		              rule->fallback == TOK_DEFAULT_TRUE);
		break;
	case TOK_DEFAULT_ZERO:
		rv = put_ulong(build, rule->type, 0);
		break;
	}
	build->rv = rv;
}

/* The defaults that depend on the class or origin. */
static CK_RV add_computed(builder *build)
{
	bool generated = build->origin == TOK_ORIGIN_GENERATE;
	bool secret_holder = build->object_class == CKO_PRIVATE_KEY ||
	                     build->object_class == CKO_SECRET_KEY;
	CK_RV rv = CKR_OK;

	if (!has(build, CKA_CLASS))
		rv = put_ulong(build, CKA_CLASS, build->object_class);
	/* A derived data object holds what a key gave: private too. */
	if (rv == CKR_OK && !has(build, CKA_PRIVATE))
		rv = put_bool(build, CKA_PRIVATE,
		              secret_holder ||
		                      build->origin == TOK_ORIGIN_DERIVE);
	if (rv == CKR_OK && build->object_class == CKO_CERTIFICATE &&
	    !has(build, CKA_NAME_HASH_ALGORITHM))
		rv = put_ulong(build, CKA_NAME_HASH_ALGORITHM, CKM_SHA_1);
	if (rv != CKR_OK || !tok_is_key_class(build->object_class))
		return rv;

	if (!has(build, CKA_KEY_TYPE))
		rv = put_ulong(build, CKA_KEY_TYPE, build->key_type);
	if (rv == CKR_OK)
		rv = put_bool(build, CKA_LOCAL, generated);
	if (rv == CKR_OK)
		rv = put_ulong(build, CKA_KEY_GEN_MECHANISM,
		               generated ? build->key_gen_mechanism
		                         : CK_UNAVAILABLE_INFORMATION);
	if (rv == CKR_OK && secret_holder) {
		/* Only a key generated here is known never to have been
		 * exposed; for derive and unwrap the pkcs11 layer carries
		 * the base key's values over (tok_object_set_internal). */
		bool sensitive = build_bool(build, CKA_SENSITIVE, true);
		bool extractable = build_bool(build, CKA_EXTRACTABLE, false);

		rv = put_bool(build, CKA_ALWAYS_SENSITIVE,
		              generated && sensitive);
		if (rv == CKR_OK)
			rv = put_bool(build, CKA_NEVER_EXTRACTABLE,
			              generated && !extractable);
	}
	if (rv == CKR_OK && build->object_class == CKO_SECRET_KEY &&
	    build->origin == TOK_ORIGIN_CREATE)
		rv = put_ulong(build, CKA_VALUE_LEN,
		               list_length(build->attributes, build->count,
		                           CKA_VALUE));
	return rv;
}

CK_ULONG tok_bit_length(const unsigned char *value, size_t length)
{
	size_t i = 0;

	while (i < length && value[i] == 0)
		i++;
	if (i == length)
		return 0;
	CK_ULONG bits = (CK_ULONG)(length - i) * 8;
	for (unsigned char top = value[i]; (top & 0x80) == 0; top <<= 1)
		bits--;
	return bits;
}

static bool secret_length_valid(CK_KEY_TYPE key_type, CK_ULONG length)
{
	switch (key_type) {
	case CKK_AES:
		return length == 16 || length == 24 || length == 32;
	case CKK_CHACHA20:
		return length == 32;
	default:
		return length > 0;
	}
}

static CK_RV check_consistency(builder *build)
{
	if (build->object_class == CKO_SECRET_KEY) {
		CK_ULONG length;
		bool known =
		        tok_attributes_ulong(build->attributes, build->count,
		                             CKA_VALUE_LEN, &length);

		if (build->origin == TOK_ORIGIN_GENERATE && !known &&
		    build->key_type != CKK_CHACHA20)
			return CKR_TEMPLATE_INCOMPLETE;
		if (known && !secret_length_valid(build->key_type, length))
			return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	if (build->object_class == CKO_PUBLIC_KEY &&
	    build->key_type == CKK_RSA && build->origin == TOK_ORIGIN_CREATE) {
		ptrdiff_t at = tok_attributes_find(build->attributes,
		                                   build->count, CKA_MODULUS);
		CK_ULONG bits = tok_bit_length(build->attributes[at].value,
		                               build->attributes[at].length);

		if (bits == 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		return put_ulong(build, CKA_MODULUS_BITS, bits);
	}
	return CKR_OK;
}

static CK_RV finish(builder *build, tok_object **out)
{
	tok_object *object = calloc(1, sizeof(*object));

	if (object == NULL)
		return CKR_HOST_MEMORY;
	object->object_class = build->object_class;
	object->key_type = build->key_type;
	object->is_token = build_bool(build, CKA_TOKEN, false);
	object->is_private = build_bool(build, CKA_PRIVATE, true);
	object->attributes = build->attributes;
	object->count = build->count;
	build->attributes = NULL;
	build->count = 0;
	*out = object;
	return CKR_OK;
}

CK_RV tok_object_create_ex(const CK_ATTRIBUTE *template, CK_ULONG count,
                           tok_origin origin, CK_OBJECT_CLASS default_class,
                           CK_KEY_TYPE default_key_type,
                           CK_MECHANISM_TYPE key_gen_mechanism, bool so_session,
                           tok_object **out)
{
	if (out == NULL)
		return CKR_ARGUMENTS_BAD;
	*out = NULL;
	if ((template == NULL && count > 0) || origin > TOK_ORIGIN_UNWRAP)
		return CKR_ARGUMENTS_BAD;

	builder build = {.origin = origin,
	                 .key_gen_mechanism = key_gen_mechanism};
	CK_RV rv = identify(template, count, default_class, default_key_type,
	                    &build);
	if (rv == CKR_OK)
		rv = reserve_room(&build, count);
	for (CK_ULONG i = 0; rv == CKR_OK && i < count; i++)
		rv = take_entry(&build, template, i, so_session);
	if (rv == CKR_OK) {
		tok_rules_each(build.groups, check_required, &build);
		rv = build.rv;
	}
	if (rv == CKR_OK) {
		tok_rules_each(build.groups, add_default, &build);
		rv = build.rv;
	}
	if (rv == CKR_OK)
		rv = add_computed(&build);
	if (rv == CKR_OK)
		rv = check_consistency(&build);
	if (rv == CKR_OK)
		rv = finish(&build, out);
	if (rv != CKR_OK) {
		tok_attributes_free(build.attributes, build.count);
		return rv;
	}
	tok_unique_id_fresh((*out)->unique_id);
	return CKR_OK;
}

CK_RV tok_object_create(const CK_ATTRIBUTE *template, CK_ULONG count,
                        tok_origin origin, CK_OBJECT_CLASS default_class,
                        CK_KEY_TYPE default_key_type,
                        CK_MECHANISM_TYPE key_gen_mechanism, tok_object **out)
{
	return tok_object_create_ex(template, count, origin, default_class,
	                            default_key_type, key_gen_mechanism, false,
	                            out);
}

/* ---- Material and internal updates -------------------------------------- */

CK_RV tok_object_set_material(tok_object *object, CK_ATTRIBUTE_TYPE type,
                              const void *value, CK_ULONG length)
{
	if (object == NULL || (value == NULL && length > 0))
		return CKR_ARGUMENTS_BAD;
	unsigned groups = tok_groups(object->object_class, object->key_type);
	const tok_rule *rule = tok_rule_find(type, groups);
	if (rule == NULL || (rule->flags & TOK_MATERIAL) == 0)
		return CKR_ATTRIBUTE_TYPE_INVALID;

	builder build = {.attributes = object->attributes,
	                 .count = object->count};
	CK_RV rv = CKR_OK;
	if (object->object_class == CKO_SECRET_KEY && type == CKA_VALUE) {
		if (!secret_length_valid(object->key_type, length))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		rv = put_ulong(&build, CKA_VALUE_LEN, length);
	} else if (object->object_class == CKO_PUBLIC_KEY &&
	           type == CKA_MODULUS) {
		CK_ULONG bits = tok_bit_length(value, length);

		if (bits == 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		rv = put_ulong(&build, CKA_MODULUS_BITS, bits);
	}
	if (rv == CKR_OK) {
		store_attribute item;

		if ((rule->flags & TOK_SENSITIVE) != 0)
			rv = tok_attribute_sealed(type, value, length, &item);
		else
			rv = tok_attribute_plain(type, value, length, &item);
		if (rv == CKR_OK)
			rv = tok_attributes_put(&build.attributes, &build.count,
			                        &item);
	}
	object->attributes = build.attributes;
	object->count = build.count;
	return rv;
}

CK_RV tok_object_set_internal(tok_object *object, CK_ATTRIBUTE_TYPE type,
                              const void *portable_value, size_t length)
{
	tok_kind kind;

	if (object == NULL || (portable_value == NULL && length > 0) ||
	    type == CKA_CLASS || type == CKA_KEY_TYPE ||
	    type == CKA_CERTIFICATE_TYPE || type == CKA_UNIQUE_ID)
		return CKR_ARGUMENTS_BAD;
	unsigned groups = tok_groups(object->object_class, object->key_type);
	const tok_rule *rule = tok_rule_find(type, groups);
	if (rule == NULL || !tok_attribute_kind(type, &kind))
		return CKR_ATTRIBUTE_TYPE_INVALID;
	if ((rule->flags & TOK_SENSITIVE) != 0)
		return CKR_ARGUMENTS_BAD;
	if (!tok_portable_valid(kind, portable_value, length))
		return CKR_ATTRIBUTE_VALUE_INVALID;

	store_attribute item;
	CK_RV rv = tok_attribute_plain(type, portable_value, length, &item);
	if (rv == CKR_OK)
		rv = tok_attributes_put(&object->attributes, &object->count,
		                        &item);
	if (rv == CKR_OK && type == CKA_TOKEN)
		object->is_token = length == 1 &&
		                   ((const unsigned char *)portable_value)[0];
	if (rv == CKR_OK && type == CKA_PRIVATE)
		object->is_private = length == 1 &&
		                     ((const unsigned char *)portable_value)[0];
	return rv;
}
