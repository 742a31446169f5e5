/* The split sealing key: it is re-randomised while in use, sealed secrets
 * survive every re-randomisation, and an idle key is left alone. */
#include "config.h"

#include "helpers.h"

#include <stdio.h>
#include <string.h>
#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include <string.h>
#include <time.h>

#define SECRETS 64

static int coffer_setup(void **state)
{
	enc_config config;
	enc_status status;

	enc_config_default(&config);
	config.rekey_interval_ms = 1;
	status = enc_init(&config);
	if (status != ENC_OK) {
		print_error("enc_init: %s\n", enc_strerror(status));
		return -1;
	}
	return 0;
}

static void sleep_ms(long milliseconds)
{
	struct timespec delay = {milliseconds / 1000,
	                         (milliseconds % 1000) * 1000000L};

	while (nanosleep(&delay, &delay) != 0)
		;
}

static long now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

static void open_and_check(const enc_sealed *sealed, size_t index)
{
	enc_buffer *opened = NULL;

	assert_int_equal(enc_open(sealed, &index, sizeof index, 0, &opened),
	                 ENC_OK);
	assert_true(check_pattern(enc_data(opened), 32, index));
	enc_free(opened);
}

static void test_rekeys_keep_secrets_open(void **state)
{
	enc_sealed *sealed[SECRETS];
	uint64_t first_rekeys = get_stats().rekeys;
	uint64_t epoch = get_stats().key_epoch;
	size_t made = 0;

	/* Seal over time, so that secrets come from many key splits. */
	for (size_t round = 0; round < 8; round++) {
		for (size_t i = 0; i < SECRETS / 8; i++, made++) {
			unsigned char plain[32];

			fill_pattern(plain, sizeof plain, made);
			assert_int_equal(enc_seal_bytes(plain, sizeof plain,
			                                &made, sizeof made,
			                                &sealed[made]),
			                 ENC_OK);
			enc_wipe(plain, sizeof plain);
		}
		sleep_ms(3);
		/* Every secret so far still opens after the rekey. */
		for (size_t i = 0; i < made; i++)
			open_and_check(sealed[i], i);
	}
	enc_stats stats = get_stats();
	print_message("rekeys: %llu\n",
	              (unsigned long long)(stats.rekeys - first_rekeys));
	assert_true(stats.rekeys >= first_rekeys + 5);
	/* Re-randomising the split is not a new key. */
	assert_int_equal(stats.key_epoch, epoch);
	for (size_t i = 0; i < SECRETS; i++) {
		open_and_check(sealed[i], i);
		enc_sealed_free(sealed[i]);
	}
}

static void test_rekeys_only_while_in_use(void **state)
{
	unsigned char plain[32] = {7};
	enc_sealed *sealed = NULL;
	uint64_t before;
	uint64_t after;

	assert_int_equal(enc_seal_bytes(plain, sizeof plain, NULL, 0, &sealed),
	                 ENC_OK);
	before = get_stats().rekeys;
	sleep_ms(30);
	after = get_stats().rekeys;
	/* Idle: nothing happened, however long the wait. */
	assert_int_equal(after, before);
	sleep_ms(5);
	assert_int_equal(get_stats().rekeys, before);

	/* In use after the interval: one rekey (at most one per use). */
	enc_buffer *opened = NULL;
	assert_int_equal(enc_open(sealed, NULL, 0, 0, &opened), ENC_OK);
	after = get_stats().rekeys;
	assert_true(after >= before + 1);
	assert_true(after <= before + 2);
	assert_int_equal(((unsigned char *)enc_data(opened))[0], 7);
	enc_free(opened);
	enc_sealed_free(sealed);
}

/* With the default interval (500 ms) a burst of use rekeys at most once. */
static void test_default_interval_limits_rekeys(void **state)
{
	unsigned char plain[32] = {1};
	uint64_t before;
	long start;

	enc_shutdown();
	assert_int_equal(enc_init(NULL), ENC_OK);
	before = get_stats().rekeys;
	start = now_ms();
	for (int i = 0; i < 200; i++) {
		enc_sealed *sealed = NULL;
		enc_buffer *opened = NULL;

		assert_int_equal(
		        enc_seal_bytes(plain, sizeof plain, NULL, 0, &sealed),
		        ENC_OK);
		assert_int_equal(enc_open(sealed, NULL, 0, 0, &opened), ENC_OK);
		enc_free(opened);
		enc_sealed_free(sealed);
	}
	/* Slow runs (valgrind) may cross a few intervals. */
	assert_true(get_stats().rekeys <=
	            before + 1 + (uint64_t)((now_ms() - start) / 500));
}

/* Where the CPU has memory protection keys (and valgrind, which does not
 * emulate them, is not running), the key page uses one. */
static void test_protection_key_where_available(void **state)
{
	enc_stats stats;
	assert_int_equal(enc_get_stats(&stats), ENC_OK);
	bool cpu_has_keys = false;
	FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
	char line[4096];
	while (cpuinfo != NULL && fgets(line, sizeof line, cpuinfo) != NULL)
		if (strncmp(line, "flags", 5) == 0 && strstr(line, " pku") &&
		    strstr(line, " ospke"))
			cpu_has_keys = true;
	if (cpuinfo != NULL)
		fclose(cpuinfo);
	if (cpu_has_keys && !RUNNING_ON_VALGRIND)
		assert_true(stats.protection_key);
	else
		assert_false(stats.protection_key);
	/* Either way, sealing and opening work across many uses. */
	for (int i = 0; i < 100; i++) {
		unsigned char secret[32];
		enc_random(secret, sizeof secret);
		enc_sealed *sealed = NULL;
		enc_buffer *opened = NULL;
		assert_int_equal(
		        enc_seal_bytes(secret, sizeof secret, NULL, 0, &sealed),
		        ENC_OK);
		assert_int_equal(enc_open(sealed, NULL, 0, 0, &opened), ENC_OK);
		assert_memory_equal(enc_data(opened), secret, sizeof secret);
		enc_free(opened);
		enc_sealed_free(sealed);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(
	                test_protection_key_where_available, enclave_setup,
	                enclave_teardown),
	        cmocka_unit_test_setup_teardown(test_rekeys_keep_secrets_open,
	                                        coffer_setup, enclave_teardown),
	        cmocka_unit_test_setup_teardown(test_rekeys_only_while_in_use,
	                                        coffer_setup, enclave_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_default_interval_limits_rekeys, coffer_setup,
	                enclave_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
