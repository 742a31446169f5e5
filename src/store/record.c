/*
 * The sealed record (version 3): every attribute of an object encrypted on
 * its own with XChaCha20-Poly1305 under the token's record key.
 *
 *   version u8 (3) | nonce_base[20] | defaults varint | count varint |
 *   count x ( type varint | size varint | ciphertext[length + 16] )
 *
 * Varints are LEB128, minimal; size is length << 1 | sensitive. defaults
 * is the caller's number for the rules its attribute list is relative to
 * (the token layer stores only the attributes whose value differs from
 * what its defaults table, version `defaults`, would give; 0: the list is
 * complete). Attribute number i (from 0) is sealed with the 24-byte nonce
 * nonce_base || i u32 LE and the associated data
 *   "guardhsm-attr-v3" || token_uid || unique_id || private u8 ||
 *   type u64 LE || count u32 LE || flags u8 (bit 0: sensitive) ||
 *   defaults u32 LE
 * so an attribute cannot move to another token, object, type, position,
 * record size or record write, nor lose its sensitive flag (which would
 * bring a secret back in ordinary memory), nor the record change the
 * defaults its missing attributes are read with, undetected.
 *
 * Version 2 is the same without the defaults field, with "guardhsm-attr-v2"
 * and without the last 4 bytes of associated data; it is still read (as
 * defaults 0), never written.
 *
 * Nonce uniqueness under one key: nonce_base is 160 fresh random bits for
 * every record written, and within a record the index i differs for every
 * attribute (count <= 2^32). Two attributes sealed under the same key share
 * a nonce only if two record writes drew the same nonce_base: for q record
 * writes under a key that has probability at most q^2 / 2^161 (2^-81 after
 * 2^40 writes), where version 1's per-attribute random 192-bit nonces gave
 * (32q)^2 / 2^193 for 32-attribute records: both negligible. The nonce is
 * also never chosen by the caller or derived from the content.
 *
 * Every attribute of a record shares the first 16 nonce bytes, so the
 * XChaCha20 subkey (HChaCha20 of the key and those bytes) is the same for
 * all of them: it is computed once per record, into scratch space in the
 * token's (enclave) subkey buffer, and
 * each attribute is then sealed with ChaCha20-Poly1305-IETF under it and
 * the nonce 0^4 || nonce_base[16..20] || i, which is exactly
 * XChaCha20-Poly1305 with the nonce above (the unit tests check this
 * against libsodium's XChaCha20-Poly1305).
 *
 * Version 1 records (record_v1.c) are still read; only version 3 is
 * written.
 */
#include "config.h"

#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

#define RECORD_VERSION 3
#define RECORD_VERSION_2 2
#define FLAG_SENSITIVE 0x01u
#define NONCE_BASE_BYTES STORE_RECORD_NONCE_BASE_BYTES
#define HCHACHA_INPUT_BYTES crypto_core_hchacha20_INPUTBYTES /* 16 */
#define SUBKEY_BYTES crypto_core_hchacha20_OUTPUTBYTES       /* 32 */
#define IETF_NONCE_BYTES crypto_aead_chacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_chacha20poly1305_ietf_ABYTES
#define VARINT_MAX_BYTES 10
_Static_assert(SUBKEY_BYTES == STORE_SCRATCH_BYTES, "the subkey fills scratch");
/* version, nonce base and a one-byte count (version 3: and defaults) */
#define RECORD_MIN_BYTES (1 + NONCE_BASE_BYTES + 1)
/* type and size of one byte each, and the tag */
#define ATTRIBUTE_MIN_BYTES (1 + 1 + TAG_BYTES)
/* The largest value length: size (length << 1 | flag) must fit a u32, and
 * the ciphertext length an int for SQLite. */
#define LENGTH_MAX ((UINT32_MAX >> 1) - TAG_BYTES)

static const char context_v3[] = "guardhsm-attr-v3";
static const char context_v2[] = "guardhsm-attr-v2";
#define CONTEXT_BYTES (sizeof(context_v3) - 1)
_Static_assert(sizeof(context_v2) == sizeof(context_v3), "one context size");
/* Version 2's associated data is this without the defaults u32. */
#define AD_BYTES                                                               \
	(CONTEXT_BYTES + STORE_UID_BYTES + STORE_UNIQUE_ID_BYTES + 1 + 8 + 4 + \
	 1 + 4)
#define AD_V2_BYTES (AD_BYTES - 4)

/* What every attribute of one record shares. */
typedef struct record_context {
	unsigned version;
	const unsigned char *token_uid;
	const unsigned char *unique_id;
	bool is_private;
	uint32_t count;
	uint32_t defaults;
} record_context;

/* Builds an attribute's associated data; returns its length. */
static size_t build_ad(unsigned char ad[AD_BYTES], const record_context *record,
                       uint64_t type, unsigned flags)
{
	unsigned char *at = ad;
	memcpy(at, record->version == RECORD_VERSION ? context_v3 : context_v2,
	       CONTEXT_BYTES);
	at += CONTEXT_BYTES;
	memcpy(at, record->token_uid, STORE_UID_BYTES);
	at += STORE_UID_BYTES;
	memcpy(at, record->unique_id, STORE_UNIQUE_ID_BYTES);
	at += STORE_UNIQUE_ID_BYTES;
	*at++ = record->is_private ? 1 : 0;
	store_put_u64(at, type);
	at += 8;
	store_put_u32(at, record->count);
	at += 4;
	*at++ = (unsigned char)flags;
	if (record->version != RECORD_VERSION)
		return AD_V2_BYTES;
	store_put_u32(at, record->defaults);
	return AD_BYTES;
}

/* ---- varints ------------------------------------------------------------ */

static size_t varint_length(uint64_t value)
{
	size_t length = 1;
	while (value >= 0x80) {
		value >>= 7;
		length++;
	}
	return length;
}

static unsigned char *put_varint(unsigned char *out, uint64_t value)
{
	while (value >= 0x80) {
		*out++ = (unsigned char)(value | 0x80);
		value >>= 7;
	}
	*out++ = (unsigned char)value;
	return out;
}

/* Reads a minimal varint from in[*offset .. length); false if it runs past
 * the end, is longer than 64 bits, or has a redundant trailing zero. */
static bool get_varint(const unsigned char *in, size_t length, size_t *offset,
                       uint64_t *value)
{
	uint64_t result = 0;
	size_t at = *offset;
	for (unsigned shift = 0; shift < 7 * VARINT_MAX_BYTES; shift += 7) {
		if (at >= length)
			return false;
		unsigned char byte = in[at++];
		uint64_t bits = byte & 0x7fu;
		/* The tenth byte holds only the 64th bit. */
		if (shift == 63 && bits > 1)
			return false;
		result |= bits << shift;
		if ((byte & 0x80u) == 0) {
			/* A zero last byte after others is not minimal. */
			if (byte == 0 && shift != 0)
				return false;
			*offset = at;
			*value = result;
			return true;
		}
	}
	return false;
}

/* ---- the per-record subkey ------------------------------------------------
 */

/* The XChaCha20 subkey of a record: HChaCha20 of the record key and the
 * first 16 nonce bytes, into the caller's enclave scratch (which the
 * caller wipes). */
static void record_subkey(const unsigned char *record_key,
                          const unsigned char *nonce_base,
                          unsigned char subkey[SUBKEY_BYTES])
{
	crypto_core_hchacha20(subkey, nonce_base, record_key, NULL);
}

/* The inner ChaCha20-Poly1305-IETF nonce of attribute index. */
static void attribute_nonce(unsigned char nonce[IETF_NONCE_BYTES],
                            const unsigned char *nonce_base, uint32_t index)
{
	memset(nonce, 0, 4);
	memcpy(nonce + 4, nonce_base + HCHACHA_INPUT_BYTES,
	       NONCE_BASE_BYTES - HCHACHA_INPUT_BYTES);
	store_put_u32(nonce + 8, index);
}

/* ---- encode -------------------------------------------------------------- */

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
	if (*length > LENGTH_MAX)
		return STORE_ERR_INVALID;
	return STORE_OK;
}

/* Encrypts one attribute's value to out (ciphertext || tag). */
static store_status seal_value(const store_attribute *attribute, size_t length,
                               const unsigned char *nonce,
                               const unsigned char *ad, size_t ad_length,
                               const unsigned char *subkey, unsigned char *out)
{
	static const unsigned char empty[1];
	if (!attribute->sensitive || length == 0) {
		const unsigned char *plain =
		        length == 0 ? empty : attribute->value;
		crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, plain,
		                                          length, ad, ad_length,
		                                          NULL, nonce, subkey);
		return STORE_OK;
	}
	/* The secret exists in plaintext only in this enclave buffer, left
	 * READWRITE for the few microseconds it lives: enc_open's READONLY
	 * step and its undoing cost two mprotect calls per object. */
	enc_buffer *plain;
	store_status status =
	        store_enclave_status(enc_alloc(length, 0, &plain));
	if (status != STORE_OK)
		return status;
	status = store_enclave_status(
	        enc_open_into(attribute->sealed, NULL, 0, plain));
	if (status != STORE_OK) {
		enc_free(plain);
		return status;
	}
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, enc_data(plain),
	                                          length, ad, ad_length, NULL,
	                                          nonce, subkey);
	enc_free(plain);
	return STORE_OK;
}

store_status
store_record_encode(const unsigned char *record_key, unsigned char *scratch,
                    const unsigned char *token_uid,
                    const unsigned char *unique_id, bool is_private,
                    uint32_t defaults, const store_attribute *attributes,
                    size_t count, unsigned char **record, size_t *record_length)
{
	*record = NULL;
	*record_length = 0;
	/* defaults is authenticated only through the attributes' data. */
	if ((attributes == NULL && count != 0) || count > UINT32_MAX ||
	    (count == 0 && defaults != 0))
		return STORE_ERR_INVALID;
	/* Types are unique in a record (the associated data names them). */
	for (size_t i = 0; i < count; i++)
		for (size_t j = i + 1; j < count; j++)
			if (attributes[i].type == attributes[j].type)
				return STORE_ERR_INVALID;

	size_t total = 1 + NONCE_BASE_BYTES + varint_length(defaults) +
	               varint_length(count);
	for (size_t i = 0; i < count; i++) {
		size_t length;
		store_status status = attribute_length(&attributes[i], &length);
		if (status != STORE_OK)
			return status;
		size_t size = varint_length(attributes[i].type) +
		              varint_length((uint64_t)length << 1) + length +
		              TAG_BYTES;
		if (size > SIZE_MAX - total)
			return STORE_ERR_INVALID;
		total += size;
	}
	/* SQLite's default blob limit is 1e9 bytes; bind takes an int. */
	if (total > 1000000000u)
		return STORE_ERR_INVALID;
	unsigned char *out = malloc(total);
	if (out == NULL)
		return STORE_ERR_NOMEM;

	out[0] = RECORD_VERSION;
	unsigned char *nonce_base = out + 1;
	randombytes_buf(nonce_base, NONCE_BASE_BYTES);
	unsigned char *at = put_varint(nonce_base + NONCE_BASE_BYTES, defaults);
	at = put_varint(at, count);
	record_context context = {.version = RECORD_VERSION,
	                          .token_uid = token_uid,
	                          .unique_id = unique_id,
	                          .is_private = is_private,
	                          .count = (uint32_t)count,
	                          .defaults = defaults};
	record_subkey(record_key, nonce_base, scratch);
	store_status status = STORE_OK;
	for (size_t i = 0; i < count && status == STORE_OK; i++) {
		const store_attribute *attribute = &attributes[i];
		size_t length;
		attribute_length(attribute, &length);
		unsigned flags = attribute->sensitive ? FLAG_SENSITIVE : 0;
		at = put_varint(at, attribute->type);
		at = put_varint(at, (uint64_t)length << 1 | flags);
		unsigned char nonce[IETF_NONCE_BYTES];
		attribute_nonce(nonce, nonce_base, (uint32_t)i);
		unsigned char ad[AD_BYTES];
		size_t ad_length =
		        build_ad(ad, &context, attribute->type, flags);
		status = seal_value(attribute, length, nonce, ad, ad_length,
		                    scratch, at);
		at += length + TAG_BYTES;
	}
	sodium_memzero(scratch, SUBKEY_BYTES);
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

/* ---- decode -------------------------------------------------------------- */

/* Authenticates and decrypts one attribute's ciphertext (length + 16
 * bytes) into attribute. */
static store_status open_value(store_attribute *attribute, size_t length,
                               const unsigned char *ciphertext,
                               const unsigned char *nonce,
                               const unsigned char *ad, size_t ad_length,
                               const unsigned char *subkey)
{
	unsigned long long ciphertext_length =
	        (unsigned long long)length + TAG_BYTES;
	if (length == 0) {
		unsigned char empty[1];
		if (crypto_aead_chacha20poly1305_ietf_decrypt(
		            empty, NULL, NULL, ciphertext, ciphertext_length,
		            ad, ad_length, nonce, subkey) != 0)
			return STORE_ERR_CORRUPT;
		return STORE_OK;
	}
	if (!attribute->sensitive) {
		unsigned char *value = malloc(length);
		if (value == NULL)
			return STORE_ERR_NOMEM;
		if (crypto_aead_chacha20poly1305_ietf_decrypt(
		            value, NULL, NULL, ciphertext, ciphertext_length,
		            ad, ad_length, nonce, subkey) != 0) {
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
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
	            enc_data(plain), NULL, NULL, ciphertext, ciphertext_length,
	            ad, ad_length, nonce, subkey) != 0)
		status = STORE_ERR_CORRUPT;
	else
		status = store_enclave_status(
		        enc_seal(plain, NULL, 0, &attribute->sealed));
	enc_free(plain);
	if (status == STORE_OK)
		attribute->length = length;
	return status;
}

/* Versions 3 and 2 (which lacks the defaults field). */
static store_status
decode_v3(const unsigned char *record_key, unsigned char *scratch,
          const unsigned char *token_uid, const unsigned char *unique_id,
          bool is_private, const unsigned char *record, size_t record_length,
          uint32_t *defaults, store_attribute **attributes, size_t *count)
{
	if (record_length < RECORD_MIN_BYTES)
		return STORE_ERR_CORRUPT;
	const unsigned char *nonce_base = record + 1;
	size_t offset = 1 + NONCE_BASE_BYTES;
	record_context context = {.version = record[0],
	                          .token_uid = token_uid,
	                          .unique_id = unique_id,
	                          .is_private = is_private};
	uint64_t stored_defaults = 0, stored_count;
	if ((context.version == RECORD_VERSION &&
	     (!get_varint(record, record_length, &offset, &stored_defaults) ||
	      stored_defaults > UINT32_MAX)) ||
	    !get_varint(record, record_length, &offset, &stored_count))
		return STORE_ERR_CORRUPT;
	context.defaults = (uint32_t)stored_defaults;
	/* Every attribute takes at least ATTRIBUTE_MIN_BYTES: this bounds the
	 * allocation by the blob's real size. */
	if (stored_count > UINT32_MAX ||
	    stored_count > (record_length - offset) / ATTRIBUTE_MIN_BYTES)
		return STORE_ERR_CORRUPT;
	/* With no attribute nothing authenticates the defaults: the encoder
	 * never writes such a record. */
	if (stored_count == 0)
		return offset == record_length && stored_defaults == 0
		               ? STORE_OK
		               : STORE_ERR_CORRUPT;
	context.count = (uint32_t)stored_count;
	store_attribute *list = calloc((size_t)stored_count, sizeof(*list));
	if (list == NULL)
		return STORE_ERR_NOMEM;
	record_subkey(record_key, nonce_base, scratch);
	store_status status = STORE_OK;
	for (uint32_t done = 0; status == STORE_OK && done < stored_count;
	     done++) {
		uint64_t type, size;
		if (!get_varint(record, record_length, &offset, &type) ||
		    !get_varint(record, record_length, &offset, &size) ||
		    (size >> 1) > LENGTH_MAX ||
		    record_length - offset < (size >> 1) + TAG_BYTES) {
			status = STORE_ERR_CORRUPT;
			break;
		}
		size_t length = (size_t)(size >> 1);
		for (uint32_t j = 0; j < done; j++)
			if (list[j].type == type)
				status = STORE_ERR_CORRUPT;
		if (status != STORE_OK)
			break;
		unsigned flags = (unsigned)(size & FLAG_SENSITIVE);
		list[done].type = type;
		list[done].sensitive = flags != 0;
		unsigned char nonce[IETF_NONCE_BYTES];
		attribute_nonce(nonce, nonce_base, done);
		unsigned char ad[AD_BYTES];
		size_t ad_length = build_ad(ad, &context, type, flags);
		status = open_value(&list[done], length, record + offset, nonce,
		                    ad, ad_length, scratch);
		offset += length + TAG_BYTES;
	}
	sodium_memzero(scratch, SUBKEY_BYTES);
	if (status == STORE_OK && offset != record_length)
		status = STORE_ERR_CORRUPT;
	if (status != STORE_OK) {
		store_attributes_free(list, (size_t)stored_count);
		return status;
	}
	*attributes = list;
	*count = (size_t)stored_count;
	*defaults = context.defaults;
	return STORE_OK;
}

store_status store_record_decode(const unsigned char *record_key,
                                 unsigned char *scratch,
                                 const unsigned char *token_uid,
                                 const unsigned char *unique_id,
                                 bool is_private, const unsigned char *record,
                                 size_t record_length, uint32_t *defaults,
                                 store_attribute **attributes, size_t *count)
{
	*attributes = NULL;
	*count = 0;
	*defaults = 0;
	if (record == NULL || record_length == 0)
		return STORE_ERR_CORRUPT;
	switch (record[0]) {
	case RECORD_VERSION:
	case RECORD_VERSION_2:
		return decode_v3(record_key, scratch, token_uid, unique_id,
		                 is_private, record, record_length, defaults,
		                 attributes, count);
	case 1:
		return store_record_decode_v1(record_key, token_uid, unique_id,
		                              is_private, record, record_length,
		                              attributes, count);
	default:
		return STORE_ERR_CORRUPT;
	}
}
