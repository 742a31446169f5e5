/* The blind index: keyed tags of an object's class, CKA_ID and CKA_LABEL,
 * and the MAC that authenticates an index row. */
#include "config.h"

#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

bool store_index_valid(const store_index *index)
{
	return index == NULL || ((!index->has_id || index->id != NULL ||
	                          index->id_length == 0) &&
	                         (!index->has_label || index->label != NULL ||
	                          index->label_length == 0));
}

store_status store_compute_tags(const unsigned char *index_key,
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
store_status store_row_mac(const unsigned char *row_key,
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

void store_bind_tag(sqlite3_stmt *statement, int position, bool present,
                    const unsigned char *tag)
{
	if (present)
		sqlite3_bind_blob(statement, position, tag, STORE_TAG_BYTES,
		                  SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(statement, position);
}
