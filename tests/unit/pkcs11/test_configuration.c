/* The configuration file: defaults, every key, and clear errors for
 * unknown keys and bad values (naming file and line). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pkcs11/configuration.h"

static char directory[] = "/tmp/guardhsm-config-test-XXXXXX";
static char path[256];

static int make_directory(void **state)
{
	(void)state;
	if (mkdtemp(directory) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/guardhsm.conf", directory);
	return 0;
}

static int remove_directory(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(directory);
}

static void write_config(const char *text)
{
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	fputs(text, file);
	fclose(file);
}

static int read_config(p11_config *config, char *error, size_t size)
{
	p11_config_defaults(config);
	error[0] = '\0';
	return p11_config_read_file(config, path, error, size);
}

static void test_defaults_follow_xdg(void **state)
{
	(void)state;
	p11_config config;
	setenv("XDG_DATA_HOME", "/srv/data", 1);
	p11_config_defaults(&config);
	assert_string_equal(config.store_path, "/srv/data/guardhsm");
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/someone", 1);
	p11_config_defaults(&config);
	assert_string_equal(config.store_path,
	                    "/home/someone/.local/share/guardhsm");
	assert_int_equal(config.pin_tries, 10);
	assert_int_equal(config.log_level, P11_LOG_WARNING);
	assert_int_equal(config.kdf, P11_KDF_INTERACTIVE);
	assert_int_equal(config.secretmem, ENC_SECRETMEM_OFF);
	assert_int_equal(config.reprotect_delay_ms, 20);
}

static void test_every_key(void **state)
{
	(void)state;
	write_config("# comment\n"
	             "\n"
	             "store_path = /var/lib/tokens\n"
	             "  log_level=debug  \n"
	             "log_file = /var/log/guardhsm.log\n"
	             "pin_tries = 3\n"
	             "enclave_budget = 16M\n"
	             "secretmem = auto\n"
	             "enclave_reprotect_delay = 0\n"
	             "pin_kdf = moderate\n");
	p11_config config;
	char error[512];
	assert_int_equal(read_config(&config, error, sizeof(error)), 0);
	assert_string_equal(config.store_path, "/var/lib/tokens");
	assert_int_equal(config.log_level, P11_LOG_DEBUG);
	assert_string_equal(config.log_file, "/var/log/guardhsm.log");
	assert_int_equal(config.pin_tries, 3);
	assert_int_equal(config.enclave_budget, 16u << 20);
	assert_int_equal(config.secretmem, ENC_SECRETMEM_AUTO);
	assert_int_equal(config.reprotect_delay_ms, 0);
	assert_int_equal(config.kdf, P11_KDF_MODERATE);
	assert_string_equal(config.source_file, path);
}

static void expect_error(const char *text, const char *fragment, int line)
{
	write_config(text);
	p11_config config;
	char error[512];
	assert_int_equal(read_config(&config, error, sizeof(error)), -1);
	if (strstr(error, fragment) == NULL)
		fail_msg("error '%s' lacks '%s'", error, fragment);
	char where[300];
	snprintf(where, sizeof(where), "%s:%d:", path, line);
	if (strstr(error, where) == NULL)
		fail_msg("error '%s' does not name %s", error, where);
}

static void test_errors_are_clear(void **state)
{
	(void)state;
	expect_error("store_pth = /x\n", "unknown key", 1);
	expect_error("\nlog_level = loud\n", "log_level", 2);
	expect_error("pin_tries = 0\n", "pin_tries", 1);
	expect_error("pin_tries = 101\n", "pin_tries", 1);
	expect_error("pin_tries = 3x\n", "pin_tries", 1);
	expect_error("enclave_budget = 1K\n", "enclave_budget", 1);
	expect_error("enclave_budget = 12Q\n", "enclave_budget", 1);
	expect_error("enclave_budget = -5\n", "enclave_budget", 1);
	expect_error("secretmem = maybe\n", "secretmem", 1);
	expect_error("enclave_reprotect_delay = 10001\n",
	             "enclave_reprotect_delay", 1);
	expect_error("enclave_reprotect_delay = -1\n",
	             "enclave_reprotect_delay", 1);
	expect_error("enclave_reprotect_delay = 20s\n",
	             "enclave_reprotect_delay", 1);
	expect_error("enclave_reprotect_delay = ms\n",
	             "enclave_reprotect_delay", 1);
	expect_error("store_path = relative/dir\n", "absolute", 1);
	expect_error("just words\n", "key = value", 1);
	expect_error("pin_kdf = weak\n", "pin_kdf", 1);
}

static void test_missing_explicit_file_is_an_error(void **state)
{
	(void)state;
	p11_config config;
	char error[512];
	setenv("GUARDHSM_CONF", "/nonexistent/guardhsm.conf", 1);
	assert_int_equal(p11_config_load(&config, error, sizeof(error)), -1);
	assert_non_null(strstr(error, "/nonexistent/guardhsm.conf"));
	unsetenv("GUARDHSM_CONF");
}

/* Each key remembers the line that set it (0: the default), and formats
 * back as the file would spell it. */
static void test_sources_and_formatting(void **state)
{
	(void)state;
	p11_config config;
	char error[512], value[64];
	write_config("# comment\n"
	             "pin_tries = 5\n"
	             "\n"
	             "enclave_budget = 16m\n"
	             "openssl_secure_heap = 65536\n"
	             "pin_tries = 7\n");
	assert_int_equal(read_config(&config, error, sizeof(error)), 0);
	assert_string_equal(config.source_file, path);
	assert_int_equal(config.source_line[P11_CONFIG_PIN_TRIES], 6);
	assert_int_equal(config.source_line[P11_CONFIG_ENCLAVE_BUDGET], 4);
	assert_int_equal(config.source_line[P11_CONFIG_SECURE_HEAP], 5);
	assert_int_equal(config.source_line[P11_CONFIG_STORE_PATH], 0);
	assert_int_equal(config.source_line[P11_CONFIG_LOG_LEVEL], 0);

	assert_int_equal(p11_config_format(&config, P11_CONFIG_PIN_TRIES, value,
	                                   sizeof(value)),
	                 0);
	assert_string_equal(value, "7");
	assert_int_equal(p11_config_format(&config, P11_CONFIG_ENCLAVE_BUDGET,
	                                   value, sizeof(value)),
	                 0);
	assert_string_equal(value, "16M");
	assert_int_equal(p11_config_format(&config, P11_CONFIG_SECURE_HEAP,
	                                   value, sizeof(value)),
	                 0);
	assert_string_equal(value, "64K");
	assert_int_equal(p11_config_format(&config, P11_CONFIG_LOG_LEVEL, value,
	                                   sizeof(value)),
	                 0);
	assert_string_equal(value, "warning");
	assert_int_equal(p11_config_format(&config, P11_CONFIG_LOG_FILE, value,
	                                   sizeof(value)),
	                 0);
	assert_string_equal(value, "");
	assert_int_equal(p11_config_format(&config, P11_CONFIG_REPROTECT_DELAY,
	                                   value, sizeof(value)),
	                 0);
	assert_string_equal(value, "20ms");
	/* Too small a buffer, or no such key: an error, not a truncation. */
	assert_int_equal(
	        p11_config_format(&config, P11_CONFIG_PIN_KDF, value, 4), -1);
	assert_int_equal(p11_config_format(&config, P11_CONFIG_KEY_COUNT, value,
	                                   sizeof(value)),
	                 -1);
	assert_string_equal(p11_config_key_name(P11_CONFIG_SECURE_HEAP),
	                    "openssl_secure_heap");
	assert_null(p11_config_key_name(P11_CONFIG_KEY_COUNT));
	/* Every key formats, and reads back to the same value. */
	FILE *file = fopen(path, "w");
	assert_non_null(file);
	for (int key = 0; key < P11_CONFIG_KEY_COUNT; key++) {
		assert_int_equal(
		        p11_config_format(&config, key, value, sizeof(value)),
		        0);
		if (value[0] != '\0')
			fprintf(file, "%s = %s\n", p11_config_key_name(key),
			        value);
	}
	fclose(file);
	p11_config again;
	assert_int_equal(read_config(&again, error, sizeof(error)), 0);
	memset(again.source_line, 0, sizeof(again.source_line));
	memset(config.source_line, 0, sizeof(config.source_line));
	assert_memory_equal(&again, &config, sizeof(config));
}

static void test_no_file_means_defaults(void **state)
{
	(void)state;
	p11_config config;
	char error[512];
	unsetenv("GUARDHSM_CONF");
	setenv("XDG_CONFIG_HOME", directory, 1); /* no guardhsm/ inside */
	/* /etc/guardhsm/guardhsm.conf may exist on a user's machine; the
	 * test only requires that loading succeeds. */
	assert_int_equal(p11_config_load(&config, error, sizeof(error)), 0);
	unsetenv("XDG_CONFIG_HOME");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults_follow_xdg),
	        cmocka_unit_test(test_every_key),
	        cmocka_unit_test(test_errors_are_clear),
	        cmocka_unit_test(test_missing_explicit_file_is_an_error),
	        cmocka_unit_test(test_no_file_means_defaults),
	        cmocka_unit_test(test_sources_and_formatting),
	};
	return cmocka_run_group_tests(tests, make_directory, remove_directory);
}
