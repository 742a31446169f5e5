/* Importing RSA private keys: the consistency check (each part altered by
 * one bit is refused), the all-or-none CRT rule, e recovered, leading
 * zeros, and the views of a packed key. */
#include "config.h"

#include "rsa_vectors.h"

#include <string.h>

#define MAX_PART 130

/* A key's parts decoded into (test) memory, to alter them. */
typedef struct key_bytes {
	uint8_t value[CRY_RSA_PART_COUNT][MAX_PART];
	size_t length[CRY_RSA_PART_COUNT];
} key_bytes;

static void decode_key(const rsa_hex_key *hex, key_bytes *key)
{
	memset(key, 0, sizeof(*key));
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		if (hex->part[i] != NULL)
			key->length[i] = hex_decode(hex->part[i], key->value[i],
			                            MAX_PART);
}

/* cry_rsa_pack of the parts (length 0: absent), each first copied into
 * an enclave buffer. */
static cry_status pack_bytes(const key_bytes *key, enc_buffer **packed)
{
	enc_buffer *secrets[CRY_RSA_PART_COUNT] = {NULL};
	const uint8_t *parts[CRY_RSA_PART_COUNT] = {NULL};
	cry_status status;

	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		if (key->length[i] == 0)
			continue;
		secrets[i] = secret_from_bytes(key->value[i], key->length[i]);
		parts[i] = enc_data(secrets[i]);
	}
	*packed = NULL;
	status = cry_rsa_pack(parts, key->length, packed);
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		enc_free(secrets[i]);
	return status;
}

static void test_one_bit_refused(void **state)
{
	key_bytes key;
	enc_buffer *packed = NULL;

	decode_key(&rsa1024_key, &key);
	assert_cry_ok(pack_bytes(&key, &packed));
	enc_free(packed);
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		/* A bit in the middle (e: its second lowest). */
		size_t byte =
		        i == CRY_RSA_PUBLIC_EXPONENT ? 2 : key.length[i] / 2;
		uint8_t bit = i == CRY_RSA_PUBLIC_EXPONENT ? 0x02 : 0x10;

		key.value[i][byte] ^= bit;
		assert_cry(CRY_ERR_KEY, pack_bytes(&key, &packed));
		assert_null(packed);
		key.value[i][byte] ^= bit;
	}
	/* Without the CRT parts, a wrong d or e fails the round trip. */
	for (int i = CRY_RSA_PRIME_1; i < CRY_RSA_PART_COUNT; i++)
		key.length[i] = 0;
	key.value[CRY_RSA_PRIVATE_EXPONENT][64] ^= 0x10;
	assert_cry(CRY_ERR_KEY, pack_bytes(&key, &packed));
	key.value[CRY_RSA_PRIVATE_EXPONENT][64] ^= 0x10;
	key.value[CRY_RSA_PUBLIC_EXPONENT][2] ^= 0x02;
	assert_cry(CRY_ERR_KEY, pack_bytes(&key, &packed));
	/* ... and without e, no usual exponent undoes a wrong d. */
	key.value[CRY_RSA_PUBLIC_EXPONENT][2] ^= 0x02;
	key.length[CRY_RSA_PUBLIC_EXPONENT] = 0;
	key.value[CRY_RSA_PRIVATE_EXPONENT][64] ^= 0x10;
	assert_cry(CRY_ERR_KEY, pack_bytes(&key, &packed));
	key.value[CRY_RSA_PRIVATE_EXPONENT][64] ^= 0x10;
	assert_cry_ok(pack_bytes(&key, &packed));
	enc_free(packed);
}

static void test_parts_present(void **state)
{
	key_bytes key;
	enc_buffer *packed = NULL;
	const uint8_t *parts[CRY_RSA_PART_COUNT] = {NULL};
	size_t lengths[CRY_RSA_PART_COUNT] = {0};

	/* The CRT parts all or none. */
	for (int i = CRY_RSA_PRIME_1; i < CRY_RSA_PART_COUNT; i++) {
		decode_key(&rsa1024_key, &key);
		key.length[i] = 0;
		assert_cry(CRY_ERR_INVALID, pack_bytes(&key, &packed));
		assert_null(packed);
	}
	/* n and d required. */
	decode_key(&rsa1024_key, &key);
	key.length[CRY_RSA_MODULUS] = 0;
	assert_cry(CRY_ERR_INVALID, pack_bytes(&key, &packed));
	decode_key(&rsa1024_key, &key);
	key.length[CRY_RSA_PRIVATE_EXPONENT] = 0;
	assert_cry(CRY_ERR_INVALID, pack_bytes(&key, &packed));
	/* A NULL part with a length; NULL arrays. */
	parts[CRY_RSA_MODULUS] = key.value[CRY_RSA_MODULUS];
	lengths[CRY_RSA_MODULUS] = 128;
	lengths[CRY_RSA_PRIVATE_EXPONENT] = 128;
	assert_cry(CRY_ERR_INVALID, cry_rsa_pack(parts, lengths, &packed));
	assert_cry(CRY_ERR_INVALID, cry_rsa_pack(NULL, lengths, &packed));
	assert_cry(CRY_ERR_INVALID, cry_rsa_pack(parts, NULL, &packed));
	assert_cry(CRY_ERR_INVALID, cry_rsa_pack(parts, lengths, NULL));
}

static void test_bad_values(void **state)
{
	key_bytes key;
	enc_buffer *packed = NULL;

	decode_key(&rsa1024_key, &key);
	/* d = 0, d = n. */
	memset(key.value[CRY_RSA_PRIVATE_EXPONENT], 0, 128);
	assert_cry(CRY_ERR_KEY, pack_bytes(&key, &packed));
	memcpy(key.value[CRY_RSA_PRIVATE_EXPONENT], key.value[CRY_RSA_MODULUS],
	       128);
	assert_cry(CRY_ERR_KEY, pack_bytes(&key, &packed));
	/* A part longer than n. */
	decode_key(&rsa1024_key, &key);
	key.value[CRY_RSA_PRIME_1][0] = 0x01;
	key.length[CRY_RSA_PRIME_1] = 129;
	assert_cry(CRY_ERR_KEY, pack_bytes(&key, &packed));
	/* n of 1016 bits. */
	decode_key(&rsa1024_key, &key);
	key.value[CRY_RSA_MODULUS][0] = 0;
	assert_cry(CRY_ERR_KEY, pack_bytes(&key, &packed));
	/* e even, e = 1 (no CRT: only the exponent rules catch them before
	 * the round trip). */
	decode_key(&rsa1024_key, &key);
	for (int i = CRY_RSA_PRIME_1; i < CRY_RSA_PART_COUNT; i++)
		key.length[i] = 0;
	key.value[CRY_RSA_PUBLIC_EXPONENT][2] = 0x00;
	assert_cry(CRY_ERR_KEY, pack_bytes(&key, &packed));
	key.value[CRY_RSA_PUBLIC_EXPONENT][0] = 0x00;
	key.value[CRY_RSA_PUBLIC_EXPONENT][2] = 0x01;
	assert_cry(CRY_ERR_KEY, pack_bytes(&key, &packed));
}

static void test_views(void **state)
{
	static const cry_rsa_part order[CRY_RSA_PART_COUNT] = {
	        CRY_RSA_MODULUS,          CRY_RSA_PUBLIC_EXPONENT,
	        CRY_RSA_PRIVATE_EXPONENT, CRY_RSA_PRIME_1,
	        CRY_RSA_PRIME_2,          CRY_RSA_EXPONENT_1,
	        CRY_RSA_EXPONENT_2,       CRY_RSA_COEFFICIENT};
	key_bytes key;
	enc_buffer *packed = NULL;
	const uint8_t *value = NULL;
	size_t length = 0;

	/* Leading zeros are accepted and dropped. */
	decode_key(&rsa1024_key, &key);
	memmove(key.value[CRY_RSA_MODULUS] + 2, key.value[CRY_RSA_MODULUS],
	        128);
	key.value[CRY_RSA_MODULUS][0] = key.value[CRY_RSA_MODULUS][1] = 0;
	key.length[CRY_RSA_MODULUS] = 130;
	assert_cry_ok(pack_bytes(&key, &packed));
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		assert_cry_ok(
		        cry_rsa_part_view(packed, order[i], &value, &length));
		assert_hex_equal(value, length, rsa1024_key.part[order[i]]);
	}
	assert_int_equal(1024, cry_rsa_bits(packed));
	assert_cry(
	        CRY_ERR_INVALID,
	        cry_rsa_part_view(packed, CRY_RSA_PART_COUNT, &value, &length));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_part_view(packed, CRY_RSA_MODULUS, NULL, &length));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_part_view(NULL, CRY_RSA_MODULUS, &value, &length));
	enc_free(packed);
	/* Without the CRT parts they are empty. */
	for (int i = CRY_RSA_PRIME_1; i < CRY_RSA_PART_COUNT; i++)
		key.length[i] = 0;
	assert_cry_ok(pack_bytes(&key, &packed));
	assert_cry_ok(cry_rsa_part_view(packed, CRY_RSA_COEFFICIENT, &value,
	                                &length));
	assert_null(value);
	assert_int_equal(0, length);
	enc_free(packed);
	/* A buffer that is not a packed key. */
	packed = secret_from_hex("0000008000112233");
	assert_cry(CRY_ERR_KEY,
	           cry_rsa_part_view(packed, CRY_RSA_MODULUS, &value, &length));
	assert_int_equal(0, cry_rsa_bits(packed));
	enc_free(packed);
}

static void test_modulus_bits(void **state)
{
	uint8_t n[257];

	assert_int_equal(0, cry_rsa_modulus_bits(NULL, 4));
	assert_int_equal(0, cry_rsa_modulus_bits(n, 0));
	n[0] = 0;
	n[1] = 1;
	assert_int_equal(1, cry_rsa_modulus_bits(n, 2));
	assert_int_equal(0, cry_rsa_modulus_bits(n, 1));
	hex_decode(wycheproof2048_n, n, sizeof(n));
	assert_int_equal(2048, cry_rsa_modulus_bits(n, 257));
	hex_decode(cavs2048_n, n, sizeof(n));
	assert_int_equal(2048, cry_rsa_modulus_bits(n, 256));
	assert_int_equal(2039, cry_rsa_modulus_bits(n + 1, 255)); /* 0x64... */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_one_bit_refused),
	        cmocka_unit_test(test_parts_present),
	        cmocka_unit_test(test_bad_values),
	        cmocka_unit_test(test_views),
	        cmocka_unit_test(test_modulus_bits),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
