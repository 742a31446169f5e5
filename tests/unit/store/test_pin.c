/* PINs and login: SO login, C_InitPIN, user login; failure counting and
 * locking (durable, counted before the KDF runs, no KDF once locked);
 * reset by C_InitPIN; C_SetPIN for user and SO; re-initialisation. */
#include "config.h"

#include "helpers.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static store_token_info get_info(store_token *token)
{
	store_token_info info;
	assert_int_equal(store_token_get_info(token, &info), STORE_OK);
	return info;
}

static void test_so_then_user(void **state)
{
	store_token *token = create_test_token(fixture_directory(state), 0);
	/* No user PIN yet; C_InitPIN needs a login. */
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_ERR_PIN_NOT_SET);
	assert_int_equal(store_init_user_pin(token, PIN(TEST_USER_PIN)),
	                 STORE_ERR_NOT_LOGGED_IN);
	assert_false(get_info(token).user_pin_initialised);

	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_OK);
	assert_true(store_logged_in(token));
	assert_int_equal(store_init_user_pin(token, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	assert_true(get_info(token).user_pin_initialised);
	store_logout(token);
	assert_false(store_logged_in(token));

	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	assert_true(store_logged_in(token));
	/* The user's PIN is not the SO's and vice versa. */
	store_logout(token);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_SO_PIN)),
	                 STORE_ERR_PIN_INCORRECT);
	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_USER_PIN)),
	                 STORE_ERR_PIN_INCORRECT);
	assert_false(store_logged_in(token));
	store_token_close(token);
}

static void test_wrong_pin_counts_and_locks(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 3);
	for (uint32_t i = 1; i <= 3; i++) {
		assert_int_equal(store_login(token, STORE_USER, PIN("wrong")),
		                 STORE_ERR_PIN_INCORRECT);
		assert_int_equal(get_info(token).user_failures, i);
	}
	/* Locked: even the right PIN is refused, and the counter stops. */
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_ERR_PIN_LOCKED);
	assert_int_equal(store_set_pin(token, STORE_USER, PIN(TEST_USER_PIN),
	                               PIN("new-pin")),
	                 STORE_ERR_PIN_LOCKED);
	assert_int_equal(get_info(token).user_failures, 3);
	assert_false(store_logged_in(token));
	/* The SO is unaffected. */
	assert_int_equal(get_info(token).so_failures, 0);

	/* The lock survives closing and reopening. */
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	assert_int_equal(get_info(token).user_failures, 3);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_ERR_PIN_LOCKED);

	/* C_InitPIN by the SO unlocks. */
	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_OK);
	assert_int_equal(store_init_user_pin(token, PIN("fresh-user-pin")),
	                 STORE_OK);
	store_logout(token);
	assert_int_equal(get_info(token).user_failures, 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_ERR_PIN_INCORRECT);
	assert_int_equal(store_login(token, STORE_USER, PIN("fresh-user-pin")),
	                 STORE_OK);
	assert_int_equal(get_info(token).user_failures, 0);
	store_token_close(token);
}

static void test_counter_survives_reopen_and_resets(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_SO, PIN("nope")),
	                 STORE_ERR_PIN_INCORRECT);
	assert_int_equal(store_login(token, STORE_USER, PIN("nope")),
	                 STORE_ERR_PIN_INCORRECT);
	assert_int_equal(store_login(token, STORE_USER, PIN("nope")),
	                 STORE_ERR_PIN_INCORRECT);
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	store_token_info info = get_info(token);
	assert_int_equal(info.so_failures, 1);
	assert_int_equal(info.user_failures, 2);
	assert_int_equal(info.max_pin_tries, 10);
	/* A success resets only its own counter. */
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	info = get_info(token);
	assert_int_equal(info.user_failures, 0);
	assert_int_equal(info.so_failures, 1);
	store_token_close(token);
}

static void test_so_locks(void **state)
{
	store_token *token = create_test_token(fixture_directory(state), 2);
	assert_int_equal(store_login(token, STORE_SO, PIN("a")),
	                 STORE_ERR_PIN_INCORRECT);
	assert_int_equal(store_login(token, STORE_SO, PIN("b")),
	                 STORE_ERR_PIN_INCORRECT);
	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_ERR_PIN_LOCKED);
	char label[STORE_LABEL_BYTES];
	make_label(label, "again");
	assert_int_equal(
	        store_token_reinitialise(token, PIN(TEST_SO_PIN), label),
	        STORE_ERR_PIN_LOCKED);
	assert_int_equal(get_info(token).so_failures, 2);
	store_token_close(token);
}

/* Once locked, a login answers at once: no Argon2id runs. The token's
 * KDF is made slow (many passes over little memory) so the difference is
 * large even under valgrind. */
static void test_locked_without_kdf(void **state)
{
	char label[STORE_LABEL_BYTES];
	make_label(label, "slow kdf");
	store_token_options options = {
	        .max_pin_tries = 1, .kdf_opslimit = 3000, .kdf_memlimit = 8192};
	store_token *token = NULL;
	assert_int_equal(store_token_create(fixture_directory(state), label,
	                                    PIN(TEST_SO_PIN), &options, &token),
	                 STORE_OK);
	double start = now_seconds();
	assert_int_equal(store_login(token, STORE_SO, PIN("wrong")),
	                 STORE_ERR_PIN_INCORRECT);
	double checked = now_seconds() - start;
	start = now_seconds();
	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_ERR_PIN_LOCKED);
	double locked = now_seconds() - start;
	print_message("wrong PIN %.2f ms, locked %.2f ms\n", checked * 1000,
	              locked * 1000);
	assert_true(locked * 4 < checked);
	store_token_close(token);
}

/* A process killed during the check (after the counter was committed,
 * while Argon2id runs) has still used up a try. */
static void test_counted_before_check(void **state)
{
	char label[STORE_LABEL_BYTES];
	make_label(label, "killed");
	store_token_options options = {.kdf_opslimit = 1, .kdf_memlimit = 8192};
	store_token *token = NULL;
	assert_int_equal(store_token_create(fixture_directory(state), label,
	                                    PIN(TEST_SO_PIN), &options, &token),
	                 STORE_OK);
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	/* Make the stored KDF extremely slow: the child is killed long
	 * before it finishes. Limits are plain meta rows. */
	raw_sql(path, "UPDATE meta SET value = 100000000"
	              " WHERE name = 'kdf_opslimit'");

	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		enc_shutdown();
		if (enc_init(NULL) != ENC_OK)
			_exit(2);
		store_token *mine = NULL;
		if (store_token_open(path, &mine) != STORE_OK)
			_exit(3);
		store_login(mine, STORE_SO, PIN(TEST_SO_PIN));
		_exit(4);
	}
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	uint32_t failures = 0;
	for (int i = 0; i < 1000 && failures == 0; i++) {
		usleep(10000);
		failures = get_info(token).so_failures;
	}
	kill(child, SIGKILL);
	int status = 0;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(failures, 1);
	store_token_close(token);
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	assert_int_equal(get_info(token).so_failures, 1);
	store_token_close(token);
}

static void test_set_pin(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	/* User: wrong old PIN counts. */
	assert_int_equal(
	        store_set_pin(token, STORE_USER, PIN("bad"), PIN("user-2")),
	        STORE_ERR_PIN_INCORRECT);
	assert_int_equal(get_info(token).user_failures, 1);
	assert_int_equal(store_set_pin(token, STORE_USER, PIN(TEST_USER_PIN),
	                               PIN("user-2")),
	                 STORE_OK);
	assert_int_equal(get_info(token).user_failures, 0);
	/* It neither needs nor changes the login state. */
	assert_false(store_logged_in(token));
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_ERR_PIN_INCORRECT);
	assert_int_equal(store_login(token, STORE_USER, PIN("user-2")),
	                 STORE_OK);
	assert_true(store_logged_in(token));

	/* SO, while the user is logged in: the login stays. */
	assert_int_equal(
	        store_set_pin(token, STORE_SO, PIN(TEST_SO_PIN), PIN("so-2")),
	        STORE_OK);
	assert_true(store_logged_in(token));
	store_logout(token);
	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_ERR_PIN_INCORRECT);
	assert_int_equal(store_login(token, STORE_SO, PIN("so-2")), STORE_OK);

	/* Both survive a reopen. */
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	assert_int_equal(store_login(token, STORE_SO, PIN("so-2")), STORE_OK);
	assert_int_equal(store_login(token, STORE_USER, PIN("user-2")),
	                 STORE_OK);
	/* No user PIN to change on a token without one. */
	store_token *other = create_test_token(fixture_directory(state), 0);
	assert_int_equal(store_set_pin(other, STORE_USER, PIN("x"), PIN("y")),
	                 STORE_ERR_PIN_NOT_SET);
	store_token_close(other);
	store_token_close(token);
}

static void test_reinitialise(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_attribute attribute = plain_attribute(3, "private", 7);
	store_object_id id;
	assert_int_equal(store_object_create(token, true, &attribute, 1, NULL,
	                                     unique_id, &id),
	                 STORE_OK);
	memset(unique_id, 0, sizeof unique_id);
	assert_int_equal(store_object_create(token, false, &attribute, 1, NULL,
	                                     unique_id, &id),
	                 STORE_OK);
	assert_int_equal(get_info(token).object_count, 2);

	char label[STORE_LABEL_BYTES];
	make_label(label, "reborn");
	assert_int_equal(store_token_reinitialise(token, PIN("wrong"), label),
	                 STORE_ERR_PIN_INCORRECT);
	assert_int_equal(get_info(token).object_count, 2);
	assert_int_equal(get_info(token).so_failures, 1);
	assert_int_equal(
	        store_token_reinitialise(token, PIN(TEST_SO_PIN), label),
	        STORE_OK);
	assert_false(store_logged_in(token));
	store_token_info info = get_info(token);
	assert_int_equal(info.object_count, 0);
	assert_memory_equal(info.label, label, STORE_LABEL_BYTES);
	assert_false(info.user_pin_initialised);
	assert_int_equal(info.so_failures, 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_ERR_PIN_NOT_SET);
	store_object_id *ids = NULL;
	size_t count = 1;
	assert_int_equal(store_object_find(token, NULL, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, 0);
	free(ids);
	/* The SO PIN is unchanged and the token works as a new one. */
	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_OK);
	assert_int_equal(store_init_user_pin(token, PIN("u")), STORE_OK);
	assert_int_equal(store_login(token, STORE_USER, PIN("u")), STORE_OK);
	memset(unique_id, 0, sizeof unique_id);
	assert_int_equal(store_object_create(token, true, &attribute, 1, NULL,
	                                     unique_id, &id),
	                 STORE_OK);
	store_token_close(token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_so_then_user, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_wrong_pin_counts_and_locks,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_counter_survives_reopen_and_resets, store_setup,
	                store_teardown),
	        cmocka_unit_test_setup_teardown(test_so_locks, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_locked_without_kdf,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_counted_before_check,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_set_pin, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_reinitialise, store_setup,
	                                        store_teardown),
	};
	return cmocka_run_group_tests_name("store PINs", tests, NULL, NULL);
}
