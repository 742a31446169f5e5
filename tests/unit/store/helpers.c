#include "config.h"

#include "helpers.h"

#include <ftw.h>
#include <sqlite3.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int store_setup(void **state)
{
	if (enc_init(NULL) != ENC_OK)
		return -1;
	store_testing_allow_weak_kdf(true);
	store_fixture *fixture = calloc(1, sizeof(*fixture));
	if (fixture == NULL)
		return -1;
	strcpy(fixture->directory, "/tmp/guardhsm-store-XXXXXX");
	if (mkdtemp(fixture->directory) == NULL) {
		free(fixture);
		return -1;
	}
	*state = fixture;
	return 0;
}

static int remove_entry(const char *path, const struct stat *info, int flag,
                        struct FTW *walk)
{
	return remove(path);
}

int store_teardown(void **state)
{
	store_fixture *fixture = *state;
	int result = 0;
	if (fixture != NULL) {
		result = nftw(fixture->directory, remove_entry, 16,
		              FTW_DEPTH | FTW_PHYS);
		free(fixture);
	}
	store_testing_allow_weak_kdf(false);
	enc_shutdown();
	return result;
}

const char *fixture_directory(void **state)
{
	return ((store_fixture *)*state)->directory;
}

void make_label(char label[STORE_LABEL_BYTES], const char *text)
{
	size_t length = strlen(text);
	if (length > STORE_LABEL_BYTES)
		length = STORE_LABEL_BYTES;
	memset(label, ' ', STORE_LABEL_BYTES);
	memcpy(label, text, length);
}

store_token *create_test_token(const char *directory, uint32_t max_pin_tries)
{
	char label[STORE_LABEL_BYTES];
	make_label(label, "test token");
	store_token_options options = {.max_pin_tries = max_pin_tries,
	                               .kdf_opslimit = 1,
	                               .kdf_memlimit = 8192};
	store_token *token = NULL;
	assert_int_equal(store_token_create(directory, label, PIN(TEST_SO_PIN),
	                                    &options, &token),
	                 STORE_OK);
	assert_non_null(token);
	return token;
}

store_token *create_token_with_user(const char *directory,
                                    uint32_t max_pin_tries)
{
	store_token *token = create_test_token(directory, max_pin_tries);
	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_OK);
	assert_int_equal(store_init_user_pin(token, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	store_logout(token);
	return token;
}

void token_path(store_token *token, char path[4096])
{
	store_token_info info;
	assert_int_equal(store_token_get_info(token, &info), STORE_OK);
	memcpy(path, info.path, sizeof info.path);
}

unsigned char *read_whole_file(const char *path, size_t *size)
{
	*size = 0;
	FILE *file = fopen(path, "rb");
	if (file == NULL)
		return NULL;
	size_t capacity = 65536, used = 0;
	unsigned char *data = malloc(capacity);
	assert_non_null(data);
	size_t got;
	while ((got = fread(data + used, 1, capacity - used, file)) > 0) {
		used += got;
		if (used == capacity) {
			capacity *= 2;
			data = realloc(data, capacity);
			assert_non_null(data);
		}
	}
	fclose(file);
	*size = used;
	return data;
}

bool bytes_contain(const unsigned char *haystack, size_t size,
                   const void *needle, size_t length)
{
	if (haystack == NULL || length == 0 || size < length)
		return false;
	for (size_t i = 0; i + length <= size; i++)
		if (memcmp(haystack + i, needle, length) == 0)
			return true;
	return false;
}

void raw_sql(const char *path, const char *sql)
{
	sqlite3 *database = NULL;
	assert_int_equal(
	        sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE, NULL),
	        SQLITE_OK);
	sqlite3_busy_timeout(database, 10000);
	char *error = NULL;
	int result = sqlite3_exec(database, sql, NULL, NULL, &error);
	if (result != SQLITE_OK)
		fprintf(stderr, "raw_sql: %s\n", error ? error : "?");
	sqlite3_free(error);
	sqlite3_close(database);
	assert_int_equal(result, SQLITE_OK);
}

double now_seconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

store_attribute plain_attribute(uint64_t type, const void *value, size_t length)
{
	store_attribute attribute = {.type = type,
	                             .sensitive = false,
	                             .value = (unsigned char *)value,
	                             .length = length,
	                             .sealed = NULL};
	return attribute;
}
