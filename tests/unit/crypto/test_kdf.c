/* The ANSI X9.63 KDF: NIST CAVS (SP 800-135 ANS X9.63-2001) vectors and
 * OpenSSL's X963KDF for every hash and length. */
#include "config.h"

#include "common.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <string.h>

/* CAVS ansx963_2001.rsp, SHA-256: without and with SharedInfo. */
static void test_cavs(void **state)
{
	enc_buffer *z = secret_from_hex(
	        "96c05619d56c328ab95fe84b18264b08725b85e33fd34f08");
	enc_buffer *out = NULL;
	uint8_t info[16];

	assert_cry_ok(cry_x963_kdf(CRY_HASH_SHA256, z, NULL, 0, 16, &out));
	assert_int_equal(ENC_READONLY, enc_access_of(out));
	assert_buffer_hex(out, "443024c3dae66b95e6f5670601558f71");
	enc_free(out);
	enc_free(z);

	z = secret_from_hex("22518b10e70f2a3f243810ae3254139efbee04aa57c7af7d");
	hex_decode("75eef81aa3041e33b80971203d2c0c52", info, sizeof(info));
	assert_cry_ok(cry_x963_kdf(CRY_HASH_SHA256, z, info, 16, 128, &out));
	assert_buffer_hex(out, "c498af77161cc59f2962b9a713e2b215152d139766ce34a"
	                       "776df11866a69bf2e"
	                       "52a13d9c7c6fc878c50c5ea0bc7b00e0da2447cfd874f6c"
	                       "f92f30d0097111485"
	                       "500c90c3af8b487872d04685d14c8d1dc8d7fa08beb0ce0"
	                       "ababc11f0bd496269"
	                       "142d43525a78e5bc79a17f59676a5706dc54d54d4d1f0bd"
	                       "7e386128ec26afc21");
	enc_free(out);
	enc_free(z);
}

static void openssl_x963(const char *digest, const uint8_t *secret,
                         size_t secret_length, const uint8_t *info,
                         size_t info_length, uint8_t *out, size_t length)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "X963KDF", NULL);
	EVP_KDF_CTX *context = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM params[4];
	size_t n = 0;

	assert_non_null(context);
	params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	                                               (char *)digest, 0);
	params[n++] = OSSL_PARAM_construct_octet_string(
	        OSSL_KDF_PARAM_KEY, (void *)secret, secret_length);
	if (info_length != 0)
		params[n++] = OSSL_PARAM_construct_octet_string(
		        OSSL_KDF_PARAM_INFO, (void *)info, info_length);
	params[n] = OSSL_PARAM_construct_end();
	assert_int_equal(1, EVP_KDF_derive(context, out, length, params));
	EVP_KDF_CTX_free(context);
	EVP_KDF_free(kdf);
}

static void test_against_openssl(void **state)
{
	static const char *const names[] = {"SHA1",     "SHA224",  "SHA256",
	                                    "SHA384",   "SHA512",  "SHA3-256",
	                                    "SHA3-384", "SHA3-512"};
	uint8_t secret[66];
	uint8_t info[40];
	uint8_t expected[300];

	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(0xa5 ^ i);
	for (size_t i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)i;
	for (int h = 0; h < 8; h++) {
		size_t hash_length = cry_hash_length((cry_hash)h);
		size_t lengths[] = {1,
		                    hash_length - 1,
		                    hash_length,
		                    hash_length + 1,
		                    3 * hash_length - 1,
		                    300};
		enc_buffer *z = secret_from_bytes(secret, sizeof(secret));

		for (size_t l = 0; l < 6; l++) {
			for (size_t info_length = 0; info_length <= 40;
			     info_length += 40) {
				enc_buffer *out = NULL;

				openssl_x963(names[h], secret, sizeof(secret),
				             info, info_length, expected,
				             lengths[l]);
				assert_cry_ok(cry_x963_kdf((cry_hash)h, z, info,
				                           info_length,
				                           lengths[l], &out));
				assert_int_equal(lengths[l], enc_size(out));
				assert_memory_equal(expected, enc_data(out),
				                    lengths[l]);
				enc_free(out);
			}
		}
		enc_free(z);
	}
}

static void test_bad_arguments(void **state)
{
	enc_buffer *z = secret_from_hex("0102030405");
	enc_buffer *out = NULL;

	assert_cry(CRY_ERR_INVALID,
	           cry_x963_kdf(CRY_HASH_SHA256, z, NULL, 0, 0, &out));
	assert_cry(CRY_ERR_INVALID,
	           cry_x963_kdf(CRY_HASH_SHA256, z, NULL, 3, 16, &out));
	assert_cry(CRY_ERR_INVALID,
	           cry_x963_kdf((cry_hash)99, z, NULL, 0, 16, &out));
	assert_cry(CRY_ERR_INVALID,
	           cry_x963_kdf(CRY_HASH_SHA256, NULL, NULL, 0, 16, &out));
	assert_int_equal(ENC_OK, enc_protect(z, ENC_NOACCESS));
	assert_cry(CRY_ERR_INVALID,
	           cry_x963_kdf(CRY_HASH_SHA256, z, NULL, 0, 16, &out));
	assert_null(out);
	enc_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_cavs),
	        cmocka_unit_test(test_against_openssl),
	        cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
