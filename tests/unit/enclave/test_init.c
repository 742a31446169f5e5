/* Lifecycle: calls before enc_init, nested init/shutdown, the first
 * configuration holding, enc_strerror and enc_config_default. */
#include "config.h"

#include "helpers.h"

#include <string.h>

static void test_not_ready_before_init(void **state)
{
	enc_buffer *buffer = NULL;
	enc_sealed *sealed = NULL;
	enc_stats stats;
	unsigned char bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8};

	assert_int_equal(enc_alloc(16, 0, &buffer), ENC_ERR_NOT_READY);
	assert_null(buffer);
	assert_int_equal(enc_get_stats(&stats), ENC_ERR_NOT_READY);
	assert_int_equal(enc_seal_bytes(bytes, sizeof bytes, NULL, 0, &sealed),
	                 ENC_ERR_NOT_READY);
	assert_null(sealed);
	/* Harmless without an enclave. */
	enc_free(NULL);
	enc_sealed_free(NULL);
}

static void test_init_shutdown_nesting(void **state)
{
	enc_buffer *buffer = NULL;
	enc_stats stats;

	assert_int_equal(enc_init(NULL), ENC_OK);
	assert_int_equal(enc_init(NULL), ENC_OK);
	enc_shutdown();
	/* One enc_init is still outstanding: the enclave works. */
	assert_int_equal(enc_get_stats(&stats), ENC_OK);
	assert_int_equal(enc_alloc(32, 0, &buffer), ENC_OK);
	enc_free(buffer);
	enc_shutdown();
	assert_int_equal(enc_get_stats(&stats), ENC_ERR_NOT_READY);
	buffer = NULL;
	assert_int_equal(enc_alloc(32, 0, &buffer), ENC_ERR_NOT_READY);
	/* And again from scratch. */
	assert_int_equal(enc_init(NULL), ENC_OK);
	assert_int_equal(enc_get_stats(&stats), ENC_OK);
	assert_int_equal(stats.slab_buffers, 0);
	assert_int_equal(stats.guarded_buffers, 0);
	enc_shutdown();
}

static void test_first_config_holds(void **state)
{
	enc_config config;
	enc_stats stats;

	enc_config_default(&config);
	config.locked_budget = 3 * 1024 * 1024;
	assert_int_equal(enc_init(&config), ENC_OK);
	config.locked_budget = 5 * 1024 * 1024;
	assert_int_equal(enc_init(&config), ENC_OK);
	assert_int_equal(enc_get_stats(&stats), ENC_OK);
	assert_int_equal(stats.locked_budget, 3 * 1024 * 1024);
	enc_shutdown();
	enc_shutdown();
	/* After the last shutdown a new configuration applies. */
	assert_int_equal(enc_init(&config), ENC_OK);
	assert_int_equal(enc_get_stats(&stats), ENC_OK);
	assert_int_equal(stats.locked_budget, 5 * 1024 * 1024);
	enc_shutdown();
}

static void test_config_default(void **state)
{
	enc_config config;

	memset(&config, 0xa5, sizeof config);
	enc_config_default(&config);
	assert_int_equal(config.locked_budget, 0);
	assert_false(config.allow_unlocked);
	assert_int_equal(config.secretmem, ENC_SECRETMEM_OFF);
	/* 0 means 500 ms. */
	assert_true(config.rekey_interval_ms == 0 ||
	            config.rekey_interval_ms == 500);
	assert_null(config.log);
	assert_null(config.log_context);
}

static void test_strerror(void **state)
{
	const char *seen[ENC_ERR_UNSUPPORTED + 1];

	for (int status = ENC_OK; status <= ENC_ERR_UNSUPPORTED; status++) {
		const char *text = enc_strerror((enc_status)status);

		assert_non_null(text);
		assert_true(strlen(text) > 0);
		seen[status] = text;
		for (int other = ENC_OK; other < status; other++)
			assert_string_not_equal(seen[other], text);
	}
	assert_non_null(enc_strerror((enc_status)12345));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_not_ready_before_init),
	        cmocka_unit_test(test_init_shutdown_nesting),
	        cmocka_unit_test(test_first_config_holds),
	        cmocka_unit_test(test_config_default),
	        cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
