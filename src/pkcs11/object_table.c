/* A token's object table: the handles an application holds, what each
 * names (a session object in memory, or a token object in the store), and
 * a bounded cache of decoded token objects. Everything here runs with the
 * slot lock held. */
#include "config.h"

#include "pkcs11/module.h"

#include <stdlib.h>

static _Atomic CK_OBJECT_HANDLE next_handle = 1;

CK_OBJECT_HANDLE p11_objects_next_handle(void)
{
	return atomic_fetch_add(&next_handle, 1);
}

bool p11_object_visible(const p11_session *session, const p11_object_ref *ref)
{
	/* Private objects: only to the normal user (not the SO). */
	return !ref->is_private || session->slot->login == P11_LOGGED_IN_USER;
}

static void free_ref(p11_object_ref *ref)
{
	enc_sealed_free(ref->operational_key);
	tok_object_free(ref->object);
	free(ref);
}

void p11_objects_flush_cache(p11_slot *slot)
{
	uint64_t key;
	void *value;
	for (size_t cursor = 0;
	     p11_map_next(&slot->objects, &cursor, &key, &value);) {
		p11_object_ref *ref = value;
		if (ref->is_token && ref->object != NULL) {
			tok_object_free(ref->object);
			ref->object = NULL;
		}
	}
	slot->cached_objects = 0;
}

static CK_RV load_token_object(p11_slot *slot, p11_object_ref *ref)
{
	if (slot->cached_objects >= P11_OBJECT_CACHE_LIMIT)
		p11_objects_flush_cache(slot);
	bool is_private = false;
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES];
	store_attribute *attributes = NULL;
	size_t count = 0;
	uint32_t defaults = 0;
	store_status status =
	        store_object_load_ex(slot->token, ref->store_id, &is_private,
	                             unique_id, &defaults, &attributes, &count);
	if (status == STORE_ERR_NOT_FOUND) {
		/* Destroyed by another process since we made the handle. */
		p11_objects_remove(slot, ref);
		return CKR_OBJECT_HANDLE_INVALID;
	}
	if (status != STORE_OK)
		return p11_rv_from_store(status, "loading an object");
	tok_object *object;
	CK_RV rv =
	        tok_object_from_store_ex(ref->store_id, is_private, unique_id,
	                                 defaults, attributes, count, &object);
	if (rv != CKR_OK) {
		p11_log(P11_LOG_ERROR, "object %lld in %s is malformed",
		        (long long)ref->store_id, slot->path);
		return CKR_DEVICE_ERROR;
	}
	object->handle = ref->handle;
	ref->object = object;
	ref->is_private = is_private;
	slot->cached_objects++;
	return CKR_OK;
}

CK_RV p11_objects_lookup(p11_session *session, CK_OBJECT_HANDLE handle,
                         p11_object_ref **out)
{
	p11_slot *slot = session->slot;
	p11_object_ref *ref = p11_map_get(&slot->objects, handle);
	if (ref == NULL || !p11_object_visible(session, ref))
		return CKR_OBJECT_HANDLE_INVALID;
	if (ref->object == NULL) {
		CK_RV rv = load_token_object(slot, ref);
		if (rv != CKR_OK)
			return rv;
		/* A record may have become private (another process). */
		if (!p11_object_visible(session, ref))
			return CKR_OBJECT_HANDLE_INVALID;
	}
	*out = ref;
	return CKR_OK;
}

static CK_RV insert_ref(p11_slot *slot, p11_object_ref *ref)
{
	ref->handle = p11_objects_next_handle();
	if (!p11_map_put(&slot->objects, ref->handle, ref))
		return CKR_HOST_MEMORY;
	p11_handle_map *index =
	        ref->is_token ? &slot->by_store : &slot->session_objects;
	uint64_t key = ref->is_token ? (uint64_t)ref->store_id : ref->handle;
	if (!p11_map_put(index, key, ref)) {
		p11_map_remove(&slot->objects, ref->handle);
		return CKR_HOST_MEMORY;
	}
	return CKR_OK;
}

CK_RV p11_objects_ref_for_store(p11_slot *slot, store_object_id id,
                                bool is_private, p11_object_ref **out)
{
	p11_object_ref *ref = p11_map_get(&slot->by_store, (uint64_t)id);
	if (ref == NULL) {
		ref = calloc(1, sizeof(*ref));
		if (ref == NULL)
			return CKR_HOST_MEMORY;
		ref->is_token = true;
		ref->is_private = is_private;
		ref->store_id = id;
		CK_RV rv = insert_ref(slot, ref);
		if (rv != CKR_OK) {
			free(ref);
			return rv;
		}
	}
	*out = ref;
	return CKR_OK;
}

CK_RV p11_objects_ref_for_row(p11_session *session, store_object_id id,
                              bool is_private, p11_object_ref **out)
{
	p11_slot *slot = session->slot;
	p11_object_ref *ref = p11_map_get(&slot->by_store, (uint64_t)id);
	if (ref == NULL) {
		/* No ref for what this session may not see. */
		p11_object_ref probe = {.is_token = true,
		                        .is_private = is_private};
		if (!p11_object_visible(session, &probe))
			return CKR_OBJECT_HANDLE_INVALID;
		CK_RV rv =
		        p11_objects_ref_for_store(slot, id, is_private, &ref);
		if (rv != CKR_OK)
			return rv;
	} else if (ref->object == NULL) {
		/* The authenticated row knows better than a ref made before
		 * its record could be read (a failed load leaves one). */
		ref->is_private = is_private;
	}
	if (!p11_object_visible(session, ref))
		return CKR_OBJECT_HANDLE_INVALID;
	*out = ref;
	return CKR_OK;
}

CK_RV p11_objects_add_session_object(p11_session *session, tok_object *object,
                                     CK_OBJECT_HANDLE *handle)
{
	p11_object_ref *ref = calloc(1, sizeof(*ref));
	if (ref == NULL)
		return CKR_HOST_MEMORY;
	ref->is_private = object->is_private;
	ref->owner = session->handle;
	ref->object = object;
	CK_RV rv = insert_ref(session->slot, ref);
	if (rv != CKR_OK) {
		free(ref); /* the caller still owns object */
		return rv;
	}
	object->handle = ref->handle;
	*handle = ref->handle;
	return CKR_OK;
}

void p11_objects_remove(p11_slot *slot, p11_object_ref *ref)
{
	p11_map_remove(&slot->objects, ref->handle);
	if (ref->is_token) {
		p11_map_remove(&slot->by_store, (uint64_t)ref->store_id);
		if (ref->object != NULL)
			slot->cached_objects--;
	} else {
		p11_map_remove(&slot->session_objects, ref->handle);
	}
	free_ref(ref);
}

/* Removes every ref for which doomed() is true. */
static void remove_where(p11_slot *slot,
                         bool (*doomed)(const p11_object_ref *, uint64_t),
                         uint64_t argument)
{
	size_t n = 0;
	p11_object_ref **refs = calloc(
	        slot->objects.count ? slot->objects.count : 1, sizeof(*refs));
	if (refs == NULL)
		return;
	uint64_t key;
	void *value;
	for (size_t cursor = 0;
	     p11_map_next(&slot->objects, &cursor, &key, &value);)
		if (doomed(value, argument))
			refs[n++] = value;
	for (size_t i = 0; i < n; i++)
		p11_objects_remove(slot, refs[i]);
	free(refs);
}

static bool is_private_ref(const p11_object_ref *ref, uint64_t unused)
{
	(void)unused;
	return ref->is_private;
}

static bool owned_by(const p11_object_ref *ref, uint64_t owner)
{
	return !ref->is_token && ref->owner == owner;
}

static bool any_ref(const p11_object_ref *ref, uint64_t unused)
{
	(void)ref;
	(void)unused;
	return true;
}

static bool is_token_ref(const p11_object_ref *ref, uint64_t unused)
{
	(void)unused;
	return ref->is_token;
}

void p11_objects_forget_token(p11_slot *slot)
{
	remove_where(slot, is_token_ref, 0);
}

void p11_objects_forget_private(p11_slot *slot)
{
	remove_where(slot, is_private_ref, 0);
}

void p11_objects_destroy_session_objects(p11_slot *slot,
                                         CK_SESSION_HANDLE owner)
{
	if (slot->session_objects.count > 0)
		remove_where(slot, owned_by, owner);
}

void p11_objects_free_all(p11_slot *slot)
{
	remove_where(slot, any_ref, 0);
	p11_map_clear(&slot->objects);
	p11_map_clear(&slot->by_store);
	p11_map_clear(&slot->session_objects);
	slot->cached_objects = 0;
}
