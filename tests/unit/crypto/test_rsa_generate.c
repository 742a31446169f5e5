/* RSA with generated keys: every padding and hash both ways against
 * OpenSSL's own EVP API with the same key (one 2048-bit key for the
 * program, keygen being slow under valgrind), a 3072-bit key with e = 3,
 * and generation's bad arguments. */
#include "config.h"

#include "rsa_vectors.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <string.h>

#define HASHES 8
#define MAX_BYTES 384

static const char *const md_names[HASHES] = {"SHA1",     "SHA224",  "SHA256",
                                             "SHA384",   "SHA512",  "SHA3-256",
                                             "SHA3-384", "SHA3-512"};

static enc_buffer *key2048;
static EVP_PKEY *evp2048;

static const uint8_t *part(const enc_buffer *packed, cry_rsa_part which,
                           size_t *length)
{
	const uint8_t *value = NULL;

	assert_cry_ok(cry_rsa_part_view(packed, which, &value, length));
	return value;
}

/* The same key as an OpenSSL EVP_PKEY, built from the packed parts. */
static EVP_PKEY *evp_from(const enc_buffer *packed)
{
	static const char *const names[CRY_RSA_PART_COUNT] = {
	        OSSL_PKEY_PARAM_RSA_N,
	        OSSL_PKEY_PARAM_RSA_E,
	        OSSL_PKEY_PARAM_RSA_D,
	        OSSL_PKEY_PARAM_RSA_FACTOR1,
	        OSSL_PKEY_PARAM_RSA_FACTOR2,
	        OSSL_PKEY_PARAM_RSA_EXPONENT1,
	        OSSL_PKEY_PARAM_RSA_EXPONENT2,
	        OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
	OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
	BIGNUM *numbers[CRY_RSA_PART_COUNT];
	EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *key = NULL;
	OSSL_PARAM *params;

	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		size_t length;
		const uint8_t *value = part(packed, i, &length);

		numbers[i] = BN_bin2bn(value, (int)length, NULL);
		assert_non_null(numbers[i]);
		assert_int_equal(1, OSSL_PARAM_BLD_push_BN(builder, names[i],
		                                           numbers[i]));
	}
	params = OSSL_PARAM_BLD_to_param(builder);
	assert_non_null(params);
	assert_int_equal(1, EVP_PKEY_fromdata_init(context));
	assert_int_equal(
	        1, EVP_PKEY_fromdata(context, &key, EVP_PKEY_KEYPAIR, params));
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(builder);
	EVP_PKEY_CTX_free(context);
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++)
		BN_clear_free(numbers[i]);
	return key;
}

/* An EVP_PKEY_CTX for one operation with our parameters. */
static EVP_PKEY_CTX *evp_context(EVP_PKEY *key, int (*init)(EVP_PKEY_CTX *),
                                 const cry_rsa_params *params)
{
	static const int paddings[] = {RSA_PKCS1_PADDING, RSA_PKCS1_PSS_PADDING,
	                               RSA_PKCS1_OAEP_PADDING, RSA_NO_PADDING};
	EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	const EVP_MD *md = EVP_get_digestbyname(md_names[params->hash]);
	const EVP_MD *mgf = EVP_get_digestbyname(md_names[params->mgf_hash]);

	assert_non_null(context);
	assert_int_equal(1, init(context));
	assert_int_equal(1, EVP_PKEY_CTX_set_rsa_padding(
	                            context, paddings[params->padding]));
	switch (params->padding) {
	case CRY_RSA_PAD_PKCS1:
		if (params->digest_info)
			assert_int_equal(
			        1, EVP_PKEY_CTX_set_signature_md(context, md));
		break;
	case CRY_RSA_PAD_PSS:
		assert_int_equal(1, EVP_PKEY_CTX_set_signature_md(context, md));
		assert_int_equal(1, EVP_PKEY_CTX_set_rsa_mgf1_md(context, mgf));
		assert_int_equal(1, EVP_PKEY_CTX_set_rsa_pss_saltlen(
		                            context, (int)params->salt_length));
		break;
	case CRY_RSA_PAD_OAEP:
		assert_int_equal(1, EVP_PKEY_CTX_set_rsa_oaep_md(context, md));
		assert_int_equal(1, EVP_PKEY_CTX_set_rsa_mgf1_md(context, mgf));
		if (params->label_length > 0) {
			void *label = OPENSSL_memdup(params->label,
			                             params->label_length);

			assert_int_equal(1, EVP_PKEY_CTX_set0_rsa_oaep_label(
			                            context, label,
			                            (int)params->label_length));
		}
		break;
	default:
		break;
	}
	return context;
}

/* Signs with us and verifies with OpenSSL, and the other way round; for
 * deterministic paddings the two signatures must be equal. */
static void check_signature(const enc_buffer *packed, EVP_PKEY *key,
                            const cry_rsa_params *params, const uint8_t *input,
                            size_t input_length)
{
	size_t n_length, e_length, k = (cry_rsa_bits(packed) + 7) / 8;
	const uint8_t *n = part(packed, CRY_RSA_MODULUS, &n_length);
	const uint8_t *e = part(packed, CRY_RSA_PUBLIC_EXPONENT, &e_length);
	uint8_t ours[MAX_BYTES], theirs[MAX_BYTES];
	size_t ours_length = sizeof(ours), theirs_length = sizeof(theirs);
	EVP_PKEY_CTX *context;

	assert_cry_ok(cry_rsa_sign(packed, params, input, input_length, ours,
	                           &ours_length));
	assert_int_equal(k, ours_length);
	context = evp_context(key, EVP_PKEY_verify_init, params);
	assert_int_equal(1, EVP_PKEY_verify(context, ours, ours_length, input,
	                                    input_length));
	EVP_PKEY_CTX_free(context);
	context = evp_context(key, EVP_PKEY_sign_init, params);
	assert_int_equal(1, EVP_PKEY_sign(context, theirs, &theirs_length,
	                                  input, input_length));
	EVP_PKEY_CTX_free(context);
	assert_cry_ok(cry_rsa_verify(n, n_length, e, e_length, params, input,
	                             input_length, theirs, theirs_length));
	if (params->padding != CRY_RSA_PAD_PSS)
		assert_memory_equal(ours, theirs, k);
	/* Neither verifies another input. */
	uint8_t other[MAX_BYTES];
	memcpy(other, input, input_length);
	other[input_length - 1] ^= 1;
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_rsa_verify(n, n_length, e, e_length, params, other,
	                          input_length, theirs, theirs_length));
}

/* Encrypts with us and decrypts with OpenSSL, and the other way round. */
static void check_encryption(const enc_buffer *packed, EVP_PKEY *key,
                             const cry_rsa_params *params, const uint8_t *input,
                             size_t input_length)
{
	size_t n_length, e_length;
	const uint8_t *n = part(packed, CRY_RSA_MODULUS, &n_length);
	const uint8_t *e = part(packed, CRY_RSA_PUBLIC_EXPONENT, &e_length);
	uint8_t ciphertext[MAX_BYTES], plaintext[MAX_BYTES];
	size_t ciphertext_length = sizeof(ciphertext);
	size_t plaintext_length = sizeof(plaintext);
	enc_buffer *decrypted = NULL;
	EVP_PKEY_CTX *context;

	assert_cry_ok(cry_rsa_encrypt(n, n_length, e, e_length, params, input,
	                              input_length, ciphertext,
	                              &ciphertext_length));
	context = evp_context(key, EVP_PKEY_decrypt_init, params);
	assert_int_equal(1,
	                 EVP_PKEY_decrypt(context, plaintext, &plaintext_length,
	                                  ciphertext, ciphertext_length));
	EVP_PKEY_CTX_free(context);
	assert_int_equal(input_length, plaintext_length);
	assert_memory_equal(input, plaintext, input_length);
	context = evp_context(key, EVP_PKEY_encrypt_init, params);
	ciphertext_length = sizeof(ciphertext);
	assert_int_equal(1, EVP_PKEY_encrypt(context, ciphertext,
	                                     &ciphertext_length, input,
	                                     input_length));
	EVP_PKEY_CTX_free(context);
	assert_cry_ok(cry_rsa_decrypt(packed, params, ciphertext,
	                              ciphertext_length, &decrypted));
	assert_int_equal(ENC_READONLY, enc_access_of(decrypted));
	assert_int_equal(input_length, enc_size(decrypted));
	assert_memory_equal(input, enc_data(decrypted), input_length);
	enc_free(decrypted);
}

static int group_setup(void **state)
{
	size_t before;

	uint8_t warm_up[1];
	cry_status status;

	if (crypto_setup(state) != 0)
		return -1;
	/* OpenSSL's random generators keep their state in the secure heap
	 * from their first use on: have them made first. */
	if (RAND_bytes(warm_up, 1) != 1 || RAND_priv_bytes(warm_up, 1) != 1)
		return -1;
	before = CRYPTO_secure_used();
	status = cry_rsa_generate(2048, NULL, 0, &key2048);
	if (status != CRY_OK) {
		print_error("cry_rsa_generate: %s\n", cry_strerror(status));
		return -1;
	}
	/* Generation leaves nothing in the secure heap. */
	if (CRYPTO_secure_used() != before) {
		print_error("secure heap: %zu bytes before, %zu after\n",
		            before, CRYPTO_secure_used());
		return -1;
	}
	evp2048 = evp_from(key2048);
	return 0;
}

static int group_teardown(void **state)
{
	EVP_PKEY_free(evp2048);
	enc_free(key2048);
	return crypto_teardown(state);
}

static void test_generated_key(void **state)
{
	size_t length;
	const uint8_t *value;

	assert_int_equal(ENC_READONLY, enc_access_of(key2048));
	assert_int_equal(2048, cry_rsa_bits(key2048));
	value = part(key2048, CRY_RSA_PUBLIC_EXPONENT, &length);
	assert_hex_equal(value, length, "010001");
	(void)part(key2048, CRY_RSA_PRIVATE_EXPONENT, &length);
	assert_int_equal(256, length);
	(void)part(key2048, CRY_RSA_PRIME_1, &length);
	assert_int_equal(128, length);
	(void)part(key2048, CRY_RSA_COEFFICIENT, &length);
	assert_int_equal(128, length);
}

static void test_signatures(void **state)
{
	uint8_t input[MAX_BYTES];

	enc_random(input, sizeof(input));
	for (int hash = 0; hash < HASHES; hash++) {
		size_t length = cry_hash_length((cry_hash)hash);
		cry_rsa_params pkcs1 = {.padding = CRY_RSA_PAD_PKCS1,
		                        .digest_info = true,
		                        .hash = (cry_hash)hash};
		cry_rsa_params pss = {.padding = CRY_RSA_PAD_PSS,
		                      .hash = (cry_hash)hash,
		                      .mgf_hash = (cry_hash)hash,
		                      .salt_length = length};

		check_signature(key2048, evp2048, &pkcs1, input, length);
		check_signature(key2048, evp2048, &pss, input, length);
		/* MGF1 with another hash, no salt. */
		pss.mgf_hash = (cry_hash)((hash + 3) % HASHES);
		pss.salt_length = 0;
		check_signature(key2048, evp2048, &pss, input, length);
	}
	/* CKM_RSA_PKCS at its longest, and raw RSA. */
	cry_rsa_params pkcs1_raw = {.padding = CRY_RSA_PAD_PKCS1};
	check_signature(key2048, evp2048, &pkcs1_raw, input, 256 - 11);
	cry_rsa_params raw = {.padding = CRY_RSA_PAD_NONE};
	input[0] = 0x01; /* below n */
	check_signature(key2048, evp2048, &raw, input, 256);
}

static void test_encryption(void **state)
{
	static const uint8_t label[] = "a label";
	uint8_t input[MAX_BYTES];

	enc_random(input, sizeof(input));
	for (int hash = 0; hash < HASHES; hash++) {
		size_t longest = 256 - 2 * cry_hash_length((cry_hash)hash) - 2;
		cry_rsa_params oaep = {.padding = CRY_RSA_PAD_OAEP,
		                       .hash = (cry_hash)hash,
		                       .mgf_hash = (cry_hash)hash};

		check_encryption(key2048, evp2048, &oaep, input, longest);
		oaep.mgf_hash = CRY_HASH_SHA1;
		oaep.label = label;
		oaep.label_length = sizeof(label) - 1;
		check_encryption(key2048, evp2048, &oaep, input, 16);
	}
	cry_rsa_params pkcs1 = {.padding = CRY_RSA_PAD_PKCS1};
	check_encryption(key2048, evp2048, &pkcs1, input, 256 - 11);
	check_encryption(key2048, evp2048, &pkcs1, input, 1);
	cry_rsa_params raw = {.padding = CRY_RSA_PAD_NONE};
	input[0] = 0x01;
	check_encryption(key2048, evp2048, &raw, input, 256);
}

static void test_public_key_info(void **state)
{
	size_t n_length, e_length, length = 0;
	const uint8_t *n = part(key2048, CRY_RSA_MODULUS, &n_length);
	const uint8_t *e = part(key2048, CRY_RSA_PUBLIC_EXPONENT, &e_length);
	uint8_t der[400];
	const unsigned char *cursor = der;
	EVP_PKEY *decoded;

	assert_cry_ok(cry_rsa_public_key_info(n, n_length, e, e_length, NULL,
	                                      &length));
	assert_true(length <= sizeof(der));
	assert_cry_ok(cry_rsa_public_key_info(n, n_length, e, e_length, der,
	                                      &length));
	decoded = d2i_PUBKEY(NULL, &cursor, (long)length);
	assert_non_null(decoded);
	assert_int_equal(1, EVP_PKEY_eq(decoded, evp2048));
	EVP_PKEY_free(decoded);
}

static void test_generate_3072_e3(void **state)
{
	static const uint8_t three[] = {0x00, 0x03};
	enc_buffer *packed = NULL;
	EVP_PKEY *key;
	uint8_t input[MAX_BYTES];
	size_t length;
	const uint8_t *value;
	cry_rsa_params pss = {.padding = CRY_RSA_PAD_PSS,
	                      .hash = CRY_HASH_SHA384,
	                      .mgf_hash = CRY_HASH_SHA384,
	                      .salt_length = 48};
	cry_rsa_params oaep = {.padding = CRY_RSA_PAD_OAEP,
	                       .hash = CRY_HASH_SHA256,
	                       .mgf_hash = CRY_HASH_SHA256};

	assert_cry_ok(cry_rsa_generate(3072, three, sizeof(three), &packed));
	assert_int_equal(3072, cry_rsa_bits(packed));
	value = part(packed, CRY_RSA_PUBLIC_EXPONENT, &length);
	assert_hex_equal(value, length, "03");
	key = evp_from(packed);
	enc_random(input, sizeof(input));
	check_signature(packed, key, &pss, input, 48);
	check_encryption(packed, key, &oaep, input, 100);
	EVP_PKEY_free(key);
	enc_free(packed);
}

static void test_generate_errors(void **state)
{
	static const uint8_t even[] = {0x01, 0x00, 0x00};
	static const uint8_t one[] = {0x01};
	static const uint8_t long_exponent[] = {0x01, 0, 0, 0,   0,
	                                        0,    0, 0, 0x01};
	enc_buffer *packed = NULL;

	assert_cry(CRY_ERR_INVALID, cry_rsa_generate(1024, NULL, 0, &packed));
	assert_cry(CRY_ERR_INVALID, cry_rsa_generate(2047, NULL, 0, &packed));
	assert_cry(CRY_ERR_INVALID, cry_rsa_generate(2052, NULL, 0, &packed));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_generate(CRY_RSA_MAX_BITS + 8, NULL, 0, &packed));
	assert_cry(CRY_ERR_INVALID, cry_rsa_generate(2048, NULL, 0, NULL));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_generate(2048, even, sizeof(even), &packed));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_generate(2048, one, sizeof(one), &packed));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_generate(2048, long_exponent, sizeof(long_exponent),
	                            &packed));
	assert_cry(CRY_ERR_INVALID, cry_rsa_generate(2048, NULL, 3, &packed));
	assert_null(packed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_generated_key),
	        cmocka_unit_test(test_signatures),
	        cmocka_unit_test(test_encryption),
	        cmocka_unit_test(test_public_key_info),
	        cmocka_unit_test(test_generate_3072_e3),
	        cmocka_unit_test(test_generate_errors),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
