/* tok_object_matches, tok_object_index and tok_template_index: matching in
 * native semantics over portable values, never on sealed values, and the
 * blind-index fields of objects and find templates. */
#include "config.h"

#include "helpers.h"

#include <stdio.h>
#include <string.h>

static void test_matches(void **state)
{
	tok_object *object = make_aes(false, true);
	unsigned char id[] = {1, 2, 3};
	unsigned char other_id[] = {1, 2, 4};
	CK_BBOOL seven = 7;
	CK_ATTRIBUTE class_and_id[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_ID, id, sizeof id},
	};
	CK_ATTRIBUTE wrong_id[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_ID, other_id, sizeof other_id},
	};
	CK_ATTRIBUTE wrong_class[] = {
	        {CKA_CLASS, &data_class, sizeof data_class}};
	CK_ATTRIBUTE normalised_bool[] = {{CKA_ENCRYPT, &seven, sizeof seven}};
	CK_ATTRIBUTE value[] = {{CKA_VALUE, aes_value, sizeof aes_value}};
	CK_ATTRIBUTE short_class[] = {{CKA_CLASS, &secret_class, 4}};
	CK_ATTRIBUTE absent[] = {{CKA_MODULUS, "x", 1}};
	CK_ATTRIBUTE unknown[] = {{0x7fffffffUL, "x", 1}};
	CK_ATTRIBUTE label_and_length[] = {
	        {CKA_LABEL, "aes", 3},
	        {CKA_VALUE_LEN, NULL, 0},
	};
	CK_ULONG length = 32;

	assert_true(tok_object_matches(object, NULL, 0));
	assert_true(
	        tok_object_matches(object, class_and_id, COUNT(class_and_id)));
	assert_false(tok_object_matches(object, wrong_id, COUNT(wrong_id)));
	assert_false(tok_object_matches(object, wrong_class, 1));
	assert_true(tok_object_matches(object, normalised_bool, 1));
	/* Even the right key value never matches. */
	assert_false(tok_object_matches(object, value, 1));
	assert_false(tok_object_matches(object, short_class, 1));
	assert_false(tok_object_matches(object, absent, 1));
	assert_false(tok_object_matches(object, unknown, 1));
	assert_false(tok_object_matches(object, NULL, 1));
	label_and_length[1].pValue = &length;
	label_and_length[1].ulValueLen = sizeof length;
	assert_true(tok_object_matches(object, label_and_length, 2));
	length = 16;
	assert_false(tok_object_matches(object, label_and_length, 2));
	tok_object_free(object);
}

static void test_matches_unique_id(void **state)
{
	tok_object *object = make_certificate();
	char text[33];
	CK_ATTRIBUTE template[] = {{CKA_UNIQUE_ID, text, 32}};

	for (size_t i = 0; i < STORE_UNIQUE_ID_BYTES; i++)
		snprintf(text + 2 * i, 3, "%02x", object->unique_id[i]);
	assert_true(tok_object_matches(object, template, 1));
	text[0] = text[0] == '0' ? '1' : '0';
	assert_false(tok_object_matches(object, template, 1));
	tok_object_free(object);
}

static void test_object_index(void **state)
{
	tok_object *object = make_aes(true, false);
	store_index index;

	tok_object_index(object, &index);
	assert_true(index.has_class);
	assert_int_equal(index.object_class, CKO_SECRET_KEY);
	assert_true(index.has_id);
	assert_int_equal(index.id_length, 3);
	assert_memory_equal(index.id, "\x01\x02\x03", 3);
	assert_true(index.has_label);
	assert_int_equal(index.label_length, 3);
	assert_memory_equal(index.label, "aes", 3);
	tok_object_free(object);
}

static void test_template_index(void **state)
{
	unsigned char id[] = {9, 9};
	CK_ATTRIBUTE template[] = {
	        {CKA_TOKEN, &yes, sizeof yes},
	        {CKA_ID, id, sizeof id},
	        {CKA_CLASS, &public_class, sizeof public_class},
	};
	CK_ATTRIBUTE conflicting[] = {
	        {CKA_CLASS, &public_class, sizeof public_class},
	        {CKA_CLASS, &private_class, sizeof private_class},
	};
	CK_ATTRIBUTE short_class[] = {{CKA_CLASS, &public_class, 2}};
	CK_ATTRIBUTE empty_label[] = {{CKA_LABEL, NULL, 0}};
	store_index index;

	assert_true(tok_template_index(template, COUNT(template), &index));
	assert_true(index.has_class);
	assert_int_equal(index.object_class, CKO_PUBLIC_KEY);
	assert_true(index.has_id);
	assert_ptr_equal(index.id, id);
	assert_int_equal(index.id_length, 2);
	assert_false(index.has_label);

	assert_true(tok_template_index(NULL, 0, &index));
	assert_false(index.has_class || index.has_id || index.has_label);
	assert_false(tok_template_index(conflicting, 2, &index));
	assert_false(tok_template_index(short_class, 1, &index));
	assert_true(tok_template_index(empty_label, 1, &index));
	assert_true(index.has_label);
	assert_int_equal(index.label_length, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_matches),
	        cmocka_unit_test(test_matches_unique_id),
	        cmocka_unit_test(test_object_index),
	        cmocka_unit_test(test_template_index),
	};

	return cmocka_run_group_tests(tests, token_setup, token_teardown);
}
