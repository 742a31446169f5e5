/* Damaged and tampered token files: every single-byte change of a record,
 * truncated and extended records, swapped records, changed unique ids and
 * privacy flags, garbage, empty and truncated files, missing or malformed
 * meta rows, a future format version, random byte flips anywhere in the
 * file (never a crash), and no attribute plaintext in the file bytes. */
#include "config.h"

#include "helpers.h"

#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *database = NULL;
	assert_int_equal(
	        sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE, NULL),
	        SQLITE_OK);
	sqlite3_busy_timeout(database, 10000);
	return database;
}

static unsigned char *raw_get_record(sqlite3 *database, store_object_id id,
                                     size_t *length)
{
	sqlite3_stmt *statement = NULL;
	assert_int_equal(sqlite3_prepare_v2(database,
	                                    "SELECT record FROM objects"
	                                    " WHERE id = ?",
	                                    -1, &statement, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int64(statement, 1, id);
	assert_int_equal(sqlite3_step(statement), SQLITE_ROW);
	*length = (size_t)sqlite3_column_bytes(statement, 0);
	unsigned char *record = malloc(*length + 1);
	assert_non_null(record);
	memcpy(record, sqlite3_column_blob(statement, 0), *length);
	sqlite3_finalize(statement);
	return record;
}

static void raw_set_record(sqlite3 *database, store_object_id id,
                           const unsigned char *record, size_t length)
{
	sqlite3_stmt *statement = NULL;
	assert_int_equal(sqlite3_prepare_v2(database,
	                                    "UPDATE objects SET record = ?"
	                                    " WHERE id = ?",
	                                    -1, &statement, NULL),
	                 SQLITE_OK);
	sqlite3_bind_blob(statement, 1, record, (int)length, SQLITE_STATIC);
	sqlite3_bind_int64(statement, 2, id);
	assert_int_equal(sqlite3_step(statement), SQLITE_DONE);
	sqlite3_finalize(statement);
}

static store_status try_load(store_token *token, store_object_id id)
{
	store_attribute *attributes = NULL;
	size_t count = 0;
	store_status status =
	        store_object_load(token, id, NULL, NULL, &attributes, &count);
	store_attributes_free(attributes, count);
	return status;
}

/* A logged-in token with a private object holding a plain and a
 * sensitive attribute, and a public one. */
static store_token *token_with_objects(void **state,
                                       store_object_id *private_id,
                                       store_object_id *public_id)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	enc_sealed *sealed = NULL;
	assert_int_equal(enc_seal_bytes("key material", 12, NULL, 0, &sealed),
	                 ENC_OK);
	store_attribute attributes[2] = {
	        plain_attribute(3, "label", 5),
	        {.type = 0x11,
	         .sensitive = true,
	         .length = 12,
	         .sealed = sealed},
	};
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
	assert_int_equal(store_object_create(token, true, attributes, 2, NULL,
	                                     unique_id, private_id),
	                 STORE_OK);
	memset(unique_id, 0, sizeof unique_id);
	assert_int_equal(store_object_create(token, false, attributes, 2, NULL,
	                                     unique_id, public_id),
	                 STORE_OK);
	enc_sealed_free(sealed);
	return token;
}

static void test_every_record_byte(void **state)
{
	store_object_id ids[2];
	store_token *token = token_with_objects(state, &ids[0], &ids[1]);
	char path[4096];
	token_path(token, path);
	sqlite3 *database = raw_open(path);
	for (int which = 0; which < 2; which++) {
		size_t length;
		unsigned char *record =
		        raw_get_record(database, ids[which], &length);
		assert_int_equal(try_load(token, ids[which]), STORE_OK);
		for (size_t i = 0; i < length; i++) {
			for (int bit = 0; bit < 8; bit += 7) {
				record[i] ^= (unsigned char)(1u << bit);
				raw_set_record(database, ids[which], record,
				               length);
				assert_int_equal(try_load(token, ids[which]),
				                 STORE_ERR_CORRUPT);
				record[i] ^= (unsigned char)(1u << bit);
			}
		}
		/* Cut short at every length, and one byte too many. */
		for (size_t cut = 0; cut < length; cut++) {
			raw_set_record(database, ids[which], record, cut);
			assert_int_equal(try_load(token, ids[which]),
			                 STORE_ERR_CORRUPT);
		}
		record[length] = 0;
		raw_set_record(database, ids[which], record, length + 1);
		assert_int_equal(try_load(token, ids[which]),
		                 STORE_ERR_CORRUPT);
		/* Restored, it loads again. */
		raw_set_record(database, ids[which], record, length);
		assert_int_equal(try_load(token, ids[which]), STORE_OK);
		free(record);
	}
	sqlite3_close(database);
	/* A record that is not a blob. */
	raw_sql(path, "UPDATE objects SET record = 42");
	assert_int_equal(try_load(token, ids[0]), STORE_ERR_CORRUPT);
	store_token_close(token);
}

static void test_swaps_and_columns(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	store_object_id ids[3];
	for (int i = 0; i < 3; i++) {
		store_attribute attribute = plain_attribute(3, "same", 4);
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
		assert_int_equal(store_object_create(token, i < 2, &attribute,
		                                     1, NULL, unique_id,
		                                     &ids[i]),
		                 STORE_OK);
	}
	char path[4096], sql[256];
	token_path(token, path);

	/* Swap the records of two private objects with equal contents. */
	sqlite3 *database = raw_open(path);
	size_t lengths[2];
	unsigned char *records[2];
	for (int i = 0; i < 2; i++)
		records[i] = raw_get_record(database, ids[i], &lengths[i]);
	raw_set_record(database, ids[0], records[1], lengths[1]);
	raw_set_record(database, ids[1], records[0], lengths[0]);
	assert_int_equal(try_load(token, ids[0]), STORE_ERR_CORRUPT);
	assert_int_equal(try_load(token, ids[1]), STORE_ERR_CORRUPT);
	assert_int_equal(try_load(token, ids[2]), STORE_OK);
	/* Swapped back, both load. */
	raw_set_record(database, ids[0], records[0], lengths[0]);
	raw_set_record(database, ids[1], records[1], lengths[1]);
	assert_int_equal(try_load(token, ids[0]), STORE_OK);
	assert_int_equal(try_load(token, ids[1]), STORE_OK);
	/* A public record copied over a private one is refused too. */
	size_t public_length;
	unsigned char *public_record =
	        raw_get_record(database, ids[2], &public_length);
	raw_set_record(database, ids[0], public_record, public_length);
	assert_int_equal(try_load(token, ids[0]), STORE_ERR_CORRUPT);
	raw_set_record(database, ids[0], records[0], lengths[0]);
	free(public_record);
	free(records[0]);
	free(records[1]);
	sqlite3_close(database);

	/* Make the public object claim to be private, and the reverse. */
	snprintf(sql, sizeof sql, "UPDATE objects SET private = 1 - private");
	raw_sql(path, sql);
	for (int i = 0; i < 3; i++)
		assert_int_equal(try_load(token, ids[i]), STORE_ERR_CORRUPT);
	raw_sql(path, sql);
	/* Another unique id, or a malformed one. */
	snprintf(
	        sql, sizeof sql,
	        "UPDATE objects SET unique_id = randomblob(16) WHERE id = %lld",
	        (long long)ids[2]);
	raw_sql(path, sql);
	assert_int_equal(try_load(token, ids[2]), STORE_ERR_CORRUPT);
	snprintf(sql, sizeof sql,
	         "UPDATE objects SET unique_id = x'01' WHERE id = %lld",
	         (long long)ids[1]);
	raw_sql(path, sql);
	assert_int_equal(try_load(token, ids[1]), STORE_ERR_CORRUPT);
	raw_sql(path, "UPDATE objects SET private = 7");
	assert_int_equal(try_load(token, ids[0]), STORE_ERR_CORRUPT);
	store_token_close(token);
}

static void write_file(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, size), (ssize_t)size);
	close(fd);
}

static void test_garbage_files(void **state)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/token-0123456789abcdef.sqlite",
	         fixture_directory(state));
	unsigned char garbage[3 * 4096];
	enc_random(garbage, sizeof garbage);
	store_token *token = NULL;
	for (int i = 0; i < 8; i++) {
		write_file(path, garbage, sizeof garbage >> i);
		assert_int_equal(store_token_open(path, &token),
		                 STORE_ERR_CORRUPT);
		assert_null(token);
	}
	/* Text, and an empty file. */
	write_file(path, "hello, this is not a token\n", 27);
	assert_int_equal(store_token_open(path, &token), STORE_ERR_CORRUPT);
	write_file(path, "", 0);
	assert_int_equal(store_token_open(path, &token), STORE_ERR_CORRUPT);
	/* The refused open did not turn the file into a database. */
	size_t size = 1;
	free(read_whole_file(path, &size));
	assert_int_equal(size, 0);
	/* Another application's SQLite database. */
	unlink(path);
	sqlite3 *database = NULL;
	assert_int_equal(sqlite3_open(path, &database), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(database,
	                     "CREATE TABLE meta (x); CREATE TABLE t(a);", NULL,
	                     NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(database);
	assert_int_equal(store_token_open(path, &token), STORE_ERR_CORRUPT);
	/* It is listed (by name) but cannot be opened. */
	char **paths = NULL;
	size_t count = 0;
	assert_int_equal(store_list_token_files(fixture_directory(state),
	                                        &paths, &count),
	                 STORE_OK);
	assert_int_equal(count, 1);
	store_free_paths(paths, count);
}

static void test_truncated_file(void **state)
{
	store_object_id private_id, public_id;
	store_token *token = token_with_objects(state, &private_id, &public_id);
	/* Enough objects for the file to span many pages. */
	for (int i = 0; i < 100; i++) {
		char text[600];
		memset(text, 'a' + i % 26, sizeof text);
		store_attribute attribute =
		        plain_attribute(3, text, sizeof text);
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
		assert_int_equal(store_object_create(token, false, &attribute,
		                                     1, NULL, unique_id, NULL),
		                 STORE_OK);
	}
	char path[4096];
	token_path(token, path);
	store_token_close(token); /* checkpoints the WAL into the file */
	size_t size = 0;
	unsigned char *original = read_whole_file(path, &size);
	assert_true(size > 16 * 4096);
	int corrupt_seen = 0;
	for (size_t keep = 100; keep < size; keep += size / 7) {
		write_file(path, original, keep);
		store_status status = store_token_open(path, &token);
		if (status == STORE_OK) {
			/* Whatever is missing shows as corrupt when met. */
			store_object_id *ids = NULL;
			size_t count = 0;
			status = store_object_find(token, NULL, &ids, &count);
			for (size_t i = 0; status == STORE_OK && i < count; i++)
				status = try_load(token, ids[i]);
			free(ids);
			store_token_close(token);
		}
		assert_int_equal(status, STORE_ERR_CORRUPT);
		corrupt_seen++;
		char side[4096 + 8];
		snprintf(side, sizeof side, "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", path);
		unlink(side);
	}
	assert_true(corrupt_seen >= 7);
	free(original);
}

static void reopen_expect(const char *path, const char *sql,
                          store_status expected)
{
	raw_sql(path, sql);
	store_token *token = NULL;
	assert_int_equal(store_token_open(path, &token), expected);
	assert_null(token);
}

static void test_meta_damage(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	static const char *const required[] = {
	        "format_version", "token_uid",   "serial",
	        "label",          "key_epoch",   "public_secret",
	        "so_salt",        "so_wrapped",  "max_pin_tries",
	        "user_failures",  "so_failures", "kdf_opslimit",
	        "kdf_memlimit",   "user_salt",   "id_floor",
	};
	raw_sql(path, "CREATE TABLE saved AS SELECT * FROM meta");
	char sql[256];
	for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
		snprintf(sql, sizeof sql, "DELETE FROM meta WHERE name = '%s'",
		         required[i]);
		reopen_expect(path, sql, STORE_ERR_CORRUPT);
		/* Wrong type or size. */
		raw_sql(path, "DELETE FROM meta;"
		              " INSERT INTO meta SELECT * FROM saved");
		snprintf(sql, sizeof sql,
		         "UPDATE meta SET value = x'00' WHERE name = '%s'",
		         required[i]);
		reopen_expect(path, sql, STORE_ERR_CORRUPT);
		raw_sql(path, "DELETE FROM meta;"
		              " INSERT INTO meta SELECT * FROM saved");
	}
	reopen_expect(path,
	              "UPDATE meta SET value = -1 WHERE name = 'so_failures'",
	              STORE_ERR_CORRUPT);
	raw_sql(path, "DELETE FROM meta; INSERT INTO meta SELECT * FROM saved");
	reopen_expect(path,
	              "UPDATE meta SET value = 0 WHERE name = 'max_pin_tries'",
	              STORE_ERR_CORRUPT);
	raw_sql(path, "DELETE FROM meta; INSERT INTO meta SELECT * FROM saved");
	reopen_expect(path,
	              "UPDATE meta SET value = 4 WHERE name = 'format_version'",
	              STORE_ERR_VERSION);
	raw_sql(path, "DELETE FROM meta; INSERT INTO meta SELECT * FROM saved");
	assert_int_equal(store_token_open(path, &token), STORE_OK);

	/* Damage made while open is met by the next call. */
	raw_sql(path, "DELETE FROM meta WHERE name = 'so_wrapped'");
	store_token_info info;
	assert_int_equal(store_token_get_info(token, &info), STORE_ERR_CORRUPT);
	assert_int_equal(store_login(token, STORE_SO, PIN(TEST_SO_PIN)),
	                 STORE_ERR_CORRUPT);
	raw_sql(path, "INSERT INTO meta SELECT * FROM saved"
	              " WHERE name = 'so_wrapped'");
	assert_int_equal(store_token_get_info(token, &info), STORE_OK);
	raw_sql(path,
	        "UPDATE meta SET value = 9 WHERE name = 'format_version'");
	assert_int_equal(store_token_get_info(token, &info), STORE_ERR_VERSION);
	store_token_close(token);
}

/* Random byte flips anywhere in the file: any status, never a crash (and
 * under valgrind, never an invalid read). */
static void test_random_flips(void **state)
{
	store_object_id private_id, public_id;
	store_token *token = token_with_objects(state, &private_id, &public_id);
	char path[4096];
	token_path(token, path);
	store_token_close(token);
	size_t size = 0;
	unsigned char *original = read_whole_file(path, &size);
	assert_non_null(original);
	unsigned char *copy = malloc(size);
	assert_non_null(copy);
	int opened = 0;
	for (int round = 0; round < 60; round++) {
		memcpy(copy, original, size);
		uint32_t flips = 1 + randombytes_uniform(4);
		for (uint32_t i = 0; i < flips; i++)
			copy[randombytes_uniform((uint32_t)size)] ^=
			        (unsigned char)(1 + randombytes_uniform(255));
		write_file(path, copy, size);
		if (store_token_open(path, &token) != STORE_OK)
			continue;
		opened++;
		store_token_info info;
		store_token_get_info(token, &info);
		/* No login: a flip in the stored Argon2id limits could make
		 * it take hours. Private records are covered byte by byte
		 * by test_every_record_byte. */
		store_object_id *ids = NULL;
		size_t count = 0;
		if (store_object_find(token, NULL, &ids, &count) == STORE_OK)
			for (size_t i = 0; i < count; i++)
				try_load(token, ids[i]);
		free(ids);
		try_load(token, private_id);
		try_load(token, public_id);
		store_token_close(token);
	}
	print_message("%d of 60 damaged files opened\n", opened);
	free(copy);
	free(original);
}

/* No attribute plaintext, sensitive or not, private or public, appears
 * in the database or its WAL. */
static void test_no_plaintext_in_file(void **state)
{
	static const char plain_marker[] = "PLAIN-MARKER-6f1c2e9a7b3d4c5e8f0a";
	static const char secret_marker[] = "SECRET-MARKER-0b9e8d7c6a5f4e3d2c1";
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	enc_sealed *sealed = NULL;
	assert_int_equal(enc_seal_bytes(secret_marker, 32, NULL, 0, &sealed),
	                 ENC_OK);
	store_attribute attributes[2] = {
	        plain_attribute(3, plain_marker, 32),
	        {.type = 0x11,
	         .sensitive = true,
	         .length = 32,
	         .sealed = sealed},
	};
	store_index index = {.has_label = true,
	                     .label = (const unsigned char *)plain_marker,
	                     .label_length = 32};
	for (int i = 0; i < 2; i++) {
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
		assert_int_equal(store_object_create(token, i == 0, attributes,
		                                     2, &index, unique_id,
		                                     NULL),
		                 STORE_OK);
	}
	enc_sealed_free(sealed);
	char path[4096], wal[4096 + 8];
	token_path(token, path);
	snprintf(wal, sizeof wal, "%s-wal", path);
	for (int pass = 0; pass < 2; pass++) {
		size_t size = 0, wal_size = 0;
		unsigned char *data = read_whole_file(path, &size);
		unsigned char *wal_data = read_whole_file(wal, &wal_size);
		assert_true(size + wal_size > 0);
		/* The check can fail: the markers' prefixes are findable. */
		assert_true(bytes_contain(data, size, "token_uid", 9) ||
		            bytes_contain(wal_data, wal_size, "token_uid", 9));
		for (int half = 0; half < 2; half++) {
			const char *part_plain = plain_marker + half * 16;
			const char *part_secret = secret_marker + half * 16;
			assert_false(bytes_contain(data, size, part_plain, 16));
			assert_false(bytes_contain(wal_data, wal_size,
			                           part_plain, 16));
			assert_false(
			        bytes_contain(data, size, part_secret, 16));
			assert_false(bytes_contain(wal_data, wal_size,
			                           part_secret, 16));
		}
		/* Neither PIN is in the file either. */
		assert_false(bytes_contain(data, size, TEST_USER_PIN,
		                           strlen(TEST_USER_PIN)));
		assert_false(bytes_contain(wal_data, wal_size, TEST_USER_PIN,
		                           strlen(TEST_USER_PIN)));
		assert_false(bytes_contain(data, size, TEST_SO_PIN,
		                           strlen(TEST_SO_PIN)));
		free(data);
		free(wal_data);
		/* Second pass: after close, everything checkpointed. */
		if (pass == 0)
			store_token_close(token);
	}
}

/* The ids and unique ids an authenticated find by CKA_ID returns. */
static size_t verified_ids(store_token *token, const char *id,
                           store_object_id *out, size_t room)
{
	store_index query = {.has_id = true,
	                     .id = (const unsigned char *)id,
	                     .id_length = strlen(id)};
	store_object_id *ids = NULL;
	unsigned char *unique_ids = NULL;
	size_t count = 0;
	assert_int_equal(store_object_find_verified(token, &query, &ids,
	                                            &unique_ids, NULL, &count),
	                 STORE_OK);
	assert_true(count <= room);
	for (size_t i = 0; i < count; i++)
		out[i] = ids[i];
	free(ids);
	free(unique_ids);
	return count;
}

static size_t unverified_count(store_token *token, const char *id)
{
	store_index query = {.has_id = true,
	                     .id = (const unsigned char *)id,
	                     .id_length = strlen(id)};
	store_object_id *ids = NULL;
	size_t count = 0;
	assert_int_equal(store_object_find(token, &query, &ids, &count),
	                 STORE_OK);
	free(ids);
	return count;
}

/* Damage to the index columns or the row MAC: the authenticated find
 * drops the row (never an error, never a crash), the plain find may
 * still offer it as a candidate. */
static void test_row_mac(void **state)
{
	store_token *token =
	        create_token_with_user(fixture_directory(state), 0);
	assert_int_equal(store_login(token, STORE_USER, PIN(TEST_USER_PIN)),
	                 STORE_OK);
	static const char *const names[4] = {"alpha", "beta", "gamma", "delta"};
	store_object_id ids[4];
	for (int i = 0; i < 4; i++) {
		store_attribute attribute = plain_attribute(3, names[i], 5);
		store_index index = {.has_class = true,
		                     .object_class = 3,
		                     .has_id = true,
		                     .id = (const unsigned char *)names[i],
		                     .id_length = strlen(names[i]),
		                     .has_label = true,
		                     .label = (const unsigned char *)names[i],
		                     .label_length = strlen(names[i])};
		unsigned char unique_id[STORE_UNIQUE_ID_BYTES] = {0};
		/* alpha, gamma private; beta, delta public. */
		assert_int_equal(store_object_create(token, i % 2 == 0,
		                                     &attribute, 1, &index,
		                                     unique_id, &ids[i]),
		                 STORE_OK);
	}
	char path[4096], sql[512];
	token_path(token, path);
	store_object_id found[8];
	for (int i = 0; i < 4; i++) {
		assert_int_equal(verified_ids(token, names[i], found, 8), 1);
		assert_int_equal(found[0], ids[i]);
	}

	/* beta's id tag copied onto delta (both public): the plain find
	 * offers both, the authenticated one only beta. */
	snprintf(sql, sizeof sql,
	         "UPDATE objects SET id_tag = (SELECT id_tag FROM objects"
	         " WHERE id = %lld) WHERE id = %lld",
	         (long long)ids[1], (long long)ids[3]);
	raw_sql(path, sql);
	assert_int_equal(unverified_count(token, "beta"), 2);
	assert_int_equal(verified_ids(token, "beta", found, 8), 1);
	assert_int_equal(found[0], ids[1]);
	assert_int_equal(verified_ids(token, "delta", found, 8), 0);

	/* A whole row (with its valid MAC) copied under another id. */
	snprintf(sql, sizeof sql,
	         "INSERT INTO objects (id, unique_id, private, class_tag,"
	         " id_tag, label_tag, row_mac, record) SELECT 999, unique_id,"
	         " private, class_tag, id_tag, label_tag, row_mac, record"
	         " FROM objects WHERE id = %lld",
	         (long long)ids[0]);
	raw_sql(path, sql);
	assert_int_equal(unverified_count(token, "alpha"), 2);
	assert_int_equal(verified_ids(token, "alpha", found, 8), 1);
	assert_int_equal(found[0], ids[0]);
	raw_sql(path, "DELETE FROM objects WHERE id = 999");

	/* A flipped MAC bit, another unique id, another privacy. */
	snprintf(sql, sizeof sql,
	         "UPDATE objects SET row_mac = (SELECT row_mac FROM objects"
	         " WHERE id = %lld) WHERE id = %lld",
	         (long long)ids[0], (long long)ids[2]);
	raw_sql(path, sql);
	assert_int_equal(verified_ids(token, "gamma", found, 8), 0);
	assert_int_equal(verified_ids(token, "alpha", found, 8), 1);
	snprintf(
	        sql, sizeof sql,
	        "UPDATE objects SET unique_id = randomblob(16) WHERE id = %lld",
	        (long long)ids[0]);
	raw_sql(path, sql);
	assert_int_equal(verified_ids(token, "alpha", found, 8), 0);
	raw_sql(path, "UPDATE objects SET private = 1 - private");
	assert_int_equal(verified_ids(token, "beta", found, 8), 0);
	raw_sql(path, "UPDATE objects SET private = 1 - private");
	assert_int_equal(verified_ids(token, "beta", found, 8), 1);
	/* A label tag changed: the row no longer verifies, even for a find
	 * by id. */
	snprintf(
	        sql, sizeof sql,
	        "UPDATE objects SET label_tag = randomblob(16) WHERE id = %lld",
	        (long long)ids[1]);
	raw_sql(path, sql);
	assert_int_equal(verified_ids(token, "beta", found, 8), 0);

	/* Malformed columns: wrong types and sizes. */
	static const char *const damage[] = {
	        "UPDATE objects SET row_mac = x'01'",
	        "UPDATE objects SET row_mac = x''",
	        "UPDATE objects SET row_mac = 7",
	        "UPDATE objects SET id_tag = x'0102'",
	        "UPDATE objects SET class_tag = 'text'",
	        "UPDATE objects SET label_tag = zeroblob(16)",
	        /* Last: store_object_update refuses to repair these. */
	        "UPDATE objects SET unique_id = x'01'",
	        "UPDATE objects SET private = 7",
	};
	for (size_t i = 0; i < sizeof damage / sizeof *damage; i++) {
		/* Start from an intact row each time (an update re-MACs). */
		store_attribute attribute = plain_attribute(3, names[3], 5);
		store_index index = {.has_id = true,
		                     .id = (const unsigned char *)names[3],
		                     .id_length = strlen(names[3])};
		if (i < sizeof damage / sizeof *damage - 1) {
			assert_int_equal(store_object_update(token, ids[3],
			                                     &attribute, 1,
			                                     &index),
			                 STORE_OK);
			assert_int_equal(verified_ids(token, "delta", found, 8),
			                 1);
		}
		raw_sql(path, damage[i]);
		/* Never an error or a crash, whatever the plain find says. */
		assert_int_equal(verified_ids(token, "delta", found, 8), 0);
		store_index none = {0};
		store_object_id *all = NULL;
		unsigned char *unique_ids = NULL;
		size_t count = 0;
		assert_int_equal(store_object_find_verified(token, &none, &all,
		                                            &unique_ids, NULL,
		                                            &count),
		                 STORE_OK);
		free(all);
		free(unique_ids);
	}
	store_token_close(token);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_every_record_byte,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_swaps_and_columns,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_garbage_files, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_truncated_file,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_meta_damage, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_random_flips, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(test_no_plaintext_in_file,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_row_mac, store_setup,
	                                        store_teardown),
	};
	return cmocka_run_group_tests_name("store tampering", tests, NULL,
	                                   NULL);
}
