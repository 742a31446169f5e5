/*
 * Stored objects relative to their defaults: a token object's record holds
 * only the attributes whose value differs from what this file gives back
 * on load, for its class and key type (an imported secret key keeps 5 of
 * its 32 attributes). Each attribute sealed is an AEAD and ~20 bytes of
 * the record, so this is most of the cost of a create.
 *
 * The defaults are versioned (TOK_DEFAULTS_VERSION, sealed with the
 * record by the store): records written with a version this build does
 * not know are refused, never read with other defaults. Changing anything
 * that stored_default() returns (the table's fallbacks included) needs a
 * new version, with the old one kept for reading; test_defaults.c pins
 * version 1.
 *
 * A list is stored relative to the defaults only if loading gives back
 * exactly that list: an object lacking an attribute its defaults would
 * add (one loaded from an old record, say) is stored complete (0).
 */
#include "config.h"

#include "token/internal.h"

#include <stdlib.h>
#include <string.h>

/* What a stored object has for an attribute it leaves out. */
typedef struct stored_context {
	bool is_private;
	const store_attribute *attributes; /* sorted */
	size_t count;
} stored_context;

/* The length of a value, sealed or not. */
static size_t value_length(const store_attribute *attribute)
{
	return attribute->sensitive && attribute->sealed != NULL
	               ? enc_sealed_length(attribute->sealed)
	               : attribute->length;
}

/* The default of rule's attribute for a stored object (version 1), in
 * portable form into buffer; false if it has none (always stored). These
 * are the values tok_object_create gives an imported object. */
static bool stored_default(const tok_rule *rule, const stored_context *context,
                           unsigned char buffer[TOK_ULONG_BYTES],
                           size_t *length)
{
	ptrdiff_t at;

	switch (rule->type) {
	case CKA_TOKEN: /* a record is a token object */
		buffer[0] = 1;
		*length = 1;
		return true;
	case CKA_PRIVATE: /* the store keeps it beside the record */
		buffer[0] = context->is_private ? 1 : 0;
		*length = 1;
		return true;
	case CKA_LOCAL:
	case CKA_ALWAYS_SENSITIVE:
	case CKA_NEVER_EXTRACTABLE:
		buffer[0] = 0;
		*length = 1;
		return true;
	case CKA_KEY_GEN_MECHANISM:
		tok_store_u64(buffer, tok_ulong_to_portable(
		                              CK_UNAVAILABLE_INFORMATION));
		*length = TOK_ULONG_BYTES;
		return true;
	case CKA_NAME_HASH_ALGORITHM:
		tok_store_u64(buffer, CKM_SHA_1);
		*length = TOK_ULONG_BYTES;
		return true;
	case CKA_VALUE_LEN: /* a secret key's: the length of CKA_VALUE */
		at = tok_attributes_find(context->attributes, context->count,
		                         CKA_VALUE);
		if (at < 0)
			return false;
		tok_store_u64(buffer, value_length(&context->attributes[at]));
		*length = TOK_ULONG_BYTES;
		return true;
	case CKA_MODULUS_BITS: /* an RSA public key's: from CKA_MODULUS */
		at = tok_attributes_find(context->attributes, context->count,
		                         CKA_MODULUS);
		if (at < 0 || context->attributes[at].sensitive)
			return false;
		tok_store_u64(buffer,
		              tok_bit_length(context->attributes[at].value,
		                             context->attributes[at].length));
		*length = TOK_ULONG_BYTES;
		return true;
	default:
		break;
	}
	switch (rule->fallback) {
	case TOK_DEFAULT_EMPTY:
		*length = 0;
		return true;
	case TOK_DEFAULT_FALSE:
	case TOK_DEFAULT_TRUE:
		buffer[0] = rule->fallback == TOK_DEFAULT_TRUE;
		*length = 1;
		return true;
	case TOK_DEFAULT_ZERO:
		tok_store_u64(buffer, 0);
		*length = TOK_ULONG_BYTES;
		return true;
	case TOK_DEFAULT_NONE:
		break;
	}
	return false;
}

/* ---- Leaving defaults out ------------------------------------------------ */

typedef struct compact_state {
	stored_context context;
	bool *omit; /* per attribute of the object */
	bool complete;
} compact_state;

static void mark_default(const tok_rule *rule, void *argument)
{
	compact_state *state = argument;
	unsigned char buffer[TOK_ULONG_BYTES];
	size_t length;

	if (!state->complete ||
	    !stored_default(rule, &state->context, buffer, &length))
		return;
	ptrdiff_t at = tok_attributes_find(state->context.attributes,
	                                   state->context.count, rule->type);
	if (at < 0) {
		/* Loading would add it: store the list as it is. */
		state->complete = false;
		return;
	}
	const store_attribute *attribute = &state->context.attributes[at];
	if (!attribute->sensitive && attribute->length == length &&
	    (length == 0 || memcmp(attribute->value, buffer, length) == 0))
		state->omit[at] = true;
}

CK_RV tok_object_stored(const tok_object *object, store_attribute **list,
                        size_t *count, uint32_t *defaults)
{
	*list = NULL;
	*count = 0;
	*defaults = 0;
	if (object->count == 0)
		return CKR_OK;
	store_attribute *out = malloc(object->count * sizeof(*out));
	bool *omit = calloc(object->count, sizeof(*omit));
	if (out == NULL || omit == NULL) {
		free(out);
		free(omit);
		return CKR_HOST_MEMORY;
	}
	compact_state state = {.context = {.is_private = object->is_private,
	                                   .attributes = object->attributes,
	                                   .count = object->count},
	                       .omit = omit,
	                       .complete = true};
	unsigned groups = tok_groups(object->object_class, object->key_type);
	if (groups != 0)
		tok_rules_each(groups, mark_default, &state);
	size_t kept = 0;
	for (size_t i = 0; i < object->count; i++)
		if (!(groups != 0 && state.complete && omit[i]))
			out[kept++] = object->attributes[i];
	free(omit);
	*list = out;
	*count = kept;
	*defaults = groups != 0 && state.complete && kept < object->count
	                    ? TOK_DEFAULTS_VERSION
	                    : 0;
	return CKR_OK;
}

/* ---- Giving them back ---------------------------------------------------- */

typedef struct expand_state {
	stored_context context;
	store_attribute *added; /* room for one per rule */
	size_t added_count;
	CK_RV rv;
} expand_state;

static void add_default(const tok_rule *rule, void *argument)
{
	expand_state *state = argument;
	unsigned char buffer[TOK_ULONG_BYTES];
	size_t length;

	if (state->rv != CKR_OK ||
	    !stored_default(rule, &state->context, buffer, &length) ||
	    tok_attributes_find(state->context.attributes, state->context.count,
	                        rule->type) >= 0)
		return;
	/* A type twice in one object's groups would be a table error. */
	for (size_t i = 0; i < state->added_count; i++)
		if (state->added[i].type == tok_ulong_to_portable(rule->type))
			return;
	state->rv = tok_attribute_plain(rule->type, buffer, length,
	                                &state->added[state->added_count]);
	if (state->rv == CKR_OK)
		state->added_count++;
}

static void count_rules(const tok_rule *rule, void *argument)
{
	(void)rule;
	(*(size_t *)argument)++;
}

/* Adds to a sorted list relative to defaults what it left out (unsorted,
 * at the end). The list stays the caller's to free, also on failure. */
CK_RV tok_defaults_expand(uint32_t defaults, bool is_private,
                          store_attribute **attributes, size_t *count)
{
	if (defaults == 0)
		return CKR_OK;
	if (defaults != TOK_DEFAULTS_VERSION)
		return CKR_DEVICE_ERROR; /* written by a newer build */
	CK_OBJECT_CLASS object_class;
	CK_KEY_TYPE key_type = CK_UNAVAILABLE_INFORMATION;
	if (!tok_attributes_ulong(*attributes, *count, CKA_CLASS,
	                          &object_class) ||
	    !tok_class_supported(object_class) ||
	    (tok_is_key_class(object_class) &&
	     !tok_attributes_ulong(*attributes, *count, CKA_KEY_TYPE,
	                           &key_type)))
		return CKR_DEVICE_ERROR;
	unsigned groups = tok_groups(object_class, key_type);
	if (groups == 0)
		return CKR_DEVICE_ERROR;
	size_t rules = 0;
	tok_rules_each(groups, count_rules, &rules);
	store_attribute *grown =
	        realloc(*attributes, (*count + rules) * sizeof(*grown));
	if (grown == NULL)
		return CKR_HOST_MEMORY;
	*attributes = grown;
	expand_state state = {.context = {.is_private = is_private,
	                                  .attributes = grown,
	                                  .count = *count},
	                      .added = grown + *count,
	                      .rv = CKR_OK};
	tok_rules_each(groups, add_default, &state);
	/* The caller frees what was added too, and sorts. */
	*count += state.added_count;
	return state.rv;
}
