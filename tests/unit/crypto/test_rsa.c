/* RSA with fixed keys: known answers from the RSA Laboratories, NIST CAVS
 * and Wycheproof vectors (see rsa_vectors.h), and bad input. */
#include "config.h"

#include "rsa_vectors.h"

#include <openssl/crypto.h>
#include <string.h>

#define MAX_BYTES 300

/* The DigestInfo prefix of SHA-256 (RFC 8017 section 9.2, note 1). */
static const char sha256_prefix[] = "3031300d060960864801650304020105000420";

static const cry_rsa_params pkcs1_sha1 = {.padding = CRY_RSA_PAD_PKCS1,
                                          .digest_info = true,
                                          .hash = CRY_HASH_SHA1};
static const cry_rsa_params pkcs1_sha256 = {.padding = CRY_RSA_PAD_PKCS1,
                                            .digest_info = true,
                                            .hash = CRY_HASH_SHA256};
static const cry_rsa_params pkcs1_raw = {.padding = CRY_RSA_PAD_PKCS1};
static const cry_rsa_params raw = {.padding = CRY_RSA_PAD_NONE};
static const cry_rsa_params oaep_sha1 = {.padding = CRY_RSA_PAD_OAEP,
                                         .hash = CRY_HASH_SHA1,
                                         .mgf_hash = CRY_HASH_SHA1};

static void test_pkcs1_sign_known_answer(void **state)
{
	uint8_t message[MAX_BYTES], digest[64], expected[128], signature[128];
	uint8_t n[128], e[3];
	size_t digest_length = digest_of(
	        "SHA1", message,
	        hex_decode(rsa1024_message, message, sizeof(message)), digest);
	/* The full key; n, e and d; n and d; the CRT parts without e. */
	rsa_hex_key forms[4] = {rsa1024_key,
	                        {{rsa1024_n, rsa1024_e, rsa1024_d}},
	                        {{rsa1024_n, NULL, rsa1024_d}},
	                        rsa1024_key};

	forms[3].part[CRY_RSA_PUBLIC_EXPONENT] = NULL;
	hex_decode(rsa1024_signature, expected, sizeof(expected));
	hex_decode(rsa1024_n, n, sizeof(n));
	hex_decode(rsa1024_e, e, sizeof(e));
	for (int i = 0; i < 4; i++) {
		enc_buffer *packed = pack_hex_ok(&forms[i]);
		size_t length = sizeof(signature);
		const uint8_t *value;
		size_t value_length;

		assert_int_equal(1024, cry_rsa_bits(packed));
		/* PKCS#1 v1.5 is deterministic: with or without the CRT. */
		assert_cry_ok(cry_rsa_sign(packed, &pkcs1_sha1, digest,
		                           digest_length, signature, &length));
		assert_int_equal(128, length);
		assert_memory_equal(expected, signature, 128);
		/* e is stored, recovered when it was not given. */
		assert_cry_ok(cry_rsa_part_view(packed, CRY_RSA_PUBLIC_EXPONENT,
		                                &value, &value_length));
		assert_hex_equal(value, value_length, rsa1024_e);
		enc_free(packed);
	}
	assert_cry_ok(cry_rsa_verify(n, 128, e, 3, &pkcs1_sha1, digest,
	                             digest_length, expected, 128));
}

static void test_pkcs1_verify_cavs(void **state)
{
	uint8_t n[256], e[2], message[MAX_BYTES], digest[32], signature[256];
	uint8_t block[256], digest_info[51];
	size_t message_length =
	        hex_decode(cavs2048_message, message, sizeof(message));
	cry_rsa_params sha3 = pkcs1_sha256;
	cry_rsa_params sha224 = pkcs1_sha256;

	hex_decode(cavs2048_n, n, sizeof(n));
	assert_int_equal(2, hex_decode(cavs2048_e, e, sizeof(e)));
	hex_decode(cavs2048_signature, signature, sizeof(signature));
	assert_int_equal(32,
	                 digest_of("SHA256", message, message_length, digest));
	assert_cry_ok(cry_rsa_verify(n, 256, e, 2, &pkcs1_sha256, digest, 32,
	                             signature, 256));
	/* The same signature as CKM_RSA_PKCS over the DigestInfo, and as
	 * raw RSA over the whole encoded block. */
	hex_decode(sha256_prefix, digest_info, sizeof(digest_info));
	memcpy(digest_info + 19, digest, 32);
	assert_cry_ok(cry_rsa_verify(n, 256, e, 2, &pkcs1_raw, digest_info, 51,
	                             signature, 256));
	block[0] = 0x00;
	block[1] = 0x01;
	memset(block + 2, 0xff, 256 - 3 - 51);
	block[256 - 52] = 0x00;
	memcpy(block + 256 - 51, digest_info, 51);
	assert_cry_ok(
	        cry_rsa_verify(n, 256, e, 2, &raw, block, 256, signature, 256));
	block[255] ^= 1;
	assert_cry(CRY_ERR_SIGNATURE, cry_rsa_verify(n, 256, e, 2, &raw, block,
	                                             256, signature, 256));
	/* The wrong hash: same length, another OID; another length. */
	sha3.hash = CRY_HASH_SHA3_256;
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_rsa_verify(n, 256, e, 2, &sha3, digest, 32, signature,
	                          256));
	sha224.hash = CRY_HASH_SHA224;
	assert_cry(CRY_ERR_INVALID, cry_rsa_verify(n, 256, e, 2, &sha224,
	                                           digest, 32, signature, 256));
	/* A wrong digest, a flipped bit, wrong lengths, s >= n. */
	digest[0] ^= 1;
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_rsa_verify(n, 256, e, 2, &pkcs1_sha256, digest, 32,
	                          signature, 256));
	digest[0] ^= 1;
	signature[100] ^= 0x08;
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_rsa_verify(n, 256, e, 2, &pkcs1_sha256, digest, 32,
	                          signature, 256));
	signature[100] ^= 0x08;
	assert_cry(CRY_ERR_SIGNATURE_LENGTH,
	           cry_rsa_verify(n, 256, e, 2, &pkcs1_sha256, digest, 32,
	                          signature, 255));
	memset(signature, 0xff, sizeof(signature));
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_rsa_verify(n, 256, e, 2, &pkcs1_sha256, digest, 32,
	                          signature, 256));
}

static void test_pss_verify_known_answer(void **state)
{
	uint8_t n[257], e[3], mhash[20], signature[256], message[16],
	        digest[32];
	cry_rsa_params pss = {.padding = CRY_RSA_PAD_PSS,
	                      .hash = CRY_HASH_SHA1,
	                      .mgf_hash = CRY_HASH_SHA1,
	                      .salt_length = 20};

	hex_decode(pss1024_n, n, sizeof(n));
	hex_decode(pss1024_e, e, sizeof(e));
	hex_decode(pss1024_mhash, mhash, sizeof(mhash));
	hex_decode(pss1024_signature, signature, sizeof(signature));
	assert_cry_ok(
	        cry_rsa_verify(n, 128, e, 3, &pss, mhash, 20, signature, 128));
	/* The salt length is checked, and so is MGF1's hash. */
	pss.salt_length = 19;
	assert_cry(CRY_ERR_SIGNATURE, cry_rsa_verify(n, 128, e, 3, &pss, mhash,
	                                             20, signature, 128));
	pss.salt_length = 20;
	pss.mgf_hash = CRY_HASH_SHA256;
	assert_cry(CRY_ERR_SIGNATURE, cry_rsa_verify(n, 128, e, 3, &pss, mhash,
	                                             20, signature, 128));

	/* Wycheproof: SHA-256, a 32-byte salt, n with a leading zero. */
	assert_int_equal(257, hex_decode(wycheproof2048_n, n, sizeof(n)));
	hex_decode(wycheproof2048_signature, signature, sizeof(signature));
	digest_of("SHA256", message,
	          hex_decode(wycheproof2048_message, message, sizeof(message)),
	          digest);
	pss.hash = pss.mgf_hash = CRY_HASH_SHA256;
	pss.salt_length = 32;
	assert_cry_ok(
	        cry_rsa_verify(n, 257, e, 3, &pss, digest, 32, signature, 256));
	signature[255] ^= 1;
	assert_cry(CRY_ERR_SIGNATURE, cry_rsa_verify(n, 257, e, 3, &pss, digest,
	                                             32, signature, 256));
	/* A digest of the wrong length; a salt that cannot fit. */
	assert_cry(CRY_ERR_INVALID, cry_rsa_verify(n, 257, e, 3, &pss, digest,
	                                           31, signature, 256));
	pss.salt_length = 256 - 32 - 2 + 1;
	assert_cry(CRY_ERR_INVALID, cry_rsa_verify(n, 257, e, 3, &pss, digest,
	                                           32, signature, 256));
}

static void test_oaep_decrypt_known_answer(void **state)
{
	enc_buffer *packed = pack_hex_ok(&oaep1024_key);
	enc_buffer *plaintext = NULL;
	uint8_t ciphertext[129], n[128], e[3], again[128];
	size_t length = sizeof(again);
	cry_rsa_params params = oaep_sha1;

	hex_decode(oaep1024_ciphertext, ciphertext, sizeof(ciphertext));
	hex_decode(oaep1024_n, n, sizeof(n));
	hex_decode(oaep1024_e, e, sizeof(e));
	assert_cry_ok(cry_rsa_decrypt(packed, &oaep_sha1, ciphertext, 128,
	                              &plaintext));
	assert_int_equal(ENC_READONLY, enc_access_of(plaintext));
	assert_buffer_hex(plaintext, oaep1024_message);
	/* Encrypted again by us, from the enclave buffer, it decrypts to the
	 * same message. */
	assert_cry_ok(cry_rsa_encrypt(n, 128, e, 3, &oaep_sha1,
	                              enc_data(plaintext), enc_size(plaintext),
	                              again, &length));
	assert_int_equal(128, length);
	enc_free(plaintext);
	assert_cry_ok(
	        cry_rsa_decrypt(packed, &oaep_sha1, again, 128, &plaintext));
	assert_buffer_hex(plaintext, oaep1024_message);
	enc_free(plaintext);
	plaintext = NULL;
	/* Another label, another hash, a flipped bit: invalid. */
	params.label = (const uint8_t *)"x";
	params.label_length = 1;
	assert_cry(
	        CRY_ERR_SIGNATURE,
	        cry_rsa_decrypt(packed, &params, ciphertext, 128, &plaintext));
	params = oaep_sha1;
	params.hash = CRY_HASH_SHA256;
	assert_cry(
	        CRY_ERR_SIGNATURE,
	        cry_rsa_decrypt(packed, &params, ciphertext, 128, &plaintext));
	ciphertext[60] ^= 0x40;
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_rsa_decrypt(packed, &oaep_sha1, ciphertext, 128,
	                           &plaintext));
	assert_null(plaintext);
	/* Wrong lengths; a ciphertext not below n; a hash too long for a
	 * 1024-bit key (2 * 64 + 2 > 128). */
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_decrypt(packed, &oaep_sha1, ciphertext, 127,
	                           &plaintext));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_decrypt(packed, &oaep_sha1, ciphertext, 129,
	                           &plaintext));
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_rsa_decrypt(packed, &oaep_sha1, n, 128, &plaintext));
	params.hash = CRY_HASH_SHA512;
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_decrypt(packed, &params, again, 128, &plaintext));
	enc_free(packed);
}

/* Raw RSA both ways, and PKCS#1 v1.5 encryption, with the fixed key. */
static void test_raw_and_pkcs1_encryption(void **state)
{
	enc_buffer *packed = pack_hex_ok(&rsa1024_key);
	enc_buffer *plaintext = NULL;
	enc_buffer *secret = secret_from_hex("00112233445566778899");
	uint8_t n[128], e[3], input[128], output[128];
	size_t length = sizeof(output);

	hex_decode(rsa1024_n, n, sizeof(n));
	hex_decode(rsa1024_e, e, sizeof(e));
	/* Raw: a short input is left-padded with zeros. */
	memset(input, 0x5a, sizeof(input));
	assert_cry_ok(cry_rsa_sign(packed, &raw, input, 100, output, &length));
	assert_cry_ok(
	        cry_rsa_verify(n, 128, e, 3, &raw, input, 100, output, 128));
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_rsa_verify(n, 128, e, 3, &raw, input, 99, output, 128));
	assert_cry_ok(cry_rsa_encrypt(n, 128, e, 3, &raw, input, 100, output,
	                              &length));
	assert_cry_ok(cry_rsa_decrypt(packed, &raw, output, 128, &plaintext));
	assert_int_equal(128, enc_size(plaintext));
	assert_true(enc_ct_is_zero(enc_data(plaintext), 28));
	assert_memory_equal(input, (uint8_t *)enc_data(plaintext) + 28, 100);
	enc_free(plaintext);
	/* PKCS#1 v1.5 type 2, from an enclave buffer: exact length back. */
	assert_cry_ok(cry_rsa_encrypt(n, 128, e, 3, &pkcs1_raw,
	                              enc_data(secret), enc_size(secret),
	                              output, &length));
	assert_cry_ok(
	        cry_rsa_decrypt(packed, &pkcs1_raw, output, 128, &plaintext));
	assert_int_equal(ENC_READONLY, enc_access_of(plaintext));
	assert_buffer_hex(plaintext, "00112233445566778899");
	enc_free(plaintext);
	/* An empty message decrypts to no buffer at all. */
	plaintext = secret;
	assert_cry_ok(cry_rsa_encrypt(n, 128, e, 3, &pkcs1_raw, NULL, 0, output,
	                              &length));
	assert_cry_ok(
	        cry_rsa_decrypt(packed, &pkcs1_raw, output, 128, &plaintext));
	assert_null(plaintext);
	/* OAEP ciphertext given to PKCS#1 v1.5: a padding error before
	 * OpenSSL 3.2, an unrelated (implicit rejection) message after. */
	assert_cry_ok(cry_rsa_encrypt(n, 128, e, 3, &oaep_sha1,
	                              enc_data(secret), enc_size(secret),
	                              output, &length));
	cry_status status =
	        cry_rsa_decrypt(packed, &pkcs1_raw, output, 128, &plaintext);
	if (OpenSSL_version_num() < 0x30200000L) {
		assert_cry(CRY_ERR_SIGNATURE, status);
		assert_null(plaintext);
	} else {
		assert_cry_ok(status);
		assert_false(enc_size(plaintext) == enc_size(secret) &&
		             memcmp(enc_data(plaintext), enc_data(secret),
		                    enc_size(secret)) == 0);
		enc_free(plaintext);
	}
	enc_free(secret);
	enc_free(packed);
}

static void test_public_key_info(void **state)
{
	uint8_t n[257], e[3], der[400];
	size_t length = 0;

	hex_decode(wycheproof2048_n, n, sizeof(n));
	hex_decode(wycheproof2048_e, e, sizeof(e));
	assert_cry_ok(cry_rsa_public_key_info(n, 257, e, 3, NULL, &length));
	assert_int_equal(294, length);
	length = 293;
	assert_cry(CRY_ERR_BUFFER,
	           cry_rsa_public_key_info(n, 257, e, 3, der, &length));
	assert_int_equal(294, length);
	length = sizeof(der);
	assert_cry_ok(cry_rsa_public_key_info(n, 257, e, 3, der, &length));
	assert_hex_equal(der, length, wycheproof2048_spki);
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_public_key_info(n, 257, e, 3, der, NULL));
	n[256] ^= 1; /* even */
	assert_cry(CRY_ERR_KEY,
	           cry_rsa_public_key_info(n, 257, e, 3, der, &length));
}

static void test_bad_public_keys(void **state)
{
	uint8_t n[128], e[3], big[129], digest[20] = {0}, signature[128] = {0};
	uint8_t output[128];
	size_t length = sizeof(output);
	const uint8_t one[] = {1}, two[] = {2}, nine[] = {0, 0, 9};

	hex_decode(rsa1024_n, n, sizeof(n));
	hex_decode(rsa1024_e, e, sizeof(e));
	assert_cry(CRY_ERR_KEY, cry_rsa_verify(n, 128, one, 1, &pkcs1_sha1,
	                                       digest, 20, signature, 128));
	assert_cry(CRY_ERR_KEY, cry_rsa_verify(n, 128, two, 1, &pkcs1_sha1,
	                                       digest, 20, signature, 128));
	assert_cry(CRY_ERR_KEY, cry_rsa_verify(n, 128, e, 0, &pkcs1_sha1,
	                                       digest, 20, signature, 128));
	/* e = n: not below n. */
	assert_cry(CRY_ERR_KEY, cry_rsa_verify(n, 128, n, 128, &pkcs1_sha1,
	                                       digest, 20, signature, 128));
	/* 1016 bits: too short. */
	assert_cry(CRY_ERR_KEY, cry_rsa_verify(n + 1, 127, e, 3, &pkcs1_sha1,
	                                       digest, 20, signature, 127));
	big[0] = 0;
	memcpy(big + 1, n, 128);
	big[128] ^= 1; /* even */
	assert_cry(CRY_ERR_KEY, cry_rsa_encrypt(big, 129, e, 3, &raw, digest,
	                                        20, output, &length));
	assert_cry(CRY_ERR_INVALID, cry_rsa_encrypt(NULL, 0, e, 3, &raw, digest,
	                                            20, output, &length));
	/* Leading zeros in e are fine; 9 is a valid (odd) exponent. */
	assert_cry(CRY_ERR_SIGNATURE,
	           cry_rsa_verify(n, 128, nine, 3, &pkcs1_sha1, digest, 20,
	                          signature, 128));
}

static void test_sign_errors(void **state)
{
	enc_buffer *packed = pack_hex_ok(&rsa1024_key);
	uint8_t input[130], signature[128];
	size_t length = sizeof(signature);
	cry_rsa_params params = {.padding = CRY_RSA_PAD_PSS,
	                         .hash = CRY_HASH_SHA1,
	                         .mgf_hash = CRY_HASH_SHA1,
	                         .salt_length = 128 - 20 - 2};

	memset(input, 0x11, sizeof(input));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_sign(packed, NULL, input, 20, signature, &length));
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &pkcs1_sha1, input, 20,
	                                         signature, NULL));
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &pkcs1_sha1, NULL, 20,
	                                         signature, &length));
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(NULL, &pkcs1_sha1, input, 20,
	                                         signature, &length));
	/* The length protocol. */
	length = 0;
	assert_cry(CRY_ERR_BUFFER,
	           cry_rsa_sign(packed, &pkcs1_sha1, input, 20, NULL, &length));
	assert_int_equal(128, length);
	length = 127;
	assert_cry(CRY_ERR_BUFFER, cry_rsa_sign(packed, &pkcs1_sha1, input, 20,
	                                        signature, &length));
	assert_int_equal(128, length);
	/* Inputs too long (or of the wrong length) for each padding. */
	length = sizeof(signature);
	assert_cry_ok(cry_rsa_sign(packed, &pkcs1_raw, input, 117, signature,
	                           &length));
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &pkcs1_raw, input, 118,
	                                         signature, &length));
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &pkcs1_sha1, input, 19,
	                                         signature, &length));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_sign(packed, &raw, input, 129, signature, &length));
	memset(input, 0xff, 128); /* not below n */
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_sign(packed, &raw, input, 128, signature, &length));
	assert_cry_ok(
	        cry_rsa_sign(packed, &params, input, 20, signature, &length));
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &params, input, 21,
	                                         signature, &length));
	params.salt_length++;
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &params, input, 20,
	                                         signature, &length));
	params.salt_length = 0;
	params.mgf_hash = (cry_hash)99;
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &params, input, 20,
	                                         signature, &length));
	params.padding = CRY_RSA_PAD_OAEP;
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &params, input, 20,
	                                         signature, &length));
	params.padding = (cry_rsa_padding)42;
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &params, input, 20,
	                                         signature, &length));
	/* An unreadable key. */
	assert_int_equal(ENC_OK, enc_protect(packed, ENC_NOACCESS));
	assert_cry(CRY_ERR_INVALID, cry_rsa_sign(packed, &pkcs1_sha1, input, 20,
	                                         signature, &length));
	assert_int_equal(0, cry_rsa_bits(packed));
	enc_free(packed);
}

static void test_cipher_errors(void **state)
{
	enc_buffer *packed = pack_hex_ok(&rsa1024_key);
	enc_buffer *plaintext = NULL;
	uint8_t n[128], e[3], input[130] = {0}, output[128];
	size_t length = 0;
	cry_rsa_params params = oaep_sha1;

	hex_decode(rsa1024_n, n, sizeof(n));
	hex_decode(rsa1024_e, e, sizeof(e));
	assert_cry(CRY_ERR_BUFFER, cry_rsa_encrypt(n, 128, e, 3, &oaep_sha1,
	                                           input, 10, NULL, &length));
	assert_int_equal(128, length);
	length = 127;
	assert_cry(CRY_ERR_BUFFER, cry_rsa_encrypt(n, 128, e, 3, &oaep_sha1,
	                                           input, 10, output, &length));
	assert_int_equal(128, length);
	assert_cry(CRY_ERR_INVALID, cry_rsa_encrypt(n, 128, e, 3, &oaep_sha1,
	                                            input, 10, output, NULL));
	assert_cry(CRY_ERR_INVALID, cry_rsa_encrypt(n, 128, e, 3, NULL, input,
	                                            10, output, &length));
	/* Too long for each padding (OAEP-SHA-1: k - 42 bytes at most). */
	length = sizeof(output);
	assert_cry_ok(cry_rsa_encrypt(n, 128, e, 3, &oaep_sha1, input, 86,
	                              output, &length));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_encrypt(n, 128, e, 3, &oaep_sha1, input, 87, output,
	                           &length));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_encrypt(n, 128, e, 3, &pkcs1_raw, input, 118, output,
	                           &length));
	assert_cry(CRY_ERR_INVALID, cry_rsa_encrypt(n, 128, e, 3, &raw, input,
	                                            129, output, &length));
	assert_cry(CRY_ERR_INVALID, cry_rsa_encrypt(n, 128, e, 3, &raw, n, 128,
	                                            output, &length));
	params.label_length = 3; /* without a label */
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_encrypt(n, 128, e, 3, &params, input, 10, output,
	                           &length));
	params = oaep_sha1;
	params.padding = CRY_RSA_PAD_PSS;
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_encrypt(n, 128, e, 3, &params, input, 10, output,
	                           &length));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_decrypt(packed, &params, output, 128, &plaintext));
	/* Decryption's own checks. */
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_decrypt(packed, &oaep_sha1, output, 128, NULL));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_decrypt(packed, &oaep_sha1, NULL, 128, &plaintext));
	assert_cry(CRY_ERR_INVALID,
	           cry_rsa_decrypt(packed, NULL, output, 128, &plaintext));
	assert_int_equal(ENC_OK, enc_protect(packed, ENC_NOACCESS));
	assert_cry(CRY_ERR_INVALID, cry_rsa_decrypt(packed, &oaep_sha1, output,
	                                            128, &plaintext));
	assert_null(plaintext);
	enc_free(packed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_pkcs1_sign_known_answer),
	        cmocka_unit_test(test_pkcs1_verify_cavs),
	        cmocka_unit_test(test_pss_verify_known_answer),
	        cmocka_unit_test(test_oaep_decrypt_known_answer),
	        cmocka_unit_test(test_raw_and_pkcs1_encryption),
	        cmocka_unit_test(test_public_key_info),
	        cmocka_unit_test(test_bad_public_keys),
	        cmocka_unit_test(test_sign_errors),
	        cmocka_unit_test(test_cipher_errors),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
