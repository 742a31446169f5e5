/* Sessions: C_OpenSession (flags, errors), C_CloseSession,
 * C_CloseAllSessions, C_GetSessionInfo states, invalid handles and NULL
 * pointers across the entry points, C_GenerateRandom, C_SeedRandom,
 * operation state, and the crypto entry points that have no mechanism yet
 * (a defined error, no crash). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <stdlib.h>
#include <string.h>

static void test_open_session_flags(void **state)
{
	(void)state;
	CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
	assert_rv(p11->C_OpenSession(H.slot, 0, NULL, NULL, &session),
	          CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	assert_rv(p11->C_OpenSession(H.slot, CKF_RW_SESSION, NULL, NULL,
	                             &session),
	          CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	assert_rv(p11->C_OpenSession(H.slot, CKF_SERIAL_SESSION, NULL, NULL,
	                             NULL),
	          CKR_ARGUMENTS_BAD);
	assert_int_equal(h_token_info(H.slot).ulSessionCount, 0);

	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	CK_SESSION_HANDLE rw = h_open(H.slot, true);
	assert_true(ro != rw);
	CK_SESSION_INFO info;
	assert_ok(p11->C_GetSessionInfo(ro, &info));
	assert_int_equal(info.slotID, H.slot);
	assert_int_equal(info.state, CKS_RO_PUBLIC_SESSION);
	assert_int_equal(info.flags, CKF_SERIAL_SESSION);
	assert_int_equal(info.ulDeviceError, 0);
	assert_ok(p11->C_GetSessionInfo(rw, &info));
	assert_int_equal(info.state, CKS_RW_PUBLIC_SESSION);
	assert_int_equal(info.flags, CKF_SERIAL_SESSION | CKF_RW_SESSION);
}

static void test_session_states(void **state)
{
	(void)state;
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	CK_SESSION_HANDLE rw = h_open(H.slot, true);
	assert_int_equal(h_session_state(ro), CKS_RO_PUBLIC_SESSION);
	assert_int_equal(h_session_state(rw), CKS_RW_PUBLIC_SESSION);
	assert_ok(h_login(ro, CKU_USER, H_USER_PIN));
	assert_int_equal(h_session_state(ro), CKS_RO_USER_FUNCTIONS);
	assert_int_equal(h_session_state(rw), CKS_RW_USER_FUNCTIONS);
	assert_ok(p11->C_Logout(ro));
	assert_ok(p11->C_CloseSession(ro));
	assert_ok(h_login(rw, CKU_SO, H_SO_PIN));
	assert_int_equal(h_session_state(rw), CKS_RW_SO_FUNCTIONS);
	assert_ok(p11->C_Logout(rw));
	assert_int_equal(h_session_state(rw), CKS_RW_PUBLIC_SESSION);
}

static void test_close_session(void **state)
{
	(void)state;
	CK_SESSION_HANDLE a = h_open(H.slot, false);
	CK_SESSION_HANDLE b = h_open(H.slot, true);
	assert_ok(p11->C_CloseSession(a));
	CK_SESSION_INFO info;
	assert_rv(p11->C_GetSessionInfo(a, &info), CKR_SESSION_HANDLE_INVALID);
	assert_rv(p11->C_CloseSession(a), CKR_SESSION_HANDLE_INVALID);
	assert_ok(p11->C_GetSessionInfo(b, &info));
	assert_int_equal(h_token_info(H.slot).ulSessionCount, 1);
	/* Handles are not reused at once. */
	CK_SESSION_HANDLE c = h_open(H.slot, false);
	assert_true(c != a);
	assert_ok(p11->C_CloseAllSessions(H.slot));
	assert_rv(p11->C_GetSessionInfo(b, &info), CKR_SESSION_HANDLE_INVALID);
	assert_rv(p11->C_GetSessionInfo(c, &info), CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(h_token_info(H.slot).ulSessionCount, 0);
	/* Nothing to close: fine. */
	assert_ok(p11->C_CloseAllSessions(H.slot));
}

static void test_many_sessions(void **state)
{
	(void)state;
	CK_SESSION_HANDLE sessions[200];
	for (size_t i = 0; i < H_ARRAY_SIZE(sessions); i++)
		sessions[i] = h_open(H.slot, i % 2 == 0);
	assert_int_equal(h_token_info(H.slot).ulSessionCount, 200);
	assert_int_equal(h_token_info(H.slot).ulRwSessionCount, 100);
	for (size_t i = 0; i < H_ARRAY_SIZE(sessions); i += 2)
		assert_ok(p11->C_CloseSession(sessions[i]));
	assert_int_equal(h_token_info(H.slot).ulRwSessionCount, 0);
	assert_ok(p11->C_CloseAllSessions(H.slot));
}

static void test_invalid_session_handles(void **state)
{
	(void)state;
	CK_SESSION_HANDLE open = h_open(H.slot, true);
	const CK_SESSION_HANDLE bad[] = {CK_INVALID_HANDLE, open + 1,
	                                 open + 999, (CK_SESSION_HANDLE)-1};
	CK_SESSION_INFO info;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE template[] = {H_ATTR_VAR(CKA_CLASS, cls)};
	CK_OBJECT_HANDLE object;
	CK_ULONG count, size;
	CK_BYTE buffer[16];
	const CK_RV invalid = CKR_SESSION_HANDLE_INVALID;
	for (size_t i = 0; i < H_ARRAY_SIZE(bad); i++) {
		CK_SESSION_HANDLE s = bad[i];
		assert_rv(p11->C_GetSessionInfo(s, &info), invalid);
		assert_rv(p11->C_CloseSession(s), invalid);
		assert_rv(h_login(s, CKU_USER, H_USER_PIN), invalid);
		assert_rv(p11->C_Logout(s), invalid);
		assert_rv(p11->C_InitPIN(s, (CK_UTF8CHAR_PTR) "12345678", 8),
		          invalid);
		assert_rv(p11->C_SetPIN(s, (CK_UTF8CHAR_PTR) "12345678", 8,
		                        (CK_UTF8CHAR_PTR) "87654321", 8),
		          invalid);
		assert_rv(p11->C_CreateObject(s, template, 1, &object),
		          invalid);
		assert_rv(p11->C_CopyObject(s, 1, NULL, 0, &object), invalid);
		assert_rv(p11->C_DestroyObject(s, 1), invalid);
		assert_rv(p11->C_GetObjectSize(s, 1, &size), invalid);
		assert_rv(p11->C_GetAttributeValue(s, 1, template, 1), invalid);
		assert_rv(p11->C_SetAttributeValue(s, 1, template, 1), invalid);
		assert_rv(p11->C_FindObjectsInit(s, template, 1), invalid);
		assert_rv(p11->C_FindObjects(s, &object, 1, &count), invalid);
		assert_rv(p11->C_FindObjectsFinal(s), invalid);
		assert_rv(p11->C_GenerateRandom(s, buffer, sizeof(buffer)),
		          invalid);
		assert_rv(p11->C_SeedRandom(s, buffer, sizeof(buffer)),
		          invalid);
		CK_MECHANISM mechanism = {CKM_SHA256, NULL, 0};
		assert_rv(p11->C_SignInit(s, &mechanism, 1), invalid);
		assert_rv(p11->C_DigestInit(s, &mechanism), invalid);
		assert_rv(p11v3->C_SessionCancel(s, CKF_FIND_OBJECTS), invalid);
	}
	/* The good session is untouched. */
	assert_ok(p11->C_GetSessionInfo(open, &info));
	assert_int_equal(info.state, CKS_RW_PUBLIC_SESSION);
}

static void test_null_pointers(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE object = h_create_data(s, false, false, "n", "v");
	CK_OBJECT_HANDLE out;
	CK_ULONG count;
	const CK_RV bad = CKR_ARGUMENTS_BAD;
	assert_rv(p11->C_GetSessionInfo(s, NULL), bad);
	assert_rv(p11->C_CreateObject(s, NULL, 1, &out), bad);
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE template[] = {H_ATTR_VAR(CKA_CLASS, cls)};
	assert_rv(p11->C_CreateObject(s, template, 1, NULL), bad);
	assert_rv(p11->C_CopyObject(s, object, NULL, 1, &out), bad);
	assert_rv(p11->C_CopyObject(s, object, NULL, 0, NULL), bad);
	assert_rv(p11->C_GetObjectSize(s, object, NULL), bad);
	assert_rv(p11->C_GetAttributeValue(s, object, NULL, 1), bad);
	assert_rv(p11->C_SetAttributeValue(s, object, NULL, 1), bad);
	assert_rv(p11->C_FindObjectsInit(s, NULL, 1), bad);
	assert_ok(p11->C_FindObjectsInit(s, NULL, 0));
	assert_rv(p11->C_FindObjects(s, NULL, 1, &count), bad);
	assert_rv(p11->C_FindObjects(s, &out, 1, NULL), bad);
	assert_ok(p11->C_FindObjectsFinal(s));
	assert_rv(p11->C_GenerateRandom(s, NULL, 8), bad);
	assert_rv(p11->C_Login(s, CKU_USER, NULL, 4), bad);
	/* Nothing broke. */
	assert_int_equal(h_session_state(s), CKS_RW_PUBLIC_SESSION);
}

static void test_generate_random(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, false);
	CK_BYTE a[64], b[64], zero[64];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	assert_ok(p11->C_GenerateRandom(s, a, sizeof(a)));
	assert_ok(p11->C_GenerateRandom(s, b, sizeof(b)));
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
	assert_ok(p11->C_GenerateRandom(s, a, 0));
	/* Large requests and odd lengths. */
	size_t big = 1 << 20;
	CK_BYTE *large = calloc(1, big + 3);
	assert_non_null(large);
	assert_ok(p11->C_GenerateRandom(s, large, big + 3));
	size_t zeros = 0;
	for (size_t i = 0; i < big + 3; i++)
		zeros += large[i] == 0;
	/* About 1/256 of the bytes are zero; far from all. */
	assert_true(zeros < big / 64);
	free(large);
	/* Not logged in, R/O: still allowed. */
	assert_int_equal(h_session_state(s), CKS_RO_PUBLIC_SESSION);
}

static void test_seed_random(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, false);
	CK_BYTE seed[32] = {1, 2, 3};
	assert_rv(p11->C_SeedRandom(s, seed, sizeof(seed)),
	          CKR_RANDOM_SEED_NOT_SUPPORTED);
}

static void test_operation_state(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, false);
	CK_ULONG length = 0;
	CK_RV rv = p11->C_GetOperationState(s, NULL, &length);
	assert_true(rv == CKR_STATE_UNSAVEABLE ||
	            rv == CKR_OPERATION_NOT_INITIALIZED ||
	            rv == CKR_FUNCTION_NOT_SUPPORTED);
	CK_BYTE blob[16] = {0};
	rv = p11->C_SetOperationState(s, blob, sizeof(blob), 0, 0);
	assert_true(rv == CKR_SAVED_STATE_INVALID ||
	            rv == CKR_FUNCTION_NOT_SUPPORTED);
	assert_rv(p11->C_GetFunctionStatus(s), CKR_FUNCTION_NOT_PARALLEL);
	assert_rv(p11->C_CancelFunction(s), CKR_FUNCTION_NOT_PARALLEL);
}

/* An answer a caller can act on: any error but CKR_OK / general failure
 * (today CKR_FUNCTION_NOT_SUPPORTED; with mechanisms, CKR_MECHANISM_INVALID
 * or CKR_OPERATION_NOT_INITIALIZED). */
static void assert_defined_refusal(CK_RV rv, const char *what)
{
	if (rv == CKR_OK || rv == CKR_GENERAL_ERROR ||
	    rv == CKR_FUNCTION_FAILED)
		fail_msg("%s returned %s", what, h_rv_name(rv));
}

static void test_crypto_without_mechanisms(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	CK_OBJECT_HANDLE key;
	assert_ok(h_create_aes_rv(s, false, true, true, false, "k", &key));
	/* Mechanisms no version of the token will offer (so the test stays
	 * valid when the mechanism layer arrives): a vendor-defined one and
	 * an undefined one. */
	CK_MECHANISM mechanisms[] = {
	        {CKM_VENDOR_DEFINED + 77, NULL, 0},
	        {0x7ffff000UL, NULL, 0},
	};
	CK_BYTE data[32] = {0}, out[256];
	CK_ULONG out_length;
	CK_OBJECT_HANDLE handle, other;
	CK_ATTRIBUTE none[1];
	for (size_t i = 0; i < H_ARRAY_SIZE(mechanisms); i++) {
		CK_MECHANISM_PTR m = &mechanisms[i];
		assert_defined_refusal(p11->C_SignInit(s, m, key),
		                       "C_SignInit");
		assert_defined_refusal(p11->C_VerifyInit(s, m, key),
		                       "C_VerifyInit");
		assert_defined_refusal(p11->C_EncryptInit(s, m, key),
		                       "C_EncryptInit");
		assert_defined_refusal(p11->C_DecryptInit(s, m, key),
		                       "C_DecryptInit");
		assert_defined_refusal(p11->C_DigestInit(s, m), "C_DigestInit");
		assert_defined_refusal(p11->C_SignRecoverInit(s, m, key),
		                       "C_SignRecoverInit");
		assert_defined_refusal(p11->C_VerifyRecoverInit(s, m, key),
		                       "C_VerifyRecoverInit");
		assert_defined_refusal(
		        p11->C_GenerateKey(s, m, NULL, 0, &handle),
		        "C_GenerateKey");
		assert_defined_refusal(p11->C_GenerateKeyPair(s, m, NULL, 0,
		                                              NULL, 0, &handle,
		                                              &other),
		                       "C_GenerateKeyPair");
		out_length = sizeof(out);
		assert_defined_refusal(
		        p11->C_WrapKey(s, m, key, key, out, &out_length),
		        "C_WrapKey");
		assert_defined_refusal(p11->C_UnwrapKey(s, m, key, data,
		                                        sizeof(data), none, 0,
		                                        &handle),
		                       "C_UnwrapKey");
		assert_defined_refusal(
		        p11->C_DeriveKey(s, m, key, none, 0, &handle),
		        "C_DeriveKey");
		assert_defined_refusal(p11v3->C_MessageEncryptInit(s, m, key),
		                       "C_MessageEncryptInit");
		assert_defined_refusal(p11v3->C_MessageSignInit(s, m, key),
		                       "C_MessageSignInit");
	}
	/* Continuations without an Init: not initialised (or not
	 * supported), never success. */
	out_length = sizeof(out);
	assert_defined_refusal(
	        p11->C_Sign(s, data, sizeof(data), out, &out_length), "C_Sign");
	assert_defined_refusal(p11->C_SignUpdate(s, data, sizeof(data)),
	                       "C_SignUpdate");
	out_length = sizeof(out);
	assert_defined_refusal(p11->C_SignFinal(s, out, &out_length),
	                       "C_SignFinal");
	assert_defined_refusal(p11->C_Verify(s, data, sizeof(data), out, 64),
	                       "C_Verify");
	out_length = sizeof(out);
	assert_defined_refusal(
	        p11->C_Encrypt(s, data, sizeof(data), out, &out_length),
	        "C_Encrypt");
	out_length = sizeof(out);
	assert_defined_refusal(
	        p11->C_Decrypt(s, data, sizeof(data), out, &out_length),
	        "C_Decrypt");
	out_length = sizeof(out);
	assert_defined_refusal(
	        p11->C_Digest(s, data, sizeof(data), out, &out_length),
	        "C_Digest");
	assert_defined_refusal(p11->C_DigestKey(s, key), "C_DigestKey");
	assert_defined_refusal(p11v3->C_MessageEncryptFinal(s),
	                       "C_MessageEncryptFinal");
	/* The session is fine afterwards. */
	assert_int_equal(h_session_state(s), CKS_RW_USER_FUNCTIONS);
	CK_BYTE random[8];
	assert_ok(p11->C_GenerateRandom(s, random, sizeof(random)));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_open_session_flags),
	        T(test_session_states),
	        T(test_close_session),
	        T(test_many_sessions),
	        T(test_invalid_session_handles),
	        T(test_null_pointers),
	        T(test_generate_random),
	        T(test_seed_random),
	        T(test_operation_state),
	        T(test_crypto_without_mechanisms),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
