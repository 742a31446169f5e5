/* tok_object_set_attributes and tok_object_copy: what may change and how
 * (footnotes 8, 10, 11, 12, copy-only attributes), all-or-nothing
 * updates, CKA_MODIFIABLE / CKA_COPYABLE, and sealed values copied without
 * being exposed. */
#include "config.h"

#include "helpers.h"

#include <string.h>

static CK_RV set(tok_object *object, CK_ATTRIBUTE *template, CK_ULONG count)
{
	return tok_object_set_attributes(object, template, count, false);
}

static void test_label(void **state)
{
	tok_object *object = make_aes(true, false);
	CK_ATTRIBUTE template[] = {{CKA_LABEL, "renamed", 7}};
	CK_ATTRIBUTE empty[] = {{CKA_LABEL, NULL, 0}};

	assert_int_equal(set(object, template, 1), CKR_OK);
	assert_bytes(object, CKA_LABEL, "renamed", 7);
	assert_int_equal(set(object, empty, 1), CKR_OK);
	assert_bytes(object, CKA_LABEL, NULL, 0);
	assert_int_equal(set(object, NULL, 0), CKR_OK);
	assert_int_equal(set(object, NULL, 1), CKR_ARGUMENTS_BAD);
	tok_object_free(object);
}

static void test_all_or_nothing(void **state)
{
	tok_object *object = make_aes(true, false);
	CK_ATTRIBUTE template[] = {
	        {CKA_LABEL, "changed", 7},
	        {CKA_ENCRYPT, &no, sizeof no},
	        {CKA_SENSITIVE, &no, sizeof no},
	};

	assert_int_equal(set(object, template, COUNT(template)),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_bytes(object, CKA_LABEL, "aes", 3);
	assert_true(get_bool(object, CKA_ENCRYPT));
	assert_true(get_bool(object, CKA_SENSITIVE));

	/* Without the refused entry, both apply. */
	assert_int_equal(set(object, template, 2), CKR_OK);
	assert_bytes(object, CKA_LABEL, "changed", 7);
	assert_false(get_bool(object, CKA_ENCRYPT));
	tok_object_free(object);
}

static void test_one_way_flags(void **state)
{
	tok_object *object = make_aes(false, true);
	CK_ATTRIBUTE sensitive_on[] = {{CKA_SENSITIVE, &yes, sizeof yes}};
	CK_ATTRIBUTE sensitive_off[] = {{CKA_SENSITIVE, &no, sizeof no}};
	CK_ATTRIBUTE extractable_off[] = {{CKA_EXTRACTABLE, &no, sizeof no}};
	CK_ATTRIBUTE extractable_on[] = {{CKA_EXTRACTABLE, &yes, sizeof yes}};
	CK_ATTRIBUTE trusted_wrap_on[] = {
	        {CKA_WRAP_WITH_TRUSTED, &yes, sizeof yes}};
	CK_ATTRIBUTE trusted_wrap_off[] = {
	        {CKA_WRAP_WITH_TRUSTED, &no, sizeof no}};
	CK_ATTRIBUTE copyable_off[] = {{CKA_COPYABLE, &no, sizeof no}};
	CK_ATTRIBUTE copyable_on[] = {{CKA_COPYABLE, &yes, sizeof yes}};

	assert_int_equal(set(object, sensitive_on, 1), CKR_OK);
	assert_true(get_bool(object, CKA_SENSITIVE));
	assert_int_equal(set(object, sensitive_off, 1),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_true(get_bool(object, CKA_SENSITIVE));

	assert_int_equal(set(object, extractable_off, 1), CKR_OK);
	assert_int_equal(set(object, extractable_on, 1),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_false(get_bool(object, CKA_EXTRACTABLE));

	assert_int_equal(set(object, trusted_wrap_on, 1), CKR_OK);
	assert_int_equal(set(object, trusted_wrap_off, 1),
	                 CKR_ATTRIBUTE_READ_ONLY);

	assert_int_equal(set(object, copyable_off, 1), CKR_OK);
	assert_int_equal(set(object, copyable_on, 1), CKR_ATTRIBUTE_READ_ONLY);
	/* Setting a value to what it already is changes nothing. */
	assert_int_equal(set(object, sensitive_on, 1), CKR_OK);
	tok_object_free(object);
}

static void test_read_only(void **state)
{
	tok_object *object = make_aes(true, false);
	CK_ULONG class = CKO_SECRET_KEY;
	CK_ULONG other_class = CKO_DATA;
	CK_ULONG length = 16;
	CK_BBOOL wide[2] = {1, 1};
	CK_ATTRIBUTE same_class[] = {{CKA_CLASS, &class, sizeof class}};
	CK_ATTRIBUTE new_class[] = {
	        {CKA_CLASS, &other_class, sizeof other_class}};
	CK_ATTRIBUTE token[] = {{CKA_TOKEN, &yes, sizeof yes}};
	CK_ATTRIBUTE private[] = {{CKA_PRIVATE, &no, sizeof no}};
	CK_ATTRIBUTE modifiable[] = {{CKA_MODIFIABLE, &no, sizeof no}};
	CK_ATTRIBUTE value[] = {{CKA_VALUE, aes_value, 32}};
	CK_ATTRIBUTE value_len[] = {{CKA_VALUE_LEN, &length, sizeof length}};
	CK_ATTRIBUTE local[] = {{CKA_LOCAL, &yes, sizeof yes}};
	CK_ATTRIBUTE unique_id[] = {{CKA_UNIQUE_ID, "x", 1}};
	CK_ATTRIBUTE unknown[] = {{0x7fffffffUL, "x", 1}};
	CK_ATTRIBUTE foreign[] = {{CKA_MODULUS, "x", 1}};
	CK_ATTRIBUTE bad_bool[] = {{CKA_ENCRYPT, wide, sizeof wide}};
	CK_ATTRIBUTE conflicting[] = {
	        {CKA_LABEL, "a", 1},
	        {CKA_LABEL, "b", 1},
	};

	assert_int_equal(set(object, same_class, 1), CKR_OK);
	assert_int_equal(set(object, new_class, 1), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(set(object, token, 1), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(set(object, private, 1), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(set(object, modifiable, 1), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(set(object, value, 1), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(set(object, value_len, 1), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(set(object, local, 1), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(set(object, unique_id, 1), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(set(object, unknown, 1), CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(set(object, foreign, 1), CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(set(object, bad_bool, 1), CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(set(object, conflicting, 2),
	                 CKR_TEMPLATE_INCONSISTENT);
	assert_bytes(object, CKA_LABEL, "aes", 3);
	assert_false(object->is_token);
	tok_object_free(object);
}

static void test_trusted_by_so(void **state)
{
	tok_object *object = make_aes(true, false);
	CK_ATTRIBUTE trusted[] = {{CKA_TRUSTED, &yes, sizeof yes}};

	assert_int_equal(set(object, trusted, 1), CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(tok_object_set_attributes(object, trusted, 1, true),
	                 CKR_OK);
	assert_true(get_bool(object, CKA_TRUSTED));
	tok_object_free(object);
}

static void test_unmodifiable(void **state)
{
	CK_ATTRIBUTE template[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_MODIFIABLE, &no, sizeof no},
	};
	CK_ATTRIBUTE label[] = {{CKA_LABEL, "x", 1}};
	tok_object *object = NULL;

	assert_int_equal(tok_object_create(template, COUNT(template),
	                                   TOK_ORIGIN_CREATE, 0,
	                                   CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_OK);
	assert_int_equal(set(object, label, 1), CKR_ACTION_PROHIBITED);
	assert_int_equal(tok_object_set_attributes(object, label, 1, true),
	                 CKR_ACTION_PROHIBITED);
	tok_object_free(object);
}

static void test_certificate_changes(void **state)
{
	tok_object *object = make_certificate();
	CK_ATTRIBUTE id[] = {{CKA_ID, "\x01\x02", 2}};
	CK_ATTRIBUTE subject[] = {{CKA_SUBJECT, "\x30\x01", 2}};

	assert_int_equal(set(object, id, 1), CKR_OK);
	assert_bytes(object, CKA_ID, "\x01\x02", 2);
	assert_int_equal(set(object, subject, 1), CKR_ATTRIBUTE_READ_ONLY);
	tok_object_free(object);
}

static void test_copy(void **state)
{
	tok_object *source = make_aes(false, true);
	CK_ATTRIBUTE template[] = {
	        {CKA_LABEL, "copy", 4},
	        {CKA_TOKEN, &yes, sizeof yes},
	};
	tok_object *copy = NULL;
	unsigned char value[32];
	CK_ATTRIBUTE read[] = {{CKA_VALUE, value, sizeof value}};

	assert_int_equal(
	        tok_object_copy(source, template, COUNT(template), &copy),
	        CKR_OK);
	assert_non_null(copy);
	assert_bytes(copy, CKA_LABEL, "copy", 4);
	assert_true(get_bool(copy, CKA_TOKEN));
	assert_true(copy->is_token);
	assert_true(copy->is_private);
	assert_int_equal(copy->object_class, CKO_SECRET_KEY);
	assert_int_equal(copy->store_id, 0);
	assert_memory_not_equal(copy->unique_id, source->unique_id,
	                        STORE_UNIQUE_ID_BYTES);
	assert_bytes(source, CKA_LABEL, "aes", 3);
	assert_false(source->is_token);

	/* The secret was resealed: another sealed secret, same content. */
	const store_attribute *original =
	        tok_object_attribute(source, CKA_VALUE);
	const store_attribute *copied = tok_object_attribute(copy, CKA_VALUE);
	assert_true(copied->sensitive);
	assert_non_null(copied->sealed);
	assert_null(copied->value);
	assert_ptr_not_equal(copied->sealed, original->sealed);
	assert_int_equal(tok_object_get_attributes(copy, read, 1), CKR_OK);
	assert_memory_equal(value, aes_value, sizeof aes_value);
	tok_object_free(copy);
	tok_object_free(source);
}

static void test_copy_rules(void **state)
{
	tok_object *source = make_aes(false, true);
	CK_ATTRIBUTE public[] = {{CKA_PRIVATE, &no, sizeof no}};
	CK_ATTRIBUTE lock[] = {
	        {CKA_MODIFIABLE, &no, sizeof no},
	        {CKA_SENSITIVE, &yes, sizeof yes},
	        {CKA_EXTRACTABLE, &no, sizeof no},
	};
	CK_ATTRIBUTE unlock[] = {{CKA_MODIFIABLE, &yes, sizeof yes}};
	CK_ATTRIBUTE label[] = {{CKA_LABEL, "x", 1}};
	CK_ATTRIBUTE token[] = {{CKA_TOKEN, &yes, sizeof yes}};
	CK_ATTRIBUTE value[] = {{CKA_VALUE, aes_value, 32}};
	CK_ATTRIBUTE trusted[] = {{CKA_TRUSTED, &yes, sizeof yes}};
	CK_ATTRIBUTE no_copy[] = {{CKA_COPYABLE, &no, sizeof no}};
	tok_object *copy = (tok_object *)&copy;
	tok_object *locked = NULL;
	tok_object *again = NULL;

	/* A public copy of a private key would be usable without login. */
	assert_int_equal(tok_object_copy(source, public, 1, &copy),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_null(copy);
	assert_int_equal(tok_object_copy(source, value, 1, &copy),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(tok_object_copy(source, trusted, 1, &copy),
	                 CKR_ATTRIBUTE_READ_ONLY);

	assert_int_equal(tok_object_copy(source, lock, COUNT(lock), &locked),
	                 CKR_OK);
	assert_false(get_bool(locked, CKA_MODIFIABLE));
	assert_true(get_bool(locked, CKA_SENSITIVE));
	assert_false(get_bool(locked, CKA_EXTRACTABLE));
	/* Created by import: never "always sensitive". */
	assert_false(get_bool(locked, CKA_ALWAYS_SENSITIVE));

	/* An unmodifiable object's copy may move to the token, not change
	 * its label or become modifiable. */
	assert_int_equal(tok_object_copy(locked, label, 1, &again),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(tok_object_copy(locked, unlock, 1, &again),
	                 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(tok_object_copy(locked, token, 1, &again), CKR_OK);
	assert_true(again->is_token);
	tok_object_free(again);

	assert_int_equal(tok_object_set_attributes(source, no_copy, 1, false),
	                 CKR_OK);
	assert_int_equal(tok_object_copy(source, NULL, 0, &copy),
	                 CKR_ACTION_PROHIBITED);
	assert_null(copy);
	tok_object_free(locked);
	tok_object_free(source);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_label),
	        cmocka_unit_test(test_all_or_nothing),
	        cmocka_unit_test(test_one_way_flags),
	        cmocka_unit_test(test_read_only),
	        cmocka_unit_test(test_trusted_by_so),
	        cmocka_unit_test(test_unmodifiable),
	        cmocka_unit_test(test_certificate_changes),
	        cmocka_unit_test(test_copy),
	        cmocka_unit_test(test_copy_rules),
	};

	return cmocka_run_group_tests(tests, token_setup, token_teardown);
}
