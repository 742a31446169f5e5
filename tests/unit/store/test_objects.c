/* Objects: create and load round trips (plain, empty and sensitive
 * attributes; the sensitive one comes back sealed and opens to the
 * original bytes), unique ids, private objects without a login, update,
 * delete, ids never reused, bad arguments. */
#include "config.h"

#include "helpers.h"

#include <string.h>

#define TYPE_CLASS 0x0
#define TYPE_LABEL 0x3
#define TYPE_VALUE 0x11
#define TYPE_ID 0x102
#define TYPE_EMPTY 0x180

static const unsigned char secret_bytes[32] = "0123456789abcdef-secret-value!!";

/* Attributes of a small object whose secret value is sealed. Free the
 * sealed secret with enc_sealed_free. */
static void make_attributes(store_attribute attributes[4], const char *label,
                            enc_sealed **sealed)
{
	assert_int_equal(enc_seal_bytes(secret_bytes, sizeof secret_bytes, NULL,
	                                0, sealed),
	                 ENC_OK);
	static const unsigned char class_value[8] = {3};
	attributes[0] = plain_attribute(TYPE_CLASS, class_value, 8);
	attributes[1] = plain_attribute(TYPE_LABEL, label, strlen(label));
	attributes[2] = (store_attribute){.type = TYPE_VALUE,
	                                  .sensitive = true,
	                                  .length = sizeof secret_bytes,
	                                  .sealed = *sealed};
	attributes[3] = plain_attribute(TYPE_EMPTY, NULL, 0);
}

static const store_attribute *find_type(const store_attribute *attributes,
                                        size_t count, uint64_t type)
{
	for (size_t i = 0; i < count; i++)
		if (attributes[i].type == type)
			return &attributes[i];
	return NULL;
}

static void check_loaded(store_token *token, store_object_id id,
                         bool expect_private, const unsigned char *unique_id,
                         const char *label)
{
	store_attribute *attributes = NULL;
	size_t count = 0;
	bool is_private = !expect_private;
	unsigned char loaded_uid[STORE_UNIQUE_ID_BYTES];
	assert_int_equal(store_object_load(token, id, &is_private, loaded_uid,
	                                   &attributes, &count),
	                 STORE_OK);
	assert_int_equal(is_private, expect_private);
	assert_memory_equal(loaded_uid, unique_id, STORE_UNIQUE_ID_BYTES);
	assert_int_equal(count, 4);
	const store_attribute *found = find_type(attributes, count, TYPE_LABEL);
	assert_non_null(found);
	assert_false(found->sensitive);
	assert_int_equal(found->length, strlen(label));
	assert_memory_equal(found->value, label, strlen(label));
	found = find_type(attributes, count, TYPE_EMPTY);
	assert_non_null(found);
	assert_int_equal(found->length, 0);
	/* The sensitive value: sealed, no plain copy, opens to the bytes. */
	found = find_type(attributes, count, TYPE_VALUE);
	assert_non_null(found);
	assert_true(found->sensitive);
	assert_null(found->value);
	assert_non_null(found->sealed);
	assert_int_equal(found->length, sizeof secret_bytes);
	enc_buffer *opened = NULL;
	assert_int_equal(enc_open(found->sealed, NULL, 0, 0, &opened), ENC_OK);
	assert_int_equal(enc_size(opened), sizeof secret_bytes);
	assert_memory_equal(enc_data(opened), secret_bytes,
	                    sizeof secret_bytes);
	enc_free(opened);
	store_attributes_free(attributes, count);
}

static void test_round_trip(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	store_attribute attributes[4];
	enc_sealed *sealed;
	make_attributes(attributes, "public object", &sealed);
	unsigned char public_uid[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id public_id = 0, private_id = 0;
	assert_int_equal(store_object_create(token, false, attributes, 4, NULL,
	                                     public_uid, &public_id),
	                 STORE_OK);
	assert_true(public_id > 0);
	/* An all-zero unique id is replaced by random bytes. */
	assert_false(enc_ct_is_zero(public_uid, sizeof public_uid));
	attributes[1] = plain_attribute(TYPE_LABEL, "private object", 14);
	/* A caller-chosen unique id is kept. */
	unsigned char private_uid[STORE_UNIQUE_ID_BYTES];
	memset(private_uid, 0x5a, sizeof private_uid);
	assert_int_equal(store_object_create(token, true, attributes, 4, NULL,
	                                     private_uid, &private_id),
	                 STORE_OK);
	unsigned char expected_uid[STORE_UNIQUE_ID_BYTES];
	memset(expected_uid, 0x5a, sizeof expected_uid);
	assert_memory_equal(private_uid, expected_uid, sizeof expected_uid);
	assert_int_not_equal(public_id, private_id);

	check_loaded(token, public_id, false, public_uid, "public object");
	check_loaded(token, private_id, true, private_uid, "private object");
	/* And after closing and reopening. */
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	check_loaded(token, public_id, false, public_uid, "public object");
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	check_loaded(token, private_id, true, private_uid, "private object");
	/* The store does not look for duplicate caller-chosen unique ids
	 * (that index would cost a page written per object): the caller
	 * must give fresh random ones. Each object still loads as its own. */
	store_object_id twin = 0;
	assert_int_equal(store_object_create(token, true, attributes, 4, NULL,
	                                     private_uid, &twin),
	                 STORE_OK);
	assert_true(twin > private_id);
	check_loaded(token, twin, true, private_uid, "private object");
	enc_sealed_free(sealed);
	store_token_close(token);
}

static void test_private_needs_login(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	store_attribute attribute = plain_attribute(TYPE_LABEL, "p", 1);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id public_id, private_id;
	assert_int_equal(store_object_create(token, true, &attribute, 1, NULL,
	                                     unique_id, &private_id),
	                 STORE_ERR_NOT_LOGGED_IN);
	assert_int_equal(store_object_create(token, false, &attribute, 1, NULL,
	                                     unique_id, &public_id),
	                 STORE_OK);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	memset(unique_id, 0, sizeof unique_id);
	assert_int_equal(store_object_create(token, true, &attribute, 1, NULL,
	                                     unique_id, &private_id),
	                 STORE_OK);
	store_object_id *ids = NULL;
	size_t count = 0;
	assert_int_equal(store_object_find(token, NULL, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, 2);
	free(ids);
	store_logout(token);

	/* Logged out: invisible to find, unreadable, unchangeable. */
	assert_int_equal(store_object_find(token, NULL, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(ids[0], public_id);
	free(ids);
	store_attribute *loaded = NULL;
	size_t loaded_count = 0;
	assert_int_equal(store_object_load(token, private_id, NULL, NULL,
	                                   &loaded, &loaded_count),
	                 STORE_ERR_NOT_LOGGED_IN);
	assert_null(loaded);
	assert_int_equal(
	        store_object_update(token, private_id, &attribute, 1, NULL),
	        STORE_ERR_NOT_LOGGED_IN);
	assert_int_equal(store_object_delete(token, private_id),
	                 STORE_ERR_NOT_LOGGED_IN);
	/* The public one is readable. */
	assert_int_equal(store_object_load(token, public_id, NULL, NULL,
	                                   &loaded, &loaded_count),
	                 STORE_OK);
	assert_int_equal(loaded_count, 1);
	store_attributes_free(loaded, loaded_count);
	/* The private object is still counted in the token info. */
	store_token_info info;
	assert_int_equal(store_token_get_info(token, &info), STORE_OK);
	assert_int_equal(info.object_count, 2);
	store_token_close(token);
}

static void test_update(void **state)
{
	store_token *token = create_test_token(fixture_directory(state), 0);
	store_attribute first[2] = {plain_attribute(TYPE_LABEL, "old", 3),
	                            plain_attribute(TYPE_ID, "\x01\x02", 2)};
	store_index index = {.has_label = true,
	                     .label = (const unsigned char *)"old",
	                     .label_length = 3};
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id id;
	assert_int_equal(store_object_create(token, false, first, 2, &index,
	                                     unique_id, &id),
	                 STORE_OK);
	store_attribute second[3] = {plain_attribute(TYPE_LABEL, "newer", 5),
	                             plain_attribute(TYPE_ID, "\x03", 1),
	                             plain_attribute(TYPE_EMPTY, "xyz", 3)};
	store_index new_index = {.has_label = true,
	                         .label = (const unsigned char *)"newer",
	                         .label_length = 5};
	assert_int_equal(store_object_update(token, id, second, 3, &new_index),
	                 STORE_OK);
	store_attribute *loaded = NULL;
	size_t count = 0;
	unsigned char loaded_uid[STORE_UNIQUE_ID_BYTES];
	assert_int_equal(
	        store_object_load(token, id, NULL, loaded_uid, &loaded, &count),
	        STORE_OK);
	/* The unique id stays; the attributes are the new ones. */
	assert_memory_equal(loaded_uid, unique_id, sizeof unique_id);
	assert_int_equal(count, 3);
	const store_attribute *label = find_type(loaded, count, TYPE_LABEL);
	assert_non_null(label);
	assert_int_equal(label->length, 5);
	assert_memory_equal(label->value, "newer", 5);
	const store_attribute *object_id = find_type(loaded, count, TYPE_ID);
	assert_non_null(object_id);
	assert_int_equal(object_id->length, 1);
	store_attributes_free(loaded, count);
	/* The index follows. */
	store_object_id *ids = NULL;
	assert_int_equal(store_object_find(token, &index, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, 0);
	free(ids);
	assert_int_equal(store_object_find(token, &new_index, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(ids[0], id);
	free(ids);
	assert_int_equal(store_object_update(token, id + 100, second, 3, NULL),
	                 STORE_ERR_NOT_FOUND);
	/* Duplicate types are refused; the object is unchanged. */
	store_attribute twice[2] = {plain_attribute(TYPE_LABEL, "a", 1),
	                            plain_attribute(TYPE_LABEL, "b", 1)};
	assert_int_equal(store_object_update(token, id, twice, 2, NULL),
	                 STORE_ERR_INVALID);
	assert_int_equal(
	        store_object_load(token, id, NULL, NULL, &loaded, &count),
	        STORE_OK);
	assert_int_equal(count, 3);
	store_attributes_free(loaded, count);
	store_token_close(token);
}

static void test_delete_and_ids_never_reused(void **state)
{
	store_token *token = create_test_token(fixture_directory(state), 0);
	store_attribute attribute = plain_attribute(TYPE_LABEL, "x", 1);
	store_object_id ids[3];
	for (int i = 0; i < 3; i++) {
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
		assert_int_equal(store_object_create(token, false, &attribute,
		                                     1, NULL, unique_id,
		                                     &ids[i]),
		                 STORE_OK);
		if (i > 0)
			assert_true(ids[i] > ids[i - 1]);
	}
	assert_int_equal(store_object_delete(token, ids[2]), STORE_OK);
	assert_int_equal(store_object_delete(token, ids[2]),
	                 STORE_ERR_NOT_FOUND);
	store_attribute *loaded = NULL;
	size_t count = 0;
	assert_int_equal(
	        store_object_load(token, ids[2], NULL, NULL, &loaded, &count),
	        STORE_ERR_NOT_FOUND);
	/* The highest id was deleted; a new object still gets a new one,
	 * also after reopening. */
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id next;
	assert_int_equal(store_object_create(token, false, &attribute, 1, NULL,
	                                     unique_id, &next),
	                 STORE_OK);
	assert_true(next > ids[2]);
	store_object_id *found = NULL;
	assert_int_equal(store_object_find(token, NULL, &found, &count),
	                 STORE_OK);
	assert_int_equal(count, 3);
	assert_int_equal(found[0], ids[0]);
	assert_int_equal(found[1], ids[1]);
	assert_int_equal(found[2], next);
	free(found);

	/* Deleting the highest id through another handle (process): this
	 * handle still never hands it out again. */
	store_token *other = NULL;
	assert_int_equal(store_token_open(path, &other), STORE_OK);
	assert_int_equal(store_object_delete(other, next), STORE_OK);
	memset(unique_id, 0, sizeof unique_id);
	store_object_id after = 0;
	assert_int_equal(store_object_create(token, false, &attribute, 1, NULL,
	                                     unique_id, &after),
	                 STORE_OK);
	assert_true(after > next);
	/* Deleting one below the highest needs no floor; ids still grow. */
	assert_int_equal(store_object_delete(other, ids[1]), STORE_OK);
	memset(unique_id, 0, sizeof unique_id);
	store_object_id later = 0;
	assert_int_equal(store_object_create(token, false, &attribute, 1, NULL,
	                                     unique_id, &later),
	                 STORE_OK);
	assert_true(later > after);
	store_token_close(other);

	/* A re-initialisation deletes everything, yet ids keep growing,
	 * also after reopening. */
	char label[STORE_LABEL_BYTES];
	make_label(label, "again");
	assert_int_equal(
	        store_token_reinitialise(token, PIN(TEST_SO_PIN), label),
	        STORE_OK);
	assert_int_equal(store_object_find(token, NULL, &found, &count),
	                 STORE_OK);
	assert_int_equal(count, 0);
	free(found);
	store_token_close(token);
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	memset(unique_id, 0, sizeof unique_id);
	store_object_id fresh = 0;
	assert_int_equal(store_object_create(token, false, &attribute, 1, NULL,
	                                     unique_id, &fresh),
	                 STORE_OK);
	assert_true(fresh > later);
	store_token_close(token);
}

/* Live enclave buffers (slab and guarded). */
static size_t live_buffers(void)
{
	enc_stats stats;
	assert_int_equal(enc_get_stats(&stats), ENC_OK);
	return stats.slab_buffers + stats.guarded_buffers;
}

/* The prepared statements and the subkey buffer are kept across calls:
 * thousands of calls of every kind give the right answers, leave no
 * enclave buffer behind per call, survive a schema change made by another
 * connection, logout/login and reopening; logout and close free the
 * subkeys. */
static void test_statement_and_key_caches(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	char path[4096];
	token_path(token, path);
	enum { OBJECTS = 40, ROUNDS = 25 };
	store_object_id ids[OBJECTS];
	unsigned char uids[OBJECTS][STORE_UNIQUE_ID_BYTES];
	char names[OBJECTS][16];
	for (int i = 0; i < OBJECTS; i++) {
		snprintf(names[i], sizeof names[i], "object-%d", i);
		store_attribute attribute =
		        plain_attribute(TYPE_LABEL, names[i], strlen(names[i]));
		store_index index = {.has_id = true,
		                     .id = (const unsigned char *)names[i],
		                     .id_length = strlen(names[i])};
		memset(uids[i], 0, sizeof uids[i]);
		assert_int_equal(store_object_create(token, i % 2 == 0,
		                                     &attribute, 1, &index,
		                                     uids[i], &ids[i]),
		                 STORE_OK);
	}
	size_t baseline = live_buffers();
	for (int round = 0; round < ROUNDS; round++) {
		if (round == ROUNDS / 3) {
			/* Another connection changes the schema: cached
			 * statements are prepared again by SQLite. */
			raw_sql(path, "CREATE TABLE unrelated (x)");
		}
		if (round == ROUNDS / 2) {
			store_token_close(token);
			assert_int_equal(store_token_open(path, &token),
			                 STORE_OK);
			assert_int_equal(store_login(token, STORE_USER,
			                             PIN(TEST_USER_PIN)),
			                 STORE_OK);
		}
		for (int i = 0; i < OBJECTS; i++) {
			store_index query = {
			        .has_id = true,
			        .id = (const unsigned char *)names[i],
			        .id_length = strlen(names[i])};
			store_object_id *found = NULL;
			unsigned char *found_uids = NULL;
			size_t count = 0;
			assert_int_equal(store_object_find_verified(
			                         token, &query, &found,
			                         &found_uids, NULL, &count),
			                 STORE_OK);
			assert_int_equal(count, 1);
			assert_int_equal(found[0], ids[i]);
			assert_memory_equal(found_uids, uids[i],
			                    STORE_UNIQUE_ID_BYTES);
			free(found);
			free(found_uids);
			store_attribute *loaded = NULL;
			bool is_private = false;
			assert_int_equal(store_object_load(token, ids[i],
			                                   &is_private, NULL,
			                                   &loaded, &count),
			                 STORE_OK);
			assert_int_equal(count, 1);
			assert_memory_equal(loaded[0].value, names[i],
			                    strlen(names[i]));
			assert_int_equal(is_private, i % 2 == 0);
			store_attributes_free(loaded, count);
			store_attribute attribute = plain_attribute(
			        TYPE_LABEL, names[i], strlen(names[i]));
			assert_int_equal(store_object_update(token, ids[i],
			                                     &attribute, 1,
			                                     &query),
			                 STORE_OK);
		}
		store_token_info info;
		assert_int_equal(store_token_get_info(token, &info), STORE_OK);
		assert_int_equal(info.object_count, OBJECTS);
		/* No enclave buffer is left behind by any call. */
		assert_int_equal(live_buffers(), baseline);
	}
	/* Logged out: the private subkeys are gone, and with them the
	 * private objects; logged in again they are back. */
	store_logout(token);
	assert_true(live_buffers() < baseline);
	store_object_id *found = NULL;
	size_t count = 0;
	assert_int_equal(store_object_find(token, NULL, &found, &count),
	                 STORE_OK);
	assert_int_equal(count, OBJECTS / 2);
	free(found);
	store_attribute *loaded = NULL;
	assert_int_equal(
	        store_object_load(token, ids[0], NULL, NULL, &loaded, &count),
	        STORE_ERR_NOT_LOGGED_IN);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	assert_int_equal(store_object_find(token, NULL, &found, &count),
	                 STORE_OK);
	assert_int_equal(count, OBJECTS);
	free(found);
	/* Deletes and creates go on working with the cached statements. */
	for (int i = 0; i < OBJECTS; i++)
		assert_int_equal(store_object_delete(token, ids[i]), STORE_OK);
	assert_int_equal(store_object_find(token, NULL, &found, &count),
	                 STORE_OK);
	assert_int_equal(count, 0);
	free(found);
	store_token_close(token);
	/* Closing frees every buffer the token held. */
	assert_int_equal(live_buffers(), 0);
}

static void test_bad_arguments(void **state)
{
	store_token *token = create_test_token(fixture_directory(state), 0);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id id;
	assert_int_equal(store_object_create(token, false, NULL, 2, NULL,
	                                     unique_id, &id),
	                 STORE_ERR_INVALID);
	/* A sensitive attribute must come sealed. */
	store_attribute unsealed = {.type = 1,
	                            .sensitive = true,
	                            .value = (unsigned char *)"abc",
	                            .length = 3};
	assert_int_equal(store_object_create(token, false, &unsealed, 1, NULL,
	                                     unique_id, &id),
	                 STORE_ERR_INVALID);
	store_attribute missing = {.type = 1, .length = 3};
	assert_int_equal(store_object_create(token, false, &missing, 1, NULL,
	                                     unique_id, &id),
	                 STORE_ERR_INVALID);
	store_attribute *loaded = NULL;
	size_t count = 0;
	assert_int_equal(
	        store_object_load(token, 0, NULL, NULL, &loaded, &count),
	        STORE_ERR_INVALID);
	assert_int_equal(store_object_delete(token, -1), STORE_ERR_INVALID);
	/* Nothing was stored by the refused calls. */
	store_object_id *ids = NULL;
	assert_int_equal(store_object_find(token, NULL, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, 0);
	free(ids);
	/* An object without attributes is fine. */
	assert_int_equal(store_object_create(token, false, NULL, 0, NULL,
	                                     unique_id, &id),
	                 STORE_OK);
	assert_int_equal(
	        store_object_load(token, id, NULL, NULL, &loaded, &count),
	        STORE_OK);
	assert_int_equal(count, 0);
	store_attributes_free(loaded, count);
	store_token_close(token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_round_trip, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_private_needs_login,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_update, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_delete_and_ids_never_reused, store_setup,
	                store_teardown),
	        cmocka_unit_test_setup_teardown(test_bad_arguments, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_statement_and_key_caches,
	                                        store_setup, store_teardown),
	};
	return cmocka_run_group_tests_name("store objects", tests, NULL, NULL);
}
