/* Login and PINs: C_Login / C_Logout for CKU_SO, CKU_USER and
 * CKU_CONTEXT_SPECIFIC, the login-state errors, the login shared by all
 * sessions, C_InitPIN, C_SetPIN (user and SO), the PIN failure counter
 * with its token flags (pin_tries = 3 in the test config), CKR_PIN_LOCKED,
 * the reset by the SO's C_InitPIN, and the counter surviving C_Finalize +
 * C_Initialize and another process. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define USER_PIN_FLAGS                                                         \
	(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)
#define SO_PIN_FLAGS                                                           \
	(CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED)

static void test_user_login_logout(void **state)
{
	(void)state;
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	CK_SESSION_HANDLE rw = h_open(H.slot, true);
	assert_int_equal(h_session_state(ro), CKS_RO_PUBLIC_SESSION);
	assert_int_equal(h_session_state(rw), CKS_RW_PUBLIC_SESSION);
	assert_rv(p11->C_Logout(ro), CKR_USER_NOT_LOGGED_IN);

	assert_ok(h_login(ro, CKU_USER, H_USER_PIN));
	/* Shared by every session of the application on this token. */
	assert_int_equal(h_session_state(ro), CKS_RO_USER_FUNCTIONS);
	assert_int_equal(h_session_state(rw), CKS_RW_USER_FUNCTIONS);
	/* A session opened later is logged in too. */
	CK_SESSION_HANDLE later = h_open(H.slot, true);
	assert_int_equal(h_session_state(later), CKS_RW_USER_FUNCTIONS);
	/* A private object made through another session. */
	h_create_data(later, true, true, "private", "secret");

	assert_rv(h_login(rw, CKU_USER, H_USER_PIN),
	          CKR_USER_ALREADY_LOGGED_IN);
	assert_rv(h_login(rw, CKU_SO, H_SO_PIN),
	          CKR_USER_ANOTHER_ALREADY_LOGGED_IN);

	/* C_Logout on any session logs all out. */
	assert_ok(p11->C_Logout(rw));
	assert_int_equal(h_session_state(ro), CKS_RO_PUBLIC_SESSION);
	assert_int_equal(h_session_state(later), CKS_RW_PUBLIC_SESSION);
	assert_rv(p11->C_Logout(ro), CKR_USER_NOT_LOGGED_IN);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(ro, "private", found, 2), 0);
}

static void test_last_session_closed_logs_out(void **state)
{
	(void)state;
	CK_SESSION_HANDLE a = h_open(H.slot, false);
	CK_SESSION_HANDLE b = h_open(H.slot, false);
	assert_ok(h_login(a, CKU_USER, H_USER_PIN));
	assert_ok(p11->C_CloseSession(a));
	/* b still open: still logged in. */
	assert_int_equal(h_session_state(b), CKS_RO_USER_FUNCTIONS);
	assert_ok(p11->C_CloseSession(b));
	CK_SESSION_HANDLE c = h_open(H.slot, false);
	assert_int_equal(h_session_state(c), CKS_RO_PUBLIC_SESSION);
	/* Same after C_CloseAllSessions. */
	assert_ok(h_login(c, CKU_USER, H_USER_PIN));
	assert_ok(p11->C_CloseAllSessions(H.slot));
	c = h_open(H.slot, false);
	assert_int_equal(h_session_state(c), CKS_RO_PUBLIC_SESSION);
}

static void test_so_login(void **state)
{
	(void)state;
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	CK_SESSION_HANDLE rw = h_open(H.slot, true);
	/* Not with a read-only session open. */
	assert_rv(h_login(rw, CKU_SO, H_SO_PIN), CKR_SESSION_READ_ONLY_EXISTS);
	assert_ok(p11->C_CloseSession(ro));
	assert_ok(h_login(rw, CKU_SO, H_SO_PIN));
	assert_int_equal(h_session_state(rw), CKS_RW_SO_FUNCTIONS);
	/* No read-only sessions while the SO is logged in. */
	CK_SESSION_HANDLE session;
	assert_rv(p11->C_OpenSession(H.slot, CKF_SERIAL_SESSION, NULL, NULL,
	                             &session),
	          CKR_SESSION_READ_WRITE_SO_EXISTS);
	CK_SESSION_HANDLE rw2 = h_open(H.slot, true);
	assert_int_equal(h_session_state(rw2), CKS_RW_SO_FUNCTIONS);
	assert_rv(h_login(rw2, CKU_SO, H_SO_PIN), CKR_USER_ALREADY_LOGGED_IN);
	assert_rv(h_login(rw2, CKU_USER, H_USER_PIN),
	          CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	/* The SO does not see or make private objects. */
	CK_OBJECT_HANDLE object;
	assert_rv(h_create_data_rv(rw, true, true, "so private", "x", &object),
	          CKR_USER_NOT_LOGGED_IN);
	assert_ok(p11->C_Logout(rw2));
	assert_int_equal(h_session_state(rw), CKS_RW_PUBLIC_SESSION);
}

static void test_login_errors(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = h_open(H.slot, true);
	assert_rv(p11->C_Login(session, CKU_USER, NULL, 8), CKR_ARGUMENTS_BAD);
	assert_rv(p11->C_Login(session, 42, (CK_UTF8CHAR_PTR)H_USER_PIN,
	                       strlen(H_USER_PIN)),
	          CKR_USER_TYPE_INVALID);
	assert_rv(h_login(session + 1000, CKU_USER, H_USER_PIN),
	          CKR_SESSION_HANDLE_INVALID);
	assert_rv(h_login(CK_INVALID_HANDLE, CKU_USER, H_USER_PIN),
	          CKR_SESSION_HANDLE_INVALID);
	assert_rv(p11->C_Logout(session + 1000), CKR_SESSION_HANDLE_INVALID);
	/* Nothing of that counted as a failed PIN. */
	assert_false(h_token_flags(H.slot) & USER_PIN_FLAGS);
}

static void test_context_specific(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = h_open(H.slot, false);
	assert_ok(h_login(session, CKU_USER, H_USER_PIN));
	/* No operation needs it. */
	assert_rv(h_login(session, CKU_CONTEXT_SPECIFIC, H_USER_PIN),
	          CKR_OPERATION_NOT_INITIALIZED);
	/* Still logged in as the user. */
	assert_int_equal(h_session_state(session), CKS_RO_USER_FUNCTIONS);
	assert_ok(p11->C_Logout(session));
	CK_RV rv = h_login(session, CKU_CONTEXT_SPECIFIC, H_USER_PIN);
	assert_true(rv == CKR_OPERATION_NOT_INITIALIZED ||
	            rv == CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(h_session_state(session), CKS_RO_PUBLIC_SESSION);
}

static void test_login_user_3_0(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = h_open(H.slot, false);
	assert_ok(p11v3->C_LoginUser(session, CKU_USER,
	                             (CK_UTF8CHAR_PTR)H_USER_PIN,
	                             strlen(H_USER_PIN), NULL, 0));
	assert_int_equal(h_session_state(session), CKS_RO_USER_FUNCTIONS);
	assert_ok(p11->C_Logout(session));
}

static void test_user_pin_not_initialised(void **state)
{
	(void)state;
	CK_SLOT_ID slot = h_uninitialised_slot();
	assert_ok(h_init_token(slot, H_SO_PIN, "no user"));
	assert_false(h_token_flags(slot) & CKF_USER_PIN_INITIALIZED);
	CK_SESSION_HANDLE session = h_open(slot, true);
	assert_rv(h_login(session, CKU_USER, H_USER_PIN),
	          CKR_USER_PIN_NOT_INITIALIZED);
	assert_false(h_token_flags(slot) & USER_PIN_FLAGS);
	/* C_InitPIN: the SO only, R/W. */
	assert_rv(p11->C_InitPIN(session, (CK_UTF8CHAR_PTR)H_USER_PIN,
	                         strlen(H_USER_PIN)),
	          CKR_USER_NOT_LOGGED_IN);
	assert_ok(h_login(session, CKU_SO, H_SO_PIN));
	assert_rv(p11->C_InitPIN(session, (CK_UTF8CHAR_PTR) "123", 3),
	          CKR_PIN_LEN_RANGE);
	assert_rv(p11->C_InitPIN(session, NULL, 8), CKR_ARGUMENTS_BAD);
	assert_ok(p11->C_InitPIN(session, (CK_UTF8CHAR_PTR)H_USER_PIN,
	                         strlen(H_USER_PIN)));
	assert_true(h_token_flags(slot) & CKF_USER_PIN_INITIALIZED);
	assert_ok(p11->C_Logout(session));
	assert_ok(h_login(session, CKU_USER, H_USER_PIN));
	/* The user may not C_InitPIN. */
	assert_rv(p11->C_InitPIN(session, (CK_UTF8CHAR_PTR) "otherpin", 8),
	          CKR_USER_NOT_LOGGED_IN);
}

static void test_set_pin_user(void **state)
{
	(void)state;
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	assert_rv(p11->C_SetPIN(ro, (CK_UTF8CHAR_PTR)H_USER_PIN,
	                        strlen(H_USER_PIN),
	                        (CK_UTF8CHAR_PTR) "new-pin-1", 9),
	          CKR_SESSION_READ_ONLY);
	assert_ok(p11->C_CloseSession(ro));
	CK_SESSION_HANDLE session = h_open(H.slot, true);
	assert_rv(p11->C_SetPIN(session, NULL, 4, (CK_UTF8CHAR_PTR) "new-pin-1",
	                        9),
	          CKR_ARGUMENTS_BAD);
	assert_rv(p11->C_SetPIN(session, (CK_UTF8CHAR_PTR)H_USER_PIN,
	                        strlen(H_USER_PIN), (CK_UTF8CHAR_PTR) "ab", 2),
	          CKR_PIN_LEN_RANGE);
	assert_rv(p11->C_SetPIN(session, (CK_UTF8CHAR_PTR) "wrong-old", 9,
	                        (CK_UTF8CHAR_PTR) "new-pin-1", 9),
	          CKR_PIN_INCORRECT);
	/* That wrong old PIN counted. */
	assert_true(h_token_flags(H.slot) & CKF_USER_PIN_COUNT_LOW);

	/* In a R/W public session: changes the user's PIN. */
	assert_ok(p11->C_SetPIN(session, (CK_UTF8CHAR_PTR)H_USER_PIN,
	                        strlen(H_USER_PIN),
	                        (CK_UTF8CHAR_PTR) "new-pin-1", 9));
	assert_false(h_token_flags(H.slot) & USER_PIN_FLAGS);
	assert_rv(h_login(session, CKU_USER, H_USER_PIN), CKR_PIN_INCORRECT);
	assert_ok(h_login(session, CKU_USER, "new-pin-1"));
	/* Logged in as the user: changes it again. */
	assert_ok(p11->C_SetPIN(session, (CK_UTF8CHAR_PTR) "new-pin-1", 9,
	                        (CK_UTF8CHAR_PTR) "new-pin-2", 9));
	assert_ok(p11->C_Logout(session));
	assert_ok(h_login(session, CKU_USER, "new-pin-2"));
	/* Private objects stay readable under the new PIN, across a
	 * restart. */
	h_create_data(session, true, true, "kept", "value");
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	session = h_open(H.slot, false);
	assert_ok(h_login(session, CKU_USER, "new-pin-2"));
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(session, "kept", found, 2), 1);
	char value[16];
	assert_int_equal(
	        h_get_bytes(session, found[0], CKA_VALUE, value, sizeof(value)),
	        5);
	assert_memory_equal(value, "value", 5);
}

static void test_set_pin_so(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = h_open(H.slot, true);
	assert_ok(h_login(session, CKU_SO, H_SO_PIN));
	assert_ok(p11->C_SetPIN(session, (CK_UTF8CHAR_PTR)H_SO_PIN,
	                        strlen(H_SO_PIN),
	                        (CK_UTF8CHAR_PTR) "new-so-pin", 10));
	assert_ok(p11->C_Logout(session));
	assert_rv(h_login(session, CKU_SO, H_SO_PIN), CKR_PIN_INCORRECT);
	assert_ok(h_login(session, CKU_SO, "new-so-pin"));
	assert_ok(p11->C_Logout(session));
	/* The user's PIN did not change. */
	assert_ok(h_login(session, CKU_USER, H_USER_PIN));
	assert_ok(p11->C_Logout(session));
	/* C_InitToken now wants the new SO PIN. */
	assert_ok(p11->C_CloseSession(session));
	assert_rv(h_init_token(H.slot, H_SO_PIN, "x"), CKR_PIN_INCORRECT);
	assert_ok(h_init_token(H.slot, "new-so-pin", "x"));
}

/* Three wrong PINs: COUNT_LOW, FINAL_TRY, LOCKED; then even the right one
 * gets CKR_PIN_LOCKED until the SO's C_InitPIN. */
static void test_user_pin_lockout_and_reset(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = h_open(H.slot, true);
	assert_false(h_token_flags(H.slot) & USER_PIN_FLAGS);

	assert_rv(h_login(session, CKU_USER, "bad-pin-1"), CKR_PIN_INCORRECT);
	CK_FLAGS flags = h_token_flags(H.slot);
	assert_true(flags & CKF_USER_PIN_COUNT_LOW);
	assert_false(flags & (CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED));

	assert_rv(h_login(session, CKU_USER, "bad-pin-2"), CKR_PIN_INCORRECT);
	flags = h_token_flags(H.slot);
	assert_true(flags & CKF_USER_PIN_FINAL_TRY);
	assert_false(flags & CKF_USER_PIN_LOCKED);

	CK_RV rv = h_login(session, CKU_USER, "bad-pin-3");
	assert_true(rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED);
	flags = h_token_flags(H.slot);
	assert_true(flags & CKF_USER_PIN_LOCKED);
	assert_false(flags & SO_PIN_FLAGS);

	assert_rv(h_login(session, CKU_USER, H_USER_PIN), CKR_PIN_LOCKED);
	assert_rv(p11->C_SetPIN(session, (CK_UTF8CHAR_PTR)H_USER_PIN,
	                        strlen(H_USER_PIN),
	                        (CK_UTF8CHAR_PTR) "other-pin", 9),
	          CKR_PIN_LOCKED);
	assert_int_equal(h_session_state(session), CKS_RW_PUBLIC_SESSION);

	/* The SO resets it with C_InitPIN. */
	assert_ok(h_login(session, CKU_SO, H_SO_PIN));
	assert_ok(p11->C_InitPIN(session, (CK_UTF8CHAR_PTR) "reset-pin", 9));
	assert_ok(p11->C_Logout(session));
	assert_false(h_token_flags(H.slot) & USER_PIN_FLAGS);
	assert_ok(h_login(session, CKU_USER, "reset-pin"));
}

static void test_success_resets_counter(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = h_open(H.slot, false);
	assert_rv(h_login(session, CKU_USER, "bad-pin-1"), CKR_PIN_INCORRECT);
	assert_rv(h_login(session, CKU_USER, "bad-pin-2"), CKR_PIN_INCORRECT);
	assert_ok(h_login(session, CKU_USER, H_USER_PIN));
	assert_false(h_token_flags(H.slot) & USER_PIN_FLAGS);
	assert_ok(p11->C_Logout(session));
	/* Three more tries are available again. */
	assert_rv(h_login(session, CKU_USER, "bad-pin-3"), CKR_PIN_INCORRECT);
	assert_ok(h_login(session, CKU_USER, H_USER_PIN));
}

static void test_lockout_survives_restart(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = h_open(H.slot, false);
	assert_rv(h_login(session, CKU_USER, "bad-pin-1"), CKR_PIN_INCORRECT);
	assert_rv(h_login(session, CKU_USER, "bad-pin-2"), CKR_PIN_INCORRECT);
	assert_ok(p11->C_Finalize(NULL));

	assert_ok(p11->C_Initialize(NULL));
	CK_SLOT_ID slot = h_initialised_slot();
	assert_true(h_token_flags(slot) & CKF_USER_PIN_FINAL_TRY);
	session = h_open(slot, false);
	CK_RV rv = h_login(session, CKU_USER, "bad-pin-3");
	assert_true(rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED);
	assert_ok(p11->C_Finalize(NULL));

	assert_ok(p11->C_Initialize(NULL));
	slot = h_initialised_slot();
	assert_true(h_token_flags(slot) & CKF_USER_PIN_LOCKED);
	session = h_open(slot, false);
	assert_rv(h_login(session, CKU_USER, H_USER_PIN), CKR_PIN_LOCKED);
}

/* Another process's failures count here, and ours there. */
static void test_lockout_across_processes(void **state)
{
	(void)state;
	assert_ok(p11->C_Finalize(NULL));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
		CK_SLOT_ID slots[4];
		CK_ULONG count = 4;
		CHILD_RV(p11->C_GetSlotList(CK_TRUE, slots, &count), CKR_OK);
		CK_SESSION_HANDLE session;
		CHILD_RV(p11->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL,
		                            NULL, &session),
		         CKR_OK);
		CHILD_RV(h_login(session, CKU_USER, "bad-pin-1"),
		         CKR_PIN_INCORRECT);
		CHILD_RV(h_login(session, CKU_USER, "bad-pin-2"),
		         CKR_PIN_INCORRECT);
		/* Exit without C_Finalize, as a crashing client would. */
		_exit(0);
	}
	h_wait_child_ok(pid);

	assert_ok(p11->C_Initialize(NULL));
	CK_SLOT_ID slot = h_initialised_slot();
	assert_true(h_token_flags(slot) & CKF_USER_PIN_FINAL_TRY);
	CK_SESSION_HANDLE session = h_open(slot, false);

	/* Now a process running alongside this one locks the PIN. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
		CK_SESSION_HANDLE child_session;
		CHILD_RV(p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL,
		                            NULL, &child_session),
		         CKR_OK);
		CK_RV rv = h_login(child_session, CKU_USER, "bad-pin-3");
		CHILD_CHECK(rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED,
		            "third bad PIN: %s", h_rv_name(rv));
		CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
		_exit(0);
	}
	h_wait_child_ok(pid);
	/* This process, still initialised, sees the lock. */
	assert_true(h_token_flags(slot) & CKF_USER_PIN_LOCKED);
	assert_rv(h_login(session, CKU_USER, H_USER_PIN), CKR_PIN_LOCKED);
}

static void test_so_pin_lockout(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = h_open(H.slot, true);
	assert_rv(h_login(session, CKU_SO, "bad-so-1"), CKR_PIN_INCORRECT);
	assert_true(h_token_flags(H.slot) & CKF_SO_PIN_COUNT_LOW);
	assert_rv(h_login(session, CKU_SO, "bad-so-2"), CKR_PIN_INCORRECT);
	assert_true(h_token_flags(H.slot) & CKF_SO_PIN_FINAL_TRY);
	CK_RV rv = h_login(session, CKU_SO, "bad-so-3");
	assert_true(rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED);
	CK_FLAGS flags = h_token_flags(H.slot);
	assert_true(flags & CKF_SO_PIN_LOCKED);
	assert_false(flags & USER_PIN_FLAGS);
	assert_rv(h_login(session, CKU_SO, H_SO_PIN), CKR_PIN_LOCKED);
	/* The user is not affected. */
	assert_ok(h_login(session, CKU_USER, H_USER_PIN));
	assert_ok(p11->C_Logout(session));
	/* Nor can the locked SO re-initialise the token. */
	assert_ok(p11->C_CloseSession(session));
	assert_rv(h_init_token(H.slot, H_SO_PIN, "x"), CKR_PIN_LOCKED);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_user_login_logout),
	        T(test_last_session_closed_logs_out),
	        T(test_so_login),
	        T(test_login_errors),
	        T(test_context_specific),
	        T(test_login_user_3_0),
	        T(test_user_pin_not_initialised),
	        T(test_set_pin_user),
	        T(test_set_pin_so),
	        T(test_user_pin_lockout_and_reset),
	        T(test_success_resets_counter),
	        T(test_lockout_survives_restart),
	        T(test_lockout_across_processes),
	        T(test_so_pin_lockout),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
