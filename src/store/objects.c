/* Objects: sealed records plus blind index tags, one durable transaction
 * per change. Public objects use the subkeys of the public secret, private
 * ones those of the master key. */
#include "config.h"

#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct index_tags {
	bool has_class, has_id, has_label;
	unsigned char class_tag[STORE_TAG_BYTES];
	unsigned char id_tag[STORE_TAG_BYTES];
	unsigned char label_tag[STORE_TAG_BYTES];
} index_tags;

static bool index_valid(const store_index *index)
{
	return index == NULL ||
	       ((!index->has_id || index->id != NULL || index->id_length == 0) &&
	        (!index->has_label || index->label != NULL ||
	         index->label_length == 0));
}

static store_status compute_tags(const unsigned char *index_key,
                                 const store_index *index, index_tags *tags)
{
	memset(tags, 0, sizeof(*tags));
	if (index == NULL)
		return STORE_OK;
	store_status status = STORE_OK;
	tags->has_class = index->has_class;
	tags->has_id = index->has_id;
	tags->has_label = index->has_label;
	if (index->has_class)
		status = store_class_tag(index_key, index->object_class,
		                         tags->class_tag);
	if (status == STORE_OK && index->has_id)
		status = store_blind_tag(index_key, 'i', index->id,
		                         index->id_length, tags->id_tag);
	if (status == STORE_OK && index->has_label)
		status = store_blind_tag(index_key, 'l', index->label,
		                         index->label_length, tags->label_tag);
	return status;
}

static void bind_tag(sqlite3_stmt *statement, int position, bool present,
                     const unsigned char *tag)
{
	if (present)
		sqlite3_bind_blob(statement, position, tag, STORE_TAG_BYTES,
		                  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(statement, position);
}

/* Encodes the record and tags of an object, under the keys its privacy
 * calls for (the caller holds the mutex). */
static store_status seal_object(store_token *token, bool is_private,
                                const unsigned char *unique_id,
                                const store_attribute *attributes,
                                size_t count, const store_index *index,
                                unsigned char **record, size_t *record_length,
                                index_tags *tags)
{
	store_keys keys;
	store_status status = store_keys_open(token, is_private, &keys);
	if (status != STORE_OK)
		return status;
	status = store_record_encode(store_record_key(&keys, is_private),
	                             token->token_uid, unique_id, is_private,
	                             attributes, count, record, record_length);
	if (status == STORE_OK) {
		status = compute_tags(store_index_key(&keys, is_private), index,
		                      tags);
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

/* Reads an object's unique id and privacy. */
static store_status read_header(store_token *token, store_object_id id,
                                unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                                bool *is_private)
{
	sqlite3_stmt *statement;
	store_status status = store_prepare(
		token, "SELECT unique_id, private FROM objects WHERE id = ?",
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
	           sqlite3_column_bytes(statement, 0) != STORE_UNIQUE_ID_BYTES ||
	           sqlite3_column_type(statement, 1) != SQLITE_INTEGER ||
	           (uint64_t)sqlite3_column_int64(statement, 1) > 1) {
		status = STORE_ERR_CORRUPT;
	} else {
		memcpy(unique_id, sqlite3_column_blob(statement, 0),
		       STORE_UNIQUE_ID_BYTES);
		*is_private = sqlite3_column_int64(statement, 1) != 0;
	}
	sqlite3_finalize(statement);
	return status;
}

store_status store_object_create(store_token *token, bool is_private,
                                 const store_attribute *attributes,
                                 size_t count, const store_index *index,
                                 unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                                 store_object_id *id)
{
	if (id != NULL)
		*id = 0;
	if (token == NULL || unique_id == NULL ||
	    (attributes == NULL && count != 0) || !index_valid(index))
		return STORE_ERR_INVALID;
	unsigned char object_uid[STORE_UNIQUE_ID_BYTES];
	memcpy(object_uid, unique_id, sizeof object_uid);
	if (enc_ct_is_zero(object_uid, sizeof object_uid))
		randombytes_buf(object_uid, sizeof object_uid);

	store_lock(token);
	unsigned char *record = NULL;
	size_t record_length = 0;
	index_tags tags;
	sqlite3_stmt *statement = NULL;
	store_object_id new_id = 0;
	store_status status = begin_write(token);
	if (status != STORE_OK)
		goto out;
	status = seal_object(token, is_private, object_uid, attributes, count,
	                     index, &record, &record_length, &tags);
	if (status == STORE_OK)
		status = store_prepare(
			token,
			"INSERT INTO objects (unique_id, private, class_tag,"
			" id_tag, label_tag, record) VALUES (?, ?, ?, ?, ?, ?)",
			&statement);
	if (status == STORE_OK) {
		sqlite3_bind_blob(statement, 1, object_uid, sizeof object_uid,
		                  SQLITE_STATIC);
		sqlite3_bind_int(statement, 2, is_private ? 1 : 0);
		bind_tag(statement, 3, tags.has_class, tags.class_tag);
		bind_tag(statement, 4, tags.has_id, tags.id_tag);
		bind_tag(statement, 5, tags.has_label, tags.label_tag);
		sqlite3_bind_blob(statement, 6, record, (int)record_length,
		                  SQLITE_STATIC);
		status = store_sqlite_status(sqlite3_step(statement));
		new_id = sqlite3_last_insert_rowid(token->database);
	}
	sqlite3_finalize(statement);
	if (status == STORE_OK)
		status = store_commit(token);
	else
		store_rollback(token);
	if (status == STORE_OK) {
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
	if (token == NULL || id <= 0 || (attributes == NULL && count != 0) ||
	    !index_valid(index))
		return STORE_ERR_INVALID;
	store_lock(token);
	unsigned char *record = NULL;
	size_t record_length = 0;
	index_tags tags;
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES];
	bool is_private = false;
	sqlite3_stmt *statement = NULL;
	store_status status = begin_write(token);
	if (status != STORE_OK)
		goto out;
	status = read_header(token, id, unique_id, &is_private);
	if (status == STORE_OK)
		status = seal_object(token, is_private, unique_id, attributes,
		                     count, index, &record, &record_length,
		                     &tags);
	if (status == STORE_OK)
		status = store_prepare(
			token,
			"UPDATE objects SET class_tag = ?, id_tag = ?,"
			" label_tag = ?, record = ? WHERE id = ?",
			&statement);
	if (status == STORE_OK) {
		bind_tag(statement, 1, tags.has_class, tags.class_tag);
		bind_tag(statement, 2, tags.has_id, tags.id_tag);
		bind_tag(statement, 3, tags.has_label, tags.label_tag);
		sqlite3_bind_blob(statement, 4, record, (int)record_length,
		                  SQLITE_STATIC);
		sqlite3_bind_int64(statement, 5, id);
		status = store_sqlite_status(sqlite3_step(statement));
	}
	sqlite3_finalize(statement);
	if (status == STORE_OK)
		status = store_commit(token);
	else
		store_rollback(token);
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
		status = store_prepare(token, "DELETE FROM objects WHERE id = ?",
		                       &statement);
	if (status == STORE_OK) {
		sqlite3_bind_int64(statement, 1, id);
		status = store_sqlite_status(sqlite3_step(statement));
	}
	sqlite3_finalize(statement);
	if (status == STORE_OK)
		status = store_commit(token);
	else
		store_rollback(token);
out:
	store_unlock(token);
	return status;
}

store_status store_object_load(store_token *token, store_object_id id,
                               bool *is_private,
                               unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                               store_attribute **attributes, size_t *count)
{
	if (attributes != NULL)
		*attributes = NULL;
	if (count != NULL)
		*count = 0;
	if (token == NULL || id <= 0 || attributes == NULL || count == NULL)
		return STORE_ERR_INVALID;
	store_lock(token);
	sqlite3_stmt *statement = NULL;
	store_keys keys = {0};
	store_status status = store_refresh_locked(token, NULL);
	if (status == STORE_OK)
		status = store_prepare(token,
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
		    sqlite3_column_bytes(statement, 0) != STORE_UNIQUE_ID_BYTES ||
		    sqlite3_column_type(statement, 1) != SQLITE_INTEGER ||
		    (uint64_t)sqlite3_column_int64(statement, 1) > 1 ||
		    sqlite3_column_type(statement, 2) != SQLITE_BLOB)
			status = STORE_ERR_CORRUPT;
		else {
			object_uid = sqlite3_column_blob(statement, 0);
			object_private = sqlite3_column_int64(statement, 1) != 0;
		}
	}
	if (status == STORE_OK)
		status = store_keys_open(token, object_private, &keys);
	if (status == STORE_OK) {
		const unsigned char *record = sqlite3_column_blob(statement, 2);
		size_t record_length =
			(size_t)sqlite3_column_bytes(statement, 2);
		status = store_record_decode(
			store_record_key(&keys, object_private),
			token->token_uid, object_uid, object_private, record,
			record_length, attributes, count);
	}
	if (status == STORE_OK) {
		if (is_private != NULL)
			*is_private = object_private;
		if (unique_id != NULL)
			memcpy(unique_id, object_uid, STORE_UNIQUE_ID_BYTES);
	}
	store_keys_close(&keys);
	sqlite3_finalize(statement);
	store_unlock(token);
	return status;
}

/* Appends " AND column IN (?, ?)" (or "= ?" with one key) for a field. */
static void add_condition(char *sql, size_t size, const char *column,
                          bool both)
{
	size_t used = strlen(sql);
	snprintf(sql + used, size - used, both ? " AND %s IN (?, ?)" : " AND %s = ?",
	         column);
}

static int bind_field(sqlite3_stmt *statement, int position, bool present,
                      const unsigned char *public_tag,
                      const unsigned char *private_tag, bool both)
{
	if (!present)
		return position;
	bind_tag(statement, position++, true, public_tag);
	if (both)
		bind_tag(statement, position++, true, private_tag);
	return position;
}

store_status store_object_find(store_token *token, const store_index *query,
                               store_object_id **ids, size_t *count)
{
	if (ids != NULL)
		*ids = NULL;
	if (count != NULL)
		*count = 0;
	if (token == NULL || ids == NULL || count == NULL ||
	    !index_valid(query))
		return STORE_ERR_INVALID;
	store_lock(token);
	store_keys keys = {0};
	index_tags public_tags = {0}, private_tags = {0};
	sqlite3_stmt *statement = NULL;
	store_object_id *list = NULL;
	size_t used = 0, capacity = 0;
	store_status status = store_refresh_locked(token, NULL);
	bool logged_in = token->master != NULL;
	if (status == STORE_OK)
		status = store_keys_open(token, logged_in, &keys);
	if (status == STORE_OK)
		status = compute_tags(store_index_key(&keys, false), query,
		                      &public_tags);
	if (status == STORE_OK && logged_in)
		status = compute_tags(store_index_key(&keys, true), query,
		                      &private_tags);
	store_keys_close(&keys);

	char sql[256] = "SELECT id FROM objects WHERE 1";
	if (!logged_in)
		strcat(sql, " AND private = 0");
	if (public_tags.has_class)
		add_condition(sql, sizeof sql, "class_tag", logged_in);
	if (public_tags.has_id)
		add_condition(sql, sizeof sql, "id_tag", logged_in);
	if (public_tags.has_label)
		add_condition(sql, sizeof sql, "label_tag", logged_in);
	strcat(sql, " ORDER BY id");
	if (status == STORE_OK)
		status = store_prepare(token, sql, &statement);
	if (status == STORE_OK) {
		int position = 1;
		position = bind_field(statement, position, public_tags.has_class,
		                      public_tags.class_tag,
		                      private_tags.class_tag, logged_in);
		position = bind_field(statement, position, public_tags.has_id,
		                      public_tags.id_tag, private_tags.id_tag,
		                      logged_in);
		bind_field(statement, position, public_tags.has_label,
		           public_tags.label_tag, private_tags.label_tag,
		           logged_in);
	}
	while (status == STORE_OK) {
		int result = sqlite3_step(statement);
		if (result == SQLITE_DONE)
			break;
		if (result != SQLITE_ROW) {
			status = store_sqlite_status(result);
			break;
		}
		if (used == capacity) {
			size_t grown = capacity ? capacity * 2 : 16;
			store_object_id *bigger =
				realloc(list, grown * sizeof(*list));
			if (bigger == NULL) {
				status = STORE_ERR_NOMEM;
				break;
			}
			list = bigger;
			capacity = grown;
		}
		list[used++] = sqlite3_column_int64(statement, 0);
	}
	sqlite3_finalize(statement);
	if (status == STORE_OK) {
		*ids = list;
		*count = used;
	} else {
		free(list);
	}
	store_unlock(token);
	return status;
}
