/*
 * Internals of the token store, shared by its source files:
 *  - database.c: open/create, schema, meta, transactions, refresh;
 *  - keys.c:     subkey derivation and blind index tags;
 *  - pin.c:      Argon2id, master-key wrapping, failure counters, login;
 *  - record.c:   the sealed record format (record_v1.c: the old one);
 *  - objects.c:  object create/update/delete/load/find;
 *  - batch.c:    a caller's batch transaction around many writes.
 */
#ifndef GUARDHSM_STORE_INTERNAL_H
#define GUARDHSM_STORE_INTERNAL_H

#include "store/store.h"

#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>

/* The token file's format: 3 since records moved to version 3 (record.c:
 * records relative to the caller's defaults), 2 for version 2 records.
 * Format 1 and 2 files are still read; the first object written to one
 * raises it to 3, so older builds refuse the file (STORE_ERR_VERSION)
 * rather than find records they cannot read. */
#define STORE_FORMAT_VERSION 3
#define STORE_FORMAT_VERSION_OLDEST 1
#define STORE_UID_BYTES 16
#define STORE_MASTER_BYTES crypto_kdf_KEYBYTES /* 32 */
#define STORE_PUBLIC_SECRET_BYTES 32
#define STORE_SALT_BYTES crypto_pwhash_SALTBYTES /* 16 */
#define STORE_EPOCH_BYTES 16
#define STORE_WRAP_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define STORE_WRAP_TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
/* nonce || ciphertext of the master key || tag */
#define STORE_WRAPPED_BYTES                                                    \
	(STORE_WRAP_NONCE_BYTES + STORE_MASTER_BYTES + STORE_WRAP_TAG_BYTES)
#define STORE_TAG_BYTES 16 /* blind index tags: BLAKE2b-128 */
#define STORE_DEFAULT_PIN_TRIES 10
/* A sanity bound on a stored retry limit, so a damaged file cannot make
 * the counter meaningless. */
#define STORE_MAX_PIN_TRIES 1000000
#define STORE_ROW_MAC_BYTES 16 /* keyed BLAKE2b-128 over an index row */

/* The statements a token keeps prepared (SQLITE_PREPARE_PERSISTENT) from
 * first use to close. The find statements come in every combination of
 * query fields, login state and selected columns. */
enum store_statement_id {
	STORE_SQL_BEGIN = 0,
	STORE_SQL_BEGIN_IMMEDIATE,
	STORE_SQL_COMMIT,
	STORE_SQL_ROLLBACK,
	STORE_SQL_SAVEPOINT, /* batch.c: one write inside a batch */
	STORE_SQL_RELEASE,
	STORE_SQL_ROLLBACK_TO,
	STORE_SQL_DATA_VERSION,
	STORE_SQL_META_SELECT,
	STORE_SQL_META_SET,
	STORE_SQL_META_DELETE,
	STORE_SQL_COUNT_OBJECTS,
	STORE_SQL_MAX_ID,
	STORE_SQL_READ_HEADER,
	STORE_SQL_INSERT,
	STORE_SQL_UPDATE,
	STORE_SQL_DELETE,
	STORE_SQL_LOAD,
	STORE_SQL_FIND_FIRST,
	/* bit 0: class, 1: id, 2: label, 3: logged in, 4: verified */
	STORE_SQL_FIND_VARIANTS = 32,
	STORE_SQL_STATEMENTS = STORE_SQL_FIND_FIRST + STORE_SQL_FIND_VARIANTS,
};

struct store_token {
	pthread_mutex_t mutex; /* serialises every call on this token */
	sqlite3 *database;     /* NOMUTEX: the mutex above guards it */
	char path[4096];
	int64_t data_version; /* PRAGMA data_version at the last reload */
	/* A reload happened that store_token_refresh has not reported. */
	bool change_unreported;
	int64_t format_version; /* meta "format_version" */

	/* Cached meta, reloaded by refresh when another connection wrote. */
	unsigned char token_uid[STORE_UID_BYTES];
	char serial[STORE_SERIAL_BYTES];
	char label[STORE_LABEL_BYTES];
	uint32_t max_pin_tries;
	uint32_t user_failures;
	uint32_t so_failures;
	bool user_pin_set;
	uint64_t kdf_opslimit;
	size_t kdf_memlimit;
	/* Object ids up to this one are used up (objects.c: next_id). */
	int64_t id_floor;
	/* At least the highest object id present, while no other connection
	 * has committed since (-1: unknown; objects.c: next_id). */
	int64_t known_highest_id;
	/* Random, replaced by every re-initialisation: a held master key
	 * belongs to the epoch it was unwrapped in. */
	unsigned char key_epoch[STORE_EPOCH_BYTES];

	/* Stored in clear in the file, but kept sealed here anyway so that
	 * the public subkeys derived from it only ever exist in the enclave. */
	enc_sealed *public_secret;

	/* The derived subkeys (keys.c): one enclave buffer, NOACCESS between
	 * calls and READONLY during one. The public ones live from first use
	 * to close, the private ones from first use after a login to the
	 * logout (which frees the whole buffer). */
	enc_buffer *subkeys;
	bool subkeys_public;
	bool subkeys_private;

	/* Prepared statements, finalized by close (database.c). */
	sqlite3_stmt *statements[STORE_SQL_STATEMENTS];

	/* Login state: the master key, sealed, while someone is logged in. */
	enc_sealed *master;
	unsigned char login_epoch[STORE_EPOCH_BYTES];

	/* A batch (batch.c): one write transaction from store_batch_begin
	 * to store_batch_end, each write in it a savepoint. */
	bool batch_open;
	bool batch_lost;  /* SQLite rolled the whole batch back (an error) */
	bool batch_write; /* the write in progress is a savepoint */
};

/* ---- database.c --------------------------------------------------------- */

store_status store_sqlite_status(int result);
/* A write transaction: BEGIN IMMEDIATE ... COMMIT, or inside an open
 * batch a savepoint released into the batch (store_rollback then undoes
 * only this write, never the batch). */
store_status store_begin(store_token *token);
store_status store_commit(store_token *token);
void store_rollback(store_token *token);
/* Steps the cached statement which (prepared from sql on first use). */
store_status store_run(store_token *token, int which, const char *sql);
/* Runs one statement without results. */
store_status store_exec(store_token *token, const char *sql);
store_status store_prepare(store_token *token, const char *sql,
                           sqlite3_stmt **statement);
/* The cached statement number which for sql (prepared on first use).
 * Give it back with store_release (reset, bindings cleared) before the
 * call returns. */
store_status store_statement(store_token *token, int which, const char *sql,
                             sqlite3_stmt **statement);
void store_release(sqlite3_stmt *statement);
/* Finalizes every cached statement (before closing the connection). */
void store_finalize_statements(store_token *token);

store_status store_meta_get_integer(store_token *token, const char *name,
                                    int64_t *value);
/* *value is malloc'd (NULL and 0 for an empty blob). STORE_ERR_NOT_FOUND
 * if the row is absent; a row of another type is corrupt. */
store_status store_meta_get_blob(store_token *token, const char *name,
                                 unsigned char **value, size_t *length);
/* Exactly length bytes into value, else corrupt (absent: NOT_FOUND). */
store_status store_meta_get_fixed(store_token *token, const char *name,
                                  unsigned char *value, size_t length);
store_status store_meta_set_integer(store_token *token, const char *name,
                                    int64_t value);
store_status store_meta_set_blob(store_token *token, const char *name,
                                 const void *value, size_t length);
store_status store_meta_delete(store_token *token, const char *name);

/* The refresh of store_token_refresh, with the mutex held. Also used right
 * after BEGIN IMMEDIATE so a mutation sees the latest meta. */
store_status store_refresh_locked(store_token *token, bool *changed);

void store_lock(store_token *token);
void store_unlock(store_token *token);
/* Forgets the master key (mutex held). */
void store_logout_locked(store_token *token);

/* ---- batch.c ------------------------------------------------------------ */

/* Inside an open batch: a write's savepoint, and its release (commit) or
 * undoing. A batch SQLite rolled back after an error is "lost": writes
 * then fail (STORE_ERR_IO) until store_batch_end reports it. */
store_status store_batch_write_begin(store_token *token);
store_status store_batch_write_end(store_token *token, bool commit);
/* With the mutex taken: notices a batch SQLite has rolled back. */
void store_batch_check(store_token *token);
/* STORE_ERR_BATCH_OPEN while a batch is open: for the PIN functions,
 * whose failure counters must be durable before a check. */
store_status store_no_batch(const store_token *token);

/* ---- keys.c ------------------------------------------------------------- */

/* Offsets of the subkeys in the token's subkey buffer. */
enum {
	STORE_KEY_PUBLIC_RECORD = 0,
	STORE_KEY_PUBLIC_INDEX = 32,
	STORE_KEY_PUBLIC_ROW = 64,
	STORE_KEY_PRIVATE_RECORD = 96,
	STORE_KEY_PRIVATE_INDEX = 128,
	STORE_KEY_PRIVATE_ROW = 160,
	/* Not a key of its own: room for a record's XChaCha20 subkey
	 * (record.c), wiped before the call returns. */
	STORE_KEY_SCRATCH = 192,
	STORE_KEYS_BYTES = 224,
};
#define STORE_SCRATCH_BYTES 32

/* The subkeys for one store call: the token's subkey buffer, made
 * READONLY (READWRITE with_scratch) by store_keys_open, deriving what is
 * missing, and NOACCESS again by store_keys_close. The private ones only
 * if with_private (which needs the master key: STORE_ERR_NOT_LOGGED_IN
 * otherwise). The mutex must be held from open to close. */
typedef struct store_keys {
	enc_buffer *buffer;
	bool has_private;
} store_keys;

store_status store_keys_open(store_token *token, bool with_private,
                             bool with_scratch, store_keys *keys);
void store_keys_close(store_keys *keys);
/* Frees the token's subkeys (logout, epoch change, close). */
void store_keys_forget(store_token *token);
const unsigned char *store_record_key(const store_keys *keys, bool is_private);
const unsigned char *store_index_key(const store_keys *keys, bool is_private);
const unsigned char *store_row_key(const store_keys *keys, bool is_private);
/* STORE_SCRATCH_BYTES of enclave memory (keys opened with_scratch). */
unsigned char *store_keys_scratch(const store_keys *keys);

/* Blind index tag: keyed BLAKE2b-128 of domain || value. */
store_status store_blind_tag(const unsigned char *index_key, char domain,
                             const unsigned char *value, size_t length,
                             unsigned char tag[STORE_TAG_BYTES]);
store_status store_class_tag(const unsigned char *index_key,
                             uint64_t object_class,
                             unsigned char tag[STORE_TAG_BYTES]);

store_status store_enclave_status(enc_status status);
void store_put_u32(unsigned char *out, uint32_t value);
void store_put_u64(unsigned char *out, uint64_t value);
uint32_t store_get_u32(const unsigned char *in);
uint64_t store_get_u64(const unsigned char *in);

/* ---- pin.c -------------------------------------------------------------- */

store_status store_kdf_check_limits(uint64_t opslimit, size_t memlimit);
/* Wraps the master key (32 bytes in an enclave buffer) under pin with a
 * fresh salt; fills salt and wrapped. */
store_status store_wrap_master(const enc_buffer *master,
                               const unsigned char *token_uid, store_user user,
                               const unsigned char *pin, size_t pin_length,
                               uint64_t opslimit, size_t memlimit,
                               unsigned char salt[STORE_SALT_BYTES],
                               unsigned char wrapped[STORE_WRAPPED_BYTES]);

/* ---- objects.c ---------------------------------------------------------- */

/* Deletes every object (in an open write transaction), keeping their ids
 * from ever being given out again: *floor_id is the id floor to cache
 * once the transaction commits. */
store_status store_objects_delete_all(store_token *token, int64_t *floor_id);

/* ---- record.c ----------------------------------------------------------- */

/* Seals attributes into a new malloc'd record (version 3) relative to the
 * caller's defaults (store_object_create_ex; 0 if the list is complete,
 * and then only with count > 0). scratch: 32 bytes of writable enclave
 * memory for the record's subkey, wiped on return. */
store_status store_record_encode(
        const unsigned char *record_key, unsigned char *scratch,
        const unsigned char *token_uid, const unsigned char *unique_id,
        bool is_private, uint32_t defaults, const store_attribute *attributes,
        size_t count, unsigned char **record, size_t *record_length);
/* Authenticates and opens a record of version 3, 2 or 1 (the last two:
 * *defaults 0); STORE_ERR_CORRUPT on any defect. scratch as for
 * store_record_encode. */
store_status store_record_decode(const unsigned char *record_key,
                                 unsigned char *scratch,
                                 const unsigned char *token_uid,
                                 const unsigned char *unique_id,
                                 bool is_private, const unsigned char *record,
                                 size_t record_length, uint32_t *defaults,
                                 store_attribute **attributes, size_t *count);
/* record_v1.c: the same for version 1 records only. */
store_status
store_record_decode_v1(const unsigned char *record_key,
                       const unsigned char *token_uid,
                       const unsigned char *unique_id, bool is_private,
                       const unsigned char *record, size_t record_length,
                       store_attribute **attributes, size_t *count);
/* The random part of a version 2 or 3 record's nonces. */
#define STORE_RECORD_NONCE_BASE_BYTES 20

typedef struct index_tags {
	bool has_class, has_id, has_label;
	unsigned char class_tag[STORE_TAG_BYTES];
	unsigned char id_tag[STORE_TAG_BYTES];
	unsigned char label_tag[STORE_TAG_BYTES];
} index_tags;

/* index.c */
bool store_index_valid(const store_index *index);
store_status store_compute_tags(const unsigned char *index_key,
                                const store_index *index, index_tags *tags);
store_status store_row_mac(const unsigned char *row_key,
                           const unsigned char *token_uid, store_object_id id,
                           const unsigned char *unique_id, bool is_private,
                           const index_tags *tags,
                           unsigned char mac[STORE_ROW_MAC_BYTES]);
void store_bind_tag(sqlite3_stmt *statement, int position, bool present,
                    const unsigned char *tag);

#endif /* GUARDHSM_STORE_INTERNAL_H */
