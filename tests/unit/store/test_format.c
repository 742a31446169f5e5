/* Token files of formats 1 and 2 (version 1 and 2 records) after the move
 * to format 3: they open, their records load (as complete lists), the
 * first object written raises the file to format 3 (so older builds
 * refuse it rather than misread it), an update rewrites a record as
 * version 3, and formats outside 1..3 are refused. The old records are
 * built from their documented layouts under the public record key,
 * derived here from the file's public secret the way src/store/keys.c
 * documents it. Records written relative to defaults load only through
 * store_object_load_ex. */
#include "config.h"

#include "helpers.h"
#include "record_vectors.h"

#include <sodium.h>
#include <sqlite3.h>
#include <string.h>

/* One blob or integer cell of the file, through a raw connection. */
static void raw_blob(const char *path, const char *sql, unsigned char *out,
                     size_t length)
{
	sqlite3 *database = NULL;
	sqlite3_stmt *statement = NULL;
	assert_int_equal(
	        sqlite3_open_v2(path, &database, SQLITE_OPEN_READONLY, NULL),
	        SQLITE_OK);
	assert_int_equal(
	        sqlite3_prepare_v2(database, sql, -1, &statement, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(statement, 0), (int)length);
	memcpy(out, sqlite3_column_blob(statement, 0), length);
	sqlite3_finalize(statement);
	sqlite3_close(database);
}

static int64_t raw_integer(const char *path, const char *sql)
{
	sqlite3 *database = NULL;
	sqlite3_stmt *statement = NULL;
	assert_int_equal(
	        sqlite3_open_v2(path, &database, SQLITE_OPEN_READONLY, NULL),
	        SQLITE_OK);
	assert_int_equal(
	        sqlite3_prepare_v2(database, sql, -1, &statement, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
	int64_t value = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	sqlite3_close(database);
	return value;
}

static void raw_set_record(const char *path, store_object_id id,
                           const unsigned char *record, size_t length)
{
	sqlite3 *database = NULL;
	sqlite3_stmt *statement = NULL;
	assert_int_equal(
	        sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE, NULL),
	        SQLITE_OK);
	sqlite3_busy_timeout(database, 10000);
	assert_int_equal(sqlite3_prepare_v2(database,
	                                    "UPDATE objects SET record = ?"
	                                    " WHERE id = ?",
	                                    -1, &statement, NULL),
	                 SQLITE_OK);
	sqlite3_bind_blob(statement, 1, record, (int)length, SQLITE_STATIC);
	sqlite3_bind_int64(statement, 2, id);
	assert_int_equal(sqlite3_step(statement), SQLITE_DONE);
	sqlite3_finalize(statement);
	sqlite3_close(database);
}

static const unsigned char secret[16] = "format-1 secret";

/* A format 1 or 2 file: one public object whose record is version 1 or 2
 * (format). */
static store_object_id make_old_file(const char *path, store_token *token,
                                     int format)
{
	store_attribute placeholder = plain_attribute(0x3, "new", 3);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id id = 0;
	assert_int_equal(store_object_create(token, false, &placeholder, 1,
	                                     NULL, unique_id, &id),
	                 STORE_OK);
	store_token_close(token);

	unsigned char token_uid[16], public_secret[32], key[32];
	raw_blob(path, "SELECT value FROM meta WHERE name = 'token_uid'",
	         token_uid, sizeof token_uid);
	raw_blob(path, "SELECT value FROM meta WHERE name = 'public_secret'",
	         public_secret, sizeof public_secret);
	assert_int_equal(crypto_kdf_derive_from_key(key, sizeof key, 1,
	                                            "ghPubRec", public_secret),
	                 0);
	const vector_attribute attributes[2] = {
	        {.type = 0x3, .value = "written by format 1", .length = 19},
	        {.type = 0x11,
	         .sensitive = true,
	         .value = secret,
	         .length = sizeof secret},
	};
	size_t length = 0;
	unsigned char *record =
	        format == 1 ? vector_v1_record(key, token_uid, unique_id, false,
	                                       attributes, 2, &length)
	                    : vector_v2_record(key, token_uid, unique_id, false,
	                                       attributes, 2, &length);
	assert_non_null(record);
	raw_set_record(path, id, record, length);
	free(record);
	sodium_memzero(key, sizeof key);
	char sql[128];
	snprintf(sql, sizeof sql,
	         "UPDATE meta SET value = %d WHERE name = 'format_version'",
	         format);
	raw_sql(path, sql);
	return id;
}

static void check_old_object(store_token *token, store_object_id id)
{
	store_attribute *attributes = NULL;
	size_t count = 0;
	uint32_t defaults = 1;
	assert_int_equal(store_object_load_ex(token, id, NULL, NULL, &defaults,
	                                      &attributes, &count),
	                 STORE_OK);
	assert_int_equal(defaults, 0);
	assert_int_equal(count, 2);
	assert_int_equal(attributes[0].type, 0x3);
	assert_int_equal(attributes[0].length, 19);
	assert_memory_equal(attributes[0].value, "written by format 1", 19);
	assert_true(attributes[1].sensitive);
	enc_buffer *opened = NULL;
	assert_int_equal(enc_open(attributes[1].sealed, NULL, 0, 0, &opened),
	                 ENC_OK);
	assert_memory_equal(enc_data(opened), secret, sizeof secret);
	enc_free(opened);
	store_attributes_free(attributes, count);
	/* Complete, so the plain load reads it too. */
	assert_int_equal(
	        store_object_load(token, id, NULL, NULL, &attributes, &count),
	        STORE_OK);
	assert_int_equal(count, 2);
	store_attributes_free(attributes, count);
}

static const char version_sql[] =
        "SELECT value FROM meta WHERE name = 'format_version'";

static void check_old_file(void **state, int format)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	char path[4096];
	token_path(token, path);
	assert_int_equal(raw_integer(path, version_sql), 3);
	store_object_id old_id = make_old_file(path, token, format);

	/* Opened, read and logged into, it keeps its format. */
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	check_old_object(token, old_id);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	check_old_object(token, old_id);
	assert_int_equal(raw_integer(path, version_sql), format);

	/* The first record written makes it format 3, in the same
	 * transaction. */
	store_attribute attribute = plain_attribute(0x3, "format 3", 8);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id new_id = 0;
	assert_int_equal(store_object_create(token, true, &attribute, 1, NULL,
	                                     unique_id, &new_id),
	                 STORE_OK);
	assert_int_equal(raw_integer(path, version_sql), 3);
	check_old_object(token, old_id);
	char sql[128];
	snprintf(sql, sizeof sql,
	         "SELECT hex(substr(record, 1, 1)) FROM objects"
	         " WHERE id = %lld",
	         (long long)old_id);
	unsigned char version[2];
	raw_blob(path, sql, version, 2);
	assert_memory_equal(version, format == 1 ? "01" : "02", 2);

	/* An update rewrites the old record as version 3. */
	assert_int_equal(
	        store_object_update(token, old_id, &attribute, 1, NULL),
	        STORE_OK);
	raw_blob(path, sql, version, 2);
	assert_memory_equal(version, "03", 2);
	store_token_close(token);
}

static void test_format_1_file(void **state)
{
	check_old_file(state, 1);
}

static void test_format_2_file(void **state)
{
	check_old_file(state, 2);
}

/* A record written relative to defaults gives them back through
 * store_object_load_ex only; the plain load refuses it rather than give
 * an incomplete list. An empty list cannot be relative to defaults. */
static void test_defaults(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	store_attribute attribute = plain_attribute(0x3, "compact", 7);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id id = 0;
	assert_int_equal(store_object_create_ex(token, false, 42, &attribute, 1,
	                                        NULL, unique_id, &id),
	                 STORE_OK);
	store_attribute *attributes = NULL;
	size_t count = 0;
	uint32_t defaults = 0;
	assert_int_equal(store_object_load_ex(token, id, NULL, NULL, &defaults,
	                                      &attributes, &count),
	                 STORE_OK);
	assert_int_equal(defaults, 42);
	assert_int_equal(count, 1);
	store_attributes_free(attributes, count);
	assert_int_equal(
	        store_object_load(token, id, NULL, NULL, &attributes, &count),
	        STORE_ERR_VERSION);
	assert_null(attributes);
	assert_int_equal(count, 0);
	/* Rewritten as a complete list, the plain load reads it again. */
	assert_int_equal(store_object_update(token, id, &attribute, 1, NULL),
	                 STORE_OK);
	assert_int_equal(
	        store_object_load(token, id, NULL, NULL, &attributes, &count),
	        STORE_OK);
	store_attributes_free(attributes, count);
	assert_int_equal(
	        store_object_update_ex(token, id, 9, &attribute, 1, NULL),
	        STORE_OK);
	assert_int_equal(store_object_load_ex(token, id, NULL, NULL, &defaults,
	                                      &attributes, &count),
	                 STORE_OK);
	assert_int_equal(defaults, 9);
	store_attributes_free(attributes, count);
	assert_int_equal(store_object_update_ex(token, id, 9, NULL, 0, NULL),
	                 STORE_ERR_INVALID);
	memset(unique_id, 0, sizeof unique_id);
	assert_int_equal(store_object_create_ex(token, false, 1, NULL, 0, NULL,
	                                        unique_id, &id),
	                 STORE_ERR_INVALID);
	store_token_close(token);
}

/* An update (not only a create) raises the format too; formats outside
 * 1..3 are refused at open. */
static void test_update_raises_and_bounds(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	char path[4096];
	token_path(token, path);
	store_object_id old_id = make_old_file(path, token, 1);
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	store_attribute attribute = plain_attribute(0x3, "updated", 7);
	assert_int_equal(
	        store_object_update(token, old_id, &attribute, 1, NULL),
	        STORE_OK);
	assert_int_equal(raw_integer(path, version_sql), 3);
	store_token_close(token);

	static const char *const refused[] = {"0", "-1", "4"};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		char sql[128];
		snprintf(sql, sizeof sql,
		         "UPDATE meta SET value = %s WHERE name = "
		         "'format_version'",
		         refused[i]);
		raw_sql(path, sql);
		token = NULL;
		assert_int_equal(store_token_open(path, &token),
		                 STORE_ERR_VERSION);
		assert_null(token);
	}
	for (int format = 1; format <= 3; format++) {
		char sql[128];
		snprintf(sql, sizeof sql,
		         "UPDATE meta SET value = %d WHERE name = "
		         "'format_version'",
		         format);
		raw_sql(path, sql);
		assert_int_equal(store_token_open(path, &token), STORE_OK);
		store_token_close(token);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_format_1_file, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_format_2_file, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_defaults, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_update_raises_and_bounds,
	                                        store_setup, store_teardown),
	};
	return cmocka_run_group_tests_name("store file formats", tests, NULL,
	                                   NULL);
}
