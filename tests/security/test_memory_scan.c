/* guardhsm's keys never lie in memory that could leak. Known keys (an
 * Ed25519 seed, a P-256 scalar, an HMAC key and an AES-256 key, one set
 * as token objects and one as session objects, and an RSA-2048 key with
 * all its CRT components) go in through C_CreateObject from a page this
 * process wipes and unmaps at once; each is used 200 times; the RSA key,
 * the token Ed25519 seed and the session P-256 scalar are also wrapped
 * (CKM_AES_KEY_WRAP_KWP: their PKCS#8 encoding, made and read only in
 * enclave buffers) and unwrapped into copies, used 50 times; then memscan,
 * a separate process that recomputes the keys, searches this whole
 * process for every 12-byte window of each key (and of its byte-reversed,
 * HMAC-padded and Ed25519-expanded forms; every private RSA component):
 *  - at rest (between calls): no hit anywhere, protected or not;
 *  - with multi-part operations open (ECDSA-SHA256, SHA256-HMAC and
 *    SHA256-RSA-PKCS sign, AES-CBC and AES-GCM encryption; token and
 *    session keys and the unwrapped RSA and P-256 copies, one per
 *    session): no hit outside locked and dontdump mappings (hits inside
 *    are reported);
 *  - a gcore of the process with those operations open: no hit;
 *  - after the operations finish, and after C_Finalize: no hit anywhere.
 * gdb failing to write the core is a failure, not a skip. Under
 * AddressSanitizer the program skips (exit 77): its shadow memory and
 * quarantine are not the module's memory. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "known_keys.h"
#include "p11_workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USES 200
#define UNWRAPPED_USES 50

static wl W;
static char result[700];
static const size_t set[] = {
        KK_TOKEN_ED25519,   KK_TOKEN_P256,   KK_TOKEN_HMAC,
        KK_SESSION_ED25519, KK_SESSION_P256, KK_SESSION_HMAC,
        KK_TOKEN_AES,       KK_SESSION_AES,  KK_TOKEN_RSA};
/* ECDSA-SHA256 and SHA256-HMAC sign, AES-CBC (token key) and AES-GCM
 * (session key) encryption, SHA256-RSA-PKCS sign. */
static const size_t multipart[] = {
        KK_TOKEN_P256, KK_SESSION_HMAC, KK_SESSION_P256, KK_TOKEN_HMAC,
        KK_TOKEN_AES,  KK_SESSION_AES,  KK_TOKEN_RSA};
/* ... and with the unwrapped copies of these. */
static const size_t multipart_unwrapped[] = {KK_TOKEN_RSA, KK_SESSION_P256};
#define OPS                                                                    \
	(sizeof multipart / sizeof multipart[0] +                              \
	 sizeof multipart_unwrapped / sizeof multipart_unwrapped[0])

static int group_setup(void **state)
{
	(void)state;
	const char *module = getenv("GUARDHSM_MODULE");
	if (module == NULL || *module == '\0')
		module = GUARDHSM_MODULE_PATH;
	if (access(module, R_OK) != 0) {
		fprintf(stderr, "cannot read the module %s\n", module);
		return -1;
	}
	if (wl_setup(&W, module) != CKR_OK)
		return -1;
	snprintf(result, sizeof result, "%s/result", W.dir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	wl_teardown(&W);
	return 0;
}

static void print_counts(const char *when)
{
	size_t p = 0, u = 0;
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
		const char *name = kk_module_keys[set[i]].name;
		if (wl_read_result(result, name, &p, &u) == 0 && p + u > 0)
			print_message(
			        "%s: %s: %zu protected, %zu unprotected\n",
			        when, name, p, u);
	}
	if (wl_read_result(result, NULL, &p, &u) == 0)
		print_message("%s: total %zu protected, %zu unprotected\n",
		              when, p, u);
}

static void scan(const char *policy, const char *label)
{
	unlink(result);
	int rc = wl_memscan_self("scan", NULL, "module", policy, label, result);
	print_counts(label);
	if (rc == 1)
		fail_msg("%s: a key was found %s (see memscan's lines above)",
		         label,
		         strcmp(policy, "none") == 0
		                 ? "in this process's memory"
		                 : "outside locked+dontdump mappings");
	assert_int_equal(rc, 0);
}

static void test_create_and_use_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++) {
		size_t k = set[i];
		bool token = strncmp(kk_module_keys[k].name, "token", 5) == 0;
		CK_RV rv = wl_create_key(&W, k, token);
		if (rv != CKR_OK)
			fail_msg("C_CreateObject(%s): %s",
			         kk_module_keys[k].name, wl_rv_name(rv));
		rv = wl_use_key(&W, k, USES);
		if (rv != CKR_OK)
			fail_msg("using %s: %s", kk_module_keys[k].name,
			         wl_rv_name(rv));
	}
}

static void test_wrap_and_unwrap_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < WL_WRAPPED_KEYS; i++) {
		size_t k = wl_wrapped_keys[i];
		CK_RV rv = wl_wrap_unwrap(&W, k, UNWRAPPED_USES);
		if (rv != CKR_OK)
			fail_msg("wrapping and unwrapping %s: %s",
			         kk_module_keys[k].name, wl_rv_name(rv));
	}
}

static void test_no_key_at_rest(void **state)
{
	(void)state;
	scan("none", "at-rest");
}

static void test_no_unprotected_key_mid_operation(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof multipart / sizeof multipart[0]; i++) {
		CK_RV rv = wl_open_multipart(&W, multipart[i]);
		if (rv != CKR_OK)
			fail_msg("opening a multi-part operation with %s: %s",
			         kk_module_keys[multipart[i]].name,
			         wl_rv_name(rv));
	}
	for (size_t i = 0;
	     i < sizeof multipart_unwrapped / sizeof multipart_unwrapped[0];
	     i++) {
		CK_RV rv =
		        wl_open_multipart_unwrapped(&W, multipart_unwrapped[i]);
		if (rv != CKR_OK)
			fail_msg("opening a multi-part operation with the "
			         "unwrapped %s: %s",
			         kk_module_keys[multipart_unwrapped[i]].name,
			         wl_rv_name(rv));
	}
	scan("unprotected", "mid-operation");
}

static void test_no_key_in_core_mid_operation(void **state)
{
	(void)state;
	assert_int_equal(W.n_ops, OPS);
	unlink(result);
	int rc = wl_memscan_self("core", W.dir, "module", "none",
	                         "mid-operation", result);
	if (rc == 3)
		fail_msg("gdb could not write a core of this process (its "
		         "output "
		         "is above): the core-dump requirement cannot be "
		         "checked. Is ptrace allowed here (root, or "
		         "kernel.yama.ptrace_scope = 0)?");
	print_counts("core");
	if (rc == 1)
		fail_msg("a key was found in the core file (see above)");
	assert_int_equal(rc, 0);
}

static void test_no_key_after_final(void **state)
{
	(void)state;
	CK_RV rv = wl_close_multipart(&W);
	if (rv != CKR_OK)
		fail_msg("finishing the operations: %s", wl_rv_name(rv));
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		assert_int_equal(wl_use_key(&W, set[i], 3), CKR_OK);
	for (size_t i = 0; i < WL_WRAPPED_KEYS; i++)
		assert_int_equal(wl_wrap_unwrap(&W, wl_wrapped_keys[i], 3),
		                 CKR_OK);
	scan("none", "after-final");
}

static void test_no_key_after_finalize(void **state)
{
	(void)state;
	assert_int_equal(W.f->C_Finalize(NULL), CKR_OK);
	W.initialized = false;
	scan("none", "after-finalize");
}

int main(void)
{
	if (wl_asan()) {
		printf("SKIP: built with AddressSanitizer, whose shadow memory "
		       "and quarantine make a whole-process scan "
		       "meaningless\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_create_and_use_keys),
	        cmocka_unit_test(test_wrap_and_unwrap_keys),
	        cmocka_unit_test(test_no_key_at_rest),
	        cmocka_unit_test(test_no_unprotected_key_mid_operation),
	        cmocka_unit_test(test_no_key_in_core_mid_operation),
	        cmocka_unit_test(test_no_key_after_final),
	        cmocka_unit_test(test_no_key_after_finalize),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
