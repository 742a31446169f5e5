/*
 * Reading version 1 records, written by format-1 token files (guardhsm up
 * to the change to version 2; see record.c). Never written any more.
 *
 *   version u8 (1) | count u32 LE |
 *   count x ( type u64 LE | flags u8 | length u32 LE | nonce[24] |
 *             ciphertext[length + 16] )
 *
 * flags bit 0: sensitive. Each attribute is XChaCha20-Poly1305 with its own
 * random nonce and the associated data
 *   "guardhsm-attr-v1" || token_uid || unique_id || private u8 ||
 *   type u64 LE || count u32 LE || flags u8
 */
#include "config.h"

#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

#define FLAG_SENSITIVE 0x01u
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define RECORD_HEADER_BYTES 5 /* version + count */
#define ATTRIBUTE_HEADER_BYTES (8 + 1 + 4 + NONCE_BYTES)
#define ATTRIBUTE_MIN_BYTES (ATTRIBUTE_HEADER_BYTES + TAG_BYTES)

static const char attribute_context[] = "guardhsm-attr-v1";
#define CONTEXT_BYTES (sizeof(attribute_context) - 1)
#define AD_BYTES                                                               \
	(CONTEXT_BYTES + STORE_UID_BYTES + STORE_UNIQUE_ID_BYTES + 1 + 8 + 4 + \
	 1)

static void build_ad(unsigned char ad[AD_BYTES], const unsigned char *token_uid,
                     const unsigned char *unique_id, bool is_private,
                     uint64_t type, uint32_t count, unsigned flags)
{
	unsigned char *at = ad;
	memcpy(at, attribute_context, CONTEXT_BYTES);
	at += CONTEXT_BYTES;
	memcpy(at, token_uid, STORE_UID_BYTES);
	at += STORE_UID_BYTES;
	memcpy(at, unique_id, STORE_UNIQUE_ID_BYTES);
	at += STORE_UNIQUE_ID_BYTES;
	*at++ = is_private ? 1 : 0;
	store_put_u64(at, type);
	at += 8;
	store_put_u32(at, count);
	at += 4;
	*at = (unsigned char)flags;
}

/* Authenticates and decrypts one attribute's ciphertext into attribute. */
static store_status open_value(store_attribute *attribute, size_t length,
                               const unsigned char *nonce,
                               const unsigned char *ciphertext,
                               const unsigned char *ad,
                               const unsigned char *record_key)
{
	unsigned long long ciphertext_length =
	        (unsigned long long)length + TAG_BYTES;
	if (length == 0) {
		unsigned char empty[1];
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		            empty, NULL, NULL, ciphertext, ciphertext_length,
		            ad, AD_BYTES, nonce, record_key) != 0)
			return STORE_ERR_CORRUPT;
		return STORE_OK;
	}
	if (!attribute->sensitive) {
		unsigned char *value = malloc(length);
		if (value == NULL)
			return STORE_ERR_NOMEM;
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		            value, NULL, NULL, ciphertext, ciphertext_length,
		            ad, AD_BYTES, nonce, record_key) != 0) {
			free(value);
			return STORE_ERR_CORRUPT;
		}
		attribute->value = value;
		attribute->length = length;
		return STORE_OK;
	}
	/* A secret: decrypt into the enclave and keep it only sealed. */
	enc_buffer *plain;
	store_status status =
	        store_enclave_status(enc_alloc(length, 0, &plain));
	if (status != STORE_OK)
		return status;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
	            enc_data(plain), NULL, NULL, ciphertext, ciphertext_length,
	            ad, AD_BYTES, nonce, record_key) != 0)
		status = STORE_ERR_CORRUPT;
	else
		status = store_enclave_status(
		        enc_seal(plain, NULL, 0, &attribute->sealed));
	enc_free(plain);
	if (status == STORE_OK)
		attribute->length = length;
	return status;
}

store_status store_record_decode_v1(const unsigned char *record_key,
                                    const unsigned char *token_uid,
                                    const unsigned char *unique_id,
                                    bool is_private,
                                    const unsigned char *record,
                                    size_t record_length,
                                    store_attribute **attributes, size_t *count)
{
	*attributes = NULL;
	*count = 0;
	if (record == NULL || record_length < RECORD_HEADER_BYTES ||
	    record[0] != 1)
		return STORE_ERR_CORRUPT;
	uint32_t stored_count = store_get_u32(record + 1);
	/* Every attribute takes at least ATTRIBUTE_MIN_BYTES: this bounds the
	 * allocation by the blob's real size. */
	if (stored_count >
	    (record_length - RECORD_HEADER_BYTES) / ATTRIBUTE_MIN_BYTES)
		return STORE_ERR_CORRUPT;
	store_attribute *list = NULL;
	if (stored_count != 0) {
		list = calloc(stored_count, sizeof(*list));
		if (list == NULL)
			return STORE_ERR_NOMEM;
	}

	store_status status = STORE_OK;
	size_t offset = RECORD_HEADER_BYTES;
	uint32_t done = 0;
	for (; done < stored_count; done++) {
		size_t remaining = record_length - offset;
		if (remaining < ATTRIBUTE_MIN_BYTES) {
			status = STORE_ERR_CORRUPT;
			break;
		}
		const unsigned char *at = record + offset;
		uint64_t type = store_get_u64(at);
		unsigned flags = at[8];
		size_t length = store_get_u32(at + 9);
		if ((flags & ~FLAG_SENSITIVE) != 0 ||
		    length > remaining - ATTRIBUTE_MIN_BYTES) {
			status = STORE_ERR_CORRUPT;
			break;
		}
		for (uint32_t j = 0; j < done; j++)
			if (list[j].type == type)
				status = STORE_ERR_CORRUPT;
		if (status != STORE_OK)
			break;
		list[done].type = type;
		list[done].sensitive = (flags & FLAG_SENSITIVE) != 0;
		unsigned char ad[AD_BYTES];
		build_ad(ad, token_uid, unique_id, is_private, type,
		         stored_count, flags);
		status =
		        open_value(&list[done], length, at + 13,
		                   at + ATTRIBUTE_HEADER_BYTES, ad, record_key);
		if (status != STORE_OK)
			break;
		offset += ATTRIBUTE_MIN_BYTES + length;
	}
	if (status == STORE_OK && offset != record_length)
		status = STORE_ERR_CORRUPT;
	if (status != STORE_OK) {
		store_attributes_free(list, stored_count);
		return status;
	}
	*attributes = list;
	*count = stored_count;
	return STORE_OK;
}
