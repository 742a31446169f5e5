/* Damaged token files are refused cleanly: flipped bytes in an object's
 * record, records swapped between objects, a damaged wrapped key, missing
 * or unknown format metadata, a file of random bytes, a truncated file.
 * C_Initialize must not crash; the affected calls return CKR_DEVICE_ERROR
 * or CKR_TOKEN_NOT_RECOGNIZED; intact objects and tokens stay usable; the
 * log file says what happened. The files are edited with libsqlite3. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The one token file of the current store. */
static char *token_file(void)
{
	char *files[4];
	size_t n = h_token_files(files, 4);
	assert_int_equal(n, 1);
	return files[0];
}

static sqlite3 *open_db(const char *path)
{
	sqlite3 *db = NULL;
	assert_int_equal(
	        sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL),
	        SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *error = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK)
		fail_msg("%s: %s", sql, error ? error : "?");
}

/* Flips one byte (at `where` of the length, 0..1) of the record of the
 * object row `row` (rows are numbered in creation order from 1). */
static void flip_record_byte(const char *path, int row, double where)
{
	sqlite3 *db = open_db(path);
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT record FROM objects WHERE "
	                                    "id = ?",
	                                    -1, &stmt, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int(stmt, 1, row);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	int length = sqlite3_column_bytes(stmt, 0);
	assert_true(length > 0);
	unsigned char *record = malloc((size_t)length);
	assert_non_null(record);
	memcpy(record, sqlite3_column_blob(stmt, 0), (size_t)length);
	sqlite3_finalize(stmt);
	int at = (int)(where * (length - 1));
	record[at] ^= 0x01;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "UPDATE objects SET record = ? "
	                                    "WHERE id = ?",
	                                    -1, &stmt, NULL),
	                 SQLITE_OK);
	sqlite3_bind_blob(stmt, 1, record, length, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 2, row);
	assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(stmt);
	free(record);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void make_objects(bool private_victim)
{
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	/* Row 1: the victim; row 2: intact. */
	h_create_data(s, true, private_victim, "victim", "damaged soon");
	h_create_data(s, true, false, "intact", "still fine");
	assert_ok(p11->C_Finalize(NULL));
}

static void assert_log_mentions_damage(void)
{
	if (!h_log_contains("damaged") && !h_log_contains("corrupt") &&
	    !h_log_contains("tamper") && !h_log_contains("malformed")) {
		char *log = h_read_file(H.log, NULL);
		fail_msg("the log does not mention the damage:\n%s",
		         log ? log : "(no log)");
	}
}

static void check_intact_object(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "intact", found, 2), 1);
	char value[32];
	assert_int_equal(
	        h_get_bytes(s, found[0], CKA_VALUE, value, sizeof(value)), 10);
	assert_memory_equal(value, "still fine", 10);
}

static void check_victim_refused(CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE by_label[] = {H_ATTR_STR(CKA_LABEL, "victim")};
	CK_RV rv = p11->C_FindObjectsInit(s, by_label, 1);
	if (rv == CKR_OK) {
		/* If the find does not load the record, reading it must
		 * fail. */
		CK_OBJECT_HANDLE found[2];
		CK_ULONG n = 0;
		assert_ok(p11->C_FindObjects(s, found, 2, &n));
		assert_ok(p11->C_FindObjectsFinal(s));
		if (n > 0) {
			CK_ATTRIBUTE value = H_ATTR(CKA_VALUE, NULL, 0);
			assert_rv(p11->C_GetAttributeValue(s, found[0], &value,
			                                   1),
			          CKR_DEVICE_ERROR);
		} else {
			fail_msg("the damaged object silently vanished from "
			         "C_FindObjects (expected CKR_DEVICE_ERROR)");
		}
	} else {
		assert_rv(rv, CKR_DEVICE_ERROR);
	}
	/* A find over everything meets the victim too. */
	rv = p11->C_FindObjectsInit(s, NULL, 0);
	if (rv == CKR_OK)
		p11->C_FindObjectsFinal(s);
	else
		assert_rv(rv, CKR_DEVICE_ERROR);
}

static void test_flipped_record_bytes(void **state)
{
	(void)state;
	make_objects(false);
	char *path = token_file();
	flip_record_byte(path, 1, 0.5);
	free(path);

	assert_ok(p11->C_Initialize(NULL));
	CK_SLOT_ID slot = h_initialised_slot();
	assert_int_equal(slot, H.slot);
	CK_SESSION_HANDLE s = h_open(slot, true);
	check_victim_refused(s);
	check_intact_object(s);
	assert_log_mentions_damage();
	/* New objects still work. */
	h_create_data(s, true, false, "new", "n");
}

static void test_flipped_bytes_everywhere(void **state)
{
	(void)state;
	make_objects(false);
	char *path = token_file();
	/* First byte, last byte: headers and tags. */
	static const double places[] = {0.0, 1.0, 0.1, 0.9};
	for (size_t i = 0; i < H_ARRAY_SIZE(places); i++) {
		flip_record_byte(path, 1, places[i]);
		assert_ok(p11->C_Initialize(NULL));
		CK_SESSION_HANDLE s = h_open(H.slot, false);
		check_victim_refused(s);
		check_intact_object(s);
		assert_ok(p11->C_Finalize(NULL));
		/* Undo, for the next place. */
		flip_record_byte(path, 1, places[i]);
	}
	/* Undone: the victim is readable again. */
	assert_ok(p11->C_Initialize(NULL));
	CK_SESSION_HANDLE s = h_open(H.slot, false);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "victim", found, 2), 1);
	free(path);
}

static void test_flipped_private_record(void **state)
{
	(void)state;
	make_objects(true);
	char *path = token_file();
	flip_record_byte(path, 1, 0.5);
	free(path);
	assert_ok(p11->C_Initialize(NULL));
	CK_SESSION_HANDLE s = h_open(H.slot, false);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	check_victim_refused(s);
	check_intact_object(s);
	assert_log_mentions_damage();
}

/* A record moved to another object's row: bound to its own object, so
 * refused there. */
static void test_swapped_records(void **state)
{
	(void)state;
	make_objects(false);
	char *path = token_file();
	sqlite3 *db = open_db(path);
	exec(db, "UPDATE objects SET record = (SELECT record FROM objects "
	         "WHERE id = 2) WHERE id = 1");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(path);
	assert_ok(p11->C_Initialize(NULL));
	CK_SESSION_HANDLE s = h_open(H.slot, false);
	check_victim_refused(s);
	check_intact_object(s);
	assert_log_mentions_damage();
}

/* A public record made private in the table (or the reverse) is not
 * accepted either. */
static void test_flipped_private_flag(void **state)
{
	(void)state;
	make_objects(true);
	char *path = token_file();
	sqlite3 *db = open_db(path);
	exec(db, "UPDATE objects SET private = 0 WHERE id = 1");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(path);
	assert_ok(p11->C_Initialize(NULL));
	CK_SESSION_HANDLE s = h_open(H.slot, false);
	/* Not logged in: the private victim must not be readable. */
	CK_ATTRIBUTE by_label[] = {H_ATTR_STR(CKA_LABEL, "victim")};
	CK_RV rv = p11->C_FindObjectsInit(s, by_label, 1);
	if (rv == CKR_OK) {
		CK_OBJECT_HANDLE found[2];
		CK_ULONG n = 0;
		assert_ok(p11->C_FindObjects(s, found, 2, &n));
		assert_ok(p11->C_FindObjectsFinal(s));
		if (n > 0) {
			char value[32];
			CK_ATTRIBUTE a =
			        H_ATTR(CKA_VALUE, value, sizeof(value));
			rv = p11->C_GetAttributeValue(s, found[0], &a, 1);
			if (rv == CKR_OK)
				fail_msg("a private object became readable "
				         "without login");
		}
	} else {
		assert_rv(rv, CKR_DEVICE_ERROR);
	}
	check_intact_object(s);
}

static void test_damaged_wrapped_key(void **state)
{
	(void)state;
	make_objects(false);
	char *path = token_file();
	sqlite3 *db = open_db(path);
	exec(db,
	     "UPDATE meta SET value = CAST(zeroblob(length(value)) AS BLOB) "
	     "WHERE name = 'so_wrapped'");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(path);
	CK_RV rv = p11->C_Initialize(NULL);
	assert_ok(rv);
	/* The SO cannot log in (the key will not unwrap), cleanly. */
	CK_SLOT_ID slots[4];
	CK_ULONG count = 4;
	assert_ok(p11->C_GetSlotList(CK_TRUE, slots, &count));
	CK_SESSION_HANDLE s;
	rv = p11->C_OpenSession(H.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
	                        NULL, NULL, &s);
	if (rv == CKR_OK) {
		rv = h_login(s, CKU_SO, H_SO_PIN);
		assert_true(rv == CKR_PIN_INCORRECT || rv == CKR_DEVICE_ERROR);
		/* The user's wrapped key is intact. */
		assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	} else {
		assert_rv(rv, CKR_TOKEN_NOT_RECOGNIZED);
	}
}

static void check_unrecognised_token(void)
{
	CK_RV rv = p11->C_Initialize(NULL);
	assert_ok(rv);
	/* The file still has a slot, whose token is not recognised. */
	CK_SLOT_ID slots[4];
	CK_ULONG count = 4;
	assert_ok(p11->C_GetSlotList(CK_TRUE, slots, &count));
	assert_int_equal(count, 2);
	int unrecognised = 0, usable = 0;
	for (CK_ULONG i = 0; i < count; i++) {
		CK_TOKEN_INFO info;
		rv = p11->C_GetTokenInfo(slots[i], &info);
		if (rv == CKR_TOKEN_NOT_RECOGNIZED) {
			unrecognised++;
			CK_SESSION_HANDLE s;
			assert_rv(p11->C_OpenSession(slots[i],
			                             CKF_SERIAL_SESSION, NULL,
			                             NULL, &s),
			          CKR_TOKEN_NOT_RECOGNIZED);
			CK_UTF8CHAR label[32];
			memset(label, ' ', sizeof(label));
			rv = p11->C_InitToken(slots[i],
			                      (CK_UTF8CHAR_PTR)H_SO_PIN,
			                      strlen(H_SO_PIN), label);
			assert_true(rv == CKR_TOKEN_NOT_RECOGNIZED ||
			            rv == CKR_DEVICE_ERROR);
		} else {
			assert_ok(rv);
			assert_false(info.flags & CKF_TOKEN_INITIALIZED);
			usable++;
		}
	}
	assert_int_equal(unrecognised, 1);
	assert_int_equal(usable, 1);
	/* A new token can still be made beside the broken one. */
	CK_SLOT_ID slot = h_new_token("fresh");
	CK_SESSION_HANDLE s = h_open(slot, true);
	h_create_data(s, true, false, "fresh object", "f");
	char *log = h_read_file(H.log, NULL);
	assert_non_null(log);
	if (strstr(log, "not usable") == NULL && strstr(log, "corrupt") == NULL)
		fail_msg("the log does not mention the bad file:\n%s", log);
	free(log);
}

static void test_random_file(void **state)
{
	(void)state;
	make_objects(false);
	char *path = token_file();
	size_t length;
	char *data = h_read_file(path, &length);
	assert_non_null(data);
	srand(4242);
	for (size_t i = 0; i < length; i++)
		data[i] = (char)(rand() & 0xff);
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, length), (ssize_t)length);
	close(fd);
	free(data);
	free(path);
	check_unrecognised_token();
}

static void test_truncated_file(void **state)
{
	(void)state;
	make_objects(false);
	char *path = token_file();
	assert_int_equal(truncate(path, 1000), 0);
	free(path);
	check_unrecognised_token();
}

static void test_empty_file(void **state)
{
	(void)state;
	make_objects(false);
	char *path = token_file();
	assert_int_equal(truncate(path, 0), 0);
	free(path);
	check_unrecognised_token();
}

static void test_missing_format_version(void **state)
{
	(void)state;
	make_objects(false);
	char *path = token_file();
	sqlite3 *db = open_db(path);
	exec(db, "DELETE FROM meta WHERE name = 'format_version'");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(path);
	check_unrecognised_token();
}

static void test_future_format_version(void **state)
{
	(void)state;
	make_objects(false);
	char *path = token_file();
	sqlite3 *db = open_db(path);
	exec(db, "UPDATE meta SET value = 9999 WHERE name = 'format_version'");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(path);
	check_unrecognised_token();
}

static void test_foreign_sqlite_file(void **state)
{
	(void)state;
	make_objects(false);
	char *path = token_file();
	assert_int_equal(unlink(path), 0);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	exec(db,
	     "CREATE TABLE something (x); INSERT INTO something VALUES (1)");
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(path);
	check_unrecognised_token();
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_flipped_record_bytes),
	        T(test_flipped_bytes_everywhere),
	        T(test_flipped_private_record),
	        T(test_swapped_records),
	        T(test_flipped_private_flag),
	        T(test_damaged_wrapped_key),
	        T(test_random_file),
	        T(test_truncated_file),
	        T(test_empty_file),
	        T(test_missing_format_version),
	        T(test_future_format_version),
	        T(test_foreign_sqlite_file),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
