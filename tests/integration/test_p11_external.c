/* The token changed under an initialised process by someone else: its
 * file deleted (module.h: slot->removed, "its file went away (another
 * process)"), or the token re-initialised by another process. Nothing may
 * be silently lost or readable afterwards, and what the module reports
 * must match what it allows. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool is_gone_error(CK_RV rv)
{
	return rv == CKR_TOKEN_NOT_PRESENT || rv == CKR_DEVICE_REMOVED ||
	       rv == CKR_SESSION_CLOSED || rv == CKR_DEVICE_ERROR;
}

/* The token file is deleted while this process has a session on it: a
 * token object created afterwards would go to an unlinked file and be
 * lost at C_Finalize, so C_CreateObject must not report success, and the
 * slot must stop claiming a present, working token. */
static void test_token_file_deleted(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	h_create_data(s, true, false, "before", "b");
	char *files[2];
	assert_int_equal(h_token_files(files, 2), 1);
	assert_int_equal(unlink(files[0]), 0);
	free(files[0]);

	CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
	CK_RV rv = h_create_data_rv(s, true, false, "lost", "l", &o);
	if (!is_gone_error(rv))
		fail_msg("C_CreateObject on a deleted token file returned %s; "
		         "expected CKR_TOKEN_NOT_PRESENT, CKR_DEVICE_REMOVED, "
		         "CKR_SESSION_CLOSED or CKR_DEVICE_ERROR",
		         h_rv_name(rv));
	CK_ULONG count = 0;
	assert_ok(p11->C_GetSlotList(CK_FALSE, NULL, &count));
	CK_TOKEN_INFO info;
	rv = p11->C_GetTokenInfo(H.slot, &info);
	if (rv == CKR_OK && (info.flags & CKF_TOKEN_INITIALIZED))
		fail_msg("C_GetTokenInfo still reports the deleted token as "
		         "initialised and present");
}

/* Another process re-initialises the token while this one is logged in
 * as the user: the old private objects must be gone and unreadable, no
 * private object may be created, and the session state must no longer
 * claim user functions. */
static void test_token_reinitialised_by_another_process(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	CK_OBJECT_HANDLE secret =
	        h_create_data(s, true, true, "secret", "s3cr3t");
	CK_OBJECT_HANDLE public_object =
	        h_create_data(s, true, false, "public", "p");

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
		CHILD_RV(h_init_token(H.slot, H_SO_PIN, "re-initialised"),
		         CKR_OK);
		CK_SESSION_HANDLE cs;
		CHILD_RV(p11->C_OpenSession(H.slot,
		                            CKF_SERIAL_SESSION | CKF_RW_SESSION,
		                            NULL, NULL, &cs),
		         CKR_OK);
		CHILD_RV(h_login(cs, CKU_SO, H_SO_PIN), CKR_OK);
		CHILD_RV(p11->C_InitPIN(cs, (CK_UTF8CHAR_PTR) "new-user-pin",
		                        12),
		         CKR_OK);
		CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
		_exit(0);
	}
	h_wait_child_ok(pid);

	/* The old objects are gone. */
	char value[32];
	CK_ATTRIBUTE a = H_ATTR(CKA_VALUE, value, sizeof(value));
	CK_RV rv = p11->C_GetAttributeValue(s, secret, &a, 1);
	if (rv == CKR_OK)
		fail_msg("a private object of the wiped token is still "
		         "readable");
	rv = p11->C_GetAttributeValue(s, public_object, &a, 1);
	if (rv == CKR_OK)
		fail_msg(
		        "a public object of the wiped token is still readable");
	CK_OBJECT_HANDLE found[4];
	rv = p11->C_FindObjectsInit(s, NULL, 0);
	if (rv == CKR_OK) {
		CK_ULONG n = 99;
		assert_ok(p11->C_FindObjects(s, found, 4, &n));
		assert_ok(p11->C_FindObjectsFinal(s));
		assert_int_equal(n, 0);
	}
	/* Our old login does not open the new token. */
	CK_OBJECT_HANDLE o;
	CK_RV create_rv = h_create_data_rv(s, true, true, "after", "a", &o);
	if (create_rv == CKR_OK)
		fail_msg("created a private object on the re-initialised "
		         "token with the old login");
	/* And the session must say so. */
	CK_SESSION_INFO info;
	rv = p11->C_GetSessionInfo(s, &info);
	if (rv == CKR_OK && info.state == CKS_RW_USER_FUNCTIONS)
		fail_msg("C_GetSessionInfo still reports CKS_RW_USER_FUNCTIONS "
		         "after another process re-initialised the token (and "
		         "C_CreateObject of a private object said %s)",
		         h_rv_name(create_rv));
	/* The new user PIN works after a restart. */
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = h_open(H.slot, false);
	assert_ok(h_login(s, CKU_USER, "new-user-pin"));
	assert_int_equal(h_find(s, NULL, 0, found, 4), 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_token_file_deleted),
	        T(test_token_reinitialised_by_another_process),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
