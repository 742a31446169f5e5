/* The "Vendor guardhsm" interface (guardhsm_vendor.h): batches of
 * token-object changes committed together. The store does the work
 * (store_batch_begin/end); this file ties a batch to the session that
 * began it and keeps the object table honest when a batch is undone. */
#include "config.h"

#include "pkcs11/module.h"

CK_RV p11_batch_finish(p11_slot *slot, bool commit)
{
	store_status status = store_batch_end(slot->token, commit);
	slot->batch_session = CK_INVALID_HANDLE;
	if (status != STORE_OK) {
		/* Nothing of the batch was stored, and the store may give
		 * its object ids out again: no handle may keep naming one. */
		p11_objects_forget_token(slot);
	} else if (!commit) {
		/* Undone changes may sit in decoded objects; handles of
		 * undone creates fail their next lookup (their ids are
		 * never reused). */
		p11_objects_flush_cache(slot);
	}
	return p11_rv_from_store(status, "ending a batch");
}

static CK_RV batch_begin(CK_SESSION_HANDLE handle)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	if (!p11_session_is_rw(session))
		rv = CKR_SESSION_READ_ONLY;
	else if (slot->login == P11_LOGGED_OUT)
		rv = CKR_USER_NOT_LOGGED_IN;
	else if (slot->batch_session != CK_INVALID_HANDLE)
		rv = CKR_OPERATION_ACTIVE;
	else
		rv = p11_rv_from_store(store_batch_begin(slot->token),
		                       "beginning a batch");
	if (rv == CKR_OK)
		slot->batch_session = handle;
	p11_slot_unlock(slot);
	return rv;
}

static CK_RV batch_end(CK_SESSION_HANDLE handle, CK_BBOOL commit)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	if (slot->batch_session != handle)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else
		rv = p11_batch_finish(slot, commit != CK_FALSE);
	p11_slot_unlock(slot);
	return rv;
}

CK_GUARDHSM_FUNCTION_LIST p11_vendor_functions = {
        {GUARDHSM_VENDOR_VERSION_MAJOR, GUARDHSM_VENDOR_VERSION_MINOR},
        batch_begin,
        batch_end,
};
