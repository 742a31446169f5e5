/* Buffers: round trips in every access state, sizes on both sides of the
 * slab limit, zeroed memory, placement against the trailing guard page,
 * alignment, bad arguments. */
#include "config.h"

#include "helpers.h"

#include "enclave/internal.h"

#include <string.h>

static const size_t sizes[] = {1, 15, 16, 4095, 4096, 4097, 100000};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

static bool expect_guarded(size_t size, unsigned flags)
{
	return (flags & ENC_ALLOC_GUARDED) != 0 || size > ENC_SLAB_MAX;
}

/* Write, read, and walk every state for one size and flag set. */
static void round_trip(size_t size, unsigned flags, uint64_t seed)
{
	enc_stats before = get_stats();
	enc_stats during;
	enc_buffer *buffer = NULL;
	unsigned char *data;
	bool routed;

	assert_int_equal(enc_alloc(size, flags, &buffer), ENC_OK);
	assert_non_null(buffer);
	assert_int_equal(enc_size(buffer), size);
	assert_int_equal(enc_access_of(buffer), ENC_READWRITE);
	data = enc_data(buffer);
	assert_non_null(data);
	assert_true(all_zero(data, size));

	/* Where it went is checked after the free, so that a wrong route
	 * does not leak the buffer into the next tests. */
	during = get_stats();
	if (expect_guarded(size, flags))
		routed = during.guarded_buffers == before.guarded_buffers + 1 &&
		         during.slab_buffers == before.slab_buffers;
	else
		routed = during.slab_buffers == before.slab_buffers + 1 &&
		         during.guarded_buffers == before.guarded_buffers;

	/* READWRITE: write, read back. */
	fill_pattern(data, size, seed);
	assert_true(check_pattern(data, size, seed));
	assert_int_equal(enc_verify(buffer), ENC_OK);

	/* READONLY: read. */
	assert_int_equal(enc_protect(buffer, ENC_READONLY), ENC_OK);
	assert_int_equal(enc_access_of(buffer), ENC_READONLY);
	assert_true(check_pattern(data, size, seed));

	/* NOACCESS, then back: the contents survive. */
	assert_int_equal(enc_protect(buffer, ENC_NOACCESS), ENC_OK);
	assert_int_equal(enc_access_of(buffer), ENC_NOACCESS);
	assert_int_equal(enc_verify(buffer), ENC_OK);
	assert_int_equal(enc_protect(buffer, ENC_READONLY), ENC_OK);
	assert_true(check_pattern(data, size, seed));
	assert_int_equal(enc_protect(buffer, ENC_NOACCESS), ENC_OK);
	assert_int_equal(enc_protect(buffer, ENC_READWRITE), ENC_OK);
	assert_int_equal(enc_access_of(buffer), ENC_READWRITE);
	assert_true(check_pattern(data, size, seed));

	/* And writable again. */
	fill_pattern(data, size, seed + 1);
	assert_true(check_pattern(data, size, seed + 1));
	assert_int_equal(enc_verify(buffer), ENC_OK);
	/* Freed in NOACCESS: enc_free copes with any state. */
	assert_int_equal(enc_protect(buffer, ENC_NOACCESS), ENC_OK);
	enc_free(buffer);

	during = get_stats();
	assert_int_equal(during.guarded_buffers, before.guarded_buffers);
	assert_int_equal(during.slab_buffers, before.slab_buffers);
	if (!routed)
		fail_msg("size %zu flags %u: expected %s", size, flags,
		         expect_guarded(size, flags) ? "a guarded buffer"
		                                     : "the slab");
}

static void test_round_trip_all_sizes(void **state)
{
	for (size_t i = 0; i < SIZE_COUNT; i++)
		round_trip(sizes[i], 0, 100 + i);
}

static void test_round_trip_all_sizes_guarded(void **state)
{
	for (size_t i = 0; i < SIZE_COUNT; i++)
		round_trip(sizes[i], ENC_ALLOC_GUARDED, 200 + i);
}

static void test_round_trip_all_sizes_aligned(void **state)
{
	for (size_t i = 0; i < SIZE_COUNT; i++) {
		round_trip(sizes[i], ENC_ALLOC_ALIGNED, 300 + i);
		round_trip(sizes[i], ENC_ALLOC_ALIGNED | ENC_ALLOC_GUARDED,
		           400 + i);
	}
}

/* Memory handed out again after a free is zero. */
static void test_alloc_is_zeroed_after_reuse(void **state)
{
	static const unsigned flag_sets[] = {0, ENC_ALLOC_GUARDED};

	for (size_t f = 0; f < 2; f++) {
		for (size_t i = 0; i < SIZE_COUNT; i++) {
			enc_buffer *buffer = NULL;

			assert_int_equal(
			        enc_alloc(sizes[i], flag_sets[f], &buffer),
			        ENC_OK);
			memset(enc_data(buffer), 0xff, sizes[i]);
			enc_free(buffer);
			buffer = NULL;
			assert_int_equal(
			        enc_alloc(sizes[i], flag_sets[f], &buffer),
			        ENC_OK);
			assert_true(all_zero(enc_data(buffer), sizes[i]));
			enc_free(buffer);
		}
	}
}

/* Without ENC_ALLOC_ALIGNED a guarded buffer ends where the trailing guard
 * page begins, with at least a canary's worth of slack before it. */
static void test_guarded_flush_against_guard_page(void **state)
{
	size_t page = test_page_size();

	for (size_t i = 0; i < SIZE_COUNT; i++) {
		enc_buffer *buffer = NULL;
		unsigned char *data;
		const enc_region *region;

		assert_int_equal(
		        enc_alloc(sizes[i], ENC_ALLOC_GUARDED, &buffer),
		        ENC_OK);
		data = enc_data(buffer);
		assert_int_equal(((uintptr_t)data + enc_size(buffer)) % page,
		                 0);
		/* White box: the region around it. */
		assert_int_equal(buffer->kind, ENC_KIND_GUARDED);
		region = &buffer->u.guarded.region;
		assert_ptr_equal(region->interior, region->base + page);
		assert_int_equal(region->interior_bytes % page, 0);
		assert_ptr_equal(data + sizes[i],
		                 region->interior + region->interior_bytes);
		assert_true(data - region->interior >= ENC_CANARY_BYTES);
		/* The slack is small: less than a page plus a canary. */
		assert_true((size_t)(data - region->interior) <
		            page + ENC_CANARY_BYTES);
		enc_free(buffer);
	}
}

static void test_aligned_is_16_byte_aligned(void **state)
{
	static const size_t odd_sizes[] = {1,   3,    15,   17,    33,
	                                   100, 4095, 4097, 100001};
	static const unsigned flag_sets[] = {
	        ENC_ALLOC_ALIGNED, ENC_ALLOC_ALIGNED | ENC_ALLOC_GUARDED};

	for (size_t f = 0; f < 2; f++) {
		for (size_t i = 0; i < sizeof odd_sizes / sizeof odd_sizes[0];
		     i++) {
			enc_buffer *buffer = NULL;

			assert_int_equal(
			        enc_alloc(odd_sizes[i], flag_sets[f], &buffer),
			        ENC_OK);
			assert_int_equal((uintptr_t)enc_data(buffer) % 16, 0);
			assert_int_equal(enc_size(buffer), odd_sizes[i]);
			enc_free(buffer);
		}
	}
}

/* Without ENC_ALLOC_ALIGNED the data of odd sizes is not 16-aligned:
 * it sits flush against what follows it. */
static void test_unaligned_is_flush(void **state)
{
	enc_buffer *buffer = NULL;

	assert_int_equal(enc_alloc(17, ENC_ALLOC_GUARDED, &buffer), ENC_OK);
	assert_int_equal((uintptr_t)enc_data(buffer) % 16, 15);
	enc_free(buffer);
	buffer = NULL;
	assert_int_equal(enc_alloc(17, 0, &buffer), ENC_OK);
	/* The slab slot's canary follows at once. */
	assert_int_equal(buffer->kind, ENC_KIND_SLAB);
	enc_free(buffer);
}

static void test_buffers_do_not_overlap(void **state)
{
	enc_buffer *buffers[SIZE_COUNT * 2];

	for (size_t i = 0; i < SIZE_COUNT * 2; i++) {
		size_t size = sizes[i % SIZE_COUNT];

		buffers[i] = NULL;
		assert_int_equal(
		        enc_alloc(size, i < SIZE_COUNT ? 0 : ENC_ALLOC_GUARDED,
		                  &buffers[i]),
		        ENC_OK);
		fill_pattern(enc_data(buffers[i]), size, 1000 + i);
	}
	for (size_t i = 0; i < SIZE_COUNT * 2; i++) {
		uintptr_t start = (uintptr_t)enc_data(buffers[i]);
		uintptr_t end = start + enc_size(buffers[i]);

		assert_true(check_pattern(enc_data(buffers[i]),
		                          enc_size(buffers[i]), 1000 + i));
		for (size_t j = 0; j < SIZE_COUNT * 2; j++) {
			uintptr_t other = (uintptr_t)enc_data(buffers[j]);

			if (j == i)
				continue;
			assert_false(other >= start && other < end);
		}
	}
	for (size_t i = 0; i < SIZE_COUNT * 2; i++)
		enc_free(buffers[i]);
}

static void test_bad_arguments(void **state)
{
	enc_buffer *buffer = NULL;

	assert_int_equal(enc_alloc(16, 0, NULL), ENC_ERR_INVALID);
	assert_int_equal(enc_alloc(0, 0, &buffer), ENC_ERR_INVALID);
	assert_null(buffer);
	assert_int_equal(enc_alloc(0, ENC_ALLOC_GUARDED, &buffer),
	                 ENC_ERR_INVALID);
	assert_int_equal(enc_alloc(SIZE_MAX / 2 + 1, 0, &buffer),
	                 ENC_ERR_INVALID);
	assert_int_equal(enc_alloc(SIZE_MAX, ENC_ALLOC_GUARDED, &buffer),
	                 ENC_ERR_INVALID);
	assert_int_equal(enc_alloc(16, 1u << 7, &buffer), ENC_ERR_INVALID);
	assert_null(buffer);
	assert_int_equal(enc_protect(NULL, ENC_READONLY), ENC_ERR_INVALID);
	assert_int_equal(enc_verify(NULL), ENC_ERR_INVALID);

	assert_int_equal(enc_alloc(16, 0, &buffer), ENC_OK);
	assert_int_equal(enc_protect(buffer, (enc_access)7), ENC_ERR_INVALID);
	assert_int_equal(enc_access_of(buffer), ENC_READWRITE);
	enc_free(buffer);

	/* Nothing to free: harmless. */
	enc_free(NULL);
	assert_int_equal(get_stats().slab_buffers, 0);
	assert_int_equal(get_stats().guarded_buffers, 0);
	assert_int_equal(enc_get_stats(NULL), ENC_ERR_INVALID);
}

static void test_locked_bytes_accounting(void **state)
{
	size_t page = test_page_size();
	enc_stats before = get_stats();
	enc_stats during;
	enc_buffer *buffer = NULL;

	assert_int_equal(enc_alloc(100000, 0, &buffer), ENC_OK);
	during = get_stats();
	/* At least the data's pages, no more than the interior (guard
	 * pages excluded). */
	assert_true(during.locked_bytes >= before.locked_bytes + 100000);
	assert_true(during.locked_bytes <=
	            before.locked_bytes + 100000 + page + ENC_CANARY_BYTES);
	assert_true(during.locked_bytes <= during.locked_budget);
	enc_free(buffer);
	assert_int_equal(get_stats().locked_bytes, before.locked_bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip_all_sizes),
	        cmocka_unit_test(test_round_trip_all_sizes_guarded),
	        cmocka_unit_test(test_round_trip_all_sizes_aligned),
	        cmocka_unit_test(test_alloc_is_zeroed_after_reuse),
	        cmocka_unit_test(test_guarded_flush_against_guard_page),
	        cmocka_unit_test(test_aligned_is_16_byte_aligned),
	        cmocka_unit_test(test_unaligned_is_flush),
	        cmocka_unit_test(test_buffers_do_not_overlap),
	        cmocka_unit_test(test_bad_arguments),
	        cmocka_unit_test(test_locked_bytes_accounting),
	};

	return cmocka_run_group_tests(tests, enclave_setup, enclave_teardown);
}
