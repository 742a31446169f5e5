/* The memory-scan workload, the same for guardhsm and for any other
 * PKCS#11 module (SoftHSM in compare_softhsm.sh): a fresh token in a
 * scratch directory, the known keys (known_keys.h) stored with
 * C_CreateObject from a private mmap'd page that is wiped and unmapped
 * right after, each key used many times in single-part operations, then
 * multi-part operations left open (one per session) for the mid-operation
 * scan. Errors are printed on stderr. */
#ifndef GUARDHSM_TESTS_SECURITY_P11_WORKLOAD_H
#define GUARDHSM_TESTS_SECURITY_P11_WORKLOAD_H

#include "pkcs11/pkcs11_3_0.h"

#include "known_keys.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define WL_SO_PIN "so-pin-0000"
#define WL_USER_PIN "user-pin-1111"
#define WL_MAX_OPS 12

typedef struct wl {
	void *library;
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE session; /* R/W, user logged in */
	char dir[512];
	CK_OBJECT_HANDLE keys[KK_MODULE_KEYS]; /* CK_INVALID_HANDLE: none */
	/* wl_wrap_unwrap: the copies unwrapped, and the KEK. */
	CK_OBJECT_HANDLE unwrapped[KK_MODULE_KEYS];
	CK_OBJECT_HANDLE kek;
	CK_SESSION_HANDLE ops[WL_MAX_OPS]; /* sessions with an open op */
	size_t n_ops;
	bool initialized;
} wl;

/* The name of a CK_RV (static storage). */
const char *wl_rv_name(CK_RV rv);

/* Creates a scratch directory holding guardhsm.conf and softhsm2.conf
 * (GUARDHSM_CONF and SOFTHSM2_CONF point at them), loads the module,
 * initialises a token, its user PIN, and logs in on a R/W session.
 * Returns CKR_OK or the failing call's value (CKR_GENERAL_ERROR for a
 * system or dlopen error), with a message on stderr. */
CK_RV wl_setup(wl *w, const char *module_path);

/* The key's template, from a derived value in a private page that is
 * wiped and unmapped before returning. token: CKA_TOKEN. */
CK_RV wl_create_key(wl *w, size_t key, bool token);

/* times single-part operations with the key (C_Sign, or C_Encrypt for
 * AES), each on fresh data. */
CK_RV wl_use_key(wl *w, size_t key, int times);
/* One such operation (round: which data) with handle, an object holding
 * the key (or a copy of it); its output into out. */
CK_RV wl_run_once(wl *w, CK_SESSION_HANDLE s, size_t key,
                  CK_OBJECT_HANDLE handle, int round, unsigned char *out,
                  CK_ULONG *out_length);

/* The private keys that wl_create_key makes extractable (still
 * sensitive), for wl_wrap_unwrap: the RSA key, the token Ed25519 seed,
 * the session P-256 scalar. */
#define WL_WRAPPED_KEYS 3
extern const size_t wl_wrapped_keys[WL_WRAPPED_KEYS];
bool wl_wrapped(size_t key);

/* Wraps the key with CKM_AES_KEY_WRAP_KWP (its PKCS#8 form) under a KEK
 * the token generated (sensitive: no value known outside it), unwraps
 * the bytes into a new session object that stays, checks it is the same
 * key (RSA PKCS#1 v1.5 and Ed25519 signatures equal to the original's,
 * which are deterministic; otherwise the same CKA_PUBLIC_KEY_INFO when
 * the module sets one) and signs with it times times. */
CK_RV wl_wrap_unwrap(wl *w, size_t key, int times);

/* Opens a session, logs nothing (the login is per token), starts a
 * multi-part operation with the key (ECDSA-SHA256 / SHA256-HMAC sign, or
 * AES-CBC encrypt) and feeds it one update; the operation stays open.
 * The _unwrapped form uses the key's copy made by wl_wrap_unwrap. */
CK_RV wl_open_multipart(wl *w, size_t key);
CK_RV wl_open_multipart_unwrapped(wl *w, size_t key);

/* Finishes the open operations and closes their sessions. */
CK_RV wl_close_multipart(wl *w);

/* C_Finalize; removes the scratch directory unless GUARDHSM_TEST_KEEP. */
void wl_teardown(wl *w);

/* Runs program with argv (argv[0] included, NULL-terminated) and waits
 * for it. Returns its exit status, 128 + signal, or -1 if it could not be
 * started. */
int wl_run(const char *program, char *const argv[]);

/* Reads a `memscan --result` file: the occurrences of key name (NULL:
 * the total) in protected and unprotected mappings. Returns 0, or -1 if
 * the file or the line is missing. */
int wl_read_result(const char *path, const char *name, size_t *protected_occ,
                   size_t *unprotected_occ);

/* Runs memscan (MEMSCAN_PATH, or $GUARDHSM_MEMSCAN) against this process:
 * mode "scan" or "core" (dir: where the core goes), with the given keys
 * ("module" or "selftest"), policy and label, writing per-key counts to
 * result. Returns memscan's exit status (see memscan.c). */
int wl_memscan_self(const char *mode, const char *dir, const char *keys,
                    const char *policy, const char *label, const char *result);

/* True when built with AddressSanitizer (its shadow memory makes a whole
 * process scan meaningless and slow). */
bool wl_asan(void);

/* In a workload function: returns the CK_RV of a call that failed, after
 * saying which on stderr. */
#define WL_CHECK(call)                                                         \
	do {                                                                   \
		CK_RV rv_ = (call);                                            \
		if (rv_ != CKR_OK) {                                           \
			fprintf(stderr, "workload: %s: %s\n", #call,           \
			        wl_rv_name(rv_));                              \
			return rv_;                                            \
		}                                                              \
	} while (0)

#endif
