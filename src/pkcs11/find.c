/* C_FindObjects*: token objects come from the store's blind index (so a
 * find by class, CKA_ID or CKA_LABEL reads only the matching records),
 * session objects from memory; every candidate is then checked against
 * the whole template. The result is fixed at C_FindObjectsInit. */
#include "config.h"

#include "pkcs11/module.h"

#include <stdlib.h>

static CK_RV append(p11_find *find, size_t *capacity, CK_OBJECT_HANDLE handle)
{
	if (find->count == *capacity) {
		size_t grown = *capacity ? *capacity * 2 : 16;
		CK_OBJECT_HANDLE *handles =
		        realloc(find->handles, grown * sizeof(*handles));
		if (handles == NULL)
			return CKR_HOST_MEMORY;
		find->handles = handles;
		*capacity = grown;
	}
	find->handles[find->count++] = handle;
	return CKR_OK;
}

static CK_RV find_session_objects(p11_session *session,
                                  const CK_ATTRIBUTE *template, CK_ULONG count,
                                  p11_find *find, size_t *capacity)
{
	p11_slot *slot = session->slot;
	uint64_t key;
	void *value;
	for (size_t cursor = 0;
	     p11_map_next(&slot->session_objects, &cursor, &key, &value);) {
		p11_object_ref *ref = value;
		if (!p11_object_visible(session, ref) ||
		    !tok_object_matches(ref->object, template, count))
			continue;
		CK_RV rv = append(find, capacity, ref->handle);
		if (rv != CKR_OK)
			return rv;
	}
	return CKR_OK;
}

static CK_RV find_token_objects(p11_session *session,
                                const CK_ATTRIBUTE *template, CK_ULONG count,
                                p11_find *find, size_t *capacity)
{
	p11_slot *slot = session->slot;
	store_index query;
	if (!tok_template_index(template, count, &query))
		return CKR_OK;
	store_object_id *ids = NULL;
	size_t found = 0;
	store_status status =
	        store_object_find(slot->token, &query, &ids, &found);
	if (status != STORE_OK)
		return p11_rv_from_store(status, "finding objects");
	CK_RV rv = CKR_OK;
	for (size_t i = 0; i < found && rv == CKR_OK; i++) {
		p11_object_ref *ref;
		rv = p11_objects_ref_for_store(slot, ids[i], false, &ref);
		if (rv != CKR_OK)
			break;
		CK_OBJECT_HANDLE handle = ref->handle;
		rv = p11_objects_lookup(session, handle, &ref);
		if (rv == CKR_OBJECT_HANDLE_INVALID) {
			rv = CKR_OK; /* private while not the user, or gone */
			continue;
		}
		if (rv == CKR_OK &&
		    tok_object_matches(ref->object, template, count))
			rv = append(find, capacity, handle);
	}
	free(ids);
	return rv;
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE handle, CK_ATTRIBUTE_PTR template,
                        CK_ULONG count)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_mutex_lock(session->lock);
	p11_find *find = NULL;
	size_t capacity = 0;
	if (template == NULL && count > 0)
		rv = CKR_ARGUMENTS_BAD;
	else if (session->find != NULL)
		rv = CKR_OPERATION_ACTIVE;
	else if ((find = calloc(1, sizeof(*find))) == NULL)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = find_session_objects(session, template, count, find,
		                          &capacity);
	if (rv == CKR_OK)
		rv = find_token_objects(session, template, count, find,
		                        &capacity);
	if (rv == CKR_OK) {
		session->find = find;
	} else if (find != NULL) {
		free(find->handles);
		free(find);
	}
	p11_mutex_unlock(session->lock);
	p11_slot_unlock(session->slot);
	return rv;
}

CK_RV C_FindObjects(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE_PTR handles,
                    CK_ULONG max_count, CK_ULONG_PTR count)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_mutex_lock(session->lock);
	p11_find *find = session->find;
	if ((handles == NULL && max_count > 0) || count == NULL) {
		rv = CKR_ARGUMENTS_BAD;
	} else if (find == NULL) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else {
		CK_ULONG n = 0;
		while (n < max_count && find->next < find->count)
			handles[n++] = find->handles[find->next++];
		*count = n;
	}
	p11_mutex_unlock(session->lock);
	p11_slot_unlock(session->slot);
	return rv;
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE handle)
{
	p11_session *session;
	CK_RV rv = p11_session_get_locked(handle, &session);
	if (rv != CKR_OK)
		return rv;
	p11_mutex_lock(session->lock);
	if (session->find == NULL) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else {
		free(session->find->handles);
		free(session->find);
		session->find = NULL;
	}
	p11_mutex_unlock(session->lock);
	p11_slot_unlock(session->slot);
	return rv;
}
