/* tok_object_get_attributes: the C_GetAttributeValue protocol (length
 * queries, short buffers, sensitive and unknown attributes, the return
 * code precedence), native sizes of CK_ULONG values, sealed values read
 * back, CKA_UNIQUE_ID, and the nested protocol of attribute arrays. */
#include "config.h"

#include "helpers.h"

#include <stdio.h>
#include <string.h>

static void test_length_query(void **state)
{
	tok_object *object = make_aes(false, true);
	CK_ATTRIBUTE template[] = {
	        {CKA_LABEL, NULL, 99},
	        {CKA_CLASS, NULL, 0},
	        {CKA_TOKEN, NULL, 0},
	        {CKA_VALUE, NULL, 0},
	        {CKA_ALLOWED_MECHANISMS, NULL, 5},
	};

	assert_int_equal(
	        tok_object_get_attributes(object, template, COUNT(template)),
	        CKR_OK);
	assert_int_equal(template[0].ulValueLen, 3);
	assert_int_equal(template[1].ulValueLen, sizeof(CK_ULONG));
	assert_int_equal(template[2].ulValueLen, sizeof(CK_BBOOL));
	assert_int_equal(template[3].ulValueLen, sizeof aes_value);
	assert_int_equal(template[4].ulValueLen, 0);
	tok_object_free(object);
}

static void test_buffer_too_small(void **state)
{
	tok_object *object = make_aes(false, true);
	char label[2];
	unsigned char value[31];
	CK_ULONG key_type = 0;
	CK_ATTRIBUTE template[] = {
	        {CKA_LABEL, label, sizeof label},
	        {CKA_KEY_TYPE, &key_type, sizeof key_type},
	        {CKA_VALUE, value, sizeof value},
	};

	assert_int_equal(
	        tok_object_get_attributes(object, template, COUNT(template)),
	        CKR_BUFFER_TOO_SMALL);
	assert_int_equal(template[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(template[1].ulValueLen, sizeof(CK_ULONG));
	assert_int_equal(key_type, CKK_AES);
	assert_int_equal(template[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	tok_object_free(object);
}

static void test_sensitive(void **state)
{
	tok_object *sensitive = make_aes(true, true);
	tok_object *unextractable = make_aes(false, false);
	unsigned char value[32];
	char label[8];
	CK_ATTRIBUTE template[] = {
	        {CKA_VALUE, value, sizeof value},
	        {CKA_LABEL, label, sizeof label},
	};

	memset(value, 0, sizeof value);
	assert_int_equal(
	        tok_object_get_attributes(sensitive, template, COUNT(template)),
	        CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(template[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_true(enc_ct_is_zero(value, sizeof value));
	assert_int_equal(template[1].ulValueLen, 3);
	assert_memory_equal(label, "aes", 3);

	/* Also a length query. */
	template[0].pValue = NULL;
	template[0].ulValueLen = 0;
	assert_int_equal(tok_object_get_attributes(unextractable, template, 1),
	                 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(template[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);

	/* The sealed value stays sealed. */
	const store_attribute *attribute =
	        tok_object_attribute(sensitive, CKA_VALUE);
	assert_true(attribute->sensitive);
	assert_non_null(attribute->sealed);
	assert_null(attribute->value);
	tok_object_free(sensitive);
	tok_object_free(unextractable);
}

static void test_type_invalid_and_precedence(void **state)
{
	tok_object *object = make_aes(true, false);
	unsigned char value[32];
	unsigned char junk[4];
	char label[1];
	CK_ULONG class = 0;
	CK_ATTRIBUTE unknown[] = {
	        {0x7fffffffUL, junk, sizeof junk},
	        {CKA_MODULUS, junk, sizeof junk},
	        {CKA_CLASS, &class, sizeof class},
	};
	CK_ATTRIBUTE all[] = {
	        {CKA_LABEL, label, sizeof label},
	        {0x7fffffffUL, junk, sizeof junk},
	        {CKA_VALUE, value, sizeof value},
	        {CKA_CLASS, &class, sizeof class},
	};

	assert_int_equal(
	        tok_object_get_attributes(object, unknown, COUNT(unknown)),
	        CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(unknown[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(unknown[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(class, CKO_SECRET_KEY);

	/* Three "errors" at once: every entry is still processed. */
	class = 0;
	assert_int_equal(tok_object_get_attributes(object, all, COUNT(all)),
	                 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(all[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(all[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(all[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(all[3].ulValueLen, sizeof(CK_ULONG));
	assert_int_equal(class, CKO_SECRET_KEY);

	assert_int_equal(tok_object_get_attributes(object, NULL, 1),
	                 CKR_ARGUMENTS_BAD);
	assert_int_equal(tok_object_get_attributes(object, NULL, 0), CKR_OK);
	tok_object_free(object);
}

static void test_native_ulong(void **state)
{
	tok_object *object = make_aes(true, false);
	/* A buffer larger than a CK_ULONG: the length says what was used. */
	unsigned char buffer[3 * sizeof(CK_ULONG)];
	CK_ATTRIBUTE template[] = {{CKA_VALUE_LEN, buffer, sizeof buffer}};
	CK_ULONG value;

	assert_int_equal(tok_object_get_attributes(object, template, 1),
	                 CKR_OK);
	assert_int_equal(template[0].ulValueLen, sizeof(CK_ULONG));
	memcpy(&value, buffer, sizeof value);
	assert_int_equal(value, 32);
	assert_int_equal(get_ulong(object, CKA_CLASS), CKO_SECRET_KEY);
	assert_int_equal(get_ulong(object, CKA_KEY_GEN_MECHANISM),
	                 CK_UNAVAILABLE_INFORMATION);
	tok_object_free(object);
}

static void test_readable_value(void **state)
{
	tok_object *object = make_aes(false, true);
	unsigned char value[40];
	CK_ATTRIBUTE template[] = {{CKA_VALUE, value, sizeof value}};

	memset(value, 0xee, sizeof value);
	assert_int_equal(tok_object_get_attributes(object, template, 1),
	                 CKR_OK);
	assert_int_equal(template[0].ulValueLen, sizeof aes_value);
	assert_memory_equal(value, aes_value, sizeof aes_value);
	/* Nothing written past the value. */
	assert_int_equal(value[sizeof aes_value], 0xee);
	/* Still sealed in the object. */
	const store_attribute *attribute =
	        tok_object_attribute(object, CKA_VALUE);
	assert_non_null(attribute->sealed);
	assert_null(attribute->value);
	tok_object_free(object);
}

static void test_unique_id(void **state)
{
	tok_object *object = make_certificate();
	tok_object *other = make_certificate();
	char text[40];
	char expected[33];
	CK_ATTRIBUTE template[] = {{CKA_UNIQUE_ID, text, sizeof text}};

	for (size_t i = 0; i < STORE_UNIQUE_ID_BYTES; i++)
		snprintf(expected + 2 * i, 3, "%02x", object->unique_id[i]);
	assert_int_equal(tok_object_get_attributes(object, template, 1),
	                 CKR_OK);
	assert_int_equal(template[0].ulValueLen, 32);
	assert_memory_equal(text, expected, 32);
	assert_memory_not_equal(object->unique_id, other->unique_id,
	                        STORE_UNIQUE_ID_BYTES);
	tok_object_free(object);
	tok_object_free(other);
}

static tok_object *make_wrapping_key(void)
{
	CK_ATTRIBUTE wrap_template[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_EXTRACTABLE, &yes, sizeof yes},
	        {CKA_LABEL, "abc", 3},
	};
	CK_MECHANISM_TYPE mechanisms[] = {CKM_AES_KEY_WRAP, CKM_AES_GCM};
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	        {CKA_VALUE, aes_value, 16},
	        {CKA_WRAP_TEMPLATE, wrap_template, sizeof wrap_template},
	        {CKA_ALLOWED_MECHANISMS, mechanisms, sizeof mechanisms},
	};
	tok_object *object = NULL;

	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_CREATE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_OK);
	return object;
}

static void test_nested_template(void **state)
{
	tok_object *object = make_wrapping_key();
	CK_ATTRIBUTE inner[3];
	CK_ATTRIBUTE outer = {CKA_WRAP_TEMPLATE, NULL, 0};
	CK_ULONG class = 0;
	CK_BBOOL extractable = 0;
	char label[3];

	/* The outer length. */
	assert_int_equal(tok_object_get_attributes(object, &outer, 1), CKR_OK);
	assert_int_equal(outer.ulValueLen, 3 * sizeof(CK_ATTRIBUTE));

	/* Too few entries. */
	outer.pValue = inner;
	outer.ulValueLen = 2 * sizeof(CK_ATTRIBUTE);
	assert_int_equal(tok_object_get_attributes(object, &outer, 1),
	                 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(outer.ulValueLen, CK_UNAVAILABLE_INFORMATION);

	/* Inner lengths, types set on output. */
	memset(inner, 0, sizeof inner);
	outer.ulValueLen = sizeof inner;
	assert_int_equal(tok_object_get_attributes(object, &outer, 1), CKR_OK);
	assert_int_equal(outer.ulValueLen, sizeof inner);
	assert_int_equal(inner[0].type, CKA_CLASS);
	assert_int_equal(inner[0].ulValueLen, sizeof(CK_ULONG));
	assert_int_equal(inner[1].type, CKA_EXTRACTABLE);
	assert_int_equal(inner[1].ulValueLen, sizeof(CK_BBOOL));
	assert_int_equal(inner[2].type, CKA_LABEL);
	assert_int_equal(inner[2].ulValueLen, 3);

	/* Values; one inner buffer too small. */
	inner[0].pValue = &class;
	inner[1].pValue = &extractable;
	inner[2].pValue = label;
	inner[2].ulValueLen = 2;
	assert_int_equal(tok_object_get_attributes(object, &outer, 1),
	                 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(inner[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	assert_int_equal(class, CKO_SECRET_KEY);
	assert_int_equal(extractable, CK_TRUE);

	inner[2].ulValueLen = sizeof label;
	assert_int_equal(tok_object_get_attributes(object, &outer, 1), CKR_OK);
	assert_memory_equal(label, "abc", 3);

	/* Empty by default. */
	CK_ATTRIBUTE unwrap = {CKA_UNWRAP_TEMPLATE, NULL, 99};
	assert_int_equal(tok_object_get_attributes(object, &unwrap, 1), CKR_OK);
	assert_int_equal(unwrap.ulValueLen, 0);
	tok_object_free(object);
}

static void test_mechanism_array(void **state)
{
	tok_object *object = make_wrapping_key();
	CK_MECHANISM_TYPE mechanisms[3] = {0};
	CK_ATTRIBUTE entry = {CKA_ALLOWED_MECHANISMS, mechanisms,
	                      sizeof mechanisms};

	assert_int_equal(tok_object_get_attributes(object, &entry, 1), CKR_OK);
	assert_int_equal(entry.ulValueLen, 2 * sizeof(CK_MECHANISM_TYPE));
	assert_int_equal(mechanisms[0], CKM_AES_KEY_WRAP);
	assert_int_equal(mechanisms[1], CKM_AES_GCM);
	/* Portable inside: 8 bytes per mechanism. */
	assert_int_equal(
	        tok_object_attribute(object, CKA_ALLOWED_MECHANISMS)->length,
	        16);
	tok_object_free(object);
}

static void test_bad_arrays(void **state)
{
	CK_ATTRIBUTE nested[] = {{CKA_WRAP_TEMPLATE, NULL, 0}};
	CK_ATTRIBUTE unknown_inner[] = {{0x7fffffffUL, "x", 1}};
	CK_ATTRIBUTE bad_bool_inner[] = {{CKA_SENSITIVE, "xx", 2}};
	CK_MECHANISM_TYPE mechanism = CKM_AES_GCM;
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
	        {CKA_VALUE, aes_value, 16},
	        {CKA_WRAP_TEMPLATE, nested, sizeof nested},
	};
	tok_object *object = NULL;

	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_CREATE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	template[3].pValue = unknown_inner;
	template[3].ulValueLen = sizeof unknown_inner;
	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_CREATE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	template[3].pValue = bad_bool_inner;
	template[3].ulValueLen = sizeof bad_bool_inner;
	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_CREATE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	template[3].pValue = bad_bool_inner;
	template[3].ulValueLen = sizeof(CK_ATTRIBUTE) - 1;
	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_CREATE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	template[3].type = CKA_ALLOWED_MECHANISMS;
	template[3].pValue = &mechanism;
	template[3].ulValueLen = sizeof mechanism - 1;
	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_CREATE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_null(object);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_length_query),
	        cmocka_unit_test(test_buffer_too_small),
	        cmocka_unit_test(test_sensitive),
	        cmocka_unit_test(test_type_invalid_and_precedence),
	        cmocka_unit_test(test_native_ulong),
	        cmocka_unit_test(test_readable_value),
	        cmocka_unit_test(test_unique_id),
	        cmocka_unit_test(test_nested_template),
	        cmocka_unit_test(test_mechanism_array),
	        cmocka_unit_test(test_bad_arrays),
	};

	return cmocka_run_group_tests(tests, token_setup, token_teardown);
}
