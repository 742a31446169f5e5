/* Several processes on one token: two children create and destroy token
 * objects at the same time, each reporting (through a pipe) the
 * CKA_UNIQUE_ID of every object it created and did not destroy; the token
 * must then hold exactly those objects. Also: a token another process
 * creates appears in C_GetSlotList, and objects appear and vanish for a
 * process that stays initialised. */
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

#define ROUNDS 40

/* A child's life: its own C_Initialize, a stream of creates (public and
 * private, token objects) with every third object destroyed again, and
 * finds over the whole token in between. Writes one line per surviving
 * object: the hex CKA_UNIQUE_ID. */
static void child_work(int index, CK_SLOT_ID slot, int fd)
{
	CK_SESSION_HANDLE s = h_child_session(slot, true);
	CK_OBJECT_HANDLE alive[ROUNDS];
	int alive_count = 0;
	for (int i = 0; i < ROUNDS; i++) {
		char label[64];
		snprintf(label, sizeof(label), "child%d-%d", index, i);
		CK_OBJECT_HANDLE o;
		CHILD_RV(
		        h_create_data_rv(s, true, i % 2 == 1, label, label, &o),
		        CKR_OK);
		alive[alive_count++] = o;
		if (i % 3 == 2) {
			/* Destroy the oldest surviving one. */
			CHILD_RV(p11->C_DestroyObject(s, alive[0]), CKR_OK);
			memmove(alive, alive + 1,
			        (size_t)(alive_count - 1) * sizeof(alive[0]));
			alive_count--;
		}
		if (i % 5 == 4) {
			/* Everything we think is alive is found, whatever the
			 * other process does meanwhile. */
			CK_OBJECT_HANDLE found[4 * ROUNDS];
			CK_ULONG n = 0, got;
			CHILD_RV(p11->C_FindObjectsInit(s, NULL, 0), CKR_OK);
			do {
				CHILD_RV(p11->C_FindObjects(s, found + n,
				                            4 * ROUNDS - n,
				                            &got),
				         CKR_OK);
				n += got;
			} while (got > 0 && n < 4 * ROUNDS);
			CHILD_RV(p11->C_FindObjectsFinal(s), CKR_OK);
			for (int a = 0; a < alive_count; a++) {
				bool seen = false;
				for (CK_ULONG f = 0; f < n; f++)
					seen = seen || found[f] == alive[a];
				CHILD_CHECK(seen, "object %d not found", a);
			}
		}
	}
	for (int a = 0; a < alive_count; a++) {
		unsigned char uid[64];
		CK_ATTRIBUTE attribute =
		        H_ATTR(CKA_UNIQUE_ID, uid, sizeof(uid));
		CHILD_RV(p11->C_GetAttributeValue(s, alive[a], &attribute, 1),
		         CKR_OK);
		h_write_line(fd, h_hex(uid, attribute.ulValueLen));
	}
	CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
	_exit(0);
}

/* Runs two children; returns the reported lines (malloc'd). */
static char *run_children(CK_SLOT_ID slot)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pids[2];
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(fds[0]);
			child_work(i, slot, fds[1]);
		}
	}
	close(fds[1]);
	char *report = h_read_fd(fds[0]);
	close(fds[0]);
	for (int i = 0; i < 2; i++)
		h_wait_child_ok(pids[i]);
	assert_non_null(report);
	return report;
}

/* The token's objects are exactly the reported ones. */
static void check_token_holds_exactly(CK_SESSION_HANDLE s, char *report)
{
	CK_OBJECT_HANDLE found[4 * ROUNDS];
	CK_ULONG n = h_find(s, NULL, 0, found, 4 * ROUNDS);
	assert_true(n <= 4 * ROUNDS);
	size_t reported = 0;
	for (char *line = report; *line != '\0';) {
		char *end = strchr(line, '\n');
		assert_non_null(end);
		*end = '\0';
		reported++;
		bool seen = false;
		for (CK_ULONG i = 0; i < n && !seen; i++) {
			unsigned char uid[64];
			CK_ULONG length = h_get_bytes(
			        s, found[i], CKA_UNIQUE_ID, uid, sizeof(uid));
			seen = strcmp(h_hex(uid, length), line) == 0;
		}
		if (!seen)
			fail_msg("reported object %s is missing", line);
		*end = '\n';
		line = end + 1;
	}
	/* Each child keeps ROUNDS - ROUNDS/3 objects. */
	assert_int_equal(reported, 2 * (ROUNDS - ROUNDS / 3));
	if (n != reported)
		fail_msg("the token holds %lu objects, the children reported "
		         "%zu",
		         (unsigned long)n, reported);
}

static void test_two_processes_create_and_destroy(void **state)
{
	(void)state;
	CK_SLOT_ID slot = H.slot;
	assert_ok(p11->C_Finalize(NULL));
	char *report = run_children(slot);

	assert_ok(p11->C_Initialize(NULL));
	CK_SESSION_HANDLE s = h_open(slot, false);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	check_token_holds_exactly(s, report);
	free(report);
}

/* The same while this process stays initialised and logged in: it sees
 * the children's work without a restart. */
static void test_two_processes_while_parent_initialised(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_ok(h_login(s, CKU_USER, H_USER_PIN));
	CK_OBJECT_HANDLE before = h_create_data(s, true, false, "parent", "p");
	char *report = run_children(H.slot);
	/* The parent's own object is there too: destroy it first so the
	 * token holds exactly the children's objects. */
	assert_string_equal(h_get_label(s, before), "parent");
	assert_ok(p11->C_DestroyObject(s, before));
	check_token_holds_exactly(s, report);
	assert_int_equal(h_session_state(s), CKS_RW_USER_FUNCTIONS);
	free(report);
}

static void test_token_created_by_another_process(void **state)
{
	(void)state;
	assert_int_equal(h_slot_count(), 1);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
		CK_SLOT_ID slot = 0;
		CK_ULONG count = 1;
		CHILD_RV(p11->C_GetSlotList(CK_TRUE, &slot, &count), CKR_OK);
		CHILD_RV(h_init_token(slot, H_SO_PIN, "from child"), CKR_OK);
		CK_SESSION_HANDLE s;
		CHILD_RV(p11->C_OpenSession(slot,
		                            CKF_SERIAL_SESSION | CKF_RW_SESSION,
		                            NULL, NULL, &s),
		         CKR_OK);
		CK_OBJECT_HANDLE o;
		CHILD_RV(h_create_data_rv(s, true, false, "child object", "c",
		                          &o),
		         CKR_OK);
		CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
		_exit(0);
	}
	h_wait_child_ok(pid);
	/* The length query rescans: the child's token and a new empty
	 * slot. */
	assert_int_equal(h_slot_count(), 2);
	CK_SLOT_ID slot = h_initialised_slot();
	CK_TOKEN_INFO info = h_token_info(slot);
	assert_memory_equal(info.label, "from child", 10);
	CK_SESSION_HANDLE s = h_open(slot, false);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "child object", found, 2), 1);
	/* The empty slot is still there for this process. */
	h_uninitialised_slot();
}

static void test_object_destroyed_by_another_process(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE o = h_create_data(s, true, false, "doomed", "d");
	assert_string_equal(h_get_label(s, o), "doomed");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CK_SESSION_HANDLE cs = h_child_session(H.slot, false);
		CK_ATTRIBUTE template[] = {H_ATTR_STR(CKA_LABEL, "doomed")};
		CK_OBJECT_HANDLE found;
		CK_ULONG n = 0;
		CHILD_RV(p11->C_FindObjectsInit(cs, template, 1), CKR_OK);
		CHILD_RV(p11->C_FindObjects(cs, &found, 1, &n), CKR_OK);
		CHILD_RV(p11->C_FindObjectsFinal(cs), CKR_OK);
		CHILD_CHECK(n == 1, "found %lu", (unsigned long)n);
		CHILD_RV(p11->C_DestroyObject(cs, found), CKR_OK);
		CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
		_exit(0);
	}
	h_wait_child_ok(pid);
	CK_ATTRIBUTE label = H_ATTR(CKA_LABEL, NULL, 0);
	assert_rv(p11->C_GetAttributeValue(s, o, &label, 1),
	          CKR_OBJECT_HANDLE_INVALID);
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "doomed", found, 2), 0);
}

/* Forks a child that finds the one object labelled from (public, on the
 * token) and relabels it to. */
static void relabel_in_child(const char *from, const char *to)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CK_SESSION_HANDLE cs = h_child_session(H.slot, false);
		CK_ATTRIBUTE template[] = {
		        {CKA_LABEL, (void *)from, (CK_ULONG)strlen(from)}};
		CK_OBJECT_HANDLE found;
		CK_ULONG n = 0;
		CHILD_RV(p11->C_FindObjectsInit(cs, template, 1), CKR_OK);
		CHILD_RV(p11->C_FindObjects(cs, &found, 1, &n), CKR_OK);
		CHILD_RV(p11->C_FindObjectsFinal(cs), CKR_OK);
		CHILD_CHECK(n == 1, "found %lu", (unsigned long)n);
		CK_ATTRIBUTE change[] = {
		        {CKA_LABEL, (void *)to, (CK_ULONG)strlen(to)}};
		CHILD_RV(p11->C_SetAttributeValue(cs, found, change, 1),
		         CKR_OK);
		CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
		_exit(0);
	}
	h_wait_child_ok(pid);
}

static void test_attribute_changed_by_another_process(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	CK_OBJECT_HANDLE o = h_create_data(s, true, false, "old label", "d");
	assert_string_equal(h_get_label(s, o), "old label");
	relabel_in_child("old label", "new label");
	/* This process's handle shows the new value (not a stale cache). */
	assert_string_equal(h_get_label(s, o), "new label");
	CK_OBJECT_HANDLE found[2];
	assert_int_equal(h_find_label(s, "new label", found, 2), 1);
	assert_int_equal(found[0], o);
}

/* Forks a child that re-initialises the token (C_InitToken). */
static void reinitialise_in_child(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		CHILD_RV(p11->C_Initialize(NULL), CKR_OK);
		CHILD_RV(h_init_token(H.slot, H_SO_PIN, "reborn"), CKR_OK);
		CHILD_RV(p11->C_Finalize(NULL), CKR_OK);
		_exit(0);
	}
	h_wait_child_ok(pid);
}

/* C_CreateObject lets its store write stand in for the refresh before it:
 * what that write notices still applies. After another process changed
 * an object, a create shows the new value at once; after it
 * re-initialised the token, a private create fails as logged out (and the
 * session is), a public one lands in the new token, and the old objects
 * are gone. */
static void test_create_after_another_process(void **state)
{
	(void)state;
	CK_SESSION_HANDLE s = h_open(H.slot, true);
	assert_rv(h_login(s, CKU_USER, H_USER_PIN), CKR_OK);
	CK_OBJECT_HANDLE o = h_create_data(s, true, false, "before", "d");
	assert_string_equal(h_get_label(s, o), "before");
	relabel_in_child("before", "after");
	CK_OBJECT_HANDLE second = h_create_data(s, true, true, "second", "d");
	assert_string_equal(h_get_label(s, o), "after");
	assert_string_equal(h_get_label(s, second), "second");

	reinitialise_in_child();
	CK_OBJECT_HANDLE third;
	assert_rv(h_create_data_rv(s, true, true, "third", "d", &third),
	          CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(h_session_state(s), CKS_RW_PUBLIC_SESSION);
	assert_rv(h_create_data_rv(s, true, false, "public", "d", &third),
	          CKR_OK);
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find(s, NULL, 0, found, 4), 1);
	assert_int_equal(found[0], third);
	assert_string_equal(h_get_label(s, third), "public");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, h_setup_token, h_teardown)
	const struct CMUnitTest tests[] = {
	        T(test_two_processes_create_and_destroy),
	        T(test_two_processes_while_parent_initialised),
	        cmocka_unit_test_setup_teardown(
	                test_token_created_by_another_process, h_setup_empty,
	                h_teardown),
	        T(test_object_destroyed_by_another_process),
	        T(test_attribute_changed_by_another_process),
	        T(test_create_after_another_process),
	};
	return cmocka_run_group_tests(tests, h_group_setup_template,
	                              h_group_teardown);
}
