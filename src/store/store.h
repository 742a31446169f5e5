/*
 * The persistent token store: one SQLite database per token, every
 * attribute sealed, found through keyed-hash (blind) index columns.
 *
 * Keys:
 *  - master key: 32 random bytes per token, created by store_token_create.
 *    It is wrapped (XChaCha20-Poly1305) under a key derived by Argon2id from
 *    the SO PIN, and under one from the user PIN once that exists. In this
 *    process it exists only as an enclave sealed secret while someone is
 *    logged in; it is opened into an enclave buffer only to derive the
 *    private subkeys (once per login) or to wrap it under a new PIN.
 *  - private-object key, private index key and private row-MAC key:
 *    derived from the master key (BLAKE2b keyed, distinct contexts).
 *  - public ones likewise from the public secret (below). All subkeys
 *    live in one enclave buffer per token, NOACCESS except during a store
 *    call: the public ones from first use to close, the private ones from
 *    first use after a login to the logout (or a re-initialisation, here
 *    or by another process), which frees the buffer.
 *  - public-object key and public index key: derived from a random "public
 *    secret" stored in clear in the token file, so public objects can be
 *    read before login. They protect public records against corruption and
 *    swapping, not against someone who can write the file (documented).
 *
 * Records: each attribute is sealed on its own with XChaCha20-Poly1305, the
 * associated data binding it to the token, the object's unique id, its
 * attribute type, the record's attribute count and the caller's defaults
 * version the list is relative to, so attributes cannot be moved between
 * objects or types, dropped or altered undetected.
 *
 * Sensitive attributes never appear in ordinary memory: on load they are
 * decrypted into an enclave buffer and resealed as an enc_sealed; on save
 * they are given as enc_sealed and opened into an enclave buffer only to be
 * encrypted under the record key.
 *
 * Every change is one SQLite transaction committed (WAL, synchronous=FULL)
 * before the call returns, unless the caller opened a batch (below). Several
 * processes may use one token file; a call notices another process's commits
 * through PRAGMA data_version (store_token_refresh).
 *
 * Layering: uses the enclave, libsodium and SQLite only; knows attribute
 * types as plain numbers (CK_ATTRIBUTE_TYPE values) and nothing else of
 * PKCS#11. All functions are safe to call from several threads on
 * different tokens; one token's calls are serialised by a per-token mutex
 * inside the store.
 */
#ifndef GUARDHSM_STORE_H
#define GUARDHSM_STORE_H

#include "enclave/enclave.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum store_status {
	STORE_OK = 0,
	STORE_ERR_INVALID, /* bad argument */
	STORE_ERR_NOMEM,
	STORE_ERR_IO,      /* SQLite or file system failure */
	STORE_ERR_CORRUPT, /* not a guardhsm token, bad record, bad MAC */
	STORE_ERR_VERSION, /* a format version this build cannot read */
	STORE_ERR_PIN_INCORRECT,
	STORE_ERR_PIN_LOCKED,  /* the PIN's failure counter reached the limit */
	STORE_ERR_PIN_NOT_SET, /* the user PIN was never initialised */
	STORE_ERR_NOT_LOGGED_IN, /* a private record without the master key */
	STORE_ERR_NOT_FOUND,     /* no such object */
	STORE_ERR_ENCLAVE,    /* the enclave refused (budget, lock, forked) */
	STORE_ERR_BATCH_OPEN, /* a batch is open (store_batch_begin) */
	STORE_ERR_NO_BATCH,   /* store_batch_end without a batch */
} store_status;

const char *store_strerror(store_status status);

typedef enum store_user { STORE_SO = 0, STORE_USER = 1 } store_user;

typedef struct store_token store_token;

/* ---- Token files -------------------------------------------------------- */

#define STORE_LABEL_BYTES 32  /* PKCS#11 label: blank padded, no NUL */
#define STORE_SERIAL_BYTES 16 /* hex digits, no NUL */

typedef struct store_token_options {
	uint32_t max_pin_tries; /* 0: 10 */
	/* Argon2id limits; 0: libsodium's INTERACTIVE. Values below
	 * INTERACTIVE are refused (STORE_ERR_INVALID) except after
	 * store_testing_allow_weak_kdf(). */
	uint64_t kdf_opslimit;
	size_t kdf_memlimit;
} store_token_options;

/* Lists the token files (full paths, malloc'd, sorted) in directory, which
 * is created (mode 0700, with parents) if missing. Free with
 * store_free_paths. */
store_status store_list_token_files(const char *directory, char ***paths,
                                    size_t *count);
void store_free_paths(char **paths, size_t count);

/* Creates a new token file in directory with a fresh random serial and
 * master key, wrapped under the SO PIN. The user PIN is not set. */
store_status
store_token_create(const char *directory, const char label[STORE_LABEL_BYTES],
                   const unsigned char *so_pin, size_t so_pin_length,
                   const store_token_options *options, store_token **out);

/* Opens an existing token file. STORE_ERR_CORRUPT / _VERSION if the file
 * is not a readable guardhsm token; never crashes on a damaged file. */
store_status store_token_open(const char *path, store_token **out);

void store_token_close(store_token *token);

/* Re-initialises a token (C_InitToken on an existing token): checks the SO
 * PIN (counting failures), then in one transaction destroys every object,
 * sets the new label, replaces the master key (wrapped under the SO PIN)
 * and forgets the user PIN. Logs out. */
store_status store_token_reinitialise(store_token *token,
                                      const unsigned char *so_pin,
                                      size_t so_pin_length,
                                      const char label[STORE_LABEL_BYTES]);

/* Deletes the token file and its WAL/SHM side files, and closes token. */
store_status store_token_delete(store_token *token);

typedef struct store_token_info {
	char label[STORE_LABEL_BYTES];
	char serial[STORE_SERIAL_BYTES];
	bool user_pin_initialised;
	uint32_t max_pin_tries;
	uint32_t user_failures; /* consecutive failed user logins */
	uint32_t so_failures;
	uint64_t object_count; /* public + private token objects */
	char path[4096];
} store_token_info;

/* Reads the token's public information, refreshing from disk first. */
store_status store_token_get_info(store_token *token, store_token_info *info);

/* If another connection (process) committed since the last call, reloads
 * cached metadata and sets *changed (may be NULL). A cheap PRAGMA
 * data_version when nothing changed. *changed also reports what other
 * store calls noticed since the last report (each one refreshes: a write
 * in its own transaction), so no change goes unreported. */
store_status store_token_refresh(store_token *token, bool *changed);

/* Whether a store call noticed another connection's commit since the last
 * store_token_refresh or store_token_take_change (and forgets it), without
 * reading the file: for a caller that lets a write's own refresh stand in
 * for store_token_refresh (that saves a read transaction). */
bool store_token_take_change(store_token *token);

/* ---- PINs and login ----------------------------------------------------- */

/* Checks the PIN of user. The failure counter is incremented durably
 * BEFORE the check (so killing the process mid-check still counts) and
 * reset on success. STORE_ERR_PIN_LOCKED without checking once the counter
 * reached max_pin_tries. On success the master key is held (sealed in the
 * enclave) and private records become readable; store_logged_in() is true
 * until store_logout. */
store_status store_login(store_token *token, store_user user,
                         const unsigned char *pin, size_t pin_length);
void store_logout(store_token *token);
bool store_logged_in(const store_token *token);

/* Sets the user PIN (C_InitPIN): requires a login (normally the SO's).
 * Resets the user failure counter. */
store_status store_init_user_pin(store_token *token, const unsigned char *pin,
                                 size_t pin_length);

/* Changes user's PIN after checking the old one (counting failures like
 * store_login). Does not require or change the login state. */
store_status store_set_pin(store_token *token, store_user user,
                           const unsigned char *old_pin, size_t old_length,
                           const unsigned char *new_pin, size_t new_length);

/* ---- Objects ------------------------------------------------------------ */

typedef int64_t store_object_id; /* > 0; stable, never reused in a file */

#define STORE_UNIQUE_ID_BYTES 16

typedef struct store_attribute {
	uint64_t type;        /* a CK_ATTRIBUTE_TYPE value */
	bool sensitive;       /* value is in sealed, not in value */
	unsigned char *value; /* plain value (may be NULL if length 0) */
	size_t length;
	enc_sealed *sealed; /* sensitive value, sealed by the enclave */
} store_attribute;

/* The values the blind index is built from; the caller extracts them from
 * the object's attributes (CKA_CLASS, CKA_ID, CKA_LABEL). */
typedef struct store_index {
	bool has_class;
	uint64_t object_class;
	bool has_id;
	const unsigned char *id;
	size_t id_length;
	bool has_label;
	const unsigned char *label;
	size_t label_length;
} store_index;

/* Stores a new object in one durable transaction. A private object needs
 * the master key (STORE_ERR_NOT_LOGGED_IN otherwise). unique_id is the
 * object's CKA_UNIQUE_ID (the store fills it with fresh random bytes if
 * all zero on entry, and returns it). The store does not look for other
 * objects with a caller-chosen unique id (an index for that would cost a
 * page written per object): give all zero or fresh random bytes. */
store_status store_object_create(store_token *token, bool is_private,
                                 const store_attribute *attributes,
                                 size_t count, const store_index *index,
                                 unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                                 store_object_id *id);

/* store_object_create for a list relative to the caller's defaults:
 * defaults is the caller's number (not 0) for the rules that give the
 * attributes it left out (the token layer's defaults table version), or 0
 * for a complete list. It is sealed with the record, bound to every
 * attribute, and given back by store_object_load_ex, so a record cannot
 * be read with other defaults than it was written with. A list relative
 * to defaults must not be empty (STORE_ERR_INVALID). */
store_status
store_object_create_ex(store_token *token, bool is_private, uint32_t defaults,
                       const store_attribute *attributes, size_t count,
                       const store_index *index,
                       unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                       store_object_id *id);

/* Replaces all attributes of an object (after C_SetAttributeValue). */
store_status store_object_update(store_token *token, store_object_id id,
                                 const store_attribute *attributes,
                                 size_t count, const store_index *index);
/* The same relative to defaults (see store_object_create_ex). */
store_status store_object_update_ex(store_token *token, store_object_id id,
                                    uint32_t defaults,
                                    const store_attribute *attributes,
                                    size_t count, const store_index *index);

store_status store_object_delete(store_token *token, store_object_id id);

/* Loads and authenticates an object. Private ones need the master key.
 * *attributes is malloc'd; free with store_attributes_free. Only for
 * complete lists: a record written relative to defaults gives
 * STORE_ERR_VERSION (use store_object_load_ex). */
store_status store_object_load(store_token *token, store_object_id id,
                               bool *is_private,
                               unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                               store_attribute **attributes, size_t *count);
/* Any record: *defaults is what it was written with (0: complete list;
 * records of the formats before 3 are complete). */
store_status
store_object_load_ex(store_token *token, store_object_id id, bool *is_private,
                     unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                     uint32_t *defaults, store_attribute **attributes,
                     size_t *count);
void store_attributes_free(store_attribute *attributes, size_t count);

/* The ids of objects whose index values equal every field present in
 * query (all objects if none is present), ascending. Private objects are
 * included only while logged in. Candidates only: this function does not
 * check the index rows' MACs, so the caller checks loaded attributes.
 * *ids is malloc'd (free()). */
store_status store_object_find(store_token *token, const store_index *query,
                               store_object_id **ids, size_t *count);

/* As store_object_find, but every index row is authenticated: each row
 * carries a MAC (keyed BLAKE2b-128 under a subkey of the object's
 * visibility: the master key's for private objects, the public secret's
 * for public ones) over the token, the object id, its unique id, its
 * privacy and its class, id and label tags, written by create and update.
 * A row whose MAC does not verify, or whose tags are not those of the
 * query under the row's own keys, is silently left out (not an error).
 * So the results are authenticated: each object in *ids was stored
 * through this store with exactly the query's values for every field
 * present in query, and has at the same position the unique id in
 * *unique_ids (count x STORE_UNIQUE_ID_BYTES bytes) and its privacy in
 * *is_private (count bools; the privacy its record is sealed with). A
 * caller whose template holds only indexed attributes (CKA_CLASS, CKA_ID,
 * CKA_LABEL, plus CKA_TOKEN and CKA_PRIVATE, which the row's existence
 * and privacy answer) need not load the records. For public objects the
 * same caveat as for public records holds: someone who can read the file
 * (it holds the public secret) can forge their rows. Neither this nor
 * anything else detects a rollback of the whole file, or of one row to
 * an earlier version of itself. unique_ids and is_private may be NULL
 * (not wanted). The arrays are malloc'd (free()); NULL when count is 0. */
store_status store_object_find_verified(store_token *token,
                                        const store_index *query,
                                        store_object_id **ids,
                                        unsigned char **unique_ids,
                                        bool **is_private, size_t *count);

/* ---- Batches ------------------------------------------------------------ */

/* A batch groups many object writes into one durable commit: begin takes
 * the database's write lock (BEGIN IMMEDIATE, waiting up to the busy
 * timeout for another connection's write, else STORE_ERR_IO), and every
 * object create, update or delete through this handle until the end runs
 * as a savepoint inside it: a write that fails undoes only itself, and
 * one that succeeds is visible through this handle at once but durable,
 * and visible to other connections, only when the batch commits. Other
 * connections can read meanwhile (the state before the batch) but not
 * write: theirs wait for the busy timeout, then fail with STORE_ERR_IO.
 *
 * The PIN functions (store_login, store_set_pin, store_init_user_pin,
 * store_token_reinitialise) refuse with STORE_ERR_BATCH_OPEN while a
 * batch is open: a failure counter must be durable before its check.
 * Beginning a second batch: STORE_ERR_BATCH_OPEN. */
store_status store_batch_begin(store_token *token);

/* Ends the open batch (STORE_ERR_NO_BATCH if none): commit makes every
 * write in it durable in one transaction; !commit undoes them all (ids
 * the batch used are still never given out again). A batch SQLite had to
 * roll back after a failing write (disk full, I/O error) or a failing
 * commit is reported as STORE_ERR_IO: nothing of it was stored. Either
 * way the batch is over. store_token_close with a batch open rolls it
 * back, as a crash of the process would. */
store_status store_batch_end(store_token *token, bool commit);

/* ---- Tests only -----------------------------------------------------------
 */

/* Lets unit tests use Argon2id limits below INTERACTIVE (for speed under
 * valgrind). Never called by the module. */
void store_testing_allow_weak_kdf(bool allow);

#endif /* GUARDHSM_STORE_H */
