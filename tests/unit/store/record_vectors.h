/* Builds the associated data and version 1 records of the store's record
 * formats independently of src/store/record*.c, from the layouts written
 * in their header comments, for test_record.c and test_format.c. */
#ifndef GUARDHSM_TESTS_STORE_RECORD_VECTORS_H
#define GUARDHSM_TESTS_STORE_RECORD_VECTORS_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define VECTOR_UID_BYTES 16
#define VECTOR_AD_BYTES (16 + 16 + 16 + 1 + 8 + 4 + 1)

static inline void vector_put_le(unsigned char *out, uint64_t value,
                                 size_t bytes)
{
	for (size_t i = 0; i < bytes; i++)
		out[i] = (unsigned char)(value >> (8 * i));
}

/* context ("guardhsm-attr-v1" or "-v2") || token_uid || unique_id ||
 * private u8 || type u64 LE || count u32 LE || flags u8 */
static inline void vector_ad(unsigned char ad[VECTOR_AD_BYTES],
                             const char *context,
                             const unsigned char *token_uid,
                             const unsigned char *unique_id, bool is_private,
                             uint64_t type, uint32_t count, unsigned flags)
{
	memcpy(ad, context, 16);
	memcpy(ad + 16, token_uid, 16);
	memcpy(ad + 32, unique_id, 16);
	ad[48] = is_private ? 1 : 0;
	vector_put_le(ad + 49, type, 8);
	vector_put_le(ad + 57, count, 4);
	ad[61] = (unsigned char)flags;
}

/* Version 3: the version 2 data (context "guardhsm-attr-v3") followed by
 * defaults u32 LE. */
#define VECTOR_AD_V3_BYTES (VECTOR_AD_BYTES + 4)
static inline void vector_ad_v3(unsigned char ad[VECTOR_AD_V3_BYTES],
                                const unsigned char *token_uid,
                                const unsigned char *unique_id, bool is_private,
                                uint64_t type, uint32_t count, unsigned flags,
                                uint32_t defaults)
{
	vector_ad(ad, "guardhsm-attr-v3", token_uid, unique_id, is_private,
	          type, count, flags);
	vector_put_le(ad + VECTOR_AD_BYTES, defaults, 4);
}

static inline unsigned char *vector_put_varint(unsigned char *out,
                                               uint64_t value)
{
	while (value >= 0x80) {
		*out++ = (unsigned char)(value | 0x80);
		value >>= 7;
	}
	*out++ = (unsigned char)value;
	return out;
}

typedef struct vector_attribute {
	uint64_t type;
	bool sensitive;
	const void *value;
	size_t length;
} vector_attribute;

/* A version 1 record (malloc'd): version 1 | count u32 LE | count x (type
 * u64 LE | flags u8 | length u32 LE | nonce[24] | ciphertext + tag), each
 * attribute XChaCha20-Poly1305 under key with a random nonce. */
static inline unsigned char *
vector_v1_record(const unsigned char key[32], const unsigned char *token_uid,
                 const unsigned char *unique_id, bool is_private,
                 const vector_attribute *attributes, uint32_t count,
                 size_t *length)
{
	size_t total = 5;
	for (uint32_t i = 0; i < count; i++)
		total += 8 + 1 + 4 + 24 + attributes[i].length + 16;
	unsigned char *record = malloc(total);
	if (record == NULL)
		return NULL;
	record[0] = 1;
	vector_put_le(record + 1, count, 4);
	unsigned char *at = record + 5;
	for (uint32_t i = 0; i < count; i++) {
		unsigned flags = attributes[i].sensitive ? 1 : 0;
		vector_put_le(at, attributes[i].type, 8);
		at[8] = (unsigned char)flags;
		vector_put_le(at + 9, attributes[i].length, 4);
		randombytes_buf(at + 13, 24);
		unsigned char ad[VECTOR_AD_BYTES];
		vector_ad(ad, "guardhsm-attr-v1", token_uid, unique_id,
		          is_private, attributes[i].type, count, flags);
		crypto_aead_xchacha20poly1305_ietf_encrypt(
		        at + 37, NULL, attributes[i].value,
		        attributes[i].length, ad, sizeof ad, NULL, at + 13,
		        key);
		at += 37 + attributes[i].length + 16;
	}
	*length = total;
	return record;
}

/* A version 2 record (malloc'd): version 2 | nonce_base[20] | count
 * varint | count x (type varint | length << 1 | sensitive varint |
 * ciphertext + tag), attribute i XChaCha20-Poly1305 under key with the
 * nonce nonce_base || i u32 LE and the version 2 associated data. */
static inline unsigned char *
vector_v2_record(const unsigned char key[32], const unsigned char *token_uid,
                 const unsigned char *unique_id, bool is_private,
                 const vector_attribute *attributes, uint32_t count,
                 size_t *length)
{
	size_t total = 1 + 20 + 10;
	for (uint32_t i = 0; i < count; i++)
		total += 20 + attributes[i].length + 16;
	unsigned char *record = malloc(total);
	if (record == NULL)
		return NULL;
	record[0] = 2;
	randombytes_buf(record + 1, 20);
	unsigned char *at = vector_put_varint(record + 21, count);
	for (uint32_t i = 0; i < count; i++) {
		unsigned flags = attributes[i].sensitive ? 1 : 0;
		at = vector_put_varint(at, attributes[i].type);
		at = vector_put_varint(at, (uint64_t)attributes[i].length << 1 |
		                                   flags);
		unsigned char nonce[24];
		memcpy(nonce, record + 1, 20);
		vector_put_le(nonce + 20, i, 4);
		unsigned char ad[VECTOR_AD_BYTES];
		vector_ad(ad, "guardhsm-attr-v2", token_uid, unique_id,
		          is_private, attributes[i].type, count, flags);
		crypto_aead_xchacha20poly1305_ietf_encrypt(
		        at, NULL, attributes[i].value, attributes[i].length, ad,
		        sizeof ad, NULL, nonce, key);
		at += attributes[i].length + 16;
	}
	*length = (size_t)(at - record);
	return record;
}

#endif /* GUARDHSM_TESTS_STORE_RECORD_VECTORS_H */
