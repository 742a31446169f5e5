/* CKR_* return values: names, explanations and exit codes. */
#include "config.h"

#include "tools/util.h"

#include <stdio.h>

typedef struct rv_entry {
	CK_RV rv;
	const char *name;
	const char *explanation; /* NULL: the name says it */
	int exit_code;
} rv_entry;

#define RV(name, explanation, code)                                            \
	{                                                                      \
		name, #name, explanation, code                                 \
	}

static const rv_entry entries[] = {
        RV(CKR_OK, NULL, UTIL_EXIT_OK),
        RV(CKR_HOST_MEMORY, "out of memory", UTIL_EXIT_FAILED),
        RV(CKR_SLOT_ID_INVALID, "no such slot", UTIL_EXIT_NOT_FOUND),
        RV(CKR_GENERAL_ERROR,
           "the module failed (its log, or a bad configuration file, says "
           "why)",
           UTIL_EXIT_FAILED),
        RV(CKR_FUNCTION_FAILED, NULL, UTIL_EXIT_FAILED),
        RV(CKR_ARGUMENTS_BAD, NULL, UTIL_EXIT_FAILED),
        RV(CKR_ATTRIBUTE_READ_ONLY, NULL, UTIL_EXIT_FAILED),
        RV(CKR_ATTRIBUTE_SENSITIVE, "the value is sensitive", UTIL_EXIT_FAILED),
        RV(CKR_ATTRIBUTE_TYPE_INVALID, "an attribute the module rejects",
           UTIL_EXIT_UNSUPPORTED),
        RV(CKR_ATTRIBUTE_VALUE_INVALID,
           "the module rejects a value (a key type or size it does not "
           "support?)",
           UTIL_EXIT_UNSUPPORTED),
        RV(CKR_DATA_INVALID, NULL, UTIL_EXIT_FAILED),
        RV(CKR_DEVICE_ERROR, "the token's store failed", UTIL_EXIT_FAILED),
        RV(CKR_DEVICE_MEMORY, "the token is out of memory", UTIL_EXIT_FAILED),
        RV(CKR_DEVICE_REMOVED, "the token was removed", UTIL_EXIT_NOT_FOUND),
        RV(CKR_FUNCTION_NOT_SUPPORTED, "the module does not support this",
           UTIL_EXIT_UNSUPPORTED),
        RV(CKR_KEY_HANDLE_INVALID, NULL, UTIL_EXIT_NOT_FOUND),
        RV(CKR_KEY_SIZE_RANGE, "the module does not support this key size",
           UTIL_EXIT_UNSUPPORTED),
        RV(CKR_KEY_TYPE_INCONSISTENT, NULL, UTIL_EXIT_UNSUPPORTED),
        RV(CKR_MECHANISM_INVALID, "the module does not support this mechanism",
           UTIL_EXIT_UNSUPPORTED),
        RV(CKR_MECHANISM_PARAM_INVALID, NULL, UTIL_EXIT_UNSUPPORTED),
        RV(CKR_OBJECT_HANDLE_INVALID, "no such object", UTIL_EXIT_NOT_FOUND),
        RV(CKR_OPERATION_ACTIVE, NULL, UTIL_EXIT_FAILED),
        RV(CKR_PIN_INCORRECT, "wrong PIN", UTIL_EXIT_PIN),
        RV(CKR_PIN_INVALID, "the PIN has invalid characters", UTIL_EXIT_PIN),
        RV(CKR_PIN_LEN_RANGE, "the PIN is too short or too long",
           UTIL_EXIT_PIN),
        RV(CKR_PIN_EXPIRED, NULL, UTIL_EXIT_PIN),
        RV(CKR_PIN_LOCKED,
           "the PIN is locked after too many failures (the SO can unlock "
           "the user PIN: guardhsm-util unlock)",
           UTIL_EXIT_PIN),
        RV(CKR_SESSION_CLOSED, NULL, UTIL_EXIT_FAILED),
        RV(CKR_SESSION_COUNT, NULL, UTIL_EXIT_FAILED),
        RV(CKR_SESSION_HANDLE_INVALID, NULL, UTIL_EXIT_FAILED),
        RV(CKR_SESSION_READ_ONLY, NULL, UTIL_EXIT_FAILED),
        RV(CKR_SESSION_EXISTS, "the token is in use by this process",
           UTIL_EXIT_FAILED),
        RV(CKR_SESSION_READ_ONLY_EXISTS, NULL, UTIL_EXIT_FAILED),
        RV(CKR_SESSION_READ_WRITE_SO_EXISTS, NULL, UTIL_EXIT_FAILED),
        RV(CKR_TEMPLATE_INCOMPLETE, NULL, UTIL_EXIT_UNSUPPORTED),
        RV(CKR_TEMPLATE_INCONSISTENT,
           "the module rejects the object (a key type it does not "
           "support?)",
           UTIL_EXIT_UNSUPPORTED),
        RV(CKR_TOKEN_NOT_PRESENT, "no token in the slot", UTIL_EXIT_NOT_FOUND),
        RV(CKR_TOKEN_NOT_RECOGNIZED,
           "the token's file is not readable (try guardhsm-util check "
           "--file)",
           UTIL_EXIT_FAILED),
        RV(CKR_TOKEN_WRITE_PROTECTED, NULL, UTIL_EXIT_FAILED),
        RV(CKR_USER_ALREADY_LOGGED_IN, NULL, UTIL_EXIT_FAILED),
        RV(CKR_USER_NOT_LOGGED_IN, NULL, UTIL_EXIT_PIN),
        RV(CKR_USER_PIN_NOT_INITIALIZED,
           "the user PIN is not set (guardhsm-util unlock sets it)",
           UTIL_EXIT_PIN),
        RV(CKR_USER_TYPE_INVALID, NULL, UTIL_EXIT_FAILED),
        RV(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, NULL, UTIL_EXIT_FAILED),
        RV(CKR_BUFFER_TOO_SMALL, NULL, UTIL_EXIT_FAILED),
        RV(CKR_CRYPTOKI_NOT_INITIALIZED, NULL, UTIL_EXIT_FAILED),
        RV(CKR_CRYPTOKI_ALREADY_INITIALIZED, NULL, UTIL_EXIT_FAILED),
        RV(CKR_CURVE_NOT_SUPPORTED, "the module does not support this curve",
           UTIL_EXIT_UNSUPPORTED),
        RV(CKR_ACTION_PROHIBITED, NULL, UTIL_EXIT_FAILED),
};

static const rv_entry *lookup(CK_RV rv)
{
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (entries[i].rv == rv)
			return &entries[i];
	return NULL;
}

const char *util_rv_name(CK_RV rv)
{
	const rv_entry *entry = lookup(rv);
	static char unknown[32];
	if (entry != NULL)
		return entry->name;
	snprintf(unknown, sizeof(unknown), "CKR 0x%08lx", (unsigned long)rv);
	return unknown;
}

int util_rv_exit(CK_RV rv)
{
	const rv_entry *entry = lookup(rv);
	return entry != NULL ? entry->exit_code : UTIL_EXIT_FAILED;
}

int util_rv_error(CK_RV rv, const char *what)
{
	const rv_entry *entry = lookup(rv);
	if (entry != NULL && entry->explanation != NULL)
		return util_error(entry->exit_code, "%s: %s (%s)", what,
		                  entry->name, entry->explanation);
	return util_error(util_rv_exit(rv), "%s: %s", what, util_rv_name(rv));
}
