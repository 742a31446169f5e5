/* Finds answered by the store's authenticated index rows alone (templates
 * of CKA_CLASS, CKA_ID, CKA_LABEL, CKA_TOKEN and CKA_PRIVATE): no record
 * is decrypted at C_FindObjectsInit, so a damaged record is still found
 * and fails only when used; a damaged index row drops its object; the
 * results are those of the full path (load + match) for every template;
 * private objects follow the login state exactly as before. The token
 * file is edited with libsqlite3; rows are numbered from 1 in creation
 * order. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char id_k1[] = {'k', '1'};
static const unsigned char id_k2[] = {'k', '2'};
static const unsigned char cert_id[] = {0xce, 0x27};

/* An AES key on the token labelled "key". */
static CK_OBJECT_HANDLE make_key(CK_SESSION_HANDLE s, bool private_,
                                 const unsigned char *id, bool sign)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_BBOOL p = private_ ? CK_TRUE : CK_FALSE,
	         g = sign ? CK_TRUE : CK_FALSE;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),    H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, h_true), H_ATTR_VAR(CKA_PRIVATE, p),
	        H_ATTR_VAR(CKA_SIGN, g),       H_ATTR_STR(CKA_LABEL, "key"),
	        H_ATTR(CKA_ID, id, 2),         H_ATTR(CKA_VALUE, h_aes_key, 32),
	};
	CK_OBJECT_HANDLE o;
	assert_ok(p11->C_CreateObject(s, template, H_ARRAY_SIZE(template), &o));
	return o;
}

/* Token rows 1..5, then two session objects (logged in as the user):
 *   1 public data "alpha"        2 private data "beta"
 *   3 private key "key" id k1, CKA_SIGN   4 public key "key" id k2
 *   5 public certificate "alpha" id ce27
 *   session: public data "alpha", private data "beta" */
static void populate(CK_SESSION_HANDLE s, bool with_session_objects)
{
	h_create_data(s, true, false, "alpha", "one");
	h_create_data(s, true, true, "beta", "two");
	make_key(s, true, id_k1, true);
	make_key(s, false, id_k2, false);
	CK_OBJECT_HANDLE cert;
	assert_ok(h_create_cert_rv(s, true, "alpha", &cert));
	if (with_session_objects) {
		h_create_data(s, false, false, "alpha", "session one");
		h_create_data(s, false, true, "beta", "session two");
	}
}

/* Populates the token, then leaves the module finalised. */
static void populate_and_finalize(void)
{
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	populate(s, false);
	assert_ok(p11->C_Finalize(NULL));
}

static void edit_token_file(const char *sql)
{
	char *files[2];
	assert_int_equal(h_token_files(files, 2), 1);
	sqlite3 *db = NULL;
	assert_int_equal(
	        sqlite3_open_v2(files[0], &db, SQLITE_OPEN_READWRITE, NULL),
	        SQLITE_OK);
	char *error = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &error) != SQLITE_OK)
		fail_msg("%s: %s", sql, error ? error : "?");
	assert_true(sqlite3_changes(db) > 0);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	free(files[0]);
}

/* Flips one bit in the middle of the record of row id. */
static void flip_record(int id)
{
	char *files[2];
	assert_int_equal(h_token_files(files, 2), 1);
	sqlite3 *db = NULL;
	assert_int_equal(
	        sqlite3_open_v2(files[0], &db, SQLITE_OPEN_READWRITE, NULL),
	        SQLITE_OK);
	free(files[0]);
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_prepare_v2(
	                         db, "SELECT record FROM objects WHERE id = ?",
	                         -1, &stmt, NULL),
	                 SQLITE_OK);
	sqlite3_bind_int(stmt, 1, id);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	int length = sqlite3_column_bytes(stmt, 0);
	assert_true(length > 2);
	unsigned char *record = malloc((size_t)length);
	assert_non_null(record);
	memcpy(record, sqlite3_column_blob(stmt, 0), (size_t)length);
	sqlite3_finalize(stmt);
	record[length / 2] ^= 0x01;
	assert_int_equal(
	        sqlite3_prepare_v2(db,
	                           "UPDATE objects SET record = ? WHERE id = ?",
	                           -1, &stmt, NULL),
	        SQLITE_OK);
	sqlite3_bind_blob(stmt, 1, record, length, SQLITE_TRANSIENT);
	sqlite3_bind_int(stmt, 2, id);
	assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(db), 1);
	sqlite3_finalize(stmt);
	free(record);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static CK_SESSION_HANDLE reopen(bool login)
{
	assert_ok(p11->C_Initialize(NULL));
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	if (login)
		assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	return s;
}

static CK_RV read_label(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	char label[32];
	CK_ATTRIBUTE attribute = H_ATTR(CKA_LABEL, label, sizeof(label));
	return p11->C_GetAttributeValue(s, o, &attribute, 1);
}

static CK_OBJECT_CLASS data = CKO_DATA, secret = CKO_SECRET_KEY,
                       certificate = CKO_CERTIFICATE;

/* One byte of a record flipped (the index columns and row MAC intact):
 * finds by class, CKA_ID and CKA_LABEL still return the object, because
 * they decrypt nothing; using it then fails with CKR_DEVICE_ERROR, every
 * time, while the other objects read fine. A template with another
 * attribute loads the candidates and so meets the damage at once. */
static void test_damaged_record_found_by_index(void **state)
{
	(void)state;
	populate_and_finalize();
	flip_record(1);
	flip_record(3);

	CK_SESSION_HANDLE s = reopen(true);
	CK_OBJECT_HANDLE keys[4], by_id[2], all[8], data_found[4];
	CK_ATTRIBUTE by_secret[] = {H_ATTR_VAR(CKA_CLASS, secret)};
	assert_int_equal(h_find(s, by_secret, 1, keys, 4), 2);
	CK_ATTRIBUTE k1[] = {H_ATTR(CKA_ID, id_k1, 2)};
	assert_int_equal(h_find(s, k1, 1, by_id, 2), 1);
	assert_int_equal(by_id[0], keys[0]);
	assert_int_equal(h_find(s, NULL, 0, all, 8), 5);
	assert_int_equal(all[2], keys[0]);
	CK_ATTRIBUTE by_data[] = {H_ATTR_VAR(CKA_CLASS, data)};
	assert_int_equal(h_find(s, by_data, 1, data_found, 4), 2);
	assert_int_equal(data_found[0], all[0]);

	for (int round = 0; round < 2; round++) {
		assert_rv(read_label(s, keys[0]), CKR_DEVICE_ERROR);
		assert_rv(read_label(s, all[0]), CKR_DEVICE_ERROR);
	}
	CK_ULONG size;
	assert_rv(p11->C_GetObjectSize(s, keys[0], &size), CKR_DEVICE_ERROR);
	assert_string_equal(h_get_label(s, keys[1]), "key");
	assert_string_equal(h_get_label(s, all[1]), "beta");
	assert_string_equal(h_get_label(s, all[4]), "alpha");
	if (!h_log_contains("damaged") && !h_log_contains("corrupt") &&
	    !h_log_contains("tamper") && !h_log_contains("malformed"))
		fail_msg("the log does not mention the damaged record");

	/* CKA_SIGN is not in the index: the key candidates are loaded. */
	CK_ATTRIBUTE signing[] = {H_ATTR_VAR(CKA_CLASS, secret),
	                          H_ATTR_VAR(CKA_SIGN, h_true)};
	assert_rv(p11->C_FindObjectsInit(s, signing, 2), CKR_DEVICE_ERROR);

	/* Logged out: the public damaged object is found by its label, the
	 * private one is not visible. */
	assert_ok(p11->C_Logout(s));
	CK_OBJECT_HANDLE alpha[4];
	assert_int_equal(h_find_label(s, "alpha", alpha, 4), 2);
	assert_int_equal(alpha[0], all[0]);
	assert_rv(read_label(s, alpha[0]), CKR_DEVICE_ERROR);
	assert_string_equal(h_get_label(s, alpha[1]), "alpha");
	assert_int_equal(h_find(s, by_secret, 1, keys, 4), 1);
	assert_string_equal(h_get_label(s, keys[0]), "key");
}

/* A row whose class tag or MAC was changed does not authenticate: the
 * index-only find leaves it out (whatever the query), and no error. The
 * full path still offers it as a candidate, and its record, intact and
 * authenticated on its own, matches. */
static void test_damaged_row_dropped(void **state)
{
	(void)state;
	populate_and_finalize();
	edit_token_file("UPDATE objects SET class_tag = randomblob(16)"
	                " WHERE id = 4");
	edit_token_file("UPDATE objects SET row_mac = randomblob(16)"
	                " WHERE id = 5");

	CK_SESSION_HANDLE s = reopen(true);
	CK_OBJECT_HANDLE found[8];
	CK_ATTRIBUTE by_secret[] = {H_ATTR_VAR(CKA_CLASS, secret)};
	assert_int_equal(h_find(s, by_secret, 1, found, 8), 1);
	assert_int_equal(h_get_ulong(s, found[0], CKA_CLASS), CKO_SECRET_KEY);
	CK_ATTRIBUTE k2[] = {H_ATTR(CKA_ID, id_k2, 2)};
	assert_int_equal(h_find(s, k2, 1, found, 8), 0);
	CK_ATTRIBUTE by_cert[] = {H_ATTR_VAR(CKA_CLASS, certificate)};
	assert_int_equal(h_find(s, by_cert, 1, found, 8), 0);
	CK_ATTRIBUTE by_cert_id[] = {H_ATTR(CKA_ID, cert_id, 2)};
	assert_int_equal(h_find(s, by_cert_id, 1, found, 8), 0);
	assert_int_equal(h_find_label(s, "alpha", found, 8), 1);
	assert_int_equal(h_find(s, NULL, 0, found, 8), 3);
	CK_ATTRIBUTE public_token[] = {H_ATTR_VAR(CKA_TOKEN, h_true),
	                               H_ATTR_VAR(CKA_PRIVATE, h_false)};
	assert_int_equal(h_find(s, public_token, 2, found, 8), 1);

	CK_ATTRIBUTE not_signing[] = {H_ATTR_STR(CKA_LABEL, "key"),
	                              H_ATTR_VAR(CKA_SIGN, h_false)};
	assert_int_equal(h_find(s, not_signing, 2, found, 8), 1);
	CK_BYTE id[4];
	assert_int_equal(h_get_bytes(s, found[0], CKA_ID, id, sizeof(id)), 2);
	assert_memory_equal(id, id_k2, 2);
}

/* The templates compared below: every indexed attribute, repeated,
 * contradictory and malformed ones. */
static CK_BBOOL seven = 7;
static CK_ULONG short_class = CKO_DATA;
#define A(type, pointer, length) H_ATTR(type, pointer, length)
static CK_ATTRIBUTE t_data[] = {A(CKA_CLASS, &data, sizeof(data))};
static CK_ATTRIBUTE t_secret[] = {A(CKA_CLASS, &secret, sizeof(secret))};
static CK_ATTRIBUTE t_cert[] = {A(CKA_CLASS, &certificate, 8)};
static CK_ATTRIBUTE t_short[] = {A(CKA_CLASS, &short_class, 4)};
static CK_ATTRIBUTE t_two_classes[] = {A(CKA_CLASS, &data, sizeof(data)),
                                       A(CKA_CLASS, &secret, sizeof(secret))};
static CK_ATTRIBUTE t_same_class[] = {A(CKA_CLASS, &data, sizeof(data)),
                                      A(CKA_CLASS, &data, sizeof(data))};
static CK_ATTRIBUTE t_k1[] = {A(CKA_ID, id_k1, 2)};
static CK_ATTRIBUTE t_empty_id[] = {A(CKA_ID, NULL, 0)};
static CK_ATTRIBUTE t_cert_id[] = {A(CKA_ID, cert_id, 2)};
static CK_ATTRIBUTE t_secret_k2[] = {A(CKA_CLASS, &secret, sizeof(secret)),
                                     A(CKA_ID, id_k2, 2)};
static CK_ATTRIBUTE t_data_k1[] = {A(CKA_CLASS, &data, sizeof(data)),
                                   A(CKA_ID, id_k1, 2)};
static CK_ATTRIBUTE t_alpha[] = {A(CKA_LABEL, "alpha", 5)};
static CK_ATTRIBUTE t_key[] = {A(CKA_LABEL, "key", 3)};
static CK_ATTRIBUTE t_no_label[] = {A(CKA_LABEL, "", 0)};
static CK_ATTRIBUTE t_token[] = {A(CKA_TOKEN, &h_true, 1)};
static CK_ATTRIBUTE t_session[] = {A(CKA_TOKEN, &h_false, 1)};
static CK_ATTRIBUTE t_token_seven[] = {A(CKA_TOKEN, &seven, 1)};
static CK_ATTRIBUTE t_token_short[] = {A(CKA_TOKEN, &h_true, 0)};
static CK_ATTRIBUTE t_private[] = {A(CKA_PRIVATE, &h_true, 1)};
static CK_ATTRIBUTE t_public[] = {A(CKA_PRIVATE, &h_false, 1)};
static CK_ATTRIBUTE t_both_privacies[] = {A(CKA_PRIVATE, &h_true, 1),
                                          A(CKA_PRIVATE, &h_false, 1)};
static CK_ATTRIBUTE t_public_key[] = {A(CKA_LABEL, "key", 3),
                                      A(CKA_TOKEN, &h_true, 1),
                                      A(CKA_PRIVATE, &h_false, 1)};
static CK_ATTRIBUTE t_private_session[] = {A(CKA_TOKEN, &h_false, 1),
                                           A(CKA_PRIVATE, &seven, 1)};
static CK_ATTRIBUTE t_everything[] = {
        A(CKA_PRIVATE, &h_true, 1), A(CKA_ID, id_k1, 2),
        A(CKA_CLASS, &secret, sizeof(secret)), A(CKA_TOKEN, &h_true, 1),
        A(CKA_LABEL, "key", 3)};
#undef A

/* Each template with how many objects it finds: as the user with the
 * session objects, as the user without them (after a restart), and
 * logged out or as the SO (the three public token objects). */
typedef struct compared {
	CK_ATTRIBUTE *template;
	CK_ULONG count;
	CK_ULONG expected[3];
} compared;
#define C(t, a, b, c)                                                          \
	{                                                                      \
		t, H_ARRAY_SIZE(t),                                            \
		{                                                              \
			a, b, c                                                \
		}                                                              \
	}
static const compared templates[] = {
        {NULL, 0, {7, 5, 3}},      C(t_data, 4, 2, 1),
        C(t_secret, 2, 2, 1),      C(t_cert, 1, 1, 1),
        C(t_short, 0, 0, 0),       C(t_two_classes, 0, 0, 0),
        C(t_same_class, 4, 2, 1),  C(t_k1, 1, 1, 0),
        C(t_empty_id, 0, 0, 0),    C(t_cert_id, 1, 1, 1),
        C(t_secret_k2, 1, 1, 1),   C(t_data_k1, 0, 0, 0),
        C(t_alpha, 3, 2, 2),       C(t_key, 2, 2, 1),
        C(t_no_label, 0, 0, 0),    C(t_token, 5, 5, 3),
        C(t_session, 2, 0, 0),     C(t_token_seven, 5, 5, 3),
        C(t_token_short, 0, 0, 0), C(t_private, 3, 2, 0),
        C(t_public, 4, 3, 3),      C(t_both_privacies, 0, 0, 0),
        C(t_public_key, 1, 1, 1),  C(t_private_session, 1, 0, 0),
        C(t_everything, 1, 1, 0),
};
#undef C

/* Every template's results through the rows equal the full path's (the
 * same template plus CKA_DESTROYABLE TRUE, which every object has and
 * the index does not hold): the same handles in the same order, as many
 * as expected in this state. */
static void compare_paths(CK_SESSION_HANDLE s, int state)
{
	for (size_t i = 0; i < H_ARRAY_SIZE(templates); i++) {
		CK_ATTRIBUTE full[8];
		CK_ULONG count = templates[i].count;
		if (count > 0)
			memcpy(full, templates[i].template,
			       count * sizeof(CK_ATTRIBUTE));
		full[count] = (CK_ATTRIBUTE)H_ATTR_VAR(CKA_DESTROYABLE, h_true);
		CK_OBJECT_HANDLE rows[16], loaded[16];
		/* Alternate which path makes the handles first. */
		CK_ULONG n_loaded = 0;
		if (i % 2 == 1)
			n_loaded = h_find(s, full, count + 1, loaded, 16);
		CK_ULONG n_rows =
		        h_find(s, templates[i].template, count, rows, 16);
		if (i % 2 == 0)
			n_loaded = h_find(s, full, count + 1, loaded, 16);
		if (n_rows != n_loaded ||
		    n_rows != templates[i].expected[state])
			fail_msg("template %zu, state %d: %lu through the "
			         "rows, %lu loaded, %lu expected",
			         i, state, (unsigned long)n_rows,
			         (unsigned long)n_loaded,
			         (unsigned long)templates[i].expected[state]);
		if (n_rows > 0)
			assert_memory_equal(rows, loaded,
			                    n_rows * sizeof(rows[0]));
	}
}

static void test_same_results_as_full_path(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	populate(s, true);
	/* The user, with objects cached from their creation. */
	compare_paths(s, 0);
	/* After a restart, nothing loaded before the first find. */
	assert_ok(p11->C_Finalize(NULL));
	s = reopen(true);
	compare_paths(s, 1);
	assert_ok(p11->C_Logout(s));
	compare_paths(s, 2);
	assert_ok(h_login(s, CKU_SO, H_SO_PIN));
	compare_paths(s, 2);

	/* A non-indexed attribute is matched on the record. */
	assert_ok(p11->C_Logout(s));
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	CK_OBJECT_HANDLE found[4];
	CK_ATTRIBUTE signing[] = {H_ATTR_VAR(CKA_SIGN, h_true)};
	assert_int_equal(h_find(s, signing, 1, found, 4), 1);
	CK_BYTE id[4];
	assert_int_equal(h_get_bytes(s, found[0], CKA_ID, id, sizeof(id)), 2);
	assert_memory_equal(id, id_k1, 2);
}

/* Handles a row-only find made for private objects (their records never
 * loaded) become invalid at logout; the SO never sees them; a new login
 * finds them again under new handles. */
static void test_private_rows(void **state)
{
	(void)state;
	populate_and_finalize();
	CK_SESSION_HANDLE s = reopen(true);
	CK_OBJECT_HANDLE private_found[4], again[4], found[8];
	CK_ATTRIBUTE private_only[] = {H_ATTR_VAR(CKA_PRIVATE, h_true)};
	assert_int_equal(h_find(s, private_only, 1, private_found, 4), 2);
	assert_ok(p11->C_Logout(s));
	for (int i = 0; i < 2; i++)
		assert_rv(read_label(s, private_found[i]),
		          CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(h_find(s, private_only, 1, found, 8), 0);
	assert_int_equal(h_find(s, NULL, 0, found, 8), 3);

	assert_ok(h_login(s, CKU_SO, H_SO_PIN));
	assert_int_equal(h_find(s, private_only, 1, found, 8), 0);
	CK_ATTRIBUTE k1[] = {H_ATTR(CKA_ID, id_k1, 2)};
	assert_int_equal(h_find(s, k1, 1, found, 8), 0);
	assert_int_equal(h_find_label(s, "beta", found, 8), 0);
	assert_int_equal(h_find(s, NULL, 0, found, 8), 3);
	for (int i = 0; i < 3; i++)
		assert_ok(read_label(s, found[i]));
	assert_ok(p11->C_Logout(s));

	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	for (int i = 0; i < 2; i++)
		assert_rv(read_label(s, private_found[i]),
		          CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(h_find(s, private_only, 1, again, 4), 2);
	for (int i = 0; i < 2; i++) {
		assert_true(again[i] != private_found[0] &&
		            again[i] != private_found[1]);
		assert_true(h_get_bool(s, again[i], CKA_PRIVATE));
	}
	assert_string_equal(h_get_label(s, again[0]), "beta");
	assert_string_equal(h_get_label(s, again[1]), "key");
	/* A public object's handle outlives the logout and login. */
	CK_ATTRIBUTE k2[] = {H_ATTR(CKA_ID, id_k2, 2)};
	assert_int_equal(h_find(s, k2, 1, found, 8), 1);
	assert_ok(p11->C_Logout(s));
	assert_string_equal(h_get_label(s, found[0]), "key");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_damaged_record_found_by_index),
	        T(test_damaged_row_dropped),
	        T(test_same_results_as_full_path),
	        T(test_private_rows),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
