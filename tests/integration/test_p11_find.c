/* C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal: by class,
 * CKA_ID, CKA_LABEL, combinations, the empty template; private objects
 * hidden before login; the operation's state errors; batching;
 * C_SessionCancel; many objects. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <stdio.h>
#include <string.h>

static const unsigned char id_a[] = {0x0a};
static const unsigned char id_b[] = {0x0b};

/* A data object whose value is its label. */
static CK_OBJECT_HANDLE data_object(CK_SESSION_HANDLE s, bool token,
                                    bool private_, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL t = token ? CK_TRUE : CK_FALSE,
	         p = private_ ? CK_TRUE : CK_FALSE;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls), H_ATTR_VAR(CKA_TOKEN, t),
	        H_ATTR_VAR(CKA_PRIVATE, p), H_ATTR_STR(CKA_LABEL, label),
	        H_ATTR_STR(CKA_VALUE, label)};
	CK_OBJECT_HANDLE o;
	assert_ok(p11->C_CreateObject(s, template, H_ARRAY_SIZE(template), &o));
	return o;
}

/* A populated token: public/private, token/session, several classes. */
typedef struct population {
	CK_OBJECT_HANDLE data_public, data_private, session_data, cert, key_a,
	        key_b;
} population;

static population populate(CK_SESSION_HANDLE s)
{
	population p;
	p.data_public = data_object(s, true, false, "alpha");
	p.data_private = data_object(s, true, true, "beta");
	p.session_data = data_object(s, false, false, "alpha");
	assert_ok(h_create_cert_rv(s, true, "alpha", &p.cert));
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_ATTRIBUTE key_a[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                        H_ATTR_VAR(CKA_KEY_TYPE, type),
	                        H_ATTR_VAR(CKA_TOKEN, h_true),
	                        H_ATTR_VAR(CKA_PRIVATE, h_true),
	                        H_ATTR_STR(CKA_LABEL, "key"),
	                        H_ATTR(CKA_ID, id_a, 1),
	                        H_ATTR(CKA_VALUE, h_aes_key, 32)};
	assert_ok(p11->C_CreateObject(s, key_a, H_ARRAY_SIZE(key_a), &p.key_a));
	CK_ATTRIBUTE key_b[] = {H_ATTR_VAR(CKA_CLASS, cls),
	                        H_ATTR_VAR(CKA_KEY_TYPE, type),
	                        H_ATTR_VAR(CKA_TOKEN, h_true),
	                        H_ATTR_VAR(CKA_PRIVATE, h_true),
	                        H_ATTR_STR(CKA_LABEL, "key"),
	                        H_ATTR(CKA_ID, id_b, 1),
	                        H_ATTR(CKA_VALUE, h_aes_key, 16)};
	assert_ok(p11->C_CreateObject(s, key_b, H_ARRAY_SIZE(key_b), &p.key_b));
	return p;
}

static bool contains(const CK_OBJECT_HANDLE *found, CK_ULONG n,
                     CK_OBJECT_HANDLE wanted)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (found[i] == wanted)
			return true;
	return false;
}

static void assert_distinct(const CK_OBJECT_HANDLE *found, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++)
		for (CK_ULONG j = 0; j < i; j++)
			if (found[i] == found[j])
				fail_msg("handle %lu found twice",
				         (unsigned long)found[i]);
}

static void test_find_by_attributes(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	population p = populate(s);
	CK_OBJECT_HANDLE found[16];
	CK_ULONG n;

	/* Empty template: everything. */
	n = h_find(s, NULL, 0, found, 16);
	assert_int_equal(n, 6);
	assert_distinct(found, n);

	CK_OBJECT_CLASS data = CKO_DATA, secret = CKO_SECRET_KEY,
	                certificate = CKO_CERTIFICATE,
	                private_key = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE by_data[] = {H_ATTR_VAR(CKA_CLASS, data)};
	n = h_find(s, by_data, 1, found, 16);
	assert_int_equal(n, 3);
	assert_true(contains(found, n, p.data_public));
	assert_true(contains(found, n, p.data_private));
	assert_true(contains(found, n, p.session_data));
	CK_ATTRIBUTE by_secret[] = {H_ATTR_VAR(CKA_CLASS, secret)};
	assert_int_equal(h_find(s, by_secret, 1, found, 16), 2);
	CK_ATTRIBUTE by_cert[] = {H_ATTR_VAR(CKA_CLASS, certificate)};
	assert_int_equal(h_find(s, by_cert, 1, found, 16), 1);
	assert_int_equal(found[0], p.cert);
	CK_ATTRIBUTE by_private_key[] = {H_ATTR_VAR(CKA_CLASS, private_key)};
	assert_int_equal(h_find(s, by_private_key, 1, found, 16), 0);

	/* By CKA_ID. */
	CK_ATTRIBUTE by_id[] = {H_ATTR(CKA_ID, id_b, 1)};
	assert_int_equal(h_find(s, by_id, 1, found, 16), 1);
	assert_int_equal(found[0], p.key_b);
	static const unsigned char cert_id[] = {0xce, 0x27};
	CK_ATTRIBUTE by_cert_id[] = {H_ATTR(CKA_ID, cert_id, 2)};
	assert_int_equal(h_find(s, by_cert_id, 1, found, 16), 1);
	/* A prefix of an id is not the id. */
	CK_ATTRIBUTE by_prefix[] = {H_ATTR(CKA_ID, cert_id, 1)};
	assert_int_equal(h_find(s, by_prefix, 1, found, 16), 0);

	/* By label, token and session objects alike. */
	assert_int_equal(h_find_label(s, "alpha", found, 16), 3);
	assert_int_equal(h_find_label(s, "key", found, 16), 2);
	assert_int_equal(h_find_label(s, "nothing", found, 16), 0);
	assert_int_equal(h_find_label(s, "alph", found, 16), 0);

	/* Combinations. */
	CK_ATTRIBUTE label_class[] = {H_ATTR_STR(CKA_LABEL, "alpha"),
	                              H_ATTR_VAR(CKA_CLASS, data)};
	n = h_find(s, label_class, 2, found, 16);
	assert_int_equal(n, 2);
	assert_true(contains(found, n, p.data_public));
	assert_true(contains(found, n, p.session_data));
	CK_ATTRIBUTE label_class_token[] = {H_ATTR_STR(CKA_LABEL, "alpha"),
	                                    H_ATTR_VAR(CKA_CLASS, data),
	                                    H_ATTR_VAR(CKA_TOKEN, h_true)};
	assert_int_equal(h_find(s, label_class_token, 3, found, 16), 1);
	assert_int_equal(found[0], p.data_public);
	CK_ATTRIBUTE session_only[] = {H_ATTR_VAR(CKA_TOKEN, h_false)};
	assert_int_equal(h_find(s, session_only, 1, found, 16), 1);
	assert_int_equal(found[0], p.session_data);
	CK_ATTRIBUTE class_id[] = {H_ATTR_VAR(CKA_CLASS, secret),
	                           H_ATTR(CKA_ID, id_a, 1)};
	assert_int_equal(h_find(s, class_id, 2, found, 16), 1);
	assert_int_equal(found[0], p.key_a);
	CK_ATTRIBUTE contradiction[] = {H_ATTR_VAR(CKA_CLASS, data),
	                                H_ATTR(CKA_ID, id_a, 1)};
	assert_int_equal(h_find(s, contradiction, 2, found, 16), 0);
	/* Non-indexed attributes are matched too. */
	CK_ULONG len16 = 16;
	CK_ATTRIBUTE by_len[] = {H_ATTR_VAR(CKA_VALUE_LEN, len16)};
	assert_int_equal(h_find(s, by_len, 1, found, 16), 1);
	assert_int_equal(found[0], p.key_b);
	CK_ATTRIBUTE by_value[] = {H_ATTR_STR(CKA_VALUE, "beta")};
	assert_int_equal(h_find(s, by_value, 1, found, 16), 1);
	assert_int_equal(found[0], p.data_private);
	/* An attribute no object has matches nothing. */
	CK_ATTRIBUTE by_modulus[] = {H_ATTR(CKA_MODULUS, id_a, 1)};
	assert_int_equal(h_find(s, by_modulus, 1, found, 16), 0);
	/* A sensitive value cannot be found by its value (that would leak
	 * it). */
	CK_ATTRIBUTE by_key_value[] = {H_ATTR_VAR(CKA_CLASS, secret),
	                               H_ATTR(CKA_VALUE, h_aes_key, 32)};
	assert_int_equal(h_find(s, by_key_value, 2, found, 16), 0);
}

static void test_private_hidden_before_login(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	population p = populate(s);
	h_create_data(s, false, true, "private session", "x");
	assert_ok(p11->C_Logout(s));
	CK_OBJECT_HANDLE found[16];
	CK_ULONG n = h_find(s, NULL, 0, found, 16);
	assert_int_equal(n, 3);
	assert_true(contains(found, n, p.data_public));
	assert_true(contains(found, n, p.session_data));
	assert_true(contains(found, n, p.cert));
	assert_int_equal(h_find_label(s, "beta", found, 16), 0);
	assert_int_equal(h_find_label(s, "key", found, 16), 0);
	CK_ATTRIBUTE private_only[] = {H_ATTR_VAR(CKA_PRIVATE, h_true)};
	assert_int_equal(h_find(s, private_only, 1, found, 16), 0);
	/* The SO does not see them either. */
	assert_ok(h_login(s, CKU_SO, H_SO_PIN));
	assert_int_equal(h_find(s, private_only, 1, found, 16), 0);
	assert_ok(p11->C_Logout(s));
	/* After a restart, before and after login. */
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = h_open(H.slot, false);
	assert_int_equal(h_find(s, NULL, 0, found, 16), 2);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	assert_int_equal(h_find(s, NULL, 0, found, 16), 5);
	assert_int_equal(h_find(s, private_only, 1, found, 16), 3);
}

static void test_find_state_errors(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_SESSION_HANDLE other = h_open(H.slot, true);
	h_create_data(s, true, false, "one", "1");
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n = 99;
	assert_rv(p11->C_FindObjects(s, found, 4, &n),
	          CKR_OPERATION_NOT_INITIALIZED);
	assert_rv(p11->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
	assert_ok(p11->C_FindObjectsInit(s, NULL, 0));
	assert_rv(p11->C_FindObjectsInit(s, NULL, 0), CKR_OPERATION_ACTIVE);
	/* Operations are per session. */
	assert_ok(p11->C_FindObjectsInit(other, NULL, 0));
	assert_ok(p11->C_FindObjects(s, found, 4, &n));
	assert_int_equal(n, 1);
	assert_ok(p11->C_FindObjects(s, found, 4, &n));
	assert_int_equal(n, 0);
	/* max_count 0 is fine. */
	assert_ok(p11->C_FindObjects(s, found, 0, &n));
	assert_int_equal(n, 0);
	assert_ok(p11->C_FindObjectsFinal(s));
	assert_rv(p11->C_FindObjects(s, found, 4, &n),
	          CKR_OPERATION_NOT_INITIALIZED);
	assert_rv(p11->C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
	/* The other session's find is still active. */
	assert_ok(p11->C_FindObjects(other, found, 4, &n));
	assert_int_equal(n, 1);
	/* Closing a session with an active find is fine. */
	assert_ok(p11->C_CloseSession(other));

	/* C_SessionCancel ends a find (3.0). */
	assert_ok(p11->C_FindObjectsInit(s, NULL, 0));
	assert_ok(p11v3->C_SessionCancel(s, CKF_FIND_OBJECTS));
	assert_rv(p11->C_FindObjects(s, found, 4, &n),
	          CKR_OPERATION_NOT_INITIALIZED);
	assert_ok(p11->C_FindObjectsInit(s, NULL, 0));
	assert_ok(p11->C_FindObjectsFinal(s));
}

static void test_find_batches(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE made[10];
	for (int i = 0; i < 10; i++) {
		made[i] = h_create_data(s, i % 2 == 0, false, "batch", "v");
	}
	CK_ATTRIBUTE template[] = {H_ATTR_STR(CKA_LABEL, "batch")};
	assert_ok(p11->C_FindObjectsInit(s, template, 1));
	CK_OBJECT_HANDLE found[10];
	CK_ULONG total = 0, n;
	for (int round = 0; round < 20; round++) {
		assert_ok(p11->C_FindObjects(s, found + total, 1, &n));
		if (n == 0)
			break;
		assert_int_equal(n, 1);
		total++;
		assert_true(total <= 10);
	}
	assert_ok(p11->C_FindObjectsFinal(s));
	assert_int_equal(total, 10);
	assert_distinct(found, total);
	for (int i = 0; i < 10; i++)
		assert_true(contains(found, total, made[i]));
}

static void test_destroyed_during_find(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE a = h_create_data(s, true, false, "d", "1");
	CK_OBJECT_HANDLE b = h_create_data(s, true, false, "d", "2");
	assert_ok(p11->C_FindObjectsInit(s, NULL, 0));
	assert_ok(p11->C_DestroyObject(s, a));
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n;
	assert_ok(p11->C_FindObjects(s, found, 4, &n));
	assert_ok(p11->C_FindObjectsFinal(s));
	/* Whatever it returned, b is there and any a is unusable. */
	assert_true(contains(found, n, b));
	CK_ATTRIBUTE label = H_ATTR(CKA_LABEL, NULL, 0);
	assert_rv(p11->C_GetAttributeValue(s, a, &label, 1),
	          CKR_OBJECT_HANDLE_INVALID);
}

static void test_many_objects(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	enum { COUNT = 300 };
	for (int i = 0; i < COUNT; i++) {
		char label[32];
		snprintf(label, sizeof(label), "many-%03d", i);
		h_create_data(s, true, false, label, label);
	}
	CK_OBJECT_HANDLE found[COUNT + 1];
	assert_int_equal(h_find(s, NULL, 0, found, COUNT + 1), COUNT);
	assert_distinct(found, COUNT);
	assert_int_equal(h_find_label(s, "many-123", found, 2), 1);
	assert_string_equal(h_get_label(s, found[0]), "many-123");
	/* After a restart, from the store. */
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = h_open(H.slot, false);
	assert_int_equal(h_find_label(s, "many-299", found, 2), 1);
	char value[32];
	assert_int_equal(
	        h_get_bytes(s, found[0], CKA_VALUE, value, sizeof(value)), 8);
	assert_memory_equal(value, "many-299", 8);
	assert_int_equal(h_find(s, NULL, 0, found, COUNT + 1), COUNT);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_find_by_attributes),
	        T(test_private_hidden_before_login),
	        T(test_find_state_errors),
	        T(test_find_batches),
	        T(test_destroyed_during_find),
	        T(test_many_objects),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
