/* Object management: create, copy, destroy, size, get/set attributes. The
 * attribute policy lives in src/token; this file decides who may do what
 * in which session, and persists token objects. */
#include "config.h"

#include "pkcs11/keys.h"
#include "pkcs11/module.h"

#include <stdlib.h>

/* May this session create or change an object of this kind? */
CK_RV p11_check_write_access(const p11_session *session, bool is_token,
                             bool is_private)
{
	if (is_token && !p11_session_is_rw(session))
		return CKR_SESSION_READ_ONLY;
	if (is_private && session->slot->login != P11_LOGGED_IN_USER)
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

CK_RV p11_objects_store_new(p11_session *session, tok_object *object,
                            CK_OBJECT_HANDLE *handle)
{
	p11_slot *slot = session->slot;
	if (!object->is_token) {
		CK_RV rv =
		        p11_objects_add_session_object(session, object, handle);
		if (rv != CKR_OK)
			tok_object_free(object);
		return rv;
	}
	store_index index;
	tok_object_index(object, &index);
	store_attribute *stored;
	size_t stored_count;
	uint32_t defaults;
	CK_RV listed =
	        tok_object_stored(object, &stored, &stored_count, &defaults);
	if (listed != CKR_OK) {
		tok_object_free(object);
		return listed;
	}
	store_object_id id;
	store_status status = store_object_create_ex(
	        slot->token, object->is_private, defaults, stored, stored_count,
	        &index, object->unique_id, &id);
	free(stored);
	if (status != STORE_OK) {
		tok_object_free(object);
		return p11_rv_from_store(status, "storing an object");
	}
	object->store_id = id;
	p11_object_ref *ref;
	CK_RV rv =
	        p11_objects_ref_for_store(slot, id, object->is_private, &ref);
	if (rv != CKR_OK) {
		/* Stored, but we cannot hand out a handle: undo. */
		store_object_delete(slot->token, id);
		tok_object_free(object);
		return rv;
	}
	object->handle = ref->handle;
	if (ref->object == NULL &&
	    slot->cached_objects < P11_OBJECT_CACHE_LIMIT) {
		ref->object = object;
		slot->cached_objects++;
	} else {
		tok_object_free(object);
	}
	*handle = ref->handle;
	return CKR_OK;
}

/* A token object is written at once, so its store write's own refresh
 * stands in for the one before (a SQLite read transaction less per
 * create); a session object, or a failure before the write, refreshes as
 * usual. Another process's re-initialisation meanwhile fails a private
 * object's write (the store logs out) as it would a moment later. */
CK_RV C_CreateObject(CK_SESSION_HANDLE handle, CK_ATTRIBUTE_PTR template,
                     CK_ULONG count, CK_OBJECT_HANDLE_PTR object_handle)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked_present(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	tok_object *object = NULL;
	if ((template == NULL && count > 0) || object_handle == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = tok_object_create_ex(
		        template, count, TOK_ORIGIN_CREATE, 0,
		        CK_UNAVAILABLE_INFORMATION, CK_UNAVAILABLE_INFORMATION,
		        slot->login == P11_LOGGED_IN_SO, &object);
	bool writes = rv == CKR_OK && object->is_token && slot->token != NULL;
	if (!writes) {
		CK_RV refreshed = p11_slot_refresh(slot);
		if (rv == CKR_OK)
			rv = refreshed;
	}
	if (rv == CKR_OK)
		rv = p11_check_write_access(session, object->is_token,
		                            object->is_private);
	if (rv == CKR_OK)
		rv = p11_key_import_check(object);
	if (rv == CKR_OK) {
		rv = p11_objects_store_new(session, object, object_handle);
		object = NULL;
	}
	if (writes)
		p11_slot_after_write(slot);
	tok_object_free(object);
	p11_slot_unlock(slot);
	return rv;
}

CK_RV C_CopyObject(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE source_handle,
                   CK_ATTRIBUTE_PTR template, CK_ULONG count,
                   CK_OBJECT_HANDLE_PTR copy_handle)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_object_ref *source = NULL;
	tok_object *copy = NULL;
	if ((template == NULL && count > 0) || copy_handle == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = p11_objects_lookup(session, source_handle, &source);
	if (rv == CKR_OK)
		rv = tok_object_copy(source->object, template, count, &copy);
	if (rv == CKR_OK)
		rv = p11_check_write_access(session, copy->is_token,
		                            copy->is_private);
	if (rv == CKR_OK) {
		rv = p11_objects_store_new(session, copy, copy_handle);
		copy = NULL;
	}
	tok_object_free(copy);
	p11_slot_unlock(session->slot);
	return rv;
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object_handle)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	p11_object_ref *ref;
	rv = p11_objects_lookup(session, object_handle, &ref);
	if (rv == CKR_OK)
		rv = p11_check_write_access(session, ref->is_token,
		                            ref->is_private);
	if (rv == CKR_OK && !tok_object_destroyable(ref->object))
		rv = CKR_ACTION_PROHIBITED;
	if (rv == CKR_OK && ref->is_token) {
		store_status status =
		        store_object_delete(slot->token, ref->store_id);
		if (status != STORE_OK && status != STORE_ERR_NOT_FOUND)
			rv = p11_rv_from_store(status, "destroying an object");
	}
	if (rv == CKR_OK)
		p11_objects_remove(slot, ref);
	p11_slot_unlock(slot);
	return rv;
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object_handle,
                      CK_ULONG_PTR size)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_object_ref *ref;
	if (size == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = p11_objects_lookup(session, object_handle, &ref);
	if (rv == CKR_OK)
		*size = tok_object_size(ref->object);
	p11_slot_unlock(session->slot);
	return rv;
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE handle,
                          CK_OBJECT_HANDLE object_handle,
                          CK_ATTRIBUTE_PTR template, CK_ULONG count)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_object_ref *ref;
	if (template == NULL && count > 0)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = p11_objects_lookup(session, object_handle, &ref);
	if (rv == CKR_OK)
		rv = tok_object_get_attributes(ref->object, template, count);
	p11_slot_unlock(session->slot);
	return rv;
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE handle,
                          CK_OBJECT_HANDLE object_handle,
                          CK_ATTRIBUTE_PTR template, CK_ULONG count)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_slot *slot = session->slot;
	p11_object_ref *ref;
	if (template == NULL && count > 0)
		rv = CKR_ARGUMENTS_BAD;
	else
		rv = p11_objects_lookup(session, object_handle, &ref);
	if (rv == CKR_OK)
		rv = p11_check_write_access(session, ref->is_token,
		                            ref->is_private);
	if (rv == CKR_OK)
		rv = tok_object_set_attributes(ref->object, template, count,
		                               slot->login == P11_LOGGED_IN_SO);
	if (rv == CKR_OK && ref->is_token) {
		store_index index;
		tok_object_index(ref->object, &index);
		store_attribute *stored;
		size_t stored_count;
		uint32_t defaults;
		rv = tok_object_stored(ref->object, &stored, &stored_count,
		                       &defaults);
		if (rv == CKR_OK) {
			store_status status = store_object_update_ex(
			        slot->token, ref->store_id, defaults, stored,
			        stored_count, &index);
			free(stored);
			if (status != STORE_OK)
				rv = p11_rv_from_store(status,
				                       "updating an object");
		}
		if (rv != CKR_OK) {
			/* Forget the changed copy: the store has the truth. */
			tok_object_free(ref->object);
			ref->object = NULL;
			slot->cached_objects--;
		}
	}
	p11_slot_unlock(slot);
	return rv;
}
