/* Objects: sealed records plus blind index tags and a MAC over each
 * row's index columns, one durable transaction per change. Public objects
 * use the subkeys of the public secret, private ones those of the master
 * key.
 *
 * Object ids are never reused, without AUTOINCREMENT (whose sqlite_sequence
 * row costs a page written per insert): a new id is one more than the
 * larger of the highest id present and meta "id_floor", and a delete that
 * removes the highest id present raises id_floor to it. The highest id is
 * remembered from one create to the next while no other connection
 * commits (a remembered id above the highest present, after a delete,
 * only skips ids). */
#include "config.h"

#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

/* Encodes the record, tags and row MAC of an object, under the keys its
 * privacy calls for (the caller holds the mutex). */
static store_status seal_object(store_token *token, store_object_id id,
                                bool is_private, const unsigned char *unique_id,
                                uint32_t defaults,
                                const store_attribute *attributes, size_t count,
                                const store_index *index,
                                unsigned char **record, size_t *record_length,
                                index_tags *tags,
                                unsigned char mac[STORE_ROW_MAC_BYTES])
{
	store_keys keys;
	store_status status = store_keys_open(token, is_private, true, &keys);
	if (status != STORE_OK)
		return status;
	status = store_record_encode(
	        store_record_key(&keys, is_private), store_keys_scratch(&keys),
	        token->token_uid, unique_id, is_private, defaults, attributes,
	        count, record, record_length);
	if (status == STORE_OK) {
		status = store_compute_tags(store_index_key(&keys, is_private),
		                            index, tags);
		if (status == STORE_OK)
			status = store_row_mac(store_row_key(&keys, is_private),
			                       token->token_uid, id, unique_id,
			                       is_private, tags, mac);
		if (status != STORE_OK) {
			free(*record);
			*record = NULL;
		}
	}
	store_keys_close(&keys);
	return status;
}

/* Starts a write transaction with fresh meta (a re-initialisation by
 * another process logs us out here, before anything is sealed). */
static store_status begin_write(store_token *token)
{
	store_status status = store_begin(token);
	if (status != STORE_OK)
		return status;
	status = store_refresh_locked(token, NULL);
	if (status != STORE_OK)
		store_rollback(token);
	return status;
}

/* Records are written in the newest format only: a format 1 or 2 file
 * becomes format 3 with its first record written (in the write transaction; the
 * cache follows once it commits). */
static store_status raise_format_version(store_token *token, bool *raised)
{
	*raised = false;
	if (token->format_version >= STORE_FORMAT_VERSION)
		return STORE_OK;
	*raised = true;
	return store_meta_set_integer(token, "format_version",
	                              STORE_FORMAT_VERSION);
}

/* Reads an object's unique id and privacy. */
static store_status read_header(store_token *token, store_object_id id,
                                unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                                bool *is_private)
{
	sqlite3_stmt *statement;
	store_status status = store_statement(
	        token, STORE_SQL_READ_HEADER,
	        "SELECT unique_id, private FROM objects WHERE id = ?",
	        &statement);
	if (status != STORE_OK)
		return status;
	sqlite3_bind_int64(statement, 1, id);
	int result = sqlite3_step(statement);
	if (result == SQLITE_DONE) {
		status = STORE_ERR_NOT_FOUND;
	} else if (result != SQLITE_ROW) {
		status = store_sqlite_status(result);
	} else if (sqlite3_column_type(statement, 0) != SQLITE_BLOB ||
	           sqlite3_column_bytes(statement, 0) !=
	                   STORE_UNIQUE_ID_BYTES ||
	           sqlite3_column_type(statement, 1) != SQLITE_INTEGER ||
	           (uint64_t)sqlite3_column_int64(statement, 1) > 1) {
		status = STORE_ERR_CORRUPT;
	} else {
		memcpy(unique_id, sqlite3_column_blob(statement, 0),
		       STORE_UNIQUE_ID_BYTES);
		*is_private = sqlite3_column_int64(statement, 1) != 0;
	}
	store_release(statement);
	return status;
}

/* The highest object id present (0 if none). */
static store_status max_id(store_token *token, store_object_id *highest)
{
	sqlite3_stmt *statement;
	store_status status =
	        store_statement(token, STORE_SQL_MAX_ID,
	                        "SELECT max(id) FROM objects", &statement);
	if (status != STORE_OK)
		return status;
	int result = sqlite3_step(statement);
	if (result != SQLITE_ROW)
		status = result == SQLITE_DONE ? STORE_ERR_CORRUPT
		                               : store_sqlite_status(result);
	else if (sqlite3_column_type(statement, 0) == SQLITE_NULL)
		*highest = 0;
	else if (sqlite3_column_type(statement, 0) != SQLITE_INTEGER)
		status = STORE_ERR_CORRUPT;
	else
		*highest = sqlite3_column_int64(statement, 0);
	store_release(statement);
	return status;
}

/* The id of a new object (in the write transaction, whose refresh
 * brought token->id_floor up to date, and forgot known_highest_id if
 * another connection committed). */
static store_status next_id(store_token *token, store_object_id *id)
{
	store_object_id highest = token->known_highest_id;
	if (highest < 0) {
		store_status status = max_id(token, &highest);
		if (status != STORE_OK)
			return status;
	}
	if (token->id_floor > highest)
		highest = token->id_floor;
	if (highest < 0 || highest == INT64_MAX)
		return STORE_ERR_IO; /* ids exhausted (SQLite: SQLITE_FULL) */
	*id = highest + 1;
	return STORE_OK;
}

/* Raises meta id_floor to at least highest (in the write transaction);
 * *floor_id is what token->id_floor must become once it commits. */
static store_status raise_id_floor(store_token *token, store_object_id highest,
                                   store_object_id *floor_id)
{
	*floor_id = token->id_floor;
	if (highest <= token->id_floor)
		return STORE_OK;
	*floor_id = highest;
	return store_meta_set_integer(token, "id_floor", highest);
}

/* After deleting object id (in the write transaction): if it was the
 * highest, remember it so that it is never given out again. */
static store_status floor_after_delete(store_token *token, store_object_id id,
                                       store_object_id *floor_id)
{
	*floor_id = token->id_floor;
	store_object_id highest = 0;
	store_status status = max_id(token, &highest);
	if (status == STORE_OK && id > highest)
		status = raise_id_floor(token, id, floor_id);
	return status;
}

store_status store_objects_delete_all(store_token *token,
                                      store_object_id *floor_id)
{
	store_object_id highest = 0;
	store_status status = max_id(token, &highest);
	if (status == STORE_OK)
		status = raise_id_floor(token, highest, floor_id);
	if (status == STORE_OK)
		status = store_exec(token, "DELETE FROM objects");
	return status;
}

store_status store_object_create(store_token *token, bool is_private,
                                 const store_attribute *attributes,
                                 size_t count, const store_index *index,
                                 unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                                 store_object_id *id)
{
	return store_object_create_ex(token, is_private, 0, attributes, count,
	                              index, unique_id, id);
}

store_status
store_object_create_ex(store_token *token, bool is_private, uint32_t defaults,
                       const store_attribute *attributes, size_t count,
                       const store_index *index,
                       unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                       store_object_id *id)
{
	if (id != NULL)
		*id = 0;
	if (token == NULL || unique_id == NULL ||
	    (attributes == NULL && count != 0) || !store_index_valid(index) ||
	    (count == 0 && defaults != 0))
		return STORE_ERR_INVALID;
	unsigned char object_uid[STORE_UNIQUE_ID_BYTES];
	memcpy(object_uid, unique_id, sizeof object_uid);
	if (enc_ct_is_zero(object_uid, sizeof object_uid))
		randombytes_buf(object_uid, sizeof object_uid);

	store_lock(token);
	unsigned char *record = NULL;
	size_t record_length = 0;
	index_tags tags;
	unsigned char mac[STORE_ROW_MAC_BYTES];
	sqlite3_stmt *statement = NULL;
	store_object_id new_id = 0;
	bool raised = false;
	store_status status = begin_write(token);
	if (status != STORE_OK)
		goto out;
	status = raise_format_version(token, &raised);
	if (status == STORE_OK)
		status = next_id(token, &new_id);
	if (status == STORE_OK)
		status = seal_object(token, new_id, is_private, object_uid,
		                     defaults, attributes, count, index,
		                     &record, &record_length, &tags, mac);
	if (status == STORE_OK)
		status = store_statement(token, STORE_SQL_INSERT,
		                         "INSERT INTO objects (id, unique_id, "
		                         "private, class_tag,"
		                         " id_tag, label_tag, row_mac, record)"
		                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		                         &statement);
	if (status == STORE_OK) {
		sqlite3_bind_int64(statement, 1, new_id);
		sqlite3_bind_blob(statement, 2, object_uid, sizeof object_uid,
		                  SQLITE_STATIC);
		sqlite3_bind_int(statement, 3, is_private ? 1 : 0);
		store_bind_tag(statement, 4, tags.has_class, tags.class_tag);
		store_bind_tag(statement, 5, tags.has_id, tags.id_tag);
		store_bind_tag(statement, 6, tags.has_label, tags.label_tag);
		sqlite3_bind_blob(statement, 7, mac, sizeof mac, SQLITE_STATIC);
		sqlite3_bind_blob(statement, 8, record, (int)record_length,
		                  SQLITE_STATIC);
		status = store_sqlite_status(sqlite3_step(statement));
	}
	store_release(statement);
	if (status == STORE_OK)
		status = store_commit(token);
	else
		store_rollback(token);
	if (status == STORE_OK) {
		if (raised)
			token->format_version = STORE_FORMAT_VERSION;
		token->known_highest_id = new_id;
		memcpy(unique_id, object_uid, sizeof object_uid);
		if (id != NULL)
			*id = new_id;
	}
out:
	free(record);
	store_unlock(token);
	return status;
}

store_status store_object_update(store_token *token, store_object_id id,
                                 const store_attribute *attributes,
                                 size_t count, const store_index *index)
{
	return store_object_update_ex(token, id, 0, attributes, count, index);
}

store_status store_object_update_ex(store_token *token, store_object_id id,
                                    uint32_t defaults,
                                    const store_attribute *attributes,
                                    size_t count, const store_index *index)
{
	if (token == NULL || id <= 0 || (attributes == NULL && count != 0) ||
	    !store_index_valid(index) || (count == 0 && defaults != 0))
		return STORE_ERR_INVALID;
	store_lock(token);
	unsigned char *record = NULL;
	size_t record_length = 0;
	index_tags tags;
	unsigned char mac[STORE_ROW_MAC_BYTES];
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES];
	bool is_private = false;
	sqlite3_stmt *statement = NULL;
	bool raised = false;
	store_status status = begin_write(token);
	if (status != STORE_OK)
		goto out;
	status = read_header(token, id, unique_id, &is_private);
	if (status == STORE_OK)
		status = raise_format_version(token, &raised);
	if (status == STORE_OK)
		status = seal_object(token, id, is_private, unique_id, defaults,
		                     attributes, count, index, &record,
		                     &record_length, &tags, mac);
	if (status == STORE_OK)
		status = store_statement(
		        token, STORE_SQL_UPDATE,
		        "UPDATE objects SET class_tag = ?, id_tag = ?,"
		        " label_tag = ?, row_mac = ?, record = ? WHERE id = ?",
		        &statement);
	if (status == STORE_OK) {
		store_bind_tag(statement, 1, tags.has_class, tags.class_tag);
		store_bind_tag(statement, 2, tags.has_id, tags.id_tag);
		store_bind_tag(statement, 3, tags.has_label, tags.label_tag);
		sqlite3_bind_blob(statement, 4, mac, sizeof mac, SQLITE_STATIC);
		sqlite3_bind_blob(statement, 5, record, (int)record_length,
		                  SQLITE_STATIC);
		sqlite3_bind_int64(statement, 6, id);
		status = store_sqlite_status(sqlite3_step(statement));
	}
	store_release(statement);
	if (status == STORE_OK)
		status = store_commit(token);
	else
		store_rollback(token);
	if (status == STORE_OK && raised)
		token->format_version = STORE_FORMAT_VERSION;
out:
	free(record);
	store_unlock(token);
	return status;
}

store_status store_object_delete(store_token *token, store_object_id id)
{
	if (token == NULL || id <= 0)
		return STORE_ERR_INVALID;
	store_lock(token);
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES];
	bool is_private = false;
	sqlite3_stmt *statement = NULL;
	store_status status = begin_write(token);
	if (status != STORE_OK)
		goto out;
	status = read_header(token, id, unique_id, &is_private);
	/* Destroying a private object is a private operation. */
	if (status == STORE_OK && is_private && token->master == NULL)
		status = STORE_ERR_NOT_LOGGED_IN;
	if (status == STORE_OK)
		status = store_statement(token, STORE_SQL_DELETE,
		                         "DELETE FROM objects WHERE id = ?",
		                         &statement);
	if (status == STORE_OK) {
		sqlite3_bind_int64(statement, 1, id);
		status = store_sqlite_status(sqlite3_step(statement));
	}
	store_release(statement);
	store_object_id floor_id = 0;
	if (status == STORE_OK)
		status = floor_after_delete(token, id, &floor_id);
	if (status == STORE_OK)
		status = store_commit(token);
	else
		store_rollback(token);
	if (status == STORE_OK)
		token->id_floor = floor_id;
out:
	store_unlock(token);
	return status;
}

store_status store_object_load(store_token *token, store_object_id id,
                               bool *is_private,
                               unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                               store_attribute **attributes, size_t *count)
{
	uint32_t defaults = 0;
	store_status status = store_object_load_ex(
	        token, id, is_private, unique_id, &defaults, attributes, count);
	/* An incomplete list this caller would take for the whole object. */
	if (status == STORE_OK && defaults != 0) {
		store_attributes_free(*attributes, *count);
		*attributes = NULL;
		*count = 0;
		status = STORE_ERR_VERSION;
	}
	return status;
}

store_status
store_object_load_ex(store_token *token, store_object_id id, bool *is_private,
                     unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                     uint32_t *defaults, store_attribute **attributes,
                     size_t *count)
{
	if (defaults != NULL)
		*defaults = 0;
	if (attributes != NULL)
		*attributes = NULL;
	if (count != NULL)
		*count = 0;
	if (token == NULL || id <= 0 || attributes == NULL || count == NULL ||
	    defaults == NULL)
		return STORE_ERR_INVALID;
	store_lock(token);
	sqlite3_stmt *statement = NULL;
	store_keys keys = {0};
	store_status status = store_refresh_locked(token, NULL);
	if (status == STORE_OK)
		status = store_statement(token, STORE_SQL_LOAD,
		                         "SELECT unique_id, private, record"
		                         " FROM objects WHERE id = ?",
		                         &statement);
	int result = SQLITE_OK;
	if (status == STORE_OK) {
		sqlite3_bind_int64(statement, 1, id);
		result = sqlite3_step(statement);
		if (result == SQLITE_DONE)
			status = STORE_ERR_NOT_FOUND;
		else if (result != SQLITE_ROW)
			status = store_sqlite_status(result);
	}
	bool object_private = false;
	const unsigned char *object_uid = NULL;
	if (status == STORE_OK) {
		if (sqlite3_column_type(statement, 0) != SQLITE_BLOB ||
		    sqlite3_column_bytes(statement, 0) !=
		            STORE_UNIQUE_ID_BYTES ||
		    sqlite3_column_type(statement, 1) != SQLITE_INTEGER ||
		    (uint64_t)sqlite3_column_int64(statement, 1) > 1 ||
		    sqlite3_column_type(statement, 2) != SQLITE_BLOB)
			status = STORE_ERR_CORRUPT;
		else {
			object_uid = sqlite3_column_blob(statement, 0);
			object_private =
			        sqlite3_column_int64(statement, 1) != 0;
			if (object_uid == NULL)
				status = STORE_ERR_NOMEM;
		}
	}
	if (status == STORE_OK)
		status = store_keys_open(token, object_private, true, &keys);
	if (status == STORE_OK) {
		const unsigned char *record = sqlite3_column_blob(statement, 2);
		size_t record_length =
		        (size_t)sqlite3_column_bytes(statement, 2);
		status = store_record_decode(
		        store_record_key(&keys, object_private),
		        store_keys_scratch(&keys), token->token_uid, object_uid,
		        object_private, record, record_length, defaults,
		        attributes, count);
	}
	if (status == STORE_OK) {
		if (is_private != NULL)
			*is_private = object_private;
		if (unique_id != NULL)
			memcpy(unique_id, object_uid, STORE_UNIQUE_ID_BYTES);
	}
	store_keys_close(&keys);
	store_release(statement);
	store_unlock(token);
	return status;
}
