/* PKCS#8 PrivateKeyInfo, read and written in enclave buffers: OpenSSL's
 * own encodings (`openssl pkcs8 -topk8 -nocrypt`) of RSA-2048, P-256,
 * P-384, P-521, Ed25519 and X25519 keys decode to the values OpenSSL
 * reads from them, and encode back to the same bytes; fresh keys encode
 * to what OpenSSL reads as the same key (its public key is ours), and
 * decode back. Malformed encodings: test_pkcs8_errors.c. */
#include "config.h"

#include "pkcs8_vectors.h"
#include "rsa_vectors.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#define MAX_POINT 133

typedef struct vector {
	const char *name;
	const uint8_t *der;
	size_t length;
	cry_curve curve; /* curve keys */
} vector;

static const vector *curve_vectors(size_t *count)
{
	static vector vectors[5];
	vectors[0] = (vector){"P-256", pkcs8_p256, pkcs8_p256_length,
	                      CRY_CURVE_P256};
	vectors[1] = (vector){"P-384", pkcs8_p384, pkcs8_p384_length,
	                      CRY_CURVE_P384};
	vectors[2] = (vector){"P-521", pkcs8_p521, pkcs8_p521_length,
	                      CRY_CURVE_P521};
	vectors[3] = (vector){"Ed25519", pkcs8_ed25519, pkcs8_ed25519_length,
	                      CRY_CURVE_ED25519};
	vectors[4] = (vector){"X25519", pkcs8_x25519, pkcs8_x25519_length,
	                      CRY_CURVE_X25519};
	*count = 5;
	return vectors;
}

/* OpenSSL's reading of a PrivateKeyInfo, which must take all of it. */
static EVP_PKEY *ossl_read(const uint8_t *der, size_t length)
{
	const unsigned char *cursor = der;
	EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &cursor, (long)length);
	assert_non_null(key);
	assert_ptr_equal(cursor, der + length);
	return key;
}

static void assert_same_bytes(const char *what, const uint8_t *a,
                              size_t a_length, const uint8_t *b,
                              size_t b_length)
{
	if (a_length != b_length || memcmp(a, b, a_length) != 0)
		fail_msg("%s: %zu bytes differ from the %zu expected", what,
		         a_length, b_length);
}

/* An OpenSSL BIGNUM parameter, big-endian without leading zeros. */
static size_t ossl_number(EVP_PKEY *key, const char *name, uint8_t *out,
                          size_t size)
{
	BIGNUM *number = NULL;
	assert_int_equal(EVP_PKEY_get_bn_param(key, name, &number), 1);
	size_t length = (size_t)BN_num_bytes(number);
	assert_true(length <= size);
	BN_bn2bin(number, out);
	BN_clear_free(number);
	return length;
}

static const char *const rsa_names[CRY_RSA_PART_COUNT] = {
        OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
};

/* The decoded parts of an RSA key are the numbers OpenSSL reads. */
static void assert_rsa_parts(const cry_pkcs8_key *key, EVP_PKEY *ossl)
{
	uint8_t expected[512];
	assert_true(key->rsa);
	for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
		size_t length = ossl_number(ossl, rsa_names[i], expected,
		                            sizeof(expected));
		assert_same_bytes(rsa_names[i], key->part[i], key->length[i],
		                  expected, length);
	}
}

static void test_known_rsa(void **state)
{
	(void)state;
	enc_buffer *der =
	        secret_from_bytes(pkcs8_rsa2048, pkcs8_rsa2048_length);
	cry_pkcs8_key key;
	assert_cry_ok(cry_pkcs8_decode(der, &key));
	EVP_PKEY *ossl = ossl_read(pkcs8_rsa2048, pkcs8_rsa2048_length);
	assert_rsa_parts(&key, ossl);
	EVP_PKEY_free(ossl);
	/* Packed (and so checked) from the views, then written again:
	 * OpenSSL's bytes exactly. */
	enc_buffer *packed = NULL;
	assert_cry_ok(cry_rsa_pack(key.part, key.length, &packed));
	enc_buffer *again = NULL;
	assert_cry_ok(cry_pkcs8_encode_rsa(packed, &again));
	assert_int_equal(enc_access_of(again), ENC_READONLY);
	assert_same_bytes("RSA-2048 encoded again", enc_data(again),
	                  enc_size(again), pkcs8_rsa2048, pkcs8_rsa2048_length);
	enc_free(again);
	enc_free(packed);
	enc_free(der);
}

/* The private key OpenSSL reads from a curve key's encoding. */
static void ossl_private(EVP_PKEY *ossl, cry_curve curve, uint8_t *out)
{
	size_t length = cry_curve_private_bytes(curve);
	if (curve == CRY_CURVE_ED25519 || curve == CRY_CURVE_X25519) {
		size_t got = length;
		assert_int_equal(EVP_PKEY_get_raw_private_key(ossl, out, &got),
		                 1);
		assert_int_equal(got, length);
		return;
	}
	BIGNUM *scalar = NULL;
	assert_int_equal(
	        EVP_PKEY_get_bn_param(ossl, OSSL_PKEY_PARAM_PRIV_KEY, &scalar),
	        1);
	assert_int_equal(BN_bn2binpad(scalar, out, (int)length), (int)length);
	BN_clear_free(scalar);
}

/* The public key OpenSSL holds (NIST: uncompressed point). */
static size_t ossl_public(EVP_PKEY *ossl, cry_curve curve, uint8_t *out)
{
	size_t length = cry_curve_public_bytes(curve);
	if (curve == CRY_CURVE_ED25519 || curve == CRY_CURVE_X25519) {
		assert_int_equal(
		        EVP_PKEY_get_raw_public_key(ossl, out, &length), 1);
		return length;
	}
	assert_int_equal(
	        EVP_PKEY_get_octet_string_param(ossl, OSSL_PKEY_PARAM_PUB_KEY,
	                                        out, MAX_POINT, &length),
	        1);
	return length;
}

static void test_known_curves(void **state)
{
	(void)state;
	size_t count;
	const vector *vectors = curve_vectors(&count);
	for (size_t v = 0; v < count; v++) {
		const vector *t = &vectors[v];
		enc_buffer *der = secret_from_bytes(t->der, t->length);
		cry_pkcs8_key key;
		assert_cry_ok(cry_pkcs8_decode(der, &key));
		assert_false(key.rsa);
		assert_int_equal(key.curve, t->curve);
		assert_int_equal(key.private_length,
		                 cry_curve_private_bytes(t->curve));
		uint8_t expected[66];
		EVP_PKEY *ossl = ossl_read(t->der, t->length);
		ossl_private(ossl, t->curve, expected);
		EVP_PKEY_free(ossl);
		assert_same_bytes(t->name, key.private_key, key.private_length,
		                  expected, key.private_length);
		/* Encoded again from the private key alone (NIST: the
		 * public key recomputed): OpenSSL's bytes. */
		enc_buffer *value =
		        secret_from_bytes(key.private_key, key.private_length);
		enc_buffer *again = NULL;
		assert_cry_ok(cry_pkcs8_encode_curve(t->curve, value, &again));
		assert_int_equal(enc_access_of(again), ENC_READONLY);
		assert_same_bytes(t->name, enc_data(again), enc_size(again),
		                  t->der, t->length);
		enc_free(again);
		enc_free(value);
		enc_free(der);
	}
}

/* Fresh keys of every curve: OpenSSL reads our encoding as the key whose
 * public point the generation gave, and we read it back. */
static void test_generated_curves(void **state)
{
	(void)state;
	static const cry_curve curves[] = {CRY_CURVE_P256, CRY_CURVE_P384,
	                                   CRY_CURVE_P521, CRY_CURVE_ED25519,
	                                   CRY_CURVE_X25519};
	for (size_t c = 0; c < sizeof(curves) / sizeof(curves[0]); c++) {
		for (int round = 0; round < 8; round++) {
			enc_buffer *secret = NULL, *der = NULL;
			uint8_t point[MAX_POINT], theirs[MAX_POINT];
			assert_cry_ok(
			        cry_ec_generate(curves[c], &secret, point));
			assert_cry_ok(cry_pkcs8_encode_curve(curves[c], secret,
			                                     &der));
			EVP_PKEY *ossl =
			        ossl_read(enc_data(der), enc_size(der));
			size_t length = ossl_public(ossl, curves[c], theirs);
			EVP_PKEY_free(ossl);
			assert_same_bytes("public key", theirs, length, point,
			                  cry_curve_public_bytes(curves[c]));
			cry_pkcs8_key key;
			assert_cry_ok(cry_pkcs8_decode(der, &key));
			assert_int_equal(key.curve, curves[c]);
			assert_same_bytes("private key", key.private_key,
			                  key.private_length, enc_data(secret),
			                  enc_size(secret));
			enc_free(der);
			enc_free(secret);
		}
	}
}

/* The published 1024-bit keys, packed with all their parts: our
 * encoding is what OpenSSL reads as the same numbers, and decodes back
 * to the packed parts without their stored leading zeros. */
static void test_rsa_round_trip(void **state)
{
	(void)state;
	const rsa_hex_key *keys[] = {&rsa1024_key, &oaep1024_key};
	for (size_t k = 0; k < 2; k++) {
		enc_buffer *packed = pack_hex_ok(keys[k]);
		enc_buffer *der = NULL;
		assert_cry_ok(cry_pkcs8_encode_rsa(packed, &der));
		cry_pkcs8_key key;
		assert_cry_ok(cry_pkcs8_decode(der, &key));
		EVP_PKEY *ossl = ossl_read(enc_data(der), enc_size(der));
		assert_rsa_parts(&key, ossl);
		EVP_PKEY_free(ossl);
		for (int i = 0; i < CRY_RSA_PART_COUNT; i++) {
			const uint8_t *value;
			size_t length;
			assert_cry_ok(
			        cry_rsa_part_view(packed, i, &value, &length));
			while (length > 0 && *value == 0) {
				value++;
				length--;
			}
			assert_same_bytes("part", key.part[i], key.length[i],
			                  value, length);
		}
		enc_free(der);
		enc_free(packed);
	}
}

/* What the encoders refuse. */
static void test_encode_refusals(void **state)
{
	(void)state;
	enc_buffer *der = NULL;
	/* RSAPrivateKey needs the CRT parts. */
	rsa_hex_key bare = rsa1024_key;
	for (int i = CRY_RSA_PRIME_1; i < CRY_RSA_PART_COUNT; i++)
		bare.part[i] = NULL;
	enc_buffer *packed = pack_hex_ok(&bare);
	assert_cry(CRY_ERR_KEY, cry_pkcs8_encode_rsa(packed, &der));
	assert_null(der);
	assert_cry(CRY_ERR_INVALID, cry_pkcs8_encode_rsa(NULL, &der));
	assert_cry(CRY_ERR_INVALID, cry_pkcs8_encode_rsa(packed, NULL));
	enc_free(packed);
	/* A private key of the wrong size, or out of range; a bad curve. */
	uint8_t zeros[66] = {0};
	enc_buffer *short_key = secret_from_bytes(zeros, 31);
	assert_cry(CRY_ERR_KEY,
	           cry_pkcs8_encode_curve(CRY_CURVE_P256, short_key, &der));
	assert_cry(CRY_ERR_KEY,
	           cry_pkcs8_encode_curve(CRY_CURVE_ED25519, short_key, &der));
	enc_free(short_key);
	enc_buffer *zero = secret_from_bytes(zeros, 32);
	assert_cry(CRY_ERR_KEY,
	           cry_pkcs8_encode_curve(CRY_CURVE_P256, zero, &der));
	assert_null(der);
	assert_cry(CRY_ERR_INVALID,
	           cry_pkcs8_encode_curve((cry_curve)99, zero, &der));
	/* An unreadable buffer is refused, not read. */
	assert_int_equal(enc_protect(zero, ENC_NOACCESS), ENC_OK);
	assert_cry(CRY_ERR_INVALID,
	           cry_pkcs8_encode_curve(CRY_CURVE_X25519, zero, &der));
	enc_free(zero);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_known_rsa),
	        cmocka_unit_test(test_known_curves),
	        cmocka_unit_test(test_generated_curves),
	        cmocka_unit_test(test_rsa_round_trip),
	        cmocka_unit_test(test_encode_refusals),
	};
	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
