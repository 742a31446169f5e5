/* Token files: create, open, close, list, delete, the public information
 * (label, serial, counters, path), file and directory modes, argument
 * checks, and the Argon2id limits (INTERACTIVE works; weaker is refused
 * without the testing switch). */
#include "config.h"

#include "helpers.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_create_and_info(void **state)
{
	store_token *token = create_test_token(fixture_directory(state), 5);
	store_token_info info;
	assert_int_equal(store_token_get_info(token, &info), STORE_OK);
	char label[STORE_LABEL_BYTES];
	make_label(label, "test token");
	assert_memory_equal(info.label, label, STORE_LABEL_BYTES);
	for (size_t i = 0; i < STORE_SERIAL_BYTES; i++)
		assert_non_null(strchr("0123456789abcdef", info.serial[i]));
	assert_false(info.user_pin_initialised);
	assert_int_equal(info.max_pin_tries, 5);
	assert_int_equal(info.user_failures, 0);
	assert_int_equal(info.so_failures, 0);
	assert_int_equal(info.object_count, 0);
	/* The file is <directory>/token-<serial>.sqlite, mode 0600. */
	char expected[4096];
	snprintf(expected, sizeof expected, "%s/token-%.16s.sqlite",
	         fixture_directory(state), info.serial);
	assert_string_equal(info.path, expected);
	struct stat file;
	assert_int_equal(stat(info.path, &file), 0);
	assert_int_equal(file.st_mode & 0777, 0600);
	assert_false(store_logged_in(token));
	store_token_close(token);
}

static void test_open_round_trip(void **state)
{
	char label[STORE_LABEL_BYTES];
	make_label(label, "round trip label \xc3\xa9");
	store_token_options options = {
	        .max_pin_tries = 7, .kdf_opslimit = 1, .kdf_memlimit = 8192};
	store_token *token = NULL;
	assert_int_equal(store_token_create(fixture_directory(state), label,
	                                    PIN(TEST_SO_PIN), &options, &token),
	                 STORE_OK);
	store_token_info before, after;
	assert_int_equal(store_token_get_info(token, &before), STORE_OK);
	store_token_close(token);

	assert_int_equal(store_token_open(before.path, &token), STORE_OK);
	assert_int_equal(store_token_get_info(token, &after), STORE_OK);
	assert_memory_equal(after.label, label, STORE_LABEL_BYTES);
	assert_memory_equal(after.serial, before.serial, STORE_SERIAL_BYTES);
	assert_int_equal(after.max_pin_tries, 7);
	assert_string_equal(after.path, before.path);
	/* The SO PIN still works after reopening. */
	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_OK);
	store_token_close(token);
}

static void test_list_sorted_and_filtered(void **state)
{
	const char *directory = fixture_directory(state);
	store_token *tokens[3];
	for (int i = 0; i < 3; i++)
		tokens[i] = create_test_token(directory, 0);
	/* Files that are not token files are ignored. */
	char stray[4096];
	snprintf(stray, sizeof stray, "%s/notes.txt", directory);
	FILE *file = fopen(stray, "w");
	assert_non_null(file);
	fclose(file);
	snprintf(stray, sizeof stray, "%s/token-XYZ.sqlite", directory);
	file = fopen(stray, "w");
	assert_non_null(file);
	fclose(file);

	char **paths = NULL;
	size_t count = 0;
	assert_int_equal(store_list_token_files(directory, &paths, &count),
	                 STORE_OK);
	assert_int_equal(count, 3);
	for (size_t i = 0; i + 1 < count; i++)
		assert_true(strcmp(paths[i], paths[i + 1]) < 0);
	for (int i = 0; i < 3; i++) {
		char path[4096];
		token_path(tokens[i], path);
		bool found = false;
		for (size_t j = 0; j < count; j++)
			found = found || strcmp(paths[j], path) == 0;
		assert_true(found);
		store_token_close(tokens[i]);
	}
	store_free_paths(paths, count);
}

static void test_list_creates_directory(void **state)
{
	char directory[4096];
	snprintf(directory, sizeof directory, "%s/a/b/tokens",
	         fixture_directory(state));
	char **paths = NULL;
	size_t count = 99;
	assert_int_equal(store_list_token_files(directory, &paths, &count),
	                 STORE_OK);
	assert_int_equal(count, 0);
	store_free_paths(paths, count);
	struct stat info;
	assert_int_equal(stat(directory, &info), 0);
	assert_true(S_ISDIR(info.st_mode));
	assert_int_equal(info.st_mode & 0777, 0700);
	/* create also makes a missing directory. */
	char deeper[4096 + 16];
	snprintf(deeper, sizeof deeper, "%s/more", directory);
	store_token *token = create_test_token(deeper, 0);
	store_token_close(token);
	assert_int_equal(store_list_token_files(deeper, &paths, &count),
	                 STORE_OK);
	assert_int_equal(count, 1);
	store_free_paths(paths, count);
}

static void test_delete(void **state)
{
	const char *directory = fixture_directory(state);
	store_token *token = create_test_token(directory, 0);
	store_attribute attribute = plain_attribute(3, "value", 5);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id id;
	assert_int_equal(store_object_create(token, false, &attribute, 1, NULL,
	                                     unique_id, &id),
	                 STORE_OK);
	char path[4096], side[4096 + 8];
	token_path(token, path);
	snprintf(side, sizeof side, "%s-wal", path);
	assert_int_equal(access(side, F_OK), 0);
	assert_int_equal(store_token_delete(token), STORE_OK);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_not_equal(access(side, F_OK), 0);
	snprintf(side, sizeof side, "%s-shm", path);
	assert_int_not_equal(access(side, F_OK), 0);
	char **paths = NULL;
	size_t count = 1;
	assert_int_equal(store_list_token_files(directory, &paths, &count),
	                 STORE_OK);
	assert_int_equal(count, 0);
	store_free_paths(paths, count);
	/* Opening a deleted token fails cleanly. */
	assert_int_equal(store_token_open(path, &token), STORE_ERR_IO);
	assert_null(token);
}

static void test_invalid_arguments(void **state)
{
	const char *directory = fixture_directory(state);
	char label[STORE_LABEL_BYTES];
	make_label(label, "x");
	store_token *token = NULL;
	assert_int_equal(
	        store_token_create(NULL, label, PIN(TEST_SO_PIN), NULL, &token),
	        STORE_ERR_INVALID);
	assert_int_equal(store_token_create(directory, NULL, PIN(TEST_SO_PIN),
	                                    NULL, &token),
	                 STORE_ERR_INVALID);
	assert_int_equal(
	        store_token_create(directory, label, NULL, 3, NULL, &token),
	        STORE_ERR_INVALID);
	assert_int_equal(store_token_open(NULL, &token), STORE_ERR_INVALID);
	assert_int_equal(store_token_get_info(NULL, NULL), STORE_ERR_INVALID);
	assert_int_equal(store_list_token_files(directory, NULL, NULL),
	                 STORE_ERR_INVALID);
	/* Limits below libsodium's minimum are refused even for tests. */
	store_token_options options = {.kdf_opslimit = 1, .kdf_memlimit = 4096};
	assert_int_equal(store_token_create(directory, label, PIN(TEST_SO_PIN),
	                                    &options, &token),
	                 STORE_ERR_INVALID);
	assert_null(token);
	/* Nothing was left behind by the refused calls. */
	char **paths = NULL;
	size_t count = 1;
	assert_int_equal(store_list_token_files(directory, &paths, &count),
	                 STORE_OK);
	assert_int_equal(count, 0);
	store_free_paths(paths, count);
	assert_string_equal(store_strerror(STORE_ERR_PIN_LOCKED), "PIN locked");
}

/* The one test with real (INTERACTIVE) Argon2id limits. */
static void test_interactive_kdf(void **state)
{
	const char *directory = fixture_directory(state);
	store_testing_allow_weak_kdf(false);
	char label[STORE_LABEL_BYTES];
	make_label(label, "interactive");
	store_token *token = NULL;
	store_token_options weak_ops = {.kdf_opslimit = 1};
	assert_int_equal(store_token_create(directory, label, PIN(TEST_SO_PIN),
	                                    &weak_ops, &token),
	                 STORE_ERR_INVALID);
	store_token_options weak_memory = {.kdf_memlimit = 8192};
	assert_int_equal(store_token_create(directory, label, PIN(TEST_SO_PIN),
	                                    &weak_memory, &token),
	                 STORE_ERR_INVALID);
	assert_null(token);

	/* Defaults: INTERACTIVE limits, 10 tries. */
	assert_int_equal(store_token_create(directory, label, PIN(TEST_SO_PIN),
	                                    NULL, &token),
	                 STORE_OK);
	double start = now_seconds();
	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_OK);
	double elapsed = now_seconds() - start;
	print_message("login with INTERACTIVE limits: %.1f ms\n",
	              elapsed * 1000);
	assert_true(store_logged_in(token));
	store_token_info info;
	assert_int_equal(store_token_get_info(token, &info), STORE_OK);
	assert_int_equal(info.max_pin_tries, 10);
	store_token_close(token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_create_and_info,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_open_round_trip,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_list_sorted_and_filtered,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_list_creates_directory,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_delete, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_invalid_arguments,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_interactive_kdf,
	                                        store_setup, store_teardown),
	};
	return cmocka_run_group_tests_name("store token files", tests, NULL,
	                                   NULL);
}
