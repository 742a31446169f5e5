/* Threads: four workers allocate, seal, open, verify and free buffers of
 * many sizes at once while another thread reads the stats. */
#include "config.h"

#include "helpers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define WORKERS 4

typedef struct worker {
	pthread_t thread;
	unsigned index;
	unsigned long iterations;
	unsigned long failures;
	char first_failure[128];
} worker;

static atomic_bool stop_stats;
static atomic_ulong stats_calls;
static atomic_ulong stats_failures;

static void note_failure(worker *self, unsigned long iteration,
                         const char *what)
{
	if (self->failures++ == 0)
		snprintf(self->first_failure, sizeof self->first_failure,
		         "thread %u iteration %lu: %s", self->index, iteration,
		         what);
}

static size_t size_for(unsigned thread, unsigned long iteration)
{
	static const size_t edges[] = {1, 16, 32, 4095, 4096, 4097, 9000};
	unsigned long pick = iteration * 31 + thread * 17;

	if (pick % 5 == 0)
		return edges[(pick / 5) % (sizeof edges / sizeof edges[0])];
	return 1 + (pick * 2654435761u) % 6000;
}

static void *work(void *arg)
{
	worker *self = arg;

	for (unsigned long i = 0; i < self->iterations; i++) {
		size_t size = size_for(self->index, i);
		unsigned flags = (i % 7 == 0 ? ENC_ALLOC_GUARDED : 0) |
		                 (i % 3 == 0 ? ENC_ALLOC_ALIGNED : 0);
		uint64_t seed = ((uint64_t)self->index << 32) | i;
		enc_buffer *buffer = NULL;
		enc_buffer *opened = NULL;
		enc_buffer *into = NULL;
		enc_sealed *sealed = NULL;

		if (enc_alloc(size, flags, &buffer) != ENC_OK) {
			note_failure(self, i, "alloc");
			continue;
		}
		if (!all_zero(enc_data(buffer), size))
			note_failure(self, i, "not zeroed");
		fill_pattern(enc_data(buffer), size, seed);
		if (enc_protect(buffer, ENC_NOACCESS) != ENC_OK)
			note_failure(self, i, "protect");
		if (enc_seal(buffer, &seed, sizeof seed, &sealed) != ENC_OK) {
			note_failure(self, i, "seal");
			enc_free(buffer);
			continue;
		}
		if (enc_open(sealed, &seed, sizeof seed, flags, &opened) !=
		    ENC_OK) {
			note_failure(self, i, "open");
		} else {
			if (!check_pattern(enc_data(opened), size, seed))
				note_failure(self, i, "opened contents");
			if (enc_verify(opened) != ENC_OK)
				note_failure(self, i, "verify opened");
			enc_free(opened);
		}
		if (i % 4 == 0) {
			if (enc_alloc(size, 0, &into) != ENC_OK ||
			    enc_open_into(sealed, &seed, sizeof seed, into) !=
			            ENC_OK ||
			    !check_pattern(enc_data(into), size, seed))
				note_failure(self, i, "open_into");
			enc_free(into);
		}
		if (enc_protect(buffer, ENC_READONLY) != ENC_OK ||
		    !check_pattern(enc_data(buffer), size, seed))
			note_failure(self, i, "original contents");
		if (enc_verify(buffer) != ENC_OK)
			note_failure(self, i, "verify");
		enc_free(buffer);
		enc_sealed_free(sealed);
	}
	return NULL;
}

static void *read_stats(void *arg)
{
	while (!atomic_load(&stop_stats)) {
		enc_stats stats;

		if (enc_get_stats(&stats) != ENC_OK ||
		    stats.locked_bytes > stats.locked_budget ||
		    stats.slab_buffers > 3 * WORKERS ||
		    stats.guarded_buffers > 3 * WORKERS)
			atomic_fetch_add(&stats_failures, 1);
		atomic_fetch_add(&stats_calls, 1);
	}
	return NULL;
}

static void test_concurrent_use(void **state)
{
	unsigned long fallback = under_valgrind() ? 300 : 3000;
	unsigned long iterations = env_number("ENC_TEST_ITERATIONS", fallback);
	worker workers[WORKERS];
	pthread_t stats_thread;
	enc_stats before = get_stats();
	enc_stats stats;

	atomic_store(&stop_stats, false);
	atomic_store(&stats_calls, 0);
	atomic_store(&stats_failures, 0);
	assert_int_equal(pthread_create(&stats_thread, NULL, read_stats, NULL),
	                 0);
	for (unsigned t = 0; t < WORKERS; t++) {
		memset(&workers[t], 0, sizeof workers[t]);
		workers[t].index = t;
		workers[t].iterations = iterations;
		assert_int_equal(pthread_create(&workers[t].thread, NULL, work,
		                                &workers[t]),
		                 0);
	}
	for (unsigned t = 0; t < WORKERS; t++)
		assert_int_equal(pthread_join(workers[t].thread, NULL), 0);
	atomic_store(&stop_stats, true);
	assert_int_equal(pthread_join(stats_thread, NULL), 0);

	for (unsigned t = 0; t < WORKERS; t++) {
		if (workers[t].failures != 0)
			fail_msg("%lu failures; first: %s", workers[t].failures,
			         workers[t].first_failure);
	}
	assert_true(atomic_load(&stats_calls) > 0);
	assert_int_equal(atomic_load(&stats_failures), 0);
	stats = get_stats();
	assert_int_equal(stats.slab_buffers, 0);
	assert_int_equal(stats.guarded_buffers, 0);
	/* No chunk leaks per iteration: whatever the slab may keep for
	 * reuse is small (the strict "empty slab holds nothing" is
	 * test_slab's). */
	if (stats.slab_chunks > 16 ||
	    stats.locked_bytes > before.locked_bytes + 48 * test_page_size())
		fail_msg("after the threads: %zu chunks, %zu bytes locked "
		         "(%zu before)",
		         stats.slab_chunks, stats.locked_bytes,
		         before.locked_bytes);
	print_message("%d threads x %lu iterations, %lu stats calls, "
	              "%llu rekeys\n",
	              WORKERS, iterations, atomic_load(&stats_calls),
	              (unsigned long long)stats.rekeys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(
	                test_concurrent_use, enclave_setup, enclave_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
