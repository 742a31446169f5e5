/* Handles from a find whose records are loaded only on first use: objects
 * another process destroys or creates between the find and the use; more
 * objects than the module's cache of decoded records holds, read through
 * C_FindObjects batches of every size; session objects beside them. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"
#include "pkcs11/guardhsm_vendor.h"
/* For P11_OBJECT_CACHE_LIMIT. */
#include "pkcs11/module.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static CK_OBJECT_CLASS data = CKO_DATA;

/* In a child process: destroys the public object labelled doomed (if not
 * NULL) and creates one labelled born (if not NULL, private if asked). */
static void change_in_child(const char *doomed, const char *born,
                            bool born_private)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CK_SESSION_HANDLE cs = h_child_session(H.slot, true);
		if (doomed != NULL) {
			CK_ATTRIBUTE template[] = {{CKA_LABEL, (void *)doomed,
			                            (CK_ULONG)strlen(doomed)}};
			CK_OBJECT_HANDLE found;
			CK_ULONG n = 0;
			CHILD_RV(p11->C_FindObjectsInit(cs, template, 1),
			         CKR_OK);
			CHILD_RV(p11->C_FindObjects(cs, &found, 1, &n), CKR_OK);
			CHILD_RV(p11->C_FindObjectsFinal(cs), CKR_OK);
			CHILD_CHECK(n == 1, "found %lu", (unsigned long)n);
			CHILD_RV(p11->C_DestroyObject(cs, found), CKR_OK);
		}
		if (born != NULL) {
			CK_OBJECT_HANDLE o;
			CHILD_RV(h_create_data_rv(cs, true, born_private, born,
			                          born, &o),
			         CKR_OK);
		}
		CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
		_exit(0);
	}
	h_wait_child_ok(pid);
}

static CK_RV read_label(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	char label[32];
	CK_ATTRIBUTE attribute = H_ATTR(CKA_LABEL, label, sizeof(label));
	return p11->C_GetAttributeValue(s, o, &attribute, 1);
}

static void test_other_process_between_find_and_use(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	h_create_data(s, true, false, "a", "a");
	h_create_data(s, true, false, "b", "b");
	h_create_data(s, true, false, "c", "c");
	/* A fresh table: the find makes every handle, loading none. */
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = h_open(H.slot, true);
	CK_OBJECT_HANDLE session_object =
	        h_create_data(s, false, false, "s", "s");
	CK_ATTRIBUTE by_data[] = {H_ATTR_VAR(CKA_CLASS, data)};
	CK_OBJECT_HANDLE first[8], second[8];
	assert_int_equal(h_find(s, by_data, 1, first, 8), 4);
	assert_int_equal(first[0], session_object);

	/* Destroyed and created elsewhere after the find. */
	change_in_child("a", "d", false);
	assert_rv(read_label(s, first[1]), CKR_OBJECT_HANDLE_INVALID);
	assert_rv(read_label(s, first[1]), CKR_OBJECT_HANDLE_INVALID);
	assert_string_equal(h_get_label(s, first[2]), "b");
	assert_string_equal(h_get_label(s, first[3]), "c");
	assert_string_equal(h_get_label(s, first[0]), "s");
	assert_int_equal(h_find(s, by_data, 1, second, 8), 4);
	assert_memory_equal(second, first, sizeof(first[0]));
	assert_memory_equal(second + 1, first + 2, 2 * sizeof(first[0]));
	assert_string_equal(h_get_label(s, second[3]), "d");

	/* Destroyed while the find is active: still returned (the result
	 * is fixed at C_FindObjectsInit), invalid when used. */
	assert_ok(p11->C_FindObjectsInit(s, by_data, 1));
	change_in_child("b", "e", false);
	CK_OBJECT_HANDLE found[8];
	CK_ULONG n = 0;
	assert_ok(p11->C_FindObjects(s, found, 8, &n));
	assert_ok(p11->C_FindObjectsFinal(s));
	assert_int_equal(n, 4);
	assert_memory_equal(found, second, 4 * sizeof(found[0]));
	assert_rv(read_label(s, found[1]), CKR_OBJECT_HANDLE_INVALID);
	assert_string_equal(h_get_label(s, found[2]), "c");
	CK_OBJECT_HANDLE e[2];
	assert_int_equal(h_find_label(s, "e", e, 2), 1);
	assert_string_equal(h_get_label(s, e[0]), "e");
	CK_OBJECT_HANDLE b[2];
	assert_int_equal(h_find_label(s, "b", b, 2), 0);

	/* A private object created elsewhere appears after login only. */
	change_in_child(NULL, "p", true);
	CK_ATTRIBUTE private_only[] = {H_ATTR_VAR(CKA_PRIVATE, h_true)};
	assert_int_equal(h_find(s, private_only, 1, found, 8), 0);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	assert_int_equal(h_find(s, private_only, 1, found, 8), 1);
	assert_string_equal(h_get_label(s, found[0]), "p");
	change_in_child("p", NULL, false);
	assert_rv(read_label(s, found[0]), CKR_OBJECT_HANDLE_INVALID);
}

static CK_GUARDHSM_FUNCTION_LIST_PTR vendor(void)
{
	CK_INTERFACE_PTR interface = NULL;
	CK_VERSION version = {GUARDHSM_VENDOR_VERSION_MAJOR,
	                      GUARDHSM_VENDOR_VERSION_MINOR};
	assert_ok(
	        h_get_interface((CK_UTF8CHAR_PTR)GUARDHSM_VENDOR_INTERFACE_NAME,
	                        &version, &interface, 0));
	assert_non_null(interface);
	return interface->pFunctionList;
}

#define MANY (P11_OBJECT_CACHE_LIMIT + 300)

static void many_label(int i, char label[16])
{
	snprintf(label, 16, "many-%05d", i);
}

/* All data objects through C_FindObjects batches of 0, 1, 2, 3 ...
 * handles; each is full until the expected total is reached. */
static CK_ULONG find_in_small_batches(CK_SESSION_HANDLE s,
                                      CK_OBJECT_HANDLE *found,
                                      CK_ULONG expected)
{
	CK_ATTRIBUTE by_data[] = {H_ATTR_VAR(CKA_CLASS, data)};
	assert_ok(p11->C_FindObjectsInit(s, by_data, 1));
	CK_ULONG total = 0, n, size = 0;
	do {
		assert_ok(p11->C_FindObjects(s, found + total, size, &n));
		assert_true(n <= size);
		if (total + size <= expected)
			assert_int_equal(n, size);
		total += n;
		assert_true(total <= expected);
		size = (size + 1) % 64;
	} while (n > 0 || size == 1);
	assert_ok(p11->C_FindObjectsFinal(s));
	return total;
}

/* More objects than the cache of decoded records holds: every handle of
 * a find by class reads its own object, although reading them all
 * flushes the cache on the way; flushed ones load again. */
static void test_more_objects_than_the_cache(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	assert_ok(vendor()->C_GuardhsmBatchBegin(s));
	for (int i = 0; i < MANY; i++) {
		char label[16];
		many_label(i, label);
		h_create_data(s, true, false, label, label);
	}
	assert_ok(vendor()->C_GuardhsmBatchEnd(s, CK_TRUE));
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = h_open(H.slot, false);

	CK_OBJECT_HANDLE *found = calloc(MANY, sizeof(*found));
	CK_OBJECT_HANDLE *again = calloc(MANY, sizeof(*again));
	assert_non_null(found);
	assert_non_null(again);
	assert_int_equal(find_in_small_batches(s, found, MANY), MANY);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < MANY; i++) {
			char label[16];
			many_label(i, label);
			assert_string_equal(h_get_label(s, found[i]), label);
		}
	}
	/* The same handles again, and from a find by label. */
	assert_int_equal(find_in_small_batches(s, again, MANY), MANY);
	assert_memory_equal(found, again, MANY * sizeof(*found));
	CK_OBJECT_HANDLE one[2];
	assert_int_equal(h_find_label(s, "many-00007", one, 2), 1);
	assert_int_equal(one[0], found[7]);
	free(found);
	free(again);
}

/* A token AES key: a wrapping key, or one that may be wrapped. */
static CK_OBJECT_HANDLE make_aes(CK_SESSION_HANDLE s, bool wrapping,
                                 const char *label)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_BBOOL wrap = wrapping ? CK_TRUE : CK_FALSE;
	CK_BBOOL extractable = wrapping ? CK_FALSE : CK_TRUE;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_CLASS, cls),
	        H_ATTR_VAR(CKA_KEY_TYPE, type),
	        H_ATTR_VAR(CKA_TOKEN, h_true),
	        H_ATTR_VAR(CKA_PRIVATE, h_false),
	        H_ATTR_VAR(CKA_WRAP, wrap),
	        H_ATTR_VAR(CKA_EXTRACTABLE, extractable),
	        H_ATTR_STR(CKA_LABEL, label),
	        H_ATTR(CKA_VALUE, h_aes_key, 32),
	};
	CK_OBJECT_HANDLE o;
	assert_ok(p11->C_CreateObject(s, template, H_ARRAY_SIZE(template), &o));
	return o;
}

/* C_WrapKey looks up two keys: loading the second must not drop the
 * first from the cache under it when the cache is full. */
static void test_wrap_with_full_cache(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	make_aes(s, true, "kek");
	make_aes(s, false, "key");
	assert_ok(vendor()->C_GuardhsmBatchBegin(s));
	for (int i = 0; i < P11_OBJECT_CACHE_LIMIT - 1; i++) {
		char label[16];
		many_label(i, label);
		h_create_data(s, true, false, label, label);
	}
	assert_ok(vendor()->C_GuardhsmBatchEnd(s, CK_TRUE));
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = h_open(H.slot, false);
	CK_OBJECT_HANDLE kek[2], key[2];
	assert_int_equal(h_find_label(s, "kek", kek, 2), 1);
	assert_int_equal(h_find_label(s, "key", key, 2), 1);
	/* The wrapping key and every data object loaded: the cache is full,
	 * the key to wrap not in it. */
	assert_string_equal(h_get_label(s, kek[0]), "kek");
	CK_OBJECT_HANDLE *found = calloc(MANY, sizeof(*found));
	assert_non_null(found);
	assert_int_equal(
	        find_in_small_batches(s, found, P11_OBJECT_CACHE_LIMIT - 1),
	        P11_OBJECT_CACHE_LIMIT - 1);
	for (int i = 0; i < P11_OBJECT_CACHE_LIMIT - 1; i++)
		assert_ok(read_label(s, found[i]));
	free(found);
	CK_MECHANISM mechanism = {CKM_AES_KEY_WRAP, NULL, 0};
	CK_BYTE wrapped[64];
	CK_ULONG length = sizeof(wrapped);
	assert_ok(p11->C_WrapKey(s, &mechanism, kek[0], key[0], wrapped,
	                         &length));
	assert_int_equal(length, 40);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_other_process_between_find_and_use),
	        T(test_more_objects_than_the_cache),
	        T(test_wrap_with_full_cache),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
