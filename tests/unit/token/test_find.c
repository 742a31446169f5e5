/* tok_object_matches, tok_object_index, tok_template_index and
 * tok_template_row_query: matching in native semantics over portable
 * values, never on sealed values, the blind-index fields of objects and
 * find templates, and the answer a verified index row gives. */
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

/* A token object with this class, privacy, label and (if not NULL) id. */
static tok_object *make_token_object(CK_OBJECT_CLASS object_class,
                                     bool is_private, const char *label,
                                     const char *id)
{
	CK_BBOOL private_value = is_private ? CK_TRUE : CK_FALSE;
	CK_ATTRIBUTE template[8] = {
	        {CKA_CLASS, &object_class, sizeof object_class},
	        {CKA_TOKEN, &yes, sizeof yes},
	        {CKA_PRIVATE, &private_value, sizeof private_value},
	        {CKA_LABEL, (void *)label, strlen(label)},
	};
	CK_ULONG count = 4;
	if (object_class == CKO_SECRET_KEY) {
		template[count++] = (CK_ATTRIBUTE){CKA_KEY_TYPE, &aes_type,
		                                   sizeof aes_type};
		template[count++] =
		        (CK_ATTRIBUTE){CKA_VALUE, aes_value, sizeof aes_value};
	}
	if (id != NULL)
		template[count++] =
		        (CK_ATTRIBUTE){CKA_ID, (void *)id, strlen(id)};
	tok_object *object = NULL;
	assert_int_equal(tok_object_create(template, count, TOK_ORIGIN_CREATE,
	                                   0, CK_UNAVAILABLE_INFORMATION,
	                                   CK_UNAVAILABLE_INFORMATION, &object),
	                 CKR_OK);
	assert_true(object->is_token);
	return object;
}

/* Does the object's index have every value query asks for? (What a
 * verified row of the object answers.) */
static bool index_matches(const tok_object *object, const store_index *query)
{
	store_index row;
	tok_object_index(object, &row);
	if (query->has_class &&
	    (!row.has_class || row.object_class != query->object_class))
		return false;
	if (query->has_id &&
	    (!row.has_id || row.id_length != query->id_length ||
	     (row.id_length > 0 &&
	      memcmp(row.id, query->id, row.id_length) != 0)))
		return false;
	if (query->has_label &&
	    (!row.has_label || row.label_length != query->label_length ||
	     (row.label_length > 0 &&
	      memcmp(row.label, query->label, row.label_length) != 0)))
		return false;
	return true;
}

/* The row answer (index values + tok_row_matches) is the answer
 * tok_object_matches gives on the loaded object, for every template of
 * indexed attributes, malformed and contradictory ones included. */
static void test_row_query_agrees(void **state)
{
	(void)state;
	tok_object *objects[] = {
	        make_token_object(CKO_DATA, false, "alpha", NULL),
	        make_token_object(CKO_DATA, true, "alpha", NULL),
	        make_token_object(CKO_SECRET_KEY, true, "key", "k1"),
	        make_token_object(CKO_SECRET_KEY, false, "", ""),
	};
	CK_BBOOL seven = 7;
	CK_ULONG short_class = CKO_DATA;
	CK_ATTRIBUTE entries[] = {
	        {CKA_CLASS, &data_class, sizeof data_class},
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_CLASS, &short_class, 4},
	        {CKA_CLASS, NULL, sizeof data_class},
	        {CKA_TOKEN, &yes, sizeof yes},
	        {CKA_TOKEN, &no, sizeof no},
	        {CKA_TOKEN, &seven, sizeof seven},
	        {CKA_TOKEN, &yes, 0},
	        {CKA_TOKEN, NULL, 1},
	        {CKA_PRIVATE, &yes, sizeof yes},
	        {CKA_PRIVATE, &no, sizeof no},
	        {CKA_PRIVATE, &seven, sizeof seven},
	        {CKA_PRIVATE, &no, 4},
	        {CKA_LABEL, "alpha", 5},
	        {CKA_LABEL, "", 0},
	        {CKA_LABEL, "alph", 4},
	        {CKA_ID, "k1", 2},
	        {CKA_ID, NULL, 0},
	        {CKA_ID, NULL, 2},
	};
	enum { ENTRIES = sizeof entries / sizeof entries[0] };
	size_t matched = 0, refused = 0;
	/* Every template of up to three entries (repeats included). */
	for (size_t a = 0; a <= ENTRIES; a++) {
		for (size_t b = 0; b <= ENTRIES; b++) {
			for (size_t c = 0; c <= ENTRIES; c++) {
				CK_ATTRIBUTE template[3];
				CK_ULONG count = 0;
				if (a < ENTRIES)
					template[count++] = entries[a];
				if (b < ENTRIES)
					template[count++] = entries[b];
				if (c < ENTRIES)
					template[count++] = entries[c];
				tok_row_query query;
				assert_true(tok_template_row_query(
				        template, count, &query));
				for (size_t i = 0; i < COUNT(objects); i++) {
					bool full = tok_object_matches(
					        objects[i], template, count);
					bool rows =
					        !query.none &&
					        index_matches(objects[i],
					                      &query.index) &&
					        tok_row_matches(
					                &query,
					                objects[i]->is_private);
					if (full != rows)
						fail_msg(
						        "template %zu/%zu/%zu, "
						        "object %zu: full %d, "
						        "rows %d",
						        a, b, c, i, full, rows);
					if (full)
						matched++;
					else
						refused++;
				}
			}
		}
	}
	/* Not vacuous either way. */
	assert_true(matched > 1000);
	assert_true(refused > 1000);

	/* Any other attribute: the records must be loaded. */
	CK_ATTRIBUTE with_sign[] = {
	        {CKA_CLASS, &secret_class, sizeof secret_class},
	        {CKA_SIGN, &yes, sizeof yes},
	};
	tok_row_query query;
	assert_false(tok_template_row_query(with_sign, 2, &query));
	CK_ATTRIBUTE unique_id[] = {{CKA_UNIQUE_ID, "x", 1}};
	assert_false(tok_template_row_query(unique_id, 1, &query));
	assert_false(tok_template_row_query(NULL, 1, &query));
	assert_true(tok_template_row_query(NULL, 0, &query));
	assert_false(query.none || query.has_private);
	assert_true(tok_row_matches(&query, true));
	assert_true(tok_row_matches(&query, false));
	for (size_t i = 0; i < COUNT(objects); i++)
		tok_object_free(objects[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_matches),
	        cmocka_unit_test(test_matches_unique_id),
	        cmocka_unit_test(test_object_index),
	        cmocka_unit_test(test_template_index),
	        cmocka_unit_test(test_row_query_agrees),
	};

	return cmocka_run_group_tests(tests, token_setup, token_teardown);
}
