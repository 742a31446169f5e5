/* The sealed record (src/store/record.c, record_v1.c) below the token:
 * round trips; every attribute of a version 3 record is exactly
 * XChaCha20-Poly1305 under the record key with the nonce nonce_base || i
 * and the documented associated data (checked with libsodium's own
 * XChaCha20-Poly1305); nonces never repeat under one key; ciphertexts
 * swapped between attributes, types, objects, tokens, visibilities or
 * record writes, or a changed defaults version, are refused; only minimal
 * varints parse; the subkey scratch is wiped; version 1 and 2 records
 * (built here from their documented layouts) still decode. */
#include "config.h"

#include "helpers.h"
#include "record_vectors.h"
#include "store/internal.h"

#include <string.h>

#define NONCE_BASE STORE_RECORD_NONCE_BASE_BYTES /* 20 */
#define TAG 16

static unsigned char record_key[32];
static const unsigned char token_uid[16] = "token-uid-012345";
static const unsigned char object_a[16] = "object-a-0123456";
static const unsigned char object_b[16] = "object-b-0123456";
static const unsigned char secret[24] = "a sensitive value here!";
static char long_value[300];
/* The defaults version the tests write records with: any number will do
 * for the store. */
#define DEFAULTS 7

/* Attributes covering one- and multi-byte varints (types and lengths),
 * an empty value and a sensitive one. *sealed: free with
 * enc_sealed_free. */
static size_t sample_attributes(store_attribute attributes[5],
                                enc_sealed **sealed)
{
	assert_int_equal(enc_seal_bytes(secret, sizeof secret, NULL, 0, sealed),
	                 ENC_OK);
	memset(long_value, 'x', sizeof long_value);
	static const unsigned char class_value[8] = {4};
	attributes[0] = plain_attribute(0x0, class_value, sizeof class_value);
	attributes[1] = plain_attribute(0x3, "a label", 7);
	attributes[2] = (store_attribute){.type = 0x11,
	                                  .sensitive = true,
	                                  .length = sizeof secret,
	                                  .sealed = *sealed};
	attributes[3] =
	        plain_attribute(0x80000001u, long_value, sizeof long_value);
	attributes[4] = plain_attribute(0x40000211u, NULL, 0);
	return 5;
}

/* An enclave buffer for the subkey scratch, and the test's record key. */
static enc_buffer *new_scratch(void)
{
	randombytes_buf(record_key, sizeof record_key);
	enc_buffer *scratch = NULL;
	assert_int_equal(enc_alloc(STORE_SCRATCH_BYTES, 0, &scratch), ENC_OK);
	return scratch;
}

static unsigned char *encode(enc_buffer *scratch,
                             const unsigned char *unique_id, bool is_private,
                             const store_attribute *attributes, size_t count,
                             size_t *length)
{
	unsigned char *record = NULL;
	assert_int_equal(store_record_encode(record_key, enc_data(scratch),
	                                     token_uid, unique_id, is_private,
	                                     count == 0 ? 0 : DEFAULTS,
	                                     attributes, count, &record,
	                                     length),
	                 STORE_OK);
	return record;
}

static store_status decode(enc_buffer *scratch, const unsigned char *tuid,
                           const unsigned char *unique_id, bool is_private,
                           const unsigned char *record, size_t length)
{
	store_attribute *attributes = NULL;
	size_t count = 0;
	uint32_t defaults = 1234;
	store_status status = store_record_decode(
	        record_key, enc_data(scratch), tuid, unique_id, is_private,
	        record, length, &defaults, &attributes, &count);
	store_attributes_free(attributes, count);
	if (status == STORE_OK)
		assert_int_equal(defaults,
		                 record[0] == 3 && count > 0 ? DEFAULTS : 0);
	else
		assert_int_equal(defaults, 0);
	return status;
}

static void expect_corrupt(enc_buffer *scratch, const unsigned char *record,
                           size_t length, const unsigned char *unique_id,
                           bool is_private);

/* ---- an independent parser of the version 3 layout -------------------- */

typedef struct parsed_attribute {
	uint64_t type;
	uint64_t size;     /* length << 1 | sensitive */
	size_t start;      /* offset of the type varint */
	size_t ciphertext; /* offset of ciphertext || tag */
	size_t end;        /* one past the tag */
} parsed_attribute;

static uint64_t read_varint(const unsigned char *in, size_t *offset)
{
	uint64_t value = 0;
	for (unsigned shift = 0;; shift += 7) {
		unsigned char byte = in[(*offset)++];
		value |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80))
			return value;
	}
}

static size_t parse_v3(const unsigned char *record, size_t length,
                       parsed_attribute *out, size_t capacity)
{
	assert_int_equal(record[0], 3);
	size_t offset = 1 + NONCE_BASE;
	assert_int_equal(read_varint(record, &offset), DEFAULTS);
	uint64_t count = read_varint(record, &offset);
	assert_true(count <= capacity);
	for (uint64_t i = 0; i < count; i++) {
		out[i].start = offset;
		out[i].type = read_varint(record, &offset);
		out[i].size = read_varint(record, &offset);
		out[i].ciphertext = offset;
		offset += (size_t)(out[i].size >> 1) + TAG;
		out[i].end = offset;
	}
	assert_int_equal(offset, length);
	return (size_t)count;
}

/* ---- tests ----------------------------------------------------------------
 */

static void test_round_trip(void **state)
{
	(void)state;
	enc_buffer *scratch = new_scratch();
	enc_sealed *sealed;
	store_attribute attributes[5];
	size_t count = sample_attributes(attributes, &sealed);
	for (int is_private = 0; is_private < 2; is_private++) {
		size_t length;
		unsigned char *record = encode(scratch, object_a, is_private,
		                               attributes, count, &length);
		store_attribute *loaded = NULL;
		size_t loaded_count = 0;
		uint32_t defaults = 0;
		assert_int_equal(
		        store_record_decode(record_key, enc_data(scratch),
		                            token_uid, object_a, is_private,
		                            record, length, &defaults, &loaded,
		                            &loaded_count),
		        STORE_OK);
		assert_int_equal(defaults, DEFAULTS);
		assert_int_equal(loaded_count, count);
		for (size_t i = 0; i < count; i++) {
			assert_int_equal(loaded[i].type, attributes[i].type);
			assert_int_equal(loaded[i].sensitive,
			                 attributes[i].sensitive);
			assert_int_equal(loaded[i].length,
			                 attributes[i].length);
			if (!loaded[i].sensitive && loaded[i].length != 0)
				assert_memory_equal(loaded[i].value,
				                    attributes[i].value,
				                    loaded[i].length);
		}
		/* The secret comes back sealed only. */
		assert_null(loaded[2].value);
		enc_buffer *opened = NULL;
		assert_int_equal(
		        enc_open(loaded[2].sealed, NULL, 0, 0, &opened),
		        ENC_OK);
		assert_memory_equal(enc_data(opened), secret, sizeof secret);
		enc_free(opened);
		store_attributes_free(loaded, loaded_count);
		/* Version, nonce base, defaults, count; the values; a tag
		 * each; the types (1, 1, 1, 5 and 5 bytes) and sizes (1, 1, 1,
		 * 2, 1): version 1 spent 53 bytes on each attribute. */
		size_t values = 8 + 7 + sizeof secret + sizeof long_value;
		assert_int_equal(length, 1 + NONCE_BASE + 1 + 1 + values +
		                                 count * TAG + 13 + 6);
		free(record);
	}
	/* No attributes at all: then nothing would authenticate a defaults
	 * version, so there is none. */
	size_t length;
	unsigned char *record =
	        encode(scratch, object_a, false, NULL, 0, &length);
	assert_int_equal(length, 1 + NONCE_BASE + 2);
	assert_int_equal(
	        decode(scratch, token_uid, object_a, false, record, length),
	        STORE_OK);
	record[1 + NONCE_BASE] = 1;
	expect_corrupt(scratch, record, length, object_a, false);
	free(record);
	unsigned char *refused = NULL;
	assert_int_equal(store_record_encode(record_key, enc_data(scratch),
	                                     token_uid, object_a, false, 1,
	                                     NULL, 0, &refused, &length),
	                 STORE_ERR_INVALID);
	assert_null(refused);
	enc_sealed_free(sealed);
	enc_free(scratch);
}

/* Each attribute opens with libsodium's XChaCha20-Poly1305 under the
 * record key itself, the nonce nonce_base || i u32 LE and the associated
 * data of record.c's comment: the per-record subkey is only a shortcut. */
static void test_attributes_are_xchacha20poly1305(void **state)
{
	(void)state;
	enc_buffer *scratch = new_scratch();
	enc_sealed *sealed;
	store_attribute attributes[5];
	size_t count = sample_attributes(attributes, &sealed);
	size_t length;
	unsigned char *record =
	        encode(scratch, object_b, true, attributes, count, &length);
	parsed_attribute parsed[5];
	assert_int_equal(parse_v3(record, length, parsed, 5), count);
	for (size_t i = 0; i < count; i++) {
		assert_int_equal(parsed[i].type, attributes[i].type);
		size_t value_length = (size_t)(parsed[i].size >> 1);
		unsigned flags = (unsigned)(parsed[i].size & 1);
		assert_int_equal(flags, attributes[i].sensitive ? 1 : 0);
		unsigned char nonce[24];
		memcpy(nonce, record + 1, NONCE_BASE);
		vector_put_le(nonce + NONCE_BASE, i, 4);
		unsigned char ad[VECTOR_AD_V3_BYTES];
		vector_ad_v3(ad, token_uid, object_b, true, parsed[i].type,
		             (uint32_t)count, flags, DEFAULTS);
		unsigned char plain[sizeof long_value];
		assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(
		                         plain, NULL, NULL,
		                         record + parsed[i].ciphertext,
		                         value_length + TAG, ad, sizeof ad,
		                         nonce, record_key),
		                 0);
		const void *expected = i == 2 ? secret : attributes[i].value;
		if (value_length != 0)
			assert_memory_equal(plain, expected, value_length);
	}
	free(record);
	enc_sealed_free(sealed);
	enc_free(scratch);
}

static int compare_nonces(const void *a, const void *b)
{
	return memcmp(a, b, 24);
}

/* No two attributes sealed under one key share a nonce: 2,048 records of
 * the same content, 5 attributes each. */
static void test_nonces_never_repeat(void **state)
{
	(void)state;
	enum { RECORDS = 2048, PER = 5 };
	enc_buffer *scratch = new_scratch();
	enc_sealed *sealed;
	store_attribute attributes[PER];
	sample_attributes(attributes, &sealed);
	unsigned char(*nonces)[24] = malloc(RECORDS * PER * 24);
	assert_non_null(nonces);
	for (size_t r = 0; r < RECORDS; r++) {
		size_t length;
		unsigned char *record = encode(scratch, object_a, false,
		                               attributes, PER, &length);
		for (size_t i = 0; i < PER; i++) {
			memcpy(nonces[r * PER + i], record + 1, NONCE_BASE);
			vector_put_le(nonces[r * PER + i] + NONCE_BASE, i, 4);
		}
		free(record);
	}
	qsort(nonces, RECORDS * PER, 24, compare_nonces);
	for (size_t i = 1; i < RECORDS * PER; i++)
		assert_true(memcmp(nonces[i - 1], nonces[i], 24) != 0);
	free(nonces);
	enc_sealed_free(sealed);
	enc_free(scratch);
}

/* Moves bytes [from, from + size) of source over [to, to + size) of a
 * copy of target and returns the copy. */
static unsigned char *spliced(const unsigned char *target, size_t length,
                              size_t to, const unsigned char *source,
                              size_t from, size_t size)
{
	unsigned char *copy = malloc(length);
	assert_non_null(copy);
	memcpy(copy, target, length);
	memcpy(copy + to, source + from, size);
	return copy;
}

static void expect_corrupt(enc_buffer *scratch, const unsigned char *record,
                           size_t length, const unsigned char *unique_id,
                           bool is_private)
{
	assert_int_equal(decode(scratch, token_uid, unique_id, is_private,
	                        record, length),
	                 STORE_ERR_CORRUPT);
}

static void test_swaps_are_detected(void **state)
{
	(void)state;
	enc_buffer *scratch = new_scratch();
	/* Two attributes of the same length, so swaps keep the layout. */
	store_attribute attributes[2] = {
	        plain_attribute(0x3, "label-one", 9),
	        plain_attribute(0x102, "ident-two", 9),
	};
	size_t length_a, length_b, length_old;
	unsigned char *old =
	        encode(scratch, object_a, true, attributes, 2, &length_old);
	unsigned char *record_a =
	        encode(scratch, object_a, true, attributes, 2, &length_a);
	unsigned char *record_b =
	        encode(scratch, object_b, true, attributes, 2, &length_b);
	assert_int_equal(length_a, length_b);
	parsed_attribute pa[2], pb[2];
	parse_v3(record_a, length_a, pa, 2);
	parse_v3(record_b, length_b, pb, 2);
	size_t sealed_bytes = 9 + TAG;

	/* Between the two types of one record. */
	unsigned char *copy = spliced(record_a, length_a, pa[0].ciphertext,
	                              record_a, pa[1].ciphertext, sealed_bytes);
	memcpy(copy + pa[1].ciphertext, record_a + pa[0].ciphertext,
	       sealed_bytes);
	expect_corrupt(scratch, copy, length_a, object_a, true);
	free(copy);
	/* Whole entries (type, size and ciphertext) in another order. */
	copy = spliced(record_a, length_a, 0, record_a, 0, 0);
	size_t first = pa[0].end - pa[0].start;
	size_t second = pa[1].end - pa[1].start;
	memcpy(copy + pa[0].start, record_a + pa[1].start, second);
	memcpy(copy + pa[0].start + second, record_a + pa[0].start, first);
	expect_corrupt(scratch, copy, length_a, object_a, true);
	free(copy);
	/* The same type's ciphertext from another object's record, and with
	 * that record's nonce base too. */
	copy = spliced(record_a, length_a, pa[0].ciphertext, record_b,
	               pb[0].ciphertext, sealed_bytes);
	expect_corrupt(scratch, copy, length_a, object_a, true);
	memcpy(copy + 1, record_b + 1, NONCE_BASE);
	expect_corrupt(scratch, copy, length_a, object_a, true);
	free(copy);
	/* An attribute from an earlier write of the same object. */
	copy = spliced(record_a, length_a, pa[1].ciphertext, old,
	               pa[1].ciphertext, sealed_bytes);
	expect_corrupt(scratch, copy, length_a, object_a, true);
	free(copy);
	/* A whole record under another object, visibility or token, or with
	 * an attribute's type or sensitive flag changed. */
	expect_corrupt(scratch, record_a, length_a, object_b, true);
	expect_corrupt(scratch, record_a, length_a, object_a, false);
	assert_int_equal(
	        decode(scratch, object_b, object_a, true, record_a, length_a),
	        STORE_ERR_CORRUPT);
	copy = spliced(record_a, length_a, 0, record_a, 0, 0);
	copy[pa[0].start] = 0x4; /* type 0x3 -> 0x4 */
	expect_corrupt(scratch, copy, length_a, object_a, true);
	copy[pa[0].start] = 0x3;
	copy[pa[0].start + 1] |= 1; /* claims to be sensitive */
	expect_corrupt(scratch, copy, length_a, object_a, true);
	copy[pa[0].start + 1] &= 0xfe;
	assert_int_equal(
	        decode(scratch, token_uid, object_a, true, copy, length_a),
	        STORE_OK);
	/* Other defaults (the one-byte varint after the nonce base): the
	 * record would load with attributes it never had. */
	for (unsigned defaults = 0; defaults < 0x80; defaults++) {
		if (defaults == DEFAULTS)
			continue;
		copy[1 + NONCE_BASE] = (unsigned char)defaults;
		expect_corrupt(scratch, copy, length_a, object_a, true);
	}
	free(copy);
	free(old);
	free(record_a);
	free(record_b);
	enc_free(scratch);
}

/* Inserts bytes at offset of record: a copy one or more bytes longer. */
static unsigned char *with_inserted(const unsigned char *record, size_t length,
                                    size_t offset, const unsigned char *bytes,
                                    size_t count, size_t replaced)
{
	unsigned char *copy = malloc(length + count);
	assert_non_null(copy);
	memcpy(copy, record, offset);
	memcpy(copy + offset, bytes, count);
	memcpy(copy + offset + count, record + offset + replaced,
	       length - offset - replaced);
	return copy;
}

/* The same numbers in longer varints authenticate (the associated data
 * holds the values, not their encoding), so only the parser's
 * minimality rule refuses them. */
static void test_only_minimal_varints(void **state)
{
	(void)state;
	enc_buffer *scratch = new_scratch();
	store_attribute attribute = plain_attribute(0x3, "v", 1);
	size_t length;
	unsigned char *record =
	        encode(scratch, object_a, false, &attribute, 1, &length);
	size_t defaults_at = 1 + NONCE_BASE;
	size_t count_at = defaults_at + 1;
	assert_int_equal(record[defaults_at], DEFAULTS);
	assert_int_equal(record[count_at], 1);
	assert_int_equal(record[count_at + 1], 0x3);
	static const unsigned char long_one[] = {0x81, 0x00};
	static const unsigned char long_three[] = {0x83, 0x80, 0x00};
	static const unsigned char eleven[] = {0x81, 0x80, 0x80, 0x80,
	                                       0x80, 0x80, 0x80, 0x80,
	                                       0x80, 0x80, 0x00};
	/* 3 again, plus a 65th bit that would fall off the end. */
	static const unsigned char too_big[] = {0x83, 0x80, 0x80, 0x80, 0x80,
	                                        0x80, 0x80, 0x80, 0x80, 0x02};
	unsigned char *bad = with_inserted(record, length, count_at, long_one,
	                                   sizeof long_one, 1);
	expect_corrupt(scratch, bad, length + 1, object_a, false);
	free(bad);
	static const unsigned char long_defaults[] = {0x80 | DEFAULTS, 0x00};
	bad = with_inserted(record, length, defaults_at, long_defaults,
	                    sizeof long_defaults, 1);
	expect_corrupt(scratch, bad, length + 1, object_a, false);
	free(bad);
	/* Defaults past 32 bits. */
	static const unsigned char huge_defaults[] = {0x80, 0x80, 0x80, 0x80,
	                                              0x10};
	bad = with_inserted(record, length, defaults_at, huge_defaults,
	                    sizeof huge_defaults, 1);
	expect_corrupt(scratch, bad, length + 4, object_a, false);
	free(bad);
	bad = with_inserted(record, length, count_at + 1, long_three,
	                    sizeof long_three, 1);
	expect_corrupt(scratch, bad, length + 2, object_a, false);
	free(bad);
	bad = with_inserted(record, length, count_at + 1, eleven, sizeof eleven,
	                    1);
	expect_corrupt(scratch, bad, length + 10, object_a, false);
	free(bad);
	bad = with_inserted(record, length, count_at + 1, too_big,
	                    sizeof too_big, 1);
	expect_corrupt(scratch, bad, length + 9, object_a, false);
	free(bad);
	/* A count larger than the bytes could hold. */
	bad = with_inserted(record, length, count_at,
	                    (const unsigned char *)"\x7f", 1, 1);
	expect_corrupt(scratch, bad, length, object_a, false);
	free(bad);
	/* Unknown versions. */
	for (int version = 0; version < 256; version++) {
		if (version >= 1 && version <= 3)
			continue;
		record[0] = (unsigned char)version;
		expect_corrupt(scratch, record, length, object_a, false);
	}
	free(record);
	enc_free(scratch);
}

static bool all_zero(const unsigned char *bytes, size_t length)
{
	unsigned char any = 0;
	for (size_t i = 0; i < length; i++)
		any |= bytes[i];
	return any == 0;
}

/* The record's subkey does not outlive the call, failed or not. */
static void test_scratch_is_wiped(void **state)
{
	(void)state;
	enc_buffer *scratch = new_scratch();
	store_attribute attribute = plain_attribute(0x3, "value", 5);
	size_t length;
	unsigned char *record =
	        encode(scratch, object_a, false, &attribute, 1, &length);
	assert_true(all_zero(enc_data(scratch), STORE_SCRATCH_BYTES));
	assert_int_equal(
	        decode(scratch, token_uid, object_a, false, record, length),
	        STORE_OK);
	assert_true(all_zero(enc_data(scratch), STORE_SCRATCH_BYTES));
	record[length - 1] ^= 1;
	expect_corrupt(scratch, record, length, object_a, false);
	assert_true(all_zero(enc_data(scratch), STORE_SCRATCH_BYTES));
	free(record);
	enc_free(scratch);
}

/* Version 1 records, as format 1 files hold them, still decode; damaged,
 * they are refused. */
static void test_version_1_records(void **state)
{
	(void)state;
	enc_buffer *scratch = new_scratch();
	static const unsigned char empty[1];
	const vector_attribute attributes[3] = {
	        {.type = 0x3, .value = "old label", .length = 9},
	        {.type = 0x11,
	         .sensitive = true,
	         .value = secret,
	         .length = sizeof secret},
	        {.type = 0x180, .value = empty, .length = 0},
	};
	size_t length;
	unsigned char *record = vector_v1_record(
	        record_key, token_uid, object_a, true, attributes, 3, &length);
	assert_non_null(record);
	store_attribute *loaded = NULL;
	size_t count = 0;
	uint32_t defaults = 1;
	assert_int_equal(store_record_decode(record_key, enc_data(scratch),
	                                     token_uid, object_a, true, record,
	                                     length, &defaults, &loaded,
	                                     &count),
	                 STORE_OK);
	assert_int_equal(defaults, 0);
	assert_int_equal(count, 3);
	assert_int_equal(loaded[0].type, 0x3);
	assert_memory_equal(loaded[0].value, "old label", 9);
	assert_true(loaded[1].sensitive);
	assert_null(loaded[1].value);
	enc_buffer *opened = NULL;
	assert_int_equal(enc_open(loaded[1].sealed, NULL, 0, 0, &opened),
	                 ENC_OK);
	assert_memory_equal(enc_data(opened), secret, sizeof secret);
	enc_free(opened);
	assert_int_equal(loaded[2].length, 0);
	store_attributes_free(loaded, count);
	/* Bound to the object, and every byte counts. */
	expect_corrupt(scratch, record, length, object_b, true);
	for (size_t i = 0; i < length; i++) {
		record[i] ^= 0x01;
		expect_corrupt(scratch, record, length, object_a, true);
		record[i] ^= 0x01;
	}
	free(record);
	enc_free(scratch);
}

/* Version 2 records, as format 2 files hold them, decode as complete
 * lists (defaults 0); damaged, they are refused. */
static void test_version_2_records(void **state)
{
	(void)state;
	enc_buffer *scratch = new_scratch();
	static const unsigned char empty[1];
	memset(long_value, 'y', sizeof long_value);
	const vector_attribute attributes[4] = {
	        {.type = 0x3, .value = "v2 label", .length = 8},
	        {.type = 0x11,
	         .sensitive = true,
	         .value = secret,
	         .length = sizeof secret},
	        {.type = 0x180, .value = empty, .length = 0},
	        {.type = 0x80000001u,
	         .value = long_value,
	         .length = sizeof long_value},
	};
	size_t length;
	unsigned char *record = vector_v2_record(
	        record_key, token_uid, object_a, true, attributes, 4, &length);
	assert_non_null(record);
	store_attribute *loaded = NULL;
	size_t count = 0;
	uint32_t defaults = 1;
	assert_int_equal(store_record_decode(record_key, enc_data(scratch),
	                                     token_uid, object_a, true, record,
	                                     length, &defaults, &loaded,
	                                     &count),
	                 STORE_OK);
	assert_int_equal(defaults, 0);
	assert_int_equal(count, 4);
	assert_int_equal(loaded[0].type, 0x3);
	assert_memory_equal(loaded[0].value, "v2 label", 8);
	assert_true(loaded[1].sensitive);
	assert_null(loaded[1].value);
	enc_buffer *opened = NULL;
	assert_int_equal(enc_open(loaded[1].sealed, NULL, 0, 0, &opened),
	                 ENC_OK);
	assert_memory_equal(enc_data(opened), secret, sizeof secret);
	enc_free(opened);
	assert_int_equal(loaded[2].length, 0);
	assert_int_equal(loaded[3].type, 0x80000001u);
	assert_memory_equal(loaded[3].value, long_value, sizeof long_value);
	store_attributes_free(loaded, count);
	/* Bound to the object; every byte counts; a version 2 record does
	 * not pass for version 3 (nor the other way round). */
	expect_corrupt(scratch, record, length, object_b, true);
	for (size_t i = 0; i < length; i++) {
		record[i] ^= 0x01;
		expect_corrupt(scratch, record, length, object_a, true);
		record[i] ^= 0x01;
	}
	record[0] = 3;
	expect_corrupt(scratch, record, length, object_a, true);
	free(record);
	store_attribute attribute = plain_attribute(0x3, "value", 5);
	record = encode(scratch, object_a, false, &attribute, 1, &length);
	/* Drop the defaults byte and call it version 2. */
	memmove(record + 1 + NONCE_BASE, record + 2 + NONCE_BASE,
	        length - 2 - NONCE_BASE);
	record[0] = 2;
	expect_corrupt(scratch, record, length - 1, object_a, false);
	free(record);
	enc_free(scratch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_round_trip, store_setup,
	                                        store_teardown),
	        cmocka_unit_test_setup_teardown(
	                test_attributes_are_xchacha20poly1305, store_setup,
	                store_teardown),
	        cmocka_unit_test_setup_teardown(test_nonces_never_repeat,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_swaps_are_detected,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_only_minimal_varints,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_scratch_is_wiped,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_version_1_records,
	                                        store_setup, store_teardown),
	        cmocka_unit_test_setup_teardown(test_version_2_records,
	                                        store_setup, store_teardown),
	};
	return cmocka_run_group_tests_name("store records", tests, NULL, NULL);
}
