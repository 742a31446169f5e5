/* Batches: one write transaction around many object writes, so that a
 * caller who asks for it pays one durable commit (one fsync of the WAL)
 * per batch instead of one per object.
 *
 *   BEGIN IMMEDIATE; SAVEPOINT guardhsm_batch;
 *     SAVEPOINT guardhsm_write; ...write...; RELEASE guardhsm_write;
 *     SAVEPOINT guardhsm_write; ...fails...; ROLLBACK TO guardhsm_write;
 *                                            RELEASE guardhsm_write;
 *   COMMIT  (or: ROLLBACK TO guardhsm_batch; raise id_floor; COMMIT)
 *
 * store_begin/commit/rollback (database.c) turn into the inner savepoints
 * while a batch is open, so objects.c runs unchanged. The outer savepoint
 * lets a rollback undo the batch and still record, in the same
 * transaction under the same write lock, that its object ids are used up
 * (ids are never reused in a file, and the module may have handed out
 * handles for them). */
#include "config.h"

#include "store/internal.h"

void store_batch_check(store_token *token)
{
	/* SQLite ends the whole transaction itself after some errors
	 * (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM). */
	if (token->batch_open && !token->batch_lost &&
	    sqlite3_get_autocommit(token->database))
		token->batch_lost = true;
}

store_status store_no_batch(const store_token *token)
{
	return token->batch_open ? STORE_ERR_BATCH_OPEN : STORE_OK;
}

store_status store_batch_write_begin(store_token *token)
{
	store_batch_check(token);
	if (token->batch_lost)
		return STORE_ERR_IO;
	store_status status = store_run(token, STORE_SQL_SAVEPOINT,
	                                "SAVEPOINT guardhsm_write");
	if (status == STORE_OK)
		token->batch_write = true;
	return status;
}

store_status store_batch_write_end(store_token *token, bool commit)
{
	token->batch_write = false;
	store_status status = STORE_OK;
	if (commit)
		status = store_run(token, STORE_SQL_RELEASE,
		                   "RELEASE guardhsm_write");
	if (!commit || status != STORE_OK) {
		/* ROLLBACK TO keeps the savepoint open: release it too. */
		store_run(token, STORE_SQL_ROLLBACK_TO,
		          "ROLLBACK TO guardhsm_write");
		store_run(token, STORE_SQL_RELEASE, "RELEASE guardhsm_write");
	}
	store_batch_check(token);
	return status;
}

store_status store_batch_begin(store_token *token)
{
	if (token == NULL)
		return STORE_ERR_INVALID;
	store_lock(token);
	store_status status = store_no_batch(token);
	if (status == STORE_OK)
		status = store_begin(token);
	if (status == STORE_OK) {
		/* Fresh meta (id floor, format) for the writes to come. */
		status = store_refresh_locked(token, NULL);
		if (status == STORE_OK)
			status = store_exec(token, "SAVEPOINT guardhsm_batch");
		if (status == STORE_OK) {
			token->batch_open = true;
			token->batch_lost = false;
		} else {
			store_rollback(token);
		}
	}
	store_unlock(token);
	return status;
}

/* The highest object id the batch used: present now, or deleted in it
 * (a delete of the highest raised the cached floor). */
static store_status batch_highest_id(store_token *token, int64_t *highest)
{
	sqlite3_stmt *statement;
	store_status status =
	        store_prepare(token, "SELECT max(id) FROM objects", &statement);
	if (status != STORE_OK)
		return status;
	int result = sqlite3_step(statement);
	*highest = token->id_floor;
	if (result != SQLITE_ROW)
		status = store_sqlite_status(
		        result == SQLITE_DONE ? SQLITE_CORRUPT : result);
	else if (sqlite3_column_type(statement, 0) == SQLITE_INTEGER &&
	         sqlite3_column_int64(statement, 0) > *highest)
		*highest = sqlite3_column_int64(statement, 0);
	sqlite3_finalize(statement);
	return status;
}

/* Undoes the batch's writes inside its transaction and keeps its ids used
 * up; the caller commits. */
static store_status undo_writes(store_token *token, int64_t *floor_id)
{
	int64_t highest = 0;
	store_status status = batch_highest_id(token, &highest);
	if (status == STORE_OK)
		status = store_exec(token, "ROLLBACK TO guardhsm_batch");
	if (status != STORE_OK)
		return status;
	/* The cached meta may hold the batch's values (format version,
	 * floor): read it again from the state before the batch. */
	token->data_version = -1;
	status = store_refresh_locked(token, NULL);
	*floor_id = token->id_floor;
	if (status == STORE_OK && highest > token->id_floor) {
		status = store_meta_set_integer(token, "id_floor", highest);
		*floor_id = highest;
	}
	return status;
}

store_status store_batch_end(store_token *token, bool commit)
{
	if (token == NULL)
		return STORE_ERR_INVALID;
	store_lock(token);
	if (!token->batch_open) {
		store_unlock(token);
		return STORE_ERR_NO_BATCH;
	}
	store_status status = token->batch_lost ? STORE_ERR_IO : STORE_OK;
	int64_t floor_id = token->id_floor;
	if (status == STORE_OK && !commit)
		status = undo_writes(token, &floor_id);
	/* From here on store_commit and store_rollback end the transaction
	 * itself (COMMIT releases the savepoint). */
	token->batch_open = false;
	token->batch_lost = false;
	if (status == STORE_OK)
		status = store_commit(token);
	else
		store_rollback(token);
	if (status == STORE_OK) {
		token->id_floor = floor_id;
	} else {
		/* Nothing of the batch was stored: forget what the cache
		 * learnt from it. */
		token->data_version = -1;
		store_refresh_locked(token, NULL);
	}
	store_unlock(token);
	return status;
}
