/* Login state (shared by all sessions of the application, per token), and
 * the PIN functions. PINs go straight from the caller's buffer into the
 * store's Argon2id; nothing here copies or keeps them. */
#include "config.h"

#include "pkcs11/entry.h"
#include "pkcs11/module.h"
#include "pkcs11/operation.h"

static bool pin_length_ok(CK_ULONG length)
{
	return length >= P11_MIN_PIN_LENGTH && length <= P11_MAX_PIN_LENGTH;
}

static bool has_read_only_session(const p11_slot *slot)
{
	return slot->session_count > slot->rw_session_count;
}

/* CKU_CONTEXT_SPECIFIC: re-authenticates the user for one signature or
 * decryption with a CKA_ALWAYS_AUTHENTICATE key. Slot lock held. */
static CK_RV context_login(p11_session *session, CK_UTF8CHAR_PTR pin,
                           CK_ULONG length)
{
	p11_slot *slot = session->slot;
	if (slot->login != P11_LOGGED_IN_USER)
		return CKR_USER_NOT_LOGGED_IN;
	p11_mutex_lock(session->lock);
	p11_operation *operation = session->sign;
	if ((operation == NULL || !operation->needs_context_login) &&
	    session->decrypt != NULL)
		operation = session->decrypt;
	CK_RV rv = CKR_OK;
	if (operation == NULL || !operation->needs_context_login)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (pin == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (!pin_length_ok(length))
		rv = CKR_PIN_INCORRECT;
	else
		rv = p11_rv_from_store(
		        store_login(slot->token, STORE_USER, pin, length),
		        "context-specific login");
	if (rv == CKR_OK)
		operation->needs_context_login = false;
	p11_mutex_unlock(session->lock);
	return rv;
}

/* Slot lock held. */
static CK_RV login(p11_session *session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
                   CK_ULONG length)
{
	p11_slot *slot = session->slot;
	if (user == CKU_CONTEXT_SPECIFIC)
		return context_login(session, pin, length);
	if (user != CKU_SO && user != CKU_USER)
		return CKR_USER_TYPE_INVALID;
	p11_login_state wanted =
	        user == CKU_SO ? P11_LOGGED_IN_SO : P11_LOGGED_IN_USER;
	if (slot->login == wanted)
		return CKR_USER_ALREADY_LOGGED_IN;
	if (slot->login != P11_LOGGED_OUT)
		return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	if (user == CKU_SO && has_read_only_session(slot))
		return CKR_SESSION_READ_ONLY_EXISTS;
	if (pin == NULL)
		return CKR_ARGUMENTS_BAD;
	if (!pin_length_ok(length))
		return CKR_PIN_INCORRECT;
	store_status status =
	        store_login(slot->token, user == CKU_SO ? STORE_SO : STORE_USER,
	                    pin, length);
	if (status != STORE_OK)
		return p11_rv_from_store(status, "login");
	slot->login = wanted;
	return CKR_OK;
}

CK_RV C_Login(CK_SESSION_HANDLE handle, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
              CK_ULONG length)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	rv = login(session, user, pin, length);
	p11_slot_unlock(session->slot);
	return rv;
}

CK_RV C_LoginUser(CK_SESSION_HANDLE handle, CK_USER_TYPE user,
                  CK_UTF8CHAR_PTR pin, CK_ULONG length,
                  CK_UTF8CHAR_PTR username, CK_ULONG username_length)
{
	/* The token has one user per role; a user name is not a thing it
	 * knows, so only an empty one is accepted. */
	if (username == NULL && username_length > 0)
		return CKR_ARGUMENTS_BAD;
	if (username_length > 0) {
		p11_session *session;
		CK_RV rv = p11_session_get(handle, &session);
		return rv != CKR_OK ? rv : CKR_ARGUMENTS_BAD;
	}
	return C_Login(handle, user, pin, length);
}

CK_RV C_Logout(CK_SESSION_HANDLE handle)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	if (slot->login == P11_LOGGED_OUT) {
		rv = CKR_USER_NOT_LOGGED_IN;
	} else {
		/* A batch needs a login: it commits first (as a close of
		 * its session does). */
		if (slot->batch_session != CK_INVALID_HANDLE)
			p11_batch_finish(slot, true);
		p11_objects_forget_private(slot);
		store_logout(slot->token);
		slot->login = P11_LOGGED_OUT;
	}
	p11_slot_unlock(slot);
	/* A logout is a pause: close now what enclave_reprotect_delay left
	 * open for the next operation. */
	if (rv == CKR_OK)
		enc_reprotect_now();
	return rv;
}

CK_RV C_InitPIN(CK_SESSION_HANDLE handle, CK_UTF8CHAR_PTR pin, CK_ULONG length)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	if (p11_session_state(session) != CKS_RW_SO_FUNCTIONS)
		rv = CKR_USER_NOT_LOGGED_IN;
	else if (pin == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (!pin_length_ok(length))
		rv = CKR_PIN_LEN_RANGE;
	else
		rv = p11_rv_from_store(
		        store_init_user_pin(slot->token, pin, length),
		        "setting the user PIN");
	p11_slot_unlock(slot);
	return rv;
}

CK_RV C_SetPIN(CK_SESSION_HANDLE handle, CK_UTF8CHAR_PTR old_pin,
               CK_ULONG old_length, CK_UTF8CHAR_PTR new_pin,
               CK_ULONG new_length)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	/* The SO's PIN when the SO is logged in, else the user's. */
	store_user user =
	        slot->login == P11_LOGGED_IN_SO ? STORE_SO : STORE_USER;
	if (!p11_session_is_rw(session))
		rv = CKR_SESSION_READ_ONLY;
	else if (old_pin == NULL || new_pin == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (!pin_length_ok(new_length))
		rv = CKR_PIN_LEN_RANGE;
	else if (!pin_length_ok(old_length))
		rv = CKR_PIN_INCORRECT;
	else
		rv = p11_rv_from_store(store_set_pin(slot->token, user, old_pin,
		                                     old_length, new_pin,
		                                     new_length),
		                       "changing a PIN");
	p11_slot_unlock(slot);
	return rv;
}

CK_RV p11_rv_from_store(store_status status, const char *what)
{
	switch (status) {
	case STORE_OK:
		return CKR_OK;
	case STORE_ERR_INVALID:
		return CKR_ARGUMENTS_BAD;
	case STORE_ERR_NOMEM:
		return CKR_HOST_MEMORY;
	case STORE_ERR_PIN_INCORRECT:
		return CKR_PIN_INCORRECT;
	case STORE_ERR_PIN_LOCKED:
		return CKR_PIN_LOCKED;
	case STORE_ERR_PIN_NOT_SET:
		return CKR_USER_PIN_NOT_INITIALIZED;
	case STORE_ERR_NOT_LOGGED_IN:
		return CKR_USER_NOT_LOGGED_IN;
	case STORE_ERR_NOT_FOUND:
		return CKR_OBJECT_HANDLE_INVALID;
	case STORE_ERR_BATCH_OPEN:
		return CKR_OPERATION_ACTIVE;
	case STORE_ERR_NO_BATCH:
		return CKR_OPERATION_NOT_INITIALIZED;
	case STORE_ERR_CORRUPT:
	case STORE_ERR_VERSION:
		p11_log(P11_LOG_ERROR,
		        "%s: the token store is damaged or "
		        "tampered with: %s",
		        what, store_strerror(status));
		return CKR_DEVICE_ERROR;
	case STORE_ERR_IO:
	case STORE_ERR_ENCLAVE:
		break;
	}
	p11_log(P11_LOG_ERROR, "%s: %s", what, store_strerror(status));
	return CKR_DEVICE_ERROR;
}
