/* Batches (store_batch_begin/end): many writes in one transaction. A
 * commit stores exactly the batch's writes, a rollback none of them (and
 * their ids stay used up), a write that fails inside a batch undoes only
 * itself, other connections neither see nor can write anything until the
 * end, the PIN functions refuse meanwhile, and a process killed mid-batch
 * leaves the file with exactly its committed batches. */
#include "config.h"

#include "helpers.h"

#include "store/internal.h" /* STORE_FORMAT_VERSION */

#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static store_object_id create_public(store_token *token, const char *label)
{
	store_attribute attribute = plain_attribute(3, label, strlen(label));
	store_index index = {.has_label = true,
	                     .label = (const unsigned char *)label,
	                     .label_length = strlen(label)};
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id id = 0;
	assert_int_equal(store_object_create(token, false, &attribute, 1,
	                                     &index, unique_id, &id),
	                 STORE_OK);
	assert_true(id > 0);
	return id;
}

static store_status try_create_private(store_token *token)
{
	store_attribute attribute = plain_attribute(3, "private", 7);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	return store_object_create(token, true, &attribute, 1, NULL, unique_id,
	                           NULL);
}

static uint64_t object_count(store_token *token)
{
	store_token_info info;
	assert_int_equal(store_token_get_info(token, &info), STORE_OK);
	return info.object_count;
}

static bool exists(store_token *token, store_object_id id)
{
	store_attribute *attributes = NULL;
	size_t count = 0;
	store_status status =
	        store_object_load(token, id, NULL, NULL, &attributes, &count);
	store_attributes_free(attributes, count);
	assert_true(status == STORE_OK || status == STORE_ERR_NOT_FOUND);
	return status == STORE_OK;
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

static const char format_sql[] =
        "SELECT value FROM meta WHERE name = 'format_version'";
static const char count_sql[] = "SELECT count(*) FROM objects";

/* May another connection start a write right now? */
static int raw_begin_write(const char *path)
{
	sqlite3 *database = NULL;
	assert_int_equal(
	        sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE, NULL),
	        SQLITE_OK);
	sqlite3_busy_timeout(database, 50);
	int result =
	        sqlite3_exec(database, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	sqlite3_close(database);
	return result;
}

static store_token *reopen(store_token *token)
{
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	store_token *again = NULL;
	assert_int_equal(store_token_open(path, &again), STORE_OK);
	return again;
}

static void test_commit(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	char path[4096];
	token_path(token, path);
	store_token *other = NULL;
	assert_int_equal(store_token_open(path, &other), STORE_OK);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);

	assert_int_equal(store_batch_begin(token), STORE_OK);
	store_object_id ids[20];
	for (int i = 0; i < 20; i++) {
		char label[16];
		snprintf(label, sizeof label, "batch-%d", i);
		if (i % 2 == 0) {
			ids[i] = create_public(token, label);
		} else {
			store_attribute attribute =
			        plain_attribute(3, label, strlen(label));
			unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
			assert_int_equal(
			        store_object_create(token, true, &attribute, 1,
			                            NULL, unique_id, &ids[i]),
			        STORE_OK);
		}
	}
	/* This handle sees its batch; nobody else does, nor can write. */
	assert_int_equal(object_count(token), 20);
	assert_true(exists(token, ids[19]));
	assert_int_equal(object_count(other), 0);
	assert_int_equal(raw_integer(path, count_sql), 0);
	assert_int_equal(raw_begin_write(path), SQLITE_BUSY);

	assert_int_equal(store_batch_end(token, true), STORE_OK);
	assert_int_equal(raw_integer(path, count_sql), 20);
	assert_int_equal(object_count(other), 20);
	assert_int_equal(raw_begin_write(path), SQLITE_OK);
	/* Writes after the end are per-call commits again. */
	create_public(token, "after");
	assert_int_equal(raw_integer(path, count_sql), 21);

	store_token_close(other);
	token = reopen(token);
	assert_int_equal(object_count(token), 21);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	for (int i = 0; i < 20; i++)
		assert_true(exists(token, ids[i]));
	store_token_close(token);
}

static void test_rollback(void **state)
{
	store_token *token = create_test_token(fixture_directory(state), 0);
	char path[4096];
	token_path(token, path);
	store_object_id first = create_public(token, "one");
	store_object_id second = create_public(token, "two");
	/* A format 1 file: a write raises it (objects.c), a rollback must
	 * leave it at 1, in the file and in the handle's cached meta. */
	raw_sql(path, "UPDATE meta SET value = 1 WHERE name = "
	              "'format_version'");

	assert_int_equal(store_batch_begin(token), STORE_OK);
	store_object_id highest = 0;
	for (int i = 0; i < 5; i++)
		highest = create_public(token, "rolled back");
	assert_int_equal(store_object_delete(token, first), STORE_OK);
	assert_false(exists(token, first));
	assert_int_equal(object_count(token), 6);
	assert_int_equal(store_batch_end(token, false), STORE_OK);

	assert_int_equal(raw_integer(path, count_sql), 2);
	assert_int_equal(raw_integer(path, format_sql), 1);
	assert_int_equal(object_count(token), 2);
	assert_true(exists(token, first));
	assert_true(exists(token, second));
	/* The rolled back ids are never given out again. */
	store_object_id next = create_public(token, "next");
	assert_true(next > highest);
	/* ... and that write raised the format again: the cache was not
	 * left believing the batch's raise. */
	assert_int_equal(raw_integer(path, format_sql), STORE_FORMAT_VERSION);

	/* The same holds across a reopen (the floor is in the file). */
	assert_int_equal(store_batch_begin(token), STORE_OK);
	highest = create_public(token, "rolled back too");
	assert_int_equal(store_batch_end(token, false), STORE_OK);
	token = reopen(token);
	assert_true(create_public(token, "later") > highest);
	assert_int_equal(object_count(token), 4);
	store_token_close(token);
}

static void test_failing_write(void **state)
{
	store_token *token = create_test_token(fixture_directory(state), 0);
	char path[4096];
	token_path(token, path);
	store_object_id doomed = create_public(token, "doomed");
	store_object_id kept = create_public(token, "kept");
	raw_sql(path, "UPDATE meta SET value = 1 WHERE name = "
	              "'format_version'");

	assert_int_equal(store_batch_begin(token), STORE_OK);
	assert_int_equal(store_object_delete(token, doomed), STORE_OK);
	/* Fails after its first change (raising the format), when it
	 * seals the record without the master key. */
	assert_int_equal(try_create_private(token), STORE_ERR_NOT_LOGGED_IN);
	assert_int_equal(store_object_delete(token, 999), STORE_ERR_NOT_FOUND);
	assert_int_equal(store_batch_end(token, true), STORE_OK);
	/* The delete before the failures stays, the failing create's
	 * change is gone. */
	assert_int_equal(raw_integer(path, format_sql), 1);
	assert_int_equal(raw_integer(path, count_sql), 1);
	assert_false(exists(token, doomed));
	assert_true(exists(token, kept));

	/* Writes on both sides of a failure are all stored. */
	assert_int_equal(store_batch_begin(token), STORE_OK);
	store_object_id before = create_public(token, "before");
	assert_int_equal(try_create_private(token), STORE_ERR_NOT_LOGGED_IN);
	store_object_id after = create_public(token, "after");
	assert_int_equal(store_batch_end(token, true), STORE_OK);
	token = reopen(token);
	assert_int_equal(object_count(token), 3);
	assert_true(exists(token, kept));
	assert_true(exists(token, before));
	assert_true(exists(token, after));
	assert_int_equal(raw_integer(path, format_sql), STORE_FORMAT_VERSION);
	store_token_close(token);
}

static void test_states(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_batch_end(token, true), STORE_ERR_NO_BATCH);
	assert_int_equal(store_batch_end(token, false), STORE_ERR_NO_BATCH);
	assert_int_equal(store_batch_begin(NULL), STORE_ERR_INVALID);
	assert_int_equal(store_batch_end(NULL, true), STORE_ERR_INVALID);

	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_OK);
	assert_int_equal(store_batch_begin(token), STORE_OK);
	assert_int_equal(store_batch_begin(token), STORE_ERR_BATCH_OPEN);
	/* The PIN functions refuse, and count no failure. */
	assert_int_equal(store_login(token, STORE_USER, PIN("wrong")),
	                 STORE_ERR_BATCH_OPEN);
	assert_int_equal(store_set_pin(token, STORE_USER, PIN("wrong"),
	                               PIN("new-pin-1")),
	                 STORE_ERR_BATCH_OPEN);
	assert_int_equal(store_init_user_pin(token, PIN("new-pin-2")),
	                 STORE_ERR_BATCH_OPEN);
	char label[STORE_LABEL_BYTES];
	make_label(label, "again");
	assert_int_equal(
	        store_token_reinitialise(token, PIN(TEST_SO_PIN), label),
	        STORE_ERR_BATCH_OPEN);
	assert_true(store_logged_in(token));
	create_public(token, "in batch");
	assert_int_equal(store_batch_end(token, true), STORE_OK);
	assert_int_equal(store_batch_end(token, true), STORE_ERR_NO_BATCH);

	store_token_info info;
	assert_int_equal(store_token_get_info(token, &info), STORE_OK);
	assert_int_equal(info.user_failures, 0);
	assert_int_equal(info.object_count, 1);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);

	/* Closing with a batch open rolls it back. */
	assert_int_equal(store_batch_begin(token), STORE_OK);
	create_public(token, "lost");
	token = reopen(token);
	assert_int_equal(object_count(token), 1);
	store_token_close(token);
}

/* A child commits one batch, opens a second, writes into it and is
 * killed: the file opens and holds exactly the first batch. */
static void test_killed(void **state)
{
	store_token *token = create_test_token(fixture_directory(state), 0);
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		enc_shutdown();
		if (enc_init(NULL) != ENC_OK ||
		    store_token_open(path, &token) != STORE_OK ||
		    store_batch_begin(token) != STORE_OK)
			_exit(2);
		for (int i = 0; i < 10; i++)
			create_public(token, "committed");
		if (store_batch_end(token, true) != STORE_OK ||
		    store_batch_begin(token) != STORE_OK)
			_exit(3);
		for (int i = 0; i < 300; i++)
			create_public(token, "killed");
		kill(getpid(), SIGKILL);
		_exit(4);
	}
	int status = 0;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	assert_int_equal(object_count(token), 10);
	store_object_id *ids = NULL;
	size_t count = 0;
	store_index query = {.has_label = true,
	                     .label = (const unsigned char *)"committed",
	                     .label_length = 9};
	assert_int_equal(store_object_find(token, &query, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, 10);
	for (size_t i = 0; i < count; i++)
		assert_true(exists(token, ids[i]));
	free(ids);
	create_public(token, "afterwards");
	assert_int_equal(object_count(token), 11);
	store_token_close(token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_commit, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_rollback, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_failing_write, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_states, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_killed, store_setup,
	                                        store_teardown),
	};
	return cmocka_run_group_tests_name("store batches", tests, NULL, NULL);
}
