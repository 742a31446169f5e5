/* The integration tests' harness: the REAL module, dlopen()ed as clients
 * load it, one fresh store directory and config file per test, and small
 * helpers for the calls every test makes.
 *
 * The module is $GUARDHSM_MODULE, else GUARDHSM_MODULE_PATH (set at
 * compile time to the build tree's .libs/guardhsm.so). Each test runs in
 * its own mkdtemp() directory holding guardhsm.conf (store_path,
 * pin_tries = 3, log_file, log_level = info) with GUARDHSM_CONF pointing
 * at it; the directory is removed afterwards unless GUARDHSM_TEST_KEEP is
 * set. Include after <stdarg.h>, <stddef.h>, <setjmp.h> and <cmocka.h>. */
#ifndef GUARDHSM_TESTS_P11_HARNESS_H
#define GUARDHSM_TESTS_P11_HARNESS_H

#include "pkcs11/pkcs11_3_0.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define H_SO_PIN "so-pin-0000"
#define H_USER_PIN "user-pin-1111"
#define H_TOKEN_LABEL "guardhsm integration"
#define H_PIN_TRIES 3

/* The loaded module. */
extern CK_FUNCTION_LIST_PTR p11;       /* the 2.40 list (C_GetFunctionList) */
extern CK_FUNCTION_LIST_3_0_PTR p11v3; /* the 3.0 list (C_GetInterface) */
typedef CK_RV (*h_get_interface_fn)(CK_UTF8CHAR_PTR, CK_VERSION_PTR,
                                    CK_INTERFACE_PTR_PTR, CK_FLAGS);
typedef CK_RV (*h_get_interface_list_fn)(CK_INTERFACE_PTR, CK_ULONG_PTR);
/* The entry points found by dlsym, as a client finds them. */
extern CK_C_GetFunctionList h_get_function_list;
extern h_get_interface_fn h_get_interface;
extern h_get_interface_list_fn h_get_interface_list;

/* The current test's directory and files. */
typedef struct h_env {
	char dir[512];
	char store[600];
	char conf[600];
	char log[600];
	CK_SLOT_ID slot; /* the prepared token's slot (h_setup_token) */
} h_env;
extern h_env H;

/* Loads the module (once per process); exits the program if it cannot. */
void h_load_module(void);

/* A new directory and config (extra: more config lines, or NULL), and
 * GUARDHSM_CONF set to it. */
void h_env_create(const char *extra_config);
/* Rewrites the config of the current directory (extra lines appended). */
void h_env_write_config(const char *extra_config);
void h_env_remove(void);

/* CMocka group fixtures: load the module; the _template variant also
 * prepares, once, a store holding a token (label H_TOKEN_LABEL, SO PIN
 * H_SO_PIN, user PIN H_USER_PIN) that h_setup_token copies for each test,
 * which saves the Argon2id runs of C_InitToken and C_InitPIN. */
int h_group_setup(void **state);
int h_group_setup_template(void **state);
int h_group_teardown(void **state);

/* Per-test fixtures. h_setup_empty: a fresh empty store, C_Initialize
 * done. h_setup_token: a copy of the template store, C_Initialize done,
 * H.slot the token's slot. h_setup_none: only the directory and config.
 * h_teardown: C_Finalize (whatever state) and removal. */
int h_setup_none(void **state);
int h_setup_empty(void **state);
int h_setup_token(void **state);
int h_teardown(void **state);

/* The CKR_ name of a return value ("0x..." if unknown; static buffer). */
const char *h_rv_name(CK_RV rv);

#define assert_rv(expression, expected)                                        \
	do {                                                                   \
		CK_RV h_rv_ = (expression);                                    \
		CK_RV h_expected_ = (expected);                                \
		if (h_rv_ != h_expected_)                                      \
			fail_msg("%s:%d: %s returned %s, expected %s",         \
			         __FILE__, __LINE__, #expression,              \
			         h_rv_name(h_rv_), h_rv_name(h_expected_));    \
	} while (0)
#define assert_ok(expression) assert_rv(expression, CKR_OK)
/* Either of two acceptable answers. */
#define assert_rv2(expression, expected1, expected2)                           \
	do {                                                                   \
		CK_RV h_rv_ = (expression);                                    \
		if (h_rv_ != (expected1) && h_rv_ != (expected2))              \
			fail_msg("%s:%d: %s returned %s, expected %s or %s",   \
			         __FILE__, __LINE__, #expression,              \
			         h_rv_name(h_rv_), h_rv_name(expected1),       \
			         h_rv_name(expected2));                        \
	} while (0)

/* Checks for forked children, which must not use CMocka (a failure would
 * longjmp into the parent's copy of the test runner): print and _exit. */
#define CHILD_CHECK(condition, ...)                                            \
	do {                                                                   \
		if (!(condition)) {                                            \
			h_child_fail(__FILE__, __LINE__, #condition,           \
			             __VA_ARGS__);                             \
		}                                                              \
	} while (0)
#define CHILD_RV(expression, expected)                                         \
	do {                                                                   \
		CK_RV h_crv_ = (expression);                                   \
		CHILD_CHECK(h_crv_ == (CK_RV)(expected), "%s returned %s",     \
		            #expression, h_rv_name(h_crv_));                   \
	} while (0)
_Noreturn void h_child_fail(const char *file, int line, const char *what,
                            const char *format, ...);
/* In a forked child: C_Initialize, a R/W session on slot and, if login,
 * the user's login; any failure ends the child (CHILD_RV). */
CK_SESSION_HANDLE h_child_session(CK_SLOT_ID slot, bool login);
/* Waits for a child; asserts it exited with status 0. */
void h_wait_child_ok(int pid);
/* Reads fd to end of file (malloc'd, NUL-terminated). */
char *h_read_fd(int fd);
/* Writes a whole line to fd (for children reporting to the parent). */
void h_write_line(int fd, const char *line);
/* The bytes as lower-case hex (static buffer; up to 256 bytes). */
const char *h_hex(const void *bytes, size_t length);

/* ---- Slots, tokens, PINs ---------------------------------------------- */

/* The first slot whose token is (not) initialised; asserts one exists. */
CK_SLOT_ID h_uninitialised_slot(void);
CK_SLOT_ID h_initialised_slot(void);
CK_ULONG h_slot_count(void);
/* C_InitToken with the label blank-padded to 32 bytes. */
CK_RV h_init_token(CK_SLOT_ID slot, const char *so_pin, const char *label);
/* Opens an R/W session, logs the SO in, C_InitPIN, closes it. */
void h_init_user_pin(CK_SLOT_ID slot, const char *so_pin, const char *pin);
/* h_init_token + h_init_user_pin on the uninitialised slot; returns it. */
CK_SLOT_ID h_new_token(const char *label);
CK_TOKEN_INFO h_token_info(CK_SLOT_ID slot);
CK_FLAGS h_token_flags(CK_SLOT_ID slot);

/* ---- Sessions ----------------------------------------------------------- */

CK_SESSION_HANDLE h_open(CK_SLOT_ID slot, bool rw);
CK_RV h_login(CK_SESSION_HANDLE session, CK_USER_TYPE user, const char *pin);
CK_STATE h_session_state(CK_SESSION_HANDLE session);

/* ---- Objects ------------------------------------------------------------ */

/* A data object (CKA_APPLICATION "guardhsm-tests"). */
CK_RV h_create_data_rv(CK_SESSION_HANDLE session, bool token, bool private_,
                       const char *label, const char *value,
                       CK_OBJECT_HANDLE *object);
CK_OBJECT_HANDLE h_create_data(CK_SESSION_HANDLE session, bool token,
                               bool private_, const char *label,
                               const char *value);
/* An AES-256 key with the given flags. */
CK_RV h_create_aes_rv(CK_SESSION_HANDLE session, bool token, bool private_,
                      bool sensitive, bool extractable, const char *label,
                      CK_OBJECT_HANDLE *object);
/* The embedded certificate as a CKC_X_509 object. */
CK_RV h_create_cert_rv(CK_SESSION_HANDLE session, bool token, const char *label,
                       CK_OBJECT_HANDLE *object);

/* Attribute readers (assert success). */
CK_ULONG h_get_ulong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                     CK_ATTRIBUTE_TYPE type);
CK_BBOOL h_get_bool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                    CK_ATTRIBUTE_TYPE type);
/* Copies at most size bytes; returns the attribute's length. */
CK_ULONG h_get_bytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
                     CK_ATTRIBUTE_TYPE type, void *buffer, CK_ULONG size);
/* The label as a NUL-terminated string (static buffer). */
const char *h_get_label(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o);

/* C_FindObjectsInit/C_FindObjects(batches)/C_FindObjectsFinal, asserting
 * success; returns how many were found (at most max stored). */
CK_ULONG h_find(CK_SESSION_HANDLE session, CK_ATTRIBUTE *template,
                CK_ULONG count, CK_OBJECT_HANDLE *found, CK_ULONG max);
CK_ULONG h_find_label(CK_SESSION_HANDLE session, const char *label,
                      CK_OBJECT_HANDLE *found, CK_ULONG max);

/* ---- Files ------------------------------------------------------------ */

/* The whole file, NUL-terminated (malloc'd), or NULL. */
char *h_read_file(const char *path, size_t *length);
bool h_log_contains(const char *needle);
/* The token files (token-*.sqlite) of the current store, sorted; returns
 * how many (at most max; paths are malloc'd). */
size_t h_token_files(char **paths, size_t max);

/* ---- Test material (embedded, see p11_harness.c) --------------------------
 */
extern const unsigned char h_cert_der[];
extern const size_t h_cert_der_length;
extern const unsigned char h_cert_subject[];
extern const size_t h_cert_subject_length;
extern const unsigned char h_cert_issuer[];
extern const size_t h_cert_issuer_length;
extern const unsigned char h_cert_serial[];
extern const size_t h_cert_serial_length;
extern const unsigned char h_p256_params[];
extern const size_t h_p256_params_length;
extern const unsigned char h_p256_point[];
extern const size_t h_p256_point_length;
extern const unsigned char h_p256_private[];
extern const size_t h_p256_private_length;
extern const unsigned char h_aes_key[32];

/* Convenience for templates. */
extern CK_BBOOL h_true, h_false;
#define H_ATTR(type, pointer, length)                                          \
	{                                                                      \
		(type), (void *)(pointer), (CK_ULONG)(length)                  \
	}
#define H_ATTR_VAR(type, variable) H_ATTR(type, &(variable), sizeof(variable))
#define H_ATTR_STR(type, string) H_ATTR(type, string, strlen(string))
#define H_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
