/*
 * guardhsm-util: the command-line companion of guardhsm.so. Shared
 * declarations of its source files:
 *  - util_main.c:     entry point, global options, dispatch, exit codes;
 *  - util_help.c:     the manual (--help of every command);
 *  - util_module.c:   loading guardhsm.so (dlopen, C_GetInterface),
 *                     finding tokens and objects, sessions and logins;
 *  - util_rv.c:       CKR_* names and their exit codes;
 *  - util_pin.c:      PINs and passphrases from a prompt, file or variable;
 *  - util_uri.c:      PKCS#11 URIs (RFC 7512) through p11-kit's parser;
 *  - util_output.c:   tables, JSON, hex, progress bars;
 *  - util_list.c, util_token.c (init-token, delete-token, change-pin,
 *    unlock), util_import.c, util_key_file.c (private keys out of files),
 *    util_export.c, util_generate.c, util_check.c, util_backup.c
 *    (backup, restore), util_config.c: one command (family) each;
 *  - util_store.c:    finding a token's file, opening it with the store.
 *
 * Most commands are PKCS#11 clients of the real module (dlopen'd, as any
 * client does). check, backup, restore and delete-token work on the
 * token's store file through the store layer and SQLite.
 */
#ifndef GUARDHSM_TOOLS_UTIL_H
#define GUARDHSM_TOOLS_UTIL_H

#include "enclave/enclave.h"
#include "pkcs11/configuration.h"
#include "pkcs11/pkcs11_3_0.h"
#include "store/store.h"

/* Needs the PKCS#11 types above. */
#include "pkcs11/guardhsm_vendor.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Exit codes (documented in --help and docs/guardhsm-util.md) ------- */

enum util_exit {
	UTIL_EXIT_OK = 0,
	UTIL_EXIT_PROBLEMS = 1,    /* check found damaged records */
	UTIL_EXIT_USAGE = 2,       /* bad option, argument or URI */
	UTIL_EXIT_NOT_FOUND = 3,   /* no such token, object or file */
	UTIL_EXIT_PIN = 4,         /* PIN incorrect, locked, or not given */
	UTIL_EXIT_INPUT = 5,       /* a file cannot be read, parsed, written */
	UTIL_EXIT_FAILED = 6,      /* the module or store failed */
	UTIL_EXIT_UNSUPPORTED = 7, /* the module lacks a key type/mechanism */
};

/* ---- util_main.c -------------------------------------------------------- */

/* The command running, for messages ("guardhsm-util import: ..."). */
extern const char *util_command;

/* Prints "guardhsm-util COMMAND: message" on stderr; returns code. */
int util_error(int code, const char *format, ...)
        __attribute__((format(printf, 2, 3)));
void util_warning(const char *format, ...)
        __attribute__((format(printf, 1, 2)));

/* ---- util_help.c -------------------------------------------------------- */

/* Prints the manual of command (NULL: the overview) on out; 0 if known. */
int util_help(const char *command, FILE *out);
/* The whole manual as a roff man page (for guardhsm-util.1). */
void util_manual(FILE *out);
/* "Try 'guardhsm-util COMMAND --help'." on stderr; returns
 * UTIL_EXIT_USAGE. */
int util_usage_error(const char *format, ...)
        __attribute__((format(printf, 1, 2)));

/* ---- util_rv.c ---------------------------------------------------------- */

const char *util_rv_name(CK_RV rv);
int util_rv_exit(CK_RV rv);
/* util_error with "what: CKR_NAME (explanation)"; returns the exit code. */
int util_rv_error(CK_RV rv, const char *what);

/* ---- util_pin.c --------------------------------------------------------- */

/* A secret typed or read by the tool: PINs, passphrases. The bytes live in
 * an enclave buffer (locked, no-dump, wiped when freed). */
typedef struct util_secret {
	enc_buffer *buffer;
	size_t length;
} util_secret;

/* Where a secret comes from: "prompt", "file:PATH" or "env:VAR". NULL
 * means: the variable fallback_env if set, else the prompt. With
 * confirm, a prompt asks twice. Returns an exit code. */
int util_secret_read(const char *source, const char *fallback_env,
                     const char *prompt, bool confirm, util_secret *out);
const unsigned char *util_secret_data(const util_secret *secret);
void util_secret_free(util_secret *secret);

/* ---- util_uri.c --------------------------------------------------------- */

typedef struct p11_kit_uri P11KitUri; /* <p11-kit/uri.h> */

/* Parses a PKCS#11 URI (NULL text: one matching everything). Errors are
 * reported; returns an exit code. */
int util_uri_parse(const char *text, P11KitUri **out);
void util_uri_free(P11KitUri *uri);
bool util_uri_match_token(P11KitUri *uri, const CK_TOKEN_INFO *info);
/* The object attributes in the URI (CKA_CLASS, CKA_ID, CKA_LABEL), as a
 * template for C_FindObjectsInit; *count may be 0. */
CK_ATTRIBUTE *util_uri_attributes(P11KitUri *uri, CK_ULONG *count);
/* True if the URI names no object attribute (a token URI). */
bool util_uri_is_token_only(P11KitUri *uri);

/* ---- util_module.c ------------------------------------------------------ */

typedef struct util_module {
	void *handle;
	/* The tool calls only 2.40 functions: the 3.0 list seen through its
	 * 2.40 prefix, or a 2.40 module's own list. */
	CK_FUNCTION_LIST *functions;
	/* The "Vendor guardhsm" interface, NULL if the module lacks it. */
	CK_GUARDHSM_FUNCTION_LIST *vendor;
	char path[4096];
	bool initialised;
} util_module;

/* The module's path: --module, else $GUARDHSM_MODULE, else the installed
 * module, else the build tree's next to this program. *origin says which. */
const char *util_module_path(const char *option, const char **origin);

/* dlopen + C_GetInterface("PKCS 11", 3.0) (a 2.40 module without it:
 * C_GetFunctionList) + C_Initialize, and the vendor interface if offered.
 * Returns an exit code; reports errors. */
int util_module_load(const char *option, util_module *module);
void util_module_unload(util_module *module);

typedef struct util_token {
	CK_SLOT_ID slot;
	CK_TOKEN_INFO info;
} util_token;

/* The one initialised token the URI names (label, serial, model,
 * manufacturer). None: UTIL_EXIT_NOT_FOUND; several: UTIL_EXIT_USAGE. */
int util_token_find(util_module *module, P11KitUri *uri, util_token *out);
/* The slot holding the uninitialised token. */
int util_empty_slot(util_module *module, CK_SLOT_ID *slot);

/* Opens a session (read-write if rw); returns an exit code. */
int util_session_open(util_module *module, const util_token *token, bool rw,
                      CK_SESSION_HANDLE *session);
/* C_Login with the secret. */
int util_login(util_module *module, CK_SESSION_HANDLE session,
               CK_USER_TYPE user, const util_secret *pin);

/* Finds the objects matching template (up to max). */
int util_objects_find(util_module *module, CK_SESSION_HANDLE session,
                      CK_ATTRIBUTE *template, CK_ULONG count,
                      CK_OBJECT_HANDLE **objects, CK_ULONG *found);

/* One attribute's value, malloc'd (NULL with *length 0 if the object has
 * none or it is sensitive). Returns CKR_*. */
CK_RV util_attribute_get(util_module *module, CK_SESSION_HANDLE session,
                         CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
                         unsigned char **value, CK_ULONG *length);
/* A CK_ULONG or CK_BBOOL attribute; false if absent. */
bool util_attribute_ulong(util_module *module, CK_SESSION_HANDLE session,
                          CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
                          CK_ULONG *value);
bool util_attribute_bool(util_module *module, CK_SESSION_HANDLE session,
                         CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
                         bool *value);

/* Trimmed copy of a blank-padded PKCS#11 string field. */
void util_padded_string(const CK_UTF8CHAR *field, size_t size, char *out);

/* ---- util_output.c ------------------------------------------------------ */

typedef struct util_table {
	size_t columns;
	const char **headers;
	char **cells; /* rows x columns, malloc'd strings */
	size_t rows;
	size_t capacity;
} util_table;

void util_table_init(util_table *table, const char **headers, size_t columns);
/* Appends a row of columns strings (copied). Returns 0 or -1. */
int util_table_add(util_table *table, const char *const *values);
void util_table_print(const util_table *table, FILE *out);
void util_table_free(util_table *table);

/* A JSON string literal (quoted, escaped) of length bytes. */
void util_json_string(FILE *out, const char *text, size_t length);

/* Lower-case hex of length bytes into out (2 * length + 1 bytes). */
void util_hex(const unsigned char *data, size_t length, char *out);
/* Parses hex (an even number of digits, optional ':' separators) into
 * *out (malloc'd). Returns 0 or -1. */
int util_hex_parse(const char *text, unsigned char **out, size_t *length);

typedef struct util_progress {
	bool shown; /* stderr is a terminal */
	const char *what;
	unsigned long total;
	int last_width;
} util_progress;

void util_progress_start(util_progress *progress, const char *what,
                         unsigned long total);
void util_progress_update(util_progress *progress, unsigned long done);
void util_progress_end(util_progress *progress);

/* Reads a whole file (at most limit bytes) into a new enclave buffer
 * (READONLY on return). Returns an exit code. */
int util_file_read_secret(const char *path, size_t limit, enc_buffer **data,
                          size_t *length);
/* Writes data to path ("-" or NULL: stdout); with exclusive, an existing
 * file is an error. Returns an exit code. */
int util_file_write(const char *path, const void *data, size_t length,
                    bool exclusive);

/* ---- util_store.c ------------------------------------------------------- */

/* The effective configuration of the module (the same file, the same
 * parser). Returns an exit code. */
int util_config_load(p11_config *config);
/* The token file of a serial in the configured store directory. */
int util_token_path(const p11_config *config, const char *serial, char *path,
                    size_t size);
/* Resolves --token URI (through the module) or --file PATH to the token's
 * store file; the module is unloaded again before returning. */
int util_token_file(const char *module_option, const char *uri_text,
                    const char *file, char *path, size_t size);
/* util_error for a store status; returns the exit code. */
int util_store_error(store_status status, const char *what);

/* ---- Commands ----------------------------------------------------------- */

int util_cmd_list(int argc, char **argv);
int util_cmd_init_token(int argc, char **argv);
int util_cmd_delete_token(int argc, char **argv);
int util_cmd_change_pin(int argc, char **argv);
int util_cmd_unlock(int argc, char **argv);
int util_cmd_import(int argc, char **argv);
int util_cmd_export(int argc, char **argv);
int util_cmd_generate(int argc, char **argv);
int util_cmd_check(int argc, char **argv);
int util_cmd_backup(int argc, char **argv);
int util_cmd_restore(int argc, char **argv);
int util_cmd_config(int argc, char **argv);

#endif /* GUARDHSM_TOOLS_UTIL_H */
