/* The constant-time helpers, wipe and random. */
#include "config.h"

#include "helpers.h"

#include <string.h>

static void test_ct_equal(void **state)
{
	unsigned char a[64];
	unsigned char b[64];

	fill_pattern(a, sizeof a, 1);
	memcpy(b, a, sizeof b);
	assert_true(enc_ct_equal(a, b, sizeof a));
	assert_true(enc_ct_equal(a, b, 0));
	assert_true(enc_ct_equal(a, a, sizeof a));
	/* Every single-bit difference, at every position, is seen. */
	for (size_t i = 0; i < sizeof a; i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (unsigned char)(1u << bit);
			assert_false(enc_ct_equal(a, b, sizeof a));
			/* ... but only within n bytes. */
			assert_true(enc_ct_equal(a, b, i));
			b[i] ^= (unsigned char)(1u << bit);
		}
	}
	assert_true(enc_ct_equal(a, b, sizeof a));
	/* Many differences. */
	memset(b, 0, sizeof b);
	memset(a, 0xff, sizeof a);
	assert_false(enc_ct_equal(a, b, sizeof a));
	assert_false(enc_ct_equal(a, b, 1));
}

static void test_ct_is_zero(void **state)
{
	unsigned char data[100];

	memset(data, 0, sizeof data);
	assert_true(enc_ct_is_zero(data, sizeof data));
	assert_true(enc_ct_is_zero(data, 0));
	/* The buffer is cleared at the top of each step, not by undoing the
	 * bit after the checks: GCC 12.2 -O2 drops that trailing store
	 * (tree-dse), which made this test fail on correct code. */
	for (size_t i = 0; i < sizeof data; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memset(data, 0, sizeof data);
			data[i] = (unsigned char)(1u << bit);
			if (enc_ct_is_zero(data, sizeof data))
				fail_msg("byte %zu bit %d: zero", i, bit);
			if (!enc_ct_is_zero(data, i))
				fail_msg("byte %zu bit %d: first %zu bytes "
				         "not zero",
				         i, bit, i);
		}
	}
	memset(data, 0x80, sizeof data);
	assert_false(enc_ct_is_zero(data, sizeof data));
}

static void test_ct_copy_if(void **state)
{
	unsigned char source[40];
	unsigned char destination[40];
	unsigned char original[40];

	fill_pattern(source, sizeof source, 2);
	fill_pattern(original, sizeof original, 3);

	memcpy(destination, original, sizeof destination);
	enc_ct_copy_if(false, destination, source, sizeof source);
	assert_memory_equal(destination, original, sizeof destination);

	enc_ct_copy_if(true, destination, source, sizeof source);
	assert_memory_equal(destination, source, sizeof destination);

	/* Only n bytes. */
	memcpy(destination, original, sizeof destination);
	enc_ct_copy_if(true, destination, source, 10);
	assert_memory_equal(destination, source, 10);
	assert_memory_equal(destination + 10, original + 10,
	                    sizeof destination - 10);

	/* n = 0 touches nothing. */
	memcpy(destination, original, sizeof destination);
	enc_ct_copy_if(true, destination, source, 0);
	assert_memory_equal(destination, original, sizeof destination);

	/* Any true value of the condition. */
	memcpy(destination, original, sizeof destination);
	enc_ct_copy_if((bool)7, destination, source, sizeof source);
	assert_memory_equal(destination, source, sizeof destination);
}

static void test_wipe(void **state)
{
	unsigned char data[77];

	memset(data, 0xee, sizeof data);
	enc_wipe(data, 10);
	assert_true(all_zero(data, 10));
	assert_int_equal(data[10], 0xee);
	enc_wipe(data, sizeof data);
	assert_true(all_zero(data, sizeof data));
	enc_wipe(data, 0);

	/* In an enclave buffer too. */
	enc_buffer *buffer = NULL;
	assert_int_equal(enc_alloc(300, 0, &buffer), ENC_OK);
	memset(enc_data(buffer), 0x99, 300);
	enc_wipe(enc_data(buffer), 300);
	assert_true(all_zero(enc_data(buffer), 300));
	enc_free(buffer);
}

static void test_random(void **state)
{
	unsigned char first[32];
	unsigned char second[32];
	unsigned char large[4096];
	size_t counts[256] = {0};

	memset(first, 0, sizeof first);
	memset(second, 0, sizeof second);
	enc_random(first, sizeof first);
	enc_random(second, sizeof second);
	assert_false(all_zero(first, sizeof first));
	assert_false(all_zero(second, sizeof second));
	assert_memory_not_equal(first, second, sizeof first);

	/* Fills every byte: no long run of untouched zeros. */
	memset(large, 0, sizeof large);
	enc_random(large, sizeof large);
	for (size_t i = 0; i < sizeof large; i++)
		counts[large[i]]++;
	/* Expected 16 each; zero would need a broken generator. */
	assert_true(counts[0] < 64);
	for (size_t i = 0; i + 8 <= sizeof large; i += 8)
		assert_false(all_zero(large + i, 8));
	enc_random(large, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ct_equal),
	        cmocka_unit_test(test_ct_is_zero),
	        cmocka_unit_test(test_ct_copy_if),
	        cmocka_unit_test(test_wipe),
	        cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, enclave_setup, enclave_teardown);
}
