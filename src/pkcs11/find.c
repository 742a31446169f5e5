/* C_FindObjects*: session objects come from memory, token objects from
 * the store's blind index. A template of only CKA_CLASS, CKA_ID,
 * CKA_LABEL, CKA_TOKEN and CKA_PRIVATE (the empty one too) is answered by
 * the authenticated index rows alone: no record is read or decrypted
 * until the application uses a handle, so listing every key costs about
 * reading the rows. Any other attribute: each candidate the index gives
 * is loaded and checked against the whole template. Either way the
 * result is fixed at C_FindObjectsInit, session objects first, then
 * token objects in store id order. */
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

/* A template the index rows answer alone: the verified find, and refs
 * whose records are loaded only when the application uses them. */
static CK_RV find_by_rows(p11_session *session, const tok_row_query *query,
                          p11_find *find, size_t *capacity)
{
	if (query->none)
		return CKR_OK;
	store_object_id *ids = NULL;
	bool *privacy = NULL;
	size_t found = 0;
	store_status status =
	        store_object_find_verified(session->slot->token, &query->index,
	                                   &ids, NULL, &privacy, &found);
	if (status != STORE_OK)
		return p11_rv_from_store(status, "finding objects");
	CK_RV rv = CKR_OK;
	for (size_t i = 0; i < found && rv == CKR_OK; i++) {
		if (!tok_row_matches(query, privacy[i]))
			continue;
		p11_object_ref *ref;
		rv = p11_objects_ref_for_row(session, ids[i], privacy[i], &ref);
		if (rv == CKR_OBJECT_HANDLE_INVALID) {
			rv = CKR_OK; /* private while not the user */
			continue;
		}
		if (rv == CKR_OK)
			rv = append(find, capacity, ref->handle);
	}
	free(ids);
	free(privacy);
	return rv;
}

static CK_RV find_token_objects(p11_session *session,
                                const CK_ATTRIBUTE *template, CK_ULONG count,
                                p11_find *find, size_t *capacity)
{
	tok_row_query row_query;
	if (tok_template_row_query(template, count, &row_query))
		return find_by_rows(session, &row_query, find, capacity);

	/* Other attributes: candidates from the index, each loaded and
	 * matched in full. */
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
