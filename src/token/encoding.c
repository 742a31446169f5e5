/*
 * The portable value encoding. Attribute values go to disk exactly as they
 * are kept in memory, and a token file must read the same on 32- and
 * 64-bit builds, so nothing of the native CK_ULONG, CK_BBOOL or
 * CK_ATTRIBUTE layout is kept: numbers are 8 bytes little-endian, booleans
 * one byte 0/1, nested templates a counted sequence of (u64 type, u32
 * length, portable value). Conversion back to native happens only when a
 * value is written into a caller's template.
 */
#include "config.h"

#include "token/internal.h"

#include <stdlib.h>
#include <string.h>

/* Nested template header and per-entry header sizes. */
#define COUNT_BYTES 4
#define ENTRY_HEADER_BYTES (8 + 4)

void tok_store_u64(unsigned char out[8], uint64_t value)
{
	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)(value >> (8 * i));
}

uint64_t tok_load_u64(const unsigned char in[8])
{
	uint64_t value = 0;

	for (int i = 7; i >= 0; i--)
		value = (value << 8) | in[i];
	return value;
}

static void store_u32(unsigned char out[4], uint32_t value)
{
	for (int i = 0; i < 4; i++)
		out[i] = (unsigned char)(value >> (8 * i));
}

static uint32_t load_u32(const unsigned char in[4])
{
	return (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
	       (uint32_t)in[3] << 24;
}

uint64_t tok_ulong_to_portable(CK_ULONG value)
{
	if (value == CK_UNAVAILABLE_INFORMATION)
		return UINT64_MAX;
	return (uint64_t)value;
}

bool tok_portable_to_ulong(uint64_t value, CK_ULONG *out)
{
	if (value == UINT64_MAX) {
		*out = CK_UNAVAILABLE_INFORMATION;
		return true;
	}
	/* A 32-bit build cannot represent larger numbers a 64-bit build may
	 * have written: the value is unusable here, not silently cut. */
	if (value > (uint64_t)(CK_ULONG)-1)
		return false;
	*out = (CK_ULONG)value;
	return true;
}

static bool is_digits(const unsigned char *value, size_t length)
{
	for (size_t i = 0; i < length; i++) {
		if (value[i] < '0' || value[i] > '9')
			return false;
	}
	return true;
}

/* ---- Native -> portable ------------------------------------------------- */

/* The portable length of a native value (validated), for sizing. */
static CK_RV portable_length(tok_kind kind, const void *value, CK_ULONG length,
                             bool nested, size_t *out);

static CK_RV template_portable_length(const CK_ATTRIBUTE *entries, size_t count,
                                      size_t *out)
{
	size_t total = COUNT_BYTES;

	if (count > UINT32_MAX)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	for (size_t i = 0; i < count; i++) {
		tok_kind kind;
		size_t length;

		if (!tok_attribute_kind(entries[i].type, &kind) ||
		    kind == TOK_KIND_TEMPLATE)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		/* One value per type: a constraint template that names a
		 * type twice says nothing clear. */
		for (size_t j = 0; j < i; j++) {
			if (entries[j].type == entries[i].type)
				return CKR_ATTRIBUTE_VALUE_INVALID;
		}
		CK_RV rv =
		        portable_length(kind, entries[i].pValue,
		                        entries[i].ulValueLen, true, &length);
		if (rv != CKR_OK)
			return rv;
		if (length > UINT32_MAX ||
		    total > SIZE_MAX - ENTRY_HEADER_BYTES - length)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		total += ENTRY_HEADER_BYTES + length;
	}
	*out = total;
	return CKR_OK;
}

static CK_RV portable_length(tok_kind kind, const void *value, CK_ULONG length,
                             bool nested, size_t *out)
{
	if (value == NULL && length > 0)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	switch (kind) {
	case TOK_KIND_BYTES:
	case TOK_KIND_STRING:
		*out = length;
		return CKR_OK;
	case TOK_KIND_BOOL:
		if (length != sizeof(CK_BBOOL))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		*out = 1;
		return CKR_OK;
	case TOK_KIND_ULONG:
		if (length != sizeof(CK_ULONG))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		*out = TOK_ULONG_BYTES;
		return CKR_OK;
	case TOK_KIND_DATE:
		if (length != 0 &&
		    (length != sizeof(CK_DATE) || !is_digits(value, length)))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		*out = length;
		return CKR_OK;
	case TOK_KIND_MECHANISMS:
		if (length % sizeof(CK_MECHANISM_TYPE) != 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		*out = length / sizeof(CK_MECHANISM_TYPE) * TOK_ULONG_BYTES;
		return CKR_OK;
	case TOK_KIND_TEMPLATE:
		if (nested || length % sizeof(CK_ATTRIBUTE) != 0)
			return CKR_ATTRIBUTE_VALUE_INVALID;
		return template_portable_length(
		        value, length / sizeof(CK_ATTRIBUTE), out);
	}
	return CKR_ATTRIBUTE_VALUE_INVALID;
}

/* Writes the portable form of an already validated native value; returns
 * the bytes written. */
static size_t write_portable(tok_kind kind, const void *value, CK_ULONG length,
                             unsigned char *out)
{
	switch (kind) {
	case TOK_KIND_BOOL:
		out[0] = *(const CK_BBOOL *)value != CK_FALSE;
		return 1;
	case TOK_KIND_ULONG: {
		CK_ULONG number;

		memcpy(&number, value, sizeof number);
		tok_store_u64(out, tok_ulong_to_portable(number));
		return TOK_ULONG_BYTES;
	}
	case TOK_KIND_MECHANISMS: {
		size_t count = length / sizeof(CK_MECHANISM_TYPE);

		for (size_t i = 0; i < count; i++) {
			CK_MECHANISM_TYPE mechanism;

			memcpy(&mechanism,
			       (const unsigned char *)value +
			               i * sizeof mechanism,
			       sizeof mechanism);
			tok_store_u64(out + i * TOK_ULONG_BYTES,
			              tok_ulong_to_portable(mechanism));
		}
		return count * TOK_ULONG_BYTES;
	}
	case TOK_KIND_TEMPLATE: {
		const CK_ATTRIBUTE *entries = value;
		size_t count = length / sizeof(CK_ATTRIBUTE);
		size_t offset = COUNT_BYTES;

		store_u32(out, (uint32_t)count);
		for (size_t i = 0; i < count; i++) {
			tok_kind inner;
			size_t written;

			(void)tok_attribute_kind(entries[i].type, &inner);
			tok_store_u64(out + offset,
			              tok_ulong_to_portable(entries[i].type));
			written = write_portable(
			        inner, entries[i].pValue, entries[i].ulValueLen,
			        out + offset + ENTRY_HEADER_BYTES);
			store_u32(out + offset + 8, (uint32_t)written);
			offset += ENTRY_HEADER_BYTES + written;
		}
		return offset;
	}
	case TOK_KIND_BYTES:
	case TOK_KIND_STRING:
	case TOK_KIND_DATE:
		if (length > 0)
			memcpy(out, value, length);
		return length;
	}
	return 0;
}

CK_RV tok_encode(tok_kind kind, const void *value, CK_ULONG length,
                 unsigned char **out, size_t *out_length)
{
	size_t size;

	*out = NULL;
	*out_length = 0;
	CK_RV rv = portable_length(kind, value, length, false, &size);
	if (rv != CKR_OK || size == 0)
		return rv;
	unsigned char *encoded = malloc(size);
	if (encoded == NULL)
		return CKR_HOST_MEMORY;
	size_t written = write_portable(kind, value, length, encoded);
	if (written != size) {
		free(encoded);
		return CKR_GENERAL_ERROR;
	}
	*out = encoded;
	*out_length = size;
	return CKR_OK;
}

/* ---- Portable: validation and native form -------------------------------- */

/* Walks a portable nested template: calls fn for each entry (if fn is not
 * NULL); false if malformed. */
typedef bool (*entry_fn)(size_t index, CK_ATTRIBUTE_TYPE type, tok_kind kind,
                         const unsigned char *value, size_t length,
                         void *context);

static bool walk_template(const unsigned char *value, size_t length,
                          uint32_t *count_out, entry_fn fn, void *context)
{
	if (length < COUNT_BYTES)
		return false;
	uint32_t count = load_u32(value);
	size_t offset = COUNT_BYTES;

	for (uint32_t i = 0; i < count; i++) {
		CK_ULONG type;
		tok_kind kind;

		if (length - offset < ENTRY_HEADER_BYTES)
			return false;
		if (!tok_portable_to_ulong(tok_load_u64(value + offset), &type))
			return false;
		size_t entry_length = load_u32(value + offset + 8);
		offset += ENTRY_HEADER_BYTES;
		if (length - offset < entry_length)
			return false;
		if (!tok_attribute_kind(type, &kind) ||
		    kind == TOK_KIND_TEMPLATE ||
		    !tok_portable_valid(kind, value + offset, entry_length))
			return false;
		if (fn != NULL &&
		    !fn(i, type, kind, value + offset, entry_length, context))
			return false;
		offset += entry_length;
	}
	if (count_out != NULL)
		*count_out = count;
	return offset == length;
}

bool tok_portable_valid(tok_kind kind, const unsigned char *value,
                        size_t length)
{
	CK_ULONG number;

	if (value == NULL && length > 0)
		return false;
	switch (kind) {
	case TOK_KIND_BYTES:
	case TOK_KIND_STRING:
		return true;
	case TOK_KIND_BOOL:
		return length == 1 && value[0] <= 1;
	case TOK_KIND_ULONG:
		return length == TOK_ULONG_BYTES &&
		       tok_portable_to_ulong(tok_load_u64(value), &number);
	case TOK_KIND_DATE:
		return length == 0 ||
		       (length == sizeof(CK_DATE) && is_digits(value, length));
	case TOK_KIND_MECHANISMS:
		if (length % TOK_ULONG_BYTES != 0)
			return false;
		for (size_t i = 0; i < length; i += TOK_ULONG_BYTES) {
			if (!tok_portable_to_ulong(tok_load_u64(value + i),
			                           &number))
				return false;
		}
		return true;
	case TOK_KIND_TEMPLATE:
		/* An empty value is an empty template. */
		return length == 0 ||
		       walk_template(value, length, NULL, NULL, NULL);
	}
	return false;
}

CK_ULONG tok_native_length(tok_kind kind, const unsigned char *value,
                           size_t length)
{
	uint32_t count = 0;

	switch (kind) {
	case TOK_KIND_BOOL:
		return sizeof(CK_BBOOL);
	case TOK_KIND_ULONG:
		return sizeof(CK_ULONG);
	case TOK_KIND_MECHANISMS:
		return length / TOK_ULONG_BYTES * sizeof(CK_MECHANISM_TYPE);
	case TOK_KIND_TEMPLATE:
		if (length == 0)
			return 0;
		(void)walk_template(value, length, &count, NULL, NULL);
		return count * sizeof(CK_ATTRIBUTE);
	case TOK_KIND_BYTES:
	case TOK_KIND_STRING:
	case TOK_KIND_DATE:
		return length;
	}
	return 0;
}

/* Writes a non-template value whose native length fits. */
static void write_native_flat(tok_kind kind, const unsigned char *value,
                              size_t length, void *out)
{
	CK_ULONG number = 0;

	switch (kind) {
	case TOK_KIND_BOOL:
		*(CK_BBOOL *)out = value[0] ? CK_TRUE : CK_FALSE;
		return;
	case TOK_KIND_ULONG:
		(void)tok_portable_to_ulong(tok_load_u64(value), &number);
		memcpy(out, &number, sizeof number);
		return;
	case TOK_KIND_MECHANISMS:
		for (size_t i = 0; i < length / TOK_ULONG_BYTES; i++) {
			CK_MECHANISM_TYPE mechanism = 0;

			(void)tok_portable_to_ulong(
			        tok_load_u64(value + i * TOK_ULONG_BYTES),
			        &mechanism);
			memcpy((unsigned char *)out + i * sizeof mechanism,
			       &mechanism, sizeof mechanism);
		}
		return;
	case TOK_KIND_BYTES:
	case TOK_KIND_STRING:
	case TOK_KIND_DATE:
		if (length > 0)
			memcpy(out, value, length);
		return;
	case TOK_KIND_TEMPLATE:
		return;
	}
}

typedef struct nested_output {
	CK_ATTRIBUTE *entries;
	CK_RV rv;
} nested_output;

/* The nested C_GetAttributeValue protocol for one inner entry: its type is
 * set on output; a NULL pValue asks for the length; otherwise ulValueLen
 * says how much room pValue has. */
static bool write_nested_entry(size_t index, CK_ATTRIBUTE_TYPE type,
                               tok_kind kind, const unsigned char *value,
                               size_t length, void *context)
{
	nested_output *output = context;
	CK_ATTRIBUTE *entry = &output->entries[index];
	CK_ULONG needed = tok_native_length(kind, value, length);

	entry->type = type;
	if (entry->pValue == NULL) {
		entry->ulValueLen = needed;
	} else if (entry->ulValueLen < needed) {
		entry->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		output->rv = CKR_BUFFER_TOO_SMALL;
	} else {
		write_native_flat(kind, value, length, entry->pValue);
		entry->ulValueLen = needed;
	}
	return true;
}

CK_RV tok_write_native(tok_kind kind, const unsigned char *value, size_t length,
                       CK_ATTRIBUTE *entry)
{
	CK_ULONG needed = tok_native_length(kind, value, length);

	if (entry->ulValueLen < needed) {
		entry->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (kind != TOK_KIND_TEMPLATE) {
		write_native_flat(kind, value, length, entry->pValue);
		entry->ulValueLen = needed;
		return CKR_OK;
	}
	nested_output output = {.entries = entry->pValue, .rv = CKR_OK};
	if (length > 0)
		(void)walk_template(value, length, NULL, write_nested_entry,
		                    &output);
	entry->ulValueLen = needed;
	return output.rv;
}

/* ---- Stored templates in native form ------------------------------------- */

typedef struct native_template {
	CK_ATTRIBUTE *entries;
	unsigned char *values; /* where the next value goes */
} native_template;

static bool sum_native_length(size_t index, CK_ATTRIBUTE_TYPE type,
                              tok_kind kind, const unsigned char *value,
                              size_t length, void *context)
{
	(void)index;
	(void)type;
	size_t *total = context;
	/* Each value at a CK_ULONG-aligned offset. */
	CK_ULONG needed = tok_native_length(kind, value, length);
	*total += (needed + sizeof(CK_ULONG) - 1) / sizeof(CK_ULONG) *
	          sizeof(CK_ULONG);
	return true;
}

static bool fill_native_entry(size_t index, CK_ATTRIBUTE_TYPE type,
                              tok_kind kind, const unsigned char *value,
                              size_t length, void *context)
{
	native_template *native = context;
	CK_ULONG needed = tok_native_length(kind, value, length);
	CK_ATTRIBUTE *entry = &native->entries[index];
	entry->type = type;
	entry->pValue = needed > 0 ? native->values : NULL;
	entry->ulValueLen = needed;
	if (needed > 0)
		write_native_flat(kind, value, length, native->values);
	native->values += (needed + sizeof(CK_ULONG) - 1) / sizeof(CK_ULONG) *
	                  sizeof(CK_ULONG);
	return true;
}

CK_RV tok_object_template(const tok_object *object, CK_ATTRIBUTE_TYPE type,
                          CK_ATTRIBUTE **entries, CK_ULONG *count)
{
	*entries = NULL;
	*count = 0;
	tok_kind kind;
	if (!tok_attribute_kind(type, &kind) || kind != TOK_KIND_TEMPLATE)
		return CKR_ARGUMENTS_BAD;
	const store_attribute *attribute = tok_object_attribute(object, type);
	if (attribute == NULL || attribute->length == 0)
		return CKR_OK;
	uint32_t entry_count = 0;
	size_t values = 0;
	if (!walk_template(attribute->value, attribute->length, &entry_count,
	                   sum_native_length, &values))
		return CKR_DEVICE_ERROR;
	if (entry_count == 0)
		return CKR_OK;
	size_t header = entry_count * sizeof(CK_ATTRIBUTE);
	CK_ATTRIBUTE *block = calloc(1, header + values);
	if (block == NULL)
		return CKR_HOST_MEMORY;
	native_template native = {.entries = block,
	                          .values = (unsigned char *)block + header};
	(void)walk_template(attribute->value, attribute->length, NULL,
	                    fill_native_entry, &native);
	*entries = block;
	*count = entry_count;
	return CKR_OK;
}
