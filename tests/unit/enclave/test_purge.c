/* Purge: sealed secrets from before are refused, new ones work, the epoch
 * moves, live buffers are wiped and frozen but can still be freed, and the
 * enclave restarts cleanly after shutdown. */
#include "config.h"

#include "helpers.h"

#include "enclave/internal.h"

#include <string.h>

static void test_old_secrets_purged_new_ones_work(void **state)
{
	unsigned char plain[32];
	enc_sealed *old_secret = NULL;
	enc_sealed *new_secret = NULL;
	enc_buffer *opened = NULL;
	enc_buffer *into = NULL;
	uint64_t epoch = get_stats().key_epoch;

	fill_pattern(plain, sizeof plain, 1);
	assert_int_equal(
	        enc_seal_bytes(plain, sizeof plain, NULL, 0, &old_secret),
	        ENC_OK);
	/* The control: it opens before the purge. */
	assert_int_equal(enc_open(old_secret, NULL, 0, 0, &opened), ENC_OK);
	enc_free(opened);
	opened = NULL;

	enc_purge();
	assert_int_equal(get_stats().key_epoch, epoch + 1);
	assert_int_equal(enc_open(old_secret, NULL, 0, 0, &opened),
	                 ENC_ERR_PURGED);
	assert_null(opened);
	assert_int_equal(enc_alloc(sizeof plain, 0, &into), ENC_OK);
	assert_int_equal(enc_open_into(old_secret, NULL, 0, into),
	                 ENC_ERR_PURGED);
	assert_true(all_zero(enc_data(into), sizeof plain));

	assert_int_equal(
	        enc_seal_bytes(plain, sizeof plain, NULL, 0, &new_secret),
	        ENC_OK);
	assert_int_equal(enc_open(new_secret, NULL, 0, 0, &opened), ENC_OK);
	assert_memory_equal(enc_data(opened), plain, sizeof plain);
	enc_free(opened);
	opened = NULL;
	assert_int_equal(enc_open_into(new_secret, NULL, 0, into), ENC_OK);
	assert_memory_equal(enc_data(into), plain, sizeof plain);

	/* A second purge: both are now refused. */
	enc_purge();
	assert_int_equal(get_stats().key_epoch, epoch + 2);
	assert_int_equal(enc_open(new_secret, NULL, 0, 0, &opened),
	                 ENC_ERR_PURGED);
	assert_int_equal(enc_open(old_secret, NULL, 0, 0, &opened),
	                 ENC_ERR_PURGED);
	enc_free(into);
	enc_sealed_free(old_secret);
	enc_sealed_free(new_secret);
}

/* Forging the epoch does not help: the key is gone. */
static void test_forged_epoch_fails(void **state)
{
	unsigned char plain[32] = {3};
	enc_sealed *sealed = NULL;
	enc_buffer *opened = NULL;

	assert_int_equal(enc_seal_bytes(plain, sizeof plain, NULL, 0, &sealed),
	                 ENC_OK);
	enc_purge();
	sealed->epoch = get_stats().key_epoch;
	assert_int_equal(enc_open(sealed, NULL, 0, 0, &opened), ENC_ERR_AUTH);
	assert_null(opened);
	enc_sealed_free(sealed);
}

#define LIVE 6

static void test_live_buffers_wiped(void **state)
{
	static const size_t sizes[LIVE] = {1, 32, 4096, 4097, 100000, 64};
	static const unsigned flags[LIVE] = {0, 0, 0, 0, 0, ENC_ALLOC_GUARDED};
	static const enc_access states[LIVE] = {ENC_READWRITE, ENC_READONLY,
	                                        ENC_NOACCESS,  ENC_READONLY,
	                                        ENC_NOACCESS,  ENC_READWRITE};
	enc_buffer *buffers[LIVE];
	unsigned char *seen = malloc(100000);

	assert_non_null(seen);
	for (size_t i = 0; i < LIVE; i++) {
		buffers[i] = NULL;
		assert_int_equal(enc_alloc(sizes[i], flags[i], &buffers[i]),
		                 ENC_OK);
		memset(enc_data(buffers[i]), 0xc3, sizes[i]);
		assert_int_equal(enc_protect(buffers[i], states[i]), ENC_OK);
		/* The control: /proc/self/mem shows the bytes. */
		assert_true(
		        read_own_memory(enc_data(buffers[i]), seen, sizes[i]));
		assert_int_equal(seen[0], 0xc3);
		assert_int_equal(seen[sizes[i] - 1], 0xc3);
	}

	enc_purge();

	for (size_t i = 0; i < LIVE; i++) {
		if (!read_own_memory(enc_data(buffers[i]), seen, sizes[i]))
			fail_msg("buffer %zu (%zu bytes) unreadable after "
			         "purge",
			         i, sizes[i]);
		if (!all_zero(seen, sizes[i]))
			fail_msg("buffer %zu (%zu bytes) not wiped", i,
			         sizes[i]);
		assert_int_equal(enc_access_of(buffers[i]), ENC_NOACCESS);
		assert_int_equal(enc_protect(buffers[i], ENC_READONLY),
		                 ENC_ERR_PURGED);
		assert_int_equal(enc_protect(buffers[i], ENC_READWRITE),
		                 ENC_ERR_PURGED);
		assert_int_equal(enc_verify(buffers[i]), ENC_ERR_PURGED);
	}
	/* Sealing a purged buffer gives nothing away. */
	enc_sealed *sealed = NULL;
	assert_int_equal(enc_seal(buffers[1], NULL, 0, &sealed),
	                 ENC_ERR_PURGED);
	assert_null(sealed);
	for (size_t i = 0; i < LIVE; i++)
		enc_free(buffers[i]);
	enc_stats stats = get_stats();
	assert_int_equal(stats.slab_buffers, 0);
	assert_int_equal(stats.guarded_buffers, 0);

	/* New buffers work after the purge. */
	enc_buffer *fresh = NULL;
	assert_int_equal(enc_alloc(32, 0, &fresh), ENC_OK);
	assert_true(all_zero(enc_data(fresh), 32));
	fill_pattern(enc_data(fresh), 32, 8);
	assert_int_equal(enc_protect(fresh, ENC_READONLY), ENC_OK);
	assert_true(check_pattern(enc_data(fresh), 32, 8));
	enc_free(fresh);
	free(seen);
}

static void test_shutdown_then_init(void **state)
{
	unsigned char plain[16] = {9};
	enc_sealed *sealed = NULL;
	enc_buffer *buffer = NULL;
	enc_buffer *opened = NULL;

	assert_int_equal(enc_seal_bytes(plain, sizeof plain, NULL, 0, &sealed),
	                 ENC_OK);
	enc_purge();
	enc_shutdown();
	assert_int_equal(enc_alloc(16, 0, &buffer), ENC_ERR_NOT_READY);
	assert_int_equal(enc_init(NULL), ENC_OK);
	/* Secrets from the earlier enclave stay unreadable. */
	enc_status status = enc_open(sealed, NULL, 0, 0, &opened);
	assert_true(status == ENC_ERR_PURGED || status == ENC_ERR_AUTH);
	assert_int_equal(enc_alloc(16, 0, &buffer), ENC_OK);
	enc_free(buffer);
	enc_sealed_free(sealed);
	enc_stats stats = get_stats();
	assert_int_equal(stats.slab_buffers, 0);
	assert_int_equal(stats.guarded_buffers, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(
	                test_old_secrets_purged_new_ones_work, enclave_setup,
	                enclave_teardown),
	        cmocka_unit_test_setup_teardown(test_forged_epoch_fails,
	                                        enclave_setup,
	                                        enclave_teardown),
	        cmocka_unit_test_setup_teardown(test_live_buffers_wiped,
	                                        enclave_setup,
	                                        enclave_teardown),
	        cmocka_unit_test_setup_teardown(test_shutdown_then_init,
	                                        enclave_setup,
	                                        enclave_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
