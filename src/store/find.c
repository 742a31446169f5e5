/* Finding objects through the blind index: a cached statement per query
 * shape; the verified variant drops rows whose MAC does not authenticate
 * and gives each row's unique id and privacy. */
#include "config.h"

#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

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
	store_bind_tag(statement, position++, true, public_tag);
	if (both)
		store_bind_tag(statement, position++, true, private_tag);
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
 * match the query under the row's own keys? Fills unique_id and
 * *row_private. */
static bool row_verifies(store_token *token, sqlite3_stmt *statement,
                         const store_keys *keys, const index_tags *query_public,
                         const index_tags *query_private,
                         unsigned char unique_id[STORE_UNIQUE_ID_BYTES],
                         bool *row_private)
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
	if (store_row_mac(store_row_key(keys, is_private), token->token_uid, id,
	                  unique_id, is_private, &row, expected) != STORE_OK)
		return false;
	if (crypto_verify_16(expected, mac) != 0)
		return false;
	*row_private = is_private;
	return true;
}

/* The growing result of a find: ids, and for a verified one the unique
 * ids and privacy flags at the same positions. */
typedef struct find_result {
	store_object_id *ids;
	unsigned char *unique_ids;
	bool *privacy;
	size_t used, capacity;
} find_result;

static store_status result_grow(find_result *result, bool verified)
{
	size_t grown = result->capacity ? result->capacity * 2 : 16;
	store_object_id *ids = realloc(result->ids, grown * sizeof(*ids));
	if (ids == NULL)
		return STORE_ERR_NOMEM;
	result->ids = ids;
	if (verified) {
		unsigned char *unique_ids = realloc(
		        result->unique_ids, grown * STORE_UNIQUE_ID_BYTES);
		if (unique_ids == NULL)
			return STORE_ERR_NOMEM;
		result->unique_ids = unique_ids;
		bool *privacy =
		        realloc(result->privacy, grown * sizeof(*privacy));
		if (privacy == NULL)
			return STORE_ERR_NOMEM;
		result->privacy = privacy;
	}
	result->capacity = grown;
	return STORE_OK;
}

static void result_free(find_result *result)
{
	free(result->ids);
	free(result->unique_ids);
	free(result->privacy);
}

static store_status find_objects(store_token *token, const store_index *query,
                                 bool verified, find_result *result)
{
	store_lock(token);
	store_keys keys = {0};
	index_tags public_tags = {0}, private_tags = {0};
	sqlite3_stmt *statement = NULL;
	store_status status = store_refresh_locked(token, NULL);
	bool logged_in = token->master != NULL;
	if (status == STORE_OK)
		status = store_keys_open(token, logged_in, false, &keys);
	if (status == STORE_OK)
		status = store_compute_tags(store_index_key(&keys, false),
		                            query, &public_tags);
	if (status == STORE_OK && logged_in)
		status = store_compute_tags(store_index_key(&keys, true), query,
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
		int step = sqlite3_step(statement);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			status = store_sqlite_status(step);
			break;
		}
		unsigned char uid[STORE_UNIQUE_ID_BYTES];
		bool row_private = false;
		/* A row that does not authenticate is not a candidate. */
		if (verified &&
		    !row_verifies(token, statement, &keys, &public_tags,
		                  &private_tags, uid, &row_private))
			continue;
		if (result->used == result->capacity &&
		    (status = result_grow(result, verified)) != STORE_OK)
			break;
		if (verified) {
			memcpy(result->unique_ids +
			               result->used * STORE_UNIQUE_ID_BYTES,
			       uid, STORE_UNIQUE_ID_BYTES);
			result->privacy[result->used] = row_private;
		}
		result->ids[result->used++] =
		        sqlite3_column_int64(statement, 0);
	}
	store_keys_close(&keys);
	store_release(statement);
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
	    !store_index_valid(query))
		return STORE_ERR_INVALID;
	find_result result = {0};
	store_status status = find_objects(token, query, false, &result);
	if (status == STORE_OK) {
		*ids = result.ids;
		*count = result.used;
		result.ids = NULL;
	}
	result_free(&result);
	return status;
}

store_status store_object_find_verified(store_token *token,
                                        const store_index *query,
                                        store_object_id **ids,
                                        unsigned char **unique_ids,
                                        bool **is_private, size_t *count)
{
	if (ids != NULL)
		*ids = NULL;
	if (unique_ids != NULL)
		*unique_ids = NULL;
	if (is_private != NULL)
		*is_private = NULL;
	if (count != NULL)
		*count = 0;
	if (token == NULL || ids == NULL || count == NULL ||
	    !store_index_valid(query))
		return STORE_ERR_INVALID;
	find_result result = {0};
	store_status status = find_objects(token, query, true, &result);
	if (status == STORE_OK) {
		*ids = result.ids;
		*count = result.used;
		result.ids = NULL;
		/* Only what was asked for is handed over; the rest freed. */
		if (unique_ids != NULL) {
			*unique_ids = result.unique_ids;
			result.unique_ids = NULL;
		}
		if (is_private != NULL) {
			*is_private = result.privacy;
			result.privacy = NULL;
		}
	}
	result_free(&result);
	return status;
}
