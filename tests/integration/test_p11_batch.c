/* The "Vendor guardhsm" interface (guardhsm_vendor.h) through the real
 * module: found by name, its error codes, a batch of creates that another
 * process sees only after the end, a rollback that leaves nothing (and
 * undoes changes and destroys too), the implicit commits (close, close
 * all, logout, finalize), other sessions' changes joining the batch, a
 * writer in another process waiting for the end, and a process killed
 * mid-batch leaving exactly its committed batches. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include "pkcs11/guardhsm_vendor.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

static CK_RV begin(CK_SESSION_HANDLE session)
{
	return vendor()->C_GuardhsmBatchBegin(session);
}

static CK_RV end(CK_SESSION_HANDLE session, bool commit)
{
	return vendor()->C_GuardhsmBatchEnd(session,
	                                    commit ? CK_TRUE : CK_FALSE);
}

static CK_RV generate_aes(CK_SESSION_HANDLE session, const char *label,
                          CK_OBJECT_HANDLE *key)
{
	CK_MECHANISM mechanism = {CKM_AES_KEY_GEN, NULL, 0};
	CK_ULONG length = 32;
	CK_ATTRIBUTE template[] = {
	        H_ATTR_VAR(CKA_TOKEN, h_true),
	        H_ATTR_VAR(CKA_PRIVATE, h_true),
	        H_ATTR_VAR(CKA_VALUE_LEN, length),
	        H_ATTR_STR(CKA_LABEL, label),
	};
	return p11->C_GenerateKey(session, &mechanism, template,
	                          H_ARRAY_SIZE(template), key);
}

static CK_SESSION_HANDLE user_session(void)
{
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_RV rv = h_login(s, CKU_USER, H_USER_PIN);
	if (rv != CKR_USER_ALREADY_LOGGED_IN)
		assert_ok(rv);
	return s;
}

static CK_ULONG count_all(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE found[512];
	return h_find(s, NULL, 0, found, H_ARRAY_SIZE(found));
}

/* Other processes are fresh ones (fork + exec of this program): a child
 * forked from a process with the token open would inherit SQLite's
 * in-process lock bookkeeping for the file. */
static pid_t spawn(const char *mode, bool login, int *out)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		char slot[32];
		snprintf(slot, sizeof(slot), "%lu", (unsigned long)H.slot);
		execl("/proc/self/exe", "test_p11_batch", mode, slot,
		      login ? "login" : "public", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	*out = fds[0];
	return pid;
}

/* What another process sees: the number of token objects (public only,
 * unless login; a login would wait for an open batch's write lock). */
static CK_ULONG child_count(bool login)
{
	int fd;
	pid_t pid = spawn("count", login, &fd);
	char *report = h_read_fd(fd);
	close(fd);
	h_wait_child_ok(pid);
	assert_non_null(report);
	CK_ULONG count = strtoul(report, NULL, 10);
	free(report);
	return count;
}

/* The other process: counts objects, or creates one ("write"). */
static int child_main(const char *mode, CK_SLOT_ID slot, bool login)
{
	h_load_module();
	CK_SESSION_HANDLE s = h_child_session(slot, login);
	if (strcmp(mode, "write") == 0) {
		printf("writing\n");
		fflush(stdout);
		CK_OBJECT_HANDLE o;
		CHILD_RV(h_create_data_rv(s, true, false, "child", "c", &o),
		         CKR_OK);
	} else {
		CK_OBJECT_HANDLE found[64];
		CK_ULONG total = 0, got = 0;
		CHILD_RV(p11->C_FindObjectsInit(s, NULL, 0), CKR_OK);
		do {
			CHILD_RV(p11->C_FindObjects(s, found, 64, &got),
			         CKR_OK);
			total += got;
		} while (got > 0);
		CHILD_RV(p11->C_FindObjectsFinal(s), CKR_OK);
		printf("%lu\n", (unsigned long)total);
	}
	CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
	return 0;
}

static void test_interface(void **state)
{
	(void)state;
	CK_ULONG count = 0;
	assert_ok(h_get_interface_list(NULL, &count));
	CK_INTERFACE interfaces[8];
	assert_true(count <= H_ARRAY_SIZE(interfaces));
	assert_ok(h_get_interface_list(interfaces, &count));
	int vendor_interfaces = 0;
	for (CK_ULONG i = 0; i < count; i++)
		if (strcmp((const char *)interfaces[i].pInterfaceName,
		           GUARDHSM_VENDOR_INTERFACE_NAME) == 0)
			vendor_interfaces++;
	assert_int_equal(vendor_interfaces, 1);

	CK_GUARDHSM_FUNCTION_LIST_PTR list = vendor();
	assert_int_equal(list->version.major, 1);
	assert_int_equal(list->version.minor, 0);
	assert_non_null(list->C_GuardhsmBatchBegin);
	assert_non_null(list->C_GuardhsmBatchEnd);
	/* Any version when none is asked for; none other than 1.0. */
	CK_INTERFACE_PTR interface = NULL;
	CK_UTF8CHAR_PTR name = (CK_UTF8CHAR_PTR)GUARDHSM_VENDOR_INTERFACE_NAME;
	assert_ok(h_get_interface(name, NULL, &interface, 0));
	assert_ptr_equal(interface->pFunctionList, list);
	CK_VERSION v11 = {1, 1}, v30 = {3, 0};
	assert_rv(h_get_interface(name, &v11, &interface, 0),
	          CKR_ARGUMENTS_BAD);
	assert_rv(h_get_interface(name, &v30, &interface, 0),
	          CKR_ARGUMENTS_BAD);
	/* The default stays the standard 3.0 list. */
	assert_ok(h_get_interface(NULL, NULL, &interface, 0));
	assert_ptr_equal(interface->pFunctionList, p11v3);
}

static void test_errors(void **state)
{
	(void)state;
	CK_GUARDHSM_FUNCTION_LIST_PTR list = vendor();
	assert_rv(begin(424242), CKR_SESSION_HANDLE_INVALID);
	assert_rv(end(424242, true), CKR_SESSION_HANDLE_INVALID);
	CK_SESSION_HANDLE ro = h_open(H.slot, false);
	CK_SESSION_HANDLE rw = h_open(H.slot, true);
	assert_rv(begin(rw), CKR_USER_NOT_LOGGED_IN);
	assert_ok(h_login(rw, CKU_USER, H_USER_PIN));
	assert_rv(begin(ro), CKR_SESSION_READ_ONLY);
	assert_rv(end(rw, true), CKR_OPERATION_NOT_INITIALIZED);
	assert_rv(end(rw, false), CKR_OPERATION_NOT_INITIALIZED);

	assert_ok(begin(rw));
	assert_rv(begin(rw), CKR_OPERATION_ACTIVE);
	CK_SESSION_HANDLE other = h_open(H.slot, true);
	assert_rv(begin(other), CKR_OPERATION_ACTIVE);
	/* Only the session that began it ends it. */
	assert_rv(end(other, true), CKR_OPERATION_NOT_INITIALIZED);
	assert_rv(end(ro, false), CKR_OPERATION_NOT_INITIALIZED);
	/* PIN functions wait for the end. */
	CK_UTF8CHAR old_pin[] = H_USER_PIN, new_pin[] = "new-pin-2222";
	assert_rv(p11->C_SetPIN(rw, old_pin, sizeof(old_pin) - 1, new_pin,
	                        sizeof(new_pin) - 1),
	          CKR_OPERATION_ACTIVE);
	assert_ok(end(rw, true));
	assert_rv(end(rw, true), CKR_OPERATION_NOT_INITIALIZED);
	/* Nothing was counted against the PIN, which did not change. */
	assert_int_equal(h_token_flags(H.slot) & CKF_USER_PIN_COUNT_LOW, 0);
	assert_ok(p11->C_Logout(rw));
	assert_ok(h_login(rw, CKU_USER, H_USER_PIN));

	/* The SO may batch (public) token objects too. */
	assert_ok(p11->C_CloseSession(ro));
	assert_ok(p11->C_Logout(rw));
	assert_ok(h_login(rw, CKU_SO, H_SO_PIN));
	assert_ok(begin(rw));
	h_create_data(rw, true, false, "by the SO", "so");
	assert_ok(end(rw, true));
	assert_int_equal(child_count(false), 1);

	assert_ok(p11->C_Finalize(NULL));
	assert_rv(list->C_GuardhsmBatchBegin(rw), CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_rv(list->C_GuardhsmBatchEnd(rw, CK_TRUE),
	          CKR_CRYPTOKI_NOT_INITIALIZED);
}

static void test_commit(void **state)
{
	(void)state;
	enum { COUNT = 60, KEYS = 6 };
	CK_SESSION_HANDLE s = user_session();
	assert_ok(begin(s));
	CK_OBJECT_HANDLE objects[COUNT], keys[KEYS];
	for (int i = 0; i < COUNT; i++) {
		char label[32];
		snprintf(label, sizeof(label), "batch-%d", i);
		objects[i] = h_create_data(s, true, false, label, label);
	}
	for (int i = 0; i < KEYS; i++) {
		char label[32];
		snprintf(label, sizeof(label), "key-%d", i);
		assert_ok(generate_aes(s, label, &keys[i]));
	}
	/* This process sees them; another sees nothing before the end. */
	assert_int_equal(count_all(s), COUNT + KEYS);
	assert_string_equal(h_get_label(s, objects[COUNT - 1]), "batch-59");
	assert_int_equal(child_count(false), 0);
	assert_ok(end(s, true));
	assert_int_equal(child_count(false), COUNT);
	assert_int_equal(child_count(true), COUNT + KEYS);
	/* The handles stay valid after the commit. */
	assert_string_equal(h_get_label(s, keys[KEYS - 1]), "key-5");

	/* And it all survives a restart. */
	assert_ok(p11->C_Finalize(NULL));
	assert_ok(p11->C_Initialize(NULL));
	s = user_session();
	assert_int_equal(count_all(s), COUNT + KEYS);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "batch-17", found, 2), 1);
	assert_int_equal(h_find_label(s, "key-3", found, 2), 1);
}

static void test_rollback(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	CK_OBJECT_HANDLE kept = h_create_data(s, true, false, "kept", "k");
	CK_OBJECT_HANDLE renamed = h_create_data(s, true, true, "old", "o");
	CK_OBJECT_HANDLE destroyed =
	        h_create_data(s, true, false, "destroyed", "d");
	/* Its decoded form is cached, and must not outlive the undo. */
	assert_string_equal(h_get_label(s, renamed), "old");

	assert_ok(begin(s));
	CK_OBJECT_HANDLE created[10], key;
	for (int i = 0; i < 10; i++)
		created[i] = h_create_data(s, true, i % 2 == 0, "undone", "u");
	assert_ok(generate_aes(s, "undone key", &key));
	CK_ATTRIBUTE rename[] = {H_ATTR_STR(CKA_LABEL, "new")};
	assert_ok(p11->C_SetAttributeValue(s, renamed, rename, 1));
	assert_string_equal(h_get_label(s, renamed), "new");
	assert_ok(p11->C_DestroyObject(s, destroyed));
	assert_int_equal(count_all(s), 2 + 10 + 1);
	assert_ok(end(s, false));

	/* Nothing of the batch is left, here or in another process. */
	assert_int_equal(count_all(s), 3);
	CK_BYTE buffer[8];
	CK_ATTRIBUTE value = H_ATTR(CKA_VALUE, buffer, sizeof(buffer));
	/* created[0] is left for later: its store id is the one a reused
	 * id would be. */
	for (int i = 1; i < 10; i++)
		assert_rv(p11->C_GetAttributeValue(s, created[i], &value, 1),
		          CKR_OBJECT_HANDLE_INVALID);
	CK_ULONG length = 0;
	CK_ATTRIBUTE key_length = H_ATTR_VAR(CKA_VALUE_LEN, length);
	assert_rv(p11->C_GetAttributeValue(s, key, &key_length, 1),
	          CKR_OBJECT_HANDLE_INVALID);
	assert_string_equal(h_get_label(s, renamed), "old");
	assert_string_equal(h_get_label(s, kept), "kept");
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find_label(s, "destroyed", found, 4), 1);
	assert_int_equal(h_find_label(s, "undone", found, 4), 0);
	assert_int_equal(child_count(true), 3);

	/* A new object never takes an undone one's store id, so an old
	 * handle cannot come to name it. */
	CK_OBJECT_HANDLE later = h_create_data(s, true, false, "later", "l");
	assert_true(later != created[0]);
	assert_rv(p11->C_GetAttributeValue(s, created[0], &value, 1),
	          CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(child_count(true), 4);
}

/* Changes by other sessions of this process join the batch. */
static void test_other_sessions_join(void **state)
{
	(void)state;
	CK_SESSION_HANDLE a = user_session();
	CK_SESSION_HANDLE b = h_open(H.slot, true);
	assert_ok(begin(a));
	h_create_data(b, true, false, "from b", "b");
	h_create_data(a, true, false, "from a", "a");
	assert_int_equal(child_count(false), 0);
	assert_ok(end(a, false));
	assert_int_equal(count_all(b), 0);

	assert_ok(begin(a));
	h_create_data(b, true, false, "from b", "b");
	assert_ok(end(a, true));
	assert_int_equal(child_count(false), 1);
}

/* Closing the batch's session, closing all sessions, logging out and
 * finalizing each commit the open batch. */
static void test_implicit_commits(void **state)
{
	(void)state;
	CK_SESSION_HANDLE keep = user_session();
	CK_SESSION_HANDLE s = user_session();
	assert_ok(begin(s));
	h_create_data(s, true, false, "closed", "c");
	assert_ok(p11->C_CloseSession(s));
	assert_int_equal(child_count(false), 1);
	/* The batch is over: a new one may begin. */
	assert_ok(begin(keep));
	h_create_data(keep, true, false, "logout", "l");
	assert_ok(p11->C_Logout(keep));
	assert_int_equal(child_count(false), 2);
	assert_rv(end(keep, true), CKR_OPERATION_NOT_INITIALIZED);

	s = user_session();
	assert_ok(begin(s));
	h_create_data(s, true, false, "close all", "a");
	assert_ok(p11->C_CloseAllSessions(H.slot));
	assert_int_equal(child_count(false), 3);

	s = user_session();
	assert_ok(begin(s));
	h_create_data(s, true, false, "finalize", "f");
	h_create_data(s, true, true, "finalize private", "f");
	assert_ok(p11->C_Finalize(NULL));
	assert_int_equal(child_count(true), 5);
	assert_ok(p11->C_Initialize(NULL));
}

/* A writer in another process waits for the batch's end (up to the busy
 * timeout) and then succeeds; nothing is lost on either side. */
static void test_writer_waits(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = user_session();
	assert_ok(begin(s));
	h_create_data(s, true, false, "parent", "p");
	int fd;
	pid_t pid = spawn("write", false, &fd);
	char line[16] = {0};
	assert_true(read(fd, line, sizeof(line) - 1) > 0);
	assert_string_equal(line, "writing\n");
	close(fd);
	usleep(300 * 1000); /* let it block on the lock (not required) */
	h_create_data(s, true, false, "parent 2", "p");
	assert_ok(end(s, true));
	h_wait_child_ok(pid);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "child", found, 2), 1);
	assert_int_equal(count_all(s), 3);
}

/* A child commits one batch, fills a second and is killed: the store
 * opens and holds exactly the first. */
static void test_kill_mid_batch(void **state)
{
	(void)state;
	enum { COMMITTED = 25, PENDING = 40 };
	CK_SESSION_HANDLE s = user_session();
	h_create_data(s, true, false, "before", "b");
	assert_ok(p11->C_Finalize(NULL));
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		CK_SESSION_HANDLE cs = h_child_session(H.slot, true);
		CK_INTERFACE_PTR interface = NULL;
		CHILD_RV(h_get_interface((CK_UTF8CHAR_PTR)
		                                 GUARDHSM_VENDOR_INTERFACE_NAME,
		                         NULL, &interface, 0),
		         CKR_OK);
		CK_GUARDHSM_FUNCTION_LIST_PTR list = interface->pFunctionList;
		CHILD_RV(list->C_GuardhsmBatchBegin(cs), CKR_OK);
		CK_OBJECT_HANDLE o;
		for (int i = 0; i < COMMITTED; i++)
			CHILD_RV(h_create_data_rv(cs, true, i % 2 == 0,
			                          "committed", "c", &o),
			         CKR_OK);
		CHILD_RV(list->C_GuardhsmBatchEnd(cs, CK_TRUE), CKR_OK);
		CHILD_RV(list->C_GuardhsmBatchBegin(cs), CKR_OK);
		for (int i = 0; i < PENDING; i++) {
			CHILD_RV(h_create_data_rv(cs, true, i % 2 == 0,
			                          "pending", "p", &o),
			         CKR_OK);
			CHILD_RV(generate_aes(cs, "pending key", &o), CKR_OK);
		}
		h_write_line(fds[1], "ready");
		for (;;)
			pause();
	}
	close(fds[1]);
	char line[16] = {0};
	assert_true(read(fds[0], line, sizeof(line) - 1) > 0);
	assert_string_equal(line, "ready\n");
	close(fds[0]);
	assert_int_equal(kill(pid, SIGKILL), 0);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	assert_ok(p11->C_Initialize(NULL));
	s = user_session();
	assert_int_equal(count_all(s), 1 + COMMITTED);
	CK_OBJECT_HANDLE found[COMMITTED + 1];
	assert_int_equal(h_find_label(s, "committed", found, COMMITTED + 1),
	                 COMMITTED);
	for (int i = 0; i < COMMITTED; i++)
		assert_string_equal(h_get_label(s, found[i]), "committed");
	assert_int_equal(h_find_label(s, "pending", found, 2), 0);
	/* And the token still takes batches. */
	assert_ok(begin(s));
	h_create_data(s, true, false, "after", "a");
	assert_ok(end(s, true));
	assert_int_equal(child_count(true), COMMITTED + 2);
}

int main(int argc, char **argv)
{
	if (argc == 4)
		return child_main(argv[1], strtoul(argv[2], NULL, 10),
		                  strcmp(argv[3], "login") == 0);
	signal(SIGPIPE, SIG_IGN);
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_interface),
	        T(test_errors),
	        T(test_commit),
	        T(test_rollback),
	        T(test_other_sessions_join),
	        T(test_implicit_commits),
	        T(test_writer_waits),
	        T(test_kill_mid_batch),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
