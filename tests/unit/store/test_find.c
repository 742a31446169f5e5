/* Find through the blind index: 2,000 objects (a third private, some
 * without a label) and every combination of class, id and label in a
 * query, logged out and logged in, must give exactly the expected ids in
 * ascending order, with and without the row MAC check (which also gives
 * each object's unique id and privacy). Also: the tags are keyed (the same
 * value gives different tags in two tokens) and an index survives reopening. */
#include "config.h"

#include "helpers.h"

#include <sqlite3.h>
#include <string.h>

#define OBJECTS 2000
#define CLASSES 4
#define IDS 50
#define LABELS 7

typedef struct object_model {
	store_object_id id;
	bool is_private;
	uint64_t object_class;
	char id_value[16];
	bool has_label;
	char label[16];
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES];
} object_model;

static object_model *models;

static void create_objects(store_token *token)
{
	models = calloc(OBJECTS, sizeof(*models));
	assert_non_null(models);
	for (int i = 0; i < OBJECTS; i++) {
		object_model *model = &models[i];
		model->is_private = i % 3 == 0;
		model->object_class = (uint64_t)(i % CLASSES);
		snprintf(model->id_value, sizeof model->id_value, "id-%d",
		         i % IDS);
		model->has_label = i % 11 != 0;
		snprintf(model->label, sizeof model->label, "label-%d",
		         i % LABELS);
		store_attribute attribute =
		        plain_attribute(3, model->label, strlen(model->label));
		store_index index = {
		        .has_class = true,
		        .object_class = model->object_class,
		        .has_id = true,
		        .id = (const unsigned char *)model->id_value,
		        .id_length = strlen(model->id_value),
		        .has_label = model->has_label,
		        .label = (const unsigned char *)model->label,
		        .label_length = strlen(model->label),
		};
		assert_int_equal(store_object_create(token, model->is_private,
		                                     &attribute, 1, &index,
		                                     model->unique_id,
		                                     &model->id),
		                 STORE_OK);
	}
}

static bool matches(const object_model *model, const store_index *query,
                    bool logged_in)
{
	if (model->is_private && !logged_in)
		return false;
	if (query->has_class && query->object_class != model->object_class)
		return false;
	if (query->has_id &&
	    (query->id_length != strlen(model->id_value) ||
	     memcmp(query->id, model->id_value, query->id_length) != 0))
		return false;
	if (query->has_label &&
	    (!model->has_label || query->label_length != strlen(model->label) ||
	     memcmp(query->label, model->label, query->label_length) != 0))
		return false;
	return true;
}

/* Runs query and compares with the model. Returns the number found. */
static size_t check_query(store_token *token, const store_index *query,
                          bool logged_in)
{
	store_object_id *ids = NULL;
	size_t count = 0;
	assert_int_equal(store_object_find(token, query, &ids, &count),
	                 STORE_OK);
	size_t at = 0;
	for (int i = 0; i < OBJECTS; i++) {
		if (!matches(&models[i], query, logged_in))
			continue;
		assert_true(at < count);
		assert_int_equal(ids[at], models[i].id);
		at++;
	}
	assert_int_equal(at, count);
	/* The authenticated find gives the same ids, and their unique ids
	 * and privacy. */
	store_object_id *verified = NULL;
	unsigned char *unique_ids = NULL;
	bool *privacy = NULL;
	size_t verified_count = 0;
	assert_int_equal(store_object_find_verified(token, query, &verified,
	                                            &unique_ids, &privacy,
	                                            &verified_count),
	                 STORE_OK);
	assert_int_equal(verified_count, count);
	if (count == 0) {
		assert_null(verified);
		assert_null(unique_ids);
		assert_null(privacy);
	}
	at = 0;
	for (int i = 0; i < OBJECTS && at < count; i++) {
		if (models[i].id != ids[at])
			continue;
		assert_int_equal(verified[at], ids[at]);
		assert_memory_equal(unique_ids + at * STORE_UNIQUE_ID_BYTES,
		                    models[i].unique_id, STORE_UNIQUE_ID_BYTES);
		assert_int_equal(privacy[at], models[i].is_private);
		at++;
	}
	assert_int_equal(at, count);
	free(verified);
	free(unique_ids);
	free(privacy);
	free(ids);
	return count;
}

/* The verified find without the optional outputs: the same ids. */
static void check_optional_outputs(store_token *token, const store_index *query,
                                   bool logged_in, size_t expected)
{
	store_object_id *ids = NULL;
	bool *privacy = NULL;
	size_t count = 0;
	assert_int_equal(store_object_find_verified(token, query, &ids, NULL,
	                                            &privacy, &count),
	                 STORE_OK);
	assert_int_equal(count, expected);
	store_object_id *again = NULL;
	unsigned char *unique_ids = NULL;
	size_t again_count = 0;
	assert_int_equal(store_object_find_verified(token, query, &again,
	                                            &unique_ids, NULL,
	                                            &again_count),
	                 STORE_OK);
	assert_int_equal(again_count, expected);
	if (expected > 0)
		assert_memory_equal(ids, again, expected * sizeof(*ids));
	size_t private_count = 0;
	for (size_t i = 0; i < count; i++)
		private_count += privacy[i];
	size_t private_models = 0;
	for (int i = 0; i < OBJECTS; i++)
		private_models += models[i].is_private &&
		                  matches(&models[i], query, true);
	/* Private rows are there, flagged, exactly when logged in. */
	assert_int_equal(private_count, logged_in ? private_models : 0);
	free(ids);
	free(privacy);
	free(again);
	free(unique_ids);
}

/* Every combination of present fields, over a few values each. */
static void check_all_queries(store_token *token, bool logged_in)
{
	static const char *id_values[] = {"id-0", "id-7", "id-49", "id-50", ""};
	static const char *labels[] = {"label-0", "label-3", "label-9"};
	size_t total = 0;
	for (int mask = 0; mask < 8; mask++) {
		for (uint64_t object_class = 0; object_class <= CLASSES;
		     object_class += 2) {
			for (size_t i = 0; i < 5; i++) {
				for (size_t j = 0; j < 3; j++) {
					store_index query = {
					        .has_class = mask & 1,
					        .object_class = object_class,
					        .has_id = (mask & 2) != 0,
					        .id = (const unsigned char *)
					                id_values[i],
					        .id_length =
					                strlen(id_values[i]),
					        .has_label = (mask & 4) != 0,
					        .label = (const unsigned char *)
					                labels[j],
					        .label_length =
					                strlen(labels[j]),
					};
					total += check_query(token, &query,
					                     logged_in);
				}
			}
		}
	}
	/* The queries found something (the check is not vacuous). */
	assert_true(total > OBJECTS);
	/* NULL query: everything visible. */
	store_index none = {0};
	size_t all = check_query(token, &none, logged_in);
	assert_int_equal(all,
	                 logged_in ? OBJECTS : OBJECTS - (OBJECTS + 2) / 3);
	check_optional_outputs(token, &none, logged_in, all);
	store_index by_class = {.has_class = true, .object_class = 1};
	check_optional_outputs(token, &by_class, logged_in,
	                       check_query(token, &by_class, logged_in));
	store_object_id *ids = NULL;
	size_t count = 0;
	assert_int_equal(store_object_find(token, NULL, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, all);
	free(ids);
}

static void test_find_combinations(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	double start = now_seconds();
	create_objects(token);
	print_message("created %d objects in %.2f s\n", OBJECTS,
	              now_seconds() - start);
	check_all_queries(token, true);
	store_logout(token);
	check_all_queries(token, false);

	/* After reopening, the same answers. */
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	check_all_queries(token, false);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	check_all_queries(token, true);
	store_token_close(token);
	free(models);
	models = NULL;
}

/* The privacy the verified find gives is the row's, whoever holds the
 * master key: the SO's login sees private rows flagged as such (the
 * module hides them from the SO by that flag). Bad arguments are refused
 * with every output cleared. */
static void test_verified_privacy(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	store_object_id created[4];
	for (int i = 0; i < 4; i++) {
		store_index index = {.has_class = true, .object_class = 3};
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
		assert_int_equal(store_object_create(token, i % 2 == 1, NULL, 0,
		                                     &index, unique_id,
		                                     &created[i]),
		                 STORE_OK);
	}
	store_index query = {.has_class = true, .object_class = 3};
	for (int pass = 0; pass < 3; pass++) {
		/* 0: the user, 1: logged out, 2: the SO. */
		store_object_id *ids = NULL;
		bool *privacy = NULL;
		size_t count = 0;
		assert_int_equal(store_object_find_verified(token, &query, &ids,
		                                            NULL, &privacy,
		                                            &count),
		                 STORE_OK);
		assert_int_equal(count, pass == 1 ? 2 : 4);
		for (size_t i = 0; i < count; i++) {
			size_t at = pass == 1 ? 2 * i : i;
			assert_int_equal(ids[i], created[at]);
			assert_int_equal(privacy[i], at % 2 == 1);
		}
		free(ids);
		free(privacy);
		store_logout(token);
		if (pass == 1)
			assert_int_equal(
			        store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
			        STORE_OK);
	}

	store_object_id *ids = (store_object_id *)&query;
	unsigned char *unique_ids = (unsigned char *)&query;
	bool *privacy = (bool *)&query;
	size_t count = 99;
	assert_int_equal(store_object_find_verified(NULL, &query, &ids,
	                                            &unique_ids, &privacy,
	                                            &count),
	                 STORE_ERR_INVALID);
	assert_null(ids);
	assert_null(unique_ids);
	assert_null(privacy);
	assert_int_equal(count, 0);
	privacy = (bool *)&query;
	assert_int_equal(store_object_find_verified(token, &query, NULL, NULL,
	                                            &privacy, &count),
	                 STORE_ERR_INVALID);
	assert_null(privacy);
	assert_int_equal(store_object_find_verified(token, &query, &ids, NULL,
	                                            &privacy, NULL),
	                 STORE_ERR_INVALID);
	assert_null(ids);
	store_index bad = {.has_id = true, .id = NULL, .id_length = 3};
	count = 99;
	assert_int_equal(store_object_find_verified(token, &bad, &ids, NULL,
	                                            &privacy, &count),
	                 STORE_ERR_INVALID);
	assert_int_equal(count, 0);
	store_token_close(token);
}

static void read_tag(const char *path, unsigned char tag[16])
{
	sqlite3 *database = NULL;
	assert_int_equal(
	        sqlite3_open_v2(path, &database, SQLITE_OPEN_READONLY, NULL),
	        SQLITE_OK);
	sqlite3_stmt *statement = NULL;
	assert_int_equal(sqlite3_prepare_v2(database,
	                                    "SELECT label_tag FROM objects", -1,
	                                    &statement, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(statement, 0), 16);
	memcpy(tag, sqlite3_column_blob(statement, 0), 16);
	sqlite3_finalize(statement);
	sqlite3_close(database);
}

/* The tags are keyed per token: an equal label gives unrelated tags. */
static void test_tags_are_keyed(void **state)
{
	unsigned char tags[2][16];
	for (int i = 0; i < 2; i++) {
		store_token *token =
		        create_test_token(fixture_directory(state), 0);
		store_index index = {.has_label = true,
		                     .label = (const unsigned char *)"same",
		                     .label_length = 4};
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
		assert_int_equal(store_object_create(token, false, NULL, 0,
		                                     &index, unique_id, NULL),
		                 STORE_OK);
		char path[4096];
		token_path(token, path);
		store_token_close(token);
		read_tag(path, tags[i]);
		assert_false(bytes_contain(tags[i], 16, "same", 4));
	}
	assert_memory_not_equal(tags[0], tags[1], 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_find_combinations,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_verified_privacy,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_tags_are_keyed,
	                                        store_setup, store_teardown),
	};
	return cmocka_run_group_tests_name("store find", tests, NULL, NULL);
}
