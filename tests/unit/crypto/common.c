/* Shared helpers for the crypto unit tests. */
#include "config.h"

#include "common.h"

#include <ctype.h>
#include <string.h>

int crypto_setup(void **state)
{
	enc_status status = enc_init(NULL);
	cry_status crypto;

	if (status != ENC_OK) {
		print_error("enc_init: %s\n", enc_strerror(status));
		return -1;
	}
	crypto = cry_init(0, NULL);
	if (crypto != CRY_OK) {
		print_error("cry_init: %s\n", cry_strerror(crypto));
		enc_shutdown();
		return -1;
	}
	return 0;
}

int crypto_teardown(void **state)
{
	enc_shutdown();
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t hex_decode(const char *hex, uint8_t *out, size_t capacity)
{
	size_t length = 0;
	int high = -1;

	for (; *hex != '\0'; hex++) {
		int value;

		if (isspace((unsigned char)*hex))
			continue;
		value = hex_value(*hex);
		assert_true(value >= 0);
		if (high < 0) {
			high = value;
			continue;
		}
		assert_true(length < capacity);
		out[length++] = (uint8_t)(high << 4 | value);
		high = -1;
	}
	assert_true(high < 0);
	return length;
}

uint8_t *hex_alloc(const char *hex, size_t *length)
{
	size_t capacity = strlen(hex) / 2 + 1;
	uint8_t *out = malloc(capacity);

	assert_non_null(out);
	*length = hex_decode(hex, out, capacity);
	return out;
}

enc_buffer *secret_from_hex(const char *hex)
{
	size_t capacity = strlen(hex) / 2;
	enc_buffer *buffer = NULL;
	size_t length;

	assert_int_equal(ENC_OK, enc_alloc(capacity, 0, &buffer));
	length = hex_decode(hex, enc_data(buffer), capacity);
	assert_int_equal(length, capacity);
	assert_int_equal(ENC_OK, enc_protect(buffer, ENC_READONLY));
	return buffer;
}

enc_buffer *secret_from_bytes(const void *data, size_t length)
{
	enc_buffer *buffer = NULL;

	assert_int_equal(ENC_OK, enc_alloc(length, 0, &buffer));
	memcpy(enc_data(buffer), data, length);
	assert_int_equal(ENC_OK, enc_protect(buffer, ENC_READONLY));
	return buffer;
}

void assert_hex_equal(const uint8_t *actual, size_t length, const char *hex)
{
	size_t expected_length;
	uint8_t *expected = hex_alloc(hex, &expected_length);

	assert_int_equal(expected_length, length);
	assert_memory_equal(expected, actual, length);
	free(expected);
}

void assert_buffer_hex(const enc_buffer *buffer, const char *hex)
{
	assert_int_not_equal(ENC_NOACCESS, enc_access_of(buffer));
	assert_hex_equal(enc_data(buffer), enc_size(buffer), hex);
}
