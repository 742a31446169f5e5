/*
 * The sealed record: every attribute of an object encrypted on its own.
 *
 *   version u8 (1) | count u32 LE |
 *   count x ( type u64 LE | flags u8 | length u32 LE | nonce[24] |
 *             ciphertext[length + 16] )
 *
 * flags bit 0: sensitive. Each attribute's associated data is
 *   "guardhsm-attr-v1" || token_uid || unique_id || private u8 ||
 *   type u64 LE || count u32 LE || flags u8
 * so an attribute cannot move to another token, object, type or record
 * size, nor lose its sensitive flag (which would otherwise bring a secret
 * back in ordinary memory), undetected.
 */
#include "config.h"

#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

#define RECORD_VERSION 1
#define FLAG_SENSITIVE 0x01u
#define RECORD_HEADER_BYTES 5 /* version + count */
#define ATTRIBUTE_HEADER_BYTES (8 + 1 + 4 + STORE_WRAP_NONCE_BYTES)
#define ATTRIBUTE_MIN_BYTES (ATTRIBUTE_HEADER_BYTES + STORE_WRAP_TAG_BYTES)

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

/* The plaintext length of an attribute as it will be stored. */
static store_status attribute_length(const store_attribute *attribute,
                                     size_t *length)
{
	if (attribute->sensitive) {
		/* An empty sensitive value has no sealed form. */
		if (attribute->sealed == NULL) {
			if (attribute->length != 0)
				return STORE_ERR_INVALID;
			*length = 0;
		} else {
			*length = enc_sealed_length(attribute->sealed);
		}
	} else {
		if (attribute->value == NULL && attribute->length != 0)
			return STORE_ERR_INVALID;
		*length = attribute->length;
	}
	if (*length > UINT32_MAX - STORE_WRAP_TAG_BYTES)
		return STORE_ERR_INVALID;
	return STORE_OK;
}

/* Encrypts one attribute's value at out (header already written). */
static store_status seal_value(const store_attribute *attribute, size_t length,
                               const unsigned char *nonce,
                               const unsigned char *ad,
                               const unsigned char *record_key,
                               unsigned char *out)
{
	static const unsigned char empty[1];
	if (!attribute->sensitive || length == 0) {
		const unsigned char *plain =
		        length == 0 ? empty : attribute->value;
		crypto_aead_xchacha20poly1305_ietf_encrypt(
		        out, NULL, plain, length, ad, AD_BYTES, NULL, nonce,
		        record_key);
		return STORE_OK;
	}
	/* The secret exists in plaintext only in this enclave buffer. */
	enc_buffer *plain;
	store_status status = store_enclave_status(
	        enc_open(attribute->sealed, NULL, 0, 0, &plain));
	if (status != STORE_OK)
		return status;
	crypto_aead_xchacha20poly1305_ietf_encrypt(out, NULL, enc_data(plain),
	                                           length, ad, AD_BYTES, NULL,
	                                           nonce, record_key);
	enc_free(plain);
	return STORE_OK;
}

store_status store_record_encode(const unsigned char *record_key,
                                 const unsigned char *token_uid,
                                 const unsigned char *unique_id,
                                 bool is_private,
                                 const store_attribute *attributes,
                                 size_t count, unsigned char **record,
                                 size_t *record_length)
{
	*record = NULL;
	*record_length = 0;
	if ((attributes == NULL && count != 0) || count > UINT32_MAX)
		return STORE_ERR_INVALID;
	/* Types are unique in a record (the associated data names them). */
	for (size_t i = 0; i < count; i++)
		for (size_t j = i + 1; j < count; j++)
			if (attributes[i].type == attributes[j].type)
				return STORE_ERR_INVALID;

	size_t total = RECORD_HEADER_BYTES;
	for (size_t i = 0; i < count; i++) {
		size_t length;
		store_status status = attribute_length(&attributes[i], &length);
		if (status != STORE_OK)
			return status;
		if (length > SIZE_MAX - ATTRIBUTE_MIN_BYTES - total)
			return STORE_ERR_INVALID;
		total += ATTRIBUTE_MIN_BYTES + length;
	}
	/* SQLite's default blob limit is 1e9 bytes; bind takes an int. */
	if (total > 1000000000u)
		return STORE_ERR_INVALID;
	unsigned char *out = malloc(total);
	if (out == NULL)
		return STORE_ERR_NOMEM;

	/* All nonces from one call to the system's generator (one system
	 * call rather than one per attribute). */
	unsigned char nonces_small[16 * STORE_WRAP_NONCE_BYTES];
	unsigned char *nonces = nonces_small;
	if (count > 16) {
		nonces = malloc(count * STORE_WRAP_NONCE_BYTES);
		if (nonces == NULL) {
			free(out);
			return STORE_ERR_NOMEM;
		}
	}
	if (count != 0)
		randombytes_buf(nonces, count * STORE_WRAP_NONCE_BYTES);

	out[0] = RECORD_VERSION;
	store_put_u32(out + 1, (uint32_t)count);
	size_t offset = RECORD_HEADER_BYTES;
	store_status status = STORE_OK;
	for (size_t i = 0; i < count; i++) {
		const store_attribute *attribute = &attributes[i];
		size_t length;
		attribute_length(attribute, &length);
		unsigned flags = attribute->sensitive ? FLAG_SENSITIVE : 0;
		unsigned char *at = out + offset;
		store_put_u64(at, attribute->type);
		at[8] = (unsigned char)flags;
		store_put_u32(at + 9, (uint32_t)length);
		unsigned char *nonce = at + 13;
		memcpy(nonce, nonces + i * STORE_WRAP_NONCE_BYTES,
		       STORE_WRAP_NONCE_BYTES);
		unsigned char ad[AD_BYTES];
		build_ad(ad, token_uid, unique_id, is_private, attribute->type,
		         (uint32_t)count, flags);
		status = seal_value(attribute, length, nonce, ad, record_key,
		                    at + ATTRIBUTE_HEADER_BYTES);
		if (status != STORE_OK)
			break;
		offset += ATTRIBUTE_MIN_BYTES + length;
	}
	if (nonces != nonces_small)
		free(nonces);
	if (status != STORE_OK) {
		free(out);
		return status;
	}
	*record = out;
	*record_length = total;
	return STORE_OK;
}

void store_attributes_free(store_attribute *attributes, size_t count)
{
	if (attributes == NULL)
		return;
	for (size_t i = 0; i < count; i++) {
		if (attributes[i].value != NULL) {
			/* Plain values may still be private data. */
			sodium_memzero(attributes[i].value,
			               attributes[i].length);
			free(attributes[i].value);
		}
		enc_sealed_free(attributes[i].sealed);
	}
	free(attributes);
}

/* Authenticates and decrypts one attribute's ciphertext into attribute. */
static store_status open_value(store_attribute *attribute, size_t length,
                               const unsigned char *nonce,
                               const unsigned char *ciphertext,
                               const unsigned char *ad,
                               const unsigned char *record_key)
{
	unsigned long long ciphertext_length =
	        (unsigned long long)length + STORE_WRAP_TAG_BYTES;
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

store_status store_record_decode(const unsigned char *record_key,
                                 const unsigned char *token_uid,
                                 const unsigned char *unique_id,
                                 bool is_private, const unsigned char *record,
                                 size_t record_length,
                                 store_attribute **attributes, size_t *count)
{
	*attributes = NULL;
	*count = 0;
	if (record == NULL || record_length < RECORD_HEADER_BYTES ||
	    record[0] != RECORD_VERSION)
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
