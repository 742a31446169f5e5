/* Slots and tokens: the fresh store's empty slot, C_InitToken (new token,
 * another empty slot; re-initialisation wipes; wrong SO PIN; open
 * sessions), C_GetSlotInfo / C_GetTokenInfo and their flags, the
 * length-query protocol of C_GetSlotList and C_GetMechanismList. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <stdlib.h>
#include <string.h>

static void assert_padded(const CK_UTF8CHAR *field, size_t size,
                          const char *text)
{
	size_t length = strlen(text);
	assert_true(length <= size);
	assert_memory_equal(field, text, length);
	for (size_t i = length; i < size; i++)
		if (field[i] != ' ')
			fail_msg(
			        "byte %zu of a %zu-byte field is 0x%02x, not a "
			        "blank",
			        i, size, field[i]);
}

static void test_fresh_store_one_empty_slot(void **state)
{
	(void)state;
	CK_ULONG count = 99;
	assert_ok(p11->C_GetSlotList(CK_FALSE, NULL, &count));
	assert_int_equal(count, 1);
	assert_ok(p11->C_GetSlotList(CK_TRUE, NULL, &count));
	assert_int_equal(count, 1);
	CK_SLOT_ID slot = 99;
	assert_ok(p11->C_GetSlotList(CK_TRUE, &slot, &count));
	assert_int_equal(count, 1);

	CK_SLOT_INFO slot_info;
	assert_ok(p11->C_GetSlotInfo(slot, &slot_info));
	assert_true(slot_info.flags & CKF_TOKEN_PRESENT);
	assert_null(memchr(slot_info.slotDescription, 0,
	                   sizeof(slot_info.slotDescription)));
	assert_null(memchr(slot_info.manufacturerID, 0,
	                   sizeof(slot_info.manufacturerID)));

	CK_TOKEN_INFO info = h_token_info(slot);
	assert_false(info.flags & CKF_TOKEN_INITIALIZED);
	assert_false(info.flags & CKF_USER_PIN_INITIALIZED);
	assert_true(info.flags & CKF_RNG);
	assert_null(memchr(info.label, 0, sizeof(info.label)));
	assert_null(memchr(info.serialNumber, 0, sizeof(info.serialNumber)));
	assert_int_equal(info.ulSessionCount, 0);
	assert_true(info.ulMinPinLen >= 4);
	assert_true(info.ulMaxPinLen >= info.ulMinPinLen);
	/* Sessions on a token that does not exist yet are refused. */
	CK_SESSION_HANDLE session;
	CK_RV rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION,
	                              NULL, NULL, &session);
	assert_true(rv != CKR_OK);
	/* And nothing was written: the store has no token file. */
	char *files[4];
	assert_int_equal(h_token_files(files, 4), 0);
}

static void test_slot_list_length_protocol(void **state)
{
	(void)state;
	assert_rv(p11->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);
	assert_ok(h_init_token(h_uninitialised_slot(), H_SO_PIN, "first"));
	CK_ULONG count = 0;
	assert_ok(p11->C_GetSlotList(CK_FALSE, NULL, &count));
	assert_int_equal(count, 2);

	CK_SLOT_ID slots[4] = {77, 77, 77, 77};
	CK_ULONG small = 1;
	assert_rv(p11->C_GetSlotList(CK_FALSE, slots, &small),
	          CKR_BUFFER_TOO_SMALL);
	assert_int_equal(small, 2);
	small = 0;
	assert_rv(p11->C_GetSlotList(CK_TRUE, slots, &small),
	          CKR_BUFFER_TOO_SMALL);
	assert_int_equal(small, 2);

	CK_ULONG enough = 4;
	assert_ok(p11->C_GetSlotList(CK_FALSE, slots, &enough));
	assert_int_equal(enough, 2);
	assert_true(slots[0] != slots[1]);
	assert_int_equal(slots[2], 77);
}

static void test_slot_and_token_info_errors(void **state)
{
	(void)state;
	CK_SLOT_INFO slot_info;
	CK_TOKEN_INFO token_info;
	CK_SLOT_ID slot = h_uninitialised_slot();
	assert_rv(p11->C_GetSlotInfo(slot, NULL), CKR_ARGUMENTS_BAD);
	assert_rv(p11->C_GetTokenInfo(slot, NULL), CKR_ARGUMENTS_BAD);
	assert_rv(p11->C_GetSlotInfo(12345, &slot_info), CKR_SLOT_ID_INVALID);
	assert_rv(p11->C_GetTokenInfo(12345, &token_info), CKR_SLOT_ID_INVALID);
	CK_SESSION_HANDLE session;
	assert_rv(p11->C_OpenSession(12345, CKF_SERIAL_SESSION, NULL, NULL,
	                             &session),
	          CKR_SLOT_ID_INVALID);
	assert_rv(p11->C_CloseAllSessions(12345), CKR_SLOT_ID_INVALID);
}

static void test_init_token_creates_and_adds_empty_slot(void **state)
{
	(void)state;
	CK_SLOT_ID slot = h_uninitialised_slot();
	assert_ok(h_init_token(slot, H_SO_PIN, "my token"));
	CK_TOKEN_INFO info = h_token_info(slot);
	assert_padded(info.label, sizeof(info.label), "my token");
	assert_true(info.flags & CKF_TOKEN_INITIALIZED);
	assert_true(info.flags & CKF_LOGIN_REQUIRED);
	assert_true(info.flags & CKF_RNG);
	assert_false(info.flags & CKF_USER_PIN_INITIALIZED);
	assert_false(info.flags &
	             (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY |
	              CKF_USER_PIN_LOCKED | CKF_SO_PIN_COUNT_LOW |
	              CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED));
	assert_padded(info.manufacturerID, sizeof(info.manufacturerID),
	              "guardhsm project");
	assert_null(memchr(info.serialNumber, 0, sizeof(info.serialNumber)));
	assert_null(memchr(info.serialNumber, ' ', 1));

	/* Another slot with an uninitialised token appeared. */
	assert_int_equal(h_slot_count(), 2);
	CK_SLOT_ID empty = h_uninitialised_slot();
	assert_true(empty != slot);
	char *files[4];
	size_t n = h_token_files(files, 4);
	assert_int_equal(n, 1);
	free(files[0]);

	/* A second token: a third slot, distinct serial numbers. */
	assert_ok(h_init_token(empty, H_SO_PIN, "second"));
	assert_int_equal(h_slot_count(), 3);
	CK_TOKEN_INFO second = h_token_info(empty);
	assert_padded(second.label, sizeof(second.label), "second");
	assert_memory_not_equal(second.serialNumber, info.serialNumber,
	                        sizeof(info.serialNumber));

	/* Both survive C_Finalize + C_Initialize, with an empty slot. */
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	assert_int_equal(h_slot_count(), 3);
	int initialised = 0;
	CK_SLOT_ID slots[3];
	CK_ULONG count = 3;
	assert_ok(p11->C_GetSlotList(CK_TRUE, slots, &count));
	for (CK_ULONG i = 0; i < count; i++)
		if (h_token_flags(slots[i]) & CKF_TOKEN_INITIALIZED)
			initialised++;
	assert_int_equal(initialised, 2);
}

static void test_init_token_argument_errors(void **state)
{
	(void)state;
	CK_SLOT_ID slot = h_uninitialised_slot();
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof(label));
	assert_rv(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR) "abc", 3, label),
	          CKR_PIN_LEN_RANGE);
	assert_rv(p11->C_InitToken(slot, (CK_UTF8CHAR_PTR)H_SO_PIN,
	                           strlen(H_SO_PIN), NULL),
	          CKR_ARGUMENTS_BAD);
	assert_rv(p11->C_InitToken(12345, (CK_UTF8CHAR_PTR)H_SO_PIN,
	                           strlen(H_SO_PIN), label),
	          CKR_SLOT_ID_INVALID);
	/* Nothing was created. */
	assert_int_equal(h_slot_count(), 1);
	assert_false(h_token_flags(slot) & CKF_TOKEN_INITIALIZED);
}

static void test_reinit_wipes_token(void **state)
{
	(void)state;
	CK_SLOT_ID slot = H.slot;
	CK_TOKEN_INFO before = h_token_info(slot);
	assert_true(before.flags & CKF_USER_PIN_INITIALIZED);

	CK_SESSION_HANDLE session = h_open(slot, true);
	assert_ok(h_login(session, CKU_USER, H_USER_PIN));
	h_create_data(session, true, false, "public", "p");
	h_create_data(session, true, true, "private", "q");
	assert_ok(p11->C_CloseSession(session));

	CK_ULONG slots_before = h_slot_count();
	assert_ok(h_init_token(slot, H_SO_PIN, "wiped"));
	/* Same slot, no new slot, new label, user PIN gone. */
	assert_int_equal(h_slot_count(), slots_before);
	CK_TOKEN_INFO after = h_token_info(slot);
	assert_padded(after.label, sizeof(after.label), "wiped");
	assert_true(after.flags & CKF_TOKEN_INITIALIZED);
	assert_false(after.flags & CKF_USER_PIN_INITIALIZED);

	session = h_open(slot, true);
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find(session, NULL, 0, found, 4), 0);
	/* The old user PIN no longer works. */
	assert_rv(h_login(session, CKU_USER, H_USER_PIN),
	          CKR_USER_PIN_NOT_INITIALIZED);
	/* The SO can log in and set a user PIN again; nothing private is
	 * left either. */
	assert_ok(h_login(session, CKU_SO, H_SO_PIN));
	assert_ok(p11->C_InitPIN(session, (CK_UTF8CHAR_PTR) "newuser1", 8));
	assert_ok(p11->C_Logout(session));
	assert_ok(h_login(session, CKU_USER, "newuser1"));
	assert_int_equal(h_find(session, NULL, 0, found, 4), 0);
	assert_ok(p11->C_CloseSession(session));

	/* And across a restart. */
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	slot = h_initialised_slot();
	session = h_open(slot, false);
	assert_int_equal(h_find(session, NULL, 0, found, 4), 0);
	assert_padded(h_token_info(slot).label, 32, "wiped");
}

static void test_reinit_wrong_so_pin(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = h_open(H.slot, true);
	h_create_data(session, true, false, "keep me", "k");
	assert_ok(p11->C_CloseSession(session));

	assert_rv(h_init_token(H.slot, "wrong-so-pin", "evil"),
	          CKR_PIN_INCORRECT);
	CK_TOKEN_INFO info = h_token_info(H.slot);
	assert_padded(info.label, sizeof(info.label), H_TOKEN_LABEL);
	assert_true(info.flags & CKF_USER_PIN_INITIALIZED);
	/* The failure counts against the SO PIN. */
	assert_true(info.flags & CKF_SO_PIN_COUNT_LOW);
	session = h_open(H.slot, false);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(session, "keep me", found, 2), 1);
	assert_ok(p11->C_CloseSession(session));
	/* A correct SO PIN resets the counter. */
	session = h_open(H.slot, true);
	assert_ok(h_login(session, CKU_SO, H_SO_PIN));
	assert_ok(p11->C_CloseSession(session));
	assert_false(h_token_flags(H.slot) & CKF_SO_PIN_COUNT_LOW);
}

static void test_reinit_with_sessions_open(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = h_open(H.slot, false);
	assert_rv(h_init_token(H.slot, H_SO_PIN, "busy"), CKR_SESSION_EXISTS);
	assert_ok(p11->C_CloseSession(session));
	session = h_open(H.slot, true);
	assert_rv(h_init_token(H.slot, H_SO_PIN, "busy"), CKR_SESSION_EXISTS);
	/* After C_CloseAllSessions it works. */
	assert_ok(p11->C_CloseAllSessions(H.slot));
	assert_ok(h_init_token(H.slot, H_SO_PIN, "idle"));
	assert_padded(h_token_info(H.slot).label, 32, "idle");
}

static void test_token_flags_user_pin(void **state)
{
	(void)state;
	CK_TOKEN_INFO info = h_token_info(H.slot);
	assert_true(info.flags & CKF_TOKEN_INITIALIZED);
	assert_true(info.flags & CKF_USER_PIN_INITIALIZED);
	assert_true(info.flags & CKF_LOGIN_REQUIRED);
	assert_true(info.flags & CKF_RNG);
	assert_false(info.flags & CKF_WRITE_PROTECTED);
	assert_padded(info.label, sizeof(info.label), H_TOKEN_LABEL);
	/* Session counts follow the sessions. */
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	CK_SESSION_HANDLE rw = h_open(H.slot, true);
	info = h_token_info(H.slot);
	assert_int_equal(info.ulSessionCount, 2);
	assert_int_equal(info.ulRwSessionCount, 1);
	assert_ok(p11->C_CloseSession(ro));
	assert_ok(p11->C_CloseSession(rw));
	info = h_token_info(H.slot);
	assert_int_equal(info.ulSessionCount, 0);
	assert_int_equal(info.ulRwSessionCount, 0);
}

static void test_mechanism_list_protocol(void **state)
{
	(void)state;
	CK_SLOT_ID slot = H.slot;
	assert_rv(p11->C_GetMechanismList(slot, NULL, NULL), CKR_ARGUMENTS_BAD);
	CK_ULONG count = 12345;
	assert_ok(p11->C_GetMechanismList(slot, NULL, &count));
	assert_true(count < 1000);
	assert_rv(p11->C_GetMechanismList(12345, NULL, &count),
	          CKR_SLOT_ID_INVALID);
	CK_MECHANISM_TYPE mechanisms[1000];
	if (count > 0) {
		CK_ULONG small = count - 1;
		assert_rv(p11->C_GetMechanismList(slot, mechanisms, &small),
		          CKR_BUFFER_TOO_SMALL);
		assert_int_equal(small, count);
	}
	CK_ULONG enough = H_ARRAY_SIZE(mechanisms);
	assert_ok(p11->C_GetMechanismList(slot, mechanisms, &enough));
	assert_int_equal(enough, count);
	for (CK_ULONG i = 0; i < count; i++) {
		CK_MECHANISM_INFO info;
		assert_ok(p11->C_GetMechanismInfo(slot, mechanisms[i], &info));
	}
	CK_MECHANISM_INFO info;
	assert_rv(p11->C_GetMechanismInfo(slot, CKM_VENDOR_DEFINED + 0x4242,
	                                  &info),
	          CKR_MECHANISM_INVALID);
	assert_rv(p11->C_GetMechanismInfo(slot, CKM_SHA256, NULL),
	          CKR_ARGUMENTS_BAD);
	assert_rv(p11->C_GetMechanismInfo(12345, CKM_SHA256, &info),
	          CKR_SLOT_ID_INVALID);
}

static void test_wait_for_slot_event(void **state)
{
	(void)state;
	CK_SLOT_ID slot;
	/* Must not block or crash; a defined answer. */
	CK_RV rv = p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL);
	assert_true(rv == CKR_NO_EVENT || rv == CKR_FUNCTION_NOT_SUPPORTED);
}

static void test_tokens_are_independent(void **state)
{
	(void)state;
	CK_SLOT_ID other = h_new_token("other");
	assert_true(other != H.slot);
	CK_SESSION_HANDLE a = h_open(H.slot, true);
	CK_SESSION_HANDLE b = h_open(other, true);
	h_create_data(a, true, false, "on a", "1");
	h_create_data(b, true, false, "on b", "2");
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find_label(a, "on b", found, 4), 0);
	assert_int_equal(h_find_label(b, "on a", found, 4), 0);
	assert_int_equal(h_find_label(b, "on b", found, 4), 1);
	/* Login is per token. */
	assert_ok(h_login(a, CKU_USER, H_USER_PIN));
	assert_int_equal(h_session_state(b), CKS_RW_PUBLIC_SESSION);
	/* C_CloseAllSessions closes one slot's sessions only. */
	assert_ok(p11->C_CloseAllSessions(H.slot));
	CK_SESSION_INFO info;
	assert_rv(p11->C_GetSessionInfo(a, &info), CKR_SESSION_HANDLE_INVALID);
	assert_ok(p11->C_GetSessionInfo(b, &info));
	assert_int_equal(info.slotID, other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_fresh_store_one_empty_slot,
	                                        h_setup_empty, h_teardown),
	        cmocka_unit_test_setup_teardown(test_slot_list_length_protocol,
	                                        h_setup_empty, h_teardown),
	        cmocka_unit_test_setup_teardown(test_slot_and_token_info_errors,
	                                        h_setup_empty, h_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_init_token_creates_and_adds_empty_slot,
	                h_setup_empty, h_teardown),
	        cmocka_unit_test_setup_teardown(test_init_token_argument_errors,
	                                        h_setup_empty, h_teardown),
	        cmocka_unit_test_setup_teardown(test_reinit_wipes_token,
	                                        h_setup_token, h_teardown),
	        cmocka_unit_test_setup_teardown(test_reinit_wrong_so_pin,
	                                        h_setup_token, h_teardown),
	        cmocka_unit_test_setup_teardown(test_reinit_with_sessions_open,
	                                        h_setup_token, h_teardown),
	        cmocka_unit_test_setup_teardown(test_token_flags_user_pin,
	                                        h_setup_token, h_teardown),
	        cmocka_unit_test_setup_teardown(test_mechanism_list_protocol,
	                                        h_setup_token, h_teardown),
	        cmocka_unit_test_setup_teardown(test_wait_for_slot_event,
	                                        h_setup_token, h_teardown),
	        cmocka_unit_test_setup_teardown(test_tokens_are_independent,
	                                        h_setup_token, h_teardown),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
