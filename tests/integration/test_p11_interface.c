/* The module's entry: C_GetFunctionList, C_GetInterfaceList,
 * C_GetInterface, C_GetInfo, C_Initialize (arguments, locking callbacks,
 * twice), C_Finalize, calls before C_Initialize, configuration errors. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "p11_harness.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every slot of a function list is filled. */
static void assert_all_functions(const void *list, size_t first_offset,
                                 size_t end_offset)
{
	for (size_t offset = first_offset; offset < end_offset;
	     offset += sizeof(void (*)(void))) {
		void (*function)(void);
		memcpy(&function, (const char *)list + offset,
		       sizeof(function));
		if (function == NULL)
			fail_msg("function list entry at offset %zu is NULL",
			         offset);
	}
}

static void test_get_function_list(void **state)
{
	(void)state;
	assert_rv(h_get_function_list(NULL), CKR_ARGUMENTS_BAD);
	CK_FUNCTION_LIST_PTR list = NULL;
	assert_ok(h_get_function_list(&list));
	assert_non_null(list);
	assert_int_equal(list->version.major, 2);
	assert_int_equal(list->version.minor, 40);
	assert_all_functions(list, offsetof(CK_FUNCTION_LIST, C_Initialize),
	                     sizeof(CK_FUNCTION_LIST));
	/* The list's own C_GetFunctionList gives the same list. */
	CK_FUNCTION_LIST_PTR again = NULL;
	assert_ok(list->C_GetFunctionList(&again));
	assert_ptr_equal(again, list);
}

static void test_get_interface_list(void **state)
{
	(void)state;
	assert_rv(h_get_interface_list(NULL, NULL), CKR_ARGUMENTS_BAD);
	CK_ULONG count = 0;
	assert_ok(h_get_interface_list(NULL, &count));
	assert_int_equal(count, 3);

	CK_INTERFACE interfaces[4];
	CK_ULONG small = 1;
	assert_rv(h_get_interface_list(interfaces, &small),
	          CKR_BUFFER_TOO_SMALL);
	assert_int_equal(small, 3);

	count = H_ARRAY_SIZE(interfaces);
	assert_ok(h_get_interface_list(interfaces, &count));
	assert_int_equal(count, 3);
	bool seen_3_0 = false, seen_2_40 = false, seen_vendor = false;
	for (CK_ULONG i = 0; i < count; i++) {
		/* The vendor interface: test_p11_batch. */
		if (strcmp((const char *)interfaces[i].pInterfaceName,
		           "Vendor guardhsm") == 0) {
			seen_vendor = true;
			continue;
		}
		assert_string_equal((const char *)interfaces[i].pInterfaceName,
		                    "PKCS 11");
		assert_non_null(interfaces[i].pFunctionList);
		CK_VERSION *version = interfaces[i].pFunctionList;
		if (version->major == 3 && version->minor == 0) {
			seen_3_0 = true;
			assert_all_functions(
			        version,
			        offsetof(CK_FUNCTION_LIST_3_0, C_Initialize),
			        sizeof(CK_FUNCTION_LIST_3_0));
		} else if (version->major == 2 && version->minor == 40) {
			seen_2_40 = true;
			assert_ptr_equal(interfaces[i].pFunctionList, p11);
		} else {
			fail_msg("unexpected interface version %d.%d",
			         version->major, version->minor);
		}
	}
	assert_true(seen_3_0 && seen_2_40 && seen_vendor);
}

static void test_get_interface(void **state)
{
	(void)state;
	CK_INTERFACE_PTR interface = NULL;
	CK_UTF8CHAR name[] = "PKCS 11";

	/* NULL name and version: the default, which is the 3.0 one. */
	assert_ok(h_get_interface(NULL, NULL, &interface, 0));
	assert_non_null(interface);
	CK_VERSION *version = interface->pFunctionList;
	assert_int_equal(version->major, 3);
	assert_int_equal(version->minor, 0);
	assert_string_equal((const char *)interface->pInterfaceName, "PKCS 11");

	CK_VERSION v30 = {3, 0}, v240 = {2, 40}, v211 = {2, 11}, v31 = {3, 1};
	interface = NULL;
	assert_ok(h_get_interface(name, &v30, &interface, 0));
	assert_ptr_equal(interface->pFunctionList, p11v3);
	interface = NULL;
	assert_ok(h_get_interface(name, &v240, &interface, 0));
	assert_ptr_equal(interface->pFunctionList, p11);
	interface = NULL;
	assert_ok(h_get_interface(name, NULL, &interface, 0));
	assert_non_null(interface);

	assert_rv(h_get_interface(name, &v211, &interface, 0),
	          CKR_ARGUMENTS_BAD);
	assert_rv(h_get_interface(name, &v31, &interface, 0),
	          CKR_ARGUMENTS_BAD);
	assert_rv(h_get_interface((CK_UTF8CHAR_PTR) "PKCS 12", NULL, &interface,
	                          0),
	          CKR_ARGUMENTS_BAD);
	assert_rv(h_get_interface(name, &v30, NULL, 0), CKR_ARGUMENTS_BAD);

	/* The 3.0 list names the 3.0 functions; its C_GetInterface is the
	 * exported one. */
	assert_ptr_equal(p11v3->C_GetInterface, h_get_interface);
	assert_ptr_equal(p11v3->C_GetInterfaceList, h_get_interface_list);
}

static void test_get_info(void **state)
{
	(void)state;
	CK_INFO info;
	assert_rv(p11->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_rv(p11v3->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_ok(p11->C_Initialize(NULL));

	memset(&info, 0, sizeof(info));
	assert_ok(p11v3->C_GetInfo(&info));
	assert_int_equal(info.cryptokiVersion.major, 3);
	assert_int_equal(info.cryptokiVersion.minor, 0);
	assert_int_equal(info.flags, 0);
	/* Blank padded, no NUL. */
	assert_memory_equal(info.manufacturerID, "guardhsm", 8);
	assert_null(
	        memchr(info.manufacturerID, 0, sizeof(info.manufacturerID)));
	assert_null(memchr(info.libraryDescription, 0,
	                   sizeof(info.libraryDescription)));
	assert_int_equal(info.manufacturerID[31], ' ');

	memset(&info, 0, sizeof(info));
	assert_ok(p11->C_GetInfo(&info));
	assert_int_equal(info.cryptokiVersion.major, 2);
	assert_int_equal(info.cryptokiVersion.minor, 40);

	assert_rv(p11->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
	assert_rv(p11v3->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
}

static void test_initialize_twice(void **state)
{
	(void)state;
	assert_ok(p11->C_Initialize(NULL));
	assert_rv(p11->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	assert_rv(p11v3->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	int dummy;
	assert_rv(p11->C_Finalize(&dummy), CKR_ARGUMENTS_BAD);
	/* Still initialised after the refused C_Finalize. */
	CK_INFO info;
	assert_ok(p11->C_GetInfo(&info));
	assert_ok(p11->C_Finalize(NULL));
	assert_rv(p11->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_rv(p11->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	/* And again: the module can be initialised many times. */
	for (int i = 0; i < 3; i++) {
		assert_ok(p11->C_Initialize(NULL));
		assert_ok(p11->C_Finalize(NULL));
	}
}

static void test_initialize_reserved(void **state)
{
	(void)state;
	CK_C_INITIALIZE_ARGS args;
	memset(&args, 0, sizeof(args));
	int reserved;
	args.pReserved = &reserved;
	assert_rv(p11->C_Initialize(&args), CKR_ARGUMENTS_BAD);
	args.flags = CKF_OS_LOCKING_OK;
	assert_rv(p11->C_Initialize(&args), CKR_ARGUMENTS_BAD);
	/* Refused arguments leave the module uninitialised. */
	CK_INFO info;
	assert_rv(p11->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	args.pReserved = NULL;
	assert_ok(p11->C_Initialize(&args));
	assert_ok(p11->C_Finalize(NULL));
}

/* The application's locking callbacks, counting their use. */
static atomic_int created, destroyed, locked, unlocked;

static CK_RV app_create(CK_VOID_PTR_PTR mutex)
{
	pthread_mutex_t *m = malloc(sizeof(*m));
	if (m == NULL)
		return CKR_HOST_MEMORY;
	pthread_mutex_init(m, NULL);
	*mutex = m;
	atomic_fetch_add(&created, 1);
	return CKR_OK;
}

static CK_RV app_destroy(CK_VOID_PTR mutex)
{
	pthread_mutex_destroy(mutex);
	free(mutex);
	atomic_fetch_add(&destroyed, 1);
	return CKR_OK;
}

static CK_RV app_lock(CK_VOID_PTR mutex)
{
	pthread_mutex_lock(mutex);
	atomic_fetch_add(&locked, 1);
	return CKR_OK;
}

static CK_RV app_unlock(CK_VOID_PTR mutex)
{
	atomic_fetch_add(&unlocked, 1);
	pthread_mutex_unlock(mutex);
	return CKR_OK;
}

static void reset_counters(void)
{
	atomic_store(&created, 0);
	atomic_store(&destroyed, 0);
	atomic_store(&locked, 0);
	atomic_store(&unlocked, 0);
}

static void test_initialize_partial_callbacks(void **state)
{
	(void)state;
	CK_C_INITIALIZE_ARGS args;
	/* Each proper subset of the four callbacks is refused. */
	for (unsigned mask = 1; mask < 15; mask++) {
		memset(&args, 0, sizeof(args));
		if (mask & 1)
			args.CreateMutex = app_create;
		if (mask & 2)
			args.DestroyMutex = app_destroy;
		if (mask & 4)
			args.LockMutex = app_lock;
		if (mask & 8)
			args.UnlockMutex = app_unlock;
		args.flags = (mask & 1) ? CKF_OS_LOCKING_OK : 0;
		CK_RV rv = p11->C_Initialize(&args);
		if (rv != CKR_ARGUMENTS_BAD) {
			p11->C_Finalize(NULL);
			fail_msg("callbacks mask %u: %s, expected "
			         "CKR_ARGUMENTS_BAD",
			         mask, h_rv_name(rv));
		}
	}
}

/* A session, a token, an object: enough to exercise the module's locks. */
static void exercise(void)
{
	CK_SLOT_ID slot = h_uninitialised_slot();
	assert_ok(h_init_token(slot, H_SO_PIN, "locks"));
	CK_SESSION_HANDLE session = h_open(slot, true);
	h_create_data(session, false, false, "a", "b");
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find_label(session, "a", found, 4), 1);
	assert_ok(p11->C_CloseSession(session));
}

static void test_initialize_app_callbacks(void **state)
{
	(void)state;
	CK_C_INITIALIZE_ARGS args;
	memset(&args, 0, sizeof(args));
	args.CreateMutex = app_create;
	args.DestroyMutex = app_destroy;
	args.LockMutex = app_lock;
	args.UnlockMutex = app_unlock;

	/* Callbacks without CKF_OS_LOCKING_OK: the module must use them. */
	reset_counters();
	assert_ok(p11->C_Initialize(&args));
	exercise();
	assert_ok(p11->C_Finalize(NULL));
	assert_true(atomic_load(&created) > 0);
	assert_true(atomic_load(&locked) > 0);
	assert_int_equal(atomic_load(&locked), atomic_load(&unlocked));
	assert_int_equal(atomic_load(&created), atomic_load(&destroyed));

	/* Callbacks with CKF_OS_LOCKING_OK: either kind is fine, but if it
	 * uses ours, it uses them consistently. */
	reset_counters();
	args.flags = CKF_OS_LOCKING_OK;
	assert_ok(p11->C_Initialize(&args));
	exercise();
	assert_ok(p11->C_Finalize(NULL));
	assert_int_equal(atomic_load(&locked), atomic_load(&unlocked));
	assert_int_equal(atomic_load(&created), atomic_load(&destroyed));

	/* A later C_Initialize without callbacks must not use the old ones. */
	reset_counters();
	assert_ok(p11->C_Initialize(NULL));
	exercise();
	assert_ok(p11->C_Finalize(NULL));
	assert_int_equal(atomic_load(&created), 0);
	assert_int_equal(atomic_load(&locked), 0);
}

static void test_initialize_os_locking_flags(void **state)
{
	(void)state;
	CK_C_INITIALIZE_ARGS args;
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	assert_ok(p11->C_Initialize(&args));
	exercise();
	assert_ok(p11->C_Finalize(NULL));
	/* No callbacks, no flags: the application is single-threaded; still
	 * fine. */
	args.flags = 0;
	assert_ok(p11->C_Initialize(&args));
	assert_ok(p11->C_Finalize(NULL));
	args.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS | CKF_OS_LOCKING_OK;
	assert_ok(p11->C_Initialize(&args));
	assert_ok(p11->C_Finalize(NULL));
}

/* Every entry point refuses to work before C_Initialize. */
static void test_not_initialized(void **state)
{
	(void)state;
	CK_ULONG count = 0;
	CK_SLOT_ID slot_list[4];
	CK_SLOT_INFO slot_info;
	CK_TOKEN_INFO token_info;
	CK_SESSION_HANDLE session;
	CK_SESSION_INFO session_info;
	CK_OBJECT_HANDLE object;
	CK_BYTE random[8];
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof(label));
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE template[] = {H_ATTR_VAR(CKA_CLASS, cls)};
	const CK_RV no = CKR_CRYPTOKI_NOT_INITIALIZED;

	assert_rv(p11->C_Finalize(NULL), no);
	assert_rv(p11->C_GetSlotList(CK_FALSE, NULL, &count), no);
	assert_rv(p11->C_GetSlotList(CK_FALSE, slot_list, &count), no);
	assert_rv(p11->C_GetSlotInfo(0, &slot_info), no);
	assert_rv(p11->C_GetTokenInfo(0, &token_info), no);
	assert_rv(p11->C_GetMechanismList(0, NULL, &count), no);
	assert_rv(p11->C_InitToken(0, (CK_UTF8CHAR_PTR)H_SO_PIN,
	                           strlen(H_SO_PIN), label),
	          no);
	assert_rv(
	        p11->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &session),
	        no);
	assert_rv(p11->C_CloseSession(1), no);
	assert_rv(p11->C_CloseAllSessions(0), no);
	assert_rv(p11->C_GetSessionInfo(1, &session_info), no);
	assert_rv(h_login(1, CKU_USER, H_USER_PIN), no);
	assert_rv(p11->C_Logout(1), no);
	assert_rv(p11->C_InitPIN(1, (CK_UTF8CHAR_PTR) "12345678", 8), no);
	assert_rv(p11->C_CreateObject(1, template, 1, &object), no);
	assert_rv(p11->C_DestroyObject(1, 1), no);
	assert_rv(p11->C_GetAttributeValue(1, 1, template, 1), no);
	assert_rv(p11->C_FindObjectsInit(1, template, 1), no);
	assert_rv(p11->C_FindObjects(1, &object, 1, &count), no);
	assert_rv(p11->C_FindObjectsFinal(1), no);
	assert_rv(p11->C_GenerateRandom(1, random, sizeof(random)), no);
	assert_rv(p11->C_SeedRandom(1, random, sizeof(random)), no);
	assert_rv(p11->C_WaitForSlotEvent(CKF_DONT_BLOCK, slot_list, NULL), no);
	assert_rv(p11v3->C_LoginUser(1, CKU_USER, (CK_UTF8CHAR_PTR) "12345678",
	                             8, NULL, 0),
	          no);
	assert_rv(p11v3->C_SessionCancel(1, CKF_FIND_OBJECTS), no);
}

static void test_config_missing_file(void **state)
{
	(void)state;
	char missing[700];
	snprintf(missing, sizeof(missing), "%s/no-such.conf", H.dir);
	setenv("GUARDHSM_CONF", missing, 1);
	CK_RV rv = p11->C_Initialize(NULL);
	if (rv == CKR_OK)
		p11->C_Finalize(NULL);
	assert_true(rv != CKR_OK);
	/* The module stays usable once the config is right. */
	setenv("GUARDHSM_CONF", H.conf, 1);
	assert_ok(p11->C_Initialize(NULL));
	assert_ok(p11->C_Finalize(NULL));
}

static void test_config_bad_value(void **state)
{
	(void)state;
	static const char *const bad[] = {
	        "pin_tries = 0",
	        "pin_tries = lots",
	        "log_level = chatty",
	        "no_such_key = 1",
	        "store_path = relative/path",
	        "just some words",
	};
	for (size_t i = 0; i < H_ARRAY_SIZE(bad); i++) {
		h_env_write_config(bad[i]);
		CK_RV rv = p11->C_Initialize(NULL);
		if (rv == CKR_OK) {
			p11->C_Finalize(NULL);
			fail_msg("config line `%s` accepted", bad[i]);
		}
	}
	h_env_write_config(NULL);
	assert_ok(p11->C_Initialize(NULL));
	assert_ok(p11->C_Finalize(NULL));
}

/* Threads hammering the module at once (sessions, objects, finds). */
struct worker {
	CK_SLOT_ID slot;
	int index;
	CK_RV failure;
};

static void *worker_main(void *argument)
{
	struct worker *w = argument;
	for (int round = 0; round < 20 && w->failure == CKR_OK; round++) {
		CK_SESSION_HANDLE session;
		CK_RV rv = p11->C_OpenSession(w->slot, CKF_SERIAL_SESSION, NULL,
		                              NULL, &session);
		if (rv != CKR_OK) {
			w->failure = rv;
			break;
		}
		char label[32];
		snprintf(label, sizeof(label), "w%d-%d", w->index, round);
		CK_OBJECT_HANDLE object;
		rv = h_create_data_rv(session, false, false, label, "v",
		                      &object);
		CK_BYTE random[16];
		if (rv == CKR_OK)
			rv = p11->C_GenerateRandom(session, random,
			                           sizeof(random));
		CK_ATTRIBUTE template[] = {H_ATTR_STR(CKA_LABEL, label)};
		if (rv == CKR_OK)
			rv = p11->C_FindObjectsInit(session, template, 1);
		CK_OBJECT_HANDLE found[2];
		CK_ULONG count = 0;
		if (rv == CKR_OK)
			rv = p11->C_FindObjects(session, found, 2, &count);
		if (rv == CKR_OK)
			rv = p11->C_FindObjectsFinal(session);
		if (rv == CKR_OK && (count != 1 || found[0] != object))
			rv = CKR_GENERAL_ERROR;
		if (rv == CKR_OK)
			rv = p11->C_CloseSession(session);
		w->failure = rv;
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	CK_C_INITIALIZE_ARGS args;
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	assert_ok(p11->C_Initialize(&args));
	CK_SLOT_ID slot = h_uninitialised_slot();
	assert_ok(h_init_token(slot, H_SO_PIN, "threads"));
	/* One session kept open so the token never logs out or empties. */
	CK_SESSION_HANDLE keeper = h_open(slot, false);
	pthread_t threads[4];
	struct worker workers[4];
	for (int i = 0; i < 4; i++) {
		workers[i] = (struct worker){slot, i, CKR_OK};
		assert_int_equal(pthread_create(&threads[i], NULL, worker_main,
		                                &workers[i]),
		                 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		if (workers[i].failure != CKR_OK)
			fail_msg("thread %d: %s", i,
			         h_rv_name(workers[i].failure));
	}
	/* Each thread's session objects went with its sessions. */
	CK_OBJECT_HANDLE found[4];
	assert_int_equal(h_find(keeper, NULL, 0, found, 4), 0);
	assert_ok(p11->C_Finalize(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_get_function_list,
	                                        h_setup_none, h_teardown),
	        cmocka_unit_test_setup_teardown(test_get_interface_list,
	                                        h_setup_none, h_teardown),
	        cmocka_unit_test_setup_teardown(test_get_interface,
	                                        h_setup_none, h_teardown),
	        cmocka_unit_test_setup_teardown(test_get_info, h_setup_none,
	                                        h_teardown),
	        cmocka_unit_test_setup_teardown(test_initialize_twice,
	                                        h_setup_none, h_teardown),
	        cmocka_unit_test_setup_teardown(test_initialize_reserved,
	                                        h_setup_none, h_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_initialize_partial_callbacks, h_setup_none,
	                h_teardown),
	        cmocka_unit_test_setup_teardown(test_initialize_app_callbacks,
	                                        h_setup_none, h_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_initialize_os_locking_flags, h_setup_none,
	                h_teardown),
	        cmocka_unit_test_setup_teardown(test_not_initialized,
	                                        h_setup_none, h_teardown),
	        cmocka_unit_test_setup_teardown(test_config_missing_file,
	                                        h_setup_none, h_teardown),
	        cmocka_unit_test_setup_teardown(test_config_bad_value,
	                                        h_setup_none, h_teardown),
	        cmocka_unit_test_setup_teardown(test_threads, h_setup_none,
	                                        h_teardown),
	};
	return cmocka_run_group_tests(tests, h_group_setup, NULL);
}
