/* The module's shared state: slots, sessions and the per-token object
 * table, and the helpers every entry point uses to reach them.
 *
 * Locking, outermost first (never taken in the other order):
 *   module.lock   the slot list and the session table
 *   slot->lock    one token: login state, object table, store calls
 *   session->lock one session's operations (find, later crypto)
 * No lock is held across a KDF or a crypto operation except the slot lock
 * around store calls that need one (login, object changes). */
#ifndef GUARDHSM_PKCS11_MODULE_H
#define GUARDHSM_PKCS11_MODULE_H

#include "pkcs11/configuration.h"
#include "pkcs11/handle_map.h"
#include "pkcs11/locking.h"
#include "pkcs11/log.h"
#include "pkcs11/pkcs11_3_0.h"
#include "store/store.h"
#include "token/object.h"

/* Needs the PKCS#11 types above. */
#include "pkcs11/guardhsm_vendor.h"

#include <stdatomic.h>
#include <stdbool.h>

#define P11_MANUFACTURER "guardhsm project"
#define P11_LIBRARY_DESCRIPTION "guardhsm enclave-backed soft token"
#define P11_MODEL "guardhsm"
#define P11_VERSION_MAJOR 0
#define P11_VERSION_MINOR 1
#define P11_MIN_PIN_LENGTH 4
#define P11_MAX_PIN_LENGTH 255
/* Loaded token objects kept decoded in memory, per token. */
#define P11_OBJECT_CACHE_LIMIT 8192

/* One entry of a token's object table: what a CK_OBJECT_HANDLE names. */
typedef struct p11_object_ref {
	CK_OBJECT_HANDLE handle;
	bool is_token;
	bool is_private;
	store_object_id store_id; /* token objects */
	CK_SESSION_HANDLE owner;  /* session objects: the creating session */
	tok_object *object;       /* session objects: owned; token
	                             objects: the cache, or NULL */
	/* A derived form of the key kept for speed (Ed25519: libsodium's
	 * 64-byte signing key; RSA: the packed, checked components),
	 * sealed; never stored on disk. */
	enc_sealed *operational_key;
} p11_object_ref;

typedef enum p11_login_state {
	P11_LOGGED_OUT = 0,
	P11_LOGGED_IN_USER,
	P11_LOGGED_IN_SO,
} p11_login_state;

typedef struct p11_slot {
	CK_SLOT_ID id;
	p11_mutex *lock;
	store_token *token; /* NULL: the slot holds an uninitialised token */
	char *path;         /* the token file, NULL if uninitialised */
	bool removed;       /* its file went away (another process) */
	bool unrecognised;  /* its file is not a readable guardhsm token */
	p11_login_state login;
	size_t session_count;
	size_t rw_session_count;
	p11_handle_map objects;         /* handle -> p11_object_ref */
	p11_handle_map by_store;        /* store id -> p11_object_ref */
	p11_handle_map session_objects; /* handle -> ref, session objects */
	size_t cached_objects;
	/* The session whose batch (vendor.c) is open on the token, or
	 * CK_INVALID_HANDLE. */
	CK_SESSION_HANDLE batch_session;
} p11_slot;

typedef struct p11_find {
	CK_OBJECT_HANDLE *handles;
	size_t count;
	size_t next;
} p11_find;

typedef struct p11_operation p11_operation; /* operation.h */

typedef struct p11_session {
	CK_SESSION_HANDLE handle;
	p11_slot *slot;
	CK_FLAGS flags;
	p11_mutex *lock; /* serialises the session's operations */
	p11_find *find;  /* an active C_FindObjects operation */
	p11_operation *sign;
	p11_operation *verify;
	p11_operation *digest;
	p11_operation *encrypt;
	p11_operation *decrypt;
	p11_operation *message_encrypt; /* PKCS#11 3.0 message-based */
	p11_operation *message_decrypt;
	/* Calls in flight hold a reference; the session is freed by whoever
	 * drops the last one after it was closed (module lock held). */
	int references;
	bool closed;
} p11_session;

typedef struct p11_module {
	p11_mutex *lock;
	p11_config config;
	p11_slot **slots;
	size_t slot_count;
	p11_handle_map sessions; /* handle -> p11_session */
	CK_SESSION_HANDLE next_session;
} p11_module;

extern p11_module p11_state;

/* CKR_OK if C_Initialize has run in this process (not only a parent). */
CK_RV p11_check_initialised(void);

/* Finds a session and locks nothing; CKR_SESSION_HANDLE_INVALID. The
 * pointer stays valid until the session is closed: entry points that use
 * it take session->lock, then check it is still open. */
CK_RV p11_session_get(CK_SESSION_HANDLE handle, p11_session **session);
/* The same, plus the slot lock held on return (release with
 * p11_slot_unlock). Refreshes the token from disk. */
CK_RV p11_session_get_locked(CK_SESSION_HANDLE handle, p11_session **session);
/* The same with p11_slot_check_present instead of the refresh. */
CK_RV p11_session_get_locked_present(CK_SESSION_HANDLE handle,
                                     p11_session **session);
void p11_slot_unlock(p11_slot *slot);
/* For calls that run without the slot lock (crypto operations): a
 * reference that keeps the session's memory alive even if another thread
 * closes it meanwhile (the call then sees session->closed). */
CK_RV p11_session_acquire(CK_SESSION_HANDLE handle, p11_session **session);
void p11_session_release(p11_session *session);

/* Slots (slots.c). */
CK_RV p11_slots_load(void);                         /* module lock held */
void p11_slots_free(void);                          /* module lock held */
CK_RV p11_slot_get(CK_SLOT_ID id, p11_slot **slot); /* module lock held */
/* Refreshes a slot's token state from disk (slot lock held). */
CK_RV p11_slot_refresh(p11_slot *slot);
/* Only the part of p11_slot_refresh that needs no SQLite read transaction:
 * CKR_TOKEN_NOT_PRESENT if the token file was deleted. A call that writes
 * to the store at once may take this instead of p11_slot_refresh, then
 * call p11_slot_after_write: the store's write refreshes in its own
 * transaction, and after_write applies what it noticed. */
CK_RV p11_slot_check_present(p11_slot *slot);
void p11_slot_after_write(p11_slot *slot);
void p11_copy_padded(CK_UTF8CHAR *dst, size_t size, const char *src,
                     size_t length);

/* Sessions (sessions.c). */
bool p11_session_is_rw(const p11_session *session);
CK_STATE p11_session_state(const p11_session *session);
/* Closes every session of a slot (module lock held). */
void p11_sessions_close_slot(p11_slot *slot);
void p11_sessions_free_all(void);

/* The object table (object_table.c), all with the slot lock held. */
CK_OBJECT_HANDLE p11_objects_next_handle(void);
/* The ref for a handle visible to this session, or
 * CKR_OBJECT_HANDLE_INVALID. Loads token objects on demand. */
CK_RV p11_objects_lookup(p11_session *session, CK_OBJECT_HANDLE handle,
                         p11_object_ref **ref);
/* The ref for a store id (created if new). */
CK_RV p11_objects_ref_for_store(p11_slot *slot, store_object_id id,
                                bool is_private, p11_object_ref **ref);
/* For a find answered by the store's authenticated index: the ref for a
 * store id whose row has this privacy, its record not loaded (that is
 * done on first p11_objects_lookup). CKR_OBJECT_HANDLE_INVALID, and no
 * new ref, if this session may not see it. */
CK_RV p11_objects_ref_for_row(p11_session *session, store_object_id id,
                              bool is_private, p11_object_ref **ref);
CK_RV p11_objects_add_session_object(p11_session *session, tok_object *object,
                                     CK_OBJECT_HANDLE *handle);
void p11_objects_remove(p11_slot *slot, p11_object_ref *ref);
/* Drops every cached decoded token object (another process changed the
 * token). Handles stay valid. */
void p11_objects_flush_cache(p11_slot *slot);
/* Every token object's handle becomes invalid (their store ids may be
 * given out again after a failed batch). Session objects stay. */
void p11_objects_forget_token(p11_slot *slot);
/* Logout: private objects' handles become invalid, private session
 * objects are destroyed. */
void p11_objects_forget_private(p11_slot *slot);
void p11_objects_destroy_session_objects(p11_slot *slot,
                                         CK_SESSION_HANDLE owner);
void p11_objects_free_all(p11_slot *slot);
/* May this session see / change this object? */
bool p11_object_visible(const p11_session *session, const p11_object_ref *ref);

/* Objects (objects.c), slot lock held. */
CK_RV p11_check_write_access(const p11_session *session, bool is_token,
                             bool is_private);
/* Takes ownership of object: persists it (token object) or keeps it
 * (session object), and returns its handle. */
CK_RV p11_objects_store_new(p11_session *session, tok_object *object,
                            CK_OBJECT_HANDLE *handle);

/* Batches (vendor.c), slot lock held: ends the open batch (commit or
 * undo) and fixes the object table up. */
CK_RV p11_batch_finish(p11_slot *slot, bool commit);
/* The "Vendor guardhsm" function list. */
extern CK_GUARDHSM_FUNCTION_LIST p11_vendor_functions;

/* Store status to CKR_ (logging unexpected ones). */
CK_RV p11_rv_from_store(store_status status, const char *what);

#endif
