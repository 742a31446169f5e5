/* Deferred re-protection (enc_config.reprotect_delay_ms): with a delay, a
 * page left by its last user stays open until the closer thread shuts it,
 * so busy buffers and a busy key cost no mprotect; without one (the
 * default) nothing is deferred and no thread is started. Every close must
 * really happen: the death tests read the page after the closer ran.
 *
 * mprotect is counted through the linker (--wrap=mprotect, see local.mk). */
#include "config.h"

#include "helpers.h"

#include "enclave/internal.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define DELAY_MS 300
#define CLOSE_TIMEOUT_MS 10000

static atomic_long mprotect_calls;

int __real_mprotect(void *address, size_t length, int protection);
int __wrap_mprotect(void *address, size_t length, int protection);
int __wrap_mprotect(void *address, size_t length, int protection)
{
	atomic_fetch_add(&mprotect_calls, 1);
	return __real_mprotect(address, length, protection);
}

static long now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

static void sleep_ms(long milliseconds)
{
	struct timespec delay = {milliseconds / 1000,
	                         (milliseconds % 1000) * 1000000L};
	while (nanosleep(&delay, &delay) != 0)
		;
}

/* Threads of this process. */
static int thread_count(void)
{
	DIR *tasks = opendir("/proc/self/task");
	if (tasks == NULL)
		return -1;
	int count = 0;
	struct dirent *entry;
	while ((entry = readdir(tasks)) != NULL)
		if (entry->d_name[0] != '.')
			count++;
	closedir(tasks);
	return count;
}

static enc_config delayed(unsigned delay_ms)
{
	enc_config config;
	enc_config_default(&config);
	config.reprotect_delay_ms = delay_ms;
	return config;
}

/* Waits until nothing is left open; false after CLOSE_TIMEOUT_MS. */
static bool wait_all_closed(void)
{
	long start = now_ms();
	while (get_stats().deferred_pages != 0) {
		if (now_ms() - start > CLOSE_TIMEOUT_MS)
			return false;
		sleep_ms(5);
	}
	return true;
}

/* In a child: the same, with CHILD_CHECK's exit instead of cmocka. */
static long child_wait_all_closed(void)
{
	long start = now_ms();
	for (;;) {
		enc_stats stats;
		CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
		if (stats.deferred_pages == 0)
			return now_ms() - start;
		CHILD_CHECK(now_ms() - start <= CLOSE_TIMEOUT_MS);
		sleep_ms(5);
	}
}

static void seal_and_open_once(void)
{
	unsigned char plain[32] = {1, 2, 3};
	enc_sealed *sealed = NULL;
	enc_buffer *opened = NULL;
	CHILD_CHECK(enc_seal_bytes(plain, sizeof plain, NULL, 0, &sealed) ==
	            ENC_OK);
	CHILD_CHECK(enc_open(sealed, NULL, 0, 0, &opened) == ENC_OK);
	CHILD_CHECK(memcmp(enc_data(opened), plain, sizeof plain) == 0);
	enc_free(opened);
	enc_sealed_free(sealed);
}

/* fn(&read_after) dies of SIGSEGV when it reads at the end, and lives
 * when it stops just before (the control): the fault is the read's. */
static void faults_only_on_the_read(void (*fn)(void *))
{
	bool read_after = true, control = false;
	assert_death(fn, &read_after, SIGSEGV);
	assert_int_equal(
	        expect_death(fn, &control, (const int[]){SIGSEGV}, 1, NULL),
	        DEATH_NONE);
}

/* ---- Configuration and the default ------------------------------------ */

static void test_delay_bounds(void **state)
{
	(void)state;
	enc_config config = delayed(10001);
	assert_int_equal(enc_init(&config), ENC_ERR_INVALID);
	config = delayed(10000);
	assert_int_equal(enc_init(&config), ENC_OK);
	enc_shutdown();
}

/* Without a delay nothing is deferred, no thread starts, and a resting
 * buffer faults at once. */
static void strict_by_default(void *arg)
{
	(void)arg;
	int threads = thread_count();
	child_reinit(NULL);
	enc_buffer *buffer = NULL;
	CHILD_CHECK(enc_alloc(32, 0, &buffer) == ENC_OK);
	volatile unsigned char *data = enc_data(buffer);
	data[0] = 1;
	seal_and_open_once();
	CHILD_CHECK(enc_protect(buffer, ENC_NOACCESS) == ENC_OK);
	enc_stats stats;
	CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
	CHILD_CHECK(stats.deferred_pages == 0);
	CHILD_CHECK(stats.deferred_closes == 0);
	CHILD_CHECK(thread_count() == threads);
	volatile unsigned char sink = data[0]; /* faults */
	(void)sink;
}

static void test_strict_by_default(void **state)
{
	(void)state;
	assert_death(strict_by_default, NULL, SIGSEGV);
}

/* ---- A slab page: open while due, closed after ------------------------- */

static void slab_page_closes_late(void *arg)
{
	bool read_after = *(const bool *)arg;
	enc_config config = delayed(DELAY_MS);
	child_reinit(&config);
	enc_buffer *buffer = NULL;
	CHILD_CHECK(enc_alloc(32, 0, &buffer) == ENC_OK);
	volatile unsigned char *data = enc_data(buffer);
	data[0] = 7;
	long rested = now_ms();
	CHILD_CHECK(enc_protect(buffer, ENC_NOACCESS) == ENC_OK);
	enc_stats stats;
	CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
	CHILD_CHECK(stats.deferred_pages >= 1);
	CHILD_CHECK(data[0] == 7); /* still open: its close is due later */
	child_wait_all_closed();
	CHILD_CHECK(now_ms() - rested >= DELAY_MS - 20); /* not early */
	CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
	CHILD_CHECK(stats.deferred_closes >= 1);
	if (!read_after)
		return;
	volatile unsigned char sink = data[0]; /* closed now: faults */
	(void)sink;
}

static void test_slab_page_closes_late(void **state)
{
	(void)state;
	faults_only_on_the_read(slab_page_closes_late);
}

/* ---- The key page ------------------------------------------------------- */

static void key_page_closes_late(void *arg)
{
	bool read_after = *(const bool *)arg;
	enc_config config = delayed(DELAY_MS);
	child_reinit(&config);
	seal_and_open_once();
	const volatile unsigned char *page = enc_coffer_page();
	enc_stats stats;
	CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
	if (stats.protection_key) {
		/* Per-thread keys cost no system call: nothing to defer. */
		CHILD_CHECK(stats.deferred_pages == 0);
	} else {
		CHILD_CHECK(stats.deferred_pages >= 1);
		volatile unsigned char sink = page[0]; /* still open */
		(void)sink;
		child_wait_all_closed();
	}
	if (!read_after)
		return;
	volatile unsigned char sink = page[0]; /* faults */
	(void)sink;
}

static void test_key_page_closes_late(void **state)
{
	(void)state;
	faults_only_on_the_read(key_page_closes_late);
}

/* ---- What it saves ------------------------------------------------------- */

/* One buffer opened and rested a thousand times, and a thousand seals and
 * opens (into a buffer kept writable: enc_open's READONLY result is
 * never deferred): with a delay a handful of mprotect calls, without one
 * at least two per round. */
static long mprotects_for_busy_work(unsigned delay_ms)
{
	enc_config config = delayed(delay_ms);
	assert_int_equal(enc_init(&config), ENC_OK);
	enc_buffer *buffer = NULL, *into = NULL;
	assert_int_equal(enc_alloc(64, 0, &buffer), ENC_OK);
	assert_int_equal(enc_alloc(32, 0, &into), ENC_OK);
	fill_pattern(enc_data(buffer), 64, 9);
	assert_int_equal(enc_protect(buffer, ENC_NOACCESS), ENC_OK);
	unsigned char plain[32];
	fill_pattern(plain, sizeof plain, 10);
	long before = atomic_load(&mprotect_calls);
	for (int round = 0; round < 1000; round++) {
		assert_int_equal(enc_protect(buffer, ENC_READONLY), ENC_OK);
		assert_true(check_pattern(enc_data(buffer), 64, 9));
		assert_int_equal(enc_protect(buffer, ENC_NOACCESS), ENC_OK);
		enc_sealed *sealed = NULL;
		assert_int_equal(
		        enc_seal_bytes(plain, sizeof plain, NULL, 0, &sealed),
		        ENC_OK);
		assert_int_equal(enc_open_into(sealed, NULL, 0, into), ENC_OK);
		assert_memory_equal(enc_data(into), plain, sizeof plain);
		enc_sealed_free(sealed);
	}
	long calls = atomic_load(&mprotect_calls) - before;
	enc_free(into);
	enc_free(buffer);
	enc_shutdown();
	return calls;
}

static void test_busy_work_makes_no_mprotect(void **state)
{
	(void)state;
	long strict = mprotects_for_busy_work(0);
	long deferred = mprotects_for_busy_work(10000);
	print_message("mprotect calls for 1000 rounds: %ld strict, %ld "
	              "deferred\n",
	              strict, deferred);
	assert_true(strict >= 2000);
	assert_true(deferred <= 8);
}

/* ---- Closing at once: enc_reprotect_now, purge, shutdown --------------- */

static void reprotect_now_closes(void *arg)
{
	bool read_after = *(const bool *)arg;
	enc_config config = delayed(10000);
	child_reinit(&config);
	enc_buffer *buffer = NULL;
	CHILD_CHECK(enc_alloc(32, 0, &buffer) == ENC_OK);
	volatile unsigned char *data = enc_data(buffer);
	data[0] = 1;
	CHILD_CHECK(enc_protect(buffer, ENC_NOACCESS) == ENC_OK);
	seal_and_open_once();
	enc_reprotect_now();
	enc_stats stats;
	CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
	CHILD_CHECK(stats.deferred_pages == 0);
	if (!read_after)
		return;
	volatile unsigned char sink = data[0];
	(void)sink;
}

static void test_reprotect_now_closes_at_once(void **state)
{
	(void)state;
	faults_only_on_the_read(reprotect_now_closes);
}

static void test_purge_closes_at_once(void **state)
{
	(void)state;
	enc_config config = delayed(10000);
	assert_int_equal(enc_init(&config), ENC_OK);
	enc_buffer *buffer = NULL;
	assert_int_equal(enc_alloc(32, 0, &buffer), ENC_OK);
	assert_int_equal(enc_protect(buffer, ENC_NOACCESS), ENC_OK);
	unsigned char plain[16] = {0};
	enc_sealed *sealed = NULL;
	assert_int_equal(enc_seal_bytes(plain, sizeof plain, NULL, 0, &sealed),
	                 ENC_OK);
	assert_true(get_stats().deferred_pages >= 1);
	enc_purge();
	assert_int_equal(get_stats().deferred_pages, 0);
	enc_sealed_free(sealed);
	enc_free(buffer);
	enc_shutdown();
}

/* Shutdown with closes still due joins the thread; a new enclave starts
 * its own. */
static void test_shutdown_joins_the_thread(void **state)
{
	(void)state;
	int threads = thread_count();
	for (int round = 0; round < 3; round++) {
		enc_config config = delayed(10000);
		assert_int_equal(enc_init(&config), ENC_OK);
		enc_buffer *buffer = NULL;
		assert_int_equal(enc_alloc(128, 0, &buffer), ENC_OK);
		assert_int_equal(enc_protect(buffer, ENC_NOACCESS), ENC_OK);
		assert_true(get_stats().deferred_pages >= 1);
		assert_int_equal(thread_count(), threads + 1);
		enc_free(buffer);
		enc_shutdown();
		assert_int_equal(thread_count(), threads);
	}
}

/* ---- fork and threads ---------------------------------------------------- */

static int child_after_fork(void *arg)
{
	(void)arg;
	enc_config config = delayed(50);
	child_reinit(&config);
	uint64_t closes = 0;
	for (int round = 0; round < 2; round++) {
		enc_buffer *buffer = NULL;
		CHILD_CHECK(enc_alloc(32, 0, &buffer) == ENC_OK);
		CHILD_CHECK(enc_protect(buffer, ENC_NOACCESS) == ENC_OK);
		seal_and_open_once();
		child_wait_all_closed();
		enc_stats stats;
		CHILD_CHECK(enc_get_stats(&stats) == ENC_OK);
		CHILD_CHECK(stats.deferred_closes > closes);
		closes = stats.deferred_closes;
		enc_free(buffer);
	}
	enc_shutdown();
	return 0;
}

/* A child forked while the parent's closer has work gets a closer of its
 * own once it starts its enclave again. */
static void test_fork_child_gets_its_own_closer(void **state)
{
	(void)state;
	enc_config config = delayed(10000);
	assert_int_equal(enc_init(&config), ENC_OK);
	enc_buffer *buffer = NULL;
	assert_int_equal(enc_alloc(32, 0, &buffer), ENC_OK);
	assert_int_equal(enc_protect(buffer, ENC_NOACCESS), ENC_OK);
	assert_true(get_stats().deferred_pages >= 1);
	int status = run_in_child(child_after_fork, NULL);
	assert_int_equal(child_exit_code(status), 0);
	/* The parent's own close is still due, and happens on request. */
	assert_true(get_stats().deferred_pages >= 1);
	enc_reprotect_now();
	assert_int_equal(get_stats().deferred_pages, 0);
	enc_free(buffer);
	enc_shutdown();
}

#define WORKERS 4
#define WORKER_ROUNDS 2000

static void *worker(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg;
	enc_buffer *mine = NULL;
	if (enc_alloc(48, 0, &mine) != ENC_OK)
		return (void *)1;
	fill_pattern(enc_data(mine), 48, seed);
	enc_protect(mine, ENC_NOACCESS);
	for (int round = 0; round < WORKER_ROUNDS; round++) {
		unsigned char plain[24];
		fill_pattern(plain, sizeof plain, seed + (uint64_t)round);
		enc_sealed *sealed = NULL;
		enc_buffer *opened = NULL;
		if (enc_seal_bytes(plain, sizeof plain, &round, sizeof round,
		                   &sealed) != ENC_OK ||
		    enc_open(sealed, &round, sizeof round, 0, &opened) !=
		            ENC_OK ||
		    memcmp(enc_data(opened), plain, sizeof plain) != 0)
			return (void *)1;
		enc_free(opened);
		enc_sealed_free(sealed);
		if (enc_protect(mine, ENC_READONLY) != ENC_OK ||
		    !check_pattern(enc_data(mine), 48, seed))
			return (void *)1;
		enc_protect(mine, ENC_NOACCESS);
		if (round % 256 == 0)
			sleep_ms(2); /* let closes fall due mid-run */
	}
	enc_free(mine);
	return NULL;
}

/* Threads using buffers and the key while the closer, with a 1 ms delay,
 * closes pages under them: nothing faults, every secret reads back. */
static void test_threads_race_the_closer(void **state)
{
	(void)state;
	enc_config config = delayed(1);
	assert_int_equal(enc_init(&config), ENC_OK);
	pthread_t threads[WORKERS];
	for (uintptr_t i = 0; i < WORKERS; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, worker,
		                                (void *)(i * 1000003u)),
		                 0);
	for (int i = 0; i < WORKERS; i++) {
		void *result = NULL;
		pthread_join(threads[i], &result);
		assert_null(result);
	}
	assert_true(wait_all_closed());
	assert_true(get_stats().deferred_closes >= 1);
	enc_shutdown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_delay_bounds),
	        cmocka_unit_test(test_strict_by_default),
	        cmocka_unit_test(test_slab_page_closes_late),
	        cmocka_unit_test(test_key_page_closes_late),
	        cmocka_unit_test(test_busy_work_makes_no_mprotect),
	        cmocka_unit_test(test_reprotect_now_closes_at_once),
	        cmocka_unit_test(test_purge_closes_at_once),
	        cmocka_unit_test(test_shutdown_joins_the_thread),
	        cmocka_unit_test(test_fork_child_gets_its_own_closer),
	        cmocka_unit_test(test_threads_race_the_closer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
