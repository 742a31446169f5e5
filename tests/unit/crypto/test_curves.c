/* Curve parameters (CKA_EC_PARAMS), sizes, public key encodings, status
 * names and generation for every curve. */
#include "config.h"

#include "common.h"

#include <string.h>

struct params_vector {
	const char *der;
	cry_curve curve;
};

static const struct params_vector good_params[] = {
        {"06082a8648ce3d030107", CRY_CURVE_P256},
        {"06052b81040022", CRY_CURVE_P384},
        {"06052b81040023", CRY_CURVE_P521},
        {"06032b6570", CRY_CURVE_ED25519},
        {"06032b656e", CRY_CURVE_X25519},
        {"130c656477617264733235353139", CRY_CURVE_ED25519}, /* edwards25519 */
        {"130a63757276653235353139", CRY_CURVE_X25519},      /* curve25519 */
        /* OpenSC 0.23 pkcs11-tool's curve25519, length byte one too big */
        {"130b63757276653235353139", CRY_CURVE_X25519},
};

static const char *const bad_params[] = {
        "06082a8648ce3d0301",             /* truncated */
        "06092a8648ce3d030107",           /* length says more than there is */
        "05082a8648ce3d030107",           /* wrong tag */
        "06082a8648ce3d03010700",         /* trailing byte */
        "0606082a8648ce3d030107",         /* doubled tag */
        "06052b8104000a",                 /* secp256k1: unsupported */
        "06032b6571",                     /* Ed448 */
        "0c0c656477617264733235353139",   /* UTF8String edwards25519 */
        "130c65647761726473323535313900", /* trailing byte */
        "130b6564776172647332353531",     /* truncated name */
        "130b6375727665323535313900",     /* OpenSC's curve25519 + a byte */
        "130b637572766532353531",         /* and truncated */
        "06",
        "",
};

static void test_params(void **state)
{
	cry_curve curve;
	uint8_t der[32];

	for (size_t i = 0; i < sizeof(good_params) / sizeof(good_params[0]);
	     i++) {
		size_t length =
		        hex_decode(good_params[i].der, der, sizeof(der));

		curve = (cry_curve)99;
		assert_cry_ok(cry_curve_from_params(der, length, &curve));
		assert_int_equal(good_params[i].curve, curve);
	}
	for (size_t i = 0; i < sizeof(bad_params) / sizeof(bad_params[0]);
	     i++) {
		size_t length = hex_decode(bad_params[i], der, sizeof(der));

		print_message("bad params %s\n", bad_params[i]);
		assert_cry(CRY_ERR_INVALID,
		           cry_curve_from_params(der, length, &curve));
	}
	assert_cry(CRY_ERR_INVALID, cry_curve_from_params(NULL, 0, &curve));
	/* Canonical OIDs round-trip. */
	for (int c = CRY_CURVE_P256; c <= CRY_CURVE_X25519; c++) {
		size_t length = 0;
		const uint8_t *oid = cry_curve_params((cry_curve)c, &length);

		assert_non_null(oid);
		assert_int_equal(0x06, oid[0]);
		assert_cry_ok(cry_curve_from_params(oid, length, &curve));
		assert_int_equal(c, curve);
	}
	assert_null(cry_curve_params((cry_curve)42, NULL));
}

static void test_sizes(void **state)
{
	static const size_t private_bytes[] = {32, 48, 66, 32, 32};
	static const size_t public_bytes[] = {65, 97, 133, 32, 32};
	static const unsigned bits[] = {256, 384, 521, 255, 255};

	for (int c = CRY_CURVE_P256; c <= CRY_CURVE_X25519; c++) {
		assert_int_equal(private_bytes[c],
		                 cry_curve_private_bytes((cry_curve)c));
		assert_int_equal(public_bytes[c],
		                 cry_curve_public_bytes((cry_curve)c));
		assert_int_equal(bits[c], cry_curve_bits((cry_curve)c));
	}
	assert_int_equal(0, cry_curve_private_bytes((cry_curve)42));
}

static void test_strerror(void **state)
{
	for (int s = CRY_OK; s <= CRY_ERR_INTERNAL; s++) {
		const char *name = cry_strerror((cry_status)s);

		assert_non_null(name);
		for (int t = CRY_OK; t < s; t++)
			assert_string_not_equal(name,
			                        cry_strerror((cry_status)t));
	}
	assert_non_null(cry_strerror((cry_status)1000));
}

/* SubjectPublicKeyInfo: RFC 6979's P-256 key with the named-curve
 * prefix, and RFC 8410's fixed prefix for Ed25519/X25519. */
static void test_public_key_info(void **state)
{
	static const char *p256_point = "0460FED4BA255A9D31C961EB74C6356D68C049"
	                                "B8923B61FA6CE669622E60F29FB6"
	                                "7903FE1008B8BC99A41AE9E95628BC64F2F1B2"
	                                "0C2D7E9F5177A3C294D4462299";
	static const char *p256_spki =
	        "3059301306072a8648ce3d020106082a8648ce3d030107034200"
	        "0460FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F2"
	        "9FB6"
	        "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D44622"
	        "99";
	static const char *ed25519_point = "d75a980182b10ab7d54bfed3c964073a0ee"
	                                   "172f3daa62325af021a68f707511a";
	uint8_t point[65];
	uint8_t der[200];
	size_t length = 0;

	hex_decode(p256_point, point, sizeof(point));
	assert_cry_ok(
	        cry_ec_public_key_info(CRY_CURVE_P256, point, NULL, &length));
	assert_int_equal(91, length);
	length = 90;
	assert_cry(CRY_ERR_BUFFER,
	           cry_ec_public_key_info(CRY_CURVE_P256, point, der, &length));
	assert_int_equal(91, length);
	length = sizeof(der);
	assert_cry_ok(
	        cry_ec_public_key_info(CRY_CURVE_P256, point, der, &length));
	assert_hex_equal(der, length, p256_spki);
	point[64] ^= 1; /* off the curve */
	length = sizeof(der);
	assert_cry(CRY_ERR_KEY,
	           cry_ec_public_key_info(CRY_CURVE_P256, point, der, &length));

	hex_decode(ed25519_point, point, 32);
	length = 0;
	assert_cry_ok(cry_ec_public_key_info(CRY_CURVE_ED25519, point, NULL,
	                                     &length));
	assert_int_equal(44, length);
	length = 43;
	assert_cry(CRY_ERR_BUFFER, cry_ec_public_key_info(CRY_CURVE_ED25519,
	                                                  point, der, &length));
	length = sizeof(der);
	assert_cry_ok(
	        cry_ec_public_key_info(CRY_CURVE_ED25519, point, der, &length));
	assert_hex_equal(der, length,
	                 "302a300506032b6570032100d75a980182b10ab7d54bfed3c9"
	                 "64073a0ee172f3daa62325af021a68f707511a");
	length = sizeof(der);
	assert_cry_ok(
	        cry_ec_public_key_info(CRY_CURVE_X25519, point, der, &length));
	assert_hex_equal(der, 12, "302a300506032b656e032100");
}

static void test_generate_every_curve(void **state)
{
	for (int c = CRY_CURVE_P256; c <= CRY_CURVE_X25519; c++) {
		enc_buffer *key = NULL;
		enc_buffer *other = NULL;
		uint8_t point[133], again[133], second[133];
		size_t length = cry_curve_public_bytes((cry_curve)c);

		assert_cry_ok(cry_ec_generate((cry_curve)c, &key, point));
		assert_int_equal(cry_curve_private_bytes((cry_curve)c),
		                 enc_size(key));
		assert_int_equal(ENC_READONLY, enc_access_of(key));
		assert_cry_ok(cry_ec_check_public((cry_curve)c, point, length));
		assert_cry_ok(
		        cry_ec_public_from_private((cry_curve)c, key, again));
		assert_memory_equal(point, again, length);
		assert_cry_ok(cry_ec_generate((cry_curve)c, &other, second));
		assert_memory_not_equal(point, second, length);
		enc_free(other);
		enc_free(key);
	}
	assert_cry(CRY_ERR_INVALID,
	           cry_ec_generate(CRY_CURVE_P256, NULL, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_params),
	        cmocka_unit_test(test_sizes),
	        cmocka_unit_test(test_strerror),
	        cmocka_unit_test(test_public_key_info),
	        cmocka_unit_test(test_generate_every_curve),
	};

	return cmocka_run_group_tests(tests, crypto_setup, crypto_teardown);
}
