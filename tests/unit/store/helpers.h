/* Shared helpers for the store unit tests: a fresh enclave and temporary
 * directory per test, tokens with fast (test-only) Argon2id limits, and
 * raw file access for the tampering tests. */
#ifndef GUARDHSM_TESTS_STORE_HELPERS_H
#define GUARDHSM_TESTS_STORE_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "store/store.h"

#define TEST_SO_PIN "so-pin-1234"
#define TEST_USER_PIN "user-pin-5678"
#define PIN(text) (const unsigned char *)(text), (sizeof(text) - 1)

typedef struct store_fixture {
	char directory[64];
} store_fixture;

/* cmocka setup/teardown: enc_init(NULL), weak KDF allowed, a new
 * temporary directory (removed with everything in it by teardown), and
 * enc_shutdown(). */
int store_setup(void **state);
int store_teardown(void **state);
const char *fixture_directory(void **state);

/* A blank-padded PKCS#11 label. */
void make_label(char label[STORE_LABEL_BYTES], const char *text);

/* A token with Argon2id at libsodium's minimum (opslimit 1, 8 KiB) and
 * the SO PIN TEST_SO_PIN. */
store_token *create_test_token(const char *directory, uint32_t max_pin_tries);
/* As above, with the user PIN TEST_USER_PIN set and nobody logged in. */
store_token *create_token_with_user(const char *directory,
                                    uint32_t max_pin_tries);

/* The token file's path. */
void token_path(store_token *token, char path[4096]);

/* Whole file contents (malloc'd; NULL and 0 if the file is missing). */
unsigned char *read_whole_file(const char *path, size_t *size);
bool bytes_contain(const unsigned char *haystack, size_t size,
                   const void *needle, size_t length);

/* Runs sql on the file through a separate raw SQLite connection. */
void raw_sql(const char *path, const char *sql);

double now_seconds(void);

/* A public attribute list helper: one plain attribute. */
store_attribute plain_attribute(uint64_t type, const void *value,
                                size_t length);

#endif /* GUARDHSM_TESTS_STORE_HELPERS_H */
