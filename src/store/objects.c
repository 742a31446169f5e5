/* Objects: sealed records plus blind index tags and a MAC over each
 * row's index columns, one durable transaction per change. Public objects
 * use the subkeys of the public secret, private ones those of the master
 * key.
 *
 * Object ids are never reused, without AUTOINCREMENT (whose sqlite_sequence
 * row costs a page written per insert): a new id is one more than the
 * larger of the highest id present and meta "id_floor", and a delete that
 * removes the highest id present raises id_floor to it. */
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
	return index == NULL || ((!index->has_id || index->id != NULL ||
	                          index->id_length == 0) &&
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

static const char row_context[] = "guardhsm-row-v1";
#define ROW_CONTEXT_BYTES (sizeof(row_context) - 1)
#define ROW_MESSAGE_BYTES                                                      \
	(ROW_CONTEXT_BYTES + STORE_UID_BYTES + 8 + STORE_UNIQUE_ID_BYTES + 1 + \
	 3 * (1 + STORE_TAG_BYTES))

/* The MAC of an index row: keyed BLAKE2b-128 (under the row key of the
 * object's visibility) of "guardhsm-row-v1" || token_uid || id u64 LE ||
 * unique_id || private u8 || for class, id and label: present u8 ||
 * tag (zeros if absent). */
static store_status row_mac(const unsigned char *row_key,
                            const unsigned char *token_uid, store_object_id id,
                            const unsigned char *unique_id, bool is_private,
                            const index_tags *tags,
                            unsigned char mac[STORE_ROW_MAC_BYTES])
{
	unsigned char message[ROW_MESSAGE_BYTES];
	unsigned char *at = message;
	memcpy(at, row_context, ROW_CONTEXT_BYTES);
	at += ROW_CONTEXT_BYTES;
	memcpy(at, token_uid, STORE_UID_BYTES);
	at += STORE_UID_BYTES;
	store_put_u64(at, (uint64_t)id);
	at += 8;
	memcpy(at, unique_id, STORE_UNIQUE_ID_BYTES);
	at += STORE_UNIQUE_ID_BYTES;
	*at++ = is_private ? 1 : 0;
	const bool present[3] = {tags->has_class, tags->has_id,
	                         tags->has_label};
	const unsigned char *values[3] = {tags->class_tag, tags->id_tag,
	                                  tags->label_tag};
	for (int i = 0; i < 3; i++) {
		*at++ = present[i] ? 1 : 0;
		if (present[i])
			memcpy(at, values[i], STORE_TAG_BYTES);
		else
			memset(at, 0, STORE_TAG_BYTES);
		at += STORE_TAG_BYTES;
	}
	return crypto_generichash(mac, STORE_ROW_MAC_BYTES, message,
	                          sizeof message, row_key, 32) == 0
	               ? STORE_OK
	               : STORE_ERR_INVALID;
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

/* Encodes the record, tags and row MAC of an object, under the keys its
 * privacy calls for (the caller holds the mutex). */
static store_status seal_object(store_token *token, store_object_id id,
                                bool is_private, const unsigned char *unique_id,
                                const store_attribute *attributes, size_t count,
                                const store_index *index,
                                unsigned char **record, size_t *record_length,
                                index_tags *tags,
                                unsigned char mac[STORE_ROW_MAC_BYTES])
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
		if (status == STORE_OK)
			status = row_mac(store_row_key(&keys, is_private),
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
 * brought token->id_floor up to date). */
static store_status next_id(store_token *token, store_object_id *id)
{
	store_object_id highest = 0;
	store_status status = max_id(token, &highest);
	if (status != STORE_OK)
		return status;
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
	unsigned char mac[STORE_ROW_MAC_BYTES];
	sqlite3_stmt *statement = NULL;
	store_object_id new_id = 0;
	store_status status = begin_write(token);
	if (status != STORE_OK)
		goto out;
	status = next_id(token, &new_id);
	if (status == STORE_OK)
		status = seal_object(token, new_id, is_private, object_uid,
		                     attributes, count, index, &record,
		                     &record_length, &tags, mac);
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
		bind_tag(statement, 4, tags.has_class, tags.class_tag);
		bind_tag(statement, 5, tags.has_id, tags.id_tag);
		bind_tag(statement, 6, tags.has_label, tags.label_tag);
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
	unsigned char mac[STORE_ROW_MAC_BYTES];
	unsigned char unique_id[STORE_UNIQUE_ID_BYTES];
	bool is_private = false;
	sqlite3_stmt *statement = NULL;
	store_status status = begin_write(token);
	if (status != STORE_OK)
		goto out;
	status = read_header(token, id, unique_id, &is_private);
	if (status == STORE_OK)
		status = seal_object(token, id, is_private, unique_id,
		                     attributes, count, index, &record,
		                     &record_length, &tags, mac);
	if (status == STORE_OK)
		status = store_statement(
		        token, STORE_SQL_UPDATE,
		        "UPDATE objects SET class_tag = ?, id_tag = ?,"
		        " label_tag = ?, row_mac = ?, record = ? WHERE id = ?",
		        &statement);
	if (status == STORE_OK) {
		bind_tag(statement, 1, tags.has_class, tags.class_tag);
		bind_tag(statement, 2, tags.has_id, tags.id_tag);
		bind_tag(statement, 3, tags.has_label, tags.label_tag);
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
	store_release(statement);
	store_unlock(token);
	return status;
}

/* Appends " AND column IN (?, ?)" (or "= ?" with one key) for a field. */
static void add_condition(char *sql, size_t size, const char *column, bool both)
{
	size_t used = strlen(sql);
	snprintf(sql + used, size - used,
	         both ? " AND %s IN (?, ?)" : " AND %s = ?", column);
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

/* The cached find statement for this shape of query. */
static store_status find_statement(store_token *token, const index_tags *tags,
                                   bool logged_in, bool verified,
                                   sqlite3_stmt **statement)
{
	int variant = (tags->has_class ? 1 : 0) | (tags->has_id ? 2 : 0) |
	              (tags->has_label ? 4 : 0) | (logged_in ? 8 : 0) |
	              (verified ? 16 : 0);
	char sql[320];
	snprintf(sql, sizeof sql, "%s FROM objects WHERE 1",
	         verified ? "SELECT id, unique_id, private, class_tag, id_tag,"
	                    " label_tag, row_mac"
	                  : "SELECT id");
	if (!logged_in)
		strcat(sql, " AND private = 0");
	if (tags->has_class)
		add_condition(sql, sizeof sql, "class_tag", logged_in);
	if (tags->has_id)
		add_condition(sql, sizeof sql, "id_tag", logged_in);
	if (tags->has_label)
		add_condition(sql, sizeof sql, "label_tag", logged_in);
	strcat(sql, " ORDER BY id");
	return store_statement(token, STORE_SQL_FIND_FIRST + variant, sql,
	                       statement);
}

/* A tag column equal to expected (present) or NULL (absent); false on any
 * other value. */
static bool read_tag(sqlite3_stmt *statement, int column, bool *present,
                     unsigned char tag[STORE_TAG_BYTES])
{
	int type = sqlite3_column_type(statement, column);
	if (type == SQLITE_NULL) {
		*present = false;
		memset(tag, 0, STORE_TAG_BYTES);
		return true;
	}
	if (type != SQLITE_BLOB ||
	    sqlite3_column_bytes(statement, column) != STORE_TAG_BYTES)
		return false;
	const void *data = sqlite3_column_blob(statement, column);
	if (data == NULL)
		return false;
	*present = true;
	memcpy(tag, data, STORE_TAG_BYTES);
	return true;
}

/* Does the current row of a verified find authenticate, and do its tags
 * match the query under the row's own keys? Fills unique_id. */
static bool row_verifies(store_token *token, sqlite3_stmt *statement,
                         const store_keys *keys, const index_tags *query_public,
                         const index_tags *query_private,
                         unsigned char unique_id[STORE_UNIQUE_ID_BYTES])
{
	if (sqlite3_column_type(statement, 0) != SQLITE_INTEGER ||
	    sqlite3_column_type(statement, 1) != SQLITE_BLOB ||
	    sqlite3_column_bytes(statement, 1) != STORE_UNIQUE_ID_BYTES ||
	    sqlite3_column_type(statement, 2) != SQLITE_INTEGER ||
	    (uint64_t)sqlite3_column_int64(statement, 2) > 1 ||
	    sqlite3_column_type(statement, 6) != SQLITE_BLOB ||
	    sqlite3_column_bytes(statement, 6) != STORE_ROW_MAC_BYTES)
		return false;
	bool is_private = sqlite3_column_int64(statement, 2) != 0;
	if (is_private && !keys->has_private)
		return false;
	store_object_id id = sqlite3_column_int64(statement, 0);
	const unsigned char *uid = sqlite3_column_blob(statement, 1);
	const unsigned char *stored_mac = sqlite3_column_blob(statement, 6);
	if (uid == NULL || stored_mac == NULL)
		return false;
	memcpy(unique_id, uid, STORE_UNIQUE_ID_BYTES);
	unsigned char mac[STORE_ROW_MAC_BYTES];
	memcpy(mac, stored_mac, sizeof mac);
	index_tags row;
	if (!read_tag(statement, 3, &row.has_class, row.class_tag) ||
	    !read_tag(statement, 4, &row.has_id, row.id_tag) ||
	    !read_tag(statement, 5, &row.has_label, row.label_tag))
		return false;
	/* The query matched one of its two tags; it must be the one of the
	 * row's own visibility. */
	const index_tags *query = is_private ? query_private : query_public;
	if ((query->has_class &&
	     (!row.has_class || sodium_memcmp(row.class_tag, query->class_tag,
	                                      STORE_TAG_BYTES))) ||
	    (query->has_id &&
	     (!row.has_id ||
	      sodium_memcmp(row.id_tag, query->id_tag, STORE_TAG_BYTES))) ||
	    (query->has_label &&
	     (!row.has_label ||
	      sodium_memcmp(row.label_tag, query->label_tag, STORE_TAG_BYTES))))
		return false;
	unsigned char expected[STORE_ROW_MAC_BYTES];
	if (row_mac(store_row_key(keys, is_private), token->token_uid, id,
	            unique_id, is_private, &row, expected) != STORE_OK)
		return false;
	return crypto_verify_16(expected, mac) == 0;
}

static store_status find_objects(store_token *token, const store_index *query,
                                 bool verified, store_object_id **ids,
                                 unsigned char **unique_ids, size_t *count)
{
	store_lock(token);
	store_keys keys = {0};
	index_tags public_tags = {0}, private_tags = {0};
	sqlite3_stmt *statement = NULL;
	store_object_id *list = NULL;
	unsigned char *uids = NULL;
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
	/* An unverified find needs the keys only for the tags. */
	if (!verified)
		store_keys_close(&keys);

	if (status == STORE_OK)
		status = find_statement(token, &public_tags, logged_in,
		                        verified, &statement);
	if (status == STORE_OK) {
		int position = 1;
		position =
		        bind_field(statement, position, public_tags.has_class,
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
		unsigned char uid[STORE_UNIQUE_ID_BYTES];
		/* A row that does not authenticate is not a candidate. */
		if (verified && !row_verifies(token, statement, &keys,
		                              &public_tags, &private_tags, uid))
			continue;
		if (used == capacity) {
			size_t grown = capacity ? capacity * 2 : 16;
			store_object_id *bigger =
			        realloc(list, grown * sizeof(*list));
			if (bigger == NULL) {
				status = STORE_ERR_NOMEM;
				break;
			}
			list = bigger;
			if (verified) {
				unsigned char *more = realloc(
				        uids, grown * STORE_UNIQUE_ID_BYTES);
				if (more == NULL) {
					status = STORE_ERR_NOMEM;
					break;
				}
				uids = more;
			}
			capacity = grown;
		}
		if (verified)
			memcpy(uids + used * STORE_UNIQUE_ID_BYTES, uid,
			       STORE_UNIQUE_ID_BYTES);
		list[used++] = sqlite3_column_int64(statement, 0);
	}
	store_keys_close(&keys);
	store_release(statement);
	if (status == STORE_OK) {
		*ids = list;
		*count = used;
		if (unique_ids != NULL)
			*unique_ids = uids;
		else
			free(uids);
	} else {
		free(list);
		free(uids);
	}
	store_unlock(token);
	return status;
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
	return find_objects(token, query, false, ids, NULL, count);
}

store_status store_object_find_verified(store_token *token,
                                        const store_index *query,
                                        store_object_id **ids,
                                        unsigned char **unique_ids,
                                        size_t *count)
{
	if (ids != NULL)
		*ids = NULL;
	if (unique_ids != NULL)
		*unique_ids = NULL;
	if (count != NULL)
		*count = 0;
	if (token == NULL || ids == NULL || unique_ids == NULL ||
	    count == NULL || !index_valid(query))
		return STORE_ERR_INVALID;
	return find_objects(token, query, true, ids, unique_ids, count);
}
