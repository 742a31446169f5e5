/* Several connections on one token file: two handles in one process (as
 * two processes would hold them) see each other's objects, counters,
 * label and re-initialisation after a refresh; and two real processes
 * creating 200 objects each at the same time lose nothing; four threads
 * sharing one handle neither. */
#include "config.h"

#include "helpers.h"

#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PER_PROCESS 200

static void test_two_handles(void **state)
{
	store_token *first =
	        create_token_with_user(fixture_directory(state), 0);
	char path[4096];
	token_path(first, path);
	store_token *second = NULL;
	assert_int_equal(store_token_open(path, &second), STORE_OK);

	bool changed = true;
	assert_int_equal(store_token_refresh(second, &changed), STORE_OK);
	assert_false(changed);

	store_attribute attribute = plain_attribute(3, "shared", 6);
	store_index index = {.has_label = true,
	                     .label = (const unsigned char *)"shared",
	                     .label_length = 6};
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id id;
	assert_int_equal(store_object_create(first, false, &attribute, 1,
	                                     &index, unique_id, &id),
	                 STORE_OK);
	assert_int_equal(store_token_refresh(second, &changed), STORE_OK);
	assert_true(changed);
	assert_int_equal(store_token_refresh(second, &changed), STORE_OK);
	assert_false(changed);
	store_object_id *ids = NULL;
	size_t count = 0;
	assert_int_equal(store_object_find(second, &index, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, 1);
	assert_int_equal(ids[0], id);
	free(ids);

	/* Counters: failures through one handle show in the other. */
	assert_int_equal(store_login(first, STORE_USER, PIN("bad")),
	                 STORE_ERR_PIN_INCORRECT);
	store_token_info info;
	assert_int_equal(store_token_get_info(second, &info), STORE_OK);
	assert_int_equal(info.user_failures, 1);
	assert_int_equal(info.object_count, 1);

	/* A private object created by one, read by the other. */
	assert_int_equal(store_login(second, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	assert_int_equal(store_login(first, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	memset(unique_id, 0, sizeof unique_id);
	store_object_id private_id;
	assert_int_equal(store_object_create(first, true, &attribute, 1, &index,
	                                     unique_id, &private_id),
	                 STORE_OK);
	assert_int_equal(store_object_find(second, &index, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, 2);
	assert_int_equal(ids[1], private_id);
	free(ids);
	store_attribute *loaded = NULL;
	assert_int_equal(store_object_load(second, private_id, NULL, NULL,
	                                   &loaded, &count),
	                 STORE_OK);
	store_attributes_free(loaded, count);

	/* A re-initialisation through one logs the other out (its master
	 * key is obsolete) and shows the new label and no objects. */
	char label[STORE_LABEL_BYTES];
	make_label(label, "reinitialised");
	assert_int_equal(
	        store_token_reinitialise(first, PIN(TEST_SO_PIN), label),
	        STORE_OK);
	assert_true(store_logged_in(second));
	assert_int_equal(store_token_get_info(second, &info), STORE_OK);
	assert_false(store_logged_in(second));
	assert_memory_equal(info.label, label, STORE_LABEL_BYTES);
	assert_int_equal(info.object_count, 0);
	assert_false(info.user_pin_initialised);
	memset(unique_id, 0, sizeof unique_id);
	assert_int_equal(store_object_create(second, true, &attribute, 1, NULL,
	                                     unique_id, &id),
	                 STORE_ERR_NOT_LOGGED_IN);
	store_token_close(second);
	store_token_close(first);
}

static int child_creates(const char *path)
{
	/* A forked child must restart its enclave and use its own
	 * connection. */
	enc_shutdown();
	if (enc_init(NULL) != ENC_OK)
		return 2;
	store_token *token = NULL;
	if (store_token_open(path, &token) != STORE_OK)
		return 3;
	int result = 0;
	if (store_login(token, STORE_USER, PIN(TEST_USER_PIN)) != STORE_OK)
		result = 4;
	for (int i = 0; i < PER_PROCESS && result == 0; i++) {
		char label[32];
		snprintf(label, sizeof label, "child-%d", i);
		store_attribute attribute =
		        plain_attribute(3, label, strlen(label));
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
		if (store_object_create(token, i % 2 == 0, &attribute, 1, NULL,
		                        unique_id, NULL) != STORE_OK)
			result = 5;
	}
	store_token_close(token);
	enc_shutdown();
	return result;
}

/* What any store call notices of another connection's commits (a write
 * refreshes in its own transaction, a load or find before reading) is
 * reported once, by store_token_refresh or store_token_take_change,
 * whichever asks first: a caller that skips the refresh before a write
 * still learns of the change. */
static void test_changes_are_reported_once(void **state)
{
	store_token *first =
	        create_token_with_user(fixture_directory(state), 0);
	char path[4096];
	token_path(first, path);
	store_token *second = NULL;
	assert_int_equal(store_token_open(path, &second), STORE_OK);
	bool changed = true;
	assert_int_equal(store_token_refresh(second, &changed), STORE_OK);
	assert_false(changed);
	assert_false(store_token_take_change(second));

	store_attribute attribute = plain_attribute(3, "noticed", 7);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	store_object_id id;
	assert_int_equal(store_object_create(first, false, &attribute, 1, NULL,
	                                     unique_id, &id),
	                 STORE_OK);
	/* second's own create notices first's. */
	memset(unique_id, 0, sizeof unique_id);
	store_object_id own;
	assert_int_equal(store_object_create(second, false, &attribute, 1, NULL,
	                                     unique_id, &own),
	                 STORE_OK);
	assert_true(own > id);
	assert_true(store_token_take_change(second));
	assert_false(store_token_take_change(second));
	assert_int_equal(store_token_refresh(second, &changed), STORE_OK);
	assert_false(changed);
	/* Its own commits are no change. */
	assert_false(store_token_take_change(first));

	/* A load notices; the next refresh reports it. */
	memset(unique_id, 0, sizeof unique_id);
	assert_int_equal(store_object_create(first, false, &attribute, 1, NULL,
	                                     unique_id, &id),
	                 STORE_OK);
	store_attribute *loaded = NULL;
	size_t count = 0;
	assert_int_equal(
	        store_object_load(second, id, NULL, NULL, &loaded, &count),
	        STORE_OK);
	store_attributes_free(loaded, count);
	assert_int_equal(store_token_refresh(second, &changed), STORE_OK);
	assert_true(changed);
	assert_int_equal(store_token_refresh(second, &changed), STORE_OK);
	assert_false(changed);
	/* And the ids a handle remembers follow the other's creates. */
	memset(unique_id, 0, sizeof unique_id);
	assert_int_equal(store_object_create(second, false, &attribute, 1, NULL,
	                                     unique_id, &own),
	                 STORE_OK);
	assert_true(own > id);
	store_token_close(second);
	store_token_close(first);
}

static void test_two_processes(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	char path[4096];
	token_path(token, path);
	/* No SQLite connection may cross a fork: close before, and let
	 * each process open its own. */
	store_token_close(token);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0)
		_exit(child_creates(path));
	assert_int_equal(store_token_open(path, &token), STORE_OK);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	for (int i = 0; i < PER_PROCESS; i++) {
		char label[32];
		snprintf(label, sizeof label, "parent-%d", i);
		store_attribute attribute =
		        plain_attribute(3, label, strlen(label));
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
		assert_int_equal(store_object_create(token, i % 2 == 1,
		                                     &attribute, 1, NULL,
		                                     unique_id, NULL),
		                 STORE_OK);
	}
	int status = 0;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* Every object is there exactly once. */
	store_object_id *ids = NULL;
	size_t count = 0;
	assert_int_equal(store_object_find(token, NULL, &ids, &count),
	                 STORE_OK);
	assert_int_equal(count, 2 * PER_PROCESS);
	bool seen[2][PER_PROCESS] = {{false}};
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			assert_true(ids[i] > ids[i - 1]);
		store_attribute *loaded = NULL;
		size_t loaded_count = 0;
		assert_int_equal(store_object_load(token, ids[i], NULL, NULL,
		                                   &loaded, &loaded_count),
		                 STORE_OK);
		assert_int_equal(loaded_count, 1);
		char label[32] = {0};
		assert_true(loaded[0].length < sizeof label);
		memcpy(label, loaded[0].value, loaded[0].length);
		int number = -1;
		int who = -1;
		if (sscanf(label, "parent-%d", &number) == 1)
			who = 0;
		else if (sscanf(label, "child-%d", &number) == 1)
			who = 1;
		assert_true(who >= 0);
		assert_in_range(number, 0, PER_PROCESS - 1);
		assert_false(seen[who][number]);
		seen[who][number] = true;
		store_attributes_free(loaded, loaded_count);
	}
	free(ids);
	store_token_close(token);
}

#define THREADS 4
#define PER_THREAD 50

typedef struct thread_job {
	store_token *token;
	int number;
	int failures;
} thread_job;

static void *thread_creates(void *argument)
{
	thread_job *job = argument;
	for (int i = 0; i < PER_THREAD; i++) {
		char label[32];
		snprintf(label, sizeof label, "thread-%d-%d", job->number, i);
		store_attribute attribute =
		        plain_attribute(3, label, strlen(label));
		store_index index = {.has_class = true,
		                     .object_class = (uint64_t)job->number};
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
		if (store_object_create(job->token, i % 2 == 0, &attribute, 1,
		                        &index, unique_id, NULL) != STORE_OK)
			job->failures++;
		store_object_id *ids = NULL;
		size_t count = 0;
		if (store_object_find(job->token, &index, &ids, &count) !=
		            STORE_OK ||
		    count != (size_t)i + 1)
			job->failures++;
		free(ids);
	}
	return NULL;
}

/* One handle used by several threads at once: the per-token mutex
 * serialises them and nothing is lost. */
static void test_threads_share_handle(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	pthread_t threads[THREADS];
	thread_job jobs[THREADS];
	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (thread_job){.token = token, .number = i};
		assert_int_equal(pthread_create(&threads[i], NULL,
		                                thread_creates, &jobs[i]),
		                 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(threads[i], NULL), 0);
		assert_int_equal(jobs[i].failures, 0);
	}
	store_token_info info;
	assert_int_equal(store_token_get_info(token, &info), STORE_OK);
	assert_int_equal(info.object_count, THREADS * PER_THREAD);
	store_token_close(token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_two_handles, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_changes_are_reported_once,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_two_processes, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_threads_share_handle,
	                                        store_setup, store_teardown),
	};
	return cmocka_run_group_tests_name("store multi-connection", tests,
	                                   NULL, NULL);
}
