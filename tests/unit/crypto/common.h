/* Shared helpers for the crypto unit tests: setup and teardown, hex
 * vectors, and secrets placed straight into enclave buffers. */
#ifndef GUARDHSM_TESTS_CRYPTO_COMMON_H
#define GUARDHSM_TESTS_CRYPTO_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "crypto/crypto.h"
#include "enclave/enclave.h"

/* cmocka group setup/teardown: enc_init(NULL) + cry_init(0, NULL), and
 * enc_shutdown(). */
int crypto_setup(void **state);
int crypto_teardown(void **state);

/* Decodes hex (whitespace ignored) into out; returns the byte count and
 * fails the test if it does not fit or is malformed. */
size_t hex_decode(const char *hex, uint8_t *out, size_t capacity);
/* The same into a new heap block (free it); *length gets the size. */
uint8_t *hex_alloc(const char *hex, size_t *length);

/* A secret decoded from hex straight into a new enclave buffer, left
 * READONLY (as keys are when the crypto layer sees them). */
enc_buffer *secret_from_hex(const char *hex);
enc_buffer *secret_from_bytes(const void *data, size_t length);

/* Asserts length bytes equal the hex vector. */
void assert_hex_equal(const uint8_t *actual, size_t length, const char *hex);
/* Asserts a (readable) buffer's contents equal the hex vector. */
void assert_buffer_hex(const enc_buffer *buffer, const char *hex);

#define assert_cry(expected, call)                                             \
	assert_int_equal((int)(expected), (int)(call))
#define assert_cry_ok(call) assert_cry(CRY_OK, call)

#endif /* GUARDHSM_TESTS_CRYPTO_COMMON_H */
