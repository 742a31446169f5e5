/* Sessions: open, close, info, and the session-state rules of the spec
 * (R/O vs R/W, public vs user vs SO functions). */
#include "config.h"

#include "pkcs11/entry.h"
#include "pkcs11/module.h"
#include "pkcs11/operation.h"

#include <stdlib.h>

bool p11_session_is_rw(const p11_session *session)
{
	return (session->flags & CKF_RW_SESSION) != 0;
}

CK_STATE p11_session_state(const p11_session *session)
{
	bool rw = p11_session_is_rw(session);
	switch (session->slot->login) {
	case P11_LOGGED_IN_SO:
		return CKS_RW_SO_FUNCTIONS;
	case P11_LOGGED_IN_USER:
		return rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
	default:
		return rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
	}
}

CK_RV p11_session_get(CK_SESSION_HANDLE handle, p11_session **session)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	p11_mutex_lock(p11_state.lock);
	*session = p11_map_get(&p11_state.sessions, handle);
	p11_mutex_unlock(p11_state.lock);
	return *session != NULL ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}

static CK_RV get_locked(CK_SESSION_HANDLE handle, p11_session **session,
                        CK_RV (*refresh)(p11_slot *slot))
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	/* The module lock keeps the session alive while we take the slot
	 * lock; sessions are closed with both held. */
	p11_mutex_lock(p11_state.lock);
	*session = p11_map_get(&p11_state.sessions, handle);
	if (*session == NULL) {
		p11_mutex_unlock(p11_state.lock);
		return CKR_SESSION_HANDLE_INVALID;
	}
	p11_slot *slot = (*session)->slot;
	p11_mutex_lock(slot->lock);
	p11_mutex_unlock(p11_state.lock);
	rv = refresh(slot);
	if (rv != CKR_OK) {
		p11_mutex_unlock(slot->lock);
		return rv;
	}
	return CKR_OK;
}

CK_RV p11_session_get_locked(CK_SESSION_HANDLE handle, p11_session **session)
{
	return get_locked(handle, session, p11_slot_refresh);
}

CK_RV p11_session_get_locked_present(CK_SESSION_HANDLE handle,
                                     p11_session **session)
{
	return get_locked(handle, session, p11_slot_check_present);
}

void p11_slot_unlock(p11_slot *slot)
{
	p11_mutex_unlock(slot->lock);
}

CK_RV p11_session_acquire(CK_SESSION_HANDLE handle, p11_session **session)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	p11_mutex_lock(p11_state.lock);
	*session = p11_map_get(&p11_state.sessions, handle);
	if (*session != NULL)
		(*session)->references++;
	p11_mutex_unlock(p11_state.lock);
	return *session != NULL ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}

static void free_find(p11_session *session);

/* Module lock held; nobody references the session any more. */
static void free_session(p11_session *session)
{
	free_find(session);
	p11_operation_free(session->sign);
	p11_operation_free(session->verify);
	p11_operation_free(session->digest);
	p11_operation_free(session->encrypt);
	p11_operation_free(session->decrypt);
	p11_operation_free(session->message_encrypt);
	p11_operation_free(session->message_decrypt);
	p11_mutex_free(session->lock);
	free(session);
}

void p11_session_release(p11_session *session)
{
	p11_mutex_lock(p11_state.lock);
	bool last = --session->references == 0 && session->closed;
	if (last)
		free_session(session);
	p11_mutex_unlock(p11_state.lock);
}

CK_RV C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR application,
                    CK_NOTIFY notify, CK_SESSION_HANDLE_PTR handle)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	if (handle == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	p11_mutex_lock(p11_state.lock);
	p11_slot *slot;
	rv = p11_slot_get(id, &slot);
	if (rv != CKR_OK)
		goto out;
	p11_mutex_lock(slot->lock);
	if (slot->removed)
		rv = CKR_TOKEN_NOT_PRESENT;
	else if (slot->unrecognised || slot->token == NULL)
		rv = CKR_TOKEN_NOT_RECOGNIZED;
	else if (!(flags & CKF_RW_SESSION) && slot->login == P11_LOGGED_IN_SO)
		rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
	p11_session *session = NULL;
	if (rv == CKR_OK) {
		session = calloc(1, sizeof(*session));
		if (session != NULL)
			session->lock = p11_mutex_new();
		if (session == NULL || session->lock == NULL)
			rv = CKR_HOST_MEMORY;
	}
	if (rv == CKR_OK) {
		session->handle = p11_state.next_session++;
		session->slot = slot;
		session->flags = flags & (CKF_RW_SESSION | CKF_SERIAL_SESSION);
		if (!p11_map_put(&p11_state.sessions, session->handle, session))
			rv = CKR_HOST_MEMORY;
	}
	if (rv == CKR_OK) {
		slot->session_count++;
		if (flags & CKF_RW_SESSION)
			slot->rw_session_count++;
		*handle = session->handle;
	} else if (session != NULL) {
		p11_mutex_free(session->lock);
		free(session);
	}
	p11_mutex_unlock(slot->lock);
out:
	p11_mutex_unlock(p11_state.lock);
	return rv;
}

static void free_find(p11_session *session)
{
	if (session->find == NULL)
		return;
	free(session->find->handles);
	free(session->find);
	session->find = NULL;
}

/* Module and slot locks held. */
static void close_session(p11_session *session)
{
	p11_slot *slot = session->slot;
	/* Its batch commits: other sessions' changes in it were
	 * acknowledged and must not be undone behind their backs. */
	if (slot->batch_session == session->handle)
		p11_batch_finish(slot, true);
	p11_map_remove(&p11_state.sessions, session->handle);
	p11_objects_destroy_session_objects(slot, session->handle);
	slot->session_count--;
	if (p11_session_is_rw(session))
		slot->rw_session_count--;
	/* The last session closed logs the application out (spec 5.6). */
	if (slot->session_count == 0 && slot->login != P11_LOGGED_OUT) {
		p11_objects_forget_private(slot);
		store_logout(slot->token);
		slot->login = P11_LOGGED_OUT;
	}
	session->closed = true;
	if (session->references == 0)
		free_session(session);
}

CK_RV C_CloseSession(CK_SESSION_HANDLE handle)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	p11_mutex_lock(p11_state.lock);
	p11_session *session = p11_map_get(&p11_state.sessions, handle);
	if (session == NULL) {
		rv = CKR_SESSION_HANDLE_INVALID;
	} else {
		p11_slot *slot = session->slot;
		p11_mutex_lock(slot->lock);
		close_session(session);
		p11_mutex_unlock(slot->lock);
	}
	p11_mutex_unlock(p11_state.lock);
	return rv;
}

void p11_sessions_close_slot(p11_slot *slot)
{
	p11_mutex_lock(slot->lock);
	uint64_t key;
	void *value;
	/* Collect first: closing removes from the map we iterate. */
	size_t capacity = p11_state.sessions.count, n = 0;
	p11_session **doomed = calloc(capacity ? capacity : 1, sizeof(*doomed));
	for (size_t cursor = 0;
	     doomed != NULL &&
	     p11_map_next(&p11_state.sessions, &cursor, &key, &value);) {
		p11_session *session = value;
		if (session->slot == slot)
			doomed[n++] = session;
	}
	for (size_t i = 0; i < n; i++)
		close_session(doomed[i]);
	free(doomed);
	p11_mutex_unlock(slot->lock);
}

void p11_sessions_free_all(void)
{
	for (size_t i = 0; i < p11_state.slot_count; i++)
		p11_sessions_close_slot(p11_state.slots[i]);
	p11_map_clear(&p11_state.sessions);
}

CK_RV C_CloseAllSessions(CK_SLOT_ID id)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	p11_mutex_lock(p11_state.lock);
	p11_slot *slot;
	rv = p11_slot_get(id, &slot);
	if (rv == CKR_OK)
		p11_sessions_close_slot(slot);
	p11_mutex_unlock(p11_state.lock);
	return rv;
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE handle, CK_SESSION_INFO_PTR info)
{
	if (info == NULL) {
		CK_RV rv = p11_check_initialised();
		return rv != CKR_OK ? rv : CKR_ARGUMENTS_BAD;
	}
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	info->slotID = session->slot->id;
	info->state = p11_session_state(session);
	info->flags = session->flags;
	info->ulDeviceError = 0;
	p11_slot_unlock(session->slot);
	return CKR_OK;
}

CK_RV C_GetOperationState(CK_SESSION_HANDLE handle, CK_BYTE_PTR state,
                          CK_ULONG_PTR length)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	if (rv != CKR_OK)
		return rv;
	/* Exporting operation state would let key schedules leave the
	 * enclave; the spec allows refusing. */
	return CKR_STATE_UNSAVEABLE;
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE handle, CK_BYTE_PTR state,
                          CK_ULONG length, CK_OBJECT_HANDLE encryption_key,
                          CK_OBJECT_HANDLE authentication_key)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	if (rv != CKR_OK)
		return rv;
	return CKR_SAVED_STATE_INVALID;
}

CK_RV C_SessionCancel(CK_SESSION_HANDLE handle, CK_FLAGS flags)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	/* Each flag ends the matching active operation, if any. */
	static const struct {
		CK_FLAGS flag;
		p11_operation_kind kind;
	} kinds[] = {
	        {CKF_SIGN, P11_OPERATION_SIGN},
	        {CKF_VERIFY, P11_OPERATION_VERIFY},
	        {CKF_DIGEST, P11_OPERATION_DIGEST},
	        {CKF_ENCRYPT, P11_OPERATION_ENCRYPT},
	        {CKF_DECRYPT, P11_OPERATION_DECRYPT},
	        {CKF_MESSAGE_ENCRYPT, P11_OPERATION_MESSAGE_ENCRYPT},
	        {CKF_MESSAGE_DECRYPT, P11_OPERATION_MESSAGE_DECRYPT},
	};
	p11_mutex_lock(session->lock);
	if (flags & CKF_FIND_OBJECTS)
		free_find(session);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!(flags & kinds[i].flag))
			continue;
		p11_operation **operation =
		        p11_operation_slot(session, kinds[i].kind);
		p11_operation_free(*operation);
		*operation = NULL;
	}
	p11_mutex_unlock(session->lock);
	p11_slot_unlock(session->slot);
	return CKR_OK;
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE handle)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	return rv != CKR_OK ? rv : CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE handle)
{
	p11_session *session;
	CK_RV rv = p11_session_get(handle, &session);
	return rv != CKR_OK ? rv : CKR_FUNCTION_NOT_PARALLEL;
}
