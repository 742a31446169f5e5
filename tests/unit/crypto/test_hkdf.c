/* HKDF (RFC 5869): the seven test cases of Appendix A (SHA-256 and SHA-1)
 * through extract-and-expand, extract only and expand only, the salt as
 * an enclave buffer, OpenSSL's HKDF for every SHA-1/SHA-2 hash and
 * length, and every argument error. */
#include "config.h"

#include "common.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

/* RFC 5869 Appendix A; salt NULL: not provided (A.7). */
static const struct rfc5869_case {
	const char *name;
	cry_hash hash;
	const char *ikm;
	const char *salt;
	const char *info;
	size_t length;
	const char *prk;
	const char *okm;
} cases[] = {
        {"A.1", CRY_HASH_SHA256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
         "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
         "077709362c2e32df0ddc3f0dc47bba63"
         "90b6c73bb50f9c3122ec844ad7c2b3e5",
         "3cb25f25faacd57a90434f64d0362f2a"
         "2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
         "34007208d5b887185865"},
        {"A.2", CRY_HASH_SHA256,
         "000102030405060708090a0b0c0d0e0f"
         "101112131415161718191a1b1c1d1e1f"
         "202122232425262728292a2b2c2d2e2f"
         "303132333435363738393a3b3c3d3e3f"
         "404142434445464748494a4b4c4d4e4f",
         "606162636465666768696a6b6c6d6e6f"
         "707172737475767778797a7b7c7d7e7f"
         "808182838485868788898a8b8c8d8e8f"
         "909192939495969798999a9b9c9d9e9f"
         "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
         "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
         "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
         "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
         "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
         "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
         82,
         "06a6b88c5853361a06104c9ceb35b45c"
         "ef760014904671014a193f40c15fc244",
         "b11e398dc80327a1c8e7f78c596a4934"
         "4f012eda2d4efad8a050cc4c19afa97c"
         "59045a99cac7827271cb41c65e590e09"
         "da3275600c2f09b8367793a9aca3db71"
         "cc30c58179ec3e87c14c01d5c1f3434f"
         "1d87"},
        {"A.3", CRY_HASH_SHA256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
         "", "", 42,
         "19ef24a32c717b167f33a91d6f648bdf"
         "96596776afdb6377ac434c1c293ccb04",
         "8da4e775a563c18f715f802a063c5a31"
         "b8a11f5c5ee1879ec3454e5f3c738d2d"
         "9d201395faa4b61a96c8"},
        {"A.4", CRY_HASH_SHA1, "0b0b0b0b0b0b0b0b0b0b0b",
         "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9", 42,
         "9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243",
         "085a01ea1b10f36933068b56efa5ad81"
         "a4f14b822f5b091568a9cdd4f155fda2"
         "c22e422478d305f3f896"},
        {"A.5", CRY_HASH_SHA1,
         "000102030405060708090a0b0c0d0e0f"
         "101112131415161718191a1b1c1d1e1f"
         "202122232425262728292a2b2c2d2e2f"
         "303132333435363738393a3b3c3d3e3f"
         "404142434445464748494a4b4c4d4e4f",
         "606162636465666768696a6b6c6d6e6f"
         "707172737475767778797a7b7c7d7e7f"
         "808182838485868788898a8b8c8d8e8f"
         "909192939495969798999a9b9c9d9e9f"
         "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
         "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
         "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
         "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
         "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
         "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
         82, "8adae09a2a307059478d309b26c4115a224cfaf6",
         "0bd770a74d1160f7c9f12cd5912a06eb"
         "ff6adcae899d92191fe4305673ba2ffe"
         "8fa3f1a4e5ad79f3f334b3b202b2173c"
         "486ea37ce3d397ed034c7f9dfeb15c5e"
         "927336d0441f4c4300e2cff0d0900b52"
         "d3b4"},
        {"A.6", CRY_HASH_SHA1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
         "", "", 42, "da8c8a73c7fa77288ec6f5e7c297786aa0d32d01",
         "0ac1af7002b3d761d1e55298da9d0506"
         "b9ae52057220a306e07b6b87e8df21d0"
         "ea00033de03984d34918"},
        {"A.7", CRY_HASH_SHA1, "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
         NULL, "", 42, "2adccada18779e7c2077ad2eb19d3f3e731385dd",
         "2c91117204d745f3500d636a62f64f0a"
         "b3bae548aa53d423b0d1f27ebba6f5e5"
         "673a081d70cce7acfc48"},
};
#define CASE_COUNT (sizeof(cases) / sizeof(cases[0]))

/* The decoded public inputs of a case (free salt and info). */
typedef struct inputs {
	uint8_t *salt;
	size_t salt_length;
	uint8_t *info;
	size_t info_length;
} inputs;

static inputs decode(const struct rfc5869_case *c)
{
	inputs in = {NULL, 0, NULL, 0};

	if (c->salt != NULL && c->salt[0] != '\0')
		in.salt = hex_alloc(c->salt, &in.salt_length);
	if (c->info[0] != '\0')
		in.info = hex_alloc(c->info, &in.info_length);
	return in;
}

static void release(inputs *in)
{
	free(in->salt);
	free(in->info);
}

static void test_rfc5869(void **state)
{
	for (size_t i = 0; i < CASE_COUNT; i++) {
		const struct rfc5869_case *c = &cases[i];
		inputs in = decode(c);
		enc_buffer *ikm = secret_from_hex(c->ikm);
		enc_buffer *prk = secret_from_hex(c->prk);
		enc_buffer *out = NULL;

		print_message("RFC 5869 %s\n", c->name);
		/* Extract then expand. */
		assert_cry_ok(cry_hkdf(c->hash, ikm, true, true, in.salt,
		                       in.salt_length, NULL, in.info,
		                       in.info_length, c->length, &out));
		assert_int_equal(ENC_READONLY, enc_access_of(out));
		assert_buffer_hex(out, c->okm);
		enc_free(out);
		out = NULL;
		/* Extract only: the PRK (out_length 0 or the hash length). */
		assert_cry_ok(cry_hkdf(c->hash, ikm, true, false, in.salt,
		                       in.salt_length, NULL, in.info,
		                       in.info_length, 0, &out));
		assert_int_equal(ENC_READONLY, enc_access_of(out));
		assert_buffer_hex(out, c->prk);
		enc_free(out);
		out = NULL;
		assert_cry_ok(cry_hkdf(c->hash, ikm, true, false, in.salt,
		                       in.salt_length, NULL, NULL, 0,
		                       cry_hash_length(c->hash), &out));
		assert_buffer_hex(out, c->prk);
		enc_free(out);
		out = NULL;
		/* Expand only, from the PRK; the salt is not used. */
		assert_cry_ok(cry_hkdf(c->hash, prk, false, true, NULL, 0, NULL,
		                       in.info, in.info_length, c->length,
		                       &out));
		assert_buffer_hex(out, c->okm);
		enc_free(out);
		out = NULL;
		assert_cry_ok(cry_hkdf(c->hash, prk, false, true, in.salt,
		                       in.salt_length, NULL, in.info,
		                       in.info_length, c->length, &out));
		assert_buffer_hex(out, c->okm);
		enc_free(out);
		enc_free(prk);
		enc_free(ikm);
		release(&in);
	}
}

/* A.7 says "not provided", A.3/A.6 "0 octets": both are HashLen zeros
 * for HMAC, so an explicit all-zero salt gives the same PRK. */
static void test_default_salt(void **state)
{
	const struct rfc5869_case *c = &cases[6];
	uint8_t zeros[20] = {0};
	enc_buffer *ikm = secret_from_hex(c->ikm);
	enc_buffer *out = NULL;

	assert_cry_ok(cry_hkdf(CRY_HASH_SHA1, ikm, true, false, zeros,
	                       sizeof(zeros), NULL, NULL, 0, 0, &out));
	assert_buffer_hex(out, c->prk);
	enc_free(out);
	enc_free(ikm);
}

/* CKF_HKDF_SALT_KEY: the salt held in an enclave buffer gives what the
 * same bytes give as public data. */
static void test_salt_key(void **state)
{
	for (size_t i = 0; i < CASE_COUNT; i++) {
		const struct rfc5869_case *c = &cases[i];
		inputs in = decode(c);
		enc_buffer *ikm = secret_from_hex(c->ikm);
		enc_buffer *salt = NULL;
		enc_buffer *out = NULL;

		if (in.salt_length == 0) {
			release(&in);
			enc_free(ikm);
			continue;
		}
		salt = secret_from_bytes(in.salt, in.salt_length);
		assert_cry_ok(cry_hkdf(c->hash, ikm, true, true, NULL, 0, salt,
		                       in.info, in.info_length, c->length,
		                       &out));
		assert_buffer_hex(out, c->okm);
		enc_free(out);
		out = NULL;
		assert_cry_ok(cry_hkdf(c->hash, ikm, true, false, NULL, 0, salt,
		                       NULL, 0, 0, &out));
		assert_buffer_hex(out, c->prk);
		/* The caller's buffers keep their state. */
		assert_int_equal(ENC_READONLY, enc_access_of(salt));
		assert_int_equal(ENC_READONLY, enc_access_of(ikm));
		enc_free(out);
		enc_free(salt);
		enc_free(ikm);
		release(&in);
	}
}

static void openssl_hkdf(const char *digest, int mode, const uint8_t *key,
                         size_t key_length, const uint8_t *salt,
                         size_t salt_length, const uint8_t *info,
                         size_t info_length, uint8_t *out, size_t length)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *context = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[6];
	size_t n = 0;

	assert_non_null(context);
	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	                                               (char *)digest, 0);
	params[n++] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[n++] = OSSL_PARAM_construct_octet_string(
	        OSSL_KDF_PARAM_KEY, (void *)key, key_length);
	if (salt_length != 0)
		params[n++] = OSSL_PARAM_construct_octet_string(
		        OSSL_KDF_PARAM_SALT, (void *)salt, salt_length);
	if (info_length != 0)
		params[n++] = OSSL_PARAM_construct_octet_string(
		        OSSL_KDF_PARAM_INFO, (void *)info, info_length);
	params[n] = OSSL_PARAM_construct_end();
	assert_int_equal(1, EVP_KDF_derive(context, out, length, params));
	EVP_KDF_CTX_free(context);
	EVP_KDF_free(kdf);
}

/* Every SHA-1/SHA-2 hash, lengths around the block boundaries up to the
 * largest (255 blocks), with and without salt and info, in all three
 * modes. */
static void test_against_openssl(void **state)
{
	static const char *const names[] = {"SHA1", "SHA224", "SHA256",
	                                    "SHA384", "SHA512"};
	uint8_t ikm[100];
	uint8_t salt[77];
	uint8_t info[50];
	uint8_t *expected = malloc(255 * 64);

	assert_non_null(expected);
	for (size_t i = 0; i < sizeof(ikm); i++)
		ikm[i] = (uint8_t)(0x3c ^ i);
	for (size_t i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)(7 * i);
	for (size_t i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(0xf0 + i);
	for (int h = 0; h < 5; h++) {
		size_t hash_length = cry_hash_length((cry_hash)h);
		size_t lengths[] = {1,
		                    hash_length - 1,
		                    hash_length,
		                    hash_length + 1,
		                    3 * hash_length - 1,
		                    255 * hash_length};
		enc_buffer *key = secret_from_bytes(ikm, sizeof(ikm));

		for (size_t l = 0; l < 6; l++) {
			for (int variant = 0; variant < 2; variant++) {
				size_t sl = variant ? sizeof(salt) : 0;
				size_t il = variant ? sizeof(info) : 0;
				enc_buffer *out = NULL;

				openssl_hkdf(
				        names[h],
				        EVP_KDF_HKDF_MODE_EXTRACT_AND_EXPAND,
				        ikm, sizeof(ikm), salt, sl, info, il,
				        expected, lengths[l]);
				assert_cry_ok(cry_hkdf(
				        (cry_hash)h, key, true, true, salt, sl,
				        NULL, info, il, lengths[l], &out));
				assert_int_equal(lengths[l], enc_size(out));
				assert_memory_equal(expected, enc_data(out),
				                    lengths[l]);
				enc_free(out);
				out = NULL;
				openssl_hkdf(names[h],
				             EVP_KDF_HKDF_MODE_EXPAND_ONLY, ikm,
				             sizeof(ikm), NULL, 0, info, il,
				             expected, lengths[l]);
				assert_cry_ok(cry_hkdf(
				        (cry_hash)h, key, false, true, NULL, 0,
				        NULL, info, il, lengths[l], &out));
				assert_memory_equal(expected, enc_data(out),
				                    lengths[l]);
				enc_free(out);
			}
		}
		for (int variant = 0; variant < 2; variant++) {
			size_t sl = variant ? sizeof(salt) : 0;
			enc_buffer *out = NULL;

			openssl_hkdf(names[h], EVP_KDF_HKDF_MODE_EXTRACT_ONLY,
			             ikm, sizeof(ikm), salt, sl, NULL, 0,
			             expected, hash_length);
			assert_cry_ok(cry_hkdf((cry_hash)h, key, true, false,
			                       salt, sl, NULL, NULL, 0, 0,
			                       &out));
			assert_int_equal(hash_length, enc_size(out));
			assert_memory_equal(expected, enc_data(out),
			                    hash_length);
			enc_free(out);
		}
		enc_free(key);
	}
	free(expected);
}

static void test_bad_arguments(void **state)
{
	enc_buffer *ikm = secret_from_hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	                                  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
	enc_buffer *short_key = secret_from_hex("0b0b0b0b");
	enc_buffer *salt_key = secret_from_hex("000102030405");
	enc_buffer *closed = secret_from_hex("0102030405");
	uint8_t salt[4] = {1, 2, 3, 4};
	enc_buffer *out = (enc_buffer *)&out;

	/* Output lengths: 0 and over 255 blocks with expand; without
	 * expand only 0 or the hash length. */
	assert_cry(CRY_ERR_INVALID, cry_hkdf(CRY_HASH_SHA256, ikm, true, true,
	                                     NULL, 0, NULL, NULL, 0, 0, &out));
	assert_null(out);
	assert_cry(CRY_ERR_INVALID,
	           cry_hkdf(CRY_HASH_SHA256, ikm, true, true, NULL, 0, NULL,
	                    NULL, 0, 255 * 32 + 1, &out));
	assert_cry(CRY_ERR_INVALID,
	           cry_hkdf(CRY_HASH_SHA1, ikm, true, true, NULL, 0, NULL, NULL,
	                    0, 255 * 20 + 1, &out));
	assert_cry(CRY_ERR_INVALID, cry_hkdf(CRY_HASH_SHA256, ikm, true, false,
	                                     NULL, 0, NULL, NULL, 0, 16, &out));
	assert_cry(CRY_ERR_INVALID, cry_hkdf(CRY_HASH_SHA256, ikm, false, false,
	                                     NULL, 0, NULL, NULL, 0, 32, &out));
	/* SHA-3 (its HMAC state is not ours) and unknown hashes. */
	for (int h = CRY_HASH_SHA3_256; h <= CRY_HASH_SHA3_512; h++)
		assert_cry(CRY_ERR_INVALID,
		           cry_hkdf((cry_hash)h, ikm, true, true, NULL, 0, NULL,
		                    NULL, 0, 32, &out));
	assert_cry(CRY_ERR_INVALID, cry_hkdf((cry_hash)99, ikm, true, true,
	                                     NULL, 0, NULL, NULL, 0, 32, &out));
	/* NULL pointers. */
	assert_cry(CRY_ERR_INVALID, cry_hkdf(CRY_HASH_SHA256, ikm, true, true,
	                                     NULL, 0, NULL, NULL, 0, 32, NULL));
	assert_cry(CRY_ERR_INVALID, cry_hkdf(CRY_HASH_SHA256, NULL, true, true,
	                                     NULL, 0, NULL, NULL, 0, 32, &out));
	assert_cry(CRY_ERR_INVALID, cry_hkdf(CRY_HASH_SHA256, NULL, false, true,
	                                     NULL, 0, NULL, NULL, 0, 32, &out));
	assert_cry(CRY_ERR_INVALID, cry_hkdf(CRY_HASH_SHA256, ikm, true, true,
	                                     NULL, 4, NULL, NULL, 0, 32, &out));
	assert_cry(CRY_ERR_INVALID, cry_hkdf(CRY_HASH_SHA256, ikm, true, true,
	                                     NULL, 0, NULL, NULL, 3, 32, &out));
	/* A salt both as bytes and as a key. */
	assert_cry(CRY_ERR_INVALID,
	           cry_hkdf(CRY_HASH_SHA256, ikm, true, true, salt,
	                    sizeof(salt), salt_key, NULL, 0, 32, &out));
	/* Buffers that are not readable. */
	assert_int_equal(ENC_OK, enc_protect(closed, ENC_NOACCESS));
	assert_cry(CRY_ERR_INVALID,
	           cry_hkdf(CRY_HASH_SHA256, closed, true, true, NULL, 0, NULL,
	                    NULL, 0, 32, &out));
	assert_cry(CRY_ERR_INVALID,
	           cry_hkdf(CRY_HASH_SHA256, ikm, true, true, NULL, 0, closed,
	                    NULL, 0, 32, &out));
	/* Expand alone needs a PRK of at least the hash length. */
	assert_cry(CRY_ERR_KEY,
	           cry_hkdf(CRY_HASH_SHA256, short_key, false, true, NULL, 0,
	                    NULL, NULL, 0, 32, &out));
	assert_cry(CRY_ERR_KEY, cry_hkdf(CRY_HASH_SHA512, ikm, false, true,
	                                 NULL, 0, NULL, NULL, 0, 32, &out));
	assert_null(out);
	/* ...which extract does not. */
	assert_cry_ok(cry_hkdf(CRY_HASH_SHA256, short_key, true, true, NULL, 0,
	                       NULL, NULL, 0, 32, &out));
	enc_free(out);
	enc_free(closed);
	enc_free(salt_key);
	enc_free(short_key);
	enc_free(ikm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc5869),
	        cmocka_unit_test(test_default_salt),
	        cmocka_unit_test(test_salt_key),
	        cmocka_unit_test(test_against_openssl),
	        cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
