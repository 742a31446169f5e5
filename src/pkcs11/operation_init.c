/* What every C_*Init with a key shares (sign, verify, encrypt, decrypt):
 * the session and slot locks, the spec's order of checks, and installing
 * the operation; the caller says which key suits the mechanism and builds
 * the operation's contents. */
#include "config.h"

#include "pkcs11/operation.h"

#include <stdlib.h>

/* The function flag and usage attribute of each kind. */
static void kind_flags(p11_operation_kind kind, CK_FLAGS *function,
                       CK_ATTRIBUTE_TYPE *usage)
{
	switch (kind) {
	case P11_OPERATION_SIGN:
		*function = CKF_SIGN, *usage = CKA_SIGN;
		return;
	case P11_OPERATION_VERIFY:
		*function = CKF_VERIFY, *usage = CKA_VERIFY;
		return;
	case P11_OPERATION_ENCRYPT:
		*function = CKF_ENCRYPT, *usage = CKA_ENCRYPT;
		return;
	case P11_OPERATION_DECRYPT:
		*function = CKF_DECRYPT, *usage = CKA_DECRYPT;
		return;
	case P11_OPERATION_MESSAGE_ENCRYPT:
		*function = CKF_MESSAGE_ENCRYPT, *usage = CKA_ENCRYPT;
		return;
	case P11_OPERATION_MESSAGE_DECRYPT:
		*function = CKF_MESSAGE_DECRYPT, *usage = CKA_DECRYPT;
		return;
	default:
		*function = CKF_DIGEST, *usage = 0;
		return;
	}
}

CK_RV p11_operation_init(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism,
                         CK_OBJECT_HANDLE key, p11_operation_kind kind,
                         p11_key_check check_key, p11_operation_build build)
{
	p11_session *session;
	CK_RV rv = p11_session_acquire(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	p11_mutex_lock(slot->lock);
	p11_mutex_lock(session->lock);
	p11_operation **slot_for_operation = p11_operation_slot(session, kind);
	p11_operation *operation = NULL;
	p11_object_ref *ref = NULL;
	const p11_mechanism *info = NULL;
	CK_FLAGS function;
	CK_ATTRIBUTE_TYPE usage;
	kind_flags(kind, &function, &usage);

	if (session->closed)
		rv = CKR_SESSION_HANDLE_INVALID;
	else if (mechanism == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (*slot_for_operation != NULL)
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK) {
		info = p11_mechanism_find(mechanism->mechanism);
		if (info == NULL || !(info->info.flags & function))
			rv = CKR_MECHANISM_INVALID;
	}
	/* No store refresh here: the hot path uses the object table as it
	 * is (an object another process destroyed a moment ago is still
	 * usable here until the next object-management call notices). */
	if (rv == CKR_OK && slot->removed)
		rv = CKR_TOKEN_NOT_PRESENT;
	if (rv == CKR_OK) {
		rv = p11_objects_lookup(session, key, &ref);
		if (rv == CKR_OBJECT_HANDLE_INVALID)
			rv = CKR_KEY_HANDLE_INVALID;
	}
	if (rv == CKR_OK)
		rv = check_key(info, kind, ref->object);
	if (rv == CKR_OK && !tok_object_bool(ref->object, usage, false))
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (rv == CKR_OK && !p11_key_mechanism_allowed(ref->object, info->type))
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK && (operation = calloc(1, sizeof(*operation))) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		operation->mechanism = info;
		rv = build(mechanism, ref, kind, operation);
	}
	if (rv == CKR_OK)
		*slot_for_operation = operation;
	else
		p11_operation_free(operation);
	p11_mutex_unlock(session->lock);
	p11_mutex_unlock(slot->lock);
	p11_session_release(session);
	return rv;
}
