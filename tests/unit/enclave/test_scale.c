/* Scale: a million sealed 32-byte secrets (ENC_TEST_SECRETS) live at once
 * under a 1 MiB locked budget. Sealed secrets are ordinary memory, so the
 * locked footprint stays flat however many there are. */
#include "config.h"

#include "helpers.h"

#include <sodium.h>
#include <string.h>

#define BUDGET (1024 * 1024)

static int scale_setup(void **state)
{
	enc_config config;
	enc_status status;

	enc_config_default(&config);
	config.locked_budget = BUDGET;
	status = enc_init(&config);
	if (status != ENC_OK) {
		print_error("enc_init: %s\n", enc_strerror(status));
		return -1;
	}
	return 0;
}

/* The plaintext of secret index: 32 bytes of BLAKE2b of the index. */
static void plaintext_of(size_t index, unsigned char out[32])
{
	uint64_t value = index;

	crypto_generichash(out, 32, (const unsigned char *)&value, sizeof value,
	                   NULL, 0);
}

static void check_secret(const enc_sealed *sealed, size_t index)
{
	unsigned char expected[32];
	enc_buffer *opened = NULL;

	plaintext_of(index, expected);
	if (enc_open(sealed, NULL, 0, 0, &opened) != ENC_OK)
		fail_msg("secret %zu does not open", index);
	assert_int_equal(enc_size(opened), 32);
	if (memcmp(enc_data(opened), expected, 32) != 0)
		fail_msg("secret %zu has the wrong contents", index);
	enc_free(opened);
	enc_wipe(expected, sizeof expected);
}

static void test_many_sealed_secrets(void **state)
{
	size_t count = env_number("ENC_TEST_SECRETS", 1000000);
	enc_sealed **sealed = calloc(count, sizeof *sealed);
	enc_buffer *work = NULL;
	enc_stats stats;
	long kb;
	size_t sampled = 0;

	assert_true(count >= 2);
	assert_non_null(sealed);
	/* Half sealed from the caller's memory, half from an enclave
	 * buffer. */
	assert_int_equal(enc_alloc(32, 0, &work), ENC_OK);
	for (size_t i = 0; i < count; i++) {
		enc_status status;

		if (i % 2 == 0) {
			unsigned char plain[32];

			plaintext_of(i, plain);
			status = enc_seal_bytes(plain, sizeof plain, NULL, 0,
			                        &sealed[i]);
			enc_wipe(plain, sizeof plain);
		} else {
			plaintext_of(i, enc_data(work));
			status = enc_seal(work, NULL, 0, &sealed[i]);
		}
		if (status != ENC_OK)
			fail_msg("sealing %zu: %s", i, enc_strerror(status));
	}
	enc_free(work);

	stats = get_stats();
	kb = vm_locked_kb();
	print_message("%zu secrets: VmLck %ld kB, locked_bytes %zu\n", count,
	              kb, stats.locked_bytes);
	assert_int_equal(stats.locked_budget, BUDGET);
	assert_true(stats.locked_bytes <= BUDGET);
	assert_true(kb >= 0 && kb <= BUDGET / 1024);
	assert_int_equal(stats.slab_buffers, 0);
	assert_int_equal(stats.guarded_buffers, 0);

	for (size_t i = 0; i < count; i++) {
		if (i % 997 == 0 || i == count - 1) {
			check_secret(sealed[i], i);
			sampled++;
		}
	}
	assert_true(sampled >= 2);
	/* A neighbour's ciphertext does not open as this secret. */
	{
		enc_buffer *opened = NULL;
		unsigned char expected[32];

		plaintext_of(1, expected);
		assert_int_equal(enc_open(sealed[0], NULL, 0, 0, &opened),
		                 ENC_OK);
		assert_memory_not_equal(enc_data(opened), expected, 32);
		enc_free(opened);
	}
	kb = vm_locked_kb();
	assert_true(kb >= 0 && kb <= BUDGET / 1024);
	assert_true(get_stats().locked_bytes <= BUDGET);

	for (size_t i = 0; i < count; i++)
		enc_sealed_free(sealed[i]);
	free(sealed);
	stats = get_stats();
	assert_int_equal(stats.slab_buffers, 0);
	assert_int_equal(stats.guarded_buffers, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_many_sealed_secrets),
	};

	return cmocka_run_group_tests(tests, scale_setup, enclave_teardown);
}
