/* The portable encoding (round trips, a hand-written little-endian blob,
 * nested templates, values a 32-bit build cannot hold), objects rebuilt
 * from store records (valid, unsorted, damaged) and the object size. */
#include "config.h"

#include "helpers.h"

#include "token/internal.h"

#include <stdlib.h>
#include <string.h>

static void test_ulong_round_trip(void **state)
{
	CK_ULONG values[] = {0,
	                     1,
	                     0x1234,
	                     CKO_SECRET_KEY,
	                     CKM_VENDOR_DEFINED | 5,
	                     CK_UNAVAILABLE_INFORMATION};

	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		unsigned char *encoded = NULL;
		size_t length = 0;
		CK_ATTRIBUTE entry;
		CK_ULONG back = 0;

		assert_int_equal(tok_encode(TOK_KIND_ULONG, &values[i],
		                            sizeof values[i], &encoded,
		                            &length),
		                 CKR_OK);
		assert_int_equal(length, 8);
		assert_true(tok_portable_valid(TOK_KIND_ULONG, encoded, 8));
		assert_int_equal(tok_native_length(TOK_KIND_ULONG, encoded, 8),
		                 sizeof(CK_ULONG));
		entry.type = CKA_VALUE_LEN;
		entry.pValue = &back;
		entry.ulValueLen = sizeof back;
		assert_int_equal(
		        tok_write_native(TOK_KIND_ULONG, encoded, 8, &entry),
		        CKR_OK);
		assert_int_equal(back, values[i]);
		free(encoded);
	}
	/* Unavailable is all ones on every build. */
	CK_ULONG unavailable = CK_UNAVAILABLE_INFORMATION;
	unsigned char *encoded = NULL;
	size_t length;
	assert_int_equal(tok_encode(TOK_KIND_ULONG, &unavailable,
	                            sizeof unavailable, &encoded, &length),
	                 CKR_OK);
	assert_memory_equal(encoded, "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	free(encoded);
}

static void test_hand_written_blob(void **state)
{
	/* CKM_AES_KEY_GEN (0x1080), 8 bytes little-endian. */
	const unsigned char blob[8] = {0x80, 0x10, 0, 0, 0, 0, 0, 0};
	CK_ULONG value = 0;
	CK_ATTRIBUTE entry = {CKA_KEY_GEN_MECHANISM, &value, sizeof value};

	assert_int_equal(tok_load_u64(blob), 0x1080);
	assert_true(tok_portable_valid(TOK_KIND_ULONG, blob, sizeof blob));
	assert_int_equal(
	        tok_write_native(TOK_KIND_ULONG, blob, sizeof blob, &entry),
	        CKR_OK);
	assert_int_equal(value, CKM_AES_KEY_GEN);
	assert_int_equal(entry.ulValueLen, sizeof(CK_ULONG));

	unsigned char out[8];
	tok_store_u64(out, 0x0102030405060708ULL);
	assert_memory_equal(out, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);

	/* Malformed portable values. */
	assert_false(tok_portable_valid(TOK_KIND_ULONG, blob, 4));
	assert_false(tok_portable_valid(TOK_KIND_BOOL, blob, 2));
	assert_false(tok_portable_valid(TOK_KIND_BOOL,
	                                (const unsigned char *)"\x02", 1));
	assert_false(tok_portable_valid(TOK_KIND_DATE,
	                                (const unsigned char *)"2024010x", 8));
	assert_true(tok_portable_valid(TOK_KIND_DATE,
	                               (const unsigned char *)"20240101", 8));
	assert_false(tok_portable_valid(TOK_KIND_MECHANISMS, blob, 7));
	assert_false(tok_portable_valid(TOK_KIND_TEMPLATE, blob, 3));
	if (sizeof(CK_ULONG) < 8) {
		const unsigned char big[8] = {0, 0, 0, 0, 1, 0, 0, 0};
		assert_false(tok_portable_valid(TOK_KIND_ULONG, big, 8));
	}
}

static void test_template_encoding(void **state)
{
	CK_ULONG class = CKO_SECRET_KEY;
	CK_BBOOL flag = 5;
	CK_ATTRIBUTE inner[] = {
	        {CKA_CLASS, &class, sizeof class},
	        {CKA_SIGN, &flag, sizeof flag},
	        {CKA_ID, "ab", 2},
	};
	unsigned char *encoded = NULL;
	size_t length = 0;
	/* u32 count, then per entry u64 type, u32 length, value. */
	const unsigned char expected[] = {
	        3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   0,    8,
	        0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0,   0x08, 0x01,
	        0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,   0x02, 0x01,
	        0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 'a', 'b',
	};

	assert_int_equal(tok_encode(TOK_KIND_TEMPLATE, inner, sizeof inner,
	                            &encoded, &length),
	                 CKR_OK);
	assert_int_equal(length, sizeof expected);
	assert_memory_equal(encoded, expected, sizeof expected);
	assert_true(tok_portable_valid(TOK_KIND_TEMPLATE, encoded, length));
	assert_int_equal(tok_native_length(TOK_KIND_TEMPLATE, encoded, length),
	                 3 * sizeof(CK_ATTRIBUTE));
	/* Truncated or with trailing bytes: malformed. */
	assert_false(
	        tok_portable_valid(TOK_KIND_TEMPLATE, encoded, length - 1));
	free(encoded);
}

/* A deep copy of an object's attributes in reverse order, as a store
 * might return them. */
static store_attribute *records_of(const tok_object *object)
{
	store_attribute *records = calloc(object->count, sizeof(*records));

	assert_non_null(records);
	for (size_t i = 0; i < object->count; i++)
		assert_int_equal(
		        tok_attribute_copy(&object->attributes[i],
		                           &records[object->count - 1 - i]),
		        CKR_OK);
	return records;
}

static void test_from_store(void **state)
{
	tok_object *original = make_aes(false, true);
	store_attribute *records = records_of(original);
	tok_object *loaded = NULL;
	unsigned char value[32];
	CK_ATTRIBUTE read[] = {{CKA_VALUE, value, sizeof value}};

	assert_int_equal(tok_object_from_store(7, true, original->unique_id,
	                                       records, original->count,
	                                       &loaded),
	                 CKR_OK);
	assert_int_equal(loaded->store_id, 7);
	assert_true(loaded->is_private);
	assert_false(loaded->is_token);
	assert_int_equal(loaded->object_class, CKO_SECRET_KEY);
	assert_int_equal(loaded->key_type, CKK_AES);
	assert_memory_equal(loaded->unique_id, original->unique_id,
	                    STORE_UNIQUE_ID_BYTES);
	for (size_t i = 1; i < loaded->count; i++)
		assert_true(loaded->attributes[i - 1].type <
		            loaded->attributes[i].type);
	assert_int_equal(tok_object_get_attributes(loaded, read, 1), CKR_OK);
	assert_memory_equal(value, aes_value, sizeof value);
	assert_bytes(loaded, CKA_LABEL, "aes", 3);
	tok_object_free(loaded);

	/* is_private disagreeing with CKA_PRIVATE: a damaged record. */
	records = records_of(original);
	assert_int_equal(tok_object_from_store(7, false, original->unique_id,
	                                       records, original->count,
	                                       &loaded),
	                 CKR_DEVICE_ERROR);
	assert_null(loaded);
	tok_object_free(original);
}

static void test_from_store_damaged(void **state)
{
	tok_object *original = make_aes(true, false);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {1};
	tok_object *loaded = (tok_object *)&loaded;
	size_t count = original->count;
	store_attribute *records;
	ptrdiff_t at;

	/* Without CKA_CLASS (ownership is taken even on failure: valgrind
	 * checks nothing leaks). */
	records = records_of(original);
	at = tok_attributes_find(original->attributes, count, CKA_CLASS);
	records[count - 1 - (size_t)at].type = 0x7ffffffe;
	assert_int_equal(tok_object_from_store(1, true, unique_id, records,
	                                       count, &loaded),
	                 CKR_DEVICE_ERROR);
	assert_null(loaded);

	/* A bool of two bytes. */
	records = records_of(original);
	at = tok_attributes_find(original->attributes, count, CKA_SIGN);
	records[count - 1 - (size_t)at].length = 2;
	free(records[count - 1 - (size_t)at].value);
	records[count - 1 - (size_t)at].value = calloc(1, 2);
	assert_int_equal(tok_object_from_store(1, true, unique_id, records,
	                                       count, &loaded),
	                 CKR_DEVICE_ERROR);

	/* The key in the clear where it must be sealed. */
	records = records_of(original);
	at = tok_attributes_find(original->attributes, count, CKA_VALUE);
	store_attribute *key = &records[count - 1 - (size_t)at];
	enc_sealed_free(key->sealed);
	key->sealed = NULL;
	key->sensitive = false;
	key->value = calloc(1, 16);
	key->length = 16;
	assert_int_equal(tok_object_from_store(1, true, unique_id, records,
	                                       count, &loaded),
	                 CKR_DEVICE_ERROR);

	/* A duplicate attribute. */
	records = records_of(original);
	at = tok_attributes_find(original->attributes, count, CKA_SIGN);
	records[count - 1 - (size_t)at].type = CKA_ENCRYPT;
	assert_int_equal(tok_object_from_store(1, true, unique_id, records,
	                                       count, &loaded),
	                 CKR_DEVICE_ERROR);
	tok_object_free(original);
}

static void test_size(void **state)
{
	tok_object *small = make_certificate();
	tok_object *key = make_aes(true, false);

	assert_true(tok_object_size(small) > 0);
	assert_true(tok_object_size(key) > sizeof aes_value);
	assert_int_equal(tok_object_size(NULL), 0);
	tok_object_free(small);
	tok_object_free(key);
	tok_object_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ulong_round_trip),
	        cmocka_unit_test(test_hand_written_blob),
	        cmocka_unit_test(test_template_encoding),
	        cmocka_unit_test(test_from_store),
	        cmocka_unit_test(test_from_store_damaged),
	        cmocka_unit_test(test_size),
	};

	return cmocka_run_group_tests(tests, token_setup, token_teardown);
}
