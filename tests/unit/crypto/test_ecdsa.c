#define OPENSSL_SUPPRESS_DEPRECATED
/* ECDSA and ECDH on the NIST curves: RFC 6979 and NIST CAVS vectors,
 * cross-checks with OpenSSL's own EVP API, and the secure-heap rule. */
#include "config.h"

#include "common.h"

#include <dlfcn.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

struct rfc6979_vector {
	cry_curve curve;
	const char *hash; /* of "sample" */
	const char *private_key;
	const char *x, *y;
	const char *r, *s;
};

/* RFC 6979 A.2.5, A.2.6, A.2.7: message "sample" with SHA-256, SHA-384,
 * SHA-512 respectively. */
static const struct rfc6979_vector rfc6979[] = {
        {CRY_CURVE_P256, "SHA256",
         "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
         "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
         "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
         "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
         "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
        {CRY_CURVE_P384, "SHA384",
         "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D8"
         "96D5724E4C70A825F872C9EA60D2EDF5",
         "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64"
         "DEF8F0EA9055866064A254515480BC13",
         "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1"
         "288B231C3AE0D4FE7344FD2533264720",
         "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C"
         "81A648152E44ACF96E36DD1E80FABE46",
         "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94F"
         "A329C145786E679E7B82C71A38628AC8"},
        {CRY_CURVE_P521, "SHA512",
         "00FAD06DAA62BA3B25D2FB40133DA757205DE67F5BB0018FEE8C86E1B68C7E75C"
         "AA896EB32F1F47C70855836A6D16FCC1466F6D8FBEC67DB89EC0C08B0E996B835"
         "38",
         "01894550D0785932E00EAA23B694F213F8C3121F86DC97A04E5A7167DB4E5BCD3"
         "71123D46E45DB6B5D5370A7F20FB633155D38FFA16D2BD761DCAC474B9A2F502"
         "3A4",
         "00493101C962CD4D2FDDF782285E64584139C2F91B47F87FF82354D6630F746A2"
         "8A0DB25741B5B34A828008B22ACC23F924FAAFBD4D33F81EA66956DFEAA2BFDF"
         "CF5",
         "00C328FAFCBD79DD77850370C46325D987CB525569FB63C5D3BC53950E6D4C5F1"
         "74E25A1EE9017B5D450606ADD152B534931D7D4E8455CC91F9B15BF05EC36E37"
         "7FA",
         "00617CCE7CF5064806C467F678D3B4080D6F1CC50AF26CA209417308281B68AF2"
         "82623EAA63E5B5C0723D8B8C37FF0777B1A20F8CCB1DCCC43997F1EE0E44DA4A"
         "67A"},
};

static const cry_curve nist_curves[] = {CRY_CURVE_P256, CRY_CURVE_P384,
                                        CRY_CURVE_P521};

static size_t sample_digest(const char *hash, uint8_t *digest)
{
	unsigned length = 0;

	assert_int_equal(1, EVP_Digest("sample", 6, digest, &length,
	                               EVP_get_digestbyname(hash), NULL));
	return length;
}

static size_t vector_point(const struct rfc6979_vector *vector, uint8_t *point)
{
	size_t n = cry_curve_private_bytes(vector->curve);

	point[0] = 0x04;
	assert_int_equal(n, hex_decode(vector->x, point + 1, n));
	assert_int_equal(n, hex_decode(vector->y, point + 1 + n, n));
	return 1 + 2 * n;
}

static void test_rfc6979_verify(void **state)
{
	for (size_t i = 0; i < sizeof(rfc6979) / sizeof(rfc6979[0]); i++) {
		const struct rfc6979_vector *vector = &rfc6979[i];
		size_t n = cry_curve_private_bytes(vector->curve);
		enc_buffer *key = secret_from_hex(vector->private_key);
		uint8_t point[133], derived[133], digest[64], signature[132];
		size_t point_length = vector_point(vector, point);
		size_t digest_length = sample_digest(vector->hash, digest);

		assert_int_equal(n, enc_size(key));
		assert_cry_ok(cry_ec_public_from_private(vector->curve, key,
		                                         derived));
		assert_memory_equal(point, derived, point_length);
		hex_decode(vector->r, signature, n);
		hex_decode(vector->s, signature + n, n);
		assert_cry_ok(cry_ecdsa_verify(
		        vector->curve, point, point_length, digest,
		        digest_length, signature, 2 * n));
		/* A wrong digest, a flipped bit, a wrong length. */
		digest[0] ^= 1;
		assert_cry(CRY_ERR_SIGNATURE,
		           cry_ecdsa_verify(vector->curve, point, point_length,
		                            digest, digest_length, signature,
		                            2 * n));
		digest[0] ^= 1;
		signature[n + 5] ^= 0x10;
		assert_cry(CRY_ERR_SIGNATURE,
		           cry_ecdsa_verify(vector->curve, point, point_length,
		                            digest, digest_length, signature,
		                            2 * n));
		signature[n + 5] ^= 0x10;
		assert_cry(CRY_ERR_SIGNATURE_LENGTH,
		           cry_ecdsa_verify(vector->curve, point, point_length,
		                            digest, digest_length, signature,
		                            2 * n - 1));
		/* r = 0 */
		memset(signature, 0, n);
		assert_cry(CRY_ERR_SIGNATURE,
		           cry_ecdsa_verify(vector->curve, point, point_length,
		                            digest, digest_length, signature,
		                            2 * n));
		enc_free(key);
	}
}

/* Verifies raw r||s over a digest with OpenSSL alone: the public key
 * from our SubjectPublicKeyInfo, r||s converted to DER here. */
static int openssl_verify(cry_curve curve, const uint8_t *point,
                          const uint8_t *digest, size_t digest_length,
                          const uint8_t *signature)
{
	size_t n = cry_curve_private_bytes(curve);
	uint8_t spki[200];
	size_t spki_length = sizeof(spki);
	const unsigned char *cursor = spki;
	unsigned char *der = NULL;
	EVP_PKEY *key;
	EVP_PKEY_CTX *context;
	ECDSA_SIG *pair = ECDSA_SIG_new();
	int der_length;
	int result;

	assert_cry_ok(cry_ec_public_key_info(curve, point, spki, &spki_length));
	key = d2i_PUBKEY(NULL, &cursor, (long)spki_length);
	assert_non_null(key);
	assert_non_null(pair);
	assert_int_equal(
	        1, ECDSA_SIG_set0(pair, BN_bin2bn(signature, (int)n, NULL),
	                          BN_bin2bn(signature + n, (int)n, NULL)));
	der_length = i2d_ECDSA_SIG(pair, &der);
	assert_true(der_length > 0);
	context = EVP_PKEY_CTX_new(key, NULL);
	assert_int_equal(1, EVP_PKEY_verify_init(context));
	result = EVP_PKEY_verify(context, der, (size_t)der_length, digest,
	                         digest_length);
	EVP_PKEY_CTX_free(context);
	OPENSSL_free(der);
	ECDSA_SIG_free(pair);
	EVP_PKEY_free(key);
	return result;
}

static void test_sign_cross_checked(void **state)
{
	for (size_t i = 0; i < 3; i++) {
		cry_curve curve = nist_curves[i];
		size_t n = cry_curve_private_bytes(curve);
		enc_buffer *key = NULL;
		uint8_t point[133], digest[64], signature[132];
		size_t lengths[] = {20, 32, 48, 64};

		assert_cry_ok(cry_ec_generate(curve, &key, point));
		assert_int_equal(ENC_READONLY, enc_access_of(key));
		assert_int_equal(n, enc_size(key));
		enc_random(digest, sizeof(digest));
		/* Digests shorter and longer than the order. */
		for (size_t j = 0; j < 4; j++) {
			assert_cry_ok(cry_ecdsa_sign(curve, key, digest,
			                             lengths[j], signature));
			assert_cry_ok(cry_ecdsa_verify(
			        curve, point, cry_curve_public_bytes(curve),
			        digest, lengths[j], signature, 2 * n));
			assert_int_equal(1,
			                 openssl_verify(curve, point, digest,
			                                lengths[j], signature));
			digest[1] ^= 0x80;
			assert_int_equal(0,
			                 openssl_verify(curve, point, digest,
			                                lengths[j], signature));
			assert_cry(
			        CRY_ERR_SIGNATURE,
			        cry_ecdsa_verify(curve, point,
			                         cry_curve_public_bytes(curve),
			                         digest, lengths[j], signature,
			                         2 * n));
			digest[1] ^= 0x80;
		}
		enc_free(key);
	}
}

static void test_bad_keys(void **state)
{
	enc_buffer *key = NULL;
	enc_buffer *zero = NULL;
	enc_buffer *order = secret_from_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBC"
	                                    "E6FAADA7179E84F3B9CAC2FC632551");
	enc_buffer *below = secret_from_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBC"
	                                    "E6FAADA7179E84F3B9CAC2FC632550");
	uint8_t point[65], digest[32] = {1}, signature[64];

	assert_int_equal(ENC_OK, enc_alloc(32, 0, &zero));
	assert_cry(CRY_ERR_KEY,
	           cry_ec_public_from_private(CRY_CURVE_P256, zero, point));
	assert_cry(CRY_ERR_KEY,
	           cry_ecdsa_sign(CRY_CURVE_P256, zero, digest, 32, signature));
	assert_cry(CRY_ERR_KEY,
	           cry_ec_public_from_private(CRY_CURVE_P256, order, point));
	assert_cry_ok(cry_ec_public_from_private(CRY_CURVE_P256, below, point));
	assert_cry_ok(
	        cry_ecdsa_sign(CRY_CURVE_P256, below, digest, 32, signature));
	assert_cry_ok(cry_ecdsa_verify(CRY_CURVE_P256, point, 65, digest, 32,
	                               signature, 64));
	/* A key of the wrong size, an unreadable key, a non-NIST curve. */
	assert_cry(CRY_ERR_KEY, cry_ecdsa_sign(CRY_CURVE_P384, below, digest,
	                                       32, signature));
	assert_cry_ok(cry_ec_generate(CRY_CURVE_P256, &key, point));
	assert_int_equal(ENC_OK, enc_protect(key, ENC_NOACCESS));
	assert_cry(CRY_ERR_INVALID,
	           cry_ecdsa_sign(CRY_CURVE_P256, key, digest, 32, signature));
	assert_cry(CRY_ERR_INVALID, cry_ecdsa_sign(CRY_CURVE_ED25519, below,
	                                           digest, 32, signature));
	/* Points: off the curve, compressed, wrong length. */
	point[64] ^= 1;
	assert_cry(CRY_ERR_KEY, cry_ec_check_public(CRY_CURVE_P256, point, 65));
	assert_cry(CRY_ERR_KEY, cry_ecdsa_verify(CRY_CURVE_P256, point, 65,
	                                         digest, 32, signature, 64));
	point[64] ^= 1;
	assert_cry_ok(cry_ec_check_public(CRY_CURVE_P256, point, 65));
	assert_cry(CRY_ERR_KEY, cry_ec_check_public(CRY_CURVE_P256, point, 64));
	point[0] = 0x02;
	assert_cry(CRY_ERR_KEY, cry_ec_check_public(CRY_CURVE_P256, point, 33));
	enc_free(key);
	enc_free(zero);
	enc_free(order);
	enc_free(below);
}

static void test_ecdh_agree(void **state)
{
	for (size_t i = 0; i < 3; i++) {
		cry_curve curve = nist_curves[i];
		size_t length = cry_curve_public_bytes(curve);
		enc_buffer *a = NULL, *b = NULL, *ab = NULL, *ba = NULL;
		uint8_t a_point[133], b_point[133];

		assert_cry_ok(cry_ec_generate(curve, &a, a_point));
		assert_cry_ok(cry_ec_generate(curve, &b, b_point));
		assert_cry_ok(cry_ecdh(curve, a, b_point, length, &ab));
		assert_cry_ok(cry_ecdh(curve, b, a_point, length, &ba));
		assert_int_equal(ENC_READONLY, enc_access_of(ab));
		assert_int_equal(cry_curve_private_bytes(curve), enc_size(ab));
		assert_memory_equal(enc_data(ab), enc_data(ba), enc_size(ab));
		enc_free(ab);
		/* An invalid peer point is refused. */
		b_point[length - 1] ^= 1;
		assert_cry(CRY_ERR_KEY,
		           cry_ecdh(curve, a, b_point, length, &ab));
		assert_null(ab);
		assert_cry(CRY_ERR_KEY,
		           cry_ecdh(curve, a, b_point, length - 1, &ab));
		enc_free(ba);
		enc_free(a);
		enc_free(b);
	}
}

/* NIST CAVS ECC CDH primitive test vectors (KAS ECC CDH), P-256
 * COUNT = 0. */
static void test_ecdh_cavs(void **state)
{
	enc_buffer *key = secret_from_hex("7d7dc5f71eb29ddaf80d6214632eeae03d90"
	                                  "58af1fb6d22ed80badb62bc1a534");
	enc_buffer *shared = NULL;
	uint8_t point[65];
	uint8_t peer[65];

	assert_cry_ok(cry_ec_public_from_private(CRY_CURVE_P256, key, point));
	assert_hex_equal(point, 65,
	                 "04ead218590119e8876b29146ff89ca61770c4edbbf97d38ce385"
	                 "ed281d8a6b230"
	                 "28af61281fd35e2fa7002523acc85a429cb06ee6648325389f59e"
	                 "dfce1405141");
	hex_decode("04700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838"
	           "833d287"
	           "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85"
	           "fa4ac",
	           peer, sizeof(peer));
	assert_cry_ok(cry_ecdh(CRY_CURVE_P256, key, peer, 65, &shared));
	assert_buffer_hex(shared, "46fc62106420ff012e54a434fbdd2d25ccc585206056"
	                          "1e68040dd7778997bd7b");
	enc_free(shared);
	enc_free(key);
}

/* The private key reaches OpenSSL only in its secure heap. We interpose
 * ECDSA_do_sign (the library's calls resolve to this definition) to look
 * at the secure heap while the key object exists. */
static size_t secure_used_while_signing;
static unsigned sign_calls;

ECDSA_SIG *ECDSA_do_sign(const unsigned char *digest, int length, EC_KEY *key)
{
	ECDSA_SIG *(*real)(const unsigned char *, int, EC_KEY *);

	*(void **)&real = dlsym(RTLD_NEXT, "ECDSA_do_sign");
	assert_non_null(real);
	sign_calls++;
	secure_used_while_signing = CRYPTO_secure_used();
	return real(digest, length, key);
}

static void test_secure_heap(void **state)
{
	enc_buffer *key = NULL;
	uint8_t point[65], digest[32] = {0}, signature[64];
	bool here = true;
	size_t before;

	assert_true(CRYPTO_secure_malloc_initialized());
	/* Idempotent: the heap set up by the group setup stays. */
	assert_cry_ok(cry_init(0, &here));
	assert_false(here);
	assert_cry(CRY_ERR_INVALID, cry_init(1000, NULL));
	assert_cry(CRY_ERR_INVALID, cry_init(8192, NULL));

	assert_cry_ok(cry_ec_generate(CRY_CURVE_P256, &key, point));
	before = CRYPTO_secure_used();
	sign_calls = 0;
	assert_cry_ok(
	        cry_ecdsa_sign(CRY_CURVE_P256, key, digest, 32, signature));
	assert_int_equal(1, sign_calls);
	/* While signing, the private key occupied the secure heap... */
	assert_true(secure_used_while_signing > before);
	/* ... and nothing of it is left there afterwards. */
	assert_int_equal(before, CRYPTO_secure_used());
	enc_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rfc6979_verify),
	        cmocka_unit_test(test_sign_cross_checked),
	        cmocka_unit_test(test_bad_keys),
	        cmocka_unit_test(test_ecdh_agree),
	        cmocka_unit_test(test_ecdh_cavs),
	        cmocka_unit_test(test_secure_heap),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
