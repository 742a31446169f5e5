/* SQLite plumbing: status mapping, transactions, the meta table, and the
 * refresh that notices other connections' commits. */
#include "config.h"

#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

const char *store_strerror(store_status status)
{
	switch (status) {
	case STORE_OK:
		return "success";
	case STORE_ERR_INVALID:
		return "invalid argument";
	case STORE_ERR_NOMEM:
		return "out of memory";
	case STORE_ERR_IO:
		return "database or file system failure";
	case STORE_ERR_CORRUPT:
		return "token file corrupt or not a token";
	case STORE_ERR_VERSION:
		return "unsupported token file version";
	case STORE_ERR_PIN_INCORRECT:
		return "PIN incorrect";
	case STORE_ERR_PIN_LOCKED:
		return "PIN locked";
	case STORE_ERR_PIN_NOT_SET:
		return "user PIN not initialised";
	case STORE_ERR_NOT_LOGGED_IN:
		return "not logged in";
	case STORE_ERR_NOT_FOUND:
		return "no such object";
	case STORE_ERR_ENCLAVE:
		return "enclave failure";
	case STORE_ERR_BATCH_OPEN:
		return "a batch is open on the token";
	case STORE_ERR_NO_BATCH:
		return "no batch is open on the token";
	}
	return "unknown store status";
}

store_status store_sqlite_status(int result)
{
	switch (result & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return STORE_OK;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	/* A file whose schema lacks our tables or columns is not a
	 * token (a prepare fails with SQLITE_ERROR there); a SQL error in
	 * our own fixed statements cannot happen otherwise. */
	case SQLITE_ERROR:
	case SQLITE_SCHEMA:
	case SQLITE_MISMATCH:
	case SQLITE_FORMAT:
		return STORE_ERR_CORRUPT;
	case SQLITE_NOMEM:
		return STORE_ERR_NOMEM;
	case SQLITE_CONSTRAINT:
		return STORE_ERR_INVALID;
	default:
		return STORE_ERR_IO;
	}
}

void store_lock(store_token *token)
{
	pthread_mutex_lock(&token->mutex);
	store_batch_check(token);
}

void store_unlock(store_token *token)
{
	pthread_mutex_unlock(&token->mutex);
}

void store_logout_locked(store_token *token)
{
	enc_sealed_free(token->master);
	token->master = NULL;
	memset(token->login_epoch, 0, sizeof(token->login_epoch));
	/* The private subkeys go with the master key. */
	store_keys_forget(token);
}

store_status store_exec(store_token *token, const char *sql)
{
	return store_sqlite_status(
	        sqlite3_exec(token->database, sql, NULL, NULL, NULL));
}

store_status store_prepare(store_token *token, const char *sql,
                           sqlite3_stmt **statement)
{
	*statement = NULL;
	return store_sqlite_status(
	        sqlite3_prepare_v2(token->database, sql, -1, statement, NULL));
}

store_status store_statement(store_token *token, int which, const char *sql,
                             sqlite3_stmt **statement)
{
	*statement = NULL;
	if (which < 0 || which >= STORE_SQL_STATEMENTS)
		return STORE_ERR_INVALID;
	if (token->statements[which] == NULL) {
		sqlite3_stmt *prepared = NULL;
		int result = sqlite3_prepare_v3(token->database, sql, -1,
		                                SQLITE_PREPARE_PERSISTENT,
		                                &prepared, NULL);
		if (result != SQLITE_OK) {
			sqlite3_finalize(prepared);
			return store_sqlite_status(result);
		}
		/* An empty statement (never ours) would be NULL. */
		if (prepared == NULL)
			return STORE_ERR_CORRUPT;
		token->statements[which] = prepared;
	}
	*statement = token->statements[which];
	return STORE_OK;
}

void store_release(sqlite3_stmt *statement)
{
	if (statement == NULL)
		return;
	/* reset reports the last step's error again: already handled. */
	sqlite3_reset(statement);
	sqlite3_clear_bindings(statement);
}

void store_finalize_statements(store_token *token)
{
	for (int i = 0; i < STORE_SQL_STATEMENTS; i++) {
		sqlite3_finalize(token->statements[i]);
		token->statements[i] = NULL;
	}
}

store_status store_run(store_token *token, int which, const char *sql)
{
	sqlite3_stmt *statement;
	store_status status = store_statement(token, which, sql, &statement);
	if (status != STORE_OK)
		return status;
	status = store_sqlite_status(sqlite3_step(statement));
	store_release(statement);
	return status;
}

store_status store_begin(store_token *token)
{
	if (token->batch_open)
		return store_batch_write_begin(token);
	return store_run(token, STORE_SQL_BEGIN_IMMEDIATE, "BEGIN IMMEDIATE");
}

store_status store_commit(store_token *token)
{
	if (token->batch_write)
		return store_batch_write_end(token, true);
	store_status status = store_run(token, STORE_SQL_COMMIT, "COMMIT");
	if (status != STORE_OK)
		store_rollback(token);
	return status;
}

void store_rollback(store_token *token)
{
	if (token->batch_write) {
		store_batch_write_end(token, false);
		return;
	}
	/* Only store_batch_end ends a batch's own transaction. */
	if (token->batch_open && !token->batch_lost)
		return;
	/* Fails harmlessly if SQLite already rolled back after an error. */
	if (!sqlite3_get_autocommit(token->database))
		store_run(token, STORE_SQL_ROLLBACK, "ROLLBACK");
}

/* Steps a "SELECT value FROM meta WHERE name = ?" statement; on STORE_OK
 * the caller reads the row and releases *statement. */
static store_status meta_select(store_token *token, const char *name,
                                sqlite3_stmt **statement)
{
	store_status status = store_statement(
	        token, STORE_SQL_META_SELECT,
	        "SELECT value FROM meta WHERE name = ?", statement);
	if (status != STORE_OK)
		return status;
	sqlite3_bind_text(*statement, 1, name, -1, SQLITE_STATIC);
	int result = sqlite3_step(*statement);
	if (result == SQLITE_ROW)
		return STORE_OK;
	store_release(*statement);
	*statement = NULL;
	if (result == SQLITE_DONE)
		return STORE_ERR_NOT_FOUND;
	return store_sqlite_status(result);
}

store_status store_meta_get_integer(store_token *token, const char *name,
                                    int64_t *value)
{
	sqlite3_stmt *statement;
	store_status status = meta_select(token, name, &statement);
	if (status != STORE_OK)
		return status;
	if (sqlite3_column_type(statement, 0) != SQLITE_INTEGER)
		status = STORE_ERR_CORRUPT;
	else
		*value = sqlite3_column_int64(statement, 0);
	store_release(statement);
	return status;
}

store_status store_meta_get_blob(store_token *token, const char *name,
                                 unsigned char **value, size_t *length)
{
	*value = NULL;
	*length = 0;
	sqlite3_stmt *statement;
	store_status status = meta_select(token, name, &statement);
	if (status != STORE_OK)
		return status;
	if (sqlite3_column_type(statement, 0) != SQLITE_BLOB) {
		store_release(statement);
		return STORE_ERR_CORRUPT;
	}
	const void *data = sqlite3_column_blob(statement, 0);
	int size = sqlite3_column_bytes(statement, 0);
	if (size > 0) {
		*value = malloc((size_t)size);
		if (*value == NULL) {
			status = STORE_ERR_NOMEM;
		} else {
			memcpy(*value, data, (size_t)size);
			*length = (size_t)size;
		}
	}
	store_release(statement);
	return status;
}

store_status store_meta_get_fixed(store_token *token, const char *name,
                                  unsigned char *value, size_t length)
{
	sqlite3_stmt *statement;
	store_status status = meta_select(token, name, &statement);
	if (status != STORE_OK)
		return status;
	if (sqlite3_column_type(statement, 0) != SQLITE_BLOB) {
		store_release(statement);
		return STORE_ERR_CORRUPT;
	}
	const void *data = sqlite3_column_blob(statement, 0);
	int size = sqlite3_column_bytes(statement, 0);
	if (size < 0 || (size_t)size != length || (size > 0 && data == NULL))
		status = sqlite3_errcode(token->database) == SQLITE_NOMEM
		                 ? STORE_ERR_NOMEM
		                 : STORE_ERR_CORRUPT;
	else if (length != 0)
		memcpy(value, data, length);
	store_release(statement);
	return status;
}

static store_status meta_set(store_token *token, const char *name,
                             const void *blob, size_t length, int64_t integer,
                             bool is_blob)
{
	sqlite3_stmt *statement;
	store_status status = store_statement(
	        token, STORE_SQL_META_SET,
	        "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
	        &statement);
	if (status != STORE_OK)
		return status;
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	if (is_blob)
		sqlite3_bind_blob(statement, 2, blob, (int)length,
		                  SQLITE_STATIC);
	else
		sqlite3_bind_int64(statement, 2, integer);
	status = store_sqlite_status(sqlite3_step(statement));
	store_release(statement);
	return status;
}

store_status store_meta_set_integer(store_token *token, const char *name,
                                    int64_t value)
{
	return meta_set(token, name, NULL, 0, value, false);
}

store_status store_meta_set_blob(store_token *token, const char *name,
                                 const void *value, size_t length)
{
	/* A zero-length blob must still be a blob, not NULL. */
	static const unsigned char empty[1];
	return meta_set(token, name, length ? value : empty, length, 0, true);
}

store_status store_meta_delete(store_token *token, const char *name)
{
	sqlite3_stmt *statement;
	store_status status =
	        store_statement(token, STORE_SQL_META_DELETE,
	                        "DELETE FROM meta WHERE name = ?", &statement);
	if (status != STORE_OK)
		return status;
	sqlite3_bind_text(statement, 1, name, -1, SQLITE_STATIC);
	status = store_sqlite_status(sqlite3_step(statement));
	store_release(statement);
	return status;
}

/* A counter or limit: absent or out of range means a damaged file. */
static store_status get_bounded(store_token *token, const char *name,
                                int64_t minimum, int64_t maximum,
                                int64_t *value)
{
	store_status status = store_meta_get_integer(token, name, value);
	if (status == STORE_ERR_NOT_FOUND)
		return STORE_ERR_CORRUPT;
	if (status == STORE_OK && (*value < minimum || *value > maximum))
		return STORE_ERR_CORRUPT;
	return status;
}

static store_status fixed_required(store_token *token, const char *name,
                                   unsigned char *value, size_t length)
{
	store_status status = store_meta_get_fixed(token, name, value, length);
	return status == STORE_ERR_NOT_FOUND ? STORE_ERR_CORRUPT : status;
}

/* Reads and checks every meta row into the cache. Nothing in the cache
 * changes unless all rows are good. */
static store_status load_meta(store_token *token)
{
	int64_t version;
	store_status status =
	        store_meta_get_integer(token, "format_version", &version);
	if (status == STORE_ERR_NOT_FOUND)
		return STORE_ERR_CORRUPT;
	if (status != STORE_OK)
		return status;
	if (version < STORE_FORMAT_VERSION_OLDEST ||
	    version > STORE_FORMAT_VERSION)
		return STORE_ERR_VERSION;

	unsigned char token_uid[STORE_UID_BYTES];
	unsigned char serial[STORE_SERIAL_BYTES];
	unsigned char label[STORE_LABEL_BYTES];
	unsigned char epoch[STORE_EPOCH_BYTES];
	unsigned char public_secret[STORE_PUBLIC_SECRET_BYTES];
	unsigned char salt[STORE_SALT_BYTES];
	unsigned char wrapped[STORE_WRAPPED_BYTES];
	int64_t tries, user_failures, so_failures, opslimit, memlimit, id_floor;
	if ((status = fixed_required(token, "token_uid", token_uid,
	                             sizeof token_uid)) != STORE_OK ||
	    (status = fixed_required(token, "serial", serial, sizeof serial)) !=
	            STORE_OK ||
	    (status = fixed_required(token, "label", label, sizeof label)) !=
	            STORE_OK ||
	    (status = fixed_required(token, "key_epoch", epoch,
	                             sizeof epoch)) != STORE_OK ||
	    (status = fixed_required(token, "public_secret", public_secret,
	                             sizeof public_secret)) != STORE_OK ||
	    (status = fixed_required(token, "so_salt", salt, sizeof salt)) !=
	            STORE_OK ||
	    (status = fixed_required(token, "so_wrapped", wrapped,
	                             sizeof wrapped)) != STORE_OK ||
	    (status = get_bounded(token, "max_pin_tries", 1,
	                          STORE_MAX_PIN_TRIES, &tries)) != STORE_OK ||
	    (status = get_bounded(token, "user_failures", 0, UINT32_MAX,
	                          &user_failures)) != STORE_OK ||
	    (status = get_bounded(token, "so_failures", 0, UINT32_MAX,
	                          &so_failures)) != STORE_OK ||
	    (status = get_bounded(token, "kdf_opslimit",
	                          crypto_pwhash_argon2id_OPSLIMIT_MIN,
	                          crypto_pwhash_argon2id_OPSLIMIT_MAX,
	                          &opslimit)) != STORE_OK ||
	    (status = get_bounded(token, "kdf_memlimit",
	                          crypto_pwhash_argon2id_MEMLIMIT_MIN,
	                          (int64_t)crypto_pwhash_argon2id_MEMLIMIT_MAX,
	                          &memlimit)) != STORE_OK ||
	    (status = get_bounded(token, "id_floor", 0, INT64_MAX,
	                          &id_floor)) != STORE_OK)
		return status;
	for (size_t i = 0; i < sizeof serial; i++)
		if (!((serial[i] >= '0' && serial[i] <= '9') ||
		      (serial[i] >= 'a' && serial[i] <= 'f')))
			return STORE_ERR_CORRUPT;

	/* The user PIN's salt and wrapping exist together or not at all. */
	status = store_meta_get_fixed(token, "user_salt", salt, sizeof salt);
	bool user_salt = status == STORE_OK;
	if (status != STORE_OK && status != STORE_ERR_NOT_FOUND)
		return status;
	status = store_meta_get_fixed(token, "user_wrapped", wrapped,
	                              sizeof wrapped);
	bool user_wrapped = status == STORE_OK;
	if (status != STORE_OK && status != STORE_ERR_NOT_FOUND)
		return status;
	if (user_salt != user_wrapped)
		return STORE_ERR_CORRUPT;

	/* The public secret is fixed for the file's life: seal it once. */
	if (token->public_secret == NULL) {
		status = store_enclave_status(
		        enc_seal_bytes(public_secret, sizeof public_secret,
		                       NULL, 0, &token->public_secret));
		if (status != STORE_OK)
			return status;
	}

	/* Another connection re-initialised the token: the master key we
	 * hold is no longer the token's. */
	if (token->master != NULL &&
	    memcmp(token->login_epoch, epoch, sizeof epoch) != 0)
		store_logout_locked(token);
	memcpy(token->token_uid, token_uid, sizeof token_uid);
	memcpy(token->serial, serial, sizeof serial);
	memcpy(token->label, label, sizeof label);
	memcpy(token->key_epoch, epoch, sizeof epoch);
	token->max_pin_tries = (uint32_t)tries;
	token->user_failures = (uint32_t)user_failures;
	token->so_failures = (uint32_t)so_failures;
	token->kdf_opslimit = (uint64_t)opslimit;
	token->kdf_memlimit = (size_t)memlimit;
	token->id_floor = id_floor;
	token->format_version = version;
	token->user_pin_set = user_wrapped;
	return STORE_OK;
}

static store_status read_data_version(store_token *token, int64_t *version)
{
	sqlite3_stmt *statement;
	store_status status =
	        store_statement(token, STORE_SQL_DATA_VERSION,
	                        "PRAGMA data_version", &statement);
	if (status != STORE_OK)
		return status;
	int result = sqlite3_step(statement);
	if (result == SQLITE_ROW)
		*version = sqlite3_column_int64(statement, 0);
	else
		status = result == SQLITE_DONE ? STORE_ERR_IO
		                               : store_sqlite_status(result);
	store_release(statement);
	return status;
}

/* A new handle starts with data_version -1, which SQLite never returns,
 * so its first refresh always loads the meta. */
store_status store_refresh_locked(store_token *token, bool *changed)
{
	if (changed != NULL)
		*changed = false;
	int64_t version;
	store_status status = read_data_version(token, &version);
	if (status != STORE_OK)
		return status;
	if (version == token->data_version)
		return STORE_OK;
	/* Another connection may have added objects. */
	token->known_highest_id = -1;
	bool in_transaction = !sqlite3_get_autocommit(token->database);
	/* Read the meta rows from one snapshot. */
	if (!in_transaction &&
	    (status = store_run(token, STORE_SQL_BEGIN, "BEGIN")) != STORE_OK)
		return status;
	status = read_data_version(token, &version);
	if (status == STORE_OK)
		status = load_meta(token);
	if (!in_transaction)
		store_rollback(token);
	if (status != STORE_OK)
		return status;
	token->data_version = version;
	token->change_unreported = true;
	if (changed != NULL)
		*changed = true;
	return STORE_OK;
}

store_status store_token_refresh(store_token *token, bool *changed)
{
	if (changed != NULL)
		*changed = false;
	if (token == NULL)
		return STORE_ERR_INVALID;
	store_lock(token);
	store_status status = store_refresh_locked(token, NULL);
	if (status == STORE_OK) {
		if (changed != NULL)
			*changed = token->change_unreported;
		token->change_unreported = false;
	}
	store_unlock(token);
	return status;
}

bool store_token_take_change(store_token *token)
{
	if (token == NULL)
		return false;
	store_lock(token);
	bool changed = token->change_unreported;
	token->change_unreported = false;
	store_unlock(token);
	return changed;
}
