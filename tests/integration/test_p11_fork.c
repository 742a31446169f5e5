/* fork(): a child of an initialised parent must call C_Initialize before
 * anything else (CKR_CRYPTOKI_NOT_INITIALIZED until then, even with the
 * parent's session handles); then it works, sees the same store, and is
 * not logged in. The parent is unaffected by the child's life and death. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static CK_ULONG child_find_label(CK_SESSION_HANDLE s, const char *label,
                                 CK_OBJECT_HANDLE *found)
{
	CK_ATTRIBUTE template[] = {H_ATTR_STR(CKA_LABEL, label)};
	CK_ULONG n = 0;
	CHILD_RV(p11->C_FindObjectsInit(s, template, 1), CKR_OK);
	CHILD_RV(p11->C_FindObjects(s, found, 4, &n), CKR_OK);
	CHILD_RV(p11->C_FindObjectsFinal(s), CKR_OK);
	return n;
}

static void test_child_must_initialize(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	CK_OBJECT_HANDLE parent_object =
	        h_create_data(s, true, false, "from parent", "p");
	h_create_data(s, true, true, "private from parent", "q");
	CK_OBJECT_HANDLE parent_session_object =
	        h_create_data(s, false, false, "parent session object", "s");

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const CK_RV no = CKR_CRYPTOKI_NOT_INITIALIZED;
		CK_ULONG count = 0;
		CK_INFO info;
		CK_SESSION_INFO session_info;
		CK_TOKEN_INFO token_info;
		CHILD_RV(p11->C_GetInfo(&info), no);
		CHILD_RV(p11->C_GetSlotList(CK_TRUE, NULL, &count), no);
		CHILD_RV(p11->C_GetTokenInfo(H.slot, &token_info), no);
		/* The parent's handles mean nothing here. */
		CHILD_RV(p11->C_GetSessionInfo(s, &session_info), no);
		CK_ATTRIBUTE label = H_ATTR(CKA_LABEL, NULL, 0);
		CHILD_RV(p11->C_GetAttributeValue(s, parent_object, &label, 1),
		         no);
		CHILD_RV(p11->C_CloseSession(s), no);
		CHILD_RV(p11->C_Logout(s), no);
		CHILD_RV(p11->C_Finalize(NULL), no);

		CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
		CHILD_RV(p11->C_Initialize(NULL),
		         CKR_CRYPTOKI_ALREADY_INITIALIZED);
		CHILD_RV(p11->C_GetInfo(&info), CKR_OK);
		CK_SESSION_HANDLE cs;
		CHILD_RV(p11->C_OpenSession(H.slot,
		                            CKF_SERIAL_SESSION | CKF_RW_SESSION,
		                            NULL, NULL, &cs),
		         CKR_OK);
		/* Not logged in: the login was the parent's. */
		CHILD_RV(p11->C_GetSessionInfo(cs, &session_info), CKR_OK);
		CHILD_CHECK(session_info.state == CKS_RW_PUBLIC_SESSION,
		            "state %lu", (unsigned long)session_info.state);
		CK_OBJECT_HANDLE found[4];
		CHILD_CHECK(child_find_label(cs, "from parent", found) == 1,
		            "the parent's token object");
		CHILD_CHECK(
		        child_find_label(cs, "private from parent", found) == 0,
		        "a private object before login");
		/* The parent's session objects are not the child's. */
		CHILD_CHECK(child_find_label(cs, "parent session object",
		                             found) == 0,
		            "the parent's session object");
		CHILD_RV(h_login(cs, CKU_USER, H_USER_PIN), CKR_OK);
		CHILD_CHECK(
		        child_find_label(cs, "private from parent", found) == 1,
		        "a private object after login");
		CK_OBJECT_HANDLE o;
		CHILD_RV(
		        h_create_data_rv(cs, true, true, "from child", "c", &o),
		        CKR_OK);
		CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
		_exit(0);
	}
	h_wait_child_ok(pid);

	/* The parent goes on as before. */
	assert_int_equal(h_session_state(s), CKS_RW_USER_FUNCTIONS);
	assert_string_equal(h_get_label(s, parent_object), "from parent");
	assert_string_equal(h_get_label(s, parent_session_object),
	                    "parent session object");
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find_label(s, "from child", found, 4), 1);
	h_create_data(s, true, false, "parent after fork", "p");
	assert_ok(p11->C_Logout(s));
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
}

/* A child that exits (or dies) without touching the module, and one that
 * finalises right after initialising, leave the parent alone. */
static void test_child_exits_without_cleanup(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	CK_OBJECT_HANDLE key;
	assert_ok(h_create_aes_rv(s, false, true, true, false, "k", &key));
	for (int kind = 0; kind < 3; kind++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (kind == 1) {
				CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
				CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
			} else if (kind == 2) {
				CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
#ifndef __SANITIZE_ADDRESS__
				/* exit() runs atexit handlers: no C_Finalize.
				 * (Not under LeakSanitizer, which would report
				 * the parent's state the module abandons in a
				 * child on purpose.) */
				exit(0);
#endif
			}
			_exit(0);
		}
		h_wait_child_ok(pid);
		/* The sealed key is still usable (its attributes readable). */
		assert_int_equal(h_get_ulong(s, key, CKA_VALUE_LEN), 32);
		assert_int_equal(h_session_state(s), CKS_RW_USER_FUNCTIONS);
		h_create_data(s, true, true, "after a child", "x");
	}
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find_label(s, "after a child", found, 4), 3);
}

/* Forked while not initialised: nothing special. */
static void test_fork_before_initialize(void **state)
{
	(void)state;
	assert_ok(p11->C_Finalize(NULL));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CK_INFO info;
		CHILD_RV(p11->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
		CK_SESSION_HANDLE cs = h_child_session(H.slot, false);
		CK_OBJECT_HANDLE o;
		CHILD_RV(h_create_data_rv(cs, true, false, "child", "c", &o),
		         CKR_OK);
		CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
		_exit(0);
	}
	h_wait_child_ok(pid);
	assert_ok(p11->C_Initialize(NULL));
	CK_SESSION_HANDLE s = h_open(H.slot, false);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "child", found, 2), 1);
}

/* A grandchild: fork twice, each generation initialising its own. */
static void test_grandchild(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
		pid_t grandchild = fork();
		CHILD_CHECK(grandchild >= 0, "fork");
		if (grandchild == 0) {
			CK_INFO info;
			CHILD_RV(p11->C_GetInfo(&info),
			         CKR_CRYPTOKI_NOT_INITIALIZED);
			CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
			CK_SESSION_HANDLE cs;
			CHILD_RV(p11->C_OpenSession(H.slot,
			                            CKF_SERIAL_SESSION |
			                                    CKF_RW_SESSION,
			                            NULL, NULL, &cs),
			         CKR_OK);
			CK_OBJECT_HANDLE o;
			CHILD_RV(h_create_data_rv(cs, true, false, "grandchild",
			                          "g", &o),
			         CKR_OK);
			CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
			_exit(0);
		}
		int status = 0;
		CHILD_CHECK(waitpid(grandchild, &status, 0) == grandchild,
		            "waitpid");
		CHILD_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		            "grandchild status %d", status);
		CK_SESSION_HANDLE cs;
		CHILD_RV(p11->C_OpenSession(H.slot, CKF_SERIAL_SESSION, NULL,
		                            NULL, &cs),
		         CKR_OK);
		CK_OBJECT_HANDLE found[4];
		CHILD_CHECK(child_find_label(cs, "grandchild", found) == 1,
		            "the grandchild's object");
		CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
		_exit(0);
	}
	h_wait_child_ok(pid);
	CK_SESSION_HANDLE s = h_open(H.slot, false);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "grandchild", found, 2), 1);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_child_must_initialize),
	        T(test_child_exits_without_cleanup),
	        T(test_fork_before_initialize),
	        T(test_grandchild),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
