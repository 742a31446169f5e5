/* The slab: small buffers share locked pages, keep independent contents,
 * are wiped when freed, and give their chunks back when emptied. */
#include "config.h"

#include "helpers.h"

#include "enclave/internal.h"

#include <string.h>

#define MANY 600

/* A spread of sizes from 1 to ENC_SLAB_MAX. */
static size_t size_for(size_t index)
{
	static const size_t fixed[] = {1,    2,    15,   16,  17,  31,
	                               32,   33,   64,   100, 255, 256,
	                               1000, 2048, 4095, 4096};
	size_t count = sizeof fixed / sizeof fixed[0];

	if (index < count)
		return fixed[index];
	return 1 + (index * 7919) % ENC_SLAB_MAX;
}

static void test_small_sizes_use_the_slab(void **state)
{
	enc_stats before = get_stats();
	enc_stats during;
	enc_buffer *buffers[MANY];

	for (size_t i = 0; i < MANY; i++) {
		buffers[i] = NULL;
		assert_int_equal(enc_alloc(size_for(i), 0, &buffers[i]),
		                 ENC_OK);
		assert_int_equal(buffers[i]->kind, ENC_KIND_SLAB);
	}
	during = get_stats();
	assert_int_equal(during.slab_buffers, before.slab_buffers + MANY);
	assert_int_equal(during.guarded_buffers, before.guarded_buffers);
	assert_true(during.slab_chunks >= 1);
	for (size_t i = 0; i < MANY; i++)
		enc_free(buffers[i]);
	during = get_stats();
	assert_int_equal(during.slab_buffers, before.slab_buffers);
}

/* Fill every buffer, free half, allocate again in the gaps, and check that
 * every live buffer still holds its own pattern. */
static void test_contents_are_independent(void **state)
{
	enc_buffer *buffers[MANY];

	for (size_t i = 0; i < MANY; i++) {
		buffers[i] = NULL;
		assert_int_equal(enc_alloc(size_for(i), 0, &buffers[i]),
		                 ENC_OK);
		fill_pattern(enc_data(buffers[i]), size_for(i), i);
	}
	for (size_t i = 0; i < MANY; i += 2) {
		enc_free(buffers[i]);
		buffers[i] = NULL;
	}
	for (size_t i = 1; i < MANY; i += 2) {
		assert_true(
		        check_pattern(enc_data(buffers[i]), size_for(i), i));
		assert_int_equal(enc_verify(buffers[i]), ENC_OK);
	}
	/* Refill the gaps with other sizes and other patterns. */
	for (size_t i = 0; i < MANY; i += 2) {
		size_t size = size_for(i + 1);

		assert_int_equal(enc_alloc(size, 0, &buffers[i]), ENC_OK);
		assert_true(all_zero(enc_data(buffers[i]), size));
		fill_pattern(enc_data(buffers[i]), size, 50000 + i);
	}
	/* Change the state of some: neighbours keep their contents. */
	for (size_t i = 0; i < MANY; i += 3)
		assert_int_equal(enc_protect(buffers[i], ENC_NOACCESS), ENC_OK);
	for (size_t i = 0; i < MANY; i++) {
		size_t size = i % 2 == 0 ? size_for(i + 1) : size_for(i);
		uint64_t seed = i % 2 == 0 ? 50000 + i : i;

		assert_int_equal(enc_protect(buffers[i], ENC_READONLY), ENC_OK);
		assert_true(check_pattern(enc_data(buffers[i]), size, seed));
		assert_int_equal(enc_verify(buffers[i]), ENC_OK);
	}
	for (size_t i = 0; i < MANY; i++)
		enc_free(buffers[i]);
}

/* A freed slot is wiped at once (seen through /proc/self/mem while a
 * neighbour keeps the chunk mapped), and handed out zeroed again. */
static void test_freed_slot_is_wiped(void **state)
{
	static const size_t check_sizes[] = {1, 32, 100, 1000, 4096};

	for (size_t i = 0; i < sizeof check_sizes / sizeof check_sizes[0];
	     i++) {
		size_t size = check_sizes[i];
		enc_buffer *pin = NULL;
		enc_buffer *victim = NULL;
		enc_buffer *again = NULL;
		unsigned char *old_data;
		unsigned char seen[ENC_SLAB_MAX];

		assert_int_equal(enc_alloc(size, 0, &pin), ENC_OK);
		assert_int_equal(enc_alloc(size, 0, &victim), ENC_OK);
		old_data = enc_data(victim);
		memset(old_data, 0x5a, size);
		/* The control: the bytes are visible through /proc. */
		assert_true(read_own_memory(old_data, seen, size));
		assert_int_equal(seen[0], 0x5a);
		assert_int_equal(seen[size - 1], 0x5a);
		enc_free(victim);
		assert_true(read_own_memory(old_data, seen, size));
		assert_true(all_zero(seen, size));

		assert_int_equal(enc_alloc(size, 0, &again), ENC_OK);
		assert_true(all_zero(enc_data(again), size));
		enc_free(again);
		enc_free(pin);
	}
}

/* 1000 live 32-byte buffers fit in a few pages, not 1000. */
static void test_many_small_buffers_lock_little(void **state)
{
	enum { COUNT = 1000, SIZE = 32 };
	size_t page = test_page_size();
	enc_stats before = get_stats();
	enc_stats during;
	enc_buffer **buffers = calloc(COUNT, sizeof *buffers);
	size_t added;

	assert_non_null(buffers);
	for (size_t i = 0; i < COUNT; i++) {
		assert_int_equal(enc_alloc(SIZE, 0, &buffers[i]), ENC_OK);
		fill_pattern(enc_data(buffers[i]), SIZE, i);
		assert_int_equal(enc_protect(buffers[i], ENC_NOACCESS), ENC_OK);
	}
	during = get_stats();
	added = during.locked_bytes - before.locked_bytes;
	print_message("1000 x 32 bytes: %zu bytes locked in %zu chunks\n",
	              added, during.slab_chunks);
	assert_true(during.locked_bytes >= before.locked_bytes + COUNT * SIZE);
	/* Slots of 32 + 16 bytes: 48 KB; allow for chunk granularity. */
	assert_true(added <= COUNT * page / 10);
	assert_true(during.locked_bytes <= during.locked_budget);
	long kb = vm_locked_kb();
	assert_true(kb >= 0);
	assert_true((size_t)kb * 1024 <= during.locked_bytes + 16 * page);
	for (size_t i = 0; i < COUNT; i++) {
		assert_int_equal(enc_protect(buffers[i], ENC_READONLY), ENC_OK);
		assert_true(check_pattern(enc_data(buffers[i]), SIZE, i));
		enc_free(buffers[i]);
	}
	free(buffers);
}

/* Emptied chunks go back: many chunks of one class shrink back. */
static void test_chunks_returned_when_empty(void **state)
{
	enum { COUNT = 3000 };
	enc_stats before = get_stats();
	enc_stats during;
	enc_buffer **buffers = calloc(COUNT, sizeof *buffers);

	assert_non_null(buffers);
	for (size_t i = 0; i < COUNT; i++)
		assert_int_equal(enc_alloc(1 + i % 512, 0, &buffers[i]),
		                 ENC_OK);
	during = get_stats();
	assert_true(during.slab_chunks >= before.slab_chunks + 10);
	assert_true(during.locked_bytes > before.locked_bytes);
	for (size_t i = 0; i < COUNT; i++)
		enc_free(buffers[i]);
	during = get_stats();
	assert_int_equal(during.slab_buffers, before.slab_buffers);
	/* At most one spare chunk per size class may stay. */
	assert_true(during.slab_chunks <= before.slab_chunks + 6);
	free(buffers);
}

/* The contract: an empty slab holds at most a few spare chunks, so that a
 * small RLIMIT_MEMLOCK is not eaten by idle spare chunks. */
static void test_empty_slab_holds_nothing(void **state)
{
	static const size_t sizes[] = {1,   17,  33,   65,   129,
	                               257, 513, 1025, 2049, 4096};
	enc_buffer *buffers[sizeof sizes / sizeof sizes[0]];
	enc_stats before;
	enc_stats after;

	/* A fresh enclave: nothing left over from the tests before. */
	enc_shutdown();
	assert_int_equal(enc_init(NULL), ENC_OK);
	before = get_stats();
	assert_int_equal(before.slab_chunks, 0);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		assert_int_equal(enc_alloc(sizes[i], 0, &buffers[i]), ENC_OK);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		enc_free(buffers[i]);
	after = get_stats();
	/* Up to four empty chunks (at most 3 pages each, one per size
	 * class, the most recently emptied) are kept as spares so that a
	 * loop of open-use-free does not map and lock a chunk every time;
	 * they go back when the budget runs out (test_memlock). */
	if (after.slab_chunks > 4 ||
	    after.locked_bytes > before.locked_bytes + 4 * 3 * 4096)
		fail_msg("empty slab: %zu chunks, %zu bytes locked (%zu "
		         "before)",
		         after.slab_chunks, after.locked_bytes,
		         before.locked_bytes);
}

/* Spares are given back when the budget runs out: with room for the key
 * page and two one-page chunks, empty spares of two classes must not stop
 * a third class from getting a chunk. */
static void test_spares_yield_to_the_budget(void **state)
{
	(void)state;
	enc_shutdown();
	enc_config config = {0};
	config.locked_budget = 3 * 4096;
	assert_int_equal(enc_init(&config), ENC_OK);
	enc_buffer *buffer;
	assert_int_equal(enc_alloc(16, 0, &buffer), ENC_OK);
	enc_free(buffer); /* a spare of the 16-byte class */
	enc_stats stats = get_stats();
	assert_int_equal(stats.slab_chunks, 1);
	assert_int_equal(enc_alloc(32, 0, &buffer), ENC_OK);
	enc_free(buffer); /* the budget is now full of spares */
	assert_int_equal(enc_alloc(64, 0, &buffer), ENC_OK);
	stats = get_stats();
	assert_true(stats.locked_bytes <= config.locked_budget);
	enc_free(buffer);
	enc_shutdown();
	assert_int_equal(enc_init(NULL), ENC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_small_sizes_use_the_slab),
	        cmocka_unit_test(test_contents_are_independent),
	        cmocka_unit_test(test_freed_slot_is_wiped),
	        cmocka_unit_test(test_many_small_buffers_lock_little),
	        cmocka_unit_test(test_chunks_returned_when_empty),
	        cmocka_unit_test(test_empty_slab_holds_nothing),
	        cmocka_unit_test(test_spares_yield_to_the_budget),
	};

	return cmocka_run_group_tests(tests, enclave_setup, enclave_teardown);
}
